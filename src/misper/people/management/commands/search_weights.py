"""``misper search_weights``: estimate the call handler's search weights from the records
(u from random pairs, m by expectation maximisation; misper.people.weights_em) and print
match_weights.toml as it would be. Review it against the benchmark
(tests/bench/test_bench_search.py) before replacing src/misper/people/match_weights.toml."""

from __future__ import annotations

import tomllib
from datetime import date
from importlib import resources
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from misper.people.models import Person
from misper.people.weights_em import estimate, record, to_toml


class Command(BaseCommand):
    help = "Estimate the search's match weights from the records and print the TOML."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--sample", type=int, default=200_000, help="records read at most")
        parser.add_argument("--random-pairs", type=int, default=200_000)
        parser.add_argument("--per-block", type=int, default=50)
        parser.add_argument("--seed", type=int, default=13)
        parser.add_argument(
            "--only-u",
            action="store_true",
            help="estimate u only (from random pairs) and keep every m in force",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        text = resources.files("misper.people").joinpath("match_weights.toml").read_text("utf-8")
        current = tomllib.loads(text)
        rows = Person.objects.order_by("?" if options["sample"] else "pk").values_list(
            "given_name", "family_name", "date_of_birth", "phone_digits", "home_postcode"
        )[: options["sample"]]
        records = [record(*row) for row in rows]
        if len(records) < 2:
            self.stderr.write("Too few records to estimate from.")
            return
        result = estimate(
            records,
            current,
            random_pairs=options["random_pairs"],
            per_block=options["per_block"],
            seed=options["seed"],
        )
        pairs = ", ".join(f"{k}: {v}" for k, v in result["pairs"].items())
        share = ", ".join(f"{k}: {v:.3f}" for k, v in result["match_share"].items())
        self.stderr.write(f"blocked pairs: {pairs}; estimated share of matches: {share}")
        if options["only_u"]:
            result["m"] = {}
        version = f"{date.today().isoformat()}.{'u' if options['only_u'] else 'em'}"
        self.stdout.write(to_toml(result, current, version=version, records=len(records)))

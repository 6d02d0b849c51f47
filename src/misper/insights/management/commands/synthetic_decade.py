"""``misper synthetic_decade``: write a synthetic decade of national data into an empty
database, for the national-scale benchmarks (misper.insights.synthetic; docs/insights.md)."""

from __future__ import annotations

import time
from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from misper.insights.synthetic import CHILDREN, EPISODES, SEED, NotEmpty, generate


class Command(BaseCommand):
    help = (
        "Write a synthetic decade (by default 500,000 children and 1,500,000 episodes) into "
        "an EMPTY database, for benchmarks. Refuses a database that holds children."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--children", type=int, default=CHILDREN)
        parser.add_argument("--episodes", type=int, default=EPISODES)
        parser.add_argument("--seed", type=int, default=SEED)
        parser.add_argument(
            "--end", type=date.fromisoformat, default=None, help="last day (default today)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["episodes"] < options["children"]:
            raise CommandError("--episodes must be at least --children (one each)")
        t0 = time.monotonic()
        try:
            summary = generate(
                children=options["children"],
                episodes=options["episodes"],
                seed=options["seed"],
                end=options["end"],
                progress=lambda text: self.stdout.write(f"{time.monotonic() - t0:7.1f} s {text}"),
            )
        except NotEmpty as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"{summary.children} children, {summary.placements} placements, "
            f"{summary.episodes} episodes, {summary.found} found reports, "
            f"{summary.decisions} category decisions, {summary.gradings} risk gradings, "
            f"{summary.referrals} return-interview referrals, {summary.interviews} interviews "
            f"in {time.monotonic() - t0:.1f} s"
        )

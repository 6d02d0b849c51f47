"""``misper insights_facts``: bring the reports' summary table up to date (the worker does
this on every tick), or with ``--rebuild`` derive it all again (misper.insights.facts;
docs/insights.md "The summary table")."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from misper.insights import facts


class Command(BaseCommand):
    help = (
        "Refresh the reports' summary table from the changes marked since the last refresh; "
        "--rebuild derives every child's rows again."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--rebuild", action="store_true", help="derive every child's rows again"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        t0 = time.monotonic()
        if options["rebuild"]:
            rows = facts.rebuild(progress=self.stdout.write)
            self.stdout.write(f"{rows} episodes summarised in {time.monotonic() - t0:.1f} s")
        else:
            marks = facts.refresh_all()
            self.stdout.write(f"{marks} changes taken in {time.monotonic() - t0:.1f} s")

"""``misper worker``: the background process (tasks and deadline sweeps)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from misper.worker import Worker


class Command(BaseCommand):
    help = "Run the worker: queued tasks and periodic sweeps (deadlines)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--once", action="store_true", help="run one tick and exit")
        parser.add_argument("--interval", type=float, default=None)

    def handle(self, *args: Any, **options: Any) -> None:
        Worker(interval=options["interval"]).run(once=options["once"])

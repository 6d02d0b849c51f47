"""``misper worker``: the background process (tasks and deadline sweeps)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from misper.worker import Worker


class Command(BaseCommand):
    help = "Run the worker: queued tasks and periodic sweeps (deadlines)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--once", action="store_true", help="run one tick and exit")
        parser.add_argument(
            "--interval", type=float, default=None, help="seconds to sleep after an idle tick"
        )
        parser.add_argument("--max-ticks", type=int, default=None, help="exit after N ticks")
        parser.add_argument(
            "--exit-when-idle",
            action="store_true",
            help="exit after a tick that found nothing to do",
        )
        parser.add_argument("--worker-id", default=None, help="name in the logs (host:pid)")

    def handle(self, *args: Any, **options: Any) -> None:
        Worker(interval=options["interval"], worker_id=options["worker_id"]).run(
            once=options["once"],
            max_ticks=options["max_ticks"],
            exit_when_idle=options["exit_when_idle"],
        )

"""``misper audit verify``: walk the audit log's hash chain and report the first broken
link, if any. Exit status 0 when the chain is whole, 1 otherwise."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from misper.core.audit import audit_check_record


class Command(BaseCommand):
    help = "Check the audit log (verify)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["verify"])

    def handle(self, *args: Any, **options: Any) -> None:
        result = audit_check_record(by="misper audit verify")
        if result.ok:
            self.stdout.write(f"audit log intact: {result.checked} rows checked")
            return
        where = "at the end of the log" if result.broken_at == -1 else f"at row {result.broken_at}"
        raise CommandError(
            f"audit log broken {where}: {result.problem} "
            f"({result.checked} rows before it are intact)"
        )

"""``misper find_duplicates``: look for records that may be the same child with the call
handler's search (the same keys and scorer, people/duplicates.py) and put each new pair on
the missing person coordinators' list. Never merges: a coordinator decides each pair."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from misper.people.duplicates import duplicate_sweep
from misper.people.models import Person


class Command(BaseCommand):
    help = "Find possible duplicate records for the coordinators' list (never merges)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--since-id",
            type=int,
            default=0,
            help="Only the records after this id (the ones added since the last run)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        ids = None
        if options["since_id"]:
            ids = Person.objects.filter(pk__gt=options["since_id"]).values_list("pk", flat=True)
        seen, added = duplicate_sweep(person_ids=ids)
        self.stdout.write(f"Looked at {seen} records; {added} new possible duplicates listed.")

"""``misper demo``: build the fictional demo region (idempotent) and print the logins."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from misper.agencies.demo import DEMO_PASSWORD, build_agencies
from misper.care.demo import build_out_of_area
from misper.episodes.demo import build_children_and_episodes
from misper.interventions.demo import build_interventions
from misper.interventions.network_demo import build_network
from misper.notifications.demo import build_sharing
from misper.returns.demo import build_arrangements, build_return_interviews


class Command(BaseCommand):
    help = "Load the fictional demo region and print the demo logins."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--quiet", action="store_true", help="do not print the logins")

    def handle(self, *args: Any, **options: Any) -> None:
        logins = build_agencies()
        build_sharing()  # before the episodes, so their messages go by email too
        build_arrangements()  # before the episodes, so found children go to the providers
        children = build_children_and_episodes()
        children += build_out_of_area()  # after the others: they are built on an empty region
        build_return_interviews()
        build_network()  # after the interviews, which share an associate and a place
        build_interventions()  # the trigger records the episodes fired, worked on
        if options["quiet"]:
            return
        if children:
            self.stdout.write(f"Demo region built: {children} children with their episodes.")
        self.stdout.write(f"Demo logins (every one has the password {DEMO_PASSWORD}):")
        width = max(len(lg.email) for lg in logins)
        for lg in logins:
            self.stdout.write(f"  {lg.email.ljust(width)}  {lg.roles} — {lg.organisation}")

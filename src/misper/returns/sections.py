"""What return interviews shared with the police (R-RHI-09), as a section of the child's
record page (people/sections.py). Only operational police see it: the selector says so."""

from __future__ import annotations

from django.utils import timezone

from misper.agencies.models import User
from misper.people.models import Person
from misper.people.sections import Section, register_section
from misper.returns.routing import route
from misper.returns.selectors import shared_with_police


def shared_section(user: User, person: Person) -> Section | None:
    items = shared_with_police(user, person.pk)
    if not items:
        return None
    return Section(
        title="Shared by return interviews",
        template="returns/_shared_section.html",
        context={"items": items},
    )


register_section(shared_section)


def responsibility_section(user: User, person: Person) -> Section | None:
    """Who would be responsible for a return interview if the child went missing from
    where they live today, and who would hold it (R-RHI-12, R-OOA-04): shown to everyone
    who opens the record (the page has already checked they may see the child)."""
    if not person.looked_after:
        return None
    answer = route(person, timezone.localdate())
    if answer is None:
        return None
    return Section(
        title="Return interviews",
        template="returns/_responsibility_section.html",
        context={"route": answer},
    )


register_section(responsibility_section)

"""What return interviews shared with the police (R-RHI-09), as a section of the child's
record page (people/sections.py). Only operational police see it: the selector says so."""

from __future__ import annotations

from misper.agencies.models import User
from misper.people.models import Person
from misper.people.sections import Section, register_section
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

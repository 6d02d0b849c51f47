"""The child's repeat-missing trigger records, as a section of the child's record page
(people/sections.py): the ones the viewer may see (selectors.triggers_for_user), with a
link to each, and for the force's coordinators a link to raise an intervention by hand
(R-TRG-14)."""

from __future__ import annotations

from misper.agencies.models import User
from misper.interventions import words
from misper.interventions.selectors import COORDINATORS, force_id_of, triggers_for_user
from misper.people.models import Person
from misper.people.sections import Section, register_section


def interventions_section(user: User, person: Person) -> Section | None:
    may_raise = user.has_role(*COORDINATORS) and force_id_of(user) is not None
    triggers = list(
        triggers_for_user(user).filter(person=person).order_by("-created_at", "-id")[:50]
    )
    if not triggers and not may_raise:
        return None
    return Section(
        title="Repeat missing",
        template="interventions/_section.html",
        context={
            "rows": [
                {"trigger": t, "title": words.title(t), "status": words.status(t.status)}
                for t in triggers
            ],
            "may_raise": may_raise,
            "person_id": person.pk,
        },
    )


register_section(interventions_section)

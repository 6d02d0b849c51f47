"""The child's repeat-missing trigger records, as a section of the child's record page
(people/sections.py): the ones the viewer may see (selectors.triggers_for_user), with a
link to each, and for the force's coordinators a link to raise an intervention by hand
(R-TRG-14)."""

from __future__ import annotations

from misper.agencies.models import User
from misper.interventions import words
from misper.interventions.models import NoticeStatus
from misper.interventions.selectors import (
    COORDINATORS,
    force_id_of,
    notices_naming,
    triggers_for_user,
)
from misper.people.models import Person
from misper.people.sections import Section, register_section
from misper.policy.harbouring import ACT_WORDS, Act


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


def harbouring_section(user: User, person: Person) -> Section | None:
    """The harbouring warning notices naming the child that the viewer may see (R-HRB-04),
    newest first, each with the Act it cites for the child; nothing when there are none."""
    notices = list(
        notices_naming(user, person.pk)
        .prefetch_related("children")
        .order_by("-prepared_at", "-pk")[:50]
    )
    if not notices:
        return None
    rows = []
    for n in notices:
        acts: list[str] = next(
            (list(c.acts or []) for c in n.children.all() if c.person_id == person.pk), []
        )
        words = " and ".join(ACT_WORDS[Act(a)] for a in acts if a in set(Act))
        rows.append(
            {
                "notice": n,
                "status": NoticeStatus(n.status).label,
                "acts": words[:1].upper() + words[1:],
            }
        )
    return Section(
        title="Harbouring warning notices",
        template="interventions/harbouring/_section.html",
        context={"rows": rows},
    )


register_section(harbouring_section)

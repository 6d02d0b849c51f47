"""The pre-placement risk assessment, as a section of the child's record page
(people/sections.py): the latest version's answers that decide what police do, for those
who may read it."""

from __future__ import annotations

import rules

from misper.agencies.models import User
from misper.care.selectors import latest_version
from misper.people.models import Person
from misper.people.sections import Section, register_section


def assessment_section(user: User, person: Person) -> Section | None:
    if not rules.has_perm("care.view_assessment", user, person):
        return None
    latest = latest_version(person)
    if latest is None and not person.looked_after:
        return None
    return Section(
        title="Pre-placement missing risk assessment",
        template="care/_assessment_section.html",
        context={
            "latest": latest,
            "person": person,
            "may_save": rules.has_perm("care.save_assessment", user, person),
        },
    )


register_section(assessment_section)

"""Sections other apps add to the child's record page, without the people app importing
them (the import layers put people below episodes and returns).

An app registers, once, when it is ready (its ``AppConfig.ready``), a function
``fn(user, person) -> Section | None``: given the user and the child as the user opened
them (``selectors.get_person_for_user``), it returns the section to show, or None to show
nothing. The function reads through its own app's selectors, which decide what the user
may see; the record page includes each section's template with ``section`` in its
context, in the order the sections were registered."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from misper.agencies.models import User
from misper.people.models import Person


@dataclass(frozen=True)
class Section:
    title: str
    template: str
    context: dict[str, Any] = field(default_factory=dict)


SectionFn = Callable[[User, Person], Section | None]

_SECTIONS: list[SectionFn] = []


def register_section(fn: SectionFn) -> SectionFn:
    """Add a section to the child's record page (once, however often it is called)."""
    if fn not in _SECTIONS:
        _SECTIONS.append(fn)
    return fn


def sections_for(user: User, person: Person) -> list[Section]:
    """The sections the user sees on the child's record, in registration order."""
    return [s for s in (fn(user, person) for fn in _SECTIONS) if s is not None]

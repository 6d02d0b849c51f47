"""Timeline verbs, declared by each app in its ``events.py`` (like lite-api's audit-trail
enums and saleor's order events): a verb's value is stored, its label is what people
read, and ``fields`` names what its ``changes`` may carry. ``timeline_record`` refuses a
verb that no app declared, or a change it does not carry, so the timeline never holds a
word nobody can explain; pages show :func:`label`."""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum
from typing import Any


class TimelineVerb(StrEnum):
    """Base of every app's verbs: ``NAME = "value", "Label people read", ("field", ...)``."""

    label: str
    fields: frozenset[str]

    def __new__(cls, value: str, label: str = "", fields: Iterable[str] = ()) -> TimelineVerb:
        member = str.__new__(cls, value)
        member._value_ = value
        member.label = label or value.replace("_", " ").capitalize()
        member.fields = frozenset(fields)
        return member


_VERBS: dict[str, TimelineVerb] = {}


def register(*enums: type[TimelineVerb]) -> None:
    """Declare an app's verbs (its ``events.py`` calls this when imported, from its
    AppConfig.ready). A value declared by two apps is a programming error."""
    for enum in enums:
        for member in enum:
            other = _VERBS.get(member.value)
            if other is not None and type(other) is not type(member):
                raise ValueError(f"timeline verb {member.value!r} is declared twice")
            _VERBS[member.value] = member


def verb(value: str | TimelineVerb) -> TimelineVerb:
    """The declared verb for a value; ValueError for one nobody declared."""
    found = _VERBS.get(str(value))
    if found is None:
        raise ValueError(f"unknown timeline verb {value!r}: declare it in an app's events.py")
    return found


def check_changes(v: TimelineVerb, changes: dict[str, Any]) -> None:
    extra = set(changes) - v.fields
    if extra:
        raise ValueError(f"timeline verb {v.value!r} carries no {sorted(extra)}")


def label(value: str) -> str:
    """What people read for a stored verb."""
    found = _VERBS.get(value)
    return found.label if found is not None else value.replace("_", " ").capitalize()


def declared() -> dict[str, TimelineVerb]:
    return dict(_VERBS)


class CoreVerb(TimelineVerb):
    DEADLINE_DUE = (
        "deadline_due",
        "Deadline due",
        ("kind", "due", "deadline", "action"),
    )


register(CoreVerb)

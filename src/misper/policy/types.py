"""Plain data shared by every part of the policy engine.

These types are the contract between the modules of ``misper.policy`` (assessment,
authority, deadlines, triggers, return interviews, the scenario runner). They carry no
behaviour beyond small conveniences, import nothing outside the standard library, and
every instant in them is a timezone-aware ``datetime`` in UTC.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime


@dataclass(frozen=True, slots=True)
class Reason:
    """Why the engine said something: a rule id of ``policy-rules.md`` and the facts."""

    rule: str
    text: str

    def as_dict(self) -> dict[str, str]:
        return {"rule": self.rule, "text": self.text}


@dataclass(frozen=True, slots=True)
class Deadline:
    """Something that must happen by ``due`` (UTC). ``kind`` is from Appendix D."""

    kind: str
    due: datetime
    rule: str
    text: str = ""

    def as_dict(self) -> dict[str, str]:
        return {"kind": self.kind, "due": iso_utc(self.due), "rule": self.rule}


@dataclass(frozen=True, slots=True)
class PastEpisode:
    """One episode in a history: the subject's own (``person`` is None) or another child's.

    ``category`` is one of ``missing``, ``absent``, ``unauthorised_absence``,
    ``absconder_only``; ``absconder`` is true for a missing-and-absconder episode.
    ``location`` is where the child went missing from (an address key) and
    ``establishment`` the care establishment, when it is one.
    """

    reported_at: datetime
    category: str
    absconder: bool = False
    risk: str | None = None
    found_at: datetime | None = None
    location: str | None = None
    establishment: str | None = None
    person: str | None = None
    duplicate: bool = False


@dataclass(frozen=True, slots=True)
class TriggerHit:
    """A repeat-missing trigger that fired for a new episode (policy-rules §14)."""

    kind: str
    level: int | None
    scope: str  # "person" | "location" | "establishment"
    subject: str | None  # the location or establishment key; None for the person
    count: int  # episodes counted inside the window, the new one included
    window: str  # human description, e.g. "90 days"
    action: str
    roles: tuple[str, ...]
    rule: str
    reasons: tuple[Reason, ...] = ()
    deadline: Deadline | None = None
    # What was counted, for the app to name the episodes (not part of the scenario output):
    # the categories counted (C-05) and the first UK local date of the window.
    counts: str = "missing"
    window_start: date | None = None

    def as_dict(self) -> dict[str, object]:
        out: dict[str, object] = {"kind": self.kind}
        if self.level is not None:
            out["level"] = self.level
        out.update(
            {
                "scope": self.scope,
                "subject": self.subject,
                "count": self.count,
                "window": self.window,
                "action": self.action,
                "roles": list(self.roles),
                "rule": self.rule,
            }
        )
        return out


@dataclass(frozen=True, slots=True)
class ProfileError:
    """One problem in a profile file, named by its dotted key."""

    key: str
    message: str

    def __str__(self) -> str:
        return f"{self.key}: {self.message}"


@dataclass(slots=True)
class ProfileErrors(Exception):
    """Raised by the loader with every error it found, not just the first."""

    source: str
    errors: list[ProfileError] = field(default_factory=list)

    def __str__(self) -> str:
        lines = [f"{self.source}: {len(self.errors)} error(s)"]
        lines += [f"  {e}" for e in self.errors]
        return "\n".join(lines)


def iso_utc(instant: datetime) -> str:
    """``2025-10-26T00:30:00Z`` for an aware instant, with its fraction of a second when it
    has one (a deadline is never cut short to the second below)."""
    if instant.tzinfo is None:
        raise ValueError("naive datetime: the policy engine only accepts aware instants")
    from datetime import UTC

    utc = instant.astimezone(UTC)
    spec = "microseconds" if utc.microsecond else "seconds"
    return utc.isoformat(timespec=spec).replace("+00:00", "Z")

"""The facts the engine reasons about, and their parsing from scenario JSON.

Field names are those of docs/policy-scenarios.md. Parsing is strict about types and
vocabularies and raises :class:`ScenarioError` listing every problem found.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from misper.policy.roles import ALL_ROLES
from misper.policy.types import PastEpisode
from misper.policy.vocab import ANSWER_KEYS, CATEGORIES, FLAG_KINDS, MISSING_FROM, RISK_LEVELS


class ScenarioError(ValueError):
    """A scenario (or a service's input) that the engine cannot read."""

    def __init__(self, problems: Sequence[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = list(problems)


@dataclass(frozen=True, slots=True)
class Flag:
    kind: str
    since: date | None = None


@dataclass(frozen=True, slots=True)
class PrePlacementAssessment:
    never_absent: bool = False
    likelihood: str | None = None
    risk_if_missing: str | None = None
    cse_risk: str | None = None
    risk_to_others: str | None = None


@dataclass(frozen=True, slots=True)
class Person:
    date_of_birth: date
    sex: str | None = None
    looked_after: bool = False
    legal_status: str | None = None
    placement_type: str | None = None
    subject_to_cj_order: bool = False
    subject_to_secure_order: bool = False
    liable_to_arrest: bool = False
    other_factors_suspected: bool = False
    mental_health_issues: bool = False
    household_issues: tuple[str, ...] = ()
    flags: tuple[Flag, ...] = ()
    pre_placement_assessment: PrePlacementAssessment | None = None


@dataclass(frozen=True, slots=True)
class Report:
    reported_at: datetime
    last_seen_at: datetime | None = None
    last_contact_at: datetime | None = None
    missing_from: str = "home"
    location: str | None = None
    establishment: str | None = None
    reported_by: str | None = None
    answers: Mapping[str, str] = field(default_factory=dict)
    # optional additions (docs/policy-scenarios.md, "Optional fields")
    further_enquiries_required: bool = False
    childrens_services_info: bool = True

    @property
    def clock_start(self) -> datetime:
        """C-09: last contact, defaulting to last seen, then to the report."""
        return self.last_contact_at or self.last_seen_at or self.reported_at


@dataclass(frozen=True, slots=True)
class Grading:
    risk: str
    by_role: str | None = None
    at: datetime | None = None
    initial: bool = False


@dataclass(frozen=True, slots=True)
class Episode:
    """The episode's state; an allowed action produces a changed copy (decide._apply)."""

    category: str
    absconder: bool | None = None
    risk: str | None = None
    categorised_at: datetime | None = None
    categorised_by_role: str | None = None
    risk_history: tuple[Grading, ...] = ()
    callbacks_agreed: tuple[datetime, ...] = ()
    latest_review_at: datetime | None = None
    case_record_created: bool = False
    found_at: datetime | None = None
    returned_at: datetime | None = None
    tour_end: datetime | None = None
    # optional additions
    review_at: datetime | None = None
    disagreement_open: bool = False
    rationale: str | None = None
    closed: bool = False
    closure_code: str | None = None
    rhi_outcome: str | None = None
    restricted: bool = False


# ------------------------------------------------------------------------------ parsing


class _Reader:
    def __init__(self) -> None:
        self.problems: list[str] = []

    def instant(self, value: object, where: str) -> datetime | None:
        if value is None:
            return None
        if not isinstance(value, str):
            self.problems.append(f"{where}: expected an ISO 8601 instant, got {value!r}")
            return None
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            self.problems.append(f"{where}: not an ISO 8601 instant: {value!r}")
            return None
        if parsed.tzinfo is None:
            self.problems.append(f"{where}: instant without a time zone: {value!r}")
            return None
        return parsed.astimezone(UTC)

    def required_instant(self, value: object, where: str) -> datetime:
        got = self.instant(value, where)
        if got is None:
            if value is None:
                self.problems.append(f"{where}: required")
            return datetime(1970, 1, 1, tzinfo=UTC)
        return got

    def day(self, value: object, where: str) -> date | None:
        if value is None:
            return None
        if not isinstance(value, str):
            self.problems.append(f"{where}: expected YYYY-MM-DD, got {value!r}")
            return None
        try:
            return date.fromisoformat(value)
        except ValueError:
            self.problems.append(f"{where}: not a date: {value!r}")
            return None

    def boolean(self, value: object, where: str, default: bool = False) -> bool:
        if value is None:
            return default
        if not isinstance(value, bool):
            self.problems.append(f"{where}: expected true/false, got {value!r}")
            return default
        return value

    def word(self, value: object, where: str, words: Sequence[str]) -> str | None:
        if value is None:
            return None
        if not isinstance(value, str) or value not in words:
            self.problems.append(f"{where}: {value!r} is not one of {', '.join(words)}")
            return None
        return value

    def table(self, value: object, where: str) -> Mapping[str, Any]:
        if value is None:
            return {}
        if not isinstance(value, Mapping):
            self.problems.append(f"{where}: expected an object")
            return {}
        return value

    def items(self, value: object, where: str) -> list[Any]:
        if value is None:
            return []
        if not isinstance(value, list):
            self.problems.append(f"{where}: expected a list")
            return []
        return value

    def done(self) -> None:
        if self.problems:
            raise ScenarioError(self.problems)


_RATINGS = ("low", "medium", "high")


def parse_person(raw: Mapping[str, Any], r: _Reader | None = None) -> Person:
    reader = r or _Reader()
    dob = reader.day(raw.get("date_of_birth"), "person.date_of_birth")
    if dob is None and raw.get("date_of_birth") is None:
        reader.problems.append("person.date_of_birth: required")
    flags = []
    for i, f in enumerate(reader.items(raw.get("flags"), "person.flags")):
        ft = reader.table(f, f"person.flags[{i}]")
        kind = reader.word(ft.get("kind"), f"person.flags[{i}].kind", FLAG_KINDS)
        if kind:
            flags.append(Flag(kind, reader.day(ft.get("since"), f"person.flags[{i}].since")))
    ppa_raw = raw.get("pre_placement_assessment")
    ppa = None
    if ppa_raw is not None:
        t = reader.table(ppa_raw, "person.pre_placement_assessment")
        w = "person.pre_placement_assessment."
        ppa = PrePlacementAssessment(
            never_absent=reader.boolean(t.get("never_absent"), w + "never_absent"),
            likelihood=reader.word(t.get("likelihood"), w + "likelihood", _RATINGS),
            risk_if_missing=reader.word(t.get("risk_if_missing"), w + "risk_if_missing", _RATINGS),
            cse_risk=reader.word(t.get("cse_risk"), w + "cse_risk", _RATINGS),
            risk_to_others=reader.word(t.get("risk_to_others"), w + "risk_to_others", _RATINGS),
        )
    person = Person(
        date_of_birth=dob or date(2000, 1, 1),
        sex=raw.get("sex"),
        looked_after=reader.boolean(raw.get("looked_after"), "person.looked_after"),
        legal_status=raw.get("legal_status"),
        placement_type=raw.get("placement_type"),
        subject_to_cj_order=reader.boolean(raw.get("subject_to_cj_order"), "person.cj"),
        subject_to_secure_order=reader.boolean(raw.get("subject_to_secure_order"), "person.so"),
        liable_to_arrest=reader.boolean(raw.get("liable_to_arrest"), "person.liable_to_arrest"),
        other_factors_suspected=reader.boolean(
            raw.get("other_factors_suspected"), "person.other_factors_suspected"
        ),
        mental_health_issues=reader.boolean(
            raw.get("mental_health_issues"), "person.mental_health_issues"
        ),
        household_issues=tuple(
            str(x) for x in reader.items(raw.get("household_issues"), "person.household_issues")
        ),
        flags=tuple(flags),
        pre_placement_assessment=ppa,
    )
    if r is None:
        reader.done()
    return person


def parse_report(raw: Mapping[str, Any], r: _Reader | None = None) -> Report:
    reader = r or _Reader()
    answers: dict[str, str] = {}
    for key, value in reader.table(raw.get("answers"), "report.answers").items():
        if key not in ANSWER_KEYS:
            reader.problems.append(f"report.answers.{key}: unknown question key")
            continue
        word = reader.word(value, f"report.answers.{key}", ("yes", "no", "unknown"))
        if word:
            answers[key] = word
    report = Report(
        reported_at=reader.required_instant(raw.get("reported_at"), "report.reported_at"),
        last_seen_at=reader.instant(raw.get("last_seen_at"), "report.last_seen_at"),
        last_contact_at=reader.instant(raw.get("last_contact_at"), "report.last_contact_at"),
        missing_from=reader.word(raw.get("missing_from"), "report.missing_from", MISSING_FROM)
        or "home",
        location=raw.get("location"),
        establishment=raw.get("establishment"),
        reported_by=raw.get("reported_by"),
        answers=answers,
        further_enquiries_required=reader.boolean(
            raw.get("further_enquiries_required"), "report.further_enquiries_required"
        ),
        childrens_services_info=reader.boolean(
            raw.get("childrens_services_info"), "report.childrens_services_info", True
        ),
    )
    if r is None:
        reader.done()
    return report


def parse_history(raw: object, r: _Reader | None = None) -> list[PastEpisode]:
    reader = r or _Reader()
    out = []
    for i, item in enumerate(reader.items(raw, "history")):
        t = reader.table(item, f"history[{i}]")
        w = f"history[{i}]."
        out.append(
            PastEpisode(
                reported_at=reader.required_instant(t.get("reported_at"), w + "reported_at"),
                category=reader.word(t.get("category"), w + "category", CATEGORIES) or "missing",
                absconder=reader.boolean(t.get("absconder"), w + "absconder"),
                risk=reader.word(t.get("risk"), w + "risk", RISK_LEVELS),
                found_at=reader.instant(t.get("found_at"), w + "found_at"),
                location=t.get("location"),
                establishment=t.get("establishment"),
                person=t.get("person"),
                duplicate=reader.boolean(t.get("duplicate"), w + "duplicate"),
            )
        )
    if r is None:
        reader.done()
    return out


def parse_episode(raw: Mapping[str, Any], r: _Reader | None = None) -> Episode:
    reader = r or _Reader()
    grades = []
    for i, g in enumerate(reader.items(raw.get("risk_history"), "episode.risk_history")):
        t = reader.table(g, f"episode.risk_history[{i}]")
        w = f"episode.risk_history[{i}]."
        risk = reader.word(t.get("risk"), w + "risk", RISK_LEVELS)
        if risk:
            grades.append(
                Grading(
                    risk=risk,
                    by_role=reader.word(t.get("by_role"), w + "by_role", sorted(ALL_ROLES)),
                    at=reader.instant(t.get("at"), w + "at"),
                    initial=reader.boolean(t.get("initial"), w + "initial"),
                )
            )
    callbacks = [
        c
        for i, x in enumerate(reader.items(raw.get("callbacks_agreed"), "episode.callbacks"))
        if (c := reader.instant(x, f"episode.callbacks_agreed[{i}]")) is not None
    ]
    ep = Episode(
        category=reader.word(raw.get("category"), "episode.category", CATEGORIES) or "missing",
        absconder=raw.get("absconder") if isinstance(raw.get("absconder"), bool) else None,
        risk=reader.word(raw.get("risk"), "episode.risk", RISK_LEVELS),
        categorised_at=reader.instant(raw.get("categorised_at"), "episode.categorised_at"),
        categorised_by_role=reader.word(
            raw.get("categorised_by_role"), "episode.categorised_by_role", sorted(ALL_ROLES)
        ),
        risk_history=tuple(grades),
        callbacks_agreed=tuple(callbacks),
        latest_review_at=reader.instant(raw.get("latest_review_at"), "episode.latest_review_at"),
        case_record_created=reader.boolean(
            raw.get("case_record_created"), "episode.case_record_created"
        ),
        found_at=reader.instant(raw.get("found_at"), "episode.found_at"),
        returned_at=reader.instant(raw.get("returned_at"), "episode.returned_at"),
        tour_end=reader.instant(raw.get("tour_end"), "episode.tour_end"),
        review_at=reader.instant(raw.get("review_at"), "episode.review_at"),
        disagreement_open=reader.boolean(raw.get("disagreement_open"), "episode.disagreement"),
        closed=reader.boolean(raw.get("closed"), "episode.closed"),
        rhi_outcome=reader.word(
            raw.get("rhi_outcome"), "episode.rhi_outcome", ("completed", "declined", "not_required")
        ),
        restricted=reader.boolean(raw.get("restricted"), "episode.restricted"),
    )
    if r is None:
        reader.done()
    return ep

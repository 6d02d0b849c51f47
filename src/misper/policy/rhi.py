"""Return home interviews: the seven criteria (R-RHI-04) and the RAG triage (R-RHI-10).

Neither removes the duty to offer an interview to every found child (C-16); they set its
priority and reasons. Counts include the current episode.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from misper.policy.facts import Person
from misper.policy.profiles import Profile
from misper.policy.types import PastEpisode, Reason

PARTNERS = ("boyfriend", "girlfriend", "partner")
HOUSEHOLD_ISSUES = ("mental_health", "child_protection", "domestic_abuse", "substance_misuse")


@dataclass(frozen=True, slots=True)
class Contact:
    relationship: str
    date_of_birth: date | None = None


@dataclass(frozen=True, slots=True)
class FoundFacts:
    """What the found report adds (record_found fields)."""

    harmed: bool = False
    criminal_activity: bool = False
    risky_contacts: bool = False
    with_persons: tuple[Contact, ...] = ()


@dataclass(frozen=True, slots=True)
class Triage:
    """The triage_return_interview fields (docs/policy-scenarios.md).

    ``associates_recorded`` and ``places_recorded`` say that the referral *holds* the
    information about the child's associates and the places visited (true) or lacks it
    (false or not given); neither says they are of concern. The other five say a risk
    factor is present (true), absent (false) or not known (None)."""

    associates_recorded: bool | None = None
    places_recorded: bool | None = None
    substance_misuse: bool | None = None
    domestic_violence: bool | None = None
    learning_difficulty: bool | None = None
    troubled_family: bool | None = None
    cse_indicators: bool | None = None


@dataclass
class Result:
    value: object
    reasons: list[Reason] = field(default_factory=list)


def two_years_before(day: date) -> date:
    """The same calendar day two years earlier (29 February becomes 28 February)."""
    try:
        return day.replace(year=day.year - 2)
    except ValueError:
        return day.replace(year=day.year - 2, day=28)


def more_than_two_years_older(partner_dob: date, child_dob: date) -> bool:
    """C-13: strictly more than two years older; exactly two years does not meet it."""
    return partner_dob < two_years_before(child_dob)


def own_missing_count(history: Sequence[PastEpisode], current_is_missing: bool) -> int:
    past = sum(
        1 for h in history if h.person is None and not h.duplicate and h.category == "missing"
    )
    return past + (1 if current_is_missing else 0)


def own_absent_count(history: Sequence[PastEpisode], current_is_absent: bool) -> int:
    past = sum(
        1
        for h in history
        if h.person is None and not h.duplicate and h.category in ("absent", "unauthorised_absence")
    )
    return past + (1 if current_is_absent else 0)


def criteria(
    person: Person,
    history: Sequence[PastEpisode],
    found: FoundFacts,
    *,
    current_category: str,
    cse_known: Sequence[str] = (),
    cse_indicators: bool = False,
) -> tuple[list[int], list[Reason]]:
    """R-RHI-04: the numbers of the criteria met, with reasons."""
    met: list[int] = []
    why: list[Reason] = []

    def hit(n: int, text: str) -> None:
        met.append(n)
        why.append(Reason("R-RHI-04", f"criterion {n}: {text}"))

    n = own_missing_count(history, current_category == "missing")
    if n >= 2:
        hit(1, f"missing on {n} occasions, this one included")
    if found.criminal_activity:
        hit(2, "engaged or believed to have engaged in criminal activities")
    if found.harmed:
        hit(3, "hurt or harmed while missing, or this is believed")
    flags = {f.kind for f in person.flags}
    if person.mental_health_issues or "mental_health" in flags:
        hit(4, "the child has mental health issues")
    issues = [i for i in person.household_issues if i in HOUSEHOLD_ISSUES]
    if issues:
        hit(5, f"household issues: {', '.join(issues)}")
    if cse_known or cse_indicators:
        hit(6, "at risk or thought at risk of sexual exploitation")
    older = [
        c.relationship
        for c in found.with_persons
        if c.relationship in PARTNERS
        and c.date_of_birth is not None
        and more_than_two_years_older(c.date_of_birth, person.date_of_birth)
    ]
    if older or found.risky_contacts:
        text = (
            f"contact with a {older[0]} more than two years older (C-13)"
            if older
            else "contact with persons posing a risk to children"
        )
        hit(7, text)
    return met, why


def rag(
    profile: Profile,
    history: Sequence[PastEpisode],
    triage: Triage,
    *,
    current_category: str,
) -> tuple[str, list[Reason]]:
    """R-RHI-10: red / amber / green with reasons (counts include this episode)."""
    missing = own_missing_count(history, current_category == "missing")
    absences = own_absent_count(history, current_category in ("absent", "unauthorised_absence"))
    red: list[str] = []
    if missing > 2:
        red.append(f"{missing} missing episodes (more than 2)")
    threshold = int(profile.get("rag.absent_incidents_red"))
    if absences >= threshold:
        red.append(f"{absences} absent incidents ({threshold} or more)")
    factors = {
        "substance_misuse": "substance misuse",
        "domestic_violence": "domestic violence",
        "learning_difficulty": "learning difficulty",
        "troubled_family": "troubled family",
        "cse_indicators": "CSE indicators",
    }
    for name, label in factors.items():
        if getattr(triage, name) is True:
            red.append(label)
    if red:
        return "red", [Reason("R-RHI-10", "red: " + "; ".join(red))]
    # Amber when the referral lacks what is needed to judge the listed factors (R-RHI-10,
    # adopted reading): who the child was with, where they went, and CSE indicators.
    lacking = [
        label
        for name, label in (
            ("associates_recorded", "the child's associates"),
            ("places_recorded", "the places visited"),
        )
        if getattr(triage, name) is not True
    ]
    if triage.cse_indicators is None:
        lacking.append("CSE indicators")
    if missing == 2:
        colour = str(profile.get("rag.two_episodes"))
        return colour, [Reason("R-RHI-10", f"exactly 2 missing episodes: {colour} (adopted)")]
    if lacking:
        return "amber", [Reason("R-RHI-10", "amber: information lacking on " + ", ".join(lacking))]
    return "green", [Reason("R-RHI-10", f"green: {missing} missing episode(s), no risk factors")]

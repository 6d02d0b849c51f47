"""The facts of the database, in the policy engine's words.

The engine's input contract is the scenario format (docs/policy-scenarios.md): this
module builds one from a child's record, their history and a report, asks
``misper.policy.evaluate.evaluate`` and hands its answer back unchanged. Nothing here
decides anything: the rules live in the engine.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from misper.core.errors import ValidationFailed
from misper.people.matching import normalise
from misper.people.models import Person
from misper.policy.calendar import local_date
from misper.policy.evaluate import evaluate

log = logging.getLogger("misper.episodes.policy")

HISTORY_YEARS = 2  # the longest trigger window is 12 months; keep a margin


def iso(instant: datetime | None) -> str | None:
    """An instant as the engine reads it: UTC, whole seconds, ``Z``, and always a four-digit
    year (``strftime("%Y")`` writes year 999 as "999", which no ISO 8601 parser reads)."""
    if instant is None:
        return None
    return instant.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def location_key(*, establishment_code: str | None, address: str, postcode: str) -> str:
    """One key per place for location triggers (R-TRG-04): the establishment, or the
    normalised postcode and first line of the address."""
    if establishment_code:
        return f"org:{establishment_code}"
    first_line = normalise(address.split(",")[0])[:60]
    return f"addr:{normalise(postcode).replace(' ', '')}:{first_line}"


def person_facts(
    person: Person, at: datetime, *, other_factors_suspected: bool = False
) -> dict[str, Any]:
    dob = person.date_of_birth
    if dob is None:
        # Only an estimated age: take the latest date of birth consistent with it, so that
        # the child is never treated as older than estimated.
        on = person.estimated_age_on or at.date()
        years = person.estimated_age or 0
        dob = date(on.year - years, on.month, min(on.day, 28))
        # Never after the day in question (an estimate recorded after the report): the
        # engine counts the age from the date of birth and refuses an earlier day.
        dob = min(dob, local_date(at))
    current = next((p for p in person.placements.all() if p.ended_on is None), None)
    return {
        "date_of_birth": dob.isoformat(),
        "sex": person.sex if person.sex != "unknown" else None,
        "looked_after": person.looked_after,
        "legal_status": person.legal_status or None,
        "placement_type": current.placement_type if current else None,
        "subject_to_cj_order": person.subject_to_cj_order,
        "subject_to_secure_order": person.subject_to_secure_order,
        "liable_to_arrest": person.liable_to_arrest,
        "other_factors_suspected": other_factors_suspected,
        "mental_health_issues": any(
            f.kind == "mental_health" and f.active for f in person.flags.all()
        ),
        "household_issues": [],
        "flags": [
            {"kind": f.kind, "since": f.raised_at.date().isoformat()}
            for f in person.flags.all()
            if f.active
        ],
        "pre_placement_assessment": None,
    }


@dataclass
class ReportFacts:
    reported_at: datetime
    last_seen_at: datetime
    last_contact_at: datetime | None
    missing_from: str
    location_key: str
    establishment_code: str | None
    reported_by: str
    answers: dict[str, str]
    further_enquiries_required: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {
            "reported_at": iso(self.reported_at),
            "last_seen_at": iso(self.last_seen_at),
            "last_contact_at": iso(self.last_contact_at),
            "missing_from": self.missing_from,
            "location": self.location_key,
            "establishment": self.establishment_code,
            "reported_by": self.reported_by,
            "answers": dict(self.answers),
            "further_enquiries_required": self.further_enquiries_required,
        }


@dataclass
class Question:
    """Everything the engine needs, ready to be evaluated (optionally with an action)."""

    profile: str
    now: datetime
    person: dict[str, Any]
    history: list[dict[str, Any]]
    report: dict[str, Any]
    episode: dict[str, Any] | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def scenario(self, action: dict[str, Any] | None = None) -> dict[str, Any]:
        out: dict[str, Any] = {
            "name": "misper",
            "profile": self.profile,
            "now": iso(self.now),
            "person": self.person,
            "history": self.history,
            "report": self.report,
        }
        if self.episode is not None:
            out["episode"] = self.episode
        if action is not None:
            out["action"] = action
        return out

    def ask(self, action: dict[str, Any] | None = None) -> dict[str, Any]:
        """The engine's answer. The services bound every input so that the engine can read
        it; should it still refuse one (ScenarioError, or the ValueError of an age counted
        before the date of birth), the user gets a ValidationFailed naming the field, not
        a server error."""
        try:
            return evaluate(self.scenario(action))
        except ValueError as exc:  # ScenarioError is a ValueError
            problems = [str(p) for p in getattr(exc, "problems", None) or [str(exc)]]
            # A bound missing in a service: worth fixing, so it is logged (no names in it).
            log.warning("policy engine could not read the input: %s", "; ".join(problems))
            raise ValidationFailed(
                "The policy cannot assess this: " + "; ".join(problems),
                field=_field_of(problems[0]),
            ) from exc


def _field_of(problem: str) -> str | None:
    """The field a problem of the engine's names ("report.last_seen_at: ..." → last_seen_at;
    an age counted before the date of birth → date_of_birth)."""
    if "date of birth" in problem:
        return "date_of_birth"
    where = problem.split(":", 1)[0] if ":" in problem else ""
    name = where.rsplit(".", 1)[-1].split("[", 1)[0]
    return name if name.isidentifier() else None


def history_entries(
    *,
    person: Person,
    location: str,
    establishment_code: str | None,
    before: datetime,
    exclude_episode_id: int | None = None,
) -> list[dict[str, Any]]:
    """The child's own episodes (all of them: missing and absent counted together) and
    other children's episodes at the same place or establishment in the trigger windows."""
    from misper.episodes.models import Episode

    since = before - timedelta(days=365 * HISTORY_YEARS)
    own = Episode.objects.filter(person=person, reported_at__lt=before)
    others = Episode.objects.filter(reported_at__gte=since, reported_at__lt=before).exclude(
        person=person
    )
    if establishment_code:
        others = others.filter(establishment__code=establishment_code) | others.filter(
            location_key=location
        )
    else:
        others = others.filter(location_key=location)
    rows = []
    for ep in list(own.select_related("establishment")) + list(
        others.select_related("establishment")
    ):
        if ep.pk == exclude_episode_id:
            continue
        entry: dict[str, Any] = {
            "reported_at": iso(ep.reported_at),
            "category": ep.category,
            "absconder": ep.absconder,
            "risk": ep.risk or None,
            "found_at": iso(getattr(ep, "found_at", None)),
            "location": ep.location_key,
            "establishment": ep.establishment.code if ep.establishment else None,
        }
        if ep.person_id != person.pk:
            entry["person"] = f"person-{ep.person_id}"
        rows.append(entry)
    return rows


# The report's fields the engine reads, as stored on an Episode and as validated by the
# report service: one question built the same way at the report and at every later action.
REPORT_FIELDS = (
    "reported_at",
    "last_seen_at",
    "last_contact_at",
    "missing_from",
    "establishment",
    "reported_by",
    "answers",
    "further_enquiries_required",
    "other_factors_suspected",
)


def report_question(
    *,
    profile: str,
    now: datetime,
    person: Person,
    report: dict[str, Any],
    location: str,
    episode: dict[str, Any] | None = None,
    exclude_episode_id: int | None = None,
) -> Question:
    """The engine's question about a report (``report`` holds REPORT_FIELDS), for the
    child's record and history, and optionally the episode's current state."""
    establishment = report["establishment"]
    code = establishment.code if establishment else None
    facts = ReportFacts(
        reported_at=report["reported_at"],
        last_seen_at=report["last_seen_at"],
        last_contact_at=report["last_contact_at"],
        missing_from=report["missing_from"],
        location_key=location,
        establishment_code=code,
        reported_by=report["reported_by"],
        # R-RPT-05: a question not asked (danger evident) is a lack of information for the
        # engine, an 'unknown' (R-CLS-02), never a 'no'
        answers={
            k: "unknown" if v["answer"] == "not_asked" else v["answer"]
            for k, v in report["answers"].items()
        },
        further_enquiries_required=report["further_enquiries_required"],
    )
    return Question(
        profile=profile,
        now=now,
        person=person_facts(
            person,
            report["reported_at"],
            other_factors_suspected=report["other_factors_suspected"],
        ),
        history=history_entries(
            person=person,
            location=location,
            establishment_code=code,
            before=report["reported_at"],
            exclude_episode_id=exclude_episode_id,
        ),
        report=facts.as_dict(),
        episode=episode,
        extra={"location_key": location},
    )

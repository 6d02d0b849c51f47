"""The facts of the database, in the policy engine's types.

This module turns a child's record, their history, a report and an episode into the
engine's frozen dataclasses (``misper.policy.facts``) and asks ``misper.policy.decide``
once; its ``Decision`` comes back unchanged. Nothing here decides anything: the rules live
in the engine. Checked with ``mypy --strict`` (make lint), so no field can be dropped or
misspelt on the way.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

from misper.care.selectors import latest_version
from misper.core.errors import ValidationFailed
from misper.people.matching import normalise
from misper.people.models import Person as PersonRecord
from misper.policy import Action, Decision, decide
from misper.policy.calendar import local_date
from misper.policy.facts import Episode, Flag, Grading, Person, PrePlacementAssessment, Report
from misper.policy.profiles import Profile, load_profile
from misper.policy.types import PastEpisode, iso_utc

log = logging.getLogger("misper.episodes.policy")

HISTORY_YEARS = 2  # the longest trigger window is 12 months; keep a margin
# R-RPT-05: a question not asked (danger evident) is, for the engine, a lack of information
# ('unknown', R-CLS-02), never a 'no'.
NOT_ASKED = "not_asked"


def iso(instant: datetime | None) -> str | None:
    """An instant for a timeline or a message, written as the engine writes its own
    (``policy.types.iso_utc``: UTC, ``Z``, a four-digit year, its fraction of a second)."""
    return None if instant is None else iso_utc(instant)


def location_key(*, establishment_code: str | None, address: str, postcode: str) -> str:
    """One key per place for location triggers (R-TRG-04): the establishment, or the
    normalised postcode and first line of the address."""
    if establishment_code:
        return f"org:{establishment_code}"
    first_line = normalise(address.split(",")[0])[:60]
    return f"addr:{normalise(postcode).replace(' ', '')}:{first_line}"


def person_facts(
    person: PersonRecord, at: datetime, *, other_factors_suspected: bool = False
) -> Person:
    """The child as the engine sees them on the day ``at``."""
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
    flags = [f for f in person.flags.all() if f.active]
    return Person(
        date_of_birth=dob,
        sex=person.sex if person.sex != "unknown" else None,
        looked_after=bool(person.looked_after),
        legal_status=person.legal_status or None,
        placement_type=current.placement_type if current else None,
        subject_to_cj_order=person.subject_to_cj_order,
        subject_to_secure_order=person.subject_to_secure_order,
        liable_to_arrest=person.liable_to_arrest,
        other_factors_suspected=other_factors_suspected,
        mental_health_issues=any(f.kind == "mental_health" for f in flags),
        household_issues=(),
        flags=tuple(Flag(kind=f.kind, since=f.raised_at.date()) for f in flags),
        pre_placement_assessment=assessment_facts(person),
    )


def assessment_facts(person: PersonRecord) -> PrePlacementAssessment | None:
    """The pre-placement assessment in force (its latest version, as the record stands,
    like the flags): field 20 and the ratings of fields 23 and 26 to 28 (R-CLS-11,
    R-CLS-17, R-CLS-03)."""
    latest = latest_version(person)
    if latest is None:
        return None
    facts = latest.engine_facts
    return PrePlacementAssessment(
        never_absent=bool(facts["never_absent"]),
        likelihood=facts["likelihood"],
        risk_if_missing=facts["risk_if_missing"],
        cse_risk=facts["cse_risk"],
        risk_to_others=facts["risk_to_others"],
    )


def _utc(instant: datetime | None) -> datetime | None:
    return instant.astimezone(UTC) if instant is not None else None


def report_facts(
    report: Mapping[str, Any], *, location: str, establishment_code: str | None
) -> Report:
    """The report (``report`` holds REPORT_FIELDS, as stored or as validated)."""
    reported_at = _utc(report["reported_at"])
    assert reported_at is not None
    return Report(
        reported_at=reported_at,
        last_seen_at=_utc(report["last_seen_at"]),
        last_contact_at=_utc(report["last_contact_at"]),
        missing_from=str(report["missing_from"]),
        location=location,
        establishment=establishment_code,
        reported_by=str(report["reported_by"]),
        answers={
            k: "unknown" if v["answer"] == NOT_ASKED else str(v["answer"])
            for k, v in report["answers"].items()
        },
        further_enquiries_required=bool(report["further_enquiries_required"]),
    )


def history(
    *,
    person: PersonRecord,
    location: str,
    establishment_code: str | None,
    before: datetime,
    exclude_episode_id: int | None = None,
) -> tuple[PastEpisode, ...]:
    """The child's own episodes (all of them: missing and absent counted together) and
    other children's episodes at the same place or establishment in the trigger windows,
    each with when it was found (so durations reach the engine)."""
    from misper.episodes.models import Episode as EpisodeRecord

    since = before - timedelta(days=365 * HISTORY_YEARS)
    own = EpisodeRecord.objects.filter(person=person, reported_at__lt=before)
    others = EpisodeRecord.objects.filter(reported_at__gte=since, reported_at__lt=before).exclude(
        person=person
    )
    if establishment_code:
        others = others.filter(establishment__code=establishment_code) | others.filter(
            location_key=location
        )
    else:
        others = others.filter(location_key=location)
    rows: list[PastEpisode] = []
    # Columns, not model objects: a busy establishment has thousands of episodes in the
    # trigger windows (docs/benchmarks.md "Report submission").
    columns = (
        "pk",
        "person_id",
        "reported_at",
        "category",
        "absconder",
        "risk",
        "found__found_at",
        "location_key",
        "establishment__code",
    )
    for qs in (own, others):
        for (
            pk,
            person_id,
            reported_at,
            category,
            absconder,
            risk,
            found_at,
            key,
            code,
        ) in qs.values_list(*columns):
            if pk == exclude_episode_id:
                continue
            rows.append(
                PastEpisode(
                    reported_at=reported_at.astimezone(UTC),
                    category=category,
                    absconder=absconder,
                    risk=risk or None,
                    found_at=_utc(found_at) if found_at is not None else None,
                    location=key,
                    establishment=code,
                    person=None if person_id == person.pk else f"person-{person_id}",
                )
            )
    return tuple(rows)


def episode_facts(record: Any) -> Episode:
    """An episode's stored state (episodes.models.Episode) in the engine's terms."""
    found = getattr(record, "found", None) if hasattr(record, "found") else None
    absent = record.category == "absent"
    return Episode(
        category=record.category,
        absconder=record.absconder,
        risk=record.risk or None,
        categorised_at=_utc(record.categorised_at),
        categorised_by_role=record.categorised_by_role or None,
        risk_history=tuple(
            Grading(g.risk, g.by_role or None, _utc(g.at), g.initial) for g in record.gradings.all()
        ),
        callbacks_agreed=tuple(
            d.callback_at.astimezone(UTC)
            for d in record.decisions.all()
            if d.callback_at is not None
        ),
        # One stored review time: the agreed absent review (R-REV-02) for an absent
        # episode, the latest review time (R-REV-12) for a missing one.
        latest_review_at=None if absent else _utc(record.latest_review_at),
        review_at=_utc(record.latest_review_at) if absent else None,
        case_record_created=record.case_record_created,
        found_at=_utc(found.found_at) if found is not None else None,
        returned_at=_utc(found.returned_at) if found is not None else None,
        disagreement_open=record.disagreement_open,
        restricted=record.restricted,
        closed=record.status == "closed",
        closure_code=record.closure_code or None,
    )


@dataclass(frozen=True)
class Question:
    """Everything the engine needs about a report or an episode, ready to be decided."""

    profile: Profile
    now: datetime
    person: Person
    report: Report
    history: tuple[PastEpisode, ...]
    episode: Episode | None
    location_key: str

    def with_episode(self, episode: Episode | None) -> Question:
        return replace(self, episode=episode)

    def decide(self, action: Action | None = None) -> Decision:
        """The engine's decision. The services bound every input so that the engine can
        read it; should it still refuse one (ScenarioError, or the ValueError of an age
        counted before the date of birth), the user gets a ValidationFailed naming the
        field, not a server error."""
        try:
            return decide(
                self.profile,
                self.person,
                self.report,
                self.history,
                self.episode,
                action,
                now=self.now,
            )
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
    person: PersonRecord,
    report: Mapping[str, Any],
    location: str,
    episode: Episode | None = None,
    exclude_episode_id: int | None = None,
) -> Question:
    """The engine's question about a report (``report`` holds REPORT_FIELDS), for the
    child's record and history, and optionally the episode's current state."""
    establishment = report["establishment"]
    code = establishment.code if establishment else None
    reported_at: datetime = report["reported_at"]
    return Question(
        profile=load_profile(profile),
        now=now.astimezone(UTC),
        person=person_facts(
            person, reported_at, other_factors_suspected=bool(report["other_factors_suspected"])
        ),
        report=report_facts(report, location=location, establishment_code=code),
        history=history(
            person=person,
            location=location,
            establishment_code=code,
            before=reported_at,
            exclude_episode_id=exclude_episode_id,
        ),
        episode=episode,
        location_key=location,
    )


def episode_question(record: Any, now: datetime, *, reported: Question | None = None) -> Question:
    """The engine's question about a stored episode as it is now. ``reported``: the question
    the same transaction asked about the report that created ``record``, whose child and
    history it shares (the history is of episodes reported before this one, which the new
    episode is not), so that a submission reads them once, not twice."""
    if reported is not None:
        return replace(
            reported,
            now=now.astimezone(UTC),
            report=report_facts(
                {f: getattr(record, f) for f in REPORT_FIELDS},
                location=record.location_key,
                establishment_code=record.establishment.code if record.establishment else None,
            ),
            episode=episode_facts(record),
        )
    return report_question(
        profile=record.profile_id,
        now=now,
        person=record.person,
        report={f: getattr(record, f) for f in REPORT_FIELDS},
        location=record.location_key,
        episode=episode_facts(record),
        exclude_episode_id=record.pk,
    )

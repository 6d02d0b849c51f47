"""Trigger records from the engine's hits (R-TRG-*): a handler of the episode's typed event
(episodes/events.py), in the transaction of the report or the change of category.

The engine evaluates the triggers at every report and change of category, and an
episode's hits are the same at every evaluation (C-06): each becomes one record, once
(a unique constraint per episode, kind, level, scope and subject). The record names the
episodes the trigger counted, who acts on it, and, where the profile gives a meeting
deadline (R-TRG-09, C-07), its meeting with that deadline, which this app keeps (the
episodes app leaves ``intervention_meeting_due`` to it); a MASE trigger lists the child for
the MASE meeting of their authority (mase.py, R-CSE-02). A trigger fired by a restricted
case is not recorded: the case exists only for its owning officers (R-RES-01)."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django.db import IntegrityError, transaction
from django.db.models import Q

from misper.core.deadlines import deadline_meet
from misper.core.timeline import timeline_record
from misper.episodes.events import (
    Change,
    CseScreened,
    EpisodeChanged,
    on_change,
    on_cse_screened,
)
from misper.episodes.models import CseOutcome, Episode
from misper.episodes.services.common import ask
from misper.interventions.events import InterventionsVerb
from misper.interventions.mase import mase_open
from misper.interventions.models import (
    ENDED,
    MaseStatus,
    Meeting,
    Owner,
    ReferenceSequence,
    Scope,
    TriggerRecord,
    TriggerStatus,
)
from misper.interventions.services import (
    OWNER,
    responsible_authority,
    sync_meeting,
    tell_of_trigger,
)
from misper.policy.calendar import LONDON
from misper.policy.types import TriggerHit

COUNTED = {
    "missing": ("missing",),
    "absent": ("absent",),
    "missing_and_absent": ("missing", "absent"),
}
REFERENCE_KINDS = ("wmp_repeat_absent_person", "wmp_repeat_absent_location")  # R-TRG-05
LISTENS = (Change.REPORTED, Change.CATEGORY_CHANGED, Change.ESCALATED)


def owner_of(kind: str, level: int | None) -> Owner:
    if kind == "mase_3_in_3_months":
        return Owner.MASE  # R-TRG-07, R-CSE-02
    if kind == "wm_establishment_over_20":
        return Owner.CHILDRENS_SERVICES  # R-TRG-16
    if kind == "wm_individual_year" and level == 4:
        return Owner.SENIOR_MANAGEMENT  # R-TRG-13
    return Owner.COORDINATOR  # R-TRG-01/05/10..12


def counted_episodes(episode: Episode, hit: TriggerHit) -> list[int]:
    """The episodes the trigger counted: its scope's episodes of the counted categories
    whose UK local date is inside the window, up to the triggering one (C-02..C-05)."""
    qs = Episode.objects.filter(
        category__in=COUNTED.get(hit.counts, ("missing",)),
        reported_at__lte=episode.reported_at,
    )
    if hit.scope == "person":
        qs = qs.filter(person_id=episode.person_id)
    elif hit.scope == "location":
        qs = qs.filter(location_key=hit.subject)
    else:
        qs = qs.filter(establishment__code=hit.subject)
    if hit.window_start is not None:
        qs = qs.filter(reported_at__gte=datetime.combine(hit.window_start, time.min, LONDON))
    return list(qs.order_by("reported_at", "id").values_list("id", flat=True))


def next_reference(force_code: str, year: int) -> str:
    """The next non-crime reference of the force and year (R-TRG-05), in the caller's
    transaction: the prefix's sequence row is locked until it commits, so concurrent
    triggers are numbered one after the other, never twice."""
    prefix = f"NCR-{force_code.upper()}-{year}-"
    ReferenceSequence.objects.bulk_create(
        [ReferenceSequence(prefix=prefix, last=_numbered(prefix))], ignore_conflicts=True
    )
    sequence = ReferenceSequence.objects.select_for_update().get(prefix=prefix)
    sequence.last += 1
    sequence.save(update_fields=["last"])
    return f"{prefix}{sequence.last:05d}"


def _numbered(prefix: str) -> int:
    """How many references were given under ``prefix`` before its sequence row existed."""
    return TriggerRecord.objects.filter(reference__startswith=prefix).count()


def record_hit(
    episode: Episode, hit: TriggerHit, at: datetime | None = None
) -> TriggerRecord | None:
    """One record for one hit, once; None when it is already recorded. ``at``: when the
    change that fired it was made (the service's clock), which the record is dated."""
    subject = hit.subject or ""
    existing = TriggerRecord.objects.filter(
        episode=episode, kind=hit.kind, level=hit.level, scope=hit.scope, subject_key=subject
    ).first()
    if existing is not None:
        if existing.status == TriggerStatus.SUPERSEDED:
            _reinstate(existing, episode, at)
        return None
    establishment = episode.establishment if hit.scope == Scope.ESTABLISHMENT else None
    authority = (
        establishment.local_authority
        if establishment is not None
        else responsible_authority(episode)
    )
    owner = owner_of(hit.kind, hit.level)
    record = TriggerRecord(
        kind=hit.kind,
        level=hit.level,
        scope=hit.scope,
        subject_key=subject,
        rule=hit.rule,
        action=hit.action,
        roles=list(hit.roles),
        count=hit.count,
        window=hit.window,
        reasons=[{"rule": r.rule, "text": r.text} for r in hit.reasons],
        counted=counted_episodes(episode, hit),
        episode=episode,
        person=episode.person,
        establishment=establishment,
        force=episode.force,
        authority=authority,
        owner=owner,
    )
    if at is not None:
        record.created_at = at
    if hit.kind in REFERENCE_KINDS:
        record.reference = next_reference(
            episode.force.code, episode.reported_at.astimezone(LONDON).year
        )
    try:
        with transaction.atomic():
            record.save()
    except IntegrityError:  # recorded meanwhile by another evaluation of the same episode
        return None
    if hit.deadline is not None:
        meeting = Meeting.objects.create(
            trigger=record, due=hit.deadline.due, rule=hit.deadline.rule
        )
        sync_meeting(meeting)
    if owner == Owner.MASE:  # listed for the MASE meeting of the child's authority (R-CSE-02)
        mase_open(record)
    changes = {
        "kind": hit.kind,
        "level": hit.level,
        "count": hit.count,
        "window": hit.window,
        "owner": owner.value,
        "trigger": record.pk,
        "reference": record.reference,
    }
    rules = sorted(
        {hit.rule, *(r.rule for r in hit.reasons), *(["R-CSE-02"] if owner == Owner.MASE else [])}
    )
    subjects = [("trigger", record.pk), ("episode", episode.pk)]
    if hit.scope == Scope.PERSON:
        subjects.append(("person", episode.person_id))
    for subject_type, subject_id in subjects:
        timeline_record(
            actor=None,
            subject_type=subject_type,
            subject_id=subject_id,
            verb=InterventionsVerb.TRIGGERED,
            changes=changes,
            rationale=hit.action,
            rule_ids=rules,
        )
    tell_of_trigger(record)
    return record


@on_change
def record_triggers(event: EpisodeChanged) -> None:
    if event.change not in LISTENS or event.episode.restricted:
        return
    for hit in event.decision.triggers:
        record_hit(event.episode, hit, event.at)
    reconsider_later(event.episode, event.at)


# --- A CSE screening that refers the child to the MASE meeting (R-CSE-01, R-CSE-03) ---------

CSE_REFERRAL = "cse_screening_mase"


@on_cse_screened
def list_from_screening(event: CseScreened) -> None:
    """The screening of a missing episode referred the child to the MASE meeting of their
    authority: they are listed for it, once per episode, as for three missing episodes in
    three months (a trigger record owned by the MASE, with its discussion). A screening
    changed away from the MASE before the child was discussed withdraws the listing; changed
    back, lists them again. A restricted case is never listed (R-RES-01)."""
    episode = event.episode
    if episode.restricted:
        return
    referred = event.screening.outcome == CseOutcome.MASE
    record = TriggerRecord.objects.filter(
        episode=episode, kind=CSE_REFERRAL, scope=Scope.PERSON
    ).first()
    by = str(event.actor)
    if referred and record is None:
        record = TriggerRecord.objects.create(
            kind=CSE_REFERRAL,
            scope=Scope.PERSON,
            rule="R-CSE-03",
            action="Discuss the child at the MASE meeting: the CSE screening referred them",
            roles=["cse_coordinator"],
            count=1,
            reasons=[
                {
                    "rule": "R-CSE-01",
                    "text": f"the CSE screening of case {episode.pk} by {by} referred the "
                    "child to the MASE meeting",
                }
            ],
            counted=[episode.pk],
            episode=episode,
            person=episode.person,
            force=episode.force,
            authority=responsible_authority(episode),
            owner=Owner.MASE,
            raised_by=event.actor,
            created_at=event.at,
        )
        mase_open(record)
        verb, changes = (
            InterventionsVerb.CSE_REFERRED,
            {
                "trigger": record.pk,
                "episode": episode.pk,
                "authority": record.authority.name if record.authority else "",
            },
        )
    elif referred and record is not None and record.status == TriggerStatus.CLOSED:
        if getattr(record, "mase", None) is not None and record.mase.status != MaseStatus.LISTED:
            return  # discussed already: the MASE decided
        record.status, record.closed_at, record.outcome = TriggerStatus.NEW, None, ""
        record.version += 1
        record.save(update_fields=["status", "closed_at", "outcome", "version"])
        verb, changes = (
            InterventionsVerb.CSE_REFERRED,
            {
                "trigger": record.pk,
                "episode": episode.pk,
                "authority": record.authority.name if record.authority else "",
            },
        )
    elif not referred and record is not None and record.status not in ENDED:
        if getattr(record, "mase", None) is not None and record.mase.status != MaseStatus.LISTED:
            return
        outcome = event.screening.get_outcome_display()
        record.status, record.closed_at = TriggerStatus.CLOSED, event.at
        record.outcome = (
            f"Withdrawn before the meeting: the CSE screening of case {episode.pk} was changed "
            f'by {by} to "{outcome}".'
        )
        record.version += 1
        record.save(update_fields=["status", "closed_at", "outcome", "version"])
        verb, changes = (
            InterventionsVerb.CSE_REFERRAL_WITHDRAWN,
            {
                "trigger": record.pk,
                "episode": episode.pk,
                "outcome": outcome,
            },
        )
    else:
        return
    for subject_type, subject_id in (
        ("trigger", record.pk),
        ("episode", episode.pk),
        ("person", episode.person_id),
    ):
        timeline_record(
            actor=event.actor,
            subject_type=subject_type,
            subject_id=subject_id,
            verb=verb,
            changes=changes,
            rule_ids=["R-CSE-01", "R-CSE-03"],
            at=event.at,
        )
    if verb == InterventionsVerb.CSE_REFERRED:
        tell_of_trigger(record)


# The longest window of any trigger (12 months), with a margin for the calendar.
LONGEST_WINDOW = timedelta(days=370)


def reconsider_later(episode: Episode, at: datetime, *, skip: set[int] | None = None) -> int:
    """An episode dated before episodes already recorded (a report back-recorded after
    later ones, or an earlier episode's category changed) changes the counts of those later
    episodes of the same child, place or establishment (C-02..C-06): each is asked of the
    engine again, as it stands now. A hit it now gives is recorded; a record of a hit it no
    longer gives is superseded (kept, with the reason, off the coordinators' lists), so the
    records stay exactly the engine's hits. Reported in order, there is nothing later and
    nothing is asked. Returns how many later episodes were asked. ``skip``: episodes not to
    ask (asked already, e.g. by the bulk import's pass), to which those asked are added."""
    subjects = Q(person_id=episode.person_id) | Q(location_key=episode.location_key)
    if episode.establishment_id is not None:
        subjects |= Q(establishment_id=episode.establishment_id)
    later = (
        Episode.objects.filter(
            subjects,
            restricted=False,
            reported_at__gt=episode.reported_at,
            reported_at__lte=episode.reported_at + LONGEST_WINDOW,
        )
        .exclude(pk=episode.pk)
        .select_related("person", "force", "establishment")
        .order_by("reported_at", "id")
    )
    asked = 0
    for other in later:
        if skip is not None:
            if other.pk in skip:
                continue
            skip.add(other.pk)
        asked += 1
        given = set()
        for hit in ask(other, None, at).triggers:
            given.add((hit.kind, hit.level, hit.scope, hit.subject or ""))
            record_hit(other, hit, at)
        for record in TriggerRecord.objects.filter(episode=other).exclude(
            status=TriggerStatus.SUPERSEDED
        ):
            if (record.kind, record.level, record.scope, record.subject_key) not in given:
                _supersede(record, episode, at)
    return asked


def _supersede(record: TriggerRecord, cause: Episode, at: datetime) -> None:
    record.status = TriggerStatus.SUPERSEDED
    record.closed_at = at
    record.outcome = (
        f"Superseded: case {cause.pk}, recorded later but dated earlier, changed the count "
        "(C-06); the policy no longer gives this trigger for this episode."
    )
    record.version += 1
    record.save(update_fields=["status", "closed_at", "outcome", "version"])
    meeting = Meeting.objects.filter(trigger=record).first()
    if meeting is not None:
        deadline_meet(
            owner=OWNER, subject=meeting, kind="intervention_meeting_due", reason="superseded"
        )
    subjects: list[tuple[str, int]] = [("trigger", record.pk)]
    if record.episode_id is not None:
        subjects.append(("episode", record.episode_id))
    for subject_type, subject_id in subjects:
        timeline_record(
            actor=None,
            role="system",
            subject_type=subject_type,
            subject_id=subject_id,
            verb=InterventionsVerb.SUPERSEDED,
            changes={"trigger": record.pk, "episode": cause.pk},
            rule_ids=[record.rule, "C-06"],
            at=at,
        )


def _reinstate(record: TriggerRecord, cause: Episode, at: datetime | None) -> None:
    record.status = TriggerStatus.NEW
    record.closed_at = None
    record.outcome = ""
    record.version += 1
    record.save(update_fields=["status", "closed_at", "outcome", "version"])
    meeting = Meeting.objects.filter(trigger=record).first()
    if meeting is not None:
        sync_meeting(meeting)
    timeline_record(
        actor=None,
        role="system",
        subject_type="trigger",
        subject_id=record.pk,
        verb=InterventionsVerb.REINSTATED,
        changes={"trigger": record.pk, "episode": cause.pk},
        rule_ids=[record.rule, "C-06"],
        at=at,
    )
    tell_of_trigger(record)

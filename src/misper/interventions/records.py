"""Trigger records from the engine's hits (R-TRG-*): a handler of the episode's typed event
(episodes/events.py), in the transaction of the report or the change of category.

The engine evaluates the triggers at every report and change of category, and an
episode's hits are the same at every evaluation (C-06): each becomes one record, once
(a unique constraint per episode, kind, level, scope and subject). The record names the
episodes the trigger counted, who acts on it, and, where the profile gives a meeting
deadline (R-TRG-09, C-07), its meeting with that deadline, which this app keeps (the
episodes app leaves ``intervention_meeting_due`` to it); a MASE trigger lists the child for
the MASE meeting of their authority (mase.py, R-CSE-02). A trigger fired by a restricted
case is not recorded: the case exists only for its owning officers (R-RES-01).

``record_hit`` records one hit; ``record_hits`` many in one transaction (the bulk import's
trigger pass), with the same outcome in a few queries for them all, the two sharing the
steps (the record, its meeting, its timeline events, who is told)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime, time, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q

from misper.agencies.models import Organisation
from misper.core.deadlines import deadline_meet
from misper.core.timeline import timeline_event, timeline_record, timeline_record_all
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
    open_meetings,
    responsible_authorities,
    responsible_authority,
    sync_meeting,
    tell_of_trigger,
    tell_of_triggers,
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


def counted_all(items: Sequence[tuple[Episode, TriggerHit]]) -> list[list[int]]:
    """``counted_episodes`` of each (episode, hit), in one query per scope: the episodes of
    the items' subjects, of any counted category, dated up to the latest item and from
    its earliest window, read in the order counted; each item takes those of its subject,
    categories and window. A hit without a subject is asked alone."""
    counted: list[list[int]] = [[] for _ in items]
    scopes: dict[str, list[int]] = defaultdict(list)
    for i, (episode, hit) in enumerate(items):
        if hit.scope != Scope.PERSON and hit.subject is None:
            counted[i] = counted_episodes(episode, hit)
        else:
            scopes[hit.scope].append(i)
    for scope, indexes in scopes.items():
        field = {"person": "person_id", "location": "location_key"}.get(
            scope, "establishment__code"
        )
        starts = [_window_start(items[i][1]) for i in indexes]
        qs = Episode.objects.filter(
            **{f"{field}__in": {_subject_of(*items[i]) for i in indexes}},
            category__in={c for i in indexes for c in _categories(items[i][1])},
            reported_at__lte=max(items[i][0].reported_at for i in indexes),
        )
        if None not in starts:
            qs = qs.filter(reported_at__gte=min(s for s in starts if s is not None))
        of: dict[object, list[tuple[int, datetime, str]]] = defaultdict(list)
        for pk, reported_at, category, subject in qs.order_by("reported_at", "id").values_list(
            "id", "reported_at", "category", field
        ):
            of[subject].append((pk, reported_at, category))
        for i, start in zip(indexes, starts, strict=True):
            episode, hit = items[i]
            categories = _categories(hit)
            counted[i] = [
                pk
                for pk, reported_at, category in of[_subject_of(episode, hit)]
                if category in categories
                and reported_at <= episode.reported_at
                and (start is None or reported_at >= start)
            ]
    return counted


def _categories(hit: TriggerHit) -> tuple[str, ...]:
    return COUNTED.get(hit.counts, ("missing",))


def _window_start(hit: TriggerHit) -> datetime | None:
    if hit.window_start is None:
        return None
    return datetime.combine(hit.window_start, time.min, LONDON)


def _subject_of(episode: Episode, hit: TriggerHit) -> object:
    return episode.person_id if hit.scope == Scope.PERSON else hit.subject


def next_reference(force_code: str, year: int) -> str:
    """The next non-crime reference of the force and year (R-TRG-05), in the caller's
    transaction: the prefix's sequence row is locked until it commits, so concurrent
    triggers are numbered one after the other, never twice."""
    return next_references(_prefix(force_code, year), 1)[0]


def next_references(prefix: str, n: int) -> list[str]:
    """The next ``n`` references under ``prefix``, in order: what ``n`` calls of
    ``next_reference`` give, with the sequence row locked and moved once."""
    ReferenceSequence.objects.bulk_create(
        [ReferenceSequence(prefix=prefix, last=_numbered(prefix))], ignore_conflicts=True
    )
    sequence = ReferenceSequence.objects.select_for_update().get(prefix=prefix)
    first = sequence.last + 1
    sequence.last += n
    sequence.save(update_fields=["last"])
    return [f"{prefix}{number:05d}" for number in range(first, sequence.last + 1)]


def _prefix(force_code: str, year: int) -> str:
    return f"NCR-{force_code.upper()}-{year}-"


def _reference_prefix(episode: Episode) -> str:
    """The prefix of the reference a trigger of ``episode`` is given (R-TRG-05)."""
    return _prefix(episode.force.code, episode.reported_at.astimezone(LONDON).year)


def _numbered(prefix: str) -> int:
    """How many references were given under ``prefix`` before its sequence row existed."""
    return TriggerRecord.objects.filter(reference__startswith=prefix).count()


# An episode, one of its hits, and when the change that fired it was made.
Hit = tuple[Episode, TriggerHit, datetime | None]


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
    record = _new_record(
        episode,
        hit,
        at,
        counted=counted_episodes(episode, hit),
        authority=_authority(episode, hit, {}),
    )
    if hit.kind in REFERENCE_KINDS:
        record.reference = next_references(_reference_prefix(episode), 1)[0]
    try:
        with transaction.atomic():
            record.save()
    except IntegrityError:  # recorded meanwhile by another evaluation of the same episode
        return None
    meeting = _meeting(record, hit)
    if meeting is not None:
        meeting.save(force_insert=True)
        sync_meeting(meeting)
    if record.owner == Owner.MASE:  # listed for the MASE meeting of the child's authority
        mase_open(record)
    for event in _triggered(record, episode, hit):
        timeline_record(**event)
    tell_of_trigger(record)
    return record


def record_hits(hits: Iterable[Hit]) -> list[TriggerRecord]:
    """``record_hit`` for each (episode, hit, at), in order, with exactly its outcome (the
    same records, numbered in the same order, meetings and their deadlines, MASE listings,
    timeline events and messages) in a few queries for them all: the records already made
    are found at once, the counted episodes read per scope, the references taken per
    prefix, and the records, meetings and timeline events inserted together. For a writer
    of many hits in one transaction (the bulk import's trigger pass). Returns the records
    made. A record superseded is reinstated by ``record_hit``; if another evaluation
    records some of the hits meanwhile, these hits are recorded one by one."""
    hits = list(hits)
    known = _recorded([episode.pk for episode, _, _ in hits])
    made: list[TriggerRecord] = []
    new: list[Hit] = []
    for episode, hit, at in hits:
        key = (episode.pk, hit.kind, hit.level, hit.scope, hit.subject or "")
        status = known.get(key)
        if status is None:
            known[key] = TriggerStatus.NEW
            new.append((episode, hit, at))
        elif status == TriggerStatus.SUPERSEDED:
            made += _record_new(new)
            new = []
            record_hit(episode, hit, at)  # reinstated
            known[key] = TriggerStatus.NEW
    made += _record_new(new)
    return made


def _recorded(episode_ids: list[int]) -> dict[tuple[int, str, int | None, str, str], str]:
    """The status of each record of these episodes, by (episode, kind, level, scope,
    subject)."""
    known = {}
    ids = sorted(set(episode_ids))
    for i in range(0, len(ids), 900):
        for episode_id, kind, level, scope, subject, status in TriggerRecord.objects.filter(
            episode_id__in=ids[i : i + 900]
        ).values_list("episode_id", "kind", "level", "scope", "subject_key", "status"):
            known[(episode_id, kind, level, scope, subject)] = status
    return known


def _record_new(new: list[Hit]) -> list[TriggerRecord]:
    """Hits not yet recorded, at once; one by one if another evaluation recorded some of
    them meanwhile (its work is rolled back with the savepoint, references included)."""
    if not new:
        return []
    try:
        with transaction.atomic():
            return _record_at_once(new)
    except IntegrityError:
        return [r for e, h, at in new if (r := record_hit(e, h, at)) is not None]


def _record_at_once(new: list[Hit]) -> list[TriggerRecord]:
    counted = counted_all([(episode, hit) for episode, hit, _ in new])
    authorities = responsible_authorities(
        e for e, h, _ in new if h.scope != Scope.ESTABLISHMENT or e.establishment is None
    )
    records = [
        _new_record(e, h, at, counted=c, authority=_authority(e, h, authorities))
        for (e, h, at), c in zip(new, counted, strict=True)
    ]
    numbered: dict[str, list[TriggerRecord]] = defaultdict(list)
    for (episode, hit, _), record in zip(new, records, strict=True):
        if hit.kind in REFERENCE_KINDS:
            numbered[_reference_prefix(episode)].append(record)
    for prefix in sorted(numbered):  # the sequence rows locked in one order
        references = next_references(prefix, len(numbered[prefix]))
        for record, reference in zip(numbered[prefix], references, strict=True):
            record.reference = reference
    TriggerRecord.objects.bulk_create(records, batch_size=500)
    meetings = [
        m
        for (_, hit, _), record in zip(new, records, strict=True)
        if (m := _meeting(record, hit)) is not None
    ]
    Meeting.objects.bulk_create(meetings, batch_size=500)
    open_meetings(meetings)
    for record in records:
        if record.owner == Owner.MASE:
            mase_open(record)
    timeline_record_all(
        [
            timeline_event(**event)
            for (episode, hit, _), record in zip(new, records, strict=True)
            for event in _triggered(record, episode, hit)
        ]
    )
    tell_of_triggers(records)
    return records


def _authority(
    episode: Episode, hit: TriggerHit, known: dict[int, Organisation | None]
) -> Organisation | None:
    """Who acts on the record: the establishment's host authority for an establishment's
    trigger, else the child's responsible authority (``known``: by child, for many)."""
    if hit.scope == Scope.ESTABLISHMENT and episode.establishment is not None:
        return episode.establishment.local_authority
    if episode.person_id not in known:
        known[episode.person_id] = responsible_authority(episode)
    return known[episode.person_id]


def _new_record(
    episode: Episode,
    hit: TriggerHit,
    at: datetime | None,
    *,
    counted: list[int],
    authority: Organisation | None,
) -> TriggerRecord:
    """The record of a hit, not yet numbered or saved."""
    record = TriggerRecord(
        kind=hit.kind,
        level=hit.level,
        scope=hit.scope,
        subject_key=hit.subject or "",
        rule=hit.rule,
        action=hit.action,
        roles=list(hit.roles),
        count=hit.count,
        window=hit.window,
        reasons=[{"rule": r.rule, "text": r.text} for r in hit.reasons],
        counted=counted,
        episode=episode,
        person=episode.person,
        establishment=episode.establishment if hit.scope == Scope.ESTABLISHMENT else None,
        force=episode.force,
        authority=authority,
        owner=owner_of(hit.kind, hit.level),
    )
    if at is not None:
        record.created_at = at
    return record


def _meeting(record: TriggerRecord, hit: TriggerHit) -> Meeting | None:
    """The meeting the hit calls for, by the profile's deadline (R-TRG-09, C-07)."""
    if hit.deadline is None:
        return None
    return Meeting(trigger=record, due=hit.deadline.due, rule=hit.deadline.rule)


def _triggered(record: TriggerRecord, episode: Episode, hit: TriggerHit) -> list[dict[str, Any]]:
    """The timeline events of a new record (``timeline_record``'s arguments): on the
    record, the episode and, for the child's trigger, the child."""
    owner = owner_of(hit.kind, hit.level)
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
    subjects: list[tuple[str, int | None]] = [("trigger", record.pk), ("episode", episode.pk)]
    if hit.scope == Scope.PERSON:
        subjects.append(("person", episode.person_id))
    return [
        {
            "actor": None,
            "subject_type": subject_type,
            "subject_id": subject_id,
            "verb": InterventionsVerb.TRIGGERED,
            "changes": changes,
            "rationale": hit.action,
            "rule_ids": rules,
        }
        for subject_type, subject_id in subjects
    ]


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

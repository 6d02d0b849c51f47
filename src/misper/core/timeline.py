"""The timeline: every action and decision on a person, an episode or a record, written by
the service that makes the change, in its transaction (append-only, agencies migration
0002)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from misper.core import events
from misper.core.events import TimelineVerb
from misper.core.models import ChangedSubject, TimelineEvent

if TYPE_CHECKING:
    from misper.agencies.models import User


def timeline_record(
    *,
    actor: User | None,
    subject_type: str,
    subject_id: str | int,
    verb: TimelineVerb,
    changes: dict[str, Any] | None = None,
    rationale: str = "",
    role: str = "",
    rule_ids: Iterable[str] = (),
    at: datetime | None = None,
) -> TimelineEvent:
    """Append one event to a subject's timeline. Call it inside the service's transaction.
    The verb must be one an app declared (core/events.py), and the changes only what that
    verb carries."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("timeline_record must run inside the service's transaction")
    event = timeline_event(
        actor=actor,
        subject_type=subject_type,
        subject_id=subject_id,
        verb=verb,
        changes=changes,
        rationale=rationale,
        role=role,
        rule_ids=rule_ids,
        at=at,
    )
    mark_changed(subject_type, [subject_id])
    event.save(force_insert=True)
    return event


def timeline_event(
    *,
    actor: User | None,
    subject_type: str,
    subject_id: str | int,
    verb: TimelineVerb,
    changes: dict[str, Any] | None = None,
    rationale: str = "",
    role: str = "",
    rule_ids: Iterable[str] = (),
    at: datetime | None = None,
) -> TimelineEvent:
    """The event ``timeline_record`` appends, checked and not yet saved: for a writer of
    many events at once (``timeline_record_all``)."""
    declared = events.verb(verb)
    events.check_changes(declared, changes or {})
    return TimelineEvent(
        at=at or timezone.now(),
        actor=actor,
        actor_name=str(actor) if actor else "Misper",
        # The role the actor acted in: the service names it; otherwise the roles they hold.
        actor_role=(role or (",".join(sorted(actor.role_codes)) if actor else ""))[:48],
        organisation=actor.organisation if actor else None,
        subject_type=subject_type,
        subject_id=str(subject_id),
        verb=declared.value,
        changes=changes or {},
        rationale=rationale,
        rules=list(rule_ids),
    )


def timeline_record_all(made: Sequence[TimelineEvent]) -> list[TimelineEvent]:
    """Append many events made by ``timeline_event`` at once, in their order: what
    ``timeline_record`` writes for each (the event, and its subject's mark for the derived
    tables) in a few inserts. Call it inside the service's transaction."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("timeline_record_all must run inside the service's transaction")
    by_type: dict[str, list[str]] = {}
    for e in made:
        by_type.setdefault(e.subject_type, []).append(e.subject_id)
    for subject_type, subject_ids in by_type.items():
        mark_changed(subject_type, subject_ids)
    return TimelineEvent.objects.bulk_create(made, batch_size=2000)


def mark_changed(subject_type: str, subject_ids: Iterable[str | int]) -> None:
    """Tell the derived tables (the insights summary) that these subjects changed: in the
    writer's transaction, so the mark commits, or rolls back, with the change. Every
    timeline event marks its subject; a writer that bypasses ``timeline_record`` (the bulk
    import) marks what it wrote itself."""
    ChangedSubject.objects.bulk_create(
        [ChangedSubject(subject_type=subject_type, subject_id=str(i)) for i in subject_ids],
        batch_size=2000,
    )


def timeline_for_subject(subject_type: str, subject_id: str | int) -> QuerySet[TimelineEvent]:
    return TimelineEvent.objects.filter(
        subject_type=subject_type, subject_id=str(subject_id)
    ).select_related("actor", "organisation")

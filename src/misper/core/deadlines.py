"""Deadlines: rows with a kind, a due time and a subject, kept by the app that owns them
and acted on by the worker's sweep (core/deadline_sweep.py) when they fall due."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.utils import timezone

from misper.core.models import Deadline, DeadlineStatus


def deadlines_sync(
    *,
    owner: str,
    subject: models.Model,
    wanted: Iterable[tuple[str, datetime, str]],
    reason: str = "no longer required by the policy",
) -> tuple[int, int]:
    """Make ``owner``'s open deadlines on ``subject`` equal ``wanted`` (kind, due, rule):
    create what is missing, cancel what no longer applies. Another app's deadlines on the
    same record are left alone. Call inside the service's transaction. Returns (created,
    cancelled)."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("deadlines_sync must run inside the service's transaction")
    want = {(kind, due): rule for kind, due, rule in wanted}
    mine = Deadline.objects.of(subject).filter(owner=owner)
    open_rows = list(mine.select_for_update().filter(status=DeadlineStatus.OPEN))
    have = {(d.kind, d.due): d for d in open_rows}
    # A deadline already acted on or met at the same instant is not opened again when the
    # subject's deadlines are re-synced (the worker would otherwise remind twice).
    done = set(
        mine.filter(status__in=[DeadlineStatus.ACTED, DeadlineStatus.MET]).values_list(
            "kind", "due"
        )
    )
    now = timezone.now()
    cancelled = 0
    for key, row in have.items():
        if key not in want:
            row.status = DeadlineStatus.CANCELLED
            row.closed_at = now
            row.closed_reason = reason
            row.save(update_fields=["status", "closed_at", "closed_reason"])
            cancelled += 1
    created = 0
    for (kind, due), rule in want.items():
        if (kind, due) not in have and (kind, due) not in done:
            _new(owner, subject, kind, due, rule).save(force_insert=True)
            created += 1
    return created, cancelled


def _new(owner: str, subject: models.Model, kind: str, due: datetime, rule: str) -> Deadline:
    return Deadline(
        owner=owner,
        content_type=ContentType.objects.get_for_model(subject),
        object_id=subject.pk,
        kind=kind,
        due=due,
        rule=rule,
    )


def deadlines_open_new(
    *, owner: str, wanted: Iterable[tuple[models.Model, Iterable[tuple[str, datetime, str]]]]
) -> int:
    """``deadlines_sync`` of subjects made in this transaction, which have no deadlines
    yet, so that syncing each would only create its ``wanted`` (kind, due, rule): all of
    them in one insert (a writer of many subjects at once). Returns how many it created."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("deadlines_open_new must run inside the service's transaction")
    rows = [
        _new(owner, subject, kind, due, rule)
        for subject, deadlines in wanted
        for (kind, due), rule in {(k, d): r for k, d, r in deadlines}.items()
    ]
    return len(Deadline.objects.bulk_create(rows, batch_size=1000))


def deadline_meet(*, owner: str, subject: models.Model, kind: str, reason: str) -> int:
    """Close ``owner``'s open deadlines of a kind on ``subject`` because what they asked for
    was done (the call-back was made, the child was found). Returns how many were closed."""
    return (
        Deadline.objects.of(subject)
        .filter(owner=owner, kind=kind, status=DeadlineStatus.OPEN)
        .update(status=DeadlineStatus.MET, closed_at=timezone.now(), closed_reason=reason[:200])
    )

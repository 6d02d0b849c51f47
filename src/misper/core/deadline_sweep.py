"""The deadline sweep: the worker acts on each due deadline exactly once (docs/worker.md).

Generic: it knows a deadline's subject only as a reference. The app that keeps the
deadline (its ``owner``) registers one handler per kind::

    @register_deadline_handler("episodes", "absent_limit")
    def handle(deadline: Deadline, now: datetime) -> str: ...

Claiming. Each due open deadline is claimed on its own, in its own transaction:

- PostgreSQL: ``SELECT ... FOR UPDATE SKIP LOCKED LIMIT 1`` on the row. The handler runs
  and the row is marked ``acted`` in that same transaction, so the action and the mark
  commit together or not at all. Another worker skips the locked row and takes the next.
  A worker killed mid-transaction holds nothing once its connection drops: the server
  rolls the transaction back and the row is open again for the next worker.
- SQLite: there are no row locks (Django ignores ``select_for_update``), but Misper opens
  every SQLite transaction IMMEDIATE (config/settings.py), which takes the database's one
  write lock at BEGIN. Two workers therefore claim one after the other; the second
  re-reads ``status=open`` after the first committed and does not see the row again.
  The same code is correct on both; only the concurrency differs (one writer at a time).

Failures. A handler that raises rolls back that deadline only (its savepoint-free
transaction); the exception's class name (no personal data) is logged and stored in
``last_error`` with ``attempts`` + 1, and the row stays open, to be retried on the next
tick. Within one tick a failed row is not tried again.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Q

from misper.core.events import CoreVerb
from misper.core.models import Deadline, DeadlineStatus
from misper.core.timeline import timeline_record

log = logging.getLogger("misper.worker.deadlines")

# A handler acts on one due deadline inside the sweep's transaction and returns the reason
# to store as ``closed_reason`` (short, no personal data).
Handler = Callable[[Deadline, datetime], str]
HANDLERS: dict[tuple[str, str], Handler] = {}

NO_ACTION = "no action defined"


class SubjectBusy(Exception):
    """Raised by a handler that found its subject locked by a user's change: the deadline
    is left open and tried again on the next tick (the worker never waits on a subject lock
    while it holds a deadline lock, so it cannot deadlock with a service)."""


def register_deadline_handler(owner: str, kind: str) -> Callable[[Handler], Handler]:
    """Decorator: ``fn(deadline, now)`` acts on due deadlines of this kind that the app
    ``owner`` keeps."""

    def wrap(fn: Handler) -> Handler:
        HANDLERS[(owner, kind)] = fn
        return fn

    return wrap


def _claim(now: datetime, skip: set[int]) -> Deadline | None:
    """The earliest due open deadline no other worker holds (call inside a transaction)."""
    return (
        Deadline.objects.select_for_update(skip_locked=True)
        .filter(status=DeadlineStatus.OPEN, due__lte=now)
        .filter(Q(retry_after__isnull=True) | Q(retry_after__lte=now))
        .exclude(pk__in=skip)
        .order_by("due", "id")
        .first()
    )


def _act(deadline: Deadline, now: datetime) -> str:
    handler = HANDLERS.get((deadline.owner, deadline.kind))
    if handler is not None:
        return handler(deadline, now)[:200] or "acted on when due"
    timeline_record(
        actor=None,
        role="system",
        subject_type=deadline.subject_type,
        subject_id=deadline.object_id,
        verb=CoreVerb.DEADLINE_DUE,
        changes={
            "kind": deadline.kind,
            "due": deadline.due.isoformat(),
            "deadline": deadline.pk,
            "action": NO_ACTION,
        },
        rule_ids=[deadline.rule] if deadline.rule else [],
        at=now,
    )
    return NO_ACTION


def sweep_due_deadlines(now: datetime, worker_id: str = "", batch: int = 50) -> int:
    """Act on up to ``batch`` due open deadlines, each exactly once. Returns how many were
    acted on (failed ones are not counted; they stay open and are retried next tick)."""
    started = time.monotonic()
    done = 0
    skip: set[int] = set()
    for _ in range(batch):
        claimed: Deadline | None = None
        try:
            with transaction.atomic():
                claimed = _claim(now, skip)
                if claimed is None:
                    break
                reason = _act(claimed, now)
                # When it was acted on: the sweep's clock plus the time this sweep has
                # taken so far (acted_at - due is the delay the benchmark measures).
                acted_at = now + timedelta(seconds=time.monotonic() - started)
                # The handler may have re-synced the subject's deadlines (and so cancelled
                # this one): the sweep's verdict wins, in the same transaction.
                Deadline.objects.filter(pk=claimed.pk).update(
                    status=DeadlineStatus.ACTED,
                    closed_at=acted_at,
                    acted_at=acted_at,
                    closed_reason=reason,
                    attempts=claimed.attempts + 1,
                )
        except SubjectBusy:
            if claimed is None:
                raise
            # Not an error: a service holds the subject. Rolled back; tried next tick.
            log.info("worker %s: deadline %s waits for its subject", worker_id, claimed.pk)
            error = "SubjectBusy"
        except Exception as exc:
            if claimed is None:
                raise  # the claim itself failed (database gone?): the tick is retried
            error = type(exc).__name__
            # The class name only: an exception's message may quote case data.
            log.error(
                "worker %s: deadline %s (%s/%s) failed with %s; retried next tick",
                worker_id,
                claimed.pk,
                claimed.owner,
                claimed.kind,
                error,
            )
            log.debug("traceback of deadline %s", claimed.pk, exc_info=True)
        else:
            done += 1
            continue
        skip.add(claimed.pk)
        _record_failure(claimed.pk, error, now, backoff=error != "SubjectBusy")
    return done


RETRY_BASE = timedelta(seconds=5)
RETRY_MAX = timedelta(hours=1)


def retry_delay(attempts: int) -> timedelta:
    """5 s, 10 s, 20 s, ... doubling after each failed attempt, at most an hour."""
    return min(RETRY_BASE * (2 ** max(attempts - 1, 0)), RETRY_MAX)


def _record_failure(pk: int, error: str, now: datetime, *, backoff: bool) -> None:
    with transaction.atomic():
        row = (
            Deadline.objects.select_for_update(skip_locked=True)
            .filter(pk=pk, status=DeadlineStatus.OPEN)
            .first()
        )
        if row is not None:
            row.attempts += 1
            row.last_error = error[:200]
            # A handler that fails keeps failing until someone fixes the cause: back off,
            # so that a broken handler does not run (and log) every second. A subject busy
            # with a user's change is simply tried on the next tick.
            row.retry_after = now + retry_delay(row.attempts) if backoff else None
            row.save(update_fields=["attempts", "last_error", "retry_after"])

"""The deadline sweep: the worker acts on each due deadline exactly once (docs/worker.md).

Generic: it knows a deadline's subject only as a reference. The app that keeps the
deadline (its ``owner``) registers one handler per kind::

    @register_deadline_handler("episodes", "absent_limit")
    def handle(deadline: Deadline, now: datetime) -> str: ...

Claiming. Due open deadlines are claimed a few at a time (``claim``, 10 by default), the
rows of one claim in one transaction, each row's handler in a savepoint of its own:

- PostgreSQL: ``SELECT ... ORDER BY due, id LIMIT claim FOR UPDATE SKIP LOCKED``. Each
  handler runs in the row's savepoint, and the rows acted on are marked ``acted`` by one
  statement in the claim's transaction, so each action and its mark commit together or
  not at all, with the claim's other rows.
  Another worker skips the locked rows and takes the next ones. A worker killed
  mid-transaction holds nothing once its connection drops: the server rolls the whole
  claim back and its rows are open again for the next worker (nothing of them was done).
- SQLite: there are no row locks (Django ignores ``select_for_update``), but Misper opens
  every SQLite transaction IMMEDIATE (config/settings.py), which takes the database's one
  write lock at BEGIN. Two workers therefore claim one after the other; the second
  re-reads ``status=open`` after the first committed and does not see those rows again.
  The same code is correct on both; only the concurrency differs (one writer at a time).

Claiming several rows per transaction saves a claim query and a commit (a disk flush) per
row, which is what lets two workers keep up with 10,000 deadlines falling due in a minute
(docs/benchmarks.md). The clock moves on during a sweep: the first claim takes the deadlines
due by ``now``, each later one those due by ``now`` plus the time the sweep has run so far
(so deadlines falling due meanwhile are taken at once), and its handlers act at that
instant. ``acted_at`` is the clock when the claim's transaction is about to commit
(``acted_at - due`` is the delay the benchmark measures).

Failures. A handler that raises rolls back its own savepoint only: that deadline's effects
are undone, the claim's other deadlines are unaffected. The exception's class name (no
personal data) is logged and stored in ``last_error`` with ``attempts`` + 1, and the row
stays open, to be retried after a backoff. Within one sweep a failed row is not tried
again. A handler that finds its subject busy (``SubjectBusy``), or a lock wait that ends
in a deadlock or lock timeout, is not an error: the row is retried on the next tick.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import datetime, timedelta

from django.db import connection, transaction
from django.db.models import Q, QuerySet

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


CLAIM = 10  # deadlines claimed per transaction (each in its own savepoint)

# PostgreSQL's codes for a lock wait that failed: deadlock_detected, lock_not_available.
# A handler that waits on a row another worker's claim holds (an episode's deadlines being
# re-synced) may meet one; it is a busy subject, not a broken handler.
LOCK_BUSY_CODES = frozenset({"40P01", "55P03"})


def _due(clock: datetime, skip: set[int]) -> QuerySet[Deadline]:
    return (
        Deadline.objects.filter(status=DeadlineStatus.OPEN, due__lte=clock)
        .filter(Q(retry_after__isnull=True) | Q(retry_after__lte=clock))
        .exclude(pk__in=skip)
        .order_by("due", "id")
    )


def _claim(clock: datetime, skip: set[int], limit: int) -> list[Deadline]:
    """The earliest due open deadlines no other worker holds, locked until the caller's
    transaction ends (call inside a transaction)."""
    return list(_due(clock, skip).select_for_update(skip_locked=True)[:limit])


def next_due_deadline(now: datetime) -> datetime | None:
    """When the next open deadline falls due after ``now``, for the worker to wake up then
    rather than at its next poll; ``None`` when there is none. One already due but not
    taken (held by another worker, its subject busy, in its backoff) is left to the next
    poll, so that it cannot keep a worker awake. (An index range scan on (status, due).)"""
    return (
        Deadline.objects.filter(status=DeadlineStatus.OPEN, due__gt=now, retry_after__isnull=True)
        .order_by("due")
        .values_list("due", flat=True)
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


# Constant text (the table's and the status's names, no input; the rows' values are
# parameters): S608 does not apply. One statement marks all the deadlines of a claim.
_MARK_ACTED = (
    "WITH acted (id, reason) AS (VALUES {rows})"  # noqa: S608
    f" UPDATE {Deadline._meta.db_table} SET status = '{DeadlineStatus.ACTED.value}',"
    " closed_at = %s, acted_at = %s, acted_by = %s, closed_reason = acted.reason,"
    f" attempts = attempts + 1 FROM acted WHERE {Deadline._meta.db_table}.id = acted.id"
)


def _mark_acted(acted: list[tuple[int, str]], at: datetime, worker_id: str) -> None:
    """Mark a claim's deadlines acted on, each with its handler's reason, in one statement
    (plain SQL: building the ORM's query per row cost more than the database's work)."""
    sql = _MARK_ACTED.format(rows=", ".join(["(%s, %s)"] * len(acted)))
    params: list[datetime | int | str] = []
    for pk, reason in acted:
        params += [pk, reason]
    params += [at, at, worker_id[:100]]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def _lock_busy(exc: BaseException) -> bool:
    """A lock wait that failed (deadlock, lock timeout) somewhere in ``exc``'s chain."""
    seen: BaseException | None = exc
    while seen is not None:
        if getattr(seen, "sqlstate", None) in LOCK_BUSY_CODES:
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def sweep_due_deadlines(
    now: datetime,
    worker_id: str = "",
    batch: int = 50,
    claim: int = CLAIM,
    budget: float | None = None,
) -> int:
    """Act on up to ``batch`` due open deadlines, each exactly once, claiming ``claim`` per
    transaction, and claim no more once ``budget`` seconds have passed (so that the
    worker's other sweeps get their turn). Returns how many were acted on (failed ones are
    not counted; they stay open and are retried later)."""
    started = time.monotonic()

    def clock() -> datetime:
        return now + timedelta(seconds=time.monotonic() - started)

    done = 0
    skip: set[int] = set()
    at = now  # the first claim acts at the sweep's instant, later ones as the clock runs
    while done < batch and (budget is None or time.monotonic() - started < budget):
        with transaction.atomic():
            rows = _claim(at, skip, min(claim, batch - done))
            if not rows:
                break
            acted: list[tuple[int, str]] = []
            for row in rows:
                reason = _act_on_one(row, at, worker_id)
                if reason is None:
                    skip.add(row.pk)
                else:
                    acted.append((row.pk, reason))
            if acted:
                # Marked in the claim's transaction, so that each action and its mark
                # commit together; acted on when that transaction commits (the sweep's
                # clock just before the commit). A handler that re-synced its subject's
                # deadlines (and so cancelled its own) is overruled: the sweep's verdict wins.
                _mark_acted(acted, clock(), worker_id)
        done += len(acted)
        at = clock()
    return done


def _act_on_one(row: Deadline, now: datetime, worker_id: str) -> str | None:
    """Run ``row``'s handler in a savepoint of the claim's transaction; on failure, roll
    the savepoint back and record the failure. The reason to close it with when acted on,
    else None."""
    try:
        with transaction.atomic():
            reason = _act(row, now)
    except SubjectBusy:
        # Not an error: a service holds the subject. Rolled back; tried next tick.
        log.info("worker %s: deadline %s waits for its subject", worker_id, row.pk)
        error = "SubjectBusy"
    except Exception as exc:
        error = type(exc).__name__
        if _lock_busy(exc):
            log.info("worker %s: deadline %s waits for a lock (%s)", worker_id, row.pk, error)
            error = "SubjectBusy"
        else:
            # The class name only: an exception's message may quote case data.
            log.error(
                "worker %s: deadline %s (%s/%s) failed with %s; retried later",
                worker_id,
                row.pk,
                row.owner,
                row.kind,
                error,
            )
            log.debug("traceback of deadline %s", row.pk, exc_info=True)
    else:
        return reason
    _record_failure(row, error, now, backoff=error != "SubjectBusy")
    return None


RETRY_BASE = timedelta(seconds=5)
RETRY_MAX = timedelta(hours=1)


def retry_delay(attempts: int) -> timedelta:
    """5 s, 10 s, 20 s, ... doubling after each failed attempt, at most an hour."""
    return min(RETRY_BASE * (2 ** max(attempts - 1, 0)), RETRY_MAX)


def _record_failure(row: Deadline, error: str, now: datetime, *, backoff: bool) -> None:
    """In the claim's transaction, which still holds the row: one more attempt, the error,
    and when to try again."""
    attempts = row.attempts + 1
    # A handler that fails keeps failing until someone fixes the cause: back off, so that
    # a broken handler does not run (and log) every second. A subject busy with a user's
    # change is simply tried on the next tick.
    Deadline.objects.filter(pk=row.pk, status=DeadlineStatus.OPEN).update(
        attempts=attempts,
        last_error=error[:200],
        retry_after=now + retry_delay(attempts) if backoff else None,
    )

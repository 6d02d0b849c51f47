"""The worker's part in return interviews (returns/tasks.py, R-RHI-01, C-01, C-08): the
48-hour reminder and the 72-hour escalation, each acted on exactly once by the real
deadline sweep, at the instant 48 or 72 elapsed hours after the child was found."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

import misper.episodes.tasks
import misper.returns.tasks  # noqa: F401 - registers the return-interview handlers
from misper.core.deadline_sweep import sweep_due_deadlines
from misper.core.models import Deadline, TimelineEvent
from misper.notifications.models import Message
from misper.returns import services
from misper.returns.models import Referral
from tests.episodes.conftest import NOW
from tests.returns.journey import found_child, interviewed

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")


def referred(rhi: dict[str, Any], found_at: datetime) -> Referral:
    referral = found_child(police=rhi["call_handler"], person=rhi["child"], found_at=found_at)
    assert referral is not None
    return referral


def deadline(referral: Referral, kind: str) -> Deadline:
    return Deadline.objects.of(referral).get(owner="returns", kind=kind)


def events(referral: Referral, verb: str) -> Any:
    return TimelineEvent.objects.filter(
        subject_type="rhi_referral", subject_id=str(referral.pk), verb=verb
    )


def sent(referral: Referral, key: str) -> set[tuple[int | None, int | None]]:
    """Who a message about the referral went to: (user, organisation) per message."""
    msgs = Message.objects.filter(event_key=f"rhi:{referral.pk}:{key}")
    pairs = [(m.recipient_user_id, m.recipient_org_id) for m in msgs]
    assert len(pairs) == len(set(pairs)), "a recipient was told twice"
    return set(pairs)


def test_the_reminder_goes_to_the_provider_once_when_nobody_is_allocated(rhi):
    """R-RHI-01: 48 hours after found, with nobody allocated, the interviewing
    organisation is told the interview is due within 24 hours; once, however often the
    sweep runs."""
    referral = referred(rhi, NOW - timedelta(hours=50))
    reminder = deadline(referral, "rhi_reminder")
    assert reminder.due == referral.found_at + timedelta(hours=48)
    assert sweep_due_deadlines(reminder.due - timedelta(seconds=1), "w") >= 0
    reminder.refresh_from_db()
    assert reminder.status == "open" and not events(referral, "rhi_reminded").exists()

    sweep_due_deadlines(reminder.due, "w")
    sweep_due_deadlines(reminder.due, "w2")
    sweep_due_deadlines(reminder.due + timedelta(hours=1), "w")
    reminder.refresh_from_db()
    assert reminder.status == "acted" and reminder.attempts == 1
    assert reminder.closed_reason == "interviewer reminded"
    key = f"reminder:{reminder.pk}"
    assert sent(referral, key) == {(None, rhi["streetwise"].pk)}
    assert Message.objects.filter(event_key=f"rhi:{referral.pk}:{key}").count() == 1
    msg = Message.objects.get(event_key=f"rhi:{referral.pk}:{key}")
    assert msg.link == f"/returns/{referral.pk}/" and msg.rule == "R-RHI-01"
    assert rhi["child"].family_name not in msg.title  # no personal data in a message
    event = events(referral, "rhi_reminded").get()
    assert event.actor is None and event.actor_role == "system"
    assert event.changes == {"due": referral.due.isoformat()}
    # The 72-hour limit is not due yet.
    assert deadline(referral, "rhi_due").status == "open"
    assert not events(referral, "rhi_overdue").exists()


def test_the_reminder_goes_to_the_allocated_worker(rhi):
    """R-RHI-01: the worker the manager allocated is reminded, not the whole provider."""
    referral = referred(rhi, NOW - timedelta(hours=50))
    services.referral_allocate(
        actor=rhi["rhi_manager"],
        referral_id=referral.pk,
        version=referral.version,
        worker_id=rhi["rhi_worker_2"].pk,
    )
    reminder = deadline(referral, "rhi_reminder")
    sweep_due_deadlines(reminder.due, "w")
    sweep_due_deadlines(reminder.due + timedelta(minutes=5), "w")
    reminder.refresh_from_db()
    assert reminder.status == "acted" and reminder.closed_reason == "allocated worker reminded"
    assert sent(referral, f"reminder:{reminder.pk}") == {(rhi["rhi_worker_2"].pk, None)}
    assert events(referral, "rhi_reminded").count() == 1


def test_the_escalation_goes_to_the_managers_and_the_responsible_authority_once(rhi):
    """R-RHI-01: 72 hours passed without an interview or an outcome: the provider's
    managers and the responsible authority are told, once."""
    referral = referred(rhi, NOW - timedelta(hours=73))
    due = deadline(referral, "rhi_due")
    assert due.due == referral.due == referral.found_at + timedelta(hours=72)
    for worker in ("w1", "w2"):
        sweep_due_deadlines(due.due, worker)
    sweep_due_deadlines(due.due + timedelta(hours=3), "w1")
    due.refresh_from_db()
    assert due.status == "acted" and due.attempts == 1
    assert sent(referral, f"overdue:{due.pk}") == {
        (rhi["rhi_manager"].pk, None),
        (rhi["rhi_manager_2"].pk, None),
        (None, rhi["vale"].pk),
    }
    event = events(referral, "rhi_overdue").get()
    assert event.rules == ["R-RHI-01", "C-08"] and event.actor_role == "system"
    # The reminder, due first, was acted on once too.
    assert deadline(referral, "rhi_reminder").status == "acted"
    assert events(referral, "rhi_reminded").count() == 1
    # The referral itself is untouched: still waiting for its triage.
    stored = Referral.objects.get(pk=referral.pk)
    assert stored.state == "awaiting_triage" and stored.version == referral.version


def test_a_referral_closed_within_72_hours_is_not_escalated(rhi):
    """R-RHI-01: the interview stops the clock; neither reminder nor escalation is sent."""
    found_at = NOW - timedelta(hours=30)
    referral = referred(rhi, found_at)
    interviewed(rhi["rhi_worker"], referral, held_at=found_at + timedelta(hours=20))
    assert {d.status for d in Deadline.objects.of(referral).filter(owner="returns")} == {"met"}
    sweep_due_deadlines(found_at + timedelta(hours=73), "w")
    assert {d.status for d in Deadline.objects.of(referral).filter(owner="returns")} == {"met"}
    assert not events(referral, "rhi_reminded").exists()
    assert not events(referral, "rhi_overdue").exists()
    assert not Message.objects.filter(event_key__startswith=f"rhi:{referral.pk}:overdue").exists()
    assert not Message.objects.filter(event_key__startswith=f"rhi:{referral.pk}:reminder").exists()


def test_the_72_hours_are_elapsed_hours_across_the_end_of_summer_time(rhi):
    """C-01, C-08: found at 12:00 on Saturday 24 October 2026 (BST); the clocks go back at
    02:00 on Sunday 25 October, so 72 elapsed hours later is 11:00 on Tuesday 27 October
    (GMT), not 12:00. The sweep does not act an hour before and acts at the instant."""
    # Elapsed arithmetic in UTC: Python adds a timedelta to a London time on the wall clock.
    found_at = datetime(2026, 10, 24, 12, 0, tzinfo=LONDON).astimezone(UTC)
    assert found_at == datetime(2026, 10, 24, 11, 0, tzinfo=UTC)
    referral = referred(rhi, found_at)
    assert referral.found_at == found_at
    assert referral.due == found_at + timedelta(hours=72)
    assert referral.due == datetime(2026, 10, 27, 11, 0, tzinfo=UTC)
    assert timezone.localtime(referral.due, LONDON).strftime("%Y-%m-%d %H:%M %Z") == (
        "2026-10-27 11:00 GMT"
    )
    reminder = deadline(referral, "rhi_reminder")
    due = deadline(referral, "rhi_due")
    assert reminder.due == datetime(2026, 10, 26, 11, 0, tzinfo=UTC)  # found + 48 h
    assert due.due == referral.due

    sweep_due_deadlines(found_at + timedelta(hours=71), "w")
    reminder.refresh_from_db()
    due.refresh_from_db()
    assert reminder.status == "acted" and due.status == "open"
    assert not events(referral, "rhi_overdue").exists()
    # Nor a second before the instant.
    sweep_due_deadlines(found_at + timedelta(hours=72) - timedelta(seconds=1), "w")
    due.refresh_from_db()
    assert due.status == "open"

    sweep_due_deadlines(found_at + timedelta(hours=72), "w")
    due.refresh_from_db()
    assert due.status == "acted"
    assert due.acted_at is not None and timedelta(0) <= due.acted_at - due.due < timedelta(
        seconds=5
    )
    assert events(referral, "rhi_overdue").count() == 1
    # The wall-clock reading (12:00 three days on) would be an hour late.
    wall_clock = datetime(2026, 10, 27, 12, 0, tzinfo=LONDON)
    assert wall_clock - due.due == timedelta(hours=1)

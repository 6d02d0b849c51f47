"""The worker's part in repeat missing (interventions/tasks.py, R-TRG-09, C-07): a meeting
not held, deferred or suspended within seven days of the triggering report, and an action
past its due day, are each acted on exactly once by the real deadline sweep, however often
it runs; a meeting held or deferred in time is never escalated."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

import misper.interventions.tasks  # noqa: F401 - registers the interventions handlers
from misper.core.deadline_sweep import sweep_due_deadlines
from misper.core.models import Deadline, TimelineEvent
from misper.interventions import services
from misper.interventions.models import Meeting, TriggerRecord
from misper.notifications.models import Message
from tests.episodes.conftest import NOW
from tests.interventions.conftest import child, missing

pytestmark = pytest.mark.django_db


def level_1(r: dict[str, Any], third_at: Any) -> TriggerRecord:
    """The child's third missing episode in 90 days, reported at ``third_at``."""
    for days in (30, 15, 0):
        missing(r, third_at - timedelta(days=days))
    return TriggerRecord.objects.get()


def deadline(subject: Any, kind: str) -> Deadline:
    return Deadline.objects.of(subject).get(owner="interventions", kind=kind)


def events(t: TriggerRecord, verb: str) -> Any:
    return TimelineEvent.objects.filter(subject_type="trigger", subject_id=str(t.pk), verb=verb)


def sent(t: TriggerRecord, key: str) -> set[tuple[int | None, int | None]]:
    """Who a message about the trigger went to: (user, organisation) per message."""
    msgs = Message.objects.filter(event_key=f"trigger:{t.pk}:{key}")
    pairs = [(m.recipient_user_id, m.recipient_org_id) for m in msgs]
    assert len(pairs) == len(set(pairs)), "a recipient was told twice"
    return set(pairs)


def test_the_meeting_deadline_is_acted_on_once(wmc):
    """R-TRG-09, C-07: seven days (168 elapsed hours) after the triggering report, with
    the meeting not held, the coordinators and the child's authority are told, once, and
    the trigger's timeline says so; not a second before."""
    t = level_1(wmc, NOW - timedelta(days=8))
    due = deadline(t.meeting, "intervention_meeting_due")
    assert due.due == t.episode.reported_at + timedelta(hours=168)
    sweep_due_deadlines(due.due - timedelta(seconds=1), "w1")
    due.refresh_from_db()
    assert due.status == "open" and not events(t, "meeting_overdue").exists()

    sweep_due_deadlines(due.due, "w1")
    sweep_due_deadlines(due.due, "w2")
    sweep_due_deadlines(due.due + timedelta(hours=5), "w1")
    due.refresh_from_db()
    assert due.status == "acted" and due.attempts == 1
    assert due.closed_reason == "coordinators and the authority told"
    assert sent(t, f"overdue:{due.pk}") == {(wmc["coordinator"].pk, None), (None, wmc["vale"].pk)}
    msg = Message.objects.filter(event_key=f"trigger:{t.pk}:overdue:{due.pk}").first()
    assert msg is not None and msg.rule == "R-TRG-09" and msg.link == f"/interventions/{t.pk}/"
    assert wmc["child"].family_name not in msg.title
    event = events(t, "meeting_overdue").get()
    assert event.actor is None and event.actor_role == "system"
    assert event.rules == ["R-TRG-09", "C-07"]
    # The meeting itself is untouched: still to arrange.
    assert Meeting.objects.get(pk=t.meeting.pk).status == "to_arrange"


def test_an_action_deadline_is_acted_on_once(wmc):
    """R-TRG-09: an action past the end of its due day reminds its owner (the person named)
    and the coordinators, once."""
    t = level_1(wmc, NOW - timedelta(days=2))
    m = services.meeting_arrange(
        actor=wmc["coordinator"],
        meeting_id=t.meeting.pk,
        version=t.meeting.version,
        scheduled_for=timezone.now() + timedelta(hours=1),
        place="Vale House",
    )
    police = m.invitees.get(user=wmc["coordinator"])
    m = services.meeting_record(
        actor=wmc["coordinator"],
        meeting_id=m.pk,
        version=m.version,
        held_at=timezone.now() - timedelta(minutes=30),
        attended=[police.pk],
        discussion="Push and pull factors",
        plan="Weekly visits",
    )
    a = services.action_add(
        actor=wmc["coordinator"],
        meeting_id=m.pk,
        text="Review the evening routine",
        owner_id=wmc["vale"].pk,
        owner_user_id=wmc["social_worker"].pk,
        due_on=timezone.localdate() + timedelta(days=1),
    )
    due = deadline(a, "intervention_action_due")
    sweep_due_deadlines(due.due - timedelta(minutes=1), "w1")
    due.refresh_from_db()
    assert due.status == "open"
    for worker in ("w1", "w2"):
        sweep_due_deadlines(due.due + timedelta(minutes=1), worker)
    sweep_due_deadlines(due.due + timedelta(days=2), "w1")
    due.refresh_from_db()
    assert due.status == "acted" and due.attempts == 1 and due.closed_reason == "owner reminded"
    assert sent(t, f"action-overdue:{due.pk}") == {
        (wmc["social_worker"].pk, None),
        (wmc["coordinator"].pk, None),
    }
    assert events(t, "meeting_action_overdue").count() == 1
    # The meeting was held in time: its own deadline was met, never acted on.
    assert deadline(m, "intervention_meeting_due").status == "met"
    assert not events(t, "meeting_overdue").exists()


def test_a_held_or_deferred_meeting_is_not_escalated(wmc, make_org):
    """R-TRG-09, R-TRG-15: the meeting held within its week, or deferred by both agencies,
    stops its clock: the sweep after the deadline tells nobody."""
    t = level_1(wmc, NOW - timedelta(days=1))
    m = services.meeting_defer(
        actor=wmc["social_worker"],
        meeting_id=t.meeting.pk,
        version=t.meeting.version,
        status="suspended",
        reason="Safe Steps already works with him weekly",
        partner_id=make_org("charity", name="Safe Steps", code="safe-steps").pk,
        police_agreed_by_id=wmc["inspector"].pk,
        childrens_services_agreed_by_id=wmc["social_worker"].pk,
    )
    assert m.status == "suspended"
    assert deadline(m, "intervention_meeting_due").status == "met"
    sweep_due_deadlines(m.due + timedelta(hours=1), "w1")
    assert deadline(m, "intervention_meeting_due").status == "met"
    assert not events(t, "meeting_overdue").exists()
    assert not Message.objects.filter(event_key__startswith=f"trigger:{t.pk}:overdue").exists()

    # A second child's level 1, its meeting held in time.
    ellis = child(wmc, "Ellis")
    for days in (30, 15, 0):
        missing(wmc, NOW - timedelta(days=1 + days), person=ellis)
    t2 = TriggerRecord.objects.get(person=ellis)
    m2 = services.meeting_arrange(
        actor=wmc["coordinator"],
        meeting_id=t2.meeting.pk,
        version=t2.meeting.version,
        scheduled_for=timezone.now() + timedelta(hours=1),
        place="Vale House",
    )
    services.meeting_record(
        actor=wmc["coordinator"],
        meeting_id=m2.pk,
        version=m2.version,
        held_at=timezone.now(),
        attended=[m2.invitees.get(user=wmc["coordinator"]).pk],
        discussion="d",
        plan="p",
    )
    sweep_due_deadlines(m2.due + timedelta(days=1), "w1")
    assert deadline(m2, "intervention_meeting_due").status == "met"
    assert not events(t2, "meeting_overdue").exists()

"""Trigger records from the engine's hits (R-TRG-*), their meetings and the worker."""

from __future__ import annotations

from datetime import timedelta

import pytest

import misper.interventions.tasks  # noqa: F401 - registers the deadline handlers
from misper.core.deadline_sweep import sweep_due_deadlines
from misper.core.models import Deadline
from misper.interventions import services
from misper.interventions.models import MeetingStatus, Owner, TriggerRecord
from misper.notifications.models import Message
from tests.episodes.conftest import NOW, make_region
from tests.returns.journey import found_child


@pytest.fixture
def wmc(make_org, make_user):
    r = make_region(make_org, make_user, "west-mercia-2014")
    r["coordinator"] = make_user("missing_person_coordinator", organisation=r["force"])
    r["team_manager"] = make_user("team_manager", organisation=r["vale"])
    return r


def three_missing(r, first=NOW - timedelta(days=40)):
    """Three missing episodes of the child inside 90 days, each found."""
    for days in (0, 15, 30):
        at = first + timedelta(days=days)
        found_child(
            police=r["call_handler"],
            person=r["child"],
            found_at=at + timedelta(hours=3),
            reported_at=at,
        )


@pytest.mark.django_db
def test_a_third_missing_episode_in_90_days_is_a_level_1_record_with_a_meeting(wmc):
    """R-TRG-10, R-TRG-09, C-07: one record, the three episodes counted, a meeting due seven
    days after the third report, kept by this app (not the case)."""
    three_missing(wmc)
    (t,) = TriggerRecord.objects.all()
    assert (t.kind, t.level, t.scope, t.owner, t.count) == (
        "wm_individual_3_in_90",
        1,
        "person",
        Owner.COORDINATOR,
        3,
    )
    assert len(t.counted) == 3 and t.counted[-1] == t.episode_id
    meeting = t.meeting
    assert meeting.due == t.episode.reported_at + timedelta(days=7)
    kinds = set(Deadline.objects.of(meeting).filter(status="open").values_list("kind", flat=True))
    assert kinds == {"intervention_meeting_due"}
    assert not Deadline.objects.of(t.episode).filter(kind="intervention_meeting_due").exists()
    assert Message.objects.filter(
        subject_type="trigger", recipient_user=wmc["coordinator"]
    ).exists()


@pytest.mark.django_db
def test_the_same_hit_is_never_recorded_twice(wmc):
    """C-06: the engine gives the same hit at every evaluation of the episode."""
    three_missing(wmc)
    from misper.episodes.services.common import ask
    from misper.interventions.records import record_hit

    t = TriggerRecord.objects.get()
    decision = ask(t.episode, None, NOW)
    assert decision.triggers
    for hit in decision.triggers:
        assert record_hit(t.episode, hit) is None
    assert TriggerRecord.objects.count() == 1


@pytest.mark.django_db
def test_the_meeting_is_arranged_held_and_its_action_falls_overdue_once(wmc, make_org):
    """R-TRG-09/10: invitees from the level's list are told; the police must attend; an
    action's deadline is acted on by the worker exactly once."""
    three_missing(wmc)
    t = TriggerRecord.objects.get()
    m = services.meeting_arrange(
        actor=wmc["coordinator"],
        meeting_id=t.meeting.pk,
        version=t.meeting.version,
        scheduled_for=NOW + timedelta(days=2),
        place="Vale House",
        chair="Team manager",
        others=["Mother"],
    )
    invited = {i.role for i in m.invitees.all()}
    assert "Missing person coordinator" in invited and "Also invited" in invited
    # Level 1: children's services chair (the authority is told); team managers join from
    # level 2 (R-TRG-11).
    assert "Children's services (chair)" in invited
    assert Message.objects.filter(
        event_key__startswith=f"trigger:{t.pk}:arranged", recipient_org=wmc["vale"]
    ).exists()
    assert not m.invitees.filter(user=wmc["team_manager"]).exists()
    police = m.invitees.get(user=wmc["coordinator"])
    mother = m.invitees.get(name="Mother")
    with pytest.raises(Exception) as exc:
        services.meeting_record(
            actor=wmc["coordinator"],
            meeting_id=m.pk,
            version=m.version,
            held_at=NOW,
            attended=[mother.pk],
            discussion="d",
            plan="p",
        )
    assert "R-TRG-09" in str(exc.value)
    m = services.meeting_record(
        actor=wmc["coordinator"],
        meeting_id=m.pk,
        version=m.version,
        held_at=NOW,
        attended=[police.pk, mother.pk],
        discussion="Push and pull factors",
        plan="Weekly visits",
        care_plan="Care plan review 3 Dec",
    )
    assert m.status == MeetingStatus.HELD
    assert not Deadline.objects.of(m).filter(status="open").exists()
    a = services.action_add(
        actor=wmc["coordinator"],
        meeting_id=m.pk,
        text="Visit weekly",
        owner_id=wmc["vale"].pk,
        due_on=NOW.date() + timedelta(days=1),
    )
    later = NOW + timedelta(days=3)
    assert sweep_due_deadlines(later, "w1") >= 1
    assert sweep_due_deadlines(later, "w2") == 0
    d = Deadline.objects.of(a).get()
    assert d.status == "acted"
    assert (
        Message.objects.filter(
            event_key=f"trigger:{t.pk}:action-overdue:{d.pk}", recipient_org=wmc["vale"]
        ).count()
        == 1
    )

"""The repeat-missing services, through the real engine and database (policy-rules §14,
R-TRG-01..21, C-02..C-07): which trigger records the engine's hits become and who is told,
the record raised by hand, allocated and closed, the meeting arranged, held, deferred, its
actions, who may see and do what, and what is refused."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import pytest
from django.utils import timezone

from misper.core.errors import (
    ConcurrentEdit,
    NotFound,
    PermissionDenied,
    ValidationFailed,
    WrongState,
)
from misper.core.models import AuditEvent, Deadline, TimelineEvent
from misper.episodes.services import episode_restrict, episode_set_category
from misper.episodes.services.common import ask
from misper.interventions import services
from misper.interventions.models import (
    Invitee,
    Meeting,
    MeetingAction,
    MeetingStatus,
    Owner,
    TriggerRecord,
    TriggerStatus,
)
from misper.interventions.selectors import desk, get_trigger_for_user, triggers_for_user
from misper.notifications.models import Message
from misper.policy.calendar import LONDON
from tests.episodes.conftest import NOW
from tests.interventions.conftest import absent, child, missing

pytestmark = pytest.mark.django_db


# --- Helpers --------------------------------------------------------------------------------


def level_1(r: dict[str, Any], first: datetime = NOW - timedelta(days=40)) -> TriggerRecord:
    """Three missing episodes of the region's child, 15 days apart: the level 1 record."""
    for days in (0, 15, 30):
        missing(r, first + timedelta(days=days))
    return TriggerRecord.objects.get(kind="wm_individual_3_in_90")


def fresh(obj: Any) -> Any:
    return type(obj).objects.get(pk=obj.pk)


def told(t: TriggerRecord, key: str) -> set[tuple[int | None, int | None]]:
    """Who a message about the trigger went to: (user, organisation) per message."""
    return set(
        Message.objects.filter(event_key=f"trigger:{t.pk}:{key}").values_list(
            "recipient_user_id", "recipient_org_id"
        )
    )


def arranged(r: dict[str, Any], t: TriggerRecord, actor: Any = None) -> Meeting:
    m = t.meeting
    return services.meeting_arrange(
        actor=actor or r["coordinator"],
        meeting_id=m.pk,
        version=fresh(m).version,
        scheduled_for=timezone.now() + timedelta(days=2),
        place="Vale House",
        chair="Vale team manager",
        others=["Mother"],
    )


def held(r: dict[str, Any], t: TriggerRecord) -> Meeting:
    m = arranged(r, t)
    police = m.invitees.get(user=r["coordinator"])
    return services.meeting_record(
        actor=r["coordinator"],
        meeting_id=m.pk,
        version=m.version,
        held_at=timezone.now() - timedelta(hours=1),
        attended=[police.pk],
        discussion="Push and pull factors",
        plan="Weekly visits",
        care_plan="Care plan review on Tuesday",
    )


def snapshot() -> tuple[int, ...]:
    """What a refused request must leave as it was."""
    return (
        TriggerRecord.objects.count(),
        sum(TriggerRecord.objects.values_list("version", flat=True)),
        Meeting.objects.count(),
        sum(Meeting.objects.values_list("version", flat=True)),
        Invitee.objects.count(),
        MeetingAction.objects.count(),
        TimelineEvent.objects.count(),
        AuditEvent.objects.count(),
        Message.objects.count(),
        Deadline.objects.filter(status="open").count(),
    )


# --- West Mercia 2014: escalating interventions --------------------------------------------------


def test_west_mercia_level_1_is_the_third_missing_episode_in_90_days(wmc):
    """R-TRG-10, R-TRG-09, C-02, C-07: the third missing episode inside 90 days is one
    level 1 record for the force's coordinator, with the three episodes counted, the
    engine's reasons, the child's responsible authority and a meeting due seven days after
    the third report; the coordinator is told."""
    first = NOW - timedelta(days=40)
    eps = [missing(wmc, first), missing(wmc, first + timedelta(days=15))]
    assert not TriggerRecord.objects.exists()
    eps.append(missing(wmc, first + timedelta(days=30)))
    (t,) = TriggerRecord.objects.all()
    assert (t.kind, t.level, t.scope, t.rule, t.owner, t.count, t.window) == (
        "wm_individual_3_in_90",
        1,
        "person",
        "R-TRG-10",
        Owner.COORDINATOR,
        3,
        "90 days",
    )
    assert t.counted == [e.pk for e in eps] and t.episode_id == eps[-1].pk
    assert t.person == wmc["child"] and t.authority == wmc["vale"] and t.force == wmc["force"]
    assert t.status == TriggerStatus.NEW and t.reference == ""
    assert {"R-TRG-10", "C-02", "C-07"} <= {r["rule"] for r in t.reasons}
    assert t.title == "Level 1: 3 in 90 days"
    assert t.meeting.due == eps[-1].reported_at + timedelta(days=7)
    assert t.meeting.status == MeetingStatus.TO_ARRANGE
    assert Deadline.objects.of(t.meeting).get().kind == "intervention_meeting_due"
    assert told(t, "new") == {(wmc["coordinator"].pk, None)}
    msg = Message.objects.get(event_key=f"trigger:{t.pk}:new")
    assert msg.link == f"/interventions/{t.pk}/" and msg.rule == "R-TRG-10"
    assert wmc["child"].family_name not in msg.title  # no personal data in a message
    assert TimelineEvent.objects.filter(
        subject_type="person", subject_id=str(wmc["child"].pk), verb="trigger_recorded"
    ).exists()


def test_levels_2_3_and_4_are_the_4th_7th_and_10th_in_one_year(wmc):
    """R-TRG-11, R-TRG-12, R-TRG-13, C-04, C-06: ten missing episodes in a year, 33 days
    apart. Level 2 at the 4th, level 3 at the 7th (the force, for its Missing Persons
    Strategic Lead, is told), level 4 at the 10th: the policing area's senior management
    team owns it, and the owning area and its superintendents are told."""
    eps = [missing(wmc, NOW - timedelta(days=300 - 33 * i)) for i in range(10)]
    year = {t.level: t for t in TriggerRecord.objects.filter(kind="wm_individual_year")}
    assert sorted(year) == [2, 3, 4]
    assert [year[n].episode_id for n in (2, 3, 4)] == [eps[3].pk, eps[6].pk, eps[9].pk]
    assert [year[n].count for n in (2, 3, 4)] == [4, 7, 10]
    assert [year[n].rule for n in (2, 3, 4)] == ["R-TRG-11", "R-TRG-12", "R-TRG-13"]
    assert [year[n].owner for n in (2, 3, 4)] == [
        Owner.COORDINATOR,
        Owner.COORDINATOR,
        Owner.SENIOR_MANAGEMENT,
    ]
    assert year[4].counted == [e.pk for e in eps]
    assert all(year[n].window == "one year (12 calendar months)" for n in (2, 3, 4))
    # Level 3: a report for the Force Missing Persons Strategic Lead (R-TRG-12).
    assert told(year[3], "strategic-lead") == {(None, wmc["force"].pk)}
    assert not told(year[2], "strategic-lead")
    msg = Message.objects.get(event_key=f"trigger:{year[3].pk}:strategic-lead")
    assert msg.rule == "R-TRG-12"
    # Level 4: the owning area and its superintendents (R-TRG-13).
    assert eps[9].owning_area == wmc["area"]
    assert told(year[4], "smt") == {(None, wmc["area"].pk), (wmc["superintendent"].pk, None)}
    assert not told(year[3], "smt")
    # Every level has its meeting, due seven days after its report (C-07).
    for n, ep in ((2, eps[3]), (3, eps[6]), (4, eps[9])):
        assert year[n].meeting.due == ep.reported_at + timedelta(days=7)


def test_a_level_3_meeting_invites_the_owning_areas_sergeants_and_team_managers(wmc):
    """R-TRG-12, R-TRG-11: the level 3 list adds the local police sergeant and children's
    services' team manager to the coordinators; children's services are told."""
    for i in range(7):
        missing(wmc, NOW - timedelta(days=200 - 30 * i))
    t = TriggerRecord.objects.get(kind="wm_individual_year", level=3)
    m = arranged(wmc, t)
    roles = {(i.role, i.user_id) for i in m.invitees.all()}
    assert ("Local police sergeant", wmc["sergeant"].pk) in roles
    assert ("Team manager, children's services", wmc["team_manager"].pk) in roles
    assert ("Missing person coordinator", wmc["coordinator"].pk) in roles
    assert ("Also invited", None) in roles
    assert (wmc["team_manager"].pk, None) in told(t, f"arranged:{m.version}")


def test_the_establishments_21st_missing_episode_in_a_year_is_one_review(wmc):
    """R-TRG-16, C-04, C-05: the 21st missing episode from Birch Lodge in a year (every
    child's) is one record for children's services of the home's host authority (Vale),
    not the child's own (Harbour); Vale is told. The 22nd does not make another."""
    home = wmc["home"]
    kids = [child(wmc, f"Resident {n}", authority=wmc["harbour"], home=home) for n in range(3)]
    start = NOW - timedelta(days=250)
    eps = []
    for i in range(21):
        eps.append(
            missing(wmc, start + timedelta(days=11 * i), person=kids[i % 3], establishment=home)
        )
        if i < 20:
            assert not TriggerRecord.objects.filter(kind="wm_establishment_over_20").exists()
    (t,) = TriggerRecord.objects.filter(kind="wm_establishment_over_20")
    assert (t.scope, t.subject_key, t.count, t.rule, t.owner) == (
        "establishment",
        home.code,
        21,
        "R-TRG-16",
        Owner.CHILDRENS_SERVICES,
    )
    assert t.establishment == home and t.authority == wmc["vale"]
    assert t.episode_id == eps[-1].pk and t.counted == [e.pk for e in eps]
    assert t.meeting.rule == "R-TRG-16"
    assert told(t, "authority") == {(None, wmc["vale"].pk)}
    missing(wmc, start + timedelta(days=11 * 21), person=kids[0], establishment=home)
    assert TriggerRecord.objects.filter(kind="wm_establishment_over_20").count() == 1
    # Vale's children's services see the review; Harbour's (the children's own) do not.
    assert t in triggers_for_user(wmc["social_worker"])
    assert t not in triggers_for_user(wmc["other_authority"])


def test_a_restricted_triggering_episode_makes_no_record(wmc):
    """R-RES-01: the engine still fires for a restricted episode, but the trigger is not
    recorded (the case exists only for its owning officers)."""
    missing(wmc, NOW - timedelta(days=20))
    missing(wmc, NOW - timedelta(days=10))
    third = absent(wmc, NOW - timedelta(days=2))
    assert not TriggerRecord.objects.exists()  # absent reports do not count (C-05)
    third = episode_restrict(
        actor=wmc["inspector"],
        episode_id=third.pk,
        version=third.version,
        reason="forced marriage concern",
    )
    third = episode_set_category(
        actor=wmc["inspector"],
        episode_id=third.pk,
        version=third.version,
        category="missing",
        rationale="Not where she said she would be",
        now=NOW - timedelta(days=1),
    )
    assert third.restricted and third.category == "missing"
    assert [h.kind for h in ask(third, None, NOW).triggers] == ["wm_individual_3_in_90"]
    assert not TriggerRecord.objects.exists()


# --- West Midlands 2015: repeat absent and MASE --------------------------------------------------


def test_west_midlands_third_absence_in_90_days_gets_a_non_crime_reference(
    wmp, make_org, make_user
):
    """R-TRG-03, R-TRG-05, C-02: the third absent report of a child in 90 days is a record
    with a non-crime reference NCR-<FORCE CODE>-<year>-<number>, numbered per force and
    year; no meeting (the profile sets none)."""
    eps = [absent(wmp, NOW - timedelta(days=d)) for d in (80, 40, 3)]
    (t,) = TriggerRecord.objects.all()
    year = eps[-1].reported_at.astimezone(LONDON).year
    assert (t.kind, t.rule, t.owner, t.count) == (
        "wmp_repeat_absent_person",
        "R-TRG-03",
        Owner.COORDINATOR,
        3,
    )
    assert t.reference == f"NCR-FORCE-{year}-00001"
    assert t.counted == [e.pk for e in eps]
    assert not Meeting.objects.filter(trigger=t).exists()
    # A second child's third absence in the same force and year is the next number.
    second = child(wmp, "Mia")
    for d in (50, 30, 2):
        absent(wmp, NOW - timedelta(days=d), person=second, address="3 Cedar Way")
    assert TriggerRecord.objects.get(person=second).reference == f"NCR-FORCE-{year}-00002"
    # Another force numbers its own from 1.
    harbour_police = make_org(
        "police_force", name="Harbour Police", code="hbp", policy_profile="west-midlands-2015"
    )
    harbour_area = make_org(
        "policing_area", name="Harbour Central", code="hc", parent=harbour_police
    )
    other = {**wmp, "inspector": make_user("inspector", organisation=harbour_area)}
    third = child(wmp, "Noor")
    for d in (60, 20, 1):
        absent(other, NOW - timedelta(days=d), person=third, address="9 Dock Road")
    t3 = TriggerRecord.objects.get(person=third)
    assert t3.force == harbour_police and t3.reference == f"NCR-HBP-{year}-00001"


def test_the_location_trigger_is_five_absent_reports_from_one_place_in_30_days(wmp):
    """R-TRG-04, C-02: five absent reports from one address in 30 days, five children:
    one record for the place (every child's reports counted), with a reference."""
    kids = [child(wmp, f"Friend {n}") for n in range(5)]
    eps = []
    for n, kid in enumerate(kids):
        eps.append(
            absent(wmp, NOW - timedelta(days=25 - 5 * n), person=kid, address="7 Quay Street")
        )
        if n < 4:
            assert not TriggerRecord.objects.exists()
    (t,) = TriggerRecord.objects.all()
    assert (t.kind, t.scope, t.rule, t.count) == (
        "wmp_repeat_absent_location",
        "location",
        "R-TRG-04",
        5,
    )
    assert t.subject_key == eps[0].location_key and t.subject_key.startswith("addr:")
    assert t.counted == [e.pk for e in eps] and t.person == kids[-1]
    assert t.reference.startswith("NCR-FORCE-") and t.reference.endswith("-00001")


def test_three_missing_in_three_calendar_months_is_listed_for_mase(wmp):
    """R-TRG-07, C-03: under West Midlands 2015 the third missing episode inside three
    calendar months is listed for the MASE meeting of the child's authority, which is told."""
    eps = [missing(wmp, NOW - timedelta(days=d)) for d in (70, 35, 2)]
    (t,) = TriggerRecord.objects.all()
    assert (t.kind, t.rule, t.owner, t.count, t.window) == (
        "mase_3_in_3_months",
        "R-TRG-07",
        Owner.MASE,
        3,
        "3 calendar months",
    )
    assert t.authority == wmp["vale"] and t.counted == [e.pk for e in eps]
    assert told(t, "authority") == {(None, wmp["vale"].pk)}
    assert Message.objects.get(event_key=f"trigger:{t.pk}:authority").title == (
        f"Listed for MASE: trigger {t.pk}"
    )
    assert [x.pk for x in desk(wmp["coordinator"])["mase"]] == [t.pk]


# --- Raised by hand, allocated, closed -----------------------------------------------------------


def test_raised_by_hand_needs_a_coordinator_and_a_rationale(wmc):
    """R-TRG-14: a coordinator raises an intervention for a single very high-risk episode,
    with the rationale; it is in hand, its meeting due in seven days. Nobody else may."""
    before = snapshot()
    with pytest.raises(ValidationFailed) as exc:
        services.trigger_raise(
            actor=wmc["coordinator"], person_id=wmc["child"].pk, level=1, rationale="  "
        )
    assert exc.value.field == "rationale"
    with pytest.raises(ValidationFailed) as exc:
        services.trigger_raise(
            actor=wmc["coordinator"], person_id=wmc["child"].pk, level=5, rationale="r"
        )
    assert exc.value.field == "level"
    for who in ("inspector", "social_worker", "superintendent"):
        with pytest.raises(PermissionDenied):
            services.trigger_raise(
                actor=wmc[who], person_id=wmc["child"].pk, level=1, rationale="Very high risk"
            )
    assert snapshot() == before
    t = services.trigger_raise(
        actor=wmc["coordinator"],
        person_id=wmc["child"].pk,
        level=2,
        rationale="Seen with an adult of concern: immediate action needed",
        now=NOW,
    )
    assert (t.kind, t.level, t.rule, t.status, t.raised_by) == (
        "manual",
        2,
        "R-TRG-14",
        TriggerStatus.IN_HAND,
        wmc["coordinator"],
    )
    assert t.rationale.startswith("Seen with an adult") and t.authority == wmc["vale"]
    assert t.meeting.due == NOW + timedelta(days=7) and t.meeting.rule == "R-TRG-14"
    event = TimelineEvent.objects.get(subject_type="trigger", subject_id=str(t.pk))
    assert event.verb == "trigger_raised" and event.rules == ["R-TRG-14"]


def test_allocation_is_to_an_officer_of_the_force(wmp):
    """R-TRG-05: the coordinator allocates the reference to an officer of the force (the
    supervisor), who is told; a social worker is refused, naming the field."""
    for d in (80, 40, 3):
        absent(wmp, NOW - timedelta(days=d))
    t = TriggerRecord.objects.get()
    with pytest.raises(ValidationFailed) as exc:
        services.trigger_allocate(
            actor=wmp["coordinator"],
            trigger_id=t.pk,
            version=t.version,
            user_id=wmp["social_worker"].pk,
        )
    assert exc.value.field == "allocated_to"
    t = services.trigger_allocate(
        actor=wmp["coordinator"], trigger_id=t.pk, version=t.version, user_id=wmp["sergeant"].pk
    )
    assert t.allocated_to == wmp["sergeant"] and t.status == TriggerStatus.IN_HAND
    assert told(t, f"allocated:{t.version}") == {(wmp["sergeant"].pk, None)}


def test_closed_only_by_the_allocated_officer_or_a_coordinator(wmp):
    """R-TRG-05: the supervisor it is allocated to reviews it and closes it with the
    outcome; another officer cannot; once closed it cannot be closed again."""
    for d in (80, 40, 3):
        absent(wmp, NOW - timedelta(days=d))
    t = TriggerRecord.objects.get()
    t = services.trigger_allocate(
        actor=wmp["coordinator"], trigger_id=t.pk, version=t.version, user_id=wmp["sergeant"].pk
    )
    # The sergeant now sees it (it is theirs); the inspector does not.
    assert t in triggers_for_user(wmp["sergeant"])
    with pytest.raises(NotFound):
        services.trigger_close(
            actor=wmp["inspector"], trigger_id=t.pk, version=t.version, outcome="o"
        )
    with pytest.raises(ValidationFailed) as exc:
        services.trigger_close(
            actor=wmp["sergeant"], trigger_id=t.pk, version=t.version, outcome=""
        )
    assert exc.value.field == "outcome"
    t = services.trigger_close(
        actor=wmp["sergeant"],
        trigger_id=t.pk,
        version=t.version,
        outcome="Referred to the child abuse team; no further police action",
    )
    assert t.status == TriggerStatus.CLOSED and t.closed_by == wmp["sergeant"]
    with pytest.raises(WrongState):
        services.trigger_close(
            actor=wmp["coordinator"], trigger_id=t.pk, version=t.version, outcome="again"
        )


def test_a_coordinator_closes_a_trigger_and_its_meeting_is_no_longer_due(wmc):
    """R-TRG-09: a level 1 superseded by a level 2 is closed by the coordinator: its
    meeting's deadline stops (the worker must not call it overdue), and the social worker,
    who reads it, may not close it."""
    t = level_1(wmc)
    with pytest.raises(PermissionDenied):
        services.trigger_close(
            actor=wmc["social_worker"], trigger_id=t.pk, version=t.version, outcome="o"
        )
    services.trigger_close(
        actor=wmc["coordinator"],
        trigger_id=t.pk,
        version=t.version,
        outcome="Covered by the level 2 meeting",
    )
    d = Deadline.objects.of(t.meeting).get()
    assert (d.status, d.closed_reason) == ("met", "trigger closed")
    assert t.meeting not in desk(wmc["coordinator"])["meetings_due"]


# --- The meeting --------------------------------------------------------------------------------


def test_the_meeting_must_include_the_police(wmc):
    """R-TRG-09: recording a meeting nobody from the police attended is refused, naming the
    rule and the field; with the coordinator there, it is held and its deadline met."""
    t = level_1(wmc)
    m = arranged(wmc, t)
    assert fresh(t).status == TriggerStatus.IN_HAND
    others = [i.pk for i in m.invitees.all() if i.user_id != wmc["coordinator"].pk]
    with pytest.raises(ValidationFailed) as exc:
        services.meeting_record(
            actor=wmc["social_worker"],
            meeting_id=m.pk,
            version=m.version,
            held_at=timezone.now(),
            attended=others,
            discussion="d",
            plan="p",
        )
    assert exc.value.field == "attended" and "R-TRG-09" in exc.value.rules
    assert "R-TRG-09" in exc.value.message
    assert fresh(m).status == MeetingStatus.ARRANGED
    m = held(wmc, t)
    assert m.status == MeetingStatus.HELD and m.care_plan == "Care plan review on Tuesday"
    assert Deadline.objects.of(m).get().status == "met"
    attended = {i.user_id: i.attended for i in m.invitees.all() if i.user_id}
    assert attended[wmc["coordinator"].pk] is True


def test_a_deferral_needs_both_agencies_and_a_partner(wmc, make_org, make_user):
    """R-TRG-15, R-AUT-10: deferred only with the partner agency already working on it, a
    police officer of the force and a children's services person of the authority who
    agree; one of them records it. The meeting's deadline stops."""
    t = level_1(wmc)
    m = t.meeting
    charity = make_org("charity", name="Safe Steps", code="safe-steps")
    other_force = make_org(
        "police_force", name="Other", code="other", policy_profile="west-mercia-2014"
    )
    outsider = make_user("inspector", organisation=other_force)
    good = {
        "status": "deferred",
        "reason": "Safe Steps already works with him weekly",
        "partner_id": charity.pk,
        "police_agreed_by_id": wmc["inspector"].pk,
        "childrens_services_agreed_by_id": wmc["social_worker"].pk,
    }

    def defer(actor: Any, **change: Any) -> Meeting:
        return services.meeting_defer(
            actor=actor, meeting_id=m.pk, version=fresh(m).version, **(good | change)
        )

    before = snapshot()
    for change, field in (
        ({"partner_id": None}, "partner"),
        ({"police_agreed_by_id": wmc["social_worker"].pk}, "police_agreed_by"),
        ({"police_agreed_by_id": outsider.pk}, "police_agreed_by"),
        (
            {"childrens_services_agreed_by_id": wmc["other_authority"].pk},
            "childrens_services_agreed_by",
        ),
        ({"childrens_services_agreed_by_id": wmc["inspector"].pk}, "childrens_services_agreed_by"),
        ({"reason": ""}, "reason"),
        ({"status": "held"}, "status"),
    ):
        with pytest.raises(ValidationFailed) as exc:
            defer(wmc["social_worker"], **change)
        assert exc.value.field == field, change
        if field not in ("reason", "status"):
            assert exc.value.rules == ("R-TRG-15",)
    # The team manager (who may convene) is neither of those who agreed.
    with pytest.raises(PermissionDenied) as denied:
        defer(wmc["team_manager"])
    assert denied.value.rules == ("R-TRG-15",)
    assert snapshot() == before
    m = defer(wmc["social_worker"])
    assert m.status == MeetingStatus.DEFERRED and m.deferral_partner == charity
    assert (m.police_agreed_by, m.childrens_services_agreed_by) == (
        wmc["inspector"],
        wmc["social_worker"],
    )
    d = Deadline.objects.of(m).get()
    assert (d.status, d.closed_reason) == ("met", "meeting deferred")
    with pytest.raises(WrongState):
        defer(wmc["coordinator"], police_agreed_by_id=wmc["coordinator"].pk)


def test_actions_have_deadlines_and_are_done_by_their_owner(wmc):
    """R-TRG-09: an action of a held meeting has an owner, who is told, and a deadline at
    the end of its due day (UK time); the owner marks it done and the deadline is met;
    someone who only reads the record may not."""
    t = level_1(wmc)
    m = t.meeting
    with pytest.raises(WrongState):
        services.action_add(
            actor=wmc["coordinator"],
            meeting_id=m.pk,
            text="Visit weekly",
            owner_id=wmc["vale"].pk,
            due_on=date.today() + timedelta(days=3),
        )
    m = held(wmc, t)
    due_on = timezone.localdate() + timedelta(days=3)
    a = services.action_add(
        actor=wmc["coordinator"],
        meeting_id=m.pk,
        text="Review the evening routine",
        owner_id=wmc["vale"].pk,
        owner_user_id=wmc["social_worker"].pk,
        due_on=due_on,
    )
    d = Deadline.objects.of(a).get()
    assert (d.kind, d.status) == ("intervention_action_due", "open")
    assert d.due == datetime(due_on.year, due_on.month, due_on.day, 23, 59, tzinfo=LONDON)
    assert told(t, f"action:{a.pk}") == {(wmc["social_worker"].pk, None)}
    with pytest.raises(PermissionDenied):
        services.action_done(actor=wmc["superintendent"], action_id=a.pk, note="done")
    with pytest.raises(NotFound):
        services.action_done(actor=wmc["carer"], action_id=a.pk, note="done")
    a = services.action_done(actor=wmc["social_worker"], action_id=a.pk, note="Routine agreed")
    assert a.done_at is not None and a.done_note == "Routine agreed"
    assert Deadline.objects.of(a).get().status == "met"
    with pytest.raises(WrongState):
        services.action_done(actor=wmc["coordinator"], action_id=a.pk, note="again")
    # A due date in the past, or an owner user of another organisation, is refused.
    before = snapshot()
    with pytest.raises(ValidationFailed) as exc:
        services.action_add(
            actor=wmc["coordinator"],
            meeting_id=m.pk,
            text="t",
            owner_id=wmc["vale"].pk,
            due_on=timezone.localdate() - timedelta(days=1),
        )
    assert exc.value.field == "due_on"
    with pytest.raises(ValidationFailed) as exc:
        services.action_add(
            actor=wmc["coordinator"],
            meeting_id=m.pk,
            text="t",
            owner_id=wmc["vale"].pk,
            owner_user_id=wmc["inspector"].pk,
            due_on=timezone.localdate(),
        )
    assert exc.value.field == "owner_user"
    assert snapshot() == before


# --- Who sees and does what ----------------------------------------------------------------------


@pytest.mark.parametrize("who", ["other_authority", "carer", "analyst", "inspector"])
def test_nobody_else_sees_a_trigger(wmc, who):
    """A record is "No such trigger" for another authority, a carer, an analyst and an
    officer who is not a coordinator: the same as one that does not exist."""
    t = level_1(wmc)
    before = AuditEvent.objects.count()
    with pytest.raises(NotFound) as hidden:
        get_trigger_for_user(wmc[who], t.pk, purpose="view")
    with pytest.raises(NotFound) as absent_:
        get_trigger_for_user(wmc[who], 987654, purpose="view")
    assert hidden.value.message == absent_.value.message == "No such trigger"
    with pytest.raises(NotFound):
        arranged(wmc, t, actor=wmc[who])
    assert t not in triggers_for_user(wmc[who])
    assert AuditEvent.objects.count() == before


def test_the_authoritys_social_worker_reads_and_arranges_but_does_not_allocate(wmc):
    """R-TRG-09: children's services chair the meeting, so they arrange it; allocating is
    the force's coordinators' (PermissionDenied, not "not found": they see it)."""
    t = level_1(wmc)
    sw = wmc["social_worker"]
    assert get_trigger_for_user(sw, t.pk, purpose="view") == t
    m = arranged(wmc, t, actor=sw)
    assert m.status == MeetingStatus.ARRANGED
    with pytest.raises(PermissionDenied):
        services.trigger_allocate(
            actor=sw, trigger_id=t.pk, version=fresh(t).version, user_id=wmc["sergeant"].pk
        )
    # The force's superintendent reads it (level 4 is theirs) but convenes nothing.
    assert get_trigger_for_user(wmc["superintendent"], t.pk, purpose="view") == t
    with pytest.raises(PermissionDenied):
        arranged(wmc, t, actor=wmc["superintendent"])


def test_every_read_is_audited_as_a_trigger(wmc):
    """R-REC-*: each read of a record writes an audit row naming the trigger, the reader
    and the purpose."""
    t = level_1(wmc)
    for who in ("coordinator", "social_worker", "superintendent"):
        get_trigger_for_user(wmc[who], t.pk, purpose="view trigger")
        row = AuditEvent.objects.latest("id")
        assert (row.subject_type, row.subject_id, row.user_id, row.purpose) == (
            "trigger",
            str(t.pk),
            wmc[who].pk,
            "view trigger",
        )


def test_validation_names_the_field_and_writes_nothing(wmc):
    """Every refused input names its field; nothing is saved, audited or sent."""
    t = level_1(wmc)
    m = t.meeting
    before = snapshot()
    cases: list[tuple[dict[str, Any], str]] = [
        ({"place": ""}, "place"),
        ({"place": "x" * 301}, "place"),
        ({"scheduled_for": None}, "scheduled_for"),
        ({"scheduled_for": timezone.now() - timedelta(days=1)}, "scheduled_for"),
        ({"scheduled_for": timezone.now() + timedelta(days=91)}, "scheduled_for"),
        ({"chair": "two\nlines"}, "chair"),
    ]
    for change, field in cases:
        body = {
            "scheduled_for": timezone.now() + timedelta(days=1),
            "place": "Vale House",
            "chair": "",
        } | change
        with pytest.raises(ValidationFailed) as exc:
            services.meeting_arrange(
                actor=wmc["coordinator"], meeting_id=m.pk, version=m.version, **body
            )
        assert exc.value.field == field, change
    with pytest.raises(ValidationFailed) as exc:
        services.trigger_allocate(
            actor=wmc["coordinator"], trigger_id=t.pk, version=t.version, user_id=None
        )
    assert exc.value.field == "allocated_to"
    assert snapshot() == before


def test_a_stale_version_is_a_concurrent_edit(wmc):
    """Someone else changed the record or the meeting after it was read: refused, and
    nothing is saved."""
    t = level_1(wmc)
    m = arranged(wmc, t)
    before = snapshot()
    with pytest.raises(ConcurrentEdit) as exc:
        services.meeting_arrange(
            actor=wmc["social_worker"],
            meeting_id=m.pk,
            version=m.version - 1,
            scheduled_for=timezone.now() + timedelta(days=3),
            place="Elsewhere",
        )
    assert exc.value.field == "version"
    with pytest.raises(ConcurrentEdit):
        services.trigger_allocate(
            actor=wmc["coordinator"],
            trigger_id=t.pk,
            version=fresh(t).version - 1,
            user_id=wmc["sergeant"].pk,
        )
    assert snapshot() == before
    assert fresh(m).place == "Vale House"

"""The carer's own report (episodes/services/carer.py; R-PPA-03, R-CLS-10, R-CLS-11,
R-DEF-04): an unauthorised absence held by the carer where the host force's policy and the
pre-placement assessment allow it, reported to the police as missing at six hours; a
missing report to the police at once; the return; the police taking the report.

The child is Birmingham's, placed in Hawthorn House in West Mercia's area (tests/care/
region.py): the host force's profile decides (West Mercia 2014 has unauthorised absence,
West Midlands 2015 does not)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone

from misper.care.services import assessment_save
from misper.core.deadline_sweep import sweep_due_deadlines
from misper.core.errors import NotFound, PermissionDenied, ValidationFailed, WrongState
from misper.core.models import Deadline, TimelineEvent
from misper.episodes.models import CarerReport, Episode
from misper.episodes.services import carer_report_make, carer_report_return, episode_report
from misper.episodes.services.carer import carer_unauthorised_absence_limit
from misper.notifications.models import Message
from misper.people.services import PersonDetails, allocation_set, person_create
from tests.care.factories import assessment_values, carer_values
from tests.care.region import border_region, place
from tests.episodes.conftest import report

pytestmark = pytest.mark.django_db

CALM = {
    "likelihood": "low",
    "risk_if_missing": "low",
    "risk_if_missing_reasons": "",
    "cse_risk": "low",
    "risk_to_others": "low",
}
SIX_HOURS = timedelta(hours=6)


def setup(make_org, make_user, profile="west-mercia-2014", **assessment):
    r = border_region(make_org, make_user, host_profile=profile)
    r["placement"] = place(r)
    allocation_set(
        actor=r["bham_tm"],
        person_id=r["child"].pk,
        role="social_worker",
        user_id=r["bham_sw"].pk,
    )
    assessment_save(
        actor=r["bham_sw"],
        person_id=r["child"].pk,
        values=assessment_values(**{**CALM, **assessment}),
        completed_with="Hawthorn House manager",
        based_on=None,
    )
    return r


@pytest.fixture
def wmc14(make_org, make_user):
    return setup(make_org, make_user)


def make(r, kind="unauthorised_absence", actor="carer", now=None, person=None, **kw):
    now = now or timezone.now()
    args = {
        "last_seen_at": now - timedelta(hours=2),
        "last_contact_at": now - timedelta(hours=1),
        "values": carer_values(),
        "completed_by": "Tom Hughes",
        "designation": "Residential worker",
    }
    args.update(kw)
    return carer_report_make(
        actor=r[actor] if isinstance(actor, str) else actor,
        person_id=(person or r["child"]).pk,
        kind=kind,
        now=now,
        **args,
    )


def limit_deadline(report: CarerReport) -> Deadline:
    return Deadline.objects.of(report).get(owner="carer", kind="unauthorised_absence_limit")


def nothing_written() -> None:
    assert not CarerReport.objects.exists()
    assert not Deadline.objects.filter(owner="carer").exists()
    assert not TimelineEvent.objects.filter(verb="carer_reported").exists()
    assert not Message.objects.filter(subject_type="carer_report").exists()


# --- unauthorised absence -------------------------------------------------------------------


def test_an_unauthorised_absence_is_held_by_the_carer_until_six_hours_after_last_contact(wmc14):
    now = timezone.now()
    report_ = make(wmc14, now=now)
    assert report_.status == "held"
    assert report_.reported_to_police_at is None
    assert (report_.force, report_.area) == (wmc14["wmc"], wmc14["worcester_lpa"])
    deadline = limit_deadline(report_)
    assert deadline.due == report_.last_contact_at + SIX_HOURS
    assert (deadline.status, deadline.rule) == ("open", "R-CLS-10")
    assert "R-CLS-11" in report_.decision["rules"]
    # the police are not told of an absence the carer holds; the social worker is
    assert not Message.objects.filter(rule="R-PPA-03").exists()
    assert list(
        Message.objects.filter(subject_type="carer_report").values_list("recipient_key", flat=True)
    ) == [f"user:{wmc14['bham_sw'].pk}"]
    event = TimelineEvent.objects.get(verb="carer_reported", subject_id=wmc14["child"].pk)
    assert event.changes["status"] == "held"


def test_without_a_last_contact_the_six_hours_run_from_last_seen(wmc14):
    report_ = make(wmc14, last_contact_at=None)
    assert limit_deadline(report_).due == report_.last_seen_at + SIX_HOURS


def test_field_20_never_absent_refuses_an_unauthorised_absence_r_cls_11(make_org, make_user):
    r = setup(make_org, make_user, never_absent="yes", missing_category_reasons="Exploited")
    with pytest.raises(ValidationFailed) as exc:
        make(r)
    assert "R-CLS-11" in exc.value.rules
    assert exc.value.field == "kind"
    nothing_written()


def test_a_risk_in_the_assessment_refuses_it_under_wmc14_r_cls_17(make_org, make_user):
    r = setup(make_org, make_user, risk_if_missing="high", risk_if_missing_reasons="Self-harm")
    with pytest.raises(ValidationFailed) as exc:
        make(r)
    assert "R-CLS-17" in exc.value.rules
    nothing_written()


def test_a_risk_in_the_carers_answers_refuses_it(wmc14):
    with pytest.raises(ValidationFailed):
        make(wmc14, values=carer_values(self_harm={"answer": "yes", "detail": "Cut herself"}))
    nothing_written()


def test_six_hours_already_gone_is_missing_not_an_absence_r_cls_10(wmc14):
    now = timezone.now()
    with pytest.raises(ValidationFailed) as exc:
        make(wmc14, now=now, last_seen_at=now - timedelta(hours=8), last_contact_at=None)
    assert "R-CLS-10" in exc.value.rules
    nothing_written()


def test_a_force_whose_policy_has_no_unauthorised_absence_refuses_it_r_def_04(make_org, make_user):
    r = setup(make_org, make_user, profile="west-midlands-2015")
    with pytest.raises(ValidationFailed) as exc:
        make(r)
    assert exc.value.field == "kind"
    assert "R-DEF-04" in exc.value.message
    nothing_written()
    assert make(r, kind="missing").status == "with_police"  # missing is always open


# --- missing --------------------------------------------------------------------------------


def test_a_missing_report_goes_straight_to_the_police_area_of_the_placement_r_ppa_03(wmc14):
    now = timezone.now()
    report_ = make(wmc14, kind="missing", now=now)
    assert report_.status == "with_police"
    assert report_.reported_to_police_at == now
    assert not Deadline.objects.filter(owner="carer").exists()
    police = Message.objects.filter(rule="R-PPA-03", event_key=f"carer_report:{report_.pk}:missing")
    assert set(police.values_list("recipient_key", flat=True)) == {
        f"org:{wmc14['worcester_lpa'].pk}",
        f"user:{wmc14['wmc_area_call_handler'].pk}",
    }
    for message in police:
        assert "Mia" not in message.title and "Robinson" not in message.title
        assert message.link == f"/episodes/carer-reports/{report_.pk}/"
    assert Message.objects.filter(rule="R-NTF-01", recipient_user=wmc14["bham_sw"]).exists()


def test_a_second_open_report_for_the_child_is_refused(wmc14):
    first = make(wmc14, kind="missing")
    with pytest.raises(WrongState):
        make(wmc14)
    with pytest.raises(WrongState):
        make(wmc14, kind="missing")
    assert list(CarerReport.objects.values_list("pk", flat=True)) == [first.pk]


@pytest.mark.parametrize("who", ["bham_sw", "worcs_sw", "wmc_officer"])
def test_only_carers_make_a_carers_report(wmc14, who):
    with pytest.raises(PermissionDenied):
        make(wmc14, actor=who, kind="missing")
    nothing_written()


def test_a_carer_the_child_is_not_placed_with_may_not_report(wmc14):
    with pytest.raises(NotFound):  # they do not see the child at all
        make(wmc14, actor="other_carer", kind="missing")
    nothing_written()


def test_a_carer_who_sees_the_child_but_is_not_the_placement_may_not_report(wmc14):
    """A carer of another home the record is shared with sees the child, but the child is
    not placed with them."""
    from misper.people.services import person_share

    person_share(
        actor=wmc14["bham_sw"],
        person_id=wmc14["child"].pk,
        organisation=wmc14["other_home"],
        reason="Respite weekend",
    )
    with pytest.raises(PermissionDenied):
        make(wmc14, actor="other_carer", kind="missing")
    nothing_written()


# --- return, the limit, the police taking it ------------------------------------------------


def test_the_return_ends_a_held_absence_and_meets_its_deadline(wmc14):
    report_ = make(wmc14)
    back = carer_report_return(
        actor=wmc14["carer"],
        report_id=report_.pk,
        returned_at=timezone.now() - timedelta(minutes=5),
        details="Came back with her friend",
    )
    assert back.status == "returned"
    assert limit_deadline(report_).status == "met"
    assert not Message.objects.filter(rule="R-PPA-03").exists()  # the police never had it
    with pytest.raises(WrongState):
        carer_report_return(actor=wmc14["carer"], report_id=report_.pk, returned_at=timezone.now())


def test_a_return_before_last_seen_is_refused(wmc14):
    report_ = make(wmc14)
    with pytest.raises(ValidationFailed) as exc:
        carer_report_return(
            actor=wmc14["carer"],
            report_id=report_.pk,
            returned_at=report_.last_seen_at - timedelta(minutes=1),
        )
    assert exc.value.field == "returned_at"
    assert CarerReport.objects.get(pk=report_.pk).status == "held"


def held_and_due(r) -> CarerReport:
    """An absence recorded two hours ago, five hours after last contact: due an hour ago."""
    at = timezone.now() - timedelta(hours=2)
    report_ = make(
        r, now=at, last_seen_at=at - timedelta(hours=6), last_contact_at=at - timedelta(hours=5)
    )
    assert limit_deadline(report_).due < timezone.now()
    return report_


def test_at_six_hours_a_held_absence_goes_to_the_police_as_missing_once_r_cls_10(wmc14):
    report_ = held_and_due(wmc14)
    deadline = limit_deadline(report_)
    now = timezone.now()
    outcome = carer_unauthorised_absence_limit(deadline, now)
    assert "reported to the police" in outcome
    report_.refresh_from_db()
    assert report_.status == "with_police"
    assert report_.reported_to_police_at == deadline.due == report_.last_contact_at + SIX_HOURS
    again = carer_unauthorised_absence_limit(deadline, now + timedelta(minutes=1))
    assert again == "no longer held by the carer: nothing to do"
    assert CarerReport.objects.get(pk=report_.pk).reported_to_police_at == deadline.due
    assert (
        TimelineEvent.objects.filter(
            verb="carer_report_to_police", subject_id=wmc14["child"].pk
        ).count()
        == 1
    )
    police = Message.objects.filter(rule="R-PPA-03", event_key=f"carer_report:{report_.pk}:limit")
    assert set(police.values_list("recipient_key", flat=True)) == {
        f"org:{wmc14['worcester_lpa'].pk}",
        f"user:{wmc14['wmc_area_call_handler'].pk}",
    }


def test_the_worker_acts_on_the_limit_once(wmc14):
    import misper.episodes.tasks  # noqa: F401 - registers the carer's deadline handler

    report_ = held_and_due(wmc14)
    assert sweep_due_deadlines(timezone.now(), worker_id="test") == 1
    assert sweep_due_deadlines(timezone.now(), worker_id="test") == 0
    report_.refresh_from_db()
    assert report_.status == "with_police"
    assert report_.reported_to_police_at == limit_deadline(report_).due
    assert limit_deadline(report_).status == "acted"


def test_the_limit_does_nothing_to_a_returned_absence(wmc14):
    report_ = held_and_due(wmc14)
    deadline = limit_deadline(report_)
    carer_report_return(actor=wmc14["carer"], report_id=report_.pk, returned_at=timezone.now())
    assert carer_unauthorised_absence_limit(deadline, timezone.now()).startswith("no longer held")
    assert CarerReport.objects.get(pk=report_.pk).reported_to_police_at is None


def take(r, carer_report_id, person=None):
    return episode_report(
        actor=r["wmc_officer"],
        person_id=(person or r["child"]).pk,
        report=report(missing_from="care", establishment=r["home"]),
        category="missing",
        risk="medium",
        rationale="Initial grading",
        carer_report_id=carer_report_id,
    )


def test_the_police_take_the_carers_report_as_the_episode_r_ppa_03(wmc14):
    report_ = make(wmc14, kind="missing")
    episode = take(wmc14, report_.pk)
    report_.refresh_from_db()
    assert report_.status == "taken"
    assert report_.episode == episode
    assert TimelineEvent.objects.filter(
        verb="carer_report_taken", subject_type="episode", subject_id=episode.pk
    ).exists()
    with pytest.raises(WrongState):  # taken once
        take(wmc14, report_.pk)


def test_taking_a_held_absence_meets_its_six_hour_deadline(wmc14):
    report_ = make(wmc14)
    episode = take(wmc14, report_.pk)
    report_.refresh_from_db()
    assert report_.status == "taken"
    assert report_.reported_to_police_at == episode.reported_at
    assert limit_deadline(report_).status == "met"


def test_a_carers_report_about_another_child_is_refused_and_nothing_is_recorded(wmc14):
    other = person_create(
        actor=wmc14["bham_sw"],
        details=PersonDetails(given_name="Leo", family_name="Hart", date_of_birth=date(2010, 5, 5)),
    )
    place(wmc14, person=other)
    theirs = make(wmc14, kind="missing", person=other)
    with pytest.raises(ValidationFailed) as exc:
        take(wmc14, theirs.pk)
    assert exc.value.field == "carer_report"
    assert not Episode.objects.exists()
    theirs.refresh_from_db()
    assert (theirs.status, theirs.episode) == ("with_police", None)

"""Taking a report: the recommendation comes from the policy engine with its reasons; a
category or risk the profile forbids is refused with the rule; bad input names the field
and writes nothing; absent proposed by a call handler waits for the duty inspector."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest

from misper.core.errors import PermissionDenied, ValidationFailed
from misper.core.models import TimelineEvent
from misper.episodes.models import CategoryDecision, Episode, RiskGrading
from misper.episodes.services import episode_recommend, episode_report
from misper.people.services import PersonDetails, flag_raise, person_create, placement_record

from .conftest import NOW, answers, raised_the_day_before, report

pytestmark = pytest.mark.django_db


def rules_of(decision):
    return {r.rule for r in decision.reasons}


def test_recommendation_for_a_no_risk_report_allows_absent_under_wmp15(wmp15):
    rec = episode_recommend(
        actor=wmp15["call_handler"], person_id=wmp15["child"].pk, report=report(), now=NOW
    )
    assert set(rec.allowed_categories) == {"missing", "absent"}
    assert "inspector_review" in rec.duties or rec.category == "absent"


def test_unknown_answer_removes_absent_and_says_why(wmp15):
    """R-CLS-01/02: lack of information counts as risk."""
    rec = episode_recommend(
        actor=wmp15["call_handler"],
        person_id=wmp15["child"].pk,
        report=report(answers=answers(harm_or_crime="unknown")),
        now=NOW,
    )
    assert rec.allowed_categories == ("missing",)
    assert {"R-CLS-01", "R-CLS-02"} & rules_of(rec)


def test_cse_flagged_child_cannot_be_absent(wmp15):
    """R-CLS-03 / R-HMI-04: a CSE flag forces missing under WMP15, for everyone."""
    flag = flag_raise(
        actor=wmp15["investigating_officer"],
        person_id=wmp15["child"].pk,
        kind="cse",
        evidence="intelligence",
        review_on=date.today() + timedelta(days=30),
    )
    raised_the_day_before(flag)
    with pytest.raises(ValidationFailed) as exc:
        episode_report(
            actor=wmp15["inspector"],
            person_id=wmp15["child"].pk,
            report=report(),
            category="absent",
            rationale="seems fine",
            now=NOW,
        )
    assert exc.value.field == "category"
    # The rule that refused, first and alone in the words; every refusing rule for a program.
    assert exc.value.message.endswith("(R-CLS-03)") and "R-HMI-01" not in exc.value.message
    assert exc.value.rules == ("R-CLS-03", "R-HMI-01")
    assert not Episode.objects.exists()


def test_child_in_care_is_never_absent_under_west_mercia(wmc14):
    """R-CLS-08."""
    placement_record(
        actor=wmc14["social_worker"],
        person_id=wmc14["child"].pk,
        placement_type="children_home",
        address="Birch Lodge",
        provider=wmc14["home"],
        placing_authority=wmc14["vale"],
        host_authority=wmc14["vale"],
        started_on=date(2026, 1, 1),
    )
    with pytest.raises(ValidationFailed) as exc:
        episode_report(
            actor=wmc14["call_handler"],
            person_id=wmc14["child"].pk,
            report=report(missing_from="care", establishment=wmc14["home"]),
            category="absent",
            now=NOW,
        )
    assert "R-CLS-08" in exc.value.message
    assert not Episode.objects.exists()


def test_low_risk_is_refused_under_west_mercia(wmc14):
    """R-GRD-06: children are graded high or medium only."""
    with pytest.raises(ValidationFailed) as exc:
        episode_report(
            actor=wmc14["call_handler"],
            person_id=wmc14["child"].pk,
            report=report(answers=answers(out_of_character="yes")),
            category="missing",
            risk="low",
            rationale="r",
            now=NOW,
        )
    assert exc.value.field == "risk" and "R-GRD-06" in exc.value.message
    assert not Episode.objects.exists()


def test_missing_report_with_initial_grading(wmc14):
    ep = episode_report(
        actor=wmc14["call_handler"],
        person_id=wmc14["child"].pk,
        report=report(answers=answers(out_of_character="yes")),
        category="missing",
        risk="medium",
        rationale="out of character, no contact",
        now=NOW,
    )
    assert (ep.category, ep.risk, ep.owning_area) == ("missing", "medium", wmc14["area"])
    assert ep.profile_id == "west-mercia-2014" and ep.minimum_risk == "medium"
    grading = RiskGrading.objects.get(episode=ep)
    assert grading.initial and grading.by_role == "call_handler"
    event = TimelineEvent.objects.get(subject_type="episode", subject_id=str(ep.pk))
    assert event.verb == "episode_reported" and "R-GRD-06" in event.rules
    assert TimelineEvent.objects.filter(subject_type="person", verb="episode_reported").count() == 1


def test_absent_proposed_by_a_call_handler_waits_for_the_inspector(wmp15):
    """R-CLS-07: only the duty inspector confirms absent."""
    ep = episode_report(
        actor=wmp15["call_handler"],
        person_id=wmp15["child"].pk,
        report=report(),
        category="absent",
        now=NOW,
    )
    assert ep.category == "absent" and ep.awaiting_supervisor
    assert "R-CLS-07" in ep.supervisor_reason
    assert ep.categorised_at is None
    assert CategoryDecision.objects.get(episode=ep).rationale == "proposed"


def test_nar_needs_a_latest_review_time_and_goes_to_the_supervisor(nat17):
    """R-REV-12 / R-CLS-19."""
    with pytest.raises(ValidationFailed) as exc:
        episode_report(
            actor=nat17["call_handler"],
            person_id=nat17["child"].pk,
            report=report(),
            category="missing",
            risk="no_apparent_risk",
            rationale="known to be with a friend",
            now=NOW,
        )
    assert exc.value.field == "latest_review_at"
    ep = episode_report(
        actor=nat17["call_handler"],
        person_id=nat17["child"].pk,
        report=report(),
        category="missing",
        risk="no_apparent_risk",
        rationale="known to be with a friend",
        latest_review_at=NOW + timedelta(hours=4),
        now=NOW,
    )
    assert ep.awaiting_supervisor and "R-REV-12" in ep.supervisor_reason


@pytest.mark.parametrize(
    "change,field",
    [
        ({"reported_at": NOW + timedelta(hours=1)}, "reported_at"),
        ({"last_seen_at": NOW}, "last_seen_at"),
        ({"last_contact_at": NOW - timedelta(hours=5)}, "last_contact_at"),
        ({"informant_name": ""}, "informant_name"),
        ({"circumstances": "x" * 4001}, "circumstances"),
        ({"missing_from": "moon"}, "missing_from"),
        (
            {"answers": {**answers(), "medical_needs": {"answer": "no", "detail": ""}}},
            "answers.medical_needs.detail",
        ),
        (
            {"answers": {k: v for k, v in answers().items() if k != "harm_or_crime"}},
            "answers.harm_or_crime",
        ),
        (
            {"searches": {"bedroom_house": {"state": "not_done", "detail": ""}}},
            "searches.bedroom_house.detail",
        ),
    ],
)
def test_bad_report_names_the_field_and_writes_nothing(wmp15, change, field):
    with pytest.raises(ValidationFailed) as exc:
        episode_report(
            actor=wmp15["call_handler"],
            person_id=wmp15["child"].pk,
            report=replace(report(), **change),
            category="missing",
            now=NOW,
        )
    assert exc.value.field == field
    assert not Episode.objects.exists()
    assert not TimelineEvent.objects.filter(subject_type="episode").exists()


def test_force_level_call_handler_chooses_the_area(wmp15):
    with pytest.raises(ValidationFailed) as exc:
        episode_report(
            actor=wmp15["force_call_handler"],
            person_id=wmp15["child"].pk,
            report=report(),
            category="missing",
            now=NOW,
        )
    assert exc.value.field == "area"
    ep = episode_report(
        actor=wmp15["force_call_handler"],
        person_id=wmp15["child"].pk,
        report=report(area=wmp15["other_area"]),
        category="missing",
        now=NOW,
    )
    assert ep.owning_area == wmp15["other_area"]


def test_only_police_take_reports(wmp15):
    with pytest.raises(PermissionDenied):
        episode_report(
            actor=wmp15["social_worker"],
            person_id=wmp15["child"].pk,
            report=report(),
            category="missing",
            now=NOW,
        )
    assert not Episode.objects.exists()


def two_earlier_episodes(w) -> None:
    """The child missing 40 and 20 days ago, from the same place."""
    for days in (40, 20):
        episode_report(
            actor=w["call_handler"],
            person_id=w["child"].pk,
            report=report(
                reported_at=NOW - timedelta(days=days),
                last_seen_at=NOW - timedelta(days=days, hours=2),
                last_contact_at=None,
                answers=answers(out_of_character="yes"),
            ),
            category="missing",
            now=NOW - timedelta(days=days),
        )


def test_previous_episodes_count_together_for_triggers(wmc14):
    """R-TRG-10: the third missing episode in 90 days fires level 1, counting history."""
    two_earlier_episodes(wmc14)
    rec = episode_recommend(
        actor=wmc14["call_handler"],
        person_id=wmc14["child"].pk,
        report=report(answers=answers(out_of_character="yes")),
        now=NOW,
    )
    kinds = {(t.kind, t.level) for t in rec.triggers}
    assert ("wm_individual_3_in_90", 1) in kinds


def test_later_decisions_see_the_same_facts_as_the_report(wmc14):
    """R-CLS-15: 'other factors suspected' is part of the report; it is kept on the episode
    so that every later question to the engine describes the same child."""
    from misper.episodes.policy_bridge import episode_question

    ep = episode_report(
        actor=wmc14["call_handler"],
        person_id=wmc14["child"].pk,
        report=replace(
            report(answers=answers(out_of_character="yes")), other_factors_suspected=True
        ),
        category="missing",
        now=NOW,
    )
    ep = Episode.objects.get(pk=ep.pk)
    assert ep.other_factors_suspected is True
    asked = episode_question(ep, NOW)
    assert asked.person.other_factors_suspected is True
    assert asked.report.answers["out_of_character"] == "yes"


# --- Every input bounded (issue 8, findings 6 and 7) ------------------------------------------


def at_times(**times):
    """A report with these times and no last contact (which must lie between them)."""
    return replace(report(), last_contact_at=None, **times)


@pytest.mark.parametrize(
    "times,field,message",
    [
        (
            {"last_seen_at": NOW - timedelta(days=30 * 13)},
            "last_seen_at",
            "Last seen must be within the 12 months before the report",
        ),
        (
            {"last_seen_at": NOW.replace(year=999)},
            "last_seen_at",
            "Last seen must be within the 12 months before the report",
        ),
        (
            {"reported_at": NOW - timedelta(days=31), "last_seen_at": NOW - timedelta(days=32)},
            "reported_at",
            "The time of the report must be within the last 30 days",
        ),
        (
            {"reported_at": NOW.replace(year=9999), "last_seen_at": NOW - timedelta(hours=3)},
            "reported_at",
            "The time of the report cannot be in the future",
        ),
    ],
)
def test_report_times_outside_their_window_are_refused_and_nothing_saved(
    wmp15, times, field, message
):
    """Finding 6: last seen within the 12 months before the report, the report within the
    last 30 days (back-recording) and not in the future."""
    for service in (episode_recommend, episode_report):
        kwargs = {"category": "missing"} if service is episode_report else {}
        with pytest.raises(ValidationFailed) as exc:
            service(
                actor=wmp15["call_handler"],
                person_id=wmp15["child"].pk,
                report=at_times(**times),
                now=NOW,
                **kwargs,
            )
        assert (exc.value.field, exc.value.message) == (field, message)
    assert not Episode.objects.exists()
    assert not TimelineEvent.objects.filter(subject_type="episode").exists()


def test_a_report_recorded_late_within_30_days_is_accepted(wmp15):
    ep = episode_report(
        actor=wmp15["call_handler"],
        person_id=wmp15["child"].pk,
        report=at_times(
            reported_at=NOW - timedelta(days=29), last_seen_at=NOW - timedelta(days=300)
        ),
        category="missing",
        now=NOW,
    )
    assert ep.reported_at == NOW - timedelta(days=29)


def test_last_seen_before_the_childs_birth_is_refused(wmp15):
    """Finding 6: the policy counts the child's age from the date of birth; an earlier last
    seen would reach it as a server error."""
    baby = person_create(
        actor=wmp15["call_handler"],
        details=PersonDetails(
            given_name="Ada", family_name="Oakes", date_of_birth=NOW.date() - timedelta(days=5)
        ),
    )
    with pytest.raises(ValidationFailed) as exc:
        episode_report(
            actor=wmp15["call_handler"],
            person_id=baby.pk,
            report=at_times(
                reported_at=NOW - timedelta(days=6), last_seen_at=NOW - timedelta(days=7)
            ),
            category="missing",
            now=NOW,
        )
    assert exc.value.field == "last_seen_at" and "date of birth" in exc.value.message
    assert not Episode.objects.exists()


def test_a_report_recorded_late_about_a_child_of_estimated_age_0_is_assessed(wmp15):
    """Finding 6: an estimated age counts from the day it was recorded; a report from
    before that day must not reach the policy as a date of birth after the report."""
    baby = person_create(
        actor=wmp15["call_handler"],
        details=PersonDetails(given_name="Ada", family_name="Oakes", estimated_age=0),
    )
    rec = episode_recommend(
        actor=wmp15["call_handler"],
        person_id=baby.pk,
        report=at_times(
            reported_at=NOW - timedelta(days=20), last_seen_at=NOW - timedelta(days=21)
        ),
        now=NOW,
    )
    assert rec.allowed_categories


@pytest.mark.parametrize(
    "latest_review_at,message",
    [
        (NOW - timedelta(hours=1), "The latest review time cannot be in the past"),
        (NOW + timedelta(days=31), "The latest review time must be within 30 days"),
        (NOW.replace(year=9999), "The latest review time must be within 30 days"),
    ],
)
def test_a_latest_review_time_outside_the_next_30_days_is_refused(nat17, latest_review_at, message):
    with pytest.raises(ValidationFailed) as exc:
        episode_report(
            actor=nat17["call_handler"],
            person_id=nat17["child"].pk,
            report=report(),
            category="missing",
            risk="no_apparent_risk",
            rationale="known to be with a friend",
            latest_review_at=latest_review_at,
            now=NOW,
        )
    assert (exc.value.field, exc.value.message) == ("latest_review_at", message)
    assert not Episode.objects.exists()


def test_report_text_is_cleaned_and_single_line_fields_stay_on_one_line(wmp15):
    """Finding 7: NUL bytes and a right-to-left override are stripped from a name, free
    text keeps its lines, and a place typed on two lines is refused."""
    ep = episode_report(
        actor=wmp15["call_handler"],
        person_id=wmp15["child"].pk,
        report=replace(
            report(),
            informant_name="Da\x00na \u202eOakes",
            circumstances="Left after an argument.\r\nNot answering calls.",
        ),
        category="missing",
        now=NOW,
    )
    assert ep.informant_name == "Dana Oakes"
    assert ep.circumstances == "Left after an argument.\nNot answering calls."
    with pytest.raises(ValidationFailed) as exc:
        episode_report(
            actor=wmp15["call_handler"],
            person_id=wmp15["child"].pk,
            report=replace(report(), last_seen_place="Northfold\nbus station"),
            category="missing",
            now=NOW,
        )
    assert exc.value.field == "last_seen_place"


def test_an_unknown_search_is_refused(wmp15):
    with pytest.raises(ValidationFailed) as exc:
        episode_recommend(
            actor=wmp15["call_handler"],
            person_id=wmp15["child"].pk,
            report=replace(report(), searches={**report().searches, "moon": {"state": "done"}}),
            now=NOW,
        )
    assert exc.value.field == "searches"


def test_the_reports_question_serves_the_stored_episodes_first_decision(wmc14):
    """A submission reads the child and their history once: the question about the stored
    episode, built from the report's, is the one a fresh look-up gives (the history holds
    episodes reported before this one, which the new episode is not)."""
    from misper.episodes.policy_bridge import episode_question
    from misper.episodes.services.report import _question, _validate_report

    w = wmc14
    two_earlier_episodes(w)
    submitted = report(answers=answers(out_of_character="yes"))
    ep = episode_report(
        actor=w["call_handler"],
        person_id=w["child"].pk,
        report=submitted,
        category="missing",
        now=NOW,
    )
    ep = Episode.objects.get(pk=ep.pk)
    child = w["child"]
    values = _validate_report(submitted, NOW, person=child, profile=w["force"].policy_profile)
    reported = _question(person=child, force=w["force"], values=values, now=NOW)
    assert len(reported.history) == 2
    reused, fresh = episode_question(ep, NOW, reported=reported), episode_question(ep, NOW)
    assert reused == fresh
    assert reused.decide().triggers == fresh.decide().triggers

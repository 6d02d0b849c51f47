"""After the call: the duty inspector's decisions, the authority rules for risk, the Force
Incident Manager, restriction, the investigation log, transfer, found and closure. Each
refusal names the rule and changes nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest

from misper.core.errors import ConcurrentEdit, NotFound, PermissionDenied, ValidationFailed
from misper.core.models import AuditEvent, Deadline, TimelineEvent
from misper.episodes.models import Episode, RiskGrading
from misper.episodes.selectors import (
    RestrictedRecord,
    daily_management,
    episodes_for_user,
    get_episode_for_user,
    supervision_queue,
)
from misper.episodes.services import (
    episode_close,
    episode_found,
    episode_grade_risk,
    episode_log,
    episode_record_disagreement,
    episode_report,
    episode_resolve_disagreement,
    episode_restrict,
    episode_set_category,
    transfer_decide,
    transfer_propose,
)
from misper.episodes.services.record import FoundInput

from .conftest import NOW, answers, report

pytestmark = pytest.mark.django_db


def fresh(ep):
    return Episode.objects.get(pk=ep.pk)


def open_kinds(ep):
    return sorted(Deadline.objects.of(ep).filter(status="open").values_list("kind", flat=True))


@pytest.fixture
def absent(wmp15):
    return episode_report(
        actor=wmp15["call_handler"],
        person_id=wmp15["child"].pk,
        report=report(),
        category="absent",
        now=NOW,
    )


@pytest.fixture
def missing(wmp15):
    return episode_report(
        actor=wmp15["investigating_officer"],
        person_id=wmp15["child"].pk,
        report=report(answers=answers(out_of_character="yes")),
        category="missing",
        risk="high",
        rationale="first assessment",
        now=NOW,
    )


def test_absent_waits_on_the_inspector_queue(wmp15, absent):
    rows = supervision_queue(wmp15["inspector"])
    assert [r.episode.pk for r in rows] == [absent.pk]
    assert "R-CLS-07" in rows[0].why
    with pytest.raises(NotFound):
        supervision_queue(wmp15["call_handler"])


def test_sergeant_cannot_confirm_absent(wmp15, absent):
    """R-CLS-07: only the duty inspector (or above) confirms absent."""
    with pytest.raises(ValidationFailed) as exc:
        episode_set_category(
            actor=wmp15["sergeant"],
            episode_id=absent.pk,
            version=absent.version,
            category="absent",
            rationale="no risk",
            review_period_hours=4,
            callback_at=NOW + timedelta(hours=2),
        )
    assert "inspector" in exc.value.message and "R-CLS-07" in exc.value.message
    assert fresh(absent).awaiting_supervisor


def test_inspector_confirms_absent_with_review_and_callback(wmp15, absent):
    """R-REV-02/03: review period and call-back agreed, full rationale; deadlines follow."""
    with pytest.raises(ValidationFailed) as exc:
        episode_set_category(
            actor=wmp15["inspector"],
            episode_id=absent.pk,
            version=absent.version,
            category="absent",
            rationale="no risk",
        )
    assert exc.value.field in ("review_period_hours", "callback_at")
    ep = episode_set_category(
        actor=wmp15["inspector"],
        episode_id=absent.pk,
        version=absent.version,
        category="absent",
        rationale="Known to be at a friend's; mother agrees",
        review_period_hours=4,
        callback_at=NOW + timedelta(hours=2),
        now=NOW,
    )
    assert not ep.awaiting_supervisor and ep.categorised_by_role == "inspector"
    assert {"absent_review", "callback"} <= set(open_kinds(ep))
    episode_log(
        actor=wmp15["call_handler"],
        episode_id=ep.pk,
        kind="callback",
        text_="Called mother: still not home",
        now=NOW + timedelta(hours=2),
    )
    assert "callback" not in open_kinds(ep)
    assert Deadline.objects.of(ep).get(kind="callback").status == "met"


def test_disagreement_goes_to_the_force_incident_manager(wmp15, absent):
    """R-REV-07."""
    ep = episode_record_disagreement(
        actor=wmp15["inspector"],
        episode_id=absent.pk,
        version=absent.version,
        detail="mother insists missing",
    )
    with pytest.raises(ValidationFailed) as exc:
        episode_set_category(
            actor=wmp15["inspector"],
            episode_id=ep.pk,
            version=ep.version,
            category="absent",
            rationale="r",
            review_period_hours=4,
            callback_at=NOW + timedelta(hours=2),
        )
    assert "force incident manager" in exc.value.message.lower()
    with pytest.raises(ValidationFailed):
        episode_resolve_disagreement(
            actor=wmp15["inspector"],
            episode_id=ep.pk,
            version=ep.version,
            category="missing",
            rationale="r",
        )
    ep = episode_resolve_disagreement(
        actor=wmp15["chief_inspector"],
        episode_id=ep.pk,
        version=ep.version,
        category="missing",
        rationale="Mother's account of threats; missing",
    )
    assert ep.category == "missing" and not ep.disagreement_open


def test_only_a_superintendent_lowers_high_risk(wmp15, missing):
    """R-AUT-03, with the initial-grading exception of R-AUT-04."""
    ep = episode_grade_risk(
        actor=wmp15["inspector"],
        episode_id=missing.pk,
        version=missing.version,
        risk="medium",
        initial_grading_error=True,
        rationale="The officer misread the medication answer",
        now=NOW,
    )
    assert ep.risk == "medium"
    assert RiskGrading.objects.filter(episode=ep, initial_grading_error=True).count() == 1
    ep = episode_grade_risk(
        actor=wmp15["inspector"],
        episode_id=ep.pk,
        version=ep.version,
        risk="high",
        rationale="new intelligence",
        now=NOW,
    )
    with pytest.raises(ValidationFailed) as exc:
        episode_grade_risk(
            actor=wmp15["inspector"],
            episode_id=ep.pk,
            version=ep.version,
            risk="medium",
            initial_grading_error=True,
            rationale="no",
            now=NOW,
        )
    assert "superintendent" in exc.value.message and "R-AUT-03" in exc.value.message
    assert fresh(ep).risk == "high"
    ep = episode_grade_risk(
        actor=wmp15["superintendent"],
        episode_id=ep.pk,
        version=ep.version,
        risk="medium",
        rationale="Seen on CCTV, safe",
        now=NOW,
    )
    assert ep.risk == "medium"
    verbs = list(
        TimelineEvent.objects.filter(subject_type="episode", subject_id=str(ep.pk)).values_list(
            "verb", flat=True
        )
    )
    assert verbs.count("risk_lowered") == 2 and verbs.count("risk_raised") == 1


def test_stale_version_is_refused(wmp15, missing):
    episode_grade_risk(
        actor=wmp15["inspector"],
        episode_id=missing.pk,
        version=missing.version,
        risk="medium",
        initial_grading_error=True,
        rationale="r",
        now=NOW,
    )
    with pytest.raises(ConcurrentEdit):
        episode_grade_risk(
            actor=wmp15["superintendent"],
            episode_id=missing.pk,
            version=missing.version,
            risk="low",
            rationale="r",
            now=NOW,
        )
    assert fresh(missing).risk == "medium"


def test_restricted_record_needs_a_reason_and_is_audited(wmp15, missing):
    """R-RES-01."""
    with pytest.raises(ValidationFailed):
        episode_restrict(
            actor=wmp15["sergeant"],
            episode_id=missing.pk,
            version=missing.version,
            reason="forced marriage concern",
        )
    ep = episode_restrict(
        actor=wmp15["inspector"],
        episode_id=missing.pk,
        version=missing.version,
        reason="forced marriage concern",
    )
    assert ep.restricted
    # The inspector who restricted it opened it with that reason: it stays in their list.
    assert missing.pk in [e.pk for e in episodes_for_user(wmp15["inspector"])]
    # Nobody else lists it, or finds it, until they state a reason.
    fim = wmp15["chief_inspector"]
    assert missing.pk not in [e.pk for e in episodes_for_user(fim)]
    assert missing.pk not in [e.pk for e in episodes_for_user(wmp15["call_handler"])]
    with pytest.raises(NotFound):
        get_episode_for_user(wmp15["call_handler"], ep.pk, purpose="view")
    with pytest.raises(RestrictedRecord):
        get_episode_for_user(fim, ep.pk, purpose="view")
    get_episode_for_user(fim, ep.pk, purpose="view", reason="DMM review")
    row = AuditEvent.objects.latest("id")
    assert (row.action, row.reason, row.user_id) == ("open_restricted", "DMM review", fim.pk)
    assert missing.pk in [e.pk for e in episodes_for_user(fim)]


def test_investigation_entry_shows_tour_of_duty(wmp15, missing):
    """R-REC-06/07."""
    late = episode_log(
        actor=wmp15["investigating_officer"],
        episode_id=missing.pk,
        kind="enquiry",
        text_="Visited the bus station",
        action_at=NOW - timedelta(hours=1),
        tour_end=NOW - timedelta(minutes=10),
        now=NOW,
    )
    on_time = episode_log(
        actor=wmp15["investigating_officer"],
        episode_id=missing.pk,
        kind="search",
        text_="Searched the park",
        now=NOW,
    )
    assert not late.within_tour and on_time.within_tour


def test_publicity_needs_the_family_consulted_and_proportionality(wmp15, missing):
    """R-MED-01."""
    with pytest.raises(ValidationFailed) as exc:
        episode_log(
            actor=wmp15["inspector"],
            episode_id=missing.pk,
            kind="media_decision",
            text_="Appeal",
            details={"publicity": True, "family_consulted": False},
        )
    assert exc.value.field == "family_consulted"
    with pytest.raises(ValidationFailed) as exc:
        episode_log(
            actor=wmp15["inspector"],
            episode_id=missing.pk,
            kind="media_decision",
            text_="Appeal",
            details={"publicity": True, "family_consulted": True, "consent": "refused"},
        )
    assert exc.value.field == "proportionality_rationale"
    episode_log(
        actor=wmp15["inspector"],
        episode_id=missing.pk,
        kind="media_decision",
        text_="Appeal",
        details={
            "publicity": True,
            "family_consulted": True,
            "consent": "refused",
            "proportionality_rationale": "high risk, 48 h",
        },
    )


def test_transfer_passes_ownership_only_when_accepted(wmp15, make_user, missing):
    """R-OWN-03/04."""
    south_inspector = make_user("inspector", organisation=wmp15["other_area"])
    t = transfer_propose(
        actor=wmp15["inspector"],
        episode_id=missing.pk,
        to_area=wmp15["other_area"],
        reason="Enquiries in South",
        bulk_of_enquiries=True,
    )
    assert fresh(missing).owning_area == wmp15["area"]
    with pytest.raises(PermissionDenied):
        transfer_decide(actor=wmp15["inspector"], transfer_id=t.pk, accept=True)
    with pytest.raises(ValidationFailed) as exc:
        transfer_decide(actor=south_inspector, transfer_id=t.pk, accept=False, reason="busy")
    assert "R-OWN-04" in exc.value.message
    transfer_decide(actor=south_inspector, transfer_id=t.pk, accept=True)
    assert fresh(missing).owning_area == wmp15["other_area"]


def test_found_then_closed_with_the_missing_code(wmp15, missing):
    """R-FND-03 and R-REC-04."""
    found = FoundInput(
        found_at=NOW - timedelta(minutes=5),
        found_where="Friend's flat",
        found_by="PC Lee",
        condition="Tired, unhurt",
        safe_and_well="not_done",
    )
    with pytest.raises(ValidationFailed) as exc:
        episode_found(
            actor=wmp15["investigating_officer"],
            episode_id=missing.pk,
            version=missing.version,
            found=found,
            now=NOW,
        )
    assert exc.value.field == "safe_and_well_rationale"
    ep = episode_found(
        actor=wmp15["investigating_officer"],
        episode_id=missing.pk,
        version=missing.version,
        found=FoundInput(**{**found.__dict__, "safe_and_well": "done"}),
        now=NOW,
    )
    # The 72 hours are the return-interview referral's to keep (returns app), not the case's.
    assert ep.status == "found" and "rhi_due" not in open_kinds(ep)
    assert open_kinds(ep.rhi_referral) == ["rhi_due", "rhi_reminder"]
    ep = episode_close(actor=wmp15["inspector"], episode_id=ep.pk, version=ep.version, now=NOW)
    assert (ep.status, ep.closure_code) == ("closed", "Missing Person")


def test_absent_log_closes_as_unauthorised_absence(wmp15, absent):
    ep = episode_set_category(
        actor=wmp15["inspector"],
        episode_id=absent.pk,
        version=absent.version,
        category="absent",
        rationale="r",
        review_period_hours=4,
        callback_at=NOW + timedelta(hours=2),
        now=NOW,
    )
    ep = episode_found(
        actor=wmp15["call_handler"],
        episode_id=ep.pk,
        version=ep.version,
        found=FoundInput(
            found_at=NOW,
            found_where="home",
            found_by="mother",
            condition="well",
            safe_and_well="done",
        ),
        now=NOW,
    )
    ep = episode_close(actor=wmp15["inspector"], episode_id=ep.pk, version=ep.version, now=NOW)
    assert ep.closure_code == "Missing – Unauthorised absence"


def test_daily_management_lists_high_risk_first(wmp15, missing, absent):
    area, rows = daily_management(wmp15["inspector"], wmp15["area"].pk)
    assert area == wmp15["area"] and rows[0].episode.pk == missing.pk
    with pytest.raises(NotFound):
        daily_management(wmp15["social_worker"], wmp15["area"].pk)


def test_the_owner_sees_who_opened_a_restricted_record(wmp15, missing):
    """R-RES-01: openings are audited with their reason, and the owning area's inspectors
    see them."""
    from misper.episodes.selectors import openings

    ep = episode_restrict(
        actor=wmp15["inspector"],
        episode_id=missing.pk,
        version=missing.version,
        reason="honour-based abuse concern",
    )
    get_episode_for_user(
        wmp15["investigating_officer"],
        ep.pk,
        purpose="view",
        reason="following up the found report",
    )
    rows = openings(wmp15["inspector"], ep)
    assert [(r.user_id, r.reason) for r in rows] == [
        (wmp15["investigating_officer"].pk, "following up the found report"),
        (wmp15["inspector"].pk, "honour-based abuse concern"),
    ]
    assert openings(wmp15["investigating_officer"], ep) == []


# --- Every input bounded (issue 8, findings 6 and 7) ------------------------------------------


@pytest.mark.parametrize(
    "callback_at,message",
    [
        (NOW + timedelta(days=31), "The call-back must be within 30 days"),
        (NOW.replace(year=9999), "The call-back must be within 30 days"),
        (NOW.replace(year=1), "The call-back must be in the future"),
    ],
)
def test_a_callback_outside_the_next_30_days_is_refused(wmp15, absent, callback_at, message):
    """Finding 6: year 9999 was accepted for call-backs."""
    with pytest.raises(ValidationFailed) as exc:
        episode_set_category(
            actor=wmp15["inspector"],
            episode_id=absent.pk,
            version=absent.version,
            category="absent",
            rationale="At a friend's; mother agrees",
            review_period_hours=4,
            callback_at=callback_at,
            now=NOW,
        )
    assert (exc.value.field, exc.value.message) == ("callback_at", message)
    assert fresh(absent).awaiting_supervisor and fresh(absent).version == absent.version


@pytest.mark.parametrize(
    "latest_review_at,message",
    [
        (NOW - timedelta(minutes=10), "The latest review time cannot be in the past"),
        (NOW + timedelta(days=31), "The latest review time must be within 30 days"),
        (NOW.replace(year=9999), "The latest review time must be within 30 days"),
    ],
)
def test_a_latest_review_time_outside_the_next_30_days_is_refused(
    wmp15, missing, latest_review_at, message
):
    with pytest.raises(ValidationFailed) as exc:
        episode_grade_risk(
            actor=wmp15["superintendent"],
            episode_id=missing.pk,
            version=missing.version,
            risk="medium",
            rationale="seen on CCTV",
            latest_review_at=latest_review_at,
            now=NOW,
        )
    assert (exc.value.field, exc.value.message) == ("latest_review_at", message)
    assert fresh(missing).risk == "high" and RiskGrading.objects.count() == 1


@pytest.mark.parametrize(
    "times,field,message",
    [
        (
            {"action_at": NOW.replace(year=999)},
            "action_at",
            "The action cannot be before the child was last seen",
        ),
        (
            {"action_at": NOW - timedelta(hours=4)},
            "action_at",
            "The action cannot be before the child was last seen",
        ),
        (
            {"action_at": NOW + timedelta(minutes=10)},
            "action_at",
            "An action cannot be recorded before it happens",
        ),
        (
            {"action_at": NOW - timedelta(hours=1), "tour_end": NOW + timedelta(hours=24)},
            "tour_end",
            "The tour of duty must end within 24 hours of the action",
        ),
        (
            {"action_at": NOW - timedelta(hours=1), "tour_end": NOW.replace(year=9999)},
            "tour_end",
            "The tour of duty must end within 24 hours of the action",
        ),
    ],
)
def test_log_entry_times_outside_their_window_are_refused(wmp15, missing, times, field, message):
    """The child was last seen three hours before NOW (conftest.report)."""
    with pytest.raises(ValidationFailed) as exc:
        episode_log(
            actor=wmp15["investigating_officer"],
            episode_id=missing.pk,
            kind="enquiry",
            text_="Visited the bus station",
            now=NOW,
            **times,
        )
    assert (exc.value.field, exc.value.message) == (field, message)
    assert not missing.entries.exists()


@pytest.mark.parametrize(
    "details,field",
    [
        ({"consent": "zz"}, "consent"),
        ({"publicity": True, "family_consulted": True, "consent": "zz"}, "consent"),
        ({"publicity": "yes", "family_consulted": True, "consent": "given"}, "publicity"),
        ({"publicity": False, "press_office": "told"}, "details"),
    ],
)
def test_media_decision_details_outside_their_vocabulary_are_refused(
    wmp15, missing, details, field
):
    """Finding 7: consent "zz" was accepted on a media decision."""
    with pytest.raises(ValidationFailed) as exc:
        episode_log(
            actor=wmp15["inspector"],
            episode_id=missing.pk,
            kind="media_decision",
            text_="Appeal",
            details=details,
        )
    assert exc.value.field == field
    assert not missing.entries.exists()


def test_a_log_entry_keeps_its_lines_and_loses_control_characters(wmp15, missing):
    entry = episode_log(
        actor=wmp15["inspector"],
        episode_id=missing.pk,
        kind="media_decision",
        text_="Appeal agreed.\r\nPress office told.\x07",
        details={
            "publicity": True,
            "family_consulted": True,
            "consent": "refused",
            "proportionality_rationale": "High risk\x00;\n48 hours missing",
        },
        now=NOW,
    )
    assert entry.text == "Appeal agreed.\nPress office told."
    assert entry.details["proportionality_rationale"] == "High risk;\n48 hours missing"


def test_a_return_time_in_the_future_is_refused(wmp15, missing):
    with pytest.raises(ValidationFailed) as exc:
        episode_found(
            actor=wmp15["investigating_officer"],
            episode_id=missing.pk,
            version=missing.version,
            found=FoundInput(
                found_at=NOW - timedelta(minutes=5),
                returned_at=NOW.replace(year=9999),
                found_where="Friend's flat",
                found_by="PC Lee",
                condition="Tired, unhurt",
                safe_and_well="done",
            ),
            now=NOW,
        )
    assert (exc.value.field, exc.value.message) == (
        "returned_at",
        "The return time cannot be in the future",
    )
    assert fresh(missing).status == "open"

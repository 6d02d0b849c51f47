"""After the call: the duty inspector's decisions, the authority rules for risk, the Force
Incident Manager, restriction, the investigation log, transfer, found and closure. Each
refusal names the rule and changes nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest

from misper.agencies.errors import ConcurrentEdit, NotFound, PermissionDenied, ValidationFailed
from misper.agencies.models import AuditEvent, Deadline, TimelineEvent
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
    return sorted(
        Deadline.objects.filter(
            subject_type="episode", subject_id=str(ep.pk), status="open"
        ).values_list("kind", flat=True)
    )


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
    assert Deadline.objects.get(subject_id=str(ep.pk), kind="callback").status == "met"


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
    assert missing.pk not in [e.pk for e in episodes_for_user(wmp15["inspector"])]
    with pytest.raises(NotFound):
        get_episode_for_user(wmp15["call_handler"], ep.pk, purpose="view")
    with pytest.raises(RestrictedRecord):
        get_episode_for_user(wmp15["inspector"], ep.pk, purpose="view")
    get_episode_for_user(wmp15["inspector"], ep.pk, purpose="view", reason="DMM review")
    row = AuditEvent.objects.latest("id")
    assert (row.action, row.reason) == ("open_restricted", "DMM review")


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
    assert ep.status == "found" and "rhi_due" in open_kinds(ep)
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
    rows = daily_management(wmp15["inspector"], wmp15["area"])
    assert rows[0].episode.pk == missing.pk
    with pytest.raises(NotFound):
        daily_management(wmp15["social_worker"], wmp15["area"])


def test_the_owner_sees_who_opened_a_restricted_record(wmp15, missing):
    """R-RES-01: openings are audited with their reason, and the owning area's inspectors
    see them."""
    from misper.episodes.selectors import restricted_openings

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
    rows = restricted_openings(wmp15["inspector"], ep)
    assert [(r.user_id, r.reason) for r in rows] == [
        (wmp15["investigating_officer"].pk, "following up the found report")
    ]
    assert restricted_openings(wmp15["investigating_officer"], ep) == []

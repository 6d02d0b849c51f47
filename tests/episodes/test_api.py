"""Episodes through the API: the same rules as the pages (anonymous 401, a user who may not
see the case 404 with nothing changed and no audit row), the policy's refusals as a 400
naming the field and the rule, authority refusals, 409 on a stale version, a restricted
record opened only with a reason in the X-Misper-Reason header (audited), and input
errors naming the field."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from misper.core.models import AuditEvent, TimelineEvent
from misper.episodes.codes import QUESTION_KEYS, SEARCHES
from misper.episodes.models import Episode, InvestigationEntry, RiskGrading, Transfer
from misper.episodes.services import episode_grade_risk, episode_report, episode_restrict
from misper.people.services import flag_raise, placement_record

from .conftest import NOW, answers, report

pytestmark = pytest.mark.django_db
JSON = "application/json"


def iso(instant):
    return instant.isoformat()


def report_body(**over):
    body = {
        "reported_by": "parent",
        "informant_name": "Dana Oakes",
        "informant_phone": "07700 900111",
        "missing_from": "home",
        "location_address": "12 Larch Road, Northfold",
        "location_postcode": "VL2 3AB",
        "last_seen_at": iso(NOW - timedelta(hours=3)),
        "last_seen_place": "Northfold bus station",
        "circumstances": "Left after an argument about phone use.",
        "answers": {k: {"answer": "no", "detail": f"caller says no ({k})"} for k in QUESTION_KEYS},
        "searches": {k: {"state": "done", "detail": ""} for k, _ in SEARCHES},
    }
    body.update(over)
    return body


def post(client, url, data):
    return client.post(url, data, content_type=JSON)


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


@pytest.fixture
def stranger(make_user, make_org):
    return make_user("social_worker", organisation=make_org("local_authority", name="Elsewhere"))


def snapshot(ep):
    ep.refresh_from_db()
    return (
        ep.version,
        ep.category,
        ep.risk,
        ep.status,
        ep.restricted,
        ep.disagreement_open,
        RiskGrading.objects.count(),
        InvestigationEntry.objects.count(),
        Transfer.objects.count(),
        TimelineEvent.objects.filter(subject_type="episode").count(),
    )


def writes(wmp15, ep):
    v = ep.version
    return [
        (f"/api/v1/people/{wmp15['child'].pk}/recommendation", report_body()),
        (f"/api/v1/people/{wmp15['child'].pk}/episodes", report_body(category="missing")),
        (
            f"/api/v1/episodes/{ep.pk}/category",
            {"version": v, "category": "missing", "rationale": "r"},
        ),
        (f"/api/v1/episodes/{ep.pk}/risk", {"version": v, "risk": "medium", "rationale": "r"}),
        (f"/api/v1/episodes/{ep.pk}/disagreement", {"version": v, "detail": "d"}),
        (
            f"/api/v1/episodes/{ep.pk}/disagreement/resolve",
            {"version": v, "category": "missing", "rationale": "r"},
        ),
        (f"/api/v1/episodes/{ep.pk}/restrict", {"version": v, "reason": "r"}),
        (f"/api/v1/episodes/{ep.pk}/entries", {"kind": "note", "text": "t"}),
        (f"/api/v1/episodes/{ep.pk}/transfers", {"to_area": wmp15["other_area"].pk, "reason": "r"}),
        (
            f"/api/v1/episodes/{ep.pk}/found",
            {
                "version": v,
                "found_at": iso(NOW),
                "found_where": "park",
                "found_by": "PC",
                "condition": "well",
                "safe_and_well": "done",
            },
        ),
        (f"/api/v1/episodes/{ep.pk}/close", {"version": v}),
    ]


# --- Access ----------------------------------------------------------------------------------


def test_anonymous_is_401_and_nothing_changes(client, wmp15, missing):
    before = snapshot(missing)
    for url in [
        f"/api/v1/episodes/{missing.pk}",
        "/api/v1/episodes/supervision",
        f"/api/v1/areas/{wmp15['area'].pk}/dmm",
    ]:
        response = client.get(url)
        assert response.status_code == 401 and response.json()["code"] == "not_authenticated"
    for url, data in writes(wmp15, missing):
        assert post(client, url, data).status_code == 401, url
    assert post(client, "/api/v1/transfers/1/decision", {"accept": True}).status_code == 401
    assert snapshot(missing) == before and Episode.objects.count() == 1
    assert not AuditEvent.objects.filter(subject_type="episode").exists()


def test_a_user_who_may_not_see_the_case_gets_404_and_no_audit_row(
    wmp15, missing, stranger, mfa_client
):
    before = snapshot(missing)
    c = mfa_client(stranger)
    response = c.get(f"/api/v1/episodes/{missing.pk}")
    assert response.status_code == 404 and "Jayden" not in response.content.decode()
    for url, data in writes(wmp15, missing)[2:]:
        response = post(c, url, data)
        assert response.status_code == 404, (url, response.json())
    # Not a police user: the report itself is refused, nothing is saved.
    for url, data in writes(wmp15, missing)[:2]:
        assert post(c, url, data).status_code in (403, 404), url
    assert c.get("/api/v1/episodes/supervision").status_code == 404
    assert c.get(f"/api/v1/areas/{wmp15['area'].pk}/dmm").status_code == 404
    assert snapshot(missing) == before and Episode.objects.count() == 1
    assert not AuditEvent.objects.filter(subject_type="episode").exists()


def test_the_childs_social_worker_reads_but_may_not_act(wmp15, missing, mfa_client):
    before = snapshot(missing)
    c = mfa_client(wmp15["social_worker"])
    assert c.get(f"/api/v1/episodes/{missing.pk}").status_code == 200
    for url, data in writes(wmp15, missing)[2:]:
        assert post(c, url, data).status_code in (403, 404), url
    assert snapshot(missing) == before


# --- Report ------------------------------------------------------------------------------------


def test_recommendation_has_every_reason_with_its_rule(wmp15, mfa_client):
    c = mfa_client(wmp15["call_handler"])
    body = report_body()
    body["answers"]["harm_or_crime"] = {"answer": "unknown", "detail": "not sure"}
    response = post(c, f"/api/v1/people/{wmp15['child'].pk}/recommendation", body)
    assert response.status_code == 200, response.json()
    data = response.json()
    assert data["allowed_categories"] == ["missing"]
    assert {"R-CLS-01", "R-CLS-02"} & {r["rule"] for r in data["reasons"]}
    assert not Episode.objects.exists()


def test_report_is_201_with_the_case(wmp15, mfa_client):
    c = mfa_client(wmp15["call_handler"])
    response = post(
        c,
        f"/api/v1/people/{wmp15['child'].pk}/episodes",
        report_body(category="missing", risk="medium", rationale="out of character"),
    )
    assert response.status_code == 201, response.json()
    data = response.json()
    assert (data["category"], data["risk"], data["owning_area"]["name"]) == (
        "missing",
        "medium",
        "North",
    )
    assert data["gradings"][0]["initial"] and data["recommendation"]["reasons"]
    assert Episode.objects.get().pk == data["id"]


def test_cse_flagged_child_as_absent_is_refused_with_the_rule(wmp15, mfa_client):
    flag_raise(
        actor=wmp15["investigating_officer"],
        person_id=wmp15["child"].pk,
        kind="cse",
        evidence="intelligence",
        review_on=date.today() + timedelta(days=30),
    )
    c = mfa_client(wmp15["inspector"])
    response = post(
        c, f"/api/v1/people/{wmp15['child'].pk}/episodes", report_body(category="absent")
    )
    assert response.status_code == 400
    data = response.json()
    assert data["field"] == "category" and data["message"].endswith("(R-CLS-03)")
    # For a program: the rules that refused, the deciding one first.
    assert data["rules"] == ["R-CLS-03", "R-HMI-01"] and data["error"] == data["message"]
    assert not Episode.objects.exists()


def test_child_in_care_as_absent_under_west_mercia_is_refused(wmc14, mfa_client):
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
    c = mfa_client(wmc14["call_handler"])
    response = post(
        c,
        f"/api/v1/people/{wmc14['child'].pk}/episodes",
        report_body(category="absent", missing_from="care", establishment=wmc14["home"].pk),
    )
    assert response.status_code == 400 and "R-CLS-08" in response.json()["message"]
    assert not Episode.objects.exists()


@pytest.mark.parametrize(
    "change,status,field",
    [
        ({"reported_at": iso(NOW + timedelta(hours=1))}, 400, "reported_at"),
        ({"last_seen_at": "2026-01-01T10:00:00"}, 422, "last_seen_at"),
        ({"missing_from": "moon"}, 400, "missing_from"),
        ({"circumstances": "x" * 4001}, 400, "circumstances"),
        ({"establishment": 999999}, 400, "establishment"),
        ({"answers": {}}, 400, "answers.out_of_character"),
        ({"category": "lost"}, 400, "category"),
    ],
)
def test_report_errors_name_the_field_and_save_nothing(wmp15, mfa_client, change, status, field):
    c = mfa_client(wmp15["call_handler"])
    body = report_body(category="missing")
    body.update(change)
    response = post(c, f"/api/v1/people/{wmp15['child'].pk}/episodes", body)
    assert response.status_code == status, response.json()
    assert response.json()["field"] == field
    assert not Episode.objects.exists()


def test_missing_two_year_old_is_taken_with_the_questions_unanswered(wmp15, mfa_client):
    """R-RPT-05 / R-CLS-04: the questions never delay a child in evident danger ("a missing
    2yr old child"): a report with no answers is accepted, the child is missing with
    immediate deployment, and the answers are stored as not asked (unknown to the policy,
    a lack of information, R-CLS-02)."""
    from misper.people.services import PersonDetails, person_create

    toddler = person_create(
        actor=wmp15["call_handler"],
        details=PersonDetails(
            given_name="Mia",
            family_name="Oakes",
            date_of_birth=NOW.date() - timedelta(days=2 * 365 + 30),
            home_authority=wmp15["vale"],
        ),
    )
    c = mfa_client(wmp15["call_handler"])
    body = report_body(category="missing", answers={})
    response = post(c, f"/api/v1/people/{toddler.pk}/episodes", body)
    assert response.status_code == 201, response.json()
    data = response.json()
    assert data["category"] == "missing"
    recommendation = data["recommendation"]
    assert recommendation["minimum_response"] == "immediate_deployment"
    assert {"R-RPT-05", "R-CLS-04"} <= {r["rule"] for r in recommendation["reasons"]}
    stored = Episode.objects.get(pk=data["id"]).answers
    assert set(stored) == set(QUESTION_KEYS)
    assert all(a == {"answer": "not_asked", "detail": ""} for a in stored.values())


def test_fourteen_year_old_with_no_answers_is_refused_naming_the_first_question(wmp15, mfa_client):
    """R-RPT-03: without evident danger every question is asked; the refusal names the
    first unanswered one, and 'not_asked' is no way round it."""
    c = mfa_client(wmp15["call_handler"])
    url = f"/api/v1/people/{wmp15['child'].pk}/episodes"
    response = post(c, url, report_body(category="missing", answers={}))
    assert response.status_code == 400, response.json()
    assert response.json()["field"] == "answers.out_of_character"
    assert "R-RPT-03" in response.json()["message"]
    body = report_body(category="missing")
    body["answers"]["harm_or_crime"] = {"answer": "not_asked", "detail": ""}
    response = post(c, url, body)
    assert response.status_code == 400, response.json()
    assert response.json()["field"] == "answers.harm_or_crime"
    assert not Episode.objects.exists()


# --- Decisions ----------------------------------------------------------------------------------


def test_inspector_lowering_high_is_refused_superintendent_may(wmp15, missing, mfa_client):
    ep = episode_grade_risk(
        actor=wmp15["inspector"],
        episode_id=missing.pk,
        version=missing.version,
        risk="medium",
        initial_grading_error=True,
        rationale="misread",
        now=NOW,
    )
    ep = episode_grade_risk(
        actor=wmp15["inspector"], episode_id=ep.pk, version=ep.version, risk="high", rationale="x"
    )
    before = snapshot(ep)
    body = {"version": ep.version, "risk": "medium", "rationale": "r"}
    response = post(mfa_client(wmp15["inspector"]), f"/api/v1/episodes/{ep.pk}/risk", body)
    assert response.status_code == 400
    data = response.json()
    assert data["field"] == "risk" and "superintendent" in data["message"]
    assert "R-AUT-03" in data["message"]
    assert snapshot(ep) == before
    response = post(mfa_client(wmp15["superintendent"]), f"/api/v1/episodes/{ep.pk}/risk", body)
    assert response.status_code == 200 and response.json()["risk"] == "medium"


def test_stale_version_is_409_and_saves_nothing(wmp15, missing, mfa_client):
    c = mfa_client(wmp15["inspector"])
    body = {
        "version": missing.version,
        "risk": "medium",
        "rationale": "r",
        "initial_grading_error": True,
    }
    assert post(c, f"/api/v1/episodes/{missing.pk}/risk", body).status_code == 200
    before = snapshot(missing)
    response = post(c, f"/api/v1/episodes/{missing.pk}/risk", {**body, "risk": "low"})
    assert response.status_code == 409 and response.json()["code"] == "concurrent_edit"
    assert snapshot(missing) == before


def test_restricted_record_needs_the_reason_header(wmp15, missing, mfa_client):
    episode_restrict(
        actor=wmp15["inspector"],
        episode_id=missing.pk,
        version=missing.version,
        reason="forced marriage concern",
    )
    c = mfa_client(wmp15["chief_inspector"])
    response = c.get(f"/api/v1/episodes/{missing.pk}")
    assert response.status_code == 403 and response.json()["code"] == "restricted"
    assert "Jayden" not in response.content.decode()
    response = c.get(f"/api/v1/episodes/{missing.pk}", HTTP_X_MISPER_REASON="DMM review")
    assert response.status_code == 200 and response.json()["restricted"]
    row = AuditEvent.objects.filter(subject_type="episode").latest("id")
    assert (row.action, row.reason) == ("open_restricted", "DMM review")
    assert (
        mfa_client(wmp15["call_handler"]).get(f"/api/v1/episodes/{missing.pk}").status_code == 404
    )


def test_get_is_audited(wmp15, missing, mfa_client):
    response = mfa_client(wmp15["call_handler"]).get(f"/api/v1/episodes/{missing.pk}")
    assert response.status_code == 200
    assert response.json()["answers"]["out_of_character"]["answer"] == "yes"
    row = AuditEvent.objects.get(subject_type="episode", subject_id=str(missing.pk))
    assert row.purpose == "view case"


def test_the_case_from_category_to_closure(wmp15, make_user, mfa_client):
    absent = episode_report(
        actor=wmp15["call_handler"],
        person_id=wmp15["child"].pk,
        report=report(),
        category="absent",
        now=NOW,
    )
    c = mfa_client(wmp15["inspector"])
    base = f"/api/v1/episodes/{absent.pk}"
    response = post(
        c,
        f"{base}/category",
        {
            "version": absent.version,
            "category": "absent",
            "rationale": "At a friend's",
            "review_period_hours": 4,
            "callback_at": iso(NOW + timedelta(hours=2)),
        },
    )
    assert response.status_code == 200, response.json()
    kinds = {d["kind"] for d in response.json()["deadlines"]}
    assert {"absent_review", "callback"} <= kinds
    response = post(
        c, f"{base}/entries", {"kind": "media_decision", "text": "Appeal", "publicity": True}
    )
    assert response.status_code == 400 and response.json()["field"] == "family_consulted"
    response = post(
        c,
        f"{base}/entries",
        {
            "kind": "media_decision",
            "text": "Appeal",
            "publicity": True,
            "family_consulted": True,
            "consent": "given",
        },
    )
    assert response.status_code == 201 and response.json()["within_tour"]
    response = post(c, f"{base}/entries", {"kind": "sorcery", "text": "x"})
    assert response.status_code == 400 and response.json()["field"] == "kind"
    response = post(
        c,
        f"{base}/transfers",
        {
            "to_area": wmp15["other_area"].pk,
            "reason": "Enquiries in South",
            "bulk_of_enquiries": True,
        },
    )
    assert response.status_code == 201
    transfer_id = response.json()["id"]
    south = mfa_client(make_user("inspector", organisation=wmp15["other_area"]))
    response = post(
        south, f"/api/v1/transfers/{transfer_id}/decision", {"accept": False, "reason": "busy"}
    )
    assert response.status_code == 400 and "R-OWN-04" in response.json()["message"]
    response = post(south, f"/api/v1/transfers/{transfer_id}/decision", {"accept": True})
    assert response.status_code == 200 and response.json()["accepted"] is True
    ep = south.get(base).json()
    assert ep["owning_area"]["name"] == "South"
    found = {
        "version": ep["version"],
        "found_at": iso(NOW - timedelta(hours=5)),
        "found_where": "Home",
        "found_by": "Mother",
        "condition": "Well",
        "safe_and_well": "done",
    }
    response = post(south, f"{base}/found", found)
    assert response.status_code == 400 and response.json()["field"] == "found_at"
    response = post(south, f"{base}/found", {**found, "found_at": iso(NOW)})
    assert response.status_code == 200 and response.json()["status"] == "found"
    response = post(south, f"{base}/close", {"version": response.json()["version"]})
    assert response.status_code == 200
    assert response.json()["closure_code"] == "Missing – Unauthorised absence"


def test_disagreement_and_the_force_incident_manager(wmp15, missing, mfa_client):
    c = mfa_client(wmp15["inspector"])
    response = post(
        c,
        f"/api/v1/episodes/{missing.pk}/disagreement",
        {"version": missing.version, "detail": "mother insists"},
    )
    assert response.status_code == 200 and response.json()["disagreement_open"]
    version = response.json()["version"]
    body = {"version": version, "category": "missing", "rationale": "threats"}
    response = post(c, f"/api/v1/episodes/{missing.pk}/disagreement/resolve", body)
    assert response.status_code == 400 and response.json()["field"] == "category"
    response = post(
        mfa_client(wmp15["chief_inspector"]),
        f"/api/v1/episodes/{missing.pk}/disagreement/resolve",
        body,
    )
    assert response.status_code == 200 and not response.json()["disagreement_open"]


# --- Lists ----------------------------------------------------------------------------------------


def test_supervision_and_daily_management(wmp15, missing, mfa_client):
    absent = episode_report(
        actor=wmp15["call_handler"],
        person_id=wmp15["child"].pk,
        report=report(),
        category="absent",
        now=NOW,
    )
    c = mfa_client(wmp15["inspector"])
    rows = c.get("/api/v1/episodes/supervision").json()
    assert absent.pk in [r["episode"]["id"] for r in rows]
    rows = c.get(f"/api/v1/areas/{wmp15['area'].pk}/dmm").json()
    assert [r["episode"]["id"] for r in rows][:2] == [missing.pk, absent.pk]
    assert mfa_client(wmp15["call_handler"]).get("/api/v1/episodes/supervision").status_code == 404
    assert c.get("/api/v1/areas/999999/dmm").status_code == 404
    assert c.get(f"/api/v1/areas/{wmp15['vale'].pk}/dmm").status_code == 404


# --- Every input bounded (issue 8, findings 6 and 7) ------------------------------------------


@pytest.mark.parametrize("path", ["recommendation", "episodes"])
@pytest.mark.parametrize("last_seen_at", ["0999-01-01T00:00:00+00:00", "0001-01-01T00:00:00+00:00"])
def test_last_seen_in_year_999_is_400_naming_last_seen_at_and_saves_nothing(
    wmp15, mfa_client, path, last_seen_at
):
    """Finding 6: it reached the policy engine as "999-01-01T00:00:00Z" and was a 500."""
    c = mfa_client(wmp15["call_handler"])
    response = post(
        c,
        f"/api/v1/people/{wmp15['child'].pk}/{path}",
        report_body(category="missing", last_seen_at=last_seen_at),
    )
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["field"] == "last_seen_at"
    assert body["message"] == "Last seen must be within the 12 months before the report"
    assert not Episode.objects.exists()
    assert not TimelineEvent.objects.filter(subject_type="episode").exists()


def test_media_decision_consent_outside_its_choices_is_400_naming_consent(
    wmp15, missing, mfa_client
):
    """Finding 7: consent "zz" was accepted on a media decision."""
    c = mfa_client(wmp15["inspector"])
    before = snapshot(missing)
    for extra in ({}, {"publicity": True, "family_consulted": True}):
        response = post(
            c,
            f"/api/v1/episodes/{missing.pk}/entries",
            {"kind": "media_decision", "text": "Appeal", "consent": "zz", **extra},
        )
        assert response.status_code == 400, response.content
        assert response.json()["field"] == "consent"
    assert snapshot(missing) == before


def test_a_nul_byte_and_an_override_in_an_entry_are_stripped_and_its_lines_kept(
    wmp15, missing, mfa_client
):
    c = mfa_client(wmp15["investigating_officer"])
    response = post(
        c,
        f"/api/v1/episodes/{missing.pk}/entries",
        {"kind": "note", "text": "Spoke\x00 to \u202emother.\r\nShe has not heard from him."},
    )
    assert response.status_code == 201, response.content
    assert response.json()["text"] == "Spoke to mother.\nShe has not heard from him."

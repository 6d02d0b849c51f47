"""The carer's own report through the API (R-PPA-03, R-CLS-10/11): a carer reports a child
placed with them missing (the force's police see it waiting on their list and take it as a
report) or records an unauthorised absence, which the policy refuses with R-CLS-11 when the
pre-placement assessment says "missing and never absent" (field 20); the carer records the
return. Refusals: 401 anonymous, 403 for anyone but a carer, 404 for a report or a child
the user may not see, 400 naming the field, 409 while a report is open."""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.test import Client
from django.utils import timezone

from misper.care.services import assessment_save
from misper.episodes.codes import QUESTION_KEYS, SEARCHES
from misper.episodes.models import CarerReport, Episode
from misper.people.services import PersonDetails, person_create, placement_record
from tests.care.factories import assessment_values, carer_values

pytestmark = pytest.mark.django_db


def client_for(user: Any) -> Client:
    client = Client()
    if user is None:
        return client
    if not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
        TOTP.activate(user, generate_totp_secret())
    client.force_login(user)
    return client


class Api:
    def __init__(self) -> None:
        self.clients: dict[Any, Client] = {}

    def _client(self, user: Any) -> Client:
        key = user.pk if user is not None else None
        if key not in self.clients:
            self.clients[key] = client_for(user)
        return self.clients[key]

    def get(self, user: Any, url: str) -> Any:
        return self._client(user).get(f"/api/v1{url}")

    def post(self, user: Any, url: str, body: dict[str, Any] | None = None) -> Any:
        return self._client(user).post(
            f"/api/v1{url}", json.dumps(body or {}), content_type="application/json"
        )


@pytest.fixture
def api() -> Api:
    return Api()


@pytest.fixture
def w(make_org, make_user) -> dict[str, Any]:
    """A force under West Mercia's 2014 protocol (it has unauthorised absence, R-CLS-10),
    Vale's children's home in its North area, another force, and a child placed there."""
    force = make_org("police_force", name="Force", code="force", policy_profile="west-mercia-2014")
    vale = make_org("local_authority", name="Vale", code="vale")
    area = make_org("policing_area", name="North", code="north", parent=force, local_authority=vale)
    other_force = make_org(
        "police_force", name="Other Force", code="other", policy_profile="west-mercia-2014"
    )
    other_area = make_org("policing_area", name="Elsewhere", code="elsewhere", parent=other_force)
    home = make_org("childrens_home", name="Birch Lodge", code="birch", local_authority=vale)
    other_home = make_org("childrens_home", name="Elm House", code="elm", local_authority=vale)
    users = {
        "carer": make_user("carer", organisation=home),
        "other_carer": make_user("carer", organisation=other_home),
        "officer": make_user("investigating_officer", organisation=area),
        "call_handler": make_user("call_handler", organisation=area),
        "other_officer": make_user("inspector", organisation=other_area),
        "sw": make_user("social_worker", organisation=vale),
    }
    child = person_create(
        actor=users["officer"],
        details=PersonDetails(
            given_name="Keira",
            family_name="Lomax",
            date_of_birth=date(2011, 6, 14),
            home_authority=vale,
        ),
    )
    placement_record(
        actor=users["sw"],
        person_id=child.pk,
        placement_type="children_home",
        address="1 Birch Lane",
        provider=home,
        placing_authority=vale,
        host_authority=vale,
        started_on=date.today() - timedelta(days=30),
    )
    return {"force": force, "area": area, "vale": vale, "home": home, "child": child, **users}


def carer_body(**over: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "kind": "missing",
        "last_seen_at": (timezone.now() - timedelta(hours=1)).isoformat(),
        "values": carer_values(),
        "completed_by": "Sam Carer",
        "designation": "Residential worker",
        "mobile_checked": True,
    }
    body.update(over)
    return body


def assess(w: dict[str, Any], **over: Any) -> None:
    assessment_save(
        actor=w["sw"],
        person_id=w["child"].pk,
        values=assessment_values(**over),
        completed_with="Birch Lodge manager",
        based_on=None,
    )


def test_a_missing_report_goes_to_the_police_who_take_it(api, w):
    child = w["child"].pk
    made = api.post(w["carer"], f"/people/{child}/carer-reports", carer_body())
    assert made.status_code == 201, made.json()
    report = made.json()
    assert report["status"] == "with_police" and report["kind"] == "missing"
    assert report["force"]["name"] == "Force" and report["area"]["name"] == "North"
    assert report["reported_to_police_at"] is not None and report["police_due"] is None
    answers = {a["question"]: a for a in report["police_answers"]}
    assert set(answers) == set(QUESTION_KEYS)
    assert answers["out_of_character"]["answer"] == "no"
    assert answers["whereabouts_known"]["answer"] == "yes"
    assert "friend's house" in answers["whereabouts_known"]["detail"]
    assert any(line["number"] == "E8" for line in report["lines"])

    # The force's police see it waiting on their list; another force's do not.
    listed = api.get(w["call_handler"], "/carer-reports").json()
    assert [r["id"] for r in listed] == [report["id"]]
    assert api.get(w["other_officer"], "/carer-reports").json() == []
    assert [r["id"] for r in api.get(w["carer"], "/carer-reports").json()] == [report["id"]]
    assert api.get(w["other_carer"], "/carer-reports").json() == []
    opened = api.get(w["officer"], f"/carer-reports/{report['id']}")
    assert opened.status_code == 200 and opened.json()["police_answers"] == report["police_answers"]
    for user in ("other_officer", "other_carer"):
        hidden = api.get(w[user], f"/carer-reports/{report['id']}")
        assert hidden.status_code == 404 and hidden.json()["message"] == "No such report"
    assert api.get(w["officer"], "/carer-reports/987654").json() == hidden.json()

    # The police take it as a report: it is attached to the episode.
    body = {
        "reported_by": "care_staff",
        "informant_name": "Sam Carer",
        "missing_from": "care",
        "location_address": "1 Birch Lane",
        "establishment": w["home"].pk,
        "last_seen_at": report["last_seen_at"],
        "last_seen_place": "Birch Lodge",
        "circumstances": "Left after tea.",
        "answers": {k: {"answer": "no", "detail": "carer says no"} for k in QUESTION_KEYS},
        "searches": {k: {"state": "done", "detail": ""} for k, _ in SEARCHES},
        "category": "missing",
        "risk": "medium",
        "rationale": "carer's report",
        "carer_report_id": report["id"],
    }
    taken = api.post(w["officer"], f"/people/{child}/episodes", body)
    assert taken.status_code == 201, taken.json()
    episode = taken.json()["id"]
    now = api.get(w["carer"], f"/carer-reports/{report['id']}").json()
    assert now["status"] == "taken" and now["episode_id"] == episode
    assert api.get(w["call_handler"], "/carer-reports").json() == []
    again = api.post(w["officer"], f"/people/{child}/episodes", body)
    assert again.status_code == 409 and again.json()["field"] == "carer_report_id"
    assert Episode.objects.count() == 1


def test_field_20_never_absent_refuses_an_unauthorised_absence(api, w):
    assess(w, never_absent="yes", missing_category_reasons="Groomed by older men")
    refused = api.post(
        w["carer"],
        f"/people/{w['child'].pk}/carer-reports",
        carer_body(kind="unauthorised_absence"),
    )
    assert refused.status_code == 400, refused.json()
    assert "R-CLS-11" in refused.json()["rules"]
    assert refused.json()["field"] == "kind"
    assert not CarerReport.objects.exists()


def test_an_unauthorised_absence_is_held_then_returned(api, w):
    assess(w, likelihood="low", risk_if_missing="low", risk_if_missing_reasons="")
    child = w["child"].pk
    made = api.post(
        w["carer"], f"/people/{child}/carer-reports", carer_body(kind="unauthorised_absence")
    )
    assert made.status_code == 201, made.json()
    report = made.json()
    assert report["status"] == "held" and report["police_due"] is not None
    assert "R-CLS-10" in report["rules"]  # the policy's answer, kept with the report
    # Held by the carer: not on the police's list yet.
    assert api.get(w["officer"], "/carer-reports").json() == []
    open_again = api.post(w["carer"], f"/people/{child}/carer-reports", carer_body())
    assert open_again.status_code == 409

    early = api.post(
        w["carer"],
        f"/carer-reports/{report['id']}/return",
        {"returned_at": (timezone.now() - timedelta(days=1)).isoformat()},
    )
    assert early.status_code == 400 and early.json()["field"] == "returned_at"
    for user in ("officer", "sw"):
        refused = api.post(
            w[user],
            f"/carer-reports/{report['id']}/return",
            {"returned_at": timezone.now().isoformat()},
        )
        assert refused.status_code == 403, user
    hidden = api.post(
        w["other_carer"],
        f"/carer-reports/{report['id']}/return",
        {"returned_at": timezone.now().isoformat()},
    )
    assert hidden.status_code == 404
    back = api.post(
        w["carer"],
        f"/carer-reports/{report['id']}/return",
        {"returned_at": timezone.now().isoformat(), "details": "Came back by bus"},
    )
    assert back.status_code == 200, back.json()
    assert back.json()["status"] == "returned"
    assert back.json()["return_details"] == "Came back by bus"
    assert back.json()["police_due"] is None


def test_who_may_report_and_bad_input(api, w):
    child = w["child"].pk
    for user in ("officer", "sw"):
        refused = api.post(w[user], f"/people/{child}/carer-reports", carer_body())
        assert refused.status_code == 403 and refused.json()["code"] == "permission_denied"
    assert api.post(None, f"/people/{child}/carer-reports", carer_body()).status_code == 401
    hidden = api.post(w["other_carer"], f"/people/{child}/carer-reports", carer_body())
    assert hidden.status_code == 404 and hidden.json()["message"] == "No such child"
    kind = api.post(w["carer"], f"/people/{child}/carer-reports", carer_body(kind="gone"))
    assert kind.status_code == 400 and kind.json()["field"] == "kind"
    values = carer_values(with_anyone={"answer": "yes", "detail": ""})
    bad = api.post(w["carer"], f"/people/{child}/carer-reports", carer_body(values=values))
    assert bad.status_code == 400 and bad.json()["field"] == "values.with_anyone"
    future = (timezone.now() + timedelta(days=1)).isoformat()
    late = api.post(w["carer"], f"/people/{child}/carer-reports", carer_body(last_seen_at=future))
    assert late.status_code == 400 and late.json()["field"] == "last_seen_at"
    naive = api.post(
        w["carer"], f"/people/{child}/carer-reports", carer_body(last_seen_at="2025-01-01T10:00")
    )
    assert naive.status_code == 422 and naive.json()["field"] == "last_seen_at"
    blank = api.post(w["carer"], f"/people/{child}/carer-reports", carer_body(completed_by=""))
    assert blank.status_code == 400 and blank.json()["field"] == "completed_by"
    assert not CarerReport.objects.exists()


def test_a_carer_is_sent_to_the_carer_report_by_the_police_report(api, w):
    child = w["child"].pk
    refused = api.post(w["carer"], f"/people/{child}/episodes", {"category": "missing"})
    # The body is incomplete: the schema answers first. With a whole body, the role does.
    assert refused.status_code == 422
    body = {
        "reported_by": "care_staff",
        "informant_name": "Sam Carer",
        "missing_from": "care",
        "location_address": "1 Birch Lane",
        "last_seen_at": timezone.now().isoformat(),
        "last_seen_place": "Birch Lodge",
        "circumstances": "Left after tea.",
        "answers": {},
        "category": "missing",
    }
    refused = api.post(w["carer"], f"/people/{child}/episodes", body)
    assert refused.status_code == 403
    assert f"POST /api/v1/people/{child}/carer-reports" in refused.json()["message"]
    other = api.post(w["sw"], f"/people/{child}/episodes", body)
    assert other.status_code == 403 and "carer-reports" not in other.json()["message"]


def test_the_per_episode_form(api, w):
    child = w["child"].pk
    response = api.get(w["carer"], f"/people/{child}/carer-reports/form")
    assert response.status_code == 200
    fields = {f["key"]: f for f in response.json()}
    assert fields["with_anyone"]["number"] == "E9" and fields["with_anyone"]["kind"] == "answer"
    assert fields["with_anyone"]["question"] == "companions_known"
    assert [c["code"] for c in fields["with_anyone"]["choices"]] == ["yes", "no", "unknown"]
    assert fields["wearing"]["kind"] == "text" and fields["wearing"]["choices"] == []
    assert api.get(w["officer"], f"/people/{child}/carer-reports/form").status_code == 403
    hidden = api.get(w["other_carer"], f"/people/{child}/carer-reports/form")
    assert hidden.status_code == 404

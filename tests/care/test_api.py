"""Children's services through the API (issue 10): the pre-placement assessment (versions,
one version in words, the diff, the form, saving with a stale ``based_on`` refused),
allocations, caseloads and the team view, flags placed directly or asked of the police
(R-FLG-01), the directory of organisations, and a placement whose host authority and force
come from its postcode. Each with its refusals: 401 anonymous, 404 for a child the user may
not see (nothing written), 403 for the wrong role, 400 naming the field, 409 stale."""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.test import Client
from django.utils import timezone

from misper.care import form
from misper.care.models import AssessmentVersion
from misper.core.models import AuditEvent, TimelineEvent
from misper.notifications.services import arrangement_save
from misper.people.models import AllocatedWorker, Flag, FlagRequest
from misper.people.services import PersonDetails, person_create, placement_record
from tests.care.factories import assessment_values

pytestmark = pytest.mark.django_db
FUTURE = (date.today() + timedelta(days=60)).isoformat()


def client_for(user: Any) -> Client:
    client = Client()
    if not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
        TOTP.activate(user, generate_totp_secret())
    client.force_login(user)
    return client


class Api:
    """One signed-in client per user: ``api.get(user, url)``, ``api.post(user, url, body)``."""

    def __init__(self) -> None:
        self.clients: dict[int, Client] = {}

    def _client(self, user: Any) -> Client:
        if user is None:
            return Client()
        if user.pk not in self.clients:
            self.clients[user.pk] = client_for(user)
        return self.clients[user.pk]

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
    """Worcestershire (ONS E10000034) policed by West Mercia (E23000016), a children's home
    in Worcester, Harbour (another authority), and one user for each part."""
    force = make_org(
        "police_force",
        name="West Mercia Police",
        code="wmc",
        policy_profile="west-mercia-2014",
        ons_code="E23000016",
    )
    worcs = make_org(
        "local_authority", name="Worcestershire County Council", code="worcs", ons_code="E10000034"
    )
    area = make_org(
        "policing_area", name="Worcester", code="worcester", parent=force, local_authority=worcs
    )
    harbour = make_org("local_authority", name="Harbour Council", code="harbour")
    home = make_org("childrens_home", name="Birch Lodge", code="birch", local_authority=worcs)
    users = {
        "sw": make_user("social_worker", organisation=worcs),
        "sw2": make_user("social_worker", organisation=worcs),
        "iro": make_user("independent_reviewing_officer", organisation=worcs),
        "tm": make_user("team_manager", organisation=worcs),
        "other_sw": make_user("social_worker", organisation=harbour),
        "other_tm": make_user("team_manager", organisation=harbour),
        "carer": make_user("carer", organisation=home),
        "officer": make_user("investigating_officer", organisation=area),
        "coordinator": make_user("missing_person_coordinator", organisation=force),
        "admin": make_user("system_administrator", organisation=force),
    }
    child = person_create(
        actor=users["officer"],
        details=PersonDetails(
            given_name="Keira",
            family_name="Lomax",
            date_of_birth=date(2011, 6, 14),
            home_authority=worcs,
        ),
    )
    placement = placement_record(
        actor=users["sw"],
        person_id=child.pk,
        placement_type="children_home",
        address="1 Birch Lane, Worcester",
        postcode="WR1 2HQ",
        provider=home,
        placing_authority=worcs,
        started_on=date.today() - timedelta(days=3),
    )
    return {
        "force": force,
        "worcs": worcs,
        "area": area,
        "harbour": harbour,
        "home": home,
        "child": child,
        "placement": placement,
        **users,
    }


def save_body(**over: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "values": assessment_values(),
        "completed_with": "Birch Lodge manager",
        "change_note": "",
        "based_on": None,
    }
    body.update(over)
    return body


# --- The assessment ------------------------------------------------------------------------


def test_anonymous_gets_401_everywhere(api, w):
    child = w["child"].pk
    for url in (
        f"/people/{child}/assessment",
        f"/people/{child}/assessment/form",
        f"/people/{child}/allocations",
        f"/people/{child}/flag-requests",
        "/caseload",
        "/team",
        "/organisations/directory",
    ):
        response = api.get(None, url)
        assert response.status_code == 401, url
        assert response.json()["code"] == "not_authenticated"
    assert api.post(None, f"/people/{child}/assessment", save_body()).status_code == 401
    assert not AssessmentVersion.objects.exists()


def test_assessment_saved_read_and_compared(api, w):
    child = w["child"].pk
    assert api.get(w["sw"], f"/people/{child}/assessment").json() == []

    first = api.post(w["sw"], f"/people/{child}/assessment", save_body())
    assert first.status_code == 201, first.json()
    data = first.json()
    assert data["number"] == 1 and data["placement_id"] == w["placement"].pk
    assert data["created_by"] == w["sw"].full_name
    assert data["organisation"]["name"] == "Worcestershire County Council"
    assert data["values"]["name"] == "Keira Lomax"  # filled in from the record
    assert "West Mercia Police" in data["sent_to"]
    never = next(x for x in data["lines"] if x["key"] == "never_absent")
    assert never["number"] == "20" and never["value"] == "No" and never["rule"] == "R-CLS-11"

    second = api.post(
        w["sw"],
        f"/people/{child}/assessment",
        save_body(
            values=assessment_values(cse_risk="high", cse_risk_reasons="Seen with older men"),
            based_on=1,
            change_note="Went missing overnight; seen with older men",
        ),
    )
    assert second.status_code == 201, second.json()
    assert second.json()["number"] == 2

    versions = api.get(w["officer"], f"/people/{child}/assessment").json()
    assert [v["number"] for v in versions] == [2, 1]
    assert versions[0]["change_note"].startswith("Went missing")

    one = api.get(w["carer"], f"/people/{child}/assessment/1")
    assert one.status_code == 200
    assert one.json()["values"]["cse_risk"] == "low"
    assert len(one.json()["lines"]) == len(form.FIELDS)

    diff = api.get(w["sw"], f"/people/{child}/assessment/2/diff").json()
    assert [c["number"] for c in diff] == ["27"]
    assert diff[0]["before"] == "LOW" and diff[0]["after"] == "HIGH (Seen with older men)"
    everything = api.get(w["sw"], f"/people/{child}/assessment/1/diff?from=0").json()
    assert len(everything) > 20

    bad_from = api.get(w["sw"], f"/people/{child}/assessment/2/diff?from=7")
    assert bad_from.status_code == 400 and bad_from.json()["field"] == "from"
    assert api.get(w["sw"], f"/people/{child}/assessment/9").status_code == 404
    assert api.get(w["sw"], f"/people/{child}/assessment/9/diff").status_code == 404


def test_a_stale_based_on_is_409_and_nothing_is_saved(api, w):
    child = w["child"].pk
    assert api.post(w["sw"], f"/people/{child}/assessment", save_body()).status_code == 201
    stale = api.post(
        w["sw2"], f"/people/{child}/assessment", save_body(based_on=None, change_note="x")
    )
    assert stale.status_code == 409
    assert stale.json()["code"] == "concurrent_edit" and stale.json()["field"] == "based_on"
    assert AssessmentVersion.objects.filter(person=w["child"]).count() == 1


def test_bad_values_are_400_naming_the_field(api, w):
    child = w["child"].pk
    bad = api.post(
        w["sw"],
        f"/people/{child}/assessment",
        save_body(values=assessment_values(vulnerability="extreme")),
    )
    assert bad.status_code == 400 and bad.json()["field"] == "values.vulnerability"
    unknown = api.post(
        w["sw"], f"/people/{child}/assessment", save_body(values=assessment_values(shoe_size=5))
    )
    assert unknown.status_code == 400 and unknown.json()["field"] == "values.shoe_size"
    needs = api.post(
        w["sw"],
        f"/people/{child}/assessment",
        save_body(values=assessment_values(never_absent="yes")),
    )
    assert needs.status_code == 400
    assert needs.json()["field"] == "values.missing_category_reasons"
    blank = api.post(w["sw"], f"/people/{child}/assessment", save_body(completed_with=""))
    assert blank.status_code == 400 and blank.json()["field"] == "completed_with"
    assert not AssessmentVersion.objects.exists()


def test_who_may_read_and_save_the_assessment(api, w):
    child = w["child"].pk
    before = TimelineEvent.objects.count()
    for user in ("other_sw",):
        for url in (
            f"/people/{child}/assessment",
            f"/people/{child}/assessment/1",
            f"/people/{child}/assessment/form",
        ):
            response = api.get(w[user], url)
            assert response.status_code == 404 and response.json()["message"] == "No such child"
        response = api.post(w[user], f"/people/{child}/assessment", save_body())
        assert response.status_code == 404 and "Keira" not in response.content.decode()
    for user in ("officer", "carer"):
        response = api.post(w[user], f"/people/{child}/assessment", save_body())
        assert response.status_code == 403, user
        assert response.json()["code"] == "permission_denied"
        assert api.get(w[user], f"/people/{child}/assessment").status_code == 200
        assert api.get(w[user], f"/people/{child}/assessment/form").status_code == 403
    assert not AssessmentVersion.objects.exists()
    assert TimelineEvent.objects.count() == before


def test_the_form_says_how_to_fill_it_in(api, w):
    response = api.get(w["sw"], f"/people/{w['child'].pk}/assessment/form")
    assert response.status_code == 200
    fields = {f["key"]: f for f in response.json()}
    assert list(fields) == [f.key for f in form.FIELDS]
    never = fields["never_absent"]
    assert never["number"] == "20" and never["required"] and never["kind"] == "yes_no"
    assert [c["code"] for c in never["choices"]] == ["yes", "no"]
    assert never["detail_key"] == "missing_category_reasons" and never["detail_when"] == ["yes"]
    assert fields["name"]["kind"] == "from_record"
    individuals = fields["individuals"]
    assert individuals["max_rows"] == 4
    assert [c["key"] for c in individuals["columns"]] == ["name", "adult_or_child"]
    assert "child" in [c["code"] for c in individuals["columns"][1]["choices"]]


# --- Allocations, caseloads, the team ------------------------------------------------------


def test_allocation_caseload_and_team(api, w):
    child = w["child"].pk
    made = api.post(
        w["tm"], f"/people/{child}/allocations", {"role": "social_worker", "user_id": w["sw"].pk}
    )
    assert made.status_code == 201, made.json()
    allocation = made.json()
    assert allocation["worker"]["id"] == w["sw"].pk and allocation["current"]
    assert allocation["allocated_by"] == w["tm"].full_name
    api.post(
        w["tm"],
        f"/people/{child}/allocations",
        {"role": "independent_reviewing_officer", "user_id": w["iro"].pk},
    )
    listed = api.get(w["officer"], f"/people/{child}/allocations").json()
    assert {a["role"] for a in listed} == {"social_worker", "independent_reviewing_officer"}

    mine = api.get(w["sw"], "/caseload")
    assert mine.status_code == 200
    rows = mine.json()
    assert [r["person"]["id"] for r in rows] == [child]
    assert rows[0]["roles"] == ["Social worker"]
    assert rows[0]["assessment_due"] is not None and "Pre-placement assessment" in " ".join(
        rows[0]["work"]
    )
    assert api.get(w["iro"], "/caseload").json()[0]["roles"] == ["IRO"]
    assert api.get(w["sw2"], "/caseload").json() == []

    team = api.get(w["tm"], "/team")
    assert team.status_code == 200
    loads = {x["worker"]["id"]: x for x in team.json()["workers"]}
    assert loads[w["sw"].pk]["children"] == 1 and loads[w["sw2"].pk]["children"] == 0
    assert team.json()["unallocated"] == []

    theirs = api.get(w["tm"], f"/team/{w['sw'].pk}/caseload")
    assert theirs.status_code == 200 and theirs.json()[0]["person"]["id"] == child
    assert api.get(w["sw"], f"/team/{w['sw'].pk}/caseload").status_code == 200


def test_caseload_refusals(api, w):
    for user in ("officer", "carer"):
        assert api.get(w[user], "/caseload").status_code == 403, user
        assert api.get(w[user], "/team").status_code == 403, user
        assert api.get(w[user], f"/team/{w['sw'].pk}/caseload").status_code == 403, user
        assert api.get(w[user], "/team/987654/caseload").status_code == 403, user
    assert api.get(w["sw"], "/team").status_code == 403
    # Another worker's caseload is not yours to see, nor another authority's.
    for user, worker in (("sw2", "sw"), ("other_tm", "sw")):
        response = api.get(w[user], f"/team/{w[worker].pk}/caseload")
        assert response.status_code == 404 and response.json()["message"] == "No such worker"
    missing = api.get(w["sw"], "/team/987654/caseload")
    assert missing.status_code == 404 and missing.json()["message"] == "No such worker"


def test_allocation_refusals(api, w):
    child = w["child"].pk
    body = {"role": "social_worker", "user_id": w["sw"].pk}
    assert api.post(w["sw"], f"/people/{child}/allocations", body).status_code == 403
    hidden = api.post(w["other_tm"], f"/people/{child}/allocations", body)
    assert hidden.status_code == 404 and hidden.json()["message"] == "No such child"
    assert api.get(w["other_sw"], f"/people/{child}/allocations").status_code == 404
    wrong = api.post(
        w["tm"], f"/people/{child}/allocations", {"role": "social_worker", "user_id": w["iro"].pk}
    )
    assert wrong.status_code == 400 and wrong.json()["field"] == "user_id"
    role = api.post(
        w["tm"], f"/people/{child}/allocations", {"role": "carer", "user_id": w["sw"].pk}
    )
    assert role.status_code == 422 and role.json()["field"] == "role"
    assert not AllocatedWorker.objects.exists()

    allocation = api.post(w["tm"], f"/people/{child}/allocations", body).json()["id"]
    no_reason = api.post(w["tm"], f"/allocations/{allocation}/end", {"reason": ""})
    assert no_reason.status_code == 400 and no_reason.json()["field"] == "reason"
    for user in ("other_tm", "other_sw"):
        denied = api.post(w[user], f"/allocations/{allocation}/end", {"reason": "moved"})
        assert denied.status_code == 404
        assert denied.json()["message"] == "No such allocation"
    missing = api.post(w["tm"], "/allocations/987654/end", {"reason": "moved"})
    assert missing.json() == denied.json()
    assert api.post(w["sw"], f"/allocations/{allocation}/end", {"reason": "x"}).status_code == 403
    ended = api.post(w["tm"], f"/allocations/{allocation}/end", {"reason": "Moved team"})
    assert ended.status_code == 200
    assert ended.json()["ended_on"] == timezone.localdate().isoformat()
    assert not ended.json()["current"]
    again = api.post(w["tm"], f"/allocations/{allocation}/end", {"reason": "Moved team"})
    assert again.status_code == 409
    assert api.get(w["sw"], "/caseload").json() == []


# --- Flags (R-FLG-01) ----------------------------------------------------------------------


def flag_body(**over: Any) -> dict[str, Any]:
    return {"kind": "cse", "evidence": "Seen in cars with older men", "review_on": FUTURE, **over}


def test_without_a_direct_arrangement_children_s_services_ask_the_police(api, w):
    child = w["child"].pk
    refused = api.post(w["sw"], f"/people/{child}/flags", flag_body())
    assert refused.status_code == 403
    assert f"POST /api/v1/people/{child}/flag-requests" in refused.json()["message"]
    assert not Flag.objects.exists()

    asked = api.post(w["sw"], f"/people/{child}/flag-requests", flag_body())
    assert asked.status_code == 201, asked.json()
    made = asked.json()
    assert made["force"]["name"] == "West Mercia Police" and made["status"] == "pending"
    assert made["requested_by_org"]["name"] == "Worcestershire County Council"
    assert not Flag.objects.exists()

    for user in ("sw", "coordinator", "officer"):
        listed = api.get(w[user], f"/people/{child}/flag-requests")
        assert [r["id"] for r in listed.json()] == [made["id"]], user
    assert api.get(w["carer"], f"/people/{child}/flag-requests").json() == []
    assert api.get(w["other_sw"], f"/people/{child}/flag-requests").status_code == 404
    # The force's coordinators have it on their list and decide it as before.
    queue = api.get(w["coordinator"], "/flag-requests").json()
    assert [r["id"] for r in queue] == [made["id"]]


def test_flag_request_refusals(api, w):
    child = w["child"].pk
    police = api.post(w["officer"], f"/people/{child}/flag-requests", flag_body())
    assert police.status_code == 403 and "police place flags" in police.json()["message"]
    assert api.post(w["carer"], f"/people/{child}/flag-requests", flag_body()).status_code == 403
    hidden = api.post(w["other_sw"], f"/people/{child}/flag-requests", flag_body())
    assert hidden.status_code == 404
    past = api.post(
        w["sw"], f"/people/{child}/flag-requests", flag_body(review_on=date.today().isoformat())
    )
    assert past.status_code == 400 and past.json()["field"] == "review_on"
    arrangement_save(
        actor=w["admin"], from_org=w["worcs"], to_org=w["force"], channels=[], flag_placement="none"
    )
    none = api.post(w["sw"], f"/people/{child}/flag-requests", flag_body())
    assert none.status_code == 400 and none.json()["field"] == "kind"
    assert "has no arrangement with West Mercia Police" in none.json()["message"]
    assert not FlagRequest.objects.exists()


def test_a_direct_arrangement_places_the_flag(api, w):
    arrangement_save(
        actor=w["admin"],
        from_org=w["worcs"],
        to_org=w["force"],
        channels=[],
        flag_placement="direct",
    )
    placed = api.post(w["sw"], f"/people/{w['child'].pk}/flags", flag_body())
    assert placed.status_code == 201
    assert placed.json()["raised_by_org"]["name"] == "Worcestershire County Council"


# --- Organisations and placements ----------------------------------------------------------


def test_the_directory_of_organisations(api, w):
    authorities = api.get(w["sw"], "/organisations/directory?kind=local_authority")
    assert authorities.status_code == 200
    by_name = {o["name"]: o for o in authorities.json()}
    worcs = by_name["Worcestershire County Council"]
    assert worcs["ons_code"] == "E10000034" and worcs["kind_label"].startswith("Local authority")
    assert {o["kind"] for o in authorities.json()} == {"local_authority"}
    homes = api.get(w["carer"], "/organisations/directory?q=birch").json()
    assert [(o["name"], o["local_authority_id"]) for o in homes] == [("Birch Lodge", w["worcs"].pk)]
    area = api.get(w["sw"], "/organisations/directory?kind=policing_area").json()
    assert area[0]["parent_id"] == w["force"].pk
    bad = api.get(w["sw"], "/organisations/directory?kind=bakery")
    assert bad.status_code == 400 and bad.json()["field"] == "kind"


def test_a_placement_s_host_comes_from_its_postcode(api, w):
    child = w["child"].pk
    body = {
        "placement_type": "foster_care",
        "address": "2 Oak Street, Worcester",
        "postcode": "wr1 2hq",
        "placing_authority": w["worcs"].pk,
        "started_on": date.today().isoformat(),
    }
    made = api.post(w["sw"], f"/people/{child}/placements", body)
    assert made.status_code == 201, made.json()
    data = made.json()
    assert data["postcode"] == "WR1 2HQ" and data["district"] == "E07000237"
    assert data["host_authority"]["id"] == w["worcs"].pk
    assert data["host_force"] == {"id": w["force"].pk, "name": "West Mercia Police"}
    assert data["out_of_area"] is False
    record = api.get(w["officer"], f"/people/{child}").json()
    assert record["placements"][0]["host_force"]["name"] == "West Mercia Police"

    wrong = api.post(
        w["sw"], f"/people/{child}/placements", {**body, "host_authority": w["harbour"].pk}
    )
    assert wrong.status_code == 400 and wrong.json()["field"] == "host_authority"
    assert "Worcestershire County Council" in wrong.json()["message"]
    no_host = api.post(w["sw"], f"/people/{child}/placements", {**body, "postcode": ""})
    assert no_host.status_code == 400 and no_host.json()["field"] == "host_authority"


def test_a_placement_from_another_authority_is_out_of_area(api, w):
    child = person_create(
        actor=w["other_sw"],
        details=PersonDetails(given_name="Sam", family_name="Reed", date_of_birth=date(2010, 1, 5)),
    )
    made = api.post(
        w["other_sw"],
        f"/people/{child.pk}/placements",
        {
            "placement_type": "children_home",
            "address": "1 Birch Lane, Worcester",
            "postcode": "WR1 2HQ",
            "provider": w["home"].pk,
            "placing_authority": w["harbour"].pk,
            "started_on": date.today().isoformat(),
        },
    )
    assert made.status_code == 201, made.json()
    data = made.json()
    assert data["placing_authority"]["id"] == w["harbour"].pk
    assert data["host_authority"]["id"] == w["worcs"].pk
    assert data["host_force"]["name"] == "West Mercia Police" and data["out_of_area"] is True


def test_a_version_as_pdf(api, w):
    child = w["child"].pk
    assert api.post(w["sw"], f"/people/{child}/assessment", save_body()).status_code == 201
    exports = AuditEvent.objects.filter(action="export", subject_id=str(child))
    response = api.get(w["officer"], f"/people/{child}/assessment/1/pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert f"assessment-{child}-v1.pdf" in response["Content-Disposition"]
    assert exports.count() == 1
    assert api.get(w["officer"], f"/people/{child}/assessment/2/pdf").status_code == 404
    hidden = api.get(w["other_sw"], f"/people/{child}/assessment/1/pdf")
    assert hidden.status_code == 404 and hidden.json()["message"] == "No such child"
    assert exports.count() == 1

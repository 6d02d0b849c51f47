"""Return home interviews through the API: a child found, the referral triaged, offered and
interviewed, items shared with the police, and a coordinator of the force accepting the
request to flag; the responsible authority's view without the interview; a 404 for everyone
else; and errors naming the field, the rule or the stale version."""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.test import Client

from misper.core.models import AuditEvent
from misper.people.models import Flag, FlagRequest
from misper.returns.models import Arrangement, Disclosure, Referral, SharedItem
from tests.episodes.conftest import NOW, make_region
from tests.returns.journey import RED, found_child

pytestmark = pytest.mark.django_db


def client_for(user: Any) -> Client:
    """A client signed in as ``user`` with an authenticator app set up."""
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
def region(make_org, make_user):
    r = make_region(make_org, make_user, "west-midlands-2015")
    r["provider"] = make_org("rhi_provider", name="Safe Return", code="safe")
    r["other_provider"] = make_org("rhi_provider", name="Harbour Youth", code="harbour-youth")
    r["harbour"] = make_org("local_authority", name="Harbour", code="harbour")
    Arrangement.objects.create(authority=r["vale"], provider=r["provider"])
    r["worker"] = make_user("return_interview_worker", organisation=r["provider"])
    r["manager"] = make_user("return_interview_manager", organisation=r["provider"])
    r["other_worker"] = make_user("return_interview_worker", organisation=r["other_provider"])
    r["harbour_sw"] = make_user("social_worker", organisation=r["harbour"])
    r["carer"] = make_user("carer", organisation=r["home"])
    r["coordinator"] = make_user("missing_person_coordinator", organisation=r["force"])
    return r


@pytest.fixture
def referral(region) -> Referral:
    found = found_child(
        police=region["call_handler"], person=region["child"], found_at=NOW - timedelta(hours=4)
    )
    assert found is not None
    return found


def url(referral: Referral, action: str = "") -> str:
    return f"/returns/referrals/{referral.pk}" + (f"/{action}" if action else "")


def ok(response: Any, status: int = 200) -> dict[str, Any]:
    assert response.status_code == status, response.content
    return response.json()


def test_the_whole_journey_through_the_api(region, referral, api):
    r, worker = region, region["worker"]
    # The queue: the provider's worker sees the referral, the police do not.
    queue = ok(api.get(worker, "/returns/referrals"))
    assert [x["id"] for x in queue] == [referral.pk]
    assert queue[0]["view"] == "interviewer" and queue[0]["state"]["code"] == "awaiting_triage"
    assert ok(api.get(r["call_handler"], "/returns/referrals")) == []

    seen = ok(api.get(worker, url(referral)))
    assert seen["person"] == {"id": r["child"].pk, "name": str(r["child"])}
    assert seen["interviewer"]["name"] == "Safe Return"
    assert seen["responsible_authority"]["name"] == "Vale"
    assert seen["basis"]["code"] == "home" and seen["interview"] is None
    assert AuditEvent.objects.filter(
        subject_type="rhi_referral", subject_id=str(referral.pk), user=worker
    ).exists()

    # The manager allocates, the worker triages red, offers, records the acceptance.
    seen = ok(
        api.post(
            r["manager"],
            url(referral, "allocate"),
            {"version": seen["version"], "worker_id": worker.pk},
        )
    )
    assert seen["allocated_to"] == {"id": worker.pk, "name": worker.full_name}
    assert [x["id"] for x in ok(api.get(worker, "/returns/referrals?show=mine"))] == [referral.pk]
    seen = ok(
        api.post(
            worker,
            url(referral, "triage"),
            {"version": seen["version"], "facts": RED, "rag": "red"},
        )
    )
    assert seen["rag"] == seen["engine_rag"] == "red"
    assert seen["state"] == {"code": "triaged", "label": "Triaged"}
    assert seen["triage_facts"] == RED and seen["engine_reasons"]
    assert all(set(x) == {"rule", "text"} for x in seen["engine_reasons"])
    seen = ok(
        api.post(worker, url(referral, "offer"), {"version": seen["version"], "how": "Phone call"})
    )
    assert seen["offer"]["how"] == "Phone call" and seen["state"]["code"] == "offered"
    seen = ok(api.post(worker, url(referral, "accept"), {"version": seen["version"]}))
    assert seen["offer"]["accepted_at"] is not None

    # The interview closes the referral as completed, within 72 hours.
    seen = ok(
        api.post(
            worker,
            url(referral, "interview"),
            {
                "version": seen["version"],
                "held_at": (NOW - timedelta(hours=1)).isoformat(),
                "interviewer_name": "Sam Reed",
                "independent": True,
                "place": "A café near the home",
                "pull_factors": "An older boyfriend",
                "child_words": "I just wanted to see him",
                "cse_indicators": True,
            },
        )
    )
    assert seen["state"]["code"] == "closed"
    assert seen["outcome"] == {"code": "completed", "label": "Interview completed"}
    assert seen["within_72_hours"] is True and seen["hours_to_outcome"] == 3.0
    assert seen["interview"]["child_words"] == "I just wanted to see him"

    # A disclosure, a recommendation, a support session.
    seen = ok(
        api.post(
            worker,
            url(referral, "disclosures"),
            {
                "summary": "Jay gives her alcohol",
                "step": "police",
                "due": (NOW + timedelta(days=1)).isoformat(),
            },
        ),
        201,
    )
    assert seen["disclosures"][0]["summary"] == "Jay gives her alcohol"
    seen = ok(
        api.post(
            worker,
            url(referral, "recommendations"),
            {
                "text": "Review the evening routine",
                "owner_id": r["vale"].pk,
                "due_on": (date.today() + timedelta(days=14)).isoformat(),
            },
        ),
        201,
    )
    assert seen["recommendations"][0]["owner"]["id"] == r["vale"].pk
    seen = ok(
        api.post(
            worker,
            url(referral, "support-sessions"),
            {"held_on": date.today().isoformat(), "topics": "Healthy relationships"},
        ),
        201,
    )
    assert seen["support_sessions"][0]["topics"] == "Healthy relationships"

    # Shared with the police: an associate, a place and a request to flag.
    for item in (
        {
            "kind": "associate",
            "text": "Jay",
            "relationship": "boyfriend",
            "age": 19,
            "legal_basis": "cda_s115",
        },
        {"kind": "place", "text": "Larch Park", "postcode": "vl2 3ab", "legal_basis": "cda_s115"},
        {
            "kind": "flag_request",
            "flag_kind": "cse",
            "detail": "Older boyfriend supplying alcohol",
            "legal_basis": "ca2004_s11",
        },
    ):
        seen = ok(api.post(worker, url(referral, "shared-items"), item), 201)
    kinds = {x["kind"]: x for x in seen["shared_items"]}
    assert set(kinds) == {"associate", "place", "flag_request"}
    assert kinds["associate"]["associate_id"] is not None
    assert kinds["place"]["postcode"] == "VL2 3AB" and kinds["place"]["place_id"] is not None
    request_id = kinds["flag_request"]["flag_request_id"]
    assert request_id is not None

    # The police see what was shared on the child's record, never the referral.
    police = r["call_handler"]
    shared = ok(api.get(police, f"/people/{r['child'].pk}/shared-items"))
    assert {x["kind"] for x in shared} == {"associate", "place", "flag_request"}
    assert {x["legal_basis"] for x in shared} == {"cda_s115", "ca2004_s11"}
    assert all(x["shared_by_org"]["name"] == "Safe Return" for x in shared)
    assert api.get(police, url(referral)).status_code == 404
    # Children's services see the child but are not the police: an empty list.
    assert ok(api.get(r["social_worker"], f"/people/{r['child'].pk}/shared-items")) == []

    # A coordinator of the child's episode's force lists the request and accepts it.
    coordinator = r["coordinator"]
    assert referral.episode.force == r["force"]
    pending = ok(api.get(coordinator, "/flag-requests"))
    assert [(x["id"], x["kind"], x["status"]) for x in pending] == [(request_id, "cse", "pending")]
    assert pending[0]["person"]["id"] == r["child"].pk
    assert pending[0]["requested_by_org"]["name"] == "Safe Return"
    decided = ok(api.post(coordinator, f"/flag-requests/{request_id}/decision", {"accept": True}))
    assert decided["status"] == "accepted" and decided["flag_id"] is not None
    flag = Flag.objects.get(pk=decided["flag_id"])
    assert flag.person_id == r["child"].pk and flag.kind == "cse" and flag.raised_by == coordinator
    assert ok(api.get(coordinator, "/flag-requests")) == []
    assert FlagRequest.objects.get(pk=request_id).status == "accepted"
    assert SharedItem.objects.filter(referral=referral).count() == 3


def interviewed(region, referral, api) -> dict[str, Any]:
    """The referral triaged red, interviewed, with a disclosure, a recommendation, a support
    session and a shared associate; the worker's last view of it."""
    worker = region["worker"]
    seen = ok(
        api.post(
            worker,
            url(referral, "triage"),
            {"version": referral.version, "facts": RED, "rag": "red"},
        )
    )
    seen = ok(
        api.post(
            worker,
            url(referral, "interview"),
            {
                "version": seen["version"],
                "held_at": (NOW - timedelta(hours=1)).isoformat(),
                "interviewer_name": "Sam Reed",
                "independent": True,
                "place": "The office",
                "child_words": "I was at Jay's",
            },
        )
    )
    ok(
        api.post(
            worker,
            url(referral, "disclosures"),
            {
                "summary": "Jay gives her alcohol",
                "step": "police",
                "due": (NOW + timedelta(days=1)).isoformat(),
            },
        ),
        201,
    )
    ok(
        api.post(
            worker,
            url(referral, "recommendations"),
            {
                "text": "Review the evening routine",
                "owner_id": region["vale"].pk,
                "due_on": (date.today() + timedelta(days=14)).isoformat(),
            },
        ),
        201,
    )
    ok(
        api.post(
            worker,
            url(referral, "support-sessions"),
            {"held_on": date.today().isoformat(), "topics": "Safety", "notes": "She talked"},
        ),
        201,
    )
    return ok(
        api.post(
            worker,
            url(referral, "shared-items"),
            {"kind": "associate", "text": "Jay", "legal_basis": "cda_s115"},
        ),
        201,
    )


def test_the_responsible_authority_sees_the_referral_without_the_interview(region, referral, api):
    interviewed(region, referral, api)
    sw = region["social_worker"]  # Vale's children's services: the responsible authority
    seen = ok(api.get(sw, url(referral)))
    assert seen["view"] == "authority"
    assert seen["interview"] is None
    assert seen["interview_held_at"] is not None and seen["outcome"]["code"] == "completed"
    assert seen["person"] == {"id": region["child"].pk, "name": str(region["child"])}
    (disclosure,) = seen["disclosures"]
    assert disclosure["summary"] is None and disclosure["done_note"] is None
    assert disclosure["step"]["code"] == "police" and disclosure["done"] is False
    assert seen["support_sessions"][0]["notes"] is None
    (item,) = seen["shared_items"]
    assert item["kind"] == "associate" and item["text"] is None and item["associate_id"] is None
    text = json.dumps(seen)  # neither what the child said nor what was disclosed
    assert "alcohol" not in text and "I was at" not in text and "She talked" not in text
    assert [x["id"] for x in ok(api.get(sw, "/returns/referrals?show=closed"))] == [referral.pk]

    # The authority acts on the recommendation; the answer is still its own view.
    (rec,) = seen["recommendations"]
    done = ok(api.post(sw, f"/returns/recommendations/{rec['id']}/done", {"note": "Reviewed"}))
    assert done["recommendations"][0]["done"] is True and done["interview"] is None
    # It may not work on the referral itself.
    response = api.post(sw, url(referral, "offer"), {"version": done["version"], "how": "Phone"})
    assert response.status_code == 403 and response.json()["code"] == "permission_denied"

    # The interviewer marks the disclosure's step done, with its note.
    disclosure_id = Disclosure.objects.get(referral=referral).pk
    done = ok(
        api.post(
            region["worker"],
            f"/returns/disclosures/{disclosure_id}/done",
            {"note": "Reported to the police"},
        )
    )
    assert done["disclosures"][0]["done"] is True
    assert done["disclosures"][0]["done_note"] == "Reported to the police"


@pytest.mark.parametrize("who", ["other_worker", "harbour_sw", "carer", "call_handler"])
def test_nobody_else_sees_the_referral_and_it_is_the_same_404_as_none(region, referral, api, who):
    interviewed(region, referral, api)
    user = region[who]
    response = api.get(user, url(referral))
    assert response.status_code == 404
    assert response.json() == {"code": "not_found", "message": "No such referral", "field": None}
    missing = api.get(user, "/returns/referrals/987654")
    assert missing.json() == response.json()
    assert ok(api.get(user, "/returns/referrals")) == []
    before = Referral.objects.get(pk=referral.pk).version
    offered = api.post(user, url(referral, "accept"), {"version": before})
    assert offered.status_code == 404
    disclosure = Disclosure.objects.get(referral=referral)
    done = api.post(user, f"/returns/disclosures/{disclosure.pk}/done", {"note": "x"})
    assert done.status_code == 404 and done.json()["message"] == "No such disclosure"
    none = api.post(user, "/returns/disclosures/987654/done", {"note": "x"})
    assert none.json() == done.json()
    assert Referral.objects.get(pk=referral.pk).version == before
    assert Disclosure.objects.get(pk=disclosure.pk).done_at is None


def test_errors_name_the_field(region, referral, api):
    worker = region["worker"]
    v = referral.version
    purple = api.post(worker, url(referral, "triage"), {"version": v, "rag": "purple"})
    assert purple.status_code == 422 and purple.json()["field"] == "rag"
    unknown = api.post(
        worker, url(referral, "triage"), {"version": v, "rag": "red", "facts": {"colour": True}}
    )
    assert unknown.status_code == 422 and unknown.json()["field"] == "facts.colour"
    # Rating against the policy needs a rationale (R-RHI-10).
    green = api.post(worker, url(referral, "triage"), {"version": v, "facts": RED, "rag": "green"})
    assert green.status_code == 400
    assert green.json()["field"] == "rationale" and green.json()["rules"] == ["R-RHI-10"]
    # A worker of another organisation cannot be allocated; only a manager allocates.
    other = api.post(
        region["manager"],
        url(referral, "allocate"),
        {"version": v, "worker_id": region["other_worker"].pk},
    )
    assert other.status_code == 400 and other.json()["field"] == "worker_id"
    mine = api.post(worker, url(referral, "allocate"), {"version": v, "worker_id": worker.pk})
    assert mine.status_code == 403 and mine.json()["code"] == "permission_denied"
    # "Not required" is the manager's confirmation, never a direct outcome (R-RHI-06).
    refused = api.post(worker, url(referral, "outcome"), {"version": v, "outcome": "not_required"})
    assert refused.status_code == 400
    body = refused.json()
    assert body["field"] == "outcome" and "R-RHI-06" in body["rules"]
    assert body["required_role"] == "line_manager"
    # The interview before the referral was found is refused naming the field.
    early = api.post(
        worker,
        url(referral, "interview"),
        {
            "version": v,
            "held_at": (NOW - timedelta(days=2)).isoformat(),
            "interviewer_name": "Sam Reed",
            "independent": True,
            "place": "The office",
        },
    )
    assert early.status_code == 400 and early.json()["field"] == "held_at"
    # Sub-items need the interview first.
    early_share = api.post(
        worker,
        url(referral, "shared-items"),
        {"kind": "place", "text": "The park", "legal_basis": "cda_s115"},
    )
    assert early_share.status_code == 409 and early_share.json()["field"] == "interview"
    long = api.post(worker, url(referral, "offer"), {"version": v, "how": "x" * 201})
    assert long.status_code == 422 and long.json()["field"] == "how"
    assert Referral.objects.get(pk=referral.pk).version == v


def test_a_stale_version_is_409_and_changes_nothing(region, referral, api):
    worker = region["worker"]
    v = referral.version
    ok(api.post(worker, url(referral, "triage"), {"version": v, "facts": RED, "rag": "red"}))
    stale = api.post(worker, url(referral, "offer"), {"version": v, "how": "Phone call"})
    assert stale.status_code == 409
    assert stale.json()["code"] == "concurrent_edit" and stale.json()["field"] == "version"
    after = Referral.objects.get(pk=referral.pk)
    assert after.state == "triaged" and after.version == v + 1


def test_not_required_needs_a_second_manager(region, referral, api, make_user):
    worker, manager = region["worker"], region["manager"]
    seen = ok(
        api.post(
            manager,
            url(referral, "not-required"),
            {"version": referral.version, "reason": "Returned within the hour, known to us"},
        )
    )
    assert seen["state"]["code"] == "not_required_proposed"
    assert seen["not_required_proposal"]["by"]["id"] == manager.pk
    own = api.post(
        manager,
        url(referral, "not-required/decision"),
        {"version": seen["version"], "confirm": True, "reason": "Agreed"},
    )
    assert own.status_code == 403 and "R-RHI-06" in own.json()["rules"]
    by_worker = api.post(
        worker,
        url(referral, "not-required/decision"),
        {"version": seen["version"], "confirm": True, "reason": "Agreed"},
    )
    assert by_worker.status_code == 403
    second = make_user("return_interview_manager", organisation=region["provider"])
    refused = ok(
        api.post(
            second,
            url(referral, "not-required/decision"),
            {"version": seen["version"], "confirm": False, "reason": "Interview her"},
        )
    )
    assert refused["state"]["code"] == "awaiting_triage"
    assert refused["not_required_proposal"] is None


def test_amber_information_request_and_answer(region, referral, api):
    worker = region["worker"]
    seen = ok(
        api.post(worker, url(referral, "triage"), {"version": referral.version, "rag": "amber"})
    )
    assert seen["state"]["code"] == "awaiting_information"
    seen = ok(
        api.post(
            worker,
            url(referral, "information-requests"),
            {
                "version": seen["version"],
                "agency_id": region["vale"].pk,
                "asked": "Who does she see?",
            },
        ),
        201,
    )
    (asked,) = seen["information_requests"]
    assert asked["agency"]["name"] == "Vale" and asked["answered_at"] is None
    bad = api.post(
        worker,
        url(referral, "information-requests"),
        {"version": seen["version"], "agency_id": 987654, "asked": "x"},
    )
    assert bad.status_code == 400 and bad.json()["field"] == "agency_id"
    seen = ok(
        api.post(
            worker,
            f"/returns/information-requests/{asked['id']}/answer",
            {"version": seen["version"], "answer": "An older boyfriend"},
        )
    )
    assert seen["information_requests"][0]["answer"] == "An older boyfriend"
    assert seen["state"]["code"] == "awaiting_triage"
    again = api.post(
        worker,
        f"/returns/information-requests/{asked['id']}/answer",
        {"version": seen["version"], "answer": "again"},
    )
    assert again.status_code == 409 and again.json()["code"] == "wrong_state"
    missing = api.post(
        region["other_worker"],
        "/returns/information-requests/987654/answer",
        {"version": 1, "answer": "a"},
    )
    hidden = api.post(
        region["other_worker"],
        f"/returns/information-requests/{asked['id']}/answer",
        {"version": 1, "answer": "a"},
    )
    assert missing.status_code == hidden.status_code == 404
    assert missing.json() == hidden.json()


def test_a_declined_interview_records_what_was_offered_instead(region, referral, api):
    worker = region["worker"]
    seen = ok(
        api.post(
            worker,
            url(referral, "triage"),
            {"version": referral.version, "facts": RED, "rag": "red"},
        )
    )
    missing_offer = api.post(
        worker, url(referral, "outcome"), {"version": seen["version"], "outcome": "declined_child"}
    )
    assert missing_offer.status_code == 400
    assert missing_offer.json()["field"] == "offered_instead"
    seen = ok(
        api.post(
            worker,
            url(referral, "outcome"),
            {
                "version": seen["version"],
                "outcome": "declined_child",
                "offered_instead": "A leaflet and a named worker to call",
            },
        )
    )
    assert seen["outcome"]["code"] == "declined_child"
    assert seen["offered_instead"] == "A leaflet and a named worker to call"
    assert seen["state"]["code"] == "closed" and seen["within_72_hours"] is True

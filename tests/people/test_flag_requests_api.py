"""Requests to flag through the API (R-FLG-02, R-RHI-09): the force's coordinators list the
requests made to it and accept (the flag is raised by the force, with the request as its
evidence) or decline with a reason; everyone else has an empty list and a 404 for a
request, the same as for one that does not exist."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from misper.core.models import TimelineEvent
from misper.people.models import Flag, FlagRequest
from misper.people.services import flag_request_land

pytestmark = pytest.mark.django_db
JSON = "application/json"


@pytest.fixture
def requested(region, child):
    """A return-interview provider asks the force to flag the child."""
    return flag_request_land(
        actor=region["rhi"],
        person=child,
        kind="cse",
        reason="Older boyfriend supplying alcohol",
        source="Return interview, Safe Return, 3 March 2026",
        force=region["force"],
    )


@pytest.fixture
def coordinator(region, make_user):
    return make_user("missing_person_coordinator", organisation=region["area"])


def decide(client, request_id, **body):
    return client.post(f"/api/v1/flag-requests/{request_id}/decision", body, content_type=JSON)


def test_a_coordinator_lists_and_accepts_a_request(
    region, child, requested, coordinator, mfa_client
):
    client = mfa_client(coordinator)
    listed = client.get("/api/v1/flag-requests")
    assert listed.status_code == 200
    (row,) = listed.json()
    assert row["id"] == requested.pk and row["status"] == "pending" and row["kind"] == "cse"
    assert row["person"] == {"id": child.pk, "name": str(child)}
    assert row["force"]["id"] == region["force"].pk
    assert row["source"].startswith("Return interview")
    review_on = (timezone.localdate() + timedelta(days=90)).isoformat()
    response = decide(
        client, requested.pk, accept=True, reason="Known concern", review_on=review_on
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "accepted" and body["decided_by"] == coordinator.full_name
    flag = Flag.objects.get(pk=body["flag_id"])
    assert flag.person_id == child.pk and flag.raised_by_org == region["force"]
    assert flag.review_on.isoformat() == review_on
    assert "Older boyfriend supplying alcohol" in flag.evidence
    assert TimelineEvent.objects.filter(
        subject_type="person", subject_id=str(child.pk), verb="flag_request_accepted"
    ).exists()
    assert client.get("/api/v1/flag-requests").json() == []
    again = decide(client, requested.pk, accept=False, reason="changed my mind")
    assert again.status_code == 409 and again.json()["code"] == "wrong_state"


def test_declining_needs_a_reason(requested, coordinator, mfa_client):
    client = mfa_client(coordinator)
    response = decide(client, requested.pk, accept=False)
    assert response.status_code == 400 and response.json()["field"] == "reason"
    assert FlagRequest.objects.get(pk=requested.pk).status == "pending"
    response = decide(client, requested.pk, accept=False, reason="Not enough to go on")
    assert response.status_code == 200
    assert response.json()["status"] == "declined" and response.json()["flag_id"] is None
    assert not Flag.objects.filter(kind="cse").exists()


def test_a_review_date_in_the_past_names_the_field(requested, coordinator, mfa_client):
    past = (timezone.localdate() - timedelta(days=1)).isoformat()
    response = decide(mfa_client(coordinator), requested.pk, accept=True, review_on=past)
    assert response.status_code == 400 and response.json()["field"] == "review_on"
    assert FlagRequest.objects.get(pk=requested.pk).status == "pending"


@pytest.mark.parametrize("who", ["officer", "call_handler", "vale_sw", "rhi", "other_coordinator"])
def test_anyone_else_has_an_empty_list_and_a_404(
    region, requested, mfa_client, make_user, make_org, who
):
    if who == "other_coordinator":
        other_force = make_org("police_force", name="Harbour Police", code="harbour-police")
        user = make_user("missing_person_coordinator", organisation=other_force)
    else:
        user = region[who]
    client = mfa_client(user)
    assert client.get("/api/v1/flag-requests").json() == []
    response = decide(client, requested.pk, accept=True)
    assert response.status_code == 404
    assert response.json() == {
        "code": "not_found",
        "message": "No such flag request",
        "field": None,
    }
    assert decide(client, 987654, accept=True).json() == response.json()
    assert FlagRequest.objects.get(pk=requested.pk).status == "pending"


def test_anonymous_is_401(client, requested):
    assert client.get("/api/v1/flag-requests").status_code == 401
    assert decide(client, requested.pk, accept=True).status_code == 401

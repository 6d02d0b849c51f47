"""Repeat missing through the API: a level 1 trigger listed and read, its meeting arranged by
the child's social worker, held with the police, an action agreed and done, the record
allocated to a sergeant who closes it, one raised by hand, and the desk; a 404 for everyone
else (the same as for a record that does not exist); errors naming the field or the rule;
a stale version 409."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from misper.core.models import AuditEvent
from misper.interventions.models import Meeting, TriggerRecord
from tests.episodes.conftest import NOW
from tests.interventions.conftest import missing
from tests.returns.test_api import Api, ok

pytestmark = pytest.mark.django_db


@pytest.fixture
def api() -> Api:
    return Api()


@pytest.fixture
def trigger(wmc) -> TriggerRecord:
    """The level 1 record of the child's third missing episode in 90 days (R-TRG-10)."""
    first = NOW - timedelta(days=40)
    for days in (0, 15, 30):
        missing(wmc, first + timedelta(days=days))
    return TriggerRecord.objects.get()


def url(t: TriggerRecord, action: str = "") -> str:
    return f"/interventions/triggers/{t.pk}" + (f"/{action}" if action else "")


def meeting_url(m: dict[str, Any] | Meeting, action: str) -> str:
    pk = m["id"] if isinstance(m, dict) else m.pk
    return f"/interventions/meetings/{pk}/{action}"


def soon(**delta: float) -> str:
    return (timezone.now() + timedelta(**delta)).isoformat()


def test_the_whole_journey_through_the_api(wmc, trigger, api):
    """R-TRG-10, R-TRG-09, R-TRG-19, R-TRG-05: listed, read (audited), arranged by
    children's services, held with the police, an action agreed and done, allocated to a
    sergeant who closes it."""
    r, t, sw, coordinator = wmc, trigger, wmc["social_worker"], wmc["coordinator"]
    listed = ok(api.get(coordinator, "/interventions/triggers"))
    assert [x["id"] for x in listed] == [t.pk]
    assert listed[0]["title"] == "Level 1: 3 in 90 days"
    assert listed[0]["meeting_status"]["code"] == "to_arrange"
    assert ok(api.get(coordinator, "/interventions/triggers?status=closed")) == []
    assert [x["id"] for x in ok(api.get(sw, "/interventions/triggers?status=new"))] == [t.pk]
    assert ok(api.get(r["carer"], "/interventions/triggers")) == []

    seen = ok(api.get(sw, url(t)))
    assert (seen["kind"], seen["level"], seen["rule"], seen["count"]) == (
        "wm_individual_3_in_90",
        1,
        "R-TRG-10",
        3,
    )
    assert seen["person"] == {"id": r["child"].pk, "name": str(r["child"])}
    assert seen["owner"] == {"code": "coordinator", "label": "Missing person coordinator"}
    assert seen["authority"] == {"id": r["vale"].pk, "name": "Vale"}
    assert seen["counted"] == t.counted and seen["episode_id"] == t.episode_id
    assert "R-TRG-10" in {x["rule"] for x in seen["reasons"]}
    assert seen["may"] == ["meet", "read"]
    assert ok(api.get(coordinator, url(t)))["may"] == ["coordinate", "meet", "read"]
    meeting = seen["meeting"]
    assert meeting["status"]["code"] == "to_arrange" and meeting["invitees"] == []
    assert AuditEvent.objects.filter(
        subject_type="trigger", subject_id=str(t.pk), user=sw, purpose="view trigger (API)"
    ).exists()

    # Children's services arrange it; the level's invitees are told; it is in hand.
    seen = ok(
        api.post(
            sw,
            meeting_url(meeting, "arrange"),
            {
                "version": meeting["version"],
                "scheduled_for": soon(days=2),
                "place": "Vale House",
                "chair": "Vale team manager",
                "others": ["Mother"],
            },
        )
    )
    assert seen["status"]["code"] == "in_hand"
    meeting = seen["meeting"]
    assert meeting["status"]["code"] == "arranged" and meeting["place"] == "Vale House"
    invitees = {i["role"]: i for i in meeting["invitees"]}
    assert invitees["Missing person coordinator"]["user"]["id"] == coordinator.pk
    assert invitees["Also invited"]["name"] == "Mother"
    police = invitees["Missing person coordinator"]["id"]

    # Held without the police: refused, naming the rule (R-TRG-09).
    body = {
        "version": meeting["version"],
        "held_at": soon(hours=-1),
        "attended": [invitees["Also invited"]["id"]],
        "discussion": "Push and pull factors",
        "plan": "Weekly visits",
        "care_plan": "Care plan review on Tuesday",
    }
    refused = api.post(sw, meeting_url(meeting, "record"), body)
    assert refused.status_code == 400
    assert refused.json()["field"] == "attended" and refused.json()["rules"] == ["R-TRG-09"]
    seen = ok(api.post(sw, meeting_url(meeting, "record"), body | {"attended": [police]}))
    meeting = seen["meeting"]
    assert meeting["status"]["code"] == "held" and meeting["care_plan"].startswith("Care plan")
    came = {i["id"]: i["attended"] for i in meeting["invitees"]}
    assert came[police] is True and came[invitees["Also invited"]["id"]] is False

    # An action for Vale, done by its social worker.
    seen = ok(
        api.post(
            coordinator,
            meeting_url(meeting, "actions"),
            {
                "text": "Review the evening routine",
                "owner_id": r["vale"].pk,
                "owner_user_id": sw.pk,
                "due_on": (timezone.localdate() + timedelta(days=7)).isoformat(),
            },
        ),
        201,
    )
    (action,) = seen["meeting"]["actions"]
    assert action["owner"]["id"] == r["vale"].pk and action["owner_user"]["id"] == sw.pk
    assert action["done"] is False
    seen = ok(
        api.post(sw, f"/interventions/actions/{action['id']}/done", {"note": "Routine agreed"})
    )
    assert seen["meeting"]["actions"][0]["done"] is True

    # The coordinator allocates it to a sergeant, who sees it and closes it.
    refused = api.post(sw, url(t, "allocate"), {"version": seen["version"], "user_id": sw.pk})
    assert refused.status_code == 403 and refused.json()["code"] == "permission_denied"
    seen = ok(
        api.post(
            coordinator,
            url(t, "allocate"),
            {"version": seen["version"], "user_id": r["sergeant"].pk},
        )
    )
    assert seen["allocated_to"] == {"id": r["sergeant"].pk, "name": r["sergeant"].full_name}
    mine = ok(api.get(r["sergeant"], "/interventions/triggers"))
    assert [x["id"] for x in mine] == [t.pk]
    seen = ok(
        api.post(
            r["sergeant"],
            url(t, "close"),
            {"version": seen["version"], "outcome": "Placement stable; no further action"},
        )
    )
    assert seen["status"]["code"] == "closed" and seen["closed_by"]["id"] == r["sergeant"].pk
    assert seen["outcome"] == "Placement stable; no further action"


def test_raise_by_hand_and_the_desk(wmc, trigger, api):
    """R-TRG-14: a coordinator raises an intervention by hand (201), nobody else (403);
    the desk counts and names the new records and the meetings to arrange."""
    r, coordinator = wmc, wmc["coordinator"]
    body = {"person_id": r["child"].pk, "level": 2, "rationale": "Seen with an adult of concern"}
    refused = api.post(r["social_worker"], "/interventions/raise", body)
    assert refused.status_code == 403 and refused.json()["code"] == "permission_denied"
    raised = ok(api.post(coordinator, "/interventions/raise", body), 201)
    assert (raised["kind"], raised["level"], raised["rule"]) == ("manual", 2, "R-TRG-14")
    assert raised["status"]["code"] == "in_hand" and raised["raised_by"]["id"] == coordinator.pk
    assert raised["rationale"] == "Seen with an adult of concern"
    unseen = api.post(coordinator, "/interventions/raise", body | {"person_id": 987654})
    assert unseen.status_code == 404 and unseen.json()["message"] == "No such child"

    desk = ok(api.get(coordinator, "/interventions/desk"))
    assert desk["new"] == {"count": 1, "ids": [trigger.pk], "trigger_ids": [trigger.pk]}
    assert desk["in_hand"]["ids"] == [raised["id"]]
    assert desk["meetings_due"]["count"] == 2
    assert set(desk["meetings_due"]["trigger_ids"]) == {trigger.pk, raised["id"]}
    assert desk["mase"]["count"] == 0 and desk["actions_overdue"]["count"] == 0
    assert ok(api.get(r["social_worker"], "/interventions/desk"))["new"]["count"] == 1
    carer = api.get(r["carer"], "/interventions/desk")
    assert carer.status_code == 403 and carer.json()["code"] == "permission_denied"


@pytest.mark.parametrize("who", ["carer", "other_authority", "analyst"])
def test_nobody_else_sees_it_and_it_is_the_same_404_as_none(wmc, trigger, api, who):
    user = wmc[who]
    m = trigger.meeting
    pairs = [
        (api.get(user, url(trigger)), api.get(user, "/interventions/triggers/987654")),
        (
            api.post(
                user,
                meeting_url(m, "arrange"),
                {"version": m.version, "scheduled_for": soon(days=1), "place": "Vale House"},
            ),
            api.post(
                user,
                "/interventions/meetings/987654/arrange",
                {"version": m.version, "scheduled_for": soon(days=1), "place": "Vale House"},
            ),
        ),
        (
            api.post(user, url(trigger, "close"), {"version": 1, "outcome": "o"}),
            api.post(user, "/interventions/triggers/987654/close", {"version": 1, "outcome": "o"}),
        ),
    ]
    for hidden, absent in pairs:
        assert hidden.status_code == absent.status_code == 404
        assert (
            hidden.json()
            == absent.json()
            == {
                "code": "not_found",
                "message": "No such trigger",
                "field": None,
            }
        )
    assert not AuditEvent.objects.filter(subject_type="trigger", user=user).exists()
    assert Meeting.objects.get(pk=m.pk).version == m.version


def test_errors_name_the_field(wmc, trigger, api, make_org):
    r, coordinator = wmc, wmc["coordinator"]
    m = trigger.meeting
    # The schema: a time without its zone, a missing place, an id that cannot exist.
    naive = api.post(
        coordinator,
        meeting_url(m, "arrange"),
        {"version": m.version, "scheduled_for": "2030-01-01T10:00:00", "place": "x"},
    )
    assert naive.status_code == 422 and naive.json()["field"] == "scheduled_for"
    no_place = api.post(
        coordinator,
        meeting_url(m, "arrange"),
        {"version": m.version, "scheduled_for": soon(days=1)},
    )
    assert no_place.status_code == 422 and no_place.json()["field"] == "place"
    huge = api.post(coordinator, url(trigger, "allocate"), {"version": 1, "user_id": 2**40})
    assert huge.status_code == 422 and huge.json()["field"] == "user_id"
    # The services: a place in the past, a social worker allocated, a level out of range.
    past = api.post(
        coordinator,
        meeting_url(m, "arrange"),
        {"version": m.version, "scheduled_for": soon(days=-1), "place": "Vale House"},
    )
    assert past.status_code == 400 and past.json()["field"] == "scheduled_for"
    sw = api.post(
        coordinator,
        url(trigger, "allocate"),
        {"version": trigger.version, "user_id": r["social_worker"].pk},
    )
    assert sw.status_code == 400 and sw.json()["field"] == "user_id"
    level = api.post(
        coordinator,
        "/interventions/raise",
        {"person_id": r["child"].pk, "level": 9, "rationale": "r"},
    )
    assert level.status_code == 400 and level.json()["field"] == "level"
    # A deferral names the agreement that is missing (R-TRG-15).
    body = {
        "version": m.version,
        "status": "deferred",
        "reason": "Safe Steps works with him weekly",
        "police_agreed_by_id": coordinator.pk,
        "childrens_services_agreed_by_id": r["social_worker"].pk,
    }
    no_partner = api.post(coordinator, meeting_url(m, "defer"), body)
    assert no_partner.status_code == 400
    assert no_partner.json()["field"] == "partner_id" and no_partner.json()["rules"] == ["R-TRG-15"]
    charity = make_org("charity", name="Safe Steps", code="safe-steps")
    no_cs = api.post(
        coordinator,
        meeting_url(m, "defer"),
        body | {"partner_id": charity.pk, "childrens_services_agreed_by_id": r["inspector"].pk},
    )
    assert no_cs.status_code == 400
    assert no_cs.json()["field"] == "childrens_services_agreed_by_id"
    held = api.post(coordinator, meeting_url(m, "defer"), body | {"status": "held"})
    assert held.status_code == 422 and held.json()["field"] == "status"
    seen = ok(api.post(coordinator, meeting_url(m, "defer"), body | {"partner_id": charity.pk}))
    assert seen["meeting"]["status"]["code"] == "deferred"
    assert seen["meeting"]["deferral"]["partner"] == {"id": charity.pk, "name": "Safe Steps"}
    # Actions need the meeting held: a deferred one has none.
    early = api.post(
        coordinator,
        meeting_url(m, "actions"),
        {"text": "t", "owner_id": r["vale"].pk, "due_on": timezone.localdate().isoformat()},
    )
    assert early.status_code == 409 and early.json()["code"] == "wrong_state"
    assert TriggerRecord.objects.count() == 1


def test_a_stale_version_is_409_and_changes_nothing(wmc, trigger, api):
    coordinator = wmc["coordinator"]
    m = trigger.meeting
    body = {"version": m.version, "scheduled_for": soon(days=2), "place": "Vale House"}
    ok(api.post(coordinator, meeting_url(m, "arrange"), body))
    stale = api.post(coordinator, meeting_url(m, "arrange"), body | {"place": "Elsewhere"})
    assert stale.status_code == 409
    assert stale.json()["code"] == "concurrent_edit" and stale.json()["field"] == "version"
    assert Meeting.objects.get(pk=m.pk).place == "Vale House"
    t = TriggerRecord.objects.get(pk=trigger.pk)
    stale = api.post(
        coordinator,
        url(t, "allocate"),
        {"version": t.version - 1, "user_id": wmc["sergeant"].pk},
    )
    assert stale.status_code == 409 and stale.json()["code"] == "concurrent_edit"
    assert TriggerRecord.objects.get(pk=t.pk).allocated_to is None

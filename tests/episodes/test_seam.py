"""The seam (issue 9), through the API: one lifecycle (a closed case refuses every change,
whatever the door), the state the engine returns is what is stored, repeat-missing triggers
and their deadlines reach the database, durations reach the engine, refusals a program can
use, the current evaluation, the timeline, and deadlines that keep their fraction of a
second."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

# The worker's deadline handlers, as the worker loads them.
import misper.episodes.tasks
import misper.interventions.tasks  # noqa: F401
from misper.core.deadline_sweep import sweep_due_deadlines
from misper.core.deadlines import deadlines_sync
from misper.core.models import Deadline, TimelineEvent
from misper.episodes.models import Episode
from misper.episodes.services import (
    episode_close,
    episode_found,
    episode_grade_risk,
    episode_report,
)
from misper.episodes.services.record import FoundInput
from misper.interventions.models import TriggerRecord
from misper.notifications.models import Message
from tests.access.world import client_for

from .conftest import NOW, answers, report

pytestmark = pytest.mark.django_db
JSON = "application/json"


def post(client, url, data):
    return client.post(url, data, content_type=JSON)


def missing_case(region, *, risk="medium", days_ago=0, found_after=None):
    reported = NOW - timedelta(days=days_ago)
    ep = episode_report(
        actor=region["call_handler"],
        person_id=region["child"].pk,
        report=report(
            reported_at=reported,
            last_seen_at=reported - timedelta(hours=2),
            last_contact_at=None,
            answers=answers(out_of_character="yes"),
        ),
        category="missing",
        risk=risk,
        rationale="first assessment",
        now=reported,
    )
    if found_after is not None:
        ep = episode_found(
            actor=region["inspector"],
            episode_id=ep.pk,
            version=Episode.objects.get(pk=ep.pk).version,
            found=FoundInput(
                found_at=reported + found_after,
                found_where="Larch Park",
                found_by="PC Okafor",
                condition="well",
                safe_and_well="done",
            ),
            now=reported + found_after + timedelta(minutes=5),
        )
    return Episode.objects.get(pk=ep.pk)


def state(ep):
    ep.refresh_from_db()
    return (
        ep.version,
        ep.category,
        ep.risk,
        ep.restricted,
        ep.status,
        TimelineEvent.objects.filter(subject_type="episode", subject_id=str(ep.pk)).count(),
        Message.objects.count(),
    )


def test_a_closed_case_refuses_every_change_through_the_api(wmp15):
    """A category change, a restriction and a superintendent lowering the risk of a closed
    case were all accepted; the lifecycle table now refuses them, whatever the door."""
    ep = missing_case(wmp15, risk="high", days_ago=1, found_after=timedelta(hours=5))
    ep = episode_close(actor=wmp15["inspector"], episode_id=ep.pk, version=ep.version)
    before = state(ep)
    v = ep.version
    for who, url, body in [
        ("inspector", "category", {"version": v, "category": "absent", "rationale": "r"}),
        ("inspector", "restrict", {"version": v, "reason": "forced marriage concern"}),
        ("superintendent", "risk", {"version": v, "risk": "low", "rationale": "r"}),
        ("inspector", "entries", {"kind": "note", "text": "after closing"}),
        (
            "inspector",
            "found",
            {
                "version": v,
                "found_at": NOW.isoformat(),
                "found_where": "x",
                "found_by": "y",
                "condition": "z",
                "safe_and_well": "done",
            },
        ),
        ("inspector", "close", {"version": v}),
    ]:
        r = post(client_for(wmp15[who]), f"/api/v1/episodes/{ep.pk}/{url}", body)
        assert r.status_code == 409, (url, r.json())
        assert r.json()["code"] == "wrong_state" and "closed" in r.json()["message"]
    assert state(ep) == before
    # The pages offer no action on a closed case.
    html = client_for(wmp15["inspector"]).get(f"/episodes/{ep.pk}/").content.decode()
    assert 'data-testid="actions"' not in html


def test_the_engine_state_is_what_is_stored_absent_clears_the_risk(wmp15):
    """Re-categorising a missing/low case as absent left the stored risk as low, where the
    engine clears it: the services now store the engine's state, not their own."""
    ep = episode_report(
        actor=wmp15["call_handler"],
        person_id=wmp15["child"].pk,
        report=report(),
        category="missing",
        risk="low",
        rationale="first",
        now=NOW,
    )
    r = post(
        client_for(wmp15["inspector"]),
        f"/api/v1/episodes/{ep.pk}/category",
        {
            "version": ep.version,
            "category": "absent",
            "rationale": "Known to stay with her aunt; no risk indicators",
            "review_period_hours": 4,
            "callback_at": (timezone.now() + timedelta(hours=2)).isoformat(),
        },
    )
    assert r.status_code == 200, r.json()
    assert (r.json()["category"], r.json()["risk"]) == ("absent", None)
    ep.refresh_from_db()
    assert (ep.category, ep.risk) == ("absent", "")
    assert ep.decisions.last().answer["category"] == "absent"  # the engine's answer kept


def test_a_third_missing_episode_in_90_days_puts_the_intervention_meeting_on_the_list(
    wmc14, make_user
):
    """West Mercia level 1 (R-TRG-10): the trigger's deadline was in the recommendation but
    never became a row. Now it is a trigger record with its meeting, whose deadline the
    worker acts on when it falls due, telling the force's missing person coordinators."""
    coordinator = make_user("missing_person_coordinator", organisation=wmc14["force"])
    for days in (40, 20):
        missing_case(wmc14, days_ago=days, found_after=timedelta(hours=3))
    body = {
        "reported_by": "parent",
        "informant_name": "Dana Oakes",
        "missing_from": "home",
        "location_address": "12 Larch Road, Northfold",
        "last_seen_at": (NOW - timedelta(hours=2)).isoformat(),
        "last_seen_place": "bus station",
        "circumstances": "Third time this season.",
        "answers": answers(out_of_character="yes"),
        "searches": {
            k: {"state": "done", "detail": ""}
            for k in ("bedroom_house", "friends_relatives", "known_places")
        },
        "category": "missing",
        "risk": "medium",
        "rationale": "repeat missing",
    }
    r = post(
        client_for(wmc14["call_handler"]), f"/api/v1/people/{wmc14['child'].pk}/episodes", body
    )
    assert r.status_code == 201, r.json()
    ep = Episode.objects.get(pk=r.json()["id"])
    # The trigger is a record of the interventions app, with its meeting and the meeting's
    # deadline (not the case's).
    trigger = TriggerRecord.objects.get(episode=ep, kind="wm_individual_3_in_90", level=1)
    meeting = Deadline.objects.of(trigger.meeting).get(
        kind="intervention_meeting_due", status="open"
    )
    assert meeting.owner == "interventions" and meeting.rule.startswith("R-TRG")
    assert not Deadline.objects.of(ep).filter(kind="intervention_meeting_due").exists()
    evaluation = client_for(wmc14["inspector"]).get(f"/api/v1/episodes/{ep.pk}/evaluation").json()
    assert ("wm_individual_3_in_90", 1) in {
        (t["kind"], t.get("level")) for t in evaluation["triggers"]
    }
    # The worker acts on it when it falls due: the coordinator is told, once.
    assert sweep_due_deadlines(meeting.due + timedelta(seconds=1), "w") >= 1
    assert sweep_due_deadlines(meeting.due + timedelta(seconds=2), "w2") == 0
    meeting.refresh_from_db()
    assert meeting.status == "acted"
    told = Message.objects.filter(
        event_key=f"trigger:{trigger.pk}:overdue:{meeting.pk}", recipient_user=coordinator
    )
    assert told.count() == 1 and told.get().title.startswith("Intervention meeting overdue")


def test_an_episode_found_after_30_hours_reaches_the_engine_with_its_duration(wmp15):
    """history_entries always sent found_at None: every past episode looked never found.
    The next report's reasons now say how long the longest earlier episode lasted."""
    missing_case(wmp15, days_ago=10, found_after=timedelta(hours=30))
    r = post(
        client_for(wmp15["call_handler"]),
        f"/api/v1/people/{wmp15['child'].pk}/recommendation",
        {
            "reported_by": "parent",
            "informant_name": "Dana Oakes",
            "missing_from": "home",
            "location_address": "12 Larch Road",
            "last_seen_at": (timezone.now() - timedelta(hours=2)).isoformat(),
            "last_seen_place": "school",
            "circumstances": "Not home.",
            "answers": answers(),
            "searches": {
                k: {"state": "done", "detail": ""}
                for k in ("bedroom_house", "friends_relatives", "known_places")
            },
        },
    )
    assert r.status_code == 200, r.json()
    history = [x["text"] for x in r.json()["reasons"] if x["rule"] == "R-RPT-10"]
    assert history and "30 hour(s) until found" in history[0]


def test_a_refusal_names_only_the_rule_that_refused_with_the_role_and_missing_fields(wmp15):
    ep = missing_case(wmp15, risk="high")
    r = post(
        client_for(wmp15["inspector"]),
        f"/api/v1/episodes/{ep.pk}/risk",
        {"version": ep.version, "risk": "medium", "rationale": "seen on CCTV, safe"},
    )
    data = r.json()
    assert r.status_code == 400
    assert data["rules"] == ["R-AUT-03"] and data["required_role"] == "superintendent"
    assert (
        data["message"].startswith("Only a superintendent may do this")
        and "R-CLS" not in data["message"]
    )
    # Absent confirmed without the review period, the call-back and the rationale: every
    # missing field is named, for a program to fill in.
    absent = episode_report(
        actor=wmp15["call_handler"],
        person_id=wmp15["child"].pk,
        report=report(),
        category="absent",
        now=NOW,
    )
    r = post(
        client_for(wmp15["inspector"]),
        f"/api/v1/episodes/{absent.pk}/category",
        {"version": absent.version, "category": "absent", "rationale": ""},
    )
    data = r.json()
    assert r.status_code == 400 and len(data["missing_fields"]) >= 2, data
    assert data["field"] == data["missing_fields"][0]


def test_the_current_evaluation_follows_the_case_and_the_timeline_is_in_the_api(wmp15):
    ep = episode_report(
        actor=wmp15["call_handler"],
        person_id=wmp15["child"].pk,
        report=report(),
        category="missing",
        risk="low",
        rationale="first",
        now=NOW,
    )
    episode_grade_risk(
        actor=wmp15["sergeant"],
        episode_id=ep.pk,
        version=ep.version,
        risk="high",
        rationale="new information: seen with an adult of concern",
    )
    c = client_for(wmp15["inspector"])
    evaluation = c.get(f"/api/v1/episodes/{ep.pk}/evaluation").json()
    assert evaluation["risk"] == "high" and evaluation["category"] == "missing"
    assert Episode.objects.get(pk=ep.pk).recommendation["risk"] is None  # at the report
    entries = c.get(f"/api/v1/episodes/{ep.pk}/timeline").json()
    assert [e["label"] for e in entries] == ["Report taken", "Risk raised"]
    assert entries[1]["rationale"].startswith("new information")
    # Partners see their view of the case, not the police's own record.
    assert (
        client_for(wmp15["social_worker"]).get(f"/api/v1/episodes/{ep.pk}/timeline").status_code
        == 403
    )


def test_deadlines_keep_their_fraction_of_a_second_and_belong_to_their_app(wmp15):
    ep = missing_case(wmp15)
    due = timezone.now() + timedelta(hours=3, microseconds=654321)
    from django.db import transaction

    with transaction.atomic():
        deadlines_sync(owner="returns", subject=ep, wanted=[("rhi_due", due, "R-RHI-01")])
    row = Deadline.objects.of(ep).get(owner="returns")
    assert row.due == due  # never cut down to the second below
    # The episodes app's next sync leaves another app's deadline alone.
    episode_grade_risk(
        actor=wmp15["sergeant"],
        episode_id=ep.pk,
        version=Episode.objects.get(pk=ep.pk).version,
        risk="high",
        rationale="escalating",
    )
    row.refresh_from_db()
    assert row.status == "open"

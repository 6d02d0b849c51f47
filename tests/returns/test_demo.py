"""The demo region's return interviews (misper/returns/demo.py): each authority's
arrangement, and the providers' queues showing a referral in every state and every outcome,
built through the services, deterministic and idempotent."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from misper.agencies.models import User
from misper.episodes.models import Episode
from misper.people.models import Person
from misper.people.selectors import flag_requests_for_user
from misper.returns.models import Arrangement, Outcome, OutOfArea, Referral, SharedItem
from misper.returns.selectors import queue_for_user

pytestmark = [pytest.mark.django_db, pytest.mark.demo]

WORKERS = ("rhi@safe-return.demo", "rhi@harbour-youth.demo")

# child, provider, state, the engine's rating, the worker's, outcome: the whole demo.
EXPECTED = sorted(
    [
        ("Amira", "safe-return", "closed", "red", "red", "completed"),
        ("Amira", "safe-return", "closed", "red", "red", "completed"),
        ("Amira", "safe-return", "closed", "red", "red", "completed"),
        ("Amira", "safe-return", "closed", "red", "red", "declined_child"),
        ("Chloe", "harbour-youth", "accepted", "red", "red", ""),
        ("Chloe", "harbour-youth", "closed", "red", "red", "completed"),
        ("Chloe", "harbour-youth", "closed", "red", "red", "completed"),
        ("Chloe", "harbour-youth", "closed", "red", "red", "completed"),
        ("Chloe", "harbour-youth", "closed", "red", "red", "declined_child"),
        ("Chloe", "harbour-youth", "closed", "red", "red", "unable_to_contact"),
        ("Chloe", "harbour-youth", "triaged", "red", "red", ""),
        ("Jayden", "safe-return", "closed", "green", "green", "letter_sent"),
        ("Kyle", "safe-return", "closed", "amber", "", "out_of_area"),
        ("Kyle", "safe-return", "closed", "red", "red", "completed"),
        ("Kyle", "safe-return", "closed", "red", "red", "declined_parent"),
        ("Leah", "harbour-youth", "awaiting_information", "amber", "amber", ""),
        ("Leah", "harbour-youth", "closed", "red", "red", "completed"),
        ("Leah", "harbour-youth", "offered", "red", "red", ""),
        ("Ravi", "safe-return", "awaiting_triage", "green", "amber", ""),
        ("Ravi", "safe-return", "not_required_proposed", "red", "", ""),
        ("Ravi", "safe-return", "triaged", "amber", "green", ""),
        ("Sofia", "harbour-youth", "awaiting_triage", "amber", "", ""),
        ("Tyrese", "safe-return", "awaiting_triage", "red", "", ""),
        ("Tyrese", "safe-return", "closed", "amber", "amber", "not_required"),
        ("Tyrese", "safe-return", "closed", "red", "red", "missing_again"),
        ("Tyrese", "safe-return", "closed", "red", "red", "unable_to_contact"),
    ]
)


def summary() -> list[tuple[str, ...]]:
    return sorted(
        (r.person.given_name, r.interviewer.code, r.state, r.engine_rag, r.rag, r.outcome)
        for r in Referral.objects.select_related("person", "interviewer")
    )


def queues() -> tuple[list[Referral], list[Referral]]:
    """What the two providers' workers see: their open queues and their closed lists."""
    open_, closed = [], []
    for email in WORKERS:
        worker = User.objects.get(email=email)
        open_ += queue_for_user(worker)
        closed += queue_for_user(worker, show="closed")
    return open_, closed


def test_the_demo_providers_queues_show_every_state_and_outcome():
    """R-RHI-10 (the ratings), R-RHI-11 and R-RHI-06 (the states and outcomes), R-RHI-12
    (routing, out of area), R-RHI-09 (shared with the police), R-RHI-01 (timeliness)."""
    call_command("demo", "--quiet")
    arrangements = {a.authority.code: a for a in Arrangement.objects.select_related("provider")}
    assert arrangements["vale-cc"].provider.name == "Safe Return Project"
    assert not arrangements["vale-cc"].provider_takes_out_of_area
    assert arrangements["harbour-cc"].provider.name == "Harbour Youth Support"
    assert arrangements["harbour-cc"].out_of_area == OutOfArea.HOST
    assert arrangements["westshire-cc"].provider is None

    open_, closed = queues()
    assert len(open_) + len(closed) == Referral.objects.count()
    waiting = [r for r in open_ if r.state == "awaiting_triage"]
    assert {r.engine_rag for r in waiting} == {"red", "amber", "green"}
    states = {(r.state, r.rag) for r in open_}
    assert {
        ("awaiting_information", "amber"),
        ("triaged", "red"),
        ("triaged", "green"),
        ("offered", "red"),
        ("accepted", "red"),
    } <= states
    assert "not_required_proposed" in {r.state for r in open_}
    # An open information request, on the referral waiting for it.
    (asking,) = [r for r in open_ if r.state == "awaiting_information"]
    assert asking.information_requests.filter(answered_at=None).count() == 1

    assert {r.outcome for r in closed} == set(Outcome.values)
    completed = [r for r in closed if r.outcome == "completed"]
    assert {r.within_72_hours for r in completed} == {True, False}
    assert all(r.hours_to_outcome is not None for r in closed)
    assert all(r.within_72_hours for r in closed if r.outcome != "completed")

    # Out of area: Westshire's children are interviewed by the host's provider, and say so.
    routed = [r for r in Referral.objects.all() if r.basis == "host"]
    assert {r.person.given_name for r in routed} == {"Kyle", "Chloe"}
    assert all(r.routing_note.startswith("Placed out of area: ") for r in routed)

    # Shared with the police: an associate on the child's record, and a flag request
    # waiting on the coordinator's list (R-RHI-09).
    associate = SharedItem.objects.get(kind="associate")
    assert associate.associate is not None
    assert associate.associate.source.startswith("Return interview, Safe Return Project")
    coordinator = User.objects.get(email="coordinator@vale-police.demo")
    (request,) = flag_requests_for_user(coordinator)
    assert request.status == "pending" and request.person == associate.person
    assert request.requested_by_org.code == "safe-return"

    # The demo's four open cases stay four; the children are the same eight.
    assert Episode.objects.exclude(status="closed").count() == 4
    assert Person.objects.count() == 9
    assert summary() == EXPECTED


def test_the_demo_returns_are_idempotent():
    """R-RHI-11: a second load neither repeats a step nor makes another referral."""
    call_command("demo", "--quiet")
    before = sorted(Referral.objects.values_list("pk", "state", "version"))
    shared = SharedItem.objects.count()
    call_command("demo", "--quiet")
    assert sorted(Referral.objects.values_list("pk", "state", "version")) == before
    assert SharedItem.objects.count() == shared
    assert Arrangement.objects.count() == 3

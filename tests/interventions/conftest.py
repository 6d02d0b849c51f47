"""The interventions tests' regions: the episode tests' force, area and child (Vale is the
child's home authority; Birch Lodge, in Vale, is a children's home) under West Mercia 2014
(escalating interventions, R-TRG-09..16) or West Midlands 2015 (repeat absent with a
non-crime reference, R-TRG-03..05, and the MASE trigger, R-TRG-07), with the force's
coordinator, Vale's team manager, and the people who must not see a trigger record.

Episodes are reported through the services at their own time (``now`` = the report), as
a call handler would have taken them then."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest

from misper.episodes.models import Episode
from misper.episodes.services import episode_report
from misper.people.services import PersonDetails, person_create, placement_record
from tests.episodes.conftest import answers, make_region, report


def add_people(r: dict[str, Any], make_org: Any, make_user: Any) -> dict[str, Any]:
    harbour = make_org("local_authority", name="Harbour", code="harbour")
    r.update(
        {
            "harbour": harbour,
            "coordinator": make_user("missing_person_coordinator", organisation=r["force"]),
            "team_manager": make_user("team_manager", organisation=r["vale"]),
            "other_authority": make_user("social_worker", organisation=harbour),
            "carer": make_user("carer", organisation=r["home"]),
            "analyst": make_user("analyst", organisation=r["force"]),
        }
    )
    return r


@pytest.fixture
def wmc(make_org, make_user) -> dict[str, Any]:
    """West Mercia 2014."""
    return add_people(make_region(make_org, make_user, "west-mercia-2014"), make_org, make_user)


@pytest.fixture
def wmp(make_org, make_user) -> dict[str, Any]:
    """West Midlands 2015."""
    return add_people(make_region(make_org, make_user, "west-midlands-2015"), make_org, make_user)


def child(r: dict[str, Any], given: str, *, authority: Any = None, home: Any = None) -> Any:
    """Another child of the region (of ``authority``, default Vale), placed at ``home`` if
    given (placed by their own authority)."""
    authority = authority or r["vale"]
    person = person_create(
        actor=r["call_handler"],
        details=PersonDetails(
            given_name=given,
            family_name="Test",
            date_of_birth=r["child"].date_of_birth,
            home_authority=authority,
        ),
    )
    if home is not None:
        placement_record(
            actor=r["social_worker"] if authority == r["vale"] else r["other_authority"],
            person_id=person.pk,
            placement_type="children_home",
            address=f"{home.name}, 1 Home Lane",
            provider=home,
            placing_authority=authority,
            host_authority=home.local_authority,
            started_on=(datetime.now().date() - timedelta(days=400)),
        )
    return person


def missing(
    r: dict[str, Any],
    at: datetime,
    *,
    person: Any = None,
    establishment: Any = None,
    address: str = "12 Larch Road, Northfold",
) -> Episode:
    """A missing report of the child (or ``person``) made at ``at``, graded medium."""
    return episode_report(
        actor=r["call_handler"],
        person_id=(person or r["child"]).pk,
        report=report(
            reported_at=at,
            last_seen_at=at - timedelta(hours=1),
            last_contact_at=None,
            answers=answers(out_of_character="yes"),
            establishment=establishment,
            missing_from="care" if establishment is not None else "home",
            location_address=address,
        ),
        category="missing",
        risk="medium",
        rationale="out of character",
        now=at,
    )


def absent(
    r: dict[str, Any], at: datetime, *, person: Any = None, address: str = "12 Larch Road"
) -> Episode:
    """An absent report (every question answered no), the inspector deciding the category
    at ``at``."""
    return episode_report(
        actor=r["inspector"],
        person_id=(person or r["child"]).pk,
        report=report(
            reported_at=at,
            last_seen_at=at - timedelta(hours=1),
            last_contact_at=at - timedelta(minutes=30),
            location_address=address,
        ),
        category="absent",
        rationale="At a friend's; mother agrees",
        now=at,
    )

"""The coordinator's desk counts the flag requests waiting, and lists every child of the
force missing more than three times in the last twelve months where the force's profile
adopts Oldham's monthly list (R-TRG-20: national-continuum does, the source protocols do
not); restricted cases do not count."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from misper.interventions.selectors import desk, monthly_missing
from misper.people.services import flag_request_land
from tests.episodes.conftest import make_region
from tests.interventions.conftest import add_people, child, missing
from tests.interventions.test_pages import signed_in, text
from tests.returns.test_api import Api, ok

pytestmark = pytest.mark.django_db


@pytest.fixture
def nat(make_org, make_user) -> dict[str, Any]:
    return add_people(make_region(make_org, make_user, "national-continuum"), make_org, make_user)


def test_four_missing_episodes_in_twelve_months_put_the_child_on_the_monthly_list(nat):
    now = timezone.now()
    for days in (300, 200, 90, 2):
        missing(nat, now - timedelta(days=days))
    three = child(nat, "Ruby")
    for days in (200, 90, 2):
        missing(nat, now - timedelta(days=days), person=three)
    late = child(nat, "Tia")
    for days in (400, 200, 90, 2):  # the first is outside the twelve months
        missing(nat, now - timedelta(days=days), person=late)
    listed = monthly_missing(nat["coordinator"])
    assert listed is not None and listed.config.min_episodes == 4
    assert [(r.person_id, r.count) for r in listed.rows] == [(nat["child"].pk, 4)]
    assert desk(nat["coordinator"])["monthly"] == listed
    page = text(signed_in(nat["coordinator"]).get("/interventions/"))
    assert "Monthly missing list" in page and "R-TRG-20" in page
    assert f"{nat['child'].given_name} {nat['child'].family_name}" in page
    body = ok(Api().get(nat["coordinator"], "/interventions/desk"))["monthly"]
    assert (body["min_episodes"], body["months"]) == (4, 12)
    assert [(c["person_id"], c["times_missing"]) for c in body["children"]] == [
        (nat["child"].pk, 4)
    ]


def test_no_list_where_the_profile_does_not_adopt_it(wmc):
    now = timezone.now()
    for days in (300, 200, 90, 2):
        missing(wmc, now - timedelta(days=days))
    assert monthly_missing(wmc["coordinator"]) is None
    assert "Monthly missing list" not in text(signed_in(wmc["coordinator"]).get("/interventions/"))
    assert ok(Api().get(wmc["coordinator"], "/interventions/desk"))["monthly"] is None


def test_children_s_services_and_an_analyst_do_not_get_the_force_s_list(nat):
    assert monthly_missing(nat["team_manager"]) is None
    assert monthly_missing(nat["analyst"]) is None


def test_the_desk_counts_the_flag_requests_waiting_for_the_coordinators(nat):
    """Issue 12 §6: the requests from other agencies to flag a child, waiting for the force's
    coordinators (R-FLG-02, R-RHI-09), counted on the desk with a link to them."""
    client = signed_in(nat["coordinator"])
    assert "none waiting" in text(client.get("/interventions/"))
    for kind in ("cse", "gang"):
        flag_request_land(
            actor=nat["social_worker"],
            person=nat["child"],
            kind=kind,
            reason="Seen with older men",
            source="Return interview, 3 March 2026",
            force=nat["force"],
        )
    assert desk(nat["coordinator"])["flag_requests"] == 2
    assert "2 waiting for a decision" in text(client.get("/interventions/"))
    assert ok(Api().get(nat["coordinator"], "/interventions/desk"))["flag_requests_waiting"] == 2
    assert desk(nat["team_manager"])["flag_requests"] == 0  # not theirs to decide

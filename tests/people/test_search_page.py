"""What the call handler sees of the search (issue 13 §3): a strength per row, "no
confident match" above rows none of which is strong, and possible duplicate records."""

from __future__ import annotations

from datetime import date

import pytest

from misper.people.services import PersonDetails, person_create
from tests.access.world import client_for
from tests.episodes.conftest import make_region

pytestmark = pytest.mark.django_db


@pytest.fixture
def region(make_org, make_user):
    r = make_region(make_org, make_user, "west-midlands-2015")
    for given in ("Lilly", "Lily"):
        person_create(
            actor=r["call_handler"],
            details=PersonDetails(
                given_name=given,
                family_name="Frihouse",
                date_of_birth=date(2011, 3, 9),
                home_authority=r["vale"],
            ),
        )
    return r


def search(r, name, day="9", month="3", year="2011"):
    data = {
        "name": name,
        "date_of_birth_day": day,
        "date_of_birth_month": month,
        "date_of_birth_year": year,
    }
    return client_for(r["call_handler"]).post("/people/search/", data).content.decode()


def test_the_child_is_a_strong_match_and_her_two_records_one_row(region):
    page = search(region, "Frihouse Lilly")
    assert "Strong" in page and 'data-testid="no-confident-match"' not in page
    assert "Possible duplicate records: 2" in page


def test_a_stranger_born_the_same_day_is_not_offered(region):
    """The old search listed anyone born that day first (43 times in 50 for an unseen
    child): a stranger's date of birth alone is no match."""
    page = search(region, "Tom Barker")
    assert 'data-testid="results"' not in page and "No match" in page


def test_weak_rows_come_under_no_confident_match(region):
    """A surname alone with a different date of birth: the child is offered, weak, under
    "no confident match"."""
    page = search(region, "Frihouse", day="1", month="5", year="2010")
    assert 'data-testid="results"' in page and "Weak</strong>" in page
    assert 'data-testid="no-confident-match"' in page


def test_the_api_says_how_strong_each_row_is(region):
    rows = (
        client_for(region["call_handler"])
        .post(
            "/api/v1/people/search",
            {"name": "Lilly Frihouse", "date_of_birth": "2011-03-09"},
            content_type="application/json",
        )
        .json()
    )
    assert rows[0]["strength"] == "strong" and len(rows[0]["duplicates"]) == 1

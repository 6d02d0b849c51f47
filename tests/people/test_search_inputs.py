"""What callers give (issue 13 §3): part of a date of birth ("born in 2011", "March 2011")
and a postcode (the child's home or their placement's), through the selector, the page
and the API; and a record started from a search takes the name as the search read it.

Each new input finds the child, and none makes a stranger a strong match: the crowd is
60 Smiths, Khans and Barkers born from 2008 to 2014 (tests/people/test_search.py), with
strangers who share the surname and the year, the month or the postcode district."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from misper.core.errors import ValidationFailed
from misper.people.search import split_caller_name
from misper.people.selectors import person_search
from misper.people.services import PersonDetails, person_create
from tests.care.region import border_region, place
from tests.people.test_search import _bulk, find, mk, pks

pytestmark = pytest.mark.django_db


@pytest.fixture
def crowd(region):
    given = [
        "Aaron",
        "Bella",
        "Caleb",
        "Daisy",
        "Ethan",
        "Freya",
        "Gavin",
        "Holly",
        "Isaac",
        "Jade",
    ]
    rows = []
    for family in ("Khan", "Barker", "Smith"):
        rows += [
            (given[i % 10] + ("" if i < 10 else chr(97 + i // 10)), family, None) for i in range(60)
        ]
    _bulk(region, rows)


def row_of(result, person):
    return next(m for m in result if m.person.pk == person.pk)


def field(match, name):
    return {f.field: f for f in match.fields}[name]


# --- Part of a date of birth ----------------------------------------------------------------


def test_a_year_of_birth_finds_the_child_and_counts_only_as_a_year(region, crowd):
    child = mk(region, "Ruby", "Smith", date(2011, 4, 2))
    same_year = mk(region, "Zoe", "Smith", date(2011, 9, 9))
    same_day = mk(region, "Oscar", "Brown", date(2011, 4, 2))

    result = find(region, name="Ruby Smith", year_of_birth=2011)
    assert pks(result)[0] == child.pk and result[0].strength == "strong"
    assert "year of birth" in result[0].reasons
    year = field(result[0], "year_of_birth")
    assert year.level == "exact" and 0 < year.weight < 5  # about one year in twelve
    assert same_day.pk not in pks(result)  # the year alone is no reason to offer a stranger
    assert all(m.strength != "strong" for m in result[1:])

    # A surname with the year: the Smiths born in 2011 (the crowd has some) before the
    # others, none strong.
    result = find(region, name="Smith", year_of_birth=2011, limit=100)
    years = [m.person.date_of_birth.year == 2011 for m in result]
    assert {child.pk, same_year.pk} <= set(pks(result))
    assert years == sorted(years, reverse=True) and years.count(False) > 0
    assert all(m.strength != "strong" for m in result)
    born_2011 = row_of(result, child)
    assert "year of birth" in born_2011.reasons and "date of birth" not in born_2011.reasons


def test_the_whole_date_outweighs_the_year_alone(region, crowd):
    child = mk(region, "Ruby", "Smith", date(2011, 4, 2))
    by_year = row_of(find(region, name="Ruby Smith", year_of_birth=2011), child)
    by_date = row_of(find(region, name="Ruby Smith", date_of_birth=date(2011, 4, 2)), child)
    assert by_date.score > by_year.score + 5
    # A year out weighs against.
    out = row_of(find(region, name="Ruby Smith", year_of_birth=2012), child)
    assert field(out, "year_of_birth").level == "close" and out.score < by_year.score


def test_a_month_and_year_find_the_child_before_the_others_born_that_year(region, crowd):
    child = mk(region, "Ruby", "Smith", date(2011, 3, 20))
    same_year = mk(region, "Zoe", "Smith", date(2011, 7, 1))
    same_month = mk(region, "Oscar", "Brown", date(2011, 3, 20))
    placeholder = mk(region, "Amy", "Smith", date(2011, 1, 1))  # "year only" on the record

    result = find(region, name="Smith", year_of_birth=2011, month_of_birth=3, limit=100)
    born = [
        (m.person.date_of_birth.year, m.person.date_of_birth.month) == (2011, 3) for m in result
    ]
    assert child.pk in pks(result[: born.count(True)])  # the Smiths born then, first
    assert born == sorted(born, reverse=True)
    assert "month and year of birth" in result[0].reasons
    assert same_month.pk not in pks(result)
    assert all(m.strength != "strong" for m in result)
    other_month = field(row_of(result, same_year), "month_of_birth")
    assert other_month.level == "partial" and other_month.weight < 0
    # A record holding 1 January (the year only) is compared as a year.
    assert field(row_of(result, placeholder), "year_of_birth").level == "exact"

    result = find(region, name="Ruby Smith", year_of_birth=2011, month_of_birth=3)
    assert pks(result)[0] == child.pk and result[0].strength == "strong"
    # A month out, or the same month a year out, is still some evidence.
    near = row_of(find(region, name="Ruby Smith", year_of_birth=2011, month_of_birth=4), child)
    assert field(near, "month_of_birth").level == "variant"


def test_part_of_a_date_of_birth_alone_finds_children_born_then_none_strong(region, crowd):
    child = mk(region, "Ruby", "Oakes", date(2011, 3, 20))
    for kw in ({"year_of_birth": 2011}, {"year_of_birth": 2011, "month_of_birth": 3}):
        result = find(region, limit=200, **kw)
        assert child.pk in pks(result), kw
        assert all(m.strength != "strong" for m in result)
        assert all(m.person.date_of_birth.year == 2011 for m in result if m.person.date_of_birth)


def test_an_estimated_age_is_compared_with_part_of_a_date_of_birth(region):
    from django.utils import timezone

    year = timezone.localdate().year - 14
    child = person_create(
        actor=region["call_handler"],
        details=PersonDetails(given_name="Kai", family_name="Doyle", estimated_age=14),
    )
    result = find(region, name="Kai Doyle", year_of_birth=year)
    assert pks(result) == [child.pk] and "estimated age" in result[0].reasons


def test_what_the_search_cannot_read_is_refused_naming_the_field(region):
    user = region["call_handler"]
    for kw, named in (
        ({"month_of_birth": 3}, "year_of_birth"),
        ({"year_of_birth": 2011, "month_of_birth": 13}, "month_of_birth"),
        ({"year_of_birth": 2011, "date_of_birth": date(2011, 3, 3)}, "year_of_birth"),
        ({"year_of_birth": 3011}, "year_of_birth"),
        ({"postcode": "not a postcode"}, "postcode"),
        # before, a date of birth in the future was a server error (a crash in the scorer)
        ({"date_of_birth": date(2029, 10, 14)}, "date_of_birth"),
    ):
        with pytest.raises(ValidationFailed) as caught:
            person_search(user, name="Smith", **kw)
        assert caught.value.field == named, kw


# --- A postcode: home or placement ---------------------------------------------------------------


def test_a_home_postcode_finds_the_child_and_weighs_like_the_phone(region, crowd):
    child = mk(region, "Ruby", "Smith", date(2011, 4, 2), home_postcode="B12 9QD")
    next_door = mk(region, "Oscar", "Brown", date(2012, 5, 5), home_postcode="B12 0AA")
    elsewhere = mk(region, "Zoe", "Smith", date(2011, 9, 9), home_postcode="B13 8AA")

    result = find(region, name="Smith", postcode="b12 9qd", limit=100)
    assert pks(result)[0] == child.pk
    assert "postcode district" in result[0].reasons
    assert next_door.pk not in pks(result)  # the district alone offers no stranger
    assert all(m.strength != "strong" for m in result)
    differs = field(row_of(result, elsewhere), "postcode")
    assert differs.level == "different" and differs.weight < 0

    # The first part alone, and with the whole name: the child, strong.
    result = find(region, name="Ruby Smith", postcode="B12")
    assert pks(result)[0] == child.pk and result[0].strength == "strong"
    assert field(result[0], "postcode").weight > 0

    # The postcode alone: the children of the district, none strong.
    result = find(region, postcode="B12", limit=20)
    assert set(pks(result)) == {child.pk, next_door.pk}
    assert all(m.strength != "strong" for m in result)


def test_a_postcode_is_read_whole_or_by_its_first_part():
    from misper.people.matching import outward_code

    for typed, district in (
        ("B12 9QD", "B12"),
        ("b1 2qd", "B1"),
        ("SW1A 1AA", "SW1A"),
        ("WR12HQ", "WR1"),
        ("B12", "B12"),
        ("12345", ""),
        ("nowhere", ""),
        ("", ""),
    ):
        assert outward_code(typed) == district, typed


@pytest.fixture
def border(make_org, make_user):
    return border_region(make_org, make_user)


def test_a_placement_postcode_finds_the_child_placed_there(border):
    """Mia (Birmingham) is placed in Hawthorn House, WR1 2HQ: the home's staff call with
    its postcode. The key follows the placement (placement_record)."""
    mia = border["child"]
    handler = border["wmp_call_handler"]
    other = person_create(
        actor=border["bham_sw"],
        details=PersonDetails(
            given_name="Mia", family_name="Robertson", date_of_birth=date(2011, 8, 19)
        ),
    )
    before = person_search(handler, name="Mia", postcode="WR1 2HQ")
    assert all("placement postcode district" not in m.reasons for m in before)
    place(border)
    result = person_search(handler, name="Mia", postcode="WR1 2HQ")
    assert result[0].person.pk == mia.pk
    assert "placement postcode district" in result[0].reasons
    assert other.pk not in result[0].duplicates
    result = person_search(handler, postcode="WR1")
    assert [m.person.pk for m in result] == [mia.pk] and result[0].strength != "strong"


# --- The page and the API --------------------------------------------------------------------


def post_search(client, **data):
    return client.post(reverse("people:search"), data)


def test_the_page_takes_a_month_by_name_and_a_postcode(region, crowd, mfa_client):
    mk(region, "Ruby", "Smith", date(2011, 3, 20), home_postcode="B12 9QD")
    client = mfa_client(region["call_handler"])
    page = post_search(
        client,
        name="Smith",
        date_of_birth_day="",
        date_of_birth_month="March",
        date_of_birth_year="2011",
        postcode="B12",
    ).content.decode()
    assert 'data-testid="results"' in page
    assert "month and year of birth, postcode district" in page
    page = post_search(client, name="Smith", date_of_birth_year="2011").content.decode()
    assert "year of birth" in page


def test_the_page_names_the_field_it_cannot_read(region, mfa_client):
    client = mfa_client(region["call_handler"])
    for data, message in (
        ({"date_of_birth_month": "3"}, "Date of birth must include a year"),
        ({"date_of_birth_day": "4", "date_of_birth_year": "2011"}, "must include a month"),
        ({"date_of_birth_month": "Smarch", "date_of_birth_year": "2011"}, "must be a real date"),
        ({"date_of_birth_year": "11"}, "Year of date of birth must include 4 numbers"),
        ({"postcode": "12345"}, "Enter a real postcode"),
        ({"date_of_birth_year": "3011"}, "Year of birth must be from 1900"),
        (
            {"date_of_birth_day": "14", "date_of_birth_month": "10", "date_of_birth_year": "2029"},
            "Date of birth must be today or in the past",
        ),
    ):
        response = post_search(client, name="Smith", **data)
        page = response.content.decode()
        assert response.status_code == 400, data
        assert "There is a problem" in page and message in page, data


def test_the_api_takes_part_of_a_date_of_birth_and_a_postcode(region, crowd, mfa_client):
    child = mk(region, "Ruby", "Smith", date(2011, 3, 20), home_postcode="B12 9QD")
    client = mfa_client(region["call_handler"])
    rows = client.post(
        "/api/v1/people/search",
        {"name": "Smith", "year_of_birth": 2011, "month_of_birth": 3, "postcode": "B12"},
        content_type="application/json",
    ).json()
    assert rows[0]["id"] == child.pk
    assert {"month and year of birth", "postcode district"} <= set(rows[0]["reasons"])
    response = client.post(
        "/api/v1/people/search",
        {"name": "Smith", "month_of_birth": 3},
        content_type="application/json",
    )
    assert response.status_code == 400 and response.json()["field"] == "year_of_birth"
    response = client.post(
        "/api/v1/people/search", {"postcode": "nowhere"}, content_type="application/json"
    )
    assert response.status_code == 400 and response.json()["field"] == "postcode"


# --- A record started from the search: the name as the search read it ------------------------


def test_split_caller_name():
    # Nothing better: the last word is the family name.
    assert split_caller_name("Lilly Mae Frihouse") == ("Lilly Mae", "Frihouse")
    assert split_caller_name("Frihouse") == ("", "Frihouse")
    assert split_caller_name("") == ("", "")
    # A comma: the family name first.
    assert split_caller_name("Smith-Jones,  Amy Rose") == ("Amy Rose", "Smith-Jones")
    # The search's reading: the best row that matched both names says which is which.
    assert split_caller_name("Smith Jayden", [(None, 0), (1, 0)]) == ("Jayden", "Smith")
    assert split_caller_name("Smith Jayden", [(1, None), (None, 0)]) == ("Jayden", "Smith")
    assert split_caller_name("Jayden", [(0, None)]) == ("Jayden", "")
    assert split_caller_name("Smith Jayden", [(None, None)]) == ("Smith", "Jayden")


def create_form(page):
    return page[page.index('data-testid="create-from-search"') :]


def test_a_record_started_from_a_surname_first_search_gets_the_names_right(
    region, crowd, mfa_client
):
    """'Smith Jayden': a Jayden Smith is recorded (another child, born another day); the
    call handler creates a record for the child on the call, and the names land in the
    right boxes. Before, the last word ('Jayden') was taken for the family name."""
    mk(region, "Jayden", "Smith", date(2009, 1, 5))
    client = mfa_client(region["call_handler"])
    page = post_search(
        client,
        name="Smith Jayden",
        date_of_birth_day="",
        date_of_birth_month="6",
        date_of_birth_year="2013",
    ).content.decode()
    form = create_form(page)
    assert 'name="given_name" value="Jayden"' in form
    assert 'name="family_name" value="Smith"' in form
    assert 'name="birth_month" value="6"' in form and 'name="birth_year" value="2013"' in form

    # Nobody of the name: the last word is the family name, unless a comma says otherwise.
    form = create_form(post_search(client, name="Nyla Okonjo").content.decode())
    assert 'name="given_name" value="Nyla"' in form and 'name="family_name" value="Okonjo"' in form
    form = create_form(post_search(client, name="Okonjo, Nyla").content.decode())
    assert 'name="given_name" value="Nyla"' in form and 'name="family_name" value="Okonjo"' in form

    # The create page starts from them: the month and year in their boxes, the day to ask.
    response = client.post(
        reverse("people:create"),
        {
            "from_search": "1",
            "given_name": "Jayden",
            "family_name": "Smith",
            "date_of_birth": "",
            "birth_month": "6",
            "birth_year": "2013",
        },
    )
    page = response.content.decode()
    assert response.status_code == 200 and "There is a problem" not in page
    assert 'name="date_of_birth_day" type="text" value=""' in page
    assert 'name="date_of_birth_month" type="text" value="6"' in page
    assert 'name="date_of_birth_year" type="text" value="2013"' in page

"""Finding the child on the call, through the browser (issue 13, "Done when"; the merge of
duplicate records and its undo: tests/browser/test_duplicates_journey.py).

The records are dirty as a force's are: a dozen Smiths born on other days; Jayden Smith
and his twin Poppy, who share his surname and his date of birth; two other children born
that same day; Jayden Smyth, who sounds the same and was born another day; Thomas Barker
among other Barkers and a Poppy Baker; and Lilly Frihouse, recorded twice (once as
"Lily"). The call handler:

1. searches by surname and date of birth: Jayden and Poppy, neither taken for the child
   ("No confident match"), the children merely born that day not offered;
2. by surname first ("Smith Jayden"), with and without the date of birth: Jayden, strong;
3. by a nickname ("Tom Barker"): Thomas Barker first;
4. by what a caller often knows: the surname, "April 2011" and the postcode: Jayden first;
5. for Lilly: one row, "Possible duplicate records: 2";
6. for a child nobody has recorded: "Smith Aaron" with Jayden's date of birth shows "No
   confident match" and no strong row, and the record started from it has "Aaron" as the
   given name and "Smith" as the family name; "Nyla Okonjo" shows "No match".

Every page on the way is checked with axe (tests/browser/helpers.py)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from tests.browser.helpers import follow, path, sign_in_with_session, visit

pytestmark = pytest.mark.browser

BORN = date(2011, 4, 2)


@pytest.fixture
def world(make_org, make_user):  # type: ignore[no-untyped-def]
    from misper.people.services import PersonDetails, person_create

    force = make_org("police_force", name="Vale and Harbour Police", code="vhp")
    area = make_org("policing_area", name="Northfold", code="northfold", parent=force)
    vale = make_org("local_authority", name="Vale County Council", code="vale")
    handler = make_user("call_handler", organisation=area)

    def child(given: str, family: str, born: date, **kw: Any) -> Any:
        return person_create(
            actor=handler,
            details=PersonDetails(
                given_name=given,
                family_name=family,
                date_of_birth=born,
                home_authority=vale,
                **kw,
            ),
        )

    for i, given in enumerate(
        ["Aisha", "Ben", "Cody", "Demi", "Evan", "Faye", "Grace", "Harry", "Ivy", "Jack", "Kyle"]
    ):
        child(given, "Smith", date(2008 + i % 6, 1 + i, 3 + i))
    for given, family in (("Oliver", "Nowak"), ("Amira", "Hussain")):
        child(given, family, BORN)  # born the same day
    for given, family, born in (
        ("Tia", "Barker", date(2012, 2, 2)),
        ("Poppy", "Baker", date(2010, 5, 5)),
        ("Harvey", "Barker", date(2013, 8, 8)),
    ):
        child(given, family, born)
    people = {
        "jayden": child("Jayden", "Smith", BORN, home_postcode="B12 9QD"),
        "poppy": child("Poppy", "Smith", BORN, home_postcode="B12 9QD"),  # his twin
        "smyth": child("Jayden", "Smyth", date(2009, 11, 30)),
        "thomas": child("Thomas", "Barker", date(2010, 5, 5)),
        "lilly": child("Lilly", "Frihouse", date(2011, 3, 9)),
        "lily": child("Lily", "Frihouse", date(2011, 3, 9)),  # a second record of her
    }
    return {"handler": handler, **people}


def nav(page, name: str):  # type: ignore[no-untyped-def]
    return page.get_by_role("navigation", name="Menu").get_by_role("link", name=name, exact=True)


def search(
    page, name: str = "", *, day: str = "", month: str = "", year: str = "", postcode: str = ""
) -> None:  # type: ignore[no-untyped-def]
    """Fill in the search form (every box, so nothing is left from the search before)
    and search."""
    page.get_by_label("Name or alias").fill(name)
    born = page.get_by_role("group", name="Date of birth", exact=True)
    born.get_by_label("Day").fill(day)
    born.get_by_label("Month").fill(month)
    born.get_by_label("Year").fill(year)
    page.get_by_label("Postcode").fill(postcode)
    follow(page, page.get_by_role("button", name="Search"))
    assert path(page) == "/people/search/"


def rows(page) -> list[dict[str, str]]:  # type: ignore[no-untyped-def]
    """The results as the call handler reads them: strength, name and what matched."""
    if not page.get_by_test_id("results").count():
        return []
    out = []
    for row in page.get_by_test_id("results").locator("tbody tr").all():
        cells = row.locator("td").all_inner_texts()
        out.append(
            {
                "strength": cells[0].strip(),
                "name": cells[2].strip().splitlines()[0],
                "details": cells[2],
                "matched": cells[6].strip(),
            }
        )
    return out


def no_confident_match(page) -> bool:  # type: ignore[no-untyped-def]
    return page.get_by_test_id("no-confident-match").count() == 1


def test_the_call_handler_finds_the_child_in_dirty_records(page, world):  # type: ignore[no-untyped-def]
    sign_in_with_session(page, world["handler"])
    visit(page, "/")
    follow(page, nav(page, "Find a child"))
    assert path(page) == "/people/search/"

    # 1. Surname and date of birth: Jayden and his twin, neither strong.
    search(page, "Smith", day="2", month="4", year="2011")
    found = rows(page)
    names = [r["name"] for r in found]
    assert set(names[:2]) == {"Jayden Smith", "Poppy Smith"}, found
    for r in found[:2]:  # as likely as each other: the caller must say which
        assert r["strength"] == "Possible" and r["matched"] == "family name, date of birth"
    assert all(r["strength"] == "Weak" for r in found[2:])
    assert no_confident_match(page)
    assert "Oliver Nowak" not in names and "Amira Hussain" not in names  # born that day only

    # 2. Surname first, with the date of birth and without: Jayden, strong.
    search(page, "Smith Jayden", day="2", month="4", year="2011")
    found = rows(page)
    assert found[0]["name"] == "Jayden Smith" and found[0]["strength"] == "Strong", found
    assert "Poppy Smith" not in [r["name"] for r in found[:1]] and not no_confident_match(page)
    search(page, "Smith Jayden")
    found = rows(page)
    assert found[0]["name"] == "Jayden Smith" and found[0]["strength"] == "Strong", found
    assert "Jayden Smyth" in [r["name"] for r in found]  # sounds alike, shown below
    assert [r["strength"] for r in found].count("Strong") == 1

    # 3. A nickname: "Tom" for Thomas.
    search(page, "Tom Barker")
    found = rows(page)
    assert found[0]["name"] == "Thomas Barker", found
    # A nickname and a surname alone are not enough to be sure: possible, the others weak.
    assert found[0]["strength"] == "Possible" and found[0]["matched"] == "name"
    assert all(r["strength"] == "Weak" for r in found[1:])
    assert "Poppy Baker" not in [r["name"] for r in found]

    # 4. What a caller often knows: the surname, the month and year, the postcode.
    search(page, "Smith", month="April", year="2011", postcode="B12 9QD")
    found = rows(page)
    assert {r["name"] for r in found[:2]} == {"Jayden Smith", "Poppy Smith"}, found
    assert "month and year of birth" in found[0]["matched"]
    assert "postcode district" in found[0]["matched"]
    assert all(r["strength"] != "Strong" for r in found) and no_confident_match(page)

    # 5. A child with two records: one row.
    search(page, "Lilly Frihouse", day="9", month="3", year="2011")
    found = rows(page)
    assert len([r for r in found if "Frihouse" in r["name"]]) == 1, found
    assert "Possible duplicate records: 2" in found[0]["details"]
    assert found[0]["strength"] == "Strong"

    # 6. A child nobody has recorded, typed surname first, born the day Jayden was.
    search(page, "Smith Aaron", day="2", month="4", year="2011")
    found = rows(page)
    assert found and all(r["strength"] != "Strong" for r in found), found
    assert no_confident_match(page)
    assert "No confident match" in page.get_by_test_id("no-confident-match").inner_text()
    follow(page, page.get_by_role("button", name="No match: create a record"))
    assert path(page) == "/people/new/"
    assert page.get_by_label("Given name").input_value() == "Aaron"
    assert page.get_by_label("Family name").input_value() == "Smith"
    born = page.get_by_role("group", name="Date of birth", exact=True)
    assert [born.get_by_label(p).input_value() for p in ("Day", "Month", "Year")] == [
        "2",
        "4",
        "2011",
    ]

    # And one whose name and date of birth nobody has: no row at all.
    follow(page, nav(page, "Find a child"))
    search(page, "Nyla Okonjo", day="9", month="9", year="2012")
    assert rows(page) == [] and "No match" in page.locator("#results").inner_text()

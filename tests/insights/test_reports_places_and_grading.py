"""The distance, hot-spot and grading reports (issue 14, part 1): distances from real
postcodes of the ONS directory on either side of every band edge of C-10 (rounded half
up), the home or the placement current on the day the child was last seen, and every
reason a distance is not known counted; the hot spots' top 20 and their small counts
suppressed for everyone but the force's own analyst and in every download; and a
hand-computed table of category and risk usage and of first gradings later raised
(R-HMI-02)."""

from __future__ import annotations

import csv
import io
from collections import Counter
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from openpyxl import load_workbook

from misper.agencies.geography import grid_reference
from misper.episodes.models import CategoryDecision, RiskGrading
from misper.insights import reports
from misper.insights.reports import (
    SUPPRESSED,
    distance_band,
    miles_between,
    report_for,
    whole_miles,
)
from misper.people.models import Placement
from tests.insights.reports_data import Loader, force_with_areas, utc

D = Decimal
YEAR = {"start": date(2025, 1, 1), "end": date(2025, 12, 31)}
PERIOD = {"from": "2025-01-01", "to": "2025-12-31"}
HOME = "B1 1AA"
# Postcodes of the ONS directory and their straight-line distance from B1 1AA in miles
# (from the directory's grid references), each just either side of a band edge.
FROM_B1_1AA = [
    ("B1 1AA", "0.0", 0, "0 to 5 miles"),
    ("B26 3YE", "5.4999", 5, "0 to 5 miles"),
    ("B33 0LA", "5.5003", 6, "6 to 10 miles"),
    ("WS14 0QB", "10.4999", 10, "6 to 10 miles"),
    ("B94 5NJ", "10.5002", 11, "11 to 20 miles"),
    ("CV34 6TB", "20.4979", 20, "11 to 20 miles"),
    ("CV31 3JS", "20.5011", 21, "21 to 40 miles"),
    ("SY3 8ZE", "40.4997", 40, "21 to 40 miles"),
    ("OX5 4RH", "40.5004", 41, "41 to 80 miles"),
    ("L9 1HG", "80.5000", 80, "41 to 80 miles"),
    ("BL1 8NH", "80.5000", 81, "81 miles or more"),
]


# --- C-10's distance bands, on their own -------------------------------------------------------


@pytest.mark.parametrize(
    ("miles", "band"),
    [
        (0, "0 to 5 miles"),
        (5, "0 to 5 miles"),
        (6, "6 to 10 miles"),
        (10, "6 to 10 miles"),
        (11, "11 to 20 miles"),
        (20, "11 to 20 miles"),
        (21, "21 to 40 miles"),
        (40, "21 to 40 miles"),
        (41, "41 to 80 miles"),
        (80, "41 to 80 miles"),
        (81, "81 miles or more"),
        (400, "81 miles or more"),
    ],
)
def test_whole_miles_fall_in_c10_bands(miles, band):
    assert distance_band(miles) == band


def test_distances_are_rounded_half_up_to_whole_miles():
    # 5.5 miles is 8,851.392 metres exactly: half up to 6, never to the even 6 or down to 5.
    assert miles_between((0, 0), (D("8851.392"), 0)) == D("5.5")
    assert whole_miles(miles_between((0, 0), (D("8851.392"), 0))) == 6
    assert whole_miles(miles_between((0, 0), (0, D("8851.391")))) == 5
    # 4.5 miles (7,242.048 m) on a diagonal 3-4-5: half up to 5.
    assert miles_between((100, 100), (100 + D("4345.2288"), 100 + D("5793.6384"))) == D("4.5")
    assert whole_miles(D("4.5")) == 5 and whole_miles(D("10.5")) == 11
    assert whole_miles(D("80.4999")) == 80 and whole_miles(D("80.5")) == 81


def test_the_directory_gives_grid_references_and_the_known_separations():
    home = grid_reference("b11aa")
    assert home == (406649, 286530)
    for postcode, miles, whole, band in FROM_B1_1AA:
        found = grid_reference(postcode)
        assert found is not None, postcode
        exact = miles_between(home, found)
        assert abs(exact - D(miles)) < D("0.0001"), (postcode, exact)
        assert whole_miles(exact) == whole and distance_band(whole) == band
    assert grid_reference("ZZ9 9ZZ") is None and grid_reference("not a postcode") is None


# --- The distance report -------------------------------------------------------------------------


@pytest.fixture
def w(make_org, make_user) -> dict[str, Any]:
    return force_with_areas(make_org, make_user)


@pytest.fixture
def load(w) -> Loader:
    return Loader(w, w["call_handler"])


def placement(w: dict[str, Any], person: Any, postcode: str, started: date, ended=None) -> None:
    Placement.objects.create(
        person=person,
        placement_type="children_home",
        address="1 Birch Lane",
        postcode=postcode,
        placing_authority=w["vale"],
        host_authority=w["vale"],
        started_on=started,
        ended_on=ended,
    )


def distance_data(w: dict[str, Any], load: Loader) -> None:
    """Eighteen missing episodes in 2025 (and some that are not counted):

    - eleven children living at B1 1AA, found at each postcode of FROM_B1_1AA;
    - placed at BL1 8NH from the day she was last seen, found there: 0 miles;
    - placed at BL1 8NH until 31 March, last seen 1 May from home (B1 1AA), found at
      BL1 8NH: 81 miles;
    - placed at L9 1HG from 1 January, found there: 0 miles (the home is not used);
    - not known: found with no postcode, still missing, no home postcode, and a postcode
      not in the directory (ZZ9 9ZZ).
    """
    seen = utc(2025, 6, 10, 12)
    found = seen + timedelta(hours=5)
    for postcode, *_ in FROM_B1_1AA:
        load.episode(load.child(home_postcode=HOME), seen, found=found, found_postcode=postcode)
    placed_that_day = load.child(home_postcode=HOME)
    load.episode(placed_that_day, seen, found=found, found_postcode="BL1 8NH")
    moved_home = load.child(home_postcode=HOME)
    load.episode(moved_home, utc(2025, 5, 1, 12), found=found, found_postcode="BL18NH")
    placed = load.child(home_postcode=HOME)
    load.episode(placed, seen, found=found, found_postcode="L9 1HG")
    load.episode(load.child(home_postcode=HOME), seen, found=found, found_postcode="")
    load.episode(load.child(home_postcode=HOME), seen)  # still missing
    load.episode(load.child(home_postcode=""), seen, found=found, found_postcode=HOME)
    load.episode(load.child(home_postcode=HOME), seen, found=found, found_postcode="ZZ9 9ZZ")
    # Not counted: an absence, another force's episode, and one last seen in 2024.
    load.episode(
        load.child(home_postcode=HOME), seen, found=found, found_postcode=HOME, category="absent"
    )
    load.episode(
        load.child(home_postcode=HOME),
        seen,
        found=found,
        found_postcode=HOME,
        area=w["harbour_area"],
    )
    load.episode(
        load.child(home_postcode=HOME), utc(2024, 12, 31, 12), found=found, found_postcode=HOME
    )
    load.save()
    placement(w, placed_that_day, "BL1 8NH", date(2025, 6, 10))
    placement(w, moved_home, "BL1 8NH", date(2025, 1, 1), ended=date(2025, 3, 31))
    placement(w, placed, "L9 1HG", date(2025, 1, 1))


@pytest.mark.django_db
def test_distance_found_from_home_or_placement_in_c10_bands(w, load):
    distance_data(w, load)
    report = report_for(w["analyst"], "distance", **YEAR)
    bands = report.table("bands")
    expected = {
        "0 to 5 miles": (4, "22.2"),
        "6 to 10 miles": (2, "11.1"),
        "11 to 20 miles": (2, "11.1"),
        "21 to 40 miles": (2, "11.1"),
        "41 to 80 miles": (2, "11.1"),
        "81 miles or more": (2, "11.1"),
        "Not known": (4, "22.2"),
        "All missing episodes": (18, "100.0"),
    }
    assert {r["label"]: (r["count"], str(r["share"])) for r in bands.all_rows} == expected
    not_known = report.table("not_known")
    assert {r["label"]: r["count"] for r in not_known.all_rows} == {
        reports.NO_FOUND_POSTCODE: 2,
        reports.NO_HOME_POSTCODE: 1,
        reports.NOT_IN_DIRECTORY: 1,
        "Not known": 4,
    }
    assert not_known.value(reports.NO_FOUND_POSTCODE, "share") == D("50.0")
    # A team manager of Vale sees the same children's episodes, Harbour's analyst none here.
    tm = report_for(w["team_manager"], "distance", **YEAR).table("bands")
    assert tm.value("All missing episodes", "count") == 19  # and the one in Harbour's area
    other = report_for(w["other_analyst"], "distance", **YEAR).table("bands")
    assert other.value("All missing episodes", "count") == 1
    assert other.value("0 to 5 miles", "count") == 1


# --- Hot spots ---------------------------------------------------------------------------------


def hot_data(w: dict[str, Any], load: Loader, make_org: Any) -> None:
    """Eighteen missing episodes in 2025: went missing from B23 (6), B27 (5), B31 (4),
    B33 (1) and two with no postcode; found in B1 (10), eight not found; from Birch Lodge
    (5) and Oak House (3), ten from no establishment."""
    oak = make_org("childrens_home", name="Oak House", code="oak", local_authority=w["vale"])
    places = ["B23 6SN"] * 6 + ["B27 7AA"] * 5 + ["B31 2AA"] * 4 + ["B33 8AA"] + ["", ""]
    homes = [w["home"]] * 5 + [oak] * 3 + [None] * 10
    seen = utc(2025, 4, 1, 12)
    for i, (place, home) in enumerate(zip(places, homes, strict=True)):
        load.episode(
            load.child(),
            seen + timedelta(days=i),
            found=seen + timedelta(days=i, hours=3) if i < 10 else None,
            found_postcode="B1 1AA" if i < 10 else "",
            location_postcode=place,
            establishment=home,
            area=w["south"] if i % 2 else w["north"],
        )
    load.episode(load.child(), seen, location_postcode="B23 6SN", category="absent")
    load.save()


@pytest.mark.django_db
def test_hot_spots_exact_for_the_analyst_and_suppressed_for_a_board(w, load, make_org, make_user):
    hot_data(w, load, make_org)
    exact = report_for(w["analyst"], "hot-spots", **YEAR)
    assert not exact.suppressed
    rows = [(r["label"], r["rank"], r["count"]) for r in exact.table("missing_from").all_rows]
    assert rows == [
        ("B23", 1, 6),
        ("B27", 2, 5),
        ("B31", 3, 4),
        ("B33", 4, 1),
        ("Not known", None, 2),
    ]
    found = exact.table("found")
    assert [(r["label"], r["count"]) for r in found.all_rows] == [("B1", 10), ("Not known", 8)]
    homes = exact.table("establishments")
    assert [(r["label"], r["count"]) for r in homes.all_rows] == [
        ("Birch Lodge", 5),
        ("Oak House", 3),
        ("Not known", 10),
    ]
    board = make_org("safeguarding_board", name="Vale SCP", local_authority=w["vale"])
    member = make_user("safeguarding_board_member", organisation=board)
    for user, suppress in ((member, None), (w["team_manager"], None), (w["analyst"], True)):
        hidden = report_for(user, "hot-spots", **YEAR, suppress=suppress)
        assert hidden.suppressed
        assert [r["count"] for r in hidden.table("missing_from").all_rows] == [
            6,
            5,
            SUPPRESSED,
            SUPPRESSED,
            SUPPRESSED,
        ]
        assert [r["count"] for r in hidden.table("establishments").all_rows] == [
            5,
            SUPPRESSED,
            10,
        ]
    # Other reports are not suppressed: a board sees the distance report's small counts.
    assert not any(t.suppress_below for t in report_for(member, "durations", **YEAR).tables)


def test_hot_spots_are_the_top_20_most_first_then_alphabetical():
    places = Counter({f"B{i}": 1 for i in range(1, 23)})
    places["WR1"] = 7
    table = reports._hot_table("t", "Places", "Place", places, 0)
    assert len(table.rows) == reports.HOT_SPOTS_TOP == 20
    assert [r["label"] for r in table.rows[:4]] == ["WR1", "B1", "B10", "B11"]
    assert "B9" not in [r["label"] for r in table.rows]  # 21st and 22nd alphabetically
    zero = reports.suppressed(reports._hot_table("t", "Places", "Place", Counter({"B1": 5}), 0))
    assert [r["count"] for r in zero.all_rows] == [5, 0]  # zero is not hidden


@pytest.mark.django_db
def test_hot_spot_downloads_and_api(w, load, make_org, make_user, mfa_client):
    hot_data(w, load, make_org)
    client = mfa_client(w["analyst"])
    page = client.get("/insights/reports/hot-spots/", PERIOD).content.decode()
    assert SUPPRESSED not in page.split('data-testid="table-missing_from"')[1].split("</table>")[0]
    assert "You see the exact counts" in page
    response = client.post(
        "/insights/reports/hot-spots.csv", {**PERIOD, "purpose": "Problem profile"}
    )
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert ["B31", "3", SUPPRESSED] in rows and ["B23", "1", "6"] in rows
    book = client.post("/insights/reports/hot-spots.xlsx", {**PERIOD, "purpose": "Problem profile"})
    sheet = load_workbook(io.BytesIO(book.content)).worksheets[1]
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert ["B33", 4, SUPPRESSED] in values and ["B27", 2, 5] in values
    # The API: exact for the analyst, words for a board member.
    api = client.get("/api/v1/insights/reports/hot-spots", PERIOD).json()
    table = next(t for t in api["tables"] if t["key"] == "missing_from")
    assert [r["values"]["count"] for r in table["rows"]] == [6, 5, 4, 1]
    board = make_org("safeguarding_board", name="Vale SCP", local_authority=w["vale"])
    member = mfa_client(make_user("safeguarding_board_member", organisation=board))
    api = member.get("/api/v1/insights/reports/hot-spots", PERIOD).json()
    table = next(t for t in api["tables"] if t["key"] == "missing_from")
    assert [r["values"]["count"] for r in table["rows"]] == [6, 5, SUPPRESSED, SUPPRESSED]
    html = member.get("/insights/reports/hot-spots/", PERIOD).content.decode()
    assert SUPPRESSED in html and "so that no child can be recognised" in html


# --- Grading -----------------------------------------------------------------------------------


def grading_data(w: dict[str, Any], load: Loader) -> None:
    """Six episodes in 2025 (episode: area, child, category, gradings in order, category
    decisions in order; "role:level"):

    E1 North, girl, White: missing; call_handler:low, inspector:high (raised);
       call_handler:missing
    E2 North, boy, White: missing; call_handler:medium, inspector:low (not raised);
       call_handler:missing
    E3 South, girl, Black: missing; sergeant:medium, sergeant:medium, inspector:high
       (raised); call_handler:absent, inspector:missing
    E4 South, boy, Asian: missing; call_handler:high (not raised); sergeant:missing
    E5 North, girl, White: absent, no grading; call_handler:absent
    E6 South, boy, White: missing; call_handler:no_apparent_risk, sergeant:low (raised);
       call_handler:missing
    """
    people = [
        load.child(sex="female"),
        load.child(sex="male"),
        load.child(sex="female", ethnicity="BCRB"),
        load.child(sex="male", ethnicity="AIND"),
        load.child(sex="female"),
        load.child(sex="male"),
    ]
    areas = ["north", "north", "south", "south", "north", "south"]
    categories = ["missing"] * 4 + ["absent", "missing"]
    risks = ["high", "low", "high", "high", "", "low"]
    seen = utc(2025, 7, 1, 12)
    for i in range(6):
        load.episode(
            people[i],
            seen + timedelta(days=i),
            category=categories[i],
            risk=risks[i],
            area=w[areas[i]],
        )
    load.episode(load.child(), seen, area=w["harbour_area"])  # another force's
    saved = load.save()
    gradings = [
        ["call_handler:low", "inspector:high"],
        ["call_handler:medium", "inspector:low"],
        ["sergeant:medium", "sergeant:medium", "inspector:high"],
        ["call_handler:high"],
        [],
        ["call_handler:no_apparent_risk", "sergeant:low"],
        ["call_handler:low", "inspector:high"],  # Harbour's: not counted
    ]
    decisions = [
        ["call_handler:missing"],
        ["call_handler:missing"],
        ["call_handler:absent", "inspector:missing"],
        ["sergeant:missing"],
        ["call_handler:absent"],
        ["call_handler:missing"],
        ["call_handler:missing"],
    ]
    for episode, grades, decided in zip(saved, gradings, decisions, strict=True):
        for n, text in enumerate(grades):
            role, level = text.split(":")
            RiskGrading.objects.create(
                episode=episode,
                risk=level,
                at=episode.last_seen_at + timedelta(hours=n + 1),
                by=w["inspector"],
                by_role=role,
                initial=n == 0,
                rationale="Test",
            )
        for n, text in enumerate(decided):
            role, category = text.split(":")
            CategoryDecision.objects.create(
                episode=episode,
                category=category,
                at=episode.last_seen_at + timedelta(hours=n + 1),
                by=w["inspector"],
                by_role=role,
                rationale="Test",
            )


def raised(table: Any) -> dict[str, tuple[int, int, str | None]]:
    return {
        r["label"]: (
            r["graded"],
            r["raised"],
            None if r["raised_share"] is None else str(r["raised_share"]),
        )
        for r in table.all_rows
    }


@pytest.mark.django_db
def test_grading_usage_and_first_gradings_raised_by_hand(w, load):
    grading_data(w, load)
    report = report_for(w["analyst"], "grading", **YEAR)
    assert raised(report.table("raised_force")) == {"Force": (5, 3, "60.0"), "All": (5, 3, "60.0")}
    assert raised(report.table("raised_area")) == {
        "North": (2, 1, "50.0"),
        "South": (3, 2, "66.7"),
        "All": (5, 3, "60.0"),
    }
    assert raised(report.table("raised_rank")) == {
        "Call handler": (4, 2, "50.0"),
        "Sergeant": (1, 1, "100.0"),
        "All": (5, 3, "60.0"),
    }
    assert raised(report.table("raised_sex")) == {
        "Male": (3, 1, "33.3"),
        "Female": (2, 2, "100.0"),
        "All": (5, 3, "60.0"),
    }
    assert raised(report.table("raised_ethnicity")) == {
        "White": (3, 2, "66.7"),
        "Asian or Asian British": (1, 0, "0.0"),
        "Black or Black British": (1, 1, "100.0"),
        "All": (5, 3, "60.0"),
    }
    area = report.table("category_area")
    assert (area.value("North", "missing"), str(area.value("North", "missing_share"))) == (
        2,
        "66.7",
    )
    assert (area.value("North", "absent"), str(area.value("North", "absent_share"))) == (1, "33.3")
    assert (area.value("South", "missing"), area.value("South", "all")) == (3, 3)
    assert area.value("All", "all") == 6
    by_rank = report.table("category_rank")
    assert [r["label"] for r in by_rank.rows] == ["Call handler", "Sergeant", "Inspector"]
    assert (by_rank.value("Call handler", "missing"), by_rank.value("Call handler", "absent")) == (
        3,
        2,
    )
    assert str(by_rank.value("Call handler", "absent_share")) == "40.0"
    risk_sex = report.table("risk_sex")
    assert (risk_sex.value("Female", "high"), str(risk_sex.value("Female", "high_share"))) == (
        2,
        "100.0",
    )
    assert str(risk_sex.value("Male", "low_share")) == "66.7"
    assert str(risk_sex.value("Male", "high_share")) == "33.3"
    risk_rank = report.table("risk_rank")
    for level in ("high", "medium", "low", "no_apparent_risk"):
        assert risk_rank.value("Call handler", level) == 1
        assert str(risk_rank.value("Call handler", f"{level}_share")) == "25.0"
    assert (risk_rank.value("Sergeant", "medium"), risk_rank.value("Sergeant", "low")) == (2, 1)
    assert str(risk_rank.value("Inspector", "high_share")) == "66.7"
    assert risk_rank.value("All", "all") == 10  # 2 + 2 + 3 + 1 + 2 gradings


@pytest.mark.django_db
@pytest.mark.parametrize("slug", ["distance", "hot-spots", "grading"])
def test_the_new_reports_open_with_charts_tables_and_downloads(w, load, mfa_client, slug):
    grading_data(w, load)
    client = mfa_client(w["analyst"])
    assert f'href="/insights/reports/{slug}/"' in client.get("/insights/reports/").content.decode()
    response = client.get(f"/insights/reports/{slug}/", PERIOD)
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count('role="img"') >= 1 and 'data-testid="table-' in html
    for fmt in ("csv", "xlsx"):
        download = client.post(f"/insights/reports/{slug}.{fmt}", {**PERIOD, "purpose": "Review"})
        assert download.status_code == 200, fmt
    assert client.get(f"/api/v1/insights/reports/{slug}", PERIOD).status_code == 200

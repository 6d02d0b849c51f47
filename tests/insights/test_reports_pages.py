"""The report pages, downloads and API (issue 14, part 1): the filters (dates and an
area's number), the chart's text alternative and the table with the same figures, CSV and
XLSX downloads that ask why and are audited, and "not found" (pages) or 403 (API) for
everyone without the reports."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from typing import Any

import pytest
from openpyxl import load_workbook

from misper.core.models import AuditEvent
from tests.insights.reports_data import Loader, force_with_areas, utc

pytestmark = pytest.mark.django_db

PAGE = "/insights/reports/durations/"
PERIOD = {"from": "2025-01-01", "to": "2025-12-31"}


@pytest.fixture
def w(make_org, make_user) -> dict[str, Any]:
    """Eight missing episodes in North and South in 2025: 3, 2, 1 and 1 in the first four
    bands and one still missing; another force's episode is not counted."""
    w = force_with_areas(make_org, make_user)
    load = Loader(w, w["call_handler"])
    seen = utc(2025, 5, 1, 12)
    for i, hours in enumerate([1, 2, 3, 9, 10, 17, 30, None]):
        load.episode(
            load.child(),
            seen + timedelta(days=i),
            found=None if hours is None else seen + timedelta(days=i, hours=hours),
            area=w["south"] if i % 2 else w["north"],
        )
    load.episode(load.child(), seen, found=seen + timedelta(hours=1), area=w["harbour_area"])
    load.save()
    return w


def exports() -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(subject_type="insights_report", action="export"))


def test_the_index_lists_the_reports(w, mfa_client):
    html = mfa_client(w["analyst"]).get("/insights/reports/").content.decode()
    for title in ("Time missing", "Repeat and persistent missing", "Who goes missing"):
        assert title in html
    assert 'href="/insights/reports/return-interviews/"' in html


@pytest.mark.parametrize(
    "slug", ["durations", "repeat", "children", "return-interviews", "absences", "monthly"]
)
def test_every_report_opens_with_charts_and_tables(w, mfa_client, slug):
    response = mfa_client(w["analyst"]).get(f"/insights/reports/{slug}/", PERIOD)
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count('role="img"') >= 1
    assert html.count("<desc id=") == html.count('role="img"')
    assert "Download CSV" in html and "Download spreadsheet (XLSX)" in html
    assert "1 January 2025 to 31 December 2025" in html


def test_the_chart_and_the_table_say_the_same(w, mfa_client):
    html = mfa_client(w["analyst"]).get(PAGE, PERIOD).content.decode()
    # The chart's text alternative gives every band's figure ...
    assert (
        "Missing episodes by time missing. 0 to 8 hours: 3; 8 to 16 hours: 2; "
        "16 to 24 hours: 1; 24 to 48 hours: 1; 2 to 7 days: 0; 7 days or more: 0; "
        "Missing data (no found time): 1."
    ) in html
    # ... and the table beside it the same, with percentages (C-11).
    assert '<th scope="row" class="govuk-table__header">0 to 8 hours</th>' in html
    assert ">37.5%<" in html and ">12.5%<" in html and ">100.0%<" in html


def test_the_area_filter_and_bad_filters(w, mfa_client):
    client = mfa_client(w["analyst"])
    south = client.get(PAGE, {**PERIOD, "area": w["south"].pk}).content.decode()
    assert "South" in south and "Missing data (no found time): 1." in south
    assert "0 to 8 hours: 1;" in south  # of the south's four: 2 h, 9 h, 17 h, still missing
    for bad, words in (
        ({"area": w["harbour_area"].pk}, "Choose an area from the list"),
        ({"area": "north"}, "Choose an area from the list"),
        ({"from": "soon"}, "Enter the start of the period as a date"),
        ({"from": "2025-06-01", "to": "2025-01-01"}, "The end of the period must be on or after"),
    ):
        response = client.get(PAGE, bad)
        assert response.status_code == 400, bad
        assert words in response.content.decode()


def test_a_csv_download_asks_why_and_is_audited(w, mfa_client):
    client = mfa_client(w["analyst"])
    url = "/insights/reports/durations.csv"
    refused = client.post(url, {**PERIOD, "purpose": ""})
    assert refused.status_code == 400
    assert "Enter why you are downloading these figures" in refused.content.decode()
    assert not exports()

    response = client.post(url, {**PERIOD, "area": w["north"].pk, "purpose": "Quarterly review"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert 'filename="misper-durations-20250101-20251231.csv"' in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert ["Area", "North"] in rows
    header = rows.index(["Time missing", "Missing episodes", "Percentage of missing episodes (%)"])
    assert rows[header + 1] == ["0 to 8 hours", "2", "50.0"]  # North: 1 h, 3 h, 10 h, 30 h
    assert rows[header + 8] == ["All missing episodes", "4", "100.0"]
    (event,) = exports()
    assert (event.user, event.purpose) == (w["analyst"], "Quarterly review")
    assert event.subject_id == f"durations:2025-01-01:2025-12-31:{w['north'].pk}"


def test_an_xlsx_download_holds_the_same_figures(w, mfa_client):
    client = mfa_client(w["analyst"])
    response = client.post("/insights/reports/repeat.xlsx", {**PERIOD, "purpose": "Board report"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames[0] == "About"
    sheet = book[book.sheetnames[1]]
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    assert rows[1] == [
        "Missing in the period",
        "Children",
        "Percentage of children (%)",
        "Their missing episodes",
    ]
    assert rows[2] == ["1 or 2 times", 8, 100, 8]
    assert rows[3] == ["3 to 5 times", 0, 0, 0]
    assert sheet.cell(row=3, column=3).number_format == "0.0"
    assert [e.purpose for e in exports()] == ["Board report"]


def test_nobody_else_sees_the_pages(w, mfa_client):
    for who in ("social_worker", "inspector"):
        client = mfa_client(w[who])
        assert client.get("/insights/reports/").status_code == 404
        assert client.get(PAGE).status_code == 404
        response = client.post("/insights/reports/durations.csv", {"purpose": "x"})
        assert response.status_code == 404
    assert not exports()
    analyst = mfa_client(w["analyst"])
    assert analyst.get("/insights/reports/no-such-report/").status_code == 404
    assert analyst.post("/insights/reports/durations.pdf", {"purpose": "x"}).status_code == 404
    assert analyst.get("/insights/reports/durations.csv").status_code == 405
    assert not exports()


def test_the_api_returns_the_rows(w, mfa_client):
    client = mfa_client(w["analyst"])
    listed = client.get("/api/v1/insights/reports").json()
    assert [r["slug"] for r in listed["reports"]] == [
        "durations",
        "repeat",
        "children",
        "return-interviews",
        "distance",
        "hot-spots",
        "grading",
        "absences",
        "monthly",
    ]
    assert [a["name"] for a in listed["areas"]] == ["North", "South"]
    body = client.get(
        "/api/v1/insights/reports/durations",
        {"from": "2025-01-01", "to": "2025-12-31", "area": w["south"].pk},
    ).json()
    assert (body["start"], body["end"], body["area"]["name"]) == (
        "2025-01-01",
        "2025-12-31",
        "South",
    )
    bands = next(t for t in body["tables"] if t["key"] == "bands")
    first = bands["rows"][0]
    assert first == {"label": "0 to 8 hours", "values": {"count": 1, "share": "25.0"}}
    assert bands["total"]["values"] == {"count": 4, "share": "100.0"}
    assert [c["kind"] for c in bands["columns"]] == ["text", "count", "percent"]

    bad = client.get("/api/v1/insights/reports/durations", {"area": w["harbour_area"].pk})
    assert bad.status_code == 400 and bad.json()["field"] == "area"
    assert client.get("/api/v1/insights/reports/durations", {"from": "x"}).status_code == 422
    assert client.get("/api/v1/insights/reports/no-such-report").status_code == 404
    other = mfa_client(w["social_worker"])
    assert other.get("/api/v1/insights/reports/durations").status_code == 403
    assert other.get("/api/v1/insights/reports").status_code == 403


def test_team_managers_and_boards_see_their_own_figures(w, mfa_client, make_org, make_user):
    # Every child in the data set is Vale's: the team manager sees the seven of this force
    # and the other force's one.
    html = mfa_client(w["team_manager"]).get(PAGE, PERIOD).content.decode()
    assert "All missing episodes" in html and "Missing data (no found time): 1." in html
    assert ">9<" in html  # 8 here and 1 in Harbour Central
    lost = make_user("safeguarding_board_member", organisation=make_org("safeguarding_board"))
    page = mfa_client(lost).get(PAGE)
    assert page.status_code == 200
    assert "There are no figures for you" in page.content.decode()

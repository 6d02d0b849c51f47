"""The analysts' reports in the browser (issue 14, part 1): an analyst opens "Reports" from
the menu, opens each report, filters one by period and area, is asked why before a
download, and downloads the figures as CSV and as a spreadsheet. Every page on the way is
checked with axe (tests/browser/helpers.py); every chart is an image whose text
alternative gives its figures."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from pathlib import Path

import pytest
from openpyxl import load_workbook

from misper.core.models import AuditEvent
from tests.browser.helpers import follow, path, sign_in_with_session, visit
from tests.insights.reports_data import Loader, force_with_areas, utc

pytestmark = pytest.mark.browser

TITLES = (
    "Time missing",
    "Repeat and persistent missing",
    "Who goes missing",
    "Return interviews",
    "Distance found from home",
    "Hot spots",
    "Category and risk grading",
    "Absences per child and per establishment",
    "Monthly figures for each local authority",
)


def _charts_have_text_alternatives(page) -> int:  # type: ignore[no-untyped-def]
    charts = page.locator("svg[role=img]")
    n = charts.count()
    for i in range(n):
        chart = charts.nth(i)
        title_id, desc_id = chart.get_attribute("aria-labelledby").split()
        title = page.locator(f"[id='{title_id}']").text_content()
        desc = page.locator(f"[id='{desc_id}']").text_content()
        assert title and desc and desc.startswith(title), (title, desc)
    return n


def test_an_analyst_opens_filters_and_downloads_each_report(
    page, make_org, make_user, tmp_path: Path
):  # type: ignore[no-untyped-def]
    w = force_with_areas(make_org, make_user)
    load = Loader(w, w["call_handler"])
    seen = utc(2025, 5, 1, 12)
    for i, hours in enumerate([1, 2, 9, 30, None]):
        child = load.child(sex="male" if i % 2 else "female", home_postcode="B1 1AA")
        index = load.episode(
            child,
            seen + timedelta(days=i),
            found=None if hours is None else seen + timedelta(days=i, hours=hours),
            area=w["south"] if i % 2 else w["north"],
            missing_from="care" if i < 3 else "home",
            found_postcode="B33 0LA",  # 5.5 miles from B1 1AA: 6 to 10 miles
            location_postcode="B23 6SN",
        )
        if hours is not None:
            load.referral(
                index,
                authority=w["vale"],
                interviewer=w["provider"],
                rag=["red", "amber", "green", "red"][i],
                in_care=i < 3,
            )
    load.save()

    sign_in_with_session(page, w["analyst"])
    visit(page, "/")
    menu = page.get_by_role("navigation", name="Menu")
    follow(page, menu.get_by_role("link", name="Reports", exact=True))
    assert path(page) == "/insights/reports/"

    # Each report opens from the list, with charts that have text alternatives.
    for title in TITLES:
        visit(page, "/insights/reports/")
        follow(page, page.get_by_role("link", name=title, exact=True))
        assert page.get_by_role("heading", level=1).inner_text() == title
        assert _charts_have_text_alternatives(page) >= 1

    # In 2025: four children found 5.5 miles from home (6 to 10 miles, C-10), one still
    # missing; the hot spots exact for the force's analyst.
    visit(page, "/insights/reports/distance/?from=2025-01-01&to=2025-12-31")
    row = page.get_by_test_id("table-bands").get_by_role("row", name="6 to 10 miles")
    assert row.get_by_role("cell").first.inner_text() == "4"
    row = page.get_by_test_id("table-bands").get_by_role("row", name="Not known")
    assert row.get_by_role("cell").first.inner_text() == "1"
    visit(page, "/insights/reports/hot-spots/?from=2025-01-01&to=2025-12-31")
    assert "You see the exact counts" in page.get_by_test_id("suppression").inner_text()
    row = page.get_by_test_id("table-missing_from").get_by_role("row", name="B23")
    assert row.get_by_role("cell").last.inner_text() == "5"

    # Time missing, filtered to 2025 and the South area.
    visit(page, "/insights/reports/")
    follow(page, page.get_by_role("link", name="Time missing", exact=True))
    page.get_by_label("From", exact=True).fill("1/1/2025")
    page.get_by_label("To", exact=True).fill("31/12/2025")
    page.get_by_label("Area").select_option(label="South")
    follow(page, page.get_by_role("button", name="Show figures"))
    assert path(page).startswith("/insights/reports/durations/?")
    assert "1 January 2025 to 31 December 2025, South" in page.get_by_test_id("period").inner_text()
    table = page.get_by_test_id("table-bands")
    # South: 2 hours and 30 hours.
    assert "0 to 8 hours 1 50.0%" in " ".join(table.inner_text().split())
    desc = page.locator("[id='chart-bands-desc']").text_content()
    assert "0 to 8 hours: 1; 8 to 16 hours: 0;" in desc

    # A download asks why first.
    follow(page, page.get_by_role("button", name="Download CSV"), status=400)
    assert (
        "Enter why you are downloading these figures"
        in page.locator(".govuk-error-summary").inner_text()
    )
    assert not AuditEvent.objects.filter(subject_type="insights_report").exists()

    page.get_by_label("Why are you downloading these figures?").fill("Quarterly review")
    with page.expect_download() as csv_download:
        page.get_by_role("button", name="Download CSV").click()
    saved = tmp_path / "durations.csv"
    csv_download.value.save_as(saved)
    assert csv_download.value.suggested_filename == "misper-durations-20250101-20251231.csv"
    rows = list(csv.reader(io.StringIO(saved.read_text(encoding="utf-8-sig"))))
    assert ["Area", "South"] in rows
    assert ["0 to 8 hours", "1", "50.0"] in rows

    with page.expect_download() as xlsx_download:
        page.get_by_role("button", name="Download spreadsheet (XLSX)").click()
    book_path = tmp_path / "durations.xlsx"
    xlsx_download.value.save_as(book_path)
    book = load_workbook(book_path)
    values = [[c.value for c in row] for row in book[book.sheetnames[1]].iter_rows()]
    assert ["0 to 8 hours", 1, 50] in values
    events = AuditEvent.objects.filter(subject_type="insights_report", action="export")
    assert [e.purpose for e in events] == ["Quarterly review", "Quarterly review"]
    assert {e.subject_id for e in events} == {f"durations:2025-01-01:2025-12-31:{w['south'].pk}"}

    # Return interviews: the triage by home or care, in the chart's words and the table.
    visit(page, "/insights/reports/return-interviews/?from=2025-01-01&to=2025-12-31")
    desc = page.locator("[id='chart-rag_care-desc']").text_content()
    assert "Looked after (in care): Red 33.3% (1), Amber 33.3% (1), Green 33.3% (1)" in desc
    assert "Living at home: Red 100.0% (1), Amber 0.0% (0), Green 0.0% (0)" in desc

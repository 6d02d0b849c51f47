"""The board pack (issue 14, part 1): every report of the catalogue for a period as one A4
PDF in the shape of seed 004's report (title page, contents, headline figures, a section
per report with its tables, definitions, page numbers), from its page and the API; asked
why and audited; "not found" (page) or 403 (API) for everyone without the reports."""

from __future__ import annotations

import re
import zlib
from datetime import date, timedelta
from typing import Any

import pytest

from misper.core.errors import ValidationFailed
from misper.core.models import AuditEvent
from misper.insights import board_pack, reports
from misper.insights.reports import TEXT, Column, Spec, Table
from tests.insights.reports_data import Loader, force_with_areas, utc

pytestmark = pytest.mark.django_db

PAGE = "/insights/board-pack/"
API = "/api/v1/insights/board-pack"
PERIOD = {"from": "2025-01-01", "to": "2025-12-31"}
A4 = b"/MediaBox [0 0 595.28 841.89]"


def pdf_text(content: bytes) -> str:
    """Every string the PDF's pages show, one a line: each content stream inflated (fpdf2
    compresses them), its ``(...) Tj`` operands unescaped."""
    shown: list[str] = []
    for stream in re.findall(rb"stream\r?\n(.*?)\r?\nendstream", content, re.S):
        try:
            data = zlib.decompress(stream)
        except zlib.error:
            data = stream
        for text in re.findall(rb"\(((?:\\.|[^\\)])*)\)\s*Tj", data):
            shown.append(re.sub(rb"\\(.)", rb"\1", text).decode("latin-1"))
    return "\n".join(shown)


def pages(content: bytes) -> int:
    return len(re.findall(rb"/Type /Page\b", content))


@pytest.fixture
def w(make_org, make_user) -> dict[str, Any]:
    """2025 in North and South: child A missing 4 times (1 h, 2 h, 30 h, 50 h: persistent),
    B once (9 h), C once (still missing), D once (3 h); B's and D's episodes referred for a
    return interview. Another force's episode is not counted. The Vale partnership's board
    member sees this force (North is in Vale)."""
    w = force_with_areas(make_org, make_user)
    board = make_org("safeguarding_board", name="Vale SCP", local_authority=w["vale"])
    w["board_member"] = make_user("safeguarding_board_member", organisation=board)
    load = Loader(w, w["call_handler"])
    seen = utc(2025, 5, 1, 12)
    a, b, c, d = (load.child() for _ in range(4))
    for i, hours in enumerate([1, 2, 30, 50]):
        at = seen + timedelta(days=10 * i)
        load.episode(a, at, found=at + timedelta(hours=hours), area=w["north"])
    at = seen + timedelta(days=50)
    b_ep = load.episode(b, at, found=at + timedelta(hours=9), area=w["south"])
    load.episode(c, seen + timedelta(days=51), area=w["north"])
    at = seen + timedelta(days=52)
    d_ep = load.episode(d, at, found=at + timedelta(hours=3), area=w["south"])
    for index in (b_ep, d_ep):
        load.referral(index, authority=w["vale"], interviewer=w["provider"], rag="red")
    load.episode(load.child(), seen, found=seen + timedelta(hours=1), area=w["harbour_area"])
    load.save()
    return w


def exports() -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(subject_type="insights_report", action="export"))


def test_the_pack_is_a4_with_every_report_and_the_headline_figures(w):
    pack = board_pack.board_pack_for(
        w["board_member"], start=date(2025, 1, 1), end=date(2025, 12, 31)
    )
    content = board_pack.render(pack)
    assert content.startswith(b"%PDF")
    n = pages(content)
    assert n >= 2 + 1 + len(reports.SPECS) + 1  # title, contents, headlines, reports, notes
    # A4 portrait for every page: the page tree's box, which no page overrides.
    assert re.findall(rb"/MediaBox \[[^\]]*\]", content) == [A4]
    text = pdf_text(content)
    lines = text.splitlines()
    flat = " ".join(text.split())  # lines as the PDF wraps them, joined

    # The title page: marking, partnership, whose figures, period, date produced.
    assert lines[0] == "OFFICIAL-SENSITIVE"
    assert "Vale SCP" in lines
    assert "Children missing from home and care: report to the safeguarding board" in flat
    assert "1 January 2025 to 31 December 2025" in lines
    assert w["force"].name in lines  # the partnership's figures are its force's
    assert re.search(r"\d{1,2} \w+ 20\d\d at \d\d:\d\d, by Misper", flat)

    # The contents name every section with its page: the headline figures on page 3, each
    # report from page 4 in the catalogue's order, and the section is on that page.
    titles = [f"{i}. {s.title}" for i, s in enumerate(reports.SPECS.values(), start=1)]
    assert "Contents" in lines
    contents = lines[lines.index("Headline figures") :]  # the contents page comes first
    assert contents[:2] == ["Headline figures", "3"]
    for heading in [*titles, "Definitions and notes"]:
        assert heading in contents, heading
        page = int(contents[contents.index(heading) + 1])
        assert lines.count(heading) == 2, heading  # the contents and the section
        assert page >= 4
        section = len(lines) - 1 - lines[::-1].index(heading)
        footer = next(x for x in lines[section:] if "page " in x and "of" in x)
        assert footer.rstrip().endswith(f"page {page} of"), (heading, footer)

    # The headline figures, each percentage with its count (C-11).
    def after(label: str) -> str:
        return lines[lines.index(label) + 1]

    assert after("Missing episodes") == "7"
    assert after("Children who went missing") == "4"
    assert after("Persistent missing (R-DEF-15), of children missing") == "1 (25.0%)"
    assert after("Found within 16 hours, of missing episodes") == "4 (57.1%)"
    assert after("Missing 24 hours or more, of missing episodes") == "2 (28.6%)"
    assert after("Return-interview referrals") == "2"
    assert after("Return interviews completed, of referrals") == "0 (0.0%)"

    # A report's table, row by row: the C-10 bands of the 7 missing episodes.
    start = lines.index("Missing episodes by time missing")
    assert lines[start + 4 : start + 7] == ["0 to 8 hours", "3", "42.9%"]
    assert "All missing episodes" in lines[start:]
    # The definitions: C-10 bands, persistent, C-11.
    notes = flat[flat.rindex("Definitions and notes") :]
    assert "Persistent missing (R-DEF-15) A child with more than 3 missing episodes" in notes
    assert "Time missing (C-10, C-01)" in notes and "Percentages (C-11)" in notes
    # Every page numbered.
    assert re.search(rf"page 1 of\s+{n}\n", text) and re.search(rf"page {n} of\s+{n}$", text)
    assert not exports()  # made, not downloaded


def test_a_report_added_to_the_catalogue_is_in_the_pack(w, monkeypatch):
    def build(scope: reports.Scope, f: reports.Filters) -> list[Table]:
        n = reports._episodes(scope, f).count()
        return [
            Table(
                "all",
                "Every episode in the period",
                (Column("label", "Episodes", TEXT), Column("count", "Count")),
                [{"label": "Any category", "count": n}],
            )
        ]

    spec = Spec(
        "extra", "An extra report", "For the test.", ("R-DAT-09",), "All.", "last seen", build
    )
    monkeypatch.setitem(reports.SPECS, "extra", spec)
    pack = board_pack.board_pack_for(w["analyst"], start=date(2025, 1, 1), end=date(2025, 12, 31))
    lines = pdf_text(board_pack.render(pack)).splitlines()
    n = len(reports.SPECS)
    assert lines.count(f"{n}. An extra report") == 2  # the contents and the section
    start = lines.index("Every episode in the period")
    assert lines[start + 3 : start + 5] == ["Any category", "7"]


def test_a_bad_period_names_its_field(w):
    with pytest.raises(ValidationFailed) as exc:
        board_pack.board_pack_for(w["analyst"], start=date(2025, 6, 1), end=date(2025, 1, 1))
    assert exc.value.field == "to"


def test_the_page_asks_why_and_the_download_is_audited(w, mfa_client):
    client = mfa_client(w["board_member"])
    page = client.get(PAGE)
    assert page.status_code == 200
    html = page.content.decode()
    assert '<h1 class="govuk-heading-l">Board pack</h1>' in html
    assert w["force"].name in html  # whose figures: the partnership's force
    for spec in reports.SPECS.values():
        assert f"<li>{spec.title}</li>" in html
    assert 'name="purpose"' in html and 'name="from"' in html

    refused = client.post(PAGE, {**PERIOD, "purpose": ""})
    assert refused.status_code == 400
    body = refused.content.decode()
    assert "Enter why you are downloading these figures" in body
    assert 'href="#id_purpose"' in body  # the error summary links to the field
    assert 'value="2025-01-01"' in body  # what was typed is kept
    bad = client.post(PAGE, {"from": "2025-06-01", "to": "2025-01-01", "purpose": "Board"})
    assert bad.status_code == 400
    assert "The end of the period must be on or after its start" in bad.content.decode()
    assert not exports()

    response = client.post(PAGE, {**PERIOD, "purpose": "Quarterly report to the board"})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert (
        response["Content-Disposition"]
        == 'attachment; filename="misper-board-pack-20250101-20251231.pdf"'
    )
    assert response["Cache-Control"] == "no-store"
    assert A4 in response.content
    lines = pdf_text(response.content).splitlines()
    assert lines[lines.index("Missing episodes") + 1] == "7"
    (event,) = exports()
    assert (event.user, event.purpose) == (w["board_member"], "Quarterly report to the board")
    assert event.subject_id == "board-pack:2025-01-01:2025-12-31:all"


def test_analysts_and_team_managers_have_the_pack_of_their_own_figures(w, mfa_client):
    for who, figures in (("analyst", w["force"].name), ("team_manager", w["vale"].name)):
        response = mfa_client(w[who]).post(PAGE, {**PERIOD, "purpose": "Review"})
        assert response.status_code == 200, who
        lines = pdf_text(response.content).splitlines()
        assert figures in lines
        # The team manager's children are all Vale's: the other force's episode counts.
        expected = "8" if who == "team_manager" else "7"
        assert lines[lines.index("Missing episodes") + 1] == expected, who


def test_the_api_returns_the_pdf_and_names_a_missing_purpose(w, mfa_client):
    client = mfa_client(w["analyst"])
    response = client.post(
        API, {**PERIOD, "purpose": "Board report"}, content_type="application/json"
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF") and A4 in response.content
    assert [e.purpose for e in exports()] == ["Board report"]
    refused = client.post(API, PERIOD, content_type="application/json")
    assert refused.status_code == 400 and refused.json()["field"] == "purpose"
    bad = client.post(
        API,
        {"from": "2025-06-01", "to": "2025-01-01", "purpose": "x"},
        content_type="application/json",
    )
    assert bad.status_code == 400 and bad.json()["field"] == "to"
    assert len(exports()) == 1


def test_nobody_else_has_the_pack(w, mfa_client):
    for who in ("social_worker", "inspector"):
        client = mfa_client(w[who])
        assert client.get(PAGE).status_code == 404
        assert client.post(PAGE, {**PERIOD, "purpose": "x"}).status_code == 404
        api = client.post(API, {**PERIOD, "purpose": "x"}, content_type="application/json")
        assert api.status_code == 403
    assert not exports()

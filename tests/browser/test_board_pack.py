"""The board pack in the browser (issue 14, part 1): a safeguarding board member opens
"Reports" from the menu, follows the board pack link, is asked why before the download,
and downloads the pack as an A4 PDF holding the partnership's figures. Every page on the
way is checked with axe (tests/browser/helpers.py)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from misper.core.models import AuditEvent
from tests.browser.helpers import follow, path, sign_in_with_session, visit
from tests.insights.reports_data import Loader, force_with_areas, utc
from tests.insights.test_board_pack import A4, pdf_text

pytestmark = pytest.mark.browser


def test_a_board_member_downloads_the_board_pack(page, make_org, make_user, tmp_path: Path):  # type: ignore[no-untyped-def]
    w = force_with_areas(make_org, make_user)
    board = make_org("safeguarding_board", name="Vale SCP", local_authority=w["vale"])
    member = make_user("safeguarding_board_member", organisation=board)
    load = Loader(w, w["call_handler"])
    seen = utc(2025, 5, 1, 12)
    for i, hours in enumerate([1, 2, 9, 30, None]):
        load.episode(
            load.child(),
            seen + timedelta(days=i),
            found=None if hours is None else seen + timedelta(days=i, hours=hours),
            area=w["south"] if i % 2 else w["north"],
        )
    load.save()

    sign_in_with_session(page, member)
    visit(page, "/")
    menu = page.get_by_role("navigation", name="Menu")
    follow(page, menu.get_by_role("link", name="Reports", exact=True))
    follow(page, page.get_by_role("link", name="download the board pack"))
    assert path(page) == "/insights/board-pack/"
    assert page.get_by_role("heading", level=1).inner_text() == "Board pack"

    page.get_by_label("From", exact=True).fill("1/1/2025")
    page.get_by_label("To", exact=True).fill("31/12/2025")
    # The download asks why first, and keeps the period typed.
    follow(page, page.get_by_role("button", name="Download the board pack (PDF)"), status=400)
    summary = page.locator(".govuk-error-summary").inner_text()
    assert "Enter why you are downloading these figures" in summary
    assert page.get_by_label("From", exact=True).input_value() == "1/1/2025"
    assert not AuditEvent.objects.filter(subject_type="insights_report").exists()

    page.get_by_label("Why are you downloading these figures?").fill("Board meeting, March")
    with page.expect_download() as download:
        page.get_by_role("button", name="Download the board pack (PDF)").click()
    assert download.value.suggested_filename == "misper-board-pack-20250101-20251231.pdf"
    saved = tmp_path / "pack.pdf"
    download.value.save_as(saved)
    content = saved.read_bytes()
    assert content.startswith(b"%PDF") and A4 in content
    lines = pdf_text(content).splitlines()
    assert "Vale SCP" in lines
    assert lines[lines.index("Missing episodes") + 1] == "5"
    assert lines[lines.index("Children who went missing") + 1] == "5"
    (event,) = AuditEvent.objects.filter(subject_type="insights_report", action="export")
    assert (event.user, event.purpose) == (member, "Board meeting, March")
    assert event.subject_id == "board-pack:2025-01-01:2025-12-31:all"

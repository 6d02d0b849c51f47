"""The CSE screening in a real browser, every page checked with axe: the inspector changes
the missing child's screening from the case page; a form without an outcome names the
field in the error summary; the case page then shows the new outcome (R-CSE-01)."""

from __future__ import annotations

import pytest

from misper.episodes.models import CseScreening
from tests.access.world import build
from tests.browser.helpers import follow, sign_in_with_session, visit

pytestmark = pytest.mark.browser


@pytest.fixture
def world(transactional_db):  # type: ignore[no-untyped-def]
    return build()


def test_the_inspector_changes_the_screening(page, world):  # type: ignore[no-untyped-def]
    sign_in_with_session(page, world["inspector"])
    visit(page, f"/episodes/{world['episode'].pk}/")
    assert "Concerns already known" in page.get_by_test_id("cse-screening").inner_text()
    follow(page, page.get_by_test_id("cse-action"))
    assert page.get_by_role("heading", level=1).inner_text() == "Change the CSE screening"
    assert "Question 9" in page.get_by_test_id("cse-indicators").inner_text()
    page.get_by_label("What was considered").fill("")
    follow(page, page.get_by_role("button", name="Save the CSE screening"), status=400)
    assert "Enter what was considered" in page.locator(".govuk-error-summary").inner_text()
    page.get_by_label("Concerns: referred to the MASE").check()
    page.get_by_label("What was considered").fill("Flag, field 27 high, question 9 yes")
    follow(page, page.get_by_role("button", name="Save the CSE screening"))
    assert "referred to the MASE" in page.get_by_test_id("cse-screening").inner_text()
    assert CseScreening.objects.get(pk=world["cse_screening"].pk).outcome == "concerns_mase"

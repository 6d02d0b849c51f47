"""What each person sees of a case, in a real browser, every page checked with axe: another
force's officer sees the summary and opens the whole case by stating a reason (the
break-glass); the child's social worker sees the partner's view, without the informant or
the police's intelligence; an inspector is asked why before a restricted case opens."""

from __future__ import annotations

import pytest

from misper.core.models import AuditEvent
from tests.access.world import build
from tests.browser.helpers import follow, sign_in_with_session, visit

pytestmark = pytest.mark.browser


@pytest.fixture
def world(transactional_db):  # type: ignore[no-untyped-def]
    return build()


def test_another_force_breaks_the_glass_with_a_reason(page, world):  # type: ignore[no-untyped-def]
    sign_in_with_session(page, world["other_force"])
    case = f"/episodes/{world['episode'].pk}/"
    visit(page, case)
    assert page.get_by_role("heading", level=1).inner_text() == "Keira Lomax"
    summary = page.get_by_test_id("summary").inner_text()
    assert "Vale Police" in summary and "07700 900111" not in page.content()
    # No reason: the error summary names the field, and nothing is opened.
    follow(page, page.get_by_role("button", name="Open the whole case"), status=400)
    assert page.locator(".govuk-error-summary").count() == 1
    assert not AuditEvent.objects.filter(action="break_glass").exists()
    page.get_by_label("Why do you need to open this record?").fill(
        "The same child was reported missing to us tonight"
    )
    follow(page, page.get_by_role("button", name="Open the whole case"))
    assert "07700 900111" in page.content()
    assert AuditEvent.objects.get(action="break_glass").user_id == world["other_force"].pk


def test_the_childs_social_worker_sees_the_partners_view(page, world):  # type: ignore[no-untyped-def]
    sign_in_with_session(page, world["sw_right"])
    visit(page, f"/episodes/{world['episode'].pk}/")
    html = page.content()
    assert "What children's services and carers see" in html
    for secret in ("07700 900111", "PNC: known associate", "The twelve questions"):
        assert secret not in html
    assert page.get_by_test_id("actions").count() == 0


def test_a_restricted_case_asks_the_inspector_why(page, world):  # type: ignore[no-untyped-def]
    sign_in_with_session(page, world["inspector"])
    visit(page, f"/episodes/{world['restricted'].pk}/")
    assert page.get_by_role("heading", level=1).inner_text() == "This record is restricted"
    assert "Keira" not in page.content()
    page.get_by_label("Why do you need to open this record?").fill("Reviewing for the DMM")
    follow(page, page.get_by_role("button", name="Open the record"))
    assert page.get_by_role("heading", level=1).inner_text() == "Keira Lomax"

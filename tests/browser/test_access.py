"""Through the browser, a person reaches only what is theirs: another organisation's page
and the administration pages are "Page not found", and API tokens are one's own."""

from __future__ import annotations

import pytest

from tests.browser.helpers import sign_in_with_session, visit

pytestmark = pytest.mark.browser


def _assert_page_not_found(page) -> None:  # type: ignore[no-untyped-def]
    assert page.get_by_role("heading", level=1).inner_text() == "Page not found"
    assert page.title().startswith("Page not found")


def test_another_organisations_page_is_not_found(page, make_org, make_user):  # type: ignore[no-untyped-def]
    mine = make_org("local_authority", name="Vale County Council Children's Services")
    theirs = make_org("local_authority", name="Harbour City Council Children's Services")
    make_user("social_worker", organisation=theirs, email="sam@example.test")
    me = make_user("social_worker", organisation=mine)
    sign_in_with_session(page, me)

    visit(page, f"/organisations/{mine.pk}/")
    assert page.get_by_role("heading", level=1).inner_text() == mine.name

    visit(page, f"/organisations/{theirs.pk}/", status=404)
    _assert_page_not_found(page)
    body = page.locator("body").inner_text()
    assert theirs.name not in body
    assert "sam@example.test" not in body

    # An organisation that does not exist looks the same as one that is not yours.
    visit(page, f"/organisations/{theirs.pk + 1000}/", status=404)
    _assert_page_not_found(page)


@pytest.mark.parametrize("role", ["carer", "inspector", "analyst"])
def test_administration_pages_are_not_found_for_others(page, make_org, make_user, role):  # type: ignore[no-untyped-def]
    force = make_org("police_force", name="Vale and Harbour Police")
    org = force if role != "carer" else make_org("childrens_home", name="Elm House")
    user = make_user(role, organisation=org)
    sign_in_with_session(page, user)

    for admin_path in ("/admin/audit/", "/admin/users/"):
        visit(page, admin_path, status=404)
        _assert_page_not_found(page)


def test_administrator_reaches_the_administration_pages(page, make_org, make_user):  # type: ignore[no-untyped-def]
    force = make_org("police_force", name="Vale and Harbour Police")
    admin = make_user("system_administrator", organisation=force)
    sign_in_with_session(page, admin)

    visit(page, "/admin/audit/")
    assert page.get_by_role("heading", level=1).inner_text() == "Audit log"
    visit(page, "/admin/users/")
    assert page.get_by_role("heading", level=1).inner_text() == "Users"


def test_api_tokens_page_shows_only_your_own_tokens(page, make_org, make_user):  # type: ignore[no-untyped-def]
    from misper.agencies.services import api_token_create

    org = make_org("police_force", name="Vale and Harbour Police")
    me = make_user("analyst", organisation=org)
    colleague = make_user("analyst", organisation=org)
    api_token_create(actor=me, name="My reporting script")
    theirs = api_token_create(actor=colleague, name="Colleague's integration")
    sign_in_with_session(page, me)

    visit(page, "/account/api-tokens/")
    table = page.locator("table.govuk-table")
    assert table.locator("tbody tr").count() == 1
    assert "My reporting script" in table.inner_text()
    body = page.locator("body").inner_text()
    assert "Colleague's integration" not in body
    assert f"msp_{theirs.token.prefix}" not in body

"""Every page of the shell a signed-in person can reach passes axe, with JavaScript and
without it; and the API token pages work without JavaScript."""

from __future__ import annotations

import pytest

from tests.browser.helpers import (
    follow,
    give_authenticator,
    path,
    sign_in_with_forms,
    sign_in_with_session,
    visit,
)

pytestmark = pytest.mark.browser

# Every page of the shell, with the heading it must show. The administrator can reach all
# of them; the administration pages have their own access tests in test_access.py.
SHELL_PAGES: list[tuple[str, str]] = [
    ("/", "Your work"),
    ("/account/", "Your account"),
    ("/account/api-tokens/", "API tokens"),
    ("/organisation/", "Vale and Harbour Police"),
    ("/accessibility/", ""),
    ("/privacy/", ""),
    ("/accounts/2fa/", "Two-factor authentication"),
    ("/accounts/password/change/", ""),
    ("/accounts/logout/", "Sign out"),
    ("/admin/audit/", "Audit log"),
    ("/admin/users/", "Users"),
]


@pytest.fixture
def admin(make_org, make_user):  # type: ignore[no-untyped-def]
    force = make_org("police_force", name="Vale and Harbour Police")
    make_org("policing_area", name="Northfold Local Policing Area", parent=force)
    make_user("call_handler", organisation=force)
    return make_user("system_administrator", organisation=force, email="admin@example.test")


def _tour(page, admin) -> None:  # type: ignore[no-untyped-def]
    sign_in_with_session(page, admin)
    for page_path, heading in SHELL_PAGES:
        visit(page, page_path)
        assert path(page) == page_path, f"{page_path} redirected to {path(page)}"
        h1 = page.get_by_role("heading", level=1)
        assert h1.count() == 1, f"{page_path} has {h1.count()} h1 headings"
        if heading:
            assert h1.inner_text() == heading
        assert page.title().endswith(" \N{EN DASH} Misper"), page.title()


def test_every_shell_page_passes_axe(page, admin):  # type: ignore[no-untyped-def]
    _tour(page, admin)


def test_every_shell_page_passes_axe_without_javascript(page_without_js, admin):  # type: ignore[no-untyped-def]
    _tour(page_without_js, admin)


def test_public_pages_pass_axe_signed_out(page):  # type: ignore[no-untyped-def]
    for page_path in ("/accounts/login/", "/accessibility/", "/privacy/"):
        visit(page, page_path)
    visit(page, "/no-such-page/", status=404)
    assert page.get_by_role("heading", level=1).inner_text() == "Page not found"


def _create_token_and_check_it_shows_once(page) -> None:  # type: ignore[no-untyped-def]
    visit(page, "/account/api-tokens/")
    assert page.get_by_text("You have no tokens.").is_visible()

    # Without a name: the error summary links to the field.
    follow(page, page.get_by_role("button", name="Create token"), status=400)
    summary = page.locator(".govuk-error-summary")
    assert (
        summary.get_by_role("link", name="Enter a name for the token").get_attribute("href")
        == "#id_name"
    )
    assert page.title().startswith("Error: ")

    page.get_by_label("Name of the token").fill("Force integration test")
    follow(page, page.get_by_role("button", name="Create token"))
    assert page.locator("[data-testid=new-token]").is_visible()
    secret = page.locator("#new-token-secret").inner_text().strip()
    assert secret.startswith("msp_")
    assert "Force integration test" in page.locator("table.govuk-table").inner_text()

    # Shown once: a second visit lists the token but not its secret.
    visit(page, "/account/api-tokens/")
    assert page.locator("[data-testid=new-token]").count() == 0
    assert secret not in page.content()
    assert "Force integration test" in page.locator("table.govuk-table").inner_text()

    # Revoke it.
    follow(page, page.get_by_role("button", name="Revoke Force integration test"))
    assert path(page) == "/account/api-tokens/"
    assert page.locator(".govuk-notification-banner").is_visible()
    assert "has been revoked" in page.locator(".govuk-notification-banner").inner_text()
    assert "Revoked" in page.locator("table.govuk-table").inner_text()


def test_create_an_api_token(page, admin):  # type: ignore[no-untyped-def]
    sign_in_with_session(page, admin)
    _create_token_and_check_it_shows_once(page)


def test_sign_in_and_create_an_api_token_without_javascript(page_without_js, admin):  # type: ignore[no-untyped-def]
    page = page_without_js
    secret = give_authenticator(admin)
    sign_in_with_forms(page, "admin@example.test", "Correct-Horse-42", secret)
    assert path(page) == "/"
    assert admin.full_name in page.locator("[data-testid=user-bar]").inner_text()
    _create_token_and_check_it_shows_once(page)

    # Signing out works without JavaScript too.
    follow(page, page.locator("[data-testid=user-bar]").get_by_role("button", name="Sign out"))
    assert path(page) == "/accounts/login/"

"""Signing in and out through the pages, with the authenticator app Misper requires."""

from __future__ import annotations

import pytest

from tests.browser.helpers import (
    follow,
    fresh_totp_code,
    give_authenticator,
    path,
    sign_in_with_forms,
    visit,
)

pytestmark = pytest.mark.browser

PASSWORD = "Correct-Horse-42"


def _user_bar(page):  # type: ignore[no-untyped-def]
    return page.locator("[data-testid=user-bar]")


def test_sign_in_with_password_then_authenticator_code(page, make_org, make_user):  # type: ignore[no-untyped-def]
    force = make_org("police_force", name="Vale and Harbour Police")
    area = make_org("policing_area", name="Northfold Local Policing Area", parent=force)
    user = make_user("inspector", organisation=area, email="inspector@example.test")
    secret = give_authenticator(user)

    visit(page, "/accounts/login/")
    assert _user_bar(page).count() == 0
    page.get_by_label("Email").fill("inspector@example.test")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    follow(page, page.get_by_role("button", name="Sign in"))

    # The password alone is not enough: the authenticator code is asked for next.
    assert path(page) == "/accounts/2fa/authenticate/"
    assert _user_bar(page).count() == 0
    page.get_by_label("Code").fill(fresh_totp_code(secret))
    follow(page, page.get_by_role("button", name="Continue"))

    assert path(page) == "/"
    bar = _user_bar(page)
    assert bar.is_visible()
    text = " ".join(bar.inner_text().split())
    assert user.full_name in text
    assert "Northfold Local Policing Area" in text
    assert "Inspector" in text
    assert page.get_by_role("heading", level=1).inner_text() == "Your work"


def test_first_sign_in_must_set_up_an_authenticator(page, make_org, make_user):  # type: ignore[no-untyped-def]
    org = make_org("local_authority", name="Vale County Council Children's Services")
    user = make_user("social_worker", organisation=org, email="new.starter@example.test")

    visit(page, "/accounts/login/")
    page.locator("#id_login").fill("new.starter@example.test")
    page.locator("#id_password").fill(PASSWORD)
    follow(page, page.get_by_role("button", name="Sign in"))

    # With no authenticator yet, every page leads to the set-up page.
    assert path(page) == "/accounts/2fa/totp/activate/"
    assert page.get_by_role("heading", level=1).inner_text() == "Set up an authenticator app"
    visit(page, "/account/")
    assert path(page) == "/accounts/2fa/totp/activate/"

    secret = page.locator("#totp-secret").inner_text().strip()
    assert len(secret) >= 16
    page.get_by_label("Authenticator code").fill(fresh_totp_code(secret))
    follow(page, page.get_by_role("button", name="Set up"))

    assert path(page) in ("/accounts/2fa/recovery-codes/", "/")
    if path(page) == "/accounts/2fa/recovery-codes/":
        codes = page.locator("[data-testid=recovery-codes] li")
        assert codes.count() == 10
        follow(page, page.get_by_role("link", name="Continue to Misper"))

    visit(page, "/")
    assert path(page) == "/"
    assert user.full_name in _user_bar(page).inner_text()
    from allauth.mfa.models import Authenticator

    assert Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()


def test_wrong_password_shows_the_error_summary(page, make_user):  # type: ignore[no-untyped-def]
    make_user("carer", email="carer@example.test")

    visit(page, "/accounts/login/")
    page.locator("#id_login").fill("carer@example.test")
    page.locator("#id_password").fill("not-the-password")
    # allauth answers a failed sign-in with the form again, status 200.
    follow(page, page.get_by_role("button", name="Sign in"))

    assert path(page) == "/accounts/login/"
    assert page.title().startswith("Error: ")
    summary = page.locator(".govuk-error-summary")
    assert summary.is_visible()
    assert summary.get_by_role("heading").inner_text() == "There is a problem"
    # Each message in the summary links to the field it is about (GOV.UK error summary).
    links = summary.locator(".govuk-error-summary__list a")
    assert links.count() >= 1, (
        "the error summary's message does not link to a field: "
        + summary.locator(".govuk-error-summary__list").inner_html().strip()
    )
    href = links.first.get_attribute("href")
    assert href in ("#id_login", "#id_password"), href
    links.first.click()
    assert page.evaluate("() => '#' + document.activeElement.id") == href

    # Nothing is signed in.
    assert page.locator("[data-testid=user-bar]").count() == 0
    visit(page, "/account/")
    assert path(page).startswith("/accounts/login/?next=/account/")


def test_sign_out_from_the_user_bar(page, make_user):  # type: ignore[no-untyped-def]
    user = make_user("call_handler", email="callhandler@example.test")
    secret = give_authenticator(user)
    sign_in_with_forms(page, "callhandler@example.test", PASSWORD, secret)
    assert path(page) == "/"

    follow(page, _user_bar(page).get_by_role("button", name="Sign out"))
    assert path(page) == "/accounts/login/"
    assert _user_bar(page).count() == 0

    visit(page, "/account/")
    assert path(page) == "/accounts/login/?next=/account/"
    visit(page, "/")
    assert path(page) == "/accounts/login/?next=/"

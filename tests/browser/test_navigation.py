"""Role-aware navigation: each person sees the service navigation their roles give them,
and every item they are offered opens."""

from __future__ import annotations

import pytest
from django.urls import NoReverseMatch, reverse

from tests.browser.helpers import follow, path, service_navigation, sign_in_with_session, visit

pytestmark = pytest.mark.browser


def expected_navigation(user) -> list[str]:  # type: ignore[no-untyped-def]
    """The items misper.web.navigation.ITEMS gives this user, computed here from the
    declarations (not through navigation_for) so that the page is checked against them."""
    from misper.web.navigation import ITEMS

    texts = []
    for item in ITEMS:
        try:
            reverse(item.url_name)
        except NoReverseMatch:
            continue  # the page is not built yet: its item must not be shown
        if item.visible(user):
            texts.append(item.text)
    return texts


def _people(make_org, make_user):  # type: ignore[no-untyped-def]
    force = make_org("police_force", name="Vale and Harbour Police")
    area = make_org("policing_area", name="Northfold Local Policing Area", parent=force)
    council = make_org("local_authority", name="Vale County Council Children's Services")
    home = make_org("childrens_home", name="Birch Lodge Children's Home", local_authority=council)
    return {
        "call_handler": make_user("call_handler", organisation=force),
        "inspector": make_user("inspector", organisation=area),
        "social_worker": make_user("social_worker", organisation=council),
        "carer": make_user("carer", organisation=home),
        "analyst": make_user("analyst", organisation=force),
        "system_administrator": make_user("system_administrator", organisation=force),
    }


ROLES = ["call_handler", "inspector", "social_worker", "carer", "analyst", "system_administrator"]


@pytest.mark.parametrize("role", ROLES)
def test_navigation_matches_the_roles(page, make_org, make_user, role):  # type: ignore[no-untyped-def]
    user = _people(make_org, make_user)[role]
    sign_in_with_session(page, user)
    visit(page, "/")

    shown = service_navigation(page)
    assert shown == expected_navigation(user)

    # The same, stated without the declarations, for what exists today.
    assert shown[0] == "Home"
    assert "Your organisation" in shown
    if role == "system_administrator":
        assert "Audit log" in shown
        assert "Users" in shown
    else:
        assert "Audit log" not in shown
        assert "Users" not in shown
    if role in ("carer", "social_worker"):
        assert "Policy" not in shown
        assert "Take a report" not in shown
        assert "Supervision" not in shown
    if role == "carer":
        assert "Find a child" not in shown
        assert "Patterns" not in shown
    # Analysts and administrators do not open individual children's records (issue 8).
    if role in ("analyst", "system_administrator"):
        assert "Find a child" not in shown
    if role in ("call_handler", "inspector", "social_worker"):
        assert "Find a child" in shown

    # Home is the current page, and says so.
    current = page.locator(".govuk-service-navigation__item--active")
    assert current.count() == 1
    assert " ".join(current.inner_text().split()) == "Home"
    assert current.locator("a").get_attribute("aria-current") in ("page", "true")

    # Every item offered opens for this person, and then is the current one.
    for text in shown[1:]:
        link = page.locator(".govuk-service-navigation__list").get_by_role(
            "link", name=text, exact=True
        )
        follow(page, link)
        active = page.locator(".govuk-service-navigation__item--active")
        assert " ".join(active.inner_text().split()) == text, (text, path(page))


def test_signed_out_there_is_no_service_navigation(page):  # type: ignore[no-untyped-def]
    visit(page, "/accounts/login/")
    assert service_navigation(page) == []
    assert page.locator("[data-testid=user-bar]").count() == 0

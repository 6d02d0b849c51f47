"""The browser tests' own checks catch what they are meant to catch: a CSP violation, a
JavaScript error, an axe violation, and a page left without a check.

These tests check the checks, not Misper's pages (those are checked everywhere else): each
ends by telling the page fixture that its last page has been dealt with."""

from __future__ import annotations

import pytest

from tests.browser.helpers import check_a11y, watch_for

pytestmark = pytest.mark.browser


def _dealt_with(page) -> None:  # type: ignore[no-untyped-def]
    watch = watch_for(page)
    watch.checked_load = watch.loads
    watch.errors.clear()
    watch.violations.clear()


def test_a_csp_violation_fails_the_check(page):  # type: ignore[no-untyped-def]
    page.goto("/accounts/login/")
    # An inline script without the nonce: Misper's policy must refuse it, and we must see it.
    page.evaluate(
        "() => { const s = document.createElement('script');"
        " s.textContent = 'window.__ran = true'; document.body.appendChild(s); }"
    )
    page.wait_for_timeout(200)
    assert page.evaluate("() => window.__ran === undefined"), "the CSP let an inline script run"
    with pytest.raises(AssertionError, match="CSP violation"):
        check_a11y(page)
    _dealt_with(page)


def test_a_javascript_error_fails_the_check(page):  # type: ignore[no-untyped-def]
    page.goto("/accounts/login/")
    page.evaluate("() => setTimeout(() => { throw new Error('boom from the page') }, 0)")
    page.wait_for_timeout(200)
    with pytest.raises(AssertionError, match="boom from the page"):
        check_a11y(page)
    _dealt_with(page)


def test_an_axe_violation_fails_the_check(page):  # type: ignore[no-untyped-def]
    page.goto("/accounts/login/")
    page.evaluate("() => { document.querySelector('#id_login').removeAttribute('id') }")
    with pytest.raises(AssertionError, match=r"- label \(critical\)"):
        check_a11y(page, strict=True)
    _dealt_with(page)


def test_a_page_left_unchecked_is_reported(page):  # type: ignore[no-untyped-def]
    page.goto("/accounts/login/")
    page.goto("/privacy/")
    watch = watch_for(page)
    assert [u.rsplit("/", 2)[-2] for u in watch.unchecked] == ["login"]
    check_a11y(page)
    assert watch.checked_load == watch.loads
    watch.unchecked.clear()  # the fixture would fail the test for it; we expected it
    _dealt_with(page)


def test_axe_also_runs_on_pages_seen_without_javascript(page_without_js):  # type: ignore[no-untyped-def]
    page = page_without_js
    bad = watch_for(page).base_url + "/__browser-tests__/bad-page"
    page.route(
        bad,
        lambda route: route.fulfill(
            status=200,
            headers={"Content-Type": "text/html; charset=utf-8"},
            body='<!DOCTYPE html><html lang="en"><head><title>Bad</title></head>'
            '<body><main><h1>Bad</h1><img src="/static/vendor/govuk-frontend/assets/images/'
            'favicon.svg"></main></body></html>',
        ),
    )
    page.goto(bad)
    with pytest.raises(AssertionError, match=r"- image-alt \(critical\)"):
        check_a11y(page, strict=True)
    _dealt_with(page)

"""Browser tests: Playwright drives the system Chromium against pytest-django's live server.

Every page a test visits is checked with axe-core and for JavaScript errors and CSP
violations: see tests/browser/helpers.py for how. Chromium comes from the system (Debian's
``chromium``) or ``MISPER_CHROMIUM``; Playwright's own browser download is never used.
Without Chromium the tests skip outside CI and fail with CI=true.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.browser.helpers import (
    _WATCHES,
    CHROMIUM_ARGS,
    check_a11y,
    format_violations,
    install_watch,
    release_watch,
    route_axe,
    watch_for,
)

CI = os.environ.get("CI", "").lower() == "true"


def _chromium_path() -> str | None:
    configured = os.environ.get("MISPER_CHROMIUM")
    if configured:
        return configured if Path(configured).is_file() else None
    return shutil.which("chromium")


@pytest.fixture(scope="session")
def chromium_executable() -> str:
    found = _chromium_path()
    if not found:
        where = os.environ.get("MISPER_CHROMIUM") or "chromium on PATH"
        message = f"Chromium not found at {where}; install Debian's chromium or set MISPER_CHROMIUM"
        if CI:
            pytest.fail(message)
        pytest.skip(message)
    return found


@pytest.fixture(scope="package")
def playwright_instance(chromium_executable: str) -> Iterator[object]:
    """Playwright, for the browser tests only.

    Playwright's sync API keeps an asyncio event loop running in the test's thread while it
    is started. Django then refuses ORM calls from that thread (SynchronousOnlyOperation)
    although the tests' ORM calls are plain synchronous ones: DJANGO_ALLOW_ASYNC_UNSAFE
    allows them. Both are scoped to this package (not the session) so that, under xdist, a
    worker that runs other tests after the browser tests runs them with no event loop
    running and without that allowance."""
    from playwright.sync_api import sync_playwright

    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as p:
            yield p
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture(scope="package")
def browser(playwright_instance, chromium_executable):  # type: ignore[no-untyped-def]
    browser = playwright_instance.chromium.launch(
        executable_path=chromium_executable, headless=True, args=CHROMIUM_ARGS
    )
    yield browser
    browser.close()


@pytest.fixture(autouse=True)
def _browser_test_isolation(request: pytest.FixtureRequest) -> None:
    """Every test in tests/browser carries the ``browser`` marker."""
    assert request.node.get_closest_marker("browser"), (
        f"{request.node.nodeid} is in tests/browser but is not marked @pytest.mark.browser"
    )


def _clear_cache() -> None:
    """The cache (a database table) holds allauth's rate-limit counters and used TOTP codes.
    The database is emptied between tests, the cache table is not: empty it too, so that
    sign-ins in one test cannot count against the next in the same worker."""
    from django.core.cache import cache

    cache.clear()


def _new_page(browser, live_server, *, javascript: bool):  # type: ignore[no-untyped-def]
    _clear_cache()
    base_url = live_server.url
    context = browser.new_context(base_url=base_url, java_script_enabled=javascript, locale="en-GB")
    context.set_default_timeout(10_000)
    route_axe(context, base_url)
    page = context.new_page()
    install_watch(page, base_url, js_enabled=javascript)
    return context, page


def _finish(context, page) -> None:  # type: ignore[no-untyped-def]
    watch = release_watch(page)
    if watch is not None and watch.checker is not None:
        release_watch(watch.checker)
        watch.checker.context.close()
    context.close()


def _end_of_test_failures(page) -> list[str]:  # type: ignore[no-untyped-def]
    """Check the last page if the test did not; then every page left unchecked and every
    axe violation found on the way, as messages."""
    watch = watch_for(page)
    problems: list[str] = []
    if watch.loads and watch.checked_load != watch.loads:
        try:
            check_a11y(page)
        except AssertionError as exc:
            problems.append(str(exc))
    if watch.unchecked:
        problems.append(
            "These pages were left without an accessibility check (navigate with "
            "visit()/follow() or call check_a11y()): " + ", ".join(watch.unchecked)
        )
    if watch.violations:
        problems.append(format_violations(watch.violations))
    return problems


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item):  # type: ignore[no-untyped-def]
    """After the test body: the end-of-test checks of its browser pages, in the call phase,
    so that they fail the test (not its teardown)."""
    try:
        result = yield
    except BaseException as exc:
        for page in getattr(item, "browser_pages", []):
            if id(page) in _WATCHES and watch_for(page).violations:
                exc.add_note(format_violations(watch_for(page).violations))
        raise
    problems: list[str] = []
    for page in getattr(item, "browser_pages", []):
        problems.extend(_end_of_test_failures(page))
    if problems:
        raise AssertionError("\n\n".join(problems))
    return result


def _register(request: pytest.FixtureRequest, page) -> None:  # type: ignore[no-untyped-def]
    if not hasattr(request.node, "browser_pages"):
        request.node.browser_pages = []
    request.node.browser_pages.append(page)


@pytest.fixture
def page(request, browser, live_server):  # type: ignore[no-untyped-def]
    """A fresh browser context and page, JavaScript on, its base URL the live server."""
    context, page = _new_page(browser, live_server, javascript=True)
    _register(request, page)
    yield page
    _finish(context, page)


@pytest.fixture
def page_without_js(request, browser, live_server):  # type: ignore[no-untyped-def]
    """As ``page``, with JavaScript turned off in the browser."""
    context, page = _new_page(browser, live_server, javascript=False)
    _register(request, page)
    yield page
    _finish(context, page)

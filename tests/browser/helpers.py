"""Helpers for the browser tests: navigation that checks every page, axe, and sign-in.

How every page gets checked
---------------------------
Tests navigate only through ``visit(page, path)`` (a GET) and ``follow(page, locator)``
(a click that loads a new page: a link, or a button that submits a form). Both wait for the
new page, assert its HTTP status, and run ``check_a11y(page)``: axe-core with the WCAG 2.0,
2.1 and 2.2 A/AA rules plus best practice, failing on any violation, and failing on any
JavaScript error or Content Security Policy violation seen so far. The test goes on after
an axe violation and fails at its end listing every violation of every page it visited.

As a safety net, the ``page`` fixture counts the documents the page loads (its ``load``
event). At the end of the test (conftest.py's ``pytest_runtest_call``) the last page is
checked if nobody checked it, and any earlier page that was navigated away from without a
check fails the test: a test cannot visit a page without it being checked, even by
navigating in some other way.

axe is served to the page from the live server's own origin (a Playwright route), so it
loads under Misper's Content Security Policy (``script-src 'self' 'nonce-…'``) without
weakening it: an inline script tag would be refused, and ``bypass_csp`` would hide the CSP
violations the tests look for.

In a context with JavaScript disabled axe cannot run in the page itself: ``check_a11y``
then copies the page's HTML (exactly as the no-JavaScript browser rendered it, scripts
removed so it stays that way) into a JavaScript-enabled page on the same origin, with the
same stylesheets, and runs axe there.
"""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from playwright.sync_api import BrowserContext, ConsoleMessage, Locator, Page, Response

HERE = Path(__file__).resolve().parent
AXE_FILE = HERE / "vendor" / "axe-core" / "axe.min.js"
AXE_VERSION = (HERE / "vendor" / "axe-core" / "VERSION").read_text().strip()
# Paths on the live server's origin that only the browser tests' routes answer.
AXE_PATH = "/__browser-tests__/axe.min.js"
SNAPSHOT_PATH = "/__browser-tests__/snapshot"

AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]
# Best-practice rules left out, each because it flags a pattern the GOV.UK Design System
# uses on purpose. No WCAG rule is ever left out. None so far: "region" (all content in
# landmarks) stays on, because the Design System now asks for the phase banner to sit
# inside the <header> element, so content outside every landmark is Misper's to fix.
AXE_DISABLED_BEST_PRACTICE: dict[str, str] = {}

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-quic",
]


@dataclass
class Watch:
    """What the page fixture has seen on one page: errors, and which documents were checked."""

    base_url: str
    js_enabled: bool
    errors: list[str] = field(default_factory=list)
    loads: int = 0
    checked_load: int = 0
    current_url: str = ""
    unchecked: list[str] = field(default_factory=list)
    documents: set[str] = field(default_factory=set)
    checker: Page | None = None
    checked_urls: list[str] = field(default_factory=list)
    violations: list[tuple[str, list[dict[str, Any]]]] = field(default_factory=list)


_WATCHES: dict[int, Watch] = {}


def watch_for(page: Page) -> Watch:
    return _WATCHES[id(page)]


def _strip_fragment(url: str) -> str:
    return url.split("#", 1)[0]


def install_watch(page: Page, base_url: str, js_enabled: bool) -> Watch:
    watch = Watch(base_url=base_url, js_enabled=js_enabled)
    _WATCHES[id(page)] = watch

    def on_load(_: Any) -> None:
        if watch.loads and watch.checked_load != watch.loads:
            watch.unchecked.append(watch.current_url)
        watch.loads += 1
        watch.current_url = page.url

    def on_console(msg: ConsoleMessage) -> None:
        text = msg.text
        if "Content Security Policy" in text or "Content-Security-Policy" in text:
            watch.errors.append(f"CSP violation on {page.url}: {text}")
        elif msg.type == "error":
            url = _strip_fragment(msg.location.get("url", "") if msg.location else "")
            if text.startswith("Failed to load resource") and url in watch.documents:
                # The page itself answered 4xx: its status is asserted by visit()/follow().
                return
            watch.errors.append(f"console error on {page.url}: {text} ({url})")

    def on_pageerror(exc: Exception) -> None:
        watch.errors.append(f"JavaScript error on {page.url}: {exc}")

    def on_response(response: Response) -> None:
        if response.request.is_navigation_request() and response.frame == page.main_frame:
            watch.documents.add(_strip_fragment(response.url))

    def on_csp_violation(source: Any, report: str) -> None:
        watch.errors.append(f"CSP violation on {page.url}: {report}")

    page.on("load", on_load)
    page.on("console", on_console)
    page.on("pageerror", on_pageerror)
    page.on("response", on_response)
    if js_enabled:
        # Chromium also logs violations to the console; the event catches any it does not.
        page.expose_binding("__misperCspViolation", on_csp_violation)
        page.add_init_script(
            "document.addEventListener('securitypolicyviolation', e => "
            "window.__misperCspViolation(JSON.stringify({directive: e.violatedDirective, "
            "blocked: e.blockedURI, source: e.sourceFile, line: e.lineNumber})));"
        )
    return watch


def release_watch(page: Page) -> Watch | None:
    return _WATCHES.pop(id(page), None)


def route_axe(context: BrowserContext, base_url: str) -> None:
    """Serve axe-core (and page snapshots) from the live server's origin."""
    axe_source = AXE_FILE.read_bytes()
    context.route(
        base_url + AXE_PATH,
        lambda route: route.fulfill(
            status=200, body=axe_source, headers={"Content-Type": "text/javascript"}
        ),
    )


def assert_no_errors(page: Page) -> None:
    watch = watch_for(page)
    if watch.errors:
        errors, watch.errors = watch.errors, []
        raise AssertionError(
            "JavaScript errors or CSP violations:\n" + "\n".join(f"  - {e}" for e in errors)
        )


def format_violations(found: list[tuple[str, list[dict[str, Any]]]]) -> str:
    """Every violation, once: a violation found on several pages (the same rule on the same
    elements, as one in the shared layout would be) lists the pages it was found on."""
    grouped: dict[tuple[str, str], dict[str, Any]] = {}
    for url, violations in found:
        for v in violations:
            targets = [
                " ".join(t if isinstance(t, str) else json.dumps(t) for t in node["target"])
                for node in v.get("nodes", [])
            ]
            key = (v["id"], json.dumps(targets))
            entry = grouped.setdefault(key, {"violation": v, "targets": targets, "urls": []})
            entry["urls"].append(url)
    pages = len({url for url, violations in found if violations})
    lines = [
        f"axe-core {AXE_VERSION}: {len(grouped)} accessibility violation(s) on {pages} page(s):"
    ]
    for entry in grouped.values():
        v = entry["violation"]
        lines.append(f"  - {v['id']} ({v.get('impact')}): {v['help']}  [{v.get('helpUrl', '')}]")
        lines.append(f"      on {', '.join(entry['urls'])}")
        for target, node in zip(entry["targets"], v.get("nodes", []), strict=True):
            lines.append(f"      at {target}")
            html = node.get("html", "")
            if html:
                lines.append(f"         {html[:200]}")
            summary = " ".join((node.get("failureSummary") or "").split())
            if summary:
                lines.append(f"         {summary[:300]}")
    return "\n".join(lines)


AXE_RUN = """async ([tags, disabled]) => {
  const rules = {};
  for (const id of disabled) rules[id] = {enabled: false};
  const results = await axe.run(document, {
    runOnly: {type: "tag", values: tags}, rules, resultTypes: ["violations"],
  });
  return results.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
    nodes: v.nodes.map(n => ({target: n.target, html: n.html, failureSummary: n.failureSummary})),
  }));
}"""


def _run_axe(target: Page) -> list[dict[str, Any]]:
    if not target.evaluate("() => typeof window.axe !== 'undefined'"):
        target.add_script_tag(url=watch_for(target).base_url + AXE_PATH)
    return target.evaluate(AXE_RUN, [AXE_TAGS, list(AXE_DISABLED_BEST_PRACTICE)])


_SCRIPT_RE = re.compile(r"<script\b[^>]*>.*?</script\s*>", re.IGNORECASE | re.DOTALL)


def _checker_for(page: Page) -> Page:
    """A JavaScript-enabled page on the same origin, to run axe on a no-JavaScript page."""
    watch = watch_for(page)
    if watch.checker is None:
        browser = page.context.browser
        assert browser is not None
        context = browser.new_context(base_url=watch.base_url)
        route_axe(context, watch.base_url)
        checker = context.new_page()
        _WATCHES[id(checker)] = Watch(base_url=watch.base_url, js_enabled=True)
        watch.checker = checker
    return watch.checker


def check_a11y(page: Page, *, strict: bool = False) -> None:
    """Run axe on the page as it is now, and fail at once on any JavaScript error or CSP
    violation seen so far.

    axe violations fail the test too, listing every violation (rule, impact, help, the
    elements): by default at the end of the test, all pages together, so that one page's
    violation does not hide what the rest of the test would find (conftest.py raises them).
    ``strict=True`` raises them at once."""
    watch = watch_for(page)
    assert_no_errors(page)
    url = page.url
    if watch.js_enabled:
        violations = _run_axe(page)
    else:
        html = _SCRIPT_RE.sub("", page.content())
        checker = _checker_for(page)
        snapshot_url = watch.base_url + SNAPSHOT_PATH
        checker.context.unroute(snapshot_url)
        checker.context.route(
            snapshot_url,
            lambda route: route.fulfill(
                status=200, body=html, headers={"Content-Type": "text/html; charset=utf-8"}
            ),
        )
        checker.goto(snapshot_url)
        violations = _run_axe(checker)
    watch.checked_load = watch.loads
    watch.checked_urls.append(url)
    assert_no_errors(page)
    if violations:
        if strict:
            raise AssertionError(format_violations([(url, violations)]))
        watch.violations.append((url, violations))


def _path_of(url: str, base_url: str) -> str:
    return url[len(base_url) :] if url.startswith(base_url) else url


def visit(page: Page, path: str, status: int = 200) -> Response:
    """GET a page (following redirects), assert the final status, and check it."""
    response = page.goto(path)
    assert response is not None, f"no response for {path}"
    assert response.status == status, (
        f"GET {path} ended at {_path_of(page.url, watch_for(page).base_url)} "
        f"with status {response.status}, expected {status}"
    )
    check_a11y(page)
    return response


def follow(page: Page, locator: Locator, status: int = 200) -> Response:
    """Click a link or a submit button that loads a new page; assert its status and check it."""
    with page.expect_navigation() as nav:
        locator.click()
    response = nav.value
    assert response is not None, "the click loaded no page"
    assert response.status == status, (
        f"clicking ended at {_path_of(page.url, watch_for(page).base_url)} "
        f"with status {response.status}, expected {status}"
    )
    check_a11y(page)
    return response


def path(page: Page) -> str:
    """The current page's path (and query), without the live server's origin."""
    return _path_of(page.url, watch_for(page).base_url)


# --- Sign-in -------------------------------------------------------------------------------


def totp_code(secret: str, at: float | None = None) -> str:
    from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value

    counter = int(time.time() if at is None else at) // 30
    return format_hotp_value(hotp_value(secret, counter))


def fresh_totp_code(secret: str) -> str:
    """A code that stays valid for the next few seconds (waits out the end of a period, so
    that a slow submission cannot land in the next one)."""
    if 30 - (time.time() % 30) < 3:
        time.sleep(30 - (time.time() % 30) + 0.1)
    return totp_code(secret)


def give_authenticator(user: Any) -> str:
    """Set up a TOTP authenticator for the user; returns its base32 secret."""
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    return secret


def sign_in_with_session(page: Page, user: Any) -> None:
    """Sign the page's browser context in as the user without going through the forms (the
    forms have their own tests in test_sign_in.py). The user gets an authenticator app, as
    every user outside demo mode must have."""
    from allauth.mfa.models import Authenticator
    from django.conf import settings
    from django.test import Client

    if not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
        give_authenticator(user)
    client = Client()
    client.force_login(user, backend="allauth.account.auth_backends.AuthenticationBackend")
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    page.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": watch_for(page).base_url}]
    )


def sign_in_with_forms(page: Page, email: str, password: str, secret: str) -> None:
    """Sign in through the pages: email and password, then the authenticator code."""
    visit(page, "/accounts/login/")
    page.locator("#id_login").fill(email)
    page.locator("#id_password").fill(password)
    follow(page, page.get_by_role("button", name="Sign in"))
    assert path(page).startswith("/accounts/2fa/authenticate/"), path(page)
    page.locator("#id_code").fill(fresh_totp_code(secret))
    follow(page, page.get_by_role("button", name="Continue"))


def service_navigation(page: Page) -> list[str]:
    """The texts of the service navigation's items, in order."""
    items = page.locator(".govuk-service-navigation__list .govuk-service-navigation__item")
    return [" ".join(t.split()) for t in items.all_inner_texts()]

"""Shared test set-up.

With CI=true no test may skip: a skip becomes a failure, so that a missing PostgreSQL or
Chromium can never pass silently. Outside CI a skip says why.
"""

from __future__ import annotations

import os
from typing import Any

import pytest

CI = os.environ.get("CI", "").lower() == "true"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):  # type: ignore[no-untyped-def]
    outcome = yield
    report = outcome.get_result()
    if CI and report.skipped and not hasattr(report, "wasxfail"):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else report.longrepr
        report.outcome = "failed"
        report.longrepr = f"CI=true: this test would have been skipped ({reason})"


@pytest.fixture
def make_org(db):  # type: ignore[no-untyped-def]
    from misper.agencies.services import organisation_create

    counter = {"n": 0}

    def make(kind: str = "local_authority", name: str | None = None, **kw):  # type: ignore[no-untyped-def]
        counter["n"] += 1
        code = kw.pop("code", f"org-{counter['n']}")
        return organisation_create(
            actor=None, kind=kind, name=name or f"Organisation {counter['n']}", code=code, **kw
        )

    return make


@pytest.fixture
def make_user(db, make_org):  # type: ignore[no-untyped-def]
    from misper.agencies.services import user_create

    counter = {"n": 0}

    def make(
        *roles: str, organisation=None, email: str | None = None, password: str = "Correct-Horse-42"
    ):  # type: ignore[no-untyped-def]
        counter["n"] += 1
        return user_create(
            actor=None,
            email=email or f"user{counter['n']}@example.test",
            full_name=f"Test User {counter['n']}",
            organisation=organisation or make_org(),
            roles=roles or ("social_worker",),
            password=password,
        )

    return make


@pytest.fixture
def mfa_client(client):  # type: ignore[no-untyped-def]
    """A test client factory that signs a user in with a TOTP authenticator set up, as
    outside demo mode every user must have."""
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    def login(user):  # type: ignore[no-untyped-def]
        TOTP.activate(user, generate_totp_secret())
        client.force_login(user)
        return client

    return login


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """The access matrix (tests/access/test_matrix.py) says how many cells it checked."""
    cells = rows = 0
    for report in terminalreporter.stats.get("passed", []):
        for name, value in getattr(report, "user_properties", []):
            if name == "access_cells":
                cells += int(value)
                rows += 1
    failed = [
        r
        for r in terminalreporter.stats.get("failed", [])
        if "tests/access/test_matrix.py::test_matrix" in r.nodeid
    ]
    if rows or failed:
        verdict = f"{len(failed)} routes FAILED" if failed else "no leak"
        terminalreporter.write_line(
            f"access matrix: {cells} route × persona cells checked over {rows} routes, {verdict}"
        )

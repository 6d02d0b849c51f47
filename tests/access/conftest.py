"""The access tests' shared world, built once per module for the matrix (in a transaction
rolled back at the end, so no other test sees it), and the count of matrix cells printed
at the end of the run."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import transaction

from .world import PERSONAS, build, client_for


@pytest.fixture(scope="module")
def matrix(django_db_setup, django_db_blocker):  # type: ignore[no-untyped-def]
    with django_db_blocker.unblock(), transaction.atomic():
        w = build()
        clients = {"anonymous": client_for(None)}
        clients.update({name: client_for(w[name]) for name in PERSONAS})
        yield w, clients
        transaction.set_rollback(True)


def pytest_terminal_summary(terminalreporter: Any) -> None:
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

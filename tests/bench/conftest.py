"""Benchmarks (tests/bench) run only when asked: `make bench`, i.e.

    MISPER_BENCH=1 .venv/bin/pytest tests/bench -m bench -p no:randomly -q -s

Without MISPER_BENCH=1 and without a `-m` expression naming `bench`, the benchmark items
are deselected (not skipped: with CI=true a skip fails the run, tests/conftest.py), so the
normal suite never pays for them.
"""

from __future__ import annotations

import os

import pytest


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "bench: a benchmark, run by `make bench` only")


def _bench_requested(config: pytest.Config) -> bool:
    if os.environ.get("MISPER_BENCH") == "1":
        return True
    markexpr = str(config.getoption("markexpr", "") or "")
    return "bench" in markexpr and "not bench" not in markexpr


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if _bench_requested(config):
        return
    bench = [item for item in items if item.get_closest_marker("bench") is not None]
    if bench:
        config.hook.pytest_deselected(items=bench)
        items[:] = [item for item in items if item.get_closest_marker("bench") is None]

"""Benchmark: the delay from a deadline's due time to its action, with one running worker
(poll interval 1 s). Figures go to docs/benchmarks.md ("Worker: deadline delay"). Run:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/misper_worker MISPER_BENCH=1 \\
      .venv/bin/pytest tests/bench/test_bench_worker.py -m bench -q -s

300 deadlines fall due evenly over 30 s; one `misper worker --interval 1` process acts on
them. The delay is ``acted_at - due`` as the sweep records it. Target: p99 < 5 s. The
deadlines are of a kind with no handler (the sweep records a timeline event and closes
each), so the figure is the sweep's own delay: polling plus claiming, not a handler's work.
On SQLite (no DATABASE_URL) the worker uses a migrated database file under tmp_path.
"""

from __future__ import annotations

import os
import platform
import sqlite3
import statistics
import time
from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection

from misper.core.models import Deadline
from misper.episodes.models import Episode
from tests.worker.harness import database_url, migrate, start_worker

pytestmark = pytest.mark.bench

N = int(os.environ.get("MISPER_BENCH_DEADLINES", "300"))
SPREAD = 30.0  # seconds over which they fall due
LEAD = 4.0  # seconds before the first falls due (the worker starts meanwhile)


def quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


@pytest.mark.django_db(transaction=True)
def test_bench_deadline_delay_with_one_worker(tmp_path):
    postgres = connection.vendor == "postgresql"
    if postgres:
        url = database_url(connection.settings_dict)
    else:
        path = tmp_path / "bench.sqlite3"
        url = f"sqlite:///{path}"
        migrate(url)
    worker = start_worker(url, "--interval", "1", log=tmp_path / "worker.log")
    try:
        t0 = datetime.now(UTC) + timedelta(seconds=LEAD)
        dues = [t0 + timedelta(seconds=SPREAD * i / N) for i in range(N)]
        if postgres:
            episode_type = ContentType.objects.get_for_model(Episode)
            Deadline.objects.bulk_create(
                Deadline(
                    owner="bench", content_type=episode_type, object_id=i, kind="rhi_due", due=d
                )
                for i, d in enumerate(dues)
            )
        else:
            with sqlite3.connect(path) as db:
                (episode_type_id,) = db.execute(
                    "SELECT id FROM django_content_type"
                    " WHERE app_label='episodes' AND model='episode'"
                ).fetchone()
                db.executemany(
                    "INSERT INTO agencies_deadline (owner, content_type_id, object_id, kind, due,"
                    " rule, status, created_at, closed_reason, attempts, last_error)"
                    " VALUES ('bench', ?, ?, 'rhi_due', ?, '', 'open', ?, '', 0, '')",
                    [
                        (
                            episode_type_id,
                            i,
                            d.strftime("%Y-%m-%d %H:%M:%S.%f"),
                            d.strftime("%Y-%m-%d"),
                        )
                        for i, d in enumerate(dues)
                    ],
                )
        end = time.monotonic() + LEAD + SPREAD + 60
        while time.monotonic() < end:
            time.sleep(1)
            if postgres:
                left = Deadline.objects.filter(owner="bench", status="open").count()
            else:
                with sqlite3.connect(path) as db:
                    (left,) = db.execute(
                        "SELECT COUNT(*) FROM agencies_deadline WHERE status='open'"
                    ).fetchone()
            if not left and datetime.now(UTC) > dues[-1]:
                break
    finally:
        worker.terminate()
        worker.wait(timeout=30)
    if postgres:
        pairs = list(Deadline.objects.filter(owner="bench").values_list("due", "acted_at"))
    else:
        with sqlite3.connect(path) as db:
            raw = db.execute("SELECT due, acted_at FROM agencies_deadline").fetchall()
        pairs = [
            (
                datetime.fromisoformat(d).replace(tzinfo=UTC),
                datetime.fromisoformat(a).replace(tzinfo=UTC) if a else None,
            )
            for d, a in raw
        ]
    assert all(a is not None for _, a in pairs), "some deadlines were never acted on"
    delays = [(a - d).total_seconds() for d, a in pairs]
    median, p99 = statistics.median(delays), quantile(delays, 0.99)
    print(
        f"\nworker deadline delay ({connection.vendor if postgres else 'sqlite file'}, "
        f"{N} deadlines over {SPREAD:.0f} s, poll 1 s): median {median:.2f} s, "
        f"p99 {p99:.2f} s, max {max(delays):.2f} s, min {min(delays):.2f} s; "
        f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, "
        f"{datetime.now(UTC):%Y-%m-%d}"
    )
    assert min(delays) >= 0, "acted on before it was due"
    assert p99 < 5.0

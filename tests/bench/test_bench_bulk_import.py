"""Benchmark: the bulk import of history (issue 14, part 3), a 100,000-row CSV file: the
dry run, the import (one transaction) and the counting of the imported episodes in the
triggers, each timed. Figures go to docs/benchmarks.md ("Bulk import of history"). Run:

    MISPER_BENCH=1 .venv/bin/pytest tests/bench/test_bench_bulk_import.py -m bench -q -s
    MISPER_BENCH_IMPORT_TRIGGERS=0 MISPER_BENCH=1 \\
      .venv/bin/pytest tests/bench/test_bench_bulk_import.py -m bench -q -s

25,000 children with four missing episodes each, ten days apart (so each child's third episode
gives West Mercia's three-in-90-days trigger, level 1). ``MISPER_BENCH_IMPORT_ROWS``
changes the number of rows (a multiple of four). The job runs as the worker runs it
(``bulk_import.run_job``), progress and all.
"""

from __future__ import annotations

import os
import platform
import time

import pytest

from misper.episodes.models import Episode
from misper.insights import bulk_import as bi
from misper.insights.models import ImportStatus
from misper.interventions.models import TriggerRecord
from tests.insights.test_bulk_import import as_csv, many
from tests.interventions.conftest import wmc  # noqa: F401  the West Mercia region

pytestmark = pytest.mark.bench

ROWS = int(os.environ.get("MISPER_BENCH_IMPORT_ROWS", "100000"))
# MISPER_BENCH_IMPORT_TRIGGERS=0: time the import's transaction only, not the trigger pass
# (which asks the engine about every imported episode: most of the time, see the docs).
TRIGGERS = os.environ.get("MISPER_BENCH_IMPORT_TRIGGERS", "1") != "0"


@pytest.mark.django_db
def test_bench_import_of_100000_rows(wmc):  # noqa: F811
    t0 = time.perf_counter()
    content = as_csv(many(ROWS // 4, 4))
    made = time.perf_counter() - t0
    job = bi.job_start(
        actor=wmc["coordinator"], system="Niche", file_name="history.csv", content=content
    )
    t0 = time.perf_counter()
    bi.run_job(job.pk)
    checked = time.perf_counter() - t0
    job.refresh_from_db()
    assert job.status == ImportStatus.CHECKED, job.errors[:5]
    assert job.rows_total == ROWS

    # One bad row: nothing is written.
    bad = content.replace(b"2011-04-02", b"2011-04-31", 1)
    refused = bi.job_start(
        actor=wmc["coordinator"], system="Niche", file_name="bad.csv", content=bad
    )
    bi.run_job(refused.pk)
    refused.refresh_from_db()
    assert refused.status == ImportStatus.REFUSED and refused.error_count >= 1
    assert Episode.objects.count() == 0

    bi.job_import(actor=wmc["coordinator"], job_id=job.pk, version=job.version)
    job.refresh_from_db()
    if not TRIGGERS:
        # The import's transaction alone (what run_job does before the trigger pass).
        t0 = time.perf_counter()
        plan = bi.check(
            force=job.force, actor=job.created_by, system=job.system, content=content,
            file_name=job.file_name,
        )  # fmt: skip
        again = time.perf_counter() - t0
        t0 = time.perf_counter()
        bi.write(plan, job=job)
        wrote = time.perf_counter() - t0
        assert Episode.objects.count() == ROWS
        print(
            f"\nbulk import, {ROWS:,} rows ({len(content) / 1e6:.1f} MB), "
            f"{platform.python_implementation()} {platform.python_version()}: "
            f"file made {made:.1f} s; dry run {checked:.1f} s; checked again {again:.1f} s; "
            f"written (one transaction) {wrote:.1f} s; trigger pass not run"
        )
        return
    t0 = time.perf_counter()
    bi.run_job(job.pk)
    total = time.perf_counter() - t0
    job.refresh_from_db()
    assert job.status == ImportStatus.DONE
    assert Episode.objects.count() == ROWS
    records = TriggerRecord.objects.filter(kind="wm_individual_3_in_90").count()
    assert records == ROWS // 4  # each child's third episode: level 1 (R-TRG-10)
    print(
        f"\nbulk import, {ROWS:,} rows ({len(content) / 1e6:.1f} MB), "
        f"{platform.python_implementation()} {platform.python_version()}: "
        f"file made {made:.1f} s; dry run {checked:.1f} s; "
        f"import and triggers {total:.1f} s, of which the write (one transaction) "
        f"{job.summary['write_seconds']:.1f} s and the trigger pass "
        f"{job.summary['trigger_seconds']:.1f} s "
        f"({job.summary['trigger_seconds'] * 1000 / ROWS:.2f} ms per episode, of which "
        f"reading the histories and asking the rules {job.summary['trigger_ask_seconds']:.1f} s "
        f"({job.summary['trigger_ask_seconds'] * 1000 / ROWS:.2f} ms per episode); "
        f"{records:,} trigger records)"
    )

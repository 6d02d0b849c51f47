"""A bulk import whose worker stopped is queued again by the worker's sweep
(``bulk_import.requeue_stalled``, insights/tasks.py) and runs to its end once: a write that
was stopped left nothing and is done again; a trigger pass resumes after its last
committed batch, and no trigger is recorded twice; a run that was only slow stops at its
next step, its uncommitted work rolled back; a job that waits its turn is left alone; a job
whose worker stops every time fails."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from misper.episodes.models import Episode
from misper.insights import bulk_import as bi
from misper.insights import import_triggers
from misper.insights.models import ImportJob, ImportStatus
from misper.insights.tasks import stalled_imports_sweep
from misper.interventions.models import TriggerRecord
from tests.insights.test_bulk_import import as_csv, many, run, start
from tests.interventions.conftest import wmc  # noqa: F401  the West Mercia region

pytestmark = pytest.mark.django_db

LONG_AGO = timedelta(minutes=bi.STALLED_MINUTES + 1)


class WorkerKilled(BaseException):
    """The worker's process stopped (not an exception the task catches)."""


def checked(r: dict[str, Any], children: int = 4) -> ImportJob:
    """A file of ``children`` children with four episodes each, checked, its import asked
    for (the job queued for the worker)."""
    job = run(start(r, as_csv(many(children, 4))))
    assert job.status == ImportStatus.CHECKED
    return bi.job_import(actor=r["coordinator"], job_id=job.pk, version=job.version)


def stall(job: ImportJob, **state: Any) -> None:
    """No sign of the job's worker for longer than the sweep waits."""
    ImportJob.objects.filter(pk=job.pk).update(
        heartbeat_at=timezone.now() - LONG_AGO, task_id="", **state
    )


def sweep_and_work(django_capture_on_commit_callbacks: Any) -> int:
    """The worker's tick: its sweeps (the task they queue), then the queued tasks."""
    from misper.worker import Worker

    with django_capture_on_commit_callbacks(execute=True):
        acted = stalled_imports_sweep()
    Worker(interval=0).run_tasks()
    return acted


def records() -> list[tuple[int, str, int | None]]:
    return sorted(TriggerRecord.objects.values_list("episode_id", "kind", "level"))


@pytest.mark.django_db(transaction=True)
def test_a_job_stopped_during_its_write_is_written_once(wmc, django_capture_on_commit_callbacks):  # noqa: F811
    job = checked(wmc)
    # The worker took the task and was stopped in the write: its transaction never
    # committed, so nothing was written and the job still says "importing".
    stall(job, status=ImportStatus.IMPORTING, rows_done=0)
    assert Episode.objects.count() == 0
    assert sweep_and_work(django_capture_on_commit_callbacks) == 1
    job.refresh_from_db()
    assert job.status == ImportStatus.DONE and job.attempt == 1
    assert Episode.objects.count() == 16
    assert len(records()) == 8  # each child's third (level 1) and fourth (level 2)
    # Nothing more to do: the sweep leaves a finished job alone, and the task queued
    # before the job was queued again does nothing.
    assert sweep_and_work(django_capture_on_commit_callbacks) == 0
    bi.run_job(job.pk, 0)
    assert Episode.objects.count() == 16 and len(records()) == 8


@pytest.mark.django_db(transaction=True)
def test_a_job_stopped_in_its_trigger_pass_resumes_and_counts_each_hit_once(
    wmc,  # noqa: F811
    django_capture_on_commit_callbacks,
    monkeypatch,
):
    monkeypatch.setattr(bi, "TRIGGER_BATCH", 4)
    job = checked(wmc)
    real = import_triggers.hits_for
    calls = {"n": 0}

    def stopped_in_the_fourth_batch(episodes: Any, now: Any) -> Any:
        calls["n"] += 1
        if calls["n"] == 4:
            raise WorkerKilled
        return real(episodes, now)

    monkeypatch.setattr(bi, "hits_for", stopped_in_the_fourth_batch)
    with pytest.raises(WorkerKilled):
        bi.run_job(job.pk, job.attempt)
    job.refresh_from_db()
    assert job.status == ImportStatus.TRIGGERS and job.triggers_done == 12
    assert Episode.objects.count() == 16 and job.content == b""
    before = records()
    # Oldest first, four children at the same times: three batches are each child's
    # first, second and third episodes; the third gave level 1 (R-TRG-10).
    assert sorted(level for _, _, level in before) == [1, 1, 1, 1]
    stall(job)
    assert sweep_and_work(django_capture_on_commit_callbacks) == 1
    job.refresh_from_db()
    assert job.status == ImportStatus.DONE and job.triggers_done == job.triggers_total == 16
    assert Episode.objects.count() == 16
    after = records()
    assert len(after) == 8 and set(before) <= set(after)
    expected = import_triggers.hits_one_by_one(
        list(Episode.objects.select_related("person", "force", "establishment")),
        timezone.now(),
    )
    assert after == sorted((pk, h.kind, h.level) for pk, hits in expected.items() for h in hits)


def test_a_run_that_was_only_slow_stops_and_writes_nothing(wmc):  # noqa: F811
    job = checked(wmc)
    slow = ImportJob.objects.select_related("force", "created_by").get(pk=job.pk)
    stall(job, status=ImportStatus.IMPORTING)
    assert bi.requeue_stalled() == 1
    plan = bi.check(
        force=slow.force, actor=slow.created_by, system=slow.system,
        content=bytes(slow.content), file_name=slow.file_name,
    )  # fmt: skip
    with pytest.raises(bi.Superseded):
        bi.write(plan, job=slow)  # the slow run's write, after the job was queued again
    assert Episode.objects.count() == 0
    job.refresh_from_db()
    assert job.status == ImportStatus.QUEUED and job.attempt == 1
    bi.run_job(job.pk, 1)
    job.refresh_from_db()
    assert job.status == ImportStatus.DONE and Episode.objects.count() == 16


@pytest.mark.django_db(transaction=True)
def test_a_job_waiting_its_turn_is_left_alone(wmc, django_capture_on_commit_callbacks):  # noqa: F811
    with django_capture_on_commit_callbacks(execute=True):
        job = start(wmc, as_csv(many(1, 2)))
    job.refresh_from_db()
    assert job.task_id  # its task, queued for the worker
    ImportJob.objects.filter(pk=job.pk).update(heartbeat_at=timezone.now() - LONG_AGO)
    assert bi.requeue_stalled() == 0  # the task is still waiting for a worker
    # A queued job whose task is gone (taken by a worker that stopped) is queued again.
    stall(job)
    assert sweep_and_work(django_capture_on_commit_callbacks) == 1
    job.refresh_from_db()
    assert job.status == ImportStatus.CHECKED and job.attempt == 1


def test_a_recent_sign_of_life_is_not_a_stall(wmc):  # noqa: F811
    job = checked(wmc)
    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportStatus.IMPORTING, heartbeat_at=timezone.now() - timedelta(minutes=2)
    )
    assert bi.requeue_stalled() == 0
    job.refresh_from_db()
    assert job.status == ImportStatus.IMPORTING and job.attempt == 0


def test_a_job_whose_worker_stops_every_time_fails(wmc):  # noqa: F811
    job = checked(wmc)
    for attempt in range(1, bi.MAX_ATTEMPTS + 1):
        stall(job, status=ImportStatus.CHECKING)
        assert bi.requeue_stalled() == 1
        job.refresh_from_db()
        assert job.status == ImportStatus.QUEUED and job.attempt == attempt
    stall(job, status=ImportStatus.CHECKING)
    assert bi.requeue_stalled() == 1
    job.refresh_from_db()
    assert job.status == ImportStatus.FAILED
    assert bi.requeue_stalled() == 0
    assert Episode.objects.count() == 0

"""The insights app's queued task: the bulk import of history (bulk_import.py), checked and
imported by the worker, which writes its progress on the job for the page to show; the
sweep that queues again a job whose worker stopped (``bulk_import.requeue_stalled``); the
sweep that deletes the files never imported (``bulk_import.expire_files``); and the sweep
that keeps the reports' summary table up to date (``facts.refresh``)."""

from __future__ import annotations

from django_tasks import task

from misper.insights import facts
from misper.insights.bulk_import import expire_files, requeue_stalled, run_job
from misper.worker import register_sweep


@task()
def import_task(job_id: int, attempt: int | None = None) -> None:
    run_job(job_id, attempt)


@register_sweep("stalled_imports")
def stalled_imports_sweep() -> int:
    return requeue_stalled()


@register_sweep("expired_import_files")
def expired_import_files_sweep() -> int:
    return expire_files()


@register_sweep("insights_facts")
def facts_sweep() -> int:
    """The reports' summary of the children changed since the last tick (facts.py): a few
    hundred marks a tick, so that the deadlines' sweep in the same tick is not held up."""
    return facts.refresh(SWEEP_BATCH, wait=False)


SWEEP_BATCH = 200

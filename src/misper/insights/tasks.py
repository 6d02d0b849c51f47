"""The insights app's queued task: the bulk import of history (bulk_import.py), checked and
imported by the worker, which writes its progress on the job for the page to show."""

from __future__ import annotations

from django_tasks import task

from misper.insights.bulk_import import run_job


@task()
def import_task(job_id: int) -> None:
    run_job(job_id)

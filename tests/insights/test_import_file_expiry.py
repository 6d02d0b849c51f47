"""A file that was not imported is not kept: the worker's sweep (``bulk_import.expire_files``,
insights/tasks.py) deletes, after ``MISPER_IMPORT_FILE_DAYS`` (30) days from its check, the
file and the refused rows' reasons of a job refused, checked and never confirmed, or
failed; the job stays, expired, with an event on its timeline. A file imported, being
imported, or younger than its days is left alone; an expired job cannot be imported; the
page and the API say what happened."""

from __future__ import annotations

from datetime import timedelta

import pytest

from misper.core.errors import WrongState
from misper.core.models import TimelineEvent
from misper.insights import bulk_import as bi
from misper.insights.models import ImportJob, ImportStatus
from misper.insights.tasks import expired_import_files_sweep
from tests.insights.test_bulk_import import as_csv, dry_run_then_import, row, run, start
from tests.interventions.conftest import wmc  # noqa: F401  the West Mercia region

pytestmark = pytest.mark.django_db

DAYS = bi.FILE_DAYS


def aged(job: ImportJob, days: float) -> ImportJob:
    """As if the job's check had finished ``days`` ago."""
    ago = job.finished_at - timedelta(days=days)
    ImportJob.objects.filter(pk=job.pk).update(finished_at=ago, created_at=ago)
    job.refresh_from_db()
    return job


def good(r, key: str = "A") -> ImportJob:  # type: ignore[no-untyped-def]
    return run(start(r, as_csv([row(key, n) for n in range(3)])))


def bad(r) -> ImportJob:  # type: ignore[no-untyped-def]
    job = run(start(r, as_csv([row("B", 0, date_of_birth="2011-02-31")])))
    assert job.status == ImportStatus.REFUSED and job.errors
    return job


def test_files_not_imported_in_time_are_deleted_and_the_rest_kept(wmc):  # noqa: F811
    checked_old = aged(good(wmc, "A"), DAYS + 1)
    refused_old = aged(bad(wmc), DAYS + 1)
    checked_young = aged(good(wmc, "C"), DAYS - 1)
    imported_old = aged(dry_run_then_import(wmc, as_csv([row("D", n) for n in range(2)])), 90)
    assert imported_old.status == ImportStatus.DONE

    assert expired_import_files_sweep() == 2

    for job in (checked_old, refused_old):
        job.refresh_from_db()
        assert job.status == ImportStatus.EXPIRED
        assert bytes(job.content) == b"" and job.errors == []
        assert job.version == 2  # moved: a page or client holding the old one is told
        event = TimelineEvent.objects.get(subject_type="import_job", subject_id=str(job.pk))
        assert event.verb == "import_file_deleted" and event.actor is None
        assert event.changes["days"] == DAYS
    refused_old.refresh_from_db()
    assert refused_old.error_count == 1  # the count stays: the record of what happened
    checked_young.refresh_from_db()
    assert checked_young.status == ImportStatus.CHECKED and bytes(checked_young.content)
    imported_old.refresh_from_db()
    assert imported_old.status == ImportStatus.DONE
    # Nothing left to do: a second sweep deletes nothing and records nothing.
    assert expired_import_files_sweep() == 0
    assert TimelineEvent.objects.filter(subject_type="import_job").count() == 2


def test_an_expired_file_cannot_be_imported(wmc):  # noqa: F811
    job = aged(good(wmc), DAYS + 1)
    assert bi.expire_files() == 1
    job.refresh_from_db()
    with pytest.raises(WrongState):
        bi.job_import(actor=wmc["coordinator"], job_id=job.pk, version=job.version)
    assert ImportJob.objects.get(pk=job.pk).status == ImportStatus.EXPIRED


def test_a_job_confirmed_meanwhile_is_left_alone(wmc):  # noqa: F811
    """The sweep read the job as checked; its import was then confirmed (the version
    moved): the file is not deleted under the import."""
    job = aged(good(wmc), DAYS + 1)
    bi.job_import(actor=wmc["coordinator"], job_id=job.pk, version=job.version)
    assert bi.expire_files() == 0
    job.refresh_from_db()
    assert job.status == ImportStatus.QUEUED and bytes(job.content)


def test_the_days_are_a_setting(wmc, settings):  # noqa: F811
    settings.MISPER_IMPORT_FILE_DAYS = 7
    job = aged(good(wmc), 8)
    assert bi.file_days() == 7 and bi.expire_files() == 1
    job.refresh_from_db()
    assert job.status == ImportStatus.EXPIRED


def test_the_page_and_the_api_say_the_file_was_deleted(wmc, mfa_client):  # noqa: F811
    client = mfa_client(wmc["coordinator"])
    job = good(wmc)
    page = client.get(f"/insights/import/{job.pk}/").content.decode()
    assert f"Import it within {DAYS} days of its check" in page
    aged(job, DAYS + 1)
    bi.expire_files()
    page = client.get(f"/insights/import/{job.pk}/").content.decode()
    assert "File deleted: not imported in time" in page
    assert f"not imported within {DAYS} days of its check, so it was deleted" in page
    assert "Continue to import" not in page
    answer = client.get(f"/api/v1/insights/imports/{job.pk}").json()
    assert answer["state"] == "expired" and answer["running"] is False
    refused = client.post(
        f"/api/v1/insights/imports/{job.pk}/import",
        {"version": answer["version"]},
        content_type="application/json",
    )
    assert refused.status_code == 409

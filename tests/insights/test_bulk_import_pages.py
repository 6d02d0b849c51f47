"""The pages of the bulk import of history: upload (the dry run starts), the progress and
the refused rows (and their CSV), the template, and the import on its own page."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from misper.episodes.models import Episode
from misper.insights import bulk_import as bi
from misper.insights.models import ImportJob, ImportStatus
from tests.insights.test_bulk_import import as_csv, many, row
from tests.interventions.conftest import wmc  # noqa: F401  the West Mercia region

pytestmark = pytest.mark.django_db

PAGE = "/insights/import/"


def upload(client, content: bytes, name: str = "history.csv"):  # type: ignore[no-untyped-def]
    return client.post(
        PAGE, {"system": "Niche", "file": SimpleUploadedFile(name, content, "text/csv")}
    )


def test_the_upload_page_has_the_template_and_the_column_guide(wmc, mfa_client):  # noqa: F811
    client = mfa_client(wmc["coordinator"])
    html = client.get(PAGE).content.decode()
    assert "Import past episodes from another system" in html
    for column in bi.COLUMNS:
        assert f"<code>{column.name}</code>" in html
    template = client.get(PAGE + "template.csv")
    assert template["Content-Type"].startswith("text/csv")
    assert template.content.decode().splitlines()[0].split(",") == list(bi.COLUMN_NAMES)


def test_a_bad_file_is_refused_on_the_page_row_by_row(wmc, mfa_client):  # noqa: F811
    client = mfa_client(wmc["coordinator"])
    rows = many(3, 2)
    rows[3] = {**rows[3], "category": "gone"}
    response = upload(client, as_csv(rows))
    assert response.status_code == 302
    job = ImportJob.objects.get()
    page = client.get(response["Location"]).content.decode()
    assert "data-import-running" in page and "<progress" in page  # queued: still running
    bi.run_job(job.pk)  # the worker
    page = client.get(response["Location"]).content.decode()
    assert "data-import-running" not in page
    assert "The file was not imported" in page
    assert "<code>category</code> (Category)" in page
    assert "Enter one of: missing, absent, unauthorised_absence, absconder_only" in page
    problems = client.get(f"{PAGE}{job.pk}/problems.csv").content.decode()
    assert list(csv.reader(io.StringIO(problems))) == [
        ["row", "column", "reason"],
        ["5", "category", "Enter one of: missing, absent, unauthorised_absence, absconder_only"],
    ]
    assert client.get(f"{PAGE}{job.pk}/import/").status_code == 200
    assert client.post(f"{PAGE}{job.pk}/import/", {"version": job.version}).status_code == 409
    assert Episode.objects.count() == 0


def test_a_good_file_is_checked_then_imported_on_its_own_page(wmc, mfa_client):  # noqa: F811
    client = mfa_client(wmc["coordinator"])
    upload(client, as_csv([row("A", n) for n in range(3)]))
    job = ImportJob.objects.get()
    bi.run_job(job.pk)
    page = client.get(f"{PAGE}{job.pk}/").content.decode()
    assert "The file passed its check" in page and "Continue to import" in page
    job.refresh_from_db()
    confirm = client.get(f"{PAGE}{job.pk}/import/").content.decode()
    assert "Import the history" in confirm
    stale = client.post(f"{PAGE}{job.pk}/import/", {"version": job.version - 1})
    assert stale.status_code == 409
    done = client.post(f"{PAGE}{job.pk}/import/", {"version": job.version})
    assert done.status_code == 302
    bi.run_job(job.pk)
    page = client.get(f"{PAGE}{job.pk}/").content.decode()
    assert "History imported" in page
    job.refresh_from_db()
    assert job.status == ImportStatus.DONE and Episode.objects.count() == 3


def test_upload_errors_are_on_their_fields(wmc, mfa_client):  # noqa: F811
    client = mfa_client(wmc["coordinator"])
    response = client.post(PAGE, {"system": ""})
    html = response.content.decode()
    assert response.status_code == 400
    assert "Enter the name of the system the history comes from" in html
    assert "Choose a CSV or XLSX file" in html
    response = upload(client, b"a,b", "history.txt")
    assert "The file must be a CSV or an XLSX file" in response.content.decode()


def test_nobody_else_sees_the_pages(wmc, mfa_client):  # noqa: F811
    job = bi.job_start(
        actor=wmc["coordinator"], system="Niche", file_name="a.csv", content=as_csv([row("A", 0)])
    )
    for user in (wmc["analyst"], wmc["call_handler"], wmc["team_manager"]):
        client = mfa_client(user)
        assert client.get(PAGE).status_code == 404
        assert client.get(f"{PAGE}{job.pk}/").status_code == 404

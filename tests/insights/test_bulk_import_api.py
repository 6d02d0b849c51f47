"""The API of the bulk import of history (/api/v1/insights/imports): upload a file (its
check starts), the job's progress and refused rows (row, field, reason), the import with
the job's version (a stale one is 409 and writes nothing), the template; anyone without
the role is refused (403), another force's import is "not found"."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from misper.episodes.models import Episode
from misper.insights import bulk_import as bi
from misper.insights.models import ImportJob, ImportStatus
from misper.interventions.models import TriggerRecord
from tests.insights.test_bulk_import import as_csv, many, row, written
from tests.interventions.conftest import wmc  # noqa: F401  the West Mercia region

pytestmark = pytest.mark.django_db

API = "/api/v1/insights/imports"


def upload(client, content: bytes, name: str = "history.csv", system: str = "Niche"):  # type: ignore[no-untyped-def]
    return client.post(API, {"system": system, "file": SimpleUploadedFile(name, content)})


def test_a_bad_file_gets_each_refused_row_with_its_field_and_reason(wmc, mfa_client):  # noqa: F811
    client = mfa_client(wmc["coordinator"])
    rows = many(3, 2)
    rows[3] = {**rows[3], "category": "gone"}
    rows[4] = {**rows[4], "last_seen_at": "yesterday"}
    before = written()
    response = upload(client, as_csv(rows))
    assert response.status_code == 201, response.content
    job = response.json()
    assert job["state"] == "queued" and job["running"] is True
    bi.run_job(job["id"])  # the worker
    job = client.get(f"{API}/{job['id']}").json()
    assert job["state"] == "refused" and job["running"] is False
    assert job["error_count"] == 2 and job["percent"] == 100
    problems = client.get(f"{API}/{job['id']}/problems").json()
    assert problems == {
        "error_count": 2,
        "problems": [
            {
                "row": 5,
                "field": "category",
                "label": "Category",
                "reason": "Enter one of: missing, absent, unauthorised_absence, absconder_only",
            },
            {
                "row": 6,
                "field": "last_seen_at",
                "label": "Last seen",
                "reason": "Enter a date and time as YYYY-MM-DD HH:MM or DD/MM/YYYY HH:MM",
            },
        ],
    }
    # A refused file is not imported: 409, nothing written.
    refused = client.post(
        f"{API}/{job['id']}/import", {"version": job["version"]}, content_type="application/json"
    )
    assert refused.status_code == 409 and refused.json()["code"] == "wrong_state"
    assert written() == before


def test_a_file_that_cannot_be_read_is_refused_at_row_1(wmc, mfa_client):  # noqa: F811
    client = mfa_client(wmc["coordinator"])
    job = upload(client, b"given_name\nJo\n").json()
    bi.run_job(job["id"])
    problems = client.get(f"{API}/{job['id']}/problems").json()["problems"]
    assert {(p["row"], p["field"]) for p in problems} >= {(1, "child_key"), (1, "reported_at")}


def test_upload_errors_name_their_field(wmc, mfa_client):  # noqa: F811
    client = mfa_client(wmc["coordinator"])
    wrong = upload(client, b"a,b\n", "history.txt")
    assert wrong.status_code == 400
    assert wrong.json()["field"] == "file"
    assert wrong.json()["message"] == "The file must be a CSV or an XLSX file"
    blank = upload(client, as_csv([row("A", 0)]), system=" ")
    assert blank.status_code == 400 and blank.json()["field"] == "system"
    missing = client.post(API, {"system": "Niche"})
    assert missing.status_code == 400 and missing.json()["field"] == "file"
    assert missing.json()["message"] == "Choose a CSV or XLSX file"
    assert not ImportJob.objects.exists()


def test_a_good_file_is_checked_then_imported_with_its_version(wmc, mfa_client):  # noqa: F811
    client = mfa_client(wmc["coordinator"])
    job = upload(client, as_csv([row("T", n) for n in range(3)])).json()
    bi.run_job(job["id"])
    job = client.get(f"{API}/{job['id']}").json()
    assert job["state"] == "checked"
    assert job["summary"] == {
        "rows": 3,
        "children": 1,
        "new_children": 1,
        "matched_children": 0,
        "episodes": 3,
        "already_imported": 0,
        "found": 3,
    }
    assert client.get(f"{API}/{job['id']}/problems").json() == {"error_count": 0, "problems": []}
    before = written()
    # A stale version (someone else acted on it): 409, and nothing is queued or written.
    stale = client.post(
        f"{API}/{job['id']}/import",
        {"version": job["version"] + 1},
        content_type="application/json",
    )
    assert stale.status_code == 409 and stale.json()["code"] == "concurrent_edit"
    assert ImportJob.objects.get(pk=job["id"]).status == ImportStatus.CHECKED
    bi.run_job(job["id"])
    assert written() == before
    done = client.post(
        f"{API}/{job['id']}/import", {"version": job["version"]}, content_type="application/json"
    )
    assert done.status_code == 202
    assert done.json()["state"] == "queued" and done.json()["version"] == job["version"] + 1
    # The same version again: someone (this client) already acted on it.
    again = client.post(
        f"{API}/{job['id']}/import", {"version": job["version"]}, content_type="application/json"
    )
    assert again.status_code == 409
    bi.run_job(job["id"])
    job = client.get(f"{API}/{job['id']}").json()
    assert job["state"] == "done" and job["triggers_done"] == job["triggers_total"] == 3
    assert Episode.objects.count() == before[1] + 3
    assert TriggerRecord.objects.filter(kind="wm_individual_3_in_90").count() == 1  # R-TRG-10
    assert [j["id"] for j in client.get(API).json()] == [job["id"]]


def test_the_template_passes_its_own_check(wmc, mfa_client):  # noqa: F811
    client = mfa_client(wmc["coordinator"])
    template = client.get(f"{API}/template")
    assert template.status_code == 200
    assert template["Content-Type"].startswith("text/csv")
    assert template.content.decode().splitlines()[0].split(",") == list(bi.COLUMN_NAMES)


def test_nobody_without_the_role_imports_or_reads_an_import(wmc, mfa_client):  # noqa: F811
    job = bi.job_start(
        actor=wmc["coordinator"], system="Niche", file_name="a.csv", content=as_csv([row("A", 0)])
    )
    for who in ("analyst", "call_handler", "team_manager", "inspector"):
        client = mfa_client(wmc[who])
        for response in (
            upload(client, as_csv([row("B", 0)])),
            client.get(API),
            client.get(f"{API}/template"),
            client.get(f"{API}/{job.pk}"),
            client.get(f"{API}/{job.pk}/problems"),
            client.post(
                f"{API}/{job.pk}/import", {"version": job.version}, content_type="application/json"
            ),
        ):
            assert response.status_code == 403, (who, response.request["PATH_INFO"])
            assert response.json()["code"] == "permission_denied"
    assert ImportJob.objects.get().status == ImportStatus.QUEUED
    assert ImportJob.objects.count() == 1


def test_another_forces_import_is_not_found(wmc, mfa_client, make_org, make_user):  # noqa: F811
    job = bi.job_start(
        actor=wmc["coordinator"], system="Niche", file_name="a.csv", content=as_csv([row("A", 0)])
    )
    other = make_org("police_force", name="Other", code="other", policy_profile="west-mercia-2014")
    client = mfa_client(make_user("missing_person_coordinator", organisation=other))
    assert client.get(f"{API}/{job.pk}").status_code == 404
    assert client.get(f"{API}/{job.pk}").json() == client.get(f"{API}/987654").json()
    assert client.get(API).json() == []

"""API: the bulk import of history (issue 14, part 3; insights/bulk_import.py), as on the
import pages: upload a CSV or XLSX file (its check, the dry run, starts on the worker), read
the job's state and progress and the rows its check refused (row number, column, reason),
import it (all or nothing, with the job's ``version``), and download the template. For a
missing person coordinator or a system administrator, into their own force; anyone else is
refused (403); another force's import is 404 "No such import", as one that does not exist."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from django.http import HttpRequest, HttpResponse
from ninja import Field, File, Form, Router, Schema, Status
from ninja.files import UploadedFile

from misper.agencies.models import User
from misper.agencies.selectors import acting_user
from misper.api.schemas import ERRORS, Id
from misper.core.errors import PermissionDenied
from misper.insights import bulk_import as bi
from misper.insights.models import ImportJob

router = Router(tags=["insights"])

ImportState = Literal[
    "queued",
    "checking",
    "checked",
    "refused",
    "importing",
    "triggers",
    "done",
    "failed",
    "expired",
]


class ImportSummaryOut(Schema):
    """What the file would import (after its check) or imported."""

    rows: int = Field(description="Rows in the file (blank lines aside)")
    children: int
    new_children: int
    matched_children: int = Field(description="Children imported before, matched by their key")
    episodes: int = Field(description="Episodes to import (or imported)")
    already_imported: int = Field(description="Rows already in Misper: left as they are")
    found: int = Field(description="Episodes with a found time")


class ImportJobOut(Schema):
    id: int
    file_name: str
    system: str = Field(description="The system the history comes from")
    state: ImportState = Field(
        description="queued → checking → checked (or refused); after the import is asked "
        "for: queued → checking → importing → triggers (counting the imported episodes in "
        "the triggers) → done; failed: a fault, nothing of the import written; expired: not "
        "imported within the days a file is kept (MISPER_IMPORT_FILE_DAYS), the file deleted"
    )
    state_text: str = Field(description="The state in words, as on the page")
    running: bool = Field(description="The worker has work to do on it: look again")
    percent: int = Field(description="Progress of the current step, 0 to 100")
    rows_total: int
    rows_done: int
    triggers_total: int = Field(description="Imported episodes to count in the triggers")
    triggers_done: int
    error_count: int = Field(description="Problems found by the check (all of them)")
    summary: ImportSummaryOut | None = Field(description="Once checked")
    created_at: datetime
    created_by: str
    started_at: datetime | None
    finished_at: datetime | None
    version: int = Field(description="Send it back to import: someone else's change is a 409")


class ProblemOut(Schema):
    row: int = Field(description="The spreadsheet's row number: the column names are row 1")
    field: str | None = Field(description="The column (its name in the file); null: the file")
    label: str | None = Field(description="The column's name in the column guide")
    reason: str


class ProblemsOut(Schema):
    error_count: int = Field(description="All the problems found")
    problems: list[ProblemOut] = Field(description="The first 1,000, in the file's order")


class ImportIn(Schema):
    version: int = Field(ge=1, description="The job's version, as last read")


_CSV = {
    "responses": {
        200: {
            "description": "The template: the column names and one example row",
            "content": {"text/csv": {"schema": {"type": "string"}}},
        }
    }
}


def _importer(request: HttpRequest) -> User:
    user = acting_user(request)
    if not bi.may_import(user):
        raise PermissionDenied("Only a missing person coordinator or an administrator imports")
    return user


def _summary(job: ImportJob) -> ImportSummaryOut | None:
    keys = ImportSummaryOut.model_fields
    if not job.summary or any(k not in job.summary for k in keys):
        return None
    return ImportSummaryOut(**{k: int(job.summary[k]) for k in keys})


def _out(job: ImportJob) -> ImportJobOut:
    return ImportJobOut(
        id=job.pk,
        file_name=job.file_name,
        system=job.system,
        state=job.status,  # type: ignore[arg-type]  # ImportStatus's values
        state_text=job.get_status_display(),
        running=job.running,
        percent=job.percent,
        rows_total=job.rows_total,
        rows_done=job.rows_done,
        triggers_total=job.triggers_total,
        triggers_done=job.triggers_done,
        error_count=job.error_count,
        summary=_summary(job),
        created_at=job.created_at,
        created_by=str(job.created_by),
        started_at=job.started_at,
        finished_at=job.finished_at,
        version=job.version,
    )


@router.get("/insights/imports", response={200: list[ImportJobOut], **ERRORS})
def import_list(request: HttpRequest) -> list[ImportJobOut]:
    """Your force's latest imports (twenty), newest first."""
    return [_out(job) for job in bi.jobs_for_user(_importer(request))]


@router.post("/insights/imports", response={201: ImportJobOut, **ERRORS})
def import_start(
    request: HttpRequest,
    file: UploadedFile | None = File(None),  # noqa: B008 - django-ninja's declaration style
    system: str = Form("", max_length=200),
) -> Status[ImportJobOut]:
    """Upload a CSV or XLSX file of past episodes (``file``, up to 50 MB and 200,000 rows)
    and the name of the system it comes from (``system``): its check, the dry run, is
    queued for the worker; nothing is written but the job. Read the job until it is
    ``checked`` or ``refused`` (then its ``problems``). A missing or wrong file or system
    is a 400 naming the field, as on the page."""
    user = _importer(request)
    job = bi.job_start(
        actor=user,
        system=system,
        file_name=(file.name or "") if file is not None else "",
        content=file.read() if file is not None else b"",
    )
    return Status(201, _out(job))


@router.get("/insights/imports/template", response={200: None, **ERRORS}, openapi_extra=_CSV)
def import_template(request: HttpRequest) -> HttpResponse:
    """The template: every column and one example row (the column guide is in the docs and
    on the upload page)."""
    _importer(request)
    response = HttpResponse(bi.template_csv(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="misper-history-template.csv"'
    return response


@router.get("/insights/imports/{job_id}", response={200: ImportJobOut, **ERRORS})
def import_get(request: HttpRequest, job_id: Id) -> ImportJobOut:
    """The job's state and progress, and what it would import or imported."""
    return _out(bi.get_job_for_user(_importer(request), job_id))


@router.get("/insights/imports/{job_id}/problems", response={200: ProblemsOut, **ERRORS})
def import_problems(request: HttpRequest, job_id: Id) -> ProblemsOut:
    """The rows the check refused, each with its row number, column and reason (empty
    while it runs and for a file that passed)."""
    job = bi.get_job_for_user(_importer(request), job_id)
    return ProblemsOut(
        error_count=job.error_count,
        problems=[
            ProblemOut(row=n, field=column or None, label=bi.LABELS.get(column), reason=reason)
            for n, column, reason in job.errors
        ],
    )


@router.post("/insights/imports/{job_id}/import", response={202: ImportJobOut, **ERRORS})
def import_confirm(request: HttpRequest, job_id: Id, body: ImportIn) -> Status[ImportJobOut]:
    """Import a file that passed its check: queued for the worker, which checks it again
    and writes everything in one transaction, or nothing. 409 when the version is not the
    job's (someone else acted on it) or the file did not pass."""
    job = bi.job_import(actor=_importer(request), job_id=job_id, version=body.version)
    return Status(202, _out(job))

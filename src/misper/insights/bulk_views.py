"""The pages of the bulk import of history (bulk_import.py): upload a file (the dry run
starts), watch its progress, read what it would refuse (and download it as CSV), then
import it on its own page. A missing person coordinator or an administrator of a force;
anyone else gets "Page not found", as for an import of another force."""

from __future__ import annotations

import csv
import io

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from misper.agencies.models import User
from misper.agencies.selectors import acting_user
from misper.core.errors import DomainError, NotFound
from misper.insights import bulk_import as bi
from misper.insights.models import ImportJob

GET_POST = require_http_methods(["GET", "POST"])


class UploadForm(forms.Form):
    system = forms.CharField(
        label="The system the history comes from",
        help_text='For example "Niche" or "Compact". Children are matched by their id in it.',
        max_length=60,
        error_messages={
            "required": "Enter the name of the system the history comes from",
            "max_length": "The system's name must be 60 characters or fewer",
        },
    )


def _importer(request: HttpRequest) -> User:
    user = acting_user(request)
    if not bi.may_import(user):
        raise Http404("No such page")
    return user


def _job(request: HttpRequest, job_id: int) -> ImportJob:
    try:
        return bi.get_job_for_user(_importer(request), job_id)
    except NotFound as exc:
        raise Http404(str(exc)) from exc


@login_required
@GET_POST
def upload(request: HttpRequest) -> HttpResponse:
    """GET: the form, the column guide and the recent imports. POST: keep the file and
    start its check (the dry run)."""
    user = _importer(request)
    form = UploadForm(request.POST or None)
    file_error = ""
    status = 200
    if request.method == "POST":
        upload_file = request.FILES.get("file")
        if form.is_valid():
            try:
                job = bi.job_start(
                    actor=user,
                    system=form.cleaned_data["system"],
                    file_name=(upload_file.name or "") if upload_file else "",
                    content=upload_file.read() if upload_file else b"",
                )
            except DomainError as e:
                field = getattr(e, "field", None)
                if field == "system":
                    form.add_error("system", str(e))
                else:
                    file_error = str(e)
            else:
                return redirect("insights:import_job", job_id=job.pk)
        if not upload_file and not file_error:
            file_error = "Choose a CSV or XLSX file"
        status = 400
    return render(
        request,
        "insights/import/upload.html",
        {
            "form": form,
            "file_error": file_error,
            "error_count": len(form.errors) + (1 if file_error else 0),
            "columns": bi.COLUMNS,
            "jobs": bi.jobs_for_user(user),
        },
        status=status,
    )


@login_required
@require_GET
def template(request: HttpRequest) -> HttpResponse:
    _importer(request)
    response = HttpResponse(bi.template_csv(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="misper-history-template.csv"'
    return response


@login_required
@require_GET
def job_page(request: HttpRequest, job_id: int) -> HttpResponse:
    """The job: its progress (the page refreshes every 2 seconds while it runs), then
    what the dry run found, or what was imported."""
    job = _job(request, job_id)
    return render(
        request,
        "insights/import/job.html",
        {
            "job": job,
            "labels": bi.LABELS,
            "shown_errors": job.errors[:500],
            "error_count": 0,
            "file_days": bi.file_days(),
        },
    )


@login_required
@require_GET
def job_errors(request: HttpRequest, job_id: int) -> HttpResponse:
    """Every refusal the job kept, as CSV: row, column, reason."""
    job = _job(request, job_id)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["row", "column", "reason"])
    writer.writerows(job.errors)
    response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="import-{job.pk}-refused-rows.csv"'
    return response


@login_required
@GET_POST
def job_import(request: HttpRequest, job_id: int) -> HttpResponse:
    """GET: what the import will write. POST: import it (all or nothing)."""
    job = _job(request, job_id)
    error = ""
    if request.method == "POST":
        try:
            version = int(request.POST.get("version", "0"))
        except ValueError:
            version = 0
        try:
            bi.job_import(actor=acting_user(request), job_id=job.pk, version=version)
        except DomainError as e:
            error = str(e)
            job.refresh_from_db()
        else:
            return redirect("insights:import_job", job_id=job.pk)
    return render(
        request,
        "insights/import/confirm.html",
        {"job": job, "error": error, "error_count": 1 if error else 0},
        status=409 if error else 200,
    )

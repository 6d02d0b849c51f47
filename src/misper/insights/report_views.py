"""The report pages (issue 14, part 1): the list of reports, each report with its period
and area filter (GET: dates and an area's number only), its charts and tables, and its
downloads. A download is a POST of the page's form with why the figures are downloaded,
to ``<slug>.csv`` or ``<slug>.xlsx``; the export is in the audit log with that purpose.

Analysts, safeguarding board members and team managers see the reports, each of the
figures they may see (insights/reports.py); anyone else gets "Page not found"."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_POST

from misper.agencies.models import Organisation, User
from misper.agencies.selectors import acting_user
from misper.core.errors import DomainError, NotFound, PermissionDenied
from misper.insights import downloads, reports
from misper.insights.charts import bar_chart
from misper.insights.reports import Report, Scope, Spec

DATE_HINT = "For example, 31/3/2026"


class FilterForm(forms.Form):
    """The period and the area: ``from``, ``to`` and ``area`` in the address."""

    def __init__(
        self,
        data: Any = None,
        *,
        areas: tuple[Organisation, ...],
        period_by: str,
        initial: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(data, initial=initial)
        self.fields["from"] = forms.DateField(
            label="From",
            required=False,
            help_text=f"Children {period_by} on or after this date. {DATE_HINT}",
            error_messages={"invalid": f"Enter the start of the period as a date. {DATE_HINT}"},
        )
        self.fields["to"] = forms.DateField(
            label="To",
            required=False,
            help_text=f"Children {period_by} on or before this date. {DATE_HINT}",
            error_messages={"invalid": f"Enter the end of the period as a date. {DATE_HINT}"},
        )
        self.fields["area"] = forms.TypedChoiceField(
            label="Area",
            required=False,
            coerce=int,
            empty_value=None,
            choices=[("", "All areas"), *((str(a.pk), a.name) for a in areas)],
            error_messages={"invalid_choice": "Choose an area from the list"},
        )


class DownloadForm(forms.Form):
    purpose = forms.CharField(
        label="Why are you downloading these figures?",
        help_text='Recorded in the audit log with the download, for example "Quarterly report '
        'to the safeguarding partnership"',
        max_length=200,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={
            "required": "Enter why you are downloading these figures",
            "max_length": "Why you are downloading these figures must be 200 characters or fewer",
        },
    )


def _allowed(user: User, slug: str | None = None) -> tuple[Scope, Spec | None]:
    """The user's figures and the report; "Page not found" for anyone without the reports
    and for a report that does not exist."""
    try:
        scope = reports.scope_for(user)
        spec = reports.spec_for(slug) if slug is not None else None
    except (PermissionDenied, NotFound) as exc:
        raise Http404("No such page") from exc
    return scope, spec


@login_required
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    """The reports, each with what it counts."""
    scope, _ = _allowed(acting_user(request))
    return render(
        request, "insights/reports/index.html", {"scope": scope, "specs": reports.SPECS.values()}
    )


def _report(user: User, spec: Spec, form: FilterForm) -> Report | None:
    """The report for the form's period and area; None (the error on its field) when the
    filters are wrong."""
    if form.is_bound and not form.is_valid():
        return None
    data = form.cleaned_data if form.is_bound else {}
    try:
        return reports.report_for(
            user,
            spec.slug,
            start=data.get("from"),
            end=data.get("to"),
            area_id=data.get("area"),
        )
    except DomainError as exc:
        form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        return None


def _page(
    request: HttpRequest,
    spec: Spec,
    scope: Scope,
    form: FilterForm,
    report: Report | None,
    download: DownloadForm,
) -> HttpResponse:
    errors = bool(form.errors or download.errors)
    return render(
        request,
        "insights/reports/report.html",
        {
            "spec": spec,
            "scope": scope,
            "form": form,
            "download_form": download,
            "report": report,
            "charts": {
                t.key: bar_chart(t, f"chart-{t.key}") for t in (report.tables if report else [])
            },
            "error_count": len(form.errors) + len(download.errors),
        },
        status=400 if errors else 200,
    )


@login_required
@require_GET
def report_page(request: HttpRequest, slug: str) -> HttpResponse:
    """One report: the last twelve months and every area unless chosen."""
    user = acting_user(request)
    scope, spec = _allowed(user, slug)
    assert spec is not None
    form = FilterForm(request.GET or None, areas=scope.areas, period_by=spec.period_by)
    report = _report(user, spec, form)
    if report is not None and not form.is_bound:
        f = report.filters
        form = FilterForm(
            areas=scope.areas,
            period_by=spec.period_by,
            initial={"from": f"{f.start:%-d/%-m/%Y}", "to": f"{f.end:%-d/%-m/%Y}"},
        )
    return _page(request, spec, scope, form, report, DownloadForm())


@login_required
@require_POST
def report_download(request: HttpRequest, slug: str, fmt: str) -> HttpResponse:
    """The report as CSV or XLSX, with why it is downloaded (required; audited)."""
    user = acting_user(request)
    scope, spec = _allowed(user, slug)
    assert spec is not None
    if fmt not in downloads.FORMATS:
        raise Http404("No such page")
    form = FilterForm(request.POST, areas=scope.areas, period_by=spec.period_by)
    download = DownloadForm(request.POST)
    report = _report(user, spec, form)
    if report is None or not download.is_valid():
        return _page(request, spec, scope, form, report, download)
    f = report.filters
    try:
        report = reports.report_export(
            actor=user,
            slug=spec.slug,
            purpose=download.cleaned_data["purpose"],
            start=f.start,
            end=f.end,
            area_id=f.area.pk if f.area else None,
        )
    except DomainError as exc:
        download.add_error("purpose" if exc.field == "purpose" else None, exc.message)
        return _page(request, spec, scope, form, report, download)
    content, content_type, name = downloads.render(report, fmt)
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "no-store"
    return response

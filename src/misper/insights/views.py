"""The DfE return page (R-DAT-04): a local authority's team manager chooses the collection
year, sees what the return holds, and downloads it as a zip of the DfE's CSV files, with
the purpose recorded in the audit log. The return is checked first (Misper's checks, then
the DfE's rules run by their own validator): a return that fails is not offered for
download, and each problem is listed with its rule, in words, and the children it names.

Nobody else sees the page ("Page not found"): the return is the authority's own."""

from __future__ import annotations

from dataclasses import dataclass

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from misper.agencies.selectors import acting_user
from misper.core.errors import DomainError, NotFound, PermissionDenied
from misper.insights import ssda903
from misper.insights.ssda903 import CollectionYear, Finding, Return
from misper.insights.words import column_words, finding_title

GET_POST = require_http_methods(["GET", "POST"])


def _year_choices() -> list[tuple[str, str]]:
    return [(str(y.ends), y.label) for y in ssda903.offered_years()]


class YearForm(forms.Form):
    year = forms.ChoiceField(
        label="Collection year",
        choices=_year_choices,
        error_messages={
            "required": "Choose the collection year",
            "invalid_choice": "Choose a collection year from the list",
        },
    )


class ExportForm(YearForm):
    purpose = forms.CharField(
        label="Why are you downloading the return?",
        help_text='Recorded in the audit log with the download, for example "Submission to '
        'the DfE, 2026 to 2027"',
        max_length=200,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={
            "required": "Enter why you are downloading the return",
            "max_length": "Why you are downloading the return must be 200 characters or fewer",
        },
    )


@dataclass(frozen=True)
class Problem:
    """A finding in words: the rule, and each child and row it names."""

    finding: Finding
    title: str
    fields: str
    places: list[tuple[str, str, int | None]]  # (where, the child's name, their record's id)


def _problems(ret: Return, findings: list[Finding]) -> list[Problem]:
    out = []
    for f in findings:
        places = []
        rows = ret.rows(f.table) if f.table in ssda903.COLUMNS else []
        for n, child in zip(f.rows, f.children, strict=False):
            person = ret.children.get(child)
            row = rows[n - 1] if 0 < n <= len(rows) else {}
            if f.table == "Episodes" and row.get("DECOM"):
                where = f"Episode from {row['DECOM']} (row {n} of episodes.csv)"
            elif f.table == "Missing" and row.get("MIS_START"):
                kind = "Away from placement" if row.get("MISSING") == "A" else "Missing"
                where = f"{kind} from {row['MIS_START']} (row {n} of missing.csv)"
            else:
                where = f"Row {n} of {ssda903.FILE_NAMES.get(f.table, f.table)}"
            places.append((where, person.name if person else child, person.pk if person else None))
        out.append(Problem(f, finding_title(f), column_words(f.fields), places))
    return out


def _page(
    request: HttpRequest,
    form: forms.Form,
    year: CollectionYear,
    *,
    checked: ssda903.Checked | None = None,
    unavailable: str = "",
    status: int = 200,
) -> HttpResponse:
    user = acting_user(request)
    authority = ssda903.authority_for(user)
    ret = checked.ret if checked else ssda903.build_return(authority, year)
    export = form if isinstance(form, ExportForm) else ExportForm(initial={"year": year.ends})
    year_form = (
        form if type(form) is YearForm and form.is_bound else YearForm(initial={"year": year.ends})
    )
    return render(
        request,
        "insights/ssda903.html",
        {
            "form": form,
            "year_form": year_form,
            "export_form": export,
            "year": year,
            "authority": authority,
            "ret": ret,
            "checked": checked,
            "problems": _problems(ret, checked.findings) if checked else [],
            "unavailable": unavailable,
            "error_count": len(form.errors),
            "detail_url": lambda pk: reverse("people:detail", args=[pk]),
        },
        status=status,
    )


@login_required
@GET_POST
def ssda903_page(request: HttpRequest) -> HttpResponse:
    """GET: the year chosen (the current one unless asked) and what the return holds.
    POST: check the return and, when nothing is found, download it."""
    user = acting_user(request)
    try:
        ssda903.authority_for(user)
    except (PermissionDenied, NotFound) as exc:
        raise Http404("No such page") from exc
    current = CollectionYear.containing(timezone.localdate())
    if request.method == "GET":
        form = YearForm(request.GET or None, initial={"year": current.ends})
        year = current
        if form.is_bound and form.is_valid():
            year = CollectionYear(int(form.cleaned_data["year"]))
        return _page(request, form, year, status=400 if form.errors else 200)

    export = ExportForm(request.POST)
    if not export.is_valid():
        chosen = export.cleaned_data.get("year") if hasattr(export, "cleaned_data") else None
        year = CollectionYear(int(chosen)) if chosen else current
        return _page(request, export, year, status=400)
    year = CollectionYear(int(export.cleaned_data["year"]))
    try:
        checked = ssda903.ssda903_export(
            actor=user, year=year, purpose=export.cleaned_data["purpose"]
        )
    except ssda903.ValidatorUnavailable as exc:
        return _page(request, export, year, unavailable=str(exc), status=503)
    except DomainError as exc:
        field = exc.field if exc.field in export.fields else None
        export.add_error(field, exc.message)
        return _page(request, export, year, status=400)
    if not checked.accepted:
        return _page(request, export, year, checked=checked, status=400)
    response = HttpResponse(checked.ret.zip(), content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{checked.ret.file_stem}.zip"'
    return response

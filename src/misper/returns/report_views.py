"""Two pages about return interviews as a service rather than one child: the coverage and
timeliness table (returns/coverage.py) and the authorities' arrangements for who holds
their interviews (returns/arrangements.py). Neither names a child."""

from __future__ import annotations

import csv
from datetime import timedelta

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from misper.agencies.models import Organisation, OrganisationKind
from misper.agencies.selectors import acting_user
from misper.core.errors import DomainError, PermissionDenied
from misper.returns.arrangements import arrangement_set, arrangements_for_admin
from misper.returns.coverage import GROUP_LABELS, coverage_table
from misper.returns.models import OutOfArea

COLUMNS = (
    ("referrals", "Referrals"),
    ("red", "Red"),
    ("amber", "Amber"),
    ("green", "Green"),
    ("not_triaged", "Not triaged"),
    ("offered", "Offered"),
    ("completed", "Completed"),
    ("coverage", "Completed, of referrals"),
    ("completed_in_72h", "Within 72 hours"),
    ("timeliness", "Within 72 hours, of completed"),
    ("median_hours", "Median hours to interview"),
    ("letter_sent", "Letter and leaflet"),
    ("declined", "Declined"),
    ("unable_to_contact", "Unable to contact"),
    ("missing_again", "Missing again"),
    ("out_of_area", "Out of area"),
    ("not_required", "Not required"),
    ("open", "Still open"),
)


class CoverageForm(forms.Form):
    start = forms.DateField(label="From (found on or after)", required=False)
    end = forms.DateField(label="To (found on or before)", required=False)
    group = forms.ChoiceField(label="Count by", choices=list(GROUP_LABELS.items()), required=False)


@login_required
@require_GET
def coverage(request: HttpRequest) -> HttpResponse:
    """Coverage and timeliness for a period (the last 90 days unless chosen), by holding
    organisation, responsible authority, home or care, sex or ethnicity; as CSV with
    ``?format=csv``."""
    user = acting_user(request)
    form = CoverageForm(request.GET or None)
    today = timezone.localdate()
    start, end, group = today - timedelta(days=90), today, "interviewer"
    if form.is_bound and form.is_valid():
        start = form.cleaned_data["start"] or start
        end = form.cleaned_data["end"] or end
        group = form.cleaned_data["group"] or group
    try:
        table = coverage_table(user, start=start, end=end, group=group)
    except PermissionDenied as exc:
        raise Http404("No such page") from exc
    except DomainError as exc:
        form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        table = None
    if table is not None and request.GET.get("format") == "csv":
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = (
            f'attachment; filename="return-interviews-{start:%Y%m%d}-{end:%Y%m%d}.csv"'
        )
        writer = csv.writer(response)
        writer.writerow([table.group_label, *[label for _, label in COLUMNS]])
        for row in [*table.rows, table.total]:
            data = row.as_dict()
            writer.writerow([row.label, *["" if data[k] is None else data[k] for k, _ in COLUMNS]])
        return response
    return render(
        request,
        "returns/coverage.html",
        {
            "form": form,
            "table": table,
            "columns": COLUMNS,
            "start": start,
            "end": end,
            "group": group,
            "error_count": len(form.errors),
        },
        status=400 if form.errors else 200,
    )


class ArrangementForm(forms.Form):
    authority = forms.ModelChoiceField(
        label="Local authority",
        queryset=Organisation.objects.filter(kind=OrganisationKind.LOCAL_AUTHORITY).order_by(
            "name"
        ),
        error_messages={"required": "Choose the local authority"},
    )
    provider = forms.ModelChoiceField(
        label="Commissioned provider (leave empty if the authority's own staff hold interviews)",
        queryset=Organisation.objects.filter(kind=OrganisationKind.RHI_PROVIDER).order_by("name"),
        required=False,
    )
    out_of_area = forms.ChoiceField(
        label="Children the authority places out of its area",
        choices=OutOfArea.choices,
        widget=forms.RadioSelect,
        initial=OutOfArea.PLACING,
    )
    provider_takes_out_of_area = forms.BooleanField(
        label="The provider travels to interview children placed out of area", required=False
    )


@login_required
@require_http_methods(["GET", "POST"])
def arrangements(request: HttpRequest) -> HttpResponse:
    """Who holds each authority's return interviews (R-RHI-12): for system administrators."""
    user = acting_user(request)
    try:
        rows = arrangements_for_admin(user)
    except PermissionDenied as exc:
        raise Http404("No such page") from exc
    form = ArrangementForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            arrangement_set(
                actor=user,
                authority_id=data["authority"].pk,
                provider_id=data["provider"].pk if data["provider"] else None,
                out_of_area=data["out_of_area"],
                provider_takes_out_of_area=data["provider_takes_out_of_area"],
            )
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, "Arrangement saved")
            return redirect("returns:arrangements")
    return render(
        request,
        "returns/arrangements.html",
        {"form": form, "rows": rows, "error_count": len(form.errors)},
        status=400 if form.errors else 200,
    )

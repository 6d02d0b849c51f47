"""The board pack page (issue 14, part 1): choose the period, say why, and download every
report as one A4 PDF (insights/board_pack.py). The download is a POST of the page's form;
it is in the audit log with the purpose. The same people as the reports (analysts,
safeguarding board members, team managers), each with their own figures; anyone else gets
"Page not found"."""

from __future__ import annotations

import copy
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from misper.agencies.selectors import acting_user
from misper.core.errors import DomainError
from misper.insights import board_pack, reports
from misper.insights.report_views import DownloadForm, FilterForm, _allowed
from misper.insights.reports import Scope

# The reports put a child in the period by the date last seen, or found (return interviews).
PERIOD_BY = "last seen (or found, for return interviews)"


class BoardPackForm(FilterForm):
    """The period (``from``, ``to``; every area) and why the pack is downloaded
    (``purpose``, as a report's download asks it)."""

    def __init__(self, data: Any = None, *, initial: dict[str, Any] | None = None) -> None:
        super().__init__(data, areas=(), period_by=PERIOD_BY, initial=initial)
        del self.fields["area"]
        self.fields["purpose"] = copy.deepcopy(DownloadForm.base_fields["purpose"])


def _page(request: HttpRequest, scope: Scope, form: BoardPackForm) -> HttpResponse:
    return render(
        request,
        "insights/reports/board_pack.html",
        {"scope": scope, "form": form, "specs": reports.SPECS.values()},
        status=400 if form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def board_pack_page(request: HttpRequest) -> HttpResponse:
    """GET: the form (the last twelve months unless changed). POST: the PDF, or the form
    with the error on its field."""
    user = acting_user(request)
    scope, _ = _allowed(user)
    if request.method == "GET":
        start, end = reports.default_period(timezone.localdate())
        form = BoardPackForm(initial={"from": f"{start:%-d/%-m/%Y}", "to": f"{end:%-d/%-m/%Y}"})
        return _page(request, scope, form)
    form = BoardPackForm(request.POST)
    if not form.is_valid():
        return _page(request, scope, form)
    data = form.cleaned_data
    try:
        pack = board_pack.board_pack_export(
            actor=user, purpose=data["purpose"], start=data.get("from"), end=data.get("to")
        )
    except DomainError as exc:
        form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        return _page(request, scope, form)
    response = HttpResponse(board_pack.render(pack), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{board_pack.filename(pack)}"'
    response["Cache-Control"] = "no-store"
    return response

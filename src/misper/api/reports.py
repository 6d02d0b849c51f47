"""API: the analysts' reports (issue 14, part 1), as on the report pages: the same figures
for the same people (analysts, safeguarding board members, team managers, each of the
figures they may see: insights/reports.py). Counts only, no child named. A role without
the reports gets 403; a report that does not exist, 404. The downloads (CSV, XLSX) are the
pages': they ask why, and are in the audit log."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from django.http import HttpRequest, HttpResponse
from ninja import Field, Path, Query, Router, Schema

from misper.agencies.models import Organisation
from misper.agencies.selectors import acting_user
from misper.api.schemas import ERRORS
from misper.core.validation import MAX_ID
from misper.insights import board_pack, reports
from misper.insights.reports import COUNT, Report, Spec, Table

router = Router(tags=["insights"])


class ReportFilters(Schema):
    start: date | None = Field(
        None,
        alias="from",
        description="The period's first day (UK date; default: twelve months before its end)",
    )
    end: date | None = Field(None, alias="to", description="The period's last day (default: today)")
    area: int | None = Field(
        None, ge=1, le=MAX_ID, description="A policing area's id, one of `areas` (default: all)"
    )


class AreaOut(Schema):
    id: int
    name: str


class ColumnOut(Schema):
    key: str
    label: str
    kind: Literal["text", "count", "percent", "number"] = Field(
        description="count: an integer; percent: C-11, one decimal place rounded half up, as "
        "a string (null: nothing to divide by); number: an average, the same way"
    )


class RowOut(Schema):
    label: str
    values: dict[str, int | str | None] = Field(description="By column key (the label aside)")


class TableOut(Schema):
    key: str
    caption: str
    note: str
    columns: list[ColumnOut]
    rows: list[RowOut]
    total: RowOut | None


class ReportSummaryOut(Schema):
    slug: str
    title: str
    summary: str
    rules: list[str]
    counted: str = Field(description="What the report counts")
    period_by: str = Field(description="The date that puts a child in the period")


class ReportListOut(Schema):
    figures_of: str = Field(
        description="Whose figures: your force, your partnership's, your authority's"
    )
    areas: list[AreaOut] = Field(description="The areas you may choose")
    reports: list[ReportSummaryOut]


class ReportOut(ReportSummaryOut):
    figures_of: str
    start: date
    end: date
    area: AreaOut | None
    areas: list[AreaOut]
    no_figures_because: str = Field(description="Empty unless there are no figures for you at all")
    tables: list[TableOut]


def _area(org: Organisation) -> AreaOut:
    return AreaOut(id=org.pk, name=org.name)


def _summary(spec: Spec) -> dict[str, object]:
    return {
        "slug": spec.slug,
        "title": spec.title,
        "summary": spec.summary,
        "rules": list(spec.rules),
        "counted": spec.counted,
        "period_by": spec.period_by,
    }


def _row(table: Table, row: dict[str, object]) -> RowOut:
    values: dict[str, int | str | None] = {}
    for c in table.columns[1:]:
        v = row.get(c.key)
        # A suppressed count ("fewer than 5", the hot spots) stays words.
        values[c.key] = (
            None if v is None else (v if c.kind == COUNT and isinstance(v, int) else str(v))
        )
    return RowOut(label=str(row["label"]), values=values)


def _table(t: Table) -> TableOut:
    return TableOut(
        key=t.key,
        caption=t.caption,
        note=t.note,
        columns=[ColumnOut(key=c.key, label=c.label, kind=c.kind) for c in t.columns],  # type: ignore[arg-type]
        rows=[_row(t, r) for r in t.rows],
        total=_row(t, t.total) if t.total is not None else None,
    )


def _out(report: Report) -> ReportOut:
    f = report.filters
    return ReportOut(
        **_summary(report.spec),  # type: ignore[arg-type]
        figures_of=report.scope.label,
        start=f.start,
        end=f.end,
        area=_area(f.area) if f.area else None,
        areas=[_area(a) for a in report.scope.areas],
        no_figures_because=report.scope.empty_reason,
        tables=[_table(t) for t in report.tables],
    )


@router.get("/insights/reports", response={200: ReportListOut, **ERRORS})
def reports_list(request: HttpRequest) -> ReportListOut:
    """The reports, and whose figures and which areas you may choose."""
    scope = reports.scope_for(acting_user(request))
    return ReportListOut(
        figures_of=scope.label,
        areas=[_area(a) for a in scope.areas],
        reports=[ReportSummaryOut(**_summary(s)) for s in reports.SPECS.values()],  # type: ignore[arg-type]
    )


@router.get("/insights/reports/{slug}", response={200: ReportOut, **ERRORS})
def report_get(
    request: HttpRequest,
    slug: Annotated[
        str,
        Path(
            max_length=40,
            description="The report: durations, repeat, children, return-interviews, "
            "distance, hot-spots, grading, absences or monthly",
        ),
    ],
    filters: Query[ReportFilters],
) -> ReportOut:
    """One report's tables for the period and area: `durations` (time missing, C-10),
    `repeat` (R-DAT-12 buckets and R-DEF-15 persistent), `children` (home or care, sex, age,
    ethnicity; absences per missing child, R-DAT-09), `return-interviews` (coverage and
    timeliness; red, amber and green by home or care and by sex, R-DAT-14/15), `distance`
    (found from home or placement, C-10's mile bands, R-DAT-13), `hot-spots` (top 20
    postcode districts and establishments, R-DAT-17: counts under 5 are "fewer than 5"
    except for the force's own analyst), `grading` (category and risk by force, area, rank,
    sex and ethnic group; first gradings later raised, R-HMI-02), `absences` (children by
    their absences, each care establishment's absences and missing episodes, by quarter,
    with the children who reached intervention level 3 or 4, R-DAT-01), `monthly` (each
    responsible authority's missing episodes, absences and children by month, with their
    outcomes, R-DAT-02). A bad period or an area not yours is 400 naming `from`, `to` or
    `area`."""
    report = reports.report_for(
        acting_user(request),
        slug,
        start=filters.start,
        end=filters.end,
        area_id=filters.area,
    )
    return _out(report)


class BoardPackIn(Schema):
    start: date | None = Field(
        None, alias="from", description="The period's first day (default: a year before its end)"
    )
    end: date | None = Field(None, alias="to", description="The period's last day (default: today)")
    purpose: str = Field(
        "", max_length=200, description="Why the pack is downloaded: required, audited"
    )


_PDF = {
    "responses": {
        200: {
            "description": "The board pack: every report for the period, A4",
            "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
        }
    }
}


@router.post("/insights/board-pack", response={200: None, **ERRORS}, openapi_extra=_PDF)
def board_pack_download(request: HttpRequest, body: BoardPackIn) -> HttpResponse:
    """Every report (as listed by GET /insights/reports) for the period and every area, as
    one A4 PDF for the safeguarding board: headline figures, each report's tables,
    definitions. In the audit log with the purpose; no purpose is 400 naming `purpose`, a
    bad period 400 naming `from` or `to`."""
    pack = board_pack.board_pack_export(
        actor=acting_user(request), purpose=body.purpose, start=body.start, end=body.end
    )
    response = HttpResponse(board_pack.render(pack), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{board_pack.filename(pack)}"'
    response["Cache-Control"] = "no-store"
    return response

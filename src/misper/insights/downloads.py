"""A report as a file: CSV (every table one after the other, each under its caption) or an
XLSX workbook (a sheet saying what the figures are, then one sheet per table). The numbers
are the page's: counts as integers, percentages and averages as numbers to one decimal
place (C-11), in columns whose heading says so. Whoever downloads is in the audit log
(``reports.report_export``); this module only lays the figures out."""

from __future__ import annotations

import csv
import io
import re
from decimal import Decimal

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import Font

from misper.insights.reports import COUNT, PERCENT, Report, Table

FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
# A cell a spreadsheet would run as a formula is written as text (OWASP "CSV injection").
_FORMULA = re.compile(r"^[=+\-@\t\r]")


def filename(report: Report, fmt: str) -> str:
    f = report.filters
    return f"misper-{report.slug}-{f.start:%Y%m%d}-{f.end:%Y%m%d}.{fmt}"


def _heading(column_label: str, kind: str) -> str:
    return f"{column_label} (%)" if kind == PERCENT and "%" not in column_label else column_label


def _text(value: str) -> str:
    return "'" + value if _FORMULA.match(value) else value


def _about(report: Report) -> list[tuple[str, str]]:
    f = report.filters
    return [
        ("Report", report.title),
        ("Figures of", report.scope.label),
        ("Area", report.area_label),
        (
            "Period",
            f"{f.start:%-d %B %Y} to {f.end:%-d %B %Y} (by the date the child was "
            f"{report.spec.period_by})",
        ),
        ("Counted", report.spec.counted),
        ("Rules", ", ".join(report.spec.rules)),
        ("Percentages", "One decimal place, rounded half up (C-11), with their counts"),
        ("Made", f"{timezone.localtime():%-d %B %Y at %H:%M}"),
    ]


def _cells(table: Table, row: dict[str, object]) -> list[object]:
    out: list[object] = []
    for c in table.columns:
        value = row.get(c.key)
        if isinstance(value, str):
            out.append(_text(value))
        else:
            out.append(value)
    return out


def to_csv(report: Report) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for key, value in _about(report):
        writer.writerow([key, _text(value)])
    for table in report.tables:
        writer.writerow([])
        writer.writerow([_text(table.caption)])
        writer.writerow([_heading(c.label, c.kind) for c in table.columns])
        for row in table.all_rows:
            writer.writerow(["" if v is None else v for v in _cells(table, row)])
    # A byte-order mark, so that a spreadsheet opens the file as UTF-8.
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def _sheet_title(caption: str, used: set[str]) -> str:
    base = re.sub(r"[\[\]:*?/\\]", "", caption)[:28].strip() or "Table"
    title, n = base, 2
    while title.lower() in used:
        title = f"{base[:26]} {n}"
        n += 1
    used.add(title.lower())
    return title


def to_xlsx(report: Report) -> bytes:
    book = Workbook()
    about = book.active
    assert about is not None
    about.title = "About"
    bold = Font(bold=True)
    for key, value in _about(report):
        about.append([key, value])
        about.cell(row=about.max_row, column=1).font = bold
    about.column_dimensions["A"].width = 14
    about.column_dimensions["B"].width = 90
    used = {"about"}
    for table in report.tables:
        sheet = book.create_sheet(_sheet_title(table.caption, used))
        sheet.append([table.caption])
        sheet.cell(row=1, column=1).font = bold
        sheet.append([_heading(c.label, c.kind) for c in table.columns])
        for cell in sheet[2]:
            cell.font = bold
        for row in table.all_rows:
            sheet.append(_cells(table, row))
            for c, cell in zip(table.columns, sheet[sheet.max_row], strict=True):
                if isinstance(cell.value, Decimal):
                    cell.number_format = "0.0"
                elif c.kind == COUNT:
                    cell.number_format = "0"
        if table.total is not None:
            for cell in sheet[sheet.max_row]:
                cell.font = bold
        sheet.column_dimensions["A"].width = 40
        if table.note:
            sheet.append([])
            sheet.append([table.note])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def render(report: Report, fmt: str) -> tuple[bytes, str, str]:
    """The file's bytes, its content type and its name."""
    content = to_csv(report) if fmt == "csv" else to_xlsx(report)
    return content, FORMATS[fmt], filename(report, fmt)

"""The board pack (issue 14, part 1): every report of the catalogue (``reports.SPECS``, in
its order, so a report added there is in the pack) for one period, as one printable A4 PDF
in the shape of seed 004's report to the safeguarding board: a title page, the contents,
the headline figures in words, one section per report with its tables, the definitions
used, and page numbers.

The figures are the user's (``reports.scope_for``: a board member's partnership, an
analyst's force, a team manager's authority), for every area. Counts only, no child named
("OFFICIAL-SENSITIVE"); percentages follow C-11 and are always shown with their counts.
Making the pack is an export: it is in the audit log with the purpose the user gave, as
the reports' downloads are (``reports.AUDIT_SUBJECT``, subject ``board-pack:<from>:<to>:all``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from django.utils import timezone
from fpdf import FPDF
from fpdf.fonts import FontFace
from fpdf.outline import OutlineSection

from misper.agencies.models import User
from misper.core.audit import audit_record
from misper.core.models import AuditAction
from misper.core.pdf import A4, FONT, TABLE, latin1
from misper.core.validation import clean_free_text
from misper.insights import reports
from misper.insights.reports import PERCENT, Filters, Report, Scope, Table, shown

SLUG = "board-pack"
TITLE = "Children missing from home and care: report to the safeguarding board"
MARKING = "OFFICIAL-SENSITIVE"
MARKING_NOTE = (
    "Counts only: no child is named in this pack. Handle it as OFFICIAL-SENSITIVE: share it "
    "with the board and the partnership only."
)
# The definitions the figures rest on (policy-rules.md), for the last section.
DEFINITIONS: tuple[tuple[str, str], ...] = (
    (
        "Period",
        "An episode is in the period when the child was last seen in it (UK dates); a "
        "return-interview referral when the child was found in it.",
    ),
    (
        "Time missing (C-10, C-01)",
        "From when the child was last seen to when they were found, in elapsed hours. The "
        "bands include their lower edge: 0 to 8 hours, 8 to 16, 16 to 24, 24 to 48, 2 to 7 "
        "days, 7 days or more; no found time is missing data.",
    ),
    (
        "Persistent missing (R-DEF-15)",
        "A child with more than 3 missing episodes in the period. A child missing 3 times "
        "is in the 3 to 5 bucket but is not persistent.",
    ),
    (
        "Missing and absent (C-05)",
        "Absences (absent, unauthorised absence) are not counted as missing episodes; they "
        "are shown beside them where a table says so.",
    ),
    (
        "Percentages (C-11)",
        "On the base each table states, to one decimal place, rounded half up, and always "
        "with their counts. A dash: nothing to divide by.",
    ),
    (
        "Whose figures",
        "A safeguarding board's: the cases owned by the police force(s) with a policing area "
        "in the partnership's local authority. An analyst's: their force's. A team "
        "manager's: the children their authority is responsible for. Restricted episodes "
        "are counted, but not their return-interview referrals (a restricted case is "
        "referred to nobody); small numbers are not suppressed.",
    ),
)


@dataclass(frozen=True)
class BoardPack:
    produced_for: str  # the user's organisation: the partnership, force or authority
    scope: Scope
    filters: Filters
    reports: list[Report]
    made_at: datetime


def board_pack_for(user: User, *, start: date | None = None, end: date | None = None) -> BoardPack:
    """Every report for ``user``'s figures, the period and all areas (not audited:
    ``board_pack_export`` is). PermissionDenied without the reports; a bad period is
    ValidationFailed naming ``from`` or ``to``."""
    scope = reports.scope_for(user)
    filters = reports.filters_for(scope, start=start, end=end, area_id=None)
    # A file leaves Misper: the small counts of the tables that hide them are hidden, as
    # in every download.
    made = [
        reports.report_for(
            user, slug, start=filters.start, end=filters.end, area_id=None, suppress=True
        )
        for slug in reports.SPECS
    ]
    org = user.organisation
    return BoardPack(
        produced_for=org.name if org is not None else scope.label,
        scope=scope,
        filters=filters,
        reports=made,
        made_at=timezone.localtime(),
    )


def board_pack_export(
    *, actor: User, purpose: str, start: date | None = None, end: date | None = None
) -> BoardPack:
    """The pack, to download: in the audit log with the purpose (required) and the period."""
    purpose = clean_free_text(purpose, "purpose", required=True, max_len=200)
    pack = board_pack_for(actor, start=start, end=end)
    f = pack.filters
    audit_record(
        user=actor,
        action=AuditAction.EXPORT,
        subject_type=reports.AUDIT_SUBJECT,
        subject_id=f"{SLUG}:{f.start.isoformat()}:{f.end.isoformat()}:all",
        purpose=purpose,
    )
    return pack


def filename(pack: BoardPack) -> str:
    f = pack.filters
    return f"misper-{SLUG}-{f.start:%Y%m%d}-{f.end:%Y%m%d}.pdf"


def period_text(f: Filters) -> str:
    return f"{f.start:%-d %B %Y} to {f.end:%-d %B %Y}"


# --- Headline figures ---------------------------------------------------------------------------


def _table(pack: BoardPack, slug: str, key: str) -> Table | None:
    report = next((r for r in pack.reports if r.slug == slug), None)
    if report is None:
        return None
    return next((t for t in report.tables if t.key == key), None)


def _with_share(table: Table, label: str, count: str, share: str) -> str:
    return (
        f"{shown(table.value(label, count), 'count')} ({shown(table.value(label, share), PERCENT)})"
    )


def headlines(pack: BoardPack) -> list[tuple[str, str]]:
    """The figures a board reads first (seed 004: episodes, children, persistent missing,
    time missing, return interviews), each with its count; a report not in the catalogue
    gives none."""
    out: list[tuple[str, str]] = []
    bands = _table(pack, "durations", "bands")
    if bands is not None:
        out.append(
            ("Missing episodes", shown(bands.value("All missing episodes", "count"), "count"))
        )
    buckets = _table(pack, "repeat", "buckets")
    if buckets is not None:
        out.append(
            (
                "Children who went missing",
                shown(buckets.value("All children missing", "children"), "count"),
            )
        )
    persistent = _table(pack, "repeat", "persistent")
    if persistent is not None:
        out.append(
            (
                "Persistent missing (R-DEF-15), of children missing",
                _with_share(
                    persistent, "Persistent: missing more than 3 times", "children", "share"
                ),
            )
        )
    thresholds = _table(pack, "durations", "thresholds")
    if thresholds is not None:
        for label, words in (
            ("Found within 16 hours", "Found within 16 hours, of missing episodes"),
            ("Missing 24 hours or more", "Missing 24 hours or more, of missing episodes"),
        ):
            out.append((words, _with_share(thresholds, label, "count", "share")))
    coverage = _table(pack, "return-interviews", "authority")
    if coverage is not None:
        total = "All referrals"
        out.append(
            ("Return-interview referrals", shown(coverage.value(total, "referrals"), "count"))
        )
        out.append(
            (
                "Return interviews completed, of referrals",
                _with_share(coverage, total, "completed", "coverage"),
            )
        )
        out.append(
            (
                "Completed within 72 hours, of interviews completed",
                _with_share(coverage, total, "in_72h", "timeliness"),
            )
        )
    return out


# --- The PDF ------------------------------------------------------------------------------------

HEADING = FontFace(emphasis="BOLD", fill_color=(243, 242, 241))
CONTENTS = "Contents"
HEADLINES = "Headline figures"
NOTES = "Definitions and notes"


def _text(doc: A4, text: str, *, size: float = 10, style: str = "", height: float = 5) -> None:
    doc.set_font(FONT, style=style, size=size)
    doc.multi_cell(doc.epw, height, latin1(text), new_x="LMARGIN", new_y="NEXT")


def _heading(doc: A4, text: str) -> None:
    doc.start_section(latin1(text))
    _text(doc, text, size=14, style="B", height=8)
    doc.ln(2)


def _pairs(doc: A4, rows: list[tuple[str, str]], first: float = 95) -> None:
    doc.set_font(FONT, size=9.5)
    with doc.table(
        col_widths=(first, doc.epw - first), first_row_as_headings=False, **TABLE
    ) as table:
        for key, value in rows:
            row = table.row()
            row.cell(latin1(key), style=HEADING)
            row.cell(latin1(value))


def _figures(doc: A4, t: Table) -> None:
    """One table of a report: its caption, its rows and total, and its note."""
    _text(doc, t.caption, size=11, style="B", height=6)
    wide = len(t.columns) > 5
    doc.set_font(FONT, size=7.5 if wide else 9)
    first = 50 if wide else 70
    rest = (doc.epw - first) / max(len(t.columns) - 1, 1)
    last = len(t.all_rows) - 1 if t.total is not None else -1
    with doc.table(
        col_widths=(first, *([rest] * (len(t.columns) - 1))),
        headings_style=HEADING,
        repeat_headings=1,
        **{**TABLE, "line_height": 4.5 if wide else 5},
    ) as table:
        top = table.row()
        for c in t.columns:
            top.cell(latin1(c.label), align="L" if c.kind == "text" else "R")
        for i, cells in enumerate(t.display()):
            row = table.row()
            bold = FontFace(emphasis="BOLD") if i == last else None
            for j, cell in enumerate(cells):
                row.cell(latin1(cell), align="L" if j == 0 else "R", style=bold)
    if t.note:
        doc.ln(1)
        _text(doc, t.note, size=8.5, style="I", height=4.2)
    doc.ln(4)


def _title_page(doc: A4, pack: BoardPack) -> None:
    doc.add_page()
    _text(doc, MARKING, size=12, style="B", height=7)
    doc.ln(30)
    _text(doc, pack.produced_for, size=16, style="B", height=9)
    doc.ln(2)
    _text(doc, TITLE, size=20, style="B", height=10)
    doc.ln(6)
    _text(doc, period_text(pack.filters), size=14, height=8)
    doc.ln(14)
    _pairs(
        doc,
        [
            ("Figures of", pack.scope.label or "None"),
            ("Period", period_text(pack.filters)),
            ("Areas", "All areas"),
            ("Produced", f"{pack.made_at:%-d %B %Y at %H:%M}, by Misper"),
            ("Marking", MARKING),
        ],
        first=40,
    )
    doc.ln(4)
    _text(doc, MARKING_NOTE, size=9.5, style="I")


def _contents(doc: FPDF, outline: list[OutlineSection]) -> None:
    """The contents page: fpdf2 calls this at the end, when every section's page is known."""
    doc.set_font(FONT, size=11)
    doc.set_x(doc.l_margin)  # fpdf2 leaves the cursor where the placeholder was made
    for section in outline:
        link = doc.add_link(page=section.page_number)
        doc.cell(doc.epw - 20, 8, section.name, link=link)
        doc.cell(
            20, 8, str(section.page_number), align="R", new_x="LMARGIN", new_y="NEXT", link=link
        )


def render(pack: BoardPack) -> bytes:
    """The pack as PDF bytes, A4 portrait, every page numbered and marked."""
    f = pack.filters
    doc = A4(f"{MARKING} - Board pack, {period_text(f)}")
    doc.set_title(latin1(f"{TITLE}, {period_text(f)}"))
    doc.set_creator("Misper")
    _title_page(doc, pack)

    doc.add_page()
    _text(doc, CONTENTS, size=14, style="B", height=8)
    doc.ln(2)
    # The contents are written when the document is finished; the placeholder moves on
    # to a new page for the headline figures.
    doc.insert_toc_placeholder(_contents, pages=1)
    _heading(doc, HEADLINES)
    _text(
        doc,
        f"For {period_text(f)}, the figures of {pack.scope.label or 'nobody'}, every area. "
        "Percentages are to one decimal place, rounded half up, with their counts (C-11).",
    )
    doc.ln(3)
    if pack.scope.empty_reason:
        _text(doc, f"There are no figures: {pack.scope.empty_reason}.")
    else:
        _pairs(doc, headlines(pack))
    for n, report in enumerate(pack.reports, start=1):
        doc.add_page()
        _heading(doc, f"{n}. {report.title}")
        spec = report.spec
        _text(doc, f"{spec.summary} ({', '.join(spec.rules)})")
        _text(doc, f"Counted: {spec.counted} By the date the child was {spec.period_by}.", size=9)
        doc.ln(3)
        if not report.tables:
            _text(doc, "No figures for this report.", style="I")
        for t in report.tables:
            _figures(doc, t)
    doc.add_page()
    _heading(doc, NOTES)
    _pairs(doc, list(DEFINITIONS), first=50)
    return bytes(doc.output())

"""The bulk import of history (issue 14, part 3): a force's past episodes, and the children
they are about, from the system it used before Misper, read from a CSV or XLSX file.

1. ``job_start`` keeps the uploaded file on an ``ImportJob`` and queues the check (the dry
   run). ``check`` reads every row and refuses what it cannot import, each refusal with the
   row number (the spreadsheet's: the header is row 1), the column and the reason, then the
   checks across rows (last seen ≤ reported ≤ found; one child key, one date of birth) and
   against the records (a child key already imported with another date of birth, a code
   Misper does not know). Nothing is written but the job's progress and report.
2. ``job_import`` queues the import of a file that passed. ``run_import`` checks the file
   again and writes everything in one transaction: a file with one bad row writes nothing.
   New children are created with their search keys (the call handler finds them), each
   child's key in the old system is kept (``ImportedKey``: importing the same file again
   matches the same children and skips the episodes already there), the episodes are
   written closed with their found reports and place links, one timeline event per child
   and one audit row for the import.
3. Then the imported episodes are counted in the triggers, oldest first, in batches whose
   histories are read together and put to the trigger rules in Python (``import_triggers``:
   the engine's own hits), a batch's hits recorded together
   (``interventions.records.record_hits``, as ``record_hit`` would one by one); the
   later episodes of a child who already had a record are asked again
   (``reconsider_later``). The progress is on the job (``triggers_done``): a worker stopped
   part-way resumes, and a job whose worker stopped is queued again by a worker sweep
   (``requeue_stalled``).

Who: a missing person coordinator or a system administrator, into their own force. The
columns and their defaults are ``COLUMNS`` (the template and the column guide) and
docs/insights.md "Bulk import of history".
"""

from __future__ import annotations

import csv
import io
import logging
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from misper.agencies.models import Organisation, OrganisationKind, User
from misper.agencies.roles import Role
from misper.core import events
from misper.core.audit import audit_record
from misper.core.errors import (
    ConcurrentEdit,
    NotFound,
    PermissionDenied,
    ValidationFailed,
    WrongState,
)
from misper.core.models import AuditAction, TimelineEvent
from misper.core.timeline import mark_changed, timeline_record
from misper.episodes.codes import Category, MissingFrom, ReportedBy, Risk, Status
from misper.episodes.models import Episode, FoundReport
from misper.episodes.policy_bridge import location_key
from misper.insights.events import InsightsVerb
from misper.insights.import_triggers import hits_for
from misper.insights.models import RUNNING, ImportedKey, ImportJob, ImportStatus
from misper.interventions.records import reconsider_later, record_hits
from misper.people.codes import Ethnicity, Sex
from misper.people.matching import normalise, phonetic, split_name
from misper.people.models import LinkSource, Location, NameKey, Person, PlaceLink, SearchKey
from misper.people.network import postcode_key
from misper.people.search import KEY_SCHEME, search_key_rows
from misper.policy.calendar import LONDON, local_date

log = logging.getLogger("misper.insights.import")

NO_SUCH_IMPORT = "No such import"
MAX_BYTES = 50 * 1024 * 1024
MAX_ROWS = 200_000
KEPT_ERRORS = 1000  # the job keeps the first thousand refusals; the count is of all
PROGRESS_EVERY = 1000
TRIGGER_BATCH = 500
IMPORT_ROLES = (Role.MISSING_PERSON_COORDINATOR, Role.SYSTEM_ADMIN)


# --- The columns (the template and the column guide) -------------------------------------------


@dataclass(frozen=True)
class Column:
    name: str
    label: str
    required: str  # "yes", "no" or when
    example: str
    guide: str


COLUMNS: tuple[Column, ...] = (
    Column("child_key", "Child's id in the old system", "yes", "NICHE-004512",
           "Up to 64 characters. Rows with the same id are the same child. Importing again "
           "matches the child imported before by this id, never by name."),
    Column("given_name", "Given name", "yes", "Jayden", "Up to 100 characters."),
    Column("family_name", "Family name", "yes", "Oakes", "Up to 100 characters."),
    Column("date_of_birth", "Date of birth", "yes", "2011-04-02",
           "YYYY-MM-DD or DD/MM/YYYY. The same on every row of the child."),
    Column("sex", "Sex", "no", "male",
           "male, female, other or unknown (M and F are read too). Blank: unknown."),
    Column("ethnicity", "Ethnicity", "no", "WBRI",
           "The DfE's SSDA903 code, such as WBRI or MWBC. Blank: not yet obtained (NOBT)."),
    Column("home_postcode", "Home postcode", "no", "VL2 4MR", "Used by the call handler's search."),
    Column("local_authority", "Local authority", "no", "vale",
           "Misper's code of the child's local authority (on the organisations page)."),
    Column("la_child_id", "Local authority child id", "no", "LA-88231", "Up to 32 characters."),
    Column("reported_at", "Reported", "yes", "2025-03-04 21:30",
           "UK time: YYYY-MM-DD HH:MM or DD/MM/YYYY HH:MM. Not in the future."),
    Column("last_seen_at", "Last seen", "yes", "2025-03-04 19:00",
           "UK time. On or before the report, and on or after the date of birth."),
    Column("found_at", "Found", "no", "2025-03-05 08:15",
           "UK time. On or after the report. Blank: no found time (the duration reports "
           "count it as missing data)."),
    Column("category", "Category", "yes", "missing",
           "missing, absent, unauthorised_absence or absconder_only."),
    Column("risk", "Risk", "for missing", "medium",
           "no_apparent_risk, low, medium or high; required for a missing episode, blank "
           "otherwise."),
    Column("missing_from", "Missing from", "yes", "home", "home, care, school or activity."),
    Column("location_address", "Address missing from", "yes", "12 Larch Road, Northfold",
           "Up to 300 characters. With the postcode, the place the location triggers count."),
    Column("location_postcode", "Postcode missing from", "no", "VL2 4MR",
           "A whole postcode links the child to the place in the network."),
    Column("care_home_code", "Care establishment", "no", "birch",
           "Misper's code of the children's home or other care provider, when missing from care."),
    Column("policing_area", "Policing area", "when the force has several", "north",
           "Misper's code of the local policing area of your force that owned the case. "
           "Blank: your own area, or the force's only area."),
    Column("reported_by", "Reported by", "no", "parent",
           "parent, relative, neighbour, care_staff, foster_carer, school, police or other. "
           "Blank: other."),
    Column("found_where", "Where found", "no", "Northfold bus station", "Up to 300 characters."),
    Column("found_postcode", "Postcode found at", "no", "VL1 2AB",
           "A whole postcode links the child to the place in the network."),
    Column("closure", "Closure", "no", "returned_home", "The old system's closure code, up to 64."),
)  # fmt: skip
COLUMN_NAMES = tuple(c.name for c in COLUMNS)
REQUIRED = ("child_key", "given_name", "family_name", "date_of_birth", "reported_at",
            "last_seen_at", "category", "missing_from", "location_address")  # fmt: skip
LABELS = {c.name: c.label for c in COLUMNS}


def template_csv() -> str:
    """The template: the header and one example row."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMN_NAMES)
    writer.writerow(c.example for c in COLUMNS)
    return out.getvalue()


# --- Who may import ---------------------------------------------------------------------------


def may_import(user: User) -> bool:
    return (
        bool(getattr(user, "is_authenticated", False))
        and user.has_role(*IMPORT_ROLES)
        and user.organisation is not None
        and user.organisation.force is not None
    )


def _force_of(actor: User) -> Organisation:
    if not may_import(actor):
        raise PermissionDenied("Only a missing person coordinator or an administrator imports")
    force = actor.organisation.force if actor.organisation else None
    assert force is not None
    return force


def get_job_for_user(actor: User, job_id: int) -> ImportJob:
    """The import job, for an importer of its force; NotFound otherwise (as for none)."""
    if not may_import(actor):
        raise NotFound(NO_SUCH_IMPORT)
    force = _force_of(actor)
    job = ImportJob.objects.filter(pk=job_id, force=force).select_related("created_by").first()
    if job is None:
        raise NotFound(NO_SUCH_IMPORT)
    return job


def jobs_for_user(actor: User) -> list[ImportJob]:
    if not may_import(actor):
        return []
    return list(ImportJob.objects.filter(force=_force_of(actor)).defer("content")[:20])


# --- Reading the file ----------------------------------------------------------------------------

Cell = str | date | datetime | None


@dataclass(frozen=True)
class Problem:
    row: int
    column: str
    reason: str

    def as_list(self) -> list[Any]:
        return [self.row, self.column, self.reason]


class FileRefused(Exception):
    """The file itself cannot be read (not the rows in it)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _header(cells: Iterable[Any]) -> list[str]:
    return ["_".join(str(c or "").strip().lower().split()) for c in cells]


def read_rows(content: bytes, file_name: str) -> tuple[list[str], Iterator[tuple[int, list[Cell]]]]:
    """The header and the rows (row number, cells) of a CSV or XLSX file."""
    if file_name.lower().endswith(".xlsx"):
        return _xlsx_rows(content)
    if not file_name.lower().endswith(".csv"):
        raise FileRefused("The file must be a CSV or an XLSX file")
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = content.decode("cp1252")
        except UnicodeDecodeError:
            raise FileRefused("The CSV file must be saved as UTF-8 text") from None
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        raise FileRefused("The file is empty") from None
    except csv.Error:
        raise FileRefused("The file is not a CSV file Misper can read") from None

    def rows() -> Iterator[tuple[int, list[Cell]]]:
        try:
            for n, cells in enumerate(reader, start=2):
                yield n, list(cells)
        except csv.Error as e:
            raise FileRefused(
                f"The CSV file cannot be read after row {reader.line_num}: {e}"
            ) from e

    return _header(header), rows()


def _xlsx_rows(content: bytes) -> tuple[list[str], Iterator[tuple[int, list[Cell]]]]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds for a file that is not a workbook
        raise FileRefused("The file is not an XLSX workbook Misper can read") from None
    sheet = book.worksheets[0]
    it = sheet.iter_rows(values_only=True)
    try:
        header = next(it)
    except StopIteration:
        raise FileRefused("The first sheet of the workbook is empty") from None

    def rows() -> Iterator[tuple[int, list[Cell]]]:
        for n, values in enumerate(it, start=2):
            yield n, [_xlsx_cell(v) for v in values]
        book.close()

    return _header(header), rows()


def _xlsx_cell(value: Any) -> Cell:
    if value is None or isinstance(value, datetime | date):
        return value
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


# --- Checking one row --------------------------------------------------------------------------


@dataclass
class Row:
    n: int
    child_key: str
    child: dict[str, Any]
    episode: dict[str, Any]
    codes: dict[str, str]  # local_authority, care_home_code, policing_area as written


def _text(cell: Cell) -> str:
    if cell is None:
        return ""
    if isinstance(cell, datetime | date):
        return cell.isoformat()
    return " ".join(str(cell).split())


def _day(cell: Cell) -> date:
    if isinstance(cell, datetime):
        return cell.date()
    if isinstance(cell, date):
        return cell
    text = _text(cell)
    try:
        if "/" in text:
            return datetime.strptime(text, "%d/%m/%Y").date()
        return date.fromisoformat(text[:10])
    except ValueError:
        raise ValueError("Enter a date as YYYY-MM-DD or DD/MM/YYYY") from None


def _instant(cell: Cell) -> datetime:
    """A UK local date and time (or an instant with its offset)."""
    if isinstance(cell, datetime):
        at = cell
    elif isinstance(cell, date):
        raise ValueError("Enter the time as well as the date")
    else:
        text = _text(cell)
        try:
            if "/" in text:
                fmt = "%d/%m/%Y %H:%M:%S" if text.count(":") == 2 else "%d/%m/%Y %H:%M"
                at = datetime.strptime(text, fmt)
            elif len(text) < 16:
                raise ValueError
            else:
                at = datetime.fromisoformat(text)
        except ValueError:
            raise ValueError(
                "Enter a date and time as YYYY-MM-DD HH:MM or DD/MM/YYYY HH:MM"
            ) from None
    return at.replace(tzinfo=LONDON) if at.tzinfo is None else at


def _choice(text: str, choices: Iterable[str], aliases: dict[str, str] | None = None) -> str:
    value = (aliases or {}).get(text.lower(), text.lower().replace(" ", "_"))
    allowed = list(choices)
    if value not in allowed:
        raise ValueError("Enter one of: " + ", ".join(allowed))
    return value


def _ethnicity(cell: Cell) -> str:
    code = _text(cell).upper()
    if code not in Ethnicity.values:
        raise ValueError("Enter the DfE's ethnicity code, such as WBRI or MWBC: see the guide")
    return code


SEX_ALIASES = {"m": "male", "f": "female", "u": "unknown", "not known": "unknown"}


def check_row(n: int, values: dict[str, Cell], now: datetime) -> tuple[Row | None, list[Problem]]:
    """One row's values, or the problems with it: each column's first, in column order."""
    problems: list[Problem] = []
    out: dict[str, Any] = {}

    def get(name: str, parse: Callable[[Cell], Any], *, max_len: int | None = None) -> None:
        cell = values.get(name)
        if cell is None or (isinstance(cell, str) and not cell.strip()):
            if name in REQUIRED:
                problems.append(Problem(n, name, f"Enter the {LABELS[name].lower()}"))
            return
        try:
            value = parse(cell)
        except ValueError as e:
            problems.append(Problem(n, name, str(e)))
            return
        if max_len is not None and isinstance(value, str) and len(value) > max_len:
            problems.append(Problem(n, name, f"Must be {max_len} characters or fewer"))
            return
        out[name] = value

    get("child_key", _text, max_len=64)
    get("given_name", _text, max_len=100)
    get("family_name", _text, max_len=100)
    get("date_of_birth", _day)
    get("sex", lambda c: _choice(_text(c), Sex.values, SEX_ALIASES))
    get("ethnicity", _ethnicity)
    get("home_postcode", lambda c: _text(c).upper(), max_len=10)
    get("local_authority", _text, max_len=64)
    get("la_child_id", _text, max_len=32)
    get("reported_at", _instant)
    get("last_seen_at", _instant)
    get("found_at", _instant)
    get("category", lambda c: _choice(_text(c), Category.values))
    get("risk", lambda c: _choice(_text(c), Risk.values, {"none": "no_apparent_risk"}))
    get("missing_from", lambda c: _choice(_text(c), MissingFrom.values))
    get("location_address", _text, max_len=300)
    get("location_postcode", lambda c: _text(c).upper(), max_len=10)
    get("care_home_code", _text, max_len=64)
    get("policing_area", _text, max_len=64)
    get("reported_by", lambda c: _choice(_text(c), ReportedBy.values))
    get("found_where", _text, max_len=300)
    get("found_postcode", lambda c: _text(c).upper(), max_len=10)
    get("closure", _text, max_len=64)

    dob, reported, seen, found = (
        out.get("date_of_birth"),
        out.get("reported_at"),
        out.get("last_seen_at"),
        out.get("found_at"),
    )
    if dob is not None and dob > now.date():
        problems.append(Problem(n, "date_of_birth", "The date of birth cannot be in the future"))
    if reported is not None and reported > now:
        problems.append(Problem(n, "reported_at", "The report cannot be in the future"))
    if seen is not None and reported is not None and seen > reported:
        problems.append(Problem(n, "last_seen_at", "Last seen must be on or before the report"))
    if seen is not None and dob is not None and local_date(seen) < dob:
        problems.append(
            Problem(n, "last_seen_at", "Last seen cannot be before the child's date of birth")
        )
    if found is not None and reported is not None and found < reported:
        problems.append(Problem(n, "found_at", "Found must be on or after the report"))
    if found is not None and found > now:
        problems.append(Problem(n, "found_at", "Found cannot be in the future"))
    category, risk = out.get("category"), out.get("risk", "")
    if (
        category == Category.MISSING
        and "category" in out
        and not risk
        and "risk" not in {p.column for p in problems}
    ):
        problems.append(Problem(n, "risk", "Enter the risk of a missing episode"))
    if category and category != Category.MISSING and risk:
        problems.append(Problem(n, "risk", "Only a missing episode has a risk: leave it blank"))
    if found is None and (out.get("found_where") or out.get("found_postcode")):
        problems.append(Problem(n, "found_at", "Enter when the child was found, or leave "
                                "where found blank"))  # fmt: skip
    if problems:
        return None, problems
    return (
        Row(
            n=n,
            child_key=out["child_key"],
            child={
                "given_name": out["given_name"],
                "family_name": out["family_name"],
                "date_of_birth": dob,
                "sex": out.get("sex", Sex.UNKNOWN),
                "ethnicity": out.get("ethnicity", Ethnicity.NOBT),
                "home_postcode": out.get("home_postcode", ""),
                "la_child_id": out.get("la_child_id", ""),
            },
            episode={
                "reported_at": reported,
                "last_seen_at": seen,
                "found_at": found,
                "category": category,
                "risk": risk,
                "missing_from": out["missing_from"],
                "location_address": out["location_address"],
                "location_postcode": out.get("location_postcode", ""),
                "reported_by": out.get("reported_by", ReportedBy.OTHER),
                "found_where": out.get("found_where", ""),
                "found_postcode": out.get("found_postcode", ""),
                "closure": out.get("closure", ""),
            },
            codes={
                k: out.get(k, "") for k in ("local_authority", "care_home_code", "policing_area")
            },
        ),
        [],
    )


# --- Checking the file -------------------------------------------------------------------------


@dataclass
class Plan:
    """What the file would import, once checked; ``problems`` empty when it may."""

    rows_total: int = 0
    rows: list[Row] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    error_count: int = 0
    matched: dict[str, int] = field(default_factory=dict)  # child key → existing person
    skipped: set[int] = field(default_factory=set)  # row numbers already imported
    organisations: dict[tuple[str, str], Organisation] = field(default_factory=dict)
    area: Organisation | None = None  # the default policing area

    def refuse(self, problem: Problem) -> None:
        self.error_count += 1
        if len(self.problems) < KEPT_ERRORS:
            self.problems.append(problem)

    @property
    def children(self) -> int:
        return len({r.child_key for r in self.rows})

    def summary(self) -> dict[str, int]:
        new_children = {r.child_key for r in self.rows if r.child_key not in self.matched}
        return {
            "rows": self.rows_total,
            "children": self.children,
            "new_children": len(new_children),
            "matched_children": self.children - len(new_children),
            "episodes": len(self.rows) - len(self.skipped),
            "already_imported": len(self.skipped),
            "found": sum(1 for r in self.rows if r.episode["found_at"] is not None),
        }


Progress = Callable[[int, int], None]


def check(
    *,
    force: Organisation,
    actor: User,
    system: str,
    content: bytes,
    file_name: str,
    progress: Progress | None = None,
    now: datetime | None = None,
) -> Plan:
    """The dry run: every row read and checked, nothing written (module docstring)."""
    now = now or timezone.now()
    plan = Plan()
    try:
        header, rows = read_rows(content, file_name)
        _check_header(header, plan)
        if plan.error_count:
            return plan
        first_dob: dict[str, tuple[date, int]] = {}
        seen_reports: dict[tuple[str, datetime], int] = {}
        for n, cells in rows:
            if not any(_text(c) for c in cells):
                continue  # a blank line
            plan.rows_total += 1
            if plan.rows_total > MAX_ROWS:
                raise FileRefused(f"The file has more than {MAX_ROWS:,} rows: split it")
            values = dict(zip(header, cells, strict=False))
            row, problems = check_row(n, values, now)
            for p in problems:
                plan.refuse(p)
            if row is not None:
                _across_rows(row, plan, first_dob, seen_reports)
            if progress is not None and plan.rows_total % PROGRESS_EVERY == 0:
                progress(plan.rows_total, 0)
    except FileRefused as e:
        plan.refuse(Problem(1, "", e.reason))
        return plan
    if plan.rows_total == 0 and not plan.error_count:
        plan.refuse(Problem(2, "", "The file has no rows under the header"))
    resolve(plan, force=force, actor=actor, system=system)  # the rows that passed
    return plan


def _check_header(header: list[str], plan: Plan) -> None:
    for name in REQUIRED:
        if name not in header:
            plan.refuse(Problem(1, name, f"The file has no {name} column: use the template"))
    for name in header:
        if name and name not in COLUMN_NAMES:
            plan.refuse(Problem(1, name, "Misper does not know this column: see the guide"))
    for name in set(header):
        if name and header.count(name) > 1:
            plan.refuse(Problem(1, name, "The column is in the file twice"))


def _across_rows(
    row: Row,
    plan: Plan,
    first_dob: dict[str, tuple[date, int]],
    seen_reports: dict[tuple[str, datetime], int],
) -> None:
    dob = row.child["date_of_birth"]
    earlier = first_dob.setdefault(row.child_key, (dob, row.n))
    if earlier[0] != dob:
        plan.refuse(
            Problem(
                row.n,
                "date_of_birth",
                f"The child {row.child_key} has another date of birth ({earlier[0]:%d/%m/%Y}) "
                f"on row {earlier[1]}",
            )
        )
        return
    key = (row.child_key, row.episode["reported_at"])
    before = seen_reports.setdefault(key, row.n)
    if before != row.n:
        plan.refuse(
            Problem(
                row.n, "reported_at", f"The same child's report at this time is on row {before}"
            )
        )
        return
    plan.rows.append(row)


def _default_area(force: Organisation, actor: User) -> Organisation | None:
    org = actor.organisation
    if org is not None and org.kind == OrganisationKind.POLICING_AREA:
        return org
    areas = list(Organisation.objects.filter(kind=OrganisationKind.POLICING_AREA, parent=force)[:2])
    return areas[0] if len(areas) == 1 else None


CODE_KINDS: dict[str, tuple[str, ...]] = {
    "local_authority": (OrganisationKind.LOCAL_AUTHORITY,),
    "policing_area": (OrganisationKind.POLICING_AREA,),
    "care_home_code": (
        OrganisationKind.CHILDRENS_HOME,
        OrganisationKind.FOSTERING_AGENCY,
        OrganisationKind.FOSTER_CARER,
        OrganisationKind.SEMI_INDEPENDENT,
    ),
}


def resolve(plan: Plan, *, force: Organisation, actor: User, system: str) -> None:
    """The checks against the records: the codes, the children imported before (by their
    key) and the episodes already imported. Run by the dry run, and again inside the
    import's transaction."""
    plan.area = _default_area(force, actor)
    for column, kinds in CODE_KINDS.items():
        codes = {r.codes[column] for r in plan.rows if r.codes[column]}
        qs = Organisation.objects.filter(code__in=codes, kind__in=kinds)
        if column == "policing_area":
            qs = qs.filter(parent=force)
        plan.organisations.update({(column, o.code): o for o in qs})
    keys = {r.child_key for r in plan.rows}
    matched: dict[str, Person] = {}
    for chunk in _chunks(sorted(keys), 900):
        for k in ImportedKey.objects.filter(
            force=force, system=system, key__in=chunk
        ).select_related("person"):
            matched[k.key] = k.person
    plan.matched = {k: p.pk for k, p in matched.items()}
    existing: set[tuple[int, datetime]] = set()
    person_ids = sorted(plan.matched.values())
    for chunk_ids in _chunks(person_ids, 900):
        existing.update(
            Episode.objects.filter(person_id__in=chunk_ids).values_list("person_id", "reported_at")
        )
    plan.skipped = set()
    for row in plan.rows:
        for column in CODE_KINDS:
            code = row.codes[column]
            if code and (column, code) not in plan.organisations:
                where = " of your force" if column == "policing_area" else ""
                plan.refuse(Problem(row.n, column, f"Misper has no {LABELS[column].lower()}"
                                    f"{where} with the code {code}"))  # fmt: skip
        if not row.codes["policing_area"] and plan.area is None:
            plan.refuse(Problem(row.n, "policing_area",
                                "Enter the policing area: your force has several"))  # fmt: skip
        person = matched.get(row.child_key)
        if person is None:
            continue
        if person.date_of_birth != row.child["date_of_birth"]:
            plan.refuse(Problem(row.n, "date_of_birth",
                                f"The child {row.child_key}, imported before, has another date "
                                "of birth in Misper"))  # fmt: skip
        elif (person.pk, row.episode["reported_at"]) in existing:
            plan.skipped.add(row.n)


def _chunks(items: list[Any], size: int) -> Iterator[list[Any]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


# --- The jobs ------------------------------------------------------------------------------------


def job_start(*, actor: User, system: str, file_name: str, content: bytes) -> ImportJob:
    """Keep the uploaded file and queue its check (the dry run)."""
    force = _force_of(actor)
    system = " ".join((system or "").split())
    if not system:
        raise ValidationFailed(
            "Enter the name of the system the history comes from", field="system"
        )
    if len(system) > 60:
        raise ValidationFailed("The system's name must be 60 characters or fewer", field="system")
    if not content:
        raise ValidationFailed("Choose a CSV or XLSX file", field="file")
    if not file_name.lower().endswith((".csv", ".xlsx")):
        raise ValidationFailed("The file must be a CSV or an XLSX file", field="file")
    if len(content) > MAX_BYTES:
        raise ValidationFailed("The file must be smaller than 50 MB: split it", field="file")
    job = ImportJob.objects.create(
        force=force,
        created_by=actor,
        system=system,
        file_name=file_name[-200:],
        content=content,
        heartbeat_at=timezone.now(),
    )
    _enqueue(job)
    return job


def job_import(*, actor: User, job_id: int, version: int) -> ImportJob:
    """Queue the import of a checked file (all or nothing)."""
    job = get_job_for_user(actor, job_id)
    if job.version != version:
        raise ConcurrentEdit("Someone else acted on this import: look at it again")
    if job.status != ImportStatus.CHECKED:
        raise WrongState("Only a file that passed its check is imported")
    updated = ImportJob.objects.filter(pk=job.pk, version=version).update(
        status=ImportStatus.QUEUED,
        import_requested=True,
        version=version + 1,
        rows_done=0,
        heartbeat_at=timezone.now(),
    )
    if not updated:
        raise ConcurrentEdit("Someone else acted on this import: look at it again")
    job.refresh_from_db()
    _enqueue(job)
    return job


def _enqueue(job: ImportJob) -> None:
    """Queue the job's task once the transaction commits; the task carries the job's
    ``attempt``, so that a task queued before the job was re-queued does nothing."""
    from misper.insights.tasks import import_task

    pk, attempt = job.pk, job.attempt

    def queue() -> None:
        result = import_task.enqueue(pk, attempt)
        ImportJob.objects.filter(pk=pk, attempt=attempt).update(task_id=str(result.id))

    transaction.on_commit(queue)


class Superseded(Exception):
    """The job was queued again (its worker was taken for stopped): this run stops, and what
    it had not committed is rolled back."""


def _save(job: ImportJob, **values: Any) -> None:
    """The job's progress, with the worker's sign of life; only while this run is the job's
    (``job.attempt``), else ``Superseded``."""
    values.setdefault("heartbeat_at", timezone.now())
    for k, v in values.items():
        setattr(job, k, v)
    if not ImportJob.objects.filter(pk=job.pk, attempt=job.attempt).update(**values):
        raise Superseded(f"import {job.pk} was queued again")


def run_job(job_id: int, attempt: int | None = None) -> None:
    """The worker's task: the check, and the import when it was asked for. A failure
    (not a refused row: a fault) marks the job failed; nothing of the import's transaction
    is written, and the fault goes to the worker's log. A task of an earlier attempt (the
    job was queued again since) does nothing."""
    job = ImportJob.objects.select_related("force", "created_by").get(pk=job_id)
    if attempt is not None and attempt != job.attempt:
        return
    try:
        _run(job)
    except Superseded:
        log.warning("import %s: queued again while this run was going on; it stops", job_id)
    except Exception:
        if job.status != ImportStatus.TRIGGERS:
            with suppress(Superseded):
                _save(job, status=ImportStatus.FAILED, finished_at=timezone.now())
        raise


def _run(job: ImportJob) -> None:
    if job.status == ImportStatus.TRIGGERS:
        _count_in_triggers(job)
        return
    if job.status != ImportStatus.QUEUED:
        return
    _save(job, status=ImportStatus.CHECKING, started_at=timezone.now(), rows_done=0)
    content = bytes(job.content)

    def progress(done: int, _: int) -> None:
        _save(job, rows_done=done)

    plan = check(
        force=job.force,
        actor=job.created_by,
        system=job.system,
        content=content,
        file_name=job.file_name,
        progress=progress,
    )
    _save(
        job,
        rows_total=plan.rows_total,
        rows_done=plan.rows_total,
        error_count=plan.error_count,
        errors=[p.as_list() for p in plan.problems],
        summary=plan.summary(),
    )
    if plan.error_count:
        _save(job, status=ImportStatus.REFUSED, finished_at=timezone.now())
        return
    if not job.import_requested:
        _save(job, status=ImportStatus.CHECKED, finished_at=timezone.now())
        return
    _save(job, status=ImportStatus.IMPORTING)
    try:
        write(plan, job=job)  # the job is counting the triggers when it returns
    except Refused as e:
        _save(
            job,
            status=ImportStatus.REFUSED,
            error_count=len(e.problems),
            errors=[p.as_list() for p in e.problems[:KEPT_ERRORS]],
            finished_at=timezone.now(),
        )
        return
    _count_in_triggers(job)


# --- A job whose worker stopped ------------------------------------------------------------------

JOB_SUBJECT = "import_job"  # the subject type of an import job in the audit log and timeline


# --- Files never imported are not kept --------------------------------------------------------

# MISPER_IMPORT_FILE_DAYS: how long a file that was not imported (refused, checked and never
# confirmed, failed) is kept for its uploader to look at or to import, counted from its
# check. Then the file and the refused rows' reasons (which may quote what the file held)
# are deleted; the job stays, with its counts, as the record that it was uploaded.
FILE_DAYS = 30
NOT_IMPORTED = (ImportStatus.CHECKED, ImportStatus.REFUSED, ImportStatus.FAILED)


def file_days() -> int:
    """How many days a file not imported is kept (the setting, else ``FILE_DAYS``)."""
    from django.conf import settings

    return int(getattr(settings, "MISPER_IMPORT_FILE_DAYS", FILE_DAYS))


def expire_files(now: datetime | None = None, *, days: int | None = None) -> int:
    """Delete the files of jobs not imported within ``days`` of their check (a worker
    sweep): each job's file and refused rows are emptied and it is marked expired, with an
    event on its timeline, in one transaction per job; a job acted on meanwhile (its
    version moved: someone confirmed the import) is left alone. Returns how many expired."""
    now = now or timezone.now()
    days = file_days() if days is None else days
    cutoff = now - timedelta(days=days)
    due = (
        ImportJob.objects.filter(status__in=NOT_IMPORTED)
        .filter(Q(finished_at__lt=cutoff) | Q(finished_at__isnull=True, created_at__lt=cutoff))
        .exclude(content=b"", errors=[])
        .values_list("pk", "version", "status")
    )
    expired = 0
    for pk, version, status in list(due[:100]):
        with transaction.atomic():
            updated = ImportJob.objects.filter(pk=pk, version=version, status=status).update(
                content=b"", errors=[], status=ImportStatus.EXPIRED, version=version + 1
            )
            if not updated:
                continue
            timeline_record(
                actor=None,
                role="system",
                subject_type=JOB_SUBJECT,
                subject_id=pk,
                verb=InsightsVerb.IMPORT_FILE_DELETED,
                changes={"job": pk, "status": {"from": status, "to": "expired"}, "days": days},
                rationale=f"Not imported within {days} days: the file is not kept.",
                at=now,
            )
            expired += 1
    return expired


STALLED_MINUTES = 15  # MISPER_IMPORT_STALLED_MINUTES: longer than the longest write
MAX_ATTEMPTS = 3  # then the job is failed: a file that stops the worker each time


def requeue_stalled(now: datetime | None = None, *, minutes: float | None = None) -> int:
    """Queue again each job whose worker stopped: running (checking, importing, counting
    the triggers) with no sign of life for ``minutes``, or queued with its task lost or
    taken by a worker that stopped. Safe: the write is one transaction (a stopped write
    left nothing, and the job is checked and written again from the file it keeps), the
    trigger pass resumes after its last committed batch (``triggers_done``), and the job's
    ``attempt`` makes a run that was only slow stop at its next step, its uncommitted work
    rolled back (``Superseded``). After ``MAX_ATTEMPTS`` the job fails. Returns how many
    jobs were queued again or failed."""
    from django.conf import settings

    now = now or timezone.now()
    if minutes is None:
        minutes = float(getattr(settings, "MISPER_IMPORT_STALLED_MINUTES", STALLED_MINUTES))
    cutoff = now - timedelta(minutes=minutes)
    stale = ImportJob.objects.filter(status__in=RUNNING).filter(
        Q(heartbeat_at__lt=cutoff) | Q(heartbeat_at__isnull=True, created_at__lt=cutoff)
    )
    acted = 0
    for job in stale.defer("content"):
        if job.status == ImportStatus.QUEUED and _task_waiting(job):
            continue  # waiting its turn behind other work: not stalled
        acted += _requeue(job, now)
    return acted


def _task_waiting(job: ImportJob) -> bool:
    """The job's task is queued and not yet taken by a worker."""
    from django_tasks.base import TaskResultStatus
    from django_tasks.exceptions import TaskException

    from misper.insights.tasks import import_task

    if not job.task_id:
        return False
    try:
        return import_task.get_result(job.task_id).status == TaskResultStatus.READY
    except TaskException:  # no such task (any more), or not this job's kind
        return False


def _requeue(job: ImportJob, now: datetime) -> int:
    attempt = job.attempt
    mine = ImportJob.objects.filter(pk=job.pk, attempt=attempt, status=job.status)
    with transaction.atomic():
        if attempt + 1 > MAX_ATTEMPTS:
            updated = mine.update(
                status=ImportStatus.FAILED, finished_at=now, heartbeat_at=now, attempt=attempt + 1
            )
            if updated:
                log.error("import %s failed: its worker stopped %s times", job.pk, attempt + 1)
            return updated
        # Checking or importing: the job starts again from its check (nothing was written);
        # counting the triggers: it resumes after the last batch counted.
        status = (
            ImportStatus.TRIGGERS if job.status == ImportStatus.TRIGGERS else ImportStatus.QUEUED
        )
        updated = mine.update(status=status, attempt=attempt + 1, heartbeat_at=now, task_id="")
        if not updated:
            return 0  # moved on, or queued again by another worker's sweep
        job.status, job.attempt = status, attempt + 1
        log.warning("import %s: no sign of its worker since %s; queued again (attempt %s)",
                    job.pk, job.heartbeat_at, job.attempt)  # fmt: skip
        _enqueue(job)
    return 1


class Refused(Exception):
    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(f"{len(problems)} problems")
        self.problems = problems


# --- Writing -------------------------------------------------------------------------------------


def write(plan: Plan, *, job: ImportJob) -> dict[str, int]:
    """Everything in one transaction; nothing if any row is refused now. The job moves to
    counting the triggers in the same transaction, with what was written (the episodes'
    ids) and without the file: a worker stopped after the commit resumes from there. A run
    of a job queued again meanwhile (``Superseded``) writes nothing."""
    actor, force, system = job.created_by, job.force, job.system
    now = timezone.now()
    began = time.monotonic()
    with transaction.atomic():
        plan.problems, plan.error_count = [], 0
        resolve(plan, force=force, actor=actor, system=system)
        if plan.error_count:
            raise Refused(plan.problems)
        people = _write_children(plan, actor=actor, force=force, system=system, job=job)
        episodes = _write_episodes(plan, people, actor=actor, force=force, system=system, now=now)
        by_child: dict[int, int] = defaultdict(int)
        for ep in episodes:
            by_child[ep.person_id] += 1
        declared = events.verb(InsightsVerb.HISTORY_IMPORTED)
        role = ",".join(sorted(actor.role_codes))[:48]
        TimelineEvent.objects.bulk_create(
            [
                TimelineEvent(
                    at=now,
                    actor=actor,
                    actor_name=str(actor),
                    actor_role=role,
                    organisation=actor.organisation,
                    subject_type="person",
                    subject_id=str(pk),
                    verb=declared.value,
                    changes={"episodes": count, "system": system, "job": job.pk},
                    rationale=f"History imported: {count} episodes from {system}",
                )
                for pk, count in sorted(by_child.items())
            ],
            batch_size=2000,
        )
        mark_changed("person", sorted(by_child))  # the events above bypass timeline_record
        audit_record(
            user=actor,
            action=AuditAction.IMPORT,
            subject_type=JOB_SUBJECT,
            subject_id=job.pk,
            purpose=f"History from {system}"[:200],
            reason=f"{len(episodes)} episodes of {len(by_child)} children from {job.file_name}",
        )
        new = sum(1 for k in people if k not in plan.matched)
        imported = {
            "episodes": len(episodes),
            "created_children": new,
            "first_episode": min((e.pk for e in episodes), default=0),
            "last_episode": max((e.pk for e in episodes), default=0),
        }
        _save(
            job,
            status=ImportStatus.TRIGGERS,
            rows_done=plan.rows_total,
            summary={
                **plan.summary(),
                **imported,
                "write_seconds": round(time.monotonic() - began, 1),
            },
            content=b"",
            triggers_total=len(episodes),
            triggers_done=0,
        )
    return imported


def _write_children(
    plan: Plan, *, actor: User, force: Organisation, system: str, job: ImportJob
) -> dict[str, int]:
    """child key → person id: the matched, and the new ones created with their keys."""
    people = dict(plan.matched)
    first: dict[str, Row] = {}
    for row in plan.rows:
        if row.child_key not in people:
            first.setdefault(row.child_key, row)
    created = Person.objects.bulk_create(
        [
            Person(
                **row.child,
                home_authority=plan.organisations.get(
                    ("local_authority", row.codes["local_authority"])
                ),
                created_by_org=actor.organisation,
                search_keys_version=KEY_SCHEME,  # written just below
            )
            for row in first.values()
        ],
        batch_size=1000,
    )
    for key, person in zip(first, created, strict=True):
        people[key] = person.pk
    name_keys = []
    for person in created:
        text = f"{person.given_name} {person.family_name}"
        given, family = split_name(text)
        name_keys.append(
            NameKey(
                person=person,
                text=text,
                normalised=normalise(text),
                family_phonetic=phonetic(family),
                given_phonetic=phonetic(given.split()[0]) if given else "",
            )
        )
    NameKey.objects.bulk_create(name_keys, batch_size=2000)
    SearchKey.objects.bulk_create(
        [
            SearchKey(person_id=pk, key=key)
            for pk, key in search_key_rows(
                (p.pk, p.given_name, p.family_name, p.date_of_birth, "", p.home_postcode, [])
                for p in created
            )
        ],
        batch_size=5000,
    )
    ImportedKey.objects.bulk_create(
        [
            ImportedKey(force=force, system=system, key=key, person_id=people[key], job=job)
            for key in first
        ],
        batch_size=2000,
    )
    return people


def _write_episodes(
    plan: Plan,
    people: dict[str, int],
    *,
    actor: User,
    force: Organisation,
    system: str,
    now: datetime,
) -> list[Episode]:
    rows = [r for r in plan.rows if r.n not in plan.skipped]
    episodes = []
    for row in rows:
        e = row.episode
        establishment = plan.organisations.get(("care_home_code", row.codes["care_home_code"]))
        area = plan.organisations.get(("policing_area", row.codes["policing_area"])) or plan.area
        closed_at = e["found_at"] or e["reported_at"]
        episodes.append(
            Episode(
                person_id=people[row.child_key],
                force=force,
                owning_area=area,
                profile_id=force.policy_profile,
                status=Status.CLOSED,
                reported_at=e["reported_at"],
                reported_by=e["reported_by"],
                informant_name=f"Not recorded in {system}"[:200],
                missing_from=e["missing_from"],
                location_address=e["location_address"],
                location_postcode=e["location_postcode"],
                location_key=location_key(
                    establishment_code=establishment.code if establishment else None,
                    address=e["location_address"],
                    postcode=e["location_postcode"],
                ),
                establishment=establishment,
                last_seen_at=e["last_seen_at"],
                last_seen_place=e["location_address"],
                circumstances=f"Imported from {system} row {row.n}",
                category=e["category"],
                risk=e["risk"],
                categorised_at=e["reported_at"],
                categorised_by_role="imported",
                closure_code=e["closure"] or "imported",
                closed_at=closed_at,
                created_at=now,
                created_by=actor,
            )
        )
    Episode.objects.bulk_create(episodes, batch_size=1000)
    found = [
        FoundReport(
            episode=ep,
            found_at=row.episode["found_at"],
            found_where=row.episode["found_where"] or f"Not recorded in {system}"[:300],
            found_postcode=row.episode["found_postcode"],
            found_by=f"Not recorded in {system}"[:200],
            condition=f"Not recorded in {system}",
            safe_and_well="not_done",
            safe_and_well_rationale=f"Imported from {system} row {row.n}: not recorded",
            recorded_at=now,
            recorded_by=actor,
        )
        for ep, row in zip(episodes, rows, strict=True)
        if row.episode["found_at"] is not None
    ]
    FoundReport.objects.bulk_create(found, batch_size=1000)
    _write_place_links(episodes, found)
    return episodes


def _write_place_links(episodes: list[Episode], found: list[FoundReport]) -> None:
    """The links ``people.network.place_link_note`` writes for a reported episode and a
    found report: one per record with a whole postcode, to the place of that postcode."""
    wanted: list[tuple[str, str, LinkSource, int, Episode, datetime]] = []
    for ep in episodes:
        key = postcode_key(ep.location_postcode)
        if key:
            wanted.append(
                (key, ep.location_address, LinkSource.MISSING_FROM, ep.pk, ep, ep.last_seen_at)
            )
    for f in found:
        key = postcode_key(f.found_postcode)
        if key:
            wanted.append((key, f.found_where, LinkSource.FOUND, f.pk, f.episode, f.found_at))
    if not wanted:
        return
    postcodes = sorted({w[0] for w in wanted})
    places: dict[str, Location] = {}
    for chunk in _chunks(postcodes, 900):
        places.update({loc.postcode: loc for loc in Location.objects.filter(postcode__in=chunk)})
    labels = {w[0]: (w[1] or w[0])[:300] for w in wanted}
    Location.objects.bulk_create(
        [Location(postcode=pc, label=labels[pc]) for pc in postcodes if pc not in places]
    )
    for chunk in _chunks([pc for pc in postcodes if pc not in places], 900):
        places.update({loc.postcode: loc for loc in Location.objects.filter(postcode__in=chunk)})
    PlaceLink.objects.bulk_create(
        [
            PlaceLink(
                person_id=ep.person_id,
                location=places[key],
                source=source,
                source_id=source_id,
                episode_id=ep.pk,
                on=local_date(at),
                at=at,
                description=(description or key)[:300],
            )
            for key, description, source, source_id, ep, at in wanted
        ],
        batch_size=2000,
    )


# --- Counting the imported episodes in the triggers ------------------------------------------


def _count_in_triggers(job: ImportJob) -> None:
    """The imported episodes' trigger hits, oldest first, in batches of ``TRIGGER_BATCH``
    (one transaction each, the progress saved with it): the histories of a batch are read
    in a few queries and the trigger rules asked in Python (``import_triggers.hits_for``,
    the engine's own answer); each hit is one trigger record, dated at the episode's
    report, the batch's records written together (``record_hits``: the outcome of
    ``record_hit`` for each hit in turn, in a few queries). ``triggers_done`` is the marker
    of what is counted: a worker stopped part-way resumes at the first batch not committed,
    and no hit is recorded twice. Then the episodes already in Misper dated after the
    imported ones of the same child are asked again (``_reconsider_existing``)."""
    first, last = job.summary.get("first_episode", 0), job.summary.get("last_episode", 0)
    imported = Episode.objects.filter(
        pk__gte=first, pk__lte=last, created_by_id=job.created_by_id, restricted=False,
        circumstances__startswith=f"Imported from {job.system} row ",
    ).order_by("reported_at", "id")  # fmt: skip
    ids = list(imported.values_list("pk", flat=True))
    _save(job, triggers_total=len(ids))
    done = job.triggers_done
    began = time.monotonic()
    asking = 0.0  # of which reading the histories and asking the rules
    while done < len(ids):
        batch = ids[done : done + TRIGGER_BATCH]
        with transaction.atomic():
            t0 = time.monotonic()
            episodes = list(
                Episode.objects.filter(pk__in=batch)
                .select_related("person__home_authority", "force", "establishment")
                .order_by("reported_at", "id")
            )
            hits = hits_for(episodes, timezone.now())
            asking += time.monotonic() - t0
            record_hits((ep, hit, ep.reported_at) for ep in episodes for hit in hits[ep.pk])
            done += len(batch)
            _save(job, triggers_done=done)
    _reconsider_existing(job, ids)
    summary = {
        **job.summary,
        "trigger_seconds": round(time.monotonic() - began, 1),
        "trigger_ask_seconds": round(asking, 1),
    }
    _save(
        job,
        triggers_done=len(ids),
        status=ImportStatus.DONE,
        finished_at=timezone.now(),
        summary=summary,
    )


def _reconsider_existing(job: ImportJob, ids: list[int]) -> None:
    """A child who had episodes in Misper before the import: the imported episodes change
    the counts of their episodes dated after them (C-02..C-06). For each such episode, the
    latest imported episode before it is reconsidered (``reconsider_later``: the later
    episodes of its child, place and establishment within the longest window are asked
    again, records added or superseded). An episode is asked once, by the first of them;
    the imported episodes are not asked again (their records were made from the same
    history just before). Asking again gives the same answer, so a run stopped here and
    resumed leaves the same records."""
    imported = set(ids)
    people: set[int] = set()
    for chunk in _chunks(ids, 900):
        people.update(Episode.objects.filter(pk__in=chunk).values_list("person_id", flat=True))
    causes: set[int] = set()
    for chunk in _chunks(sorted(people), 900):
        rows = (
            Episode.objects.filter(person_id__in=chunk)
            .order_by("person_id", "reported_at", "id")
            .values_list("person_id", "pk")
        )
        last: tuple[int, int] | None = None  # (person, imported episode)
        for person_id, pk in rows:
            if last is not None and last[0] != person_id:
                last = None
            if pk in imported:
                last = (person_id, pk)
            elif last is not None:
                causes.add(last[1])
    asked = set(imported)
    for chunk in _chunks(sorted(causes), 900):
        for ep in Episode.objects.filter(pk__in=chunk).order_by("reported_at", "id"):
            with transaction.atomic():
                reconsider_later(ep, timezone.now(), skip=asked)
                _save(job)  # a sign of life

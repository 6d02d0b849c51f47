"""The DfE's SSDA903 return of children looked after, as far as it concerns children who go
missing or are away from placement without authorisation (R-DAT-04): for one local
authority and one collection year (1 April to 31 March), the three tables the DfE's
validation needs to check the Missing table, in the DfE's CSV layout:

- **Header**: one row per child the authority looked after at any time in the year;
- **Episodes**: the child's episodes of care in the year, from the placements the
  authority recorded in Misper (an episode changes with the placement or the legal status);
- **Missing**: every period the child was missing (M) or away from placement without
  authorisation (A) while looked after by the authority, from Misper's episodes.

Where a column needs a value Misper does not hold, the placement or the child's record
holds it (asked on the placement and child's details pages), or it is worked out from what
Misper holds, as docs/insights.md sets out column by column. Nothing is guessed: a value
that is not recorded is left empty, and the DfE's rules (or Misper's own checks, for the
few empty values those rules let pass) refuse the return, naming the child and the column.

The DfE's rules are those of ``csc-validator-be-903``, run in a virtual environment of
their own (``.venv-903``, ``make venv-903``: the validator needs pandas < 2 and
Python < 3.12) by ``ssda903_runner.py``, in a subprocess: ``validate``."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import tempfile
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db.models import Prefetch, Q
from django.utils import timezone

from misper.agencies.models import Organisation, OrganisationKind, User
from misper.agencies.roles import Role
from misper.core.audit import audit_record
from misper.core.errors import NotFound, PermissionDenied, ValidationFailed
from misper.core.models import AuditAction
from misper.core.validation import clean_free_text
from misper.episodes.codes import Category
from misper.episodes.models import Episode
from misper.people.codes import CareStatus, PlacementType, Sex
from misper.people.models import Person, Placement

RUNNER = Path(__file__).with_name("ssda903_runner.py")
VALIDATOR = "csc-validator-be-903"
# The validator run takes a second or two; anything near this is a fault.
TIMEOUT_SECONDS = 300
# The first collection year with the placement codes Misper uses (K3, Z11 to Z14).
FIRST_YEAR = 2026
AUDIT_SUBJECT = "ssda903_return"
NO_AUTHORITY = "No such local authority"

HEADER = ("CHILD", "SEX", "DOB", "ETHNIC", "UPN", "MOTHER", "MC_DOB")
EPISODES = (
    "CHILD",
    "DECOM",
    "RNE",
    "LS",
    "CIN",
    "PLACE",
    "PLACE_PROVIDER",
    "DEC",
    "REC",
    "REASON_PLACE_CHANGE",
    "HOME_POST",
    "PL_POST",
    "URN",
)
MISSING = ("CHILD", "DOB", "MISSING", "MIS_START", "MIS_END")
COLUMNS = {"Header": HEADER, "Episodes": EPISODES, "Missing": MISSING}
FILE_NAMES = {"Header": "header.csv", "Episodes": "episodes.csv", "Missing": "missing.csv"}

# Misper's sex, as the 903 codes it (from 2024 to 2025): U is "not known", which the
# DfE's rule 232 queries.
SEX: dict[str, str] = {Sex.MALE: "M", Sex.FEMALE: "F", Sex.OTHER: "U", Sex.UNKNOWN: "U"}
# Misper's episode category, as the 903's MISSING: M missing; A away from placement without
# authorisation (R-DEF-10: whereabouts known, or no apparent risk; an unauthorised
# absence, R-DEF-04; an absconder not otherwise missing, R-DEF-07).
MISSING_CODE: dict[str, str] = {
    Category.MISSING: "M",
    Category.ABSENT: "A",
    Category.UNAUTHORISED_ABSENCE: "A",
    Category.ABSCONDER_ONLY: "A",
}
# The DfE placement type where Misper's own type says it (docs/insights.md); foster care
# (U1 to U6) and "other" need the DfE's type recorded with the placement.
PLACE_FROM_TYPE: dict[str, str] = {
    PlacementType.CHILDRENS_HOME: "K2",
    PlacementType.SECURE_UNIT: "K1",
    PlacementType.SEMI_INDEPENDENT: "K3",
}
TEMPORARY = frozenset({"T0", "T1", "T2", "T3", "T4"})
# REC when the next placement is another authority's: "care taken over by another local
# authority in the UK"; when it is the same authority's, X1 "episode ceases, and new
# episode begins on same day, for any reason".
REC_OTHER_AUTHORITY = "E3"
REC_CONTINUES = "X1"


# --- Collection years --------------------------------------------------------------------


@dataclass(frozen=True, order=True)
class CollectionYear:
    """A collection year, named as the DfE and the validator name it: by the year it ends
    in (2027 is 1 April 2026 to 31 March 2027, the "2026 to 2027" return)."""

    ends: int

    @property
    def start(self) -> date:
        return date(self.ends - 1, 4, 1)

    @property
    def end(self) -> date:
        return date(self.ends, 3, 31)

    @property
    def name(self) -> str:
        return f"{self.ends - 1} to {self.ends}"

    @property
    def label(self) -> str:
        return f"1 April {self.ends - 1} to 31 March {self.ends}"

    @classmethod
    def containing(cls, day: date) -> CollectionYear:
        return cls(day.year + 1 if day.month >= 4 else day.year)

    @classmethod
    def parse(cls, text: str | int) -> CollectionYear:
        """``2027``, ``2026-27``, ``2026/27`` or ``2026 to 2027``: the year ending 31 March
        2027. Refused (field ``year``) when it is none of these or not yet supported."""
        raw = str(text).strip().lower().replace(" to ", "-").replace("/", "-")
        first, _, second = raw.partition("-")
        try:
            if second:
                start = int(first)
                end = int(second) if len(second) == 4 else (start // 100) * 100 + int(second)
                if end != start + 1:
                    raise ValueError(raw)
                year = cls(end)
            else:
                year = cls(int(first))
        except ValueError:
            raise ValidationFailed(
                "Enter the collection year as the year it ends, like 2027 for 1 April 2026 to "
                "31 March 2027",
                field="year",
            ) from None
        if year.ends < FIRST_YEAR:
            raise ValidationFailed(
                f"Misper makes the return from the year 1 April {FIRST_YEAR - 1} to 31 March "
                f"{FIRST_YEAR} onwards",
                field="year",
            )
        if year.ends > cls.containing(timezone.localdate()).ends:
            raise ValidationFailed(f"The collection year {year.label} has not begun", field="year")
        return year


def offered_years(today: date | None = None) -> list[CollectionYear]:
    """The years a user may choose: from the first Misper supports to the current one,
    the most recent first."""
    current = CollectionYear.containing(today or timezone.localdate())
    return [CollectionYear(y) for y in range(current.ends, FIRST_YEAR - 1, -1)]


# --- Findings ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Finding:
    """A problem with the return: a DfE rule (``code`` as the DfE numbers it, ``source``
    "DfE") or one of Misper's own checks (``source`` "Misper"), the table, its 1-based data
    rows, the CHILD of each row and the columns concerned."""

    code: str
    message: str
    table: str
    rows: tuple[int, ...] = ()
    children: tuple[str, ...] = ()
    fields: tuple[str, ...] = ()
    source: str = "DfE"

    def as_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "message": self.message,
            "table": self.table,
            "rows": list(self.rows),
            "children": list(self.children),
            "fields": list(self.fields),
            "source": self.source,
        }


@dataclass(frozen=True)
class ValidatorReport:
    """What the DfE's rules said of a set of files: the findings, the rules that had too
    few tables to run (the return has three of the 903's tables), and the rules that broke
    on the data (faults of the validator, which find nothing)."""

    findings: tuple[Finding, ...]
    validator: str
    ruleset: str
    skipped: tuple[str, ...] = ()
    failed: tuple[str, ...] = ()


class ValidatorUnavailable(Exception):
    """The validator's virtual environment is not there, or it could not run."""


# --- The tables --------------------------------------------------------------------------


def _day(d: date | None) -> str:
    return d.strftime("%d/%m/%Y") if d else ""


def child_id(person: Person) -> str:
    """The 903's CHILD: the authority's own child id when recorded, else a stable id made
    from Misper's record number (MSP and seven digits: at most ten characters, as the 903
    allows), the same every year."""
    return person.la_child_id.strip() or f"MSP{person.pk:07d}"


def _postcode(value: str) -> str:
    return " ".join(value.upper().split())


@dataclass
class _Episode:
    """A 903 episode: one placement, or consecutive placements of the same authority that
    change neither the placement nor the legal status (one episode to the DfE)."""

    placements: list[Placement]
    values: dict[str, str]
    rne: str
    period_start: date  # the start of the period of care it belongs to

    @property
    def first(self) -> Placement:
        return self.placements[0]

    @property
    def last(self) -> Placement:
        return self.placements[-1]

    @property
    def start(self) -> date:
        return self.first.started_on

    @property
    def ended_on(self) -> date | None:
        return self.last.ended_on


# What makes a new episode: the placement (its DfE type, postcode, Ofsted number, provider)
# or the legal status (the DfE's rules 434 to 436).
PLACEMENT_KEYS = ("PLACE", "PL_POST", "URN", "PLACE_PROVIDER")


def dfe_placement_type(p: Placement) -> str:
    return p.dfe_placement_type or PLACE_FROM_TYPE.get(p.placement_type, "")


def _placement_values(p: Placement) -> dict[str, str]:
    return {
        "LS": p.legal_status,
        "CIN": p.category_of_need,
        "PLACE": dfe_placement_type(p),
        "PLACE_PROVIDER": p.provided_by,
        "PL_POST": _postcode(p.postcode),
        "URN": p.ofsted_urn,
        "HOME_POST": _postcode(p.home_postcode),
    }


def _reason_new_episode(before: dict[str, str], now: dict[str, str]) -> str:
    """RNE of an episode following another of the same authority on the same day: L the
    legal status only changed; P the placement only (T for a temporary placement); B both
    (U with a temporary placement)."""
    moved = any(before[k] != now[k] for k in PLACEMENT_KEYS)
    status_changed = before["LS"] != now["LS"]
    temporary = before["PLACE"] in TEMPORARY or now["PLACE"] in TEMPORARY
    if moved and status_changed:
        return "U" if temporary else "B"
    if moved:
        return "T" if temporary else "P"
    return "L"


def _episodes_of(placements: Sequence[Placement], authority: Organisation) -> list[_Episode]:
    """The child's 903 episodes with ``authority``, from all their placements in order."""
    out: list[_Episode] = []
    previous: Placement | None = None
    for p in placements:
        values = _placement_values(p)
        continues = (
            previous is not None
            and previous.placing_authority_id == authority.pk
            and previous.ended_on == p.started_on
            and out
            and out[-1].last is previous
        )
        if p.placing_authority_id != authority.pk:
            previous = p
            continue
        if continues:
            last = out[-1]
            # The period of care's category of need and home postcode hold until another is
            # recorded (both are recorded when the child becomes looked after).
            for key in ("CIN", "HOME_POST"):
                values[key] = values[key] or last.values[key]
            if all(values[k] == last.values[k] for k in ("LS", *PLACEMENT_KEYS)):
                last.placements.append(p)  # nothing the DfE counts has changed
                previous = p
                continue
            out.append(
                _Episode([p], values, _reason_new_episode(last.values, values), last.period_start)
            )
        else:
            out.append(_Episode([p], values, "S", p.started_on))
        previous = p
    return out


@dataclass
class Return:
    """The three tables for one authority and year, with the children they name (CHILD to
    the record) and Misper's own checks of what the DfE's rules let pass."""

    authority: Organisation
    year: CollectionYear
    header: list[dict[str, str]] = field(default_factory=list)
    episodes: list[dict[str, str]] = field(default_factory=list)
    missing: list[dict[str, str]] = field(default_factory=list)
    children: dict[str, Person] = field(default_factory=dict)
    checks: list[Finding] = field(default_factory=list)

    def rows(self, table: str) -> list[dict[str, str]]:
        return {"Header": self.header, "Episodes": self.episodes, "Missing": self.missing}[table]

    def csv(self, table: str) -> bytes:
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=COLUMNS[table], lineterminator="\r\n")
        writer.writeheader()
        writer.writerows(self.rows(table))
        return out.getvalue().encode("utf-8")

    def files(self) -> dict[str, bytes]:
        """The CSV files by name: header.csv, episodes.csv, missing.csv."""
        return {FILE_NAMES[t]: self.csv(t) for t in COLUMNS}

    @property
    def file_stem(self) -> str:
        code = self.authority.ons_code or self.authority.code
        return f"ssda903-{code}-{self.year.ends - 1}-{self.year.ends % 100:02d}"

    def zip(self) -> bytes:
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
            for name, content in self.files().items():
                z.writestr(f"{self.file_stem}/{name}", content)
        return buffer.getvalue()

    def write(self, directory: Path) -> list[Path]:
        directory.mkdir(parents=True, exist_ok=True)
        paths = []
        for name, content in self.files().items():
            path = directory / name
            path.write_bytes(content)
            paths.append(path)
        return paths


def _local_day(instant: datetime) -> date:
    return timezone.localtime(instant).date()


def _within(day: date, ep: _Episode) -> bool:
    return ep.start <= day and (ep.ended_on is None or day <= ep.ended_on)


def _missing_end(e: Episode) -> date | None:
    """When the period ended: the child found; a case closed without a found report ends
    when it was closed."""
    found = getattr(e, "found", None)
    if found is not None:
        return _local_day(found.found_at)
    if e.closed_at is not None:
        return _local_day(e.closed_at)
    return None


def build_return(authority: Organisation, year: CollectionYear) -> Return:
    """The return's tables from what Misper holds. A plain read: the callers check who may
    make it (``ssda903_check`` and ``ssda903_export``) and audit it."""
    ret = Return(authority=authority, year=year)
    overlaps = Q(started_on__lte=year.end) & (
        Q(ended_on__isnull=True) | Q(ended_on__gte=year.start)
    )
    people = (
        Person.objects.filter(
            placements__in=Placement.objects.filter(overlaps, placing_authority=authority)
        )
        .distinct()
        .prefetch_related(
            Prefetch("placements", queryset=Placement.objects.order_by("started_on", "id")),
            Prefetch(
                "episodes",
                queryset=Episode.objects.select_related("found").order_by("last_seen_at", "id"),
            ),
        )
        .order_by("pk")
    )
    for person in people:
        all_episodes = _episodes_of(list(person.placements.all()), authority)
        in_year = [
            i
            for i, ep in enumerate(all_episodes)
            if ep.start <= year.end and (ep.ended_on is None or ep.ended_on >= year.start)
        ]
        if not in_year:
            continue
        cid = child_id(person)
        ret.children[cid] = person
        ret.header.append(_header_row(person, cid))
        for i in in_year:
            following = all_episodes[i + 1] if i + 1 < len(all_episodes) else None
            ret.episodes.append(_episode_row(person, cid, all_episodes[i], following, year))
        ret.missing.extend(_missing_rows(person, cid, all_episodes, year))
    ret.checks = _checks(ret)
    return ret


def _header_row(person: Person, cid: str) -> dict[str, str]:
    female = person.sex == Sex.FEMALE
    mother = "" if not female or person.is_mother is None else ("1" if person.is_mother else "0")
    return {
        "CHILD": cid,
        "SEX": SEX.get(person.sex, "U"),
        "DOB": _day(person.date_of_birth),
        "ETHNIC": person.ethnicity,
        "UPN": person.upn,
        "MOTHER": mother,
        "MC_DOB": _day(person.first_child_born_on) if female and person.is_mother else "",
    }


def _episode_row(
    person: Person,
    cid: str,
    ep: _Episode,
    following: _Episode | None,
    year: CollectionYear,
) -> dict[str, str]:
    ended = ep.ended_on if ep.ended_on is not None and ep.ended_on <= year.end else None
    rec = reason_change = ""
    if ended is not None:
        if following is not None and following.start == ended and following.rne != "S":
            rec = REC_CONTINUES
            if (
                following.rne in ("P", "B", "T", "U")
                and ep.values["PLACE"] not in TEMPORARY
                and following.values["PLACE"] not in TEMPORARY
            ):
                reason_change = following.first.change_reason
        elif _next_placement_is_another_authoritys(person, ep):
            rec = REC_OTHER_AUTHORITY
    return {
        "CHILD": cid,
        "DECOM": _day(ep.start),
        "RNE": ep.rne,
        "LS": ep.values["LS"],
        "CIN": ep.values["CIN"],
        "PLACE": ep.values["PLACE"],
        "PLACE_PROVIDER": ep.values["PLACE_PROVIDER"],
        "DEC": _day(ended),
        "REC": rec,
        "REASON_PLACE_CHANGE": reason_change,
        "HOME_POST": ep.values["HOME_POST"],
        "PL_POST": ep.values["PL_POST"],
        "URN": ep.values["URN"],
    }


def _next_placement_is_another_authoritys(person: Person, ep: _Episode) -> bool:
    after = [p for p in person.placements.all() if p.started_on == ep.ended_on and p is not ep.last]
    return any(p.placing_authority_id != ep.last.placing_authority_id for p in after)


def _missing_rows(
    person: Person, cid: str, episodes: Sequence[_Episode], year: CollectionYear
) -> Iterable[dict[str, str]]:
    for e in person.episodes.all():
        code = MISSING_CODE.get(e.category)
        if code is None:
            continue
        started = _local_day(e.last_seen_at)
        if started > year.end or not any(_within(started, ep) for ep in episodes):
            continue
        ended = _missing_end(e)
        if ended is not None and ended < year.start:
            continue
        yield {
            "CHILD": cid,
            "DOB": _day(person.date_of_birth),
            "MISSING": code,
            "MIS_START": _day(started),
            "MIS_END": _day(ended) if ended is not None and ended <= year.end else "",
        }


# Misper's own checks: empty values that the DfE's rules let pass (their code lists allow
# an empty value) but that the DfE's collection refuses, and what Misper cannot say.
OWN_CHECKS: tuple[tuple[str, str, str], ...] = (
    ("MSP-LS", "LS", "The legal status is not recorded with the placement."),
    ("MSP-CIN", "CIN", "The category of need is not recorded with the placement."),
    (
        "MSP-PLACE",
        "PLACE",
        "The DfE's placement type is not recorded with the placement (foster and other "
        "placements need it).",
    ),
)


def _checks(ret: Return) -> list[Finding]:
    out = []
    for code, column, message in OWN_CHECKS:
        rows = [i for i, r in enumerate(ret.episodes, start=1) if not r[column]]
        if rows:
            out.append(
                Finding(
                    code=code,
                    message=message,
                    table="Episodes",
                    rows=tuple(rows),
                    children=tuple(ret.episodes[i - 1]["CHILD"] for i in rows),
                    fields=(column,),
                    source="Misper",
                )
            )
    # A child no longer looked after whose last placement with the authority is still open:
    # Misper does not hold when or why care ended (the 903's DEC and REC).
    rows = []
    for i, r in enumerate(ret.episodes, start=1):
        person = ret.children[r["CHILD"]]
        if r["DEC"] or person.care_status == CareStatus.LOOKED_AFTER:
            continue
        current = [p for p in person.placements.all() if p.ended_on is None]
        if current and current[0].placing_authority_id == ret.authority.pk:
            rows.append(i)
    if rows:
        out.append(
            Finding(
                code="MSP-CEASED",
                message="The child's record says they are no longer looked after, but their "
                "placement has no end date: Misper does not hold when or why care ended.",
                table="Episodes",
                rows=tuple(rows),
                children=tuple(ret.episodes[i - 1]["CHILD"] for i in rows),
                fields=("DEC", "REC"),
                source="Misper",
            )
        )
    return out


# --- The DfE's rules ---------------------------------------------------------------------


def validator_python() -> Path:
    """The Python of the validator's virtual environment: ``MISPER_SSDA903_PYTHON``, or
    ``.venv-903`` in the project directory (``make venv-903``)."""
    named = os.environ.get("MISPER_SSDA903_PYTHON")
    if named:
        return Path(named)
    return Path(settings.PROJECT_DIR) / ".venv-903" / "bin" / "python"


def validator_available() -> bool:
    return validator_python().is_file()


def validator_report(
    files: Mapping[str, bytes] | Sequence[Path], year: CollectionYear | int, *, authority: str
) -> ValidatorReport:
    """Run the DfE's rules over the 903 tables (CSV files by name, or paths) for the
    collection year, for the authority with the ONS code ``authority``."""
    year = year if isinstance(year, CollectionYear) else CollectionYear(int(year))
    python = validator_python()
    if not python.is_file():
        raise ValidatorUnavailable(
            f"The DfE's validator is not installed ({python} not found): run `make venv-903`"
        )
    with tempfile.TemporaryDirectory(prefix="misper-903-") as tmp:
        if isinstance(files, Mapping):
            paths = []
            for name, content in files.items():
                path = Path(tmp) / Path(name).name
                path.write_bytes(content)
                paths.append(path)
        else:
            paths = [Path(p) for p in files]
        command = [
            str(python),
            str(RUNNER),
            "--year",
            str(year.ends),
            "--authority",
            authority,
            *[str(p) for p in paths],
        ]
        try:
            done = subprocess.run(  # noqa: S603 - our own script, our own arguments
                command,
                capture_output=True,
                timeout=TIMEOUT_SECONDS,
                check=False,
                cwd=tmp,
                env={"PATH": os.environ.get("PATH", ""), "HOME": tmp, "LANG": "C.UTF-8"},
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise ValidatorUnavailable(f"The DfE's validator did not run: {exc}") from exc
    try:
        answer = json.loads(done.stdout.decode("utf-8") or "{}")
    except ValueError:
        answer = {}
    if "error" in answer:
        raise ValidationFailed(str(answer["error"]), field="year")
    if done.returncode != 0 or "findings" not in answer:
        tail = done.stderr.decode("utf-8", "replace").strip().splitlines()[-1:]
        raise ValidatorUnavailable(
            f"The DfE's validator failed (exit status {done.returncode}): {' '.join(tail)}"
        )
    return ValidatorReport(
        findings=tuple(
            Finding(
                code=f["code"],
                message=f["message"],
                table=f["table"],
                rows=tuple(f["rows"]),
                children=tuple(f["children"]),
                fields=tuple(f["fields"]),
            )
            for f in answer["findings"]
        ),
        validator=answer.get("validator", VALIDATOR),
        ruleset=answer.get("ruleset", ""),
        skipped=tuple(answer.get("skipped", ())),
        failed=tuple(answer.get("failed", ())),
    )


def validate(
    files: Mapping[str, bytes] | Sequence[Path], year: CollectionYear | int, *, authority: str
) -> list[Finding]:
    """The DfE's rules' findings on the 903 tables (``validator_report``)."""
    return list(validator_report(files, year, authority=authority).findings)


# --- Who makes the return, and the return checked ----------------------------------------


@dataclass(frozen=True)
class Checked:
    """A return and what was found in it: Misper's checks, then the DfE's rules. It may be
    downloaded only when nothing was found (``accepted``)."""

    ret: Return
    report: ValidatorReport

    @property
    def findings(self) -> list[Finding]:
        return [*self.ret.checks, *self.report.findings]

    @property
    def accepted(self) -> bool:
        return not self.findings


def authority_for(actor: User, authority_id: int | None = None) -> Organisation:
    """The authority whose return ``actor`` makes: a team manager's own local authority
    (R-DAT-04: the responsible authority reports). Anyone else is refused; another
    authority, or one that does not exist, is "No such local authority"."""
    org = actor.organisation
    if (
        not actor.is_active
        or not actor.has_role(Role.TEAM_MANAGER)
        or org is None
        or org.kind != OrganisationKind.LOCAL_AUTHORITY
    ):
        raise PermissionDenied("Only a team manager of a local authority makes its DfE return")
    if authority_id is not None and authority_id != org.pk:
        raise NotFound(NO_AUTHORITY)
    return org


def _ons_code(authority: Organisation) -> str:
    if not authority.ons_code:
        raise ValidationFailed(
            f"{authority.name} has no ONS code in Misper, which the DfE's rules need: ask a "
            "system administrator to record it",
            field="authority",
        )
    return authority.ons_code


def check_return(authority: Organisation, year: CollectionYear) -> Checked:
    """Build the return and run the DfE's rules over it (no permission check, no audit:
    for ``ssda903_check``, ``ssda903_export`` and the command line)."""
    code = _ons_code(authority)
    ret = build_return(authority, year)
    return Checked(ret, validator_report(ret.files(), year, authority=code))


def ssda903_check(*, actor: User, year: CollectionYear, authority_id: int | None = None) -> Checked:
    """The return checked, for a team manager of the authority. The findings name children
    of the authority, so the check is audited as a read."""
    authority = authority_for(actor, authority_id)
    checked = check_return(authority, year)
    audit_record(
        user=actor,
        action=AuditAction.READ,
        subject_type=AUDIT_SUBJECT,
        subject_id=f"{authority.pk}:{year.ends}",
        purpose="check the SSDA903 return (R-DAT-04)",
    )
    return checked


def ssda903_export(
    *, actor: User, year: CollectionYear, purpose: str, authority_id: int | None = None
) -> Checked:
    """The return, checked, to download. Refused (nothing exported, nothing audited as an
    export) unless the DfE's rules and Misper's checks find nothing: the caller offers the
    zip only when ``accepted``. An export is audited with the purpose the user gave."""
    authority = authority_for(actor, authority_id)
    purpose = clean_free_text(purpose, "purpose", required=True, max_len=200)
    checked = check_return(authority, year)
    audit_record(
        user=actor,
        action=AuditAction.EXPORT if checked.accepted else AuditAction.READ,
        subject_type=AUDIT_SUBJECT,
        subject_id=f"{authority.pk}:{year.ends}",
        purpose=purpose if checked.accepted else "SSDA903 return refused by its checks",
    )
    return checked

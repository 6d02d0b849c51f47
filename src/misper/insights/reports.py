"""The analysts' reports (issue 14, part 1; policy-rules.md §20): how long children were
missing (R-DAT-11, C-10, C-01), how often (R-DAT-12, R-DEF-15), who goes missing and how
often they were also absent (R-DAT-09, R-DAT-15/16/19), and return interviews (R-DAT-14/15,
R-DAT-20). Each report is a list of tables of counts, with percentages by C-11; no child is
named, and nothing here writes except the audit row of an export (``report_export``).

Who sees which figures (``scope_for``):

- an **analyst** (a police role): the episodes their force owns (the force of the owning
  policing area, so a case transferred in counts where it is owned now), and the
  return-interview referrals of those episodes;
- a **safeguarding board member**: their partnership's area, taken as the police force(s)
  with a policing area in the partnership's local authority (``Organisation.local_authority``
  of the board). A partnership is the local authority, the police and health for one area;
  Misper records the authority only, and policing areas are where the force's cases are
  owned, so the board sees what the force(s) policing its authority own. A board with no
  authority recorded sees no figures (the page says so);
- a **team manager** of children's services: the episodes of the children their authority
  is responsible for (``Person.home_authority``: the placing authority of a looked-after
  child), wherever they went missing, and the referrals their authority is responsible for.

Restricted episodes (R-RES-01) are counted: a count names nobody, and R-RES-01 is about
opening the record. The small numbers these reports can show are not suppressed (the
figures stay with the force, the partnership or the authority that holds them; suppression
is for the hot-spot maps of issue 14's later part). An episode belongs to the period in which
the child was last seen (UK date); a referral to the period in which the child was found.

Percentages follow C-11: on the stated base, one decimal place, half up, always shown with
their counts (``percent``).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, QuerySet
from django.utils import timezone

from misper.agencies.models import Organisation, OrganisationKind, User
from misper.agencies.roles import Role
from misper.core.audit import audit_record
from misper.core.errors import NotFound, PermissionDenied, ValidationFailed
from misper.core.models import AuditAction
from misper.core.validation import clean_free_text
from misper.episodes.codes import Category, MissingFrom
from misper.episodes.models import Episode
from misper.people.codes import Ethnicity, Sex
from misper.people.models import Person
from misper.policy.calendar import local_midnight, months_window_start
from misper.returns.coverage import Row as CoverageRow
from misper.returns.models import Rag, Referral

AUDIT_SUBJECT = "insights_report"
MAX_PERIOD_DAYS = 3 * 366
NOT_FOUND = "No such report"

# Kinds of column: how a value is shown and written to a download.
TEXT, COUNT, PERCENT, NUMBER = "text", "count", "percent", "number"

ONE_PLACE = Decimal("0.1")


# --- C-11 ------------------------------------------------------------------------------------


def percent(part: int, whole: int) -> Decimal | None:
    """C-11: ``part`` of ``whole`` as a percentage to one decimal place, rounded half up
    (12.25 → 12.3, never to even); None when there is nothing to divide by."""
    if whole == 0:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(ONE_PLACE, ROUND_HALF_UP)


def average(total: int, count: int) -> Decimal | None:
    """A mean to one decimal place, rounded half up as C-11 rounds; None for no items."""
    if count == 0:
        return None
    return (Decimal(total) / Decimal(count)).quantize(ONE_PLACE, ROUND_HALF_UP)


def shown(value: object, kind: str) -> str:
    """A value as the pages show it: "12.5%", "3", "2.5"; a dash for nothing to divide."""
    if value is None:
        return "–"
    if kind == PERCENT:
        return f"{value}%"
    return str(value)


# --- The shape of a report ---------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    kind: str = COUNT


@dataclass(frozen=True)
class Series:
    """One set of bars of a chart: the column it draws, and the count shown beside a
    percentage (so that the chart, like the table, never shows a percentage alone)."""

    key: str
    label: str = ""
    colour: str = "#1d70b8"
    count_key: str | None = None


@dataclass(frozen=True)
class Chart:
    title: str
    series: tuple[Series, ...]


@dataclass
class Table:
    """One table of a report. ``rows`` are dicts keyed by the columns' keys (``label`` is
    the row's name); ``total`` is shown last, and is not drawn in the chart."""

    key: str
    caption: str
    columns: tuple[Column, ...]
    rows: list[dict[str, object]]
    total: dict[str, object] | None = None
    chart: Chart | None = None
    note: str = ""

    @property
    def all_rows(self) -> list[dict[str, object]]:
        return [*self.rows, *([self.total] if self.total is not None else [])]

    def display(self) -> list[list[str]]:
        """Every row as the page shows it, the label first."""
        return [[shown(row.get(c.key), c.kind) for c in self.columns] for row in self.all_rows]

    def value(self, label: str, key: str) -> object:
        """The value of column ``key`` in the row named ``label`` (tests and the API)."""
        for row in self.all_rows:
            if row["label"] == label:
                return row.get(key)
        raise KeyError(label)


@dataclass(frozen=True)
class Filters:
    start: date
    end: date
    area: Organisation | None = None


@dataclass(frozen=True)
class Scope:
    """What one user's figures are drawn from."""

    label: str  # whose figures: the force, the partnership's force(s), the authority
    episodes: QuerySet[Episode]
    referrals: QuerySet[Referral]
    areas: tuple[Organisation, ...]  # the areas the user may choose
    empty_reason: str = ""  # why there are no figures at all, when there are none


@dataclass(frozen=True)
class Spec:
    slug: str
    title: str
    summary: str
    rules: tuple[str, ...]
    counted: str  # what is counted, for the page
    period_by: str  # "last seen" or "found"
    build: Callable[[Scope, Filters], list[Table]]


@dataclass
class Report:
    spec: Spec
    scope: Scope
    filters: Filters
    tables: list[Table] = field(default_factory=list)

    @property
    def slug(self) -> str:
        return self.spec.slug

    @property
    def title(self) -> str:
        return self.spec.title

    @property
    def area_label(self) -> str:
        return self.filters.area.name if self.filters.area else "All areas"

    def table(self, key: str) -> Table:
        return next(t for t in self.tables if t.key == key)


# --- Who sees what -----------------------------------------------------------------------------

REPORT_ROLES = (Role.ANALYST, Role.SAFEGUARDING_BOARD, Role.TEAM_MANAGER)


def may_see_reports(user: User) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and user.has_role(*REPORT_ROLES)


def _police_scope(label: str, forces: Sequence[int], empty_reason: str = "") -> Scope:
    return Scope(
        label=label,
        episodes=Episode.objects.filter(owning_area__parent_id__in=forces),
        referrals=Referral.objects.filter(episode__owning_area__parent_id__in=forces),
        areas=tuple(
            Organisation.objects.filter(
                kind=OrganisationKind.POLICING_AREA, parent_id__in=forces
            ).order_by("name", "pk")
        ),
        empty_reason=empty_reason,
    )


def scope_for(user: User) -> Scope:
    """The figures ``user`` may see (module docstring); PermissionDenied for a role without
    the reports."""
    if not may_see_reports(user):
        raise PermissionDenied("Your role does not give you the reports")
    org = user.organisation
    if user.has_role(Role.ANALYST):
        force = org.force if org is not None else None
        if force is None:
            return _police_scope("", [], "Your organisation is not a police force")
        return _police_scope(force.name, [force.pk])
    if user.has_role(Role.SAFEGUARDING_BOARD):
        authority_id = org.local_authority_id if org is not None else None
        forces = list(
            Organisation.objects.filter(
                kind=OrganisationKind.POLICE_FORCE,
                children__kind=OrganisationKind.POLICING_AREA,
                children__local_authority_id=authority_id,
            )
            .distinct()
            .order_by("name")
        )
        if authority_id is None or not forces:
            return _police_scope(
                "",
                [],
                "Misper does not know which local authority your partnership covers, or no "
                "policing area is recorded in it: ask your administrator",
            )
        return _police_scope(" and ".join(f.name for f in forces), [f.pk for f in forces])
    # A team manager: their authority's children.
    if org is None or org.kind != OrganisationKind.LOCAL_AUTHORITY:
        return _police_scope("", [], "Your organisation is not a local authority")
    return Scope(
        label=org.name,
        episodes=Episode.objects.filter(person__home_authority_id=org.pk),
        referrals=Referral.objects.filter(responsible_authority_id=org.pk),
        areas=tuple(
            Organisation.objects.filter(
                kind=OrganisationKind.POLICING_AREA, owned_episodes__person__home_authority=org
            )
            .distinct()
            .order_by("name", "pk")
        ),
    )


def default_period(today: date) -> tuple[date, date]:
    """The last twelve calendar months to ``today`` (C-04's "one year")."""
    return months_window_start(today, 12), today


def filters_for(
    scope: Scope,
    *,
    start: date | None,
    end: date | None,
    area_id: int | None,
    today: date | None = None,
) -> Filters:
    """The period (default: the last twelve months) and the area (default: all), checked:
    an error names the field as the page and the API send it (``from``, ``to``, ``area``)."""
    default_start, default_end = default_period(today or timezone.localdate())
    end = end or default_end
    start = start or (default_start if end == default_end else months_window_start(end, 12))
    if end < start:
        raise ValidationFailed("The end of the period must be on or after its start", field="to")
    if (end - start).days > MAX_PERIOD_DAYS:
        raise ValidationFailed("Choose a period of three years or less", field="from")
    area = None
    if area_id is not None:
        area = next((a for a in scope.areas if a.pk == area_id), None)
        if area is None:
            raise ValidationFailed("Choose an area from the list", field="area")
    return Filters(start, end, area)


def _episodes(scope: Scope, f: Filters) -> QuerySet[Episode]:
    """The episodes whose child was last seen in the period (UK dates), in the area."""
    qs = scope.episodes.filter(
        last_seen_at__gte=local_midnight(f.start),
        last_seen_at__lt=local_midnight(f.end + timedelta(days=1)),
    )
    return qs.filter(owning_area=f.area) if f.area is not None else qs


def _referrals(scope: Scope, f: Filters) -> QuerySet[Referral]:
    """The referrals whose child was found in the period (UK dates), in the area."""
    qs = scope.referrals.filter(
        found_at__gte=local_midnight(f.start),
        found_at__lt=local_midnight(f.end + timedelta(days=1)),
    )
    return qs.filter(episode__owning_area=f.area) if f.area is not None else qs


# --- Time missing (R-DAT-11, C-10, C-01) --------------------------------------------------------

HOUR = timedelta(hours=1)
# C-10: half-open bands in elapsed hours; no found time is "missing data".
DURATION_BANDS: tuple[tuple[str, timedelta | None], ...] = (
    ("0 to 8 hours", 8 * HOUR),
    ("8 to 16 hours", 16 * HOUR),
    ("16 to 24 hours", 24 * HOUR),
    ("24 to 48 hours", 48 * HOUR),
    ("2 to 7 days", 168 * HOUR),
    ("7 days or more", None),
)
MISSING_DATA = "Missing data (no found time)"


def duration_band(last_seen_at: datetime, found_at: datetime | None) -> str:
    """C-10's band of the time missing: found minus last seen, in elapsed time (C-01: both
    instants are UTC, so a clock change adds or takes no hour). No found time, or one
    before the child was last seen, is missing data."""
    if found_at is None or found_at < last_seen_at:
        return MISSING_DATA
    elapsed = found_at - last_seen_at
    for label, upper in DURATION_BANDS:
        if upper is None or elapsed < upper:
            return label
    raise AssertionError("unreachable: the last band has no upper edge")


def _share_table(
    key: str,
    caption: str,
    first: str,
    counts: Counter[str],
    order: Iterable[str],
    *,
    unit: str,
    total_label: str,
    note: str = "",
) -> Table:
    """Rows in ``order`` with a count and its share of the whole, a total and a chart."""
    whole = sum(counts.values())
    rows: list[dict[str, object]] = [
        {"label": label, "count": counts[label], "share": percent(counts[label], whole)}
        for label in order
    ]
    return Table(
        key=key,
        caption=caption,
        columns=(
            Column("label", first, TEXT),
            Column("count", unit),
            Column("share", f"Percentage of {unit.lower()}", PERCENT),
        ),
        rows=rows,
        total={"label": total_label, "count": whole, "share": percent(whole, whole)},
        chart=Chart(caption, (Series("count", unit),)),
        note=note,
    )


def durations(scope: Scope, f: Filters) -> list[Table]:
    pairs = (
        _episodes(scope, f)
        .filter(category=Category.MISSING)
        .values_list("last_seen_at", "found__found_at")
    )
    bands: Counter[str] = Counter(duration_band(seen, found) for seen, found in pairs)
    order = [label for label, _ in DURATION_BANDS] + [MISSING_DATA]
    by_band = _share_table(
        "bands",
        "Missing episodes by time missing",
        "Time missing",
        bands,
        order,
        unit="Missing episodes",
        total_label="All missing episodes",
        note="Time missing is from when the child was last seen to when they were found, in "
        "elapsed hours: a night when the clocks change is 23 or 25 hours long (C-01). Each "
        "band includes its lower edge: exactly 8 hours is in 8 to 16 hours (C-10). Missing "
        "data: still missing, or closed without a found report.",
    )
    whole = sum(bands.values())
    labels = [label for label, _ in DURATION_BANDS]
    within_16 = bands[labels[0]] + bands[labels[1]]
    over_24 = sum(bands[x] for x in labels[3:])
    over_48 = sum(bands[x] for x in labels[4:])
    thresholds = Table(
        key="thresholds",
        caption="Missing episodes longer or shorter than",
        columns=(
            Column("label", "Time missing", TEXT),
            Column("count", "Missing episodes"),
            Column("share", "Percentage of missing episodes", PERCENT),
        ),
        rows=[
            {"label": label, "count": n, "share": percent(n, whole)}
            for label, n in (
                ("Found within 16 hours", within_16),
                ("Missing 24 hours or more", over_24),
                ("Missing 2 days or more", over_48),
            )
        ],
        note="The same episodes, added up from the bands above (the base includes missing data).",
    )
    return [by_band, thresholds]


# --- Repeat missing (R-DAT-12, R-DEF-15) --------------------------------------------------------

# R-DAT-12's buckets of missing episodes per child in the period.
REPEAT_BUCKETS: tuple[tuple[str, int, int | None], ...] = (
    ("1 or 2 times", 1, 2),
    ("3 to 5 times", 3, 5),
    ("6 to 8 times", 6, 8),
    ("9 to 19 times", 9, 19),
    ("20 times or more", 20, None),
)
# R-DEF-15: "someone who has more than 3 missing episodes" (no window stated: the period).
PERSISTENT_MORE_THAN = 3


def repeat_bucket(episodes: int) -> str:
    """R-DAT-12's bucket for a child missing ``episodes`` times (at least once)."""
    if episodes < 1:
        raise ValueError("a child in the report went missing at least once")
    for label, low, high in REPEAT_BUCKETS:
        if episodes >= low and (high is None or episodes <= high):
            return label
    raise AssertionError("unreachable: the last bucket has no upper edge")


def is_persistent(episodes: int) -> bool:
    """R-DEF-15 (Appendix B.17: a child missing 3 times is in "3 to 5" but not persistent)."""
    return episodes > PERSISTENT_MORE_THAN


def _missing_per_child(scope: Scope, f: Filters) -> dict[int, int]:
    return dict(
        _episodes(scope, f)
        .filter(category=Category.MISSING)
        .values("person_id")
        .annotate(n=Count("id"))
        .values_list("person_id", "n")
    )


def _absences_per_child(scope: Scope, f: Filters) -> dict[int, int]:
    # Absences as the triage counts them (policy/rhi.py): absent and unauthorised absence.
    return dict(
        _episodes(scope, f)
        .filter(category__in=(Category.ABSENT, Category.UNAUTHORISED_ABSENCE))
        .values("person_id")
        .annotate(n=Count("id"))
        .values_list("person_id", "n")
    )


def repeat(scope: Scope, f: Filters) -> list[Table]:
    per_child = _missing_per_child(scope, f)
    children: Counter[str] = Counter()
    episodes: Counter[str] = Counter()
    for n in per_child.values():
        bucket = repeat_bucket(n)
        children[bucket] += 1
        episodes[bucket] += n
    whole = len(per_child)
    order = [label for label, _, _ in REPEAT_BUCKETS]
    buckets = Table(
        key="buckets",
        caption="Children by how many times they went missing",
        columns=(
            Column("label", "Missing in the period", TEXT),
            Column("children", "Children"),
            Column("share", "Percentage of children", PERCENT),
            Column("episodes", "Their missing episodes"),
        ),
        rows=[
            {
                "label": label,
                "children": children[label],
                "share": percent(children[label], whole),
                "episodes": episodes[label],
            }
            for label in order
        ],
        total={
            "label": "All children missing",
            "children": whole,
            "share": percent(whole, whole),
            "episodes": sum(per_child.values()),
        },
        chart=Chart(
            "Children by how many times they went missing",
            (Series("children", "Children"),),
        ),
        note="Each child's missing episodes in the period and the area (absences are not "
        "counted: C-05).",
    )
    persistent = sum(1 for n in per_child.values() if is_persistent(n))
    persistent_table = Table(
        key="persistent",
        caption="Persistent missing",
        columns=(
            Column("label", "Children", TEXT),
            Column("children", "Children"),
            Column("share", "Percentage of children", PERCENT),
        ),
        rows=[
            {
                "label": "Persistent: missing more than 3 times",
                "children": persistent,
                "share": percent(persistent, whole),
            },
            {
                "label": "Missing 1 to 3 times",
                "children": whole - persistent,
                "share": percent(whole - persistent, whole),
            },
        ],
        total={"label": "All children missing", "children": whole, "share": percent(whole, whole)},
        chart=Chart("Persistent missing", (Series("children", "Children"),)),
        note='R-DEF-15: "someone who has more than 3 missing episodes", counted in the '
        "period. A child missing 3 times is in the 3 to 5 bucket but is not persistent.",
    )
    return [buckets, persistent_table]


# --- Who goes missing, and absent as well (R-DAT-09, R-DAT-15/16/19) ---------------------------

AGE_BANDS: tuple[tuple[str, int, int | None], ...] = (
    ("Under 10", 0, 9),
    ("10 to 11", 10, 11),
    ("12 to 14", 12, 14),
    ("15 to 17", 15, 17),
    ("18 or over", 18, None),
)
NOT_KNOWN = "Not known"

# The DfE's broad ethnic groups of its census codes. Seed 004's five groups ("White
# European", "Asian", "Africa/Caribbean", "Other", "Missing data") have no stated mapping
# from the codes (R-DAT-16: SILENT), so the DfE's own grouping is used.
ETHNIC_GROUPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("White", ("WBRI", "WIRI", "WOTH", "WIRT", "WROM")),
    ("Mixed", ("MWBC", "MWBA", "MWAS", "MOTH")),
    ("Asian or Asian British", ("AIND", "APKN", "ABAN", "AOTH")),
    ("Black or Black British", ("BCRB", "BAFR", "BOTH")),
    ("Chinese or any other ethnic group", ("CHNE", "OOTH")),
    ("Refused", ("REFU",)),
    ("Not yet obtained", ("NOBT",)),
)
_ETHNIC_GROUP = {code: label for label, codes in ETHNIC_GROUPS for code in codes}
assert set(_ETHNIC_GROUP) == set(Ethnicity.values), "every ethnicity code has a group"


def age_band(age: int | None) -> str:
    if age is None:
        return NOT_KNOWN
    for label, low, high in AGE_BANDS:
        if age >= low and (high is None or age <= high):
            return label
    return NOT_KNOWN


def _age(person: Person, seen: datetime) -> int | None:
    """C-12: completed years on the UK date the child was last seen."""
    try:
        return person.age_on(timezone.localdate(seen))
    except ValueError:
        return None


def _profile_table(
    key: str,
    caption: str,
    first: str,
    children: Counter[str],
    episodes: Counter[str],
    order: Sequence[str],
    note: str,
) -> Table:
    kids, eps = sum(children.values()), sum(episodes.values())
    return Table(
        key=key,
        caption=caption,
        columns=(
            Column("label", first, TEXT),
            Column("children", "Children"),
            Column("children_share", "Percentage of children", PERCENT),
            Column("episodes", "Missing episodes"),
            Column("episodes_share", "Percentage of missing episodes", PERCENT),
        ),
        rows=[
            {
                "label": label,
                "children": children[label],
                "children_share": percent(children[label], kids),
                "episodes": episodes[label],
                "episodes_share": percent(episodes[label], eps),
            }
            for label in order
        ],
        total={
            "label": "All",
            "children": kids,
            "children_share": percent(kids, kids),
            "episodes": eps,
            "episodes_share": percent(eps, eps),
        },
        chart=Chart(caption, (Series("children", "Children"),)),
        note=note,
    )


def children(scope: Scope, f: Filters) -> list[Table]:
    rows = list(
        _episodes(scope, f)
        .filter(category=Category.MISSING)
        .order_by("last_seen_at", "id")
        .values_list("person_id", "last_seen_at", "missing_from")
    )
    people = {
        p.pk: p
        for p in Person.objects.filter(pk__in={r[0] for r in rows}).only(
            "sex", "ethnicity", "date_of_birth", "estimated_age", "estimated_age_on"
        )
    }
    latest: dict[int, tuple[datetime, str]] = {}
    from_ep: Counter[str] = Counter()
    age_ep: Counter[str] = Counter()
    per_child: Counter[int] = Counter()
    for person_id, seen, missing_from in rows:
        latest[person_id] = (seen, missing_from)  # ordered: the last one stays
        from_ep[str(MissingFrom(missing_from).label)] += 1
        age_ep[age_band(_age(people[person_id], seen))] += 1
        per_child[person_id] += 1
    from_ch: Counter[str] = Counter()
    age_ch: Counter[str] = Counter()
    sex_ch: Counter[str] = Counter()
    sex_ep: Counter[str] = Counter()
    eth_ch: Counter[str] = Counter()
    eth_ep: Counter[str] = Counter()
    for person_id, (seen, missing_from) in latest.items():
        person = people[person_id]
        n = per_child[person_id]
        from_ch[str(MissingFrom(missing_from).label)] += 1
        age_ch[age_band(_age(person, seen))] += 1
        sex = str(Sex(person.sex).label) if person.sex in Sex.values else NOT_KNOWN
        sex_ch[sex] += 1
        sex_ep[sex] += n
        group = _ETHNIC_GROUP.get(person.ethnicity, "Not yet obtained")
        eth_ch[group] += 1
        eth_ep[group] += n
    sexes = list(dict.fromkeys(str(label) for label in Sex.labels))
    tables = [
        _profile_table(
            "missing_from",
            "Where they went missing from",
            "Missing from",
            from_ch,
            from_ep,
            [str(label) for label in MissingFrom.labels],
            "Children by where they went missing from the last time in the period; episodes "
            "by where each began.",
        ),
        _profile_table(
            "sex",
            "Sex",
            "Sex",
            sex_ch,
            sex_ep,
            sexes,
            "As recorded on the child's record.",
        ),
        _profile_table(
            "age",
            "Age",
            "Age",
            age_ch,
            age_ep,
            [label for label, _, _ in AGE_BANDS] + [NOT_KNOWN],
            "Completed years on the day the child was last seen (C-12): children at their "
            "last episode in the period, episodes at each.",
        ),
        _profile_table(
            "ethnicity",
            "Ethnicity",
            "Ethnic group",
            eth_ch,
            eth_ep,
            [label for label, _ in ETHNIC_GROUPS],
            "The DfE's broad groups of the census codes recorded on the child's record.",
        ),
    ]
    tables.append(_absent_and_missing(per_child, _absences_per_child(scope, f)))
    return tables


def _absent_and_missing(missing: Mapping[int, int], absences: Mapping[int, int]) -> Table:
    """R-DAT-09: how often the children who went missing were also recorded absent, by
    how many times they went missing."""
    kids: Counter[str] = Counter()
    absent_total: Counter[str] = Counter()
    also_absent: Counter[str] = Counter()
    for person_id, n in missing.items():
        bucket = repeat_bucket(n)
        a = absences.get(person_id, 0)
        kids[bucket] += 1
        absent_total[bucket] += a
        also_absent[bucket] += 1 if a else 0

    def row(label: str, k: int, total: int, also: int) -> dict[str, object]:
        return {
            "label": label,
            "children": k,
            "absences": total,
            "average": average(total, k),
            "also_absent": also,
            "also_absent_share": percent(also, k),
        }

    only_absent = sum(1 for p in absences if p not in missing)
    return Table(
        key="absent_and_missing",
        caption="Absences of the children who went missing",
        columns=(
            Column("label", "Missing in the period", TEXT),
            Column("children", "Children"),
            Column("absences", "Their absences"),
            Column("average", "Average absences per child", NUMBER),
            Column("also_absent", "Children also absent"),
            Column("also_absent_share", "Percentage also absent", PERCENT),
        ),
        rows=[
            row(label, kids[label], absent_total[label], also_absent[label])
            for label, _, _ in REPEAT_BUCKETS
        ],
        total=row(
            "All children missing",
            sum(kids.values()),
            sum(absent_total.values()),
            sum(also_absent.values()),
        ),
        chart=Chart(
            "Average absences per child, by how many times missing",
            (Series("average", "Average absences"),),
        ),
        note="R-DAT-09: missing and absent correlated per child. Absences are the child's "
        "episodes categorised absent or unauthorised absence in the same period and area; "
        f"averages to one decimal place. Children absent but not missing: {only_absent}.",
    )


# --- Return interviews (R-DAT-14/15/20, R-RHI-01) -----------------------------------------------

CARE_LABELS = {True: "Looked after (in care)", False: "Living at home"}
RAG_COLOURS = {Rag.RED: "#d4351c", Rag.AMBER: "#f47738", Rag.GREEN: "#00703c"}


def _coverage_table(
    key: str, caption: str, first: str, groups: dict[str, CoverageRow], total: CoverageRow
) -> Table:
    def row(label: str, r: CoverageRow) -> dict[str, object]:
        return {
            "label": label,
            "referrals": r.referrals,
            "offered": r.offered,
            "completed": r.completed,
            "coverage": percent(r.completed, r.referrals),
            "in_72h": r.completed_in_72h,
            "timeliness": percent(r.completed_in_72h, r.completed),
            "declined": r.declined,
            "open": r.open,
        }

    return Table(
        key=key,
        caption=caption,
        columns=(
            Column("label", first, TEXT),
            Column("referrals", "Referrals"),
            Column("offered", "Interviews offered"),
            Column("completed", "Interviews completed"),
            Column("coverage", "Completed, of referrals", PERCENT),
            Column("in_72h", "Completed within 72 hours"),
            Column("timeliness", "Within 72 hours, of completed", PERCENT),
            Column("declined", "Declined"),
            Column("open", "Still open"),
        ),
        rows=[row(label, groups[label]) for label in sorted(groups)],
        total=row("All referrals", total),
        chart=Chart(
            f"Interviews completed, of referrals, by {first.lower()}",
            (Series("coverage", "Completed, of referrals", count_key="completed"),),
        ),
        note="Coverage: interviews completed of referrals. Timeliness: completed within 72 "
        "hours of the child being found (R-RHI-01, C-08), of those completed.",
    )


def _rag_table(key: str, caption: str, first: str, groups: dict[str, Counter[str]]) -> Table:
    triaged_all = sum(sum(c[r] for r in Rag.values) for c in groups.values())

    def row(label: str, c: Counter[str]) -> dict[str, object]:
        triaged = sum(c[r] for r in Rag.values)
        out: dict[str, object] = {"label": label}
        for r in Rag.values:
            out[r] = c[r]
            out[f"{r}_share"] = percent(c[r], triaged)
        out.update(
            triaged=triaged, share=percent(triaged, triaged_all), not_triaged=c["not_triaged"]
        )
        return out

    total: Counter[str] = Counter()
    for c in groups.values():
        total.update(c)
    columns: list[Column] = [Column("label", first, TEXT)]
    for r in Rag:
        columns += [
            Column(r.value, str(r.label)),
            Column(f"{r.value}_share", f"{r.label} (%)", PERCENT),
        ]
    columns += [
        Column("triaged", "Triaged"),
        Column("share", "Percentage of all triaged", PERCENT),
        Column("not_triaged", "Not yet triaged"),
    ]
    return Table(
        key=key,
        caption=caption,
        columns=tuple(columns),
        rows=[row(label, groups[label]) for label in groups],
        total=row("All referrals", total),
        chart=Chart(
            caption,
            tuple(
                Series(f"{r.value}_share", str(r.label), RAG_COLOURS[r], count_key=r.value)
                for r in Rag
            ),
        ),
        note="Red, amber and green are percentages of the referrals triaged in the row "
        "(R-RHI-10); the percentage of all triaged is the row's share of every triaged "
        "referral. A referral not yet triaged is counted apart.",
    )


def return_interviews(scope: Scope, f: Filters) -> list[Table]:
    by_authority: dict[str, CoverageRow] = {}
    by_provider: dict[str, CoverageRow] = {}
    care: dict[str, Counter[str]] = {label: Counter() for label in CARE_LABELS.values()}
    sexes = list(dict.fromkeys(str(label) for label in Sex.labels))
    by_sex: dict[str, Counter[str]] = {label: Counter() for label in sexes}
    total = CoverageRow("All referrals")
    for r in (
        _referrals(scope, f)
        .select_related("interviewer", "responsible_authority", "person", "interview")
        .order_by("id")
    ):
        authority, provider = r.responsible_authority.name, r.interviewer.name
        by_authority.setdefault(authority, CoverageRow(authority)).add(r)
        by_provider.setdefault(provider, CoverageRow(provider)).add(r)
        total.add(r)
        rag = r.rag if r.rag in Rag.values else "not_triaged"
        care[CARE_LABELS[r.in_care]][rag] += 1
        sex = str(Sex(r.person.sex).label) if r.person.sex in Sex.values else NOT_KNOWN
        by_sex[sex][rag] += 1
    return [
        _coverage_table(
            "authority",
            "Coverage and timeliness by responsible authority",
            "Authority",
            by_authority,
            total,
        ),
        _coverage_table(
            "provider",
            "Coverage and timeliness by organisation holding the interviews",
            "Organisation",
            by_provider,
            total,
        ),
        _rag_table("rag_care", "Red, amber and green by home or care", "Home or care", care),
        _rag_table("rag_sex", "Red, amber and green by sex", "Sex", by_sex),
    ]


# --- The catalogue -----------------------------------------------------------------------------

SPECS: dict[str, Spec] = {
    s.slug: s
    for s in (
        Spec(
            "durations",
            "Time missing",
            "How long missing children were missing, in the bands of the Birmingham analysis.",
            ("R-DAT-11", "C-10", "C-01"),
            "Missing episodes whose child was last seen in the period.",
            "last seen",
            durations,
        ),
        Spec(
            "repeat",
            "Repeat and persistent missing",
            "How many times each child went missing, and how many are persistently missing.",
            ("R-DAT-12", "R-DEF-15"),
            "Children with a missing episode in the period, by how many they had.",
            "last seen",
            repeat,
        ),
        Spec(
            "children",
            "Who goes missing",
            "Home or care, sex, age and ethnicity of the children who went missing, and how "
            "often they were also absent.",
            ("R-DAT-09", "R-DAT-15", "R-DAT-16", "R-DAT-19"),
            "Children with a missing episode in the period, and those episodes.",
            "last seen",
            children,
        ),
        Spec(
            "return-interviews",
            "Return interviews",
            "Coverage and timeliness by authority and provider; red, amber and green triage "
            "by home or care and by sex.",
            ("R-DAT-14", "R-DAT-15", "R-DAT-20", "R-RHI-01"),
            "Return-interview referrals whose child was found in the period.",
            "found",
            return_interviews,
        ),
    )
}


def spec_for(slug: str) -> Spec:
    spec = SPECS.get(slug)
    if spec is None:
        raise NotFound(NOT_FOUND)
    return spec


def report_for(
    user: User,
    slug: str,
    *,
    start: date | None = None,
    end: date | None = None,
    area_id: int | None = None,
) -> Report:
    """The report ``slug`` for ``user``'s figures, for the period and area. Counts only: not
    audited (an export is: ``report_export``)."""
    scope = scope_for(user)
    spec = spec_for(slug)
    filters = filters_for(scope, start=start, end=end, area_id=area_id)
    tables = spec.build(scope, filters) if not scope.empty_reason else []
    return Report(spec, scope, filters, tables)


def report_export(
    *,
    actor: User,
    slug: str,
    purpose: str,
    start: date | None = None,
    end: date | None = None,
    area_id: int | None = None,
) -> Report:
    """The report, to download: the export is in the audit log with the purpose the user
    gave (required), the report, the period and the area."""
    purpose = clean_free_text(purpose, "purpose", required=True, max_len=200)
    report = report_for(actor, slug, start=start, end=end, area_id=area_id)
    f = report.filters
    audit_record(
        user=actor,
        action=AuditAction.EXPORT,
        subject_type=AUDIT_SUBJECT,
        subject_id=f"{slug}:{f.start.isoformat()}:{f.end.isoformat()}:"
        f"{f.area.pk if f.area else 'all'}",
        purpose=purpose,
    )
    return report

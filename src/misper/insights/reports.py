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
  child), wherever they went missing, and the referrals their authority holds, is
  responsible for or placed the child of.

Restricted episodes (R-RES-01) are counted: a count names nobody, and R-RES-01 is about
opening the record. Their return-interview referrals are not: which referrals count is
``returns/coverage.py``'s (a restricted case is referred to nobody), so this report and the
"Return interview figures" page give the same numbers. The small numbers these reports
can show are not suppressed (the figures stay with the force, the partnership or the
authority that holds them), except in the hot spots, which name places: there counts
under 5 are "fewer than 5" for everyone but the force's own analyst, and in every
download (``suppressed``). Distances (R-DAT-13) come from the postcodes' grid references
in the ONS directory (``agencies.geography``); grading (R-DAT-19, R-HMI-02) counts
category decisions and risk gradings by rank, and first gradings later raised. An episode
belongs to the period in which the child was last seen (UK date); a referral to the
period in which the child was found.

Percentages follow C-11: on the stated base, one decimal place, half up, always shown with
their counts (``percent``).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Count, QuerySet
from django.utils import timezone

from misper.agencies.geography import grid_reference
from misper.agencies.models import Organisation, OrganisationKind, User
from misper.agencies.roles import Role
from misper.core.audit import audit_record
from misper.core.errors import NotFound, PermissionDenied, ValidationFailed
from misper.core.figures import average, percent
from misper.core.models import AuditAction
from misper.core.validation import clean_free_text
from misper.episodes.codes import Category, MissingFrom, Risk
from misper.episodes.models import CategoryDecision, Episode, RiskGrading
from misper.insights.models import EpisodeFact, ReferralFact
from misper.people.codes import Ethnicity, Sex
from misper.people.models import person_age_on
from misper.policy.calendar import local_midnight, months_window_start
from misper.returns.coverage import (
    Counted,
    force_referrals,
    organisation_condition,
    organisation_referrals,
    partnership_forces,
)
from misper.returns.coverage import Row as CoverageRow
from misper.returns.models import Outcome, Rag, Referral, State

AUDIT_SUBJECT = "insights_report"
MAX_PERIOD_DAYS = 3 * 366
NOT_FOUND = "No such report"

# Kinds of column: how a value is shown and written to a download.
TEXT, COUNT, PERCENT, NUMBER = "text", "count", "percent", "number"

# --- C-11 (core/figures.py: the one place the rounding lives) --------------------------------


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
    # Counts from 1 to ``suppress_below - 1`` are shown as "fewer than N" where the report
    # is suppressed (``suppress``); 0 leaves the table's counts as they are.
    suppress_below: int = 0

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
    # The same episodes' and referrals' rows of the summary tables (facts.py), which the
    # reports count.
    facts: QuerySet[EpisodeFact] = field(default_factory=EpisodeFact.objects.none)
    referral_facts: QuerySet[ReferralFact] = field(default_factory=ReferralFact.objects.none)


@dataclass(frozen=True)
class Spec:
    slug: str
    title: str
    summary: str
    rules: tuple[str, ...]
    counted: str  # what is counted, for the page
    period_by: str  # "last seen" or "found"
    build: Callable[[Scope, Filters], list[Table]]
    # The period shown before the user chooses one (today -> first and last day).
    default: Callable[[date], tuple[date, date]] = field(
        default=lambda today: default_period(today)
    )


@dataclass
class Report:
    spec: Spec
    scope: Scope
    filters: Filters
    tables: list[Table] = field(default_factory=list)
    suppressed: bool = False  # small counts of the tables that say so are hidden

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
    areas = tuple(
        Organisation.objects.filter(
            kind=OrganisationKind.POLICING_AREA, parent_id__in=forces
        ).order_by("name", "pk")
    )
    # By the areas' ids, not a join to their force: PostgreSQL then estimates a force's
    # share of the episodes from the column's statistics (the join made it guess a few
    # thousand of 1.5 million and scan them all; docs/benchmarks.md "At national scale").
    area_ids = [a.pk for a in areas]
    return Scope(
        label=label,
        episodes=Episode.objects.filter(owning_area_id__in=area_ids),
        referrals=force_referrals(forces),  # returns/coverage.py: counted the same way
        areas=areas,
        empty_reason=empty_reason,
        facts=EpisodeFact.objects.filter(owning_area_id__in=area_ids),
        # force_referrals' referrals: of the episodes the areas own, none restricted.
        referral_facts=ReferralFact.objects.filter(owning_area_id__in=area_ids, restricted=False),
    )


def scope_for(user: User) -> Scope:
    """The figures ``user`` may see (module docstring); PermissionDenied for a role without
    the reports."""
    if not may_see_reports(user):
        raise PermissionDenied("Your role does not give you the reports")
    from misper.insights.facts import refresh_all  # facts.py imports this module

    refresh_all()  # the summary table as of the last committed change (facts.py)
    org = user.organisation
    if user.has_role(Role.ANALYST):
        force = org.force if org is not None else None
        if force is None:
            return _police_scope("", [], "Your organisation is not a police force")
        return _police_scope(force.name, [force.pk])
    if user.has_role(Role.SAFEGUARDING_BOARD):
        authority_id = org.local_authority_id if org is not None else None
        forces = partnership_forces(authority_id)
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
        referrals=organisation_referrals(org.pk),
        # The areas that own an episode of the authority's children: from the summary
        # table's (authority, area) index (docs/benchmarks.md "At national scale").
        areas=tuple(
            Organisation.objects.filter(
                kind=OrganisationKind.POLICING_AREA,
                pk__in=EpisodeFact.objects.filter(authority_id=org.pk)
                .order_by()
                .values("owning_area_id"),
            ).order_by("name", "pk")
        ),
        facts=EpisodeFact.objects.filter(authority_id=org.pk),
        # organisation_referrals' referrals, none restricted.
        referral_facts=ReferralFact.objects.filter(
            organisation_condition(org.pk), restricted=False
        ),
    )


def default_period(today: date) -> tuple[date, date]:
    """The last twelve calendar months to ``today`` (C-04's "one year")."""
    return months_window_start(today, 12), today


def last_complete_quarter(today: date) -> tuple[date, date]:
    """The calendar quarter (January to March, April to June...) before the one ``today``
    is in: R-DAT-01's report is quarterly."""
    this_quarter = date(today.year, (today.month - 1) // 3 * 3 + 1, 1)
    end = this_quarter - timedelta(days=1)
    return date(end.year, end.month - 2, 1), end


def filters_for(
    scope: Scope,
    *,
    start: date | None,
    end: date | None,
    area_id: int | None,
    today: date | None = None,
    default: Callable[[date], tuple[date, date]] = default_period,
) -> Filters:
    """The period (``default``: the last twelve months) and the area (default: all),
    checked: an error names the field as the page and the API send it (``from``, ``to``,
    ``area``)."""
    default_start, default_end = default(today or timezone.localdate())
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


def _facts(scope: Scope, f: Filters) -> QuerySet[EpisodeFact]:
    """``_episodes``, from the summary table."""
    qs = scope.facts.filter(
        last_seen_at__gte=local_midnight(f.start),
        last_seen_at__lt=local_midnight(f.end + timedelta(days=1)),
    )
    return qs.filter(owning_area=f.area) if f.area is not None else qs


def _counted(qs: QuerySet[Any], column: str) -> Counter[Any]:
    """How many rows of ``qs`` have each value of ``column``, counted in the database."""
    return Counter(
        dict(qs.order_by().values(column).annotate(n=Count("pk")).values_list(column, "n"))
    )


def _grouped(qs: QuerySet[Any], *columns: str) -> list[tuple[Any, ...]]:
    """Each combination of ``columns``' values in ``qs`` with its count (the count last)."""
    return list(qs.order_by().values(*columns).annotate(n=Count("pk")).values_list(*columns, "n"))


def _referral_facts(scope: Scope, f: Filters) -> QuerySet[ReferralFact]:
    """``_referrals``, from the summary table."""
    qs = scope.referral_facts.filter(
        found_at__gte=local_midnight(f.start),
        found_at__lt=local_midnight(f.end + timedelta(days=1)),
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
    # The bands were worked out per episode by duration_band into the summary (facts.py).
    bands = _counted(_facts(scope, f).filter(category=Category.MISSING), "duration")
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
    return dict(_counted(_facts(scope, f).filter(category=Category.MISSING), "person_id"))


def _absences_per_child(scope: Scope, f: Filters) -> dict[int, int]:
    # Absences as the triage counts them (policy/rhi.py): absent and unauthorised absence.
    return dict(
        _counted(
            _facts(scope, f).filter(category__in=(Category.ABSENT, Category.UNAUTHORISED_ABSENCE)),
            "person_id",
        )
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


_SEX_LABELS = {value: str(label) for value, label in Sex.choices}


def _sex_label(code: str) -> str:
    return _SEX_LABELS.get(code, NOT_KNOWN)


def age_band(age: int | None) -> str:
    if age is None:
        return NOT_KNOWN
    for label, low, high in AGE_BANDS:
        if age >= low and (high is None or age <= high):
            return label
    return NOT_KNOWN


def _age(person: tuple[date | None, int | None, date | None], seen: datetime) -> int | None:
    """C-12: completed years on the UK date the child was last seen (``person``: date of
    birth, estimated age and the day it was estimated, as the record holds them)."""
    try:
        return person_age_on(*person, timezone.localdate(seen))
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
    # Episodes counted in the database by each column; children (at their last episode in
    # the period) from one narrow row per episode of the summary table (facts.py), no join.
    missing = _facts(scope, f).filter(category=Category.MISSING)
    from_labels = {value: str(label) for value, label in MissingFrom.choices}
    from_ep: Counter[str] = Counter()
    for code, n in _counted(missing, "missing_from").items():
        from_ep[from_labels[code]] += n
    age_ep: Counter[str] = _counted(missing, "age_band")
    latest: dict[int, tuple[str, str, str, str]] = {}
    per_child: Counter[int] = Counter()
    for person_id, *at in missing.order_by("last_seen_at", "episode_id").values_list(
        "person_id", "missing_from", "age_band", "sex", "ethnicity"
    ):
        latest[person_id] = (at[0], at[1], at[2], at[3])  # ordered: the last one stays
        per_child[person_id] += 1
    from_ch: Counter[str] = Counter()
    age_ch: Counter[str] = Counter()
    sex_ch: Counter[str] = Counter()
    sex_ep: Counter[str] = Counter()
    eth_ch: Counter[str] = Counter()
    eth_ep: Counter[str] = Counter()
    for person_id, (missing_from, band, sex_code, ethnicity) in latest.items():
        n = per_child[person_id]
        from_ch[from_labels[missing_from]] += 1
        age_ch[band] += 1
        sex = _sex_label(sex_code)
        sex_ch[sex] += 1
        sex_ep[sex] += n
        group = _ETHNIC_GROUP.get(ethnicity, "Not yet obtained")
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
    # Grouped in the summary table (facts.py): one row per combination, with its count;
    # then the hours to each completed interview, per authority and organisation, for the
    # medians (grouping them with the rest made a group of nearly every referral).
    referrals = _referral_facts(scope, f)
    rows = _grouped(
        referrals,
        "responsible_authority_id",
        "interviewer_id",
        "in_care",
        "sex",
        "rag",
        "offered",
        "outcome",
        "state",
        "within_72_hours",
    )
    hours = _grouped(
        referrals.filter(
            state=State.CLOSED, outcome=Outcome.COMPLETED, hours_to_outcome__isnull=False
        ),
        "responsible_authority_id",
        "interviewer_id",
        "hours_to_outcome",
    )
    names = dict(
        Organisation.objects.filter(pk__in={r[0] for r in rows} | {r[1] for r in rows}).values_list(
            "pk", "name"
        )
    )
    for (
        authority_id,
        provider_id,
        in_care,
        sex_code,
        rag_,
        offered,
        outcome,
        state,
        on_time,
        n,
    ) in rows:
        r = Counted(rag_, offered, outcome, state, on_time, hours_to_outcome=None)
        authority, provider = names[authority_id], names[provider_id]
        by_authority.setdefault(authority, CoverageRow(authority)).add(r, n)
        by_provider.setdefault(provider, CoverageRow(provider)).add(r, n)
        total.add(r, n)
        rag = r.rag if r.rag in Rag.values else "not_triaged"
        care[CARE_LABELS[in_care]][rag] += n
        by_sex[_sex_label(sex_code)][rag] += n
    for authority_id, provider_id, value, n in hours:
        for row in (by_authority[names[authority_id]], by_provider[names[provider_id]], total):
            row.hours[value] += n
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


# --- Small counts (the hot spots) -------------------------------------------------------------

# Statistics practice: a count under 5 of a place is not published, so that a child cannot
# be recognised from where they went missing or were found. The force's own analyst sees
# the exact counts on the page (the figures stay in the force); board members, team
# managers and every download (CSV, XLSX) see "fewer than 5".
SUPPRESS_BELOW = 5
SUPPRESSED = f"fewer than {SUPPRESS_BELOW}"


def suppressed(table: Table) -> Table:
    """The table with its counts from 1 to ``suppress_below - 1`` shown as "fewer than N"
    (a table with no ``suppress_below`` is returned as it is). Zero is not hidden."""
    if not table.suppress_below:
        return table
    counts = [c.key for c in table.columns if c.kind == COUNT]
    words = f"fewer than {table.suppress_below}"

    def hide(row: dict[str, object]) -> dict[str, object]:
        out = dict(row)
        for key in counts:
            value = out.get(key)
            if isinstance(value, int) and 0 < value < table.suppress_below:
                out[key] = words
        return out

    return replace(
        table,
        rows=[hide(r) for r in table.rows],
        total=hide(table.total) if table.total is not None else None,
    )


# --- How far from home or placement they were found (R-DAT-13, C-10) ---------------------------

METRES_PER_MILE = Decimal("1609.344")
# C-10: whole miles (rounded half up), then these closed bands.
DISTANCE_BANDS: tuple[tuple[str, int, int | None], ...] = (
    ("0 to 5 miles", 0, 5),
    ("6 to 10 miles", 6, 10),
    ("11 to 20 miles", 11, 20),
    ("21 to 40 miles", 21, 40),
    ("41 to 80 miles", 41, 80),
    ("81 miles or more", 81, None),
)
DISTANCE_NOT_KNOWN = "Not known"
NO_FOUND_POSTCODE = "No postcode where found (or not found)"
NO_HOME_POSTCODE = "No postcode of the home or placement"
NOT_IN_DIRECTORY = "Postcode not in the ONS directory"


def miles_between(a: tuple[object, object], b: tuple[object, object]) -> Decimal:
    """The straight-line distance between two grid references (eastings and northings in
    metres, Ordnance Survey National Grid), in miles, computed in decimals."""
    dx = Decimal(str(a[0])) - Decimal(str(b[0]))
    dy = Decimal(str(a[1])) - Decimal(str(b[1]))
    return (dx * dx + dy * dy).sqrt() / METRES_PER_MILE


def whole_miles(miles: Decimal) -> int:
    """C-10: rounded half up to whole miles (5.5 → 6, 5.49 → 5)."""
    return int(miles.quantize(Decimal(1), ROUND_HALF_UP))


def distance_band(miles: int) -> str:
    """C-10's band of a distance in whole miles."""
    for label, low, high in DISTANCE_BANDS:
        if miles >= low and (high is None or miles <= high):
            return label
    raise ValueError("a distance is not negative")


class _GridCache(dict[str, tuple[int, int] | None]):
    """``grid_reference`` once per postcode of a report (many episodes share one)."""

    def __call__(self, postcode: str) -> tuple[int, int] | None:
        if postcode not in self:
            self[postcode] = grid_reference(postcode)
        return self[postcode]


def distances(scope: Scope, f: Filters) -> list[Table]:
    # Each episode's band, or why it has none, was worked out into the summary (facts.py).
    counted = _counted(_facts(scope, f).filter(category=Category.MISSING), "distance")
    why = (NO_FOUND_POSTCODE, NO_HOME_POSTCODE, NOT_IN_DIRECTORY)
    reasons: Counter[str] = Counter({r: counted[r] for r in why})
    bands: Counter[str] = Counter({k: n for k, n in counted.items() if k not in why})
    bands[DISTANCE_NOT_KNOWN] = sum(reasons.values())
    by_band = _share_table(
        "bands",
        "Missing episodes by distance found from home or placement",
        "Distance",
        bands,
        [label for label, _, _ in DISTANCE_BANDS] + [DISTANCE_NOT_KNOWN],
        unit="Missing episodes",
        total_label="All missing episodes",
        note="The straight line from the postcode of the child's home (or, for a child "
        "placed on the day they were last seen, their placement) to the postcode where they "
        "were found, from the grid references of the ONS postcode directory; rounded half "
        "up to whole miles before banding, so 5.5 miles is in 6 to 10 miles (C-10). Not "
        "known: no postcode given where found or at home, or one the directory does not "
        "hold; such episodes are counted, never left out.",
    )
    whole = sum(reasons.values())
    not_known = Table(
        key="not_known",
        caption="Why the distance is not known",
        columns=(
            Column("label", "Reason", TEXT),
            Column("count", "Missing episodes"),
            Column("share", "Percentage of those not known", PERCENT),
        ),
        rows=[
            {"label": r, "count": reasons[r], "share": percent(reasons[r], whole)}
            for r in (NO_FOUND_POSTCODE, NO_HOME_POSTCODE, NOT_IN_DIRECTORY)
        ],
        total={"label": "Not known", "count": whole, "share": percent(whole, whole)},
        note="Still missing, or found with no postcode recorded, counts as no postcode "
        "where found (seed 004's 'declined to give information').",
    )
    return [by_band, not_known]


# --- Hot spots: where children go missing from and are found (R-DAT-17) ------------------------

HOT_SPOTS_TOP = 20


def _hot_table(key: str, caption: str, first: str, places: Counter[str], unknown: int) -> Table:
    ranked = sorted(places.items(), key=lambda kv: (-kv[1], kv[0]))[:HOT_SPOTS_TOP]
    rows: list[dict[str, object]] = [
        {"label": label, "rank": i, "count": n} for i, (label, n) in enumerate(ranked, start=1)
    ]
    return Table(
        key=key,
        caption=caption,
        columns=(
            Column("label", first, TEXT),
            Column("rank", "Rank", NUMBER),
            Column("count", "Missing episodes"),
        ),
        rows=rows,
        total={"label": DISTANCE_NOT_KNOWN, "rank": None, "count": unknown},
        chart=Chart(caption, (Series("count", "Missing episodes"),)),
        suppress_below=SUPPRESS_BELOW,
        note=f"The {HOT_SPOTS_TOP} with the most missing episodes in the period, most first "
        "(equal counts in alphabetical order); the last row counts the episodes with none "
        f"recorded. Outside the force's own analyst's page, counts under {SUPPRESS_BELOW} are "
        f'shown as "{SUPPRESSED}", and no total is given, so that they cannot be worked out.',
    )


def hot_spots(scope: Scope, f: Filters) -> list[Table]:
    # Counted per district and establishment in the summary table (facts.py).
    missing = _facts(scope, f).filter(category=Category.MISSING)
    found: Counter[str] = _counted(missing, "found_district")
    missing_from: Counter[str] = _counted(missing, "from_district")
    unknown = Counter({"found": found.pop("", 0), "from": missing_from.pop("", 0)})
    by_home = _counted(missing, "establishment_id")
    unknown["establishment"] = by_home.pop(None, 0)
    names = dict(Organisation.objects.filter(pk__in=list(by_home)).values_list("pk", "name"))
    homes: Counter[str] = Counter()
    for pk, n in by_home.items():
        homes[names[pk]] += n
    return [
        _hot_table(
            "missing_from",
            "Postcode districts children went missing from",
            "Postcode district",
            missing_from,
            unknown["from"],
        ),
        _hot_table(
            "found",
            "Postcode districts children were found in",
            "Postcode district",
            found,
            unknown["found"],
        ),
        _hot_table(
            "establishments",
            "Care establishments children went missing from",
            "Establishment",
            homes,
            unknown["establishment"],
        ),
    ]


# --- Category and risk grading (R-DAT-19, R-HMI-02, R-HMI-11) ----------------------------------

NOT_GRADED = "not_graded"
_CATEGORY_ORDER = [(c.value, str(c.label)) for c in Category]
_RISK_ORDER = [(r.value, str(r.label)) for r in reversed(Risk)] + [(NOT_GRADED, "Not graded")]


def _role_label(role: str) -> str:
    return str(Role(role).label) if role in Role.values else role.replace("_", " ").capitalize()


def _usage_table(
    key: str,
    caption: str,
    first: str,
    groups: Mapping[str, Counter[str]],
    values: Sequence[tuple[str, str]],
    note: str,
) -> Table:
    """Rows of ``groups`` (in their order), a count and a percentage of the row for each of
    ``values``, and the row's total."""

    def row(label: str, c: Counter[str]) -> dict[str, object]:
        whole = sum(c[v] for v, _ in values)
        out: dict[str, object] = {"label": label}
        for v, _ in values:
            out[v] = c[v]
            out[f"{v}_share"] = percent(c[v], whole)
        out["all"] = whole
        return out

    total: Counter[str] = Counter()
    for c in groups.values():
        total.update(c)
    columns: list[Column] = [Column("label", first, TEXT)]
    for v, label in values:
        columns += [Column(v, label), Column(f"{v}_share", f"{label} (%)", PERCENT)]
    columns.append(Column("all", "All"))
    return Table(
        key=key,
        caption=caption,
        columns=tuple(columns),
        rows=[row(label, c) for label, c in groups.items()],
        total=row("All", total),
        chart=Chart(
            caption,
            tuple(
                Series(f"{v}_share", label, colour, count_key=v)
                for (v, label), colour in zip(
                    values, ("#1d70b8", "#f47738", "#00703c", "#d4351c", "#505a5f"), strict=False
                )
            ),
        ),
        note=note,
    )


def _raised_table(key: str, caption: str, first: str, groups: Mapping[str, Counter[str]]) -> Table:
    def row(label: str, c: Counter[str]) -> dict[str, object]:
        return {
            "label": label,
            "graded": c["graded"],
            "raised": c["raised"],
            "raised_share": percent(c["raised"], c["graded"]),
        }

    total: Counter[str] = Counter()
    for c in groups.values():
        total.update(c)
    return Table(
        key=key,
        caption=caption,
        columns=(
            Column("label", first, TEXT),
            Column("graded", "Episodes first graded"),
            Column("raised", "Grading later raised"),
            Column("raised_share", "Raised, of those first graded", PERCENT),
        ),
        rows=[row(label, c) for label, c in groups.items()],
        total=row("All", total),
        chart=Chart(caption, (Series("raised_share", "Raised", count_key="raised"),)),
        note='R-HMI-02 ("risk graded too low"): an episode\'s first risk grading was later '
        "raised when any later grading of the episode is a higher risk level (no apparent "
        "risk, low, medium, high). A rank is the rank that made the first grading.",
    )


def _sorted_groups(
    groups: dict[str, Counter[str]], order: Sequence[str] = ()
) -> dict[str, Counter[str]]:
    known = [label for label in order if label in groups]
    rest = sorted(label for label in groups if label not in order)
    return {label: groups[label] for label in [*known, *rest]}


def grading(scope: Scope, f: Filters) -> list[Table]:
    # Each episode's category and risk now, and its first grading's rank and whether it was
    # raised, grouped in the summary table (facts.py); the decisions and gradings by rank
    # from their own tables, for the period's episodes by a subquery.
    period = _facts(scope, f)
    areas = {
        pk: (name, force or "")
        for pk, name, force in Organisation.objects.filter(
            pk__in=period.order_by().values("owning_area_id")
        ).values_list("pk", "name", "parent__name")
    }
    dims = ("force", "area", "sex", "ethnicity")
    category: dict[str, dict[str, Counter[str]]] = {d: {} for d in [*dims, "rank"]}
    risk: dict[str, dict[str, Counter[str]]] = {d: {} for d in [*dims, "rank"]}
    raised: dict[str, dict[str, Counter[str]]] = {d: {} for d in [*dims, "rank"]}

    def labels(area: int, sex: str, ethnicity: str) -> tuple[tuple[str, str], ...]:
        return (
            ("force", areas[area][1]),
            ("area", areas[area][0]),
            ("sex", _sex_label(sex)),
            ("ethnicity", _ETHNIC_GROUP.get(ethnicity, "Not yet obtained")),
        )

    for area, sex, ethnicity, cat, level, n in _grouped(
        period, "owning_area_id", "sex", "ethnicity", "category", "risk"
    ):
        for d, label in labels(area, sex, ethnicity):
            category[d].setdefault(label, Counter())[cat] += n
            if cat == Category.MISSING:
                risk[d].setdefault(label, Counter())[level or NOT_GRADED] += n
    for area, sex, ethnicity, role, up, n in _grouped(
        period.filter(raised__isnull=False),
        "owning_area_id",
        "sex",
        "ethnicity",
        "initial_role",
        "raised",
    ):
        for d, label in (*labels(area, sex, ethnicity), ("rank", _role_label(role))):
            c = raised[d].setdefault(label, Counter())
            c["graded"] += n
            c["raised"] += n if up else 0
    ids = period.values("episode_id")
    for role, cat, n in (
        CategoryDecision.objects.filter(episode__in=ids)
        .values("by_role", "category")
        .annotate(n=Count("id"))
        .values_list("by_role", "category", "n")
    ):
        category["rank"].setdefault(_role_label(role), Counter())[cat] += n
    for role, level, n in (
        RiskGrading.objects.filter(episode__in=ids)
        .values("by_role", "risk")
        .annotate(n=Count("id"))
        .values_list("by_role", "risk", "n")
    ):
        risk["rank"].setdefault(_role_label(role), Counter())[level] += n
    sexes = list(dict.fromkeys(str(label) for label in Sex.labels))
    groups = [label for label, _ in ETHNIC_GROUPS]
    ranks = [str(label) for label in Role.labels]
    dimensions = (
        ("force", "force", "Force", ()),
        ("area", "area", "Area", ()),
        ("rank", "rank", "Rank", ranks),
        ("sex", "the child's sex", "Sex", sexes),
        ("ethnicity", "the child's ethnic group", "Ethnic group", groups),
    )
    tables: list[Table] = []
    for d, words, first, order in dimensions:
        tables.append(
            _usage_table(
                f"category_{d}",
                f"Category by {words}",
                first,
                _sorted_groups(category[d], order),
                _CATEGORY_ORDER,
                "Each category decision, by the rank that made it."
                if d == "rank"
                else "Every episode in the period, by the category it has now (R-DAT-19).",
            )
        )
        tables.append(
            _usage_table(
                f"risk_{d}",
                f"Risk level by {words}",
                first,
                _sorted_groups(risk[d], order),
                _RISK_ORDER,
                "Each risk grading, by the rank that made it."
                if d == "rank"
                else "Missing episodes in the period, by the risk level they have now.",
            )
        )
        tables.append(
            _raised_table(
                f"raised_{d}",
                f"First gradings later raised, by {words}",
                first,
                _sorted_groups(raised[d], order),
            )
        )
    return tables


# --- The periodic reports (R-DAT-01, R-DAT-02): built in periodic.py, which imports this
# module; imported when first built, so that either module may be imported first.


def absences(scope: Scope, f: Filters) -> list[Table]:
    from misper.insights import periodic

    return periodic.absences(scope, f)


def monthly(scope: Scope, f: Filters) -> list[Table]:
    from misper.insights import periodic

    return periodic.monthly(scope, f)


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
        Spec(
            "distance",
            "Distance found from home",
            "How far from their home or placement missing children were found, in the "
            'bands of seed 004\'s "How far did young people run to?".',
            ("R-DAT-13", "C-10", "C-11"),
            "Missing episodes whose child was last seen in the period.",
            "last seen",
            distances,
        ),
        Spec(
            "hot-spots",
            "Hot spots",
            "The postcode districts children went missing from and were found in, and the "
            "care establishments they went missing from, with the most missing episodes.",
            ("R-DAT-17", "R-DAT-07"),
            "Missing episodes whose child was last seen in the period.",
            "last seen",
            hot_spots,
        ),
        Spec(
            "grading",
            "Category and risk grading",
            "How each force, area and rank uses each category and risk level, by the "
            "child's sex and ethnic group, and how often a first risk grading was later "
            "raised.",
            ("R-DAT-19", "R-HMI-02", "R-HMI-11", "C-11"),
            "Episodes whose child was last seen in the period, their category decisions "
            "and risk gradings.",
            "last seen",
            grading,
        ),
        Spec(
            "absences",
            "Absences per child and per establishment",
            "The quarterly report shared with children's services: children by how many "
            "times they were absent, the absences and missing episodes of each care "
            "establishment, and the children who reached intervention level 3 or 4.",
            ("R-DAT-01", "R-TRG-12", "R-TRG-13", "R-TRG-16"),
            "Absences (absent or unauthorised absence) and missing episodes whose child was "
            "last seen in the period, by calendar quarter.",
            "last seen",
            absences,
            last_complete_quarter,
        ),
        Spec(
            "monthly",
            "Monthly figures for each local authority",
            "For each responsible authority, month by month: missing episodes, absences and "
            "children, with how the episodes ended and the return interviews.",
            ("R-DAT-02", "R-NTF-01", "R-DAT-14"),
            "Missing episodes and absences whose child was last seen in the period, by the "
            "child's responsible authority and the month.",
            "last seen",
            monthly,
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
    suppress: bool | None = None,
) -> Report:
    """The report ``slug`` for ``user``'s figures, for the period and area. Counts only: not
    audited (an export is: ``report_export``). Small counts of the tables that suppress
    them (the hot spots) are hidden unless the user is their force's analyst
    (``suppress`` None) or ``suppress`` says otherwise (a download always hides them)."""
    scope = scope_for(user)
    spec = spec_for(slug)
    filters = filters_for(scope, start=start, end=end, area_id=area_id, default=spec.default)
    tables = spec.build(scope, filters) if not scope.empty_reason else []
    if suppress is None:
        suppress = not user.has_role(Role.ANALYST)
    if suppress:
        tables = [suppressed(t) for t in tables]
    return Report(spec, scope, filters, tables, suppressed=suppress)


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
    # A file leaves Misper: its small counts are hidden, whoever downloads it.
    report = report_for(actor, slug, start=start, end=end, area_id=area_id, suppress=True)
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

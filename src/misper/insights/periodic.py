"""The two periodic reports of the West Mercia joint protocol (issue 14; policy-rules.md §20):

- **Absences per child and per establishment** (R-DAT-01, WMC14 §14.1): the quarterly
  analyst's report, shared with children's services, on "the absences of individual
  children and young people and absences from each residential establishment", with the
  cases that reached intervention level 3 (R-TRG-12, §14.13: seven to nine missing episodes
  in a year, which "will feature in the quarterly analysts report", §14.17) and beyond
  (level 4, R-TRG-13);
- **Monthly figures for each local authority** (R-DAT-02, WMC14 §15.2): "monthly data about
  all missing children and young people (with outcomes) in their area", per responsible
  authority (``Person.home_authority``: the placing authority of a looked-after child).

Like the other reports (``reports.py``, whose scope, filters and tables these use) they are
counts: **no child is named**. §14.1's report is "of individual children", but the analysts'
reports are seen by analysts, boards and team managers, none of whom opens a child's record
through them (docs/access.md: "an analyst sees patterns, not cases or children"), and a
board pack leaves Misper; so each child is counted, not named: children by how many times
they were absent, with the absences and missing episodes of each establishment. A named
list belongs to a page with record access (the child's record, the repeat-missing triggers).

Absences are the episodes categorised absent or unauthorised absence (as the triage counts
them, ``reports._absences_per_child``, here counted with the missing episodes in one
query); missing episodes are those categorised missing; an
absconder (not missing) is neither. An episode belongs to the quarter or month (UK local
time, C-01) in which the child was last seen. Everything is counted in the database
(``values``/``annotate``/``Count``), one query per table or fewer, so that the reports stay
quick over a national decade of episodes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db.models import Count, Q, QuerySet
from django.db.models.functions import TruncMonth, TruncQuarter

from misper.agencies.models import Organisation
from misper.episodes.codes import Category
from misper.insights.models import EpisodeFact
from misper.insights.reports import (
    PERCENT,
    REPEAT_BUCKETS,
    SUPPRESS_BELOW,
    SUPPRESSED,
    TEXT,
    Chart,
    Column,
    Filters,
    Scope,
    Series,
    Table,
    _facts,
    percent,
    repeat_bucket,
)
from misper.interventions.models import TriggerRecord, TriggerStatus
from misper.policy.calendar import LONDON, add_months

ABSENCES = (Category.ABSENT, Category.UNAUTHORISED_ABSENCE)
COUNTED = (Category.MISSING, *ABSENCES)
IS_ABSENCE = Q(category__in=ABSENCES)
IS_MISSING = Q(category=Category.MISSING)

# The intervention levels of WMC14 §14.13 and §14.18, by the rule of their trigger.
LEVELS: tuple[tuple[str, str], ...] = (
    ("R-TRG-12", "Level 3: 7 to 9 missing episodes in a year"),
    ("R-TRG-13", "Level 4: 10 or more missing episodes in a year"),
)
NO_ESTABLISHMENT = "Not from a care establishment (or none recorded)"
NO_AUTHORITY = "No responsible authority recorded"
MONTH_NAMES = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


# --- Quarters and months, in UK local time ---------------------------------------------------


@dataclass(frozen=True)
class Stretch:
    """A calendar quarter or month, and whether the period covers only part of it."""

    first: date
    last: date
    label: str


def _local_day(value: date | datetime) -> date:
    """The UK date of a truncated value: a date, or midnight UK time as an instant."""
    if isinstance(value, datetime):
        return value.astimezone(LONDON).date() if value.tzinfo else value.date()
    return value


def _stretches(f: Filters, months: int) -> list[Stretch]:
    """The calendar quarters (``months`` 3, January to March first) or months (1) that the
    period touches, in order, those only partly in it marked "(part)"."""
    first = date(f.start.year, (f.start.month - 1) // months * months + 1, 1)
    out: list[Stretch] = []
    while first <= f.end:
        nxt = add_months(first, months)
        last = nxt - timedelta(days=1)
        name = MONTH_NAMES[first.month - 1]
        label = (
            f"{name} {first.year}"
            if months == 1
            else f"{name} to {MONTH_NAMES[last.month - 1]} {last.year}"
        )
        if first < f.start or last > f.end:
            label += " (part)"
        out.append(Stretch(first, last, label))
        first = nxt
    return out


def _counted(scope: Scope, f: Filters) -> QuerySet[EpisodeFact]:
    """The missing episodes and absences whose child was last seen in the period and area,
    from the summary table (facts.py)."""
    return _facts(scope, f).filter(category__in=COUNTED)


# --- R-DAT-01: absences per child and per establishment, quarterly ----------------------------


def _per_child(scope: Scope, f: Filters) -> dict[int, tuple[int, int]]:
    """Each child's (absences, missing episodes) in the period and area, in one query."""
    return {
        person_id: (a, m)
        for person_id, a, m in _counted(scope, f)
        .values("person_id")
        .annotate(a=Count("pk", filter=IS_ABSENCE), m=Count("pk", filter=IS_MISSING))
        .values_list("person_id", "a", "m")
    }


def _by_quarter(
    scope: Scope,
    f: Filters,
    per_child: Mapping[int, tuple[int, int]],
    level_children: Mapping[date, int],
    level_total: int,
) -> Table:
    rows = {
        _local_day(row["quarter"]): row
        for row in _counted(scope, f)
        .annotate(quarter=TruncQuarter("last_seen_at", tzinfo=LONDON))
        .values("quarter")
        .annotate(
            absences=Count("pk", filter=IS_ABSENCE),
            absent_children=Count("person_id", filter=IS_ABSENCE, distinct=True),
            missing=Count("pk", filter=IS_MISSING),
            missing_children=Count("person_id", filter=IS_MISSING, distinct=True),
        )
        .order_by("quarter")
    }
    # The whole period, from the children's own counts (no second pass over the episodes).
    total = {
        "absences": sum(a for a, _ in per_child.values()),
        "absent_children": sum(1 for a, _ in per_child.values() if a),
        "missing": sum(m for _, m in per_child.values()),
        "missing_children": sum(1 for _, m in per_child.values() if m),
    }
    keys = ("absences", "absent_children", "missing", "missing_children")
    out: list[dict[str, object]] = []
    for q in _stretches(f, 3):
        row = rows.get(q.first, {})
        out.append(
            {"label": q.label, **{k: row.get(k, 0) for k in keys}, "level": level_children[q.first]}
        )
    return Table(
        key="quarters",
        caption="Absences and missing episodes by quarter",
        columns=(
            Column("label", "Quarter", TEXT),
            Column("absences", "Absences"),
            Column("absent_children", "Children absent"),
            Column("missing", "Missing episodes"),
            Column("missing_children", "Children missing"),
            Column("level", "Children reaching level 3 or 4"),
        ),
        rows=out,
        total={
            "label": "The whole period",
            **{k: total[k] for k in keys},
            "level": level_total,
        },
        chart=Chart(
            "Absences and missing episodes by quarter",
            (
                Series("absences", "Absences", "#1d70b8"),
                Series("missing", "Missing episodes", "#d4351c"),
            ),
        ),
        note="Calendar quarters in UK local time (a child last seen at 00:30 on 1 April, "
        "British Summer Time, is in April to June). A quarter only partly in the period is "
        'marked "(part)" and counts only its days in the period. Children are counted once '
        "in each quarter they were absent or missing, and once in the whole period. Levels 3 "
        "and 4 are the children whose episode in the quarter reached WMC14's third or fourth "
        "level of intervention (R-TRG-12, R-TRG-13).",
    )


def _absences_table(per_child: Mapping[int, tuple[int, int]]) -> Table:
    absences = {p: a for p, (a, _) in per_child.items() if a}
    missing = {p for p, (_, m) in per_child.items() if m}
    children: dict[str, int] = {label: 0 for label, _, _ in REPEAT_BUCKETS}
    total_absences: dict[str, int] = dict.fromkeys(children, 0)
    also_missing: dict[str, int] = dict.fromkeys(children, 0)
    for person_id, n in absences.items():
        bucket = repeat_bucket(n)
        children[bucket] += 1
        total_absences[bucket] += n
        also_missing[bucket] += 1 if person_id in missing else 0

    def row(label: str, kids: int, whole: int, n: int, also: int) -> dict[str, object]:
        return {
            "label": label,
            "children": kids,
            "share": percent(kids, whole),
            "absences": n,
            "also_missing": also,
            "also_missing_share": percent(also, kids),
        }

    whole = len(absences)
    return Table(
        key="children",
        caption="Children by how many times they were absent",
        columns=(
            Column("label", "Absent in the period", TEXT),
            Column("children", "Children"),
            Column("share", "Percentage of children absent", PERCENT),
            Column("absences", "Their absences"),
            Column("also_missing", "Also missing in the period"),
            Column("also_missing_share", "Percentage also missing", PERCENT),
        ),
        rows=[
            row(label, children[label], whole, total_absences[label], also_missing[label])
            for label in children
        ],
        total=row(
            "All children absent",
            whole,
            whole,
            sum(absences.values()),
            sum(also_missing.values()),
        ),
        chart=Chart(
            "Children by how many times they were absent",
            (Series("children", "Children"),),
        ),
        note="Each child with an absence in the period is counted once, in the band of "
        "their number of absences (absent or unauthorised absence; the bands of R-DAT-12). "
        "No child is named: this report is seen and downloaded by people who do not open "
        "children's records (R-DAT-01 asks for the absences of individual children; their "
        "names are on their records and in the repeat-missing triggers).",
    )


def _level_rows(scope: Scope, f: Filters) -> QuerySet[TriggerRecord]:
    """The trigger records at levels 3 and 4 fired by an episode in the period and area
    (not those superseded because a later record changed the count, C-06)."""
    return TriggerRecord.objects.filter(
        rule__in=[rule for rule, _ in LEVELS],
        episode__in=_facts(scope, f).values("episode_id"),
    ).exclude(status=TriggerStatus.SUPERSEDED)


def _levels(scope: Scope, f: Filters) -> tuple[Table, dict[date, int], int]:
    by_rule = {
        row["rule"]: row
        for row in _level_rows(scope, f)
        .values("rule")
        .annotate(
            children=Count("episode__person_id", distinct=True),
            in_care=Count(
                "episode__person_id",
                distinct=True,
                filter=Q(episode__establishment__isnull=False),
            ),
            records=Count("id"),
        )
        .order_by("rule")
    }
    per_quarter = {
        _local_day(row["quarter"]): row["children"]
        for row in _level_rows(scope, f)
        .annotate(quarter=TruncQuarter("episode__last_seen_at", tzinfo=LONDON))
        .values("quarter")
        .annotate(children=Count("episode__person_id", distinct=True))
        .order_by("quarter")
    }
    quarters: dict[date, int] = {q.first: per_quarter.get(q.first, 0) for q in _stretches(f, 3)}
    whole = _level_rows(scope, f).aggregate(n=Count("episode__person_id", distinct=True))["n"]
    keys = ("children", "in_care", "records")
    rows: list[dict[str, object]] = [
        {"label": label, **{k: by_rule.get(rule, {}).get(k, 0) for k in keys}}
        for rule, label in LEVELS
    ]
    table = Table(
        key="levels",
        caption="Children who reached intervention level 3 or 4",
        columns=(
            Column("label", "Level of intervention", TEXT),
            Column("children", "Children"),
            Column("in_care", "Of them, missing from a care establishment"),
            Column("records", "Times the level was reached"),
        ),
        rows=rows,
        chart=Chart("Children who reached level 3 or 4", (Series("children", "Children"),)),
        note="WMC14 §14.13 to §14.18: a child's seventh to ninth missing episode in a year is "
        "level 3 (R-TRG-12: an inter-agency meeting with a police sergeant, and a report to the "
        "Force Missing Persons Strategic Lead because 'the case will feature in the quarterly "
        "analysts report', §14.17); the tenth and beyond is level 4 (R-TRG-13). Counted from "
        "the triggers Misper recorded for episodes in the period (not those superseded); a "
        "policing area under a protocol without these levels has none. A child counts once "
        "per level, at the episode's establishment when there is one.",
    )
    return table, quarters, whole


def _establishments(scope: Scope, f: Filters) -> Table:
    """Absences and missing episodes per care establishment (the episode's establishment,
    as the hot spots find them), most first; counts under 5 suppressed outside the force's
    analyst's page, as the hot spots are."""
    # One pass: the episodes from no establishment are the group without one.
    grouped = list(
        _counted(scope, f)
        .values("establishment_id", "establishment__name")
        .annotate(
            absences=Count("pk", filter=IS_ABSENCE),
            missing=Count("pk", filter=IS_MISSING),
            children=Count("person_id", distinct=True),
        )
        .order_by()
    )
    nowhere = next((g for g in grouped if g["establishment_id"] is None), None)
    grouped = [g for g in grouped if g["establishment_id"] is not None]
    elsewhere = {k: nowhere[k] if nowhere else 0 for k in ("absences", "missing", "children")}
    levels = dict(
        _level_rows(scope, f)
        .filter(episode__establishment__isnull=False)
        .values("episode__establishment_id")
        .annotate(n=Count("episode__person_id", distinct=True))
        .values_list("episode__establishment_id", "n")
    )
    grouped.sort(key=lambda g: (-g["absences"] - g["missing"], g["establishment__name"]))
    names = [g["establishment__name"] for g in grouped]
    rows: list[dict[str, object]] = [
        {
            # Two establishments of the same name are told apart by Misper's number.
            "label": g["establishment__name"]
            if names.count(g["establishment__name"]) == 1
            else f"{g['establishment__name']} ({g['establishment_id']})",
            "absences": g["absences"],
            "missing": g["missing"],
            "children": g["children"],
            "level": levels.get(g["establishment_id"], 0),
        }
        for g in grouped
    ]
    return Table(
        key="establishments",
        caption="Absences and missing episodes per care establishment",
        columns=(
            Column("label", "Establishment", TEXT),
            Column("absences", "Absences"),
            Column("missing", "Missing episodes"),
            Column("children", "Children"),
            Column("level", "Children reaching level 3 or 4"),
        ),
        rows=rows,
        total={"label": NO_ESTABLISHMENT, **elsewhere, "level": None},
        suppress_below=SUPPRESS_BELOW,
        note="Every care establishment children went missing or were absent from in the "
        "period (the establishment recorded on the episode), most episodes first; the last "
        "row counts the episodes from anywhere else. WMC14 §14.24: an establishment with more "
        "than 20 missing episodes in a year is reviewed (R-TRG-16). Outside the force's own "
        f'analyst\'s page, counts under {SUPPRESS_BELOW} are shown as "{SUPPRESSED}" and no '
        "total is given, as in the hot spots.",
    )


def absences(scope: Scope, f: Filters) -> list[Table]:
    """R-DAT-01: the quarterly report on absences per child and per establishment."""
    per_child = _per_child(scope, f)
    levels, per_quarter, level_total = _levels(scope, f)
    quarters = _by_quarter(scope, f, per_child, per_quarter, level_total)
    return [quarters, _absences_table(per_child), _establishments(scope, f), levels]


# --- R-DAT-02: monthly figures for each local authority, with outcomes ------------------------


def _monthly_counts() -> dict[str, Count]:
    """R-DAT-02's figures, counted in the summary table (facts.py), whose outcome columns
    are the found report's, the case's and the return interview's as returns/coverage.py
    counts it (never one of a restricted case)."""
    return {
        "missing": Count("pk", filter=IS_MISSING),
        "absences": Count("pk", filter=IS_ABSENCE),
        "children": Count("person_id", distinct=True),
        "was_found": Count("pk", filter=Q(found_report=True)),
        "returned": Count("pk", filter=Q(returned_home=True)),
        "safe_and_well": Count("pk", filter=Q(checked_safe=True)),
        "harmed": Count("pk", filter=Q(came_to_harm=True)),
        "still_missing": Count("pk", filter=Q(found_report=False, closed=False)),
        "closed_not_found": Count("pk", filter=Q(found_report=False, closed=True)),
        "referred": Count("pk", filter=Q(ri_referred=True)),
        "offered": Count("pk", filter=Q(ri_offered=True)),
        "completed": Count("pk", filter=Q(ri_completed=True)),
    }


EPISODE_COLUMNS = (
    Column("missing", "Missing episodes"),
    Column("absences", "Absences"),
    Column("children", "Children"),
)
OUTCOME_COLUMNS = (
    Column("was_found", "Found"),
    Column("returned", "Returned home or to placement"),
    Column("safe_and_well", "Safe and well check done"),
    Column("harmed", "Came to harm"),
    Column("still_missing", "Still missing"),
    Column("closed_not_found", "Closed without a found report"),
    Column("referred", "Referred for a return interview"),
    Column("offered", "Return interview offered"),
    Column("completed", "Return interview completed"),
)
_KEYS = [c.key for c in (*EPISODE_COLUMNS, *OUTCOME_COLUMNS)]


def _values(row: Mapping[str, object] | None, label: str) -> dict[str, object]:
    return {"label": label, **{k: (row or {}).get(k, 0) for k in _KEYS}}


def _split(
    key: str, caption: str, first: str, rows: Sequence[dict[str, object]], total: dict[str, object]
) -> tuple[Table, Table]:
    """The same rows as two tables: the episodes and children, and their outcomes."""
    episodes = Table(
        key=key,
        caption=caption,
        columns=(Column("label", first, TEXT), *EPISODE_COLUMNS),
        rows=[{k: r[k] for k in ("label", "missing", "absences", "children")} for r in rows],
        total={k: total[k] for k in ("label", "missing", "absences", "children")},
        chart=Chart(
            caption,
            (
                Series("missing", "Missing episodes", "#d4351c"),
                Series("absences", "Absences", "#1d70b8"),
            ),
        ),
    )
    outcome_keys = ["label", *(c.key for c in OUTCOME_COLUMNS)]
    outcomes = Table(
        key=f"{key}_outcomes",
        caption=f"{caption}: outcomes",
        columns=(Column("label", first, TEXT), *OUTCOME_COLUMNS),
        rows=[{k: r[k] for k in outcome_keys} for r in rows],
        total={k: total[k] for k in outcome_keys},
        chart=Chart(
            f"{caption}: outcomes",
            (
                Series("was_found", "Found", "#00703c"),
                Series("still_missing", "Still missing", "#d4351c"),
                Series("completed", "Return interview completed", "#1d70b8"),
            ),
        ),
        note="Outcomes of the missing episodes and absences of the rows, as recorded now: "
        "found (a found report), returned (its time of return recorded), the safe and well "
        "check, harm recorded on the found report, still missing (no found report, not "
        "closed), closed without a found report; and the return interviews as the return "
        "interview figures count them (offered: an offer recorded or an interview held; "
        "completed: closed with the interview held; none of a restricted case).",
    )
    return episodes, outcomes


def monthly(scope: Scope, f: Filters) -> list[Table]:
    """R-DAT-02: each responsible authority's missing and absent children, month by month,
    with the outcomes."""
    counted = _counted(scope, f)
    by_month: dict[tuple[int | None, date], dict[str, object]] = {
        (row["authority_id"], _local_day(row["month"])): row
        for row in counted.annotate(month=TruncMonth("last_seen_at", tzinfo=LONDON))
        .values("authority_id", "month")
        .annotate(**_monthly_counts())
        .order_by()
    }
    by_authority = {
        row["authority_id"]: row
        for row in counted.values("authority_id").annotate(**_monthly_counts()).order_by()
    }
    # A child has one responsible authority, so the authorities' figures add up to the
    # whole, children included (no third pass over the episodes).
    whole = {k: sum(int(row[k]) for row in by_authority.values()) for k in _KEYS}
    names = dict(
        Organisation.objects.filter(pk__in=[a for a in by_authority if a is not None]).values_list(
            "pk", "name"
        )
    )
    order = sorted(by_authority, key=lambda a: (a is None, names.get(a, "") if a else "", a or 0))
    label = {a: names[a] if a is not None else NO_AUTHORITY for a in order}
    summary = _split(
        "authorities",
        "Missing and absent children by responsible authority",
        "Responsible authority",
        [_values(by_authority[a], label[a]) for a in order],
        _values(whole, "All authorities"),
    )
    summary[0].note = (
        "The responsible authority is the child's home authority (for a looked-after child, "
        "the placing authority), wherever the child went missing. Children are counted once "
        "per authority, and once in all. Absconders (not missing) are not counted."
    )
    tables = list(summary)
    months = _stretches(f, 1)
    for a in order:
        rows = [_values(by_month.get((a, m.first)), m.label) for m in months]
        key = f"authority_{a}" if a is not None else "authority_none"
        tables.extend(
            _split(key, f"{label[a]} by month", "Month", rows, _values(by_authority[a], "All"))
        )
    return tables

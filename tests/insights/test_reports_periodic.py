"""The periodic reports (issue 14): absences per child and per establishment, quarterly
(R-DAT-01, with the level 3 and 4 cases of R-TRG-12/13), and the monthly figures for each
local authority with outcomes (R-DAT-02); figures checked exactly on small data sets,
quarters and months in UK local time, absences apart from missing, and who sees what.
And the return-interview figures counted the same way by the insights report and the
"Return interview figures" page (returns/coverage.py)."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from misper.core.models import AuditEvent
from misper.episodes.models import Episode, FoundReport
from misper.insights.reports import SPECS, SUPPRESSED, last_complete_quarter, report_for
from misper.interventions.models import TriggerRecord
from misper.returns.coverage import coverage_table
from tests.insights.reports_data import Loader, force_with_areas, utc

D = Decimal
YEAR = {"start": date(2025, 1, 1), "end": date(2025, 12, 31)}
pytestmark = pytest.mark.django_db


@pytest.fixture
def w(make_org, make_user) -> dict[str, Any]:
    w = force_with_areas(make_org, make_user)
    w["oak"] = make_org("childrens_home", name="Oak House", code="oak", local_authority=w["vale"])
    return w


@pytest.fixture
def load(w) -> Loader:
    return Loader(w, w["call_handler"])


def level(w: dict[str, Any], episode: Episode, rule: str, **kw: Any) -> TriggerRecord:
    """A trigger record of a level (R-TRG-12 is 3, R-TRG-13 is 4) fired by ``episode``."""
    return TriggerRecord.objects.create(
        kind="wm_individual_year",
        level=3 if rule == "R-TRG-12" else 4,
        scope="person",
        rule=rule,
        action="Meeting",
        episode=episode,
        person=episode.person,
        force=w["force"],
        owner="coordinator",
        **kw,
    )


def rows(table: Any, *keys: str) -> list[tuple[object, ...]]:
    return [tuple(row[k] for k in ("label", *keys)) for row in table.all_rows]


def test_both_reports_are_in_the_catalogue():
    assert SPECS["absences"].rules[0] == "R-DAT-01"
    assert SPECS["monthly"].rules[0] == "R-DAT-02"


# --- R-DAT-01 ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("today", "quarter"),
    [
        (date(2026, 12, 7), (date(2026, 7, 1), date(2026, 9, 30))),
        (date(2026, 1, 1), (date(2025, 10, 1), date(2025, 12, 31))),
        (date(2026, 3, 31), (date(2025, 10, 1), date(2025, 12, 31))),
        (date(2026, 4, 1), (date(2026, 1, 1), date(2026, 3, 31))),
        (date(2026, 8, 15), (date(2026, 4, 1), date(2026, 6, 30))),
    ],
)
def test_the_last_complete_quarter(today, quarter):
    assert last_complete_quarter(today) == quarter


def test_the_absences_report_opens_on_the_last_complete_quarter(w):
    """R-DAT-01 is quarterly: with no period chosen it shows the last complete quarter; the
    others show the last twelve months."""
    r = report_for(w["analyst"], "absences")
    assert (r.filters.start, r.filters.end) == last_complete_quarter(timezone.localdate())
    other = report_for(w["analyst"], "monthly")
    assert other.filters.end == timezone.localdate()
    assert (other.filters.end - other.filters.start).days >= 364


def test_quarters_are_uk_local_and_absences_are_apart_from_missing(w, load):
    ann, ben = load.child(), load.child()
    # 23:30 on 31 March BST is still the first quarter; 00:30 on 1 April BST is the second.
    load.episode(ann, utc(2025, 3, 31, 22, 30), category="absent")
    load.episode(ann, utc(2025, 3, 31, 23, 30), category="absent")
    load.episode(ben, utc(2025, 3, 31, 23, 30), category="unauthorised_absence")
    load.episode(ben, utc(2025, 5, 1, 12))  # missing
    load.episode(ben, utc(2025, 11, 1, 12), category="absconder_only")  # neither
    load.episode(ann, utc(2025, 12, 31, 23, 59))  # 23:59 GMT: still 2025
    load.episode(ann, utc(2026, 1, 1, 0, 1))  # after the period
    load.save()
    r = report_for(w["analyst"], "absences", **YEAR)
    assert rows(
        r.table("quarters"), "absences", "absent_children", "missing", "missing_children"
    ) == [
        ("January to March 2025", 1, 1, 0, 0),
        ("April to June 2025", 2, 2, 1, 1),
        ("July to September 2025", 0, 0, 0, 0),
        ("October to December 2025", 0, 0, 1, 1),
        ("The whole period", 3, 2, 2, 2),
    ]
    # A period that cuts quarters: only its own days count, and the quarter says "(part)".
    r = report_for(w["analyst"], "absences", start=date(2025, 2, 1), end=date(2025, 4, 30))
    assert rows(r.table("quarters"), "absences") == [
        ("January to March 2025 (part)", 1),
        ("April to June 2025 (part)", 2),
        ("The whole period", 3),
    ]


def test_children_by_their_absences(w, load):
    start = utc(2025, 2, 1, 12)
    plan = [(1, 0), (2, 1), (3, 0), (5, 2), (6, 0), (20, 1)]  # (absences, missing) per child
    for absent, missing in plan:
        child = load.child()
        for i in range(absent):
            category = "absent" if i % 2 else "unauthorised_absence"
            load.episode(child, start + timedelta(days=i * 7), category=category)
        for i in range(missing):
            load.episode(child, start + timedelta(days=i * 7, hours=1))
    load.episode(load.child(), start)  # missing only: not in this table
    load.episode(load.child(), start, category="absent", area=w["harbour_area"])  # not ours
    load.save()
    table = report_for(w["analyst"], "absences", **YEAR).table("children")
    assert rows(table, "children", "share", "absences", "also_missing", "also_missing_share") == [
        ("1 or 2 times", 2, D("33.3"), 3, 1, D("50.0")),
        ("3 to 5 times", 2, D("33.3"), 8, 1, D("50.0")),
        ("6 to 8 times", 1, D("16.7"), 6, 0, D("0.0")),
        ("9 to 19 times", 0, D("0.0"), 0, 0, None),
        ("20 times or more", 1, D("16.7"), 20, 1, D("100.0")),
        ("All children absent", 6, D("100.0"), 37, 3, D("50.0")),
    ]


def test_each_establishment_with_its_level_3_and_4_children(w, load):
    birch, oak = w["home"], w["oak"]
    a, b, c, d = load.child(), load.child(), load.child(), load.child()
    seen = utc(2025, 4, 10, 12)
    for i in range(5):
        load.episode(a, seen + timedelta(days=i), category="absent", establishment=birch)
    load.episode(b, seen, establishment=birch)  # missing
    load.episode(b, seen + timedelta(days=1), establishment=birch)
    load.episode(c, seen, establishment=oak)
    load.episode(d, seen, category="absent")  # from home
    load.episode(d, seen + timedelta(days=1))
    load.episode(c, utc(2024, 12, 1, 12), establishment=oak)  # before the period
    saved = load.save()
    # b reached level 3 twice (the 7th and 8th episodes of a year) and d level 4; c's level
    # 3 was superseded (C-06); a trigger fired before the period is not counted.
    level(w, saved[5], "R-TRG-12")
    level(w, saved[6], "R-TRG-12")
    level(w, saved[9], "R-TRG-13")
    level(w, saved[7], "R-TRG-12", status="superseded")
    level(w, saved[10], "R-TRG-12")

    r = report_for(w["analyst"], "absences", **YEAR)
    establishments = r.table("establishments")
    assert rows(establishments, "absences", "missing", "children", "level") == [
        ("Birch Lodge", 5, 2, 2, 1),
        ("Oak House", 0, 1, 1, 0),
        ("Not from a care establishment (or none recorded)", 1, 1, 1, None),
    ]
    levels = r.table("levels")
    assert rows(levels, "children", "in_care", "records") == [
        ("Level 3: 7 to 9 missing episodes in a year", 1, 1, 2),
        ("Level 4: 10 or more missing episodes in a year", 1, 0, 1),
    ]
    quarters = r.table("quarters")
    assert quarters.value("April to June 2025", "level") == 2
    assert quarters.value("The whole period", "level") == 2
    # Outside the force's own analyst, and in every download, small counts are hidden.
    shown = report_for(w["team_manager"], "absences", **YEAR).table("establishments")
    assert rows(shown, "absences", "missing") == [
        ("Birch Lodge", 5, SUPPRESSED),
        ("Oak House", 0, SUPPRESSED),
        ("Not from a care establishment (or none recorded)", SUPPRESSED, SUPPRESSED),
    ]


# --- R-DAT-02 ----------------------------------------------------------------------------------


def test_monthly_figures_for_each_authority_with_outcomes(w, load):
    vale_1, vale_2 = load.child(), load.child()
    harbour = load.child(home_authority=w["harbour"])
    # Vale: 00:30 BST on 1 April is April; found, returned, safe and well done.
    found_april = load.episode(
        vale_1, utc(2025, 3, 31, 23, 30), found=utc(2025, 4, 1, 10), missing_from="care"
    )
    load.referral(
        found_april,
        authority=w["vale"],
        interviewer=w["provider"],
        rag="red",
        state="closed",
        outcome="completed",
        offered_at=utc(2025, 4, 1, 12),
        outcome_at=utc(2025, 4, 2, 12),
    )
    load.episode(vale_1, utc(2025, 3, 31, 22, 30), category="absent")  # 23:30 on 31 March
    still_missing = load.episode(vale_2, utc(2025, 5, 3, 12))
    closed_unfound = load.episode(vale_2, utc(2025, 5, 20, 12), category="unauthorised_absence")
    # Harbour: a missing episode found with harm recorded, offered an interview that is
    # still open; and a restricted case, counted as an episode but not as a referral.
    harmed = load.episode(harbour, utc(2025, 4, 15, 12), found=utc(2025, 4, 16, 12))
    load.referral(
        harmed,
        authority=w["harbour"],
        interviewer=w["provider"],
        offered_at=utc(2025, 4, 16, 14),
        state="offered",
    )
    hidden = load.episode(
        harbour, utc(2025, 4, 20, 12), found=utc(2025, 4, 21, 12), restricted=True
    )
    load.referral(hidden, authority=w["harbour"], interviewer=w["provider"])
    load.episode(harbour, utc(2025, 4, 25, 12), category="absconder_only")  # not counted
    saved = load.save()
    FoundReport.objects.filter(episode=saved[found_april]).update(returned_at=utc(2025, 4, 1, 11))
    FoundReport.objects.filter(episode=saved[harmed]).update(harmed=True, safe_and_well="not_done")
    Episode.objects.filter(pk=saved[closed_unfound].pk).update(status="closed")
    assert saved[still_missing].status == "open"

    r = report_for(w["analyst"], "monthly", start=date(2025, 3, 1), end=date(2025, 5, 31))
    keys = [t.key for t in r.tables]
    vale, hb = w["vale"].pk, w["harbour"].pk
    assert keys == [
        "authorities",
        "authorities_outcomes",
        f"authority_{hb}",
        f"authority_{hb}_outcomes",
        f"authority_{vale}",
        f"authority_{vale}_outcomes",
    ]
    assert rows(r.table("authorities"), "missing", "absences", "children") == [
        ("Harbour", 2, 0, 1),
        ("Vale", 2, 2, 2),
        ("All authorities", 4, 2, 3),
    ]
    outcome_keys = (
        "was_found",
        "returned",
        "safe_and_well",
        "harmed",
        "still_missing",
        "closed_not_found",
        "referred",
        "offered",
        "completed",
    )
    assert rows(r.table("authorities_outcomes"), *outcome_keys) == [
        ("Harbour", 2, 0, 1, 1, 0, 0, 1, 1, 0),
        ("Vale", 1, 1, 1, 0, 2, 1, 1, 1, 1),
        ("All authorities", 3, 1, 2, 1, 2, 1, 2, 2, 1),
    ]
    assert rows(r.table(f"authority_{vale}"), "missing", "absences", "children") == [
        ("March 2025", 0, 1, 1),
        ("April 2025", 1, 0, 1),
        ("May 2025", 1, 1, 1),
        ("All", 2, 2, 2),
    ]
    assert rows(
        r.table(f"authority_{vale}_outcomes"), "was_found", "still_missing", "completed"
    ) == [
        ("March 2025", 0, 1, 0),  # the absence: never found, not closed
        ("April 2025", 1, 0, 1),
        ("May 2025", 0, 1, 0),
        ("All", 1, 2, 1),
    ]
    # The team manager sees their authority's children only.
    mine = report_for(w["team_manager"], "monthly", start=date(2025, 3, 1), end=date(2025, 5, 31))
    assert [t.key for t in mine.tables] == [
        "authorities",
        "authorities_outcomes",
        f"authority_{vale}",
        f"authority_{vale}_outcomes",
    ]
    assert mine.table("authorities").value("All authorities", "children") == 2
    # Nothing in the period: the summary, with its zeros.
    empty = report_for(w["other_analyst"], "monthly", **YEAR)
    assert [t.key for t in empty.tables] == ["authorities", "authorities_outcomes"]
    assert empty.table("authorities").value("All authorities", "missing") == 0


def test_a_child_with_no_responsible_authority_is_counted_apart(w, load):
    child = load.child()
    load.episode(child, utc(2025, 6, 1, 12))
    load.save()
    child.home_authority = None
    child.save(update_fields=["home_authority"])
    r = report_for(w["analyst"], "monthly", start=date(2025, 6, 1), end=date(2025, 6, 15))
    assert rows(r.table("authorities"), "missing") == [
        ("No responsible authority recorded", 1),
        ("All authorities", 1),
    ]
    assert rows(r.table("authority_none"), "missing") == [("June 2025 (part)", 1), ("All", 1)]


def test_both_download_as_csv_and_xlsx_with_small_counts_hidden(w, load, mfa_client):
    child = load.child()
    for i in range(3):
        load.episode(child, utc(2025, 4, 1 + i, 12), category="absent", establishment=w["oak"])
    load.episode(child, utc(2025, 6, 1, 12), establishment=w["oak"])
    load.save()
    client = mfa_client(w["analyst"])
    period = {"from": "2025-04-01", "to": "2025-06-30", "purpose": "Quarterly report to CS"}
    response = client.post("/insights/reports/absences.csv", period)
    assert response.status_code == 200
    lines = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    # A file leaves Misper: the establishment's counts under 5 are hidden (R-DAT-01).
    assert ["Oak House", SUPPRESSED, SUPPRESSED, SUPPRESSED, "0"] in lines
    assert ["April to June 2025", "3", "1", "1", "1", "0"] in lines
    response = client.post("/insights/reports/monthly.xlsx", period)
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content))
    assert len(book.sheetnames) == 1 + 4  # About; all authorities (2); Vale by month (2)
    sheet = book[book.sheetnames[3]]
    cells = [[c.value for c in row] for row in sheet.iter_rows()]
    assert cells[1] == ["Month", "Missing episodes", "Absences", "Children"]
    assert cells[2:] == [
        ["April 2025", 0, 3, 1],
        ["May 2025", 0, 0, 0],
        ["June 2025", 1, 0, 1],
        ["All", 1, 3, 1],
    ]
    purposes = AuditEvent.objects.filter(subject_type="insights_report", action="export")
    assert sorted(e.subject_id for e in purposes) == [
        "absences:2025-04-01:2025-06-30:all",
        "monthly:2025-04-01:2025-06-30:all",
    ]


# --- The return-interview figures: one counting for the report and the page ------------------


def test_the_report_and_the_page_count_return_interviews_the_same(w, load, make_org, make_user):
    found = utc(2025, 5, 10, 12)
    plan = [
        # authority, area, restricted, outcome hours after found (None: still open)
        ("vale", "north", False, 30),
        ("vale", "south", False, 80),
        ("vale", "north", True, 20),  # restricted: counted by neither
        ("harbour", "south", False, None),
        ("harbour", "harbour_area", False, 10),  # another force's case
        ("vale", "harbour_area", False, None),  # another force's, of a Vale child
    ]
    for authority, area, restricted, hours in plan:
        child = load.child(home_authority=w[authority])
        i = load.episode(
            child, found - timedelta(hours=3), found=found, area=w[area], restricted=restricted
        )
        extra: dict[str, Any] = {}
        if hours is not None:
            extra = {
                "state": "closed",
                "outcome": "completed",
                "outcome_at": found + timedelta(hours=hours),
                "offered_at": found + timedelta(hours=1),
            }
        load.referral(i, authority=w[authority], interviewer=w["provider"], rag="red", **extra)
    load.save()
    board = make_org("safeguarding_board", name="Vale SCP", local_authority=w["vale"])
    w["board"] = make_user("safeguarding_board_member", organisation=board)
    w["coordinator"] = make_user("missing_person_coordinator", organisation=w["north"])

    def page(user: Any) -> list[tuple[object, ...]]:
        t = coverage_table(user, start=YEAR["start"], end=YEAR["end"], group="authority")
        return [
            (r.label, r.referrals, r.offered, r.completed, r.completed_in_72h, r.open)
            for r in [*t.rows, t.total]
        ]

    def report(user: Any) -> list[tuple[object, ...]]:
        t = report_for(user, "return-interviews", **YEAR).table("authority")
        return rows(t, "referrals", "offered", "completed", "in_72h", "open")

    expected = {
        # The force's cases (north and south), none restricted.
        "analyst": [
            ("Harbour", 1, 0, 0, 0, 1),
            ("Vale", 2, 2, 2, 1, 0),
            ("All referrals", 3, 2, 2, 1, 1),
        ],
        "board": [
            ("Harbour", 1, 0, 0, 0, 1),
            ("Vale", 2, 2, 2, 1, 0),
            ("All referrals", 3, 2, 2, 1, 1),
        ],
        # Harbour Police's two cases.
        "other_analyst": [
            ("Harbour", 1, 1, 1, 1, 0),
            ("Vale", 1, 0, 0, 0, 1),
            ("All referrals", 2, 1, 1, 1, 1),
        ],
        # Vale's children wherever they went missing, none restricted.
        "team_manager": [("Vale", 3, 2, 2, 1, 1), ("All referrals", 3, 2, 2, 1, 1)],
    }
    for who, figures in expected.items():
        assert page(w[who]) == figures, who
        assert report(w[who]) == figures, who
    # The page's other police role counts as the analyst of its force does.
    assert page(w["coordinator"]) == expected["analyst"]

"""The analysts' reports (issue 14, part 1): each report's figures checked exactly against
small data sets with known answers, the published tables of seed 004 reproduced (R-DAT-12,
R-DAT-14), C-11's rounding, C-10's bands across both clock changes (C-01), R-DAT-12's
buckets and R-DEF-15 at every boundary, and who sees which figures."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from misper.core.errors import NotFound, PermissionDenied, ValidationFailed
from misper.episodes.services import episode_found, episode_report
from misper.episodes.services.record import FoundInput
from misper.insights import reports
from misper.insights.reports import (
    MISSING_DATA,
    duration_band,
    is_persistent,
    percent,
    repeat_bucket,
    report_for,
)
from misper.people.services import PersonDetails, person_create
from tests.episodes.conftest import report
from tests.insights.reports_data import Loader, force_with_areas, utc

D = Decimal
YEAR = {"start": date(2025, 1, 1), "end": date(2025, 12, 31)}


# --- C-11, C-10, R-DAT-12 and R-DEF-15, on their own -------------------------------------------


@pytest.mark.parametrize(
    ("part", "whole", "expected"),
    [
        (1, 8, "12.5"),
        (2, 3, "66.7"),
        (1, 6, "16.7"),
        (1, 3, "33.3"),
        (1, 16, "6.3"),  # 6.25: half up, not to the even 6.2
        (3, 16, "18.8"),  # 18.75
        (1, 2000, "0.1"),  # 0.05: the smallest half rounds up
        (1, 20000, "0.0"),  # 0.005 is under the half
        (0, 7, "0.0"),
        (7, 7, "100.0"),
        (214, 410, "52.2"),  # R-DAT-12's computed row
        (9, 119, "7.6"),  # R-DAT-14: published 7.5
    ],
)
def test_percentages_are_one_decimal_place_half_up(part, whole, expected):
    assert percent(part, whole) == D(expected)
    assert str(percent(part, whole)) == expected


def test_nothing_to_divide_is_no_percentage():
    assert percent(0, 0) is None
    assert reports.shown(None, reports.PERCENT) == "–"
    assert reports.shown(D("12.5"), reports.PERCENT) == "12.5%"
    assert reports.average(5, 2) == D("2.5") and reports.average(2, 3) == D("0.7")
    assert reports.average(0, 0) is None


def test_duration_bands_are_half_open_in_elapsed_hours():
    seen = utc(2025, 6, 1, 12)
    h = timedelta(hours=1)
    s = timedelta(seconds=1)
    cases = [
        (timedelta(0), "0 to 8 hours"),
        (8 * h - s, "0 to 8 hours"),
        (8 * h, "8 to 16 hours"),
        (16 * h, "16 to 24 hours"),
        (24 * h - s, "16 to 24 hours"),
        (24 * h, "24 to 48 hours"),
        (48 * h, "2 to 7 days"),
        (168 * h - s, "2 to 7 days"),
        (168 * h, "7 days or more"),
        (400 * h, "7 days or more"),
    ]
    for elapsed, band in cases:
        assert duration_band(seen, seen + elapsed) == band, elapsed
    assert duration_band(seen, None) == MISSING_DATA
    assert duration_band(seen, seen - s) == MISSING_DATA


def test_repeat_buckets_and_persistent_at_every_boundary():
    expected = {
        1: "1 or 2 times",
        2: "1 or 2 times",
        3: "3 to 5 times",
        4: "3 to 5 times",
        5: "3 to 5 times",
        6: "6 to 8 times",
        8: "6 to 8 times",
        9: "9 to 19 times",
        19: "9 to 19 times",
        20: "20 times or more",
        57: "20 times or more",
    }
    for n, bucket in expected.items():
        assert repeat_bucket(n) == bucket, n
    # R-DEF-15: "more than 3" (Appendix B.17: 3 is in "3 to 5" but not persistent).
    assert [n for n in range(1, 8) if is_persistent(n)] == [4, 5, 6, 7]
    with pytest.raises(ValueError):
        repeat_bucket(0)


# --- The reports over data ---------------------------------------------------------------------


@pytest.fixture
def w(make_org, make_user) -> dict[str, Any]:
    return force_with_areas(make_org, make_user)


@pytest.fixture
def load(w) -> Loader:
    return Loader(w, w["call_handler"])


def reported_and_found(w: dict[str, Any], person: Any, seen: datetime, found: datetime) -> Any:
    """An episode through the services: reported an hour after ``seen``, found at ``found``."""
    reported = seen + timedelta(hours=1)
    ep = episode_report(
        actor=w["inspector"],
        person_id=person.pk,
        report=report(
            reported_at=reported,
            last_seen_at=seen,
            last_contact_at=seen,
            location_address="12 Larch Road",
        ),
        category="missing",
        now=reported,
    )
    return episode_found(
        actor=w["investigating_officer"],
        episode_id=ep.pk,
        version=ep.version,
        found=FoundInput(
            found_at=found,
            found_where="A friend's flat",
            found_by="PC Lee",
            condition="Well",
            safe_and_well="done",
        ),
        now=max(found, reported) + timedelta(minutes=5),
    )


@pytest.mark.django_db
def test_episodes_across_both_clock_changes_fall_in_their_elapsed_bands(w):
    """C-01 and C-10: the spring night is 23 hours long and the autumn one 25, so wall
    clocks overstate the first and understate the second. Made through the services."""
    child = w["child"]
    # 30 March 2025: 00:30 GMT to 08:30 BST reads 8 hours on the clock; 7 hours elapsed.
    reported_and_found(w, child, utc(2025, 3, 30, 0, 30), utc(2025, 3, 30, 7, 30))
    # 26 October 2025: 00:30 BST to 07:45 GMT reads 7¼ hours; 8¼ elapsed.
    reported_and_found(w, child, utc(2025, 10, 25, 23, 30), utc(2025, 10, 26, 7, 45))
    # 25 October 20:00 BST to 26 October 19:30 GMT reads 23½ hours; 24½ elapsed.
    reported_and_found(w, child, utc(2025, 10, 25, 19), utc(2025, 10, 26, 19, 30))
    # Still missing: missing data.
    seen = utc(2025, 11, 3, 9)
    episode_report(
        actor=w["inspector"],
        person_id=child.pk,
        report=report(
            reported_at=seen + timedelta(hours=1), last_seen_at=seen, last_contact_at=seen
        ),
        category="missing",
        now=seen + timedelta(hours=1),
    )

    r = report_for(w["analyst"], "durations", **YEAR)
    bands = r.table("bands")
    counts = {row["label"]: row["count"] for row in bands.rows}
    assert counts == {
        "0 to 8 hours": 1,
        "8 to 16 hours": 1,
        "16 to 24 hours": 0,
        "24 to 48 hours": 1,
        "2 to 7 days": 0,
        "7 days or more": 0,
        MISSING_DATA: 1,
    }
    assert [row["share"] for row in bands.rows] == [
        D("25.0"),
        D("25.0"),
        D("0.0"),
        D("25.0"),
        D("0.0"),
        D("0.0"),
        D("25.0"),
    ]
    assert bands.value("All missing episodes", "count") == 4
    thresholds = r.table("thresholds")
    assert thresholds.value("Found within 16 hours", "count") == 2
    assert thresholds.value("Missing 24 hours or more", "share") == D("25.0")


@pytest.mark.django_db
def test_durations_count_only_missing_episodes_by_the_uk_date_last_seen(w, load):
    child = load.child()
    # 30 June 23:30 UTC is 1 July 00:30 BST: in July, not June.
    load.episode(child, utc(2025, 6, 30, 23, 30), found=utc(2025, 7, 1, 2))
    load.episode(child, utc(2025, 6, 30, 22, 59), found=utc(2025, 7, 1, 2))  # 23:59 BST
    load.episode(child, utc(2025, 7, 2, 10), found=utc(2025, 7, 2, 11), category="absent")
    load.save()
    july = report_for(w["analyst"], "durations", start=date(2025, 7, 1), end=date(2025, 7, 31))
    assert july.table("bands").value("All missing episodes", "count") == 1
    assert july.table("bands").value("0 to 8 hours", "count") == 1
    june = report_for(w["analyst"], "durations", start=date(2025, 6, 1), end=date(2025, 6, 30))
    assert june.table("bands").value("0 to 8 hours", "count") == 1


@pytest.mark.django_db
def test_children_on_every_bucket_boundary_and_the_persistent_count(w, load):
    counts = [1, 2, 3, 4, 5, 6, 8, 9, 19, 20]
    start = utc(2025, 1, 1, 12)
    for n in counts:
        child = load.child()
        for i in range(n):
            load.episode(
                child, start + timedelta(days=i * 3), found=start + timedelta(days=i * 3, hours=2)
            )
    # Absences and other forces' episodes are not counted; restricted episodes are.
    extra = load.child()
    load.episode(extra, start, category="absent")
    load.episode(load.child(), start, area=w["harbour_area"])
    restricted = load.child()
    load.episode(restricted, start, restricted=True)
    load.save()

    r = report_for(w["analyst"], "repeat", **YEAR)
    buckets = r.table("buckets")
    assert [(row["label"], row["children"], row["episodes"]) for row in buckets.rows] == [
        ("1 or 2 times", 3, 4),  # 1, 2 and the restricted child's 1
        ("3 to 5 times", 3, 12),
        ("6 to 8 times", 2, 14),
        ("9 to 19 times", 2, 28),
        ("20 times or more", 1, 20),
    ]
    assert buckets.value("All children missing", "children") == 11
    assert buckets.value("All children missing", "episodes") == 78
    assert [row["share"] for row in buckets.rows] == [
        D("27.3"),
        D("27.3"),
        D("18.2"),
        D("18.2"),
        D("9.1"),
    ]
    persistent = r.table("persistent")
    # More than 3: 4, 5, 6, 8, 9, 19 and 20 times.
    assert persistent.value("Persistent: missing more than 3 times", "children") == 7
    assert persistent.value("Persistent: missing more than 3 times", "share") == D("63.6")
    assert persistent.value("Missing 1 to 3 times", "children") == 4


@pytest.mark.django_db
def test_the_published_persistent_missing_table_is_reproduced(w, load):
    """R-DAT-12: 410 children, 214 / 57 / 39 / 51 / 49; computed 52.2 / 13.9 / 9.5 / 12.4 /
    12.0 (published 52, 14, 9.5, 12.4, 12)."""
    start = utc(2025, 2, 1, 12)
    for size, times in ((214, 1), (57, 3), (39, 6), (51, 9), (49, 20)):
        for child in load.children(size):
            for i in range(times):
                load.episode(child, start + timedelta(days=i))
    load.save()
    buckets = report_for(w["analyst"], "repeat", **YEAR).table("buckets")
    assert [(row["children"], str(row["share"])) for row in buckets.rows] == [
        (214, "52.2"),
        (57, "13.9"),
        (39, "9.5"),
        (51, "12.4"),
        (49, "12.0"),
    ]
    assert buckets.value("All children missing", "children") == 410


@pytest.mark.django_db
def test_the_published_red_amber_green_table_by_home_and_care(w, load):
    """R-DAT-14, January to April 2015, 185 referrals: in care 102 / 8 / 9 (85.7, 6.7, 7.6;
    64.3% of all), at home 39 / 17 / 10 (59.1, 25.8, 15.2; 35.7%). Two more referrals not
    yet triaged are counted apart and change no percentage."""
    found = utc(2025, 3, 1, 12)
    split = {(True, "red"): 102, (True, "amber"): 8, (True, "green"): 9}
    split |= {(False, "red"): 39, (False, "amber"): 17, (False, "green"): 10, (False, ""): 2}
    for (in_care, rag), n in split.items():
        for child in load.children(n):
            i = load.episode(
                child,
                found - timedelta(hours=5),
                found=found,
                missing_from="care" if in_care else "home",
            )
            load.referral(
                i, authority=w["vale"], interviewer=w["provider"], rag=rag, in_care=in_care
            )
    load.save()
    table = report_for(w["analyst"], "return-interviews", **YEAR).table("rag_care")
    got = [
        (
            row["label"],
            row["red"],
            row["red_share"],
            row["amber"],
            row["amber_share"],
            row["green"],
            row["green_share"],
            row["triaged"],
            row["share"],
            row["not_triaged"],
        )
        for row in table.all_rows
    ]
    assert got == [
        ("Looked after (in care)", 102, D("85.7"), 8, D("6.7"), 9, D("7.6"), 119, D("64.3"), 0),
        ("Living at home", 39, D("59.1"), 17, D("25.8"), 10, D("15.2"), 66, D("35.7"), 2),
        ("All referrals", 141, D("76.2"), 25, D("13.5"), 19, D("10.3"), 185, D("100.0"), 2),
    ]
    # The table as the page shows it.
    assert table.display()[0] == [
        "Looked after (in care)",
        "102",
        "85.7%",
        "8",
        "6.7%",
        "9",
        "7.6%",
        "119",
        "64.3%",
        "0",
    ]


@pytest.mark.django_db
def test_red_amber_green_by_sex_and_coverage_and_timeliness(w, load):
    """R-DAT-15: sex × triage. Coverage: completed of referrals; timeliness: completed
    within 72 hours of being found (R-RHI-01), of those completed; by authority and by the
    organisation holding the interviews."""
    found = utc(2025, 5, 10, 12)
    other_provider = w["harbour_area"]  # any organisation will do as an interviewer
    plan = [
        # sex, rag, authority, interviewer, outcome hours after found (None: still open)
        ("female", "red", "vale", "provider", 30),
        ("female", "red", "vale", "provider", 80),
        ("female", "amber", "vale", "provider", None),
        ("female", "green", "vale", "provider", None),
        ("male", "red", "harbour", "provider", 10),
        ("male", "green", "harbour", "other", None),
        ("male", "", "harbour", "other", None),
    ]
    for sex, rag, authority, interviewer, hours in plan:
        child = load.child(sex=sex)
        i = load.episode(child, found - timedelta(hours=3), found=found)
        extra: dict[str, Any] = {}
        if hours is not None:
            extra = {
                "state": "closed",
                "outcome": "completed",
                "outcome_at": found + timedelta(hours=hours),
                "offered_at": found + timedelta(hours=1),
            }
        load.referral(
            i,
            authority=w[authority],
            interviewer=w["provider"] if interviewer == "provider" else other_provider,
            rag=rag,
            **extra,
        )
    load.save()
    r = report_for(w["analyst"], "return-interviews", **YEAR)
    by_sex = r.table("rag_sex")
    assert by_sex.value("Female", "red") == 2 and by_sex.value("Female", "red_share") == D("50.0")
    assert by_sex.value("Male", "red_share") == D("50.0")  # 1 of the 2 triaged
    assert by_sex.value("Male", "not_triaged") == 1
    assert by_sex.value("Female", "share") == D("66.7")  # 4 of 6 triaged
    assert by_sex.value("Not known", "triaged") == 0
    assert by_sex.value("Not known", "red_share") is None

    authority = r.table("authority")
    # (No interview records: the outcome's time is when the clock stopped.)
    assert authority.value("Vale", "referrals") == 4
    assert authority.value("Vale", "completed") == 2
    assert authority.value("Vale", "coverage") == D("50.0")
    assert authority.value("Vale", "in_72h") == 1
    assert authority.value("Vale", "timeliness") == D("50.0")
    assert authority.value("Harbour", "coverage") == D("33.3")
    assert authority.value("Harbour", "timeliness") == D("100.0")
    assert authority.value("All referrals", "coverage") == D("42.9")  # 3 of 7
    assert authority.value("All referrals", "timeliness") == D("66.7")  # 2 of 3
    provider = r.table("provider")
    assert provider.value("Streetwise", "referrals") == 5
    assert provider.value("Harbour Central", "completed") == 0
    assert provider.value("Harbour Central", "timeliness") is None


@pytest.mark.django_db
def test_who_goes_missing_and_how_often_they_were_also_absent(w, load):
    """Home or care by each child's last episode; sex, age band (C-12, on the day last
    seen) and ethnic group; absences per missing child by R-DAT-12's buckets (R-DAT-09)."""
    day = utc(2025, 4, 1, 12)
    # Ann: missing from home, then from care (her last): counted as care; 15 on 1 April.
    ann = load.child(sex="female", ethnicity="WBRI", born=date(2010, 3, 31))
    load.episode(ann, day, missing_from="home")
    load.episode(ann, day + timedelta(days=5), missing_from="care")
    for k in range(3):
        load.episode(ann, day + timedelta(days=10 + k), category="absent")
    # Ben: missing 3 times from care, absent once (unauthorised absence); 14 throughout.
    ben = load.child(sex="male", ethnicity="BCRB", born=date(2010, 5, 1))
    for k in range(3):
        load.episode(ben, day + timedelta(days=k), missing_from="care")
    load.episode(ben, day + timedelta(days=20), category="unauthorised_absence")
    # Cat: missing once from school; ethnicity not obtained; an estimated age of 9.
    cat = load.child(sex="unknown", ethnicity="NOBT", born=None, estimated_age=9)
    load.episode(cat, day, missing_from="school")
    # Dan: absent only (counted apart); never missing.
    dan = load.child(sex="male")
    load.episode(dan, day, category="absent")
    load.save()

    r = report_for(w["analyst"], "children", **YEAR)
    where = r.table("missing_from")
    assert [(row["label"], row["children"], row["episodes"]) for row in where.rows] == [
        ("Home", 0, 1),
        ("Care placement", 2, 4),
        ("School", 1, 1),
        ("An activity", 0, 0),
    ]
    assert where.value("Care placement", "children_share") == D("66.7")
    assert where.value("Care placement", "episodes_share") == D("66.7")
    sex = r.table("sex")
    assert {row["label"]: row["children"] for row in sex.rows} == {
        "Male": 1,
        "Female": 1,
        "Other": 0,
        "Not known": 1,
    }
    assert sex.value("Male", "episodes") == 3
    age = r.table("age")
    assert {row["label"]: row["children"] for row in age.rows if row["children"]} == {
        "Under 10": 1,
        "12 to 14": 1,
        "15 to 17": 1,
    }
    ethnicity = r.table("ethnicity")
    assert ethnicity.value("White", "children") == 1
    assert ethnicity.value("Black or Black British", "children") == 1
    assert ethnicity.value("Not yet obtained", "children") == 1
    assert ethnicity.value("All", "children_share") == D("100.0")

    absent = r.table("absent_and_missing")
    # 1 or 2 times: Ann (2 missing, 3 absent) and Cat (1, 0); 3 to 5: Ben (3, 1).
    assert absent.value("1 or 2 times", "children") == 2
    assert absent.value("1 or 2 times", "absences") == 3
    assert absent.value("1 or 2 times", "average") == D("1.5")
    assert absent.value("1 or 2 times", "also_absent_share") == D("50.0")
    assert absent.value("3 to 5 times", "average") == D("1.0")
    assert absent.value("6 to 8 times", "average") is None
    assert absent.value("All children missing", "average") == D("1.3")  # 4 / 3
    assert "Children absent but not missing: 1" in absent.note


# --- Who sees which figures ----------------------------------------------------------------


@pytest.mark.django_db
def test_each_user_sees_their_own_figures(w, load, make_org, make_user):
    vale_child = load.child()
    harbour_child = load.child(home_authority=w["harbour"])
    load.episode(vale_child, utc(2025, 3, 1, 12), area=w["north"])
    load.episode(vale_child, utc(2025, 3, 2, 12), area=w["south"])
    load.episode(harbour_child, utc(2025, 3, 3, 12), area=w["south"])
    load.episode(vale_child, utc(2025, 3, 4, 12), area=w["harbour_area"])
    load.save()

    def total(user: Any, **kw: Any) -> int:
        r = report_for(user, "durations", **YEAR, **kw)
        return int(r.table("bands").value("All missing episodes", "count"))  # type: ignore[arg-type]

    # The analyst: their force's three; by area.
    assert total(w["analyst"]) == 3
    assert total(w["analyst"], area_id=w["south"].pk) == 2
    assert total(w["other_analyst"]) == 1
    # An area not theirs is refused on the field, whether or not it exists.
    for area in (w["harbour_area"].pk, 987654):
        with pytest.raises(ValidationFailed) as exc:
            report_for(w["analyst"], "durations", area_id=area)
        assert exc.value.field == "area"
    # The team manager: Vale's child wherever she went missing (three), not Harbour's.
    assert total(w["team_manager"]) == 3
    assert {a.name for a in reports.scope_for(w["team_manager"]).areas} == {
        "North",
        "South",
        "Harbour Central",
    }
    # A board whose partnership covers Vale: the force with a policing area in Vale.
    board = make_org("safeguarding_board", name="Vale SCP", local_authority=w["vale"])
    member = make_user("safeguarding_board_member", organisation=board)
    assert total(member) == 3
    assert reports.scope_for(member).label == "Force"
    lost = make_user("safeguarding_board_member", organisation=make_org("safeguarding_board"))
    assert reports.scope_for(lost).empty_reason
    assert report_for(lost, "durations").tables == []
    # Nobody else.
    for who in ("social_worker", "inspector", "call_handler"):
        with pytest.raises(PermissionDenied):
            report_for(w[who], "durations")
    with pytest.raises(NotFound):
        report_for(w["analyst"], "no-such-report")


@pytest.mark.django_db
def test_the_period_defaults_to_twelve_months_and_is_checked(w):
    today = date(2026, 3, 31)
    scope = reports.scope_for(w["analyst"])
    f = reports.filters_for(scope, start=None, end=None, area_id=None, today=today)
    assert (f.start, f.end, f.area) == (date(2025, 4, 1), today, None)
    f = reports.filters_for(scope, start=None, end=date(2025, 12, 31), area_id=None, today=today)
    assert f.start == date(2025, 1, 1)
    with pytest.raises(ValidationFailed) as exc:
        reports.filters_for(scope, start=date(2025, 2, 1), end=date(2025, 1, 1), area_id=None)
    assert exc.value.field == "to"
    with pytest.raises(ValidationFailed) as exc:
        reports.filters_for(scope, start=date(2020, 1, 1), end=date(2025, 1, 1), area_id=None)
    assert exc.value.field == "from"


@pytest.mark.django_db
def test_a_child_made_through_the_services_is_counted_by_sex_age_and_ethnicity(w):
    """The services' own rows (not the loader's) read the same way."""
    person = person_create(
        actor=w["social_worker"],
        details=PersonDetails(
            given_name="Mia",
            family_name="Hart",
            date_of_birth=date(2011, 4, 2),
            sex="female",
            ethnicity="MWBC",
            home_authority=w["vale"],
        ),
    )
    reported_and_found(w, person, utc(2025, 4, 2, 8), utc(2025, 4, 2, 20))
    r = report_for(w["analyst"], "children", **YEAR)
    assert r.table("ethnicity").value("Mixed", "children") == 1
    assert r.table("age").value("12 to 14", "episodes") == 1  # 14 on her birthday
    assert r.table("sex").value("Female", "children") == 1
    assert r.table("missing_from").value("Home", "children") == 1

"""UK calendar arithmetic: C-01 (UTC instants, local dates), C-02 day windows, C-03 "3 months",
C-04 "one year", C-12 age (policy-rules.md Appendix C)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from misper.policy.calendar import (
    LONDON,
    add_months,
    age_on,
    days_window_start,
    local_date,
    local_midnight,
    months_window_start,
    within_days,
    within_months,
)


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


# ---------------------------------------------------------------- C-01 local dates


def test_c01_summer_evening_utc_is_next_local_day() -> None:
    # 23:30 UTC on 30 June is 00:30 BST on 1 July.
    assert local_date(utc(2025, 6, 30, 23, 30)) == date(2025, 7, 1)
    assert local_date(utc(2025, 6, 30, 22, 59)) == date(2025, 6, 30)


def test_c01_winter_utc_equals_local_date() -> None:
    assert local_date(utc(2025, 1, 15, 23, 30)) == date(2025, 1, 15)


def test_c01_clock_change_days() -> None:
    # BST starts 30 March 2025 01:00 UTC; ends 26 October 2025 01:00 UTC.
    assert local_date(utc(2025, 3, 29, 23, 30)) == date(2025, 3, 29)  # still GMT
    assert local_date(utc(2025, 3, 30, 23, 30)) == date(2025, 3, 31)  # BST
    assert local_date(utc(2025, 10, 25, 23, 30)) == date(2025, 10, 26)  # BST, last night
    assert local_date(utc(2025, 10, 26, 23, 30)) == date(2025, 10, 26)  # GMT again


def test_c01_naive_datetime_refused() -> None:
    with pytest.raises(ValueError):
        local_date(datetime(2025, 1, 1))


def test_local_midnight_is_the_start_of_the_local_day() -> None:
    assert local_midnight(date(2025, 7, 1)).astimezone(UTC) == utc(2025, 6, 30, 23, 0)
    assert local_midnight(date(2025, 1, 1)).astimezone(UTC) == utc(2025, 1, 1, 0, 0)
    # the clock-change days themselves
    assert local_midnight(date(2025, 3, 30)).astimezone(UTC) == utc(2025, 3, 30, 0, 0)
    assert local_midnight(date(2025, 10, 26)).astimezone(UTC) == utc(2025, 10, 25, 23, 0)


@given(st.datetimes(min_value=datetime(2000, 1, 2), max_value=datetime(2040, 12, 30)))
def test_local_midnight_bounds_local_date(naive: datetime) -> None:
    instant = naive.replace(tzinfo=UTC)
    day = local_date(instant)
    assert local_midnight(day) <= instant < local_midnight(day + timedelta(days=1))


# ---------------------------------------------------------------- C-02 day windows


def test_c02_example_day_90_inside_day_91_outside() -> None:
    # The worked example of C-02: 1 Jan -> 31 Mar is day 90, 1 Apr is day 91.
    assert within_days(utc(2025, 1, 1, 10), utc(2025, 3, 31, 10), 90)
    assert not within_days(utc(2025, 1, 1, 10), utc(2025, 4, 1, 10), 90)


def test_c02_30_day_window_edges() -> None:
    assert within_days(utc(2025, 1, 1, 9), utc(2025, 1, 30, 23, 59), 30)
    assert not within_days(utc(2025, 1, 1, 9), utc(2025, 1, 31, 0, 1), 30)


def test_c02_times_of_day_do_not_matter_only_local_dates() -> None:
    # earlier late in the day, new early in the day: still day 90
    assert within_days(utc(2025, 1, 1, 23, 59), utc(2025, 3, 31, 0, 1), 90)


def test_c02_uses_local_dates_across_bst() -> None:
    # 23:30 UTC on 30 June is 1 July locally: 1 Jul -> 28 Sep is day 90 (inside);
    # by UTC dates it would be day 91.
    assert within_days(utc(2025, 6, 30, 23, 30), utc(2025, 9, 28, 12), 90)
    assert not within_days(utc(2025, 6, 30, 22, 30), utc(2025, 9, 28, 12), 90)


def test_c02_earlier_after_new_is_never_inside() -> None:
    assert not within_days(utc(2025, 1, 2), utc(2025, 1, 1), 90)
    assert within_days(utc(2025, 1, 1), utc(2025, 1, 1), 1)


def test_days_window_start() -> None:
    assert days_window_start(date(2025, 3, 31), 90) == date(2025, 1, 1)
    with pytest.raises(ValueError):
        days_window_start(date(2025, 3, 31), 0)


@given(
    st.dates(min_value=date(2001, 1, 1), max_value=date(2039, 1, 1)),
    st.integers(min_value=1, max_value=400),
)
def test_c02_window_is_exact_at_its_edge(new_day: date, days: int) -> None:
    new = local_midnight(new_day) + timedelta(hours=12)
    first_inside = local_midnight(new_day - timedelta(days=days - 1))
    last_outside = first_inside - timedelta(minutes=1)
    assert within_days(first_inside, new, days)
    assert not within_days(last_outside, new, days)


# ---------------------------------------------------------- C-03 / C-04 month windows


def test_add_months_clamps_to_month_end() -> None:
    assert add_months(date(2025, 5, 31), -3) == date(2025, 2, 28)
    assert add_months(date(2024, 5, 31), -3) == date(2024, 2, 29)
    assert add_months(date(2025, 1, 31), 1) == date(2025, 2, 28)
    assert add_months(date(2025, 3, 15), -12) == date(2024, 3, 15)
    assert add_months(date(2024, 2, 29), 12) == date(2025, 2, 28)
    assert add_months(date(2025, 12, 10), 1) == date(2026, 1, 10)


def test_c03_three_months_month_end_clamping() -> None:
    # 31 May 2025 minus 3 months = 28 Feb 2025: 28 Feb is outside, 1 Mar inside.
    new = utc(2025, 5, 31, 12)
    assert not within_months(utc(2025, 2, 28, 12), new, 3)
    assert within_months(utc(2025, 3, 1, 0, 0), new, 3)
    # leap year: 31 May 2024 minus 3 months = 29 Feb 2024.
    new = utc(2024, 5, 31, 12)
    assert not within_months(utc(2024, 2, 29, 12), new, 3)
    assert within_months(utc(2024, 3, 1, 0, 0), new, 3)


def test_c03_three_months_ordinary_edge() -> None:
    new = utc(2025, 6, 10, 12)  # minus 3 months = 10 Mar
    assert within_months(utc(2025, 3, 11, 0, 0), new, 3)
    assert not within_months(utc(2025, 3, 10, 23, 59), new, 3)


def test_c04_one_year_is_twelve_calendar_months() -> None:
    new = utc(2025, 6, 10, 12)  # minus 12 months = 10 Jun 2024
    assert within_months(utc(2024, 6, 11, 0, 0), new, 12)
    assert not within_months(utc(2024, 6, 10, 22, 59), new, 12)  # 23:59 BST on 10 Jun


def test_c04_one_year_uses_local_dates() -> None:
    new = utc(2025, 6, 10, 12)
    # 23:30 UTC on 10 Jun 2024 is 00:30 BST on 11 Jun 2024: inside.
    assert within_months(utc(2024, 6, 10, 23, 30), new, 12)


def test_months_window_start() -> None:
    assert months_window_start(date(2025, 5, 31), 3) == date(2025, 3, 1)
    assert months_window_start(date(2025, 6, 10), 12) == date(2024, 6, 11)
    with pytest.raises(ValueError):
        months_window_start(date(2025, 6, 10), 0)


@given(
    st.dates(min_value=date(2001, 1, 1), max_value=date(2039, 1, 1)),
    st.integers(min_value=1, max_value=24),
)
def test_c03_c04_window_is_exact_at_its_edge(new_day: date, months: int) -> None:
    new = local_midnight(new_day) + timedelta(hours=23, minutes=59)
    boundary = add_months(new_day, -months)
    assert not within_months(
        local_midnight(boundary) + timedelta(hours=23, minutes=59), new, months
    )
    assert within_months(local_midnight(boundary + timedelta(days=1)), new, months)


@given(
    st.dates(min_value=date(2001, 1, 1), max_value=date(2039, 1, 1)),
    st.integers(min_value=-30, max_value=30),
)
def test_add_months_never_overshoots(day: date, n: int) -> None:
    moved = add_months(day, n)
    assert (moved.year * 12 + moved.month) - (day.year * 12 + day.month) == n
    assert moved.day <= day.day


# ------------------------------------------------------------------------- C-12 age


def test_c12_age_completed_years_on_local_date() -> None:
    dob = date(2008, 7, 1)
    assert age_on(dob, utc(2025, 6, 30, 22, 59)) == 16  # 23:59 BST on 30 June
    assert age_on(dob, utc(2025, 6, 30, 23, 0)) == 17  # 00:00 BST on 1 July
    assert age_on(dob, date(2025, 7, 1)) == 17


def test_c12_age_turning_18() -> None:
    dob = date(2007, 11, 3)
    assert age_on(dob, utc(2025, 11, 2, 12)) == 17
    assert age_on(dob, utc(2025, 11, 3, 0, 0)) == 18


def test_c12_leap_day_birthday_is_1_march_in_non_leap_years() -> None:
    dob = date(2008, 2, 29)
    assert age_on(dob, date(2025, 2, 28)) == 16
    assert age_on(dob, date(2025, 3, 1)) == 17
    assert age_on(dob, date(2024, 2, 28)) == 15
    assert age_on(dob, date(2024, 2, 29)) == 16


def test_c12_age_before_birth_refused() -> None:
    with pytest.raises(ValueError):
        age_on(date(2020, 1, 1), date(2019, 12, 31))


def test_london_zone() -> None:
    assert str(LONDON) == "Europe/London"

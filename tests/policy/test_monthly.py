"""R-TRG-20: the monthly list of children missing more than three times in twelve months,
adopted by a profile as a local option (national-continuum does; the source protocols do
not)."""

from __future__ import annotations

from datetime import date

from misper.policy.monthly import MonthlyList, monthly_list, on_the_list
from misper.policy.profiles import load_profile

CFG = MonthlyList(min_episodes=4, months=12)


def test_only_a_profile_that_adopts_it_has_the_list() -> None:
    assert monthly_list(load_profile("national-continuum")) == CFG
    for pid in ("west-mercia-2014", "west-midlands-2015", "west-midlands-2018"):
        assert monthly_list(load_profile(pid)) is None
    assert load_profile("national-continuum").is_local_choice("monthly_missing_list")


def test_four_times_in_twelve_calendar_months_is_on_the_list_three_is_not() -> None:
    today = date(2026, 12, 7)
    assert CFG.window(today) == (date(2025, 12, 8), today)  # C-04: strictly after minus 12
    inside = [date(2025, 12, 8), date(2026, 3, 1), date(2026, 9, 9), today]
    assert on_the_list(CFG, today, inside)
    assert not on_the_list(CFG, today, inside[1:])
    # The day 12 months before is outside: 7 December 2025 does not count.
    assert not on_the_list(CFG, today, [date(2025, 12, 7), *inside[1:]])


def test_the_reason_cites_the_rule() -> None:
    reason = CFG.reason(5)
    assert reason.rule == "R-TRG-20" and "5 times in the last 12 months" in reason.text

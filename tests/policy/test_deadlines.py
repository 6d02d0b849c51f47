"""Deadlines: elapsed hours in UTC (C-01), right across both UK clock changes."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from misper.policy import deadlines as dl
from misper.policy.facts import Episode, Grading, Report
from misper.policy.profiles import list_profiles, load_profile

LONDON = ZoneInfo("Europe/London")
WMC = load_profile("west-mercia-2014")


def _utc(s: str) -> datetime:
    return datetime.fromisoformat(s.replace("Z", "+00:00"))


def test_r_cls_09_spring_forward_absent_limit() -> None:
    report = Report(
        reported_at=_utc("2025-03-30T01:00:00Z"), last_contact_at=_utc("2025-03-30T00:30:00Z")
    )
    d = dl.absent_limit(WMC, report)
    assert d is not None and d.due == _utc("2025-03-30T06:30:00Z")
    # 00:30 GMT + 6 h elapsed is 07:30 BST on the wall clock
    assert d.due.astimezone(LONDON).hour == 7


def test_r_cls_09_autumn_back_absent_limit() -> None:
    report = Report(
        reported_at=_utc("2025-10-26T01:00:00Z"), last_contact_at=_utc("2025-10-26T00:30:00Z")
    )
    d = dl.absent_limit(WMC, report)
    assert d is not None and d.due == _utc("2025-10-26T06:30:00Z")
    assert d.due.astimezone(LONDON).hour == 6  # 01:30 BST + 6 h = 06:30 GMT


def test_c_09_clock_defaults_to_last_seen() -> None:
    report = Report(
        reported_at=_utc("2025-06-10T14:00:00Z"), last_seen_at=_utc("2025-06-10T12:00:00Z")
    )
    d = dl.absent_limit(WMC, report)
    assert d is not None and d.due == _utc("2025-06-10T18:00:00Z")


def test_r_rhi_01_due_across_spring_and_autumn() -> None:
    spring = dl.rhi_due(WMC, _utc("2025-03-29T12:00:00Z"))
    autumn = dl.rhi_due(WMC, _utc("2025-10-25T12:00:00Z"))
    assert spring.due == _utc("2025-04-01T12:00:00Z")
    assert autumn.due == _utc("2025-10-28T12:00:00Z")


def test_c_08_rhi_clock_earlier_of_found_and_returned() -> None:
    d = dl.rhi_due(WMC, _utc("2025-06-11T22:00:00Z"), _utc("2025-06-11T20:00:00Z"))
    assert d.due == _utc("2025-06-14T20:00:00Z")


def test_r_ppa_01_planned_and_emergency() -> None:
    placed = _utc("2025-03-28T10:00:00Z")
    assert dl.ppa_due(WMC, placed, emergency=False).due == placed
    assert dl.ppa_due(WMC, placed, emergency=True).due == _utc("2025-03-31T10:00:00Z")


def test_r_rhi_06_not_required_closes_rhi_due() -> None:
    ep = Episode(category="missing", risk="medium", found_at=_utc("2025-06-11T09:00:00Z"))
    assert [d.kind for d in dl.episode_deadlines(WMC, None, ep, "missing")] == ["rhi_due"]
    ep = replace(ep, rhi_outcome="not_required")
    assert dl.episode_deadlines(WMC, None, ep, "missing") == []


def test_r_rev_08_risk_review_from_last_grading() -> None:
    p = load_profile("west-midlands-2015")
    ep = Episode(
        category="missing",
        risk="high",
        risk_history=[Grading("high", "constable", _utc("2025-06-10T14:00:00Z"))],
    )
    kinds = {d.kind: d.due for d in dl.episode_deadlines(p, None, ep, "missing")}
    assert kinds["risk_review"] == _utc("2025-06-11T14:00:00Z")


def test_r_rev_12_nar_review_at_agreed_instant() -> None:
    p = load_profile("national-continuum")
    ep = Episode(
        category="missing", risk="no_apparent_risk", latest_review_at=_utc("2025-10-26T01:30:00Z")
    )
    kinds = {d.kind: d.due for d in dl.episode_deadlines(p, None, ep, "missing")}
    assert kinds == {"nar_review": _utc("2025-10-26T01:30:00Z")}


instants = st.datetimes(
    min_value=datetime(2020, 1, 1), max_value=datetime(2030, 12, 31), timezones=st.just(UTC)
)


@settings(max_examples=200, deadline=None)
@given(instants, instants, st.sampled_from(list_profiles()))
def test_property_deadlines_monotonic_in_start(a: datetime, b: datetime, pid: str) -> None:
    """C-01: each deadline is monotonic in its start and exactly N elapsed hours after it."""
    p = load_profile(pid)
    early, late = min(a, b), max(a, b)
    assert dl.rhi_due(p, early).due <= dl.rhi_due(p, late).due
    assert dl.rhi_due(p, early).due - early == timedelta(hours=72)
    assert dl.ppa_due(p, early, True).due <= dl.ppa_due(p, late, True).due
    r1, r2 = (
        Report(reported_at=early, last_contact_at=early),
        Report(reported_at=late, last_contact_at=late),
    )
    d1, d2 = dl.absent_limit(p, r1), dl.absent_limit(p, r2)
    if d1 is not None and d2 is not None:
        assert d1.due <= d2.due
        assert d1.due - early == timedelta(hours=6)


@settings(max_examples=200, deadline=None)
@given(
    st.sampled_from(["2025-03-30", "2025-10-26", "2026-03-29", "2026-10-25"]),
    st.integers(min_value=-12 * 60, max_value=12 * 60),
)
def test_property_clock_change_days_are_elapsed(day: str, minutes: int) -> None:
    """Around each change, the 6 h limit is 21,600 s of real time whatever the wall clock."""
    start = _utc(f"{day}T01:00:00Z") + timedelta(minutes=minutes)
    d = dl.absent_limit(WMC, Report(reported_at=start, last_contact_at=start))
    assert d is not None
    assert (d.due - start).total_seconds() == 6 * 3600
    assert d.due.tzinfo is not None and d.due.utcoffset() == timedelta(0)

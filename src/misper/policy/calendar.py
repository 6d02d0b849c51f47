"""UK calendar arithmetic for the policy engine (policy-rules.md Appendix C).

Instants are aware datetimes compared in UTC (C-01). Calendar windows and ages use the UK
local date (Europe/London), so an episode reported at 23:30 UTC on a summer evening falls on
the next local day (00:30 BST):

- C-02 day windows ("90 days", "30 days"): an earlier episode is inside an N-day window
  ending with a new one when ``local_date(new) - local_date(earlier) <= N - 1`` days; both
  end dates count and the earliest is "day 1".
- C-03 "3 months" and C-04 "one year" (= 12 calendar months): an earlier episode is inside
  when ``local_date(earlier) > local_date(new) - N months``, the subtraction clamping to the
  end of a shorter month (31 May minus 3 months = 28 Feb, or 29 Feb in a leap year).
- C-12 age: completed years on the UK local date of the event.

Nothing here reads the clock; every function is pure.
"""

from __future__ import annotations

import calendar as _calendar
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")

__all__ = [
    "LONDON",
    "add_months",
    "age_on",
    "days_window_start",
    "local_date",
    "local_midnight",
    "months_window_start",
    "within_days",
    "within_months",
]


def _require_aware(instant: datetime) -> None:
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise ValueError("naive datetime: the policy engine only accepts aware instants")


def local_date(instant: datetime) -> date:
    """The Europe/London calendar date of an aware instant (C-01, C-02)."""
    _require_aware(instant)
    return instant.astimezone(LONDON).date()


def local_midnight(day: date) -> datetime:
    """The instant (in UTC-comparable aware form) at which the UK local ``day`` begins.

    UK clock changes happen at 01:00 UTC, never at local midnight, so local midnight always
    exists once and ``local_date(t) >= day`` exactly when ``t >= local_midnight(day)``.
    """
    return datetime(day.year, day.month, day.day, tzinfo=LONDON)


def add_months(day: date, n: int) -> date:
    """``day`` moved by ``n`` calendar months (negative to go back), clamped to month end.

    ``add_months(date(2025, 5, 31), -3) == date(2025, 2, 28)``;
    ``add_months(date(2024, 5, 31), -3) == date(2024, 2, 29)``.
    """
    index = day.year * 12 + (day.month - 1) + n
    year, month0 = divmod(index, 12)
    if not 1 <= year <= 9999:
        raise OverflowError(f"date out of range: {day} + {n} months")
    last = _calendar.monthrange(year, month0 + 1)[1]
    return date(year, month0 + 1, min(day.day, last))


def days_window_start(new_day: date, days: int) -> date:
    """First local date inside an N-day window ending on ``new_day`` (C-02)."""
    if days < 1:
        raise ValueError("a day window needs at least one day")
    return new_day - timedelta(days=days - 1)


def months_window_start(new_day: date, months: int) -> date:
    """First local date inside an N-calendar-month window ending on ``new_day`` (C-03, C-04).

    Inside means strictly after ``new_day - N months``, so the first date inside is the day
    after that.
    """
    if months < 1:
        raise ValueError("a month window needs at least one month")
    return add_months(new_day, -months) + timedelta(days=1)


def within_days(earlier: datetime, new: datetime, days: int) -> bool:
    """C-02: is ``earlier`` inside the ``days``-day window that ends with ``new``?

    ``earlier`` must not be after ``new`` (an instant after the new episode is never inside).
    """
    _require_aware(earlier)
    _require_aware(new)
    if earlier > new:
        return False
    return (local_date(new) - local_date(earlier)).days <= days - 1


def within_months(earlier: datetime, new: datetime, months: int) -> bool:
    """C-03 / C-04: is ``earlier`` inside the ``months``-calendar-month window ending with
    ``new``? Inside when local_date(earlier) > local_date(new) minus ``months`` months."""
    _require_aware(earlier)
    _require_aware(new)
    if earlier > new:
        return False
    return local_date(earlier) > add_months(local_date(new), -months)


def age_on(date_of_birth: date, instant: datetime | date) -> int:
    """C-12: completed years on the UK local date of ``instant`` (a date is taken as local).

    A person born on 29 February has their birthday on 1 March in a non-leap year (local
    choice, documented in docs/policy-triggers.md: the person stays a child one day longer,
    the safer reading for safeguarding, and the usual reading of "attains an age at the
    commencement of the relevant anniversary" in England and Wales).
    Raises ValueError for an instant before the date of birth.
    """
    on = local_date(instant) if isinstance(instant, datetime) else instant
    if on < date_of_birth:
        raise ValueError(f"{on} is before the date of birth {date_of_birth}")
    years = on.year - date_of_birth.year
    if date_of_birth.month == 2 and date_of_birth.day == 29 and not _calendar.isleap(on.year):
        birthday = date(on.year, 3, 1)
    else:
        birthday = date_of_birth.replace(year=on.year)
    if on < birthday:
        years -= 1
    return years

"""Figures as the sources' published reports give them (policy-rules.md C-11): a percentage
of a stated base to one decimal place, rounded half up; a mean rounded the same way. The
one place the rounding lives: the return-interview figures (returns/coverage.py) and the
analysts' reports (insights/reports.py) both use it."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

ONE_PLACE = Decimal("0.1")
NOTHING = "–"  # shown where there is nothing to divide by


def percent(part: int, whole: int) -> Decimal | None:
    """C-11: ``part`` of ``whole`` as a percentage to one decimal place, rounded half up
    (12.25 → 12.3, never to even); None when there is nothing to divide by."""
    if whole == 0:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(ONE_PLACE, ROUND_HALF_UP)


def percent_text(part: int, whole: int) -> str:
    """The percentage as a page shows it: "12.5%", or a dash."""
    value = percent(part, whole)
    return NOTHING if value is None else f"{value}%"


def average(total: int, count: int) -> Decimal | None:
    """A mean to one decimal place, rounded half up as C-11 rounds; None for no items."""
    if count == 0:
        return None
    return (Decimal(total) / Decimal(count)).quantize(ONE_PLACE, ROUND_HALF_UP)

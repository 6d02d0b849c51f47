"""Demo dates of birth that keep the demo children the ages they were written for.

Everything else in the demo is dated from the day it is loaded (episodes, placements,
return interviews); a fixed date of birth would make the children older every year until
they age out of the rules the demo shows (under 16, looked after under 18) and out of the
DfE return the demo region must pass. So each is written as on ``WRITTEN`` and moved by
the days since.
"""

from __future__ import annotations

from datetime import date

from django.utils import timezone

WRITTEN = date(2026, 12, 7)


def born(written: date) -> date:
    """``written``, moved forward by the days between ``WRITTEN`` and today."""
    return written + (timezone.localdate() - WRITTEN)

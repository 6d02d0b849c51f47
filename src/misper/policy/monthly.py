"""The monthly list of children missing more than three times in twelve months (R-TRG-20).

Oldham's practice (seed 003): "monthly missing from home meetings ... They look at every child
who has been missing more than three times in the last 12 months." No source protocol adopts
it; a profile that does sets ``monthly_missing_list = {min_episodes = 4, months = 12}`` and
records the choice in its ``[local_choices]``. The window is C-04's: the ``months`` calendar
months ending with the day the list is drawn (an episode is inside when its UK local date is
after that day minus ``months`` months); only missing episodes count (C-05).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from misper.policy.calendar import months_window_start
from misper.policy.profiles import Profile
from misper.policy.types import Reason


@dataclass(frozen=True)
class MonthlyList:
    min_episodes: int
    months: int

    def window(self, today: date) -> tuple[date, date]:
        """The first and last local dates of the window the list is drawn over."""
        return months_window_start(today, self.months), today

    def reason(self, count: int) -> Reason:
        return Reason(
            "R-TRG-20",
            f"missing {count} times in the last {self.months} months (the list takes "
            f"{self.min_episodes} or more)",
        )


def monthly_list(profile: Profile | None) -> MonthlyList | None:
    """The profile's monthly list, or None where it does not adopt one."""
    if profile is None or "monthly_missing_list.min_episodes" not in profile.values:
        return None
    return MonthlyList(
        min_episodes=int(profile.values["monthly_missing_list.min_episodes"]),
        months=int(profile.values["monthly_missing_list.months"]),
    )


def on_the_list(cfg: MonthlyList, today: date, missing_days: list[date]) -> bool:
    """Is a child with missing episodes on ``missing_days`` (local dates) on the list
    drawn on ``today``?"""
    first, last = cfg.window(today)
    return sum(1 for d in missing_days if first <= d <= last) >= cfg.min_episodes

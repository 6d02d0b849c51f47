"""Deadlines of an episode (Appendix D kinds), always aware UTC instants.

Hour-denominated limits are elapsed durations (C-01): ``due = start + N * 3600 s`` in UTC,
so they are right across the UK clock changes without any special case. Agreed review and
call-back times are case data and become deadlines at exactly the agreed instant (C-14).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from misper.policy.facts import Episode, Report
from misper.policy.profiles import Profile
from misper.policy.types import Deadline, TriggerHit


def _utc(instant: datetime) -> datetime:
    if instant.tzinfo is None:
        raise ValueError("naive datetime: the policy engine only accepts aware instants")
    return instant.astimezone(UTC)


def elapsed(start: datetime, hours: int) -> datetime:
    """C-01: ``start`` plus ``hours`` elapsed hours, in UTC."""
    return _utc(start) + timedelta(hours=hours)


def absent_limit(
    profile: Profile, report: Report, categorised_at: datetime | None = None
) -> Deadline | None:
    """R-CLS-09: WMC14 absent becomes missing 6 h after last contact (C-09)."""
    hours = profile.opt_int("absent_time_limit_hours")
    if hours is None:
        return None
    start = report.clock_start
    if profile.text("absent_clock_start") == "categorised" and categorised_at is not None:
        start = categorised_at
    return Deadline(
        "absent_limit",
        elapsed(start, hours),
        "R-CLS-09",
        f"{hours} h after last contact {start.isoformat()} (C-09): automatically missing",
    )


def unauthorised_absence_limit(profile: Profile, start: datetime) -> Deadline | None:
    """R-CLS-10: after 6 h the care provider reports the child to the police."""
    hours = profile.opt_int("unauthorised_absence_limit_hours")
    if hours is None:
        return None
    return Deadline(
        "unauthorised_absence_limit",
        elapsed(start, hours),
        "R-CLS-10",
        f"{hours} h of unauthorised absence: the care provider contacts the police",
    )


def rhi_clock_start(found_at: datetime, returned_at: datetime | None) -> datetime:
    """C-08: the time located or returned, whichever is earlier."""
    if returned_at is not None and _utc(returned_at) < _utc(found_at):
        return _utc(returned_at)
    return _utc(found_at)


def rhi_due(profile: Profile, found_at: datetime, returned_at: datetime | None = None) -> Deadline:
    """R-RHI-01, C-08, C-16: a return interview within 72 h of being found."""
    hours = int(profile.get("rhi_deadline_hours"))
    start = rhi_clock_start(found_at, returned_at)
    return Deadline("rhi_due", elapsed(start, hours), "R-RHI-01", f"{hours} h after found (C-08)")


def ppa_due(profile: Profile, placed_at: datetime, emergency: bool) -> Deadline:
    """R-PPA-01: before a planned placement; an emergency placement + 72 h."""
    hours = int(profile.get("ppa_due.emergency_hours" if emergency else "ppa_due.planned_hours"))
    kind = "emergency" if emergency else "planned"
    return Deadline("ppa_due", elapsed(placed_at, hours), "R-PPA-01", f"{kind} placement")


def risk_review(profile: Profile, risk: str, since: datetime) -> Deadline | None:
    """R-REV-08/R-REV-11: the review interval of the current risk level (local choices)."""
    if risk == "no_apparent_risk":
        return None
    hours = profile.opt_int(f"risk_review_interval.{risk}")
    if hours is None:
        return None
    rule = "R-REV-11" if "002" in profile.sources else "R-REV-08"
    return Deadline(
        "risk_review", elapsed(since, hours), rule, f"{risk} risk reviewed every {hours} h"
    )


def tour_deadline(kind: str, profile: Profile, at: datetime, tour_end: datetime | None) -> Deadline:
    """R-REC-07 (update) / R-REC-08 (photo): within the tour of duty."""
    due = _utc(tour_end) if tour_end else elapsed(at, int(profile.get("default_tour_hours")))
    rule = "R-REC-08" if kind == "photo_upload" else "R-REC-07"
    return Deadline(kind, due, rule, "end of the tour of duty")


def trigger_deadlines(hits: Sequence[TriggerHit]) -> list[Deadline]:
    """R-TRG-09, C-07: intervention_meeting_due from the trigger hits."""
    return [hit.deadline for hit in hits if hit.deadline is not None]


def episode_deadlines(
    profile: Profile, report: Report | None, episode: Episode, category: str
) -> list[Deadline]:
    """Every open deadline of an episode in its current state."""
    out: list[Deadline] = []
    found = episode.found_at is not None
    if not found and not episode.closed:
        if category == "absent" and report is not None:
            d = absent_limit(profile, report, episode.categorised_at)
            if d:
                out.append(d)
        if category == "absent" and episode.review_at is not None:
            out.append(
                Deadline("absent_review", _utc(episode.review_at), "R-REV-02", "agreed (C-14)")
            )
        if category == "unauthorised_absence":
            start = report.clock_start if report else episode.categorised_at
            if start is not None:
                d = unauthorised_absence_limit(profile, start)
                if d:
                    out.append(d)
        if category in ("absent", "missing"):
            for cb in episode.callbacks_agreed:
                out.append(Deadline("callback", _utc(cb), "R-REV-02", "agreed call-back (C-14)"))
        if category == "missing" and episode.risk == "no_apparent_risk":
            if episode.latest_review_at is not None:
                out.append(
                    Deadline(
                        "nar_review", _utc(episode.latest_review_at), "R-REV-12", "agreed (C-14)"
                    )
                )
        elif category == "missing" and episode.risk is not None:
            since = None
            if episode.risk_history and episode.risk_history[-1].at is not None:
                since = episode.risk_history[-1].at
            since = since or episode.categorised_at or (report.reported_at if report else None)
            if since is not None:
                d = risk_review(profile, episode.risk, since)
                if d:
                    out.append(d)
        if category == "missing" and profile.flag("tour_of_duty") and episode.tour_end:
            out.append(
                tour_deadline("tour_of_duty_update", profile, episode.tour_end, episode.tour_end)
            )
    offered = category == "missing" or (
        category == "absent" and profile.flag("rhi_offer_to_absent_or_nar")  # R-RHI-13
    )
    if found and offered and episode.rhi_outcome not in ("completed", "not_required"):
        assert episode.found_at is not None
        out.append(rhi_due(profile, episode.found_at, episode.returned_at))
    return out

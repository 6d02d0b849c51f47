"""The triggers of imported episodes (the bulk import of history, issue 14 part 3), asked
in batches: the histories a batch of episodes needs are read in a few queries and each
episode is put to the policy's trigger rules (``misper.policy.triggers.evaluate_triggers``,
R-TRG-*) in Python, instead of one engine question with its own history query per episode.

The answer is the engine's own, exactly: ``hits_for`` builds for each episode the history
that ``episodes.policy_bridge.history`` reads (the child's own episodes reported before it;
other children's at the same place or establishment in the two years before it) and the new
episode as ``policy.decide`` describes it to the trigger rules (its category as stored, since
an imported episode is closed, C-05; the child's age at the report for ``applies_to``, C-12).
An episode that is not closed, or whose child has no date of birth, is asked of the engine
as before (``ask``): the category of an open episode can change with time (R-CLS-09/10).
``hits_one_by_one`` is that per-episode path for every episode, which the tests compare
with ``hits_for``.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from django.db.models import Q

from misper.episodes.codes import Status
from misper.episodes.models import Episode
from misper.episodes.policy_bridge import HISTORY_YEARS
from misper.episodes.services.common import ask
from misper.policy.calendar import age_on
from misper.policy.profiles import load_profile
from misper.policy.triggers import evaluate_triggers
from misper.policy.types import PastEpisode, TriggerHit

CHUNK = 900  # ids per IN (...): under SQLite's limit of bound parameters
FIELDS = (
    "pk",
    "person_id",
    "reported_at",
    "category",
    "absconder",
    "risk",
    "location_key",
    "establishment__code",
    "found__found_at",
)


@dataclass(frozen=True, slots=True)
class _Past:
    """One stored episode, as a history reads it."""

    pk: int
    person_id: int
    reported_at: datetime  # UTC
    category: str
    absconder: bool
    risk: str | None
    location: str
    establishment: str | None
    found_at: datetime | None

    def past(self, *, own: bool) -> PastEpisode:
        return PastEpisode(
            reported_at=self.reported_at,
            category=self.category,
            absconder=self.absconder,
            risk=self.risk,
            found_at=self.found_at,
            location=self.location,
            establishment=self.establishment,
            person=None if own else f"person-{self.person_id}",
        )


def _chunks(items: Sequence[Any], size: int = CHUNK) -> Iterator[Sequence[Any]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def _rows(qs: Any) -> Iterator[_Past]:
    for pk, person_id, at, category, absconder, risk, loc, code, found_at in qs.values_list(
        *FIELDS
    ):
        yield _Past(
            pk=pk,
            person_id=person_id,
            reported_at=at.astimezone(UTC),
            category=category,
            absconder=absconder,
            risk=risk or None,
            location=loc,
            establishment=code,
            found_at=found_at.astimezone(UTC) if found_at is not None else None,
        )


class _Pool:
    """Episodes sorted by their report, for the ones in a span of time."""

    def __init__(self, rows: Iterable[_Past]) -> None:
        self.rows = sorted(rows, key=lambda r: (r.reported_at, r.pk))
        self.times = [r.reported_at for r in self.rows]

    def between(self, since: datetime | None, before: datetime) -> list[_Past]:
        lo = 0 if since is None else bisect_left(self.times, since)
        hi = bisect_left(self.times, before)
        return self.rows[lo:hi]


def _fast(ep: Episode) -> bool:
    """The stored category is the category the engine counts (closed), and the child's age
    is their date of birth's (not an estimate)."""
    return ep.status == Status.CLOSED and ep.person.date_of_birth is not None


def hits_for(episodes: Sequence[Episode], now: datetime) -> dict[int, list[TriggerHit]]:
    """Each episode's trigger hits (in the order of the profile's rules), as the engine
    gives them (module docstring). ``episodes`` come with ``person`` and ``establishment``
    loaded; a handful of queries for the whole batch."""
    out: dict[int, list[TriggerHit]] = {}
    fast = [ep for ep in episodes if _fast(ep)]
    for ep in episodes:
        if not _fast(ep):
            out[ep.pk] = list(ask(ep, None, now).triggers)
    if not fast:
        return out
    latest = max(ep.reported_at for ep in fast)
    earliest = min(ep.reported_at for ep in fast) - timedelta(days=365 * HISTORY_YEARS)
    # The children's own episodes before the latest of the batch (policy_bridge.history:
    # all of them, whatever their age).
    own: dict[int, list[_Past]] = defaultdict(list)
    for people in _chunks(sorted({ep.person_id for ep in fast})):
        for row in _rows(Episode.objects.filter(person_id__in=people, reported_at__lt=latest)):
            own[row.person_id].append(row)
    own_pools = {pid: _Pool(rows) for pid, rows in own.items()}
    # Every child's episodes at the batch's places and establishments in the two years
    # before each (the child's own are left out below).
    by_place: dict[str, list[_Past]] = defaultdict(list)
    by_code: dict[str, list[_Past]] = defaultdict(list)
    seen: set[int] = set()
    places = sorted({ep.location_key for ep in fast})
    codes = sorted({ep.establishment.code for ep in fast if ep.establishment is not None})
    span = Episode.objects.filter(reported_at__gte=earliest, reported_at__lt=latest)
    wanted = [Q(location_key__in=c) for c in _chunks(places)]
    wanted += [Q(establishment__code__in=c) for c in _chunks(codes)]
    for condition in wanted:
        for row in _rows(span.filter(condition)):
            if row.pk in seen:
                continue
            seen.add(row.pk)
            by_place[row.location].append(row)
            if row.establishment is not None:
                by_code[row.establishment].append(row)
    place_pools = {k: _Pool(v) for k, v in by_place.items()}
    code_pools = {k: _Pool(v) for k, v in by_code.items()}
    empty = _Pool(())
    for ep in fast:
        profile = load_profile(ep.profile_id)
        if profile.triggers is None:
            out[ep.pk] = []
            continue
        before = ep.reported_at.astimezone(UTC)
        since = before - timedelta(days=365 * HISTORY_YEARS)
        code = ep.establishment.code if ep.establishment is not None else None
        history = [
            r.past(own=True)
            for r in own_pools.get(ep.person_id, empty).between(None, before)
            if r.pk != ep.pk
        ]
        others = {
            r.pk: r
            for r in place_pools.get(ep.location_key, empty).between(since, before)
            if r.person_id != ep.person_id
        }
        if code is not None:
            for r in code_pools.get(code, empty).between(since, before):
                if r.person_id != ep.person_id:
                    others[r.pk] = r
        history += [r.past(own=False) for r in others.values()]
        new = PastEpisode(
            reported_at=before,
            category=ep.category,
            absconder=ep.absconder,
            risk=ep.risk or None,
            found_at=None,
            location=ep.location_key,
            establishment=code,
            person=None,
        )
        dob = ep.person.date_of_birth
        assert dob is not None  # _fast
        child = age_on(dob, before) < 18
        out[ep.pk] = evaluate_triggers(
            profile.triggers, new=new, history=history, subject_is_child=child
        )
    return out


def hits_one_by_one(episodes: Sequence[Episode], now: datetime) -> dict[int, list[TriggerHit]]:
    """The engine asked about each episode (``ask``: its history read for it alone)."""
    return {ep.pk: list(ask(ep, None, now).triggers) for ep in episodes}

"""The replay: a year of episodes of a few children under West Mercia 2014 (three placed at
Birch Lodge, two living at the same address), reported through the services, against what
the engine says about each episode now (``episodes.services.common.ask(episode, None,
now).triggers``). Each hit must be exactly one record, and every record a hit.

The engine evaluates an episode's triggers when it is reported (or its category changes),
against the episodes reported before it (policy-rules §14: "Each trigger is evaluated when
a new episode is reported, counting the new episode"). Asked now, it counts every stored
episode dated before it. Reported in the order they happened, the two agree. Reported out
of order (an episode back-recorded after later ones), an earlier-dated episode changes the
counts of the later-dated episodes already reported: the records app asks the engine again
about each of them (records.reconsider_later), records what it now gives and supersedes
what it no longer gives, so the records in force agree with the engine either way."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import pytest

from misper.episodes.models import Episode
from misper.episodes.services.common import ask
from misper.interventions.models import TriggerRecord, TriggerStatus
from tests.episodes.conftest import NOW
from tests.interventions.conftest import absent, child, missing

pytestmark = pytest.mark.django_db

SEED = 20141
Hit = tuple[int, str, int | None, str, str]  # episode, kind, level, scope, subject


@dataclass(frozen=True)
class Planned:
    at: datetime
    who: str
    category: str  # missing | absent


# How many missing episodes each child has in the year; and two absent reports (which do
# not count under West Mercia, C-05).
PLAN = {"ash": 10, "bo": 8, "cy": 6, "dee": 5, "eli": 3}
HOME = ("ash", "bo", "cy")  # placed at Birch Lodge: 24 missing episodes from it
ADDRESS = "12 Larch Road, Northfold"  # Dee and Eli live here


def plan(rng: random.Random) -> list[Planned]:
    """The year's episodes in the order they happened: random instants in the last 360
    days, whole hours apart."""
    items = [(who, "missing") for who, n in PLAN.items() for _ in range(n)]
    items += [("dee", "absent"), ("eli", "absent")]
    rng.shuffle(items)
    hours_ago = sorted(rng.sample(range(24, 360 * 24), len(items)), reverse=True)
    return [
        Planned(NOW - timedelta(hours=h), who, category)
        for h, (who, category) in zip(hours_ago, items, strict=True)
    ]


def children(r: dict[str, Any]) -> dict[str, Any]:
    home = r["home"]
    kids = {who: child(r, who.title(), home=home) for who in HOME}
    kids["dee"] = r["child"]
    kids["eli"] = child(r, "Eli")
    return kids


def report(r: dict[str, Any], kids: dict[str, Any], p: Planned) -> Episode:
    person = kids[p.who]
    if p.category == "absent":
        return absent(r, p.at, person=person, address=ADDRESS)
    if p.who in HOME:
        return missing(r, p.at, person=person, establishment=r["home"], address="Birch Lodge")
    return missing(r, p.at, person=person, address=ADDRESS)


def recorded() -> list[Hit]:
    """The records in force: those the policy still gives (superseded ones are kept, off
    the lists, with the reason)."""
    return [
        (t.episode_id, t.kind, t.level, t.scope, t.subject_key)
        for t in TriggerRecord.objects.exclude(episode=None).exclude(
            status=TriggerStatus.SUPERSEDED
        )
    ]


def engine_now(episodes: list[Episode]) -> set[Hit]:
    out: set[Hit] = set()
    for ep in episodes:
        ep = Episode.objects.get(pk=ep.pk)
        for h in ask(ep, None, NOW).triggers:
            out.add((ep.pk, h.kind, h.level, h.scope, h.subject or ""))
    return out


def replay(r: dict[str, Any], *, shuffled: bool) -> tuple[list[Hit], set[Hit]]:
    rng = random.Random(SEED)
    planned = plan(rng)
    kids = children(r)
    order = list(planned)
    if shuffled:
        rng.shuffle(order)
    episodes = [report(r, kids, p) for p in order]
    return recorded(), engine_now(episodes)


def test_reported_in_order_the_records_are_the_engines_hits(wmc):
    """R-TRG-10..13, R-TRG-16, C-02..C-06: every hit the engine gives for each episode now is
    one record, no record is not a hit, and none is recorded twice."""
    records, engine = replay(wmc, shuffled=False)
    assert len(records) == len(set(records)), "a hit was recorded twice"
    kinds = {h[1] for h in engine}
    # The plan reaches every West Mercia trigger: levels 1 to 4 and the establishment's.
    assert kinds == {"wm_individual_3_in_90", "wm_individual_year", "wm_establishment_over_20"}
    assert {h[2] for h in engine if h[1] == "wm_individual_year"} == {2, 3, 4}
    assert set(records) == engine


def test_reported_out_of_order_the_records_are_the_engines_hits(wmc):
    """The same year, reported in a random (seeded) order: each back-recorded episode makes
    the later episodes it counts in be asked again (records.reconsider_later), so the
    records in force are exactly the engine's hits now, none twice; what the counts no longer
    give is superseded, not deleted."""
    records, engine = replay(wmc, shuffled=True)
    assert len(records) == len(set(records)), "a hit was recorded twice"
    assert set(records) == engine
    superseded = TriggerRecord.objects.filter(status=TriggerStatus.SUPERSEDED)
    assert superseded.exists(), "the shuffled order changed no count: the test proves nothing"
    assert all("recorded later but dated earlier" in t.outcome for t in superseded)

"""Benchmarks of the repeat-missing triggers (misper.policy.triggers); figures go to
docs/benchmarks.md ("Policy triggers"). Run with `make bench`:

    MISPER_BENCH=1 .venv/bin/pytest tests/bench -m bench -p no:randomly -q -s

(a) one new episode against a history of 200 episodes: target median < 1 ms;
(b) recompute every trigger of a synthetic decade of national data (1.5 million episodes,
    60,000 children, 20,000 locations, 2,000 establishments): target < 60 s.

The dataset is generated deterministically from a fixed seed; sizes can be scaled down
with MISPER_BENCH_EPISODES (e.g. 150000) for a quick look.
"""

from __future__ import annotations

import os
import platform
import random
import resource
import statistics
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from itertools import accumulate

import pytest

from misper.policy.triggers import (
    DEFAULT_TRIGGER_TABLES,
    TriggerConfig,
    default_trigger_config,
    evaluate_triggers,
    parse_trigger_config,
    recompute_all,
)
from misper.policy.types import PastEpisode

pytestmark = pytest.mark.bench

SEED = 20251123
DECADE_START = datetime(2015, 1, 1, tzinfo=UTC)
DECADE_SECONDS = int(10 * 365.25 * 86400)


def _all_kinds_config() -> TriggerConfig:
    """Every trigger kind at once (WMP15 + WMC14 rules, 8 rules in 5 count groups)."""
    rules = (
        DEFAULT_TRIGGER_TABLES["west-midlands-2015"]["rules"]
        + DEFAULT_TRIGGER_TABLES["west-mercia-2014"]["rules"]
    )
    config, errors = parse_trigger_config({"rules": rules})
    assert errors == []
    return config


def synthetic_decade(
    *,
    seed: int = SEED,
    episodes: int = 1_500_000,
    children: int = 60_000,
    locations: int = 20_000,
    establishments: int = 2_000,
) -> list[tuple[str, PastEpisode]]:
    """A deterministic decade of episodes, in reported order.

    Repeat distribution: each child's share is log-normal (sigma 1.3, capped at 60 times the
    median), so most children have a handful of episodes and a few hundred have several
    hundred; a child is active for 1 to 4 years somewhere in the decade. 35 % of children
    live in one of the establishments (whose address is also a location), the rest at one of
    the other locations; 15 % of episodes start somewhere else. Categories: 80 % missing (3 %
    of all also absconder), 10 % absent, 5 % unauthorised absence, 2 % absconder only, 3 %
    missing; 1 % of reports are closed as duplicates.
    """
    rng = random.Random(seed)
    weights = [min(rng.lognormvariate(0.0, 1.3), 60.0) for _ in range(children)]
    owners = rng.choices(range(children), cum_weights=list(accumulate(weights)), k=episodes)
    loc_keys = [f"loc-{i}" for i in range(locations)]
    est_keys = [f"est-{i}" for i in range(establishments)]
    pids = [f"child-{i}" for i in range(children)]
    home: list[tuple[str, str | None]] = []
    span: list[tuple[int, int]] = []
    for _ in range(children):
        if rng.random() < 0.35:
            e = rng.randrange(establishments)
            home.append((loc_keys[e], est_keys[e]))
        else:
            home.append((loc_keys[rng.randrange(establishments, locations)], None))
        length = rng.randint(365, 4 * 365) * 86400
        span.append((rng.randrange(0, max(1, DECADE_SECONDS - length)), length))
    out: list[tuple[int, str, PastEpisode]] = []
    rand = rng.random
    for c in owners:
        offset, length = span[c]
        seconds = offset + int(rand() * length)
        reported_at = DECADE_START + timedelta(seconds=seconds)
        r = rand()
        if r < 0.80:
            category, absconder = "missing", r < 0.03
        elif r < 0.90:
            category, absconder = "absent", False
        elif r < 0.95:
            category, absconder = "unauthorised_absence", False
        elif r < 0.97:
            category, absconder = "absconder_only", True
        else:
            category, absconder = "missing", False
        if rand() < 0.85:
            location, establishment = home[c]
        else:
            location, establishment = loc_keys[rng.randrange(locations)], None
        out.append(
            (
                seconds,
                pids[c],
                PastEpisode(
                    reported_at=reported_at,
                    category=category,
                    absconder=absconder,
                    location=location,
                    establishment=establishment,
                    duplicate=rand() < 0.01,
                ),
            )
        )
    out.sort(key=lambda item: item[0])
    return [(pid, ep) for _, pid, ep in out]


def _history_of_200(seed: int = SEED) -> tuple[PastEpisode, list[PastEpisode]]:
    """A new episode and 200 earlier ones over two years: 120 the child's own, 80 other
    children's at the same children's home (location and establishment)."""
    rng = random.Random(seed)
    new_at = datetime(2025, 6, 10, 14, 0, tzinfo=UTC)
    history = []
    for i in range(200):
        at = new_at - timedelta(minutes=rng.randrange(1, 2 * 365 * 24 * 60))
        category = rng.choice(["missing"] * 6 + ["absent", "absconder_only"])
        person = None if i < 120 else f"child-{i % 9}"
        history.append(
            PastEpisode(
                at, category, location="oak-house", establishment="oak-house", person=person
            )
        )
    new = PastEpisode(new_at, "missing", location="oak-house", establishment="oak-house")
    return new, history


def _machine() -> str:
    return f"Python {platform.python_version()}, {platform.machine()}, {os.cpu_count()} CPUs"


@pytest.mark.parametrize(
    "profile", ["west-mercia-2014", "west-midlands-2015", "west-midlands-2018", "all-kinds"]
)
def test_bench_one_episode_against_200(profile: str) -> None:
    config = _all_kinds_config() if profile == "all-kinds" else default_trigger_config(profile)
    new, history = _history_of_200()
    if profile == "west-midlands-2015":  # an absent report: the person and location triggers
        new = PastEpisode(new.reported_at, "absent", location="oak-house", establishment=None)
    for _ in range(200):  # warm up (caches, zoneinfo)
        evaluate_triggers(config, new=new, history=history)
    runs = 5000
    samples = []
    clock = time.perf_counter
    for _ in range(runs):
        t0 = clock()
        evaluate_triggers(config, new=new, history=history)
        samples.append(clock() - t0)
    samples.sort()
    median = statistics.median(samples) * 1e3
    p95 = samples[int(0.95 * runs) - 1] * 1e3
    print(
        f"\n[bench a] {profile}: one episode vs 200 history, {runs} runs: "
        f"median {median:.3f} ms, p95 {p95:.3f} ms, max {samples[-1] * 1e3:.3f} ms "
        f"({_machine()})"
    )
    assert median < 1.0


@pytest.fixture(scope="module")
def decade() -> list[tuple[str, PastEpisode]]:
    n = int(os.environ.get("MISPER_BENCH_EPISODES", "1500000"))
    t0 = time.perf_counter()
    data = synthetic_decade(episodes=n)
    elapsed = time.perf_counter() - t0
    per_child = Counter(pid for pid, _ in data)
    counts = sorted(per_child.values())
    print(
        f"\n[bench b] generated {len(data):,} episodes in {elapsed:.1f} s: "
        f"{len(per_child):,} children (median {counts[len(counts) // 2]}, "
        f"p99 {counts[int(len(counts) * 0.99)]}, max {counts[-1]} episodes each), "
        f"{len({e.location for _, e in data}):,} locations, "
        f"{len({e.establishment for _, e in data} - {None}):,} establishments"
    )
    return data


@pytest.mark.parametrize(
    "profile", ["west-mercia-2014", "west-midlands-2015", "national-continuum", "all-kinds"]
)
def test_bench_recompute_decade(profile: str, decade: list[tuple[str, PastEpisode]]) -> None:
    config = _all_kinds_config() if profile == "all-kinds" else default_trigger_config(profile)
    t0 = time.perf_counter()
    hits = Counter((hit.kind, hit.level) for _, hit in recompute_all(config, decade))
    elapsed = time.perf_counter() - t0
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    summary = ", ".join(
        f"{kind}{'' if level is None else f' L{level}'}={n:,}"
        for (kind, level), n in sorted(hits.items(), key=lambda kv: (kv[0][0], kv[0][1] or 0))
    )
    rate = f"{len(decade) / elapsed:,.0f} episodes/s" if config.rules else "no rules"
    print(
        f"\n[bench b] {profile}: recomputed {len(decade):,} episodes in {elapsed:.1f} s "
        f"({rate}); hits: {summary or 'none'}; peak RSS {rss_mb:,.0f} MB ({_machine()})"
    )
    assert elapsed < 60.0

"""The network page's reads (misper.interventions.network) at 10,000 children and 100,000
episodes on PostgreSQL; figures go to docs/benchmarks.md ("The network"). Run with:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/misper_bench MISPER_BENCH=1 \\
      .venv/bin/pytest tests/bench/test_bench_network.py -m bench -q -s \\
      --ds=misper.config.test_settings

Target (issue 12): a child's network answers in under 200 ms at the 95th percentile.

The data are as skewed as life: episodes per child are log-normal (most children have one
or two, a few have hundreds); 35 % of children live in one of 150 children's homes, whose
postcodes therefore link dozens of children each; one in six episodes ends in one of 40
town-centre hot spots, where children are found together; adults follow a power law too (a
handful of adults are linked to 40 or more children, most to one or two); a child has 0 to 4
associates, half of them linked to an adult record. Names repeat (the common names of
the call benchmark). Sizes scale with MISPER_BENCH_NETWORK_CHILDREN and
MISPER_BENCH_NETWORK_EPISODES.
"""

from __future__ import annotations

import os
import random
import statistics
import time
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from itertools import accumulate

import pytest
from django.db import connection

from misper.agencies.services import organisation_create, user_create
from misper.episodes.models import Episode, FoundReport
from misper.interventions.network import (
    MAX_NODES,
    adult_page,
    child_network,
    location_page,
)
from misper.people.models import (
    Adult,
    Associate,
    LinkSource,
    Location,
    Person,
    PlaceLink,
    Placement,
)
from misper.people.selectors import people_for_user
from tests.access.world import client_for
from tests.bench.test_bench_call import FAMILY, GIVEN

pytestmark = [pytest.mark.bench, pytest.mark.django_db]

SEED = 20261207
CHILDREN = int(os.environ.get("MISPER_BENCH_NETWORK_CHILDREN", "10000"))
EPISODES = int(os.environ.get("MISPER_BENCH_NETWORK_EPISODES", "100000"))
HOMES = 150
HOT_SPOTS = 40
ADULTS = CHILDREN // 5


def _postcode(i: int) -> str:
    return f"VL{i // 1000 + 1} {i % 10}{chr(65 + i % 26)}{chr(65 + (i // 26) % 26)}"


def _percentiles(samples: list[float]) -> tuple[float, float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[int(0.95 * (len(ordered) - 1))], ordered[-1]


@pytest.fixture
def network_region(db):
    if connection.vendor != "postgresql":
        pytest.skip("the network benchmark runs on PostgreSQL: set DATABASE_URL")
    rng = random.Random(SEED)
    t0 = time.perf_counter()
    force = organisation_create(
        actor=None, kind="police_force", name="Force", code="f", policy_profile="west-mercia-2014"
    )
    area = organisation_create(
        actor=None, kind="policing_area", name="Area", code="a", parent=force
    )
    la = organisation_create(actor=None, kind="local_authority", name="LA", code="la")
    coordinator = user_create(
        actor=None,
        email="mpc@x.test",
        full_name="MPC",
        organisation=force,
        roles=["missing_person_coordinator"],
    )
    social_worker = user_create(
        actor=None, email="sw@x.test", full_name="SW", organisation=la, roles=["social_worker"]
    )
    Person.objects.bulk_create(
        [
            Person(
                given_name=rng.choice(GIVEN),
                family_name=rng.choice(FAMILY),
                date_of_birth=date(2008, 1, 1) + timedelta(days=rng.randrange(0, 3000)),
                home_authority=la if rng.random() < 0.5 else None,
                created_by_org=area,
            )
            for _ in range(CHILDREN)
        ],
        batch_size=5000,
    )
    people = list(Person.objects.order_by("pk"))
    locations = Location.objects.bulk_create(
        [Location(postcode=_postcode(i), label=f"Place {i}") for i in range(20_000)],
        batch_size=5000,
    )
    homes, hot, streets = locations[:HOMES], locations[HOMES : HOMES + HOT_SPOTS], locations[200:]
    # Where each child lives: 35 % in a children's home (a placement linking them to it).
    home_of: dict[int, Location] = {}
    placements, links = [], []
    for p in people:
        if rng.random() < 0.35:
            home_of[p.pk] = rng.choice(homes)
            placements.append(
                Placement(
                    person=p,
                    placement_type="children_home",
                    address=home_of[p.pk].label,
                    postcode=home_of[p.pk].postcode,
                    placing_authority=la,
                    host_authority=la,
                    started_on=date(2024, 1, 1),
                )
            )
        else:
            home_of[p.pk] = rng.choice(streets)
    Placement.objects.bulk_create(placements, batch_size=5000)
    for pl in placements:
        links.append(
            PlaceLink(
                person_id=pl.person_id,
                location=home_of[pl.person_id],
                source=LinkSource.PLACEMENT,
                source_id=pl.pk,
                on=pl.started_on,
                description=pl.address,
            )
        )
    # Episodes: log-normal share per child; one in six found at a hot spot.
    weights = [min(rng.lognormvariate(0.0, 1.3), 60.0) for _ in people]
    owners = rng.choices(people, cum_weights=list(accumulate(weights)), k=EPISODES)
    start = datetime(2025, 1, 1, tzinfo=UTC)
    episodes, found_at = [], []
    for p in owners:
        at = start + timedelta(minutes=rng.randrange(0, 60 * 24 * 700))
        loc = home_of[p.pk]
        episodes.append(
            Episode(
                person=p,
                force=force,
                owning_area=area,
                profile_id="west-mercia-2014",
                status="closed",
                reported_at=at + timedelta(hours=2),
                reported_by="carer",
                informant_name="x",
                missing_from="care" if loc in homes else "home",
                location_address=loc.label,
                location_postcode=loc.postcode,
                location_key=f"addr:{loc.postcode.replace(' ', '')}:x",
                last_seen_at=at,
                last_seen_place="x",
                circumstances="x",
                answers={},
                searches={},
                category=rng.choice(["missing", "missing", "missing", "absent"]),
                risk="medium",
                restricted=rng.random() < 0.01,
                created_by=coordinator,
            )
        )
        where = rng.choice(hot) if rng.random() < 1 / 6 else rng.choice(streets)
        found_at.append((at + timedelta(hours=rng.randrange(1, 30)), where))
    Episode.objects.bulk_create(episodes, batch_size=5000)
    found = FoundReport.objects.bulk_create(
        [
            FoundReport(
                episode=e,
                found_at=when,
                found_where=where.label,
                found_postcode=where.postcode,
                found_by="PC",
                condition="well",
                safe_and_well="done",
                recorded_by=coordinator,
            )
            for e, (when, where) in zip(episodes, found_at, strict=True)
        ],
        batch_size=5000,
    )
    loc_by_postcode = {loc.postcode: loc for loc in locations}
    for e, f in zip(episodes, found, strict=True):
        links.append(
            PlaceLink(
                person_id=e.person_id,
                location=loc_by_postcode[e.location_postcode],
                source=LinkSource.MISSING_FROM,
                source_id=e.pk,
                episode=e,
                on=e.last_seen_at.date(),
                at=e.last_seen_at,
                description=e.location_address,
            )
        )
        links.append(
            PlaceLink(
                person_id=e.person_id,
                location=loc_by_postcode[f.found_postcode],
                source=LinkSource.FOUND,
                source_id=f.pk,
                episode=e,
                on=f.found_at.date(),
                at=f.found_at,
                description=f.found_where,
            )
        )
    PlaceLink.objects.bulk_create(links, batch_size=5000)
    # Adults: a power law of children per adult.
    adults = Adult.objects.bulk_create(
        [
            Adult(
                name=f"{rng.choice(GIVEN)} {rng.choice(FAMILY)}",
                normalised_name="x",
                created_by=coordinator,
                created_by_org=force,
            )
            for _ in range(ADULTS)
        ],
        batch_size=5000,
    )
    adult_weights = list(accumulate(min(rng.lognormvariate(0.0, 1.2), 30.0) for _ in adults))
    associates = []
    for p in people:
        for _ in range(rng.choice([0, 0, 1, 1, 2, 3, 4])):
            adult = (
                rng.choices(adults, cum_weights=adult_weights)[0] if rng.random() < 0.5 else None
            )
            associates.append(
                Associate(
                    person=p,
                    name=adult.name if adult else f"{rng.choice(GIVEN)} {rng.choice(FAMILY)}",
                    relationship=rng.choice(["friend", "boyfriend", "uncle", ""]),
                    adult=adult,
                )
            )
    Associate.objects.bulk_create(associates, batch_size=5000)
    with connection.cursor() as cur:
        cur.execute("ANALYZE")
    per_child = Counter(e.person_id for e in episodes)
    per_adult = Counter(a.adult_id for a in associates if a.adult_id)
    print(
        f"\n[network] generated in {time.perf_counter() - t0:.0f} s: {len(people):,} children, "
        f"{len(episodes):,} episodes (median {statistics.median(per_child.values()):.0f}, "
        f"max {max(per_child.values())} per child with any), {len(links):,} place links, "
        f"{len(associates):,} associates, {len(per_adult):,} adults linked "
        f"(max {max(per_adult.values())} children)"
    )
    busiest = [pid for pid, _ in per_child.most_common(20)]
    return {
        "rng": rng,
        "people": people,
        "busiest": busiest,
        "coordinator": coordinator,
        "social_worker": social_worker,
        "hub_adults": [a for a, _ in per_adult.most_common(5)],
        "homes": [h.pk for h in homes[:5]],
        "hot": [h.pk for h in hot[:5]],
    }


def _time(fn, args: list[tuple]) -> list[float]:
    samples = []
    for a in args:
        t0 = time.perf_counter()
        fn(*a)
        samples.append((time.perf_counter() - t0) * 1000)
    return samples


def test_child_network(network_region):
    r = network_region
    rng = r["rng"]
    chosen = [p.pk for p in rng.sample(r["people"], 180)] + r["busiest"]
    for user_key in ("coordinator", "social_worker"):
        user = r[user_key]
        if user_key == "social_worker":  # children's services: only their authority's children
            chosen_here = [pk for pk in chosen if _visible(user, pk)]
        else:
            chosen_here = chosen
        sizes = []

        def run(pk: int, user=user, sizes=sizes) -> None:
            net = child_network(user, pk)
            sizes.append(len(net.nodes))

        _time(run, [(pk,) for pk in chosen_here[:10]])  # warm up
        sizes.clear()
        samples = _time(run, [(pk,) for pk in chosen_here])
        median, p95, worst = _percentiles(samples)
        print(
            f"\n[network] child's network as {user_key}: n={len(samples)}, median "
            f"{median:.1f} ms, p95 {p95:.1f} ms, max {worst:.1f} ms; nodes median "
            f"{statistics.median(sizes):.0f}, max {max(sizes)} (cap {MAX_NODES}), "
            f"{sum(1 for s in sizes if s >= MAX_NODES)} capped"
        )
        assert p95 < 200


def test_child_network_page(network_region):
    """The whole page, as a browser asks for it: the read, the drawing and the table."""
    r = network_region
    client = client_for(r["coordinator"])
    chosen = [p.pk for p in r["rng"].sample(r["people"], 90)] + r["busiest"][:10]
    for pk in chosen[:5]:
        assert client.get(f"/network/children/{pk}/").status_code == 200
    samples, drawn = [], 0
    for pk in chosen:
        t0 = time.perf_counter()
        response = client.get(f"/network/children/{pk}/")
        samples.append((time.perf_counter() - t0) * 1000)
        assert response.status_code == 200
        drawn += b"<svg" in response.content
    median, p95, worst = _percentiles(samples)
    print(
        f"\n[network] the child's network page (GET, drawing and table) as coordinator: "
        f"n={len(samples)} ({drawn} with a drawing), median {median:.1f} ms, p95 {p95:.1f} ms, "
        f"max {worst:.1f} ms"
    )
    assert p95 < 200


def _visible(user, pk: int) -> bool:
    return people_for_user(user).filter(pk=pk).exists()


def test_adult_and_place_pages(network_region):
    r = network_region
    user = r["coordinator"]
    for label, fn, ids in (
        ("adult page (the most linked adults)", adult_page, r["hub_adults"]),
        ("place page (children's homes)", location_page, r["homes"]),
        ("place page (town-centre hot spots)", location_page, r["hot"]),
    ):
        fn(user, ids[0])
        samples = _time(lambda i, fn=fn: fn(user, i), [(i,) for i in ids * 6])
        median, p95, worst = _percentiles(samples)
        print(f"\n[network] {label}: median {median:.1f} ms, p95 {p95:.1f} ms, max {worst:.1f} ms")
        assert p95 < 500

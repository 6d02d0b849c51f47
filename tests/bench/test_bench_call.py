"""The call handler's search and the report submission (recommendation included) against
the demo region scaled to 100,000 children and 300,000 episodes, on PostgreSQL. Figures go
to docs/benchmarks.md ("The call"). Run with `make bench` and DATABASE_URL set to a
PostgreSQL server:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/misper make bench

Targets (95th percentile, this 2-core machine): search < 100 ms, submission < 150 ms.
Sizes can be scaled with MISPER_BENCH_CHILDREN and MISPER_BENCH_EPISODES.
"""

from __future__ import annotations

import os
import random
import statistics
import time
from datetime import UTC, date, datetime, timedelta

import pytest
from django.db import connection

from misper.agencies.services import organisation_create, user_create
from misper.episodes.codes import QUESTION_KEYS
from misper.episodes.models import Episode
from misper.episodes.services import episode_report
from misper.people import search
from misper.people.matching import normalise, phonetic, split_name
from misper.people.models import Flag, NameKey, Person
from misper.people.selectors import person_search
from tests.bench.calls import report_input

pytestmark = [pytest.mark.bench, pytest.mark.django_db]

SEED = 20261123
CHILDREN = int(os.environ.get("MISPER_BENCH_CHILDREN", "100000"))
EPISODES = int(os.environ.get("MISPER_BENCH_EPISODES", "300000"))

GIVEN = [
    "Aaliyah",
    "Aaron",
    "Adam",
    "Aisha",
    "Alfie",
    "Amara",
    "Amelia",
    "Amir",
    "Amy",
    "Archie",
    "Ava",
    "Ayaan",
    "Bella",
    "Ben",
    "Billie",
    "Caleb",
    "Charlie",
    "Chloe",
    "Connor",
    "Daisy",
    "Daniel",
    "Darcy",
    "Dylan",
    "Ella",
    "Ellie",
    "Emily",
    "Ethan",
    "Evie",
    "Finley",
    "Freya",
    "George",
    "Grace",
    "Hannah",
    "Harley",
    "Harry",
    "Harvey",
    "Hassan",
    "Isaac",
    "Isla",
    "Ivy",
    "Jack",
    "Jacob",
    "Jake",
    "James",
    "Jayden",
    "Jessica",
    "Joshua",
    "Kai",
    "Kayden",
    "Kyle",
    "Leah",
    "Leo",
    "Lewis",
    "Liam",
    "Lily",
    "Logan",
    "Lucas",
    "Lucy",
    "Luke",
    "Maisie",
    "Maryam",
    "Mason",
    "Max",
    "Maya",
    "Mia",
    "Millie",
    "Mohammed",
    "Muhammad",
    "Nathan",
    "Noah",
    "Oliver",
    "Olivia",
    "Oscar",
    "Phoebe",
    "Poppy",
    "Reggie",
    "Riley",
    "Rosie",
    "Ruby",
    "Ryan",
    "Sam",
    "Sara",
    "Scarlett",
    "Sienna",
    "Sofia",
    "Sophie",
    "Theo",
    "Thomas",
    "Toby",
    "Tyler",
    "Tyrese",
    "Zain",
    "Zara",
    "Zoe",
]
FAMILY = [
    "Abbott",
    "Ahmed",
    "Ali",
    "Allen",
    "Bailey",
    "Baker",
    "Begum",
    "Bell",
    "Bennett",
    "Brennan",
    "Brown",
    "Campbell",
    "Carter",
    "Chapman",
    "Clarke",
    "Collins",
    "Cook",
    "Cooper",
    "Cox",
    "Davies",
    "Davis",
    "Dunn",
    "Edwards",
    "Evans",
    "Fisher",
    "Foster",
    "Green",
    "Griffiths",
    "Hall",
    "Harris",
    "Harrison",
    "Hassan",
    "Hill",
    "Holmes",
    "Hughes",
    "Hussain",
    "Jackson",
    "James",
    "Jenkins",
    "Johnson",
    "Jones",
    "Kaur",
    "Kelly",
    "Khan",
    "King",
    "Knight",
    "Lee",
    "Lewis",
    "Lloyd",
    "Marshall",
    "Martin",
    "Mason",
    "Miller",
    "Mills",
    "Mitchell",
    "Moore",
    "Morgan",
    "Morris",
    "Murphy",
    "Nowak",
    "Oakes",
    "Owen",
    "Palmer",
    "Parker",
    "Parry",
    "Patel",
    "Phillips",
    "Powell",
    "Price",
    "Rahman",
    "Reed",
    "Richards",
    "Roberts",
    "Robinson",
    "Rogers",
    "Russell",
    "Sandhu",
    "Scott",
    "Shaw",
    "Simpson",
    "Singh",
    "Smith",
    "Stevens",
    "Stewart",
    "Taylor",
    "Thomas",
    "Thompson",
    "Turner",
    "Walker",
    "Ward",
    "Watson",
    "White",
    "Williams",
    "Wilson",
    "Wood",
    "Wright",
    "Young",
]


def _percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[int(0.95 * (len(ordered) - 1))]


@pytest.fixture
def scaled_region(db):
    if connection.vendor != "postgresql":
        pytest.skip("the call benchmarks run on PostgreSQL: set DATABASE_URL")
    rng = random.Random(SEED)
    force = organisation_create(
        actor=None, kind="police_force", name="Force", code="f", policy_profile="west-mercia-2014"
    )
    area = organisation_create(
        actor=None, kind="policing_area", name="Area", code="a", parent=force
    )
    la = organisation_create(actor=None, kind="local_authority", name="LA", code="la")
    handler = user_create(
        actor=None, email="ch@x.test", full_name="CH", organisation=area, roles=["call_handler"]
    )
    people = []
    for i in range(CHILDREN):
        dob = date(2006, 1, 1) + timedelta(days=rng.randrange(0, 3650))
        people.append(
            Person(
                given_name=rng.choice(GIVEN),
                family_name=rng.choice(FAMILY),
                date_of_birth=dob,
                sex=rng.choice(["male", "female"]),
                phone=f"07700 {i:06d}",
                phone_digits=f"07700{i:06d}",
                home_authority=la,
                created_by_org=area,
            )
        )
    Person.objects.bulk_create(people, batch_size=5000)
    people = list(Person.objects.order_by("pk"))
    keys = []
    for p in people:
        text = f"{p.given_name} {p.family_name}"
        given, family = split_name(text)
        keys.append(
            NameKey(
                person=p,
                text=text,
                normalised=normalise(text),
                family_phonetic=phonetic(family),
                given_phonetic=phonetic(given.split()[0]),
                is_alias=False,
            )
        )
    NameKey.objects.bulk_create(keys, batch_size=5000)
    search.reindex()  # the search keys the services keep for every record (people/search.py)
    flags = [
        Flag(
            person=p,
            kind=rng.choice(["cse", "gang", "self_harm"]),
            raised_by_org=area,
            evidence="bench",
            review_on=date(2030, 1, 1),
        )
        for p in rng.sample(people, CHILDREN // 20)
    ]
    Flag.objects.bulk_create(flags, batch_size=5000)
    start = datetime(2024, 1, 1, tzinfo=UTC)
    answers = {k: {"answer": "no", "detail": "bench"} for k in QUESTION_KEYS}
    episodes = []
    for _ in range(EPISODES):
        p = rng.choice(people)
        at = start + timedelta(minutes=rng.randrange(0, 60 * 24 * 700))
        loc = f"addr:vl{rng.randrange(0, 20000)}"
        episodes.append(
            Episode(
                person=p,
                force=force,
                owning_area=area,
                profile_id="west-mercia-2014",
                status="closed",
                reported_at=at,
                reported_by="parent",
                informant_name="x",
                missing_from="home",
                location_address="x",
                location_key=loc,
                last_seen_at=at - timedelta(hours=2),
                last_seen_place="x",
                circumstances="x",
                answers=answers,
                searches={},
                category=rng.choice(["missing", "missing", "missing", "absent"]),
                risk="medium",
                created_by=handler,
            )
        )
    Episode.objects.bulk_create(episodes, batch_size=5000)
    with connection.cursor() as cur:
        cur.execute("ANALYZE")
    return {"handler": handler, "people": people, "rng": rng, "area": area}


def test_call_handler_search(scaled_region):
    rng = scaled_region["rng"]
    people = scaled_region["people"]
    handler = scaled_region["handler"]
    samples = []
    for i in range(300):
        p = rng.choice(people)
        kind = i % 3
        t0 = time.perf_counter()
        if kind == 0:  # a misspelt name, as heard on the phone
            name = f"{p.given_name[:-1]}{p.given_name[-1]}e {p.family_name}"
            result = person_search(handler, name=name)
        elif kind == 1:
            result = person_search(
                handler, name=f"{p.given_name} {p.family_name}", date_of_birth=p.date_of_birth
            )
            assert result and result[0].person.pk == p.pk
        else:
            result = person_search(handler, phone=p.phone)
            assert result and result[0].person.pk == p.pk
        samples.append((time.perf_counter() - t0) * 1000)
    median, p95 = _percentiles(samples)
    print(
        f"\nsearch: {CHILDREN} children, {EPISODES} episodes: "
        f"median {median:.1f} ms, p95 {p95:.1f} ms (n={len(samples)})"
    )
    assert p95 < 100


def test_report_submission_with_recommendation(scaled_region):
    rng = scaled_region["rng"]
    people = scaled_region["people"]
    handler = scaled_region["handler"]
    now = datetime.now(UTC)
    samples = []
    for _ in range(100):
        p = rng.choice(people)
        report = report_input(rng, now, "VL1 1AA")
        t0 = time.perf_counter()
        episode_report(
            actor=handler,
            person_id=p.pk,
            report=report,
            category="missing",
            risk="medium",
            rationale="out of character",
            now=now,
        )
        samples.append((time.perf_counter() - t0) * 1000)
    median, p95 = _percentiles(samples)
    print(f"\nreport submission: median {median:.1f} ms, p95 {p95:.1f} ms (n={len(samples)})")
    assert p95 < 150

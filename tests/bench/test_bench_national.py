"""Benchmark: the reports and the report submission at national scale (issue 14, part 4),
over the synthetic decade (``misper synthetic_decade``: 500,000 children, 1,500,000
episodes). Figures go to docs/benchmarks.md ("At national scale").

The decade takes minutes to write, so it is written once into a database of its own and
this module reads it as it is (no test database: ``django_db_setup`` below does nothing).
Each test runs in a transaction that is rolled back, so the submissions leave nothing.
Run it alone::

    createdb -h 127.0.0.1 -U postgres misper_national
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/misper_national misper migrate
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/misper_national misper synthetic_decade
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/misper_national MISPER_BENCH=1 \\
      .venv/bin/pytest tests/bench/test_bench_national.py -m bench -q -s -p no:randomly

Targets: every report under 2 s (default period of twelve months and the longest of three
years, for the biggest force's analyst, a board member and a team manager); a report
submission with the engine's recommendation and the child's whole history at p95 ≤ 50 ms.
"""

from __future__ import annotations

import os
import random
import statistics
import time
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.db.models import Count
from django.test.utils import CaptureQueriesContext

from misper.agencies.models import Organisation, OrganisationKind, User
from misper.agencies.services import organisation_create, user_create
from misper.episodes.models import Episode
from misper.episodes.services import episode_report
from misper.insights.reports import SPECS, report_for
from misper.people.models import Person
from tests.bench.calls import report_input

pytestmark = [pytest.mark.bench]

RUNS = int(os.environ.get("MISPER_BENCH_RUNS", "3"))
SUBMISSIONS = int(os.environ.get("MISPER_BENCH_SUBMISSIONS", "200"))
MIN_EPISODES = int(os.environ.get("MISPER_BENCH_MIN_EPISODES", "100000"))
PLANS = os.environ.get("MISPER_BENCH_PLANS", "")  # a file to write the slowest plans to


@pytest.fixture(scope="session")
def django_db_setup():
    """Use the database named by DATABASE_URL as it is: the decade is already there."""


@pytest.fixture
def decade(db):
    if connection.vendor != "postgresql" or connection.settings_dict["NAME"].startswith("test_"):
        pytest.skip("run alone against a PostgreSQL database holding the synthetic decade")
    episodes = Episode.objects.count()
    if episodes < MIN_EPISODES:
        pytest.skip(f"the database holds {episodes} episodes: run `misper synthetic_decade`")
    force = Organisation.objects.get(code="syn-wmp")
    birmingham = Organisation.objects.get(code="syn-la-birmingham")
    board = organisation_create(
        actor=None,
        kind=OrganisationKind.SAFEGUARDING_BOARD,
        name="Birmingham board (bench)",
        code="bench-board",
        local_authority=birmingham,
    )
    users = {
        "analyst": user_create(
            actor=None,
            email="analyst@bench.invalid",
            full_name="Analyst",
            organisation=force,
            roles=["analyst"],
        ),
        "board member": user_create(
            actor=None,
            email="board@bench.invalid",
            full_name="Board",
            organisation=board,
            roles=["safeguarding_board_member"],
        ),
        "team manager": user_create(
            actor=None,
            email="tm@bench.invalid",
            full_name="TM",
            organisation=birmingham,
            roles=["team_manager"],
        ),
    }
    return {"users": users, "episodes": episodes, "children": Person.objects.count()}


def _end() -> datetime:
    return Episode.objects.order_by("-last_seen_at").values_list("last_seen_at", flat=True)[0]


def test_every_report_answers_in_under_two_seconds(decade):
    end = _end().date()
    periods = {"12 months": end - timedelta(days=365), "3 years": end - timedelta(days=3 * 365)}
    rows = []
    slowest: dict[str, tuple[float, str]] = {}
    for who, user in decade["users"].items():
        for slug in SPECS:
            for period, start in periods.items():
                times = []
                for _ in range(RUNS):
                    with CaptureQueriesContext(connection) as queries:
                        t0 = time.perf_counter()
                        report_for(user, slug, start=start, end=end)
                        times.append(time.perf_counter() - t0)
                    top = max(queries.captured_queries, key=lambda q: float(q["time"]))
                    if float(top["time"]) > slowest.get(slug, (0.0, ""))[0]:
                        slowest[slug] = (float(top["time"]), top["sql"])
                rows.append((slug, who, period, statistics.median(times), max(times)))
    print(
        f"\n{decade['children']} children, {decade['episodes']} episodes; {RUNS} runs each"
        "\n| report | who | period | median | max |\n|---|---|---|---|---|"
    )
    for slug, who, period, median, worst in rows:
        print(f"| {slug} | {who} | {period} | {median * 1000:.0f} ms | {worst * 1000:.0f} ms |")
    if PLANS:
        with open(PLANS, "w") as out, connection.cursor() as cursor:
            for slug, (_, sql) in slowest.items():
                cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}")
                out.write(f"## {slug}\n\n{sql}\n\n")
                out.write("\n".join(r[0] for r in cursor.fetchall()) + "\n\n")
    assert max(worst for *_, worst in rows) < 2.0


def test_report_submission_against_the_decade(decade):
    rng = random.Random(20261207)
    # The children with the longest histories weigh most: half the sample is drawn from
    # the children with ten or more episodes.
    busy = list(
        Episode.objects.values("person_id")
        .order_by()
        .annotate(n=Count("id"))
        .filter(n__gte=10)
        .values_list("person_id", flat=True)[:5000]
    )
    anyone = list(Person.objects.order_by("?").values_list("pk", flat=True)[:5000])
    handler = User.objects.get(email__startswith="call_handler.syn-area-birmingham-east")
    now = datetime.now(UTC)
    samples = []
    history = []
    for i in range(SUBMISSIONS):
        person_id = rng.choice(busy if i % 2 else anyone)
        report = report_input(rng, now, "B1 1AA")
        t0 = time.perf_counter()
        episode_report(
            actor=handler,
            person_id=person_id,
            report=report,
            category="missing",
            risk="medium",
            rationale="out of character",
            now=now,
        )
        samples.append((time.perf_counter() - t0) * 1000)
        history.append(Episode.objects.filter(person_id=person_id).count())
    ordered = sorted(samples)
    p95 = ordered[int(0.95 * (len(ordered) - 1))]
    print(
        f"\nreport submission: n={len(samples)}, median {statistics.median(samples):.1f} ms, "
        f"p95 {p95:.1f} ms, max {ordered[-1]:.1f} ms; the child's history: median "
        f"{statistics.median(history):.0f} episodes, max {max(history)}"
    )
    assert p95 <= 50

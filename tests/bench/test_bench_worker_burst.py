"""Benchmark (issue 14, part 4): 10,000 deadlines falling due in the same minute, two
`misper worker` processes, each deadline acted on within 2 s of due at the 99th
percentile. Figures go to docs/benchmarks.md ("Worker: 10,000 deadlines in a minute"). Run:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/misper_worker10k MISPER_BENCH=1 \\
      .venv/bin/pytest tests/bench/test_bench_worker_burst.py -m bench -p no:randomly -q -s \\
      --ds=misper.config.test_settings

Two shapes, each on fresh deadlines: ``spread`` (the target's case: the N deadlines fall
due evenly over 60 s, one every 6 ms) and ``instant`` (all N due at the same instant, a
second figure with no target: it measures throughput, the last one waits for all the
others). The delay is ``acted_at - due`` as the sweep records it; ``acted_by`` says which
worker acted. The workers run as in production: default poll interval
(MISPER_WORKER_INTERVAL, 1 s), CONN_MAX_AGE 60, all sweeps registered (the outbox's
delivery and the audit check run on every tick too).

The deadlines are real work on real records: a bench police force, policing area, local
authority, inspectors and one child are made through the services, and episodes reported
through ``episode_report`` (then copied in bulk, each copy on a copy of the child and at a
street of its own: one child and one place per episode, see ``copies``). Of every ten
deadlines, one is ``absent_limit`` on its own absent episode (R-CLS-09: the child becomes
missing, a system decision, deadlines re-synced through the policy engine, the area told),
six are reminders
(``callback``, ``absent_review``, ``nar_review``, ``risk_review``, ``tour_of_duty_update``:
a timeline event and inbox messages to the area, reviews also to its two inspectors) on
missing episodes, and three are of a kind with no handler (the sweep's own path: a
``deadline_due`` timeline event).

Sizes: MISPER_BENCH_BURST_DEADLINES (default 10000; e.g. 500 for a smoke run),
MISPER_BENCH_BURST_SPREAD (seconds, default 60), MISPER_BENCH_BURST_WORKERS (default 2),
MISPER_BENCH_BURST_MIX (``real``, the mix above, by default; ``plain``: every deadline of
the kind with no handler, the sweep's own cost).
With MISPER_BENCH_ASSERT=1 the spread shape fails when p99 >= 2 s.

On a database that already holds data (the synthetic national decade): the bench only
adds rows, under its own organisations (codes ``bench-w-<tag>``), and finds its rows by
id, never by emptying a table. Either keep the pytest test database (``--reuse-db``) or
point at any migrated database with MISPER_BENCH_EXISTING_DB=1 (then DATABASE_URL is used
as it is: no test database is made and nothing is flushed). Afterwards the bench deletes its
deadlines and messages; its episodes and their timeline events stay (the timeline is
append-only), under the bench force. Other open deadlines already due in that database are
acted on by the workers too, as in production: the bench prints how many there were.
Before the workers start, the reports' summary marks left (by an earlier run, or the
decade's generation) are taken (``facts.refresh_all``), so that each run starts from the
same state and the workers' summary sweep has only this run's changes to follow.
PostgreSQL only (two workers on SQLite take turns: docs/worker.md).
"""

from __future__ import annotations

import os
import platform
import statistics
import time
from collections import Counter
from datetime import UTC, date, datetime, timedelta

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.utils import timezone

from misper.agencies.services import organisation_create, user_create
from misper.core.models import Deadline
from misper.episodes.models import Episode
from misper.episodes.policy_bridge import location_key
from misper.episodes.services import episode_report
from misper.episodes.services.common import OWNER
from misper.insights import facts
from misper.notifications.models import Message
from misper.people.models import Person
from misper.people.services import PersonDetails, person_create
from tests.episodes.conftest import answers, report
from tests.insights.test_bulk_import import alpha
from tests.worker.harness import database_url, start_worker

pytestmark = pytest.mark.bench

N = int(os.environ.get("MISPER_BENCH_BURST_DEADLINES", "10000"))
SPREAD = float(os.environ.get("MISPER_BENCH_BURST_SPREAD", "60"))
WORKERS = int(os.environ.get("MISPER_BENCH_BURST_WORKERS", "2"))
ASSERT = os.environ.get("MISPER_BENCH_ASSERT") == "1"
MIX = os.environ.get("MISPER_BENCH_BURST_MIX", "real")  # or "plain": no handler at all
EXISTING = os.environ.get("MISPER_BENCH_EXISTING_DB") == "1"
LEAD = 8.0  # seconds from the insert to the first due time (the insert takes ~1 s)
TARGET_P99 = 2.0

# Of every ten deadlines: one absent limit, six reminders, three with no handler.
REMINDERS = [
    ("callback", "R-REV-02"),
    ("absent_review", "R-REV-02"),
    ("nar_review", "R-REV-12"),
    ("risk_review", "R-REV-08"),
    ("tour_of_duty_update", "R-REC-07"),
    ("callback", "R-REV-02"),
]
NO_HANDLER = ("bench", "bench_due")
REMINDERS_PER_EPISODE = 10

if EXISTING:

    @pytest.fixture(scope="session")
    def django_db_setup():  # type: ignore[no-untyped-def]
        """Use DATABASE_URL's database as it is: no test database, nothing flushed."""


def quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _copy_rows(model, template, n: int, **overrides):  # type: ignore[no-untyped-def]
    values = {f.attname: getattr(template, f.attname) for f in model._meta.concrete_fields}
    values.pop(model._meta.pk.attname)
    return [model(**{**values, **{k: v[i] for k, v in overrides.items()}}) for i in range(n)]


def copies(template: Episode, n: int, street: str) -> list[int]:
    """``n`` episodes like ``template`` (made by the service), inserted in bulk, each of a
    child of its own (a copy of the template's child) and missing from a street of its own
    (``street`` and a word for its number). As in life: a child of the national decade has
    three episodes on average, and the location triggers (R-TRG-04) count the episodes of
    one place. With every copy on one child and one address, each conversion's engine
    question and trigger re-evaluation read thousands of episodes of that child and that
    place, more with every run on the same database (the bench's artefact, not the
    target's load)."""
    t = Episode.objects.get(pk=template.pk)
    children = Person.objects.bulk_create(
        _copy_rows(Person, Person.objects.get(pk=t.person_id), n), batch_size=1000
    )
    addresses = [f"1 {street} {alpha(i)} Road, Northfold" for i in range(n)]
    rows = _copy_rows(
        Episode,
        t,
        n,
        person_id=[c.pk for c in children],
        location_address=addresses,
        location_key=[
            location_key(establishment_code=None, address=a, postcode=t.location_postcode)
            for a in addresses
        ],
    )
    return [e.pk for e in Episode.objects.bulk_create(rows, batch_size=1000)]


def make_region(tag: str) -> dict:
    def org(kind: str, name: str, **kw):  # type: ignore[no-untyped-def]
        return organisation_create(
            actor=None, kind=kind, name=f"{name} (bench {tag})", code=f"bench-w-{tag}-{kind}", **kw
        )

    force = org("police_force", "Bench force", policy_profile="west-mercia-2014")
    area = org("policing_area", "Bench area", parent=force)
    vale = org("local_authority", "Bench authority")

    def user(role: str, i: int = 0):  # type: ignore[no-untyped-def]
        return user_create(
            actor=None,
            email=f"bench-w-{tag}-{role}-{i}@example.test",
            full_name=f"Bench {role} {i}",
            organisation=area,
            roles=(role,),
            password="Correct-Horse-42",
        )

    users = {r: user(r) for r in ("call_handler", "inspector", "investigating_officer")}
    user("inspector", 1)  # a review reminder goes to both inspectors of the area
    child = person_create(
        actor=users["call_handler"],
        details=PersonDetails(
            given_name="Bench",
            family_name=f"Child {tag}",
            date_of_birth=date(2011, 4, 2),
            home_authority=vale,
        ),
    )
    return {"force": force, "area": area, "vale": vale, "child": child, **users}


@pytest.mark.django_db
def test_bench_mix_uses_real_handlers_and_the_plain_path():
    """The mix the docs state: per ten deadlines one absent limit and six reminders, each
    of a kind with a registered handler, and three of a kind with none. (Marked django_db
    also so that pytest-django sets up the test database, which the benchmarks below use
    without a django_db mark: a transactional test would empty every table afterwards.)"""
    from misper.core.deadline_sweep import HANDLERS
    from misper.worker import discover_sweeps

    discover_sweeps()  # the apps' tasks modules register their handlers

    assert (OWNER, "absent_limit") in HANDLERS
    assert all((OWNER, kind) in HANDLERS for kind, _ in REMINDERS)
    assert NO_HANDLER not in HANDLERS
    assert Counter(slot_class(i) for i in range(10)) == {
        "absent_limit": 1,
        "reminder": 6,
        "no handler": 3,
    }


def slot_class(i: int, mix: str = "real") -> str:
    slot = i % 10
    if mix == "plain":
        return "no handler"
    return "absent_limit" if slot == 0 else "reminder" if slot <= 6 else "no handler"


@pytest.fixture(scope="module")
def region(django_db_setup, django_db_blocker):  # type: ignore[no-untyped-def]
    with django_db_blocker.unblock():
        if connection.vendor != "postgresql":
            pytest.skip("needs PostgreSQL: DATABASE_URL=postgres://... (two workers, SKIP LOCKED)")
        if not EXISTING and not connection.settings_dict["NAME"].startswith("test_"):
            pytest.fail(
                "no test database: run the whole module (its first test sets it up) or set "
                "MISPER_BENCH_EXISTING_DB=1 to use DATABASE_URL's database as it is"
            )
        yield make_region(f"{os.getpid()}-{int(time.time())}")


def make_deadlines(region: dict, shape: str) -> tuple[list[int], list[int], dict[int, str]]:
    """The bench's episodes and N deadlines, due from LEAD seconds after the insert.
    Returns (deadline ids, episode ids, kind class per deadline id)."""
    now = timezone.now()
    missing = episode_report(
        actor=region["investigating_officer"],
        person_id=region["child"].pk,
        report=report(
            answers=answers(out_of_character="yes"),
            reported_at=now - timedelta(minutes=30),
            last_seen_at=now - timedelta(hours=3),
            last_contact_at=now - timedelta(hours=2),
        ),
        category="missing",
        risk="medium",
        rationale="bench: first assessment",
        now=now,
    )
    absent = episode_report(
        actor=region["inspector"],
        person_id=region["child"].pk,
        report=report(
            reported_at=now - timedelta(minutes=30),
            last_seen_at=now - timedelta(hours=3),
            last_contact_at=now - timedelta(hours=2),
        ),
        category="absent",
        now=now,
    )
    kinds = Counter(slot_class(i, MIX) for i in range(N))
    n_limits, n_reminders = kinds["absent_limit"], kinds["reminder"]
    street = alpha(int(time.time() * 1000))  # this run's streets: none of an earlier run's
    limit_eps = copies(absent, n_limits, f"{street} a") if n_limits else []
    reminder_eps = copies(missing, max(1, -(-n_reminders // REMINDERS_PER_EPISODE)), f"{street} m")
    # The service's own deadlines on the two templates and the copies' (none: bulk) are not
    # the bench's; the templates' are due hours from now.
    episode_type = ContentType.objects.get_for_model(Episode)
    t0 = timezone.now() + timedelta(seconds=LEAD)
    rows, classes = [], []
    limits = iter(limit_eps)
    r = 0
    for i in range(N):
        due = t0 if shape == "instant" else t0 + timedelta(seconds=SPREAD * i / N)
        what = slot_class(i, MIX)
        if what == "absent_limit":
            owner, kind, rule, subject = OWNER, "absent_limit", "R-CLS-09", next(limits)
        elif what == "reminder":
            kind, rule = REMINDERS[i % 10 - 1]
            owner, subject = OWNER, reminder_eps[r // REMINDERS_PER_EPISODE]
            r += 1
        else:
            owner, kind = NO_HANDLER
            rule, subject = "", reminder_eps[i % len(reminder_eps)]
        classes.append(what)
        rows.append(
            Deadline(
                owner=owner,
                content_type=episode_type,
                object_id=subject,
                kind=kind,
                rule=rule,
                due=due,
            )
        )
    made = Deadline.objects.bulk_create(rows, batch_size=2000)
    ids = [d.pk for d in made]
    episodes = [missing.pk, absent.pk, *limit_eps, *reminder_eps]
    return ids, episodes, dict(zip(ids, classes, strict=True))


def clean_up(deadline_ids: list[int], episode_ids: list[int]) -> None:
    """Delete what the bench added that is not append-only (the timeline stays)."""
    episode_type = ContentType.objects.get_for_model(Episode)
    Deadline.objects.filter(pk__in=deadline_ids).delete()
    Deadline.objects.filter(content_type=episode_type, object_id__in=episode_ids).delete()
    Message.objects.filter(
        subject_type="episode", subject_id__in=[str(e) for e in episode_ids]
    ).delete()


def wait_started(logs: list, timeout: float = 120) -> None:  # type: ignore[type-arg]
    """Until every worker has logged that it started (Django's set-up takes seconds on a
    busy machine), and a moment more for its first tick."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if all(log.exists() and " started: " in log.read_text() for log in logs):
            time.sleep(1)
            return
        time.sleep(0.2)
    pytest.fail("the workers did not start within 2 minutes")


@pytest.mark.parametrize("shape", ["spread", "instant"])
def test_bench_10000_deadlines_in_a_minute_two_workers(shape, region, django_db_blocker, tmp_path):  # type: ignore[no-untyped-def]
    with django_db_blocker.unblock():
        run(shape, region, tmp_path)


def run(shape: str, region: dict, tmp_path) -> None:  # type: ignore[no-untyped-def]
    url = database_url(connection.settings_dict)
    # Every run starts from the same state: the summary's marks left by an earlier run
    # (or by the decade's generation) are taken now, not by the workers during this run.
    drained = facts.refresh_all()
    before = timezone.now()
    others_due = Deadline.objects.filter(status="open", due__lte=before).count()
    names = [f"bench-w{i + 1}" for i in range(WORKERS)]
    logs = [tmp_path / f"{name}.log" for name in names]
    workers = [
        start_worker(url, "--worker-id", name, log=log, env={"CONN_MAX_AGE": "60"})
        for name, log in zip(names, logs, strict=True)
    ]
    ids: list[int] = []
    episodes: list[int] = []
    try:
        wait_started(logs)
        t_insert = time.monotonic()
        ids, episodes, classes = make_deadlines(region, shape)
        insert_s = time.monotonic() - t_insert
        mine = Deadline.objects.filter(pk__in=ids)
        last_due = max(mine.values_list("due", flat=True))
        # Long enough for a slow machine to work off the whole backlog (at 5 a second).
        end = time.monotonic() + LEAD + SPREAD + max(600.0, N / 5)
        while time.monotonic() < end:
            time.sleep(1)
            if datetime.now(UTC) > last_due and not mine.filter(status="open").exists():
                break
        rows = list(mine.values_list("pk", "due", "acted_at", "acted_by", "status"))
    finally:
        for w in workers:
            w.terminate()
        for w in workers:
            w.wait(timeout=60)
        if ids:
            try:
                clean_up(ids, episodes)
            except Exception as exc:  # pragma: no cover - reported, not fatal to figures
                print(f"clean-up failed: {type(exc).__name__}")
    statuses = Counter(r[4] for r in rows)
    not_acted = [r for r in rows if r[2] is None]
    tails = "\n".join(log.read_text()[-2000:] for log in logs)
    rows = [r for r in rows if r[2] is not None]
    assert rows, f"none acted on: {statuses}\n{tails}"
    delays = [(r[2] - r[1]).total_seconds() for r in rows]
    by_worker = Counter(r[3] for r in rows)
    by_class: dict[str, list[float]] = {}
    for r, d in zip(rows, delays, strict=True):
        by_class.setdefault(classes[r[0]], []).append(d)
    first_due = min(r[1] for r in rows)
    last_acted = max(r[2] for r in rows)
    rate = len(rows) / max((last_acted - first_due).total_seconds(), 0.001)
    median, p99 = statistics.median(delays), quantile(delays, 0.99)
    span = SPREAD if shape == "spread" else 0.0
    print(
        f"\n10k-deadline bench, shape {shape}, mix {MIX} ({N} due over {span:.0f} s, "
        f"{WORKERS} workers, "
        f"PostgreSQL {connection.pg_version // 10000}; insert {insert_s:.1f} s; "
        f"{others_due} other deadlines already due; {drained} summary marks taken first): "
        f"n {len(delays)}, "
        f"median {median:.3f} s, p95 {quantile(delays, 0.95):.3f} s, p99 {p99:.3f} s, "
        f"max {max(delays):.3f} s, min {min(delays):.3f} s; "
        f"{len(not_acted)} not acted on within the wait; {rate:.1f} a second; acted by "
        + ", ".join(f"{w or '?'}: {c}" for w, c in sorted(by_worker.items()))
        + "; "
        + "; ".join(
            f"{k} n {len(v)} median {statistics.median(v):.3f} s p99 {quantile(v, 0.99):.3f} s"
            for k, v in sorted(by_class.items())
        )
        + f"; {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, "
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC"
    )
    assert not not_acted, f"{len(not_acted)} never acted on: {statuses}\n{tails}"
    assert statuses == {"acted": len(ids)}, statuses
    assert min(delays) >= 0, "acted on before it was due"
    if ASSERT and shape == "spread":
        assert p99 < TARGET_P99

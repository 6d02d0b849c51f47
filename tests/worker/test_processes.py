"""Reliability with real worker processes (docs/worker.md): 1,000 due deadlines, two
workers at once, one of them killed with SIGKILL again and again: every deadline acted on
exactly once, every effect recorded once. PostgreSQL (SKIP LOCKED) and SQLite (IMMEDIATE
transactions, one writer at a time)."""

from __future__ import annotations

import signal
import sqlite3
import time
from datetime import timedelta

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.models import Count
from django.utils import timezone

from misper.core.models import Deadline, TimelineEvent
from misper.episodes.models import Episode
from misper.episodes.services import episode_report
from misper.notifications.models import Message
from tests.episodes.conftest import NOW, answers, report

from .harness import database_url, migrate, start_worker

N = 1000
WORKER_ARGS = ("--interval", "0.2", "--exit-when-idle")


def needs_postgres() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: DATABASE_URL=postgres://... (SKIP LOCKED)")


def make_due_callbacks(region, n: int = N) -> list[int]:
    """``n`` open episodes (one reported through the service, the rest copies of it), each
    with a call-back deadline already due."""
    first = episode_report(
        actor=region["investigating_officer"],
        person_id=region["child"].pk,
        report=report(answers=answers(out_of_character="yes")),
        category="missing",
        risk="medium",
        rationale="first assessment",
        now=NOW,
    )
    copies = []
    for _ in range(n - 1):
        e = Episode.objects.get(pk=first.pk)
        e.pk = None
        copies.append(e)
    Episode.objects.bulk_create(copies, batch_size=500)
    ids = list(Episode.objects.values_list("pk", flat=True))
    assert len(ids) == n
    due = timezone.now() - timedelta(minutes=1)
    Deadline.objects.bulk_create(
        [
            Deadline(
                owner="episodes",
                content_type=ContentType.objects.get_for_model(Episode),
                object_id=i,
                kind="callback",
                due=due,
                rule="R-REV-03",
            )
            for i in ids
        ],
        batch_size=500,
    )
    return ids


def assert_each_acted_once(ids: list[int]) -> None:
    due = Deadline.objects.filter(kind="callback", owner="episodes")
    assert due.count() == len(ids)
    assert not due.filter(status="open").exists()
    assert due.filter(status="acted").count() == len(ids)
    # A killed transaction leaves no trace: every acted row was acted on at its first
    # committed attempt.
    assert set(due.values_list("attempts", flat=True)) == {1}
    events = (
        TimelineEvent.objects.filter(subject_type="episode", verb="deadline_due")
        .values("subject_id")
        .annotate(n=Count("id"))
    )
    counts = {int(e["subject_id"]): e["n"] for e in events}
    assert counts == dict.fromkeys(ids, 1)
    keys = set(due.values_list("pk", flat=True))
    msgs = Message.objects.filter(event_key__startswith="deadline:")
    assert msgs.count() == len(ids)  # one inbox message to the owning area per deadline
    assert {int(k.split(":")[1]) for k in msgs.values_list("event_key", flat=True)} == keys


def wait_all(procs, timeout: float) -> None:
    end = time.monotonic() + timeout
    for p in procs:
        p.wait(timeout=max(1.0, end - time.monotonic()))


def open_count() -> int:
    return Deadline.objects.filter(status="open", kind="callback").count()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_worker_processes_act_on_1000_deadlines_exactly_once(wmp15, tmp_path):
    needs_postgres()
    ids = make_due_callbacks(wmp15)
    url = database_url(connection.settings_dict)
    procs = [start_worker(url, *WORKER_ARGS, log=tmp_path / f"w{i}.log") for i in range(2)]
    wait_all(procs, 300)
    assert [p.returncode for p in procs] == [0, 0]
    logs = [(tmp_path / f"w{i}.log").read_text() for i in range(2)]
    assert open_count() == 0, logs
    assert_each_acted_once(ids)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_again_and_again_loses_nothing_and_doubles_nothing(wmp15, tmp_path):
    needs_postgres()
    ids = make_due_callbacks(wmp15)
    url = database_url(connection.settings_dict)
    steady = start_worker(url, "--interval", "0.2", "--exit-when-idle")
    victim = start_worker(url, "--interval", "0.2")
    kills = 0
    open_at_kill = []
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and open_count() and kills < 8:
        time.sleep(0.8)  # long enough to start and take some rows
        open_at_kill.append(open_count())
        victim.send_signal(signal.SIGKILL)
        victim.wait(timeout=10)
        kills += 1
        victim = start_worker(url, "--interval", "0.2")
    victim.send_signal(signal.SIGTERM)
    victim.wait(timeout=60)
    steady.wait(timeout=300)
    if open_count():  # the steady worker may have gone idle while rows were held
        start_worker(url, *WORKER_ARGS).wait(timeout=300)
    print("open deadlines at each kill:", open_at_kill)
    assert kills >= 3 and min(open_at_kill[:3]) > 0, open_at_kill  # killed mid-run
    assert_each_acted_once(ids)


@pytest.mark.sqlite_only
def test_two_worker_processes_on_sqlite_act_once_each(tmp_path):
    """SQLite: no row locks; IMMEDIATE transactions take the one write lock at BEGIN, so
    two worker processes claim one after the other and each deadline is acted on once.
    (Deadlines of a kind with no handler: the sweep records a timeline event for each.)"""
    path = tmp_path / "workers.sqlite3"
    url = f"sqlite:///{path}"
    migrate(url)
    n = 300
    with sqlite3.connect(path) as db:
        (episode_type,) = db.execute(
            "SELECT id FROM django_content_type WHERE app_label='episodes' AND model='episode'"
        ).fetchone()
        db.executemany(
            "INSERT INTO agencies_deadline (owner, content_type_id, object_id, kind, due, rule,"
            " status, created_at, closed_reason, attempts, last_error)"
            " VALUES ('test', ?, ?, 'rhi_due', ?, 'R-RHI-01', 'open', ?, '', 0, '')",
            [(episode_type, i, "2025-01-01 00:00:00", "2025-01-01 00:00:00") for i in range(n)],
        )
    procs = [start_worker(url, *WORKER_ARGS, log=tmp_path / f"w{i}.log") for i in range(2)]
    wait_all(procs, 300)
    assert [p.returncode for p in procs] == [0, 0], (tmp_path / "w0.log").read_text()
    with sqlite3.connect(path) as db:
        statuses = db.execute(
            "SELECT status, attempts, COUNT(*) FROM agencies_deadline GROUP BY status, attempts"
        ).fetchall()
        per_subject = db.execute(
            "SELECT subject_id, COUNT(*) FROM agencies_timelineevent"
            " WHERE subject_type='episode' AND verb='deadline_due' GROUP BY subject_id"
        ).fetchall()
    assert statuses == [("acted", 1, n)]
    assert sorted(int(s) for s, _ in per_subject) == list(range(n))
    assert {c for _, c in per_subject} == {1}

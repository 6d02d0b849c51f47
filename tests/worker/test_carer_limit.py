"""Issue 10: "The worker turns a carer's unauthorised absence into a missing report at
exactly six hours, once, with two workers running and one killed" (R-CLS-10,
episodes.services.carer.carer_unauthorised_absence_limit; docs/worker.md).

Many children, each with an unauthorised absence their carer holds whose six hours since
last contact have passed: two real ``misper worker`` processes, one of them killed with
SIGKILL again and again while deadlines are open. Afterwards every absence went to the
police exactly once: status ``with_police``, reported to the police at the deadline's due
time (last contact + 6 h) and not at the moment a worker reached it, one timeline event
and one set of police messages each, every deadline acted on at its first committed
attempt. PostgreSQL (SKIP LOCKED), as the other fault tests; and SQLite (IMMEDIATE
transactions, one writer at a time), built and checked in processes of their own."""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import date, timedelta
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone

from .harness import ROOT, database_url, migrate, start_worker, worker_env
from .test_processes import needs_postgres

N_POSTGRES = 300
N_SQLITE = 400
KIND = "unauthorised_absence_limit"


def build(n: int) -> list[int]:
    """``n`` held unauthorised absences whose limit is due: one made through the services
    (West Mercia 2014, Birmingham's child placed in Worcester, a calm assessment), the rest
    copies of it for other children, each with its own last contact and deadline."""
    from misper.agencies.services import organisation_create, user_create
    from misper.care.services import assessment_save
    from misper.core.models import Deadline
    from misper.episodes.models import CarerReport
    from misper.episodes.services import carer_report_make
    from misper.people.models import Person
    from misper.people.services import PersonDetails, person_create, placement_record
    from tests.care.factories import assessment_values, carer_values

    def org(kind: str, code: str, **kw: Any) -> Any:
        return organisation_create(actor=None, kind=kind, name=code.title(), code=code, **kw)

    def user(role: str, organisation: Any) -> Any:
        return user_create(
            actor=None,
            email=f"{role}.{organisation.code}@fault.test",
            full_name=role.replace("_", " ").title(),
            organisation=organisation,
            roles=[role],
            password="Correct-Horse-42",
        )

    wmc = org("police_force", "wmc", policy_profile="west-mercia-2014", ons_code="E23000016")
    worcs = org("local_authority", "worcs", ons_code="E10000034")
    area = org("policing_area", "worcester-lpa", parent=wmc, local_authority=worcs)
    bham = org("local_authority", "bham", ons_code="E08000025")
    home = org("childrens_home", "hawthorn", local_authority=worcs, postcode="WR1 2HQ")
    user("call_handler", area)
    sw, carer = user("social_worker", bham), user("carer", home)
    child = person_create(
        actor=sw,
        details=PersonDetails(
            given_name="Mia", family_name="Robinson", date_of_birth=date(2011, 8, 19)
        ),
    )
    placement_record(
        actor=sw,
        person_id=child.pk,
        placement_type="children_home",
        address="Hawthorn House",
        postcode="WR1 2HQ",
        provider=home,
        placing_authority=bham,
        started_on=timezone.localdate() - timedelta(days=1),
        emergency=True,
    )
    calm = {"likelihood": "low", "risk_if_missing": "low", "risk_if_missing_reasons": ""}
    assessment_save(
        actor=sw,
        person_id=child.pk,
        values=assessment_values(**calm),
        completed_with="Manager",
        based_on=None,
    )
    # Recorded two hours ago, five hours after last contact: due an hour ago.
    at = timezone.now() - timedelta(hours=2)
    first = carer_report_make(
        actor=carer,
        person_id=child.pk,
        kind="unauthorised_absence",
        last_seen_at=at - timedelta(hours=6),
        last_contact_at=at - timedelta(hours=5),
        values=carer_values(),
        completed_by="Tom Hughes",
        designation="Residential worker",
        now=at,
    )
    deadline = Deadline.objects.of(first).get(owner="carer", kind=KIND)
    assert first.status == "held" and deadline.due == first.last_contact_at + timedelta(hours=6)
    people = []
    for i in range(1, n):
        p = Person.objects.get(pk=child.pk)
        p.pk = None
        p.family_name = f"Robinson{i}"
        people.append(p)
    people = Person.objects.bulk_create(people, batch_size=200)
    reports = []
    for i, p in enumerate(people, start=1):
        r = CarerReport.objects.get(pk=first.pk)
        r.pk = None
        r.person = p
        r.last_contact_at = first.last_contact_at - timedelta(seconds=i)
        r.last_seen_at = r.last_contact_at - timedelta(hours=1)
        reports.append(r)
    reports = CarerReport.objects.bulk_create(reports, batch_size=200)
    Deadline.objects.bulk_create(
        [
            Deadline(
                owner="carer",
                content_type=deadline.content_type,
                object_id=r.pk,
                kind=KIND,
                due=r.last_contact_at + timedelta(hours=6),
                rule="R-CLS-10",
            )
            for r in reports
        ],
        batch_size=200,
    )
    ids = [first.pk, *(r.pk for r in reports)]
    assert len(ids) == n
    return ids


def outcome() -> dict[str, Any]:
    """What the workers left, in plain values (compared by the tests)."""
    from django.db.models import Count

    from misper.core.models import Deadline, TimelineEvent
    from misper.episodes.models import CarerReport
    from misper.notifications.models import Message

    deadlines = {d.object_id: d for d in Deadline.objects.filter(owner="carer", kind=KIND)}
    reports = list(CarerReport.objects.order_by("pk"))
    events = dict(
        TimelineEvent.objects.filter(verb="carer_report_to_police")
        .values_list("subject_id")
        .annotate(n=Count("id"))
    )
    police = {}
    for key, n in (
        Message.objects.filter(rule="R-PPA-03", event_key__endswith=":limit")
        .values_list("event_key")
        .annotate(n=Count("id"))
    ):
        police[int(key.split(":")[1])] = n
    return {
        "reports": len(reports),
        "statuses": sorted({r.status for r in reports}),
        "reported_at_due": sum(
            1
            for r in reports
            if r.reported_to_police_at == deadlines[r.pk].due
            and deadlines[r.pk].due == r.last_contact_at + timedelta(hours=6)
        ),
        "deadline_states": sorted(
            {f"{d.status}, attempts {d.attempts}" for d in deadlines.values()}
        ),
        "open": sum(1 for d in deadlines.values() if d.status == "open"),
        "events_per_child": sorted({events.get(str(r.person_id), 0) for r in reports}),
        "police_messages_per_report": sorted({police.get(r.pk, 0) for r in reports}),
        "police_recipients": Message.objects.filter(
            rule="R-PPA-03", event_key=f"carer_report:{reports[0].pk}:limit"
        ).count(),
    }


def assert_each_went_to_the_police_once(result: dict[str, Any], n: int) -> None:
    assert result["reports"] == n
    assert result["statuses"] == ["with_police"]
    # reported at the limit itself, six hours after last contact: never later
    assert result["reported_at_due"] == n
    # every deadline acted on at its first committed attempt: a killed transaction
    # leaves no trace
    assert result["deadline_states"] == ["acted, attempts 1"]
    assert result["events_per_child"] == [1]
    # the policing area (inbox) and its call handler: one set per report
    assert result["police_recipients"] == 2
    assert result["police_messages_per_report"] == [2]


def kill_again_and_again(url: str, open_count: Any, n: int) -> list[int]:
    """The steady worker runs until idle; once the workers have begun (a worker takes a
    few seconds to start), the victim is killed with SIGKILL every 0.8 s while deadlines
    are open (at most 8 times), then stopped. Returns the open counts at each kill."""
    steady = start_worker(url, "--interval", "0.2", "--exit-when-idle")
    victim = start_worker(url, "--interval", "0.2")
    kills, open_at_kill = 0, []
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and open_count() == n:
        time.sleep(0.1)
    while time.monotonic() < deadline and kills < 8:
        time.sleep(0.8)  # long enough to start and take some rows
        still_open = open_count()
        if not still_open:  # the work is done: a kill now proves nothing
            break
        open_at_kill.append(still_open)
        victim.send_signal(signal.SIGKILL)
        victim.wait(timeout=10)
        kills += 1
        victim = start_worker(url, "--interval", "0.2")
    victim.send_signal(signal.SIGTERM)
    victim.wait(timeout=60)
    steady.wait(timeout=300)
    if open_count():  # the steady worker may have gone idle while rows were held
        start_worker(url, "--interval", "0.2", "--exit-when-idle").wait(timeout=300)
    print("open deadlines at each kill:", open_at_kill)
    return open_at_kill


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_carer_absences_go_to_the_police_once_with_a_worker_killed_again_and_again():
    needs_postgres()
    from misper.core.models import Deadline

    build(N_POSTGRES)
    url = database_url(connection.settings_dict)

    def open_count() -> int:
        return Deadline.objects.filter(owner="carer", kind=KIND, status="open").count()

    open_at_kill = kill_again_and_again(url, open_count, N_POSTGRES)
    assert open_at_kill, "the work was done before the victim could be killed"  # mid-run
    assert_each_went_to_the_police_once(outcome(), N_POSTGRES)


def _in_process(url: str, code: str) -> str:
    """Run ``code`` with Django set up on the database at ``url``; its standard output."""
    done = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        cwd=ROOT,
        env=worker_env(url),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


@pytest.mark.sqlite_only
def test_carer_absences_go_to_the_police_once_on_sqlite_with_a_worker_killed(tmp_path):
    """SQLite: the data is built and checked by processes of their own on a file database
    (the test database is in memory); the workers take the one write lock in turn, and a
    killed one's transaction is rolled back from the write-ahead log."""
    path = tmp_path / "carers.sqlite3"
    url = f"sqlite:///{path}"
    migrate(url)
    _in_process(url, f"from tests.worker.test_carer_limit import build; build({N_SQLITE})")

    def open_count() -> int:
        with sqlite3.connect(path, timeout=30) as db:
            (n,) = db.execute(
                "SELECT COUNT(*) FROM agencies_deadline WHERE owner='carer' AND kind=? "
                "AND status='open'",
                (KIND,),
            ).fetchone()
        return int(n)

    assert open_count() == N_SQLITE
    open_at_kill = kill_again_and_again(url, open_count, N_SQLITE)
    assert open_at_kill, "the work was done before the victim could be killed"  # mid-run
    result = json.loads(
        _in_process(
            url,
            "import json; from tests.worker.test_carer_limit import outcome; "
            "print(json.dumps(outcome()))",
        )
    )
    assert_each_went_to_the_police_once(result, N_SQLITE)

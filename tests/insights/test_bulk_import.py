"""The bulk import of history (issue 14, part 3): the dry run reports every refused row with
its row number, column and reason and writes nothing; the import is all or nothing,
idempotent, from CSV or XLSX; the imported episodes count in the reports and the triggers,
and the imported children are found by the call handler's search."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from django.utils import timezone

from misper.core.models import AuditEvent, TimelineEvent
from misper.episodes.models import Episode, FoundReport
from misper.insights import bulk_import as bi
from misper.insights.models import ImportedKey, ImportJob, ImportStatus
from misper.insights.reports import Filters, durations, scope_for
from misper.interventions.models import TriggerRecord
from misper.people.models import Person, PlaceLink, SearchKey
from misper.people.search import search
from tests.interventions.conftest import wmc  # noqa: F401  the West Mercia region

pytestmark = pytest.mark.django_db

HEADER = list(bi.COLUMN_NAMES)
BASE = datetime(2026, 1, 5, 20, 0)  # UK local time


def row(key: str, n: int, **over: Any) -> dict[str, str]:
    """Child ``key``'s ``n``-th episode, ten days apart, found the next morning."""
    reported = BASE + timedelta(days=10 * n)
    values = {
        "child_key": key,
        "given_name": f"Kid{key}",
        "family_name": "Imported",
        "date_of_birth": "2011-04-02",
        "sex": "F",
        "ethnicity": "WBRI",
        "home_postcode": "VL2 4MR",
        "local_authority": "vale",
        "la_child_id": f"LA{key}",
        "reported_at": reported.strftime("%Y-%m-%d %H:%M"),
        "last_seen_at": (reported - timedelta(hours=2)).strftime("%Y-%m-%d %H:%M"),
        "found_at": (reported + timedelta(hours=12)).strftime("%d/%m/%Y %H:%M"),
        "category": "missing",
        "risk": "medium",
        "missing_from": "home",
        "location_address": f"{key} Larch Road, Northfold",
        "location_postcode": "VL2 4MR",
        "care_home_code": "",
        "policing_area": "north",
        "reported_by": "parent",
        "found_where": "Bus station",
        "found_postcode": "VL1 2AB",
        "closure": "returned",
    }
    values.update(over)
    return values


def as_csv(rows: list[dict[str, str]], header: list[str] = HEADER) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=header)
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode()


def alpha(i: int) -> str:
    """A word for a number (a street's name: the location key keeps letters only)."""
    word = ""
    while True:
        i, rest = divmod(i, 26)
        word = "abcdefghijklmnopqrstuvwxyz"[rest] + word
        if not i:
            return word.title()


def many(children: int, each: int) -> list[dict[str, str]]:
    """``each`` episodes of each child, every child missing from their own street."""
    return [
        row(f"C{c:04d}", n, location_address=f"1 {alpha(c)} Road, Northfold")
        for c in range(children)
        for n in range(each)
    ]


def start(r: dict[str, Any], content: bytes, name: str = "history.csv") -> ImportJob:
    return bi.job_start(actor=r["coordinator"], system="Niche", file_name=name, content=content)


def run(job: ImportJob) -> ImportJob:
    """What the worker does with the queued task."""
    bi.run_job(job.pk)
    job.refresh_from_db()
    return job


def dry_run_then_import(r: dict[str, Any], content: bytes, name: str = "history.csv") -> ImportJob:
    job = run(start(r, content, name))
    assert job.status == ImportStatus.CHECKED, job.errors
    bi.job_import(actor=r["coordinator"], job_id=job.pk, version=job.version)
    return run(job)


def written() -> tuple[int, int, int, int, int]:
    return (
        Person.objects.count(),
        Episode.objects.count(),
        FoundReport.objects.count(),
        ImportedKey.objects.count(),
        PlaceLink.objects.count(),
    )


def test_dry_run_reports_each_refused_row_with_its_column_and_reason(wmc):  # noqa: F811
    before = written()
    rows = [
        row("A", 0),
        row("A", 1, date_of_birth="2011-04-03"),  # row 3: another date of birth
        row("B", 0, reported_at="05/13/2025 10:00"),  # row 4: no 13th month
        row("B", 1, risk=""),  # row 5: a missing episode without a risk
        row(
            "C",
            0,
            last_seen_at="2026-03-01 10:00",
            reported_at="2026-02-01 10:00",
            found_at="",
            found_where="",
            found_postcode="",
        ),  # row 6
        row("D", 0, category="absent"),  # row 7: absent with a risk
        row("E", 0, local_authority="nowhere", policing_area="west"),  # row 8: unknown codes
        row("F", 0, found_at="2025-01-01 10:00"),  # row 9: found before the report
        row("G", 0, given_name=""),  # row 10
    ]
    job = run(start(wmc, as_csv(rows)))
    assert job.status == ImportStatus.REFUSED
    problems = {(n, col) for n, col, _ in job.errors}
    assert problems >= {
        (3, "date_of_birth"),
        (4, "reported_at"),
        (5, "risk"),
        (6, "last_seen_at"),
        (7, "risk"),
        (9, "found_at"),
        (10, "given_name"),
    }
    reasons = {(n, col): reason for n, col, reason in job.errors}
    assert "row 2" in reasons[(3, "date_of_birth")]
    assert reasons[(5, "risk")] == "Enter the risk of a missing episode"
    assert reasons[(10, "given_name")] == "Enter the given name"
    # The codes are checked against the records in the same pass.
    assert {(8, "local_authority"), (8, "policing_area")} <= problems
    assert job.error_count == len(job.errors) == 9
    assert written() == before


def test_codes_unknown_to_misper_are_refused_by_the_dry_run(wmc):  # noqa: F811
    job = run(start(wmc, as_csv([row("E", 0, local_authority="nowhere", policing_area="west")])))
    assert job.status == ImportStatus.REFUSED
    assert sorted((n, c) for n, c, _ in job.errors) == [
        (2, "local_authority"),
        (2, "policing_area"),
    ]


def test_a_file_with_unknown_or_missing_columns_is_refused_at_row_1(wmc):  # noqa: F811
    header = [h for h in HEADER if h != "reported_at"] + ["nickname"]
    rows = [{**{k: v for k, v in row("A", 0).items() if k != "reported_at"}, "nickname": "x"}]
    job = run(start(wmc, as_csv(rows, header)))
    assert job.status == ImportStatus.REFUSED
    assert {(n, c) for n, c, _ in job.errors} == {(1, "reported_at"), (1, "nickname")}


def test_the_dry_run_writes_nothing_and_summarises(wmc):  # noqa: F811
    before = written()
    job = run(start(wmc, as_csv(many(5, 4))))
    assert job.status == ImportStatus.CHECKED
    assert job.summary["rows"] == 20
    assert job.summary["new_children"] == 5
    assert job.summary["episodes"] == 20
    assert written() == before


def test_a_file_of_200_rows_is_imported_with_everything_the_records_need(wmc):  # noqa: F811
    persons, *_ = written()
    rows = [{**r, "given_name": "Zebedee"} if r["child_key"] == "C0007" else r for r in many(50, 4)]
    job = dry_run_then_import(wmc, as_csv(rows))
    assert job.status == ImportStatus.DONE
    assert job.rows_done == job.rows_total == 200
    assert Person.objects.count() == persons + 50
    imported = Episode.objects.filter(circumstances__startswith="Imported from Niche row ")
    assert imported.count() == 200
    assert set(imported.values_list("status", flat=True)) == {"closed"}
    assert set(imported.values_list("owning_area", flat=True)) == {wmc["area"].pk}
    assert FoundReport.objects.filter(episode__in=imported).count() == 200
    # The place links place_link_note writes: missing from and found at, each a whole postcode.
    assert PlaceLink.objects.filter(episode__in=imported, source="missing_from").count() == 200
    assert PlaceLink.objects.filter(episode__in=imported, source="found").count() == 200
    # One timeline event per child, one audit row for the import.
    events = TimelineEvent.objects.filter(verb="history_imported")
    assert events.count() == 50
    assert events.first().changes["episodes"] == 4
    assert AuditEvent.objects.filter(action="import", subject_id=str(job.pk)).count() == 1
    # Found by the call handler's search, by name and date of birth.
    kid = Person.objects.get(given_name="Zebedee")
    assert kid.home_authority == wmc["vale"] and kid.sex == "female"
    assert SearchKey.objects.filter(person=kid).exists()
    found = search(
        visible=None,
        name="Zebedee Imported",
        date_of_birth=date(2011, 4, 2),
        today=timezone.localdate(),
    )
    assert found and found[0].person_id == kid.pk
    # Each row's time is UK local: 20:00 in January is 20:00 UTC.
    first = imported.filter(person=kid).order_by("reported_at").first()
    assert first.reported_at == datetime(2026, 1, 5, 20, 0, tzinfo=UTC)


def test_one_bad_row_among_many_writes_nothing(wmc):  # noqa: F811
    before = written()
    rows = many(50, 4)
    rows[150] = {**rows[150], "last_seen_at": "not a time"}
    job = run(start(wmc, as_csv(rows)))
    assert job.status == ImportStatus.REFUSED
    assert [(n, c) for n, c, _ in job.errors] == [(152, "last_seen_at")]
    with pytest.raises(bi.WrongState):
        bi.job_import(actor=wmc["coordinator"], job_id=job.pk, version=job.version)
    assert written() == before


def test_a_file_that_went_wrong_after_its_check_writes_nothing(wmc):  # noqa: F811
    """The import checks again inside its transaction: a child imported meanwhile with
    another date of birth refuses the whole file."""
    before = written()
    job = run(start(wmc, as_csv(many(3, 2))))
    other = dry_run_then_import(wmc, as_csv([row("C0001", 9, date_of_birth="2010-01-01")]))
    assert other.status == ImportStatus.DONE
    middle = written()
    assert middle != before
    bi.job_import(actor=wmc["coordinator"], job_id=job.pk, version=job.version)
    job = run(job)
    assert job.status == ImportStatus.REFUSED
    assert {(n, c) for n, c, _ in job.errors} == {(4, "date_of_birth"), (5, "date_of_birth")}
    assert written() == middle


def test_importing_the_same_file_again_adds_nothing(wmc):  # noqa: F811
    content = as_csv(many(10, 3))
    dry_run_then_import(wmc, content)
    after_first = written()
    job = dry_run_then_import(wmc, content)
    assert job.status == ImportStatus.DONE
    assert job.summary["already_imported"] == 30 and job.summary["episodes"] == 0
    assert written() == after_first
    # A new episode of a child imported before joins their record.
    job = dry_run_then_import(wmc, as_csv([row("C0003", 7)]))
    assert job.summary["matched_children"] == 1 and job.summary["new_children"] == 0
    assert written()[:2] == (after_first[0], after_first[1] + 1)


def test_an_xlsx_file_is_imported_like_a_csv(wmc):  # noqa: F811
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(HEADER)
    for values in many(2, 2):
        cells: list[Any] = [values[h] for h in HEADER]
        # Excel's own dates and times, as a spreadsheet holds them.
        cells[HEADER.index("date_of_birth")] = datetime(2011, 4, 2)
        cells[HEADER.index("reported_at")] = datetime.strptime(
            values["reported_at"], "%Y-%m-%d %H:%M"
        )
        sheet.append(cells)
    out = io.BytesIO()
    book.save(out)
    job = dry_run_then_import(wmc, out.getvalue(), "history.xlsx")
    assert job.status == ImportStatus.DONE
    assert job.summary["episodes"] == 4


def test_imported_episodes_count_in_the_reports(wmc):  # noqa: F811
    dry_run_then_import(wmc, as_csv(many(2, 3)))
    scope = scope_for(wmc["analyst"])
    tables = durations(scope, Filters(start=date(2026, 1, 1), end=date(2026, 3, 31)))
    bands = next(t for t in tables if t.key == "bands")
    counts = {r["label"]: r["count"] for r in bands.rows}
    assert counts["8 to 16 hours"] == 6  # last seen 2 hours before the report, found 12 after


def test_imported_episodes_count_in_the_triggers(wmc):  # noqa: F811
    """West Mercia 2014, R-TRG-10: three missing episodes in 90 days is level 1."""
    job = dry_run_then_import(wmc, as_csv([row("T", n) for n in range(3)]))
    assert job.status == ImportStatus.DONE
    assert job.triggers_done == job.triggers_total == 3
    kid = Person.objects.get(given_name="KidT")
    records = TriggerRecord.objects.filter(person=kid, kind="wm_individual_3_in_90")
    assert [(t.level, t.count) for t in records] == [(1, 3)]
    third = Episode.objects.filter(person=kid).order_by("reported_at").last()
    assert records.get().episode == third
    assert records.get().created_at == third.reported_at


def test_only_a_coordinator_or_an_administrator_imports(wmc):  # noqa: F811
    with pytest.raises(bi.PermissionDenied):
        bi.job_start(actor=wmc["call_handler"], system="Niche", file_name="a.csv", content=b"x")
    job = start(wmc, as_csv([row("A", 0)]))
    with pytest.raises(bi.NotFound):
        bi.get_job_for_user(wmc["analyst"], job.pk)


def test_the_template_has_every_column_and_passes_its_own_check(wmc):  # noqa: F811
    text = bi.template_csv()
    assert text.splitlines()[0].split(",") == HEADER
    job = run(start(wmc, text.encode()))
    assert job.status == ImportStatus.CHECKED, job.errors


@pytest.mark.django_db(transaction=True)
def test_the_worker_runs_the_check_and_the_import(wmc, django_capture_on_commit_callbacks):  # noqa: F811
    """The upload queues a task (django-tasks); the worker's tick runs it. The worker closes
    its connections as it does in production, so the test runs outside a test transaction
    (on PostgreSQL a closed connection inside one fails the test)."""
    from misper.worker import Worker

    with django_capture_on_commit_callbacks(execute=True):
        job = start(wmc, as_csv(many(2, 2)))
    Worker(interval=0).run_tasks()
    job.refresh_from_db()
    assert job.status == ImportStatus.CHECKED
    with django_capture_on_commit_callbacks(execute=True):
        bi.job_import(actor=wmc["coordinator"], job_id=job.pk, version=job.version)
    Worker(interval=0).run_tasks()
    job.refresh_from_db()
    assert job.status == ImportStatus.DONE and job.summary["episodes"] == 4

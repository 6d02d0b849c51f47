"""The audit log: append-only, hash-chained, and `misper audit verify` finds the first
broken link."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from misper.core.audit import audit_record, audit_verify
from misper.core.models import AuditEvent, TimelineEvent
from misper.core.timeline import timeline_record
from misper.people.events import PeopleVerb

pytestmark = pytest.mark.django_db(transaction=True)


def _rows(user, n=3):
    return [
        audit_record(user=user, action="read", subject_type="person", subject_id=i, purpose="call")
        for i in range(n)
    ]


def test_rows_chain_to_each_other(make_user):
    user = make_user("call_handler")
    rows = _rows(user)
    assert rows[0].prev_hash == "0" * 64
    assert rows[1].prev_hash == rows[0].row_hash
    assert rows[2].prev_hash == rows[1].row_hash
    result = audit_verify()
    assert result.ok and result.checked == 3


def test_unknown_action_is_refused_and_writes_nothing(make_user):
    from misper.core.errors import ValidationFailed

    with pytest.raises(ValidationFailed) as exc:
        audit_record(user=make_user(), action="peek", subject_type="person", subject_id=1)
    assert exc.value.field == "action"
    assert AuditEvent.objects.count() == 0


@pytest.mark.parametrize("table", ["agencies_auditevent", "agencies_timelineevent"])
@pytest.mark.django_db(transaction=False)
def test_database_refuses_update_and_delete(make_user, table):
    user = make_user()
    _rows(user, 1)
    with transaction.atomic():
        timeline_record(
            actor=user, subject_type="person", subject_id=1, verb=PeopleVerb.PHOTO_ADDED
        )
    if connection.vendor == "sqlite":  # close the test-suite-only door (core/apps.py)
        connection.connection.create_function("misper_purge_allowed", 0, lambda: 0)
    try:
        for sql in (f"UPDATE {table} SET subject_id = 'x'", f"DELETE FROM {table}"):
            with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
                with connection.cursor() as cur:
                    cur.execute(sql)
    finally:
        if connection.vendor == "sqlite":
            connection.connection.create_function("misper_purge_allowed", 0, lambda: 1)
    assert AuditEvent.objects.count() == 1
    assert TimelineEvent.objects.filter(verb="photo_added").count() == 1


def _tamper(sql: str, params: list) -> None:
    """Bypass the append-only guard, as someone with database access could, and put it
    back afterwards."""
    with connection.cursor() as cur:
        if connection.vendor == "sqlite":
            cur.execute("DROP TRIGGER agencies_auditevent_no_update")
            cur.execute(sql, params)
            cur.execute(
                "CREATE TRIGGER agencies_auditevent_no_update BEFORE UPDATE ON "
                "agencies_auditevent BEGIN SELECT RAISE(ABORT, "
                "'agencies_auditevent is append-only'); END;"
            )
        else:
            cur.execute("ALTER TABLE agencies_auditevent DISABLE TRIGGER USER")
            cur.execute(sql, params)
            cur.execute("ALTER TABLE agencies_auditevent ENABLE TRIGGER USER")


def test_verify_reports_the_first_edited_row(make_user):
    rows = _rows(make_user(), 4)
    _tamper("UPDATE agencies_auditevent SET purpose = %s WHERE id = %s", ["nothing", rows[1].pk])
    result = audit_verify()
    assert not result.ok
    assert result.broken_at == rows[1].pk
    assert result.checked == 1
    with pytest.raises(CommandError, match=f"row {rows[1].pk}"):
        call_command("audit", "verify")


def test_verify_reports_a_removed_row(make_user):
    rows = _rows(make_user(), 4)
    _tamper("DELETE FROM agencies_auditevent WHERE id = %s", [rows[2].pk])
    result = audit_verify()
    assert result.broken_at == rows[3].pk


def test_verify_reports_rows_cut_from_the_end(make_user):
    rows = _rows(make_user(), 3)
    _tamper("DELETE FROM agencies_auditevent WHERE id = %s", [rows[2].pk])
    result = audit_verify()
    assert result.broken_at == -1


def test_verify_command_prints_the_count_when_intact(make_user, capsys):
    _rows(make_user(), 2)
    call_command("audit", "verify")
    assert "audit log intact: 2 rows checked" in capsys.readouterr().out


def test_timeline_record_refuses_to_run_outside_a_transaction(make_user):
    with pytest.raises(RuntimeError):
        timeline_record(actor=make_user(), subject_type="person", subject_id=1, verb="x")

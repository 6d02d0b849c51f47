"""The timeline and the audit log are append-only: the database itself refuses UPDATE and
DELETE on them, whatever code runs. (Services never try; this guards against mistakes and
against anyone with a database shell who is not meant to rewrite history.)"""

from django.db import migrations

TABLES = ["agencies_timelineevent", "agencies_auditevent"]


def forwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for table in TABLES:
        if vendor == "sqlite":
            schema_editor.execute(
                f"CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table} "
                f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END;"
            )
            # The test suite's flush between transactional tests deletes every row.
            # misper_purge_allowed() is registered on each connection by the agencies
            # app and answers 1 only when settings.MISPER_ALLOW_TEST_FLUSH is on (test
            # settings); a connection without the function cannot delete at all.
            schema_editor.execute(
                f"CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table} "
                f"WHEN misper_purge_allowed() = 0 "
                f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END;"
            )
        elif vendor == "postgresql":
            schema_editor.execute(
                f"""
                CREATE OR REPLACE FUNCTION misper_append_only() RETURNS trigger AS $$
                BEGIN
                    RAISE EXCEPTION '% is append-only', TG_TABLE_NAME;
                END;
                $$ LANGUAGE plpgsql;
                CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table}
                    FOR EACH ROW EXECUTE FUNCTION misper_append_only();
                -- (TRUNCATE, which only the test suite's flush uses, needs its own
                -- privilege and fires no row trigger.)
                """,
                None,
            )


def backwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for table in TABLES:
        if vendor == "sqlite":
            for op in ("update", "delete"):
                schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_no_{op}")
        elif vendor == "postgresql":
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")


class Migration(migrations.Migration):
    dependencies = [("agencies", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]

"""The timeline, the audit log and deadlines move to misper.core. Only Django's idea of
which app owns them changes: the tables keep their names (core's models set db_table),
their rows and the append-only triggers of 0002, so nothing is done to the database."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("agencies", "0008_auditevent_action_share"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(
                    name="AuditChainHead",
                ),
                migrations.RemoveField(
                    model_name="auditevent",
                    name="organisation",
                ),
                migrations.RemoveField(
                    model_name="auditevent",
                    name="user",
                ),
                migrations.DeleteModel(
                    name="Deadline",
                ),
                migrations.RemoveField(
                    model_name="timelineevent",
                    name="actor",
                ),
                migrations.RemoveField(
                    model_name="timelineevent",
                    name="organisation",
                ),
                migrations.DeleteModel(
                    name="AuditEvent",
                ),
                migrations.DeleteModel(
                    name="TimelineEvent",
                ),
            ],
            database_operations=[],
        )
    ]

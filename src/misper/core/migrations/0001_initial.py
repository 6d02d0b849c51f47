"""The timeline, the audit log and deadlines, moved from agencies (its migration 0009):
the tables exist already under their agencies_ names, so only the state is created."""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("agencies", "0009_move_to_core"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="AuditChainHead",
                    fields=[
                        (
                            "id",
                            models.PositiveSmallIntegerField(
                                default=1, primary_key=True, serialize=False
                            ),
                        ),
                        ("last_hash", models.CharField(max_length=64)),
                        ("count", models.BigIntegerField(default=0)),
                    ],
                    options={
                        "db_table": "agencies_auditchainhead",
                    },
                ),
                migrations.CreateModel(
                    name="Deadline",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        ("subject_type", models.CharField(max_length=48)),
                        ("subject_id", models.CharField(max_length=64)),
                        ("kind", models.CharField(max_length=40)),
                        ("due", models.DateTimeField(db_index=True)),
                        ("rule", models.CharField(blank=True, max_length=16)),
                        (
                            "status",
                            models.CharField(
                                choices=[
                                    ("open", "Open"),
                                    ("met", "Met"),
                                    ("acted", "Acted on when due"),
                                    ("cancelled", "No longer applies"),
                                ],
                                default="open",
                                max_length=10,
                            ),
                        ),
                        ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                        ("closed_at", models.DateTimeField(blank=True, null=True)),
                        ("closed_reason", models.CharField(blank=True, max_length=200)),
                        (
                            "retry_after",
                            models.DateTimeField(
                                blank=True,
                                help_text="After a failed attempt, the worker waits until then (backoff).",
                                null=True,
                            ),
                        ),
                        ("acted_at", models.DateTimeField(blank=True, null=True)),
                        ("attempts", models.PositiveIntegerField(default=0)),
                        ("last_error", models.CharField(blank=True, max_length=200)),
                    ],
                    options={
                        "db_table": "agencies_deadline",
                        "ordering": ["due", "id"],
                        "indexes": [
                            models.Index(
                                fields=["subject_type", "subject_id", "status"],
                                name="agencies_de_subject_12ce04_idx",
                            ),
                            models.Index(
                                fields=["status", "due"], name="agencies_de_status_2f5da7_idx"
                            ),
                        ],
                    },
                ),
                migrations.CreateModel(
                    name="AuditEvent",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        ("at", models.DateTimeField(default=django.utils.timezone.now)),
                        ("user_label", models.CharField(max_length=254)),
                        (
                            "action",
                            models.CharField(
                                choices=[
                                    ("read", "Read"),
                                    ("export", "Export"),
                                    ("open_restricted", "Opened a restricted record"),
                                    ("break_glass", "Opened another force's case"),
                                    ("denied", "Access refused"),
                                    ("share", "Shared a child's record with another organisation"),
                                    ("share_ended", "Ended the sharing of a child's record"),
                                ],
                                max_length=24,
                            ),
                        ),
                        ("subject_type", models.CharField(max_length=48)),
                        ("subject_id", models.CharField(max_length=64)),
                        ("purpose", models.CharField(blank=True, max_length=200)),
                        ("reason", models.TextField(blank=True)),
                        ("prev_hash", models.CharField(max_length=64)),
                        ("row_hash", models.CharField(max_length=64, unique=True)),
                        (
                            "organisation",
                            models.ForeignKey(
                                null=True,
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to="agencies.organisation",
                            ),
                        ),
                        (
                            "user",
                            models.ForeignKey(
                                null=True,
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                    ],
                    options={
                        "db_table": "agencies_auditevent",
                        "ordering": ["id"],
                        "indexes": [
                            models.Index(
                                fields=["subject_type", "subject_id"],
                                name="agencies_au_subject_4f2f60_idx",
                            )
                        ],
                    },
                ),
                migrations.CreateModel(
                    name="TimelineEvent",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        (
                            "at",
                            models.DateTimeField(db_index=True, default=django.utils.timezone.now),
                        ),
                        ("actor_name", models.CharField(max_length=200)),
                        ("actor_role", models.CharField(blank=True, max_length=48)),
                        ("subject_type", models.CharField(max_length=48)),
                        ("subject_id", models.CharField(max_length=64)),
                        ("verb", models.CharField(max_length=64)),
                        ("changes", models.JSONField(blank=True, default=dict)),
                        ("rationale", models.TextField(blank=True)),
                        ("rules", models.JSONField(blank=True, default=list)),
                        (
                            "actor",
                            models.ForeignKey(
                                null=True,
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "organisation",
                            models.ForeignKey(
                                null=True,
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to="agencies.organisation",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "agencies_timelineevent",
                        "ordering": ["at", "id"],
                        "indexes": [
                            models.Index(
                                fields=["subject_type", "subject_id", "at"],
                                name="agencies_ti_subject_c73589_idx",
                            )
                        ],
                    },
                ),
            ],
            database_operations=[],
        )
    ]

"""A deadline names the app that keeps it (``owner``) and refers to its record by content
type and integer id instead of a type string and a text id, so a record's deadlines are a
SQL join. Every deadline so far was the episodes app's, about an episode."""

import django.db.models.deletion
from django.db import migrations, models


def forwards(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Deadline = apps.get_model("core", "Deadline")
    episode, _ = ContentType.objects.get_or_create(app_label="episodes", model="episode")
    for row in Deadline.objects.all().only("pk", "subject_type", "subject_id"):
        if row.subject_type != "episode":
            raise RuntimeError(f"deadline {row.pk}: unknown subject {row.subject_type!r}")
        Deadline.objects.filter(pk=row.pk).update(
            owner="episodes", content_type_id=episode.pk, object_id=int(row.subject_id)
        )


def backwards(apps, schema_editor):
    Deadline = apps.get_model("core", "Deadline")
    for row in Deadline.objects.all().only("pk", "object_id"):
        Deadline.objects.filter(pk=row.pk).update(
            subject_type="episode", subject_id=str(row.object_id)
        )


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("core", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="deadline",
            name="owner",
            field=models.CharField(
                default="", help_text="The app that keeps this deadline.", max_length=32
            ),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="deadline",
            name="content_type",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="contenttypes.contenttype",
            ),
        ),
        migrations.AddField(
            model_name="deadline",
            name="object_id",
            field=models.PositiveBigIntegerField(null=True),
        ),
        migrations.RunPython(forwards, backwards),
        migrations.AlterField(
            model_name="deadline",
            name="content_type",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="contenttypes.contenttype",
            ),
        ),
        migrations.AlterField(
            model_name="deadline",
            name="object_id",
            field=models.PositiveBigIntegerField(),
        ),
        migrations.RemoveIndex(
            model_name="deadline",
            name="agencies_de_subject_12ce04_idx",
        ),
        migrations.RemoveField(model_name="deadline", name="subject_type"),
        migrations.RemoveField(model_name="deadline", name="subject_id"),
        migrations.AddIndex(
            model_name="deadline",
            index=models.Index(
                fields=["content_type", "object_id", "status"],
                name="agencies_de_content_4bf98b_idx",
            ),
        ),
        migrations.AddIndex(
            model_name="deadline",
            index=models.Index(fields=["owner", "status"], name="agencies_de_owner_2f191f_idx"),
        ),
    ]

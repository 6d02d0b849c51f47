"""Which records have their search keys (issue 13). The records held already were indexed
by migration 0005 and the services since: each that has keys (or was merged away, and so
has none on purpose) is marked with scheme 1. One that has none was written around the
services (a bulk load): it stays unmarked, and the search indexes it before it reads."""

from django.db import migrations, models
from django.db.models import Exists, OuterRef, Q


def mark_indexed(apps, schema_editor):
    person = apps.get_model("people", "Person")
    key = apps.get_model("people", "SearchKey")
    person.objects.filter(
        Q(merged_into__isnull=False) | Exists(key.objects.filter(person_id=OuterRef("pk")))
    ).update(search_keys_version=1)


class Migration(migrations.Migration):
    dependencies = [
        ("agencies", "0010_organisation_ons_code"),
        ("people", "0012_duplicates_and_merging"),
    ]

    operations = [
        migrations.AddField(
            model_name="person",
            name="search_keys_version",
            field=models.PositiveSmallIntegerField(blank=True, editable=False, null=True),
        ),
        migrations.RunPython(mark_indexed, migrations.RunPython.noop),
        migrations.AddIndex(
            model_name="person",
            index=models.Index(
                condition=models.Q(("search_keys_version__isnull", True)),
                fields=["id"],
                name="person_without_search_keys",
            ),
        ),
    ]

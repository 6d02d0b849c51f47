# Issue 13: the call handler's search keys, and the keys of the records already held.

from collections import defaultdict

import django.db.models.deletion
from django.db import migrations, models


def index_existing(apps, schema_editor):
    from misper.people.search import search_key_rows

    Person = apps.get_model("people", "Person")
    Alias = apps.get_model("people", "Alias")
    SearchKey = apps.get_model("people", "SearchKey")
    last = 0
    while True:
        chunk = list(
            Person.objects.filter(pk__gt=last)
            .order_by("pk")
            .values_list(
                "pk", "given_name", "family_name", "date_of_birth", "phone_digits", "home_postcode"
            )[:5000]
        )
        if not chunk:
            return
        last = chunk[-1][0]
        aliases = defaultdict(list)
        for pk, name in Alias.objects.filter(person_id__in=[c[0] for c in chunk]).values_list(
            "person_id", "name"
        ):
            aliases[pk].append(name)
        SearchKey.objects.bulk_create(
            [
                SearchKey(person_id=pk, key=key)
                for pk, key in search_key_rows((*c, aliases.get(c[0], [])) for c in chunk)
            ],
            batch_size=10000,
        )


class Migration(migrations.Migration):
    dependencies = [
        ("people", "0004_shared_items_and_flag_requests"),
    ]

    operations = [
        migrations.CreateModel(
            name="SearchKey",
            fields=[
                (
                    "pk",
                    models.CompositePrimaryKey(
                        "key",
                        "person",
                        blank=True,
                        editable=False,
                        primary_key=True,
                        serialize=False,
                    ),
                ),
                ("key", models.BigIntegerField()),
                (
                    "person",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="search_keys",
                        to="people.person",
                    ),
                ),
            ],
        ),
        migrations.RunPython(index_existing, migrations.RunPython.noop),
    ]

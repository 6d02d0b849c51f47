# Issue 13: the call handler may give a placement's postcode; the district of each
# current placement's postcode becomes a search key ("pc:<district>") of the child, as the
# home postcode's already is. From now on people/services.py keeps it (placement_record);
# this adds it to the records already held.

from django.db import migrations


def add_placement_districts(apps, schema_editor):
    from misper.people.matching import key_hash, postcode_district

    Placement = apps.get_model("people", "Placement")
    SearchKey = apps.get_model("people", "SearchKey")
    rows = (
        Placement.objects.filter(ended_on__isnull=True)
        .exclude(postcode="")
        .values_list("person_id", "postcode")
        .iterator(chunk_size=5000)
    )
    keys = set()
    for person_id, postcode in rows:
        district = postcode_district(postcode)
        if district:
            keys.add((person_id, key_hash(f"pc:{district}")))
    SearchKey.objects.bulk_create(
        [SearchKey(person_id=pk, key=key) for pk, key in sorted(keys)],
        batch_size=10000,
        ignore_conflicts=True,  # the same district as the home postcode's
    )


class Migration(migrations.Migration):
    dependencies = [
        ("people", "0006_allocatedworker_allocated_by_placement_district_and_more"),
    ]

    operations = [
        migrations.RunPython(add_placement_districts, migrations.RunPython.noop),
    ]

"""Link every child already recorded to the places their records name (people/network.py
does it for every record written from now on): known places, placements, the addresses
children went missing from and were found at."""

import re

from django.db import migrations

_POSTCODE = re.compile(r"([A-Z]{1,2}[0-9][A-Z0-9]?)([0-9][A-Z]{2})")


def _key(postcode):
    # As people.network.postcode_key, frozen here: a migration keeps the rule it ran with.
    found = _POSTCODE.fullmatch("".join((postcode or "").upper().split()))
    return f"{found.group(1)} {found.group(2)}" if found else ""


def backfill(apps, schema_editor):
    Location = apps.get_model("people", "Location")
    PlaceLink = apps.get_model("people", "PlaceLink")
    Place = apps.get_model("people", "Place")
    Placement = apps.get_model("people", "Placement")
    Episode = apps.get_model("episodes", "Episode")
    Found = apps.get_model("episodes", "FoundReport")
    rows = []
    for p in Place.objects.exclude(postcode="").iterator():
        on = p.last_seen_on or p.person.created_at.date()
        rows.append(("place", p.pk, p.person_id, p.postcode, p.description, on, None, None))
    for p in Placement.objects.exclude(postcode="").iterator():
        rows.append(
            ("placement", p.pk, p.person_id, p.postcode, p.address, p.started_on, None, None)
        )
    for e in Episode.objects.exclude(location_postcode="").iterator():
        on = e.last_seen_at.date()
        rows.append(
            (
                "missing_from",
                e.pk,
                e.person_id,
                e.location_postcode,
                e.location_address,
                on,
                e.pk,
                e.last_seen_at,
            )
        )
    for f in Found.objects.exclude(found_postcode="").select_related("episode").iterator():
        e = f.episode
        rows.append(
            (
                "found",
                f.pk,
                e.person_id,
                f.found_postcode,
                f.found_where,
                f.found_at.date(),
                e.pk,
                f.found_at,
            )
        )
    for source, source_id, person_id, postcode, description, on, episode_id, at in rows:
        key = _key(postcode)
        if not key:
            continue
        label = (description or key)[:300]
        location, _ = Location.objects.get_or_create(postcode=key, defaults={"label": label})
        PlaceLink.objects.update_or_create(
            source=source,
            source_id=source_id,
            defaults={
                "person_id": person_id,
                "location": location,
                "episode_id": episode_id,
                "on": on,
                "at": at,
                "description": label,
            },
        )


class Migration(migrations.Migration):
    dependencies = [
        ("people", "0009_place_link_moment"),
        ("episodes", "0007_cse_screening"),
    ]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]

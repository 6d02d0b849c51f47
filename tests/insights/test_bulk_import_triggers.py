"""The imported episodes counted in the triggers, in batches (insights/import_triggers.py):
the same hits as asking the engine about each episode (R-TRG-*), whatever the scope
(the child, the place, the establishment), with episodes already in Misper in the
histories; and the later episodes already in Misper asked again (C-06)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from django.utils import timezone

from misper.episodes.models import Episode
from misper.insights import bulk_import as bi
from misper.insights.import_triggers import hits_for, hits_one_by_one
from misper.interventions.models import TriggerRecord, TriggerStatus
from misper.people.models import Person
from tests.insights.test_bulk_import import BASE, as_csv, dry_run_then_import, row
from tests.interventions.conftest import missing, wmc, wmp  # noqa: F401  the regions

pytestmark = pytest.mark.django_db

HOME = {"care_home_code": "birch", "missing_from": "care", "location_address": "Birch Lodge"}


def times(at: datetime) -> dict[str, str]:
    """Reported at ``at`` (UK time), last seen an hour before, found five hours after."""
    return {
        "reported_at": at.strftime("%Y-%m-%d %H:%M"),
        "last_seen_at": (at - timedelta(hours=1)).strftime("%Y-%m-%d %H:%M"),
        "found_at": (at + timedelta(hours=5)).strftime("%Y-%m-%d %H:%M"),
    }


def mixed_history() -> list[dict[str, str]]:
    """Nine children missing from Birch Lodge three times each, hours apart from each
    other but for two reported at the same times (H3 and H8; 27 episodes at one establishment in a
    month); four children absent from one
    address (R-TRG-04 counts five in 30 days); one child with absences and missing
    episodes mixed; an adult (18 at the report)."""
    rows = []
    for c in range(9):
        for n in range(3):
            at = BASE + timedelta(days=10 * n, hours=c if c < 8 else 3)  # H8 with H3
            rows.append(
                row(f"H{c}", n, **HOME, **times(at))
            )  # fmt: skip
    for c in range(4):
        for n in range(2):
            at = BASE + timedelta(days=3 * n + c, hours=c)
            rows.append(
                row(f"E{c}", n, category="absent", risk="", location_address="5 Elm Road",
                    **times(at))
            )  # fmt: skip
    for n in range(6):
        category = "absent" if n % 2 else "missing"
        rows.append(
            row("M", n, category=category, risk="" if category == "absent" else "low")
        )  # fmt: skip
    for n in range(3):
        rows.append(row("ADULT", n, date_of_birth="2007-12-01"))
    return rows


def imported() -> list[Episode]:
    return list(
        Episode.objects.filter(circumstances__startswith="Imported from ")
        .select_related("person", "force", "establishment")
        .order_by("reported_at", "id")
    )


def written_without_triggers(r: dict[str, Any], rows: list[dict[str, str]]) -> bi.ImportJob:
    """``rows`` checked by the worker and written in the import's transaction, without
    the trigger pass (its tests run it, or its parts, themselves)."""
    job = bi.job_start(
        actor=r["coordinator"], system="Niche", file_name="h.csv", content=as_csv(rows)
    )
    bi.run_job(job.pk)
    job.refresh_from_db()
    assert job.status == bi.ImportStatus.CHECKED, job.errors
    plan = bi.check(
        force=job.force, actor=job.created_by, system=job.system,
        content=bytes(job.content), file_name=job.file_name,
    )  # fmt: skip
    bi.write(plan, job=job)
    return job


@pytest.mark.parametrize("region", ["wmc", "wmp"])
def test_the_batched_hits_are_the_engines_hits_episode_by_episode(region, request):
    r: dict[str, Any] = request.getfixturevalue(region)
    # Episodes already in Misper count in the histories: one at Birch Lodge, one at the
    # address, reported through the call handler's service.
    missing(r, timezone.make_aware(BASE + timedelta(days=5)), establishment=r["home"])
    missing(r, timezone.make_aware(BASE + timedelta(days=4)), address="5 Elm Road")
    written_without_triggers(r, mixed_history())
    episodes = imported()
    assert len(episodes) == 27 + 8 + 6 + 3
    now = timezone.now()
    batched = hits_for(episodes, now)
    one_by_one = hits_one_by_one(episodes, now)
    assert batched == one_by_one
    # The set is worth comparing: hits of every scope the profile has.
    scopes = {hit.scope for hits in batched.values() for hit in hits}
    kinds = {hit.kind for hits in batched.values() for hit in hits}
    if region == "wmc":
        assert scopes == {"person", "establishment"}
        assert {"wm_individual_3_in_90", "wm_establishment_over_20"} <= kinds
    else:
        assert scopes == {"person", "location"}
        assert {"wmp_repeat_absent_location", "mase_3_in_3_months"} <= kinds
    # In smaller batches too (the job's batches cut through a child's history).
    for size in (1, 7):
        for i in range(0, len(episodes), size):
            part = episodes[i : i + size]
            assert hits_for(part, now) == {ep.pk: one_by_one[ep.pk] for ep in part}


def test_the_trigger_pass_records_each_hit_once_in_batches(wmc, monkeypatch):  # noqa: F811
    monkeypatch.setattr(bi, "TRIGGER_BATCH", 5)
    job = dry_run_then_import(wmc, as_csv(mixed_history()))
    assert job.status == bi.ImportStatus.DONE
    assert job.triggers_done == job.triggers_total == 44
    expected = hits_one_by_one(imported(), timezone.now())
    records = TriggerRecord.objects.all()
    assert sorted(
        (r.episode_id, r.kind, r.level, r.scope, r.subject_key, r.count) for r in records
    ) == sorted(
        (pk, h.kind, h.level, h.scope, h.subject or "", h.count)
        for pk, hits in expected.items()
        for h in hits
    )
    # Dated at the report of the episode that fired them (R-TRG-09: the meeting's clock).
    for record in records:
        assert record.created_at == record.episode.reported_at
    assert records.filter(kind="wm_establishment_over_20").count() == 1  # the 21st: R-TRG-16


def test_a_later_episode_already_in_misper_is_asked_again(wmc):  # noqa: F811
    """Episodes imported on days 100 and 110, then one reported in Misper on day 120 (the
    third in 90 days: level 1, R-TRG-10). An import of day 50 makes day 110 the third and
    day 120 the fourth: day 110 gets level 1, day 120's level 1 is superseded (C-06) and
    it gets level 2 (4 in a year, R-TRG-11)."""
    dry_run_then_import(wmc, as_csv([row("K", 10), row("K", 11)]))
    kid = Person.objects.get(given_name="KidK")
    ep120 = missing(wmc, timezone.make_aware(BASE + timedelta(days=120)), person=kid)
    first = TriggerRecord.objects.get(episode=ep120)
    assert (first.kind, first.level) == ("wm_individual_3_in_90", 1)
    job = dry_run_then_import(wmc, as_csv([row("K", 5)]))
    assert job.status == bi.ImportStatus.DONE and job.summary["episodes"] == 1
    ep110 = Episode.objects.get(person=kid, reported_at=ep120.reported_at - timedelta(days=10))
    assert [(t.kind, t.level, t.count) for t in TriggerRecord.objects.filter(episode=ep110)] == [
        ("wm_individual_3_in_90", 1, 3)
    ]
    first.refresh_from_db()
    assert first.status == TriggerStatus.SUPERSEDED
    live = TriggerRecord.objects.filter(episode=ep120).exclude(status=TriggerStatus.SUPERSEDED)
    assert [(t.kind, t.level, t.count) for t in live] == [("wm_individual_year", 2, 4)]

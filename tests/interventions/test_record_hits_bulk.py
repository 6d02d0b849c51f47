"""Trigger records written many at once (``records.record_hits``, the bulk import's trigger
pass): exactly what ``record_hit`` writes for each hit in turn (R-TRG-*): the records,
every field, their non-crime references in the same order (R-TRG-05), the meetings and
their deadlines (R-TRG-09, C-07), the MASE listings (R-CSE-02), the timeline events with
their marks for the insights summary, and the messages (§14.5). A hit already recorded is
not recorded again; a superseded record is reinstated (C-06)."""

from __future__ import annotations

import re
from collections import Counter
from datetime import date, datetime
from typing import Any

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from misper.core.models import ChangedSubject, Deadline, TimelineEvent
from misper.episodes.models import Episode
from misper.insights import bulk_import as bi
from misper.insights.import_triggers import hits_one_by_one
from misper.interventions import records
from misper.interventions.events import InterventionsVerb
from misper.interventions.models import (
    MaseDiscussion,
    Meeting,
    ReferenceSequence,
    TriggerRecord,
    TriggerStatus,
)
from misper.notifications.models import Message
from misper.people.models import Person, Placement
from misper.policy.types import TriggerHit
from tests.insights.test_bulk_import import row
from tests.insights.test_bulk_import_triggers import (
    imported,
    mixed_history,
    written_without_triggers,
)
from tests.interventions.conftest import wmc, wmp  # noqa: F401  the regions

pytestmark = pytest.mark.django_db

Hits = list[tuple[Episode, TriggerHit, datetime | None]]


def history(r: dict[str, Any]) -> Hits:
    """An imported history written without its trigger pass, and its hits one by one: nine
    children missing from Birch Lodge three times each (the establishment's 21st episode,
    R-TRG-16; MASE listings, R-TRG-07), absences at one address (R-TRG-04) and of two
    children (R-TRG-03/05, with non-crime references), and one child missing eleven times
    ten days apart (levels 1 to 4 in West Mercia, R-TRG-10..13), placed by another
    authority (the record's authority is the placing one). Three of the hits are recorded
    already, one of them since superseded (C-06); one hit is given twice."""
    rows = [
        *mixed_history(),
        *(row("L", n) for n in range(11)),
        *(row("A", n, category="absent", risk="") for n in range(4)),
        *(row("G", n) for n in (0, 10, 11, 12)),  # day 0 is outside 90 days of day 120
    ]
    written_without_triggers(r, rows)
    # Placed by Harbour (set as it stands: who may record it is not the point here).
    Placement.objects.create(
        person=Person.objects.get(given_name="KidL"),
        placement_type="children_home",
        address="Birch Lodge, 1 Home Lane",
        provider=r["home"],
        placing_authority=r["harbour"],
        host_authority=r["vale"],
        started_on=date(2025, 6, 1),
    )
    episodes = imported()
    asked = hits_one_by_one(episodes, timezone.now())
    hits: Hits = [(ep, hit, ep.reported_at) for ep in episodes for hit in asked[ep.pk]]
    with transaction.atomic():
        for ep, hit, at in hits[1:4]:
            records.record_hit(ep, hit, at)
        first = TriggerRecord.objects.order_by("id").first()
        assert first is not None
        records._supersede(first, episodes[0], timezone.now())
    return [*hits, hits[5]]


TRIGGER_ID = re.compile(r"(?i)(trigger[ :]|/interventions/)(\d+)")


def state() -> dict[str, Any]:
    """Everything recording writes, in the order written, with the ids of the records
    and meetings replaced by what they are (episode, kind, level, scope, subject) and the
    wall clock left out (when a timeline event or a message was written)."""
    trigger_rows = list(TriggerRecord.objects.order_by("id").values())
    key = {
        t["id"]: f"<{t['episode_id']}|{t['kind']}|{t['level']}|{t['scope']}|{t['subject_key']}>"
        for t in trigger_rows
    }
    meeting_rows = list(Meeting.objects.order_by("id").values())
    of_meeting = {m["id"]: key[m["trigger_id"]] for m in meeting_rows}

    def text(value: str) -> str:
        return TRIGGER_ID.sub(lambda m: m.group(1) + key[int(m.group(2))], value)

    def drop(row: dict[str, Any], *names: str) -> dict[str, Any]:
        return {k: v for k, v in row.items() if k not in ("id", *names)}

    events = []
    for e in TimelineEvent.objects.order_by("id").values():
        e = drop(e, "at")
        if e["subject_type"] == "trigger":
            e["subject_id"] = key[int(e["subject_id"])]
        if "trigger" in e["changes"]:
            e["changes"] = {**e["changes"], "trigger": key[e["changes"]["trigger"]]}
        events.append(e)
    messages = []
    for m in Message.objects.order_by("id").values():
        m = drop(m, "created_at", "next_attempt_at", "delivered_at")
        if m["subject_type"] == "trigger":
            m["subject_id"] = key[int(m["subject_id"])]
        m.update(event_key=text(m["event_key"]), title=text(m["title"]), link=text(m["link"]))
        messages.append(m)
    deadlines = []
    for d in Deadline.objects.order_by("id").select_related("content_type"):
        subject = of_meeting[d.object_id] if d.content_type.model == "meeting" else str(d.object_id)
        deadlines.append((d.content_type.model, subject, d.owner, d.kind, d.due, d.rule,
                          d.status, d.closed_reason))  # fmt: skip
    return {
        "records": [drop(t) for t in trigger_rows],
        "meetings": [{**drop(m), "trigger_id": key[m["trigger_id"]]} for m in meeting_rows],
        "deadlines": deadlines,
        "mase": [
            {**drop(d), "trigger_id": key[d["trigger_id"]]}
            for d in MaseDiscussion.objects.order_by("id").values()
        ],
        "references": list(ReferenceSequence.objects.order_by("prefix").values("prefix", "last")),
        "events": events,
        "marks": Counter(
            (
                c.subject_type,
                key[int(c.subject_id)] if c.subject_type == "trigger" else c.subject_id,
            )
            for c in ChangedSubject.objects.all()
        ),
        "messages": messages,
    }


def outcome(record: Any, hits: Hits) -> tuple[dict[str, Any], int]:
    """What ``record`` makes of the hits, and in how many queries; rolled back after."""
    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        record(hits)
        made = state()
        transaction.set_rollback(True)
    return made, len(queries)


def one_by_one(hits: Hits) -> None:
    for episode, hit, at in hits:
        records.record_hit(episode, hit, at)


@pytest.mark.parametrize("region", ["wmc", "wmp"])
def test_many_hits_at_once_are_recorded_as_one_by_one(region, request):
    r: dict[str, Any] = request.getfixturevalue(region)
    hits = history(r)
    expected, queries_one_by_one = outcome(one_by_one, hits)
    made, queries_at_once = outcome(records.record_hits, hits)
    for part in expected:
        assert made[part] == expected[part], part
    # The comparison is worth making: records of every kind the profile gives, new and
    # reinstated, with meetings and messages.
    kinds = Counter(t["kind"] for t in expected["records"])
    levels = {t["level"] for t in expected["records"]}
    if region == "wmc":
        assert {"wm_individual_3_in_90", "wm_individual_year", "wm_establishment_over_20"} <= set(
            kinds
        )
        assert levels >= {1, 2, 3, 4}
        assert any(m["rule"] == "R-TRG-13" for m in expected["messages"])  # the SMT, level 4
        assert any(t["authority_id"] == r["harbour"].pk for t in expected["records"])
    else:
        assert {"wmp_repeat_absent_location", "wmp_repeat_absent_person"} <= set(kinds)
        assert kinds["mase_3_in_3_months"] >= 2 and expected["mase"]
        # Numbered in order, several of them by one call (R-TRG-05).
        numbered = [t["reference"] for t in expected["records"] if t["reference"]]
        assert len(numbered) >= 3 and numbered == sorted(numbered)
    verbs = Counter(e["verb"] for e in expected["events"])
    assert verbs[InterventionsVerb.REINSTATED.value] == 1 and verbs[InterventionsVerb.TRIGGERED]
    assert expected["messages"] and expected["marks"]
    # ... in a fraction of the queries.
    assert queries_at_once * 2 < queries_one_by_one, (queries_at_once, queries_one_by_one)


@pytest.mark.parametrize("region", ["wmc", "wmp"])
def test_hits_recorded_meanwhile_by_another_writer_are_recorded_one_by_one(
    region, request, monkeypatch
):
    """Another evaluation recorded some of the hits after they were looked up: the
    insert fails, is rolled back (references included), and the hits are recorded one by
    one, with the same outcome."""
    r: dict[str, Any] = request.getfixturevalue(region)
    hits = history(r)
    expected, _ = outcome(one_by_one, hits)
    monkeypatch.setattr(records, "_recorded", lambda _: {})
    made, _ = outcome(records.record_hits, hits)
    assert made == expected


def test_recording_again_writes_nothing_and_a_superseded_record_is_reinstated(wmc):  # noqa: F811
    hits = history(wmc)
    with transaction.atomic():
        made = records.record_hits(hits)
    assert len(made) == len({(e.pk, h.kind, h.level, h.scope, h.subject) for e, h, _ in hits}) - 3
    superseded = TriggerRecord.objects.order_by("id").first()
    assert superseded is not None and superseded.status == TriggerStatus.NEW
    assert TimelineEvent.objects.filter(
        subject_type="trigger",
        subject_id=str(superseded.pk),
        verb=InterventionsVerb.REINSTATED.value,
    ).exists()
    before = state()
    with transaction.atomic():
        assert records.record_hits(hits) == []
    assert state() == before


def test_the_import_records_its_hits_as_one_by_one(wmc, monkeypatch):  # noqa: F811
    """The trigger pass, batch by batch (batches cutting through a child's history),
    leaves what ``record_hit`` would for each hit in turn."""
    monkeypatch.setattr(bi, "TRIGGER_BATCH", 7)
    rows = mixed_history() + [row("L", n) for n in range(11)]
    job = written_without_triggers(wmc, rows)

    def count_in_triggers(record: Any) -> Any:
        def run(_: Hits) -> None:
            monkeypatch.setattr(bi, "record_hits", record)
            job.refresh_from_db()
            bi._count_in_triggers(job)
            job.refresh_from_db()
            assert job.status == bi.ImportStatus.DONE

        return run

    expected, _ = outcome(count_in_triggers(lambda hits: one_by_one(list(hits))), [])
    made, _ = outcome(count_in_triggers(records.record_hits), [])
    assert made == expected
    assert len(made["records"]) > 10 and made["meetings"] and made["messages"]

"""Duplicates and merging (issue 13, part 4; people/duplicates.py): the sweep finds likely
duplicates with the search's own scorer and never merges; a merge keeps every row of both
records and its undo restores exactly; both children's timelines say so; a stale version,
a non-coordinator, a merged record, a merge undone twice and a clash are refused, writing
nothing. Run on the access tests' world (tests/access/world.py), which holds a child with
cases (one restricted), flags, a placement, an assessment, a referral and more, a second
record of her waiting on the list and a third already merged into hers."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from django.db import models
from django.utils import timezone

from misper.core.errors import (
    ConcurrentEdit,
    NotFound,
    PermissionDenied,
    ValidationFailed,
    WrongState,
)
from misper.core.models import AuditEvent, TimelineEvent
from misper.episodes.models import Episode
from misper.episodes.services import episode_report
from misper.people import duplicates
from misper.people.models import (
    Alias,
    DuplicatePair,
    DuplicateStatus,
    Flag,
    Merge,
    Person,
    Placement,
)
from misper.people.selectors import people_for_user, person_search
from misper.people.services import (
    PersonDetails,
    allocation_set,
    flag_raise,
    person_update,
    placement_record,
)
from tests.access.world import build, client_for
from tests.episodes.conftest import NOW, report
from tests.insights.facts_check import assert_summary_current
from tests.row_counts import row_counts

pytestmark = pytest.mark.django_db


@pytest.fixture
def w():
    return build()


def counts() -> dict[str, int]:
    return row_counts()


def rows_of(person: Person) -> dict[str, list]:
    """Every row of every table that names the child, by relation."""
    out = {}
    for field in duplicates.relations():
        pks = field.model._base_manager.filter(**{field.name: person.pk}).values_list(
            "pk", flat=True
        )
        out[f"{field.model._meta.label}.{field.name}"] = sorted(pks)
    return out


def fresh(person: Person) -> Person:
    return Person.objects.get(pk=person.pk)


def give_twin_a_history(w) -> Person:
    """The second record gets a flag, a placement and a case of its own."""
    twin = w["duplicate_pair"].second
    flag_raise(
        actor=w["sw_right"],
        person_id=twin.pk,
        kind="cse",
        evidence="Seen with older males",
        review_on=date.today() + timedelta(days=90),
    )
    placement_record(
        actor=w["sw_right"],
        person_id=twin.pk,
        placement_type="foster_care",
        address="2 Elm Road",
        placing_authority=w["vale_council"],
        host_authority=w["vale_council"],
        started_on=date.today() - timedelta(days=400),
    )
    episode_report(
        actor=w["call_handler"],
        person_id=twin.pk,
        report=report(
            reported_at=NOW - timedelta(days=40),
            last_seen_at=NOW - timedelta(days=40, hours=3),
            last_contact_at=None,
        ),
        category="missing",
        risk="low",
        rationale="first time missing",
        now=NOW - timedelta(days=40),
    )
    return fresh(twin)


def do_merge(w, keep: Person, away: Person, **kw):
    keep, away = fresh(keep), fresh(away)
    args = {
        "actor": w["coordinator"],
        "keep_id": keep.pk,
        "merge_away_id": away.pk,
        "keep_version": keep.version,
        "merge_away_version": away.version,
        "reason": "Same child: the same school and social worker",
    }
    args.update(kw)
    return duplicates.merge(**args)


# --- Finding -------------------------------------------------------------------------------


def test_the_sweep_finds_the_pair_with_reasons_and_never_merges(w):
    pair = w["duplicate_pair"]
    assert pair.status == DuplicateStatus.WAITING
    assert (pair.first, pair.second.given_name) == (w["child"], "Kiera")
    assert fresh(pair.second).merged_into_id is None  # found, not merged
    by_field = {f["field"]: f for f in pair.fields}
    assert by_field["date_of_birth"]["level"] == "exact"
    assert by_field["family_name"]["level"] == "exact"
    assert by_field["given_name"]["level"] != "different"  # Kiera / Keira: alike
    # A second sweep adds nothing: the pair is already on the list.
    assert duplicates.duplicate_sweep() == (Person.objects.filter(merged_into=None).count(), 0)
    assert duplicates.duplicate_queue(w["coordinator"]) == [pair]


def test_the_command_lists_new_pairs_only(w):
    from io import StringIO

    from django.core.management import call_command

    twin = w["duplicate_pair"].second
    DuplicatePair.objects.filter(pk=w["duplicate_pair"].pk).delete()
    out = StringIO()
    call_command("find_duplicates", since_id=twin.pk - 1, stdout=out)
    assert "1 new possible duplicates listed" in out.getvalue()
    assert DuplicatePair.objects.filter(first=w["child"], second=twin).exists()


def test_the_sweep_does_not_pair_a_different_child(w):
    other = duplicates.candidates_for(w["child"], timezone.localdate())
    assert other == [w["duplicate_pair"].second_id]  # not the world's other children


def _looked_at_all() -> None:
    while duplicates.check_pending(budget=60):
        pass


def _pairs_of(person: Person) -> set[tuple[int, int]]:
    return set(
        DuplicatePair.objects.filter(models.Q(first=person) | models.Q(second=person)).values_list(
            "first_id", "second_id"
        )
    )


def test_the_worker_lists_a_new_record_and_a_changed_one_without_a_command(w):
    """Before, the list was filled only when someone ran ``misper find_duplicates``: a
    second record made on a call sat unlisted. The worker's sweep now looks at each record
    new or changed, and never merges."""
    from misper.people.services import person_create
    from misper.worker import SWEEPS, discover_sweeps

    discover_sweeps()
    sweep = SWEEPS["duplicates"]
    _looked_at_all()
    assert not Person.objects.filter(duplicates_checked=False, merged_into=None).exists()
    child = fresh(w["child"])

    third = person_create(
        actor=w["call_handler"],
        details=PersonDetails(
            given_name="Keera",
            family_name="Lomax",
            date_of_birth=date(2011, 6, 14),
            home_authority=w["vale_council"],
        ),
    )
    assert fresh(third).duplicates_checked is False
    assert sweep() >= 1
    assert (child.pk, third.pk) in _pairs_of(third)
    assert fresh(third).duplicates_checked is True and fresh(third).merged_into_id is None

    stranger = person_create(
        actor=w["call_handler"],
        details=PersonDetails(
            given_name="Alfie",
            family_name="Dunmore",
            date_of_birth=date(2013, 2, 9),
            home_authority=w["vale_council"],
        ),
    )
    _looked_at_all()
    assert _pairs_of(stranger) == set()
    person_update(  # the record is corrected: it was the child all along
        actor=w["call_handler"],
        person_id=stranger.pk,
        version=fresh(stranger).version,
        details=PersonDetails(
            given_name="Kiera",
            family_name="Lomax",
            date_of_birth=date(2011, 6, 14),
            home_authority=w["vale_council"],
        ),
    )
    assert fresh(stranger).duplicates_checked is False
    _looked_at_all()
    assert (child.pk, stranger.pk) in _pairs_of(stranger)
    assert (
        not Person.objects.filter(pk__in=[child.pk, third.pk, stranger.pk])
        .exclude(merged_into=None)
        .exists()
    )


def test_the_sweep_stops_at_its_budget(w):
    pending = Person.objects.filter(duplicates_checked=False, merged_into=None).count()
    assert pending >= 2
    assert duplicates.check_pending(budget=0) == 1  # at least one a tick, then stops
    assert Person.objects.filter(duplicates_checked=False, merged_into=None).count() == (
        pending - 1
    )


# --- Merging and undoing -------------------------------------------------------------------


def test_a_merge_keeps_every_row_of_both_and_its_undo_restores_exactly(w):
    child, twin = fresh(w["child"]), give_twin_a_history(w)
    before_child, before_twin = rows_of(child), rows_of(twin)
    n = {
        m: (m.objects.filter(person=child).count(), m.objects.filter(person=twin).count())
        for m in (Episode, Flag, Placement)
    }
    assert all(b > 0 for _, b in n.values())
    audit_before = AuditEvent.objects.count()

    m = do_merge(w, child, twin)
    # The reports' summary follows the episodes to the record kept (insights/facts.py).
    summary = assert_summary_current()
    assert {f["person"] for f in summary.values()} == {child.pk}

    after = rows_of(child)
    assert all(not pks for pks in rows_of(twin).values())  # nothing left on the merged one
    for label, pks in after.items():
        if label == "people.Alias.person":
            continue  # and the merged record's name as another name (below)
        assert pks == sorted(before_child[label] + before_twin[label]), label
    for model, (a, b) in n.items():
        assert model.objects.filter(person=child).count() == a + b
    assert m.moved == {k: v for k, v in before_twin.items() if v}
    assert Alias.objects.get(pk=m.created["people.Alias"][0]).name == "Kiera Lomax"
    twin = fresh(twin)
    assert twin.merged_into_id == child.pk  # kept, never deleted
    assert AuditEvent.objects.count() > audit_before  # both openings audited, none removed
    assert AuditEvent.objects.filter(subject_type="person", subject_id=str(twin.pk)).exists()

    # The merged record is found no more; the kept one is found by its name.
    found = person_search(w["call_handler"], name="Kiera Lomax", date_of_birth=date(2011, 6, 14))
    ids = {f.person.pk for f in found} | {d for f in found for d in f.duplicates}
    assert twin.pk not in ids and child.pk in ids
    assert twin not in people_for_user(w["sw_right"])

    duplicates.undo_merge(actor=w["coordinator"], merge_id=m.pk, reason="Different children")

    assert rows_of(child) == before_child
    assert rows_of(twin) == before_twin
    summary = assert_summary_current()
    assert {f["person"] for f in summary.values()} == {child.pk, twin.pk}
    for model, (a, b) in n.items():
        assert model.objects.filter(person=child).count() == a
        assert model.objects.filter(person=twin).count() == b
    assert fresh(twin).merged_into_id is None
    assert not Alias.objects.filter(pk__in=m.created["people.Alias"]).exists()
    assert DuplicatePair.objects.get(pk=m.pair_id).status == DuplicateStatus.WAITING
    found = person_search(w["call_handler"], name="Kiera Lomax", date_of_birth=date(2011, 6, 14))
    assert twin.pk in {f.person.pk for f in found} | {d for f in found for d in f.duplicates}


def test_merge_and_undo_are_on_both_timelines(w):
    child, twin = fresh(w["child"]), fresh(w["duplicate_pair"].second)
    m = do_merge(w, child, twin)
    duplicates.undo_merge(actor=w["coordinator"], merge_id=m.pk, reason="Different children")

    def verbs(p):
        return list(
            TimelineEvent.objects.filter(subject_type="person", subject_id=str(p.pk))
            .order_by("id")
            .values_list("verb", flat=True)
        )

    assert verbs(child)[-2:] == ["record_merged_in", "merge_undone"]
    assert verbs(twin)[-2:] == ["record_merged_away", "merge_undone"]
    merged_in = TimelineEvent.objects.get(verb="record_merged_in", changes__merge=m.pk)
    assert merged_in.rationale == "Same child: the same school and social worker"
    assert f"record {twin.pk}" in merged_in.changes["merged_record"]


def test_a_restricted_case_is_moved_but_never_counted_or_shown(w):
    """The child's restricted case (R-RES-01) moves with the record like every row, but
    the counts the coordinator reads (comparison, merge page, timeline) leave it out."""
    child, copy = fresh(w["child"]), fresh(w["merge"].merged)
    duplicates.undo_merge(actor=w["coordinator"], merge_id=w["merge"].pk, reason="Check")
    # Merge the child (with her restricted case) into the copy this time.
    m = do_merge(w, copy, child)
    assert w["restricted"].pk in m.moved["episodes.Episode.person"]
    assert Episode.objects.get(pk=w["restricted"].pk).person_id == copy.pk
    shown = dict(duplicates.moved_summary(m.moved))
    visible = Episode.objects.filter(person=copy, restricted=False).count()
    assert visible == Episode.objects.filter(person=copy).count() - 1
    assert shown[str(Episode._meta.verbose_name_plural)] == visible
    event = TimelineEvent.objects.get(verb="record_merged_in", changes__merge=m.pk)
    assert f"{visible} {Episode._meta.verbose_name_plural}" in event.changes["moved"]
    page = client_for(w["coordinator"]).get(f"/people/merges/{m.pk}/")
    assert page.status_code == 200
    assert b"forced marriage" not in page.content


def test_a_stale_version_is_refused_and_writes_nothing(w):
    child, twin = fresh(w["child"]), fresh(w["duplicate_pair"].second)
    before = counts()
    with pytest.raises(ConcurrentEdit) as e:
        do_merge(w, child, twin, merge_away_version=twin.version - 1)
    assert e.value.field == "merge_away_version"
    assert counts() == before
    assert fresh(twin).merged_into_id is None


def test_refusals(w):
    child, twin = fresh(w["child"]), fresh(w["duplicate_pair"].second)
    copy = fresh(w["merge"].merged)
    with pytest.raises(ValidationFailed) as e:
        do_merge(w, child, child)
    assert e.value.field == "keep"
    with pytest.raises(WrongState):  # a record already merged
        do_merge(w, twin, copy)
    with pytest.raises(WrongState):  # nor into one
        do_merge(w, copy, twin)
    with pytest.raises(ValidationFailed) as e:
        do_merge(w, child, twin, reason=" ")
    assert e.value.field == "reason"
    duplicates.undo_merge(actor=w["coordinator"], merge_id=w["merge"].pk, reason="Not the same")
    before = counts()
    with pytest.raises(WrongState):  # undone twice
        duplicates.undo_merge(actor=w["coordinator"], merge_id=w["merge"].pk, reason="Again")
    assert counts() == before


def test_a_merged_record_is_read_only_and_its_page_points_to_the_record_kept(w):
    copy, child = fresh(w["merge"].merged), w["child"]
    with pytest.raises(WrongState):
        person_update(
            actor=w["call_handler"],
            person_id=copy.pk,
            version=copy.version,
            details=PersonDetails(
                given_name="K", family_name="Lomax", date_of_birth=date(2011, 6, 14)
            ),
        )
    response = client_for(w["call_handler"]).get(f"/people/{copy.pk}/")
    assert response.status_code == 302 and response["Location"] == f"/people/{child.pk}/"


def test_rows_that_would_clash_are_refused_by_name(w):
    twin = fresh(w["duplicate_pair"].second)
    allocation_set(
        actor=w["team_manager"], person_id=twin.pk, role="social_worker", user_id=w["sw_right"].pk
    )
    before = counts()
    with pytest.raises(ValidationFailed) as e:
        do_merge(w, w["child"], twin)
    assert "current worker in the same role" in e.value.message
    assert counts() == before


def test_not_the_same_child_takes_the_pair_off_the_list_for_good(w):
    pair = w["duplicate_pair"]
    duplicates.not_duplicates(
        actor=w["coordinator"], pair_id=pair.pk, version=pair.version, reason="Twins"
    )
    assert duplicates.duplicate_queue(w["coordinator"]) == []
    assert duplicates.duplicate_sweep()[1] == 0
    for p in (pair.first, pair.second):
        assert TimelineEvent.objects.filter(
            subject_type="person", subject_id=str(p.pk), verb="not_duplicates"
        ).exists()
    with pytest.raises(WrongState):
        duplicates.not_duplicates(
            actor=w["coordinator"], pair_id=pair.pk, version=pair.version + 1, reason="Again"
        )


# --- Who may -------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["call_handler", "inspector", "sw_right", "admin"])
def test_anyone_but_a_coordinator_is_refused_on_service_page_and_api(w, persona):
    user = w[persona]
    pair, m = w["duplicate_pair"], w["merge"]
    client = client_for(user)  # signed in (a session) before counting
    before = counts()
    with pytest.raises((PermissionDenied, NotFound)):
        do_merge(w, pair.first, pair.second, actor=user)
    with pytest.raises(NotFound):
        duplicates.undo_merge(actor=user, merge_id=m.pk, reason="x")
    with pytest.raises(NotFound):
        duplicates.not_duplicates(actor=user, pair_id=pair.pk, version=1, reason="x")
    with pytest.raises(PermissionDenied):
        duplicates.duplicate_queue(user)
    pages = ("/people/duplicates/", f"/people/duplicates/{pair.pk}/", f"/people/merges/{m.pk}/")
    for path in pages:
        assert client.get(path).status_code == 404, path
    assert client.get("/api/v1/duplicates").status_code == 403
    body = {"keep_id": pair.first_id, "keep_version": 1, "merge_away_version": 1, "reason": "x"}
    response = client.post(
        f"/api/v1/duplicates/{pair.pk}/merge", json.dumps(body), "application/json"
    )
    assert response.status_code == 404
    assert (
        client.post(
            f"/api/v1/merges/{m.pk}/undo", json.dumps({"reason": "x"}), "application/json"
        ).status_code
        == 404
    )
    assert counts() == before


# --- The API and the pages -----------------------------------------------------------------


def test_the_api_lists_merges_refuses_a_stale_version_and_undoes(w):
    client = client_for(w["coordinator"])
    listed = client.get("/api/v1/duplicates").json()
    assert [p["id"] for p in listed] == [w["duplicate_pair"].pk]
    pair = listed[0]
    assert {f["field"] for f in pair["fields"]} >= {"given_name", "family_name", "date_of_birth"}
    body = {
        "keep_id": pair["first"]["id"],
        "keep_version": pair["first"]["version"],
        "merge_away_version": pair["second"]["version"] - 1,
        "reason": "Same child",
    }
    before = counts()
    stale = client.post(
        f"/api/v1/duplicates/{pair['id']}/merge", json.dumps(body), "application/json"
    )
    assert stale.status_code == 409 and stale.json()["code"] == "concurrent_edit"
    assert counts() == before
    body["merge_away_version"] += 1
    merged = client.post(
        f"/api/v1/duplicates/{pair['id']}/merge", json.dumps(body), "application/json"
    )
    assert merged.status_code == 201, merged.content
    m = merged.json()
    assert m["kept"]["id"] == pair["first"]["id"] and m["undone_at"] is None
    assert client.get(f"/api/v1/merges/{m['id']}").json()["id"] == m["id"]
    undone = client.post(
        f"/api/v1/merges/{m['id']}/undo", json.dumps({"reason": "Twins"}), "application/json"
    )
    assert undone.status_code == 200 and undone.json()["undone_at"] is not None
    again = client.post(
        f"/api/v1/merges/{m['id']}/undo", json.dumps({"reason": "Twins"}), "application/json"
    )
    assert again.status_code == 409
    not_same = client.post(
        f"/api/v1/duplicates/{pair['id']}/not-duplicates",
        json.dumps({"version": pair["version"] + 2, "reason": "Twins"}),
        "application/json",
    )
    assert not_same.status_code == 200 and not_same.json()["status"] == "not_same"


def test_the_pages_merge_and_undo(w):
    client = client_for(w["coordinator"])
    pair = w["duplicate_pair"]
    give_twin_a_history(w)
    queue = client.get("/people/duplicates/")
    assert queue.status_code == 200 and b"Kiera Lomax" in queue.content
    assert b"Date of birth" in queue.content  # the reasons per field
    page = client.get(f"/people/duplicates/{pair.pk}/")
    assert page.status_code == 200 and b"Are these the same child?" in page.content
    first, second = fresh(pair.first), fresh(pair.second)
    refused = client.post(
        f"/people/duplicates/{pair.pk}/",
        {"decision": "merge", "first_version": first.version, "second_version": second.version},
    )
    assert refused.status_code == 400 and b"Choose the record to keep" in refused.content
    done = client.post(
        f"/people/duplicates/{pair.pk}/",
        {
            "decision": "merge",
            "keep": "first",
            "reason": "Same child",
            "first_version": first.version,
            "second_version": second.version,
        },
    )
    assert done.status_code == 302
    merge_page = client.get(done["Location"])
    assert b"Undo the merge" in merge_page.content
    # What moved, as people read it (restricted cases left out of the count).
    shown = duplicates.moved_summary(Merge.objects.get(pair=pair, undone_at=None).moved)
    assert shown and all(f"{n} {what}".encode() in merge_page.content for what, n in shown)
    assert fresh(second).merged_into_id == first.pk
    undone = client.post(done["Location"], {"reason": "Twins"})
    assert undone.status_code == 302
    assert fresh(second).merged_into_id is None
    assert b"This merge has been undone" in client.get(done["Location"]).content


# --- Both records with a pre-placement assessment ------------------------------------------


def _assessed_twice(w):
    """Each record has two versions of its assessment, saved in turn: the child's first
    (30 days ago), the twin's first (20), the child's second (10), the twin's second (5)."""
    from misper.care.models import AssessmentVersion
    from misper.care.services import assessment_save
    from tests.care.factories import assessment_values

    child, twin = fresh(w["child"]), give_twin_a_history(w)
    saved = {}
    saved["child 1"] = w["assessment"]
    saved["twin 1"] = assessment_save(
        actor=w["sw_right"],
        person_id=twin.pk,
        values=assessment_values(),
        completed_with="Foster carer",
        based_on=None,
    )
    saved["child 2"] = assessment_save(
        actor=w["sw_right"],
        person_id=child.pk,
        values=assessment_values(),
        completed_with="Birch Lodge manager",
        based_on=1,
        change_note="Missing again: updated",
    )
    saved["twin 2"] = assessment_save(
        actor=w["sw_right"],
        person_id=twin.pk,
        values=assessment_values(),
        completed_with="Foster carer",
        based_on=1,
        change_note="Missing again: updated",
    )
    now = timezone.now()
    for key, days in (("child 1", 30), ("twin 1", 20), ("child 2", 10), ("twin 2", 5)):
        AssessmentVersion.objects.filter(pk=saved[key].pk).update(
            created_at=now - timedelta(days=days)
        )
    return child, twin, {k: v.pk for k, v in saved.items()}


def _numbers(pks):
    from misper.care.models import AssessmentVersion

    rows = AssessmentVersion.objects.filter(pk__in=pks.values())
    by_pk = {
        pk: (person, number) for pk, person, number in rows.values_list("pk", "person_id", "number")
    }
    return {key: by_pk[pk] for key, pk in pks.items()}


def test_two_assessments_are_kept_numbered_in_the_order_saved_and_the_undo_restores(w):
    """Before, a merge of two records that both had an assessment was refused (the
    versions' numbers clashed): the coordinator could not combine a looked-after child's
    two records at all."""
    from misper.care.selectors import latest_version

    child, twin, pks = _assessed_twice(w)
    assert _numbers(pks) == {
        "child 1": (child.pk, 1),
        "child 2": (child.pk, 2),
        "twin 1": (twin.pk, 1),
        "twin 2": (twin.pk, 2),
    }

    m = do_merge(w, child, twin)

    assert _numbers(pks) == {
        "child 1": (child.pk, 1),
        "twin 1": (child.pk, 2),
        "child 2": (child.pk, 3),
        "twin 2": (child.pk, 4),
    }
    # the latest saved is the one the police and the policy engine read
    assert latest_version(fresh(child)).pk == pks["twin 2"]
    (merged_in,) = [
        e
        for e in TimelineEvent.objects.filter(
            subject_type="person", subject_id=str(child.pk), verb="record_merged_in"
        )
        if e.changes["merge"] == m.pk
    ]
    assert merged_in.changes["numbered_again"] == "4 assessment versions"

    duplicates.undo_merge(actor=w["coordinator"], merge_id=m.pk, reason="Different children")

    assert _numbers(pks) == {
        "child 1": (child.pk, 1),
        "child 2": (child.pk, 2),
        "twin 1": (twin.pk, 1),
        "twin 2": (twin.pk, 2),
    }
    assert latest_version(fresh(child)).pk == pks["child 2"]
    assert latest_version(fresh(twin)).pk == pks["twin 2"]


def test_an_assessment_opened_before_the_merge_is_refused_after_it(w):
    from misper.care.models import AssessmentVersion
    from misper.care.services import assessment_save
    from tests.care.factories import assessment_values

    child, twin, _ = _assessed_twice(w)
    do_merge(w, child, twin)
    before = AssessmentVersion.objects.count()
    with pytest.raises(ConcurrentEdit):  # opened at the child's version 2
        assessment_save(
            actor=w["sw_right"],
            person_id=child.pk,
            values=assessment_values(),
            completed_with="Birch Lodge manager",
            based_on=2,
            change_note="Missing again",
        )
    assert AssessmentVersion.objects.count() == before


def test_the_api_merges_two_assessed_records(w):
    _, _, pks = _assessed_twice(w)
    pair = DuplicatePair.objects.get(pk=w["duplicate_pair"].pk)
    keep = fresh(pair.first)
    away = fresh(pair.second)
    client = client_for(w["coordinator"])
    merged = client.post(
        f"/api/v1/duplicates/{pair.pk}/merge",
        json.dumps(
            {
                "keep_id": keep.pk,
                "keep_version": keep.version,
                "merge_away_version": away.version,
                "reason": "Same child",
            }
        ),
        "application/json",
    )
    assert merged.status_code == 201, merged.content
    numbers = _numbers(pks)
    assert sorted(n for _, n in numbers.values()) == [1, 2, 3, 4]
    assert {p for p, _ in numbers.values()} == {keep.pk}

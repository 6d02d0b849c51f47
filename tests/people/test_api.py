"""The child's record through the API: the same rules as the pages (anonymous 401, a user
who may not see the child 404 with nothing changed and no audit row, the right user gets
the change and its timeline event), errors as JSON naming the field, 409 on a stale
version, and on PostgreSQL two simultaneous updates of the same version: one wins."""

from __future__ import annotations

import threading
from datetime import date, timedelta

import pytest
from django.db import connection
from django.utils import timezone

from misper.core.errors import ConcurrentEdit
from misper.core.models import AuditEvent, TimelineEvent
from misper.people.models import Alias, Associate, Flag, Person, Place, Placement
from misper.people.services import PersonDetails, alias_add, flag_raise, person_update

FUTURE = (timezone.localdate() + timedelta(days=30)).isoformat()
JSON = "application/json"


def events(person, verb=None):
    qs = TimelineEvent.objects.filter(subject_type="person", subject_id=str(person.pk))
    return qs.filter(verb=verb) if verb else qs


def reads(person):
    return AuditEvent.objects.filter(subject_type="person", subject_id=str(person.pk))


def snapshot(person):
    person.refresh_from_db()
    return (
        person.version,
        Alias.objects.count(),
        Flag.objects.filter(ended_at__isnull=True).count(),
        Placement.objects.count(),
        Associate.objects.count(),
        Place.objects.count(),
        events(person).count(),
    )


def body_for_update(child, **change):
    data = {
        "given_name": "Jayden",
        "family_name": "Oakes",
        "date_of_birth": "2011-04-02",
        "sex": "male",
        "ethnicity": "WBRI",
        "phone": "07700 900123",
        "home_authority": child.home_authority_id,
        "version": child.version,
    }
    data.update(change)
    return data


def writes(region, child):
    """Every write endpoint with a valid body."""
    return {
        "update": ("put", f"/api/v1/people/{child.pk}", body_for_update(child, phone="0")),
        "alias": ("post", f"/api/v1/people/{child.pk}/aliases", {"name": "JJ"}),
        "flag": (
            "post",
            f"/api/v1/people/{child.pk}/flags",
            {"kind": "cse", "evidence": "e", "review_on": FUTURE},
        ),
        "placement": (
            "post",
            f"/api/v1/people/{child.pk}/placements",
            {
                "placement_type": "children_home",
                "address": "1 Birch Lane",
                "placing_authority": region["vale"].pk,
                "host_authority": region["vale"].pk,
                "started_on": "2025-01-01",
            },
        ),
        "associate": ("post", f"/api/v1/people/{child.pk}/associates", {"name": "Dean"}),
        "place": ("post", f"/api/v1/people/{child.pk}/places", {"description": "Park"}),
    }


def send(client, method, url, data=None):
    if method == "get":
        return client.get(url)
    return getattr(client, method)(url, data or {}, content_type=JSON)


# --- Access --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_anonymous_is_401_and_nothing_changes(client, region, child):
    before = snapshot(child)
    calls = [("get", f"/api/v1/people/{child.pk}", None), ("get", "/api/v1/people/mine", None)]
    calls += [("post", "/api/v1/people/search", {"name": "Jayden"})]
    calls += [("post", "/api/v1/people", {"given_name": "A", "family_name": "B"})]
    calls += list(writes(region, child).values())
    for method, url, data in calls:
        response = send(client, method, url, data)
        assert response.status_code == 401, url
        assert response.json()["code"] == "not_authenticated"
    assert snapshot(child) == before and Person.objects.count() == 1
    assert not reads(child).exists()


@pytest.mark.django_db
def test_a_user_who_may_not_see_the_child_gets_404_and_no_audit_row(region, child, mfa_client):
    client = mfa_client(region["harbour_sw"])
    response = client.get(f"/api/v1/people/{child.pk}")
    assert response.status_code == 404 and response.json()["code"] == "not_found"
    assert "Jayden" not in response.content.decode()
    assert not reads(child).exists()


@pytest.mark.django_db
@pytest.mark.parametrize("which", ["update", "alias", "flag", "placement", "associate", "place"])
def test_writes_by_a_user_who_may_not_see_the_child_are_404(region, child, mfa_client, which):
    before = snapshot(child)
    method, url, data = writes(region, child)[which]
    response = send(mfa_client(region["harbour_sw"]), method, url, data)
    assert response.status_code == 404 and response.json()["code"] == "not_found"
    assert "Jayden" not in response.content.decode()
    assert snapshot(child) == before


@pytest.mark.django_db
def test_a_user_without_the_role_is_refused(region, child, mfa_client):
    """An investigating officer may see the child and raise flags, but not record
    placements (children's services do)."""
    before = snapshot(child)
    method, url, data = writes(region, child)["placement"]
    response = send(mfa_client(region["officer"]), method, url, data)
    assert response.status_code == 403 and response.json()["code"] == "permission_denied"
    assert snapshot(child) == before


@pytest.mark.django_db
def test_flag_end_by_a_stranger_is_404(region, child, mfa_client):
    flag = flag_raise(
        actor=region["officer"],
        person_id=child.pk,
        kind="cse",
        evidence="e",
        review_on=date.fromisoformat(FUTURE),
    )
    response = mfa_client(region["harbour_sw"]).post(
        f"/api/v1/flags/{flag.pk}/end", {"reason": "x"}, content_type=JSON
    )
    assert response.status_code == 404
    flag.refresh_from_db()
    assert flag.active and not events(child, "flag_ended").exists()


# --- Reading -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_get_returns_the_whole_record_and_is_audited(region, child, mfa_client):
    alias_add(actor=region["officer"], person_id=child.pk, name="JJ", kind="nickname")
    flag_raise(
        actor=region["officer"],
        person_id=child.pk,
        kind="cse",
        evidence="Older boyfriend",
        review_on=date.fromisoformat(FUTURE),
    )
    response = mfa_client(region["vale_sw"]).get(f"/api/v1/people/{child.pk}")
    assert response.status_code == 200
    body = response.json()
    assert body["given_name"] == "Jayden" and body["date_of_birth"] == "2011-04-02"
    assert body["ethnicity"] == "WBRI" and body["care_status"] == "at_home"
    assert body["home_authority"] == {"id": region["vale"].pk, "name": "Vale"}
    assert body["aliases"][0]["name"] == "JJ" and body["aliases"][0]["kind"] == "nickname"
    flag = body["flags"][0]
    assert flag["kind"] == "cse" and flag["active"] and flag["raised_by_org"]["name"] == "Area"
    assert body["placements"] == [] and body["associates"] == [] and body["places"] == []
    audit = reads(child).get(user=region["vale_sw"])
    assert audit.action == "read" and "view record" in audit.purpose


@pytest.mark.django_db
def test_mine_lists_a_carers_children(region, child, mfa_client):
    from misper.people.services import placement_record

    placement_record(
        actor=region["vale_sw"],
        person_id=child.pk,
        placement_type="children_home",
        address="1 Birch Lane",
        provider=region["home"],
        placing_authority=region["vale"],
        host_authority=region["vale"],
        started_on=date(2025, 1, 1),
    )
    response = mfa_client(region["carer"]).get("/api/v1/people/mine")
    assert response.status_code == 200
    assert [p["id"] for p in response.json()] == [child.pk]
    assert mfa_client(region["call_handler"]).get("/api/v1/people/mine").status_code == 404


# --- Search --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_search_finds_alias_and_sound_alike_and_shows_active_flags(region, child, mfa_client):
    alias_add(actor=region["officer"], person_id=child.pk, name="Jay Oakley", kind="aka")
    flag_raise(
        actor=region["officer"],
        person_id=child.pk,
        kind="criminal_exploitation",
        evidence="e",
        review_on=date.fromisoformat(FUTURE),
    )
    client = mfa_client(region["call_handler"])
    for name, reason in (("Jay Oakley", "alias 'Jay Oakley'"), ("Jaiden Okes", "name")):
        response = client.post("/api/v1/people/search", {"name": name}, content_type=JSON)
        assert response.status_code == 200
        match = response.json()[0]
        assert match["id"] == child.pk and reason in match["reasons"]
        assert match["active_flags"] == ["criminal_exploitation"]
        assert match["aliases"] == ["Jay Oakley"] and match["date_of_birth"] == "2011-04-02"
    by_dob = client.post("/api/v1/people/search", {"date_of_birth": "2011-04-02"}, JSON)
    assert by_dob.json()[0]["reasons"] == ["date of birth"]


@pytest.mark.django_db
def test_search_input_errors_name_the_field(region, mfa_client):
    client = mfa_client(region["call_handler"])
    response = client.post(
        "/api/v1/people/search", {"date_of_birth": "02/04/2011"}, content_type=JSON
    )
    assert response.status_code == 422 and response.json()["field"] == "date_of_birth"
    response = client.post("/api/v1/people/search", {"age": 99}, content_type=JSON)
    assert response.status_code == 422 and response.json()["field"] == "age"
    future = client.post(
        "/api/v1/people/search", {"name": "Oakes", "date_of_birth": "2099-01-01"}, content_type=JSON
    )
    assert future.status_code in (400, 422) and future.json()["field"] == "date_of_birth"


@pytest.mark.django_db
def test_search_is_not_found_for_carers(region, mfa_client):
    response = mfa_client(region["carer"]).post(
        "/api/v1/people/search", {"name": "x"}, content_type=JSON
    )
    assert response.status_code == 404


# --- Create and update ---------------------------------------------------------------------


@pytest.mark.django_db
def test_create_is_201_with_a_timeline_event(region, mfa_client):
    response = mfa_client(region["call_handler"]).post(
        "/api/v1/people",
        {
            "given_name": "Amy",
            "family_name": "Reed",
            "estimated_age": 14,
            "ethnicity": "BAFR",
            "home_authority": region["harbour"].pk,
        },
        content_type=JSON,
    )
    assert response.status_code == 201
    body = response.json()
    person = Person.objects.get(pk=body["id"])
    assert body["version"] == 1 and body["age"] == 14 and body["ethnicity"] == "BAFR"
    assert person.home_authority == region["harbour"]
    assert events(person, "person_created").count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    "change,status,field",
    [
        ({"given_name": ""}, 400, "given_name"),
        ({"date_of_birth": None, "estimated_age": None}, 400, "date_of_birth"),
        ({"date_of_birth": "2011-13-01"}, 422, "date_of_birth"),
        ({"sex": "robot"}, 422, "sex"),
        ({"care_status": "looked_after"}, 400, "legal_status"),
        ({"home_authority": 999999}, 400, "home_authority"),
        ("force_as_home", 400, "home_authority"),
        ({"family_name": "x" * 101}, 422, "family_name"),
    ],
)
def test_create_errors_name_the_field_and_save_nothing(region, mfa_client, change, status, field):
    data = {"given_name": "Amy", "family_name": "Reed", "date_of_birth": "2010-01-05"}
    if change == "force_as_home":
        change = {"home_authority": region["force"].pk}
    data.update(change)
    response = mfa_client(region["call_handler"]).post("/api/v1/people", data, content_type=JSON)
    assert response.status_code == status
    assert response.json()["field"] == field
    assert Person.objects.count() == 0
    assert not TimelineEvent.objects.filter(subject_type="person").exists()


@pytest.mark.django_db
def test_update_with_the_current_version_saves(region, child, mfa_client):
    response = mfa_client(region["officer"]).put(
        f"/api/v1/people/{child.pk}",
        body_for_update(child, phone="07700 900456"),
        content_type=JSON,
    )
    assert response.status_code == 200 and response.json()["version"] == 2
    child.refresh_from_db()
    assert child.phone == "07700 900456"
    assert events(child, "person_updated").get().changes["phone"]["to"] == "07700 900456"


@pytest.mark.django_db
def test_update_with_a_stale_version_is_409_and_saves_nothing(region, child, mfa_client):
    stale = child.version
    person_update(
        actor=region["vale_sw"],
        person_id=child.pk,
        version=stale,
        details=PersonDetails(
            given_name="Jayden",
            family_name="Oakes",
            date_of_birth=date(2011, 4, 2),
            phone="07700 900111",
            home_authority=region["vale"],
        ),
    )
    child.refresh_from_db()
    before = snapshot(child)
    response = mfa_client(region["officer"]).put(
        f"/api/v1/people/{child.pk}",
        {**body_for_update(child, phone="07700 900222"), "version": stale},
        content_type=JSON,
    )
    assert response.status_code == 409
    assert response.json()["code"] == "concurrent_edit" and response.json()["field"] == "version"
    assert snapshot(child) == before
    assert child.phone == "07700 900111"


# --- Adding to the record ------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    "which,who,verb,count",
    [
        ("alias", "officer", "alias_added", Alias.objects.count),
        ("flag", "officer", "flag_raised", Flag.objects.count),
        ("placement", "vale_sw", "placement_recorded", Placement.objects.count),
        ("associate", "officer", "associate_added", Associate.objects.count),
        ("place", "officer", "place_added", Place.objects.count),
    ],
)
def test_each_write_is_201_with_a_timeline_event(
    region, child, mfa_client, which, who, verb, count
):
    method, url, data = writes(region, child)[which]
    response = send(mfa_client(region[who]), method, url, data)
    assert response.status_code == 201, response.json()
    assert response.json()["id"]
    assert count() == 1 and events(child, verb).count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    "which,who,change,status,field",
    [
        ("alias", "officer", {"name": ""}, 400, "name"),
        ("alias", "officer", {"kind": "robot"}, 422, "kind"),
        ("flag", "officer", {"kind": "unknown"}, 422, "kind"),
        ("flag", "officer", {"evidence": ""}, 400, "evidence"),
        ("flag", "officer", {"review_on": "2020-01-01"}, 400, "review_on"),
        ("placement", "vale_sw", {"placing_authority": 999999}, 400, "placing_authority"),
        ("placement", "vale_sw", {"provider": 999999}, 400, "provider"),
        ("placement", "vale_sw", {"provider": "vale"}, 400, "provider"),
        ("placement", "vale_sw", {"started_on": "not a date"}, 422, "started_on"),
        ("associate", "officer", {"last_seen_on": FUTURE}, 400, "last_seen_on"),
        ("place", "officer", {"description": " "}, 400, "description"),
    ],
)
def test_write_errors_name_the_field_and_save_nothing(
    region, child, mfa_client, which, who, change, status, field
):
    before = snapshot(child)
    method, url, data = writes(region, child)[which]
    change = {k: (region[v].pk if v in ("vale",) else v) for k, v in change.items()}
    response = send(mfa_client(region[who]), method, url, {**data, **change})
    assert response.status_code == status, response.json()
    assert response.json()["field"] == field
    assert snapshot(child) == before


@pytest.mark.django_db
def test_flag_end_records_the_reason(region, child, mfa_client):
    flag = flag_raise(
        actor=region["officer"],
        person_id=child.pk,
        kind="cse",
        evidence="e",
        review_on=date.fromisoformat(FUTURE),
    )
    # R-FLG-01: the organisation that placed it (the officer's force) ends it.
    client = mfa_client(region["officer"])
    bad = client.post(f"/api/v1/flags/{flag.pk}/end", {"reason": ""}, content_type=JSON)
    assert bad.status_code == 400 and bad.json()["field"] == "reason"
    response = client.post(f"/api/v1/flags/{flag.pk}/end", {"reason": "Reviewed"}, JSON)
    assert response.status_code == 200
    assert response.json()["active"] is False and response.json()["ended_reason"] == "Reviewed"
    assert events(child, "flag_ended").get().rationale == "Reviewed"
    assert client.post("/api/v1/flags/999999/end", {"reason": "x"}, JSON).status_code == 404


# --- PostgreSQL: two updates of the same version at the same moment ------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_simultaneous_updates_of_one_version_let_exactly_one_through(region, child):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: run with DATABASE_URL=postgres://... (row locks)")
    version = child.version
    start = threading.Barrier(2)
    outcomes: list[str] = []
    lock = threading.Lock()

    def update(actor, phone):
        from django.db import connection as thread_connection

        try:
            start.wait(timeout=10)
            person_update(
                actor=actor,
                person_id=child.pk,
                version=version,
                details=PersonDetails(
                    given_name="Jayden",
                    family_name="Oakes",
                    date_of_birth=date(2011, 4, 2),
                    phone=phone,
                    home_authority=region["vale"],
                ),
            )
            result = "saved"
        except ConcurrentEdit:
            result = "concurrent_edit"
        except Exception as exc:  # reported below: the test must not hide other failures
            result = f"error: {exc!r}"
        finally:
            thread_connection.close()
        with lock:
            outcomes.append(result)

    threads = [
        threading.Thread(target=update, args=(region["officer"], "07700 900111")),
        threading.Thread(target=update, args=(region["vale_sw"], "07700 900222")),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert sorted(outcomes) == ["concurrent_edit", "saved"], outcomes
    child.refresh_from_db()
    assert child.version == version + 1
    assert child.phone in ("07700 900111", "07700 900222")
    assert events(child, "person_updated").count() == 1

"""Writing a child's record: validation names the field and writes nothing; every change
leaves a timeline event; concurrent edits are refused; only the right people may write."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest
from django.utils import timezone

from misper.core.errors import ConcurrentEdit, NotFound, PermissionDenied, ValidationFailed
from misper.core.models import TimelineEvent
from misper.core.validation import shift_years
from misper.notifications.services import arrangement_save
from misper.people.models import Flag, Person, Placement
from misper.people.services import (
    PersonDetails,
    alias_add,
    associate_add,
    flag_end,
    flag_raise,
    person_create,
    person_update,
    place_add,
    placement_record,
)

pytestmark = pytest.mark.django_db

BASE = PersonDetails(given_name="Amy", family_name="Reed", date_of_birth=date(2010, 1, 5))


def events(person, verb):
    return TimelineEvent.objects.filter(subject_type="person", subject_id=str(person.pk), verb=verb)


@pytest.mark.parametrize(
    "change,field",
    [
        ({"given_name": ""}, "given_name"),
        ({"family_name": "x" * 101}, "family_name"),
        ({"date_of_birth": None}, "date_of_birth"),
        ({"date_of_birth": date.today() + timedelta(days=1)}, "date_of_birth"),
        ({"date_of_birth": None, "estimated_age": 40}, "estimated_age"),
        ({"sex": "robot"}, "sex"),
        ({"ethnicity": "XXXX"}, "ethnicity"),
        ({"care_status": "looked_after"}, "legal_status"),
        ({"legal_status": "care_order"}, "legal_status"),
    ],
)
def test_bad_details_name_the_field_and_write_nothing(region, change, field):
    with pytest.raises(ValidationFailed) as exc:
        person_create(actor=region["call_handler"], details=replace(BASE, **change))
    assert exc.value.field == field
    assert Person.objects.count() == 0
    assert not TimelineEvent.objects.filter(subject_type="person").exists()


def test_create_with_estimated_age_records_a_timeline_event(region):
    person = person_create(
        actor=region["call_handler"], details=replace(BASE, date_of_birth=None, estimated_age=14)
    )
    assert person.estimated_age == 14 and person.age_on(timezone.localdate()) == 14
    assert events(person, "person_created").count() == 1


def test_children_services_creation_defaults_the_home_authority(region):
    person = person_create(actor=region["vale_sw"], details=BASE)
    assert person.home_authority == region["vale"]


@pytest.mark.parametrize("who", ["carer", "rhi", "admin"])
def test_only_police_and_childrens_services_create_records(region, who):
    with pytest.raises(PermissionDenied):
        person_create(actor=region[who], details=BASE)
    assert Person.objects.count() == 0


def test_update_records_from_and_to(region, child):
    person_update(
        actor=region["officer"],
        person_id=child.pk,
        version=child.version,
        details=replace(
            PersonDetails(
                given_name=child.given_name,
                family_name=child.family_name,
                date_of_birth=child.date_of_birth,
                sex=child.sex,
                ethnicity=child.ethnicity,
                phone=child.phone,
                home_authority=child.home_authority,
            ),
            liable_to_arrest=True,
        ),
    )
    event = events(child, "person_updated").get()
    assert event.changes == {"liable_to_arrest": {"from": False, "to": True}}
    assert Person.objects.get(pk=child.pk).version == child.version + 1


def test_a_stale_version_is_refused_and_nothing_is_overwritten(region, child):
    details = PersonDetails(
        given_name="Jay",
        family_name="Oakes",
        date_of_birth=child.date_of_birth,
        home_authority=child.home_authority,
    )
    person_update(
        actor=region["officer"], person_id=child.pk, version=child.version, details=details
    )
    with pytest.raises(ConcurrentEdit) as exc:
        person_update(
            actor=region["call_handler"],
            person_id=child.pk,
            version=child.version,
            details=replace(details, given_name="Jason"),
        )
    assert exc.value.field == "version"
    assert Person.objects.get(pk=child.pk).given_name == "Jay"
    assert events(child, "person_updated").count() == 1


def test_someone_who_cannot_see_the_child_gets_not_found(region, child):
    with pytest.raises(NotFound):
        alias_add(actor=region["harbour_sw"], person_id=child.pk, name="JJ")
    assert not child.aliases.exists()


def test_flag_needs_evidence_and_a_future_review_date(region, child):
    with pytest.raises(ValidationFailed) as exc:
        flag_raise(
            actor=region["officer"],
            person_id=child.pk,
            kind="cse",
            evidence="",
            review_on=date.today() + timedelta(days=30),
        )
    assert exc.value.field == "evidence"
    with pytest.raises(ValidationFailed) as exc:
        flag_raise(
            actor=region["officer"],
            person_id=child.pk,
            kind="cse",
            evidence="seen",
            review_on=date.today(),
        )
    assert exc.value.field == "review_on"
    with pytest.raises(ValidationFailed) as exc:
        flag_raise(
            actor=region["officer"],
            person_id=child.pk,
            kind="witchcraft",
            evidence="x",
            review_on=date.today() + timedelta(days=1),
        )
    assert exc.value.field == "kind"
    assert not Flag.objects.exists()


def test_police_and_childrens_services_both_raise_flags(region, child):
    """R-FLG-01: children's services may place a flag directly where their arrangement
    with the force says so, as may the police."""
    arrangement_save(
        actor=region["admin"],
        from_org=region["vale"],
        to_org=region["area"].force,
        channels=[],
        flag_placement="direct",
    )
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
    a = flag_raise(
        actor=region["officer"],
        person_id=child.pk,
        kind="cse",
        evidence="intel",
        review_on=date.today() + timedelta(days=90),
    )
    b = flag_raise(
        actor=region["vale_sw"],
        person_id=child.pk,
        kind="mental_health",
        evidence="CAMHS",
        review_on=date.today() + timedelta(days=90),
    )
    assert a.raised_by_org == region["area"] and b.raised_by_org == region["vale"]
    assert events(child, "flag_raised").count() == 2
    with pytest.raises(PermissionDenied):
        flag_raise(
            actor=region["carer"],
            person_id=child.pk,
            kind="gang",
            evidence="x",
            review_on=date.today() + timedelta(days=9),
        )
    flag_end(actor=region["vale_sw"], flag_id=b.pk, reason="discharged")
    assert not Flag.objects.get(pk=b.pk).active
    with pytest.raises(ValidationFailed):
        flag_end(actor=region["vale_sw"], flag_id=b.pk, reason="again")


def test_placement_makes_the_child_looked_after_and_ends_the_previous(region, child):
    first = placement_record(
        actor=region["vale_sw"],
        person_id=child.pk,
        placement_type="foster_care",
        address="2 Ash Road",
        placing_authority=region["vale"],
        host_authority=region["vale"],
        started_on=date(2024, 3, 1),
    )
    second = placement_record(
        actor=region["vale_sw"],
        person_id=child.pk,
        placement_type="children_home",
        address="Birch Lodge",
        provider=region["home"],
        placing_authority=region["vale"],
        host_authority=region["harbour"],
        started_on=date(2025, 6, 1),
    )
    first.refresh_from_db()
    child.refresh_from_db()
    assert first.ended_on == date(2025, 6, 1) and second.is_current
    assert second.out_of_area and not first.out_of_area
    assert child.care_status == "looked_after" and child.home_authority == region["vale"]
    assert events(child, "placement_recorded").count() == 2


def test_placement_validation(region, child):
    with pytest.raises(ValidationFailed) as exc:
        placement_record(
            actor=region["vale_sw"],
            person_id=child.pk,
            placement_type="children_home",
            address="x",
            provider=region["vale"],
            placing_authority=region["vale"],
            host_authority=region["vale"],
            started_on=date(2025, 1, 1),
        )
    assert exc.value.field == "provider"
    with pytest.raises(ValidationFailed) as exc:
        placement_record(
            actor=region["vale_sw"],
            person_id=child.pk,
            placement_type="children_home",
            address="x",
            placing_authority=region["home"],
            host_authority=region["vale"],
            started_on=date(2025, 1, 1),
        )
    assert exc.value.field == "placing_authority"
    with pytest.raises(PermissionDenied):
        placement_record(
            actor=region["officer"],
            person_id=child.pk,
            placement_type="children_home",
            address="x",
            placing_authority=region["vale"],
            host_authority=region["vale"],
            started_on=date(2025, 1, 1),
        )
    assert not Placement.objects.exists()


# --- Every input bounded (issue 8, findings 6 and 7) ------------------------------------------


def years_ago(n, *, days=0):
    return shift_years(timezone.localdate(), -n) - timedelta(days=days)


@pytest.mark.parametrize(
    "born,message",
    [
        (years_ago(26), "Date of birth must be within the last 25 years"),
        (years_ago(25, days=1), "Date of birth must be within the last 25 years"),
        (date(1, 1, 1), "Date of birth must be within the last 25 years"),
        (date(9999, 12, 31), "Date of birth must be today or in the past"),
    ],
)
def test_a_date_of_birth_more_than_25_years_ago_or_in_the_future_is_refused(region, born, message):
    """Finding 6: the limit was 30 years; a child's record covers ages 0 to 25."""
    with pytest.raises(ValidationFailed) as exc:
        person_create(actor=region["call_handler"], details=replace(BASE, date_of_birth=born))
    assert (exc.value.field, exc.value.message) == ("date_of_birth", message)
    assert Person.objects.count() == 0


def test_a_date_of_birth_25_years_ago_is_accepted(region):
    person = person_create(
        actor=region["call_handler"], details=replace(BASE, date_of_birth=years_ago(25))
    )
    assert person.age_on(timezone.localdate()) == 25


@pytest.mark.parametrize(
    "review_on,message",
    [
        (date(9999, 12, 31), "Review date must be within the next 12 months"),
        (
            shift_years(timezone.localdate(), 1) + timedelta(days=1),
            "Review date must be within the next 12 months",
        ),
        (date(1, 1, 1), "Review date must be in the future"),
    ],
)
def test_a_flag_review_date_beyond_the_next_12_months_is_refused(region, child, review_on, message):
    """Finding 6: year 9999 was accepted for flag reviews."""
    with pytest.raises(ValidationFailed) as exc:
        flag_raise(
            actor=region["officer"],
            person_id=child.pk,
            kind="cse",
            evidence="intelligence",
            review_on=review_on,
        )
    assert (exc.value.field, exc.value.message) == ("review_on", message)
    assert not Flag.objects.exists()


def test_a_flag_review_date_12_months_ahead_is_accepted(region, child):
    flag = flag_raise(
        actor=region["officer"],
        person_id=child.pk,
        kind="cse",
        evidence="intelligence",
        review_on=shift_years(timezone.localdate(), 1),
    )
    assert flag.review_on == shift_years(timezone.localdate(), 1)


@pytest.mark.parametrize(
    "started_on,message",
    [
        (date(2011, 4, 1), "A placement cannot start before the child's date of birth"),
        (date(1, 1, 1), "Started on must be within the last 25 years"),
        (years_ago(26), "Started on must be within the last 25 years"),
        (date(9999, 1, 1), "Started on must be today or in the past"),
    ],
)
def test_a_placement_before_birth_or_too_far_back_is_refused(region, child, started_on, message):
    """Finding 6: year 0001 was accepted for placements. The child was born 2 April 2011."""
    with pytest.raises(ValidationFailed) as exc:
        placement_record(
            actor=region["vale_sw"],
            person_id=child.pk,
            placement_type="foster_care",
            address="2 Ash Road",
            placing_authority=region["vale"],
            host_authority=region["vale"],
            started_on=started_on,
        )
    assert (exc.value.field, exc.value.message) == ("started_on", message)
    assert not Placement.objects.exists()
    child.refresh_from_db()
    assert child.care_status == "at_home"


def test_a_placement_from_the_day_of_birth_is_accepted(region, child):
    placement = placement_record(
        actor=region["vale_sw"],
        person_id=child.pk,
        placement_type="foster_care",
        address="2 Ash Road",
        placing_authority=region["vale"],
        host_authority=region["vale"],
        started_on=date(2011, 4, 2),
    )
    assert placement.started_on == date(2011, 4, 2)


@pytest.mark.parametrize("service", ["associate", "place"])
@pytest.mark.parametrize(
    "last_seen_on,message",
    [
        (years_ago(26), "Last seen on must be within the last 25 years"),
        (date(9999, 1, 1), "Last seen on must be today or in the past"),
    ],
)
def test_associates_and_places_last_seen_within_the_last_25_years(
    region, child, service, last_seen_on, message
):
    with pytest.raises(ValidationFailed) as exc:
        if service == "associate":
            associate_add(
                actor=region["officer"], person_id=child.pk, name="Dean", last_seen_on=last_seen_on
            )
        else:
            place_add(
                actor=region["officer"],
                person_id=child.pk,
                description="Skate park",
                last_seen_on=last_seen_on,
            )
    assert (exc.value.field, exc.value.message) == ("last_seen_on", message)


def test_a_nul_byte_in_a_name_is_stripped(region):
    """Finding 7: NUL bytes, control characters and a right-to-left override (which shows
    the name reversed) were stored as typed."""
    person = person_create(
        actor=region["call_handler"],
        details=replace(BASE, given_name="A\x00my\x1b", family_name="\u202eReed\u202c"),
    )
    assert (person.given_name, person.family_name) == ("Amy", "Reed")
    alias = alias_add(actor=region["officer"], person_id=person.pk, name="Am\x00y\u2066 R")
    assert alias.name == "Amy R"


def test_names_in_arabic_and_urdu_are_kept(region):
    person = person_create(
        actor=region["call_handler"],
        details=replace(BASE, given_name="عائشہ", family_name="محمد"),
    )
    assert (person.given_name, person.family_name) == ("عائشہ", "محمد")


def test_a_newline_in_a_name_or_an_address_is_refused_and_kept_in_notes(region, child):
    for change, field in (
        ({"given_name": "Amy\nJane"}, "given_name"),
        ({"home_address": "1 Ash Road\r\nVale"}, "home_address"),
    ):
        with pytest.raises(ValidationFailed) as exc:
            person_create(actor=region["call_handler"], details=replace(BASE, **change))
        assert exc.value.field == field
    associate = associate_add(
        actor=region["officer"],
        person_id=child.pk,
        name="Dean",
        notes="Drives a blue car.\r\nSeen at the park.",
    )
    assert associate.notes == "Drives a blue car.\nSeen at the park."

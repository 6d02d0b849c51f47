"""The only code that writes a child's record. Each service is keyword-only, checks the
actor's permission with the people rules, runs in one transaction, and writes a timeline
event in that transaction. Bad input raises ValidationFailed naming the field; nothing is
half-written."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import rules
from django.db import transaction
from django.utils import timezone

from misper.agencies.errors import ConcurrentEdit, NotFound, PermissionDenied, ValidationFailed
from misper.agencies.models import CARE_PROVIDER_KINDS, Organisation, OrganisationKind, User
from misper.agencies.services import timeline_record
from misper.agencies.validation import clean_choice, clean_text
from misper.people.codes import (
    AliasKind,
    CareStatus,
    Ethnicity,
    FlagKind,
    LegalStatus,
    PlacementType,
    Sex,
)
from misper.people.matching import normalise, phonetic, split_name
from misper.people.models import Alias, Associate, Flag, NameKey, Person, Place, Placement

SUBJECT = "person"
MAX_TEXT = 4000


def _require(actor: User, perm: str, obj: Any = None) -> None:
    if not rules.has_perm(perm, actor, obj):
        if obj is not None and not rules.has_perm("people.view", actor, obj):
            raise NotFound("No such child")
        raise PermissionDenied("Your role does not allow this change")


_text = clean_text
_choice = clean_choice


def _past_date(value: date | None, field: str, *, required: bool = False) -> date | None:
    if value is None:
        if required:
            raise ValidationFailed(f"Enter the {field.replace('_', ' ')}", field=field)
        return None
    if value > timezone.localdate():
        raise ValidationFailed(
            f"{field.replace('_', ' ').capitalize()} must be today or in the past", field=field
        )
    return value


def _authority(
    org: Organisation | None, field: str, *, required: bool = False
) -> Organisation | None:
    if org is None:
        if required:
            raise ValidationFailed(f"Choose the {field.replace('_', ' ')}", field=field)
        return None
    if org.kind != OrganisationKind.LOCAL_AUTHORITY:
        raise ValidationFailed(
            f"The {field.replace('_', ' ')} must be a local authority", field=field
        )
    return org


def _required_authority(org: Organisation | None, field: str) -> Organisation:
    checked = _authority(org, field, required=True)
    if checked is None:  # _authority raised already; this keeps the type checker informed
        raise ValidationFailed(f"Choose the {field.replace('_', ' ')}", field=field)
    return checked


def _required_past_date(value: date | None, field: str) -> date:
    checked = _past_date(value, field, required=True)
    if checked is None:
        raise ValidationFailed(f"Enter the {field.replace('_', ' ')}", field=field)
    return checked


def _refresh_name_keys(person: Person) -> None:
    person.name_keys.all().delete()
    names = [(f"{person.given_name} {person.family_name}", False)] + [
        (a.name, True) for a in person.aliases.all()
    ]
    keys = []
    for text, is_alias in names:
        given, family = split_name(text)
        keys.append(
            NameKey(
                person=person,
                text=text,
                normalised=normalise(text),
                family_phonetic=phonetic(family),
                given_phonetic=phonetic(given.split()[0]) if given else "",
                is_alias=is_alias,
            )
        )
    NameKey.objects.bulk_create(keys)


@dataclass(frozen=True)
class PersonDetails:
    """What a form or the API supplies about a child. Validated by the services."""

    given_name: str
    family_name: str
    date_of_birth: date | None = None
    estimated_age: int | None = None
    sex: str = Sex.UNKNOWN
    ethnicity: str = Ethnicity.NOBT
    phone: str = ""
    la_child_id: str = ""
    police_person_id: str = ""
    home_address: str = ""
    home_postcode: str = ""
    home_authority: Organisation | None = None
    care_status: str = CareStatus.AT_HOME
    legal_status: str = ""
    subject_to_cj_order: bool = False
    subject_to_secure_order: bool = False
    liable_to_arrest: bool = False


def _validated(d: PersonDetails) -> dict[str, Any]:
    values: dict[str, Any] = {
        "given_name": _text(d.given_name, "given_name", required=True, max_len=100),
        "family_name": _text(d.family_name, "family_name", required=True, max_len=100),
        "date_of_birth": _past_date(d.date_of_birth, "date_of_birth"),
        "sex": _choice(d.sex, Sex, "sex"),
        "ethnicity": _choice(d.ethnicity, Ethnicity, "ethnicity"),
        "phone": _text(d.phone, "phone", max_len=32),
        "phone_digits": "".join(ch for ch in (d.phone or "") if ch.isdigit()),
        "la_child_id": _text(d.la_child_id, "la_child_id", max_len=32),
        "police_person_id": _text(d.police_person_id, "police_person_id", max_len=32),
        "home_address": _text(d.home_address, "home_address", max_len=300),
        "home_postcode": _text(d.home_postcode, "home_postcode", max_len=10).upper(),
        "home_authority": _authority(d.home_authority, "home_authority"),
        "care_status": _choice(d.care_status, CareStatus, "care_status"),
        "legal_status": _choice(d.legal_status, LegalStatus, "legal_status", blank=True),
        "subject_to_cj_order": bool(d.subject_to_cj_order),
        "subject_to_secure_order": bool(d.subject_to_secure_order),
        "liable_to_arrest": bool(d.liable_to_arrest),
    }
    if d.date_of_birth is None:
        if d.estimated_age is None:
            raise ValidationFailed(
                "Enter the date of birth, or an estimated age if it is not known",
                field="date_of_birth",
            )
        if not 0 <= d.estimated_age <= 25:
            raise ValidationFailed("Estimated age must be between 0 and 25", field="estimated_age")
        values["estimated_age"] = d.estimated_age
        values["estimated_age_on"] = timezone.localdate()
    else:
        values["estimated_age"] = None
        values["estimated_age_on"] = None
        if d.date_of_birth.year < timezone.localdate().year - 30:
            raise ValidationFailed("Date of birth is too far in the past", field="date_of_birth")
    if values["care_status"] == CareStatus.LOOKED_AFTER and not values["legal_status"]:
        raise ValidationFailed(
            "Choose the legal status of a looked-after child", field="legal_status"
        )
    if values["care_status"] != CareStatus.LOOKED_AFTER and values["legal_status"] not in (
        "",
        LegalStatus.REMAND,
        LegalStatus.SECURE_ORDER,
        LegalStatus.POLICE_PROTECTION,
    ):
        raise ValidationFailed(
            "Only a looked-after child has this legal status", field="legal_status"
        )
    return values


def person_create(*, actor: User, details: PersonDetails) -> Person:
    _require(actor, "people.create")
    values = _validated(details)
    if (
        values["home_authority"] is None
        and actor.organisation
        and (actor.organisation.kind == OrganisationKind.LOCAL_AUTHORITY)
    ):
        values["home_authority"] = actor.organisation
    with transaction.atomic():
        person = Person.objects.create(created_by_org=actor.organisation, **values)
        _refresh_name_keys(person)
        timeline_record(
            actor=actor,
            subject_type=SUBJECT,
            subject_id=person.pk,
            verb="person_created",
            changes={k: _jsonable(v) for k, v in values.items() if v not in ("", None, False)},
        )
    return person


def _jsonable(value: Any) -> Any:
    if isinstance(value, Organisation):
        return value.name
    if isinstance(value, date):
        return value.isoformat()
    return value


def _locked(person_id: int) -> Person:
    person = Person.objects.select_for_update().filter(pk=person_id).first()
    if person is None:
        raise NotFound("No such child")
    return person


def _check_version(person: Person, version: int) -> None:
    if person.version != version:
        raise ConcurrentEdit(
            "Someone else changed this record after you opened it. Your changes have not "
            "been saved: check the record as it is now, then make them again.",
            field="version",
        )


def person_update(*, actor: User, person_id: int, version: int, details: PersonDetails) -> Person:
    """Change the child's details. ``version`` is the version the user loaded: if the
    record changed since, nothing is saved (ConcurrentEdit)."""
    values = _validated(details)
    with transaction.atomic():
        person = _locked(person_id)
        _require(actor, "people.change", person)
        _check_version(person, version)
        changes = {}
        for key, new in values.items():
            old = getattr(person, key)
            if old != new:
                changes[key] = {"from": _jsonable(old), "to": _jsonable(new)}
                setattr(person, key, new)
        if not changes:
            return person
        person.version += 1
        person.save()
        _refresh_name_keys(person)
        timeline_record(
            actor=actor,
            subject_type=SUBJECT,
            subject_id=person.pk,
            verb="person_updated",
            changes=changes,
        )
    return person


def _bump(person: Person) -> None:
    Person.objects.filter(pk=person.pk).update(version=person.version + 1)
    person.version += 1


def alias_add(*, actor: User, person_id: int, name: str, kind: str = "aka") -> Alias:
    name = _text(name, "name", required=True, max_len=200)
    kind = _choice(kind, AliasKind, "kind")
    with transaction.atomic():
        person = _locked(person_id)
        _require(actor, "people.change", person)
        alias = Alias.objects.create(person=person, name=name, kind=kind)
        _refresh_name_keys(person)
        _bump(person)
        timeline_record(
            actor=actor,
            subject_type=SUBJECT,
            subject_id=person.pk,
            verb="alias_added",
            changes={"alias": name, "kind": kind},
        )
    return alias


def flag_raise(
    *, actor: User, person_id: int, kind: str, evidence: str, review_on: date | None
) -> Flag:
    """Raise a flag or marker (R-FLG-01..03). Police and children's services may both."""
    kind = _choice(kind, FlagKind, "kind")
    evidence = _text(evidence, "evidence", required=True, max_len=MAX_TEXT)
    if review_on is None:
        raise ValidationFailed("Enter the date the flag is to be reviewed", field="review_on")
    if review_on <= timezone.localdate():
        raise ValidationFailed("Review date must be in the future", field="review_on")
    with transaction.atomic():
        person = _locked(person_id)
        _require(actor, "people.raise_flag", person)
        if actor.organisation is None:
            raise PermissionDenied("You must belong to an organisation to raise a flag")
        flag = Flag.objects.create(
            person=person,
            kind=kind,
            raised_by=actor,
            raised_by_org=actor.organisation,
            evidence=evidence,
            review_on=review_on,
        )
        _bump(person)
        timeline_record(
            actor=actor,
            subject_type=SUBJECT,
            subject_id=person.pk,
            verb="flag_raised",
            changes={"flag": kind, "review_on": review_on.isoformat()},
            rationale=evidence,
            rule_ids=["R-FLG-01", "R-FLG-03"],
        )
    return flag


def flag_end(*, actor: User, flag_id: int, reason: str) -> Flag:
    reason = _text(reason, "reason", required=True, max_len=MAX_TEXT)
    with transaction.atomic():
        flag = Flag.objects.select_for_update().select_related("person").filter(pk=flag_id).first()
        if flag is None:
            raise NotFound("No such flag")
        _require(actor, "people.raise_flag", flag.person)
        if flag.ended_at is not None:
            raise ValidationFailed("This flag has already ended", field="flag")
        flag.ended_at = timezone.now()
        flag.ended_reason = reason
        flag.save(update_fields=["ended_at", "ended_reason"])
        _bump(flag.person)
        timeline_record(
            actor=actor,
            subject_type=SUBJECT,
            subject_id=flag.person_id,
            verb="flag_ended",
            changes={"flag": flag.kind},
            rationale=reason,
        )
    return flag


def placement_record(
    *,
    actor: User,
    person_id: int,
    placement_type: str,
    address: str,
    postcode: str = "",
    provider: Organisation | None = None,
    placing_authority: Organisation | None,
    host_authority: Organisation | None,
    started_on: date | None,
    emergency: bool = False,
) -> Placement:
    """A new placement; the current one (if any) ends the day the new one starts. The
    child becomes looked after, with the placing authority as their home authority."""
    placement_type = _choice(placement_type, PlacementType, "placement_type")
    address = _text(address, "address", required=True, max_len=300)
    postcode = _text(postcode, "postcode", max_len=10).upper()
    placing = _required_authority(placing_authority, "placing_authority")
    host = _required_authority(host_authority, "host_authority")
    started = _required_past_date(started_on, "started_on")
    if provider is not None and provider.kind not in CARE_PROVIDER_KINDS:
        raise ValidationFailed("The provider must be a care provider", field="provider")
    with transaction.atomic():
        person = _locked(person_id)
        _require(actor, "people.record_placement", person)
        current = person.placements.filter(ended_on__isnull=True).first()
        if current is not None:
            if started < current.started_on:
                raise ValidationFailed(
                    "A new placement cannot start before the current one", field="started_on"
                )
            current.ended_on = started
            current.save(update_fields=["ended_on"])
        placement = Placement.objects.create(
            person=person,
            placement_type=placement_type,
            provider=provider,
            address=address,
            postcode=postcode,
            placing_authority=placing,
            host_authority=host,
            started_on=started,
            emergency=emergency,
        )
        person.care_status = CareStatus.LOOKED_AFTER
        person.home_authority = placing
        person.version += 1
        person.save(update_fields=["care_status", "home_authority", "version"])
        timeline_record(
            actor=actor,
            subject_type=SUBJECT,
            subject_id=person.pk,
            verb="placement_recorded",
            changes={
                "placement_type": placement_type,
                "provider": provider.name if provider else "",
                "placing_authority": placing.name,
                "host_authority": host.name,
                "started_on": started.isoformat(),
                "out_of_area": placement.out_of_area,
                "emergency": emergency,
            },
            rule_ids=["R-OWN-08", "R-OOA-01"],
        )
    return placement


def associate_add(
    *,
    actor: User,
    person_id: int,
    name: str,
    relationship: str = "",
    is_adult: bool | None = None,
    notes: str = "",
    last_seen_on: date | None = None,
) -> Associate:
    name = _text(name, "name", required=True)
    relationship = _text(relationship, "relationship", max_len=100)
    notes = _text(notes, "notes", max_len=MAX_TEXT)
    last_seen_on = _past_date(last_seen_on, "last_seen_on")
    with transaction.atomic():
        person = _locked(person_id)
        _require(actor, "people.change", person)
        associate = Associate.objects.create(
            person=person,
            name=name,
            relationship=relationship,
            is_adult=is_adult,
            notes=notes,
            last_seen_on=last_seen_on,
        )
        _bump(person)
        timeline_record(
            actor=actor,
            subject_type=SUBJECT,
            subject_id=person.pk,
            verb="associate_added",
            changes={"associate": name, "relationship": relationship},
        )
    return associate


def place_add(
    *,
    actor: User,
    person_id: int,
    description: str,
    postcode: str = "",
    last_seen_on: date | None = None,
) -> Place:
    description = _text(description, "description", required=True, max_len=300)
    postcode = _text(postcode, "postcode", max_len=10).upper()
    last_seen_on = _past_date(last_seen_on, "last_seen_on")
    with transaction.atomic():
        person = _locked(person_id)
        _require(actor, "people.change", person)
        place = Place.objects.create(
            person=person, description=description, postcode=postcode, last_seen_on=last_seen_on
        )
        _bump(person)
        timeline_record(
            actor=actor,
            subject_type=SUBJECT,
            subject_id=person.pk,
            verb="place_added",
            changes={"place": description, "postcode": postcode},
        )
    return place


# --- Photographs ------------------------------------------------------------------------

PHOTO_MAX_BYTES = 5 * 1024 * 1024
_PHOTO_TYPES = {b"\xff\xd8\xff": ".jpg", b"\x89PNG\r\n\x1a\n": ".png"}


def person_photo_set(
    *, actor: User, person_id: int, content: bytes, taken_on: date | None
) -> Person:
    """Store the child's photograph (R-REC-12) outside the web root under a random name
    (never the child's name), to be served only through a permission check. JPEG or PNG,
    at most 5 MB, checked by its content, not its file name."""
    import secrets

    from django.core.files.base import ContentFile

    if not content:
        raise ValidationFailed("Choose a photograph", field="photo")
    if len(content) > PHOTO_MAX_BYTES:
        raise ValidationFailed("The photograph must be smaller than 5 MB", field="photo")
    suffix = next((ext for magic, ext in _PHOTO_TYPES.items() if content.startswith(magic)), None)
    if suffix is None:
        raise ValidationFailed("The photograph must be a JPEG or PNG file", field="photo")
    taken = _past_date(taken_on, "taken_on", required=True)
    with transaction.atomic():
        person = _locked(person_id)
        _require(actor, "people.change", person)
        old = person.photo.name if person.photo else ""
        person.photo.save(f"{secrets.token_hex(16)}{suffix}", ContentFile(content), save=False)
        person.photo_taken_on = taken
        person.version += 1
        person.save(update_fields=["photo", "photo_taken_on", "version"])
        timeline_record(
            actor=actor,
            subject_type=SUBJECT,
            subject_id=person.pk,
            verb="photo_added",
            changes={"taken_on": taken.isoformat() if taken else None, "replaced": bool(old)},
            rule_ids=["R-REC-12"],
        )
    return person

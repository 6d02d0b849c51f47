"""The only code that writes a child's record. Each service is keyword-only, runs in one
transaction, fetches the child through the one choke point
(``selectors.get_person_for_user``: not found, then not allowed, then locked and audited),
and writes a timeline event in that transaction. Bad input raises ValidationFailed naming
the field; nothing is half-written.

Authorities are the actor's own: children's services record placements only for children
their authority is responsible for and name their own authority as placing authority; a
recorded home authority is never moved to another; opening the record to another
organisation is a decision of its own (``person_share``), audited."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

import rules
from django.db import transaction
from django.utils import timezone

from misper.agencies.geography import PostcodeError
from misper.agencies.models import CARE_PROVIDER_KINDS, Organisation, OrganisationKind, User
from misper.agencies.roles import CHILDRENS_SERVICES_ROLES, POLICY_ROLE, Role
from misper.agencies.selectors import covering, force_covering_authority
from misper.core.audit import audit_record
from misper.core.errors import (
    ConcurrentEdit,
    NotFound,
    PermissionDenied,
    ValidationFailed,
    WrongState,
)
from misper.core.models import AuditAction
from misper.core.timeline import timeline_record
from misper.core.validation import (
    FLAG_REVIEW_YEARS,
    clean_choice,
    clean_past_day,
    clean_text,
    shift_years,
)
from misper.notifications.models import FlagPlacement
from misper.notifications.services import Recipient, flag_placement_between, notify
from misper.people.codes import (
    AliasKind,
    CareStatus,
    CategoryOfNeed,
    DfePlacementType,
    Ethnicity,
    FlagKind,
    LegalStatus,
    PlacementChangeReason,
    PlacementLegalStatus,
    PlacementProvider,
    PlacementType,
    Sex,
)
from misper.people.events import PeopleVerb
from misper.people.hooks import placement_recorded
from misper.people.matching import normalise, phonetic, split_name
from misper.people.models import (
    Alias,
    AllocatedWorker,
    Associate,
    Flag,
    FlagRequest,
    FlagRequestStatus,
    LinkSource,
    NameKey,
    Person,
    PersonShare,
    Place,
    Placement,
)
from misper.people.network import place_link_note
from misper.people.search import refresh_search_keys
from misper.people.selectors import (
    NOT_ALLOWED,
    get_flag_for_user,
    get_flag_request_for_user,
    get_person_for_user,
    get_share_for_user,
)
from misper.policy.flags import may_end_flag
from misper.policy.profiles import load_profile
from misper.policy.roles import POLICE_RANK
from misper.policy.types import ProfileErrors

SUBJECT = "person"
MAX_TEXT = 4000
ADULT_AGE = 18


def _is_childrens_services(actor: User) -> bool:
    return actor.has_role(*CHILDRENS_SERVICES_ROLES)


def _own_authority_only(actor: User) -> ValidationFailed:
    own = actor.organisation.name if actor.organisation else "your own authority"
    return ValidationFailed(
        f"As children's services you can record only your own authority ({own}) as the "
        "child's home local authority",
        field="home_authority",
    )


_text = clean_text
_choice = clean_choice


def _past_date(value: date | None, field: str, *, required: bool = False) -> date | None:
    """Today or in the past, and within the last CHILD_RECORD_YEARS (25) years."""
    return clean_past_day(value, field, required=required)


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
    """The name keys and the call handler's search keys (issue 13) of the record as it is
    now; every service that changes a name, an alias, the date of birth, the phone or the
    postcode calls this."""
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
    refresh_search_keys(person)


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
    # For the DfE's SSDA903 return (R-DAT-04): children's services record them.
    upn: str = ""
    is_mother: bool | None = None
    first_child_born_on: date | None = None


# The DfE's unique pupil number (a check letter, 12 digits or 11 and a letter for a
# temporary one; never I, O or S first), or UN1 to UN5 when it is not known: the pattern the
# SSDA903 validation (rule 168) checks.
UPN = re.compile(r"(?![IOS])[A-Z](\d{12}|\d{11}[A-Z])|UN[1-5]")


def _upn(value: str) -> str:
    upn = "".join((value or "").split()).upper()
    if upn and not UPN.fullmatch(upn):
        raise ValidationFailed(
            "Enter the unique pupil number as 13 characters, like A123456789012, or UN1 to "
            "UN5 when it is not known",
            field="upn",
        )
    return upn


def _motherhood(d: PersonDetails, sex: str, born: date | None) -> dict[str, Any]:
    """Whether the young person is a mother, and her first child's date of birth
    (SSDA903 MOTHER and MC_DOB): recorded for girls only."""
    if d.is_mother is not None and sex == Sex.MALE:
        raise ValidationFailed(
            "Only a girl or young woman is recorded as a mother", field="is_mother"
        )
    first = _past_date(d.first_child_born_on, "first_child_born_on")
    if first is not None and d.is_mother is not True:
        raise ValidationFailed(
            "Leave the first child's date of birth empty unless she is a mother",
            field="first_child_born_on",
        )
    if d.is_mother is True and first is None:
        raise ValidationFailed(
            "Enter the date of birth of her first child", field="first_child_born_on"
        )
    if first is not None and born is not None and first <= born:
        raise ValidationFailed(
            "Her first child's date of birth must be after her own", field="first_child_born_on"
        )
    return {"is_mother": d.is_mother, "first_child_born_on": first}


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
        "upn": _upn(d.upn),
    }
    values.update(_motherhood(d, values["sex"], values["date_of_birth"]))
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
    """A new child's record. Police may record any local authority as the home authority
    (from the call, so that its children's services are told); children's services get
    their own authority and may not name another."""
    if not rules.has_perm("people.create", actor):
        raise PermissionDenied(NOT_ALLOWED)
    values = _validated(details)
    named = values["home_authority"]
    if _is_childrens_services(actor) and named is not None and named.pk != actor.organisation_id:
        raise _own_authority_only(actor)
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
            verb=PeopleVerb.PERSON_CREATED,
            changes={k: _jsonable(v) for k, v in values.items() if v not in ("", None, False)},
        )
    return person


def _jsonable(value: Any) -> Any:
    if isinstance(value, Organisation):
        return value.name
    if isinstance(value, date):
        return value.isoformat()
    return value


def _check_home_authority(actor: User, person: Person, new: Organisation | None) -> None:
    """A home authority may be recorded where there is none (children's services: only
    their own); once recorded, nobody moves it to another authority or clears it here:
    another authority is given sight of the child by sharing the record."""
    new_id = new.pk if new is not None else None
    if new_id == person.home_authority_id:
        return
    if person.home_authority is not None:
        name = person.home_authority.name
        raise ValidationFailed(
            f"The home local authority is {name} and cannot be changed here. To let another "
            f"authority see this child, {name}'s children's services can share the record "
            "from the child's page ('Share this record')",
            field="home_authority",
        )
    if _is_childrens_services(actor) and new_id != actor.organisation_id:
        raise _own_authority_only(actor)


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
        person = get_person_for_user(
            actor, person_id, action="people.change", purpose="change details", for_update=True
        )
        _check_version(person, version)
        _check_home_authority(actor, person, values["home_authority"])
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
            verb=PeopleVerb.PERSON_UPDATED,
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
        person = get_person_for_user(
            actor, person_id, action="people.change", purpose="add alias", for_update=True
        )
        alias = Alias.objects.create(person=person, name=name, kind=kind)
        _refresh_name_keys(person)
        _bump(person)
        timeline_record(
            actor=actor,
            subject_type=SUBJECT,
            subject_id=person.pk,
            verb=PeopleVerb.ALIAS_ADDED,
            changes={"alias": name, "kind": kind},
        )
    return alias


def police_force_for(person: Person) -> Organisation | None:
    """The police force a flag on this child is placed with (R-FLG-01, R-FLG-06): the force
    of the current placement's address, else the force of the child's home authority."""
    current = person.placements.filter(ended_on__isnull=True).select_related("host_force").first()
    if current is not None and current.host_force is not None:
        return current.host_force
    if person.home_authority is not None:
        return force_covering_authority(person.home_authority)
    return None


def _flag_mode(actor: User, person: Person) -> tuple[str, Organisation | None]:
    """How the actor's flag is placed: ``direct`` (police; children's services under a
    direct arrangement with the force), ``request`` or ``none`` (R-FLG-01), and the force."""
    org = actor.organisation
    if org is None:
        raise PermissionDenied("You must belong to an organisation to raise a flag")
    if org.is_police:
        return FlagPlacement.DIRECT, org.force
    force = police_force_for(person)
    if force is None:
        return FlagPlacement.NONE, None
    return flag_placement_between(org, force), force


@dataclass(frozen=True)
class FlagOutcome:
    """What asking to flag a child did: a flag placed, or a request to the police."""

    flag: Flag | None = None
    request: FlagRequest | None = None


def _flag_values(kind: str, evidence: str, review_on: date | None) -> tuple[str, str, date]:
    kind = _choice(kind, FlagKind, "kind")
    evidence = _text(evidence, "evidence", required=True, max_len=MAX_TEXT, multiline=True)
    if review_on is None:
        raise ValidationFailed("Enter the date the flag is to be reviewed", field="review_on")
    if review_on <= timezone.localdate():
        raise ValidationFailed("Review date must be in the future", field="review_on")
    if review_on > shift_years(timezone.localdate(), FLAG_REVIEW_YEARS):
        raise ValidationFailed("Review date must be within the next 12 months", field="review_on")
    return kind, evidence, review_on


def flag_place(
    *, actor: User, person_id: int, kind: str, evidence: str, review_on: date | None
) -> FlagOutcome:
    """Flag a child as the actor's organisation may (R-FLG-01): police place the flag;
    children's services place it where their arrangement with the force says ``direct``,
    ask the force's coordinators where it says ``request`` (or there is none), and are
    refused, with the reason, where it says ``none``."""
    kind, evidence, review_on = _flag_values(kind, evidence, review_on)
    with transaction.atomic():
        person = get_person_for_user(
            actor, person_id, action="people.raise_flag", purpose="raise flag", for_update=True
        )
        mode, force = _flag_mode(actor, person)
        if mode == FlagPlacement.DIRECT:
            return FlagOutcome(flag=_flag_write(actor, person, kind, evidence, review_on))
        if mode == FlagPlacement.NONE or force is None:
            raise _no_flag_arrangement(actor, force)
        request = _flag_request_from(actor, person, force, kind, evidence, review_on)
        return FlagOutcome(request=request)


def _no_flag_arrangement(actor: User, force: Organisation | None) -> ValidationFailed:
    where = force.name if force else "the police force for this child's address"
    return ValidationFailed(
        f"{actor.organisation} has no arrangement with {where} to flag children: "
        "speak to the police's missing person coordinator (R-FLG-01)",
        field="kind",
    )


def _flag_request_from(
    actor: User,
    person: Person,
    force: Organisation,
    kind: str,
    evidence: str,
    review_on: date,
) -> FlagRequest:
    request = flag_request_land(
        actor=actor,
        person=person,
        kind=kind,
        reason=f"{evidence}\n\nReview by {review_on:%d %B %Y}.",
        source=f"Children's services, {actor.organisation}",
        force=force,
    )
    _bump(person)
    return request


def flag_request_make(
    *, actor: User, person_id: int, kind: str, evidence: str, review_on: date | None
) -> FlagRequest:
    """Children's services ask the police to place a flag (R-FLG-01/02): the request waits
    on the coordinators' list of the force policing the child's placement (or home
    authority), whatever their arrangement with that force, unless it says ``none`` (then
    refused, as ``flag_place`` refuses). The police place flags themselves."""
    kind, evidence, review_on = _flag_values(kind, evidence, review_on)
    with transaction.atomic():
        person = get_person_for_user(
            actor, person_id, action="people.raise_flag", purpose="request a flag", for_update=True
        )
        org = actor.organisation
        if org is not None and org.is_police:
            raise PermissionDenied("The police place flags themselves: raise the flag (R-FLG-01)")
        mode, force = _flag_mode(actor, person)
        if mode == FlagPlacement.NONE or force is None:
            raise _no_flag_arrangement(actor, force)
        return _flag_request_from(actor, person, force, kind, evidence, review_on)


def flag_raise(
    *, actor: User, person_id: int, kind: str, evidence: str, review_on: date | None
) -> Flag:
    """Place a flag or marker (R-FLG-01..03) directly: police, and children's services
    whose arrangement with the force says ``direct``; anyone else is refused (they ask
    through ``flag_place``)."""
    kind, evidence, review_on = _flag_values(kind, evidence, review_on)
    with transaction.atomic():
        person = get_person_for_user(
            actor, person_id, action="people.raise_flag", purpose="raise flag", for_update=True
        )
        mode, force = _flag_mode(actor, person)
        if mode != FlagPlacement.DIRECT:
            raise PermissionDenied(
                f"{actor.organisation} does not place flags directly with "
                f"{force or 'the police'}: ask the police to place it (R-FLG-01)"
            )
        return _flag_write(actor, person, kind, evidence, review_on)


def _flag_write(actor: User, person: Person, kind: str, evidence: str, review_on: date) -> Flag:
    assert actor.organisation is not None  # _flag_mode refused otherwise
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
        verb=PeopleVerb.FLAG_RAISED,
        changes={"flag": kind, "review_on": review_on.isoformat()},
        rationale=evidence,
        rule_ids=["R-FLG-01", "R-FLG-03"],
    )
    return flag


def _same_organisation(actor: User, org: Organisation) -> bool:
    """The actor belongs to ``org``, or both are of one police force."""
    mine = actor.organisation
    if mine is None:
        return False
    if mine.pk == org.pk:
        return True
    return mine.is_police and org.is_police and mine.force == org.force


def flag_end(*, actor: User, flag_id: int, reason: str) -> Flag:
    """End a flag, with a reason: the organisation that placed it, or an officer of the
    rank the force's profile names (R-FLG-01); never a call handler for a CSE flag
    (R-FLG-04). The flag is found and the actor's permission checked before anything they
    sent is: a flag that does not exist and a flag of a child they may not see get the same
    answer, whatever the reason says."""
    with transaction.atomic():
        flag = get_flag_for_user(
            actor, flag_id, action="people.raise_flag", purpose="end flag", for_update=True
        )
        if flag.ended_at is not None:
            raise ValidationFailed("This flag has already ended", field="flag")
        force = actor.organisation.force if actor.organisation else None
        profile = None
        if force is not None and force.policy_profile:
            try:
                profile = load_profile(force.policy_profile)
            except (ValueError, ProfileErrors):
                profile = None
        verdict = may_end_flag(
            profile,
            kind=flag.kind,
            by_role=policy_role_of(actor),
            own_organisation=_same_organisation(actor, flag.raised_by_org),
        )
        if not verdict.allowed:
            raise PermissionDenied("; ".join(f"{r.text} ({r.rule})" for r in verdict.reasons))
        reason = _text(reason, "reason", required=True, max_len=MAX_TEXT, multiline=True)
        flag.ended_at = timezone.now()
        flag.ended_reason = reason
        flag.save(update_fields=["ended_at", "ended_reason"])
        _bump(flag.person)
        timeline_record(
            actor=actor,
            subject_type=SUBJECT,
            subject_id=flag.person_id,
            verb=PeopleVerb.FLAG_ENDED,
            changes={"flag": flag.kind},
            rationale=reason,
            rule_ids=[r.rule for r in verdict.reasons],
        )
    return flag


def policy_role_of(user: User) -> str:
    """The most senior of the user's roles in the policy engine's words (C-15)."""
    names = [POLICY_ROLE[r] for r in user.role_codes if r in POLICY_ROLE]
    police = [n for n in names if n in POLICE_RANK]
    if police:
        return max(police, key=lambda n: POLICE_RANK[n])
    return names[0] if names else "other"


# --- Allocation -------------------------------------------------------------------------

ALLOCATABLE: dict[str, str] = {
    Role.SOCIAL_WORKER: "a social worker",
    Role.IRO: "an independent reviewing officer",
}


def allocation_set(*, actor: User, person_id: int, role: str, user_id: int) -> AllocatedWorker:
    """A team manager of the child's responsible authority allocates a social worker or an
    IRO of that authority to the child; whoever held that role for the child is ended the
    same day (one current allocation per role). The worker is told."""
    if role not in ALLOCATABLE:
        raise ValidationFailed(
            "Choose social worker or independent reviewing officer", field="role"
        )
    with transaction.atomic():
        person = get_person_for_user(
            actor, person_id, action="people.allocate", purpose="allocate worker", for_update=True
        )
        worker = User.objects.filter(pk=user_id, is_active=True).first()
        if (
            worker is None
            or worker.organisation_id != person.home_authority_id
            or not worker.has_role(role)
        ):
            raise ValidationFailed(
                f"Choose {ALLOCATABLE[role]} of {person.home_authority}", field="user"
            )
        today = timezone.localdate()
        current = AllocatedWorker.objects.filter(person=person, role=role, ended_on__isnull=True)
        previous = current.select_related("user").first()
        if previous is not None and previous.user_id == worker.pk:
            raise ValidationFailed(f"{worker} is already allocated", field="user")
        current.update(ended_on=today)
        allocation = AllocatedWorker.objects.create(
            person=person, user=worker, role=role, started_on=today, allocated_by=actor
        )
        _bump(person)
        timeline_record(
            actor=actor,
            subject_type=SUBJECT,
            subject_id=person.pk,
            verb=PeopleVerb.WORKER_ALLOCATED,
            changes={
                "role": role,
                "worker": worker.full_name,
                "previous": previous.user.full_name if previous else "",
            },
        )
        notify(
            rule="R-OWN-08",
            event_key=f"allocation:{allocation.pk}",
            subject_type=SUBJECT,
            subject_id=person.pk,
            title=f"A child has been allocated to you as {ALLOCATABLE[role]}",
            link=f"/people/{person.pk}/",
            recipients=[Recipient(user=worker)],
        )
    return allocation


def allocation_end(*, actor: User, allocation_id: int, reason: str) -> AllocatedWorker:
    """A team manager ends an allocation, with a reason."""
    reason = _text(reason, "reason", required=True, max_len=MAX_TEXT, multiline=True)
    with transaction.atomic():
        person_id = (
            AllocatedWorker.objects.filter(pk=allocation_id)
            .values_list("person_id", flat=True)
            .first()
        )
        if person_id is None:
            raise NotFound("No such allocation")
        try:
            person = get_person_for_user(
                actor,
                person_id,
                action="people.allocate",
                purpose="end allocation",
                for_update=True,
            )
        except NotFound:
            raise NotFound("No such allocation") from None
        allocation = AllocatedWorker.objects.select_related("user").get(pk=allocation_id)
        if allocation.ended_on is not None:
            raise WrongState("This allocation has already ended", field="allocation")
        allocation.ended_on = timezone.localdate()
        allocation.save(update_fields=["ended_on"])
        _bump(person)
        timeline_record(
            actor=actor,
            subject_type=SUBJECT,
            subject_id=person.pk,
            verb=PeopleVerb.ALLOCATION_ENDED,
            changes={"role": allocation.role, "worker": allocation.user.full_name},
            rationale=reason,
        )
    return allocation


def _host_from_postcode(
    postcode: str, host_authority: Organisation | None
) -> tuple[str, str, Organisation, Organisation | None]:
    """The placement's postcode, district, host authority and host force, from the ONS
    postcode directory (agencies/geography.py): the user is not asked what the postcode
    already says, and an authority that contradicts it is refused, naming both."""
    try:
        found = covering(postcode)
    except PostcodeError as exc:
        raise ValidationFailed(str(exc), field="postcode") from None
    area = found.located.area
    if area is None:
        # A district outside Misper's table: the user names the host authority.
        host = _required_authority(host_authority, "host_authority")
        return found.located.postcode, found.located.district, host, force_covering_authority(host)
    if found.authority is None:
        raise ValidationFailed(
            f"{found.located.postcode} is in the area of {area.authority_name}, which is not "
            "set up in Misper: ask a system administrator to add it (R-OOA-01)",
            field="postcode",
        )
    if host_authority is not None and host_authority.pk != found.authority.pk:
        raise ValidationFailed(
            f"{found.located.postcode} is in the area of {found.authority.name}, not "
            f"{host_authority.name}: leave the host authority blank, or check the postcode",
            field="host_authority",
        )
    return found.located.postcode, found.located.district, found.authority, found.force


def placement_record(
    *,
    actor: User,
    person_id: int,
    placement_type: str,
    address: str,
    postcode: str = "",
    provider: Organisation | None = None,
    placing_authority: Organisation | None,
    host_authority: Organisation | None = None,
    started_on: date | None,
    emergency: bool = False,
    dfe: PlacementReturnDetails | None = None,
) -> Placement:
    """A new placement; the current one (if any) ends the day the new one starts. The
    child becomes looked after, with the placing authority as their home authority.

    Only children's services of the child's responsible authority (or of any authority
    that sees a child who has none yet) record a placement, and they name their own
    authority as the placing authority (R-OWN-08). With a postcode, the host authority and
    the police force of the address come from the ONS postcode directory; without one,
    the host authority is named and its force is the one with a policing area there. A
    host or a force other than the placing authority's is an out-of-area placement
    (R-OOA-01): it gives the host authority's children's services and the provider's carers
    sight of the child (R-NTF-32), and the apps registered in ``hooks`` act on it (the
    pre-placement assessment's deadline, the host authority and force told).

    ``dfe`` holds what the DfE's SSDA903 return needs of the placement (R-DAT-04): legal
    status, category of need, the DfE's placement type, provider, Ofsted number, the
    reason the child left the previous placement and the home postcode before care."""
    placement_type = _choice(placement_type, PlacementType, "placement_type")
    return_details = _return_details(dfe or PlacementReturnDetails())
    address = _text(address, "address", required=True, max_len=300)
    postcode = _text(postcode, "postcode", max_len=10).upper()
    placing = _required_authority(placing_authority, "placing_authority")
    if host_authority is not None:
        host_authority = _required_authority(host_authority, "host_authority")
    district = ""
    if postcode:
        postcode, district, host, force = _host_from_postcode(postcode, host_authority)
    else:
        host = _required_authority(host_authority, "host_authority")
        force = force_covering_authority(host)
    started = _required_past_date(started_on, "started_on")
    if provider is not None and provider.kind not in CARE_PROVIDER_KINDS:
        raise ValidationFailed("The provider must be a care provider", field="provider")
    with transaction.atomic():
        person = get_person_for_user(
            actor,
            person_id,
            action="people.record_placement",
            purpose="record placement",
            for_update=True,
        )
        if placing.pk != actor.organisation_id:
            own = actor.organisation.name if actor.organisation else "your own authority"
            raise ValidationFailed(
                f"The placing authority must be your own authority ({own}): a placement is "
                "recorded by the authority that places the child",
                field="placing_authority",
            )
        if person.date_of_birth is not None and started < person.date_of_birth:
            raise ValidationFailed(
                "A placement cannot start before the child's date of birth", field="started_on"
            )
        current = person.placements.filter(ended_on__isnull=True).first()
        if current is None and return_details["change_reason"]:
            raise ValidationFailed(
                "There is no previous placement to leave: leave the reason for the move empty",
                field="change_reason",
            )
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
            district=district,
            placing_authority=placing,
            host_authority=host,
            host_force=force,
            started_on=started,
            emergency=emergency,
            **return_details,
        )
        person.care_status = CareStatus.LOOKED_AFTER
        person.home_authority = placing
        person.version += 1
        person.save(update_fields=["care_status", "home_authority", "version"])
        refresh_search_keys(person)  # the placement's postcode district is a search key
        place_link_note(
            person=person,
            postcode=postcode,
            description=address,
            source=LinkSource.PLACEMENT,
            source_id=placement.pk,
            on=started,
        )
        timeline_record(
            actor=actor,
            subject_type=SUBJECT,
            subject_id=person.pk,
            verb=PeopleVerb.PLACEMENT_RECORDED,
            changes={
                "placement_type": placement_type,
                "provider": provider.name if provider else "",
                "placing_authority": placing.name,
                "host_authority": host.name,
                "host_force": force.name if force else "",
                "started_on": started.isoformat(),
                "out_of_area": placement.out_of_area,
                "emergency": emergency,
                **{k: v for k, v in return_details.items() if v},
            },
            rule_ids=["R-OWN-08", "R-OOA-01"],
        )
        placement_recorded(actor, placement)
    return placement


@dataclass(frozen=True)
class PlacementReturnDetails:
    """What the DfE's SSDA903 return needs of a placement that Misper does not otherwise
    hold (R-DAT-04; docs/insights.md): each a DfE code, blank when not recorded."""

    legal_status: str = ""
    category_of_need: str = ""
    dfe_placement_type: str = ""
    provided_by: str = ""
    ofsted_urn: str = ""
    change_reason: str = ""
    home_postcode: str = ""


# An Ofsted unique reference number: digits, or SC and digits (children's homes).
OFSTED_URN = re.compile(r"(SC)?\d{6,7}")


def _return_details(d: PlacementReturnDetails) -> dict[str, str]:
    urn = "".join((d.ofsted_urn or "").split()).upper()
    if urn and not OFSTED_URN.fullmatch(urn):
        raise ValidationFailed(
            "Enter the Ofsted unique reference number as on the Ofsted report, like SC123456 "
            "or 2654321",
            field="ofsted_urn",
        )
    return {
        "legal_status": _choice(d.legal_status, PlacementLegalStatus, "legal_status", blank=True),
        "category_of_need": _choice(
            d.category_of_need, CategoryOfNeed, "category_of_need", blank=True
        ),
        "dfe_placement_type": _choice(
            d.dfe_placement_type, DfePlacementType, "dfe_placement_type", blank=True
        ),
        "provided_by": _choice(d.provided_by, PlacementProvider, "provided_by", blank=True),
        "ofsted_urn": urn,
        "change_reason": _choice(
            d.change_reason, PlacementChangeReason, "change_reason", blank=True
        ),
        "home_postcode": _text(d.home_postcode, "home_postcode", max_len=10).upper(),
    }


NO_SUCH_PLACEMENT = "No such placement"


def placement_return_set(
    *, actor: User, person_id: int, placement_id: int, version: int, dfe: PlacementReturnDetails
) -> Placement:
    """Record (or correct) what the DfE's SSDA903 return needs of a placement already
    recorded (R-DAT-04): by children's services of the placing authority, who record the
    placement (R-OWN-08). ``version`` is the child's record's version the user loaded. A
    placement that does not exist, and one of a child the user may not see, are "No such
    placement"."""
    values = _return_details(dfe)
    with transaction.atomic():
        try:
            person = get_person_for_user(
                actor,
                person_id,
                action="people.record_placement",
                purpose="record a placement's details for the DfE return",
                for_update=True,
            )
        except NotFound:
            raise NotFound(NO_SUCH_PLACEMENT) from None
        placement = Placement.objects.filter(pk=placement_id, person=person).first()
        if placement is None:
            raise NotFound(NO_SUCH_PLACEMENT)
        if placement.placing_authority_id != actor.organisation_id:
            raise PermissionDenied(
                f"Only {placement.placing_authority.name}, which made the placement, records "
                "its details (R-OWN-08)"
            )
        _check_version(person, version)
        moved_from = person.placements.filter(ended_on=placement.started_on).exclude(
            pk=placement.pk
        )
        if values["change_reason"] and not moved_from.exists():
            raise ValidationFailed(
                "There is no previous placement to leave: leave the reason for the move empty",
                field="change_reason",
            )
        changes = {
            k: {"from": getattr(placement, k), "to": v}
            for k, v in values.items()
            if getattr(placement, k) != v
        }
        if not changes:
            return placement
        for key, value in values.items():
            setattr(placement, key, value)
        placement.save(update_fields=list(values))
        _bump(person)
        timeline_record(
            actor=actor,
            subject_type=SUBJECT,
            subject_id=person.pk,
            verb=PeopleVerb.PLACEMENT_RETURN_RECORDED,
            changes={"placement": placement.pk, **changes},
        )
    return placement


def placing_force(placement: Placement) -> Organisation | None:
    """The police force of the placing authority's own area."""
    return force_covering_authority(placement.placing_authority)


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
    notes = _text(notes, "notes", max_len=MAX_TEXT, multiline=True)
    last_seen_on = _past_date(last_seen_on, "last_seen_on")
    with transaction.atomic():
        person = get_person_for_user(
            actor, person_id, action="people.change", purpose="add associate", for_update=True
        )
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
            verb=PeopleVerb.ASSOCIATE_ADDED,
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
        person = get_person_for_user(
            actor, person_id, action="people.change", purpose="add place", for_update=True
        )
        place = Place.objects.create(
            person=person, description=description, postcode=postcode, last_seen_on=last_seen_on
        )
        place_link_note(
            person=person,
            postcode=postcode,
            description=description,
            source=LinkSource.PLACE,
            source_id=place.pk,
            on=last_seen_on or timezone.localdate(),
        )
        _bump(person)
        timeline_record(
            actor=actor,
            subject_type=SUBJECT,
            subject_id=person.pk,
            verb=PeopleVerb.PLACE_ADDED,
            changes={"place": description, "postcode": postcode},
        )
    return place


# --- What another agency shares with the police (R-RHI-09) ----------------------------------
#
# The sharing service of the app that holds the information (a return interview) has
# checked that its user may share it from the record they opened; these functions land it
# on the child's record with its source, in that service's transaction. They are the only
# way such an item reaches the child's record, and they open nothing to the sharer.


def shared_associate_land(
    *,
    actor: User,
    person: Person,
    name: str,
    relationship: str,
    age: int | None,
    notes: str,
    source: str,
) -> Associate:
    associate = Associate.objects.create(
        person=person,
        name=name,
        relationship=relationship,
        is_adult=None if age is None else age >= ADULT_AGE,
        notes=notes,
        last_seen_on=timezone.localdate(),
        source=source,
    )
    _bump(person)
    timeline_record(
        actor=actor,
        subject_type=SUBJECT,
        subject_id=person.pk,
        verb=PeopleVerb.ASSOCIATE_ADDED,
        changes={"associate": name, "relationship": relationship, "source": source},
        rule_ids=["R-RHI-09"],
    )
    return associate


def shared_place_land(
    *, actor: User, person: Person, description: str, postcode: str, source: str
) -> Place:
    place = Place.objects.create(
        person=person,
        description=description,
        postcode=postcode,
        last_seen_on=timezone.localdate(),
        source=source,
    )
    place_link_note(
        person=person,
        postcode=postcode,
        description=description,
        source=LinkSource.PLACE,
        source_id=place.pk,
        on=place.last_seen_on or timezone.localdate(),
    )
    _bump(person)
    timeline_record(
        actor=actor,
        subject_type=SUBJECT,
        subject_id=person.pk,
        verb=PeopleVerb.PLACE_ADDED,
        changes={"place": description, "postcode": postcode, "source": source},
        rule_ids=["R-RHI-09"],
    )
    return place


def flag_request_land(
    *, actor: User, person: Person, kind: str, reason: str, source: str, force: Organisation
) -> FlagRequest:
    """A request to the police to place a flag (R-FLG-02): it waits on the force's missing
    person coordinators' list (selectors.flag_requests_for_user)."""
    kind = _choice(kind, FlagKind, "flag_kind")
    if actor.organisation is None:
        raise PermissionDenied("You must belong to an organisation to request a flag")
    request = FlagRequest.objects.create(
        person=person,
        kind=kind,
        reason=reason,
        source=source,
        force=force,
        requested_by=actor,
        requested_by_org=actor.organisation,
    )
    timeline_record(
        actor=actor,
        subject_type=SUBJECT,
        subject_id=person.pk,
        verb=PeopleVerb.FLAG_REQUESTED,
        changes={"flag": kind, "source": source},
        rationale=reason,
        rule_ids=["R-FLG-02", "R-RHI-09"],
    )
    return request


def flag_request_decide(
    *,
    actor: User,
    request_id: int,
    accept: bool,
    reason: str = "",
    review_on: date | None = None,
) -> FlagRequest:
    """A coordinator accepts a flag request (the flag is raised by their force with the
    request as its evidence, R-FLG-01/03) or declines it with a reason."""
    with transaction.atomic():
        request = get_flag_request_for_user(actor, request_id, for_update=True)
        if request.status != FlagRequestStatus.PENDING:
            raise WrongState("This request has already been decided", field="request")
        reason = _text(reason, "reason", required=not accept, max_len=MAX_TEXT, multiline=True)
        now = timezone.now()
        person = request.person
        if accept:
            review_on = review_on or shift_years(timezone.localdate(), FLAG_REVIEW_YEARS)
            if review_on <= timezone.localdate():
                raise ValidationFailed("Review date must be in the future", field="review_on")
            if review_on > shift_years(timezone.localdate(), FLAG_REVIEW_YEARS):
                raise ValidationFailed(
                    "Review date must be within the next 12 months", field="review_on"
                )
            evidence = (
                f"{request.reason}\n\nRequested by {request.requested_by_org} ({request.source})."
            )
            if reason:
                evidence += f"\n\n{reason}"
            request.flag = Flag.objects.create(
                person=person,
                kind=request.kind,
                raised_by=actor,
                raised_by_org=request.force,
                evidence=evidence,
                review_on=review_on,
            )
            request.status = FlagRequestStatus.ACCEPTED
        else:
            request.status = FlagRequestStatus.DECLINED
        request.decided_by = actor
        request.decided_at = now
        request.decision_reason = reason
        request.save()
        _bump(person)
        timeline_record(
            actor=actor,
            subject_type=SUBJECT,
            subject_id=person.pk,
            verb=(PeopleVerb.FLAG_REQUEST_ACCEPTED if accept else PeopleVerb.FLAG_REQUEST_DECLINED),
            changes={"flag": request.kind},
            rationale=reason,
            rule_ids=["R-FLG-02"] + (["R-FLG-01", "R-FLG-03"] if accept else []),
        )
    return request


# --- Sharing the record ------------------------------------------------------------------

SHAREABLE_KINDS = frozenset({OrganisationKind.LOCAL_AUTHORITY}) | CARE_PROVIDER_KINDS


def person_share(
    *, actor: User, person_id: int, organisation: Organisation | None, reason: str
) -> PersonShare:
    """Share the child's record with another local authority's children's services or a
    care provider: its staff then see the child as the responsible authority's own do,
    until the share is ended. Only children's services of the child's responsible (home)
    authority may share. The child is found and the actor's permission checked before
    anything they sent; the share is on the child's timeline and in the audit log."""
    with transaction.atomic():
        person = get_person_for_user(
            actor, person_id, action="people.share", purpose="share record", for_update=True
        )
        if organisation is None:
            raise ValidationFailed(
                "Choose the organisation to share the record with", field="organisation"
            )
        if organisation.kind not in SHAREABLE_KINDS:
            raise ValidationFailed(
                "A record can be shared only with a local authority or a care provider",
                field="organisation",
            )
        if organisation.pk == person.home_authority_id:
            raise ValidationFailed(
                f"{organisation.name} is the child's home local authority: it sees the record "
                "already",
                field="organisation",
            )
        if person.shares.filter(organisation=organisation, ended_at__isnull=True).exists():
            raise ValidationFailed(
                f"The record is already shared with {organisation.name}", field="organisation"
            )
        reason = _text(reason, "reason", required=True, max_len=MAX_TEXT, multiline=True)
        share = PersonShare.objects.create(
            person=person, organisation=organisation, reason=reason, granted_by=actor
        )
        _record_sharing(actor, person, PeopleVerb.RECORD_SHARED, organisation, reason)
    return share


def _record_sharing(
    actor: User, person: Person, verb: PeopleVerb, organisation: Organisation, reason: str
) -> None:
    """A share made or ended: on the child's timeline and in the audit log."""
    _bump(person)
    timeline_record(
        actor=actor,
        subject_type=SUBJECT,
        subject_id=person.pk,
        verb=verb,
        changes={"shared_with": organisation.name},
        rationale=reason,
    )
    made = verb is PeopleVerb.RECORD_SHARED
    audit_record(
        user=actor,
        action=AuditAction.SHARE if made else AuditAction.SHARE_ENDED,
        subject_type=SUBJECT,
        subject_id=person.pk,
        purpose=f"{'shared' if made else 'ended sharing'} with {organisation.name}",
        reason=reason,
    )


def person_share_end(*, actor: User, share_id: int, reason: str) -> PersonShare:
    """End a share: the organisation no longer sees the child through it. Only children's
    services of the child's responsible authority may end it; like sharing, it is on the
    child's timeline and in the audit log. A share that does not exist and one of a child
    the actor may not see get the same answer, whatever the reason says."""
    with transaction.atomic():
        share = get_share_for_user(
            actor, share_id, action="people.share", purpose="end share", for_update=True
        )
        if share.ended_at is not None:
            raise ValidationFailed("This share has already ended", field="share")
        reason = _text(reason, "reason", required=True, max_len=MAX_TEXT, multiline=True)
        organisation = share.organisation
        share.ended_at = timezone.now()
        share.ended_by = actor
        share.ended_reason = reason
        share.save(update_fields=["ended_at", "ended_by", "ended_reason"])
        _record_sharing(actor, share.person, PeopleVerb.SHARE_ENDED, organisation, reason)
    return share


# --- Photographs ------------------------------------------------------------------------

PHOTO_MAX_BYTES = 5 * 1024 * 1024
PHOTO_MAX_PIXELS = 40_000_000  # 40 megapixels: larger is refused before it is decoded
PHOTO_JPEG_QUALITY = 85
PHOTO_FILE_MODE = 0o600
_PHOTO_TYPES = {b"\xff\xd8\xff": "JPEG", b"\x89PNG\r\n\x1a\n": "PNG"}


def _photo_as_clean_jpeg(content: bytes) -> bytes:
    """Decode the upload fully (JPEG or PNG only), turn it upright by its EXIF orientation
    and encode it afresh as a JPEG carrying no metadata: no EXIF (so no GPS position), no
    XMP, no ICC profile, no comments, and nothing that followed the image in the upload.
    Anything that does not decode as a whole image, or is larger than PHOTO_MAX_PIXELS, is
    refused."""
    import io
    import warnings

    from PIL import Image, ImageOps

    not_an_image = ValidationFailed("The photograph must be a JPEG or PNG file", field="photo")
    too_big = ValidationFailed(
        f"The photograph must be smaller than {PHOTO_MAX_PIXELS // 1_000_000} megapixels",
        field="photo",
    )
    if not content.startswith(tuple(_PHOTO_TYPES)):
        raise not_an_image
    try:
        with warnings.catch_warnings():
            # Pillow's own guard against decompression bombs warns before it errors.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(content), formats=list(_PHOTO_TYPES.values())) as image:
                width, height = image.size
                if width < 1 or height < 1 or width * height > PHOTO_MAX_PIXELS:
                    raise too_big
                image.load()  # the whole image: a truncated or corrupt file fails here
                try:
                    upright = ImageOps.exif_transpose(image)
                except Exception:  # unreadable orientation: keep the photograph as it is
                    upright = image
                # A fresh image holds the pixels only: nothing of the upload's metadata.
                clean = Image.new("RGB", upright.size, "white")
                if upright.mode in ("RGBA", "LA", "PA") or "transparency" in upright.info:
                    rgba = upright.convert("RGBA")
                    clean.paste(rgba, mask=rgba.getchannel("A"))
                else:
                    clean.paste(upright.convert("RGB"))
    except ValidationFailed:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise too_big from exc
    except Exception as exc:  # Pillow's decoders raise many kinds of error on bad input
        raise not_an_image from exc
    out = io.BytesIO()
    clean.save(out, format="JPEG", quality=PHOTO_JPEG_QUALITY, optimize=True)
    return out.getvalue()


def person_photo_set(
    *, actor: User, person_id: int, content: bytes, taken_on: date | None
) -> Person:
    """Store the child's photograph (R-REC-12) outside the web root under a random name
    (never the child's name), to be served only through a permission check. JPEG or PNG,
    at most 5 MB and 40 megapixels, decoded in full and stored re-encoded as a JPEG without
    its metadata (so never where it was taken), readable by the service's user only
    (0600). A replaced photograph's file is deleted once the change has committed."""
    import os
    import secrets
    from collections.abc import Callable
    from functools import partial

    from django.core.files.base import ContentFile

    if not content:
        raise ValidationFailed("Choose a photograph", field="photo")
    if len(content) > PHOTO_MAX_BYTES:
        raise ValidationFailed("The photograph must be smaller than 5 MB", field="photo")
    jpeg = _photo_as_clean_jpeg(content)
    taken = _past_date(taken_on, "taken_on", required=True)
    discard_new: Callable[[], Any] | None = None
    try:
        with transaction.atomic():
            person = get_person_for_user(
                actor, person_id, action="people.change", purpose="add photograph", for_update=True
            )
            old = person.photo.name if person.photo else ""
            person.photo.save(f"{secrets.token_hex(16)}.jpg", ContentFile(jpeg), save=False)
            new_name = person.photo.name
            storage = person.photo.storage
            discard_new = partial(storage.delete, new_name)
            try:
                path = storage.path(new_name)
            except NotImplementedError:  # a storage without local files sets its own access
                pass
            else:
                os.chmod(path, PHOTO_FILE_MODE)
            person.photo_taken_on = taken
            person.version += 1
            person.save(update_fields=["photo", "photo_taken_on", "version"])
            timeline_record(
                actor=actor,
                subject_type=SUBJECT,
                subject_id=person.pk,
                verb=PeopleVerb.PHOTO_ADDED,
                changes={"taken_on": taken.isoformat() if taken else None, "replaced": bool(old)},
                rule_ids=["R-REC-12"],
            )
            if old and old != new_name:
                # Only once the new photograph is committed: a rollback keeps the old one.
                transaction.on_commit(partial(storage.delete, old), robust=True)
    except BaseException:
        if discard_new is not None:  # the change did not happen: the new file must not stay
            discard_new()
        raise
    return person

"""API: the child's record. The same capabilities as the record pages, through the same
selectors and services: search, create, open (audited), change with a version, and add
aliases, flags, placements, associates and places, and share the record with another
organisation (and end the share); a force's coordinators decide the requests to flag that
other agencies send (R-FLG-02). Every child, flag and share is fetched through the people
selectors' choke point, so a missing object and one the user may not see get the same
answer. Organisations are referred to by id; an unknown id is a 400 naming the field. Dates
are ISO 8601; closed vocabularies are their code values."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from django.db.models import F, prefetch_related_objects
from django.http import FileResponse, HttpRequest
from django.utils import timezone
from ninja import Field, File, Form, Router, Schema, Status
from ninja.files import UploadedFile

from misper.agencies.models import Organisation
from misper.agencies.selectors import acting_user
from misper.api.schemas import ERRORS, Id, PersonRefOut, RefId, named_as_sent
from misper.core.errors import NotFound, PermissionDenied, ValidationFailed
from misper.people import selectors, services
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
from misper.people.models import (
    Alias,
    AllocatedWorker,
    Associate,
    Flag,
    FlagRequest,
    FlagRequestStatus,
    Person,
    PersonShare,
    Place,
    Placement,
)

router = Router(tags=["people"])


# --- Schemas -------------------------------------------------------------------------------


class OrganisationRef(Schema):
    id: int
    name: str


class AliasOut(Schema):
    id: int
    name: str
    kind: AliasKind
    added_at: datetime


class FlagOut(Schema):
    id: int
    kind: FlagKind
    raised_by: str | None
    raised_by_org: OrganisationRef
    raised_at: datetime
    evidence: str
    review_on: date
    active: bool
    ended_at: datetime | None
    ended_reason: str


class PlacementReturnIn(Schema):
    """What the DfE's SSDA903 return needs of a placement (R-DAT-04; docs/insights.md):
    each the DfE's code; null (or empty) when not recorded."""

    legal_status: PlacementLegalStatus | None = Field(
        None, description="The 903's LS: the legal status under which the child is placed"
    )
    category_of_need: CategoryOfNeed | None = Field(
        None,
        description="The 903's CIN; on a later placement of the same period of care, null "
        "keeps the one recorded before",
    )
    dfe_placement_type: DfePlacementType | None = Field(
        None,
        description="The 903's PLACE; null: from placement_type where that says it "
        "(children_home K2, secure_unit K1, semi_independent K3)",
    )
    provided_by: PlacementProvider | None = Field(None, description="The 903's PLACE_PROVIDER")
    ofsted_urn: str = Field("", max_length=10, description="The 903's URN, like SC123456")
    change_reason: PlacementChangeReason | None = Field(
        None,
        description="The 903's REASON_PLACE_CHANGE: why the child left the previous "
        "placement for this one; null for a first placement",
    )
    home_postcode: str = Field(
        "", max_length=10, description="The 903's HOME_POST: the child's home before care"
    )


class PlacementReturnOut(PlacementReturnIn):
    pass


class PlacementReturnUpdateIn(PlacementReturnIn):
    version: int = Field(
        ..., description="The child's record's version you read; a stale one is refused (409)"
    )


class PlacementOut(Schema):
    id: int
    placement_type: PlacementType
    provider: OrganisationRef | None
    address: str
    postcode: str
    district: str = Field(
        description="The ONS local authority district of the postcode ('' without one)"
    )
    placing_authority: OrganisationRef
    host_authority: OrganisationRef = Field(
        description="The authority whose area holds the address (from the postcode)"
    )
    host_force: OrganisationRef | None = Field(
        description="The police force whose area holds the address (R-OOA-01, R-NTF-07); "
        "null where Misper does not hold that force"
    )
    started_on: date
    ended_on: date | None
    emergency: bool
    out_of_area: bool = Field(
        description="Placed outside the placing authority's area, or in another force's "
        "area than the placing authority's (R-OOA-01)"
    )
    dfe: PlacementReturnOut


class ShareOut(Schema):
    """The record shared with another organisation, whose children's services or carers see
    the child as the responsible authority's own do while the share is active."""

    id: int
    organisation: OrganisationRef
    reason: str
    granted_by: str
    granted_at: datetime
    active: bool
    ended_at: datetime | None
    ended_by: str | None
    ended_reason: str


class AssociateOut(Schema):
    id: int
    name: str
    relationship: str
    is_adult: bool | None
    notes: str
    last_seen_on: date | None


class PlaceOut(Schema):
    id: int
    description: str
    postcode: str
    last_seen_on: date | None


class PersonSummaryOut(Schema):
    """The child's details, without what others have added to the record."""

    id: int
    version: int
    given_name: str
    family_name: str
    date_of_birth: date | None
    estimated_age: int | None
    age: int | None
    sex: Sex
    ethnicity: Ethnicity
    phone: str
    la_child_id: str
    police_person_id: str
    home_address: str
    home_postcode: str
    home_authority: OrganisationRef | None
    care_status: CareStatus
    legal_status: LegalStatus | None
    subject_to_cj_order: bool
    subject_to_secure_order: bool
    liable_to_arrest: bool
    upn: str = Field(description="Unique pupil number, or UN1 to UN5 ('' not recorded)")
    is_mother: bool | None = Field(description="For the DfE's return; null: not recorded")
    first_child_born_on: date | None


class PersonOut(PersonSummaryOut):
    aliases: list[AliasOut]
    placements: list[PlacementOut]
    flags: list[FlagOut]
    associates: list[AssociateOut]
    places: list[PlaceOut]
    shares: list[ShareOut]


class MatchOut(Schema):
    id: int
    given_name: str
    family_name: str
    aliases: list[str]
    date_of_birth: date | None
    estimated_age: int | None
    care_status: CareStatus
    active_flags: list[FlagKind]
    score: float
    reasons: list[str]
    strength: str = Field(
        description="How far what was entered agrees with this child: only a strong match "
        "may be taken for the child; none strong means no confident match"
    )
    probability: float = Field(description="That this row is the child, the rows competing")
    duplicates: list[int] = Field(
        description="Other records that look like the same child (possible duplicates)"
    )


class SearchIn(Schema):
    name: str = Field("", max_length=200, description="Any order: 'Jayden Smith', 'Smith Jayden'")
    date_of_birth: date | None = None
    year_of_birth: int | None = Field(
        None, description="When only part of the date of birth is known: the year"
    )
    month_of_birth: int | None = Field(None, description="With year_of_birth: the month, 1 to 12")
    age: int | None = Field(None, ge=0, le=25)
    phone: str = Field("", max_length=32)
    postcode: str = Field(
        "",
        max_length=10,
        description="The child's home or placement postcode, whole or its first part ('B12')",
    )


class PersonIn(Schema):
    given_name: str = Field(..., max_length=100)
    family_name: str = Field(..., max_length=100)
    date_of_birth: date | None = None
    estimated_age: int | None = Field(None, description="When the date of birth is not known")
    sex: Sex = Sex.UNKNOWN
    ethnicity: Ethnicity = Ethnicity.NOBT
    phone: str = Field("", max_length=32)
    la_child_id: str = Field("", max_length=32)
    police_person_id: str = Field("", max_length=32)
    home_address: str = Field("", max_length=300)
    home_postcode: str = Field("", max_length=10)
    home_authority: RefId | None = Field(None, description="Id of a local authority")
    care_status: CareStatus = CareStatus.AT_HOME
    legal_status: LegalStatus | None = None
    subject_to_cj_order: bool = False
    subject_to_secure_order: bool = False
    liable_to_arrest: bool = False
    upn: str = Field(
        "",
        max_length=20,
        description="For the DfE's return: the unique pupil number (13 characters), or UN1 to "
        "UN5, the DfE's codes for why it is not known",
    )
    is_mother: bool | None = Field(
        None, description="For the DfE's return, for a girl or young woman: null not recorded"
    )
    first_child_born_on: date | None = Field(
        None, description="For a mother: her first child's date of birth"
    )


class PersonUpdateIn(PersonIn):
    version: int = Field(..., description="The version you read; a stale one is refused (409)")


class AliasIn(Schema):
    name: str = Field(..., max_length=200)
    kind: AliasKind = AliasKind.ALSO_KNOWN_AS


class FlagIn(Schema):
    kind: FlagKind
    evidence: str = Field(..., max_length=4000)
    review_on: date


class FlagEndIn(Schema):
    # Checked by the service after the flag is found (at most 4000 characters), so that a
    # flag the user may not see and a missing flag get the same answer whatever is sent.
    reason: str = Field("", description="Why the flag ends; required, at most 4000 characters")


class ShareIn(Schema):
    organisation: RefId = Field(..., description="Id of a local authority or a care provider")
    reason: str = Field("", description="Why the record is shared; required")


class ShareEndIn(Schema):
    reason: str = Field("", description="Why the share ends; required")


class PlacementIn(Schema):
    placement_type: PlacementType
    provider: RefId | None = Field(None, description="Id of a care provider")
    address: str = Field(..., max_length=300)
    postcode: str = Field("", max_length=10)
    placing_authority: RefId = Field(
        ..., description="Id of a local authority: your own (GET /organisations/directory)"
    )
    host_authority: RefId | None = Field(
        None,
        description="Id of the local authority whose area holds the address: leave it out "
        "when the postcode says it (one that contradicts the postcode is refused, naming "
        "both); needed without a postcode, or for a postcode outside Misper's region",
    )
    started_on: date
    emergency: bool = False
    dfe: PlacementReturnIn | None = Field(
        None, description="For the DfE's SSDA903 return (R-DAT-04); null: nothing recorded"
    )


class AssociateIn(Schema):
    name: str = Field(..., max_length=200)
    relationship: str = Field("", max_length=100)
    is_adult: bool | None = None
    notes: str = Field("", max_length=4000)
    last_seen_on: date | None = None


class PlaceIn(Schema):
    description: str = Field(..., max_length=300)
    postcode: str = Field("", max_length=10)
    last_seen_on: date | None = None


# --- Conversions ---------------------------------------------------------------------------


def _org_ref(org: Organisation | None) -> OrganisationRef | None:
    return OrganisationRef(id=org.pk, name=org.name) if org is not None else None


def _organisation(org_id: int | None, field: str) -> Organisation | None:
    if org_id is None:
        return None
    org = Organisation.objects.filter(pk=org_id).first()
    if org is None:
        raise ValidationFailed(f"No organisation has the id {org_id}", field=field)
    return org


def _is_police(user: Any) -> bool:
    org = user.organisation
    return org is not None and org.is_police


def _details(body: PersonIn) -> services.PersonDetails:
    return services.PersonDetails(
        given_name=body.given_name,
        family_name=body.family_name,
        date_of_birth=body.date_of_birth,
        estimated_age=body.estimated_age,
        sex=body.sex.value,
        ethnicity=body.ethnicity.value,
        phone=body.phone,
        la_child_id=body.la_child_id,
        police_person_id=body.police_person_id,
        home_address=body.home_address,
        home_postcode=body.home_postcode,
        home_authority=_organisation(body.home_authority, "home_authority"),
        care_status=body.care_status.value,
        legal_status=body.legal_status.value if body.legal_status else "",
        subject_to_cj_order=body.subject_to_cj_order,
        subject_to_secure_order=body.subject_to_secure_order,
        liable_to_arrest=body.liable_to_arrest,
        upn=body.upn,
        is_mother=body.is_mother,
        first_child_born_on=body.first_child_born_on,
    )


def _return_details(body: PlacementReturnIn | None) -> services.PlacementReturnDetails:
    if body is None:
        return services.PlacementReturnDetails()
    return services.PlacementReturnDetails(
        legal_status=body.legal_status.value if body.legal_status else "",
        category_of_need=body.category_of_need.value if body.category_of_need else "",
        dfe_placement_type=body.dfe_placement_type.value if body.dfe_placement_type else "",
        provided_by=body.provided_by.value if body.provided_by else "",
        ofsted_urn=body.ofsted_urn,
        change_reason=body.change_reason.value if body.change_reason else "",
        home_postcode=body.home_postcode,
    )


def _summary_fields(p: Person) -> dict[str, Any]:
    return {
        "id": p.pk,
        "version": p.version,
        "given_name": p.given_name,
        "family_name": p.family_name,
        "date_of_birth": p.date_of_birth,
        "estimated_age": p.estimated_age,
        "age": p.age_on(timezone.localdate()),
        "sex": p.sex,
        "ethnicity": p.ethnicity,
        "phone": p.phone,
        "la_child_id": p.la_child_id,
        "police_person_id": p.police_person_id,
        "home_address": p.home_address,
        "home_postcode": p.home_postcode,
        "home_authority": _org_ref(p.home_authority),
        "care_status": p.care_status,
        "legal_status": p.legal_status or None,
        "subject_to_cj_order": p.subject_to_cj_order,
        "subject_to_secure_order": p.subject_to_secure_order,
        "liable_to_arrest": p.liable_to_arrest,
        "upn": p.upn,
        "is_mother": p.is_mother,
        "first_child_born_on": p.first_child_born_on,
    }


def _alias(a: Alias) -> AliasOut:
    return AliasOut(id=a.pk, name=a.name, kind=AliasKind(a.kind), added_at=a.added_at)


def _flag(f: Flag) -> FlagOut:
    return FlagOut(
        id=f.pk,
        kind=FlagKind(f.kind),
        raised_by=f.raised_by.full_name if f.raised_by else None,
        raised_by_org=OrganisationRef(id=f.raised_by_org.pk, name=f.raised_by_org.name),
        raised_at=f.raised_at,
        evidence=f.evidence,
        review_on=f.review_on,
        active=f.active,
        ended_at=f.ended_at,
        ended_reason=f.ended_reason,
    )


def _out_of_area(p: Placement) -> bool:
    """Placed by one authority into another's area, or into the area of another force
    than the placing authority's own (R-OOA-01)."""
    if p.out_of_area:
        return True
    if p.host_force_id is None:
        return False
    own = services.placing_force(p)
    return own is not None and own.pk != p.host_force_id


def _placement(p: Placement) -> PlacementOut:
    return PlacementOut(
        id=p.pk,
        placement_type=PlacementType(p.placement_type),
        provider=_org_ref(p.provider),
        address=p.address,
        postcode=p.postcode,
        district=p.district,
        placing_authority=OrganisationRef(id=p.placing_authority.pk, name=p.placing_authority.name),
        host_authority=OrganisationRef(id=p.host_authority.pk, name=p.host_authority.name),
        host_force=_org_ref(p.host_force),
        started_on=p.started_on,
        ended_on=p.ended_on,
        emergency=p.emergency,
        out_of_area=_out_of_area(p),
        dfe=PlacementReturnOut(
            legal_status=p.legal_status or None,  # type: ignore[arg-type]
            category_of_need=p.category_of_need or None,  # type: ignore[arg-type]
            dfe_placement_type=p.dfe_placement_type or None,  # type: ignore[arg-type]
            provided_by=p.provided_by or None,  # type: ignore[arg-type]
            ofsted_urn=p.ofsted_urn,
            change_reason=p.change_reason or None,  # type: ignore[arg-type]
            home_postcode=p.home_postcode,
        ),
    )


def _associate(a: Associate) -> AssociateOut:
    return AssociateOut(
        id=a.pk,
        name=a.name,
        relationship=a.relationship,
        is_adult=a.is_adult,
        notes=a.notes,
        last_seen_on=a.last_seen_on,
    )


def _place(p: Place) -> PlaceOut:
    return PlaceOut(
        id=p.pk, description=p.description, postcode=p.postcode, last_seen_on=p.last_seen_on
    )


def _share(s: PersonShare) -> ShareOut:
    return ShareOut(
        id=s.pk,
        organisation=OrganisationRef(id=s.organisation.pk, name=s.organisation.name),
        reason=s.reason,
        granted_by=s.granted_by.full_name,
        granted_at=s.granted_at,
        active=s.active,
        ended_at=s.ended_at,
        ended_by=s.ended_by.full_name if s.ended_by else None,
        ended_reason=s.ended_reason,
    )


def _person(p: Person) -> PersonOut:
    return PersonOut(
        **_summary_fields(p),
        aliases=[_alias(a) for a in p.aliases.all()],
        placements=[_placement(x) for x in p.placements.all()],
        flags=[_flag(f) for f in p.flags.all()],
        associates=[_associate(a) for a in p.associates.all()],
        places=[_place(x) for x in p.places.all()],
        shares=[_share(x) for x in p.shares.all()],
    )


# --- Endpoints -----------------------------------------------------------------------------


@router.post("/people/search", response={200: list[MatchOut], **ERRORS})
def people_search(request: HttpRequest, body: SearchIn) -> list[MatchOut]:
    """Children who may be the one on the call, best first, with their active flags. The
    name in any order; the whole date of birth, or only part of it (``year_of_birth``,
    with ``month_of_birth`` or not); an age; a phone; a home or placement postcode. What
    cannot be read is refused with 400 naming the field."""
    user = acting_user(request)
    matches = selectors.person_search(
        user,
        name=body.name,
        date_of_birth=body.date_of_birth,
        year_of_birth=body.year_of_birth,
        month_of_birth=body.month_of_birth,
        age=body.age,
        phone=body.phone,
        postcode=body.postcode,
    )
    prefetch_related_objects([m.person for m in matches], "aliases", "flags")
    return [
        MatchOut(
            id=m.person.pk,
            given_name=m.person.given_name,
            family_name=m.person.family_name,
            aliases=[a.name for a in m.person.aliases.all()],
            date_of_birth=m.person.date_of_birth,
            estimated_age=m.person.estimated_age,
            care_status=CareStatus(m.person.care_status),
            active_flags=[FlagKind(f.kind) for f in m.person.flags.all() if f.active],
            score=m.score,
            reasons=list(m.reasons),
            strength=m.strength,
            probability=m.probability,
            duplicates=list(m.duplicates),
        )
        for m in matches
    ]


@router.post("/people", response={201: PersonSummaryOut, **ERRORS})
def person_create(request: HttpRequest, body: PersonIn) -> Status[PersonSummaryOut]:
    person = services.person_create(actor=acting_user(request), details=_details(body))
    return Status(201, PersonSummaryOut(**_summary_fields(person)))


@router.get("/people/mine", response={200: list[PersonSummaryOut], **ERRORS})
def people_mine(request: HttpRequest) -> list[PersonSummaryOut]:
    """A carer's children placed with them now; children's services' children."""
    children = selectors.my_children(acting_user(request)).select_related("home_authority")
    return [PersonSummaryOut(**_summary_fields(p)) for p in children]


@router.get("/people/{person_id}", response={200: PersonOut, **ERRORS})
def person_detail(request: HttpRequest, person_id: Id) -> PersonOut:
    """The child's record. Every opening is written to the audit log."""
    person = selectors.get_person_for_user(
        acting_user(request), person_id, purpose="view record (API)"
    )
    return _person(person)


@router.put("/people/{person_id}", response={200: PersonSummaryOut, **ERRORS})
def person_update(request: HttpRequest, person_id: Id, body: PersonUpdateIn) -> PersonSummaryOut:
    """Change the child's details. Send the ``version`` you read: if the record changed
    since, nothing is saved and the answer is 409 ``concurrent_edit``."""
    person = services.person_update(
        actor=acting_user(request),
        person_id=person_id,
        version=body.version,
        details=_details(body),
    )
    return PersonSummaryOut(**_summary_fields(person))


@router.post("/people/{person_id}/aliases", response={201: AliasOut, **ERRORS})
def alias_add(request: HttpRequest, person_id: Id, body: AliasIn) -> Status[AliasOut]:
    alias = services.alias_add(
        actor=acting_user(request), person_id=person_id, name=body.name, kind=body.kind.value
    )
    return Status(201, _alias(alias))


@router.post("/people/{person_id}/flags", response={201: FlagOut, **ERRORS})
def flag_raise(request: HttpRequest, person_id: Id, body: FlagIn) -> Status[FlagOut]:
    """Place a flag or marker on the child's record (R-FLG-01..03): the police, and
    children's services whose arrangement with the force says they place flags directly.
    Other children's services are refused (403) and ask the police instead:
    ``POST /people/{person_id}/flag-requests``."""
    actor = acting_user(request)
    try:
        flag = services.flag_raise(
            actor=actor,
            person_id=person_id,
            kind=body.kind.value,
            evidence=body.evidence,
            review_on=body.review_on,
        )
    except PermissionDenied as exc:
        if exc.message != selectors.NOT_ALLOWED and not _is_police(actor):
            exc.message = (
                f"{exc.message}: send a request to flag, "
                f"POST /api/v1/people/{person_id}/flag-requests"
            )
        raise
    return Status(201, _flag(flag))


@router.post("/flags/{flag_id}/end", response={200: FlagOut, **ERRORS})
def flag_end(request: HttpRequest, flag_id: Id, body: FlagEndIn) -> FlagOut:
    """End a flag. A flag that does not exist and a flag of a child you may not see are
    both 404 "No such flag"; the reason is checked only after that."""
    flag = services.flag_end(actor=acting_user(request), flag_id=flag_id, reason=body.reason)
    return _flag(flag)


@router.post("/people/{person_id}/shares", response={201: ShareOut, **ERRORS})
def person_share(request: HttpRequest, person_id: Id, body: ShareIn) -> Status[ShareOut]:
    """Share the child's record with another local authority or a care provider (children's
    services of the child's home authority only). Audited and on the child's timeline."""
    share = services.person_share(
        actor=acting_user(request),
        person_id=person_id,
        organisation=_organisation(body.organisation, "organisation"),
        reason=body.reason,
    )
    return Status(201, _share(share))


@router.post("/shares/{share_id}/end", response={200: ShareOut, **ERRORS})
def person_share_end(request: HttpRequest, share_id: Id, body: ShareEndIn) -> ShareOut:
    """End a share: the organisation no longer sees the child through it. A share that does
    not exist and one of a child you may not see are both 404 "No such share"."""
    share = services.person_share_end(
        actor=acting_user(request), share_id=share_id, reason=body.reason
    )
    return _share(share)


@router.post("/people/{person_id}/placements", response={201: PlacementOut, **ERRORS})
def placement_record(
    request: HttpRequest, person_id: Id, body: PlacementIn
) -> Status[PlacementOut]:
    """A new placement, by children's services of the child's responsible authority, who
    name their own authority as the placing authority (R-OWN-08); the current one ends the
    day it starts. With a postcode, the host authority, the police force and the district
    come from the ONS postcode directory; an out-of-area placement tells the host
    authority and force (R-OOA-01) and sets the pre-placement assessment's deadline
    (R-PPA-01)."""
    placement = services.placement_record(
        actor=acting_user(request),
        person_id=person_id,
        placement_type=body.placement_type.value,
        address=body.address,
        postcode=body.postcode,
        provider=_organisation(body.provider, "provider"),
        placing_authority=_organisation(body.placing_authority, "placing_authority"),
        host_authority=_organisation(body.host_authority, "host_authority"),
        started_on=body.started_on,
        emergency=body.emergency,
        dfe=_return_details(body.dfe),
    )
    return Status(201, _placement(placement))


@router.put(
    "/people/{person_id}/placements/{placement_id}/dfe", response={200: PlacementOut, **ERRORS}
)
def placement_return_set(
    request: HttpRequest, person_id: Id, placement_id: Id, body: PlacementReturnUpdateIn
) -> PlacementOut:
    """Record (or correct) what the DfE's SSDA903 return needs of a placement already
    recorded (R-DAT-04; every field, as ``dfe`` when recording a placement): children's
    services of the authority that made it. Send the child's record's ``version``: if it
    changed since, nothing is saved (409). A placement that does not exist, and one of a
    child you may not see, are 404 "No such placement"."""
    placement = services.placement_return_set(
        actor=acting_user(request),
        person_id=person_id,
        placement_id=placement_id,
        version=body.version,
        dfe=_return_details(body),
    )
    return _placement(placement)


@router.post("/people/{person_id}/associates", response={201: AssociateOut, **ERRORS})
def associate_add(request: HttpRequest, person_id: Id, body: AssociateIn) -> Status[AssociateOut]:
    associate = services.associate_add(
        actor=acting_user(request),
        person_id=person_id,
        name=body.name,
        relationship=body.relationship,
        is_adult=body.is_adult,
        notes=body.notes,
        last_seen_on=body.last_seen_on,
    )
    return Status(201, _associate(associate))


@router.post("/people/{person_id}/places", response={201: PlaceOut, **ERRORS})
def place_add(request: HttpRequest, person_id: Id, body: PlaceIn) -> Status[PlaceOut]:
    place = services.place_add(
        actor=acting_user(request),
        person_id=person_id,
        description=body.description,
        postcode=body.postcode,
        last_seen_on=body.last_seen_on,
    )
    return Status(201, _place(place))


class PhotoOut(Schema):
    person_id: int
    taken_on: date | None
    version: int


@router.post("/people/{person_id}/photo", response={201: PhotoOut, **ERRORS})
def photo_set(
    request: HttpRequest,
    person_id: Id,
    photo: UploadedFile = File(...),  # noqa: B008 - django-ninja's declaration style
    taken_on: date = Form(...),  # noqa: B008
) -> Status[PhotoOut]:
    """Upload the child's photograph (JPEG or PNG, under 5 MB; R-REC-12)."""
    person = services.person_photo_set(
        actor=acting_user(request), person_id=person_id, content=photo.read(), taken_on=taken_on
    )
    return Status(
        201, PhotoOut(person_id=person.pk, taken_on=person.photo_taken_on, version=person.version)
    )


@router.get("/people/{person_id}/photo", response={200: None, **ERRORS})
def photo_get(request: HttpRequest, person_id: Id) -> FileResponse:
    """The photograph itself; the read is audited."""
    user = acting_user(request)
    person = selectors.get_person_for_user(user, person_id, purpose="view photograph")
    if not person.photo:
        raise NotFound("No photograph")
    response = FileResponse(person.photo.open("rb"))
    response["Cache-Control"] = "no-store"
    return response


# --- Requests to flag (R-FLG-02, R-RHI-09) ---------------------------------------------------


class FlagRequestOut(Schema):
    """Another agency (a return interview, say) asks the police to place a flag: it waits
    on the force's missing person and CSE coordinators' list until one accepts it (the flag
    is raised, with the request as its evidence) or declines it with a reason."""

    id: int
    person: PersonRefOut
    kind: FlagKind
    reason: str
    source: str = Field(description="Where it came from, e.g. the return interview and date")
    force: OrganisationRef = Field(description="The force asked to place the flag")
    requested_by_org: OrganisationRef
    requested_at: datetime
    status: FlagRequestStatus = Field(description="pending | accepted | declined")
    decided_by: str | None
    decided_at: datetime | None
    decision_reason: str
    flag_id: int | None = Field(description="The flag raised when accepted")


class FlagRequestDecisionIn(Schema):
    accept: bool
    reason: str = Field(
        "", max_length=4000, description="Required when declining; added to the evidence"
    )
    review_on: date | None = Field(
        None, description="When the flag is reviewed (accepting; default: in 12 months)"
    )


def _flag_request(r: FlagRequest) -> FlagRequestOut:
    return FlagRequestOut(
        id=r.pk,
        person=PersonRefOut(id=r.person.pk, name=r.person.name),
        kind=FlagKind(r.kind),
        reason=r.reason,
        source=r.source,
        force=OrganisationRef(id=r.force.pk, name=r.force.name),
        requested_by_org=OrganisationRef(id=r.requested_by_org.pk, name=r.requested_by_org.name),
        requested_at=r.requested_at,
        status=FlagRequestStatus(r.status),
        decided_by=r.decided_by.full_name if r.decided_by else None,
        decided_at=r.decided_at,
        decision_reason=r.decision_reason,
        flag_id=r.flag_id,
    )


@router.get("/flag-requests", response={200: list[FlagRequestOut], **ERRORS})
def flag_requests(request: HttpRequest) -> list[FlagRequestOut]:
    """The requests to flag waiting for your force, newest first: for its missing person
    and CSE coordinators. An empty list for everyone else (nobody else has a list)."""
    pending = selectors.flag_requests_for_user(acting_user(request)).select_related("force")
    return [_flag_request(r) for r in pending]


@router.post("/flag-requests/{request_id}/decision", response={200: FlagRequestOut, **ERRORS})
def flag_request_decide(
    request: HttpRequest, request_id: Id, body: FlagRequestDecisionIn
) -> FlagRequestOut:
    """A coordinator of the force asked accepts the request (the flag is raised by the
    force, R-FLG-01/03) or declines it with a reason. A request that does not exist and one
    made to another force, or seen by anyone but its coordinators, are both 404."""
    decided = services.flag_request_decide(
        actor=acting_user(request),
        request_id=request_id,
        accept=body.accept,
        reason=body.reason,
        review_on=body.review_on,
    )
    return _flag_request(decided)


class FlagRequestIn(Schema):
    kind: FlagKind
    evidence: str = Field(..., max_length=4000, description="Why the child should be flagged")
    review_on: date = Field(description="When the flag should be reviewed (within 12 months)")


@router.post("/people/{person_id}/flag-requests", response={201: FlagRequestOut, **ERRORS})
def flag_request_make(
    request: HttpRequest, person_id: Id, body: FlagRequestIn
) -> Status[FlagRequestOut]:
    """Children's services ask the police to place a flag (R-FLG-01/02): the request waits
    on the list of the coordinators of the force policing the child's placement (or home
    authority), who accept it (the force places the flag) or decline it with a reason.
    Refused (400, naming ``kind``) where the authority's arrangement with that force says
    it does not flag children; the police place flags themselves (403)."""
    made = services.flag_request_make(
        actor=acting_user(request),
        person_id=person_id,
        kind=body.kind.value,
        evidence=body.evidence,
        review_on=body.review_on,
    )
    return Status(201, _flag_request(made))


@router.get("/people/{person_id}/flag-requests", response={200: list[FlagRequestOut], **ERRORS})
def flag_requests_about(request: HttpRequest, person_id: Id) -> list[FlagRequestOut]:
    """The requests to flag the child that you may follow, newest first, with their
    status and decision: those your organisation made, and, for the police, those made to
    your force. 404 for a child you may not see."""
    user = acting_user(request)
    person = selectors.get_person_for_user(user, person_id, purpose="view flag requests (API)")
    return [_flag_request(r) for r in selectors.flag_requests_about(user, person)]


# --- Allocated workers ---------------------------------------------------------------------


class UserRef(Schema):
    id: int
    name: str


class AllocationOut(Schema):
    """A social worker or independent reviewing officer allocated to the child: one
    current allocation per role; a new one ends the one before."""

    id: int
    role: str = Field(description="social_worker | independent_reviewing_officer")
    role_label: str
    worker: UserRef
    started_on: date
    ended_on: date | None = Field(description="null while current")
    current: bool
    allocated_by: str | None


class AllocationIn(Schema):
    role: Literal["social_worker", "independent_reviewing_officer"]
    user_id: RefId = Field(description="A worker of the child's responsible authority")


class AllocationEndIn(Schema):
    reason: str = Field("", description="Why the allocation ends; required")


def _allocation(a: AllocatedWorker) -> AllocationOut:
    return AllocationOut(
        id=a.pk,
        role=a.role,
        role_label=services.ALLOCATABLE.get(a.role, a.role).capitalize(),
        worker=UserRef(id=a.user.pk, name=a.user.full_name),
        started_on=a.started_on,
        ended_on=a.ended_on,
        current=a.ended_on is None,
        allocated_by=a.allocated_by.full_name if a.allocated_by else None,
    )


@router.get("/people/{person_id}/allocations", response={200: list[AllocationOut], **ERRORS})
def allocations(request: HttpRequest, person_id: Id) -> list[AllocationOut]:
    """The child's allocated social workers and IROs: the current ones first, then those
    ended, latest first. For everyone who sees the child (the read is audited)."""
    person = selectors.get_person_for_user(
        acting_user(request), person_id, purpose="view allocated workers (API)"
    )
    rows = person.allocations.select_related("user", "allocated_by").order_by(
        F("ended_on").desc(nulls_first=True), "-started_on", "-id"
    )
    return [_allocation(a) for a in rows]


@router.post("/people/{person_id}/allocations", response={201: AllocationOut, **ERRORS})
def allocation_set(
    request: HttpRequest, person_id: Id, body: AllocationIn
) -> Status[AllocationOut]:
    """A team manager of the child's responsible authority allocates a social worker or an
    IRO of that authority; whoever held that role for the child is ended the same day. The
    worker is told. 403 for anyone else who sees the child."""
    with named_as_sent(user="user_id"):
        allocation = services.allocation_set(
            actor=acting_user(request),
            person_id=person_id,
            role=body.role,
            user_id=body.user_id,
        )
    return Status(201, _allocation(allocation))


@router.post("/allocations/{allocation_id}/end", response={200: AllocationOut, **ERRORS})
def allocation_end(request: HttpRequest, allocation_id: Id, body: AllocationEndIn) -> AllocationOut:
    """A team manager ends an allocation, with a reason. An allocation that does not
    exist and one of a child you may not see are both 404 "No such allocation"."""
    ended = services.allocation_end(
        actor=acting_user(request), allocation_id=allocation_id, reason=body.reason
    )
    return _allocation(ended)

"""API: who am I, organisations (and the directory of those a user may name), health of
the audit chain."""

from __future__ import annotations

from datetime import datetime

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from misper.agencies import selectors
from misper.api.schemas import ERRORS, Id

router = Router(tags=["agencies"])


class OrganisationOut(Schema):
    id: int
    kind: str
    name: str
    code: str
    parent_id: int | None


class MeOut(Schema):
    id: int
    email: str
    full_name: str
    organisation: OrganisationOut | None
    roles: list[str]


class MemberOut(Schema):
    id: int
    full_name: str
    roles: list[str]


class OrganisationDetailOut(OrganisationOut):
    members: list[MemberOut]


def _org(o: object) -> OrganisationOut:
    return OrganisationOut.from_orm(o)


@router.get("/me", response={200: MeOut, **ERRORS})
def me(request: HttpRequest) -> MeOut:
    user = selectors.acting_user(request)
    return MeOut(
        id=user.pk,
        email=user.email,
        full_name=user.full_name,
        organisation=_org(user.organisation) if user.organisation else None,
        roles=sorted(user.role_codes),
    )


@router.get("/organisations", response={200: list[OrganisationOut], **ERRORS})
def organisations(request: HttpRequest) -> list[OrganisationOut]:
    user = selectors.acting_user(request)
    return [_org(o) for o in selectors.organisations_for_user(user).order_by("name")]


class DirectoryFilters(Schema):
    kind: str = Field(
        "",
        max_length=40,
        description="local_authority | police_force | policing_area | childrens_home | "
        "fostering_agency | foster_carer | semi_independent | rhi_provider ('': all)",
    )
    q: str = Field("", max_length=200, description="Part of the name")


class DirectoryEntryOut(Schema):
    """An organisation a user may name: its name and kind only, nothing about children."""

    id: int
    name: str
    kind: str
    kind_label: str = Field(description="The kind in words")
    ons_code: str = Field(
        description="The ONS code of an authority's or a force's area ('' when none)"
    )
    parent_id: int | None = Field(description="A policing area's force; an agency's parent")
    local_authority_id: int | None = Field(
        description="The authority whose area it is in (a care provider, a policing area)"
    )


@router.get("/organisations/directory", response={200: list[DirectoryEntryOut], **ERRORS})
def organisation_directory(
    request: HttpRequest, filters: Query[DirectoryFilters]
) -> list[DirectoryEntryOut]:
    """The authorities, forces, policing areas, care providers and return-interview
    providers a user may name (a placement's provider, placing and host authority), by
    kind then name, at most 200: for every signed-in member of an organisation. An
    unknown ``kind`` is a 400 naming it."""
    rows = selectors.organisation_directory(
        selectors.acting_user(request), kind=filters.kind, q=filters.q
    )
    return [
        DirectoryEntryOut(
            id=o.pk,
            name=o.name,
            kind=o.kind,
            kind_label=o.get_kind_display(),
            ons_code=o.ons_code,
            parent_id=o.parent_id,
            local_authority_id=o.local_authority_id,
        )
        for o in rows
    ]


@router.get("/organisations/{organisation_id}", response={200: OrganisationDetailOut, **ERRORS})
def organisation(request: HttpRequest, organisation_id: Id) -> OrganisationDetailOut:
    user = selectors.acting_user(request)
    org = selectors.get_organisation_for_user(user, organisation_id)  # NotFound → 404
    members = [
        MemberOut(id=m.pk, full_name=m.full_name, roles=sorted(m.role_codes))
        for m in selectors.organisation_members(user, org)
    ]
    return OrganisationDetailOut(
        id=org.pk,
        kind=org.kind,
        name=org.name,
        code=org.code,
        parent_id=org.parent_id,
        members=members,
    )


class AuditRowOut(Schema):
    id: int
    at: datetime
    user: str
    organisation_id: int | None
    action: str
    subject_type: str
    subject_id: str
    purpose: str
    reason: str


@router.get("/audit", response={200: list[AuditRowOut], **ERRORS})
def audit(request: HttpRequest) -> list[AuditRowOut]:
    """Who in your organisation read, opened (with the reason they gave) or exported what,
    newest first, at most 500 rows: for inspectors and above, team managers and
    administrators (who see every organisation's). Others get 404."""
    user = selectors.acting_user(request)
    return [
        AuditRowOut(
            id=a.pk,
            at=a.at,
            user=a.user_label,
            organisation_id=a.organisation_id,
            action=a.action,
            subject_type=a.subject_type,
            subject_id=a.subject_id,
            purpose=a.purpose,
            reason=a.reason,
        )
        for a in selectors.audit_rows_of_organisation(user)
    ]

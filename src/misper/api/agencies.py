"""API: who am I, organisations, health of the audit chain."""

from __future__ import annotations

from datetime import datetime

from django.http import HttpRequest
from ninja import Router, Schema

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

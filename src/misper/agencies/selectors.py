"""Read-only queries. Every object a user asks for is fetched through a
``get_<thing>_for_user`` function that applies the permission rules, so a view or an
endpoint cannot forget them. A thing the user may not see is reported as not found."""

from __future__ import annotations

from dataclasses import dataclass

import rules
from django.db.models import Q, QuerySet
from django.http import HttpRequest

from misper.agencies.geography import Located, locate
from misper.agencies.models import ApiToken, Organisation, OrganisationKind, User
from misper.agencies.rules import is_system_admin
from misper.core.errors import NotFound, PermissionDenied, ValidationFailed
from misper.core.models import AuditEvent


def organisations_for_user(user: User) -> QuerySet[Organisation]:
    if is_system_admin(user):
        return Organisation.objects.all()
    org = user.organisation
    if org is None:
        return Organisation.objects.none()
    ids = {org.pk}
    if org.parent_id:
        ids.add(org.parent_id)
    return Organisation.objects.filter(Q(pk__in=ids) | Q(parent_id=org.pk))


def get_organisation_for_user(user: User, organisation_id: int) -> Organisation:
    org = Organisation.objects.select_related("parent").filter(pk=organisation_id).first()
    if org is None or not rules.has_perm("agencies.view_organisation", user, org):
        raise NotFound("No such organisation")
    return org


def organisation_members(user: User, organisation: Organisation) -> QuerySet[User]:
    if not rules.has_perm("agencies.view_organisation_members", user, organisation):
        raise NotFound("No such organisation")
    return (
        User.objects.filter(organisation=organisation, is_active=True)
        .prefetch_related("role_assignments")
        .order_by("full_name")
    )


def tokens_for_user(user: User) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(user=user).order_by("-created_at")


def audit_events(user: User) -> QuerySet[AuditEvent]:
    if not rules.has_perm("agencies.view_audit", user):
        raise NotFound("No such page")
    return AuditEvent.objects.select_related("organisation").order_by("-id")


def audit_rows_of_organisation(user: User, *, limit: int = 500) -> QuerySet[AuditEvent]:
    """What the people of the user's organisation read, opened or exported, newest first
    (an administrator sees everyone's)."""
    if not rules.has_perm("agencies.view_organisation_audit", user):
        raise NotFound("No such page")
    qs = AuditEvent.objects.select_related("organisation").order_by("-id")
    if not is_system_admin(user):
        if user.organisation_id is None:
            return qs.none()
        qs = qs.filter(organisation_id=user.organisation_id)
    return qs[:limit]


def acting_user(request: HttpRequest) -> User:
    """The signed-in user of a request (views are wrapped in login_required; the API's
    authentication sets request.user)."""
    user = request.user
    if not isinstance(user, User) or not user.is_authenticated:
        raise PermissionDenied("sign in first")
    return user


# The kinds a social worker names when recording a placement or an arrangement: care
# providers, local authorities, police forces and their areas (issue 10).
DIRECTORY_KINDS = (
    OrganisationKind.LOCAL_AUTHORITY,
    OrganisationKind.POLICE_FORCE,
    OrganisationKind.POLICING_AREA,
    OrganisationKind.CHILDRENS_HOME,
    OrganisationKind.FOSTERING_AGENCY,
    OrganisationKind.FOSTER_CARER,
    OrganisationKind.SEMI_INDEPENDENT,
    OrganisationKind.RHI_PROVIDER,
)


def organisation_directory(
    user: User, *, kind: str = "", q: str = "", limit: int = 200
) -> QuerySet[Organisation]:
    """The organisations a user may name (a placement's provider, an authority, a force):
    names and kinds only, nothing about children. Every signed-in member of an organisation
    may read it; ``kind`` and ``q`` (part of the name) narrow it."""
    if not getattr(user, "is_authenticated", False) or (
        user.organisation_id is None and not is_system_admin(user)
    ):
        raise PermissionDenied("sign in as a member of an organisation first")
    qs = Organisation.objects.filter(kind__in=DIRECTORY_KINDS).select_related(
        "parent", "local_authority"
    )
    if kind:
        if kind not in DIRECTORY_KINDS:
            raise ValidationFailed(
                "Choose a kind of organisation: "
                + ", ".join(str(k.value) for k in DIRECTORY_KINDS),
                field="kind",
            )
        qs = qs.filter(kind=kind)
    if q.strip():
        qs = qs.filter(name__icontains=q.strip()[:100])
    return qs.order_by("kind", "name")[:limit]


@dataclass(frozen=True)
class Covering:
    """The organisations in Misper that cover a postcode: the children's services
    authority, the police force, and the policing area of that force for the authority
    (None where Misper has no such organisation)."""

    located: Located
    authority: Organisation | None
    force: Organisation | None
    area: Organisation | None


def covering(postcode: str) -> Covering:
    """Who covers ``postcode`` (agencies/geography.py): PostcodeError if it is not a
    postcode in the ONS directory."""
    located = locate(postcode)
    authority = force = area = None
    if located.area is not None:
        authority = Organisation.objects.filter(
            kind=OrganisationKind.LOCAL_AUTHORITY, ons_code=located.area.authority
        ).first()
        force = Organisation.objects.filter(
            kind=OrganisationKind.POLICE_FORCE, ons_code=located.area.force
        ).first()
    if force is not None:
        areas = Organisation.objects.filter(kind=OrganisationKind.POLICING_AREA, parent=force)
        area = (
            areas.filter(local_authority=authority).order_by("name").first()
            if authority is not None
            else None
        ) or areas.order_by("name").first()
    return Covering(located, authority, force, area)


def force_covering_authority(authority: Organisation) -> Organisation | None:
    """The police force with a policing area in ``authority``'s area, if any."""
    area = (
        Organisation.objects.filter(kind=OrganisationKind.POLICING_AREA, local_authority=authority)
        .select_related("parent")
        .order_by("name")
        .first()
    )
    return area.parent if area is not None else None

"""Read-only queries. Every object a user asks for is fetched through a
``get_<thing>_for_user`` function that applies the permission rules, so a view or an
endpoint cannot forget them. A thing the user may not see is reported as not found."""

from __future__ import annotations

import rules
from django.db.models import Q, QuerySet
from django.http import HttpRequest

from misper.agencies.models import ApiToken, Organisation, User
from misper.agencies.rules import is_system_admin
from misper.core.errors import NotFound, PermissionDenied
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

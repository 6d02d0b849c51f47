"""Who may do what, said once. Services, views and the API all ask these predicates
(``rules``' ``has_perm``); templates only read the answers the views pass them."""

from __future__ import annotations

import rules

from misper.agencies.models import Organisation, User
from misper.agencies.roles import CHILDRENS_SERVICES_ROLES, POLICE_ROLES, RHI_ROLES, Role


@rules.predicate
def is_system_admin(user: User) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and user.has_role(Role.SYSTEM_ADMIN)


@rules.predicate
def is_police(user: User) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and user.has_role(*POLICE_ROLES)


@rules.predicate
def is_childrens_services(user: User) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and user.has_role(
        *CHILDRENS_SERVICES_ROLES
    )


@rules.predicate
def is_rhi(user: User) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and user.has_role(*RHI_ROLES)


@rules.predicate
def is_analyst(user: User) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and user.has_role(
        Role.ANALYST, Role.SAFEGUARDING_BOARD
    )


@rules.predicate
def is_member_of(user: User, organisation: Organisation | None) -> bool:
    """The user belongs to the organisation, or to the force it is an area of (and the
    reverse: a force's staff see its areas)."""
    if organisation is None or not getattr(user, "is_authenticated", False):
        return False
    own = user.organisation_id
    if own is None:
        return False
    return own in {organisation.pk, organisation.parent_id} or (
        organisation.pk == getattr(user.organisation, "parent_id", None)
    )


@rules.predicate
def is_token_owner(user: User, token: object) -> bool:
    return getattr(token, "user_id", None) == getattr(user, "pk", None)


rules.add_perm("agencies.view_organisation", is_member_of | is_system_admin)
rules.add_perm("agencies.view_organisation_members", is_member_of | is_system_admin)
rules.add_perm("agencies.manage_users", is_system_admin)
rules.add_perm("agencies.manage_own_tokens", rules.is_authenticated)
rules.add_perm("agencies.revoke_token", is_token_owner | is_system_admin)
rules.add_perm("agencies.verify_audit", is_system_admin)
rules.add_perm("agencies.view_audit", is_system_admin)


@rules.predicate
def is_senior_officer(user: User) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and user.has_role(
        Role.INSPECTOR, Role.CHIEF_INSPECTOR, Role.SUPERINTENDENT, Role.TEAM_MANAGER
    )


# Who read what in one's own organisation: its inspectors and above (police) or team
# managers (children's services), and administrators (everyone's).
rules.add_perm("agencies.view_organisation_audit", is_senior_officer | is_system_admin)
rules.add_perm("agencies.view_policy", is_police | is_analyst | is_system_admin)

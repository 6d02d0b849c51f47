"""Who may report, see and act on an episode. Fine-grained authority (who may lower a
high risk, confirm absent, settle a disagreement) is the policy engine's
(misper.policy.authority); these predicates decide who may use the episode pages at all."""

from __future__ import annotations

import rules

from misper.agencies.models import User
from misper.agencies.roles import POLICE_ROLES, Role

REPORTING_ROLES = (
    Role.CALL_HANDLER,
    Role.SERGEANT,
    Role.INSPECTOR,
    Role.CHIEF_INSPECTOR,
    Role.SUPERINTENDENT,
    Role.INVESTIGATING_OFFICER,
)


@rules.predicate
def can_report(user: User) -> bool:
    org = getattr(user, "organisation", None)
    return (
        bool(getattr(user, "is_authenticated", False))
        and user.has_role(*REPORTING_ROLES)
        and org is not None
        and org.force is not None
    )


rules.add_perm("episodes.report", can_report)


@rules.predicate
def is_restricted_for(user: User, episode: object) -> bool:
    """A restricted episode (R-RES-01) is hidden from everyone outside the force's police;
    inside it, opening it needs a stated reason (selectors.get_episode_for_user)."""
    return bool(getattr(episode, "restricted", False))


@rules.predicate
def is_force_police(user: User, episode: object) -> bool:
    """Police of the force whose episode it is."""
    org = getattr(user, "organisation", None)
    force = org.force if org is not None else None
    return (
        force is not None
        and user.has_role(*POLICE_ROLES)
        and getattr(episode, "force_id", None) == force.pk
    )


@rules.predicate
def can_see_child(user: User, episode: object) -> bool:
    person = getattr(episode, "person", None)
    return person is not None and rules.has_perm("people.view", user, person)


@rules.predicate
def is_case_worker(user: User) -> bool:
    return user.has_role(*REPORTING_ROLES)


rules.add_perm("episodes.view", is_force_police | (can_see_child & ~is_restricted_for))
rules.add_perm("episodes.act", is_force_police & is_case_worker)


SUPERVISORS = (Role.SERGEANT, Role.INSPECTOR, Role.CHIEF_INSPECTOR, Role.SUPERINTENDENT)

# Who may open a restricted episode, after stating a reason (R-RES-01 leaves it SILENT; a
# local choice, stated in docs/people-and-episodes.md).
RESTRICTED_ACCESS_ROLES = (
    Role.INSPECTOR,
    Role.CHIEF_INSPECTOR,
    Role.SUPERINTENDENT,
    Role.INVESTIGATING_OFFICER,
    Role.MISSING_PERSON_COORDINATOR,
)


@rules.predicate
def is_supervisor(user: User) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and user.has_role(*SUPERVISORS)


@rules.predicate
def may_open_restricted(user: User) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and user.has_role(
        *RESTRICTED_ACCESS_ROLES
    )


@rules.predicate
def is_owning_inspector(user: User, episode: object) -> bool:
    """An inspector or above of the area (or force) that owns the episode."""
    org_id = getattr(user, "organisation_id", None)
    return (
        org_id is not None
        and org_id in {getattr(episode, "owning_area_id", None), getattr(episode, "force_id", None)}
        and user.has_role(Role.INSPECTOR, Role.CHIEF_INSPECTOR, Role.SUPERINTENDENT)
    )


rules.add_perm("episodes.supervise", is_supervisor)
rules.add_perm(
    "episodes.daily_meeting",
    is_supervisor
    | rules.predicate(lambda u: u.has_role(Role.INVESTIGATING_OFFICER, Role.CALL_HANDLER)),
)
rules.add_perm("episodes.open_restricted", may_open_restricted)
rules.add_perm("episodes.see_restricted_openings", is_owning_inspector)

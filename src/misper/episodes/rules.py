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

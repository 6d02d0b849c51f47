"""Who may report, see and act on an episode. Fine-grained authority (who may lower a
high risk, confirm absent, settle a disagreement) is the policy engine's
(misper.policy.authority); these predicates decide who may use the episode pages at all."""

from __future__ import annotations

import rules
from django.db.models import Q

from misper.agencies.models import User
from misper.agencies.roles import Role
from misper.episodes.access import opened_with_reason, view_for
from misper.episodes.models import Episode
from misper.people.models import Person, Placement
from misper.people.rules import can_see_person

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
def sees_episode(user: User, episode: object) -> bool:
    """The episode exists for the user, in some view (episodes/access.py)."""
    if not isinstance(episode, Episode):
        return False
    return view_for(user, episode, opened=opened_with_reason(user, episode)) is not None


@rules.predicate
def is_case_worker(user: User) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and user.has_role(*REPORTING_ROLES)


rules.add_perm("episodes.view", sees_episode)
# The roles that work on cases; on which case is access.may's (the owning force's only).
rules.add_perm("episodes.act", is_case_worker)


@rules.predicate
def is_cse_coordinator(user: User) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and user.has_role(Role.CSE_COORDINATOR)


# Who records a missing child's CSE screening (R-CSE-01): whoever works on cases, and the
# CSE coordinators (R-CSE-10); on which case is access.may's (the owning force's only).
rules.add_perm("episodes.cse_screen", is_case_worker | is_cse_coordinator)


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
    """An inspector or above of the area (or the force) that owns the episode."""
    org_id = getattr(user, "organisation_id", None)
    area = getattr(episode, "owning_area", None)
    return (
        org_id is not None
        and area is not None
        and org_id in {area.pk, area.parent_id}
        and user.has_role(Role.INSPECTOR, Role.CHIEF_INSPECTOR, Role.SUPERINTENDENT)
    )


rules.add_perm("episodes.supervise", is_supervisor)
rules.add_perm(
    "episodes.daily_meeting",
    is_supervisor
    | rules.predicate(
        lambda u: (
            bool(getattr(u, "is_authenticated", False))
            and u.has_role(Role.INVESTIGATING_OFFICER, Role.CALL_HANDLER)
        )
    ),
)
rules.add_perm("episodes.open_restricted", may_open_restricted)
rules.add_perm("episodes.see_restricted_openings", is_owning_inspector)


@rules.predicate
def cares_for_child_now(user: User, person: object) -> bool:
    """A carer of the child's current placement (its provider, or the organisation the
    provider belongs to): who makes a carer's report (R-PPA-03). The service checks the
    same again when the report is made."""
    org_id = getattr(user, "organisation_id", None)
    if not isinstance(person, Person) or org_id is None or not user.has_role(Role.CARER):
        return False
    return Placement.objects.filter(
        Q(provider_id=org_id) | Q(provider__parent_id=org_id),
        person=person,
        ended_on__isnull=True,
    ).exists()


rules.add_perm("episodes.carer_report", can_see_person & cares_for_child_now)

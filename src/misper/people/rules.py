"""Who may see and change a child's record (one statement, used by services, selectors,
views and the API).

- Operational police (every police role but the analyst) may find and open any child's
  record: a call handler must see everything known while on the call (R-RPT-06, R-HMI-03).
  Every opening is audited.
- Children's services see the children of their authority: the child's home (placing)
  authority, the placing or host authority of any of the child's placements, a child
  allocated to them, or a child whose responsible authority has shared the record with
  their authority (R-OWN-08, R-OOA-01).
- A carer sees only the children currently placed with their organisation, and those whose
  record the responsible authority has shared with it.
- Analysts, return-interview providers, safeguarding boards and system administrators do
  not open individual records here (their aggregated reports come with later issues).
- Only the responsible authority's children's services record placements (naming their
  own authority as placing authority) and share the record with another organisation
  (services.placement_record, services.person_share): nobody else can open a child to
  another organisation.
"""

from __future__ import annotations

import rules
from django.db.models import Q

from misper.agencies.models import User
from misper.agencies.roles import CHILDRENS_SERVICES_ROLES, OPERATIONAL_POLICE_ROLES, Role
from misper.agencies.rules import is_childrens_services
from misper.people.models import Person


def _cs_filter(user: User) -> Q:
    org = user.organisation_id
    return (
        Q(home_authority_id=org)
        | Q(placements__placing_authority_id=org)
        | Q(placements__host_authority_id=org)
        | Q(allocations__user_id=user.pk, allocations__ended_on__isnull=True)
        | _shared_filter(user)
    )


def _carer_filter(user: User) -> Q:
    return Q(
        placements__provider_id=user.organisation_id, placements__ended_on__isnull=True
    ) | _shared_filter(user)


def _shared_filter(user: User) -> Q:
    """Shared with the user's organisation by the responsible authority, and not ended."""
    return Q(shares__organisation_id=user.organisation_id, shares__ended_at__isnull=True)


def visible_people_filter(user: User) -> Q | None:
    """A filter on Person for what the user may see; None means everything; an empty
    match (pk__in=[]) means nothing."""
    if not getattr(user, "is_authenticated", False):
        return Q(pk__in=[])
    if user.has_role(*OPERATIONAL_POLICE_ROLES):
        return None
    parts = Q(pk__in=[])
    if user.has_role(*CHILDRENS_SERVICES_ROLES) and user.organisation_id:
        parts |= _cs_filter(user)
    if user.has_role(Role.CARER) and user.organisation_id:
        parts |= _carer_filter(user)
    return parts


@rules.predicate
def can_see_person(user: User, person: Person | None) -> bool:
    if person is None:
        return False
    flt = visible_people_filter(user)
    if flt is None:
        return True
    return Person.objects.filter(flt, pk=person.pk).exists()


@rules.predicate
def is_carer(user: User) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and user.has_role(Role.CARER)


@rules.predicate
def is_operational_police(user: User) -> bool:
    """Police who work on cases: every police role but the analyst."""
    return bool(getattr(user, "is_authenticated", False)) and user.has_role(
        *OPERATIONAL_POLICE_ROLES
    )


@rules.predicate
def is_home_authority(user: User, person: Person | None) -> bool:
    """The user belongs to the child's responsible (home) authority."""
    return (
        person is not None
        and person.home_authority_id is not None
        and person.home_authority_id == getattr(user, "organisation_id", None)
    )


@rules.predicate
def is_responsible_or_unassigned(user: User, person: Person | None) -> bool:
    """The child's responsible authority is the user's, or the child has none yet."""
    return person is not None and (
        person.home_authority_id is None
        or person.home_authority_id == getattr(user, "organisation_id", None)
    )


rules.add_perm("people.search", is_operational_police | is_childrens_services)
rules.add_perm("people.create", is_operational_police | is_childrens_services)
rules.add_perm("people.view", can_see_person)
rules.add_perm("people.change", can_see_person & (is_operational_police | is_childrens_services))
rules.add_perm(
    "people.raise_flag", can_see_person & (is_operational_police | is_childrens_services)
)
# R-OWN-08: the responsible (placing) authority's children's services place the child.
rules.add_perm(
    "people.record_placement",
    can_see_person & is_childrens_services & is_responsible_or_unassigned,
)
# Sharing the record with another organisation is the responsible authority's decision.
rules.add_perm("people.share", can_see_person & is_childrens_services & is_home_authority)
rules.add_perm("people.list_my_children", is_carer | is_childrens_services)


@rules.predicate
def is_team_manager(user: User) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and user.has_role(Role.TEAM_MANAGER)


# Team managers of the child's responsible authority allocate its workers.
rules.add_perm("people.allocate", can_see_person & is_team_manager & is_home_authority)


@rules.predicate
def is_missing_person_coordinator(user: User) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and user.has_role(
        Role.MISSING_PERSON_COORDINATOR
    )


# Duplicates and merging (people/duplicates.py): the missing person coordinators keep the
# list of possible duplicate records and merge, undo and set aside (issue 13).
rules.add_perm("people.duplicates", is_missing_person_coordinator)
rules.add_perm("people.merge", can_see_person & is_missing_person_coordinator)

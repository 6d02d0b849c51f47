"""Who may see and change a child's record (one statement, used by services, selectors,
views and the API).

- Police (every police role) may find and open any child's record: a call handler must
  see everything known while on the call (R-RPT-06, R-HMI-03). Every opening is audited.
- Children's services see the children of their authority: the child's home (placing)
  authority, the placing or host authority of any of the child's placements, or a child
  allocated to them (R-OWN-08, R-OOA-01).
- A carer sees only the children currently placed with their organisation.
- Return-interview providers, analysts outside the police, safeguarding boards and system
  administrators do not open individual records here (their own capabilities come with
  later issues, on the same predicates).
"""

from __future__ import annotations

import rules
from django.db.models import Q

from misper.agencies.models import User
from misper.agencies.roles import CHILDRENS_SERVICES_ROLES, POLICE_ROLES, Role
from misper.agencies.rules import is_childrens_services, is_police
from misper.people.models import Person


def _cs_filter(user: User) -> Q:
    org = user.organisation_id
    return (
        Q(home_authority_id=org)
        | Q(placements__placing_authority_id=org)
        | Q(placements__host_authority_id=org)
        | Q(allocations__user_id=user.pk, allocations__ended_on__isnull=True)
    )


def _carer_filter(user: User) -> Q:
    return Q(placements__provider_id=user.organisation_id, placements__ended_on__isnull=True)


def visible_people_filter(user: User) -> Q | None:
    """A filter on Person for what the user may see; None means everything; an empty
    match (pk__in=[]) means nothing."""
    if not getattr(user, "is_authenticated", False):
        return Q(pk__in=[])
    if user.has_role(*POLICE_ROLES):
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


rules.add_perm("people.search", is_police | is_childrens_services)
rules.add_perm("people.create", is_police | is_childrens_services)
rules.add_perm("people.view", can_see_person)
rules.add_perm("people.change", can_see_person & (is_police | is_childrens_services))
rules.add_perm("people.raise_flag", can_see_person & (is_police | is_childrens_services))
rules.add_perm("people.record_placement", can_see_person & is_childrens_services)
rules.add_perm("people.list_my_children", is_carer | is_childrens_services)

"""Who may read and save a child's pre-placement risk assessment, and see caseloads.

- Reading: anyone who may open the child's record and works with children in care or
  missing: operational police (the force's coordinator keeps it, R-PPA-02), children's
  services who see the child, and the carers the child is placed with (R-PPA-02: retained
  by the responsible authority and the care provider).
- Saving a version: children's services of the child's responsible authority (R-PPA-01:
  "The Responsible Authority should complete the risk assessment with the care provider").
- Caseloads: social workers and IROs see their own; team managers their team's.
"""

from __future__ import annotations

import rules

from misper.agencies.models import User
from misper.agencies.roles import Role
from misper.agencies.rules import is_childrens_services
from misper.people.rules import can_see_person, is_carer, is_home_authority, is_operational_police


@rules.predicate
def is_caseworker(user: User) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and user.has_role(
        Role.SOCIAL_WORKER, Role.IRO, Role.TEAM_MANAGER
    )


rules.add_perm(
    "care.view_assessment",
    can_see_person & (is_operational_police | is_childrens_services | is_carer),
)
rules.add_perm("care.save_assessment", can_see_person & is_childrens_services & is_home_authority)
rules.add_perm("care.caseload", is_caseworker)

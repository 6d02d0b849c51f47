"""Who may report, see and act on an episode. Fine-grained authority (who may lower a
high risk, confirm absent, settle a disagreement) is the policy engine's
(misper.policy.authority); these predicates decide who may use the episode pages at all."""

from __future__ import annotations

import rules

from misper.agencies.models import User
from misper.agencies.roles import Role

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

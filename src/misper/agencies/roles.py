"""The fixed catalogue of roles a person can hold in Misper.

Roles are not Django groups: they are a closed list that policy, permissions and navigation
all refer to by code. ``POLICY_ROLE`` maps a role to the role names the policy engine uses
(policy-rules.md C-15, Appendix D) so that services can ask the engine about authority.
"""

from __future__ import annotations

from django.db import models


class Role(models.TextChoices):
    CALL_HANDLER = "call_handler", "Call handler"
    SERGEANT = "sergeant", "Sergeant"
    INSPECTOR = "inspector", "Inspector"
    CHIEF_INSPECTOR = "chief_inspector", "Chief inspector (Force Incident Manager)"
    SUPERINTENDENT = "superintendent", "Superintendent"
    INVESTIGATING_OFFICER = "investigating_officer", "Investigating officer"
    MISSING_PERSON_COORDINATOR = "missing_person_coordinator", "Missing person coordinator"
    CSE_COORDINATOR = "cse_coordinator", "CSE coordinator"
    ANALYST = "analyst", "Analyst"
    SOCIAL_WORKER = "social_worker", "Social worker"
    TEAM_MANAGER = "team_manager", "Team manager"
    IRO = "independent_reviewing_officer", "Independent reviewing officer"
    RHI_WORKER = "return_interview_worker", "Return interview worker"
    RHI_MANAGER = "return_interview_manager", "Return interview manager"
    CARER = "carer", "Carer"
    SAFEGUARDING_BOARD = "safeguarding_board_member", "Safeguarding board member"
    SYSTEM_ADMIN = "system_administrator", "System administrator"


POLICE_ROLES = frozenset(
    {
        Role.CALL_HANDLER,
        Role.SERGEANT,
        Role.INSPECTOR,
        Role.CHIEF_INSPECTOR,
        Role.SUPERINTENDENT,
        Role.INVESTIGATING_OFFICER,
        Role.MISSING_PERSON_COORDINATOR,
        Role.CSE_COORDINATOR,
        Role.ANALYST,
    }
)
# Police who deal with cases and children's records. Analysts see patterns (insights), not
# individual cases.
OPERATIONAL_POLICE_ROLES = POLICE_ROLES - {Role.ANALYST}
CHILDRENS_SERVICES_ROLES = frozenset({Role.SOCIAL_WORKER, Role.TEAM_MANAGER, Role.IRO})
RHI_ROLES = frozenset({Role.RHI_WORKER, Role.RHI_MANAGER})

# The role names of the policy engine (policy-rules.md C-15 and Appendix D).
POLICY_ROLE: dict[str, str] = {
    Role.CALL_HANDLER: "call_handler",
    Role.INVESTIGATING_OFFICER: "investigating_officer",
    Role.SERGEANT: "sergeant",
    Role.INSPECTOR: "inspector",
    Role.CHIEF_INSPECTOR: "force_incident_manager",
    Role.SUPERINTENDENT: "superintendent",
    Role.SOCIAL_WORKER: "social_worker",
    Role.TEAM_MANAGER: "line_manager",
    Role.RHI_WORKER: "return_interview_worker",
    Role.RHI_MANAGER: "line_manager",
    Role.CARER: "care_provider",
}

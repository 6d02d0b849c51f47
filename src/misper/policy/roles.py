"""Roles and their rank order (policy-rules.md Appendix C, C-15).

Police ranks are ordered; ``investigating_officer`` ranks with ``constable`` and
``force_incident_manager`` (the duty FIM) with ``chief_inspector``. The other roles belong to
other agencies and have no police rank: a police rank requirement is never met by them.
"""

from __future__ import annotations

POLICE_RANK: dict[str, int] = {
    "call_handler": 0,
    "constable": 1,
    "investigating_officer": 1,
    "sergeant": 2,
    "inspector": 3,
    "chief_inspector": 4,
    "force_incident_manager": 4,
    "superintendent": 5,
    "chief_superintendent": 6,
    "chief_officer": 7,
}

OTHER_ROLES: frozenset[str] = frozenset(
    {"care_provider", "case_manager", "line_manager", "social_worker", "return_interview_worker"}
)

ALL_ROLES: frozenset[str] = frozenset(POLICE_RANK) | OTHER_ROLES


def is_police(role: str) -> bool:
    return role in POLICE_RANK


def at_least(role: str, minimum: str) -> bool:
    """True when ``role`` is a police role of ``minimum``'s rank or above (C-15)."""
    if role not in POLICE_RANK or minimum not in POLICE_RANK:
        return False
    return POLICE_RANK[role] >= POLICE_RANK[minimum]

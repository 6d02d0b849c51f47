"""Role-aware navigation, declared once.

Each item names the URL it links to and the predicate that decides who sees it. An item
whose page has not been built yet (its URL name does not resolve) is left out, so the
navigation grows as each capability lands without anyone editing templates.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse

from misper.agencies.models import User
from misper.agencies.roles import CHILDRENS_SERVICES_ROLES, POLICE_ROLES, RHI_ROLES, Role
from misper.episodes.rules import REPORTING_ROLES
from misper.notifications.selectors import inbox_unread_count


@dataclass(frozen=True)
class NavItem:
    text: str
    url_name: str
    visible: Callable[[User], bool]
    # Shown after the text as "Inbox (3)" when it is not zero; one cheap query.
    count: Callable[[User], int] | None = None


def _any(*roles: str) -> Callable[[User], bool]:
    return lambda user: user.has_role(*roles)


def _everyone(user: User) -> bool:
    return True


SUPERVISORS = (Role.SERGEANT, Role.INSPECTOR, Role.CHIEF_INSPECTOR, Role.SUPERINTENDENT)

ITEMS: tuple[NavItem, ...] = (
    NavItem("Home", "home", _everyone),
    NavItem("Take a report", "episodes:report_start", _any(Role.CALL_HANDLER, *SUPERVISORS)),
    NavItem("Find a child", "people:search", _any(*POLICE_ROLES, *CHILDRENS_SERVICES_ROLES)),
    NavItem("Supervision", "episodes:supervision", _any(*SUPERVISORS)),
    NavItem("Daily meeting", "episodes:dmm", _any(*SUPERVISORS)),
    NavItem("My cases", "episodes:my_cases", _any(Role.INVESTIGATING_OFFICER)),
    NavItem("Due and overdue", "episodes:work", _any(*REPORTING_ROLES)),
    NavItem("My children", "people:my_children", _any(Role.CARER, *CHILDRENS_SERVICES_ROLES)),
    NavItem("Return interviews", "returns:queue", _any(*RHI_ROLES)),
    NavItem(
        "Repeat missing",
        "interventions:triggers",
        _any(Role.MISSING_PERSON_COORDINATOR, Role.CSE_COORDINATOR),
    ),
    NavItem("Inbox", "notifications:inbox", _everyone, count=inbox_unread_count),
    NavItem("Patterns", "insights:home", _any(Role.ANALYST, Role.SAFEGUARDING_BOARD)),
    NavItem(
        "Policy",
        "web:policy_profiles",
        _any(*POLICE_ROLES, Role.ANALYST, Role.SAFEGUARDING_BOARD, Role.SYSTEM_ADMIN),
    ),
    NavItem("Your organisation", "web:organisation", lambda u: u.organisation_id is not None),
    NavItem("Audit log", "web:audit_log", _any(Role.SYSTEM_ADMIN)),
    NavItem("Users", "web:admin_users", _any(Role.SYSTEM_ADMIN)),
    NavItem("Sharing", "notifications:arrangements", _any(Role.SYSTEM_ADMIN)),
    NavItem("Deliveries", "notifications:deliveries", _any(Role.SYSTEM_ADMIN)),
)


def navigation_for(user: User, current_path: str) -> list[dict[str, object]]:
    """The GOV.UK service navigation items this user sees, the current one marked."""
    if not getattr(user, "is_authenticated", False):
        return []
    items: list[dict[str, object]] = []
    for item in ITEMS:
        if not item.visible(user):
            continue
        try:
            href = reverse(item.url_name)
        except NoReverseMatch:
            continue
        n = item.count(user) if item.count else 0
        text = f"{item.text} ({n})" if n else item.text
        items.append({"text": text, "href": href, "active": False})
    # The current item is the one whose address is the longest start of this page's.
    matches = [
        i
        for i in items
        if current_path == i["href"]
        or (i["href"] != "/" and current_path.startswith(str(i["href"])))
    ]
    if matches:
        max(matches, key=lambda i: len(str(i["href"])))["active"] = True
    return items

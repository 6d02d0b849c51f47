"""Role-aware navigation, declared once.

Each item names the URL it links to and the predicate that decides who sees it. An item
whose page has not been built yet (its URL name does not resolve) is left out, so the
navigation grows as each capability lands without anyone editing templates.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import rules
from django.urls import NoReverseMatch, reverse

from misper.agencies.models import User
from misper.agencies.roles import CHILDRENS_SERVICES_ROLES, RHI_ROLES, Role
from misper.insights.bulk_import import may_import
from misper.insights.reports import may_see_reports
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


def _perm(name: str) -> Callable[[User], bool]:
    """Shown to whoever the page's own permission admits: stated once, in rules.py."""
    return lambda user: bool(rules.has_perm(name, user))


def _everyone(user: User) -> bool:
    return True


ITEMS: tuple[NavItem, ...] = (
    NavItem("Home", "home", _everyone),
    NavItem("Take a report", "episodes:report_start", _perm("episodes.report")),
    NavItem("Find a child", "people:search", _perm("people.search")),
    NavItem("Supervision", "episodes:supervision", _perm("episodes.supervise")),
    NavItem("Daily meeting", "episodes:dmm", _perm("episodes.daily_meeting")),
    NavItem("My cases", "episodes:my_cases", _perm("episodes.report")),
    NavItem("Due and overdue", "episodes:work", _perm("episodes.report")),
    # Social workers and IROs: their caseload, the most urgent first; carers (and team
    # managers) keep the list of the children placed with them or of their authority.
    NavItem("My children", "care:caseload", _any(Role.SOCIAL_WORKER, Role.IRO)),
    NavItem(
        "My children",
        "people:my_children",
        lambda u: (
            bool(rules.has_perm("people.list_my_children", u))
            and not u.has_role(Role.SOCIAL_WORKER, Role.IRO)
        ),
    ),
    NavItem("Team", "care:team", _any(Role.TEAM_MANAGER)),
    # The authority's DfE return of children looked after, missing and away (R-DAT-04).
    NavItem("DfE return", "insights:ssda903", _any(Role.TEAM_MANAGER)),
    NavItem(
        "Reports from carers",
        "episodes:carer_reports",
        _any(Role.CALL_HANDLER, Role.SERGEANT, Role.INSPECTOR, Role.CARER),
    ),
    NavItem("Return interviews", "returns:queue", _any(*RHI_ROLES, *CHILDRENS_SERVICES_ROLES)),
    NavItem(
        "Return interview figures",
        "returns:coverage",
        _any(Role.ANALYST, Role.SAFEGUARDING_BOARD),
    ),
    NavItem(
        "Flag requests",
        "people:flag_requests",
        _any(Role.MISSING_PERSON_COORDINATOR, Role.CSE_COORDINATOR),
    ),
    # Possible duplicate records (issue 13): the missing person coordinators merge them.
    NavItem("Duplicates", "people:duplicates", _perm("people.duplicates")),
    NavItem(
        "Repeat missing",
        "interventions:triggers",
        _any(
            Role.MISSING_PERSON_COORDINATOR,
            Role.CSE_COORDINATOR,
            Role.SUPERINTENDENT,
            *CHILDRENS_SERVICES_ROLES,
        ),
    ),
    NavItem("Inbox", "notifications:inbox", _everyone, count=inbox_unread_count),
    # The analysts' reports (issue 14): analysts, boards and team managers, each of the
    # figures they may see (insights/reports.py).
    NavItem("Reports", "insights:reports", may_see_reports),
    # The bulk import of history (issue 14): a force's coordinators and administrators.
    NavItem("Import history", "insights:import", may_import),
    NavItem("Patterns", "insights:home", _any(Role.ANALYST, Role.SAFEGUARDING_BOARD)),
    NavItem("Policy", "web:policy_profiles", _perm("agencies.view_policy")),
    NavItem("Your organisation", "web:organisation", lambda u: u.organisation_id is not None),
    NavItem("Audit log", "web:audit_log", _perm("agencies.view_audit")),
    NavItem("Users", "web:admin_users", _perm("agencies.manage_users")),
    NavItem("Sharing", "notifications:arrangements", _perm("notifications.administer")),
    NavItem("Interview arrangements", "returns:arrangements", _any(Role.SYSTEM_ADMIN)),
    NavItem("Deliveries", "notifications:deliveries", _perm("notifications.administer")),
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

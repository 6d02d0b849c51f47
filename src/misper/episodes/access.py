"""What each user sees of an episode, and what they may do to it: said once, here.

Every page, API endpoint and service fetches an episode through
``selectors.get_episode_for_user``, which asks :func:`view_for` and :func:`may`. Nothing
else decides who sees what; templates and API schemas only render the fields that
:func:`case_fields` hands them. The table in ``docs/access.md`` is the same statement for
people, and the access matrix test (tests/access) checks the two agree.

The views of a case:

- ``full``: the police force that owns the case (the force of its owning area) sees all of
  it. Police of another force see it whole only after stating a reason (a "break-glass"
  opening, audited and shown to the owning force's inspectors).
- ``partner``: children's services and carers who may see the child see what their role
  needs: category, risk, deadlines, where the child was missing from, found and safe and
  well, what the policy asks; never the informant, the twelve answers, the intelligence
  checks or the police's own log.
- ``summary``: police of another force see what they need to grade risk on a call about
  the same child: when, category, risk, how long, found where, and who owns the case and
  how to reach them.

A restricted episode (R-RES-01) exists for nobody except the owning force's officers who
may open restricted records, and for them only after they state a reason; it then appears
in their lists until their opening lapses (``MISPER_ACCESS_GRANT_HOURS``).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

import rules
from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone

from misper.agencies.models import Organisation, User
from misper.agencies.roles import OPERATIONAL_POLICE_ROLES
from misper.core.models import AuditAction, AuditEvent, Deadline, DeadlineStatus
from misper.episodes.models import Episode
from misper.policy import Decision

SUBJECT = "episode"
# One answer for "does not exist" and "you may not see it": the two must look the same.
NOT_FOUND = "No such episode"


class View(StrEnum):
    FULL = "full"
    PARTNER = "partner"
    SUMMARY = "summary"


F, P, S = View.FULL, View.PARTNER, View.SUMMARY
ALL = frozenset({F, P, S})
PARTNER_UP = frozenset({F, P})
FULL_ONLY = frozenset({F})

# Each field of a case (as the API names it) and the views that see it. docs/access.md
# states the same table for people; tests/access/test_fields.py compares the two.
FIELDS: dict[str, frozenset[View]] = {
    "id": ALL,
    "view": ALL,
    "person_id": ALL,
    "person_name": ALL,
    "force": ALL,
    "owning_area": ALL,
    "contact": ALL,
    "status": ALL,
    "category": ALL,
    "absconder": ALL,
    "risk": ALL,
    "reported_at": ALL,
    "last_seen_at": ALL,
    "missing_minutes": ALL,
    "found": ALL,  # which of its fields: FOUND_FIELDS
    "cse_screening": PARTNER_UP,  # which of its fields: CSE_SCREENING_FIELDS
    "categorised_at": PARTNER_UP,
    "closure_code": PARTNER_UP,
    "closed_at": PARTNER_UP,
    "reported_by": PARTNER_UP,
    "missing_from": PARTNER_UP,
    "location_address": PARTNER_UP,
    "location_postcode": PARTNER_UP,
    "establishment": PARTNER_UP,
    "last_seen_place": PARTNER_UP,
    "last_contact_at": PARTNER_UP,
    "last_contact_place": PARTNER_UP,
    "duties": PARTNER_UP,
    "deadlines": PARTNER_UP,
    "version": FULL_ONLY,
    "profile_id": FULL_ONLY,
    "awaiting_supervisor": FULL_ONLY,
    "supervisor_reason": FULL_ONLY,
    "recommended_category": FULL_ONLY,
    "minimum_risk": FULL_ONLY,
    "minimum_response": FULL_ONLY,
    "recommendation": FULL_ONLY,
    "disagreement_open": FULL_ONLY,
    "latest_review_at": FULL_ONLY,
    "restricted": FULL_ONLY,
    "informant_name": FULL_ONLY,
    "informant_phone": FULL_ONLY,
    "circumstances": FULL_ONLY,
    "searches": FULL_ONLY,
    "answers": FULL_ONLY,
    "intelligence_checks": FULL_ONLY,
    "further_enquiries_required": FULL_ONLY,
    "gradings": FULL_ONLY,
    "decisions": FULL_ONLY,
    "entries": FULL_ONLY,
    "transfers": FULL_ONLY,
}

# The found report's fields, for a case that has one.
FOUND_FIELDS: dict[str, frozenset[View]] = {
    "found_at": ALL,
    "found_where": ALL,
    "returned_at": PARTNER_UP,
    "found_postcode": PARTNER_UP,
    "condition": PARTNER_UP,
    "harmed": PARTNER_UP,
    "criminal_activity": PARTNER_UP,
    "risky_contacts": PARTNER_UP,
    "safe_and_well": PARTNER_UP,
    "safe_and_well_rationale": PARTNER_UP,
    "found_by": FULL_ONLY,
    "disclosures": FULL_ONLY,
}


# The CSE screening's fields (R-CSE-01), for a case that has one: children's services and
# carers see that it was done and where it went (the MASE meeting is theirs too, R-CSE-03);
# what was considered and the police's notes are the police's.
CSE_SCREENING_FIELDS: dict[str, frozenset[View]] = {
    "outcome": PARTNER_UP,
    "screened_at": PARTNER_UP,
    "by_role": PARTNER_UP,
    "organisation": PARTNER_UP,
    "screened_by": FULL_ONLY,
    "indicators": FULL_ONLY,
    "notes": FULL_ONLY,
    "created_at": FULL_ONLY,
    "version": FULL_ONLY,
}
_CSE_GETTERS: dict[str, Callable[[Any], Any]] = {
    "screened_by": lambda c: c.screened_by.full_name,
    "organisation": lambda c: c.organisation.name if c.organisation is not None else "",
}


def sees(view: View, name: str) -> bool:
    return view in FIELDS[name]


# --- Who is who ---------------------------------------------------------------------------


def _authenticated(user: User | Any) -> bool:
    return bool(getattr(user, "is_authenticated", False))


def user_force_id(user: User) -> int | None:
    org = getattr(user, "organisation", None)
    force = org.force if org is not None else None
    return force.pk if force is not None else None


def owning_force_id(episode: Episode) -> int | None:
    """The force that owns the case: the force of its owning area (a transfer to another
    force, once accepted, hands the case over, R-OWN-03)."""
    return episode.owning_area.parent_id


def is_operational_police(user: User) -> bool:
    """Police who deal with cases (analysts see patterns, not cases)."""
    return _authenticated(user) and user.has_role(*OPERATIONAL_POLICE_ROLES)


def is_owning_force_police(user: User, episode: Episode) -> bool:
    force = user_force_id(user)
    return force is not None and is_operational_police(user) and force == owning_force_id(episode)


def is_partner(user: User, episode: Episode) -> bool:
    """Children's services or a carer who may see the child (people.view)."""
    return (
        _authenticated(user)
        and not user.has_role(*OPERATIONAL_POLICE_ROLES)
        and rules.has_perm("people.view", user, episode.person)
    )


def may_open_with_reason(user: User, episode: Episode) -> bool:
    """Whether stating a reason would open the whole case: the owning force's officers who
    may open restricted records, for a restricted one (R-RES-01); any police officer of
    another force, for an unrestricted one (the break-glass)."""
    if episode.restricted:
        return is_owning_force_police(user, episode) and rules.has_perm(
            "episodes.open_restricted", user
        )
    return is_operational_police(user) and not is_owning_force_police(user, episode)


# --- Openings with a reason ----------------------------------------------------------------


def grant_hours() -> float:
    return float(getattr(settings, "MISPER_ACCESS_GRANT_HOURS", 8))


OPENING_ACTIONS = (AuditAction.OPEN_RESTRICTED, AuditAction.BREAK_GLASS)


def _openings(user: User, now: datetime) -> QuerySet[AuditEvent]:
    return AuditEvent.objects.filter(
        user_id=user.pk,
        subject_type=SUBJECT,
        action__in=OPENING_ACTIONS,
        at__gte=now - timedelta(hours=grant_hours()),
    )


def opened_with_reason(user: User, episode: Episode, now: datetime | None = None) -> bool:
    """The user stated a reason to open this case, within the last grant period."""
    if not _authenticated(user):
        return False
    return _openings(user, now or timezone.now()).filter(subject_id=str(episode.pk)).exists()


def opened_ids(user: User, now: datetime | None = None) -> list[int]:
    """The ids of the cases the user opened with a reason, for list filters."""
    ids = _openings(user, now or timezone.now()).values_list("subject_id", flat=True)
    return sorted({int(i) for i in ids if str(i).isdigit()})


# --- The view -------------------------------------------------------------------------------


def view_for(user: User, episode: Episode, *, opened: bool) -> View | None:
    """What ``user`` sees of ``episode`` (None: it does not exist for them). ``opened``:
    they stated a reason for it within the grant period."""
    if not _authenticated(user):
        return None
    if episode.restricted:
        if opened and may_open_with_reason(user, episode):
            return View.FULL
        return None
    if is_owning_force_police(user, episode):
        return View.FULL
    if is_operational_police(user):
        return View.FULL if opened else View.SUMMARY
    if is_partner(user, episode):
        return View.PARTNER
    return None


# --- What they may do ----------------------------------------------------------------------

# Who works on a case: the police roles that report and investigate (the engine decides the
# finer authority: who may lower a risk, confirm absent, settle a disagreement).
CASE_WORK = "episodes.act"
# Reading what only the whole case holds (its timeline, the engine's full answer).
READ_FULL = "episodes.read_full"
# Recording the CSE screening (R-CSE-01): the roles that work on cases, and the force's CSE
# coordinators (R-CSE-10), of the owning force.
CSE_SCREEN = "episodes.cse_screen"


def may(user: User, episode: Episode, action: str, view: View) -> bool:
    """May ``user``, who sees ``view`` of the case, take ``action`` on it? Acting follows
    ownership: only the owning force's officers, never through a break-glass opening."""
    if action == READ_FULL:
        return view is View.FULL
    if action in (CASE_WORK, CSE_SCREEN):
        return (
            view is View.FULL
            and is_owning_force_police(user, episode)
            and rules.has_perm(action, user)
        )
    raise ValueError(f"unknown episode action {action!r}")


# --- The fields of a case --------------------------------------------------------------------


def missing_minutes(episode: Episode, now: datetime) -> int:
    """How long the child was (or has been) missing: from last seen to found, or to now."""
    found = getattr(episode, "found", None) if hasattr(episode, "found") else None
    end = found.found_at if found is not None else (episode.closed_at or now)
    return max(0, int((end - episode.last_seen_at).total_seconds() // 60))


def contact(area: Organisation) -> dict[str, str]:
    """How to reach the owning area."""
    force = area.force
    return {
        "name": area.name,
        "force": force.name if force is not None else "",
        "email": area.notification_email or (force.notification_email if force else ""),
    }


_GETTERS: dict[str, Callable[[Episode, datetime], Any]] = {
    "person_name": lambda e, now: e.person.name,
    "force": lambda e, now: e.owning_area.force,
    "contact": lambda e, now: contact(e.owning_area),
    "missing_minutes": missing_minutes,
    "risk": lambda e, now: e.risk or None,
    "minimum_risk": lambda e, now: e.minimum_risk or None,
    "minimum_response": lambda e, now: e.minimum_response or None,
    "duties": lambda e, now: list(current_decision(e, now).duties),
    "deadlines": lambda e, now: list(open_deadlines(e)),
    "gradings": lambda e, now: list(e.gradings.all()),
    "decisions": lambda e, now: list(e.decisions.all()),
    "entries": lambda e, now: list(e.entries.all()),
    "transfers": lambda e, now: list(e.transfers.all()),
    "found": lambda e, now: None,  # filled by case_fields
    "cse_screening": lambda e, now: None,  # filled by case_fields
}


def current_decision(episode: Episode, now: datetime) -> Decision:
    """What the policy says about the case now (asked once per request and kept on the
    episode object): the duties a page or the API shows are today's, not the report's."""
    cached: Decision | None = getattr(episode, "_current_decision", None)
    if cached is None:
        from misper.episodes.policy_bridge import episode_question

        cached = episode_question(episode, now).decide()
        episode._current_decision = cached  # type: ignore[attr-defined]
    return cached


def open_deadlines(episode: Episode) -> QuerySet[Deadline]:
    """Every app's open deadlines on the case, soonest first."""
    return episode.deadlines.filter(status=DeadlineStatus.OPEN).order_by("due", "id")


def case_fields(episode: Episode, view: View, now: datetime | None = None) -> dict[str, Any]:
    """The case as ``view`` sees it: only the fields that view may see, by their API
    names. The API and the case page both render from this, and nothing else."""
    now = now or timezone.now()
    out: dict[str, Any] = {}
    for name, views in FIELDS.items():
        if view not in views:
            continue
        if name == "view":
            out[name] = str(view)
        elif name in _GETTERS:
            out[name] = _GETTERS[name](episode, now)
        else:
            out[name] = getattr(episode, name)
    if "found" in out:
        found = getattr(episode, "found", None) if hasattr(episode, "found") else None
        out["found"] = (
            None
            if found is None
            else {k: getattr(found, k) for k, views in FOUND_FIELDS.items() if view in views}
        )
    if "cse_screening" in out:
        cse = getattr(episode, "cse_screening", None) if hasattr(episode, "cse_screening") else None
        out["cse_screening"] = (
            None
            if cse is None
            else {
                k: _CSE_GETTERS[k](cse) if k in _CSE_GETTERS else getattr(cse, k)
                for k, views in CSE_SCREENING_FIELDS.items()
                if view in views
            }
        )
    return out

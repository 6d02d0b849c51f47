"""Reading return-interview referrals. Every referral comes through
``get_referral_for_user``, which decides the user's view and checks the action before it
writes the audit row; what a user may not see is "No such referral" (docs/access.md).

Who sees what (R-RHI-09, R-RHI-12):

- The interviewing organisation (the commissioned provider, or the authority whose own
  staff hold interviews): its return-interview workers and managers, or, for an authority,
  its children's services, see the whole referral and the interview. Only they act on it;
  allocating and confirming "not required" (R-RHI-06) need a manager.
- The responsible authority's children's services (and the placing authority's, when the
  host authority is responsible for a child placed out of area), when it is not the
  interviewer, see the
  referral, its triage, outcome, timeliness, disclosures' steps and recommendations, never
  the interview's content (what the child said stays with the interviewer).
- Nobody else: not another provider, another authority, a carer, an analyst (who counts,
  through ``coverage``), nor the police, who see only what was shared with them, on the
  child's record (``shared_with_police``).
- A referral of a restricted case is nobody's to see (R-RES-01).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from django.db.models import Q, QuerySet

from misper.agencies.models import User
from misper.agencies.roles import (
    CHILDRENS_SERVICES_ROLES,
    OPERATIONAL_POLICE_ROLES,
    RHI_ROLES,
    Role,
)
from misper.core.audit import audit_record
from misper.core.errors import NotFound, PermissionDenied
from misper.returns.models import (
    InformationRequest,
    Referral,
    SharedItem,
    State,
)

NO_SUCH_REFERRAL = "No such referral"
MANAGER_ROLES = (Role.RHI_MANAGER, Role.TEAM_MANAGER)
INTERVIEWER_ROLES = (*RHI_ROLES, *CHILDRENS_SERVICES_ROLES)


class View(StrEnum):
    INTERVIEWER = "interviewer"
    AUTHORITY = "authority"


class Do(StrEnum):
    """What a user may do with a referral they see."""

    READ = "read"
    WORK = "work"  # triage, offer, outcome, the interview, sharing: the interviewer's
    MANAGE = "manage"  # allocate, confirm "not required": the interviewer's manager
    FOLLOW_UP = "follow_up"  # mark a disclosure's step or a recommendation done


def view_for(user: User, referral: Referral) -> View | None:
    org = getattr(user, "organisation_id", None)
    if org is None or referral.episode.restricted:
        return None
    if org == referral.interviewer_id and user.has_role(*INTERVIEWER_ROLES):
        return View.INTERVIEWER
    if org in (
        referral.responsible_authority_id,
        referral.placing_authority_id,
    ) and user.has_role(*CHILDRENS_SERVICES_ROLES):
        return View.AUTHORITY
    return None


def may(user: User, view: View | None, do: Do) -> bool:
    if view is None:
        return False
    if do == Do.READ:
        return True
    if do == Do.FOLLOW_UP:
        return True
    if view != View.INTERVIEWER:
        return False
    return do == Do.WORK or user.has_role(*MANAGER_ROLES)


@dataclass(frozen=True)
class ReferralAccess:
    referral: Referral
    view: View

    @property
    def interviewer(self) -> bool:
        return self.view == View.INTERVIEWER


def referrals_for_user(user: User) -> QuerySet[Referral]:
    """The referrals the user sees: their organisation's to hold, or their authority's."""
    org = getattr(user, "organisation_id", None)
    if org is None:
        return Referral.objects.none()
    q = Q(pk__in=[])
    if user.has_role(*INTERVIEWER_ROLES):
        q |= Q(interviewer_id=org)
    if user.has_role(*CHILDRENS_SERVICES_ROLES):
        q |= Q(responsible_authority_id=org) | Q(placing_authority_id=org)
    return (
        Referral.objects.filter(q)
        .filter(episode__restricted=False)
        .select_related("person", "interviewer", "responsible_authority", "allocated_to")
    )


def queue_for_user(user: User, *, show: str = "open") -> list[Referral]:
    """The queue: open referrals first by how soon they are due; closed ones when asked."""
    qs = referrals_for_user(user)
    if show == "closed":
        return list(qs.filter(state=State.CLOSED).order_by("-outcome_at", "-id")[:200])
    if show == "mine":
        qs = qs.filter(allocated_to=user)
    return list(qs.exclude(state=State.CLOSED).order_by("due", "id")[:500])


def get_referral_for_user(
    user: User,
    referral_id: int,
    *,
    do: Do = Do.READ,
    purpose: str,
    for_update: bool = False,
) -> ReferralAccess:
    """The one way a page, an endpoint or a service fetches a referral: "No such
    referral" for what the user may not see (the same whether or not it exists), then the
    action, then the audit row (a read of the child's record), in the caller's
    transaction."""
    qs = Referral.objects.select_related(
        "episode", "person", "interviewer", "responsible_authority", "allocated_to"
    )
    if for_update:  # the referral's row only: the episode stays the episodes app's to lock
        qs = qs.select_for_update(of=("self",))
    referral = qs.filter(pk=referral_id).first()
    if referral is None:
        raise NotFound(NO_SUCH_REFERRAL)
    view = view_for(user, referral)
    if view is None:
        raise NotFound(NO_SUCH_REFERRAL)
    if not may(user, view, do):
        raise PermissionDenied(
            "Only the manager of the organisation holding the interview may do this"
            if view == View.INTERVIEWER
            else "Only the organisation holding the interview may do this"
        )
    audit_record(
        user=user,
        action="read",
        subject_type="rhi_referral",
        subject_id=referral.pk,
        purpose=purpose,
    )
    return ReferralAccess(referral, view)


def workers_of(referral: Referral) -> QuerySet[User]:
    """Who may be allocated: the interviewing organisation's workers."""
    return User.objects.filter(
        organisation_id=referral.interviewer_id,
        is_active=True,
        role_assignments__role__in=INTERVIEWER_ROLES,
    ).distinct()


def managers_of(referral: Referral) -> QuerySet[User]:
    return User.objects.filter(
        organisation_id=referral.interviewer_id,
        is_active=True,
        role_assignments__role__in=MANAGER_ROLES,
    ).distinct()


def open_information_requests(referral: Referral) -> Iterable[InformationRequest]:
    return referral.information_requests.filter(answered_at__isnull=True)


def shared_with_police(user: User, person_id: int) -> list[SharedItem]:
    """What return interviews shared with the police about a child (R-RHI-09), for the
    child's record as the police see it; the caller has opened the record
    (people.selectors.get_person_for_user). Nobody but operational police sees this list."""
    if not user.has_role(*OPERATIONAL_POLICE_ROLES):
        return []
    return list(
        SharedItem.objects.filter(person_id=person_id)
        .exclude(referral__episode__restricted=True)
        .select_related("shared_by", "shared_by_org", "referral")
        .order_by("-shared_at", "-id")
    )

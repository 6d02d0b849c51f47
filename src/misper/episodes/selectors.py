"""Reading episodes. Every episode a page, an endpoint or a service works on comes through
get_episode_for_user (access.py decides what the user sees of it and may do to it), the
read audited; transfers through get_transfer_for_user. Lists leave out what the user may
not see, restricted records included (R-RES-01)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

import rules
from django.contrib.contenttypes.models import ContentType
from django.contrib.contenttypes.prefetch import GenericPrefetch
from django.db.models import (
    Case,
    Exists,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Value,
    When,
)
from django.utils import timezone

from misper.agencies.models import Organisation, OrganisationKind, User
from misper.agencies.roles import CHILDRENS_SERVICES_ROLES, Role
from misper.core.audit import audit_record
from misper.core.errors import NotFound, PermissionDenied
from misper.core.models import AuditAction, AuditEvent, Deadline, DeadlineStatus
from misper.core.validation import clean_text
from misper.episodes import access
from misper.episodes.access import View
from misper.episodes.codes import Status
from misper.episodes.models import CarerReport, CarerReportStatus, CseScreening, Episode, Transfer
from misper.people.rules import visible_people_filter
from misper.people.selectors import people_for_user


class RestrictedRecord(PermissionDenied):
    """The episode is restricted: say why you are opening it."""

    code = "restricted"


@dataclass(frozen=True)
class CaseAccess:
    """An episode as one user may see it: the episode and their view of it."""

    episode: Episode
    view: View

    def fields(self, now: datetime | None = None) -> dict[str, Any]:
        return access.case_fields(self.episode, self.view, now)


def episodes_for_user(user: User) -> QuerySet[Episode]:
    """The cases the user works on and may list: their force's, restricted ones only
    when they opened them with a reason (R-RES-01)."""
    force_id = access.user_force_id(user)
    if force_id is None or not access.is_operational_police(user):
        return Episode.objects.none()
    return (
        Episode.objects.filter(owning_area__parent_id=force_id)
        .filter(Q(restricted=False) | Q(pk__in=access.opened_ids(user)))
        .select_related("person", "owning_area", "owning_area__parent")
    )


def episodes_of_person(user: User, person_id: int) -> list[tuple[Episode, View]]:
    """A child's episodes that exist for the user (restricted ones only once opened with a
    reason), newest first, each with the user's view of it. Nothing is audited: the list
    shows when, category, status and owner, which every view may see."""
    episodes = (
        Episode.objects.filter(person_id=person_id)
        .select_related("person", "owning_area", "owning_area__parent")
        .order_by("-reported_at", "-pk")
    )
    opened = set(access.opened_ids(user))
    out = []
    for e in episodes:
        view = access.view_for(user, e, opened=e.pk in opened)
        if view is not None:
            out.append((e, view))
    return out


OPEN_CARER_REPORT = (CarerReportStatus.HELD, CarerReportStatus.WITH_POLICE)


def carer_reports_for_user(user: User) -> QuerySet[CarerReport]:
    """The carers' reports a user may list (the list page and the API), the same people
    ``get_carer_report_for_user`` lets open one, about children they may see:

    - a carer: their organisation's reports (or its parent's), open ones first, then newest;
    - operational police: their force's reports waiting to be taken (with the police),
      the child last seen longest ago first;
    - children's services: reports about the children they see, open first, then newest.

    Anyone else: none. Nothing is audited: a list shows no more than who, when and where."""
    if not getattr(user, "is_authenticated", False) or user.organisation is None:
        return CarerReport.objects.none()
    org = user.organisation
    wanted = Q(pk__in=[])
    if user.has_role(Role.CARER):
        wanted |= Q(provider_id__in=[pk for pk in (org.pk, org.parent_id) if pk])
    police = access.is_operational_police(user) and org.is_police and org.force is not None
    if police:
        assert org.force is not None
        wanted |= Q(force_id=org.force.pk, status=CarerReportStatus.WITH_POLICE)
    if user.has_role(*CHILDRENS_SERVICES_ROLES):
        wanted |= Q(pk__isnull=False)  # every report about a child they see (below)
    qs = CarerReport.objects.filter(wanted)
    if visible_people_filter(user) is not None:
        qs = qs.filter(person__in=people_for_user(user).values("pk"))
    qs = qs.select_related("person", "placement", "provider", "force", "area", "episode")
    if police and not user.has_role(Role.CARER, *CHILDRENS_SERVICES_ROLES):
        return qs.order_by("last_seen_at", "pk")
    open_first = Case(
        When(status__in=OPEN_CARER_REPORT, then=Value(0)),
        default=Value(1),
        output_field=IntegerField(),
    )
    return qs.order_by(open_first, "-reported_at", "-pk")


def _audit(user: User, episode: Episode, *, action: str, purpose: str, reason: str = "") -> None:
    audit_record(
        user=user,
        action=action,
        subject_type=access.SUBJECT,
        subject_id=episode.pk,
        purpose=purpose,
        reason=reason,
    )


def get_episode_for_user(
    user: User,
    episode_id: int,
    *,
    action: str | None = None,
    reason: str | None = None,
    purpose: str = "view case",
    for_update: bool = False,
) -> CaseAccess:
    """The one way to fetch an episode, for a page, an endpoint or a service.

    What the user may not see is "not found", whether or not it exists, before anything
    else is checked. A restricted case asks those who may open it for a reason
    (RestrictedRecord); police of another force see a summary until they state one. The
    opening with a reason, or the read, is written to the audit log (in the caller's
    transaction) once every check has passed; ``action`` (access.CASE_WORK) is checked
    last: seen but not allowed is PermissionDenied. ``for_update`` locks the row."""
    if not getattr(user, "is_authenticated", False):
        raise NotFound(access.NOT_FOUND)
    qs = Episode.objects.select_related(
        "person", "force", "owning_area", "owning_area__parent", "establishment"
    )
    if for_update:
        qs = qs.select_for_update(of=("self",))
    episode = qs.filter(pk=episode_id).first()
    if episode is None:
        raise NotFound(access.NOT_FOUND)
    opened = access.opened_with_reason(user, episode)
    view = access.view_for(user, episode, opened=opened)
    stated = (reason or "").strip()
    opening = False
    if stated and not opened and access.may_open_with_reason(user, episode):
        view, opening = View.FULL, True
    if view is None:
        if episode.restricted and access.may_open_with_reason(user, episode):
            raise RestrictedRecord("This record is restricted: say why you need to open it")
        raise NotFound(access.NOT_FOUND)
    if action is not None and not access.may(user, episode, action, view):
        raise PermissionDenied("Your role does not allow this")
    if opening:
        stated = clean_text(stated, "reason", required=True, max_len=500, multiline=True)
        _audit(
            user,
            episode,
            action=AuditAction.OPEN_RESTRICTED if episode.restricted else AuditAction.BREAK_GLASS,
            purpose=purpose,
            reason=stated,
        )
    else:
        _audit(user, episode, action=AuditAction.READ, purpose=purpose)
    return CaseAccess(episode, view)


def get_transfer_for_user(
    user: User, transfer_id: int, *, decide: bool = False, for_update: bool = False
) -> Transfer:
    """A transfer exists for whoever sees its case's transfers (access.FIELDS), and for the
    receiving area's officers (who see the case's summary until they accept it).
    ``decide``: the user must be an officer of the receiving area (or its force) who works
    on cases (R-OWN-03/04)."""
    qs = Transfer.objects.select_related(
        "episode", "episode__owning_area", "episode__person", "from_area", "to_area"
    )
    if for_update:
        qs = qs.select_for_update(of=("self",))
    transfer = qs.filter(pk=transfer_id).first()
    receiving = transfer is not None and is_receiving(user, transfer)
    if transfer is None or not (receiving or _sees_transfers(user, transfer.episode)):
        raise NotFound("No such transfer")
    if decide and not (receiving and rules.has_perm(access.CASE_WORK, user)):
        raise PermissionDenied("Only the receiving area decides a transfer")
    return transfer


def _sees_transfers(user: User, episode: Episode) -> bool:
    view = access.view_for(user, episode, opened=access.opened_with_reason(user, episode))
    return view is not None and access.sees(view, "transfers")


def is_receiving(user: User, transfer: Transfer) -> bool:
    org_id = getattr(user, "organisation_id", None)
    return (
        org_id is not None
        and access.is_operational_police(user)
        and org_id in {transfer.to_area_id, transfer.to_area.parent_id}
    )


RISK_FIRST = Case(
    When(risk="high", then=Value(0)),
    When(risk="medium", then=Value(1)),
    When(risk="low", then=Value(2)),
    When(risk="no_apparent_risk", then=Value(3)),
    default=Value(4),
    output_field=IntegerField(),
)


@dataclass(frozen=True)
class QueueRow:
    episode: Episode
    why: str
    next_deadline: Deadline | None


# Each case's open deadlines, soonest first, fetched with the list in one more query.
_OPEN_DEADLINES = Prefetch(
    "deadlines",
    queryset=Deadline.objects.filter(status=DeadlineStatus.OPEN).order_by("due", "id"),
    to_attr="open_deadline_list",
)


def case_rows(
    qs: QuerySet[Episode], why: Callable[[Episode], str] = lambda e: ""
) -> list[QueueRow]:
    """A list of cases with each one's next deadline and its CSE screening (if any), high
    risk first."""
    episodes = (
        qs.select_related("cse_screening")
        .prefetch_related(_OPEN_DEADLINES)
        .order_by(RISK_FIRST, "reported_at")
    )
    return [QueueRow(e, why(e), next(iter(e.open_deadline_list), None)) for e in episodes]


REVIEW_KINDS = ("risk_review", "absent_review", "nar_review", "callback")


def supervision_queue(user: User, area: Organisation | None = None) -> list[QueueRow]:
    """The duty inspector's list: absent / no-apparent-risk reports awaiting review, cases
    graded below the recommendation or in dispute, and missing cases whose review or
    call-back is due (R-CLS-07, R-REV-01..08, R-HMI-05). One query joins the deadlines."""
    if not rules.has_perm("episodes.supervise", user):
        raise NotFound("No such page")
    qs = episodes_for_user(user).exclude(status=Status.CLOSED)
    if area is not None:
        qs = qs.filter(owning_area=area)
    due = Deadline.objects.filter(
        content_type=ContentType.objects.get_for_model(Episode),
        object_id=OuterRef("pk"),
        status=DeadlineStatus.OPEN,
        kind__in=REVIEW_KINDS,
        due__lte=timezone.now(),
    )
    qs = qs.filter(Q(awaiting_supervisor=True) | Exists(due))
    return case_rows(qs, lambda e: e.supervisor_reason or "Review due")


def daily_management(user: User, area_id: int) -> tuple[Organisation, list[QueueRow]]:
    """Every open case of a policing area of the user's force, high risk first, with owner
    and next deadline (R-REV-09). Only for those the meeting is for."""
    area = (
        Organisation.objects.select_related("parent")
        .filter(pk=area_id, kind=OrganisationKind.POLICING_AREA)
        .first()
    )
    if (
        area is None
        or not rules.has_perm("episodes.daily_meeting", user)
        or area.parent_id is None
        or area.parent_id != access.user_force_id(user)
    ):
        raise NotFound("No such area")
    qs = episodes_for_user(user).filter(owning_area=area).exclude(status=Status.CLOSED)
    return area, case_rows(qs)


def my_cases(user: User) -> list[QueueRow]:
    """The open cases the user reported or worked on."""
    mine = Episode.objects.filter(Q(created_by=user) | Q(entries__by=user)).values("pk")
    return case_rows(episodes_for_user(user).exclude(status=Status.CLOSED).filter(pk__in=mine))


open_deadlines = access.open_deadlines


def openings(user: User, episode: Episode) -> list[AuditEvent]:
    """Who opened the case by stating a reason (a restricted record, or another force's
    break-glass), when and why: shown to the owning area's inspectors and above (R-RES-01:
    "the owner sees who opened them")."""
    if not rules.has_perm("episodes.see_restricted_openings", user, episode):
        return []
    return list(
        AuditEvent.objects.filter(
            subject_type=access.SUBJECT,
            subject_id=str(episode.pk),
            action__in=access.OPENING_ACTIONS,
        )
        .select_related("organisation")
        .order_by("-id")[:100]
    )


@dataclass(frozen=True)
class DueRow:
    episode: Episode
    deadline: Deadline
    left: timedelta  # negative when overdue

    @property
    def overdue(self) -> bool:
        return self.left <= timedelta(0)


WORK_LIST_LIMIT = 500


def due_for_user(user: User, now: datetime | None = None) -> list[DueRow]:
    """The user's work list: open deadlines of the open cases of their policing area (or,
    for force-level staff, their force) they may list, overdue first, then soonest. The
    cases are a subquery of the deadlines' query; only the rows shown are loaded."""
    now = now or timezone.now()
    episodes = episodes_for_user(user).exclude(status=Status.CLOSED)
    org = user.organisation
    if org is not None and org.kind == OrganisationKind.POLICING_AREA:
        episodes = episodes.filter(owning_area=org)
    rows = (
        Deadline.objects.filter(
            content_type=ContentType.objects.get_for_model(Episode),
            object_id__in=episodes.values("pk"),
            status=DeadlineStatus.OPEN,
        )
        .prefetch_related(
            GenericPrefetch(
                "subject",
                [Episode.objects.select_related("person", "owning_area")],  # type: ignore[type-var]
            )
        )
        .order_by("due", "id")[:WORK_LIST_LIMIT]
    )
    return [DueRow(cast(Episode, d.subject), d, d.due - now) for d in rows]


def cse_screening_of(episode: Episode) -> CseScreening | None:
    """The episode's CSE screening (R-CSE-01), if recorded: read after the case's door."""
    return (
        CseScreening.objects.select_related("screened_by", "organisation")
        .filter(episode=episode)
        .first()
    )

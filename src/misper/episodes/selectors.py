"""Reading episodes. Every episode a user asks for comes through get_episode_for_user:
permission checked, the read audited, and a restricted record opened only by the roles
allowed to, after they state a reason (R-RES-01). Lists leave restricted records out."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import rules
from django.db.models import Case, IntegerField, Q, QuerySet, Value, When

from misper.agencies.errors import NotFound, PermissionDenied, ValidationFailed
from misper.agencies.models import (
    AuditEvent,
    Deadline,
    DeadlineStatus,
    Organisation,
    OrganisationKind,
    User,
)
from misper.agencies.services import audit_record
from misper.episodes.codes import Status
from misper.episodes.models import Episode


class RestrictedRecord(PermissionDenied):
    """The episode is restricted: say why you are opening it."""

    code = "restricted"


def _force_id(user: User) -> int | None:
    org = user.organisation
    force = org.force if org is not None else None
    return force.pk if force is not None else None


def episodes_for_user(user: User) -> QuerySet[Episode]:
    """Episodes the user may list: their force's, without restricted ones."""
    force_id = _force_id(user)
    if force_id is None:
        return Episode.objects.none()
    return Episode.objects.filter(force_id=force_id, restricted=False).select_related(
        "person", "owning_area"
    )


def get_episode_for_user(user: User, episode_id: int, *, purpose: str, reason: str = "") -> Episode:
    episode = (
        Episode.objects.select_related("person", "force", "owning_area", "establishment")
        .prefetch_related("gradings", "decisions", "entries", "transfers")
        .filter(pk=episode_id)
        .first()
    )
    if episode is None or not rules.has_perm("episodes.view", user, episode):
        raise NotFound("No such episode")
    if episode.restricted:
        if not rules.has_perm("episodes.open_restricted", user):
            raise NotFound("No such episode")
        if not reason.strip():
            raise RestrictedRecord("This record is restricted: say why you need to open it")
        if len(reason) > 500:
            raise ValidationFailed("The reason must be 500 characters or fewer", field="reason")
        audit_record(
            user=user,
            action="open_restricted",
            subject_type="episode",
            subject_id=episode.pk,
            purpose=purpose,
            reason=reason.strip(),
        )
    else:
        audit_record(
            user=user, action="read", subject_type="episode", subject_id=episode.pk, purpose=purpose
        )
    return episode


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


def _next_deadlines(ids: list[int]) -> dict[int, Deadline]:
    out: dict[int, Deadline] = {}
    rows = Deadline.objects.filter(
        subject_type="episode", subject_id__in=[str(i) for i in ids], status=DeadlineStatus.OPEN
    ).order_by("due")
    for d in rows:
        out.setdefault(int(d.subject_id), d)
    return out


def supervision_queue(user: User, area: Organisation | None = None) -> list[QueueRow]:
    """The duty inspector's list: absent / no-apparent-risk reports awaiting review, cases
    graded below the recommendation or in dispute, and missing cases whose risk review is
    due (R-CLS-07, R-REV-01..08, R-HMI-05)."""
    if not rules.has_perm("episodes.supervise", user):
        raise NotFound("No such page")
    qs = episodes_for_user(user).exclude(status=Status.CLOSED)
    if area is not None:
        qs = qs.filter(owning_area=area)
    from django.utils import timezone

    due_review = Deadline.objects.filter(
        subject_type="episode",
        status=DeadlineStatus.OPEN,
        kind__in=["risk_review", "absent_review", "nar_review", "callback"],
        due__lte=timezone.now(),
    ).values_list("subject_id", flat=True)
    qs = qs.filter(Q(awaiting_supervisor=True) | Q(pk__in=[int(i) for i in due_review]))
    episodes = list(qs.order_by(RISK_FIRST, "reported_at"))
    nexts = _next_deadlines([e.pk for e in episodes])
    return [QueueRow(e, e.supervisor_reason or "Review due", nexts.get(e.pk)) for e in episodes]


def daily_management(user: User, area: Organisation) -> list[QueueRow]:
    """Every open case of a policing area, high risk first, with owner and next deadline
    (R-REV-09)."""
    if area.force is None or area.force.pk != _force_id(user):
        raise NotFound("No such area")
    episodes = list(
        episodes_for_user(user)
        .filter(owning_area=area)
        .exclude(status=Status.CLOSED)
        .order_by(RISK_FIRST, "reported_at")
    )
    nexts = _next_deadlines([e.pk for e in episodes])
    return [QueueRow(e, "", nexts.get(e.pk)) for e in episodes]


def open_deadlines(episode: Episode) -> QuerySet[Deadline]:
    return Deadline.objects.filter(
        subject_type="episode", subject_id=str(episode.pk), status=DeadlineStatus.OPEN
    ).order_by("due")


def restricted_openings(user: User, episode: Episode) -> list[AuditEvent]:
    """Who opened a restricted episode, when and why: shown to the owning area's
    inspectors and above (R-RES-01: "the owner sees who opened them")."""
    if not episode.restricted:
        return []
    if not rules.has_perm("episodes.see_restricted_openings", user, episode):
        return []
    return list(
        AuditEvent.objects.filter(
            subject_type="episode", subject_id=str(episode.pk), action="open_restricted"
        ).order_by("-id")[:100]
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
    """The user's work list: open deadlines of the open, unrestricted episodes of their
    policing area (or, for force-level staff, their force), overdue first, then soonest."""
    from django.utils import timezone

    now = now or timezone.now()
    episodes = episodes_for_user(user).exclude(status=Status.CLOSED)
    org = user.organisation
    if org is not None and org.kind == OrganisationKind.POLICING_AREA:
        episodes = episodes.filter(owning_area=org)
    by_id = {str(e.pk): e for e in episodes}
    rows = Deadline.objects.filter(
        subject_type="episode", subject_id__in=list(by_id), status=DeadlineStatus.OPEN
    ).order_by("due", "id")[:WORK_LIST_LIMIT]
    return [DueRow(by_id[d.subject_id], d, d.due - now) for d in rows]

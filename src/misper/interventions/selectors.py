"""Reading trigger records and meetings. Every record comes through
``get_trigger_for_user``: "No such trigger" for whoever may not see it, then the action,
then the audit row (a trigger names a child).

- The force's missing person and CSE coordinators see its trigger records and act on them
  (allocate, raise by hand, close, arrange and record meetings).
- Its superintendents see them (level 4 goes to the policing area's senior management
  team, R-TRG-13).
- The responsible authority's children's services (social workers, team managers, IROs)
  see the triggers about their children and the establishments in their area, and arrange,
  record and defer the meetings, which children's services chair (R-TRG-09).
- The same coordinators and children's services set the date of the MASE meeting a child
  is listed for and record its discussion (R-CSE-02..05), as they convene meetings.
- A person invited to a meeting sees it and marks their actions done.
- The officer a trigger is allocated to sees it and closes it (R-TRG-05).
- Nobody else; a trigger fired by a restricted case is never recorded (R-RES-01).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from django.db.models import Count, F, Max, Q, QuerySet
from django.utils import timezone

from misper.agencies.models import Organisation, User
from misper.agencies.roles import CHILDRENS_SERVICES_ROLES, OPERATIONAL_POLICE_ROLES, Role
from misper.core.audit import audit_record
from misper.core.errors import NotFound, PermissionDenied
from misper.episodes.models import Episode
from misper.episodes.selectors import episodes_for_user
from misper.interventions.models import (
    ENDED,
    HarbouringNotice,
    MaseDiscussion,
    MaseStatus,
    Meeting,
    MeetingAction,
    MeetingStatus,
    NoticeStatus,
    Owner,
    TriggerRecord,
    TriggerStatus,
)
from misper.people.models import Associate, Person
from misper.people.selectors import flag_requests_for_user, people_for_user
from misper.policy.calendar import local_midnight
from misper.policy.monthly import MonthlyList, monthly_list
from misper.policy.profiles import load_profile

NO_SUCH_TRIGGER = "No such trigger"
NO_MASE = "This trigger lists no child for a MASE meeting"
COORDINATORS = (Role.MISSING_PERSON_COORDINATOR, Role.CSE_COORDINATOR)
FORCE_READERS = (*COORDINATORS, Role.SUPERINTENDENT)


class Do(StrEnum):
    READ = "read"
    COORDINATE = "coordinate"  # allocate, raise, close: the force's coordinators
    MEET = "meet"  # arrange, record, defer a meeting; agree actions: coordinators and CS


def force_id_of(user: User) -> int | None:
    org = user.organisation
    force = org.force if org is not None else None
    return force.pk if force is not None else None


def _who(user: User, t: TriggerRecord) -> set[Do]:
    org = getattr(user, "organisation_id", None)
    if org is None:
        return set()
    may: set[Do] = set()
    if user.has_role(*FORCE_READERS) and force_id_of(user) == t.force_id:
        may.add(Do.READ)
        if user.has_role(*COORDINATORS):
            may |= {Do.COORDINATE, Do.MEET}
    if t.authority_id == org and user.has_role(*CHILDRENS_SERVICES_ROLES):
        may |= {Do.READ, Do.MEET}
    if t.allocated_to_id is not None and t.allocated_to_id == user.pk:
        may.add(Do.READ)  # the officer it is allocated to reviews and closes it (R-TRG-05)
    if (
        Do.READ not in may
        and hasattr(t, "meeting")
        and t.meeting.invitees.filter(user=user).exists()
    ):
        may.add(Do.READ)
    return may


def triggers_for_user(user: User) -> QuerySet[TriggerRecord]:
    """The trigger records the user sees (see the module's docstring)."""
    org = getattr(user, "organisation_id", None)
    if org is None:
        return TriggerRecord.objects.none()
    q = Q(pk__in=[])
    force = force_id_of(user)
    if force is not None and user.has_role(*FORCE_READERS):
        q |= Q(force_id=force)
    if user.has_role(*CHILDRENS_SERVICES_ROLES):
        q |= Q(authority_id=org)
    q |= Q(meeting__invitees__user=user) | Q(allocated_to=user)
    return (
        TriggerRecord.objects.filter(q)
        .distinct()
        .select_related("person", "establishment", "force", "authority", "allocated_to")
    )


def get_trigger_for_user(
    user: User, trigger_id: int, *, do: Do = Do.READ, purpose: str, for_update: bool = False
) -> TriggerRecord:
    qs = TriggerRecord.objects.select_related(
        "person", "establishment", "force", "authority", "allocated_to", "episode"
    )
    if for_update:
        qs = qs.select_for_update(of=("self",))
    t = qs.filter(pk=trigger_id).first()
    if t is None:
        raise NotFound(NO_SUCH_TRIGGER)
    may = _who(user, t)
    if Do.READ not in may:
        raise NotFound(NO_SUCH_TRIGGER)
    if do not in may:
        raise PermissionDenied(
            "Only the force's missing person coordinators may do this"
            if do == Do.COORDINATE
            else "Only the coordinators and the child's children's services may do this"
        )
    audit_record(user=user, action="read", subject_type="trigger", subject_id=t.pk, purpose=purpose)
    return t


def may_do(user: User, t: TriggerRecord, do: Do) -> bool:
    return do in _who(user, t)


def get_meeting_for_user(
    user: User, meeting_id: int, *, do: Do = Do.READ, purpose: str, for_update: bool = False
) -> Meeting:
    trigger_id = Meeting.objects.filter(pk=meeting_id).values_list("trigger_id", flat=True).first()
    if trigger_id is None:
        raise NotFound(NO_SUCH_TRIGGER)
    get_trigger_for_user(user, trigger_id, do=do, purpose=purpose)
    qs = Meeting.objects.select_related("trigger", "deferral_partner")
    if for_update:
        qs = qs.select_for_update(of=("self",))
    return qs.get(pk=meeting_id)


def get_mase_for_user(
    user: User, discussion_id: int, *, do: Do = Do.READ, purpose: str, for_update: bool = False
) -> MaseDiscussion:
    """A MASE discussion through its trigger record's door (the trigger, then the
    discussion, locked in that order when ``for_update``)."""
    trigger_id = (
        MaseDiscussion.objects.filter(pk=discussion_id).values_list("trigger_id", flat=True).first()
    )
    if trigger_id is None:
        raise NotFound(NO_SUCH_TRIGGER)
    t = get_trigger_for_user(user, trigger_id, do=do, purpose=purpose, for_update=for_update)
    qs = MaseDiscussion.objects.select_related("authority", "recorded_by")
    if for_update:
        qs = qs.select_for_update(of=("self",))
    d = qs.get(pk=discussion_id)
    d.trigger = t
    return d


def mase_of(t: TriggerRecord) -> MaseDiscussion | None:
    """The trigger's MASE discussion, if it lists a child (read after the trigger's door)."""
    return (
        MaseDiscussion.objects.select_related("authority", "recorded_by").filter(trigger=t).first()
    )


# --- The coordinator's desk ---------------------------------------------------------------

NEAR_THRESHOLD = 15  # an establishment this close to R-TRG-16's 21 in a year is shown


def desk(user: User) -> dict[str, object]:
    """One page for a coordinator (issue 12 §6): new triggers, meetings due and overdue,
    actions overdue, the MASE list, and the establishments nearing their threshold."""
    if not user.has_role(*COORDINATORS, *CHILDRENS_SERVICES_ROLES, Role.SUPERINTENDENT):
        raise PermissionDenied("The desk is the coordinators'")
    now = timezone.now()
    mine = triggers_for_user(user)
    meetings = Meeting.objects.filter(trigger__in=mine).select_related(
        "trigger", "trigger__person", "trigger__establishment"
    )
    force = force_id_of(user)
    near: list[dict[str, object]] = []
    if force is not None:
        since = now - timedelta(days=365)
        near = list(
            Episode.objects.filter(
                force_id=force,
                category="missing",
                reported_at__gte=since,
                establishment__isnull=False,
                restricted=False,
            )
            .values("establishment__name", "establishment_id")
            .annotate(n=Count("id"))
            .filter(n__gte=NEAR_THRESHOLD)
            .order_by("-n")
        )
    return {
        "new": list(mine.filter(status=TriggerStatus.NEW).order_by("-created_at")[:100]),
        "in_hand": list(mine.filter(status=TriggerStatus.IN_HAND).order_by("-created_at")[:100]),
        # The children listed for a MASE meeting and not yet discussed, by authority and
        # meeting date (a date still to set first).
        "mase": list(
            mine.filter(owner=Owner.MASE, mase__status=MaseStatus.LISTED)
            .exclude(status__in=ENDED)
            .select_related("mase")
            .order_by(
                "authority__name",
                F("mase__listed_for").asc(nulls_first=True),
                "created_at",
                "id",
            )[:100]
        ),
        "meetings_due": list(
            meetings.filter(status=MeetingStatus.TO_ARRANGE)
            .exclude(trigger__status__in=ENDED)
            .order_by("due")[:100]
        ),
        "meetings_arranged": list(
            meetings.filter(status=MeetingStatus.ARRANGED)
            .exclude(trigger__status__in=ENDED)
            .order_by("scheduled_for")[:100]
        ),
        "actions_overdue": list(
            MeetingAction.objects.filter(
                meeting__in=meetings, done_at__isnull=True, due_on__lt=timezone.localdate()
            ).select_related("meeting", "owner")[:100]
        ),
        "establishments": near,
        "monthly": monthly_missing(user),
        # Requests from other agencies to flag a child, waiting for the coordinators.
        "flag_requests": flag_requests_for_user(user).count(),
        # Harbouring warning notices prepared and not yet served (R-HRB-04), oldest first.
        "notices_unserved": list(
            notices_for_user(user)
            .filter(status=NoticeStatus.PREPARED)
            .prefetch_related("children__person")
            .order_by("prepared_at", "pk")[:100]
        ),
        "now": now,
    }


@dataclass(frozen=True)
class MonthlyRow:
    person_id: int
    name: str
    count: int
    last: datetime


@dataclass(frozen=True)
class Monthly:
    """The monthly list of R-TRG-20 as drawn today, for a force whose profile adopts it."""

    config: MonthlyList
    first: date
    last: date
    rows: list[MonthlyRow]


def monthly_missing(user: User, today: date | None = None) -> Monthly | None:
    """The children of the user's force missing at least the profile's number of times in
    its months (R-TRG-20), most often first; None where the force's profile does not adopt
    the list or the user is not one of its readers. Restricted cases do not count."""
    force_id = force_id_of(user)
    if force_id is None or not user.has_role(*FORCE_READERS):
        return None
    force = Organisation.objects.get(pk=force_id)
    cfg = monthly_list(load_profile(force.policy_profile)) if force.policy_profile else None
    if cfg is None:
        return None
    first, last = cfg.window(today or timezone.localdate())
    rows = (
        Episode.objects.filter(
            force_id=force_id,
            category="missing",
            restricted=False,
            reported_at__gte=local_midnight(first),
            reported_at__lt=local_midnight(last + timedelta(days=1)),
        )
        .values("person_id", "person__given_name", "person__family_name")
        .annotate(n=Count("id"), latest=Max("reported_at"))
        .filter(n__gte=cfg.min_episodes)
        .order_by("-n", "person__family_name", "person_id")
    )
    return Monthly(
        cfg,
        first,
        last,
        [
            MonthlyRow(
                r["person_id"],
                f"{r['person__given_name']} {r['person__family_name']}",
                r["n"],
                r["latest"],
            )
            for r in rows[:500]
        ],
    )


# --- Harbouring notices (interventions/harbouring.py writes them) ----------------------------
#
# A notice is seen by the operational police of the force that serves it and by children's
# services of the authority whose manager made the statement; nobody else. The police
# serve it; either side records a breach; whoever may prepare one withdraws it.

NO_SUCH_NOTICE = "No such notice"
POLICE_PREPARERS = frozenset(
    {
        Role.MISSING_PERSON_COORDINATOR,
        Role.CSE_COORDINATOR,
        Role.SERGEANT,
        Role.INSPECTOR,
        Role.CHIEF_INSPECTOR,
        Role.SUPERINTENDENT,
    }
)
SERVERS = OPERATIONAL_POLICE_ROLES - {Role.CALL_HANDLER}


class NoticeDo(StrEnum):
    READ = "read harbouring notice"
    SERVE = "serve harbouring notice"
    BREACH = "record harbouring breach"
    WITHDRAW = "withdraw harbouring notice"


def notice_preparer_roles() -> frozenset[str]:
    return POLICE_PREPARERS | {Role.TEAM_MANAGER}


def _notice_who(user: User, n: HarbouringNotice) -> set[NoticeDo]:
    may: set[NoticeDo] = set()
    if user.has_role(*OPERATIONAL_POLICE_ROLES) and force_id_of(user) == n.force_id:
        may |= {NoticeDo.READ, NoticeDo.BREACH}
        if user.has_role(*SERVERS):
            may.add(NoticeDo.SERVE)
        if user.has_role(*POLICE_PREPARERS):
            may.add(NoticeDo.WITHDRAW)
    if user.organisation_id == n.authority_id and user.has_role(*CHILDRENS_SERVICES_ROLES):
        may |= {NoticeDo.READ, NoticeDo.BREACH}
        if user.has_role(Role.TEAM_MANAGER):
            may.add(NoticeDo.WITHDRAW)
    return may


def notice_may(user: User, n: HarbouringNotice, do: NoticeDo) -> bool:
    return do in _notice_who(user, n)


def notices_for_user(user: User) -> QuerySet[HarbouringNotice]:
    if not getattr(user, "is_authenticated", False) or user.organisation_id is None:
        return HarbouringNotice.objects.none()
    q = Q(pk__in=[])
    if user.has_role(*OPERATIONAL_POLICE_ROLES) and force_id_of(user) is not None:
        q |= Q(force_id=force_id_of(user))
    if user.has_role(*CHILDRENS_SERVICES_ROLES):
        q |= Q(authority_id=user.organisation_id)
    return HarbouringNotice.objects.filter(q).select_related(
        "adult", "force", "authority", "prepared_by", "served_by"
    )


def get_notice_for_user(
    user: User, notice_id: int, *, purpose: str, for_update: bool = False
) -> HarbouringNotice:
    """A notice, audited (it names children): "No such notice" for whoever may not see it."""
    notice = notices_for_user(user).filter(pk=notice_id).first()
    if notice is None:
        raise NotFound(NO_SUCH_NOTICE)
    if for_update:
        notice = (
            HarbouringNotice.objects.select_for_update().select_related("adult").get(pk=notice.pk)
        )
    audit_record(
        user=user,
        action="read",
        subject_type="harbouring_notice",
        subject_id=notice.pk,
        purpose=purpose,
    )
    return notice


def notices_about_adult(user: User, adult_id: int) -> QuerySet[HarbouringNotice]:
    return notices_for_user(user).filter(adult_id=adult_id)


def notices_naming(user: User, person_id: int) -> QuerySet[HarbouringNotice]:
    return notices_for_user(user).filter(children__person_id=person_id).distinct()


def notice_children_visible(user: User, person_ids: list[int]) -> set[int]:
    """Which of a notice's children the user may see (the others are not named to them)."""
    return set(people_for_user(user).filter(pk__in=person_ids).values_list("pk", flat=True))


def children_linked_to_adult(user: User, adult_id: int) -> list[Person]:
    """The children one of whose associates is the adult, that the user may see: the
    children a notice on the adult is likely to name."""
    linked = Associate.objects.filter(adult_id=adult_id).values("person_id")
    return list(people_for_user(user).filter(pk__in=linked).order_by("family_name", "given_name"))


def notice_episodes(user: User, notice: HarbouringNotice) -> list[Episode]:
    """The missing episodes of the children a notice names, since it was prepared, that the
    user may see (a breach may be recorded against one), newest first, at most 50."""
    ids = list(notice.children.values_list("person_id", flat=True))
    return list(
        episodes_for_user(user)
        .filter(person_id__in=ids, reported_at__gte=notice.prepared_at)
        .order_by("-reported_at", "-pk")[:50]
    )

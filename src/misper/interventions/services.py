"""Every change to a trigger record or a meeting (R-TRG-05, R-TRG-09..15, R-TRG-19). Each
service is one transaction: the record is fetched through the selectors (view, action,
audit), the version the user saw is checked, the change and its timeline event are
written, the deadlines kept, and whoever must know is told (no personal data in a
message: the trigger's number and a link)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from misper.agencies.models import Organisation, OrganisationKind, User
from misper.agencies.roles import CHILDRENS_SERVICES_ROLES, POLICE_ROLES, Role
from misper.core.deadlines import deadline_meet, deadlines_open_new, deadlines_sync
from misper.core.errors import (
    ConcurrentEdit,
    NotFound,
    PermissionDenied,
    ValidationFailed,
    WrongState,
)
from misper.core.timeline import timeline_record
from misper.core.validation import (
    CLOCK_SKEW,
    clean_choice,
    clean_day,
    clean_free_text,
    clean_instant,
    clean_text,
)
from misper.episodes.models import Episode
from misper.interventions.events import InterventionsVerb
from misper.interventions.models import (
    Invitee,
    MaseDiscussion,
    Meeting,
    MeetingAction,
    MeetingStatus,
    Owner,
    Scope,
    TriggerRecord,
    TriggerStatus,
)
from misper.interventions.selectors import (
    NO_SUCH_TRIGGER,
    Do,
    force_id_of,
    get_meeting_for_user,
    get_trigger_for_user,
)
from misper.notifications.services import Recipient, coordinators_of, notify
from misper.people.models import Placement
from misper.people.selectors import get_person_for_user
from misper.policy.calendar import LONDON

OWNER = "interventions"  # core.Deadline.owner
SUBJECT = "trigger"
MEETING_DAYS = 7  # R-TRG-09: "within seven days" (C-07), also for a trigger raised by hand


# --- Shared steps ---------------------------------------------------------------------------


def check_version(version: int | None, current: int) -> None:
    if version is not None and version != current:
        raise ConcurrentEdit(
            "Someone else changed this after you opened it: reload it and try again",
            field="version",
        )


def bump(obj: TriggerRecord | Meeting | MaseDiscussion) -> None:
    obj.version += 1
    obj.save()


def event(
    actor: User | None,
    trigger: TriggerRecord,
    verb: InterventionsVerb,
    changes: dict[str, Any] | None = None,
    *,
    rationale: str = "",
    rules: list[str] | tuple[str, ...] = (),
    role: str = "",
) -> None:
    timeline_record(
        actor=actor,
        role=role,
        subject_type=SUBJECT,
        subject_id=trigger.pk,
        verb=verb,
        changes=changes or {},
        rationale=rationale,
        rule_ids=list(rules),
    )


def _link(trigger: TriggerRecord) -> str:
    return f"/interventions/{trigger.pk}/"


def coordinators(force: Organisation) -> list[Recipient]:
    return coordinators_of(force)


def tell(trigger: TriggerRecord, *, rule: str, key: str, title: str, to: list[Recipient]) -> int:
    return len(
        notify(
            rule=rule,
            event_key=f"trigger:{trigger.pk}:{key}",
            subject_type=SUBJECT,
            subject_id=trigger.pk,
            title=title,
            link=_link(trigger),
            recipients=to,
        )
    )


def responsible_authority(episode: Episode) -> Organisation | None:
    """The child's responsible authority: the placing authority of the current placement
    (the latest started; of two started the same day, the later recorded), else the home
    authority."""
    return responsible_authorities([episode])[episode.person_id]


def responsible_authorities(episodes: Iterable[Episode]) -> dict[int, Organisation | None]:
    """``responsible_authority`` of each episode's child, by the child's id, with the
    current placements of them all read at once."""
    of = {ep.person_id: ep for ep in episodes}
    current: dict[int, Placement] = {}
    ids = sorted(of)
    for i in range(0, len(ids), 900):
        for placement in (
            Placement.objects.filter(person_id__in=ids[i : i + 900], ended_on__isnull=True)
            .select_related("placing_authority")
            .order_by("person_id", "-started_on", "-pk")
        ):
            current.setdefault(placement.person_id, placement)  # the first: the latest
    return {
        person_id: current[person_id].placing_authority
        if person_id in current
        else ep.person.home_authority
        for person_id, ep in of.items()
    }


def tell_of_trigger(t: TriggerRecord) -> None:
    """Who is told of a new trigger record (§14.5): the force's coordinators always; the
    authority for a MASE listing or an organisational review; the force's strategic lead
    (the force) at level 3 (R-TRG-12); the policing area's senior management team at
    level 4 (R-TRG-13)."""
    tell_of_triggers([t])


def tell_of_triggers(records: Iterable[TriggerRecord]) -> None:
    """``tell_of_trigger`` for each record, in order, with the same messages: who is told
    (a force's coordinators, an area's senior management team) is looked up once for them
    all, the records being written in one transaction (the bulk import's trigger pass)."""
    forces: dict[int, list[Recipient]] = {}
    areas: dict[int, list[Recipient]] = {}
    for t in records:
        _tell_of_trigger(t, forces, areas)


def _tell_of_trigger(
    t: TriggerRecord, forces: dict[int, list[Recipient]], areas: dict[int, list[Recipient]]
) -> None:
    level = f"level {t.level} " if t.level else ""
    if t.force_id not in forces:
        forces[t.force_id] = coordinators(t.force)
    tell(
        t,
        rule=t.rule,
        key="new",
        title=f"Repeat-missing trigger {t.pk}: {level}{t.get_owner_display()}",
        to=forces[t.force_id],
    )
    if t.authority is not None and t.owner in (Owner.MASE, Owner.CHILDRENS_SERVICES):
        title = (
            f"Listed for MASE: trigger {t.pk}"
            if t.owner == Owner.MASE
            else f"Organisational review due: trigger {t.pk}"
        )
        tell(t, rule=t.rule, key="authority", title=title, to=[Recipient(organisation=t.authority)])
    if t.level == 3:
        tell(
            t,
            rule="R-TRG-12",
            key="strategic-lead",
            title=f"Level 3 report for the strategic lead: trigger {t.pk}",
            to=[Recipient(organisation=t.force)],
        )
    if t.level == 4 and t.episode is not None:
        area = t.episode.owning_area
        if area.pk not in areas:
            areas[area.pk] = [
                Recipient(organisation=area),
                *(
                    Recipient(user=u)
                    for u in User.objects.filter(
                        organisation=area,
                        is_active=True,
                        role_assignments__role=Role.SUPERINTENDENT,
                    ).distinct()
                ),
            ]
        tell(
            t,
            rule="R-TRG-13",
            key="smt",
            title=f"Level 4: for the senior management team, trigger {t.pk}",
            to=areas[area.pk],
        )


def sync_meeting(meeting: Meeting) -> None:
    """A meeting to arrange or arranged is due by its deadline; held, deferred or
    suspended, it is not."""
    deadlines_sync(owner=OWNER, subject=meeting, wanted=meeting_deadlines(meeting))


def meeting_deadlines(meeting: Meeting) -> list[tuple[str, datetime, str]]:
    """The deadlines the meeting has open (kind, due, rule), as ``sync_meeting`` keeps them."""
    if meeting.status in (MeetingStatus.TO_ARRANGE, MeetingStatus.ARRANGED):
        return [("intervention_meeting_due", meeting.due, meeting.rule or "R-TRG-09")]
    return []


def open_meetings(meetings: Sequence[Meeting]) -> None:
    """``sync_meeting`` of meetings just made, in the same transaction: they have no
    deadlines yet, so syncing only creates theirs, here in one insert."""
    deadlines_open_new(owner=OWNER, wanted=[(m, meeting_deadlines(m)) for m in meetings])


# --- The trigger record -------------------------------------------------------------------------


def trigger_raise(
    *, actor: User, person_id: int, level: int | None, rationale: str, now: datetime | None = None
) -> TriggerRecord:
    """R-TRG-14: an intervention launched or escalated by hand, for a single very high-risk
    episode or where immediate action is needed: with the rationale, a meeting due within
    seven days."""
    now = now or timezone.now()
    rationale = clean_free_text(rationale, "rationale", required=True)
    if level is not None and level not in (1, 2, 3, 4):
        raise ValidationFailed("Choose a level from 1 to 4", field="level")
    if not actor.has_role(Role.MISSING_PERSON_COORDINATOR, Role.CSE_COORDINATOR):
        raise PermissionDenied("Only a missing person or CSE coordinator raises an intervention")
    force_id = force_id_of(actor)
    if force_id is None:
        raise PermissionDenied("Only a missing person or CSE coordinator raises an intervention")
    with transaction.atomic():
        person = get_person_for_user(
            actor, person_id, purpose="raise an intervention", for_update=True
        )
        latest = person.episodes.filter(restricted=False).order_by("-reported_at").first()
        t = TriggerRecord.objects.create(
            kind="manual",
            level=level,
            scope=Scope.PERSON,
            rule="R-TRG-14",
            action="Intervention raised by hand: " + rationale[:200],
            count=0,
            person=person,
            force_id=force_id,
            authority=responsible_authority(latest) if latest else person.home_authority,
            owner=Owner.COORDINATOR,
            status=TriggerStatus.IN_HAND,
            raised_by=actor,
            rationale=rationale,
            created_at=now,
        )
        meeting = Meeting.objects.create(
            trigger=t, due=now + timedelta(days=MEETING_DAYS), rule="R-TRG-14"
        )
        sync_meeting(meeting)
        changes = {"level": level, "owner": t.owner, "trigger": t.pk}
        event(actor, t, InterventionsVerb.RAISED, changes, rationale=rationale, rules=["R-TRG-14"])
        timeline_record(
            actor=actor,
            subject_type="person",
            subject_id=person.pk,
            verb=InterventionsVerb.RAISED,
            changes=changes,
            rationale=rationale,
            rule_ids=["R-TRG-14"],
        )
        tell_of_trigger(t)
    return t


def trigger_allocate(
    *, actor: User, trigger_id: int, version: int, user_id: int | None
) -> TriggerRecord:
    """The coordinator allocates the trigger (West Midlands: the non-crime reference to
    the safeguarding or child abuse team supervisor, R-TRG-05) to an officer of the force."""
    with transaction.atomic():
        t = get_trigger_for_user(
            actor, trigger_id, do=Do.COORDINATE, purpose="allocate", for_update=True
        )
        check_version(version, t.version)
        if t.status == TriggerStatus.CLOSED:
            raise WrongState("This trigger is closed", field="state")
        officer = (
            User.objects.filter(
                pk=user_id,
                is_active=True,
                organisation__in=[t.force, *t.force.children.all()],
                role_assignments__role__in=list(POLICE_ROLES),
            )
            .distinct()
            .first()
            if user_id
            else None
        )
        if officer is None:
            raise ValidationFailed("Choose an officer of the force", field="allocated_to")
        t.allocated_to = officer
        t.status = TriggerStatus.IN_HAND
        bump(t)
        event(
            actor,
            t,
            InterventionsVerb.ALLOCATED,
            {"allocated_to": str(officer)},
            rules=["R-TRG-05"],
        )
        tell(
            t,
            rule="R-TRG-05",
            key=f"allocated:{t.version}",
            title=f"Repeat-missing trigger {t.pk} allocated to you",
            to=[Recipient(user=officer)],
        )
    return t


def trigger_close(
    *, actor: User, trigger_id: int, version: int, outcome: str, now: datetime | None = None
) -> TriggerRecord:
    """The trigger's outcome is recorded and it closes: by a coordinator or the officer it
    was allocated to (R-TRG-05: "the supervisor ... decides")."""
    now = now or timezone.now()
    outcome = clean_free_text(outcome, "outcome", required=True)
    with transaction.atomic():
        t = get_trigger_for_user(actor, trigger_id, purpose="close", for_update=True)
        if t.allocated_to_id != actor.pk and not actor.has_role(
            Role.MISSING_PERSON_COORDINATOR, Role.CSE_COORDINATOR
        ):
            raise PermissionDenied("Only a coordinator or the officer it is allocated to closes it")
        check_version(version, t.version)
        if t.status == TriggerStatus.CLOSED:
            raise WrongState("This trigger is already closed", field="state")
        t.status = TriggerStatus.CLOSED
        t.outcome = outcome
        t.closed_at = now
        t.closed_by = actor
        bump(t)
        # A closed trigger's meeting not yet held is no longer due (the worker would
        # otherwise tell everyone it is overdue).
        meeting = Meeting.objects.filter(trigger=t).first()
        if meeting is not None:
            deadline_meet(
                owner=OWNER,
                subject=meeting,
                kind="intervention_meeting_due",
                reason="trigger closed",
            )
        event(actor, t, InterventionsVerb.CLOSED, rationale=outcome, rules=[t.rule])
    return t


# --- The meeting ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Invite:
    role: str
    user: User | None = None
    organisation: Organisation | None = None
    name: str = ""


def proposed_invitees(t: TriggerRecord) -> list[Invite]:
    """The level's attendee list (R-TRG-10..12, from the trigger's roles in the profile):
    the force's coordinators; the child's allocated social worker and the authority's team
    managers (children's services chair); the care home when the child is placed; the
    owning area's sergeants at level 3; and the return interviewer if different
    (R-RHI-15)."""
    out: list[Invite] = [
        Invite("Missing person coordinator", user=r.user) for r in coordinators(t.force) if r.user
    ]
    person = t.person
    roles = set(t.roles or [])
    if person is not None:
        for a in person.allocations.filter(ended_on__isnull=True).select_related("user"):
            out.append(Invite(a.role.replace("_", " ").capitalize(), user=a.user))
        placement = (
            person.placements.filter(ended_on__isnull=True).select_related("provider").first()
        )
        if placement is not None and placement.provider is not None:
            out.append(Invite("Care home or family placement", organisation=placement.provider))
    if t.authority is not None:
        # Children's services chair every meeting (R-TRG-09); their team managers join
        # from level 2 (R-TRG-11) or where the profile's roles name them.
        if "team_manager" in roles or (t.level or 0) >= 2:
            for u in User.objects.filter(
                organisation=t.authority, is_active=True, role_assignments__role=Role.TEAM_MANAGER
            ).distinct():
                out.append(Invite("Team manager, children's services", user=u))
        if not any(i.user and i.user.organisation_id == t.authority_id for i in out):
            out.append(Invite("Children's services (chair)", organisation=t.authority))
    if t.level == 3 and t.episode is not None:
        for u in User.objects.filter(
            organisation=t.episode.owning_area, is_active=True, role_assignments__role=Role.SERGEANT
        ).distinct():
            out.append(Invite("Local police sergeant", user=u))
    if person is not None:
        from misper.returns.models import Referral

        last = (
            Referral.objects.filter(person=person, outcome="completed")
            .select_related("interviewer")
            .order_by("-outcome_at")
            .first()
        )
        if last is not None and not any(i.organisation == last.interviewer for i in out):
            out.append(Invite("Return interviewer (R-RHI-15)", organisation=last.interviewer))
    seen: set[tuple[object, object]] = set()
    unique = []
    for i in out:
        key = (i.user.pk if i.user else None, i.organisation.pk if i.organisation else None)
        if key not in seen:
            seen.add(key)
            unique.append(i)
    return unique


def meeting_arrange(
    *,
    actor: User,
    meeting_id: int,
    version: int,
    scheduled_for: datetime | None,
    place: str,
    chair: str = "",
    others: list[str] | None = None,
    now: datetime | None = None,
) -> Meeting:
    """Arrange the meeting: when and where, the chair (children's services, R-TRG-09), the
    invitees from the level's list and any others named (parents where appropriate, health,
    education); each invitee is told."""
    now = now or timezone.now()
    place = clean_text(place, "place", required=True, max_len=300)
    chair = clean_text(chair, "chair")
    names = [clean_text(n, "others") for n in (others or []) if n and n.strip()]
    clean_instant(
        scheduled_for,
        "scheduled_for",
        required=True,
        earliest=now - CLOCK_SKEW,
        latest=now + timedelta(days=90),
        too_early="The meeting cannot be arranged in the past",
        too_late="Arrange the meeting within the next 90 days",
    )
    assert scheduled_for is not None
    with transaction.atomic():
        meeting = get_meeting_for_user(
            actor, meeting_id, do=Do.MEET, purpose="arrange meeting", for_update=True
        )
        check_version(version, meeting.version)
        if meeting.status not in (MeetingStatus.TO_ARRANGE, MeetingStatus.ARRANGED):
            raise WrongState("This meeting has been held, deferred or suspended", field="state")
        t = meeting.trigger
        meeting.status = MeetingStatus.ARRANGED
        meeting.scheduled_for = scheduled_for
        meeting.place = place
        meeting.chair = chair
        bump(meeting)
        meeting.invitees.all().delete()
        invites = proposed_invitees(t) + [Invite("Also invited", name=n) for n in names]
        for i in invites:
            Invitee.objects.create(
                meeting=meeting,
                role=i.role,
                user=i.user,
                organisation=i.organisation,
                name=i.name,
                told_at=now if (i.user or i.organisation) else None,
            )
        if t.status == TriggerStatus.NEW:
            t.status = TriggerStatus.IN_HAND
            bump(t)
        event(
            actor,
            t,
            InterventionsVerb.MEETING_ARRANGED,
            {"scheduled_for": scheduled_for.isoformat(), "place": place, "invited": len(invites)},
            rules=[meeting.rule or "R-TRG-09"],
        )
        to = [
            Recipient(user=i.user) if i.user else Recipient(organisation=i.organisation)
            for i in invites
            if i.user or i.organisation
        ]
        tell(
            t,
            rule=meeting.rule or "R-TRG-09",
            key=f"arranged:{meeting.version}",
            title=f"Intervention meeting arranged: trigger {t.pk}",
            to=to,
        )
    return meeting


def meeting_record(
    *,
    actor: User,
    meeting_id: int,
    version: int,
    held_at: datetime | None,
    attended: list[int],
    discussion: str,
    plan: str,
    care_plan: str = "",
    now: datetime | None = None,
) -> Meeting:
    """The meeting was held: who attended, the discussion, the plan and where the care
    plan reflects it (R-TRG-19). The police must be represented (R-TRG-09)."""
    now = now or timezone.now()
    discussion = clean_free_text(discussion, "discussion", required=True)
    plan = clean_free_text(plan, "plan", required=True)
    care_plan = clean_text(care_plan, "care_plan", max_len=300)
    with transaction.atomic():
        meeting = get_meeting_for_user(
            actor, meeting_id, do=Do.MEET, purpose="record meeting", for_update=True
        )
        check_version(version, meeting.version)
        if meeting.status != MeetingStatus.ARRANGED:
            raise WrongState("Arrange the meeting before recording it", field="state")
        clean_instant(
            held_at,
            "held_at",
            required=True,
            earliest=meeting.trigger.created_at - timedelta(days=1),
            latest=now + CLOCK_SKEW,
            too_early="The meeting cannot be held before its trigger",
            too_late="The meeting cannot be in the future",
        )
        assert held_at is not None
        came = set(attended)
        invitees = list(meeting.invitees.select_related("user", "organisation"))
        unknown = came - {i.pk for i in invitees}
        if unknown:
            raise ValidationFailed("Choose who attended from the invitees", field="attended")
        police = any(
            i.pk in came
            and (
                (i.user is not None and i.user.has_role(*POLICE_ROLES))
                or (
                    i.organisation is not None
                    and i.organisation.kind
                    in (OrganisationKind.POLICE_FORCE, OrganisationKind.POLICING_AREA)
                )
            )
            for i in invitees
        )
        if not police:
            raise ValidationFailed(
                "An intervention meeting must include the police (R-TRG-09)",
                field="attended",
                rules=("R-TRG-09",),
            )
        for i in invitees:
            i.attended = i.pk in came
            i.save(update_fields=["attended"])
        meeting.status = MeetingStatus.HELD
        meeting.held_at = held_at
        meeting.discussion = discussion
        meeting.plan = plan
        meeting.care_plan = care_plan
        bump(meeting)
        deadline_meet(
            owner=OWNER, subject=meeting, kind="intervention_meeting_due", reason="meeting held"
        )
        event(
            actor,
            meeting.trigger,
            InterventionsVerb.MEETING_HELD,
            {"held_at": held_at.isoformat(), "attended": len(came)},
            rationale=plan,
            rules=["R-TRG-09", "R-TRG-19"],
        )
    return meeting


def meeting_defer(
    *,
    actor: User,
    meeting_id: int,
    version: int,
    status: str,
    reason: str,
    partner_id: int | None,
    police_agreed_by_id: int | None,
    childrens_services_agreed_by_id: int | None,
) -> Meeting:
    """Defer or suspend a meeting (R-TRG-15, R-AUT-10): only when the police and
    children's services both agree, each named, and a partner already working on the
    missing episodes is named."""
    status = clean_choice(status, [MeetingStatus.DEFERRED, MeetingStatus.SUSPENDED], "status")
    reason = clean_free_text(reason, "reason", required=True)
    with transaction.atomic():
        meeting = get_meeting_for_user(
            actor, meeting_id, do=Do.MEET, purpose="defer meeting", for_update=True
        )
        check_version(version, meeting.version)
        if meeting.status not in (MeetingStatus.TO_ARRANGE, MeetingStatus.ARRANGED):
            raise WrongState("Only a meeting not yet held can be deferred", field="state")
        t = meeting.trigger
        partner = Organisation.objects.filter(pk=partner_id).first() if partner_id else None
        if partner is None:
            raise ValidationFailed(
                "Name the partner agency already working on it (R-TRG-15)",
                field="partner",
                rules=("R-TRG-15",),
            )
        police = (
            User.objects.filter(
                pk=police_agreed_by_id,
                is_active=True,
                organisation__in=[t.force, *t.force.children.all()],
            ).first()
            if police_agreed_by_id
            else None
        )
        cs = (
            User.objects.filter(
                pk=childrens_services_agreed_by_id, is_active=True, organisation=t.authority
            ).first()
            if childrens_services_agreed_by_id
            else None
        )
        if police is None or not police.has_role(*POLICE_ROLES):
            raise ValidationFailed(
                "Name the police officer who agrees (R-TRG-15)",
                field="police_agreed_by",
                rules=("R-TRG-15",),
            )
        if cs is None or not cs.has_role(*CHILDRENS_SERVICES_ROLES):
            raise ValidationFailed(
                "Name the children's services manager who agrees (R-TRG-15)",
                field="childrens_services_agreed_by",
                rules=("R-TRG-15",),
            )
        if actor.pk not in (police.pk, cs.pk):
            raise PermissionDenied(
                "One of those who agree records the deferral (R-TRG-15)", rules=("R-TRG-15",)
            )
        meeting.status = status
        meeting.deferral_reason = reason
        meeting.deferral_partner = partner
        meeting.police_agreed_by = police
        meeting.childrens_services_agreed_by = cs
        bump(meeting)
        if t.status == TriggerStatus.NEW:  # agreed by both agencies: in hand, as arranged
            t.status = TriggerStatus.IN_HAND
            bump(t)
        deadline_meet(
            owner=OWNER,
            subject=meeting,
            kind="intervention_meeting_due",
            reason=f"meeting {status}",
        )
        event(
            actor,
            t,
            InterventionsVerb.MEETING_DEFERRED,
            {"status": status, "partner": partner.name},
            rationale=reason,
            rules=["R-TRG-15", "R-AUT-10"],
        )
    return meeting


def action_add(
    *,
    actor: User,
    meeting_id: int,
    text: str,
    owner_id: int | None,
    owner_user_id: int | None = None,
    due_on: date | None,
    now: datetime | None = None,
) -> MeetingAction:
    """An action the meeting agreed, with its owner and due date: a deadline."""
    now = now or timezone.now()
    text = clean_free_text(text, "text", required=True)
    today = timezone.localdate(now)
    clean_day(
        due_on,
        "due_on",
        required=True,
        earliest=today,
        latest=today + timedelta(days=366),
        too_early="The due date cannot be in the past",
        too_late="The due date must be within a year",
    )
    assert due_on is not None
    owner = Organisation.objects.filter(pk=owner_id).first() if owner_id else None
    if owner is None:
        raise ValidationFailed("Choose the organisation that owns the action", field="owner")
    owner_user = (
        User.objects.filter(pk=owner_user_id, organisation=owner).first() if owner_user_id else None
    )
    if owner_user_id and owner_user is None:
        raise ValidationFailed(
            "The person must belong to the owning organisation", field="owner_user"
        )
    with transaction.atomic():
        meeting = get_meeting_for_user(
            actor, meeting_id, do=Do.MEET, purpose="agree action", for_update=True
        )
        if meeting.status != MeetingStatus.HELD:
            raise WrongState("Record the meeting before its actions", field="state")
        a = MeetingAction.objects.create(
            meeting=meeting,
            text=text,
            owner=owner,
            owner_user=owner_user,
            due_on=due_on,
            recorded_by=actor,
            recorded_at=now,
        )
        due = datetime.combine(due_on, time(23, 59), LONDON)
        deadlines_sync(
            owner=OWNER, subject=a, wanted=[("intervention_action_due", due, "R-TRG-09")]
        )
        event(
            actor,
            meeting.trigger,
            InterventionsVerb.ACTION_AGREED,
            {"owner": owner.name, "due_on": due_on.isoformat()},
            rationale=text,
            rules=["R-TRG-09"],
        )
        tell(
            meeting.trigger,
            rule="R-TRG-09",
            key=f"action:{a.pk}",
            title=f"An intervention meeting gave you an action: trigger {meeting.trigger_id}",
            to=[Recipient(user=owner_user) if owner_user else Recipient(organisation=owner)],
        )
    return a


def action_done(*, actor: User, action_id: int, note: str) -> MeetingAction:
    note = clean_free_text(note, "note", required=True)
    meeting_id = (
        MeetingAction.objects.filter(pk=action_id).values_list("meeting_id", flat=True).first()
    )
    if meeting_id is None:
        raise NotFound(NO_SUCH_TRIGGER)
    with transaction.atomic():
        meeting = get_meeting_for_user(actor, meeting_id, purpose="action done")
        a = MeetingAction.objects.select_for_update().get(pk=action_id)
        mine = actor.organisation_id == a.owner_id or a.owner_user_id == actor.pk
        if not mine and not actor.has_role(Role.MISSING_PERSON_COORDINATOR, Role.CSE_COORDINATOR):
            raise PermissionDenied("Only the action's owner or a coordinator marks it done")
        if a.done_at is not None:
            raise WrongState("This action is already done", field="action")
        a.done_at = timezone.now()
        a.done_note = note
        a.save()
        deadline_meet(owner=OWNER, subject=a, kind="intervention_action_due", reason="done")
        event(
            actor,
            meeting.trigger,
            InterventionsVerb.ACTION_DONE,
            {"owner": a.owner.name},
            rationale=note,
            rules=["R-TRG-09"],
        )
    return a

"""API: repeat missing (policy-rules §14, R-TRG-01..21). The same capabilities as the
coordinator's pages, through the same selectors and services: the caller's trigger records,
one record with its meeting, invitees and actions, what the force's coordinators do with a
record (allocate, close, raise one by hand), what a meeting's convenors do (arrange it,
record it, defer or suspend it, agree actions), an action marked done, the desk, and the
MASE discussion of a child listed by three missing episodes in three calendar months (its
meeting date, the checklist of R-CSE-04 item by item, the outcomes of R-CSE-05).

Every record is fetched through ``interventions.selectors.get_trigger_for_user`` (a meeting
through ``get_meeting_for_user``, an action through its meeting), so a record that does not
exist and one the caller may not see are the same 404 "No such trigger"; one the caller
sees but may not act on is 403 ``permission_denied``. Who sees and does what:

- the force's missing person and CSE coordinators: every record of the force; they
  allocate, close, raise by hand, and convene meetings;
- its superintendents: every record of the force (read);
- the responsible authority's children's services (the child's, or an establishment's host
  authority): its records; they arrange, record and defer the meetings (they chair them)
  and agree actions; like the coordinators, they set a MASE meeting's date and record the
  discussion;
- an invitee: that record; the owner of an action marks it done.

Writes that change a record or a meeting carry the ``version`` read (the trigger's for
allocate and close, the meeting's for arrange, record and defer, the MASE discussion's for
its date and its record); a stale one is a 409
``concurrent_edit`` and nothing is saved. Every write answers with the trigger as the
caller now sees it. Dates are ISO 8601, times with a time zone; closed vocabularies are
their code values."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal, cast

import rules
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status
from pydantic import AwareDatetime

from misper.agencies.models import Organisation, User
from misper.agencies.selectors import acting_user
from misper.api.episodes import ReasonOut
from misper.api.people import OrganisationRef
from misper.api.returns import CodeLabelOut, DoneIn, UserRefOut
from misper.api.schemas import ERRORS, Id, PersonRefOut, RefId, named_as_sent
from misper.core.errors import NotFound
from misper.core.validation import MAX_FREE_TEXT, MAX_ID
from misper.interventions import mase, selectors, services
from misper.interventions.models import (
    MASE_ITEMS,
    MASE_OUTCOMES,
    Addressed,
    MaseDiscussion,
    MaseStatus,
    Meeting,
    MeetingAction,
    MeetingStatus,
    Owner,
    Scope,
    TriggerRecord,
    TriggerStatus,
)
from misper.interventions.selectors import Do

router = Router(tags=["interventions"])

LIST_LIMIT = 500


def _version(what: str) -> Any:
    return Field(
        ...,
        ge=1,
        le=MAX_ID,
        description=f"The {what}'s version you read; a stale one is refused (409 concurrent_edit)",
    )


# --- Schemas -------------------------------------------------------------------------------


class InviteeOut(Schema):
    """One invitee: a user, an organisation, or a name (someone without a login)."""

    id: int
    role: str
    user: UserRefOut | None
    organisation: OrganisationRef | None
    name: str
    told_at: datetime | None = Field(description="When they were told of the meeting")
    attended: bool | None = Field(description="Null until the meeting is recorded")


class MeetingActionOut(Schema):
    """An action the meeting agreed, with its owner and due date (a deadline)."""

    id: int
    text: str
    owner: OrganisationRef
    owner_user: UserRefOut | None
    due_on: date
    done: bool
    done_at: datetime | None
    done_note: str
    recorded_by: UserRefOut
    recorded_at: datetime


class DeferralOut(Schema):
    """Why the meeting was deferred or suspended and who agreed (R-TRG-15)."""

    reason: str
    partner: OrganisationRef | None
    police_agreed_by: UserRefOut | None
    childrens_services_agreed_by: UserRefOut | None


class MeetingOut(Schema):
    """The intervention meeting (R-TRG-09..15): due seven days after the triggering report
    (C-07), chaired by children's services, always with the police."""

    id: int
    status: CodeLabelOut = Field(description="to_arrange | arranged | held | deferred | suspended")
    due: datetime
    rule: str
    scheduled_for: datetime | None
    place: str
    chair: str
    held_at: datetime | None
    discussion: str
    plan: str
    care_plan: str = Field(description="Where the care plan reflects it (R-TRG-19)")
    deferral: DeferralOut | None
    version: int
    invitees: list[InviteeOut]
    actions: list[MeetingActionOut]


class MaseItemOut(Schema):
    """One item of the MASE checklist (R-CSE-04) and what the meeting said of it."""

    key: str
    words: str = Field(description="The item in the rule's words")
    addressed: CodeLabelOut | None = Field(
        description="yes | no | not_applicable; null until the discussion is recorded"
    )
    note: str


class MaseOut(Schema):
    """A child listed for the MASE meeting of their responsible authority (R-TRG-07,
    R-CSE-02), the date of the meeting, and once discussed the checklist item by item
    (R-CSE-04) and the outcomes (R-CSE-05)."""

    id: int
    trigger_id: int
    authority: OrganisationRef | None = Field(description="The child's responsible authority")
    status: CodeLabelOut = Field(description="listed | discussed")
    listed_for: date | None = Field(description="The date of the MASE meeting it is listed for")
    discussed_at: datetime | None
    recorded_by: UserRefOut | None
    items: list[MaseItemOut] = Field(description="Every item of R-CSE-04, in the rule's order")
    outcomes: list[CodeLabelOut] = Field(description="The outcomes of R-CSE-05, one or more")
    outcome_notes: str
    plan_lead: str = Field(description="The diversion plan's lead officers")
    plan_timescale: str = Field(description="The diversion plan's timescales")
    version: int


class TriggerSummaryOut(Schema):
    id: int
    title: str
    kind: str = Field(description="The engine's trigger kind, or 'manual' (raised by hand)")
    level: int | None
    scope: CodeLabelOut = Field(description="person | location | establishment")
    subject_key: str = Field(description="The place or establishment counted; empty for a child")
    rule: str
    count: int
    window: str
    person: PersonRefOut | None = Field(
        description="The child (for a place or an establishment, the child whose episode "
        "fired it); null when you may not see that child"
    )
    establishment: OrganisationRef | None
    force: OrganisationRef
    authority: OrganisationRef | None = Field(
        description="The child's responsible authority, or the establishment's host authority"
    )
    owner: CodeLabelOut = Field(
        description="coordinator | mase | childrens_services | senior_management"
    )
    status: CodeLabelOut = Field(description="new | in_hand | closed")
    reference: str = Field(description="West Midlands non-crime reference (R-TRG-05)")
    allocated_to: UserRefOut | None
    episode_id: int | None = Field(description="The episode that fired it; null if raised by hand")
    created_at: datetime
    meeting_status: CodeLabelOut | None
    meeting_due: datetime | None
    version: int


class TriggerOut(TriggerSummaryOut):
    """The trigger record as you may see it, with its meeting, invitees and actions."""

    action: str = Field(description="What the profile says to do")
    roles: list[str] = Field(description="The roles the profile names for it")
    reasons: list[ReasonOut] = Field(description="Why the engine fired it, by rule")
    counted: list[int] = Field(description="The episodes counted, oldest first")
    outcome: str
    raised_by: UserRefOut | None
    rationale: str = Field(description="Why it was raised by hand (R-TRG-14)")
    closed_at: datetime | None
    closed_by: UserRefOut | None
    may: list[str] = Field(
        description="What you may do: read; coordinate (allocate, close, raise); meet "
        "(arrange, record, defer a meeting, agree actions)"
    )
    meeting: MeetingOut | None
    mase: MaseOut | None = Field(
        description="The MASE listing and discussion, for three missing episodes in three "
        "calendar months (R-TRG-07); null for any other trigger"
    )


class TriggerFilters(Schema):
    status: TriggerStatus | None = Field(None, description="new | in_hand | closed (default: all)")


class TriggerAllocateIn(Schema):
    version: int = _version("trigger")
    user_id: RefId = Field(
        description="An officer of the force (West Midlands: the safeguarding or child abuse "
        "team supervisor, R-TRG-05)"
    )


class TriggerCloseIn(Schema):
    version: int = _version("trigger")
    outcome: str = Field(..., max_length=MAX_FREE_TEXT)


class TriggerRaiseIn(Schema):
    person_id: RefId
    level: int | None = Field(None, description="1 to 4, or null")
    rationale: str = Field(
        ...,
        max_length=MAX_FREE_TEXT,
        description="Why: the risks of a single episode, or immediate action needed (R-TRG-14)",
    )


class MeetingArrangeIn(Schema):
    version: int = _version("meeting")
    scheduled_for: AwareDatetime = Field(description="Within the next 90 days")
    place: str = Field(..., max_length=300)
    chair: str = Field("", max_length=200, description="Children's services chair (R-TRG-09)")
    others: list[str] = Field(
        default_factory=list,
        max_length=50,
        description="Anyone else invited, by name (parents where appropriate, health, education)",
    )


class MeetingRecordIn(Schema):
    version: int = _version("meeting")
    held_at: AwareDatetime
    attended: list[RefId] = Field(
        ..., max_length=200, description="The invitees who came (ids); the police must be there"
    )
    discussion: str = Field(..., max_length=MAX_FREE_TEXT)
    plan: str = Field(..., max_length=MAX_FREE_TEXT)
    care_plan: str = Field("", max_length=300, description="Where the care plan reflects it")


class MeetingDeferIn(Schema):
    version: int = _version("meeting")
    status: Literal["deferred", "suspended"]
    reason: str = Field(..., max_length=MAX_FREE_TEXT)
    partner_id: RefId | None = Field(
        None, description="The partner agency already working on the missing episodes"
    )
    police_agreed_by_id: RefId | None = Field(None, description="The police officer who agrees")
    childrens_services_agreed_by_id: RefId | None = Field(
        None, description="The children's services person who agrees"
    )


class MeetingActionIn(Schema):
    text: str = Field(..., max_length=MAX_FREE_TEXT)
    owner_id: RefId = Field(description="The organisation that must act")
    owner_user_id: RefId | None = Field(None, description="A person of that organisation")
    due_on: date = Field(description="Today or later, within a year")


class MaseListIn(Schema):
    version: int = _version("MASE discussion")
    listed_for: date = Field(description="The date of the MASE meeting: today or later")


class MaseItemIn(Schema):
    addressed: str = Field(
        ..., max_length=20, description="yes | no | not_applicable: whether it was addressed"
    )
    note: str = Field("", max_length=mase.MAX_NOTE)


class MaseRecordIn(Schema):
    version: int = _version("MASE discussion")
    discussed_at: AwareDatetime = Field(description="When the child was discussed")
    items: dict[str, MaseItemIn] = Field(
        ...,
        max_length=len(MASE_ITEMS),
        description="Every item of the checklist (R-CSE-04) by its key (GET "
        "/interventions/mase/checklist); a missing one is a 400 naming items.<key>",
    )
    outcomes: list[str] = Field(
        ...,
        max_length=len(MASE_OUTCOMES),
        description="One or more outcome keys of R-CSE-05 (GET /interventions/mase/checklist)",
    )
    outcome_notes: str = Field(
        "",
        max_length=MAX_FREE_TEXT,
        description="Required with insufficient_information: the interim action and the "
        "further assessment",
    )
    plan_lead: str = Field(
        "", max_length=mase.MAX_PLAN, description="Required with diversion_plan: lead officers"
    )
    plan_timescale: str = Field(
        "", max_length=mase.MAX_PLAN, description="Required with diversion_plan: timescales"
    )


class ChecklistItemOut(Schema):
    key: str
    words: str


class MaseChecklistOut(Schema):
    """The MASE checklist (R-CSE-04) and outcomes (R-CSE-05), by key, in the rule's words."""

    items: list[ChecklistItemOut]
    addressed: list[CodeLabelOut] = Field(description="The answers an item takes")
    outcomes: list[ChecklistItemOut]


class DeskListOut(Schema):
    count: int
    ids: list[int] = Field(description="The items' ids (triggers, meetings or actions)")
    trigger_ids: list[int] = Field(description="The trigger record of each item")


class EstablishmentCountOut(Schema):
    establishment: OrganisationRef
    missing_in_year: int


class MonthlyChildOut(Schema):
    person_id: int
    times_missing: int
    latest_report: datetime


class MonthlyListOut(Schema):
    """The monthly list (R-TRG-20): every child of the force missing at least
    ``min_episodes`` times in the ``months`` calendar months from ``first`` to ``last``."""

    min_episodes: int
    months: int
    first: date
    last: date
    children: list[MonthlyChildOut]


class InterventionsDeskOut(Schema):
    """The desk (at most 100 in each list): new triggers, those in hand, the MASE list,
    meetings to arrange and arranged, actions overdue, and the establishments of your force
    nearing R-TRG-16's 21 missing episodes in a year."""

    new: DeskListOut
    in_hand: DeskListOut
    mase: DeskListOut
    meetings_due: DeskListOut
    meetings_arranged: DeskListOut
    actions_overdue: DeskListOut
    establishments: list[EstablishmentCountOut]
    flag_requests_waiting: int = Field(
        0, description="Requests from other agencies to flag a child, waiting for a decision"
    )
    monthly: MonthlyListOut | None = Field(
        None, description="R-TRG-20, where the force's profile adopts it; null otherwise"
    )


# --- Conversions ---------------------------------------------------------------------------


def _org(org: Organisation | None) -> OrganisationRef | None:
    return OrganisationRef(id=org.pk, name=org.name) if org is not None else None


def _user(user: User | None) -> UserRefOut | None:
    return UserRefOut(id=user.pk, name=user.full_name) if user is not None else None


def _code(value: str, label: str) -> CodeLabelOut:
    return CodeLabelOut(code=value, label=label)


def _person(user: User, t: TriggerRecord) -> PersonRefOut | None:
    """The child, for whoever may see them (the host authority of an establishment may
    not see the child of another authority whose episode fired its trigger)."""
    p = t.person
    if p is None or not rules.has_perm("people.view", user, p):
        return None
    return PersonRefOut(id=p.pk, name=p.name)


def _meeting_of(t: TriggerRecord) -> Meeting | None:
    return getattr(t, "meeting", None)


def _may(user: User, t: TriggerRecord) -> set[Do]:
    return {d for d in Do if selectors.may_do(user, t, d)}


def _summary_fields(user: User, t: TriggerRecord) -> dict[str, Any]:
    m = _meeting_of(t)
    return {
        "id": t.pk,
        "title": t.title,
        "kind": t.kind,
        "level": t.level,
        "scope": _code(t.scope, Scope(t.scope).label),
        "subject_key": t.subject_key,
        "rule": t.rule,
        "count": t.count,
        "window": t.window,
        "person": _person(user, t),
        "establishment": _org(t.establishment),
        "force": _org(t.force),
        "authority": _org(t.authority),
        "owner": _code(t.owner, Owner(t.owner).label),
        "status": _code(t.status, TriggerStatus(t.status).label),
        "reference": t.reference,
        "allocated_to": _user(t.allocated_to),
        "episode_id": t.episode_id,
        "created_at": t.created_at,
        "meeting_status": _code(m.status, MeetingStatus(m.status).label) if m else None,
        "meeting_due": m.due if m else None,
        "version": t.version,
    }


def _meeting(m: Meeting) -> MeetingOut:
    deferral = None
    if m.status in (MeetingStatus.DEFERRED, MeetingStatus.SUSPENDED):
        deferral = DeferralOut(
            reason=m.deferral_reason,
            partner=_org(m.deferral_partner),
            police_agreed_by=_user(m.police_agreed_by),
            childrens_services_agreed_by=_user(m.childrens_services_agreed_by),
        )
    return MeetingOut(
        id=m.pk,
        status=_code(m.status, MeetingStatus(m.status).label),
        due=m.due,
        rule=m.rule,
        scheduled_for=m.scheduled_for,
        place=m.place,
        chair=m.chair,
        held_at=m.held_at,
        discussion=m.discussion,
        plan=m.plan,
        care_plan=m.care_plan,
        deferral=deferral,
        version=m.version,
        invitees=[
            InviteeOut(
                id=i.pk,
                role=i.role,
                user=_user(i.user),
                organisation=_org(i.organisation),
                name=i.name,
                told_at=i.told_at,
                attended=i.attended,
            )
            for i in m.invitees.select_related("user", "organisation")
        ],
        actions=[
            MeetingActionOut(
                id=a.pk,
                text=a.text,
                owner=OrganisationRef(id=a.owner.pk, name=a.owner.name),
                owner_user=_user(a.owner_user),
                due_on=a.due_on,
                done=a.done_at is not None,
                done_at=a.done_at,
                done_note=a.done_note,
                recorded_by=UserRefOut(id=a.recorded_by.pk, name=a.recorded_by.full_name),
                recorded_at=a.recorded_at,
            )
            for a in m.actions.select_related("owner", "owner_user", "recorded_by")
        ],
    )


def _mase(d: MaseDiscussion) -> MaseOut:
    answered = d.items or {}
    items = []
    for key, words in MASE_ITEMS.items():
        answer = answered.get(key) or {}
        code = answer.get("addressed") or ""
        items.append(
            MaseItemOut(
                key=key,
                words=words,
                addressed=_code(code, Addressed(code).label) if code in Addressed.values else None,
                note=answer.get("note") or "",
            )
        )
    return MaseOut(
        id=d.pk,
        trigger_id=d.trigger_id,
        authority=_org(d.authority),
        status=_code(d.status, MaseStatus(d.status).label),
        listed_for=d.listed_for,
        discussed_at=d.discussed_at,
        recorded_by=_user(d.recorded_by),
        items=items,
        outcomes=[_code(k, MASE_OUTCOMES.get(k, k)) for k in d.outcomes or []],
        outcome_notes=d.outcome_notes,
        plan_lead=d.plan_lead,
        plan_timescale=d.plan_timescale,
        version=d.version,
    )


def _trigger(user: User, t: TriggerRecord, may: set[Do]) -> TriggerOut:
    m = (
        Meeting.objects.select_related(
            "deferral_partner", "police_agreed_by", "childrens_services_agreed_by"
        )
        .filter(trigger=t)
        .first()
    )
    return TriggerOut(
        **_summary_fields(user, t),
        action=t.action,
        roles=list(t.roles or []),
        reasons=[ReasonOut(rule=r["rule"], text=r["text"]) for r in t.reasons or []],
        counted=list(t.counted or []),
        outcome=t.outcome,
        raised_by=_user(t.raised_by),
        rationale=t.rationale,
        closed_at=t.closed_at,
        closed_by=_user(t.closed_by),
        may=sorted(d.value for d in may),
        meeting=_meeting(m) if m is not None else None,
        mase=_mase(md) if (md := selectors.mase_of(t)) is not None else None,
    )


def _answer(request: HttpRequest, trigger_id: int) -> TriggerOut:
    """The answer to a change: the trigger as its author now sees it (the service fetched
    it through ``get_trigger_for_user``, audited; this read is not audited again)."""
    user = acting_user(request)
    t = (
        TriggerRecord.objects.select_related(
            "person", "establishment", "force", "authority", "allocated_to", "raised_by"
        )
        .filter(pk=trigger_id)
        .first()
    )
    may = _may(user, t) if t is not None else set()
    if t is None or Do.READ not in may:
        raise NotFound(selectors.NO_SUCH_TRIGGER)
    return _trigger(user, t, may)


# --- Endpoints -----------------------------------------------------------------------------


@router.get("/interventions/triggers", response={200: list[TriggerSummaryOut], **ERRORS})
def triggers(request: HttpRequest, filters: Query[TriggerFilters]) -> list[TriggerSummaryOut]:
    """The trigger records you see (see the API's description), newest first, at most 500.
    Empty for anyone who sees none."""
    user = acting_user(request)
    qs = selectors.triggers_for_user(user).select_related("meeting")
    if filters.status is not None:
        qs = qs.filter(status=filters.status.value)
    return [
        TriggerSummaryOut(**_summary_fields(user, t))
        for t in qs.order_by("-created_at", "-id")[:LIST_LIMIT]
    ]


@router.get("/interventions/triggers/{trigger_id}", response={200: TriggerOut, **ERRORS})
def trigger_detail(request: HttpRequest, trigger_id: Id) -> TriggerOut:
    """The trigger record with its meeting, invitees, actions, the episodes it counted and
    the engine's reasons (the read is audited). 404 for anyone who may not see it."""
    user = acting_user(request)
    t = selectors.get_trigger_for_user(user, trigger_id, purpose="view trigger (API)")
    return _trigger(user, t, _may(user, t))


@router.post("/interventions/triggers/{trigger_id}/allocate", response={200: TriggerOut, **ERRORS})
def allocate(request: HttpRequest, trigger_id: Id, body: TriggerAllocateIn) -> TriggerOut:
    """A coordinator allocates the record to an officer of the force (West Midlands: the
    non-crime reference to the safeguarding or child abuse team supervisor, R-TRG-05); it
    is in hand and the officer is told."""
    with named_as_sent(allocated_to="user_id"):
        t = services.trigger_allocate(
            actor=acting_user(request),
            trigger_id=trigger_id,
            version=body.version,
            user_id=body.user_id,
        )
    return _answer(request, t.pk)


@router.post("/interventions/triggers/{trigger_id}/close", response={200: TriggerOut, **ERRORS})
def close(request: HttpRequest, trigger_id: Id, body: TriggerCloseIn) -> TriggerOut:
    """Record the outcome and close the record: a coordinator, or the officer it is
    allocated to (R-TRG-05)."""
    t = services.trigger_close(
        actor=acting_user(request),
        trigger_id=trigger_id,
        version=body.version,
        outcome=body.outcome,
    )
    return _answer(request, t.pk)


@router.post("/interventions/raise", response={201: TriggerOut, **ERRORS})
def raise_by_hand(request: HttpRequest, body: TriggerRaiseIn) -> Status[TriggerOut]:
    """A coordinator launches or escalates an intervention by hand, with the rationale
    (R-TRG-14): the record is in hand and its meeting is due in seven days. 403 for anyone
    but a missing person or CSE coordinator; 404 "No such child" for a child you may not
    see."""
    t = services.trigger_raise(
        actor=acting_user(request),
        person_id=body.person_id,
        level=body.level,
        rationale=body.rationale,
    )
    return Status(201, _answer(request, t.pk))


@router.post("/interventions/meetings/{meeting_id}/arrange", response={200: TriggerOut, **ERRORS})
def arrange(request: HttpRequest, meeting_id: Id, body: MeetingArrangeIn) -> TriggerOut:
    """Arrange (or re-arrange) the meeting: when, where, the chair, and the invitees from
    the level's list plus anyone named; each invitee is told (R-TRG-09..12, R-RHI-15)."""
    meeting = services.meeting_arrange(
        actor=acting_user(request),
        meeting_id=meeting_id,
        version=body.version,
        scheduled_for=body.scheduled_for,
        place=body.place,
        chair=body.chair,
        others=body.others,
    )
    return _answer(request, meeting.trigger_id)


@router.post("/interventions/meetings/{meeting_id}/record", response={200: TriggerOut, **ERRORS})
def record(request: HttpRequest, meeting_id: Id, body: MeetingRecordIn) -> TriggerOut:
    """The meeting was held: who attended (the police must, 400 naming R-TRG-09), the
    discussion, the plan and where the care plan reflects it (R-TRG-19). Its deadline
    stops."""
    meeting = services.meeting_record(
        actor=acting_user(request),
        meeting_id=meeting_id,
        version=body.version,
        held_at=body.held_at,
        attended=list(body.attended),
        discussion=body.discussion,
        plan=body.plan,
        care_plan=body.care_plan,
    )
    return _answer(request, meeting.trigger_id)


@router.post("/interventions/meetings/{meeting_id}/defer", response={200: TriggerOut, **ERRORS})
def defer(request: HttpRequest, meeting_id: Id, body: MeetingDeferIn) -> TriggerOut:
    """Defer or suspend the meeting (R-TRG-15, R-AUT-10): the partner agency already working
    on the missing episodes, the police officer and the children's services person who
    agree, one of whom records it. Its deadline stops."""
    with named_as_sent(
        partner="partner_id",
        police_agreed_by="police_agreed_by_id",
        childrens_services_agreed_by="childrens_services_agreed_by_id",
    ):
        meeting = services.meeting_defer(
            actor=acting_user(request),
            meeting_id=meeting_id,
            version=body.version,
            status=body.status,
            reason=body.reason,
            partner_id=body.partner_id,
            police_agreed_by_id=body.police_agreed_by_id,
            childrens_services_agreed_by_id=body.childrens_services_agreed_by_id,
        )
    return _answer(request, meeting.trigger_id)


@router.post("/interventions/meetings/{meeting_id}/actions", response={201: TriggerOut, **ERRORS})
def action_add(request: HttpRequest, meeting_id: Id, body: MeetingActionIn) -> Status[TriggerOut]:
    """An action the held meeting agreed, its owning organisation (and person) and due
    date: the owner is told, and reminded by the worker when it falls overdue."""
    with named_as_sent(owner="owner_id", owner_user="owner_user_id"):
        action = services.action_add(
            actor=acting_user(request),
            meeting_id=meeting_id,
            text=body.text,
            owner_id=body.owner_id,
            owner_user_id=body.owner_user_id,
            due_on=body.due_on,
        )
    return Status(201, _answer(request, action.meeting.trigger_id))


@router.post("/interventions/actions/{action_id}/done", response={200: TriggerOut, **ERRORS})
def action_done(request: HttpRequest, action_id: Id, body: DoneIn) -> TriggerOut:
    """The action was done: by its owner (the organisation or the person) or a coordinator.
    An action that does not exist and one of a record you may not see are both 404."""
    action: MeetingAction = services.action_done(
        actor=acting_user(request), action_id=action_id, note=body.note
    )
    return _answer(request, action.meeting.trigger_id)


def _discussion_id(request: HttpRequest, trigger_id: int) -> int:
    """The id of the trigger's MASE discussion, for the services' door (which audits the
    read): 404 "No such trigger" for one that does not exist or that the caller may not
    see, as from the door; 404 for a trigger the caller sees that lists no child for MASE."""
    found = MaseDiscussion.objects.filter(trigger_id=trigger_id).values_list("pk", flat=True)
    pk = found.first()
    if pk is None:
        t = TriggerRecord.objects.filter(pk=trigger_id).first()
        if t is None or not selectors.may_do(acting_user(request), t, Do.READ):
            raise NotFound(selectors.NO_SUCH_TRIGGER)
        raise NotFound(selectors.NO_MASE)
    return pk


@router.get("/interventions/triggers/{trigger_id}/mase", response={200: MaseOut, **ERRORS})
def mase_detail(request: HttpRequest, trigger_id: Id) -> MaseOut:
    """The MASE listing of a child with three missing episodes in three calendar months
    (R-TRG-07, R-CSE-02): the authority, the meeting date, and once discussed the checklist
    item by item (R-CSE-04) and the outcomes (R-CSE-05). Whoever sees the trigger reads
    it (audited)."""
    d = selectors.get_mase_for_user(
        acting_user(request),
        _discussion_id(request, trigger_id),
        purpose="view MASE discussion (API)",
    )
    return _mase(d)


@router.post("/interventions/triggers/{trigger_id}/mase/list", response={200: TriggerOut, **ERRORS})
def mase_list(request: HttpRequest, trigger_id: Id, body: MaseListIn) -> TriggerOut:
    """Set or change the date of the MASE meeting the child is listed for (today or later,
    within a year), until they are discussed: a coordinator of the force or the authority's
    children's services (403 for anyone else who sees it); the authority and the
    coordinators are told."""
    mase.mase_list_for(
        actor=acting_user(request),
        discussion_id=_discussion_id(request, trigger_id),
        version=body.version,
        listed_for=body.listed_for,
    )
    return _answer(request, trigger_id)


@router.post("/interventions/triggers/{trigger_id}/mase", response={200: TriggerOut, **ERRORS})
def mase_record(request: HttpRequest, trigger_id: Id, body: MaseRecordIn) -> TriggerOut:
    """The child was discussed: every item of the checklist answered yes, no or
    not_applicable with a note (R-CSE-04; a missing one is a 400 naming ``items.<key>``),
    one or more outcomes (R-CSE-05; diversion_plan needs plan_lead and plan_timescale,
    insufficient_information needs outcome_notes). The trigger closes with the outcomes,
    unless the information was insufficient (it stays in hand). A coordinator or the
    authority's children's services; 409 once discussed."""
    mase.mase_record(
        actor=acting_user(request),
        discussion_id=_discussion_id(request, trigger_id),
        version=body.version,
        discussed_at=body.discussed_at,
        items={k: v.model_dump() for k, v in body.items.items()},
        outcomes=list(body.outcomes),
        outcome_notes=body.outcome_notes,
        plan_lead=body.plan_lead,
        plan_timescale=body.plan_timescale,
    )
    return _answer(request, trigger_id)


@router.get("/interventions/mase/checklist", response={200: MaseChecklistOut, **ERRORS})
def mase_checklist(request: HttpRequest) -> MaseChecklistOut:
    """The MASE checklist's items (R-CSE-04) and the outcomes (R-CSE-05), with their keys
    and the rule's words: what ``POST /interventions/triggers/{id}/mase`` takes."""
    return MaseChecklistOut(
        items=[ChecklistItemOut(key=k, words=v) for k, v in MASE_ITEMS.items()],
        addressed=[_code(a.value, a.label) for a in Addressed],
        outcomes=[ChecklistItemOut(key=k, words=v) for k, v in MASE_OUTCOMES.items()],
    )


@router.get("/interventions/desk", response={200: InterventionsDeskOut, **ERRORS})
def desk(request: HttpRequest) -> InterventionsDeskOut:
    """The coordinator's desk, in counts and ids (the records themselves are ``GET
    /interventions/triggers/{id}``): for the force's coordinators and superintendents and
    for children's services (their authority's records). 403 for anyone else."""
    d = selectors.desk(acting_user(request))

    def triggers_(items: Any) -> DeskListOut:
        ids = [t.pk for t in items]
        return DeskListOut(count=len(ids), ids=ids, trigger_ids=ids)

    def meetings_(items: Any) -> DeskListOut:
        return DeskListOut(
            count=len(items), ids=[m.pk for m in items], trigger_ids=[m.trigger_id for m in items]
        )

    def actions_(items: Any) -> DeskListOut:
        return DeskListOut(
            count=len(items),
            ids=[a.pk for a in items],
            trigger_ids=[a.meeting.trigger_id for a in items],
        )

    return InterventionsDeskOut(
        new=triggers_(d["new"]),
        in_hand=triggers_(d["in_hand"]),
        mase=triggers_(d["mase"]),
        meetings_due=meetings_(d["meetings_due"]),
        meetings_arranged=meetings_(d["meetings_arranged"]),
        actions_overdue=actions_(d["actions_overdue"]),
        establishments=[
            EstablishmentCountOut(
                establishment=OrganisationRef(
                    id=row["establishment_id"], name=row["establishment__name"]
                ),
                missing_in_year=row["n"],
            )
            for row in cast(list[dict[str, Any]], d["establishments"])
        ],
        flag_requests_waiting=cast(int, d["flag_requests"]),
        monthly=_monthly(cast(selectors.Monthly | None, d["monthly"])),
    )


def _monthly(m: selectors.Monthly | None) -> MonthlyListOut | None:
    if m is None:
        return None
    return MonthlyListOut(
        min_episodes=m.config.min_episodes,
        months=m.config.months,
        first=m.first,
        last=m.last,
        children=[
            MonthlyChildOut(person_id=r.person_id, times_missing=r.count, latest_report=r.last)
            for r in m.rows
        ],
    )

"""API: episodes, from the report to closure. The same capabilities as the episode pages,
through the same selectors and services, so the same permission checks: the policy's
recommendation for a report, the report itself, the case (a restricted one opens only with
a reason in the ``X-Misper-Reason`` header, which is audited), every decision and record,
transfers, the supervision list and the daily management meeting; and the carer's own
report of a child placed with them (R-PPA-03, R-CLS-10/11), which the police take as a
report (``carer_report_id``).

Times are ISO 8601 with a time zone (a time without one is refused, naming the field).
Closed vocabularies are their code values and are checked by the services, so an unknown
code is a 400 naming the field. Decisions carry the episode's ``version``; a stale one is a
409 and nothing is saved."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Header, Router, Schema, Status
from pydantic import AwareDatetime

from misper.agencies.models import Organisation
from misper.agencies.roles import Role
from misper.agencies.selectors import acting_user
from misper.api.schemas import ERRORS, Id, PersonRefOut, RefId
from misper.core.errors import DomainError, NotFound, PermissionDenied, ValidationFailed
from misper.core.events import label as verb_label
from misper.core.models import Deadline, DeadlineStatus
from misper.core.timeline import timeline_for_subject
from misper.episodes import access, carer_form, selectors, services
from misper.episodes.codes import QUESTIONS
from misper.episodes.models import (
    CarerReport,
    CategoryDecision,
    CseScreening,
    Episode,
    InvestigationEntry,
    RiskGrading,
    Transfer,
)
from misper.episodes.services.carer import LIMIT_KIND, police_answers
from misper.episodes.services.common import ask
from misper.episodes.services.cse import screening_due
from misper.episodes.services.record import FoundInput
from misper.people.selectors import get_person_for_user

router = Router(tags=["episodes"])


# --- Schemas -------------------------------------------------------------------------------


class AnswerIn(Schema):
    answer: str = Field(description="yes | no | unknown")
    detail: str = Field(description="What the caller said: a simple yes or no does not suffice")


class SearchStepIn(Schema):
    state: str = Field(description="done | not_safe | not_done")
    detail: str = ""


class ReportIn(Schema):
    """The call (R-RPT-01..09). ``answers`` has the twelve question keys; ``searches`` the
    three basic searches (R-RPT-08)."""

    reported_at: AwareDatetime | None = Field(None, description="Default: now")
    reported_by: str = Field(
        description="parent | relative | neighbour | care_staff | foster_carer | school | "
        "police | other"
    )
    informant_name: str
    informant_phone: str = ""
    missing_from: str = Field(description="home | care | school | activity")
    location_address: str
    location_postcode: str = ""
    establishment: RefId | None = Field(None, description="Care establishment id")
    area: RefId | None = Field(None, description="Owning policing area id (force-level users)")
    last_seen_at: AwareDatetime
    last_seen_place: str
    last_contact_at: AwareDatetime | None = None
    last_contact_place: str = ""
    circumstances: str
    answers: dict[str, AnswerIn]
    searches: dict[str, SearchStepIn] = {}
    intelligence_checks: str = ""
    further_enquiries_required: bool = False
    other_factors_suspected: bool = False


class ReportCreateIn(ReportIn):
    category: str = Field(description="missing | absent | unauthorised_absence | absconder_only")
    risk: str | None = Field(None, description="no_apparent_risk | low | medium | high")
    rationale: str = ""
    latest_review_at: AwareDatetime | None = None
    carer_report_id: RefId | None = Field(
        None,
        description="The carer's report this report takes (GET /carer-reports): it is "
        "attached to the episode (R-PPA-03)",
    )


class ReasonOut(Schema):
    rule: str
    text: str


class RecommendationOut(Schema):
    category: str | None = None
    absconder: bool = False
    allowed_categories: list[str] = []
    allowed_risks: list[str] = []
    minimum_risk: str | None = None
    minimum_response: str | None = None
    duties: list[Any] = []
    deadlines: list[dict[str, Any]] = []
    triggers: list[dict[str, Any]] = []
    reasons: list[ReasonOut] = []


class Ref(Schema):
    id: int
    name: str


class DeadlineOut(Schema):
    kind: str
    due: datetime
    rule: str
    overdue: bool


class GradingOut(Schema):
    risk: str
    at: datetime
    by: str
    by_role: str
    initial: bool
    initial_grading_error: bool
    rationale: str
    rules: list[str]


class DecisionOut(Schema):
    category: str
    absconder: bool
    at: datetime
    by: str
    by_role: str
    rationale: str
    review_period_hours: int | None
    callback_at: datetime | None
    disagreement: bool
    rules: list[str]


class EntryOut(Schema):
    id: int
    kind: str
    text: str
    details: dict[str, Any]
    action_at: datetime
    recorded_at: datetime
    tour_end: datetime
    within_tour: bool
    by: str
    by_role: str


class TransferOut(Schema):
    id: int
    episode_id: int
    from_area: Ref
    to_area: Ref
    reason: str
    bulk_of_enquiries: bool
    proposed_at: datetime
    decided_at: datetime | None
    accepted: bool | None


class EpisodeSummaryOut(Schema):
    id: int
    person_id: int
    person_name: str
    owning_area: Ref
    status: str
    category: str
    absconder: bool
    risk: str | None
    reported_at: datetime
    last_seen_at: datetime
    awaiting_supervisor: bool
    supervisor_reason: str
    version: int


class ContactOut(Schema):
    name: str = Field(description="The owning policing area")
    force: str
    email: str = Field(description="Its address for enquiries ('' when none is recorded)")


class FoundOut(Schema):
    """The found report; which fields you see depends on your view (docs/access.md)."""

    found_at: datetime | None = None
    found_where: str | None = None
    returned_at: datetime | None = None
    found_postcode: str | None = None
    found_by: str | None = None
    condition: str | None = None
    disclosures: str | None = None
    harmed: bool | None = None
    criminal_activity: bool | None = None
    risky_contacts: bool | None = None
    safe_and_well: str | None = None
    safe_and_well_rationale: str | None = None


class CseScreeningPartOut(Schema):
    """The CSE screening (R-CSE-01) as your view sees it (docs/access.md): children's
    services and carers see the outcome, when and by which role and organisation."""

    outcome: str | None = Field(
        None,
        description="no_concerns | concerns_cse_coordinator | concerns_mase | "
        "concerns_already_known",
    )
    screened_at: datetime | None = None
    by_role: str | None = None
    organisation: str | None = None
    screened_by: str | None = None
    indicators: str | None = None
    notes: str | None = None
    created_at: datetime | None = None
    version: int | None = None


class EpisodeOut(Schema):
    """The case as you may see it. ``view`` says which: ``full`` (the owning force, or
    another force's officer after stating a reason), ``partner`` (children's services and
    carers of the child) or ``summary`` (another force's officers). Fields outside your
    view are left out of the response, not sent empty (docs/access.md lists them)."""

    id: int
    view: str = Field(description="full | partner | summary")
    person_id: int | None = None
    person_name: str | None = None
    force: Ref | None = Field(None, description="The force that owns the case")
    owning_area: Ref | None = None
    contact: ContactOut | None = Field(None, description="How to reach the owning area")
    status: str | None = None
    category: str | None = None
    absconder: bool | None = None
    risk: str | None = None
    reported_at: datetime | None = None
    last_seen_at: datetime | None = None
    missing_minutes: int | None = Field(
        None, description="How long the child was missing: last seen to found, or to now"
    )
    found: FoundOut | None = None
    cse_screening: CseScreeningPartOut | None = Field(
        None, description="The CSE screening; null for a case without one (R-CSE-01)"
    )
    categorised_at: datetime | None = None
    closure_code: str | None = None
    closed_at: datetime | None = None
    reported_by: str | None = None
    missing_from: str | None = None
    location_address: str | None = None
    location_postcode: str | None = None
    establishment: Ref | None = None
    last_seen_place: str | None = None
    last_contact_at: datetime | None = None
    last_contact_place: str | None = None
    duties: list[str] | None = None
    deadlines: list[DeadlineOut] | None = None
    version: int | None = None
    profile_id: str | None = None
    awaiting_supervisor: bool | None = None
    supervisor_reason: str | None = None
    recommended_category: str | None = None
    minimum_risk: str | None = None
    minimum_response: str | None = None
    recommendation: RecommendationOut | None = None
    disagreement_open: bool | None = None
    latest_review_at: datetime | None = None
    restricted: bool | None = None
    informant_name: str | None = None
    informant_phone: str | None = None
    circumstances: str | None = None
    searches: dict[str, dict[str, str]] | None = None
    answers: dict[str, dict[str, str]] | None = None
    intelligence_checks: str | None = None
    further_enquiries_required: bool | None = None
    gradings: list[GradingOut] | None = None
    decisions: list[DecisionOut] | None = None
    entries: list[EntryOut] | None = None
    transfers: list[TransferOut] | None = None


class QueueRowOut(Schema):
    episode: EpisodeSummaryOut
    why: str
    next_deadline: DeadlineOut | None
    cse_screening_due: bool = Field(
        False, description="A missing case without a CSE screening (R-CSE-01; no deadline)"
    )


class CategoryIn(Schema):
    version: int
    category: str
    rationale: str
    review_period_hours: int | None = None
    callback_at: AwareDatetime | None = None


class RiskIn(Schema):
    version: int
    risk: str
    rationale: str
    initial_grading_error: bool = False
    latest_review_at: AwareDatetime | None = None


class DisagreementIn(Schema):
    version: int
    detail: str


class ResolveIn(Schema):
    version: int
    category: str
    rationale: str


class RestrictIn(Schema):
    version: int
    reason: str


class EntryIn(Schema):
    kind: str = Field(
        description="enquiry | search | intelligence_check | media_decision | "
        "missing_people_referral | photo_obtained | callback | review | note"
    )
    text: str
    action_at: AwareDatetime | None = None
    tour_end: AwareDatetime | None = None
    publicity: bool | None = None
    family_consulted: bool | None = None
    consent: str | None = Field(None, description="given | refused | not_obtainable")
    proportionality_rationale: str | None = None


class TransferIn(Schema):
    to_area: RefId
    reason: str
    bulk_of_enquiries: bool = False


class TransferDecisionIn(Schema):
    accept: bool
    reason: str = ""


class FoundIn(Schema):
    version: int
    found_at: AwareDatetime
    returned_at: AwareDatetime | None = None
    found_where: str
    found_postcode: str = ""
    found_by: str
    condition: str
    disclosures: str = ""
    harmed: bool = False
    criminal_activity: bool = False
    risky_contacts: bool = False
    safe_and_well: str = Field(description="done | not_done")
    safe_and_well_rationale: str = ""


class CloseIn(Schema):
    version: int


class CseScreeningIn(Schema):
    version: int = Field(description="The screening's version: 0 for the first record")
    outcome: str = Field(
        description="no_concerns | concerns_cse_coordinator (routed to the force's CSE "
        "coordinators) | concerns_mase (routed to the MASE meeting of the child's "
        "responsible authority, and the coordinators) | concerns_already_known"
    )
    indicators: str = Field(
        description="What was considered: the CSE flag, field 27 of the pre-placement "
        "assessment, question 9 of the report, the return interview"
    )
    notes: str = ""


class CseScreeningOut(Schema):
    episode_id: int
    outcome: str
    outcome_label: str
    indicators: str
    notes: str
    screened_at: datetime = Field(description="When the outcome as it stands was recorded")
    screened_by: str
    by_role: str
    organisation: str | None
    created_at: datetime = Field(description="When the screening was first recorded")
    version: int


# --- Conversions -----------------------------------------------------------------------------


def _ref(org: Organisation | None) -> Ref | None:
    return Ref(id=org.pk, name=org.name) if org is not None else None


def _organisation(org_id: int, field: str) -> Organisation:
    org = Organisation.objects.filter(pk=org_id).first()
    if org is None:
        raise ValidationFailed("No such organisation", field=field)
    return org


def _maybe_organisation(org_id: int | None, field: str) -> Organisation | None:
    return None if org_id is None else _organisation(org_id, field)


def _report(body: ReportIn) -> services.ReportInput:
    return services.ReportInput(
        reported_at=body.reported_at or timezone.now(),
        reported_by=body.reported_by,
        informant_name=body.informant_name,
        informant_phone=body.informant_phone,
        missing_from=body.missing_from,
        location_address=body.location_address,
        location_postcode=body.location_postcode,
        establishment=_maybe_organisation(body.establishment, "establishment"),
        area=_maybe_organisation(body.area, "area"),
        last_seen_at=body.last_seen_at,
        last_seen_place=body.last_seen_place,
        last_contact_at=body.last_contact_at,
        last_contact_place=body.last_contact_place,
        circumstances=body.circumstances,
        answers={k: {"answer": a.answer, "detail": a.detail} for k, a in body.answers.items()},
        searches={k: {"state": s.state, "detail": s.detail} for k, s in body.searches.items()},
        intelligence_checks=body.intelligence_checks,
        further_enquiries_required=body.further_enquiries_required,
        other_factors_suspected=body.other_factors_suspected,
    )


def _deadline(d: Deadline, now: datetime) -> DeadlineOut:
    return DeadlineOut(kind=d.kind, due=d.due, rule=d.rule, overdue=d.due <= now)


def _summary_fields(e: Episode) -> dict[str, Any]:
    return {
        "id": e.pk,
        "person_id": e.person_id,
        "person_name": e.person.name,
        "owning_area": _ref(e.owning_area),
        "status": e.status,
        "category": e.category,
        "absconder": e.absconder,
        "risk": e.risk or None,
        "reported_at": e.reported_at,
        "last_seen_at": e.last_seen_at,
        "awaiting_supervisor": e.awaiting_supervisor,
        "supervisor_reason": e.supervisor_reason,
        "version": e.version,
    }


def _transfer(t: Transfer) -> TransferOut:
    return TransferOut(
        id=t.pk,
        episode_id=t.episode_id,
        from_area=Ref(id=t.from_area.pk, name=t.from_area.name),
        to_area=Ref(id=t.to_area.pk, name=t.to_area.name),
        reason=t.reason,
        bulk_of_enquiries=t.bulk_of_enquiries,
        proposed_at=t.proposed_at,
        decided_at=t.decided_at,
        accepted=t.accepted,
    )


def _entry(x: InvestigationEntry) -> EntryOut:
    return EntryOut(
        id=x.pk,
        kind=x.kind,
        text=x.text,
        details=x.details,
        action_at=x.action_at,
        recorded_at=x.recorded_at,
        tour_end=x.tour_end,
        within_tour=x.within_tour,
        by=x.by.full_name,
        by_role=x.by_role,
    )


def _grading(g: RiskGrading) -> GradingOut:
    return GradingOut(
        risk=g.risk,
        at=g.at,
        by=g.by.full_name,
        by_role=g.by_role,
        initial=g.initial,
        initial_grading_error=g.initial_grading_error,
        rationale=g.rationale,
        rules=list(g.rules),
    )


def _decision(d: CategoryDecision) -> DecisionOut:
    return DecisionOut(
        category=d.category,
        absconder=d.absconder,
        at=d.at,
        by=d.by.full_name,
        by_role=d.by_role,
        rationale=d.rationale,
        review_period_hours=d.review_period_hours,
        callback_at=d.callback_at,
        disagreement=d.disagreement,
        rules=list(d.rules),
    )


_CONVERT: dict[str, Any] = {
    "force": _ref,
    "owning_area": _ref,
    "establishment": _ref,
    "contact": lambda c: ContactOut(**c),
    "found": lambda f: f,  # a dict: its unset (unseen) fields are left out
    "cse_screening": lambda c: c,  # the same
    "recommendation": lambda r: RecommendationOut(**(r or {})),
    "gradings": lambda rows: [_grading(g) for g in rows],
    "decisions": lambda rows: [_decision(d) for d in rows],
    "entries": lambda rows: [_entry(x) for x in rows],
    "transfers": lambda rows: [_transfer(t) for t in rows],
}


def _episode(case: selectors.CaseAccess) -> EpisodeOut:
    """The case as the user may see it (access.case_fields): only the fields of their
    view are set, and the endpoints leave out what is not set."""
    now = timezone.now()
    fields = case.fields(now)
    out: dict[str, Any] = {}
    for name, value in fields.items():
        if name == "deadlines":
            out[name] = [_deadline(d, now) for d in value]
        elif name in _CONVERT:
            out[name] = _CONVERT[name](value)
        else:
            out[name] = value
    return EpisodeOut(**out)


def _changed(request: HttpRequest, episode: Episode) -> EpisodeOut:
    """The answer to a change: the case as the user who made it may see it (the service's
    fetch of it was audited)."""
    user = acting_user(request)
    view = access.view_for(user, episode, opened=access.opened_with_reason(user, episode))
    if view is None:  # e.g. the user has just handed the case to another force
        raise NotFound(access.NOT_FOUND)
    return _episode(selectors.CaseAccess(episode, view))


def _open_with(request: HttpRequest, episode_id: int, reason: str) -> None:
    """A change to a restricted case (or, for reading, another force's) needs a stated
    reason once: ``X-Misper-Reason`` opens it, audited, before the change is made."""
    if reason.strip():
        selectors.get_episode_for_user(
            acting_user(request), episode_id, reason=reason, purpose="open to change"
        )


def _queue(rows: list[selectors.QueueRow]) -> list[QueueRowOut]:
    now = timezone.now()
    return [
        QueueRowOut(
            episode=EpisodeSummaryOut(**_summary_fields(r.episode)),
            why=r.why,
            next_deadline=_deadline(r.next_deadline, now) if r.next_deadline else None,
            cse_screening_due=screening_due(r.episode),
        )
        for r in rows
    ]


# --- Endpoints -------------------------------------------------------------------------------


@router.post("/people/{person_id}/recommendation", response={200: RecommendationOut, **ERRORS})
def recommendation(request: HttpRequest, person_id: Id, body: ReportIn) -> RecommendationOut:
    """The policy engine's recommendation for a report, before anything is saved: allowed
    categories, minimum risk and response, duties, deadlines, triggers, and every reason
    with its rule id."""
    answer = services.episode_recommend(
        actor=acting_user(request), person_id=person_id, report=_report(body)
    )
    return RecommendationOut(**answer.as_dict())


@router.post(
    "/people/{person_id}/episodes", response={201: EpisodeOut, **ERRORS}, exclude_unset=True
)
def episode_report(request: HttpRequest, person_id: Id, body: ReportCreateIn) -> Status[EpisodeOut]:
    """Record a report with the category and (for missing) the initial risk. A category or
    risk the profile forbids is a 400 naming the field and the rule. For the police only:
    carers report through ``POST /people/{person_id}/carer-reports``. With
    ``carer_report_id`` the report takes a carer's report (R-PPA-03)."""
    actor = acting_user(request)
    try:
        episode = services.episode_report(
            actor=actor,
            person_id=person_id,
            report=_report(body),
            category=body.category,
            risk=body.risk,
            rationale=body.rationale,
            latest_review_at=body.latest_review_at,
            carer_report_id=body.carer_report_id,
        )
    except PermissionDenied as exc:
        if actor.has_role(Role.CARER):
            exc.message = (
                "Carers report a child missing or absent through "
                f"POST /api/v1/people/{person_id}/carer-reports: the police take the "
                "report from there"
            )
        raise
    except DomainError as exc:
        if exc.field == "carer_report":
            exc.field = "carer_report_id"
        raise
    return Status(201, _changed(request, episode))


@router.get("/episodes/supervision", response={200: list[QueueRowOut], **ERRORS})
def supervision(request: HttpRequest) -> list[QueueRowOut]:
    """The duty inspector's list (sergeants and above; others get 404)."""
    return _queue(selectors.supervision_queue(acting_user(request)))


@router.get("/areas/{area_id}/dmm", response={200: list[QueueRowOut], **ERRORS})
def daily_management(request: HttpRequest, area_id: Id) -> list[QueueRowOut]:
    """Every open case of a policing area of the user's force, high risk first (those the
    daily management meeting is for; others get 404)."""
    _area, rows = selectors.daily_management(acting_user(request), area_id)
    return _queue(rows)


REASON = Header(
    "",
    alias="X-Misper-Reason",
    description="Why you open this case: needed once for a restricted case, and for "
    "another force's whole case (audited; the owning force sees it)",
)


@router.get("/episodes/{episode_id}", response={200: EpisodeOut, **ERRORS}, exclude_unset=True)
def episode_detail(request: HttpRequest, episode_id: Id, reason: str = REASON) -> EpisodeOut:
    """The case as you may see it, the read audited. A restricted case is a 403 with the
    code ``restricted`` for those who may open it until they state why in the
    ``X-Misper-Reason`` header (and a 404 for everyone else); another force's case is its
    summary until then."""
    case = selectors.get_episode_for_user(
        acting_user(request), episode_id, purpose="view case", reason=reason
    )
    return _episode(case)


class EvaluationOut(RecommendationOut):
    """The policy engine's answer about the case as it stands now (the recommendation
    stored on the case is the answer at the report)."""

    risk: str | None = None
    duty_rules: dict[str, str] = {}
    rhi_criteria: list[int] | None = None


class TimelineEntryOut(Schema):
    at: datetime
    verb: str
    label: str = Field(description="What the entry means, in words")
    actor: str
    role: str
    organisation: str | None
    changes: dict[str, Any]
    rationale: str
    rules: list[str]


class OpeningOut(Schema):
    at: datetime
    user: str
    organisation: str | None
    action: str = Field(description="open_restricted | break_glass")
    reason: str


def _full_case(request: HttpRequest, episode_id: int, reason: str, purpose: str) -> Any:
    """Partners and other forces see a view of the case, not the police's own record: 403
    for them (before anything is audited)."""
    return selectors.get_episode_for_user(
        acting_user(request), episode_id, action=access.READ_FULL, purpose=purpose, reason=reason
    )


@router.get("/episodes/{episode_id}/evaluation", response={200: EvaluationOut, **ERRORS})
def evaluation(request: HttpRequest, episode_id: Id, reason: str = REASON) -> EvaluationOut:
    """What the policy says about the case now: category, allowed categories and risks,
    minimum risk and response, duties (each with its rule), deadlines, triggers and every
    reason with its rule id. For those who see the whole case."""
    case = _full_case(request, episode_id, reason, "evaluate the case")
    decision = ask(case.episode, None, timezone.now())
    return EvaluationOut(**decision.as_dict())


@router.get("/episodes/{episode_id}/timeline", response={200: list[TimelineEntryOut], **ERRORS})
def timeline(request: HttpRequest, episode_id: Id, reason: str = REASON) -> list[TimelineEntryOut]:
    """Every action and decision on the case, oldest first, with who, in which role and
    organisation, what changed, the rationale and the rules. For those who see the whole
    case."""
    case = _full_case(request, episode_id, reason, "read the timeline")
    return [
        TimelineEntryOut(
            at=e.at,
            verb=e.verb,
            label=verb_label(e.verb),
            actor=e.actor_name,
            role=e.actor_role,
            organisation=e.organisation.name if e.organisation else None,
            changes=e.changes,
            rationale=e.rationale,
            rules=list(e.rules),
        )
        for e in timeline_for_subject("episode", case.episode.pk).order_by("at", "id")
    ]


@router.get("/episodes/{episode_id}/openings", response={200: list[OpeningOut], **ERRORS})
def openings(request: HttpRequest, episode_id: Id, reason: str = REASON) -> list[OpeningOut]:
    """Who opened the case by stating a reason (a restricted record, or another force's
    officer), when and why, newest first: for the owning area's inspectors and above
    (R-RES-01); an empty list for anyone else who sees the case."""
    user = acting_user(request)
    case = selectors.get_episode_for_user(
        user, episode_id, purpose="see who opened it", reason=reason
    )
    return [
        OpeningOut(
            at=a.at,
            user=a.user_label,
            organisation=a.organisation.name if a.organisation else None,
            action=a.action,
            reason=a.reason,
        )
        for a in selectors.openings(user, case.episode)
    ]


def _change(request: HttpRequest, episode_id: int, reason: str, run: Any) -> EpisodeOut:
    _open_with(request, episode_id, reason)
    return _changed(request, run(acting_user(request)))


@router.post(
    "/episodes/{episode_id}/category", response={200: EpisodeOut, **ERRORS}, exclude_unset=True
)
def set_category(
    request: HttpRequest, episode_id: Id, body: CategoryIn, reason: str = REASON
) -> EpisodeOut:
    return _change(
        request,
        episode_id,
        reason,
        lambda user: services.episode_set_category(
            actor=user,
            episode_id=episode_id,
            version=body.version,
            category=body.category,
            rationale=body.rationale,
            review_period_hours=body.review_period_hours,
            callback_at=body.callback_at,
        ),
    )


@router.post(
    "/episodes/{episode_id}/risk", response={200: EpisodeOut, **ERRORS}, exclude_unset=True
)
def grade_risk(
    request: HttpRequest, episode_id: Id, body: RiskIn, reason: str = REASON
) -> EpisodeOut:
    """Grade or change the risk under the profile's authority rules (R-AUT-01..04)."""
    return _change(
        request,
        episode_id,
        reason,
        lambda user: services.episode_grade_risk(
            actor=user,
            episode_id=episode_id,
            version=body.version,
            risk=body.risk,
            rationale=body.rationale,
            latest_review_at=body.latest_review_at,
            initial_grading_error=body.initial_grading_error,
        ),
    )


@router.post(
    "/episodes/{episode_id}/disagreement",
    response={200: EpisodeOut, **ERRORS},
    exclude_unset=True,
)
def disagreement(
    request: HttpRequest, episode_id: Id, body: DisagreementIn, reason: str = REASON
) -> EpisodeOut:
    return _change(
        request,
        episode_id,
        reason,
        lambda user: services.episode_record_disagreement(
            actor=user, episode_id=episode_id, version=body.version, detail=body.detail
        ),
    )


@router.post(
    "/episodes/{episode_id}/disagreement/resolve",
    response={200: EpisodeOut, **ERRORS},
    exclude_unset=True,
)
def resolve(
    request: HttpRequest, episode_id: Id, body: ResolveIn, reason: str = REASON
) -> EpisodeOut:
    """The Force Incident Manager's decision (R-REV-07)."""
    return _change(
        request,
        episode_id,
        reason,
        lambda user: services.episode_resolve_disagreement(
            actor=user,
            episode_id=episode_id,
            version=body.version,
            category=body.category,
            rationale=body.rationale,
        ),
    )


@router.post(
    "/episodes/{episode_id}/restrict", response={200: EpisodeOut, **ERRORS}, exclude_unset=True
)
def restrict(request: HttpRequest, episode_id: Id, body: RestrictIn) -> EpisodeOut:
    return _change(
        request,
        episode_id,
        "",
        lambda user: services.episode_restrict(
            actor=user, episode_id=episode_id, version=body.version, reason=body.reason
        ),
    )


@router.post("/episodes/{episode_id}/entries", response={201: EntryOut, **ERRORS})
def log_entry(
    request: HttpRequest, episode_id: Id, body: EntryIn, reason: str = REASON
) -> Status[EntryOut]:
    """An entry in the investigation log; a media decision carries publicity, whether the
    family was consulted, consent and the proportionality rationale (R-MED-01)."""
    details = {
        k: v
        for k, v in {
            "publicity": body.publicity,
            "family_consulted": body.family_consulted,
            "consent": body.consent,
            "proportionality_rationale": body.proportionality_rationale,
        }.items()
        if v is not None
    }
    _open_with(request, episode_id, reason)
    entry = services.episode_log(
        actor=acting_user(request),
        episode_id=episode_id,
        kind=body.kind,
        text_=body.text,
        action_at=body.action_at,
        tour_end=body.tour_end,
        details=details,
    )
    return Status(201, _entry(entry))


@router.post("/episodes/{episode_id}/transfers", response={201: TransferOut, **ERRORS})
def transfer_propose(
    request: HttpRequest, episode_id: Id, body: TransferIn, reason: str = REASON
) -> Status[TransferOut]:
    _open_with(request, episode_id, reason)
    transfer = services.transfer_propose(
        actor=acting_user(request),
        episode_id=episode_id,
        to_area=_organisation(body.to_area, "to_area"),
        reason=body.reason,
        bulk_of_enquiries=body.bulk_of_enquiries,
    )
    return Status(201, _transfer(transfer))


@router.post("/transfers/{transfer_id}/decision", response={200: TransferOut, **ERRORS})
def transfer_decide(request: HttpRequest, transfer_id: Id, body: TransferDecisionIn) -> TransferOut:
    """The receiving area accepts or declines (R-OWN-03/04)."""
    transfer = services.transfer_decide(
        actor=acting_user(request), transfer_id=transfer_id, accept=body.accept, reason=body.reason
    )
    return _transfer(transfer)


@router.post(
    "/episodes/{episode_id}/found", response={200: EpisodeOut, **ERRORS}, exclude_unset=True
)
def found(request: HttpRequest, episode_id: Id, body: FoundIn, reason: str = REASON) -> EpisodeOut:
    """The found report and the safe and well check, or the decision not to do one."""
    return _change(
        request,
        episode_id,
        reason,
        lambda user: services.episode_found(
            actor=user,
            episode_id=episode_id,
            version=body.version,
            found=FoundInput(**body.model_dump(exclude={"version"})),
        ),
    )


@router.post(
    "/episodes/{episode_id}/close", response={200: EpisodeOut, **ERRORS}, exclude_unset=True
)
def close(request: HttpRequest, episode_id: Id, body: CloseIn, reason: str = REASON) -> EpisodeOut:
    """Close with the closure code the category requires (R-REC-04)."""
    return _change(
        request,
        episode_id,
        reason,
        lambda user: services.episode_close(
            actor=user, episode_id=episode_id, version=body.version
        ),
    )


# --- The CSE screening (R-CSE-01, R-TRG-08) ----------------------------------------------


def _cse(c: CseScreening) -> CseScreeningOut:
    return CseScreeningOut(
        episode_id=c.episode_id,
        outcome=c.outcome,
        outcome_label=c.get_outcome_display(),
        indicators=c.indicators,
        notes=c.notes,
        screened_at=c.screened_at,
        screened_by=c.screened_by.full_name,
        by_role=c.by_role,
        organisation=c.organisation.name if c.organisation is not None else None,
        created_at=c.created_at,
        version=c.version,
    )


@router.get("/episodes/{episode_id}/cse-screening", response={200: CseScreeningOut, **ERRORS})
def cse_screening(request: HttpRequest, episode_id: Id, reason: str = REASON) -> CseScreeningOut:
    """The missing child's CSE screening (R-CSE-01, R-TRG-08): outcome, by whom, when, what
    was considered and the notes. For those who see the whole case (children's services
    and carers read its outcome in ``GET /episodes/{episode_id}``); 404 "No CSE screening
    recorded" until one is."""
    case = _full_case(request, episode_id, reason, "read the CSE screening")
    screening = selectors.cse_screening_of(case.episode)
    if screening is None:
        raise NotFound("No CSE screening recorded")
    return _cse(screening)


@router.put("/episodes/{episode_id}/cse-screening", response={200: CseScreeningOut, **ERRORS})
def cse_screening_record(
    request: HttpRequest, episode_id: Id, body: CseScreeningIn, reason: str = REASON
) -> CseScreeningOut:
    """Record the CSE screening of a missing episode (``version`` 0), or change it (the
    version read; a stale one is a 409). For the owning force's officers who work on cases
    and its CSE coordinators, while the case is open or found; an episode that is not
    missing is a 409 (R-CSE-01). A concern is routed: to the force's CSE coordinators, and
    for the MASE meeting also to the child's responsible authority."""
    _open_with(request, episode_id, reason)
    screening = services.episode_cse_screening(
        actor=acting_user(request),
        episode_id=episode_id,
        version=body.version,
        outcome=body.outcome,
        indicators=body.indicators,
        notes=body.notes,
    )
    return _cse(screening)


# --- The carer's own report (R-PPA-03, R-CLS-10/11) -----------------------------------------


class CarerReportIn(Schema):
    """A carer reports a child placed with them (the per-episode part of Appendix A)."""

    kind: str = Field(
        description="unauthorised_absence (held by the carer, reported to the police at the "
        "policy's limit, where the policy and the pre-placement assessment allow it: "
        "R-CLS-10/11) | missing (to the police at once)"
    )
    last_seen_at: AwareDatetime
    last_contact_at: AwareDatetime | None = Field(
        None, description="The last contact with the child since they were last seen"
    )
    values: dict[str, Any] = Field(
        description="The per-episode form's answers by key (GET .../carer-reports/form): a "
        "text, or {answer: yes|no|unknown, detail}; a yes needs the detail"
    )
    completed_by: str = Field(description="Who completed it")
    designation: str = Field(description="Their job title")
    mobile_checked: bool = Field(
        False, description="The young person's mobile number checked correct (field 8)"
    )


class CarerReturnIn(Schema):
    returned_at: AwareDatetime
    details: str = Field("", description="How the child came back, and anything said")


class CarerReportOut(Schema):
    """A carer's report. ``status``: held (an unauthorised absence the carer holds, until
    ``police_due``), with_police (waiting for the police to take it), taken (the police
    took it as ``episode_id``), returned (the child came back before the police were
    told)."""

    id: int
    person: PersonRefOut
    kind: str = Field(description="unauthorised_absence | missing")
    kind_label: str
    status: str = Field(description="held | with_police | taken | returned")
    status_label: str
    provider: Ref = Field(description="The carer's organisation")
    force: Ref = Field(description="The force of the placement's address")
    area: Ref = Field(description="Its policing area, which takes the report")
    placement_id: int
    last_seen_at: datetime
    last_contact_at: datetime | None
    reported_at: datetime = Field(description="When the carer recorded it")
    reported_to_police_at: datetime | None
    police_due: datetime | None = Field(
        description="When an absence the carer holds is reported to the police as missing "
        "(R-CLS-10)"
    )
    completed_by: str
    designation: str
    mobile_checked: bool
    rules: list[str] = Field(description="The rules of the policy's answer to an absence")
    returned_at: datetime | None
    return_details: str
    episode_id: int | None = Field(description="The police's episode that took it")
    version: int


class CarerLineOut(Schema):
    number: str = Field(description="The field's number on Appendix A's per-episode part")
    label: str
    value: str = Field(description="The answer in words")


class PoliceAnswerOut(Schema):
    question: str = Field(description="The police question's key (R-RPT-03)")
    label: str
    answer: str | None = Field(
        description="yes | no | unknown as the carer's form answers it; null when it does "
        "not (the call handler asks)"
    )
    detail: str


class CarerReportDetailOut(CarerReportOut):
    values: dict[str, Any] = Field(description="The per-episode form's answers by key")
    lines: list[CarerLineOut] = Field(description="Every field in form order, in words")
    police_answers: list[PoliceAnswerOut] = Field(
        description="The twelve questions as the carer's form (and the child's record) "
        "answer them: what the police report opens with"
    )


class CarerFieldOut(Schema):
    number: str
    key: str
    label: str = Field(description="The question as printed")
    kind: str = Field(description="answer ({answer, detail}) | text")
    choices: list[dict[str, str]] = Field(description="For an answer: the codes to send")
    question: str | None = Field(description="The police question (R-RPT-03) it answers")


def _police_due(report: CarerReport) -> datetime | None:
    open_ = [
        d.due
        for d in report.deadlines.all()
        if d.kind == LIMIT_KIND and d.status == DeadlineStatus.OPEN
    ]
    return min(open_) if open_ else None


def _carer_fields(r: CarerReport) -> dict[str, Any]:
    return {
        "id": r.pk,
        "person": PersonRefOut(id=r.person.pk, name=r.person.name),
        "kind": r.kind,
        "kind_label": r.get_kind_display(),
        "status": r.status,
        "status_label": r.get_status_display(),
        "provider": Ref(id=r.provider.pk, name=r.provider.name),
        "force": Ref(id=r.force.pk, name=r.force.name),
        "area": Ref(id=r.area.pk, name=r.area.name),
        "placement_id": r.placement_id,
        "last_seen_at": r.last_seen_at,
        "last_contact_at": r.last_contact_at,
        "reported_at": r.reported_at,
        "reported_to_police_at": r.reported_to_police_at,
        "police_due": _police_due(r),
        "completed_by": r.completed_by,
        "designation": r.designation,
        "mobile_checked": r.mobile_checked,
        "rules": list((r.decision or {}).get("rules", [])),
        "returned_at": r.returned_at,
        "return_details": r.return_details,
        "episode_id": r.episode_id,
        "version": r.version,
    }


def _carer_detail(r: CarerReport) -> CarerReportDetailOut:
    answers = police_answers(r.person, r.values)
    return CarerReportDetailOut(
        **_carer_fields(r),
        values=dict(r.values),
        lines=[
            CarerLineOut(number=n, label=label, value=v)
            for n, label, v in carer_form.lines(r.values)
        ],
        police_answers=[
            PoliceAnswerOut(
                question=key,
                label=label,
                answer=(answers.get(key) or {}).get("answer") or None,
                detail=(answers.get(key) or {}).get("detail", ""),
            )
            for key, label in QUESTIONS
        ],
    )


@router.get("/people/{person_id}/carer-reports/form", response={200: list[CarerFieldOut], **ERRORS})
def carer_report_form(request: HttpRequest, person_id: Id) -> list[CarerFieldOut]:
    """The per-episode form's fields in form order, so that a client can build it: for
    carers (403 for anyone else, before the child is looked up); 404 for a child you may
    not see."""
    user = acting_user(request)
    if not user.has_role(Role.CARER):
        raise PermissionDenied("Only carers of the child's placement make a carer's report")
    get_person_for_user(user, person_id, purpose="open the carer's report form (API)")
    return [
        CarerFieldOut(
            number=f.number,
            key=f.key,
            label=f.label,
            kind=f.kind,
            choices=[{"code": c, "label": label} for c, label in carer_form.ANSWERS]
            if f.kind == carer_form.ANSWER
            else [],
            question=f.question or None,
        )
        for f in carer_form.FIELDS
    ]


@router.post("/people/{person_id}/carer-reports", response={201: CarerReportDetailOut, **ERRORS})
def carer_report_make(
    request: HttpRequest, person_id: Id, body: CarerReportIn
) -> Status[CarerReportDetailOut]:
    """A carer of the child's placement reports the child missing (the police of the
    placement's address are told at once, R-PPA-03) or records an unauthorised absence,
    which the policy may refuse (400 with the ``rules``: field 20 of the pre-placement
    assessment, "missing and never absent", is R-CLS-11) and which is reported to the
    police as missing at the policy's limit (R-CLS-10). 403 for anyone but a carer; 409
    while another report for the child is open."""
    report = services.carer_report_make(
        actor=acting_user(request),
        person_id=person_id,
        kind=body.kind,
        last_seen_at=body.last_seen_at,
        last_contact_at=body.last_contact_at,
        values=body.values,
        completed_by=body.completed_by,
        designation=body.designation,
        mobile_checked=body.mobile_checked,
    )
    return Status(201, _carer_detail(report))


@router.get("/carer-reports", response={200: list[CarerReportOut], **ERRORS})
def carer_reports(request: HttpRequest) -> list[CarerReportOut]:
    """The carers' reports you may see, at most 500: a carer's organisation's own (open
    ones first); for the police, their force's reports waiting to be taken (the child last
    seen longest ago first); for children's services, those about the children they see.
    Empty for anyone else."""
    rows = selectors.carer_reports_for_user(acting_user(request)).prefetch_related("deadlines")
    return [CarerReportOut(**_carer_fields(r)) for r in rows[:500]]


@router.get("/carer-reports/{report_id}", response={200: CarerReportDetailOut, **ERRORS})
def carer_report_detail(request: HttpRequest, report_id: Id) -> CarerReportDetailOut:
    """One carer's report with the carer's answers, in words, and as the twelve questions
    the police report opens with. The read is audited; a report you may not see is 404
    "No such report"."""
    report = services.get_carer_report_for_user(
        acting_user(request), report_id, purpose="view carer's report (API)"
    )
    return _carer_detail(report)


@router.post("/carer-reports/{report_id}/return", response={200: CarerReportDetailOut, **ERRORS})
def carer_report_return(
    request: HttpRequest, report_id: Id, body: CarerReturnIn
) -> CarerReportDetailOut:
    """The carer records the child's return: an absence still held ends there; once the
    police have the report, they are told. 403 for anyone but a carer."""
    report = services.carer_report_return(
        actor=acting_user(request),
        report_id=report_id,
        returned_at=body.returned_at,
        details=body.details,
    )
    return _carer_detail(report)

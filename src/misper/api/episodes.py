"""API: episodes, from the report to closure. The same capabilities as the episode pages,
through the same selectors and services, so the same permission checks: the policy's
recommendation for a report, the report itself, the case (a restricted one opens only with
a reason in the ``X-Misper-Reason`` header, which is audited), every decision and record,
transfers, the supervision list and the daily management meeting.

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

from misper.agencies.errors import NotFound, ValidationFailed
from misper.agencies.models import Deadline, Organisation
from misper.agencies.selectors import acting_user
from misper.api.schemas import ErrorOut
from misper.episodes import selectors, services
from misper.episodes.models import (
    CategoryDecision,
    Episode,
    FoundReport,
    InvestigationEntry,
    RiskGrading,
    Transfer,
)
from misper.episodes.services.record import FoundInput

router = Router(tags=["episodes"])

ERRORS: dict[int, Any] = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut}


# --- Schemas -------------------------------------------------------------------------------


class AnswerIn(Schema):
    answer: str = Field(description="yes | no | unknown")
    detail: str = Field(description="What the caller said: a simple yes or no does not suffice")


class SearchIn(Schema):
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
    establishment: int | None = Field(None, description="Care establishment id")
    area: int | None = Field(None, description="Owning policing area id (force-level users)")
    last_seen_at: AwareDatetime
    last_seen_place: str
    last_contact_at: AwareDatetime | None = None
    last_contact_place: str = ""
    circumstances: str
    answers: dict[str, AnswerIn]
    searches: dict[str, SearchIn] = {}
    intelligence_checks: str = ""
    further_enquiries_required: bool = False
    other_factors_suspected: bool = False


class ReportCreateIn(ReportIn):
    category: str = Field(description="missing | absent | unauthorised_absence | absconder_only")
    risk: str | None = Field(None, description="no_apparent_risk | low | medium | high")
    rationale: str = ""
    latest_review_at: AwareDatetime | None = None


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


class FoundOut(Schema):
    found_at: datetime
    returned_at: datetime | None
    found_where: str
    found_postcode: str
    found_by: str
    condition: str
    disclosures: str
    harmed: bool
    criminal_activity: bool
    risky_contacts: bool
    safe_and_well: str
    safe_and_well_rationale: str


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


class EpisodeOut(EpisodeSummaryOut):
    force: Ref
    profile_id: str
    recommended_category: str
    minimum_risk: str | None
    minimum_response: str | None
    recommendation: RecommendationOut
    categorised_at: datetime | None
    disagreement_open: bool
    latest_review_at: datetime | None
    restricted: bool
    closure_code: str
    closed_at: datetime | None
    reported_by: str
    informant_name: str
    informant_phone: str
    missing_from: str
    location_address: str
    location_postcode: str
    establishment: Ref | None
    last_seen_place: str
    last_contact_at: datetime | None
    last_contact_place: str
    circumstances: str
    searches: dict[str, dict[str, str]]
    answers: dict[str, dict[str, str]]
    intelligence_checks: str
    further_enquiries_required: bool
    deadlines: list[DeadlineOut]
    gradings: list[GradingOut]
    decisions: list[DecisionOut]
    entries: list[EntryOut]
    transfers: list[TransferOut]
    found: FoundOut | None


class QueueRowOut(Schema):
    episode: EpisodeSummaryOut
    why: str
    next_deadline: DeadlineOut | None


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
    to_area: int
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


# --- Conversions -----------------------------------------------------------------------------


def _ref(org: Organisation | None) -> Ref | None:
    return Ref(id=org.pk, name=org.name) if org is not None else None


def _organisation(org_id: int | None, field: str) -> Organisation | None:
    if org_id is None:
        return None
    org = Organisation.objects.filter(pk=org_id).first()
    if org is None:
        raise ValidationFailed("No such organisation", field=field)
    return org


def _report(body: ReportIn) -> services.ReportInput:
    return services.ReportInput(
        reported_at=body.reported_at or timezone.now(),
        reported_by=body.reported_by,
        informant_name=body.informant_name,
        informant_phone=body.informant_phone,
        missing_from=body.missing_from,
        location_address=body.location_address,
        location_postcode=body.location_postcode,
        establishment=_organisation(body.establishment, "establishment"),
        area=_organisation(body.area, "area"),
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


def _found(f: FoundReport | None) -> FoundOut | None:
    if f is None:
        return None
    return FoundOut(
        **{
            k: getattr(f, k)
            for k in FoundOut.model_fields  # the same names as the model
        }
    )


def _episode(e: Episode) -> EpisodeOut:
    """The whole case. ``e`` is re-read so that every list is current."""
    e = (
        Episode.objects.select_related("person", "force", "owning_area", "establishment")
        .prefetch_related(
            "gradings__by",
            "decisions__by",
            "entries__by",
            "transfers__from_area",
            "transfers__to_area",
        )
        .get(pk=e.pk)
    )
    now = timezone.now()
    found = FoundReport.objects.filter(episode=e).first()
    return EpisodeOut(
        **_summary_fields(e),
        force=Ref(id=e.force.pk, name=e.force.name),
        profile_id=e.profile_id,
        recommended_category=e.recommended_category,
        minimum_risk=e.minimum_risk or None,
        minimum_response=e.minimum_response or None,
        recommendation=RecommendationOut(**(e.recommendation or {})),
        categorised_at=e.categorised_at,
        disagreement_open=e.disagreement_open,
        latest_review_at=e.latest_review_at,
        restricted=e.restricted,
        closure_code=e.closure_code,
        closed_at=e.closed_at,
        reported_by=e.reported_by,
        informant_name=e.informant_name,
        informant_phone=e.informant_phone,
        missing_from=e.missing_from,
        location_address=e.location_address,
        location_postcode=e.location_postcode,
        establishment=_ref(e.establishment),
        last_seen_place=e.last_seen_place,
        last_contact_at=e.last_contact_at,
        last_contact_place=e.last_contact_place,
        circumstances=e.circumstances,
        searches=e.searches,
        answers=e.answers,
        intelligence_checks=e.intelligence_checks,
        further_enquiries_required=e.further_enquiries_required,
        deadlines=[_deadline(d, now) for d in selectors.open_deadlines(e)],
        gradings=[_grading(g) for g in e.gradings.all()],
        decisions=[_decision(d) for d in e.decisions.all()],
        entries=[_entry(x) for x in e.entries.all()],
        transfers=[_transfer(t) for t in e.transfers.all()],
        found=_found(found),
    )


def _queue(rows: list[selectors.QueueRow]) -> list[QueueRowOut]:
    now = timezone.now()
    return [
        QueueRowOut(
            episode=EpisodeSummaryOut(**_summary_fields(r.episode)),
            why=r.why,
            next_deadline=_deadline(r.next_deadline, now) if r.next_deadline else None,
        )
        for r in rows
    ]


# --- Endpoints -------------------------------------------------------------------------------


@router.post("/people/{person_id}/recommendation", response={200: RecommendationOut, **ERRORS})
def recommendation(request: HttpRequest, person_id: int, body: ReportIn) -> RecommendationOut:
    """The policy engine's recommendation for a report, before anything is saved: allowed
    categories, minimum risk and response, duties, deadlines, triggers, and every reason
    with its rule id."""
    answer = services.episode_recommend(
        actor=acting_user(request), person_id=person_id, report=_report(body)
    )
    return RecommendationOut(**answer)


@router.post("/people/{person_id}/episodes", response={201: EpisodeOut, **ERRORS})
def episode_report(
    request: HttpRequest, person_id: int, body: ReportCreateIn
) -> Status[EpisodeOut]:
    """Record a report with the category and (for missing) the initial risk. A category or
    risk the profile forbids is a 400 naming the field and the rule."""
    episode = services.episode_report(
        actor=acting_user(request),
        person_id=person_id,
        report=_report(body),
        category=body.category,
        risk=body.risk,
        rationale=body.rationale,
        latest_review_at=body.latest_review_at,
    )
    return Status(201, _episode(episode))


@router.get("/episodes/supervision", response={200: list[QueueRowOut], **ERRORS})
def supervision(request: HttpRequest) -> list[QueueRowOut]:
    """The duty inspector's list (sergeants and above; others get 404)."""
    return _queue(selectors.supervision_queue(acting_user(request)))


@router.get("/areas/{area_id}/dmm", response={200: list[QueueRowOut], **ERRORS})
def daily_management(request: HttpRequest, area_id: int) -> list[QueueRowOut]:
    """Every open case of a policing area of the user's force, high risk first."""
    area = Organisation.objects.select_related("parent").filter(pk=area_id).first()
    if area is None:
        raise NotFound("No such area")
    return _queue(selectors.daily_management(acting_user(request), area))


@router.get("/episodes/{episode_id}", response={200: EpisodeOut, **ERRORS})
def episode_detail(
    request: HttpRequest,
    episode_id: int,
    reason: str = Header("", alias="X-Misper-Reason"),
) -> EpisodeOut:
    """The case, with the read audited. A restricted record is a 403 with the code
    ``restricted`` until the request states why in the ``X-Misper-Reason`` header."""
    episode = selectors.get_episode_for_user(
        acting_user(request), episode_id, purpose="view case", reason=reason
    )
    return _episode(episode)


@router.post("/episodes/{episode_id}/category", response={200: EpisodeOut, **ERRORS})
def set_category(request: HttpRequest, episode_id: int, body: CategoryIn) -> EpisodeOut:
    return _episode(
        services.episode_set_category(
            actor=acting_user(request),
            episode_id=episode_id,
            version=body.version,
            category=body.category,
            rationale=body.rationale,
            review_period_hours=body.review_period_hours,
            callback_at=body.callback_at,
        )
    )


@router.post("/episodes/{episode_id}/risk", response={200: EpisodeOut, **ERRORS})
def grade_risk(request: HttpRequest, episode_id: int, body: RiskIn) -> EpisodeOut:
    """Grade or change the risk under the profile's authority rules (R-AUT-01..04)."""
    return _episode(
        services.episode_grade_risk(
            actor=acting_user(request),
            episode_id=episode_id,
            version=body.version,
            risk=body.risk,
            rationale=body.rationale,
            latest_review_at=body.latest_review_at,
            initial_grading_error=body.initial_grading_error,
        )
    )


@router.post("/episodes/{episode_id}/disagreement", response={200: EpisodeOut, **ERRORS})
def disagreement(request: HttpRequest, episode_id: int, body: DisagreementIn) -> EpisodeOut:
    return _episode(
        services.episode_record_disagreement(
            actor=acting_user(request),
            episode_id=episode_id,
            version=body.version,
            detail=body.detail,
        )
    )


@router.post("/episodes/{episode_id}/disagreement/resolve", response={200: EpisodeOut, **ERRORS})
def resolve(request: HttpRequest, episode_id: int, body: ResolveIn) -> EpisodeOut:
    """The Force Incident Manager's decision (R-REV-07)."""
    return _episode(
        services.episode_resolve_disagreement(
            actor=acting_user(request),
            episode_id=episode_id,
            version=body.version,
            category=body.category,
            rationale=body.rationale,
        )
    )


@router.post("/episodes/{episode_id}/restrict", response={200: EpisodeOut, **ERRORS})
def restrict(request: HttpRequest, episode_id: int, body: RestrictIn) -> EpisodeOut:
    return _episode(
        services.episode_restrict(
            actor=acting_user(request),
            episode_id=episode_id,
            version=body.version,
            reason=body.reason,
        )
    )


@router.post("/episodes/{episode_id}/entries", response={201: EntryOut, **ERRORS})
def log_entry(request: HttpRequest, episode_id: int, body: EntryIn) -> Status[EntryOut]:
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
    request: HttpRequest, episode_id: int, body: TransferIn
) -> Status[TransferOut]:
    to_area = _organisation(body.to_area, "to_area")
    assert to_area is not None
    transfer = services.transfer_propose(
        actor=acting_user(request),
        episode_id=episode_id,
        to_area=to_area,
        reason=body.reason,
        bulk_of_enquiries=body.bulk_of_enquiries,
    )
    return Status(201, _transfer(transfer))


@router.post("/transfers/{transfer_id}/decision", response={200: TransferOut, **ERRORS})
def transfer_decide(
    request: HttpRequest, transfer_id: int, body: TransferDecisionIn
) -> TransferOut:
    """The receiving area accepts or declines (R-OWN-03/04)."""
    transfer = services.transfer_decide(
        actor=acting_user(request), transfer_id=transfer_id, accept=body.accept, reason=body.reason
    )
    transfer = Transfer.objects.select_related("from_area", "to_area").get(pk=transfer.pk)
    return _transfer(transfer)


@router.post("/episodes/{episode_id}/found", response={200: EpisodeOut, **ERRORS})
def found(request: HttpRequest, episode_id: int, body: FoundIn) -> EpisodeOut:
    """The found report and the safe and well check, or the decision not to do one."""
    return _episode(
        services.episode_found(
            actor=acting_user(request),
            episode_id=episode_id,
            version=body.version,
            found=FoundInput(**body.model_dump(exclude={"version"})),
        )
    )


@router.post("/episodes/{episode_id}/close", response={200: EpisodeOut, **ERRORS})
def close(request: HttpRequest, episode_id: int, body: CloseIn) -> EpisodeOut:
    """Close with the closure code the category requires (R-REC-04)."""
    return _episode(
        services.episode_close(
            actor=acting_user(request), episode_id=episode_id, version=body.version
        )
    )

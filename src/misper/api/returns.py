"""API: return home interviews (R-RHI-01..16). The same capabilities as the return-interview
pages, through the same selectors and services: the queue, the referral as the caller may
see it, and every step from allocation and triage to the outcome, the interview, what it
disclosed and recommends, follow-on support, and what it shares with the police. Every
referral is fetched through ``returns.selectors.get_referral_for_user``, so a referral that
does not exist and one the caller may not see are the same 404 "No such referral".

Two views (``view``):

- ``interviewer``: the organisation holding the interview (its return-interview workers and
  managers, or an authority's children's services when its own staff hold interviews) sees
  the whole referral, the interview included, and is the only one to act on it; allocating
  and confirming "not required" (R-RHI-06) need a manager.
- ``authority``: the responsible authority's children's services, when someone else holds
  the interview, see the referral, its triage, outcome and timeliness, each disclosure's
  step, deadline and whether it is done, the recommendations, and what kinds of item were
  shared with the police, never what the child said: ``interview`` is null, and the
  disclosures' summaries, the support sessions' notes and the shared items' words are null.
  They may mark a recommendation done.

Writes carry the referral's ``version`` where they change its state; a stale one is a 409
``concurrent_edit`` and nothing is saved. Every write answers with the referral as the
caller now sees it. Dates are ISO 8601, times with a time zone; closed vocabularies are
their code values."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from typing import Any, Literal

from django.db.models import Model
from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status
from pydantic import AwareDatetime, ConfigDict

from misper.agencies.models import Organisation, User
from misper.agencies.selectors import acting_user
from misper.api.episodes import ReasonOut
from misper.api.people import OrganisationRef
from misper.api.schemas import ERRORS, Id, PersonRefOut, RefId, named_as_sent
from misper.core.errors import NotFound
from misper.core.validation import MAX_FREE_TEXT, MAX_ID
from misper.people.codes import FlagKind
from misper.people.selectors import get_person_for_user
from misper.returns import selectors, services
from misper.returns.arrangements import arrangement_set, arrangements_for_admin
from misper.returns.coverage import coverage_table
from misper.returns.models import (
    Disclosure,
    InformationRequest,
    ItemKind,
    LegalBasis,
    Outcome,
    Rag,
    Recommendation,
    Referral,
    SharedItem,
    Step,
    SupportSession,
)
from misper.returns.selectors import View

router = Router(tags=["returns"])

VERSION_HELP = "The referral's version you read; a stale one is refused (409 concurrent_edit)"


def _version() -> Any:
    return Field(..., ge=1, le=MAX_ID, description=VERSION_HELP)


# --- Schemas -------------------------------------------------------------------------------


class CodeLabelOut(Schema):
    code: str
    label: str


class UserRefOut(Schema):
    id: int
    name: str


class LettersOut(Schema):
    """Green (R-RHI-10): when the letter and leaflet went to the carer and to the child."""

    to_carer_on: date | None
    to_child_on: date | None


class OfferOut(Schema):
    offered_at: datetime | None
    how: str
    accepted_at: datetime | None


class NotRequiredProposalOut(Schema):
    """A proposal that no interview is needed, waiting for a manager (R-RHI-06); its
    reason is ``outcome_reason``."""

    by: UserRefOut | None
    at: datetime


class InformationRequestOut(Schema):
    id: int
    agency: OrganisationRef
    asked: str
    asked_at: datetime
    asked_by: str
    answer: str
    answered_at: datetime | None


class DisclosureOut(Schema):
    id: int
    summary: str | None = Field(
        description="What was disclosed: null in the authority's view (it stays with the "
        "interviewer)"
    )
    step: CodeLabelOut = Field(description="police | childrens_services | assessment")
    due: datetime
    done: bool
    done_at: datetime | None
    done_note: str | None = Field(description="null in the authority's view")


class ReferralRecommendationOut(Schema):
    id: int
    text: str
    owner: OrganisationRef = Field(description="The organisation that must act on it")
    due_on: date
    done: bool
    done_at: datetime | None
    done_note: str


class SupportSessionOut(Schema):
    id: int
    held_on: date
    topics: str
    notes: str | None = Field(description="null in the authority's view")


class SharedItemOut(Schema):
    """One item of an interview shared with the police, with its legal basis (R-RHI-09).
    The words (``text``, ``relationship``, ``age``, ``postcode``, ``detail``) are null in
    the responsible authority's view of a referral; the links to the child's record are
    given to the interviewer only."""

    id: int
    kind: ItemKind
    text: str | None
    relationship: str | None
    age: int | None
    postcode: str | None
    flag_kind: FlagKind | None
    detail: str | None
    legal_basis: LegalBasis
    shared_by: str | None
    shared_by_org: OrganisationRef
    shared_at: datetime
    associate_id: int | None = Field(None, description="The associate it became on the record")
    place_id: int | None = Field(None, description="The place it became on the record")
    flag_request_id: int | None = Field(
        None, description="The request to flag it became (GET /flag-requests, coordinators)"
    )


class InterviewOut(Schema):
    """The interview (R-RHI-03/05/07/08): the interviewer's view only."""

    held_at: datetime
    interviewer_name: str
    independent: bool
    known_person_rationale: str
    place: str
    present: str
    push_factors: str
    pull_factors: str
    where_went: str
    with_whom: str
    harm: str
    cse_indicators: bool | None
    cce_indicators: bool | None
    exploitation_notes: str
    substance_use: str
    child_words: str
    recorded_by: str
    recorded_at: datetime


class ReferralSummaryOut(Schema):
    id: int
    view: View = Field(description="interviewer | authority: what you see of it")
    episode_id: int
    person: PersonRefOut
    state: CodeLabelOut
    rag: Rag | None = Field(description="The confirmed triage; null until triaged")
    engine_rag: Rag | None = Field(description="The policy's rating from the triage facts")
    found_at: datetime
    due: datetime = Field(description="72 hours after found (R-RHI-01)")
    interviewer: OrganisationRef
    responsible_authority: OrganisationRef
    allocated_to: UserRefOut | None
    outcome: CodeLabelOut | None
    version: int


class ReferralOut(ReferralSummaryOut):
    """The referral as you may see it (see the API's description of the two views):
    ``interview`` is null in the responsible authority's view, as are the words of the
    disclosures, the support sessions and the shared items."""

    engine_reasons: list[ReasonOut] = Field(description="Why the policy rates it so, by rule")
    criteria: list[int] = Field(description="The R-RHI-04 criteria met")
    triage_facts: dict[str, bool | None]
    rag_rationale: str
    triaged_at: datetime | None
    hours_to_outcome: float | None = Field(
        description="Elapsed hours from found to the interview or the outcome"
    )
    within_72_hours: bool | None
    interview_held_at: datetime | None
    basis: CodeLabelOut = Field(description="home | placing | host (R-RHI-12)")
    routing_note: str
    in_care: bool
    letters: LettersOut
    offer: OfferOut
    not_required_proposal: NotRequiredProposalOut | None
    outcome_at: datetime | None
    outcome_reason: str
    offered_instead: str
    information_requests: list[InformationRequestOut]
    disclosures: list[DisclosureOut]
    recommendations: list[ReferralRecommendationOut]
    support_sessions: list[SupportSessionOut]
    shared_items: list[SharedItemOut]
    interview: InterviewOut | None = Field(
        description="The interviewer's view only: null for the responsible authority"
    )


class QueueFilters(Schema):
    show: Literal["open", "mine", "closed"] = Field(
        "open",
        description="open: every open referral, soonest due first; mine: those allocated to "
        "you; closed: the latest closed ones",
    )


class AllocateIn(Schema):
    version: int = _version()
    worker_id: RefId = Field(description="A worker of the organisation holding the interview")


class TriageFactsIn(Schema):
    """R-RHI-10's questions: true, false, or null for not known."""

    model_config = ConfigDict(extra="forbid")

    associates_recorded: bool | None = None
    places_recorded: bool | None = None
    substance_misuse: bool | None = None
    domestic_violence: bool | None = None
    learning_difficulty: bool | None = None
    troubled_family: bool | None = None
    cse_indicators: bool | None = None


class TriageIn(Schema):
    version: int = _version()
    facts: TriageFactsIn = Field(default_factory=TriageFactsIn)
    rag: Rag
    rationale: str = Field(
        "",
        max_length=MAX_FREE_TEXT,
        description="Required when your rating differs from the policy's",
    )


class InformationRequestIn(Schema):
    version: int = _version()
    agency_id: RefId = Field(description="The organisation asked")
    asked: str = Field(..., max_length=MAX_FREE_TEXT)


class InformationAnswerIn(Schema):
    version: int = _version()
    answer: str = Field(..., max_length=MAX_FREE_TEXT)


class LetterIn(Schema):
    version: int = _version()
    to_carer_on: date
    to_child_on: date


class OfferIn(Schema):
    version: int = _version()
    how: str = Field(..., max_length=200, description="Phone call, visit, letter...")


class AcceptIn(Schema):
    version: int = _version()


class OutcomeIn(Schema):
    version: int = _version()
    outcome: Outcome = Field(
        description="declined_child | declined_parent | unable_to_contact | missing_again | "
        "out_of_area. completed comes from the interview, letter_sent from the letter, "
        "not_required from a manager's confirmation (R-RHI-06)"
    )
    reason: str = Field("", max_length=MAX_FREE_TEXT)
    offered_instead: str = Field("", max_length=MAX_FREE_TEXT, description="Required when declined")


class NotRequiredIn(Schema):
    version: int = _version()
    reason: str = Field(..., max_length=MAX_FREE_TEXT)


class NotRequiredDecisionIn(Schema):
    version: int = _version()
    confirm: bool
    reason: str = Field(..., max_length=MAX_FREE_TEXT)


class InterviewIn(Schema):
    version: int = _version()
    held_at: AwareDatetime
    interviewer_name: str = Field(..., max_length=200)
    independent: bool = Field(description="Independent of the child's care (R-RHI-03)")
    place: str = Field(..., max_length=300)
    known_person_rationale: str = Field(
        "",
        max_length=MAX_FREE_TEXT,
        description="Required when the interviewer is not independent",
    )
    present: str = Field("", max_length=300)
    push_factors: str = Field("", max_length=MAX_FREE_TEXT)
    pull_factors: str = Field("", max_length=MAX_FREE_TEXT)
    where_went: str = Field("", max_length=MAX_FREE_TEXT)
    with_whom: str = Field("", max_length=MAX_FREE_TEXT)
    harm: str = Field("", max_length=MAX_FREE_TEXT)
    cse_indicators: bool | None = None
    cce_indicators: bool | None = None
    exploitation_notes: str = Field("", max_length=MAX_FREE_TEXT)
    substance_use: str = Field("", max_length=MAX_FREE_TEXT)
    child_words: str = Field("", max_length=MAX_FREE_TEXT)


class DisclosureIn(Schema):
    summary: str = Field(..., max_length=MAX_FREE_TEXT)
    step: Step
    due: AwareDatetime = Field(description="When the step must be done by (within a month)")


class DoneIn(Schema):
    note: str = Field(..., max_length=MAX_FREE_TEXT)


class ReferralRecommendationIn(Schema):
    text: str = Field(..., max_length=MAX_FREE_TEXT)
    owner_id: RefId = Field(description="The organisation that must act on it")
    due_on: date


class SupportSessionIn(Schema):
    held_on: date
    topics: str = Field(..., max_length=300)
    notes: str = Field("", max_length=MAX_FREE_TEXT)


class SharedItemIn(Schema):
    kind: ItemKind
    text: str = Field(
        "",
        max_length=300,
        description="The associate's name, the place, the vehicle...; for a flag request, optional",
    )
    legal_basis: LegalBasis
    relationship: str = Field("", max_length=100, description="An associate's")
    age: int | None = Field(None, ge=1, le=119, description="An associate's")
    postcode: str = Field("", max_length=10, description="A place's")
    flag_kind: FlagKind | None = Field(None, description="A flag request's")
    detail: str = Field(
        "", max_length=MAX_FREE_TEXT, description="Required for a flag request: why"
    )


# --- Conversions ---------------------------------------------------------------------------


def _org(org: Organisation) -> OrganisationRef:
    return OrganisationRef(id=org.pk, name=org.name)


def _user(user: User | None) -> UserRefOut | None:
    return UserRefOut(id=user.pk, name=user.full_name) if user is not None else None


def _code(value: str, label: str) -> CodeLabelOut:
    return CodeLabelOut(code=value, label=label)


def _summary_fields(r: Referral, view: View) -> dict[str, Any]:
    return {
        "id": r.pk,
        "view": view,
        "episode_id": r.episode_id,
        "person": PersonRefOut(id=r.person.pk, name=r.person.name),
        "state": _code(r.state, r.get_state_display()),
        "rag": r.rag or None,
        "engine_rag": r.engine_rag or None,
        "found_at": r.found_at,
        "due": r.due,
        "interviewer": _org(r.interviewer),
        "responsible_authority": _org(r.responsible_authority),
        "allocated_to": _user(r.allocated_to),
        "outcome": _code(r.outcome, r.get_outcome_display()) if r.outcome else None,
        "version": r.version,
    }


def _shared_item(s: SharedItem, *, words: bool, links: bool) -> SharedItemOut:
    return SharedItemOut(
        id=s.pk,
        kind=ItemKind(s.kind),
        text=s.text if words else None,
        relationship=s.relationship if words else None,
        age=s.age if words else None,
        postcode=s.postcode if words else None,
        flag_kind=FlagKind(s.flag_kind) if s.flag_kind else None,
        detail=s.detail if words else None,
        legal_basis=LegalBasis(s.legal_basis),
        shared_by=s.shared_by.full_name if words else None,
        shared_by_org=_org(s.shared_by_org),
        shared_at=s.shared_at,
        associate_id=s.associate_id if links else None,
        place_id=s.place_id if links else None,
        flag_request_id=s.flag_request_id if links else None,
    )


def _interview(r: Referral) -> InterviewOut | None:
    i = getattr(r, "interview", None)
    if i is None:
        return None
    return InterviewOut(
        held_at=i.held_at,
        interviewer_name=i.interviewer_name,
        independent=i.independent,
        known_person_rationale=i.known_person_rationale,
        place=i.place,
        present=i.present,
        push_factors=i.push_factors,
        pull_factors=i.pull_factors,
        where_went=i.where_went,
        with_whom=i.with_whom,
        harm=i.harm,
        cse_indicators=i.cse_indicators,
        cce_indicators=i.cce_indicators,
        exploitation_notes=i.exploitation_notes,
        substance_use=i.substance_use,
        child_words=i.child_words,
        recorded_by=i.recorded_by.full_name,
        recorded_at=i.recorded_at,
    )


def _referral(r: Referral, view: View) -> ReferralOut:
    """The referral in the caller's view: the interviewer's whole, or the authority's
    without what the child said."""
    full = view == View.INTERVIEWER
    interview = getattr(r, "interview", None)
    proposal = None
    if r.not_required_proposed_at is not None:
        proposal = NotRequiredProposalOut(
            by=_user(r.not_required_proposed_by), at=r.not_required_proposed_at
        )
    return ReferralOut(
        **_summary_fields(r, view),
        engine_reasons=[ReasonOut(rule=x["rule"], text=x["text"]) for x in r.engine_reasons],
        criteria=list(r.criteria),
        triage_facts=dict(r.triage_facts),
        rag_rationale=r.rag_rationale,
        triaged_at=r.triaged_at,
        hours_to_outcome=r.hours_to_outcome,
        within_72_hours=r.within_72_hours,
        interview_held_at=interview.held_at if interview is not None else None,
        basis=_code(r.basis, r.get_basis_display()),
        routing_note=r.routing_note,
        in_care=r.in_care,
        letters=LettersOut(to_carer_on=r.letter_to_carer_on, to_child_on=r.letter_to_child_on),
        offer=OfferOut(offered_at=r.offered_at, how=r.offered_how, accepted_at=r.accepted_at),
        not_required_proposal=proposal,
        outcome_at=r.outcome_at,
        outcome_reason=r.outcome_reason,
        offered_instead=r.offered_instead,
        information_requests=[
            InformationRequestOut(
                id=q.pk,
                agency=_org(q.agency),
                asked=q.asked,
                asked_at=q.asked_at,
                asked_by=q.asked_by.full_name,
                answer=q.answer,
                answered_at=q.answered_at,
            )
            for q in r.information_requests.select_related("agency", "asked_by")
        ],
        disclosures=[
            DisclosureOut(
                id=d.pk,
                summary=d.summary if full else None,
                step=_code(d.step, d.get_step_display()),
                due=d.due,
                done=d.done_at is not None,
                done_at=d.done_at,
                done_note=d.done_note if full else None,
            )
            for d in r.disclosures.all()
        ],
        recommendations=[
            ReferralRecommendationOut(
                id=x.pk,
                text=x.text,
                owner=_org(x.owner),
                due_on=x.due_on,
                done=x.done_at is not None,
                done_at=x.done_at,
                done_note=x.done_note,
            )
            for x in r.recommendations.select_related("owner")
        ],
        support_sessions=[
            SupportSessionOut(
                id=s.pk, held_on=s.held_on, topics=s.topics, notes=s.notes if full else None
            )
            for s in r.support_sessions.all()
        ],
        shared_items=[
            _shared_item(s, words=full, links=full)
            for s in r.shared_items.select_related("shared_by", "shared_by_org")
        ],
        interview=_interview(r) if full else None,
    )


def _answer(request: HttpRequest, referral: Referral) -> ReferralOut:
    """The answer to a change: the referral as its author now sees it (the service fetched
    it through ``get_referral_for_user``, audited)."""
    view = selectors.view_for(acting_user(request), referral)
    if view is None:
        raise NotFound(selectors.NO_SUCH_REFERRAL)
    return _referral(referral, view)


@contextmanager
def _item(model: type[Model], pk: int, no_such: str) -> Iterator[None]:
    """An item of a referral (a request for information, a disclosure, a recommendation):
    one that does not exist and one of a referral the caller may not see are the same
    404."""
    if not model._default_manager.filter(pk=pk).exists():
        raise NotFound(no_such)
    try:
        yield
    except NotFound:
        raise NotFound(no_such) from None


# --- Endpoints -----------------------------------------------------------------------------


@router.get("/returns/referrals", response={200: list[ReferralSummaryOut], **ERRORS})
def queue(request: HttpRequest, filters: Query[QueueFilters]) -> list[ReferralSummaryOut]:
    """The caller's return-interview queue: the referrals their organisation holds or is
    responsible for, open ones soonest due first (at most 500), or the latest closed ones
    (at most 200). Empty for anyone else (the police, carers, analysts)."""
    user = acting_user(request)
    out = []
    for r in selectors.queue_for_user(user, show=filters.show):
        view = selectors.view_for(user, r)
        if view is not None:
            out.append(ReferralSummaryOut(**_summary_fields(r, view)))
    return out


@router.get("/returns/referrals/{referral_id}", response={200: ReferralOut, **ERRORS})
def referral_detail(request: HttpRequest, referral_id: Id) -> ReferralOut:
    """The referral as you may see it (the read is audited). 404 for anyone outside the
    organisation holding the interview and the responsible authority."""
    access = selectors.get_referral_for_user(
        acting_user(request), referral_id, purpose="view referral (API)"
    )
    return _referral(access.referral, access.view)


@router.post("/returns/referrals/{referral_id}/allocate", response={200: ReferralOut, **ERRORS})
def allocate(request: HttpRequest, referral_id: Id, body: AllocateIn) -> ReferralOut:
    """The manager allocates the referral to a worker of the organisation (managers only)."""
    with named_as_sent(worker="worker_id"):
        referral = services.referral_allocate(
            actor=acting_user(request),
            referral_id=referral_id,
            version=body.version,
            worker_id=body.worker_id,
        )
    return _answer(request, referral)


@router.post("/returns/referrals/{referral_id}/triage", response={200: ReferralOut, **ERRORS})
def triage(request: HttpRequest, referral_id: Id, body: TriageIn) -> ReferralOut:
    """Triage (R-RHI-10): the policy rates the referral from the facts; confirm its rating
    or give yours with a rationale. Amber waits for information from named agencies."""
    with named_as_sent(**{name: f"facts.{name}" for name in services.TRIAGE_FACTS}):
        referral = services.referral_triage(
            actor=acting_user(request),
            referral_id=referral_id,
            version=body.version,
            facts=body.facts.model_dump(),
            rag=body.rag.value,
            rationale=body.rationale,
        )
    return _answer(request, referral)


@router.post(
    "/returns/referrals/{referral_id}/information-requests",
    response={201: ReferralOut, **ERRORS},
)
def information_request(
    request: HttpRequest, referral_id: Id, body: InformationRequestIn
) -> Status[ReferralOut]:
    """Amber: ask a named agency for what the triage lacks (R-RHI-10)."""
    with named_as_sent(agency="agency_id"):
        asked = services.information_request(
            actor=acting_user(request),
            referral_id=referral_id,
            version=body.version,
            agency_id=body.agency_id,
            asked=body.asked,
        )
    return Status(201, _answer(request, asked.referral))


@router.post(
    "/returns/information-requests/{request_id}/answer", response={200: ReferralOut, **ERRORS}
)
def information_answer(
    request: HttpRequest, request_id: Id, body: InformationAnswerIn
) -> ReferralOut:
    """The agency's answer; when every request is answered the referral goes back to
    triage. ``version`` is the referral's. A request that does not exist and one of a
    referral you may not see are both 404 "No such request for information"."""
    with _item(InformationRequest, request_id, "No such request for information"):
        answered = services.information_received(
            actor=acting_user(request),
            request_id=request_id,
            version=body.version,
            answer=body.answer,
        )
    return _answer(request, answered.referral)


@router.post("/returns/referrals/{referral_id}/letter", response={200: ReferralOut, **ERRORS})
def letter(request: HttpRequest, referral_id: Id, body: LetterIn) -> ReferralOut:
    """Green (R-RHI-10): the letter and leaflet were sent to the carer and the child; the
    referral closes."""
    referral = services.letter_sent(
        actor=acting_user(request),
        referral_id=referral_id,
        version=body.version,
        to_carer_on=body.to_carer_on,
        to_child_on=body.to_child_on,
    )
    return _answer(request, referral)


@router.post("/returns/referrals/{referral_id}/offer", response={200: ReferralOut, **ERRORS})
def offer(request: HttpRequest, referral_id: Id, body: OfferIn) -> ReferralOut:
    """Offer the interview and say how (R-RHI-02, R-RHI-11)."""
    with named_as_sent(offered_how="how"):
        referral = services.interview_offer(
            actor=acting_user(request), referral_id=referral_id, version=body.version, how=body.how
        )
    return _answer(request, referral)


@router.post("/returns/referrals/{referral_id}/accept", response={200: ReferralOut, **ERRORS})
def accept(request: HttpRequest, referral_id: Id, body: AcceptIn) -> ReferralOut:
    """The child (or their carer) accepted the interview offered."""
    referral = services.interview_accept(
        actor=acting_user(request), referral_id=referral_id, version=body.version
    )
    return _answer(request, referral)


@router.post("/returns/referrals/{referral_id}/outcome", response={200: ReferralOut, **ERRORS})
def outcome(request: HttpRequest, referral_id: Id, body: OutcomeIn) -> ReferralOut:
    """An interview that did not take place (R-RHI-11); the clock stops. "not_required" is
    refused here (400 naming R-RHI-06): propose it with ``/not-required``."""
    referral = services.outcome_record(
        actor=acting_user(request),
        referral_id=referral_id,
        version=body.version,
        outcome=body.outcome.value,
        reason=body.reason,
        offered_instead=body.offered_instead,
    )
    return _answer(request, referral)


@router.post("/returns/referrals/{referral_id}/not-required", response={200: ReferralOut, **ERRORS})
def not_required(request: HttpRequest, referral_id: Id, body: NotRequiredIn) -> ReferralOut:
    """Propose that no interview is needed, with the reason: another manager confirms or
    refuses it (R-RHI-06). The clock keeps running meanwhile."""
    referral = services.not_required_propose(
        actor=acting_user(request),
        referral_id=referral_id,
        version=body.version,
        reason=body.reason,
    )
    return _answer(request, referral)


@router.post(
    "/returns/referrals/{referral_id}/not-required/decision",
    response={200: ReferralOut, **ERRORS},
)
def not_required_decision(
    request: HttpRequest, referral_id: Id, body: NotRequiredDecisionIn
) -> ReferralOut:
    """A manager, not the one who proposed it, confirms that no interview will take place
    (the referral closes) or refuses (it goes back to its triage) (R-RHI-06)."""
    referral = services.not_required_decide(
        actor=acting_user(request),
        referral_id=referral_id,
        version=body.version,
        confirm=body.confirm,
        reason=body.reason,
    )
    return _answer(request, referral)


@router.post("/returns/referrals/{referral_id}/interview", response={200: ReferralOut, **ERRORS})
def interview(request: HttpRequest, referral_id: Id, body: InterviewIn) -> ReferralOut:
    """The interview (R-RHI-03/05/07/08); the referral closes as completed, with the time
    from found to the interview."""
    recorded = services.interview_record(
        actor=acting_user(request),
        referral_id=referral_id,
        version=body.version,
        details=services.InterviewInput(**body.model_dump(exclude={"version"})),
    )
    return _answer(request, recorded.referral)


@router.post("/returns/referrals/{referral_id}/disclosures", response={201: ReferralOut, **ERRORS})
def disclosure_add(
    request: HttpRequest, referral_id: Id, body: DisclosureIn
) -> Status[ReferralOut]:
    """Harm disclosed in the interview, the step taken and its deadline (R-RHI-07)."""
    disclosure = services.disclosure_add(
        actor=acting_user(request),
        referral_id=referral_id,
        summary=body.summary,
        step=body.step.value,
        due=body.due,
    )
    return Status(201, _answer(request, disclosure.referral))


@router.post("/returns/disclosures/{disclosure_id}/done", response={200: ReferralOut, **ERRORS})
def disclosure_done(request: HttpRequest, disclosure_id: Id, body: DoneIn) -> ReferralOut:
    """The disclosure's step was taken (by the organisation holding the interview). A
    disclosure that does not exist and one you may not see are both 404."""
    with _item(Disclosure, disclosure_id, "No such disclosure"):
        done = services.disclosure_done(
            actor=acting_user(request), disclosure_id=disclosure_id, note=body.note
        )
    return _answer(request, done.referral)


@router.post(
    "/returns/referrals/{referral_id}/recommendations", response={201: ReferralOut, **ERRORS}
)
def recommendation_add(
    request: HttpRequest, referral_id: Id, body: ReferralRecommendationIn
) -> Status[ReferralOut]:
    """What the interview recommends, the organisation that must act (told) and by when
    (R-RHI-14)."""
    with named_as_sent(owner="owner_id"):
        rec = services.recommendation_add(
            actor=acting_user(request),
            referral_id=referral_id,
            text=body.text,
            owner_id=body.owner_id,
            due_on=body.due_on,
        )
    return Status(201, _answer(request, rec.referral))


@router.post(
    "/returns/recommendations/{recommendation_id}/done", response={200: ReferralOut, **ERRORS}
)
def recommendation_done(request: HttpRequest, recommendation_id: Id, body: DoneIn) -> ReferralOut:
    """The recommendation was acted on: by the interviewer or the responsible authority.
    A recommendation that does not exist and one you may not see are both 404."""
    with _item(Recommendation, recommendation_id, "No such recommendation"):
        rec = services.recommendation_done(
            actor=acting_user(request), recommendation_id=recommendation_id, note=body.note
        )
    return _answer(request, rec.referral)


@router.post(
    "/returns/referrals/{referral_id}/support-sessions", response={201: ReferralOut, **ERRORS}
)
def support_session_add(
    request: HttpRequest, referral_id: Id, body: SupportSessionIn
) -> Status[ReferralOut]:
    """Follow-on support after the interview: a separate service record (R-RHI-11)."""
    session: SupportSession = services.support_session_add(
        actor=acting_user(request),
        referral_id=referral_id,
        held_on=body.held_on,
        topics=body.topics,
        notes=body.notes,
    )
    return Status(201, _answer(request, session.referral))


@router.post("/returns/referrals/{referral_id}/shared-items", response={201: ReferralOut, **ERRORS})
def item_share(request: HttpRequest, referral_id: Id, body: SharedItemIn) -> Status[ReferralOut]:
    """Share one item of the interview with the police, with its legal basis (R-RHI-09):
    an associate or a place lands on the child's record, a flag request waits for the
    force's coordinators (``GET /flag-requests``), a vehicle, phone number or exploitation
    indicator is shown to the police on the child's record. What is not shared stays with
    the interviewer."""
    shared = services.item_share(
        actor=acting_user(request),
        referral_id=referral_id,
        item=services.ItemInput(
            kind=body.kind.value,
            text=body.text,
            legal_basis=body.legal_basis.value,
            relationship=body.relationship,
            age=body.age,
            postcode=body.postcode,
            flag_kind=body.flag_kind.value if body.flag_kind else "",
            detail=body.detail,
        ),
    )
    return Status(201, _answer(request, shared.referral))


@router.get("/people/{person_id}/shared-items", response={200: list[SharedItemOut], **ERRORS})
def shared_with_police(request: HttpRequest, person_id: Id) -> list[SharedItemOut]:
    """What return interviews shared with the police about the child (R-RHI-09), newest
    first, each with its legal basis and who shared it: for operational police. 404 for a
    child you may not see; an empty list for anyone else who sees the child."""
    user = acting_user(request)
    person = get_person_for_user(user, person_id, purpose="view shared intelligence (API)")
    return [
        _shared_item(s, words=True, links=True)
        for s in selectors.shared_with_police(user, person.pk)
    ]


# --- The service as a whole: coverage and arrangements ---------------------------------------


class CoverageFilters(Schema):
    start: date | None = Field(None, description="Found on or after (default: 90 days ago)")
    end: date | None = Field(None, description="Found on or before (default: today)")
    group: Literal["interviewer", "authority", "care", "sex", "ethnicity"] = "interviewer"


class CoverageRowOut(Schema):
    label: str
    referrals: int
    red: int
    amber: int
    green: int
    not_triaged: int
    offered: int
    completed: int
    completed_in_72h: int
    letter_sent: int
    declined: int
    unable_to_contact: int
    missing_again: int
    out_of_area: int
    not_required: int
    open: int
    coverage: str = Field(description="Completed, of referrals: one decimal place, half up")
    timeliness: str = Field(description="Within 72 hours, of completed")
    median_hours: float | None


class CoverageOut(Schema):
    group: str
    start: date
    end: date
    rows: list[CoverageRowOut]
    total: CoverageRowOut


@router.get("/returns/coverage", response={200: CoverageOut, **ERRORS})
def returns_coverage(request: HttpRequest, filters: Query[CoverageFilters]) -> CoverageOut:
    """Coverage and timeliness of return interviews (R-RHI-01/11, R-DAT-14/15): counts only,
    for the return-interview and team managers (their own organisation's referrals), for
    analysts and coordinators (their force's) and safeguarding boards (the force(s) policing
    the partnership's authority); never a restricted case's (R-RES-01). The same counting
    as the insights' `return-interviews` report. 403 for anyone else."""
    today = timezone.localdate()
    table = coverage_table(
        acting_user(request),
        start=filters.start or today - timedelta(days=90),
        end=filters.end or today,
        group=filters.group,
    )
    return CoverageOut(
        group=table.group,
        start=table.start,
        end=table.end,
        rows=[CoverageRowOut.model_validate(r.as_dict()) for r in table.rows],
        total=CoverageRowOut.model_validate(table.total.as_dict()),
    )


class ArrangementOut(Schema):
    authority: OrganisationRef
    provider: OrganisationRef | None
    out_of_area: Literal["placing", "host"]
    provider_takes_out_of_area: bool


class ArrangementIn(Schema):
    authority_id: RefId
    provider_id: RefId | None = None
    out_of_area: Literal["placing", "host"]
    provider_takes_out_of_area: bool = False


def _arrangement(a: Any) -> ArrangementOut:
    return ArrangementOut(
        authority=OrganisationRef(id=a.authority.pk, name=a.authority.name),
        provider=OrganisationRef(id=a.provider.pk, name=a.provider.name) if a.provider else None,
        out_of_area=a.out_of_area,
        provider_takes_out_of_area=a.provider_takes_out_of_area,
    )


@router.get("/returns/arrangements", response={200: list[ArrangementOut], **ERRORS})
def arrangements(request: HttpRequest) -> list[ArrangementOut]:
    """Who holds each authority's return interviews (R-RHI-12): system administrators."""
    return [_arrangement(a) for a in arrangements_for_admin(acting_user(request))]


@router.post("/returns/arrangements", response={200: ArrangementOut, **ERRORS})
def arrangement_save(request: HttpRequest, body: ArrangementIn) -> ArrangementOut:
    """Set an authority's arrangement (system administrators; on its timeline)."""
    return _arrangement(
        arrangement_set(
            actor=acting_user(request),
            authority_id=body.authority_id,
            provider_id=body.provider_id,
            out_of_area=body.out_of_area,
            provider_takes_out_of_area=body.provider_takes_out_of_area,
        )
    )

"""Every change to a return-interview referral (R-RHI-01..16). Each service is one
transaction: the referral is fetched through ``get_referral_for_user`` (view, action, audit),
the version the user saw is checked, the policy engine is asked where it has a rule (the
triage of R-RHI-10, the outcomes of R-RHI-06/11), the change and its timeline event are
written, the referral's deadlines are kept, and whoever must know is told.

The referral's lifecycle (models.State) is the provider's practice around the engine's
rules: waiting for triage → (amber: waiting for information →) triaged → offered →
accepted → closed with an outcome; green closes with the letter and leaflet; "not
required" waits for the manager's confirmation (R-RHI-06). Every outcome stops the
72-hour clock (R-RHI-01) and records the elapsed time to it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from misper.agencies.models import Organisation, User
from misper.core.deadlines import deadline_meet, deadlines_sync
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
from misper.episodes.services.common import action, ask, refusal
from misper.episodes.services.report import policy_role
from misper.notifications.services import Recipient, notify
from misper.people.codes import FlagKind
from misper.people.models import Person
from misper.people.services import (
    flag_request_land,
    shared_associate_land,
    shared_place_land,
)
from misper.policy import Decision
from misper.returns.events import ReturnsVerb
from misper.returns.models import (
    DIRECT_OUTCOMES,
    Disclosure,
    InformationRequest,
    Interview,
    ItemKind,
    LegalBasis,
    Outcome,
    Rag,
    Recommendation,
    Referral,
    SharedItem,
    State,
    Step,
    SupportSession,
)
from misper.returns.selectors import (
    NO_SUCH_REFERRAL,
    Do,
    ReferralAccess,
    get_referral_for_user,
    managers_of,
    workers_of,
)

OWNER = "returns"  # core.Deadline.owner of the deadlines this app keeps
SUBJECT = "rhi_referral"
REMINDER_BEFORE = timedelta(hours=24)  # the 48-hour reminder of a 72-hour clock
MAX_TEXT = 4000

# R-RHI-10's triage facts (docs/policy-scenarios.md): true, false or not known (None).
TRIAGE_FACTS = (
    "associates_recorded",
    "places_recorded",
    "substance_misuse",
    "domestic_violence",
    "learning_difficulty",
    "troubled_family",
    "cse_indicators",
)
TRIAGE_RULES = ("R-RHI-10", "R-RHI-04", "R-RHI-02", "R-RHI-13")


# --- Shared steps ---------------------------------------------------------------------------


def _now(now: datetime | None) -> datetime:
    return now or timezone.now()


def _open(
    actor: User, referral_id: int, version: int | None, *, do: Do = Do.WORK, purpose: str
) -> ReferralAccess:
    access = get_referral_for_user(actor, referral_id, do=do, purpose=purpose, for_update=True)
    if version is not None and access.referral.version != version:
        raise ConcurrentEdit(
            "Someone else changed this referral after you opened it: reload it and try again",
            field="version",
        )
    return access


def _expect(referral: Referral, *states: State, doing: str) -> None:
    if referral.state not in states:
        raise WrongState(
            f"You cannot {doing} now: the referral is {referral.get_state_display().lower()}",
            field="state",
        )


def _save(referral: Referral) -> None:
    referral.version += 1
    referral.save()


def timeline(
    actor: User | None,
    referral: Referral,
    verb: ReturnsVerb,
    changes: Mapping[str, Any] | None = None,
    *,
    rationale: str = "",
    rules: tuple[str, ...] | list[str] = (),
    role: str = "",
) -> None:
    timeline_record(
        actor=actor,
        role=role,
        subject_type=SUBJECT,
        subject_id=referral.pk,
        verb=verb,
        changes=dict(changes or {}),
        rationale=rationale,
        rule_ids=list(rules),
    )


def _link(referral: Referral) -> str:
    return f"/returns/{referral.pk}/"


def tell(referral: Referral, *, rule: str, key: str, title: str, to: list[Recipient]) -> int:
    """A message about a referral (no personal data: its number and a link)."""
    return len(
        notify(
            rule=rule,
            event_key=f"rhi:{referral.pk}:{key}",
            subject_type=SUBJECT,
            subject_id=referral.pk,
            title=title,
            link=_link(referral),
            recipients=to,
        )
    )


def managers(referral: Referral) -> list[Recipient]:
    return [Recipient(user=u) for u in managers_of(referral)] or [
        Recipient(organisation=referral.interviewer)
    ]


def sync_clock(referral: Referral) -> None:
    """The referral's deadlines equal its state: while it is open, the 48-hour reminder and
    the 72-hour limit (R-RHI-01); once closed, none."""
    wanted: list[tuple[str, datetime, str]] = []
    if referral.is_open:
        wanted = [
            ("rhi_reminder", referral.due - REMINDER_BEFORE, "R-RHI-01"),
            ("rhi_due", referral.due, "R-RHI-01"),
        ]
    deadlines_sync(owner=OWNER, subject=referral, wanted=wanted)


def _stop_clock(referral: Referral, reason: str) -> None:
    for kind in ("rhi_reminder", "rhi_due"):
        deadline_meet(owner=OWNER, subject=referral, kind=kind, reason=reason)


def _close(referral: Referral, actor: User, outcome: Outcome, at: datetime, reason: str) -> None:
    referral.state = State.CLOSED
    referral.outcome = outcome
    referral.outcome_at = at
    referral.outcome_by = actor
    referral.outcome_reason = reason
    _stop_clock(referral, f"outcome: {outcome.label}")


def _timeliness(referral: Referral) -> dict[str, Any]:
    return {
        "hours_to_outcome": referral.hours_to_outcome,
        "within_72_hours": referral.within_72_hours,
    }


def _ask_engine(
    referral: Referral, kind: str, actor: User | None, now: datetime, **fields: Any
) -> Decision:
    """The engine's decision about the referral's episode after an RHI action."""
    episode = (
        Episode.objects.select_related("person", "found", "owning_area", "force")
        .prefetch_related("gradings", "decisions")
        .get(pk=referral.episode_id)
    )
    role = policy_role(actor) if actor is not None else "return_interview_worker"
    if role not in ("return_interview_worker", "line_manager", "social_worker", "case_manager"):
        role = "return_interview_worker"
    return ask(episode, action(kind, now, role, **fields), now)


def _reasons(decision: Any, rules: tuple[str, ...] = TRIAGE_RULES) -> list[dict[str, str]]:
    seen: list[dict[str, str]] = []
    for r in decision.reasons:
        if r.text.startswith("triage by "):  # the engine's note of the role: no news here
            continue
        item = {"rule": r.rule, "text": r.text}
        if r.rule in rules and item not in seen:
            seen.append(item)
    return seen


def clean_facts(facts: Mapping[str, Any]) -> dict[str, bool | None]:
    """The seven triage facts: each true, false or not known; anything else is refused."""
    out: dict[str, bool | None] = {}
    for name in TRIAGE_FACTS:
        value = facts.get(name)
        if value is not None and not isinstance(value, bool):
            raise ValidationFailed(
                f"Say yes, no or not known for {name.replace('_', ' ')}", field=name
            )
        out[name] = value
    unknown = set(facts) - set(TRIAGE_FACTS)
    if unknown:
        name = sorted(unknown)[0]
        raise ValidationFailed(f"{name!r} is not a triage question", field=name)
    return out


def engine_triage(
    referral: Referral, facts: Mapping[str, bool | None], actor: User | None, now: datetime
) -> tuple[str, list[dict[str, str]], list[int]]:
    """R-RHI-10 and R-RHI-04 as the engine sees the referral's episode with ``facts``:
    red, amber or green, the reasons, and the criteria met."""
    decision = _ask_engine(referral, "triage_return_interview", actor, now, **facts)
    if not decision.allowed:
        raise refusal(decision, "rag")
    return str(decision.rag or ""), _reasons(decision), list(decision.rhi_criteria or [])


# --- Allocation and triage --------------------------------------------------------------------


def referral_allocate(
    *, actor: User, referral_id: int, version: int, worker_id: int | None
) -> Referral:
    """The manager allocates the referral to one of the organisation's workers."""
    with transaction.atomic():
        referral = _open(actor, referral_id, version, do=Do.MANAGE, purpose="allocate").referral
        _expect(referral, *[s for s in State if s != State.CLOSED], doing="allocate it")
        worker = workers_of(referral).filter(pk=worker_id).first() if worker_id else None
        if worker is None:
            raise ValidationFailed(
                "Choose a worker of the organisation holding the interview", field="worker"
            )
        referral.allocated_to = worker
        _save(referral)
        timeline(actor, referral, ReturnsVerb.ALLOCATED, {"allocated_to": str(worker)})
        tell(
            referral,
            rule="R-RHI-01",
            key=f"allocated:{referral.version}",
            title=f"Return interview referral {referral.pk} allocated to you",
            to=[Recipient(user=worker)],
        )
    return referral


def referral_triage(
    *,
    actor: User,
    referral_id: int,
    version: int,
    facts: Mapping[str, Any],
    rag: str,
    rationale: str = "",
    now: datetime | None = None,
) -> Referral:
    """A worker triages (R-RHI-10): the engine rates the referral from the facts, the
    worker confirms the rating or changes it with a rationale. Amber waits for information
    from named agencies; red and green are ready for the offer or the letter."""
    now = _now(now)
    facts = clean_facts(facts)
    rag = clean_choice(rag, Rag, "rag")
    rationale = clean_free_text(rationale, "rationale")
    with transaction.atomic():
        referral = _open(actor, referral_id, version, purpose="triage").referral
        _expect(
            referral,
            State.AWAITING_TRIAGE,
            State.AWAITING_INFORMATION,
            State.TRIAGED,
            doing="triage it",
        )
        engine_rag, reasons, criteria = engine_triage(referral, facts, actor, now)
        if rag != engine_rag and not rationale:
            raise ValidationFailed(
                f"The policy rates this referral {engine_rag}: say why you rate it {rag}",
                field="rationale",
                rules=("R-RHI-10",),
            )
        referral.triage_facts = facts
        referral.engine_rag = engine_rag
        referral.engine_reasons = reasons
        referral.criteria = criteria
        referral.rag = rag
        referral.rag_rationale = rationale
        referral.triaged_by = actor
        referral.triaged_at = now
        referral.state = State.AWAITING_INFORMATION if rag == Rag.AMBER else State.TRIAGED
        _save(referral)
        timeline(
            actor,
            referral,
            ReturnsVerb.TRIAGED,
            {"rag": rag, "engine_rag": engine_rag, "facts": facts},
            rationale=rationale,
            rules=sorted({r["rule"] for r in reasons}),
        )
    return referral


def information_request(
    *, actor: User, referral_id: int, version: int, agency_id: int, asked: str
) -> InformationRequest:
    """Amber: ask a named agency for what the triage lacks (R-RHI-10)."""
    asked = clean_free_text(asked, "asked", required=True)
    with transaction.atomic():
        referral = _open(actor, referral_id, version, purpose="ask for information").referral
        _expect(referral, State.AWAITING_INFORMATION, doing="ask for information")
        agency = Organisation.objects.filter(pk=agency_id).first()
        if agency is None:
            raise ValidationFailed("Choose the agency to ask", field="agency")
        request = InformationRequest.objects.create(
            referral=referral, agency=agency, asked=asked, asked_by=actor
        )
        _save(referral)
        timeline(
            actor,
            referral,
            ReturnsVerb.INFORMATION_REQUESTED,
            {"agency": agency.name},
            rationale=asked,
            rules=["R-RHI-10"],
        )
    return request


def information_received(
    *, actor: User, request_id: int, version: int, answer: str
) -> InformationRequest:
    """The agency answered: the answer is recorded and the referral goes back to triage
    (R-RHI-10: re-triage when the information arrives)."""
    answer = clean_free_text(answer, "answer", required=True)
    referral_id = (
        InformationRequest.objects.filter(pk=request_id).values_list("referral_id", flat=True)
    ).first()
    if referral_id is None:
        raise NotFound(NO_SUCH_REFERRAL)
    with transaction.atomic():
        referral = _open(actor, referral_id, version, purpose="record information").referral
        request = referral.information_requests.select_for_update().get(pk=request_id)
        if request.answered_at is not None:
            raise WrongState("This request has already been answered", field="request")
        request.answer = answer
        request.answered_at = timezone.now()
        request.recorded_by = actor
        request.save()
        if (
            referral.state == State.AWAITING_INFORMATION
            and not referral.information_requests.filter(answered_at__isnull=True).exists()
        ):
            referral.state = State.AWAITING_TRIAGE
        _save(referral)
        timeline(
            actor,
            referral,
            ReturnsVerb.INFORMATION_RECEIVED,
            {"agency": request.agency.name},
            rationale=answer,
            rules=["R-RHI-10"],
        )
    return request


# --- Green: the letter and leaflet; red: the offer ---------------------------------------------


def letter_sent(
    *,
    actor: User,
    referral_id: int,
    version: int,
    to_carer_on: date | None,
    to_child_on: date | None,
    now: datetime | None = None,
) -> Referral:
    """Green (R-RHI-10): the parent or carer and the young person each received a letter
    and leaflet; the referral closes and the clock stops."""
    now = _now(now)
    with transaction.atomic():
        referral = _open(actor, referral_id, version, purpose="record letter").referral
        _expect(referral, State.TRIAGED, doing="record the letter")
        if referral.rag != Rag.GREEN:
            raise WrongState(
                "Only a green referral is answered by a letter and leaflet (R-RHI-10)",
                field="rag",
                rules=("R-RHI-10",),
            )
        found_day = timezone.localtime(referral.found_at).date()
        days = {}
        for name, value in (("to_carer_on", to_carer_on), ("to_child_on", to_child_on)):
            days[name] = clean_day(
                value,
                name,
                required=True,
                earliest=found_day,
                latest=timezone.localdate(),
                too_early="The letter cannot be sent before the child was found",
                too_late="The letter's date must be today or in the past",
            )
        referral.letter_to_carer_on = days["to_carer_on"]
        referral.letter_to_child_on = days["to_child_on"]
        sent = timezone.make_aware(
            datetime.combine(max(d for d in days.values() if d), datetime.min.time())
        )
        _close(referral, actor, Outcome.LETTER_SENT, min(now, max(sent, referral.found_at)), "")
        _save(referral)
        timeline(
            actor,
            referral,
            ReturnsVerb.LETTER_SENT,
            {f"letter_{k}": v.isoformat() for k, v in days.items() if v},
            rules=["R-RHI-10"],
        )
    return referral


def interview_offer(
    *, actor: User, referral_id: int, version: int, how: str, now: datetime | None = None
) -> Referral:
    """Offer the interview (R-RHI-02, R-RHI-11): how it was offered (phone, visit,
    letter) is recorded."""
    now = _now(now)
    how = clean_text(how, "offered_how", required=True)
    with transaction.atomic():
        referral = _open(actor, referral_id, version, purpose="offer interview").referral
        _expect(referral, State.TRIAGED, State.AWAITING_INFORMATION, doing="offer an interview")
        referral.state = State.OFFERED
        referral.offered_at = now
        referral.offered_how = how
        _save(referral)
        timeline(actor, referral, ReturnsVerb.OFFERED, {"offered_how": how}, rules=["R-RHI-11"])
    return referral


def interview_accept(
    *, actor: User, referral_id: int, version: int, now: datetime | None = None
) -> Referral:
    now = _now(now)
    with transaction.atomic():
        referral = _open(actor, referral_id, version, purpose="accept interview").referral
        _expect(referral, State.OFFERED, doing="record that the interview was accepted")
        referral.state = State.ACCEPTED
        referral.accepted_at = now
        _save(referral)
        timeline(actor, referral, ReturnsVerb.ACCEPTED, rules=["R-RHI-11"])
    return referral


# --- Outcomes without an interview --------------------------------------------------------------

DECLINED = (Outcome.DECLINED_CHILD, Outcome.DECLINED_PARENT)
NEEDS_REASON = (Outcome.UNABLE_TO_CONTACT, Outcome.OUT_OF_AREA, Outcome.MISSING_AGAIN)


def missing_again(referral: Referral) -> Episode | None:
    """The child's open episode reported after they were found, if any."""
    return (
        Episode.objects.filter(person_id=referral.person_id, reported_at__gt=referral.found_at)
        .exclude(status="closed")
        .exclude(pk=referral.episode_id)
        .order_by("reported_at")
        .first()
    )


def outcome_record(
    *,
    actor: User,
    referral_id: int,
    version: int,
    outcome: str,
    reason: str = "",
    offered_instead: str = "",
    now: datetime | None = None,
) -> Referral:
    """An interview that did not take place (R-RHI-11): declined by the young person or
    the parent (what was offered instead is recorded), unable to contact, not possible
    because the child is missing again (the clock stops and says so, R-RHI-01), or out of
    area. "Not required" is not recorded here: it needs the manager (R-RHI-06)."""
    now = _now(now)
    if outcome == Outcome.NOT_REQUIRED:
        raise ValidationFailed(
            "An interview is 'not required' only when the case manager proposes it and the "
            "line manager confirms it, with the reason (R-RHI-06)",
            field="outcome",
            rules=("R-RHI-06",),
            required_role="line_manager",
            missing_fields=("line_manager_confirmed",),
        )
    outcome = clean_choice(outcome, [o.value for o in DIRECT_OUTCOMES], "outcome")
    chosen = Outcome(outcome)
    reason = clean_free_text(reason, "reason", required=chosen in NEEDS_REASON)
    offered_instead = clean_free_text(
        offered_instead, "offered_instead", required=chosen in DECLINED
    )
    with transaction.atomic():
        referral = _open(actor, referral_id, version, purpose="record outcome").referral
        _expect(
            referral,
            State.AWAITING_TRIAGE,
            State.AWAITING_INFORMATION,
            State.TRIAGED,
            State.OFFERED,
            State.ACCEPTED,
            doing="record an outcome",
        )
        rules = ["R-RHI-11"]
        if chosen == Outcome.MISSING_AGAIN:
            if missing_again(referral) is None:
                raise ValidationFailed(
                    "The child has not been reported missing again since they were found",
                    field="outcome",
                )
            rules.append("R-RHI-01")
        if chosen in DECLINED:
            decision = _ask_engine(
                referral, "return_interview_outcome", actor, now, outcome="declined"
            )
            if not decision.allowed:
                raise refusal(decision, "outcome")
        referral.offered_instead = offered_instead
        _close(referral, actor, chosen, now, reason)
        _save(referral)
        timeline(
            actor,
            referral,
            ReturnsVerb.OUTCOME,
            {"outcome": chosen.value, **_timeliness(referral)},
            rationale="\n\n".join(t for t in (reason, offered_instead) if t),
            rules=rules,
        )
    return referral


def not_required_propose(
    *, actor: User, referral_id: int, version: int, reason: str, now: datetime | None = None
) -> Referral:
    """The case manager proposes that no interview is needed, with the reason; it waits
    for the line manager (R-RHI-06). The clock keeps running meanwhile."""
    now = _now(now)
    reason = clean_free_text(reason, "reason", required=True)
    with transaction.atomic():
        referral = _open(actor, referral_id, version, purpose="propose not required").referral
        _expect(
            referral,
            State.AWAITING_TRIAGE,
            State.AWAITING_INFORMATION,
            State.TRIAGED,
            State.OFFERED,
            State.ACCEPTED,
            doing="propose that no interview is needed",
        )
        referral.state = State.NOT_REQUIRED_PROPOSED
        referral.not_required_proposed_by = actor
        referral.not_required_proposed_at = now
        referral.outcome_reason = reason
        _save(referral)
        timeline(
            actor, referral, ReturnsVerb.NOT_REQUIRED_PROPOSED, rationale=reason, rules=["R-RHI-06"]
        )
        tell(
            referral,
            rule="R-RHI-06",
            key=f"not_required:{referral.version}",
            title=f"Confirm or refuse: no return interview for referral {referral.pk}",
            to=managers(referral),
        )
    return referral


def not_required_decide(
    *,
    actor: User,
    referral_id: int,
    version: int,
    confirm: bool,
    reason: str,
    now: datetime | None = None,
) -> Referral:
    """The line manager, who is not the case manager who proposed it, confirms that no
    interview will take place (the engine checks R-RHI-06) or refuses, and the referral
    goes back to the triage it had."""
    now = _now(now)
    reason = clean_free_text(reason, "reason", required=True)
    with transaction.atomic():
        referral = _open(
            actor, referral_id, version, do=Do.MANAGE, purpose="decide not required"
        ).referral
        _expect(referral, State.NOT_REQUIRED_PROPOSED, doing="confirm 'not required'")
        if referral.not_required_proposed_by_id == actor.pk:
            raise PermissionDenied(
                "The case manager and the line manager both confirm: another manager must "
                "decide what you proposed (R-RHI-06)",
                rules=("R-RHI-06",),
                required_role="line_manager",
            )
        if not confirm:
            referral.state = (
                State.AWAITING_INFORMATION
                if referral.rag == Rag.AMBER
                else State.TRIAGED
                if referral.rag
                else State.AWAITING_TRIAGE
            )
            referral.not_required_proposed_by = None
            referral.not_required_proposed_at = None
            referral.outcome_reason = ""
            _save(referral)
            timeline(
                actor,
                referral,
                ReturnsVerb.NOT_REQUIRED_REFUSED,
                rationale=reason,
                rules=["R-RHI-06"],
            )
            return referral
        both = f"{referral.outcome_reason}\n\nConfirmed by the line manager: {reason}"
        decision = _ask_engine(
            referral,
            "return_interview_outcome",
            actor,
            now,
            outcome="not_required",
            line_manager_confirmed=True,
            reason=both,
        )
        if not decision.allowed:
            raise refusal(decision, "reason")
        _close(referral, actor, Outcome.NOT_REQUIRED, now, both)
        _save(referral)
        timeline(
            actor,
            referral,
            ReturnsVerb.OUTCOME,
            {"outcome": Outcome.NOT_REQUIRED.value, **_timeliness(referral)},
            rationale=both,
            rules=["R-RHI-06", "R-AUT-11"],
        )
    return referral


# --- The interview --------------------------------------------------------------------------


@dataclass(frozen=True)
class InterviewInput:
    held_at: datetime | None
    interviewer_name: str
    independent: bool | None
    place: str
    known_person_rationale: str = ""
    present: str = ""
    push_factors: str = ""
    pull_factors: str = ""
    where_went: str = ""
    with_whom: str = ""
    harm: str = ""
    cse_indicators: bool | None = None
    cce_indicators: bool | None = None
    exploitation_notes: str = ""
    substance_use: str = ""
    child_words: str = ""


FREE_TEXT = (
    "known_person_rationale",
    "push_factors",
    "pull_factors",
    "where_went",
    "with_whom",
    "harm",
    "exploitation_notes",
    "substance_use",
    "child_words",
)


def interview_record(
    *,
    actor: User,
    referral_id: int,
    version: int,
    details: InterviewInput,
    now: datetime | None = None,
) -> Interview:
    """The interview (R-RHI-05/07/08): who held it and whether they are independent of the
    child's care (R-RHI-03: desirable, not required; a known person needs the rationale),
    where, when, who else was there, and what the child said. The referral closes as
    completed, with the elapsed time from found to the interview."""
    now = _now(now)
    if details.independent is None:
        raise ValidationFailed(
            "Say whether the interviewer is independent of the child's care",
            field="independent",
        )
    values = {name: clean_free_text(getattr(details, name), name) for name in FREE_TEXT}
    if not details.independent and not values["known_person_rationale"]:
        raise ValidationFailed(
            "An interviewer who knows the child needs the rationale that this is in the "
            "child's best interest (R-RHI-03)",
            field="known_person_rationale",
            rules=("R-RHI-03",),
        )
    name = clean_text(details.interviewer_name, "interviewer_name", required=True)
    place = clean_text(details.place, "place", required=True, max_len=300)
    present = clean_text(details.present, "present", max_len=300)
    with transaction.atomic():
        referral = _open(actor, referral_id, version, purpose="record interview").referral
        _expect(
            referral,
            State.AWAITING_TRIAGE,
            State.AWAITING_INFORMATION,
            State.TRIAGED,
            State.OFFERED,
            State.ACCEPTED,
            doing="record the interview",
        )
        clean_instant(
            details.held_at,
            "held_at",
            required=True,
            earliest=referral.found_at,
            latest=now + CLOCK_SKEW,
            too_early="The interview cannot be before the child was found",
            too_late="The interview time cannot be in the future",
        )
        assert details.held_at is not None
        decision = _ask_engine(
            referral, "return_interview_outcome", actor, now, outcome="completed"
        )
        if not decision.allowed:
            raise refusal(decision, "held_at")
        interview = Interview.objects.create(
            referral=referral,
            held_at=details.held_at,
            interviewer_name=name,
            independent=details.independent,
            place=place,
            present=present,
            cse_indicators=details.cse_indicators,
            cce_indicators=details.cce_indicators,
            recorded_by=actor,
            recorded_at=now,
            **values,
        )
        _close(referral, actor, Outcome.COMPLETED, now, "")
        _save(referral)
        timeline(
            actor,
            referral,
            ReturnsVerb.INTERVIEW_RECORDED,
            {
                "held_at": details.held_at.isoformat(),
                "independent": details.independent,
                **_timeliness(referral),
            },
            rationale=values["known_person_rationale"],
            rules=["R-RHI-01", "R-RHI-03", "R-RHI-05"],
        )
    return interview


def _after_interview(actor: User, referral_id: int, purpose: str) -> Referral:
    referral = _open(actor, referral_id, None, purpose=purpose).referral
    if not hasattr(referral, "interview"):
        raise WrongState("Record the interview first", field="interview")
    return referral


def disclosure_add(
    *, actor: User, referral_id: int, summary: str, step: str, due: datetime | None
) -> Disclosure:
    """Harm disclosed in the interview, the step taken (police, children's services, a
    referral for assessment) and when it must be done by (R-RHI-07): a deadline."""
    summary = clean_free_text(summary, "summary", required=True)
    step = clean_choice(step, Step, "step")
    now = timezone.now()
    clean_instant(
        due,
        "due",
        required=True,
        earliest=now - CLOCK_SKEW,
        latest=now + timedelta(days=31),
        too_early="The step's deadline cannot be in the past",
        too_late="The step's deadline must be within a month",
    )
    assert due is not None
    with transaction.atomic():
        referral = _after_interview(actor, referral_id, "record disclosure")
        disclosure = Disclosure.objects.create(
            referral=referral, summary=summary, step=step, due=due, recorded_by=actor
        )
        deadlines_sync(
            owner=OWNER, subject=disclosure, wanted=[("disclosure_step", due, "R-RHI-07")]
        )
        timeline(
            actor,
            referral,
            ReturnsVerb.DISCLOSURE_RECORDED,
            {"step": step, "due": due.isoformat()},
            rules=["R-RHI-07"],
        )
    return disclosure


FollowUp = Disclosure | Recommendation


def _mark_done(
    actor: User,
    model: type[Disclosure] | type[Recommendation],
    item_id: int,
    note: str,
    *,
    deadline: str,
    verb: ReturnsVerb,
    rule: str,
    already: str,
) -> FollowUp:
    """A disclosure's step or a recommendation was acted on: by the interviewer or the
    responsible authority (Do.FOLLOW_UP); its deadline is met. An item that does not exist
    and one of a referral the user may not see are the same "No such referral"."""
    note = clean_free_text(note, "note", required=True)
    referral_id = model.objects.filter(pk=item_id).values_list("referral_id", flat=True).first()
    if referral_id is None:
        raise NotFound(NO_SUCH_REFERRAL)
    field = model.__name__.lower()
    with transaction.atomic():
        referral = _open(
            actor, referral_id, None, do=Do.FOLLOW_UP, purpose=f"{field} acted on"
        ).referral
        item = model.objects.select_for_update().get(pk=item_id, referral=referral)
        if item.done_at is not None:
            raise WrongState(already, field=field)
        item.done_at = timezone.now()
        item.done_note = note
        item.save()
        deadline_meet(owner=OWNER, subject=item, kind=deadline, reason="acted on")
        changes = (
            {"step": item.step} if isinstance(item, Disclosure) else {"owner": item.owner.name}
        )
        timeline(actor, referral, verb, changes, rationale=note, rules=[rule])
    return item


def disclosure_done(*, actor: User, disclosure_id: int, note: str) -> Disclosure:
    """The step a disclosure needed was taken (R-RHI-07)."""
    done = _mark_done(
        actor,
        Disclosure,
        disclosure_id,
        note,
        deadline="disclosure_step",
        verb=ReturnsVerb.DISCLOSURE_ACTED,
        rule="R-RHI-07",
        already="This step has already been recorded as done",
    )
    assert isinstance(done, Disclosure)
    return done


def recommendation_add(
    *, actor: User, referral_id: int, text: str, owner_id: int | None, due_on: date | None
) -> Recommendation:
    """A recommendation of the interview, with the organisation that must act and by when
    (R-RHI-14): a deadline, told to the owner."""
    text = clean_free_text(text, "text", required=True)
    today = timezone.localdate()
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
        raise ValidationFailed("Choose the organisation that must act on it", field="owner")
    with transaction.atomic():
        referral = _after_interview(actor, referral_id, "record recommendation")
        rec = Recommendation.objects.create(
            referral=referral, text=text, owner=owner, due_on=due_on, recorded_by=actor
        )
        due = timezone.make_aware(
            datetime.combine(due_on, datetime.max.time().replace(microsecond=0))
        )
        deadlines_sync(owner=OWNER, subject=rec, wanted=[("recommendation_due", due, "R-RHI-14")])
        timeline(
            actor,
            referral,
            ReturnsVerb.RECOMMENDATION_RECORDED,
            {"owner": owner.name, "due_on": due_on.isoformat()},
            rationale=text,
            rules=["R-RHI-14"],
        )
        notify(
            rule="R-RHI-14",
            event_key=f"rhi:{referral.pk}:recommendation:{rec.pk}",
            subject_type=SUBJECT,
            subject_id=referral.pk,
            title=f"A return interview recommends your action (referral {referral.pk})",
            link=_link(referral),
            recipients=[Recipient(organisation=owner)],
        )
    return rec


def recommendation_done(*, actor: User, recommendation_id: int, note: str) -> Recommendation:
    """The recommendation was acted on (R-RHI-14)."""
    done = _mark_done(
        actor,
        Recommendation,
        recommendation_id,
        note,
        deadline="recommendation_due",
        verb=ReturnsVerb.RECOMMENDATION_DONE,
        rule="R-RHI-14",
        already="This recommendation is already recorded as done",
    )
    assert isinstance(done, Recommendation)
    return done


def support_session_add(
    *, actor: User, referral_id: int, held_on: date | None, topics: str, notes: str = ""
) -> SupportSession:
    """Follow-on support after the interview: a separate service record (R-RHI-11)."""
    topics = clean_text(topics, "topics", required=True, max_len=300)
    notes = clean_free_text(notes, "notes")
    with transaction.atomic():
        referral = _after_interview(actor, referral_id, "record support session")
        clean_day(
            held_on,
            "held_on",
            required=True,
            earliest=timezone.localtime(referral.interview.held_at).date(),
            latest=timezone.localdate(),
            too_early="A support session follows the interview",
            too_late="The session's date must be today or in the past",
        )
        assert held_on is not None
        session = SupportSession.objects.create(
            referral=referral, held_on=held_on, topics=topics, notes=notes, recorded_by=actor
        )
        timeline(
            actor,
            referral,
            ReturnsVerb.SUPPORT_SESSION,
            {"held_on": held_on.isoformat(), "topics": topics},
            rules=["R-RHI-11"],
        )
    return session


# --- What the police learn (R-RHI-09) -----------------------------------------------------------


@dataclass(frozen=True)
class ItemInput:
    kind: str
    text: str
    legal_basis: str
    relationship: str = ""
    age: int | None = None
    postcode: str = ""
    flag_kind: str = ""
    detail: str = ""


def item_share(*, actor: User, referral_id: int, item: ItemInput) -> SharedItem:
    """Share one item of the interview with the police, with its legal basis (R-RHI-09):
    an associate or a place lands on the child's record with its source, a request to
    flag waits on the force's coordinators' list, and a vehicle, a phone number or an
    exploitation indicator is shown on the child's record. The police are told; what is
    not shared stays with the interviewer."""
    kind = ItemKind(clean_choice(item.kind, ItemKind, "kind"))
    basis = clean_choice(item.legal_basis, LegalBasis, "legal_basis")
    text = clean_text(item.text, "text", required=kind != ItemKind.FLAG_REQUEST, max_len=300)
    relationship = clean_text(item.relationship, "relationship", max_len=100)
    postcode = clean_text(item.postcode, "postcode", max_len=10).upper()
    detail = clean_free_text(item.detail, "detail", required=kind == ItemKind.FLAG_REQUEST)
    if item.age is not None and not (0 < item.age < 120):
        raise ValidationFailed("Age must be between 1 and 119", field="age")
    flag_kind = ""
    if kind == ItemKind.FLAG_REQUEST:
        flag_kind = clean_choice(item.flag_kind, FlagKind, "flag_kind")
        text = text or FlagKind(flag_kind).label
    with transaction.atomic():
        referral = _after_interview(actor, referral_id, "share with the police")
        org = actor.organisation
        assert org is not None  # an interviewer belongs to the interviewing organisation
        when = timezone.localdate()
        source = f"Return interview, {org.name}, {when:%-d %B %Y}"
        person = Person.objects.select_for_update().get(pk=referral.person_id)
        shared = SharedItem(
            referral=referral,
            person=person,
            kind=kind,
            text=text,
            relationship=relationship,
            age=item.age,
            postcode=postcode,
            flag_kind=flag_kind,
            detail=detail,
            legal_basis=basis,
            shared_by=actor,
            shared_by_org=org,
        )
        episode = referral.episode
        force = episode.force
        if kind == ItemKind.ASSOCIATE:
            shared.associate = shared_associate_land(
                actor=actor,
                person=person,
                name=text,
                relationship=relationship,
                age=item.age,
                notes=detail,
                source=source,
            )
        elif kind == ItemKind.PLACE:
            shared.place = shared_place_land(
                actor=actor, person=person, description=text, postcode=postcode, source=source
            )
        elif kind == ItemKind.FLAG_REQUEST:
            shared.flag_request = flag_request_land(
                actor=actor,
                person=person,
                kind=flag_kind,
                reason=detail,
                source=source,
                force=force,
            )
        shared.save()
        timeline(
            actor,
            referral,
            ReturnsVerb.SHARED,
            {"kind": kind.value, "legal_basis": basis},
            rules=["R-RHI-09"],
        )
        coordinators = User.objects.filter(
            organisation__in=[force, *force.children.all()],
            is_active=True,
            role_assignments__role__in=["missing_person_coordinator", "cse_coordinator"],
        ).distinct()
        notify(
            rule="R-RHI-09" if kind != ItemKind.FLAG_REQUEST else "R-FLG-02",
            event_key=f"rhi:{referral.pk}:shared:{shared.pk}",
            subject_type="person",
            subject_id=person.pk,
            title=(
                "A flag is requested from a return interview"
                if kind == ItemKind.FLAG_REQUEST
                else "Information shared from a return interview"
            ),
            link=(
                "/people/flag-requests/"
                if kind == ItemKind.FLAG_REQUEST
                else f"/people/{person.pk}/"
            ),
            recipients=[Recipient(user=u) for u in coordinators] or [Recipient(organisation=force)],
        )
    return shared

"""Decisions on an episode after the call: the duty inspector's category decision with the
review period and call-backs agreed with the informant, risk grading and changes under the
profile's authority rules, the informant's disagreement and the Force Incident Manager's
decision, and restriction of the record. The policy engine decides what is allowed and
what the episode becomes; these services store its answer (services.common.store)."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction

from misper.agencies.models import User
from misper.core.audit import audit_record
from misper.core.errors import ValidationFailed
from misper.core.models import AuditAction
from misper.core.timeline import timeline_record
from misper.core.validation import (
    AGREED_AHEAD_WITHIN,
    CLOCK_SKEW,
    clean_free_text,
    clean_instant,
)
from misper.episodes.codes import RISK_ORDER, Category, Risk
from misper.episodes.events import Change, EpisodeVerb
from misper.episodes.lifecycle import Act, begin
from misper.episodes.models import CategoryDecision, Episode, RiskGrading
from misper.episodes.notify import withdraw_on_restriction
from misper.episodes.policy_bridge import iso
from misper.episodes.services.common import (
    SUBJECT,
    action,
    after_change,
    ask,
    bump,
    now_or,
    refusal,
    rule_ids,
    store,
)
from misper.episodes.services.report import policy_role
from misper.policy import Decision


def record_category(
    *,
    episode: Episode,
    actor: User,
    by_role: str,
    decision: Decision | None,
    category: str,
    rationale: str,
    now: datetime,
    verb: EpisodeVerb,
    review_period_hours: int | None = None,
    callback_at: datetime | None = None,
    disagreement: bool = False,
    rules: list[str] | None = None,
    timeline_actor: User | None = None,
    supervisor_reason: str = "",
    deadline_id: int | None = None,
) -> CategoryDecision:
    """The one statement of a category change: the engine's new state stored (or, for the
    system's own conversion, the new category), the decision record with the engine's
    answer of its time, the deadlines, the typed event and the timeline, in the caller's
    transaction. ``supervisor_reason`` puts the case (back) on the duty inspector's list;
    ``deadline_id`` names the deadline the worker acted on."""
    old = episode.category
    if decision is not None:
        store(episode, decision)
    else:
        episode.category = category
        episode.categorised_at = now
        episode.categorised_by_role = ""
    episode.awaiting_supervisor = bool(supervisor_reason)
    episode.supervisor_reason = supervisor_reason
    bump(episode)
    episode.save()
    cited = rules if rules is not None else (rule_ids(decision) if decision else [])
    record = CategoryDecision.objects.create(
        episode=episode,
        category=episode.category,
        absconder=episode.absconder,
        at=now,
        by=actor,
        by_role=by_role,
        rationale=rationale,
        review_period_hours=review_period_hours,
        callback_at=callback_at,
        disagreement=disagreement,
        rules=cited,
        answer=decision.as_dict() if decision is not None else {},
    )
    after_change(
        episode,
        now,
        change=Change.ESCALATED if decision is None else Change.CATEGORY_CHANGED,
        change_id=record.pk,
        decision=decision,
    )
    changes: dict[str, object] = {"category": {"from": old, "to": episode.category}}
    if verb is EpisodeVerb.CATEGORY_DECIDED:
        changes.update(review_period_hours=review_period_hours, callback_at=iso(callback_at))
    if deadline_id is not None:
        changes["deadline"] = deadline_id  # the worker's conversion: which deadline did it
    timeline_record(
        actor=timeline_actor,
        role=by_role,
        subject_type=SUBJECT,
        subject_id=episode.pk,
        verb=verb,
        changes=changes,
        rationale=rationale,
        rule_ids=cited,
        at=now,
    )
    return record


def episode_set_category(
    *,
    actor: User,
    episode_id: int,
    version: int,
    category: str,
    rationale: str,
    review_period_hours: int | None = None,
    callback_at: datetime | None = None,
    now: datetime | None = None,
) -> Episode:
    """The duty inspector decides absent or missing with a full rationale and, for absent,
    the review period and call-back agreed with the informant (R-CLS-07, R-REV-01..03).
    Anyone in the police may convert to missing (R-AUT-05)."""
    now = now_or(now)
    if category not in Category.values:
        raise ValidationFailed("Choose a category", field="category")
    rationale = clean_free_text(rationale, "rationale")
    if review_period_hours is not None and not 1 <= review_period_hours <= 72:
        raise ValidationFailed(
            "Review period must be between 1 and 72 hours", field="review_period_hours"
        )
    clean_instant(
        callback_at,
        "callback_at",
        latest=now + AGREED_AHEAD_WITHIN,
        too_late=f"The call-back must be within {AGREED_AHEAD_WITHIN.days} days",
    )
    if callback_at is not None and callback_at <= now:
        raise ValidationFailed("The call-back must be in the future", field="callback_at")
    with transaction.atomic():
        episode = begin(actor, episode_id, Act.SET_CATEGORY, version)
        role = policy_role(actor)
        decision = ask(
            episode,
            action(
                "set_category",
                now,
                role,
                category=category,
                rationale=rationale,
                review_period_hours=review_period_hours,
                callback_at=callback_at,
            ),
            now,
        )
        if not decision.allowed:
            raise refusal(decision, "category")
        record_category(
            episode=episode,
            actor=actor,
            by_role=role,
            decision=decision,
            category=category,
            rationale=rationale,
            now=now,
            verb=EpisodeVerb.CATEGORY_DECIDED,
            review_period_hours=review_period_hours,
            callback_at=callback_at,
            timeline_actor=actor,
            # An informant's disagreement stays on the list until the FIM decides (R-REV-07).
            supervisor_reason=episode.supervisor_reason if episode.disagreement_open else "",
        )
    return episode


def episode_grade_risk(
    *,
    actor: User,
    episode_id: int,
    version: int,
    risk: str,
    rationale: str,
    latest_review_at: datetime | None = None,
    initial_grading_error: bool = False,
    now: datetime | None = None,
) -> Episode:
    """Grade or change the risk. Raising is open to every police role (R-AUT-01); lowering
    medium to low needs an inspector (R-AUT-02); lowering high a superintendent (R-AUT-03),
    except that the duty inspector may correct the initial investigating officer's
    mistaken first grading (R-AUT-04), which is recorded as such."""
    now = now_or(now)
    if risk not in Risk.values:
        raise ValidationFailed("Choose a risk level", field="risk")
    rationale = clean_free_text(rationale, "rationale", required=True)
    clean_instant(
        latest_review_at,
        "latest_review_at",
        earliest=now - CLOCK_SKEW,
        latest=now + AGREED_AHEAD_WITHIN,
        too_early="The latest review time cannot be in the past",
        too_late=f"The latest review time must be within {AGREED_AHEAD_WITHIN.days} days",
    )
    with transaction.atomic():
        episode = begin(actor, episode_id, Act.GRADE_RISK, version)
        role = policy_role(actor)
        old = episode.risk or None
        if old is None:
            act = action(
                "grade_risk",
                now,
                role,
                risk=risk,
                rationale=rationale,
                latest_review_at=latest_review_at,
            )
        else:
            if old == risk:
                raise ValidationFailed(f"The risk is already {risk}", field="risk")
            act = action(
                "change_risk",
                now,
                role,
                **{"from": old, "to": risk},
                initial_grading_error=initial_grading_error,
                rationale=rationale,
                latest_review_at=latest_review_at,
            )
        decision = ask(episode, act, now)
        if not decision.allowed:
            raise refusal(decision, "risk")
        lowered = old is not None and RISK_ORDER[risk] < RISK_ORDER[old]
        store(episode, decision)
        if risk == Risk.NO_APPARENT_RISK:
            episode.awaiting_supervisor = True
            episode.supervisor_reason = "No apparent risk: latest review time agreed (R-REV-12)"
        bump(episode)
        episode.save()
        grading = RiskGrading.objects.create(
            episode=episode,
            risk=risk,
            at=now,
            by=actor,
            by_role=role,
            initial=old is None and not episode.gradings.exists(),
            initial_grading_error=initial_grading_error and lowered,
            rationale=rationale,
            rules=rule_ids(decision),
            answer=decision.as_dict(),
        )
        after_change(
            episode, now, change=Change.RISK_CHANGED, change_id=grading.pk, decision=decision
        )
        if old is None:
            verb = EpisodeVerb.RISK_GRADED
        else:
            verb = EpisodeVerb.RISK_LOWERED if lowered else EpisodeVerb.RISK_RAISED
        timeline_record(
            actor=actor,
            role=role,
            subject_type=SUBJECT,
            subject_id=episode.pk,
            verb=verb,
            changes={
                "risk": {"from": old, "to": risk},
                "initial_grading_error": bool(initial_grading_error and lowered),
            },
            rationale=rationale,
            rule_ids=rule_ids(decision),
        )
    return episode


def episode_record_disagreement(
    *, actor: User, episode_id: int, version: int, detail: str, now: datetime | None = None
) -> Episode:
    """The informant and the duty inspector cannot agree on the category: the decision goes
    to the duty Force Incident Manager (R-REV-07)."""
    now = now_or(now)
    detail = clean_free_text(detail, "detail", required=True)
    with transaction.atomic():
        episode = begin(actor, episode_id, Act.RECORD_DISAGREEMENT, version)
        role = policy_role(actor)
        decision = ask(episode, action("record_disagreement", now, role, detail=detail), now)
        if not decision.allowed:
            raise refusal(decision, "detail")
        store(episode, decision)
        episode.awaiting_supervisor = True
        episode.supervisor_reason = (
            "Informant disagrees: the Force Incident Manager decides (R-REV-07)"
        )
        bump(episode)
        episode.save()
        after_change(episode, now, decision=decision)
        timeline_record(
            actor=actor,
            role=role,
            subject_type=SUBJECT,
            subject_id=episode.pk,
            verb=EpisodeVerb.DISAGREEMENT_RECORDED,
            rationale=detail,
            rule_ids=rule_ids(decision),
        )
    return episode


def episode_resolve_disagreement(
    *,
    actor: User,
    episode_id: int,
    version: int,
    category: str,
    rationale: str,
    now: datetime | None = None,
) -> Episode:
    """The Force Incident Manager's decision and rationale (R-REV-07)."""
    now = now_or(now)
    if category not in Category.values:
        raise ValidationFailed("Choose a category", field="category")
    rationale = clean_free_text(rationale, "rationale")
    with transaction.atomic():
        episode = begin(actor, episode_id, Act.RESOLVE_DISAGREEMENT, version)
        if not episode.disagreement_open:
            raise ValidationFailed("There is no open disagreement", field="category")
        role = policy_role(actor)
        decision = ask(
            episode,
            action("resolve_disagreement", now, role, category=category, rationale=rationale),
            now,
        )
        if not decision.allowed:
            raise refusal(decision, "category")
        record_category(
            episode=episode,
            actor=actor,
            by_role=role,
            decision=decision,
            category=category,
            rationale=rationale,
            now=now,
            verb=EpisodeVerb.DISAGREEMENT_RESOLVED,
            disagreement=True,
            timeline_actor=actor,
        )
    return episode


def episode_restrict(
    *, actor: User, episode_id: int, version: int, reason: str, now: datetime | None = None
) -> Episode:
    """The duty inspector restricts the record, for example for honour-based abuse or
    forced marriage (R-RES-01, R-AUT-06)."""
    now = now_or(now)
    reason = clean_free_text(reason, "reason", required=True, max_len=300)
    with transaction.atomic():
        episode = begin(actor, episode_id, Act.RESTRICT, version)
        if episode.restricted:
            raise ValidationFailed("The record is already restricted", field="reason")
        role = policy_role(actor)
        decision = ask(episode, action("restrict_record", now, role, reason=reason), now)
        if not decision.allowed:
            raise refusal(decision, "reason")
        store(episode, decision)
        episode.restricted_reason = reason
        bump(episode)
        episode.save()
        # The officer who restricts it has opened it with this reason (it stays in their
        # lists for the grant period); what partners were told about it is withdrawn.
        audit_record(
            user=actor,
            action=AuditAction.OPEN_RESTRICTED,
            subject_type=SUBJECT,
            subject_id=episode.pk,
            purpose="restrict the record",
            reason=reason,
        )
        withdraw_on_restriction(episode)
        timeline_record(
            actor=actor,
            role=role,
            subject_type=SUBJECT,
            subject_id=episode.pk,
            verb=EpisodeVerb.RECORD_RESTRICTED,
            rationale=reason,
            rule_ids=rule_ids(decision),
        )
    return episode


__all__ = [
    "episode_grade_risk",
    "episode_record_disagreement",
    "episode_resolve_disagreement",
    "episode_restrict",
    "episode_set_category",
]

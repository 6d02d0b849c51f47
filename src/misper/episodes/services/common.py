"""What every episode service shares: asking the policy engine about an episode (one
typed Decision per change), turning a refusal into an error that names the rule and the
field, storing the state the engine returns, keeping the episode's deadlines equal to the
policy, and telling whoever reacts to the change (one typed event, episodes/events.py)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.utils import timezone

from misper.core.deadlines import deadlines_sync
from misper.core.errors import ValidationFailed
from misper.core.validation import clean_text
from misper.episodes import events
from misper.episodes.codes import Status
from misper.episodes.models import Episode
from misper.episodes.policy_bridge import Question, episode_question
from misper.episodes.words import refusal_message
from misper.policy import Action, Decision
from misper.policy.facts import Episode as PolicyEpisode

SUBJECT = "episode"
# The app that keeps an episode's own deadlines (core.Deadline.owner).
OWNER = "episodes"
MAX_TEXT = 4000
# The engine names the action's fields; some come from a differently named form field.
FORM_FIELD = {"from": "risk", "to": "risk"}


def rule_ids(decision: Decision) -> list[str]:
    """The rule ids the policy engine cited, for the timeline and the decision records."""
    return sorted({r.rule for r in decision.reasons})


def text(value: str | None, name: str, *, required: bool = False, max_len: int = MAX_TEXT) -> str:
    return clean_text(value, name, required=required, max_len=max_len)


def action(kind: str, at: datetime, by_role: str, **fields: Any) -> Action:
    """An action for the engine; instants stay datetimes (sub-seconds kept)."""
    return Action(kind=kind, at=at, by_role=by_role, fields=fields)


def ask(
    episode: Episode, act: Action | None, now: datetime, *, reported: Question | None = None
) -> Decision:
    """The engine's one decision about the episode as stored, after ``act`` if given
    (``reported``: see ``policy_bridge.episode_question``)."""
    return episode_question(episode, now, reported=reported).decide(act)


def refusal(decision: Decision, field_name: str) -> ValidationFailed:
    """The engine refused: the error states the rule that refused first and only the
    rules that refused, with the role that could do it and what is missing."""
    missing = tuple(FORM_FIELD.get(m, m) for m in decision.missing_fields)
    return ValidationFailed(
        refusal_message(decision),
        field=missing[0] if missing else field_name,
        rules=decision.refused_by,
        required_role=decision.required_role,
        missing_fields=missing,
    )


def store(episode: Episode, decision: Decision) -> None:
    """Keep on the episode the state the engine returned after the action: the lifecycle
    is the engine's (policy/decide.py), never recomputed here."""
    if decision.episode is not None:
        store_state(episode, decision.episode, absconder=decision.absconder)


def store_state(episode: Episode, ep: PolicyEpisode, *, absconder: bool) -> None:
    episode.category = ep.category
    episode.absconder = bool(absconder)
    episode.risk = ep.risk or ""
    episode.categorised_at = ep.categorised_at
    episode.categorised_by_role = ep.categorised_by_role or ""
    episode.disagreement_open = ep.disagreement_open
    episode.latest_review_at = ep.review_at if ep.category == "absent" else ep.latest_review_at
    episode.restricted = ep.restricted
    episode.closure_code = ep.closure_code or ""
    episode.status = Status.CLOSED if ep.closed else (Status.FOUND if ep.found_at else Status.OPEN)


# Deadlines of the engine's that another app keeps on its own record: the return
# interview's 72 hours are the returns app's referral's (returns/referral.py); a
# repeat-missing trigger's meeting is the interventions app's (interventions/records.py).
KEPT_ELSEWHERE = frozenset({"rhi_due", "intervention_meeting_due"})


def sync_deadlines(episode: Episode, decision: Decision) -> None:
    deadlines_sync(
        owner=OWNER,
        subject=episode,
        wanted=[
            (d.kind, d.due, d.rule) for d in decision.deadlines if d.kind not in KEPT_ELSEWHERE
        ],
    )


def bump(episode: Episode) -> None:
    episode.version += 1


def now_or(now: datetime | None) -> datetime:
    return now or timezone.now()


def after_change(
    episode: Episode,
    now: datetime,
    *,
    change: events.Change | None = None,
    change_id: str | int = "",
    decision: Decision | None = None,
    reported: Question | None = None,
) -> Decision:
    """What follows every change to an episode, in the change's transaction: the engine's
    answer about the episode as it now stands (``decision``, when the service already has
    it after the action, or asked now), its deadlines kept equal to that answer, and one
    typed event for whoever reacts (who is told, and the apps above episodes)."""
    answer = ask(episode, None, now, reported=reported) if decision is None else decision
    sync_deadlines(episode, answer)
    if change is not None:
        events.emit(
            events.EpisodeChanged(
                episode=episode, change=change, change_id=str(change_id), decision=answer, at=now
            )
        )
    return answer

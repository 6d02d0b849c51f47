"""What every episode service shares: locking the episode with its version check, the
episode's state in the policy engine's words, asking the engine about an action, turning a
refusal into an error that names the field, and keeping deadlines equal to the policy."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.utils import timezone
from django.utils.dateparse import parse_datetime

from misper.agencies.models import User
from misper.core.deadlines import deadlines_sync
from misper.core.errors import ConcurrentEdit, ValidationFailed
from misper.core.validation import clean_text
from misper.episodes.access import CASE_WORK
from misper.episodes.models import Episode
from misper.episodes.policy_bridge import REPORT_FIELDS, Question, iso, report_question
from misper.episodes.selectors import get_episode_for_user

SUBJECT = "episode"
# The app that keeps an episode's own deadlines (core.Deadline.owner).
OWNER = "episodes"
MAX_TEXT = 4000
# The engine names the action's fields; some come from a differently named form field.
FORM_FIELD = {"from": "risk", "to": "risk"}


def rule_ids(answer: dict[str, Any]) -> list[str]:
    """The rule ids the policy engine cited, for the timeline."""
    return sorted({r["rule"] for r in answer.get("reasons", [])})


def text(value: str | None, name: str, *, required: bool = False, max_len: int = MAX_TEXT) -> str:
    return clean_text(value, name, required=required, max_len=max_len)


def lock(
    actor: User, episode_id: int, version: int | None, *, purpose: str = "change case"
) -> Episode:
    """The episode a service changes, locked, through the one access choke point
    (selectors.get_episode_for_user): not found for whoever may not see it, refused for
    whoever may not work on it, and only then the version compared."""
    episode = get_episode_for_user(
        actor, episode_id, action=CASE_WORK, purpose=purpose, for_update=True
    ).episode
    if version is not None and episode.version != version:
        raise ConcurrentEdit(
            "Someone else changed this case after you opened it. Nothing you entered has "
            "been saved yet: check the case as it is now, then save again.",
            field="version",
        )
    return episode


def state(episode: Episode) -> dict[str, Any]:
    """The episode as the policy engine's ``episode`` block."""
    found = getattr(episode, "found", None) if hasattr(episode, "found") else None
    return {
        "category": episode.category,
        "absconder": episode.absconder,
        "risk": episode.risk or None,
        "categorised_at": iso(episode.categorised_at),
        "categorised_by_role": episode.categorised_by_role or None,
        "risk_history": [
            {"risk": g.risk, "by_role": g.by_role, "at": iso(g.at), "initial": g.initial}
            for g in episode.gradings.all()
        ],
        "callbacks_agreed": [
            iso(d.callback_at) for d in episode.decisions.all() if d.callback_at is not None
        ],
        # One stored review time: the agreed absent review (R-REV-02) for an absent
        # episode, the latest review time (R-REV-12) for a missing one.
        "latest_review_at": iso(episode.latest_review_at) if episode.category != "absent" else None,
        "review_at": iso(episode.latest_review_at) if episode.category == "absent" else None,
        "case_record_created": episode.case_record_created,
        "found_at": iso(found.found_at) if found else None,
        "returned_at": iso(found.returned_at) if found else None,
        "tour_end": None,
        "disagreement_open": episode.disagreement_open,
        "restricted": episode.restricted,
        "closed": episode.status == "closed",
        "closure_code": episode.closure_code or None,
    }


def question(episode: Episode, now: datetime) -> Question:
    return report_question(
        profile=episode.profile_id,
        now=now,
        person=episode.person,
        report={f: getattr(episode, f) for f in REPORT_FIELDS},
        location=episode.location_key,
        episode=state(episode),
        exclude_episode_id=episode.pk,
    )


def ask(episode: Episode, action: dict[str, Any] | None, now: datetime) -> dict[str, Any]:
    return question(episode, now).ask(action)


def refusal(answer: dict[str, Any], field_name: str) -> ValidationFailed:
    reasons = "; ".join(f"{r['text']} ({r['rule']})" for r in answer.get("reasons", [])[:4])
    missing = answer.get("missing_fields") or []
    if missing:
        name = FORM_FIELD.get(missing[0], missing[0])
        return ValidationFailed(f"Enter the {name.replace('_', ' ')}: {reasons}", field=name)
    role = answer.get("required_role")
    if role:
        return ValidationFailed(
            f"Only a {role.replace('_', ' ')} may make this decision: {reasons}",
            field=field_name,
        )
    return ValidationFailed(f"Not allowed by the policy: {reasons}", field=field_name)


def sync_deadlines(episode: Episode, answer: dict[str, Any]) -> None:
    wanted = []
    for d in answer.get("deadlines", []):
        due = parse_datetime(d["due"])
        if due is not None:
            wanted.append((d["kind"], due, d.get("rule", "")))
    deadlines_sync(owner=OWNER, subject=episode, wanted=wanted)


def bump(episode: Episode) -> None:
    episode.version += 1


def now_or(now: datetime | None) -> datetime:
    return now or timezone.now()


def after_change(
    episode: Episode, now: datetime, *, event: str | None = None, event_id: str | int = ""
) -> dict[str, Any]:
    """What follows every change to an episode, in the change's transaction: ask the
    engine about the episode as it is now, keep its deadlines equal to the answer, and
    tell whoever the event concerns (with the rules of the engine's duties)."""
    from misper.episodes.notify import tell

    answer = ask(episode, None, now)
    sync_deadlines(episode, answer)
    if event is not None:
        tell(episode, event, event_id=event_id, duties=answer.get("duty_rules") or {})
    return answer

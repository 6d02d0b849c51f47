"""What the worker does when an episode's deadline falls due (docs/worker.md).

Each handler runs inside the deadline sweep's transaction (agencies/deadline_sweep.py), with
the system as actor: the timeline event has no user and the role "system". The sweep marks
the deadline acted in the same transaction, so the action and the mark commit together.

- ``absent_limit`` (R-CLS-09, C-09): an absent child not found by the profile's limit after
  last contact becomes missing, goes on the duty inspector's list, and the owning area is
  told.
- ``callback``, ``absent_review``, ``nar_review``, ``risk_review``, ``tour_of_duty_update``:
  a reminder on the timeline and to the owning area (reviews also to its inspectors).
- Every other kind has no handler: the sweep records ``deadline_due`` and closes it.
"""

from __future__ import annotations

from datetime import datetime

from django.db import IntegrityError, transaction

from misper.agencies.models import User
from misper.core.deadline_sweep import SubjectBusy
from misper.core.events import CoreVerb
from misper.core.models import Deadline
from misper.core.timeline import timeline_record
from misper.episodes.codes import Category, Status
from misper.episodes.events import EpisodeVerb
from misper.episodes.models import CategoryDecision, Episode, FoundReport
from misper.episodes.notify import tell_owner
from misper.episodes.policy_bridge import iso
from misper.episodes.services.common import SUBJECT, after_change, bump
from misper.policy.calendar import LONDON as UK

SYSTEM_ROLE = "system"
# The author of a decision the system takes (CategoryDecision.by is required). The account
# cannot sign in (inactive, unusable password), holds no role and belongs to no
# organisation, so no permission check ever passes for it (docs/worker.md).
SYSTEM_EMAIL = "system@misper.invalid"
SYSTEM_NAME = "Misper (automatic)"
ESCALATION_RULES = ["R-CLS-09", "C-09"]

REVIEW_KINDS = ("absent_review", "nar_review", "risk_review")
REMINDER_KINDS = ("callback", *REVIEW_KINDS, "tour_of_duty_update")
LABELS = {
    "callback": "Call-back",
    "absent_review": "Absent review",
    "nar_review": "No-apparent-risk review",
    "risk_review": "Risk review",
    "tour_of_duty_update": "Case record update",
}
ABSENT_CATEGORIES = (Category.ABSENT, Category.UNAUTHORISED_ABSENCE)


def system_user() -> User:
    """The system's user record, made once (safe when two workers make it at once)."""
    user = User.objects.filter(email=SYSTEM_EMAIL).first()
    if user is not None:
        return user
    try:
        with transaction.atomic():
            return User.objects.create_user(
                SYSTEM_EMAIL, None, full_name=SYSTEM_NAME, organisation=None, is_active=False
            )
    except IntegrityError:  # made by another worker meanwhile
        return User.objects.get(email=SYSTEM_EMAIL)


def _episode(deadline: Deadline, *, lock: bool) -> Episode | None:
    qs = Episode.objects.select_related(
        "owning_area", "owning_area__parent", "person", "force", "establishment"
    )
    pk = deadline.object_id
    if not lock:
        return qs.filter(pk=pk).first()
    # Never wait on the episode while holding the deadline's lock (a service locks the
    # episode first, then its deadlines): skip, and try again on the next tick.
    episode = qs.select_for_update(of=("self",), skip_locked=True).filter(pk=pk).first()
    if episode is None and Episode.objects.filter(pk=pk).exists():
        raise SubjectBusy(f"episode {pk}")
    return episode


def _uk(instant: datetime) -> str:
    return instant.astimezone(UK).strftime("%d %B %Y %H:%M")


def episode_absent_limit(deadline: Deadline, now: datetime) -> str:
    """R-CLS-09: at the absent time limit after last contact, an absent child who has not
    been found becomes missing: a category decision by the system, back on the duty
    inspector's list, the deadlines of a missing case, and the owning area told."""
    episode = _episode(deadline, lock=True)
    if episode is None:
        return "no such episode"
    if (
        episode.status != Status.OPEN
        or episode.category not in ABSENT_CATEGORIES
        or FoundReport.objects.filter(episode=episode).exists()
    ):
        return "no longer absent: nothing to do"
    old = episode.category
    rationale = (
        f"Absent and not found by the absent time limit after last contact "
        f"({_uk(deadline.due)} UK time): missing under R-CLS-09 (C-09)."
    )
    episode.category = Category.MISSING
    episode.categorised_at = now
    # "system" is no role in the policy engine's vocabulary (policy/roles.py): the episode
    # records no categorising role; the decision row and the timeline say "system".
    episode.categorised_by_role = ""
    episode.awaiting_supervisor = True
    episode.supervisor_reason = (
        "Absent time limit reached: now missing (R-CLS-09). Review the category and grade the risk."
    )
    bump(episode)
    episode.save()
    CategoryDecision.objects.create(
        episode=episode,
        category=Category.MISSING,
        absconder=episode.absconder,
        at=now,
        by=system_user(),
        by_role=SYSTEM_ROLE,
        rationale=rationale,
        rules=ESCALATION_RULES,
    )
    after_change(episode, now, event="escalated", event_id=deadline.pk)
    timeline_record(
        actor=None,
        role=SYSTEM_ROLE,
        subject_type=SUBJECT,
        subject_id=episode.pk,
        verb=EpisodeVerb.ESCALATED_TO_MISSING,
        changes={"category": {"from": old, "to": Category.MISSING}, "deadline": deadline.pk},
        rationale=rationale,
        rule_ids=ESCALATION_RULES,
        at=now,
    )
    tell_owner(
        episode,
        rule="R-CLS-09",
        event_key=f"deadline:{deadline.pk}",
        title=f"Absent limit reached: case {episode.pk} is now missing",
    )
    return "converted to missing (R-CLS-09)"


def episode_deadline_reminder(deadline: Deadline, now: datetime) -> str:
    """A call-back, review or case-record update is due: say so on the timeline and tell
    the owning area; an overdue review also goes to the area's inspectors."""
    episode = _episode(deadline, lock=False)
    if episode is None:
        return "no such episode"
    if episode.status == Status.CLOSED:
        return "case closed: nothing to do"
    label = LABELS.get(deadline.kind, deadline.kind.replace("_", " ").capitalize())
    rules = [deadline.rule] if deadline.rule else []
    timeline_record(
        actor=None,
        role=SYSTEM_ROLE,
        subject_type=SUBJECT,
        subject_id=episode.pk,
        verb=CoreVerb.DEADLINE_DUE,
        changes={"kind": deadline.kind, "due": iso(deadline.due), "deadline": deadline.pk},
        rationale=f"{label} due at {_uk(deadline.due)} UK time.",
        rule_ids=rules,
        at=now,
    )
    tell_owner(
        episode,
        rule=deadline.rule or "R-REV-01",
        event_key=f"deadline:{deadline.pk}",
        title=f"{label} due on case {episode.pk}",
        inspectors=deadline.kind in REVIEW_KINDS,
    )
    return f"reminder sent ({deadline.rule or 'no rule'})"

"""What the worker does when an episode's deadline falls due (docs/worker.md).

Each handler runs inside the deadline sweep's transaction (agencies/deadline_sweep.py), with
the system as actor: the timeline event has no user and the role "system". The sweep marks
the deadline acted in the same transaction, so the action and the mark commit together.

- ``absent_limit`` (R-CLS-09, C-09): an absent child not found by the profile's limit after
  last contact becomes missing, goes on the duty inspector's list, and the owning area is
  told.
- ``callback``, ``absent_review``, ``nar_review``, ``risk_review``, ``tour_of_duty_update``:
  a reminder on the timeline and to the owning area (reviews also to its inspectors).
- ``intervention_meeting_due`` and ``rhi_due`` are kept, and acted on, by the
  interventions and returns apps on their own records.
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
from misper.episodes import words
from misper.episodes.codes import Category, Status
from misper.episodes.events import EpisodeVerb
from misper.episodes.lifecycle import Act, allows
from misper.episodes.models import Episode, FoundReport
from misper.episodes.notify import tell_owner
from misper.episodes.policy_bridge import iso
from misper.episodes.services.common import SUBJECT
from misper.episodes.services.decisions import record_category
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


# What each handler reads of the episode besides its own row: a conversion goes through
# the engine (the child, the force, the placement's establishment); a reminder needs only
# whom to tell (the owning area and its force). Fewer joins: a reminder is most of a
# burst of deadlines (docs/benchmarks.md "Worker: 10,000 deadlines in a minute").
CONVERSION_READS = ("owning_area", "owning_area__parent", "person", "force", "establishment")
REMINDER_READS = ("owning_area", "owning_area__parent")


def _episode(deadline: Deadline, *, lock: bool) -> Episode | None:
    # One row by its key: no ordering (the model's default order costs a sort clause).
    qs = Episode.objects.order_by().filter(pk=deadline.object_id)
    if not lock:
        return next(iter(qs.select_related(*REMINDER_READS)), None)
    # Never wait on the episode while holding the deadline's lock (a service locks the
    # episode first, then its deadlines): skip, and try again on the next tick.
    locked = qs.select_related(*CONVERSION_READS).select_for_update(of=("self",), skip_locked=True)
    episode = next(iter(locked), None)
    if episode is None and qs.exists():
        raise SubjectBusy(f"episode {deadline.object_id}")
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
        not allows(episode, Act.ESCALATE)
        or episode.category not in ABSENT_CATEGORIES
        or FoundReport.objects.filter(episode=episode).exists()
    ):
        return "no longer absent: nothing to do"
    rationale = (
        f"Absent and not found by the absent time limit after last contact "
        f"({_uk(deadline.due)} UK time): missing under R-CLS-09 (C-09)."
    )
    # "system" is no role in the policy engine's vocabulary (policy/roles.py): the episode
    # records no categorising role; the decision row and the timeline say "system".
    record_category(
        episode=episode,
        actor=system_user(),
        by_role=SYSTEM_ROLE,
        decision=None,
        category=Category.MISSING,
        rationale=rationale,
        now=now,
        verb=EpisodeVerb.ESCALATED_TO_MISSING,
        rules=ESCALATION_RULES,
        deadline_id=deadline.pk,
        supervisor_reason=(
            "Absent time limit reached: now missing (R-CLS-09). "
            "Review the category and grade the risk."
        ),
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
    label = words.deadline(deadline.kind)
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
        title=f"{label} on case {episode.pk}",
        inspectors=deadline.kind in REVIEW_KINDS,
    )
    return f"reminder sent ({deadline.rule or 'no rule'})"

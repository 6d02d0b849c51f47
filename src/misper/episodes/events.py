"""The episodes app's timeline verbs (what people read on a case's timeline), and the
typed event every change to an episode emits for whoever reacts to it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from misper.core.events import TimelineVerb, register
from misper.policy import Decision


class EpisodeVerb(TimelineVerb):
    EPISODE_REPORTED = (
        "episode_reported",
        "Report taken",
        # on the episode: the category, whether confirmed, the risk and what was recommended;
        # on the child's record: which episode
        ("category", "confirmed", "risk", "recommended", "episode"),
    )
    CATEGORY_DECIDED = (
        "category_decided",
        "Category decided",
        ("category", "review_period_hours", "callback_at"),
    )
    RISK_GRADED = "risk_graded", "Risk graded", ("risk", "initial_grading_error")
    RISK_RAISED = "risk_raised", "Risk raised", ("risk", "initial_grading_error")
    RISK_LOWERED = "risk_lowered", "Risk lowered", ("risk", "initial_grading_error")
    DISAGREEMENT_RECORDED = "disagreement_recorded", "Informant disagrees: referred to the FIM"
    DISAGREEMENT_RESOLVED = (
        "disagreement_resolved",
        "Force Incident Manager decided the category",
        ("category",),
    )
    RECORD_RESTRICTED = "record_restricted", "Record restricted"
    INVESTIGATION_ENTRY = (
        "investigation_entry",
        "Investigation log entry",
        (
            "kind",
            "within_tour",
            "publicity",
            "family_consulted",
            "consent",
            "proportionality_rationale",
        ),
    )
    TRANSFER_PROPOSED = (
        "transfer_proposed",
        "Transfer proposed",
        ("from", "to", "bulk_of_enquiries"),
    )
    TRANSFER_ACCEPTED = "transfer_accepted", "Transfer accepted", ("owner",)
    TRANSFER_DECLINED = "transfer_declined", "Transfer declined", ("owner",)
    FOUND_RECORDED = (
        "found_recorded",
        "Found report recorded",
        ("found_at", "safe_and_well", "rhi_criteria"),
    )
    EPISODE_CLOSED = "episode_closed", "Case closed", ("closure_code",)
    CSE_SCREENING_RECORDED = (
        "cse_screening_recorded",
        "CSE screening recorded",
        ("outcome", "indicators", "notes", "routed_to"),
    )
    CSE_SCREENING_CHANGED = (
        "cse_screening_changed",
        "CSE screening changed",
        ("outcome", "indicators", "notes", "routed_to"),
    )
    ESCALATED_TO_MISSING = (
        "escalated_to_missing",
        "Absent time limit reached: now missing",
        ("category", "deadline"),
    )

    CARER_REPORTED = (
        "carer_reported",
        "Carer's report made",
        ("carer_report", "kind", "status", "last_seen_at"),
    )
    CARER_REPORT_TO_POLICE = (
        "carer_report_to_police",
        "Unauthorised absence for six hours: reported to the police as missing",
        ("carer_report", "deadline"),
    )
    CARER_REPORT_TAKEN = (
        "carer_report_taken",
        "Carer's report taken by the police",
        ("carer_report", "episode"),
    )
    CARER_RETURN = (
        "carer_return",
        "Carer says the child has returned",
        ("carer_report", "returned_at"),
    )


register(EpisodeVerb)


# --- Reacting to an episode ---------------------------------------------------------------
#
# A change to an episode emits one typed event, in the change's transaction. Whoever reacts
# registers a handler: the episodes app's own notify.py (who is told), and the apps above
# episodes (returns, interventions, insights), which write only their own rows and
# deadlines. No app imports upwards, and after_change does not grow.


class Change(StrEnum):
    REPORTED = "reported"
    CATEGORY_CHANGED = "category_changed"
    RISK_CHANGED = "risk_changed"
    FOUND = "found"
    CLOSED = "closed"
    ESCALATED = "escalated"
    RESTRICTED = "restricted"
    TRANSFERRED = "transferred"


@dataclass(frozen=True)
class EpisodeChanged:
    """One change to an episode, with the engine's decision about it as it now stands."""

    episode: Any  # episodes.models.Episode (not imported here: models import this module)
    change: Change
    change_id: str
    decision: Decision
    at: datetime


Handler = Callable[[EpisodeChanged], None]
_HANDLERS: list[Handler] = []


def on_change(handler: Handler) -> Handler:
    """Decorator: call ``handler`` for every change to an episode, inside its transaction."""
    if handler not in _HANDLERS:
        _HANDLERS.append(handler)
    return handler


def emit(event: EpisodeChanged) -> None:
    for handler in list(_HANDLERS):
        handler(event)


# --- Reacting to a CSE screening ------------------------------------------------------------
#
# A screening that refers the child to the MASE meeting (R-CSE-03) lists them there: the
# interventions app reacts (its own rows), as it does to an episode's changes.


@dataclass(frozen=True)
class CseScreened:
    episode: Any  # episodes.models.Episode
    screening: Any  # episodes.models.CseScreening, as saved
    before: str  # the outcome before this change ('' for the first screening)
    actor: Any  # agencies.models.User
    at: datetime


CseHandler = Callable[[CseScreened], None]
_CSE_HANDLERS: list[CseHandler] = []


def on_cse_screened(handler: CseHandler) -> CseHandler:
    """Decorator: call ``handler`` for every screening whose outcome changed, inside its
    transaction."""
    if handler not in _CSE_HANDLERS:
        _CSE_HANDLERS.append(handler)
    return handler


def emit_cse(event: CseScreened) -> None:
    for handler in list(_CSE_HANDLERS):
        handler(event)

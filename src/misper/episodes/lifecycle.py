"""An episode's lifecycle, in one table: for each action, the states it may start from, the
policy engine's action that decides who may take it (``misper.policy.authority``), what
pages call it, and when a page offers it. What each action changes is the engine's
(``misper.policy.decide._apply``); the services store the state the engine returns.

Every service, page and API endpoint goes through :func:`begin` (the access choke point,
then this table), so a closed case refuses every change, whatever door it comes through.
Re-opening a closed case is not offered: the sources describe none (a new report is a new
episode, which counts in the history and in every trigger, R-REC-09).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from misper.agencies.models import User
from misper.core.errors import ConcurrentEdit, WrongState
from misper.episodes.access import CASE_WORK, CSE_SCREEN
from misper.episodes.codes import Status
from misper.episodes.models import Episode
from misper.episodes.selectors import get_episode_for_user


class Act(StrEnum):
    SET_CATEGORY = "category"
    GRADE_RISK = "risk"
    RECORD_DISAGREEMENT = "disagreement"
    RESOLVE_DISAGREEMENT = "resolve"
    RESTRICT = "restrict"
    LOG = "log"
    PROPOSE_TRANSFER = "transfer"
    DECIDE_TRANSFER = "transfer_decide"
    RECORD_FOUND = "found"
    CLOSE = "close"
    ESCALATE = "escalate"  # the worker: the absent time limit (R-CLS-09)
    CSE_SCREENING = "cse_screening"


OPEN = frozenset({Status.OPEN})
NOT_CLOSED = frozenset({Status.OPEN, Status.FOUND})


def _always(episode: Episode) -> bool:
    return True


@dataclass(frozen=True)
class Transition:
    title: str
    starts_from: frozenset[str]
    engine: str | None  # the engine's action kind (authority and effects), if any
    offered: Callable[[Episode], bool] = _always  # when a page offers it
    permission: str = CASE_WORK  # who may take it (access.may), on the owning force's case


def _no_pending_transfer(e: Episode) -> bool:
    return not any(t.accepted is None for t in e.transfers.all())


TABLE: dict[Act, Transition] = {
    Act.SET_CATEGORY: Transition("Decide the category", NOT_CLOSED, "set_category"),
    Act.GRADE_RISK: Transition("Grade or change the risk", OPEN, "grade_risk"),
    Act.RECORD_DISAGREEMENT: Transition(
        "Record the informant's disagreement",
        OPEN,
        "record_disagreement",
        lambda e: not e.disagreement_open,
    ),
    Act.RESOLVE_DISAGREEMENT: Transition(
        "Resolve the disagreement (Force Incident Manager)",
        OPEN,
        "resolve_disagreement",
        lambda e: e.disagreement_open,
    ),
    Act.RESTRICT: Transition(
        "Restrict the record", NOT_CLOSED, "restrict_record", lambda e: not e.restricted
    ),
    Act.LOG: Transition("Add to the investigation log", NOT_CLOSED, None),
    Act.PROPOSE_TRANSFER: Transition("Propose a transfer", NOT_CLOSED, None, _no_pending_transfer),
    Act.DECIDE_TRANSFER: Transition("Accept or decline the transfer", NOT_CLOSED, None),
    Act.RECORD_FOUND: Transition("Record the found report", OPEN, "record_found"),
    Act.CLOSE: Transition("Close the episode", NOT_CLOSED, "close"),
    Act.ESCALATE: Transition("Absent time limit reached", OPEN, None),
    # A missing child's CSE screening (R-CSE-01, R-TRG-08), while the case is open or the
    # child found (the debrief and the return interview inform it); a closed case is not
    # changed. Only a missing episode has one: the service refuses the others.
    Act.CSE_SCREENING: Transition(
        "Record the CSE screening", NOT_CLOSED, None, permission=CSE_SCREEN
    ),
}

STATE_WORDS = {Status.OPEN: "open", Status.FOUND: "found", Status.CLOSED: "closed"}


def guard(episode: Episode, act: Act) -> None:
    """Refuse ``act`` on an episode in a state it may not start from."""
    if episode.status not in TABLE[act].starts_from:
        state = STATE_WORDS.get(Status(episode.status), episode.status)
        raise WrongState(
            f"This case is {state}: it can no longer be changed this way "
            f"({TABLE[act].title.lower()})",
            field="version",
        )


def allows(episode: Episode, act: Act) -> bool:
    return episode.status in TABLE[act].starts_from


def offered(episode: Episode) -> list[Act]:
    """The actions a page offers on this episode now (before the engine's authority). The
    CSE screening is offered in its own section of the case page, beside what it records."""
    return [
        act
        for act, t in TABLE.items()
        if act not in (Act.ESCALATE, Act.DECIDE_TRANSFER, Act.CSE_SCREENING)
        and episode.status in t.starts_from
        and t.offered(episode)
    ]


def begin(
    actor: User, episode_id: int, act: Act, version: int | None, *, purpose: str = ""
) -> Episode:
    """The episode a service changes: fetched and locked through the access choke point
    (not found for whoever may not see it, refused for whoever may not work on it), then
    the lifecycle's state check, and only then the version compared."""
    episode = get_episode_for_user(
        actor,
        episode_id,
        action=TABLE[act].permission,
        purpose=purpose or TABLE[act].title.lower(),
        for_update=True,
    ).episode
    guard(episode, act)
    if version is not None and episode.version != version:
        raise ConcurrentEdit(
            "Someone else changed this case after you opened it. Nothing you entered has "
            "been saved yet: check the case as it is now, then save again.",
            field="version",
        )
    return episode

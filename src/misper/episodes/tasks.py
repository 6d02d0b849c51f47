"""The episodes app's part in the worker (docs/worker.md): the deadline sweep, and which
service acts on each kind of an episode's deadline when it falls due."""

from __future__ import annotations

from django.utils import timezone

from misper.core.deadline_sweep import (
    next_due_deadline,
    register_deadline_handler,
    sweep_due_deadlines,
)
from misper.episodes.services.carer import (
    LIMIT_KIND,
    carer_unauthorised_absence_limit,
)
from misper.episodes.services.carer import (
    OWNER as CARER_OWNER,
)
from misper.episodes.services.common import OWNER
from misper.episodes.services.deadlines import (
    REMINDER_KINDS,
    episode_absent_limit,
    episode_deadline_reminder,
)
from misper.worker import current_worker_id, register_sweep

register_deadline_handler(OWNER, "absent_limit")(episode_absent_limit)
# R-CLS-10: a carer's unauthorised absence becomes a missing report to the police.
register_deadline_handler(CARER_OWNER, LIMIT_KIND)(carer_unauthorised_absence_limit)
for _kind in REMINDER_KINDS:
    register_deadline_handler(OWNER, _kind)(episode_deadline_reminder)


SWEEP_BATCH = 1000
SWEEP_SECONDS = 1.0


@register_sweep("deadlines", next_due=next_due_deadline)
def deadlines() -> int:
    """Act on every deadline now due (any subject type), each exactly once: as many as
    a second allows, then the worker's other sweeps have their turn (docs/worker.md)."""
    return sweep_due_deadlines(
        timezone.now(), current_worker_id(), batch=SWEEP_BATCH, budget=SWEEP_SECONDS
    )

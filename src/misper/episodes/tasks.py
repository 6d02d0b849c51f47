"""The episodes app's part in the worker (docs/worker.md): the deadline sweep, and which
service acts on each kind of an episode's deadline when it falls due."""

from __future__ import annotations

import os
import socket

from django.utils import timezone

from misper.core.deadline_sweep import register_deadline_handler, sweep_due_deadlines
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
from misper.worker import register_sweep

register_deadline_handler(OWNER, "absent_limit")(episode_absent_limit)
# R-CLS-10: a carer's unauthorised absence becomes a missing report to the police.
register_deadline_handler(CARER_OWNER, LIMIT_KIND)(carer_unauthorised_absence_limit)
for _kind in REMINDER_KINDS:
    register_deadline_handler(OWNER, _kind)(episode_deadline_reminder)


@register_sweep("deadlines")
def deadlines() -> int:
    """Act on every deadline now due (any subject type), each exactly once."""
    return sweep_due_deadlines(timezone.now(), f"{socket.gethostname()}:{os.getpid()}")

"""The care app's part in the worker (docs/worker.md): ``ppa_due`` (R-PPA-01), a
placement's pre-placement assessment not completed by its deadline: the placing authority's
team managers and the allocated social worker are told, once."""

from __future__ import annotations

from datetime import datetime

from misper.care.selectors import OWNER
from misper.care.services import assessment_overdue
from misper.core.deadline_sweep import register_deadline_handler
from misper.core.models import Deadline
from misper.people.models import Placement


@register_deadline_handler(OWNER, "ppa_due")
def ppa_overdue(deadline: Deadline, now: datetime) -> str:
    placement = (
        Placement.objects.select_related("person", "placing_authority")
        .filter(pk=deadline.object_id)
        .first()
    )
    if placement is None:
        return "no such placement"
    return assessment_overdue(placement, deadline.due)

"""The interventions app's part in the worker (docs/worker.md): what is done, exactly
once, when one of its deadlines falls due, in the sweep's transaction, by the system.

- ``intervention_meeting_due`` (R-TRG-09, C-07): the meeting was not held, deferred or
  suspended within its time: the force's coordinators and the responsible authority are
  told, and the trigger's timeline says so.
- ``intervention_action_due``: an action the meeting agreed is overdue: its owner (the
  person, or else the organisation) and the coordinators are reminded.
"""

from __future__ import annotations

from datetime import datetime

from misper.core.deadline_sweep import register_deadline_handler
from misper.core.models import Deadline
from misper.interventions import services
from misper.interventions.events import InterventionsVerb
from misper.interventions.models import Meeting, MeetingAction
from misper.notifications.services import Recipient

OWNER = services.OWNER


@register_deadline_handler(OWNER, "intervention_meeting_due")
def meeting_overdue(deadline: Deadline, now: datetime) -> str:
    meeting = Meeting.objects.select_related("trigger", "trigger__force", "trigger__authority").get(
        pk=deadline.object_id
    )
    t = meeting.trigger
    to = services.coordinators(t.force)
    if t.authority is not None:
        to.append(Recipient(organisation=t.authority))
    services.tell(
        t,
        rule=meeting.rule or "R-TRG-09",
        key=f"overdue:{deadline.pk}",
        title=f"Intervention meeting overdue: trigger {t.pk}",
        to=to,
    )
    services.event(
        None,
        t,
        InterventionsVerb.MEETING_OVERDUE,
        {"due": deadline.due.isoformat()},
        rules=[meeting.rule or "R-TRG-09", "C-07"],
        role="system",
    )
    return "coordinators and the authority told"


@register_deadline_handler(OWNER, "intervention_action_due")
def action_overdue(deadline: Deadline, now: datetime) -> str:
    action = MeetingAction.objects.select_related(
        "meeting", "meeting__trigger", "meeting__trigger__force", "owner", "owner_user"
    ).get(pk=deadline.object_id)
    t = action.meeting.trigger
    owner = action.owner_user
    to = (
        [Recipient(user=owner)]
        if owner is not None and owner.is_active
        else [Recipient(organisation=action.owner)]
    )
    services.tell(
        t,
        rule="R-TRG-09",
        key=f"action-overdue:{deadline.pk}",
        title=f"An action from an intervention meeting is overdue: trigger {t.pk}",
        to=[*to, *services.coordinators(t.force)],
    )
    services.event(
        None,
        t,
        InterventionsVerb.ACTION_OVERDUE,
        {"due_on": action.due_on.isoformat()},
        rules=["R-TRG-09"],
        role="system",
    )
    return "owner reminded"

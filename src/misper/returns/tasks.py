"""The returns app's part in the worker (docs/worker.md): what is done, exactly once, when
one of its deadlines falls due. Each handler runs in the sweep's transaction with the
system as actor; the sweep marks the deadline acted in the same transaction.

- ``rhi_reminder`` (48 hours after found, R-RHI-01): the allocated worker (or, with nobody
  allocated, the interviewing organisation) is reminded that the interview is due within
  24 hours.
- ``rhi_due`` (72 hours after found, R-RHI-01, C-08): the interview has not been held and
  no outcome recorded: the interviewer's managers and the responsible authority are told.
- ``disclosure_step`` (R-RHI-07) and ``recommendation_due`` (R-RHI-14): the step or the
  recommendation is overdue: the interviewer's managers (and a recommendation's owner) are
  told.
"""

from __future__ import annotations

from datetime import datetime

from misper.core.deadline_sweep import register_deadline_handler
from misper.core.models import Deadline
from misper.notifications.services import Recipient
from misper.returns import services
from misper.returns.events import ReturnsVerb
from misper.returns.models import Disclosure, Recommendation, Referral
from misper.returns.services import OWNER


def _referral(deadline: Deadline) -> Referral:
    return Referral.objects.select_related(
        "allocated_to", "interviewer", "responsible_authority"
    ).get(pk=deadline.object_id)


@register_deadline_handler(OWNER, "rhi_reminder")
def remind(deadline: Deadline, now: datetime) -> str:
    referral = _referral(deadline)
    worker = referral.allocated_to
    active = worker is not None and worker.is_active
    to = [Recipient(user=worker)] if active else [Recipient(organisation=referral.interviewer)]
    services.tell(
        referral,
        rule="R-RHI-01",
        key=f"reminder:{deadline.pk}",
        title=f"Return interview due within 24 hours: referral {referral.pk}",
        to=to,
    )
    services.timeline(
        None,
        referral,
        ReturnsVerb.REMINDED,
        {"due": referral.due.isoformat()},
        rules=["R-RHI-01"],
        role="system",
    )
    return "allocated worker reminded" if active else "interviewer reminded"


@register_deadline_handler(OWNER, "rhi_due")
def escalate(deadline: Deadline, now: datetime) -> str:
    referral = _referral(deadline)
    services.tell(
        referral,
        rule="R-RHI-01",
        key=f"overdue:{deadline.pk}",
        title=f"Return interview overdue (72 hours passed): referral {referral.pk}",
        to=[
            *services.managers(referral),
            Recipient(organisation=referral.responsible_authority),
            *(
                [Recipient(organisation=referral.placing_authority)]
                if referral.placing_authority
                else []
            ),
        ],
    )
    services.timeline(
        None,
        referral,
        ReturnsVerb.OVERDUE,
        {"due": referral.due.isoformat()},
        rules=["R-RHI-01", "C-08"],
        role="system",
    )
    return "escalated to the managers and the responsible authority"


@register_deadline_handler(OWNER, "disclosure_step")
def disclosure_overdue(deadline: Deadline, now: datetime) -> str:
    disclosure = Disclosure.objects.select_related("referral").get(pk=deadline.object_id)
    referral = disclosure.referral
    services.tell(
        referral,
        rule="R-RHI-07",
        key=f"disclosure:{deadline.pk}",
        title=f"A disclosure's step is overdue: referral {referral.pk}",
        to=services.managers(referral),
    )
    services.timeline(
        None,
        referral,
        ReturnsVerb.DEADLINE_DUE,
        {"kind": deadline.kind, "due": deadline.due.isoformat()},
        rules=["R-RHI-07"],
        role="system",
    )
    return "escalated to the interviewer's managers"


@register_deadline_handler(OWNER, "recommendation_due")
def recommendation_overdue(deadline: Deadline, now: datetime) -> str:
    rec = Recommendation.objects.select_related("referral", "owner").get(pk=deadline.object_id)
    referral = rec.referral
    services.tell(
        referral,
        rule="R-RHI-14",
        key=f"recommendation:{deadline.pk}",
        title=f"A return interview's recommendation is overdue: referral {referral.pk}",
        to=[*services.managers(referral), Recipient(organisation=rec.owner)],
    )
    services.timeline(
        None,
        referral,
        ReturnsVerb.DEADLINE_DUE,
        {"kind": deadline.kind, "due": deadline.due.isoformat()},
        rules=["R-RHI-14"],
        role="system",
    )
    return "escalated to the owner and the interviewer's managers"

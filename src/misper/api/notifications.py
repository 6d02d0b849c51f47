"""API: the inbox. The same capabilities as the inbox page, through the same selectors and
services: list the user's and their organisation's messages (with filters and the unread
count) and acknowledge one. Another user's or organisation's message is a 404."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from misper.agencies.selectors import acting_user
from misper.api.schemas import ERRORS, Id
from misper.notifications import selectors, services
from misper.notifications.models import Message

router = Router(tags=["inbox"])


class MessageOut(Schema):
    id: int
    created_at: datetime
    rule: str
    event: str
    title: str
    link: str
    to_organisation_id: int | None
    read_at: datetime | None
    acknowledged_at: datetime | None
    acknowledged_by: str | None


class InboxOut(Schema):
    unread: int
    count: int
    messages: list[MessageOut]


class InboxFilters(Schema):
    show: Literal["all", "unread", "unacknowledged", "acknowledged"] = "all"
    rule: str = ""
    limit: int = Field(100, ge=1, le=500)
    offset: int = Field(0, ge=0, le=1_000_000)


def _out(m: Message) -> MessageOut:
    return MessageOut(
        id=m.pk,
        created_at=m.created_at,
        rule=m.rule,
        event=m.event_key,
        title=m.title,
        link=m.link,
        to_organisation_id=m.recipient_org_id,
        read_at=m.read_at,
        acknowledged_at=m.acknowledged_at,
        acknowledged_by=str(m.acknowledged_by) if m.acknowledged_by else None,
    )


@router.get("/inbox", response={200: InboxOut, **ERRORS})
def inbox(request: HttpRequest, filters: Query[InboxFilters]) -> InboxOut:
    """The user's own messages and their organisation's, newest first. ``show`` filters by
    state, ``rule`` by the rule that sent them; ``limit`` is at most 500."""
    user = acting_user(request)
    qs = selectors.inbox_for_user(user, show=filters.show, rule=filters.rule)
    limit, offset = filters.limit, filters.offset
    return InboxOut(
        unread=selectors.inbox_unread_count(user),
        count=qs.count(),
        messages=[_out(m) for m in qs[offset : offset + limit]],
    )


class DeliveryOut(Schema):
    id: int
    created_at: datetime
    rule: str
    title: str
    channel: str = Field(description="inbox | email | webhook")
    status: str = Field(description="pending | delivered | failing | dead")
    attempts: int
    delivered_at: datetime | None
    to_organisation_id: int | None


@router.get("/deliveries", response={200: list[DeliveryOut], **ERRORS})
def deliveries(request: HttpRequest) -> list[DeliveryOut]:
    """Whether the messages to your organisation (and to you) got through, by every
    channel, newest first: the status of each email and webhook and how many attempts it
    took (failures are retried; a message that keeps failing is reported to the
    administrators)."""
    return [
        DeliveryOut(
            id=m.pk,
            created_at=m.created_at,
            rule=m.rule,
            title=m.title,
            channel=m.channel,
            status=m.status,
            attempts=m.attempts,
            delivered_at=m.delivered_at,
            to_organisation_id=m.recipient_org_id,
        )
        for m in selectors.deliveries_for_organisation(acting_user(request))
    ]


@router.post("/inbox/{message_id}/acknowledge", response={200: MessageOut, **ERRORS})
def acknowledge(request: HttpRequest, message_id: Id) -> MessageOut:
    """Acknowledge a message (a timeline event); acknowledging twice changes nothing."""
    message = services.message_acknowledge(actor=acting_user(request), message_id=message_id)
    return _out(message)

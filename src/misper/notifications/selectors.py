"""Reading the outbox. Every message a user sees is fetched through ``inbox_for_user`` or
``get_message_for_user``: their own messages and their organisation's, in the in-app
inbox. Anything else does not exist for them."""

from __future__ import annotations

import rules
from django.db.models import Case, Count, IntegerField, Q, QuerySet, Value, When

from misper.agencies.models import User
from misper.core.errors import NotFound
from misper.notifications.models import (
    Channel,
    Message,
    MessageStatus,
    SharingArrangement,
    WebhookEndpoint,
)

INBOX_FILTERS = ("unread", "acknowledged", "unacknowledged", "all")


def _mine(user: User) -> Q:
    """The user's own inbox messages and their organisation's; a withdrawn message (its
    record was restricted) is in nobody's inbox."""
    q = Q(recipient_user_id=user.pk)
    if user.organisation_id is not None:
        q |= Q(recipient_org_id=user.organisation_id)
    return q & ~Q(status=MessageStatus.WITHDRAWN)


def inbox_for_user(user: User, *, show: str = "all", rule: str = "") -> QuerySet[Message]:
    """The user's and their organisation's inbox messages, newest first."""
    qs = Message.objects.filter(_mine(user), channel=Channel.INBOX)
    if show == "unread":
        qs = qs.filter(read_at__isnull=True)
    elif show == "acknowledged":
        qs = qs.filter(acknowledged_at__isnull=False)
    elif show == "unacknowledged":
        qs = qs.filter(acknowledged_at__isnull=True)
    if rule:
        qs = qs.filter(rule=rule)
    return qs.select_related("recipient_org", "acknowledged_by").order_by("-created_at", "-id")


def inbox_unread_count(user: User) -> int:
    """One query: the navigation shows it on every page."""
    return Message.objects.filter(_mine(user), channel=Channel.INBOX, read_at__isnull=True).count()


def inbox_rules(user: User) -> list[str]:
    return sorted(
        set(
            Message.objects.filter(_mine(user), channel=Channel.INBOX).values_list(
                "rule", flat=True
            )
        )
    )


def get_message_for_user(user: User, message_id: int, *, for_update: bool = False) -> Message:
    qs = Message.objects.filter(_mine(user), channel=Channel.INBOX, pk=message_id)
    if for_update:
        qs = qs.select_for_update()
    message = qs.first()
    if message is None:
        raise NotFound("No such message")
    return message


def deliveries_for_organisation(user: User, *, limit: int = 200) -> QuerySet[Message]:
    """The delivery state of the messages addressed to the user's organisation (and to
    the user), by every channel: whether each email or webhook got through. Withdrawn
    messages are left out, like in the inbox."""
    return Message.objects.filter(_mine(user)).order_by("-created_at", "-id")[:limit]


# --- Administrators --------------------------------------------------------------------------


def _require_admin(user: User) -> None:
    if not rules.has_perm("notifications.administer", user):
        raise NotFound("No such page")


STATUS_ORDER = (
    MessageStatus.DEAD,
    MessageStatus.FAILING,
    MessageStatus.PENDING,
    MessageStatus.DELIVERED,
)


def deliveries_for_admin(user: User, *, status: str = "") -> list[Message]:
    """Email and webhook messages, the dead ones first, then failing, pending, delivered;
    newest first within each."""
    _require_admin(user)
    qs = Message.objects.exclude(channel=Channel.INBOX).select_related(
        "recipient_user", "recipient_org"
    )
    if status:
        qs = qs.filter(status=status)
    rank = Case(
        *(When(status=s, then=Value(i)) for i, s in enumerate(STATUS_ORDER)),
        default=Value(9),
        output_field=IntegerField(),
    )
    return list(qs.annotate(rank=rank).order_by("rank", "-created_at", "-id")[:500])


def delivery_counts(user: User) -> dict[str, int]:
    _require_admin(user)
    rows = (
        Message.objects.exclude(channel=Channel.INBOX)
        .values("status")
        .annotate(n=Count("id"))
        .order_by()
    )
    counts = {s.value: 0 for s in STATUS_ORDER}
    counts.update({r["status"]: r["n"] for r in rows})
    return counts


def get_delivery_for_admin(user: User, message_id: int) -> Message:
    _require_admin(user)
    message = (
        Message.objects.select_related("recipient_user", "recipient_org")
        .prefetch_related("deliveries")
        .filter(pk=message_id)
        .first()
    )
    if message is None:
        raise NotFound("No such message")
    return message


def webhook_endpoints_for_admin(user: User) -> QuerySet[WebhookEndpoint]:
    _require_admin(user)
    return WebhookEndpoint.objects.select_related("organisation").order_by(
        "-active", "organisation__name", "-created_at"
    )


def arrangements_for_admin(user: User) -> QuerySet[SharingArrangement]:
    _require_admin(user)
    return SharingArrangement.objects.select_related("from_org", "to_org").order_by(
        "from_org__name", "to_org__name"
    )

"""Writing to the outbox. ``notify`` is called by another app's service inside its
transaction, so the message commits with the change that causes it, or not at all."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone

from misper.agencies.models import Organisation, User
from misper.notifications.models import Channel, Message, MessageStatus

MAX_TITLE = 200


@dataclass(frozen=True)
class Recipient:
    """A person or an organisation, and the channels to use. The in-app inbox is always
    one of them."""

    user: User | None = None
    organisation: Organisation | None = None
    channels: tuple[str, ...] = (Channel.INBOX,)


def notify(
    *,
    rule: str,
    event_key: str,
    subject_type: str,
    subject_id: str | int,
    title: str,
    link: str,
    recipients: Iterable[Recipient],
) -> list[Message]:
    """Queue one message per recipient and channel. Idempotent per (event, channel,
    recipient): a repeated call adds nothing. ``title`` and ``link`` must carry no
    personal data about a child (ids only in ``link``)."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("notify must run inside the transaction of the change it reports")
    if len(title) > MAX_TITLE:
        raise ValueError("notification titles are short and carry no personal data")
    if not link.startswith("/"):
        raise ValueError("a notification links to a path in Misper")
    made = []
    for r in recipients:
        if (r.user is None) == (r.organisation is None):
            raise ValueError("a recipient is a user or an organisation")
        for channel in dict.fromkeys((Channel.INBOX, *r.channels)):
            if channel not in Channel.values:
                raise ValueError(f"unknown channel {channel!r}")
            key = f"user:{r.user.pk}" if r.user is not None else f"org:{r.organisation.pk}"  # type: ignore[union-attr]
            exists = Message.objects.filter(
                event_key=event_key, channel=channel, recipient_key=key
            ).exists()
            if exists:
                continue
            try:
                with transaction.atomic():
                    made.append(
                        Message.objects.create(
                            rule=rule,
                            event_key=event_key,
                            channel=channel,
                            recipient_user=r.user,
                            recipient_org=r.organisation,
                            recipient_key=key,
                            subject_type=subject_type,
                            subject_id=str(subject_id),
                            title=title,
                            link=link,
                            # The inbox needs no transport: it is delivered as written.
                            status=(
                                MessageStatus.DELIVERED
                                if channel == Channel.INBOX
                                else MessageStatus.PENDING
                            ),
                            delivered_at=timezone.now() if channel == Channel.INBOX else None,
                        )
                    )
            except IntegrityError:
                continue  # written by a concurrent call for the same event
    return made

"""Transports: how a message leaves Misper. Each is one module with one function,
``send(message) -> None``, which returns when the recipient's system has accepted the
message and raises ``DeliveryError`` otherwise. The delivery sweep (``delivery.py``) records
every attempt, whatever the transport says; a transport never touches the database's
message state itself."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from misper.notifications.models import Message


class DeliveryError(Exception):
    """The message was not accepted. ``permanent`` means a retry cannot help (no address,
    no endpoint): the message goes straight to the administrators."""

    def __init__(self, detail: str, *, permanent: bool = False) -> None:
        super().__init__(detail)
        self.detail = detail[:500]
        self.permanent = permanent


Transport = Callable[["Message"], None]


def transport_for(channel: str) -> Transport:
    from misper.notifications.transports import email, webhook

    transports: dict[str, Transport] = {"email": email.send, "webhook": webhook.send}
    try:
        return transports[channel]
    except KeyError:
        raise DeliveryError(f"no transport for channel {channel!r}", permanent=True) from None


def record_link(message: Message) -> str:
    """The absolute address of the record the message is about (it needs sign-in)."""
    from django.conf import settings

    return f"{settings.SITE_URL.rstrip('/')}{message.link}"

"""Email over SMTP with Django's mail (the backend, host, port and timeout come from the
``EMAIL_*`` settings).

An email carries no personal data about a child: the subject is the message's title (which
says only that something needs attention) and the body repeats it with the link to the
record, which needs sign-in. Email crosses systems Misper does not control; the record does
not leave Misper. The ``Message-ID`` header is derived from the message id, so a receiving
system can recognise a repeat if a worker died after sending but before recording."""

from __future__ import annotations

import smtplib
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMessage, get_connection

from misper.notifications.transports import DeliveryError, record_link

if TYPE_CHECKING:
    from misper.notifications.models import Message


def address_for(message: Message) -> str:
    if message.recipient_user_id is not None:
        return message.recipient_user.email if message.recipient_user else ""
    return message.recipient_org.notification_email if message.recipient_org else ""


def message_id_for(message: Message) -> str:
    domain = urlsplit(settings.SITE_URL).hostname or "misper.invalid"
    return f"<misper-message-{message.pk}@{domain}>"


def body_for(message: Message) -> str:
    return f"{message.title}\n\nSign in to Misper to see it: {record_link(message)}\n"


def send(message: Message) -> None:
    to = address_for(message)
    if not to:
        who = "user" if message.recipient_user_id else "organisation"
        raise DeliveryError(f"the recipient {who} has no email address", permanent=True)
    email = EmailMessage(
        subject=message.title,
        body=body_for(message),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[to],
        headers={"Message-ID": message_id_for(message), "X-Misper-Rule": message.rule},
        connection=get_connection(fail_silently=False, timeout=settings.EMAIL_TIMEOUT),
    )
    try:
        sent = email.send(fail_silently=False)
    except (smtplib.SMTPException, OSError) as exc:
        raise DeliveryError(f"SMTP: {type(exc).__name__}: {exc}") from exc
    if sent != 1:
        raise DeliveryError("SMTP: the server did not accept the message")


__all__ = ["DeliveryError", "address_for", "body_for", "message_id_for", "send"]

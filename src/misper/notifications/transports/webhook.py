"""Signed webhooks: a JSON POST to each active endpoint of the recipient organisation.

The body is ``{id, event, rule, title, link, created_at}``: ids and a title, never personal
data. Headers: ``Misper-Event-Id`` (the message id: a receiver ignores an id it has seen,
since a message may arrive twice if a worker dies between sending and recording),
``Misper-Timestamp`` (Unix seconds of the attempt) and ``Misper-Signature:
sha256=<hex HMAC-SHA256 of the raw body, keyed with the endpoint's secret>``. Any answer
other than 2xx, or a network error, is a failed attempt; it is retried with backoff."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import urllib.error
import urllib.request
from typing import TYPE_CHECKING

from misper.notifications.transports import DeliveryError, record_link

if TYPE_CHECKING:
    from misper.notifications.models import Message

TIMEOUT = 5.0


def payload_for(message: Message) -> bytes:
    body = {
        "id": message.pk,
        "event": message.event_key,
        "rule": message.rule,
        "title": message.title,
        "link": record_link(message),
        "created_at": message.created_at.isoformat(),
    }
    return json.dumps(body, separators=(",", ":"), sort_keys=True).encode()


def signature(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def send(message: Message) -> None:
    from misper.notifications.models import WebhookEndpoint

    if message.recipient_org_id is None:
        raise DeliveryError("webhooks are sent to organisations, not to users", permanent=True)
    endpoints = list(
        WebhookEndpoint.objects.filter(organisation_id=message.recipient_org_id, active=True)
    )
    if not endpoints:
        raise DeliveryError("the organisation has no active webhook endpoint", permanent=True)
    body = payload_for(message)
    failures = []
    for endpoint in endpoints:
        request = urllib.request.Request(  # noqa: S310 - http(s) URLs only, checked when added
            endpoint.url,
            data=body,
            method="POST",
            headers={
                "Content-Type": "application/json",
                "User-Agent": "Misper-Webhook/1",
                "Misper-Event-Id": str(message.pk),
                "Misper-Timestamp": str(int(time.time())),
                "Misper-Signature": signature(endpoint.secret, body),
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT) as response:  # noqa: S310
                status = response.status
        except urllib.error.HTTPError as exc:
            status = exc.code
        except (urllib.error.URLError, OSError) as exc:
            failures.append(f"endpoint {endpoint.pk}: {getattr(exc, 'reason', exc)}")
            continue
        if not 200 <= status < 300:
            failures.append(f"endpoint {endpoint.pk}: HTTP {status}")
    if failures:
        raise DeliveryError("webhook: " + "; ".join(failures))

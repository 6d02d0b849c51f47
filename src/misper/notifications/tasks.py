"""The worker's sweep for the outbox: deliver due email and webhook messages. How a
message is claimed, sent and recorded, and what a crash at each step leaves behind, is
explained in ``services.py`` (Delivery) and docs/notifications.md."""

from __future__ import annotations

import os
import socket
import threading

from misper.notifications.services import deliver_due
from misper.worker import register_sweep


def worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"[:100]


@register_sweep("deliver_messages")
def deliver_messages() -> int:
    return deliver_due(worker_id=worker_id())

"""The audit log: every read of a child's record or an episode, every export and every
opening with a stated reason; append-only and hash-chained (``audit_verify``)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone

from misper.core.errors import ValidationFailed
from misper.core.models import AuditAction, AuditChainHead, AuditCheck, AuditEvent

if TYPE_CHECKING:
    from misper.agencies.models import User

GENESIS_HASH = "0" * 64


def _audit_payload(event: AuditEvent) -> bytes:
    body = {
        "at": event.at.astimezone(UTC).isoformat(),
        "user": event.user_id,
        "user_label": event.user_label,
        "organisation": event.organisation_id,
        "action": event.action,
        "subject_type": event.subject_type,
        "subject_id": event.subject_id,
        "purpose": event.purpose,
        "reason": event.reason,
    }
    return json.dumps(body, sort_keys=True, separators=(",", ":")).encode()


def audit_row_hash(event: AuditEvent, prev_hash: str) -> str:
    return hashlib.sha256(prev_hash.encode() + b"\n" + _audit_payload(event)).hexdigest()


@transaction.atomic
def audit_record(
    *,
    user: User | None,
    action: str,
    subject_type: str,
    subject_id: str | int,
    purpose: str = "",
    reason: str = "",
) -> AuditEvent:
    """Record a read, an export or the opening of a restricted record, chained to the
    previous row. The chain head is locked so that rows form one line."""
    if action not in AuditAction.values:
        raise ValidationFailed(f"unknown audit action {action!r}", field="action")
    head, _ = AuditChainHead.objects.select_for_update().get_or_create(
        id=1, defaults={"last_hash": GENESIS_HASH}
    )
    event = AuditEvent(
        at=timezone.now(),
        user=user,
        user_label=(user.email if user else "system"),
        organisation=(user.organisation if user else None),
        action=action,
        subject_type=subject_type,
        subject_id=str(subject_id),
        purpose=purpose[:200],
        reason=reason,
        prev_hash=head.last_hash,
    )
    event.row_hash = audit_row_hash(event, head.last_hash)
    event.save()
    head.last_hash = event.row_hash
    head.count += 1
    head.save(update_fields=["last_hash", "count"])
    return event


@dataclass(frozen=True)
class AuditVerification:
    checked: int
    broken_at: int | None  # id of the first row whose link is broken
    problem: str = ""

    @property
    def ok(self) -> bool:
        return self.broken_at is None


def audit_verify() -> AuditVerification:
    """Walk the chain from the first row; report the first broken link, if any."""
    prev = GENESIS_HASH
    checked = 0
    for event in AuditEvent.objects.order_by("id").iterator(chunk_size=2000):
        if event.prev_hash != prev:
            return AuditVerification(
                checked, event.pk, "its previous-hash does not match the row before it"
            )
        if audit_row_hash(event, prev) != event.row_hash:
            return AuditVerification(checked, event.pk, "its content does not match its hash")
        prev = event.row_hash
        checked += 1
    head = AuditChainHead.objects.filter(id=1).first()
    if head is not None and (head.last_hash != prev or head.count != checked):
        return AuditVerification(
            checked, -1, "rows were removed from the end of the log (head does not match)"
        )
    return AuditVerification(checked, None)


def audit_check_record(*, by: str) -> AuditCheck:
    """Walk the chain and keep the result (a row of its own, in its own transaction)."""
    result = audit_verify()
    return AuditCheck.objects.create(
        checked=result.checked,
        ok=result.ok,
        broken_at=result.broken_at,
        problem=result.problem[:200],
        by=by[:100],
    )


def audit_check_due(now: datetime, every: timedelta) -> bool:
    """Whether the last check is older than ``every`` (or there is none)."""
    last = AuditCheck.objects.order_by("-at").values_list("at", flat=True).first()
    return last is None or now - last >= every


def last_audit_check() -> AuditCheck | None:
    return AuditCheck.objects.order_by("-at", "-id").first()

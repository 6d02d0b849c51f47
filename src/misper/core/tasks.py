"""The core app's part in the worker: the audit log's hash chain is walked on a schedule
(``MISPER_AUDIT_VERIFY_HOURS``, 6 by default), its result kept for the administrators'
page; a broken chain is logged as an error (no personal data: the row id and the problem)."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from misper.core.audit import audit_check_due, audit_check_record
from misper.worker import register_sweep

log = logging.getLogger("misper.audit")


@register_sweep("audit_verify")
def audit_verify_sweep() -> int:
    every = timedelta(hours=float(getattr(settings, "MISPER_AUDIT_VERIFY_HOURS", 6)))
    if not audit_check_due(timezone.now(), every):
        return 0
    check = audit_check_record(by="worker")
    if not check.ok:
        log.error("audit log broken at row %s: %s", check.broken_at, check.problem)
    return 1

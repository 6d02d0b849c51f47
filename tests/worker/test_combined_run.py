"""Issue 5, "Reliability: show it", in one run on PostgreSQL (docs/worker.md, "The fault
run"): 1,000 episodes whose deadlines are due and whose actions send email and signed
webhooks, processed by two real ``misper worker`` processes at once, one of them killed
with SIGKILL again and again, while the SMTP server on loopback is down for a stretch.

The deadline acted on is the absent time limit (R-CLS-09): its handler converts the episode
to missing and tells the child's responsible authority (Vale) of the escalation through the
information-sharing arrangement force -> Vale, which adds email and webhook to the inbox.
(The call-back reminder tells the owning area by inbox only: ``episode_deadline_reminder``
does not consult ``channels_for``. The arrangement force -> North is set up too, so that
when it does, the area's email and webhook messages are counted by the same checks.)

Guarantees checked (docs/notifications.md):

- deadlines: exactly once. Each is acted on in one transaction with its effects; a killed
  worker's transaction rolls back. One ``escalated_to_missing`` event per deadline.
- email and webhook: at-least-once, at most twice here. A worker killed after the
  receiver accepted a message and before it recorded the attempt leaves the message to be
  sent again when its lease runs out (and so does an SMTP server stopped after it took
  the message and before it answered). Every repeat carries the same ``Message-ID`` /
  ``Misper-Event-Id``, so an idempotent receiver drops it: counted by that id, every
  message arrives exactly once. The database records exactly one successful attempt per
  message, and every failed attempt of the outage.

Knobs for a run by hand (``scripts/fault-run.sh``): FAULT_N, FAULT_KILLS, FAULT_GAP,
FAULT_OUTAGE.
"""

from __future__ import annotations

import logging
import os
import re
import signal
import time
from collections import Counter
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.models import Count
from django.utils import timezone

from misper.core.models import Deadline, TimelineEvent
from misper.episodes.models import Episode
from misper.episodes.services import episode_report
from misper.notifications.models import (
    Channel,
    DeliveryAttempt,
    Message,
    MessageStatus,
    SharingArrangement,
    WebhookEndpoint,
)
from tests.episodes.conftest import NOW, report
from tests.notifications.conftest import SMTPServer, webhook_receiver  # noqa: F401

from .harness import database_url, delivering_env, start_worker

N = int(os.environ.get("FAULT_N", "1000"))
KILLS = int(os.environ.get("FAULT_KILLS", "5"))
OUTAGE = float(os.environ.get("FAULT_OUTAGE", "4"))  # seconds; >= 2 poll intervals (0.2 s)
GAP = float(os.environ.get("FAULT_GAP", "4"))  # seconds between kills
SECRET = "combined-run-secret"
MESSAGE_ID = re.compile(rb"^Message-ID: (<[^>]+>)", re.MULTILINE | re.IGNORECASE)
DELIVERY = (Channel.EMAIL, Channel.WEBHOOK)


def make_absent_episodes_due(region: dict[str, Any], n: int) -> list[int]:
    """``n`` open absent episodes (one reported through the service, the rest copies of
    it), each with its absent time limit already due."""
    first = episode_report(
        actor=region["inspector"],
        person_id=region["child"].pk,
        report=report(),
        category="absent",
        now=NOW,
    )
    copies = []
    for _ in range(n - 1):
        e = Episode.objects.get(pk=first.pk)
        e.pk = None
        copies.append(e)
    Episode.objects.bulk_create(copies, batch_size=500)
    ids = list(Episode.objects.values_list("pk", flat=True))
    assert len(ids) == n
    due = timezone.now() - timedelta(minutes=1)
    Deadline.objects.bulk_create(
        [
            Deadline(
                owner="episodes",
                content_type=ContentType.objects.get_for_model(Episode),
                object_id=i,
                kind="absent_limit",
                due=due,
                rule="R-CLS-09",
            )
            for i in ids
        ],
        batch_size=500,
    )
    return ids


def share_by_email_and_webhook(region: dict[str, Any], url: str) -> None:
    for key, address in (("vale", "mash@vale.example.test"), ("area", "duty@north.example.test")):
        org = region[key]
        org.notification_email = address
        org.save(update_fields=["notification_email"])
        SharingArrangement.objects.create(
            from_org=region["force"], to_org=org, channels=[Channel.EMAIL, Channel.WEBHOOK]
        )
        WebhookEndpoint.objects.create(organisation=org, url=url, secret=SECRET)


def undone() -> tuple[int, int]:
    """Open due deadlines, and email/webhook messages not yet delivered."""
    deadlines = Deadline.objects.filter(status="open", due__lte=timezone.now()).count()
    messages = (
        Message.objects.filter(channel__in=DELIVERY).exclude(status=MessageStatus.DELIVERED).count()
    )
    return deadlines, messages


def header(headers: dict[str, str], name: str) -> str:
    return next(v for k, v in headers.items() if k.lower() == name.lower())


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_deadlines_and_notifications_survive_kills_and_an_smtp_outage(
    wmc14,
    webhook_receiver,  # noqa: F811
    tmp_path,
):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: DATABASE_URL=postgres://... (SKIP LOCKED)")
    started = time.monotonic()
    logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd: a line per command
    smtp = SMTPServer()
    smtp.start()
    share_by_email_and_webhook(wmc14, webhook_receiver.url)
    webhook_receiver.secret = SECRET
    ids = make_absent_episodes_due(wmc14, N)
    limits = Deadline.objects.filter(kind="absent_limit", due__lte=timezone.now())
    limit_ids = set(limits.values_list("pk", flat=True))
    assert len(limit_ids) == N

    url = database_url(connection.settings_dict)
    env = delivering_env(url, smtp_port=smtp.port)
    logs = tmp_path / "workers.log"
    steady = start_worker(url, "--worker-id", "steady", log=logs, env=env)
    victim = start_worker(url, "--worker-id", "victim", log=logs, env=env)
    kills: list[tuple[int, int]] = []  # (open deadlines, undelivered messages) at each kill
    outage: tuple[float, float] | None = None
    end = time.monotonic() + 170
    try:
        # Once the workers are under way, kill the victim every GAP seconds until KILLS
        # kills; stop SMTP for OUTAGE seconds after the first kill, then start it again
        # on the same port.
        while undone()[0] == N and time.monotonic() < end:
            time.sleep(0.2)
        while len(kills) < KILLS and time.monotonic() < end:
            time.sleep(GAP)
            kills.append(undone())
            victim.send_signal(signal.SIGKILL)
            victim.wait(timeout=10)
            victim = start_worker(url, "--worker-id", "victim", log=logs, env=env)
            if len(kills) == 1:
                smtp.stop()
                down = time.monotonic()
                time.sleep(OUTAGE)
                smtp.start()
                outage = (down, time.monotonic())
        while any(undone()) and time.monotonic() < end:
            time.sleep(0.5)
    finally:
        for p in (victim, steady):
            p.send_signal(signal.SIGTERM)
        for p in (victim, steady):
            p.wait(timeout=60)
        smtp.stop()
    elapsed = time.monotonic() - started
    log_text = logs.read_text()[-4000:]

    # --- Deadlines: each acted on once --------------------------------------------------
    assert undone() == (0, 0), log_text
    assert limits.count() == N
    assert set(limits.values_list("status", flat=True)) == {"acted"}
    assert set(limits.values_list("attempts", flat=True)) == {1}
    effects = (
        TimelineEvent.objects.filter(verb__in=["deadline_due", "escalated_to_missing"])
        .exclude(changes__deadline=None)
        .values("changes__deadline")
        .annotate(n=Count("id"))
    )
    per_deadline = {e["changes__deadline"]: e["n"] for e in effects}
    acted = set(Deadline.objects.filter(status="acted").values_list("pk", flat=True))
    assert set(per_deadline.values()) == {1}  # never two effects for one deadline
    assert limit_ids <= set(per_deadline) <= acted
    escalated = TimelineEvent.objects.filter(verb="escalated_to_missing")
    assert sorted(int(s) for s in escalated.values_list("subject_id", flat=True)) == sorted(ids)
    assert set(Episode.objects.values_list("category", flat=True)) == {"missing"}

    # --- Messages: every one delivered; one email and one webhook per escalation to Vale -
    delivery = Message.objects.filter(channel__in=DELIVERY)
    assert not Message.objects.exclude(status=MessageStatus.DELIVERED).exists()
    to_vale = delivery.filter(recipient_org=wmc14["vale"], event_key__contains=":escalated:")
    assert to_vale.filter(channel=Channel.EMAIL).count() == N
    assert to_vale.filter(channel=Channel.WEBHOOK).count() == N
    emails = {m.pk: m for m in delivery.filter(channel=Channel.EMAIL).select_related()}
    hooks = set(delivery.filter(channel=Channel.WEBHOOK).values_list("pk", flat=True))
    ok = Counter(DeliveryAttempt.objects.filter(ok=True).values_list("message_id", flat=True))
    assert ok == Counter(dict.fromkeys([*emails, *hooks], 1))  # one success recorded each
    by_message = DeliveryAttempt.objects.values("message_id").annotate(n=Count("id"))
    tries = {a["message_id"]: a["n"] for a in by_message}
    assert all(m.attempts == tries[m.pk] for m in emails.values())

    # --- What the SMTP server received, by Message-ID ------------------------------------
    received: Counter[str] = Counter()
    for raw, rcpts in zip(smtp.received, smtp.handler.recipients, strict=True):
        found = MESSAGE_ID.search(raw)
        assert found, raw[:500]
        received[found.group(1).decode()] += 1
        assert len(rcpts) == 1
    expected = {f"<misper-message-{pk}@misper.example.gov.uk>": m for pk, m in emails.items()}
    assert set(received) == set(expected)  # every email arrived
    assert set(received.values()) <= {1, 2}  # at most one repeat, with the same Message-ID
    for raw, rcpts in zip(smtp.received, smtp.handler.recipients, strict=True):
        m = expected[MESSAGE_ID.search(raw).group(1).decode()]  # type: ignore[union-attr]
        assert rcpts == [m.recipient_org.notification_email]

    # --- What the webhook receiver received, by Misper-Event-Id --------------------------
    assert all(r["signature_ok"] and r["status"] == 200 for r in webhook_receiver.requests)
    seen: Counter[int] = Counter()
    bodies: dict[int, set[bytes]] = {}
    for r in webhook_receiver.requests:
        event_id = int(header(r["headers"], "Misper-Event-Id"))
        assert r["json"]["id"] == event_id
        seen[event_id] += 1
        bodies.setdefault(event_id, set()).add(r["body"])
    # One endpoint per organisation: one request per message, a repeat at most.
    assert set(seen) == hooks
    assert set(seen.values()) <= {1, 2}
    assert all(len(b) == 1 for b in bodies.values())  # a repeat is the same body

    email_repeats = sum(n - 1 for n in received.values())
    hook_repeats = sum(n - 1 for n in seen.values())
    # Each kill leaves at most one message sent and not recorded; stopping the SMTP server
    # can cut at most one conversation per worker after the server took the message.
    assert email_repeats + hook_repeats <= len(kills) + 2

    # --- The outage: failed attempts recorded, then delivered -------------------------------
    assert outage is not None
    failed = DeliveryAttempt.objects.filter(ok=False, message__channel=Channel.EMAIL)
    assert failed.exists(), "no email was attempted while the SMTP server was down"
    assert all(d.startswith("SMTP: ") for d in failed.values_list("detail", flat=True))
    retried = set(failed.values_list("message_id", flat=True))
    assert all(emails[pk].status == MessageStatus.DELIVERED for pk in retried)
    assert not DeliveryAttempt.objects.filter(ok=False, message__channel=Channel.WEBHOOK).exists()
    # Killed mid-run: the first kill while deadlines were being acted on, every kill with
    # deadlines or messages still to do.
    assert len(kills) == KILLS and 0 < kills[0][0] < N and all(map(any, kills)), kills

    print(
        f"\nfault run: {N} episodes, {len(kills)} kills, SMTP down {outage[1] - outage[0]:.1f} s,"
        f" {elapsed:.0f} s in all"
        f"\n  (open due deadlines, undelivered messages) at each kill: {kills}"
        f"\n  deadlines acted: {len(acted)} ({N} absent limits, attempts 1 each);"
        f" effects on the timeline: {sum(per_deadline.values())}"
        f"\n  messages: {Message.objects.count()} delivered"
        f" ({len(emails)} email, {len(hooks)} webhook, rest inbox); none pending/failing/dead"
        f"\n  SMTP server: {sum(received.values())} emails received, {len(received)} distinct"
        f" Message-IDs, {email_repeats} repeats"
        f"\n  webhook receiver: {len(webhook_receiver.requests)} requests, {len(seen)} distinct"
        f" Misper-Event-Ids, {hook_repeats} repeats"
        f"\n  failed attempts recorded during the outage: {failed.count()}"
        f" on {len(retried)} emails, all delivered afterwards"
    )

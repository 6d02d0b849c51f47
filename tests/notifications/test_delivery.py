"""The outbox and its delivery: notify() rules, email to a real SMTP server on loopback,
retries with backoff, the lease that survives a killed worker, and dead messages."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from misper.notifications.models import Channel, DeliveryAttempt, Message, MessageStatus
from misper.notifications.services import (
    LEASE,
    Recipient,
    backoff,
    deliver_due,
    messages_claim,
    notify,
)

pytestmark = pytest.mark.django_db


def _notify(recipient: Recipient, *, event: str = "episode:1:reported", **kw):  # type: ignore[no-untyped-def]
    with transaction.atomic():
        return notify(
            rule=kw.pop("rule", "R-NTF-01"),
            event_key=event,
            subject_type="episode",
            subject_id=kw.pop("subject_id", 1),
            title=kw.pop("title", "A child has been reported missing"),
            link=kw.pop("link", "/episodes/1/"),
            recipients=[recipient],
        )


def _email(messages: list[Message]) -> Message:
    return next(m for m in messages if m.channel == Channel.EMAIL)


# --- notify() ------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_notify_refuses_to_run_outside_a_transaction(make_user):  # type: ignore[no-untyped-def]
    user = make_user()
    with pytest.raises(RuntimeError, match="inside the transaction"):
        notify(
            rule="R-NTF-01",
            event_key="episode:1:reported",
            subject_type="episode",
            subject_id=1,
            title="A child has been reported missing",
            link="/episodes/1/",
            recipients=[Recipient(user=user)],
        )
    assert Message.objects.count() == 0


def test_notify_is_idempotent_per_event_recipient_and_channel(make_user):  # type: ignore[no-untyped-def]
    user = make_user()
    first = _notify(Recipient(user=user, channels=(Channel.EMAIL,)))
    again = _notify(Recipient(user=user, channels=(Channel.EMAIL,)))
    assert sorted(m.channel for m in first) == ["email", "inbox"]
    assert again == []
    assert Message.objects.count() == 2
    inbox = Message.objects.get(channel=Channel.INBOX)
    assert inbox.status == MessageStatus.DELIVERED  # the inbox needs no transport
    assert Message.objects.get(channel=Channel.EMAIL).status == MessageStatus.PENDING


def test_backoff_doubles_from_thirty_seconds_and_stops_at_an_hour():
    assert [backoff(n).total_seconds() for n in range(1, 10)] == [
        30,
        60,
        120,
        240,
        480,
        960,
        1920,
        3600,
        3600,
    ]


# --- email over real SMTP ------------------------------------------------------------------


def test_email_arrives_once_with_the_link_and_no_personal_data(smtp, make_user, settings):  # type: ignore[no-untyped-def]
    from misper.people.models import Person

    settings.SITE_URL = "https://misper.example.gov.uk"
    child = Person.objects.create(given_name="Zelda", family_name="Quinton", estimated_age=13)
    user = make_user(email="duty.social.worker@example.test")
    message = _email(
        _notify(
            Recipient(user=user, channels=(Channel.EMAIL,)),
            event=f"person:{child.pk}:episode_reported",
            subject_id=child.pk,
            link=f"/people/{child.pk}/",
        )
    )

    assert deliver_due(worker_id="w1") == 1
    assert deliver_due(worker_id="w1") == 0  # delivered messages are never claimed again

    assert len(smtp.received) == 1
    raw = smtp.received[0]
    assert smtp.handler.recipients == [["duty.social.worker@example.test"]]
    assert f"https://misper.example.gov.uk/people/{child.pk}/".encode() in raw
    assert b"A child has been reported missing" in raw
    assert f"Message-ID: <misper-message-{message.pk}@misper.example.gov.uk>".encode() in raw
    for word in (b"Zelda", b"Quinton", b"zelda", b"quinton"):
        assert word not in raw
    message.refresh_from_db()
    assert message.status == MessageStatus.DELIVERED
    assert message.delivered_at is not None
    assert [a.ok for a in message.deliveries.all()] == [True]


def test_email_to_an_organisation_goes_to_its_notification_address(smtp, make_org):  # type: ignore[no-untyped-def]
    org = make_org(notification_email="mash@vale.example.test")
    _notify(Recipient(organisation=org, channels=(Channel.EMAIL,)))
    deliver_due(worker_id="w1")
    assert smtp.handler.recipients == [["mash@vale.example.test"]]


def test_smtp_down_then_up_retries_with_backoff_and_keeps_every_attempt(smtp, make_user):  # type: ignore[no-untyped-def]
    user = make_user()
    message = _email(_notify(Recipient(user=user, channels=(Channel.EMAIL,))))
    smtp.stop()

    before = timezone.now()
    assert deliver_due(worker_id="w1") == 1
    message.refresh_from_db()
    assert message.status == MessageStatus.FAILING
    assert message.attempts == 1
    assert message.last_error.startswith("SMTP: ")
    assert before + timedelta(seconds=29) <= message.next_attempt_at
    assert message.next_attempt_at <= timezone.now() + timedelta(seconds=31)

    # Not due yet: nothing is attempted.
    assert deliver_due(worker_id="w1") == 0
    # Due, and the server is still down: the wait doubles.
    assert deliver_due(worker_id="w1", now=timezone.now() + timedelta(seconds=31)) == 1
    message.refresh_from_db()
    assert (message.status, message.attempts) == (MessageStatus.FAILING, 2)
    wait = message.next_attempt_at - timezone.now()
    assert timedelta(seconds=55) < wait <= timedelta(seconds=60)

    smtp.start()
    assert deliver_due(worker_id="w1", now=timezone.now() + timedelta(seconds=61)) == 1
    message.refresh_from_db()
    assert message.status == MessageStatus.DELIVERED
    assert message.attempts == 3
    assert message.last_error == ""
    attempts = list(message.deliveries.all())
    assert [a.ok for a in attempts] == [False, False, True]
    assert all(a.detail for a in attempts[:2])
    assert len(smtp.received) == 1


def test_a_message_that_keeps_failing_is_dead_and_every_administrator_is_told(  # type: ignore[no-untyped-def]
    smtp, make_user, settings
):
    settings.MISPER_NOTIFY_MAX_ATTEMPTS = 3
    admin_a = make_user("system_administrator")
    admin_b = make_user("system_administrator")
    bystander = make_user()
    user = make_user()
    message = _email(_notify(Recipient(user=user, channels=(Channel.EMAIL,))))
    smtp.stop()

    later = timezone.now()
    for _ in range(3):
        later += timedelta(hours=1, seconds=1)
        assert deliver_due(worker_id="w1", now=later) == 1
    message.refresh_from_db()
    assert message.status == MessageStatus.DEAD
    assert message.attempts == 3
    assert message.deliveries.filter(ok=False).count() == 3

    # Never dropped, never retried by itself: it waits for an administrator.
    assert deliver_due(worker_id="w1", now=later + timedelta(days=1)) == 0
    reports = Message.objects.filter(rule="SYS-NTF-DEAD", channel=Channel.INBOX)
    assert {m.recipient_user_id for m in reports} == {admin_a.pk, admin_b.pk}
    assert not reports.filter(recipient_user=bystander).exists()
    assert all(m.link == f"/inbox/deliveries/{message.pk}/" for m in reports)


def test_no_email_address_is_dead_at_once_with_a_clear_reason(make_org, make_user):  # type: ignore[no-untyped-def]
    admin = make_user("system_administrator")
    org = make_org(notification_email="")
    message = _email(_notify(Recipient(organisation=org, channels=(Channel.EMAIL,))))
    deliver_due(worker_id="w1")
    message.refresh_from_db()
    assert message.status == MessageStatus.DEAD
    assert message.last_error == "the recipient organisation has no email address"
    assert Message.objects.filter(rule="SYS-NTF-DEAD", recipient_user=admin).count() == 1


# --- the lease: a worker killed mid-send ---------------------------------------------------


def test_a_claimed_message_is_left_alone_until_the_lease_runs_out(smtp, make_user):  # type: ignore[no-untyped-def]
    user = make_user()
    message = _email(_notify(Recipient(user=user, channels=(Channel.EMAIL,))))

    # Worker A claims the message and is killed before it sends or records anything.
    assert messages_claim(worker_id="killed") == [message.pk]
    # While the lease runs, no other worker touches it.
    assert deliver_due(worker_id="w2") == 0
    assert smtp.received == []
    # After the lease, the next worker delivers it.
    assert deliver_due(worker_id="w2", now=timezone.now() + LEASE + timedelta(seconds=1)) == 1
    message.refresh_from_db()
    assert message.status == MessageStatus.DELIVERED
    assert len(smtp.received) == 1
    assert list(DeliveryAttempt.objects.values_list("worker", "ok")) == [("w2", True)]
    assert message.claimed_by == ""
    assert message.claimed_until is None


def test_a_worker_that_lost_its_lease_does_not_record_over_the_new_owner(make_user):  # type: ignore[no-untyped-def]
    from misper.notifications.services import _record

    user = make_user()
    message = _email(_notify(Recipient(user=user, channels=(Channel.EMAIL,))))
    messages_claim(worker_id="slow")
    messages_claim(worker_id="next", now=timezone.now() + LEASE + timedelta(seconds=1))
    assert _record(message_id=message.pk, worker_id="slow", error=None) is None
    message.refresh_from_db()
    assert (message.status, message.claimed_by) == (MessageStatus.PENDING, "next")
    assert message.deliveries.count() == 0


def test_the_worker_runs_the_delivery_sweep(smtp, make_user):  # type: ignore[no-untyped-def]
    from misper.worker import SWEEPS, discover_sweeps

    discover_sweeps()
    user = make_user()
    _notify(Recipient(user=user, channels=(Channel.EMAIL,)))
    assert SWEEPS["deliver_messages"]() == 1
    assert len(smtp.received) == 1

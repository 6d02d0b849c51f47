"""Signed webhooks to a real HTTP receiver on loopback."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from misper.notifications.models import Channel, Message, MessageStatus
from misper.notifications.services import (
    Recipient,
    deliver_due,
    notify,
    webhook_endpoint_add,
    webhook_endpoint_deactivate,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(make_user):  # type: ignore[no-untyped-def]
    return make_user("system_administrator")


def _webhook_message(org) -> Message:  # type: ignore[no-untyped-def]
    with transaction.atomic():
        made = notify(
            rule="R-NTF-01",
            event_key="episode:7:reported",
            subject_type="episode",
            subject_id=7,
            title="A child has been reported missing",
            link="/episodes/7/",
            recipients=[Recipient(organisation=org, channels=(Channel.WEBHOOK,))],
        )
    return next(m for m in made if m.channel == Channel.WEBHOOK)


def test_the_receiver_verifies_the_signature_and_gets_ids_only(  # type: ignore[no-untyped-def]
    webhook_receiver, make_org, admin, settings
):
    settings.SITE_URL = "https://misper.example.gov.uk"
    org = make_org()
    created = webhook_endpoint_add(actor=admin, organisation_id=org.pk, url=webhook_receiver.url)
    webhook_receiver.secret = created.secret
    message = _webhook_message(org)

    assert deliver_due(worker_id="w1") == 1
    assert deliver_due(worker_id="w1") == 0

    [request] = webhook_receiver.requests
    assert request["signature_ok"] is True
    assert request["headers"]["Misper-Event-Id"] == str(message.pk)
    assert abs(int(request["headers"]["Misper-Timestamp"]) - timezone.now().timestamp()) < 60
    assert request["json"] == {
        "id": message.pk,
        "event": "episode:7:reported",
        "rule": "R-NTF-01",
        "title": "A child has been reported missing",
        "link": "https://misper.example.gov.uk/episodes/7/",
        "created_at": message.created_at.isoformat(),
    }
    message.refresh_from_db()
    assert message.status == MessageStatus.DELIVERED


def test_a_wrong_secret_fails_verification(webhook_receiver, make_org, admin):  # type: ignore[no-untyped-def]
    org = make_org()
    webhook_endpoint_add(actor=admin, organisation_id=org.pk, url=webhook_receiver.url)
    webhook_receiver.secret = "whsec_not-the-secret"
    _webhook_message(org)
    deliver_due(worker_id="w1")
    assert [r["signature_ok"] for r in webhook_receiver.requests] == [False]


def test_a_500_is_retried_with_backoff_then_delivered(webhook_receiver, make_org, admin):  # type: ignore[no-untyped-def]
    org = make_org()
    webhook_receiver.secret = webhook_endpoint_add(
        actor=admin, organisation_id=org.pk, url=webhook_receiver.url
    ).secret
    webhook_receiver.statuses = [500]
    message = _webhook_message(org)

    deliver_due(worker_id="w1")
    message.refresh_from_db()
    assert message.status == MessageStatus.FAILING
    assert "HTTP 500" in message.last_error
    assert message.next_attempt_at > timezone.now() + timedelta(seconds=25)

    deliver_due(worker_id="w1", now=timezone.now() + timedelta(seconds=31))
    message.refresh_from_db()
    assert message.status == MessageStatus.DELIVERED
    assert [a.ok for a in message.deliveries.all()] == [False, True]
    # The same event id both times: a receiver can drop a repeat.
    assert [r["headers"]["Misper-Event-Id"] for r in webhook_receiver.requests] == [
        str(message.pk)
    ] * 2
    assert all(r["signature_ok"] for r in webhook_receiver.requests)


def test_a_receiver_that_is_down_is_a_failed_attempt(make_org, admin):  # type: ignore[no-untyped-def]
    from tests.notifications.conftest import free_port

    org = make_org()
    webhook_endpoint_add(
        actor=admin, organisation_id=org.pk, url=f"http://127.0.0.1:{free_port()}/hook"
    )
    message = _webhook_message(org)
    deliver_due(worker_id="w1")
    message.refresh_from_db()
    assert message.status == MessageStatus.FAILING
    assert message.last_error.startswith("webhook: endpoint ")


def test_no_active_endpoint_is_dead_with_a_clear_reason(webhook_receiver, make_org, admin):  # type: ignore[no-untyped-def]
    org = make_org()
    endpoint = webhook_endpoint_add(
        actor=admin, organisation_id=org.pk, url=webhook_receiver.url
    ).endpoint
    webhook_endpoint_deactivate(actor=admin, endpoint_id=endpoint.pk)
    message = _webhook_message(org)
    deliver_due(worker_id="w1")
    message.refresh_from_db()
    assert message.status == MessageStatus.DEAD
    assert message.last_error == "the organisation has no active webhook endpoint"
    assert webhook_receiver.requests == []
    assert Message.objects.filter(rule="SYS-NTF-DEAD", recipient_user=admin).exists()


def test_only_administrators_manage_endpoints(make_org, make_user):  # type: ignore[no-untyped-def]
    from misper.core.errors import NotFound, ValidationFailed

    org = make_org()
    with pytest.raises(NotFound):
        webhook_endpoint_add(actor=make_user(), organisation_id=org.pk, url="https://x.test/h")
    admin = make_user("system_administrator")
    with pytest.raises(ValidationFailed):
        webhook_endpoint_add(actor=admin, organisation_id=org.pk, url="ftp://x.test/h")
    assert not org.webhook_endpoints.exists()

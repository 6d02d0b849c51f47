"""Two workers at once on PostgreSQL: SKIP LOCKED gives each message to one of them."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, transaction
from django.db.models import Count, Q

from misper.notifications.models import Channel, Message, MessageStatus
from misper.notifications.services import Recipient, deliver_due, notify

N = 200


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_workers_deliver_each_of_200_messages_exactly_once(smtp, make_org):  # type: ignore[no-untyped-def]
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: run with DATABASE_URL=postgres://... (SKIP LOCKED)")
    org = make_org(notification_email="mash@vale.example.test")
    with transaction.atomic():
        for i in range(N):
            notify(
                rule="R-NTF-01",
                event_key=f"episode:{i}:reported",
                subject_type="episode",
                subject_id=i,
                title="A child has been reported missing",
                link=f"/episodes/{i}/",
                recipients=[Recipient(organisation=org, channels=(Channel.EMAIL,))],
            )
    start = threading.Barrier(2)
    done: dict[str, int] = {}
    errors: list[BaseException] = []

    def work(name: str) -> None:
        from django.db import connection as own

        try:
            start.wait(timeout=10)
            total = 0
            while n := deliver_due(worker_id=name, limit=5):
                total += n
            done[name] = total
        except BaseException as exc:
            errors.append(exc)
        finally:
            own.close()

    threads = [threading.Thread(target=work, args=(f"w{i}",)) for i in (1, 2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert errors == []
    assert sum(done.values()) == N
    assert all(done.values()), f"one worker did everything: {done}"
    emails = Message.objects.filter(channel=Channel.EMAIL)
    assert emails.filter(status=MessageStatus.DELIVERED).count() == N
    per_message = emails.annotate(ok=Count("deliveries", filter=Q(deliveries__ok=True)))
    assert sorted({m.ok for m in per_message}) == [1]
    assert emails.annotate(n=Count("deliveries")).filter(n__gt=1).count() == 0
    assert len(smtp.received) == N

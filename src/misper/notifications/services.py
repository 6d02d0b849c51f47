"""Writing to the outbox. ``notify`` is called by another app's service inside its
transaction, so the message commits with the change that causes it, or not at all."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

import rules
from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import URLValidator
from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from misper.agencies.models import Organisation, OrganisationKind, User
from misper.agencies.roles import Role
from misper.core.errors import NotFound, ValidationFailed
from misper.core.timeline import timeline_record
from misper.notifications.events import NotificationsVerb
from misper.notifications.models import (
    Channel,
    DeliveryAttempt,
    FlagPlacement,
    Message,
    MessageStatus,
    SharingArrangement,
    WebhookEndpoint,
)

if TYPE_CHECKING:
    from misper.notifications.transports import DeliveryError

log = logging.getLogger("misper.notifications")

MAX_TITLE = 200


@dataclass(frozen=True)
class Recipient:
    """A person or an organisation, and the channels to use. The in-app inbox is always
    one of them."""

    user: User | None = None
    organisation: Organisation | None = None
    channels: tuple[str, ...] = (Channel.INBOX,)


def notify(
    *,
    rule: str,
    event_key: str,
    subject_type: str,
    subject_id: str | int,
    title: str,
    link: str,
    recipients: Iterable[Recipient],
) -> list[Message]:
    """Queue one message per recipient and channel. Idempotent per (event, channel,
    recipient): a repeated call adds nothing. ``title`` and ``link`` must carry no
    personal data about a child (ids only in ``link``)."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("notify must run inside the transaction of the change it reports")
    if len(title) > MAX_TITLE:
        raise ValueError("notification titles are short and carry no personal data")
    if not link.startswith("/"):
        raise ValueError("a notification links to a path in Misper")
    wanted: dict[tuple[str, str], Message] = {}
    for r in recipients:
        if (r.user is None) == (r.organisation is None):
            raise ValueError("a recipient is a user or an organisation")
        for channel in dict.fromkeys((Channel.INBOX, *r.channels)):
            if channel not in Channel.values:
                raise ValueError(f"unknown channel {channel!r}")
            key = f"user:{r.user.pk}" if r.user is not None else f"org:{r.organisation.pk}"  # type: ignore[union-attr]
            wanted.setdefault(
                (channel, key),
                Message(
                    rule=rule,
                    event_key=event_key,
                    channel=channel,
                    recipient_user=r.user,
                    recipient_org=r.organisation,
                    recipient_key=key,
                    subject_type=subject_type,
                    subject_id=str(subject_id),
                    title=title,
                    link=link,
                    # The inbox needs no transport: it is delivered as written.
                    status=(
                        MessageStatus.DELIVERED
                        if channel == Channel.INBOX
                        else MessageStatus.PENDING
                    ),
                    delivered_at=timezone.now() if channel == Channel.INBOX else None,
                ),
            )
    if not wanted:
        return []
    # One look-up and one insert for the whole event (a deadline's reminder tells several
    # people: one query each cost the worker, docs/benchmarks.md "Worker: deadline delay").
    told = set(
        Message.objects.filter(
            event_key=event_key, recipient_key__in={key for _, key in wanted}
        ).values_list("channel", "recipient_key")
    )
    new = [m for k, m in wanted.items() if k not in told]
    try:
        with transaction.atomic():
            return Message.objects.bulk_create(new)
    except IntegrityError:
        pass  # a concurrent call for the same event wrote some: one by one, skipping those
    made = []
    for m in new:
        try:
            with transaction.atomic():
                m.pk = None
                m.save(force_insert=True)
                made.append(m)
        except IntegrityError:
            continue
    return made


def messages_withdraw(
    *, subject_type: str, subject_id: str | int, keep_user_ids: Iterable[int] = ()
) -> int:
    """Withdraw the messages about a subject that has just been restricted (R-RES-01): they
    leave every inbox, and those not yet sent are never sent, except the messages to the
    users in ``keep_user_ids`` (who may open the record). Call it inside the transaction
    of the restriction. Returns how many were withdrawn."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("messages_withdraw must run inside the restriction's transaction")
    return (
        Message.objects.filter(subject_type=subject_type, subject_id=str(subject_id))
        .exclude(status=MessageStatus.WITHDRAWN)
        .exclude(recipient_user_id__in=list(keep_user_ids))
        .update(status=MessageStatus.WITHDRAWN, claimed_by="", claimed_until=None)
    )


# --- Delivery ------------------------------------------------------------------------------
#
# The worker's ``deliver_messages`` sweep calls ``deliver_due``. Delivery is at-least-once
# with idempotent receivers; the steps, and what a crash at each step leaves behind:
#
# 1. Claim: in one short transaction, pick due messages (pending or failing, next attempt
#    due, not leased by a live worker) and lease them to this worker (``claimed_by``,
#    ``claimed_until``). PostgreSQL: ``SELECT ... FOR UPDATE SKIP LOCKED`` so concurrent
#    workers take different rows without waiting. SQLite: the same query; its transactions
#    are IMMEDIATE (settings), so one writer claims at a time. A crash here rolls back.
# 2. Send, outside any transaction (no row lock is held across the network). A crash here
#    leaves the lease to run out; then another worker claims and sends the message again.
# 3. Record, in one transaction: a DeliveryAttempt (ok, or the error), and the message
#    becomes delivered (never claimed again), failing with a backoff, or dead. The record is
#    written only if this worker still holds the lease.
#
# The one gap is a worker that dies after the recipient accepted the message and before
# step 3 commits: the message is sent again after the lease. That is why every email has a
# Message-ID and every webhook a Misper-Event-Id header derived from the message id: a
# receiver that has seen the id already drops the repeat. A delivered message is never sent
# again, and a failed one is never dropped: after ``MISPER_NOTIFY_MAX_ATTEMPTS`` it is dead,
# and every system administrator is told (rule SYS-NTF-DEAD).

DELIVERY_CHANNELS = (Channel.EMAIL, Channel.WEBHOOK)
BATCH = 20
LEASE = timedelta(minutes=5)
BACKOFF_BASE = timedelta(seconds=30)
BACKOFF_CAP = timedelta(hours=1)
# Misper's own rule, deliberately not a policy-catalogue id: the catalogue's notification
# ids are about children and episodes, and a delivery failure is neither.
DEAD_RULE = "SYS-NTF-DEAD"


def max_attempts() -> int:
    return int(getattr(settings, "MISPER_NOTIFY_MAX_ATTEMPTS", 12))


def backoff(attempts: int) -> timedelta:
    """The wait after the ``attempts``-th failed attempt: 30 s, 1 min, 2 min, ... 1 hour
    (the base is ``MISPER_NOTIFY_BACKOFF_SECONDS``, shorter only in tests and fault runs)."""
    base = timedelta(
        seconds=getattr(settings, "MISPER_NOTIFY_BACKOFF_SECONDS", BACKOFF_BASE.total_seconds())
    )
    return min(base * 2 ** max(attempts - 1, 0), BACKOFF_CAP)


def lease() -> timedelta:
    """How long a claimed message is this worker's: ``LEASE`` unless
    ``MISPER_NOTIFY_LEASE_SECONDS`` says otherwise (shorter only in tests and fault runs)."""
    seconds = getattr(settings, "MISPER_NOTIFY_LEASE_SECONDS", None)
    return LEASE if seconds is None else timedelta(seconds=seconds)


def messages_claim(*, worker_id: str, now: datetime | None = None, limit: int = BATCH) -> list[int]:
    """Lease up to ``limit`` due messages to this worker; return their ids."""
    now = now or timezone.now()
    with transaction.atomic():
        due = (
            Message.objects.filter(
                channel__in=DELIVERY_CHANNELS,
                status__in=(MessageStatus.PENDING, MessageStatus.FAILING),
                next_attempt_at__lte=now,
            )
            .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lte=now))
            .order_by("next_attempt_at", "id")
        )
        if connection.features.has_select_for_update_skip_locked:
            due = due.select_for_update(skip_locked=True)
        ids = list(due.values_list("id", flat=True)[:limit])
        if ids:
            Message.objects.filter(id__in=ids).update(
                claimed_by=worker_id, claimed_until=now + lease()
            )
    return ids


def _record(*, message_id: int, worker_id: str, error: DeliveryError | None) -> str | None:
    """Write the attempt and the message's new state. Returns the new status, or None if
    this worker lost its lease (another worker has the message now)."""
    now = timezone.now()
    with transaction.atomic():
        message = (
            Message.objects.select_for_update()
            .filter(pk=message_id, claimed_by=worker_id)
            .exclude(status__in=(MessageStatus.DELIVERED, MessageStatus.DEAD))
            .first()
        )
        if message is None:
            return None
        DeliveryAttempt.objects.create(
            message=message,
            at=now,
            worker=worker_id[:100],
            ok=error is None,
            detail="" if error is None else error.detail,
        )
        message.attempts += 1
        message.claimed_by = ""
        message.claimed_until = None
        if error is None:
            message.status = MessageStatus.DELIVERED
            message.delivered_at = now
            message.last_error = ""
        else:
            message.last_error = error.detail
            if error.permanent or message.attempts >= max_attempts():
                message.status = MessageStatus.DEAD
                _report_dead(message)
            else:
                message.status = MessageStatus.FAILING
                message.next_attempt_at = now + backoff(message.attempts)
        message.save(
            update_fields=[
                "attempts",
                "claimed_by",
                "claimed_until",
                "status",
                "delivered_at",
                "last_error",
                "next_attempt_at",
            ]
        )
        return message.status


def _report_dead(message: Message) -> None:
    """Tell every active system administrator, in their inbox, that a message is dead."""
    admins = User.objects.filter(
        is_active=True, role_assignments__role=Role.SYSTEM_ADMIN
    ).distinct()
    notify(
        rule=DEAD_RULE,
        event_key=f"message:{message.pk}:dead",
        subject_type="message",
        subject_id=message.pk,
        title=f"A {message.get_channel_display().lower()} notification could not be delivered",
        link=reverse("notifications:delivery", args=[message.pk]),
        recipients=[Recipient(user=admin) for admin in admins],
    )


def deliver_due(*, worker_id: str, limit: int = BATCH, now: datetime | None = None) -> int:
    """Claim, send and record one batch of due messages; return how many were attempted.
    ``now`` is for tests that step past a backoff; the worker leaves it to the clock."""
    from misper.notifications.transports import DeliveryError, transport_for

    done = 0
    for message_id in messages_claim(worker_id=worker_id, limit=limit, now=now):
        message = Message.objects.select_related("recipient_user", "recipient_org").get(
            pk=message_id
        )
        error: DeliveryError | None = None
        try:
            transport_for(message.channel)(message)
        except DeliveryError as exc:
            error = exc
        except Exception as exc:  # a bug in a transport must not lose the message
            log.exception("transport %s failed on message %s", message.channel, message_id)
            error = DeliveryError(f"unexpected error: {type(exc).__name__}: {exc}")
        _record(message_id=message_id, worker_id=worker_id, error=error)
        done += 1
    return done


# --- The inbox -----------------------------------------------------------------------------


def message_mark_read(*, actor: User, message_id: int) -> Message:
    """The user opened the message. Organisation messages are shared by its members: one
    member opening it marks it read for all of them."""
    from misper.notifications.selectors import get_message_for_user

    with transaction.atomic():
        message = get_message_for_user(actor, message_id, for_update=True)
        if message.read_at is None:
            message.read_at = timezone.now()
            message.save(update_fields=["read_at"])
    return message


def message_acknowledge(*, actor: User, message_id: int) -> Message:
    """The user has dealt with the message. A timeline event on the message records who
    and when; acknowledging twice changes nothing. Another user's or organisation's message
    is NotFound, exactly as if it did not exist."""

    from misper.notifications.selectors import get_message_for_user

    with transaction.atomic():
        message = get_message_for_user(actor, message_id, for_update=True)
        if message.acknowledged_at is not None:
            return message
        now = timezone.now()
        message.acknowledged_at = now
        message.acknowledged_by = actor
        message.read_at = message.read_at or now
        message.save(update_fields=["acknowledged_at", "acknowledged_by", "read_at"])
        timeline_record(
            actor=actor,
            subject_type="message",
            subject_id=message.pk,
            verb=NotificationsVerb.MESSAGE_ACKNOWLEDGED,
            changes={"rule": message.rule, "event": message.event_key},
            rule_ids=[message.rule],
            at=now,
        )
    return message


# --- Webhook endpoints (system administrators) --------------------------------------------


@dataclass(frozen=True)
class NewEndpoint:
    endpoint: WebhookEndpoint
    secret: str  # shown once


def _require_admin(actor: User) -> None:
    if not rules.has_perm("notifications.administer", actor):
        raise NotFound("No such page")


def webhook_endpoint_add(*, actor: User, organisation_id: int, url: str) -> NewEndpoint:
    """Add an endpoint with a new random secret. The secret is returned once; Misper keeps
    it (it signs every request with it) but never shows it again."""
    _require_admin(actor)
    url = (url or "").strip()
    try:
        URLValidator(schemes=["http", "https"])(url)
    except DjangoValidationError:
        raise ValidationFailed(
            "Enter a web address starting http:// or https://", field="url"
        ) from None
    if len(url) > 500:
        raise ValidationFailed("The web address must be 500 characters or fewer", field="url")
    org = Organisation.objects.filter(pk=organisation_id).first()
    if org is None:
        raise ValidationFailed("Choose an organisation", field="organisation")

    secret = "whsec_" + secrets.token_urlsafe(32)
    with transaction.atomic():
        endpoint = WebhookEndpoint.objects.create(organisation=org, url=url, secret=secret)
        timeline_record(
            actor=actor,
            subject_type="webhook_endpoint",
            subject_id=endpoint.pk,
            verb=NotificationsVerb.WEBHOOK_ENDPOINT_ADDED,
            changes={"organisation": org.name, "url": url},
        )
    return NewEndpoint(endpoint=endpoint, secret=secret)


def webhook_endpoint_deactivate(*, actor: User, endpoint_id: int) -> WebhookEndpoint:
    _require_admin(actor)

    with transaction.atomic():
        endpoint = WebhookEndpoint.objects.select_for_update().filter(pk=endpoint_id).first()
        if endpoint is None:
            raise NotFound("No such webhook endpoint")
        if endpoint.active:
            endpoint.active = False
            endpoint.save(update_fields=["active"])
            timeline_record(
                actor=actor,
                subject_type="webhook_endpoint",
                subject_id=endpoint.pk,
                verb=NotificationsVerb.WEBHOOK_ENDPOINT_DEACTIVATED,
                changes={"url": endpoint.url},
            )
    return endpoint


# --- Information-sharing arrangements ---------------------------------------------------


def arrangement_save(
    *,
    actor: User,
    from_org: Organisation,
    to_org: Organisation,
    channels: list[str],
    note: str = "",
    active: bool = True,
    flag_placement: str = FlagPlacement.REQUEST,
) -> SharingArrangement:
    """Create or change the arrangement by which ``to_org`` is told about ``from_org``'s
    events, and through which extra channels (R-NTF-*; R-FLG-01 per agreement)."""
    _require_admin(actor)
    extra = [c for c in dict.fromkeys(channels) if c != Channel.INBOX]
    bad = [c for c in extra if c not in (Channel.EMAIL, Channel.WEBHOOK)]
    if bad:
        raise ValidationFailed(f"Unknown channel {bad[0]!r}", field="channels")
    if from_org.pk == to_org.pk:
        raise ValidationFailed("An organisation needs no arrangement with itself", field="to_org")
    if len(note) > 300:
        raise ValidationFailed("The note must be 300 characters or fewer", field="note")
    if flag_placement not in FlagPlacement.values:
        raise ValidationFailed(
            "Choose how flags are placed: direct, request or none", field="flag_placement"
        )
    if flag_placement != FlagPlacement.REQUEST and not (
        from_org.kind == OrganisationKind.LOCAL_AUTHORITY
        and to_org.kind == OrganisationKind.POLICE_FORCE
    ):
        raise ValidationFailed(
            "Flags are placed under an arrangement from a local authority to a police force "
            "(R-FLG-01)",
            field="flag_placement",
        )
    with transaction.atomic():
        arrangement, created = SharingArrangement.objects.select_for_update().get_or_create(
            from_org=from_org,
            to_org=to_org,
            defaults={
                "channels": extra,
                "note": note,
                "active": active,
                "flag_placement": flag_placement,
            },
        )
        old = {
            "channels": arrangement.channels,
            "active": arrangement.active,
            "flag_placement": arrangement.flag_placement,
        }
        if not created:
            arrangement.channels, arrangement.note, arrangement.active = extra, note, active
            arrangement.flag_placement = flag_placement
            arrangement.save(update_fields=["channels", "note", "active", "flag_placement"])
        timeline_record(
            actor=actor,
            subject_type="organisation",
            subject_id=from_org.pk,
            verb=NotificationsVerb.SHARING_ARRANGEMENT_CREATED
            if created
            else NotificationsVerb.SHARING_ARRANGEMENT_CHANGED,
            changes={
                "to": to_org.name,
                "channels": extra,
                "active": active,
                "flag_placement": flag_placement,
                **({} if created else {"before": old}),
            },
            rationale=note,
        )
    return arrangement


def channels_for(from_org: Organisation | None, to_org: Organisation) -> tuple[str, ...]:
    """The channels through which ``to_org`` hears about ``from_org``'s events: the
    inbox always, plus those of an active arrangement."""
    if from_org is None:
        return (Channel.INBOX,)
    # At most one active arrangement per pair (a unique constraint): no ordering needed,
    # and only its channels are read (this runs for every message a deadline sends).
    channels = SharingArrangement.objects.filter(
        from_org=from_org, to_org=to_org, active=True
    ).values_list("channels", flat=True)
    return (Channel.INBOX, *next(iter(channels.order_by()[:1]), ()))


def flag_placement_between(authority: Organisation, force: Organisation) -> str:
    """How ``authority``'s children's services flag a child with ``force`` (R-FLG-01):
    the active arrangement's ``flag_placement``, or ``request`` without one."""
    arrangement = SharingArrangement.objects.filter(
        from_org=authority, to_org=force, active=True
    ).first()
    return arrangement.flag_placement if arrangement else FlagPlacement.REQUEST


def coordinators_of(force: Organisation) -> list[Recipient]:
    """The missing person and CSE coordinators of a police force and its areas; the force
    itself where it has none (R-PPA-02, R-TRG-01)."""
    users = User.objects.filter(
        organisation__in=[force, *force.children.all()],
        is_active=True,
        role_assignments__role__in=[Role.MISSING_PERSON_COORDINATOR, Role.CSE_COORDINATOR],
    ).distinct()
    return [Recipient(user=u) for u in users] or [Recipient(organisation=force)]


def members_with_roles(org: Organisation, *roles: str) -> list[Recipient]:
    """The active members of ``org`` holding any of ``roles``; the organisation itself
    where nobody does."""
    users = User.objects.filter(
        organisation=org, is_active=True, role_assignments__role__in=list(roles)
    ).distinct()
    return [Recipient(user=u) for u in users] or [Recipient(organisation=org)]

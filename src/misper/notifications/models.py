"""The outbox. A message is written in the same transaction as the change that causes
it (``services.notify``) and delivered later by the worker through one channel: the
in-app inbox, email or a signed webhook. Messages carry no personal data about a child:
a title that says something needs attention, and a link to the record (which needs
sign-in). This app knows recipients and messages, never episodes or children."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from misper.agencies.models import Organisation


class Channel(models.TextChoices):
    INBOX = "inbox", "In-app inbox"
    EMAIL = "email", "Email"
    WEBHOOK = "webhook", "Webhook"


class MessageStatus(models.TextChoices):
    PENDING = "pending", "Waiting to be sent"
    DELIVERED = "delivered", "Delivered"
    FAILING = "failing", "Failing: will be retried"
    DEAD = "dead", "Failed: needs an administrator"
    WITHDRAWN = "withdrawn", "Withdrawn: its record was restricted"


class Message(models.Model):
    """One message to one recipient over one channel.

    ``event_key`` names the change that caused it (for example ``episode:12:reported``);
    the unique constraint means a recipient is told about an event once per channel, even
    if the service that caused it runs twice."""

    created_at = models.DateTimeField(default=timezone.now)
    rule = models.CharField(max_length=32, help_text="The rule that sent it, e.g. R-NTF-01.")
    event_key = models.CharField(max_length=120)
    channel = models.CharField(max_length=8, choices=Channel.choices)
    recipient_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="messages",
    )
    recipient_org = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.PROTECT, related_name="messages"
    )
    recipient_key = models.CharField(
        max_length=40, help_text="'user:<id>' or 'org:<id>': one key, so uniqueness holds."
    )
    subject_type = models.CharField(max_length=48)
    subject_id = models.CharField(max_length=64)
    title = models.CharField(max_length=200, help_text="No personal data: what needs attention.")
    link = models.CharField(max_length=300, help_text="A path in Misper; ids only.")
    status = models.CharField(
        max_length=10, choices=MessageStatus.choices, default=MessageStatus.PENDING
    )
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    delivered_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # A lease: the worker that claimed the message to send it, and until when. A worker
    # killed mid-send leaves the message to be claimed again once the lease has run out.
    claimed_by = models.CharField(max_length=100, blank=True)
    claimed_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["event_key", "channel", "recipient_key"],
                name="message_once_per_event_recipient_channel",
            ),
            models.CheckConstraint(
                condition=models.Q(recipient_user__isnull=False)
                | models.Q(recipient_org__isnull=False),
                name="message_has_a_recipient",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"]),
            models.Index(fields=["recipient_user", "channel", "acknowledged_at"]),
            models.Index(fields=["recipient_org", "channel", "acknowledged_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.channel} {self.title}"


class DeliveryAttempt(models.Model):
    """Every attempt to deliver a message, kept: administrators see what failed and why."""

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="deliveries")
    at = models.DateTimeField(default=timezone.now)
    worker = models.CharField(max_length=100)
    ok = models.BooleanField()
    detail = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{'ok' if self.ok else 'failed'} at {self.at}"


class WebhookEndpoint(models.Model):
    """Where an organisation wants its messages POSTed, signed with ``secret`` (HMAC-SHA256).

    The secret is stored as it is, because Misper needs it to sign each request; it is shown
    once, when the endpoint is added, and never displayed again."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="webhook_endpoints"
    )
    url = models.URLField(max_length=500)
    secret = models.CharField(max_length=128)
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["organisation__name", "-created_at"]
        indexes = [models.Index(fields=["organisation", "active"])]

    def __str__(self) -> str:
        return f"{self.organisation} → {self.url}"


class FlagPlacement(models.TextChoices):
    """How a local authority's children's services flag a child with a police force
    (R-FLG-01): on the force's systems themselves, by asking the force's coordinators, or
    not at all. Without an arrangement they ask (``REQUEST``)."""

    DIRECT = "direct", "Place flags directly"
    REQUEST = "request", "Ask the police to place flags"
    NONE = "none", "No flags"


class SharingArrangement(models.Model):
    """An information-sharing arrangement between two organisations: which of one
    organisation's events the other is told about, and through which channels beyond the
    in-app inbox (which every recipient always gets); and, from a local authority to a
    police force, how the authority's children's services flag a child (R-FLG-01).
    Administrators keep these."""

    from_org = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    to_org = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    channels = models.JSONField(default=list, help_text="email and/or webhook")
    flag_placement = models.CharField(
        max_length=8, choices=FlagPlacement.choices, default=FlagPlacement.REQUEST
    )
    note = models.CharField(max_length=300, blank=True)
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["from_org__name", "to_org__name"]
        constraints = [
            models.UniqueConstraint(fields=["from_org", "to_org"], name="one_arrangement_per_pair")
        ]

    def __str__(self) -> str:
        return f"{self.from_org} → {self.to_org}"

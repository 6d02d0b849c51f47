"""The shared records every app writes and none owns alone: the timeline, the audit log
and deadlines. Their subjects are named by type and id, so this app imports none of the
apps above it; the tables keep the names they had when they lived in ``agencies``
(``db_table``), with the append-only triggers of agencies migration 0002 on them."""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone


class TimelineEvent(models.Model):
    """Append-only: every action and decision on a person, an episode or a record.

    Written by the same service call, in the same transaction, as the change it describes.
    The database refuses UPDATE and DELETE on this table (migration 0002).
    """

    at = models.DateTimeField(default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_name = models.CharField(max_length=200)
    actor_role = models.CharField(max_length=48, blank=True)
    organisation = models.ForeignKey(
        "agencies.Organisation", null=True, on_delete=models.PROTECT, related_name="+"
    )
    subject_type = models.CharField(max_length=48)
    subject_id = models.CharField(max_length=64)
    verb = models.CharField(max_length=64)
    changes = models.JSONField(default=dict, blank=True)
    rationale = models.TextField(blank=True)
    rules = models.JSONField(default=list, blank=True)

    class Meta:
        db_table = "agencies_timelineevent"
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["subject_type", "subject_id", "at"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.subject_type}:{self.subject_id} {self.verb}"


class ChangedSubject(models.Model):
    """A subject changed since the insights summary (``insights/facts.py``) last read it:
    written with each timeline event, in the same transaction (``timeline_record``), and
    deleted by the summary's refresh once it has re-derived the subject's rows. Rows, not a
    high-water mark on the timeline's ids, so that a transaction that commits late is never
    passed over."""

    id = models.BigAutoField(primary_key=True)
    subject_type = models.CharField(max_length=48)
    subject_id = models.CharField(max_length=64)

    def __str__(self) -> str:
        return f"{self.subject_type}:{self.subject_id}"


class AuditAction(models.TextChoices):
    READ = "read", "Read"
    EXPORT = "export", "Export"
    OPEN_RESTRICTED = "open_restricted", "Opened a restricted record"
    BREAK_GLASS = "break_glass", "Opened another force's case"
    DENIED = "denied", "Access refused"
    SHARE = "share", "Shared a child's record with another organisation"
    SHARE_ENDED = "share_ended", "Ended the sharing of a child's record"
    IMPORT = "import", "Imported records from another system"


class AuditEvent(models.Model):
    """Append-only and tamper-evident: who read or exported what, and why.

    Each row's ``row_hash`` is SHA-256 over the previous row's hash and this row's content,
    so changing or removing any row breaks the chain from that row on
    (``misper audit verify``).
    """

    at = models.DateTimeField(default=timezone.now)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    user_label = models.CharField(max_length=254)
    organisation = models.ForeignKey(
        "agencies.Organisation", null=True, on_delete=models.PROTECT, related_name="+"
    )
    action = models.CharField(max_length=24, choices=AuditAction.choices)
    subject_type = models.CharField(max_length=48)
    subject_id = models.CharField(max_length=64)
    purpose = models.CharField(max_length=200, blank=True)
    reason = models.TextField(blank=True)
    prev_hash = models.CharField(max_length=64)
    row_hash = models.CharField(max_length=64, unique=True)

    class Meta:
        db_table = "agencies_auditevent"
        ordering = ["id"]
        indexes = [models.Index(fields=["subject_type", "subject_id"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.user_label} {self.action} {self.subject_type}"


class AuditChainHead(models.Model):
    """One row holding the hash of the newest audit row. Writers lock it, so the chain
    stays a single line even with several web processes."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    last_hash = models.CharField(max_length=64)
    count = models.BigIntegerField(default=0)

    class Meta:
        db_table = "agencies_auditchainhead"

    def __str__(self) -> str:
        return f"audit head #{self.count}"


class AuditCheck(models.Model):
    """One walk of the audit log's hash chain (``misper audit verify``, and the worker on a
    schedule): administrators see the last result without the page walking the chain."""

    at = models.DateTimeField(default=timezone.now, db_index=True)
    checked = models.BigIntegerField()
    ok = models.BooleanField()
    broken_at = models.BigIntegerField(null=True, blank=True)
    problem = models.CharField(max_length=200, blank=True)
    by = models.CharField(max_length=100, help_text="The command or worker that checked.")

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"audit check {self.at:%Y-%m-%d %H:%M}: {'intact' if self.ok else 'broken'}"


class DeadlineStatus(models.TextChoices):
    OPEN = "open", "Open"
    MET = "met", "Met"
    ACTED = "acted", "Acted on when due"
    CANCELLED = "cancelled", "No longer applies"


class DeadlineQuerySet(models.QuerySet["Deadline"]):
    def of(self, subject: models.Model) -> DeadlineQuerySet:
        """The deadlines about one record."""
        return self.filter(
            content_type=ContentType.objects.get_for_model(subject), object_id=subject.pk
        )


class Deadline(models.Model):
    """Something that must happen by ``due`` (UTC) about a record (policy-rules Appendix D
    kinds: absent_limit, absent_review, callback, nar_review, risk_review, rhi_due, ...).

    ``owner`` is the app that keeps the row (``episodes``, later ``returns`` or
    ``interventions``): it keeps its own open deadlines equal to what the policy engine says
    now and never touches another app's; the service that meets one closes it; the worker
    acts on those that fall due through the owner's handler for the kind. The subject is a
    real reference (content type and id), so a record's deadlines are a SQL join
    (``Episode.deadlines``), never a dictionary built in Python."""

    owner = models.CharField(max_length=32, help_text="The app that keeps this deadline.")
    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    object_id = models.PositiveBigIntegerField()
    subject = GenericForeignKey("content_type", "object_id")
    kind = models.CharField(max_length=40)
    due = models.DateTimeField(db_index=True)
    rule = models.CharField(max_length=16, blank=True)
    status = models.CharField(
        max_length=10, choices=DeadlineStatus.choices, default=DeadlineStatus.OPEN
    )
    created_at = models.DateTimeField(default=timezone.now)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_reason = models.CharField(max_length=200, blank=True)
    retry_after = models.DateTimeField(
        null=True,
        blank=True,
        help_text="After a failed attempt, the worker waits until then (backoff).",
    )
    # The worker's record (docs/worker.md): when it acted (acted_at - due is the delay),
    # how many times a handler was tried, and the last failure (exception class only: no
    # personal data).
    acted_at = models.DateTimeField(null=True, blank=True)
    # Which worker acted (``misper worker --worker-id``, default host:pid): operations and
    # the benchmark see how the work was shared. A default in the database too, so rows
    # written by SQL that predates the column still insert.
    acted_by = models.CharField(max_length=100, blank=True, default="", db_default="")
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.CharField(max_length=200, blank=True)

    objects = DeadlineQuerySet.as_manager()

    class Meta:
        db_table = "agencies_deadline"
        ordering = ["due", "id"]
        indexes = [
            models.Index(fields=["content_type", "object_id", "status"]),
            models.Index(fields=["owner", "status"]),
            models.Index(fields=["status", "due"]),
        ]

    def __str__(self) -> str:
        return f"{self.kind} due {self.due:%Y-%m-%d %H:%M}"

    @property
    def subject_type(self) -> str:
        """The kind of record, in words used in timelines and logs (``episode``)."""
        return str(ContentType.objects.get_for_id(self.content_type_id).model)

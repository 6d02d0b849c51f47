"""Organisations, the people who use Misper and their roles, API tokens, the timeline and
the audit log.

The timeline and the audit log live here, at the bottom of the app graph, because every
other app records into them; their subjects are named by type and id so that this app
imports none of the apps above it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.utils import timezone

from misper.agencies.roles import Role


class OrganisationKind(models.TextChoices):
    POLICE_FORCE = "police_force", "Police force"
    POLICING_AREA = "policing_area", "Local policing area"
    LOCAL_AUTHORITY = "local_authority", "Local authority children's services"
    RHI_PROVIDER = "rhi_provider", "Return interview provider"
    CHILDRENS_HOME = "childrens_home", "Children's home"
    FOSTERING_AGENCY = "fostering_agency", "Fostering agency"
    FOSTER_CARER = "foster_carer", "Foster carer household"
    SEMI_INDEPENDENT = "semi_independent", "Semi-independent provider"
    SCHOOL = "school", "School"
    HEALTH = "health", "Health"
    CHARITY = "charity", "Charity"
    SAFEGUARDING_BOARD = "safeguarding_board", "Safeguarding children board"


POLICE_KINDS = frozenset({OrganisationKind.POLICE_FORCE, OrganisationKind.POLICING_AREA})
CARE_PROVIDER_KINDS = frozenset(
    {
        OrganisationKind.CHILDRENS_HOME,
        OrganisationKind.FOSTERING_AGENCY,
        OrganisationKind.FOSTER_CARER,
        OrganisationKind.SEMI_INDEPENDENT,
    }
)


class Organisation(models.Model):
    """An agency. A policing area belongs to its force; a care provider sits in a host
    local authority's area."""

    kind = models.CharField(max_length=32, choices=OrganisationKind.choices)
    name = models.CharField(max_length=200)
    code = models.SlugField(max_length=64, unique=True)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    local_authority = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="providers_in_area",
        help_text="For a care provider, school or policing area: the host local authority.",
    )
    policy_profile = models.CharField(
        max_length=64, blank=True, help_text="Policy profile id, for a police force."
    )
    postcode = models.CharField(max_length=10, blank=True)
    notification_email = models.EmailField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(parent=models.F("id")), name="organisation_not_own_parent"
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_police(self) -> bool:
        return self.kind in POLICE_KINDS

    @property
    def force(self) -> Organisation | None:
        """The police force this organisation is, or belongs to."""
        if self.kind == OrganisationKind.POLICE_FORCE:
            return self
        if self.kind == OrganisationKind.POLICING_AREA:
            return self.parent
        return None


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **extra: Any) -> User:
        if not email:
            raise ValueError("email is required")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **extra: Any) -> User:
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self.create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who uses Misper. They belong to one organisation and hold roles."""

    email = models.EmailField(unique=True)
    full_name = models.CharField(max_length=200)
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="members", null=True
    )
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False)
    date_joined = models.DateTimeField(default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["full_name"]

    class Meta:
        ordering = ["full_name"]

    def __str__(self) -> str:
        return self.full_name or self.email

    @property
    def role_codes(self) -> frozenset[str]:
        cached = getattr(self, "_role_codes", None)
        if cached is None:
            cached = frozenset(self.role_assignments.values_list("role", flat=True))
            self._role_codes = cached
        return cached

    def has_role(self, *roles: str) -> bool:
        return bool(self.role_codes.intersection(roles))

    @property
    def role_labels(self) -> list[str]:
        return [Role(code).label for code in sorted(self.role_codes)]


class RoleAssignment(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="role_assignments")
    role = models.CharField(max_length=48, choices=Role.choices)
    granted_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "role"], name="role_assignment_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.get_role_display()}"


class ApiToken(models.Model):
    """A personal API token. Only a SHA-256 digest of the secret is stored; the secret is
    shown once, when the token is created."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=16, unique=True)
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()  # set when the token is created
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    def status_at(self, now: datetime) -> str:
        """The token's status at ``now``: revoked, expired or active."""
        if self.revoked_at is not None:
            return "revoked"
        if self.expires_at <= now:
            return "expired"
        return "active"

    def active_at(self, now: datetime) -> bool:
        """Not revoked and not expired at ``now``."""
        return self.status_at(now) == "active"

    @property
    def status(self) -> str:
        return self.status_at(timezone.now())

    @property
    def is_active(self) -> bool:
        return self.active_at(timezone.now())

    @property
    def is_expired(self) -> bool:
        return self.expires_at <= timezone.now()


class TimelineEvent(models.Model):
    """Append-only: every action and decision on a person, an episode or a record.

    Written by the same service call, in the same transaction, as the change it describes.
    The database refuses UPDATE and DELETE on this table (migration 0002).
    """

    at = models.DateTimeField(default=timezone.now, db_index=True)
    actor = models.ForeignKey(User, null=True, on_delete=models.PROTECT, related_name="+")
    actor_name = models.CharField(max_length=200)
    actor_role = models.CharField(max_length=48, blank=True)
    organisation = models.ForeignKey(
        Organisation, null=True, on_delete=models.PROTECT, related_name="+"
    )
    subject_type = models.CharField(max_length=48)
    subject_id = models.CharField(max_length=64)
    verb = models.CharField(max_length=64)
    changes = models.JSONField(default=dict, blank=True)
    rationale = models.TextField(blank=True)
    rules = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["subject_type", "subject_id", "at"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.subject_type}:{self.subject_id} {self.verb}"


class AuditAction(models.TextChoices):
    READ = "read", "Read"
    EXPORT = "export", "Export"
    OPEN_RESTRICTED = "open_restricted", "Opened a restricted record"
    BREAK_GLASS = "break_glass", "Opened another force's case"
    DENIED = "denied", "Access refused"
    SHARE = "share", "Shared a child's record with another organisation"
    SHARE_ENDED = "share_ended", "Ended the sharing of a child's record"


class AuditEvent(models.Model):
    """Append-only and tamper-evident: who read or exported what, and why.

    Each row's ``row_hash`` is SHA-256 over the previous row's hash and this row's content,
    so changing or removing any row breaks the chain from that row on
    (``misper audit verify``).
    """

    at = models.DateTimeField(default=timezone.now)
    user = models.ForeignKey(User, null=True, on_delete=models.PROTECT, related_name="+")
    user_label = models.CharField(max_length=254)
    organisation = models.ForeignKey(
        Organisation, null=True, on_delete=models.PROTECT, related_name="+"
    )
    action = models.CharField(max_length=24, choices=AuditAction.choices)
    subject_type = models.CharField(max_length=48)
    subject_id = models.CharField(max_length=64)
    purpose = models.CharField(max_length=200, blank=True)
    reason = models.TextField(blank=True)
    prev_hash = models.CharField(max_length=64)
    row_hash = models.CharField(max_length=64, unique=True)

    class Meta:
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

    def __str__(self) -> str:
        return f"audit head #{self.count}"


class DeadlineStatus(models.TextChoices):
    OPEN = "open", "Open"
    MET = "met", "Met"
    ACTED = "acted", "Acted on when due"
    CANCELLED = "cancelled", "No longer applies"


class Deadline(models.Model):
    """Something that must happen by ``due`` (UTC) about a subject (policy-rules Appendix D
    kinds: absent_limit, absent_review, callback, nar_review, risk_review, rhi_due, ...).

    The owning app keeps its subject's open deadlines equal to what the policy engine says
    now; the service that meets one closes it; the worker acts on those that fall due."""

    subject_type = models.CharField(max_length=48)
    subject_id = models.CharField(max_length=64)
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
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["due", "id"]
        indexes = [
            models.Index(fields=["subject_type", "subject_id", "status"]),
            models.Index(fields=["status", "due"]),
        ]

    def __str__(self) -> str:
        return f"{self.kind} due {self.due:%Y-%m-%d %H:%M}"

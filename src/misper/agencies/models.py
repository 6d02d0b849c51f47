"""Organisations, the people who use Misper and their roles, and API tokens. (The timeline,
the audit log and deadlines are ``misper.core``'s.)"""

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
    ons_code = models.CharField(
        "ONS code",
        max_length=9,
        blank=True,
        db_index=True,
        help_text="For a local authority, the ONS code of the area whose children's services "
        "it runs (E10000034); for a police force, its police force area (E23000016). "
        "Placement postcodes are matched to these (agencies/geography.py).",
    )
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

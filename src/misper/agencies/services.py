"""The only code that writes to the agencies tables. Each service is keyword-only, runs in
one transaction and records its timeline event or audit row in that same transaction."""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import rules
from django.db import transaction
from django.utils import timezone

from misper.agencies.errors import NotFound, PermissionDenied, ValidationFailed
from misper.agencies.models import (
    ApiToken,
    AuditAction,
    AuditChainHead,
    AuditEvent,
    Organisation,
    OrganisationKind,
    RoleAssignment,
    TimelineEvent,
    User,
)
from misper.agencies.roles import Role

GENESIS_HASH = "0" * 64
TOKEN_PREFIX = "msp"  # noqa: S105 - a public prefix, not a secret


# --- Timeline --------------------------------------------------------------------------


def timeline_record(
    *,
    actor: User | None,
    subject_type: str,
    subject_id: str | int,
    verb: str,
    changes: dict[str, Any] | None = None,
    rationale: str = "",
    role: str = "",
    rule_ids: Iterable[str] = (),
    at: datetime | None = None,
) -> TimelineEvent:
    """Append one event to a subject's timeline. Call it inside the service's transaction."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("timeline_record must run inside the service's transaction")
    return TimelineEvent.objects.create(
        at=at or timezone.now(),
        actor=actor,
        actor_name=str(actor) if actor else "Misper",
        # The role the actor acted in: the service names it; otherwise the roles they hold.
        actor_role=(role or (",".join(sorted(actor.role_codes)) if actor else ""))[:48],
        organisation=actor.organisation if actor else None,
        subject_type=subject_type,
        subject_id=str(subject_id),
        verb=verb,
        changes=changes or {},
        rationale=rationale,
        rules=list(rule_ids),
    )


# --- Audit log -------------------------------------------------------------------------


def _audit_payload(event: AuditEvent) -> bytes:
    body = {
        "at": event.at.astimezone(UTC).isoformat(),
        "user": event.user_id,
        "user_label": event.user_label,
        "organisation": event.organisation_id,
        "action": event.action,
        "subject_type": event.subject_type,
        "subject_id": event.subject_id,
        "purpose": event.purpose,
        "reason": event.reason,
    }
    return json.dumps(body, sort_keys=True, separators=(",", ":")).encode()


def audit_row_hash(event: AuditEvent, prev_hash: str) -> str:
    return hashlib.sha256(prev_hash.encode() + b"\n" + _audit_payload(event)).hexdigest()


@transaction.atomic
def audit_record(
    *,
    user: User | None,
    action: str,
    subject_type: str,
    subject_id: str | int,
    purpose: str = "",
    reason: str = "",
) -> AuditEvent:
    """Record a read, an export or the opening of a restricted record, chained to the
    previous row. The chain head is locked so that rows form one line."""
    if action not in AuditAction.values:
        raise ValidationFailed(f"unknown audit action {action!r}", field="action")
    head, _ = AuditChainHead.objects.select_for_update().get_or_create(
        id=1, defaults={"last_hash": GENESIS_HASH}
    )
    event = AuditEvent(
        at=timezone.now(),
        user=user,
        user_label=(user.email if user else "system"),
        organisation=(user.organisation if user else None),
        action=action,
        subject_type=subject_type,
        subject_id=str(subject_id),
        purpose=purpose[:200],
        reason=reason,
        prev_hash=head.last_hash,
    )
    event.row_hash = audit_row_hash(event, head.last_hash)
    event.save()
    head.last_hash = event.row_hash
    head.count += 1
    head.save(update_fields=["last_hash", "count"])
    return event


@dataclass(frozen=True)
class AuditVerification:
    checked: int
    broken_at: int | None  # id of the first row whose link is broken
    problem: str = ""

    @property
    def ok(self) -> bool:
        return self.broken_at is None


def audit_verify() -> AuditVerification:
    """Walk the chain from the first row; report the first broken link, if any."""
    prev = GENESIS_HASH
    checked = 0
    for event in AuditEvent.objects.order_by("id").iterator(chunk_size=2000):
        if event.prev_hash != prev:
            return AuditVerification(
                checked, event.pk, "its previous-hash does not match the row before it"
            )
        if audit_row_hash(event, prev) != event.row_hash:
            return AuditVerification(checked, event.pk, "its content does not match its hash")
        prev = event.row_hash
        checked += 1
    head = AuditChainHead.objects.filter(id=1).first()
    if head is not None and (head.last_hash != prev or head.count != checked):
        return AuditVerification(
            checked, -1, "rows were removed from the end of the log (head does not match)"
        )
    return AuditVerification(checked, None)


# --- Organisations and users -----------------------------------------------------------


def organisation_create(
    *,
    actor: User | None,
    kind: str,
    name: str,
    code: str,
    parent: Organisation | None = None,
    local_authority: Organisation | None = None,
    policy_profile: str = "",
    postcode: str = "",
    notification_email: str = "",
) -> Organisation:
    if kind not in OrganisationKind.values:
        raise ValidationFailed(f"unknown organisation kind {kind!r}", field="kind")
    if kind == OrganisationKind.POLICING_AREA and (
        parent is None or parent.kind != OrganisationKind.POLICE_FORCE
    ):
        raise ValidationFailed("a policing area belongs to a police force", field="parent")
    if actor is not None and not rules.has_perm("agencies.manage_users", actor):
        raise PermissionDenied("only a system administrator may add organisations")
    with transaction.atomic():
        if Organisation.objects.filter(code=code).exists():
            raise ValidationFailed(f"an organisation with code {code!r} exists", field="code")
        org = Organisation.objects.create(
            kind=kind,
            name=name,
            code=code,
            parent=parent,
            local_authority=local_authority,
            policy_profile=policy_profile,
            postcode=postcode,
            notification_email=notification_email,
        )
        timeline_record(
            actor=actor,
            subject_type="organisation",
            subject_id=org.pk,
            verb="organisation_created",
            changes={"name": name, "kind": kind},
        )
    return org


def user_create(
    *,
    actor: User | None,
    email: str,
    full_name: str,
    organisation: Organisation,
    roles: Iterable[str],
    password: str | None = None,
) -> User:
    role_list = sorted(set(roles))
    unknown = [r for r in role_list if r not in Role.values]
    if unknown:
        raise ValidationFailed(f"unknown role(s): {', '.join(unknown)}", field="roles")
    if not role_list:
        raise ValidationFailed("a user needs at least one role", field="roles")
    if actor is not None and not rules.has_perm("agencies.manage_users", actor):
        raise PermissionDenied("only a system administrator may add users")
    email = email.strip().lower()
    with transaction.atomic():
        if User.objects.filter(email=email).exists():
            raise ValidationFailed("a user with this email address exists", field="email")
        user = User.objects.create_user(
            email, password, full_name=full_name, organisation=organisation
        )
        RoleAssignment.objects.bulk_create(RoleAssignment(user=user, role=r) for r in role_list)
        timeline_record(
            actor=actor,
            subject_type="user",
            subject_id=user.pk,
            verb="user_created",
            changes={"organisation": organisation.code, "roles": role_list},
        )
    return user


# --- API tokens --------------------------------------------------------------------------


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@dataclass(frozen=True)
class NewToken:
    token: ApiToken
    secret: str  # shown to the user once, never stored


TOKEN_MAX_DAYS = 365


def api_token_create(*, actor: User, name: str, days: int | None = None) -> NewToken:
    """A personal token for ``actor``. It expires ``days`` days from now (1 to 365;
    ``settings.MISPER_API_TOKEN_DAYS`` unless the user chooses a shorter life)."""
    from django.conf import settings

    name = (name or "").strip()
    if not name:
        raise ValidationFailed("Enter a name for the token", field="name")
    if len(name) > 100:
        raise ValidationFailed("Token name must be 100 characters or fewer", field="name")
    if days is None:
        days = settings.MISPER_API_TOKEN_DAYS
    if isinstance(days, bool) or not isinstance(days, int):
        raise ValidationFailed("The number of days must be a whole number", field="days")
    if not 1 <= days <= TOKEN_MAX_DAYS:
        raise ValidationFailed(
            f"The number of days must be between 1 and {TOKEN_MAX_DAYS}", field="days"
        )
    if not rules.has_perm("agencies.manage_own_tokens", actor):
        raise PermissionDenied("sign in to create a token")
    prefix = secrets.token_hex(4)
    secret = f"{TOKEN_PREFIX}_{prefix}_{secrets.token_urlsafe(32)}"
    now = timezone.now()
    expires_at = now + timedelta(days=days)
    with transaction.atomic():
        token = ApiToken.objects.create(
            user=actor,
            name=name,
            prefix=prefix,
            digest=_digest(secret),
            created_at=now,
            expires_at=expires_at,
        )
        timeline_record(
            actor=actor,
            subject_type="user",
            subject_id=actor.pk,
            verb="api_token_created",
            changes={
                "token": prefix,
                "name": name,
                "days": days,
                "expires_at": expires_at.isoformat(),
            },
        )
    return NewToken(token, secret)


def api_token_revoke(*, actor: User, token_id: int) -> ApiToken:
    with transaction.atomic():
        token = ApiToken.objects.select_for_update().filter(pk=token_id).first()
        if token is None or not rules.has_perm("agencies.revoke_token", actor, token):
            raise NotFound("No such token")
        if token.revoked_at is None:
            token.revoked_at = timezone.now()
            token.save(update_fields=["revoked_at"])
            timeline_record(
                actor=actor,
                subject_type="user",
                subject_id=token.user_id,
                verb="api_token_revoked",
                changes={"token": token.prefix},
            )
    return token


def meets_sign_in_requirements(user: User) -> bool:
    """Whether ``user`` may use Misper now: an active account and, when
    ``settings.MISPER_REQUIRE_MFA`` is on, an authenticator app (TOTP) set up. The one
    statement of the requirement: the API's session authentication and token
    authentication both ask it."""
    from allauth.mfa.models import Authenticator
    from django.conf import settings

    if not user.is_active:
        return False
    if settings.MISPER_REQUIRE_MFA:
        return Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
    return True


def api_token_authenticate(secret: str) -> User | None:
    """The user a presented token belongs to, or None when the token is unknown, revoked
    or expired, or its user no longer meets the sign-in requirements. Records when it was
    last used (at most once a minute)."""
    if not secret or not secret.startswith(f"{TOKEN_PREFIX}_"):
        return None
    now = timezone.now()
    token = (
        ApiToken.objects.select_related("user", "user__organisation")
        .filter(
            digest=_digest(secret),
            revoked_at__isnull=True,
            expires_at__gt=now,
            user__is_active=True,
        )
        .first()
    )
    if token is None or not meets_sign_in_requirements(token.user):
        return None
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


# --- Deadlines ---------------------------------------------------------------------------


def deadlines_sync(
    *,
    subject_type: str,
    subject_id: str | int,
    wanted: Iterable[tuple[str, datetime, str]],
    reason: str = "no longer required by the policy",
) -> tuple[int, int]:
    """Make the subject's open deadlines equal ``wanted`` (kind, due, rule): create what
    is missing, cancel what no longer applies. Call inside the service's transaction.
    Returns (created, cancelled)."""
    from misper.agencies.models import Deadline, DeadlineStatus

    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("deadlines_sync must run inside the service's transaction")
    want = {(kind, due): rule for kind, due, rule in wanted}
    open_rows = list(
        Deadline.objects.select_for_update().filter(
            subject_type=subject_type, subject_id=str(subject_id), status=DeadlineStatus.OPEN
        )
    )
    have = {(d.kind, d.due): d for d in open_rows}
    # A deadline already acted on or met at the same instant is not opened again when the
    # subject's deadlines are re-synced (the worker would otherwise remind twice).
    done = set(
        Deadline.objects.filter(
            subject_type=subject_type,
            subject_id=str(subject_id),
            status__in=[DeadlineStatus.ACTED, DeadlineStatus.MET],
        ).values_list("kind", "due")
    )
    now = timezone.now()
    cancelled = 0
    for key, row in have.items():
        if key not in want:
            row.status = DeadlineStatus.CANCELLED
            row.closed_at = now
            row.closed_reason = reason
            row.save(update_fields=["status", "closed_at", "closed_reason"])
            cancelled += 1
    created = 0
    for (kind, due), rule in want.items():
        if (kind, due) not in have and (kind, due) not in done:
            Deadline.objects.create(
                subject_type=subject_type,
                subject_id=str(subject_id),
                kind=kind,
                due=due,
                rule=rule,
            )
            created += 1
    return created, cancelled


def deadline_meet(*, subject_type: str, subject_id: str | int, kind: str, reason: str) -> int:
    """Close the subject's open deadlines of a kind because what they asked for was done
    (the call-back was made, the child was found). Returns how many were closed."""
    from misper.agencies.models import Deadline, DeadlineStatus

    return Deadline.objects.filter(
        subject_type=subject_type,
        subject_id=str(subject_id),
        kind=kind,
        status=DeadlineStatus.OPEN,
    ).update(status=DeadlineStatus.MET, closed_at=timezone.now(), closed_reason=reason[:200])

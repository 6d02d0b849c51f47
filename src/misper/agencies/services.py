"""The only code that writes to the agencies tables (organisations, users, roles, API
tokens). Each service is keyword-only, runs in one transaction and records its timeline
event in that same transaction."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta

import rules
from django.db import transaction
from django.utils import timezone

from misper.agencies.events import AgenciesVerb
from misper.agencies.models import ApiToken, Organisation, OrganisationKind, RoleAssignment, User
from misper.agencies.roles import Role
from misper.core.errors import NotFound, PermissionDenied, ValidationFailed
from misper.core.timeline import timeline_record

TOKEN_PREFIX = "msp"  # noqa: S105 - a public prefix, not a secret


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
    ons_code: str = "",
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
            ons_code=ons_code,
        )
        timeline_record(
            actor=actor,
            subject_type="organisation",
            subject_id=org.pk,
            verb=AgenciesVerb.ORGANISATION_CREATED,
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
            verb=AgenciesVerb.USER_CREATED,
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
            verb=AgenciesVerb.API_TOKEN_CREATED,
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
                verb=AgenciesVerb.API_TOKEN_REVOKED,
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

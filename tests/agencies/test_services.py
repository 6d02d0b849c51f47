"""Organisations, users, roles and API tokens: every write leaves a timeline event; bad
input names the field and writes nothing."""

from __future__ import annotations

import pytest

from misper.agencies.models import ApiToken, Organisation, User
from misper.agencies.services import (
    api_token_authenticate,
    api_token_create,
    api_token_revoke,
    organisation_create,
    user_create,
)
from misper.core.errors import NotFound, PermissionDenied, ValidationFailed
from misper.core.models import TimelineEvent

pytestmark = pytest.mark.django_db


def _with_authenticator(user: User) -> User:
    """Meets the sign-in requirements (the test settings require an authenticator app)."""
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    TOTP.activate(user, generate_totp_secret())
    return user


def test_policing_area_must_belong_to_a_force(make_org):
    la = make_org("local_authority")
    with pytest.raises(ValidationFailed) as exc:
        organisation_create(actor=None, kind="policing_area", name="X", code="x", parent=la)
    assert exc.value.field == "parent"
    assert not Organisation.objects.filter(code="x").exists()


def test_unknown_role_is_refused_with_the_field(make_org):
    with pytest.raises(ValidationFailed) as exc:
        user_create(
            actor=None, email="a@b.test", full_name="A", organisation=make_org(), roles=["chef"]
        )
    assert exc.value.field == "roles"
    assert not User.objects.filter(email="a@b.test").exists()


def test_user_creation_records_roles_and_a_timeline_event(make_org):
    user = user_create(
        actor=None,
        email="Ann@Example.test",
        full_name="Ann",
        organisation=make_org(),
        roles=["inspector", "sergeant"],
    )
    assert user.email == "ann@example.test"
    assert user.role_codes == {"inspector", "sergeant"}
    event = TimelineEvent.objects.get(subject_type="user", subject_id=str(user.pk))
    assert event.verb == "user_created" and event.changes["roles"] == ["inspector", "sergeant"]


def test_duplicate_email_is_refused(make_user):
    make_user(email="dup@example.test")
    with pytest.raises(ValidationFailed) as exc:
        make_user(email="DUP@example.test")
    assert exc.value.field == "email"


def test_only_a_system_administrator_adds_users(make_user, make_org):
    social_worker = make_user("social_worker")
    with pytest.raises(PermissionDenied):
        user_create(
            actor=social_worker,
            email="n@x.test",
            full_name="N",
            organisation=make_org(),
            roles=["carer"],
        )
    assert not User.objects.filter(email="n@x.test").exists()
    admin = make_user("system_administrator")
    assert user_create(
        actor=admin, email="n@x.test", full_name="N", organisation=make_org(), roles=["carer"]
    ).pk


def test_token_is_stored_hashed_shown_once_and_authenticates(make_user):
    user = _with_authenticator(make_user())
    created = api_token_create(actor=user, name="integration")
    token = ApiToken.objects.get(pk=created.token.pk)
    assert created.secret.startswith(f"msp_{token.prefix}_")
    assert created.secret not in (token.digest, token.prefix, token.name)
    assert api_token_authenticate(created.secret) == user
    assert api_token_authenticate(created.secret + "x") is None
    assert TimelineEvent.objects.filter(verb="api_token_created").count() == 1


def test_revoked_token_no_longer_authenticates(make_user):
    user = _with_authenticator(make_user())
    created = api_token_create(actor=user, name="t")
    assert api_token_authenticate(created.secret) == user
    api_token_revoke(actor=user, token_id=created.token.pk)
    assert api_token_authenticate(created.secret) is None
    assert TimelineEvent.objects.filter(verb="api_token_revoked").count() == 1


def test_nobody_else_can_revoke_a_token(make_user):
    owner, other = make_user(), make_user()
    created = api_token_create(actor=owner, name="t")
    with pytest.raises(NotFound):
        api_token_revoke(actor=other, token_id=created.token.pk)
    assert ApiToken.objects.get(pk=created.token.pk).revoked_at is None


def test_token_of_an_inactive_user_does_not_authenticate(make_user):
    user = _with_authenticator(make_user())
    created = api_token_create(actor=user, name="t")
    assert api_token_authenticate(created.secret) == user
    User.objects.filter(pk=user.pk).update(is_active=False)
    assert api_token_authenticate(created.secret) is None


@pytest.mark.parametrize("name,message", [("", "Enter a name"), ("x" * 101, "100 characters")])
def test_token_name_is_validated(make_user, name, message):
    with pytest.raises(ValidationFailed, match=message) as exc:
        api_token_create(actor=make_user(), name=name)
    assert exc.value.field == "name"
    assert ApiToken.objects.count() == 0

"""API tokens expire (90 days unless their owner chooses a shorter life, 1 to 365 days)
and stop working when their user no longer meets the sign-in requirements."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from misper.agencies.models import ApiToken, User
from misper.agencies.services import (
    api_token_authenticate,
    api_token_create,
    api_token_revoke,
    meets_sign_in_requirements,
)
from misper.core.errors import ValidationFailed
from misper.core.models import TimelineEvent

pytestmark = pytest.mark.django_db


def _with_authenticator(user: User) -> User:
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    TOTP.activate(user, generate_totp_secret())
    return user


def _remove_authenticator(user: User) -> None:
    from allauth.mfa.models import Authenticator

    Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).delete()


def test_token_expires_after_90_days_by_default_and_the_timeline_says_when(make_user):
    user = _with_authenticator(make_user())
    before = timezone.now()
    created = api_token_create(actor=user, name="t")
    token = ApiToken.objects.get(pk=created.token.pk)
    assert before + timedelta(days=90) <= token.expires_at <= timezone.now() + timedelta(days=90)
    assert token.is_active and token.status == "active"
    event = TimelineEvent.objects.get(verb="api_token_created")
    assert event.changes["days"] == 90
    assert event.changes["expires_at"] == token.expires_at.isoformat()


def test_default_life_comes_from_the_setting(make_user, settings):
    settings.MISPER_API_TOKEN_DAYS = 30
    created = api_token_create(actor=make_user(), name="t")
    life = created.token.expires_at - created.token.created_at
    assert life == timedelta(days=30)


@pytest.mark.parametrize("days", [1, 7, 365])
def test_user_may_choose_the_life(make_user, days):
    created = api_token_create(actor=make_user(), name="t", days=days)
    assert created.token.expires_at - created.token.created_at == timedelta(days=days)


@pytest.mark.parametrize("days", [0, -1, 366, 10_000, "30", 1.5, True])
def test_life_outside_1_to_365_days_is_refused_naming_days(make_user, days):
    with pytest.raises(ValidationFailed) as exc:
        api_token_create(actor=make_user(), name="t", days=days)
    assert exc.value.field == "days"
    assert ApiToken.objects.count() == 0
    assert not TimelineEvent.objects.filter(verb="api_token_created").exists()


def test_expired_token_does_not_authenticate(make_user):
    user = _with_authenticator(make_user())
    created = api_token_create(actor=user, name="t", days=1)
    assert api_token_authenticate(created.secret) == user
    ApiToken.objects.filter(pk=created.token.pk).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    assert api_token_authenticate(created.secret) is None
    token = ApiToken.objects.get(pk=created.token.pk)
    assert not token.is_active and token.is_expired and token.status == "expired"


def test_active_and_status_at_a_given_time(make_user):
    created = api_token_create(actor=make_user(), name="t", days=10)
    token = created.token
    assert token.active_at(token.created_at + timedelta(days=9))
    assert not token.active_at(token.expires_at)
    assert token.status_at(token.expires_at + timedelta(seconds=1)) == "expired"
    token.revoked_at = token.created_at
    assert token.status_at(token.created_at + timedelta(days=1)) == "revoked"


def test_token_stops_working_when_the_authenticator_is_removed(make_user, settings):
    settings.MISPER_REQUIRE_MFA = True
    user = _with_authenticator(make_user())
    created = api_token_create(actor=user, name="t")
    assert api_token_authenticate(created.secret) == user
    _remove_authenticator(user)
    assert not meets_sign_in_requirements(user)
    assert api_token_authenticate(created.secret) is None
    _with_authenticator(user)
    assert api_token_authenticate(created.secret) == user


def test_token_of_a_user_who_never_set_up_an_authenticator_is_refused(make_user, settings):
    settings.MISPER_REQUIRE_MFA = True
    created = api_token_create(actor=make_user(), name="t")
    assert api_token_authenticate(created.secret) is None


def test_without_required_mfa_an_authenticator_is_not_needed(make_user, settings):
    settings.MISPER_REQUIRE_MFA = False
    user = make_user()
    created = api_token_create(actor=user, name="t")
    assert meets_sign_in_requirements(user)
    assert api_token_authenticate(created.secret) == user


def test_inactive_user_does_not_meet_the_sign_in_requirements(make_user, settings):
    settings.MISPER_REQUIRE_MFA = False
    user = make_user()
    user.is_active = False
    assert not meets_sign_in_requirements(user)


def test_revoked_token_is_refused_even_before_it_expires(make_user):
    user = _with_authenticator(make_user())
    created = api_token_create(actor=user, name="t", days=365)
    api_token_revoke(actor=user, token_id=created.token.pk)
    assert api_token_authenticate(created.secret) is None
    assert ApiToken.objects.get(pk=created.token.pk).status == "revoked"


def test_last_use_is_recorded_at_most_once_a_minute(make_user):
    user = _with_authenticator(make_user())
    created = api_token_create(actor=user, name="t")
    assert created.token.last_used_at is None
    api_token_authenticate(created.secret)
    first = ApiToken.objects.get(pk=created.token.pk).last_used_at
    assert first is not None and timezone.now() - first < timedelta(minutes=1)
    api_token_authenticate(created.secret)
    assert ApiToken.objects.get(pk=created.token.pk).last_used_at == first
    earlier = first - timedelta(minutes=2)
    ApiToken.objects.filter(pk=created.token.pk).update(last_used_at=earlier)
    api_token_authenticate(created.secret)
    assert ApiToken.objects.get(pk=created.token.pk).last_used_at > earlier


def test_refused_token_does_not_record_a_use(make_user):
    user = make_user()  # no authenticator app: refused under the test settings
    created = api_token_create(actor=user, name="t")
    assert api_token_authenticate(created.secret) is None
    assert ApiToken.objects.get(pk=created.token.pk).last_used_at is None

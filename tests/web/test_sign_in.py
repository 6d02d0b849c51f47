"""Sign-in through the pages: password, then the authenticator code; MFA is required
outside demo mode; sessions expire when idle; login attempts are rate limited."""

from __future__ import annotations

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import (
    TOTP,
    format_hotp_value,
    generate_totp_secret,
    hotp_value,
    yield_hotp_counters_from_time,
)
from django.conf import settings
from django.core.cache import cache
from django.urls import reverse

pytestmark = pytest.mark.django_db

PASSWORD = "Correct-Horse-42"


def current_code(secret: str) -> str:
    counter = next(iter(yield_hotp_counters_from_time()))
    return format_hotp_value(hotp_value(secret, counter))


@pytest.fixture(autouse=True)
def _clear_rate_limits():
    cache.clear()


def test_password_then_code_signs_in(client, make_user):
    user = make_user("inspector")
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    response = client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_authenticate")
    # Not signed in yet: the home page still sends us to sign in.
    assert client.get("/").status_code == 302
    response = client.post(reverse("mfa_authenticate"), {"code": current_code(secret)})
    assert response.status_code == 302
    page = client.get("/")
    assert page.status_code == 200
    assert user.full_name in page.content.decode()


def test_wrong_code_is_refused_with_an_error_summary(client, make_user):
    user = make_user()
    TOTP.activate(user, generate_totp_secret())
    client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    response = client.post(reverse("mfa_authenticate"), {"code": "000000"})
    body = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in body and 'href="#id_code"' in body
    assert client.get("/").status_code == 302


def test_wrong_password_shows_the_error_summary_and_signs_nobody_in(client, make_user):
    user = make_user()
    response = client.post(reverse("account_login"), {"login": user.email, "password": "nope"})
    body = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in body
    assert "_auth_user_id" not in client.session


def test_user_without_authenticator_must_set_one_up(client, make_user):
    assert settings.MISPER_REQUIRE_MFA
    user = make_user("carer")
    client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_activate_totp")
    page = client.get(reverse("mfa_activate_totp"))
    assert page.status_code == 200 and b"totp-secret" in page.content
    assert not Authenticator.objects.filter(user=user).exists()


def test_failed_logins_are_rate_limited_per_account(client, make_user):
    user = make_user()
    for _ in range(5):
        client.post(reverse("account_login"), {"login": user.email, "password": "wrong"})
    # Even the right password is refused while the limit holds.
    response = client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    assert response.status_code == 200
    assert "Too many failed login attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_sessions_expire_when_idle():
    assert settings.SESSION_SAVE_EVERY_REQUEST is True
    assert 0 < settings.SESSION_COOKIE_AGE <= 60 * 60


def test_passwords_are_hashed_with_argon2_outside_tests():
    from misper.config import settings as production

    assert production.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")


def test_sign_up_is_closed(client):
    response = client.get(reverse("account_signup"))
    assert b"Sign Up Closed" in response.content or response.status_code in (403, 404)

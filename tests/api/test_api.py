"""The API: token or session authentication, JSON errors naming the field, the same
permission rules as the pages, and the OpenAPI document."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.urls import reverse

from misper.agencies.services import api_token_create, api_token_revoke

pytestmark = pytest.mark.django_db


def bearer(secret: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


def token_for(user, **kw):  # type: ignore[no-untyped-def]
    """A token for a user who meets the sign-in requirements (an authenticator app)."""
    from allauth.mfa.models import Authenticator
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    if not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
        TOTP.activate(user, generate_totp_secret())
    return api_token_create(actor=user, name="t", **kw)


def test_no_credentials_is_401_json(client):
    response = client.get("/api/v1/me")
    assert response.status_code == 401
    assert response.json() == {
        "code": "not_authenticated",
        "message": "Sign in or send an API token",
        "field": None,
    }


def test_token_authenticates(client, make_user):
    user = make_user("inspector")
    secret = token_for(user).secret
    response = client.get("/api/v1/me", **bearer(secret))
    assert response.status_code == 200
    body = response.json()
    assert body["email"] == user.email and body["roles"] == ["inspector"]


def test_revoked_token_is_refused(client, make_user):
    user = make_user()
    created = token_for(user)
    api_token_revoke(actor=user, token_id=created.token.pk)
    assert client.get("/api/v1/me", **bearer(created.secret)).status_code == 401


def test_expired_token_is_refused(client, make_user):
    from datetime import timedelta

    from django.utils import timezone

    from misper.agencies.models import ApiToken

    created = token_for(make_user(), days=1)
    assert client.get("/api/v1/me", **bearer(created.secret)).status_code == 200
    ApiToken.objects.filter(pk=created.token.pk).update(
        expires_at=timezone.now() - timedelta(minutes=1)
    )
    response = client.get("/api/v1/me", **bearer(created.secret))
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_token_is_refused_once_the_authenticator_app_is_removed(client, make_user, settings):
    from allauth.mfa.models import Authenticator

    settings.MISPER_REQUIRE_MFA = True
    user = make_user()
    created = token_for(user)
    assert client.get("/api/v1/me", **bearer(created.secret)).status_code == 200
    Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).delete()
    assert client.get("/api/v1/me", **bearer(created.secret)).status_code == 401


def test_token_of_a_user_without_an_authenticator_app_is_refused(client, make_user, settings):
    settings.MISPER_REQUIRE_MFA = True
    secret = api_token_create(actor=make_user(), name="t").secret
    assert client.get("/api/v1/me", **bearer(secret)).status_code == 401


def test_session_without_mfa_is_refused(client, make_user):
    user = make_user()
    client.force_login(user)
    assert client.get("/api/v1/me").status_code == 401


def test_session_with_mfa_works(mfa_client, make_user):
    assert mfa_client(make_user()).get("/api/v1/me").status_code == 200


def test_other_organisation_is_404_json(client, make_user, make_org):
    mine, theirs = make_org(), make_org(name="Theirs")
    user = make_user(organisation=mine)
    secret = token_for(user).secret
    response = client.get(f"/api/v1/organisations/{theirs.pk}", **bearer(secret))
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    assert "Theirs" not in response.content.decode()
    ok = client.get(f"/api/v1/organisations/{mine.pk}", **bearer(secret))
    assert ok.status_code == 200 and ok.json()["members"][0]["full_name"] == user.full_name


def test_validation_errors_name_the_field(client, make_user):
    secret = token_for(make_user()).secret
    response = client.get("/api/v1/organisations/not-a-number", **bearer(secret))
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "validation_failed"
    assert body["field"] == "organisation_id"


def test_organisation_list_is_limited_to_the_users_own(client, make_user, make_org):
    force = make_org("police_force", code="f")
    area = make_org("policing_area", code="a", parent=force)
    make_org(code="elsewhere")
    user = make_user("call_handler", organisation=force)
    secret = token_for(user).secret
    codes = {o["code"] for o in client.get("/api/v1/organisations", **bearer(secret)).json()}
    assert codes == {"f", "a"}
    assert area.pk


def test_openapi_document_is_served_and_matches_the_committed_copy(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    served = response.json()
    assert served["info"]["title"] == "Misper API"
    committed = Path(__file__).resolve().parents[2] / "docs" / "openapi.json"
    assert committed.exists(), "run `make openapi` and commit docs/openapi.json"
    assert json.loads(committed.read_text()) == served, (
        "docs/openapi.json is stale: run `make openapi` and commit it"
    )


def test_docs_page_is_served(client):
    response = client.get(reverse("api-1.0.0:openapi-view"))
    assert response.status_code == 200

"""The API tokens page: the life of a new token (1 to 365 days, 90 by default), and for each
token when it was created, when it expires, when it was last used and its status."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from misper.agencies.models import ApiToken
from misper.agencies.services import api_token_create, api_token_revoke
from misper.web.jinja import uk_datetime

pytestmark = pytest.mark.django_db


def _row(body: str, token: ApiToken) -> str:
    match = re.search(
        rf'<tr class="govuk-table__row" data-testid="token-{token.prefix}">(.*?)</tr>', body, re.S
    )
    assert match, f"no row for token {token.prefix}"
    return re.sub(r"\s+", " ", match.group(1))


def test_form_offers_the_life_in_days_with_90_by_default(mfa_client, make_user):
    body = mfa_client(make_user()).get(reverse("web:api_tokens")).content.decode()
    assert "How long should it last?" in body
    assert "Between 1 and 365 days" in body
    field = re.search(r"<input[^>]*id=\"id_days\"[^>]*>", body)
    assert field, "no days input"
    assert 'value="90"' in field.group(0)
    assert 'type="text"' in field.group(0) and 'inputmode="numeric"' in field.group(0)


def test_chosen_life_is_used(mfa_client, make_user):
    user = make_user()
    response = mfa_client(user).post(reverse("web:api_tokens"), {"name": "weekly", "days": "7"})
    assert response.status_code == 200
    token = ApiToken.objects.get(user=user)
    assert token.expires_at - token.created_at == timedelta(days=7)


@pytest.mark.parametrize(
    "days,message",
    [
        ("0", "The number of days must be between 1 and 365"),
        ("366", "The number of days must be between 1 and 365"),
        ("", "Enter how many days the token should last"),
        ("ninety", "The number of days must be a whole number"),
    ],
)
def test_bad_life_names_the_field_and_saves_nothing(mfa_client, make_user, days, message):
    user = make_user()
    response = mfa_client(user).post(reverse("web:api_tokens"), {"name": "t", "days": days})
    body = response.content.decode()
    assert response.status_code == 400
    assert "There is a problem" in body and 'href="#id_days"' in body
    assert message in body
    assert not ApiToken.objects.filter(user=user).exists()


def test_page_lists_created_expiry_last_use_and_status(mfa_client, make_user):
    user = make_user()
    client = mfa_client(user)
    unused = api_token_create(actor=user, name="unused", days=30).token
    used = api_token_create(actor=user, name="used").token
    last_used = timezone.now() - timedelta(hours=2)
    ApiToken.objects.filter(pk=used.pk).update(last_used_at=last_used)
    expired = api_token_create(actor=user, name="old").token
    ApiToken.objects.filter(pk=expired.pk).update(expires_at=timezone.now() - timedelta(days=1))
    revoked = api_token_create(actor=user, name="gone").token
    api_token_revoke(actor=user, token_id=revoked.pk)

    body = client.get(reverse("web:api_tokens")).content.decode()
    assert ">Expires<" in body and ">Last used<" in body and ">Status<" in body

    row = _row(body, unused)
    assert uk_datetime(unused.created_at) in row
    assert uk_datetime(unused.expires_at) in row
    assert "Never" in row
    assert 'govuk-tag--green">Active<' in row
    assert "Revoke" in row

    row = _row(body, used)
    assert uk_datetime(last_used) in row and "Never" not in row

    row = _row(body, expired)
    assert ">Expired<" in row and "Active" not in row and "Revoke" not in row

    row = _row(body, revoked)
    assert ">Revoked<" in row and "Active" not in row and "Revoke<" not in row

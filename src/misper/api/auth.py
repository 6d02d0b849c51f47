"""API authentication: a personal token (``Authorization: Bearer msp_…``) or the browser
session (with its CSRF check for writes). Outside demo mode a session counts only once the
user has set up multi-factor authentication."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from ninja.security import HttpBearer, SessionAuth

from misper.agencies.services import api_token_authenticate


class TokenAuth(HttpBearer):
    openapi_scheme = "bearer"

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = api_token_authenticate(token)
        if user is not None:
            request.user = user
        return user


class MfaSessionAuth(SessionAuth):
    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = super().authenticate(request, key)
        if user and settings.MISPER_REQUIRE_MFA:
            from allauth.mfa.models import Authenticator

            if not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
                return None
        return user


AUTH = [TokenAuth(), MfaSessionAuth()]

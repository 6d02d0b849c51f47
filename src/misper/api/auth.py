"""API authentication: a personal token (``Authorization: Bearer msp_…``) or the browser
session (with its CSRF check for writes). Either counts only while the user meets the
sign-in requirements (``meets_sign_in_requirements``: outside demo mode, an authenticator
app set up); a token also only until it expires or is revoked."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja.security import HttpBearer, SessionAuth

from misper.agencies.services import api_token_authenticate, meets_sign_in_requirements


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
        if user and not meets_sign_in_requirements(user):
            return None
        return user


AUTH = [TokenAuth(), MfaSessionAuth()]

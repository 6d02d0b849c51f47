"""allauth adapter: accounts are created by administrators, never by sign-up; a person
setting up their first authenticator straight after signing in is not asked for their
password a second time."""

from __future__ import annotations

import time
from typing import Any

from allauth.account import app_settings as account_settings
from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.authentication import get_authentication_records
from allauth.core import context


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request: Any) -> bool:
        return False

    def is_reauthentication_required(self, *, app: str, **kwargs: Any) -> bool:
        required: bool = super().is_reauthentication_required(app=app, **kwargs)
        if not required or not app.endswith("mfa"):
            return required
        request = context.request
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return required
        from allauth.mfa.models import Authenticator

        records = get_authentication_records(request, user)
        if not records:
            return required
        signed_in_at = records[-1]["at"]
        # Changing an authenticator that existed before this sign-in: ask again. One set up
        # in this session (the authenticator app, then its recovery codes) does not count.
        from datetime import UTC, datetime

        since = datetime.fromtimestamp(signed_in_at, tz=UTC)
        if Authenticator.objects.filter(user=user, created_at__lt=since).exists():
            return required
        return not (time.time() - signed_in_at < account_settings.REAUTHENTICATION_TIMEOUT)

"""Context every page gets: who is signed in, as what, for which organisation, and the
navigation they may use."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from misper.agencies.models import User
from misper.web.navigation import navigation_for


def shell(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if not isinstance(user, User) or not user.is_authenticated:
        user = None
    return {
        "user": user,
        "signed_in": user is not None,
        "navigation": navigation_for(user, request.path) if user else [],
        "user_organisation": (user.organisation.name if user and user.organisation else ""),
        "user_roles": (", ".join(user.role_labels) if user else ""),
        "csp_nonce": getattr(request, "csp_nonce", ""),
    }

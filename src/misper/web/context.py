"""Context every page gets: who is signed in, as what, for which organisation, and the
navigation they may use."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from misper.web.navigation import navigation_for


def shell(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    signed_in = bool(user and user.is_authenticated)
    return {
        "user": user,
        "signed_in": signed_in,
        "navigation": navigation_for(user, request.path) if signed_in else [],
        "user_organisation": (user.organisation.name if signed_in and user.organisation else ""),
        "user_roles": (", ".join(user.role_labels) if signed_in else ""),
        "csp_nonce": getattr(request, "csp_nonce", ""),
    }

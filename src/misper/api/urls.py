"""The JSON API under /api/v1/: django-ninja, one router per app, errors as JSON naming the
field and the reason."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from misper.api.agencies import router as agencies_router
from misper.api.auth import AUTH
from misper.api.people import router as people_router
from misper.core.errors import (
    ConcurrentEdit,
    DomainError,
    NotFound,
    PermissionDenied,
    WrongState,
)


def _docs_csp(view):
    """The API docs page (Swagger UI, served from our own static files) sets inline styles;
    allow those on that page only."""
    from functools import wraps

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        response["Content-Security-Policy"] = (
            "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
            "img-src 'self' data:; object-src 'none'; frame-ancestors 'none'; base-uri 'self'"
        )
        return response

    return wrapped


class _API(NinjaAPI):
    """The OpenAPI document is the same for every request once the routes are registered:
    built once per path prefix and process (it took about a second a request)."""

    def get_openapi_schema(
        self, *, path_prefix: str | None = None, path_params: dict[str, Any] | None = None
    ) -> Any:
        if path_prefix is None:
            path_prefix = self.get_root_path(path_params or {})
        cache: dict[str, Any] = self.__dict__.setdefault("_openapi_by_prefix", {})
        if path_prefix not in cache:
            cache[path_prefix] = super().get_openapi_schema(path_prefix=path_prefix)
        return cache[path_prefix]


api = _API(
    title="Misper API",
    version="1.0.0",
    description=(
        "The same capabilities as Misper's pages. Authenticate with a personal API token "
        "(`Authorization: Bearer msp_...`, created under Your account) or a signed-in "
        "browser session. Errors are JSON: `{code, message, field}`."
    ),
    auth=AUTH,
    urls_namespace="api-1.0.0",
    docs_decorator=_docs_csp,
)

STATUS = {NotFound: 404, PermissionDenied: 403, ConcurrentEdit: 409, WrongState: 409}


@api.exception_handler(DomainError)
def domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
    """Every refusal in one shape: a stable code, the words people read (``message``, the
    same as on the page; ``error`` is the same text), the field it concerns, and, for a
    refusal by the policy, the rules that refused (the deciding one first), the role that
    could do it and the fields that are missing."""
    status = next((s for cls, s in STATUS.items() if isinstance(exc, cls)), 400)
    body: dict[str, object] = {"code": exc.code, "message": exc.message, "field": exc.field}
    if exc.rules or exc.required_role or exc.missing_fields:
        body.update(
            error=exc.message,
            rules=list(exc.rules),
            required_role=exc.required_role,
            missing_fields=list(exc.missing_fields),
        )
    return api.create_response(request, body, status=status)


@api.exception_handler(NinjaValidationError)
def validation_error(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    errors = []
    for err in exc.errors:
        loc = [str(p) for p in err.get("loc", ()) if p not in ("body", "query", "path", "payload")]
        errors.append({"field": ".".join(loc) or None, "message": err.get("msg", "invalid")})
    first = errors[0] if errors else {"field": None, "message": "invalid request"}
    return api.create_response(
        request,
        {
            "code": "validation_failed",
            "message": f"{first['field']}: {first['message']}"
            if first["field"]
            else first["message"],
            "field": first["field"],
            "errors": errors,
        },
        status=422,
    )


@api.exception_handler(AuthenticationError)
def auth_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return api.create_response(
        request,
        {"code": "not_authenticated", "message": "Sign in or send an API token", "field": None},
        status=401,
    )


@api.exception_handler(HttpError)
def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    return api.create_response(
        request, {"code": "error", "message": str(exc), "field": None}, status=exc.status_code
    )


api.add_router("/", agencies_router)
api.add_router("/", people_router)
api.add_router("/", "misper.api.duplicates.router")
api.add_router("/", "misper.api.episodes.router")
api.add_router("/", "misper.api.notifications.router")
api.add_router("/", "misper.api.returns.router")
api.add_router("/", "misper.api.interventions.router")
api.add_router("/", "misper.api.network.router")
api.add_router("/", "misper.api.harbouring.router")
api.add_router("/", "misper.api.care.router")
api.add_router("/", "misper.api.insights.router")
api.add_router("/", "misper.api.imports.router")
api.add_router("/", "misper.api.reports.router")

"""The shell's pages: home, account, API tokens, organisation, administration, and the
error pages. Views parse input, call a service or a selector, and render."""

from __future__ import annotations

from typing import Any

import rules
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from misper.agencies import selectors, services
from misper.agencies.models import Organisation, User
from misper.agencies.roles import Role
from misper.core.audit import last_audit_check
from misper.core.errors import DomainError, NotFound
from misper.web.forms import ApiTokenForm

ROLE_JOBS: dict[str, str] = {
    Role.CALL_HANDLER: "Take a report, ask the risk questions, and see at once what every "
    "agency already knows about the child.",
    Role.SERGEANT: "Review absent or 'no apparent risk' reports and supervise open cases.",
    Role.INSPECTOR: "Review absent or 'no apparent risk' reports, grade risk with a "
    "rationale, set review times, and supervise open cases.",
    Role.CHIEF_INSPECTOR: "As Force Incident Manager, settle disagreements about the category.",
    Role.SUPERINTENDENT: "Authorise any lowering of a high-risk grading.",
    Role.INVESTIGATING_OFFICER: "Record every action and decision on your cases, take the "
    "found report and the safe and well check.",
    Role.MISSING_PERSON_COORDINATOR: "Watch repeat-missing triggers for children, places and "
    "establishments, and convene intervention meetings.",
    Role.CSE_COORDINATOR: "Watch children at risk of sexual exploitation and refer to MASE.",
    Role.ANALYST: "See patterns: hot spots, repeat missing, durations, and who is graded how.",
    Role.SOCIAL_WORKER: "Receive notifications and keep the child's profile up to date: "
    "placements, flags and the pre-placement missing risk assessment.",
    Role.TEAM_MANAGER: "Oversee your team's children and confirm decisions not to hold a "
    "return interview.",
    Role.IRO: "Follow the missing episodes of the children whose reviews you chair.",
    Role.RHI_WORKER: "Triage referrals and hold return interviews within 72 hours.",
    Role.RHI_MANAGER: "Allocate return interviews and confirm decisions not to hold one.",
    Role.CARER: "Report a child in your care missing, and see your own children only.",
    Role.SAFEGUARDING_BOARD: "See the patterns and statutory figures for your area.",
    Role.SYSTEM_ADMIN: "Manage organisations, users and information-sharing arrangements, "
    "and check the audit log.",
}


@login_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    user = selectors.acting_user(request)
    jobs = [(Role(code).label, ROLE_JOBS[code]) for code in sorted(user.role_codes)]
    return render(request, "web/home.html", {"jobs": jobs})


@login_required
@require_GET
def account(request: HttpRequest) -> HttpResponse:
    from allauth.mfa.models import Authenticator

    user = selectors.acting_user(request)
    types = set(Authenticator.objects.filter(user=user).values_list("type", flat=True))
    return render(
        request,
        "web/account.html",
        {
            "has_totp": Authenticator.Type.TOTP in types,
            "has_recovery": Authenticator.Type.RECOVERY_CODES in types,
            "token_count": selectors.tokens_for_user(user)
            .filter(revoked_at=None, expires_at__gt=timezone.now())
            .count(),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def api_tokens(request: HttpRequest) -> HttpResponse:
    user = selectors.acting_user(request)
    form = ApiTokenForm(request.POST or None)
    new_secret = None
    if request.method == "POST" and form.is_valid():
        try:
            created = services.api_token_create(
                actor=user, name=form.cleaned_data["name"], days=form.cleaned_data["days"]
            )
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            new_secret = created.secret
            form = ApiTokenForm()
    status = 400 if form.errors else 200
    return render(
        request,
        "web/api_tokens.html",
        {
            "form": form,
            "tokens": selectors.tokens_for_user(user),
            "new_secret": new_secret,
            "error_count": len(form.errors),
        },
        status=status,
    )


@login_required
@require_POST
def api_token_revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    try:
        token = services.api_token_revoke(actor=selectors.acting_user(request), token_id=token_id)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    messages.success(request, f"Token '{token.name}' has been revoked")
    return redirect("web:api_tokens")


@login_required
@require_GET
def organisation(request: HttpRequest, organisation_id: int | None = None) -> HttpResponse:
    user = selectors.acting_user(request)
    if organisation_id is None:
        if user.organisation_id is None:
            raise Http404("You do not belong to an organisation")
        organisation_id = user.organisation_id
    try:
        org = selectors.get_organisation_for_user(user, organisation_id)
        members = selectors.organisation_members(user, org)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    areas = Organisation.objects.filter(parent=org).order_by("name")
    return render(
        request, "web/organisation.html", {"org": org, "members": members, "areas": areas}
    )


@login_required
@require_GET
def audit_log(request: HttpRequest) -> HttpResponse:
    user = selectors.acting_user(request)
    try:
        events = selectors.audit_events(user)[:200]
    except NotFound as exc:
        raise Http404(exc.message) from exc
    # The chain is walked by the worker on a schedule (core/tasks.py) and by
    # `misper audit verify`, not by this page: it shows the last result.
    check = last_audit_check()
    return render(request, "web/audit_log.html", {"events": events, "check": check})


@login_required
@require_GET
def admin_users(request: HttpRequest) -> HttpResponse:
    user = selectors.acting_user(request)
    if not rules.has_perm("agencies.manage_users", user):
        raise Http404("No such page")
    users = User.objects.select_related("organisation").prefetch_related("role_assignments")
    return render(request, "web/admin_users.html", {"users": users})


@require_GET
def accessibility(request: HttpRequest) -> HttpResponse:
    return render(request, "web/accessibility.html")


@require_GET
def privacy(request: HttpRequest) -> HttpResponse:
    return render(request, "web/privacy.html")


@require_GET
def healthz(request: HttpRequest) -> HttpResponse:
    """Checks the database answers. No authentication; says nothing about the data."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:
        return JsonResponse({"status": "error", "database": "unreachable"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})


def _error(request: HttpRequest, template: str, status: int, **ctx: Any) -> HttpResponse:
    return render(request, template, ctx, status=status)


def error_403(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error(request, "errors/403.html", 403)


def error_404(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error(request, "errors/404.html", 404)


def error_500(request: HttpRequest) -> HttpResponse:
    return _error(request, "errors/500.html", 500)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    return _error(request, "errors/403.html", 403, csrf=True)

"""The inbox pages, and the administrators' view of deliveries and webhook endpoints.

Views parse, call a selector or a service, and render. A message that is not the user's
or their organisation's, and every administrator page for anyone else, is "Page not
found"."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from misper.agencies.selectors import acting_user
from misper.core.errors import DomainError, NotFound
from misper.notifications import selectors, services
from misper.notifications.forms import ArrangementForm, InboxFilterForm, WebhookEndpointForm
from misper.notifications.models import FlagPlacement, MessageStatus

PER_PAGE = 50


@login_required
@require_GET
def inbox(request: HttpRequest) -> HttpResponse:
    user = acting_user(request)
    form = InboxFilterForm(request.GET or None, rules=selectors.inbox_rules(user))
    show, rule = "all", ""
    if form.is_valid():
        show = form.cleaned_data["show"] or "all"
        rule = form.cleaned_data["rule"] or ""
    page = Paginator(selectors.inbox_for_user(user, show=show, rule=rule), PER_PAGE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "notifications/inbox.html",
        {
            "form": form,
            "page": page,
            "show": show,
            "rule": rule,
            "unread": selectors.inbox_unread_count(user),
        },
    )


@login_required
@require_GET
def message_open(request: HttpRequest, message_id: int) -> HttpResponse:
    try:
        message = services.message_mark_read(actor=acting_user(request), message_id=message_id)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    return render(request, "notifications/message.html", {"message": message})


@login_required
@require_POST
def acknowledge(request: HttpRequest, message_id: int) -> HttpResponse:
    try:
        message = services.message_acknowledge(actor=acting_user(request), message_id=message_id)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    messages.success(request, f"Acknowledged: {message.title}")
    return redirect("notifications:inbox")


@login_required
@require_GET
def deliveries(request: HttpRequest) -> HttpResponse:
    user = acting_user(request)
    status = request.GET.get("status", "")
    if status not in MessageStatus.values:
        status = ""
    try:
        rows = selectors.deliveries_for_admin(user, status=status)
        counts = selectors.delivery_counts(user)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    return render(
        request,
        "notifications/deliveries.html",
        {"rows": rows, "counts": counts, "status": status, "statuses": MessageStatus},
    )


@login_required
@require_GET
def delivery(request: HttpRequest, message_id: int) -> HttpResponse:
    try:
        message = selectors.get_delivery_for_admin(acting_user(request), message_id)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    return render(request, "notifications/delivery.html", {"message": message})


@login_required
@require_http_methods(["GET", "POST"])
def webhooks(request: HttpRequest) -> HttpResponse:
    user = acting_user(request)
    try:
        endpoints = selectors.webhook_endpoints_for_admin(user)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    form = WebhookEndpointForm(request.POST or None)
    new_secret = None
    if request.method == "POST" and form.is_valid():
        try:
            created = services.webhook_endpoint_add(
                actor=user,
                organisation_id=form.cleaned_data["organisation"].pk,
                url=form.cleaned_data["url"],
            )
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            new_secret = created.secret
            form = WebhookEndpointForm()
    return render(
        request,
        "notifications/webhooks.html",
        {
            "form": form,
            "endpoints": endpoints,
            "new_secret": new_secret,
            "error_count": len(form.errors),
        },
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def webhook_deactivate(request: HttpRequest, endpoint_id: int) -> HttpResponse:
    try:
        endpoint = services.webhook_endpoint_deactivate(
            actor=acting_user(request), endpoint_id=endpoint_id
        )
    except NotFound as exc:
        raise Http404(exc.message) from exc
    messages.success(request, f"Webhook to {endpoint.url} deactivated")
    return redirect("notifications:webhooks")


@login_required
@require_http_methods(["GET", "POST"])
def arrangements(request: HttpRequest) -> HttpResponse:
    """Information-sharing arrangements: who is told about whose events, and how."""
    user = acting_user(request)
    try:
        rows = selectors.arrangements_for_admin(user)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    form = ArrangementForm(request.POST or None, initial={"active": True})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.arrangement_save(
                actor=user,
                from_org=data["from_org"],
                to_org=data["to_org"],
                channels=list(data["channels"]),
                note=data["note"],
                active=data["active"],
                flag_placement=data["flag_placement"] or FlagPlacement.REQUEST,
            )
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, "Arrangement saved")
            return redirect("notifications:arrangements")
    return render(
        request,
        "notifications/arrangements.html",
        {"form": form, "rows": rows, "error_count": len(form.errors)},
        status=400 if form.errors else 200,
    )

"""The network's pages (issue 12, part 5): a child's network (drawn, with the same content
in a table), an adult's page and a place's page with the children linked to them and their
episodes, the adults' list, and the forms that record an adult, link a child's associate
to one and record a place as a certified refuge (R-HRB-07).

They are for the operational police and children's services (``may_see_network``); anyone
else, and anything the viewer may not see, is "Page not found", with nothing written. What
the pages show comes through interventions/network.py, which leaves out the children the
viewer may not see and every restricted case (R-RES-01). Every write is a POST to a page of
its own; an error is put on the field it names with what was typed kept; someone else's
change in the meantime is said at the top."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from misper.agencies.models import User
from misper.agencies.selectors import acting_user
from misper.core.errors import ConcurrentEdit, DomainError, NotFound, PermissionDenied
from misper.core.events import label as verb_label
from misper.core.timeline import timeline_for_subject
from misper.episodes.views import render_form
from misper.interventions import network
from misper.interventions.graph import network_svg, summary
from misper.interventions.network_forms import (
    NO_ADULT,
    AdultChangeForm,
    AdultForm,
    LinkForm,
    RefugeForm,
)
from misper.interventions.selectors import notice_preparer_roles, notices_about_adult
from misper.people.models import Adult, Associate, Location, LocationKind
from misper.people.network import (
    adult_record,
    adult_update,
    associate_link,
    location_set_kind,
)
from misper.people.selectors import (
    get_adult_for_user,
    get_associate_for_user,
    get_location_for_user,
    may_see_network,
)
from misper.returns.views import apply_error

GET_POST = require_http_methods(["GET", "POST"])
LIST_LIMIT = 100
KIND_WORDS = {"child": "Child", "adult": "Adult", "place": "Place"}
DISTANCE_WORDS = {0: "This child", 1: "Directly linked", 2: "Two links away"}


def _viewer(request: HttpRequest) -> User:
    """The signed-in user, if the network is theirs to see; "Page not found" otherwise."""
    user = acting_user(request)
    if not may_see_network(user):
        raise Http404("No such page")
    return user


T = TypeVar("T")


def _or_404(fn: Callable[[], T]) -> T:
    try:
        return fn()
    except (NotFound, PermissionDenied) as exc:
        raise Http404(exc.message) from exc


def node_url(node: network.Node) -> str:
    name = {"child": "network:child", "adult": "network:adult", "place": "network:place"}
    return reverse(name[node.kind], args=[node.id])


def _history(subject_type: str, subject_id: int) -> list[dict[str, Any]]:
    rows = []
    for e in timeline_for_subject(subject_type, subject_id).order_by("-at", "-id")[:50]:
        changes = [
            (key.replace("_", " ").capitalize(), value)
            for key, value in (e.changes or {}).items()
            if value not in ("", None)
        ]
        rows.append({"event": e, "what": verb_label(e.verb), "changes": changes})
    return rows


# --- A child's network ----------------------------------------------------------------------


def network_rows(net: network.Network) -> list[dict[str, Any]]:
    """The table beside the drawing: every node but the child, nearest first, each with
    how it is linked and to whom."""
    rows = []
    for n in sorted(net.nodes, key=lambda n: (n.distance, n.kind != "child", n.label, n.id)):
        if n.key == net.centre.key:
            continue
        links = [
            {"why": e.why, "on": e.on, "to": other, "url": node_url(other)}
            for other, e in sorted(
                net.links_of(n.key), key=lambda pair: (pair[0].distance, pair[0].label, pair[1].why)
            )
        ]
        rows.append(
            {
                "node": n,
                "url": node_url(n),
                "kind": KIND_WORDS[n.kind],
                "distance": DISTANCE_WORDS.get(n.distance, "Two links away"),
                "links": links,
            }
        )
    return rows


@login_required
@require_GET
def child(request: HttpRequest, person_id: int) -> HttpResponse:
    user = _viewer(request)
    net = _or_404(lambda: network.child_network(user, person_id))
    return render(
        request,
        "network/child.html",
        {
            "net": net,
            "svg": network_svg(net),
            "summary": summary(net),
            "rows": network_rows(net),
            "max_nodes": network.MAX_NODES,
            "together_hours": int(network.TOGETHER.total_seconds() // 3600),
        },
    )


# --- Adults -------------------------------------------------------------------------------------


@login_required
@require_GET
def adults(request: HttpRequest) -> HttpResponse:
    """The adults the viewer may see, found by name."""
    user = _viewer(request)
    name = request.GET.get("name", "").strip()[:200]
    found = network.adult_candidates(user, name, limit=LIST_LIMIT)
    return render(
        request,
        "network/adults.html",
        {"adults": found, "name": name, "more": len(found) >= LIST_LIMIT, "limit": LIST_LIMIT},
    )


def _associate_for(user: User, associate_id: Any, purpose: str) -> Associate:
    try:
        pk = int(associate_id)
    except (TypeError, ValueError):
        raise Http404("No such associate") from None
    return _or_404(
        lambda: get_associate_for_user(user, pk, action="people.change", purpose=purpose)
    )


@login_required
@GET_POST
def adult_new(request: HttpRequest) -> HttpResponse:
    """Record an adult; opened from the link page (``?associate=<id>``), the child's
    associate is linked to the new adult in the same save."""
    user = _viewer(request)
    source = request.POST if request.method == "POST" else request.GET
    associate = None
    if source.get("associate"):
        associate = _associate_for(user, source.get("associate"), "record adult for associate")
    if request.method == "POST":
        form = AdultForm(request.POST)
    else:
        form = AdultForm(
            initial={
                "name": associate.name if associate else request.GET.get("name", "")[:200],
                "associate": associate.pk if associate else None,
            }
        )
    if request.method == "POST" and form.is_valid():
        try:
            adult = adult_record(
                actor=user,
                details=form.details(),
                associate_id=associate.pk if associate else None,
            )
        except NotFound as exc:
            raise Http404(exc.message) from exc
        except DomainError as exc:
            apply_error(form, exc)
        else:
            if associate is not None:
                messages.success(
                    request, f"{adult.name} recorded, and linked to {associate.person.name}"
                )
                return redirect("network:child", person_id=associate.person_id)
            messages.success(request, f"{adult.name} recorded")
            return redirect("network:adult", adult_id=adult.pk)
    return render_form(request, "network/adult_form.html", form, associate=associate, adult=None)


def _notices(user: User, adult: Adult) -> list[dict[str, Any]]:
    """The harbouring notices on the adult that the viewer may see, linked to their pages
    (interventions/harbouring_views.py)."""
    return [
        {
            "notice": n,
            "status": n.get_status_display(),
            "url": reverse("interventions:harbouring_notice", args=[n.pk]),
        }
        for n in notices_about_adult(user, adult.pk).order_by("-prepared_at", "-pk")[:50]
    ]


@login_required
@require_GET
def adult(request: HttpRequest, adult_id: int) -> HttpResponse:
    user = _viewer(request)
    found, children = _or_404(lambda: network.adult_page(user, adult_id))
    return render(
        request,
        "network/adult.html",
        {
            "adult": found,
            "children": children,
            "notices": _notices(user, found),
            "may_prepare": user.has_role(*notice_preparer_roles()),
            "timeline": _history("adult", found.pk),
        },
    )


def _adult_initial(a: Adult) -> dict[str, Any]:
    return {
        "name": a.name,
        "date_of_birth": a.date_of_birth,
        "address": a.address,
        "postcode": a.postcode,
        "description": a.description,
        "version": a.version,
    }


@login_required
@GET_POST
def adult_change(request: HttpRequest, adult_id: int) -> HttpResponse:
    user = _viewer(request)
    current = _or_404(lambda: get_adult_for_user(user, adult_id, purpose="open adult to change"))
    if request.method == "POST":
        form = AdultChangeForm(request.POST)
    else:
        form = AdultChangeForm(initial=_adult_initial(current))
    if request.method == "POST" and form.is_valid():
        try:
            adult_update(
                actor=user,
                adult_id=current.pk,
                version=form.cleaned_data["version"],
                details=form.details(),
            )
        except NotFound as exc:
            raise Http404(exc.message) from exc
        except ConcurrentEdit as exc:
            data = request.POST.copy()
            data["version"] = str(Adult.objects.get(pk=current.pk).version)
            form = AdultChangeForm(data)
            form.is_valid()
            form.add_error(None, exc.message)
        except DomainError as exc:
            apply_error(form, exc)
        else:
            messages.success(request, "Details saved")
            return redirect("network:adult", adult_id=current.pk)
    return render_form(request, "network/adult_form.html", form, associate=None, adult=current)


# --- Linking a child's associate to an adult -------------------------------------------------


@login_required
@GET_POST
def associate_link_page(request: HttpRequest, associate_id: int) -> HttpResponse:
    """Say which adult a child's associate is: the adults found by name (the associate's,
    or a name searched for), "not linked to any adult" when it is linked, or a new adult
    recorded with this name."""
    user = _viewer(request)
    associate = _associate_for(user, associate_id, "open associate to link")
    name = (request.GET.get("name") or associate.name).strip()[:200]
    candidates = network.adult_candidates(user, name)
    if associate.adult is not None and associate.adult.pk not in {a.pk for a in candidates}:
        candidates.insert(0, associate.adult)
    if request.method == "POST":
        form = LinkForm(request.POST)
    else:
        form = LinkForm(
            initial={"adult": associate.adult.pk if associate.adult is not None else ""}
        )
    if request.method == "POST" and form.is_valid():
        adult_id = form.cleaned_data["adult"]
        try:
            associate_link(actor=user, associate_id=associate.pk, adult_id=adult_id)
        except NotFound as exc:
            raise Http404(exc.message) from exc
        except DomainError as exc:
            form.add_error("adult", exc.message)
        else:
            if adult_id is None:
                messages.success(request, f"{associate.name} is no longer linked to an adult")
            else:
                messages.success(request, f"{associate.name} linked to the adult's record")
            return redirect("network:child", person_id=associate.person_id)
    return render_form(
        request,
        "network/associate_link.html",
        form,
        associate=associate,
        person=associate.person,
        name=name,
        candidates=candidates,
        no_adult=NO_ADULT,
        chosen=str(form["adult"].value() or ""),
    )


# --- Places -------------------------------------------------------------------------------------


@login_required
@require_GET
def place(request: HttpRequest, location_id: int) -> HttpResponse:
    user = _viewer(request)
    location, children = _or_404(lambda: network.location_page(user, location_id))
    return render(
        request,
        "network/place.html",
        {
            "place": location,
            "children": children,
            "refuge": location.kind == LocationKind.CERTIFIED_REFUGE,
            "timeline": _history("location", location.pk),
        },
    )


@login_required
@GET_POST
def place_refuge(request: HttpRequest, location_id: int) -> HttpResponse:
    """Record a place as a refuge certified under section 51 of the Children Act 1989
    (with its certificate's reference), or as an ordinary place again (R-HRB-07)."""
    user = _viewer(request)
    location: Location = _or_404(
        lambda: get_location_for_user(user, location_id, purpose="open place to change")
    )
    if request.method == "POST":
        form = RefugeForm(request.POST)
    else:
        form = RefugeForm(
            initial={
                "kind": location.kind,
                "refuge_reference": location.refuge_reference,
                "version": location.version,
            }
        )
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            saved = location_set_kind(
                actor=user,
                location_id=location.pk,
                version=d["version"],
                kind=d["kind"],
                refuge_reference=d["refuge_reference"],
            )
        except NotFound as exc:
            raise Http404(exc.message) from exc
        except ConcurrentEdit as exc:
            data = request.POST.copy()
            data["version"] = str(Location.objects.get(pk=location.pk).version)
            form = RefugeForm(data)
            form.is_valid()
            form.add_error(None, exc.message)
        except DomainError as exc:
            apply_error(form, exc)
        else:
            messages.success(request, f"Saved: {saved.get_kind_display()}")
            return redirect("network:place", location_id=location.pk)
    return render_form(request, "network/place_refuge.html", form, place=location)

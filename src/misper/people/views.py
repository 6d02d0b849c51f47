"""The child's record pages: search, create, the record, and the forms that change it.

Views parse the form, call a selector or a service, and render. Every record is opened
through ``get_person_for_user`` (every flag through ``get_flag_for_user``, every share
through ``get_share_for_user``), which checks who may see it and do what before the read is
audited with its purpose; a child the user may not see, or an action their role does not
allow, is "Page not found". Search and every form are sent by POST so that no name, date of
birth or phone number ever appears in a web address: only numeric ids do."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from datetime import date
from typing import Any

import rules
from django import forms as django_forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import prefetch_related_objects
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from misper.agencies.models import User
from misper.agencies.roles import Role
from misper.agencies.selectors import acting_user
from misper.core.errors import (
    ConcurrentEdit,
    DomainError,
    NotFound,
    PermissionDenied,
    ValidationFailed,
)
from misper.core.events import label as verb_label
from misper.core.timeline import timeline_for_subject
from misper.core.validation import FLAG_REVIEW_YEARS, shift_years
from misper.notifications.models import FlagPlacement
from misper.notifications.services import flag_placement_between
from misper.people import selectors, services
from misper.people.duplicates import may_handle_duplicates, merges_into
from misper.people.forms import (
    AliasForm,
    AllocationEndForm,
    AllocationForm,
    AssociateForm,
    FlagEndForm,
    FlagRaiseForm,
    FlagRequestDecisionForm,
    PersonEditForm,
    PersonForm,
    PlaceForm,
    PlacementForm,
    PlacementReturnForm,
    SearchForm,
    ShareEndForm,
    ShareForm,
)
from misper.people.models import Flag, Person
from misper.people.search import split_caller_name
from misper.people.sections import sections_for
from misper.people.selectors import (
    FLAG_REQUEST_DECIDERS,
    Match,
    confident,
    current_shares,
    flag_requests_for_user,
    get_flag_for_user,
    get_flag_request_for_user,
    get_person_for_user,
    get_share_for_user,
    person_search,
)

GET_POST = require_http_methods(["GET", "POST"])


def _open(request: HttpRequest, person_id: int, *, perm: str, purpose: str) -> Person:
    """The child's record for this request, through the choke point, or 404. The
    permission is checked before the read is audited, so a refused request leaves no audit
    row; a child the user may not see and an action they may not take look the same."""
    try:
        return get_person_for_user(acting_user(request), person_id, action=perm, purpose=purpose)
    except (NotFound, PermissionDenied) as exc:
        raise Http404("No such child") from exc


def _apply_error(form: django_forms.Form, exc: DomainError) -> None:
    """Put a service's error on the field it names (or at the top of the form)."""
    form.add_error(exc.field if exc.field in form.fields else None, exc.message)


def _render_form(
    request: HttpRequest, template: str, form: django_forms.Form, **ctx: Any
) -> HttpResponse:
    status = 400 if form.errors else 200
    return render(
        request, template, {"form": form, "error_count": len(form.errors), **ctx}, status=status
    )


def _after_change(request: HttpRequest, person: Person, message: str) -> HttpResponse:
    messages.success(request, message)
    if rules.has_perm("people.view", acting_user(request), person):
        return redirect("people:detail", person_id=person.pk)
    # The change moved the child out of this user's sight (for example another authority).
    return redirect("people:search")


# --- Search and create ------------------------------------------------------------------


def _prefill(data: dict[str, Any], matches: list[Match]) -> dict[str, str]:
    """What the call handler typed into the search, as hidden fields for 'create a record'.
    The name box is one: the words go to the given and family name as the search read
    them (``split_caller_name``: "Smith, Jayden", or the word the best rows matched as a
    family name), and only when nothing says better the last word is the family name.
    Part of a date of birth goes into the month and year boxes, the day left to ask."""
    given, family = split_caller_name(data.get("name") or "", [m.name_reading for m in matches])
    dob = data.get("date_of_birth")
    year, month = data.get("year_of_birth"), data.get("month_of_birth")
    known = dob or year
    return {
        "given_name": given,
        "family_name": family,
        "date_of_birth": dob.isoformat() if isinstance(dob, date) else "",
        "birth_month": str(month) if month and not dob else "",
        "birth_year": str(year) if year and not dob else "",
        "estimated_age": "" if known or data.get("age") is None else str(data["age"]),
        "phone": data.get("phone") or "",
    }


@login_required
@GET_POST
def search(request: HttpRequest) -> HttpResponse:
    user = acting_user(request)
    if not rules.has_perm("people.search", user):
        raise Http404("No such page")
    form = SearchForm(request.POST if request.method == "POST" else None)
    matches = None
    prefill: dict[str, str] = {}
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            matches = person_search(
                user,
                name=d["name"],
                date_of_birth=d["date_of_birth"],
                year_of_birth=d["year_of_birth"],
                month_of_birth=d["month_of_birth"],
                age=d["age"],
                phone=d["phone"],
                postcode=d["postcode"],
            )
        except NotFound as exc:
            raise Http404(exc.message) from exc
        except ValidationFailed as exc:  # the form checks the same first
            part = exc.field in ("year_of_birth", "month_of_birth")
            field = "date_of_birth" if part else exc.field
            form.add_error(field if field in form.fields else None, exc.message)
        else:
            prefetch_related_objects(
                [m.person for m in matches],
                "aliases",
                "flags",
                "placements__provider",
                "placements__host_authority",
                "home_authority",
            )
            prefill = _prefill(d, matches)
    return _render_form(
        request,
        "people/search.html",
        form,
        matches=matches,
        confident=confident(matches or []),
        prefill=prefill,
        can_create=rules.has_perm("people.create", user),
        today=timezone.localdate(),
    )


@login_required
@GET_POST
def create(request: HttpRequest) -> HttpResponse:
    user = acting_user(request)
    if not rules.has_perm("people.create", user):
        raise Http404("No such page")
    if request.method == "POST" and request.POST.get("from_search"):
        # Arrived from 'No match: create a record': start from what was typed.
        initial: dict[str, Any] = {
            k: request.POST.get(k, "")
            for k in ("given_name", "family_name", "estimated_age", "phone")
        }
        with contextlib.suppress(ValueError):
            initial["date_of_birth"] = date.fromisoformat(request.POST.get("date_of_birth", ""))
        if "date_of_birth" not in initial and request.POST.get("birth_year", "").isdigit():
            # Part of a date of birth: the month and year in their boxes, the day to ask.
            month = request.POST.get("birth_month", "")
            initial["date_of_birth"] = [
                "",
                month if month.isdigit() else "",
                request.POST["birth_year"],
            ]
        return _render_form(request, "people/create.html", PersonForm(initial=initial))
    form = PersonForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            person = services.person_create(actor=user, details=form.details())
        except DomainError as exc:
            _apply_error(form, exc)
        else:
            return _after_change(request, person, f"Record created for {person.name}")
    return _render_form(request, "people/create.html", form)


# --- The record ---------------------------------------------------------------------------


def _role_label(code: str) -> str:
    try:
        return str(Role(code).label)
    except ValueError:
        return code


def _timeline(person: Person) -> list[dict[str, Any]]:
    events = timeline_for_subject("person", person.pk).order_by("-at", "-id")
    rows = []
    roles_now: dict[int, str] = {}  # one query per actor, not per event
    for e in events:
        if e.actor_role:
            role = _role_label(e.actor_role)
        elif e.actor is not None:
            # The people services do not record the role acted in; show the actor's roles.
            if e.actor.pk not in roles_now:
                roles_now[e.actor.pk] = ", ".join(e.actor.role_labels)
            role = roles_now[e.actor.pk]
        else:
            role = ""
        rows.append(
            {
                "event": e,
                "what": verb_label(e.verb),
                "role": role,
                "changes": [(k.replace("_", " ").capitalize(), v) for k, v in e.changes.items()],
            }
        )
    return rows


def _endable_flags(user: User, person: Person, flags: list[Flag]) -> set[int]:
    org = user.organisation
    if org is None or not rules.has_perm("people.raise_flag", user, person):
        return set()
    return {f.pk for f in flags if f.active and (org.is_police or f.raised_by_org_id == org.pk)}


def _carer_report_offer(user: User, person: Person) -> dict[str, Any] | None:
    """For a carer of the child's current placement (the episodes app's rule): the report
    still open (the carer records the return on it), or the way to report the child
    missing or absent."""
    if not rules.has_perm("episodes.carer_report", user, person):
        return None
    # Through the reverse relation: the people app does not import the episodes app.
    open_report = (
        person.carer_reports.filter(status__in=["held", "with_police"]).order_by("-pk").first()
    )
    return {"open": open_report}


@login_required
@require_GET
def detail(request: HttpRequest, person_id: int) -> HttpResponse:
    user = acting_user(request)
    person = _open(request, person_id, perm="people.view", purpose="view record")
    if person.merged_into_id is not None:
        # A record merged into another (people/duplicates.py) points to the record kept.
        kept = person.merged_into
        if kept is not None and rules.has_perm("people.view", user, kept):
            messages.info(
                request,
                f"The record you opened ({person.name}) was merged into this record of the "
                "same child.",
            )
            return redirect("people:detail", person_id=kept.pk)
    placements = list(person.placements.all())
    flags = list(person.flags.all())
    # The child's episodes, newest first, through the reverse relation (the people app
    # does not import the episodes app); only those the user may open are listed.
    episodes = [
        e
        for e in person.episodes.select_related("owning_area").order_by("-reported_at", "-pk")
        if rules.has_perm("episodes.view", user, e)
    ]
    return render(
        request,
        "people/detail.html",
        {
            "person": person,
            "today": timezone.localdate(),
            "current_placement": next((p for p in placements if p.is_current), None),
            "past_placements": [p for p in placements if not p.is_current],
            "flags": flags,
            "active_flags": [f for f in flags if f.active],
            "timeline": _timeline(person),
            "can_change": rules.has_perm("people.change", user, person),
            "can_raise_flag": rules.has_perm("people.raise_flag", user, person),
            # The End link where the user's organisation placed the flag, or they are
            # police (services.flag_end decides, and says why not, R-FLG-04).
            "endable_flags": _endable_flags(user, person, flags),
            "carer_report": _carer_report_offer(user, person),
            "can_record_placement": rules.has_perm("people.record_placement", user, person),
            # The DfE details of a placement: recorded by the authority that made it.
            "own_placements": {
                p.pk for p in placements if p.placing_authority_id == user.organisation_id
            },
            "can_share": rules.has_perm("people.share", user, person),
            "shares": current_shares(person),
            "allocations": selectors.current_allocations(person),
            "can_allocate": rules.has_perm("people.allocate", user, person),
            "can_report": rules.has_perm("episodes.report", user),
            "episodes": episodes,
            # What other apps show on the record (returns: what interviews shared).
            "sections": sections_for(user, person),
            # The records merged into this one, for the coordinators who may undo a merge.
            "merges_in": list(merges_into(person)) if may_handle_duplicates(user) else [],
        },
    )


@login_required
@GET_POST
def edit(request: HttpRequest, person_id: int) -> HttpResponse:
    user = acting_user(request)
    person = _open(request, person_id, perm="people.change", purpose="edit details")
    if request.method != "POST":
        initial = {name: getattr(person, name) for name in PersonForm.base_fields}
        initial["version"] = person.version
        form = PersonEditForm(initial=initial)
        return _render_form(request, "people/edit.html", form, person=person)
    form = PersonEditForm(request.POST)
    changed_since: list[tuple[str, str]] = []
    if form.is_valid():
        try:
            updated = services.person_update(
                actor=user,
                person_id=person.pk,
                version=form.cleaned_data["version"],
                details=form.details(),
            )
        except ConcurrentEdit as exc:
            # Keep everything typed; show what the record says now, and take the current
            # version so that saving again is a deliberate choice made knowing the change.
            try:
                current = get_person_for_user(
                    user, person.pk, purpose="edit details: changed by someone else"
                )
            except NotFound:
                current = person
            data = request.POST.copy()
            data["version"] = str(current.version)
            typed = form.cleaned_data
            form = PersonEditForm(data)
            form.is_valid()
            form.add_error(None, exc.message)
            for name, field in PersonForm.base_fields.items():
                now = getattr(current, name)
                if now != typed.get(name) and not (now in ("", None) and not typed.get(name)):
                    changed_since.append((str(field.label), _display(current, name)))
        except DomainError as exc:
            _apply_error(form, exc)
        else:
            return _after_change(request, updated, "The child's details have been saved")
    return _render_form(
        request, "people/edit.html", form, person=person, changed_since=changed_since
    )


def _display(person: Person, name: str) -> str:
    value = getattr(person, name)
    getter = getattr(person, f"get_{name}_display", None)
    if getter is not None and value:
        return str(getter())
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, date):
        return value.strftime("%-d %B %Y")
    return "" if value is None else str(value)


def _record_form(
    *,
    perm: str,
    purpose: str,
    form_class: type[django_forms.Form],
    template: str,
    title: str,
    submit: str,
    action: Callable[[User, Person, dict[str, Any]], Any],
    done: str,
) -> Callable[[HttpRequest, int], HttpResponse]:
    """A page with one form that adds something to the child's record."""

    @login_required
    @GET_POST
    def view(request: HttpRequest, person_id: int) -> HttpResponse:
        user = acting_user(request)
        person = _open(request, person_id, perm=perm, purpose=purpose)
        form = form_class(request.POST if request.method == "POST" else None)
        if request.method == "POST" and form.is_valid():
            try:
                action(user, person, form.cleaned_data)
            except DomainError as exc:
                _apply_error(form, exc)
            else:
                return _after_change(request, person, done)
        return _render_form(request, template, form, person=person, title=title, submit=submit)

    return view


alias_add = _record_form(
    perm="people.change",
    purpose="add alias",
    form_class=AliasForm,
    template="people/record_form.html",
    title="Add an alias",
    submit="Add alias",
    action=lambda user, person, d: services.alias_add(
        actor=user, person_id=person.pk, name=d["name"], kind=d["kind"]
    ),
    done="Alias added",
)


def _flag_hint(user: User, person: Person) -> str:
    """How the user's flag will be placed (R-FLG-01), said before they write it."""
    org = user.organisation
    if org is not None and org.is_police:
        return "You are police: the flag is placed at once (R-FLG-01)"
    force = services.police_force_for(person)
    if org is None or force is None:
        return (
            "No police force in Misper covers this child's address: speak to the police's "
            "missing person coordinator (R-FLG-01)"
        )
    mode = flag_placement_between(org, force)
    if mode == FlagPlacement.DIRECT:
        return f"{org.name} places flags with {force.name} directly: the flag is placed at once"
    if mode == FlagPlacement.REQUEST:
        return (
            f"Your request goes to {force.name}'s missing person coordinators: they accept or "
            "decline it (R-FLG-01)"
        )
    return (
        f"{org.name} has no arrangement with {force.name} to flag children: speak to the "
        "police's missing person coordinator (R-FLG-01)"
    )


@login_required
@GET_POST
def flag_raise(request: HttpRequest, person_id: int) -> HttpResponse:
    """Flag a child as the user's organisation may (R-FLG-01): police place the flag;
    children's services place it, ask the police, or are refused, as their arrangement
    with the force says (``services.flag_place`` decides)."""
    user = acting_user(request)
    person = _open(request, person_id, perm="people.raise_flag", purpose="raise flag")
    form = FlagRaiseForm(request.POST if request.method == "POST" else None)
    form.fields["kind"].help_text = _flag_hint(user, person)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            outcome = services.flag_place(
                actor=user,
                person_id=person.pk,
                kind=d["kind"],
                evidence=d["evidence"],
                review_on=d["review_on"],
            )
        except NotFound as exc:
            raise Http404("No such child") from exc
        except DomainError as exc:
            _apply_error(form, exc)
        else:
            if outcome.request is not None:
                done = (
                    f"Your request has gone to {outcome.request.force.name}'s missing person "
                    "coordinators: they will accept or decline it (R-FLG-01)"
                )
            else:
                done = "Flag placed"
            return _after_change(request, person, done)
    return _render_form(
        request,
        "people/record_form.html",
        form,
        person=person,
        title="Raise a flag or marker",
        submit="Raise flag",
    )


placement_add = _record_form(
    perm="people.record_placement",
    purpose="record placement",
    form_class=PlacementForm,
    template="people/record_form.html",
    title="Record a placement",
    submit="Record placement",
    action=lambda user, person, d: services.placement_record(
        actor=user,
        person_id=person.pk,
        placement_type=d["placement_type"],
        address=d["address"],
        postcode=d["postcode"],
        provider=d["provider"],
        placing_authority=d["placing_authority"],
        host_authority=d["host_authority"],
        started_on=d["started_on"],
        emergency=d["emergency"],
        dfe=PlacementForm.details_from(d),
    ),
    done="Placement recorded",
)


@login_required
@GET_POST
def placement_return(request: HttpRequest, person_id: int, placement_id: int) -> HttpResponse:
    """What the DfE's SSDA903 return needs of a placement already recorded (R-DAT-04):
    for children's services of the authority that made it. A placement that does not
    exist, or another authority's, is "Page not found"."""
    user = acting_user(request)
    person = _open(
        request,
        person_id,
        perm="people.record_placement",
        purpose="record a placement's details for the DfE return",
    )
    placement = next((p for p in person.placements.all() if p.pk == placement_id), None)
    if placement is None or placement.placing_authority_id != user.organisation_id:
        raise Http404("No such placement")
    if request.method == "POST":
        form = PlacementReturnForm(request.POST)
        if form.is_valid():
            try:
                services.placement_return_set(
                    actor=user,
                    person_id=person.pk,
                    placement_id=placement.pk,
                    version=form.cleaned_data["version"],
                    dfe=PlacementReturnForm.details_from(form.cleaned_data),
                )
            except NotFound as exc:
                raise Http404("No such placement") from exc
            except DomainError as exc:
                _apply_error(form, exc)
            else:
                return _after_change(request, person, "Details for the DfE return recorded")
    else:
        initial: dict[str, Any] = {
            name: getattr(placement, name)
            for name in PlacementReturnForm.base_fields
            if name != "version"
        }
        initial["version"] = person.version
        form = PlacementReturnForm(initial=initial)
    return _render_form(
        request,
        "people/record_form.html",
        form,
        person=person,
        title="The DfE's details of the placement from "
        f"{placement.started_on.day} {placement.started_on:%B %Y}",
        submit="Save the details",
    )


associate_add = _record_form(
    perm="people.change",
    purpose="add associate",
    form_class=AssociateForm,
    template="people/record_form.html",
    title="Add an associate",
    submit="Add associate",
    action=lambda user, person, d: services.associate_add(
        actor=user,
        person_id=person.pk,
        name=d["name"],
        relationship=d["relationship"],
        is_adult=d["is_adult"],
        notes=d["notes"],
        last_seen_on=d["last_seen_on"],
    ),
    done="Associate added",
)

place_add = _record_form(
    perm="people.change",
    purpose="add place",
    form_class=PlaceForm,
    template="people/record_form.html",
    title="Add a place",
    submit="Add place",
    action=lambda user, person, d: services.place_add(
        actor=user,
        person_id=person.pk,
        description=d["description"],
        postcode=d["postcode"],
        last_seen_on=d["last_seen_on"],
    ),
    done="Place added",
)


share_add = _record_form(
    perm="people.share",
    purpose="share record",
    form_class=ShareForm,
    template="people/record_form.html",
    title="Share this record",
    submit="Share record",
    action=lambda user, person, d: services.person_share(
        actor=user,
        person_id=person.pk,
        organisation=d["organisation"],
        reason=d["reason"],
    ),
    done="Record shared",
)


def _end(
    request: HttpRequest,
    person_id: int,
    *,
    fetch: Callable[[], Any],
    end: Callable[[Any, str], Any],
    form_class: type[django_forms.Form],
    template: str,
    name: str,
    done: Callable[[Any], str],
) -> HttpResponse:
    """End a flag or a share. The thing is found through the child's record before the
    form is read: one that does not exist and one of a child the user may not see (or may
    not end) are the same "Page not found"."""
    try:
        thing = fetch()
    except (NotFound, PermissionDenied) as exc:
        raise Http404(f"No such {name}") from exc
    if thing.person_id != person_id or not thing.active:
        raise Http404(f"No such {name}")
    person = thing.person
    form = form_class(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            end(thing, form.cleaned_data["reason"])
        except DomainError as exc:
            _apply_error(form, exc)
        else:
            return _after_change(request, person, done(thing))
    return _render_form(request, template, form, person=person, **{name: thing})


@login_required
@GET_POST
def flag_end(request: HttpRequest, person_id: int, flag_id: int) -> HttpResponse:
    user = acting_user(request)
    return _end(
        request,
        person_id,
        fetch=lambda: get_flag_for_user(
            user, flag_id, action="people.raise_flag", purpose="end flag"
        ),
        end=lambda flag, reason: services.flag_end(actor=user, flag_id=flag.pk, reason=reason),
        form_class=FlagEndForm,
        template="people/flag_end.html",
        name="flag",
        done=lambda flag: f"Flag ended: {flag.get_kind_display()}",
    )


@login_required
@GET_POST
def share_end(request: HttpRequest, person_id: int, share_id: int) -> HttpResponse:
    user = acting_user(request)
    return _end(
        request,
        person_id,
        fetch=lambda: get_share_for_user(
            user, share_id, action="people.share", purpose="end share"
        ),
        end=lambda share, reason: services.person_share_end(
            actor=user, share_id=share.pk, reason=reason
        ),
        form_class=ShareEndForm,
        template="people/share_end.html",
        name="share",
        done=lambda share: f"The record is no longer shared with {share.organisation.name}",
    )


# --- Allocated workers (R-OWN-08) -----------------------------------------------------------


@login_required
@GET_POST
def allocation_add(request: HttpRequest, person_id: int) -> HttpResponse:
    """A team manager of the child's authority allocates a social worker or an IRO; whoever
    held that role for the child is ended the same day (services.allocation_set)."""
    user = acting_user(request)
    person = _open(request, person_id, perm="people.allocate", purpose="allocate worker")
    data = request.POST if request.method == "POST" else None
    form = AllocationForm(data, workers=selectors.allocatable_workers(person))
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            allocation = services.allocation_set(
                actor=user, person_id=person.pk, role=d["role"], user_id=d["user"].pk
            )
        except NotFound as exc:
            raise Http404("No such child") from exc
        except DomainError as exc:
            _apply_error(form, exc)
        else:
            as_what = services.ALLOCATABLE[allocation.role]
            return _after_change(
                request, person, f"{allocation.user.full_name} allocated as {as_what}"
            )
    return _render_form(
        request,
        "people/record_form.html",
        form,
        person=person,
        title="Allocate a social worker or IRO",
        submit="Allocate",
    )


@login_required
@GET_POST
def allocation_end(request: HttpRequest, person_id: int, allocation_id: int) -> HttpResponse:
    """A team manager ends an allocation, with a reason. One that does not exist, has ended,
    or is of a child the user may not allocate for is "Page not found"."""
    user = acting_user(request)
    person = _open(request, person_id, perm="people.allocate", purpose="end allocation")
    allocation = next(
        (a for a in selectors.current_allocations(person) if a.pk == allocation_id), None
    )
    if allocation is None:
        raise Http404("No such allocation")
    form = AllocationEndForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.allocation_end(
                actor=user, allocation_id=allocation.pk, reason=form.cleaned_data["reason"]
            )
        except NotFound as exc:
            raise Http404("No such allocation") from exc
        except DomainError as exc:
            _apply_error(form, exc)
        else:
            return _after_change(
                request, person, f"{allocation.user.full_name} is no longer allocated"
            )
    return _render_form(
        request,
        "people/allocation_end.html",
        form,
        person=person,
        allocation=allocation,
        as_what=services.ALLOCATABLE.get(allocation.role, allocation.role),
    )


@login_required
@require_GET
def my_children(request: HttpRequest) -> HttpResponse:
    user = acting_user(request)
    try:
        children = list(
            selectors.my_children(user).prefetch_related(
                "flags", "placements__provider", "home_authority"
            )
        )
    except NotFound as exc:
        raise Http404(exc.message) from exc
    return render(
        request,
        "people/my_children.html",
        {"children": children, "today": timezone.localdate()},
    )


# --- Requests to flag a child (R-FLG-02) ---------------------------------------------------


def _coordinator(user: User) -> None:
    """The flag-request pages are the force's coordinators': "Page not found" for others."""
    if not user.has_role(*FLAG_REQUEST_DECIDERS):
        raise Http404("No such page")


@login_required
@require_GET
def flag_requests(request: HttpRequest) -> HttpResponse:
    """The requests to flag a child waiting for the user's force."""
    user = acting_user(request)
    _coordinator(user)
    pending = list(flag_requests_for_user(user).order_by("requested_at", "id"))
    return render(request, "people/flag_requests.html", {"requests": pending})


@login_required
@GET_POST
def flag_request_decide(request: HttpRequest, request_id: int) -> HttpResponse:
    """Accept a request (the flag is placed, with a review date) or decline it."""
    user = acting_user(request)
    _coordinator(user)
    try:
        flag_request = get_flag_request_for_user(user, request_id)
    except (NotFound, PermissionDenied) as exc:
        raise Http404("No such flag request") from exc
    if request.method == "POST":
        form = FlagRequestDecisionForm(request.POST)
    else:
        review = shift_years(timezone.localdate(), FLAG_REVIEW_YEARS)
        form = FlagRequestDecisionForm(initial={"review_on": review})
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        accept = d["decision"] == "accept"
        try:
            decided = services.flag_request_decide(
                actor=user,
                request_id=flag_request.pk,
                accept=accept,
                reason=d["reason"],
                review_on=d["review_on"] if accept else None,
            )
        except NotFound as exc:
            raise Http404("No such flag request") from exc
        except DomainError as exc:
            _apply_error(form, exc)
        else:
            kind = decided.get_kind_display()
            messages.success(
                request,
                f"Flag placed: {kind}" if accept else f"Request declined: {kind}",
            )
            return redirect("people:flag_requests")
    return _render_form(
        request,
        "people/flag_request_decide.html",
        form,
        flag_request=flag_request,
        can_view_child=rules.has_perm("people.view", user, flag_request.person),
    )

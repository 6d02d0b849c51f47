"""The return-interview pages: the queue, the referral, and one page per action on it.

Views parse the form, call a selector or a service and render. Every referral is fetched
through ``selectors.get_referral_for_user`` with the action the page is for: a referral the
user may not see, and an action their view or role does not allow, are the same "Page not
found". A service's error is put back on the field it names, with everything the user
typed, and nothing is saved. Every write is a POST to a page of its own; only numeric ids
appear in addresses.

The interviewing organisation sees the whole referral and the interview; the responsible
authority sees the referral, its triage, outcome and timeliness, the steps of the
disclosures and the recommendations, never what the child said (returns/selectors.py)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import rules
from django import forms as django_forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Model, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.views.decorators.http import require_GET, require_http_methods

from misper.agencies.models import User
from misper.agencies.selectors import acting_user
from misper.core.errors import ConcurrentEdit, DomainError, NotFound, PermissionDenied
from misper.core.events import label as verb_label
from misper.core.timeline import timeline_for_subject
from misper.episodes.views import render_form
from misper.policy.calendar import LONDON  # one statement of UK local time
from misper.returns import forms, selectors, services
from misper.returns.coverage import may_count
from misper.returns.events import ReturnsVerb
from misper.returns.models import (
    Basis,
    ItemKind,
    LegalBasis,
    Outcome,
    Rag,
    Referral,
    State,
    Step,
)
from misper.returns.selectors import Do, ReferralAccess, View

GET_POST = require_http_methods(["GET", "POST"])
NOT_FOUND = "No such referral"

# R-RHI-04's seven criteria, in words.
CRITERIA: dict[int, str] = {
    1: "Missing on two or more occasions",
    2: "Engaged, or believed to have engaged, in criminal activities",
    3: "Hurt or harmed while missing, or this is believed",
    4: "Has mental health issues",
    5: "Household issues: mental health, child protection, domestic abuse or substance misuse",
    6: "At risk, or thought at risk, of sexual exploitation",
    7: "In contact with a partner more than two years older, or with people who pose a risk "
    "to children",
}

# The states in which a worker acts on the referral before its outcome.
WORKING = (
    State.AWAITING_TRIAGE,
    State.AWAITING_INFORMATION,
    State.TRIAGED,
    State.OFFERED,
    State.ACCEPTED,
)
SHOW = {"open": "Open", "mine": "Allocated to me", "closed": "Closed"}


def _referral_for(user: User, referral_id: int, *, do: Do, purpose: str) -> ReferralAccess:
    """The referral for this page through the choke point, or "Page not found"."""
    try:
        return selectors.get_referral_for_user(user, referral_id, do=do, purpose=purpose)
    except (NotFound, PermissionDenied) as exc:
        raise Http404(NOT_FOUND) from exc


def apply_error(form: django_forms.Form, exc: DomainError) -> None:
    """Put a service's error on the field it names (or at the top of the form: the version,
    the record's state). The interventions pages use it too."""
    name = exc.field if exc.field in form.fields and exc.field != "version" else None
    form.add_error(name, exc.message)


def _yes_no(value: Any) -> str:
    return "Yes" if value is True else "No" if value is False else "Not known"


def _label(choices: Any, value: Any) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return str(value)


# --- Words for the timeline ---------------------------------------------------------------------


def when_text(value: Any) -> str:
    """An instant the timeline holds as ISO text, as the pages show it: UK local time."""
    parsed = parse_datetime(str(value)) if value else None
    if parsed is None or timezone.is_naive(parsed):
        return str(value or "")
    return parsed.astimezone(LONDON).strftime("%-d %B %Y at %H:%M")


def day_text(value: Any) -> str:
    parsed = parse_date(str(value)) if value else None
    return parsed.strftime("%-d %B %Y") if parsed else str(value or "")


def _facts(value: Any) -> str:
    if not isinstance(value, dict):
        return str(value)
    return "; ".join(
        f"{question} {_yes_no(value.get(name))}" for name, question in forms.FACT_QUESTIONS.items()
    )


def _hours(value: Any) -> str:
    return "" if value is None else f"{value} hours"


CHANGES: dict[str, tuple[str, Callable[[Any], str]]] = {
    "interviewer": ("Interviewer", str),
    "responsible_authority": ("Responsible authority", str),
    "basis": ("Basis", lambda v: _label(Basis, v)),
    "due": ("Due", when_text),
    "rag": ("Rating", lambda v: _label(Rag, v) if v else "Not triaged"),
    "engine_rag": ("The policy's rating", lambda v: _label(Rag, v) if v else "None"),
    "routing_note": ("Routing note", str),
    "allocated_to": ("Allocated to", str),
    "facts": ("Triage", _facts),
    "agency": ("Agency", str),
    "letter_to_carer_on": ("Letter to the parent or carer", day_text),
    "letter_to_child_on": ("Letter to the young person", day_text),
    "to_carer_on": ("Letter to the parent or carer", day_text),
    "to_child_on": ("Letter to the young person", day_text),
    "offered_how": ("Offered by", str),
    "outcome": ("Outcome", lambda v: _label(Outcome, v)),
    "hours_to_outcome": ("Time from found", _hours),
    "within_72_hours": ("Within 72 hours", _yes_no),
    "held_at": ("Held", when_text),
    "independent": ("Independent interviewer", _yes_no),
    "step": ("Step", lambda v: _label(Step, v)),
    "owner": ("Owner", str),
    "due_on": ("Due", day_text),
    "held_on": ("Held on", day_text),
    "topics": ("Topics", str),
    "kind": ("What", lambda v: _label(ItemKind, v)),
    "legal_basis": ("Legal basis", lambda v: _label(LegalBasis, v)),
}
# What only the interviewer reads on the timeline: the interview's content.
INTERVIEWER_ONLY = {ReturnsVerb.INTERVIEW_RECORDED.value, ReturnsVerb.SUPPORT_SESSION.value}


def _timeline(referral: Referral, view: View) -> list[dict[str, Any]]:
    rows = []
    for e in timeline_for_subject("rhi_referral", referral.pk).order_by("-at", "-id"):
        hidden = view != View.INTERVIEWER and e.verb in INTERVIEWER_ONLY
        changes = []
        for key, value in (e.changes or {}).items():
            if hidden and key in ("topics",):
                continue
            label, words = CHANGES.get(key, (key.replace("_", " ").capitalize(), str))
            if value in ("", None) and key not in ("rag", "engine_rag"):
                continue
            changes.append((label, words(value)))
        rows.append(
            {
                "event": e,
                "what": verb_label(e.verb),
                "changes": changes,
                "rationale": "" if hidden else e.rationale,
            }
        )
    return rows


# --- The queue ------------------------------------------------------------------------------------


@login_required
@require_GET
def queue(request: HttpRequest) -> HttpResponse:
    """The user's referrals: open ones by how soon they are due, those allocated to them, or
    the closed ones. Someone with no referrals to see has an empty list."""
    user = acting_user(request)
    show = request.GET.get("show", "open")
    if show not in SHOW:
        show = "open"
    referrals = selectors.queue_for_user(user, show=show)
    now = timezone.now()
    rows = [{"referral": r, "overdue": r.is_open and r.due <= now} for r in referrals]
    return render(
        request,
        "returns/queue.html",
        {"rows": rows, "show": show, "shows": SHOW, "may_count": may_count(user)},
    )


# --- The referral ---------------------------------------------------------------------------------


def _actions(user: User, access: ReferralAccess) -> list[tuple[str, str]]:
    """The actions the user may take now, as (title, address)."""
    referral = access.referral
    if not access.interviewer:
        return []
    out = []
    for name, action in ACTIONS.items():
        if not selectors.may(user, access.view, action.do):
            continue
        if not action.offered(referral, user):
            continue
        out.append((action.title, reverse(f"returns:{name}", args=[referral.pk])))
    return out


@login_required
@require_GET
def detail(request: HttpRequest, referral_id: int) -> HttpResponse:
    user = acting_user(request)
    access = _referral_for(user, referral_id, do=Do.READ, purpose="view referral")
    referral = access.referral
    interviewer = access.interviewer
    interview = getattr(referral, "interview", None) if interviewer else None
    now = timezone.now()
    facts = referral.triage_facts or {}
    proposer_is_me = referral.not_required_proposed_by_id == user.pk
    context = {
        "referral": referral,
        "interviewer_view": interviewer,
        "can_view_child": (
            access.view == View.AUTHORITY and rules.has_perm("people.view", user, referral.person)
        ),
        "overdue": referral.is_open and referral.due <= now,
        "criteria": [CRITERIA.get(n, f"Criterion {n}") for n in referral.criteria],
        "facts": [
            (question, _yes_no(facts.get(name)) if name in facts else "Not asked")
            for name, question in forms.FACT_QUESTIONS.items()
        ],
        "information_requests": list(referral.information_requests.select_related("agency")),
        "interview": interview,
        "disclosures": list(referral.disclosures.all()),
        "recommendations": list(referral.recommendations.select_related("owner")),
        "sessions": list(referral.support_sessions.all()) if interviewer else [],
        "shared": list(referral.shared_items.select_related("shared_by_org")),
        "timeline": _timeline(referral, access.view),
        "actions": _actions(user, access),
        "may_work": selectors.may(user, access.view, Do.WORK),
        "waiting_for_other_manager": (
            referral.state == State.NOT_REQUIRED_PROPOSED
            and proposer_is_me
            and selectors.may(user, access.view, Do.MANAGE)
        ),
        "not_required_proposed_by": referral.not_required_proposed_by,
        "hours_to_outcome": referral.hours_to_outcome,
        "within_72_hours": referral.within_72_hours,
    }
    return render(request, "returns/detail.html", context)


# --- One page per action on the referral ----------------------------------------------------------


@dataclass(frozen=True)
class Action:
    title: str
    form: type[django_forms.Form]
    run: Callable[[User, Referral, Any], Any]
    done: str
    offered: Callable[[Referral, User], bool]
    do: Do = Do.WORK
    versioned: bool = True
    submit: str = "Save"
    # Why it is not offered now, when the referral's state alone does not say.
    why_not: Callable[[Referral, User], str] | None = None


def _in(*states: State) -> Callable[[Referral, User], bool]:
    return lambda referral, user: referral.state in states


def _interviewed(referral: Referral, user: User) -> bool:
    return hasattr(referral, "interview")


def _decidable(referral: Referral, user: User) -> bool:
    """A manager decides "not required", but not the one who proposed it (R-RHI-06)."""
    return (
        referral.state == State.NOT_REQUIRED_PROPOSED
        and referral.not_required_proposed_by_id != user.pk
    )


def _allocate(user: User, r: Referral, f: Any) -> Any:
    d = f.cleaned_data
    return services.referral_allocate(
        actor=user, referral_id=r.pk, version=d["version"], worker_id=d["worker"].pk
    )


def _triage(user: User, r: Referral, f: Any) -> Any:
    d = f.cleaned_data
    return services.referral_triage(
        actor=user,
        referral_id=r.pk,
        version=d["version"],
        facts=f.facts(),
        rag=d["rag"],
        rationale=d["rationale"],
    )


def _information(user: User, r: Referral, f: Any) -> Any:
    d = f.cleaned_data
    return services.information_request(
        actor=user,
        referral_id=r.pk,
        version=d["version"],
        agency_id=d["agency"].pk,
        asked=d["asked"],
    )


def _letter(user: User, r: Referral, f: Any) -> Any:
    d = f.cleaned_data
    return services.letter_sent(
        actor=user,
        referral_id=r.pk,
        version=d["version"],
        to_carer_on=d["to_carer_on"],
        to_child_on=d["to_child_on"],
    )


def _offer(user: User, r: Referral, f: Any) -> Any:
    d = f.cleaned_data
    return services.interview_offer(
        actor=user, referral_id=r.pk, version=d["version"], how=d["offered_how"]
    )


def _accept(user: User, r: Referral, f: Any) -> Any:
    return services.interview_accept(
        actor=user, referral_id=r.pk, version=f.cleaned_data["version"]
    )


def _outcome(user: User, r: Referral, f: Any) -> Any:
    d = f.cleaned_data
    return services.outcome_record(
        actor=user,
        referral_id=r.pk,
        version=d["version"],
        outcome=d["outcome"],
        reason=d["reason"],
        offered_instead=d["offered_instead"],
    )


def _not_required(user: User, r: Referral, f: Any) -> Any:
    d = f.cleaned_data
    return services.not_required_propose(
        actor=user, referral_id=r.pk, version=d["version"], reason=d["reason"]
    )


def _not_required_decision(user: User, r: Referral, f: Any) -> Any:
    d = f.cleaned_data
    return services.not_required_decide(
        actor=user,
        referral_id=r.pk,
        version=d["version"],
        confirm=d["confirm"] == "yes",
        reason=d["reason"],
    )


def _interview(user: User, r: Referral, f: Any) -> Any:
    return services.interview_record(
        actor=user, referral_id=r.pk, version=f.cleaned_data["version"], details=f.details()
    )


def _disclosure(user: User, r: Referral, f: Any) -> Any:
    d = f.cleaned_data
    return services.disclosure_add(
        actor=user, referral_id=r.pk, summary=d["summary"], step=d["step"], due=d["due"]
    )


def _recommendation(user: User, r: Referral, f: Any) -> Any:
    d = f.cleaned_data
    return services.recommendation_add(
        actor=user, referral_id=r.pk, text=d["text"], owner_id=d["owner"].pk, due_on=d["due_on"]
    )


def _session(user: User, r: Referral, f: Any) -> Any:
    d = f.cleaned_data
    return services.support_session_add(
        actor=user, referral_id=r.pk, held_on=d["held_on"], topics=d["topics"], notes=d["notes"]
    )


def _share(user: User, r: Referral, f: Any) -> Any:
    return services.item_share(actor=user, referral_id=r.pk, item=f.item())


# Each action's page (its slug is its address and its name): the title, the form, the
# service, the message when done, and when it is offered. The services say the same and
# refuse otherwise; this decides which links the referral page shows.
ACTIONS: dict[str, Action] = {
    "allocate": Action(
        "Allocate a worker",
        forms.AllocateForm,
        _allocate,
        "Worker allocated",
        lambda r, u: r.is_open,
        do=Do.MANAGE,
        submit="Allocate",
    ),
    "triage": Action(
        "Triage",
        forms.TriageForm,
        _triage,
        "Triage recorded",
        _in(State.AWAITING_TRIAGE, State.AWAITING_INFORMATION, State.TRIAGED),
        submit="Save triage",
    ),
    "information": Action(
        "Ask an agency for information",
        forms.InformationForm,
        _information,
        "Information asked for",
        _in(State.AWAITING_INFORMATION),
        submit="Ask the agency",
    ),
    "letter": Action(
        "Record the letter and leaflet",
        forms.LetterForm,
        _letter,
        "Letter and leaflet recorded: the referral is closed",
        lambda r, u: r.state == State.TRIAGED and r.rag == Rag.GREEN,
    ),
    "offer": Action(
        "Offer the interview",
        forms.OfferForm,
        _offer,
        "Interview offered",
        _in(State.TRIAGED, State.AWAITING_INFORMATION),
        submit="Record the offer",
    ),
    "accept": Action(
        "Record that the interview was accepted",
        forms.AcceptForm,
        _accept,
        "Interview accepted",
        _in(State.OFFERED),
        submit="The interview was accepted",
    ),
    "outcome": Action(
        "Record that no interview took place",
        forms.OutcomeForm,
        _outcome,
        "Outcome recorded: the referral is closed",
        _in(*WORKING),
        submit="Record the outcome",
    ),
    "not_required": Action(
        "Propose that no interview is needed",
        forms.NotRequiredForm,
        _not_required,
        "Proposed: a manager will confirm or refuse it",
        _in(*WORKING),
        submit="Propose",
    ),
    "not_required_decision": Action(
        "Confirm or refuse 'no interview needed'",
        forms.NotRequiredDecisionForm,
        _not_required_decision,
        "Decision recorded",
        _decidable,
        do=Do.MANAGE,
        submit="Save decision",
        why_not=lambda r, u: (
            "You proposed this: another manager must confirm or refuse it (R-RHI-06)"
            if r.state == State.NOT_REQUIRED_PROPOSED
            else ""
        ),
    ),
    "interview": Action(
        "Record the interview",
        forms.InterviewForm,
        _interview,
        "Interview recorded: the referral is closed",
        _in(*WORKING),
        submit="Record the interview",
    ),
    "disclosure": Action(
        "Record a disclosure",
        forms.DisclosureForm,
        _disclosure,
        "Disclosure recorded",
        _interviewed,
        versioned=False,
        submit="Record the disclosure",
    ),
    "recommendation": Action(
        "Record a recommendation",
        forms.RecommendationForm,
        _recommendation,
        "Recommendation recorded",
        _interviewed,
        versioned=False,
        submit="Record the recommendation",
    ),
    "session": Action(
        "Record a support session",
        forms.SessionForm,
        _session,
        "Support session recorded",
        _interviewed,
        versioned=False,
        submit="Record the session",
    ),
    "share": Action(
        "Share with the police",
        forms.ShareForm,
        _share,
        "Shared with the police",
        _interviewed,
        versioned=False,
        submit="Share with the police",
    ),
}


def _initial(name: str, referral: Referral, user: User) -> dict[str, Any]:
    initial: dict[str, Any] = {"version": referral.version}
    if name == "triage":
        facts = referral.triage_facts or {}
        initial.update({k: forms.tri_state(facts.get(k)) for k in forms.FACT_QUESTIONS})
        initial["rag"] = referral.rag or referral.engine_rag or None
        initial["rationale"] = referral.rag_rationale
    elif name == "interview":
        initial["interviewer_name"] = user.full_name
    elif name == "allocate" and referral.allocated_to_id:
        initial["worker"] = referral.allocated_to_id
    return initial


def _make_form(name: str, user: User, referral: Referral, data: Any) -> django_forms.Form:
    action = ACTIONS[name]
    kwargs: dict[str, Any] = {}
    if name == "allocate":
        kwargs["workers"] = selectors.workers_of(referral)
    elif name == "information":
        kwargs["own_organisation_id"] = user.organisation_id
    if data is None:
        kwargs["initial"] = _initial(name, referral, user)
    return action.form(data, **kwargs)


def _after_concurrent_edit(
    request: HttpRequest, name: str, user: User, referral_id: int, exc: ConcurrentEdit
) -> django_forms.Form:
    """Someone else saved the referral: keep everything typed, take the version as it is
    now (so that saving again is a deliberate choice), and say so at the top."""
    current = _referral_for(user, referral_id, do=Do.READ, purpose="changed by someone else")
    data = request.POST.copy()
    data["version"] = str(current.referral.version)
    form = _make_form(name, user, current.referral, data)
    form.is_valid()
    form.add_error(None, exc.message)
    return form


def action_view(name: str) -> Callable[[HttpRequest, int], HttpResponse]:
    action = ACTIONS[name]

    @login_required
    @GET_POST
    def view(request: HttpRequest, referral_id: int) -> HttpResponse:
        user = acting_user(request)
        access = _referral_for(user, referral_id, do=action.do, purpose=f"open the {name} page")
        referral = access.referral
        if not action.offered(referral, user):
            why = action.why_not(referral, user) if action.why_not else ""
            messages.error(
                request,
                why
                or f"You cannot do this now: the referral is "
                f"{referral.get_state_display().lower()}",
            )
            return redirect("returns:detail", referral_id=referral.pk)
        data = request.POST if request.method == "POST" else None
        form = _make_form(name, user, referral, data)
        if request.method == "POST" and form.is_valid():
            try:
                action.run(user, referral, form)
            except NotFound as exc:
                raise Http404(NOT_FOUND) from exc
            except ConcurrentEdit as exc:
                form = _after_concurrent_edit(request, name, user, referral.pk, exc)
            except DomainError as exc:
                apply_error(form, exc)
            else:
                messages.success(request, action.done)
                return redirect("returns:detail", referral_id=referral.pk)
        return render_form(
            request,
            "returns/action.html",
            form,
            referral=referral,
            title=action.title,
            submit=action.submit,
            action_name=name,
            action_url=reverse(f"returns:{name}", args=[referral.pk]),
            interviewer_view=access.interviewer,
            criteria=[CRITERIA.get(n, f"Criterion {n}") for n in referral.criteria],
        )

    view.__name__ = f"action_{name}"
    return view


# --- Pages about one item of the referral ---------------------------------------------------------


def _item_page(
    request: HttpRequest,
    *,
    referral_id: int,
    do: Do,
    fetch: Callable[[Referral], QuerySet[Any]],
    item_id: int,
    open_item: Callable[[Any], bool],
    closed_message: str,
    form_class: type[django_forms.Form],
    run: Callable[[User, Any, Any], Any],
    title: str,
    submit: str,
    done: str,
    url_name: str,
    what: str,
    versioned: bool = False,
) -> HttpResponse:
    """A page that acts on one item of a referral (an information request, a disclosure, a
    recommendation): the referral through the choke point, then the item among its own; an
    item of another referral and one that does not exist are "Page not found"."""
    user = acting_user(request)
    access = _referral_for(user, referral_id, do=do, purpose=f"open the {url_name} page")
    referral = access.referral
    item: Model | None = fetch(referral).filter(pk=item_id).first()
    if item is None:
        raise Http404(f"No such {what}")
    if not open_item(item):
        messages.error(request, closed_message)
        return redirect("returns:detail", referral_id=referral.pk)
    if request.method == "POST":
        form = form_class(request.POST)
    else:
        form = form_class(initial={"version": referral.version} if versioned else None)
    if request.method == "POST" and form.is_valid():
        try:
            run(user, item, form.cleaned_data)
        except NotFound as exc:
            raise Http404(NOT_FOUND) from exc
        except ConcurrentEdit as exc:
            current = _referral_for(
                user, referral_id, do=Do.READ, purpose="changed by someone else"
            )
            data = request.POST.copy()
            data["version"] = str(current.referral.version)
            form = form_class(data)
            form.is_valid()
            form.add_error(None, exc.message)
        except DomainError as exc:
            apply_error(form, exc)
        else:
            messages.success(request, done)
            return redirect("returns:detail", referral_id=referral.pk)
    return render_form(
        request,
        "returns/item.html",
        form,
        referral=referral,
        item=item,
        what=what,
        title=title,
        submit=submit,
        action_url=request.path,
        interviewer_view=access.interviewer,
    )


@login_required
@GET_POST
def information_answer(request: HttpRequest, referral_id: int, request_id: int) -> HttpResponse:
    return _item_page(
        request,
        referral_id=referral_id,
        do=Do.WORK,
        fetch=lambda r: r.information_requests.select_related("agency"),
        item_id=request_id,
        open_item=lambda item: item.answered_at is None,
        closed_message="This request has already been answered",
        form_class=forms.AnswerForm,
        run=lambda user, item, d: services.information_received(
            actor=user, request_id=item.pk, version=d["version"], answer=d["answer"]
        ),
        title="Record the agency's answer",
        submit="Record the answer",
        done="Answer recorded: the referral is ready to triage again",
        url_name="information_answer",
        what="information request",
        versioned=True,
    )


@login_required
@GET_POST
def disclosure_done(request: HttpRequest, referral_id: int, disclosure_id: int) -> HttpResponse:
    return _item_page(
        request,
        referral_id=referral_id,
        do=Do.FOLLOW_UP,
        fetch=lambda r: r.disclosures.all(),
        item_id=disclosure_id,
        open_item=lambda item: item.done_at is None,
        closed_message="This step has already been recorded as done",
        form_class=forms.DoneForm,
        run=lambda user, item, d: services.disclosure_done(
            actor=user, disclosure_id=item.pk, note=d["note"]
        ),
        title="Record that the disclosure's step was taken",
        submit="Record the step as done",
        done="Step recorded as done",
        url_name="disclosure_done",
        what="disclosure",
    )


@login_required
@GET_POST
def recommendation_done(
    request: HttpRequest, referral_id: int, recommendation_id: int
) -> HttpResponse:
    return _item_page(
        request,
        referral_id=referral_id,
        do=Do.FOLLOW_UP,
        fetch=lambda r: r.recommendations.select_related("owner"),
        item_id=recommendation_id,
        open_item=lambda item: item.done_at is None,
        closed_message="This recommendation is already recorded as done",
        form_class=forms.DoneForm,
        run=lambda user, item, d: services.recommendation_done(
            actor=user, recommendation_id=item.pk, note=d["note"]
        ),
        title="Record that the recommendation was acted on",
        submit="Record it as done",
        done="Recommendation recorded as done",
        url_name="recommendation_done",
        what="recommendation",
    )

"""The episode pages: taking a report (with the policy's recommendation and its reasons),
the case page, one page per decision or record on the case, the duty inspector's
supervision list, the daily management meeting and the officer's own cases.

Views parse the form, call a selector or a service and render. Every write is a POST to a
page of its own; only numeric ids appear in addresses. A service's error is put back on
the field it names, with everything the user typed, and nothing is saved. What a user may
not see is "Page not found"."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import rules
from django import forms as django_forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.views.decorators.http import require_GET, require_http_methods

from misper.agencies.models import Organisation, OrganisationKind, User
from misper.agencies.roles import CHILDRENS_SERVICES_ROLES, Role
from misper.agencies.selectors import acting_user, force_covering_authority
from misper.care import form as care_form
from misper.care.selectors import latest_version
from misper.core.errors import DomainError, NotFound, PermissionDenied, WrongState
from misper.core.models import DeadlineStatus
from misper.core.timeline import timeline_for_subject
from misper.episodes import access, carer_form, forms, lifecycle, selectors, services, words
from misper.episodes.access import View
from misper.episodes.codes import (
    QUESTIONS,
    SEARCHES,
    Category,
    MissingFrom,
)
from misper.episodes.lifecycle import Act
from misper.episodes.models import (
    CarerReport,
    CarerReportKind,
    CarerReportStatus,
    CseOutcome,
    Episode,
)
from misper.episodes.selectors import RestrictedRecord
from misper.episodes.services.carer import LIMIT_KIND, police_answers, reported_by
from misper.episodes.services.cse import screening_due
from misper.people.models import Person, Placement
from misper.people.selectors import get_person_for_user
from misper.policy.calendar import LONDON
from misper.policy.profiles import load_profile
from misper.policy.types import ProfileErrors

GET_POST = require_http_methods(["GET", "POST"])
# Service field names that the form calls differently.
FIELD_ALIASES = {"text": "text_"}


def apply_error(form: django_forms.Form, exc: DomainError) -> None:
    """Put a service's error on the field it names (or at the top of the form)."""
    name = forms.form_field(exc.field)
    name = FIELD_ALIASES.get(name or "", name)
    if name not in form.fields:
        # answers.<key> → the radios of that question, and so on
        name = next((f for f in form.fields if name and f.startswith(name)), None)
    form.add_error(name, exc.message)


def render_form(
    request: HttpRequest, template: str, form: django_forms.Form, **ctx: Any
) -> HttpResponse:
    status = 400 if form.errors else 200
    return render(
        request, template, {"form": form, "error_count": len(form.errors), **ctx}, status=status
    )


def duration(delta: timedelta) -> str:
    minutes = int(abs(delta).total_seconds() // 60)
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    parts = ([f"{days} d"] if days else []) + ([f"{hours} h"] if hours or days else [])
    return " ".join([*parts, f"{minutes} min"])


def local_time(at: datetime) -> str:
    """A time of day in UK local time, as "14:30"."""
    return at.astimezone(LONDON).strftime("%H:%M")


def deadline_rows(deadlines: Any, now: datetime) -> list[dict[str, Any]]:
    return [
        {
            "deadline": d,
            "kind": words.deadline(d.kind),
            "overdue": d.due <= now,
            "left": duration(d.due - now),
        }
        for d in deadlines
    ]


def queue_rows(rows: list[selectors.QueueRow]) -> list[dict[str, Any]]:
    """A list of open cases as the case table shows them."""
    now = timezone.now()
    return [
        {
            "episode": r.episode,
            "why": r.why,
            "missing_for": duration(now - r.episode.last_seen_at),
            "deadline": deadline_rows([r.next_deadline], now)[0] if r.next_deadline else None,
            "cse_due": screening_due(r.episode),
        }
        for r in rows
    ]


# --- Taking a report --------------------------------------------------------------------------


@login_required
@require_GET
def report_start(request: HttpRequest) -> HttpResponse:
    user = acting_user(request)
    if not rules.has_perm("episodes.report", user):
        raise Http404("No such page")
    return render(request, "episodes/report_start.html", {})


def _history(user: User, person_id: int) -> dict[str, Any]:
    """The child's earlier reports the user may see (never a restricted one they have not
    opened with a reason), with counts by category."""
    episodes = [e for e, _view in selectors.episodes_of_person(user, person_id)]
    counts = {c.value: sum(1 for e in episodes if e.category == c.value) for c in Category}
    return {"episodes": episodes, "counts": counts, "total": len(episodes)}


def _recommendation_safely(user: User, person_id: int, report: Any) -> dict[str, Any] | None:
    try:
        return services.episode_recommend(actor=user, person_id=person_id, report=report).as_dict()
    except DomainError:
        return None


def _carer_report_to_take(user: User, person_id: int, raw: Any) -> CarerReport:
    """The carer's report the call handler takes (``?carer_report=<id>``), for those who
    may see it, about this child: "Page not found" otherwise."""
    try:
        report_id = int(raw)
    except (TypeError, ValueError):
        raise Http404("No such report") from None
    try:
        found = services.get_carer_report_for_user(user, report_id, purpose="take a carer's report")
    except NotFound as exc:
        raise Http404(exc.message) from exc
    if found.person_id != person_id:
        raise Http404("No such report")
    return found


def _from_carer_report(person: Person, found: CarerReport) -> dict[str, Any]:
    """What the carer's report already says, as the report form's first values (R-PPA-03):
    the informant, where from, the times, the circumstances and the twelve questions as far
    as the carer answered them. A question the carer did not answer stays blank for the
    call handler to ask."""
    provider = found.provider
    values = found.values
    circumstances = "\n".join(
        line
        for line in (
            values.get("circumstances", ""),
            f"Wearing: {values['wearing']}" if values.get("wearing") else "",
            f"Actions taken: {values['actions']}" if values.get("actions") else "",
        )
        if line
    )
    initial: dict[str, Any] = {
        "reported_by": reported_by(provider),
        "informant_name": f"{found.completed_by}, {found.designation}"[:200],
        "missing_from": MissingFrom.CARE,
        "location_address": found.placement.address,
        "location_postcode": found.placement.postcode,
        "establishment": provider.pk if provider.kind == OrganisationKind.CHILDRENS_HOME else None,
        "last_seen_at": found.last_seen_at,
        "last_contact_at": found.last_contact_at,
        "circumstances": circumstances,
        "carer_report_id": found.pk,
    }
    for key, given in police_answers(person, values).items():
        if given.get("answer"):
            initial[forms.answer_field(key)] = given["answer"]
        if given.get("detail"):
            initial[forms.detail_field(key)] = given["detail"]
    return initial


def assessment_summary(user: User, person: Person) -> dict[str, Any] | None:
    """The latest pre-placement assessment's answers that decide what the police do
    (R-FLG-03, R-HMI-03, R-CLS-11), for whoever may read it, on the call."""
    if not rules.has_perm("care.view_assessment", user, person):
        return None
    latest = latest_version(person)
    if latest is None:
        return None
    v = latest.values

    def said(key: str) -> str:
        return care_form.words(care_form.BY_KEY[key], v.get(key))

    return {
        "version": latest,
        "never_absent": v.get("never_absent") == "yes",
        "never_absent_reasons": v.get("missing_category_reasons", ""),
        "rows": [
            ("Missing, never absent (field 20, R-CLS-11)", said("never_absent")),
            ("Risk if missing (field 26)", said("risk_if_missing")),
            ("Sexual exploitation risk (field 27)", said("cse_risk")),
            ("Risk to others (field 28)", said("risk_to_others")),
            ("Do not associate with (field 32)", said("do_not_associate")),
        ],
        "link": reverse("care:assessment", args=[person.pk]),
    }


@login_required
@GET_POST
def report(request: HttpRequest, person_id: int) -> HttpResponse:
    user = acting_user(request)
    if not rules.has_perm("episodes.report", user):
        raise Http404("No such page")
    # A carer's report the user may not see is "not found" before the child is read.
    raw = (
        request.POST.get("carer_report_id")
        if request.method == "POST"
        else request.GET.get("carer_report")
    )
    taking = _carer_report_to_take(user, person_id, raw) if raw else None
    try:
        person = get_person_for_user(user, person_id, purpose="take a report")
    except NotFound as exc:
        raise Http404(exc.message) from exc
    if request.method == "POST":
        form = forms.ReportForm(request.POST, user=user)
    elif taking is not None:
        if not taking.is_open:
            messages.error(request, "This carer's report has already been dealt with")
            return redirect("episodes:carer_report", report_id=taking.pk)
        form = forms.ReportForm(user=user, initial=_from_carer_report(person, taking))
    else:
        form = forms.ReportForm(user=user)
    recommendation: dict[str, Any] | None = None
    if request.method == "POST" and form.is_valid():
        now = timezone.now()
        data = form.report(now)
        if request.POST.get("action") == "check":
            try:
                recommendation = services.episode_recommend(
                    actor=user, person_id=person.pk, report=data, now=now
                ).as_dict()
            except DomainError as exc:
                apply_error(form, exc)
        else:
            d = form.cleaned_data
            if not d.get("category"):
                form.add_error("category", "Choose a category")
                recommendation = _recommendation_safely(user, person.pk, data)
            else:
                try:
                    episode = services.episode_report(
                        actor=user,
                        person_id=person.pk,
                        report=data,
                        category=d["category"],
                        risk=d.get("risk") or None,
                        rationale=d.get("rationale") or "",
                        latest_review_at=d.get("latest_review_at"),
                        now=now,
                        carer_report_id=taking.pk if taking is not None else None,
                    )
                except DomainError as exc:
                    apply_error(form, exc)
                    recommendation = _recommendation_safely(user, person.pk, data)
                else:
                    messages.success(request, f"Report saved: episode {episode.pk}")
                    return redirect("episodes:detail", episode_id=episode.pk)
    allowed = (recommendation or {}).get("allowed_categories") or list(Category.values)
    chosen = form["category"].value()
    category_choices = [(v, label) for v, label in Category.choices if v in allowed or v == chosen]
    active_flags = [f for f in person.flags.all() if f.active]
    current_placement = next((p for p in person.placements.all() if p.ended_on is None), None)
    return render_form(
        request,
        "episodes/report.html",
        form,
        person=person,
        active_flags=active_flags,
        current_placement=current_placement,
        history=_history(user, person.pk),
        recommendation=recommendation,
        rec_deadlines=[
            {**d, "due": parse_datetime(d["due"]) if d.get("due") else None}
            for d in (recommendation or {}).get("deadlines", [])
        ],
        category_choices=category_choices,
        today=timezone.localdate(),
        taking=taking,
        taking_made_at=local_time(taking.reported_at) if taking is not None else "",
        assessment=assessment_summary(user, person),
    )


# --- The case page -------------------------------------------------------------------------------


def _actions(user: User, case: selectors.CaseAccess) -> list[tuple[str, str]]:
    episode = case.episode
    out: list[tuple[str, str]] = []
    pending = next((t for t in episode.transfers.all() if t.accepted is None), None)
    if (
        pending is not None
        and selectors.is_receiving(user, pending)
        and lifecycle.allows(episode, Act.DECIDE_TRANSFER)
    ):
        out.append(
            (
                "Accept or decline the transfer",
                reverse("episodes:transfer_decide", args=[pending.pk]),
            )
        )
    if not access.may(user, episode, access.CASE_WORK, case.view):
        return out
    for act in lifecycle.offered(episode):
        if act in ACTIONS:
            out.append((lifecycle.TABLE[act].title, reverse(f"episodes:{act}", args=[episode.pk])))
    return out


@login_required
@GET_POST
def detail(request: HttpRequest, episode_id: int) -> HttpResponse:
    """The case as the user may see it (access.py): the whole case, the partner's view, or
    another force's summary with the way to open the whole case by stating a reason."""
    user = acting_user(request)
    reason_form = forms.RestrictedReasonForm(request.POST if request.method == "POST" else None)
    reason = ""
    if request.method == "POST" and reason_form.is_valid():
        reason = reason_form.cleaned_data["reason"]
    try:
        case = selectors.get_episode_for_user(user, episode_id, purpose="view case", reason=reason)
    except RestrictedRecord as exc:
        if request.method == "POST" and not reason_form.errors:
            reason_form.add_error("reason", exc.message)
        return render_form(request, "episodes/restricted.html", reason_form, episode_id=episode_id)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    except DomainError as exc:
        apply_error(reason_form, exc)
        return render_form(request, "episodes/restricted.html", reason_form, episode_id=episode_id)
    if request.method == "POST" and not reason_form.errors and case.view is not View.FULL:
        reason_form.add_error("reason", "Say why you need to open the whole case")
    now = timezone.now()
    fields = case.fields(now)
    context: dict[str, Any] = {
        "case": fields,
        "view": str(case.view),
        "episode_id": case.episode.pk,
        "person_id": case.episode.person_id,
        "labels": words.LABELS,
        "missing_for": duration(timedelta(minutes=fields["missing_minutes"])),
        "duty_rules": access.current_decision(case.episode, now).duty_rules,
    }
    if case.view is View.SUMMARY:
        return render_form(request, "episodes/summary.html", reason_form, **context)
    if "answers" in fields:
        context["answers"] = [
            (n, question, fields["answers"].get(key) or {})
            for n, (key, question) in enumerate(QUESTIONS, start=1)
        ]
        context["searches"] = [
            (label, fields["searches"].get(key) or {}) for key, label in SEARCHES
        ]
    if case.view is View.FULL:
        context["timeline"] = timeline_for_subject("episode", case.episode.pk).order_by(
            "-at", "-id"
        )
        context["reasons"] = (fields["recommendation"] or {}).get("reasons", [])
        context["openings"] = selectors.openings(user, case.episode)
        context["actions"] = _actions(user, case)
        context["cse_action"] = _cse_action(user, case)
    context.setdefault("cse_action", "")
    context["cse_due"] = screening_due(case.episode)
    context["cse_outcomes"] = dict(CseOutcome.choices)
    context["deadlines"] = deadline_rows(fields.get("deadlines", []), now)
    return render(request, "episodes/detail.html", context)


def _cse_action(user: User, case: selectors.CaseAccess) -> str:
    """The words of the link to the CSE screening page, for those who may record it now
    ('' for nobody)."""
    episode = case.episode
    if (
        episode.category != Category.MISSING
        or not lifecycle.allows(episode, Act.CSE_SCREENING)
        or not access.may(user, episode, access.CSE_SCREEN, case.view)
    ):
        return ""
    return (
        "Change the CSE screening"
        if hasattr(episode, "cse_screening")
        else ("Record the CSE screening")
    )


# --- Decisions and records on the case ------------------------------------------------------------


def _episode_for_action(user: User, episode_id: int) -> Episode:
    """The episode an action page is about, for those who may work on it (the read
    audited). A restricted one must first be opened with a reason, on the case page."""
    try:
        return selectors.get_episode_for_user(
            user, episode_id, action=access.CASE_WORK, purpose="open an action page"
        ).episode
    except RestrictedRecord as exc:
        raise _OpenFirst(episode_id) from exc
    except DomainError as exc:
        raise Http404("No such episode") from exc


class _OpenFirst(Exception):
    def __init__(self, episode_id: int) -> None:
        self.episode_id = episode_id


@dataclass(frozen=True)
class Action:
    form: type[django_forms.Form]
    run: Callable[[User, Episode, django_forms.Form], Any]
    done: str
    versioned: bool = True


def _category(user: User, ep: Episode, f: django_forms.Form) -> Any:
    d = f.cleaned_data
    return services.episode_set_category(
        actor=user,
        episode_id=ep.pk,
        version=d["version"],
        category=d["category"],
        rationale=d["rationale"],
        review_period_hours=d.get("review_period_hours"),
        callback_at=d.get("callback_at"),
    )


def _risk(user: User, ep: Episode, f: django_forms.Form) -> Any:
    d = f.cleaned_data
    return services.episode_grade_risk(
        actor=user,
        episode_id=ep.pk,
        version=d["version"],
        risk=d["risk"],
        rationale=d["rationale"],
        latest_review_at=d.get("latest_review_at"),
        initial_grading_error=d["initial_grading_error"],
    )


def _disagreement(user: User, ep: Episode, f: django_forms.Form) -> Any:
    d = f.cleaned_data
    return services.episode_record_disagreement(
        actor=user, episode_id=ep.pk, version=d["version"], detail=d["detail"]
    )


def _resolve(user: User, ep: Episode, f: django_forms.Form) -> Any:
    d = f.cleaned_data
    return services.episode_resolve_disagreement(
        actor=user,
        episode_id=ep.pk,
        version=d["version"],
        category=d["category"],
        rationale=d["rationale"],
    )


def _restrict(user: User, ep: Episode, f: django_forms.Form) -> Any:
    d = f.cleaned_data
    return services.episode_restrict(
        actor=user, episode_id=ep.pk, version=d["version"], reason=d["reason"]
    )


def _log(user: User, ep: Episode, f: django_forms.Form) -> Any:
    assert isinstance(f, forms.EntryForm)
    d = f.cleaned_data
    return services.episode_log(
        actor=user,
        episode_id=ep.pk,
        kind=d["kind"],
        text_=d["text_"],
        action_at=d.get("action_at"),
        tour_end=d.get("tour_end"),
        details=f.details(),
    )


def _transfer(user: User, ep: Episode, f: django_forms.Form) -> Any:
    d = f.cleaned_data
    return services.transfer_propose(
        actor=user,
        episode_id=ep.pk,
        to_area=d["to_area"],
        reason=d["reason"],
        bulk_of_enquiries=d["bulk_of_enquiries"],
    )


def _found(user: User, ep: Episode, f: django_forms.Form) -> Any:
    assert isinstance(f, forms.FoundForm)
    return services.episode_found(
        actor=user, episode_id=ep.pk, version=f.cleaned_data["version"], found=f.found()
    )


def _close(user: User, ep: Episode, f: django_forms.Form) -> Any:
    return services.episode_close(actor=user, episode_id=ep.pk, version=f.cleaned_data["version"])


# The page of each action the lifecycle offers (episodes/lifecycle.py says from which states
# and when; its title is the page's): the form, the service, the message when done.
ACTIONS: dict[str, Action] = {
    Act.SET_CATEGORY: Action(forms.CategoryForm, _category, "Category decided"),
    Act.GRADE_RISK: Action(forms.RiskForm, _risk, "Risk recorded"),
    Act.RECORD_DISAGREEMENT: Action(
        forms.DisagreementForm,
        _disagreement,
        "Disagreement recorded: the Force Incident Manager decides",
    ),
    Act.RESOLVE_DISAGREEMENT: Action(forms.ResolveForm, _resolve, "Disagreement resolved"),
    Act.RESTRICT: Action(forms.RestrictForm, _restrict, "Record restricted"),
    Act.LOG: Action(forms.EntryForm, _log, "Entry added", versioned=False),
    Act.PROPOSE_TRANSFER: Action(
        forms.TransferForm, _transfer, "Transfer proposed", versioned=False
    ),
    Act.RECORD_FOUND: Action(forms.FoundForm, _found, "Found report recorded"),
    Act.CLOSE: Action(forms.CloseForm, _close, "Episode closed"),
}


def _make_form(name: str, action: Action, episode: Episode, data: Any) -> django_forms.Form:
    kwargs: dict[str, Any] = {}
    if name == "transfer":
        kwargs["exclude_area_id"] = episode.owning_area_id
    if data is None and action.versioned:
        kwargs["initial"] = {"version": episode.version}
    return action.form(data, **kwargs)


def action_view(name: str) -> Callable[[HttpRequest, int], HttpResponse]:
    action = ACTIONS[name]

    @login_required
    @GET_POST
    def view(request: HttpRequest, episode_id: int) -> HttpResponse:
        user = acting_user(request)
        try:
            episode = _episode_for_action(user, episode_id)
        except _OpenFirst:
            return redirect("episodes:detail", episode_id=episode_id)
        if not lifecycle.allows(episode, Act(name)):
            # e.g. a closed case: the lifecycle offers nothing more; say so on the case
            messages.error(request, f"This case is {episode.get_status_display().lower()}")
            return redirect("episodes:detail", episode_id=episode_id)
        form = _make_form(name, action, episode, request.POST if request.method == "POST" else None)
        if request.method == "POST" and form.is_valid():
            try:
                action.run(user, episode, form)
            except NotFound as exc:
                raise Http404(exc.message) from exc
            except DomainError as exc:
                apply_error(form, exc)
            else:
                messages.success(request, action.done)
                return redirect("episodes:detail", episode_id=episode.pk)
        return render_form(
            request,
            "episodes/action.html",
            form,
            episode=episode,
            title=lifecycle.TABLE[Act(name)].title,
            action_name=name,
        )

    view.__name__ = f"action_{name}"
    return view


@login_required
@GET_POST
def transfer_decide(request: HttpRequest, transfer_id: int) -> HttpResponse:
    user = acting_user(request)
    try:
        transfer = selectors.get_transfer_for_user(user, transfer_id, decide=True)
    except DomainError as exc:
        raise Http404("No such transfer") from exc
    form = forms.TransferDecisionForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        accept = form.cleaned_data["accept"] == "yes"
        try:
            services.transfer_decide(
                actor=user,
                transfer_id=transfer.pk,
                accept=accept,
                reason=form.cleaned_data["reason"],
            )
        except NotFound as exc:
            raise Http404(exc.message) from exc
        except DomainError as exc:
            if exc.field == "accept":
                form.add_error("accept", exc.message)
            else:
                apply_error(form, exc)
        else:
            messages.success(request, "Transfer accepted" if accept else "Transfer declined")
            return redirect("episodes:detail", episode_id=transfer.episode_id)
    return render_form(request, "episodes/transfer_decide.html", form, transfer=transfer)


# --- The CSE screening (R-CSE-01, R-TRG-08) ----------------------------------------------


def cse_indicators(user: User, episode: Episode) -> list[tuple[str, str]]:
    """What Misper knows that the screening considers (R-HMI-04, R-CSE-11): the child's
    active CSE flags, field 27 of the pre-placement assessment (for whoever may read it),
    question 9 of this report. The child's record is read through its choke point."""
    try:
        person = get_person_for_user(user, episode.person_id, purpose="CSE screening")
    except NotFound:
        return []
    out: list[tuple[str, str]] = []
    flags = [
        f"raised {f.raised_at.astimezone(LONDON):%d %B %Y}: {f.evidence}"
        for f in person.flags.all()
        if f.active and f.kind == "cse"
    ]
    out.append(("CSE flag", "; ".join(flags) if flags else "None active"))
    if rules.has_perm("care.view_assessment", user, person):
        latest = latest_version(person)
        if latest is None:
            said = "No assessment recorded"
        else:
            v = latest.values
            said = care_form.words(care_form.BY_KEY["cse_risk"], v.get("cse_risk"))
            if v.get("cse_risk_reasons"):
                said += f": {v['cse_risk_reasons']}"
        out.append(("Sexual exploitation risk (pre-placement assessment, field 27)", said))
    q9 = (episode.answers or {}).get("abuse_or_exploitation") or {}
    answer = {"yes": "Yes", "no": "No", "unknown": "Don't know", "not_asked": "Not asked"}.get(
        q9.get("answer", ""), "Not answered"
    )
    out.append(
        (
            "Question 9: victim of abuse or at risk of sexual exploitation",
            answer + (f": {q9['detail']}" if q9.get("detail") else ""),
        )
    )
    return out


@login_required
@GET_POST
def cse_screening(request: HttpRequest, episode_id: int) -> HttpResponse:
    """Record or change the missing child's CSE screening: the owning force's officers
    who work on cases and its CSE coordinators, while the case is open or found."""
    user = acting_user(request)
    try:
        episode = selectors.get_episode_for_user(
            user, episode_id, action=access.CSE_SCREEN, purpose="open the CSE screening"
        ).episode
    except RestrictedRecord:
        return redirect("episodes:detail", episode_id=episode_id)
    except DomainError as exc:
        raise Http404("No such episode") from exc
    if not lifecycle.allows(episode, Act.CSE_SCREENING):
        messages.error(request, f"This case is {episode.get_status_display().lower()}")
        return redirect("episodes:detail", episode_id=episode_id)
    if episode.category != Category.MISSING:
        messages.error(request, "A CSE screening is for a missing child (R-CSE-01)")
        return redirect("episodes:detail", episode_id=episode_id)
    current = selectors.cse_screening_of(episode)
    if request.method == "POST":
        form = forms.CseScreeningForm(request.POST)
    else:
        form = forms.CseScreeningForm(
            initial={
                "version": current.version if current is not None else 0,
                "outcome": current.outcome if current is not None else "",
                "indicators": current.indicators if current is not None else "",
                "notes": current.notes if current is not None else "",
            }
        )
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.episode_cse_screening(
                actor=user,
                episode_id=episode.pk,
                version=d["version"],
                outcome=d["outcome"],
                indicators=d["indicators"],
                notes=d["notes"],
            )
        except NotFound as exc:
            raise Http404(exc.message) from exc
        except DomainError as exc:
            apply_error(form, exc)
        else:
            messages.success(request, "CSE screening recorded")
            return redirect("episodes:detail", episode_id=episode.pk)
    return render_form(
        request,
        "episodes/cse_screening.html",
        form,
        episode=episode,
        current=current,
        title="Change the CSE screening" if current is not None else "Record the CSE screening",
        indicators=cse_indicators(user, episode),
    )


# --- Lists ------------------------------------------------------------------------------------


@login_required
@require_GET
def supervision(request: HttpRequest) -> HttpResponse:
    user = acting_user(request)
    try:
        rows = selectors.supervision_queue(user)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    return render(request, "episodes/supervision.html", {"rows": queue_rows(rows)})


def _areas(user: User) -> list[Organisation]:
    org = user.organisation
    force = org.force if org is not None else None
    if force is None:
        return []
    return list(
        Organisation.objects.filter(kind=OrganisationKind.POLICING_AREA, parent=force).order_by(
            "name"
        )
    )


@login_required
@require_GET
def dmm(request: HttpRequest) -> HttpResponse:
    user = acting_user(request)
    if not rules.has_perm("episodes.daily_meeting", user):
        raise Http404("No such page")
    areas = _areas(user)
    if not areas:
        raise Http404("No such page")
    org = user.organisation
    chosen = request.GET.get("area", "")
    area = next((a for a in areas if str(a.pk) == chosen), None)
    if area is None:
        area = next((a for a in areas if org is not None and a.pk == org.pk), areas[0])
    try:
        area, rows = selectors.daily_management(user, area.pk)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    now = timezone.now()
    force_level = org is not None and org.kind != OrganisationKind.POLICING_AREA
    return render(
        request,
        "episodes/dmm.html",
        {
            "rows": queue_rows(rows),
            "area": area,
            "areas": areas if force_level else [],
            "now": now,
        },
    )


@login_required
@require_GET
def work(request: HttpRequest) -> HttpResponse:
    """Due and overdue: the open deadlines of the user's area (or force), overdue first."""
    user = acting_user(request)
    if not rules.has_perm("episodes.report", user):
        raise Http404("No such page")
    rows = [
        {
            "episode": r.episode,
            "deadline": r.deadline,
            "kind": words.deadline(r.deadline.kind),
            "overdue": r.overdue,
            "left": duration(r.left),
        }
        for r in selectors.due_for_user(user)
    ]
    return render(request, "episodes/work.html", {"rows": rows})


@login_required
@require_GET
def my_cases(request: HttpRequest) -> HttpResponse:
    user = acting_user(request)
    if not rules.has_perm("episodes.report", user):
        raise Http404("No such page")
    rows = selectors.my_cases(user)
    return render(request, "episodes/my_cases.html", {"rows": queue_rows(rows)})


# --- The carer's own report (R-PPA-03, R-CLS-10/11) -------------------------------------------


def _placement_force(placement: Placement) -> Organisation | None:
    return placement.host_force or force_covering_authority(placement.host_authority)


def _carer_placement(user: User, person: Person) -> Placement | None:
    """The child's current placement, when it is with the carer's organisation (or the
    organisation it belongs to): only its carers report the child from here."""
    org = user.organisation
    if org is None or not user.has_role(Role.CARER):
        return None
    current = next((p for p in person.placements.all() if p.ended_on is None), None)
    provider = current.provider if current is not None else None
    if provider is None or org.pk not in (provider.pk, provider.parent_id):
        return None
    return current


def _policy_has_unauthorised_absence(force: Organisation | None) -> bool:
    if force is None or not force.policy_profile:
        return False
    try:
        return "unauthorised_absence" in load_profile(force.policy_profile).categories
    except (ValueError, ProfileErrors):
        return False


def _limit_at(found: CarerReport) -> datetime | None:
    """When a held unauthorised absence becomes a missing report to the police (R-CLS-10)."""
    if found.status != CarerReportStatus.HELD:
        return None
    deadline = (
        found.deadlines.filter(kind=LIMIT_KIND, status=DeadlineStatus.OPEN).order_by("due").first()
    )
    return deadline.due if deadline is not None else None


def _done_banner(found: CarerReport) -> str:
    limit = _limit_at(found)
    if found.status == CarerReportStatus.HELD and limit is not None:
        return (
            "Held by you: reported to the police as missing at "
            f"{local_time(limit)} if the child has not returned"
        )
    return f"Sent to {found.area.name} police ({found.force.name})"


@login_required
@GET_POST
def carer_report_new(request: HttpRequest, person_id: int) -> HttpResponse:
    """A carer reports a child placed with them missing, or records an unauthorised
    absence where the force's policy and the assessment allow it (the engine decides:
    a refusal is shown with its reasons and rule ids, and the carer may report the child
    missing instead, with everything typed kept)."""
    user = acting_user(request)
    try:
        person = get_person_for_user(
            user, person_id, action="episodes.carer_report", purpose="carer's report"
        )
    except (NotFound, PermissionDenied) as exc:
        raise Http404("No such child") from exc
    placement = _carer_placement(user, person)
    if placement is None:
        raise Http404("No such child")
    if request.method != "POST":
        # Through the reverse relation: the report still open is where the return goes.
        still_open = person.carer_reports.filter(
            status__in=[CarerReportStatus.HELD, CarerReportStatus.WITH_POLICE]
        ).first()
        if still_open is not None:
            messages.error(
                request, "A report for this child is already open: record the return on it"
            )
            return redirect("episodes:carer_report", report_id=still_open.pk)
    force = _placement_force(placement)
    latest = latest_version(person)
    options: dict[str, Any] = {
        "unauthorised_absence": _policy_has_unauthorised_absence(force),
        "mobile": (latest.values.get("mobile", "") if latest is not None else "") or person.phone,
    }
    data = request.POST.copy() if request.method == "POST" else None
    if data is not None and data.get("instead") == CarerReportKind.MISSING:
        data["kind"] = CarerReportKind.MISSING
    form = forms.CarerReportForm(
        data,
        initial=None if data is not None else {"completed_by": user.full_name},
        **options,
    )
    refused_rules: tuple[str, ...] = ()
    offer_missing = False
    if data is not None and form.is_valid():
        d = form.cleaned_data
        try:
            made = services.carer_report_make(
                actor=user,
                person_id=person.pk,
                kind=d["kind"],
                last_seen_at=d["last_seen_at"],
                last_contact_at=d.get("last_contact_at"),
                values=form.values(),
                completed_by=d["completed_by"],
                designation=d["designation"],
                mobile_checked=d["mobile_checked"] == "yes",
            )
        except NotFound as exc:
            raise Http404(exc.message) from exc
        except DomainError as exc:
            # Refused by the policy (the engine's reasons, or no unauthorised absence in
            # the force's policy): the carer may report the child missing instead.
            offer_missing = d["kind"] == CarerReportKind.UNAUTHORISED_ABSENCE and (
                bool(exc.rules) or (exc.field == "kind" and not isinstance(exc, WrongState))
            )
            refused_rules = exc.rules
            apply_error(form, exc)
        else:
            messages.success(request, _done_banner(made))
            return redirect("episodes:carer_report", report_id=made.pk)
    return render_form(
        request,
        "episodes/carer_report_new.html",
        form,
        person=person,
        placement=placement,
        force=force,
        refused_rules=refused_rules,
        offer_missing=offer_missing,
    )


def _carer_report_or_404(user: User, report_id: int, purpose: str) -> CarerReport:
    try:
        return services.get_carer_report_for_user(user, report_id, purpose=purpose)
    except NotFound as exc:
        raise Http404(exc.message) from exc


def _status_words(found: CarerReport) -> str:
    if found.status == CarerReportStatus.HELD:
        limit = _limit_at(found)
        if limit is not None:
            return (
                f"{found.get_status_display()}: reported to the police as missing at "
                f"{local_time(limit)} if the child has not returned (R-CLS-10)"
            )
    return str(found.get_status_display())


@login_required
@require_GET
def carer_report_detail(request: HttpRequest, report_id: int) -> HttpResponse:
    """One carer's report: what the carer said, where it has got to, and what comes next
    (the carer records the return; the police take the report)."""
    user = acting_user(request)
    found = _carer_report_or_404(user, report_id, "view carer's report")
    episode = found.episode
    may_take = rules.has_perm("episodes.report", user) and found.is_open
    return render(
        request,
        "episodes/carer_report.html",
        {
            "report": found,
            "status": _status_words(found),
            "lines": carer_form.lines(found.values),
            "episode": episode
            if episode is not None and rules.has_perm("episodes.view", user, episode)
            else None,
            "may_return": user.has_role(Role.CARER) and found.returned_at is None,
            "take_url": f"{reverse('episodes:report', args=[found.person_id])}"
            f"?carer_report={found.pk}"
            if may_take
            else "",
            "timeline": timeline_for_subject("person", found.person_id)
            .filter(changes__carer_report=found.pk)
            .order_by("at", "id"),
        },
    )


@login_required
@GET_POST
def carer_report_return(request: HttpRequest, report_id: int) -> HttpResponse:
    """The carer records the child's return."""
    user = acting_user(request)
    if not user.has_role(Role.CARER):  # before the read, which is audited
        raise Http404("No such page")
    found = _carer_report_or_404(user, report_id, "record return")
    if found.returned_at is not None:
        messages.error(request, "The return has already been recorded")
        return redirect("episodes:carer_report", report_id=found.pk)
    form = forms.CarerReturnForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.carer_report_return(
                actor=user,
                report_id=found.pk,
                returned_at=form.cleaned_data["returned_at"],
                details=form.cleaned_data["details"],
            )
        except NotFound as exc:
            raise Http404(exc.message) from exc
        except DomainError as exc:
            apply_error(form, exc)
        else:
            messages.success(
                request,
                "Return recorded"
                + (": the police have been told" if found.status != CarerReportStatus.HELD else ""),
            )
            return redirect("episodes:carer_report", report_id=found.pk)
    return render_form(request, "episodes/carer_report_return.html", form, report=found)


def _lists_carer_reports(user: User) -> bool:
    return user.has_role(Role.CARER, *CHILDRENS_SERVICES_ROLES) or access.is_operational_police(
        user
    )


@login_required
@require_GET
def carer_reports(request: HttpRequest) -> HttpResponse:
    """Reports from carers: a carer's own organisation's (open first); the police's
    waiting to be taken (the child last seen longest ago first); children's services'
    about the children they see."""
    user = acting_user(request)
    if not _lists_carer_reports(user):
        raise Http404("No such page")
    now = timezone.now()
    rows = [
        {
            "report": r,
            "status": _status_words(r),
            "ago": duration(now - r.last_seen_at),
        }
        for r in selectors.carer_reports_for_user(user)[:200]
    ]
    police = access.is_operational_police(user)
    return render(
        request,
        "episodes/carer_reports.html",
        {"rows": rows, "police": police, "carer": user.has_role(Role.CARER)},
    )

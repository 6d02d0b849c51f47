"""The repeat-missing pages: the coordinator's desk, the trigger record with its meeting,
and one page per action on them.

Views parse the form, call a selector or a service and render. Every trigger is fetched
through ``selectors.get_trigger_for_user`` with the action the page is for: a trigger the
user may not see, and an action their role does not allow, are the same "Page not found",
with nothing written (not even the audit row of a read). A service's error is put back on
the field it names, with everything the user typed, and nothing is saved; someone else's
change in the meantime is said at the top, keeping what was typed. Every write is a POST
to a page of its own; only numeric ids appear in addresses. The pages speak of triggers in
words (interventions/words.py), never the engine's codes; the rules are cited by their
ids, as everywhere in Misper."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

import rules
from django import forms as django_forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.contenttypes.models import ContentType
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from misper.agencies.models import User
from misper.agencies.roles import CHILDRENS_SERVICES_ROLES, POLICE_ROLES
from misper.agencies.selectors import acting_user
from misper.core.errors import ConcurrentEdit, DomainError, NotFound, PermissionDenied
from misper.core.events import label as verb_label
from misper.core.models import Deadline, DeadlineStatus
from misper.core.timeline import timeline_for_subject
from misper.episodes.models import Episode
from misper.episodes.views import render_form
from misper.interventions import forms, mase, selectors, services, words
from misper.interventions.models import (
    ENDED,
    INSUFFICIENT_INFORMATION,
    MASE_ITEMS,
    HarbouringNotice,
    Invitee,
    MaseDiscussion,
    MaseStatus,
    Meeting,
    MeetingAction,
    MeetingStatus,
    Scope,
    TriggerRecord,
)
from misper.interventions.selectors import COORDINATORS, Do, force_id_of
from misper.people.selectors import get_person_for_user
from misper.returns.views import apply_error, day_text, when_text

GET_POST = require_http_methods(["GET", "POST"])
NOT_FOUND = "No such trigger"
OPEN_MEETING = (MeetingStatus.TO_ARRANGE, MeetingStatus.ARRANGED)


def _trigger_for(
    user: User,
    trigger_id: int,
    *,
    do: Do,
    purpose: str,
    also: Callable[[TriggerRecord, User], bool] | None = None,
) -> TriggerRecord:
    """The trigger for this page through the choke point, or "Page not found". ``also`` is
    a further condition of the page (who closes a trigger, who marks an action done),
    checked before the read is audited so that a refusal leaves nothing behind."""
    if also is not None:
        peek = TriggerRecord.objects.filter(pk=trigger_id).first()
        if peek is None or not also(peek, user):
            raise Http404(NOT_FOUND)
    try:
        return selectors.get_trigger_for_user(user, trigger_id, do=do, purpose=purpose)
    except (NotFound, PermissionDenied) as exc:
        raise Http404(NOT_FOUND) from exc


def _meeting_of(t: TriggerRecord) -> Meeting | None:
    return (
        Meeting.objects.select_related(
            "deferral_partner", "police_agreed_by", "childrens_services_agreed_by"
        )
        .filter(trigger=t)
        .first()
    )


def _is_coordinator(user: User) -> bool:
    return user.has_role(*COORDINATORS)


def _closer(t: TriggerRecord, user: User) -> bool:
    """A coordinator, or the officer the trigger is allocated to (R-TRG-05)."""
    return _is_coordinator(user) or (t.allocated_to_id is not None and t.allocated_to_id == user.pk)


def subject(t: TriggerRecord) -> str:
    """What the trigger is about, in words: the child, the place or the establishment."""
    if t.scope == Scope.ESTABLISHMENT and t.establishment is not None:
        return str(t.establishment.name)
    if t.scope == Scope.LOCATION:
        episode = t.episode
        if episode is not None and not episode.restricted:
            where = ", ".join(p for p in (episode.location_address, episode.location_postcode) if p)
            return where or "A place"
        return "A place"
    return t.person.name if t.person is not None else "A child"


def who(invite: Any) -> str:
    """An invitee (or a proposed one) in words: the person and their organisation, the
    organisation, or the name typed."""
    if invite.user is not None:
        org = invite.user.organisation
        return f"{invite.user.full_name or invite.user.email}" + (f", {org.name}" if org else "")
    if invite.organisation is not None:
        return str(invite.organisation.name)
    return str(invite.name or "Not named")


# --- Words for the timeline ---------------------------------------------------------------------


CHANGES: dict[str, tuple[str, Callable[[Any], str]]] = {
    "kind": ("What fired", lambda v: words.kind(str(v))),
    "level": ("Level", words.level),
    "count": ("Episodes counted", str),
    "window": ("Within", str),
    "owner": ("Who acts on it", lambda v: words.owner(str(v))),
    "reference": ("Non-crime reference", str),
    "allocated_to": ("Allocated to", str),
    "scheduled_for": ("When", when_text),
    "place": ("Where", str),
    "invited": ("People invited", str),
    "held_at": ("Held", when_text),
    "attended": ("People who attended", str),
    "status": ("Now", lambda v: words.meeting_status(str(v))),
    "partner": ("Partner agency", str),
    "due_on": ("Due", day_text),
    "due": ("Was due", when_text),
    "listed_for": ("MASE meeting on", day_text),
    "authority": ("Authority", str),
    "discussed_at": ("Discussed", when_text),
    "addressed": ("Checklist items addressed", str),
    "not_addressed": ("Not addressed", str),
    "not_applicable": ("Not applicable", str),
    "outcomes": ("Outcomes", lambda v: "; ".join(words.mase_outcome(str(k)) for k in v or [])),
}
HIDDEN_CHANGES = {"trigger"}  # the record itself


def _timeline(t: TriggerRecord) -> list[dict[str, Any]]:
    rows = []
    for e in timeline_for_subject("trigger", t.pk).order_by("-at", "-id"):
        changes = []
        for key, value in (e.changes or {}).items():
            if key in HIDDEN_CHANGES or value in ("", None):
                continue
            label, say = CHANGES.get(key, (key.replace("_", " ").capitalize(), str))
            changes.append((label, say(value)))
        rows.append(
            {"event": e, "what": verb_label(e.verb), "changes": changes, "rationale": e.rationale}
        )
    return rows


# --- The desk -------------------------------------------------------------------------------------


@login_required
@require_GET
def triggers(request: HttpRequest) -> HttpResponse:
    """The desk (selectors.desk): new triggers, those in hand, the MASE list, meetings to
    arrange and arranged, actions overdue and the establishments nearing their threshold.
    Children's services and superintendents see their part; anyone else, "Page not found"."""
    user = acting_user(request)
    try:
        d = selectors.desk(user)
    except PermissionDenied as exc:
        raise Http404("No such page") from exc
    now = d["now"]
    assert isinstance(now, datetime)

    def rows(items: Any) -> list[dict[str, Any]]:
        return [{"trigger": t, "subject": subject(t)} for t in items]

    def meeting_rows(items: Any) -> list[dict[str, Any]]:
        return [
            {
                "meeting": m,
                "trigger": m.trigger,
                "subject": subject(m.trigger),
                "overdue": m.due <= now,
            }
            for m in items
        ]

    context = {
        "new": rows(d["new"]),
        "in_hand": rows(d["in_hand"]),
        "mase": mase_groups(cast(list[TriggerRecord], d["mase"])),
        "meetings_due": meeting_rows(d["meetings_due"]),
        "meetings_arranged": meeting_rows(d["meetings_arranged"]),
        "actions_overdue": [
            {"action": a, "trigger_id": a.meeting.trigger_id}
            for a in cast(list[MeetingAction], d["actions_overdue"])
        ],
        "establishments": d["establishments"],
        "monthly": d["monthly"],
        "flag_requests": d["flag_requests"],
        "notices_unserved": notice_rows(user, cast(list[HarbouringNotice], d["notices_unserved"])),
        "threshold": 21,
        "is_coordinator": _is_coordinator(user),
        "words": words,
    }
    return render(request, "interventions/desk.html", context)


def notice_rows(user: User, notices: list[HarbouringNotice]) -> list[dict[str, Any]]:
    """Harbouring warning notices as the desk lists them: the children named that the user
    may see (interventions/harbouring_views.py shows the notice)."""
    ids = [c.person_id for n in notices for c in n.children.all()]
    visible = selectors.notice_children_visible(user, ids)
    return [
        {
            "notice": n,
            "children": [
                c.person.name if c.person_id in visible else "A child whose record you may not see"
                for c in n.children.all()
            ],
        }
        for n in notices
    ]


def mase_groups(triggers: list[TriggerRecord]) -> list[dict[str, Any]]:
    """The MASE list by authority and meeting date (in the desk's order): the children
    listed for each meeting, and those whose meeting date is still to set."""
    groups: list[dict[str, Any]] = []
    for t in triggers:
        authority = t.authority.name if t.authority is not None else "No authority recorded"
        listed_for = t.mase.listed_for
        if not groups or (groups[-1]["authority"], groups[-1]["listed_for"]) != (
            authority,
            listed_for,
        ):
            groups.append({"authority": authority, "listed_for": listed_for, "rows": []})
        groups[-1]["rows"].append({"trigger": t, "subject": subject(t)})
    return groups


# --- The trigger ----------------------------------------------------------------------------------


def _reminded(actions: list[MeetingAction]) -> set[int]:
    """The actions whose owner the worker has reminded (their deadline fell due)."""
    if not actions:
        return set()
    return set(
        Deadline.objects.filter(
            content_type=ContentType.objects.get_for_model(MeetingAction),
            object_id__in=[a.pk for a in actions],
            kind="intervention_action_due",
            status=DeadlineStatus.ACTED,
        ).values_list("object_id", flat=True)
    )


def _may_mark(user: User, a: MeetingAction) -> bool:
    """The action's owner (the organisation or the person named) or a coordinator marks it
    done (services.action_done)."""
    return user.organisation_id == a.owner_id or a.owner_user_id == user.pk or _is_coordinator(user)


def _actions(user: User, t: TriggerRecord, meeting: Meeting | None) -> list[tuple[str, str]]:
    """The actions the user may take now, as (title, address)."""
    out = []
    for name, action in ACTIONS.items():
        if not selectors.may_do(user, t, action.do):
            continue
        if action.also is not None and not action.also(t, user):
            continue
        if not action.offered(t, meeting):
            continue
        out.append((action.title, reverse(f"interventions:{name}", args=[t.pk])))
    return out


@login_required
@require_GET
def detail(request: HttpRequest, trigger_id: int) -> HttpResponse:
    user = acting_user(request)
    t = _trigger_for(user, trigger_id, do=Do.READ, purpose="view trigger")
    meeting = _meeting_of(t)
    now = timezone.now()
    today = timezone.localdate()
    invitees: list[Invitee] = []
    actions: list[MeetingAction] = []
    if meeting is not None:
        invitees = list(
            meeting.invitees.select_related("user", "user__organisation", "organisation")
        )
        actions = list(meeting.actions.select_related("owner", "owner_user"))
    reminded = _reminded(actions)
    discussion = selectors.mase_of(t)
    episodes = Episode.objects.filter(pk__in=t.counted, restricted=False).order_by(
        "reported_at", "id"
    )
    context = {
        "trigger": t,
        "words": words,
        "subject": subject(t),
        "can_view_child": t.person is not None and rules.has_perm("people.view", user, t.person),
        "episodes": list(episodes),
        "meeting": meeting,
        "meeting_overdue": meeting is not None
        and meeting.status in OPEN_MEETING
        and meeting.due <= now,
        "invitees": [{"invitee": i, "who": who(i)} for i in invitees],
        "meeting_actions": [
            {
                "action": a,
                "overdue": a.done_at is None and (a.due_on < today or a.pk in reminded),
                "reminded": a.done_at is None and a.pk in reminded,
                "may_mark": a.done_at is None and _may_mark(user, a),
            }
            for a in actions
        ],
        "timeline": _timeline(t),
        "actions": _actions(user, t, meeting) + _mase_actions(user, t, discussion),
        "mase": _mase_context(discussion),
    }
    return render(request, "interventions/detail.html", context)


# --- The MASE discussion (R-CSE-02..05) ---------------------------------------------------------


def _mase_context(d: MaseDiscussion | None) -> dict[str, Any] | None:
    """The discussion as the trigger page shows it: the checklist in the rule's words, the
    outcomes."""
    if d is None:
        return None
    return {
        "discussion": d,
        "status": words.mase_status(d.status),
        "items": [
            {
                "n": n,
                "words": words.mase_item(key),
                "addressed": words.addressed((d.items or {}).get(key, {}).get("addressed", "")),
                "note": (d.items or {}).get(key, {}).get("note", ""),
            }
            for n, key in enumerate(MASE_ITEMS, start=1)
        ],
        "outcomes": [words.mase_outcome(k) for k in d.outcomes or []],
    }


def _mase_why_not(t: TriggerRecord, d: MaseDiscussion) -> str:
    """Why the discussion cannot be changed now ('' if it can)."""
    if d.status != MaseStatus.LISTED:
        return "You cannot do this now: the child has been discussed at the MASE meeting"
    if t.status in ENDED:
        return "You cannot do this now: the trigger is closed"
    return ""


def _mase_actions(user: User, t: TriggerRecord, d: MaseDiscussion | None) -> list[tuple[str, str]]:
    if d is None or _mase_why_not(t, d) or not selectors.may_do(user, t, Do.MEET):
        return []
    when = "Change the MASE meeting date" if d.listed_for else "Set the MASE meeting date"
    return [
        (when, reverse("interventions:mase_list", args=[t.pk])),
        ("Record the MASE discussion", reverse("interventions:mase", args=[t.pk])),
    ]


def _has_mase(t: TriggerRecord, user: User) -> bool:
    return MaseDiscussion.objects.filter(trigger=t).exists()


def _mase_for(user: User, trigger_id: int, purpose: str) -> tuple[TriggerRecord, MaseDiscussion]:
    """The trigger and its discussion, for a coordinator or the authority's children's
    services (as for a meeting); "Page not found" for anyone else and for a trigger that
    lists no child for MASE (nothing audited)."""
    t = _trigger_for(user, trigger_id, do=Do.MEET, purpose=purpose, also=_has_mase)
    d = selectors.mase_of(t)
    assert d is not None
    return t, d


def _mase_page(
    request: HttpRequest, trigger_id: int, purpose: str
) -> tuple[User, TriggerRecord, MaseDiscussion] | HttpResponse:
    """The user, the trigger and its discussion for a MASE page; back to the trigger's page,
    saying why, when the discussion can no longer be changed."""
    user = acting_user(request)
    t, d = _mase_for(user, trigger_id, purpose)
    why = _mase_why_not(t, d)
    if why:
        messages.error(request, why)
        return redirect("interventions:detail", trigger_id=t.pk)
    return user, t, d


def _apply_mase_error(form: forms.MaseRecordForm, exc: DomainError) -> None:
    form.add_error(form.field_of(exc.field), exc.message)


@login_required
@GET_POST
def mase_record(request: HttpRequest, trigger_id: int) -> HttpResponse:
    """Record the MASE discussion: the checklist item by item (R-CSE-04), the outcomes
    (R-CSE-05). The trigger closes, unless the information was insufficient."""
    opened = _mase_page(request, trigger_id, "open the MASE discussion page")
    if isinstance(opened, HttpResponse):
        return opened
    user, t, d = opened
    if request.method == "POST":
        form = forms.MaseRecordForm(request.POST)
    else:
        form = forms.MaseRecordForm(initial={"version": d.version})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            mase.mase_record(
                actor=user,
                discussion_id=d.pk,
                version=data["version"],
                discussed_at=data["discussed_at"],
                items=form.items(),
                outcomes=list(data["outcomes"]),
                outcome_notes=data["outcome_notes"],
                plan_lead=data["plan_lead"],
                plan_timescale=data["plan_timescale"],
            )
        except NotFound as exc:
            raise Http404(NOT_FOUND) from exc
        except ConcurrentEdit as exc:
            form = _mase_again(request, t, exc, forms.MaseRecordForm)
        except DomainError as exc:
            _apply_mase_error(form, exc)
        else:
            still = INSUFFICIENT_INFORMATION in data["outcomes"]
            messages.success(
                request,
                "MASE discussion recorded: the trigger stays in hand for the interim action "
                "(R-CSE-05)"
                if still
                else "MASE discussion recorded: the trigger is closed",
            )
            return redirect("interventions:detail", trigger_id=t.pk)
    return render_form(
        request,
        "interventions/mase.html",
        form,
        trigger=t,
        discussion=d,
        subject=subject(t),
        words=words,
        rows=form.rows(),
        action_url=request.path,
    )


def _mase_again(
    request: HttpRequest, t: TriggerRecord, exc: ConcurrentEdit, form_class: Any
) -> Any:
    """Someone else changed the discussion: keep what was typed, take its version as it is
    now, and say so at the top."""
    d = selectors.mase_of(t)
    data = request.POST.copy()
    if d is not None:
        data["version"] = str(d.version)
    form = form_class(data)
    form.is_valid()
    form.add_error(None, exc.message)
    return form


@login_required
@GET_POST
def mase_list(request: HttpRequest, trigger_id: int) -> HttpResponse:
    """Set or change the date of the MASE meeting the child is listed for (R-CSE-02)."""
    opened = _mase_page(request, trigger_id, "open the MASE listing page")
    if isinstance(opened, HttpResponse):
        return opened
    user, t, d = opened
    if request.method == "POST":
        form = forms.MaseListForm(request.POST)
    else:
        form = forms.MaseListForm(initial={"version": d.version, "listed_for": d.listed_for})
    if request.method == "POST" and form.is_valid():
        try:
            mase.mase_list_for(
                actor=user,
                discussion_id=d.pk,
                version=form.cleaned_data["version"],
                listed_for=form.cleaned_data["listed_for"],
            )
        except NotFound as exc:
            raise Http404(NOT_FOUND) from exc
        except ConcurrentEdit as exc:
            form = _mase_again(request, t, exc, forms.MaseListForm)
        except DomainError as exc:
            apply_error(form, exc)
        else:
            messages.success(
                request, "MASE meeting date saved: the authority and the coordinators are told"
            )
            return redirect("interventions:detail", trigger_id=t.pk)
    return render_form(
        request,
        "interventions/action.html",
        form,
        trigger=t,
        meeting=None,
        subject=subject(t),
        words=words,
        title="Change the MASE meeting date" if d.listed_for else "Set the MASE meeting date",
        submit="Save the date",
        action_name="mase_list",
        action_url=request.path,
        proposed=[],
        authority=d.authority,
    )


# --- One page per action on the trigger or its meeting --------------------------------------------


@dataclass(frozen=True)
class Action:
    title: str
    form: type[django_forms.Form]
    run: Callable[[User, TriggerRecord, Meeting | None, Any], Any]
    done: str
    offered: Callable[[TriggerRecord, Meeting | None], bool]
    do: Do = Do.MEET
    # Whose version the form carries: the trigger's, the meeting's, or none.
    versioned: str = "meeting"
    submit: str = "Save"
    # A further condition on who may (checked before the read is audited).
    also: Callable[[TriggerRecord, User], bool] | None = None


def _open(t: TriggerRecord, m: Meeting | None) -> bool:
    return t.status not in ENDED


def _meeting_in(*states: MeetingStatus) -> Callable[[TriggerRecord, Meeting | None], bool]:
    return lambda t, m: m is not None and m.status in states


def _why_not(t: TriggerRecord, m: Meeting | None, name: str) -> str:
    if ACTIONS[name].versioned == "trigger":
        return "You cannot do this now: the trigger is closed"
    if m is None:
        return "This trigger calls for no meeting"
    return f"You cannot do this now: the meeting is {m.get_status_display().lower()}"


def _allocate(user: User, t: TriggerRecord, m: Meeting | None, f: Any) -> Any:
    d = f.cleaned_data
    officer = d["allocated_to"]
    return services.trigger_allocate(
        actor=user, trigger_id=t.pk, version=d["version"], user_id=officer.pk if officer else None
    )


def _close(user: User, t: TriggerRecord, m: Meeting | None, f: Any) -> Any:
    d = f.cleaned_data
    return services.trigger_close(
        actor=user, trigger_id=t.pk, version=d["version"], outcome=d["outcome"]
    )


def _arrange(user: User, t: TriggerRecord, m: Meeting | None, f: Any) -> Any:
    assert m is not None
    d = f.cleaned_data
    return services.meeting_arrange(
        actor=user,
        meeting_id=m.pk,
        version=d["version"],
        scheduled_for=d["scheduled_for"],
        place=d["place"],
        chair=d["chair"],
        others=f.other_names(),
    )


def _record(user: User, t: TriggerRecord, m: Meeting | None, f: Any) -> Any:
    assert m is not None
    d = f.cleaned_data
    return services.meeting_record(
        actor=user,
        meeting_id=m.pk,
        version=d["version"],
        held_at=d["held_at"],
        attended=list(d["attended"]),
        discussion=d["discussion"],
        plan=d["plan"],
        care_plan=d["care_plan"],
    )


def _pk(value: Any) -> int | None:
    return value.pk if value is not None else None


def _defer(user: User, t: TriggerRecord, m: Meeting | None, f: Any) -> Any:
    assert m is not None
    d = f.cleaned_data
    return services.meeting_defer(
        actor=user,
        meeting_id=m.pk,
        version=d["version"],
        status=d["status"],
        reason=d["reason"],
        partner_id=_pk(d["partner"]),
        police_agreed_by_id=_pk(d["police_agreed_by"]),
        childrens_services_agreed_by_id=_pk(d["childrens_services_agreed_by"]),
    )


def _action(user: User, t: TriggerRecord, m: Meeting | None, f: Any) -> Any:
    assert m is not None
    d = f.cleaned_data
    return services.action_add(
        actor=user,
        meeting_id=m.pk,
        text=d["text"],
        owner_id=_pk(d["owner"]),
        owner_user_id=_pk(d["owner_user"]),
        due_on=d["due_on"],
    )


# Each action's page (its slug is its address and its name): the title, the form, the
# service, the message when done, and when it is offered. The services say the same and
# refuse otherwise; this decides which links the trigger page shows.
ACTIONS: dict[str, Action] = {
    "allocate": Action(
        "Allocate to an officer",
        forms.AllocateForm,
        _allocate,
        "Allocated: the officer has been told",
        _open,
        do=Do.COORDINATE,
        versioned="trigger",
        submit="Allocate",
    ),
    "arrange": Action(
        "Arrange the meeting",
        forms.ArrangeForm,
        _arrange,
        "Meeting arranged: the invitees have been told",
        _meeting_in(*OPEN_MEETING),
        submit="Arrange the meeting",
    ),
    "record": Action(
        "Record the meeting",
        forms.RecordForm,
        _record,
        "Meeting recorded",
        _meeting_in(MeetingStatus.ARRANGED),
        submit="Record the meeting",
    ),
    "defer": Action(
        "Defer or suspend the meeting",
        forms.DeferForm,
        _defer,
        "Meeting deferred",
        _meeting_in(*OPEN_MEETING),
        submit="Save",
    ),
    "action": Action(
        "Add an action",
        forms.ActionForm,
        _action,
        "Action added: its owner has been told",
        _meeting_in(MeetingStatus.HELD),
        versioned="",
        submit="Add the action",
    ),
    "close": Action(
        "Close with an outcome",
        forms.CloseForm,
        _close,
        "Trigger closed",
        _open,
        do=Do.READ,
        versioned="trigger",
        submit="Close the trigger",
        also=_closer,
    ),
}


def _force_officers(t: TriggerRecord) -> QuerySet[User]:
    return User.objects.filter(
        organisation__in=[t.force, *t.force.children.all()],
        role_assignments__role__in=list(POLICE_ROLES),
    )


def _meeting_people(t: TriggerRecord, m: Meeting | None) -> QuerySet[User]:
    """Who may own an action: the people of the force, the authority and every organisation
    invited."""
    orgs = {t.force_id, *t.force.children.values_list("pk", flat=True)}
    if t.authority_id:
        orgs.add(t.authority_id)
    if m is not None:
        for org, user_org in m.invitees.values_list("organisation_id", "user__organisation_id"):
            orgs.update(o for o in (org, user_org) if o)
    return User.objects.filter(organisation_id__in=orgs)


def _initial(name: str, t: TriggerRecord, m: Meeting | None) -> dict[str, Any]:
    action = ACTIONS[name]
    initial: dict[str, Any] = {}
    if action.versioned == "trigger":
        initial["version"] = t.version
    elif action.versioned == "meeting" and m is not None:
        initial["version"] = m.version
    if name == "allocate" and t.allocated_to_id:
        initial["allocated_to"] = t.allocated_to_id
    elif name == "arrange" and m is not None and m.scheduled_for:
        initial.update({"scheduled_for": m.scheduled_for, "place": m.place, "chair": m.chair})
    return initial


def _make_form(name: str, t: TriggerRecord, m: Meeting | None, data: Any) -> django_forms.Form:
    action = ACTIONS[name]
    kwargs: dict[str, Any] = {}
    if name == "allocate":
        kwargs["officers"] = _force_officers(t)
    elif name == "record":
        assert m is not None
        kwargs["invitees"] = [
            (i.pk, f"{who(i)} ({i.role})")
            for i in m.invitees.select_related("user", "user__organisation", "organisation")
        ]
    elif name == "defer":
        kwargs["police"] = _force_officers(t)
        kwargs["childrens_services"] = (
            User.objects.filter(
                organisation=t.authority, role_assignments__role__in=list(CHILDRENS_SERVICES_ROLES)
            )
            if t.authority_id
            else User.objects.none()
        )
    elif name == "action":
        kwargs["people"] = _meeting_people(t, m)
    if data is None:
        kwargs["initial"] = _initial(name, t, m)
    return action.form(data, **kwargs)


def _after_concurrent_edit(
    request: HttpRequest, name: str, user: User, trigger_id: int, exc: ConcurrentEdit
) -> django_forms.Form:
    """Someone else saved the trigger or its meeting: keep everything typed, take the
    version as it is now (so that saving again is a deliberate choice), and say so at the
    top."""
    t = _trigger_for(user, trigger_id, do=Do.READ, purpose="changed by someone else")
    m = _meeting_of(t)
    data = request.POST.copy()
    current = _initial(name, t, m).get("version")
    if current is not None:
        data["version"] = str(current)
    form = _make_form(name, t, m, data)
    form.is_valid()
    form.add_error(None, exc.message)
    return form


def _proposed(t: TriggerRecord) -> list[tuple[str, str]]:
    return [(i.role, who(i)) for i in services.proposed_invitees(t)]


def action_view(name: str) -> Callable[[HttpRequest, int], HttpResponse]:
    action = ACTIONS[name]

    @login_required
    @GET_POST
    def view(request: HttpRequest, trigger_id: int) -> HttpResponse:
        user = acting_user(request)
        t = _trigger_for(
            user, trigger_id, do=action.do, purpose=f"open the {name} page", also=action.also
        )
        meeting = _meeting_of(t)
        if not action.offered(t, meeting):
            messages.error(request, _why_not(t, meeting, name))
            return redirect("interventions:detail", trigger_id=t.pk)
        data = request.POST if request.method == "POST" else None
        form = _make_form(name, t, meeting, data)
        if request.method == "POST" and form.is_valid():
            try:
                action.run(user, t, meeting, form)
            except NotFound as exc:
                raise Http404(NOT_FOUND) from exc
            except ConcurrentEdit as exc:
                form = _after_concurrent_edit(request, name, user, t.pk, exc)
            except DomainError as exc:
                apply_error(form, exc)
            else:
                messages.success(request, action.done)
                return redirect("interventions:detail", trigger_id=t.pk)
        return render_form(
            request,
            "interventions/action.html",
            form,
            trigger=t,
            meeting=meeting,
            subject=subject(t),
            words=words,
            title=action.title,
            submit=action.submit,
            action_name=name,
            action_url=reverse(f"interventions:{name}", args=[t.pk]),
            proposed=_proposed(t) if name == "arrange" else [],
        )

    view.__name__ = f"action_{name}"
    return view


# --- An action of the meeting done ----------------------------------------------------------------


@login_required
@GET_POST
def action_done(request: HttpRequest, trigger_id: int, action_id: int) -> HttpResponse:
    """The action's owner (or a coordinator) records that it was done."""
    user = acting_user(request)
    item = (
        MeetingAction.objects.select_related("owner", "owner_user")
        .filter(pk=action_id, meeting__trigger_id=trigger_id)
        .first()
    )
    t = _trigger_for(
        user,
        trigger_id,
        do=Do.READ,
        purpose="open the action page",
        also=lambda t, u: item is not None and _may_mark(u, item),
    )
    assert item is not None
    if item.done_at is not None:
        messages.error(request, "This action is already recorded as done")
        return redirect("interventions:detail", trigger_id=t.pk)
    form = forms.DoneForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.action_done(actor=user, action_id=item.pk, note=form.cleaned_data["note"])
        except NotFound as exc:
            raise Http404(NOT_FOUND) from exc
        except DomainError as exc:
            apply_error(form, exc)
        else:
            messages.success(request, "Action recorded as done")
            return redirect("interventions:detail", trigger_id=t.pk)
    return render_form(
        request,
        "interventions/done.html",
        form,
        trigger=t,
        item=item,
        subject=subject(t),
        words=words,
        action_url=request.path,
    )


# --- An intervention raised by hand ---------------------------------------------------------------


@login_required
@GET_POST
def raise_intervention(request: HttpRequest, person_id: int) -> HttpResponse:
    """A coordinator launches or escalates an intervention for a child by hand, with the
    reason (R-TRG-14): a meeting due within seven days."""
    user = acting_user(request)
    if not _is_coordinator(user) or force_id_of(user) is None:
        raise Http404("No such child")
    try:
        person = get_person_for_user(user, person_id, purpose="open the raise intervention page")
    except (NotFound, PermissionDenied) as exc:
        raise Http404("No such child") from exc
    form = forms.RaiseForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            t = services.trigger_raise(
                actor=user,
                person_id=person.pk,
                level=form.level_value(),
                rationale=form.cleaned_data["rationale"],
            )
        except NotFound as exc:
            raise Http404("No such child") from exc
        except DomainError as exc:
            apply_error(form, exc)
        else:
            messages.success(request, "Intervention raised: the meeting is due within seven days")
            return redirect("interventions:detail", trigger_id=t.pk)
    return render_form(
        request,
        "interventions/raise.html",
        form,
        person=person,
        action_url=request.path,
    )

"""The harbouring warning notice pages (R-HRB-01..07): the list of notices, a notice
prepared on an adult, the notice itself, and one page each to record it served, record a
breach and withdraw it.

Views parse the form, call a selector or a service (interventions/harbouring.py) and
render. Every notice comes through ``selectors.get_notice_for_user``: a notice the user may
not see, and a step their role does not allow, are the same "Page not found", with nothing
written (not even the audit row of a read). A service's error is put back on the field it
names, with everything the user typed, and nothing is saved; someone else's change in the
meantime is said at the top, keeping what was typed. The pages speak of the Acts in words
and cite the rules by their ids."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms as django_forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.views.decorators.http import require_GET, require_http_methods

from misper.agencies.models import Organisation, OrganisationKind, User
from misper.agencies.roles import CHILDRENS_SERVICES_ROLES, OPERATIONAL_POLICE_ROLES
from misper.agencies.selectors import acting_user
from misper.core.errors import ConcurrentEdit, DomainError, NotFound, PermissionDenied
from misper.core.events import label as verb_label
from misper.core.timeline import timeline_for_subject
from misper.episodes.views import render_form
from misper.interventions import harbouring, selectors
from misper.interventions.harbouring_forms import (
    BreachForm,
    PrepareForm,
    ServeForm,
    WithdrawForm,
)
from misper.interventions.models import HarbouringNotice, NoticeStatus
from misper.interventions.selectors import NO_SUCH_NOTICE, NoticeDo
from misper.people.models import Adult, Person
from misper.people.network import ADULT
from misper.people.selectors import NO_SUCH_ADULT, get_adult_for_user
from misper.policy.harbouring import ACT_WORDS, Act
from misper.returns.views import apply_error, when_text

GET_POST = require_http_methods(["GET", "POST"])
NOT_VISIBLE = "A child whose record you may not see"


def _acts(codes: list[str]) -> str:
    """The Acts cited for a child, in words."""
    known = [ACT_WORDS[Act(c)] for c in codes if c in {a.value for a in Act}]
    words = " and ".join(known) or "none"
    return words[0].upper() + words[1:]


def adult_url(adult_id: int) -> str | None:
    """The adult's page, once the network's pages exist (URL name ``network:adult``)."""
    try:
        return reverse("network:adult", kwargs={"adult_id": adult_id})
    except NoReverseMatch:
        return None


def _child_name(person: Person, visible: set[int]) -> str:
    return person.name if person.pk in visible else NOT_VISIBLE


def _named(user: User, notice: HarbouringNotice) -> list[dict[str, Any]]:
    """The children the notice names, each with the Acts it cites for them; the name of a
    child the user may not see is not shown."""
    rows = list(notice.children.select_related("person").order_by("pk"))
    visible = selectors.notice_children_visible(user, [r.person_id for r in rows])
    return [
        {
            "person_id": r.person_id,
            "name": _child_name(r.person, visible),
            "visible": r.person_id in visible,
            "acts": _acts(list(r.acts or [])),
        }
        for r in rows
    ]


def _notice_for(user: User, notice_id: int, do: NoticeDo, purpose: str) -> HarbouringNotice:
    """The notice for this page through the choke point, or "Page not found": for a notice
    that does not exist, one the user may not see, and a step their role does not allow
    (checked before the read is audited, so that a refusal leaves nothing behind)."""
    peek = HarbouringNotice.objects.filter(pk=notice_id).first()
    if peek is None or not selectors.notice_may(user, peek, do):
        raise Http404(NO_SUCH_NOTICE)
    try:
        return selectors.get_notice_for_user(user, notice_id, purpose=purpose)
    except (NotFound, PermissionDenied) as exc:
        raise Http404(NO_SUCH_NOTICE) from exc


def _may_see_notices(user: User) -> bool:
    return user.has_role(*OPERATIONAL_POLICE_ROLES, *CHILDRENS_SERVICES_ROLES)


# --- Words for the history ------------------------------------------------------------------

CHANGES: dict[str, tuple[str, Callable[[Any], str]]] = {
    "adult": ("Adult", str),
    "acts": ("Acts cited", str),
    "statement_by": ("Statement by", str),
    "served_at": ("Served", when_text),
    "served_by": ("Served by", str),
    "at": ("When", when_text),
}


def _timeline(notice: HarbouringNotice) -> list[dict[str, Any]]:
    """The notice's history: its events on the adult's timeline (each is also on the
    timeline of every child it names)."""
    events = (
        timeline_for_subject(ADULT, notice.adult_id)
        .filter(verb__startswith="harbouring_notice_", changes__notice=str(notice.pk))
        .order_by("-at", "-id")
    )
    rows = []
    for e in events:
        changes = [
            (CHANGES[k][0], CHANGES[k][1](v))
            for k, v in (e.changes or {}).items()
            if k in CHANGES and v not in ("", None)
        ]
        rows.append(
            {"event": e, "what": verb_label(e.verb), "changes": changes, "rationale": e.rationale}
        )
    return rows


def status_words(notice: HarbouringNotice) -> str:
    return str(NoticeStatus(notice.status).label)


# --- The list ---------------------------------------------------------------------------------


@login_required
@require_GET
def notices(request: HttpRequest) -> HttpResponse:
    """The notices the user sees: the force's (operational police) and the authority's
    (children's services), not yet served first. "Page not found" for anyone who can never
    see one."""
    user = acting_user(request)
    if not _may_see_notices(user):
        raise Http404("No such page")
    found = list(
        selectors.notices_for_user(user)
        .prefetch_related("children__person")
        .order_by("-prepared_at", "-pk")[:500]
    )
    ids = [c.person_id for n in found for c in n.children.all()]
    visible = selectors.notice_children_visible(user, ids)

    def rows(status: str) -> list[dict[str, Any]]:
        return [
            {
                "notice": n,
                "children": [_child_name(c.person, visible) for c in n.children.all()],
            }
            for n in found
            if n.status == status
        ]

    return render(
        request,
        "interventions/harbouring/list.html",
        {
            "prepared": rows(NoticeStatus.PREPARED),
            "served": rows(NoticeStatus.SERVED),
            "withdrawn": rows(NoticeStatus.WITHDRAWN),
            "may_prepare": user.has_role(*selectors.notice_preparer_roles()),
        },
    )


# --- Preparing a notice ---------------------------------------------------------------------------


def _adult_for_prepare(user: User, adult_id: str | None) -> Adult:
    """The adult the notice is on, for someone who may prepare one; "Page not found" for
    anyone else (checked first, so that nothing is audited) and for an adult the user may
    not see."""
    if not user.has_role(*selectors.notice_preparer_roles()):
        raise Http404(NO_SUCH_ADULT)
    if not (adult_id or "").isdigit():
        raise Http404(NO_SUCH_ADULT)
    try:
        return get_adult_for_user(user, int(adult_id or 0), purpose="open the prepare notice page")
    except NotFound as exc:
        raise Http404(NO_SUCH_ADULT) from exc


def _is_police(user: User) -> bool:
    org = user.organisation
    return org is not None and org.kind != OrganisationKind.LOCAL_AUTHORITY


def _label(p: Person) -> str:
    born = f"born {p.date_of_birth:%-d %B %Y}" if p.date_of_birth else "date of birth not known"
    return f"{p.name}, {born} (record {p.pk})"


@login_required
@GET_POST
def prepare(request: HttpRequest) -> HttpResponse:
    """Prepare a notice on an adult (R-HRB-04): from the local authority manager's formal
    witness statement, naming the children; the Act is cited for each child as the
    policy says (R-HRB-02), and an adult at a certified refuge is refused (R-HRB-07)."""
    user = acting_user(request)
    adult = _adult_for_prepare(user, request.GET.get("adult"))
    linked = selectors.children_linked_to_adult(user, adult.pk)
    authorities = None
    initial: dict[str, Any] = {}
    if _is_police(user):
        authorities = Organisation.objects.filter(kind=OrganisationKind.LOCAL_AUTHORITY).order_by(
            "name"
        )
        homes = [p.home_authority_id for p in linked if p.home_authority_id]
        if homes:
            initial["authority"] = homes[0]
    form = PrepareForm(
        request.POST if request.method == "POST" else None,
        linked=[(p.pk, _label(p)) for p in linked],
        authorities=authorities,
        initial=initial,
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        chosen = data.get("authority")
        try:
            notice = harbouring.notice_prepare(
                actor=user,
                notice=harbouring.NoticeInput(
                    adult_id=adult.pk,
                    child_ids=form.child_ids(),
                    statement_by=data["statement_by"],
                    statement_role=data["statement_role"],
                    statement_on=data["statement_on"],
                    statement_summary=data["statement_summary"],
                    authority_id=chosen.pk if chosen is not None else None,
                ),
            )
        except NotFound as exc:
            if exc.field != "children":
                raise Http404(NO_SUCH_ADULT) from exc
            form.add_error(form.field_of(exc.field), exc.message)
        except DomainError as exc:
            form.add_error(form.field_of(exc.field), exc.message)
        else:
            messages.success(request, "Harbouring warning notice prepared: it is not yet served")
            return redirect("interventions:harbouring_notice", notice_id=notice.pk)
    return render_form(
        request,
        "interventions/harbouring/prepare.html",
        form,
        adult=adult,
        adult_url=adult_url(adult.pk),
        linked=linked,
        action_url=f"{request.path}?adult={adult.pk}",
    )


# --- The notice -----------------------------------------------------------------------------------


def _steps(user: User, n: HarbouringNotice) -> list[tuple[str, str]]:
    """The steps the user may take now, as (title, address)."""
    out = []
    for name, step in STEPS.items():
        if selectors.notice_may(user, n, step.do) and step.offered(n):
            out.append((step.title, reverse(f"interventions:harbouring_{name}", args=[n.pk])))
    return out


@login_required
@require_GET
def notice(request: HttpRequest, notice_id: int) -> HttpResponse:
    user = acting_user(request)
    n = _notice_for(user, notice_id, NoticeDo.READ, "view harbouring notice")
    return render(
        request,
        "interventions/harbouring/notice.html",
        {
            "notice": n,
            "status": status_words(n),
            "adult_url": adult_url(n.adult_id),
            "children": _named(user, n),
            "breaches": list(n.breaches.select_related("recorded_by", "episode")),
            "timeline": _timeline(n),
            "steps": _steps(user, n),
        },
    )


# --- One page per step --------------------------------------------------------------------------


class Step:
    def __init__(
        self,
        title: str,
        do: NoticeDo,
        form: type[django_forms.Form],
        run: Callable[[User, HarbouringNotice, Any], Any],
        done: str,
        offered: Callable[[HarbouringNotice], bool],
        why_not: str,
        submit: str,
    ) -> None:
        self.title, self.do, self.form, self.run = title, do, form, run
        self.done, self.offered, self.why_not, self.submit = done, offered, why_not, submit


def _serve(user: User, n: HarbouringNotice, f: Any) -> Any:
    d = f.cleaned_data
    return harbouring.notice_serve(
        actor=user,
        notice_id=n.pk,
        version=d["version"],
        served_at=d["served_at"],
        served_where=d["served_where"],
        photo_shown=d["photo_shown"],
    )


def _breach(user: User, n: HarbouringNotice, f: Any) -> Any:
    d = f.cleaned_data
    return harbouring.notice_breach(
        actor=user,
        notice_id=n.pk,
        version=d["version"],
        at=d["at"],
        description=d["description"],
        episode_id=d["episode"],
    )


def _withdraw(user: User, n: HarbouringNotice, f: Any) -> Any:
    d = f.cleaned_data
    return harbouring.notice_withdraw(
        actor=user, notice_id=n.pk, version=d["version"], reason=d["reason"]
    )


STEPS: dict[str, Step] = {
    "serve": Step(
        "Record that it was served",
        NoticeDo.SERVE,
        ServeForm,
        _serve,
        "Harbouring warning notice recorded as served",
        lambda n: n.status == NoticeStatus.PREPARED,
        "You cannot do this now: only a notice not yet served can be served",
        "Record it as served",
    ),
    "breach": Step(
        "Record a breach",
        NoticeDo.BREACH,
        BreachForm,
        _breach,
        "Breach recorded on the timeline of the adult and of every child named",
        lambda n: n.status == NoticeStatus.SERVED,
        "You cannot do this now: only a served notice can be breached",
        "Record the breach",
    ),
    "withdraw": Step(
        "Withdraw the notice",
        NoticeDo.WITHDRAW,
        WithdrawForm,
        _withdraw,
        "Harbouring warning notice withdrawn",
        lambda n: n.status != NoticeStatus.WITHDRAWN,
        "You cannot do this now: the notice is already withdrawn",
        "Withdraw the notice",
    ),
}


def _make_form(name: str, user: User, n: HarbouringNotice, data: Any) -> django_forms.Form:
    kwargs: dict[str, Any] = {}
    if name == "breach":
        kwargs["episodes"] = [
            (
                e.pk,
                f"Episode {e.pk}: {e.person.name}, reported {when_text(e.reported_at.isoformat())}",
            )
            for e in selectors.notice_episodes(user, n)
        ]
    if data is None:
        kwargs["initial"] = {"version": n.version}
    return STEPS[name].form(data, **kwargs)


def step_view(name: str) -> Callable[[HttpRequest, int], HttpResponse]:
    step = STEPS[name]

    @login_required
    @GET_POST
    def view(request: HttpRequest, notice_id: int) -> HttpResponse:
        user = acting_user(request)
        n = _notice_for(user, notice_id, step.do, f"open the {name} notice page")
        if not step.offered(n):
            messages.error(request, step.why_not)
            return redirect("interventions:harbouring_notice", notice_id=n.pk)
        data = request.POST if request.method == "POST" else None
        form = _make_form(name, user, n, data)
        if request.method == "POST" and form.is_valid():
            try:
                step.run(user, n, form)
            except NotFound as exc:
                if exc.field is None:
                    raise Http404(NO_SUCH_NOTICE) from exc
                apply_error(form, exc)
            except ConcurrentEdit as exc:
                current = HarbouringNotice.objects.get(pk=n.pk)
                changed = request.POST.copy()
                changed["version"] = str(current.version)
                form = _make_form(name, user, current, changed)
                form.is_valid()
                form.add_error(None, exc.message)
            except DomainError as exc:
                apply_error(form, exc)
            else:
                messages.success(request, step.done)
                return redirect("interventions:harbouring_notice", notice_id=n.pk)
        return render_form(
            request,
            "interventions/harbouring/step.html",
            form,
            notice=n,
            name=name,
            title=step.title,
            submit=step.submit,
            adult_url=adult_url(n.adult_id),
            children=_named(user, n),
            action_url=request.path,
        )

    view.__name__ = f"harbouring_{name}"
    return view

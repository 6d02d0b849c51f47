"""API: harbouring warning notices (policy-rules §18, R-HRB-01..07). The same capabilities
as the pages, through the same selectors and services (interventions/harbouring.py): the
notices you see, one notice, a notice prepared on an adult from the local authority
manager's formal witness statement, recorded as served, a breach, withdrawn.

A notice cites, for each child it names, only the Act that covers them: section 2 of the
Child Abduction Act 1984 for a child under 16, section 49 of the Children Act 1989 for a
child in care; a child of 16 or 17 not in care cannot be named (R-HRB-02), and an adult
whose address is a certified refuge cannot be served one (R-HRB-07). Both are 400s naming
the rule.

Every notice is fetched through ``interventions.selectors.get_notice_for_user`` (audited:
a notice names children), so a notice that does not exist and one the caller may not see
are the same 404 "No such notice"; one the caller sees but may not act on is 403
``permission_denied``. Who sees and does what:

- the operational police of the force that serves it: read it and record breaches; its
  officers (not call handlers) record it served; its missing person and CSE coordinators
  and supervisors (sergeant and above) prepare and withdraw notices;
- children's services of the authority whose manager made the statement: read it and
  record breaches; its team managers prepare (for their authority, the force being the one
  covering its area) and withdraw notices.

Writes that change a notice carry the ``version`` read; a stale one is a 409
``concurrent_edit`` and nothing is saved. Every write answers with the notice as the
caller now sees it. Dates are ISO 8601, times with a time zone."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status
from pydantic import AwareDatetime

from misper.agencies.models import Organisation, User
from misper.agencies.selectors import acting_user
from misper.api.people import OrganisationRef
from misper.api.returns import CodeLabelOut, UserRefOut
from misper.api.schemas import ERRORS, Id, PersonRefOut, RefId, named_as_sent
from misper.core.errors import NotFound
from misper.core.validation import MAX_FREE_TEXT, MAX_ID
from misper.interventions import harbouring, selectors
from misper.interventions.models import HarbouringNotice, NoticeStatus
from misper.interventions.selectors import NO_SUCH_NOTICE, NoticeDo
from misper.policy.harbouring import ACT_WORDS, Act

router = Router(tags=["harbouring"])

LIST_LIMIT = 500
MAY = {
    NoticeDo.READ: "read",
    NoticeDo.SERVE: "serve",
    NoticeDo.BREACH: "breach",
    NoticeDo.WITHDRAW: "withdraw",
}


def _version() -> Any:
    return Field(
        ...,
        ge=1,
        le=MAX_ID,
        description="The notice's version you read; a stale one is refused (409 concurrent_edit)",
    )


# --- Schemas -------------------------------------------------------------------------------


class AdultRefOut(Schema):
    """The adult the notice is served on (their record is the network's)."""

    id: int
    name: str


class NoticeChildOut(Schema):
    """A child the notice names, with the Acts it cites for them (R-HRB-02)."""

    person: PersonRefOut | None = Field(
        description="The child; null when you may not see the child's record"
    )
    acts: list[CodeLabelOut] = Field(
        description="child_abduction_act_1984_s2 (under 16) and/or children_act_1989_s49 "
        "(in care), with the Act in words"
    )


class BreachOut(Schema):
    """A breach of a served notice: on the timeline of the adult and every child named."""

    id: int
    at: datetime
    description: str
    episode_id: int | None
    recorded_by: UserRefOut
    recorded_at: datetime


class NoticeSummaryOut(Schema):
    id: int
    adult: AdultRefOut
    force: OrganisationRef = Field(description="The police force that serves it")
    authority: OrganisationRef = Field(
        description="The local authority whose manager made the statement"
    )
    status: CodeLabelOut = Field(description="prepared | served | withdrawn")
    children: list[NoticeChildOut]
    prepared_at: datetime
    served_at: datetime | None
    version: int


class NoticeOut(NoticeSummaryOut):
    """The notice as you may see it: the manager's statement, who prepared and served it,
    the photograph shown and not left (R-HRB-04), its breaches, and what you may do."""

    statement_by: str
    statement_role: str
    statement_on: date
    statement_summary: str = Field(description="What the statement prohibits")
    prepared_by: UserRefOut
    served_by: UserRefOut | None
    served_where: str
    photo_shown: bool = Field(description="A photograph of each child shown and not left")
    withdrawn_at: datetime | None
    withdrawn_reason: str
    breaches: list[BreachOut] = Field(description="Newest first")
    may: list[str] = Field(description="What you may do: read, serve, breach, withdraw")


class NoticeFilters(Schema):
    status: NoticeStatus | None = Field(
        None, description="prepared | served | withdrawn (default: all)"
    )
    adult_id: int | None = Field(None, ge=1, le=MAX_ID, description="Notices on this adult")
    person_id: int | None = Field(None, ge=1, le=MAX_ID, description="Notices naming this child")


class NoticePrepareIn(Schema):
    adult_id: RefId = Field(description="The adult the notice is on (the network's record)")
    child_ids: list[RefId] = Field(
        ...,
        max_length=harbouring.MAX_CHILDREN,
        description="The children it names (record ids); each must be one you may see",
    )
    statement_by: str = Field(
        ..., max_length=200, description="The local authority manager who made the statement"
    )
    statement_role: str = Field(..., max_length=100, description="Their role")
    statement_on: date = Field(description="The date of the statement: within the last year")
    statement_summary: str = Field(
        ...,
        max_length=MAX_FREE_TEXT,
        description="What it prohibits: any contact whatsoever with the children named",
    )
    authority_id: RefId | None = Field(
        None,
        description="Police: the local authority whose manager made the statement "
        "(children's services: ignored, it is yours)",
    )


class NoticeServeIn(Schema):
    version: int = _version()
    served_at: AwareDatetime = Field(description="After it was prepared, not in the future")
    served_where: str = Field(..., max_length=300)
    photo_shown: bool = Field(
        description="A photograph of each child was shown and not left with the adult "
        "(R-HRB-04): must be true"
    )


class NoticeBreachIn(Schema):
    version: int = _version()
    at: AwareDatetime = Field(description="When it happened: after the notice was served")
    description: str = Field(..., max_length=MAX_FREE_TEXT)
    episode_id: RefId | None = Field(
        None, description="The missing episode of a child named, if there is one"
    )


class NoticeWithdrawIn(Schema):
    version: int = _version()
    reason: str = Field(..., max_length=MAX_FREE_TEXT)


# --- Conversions ---------------------------------------------------------------------------


def _org(org: Organisation) -> OrganisationRef:
    return OrganisationRef(id=org.pk, name=org.name)


def _user(user: User | None) -> UserRefOut | None:
    return UserRefOut(id=user.pk, name=user.full_name) if user is not None else None


def _acts(codes: list[str]) -> list[CodeLabelOut]:
    known = {a.value for a in Act}
    return [CodeLabelOut(code=c, label=ACT_WORDS[Act(c)]) for c in codes if c in known]


def _summary_fields(n: HarbouringNotice, visible: set[int]) -> dict[str, Any]:
    return {
        "id": n.pk,
        "adult": AdultRefOut(id=n.adult.pk, name=n.adult.name),
        "force": _org(n.force),
        "authority": _org(n.authority),
        "status": CodeLabelOut(code=n.status, label=NoticeStatus(n.status).label),
        "children": [
            NoticeChildOut(
                person=PersonRefOut(id=c.person.pk, name=c.person.name)
                if c.person_id in visible
                else None,
                acts=_acts(list(c.acts or [])),
            )
            for c in sorted(n.children.all(), key=lambda c: c.pk)
        ],
        "prepared_at": n.prepared_at,
        "served_at": n.served_at,
        "version": n.version,
    }


def _visible(user: User, notices: list[HarbouringNotice]) -> set[int]:
    return selectors.notice_children_visible(
        user, [c.person_id for n in notices for c in n.children.all()]
    )


def _notice(user: User, n: HarbouringNotice) -> NoticeOut:
    assert n.prepared_by is not None
    return NoticeOut(
        **_summary_fields(n, _visible(user, [n])),
        statement_by=n.statement_by,
        statement_role=n.statement_role,
        statement_on=n.statement_on,
        statement_summary=n.statement_summary,
        prepared_by=UserRefOut(id=n.prepared_by.pk, name=n.prepared_by.full_name),
        served_by=_user(n.served_by),
        served_where=n.served_where,
        photo_shown=n.photo_shown,
        withdrawn_at=n.withdrawn_at,
        withdrawn_reason=n.withdrawn_reason,
        breaches=[
            BreachOut(
                id=b.pk,
                at=b.at,
                description=b.description,
                episode_id=b.episode_id,
                recorded_by=UserRefOut(id=b.recorded_by.pk, name=b.recorded_by.full_name),
                recorded_at=b.recorded_at,
            )
            for b in n.breaches.select_related("recorded_by")
        ],
        may=[word for do, word in MAY.items() if selectors.notice_may(user, n, do)],
    )


def _answer(request: HttpRequest, notice_id: int) -> NoticeOut:
    """The answer to a change: the notice as its author now sees it (the service fetched it
    through ``get_notice_for_user``, audited; this read is not audited again)."""
    user = acting_user(request)
    n = (
        selectors.notices_for_user(user)
        .prefetch_related("children__person")
        .filter(pk=notice_id)
        .first()
    )
    if n is None:
        raise NotFound(NO_SUCH_NOTICE)
    return _notice(user, n)


# --- Endpoints -----------------------------------------------------------------------------


@router.get("/harbouring/notices", response={200: list[NoticeSummaryOut], **ERRORS})
def notices(request: HttpRequest, filters: Query[NoticeFilters]) -> list[NoticeSummaryOut]:
    """The notices you see (see the API's description), newest first, at most 500. Empty
    for anyone who sees none."""
    user = acting_user(request)
    qs = selectors.notices_for_user(user)
    if filters.status is not None:
        qs = qs.filter(status=filters.status.value)
    if filters.adult_id is not None:
        qs = qs.filter(adult_id=filters.adult_id)
    if filters.person_id is not None:
        qs = qs.filter(children__person_id=filters.person_id).distinct()
    found = list(
        qs.prefetch_related("children__person").order_by("-prepared_at", "-pk")[:LIST_LIMIT]
    )
    visible = _visible(user, found)
    return [NoticeSummaryOut(**_summary_fields(n, visible)) for n in found]


@router.post("/harbouring/notices", response={201: NoticeOut, **ERRORS})
def prepare(request: HttpRequest, body: NoticePrepareIn) -> Status[NoticeOut]:
    """Prepare a notice on an adult from the local authority manager's formal witness
    statement, naming the children (R-HRB-04). 403 for anyone but a missing person or CSE
    coordinator, a police supervisor or a children's services team manager; 404 naming
    ``adult_id`` or ``child_ids`` for an adult or a child you may not see; 400 naming
    ``child_ids`` with R-HRB-02 for a child no Act covers, or R-HRB-07 for an adult at a
    certified refuge."""
    with named_as_sent(adult="adult_id", children="child_ids", authority="authority_id"):
        n = harbouring.notice_prepare(
            actor=acting_user(request),
            notice=harbouring.NoticeInput(
                adult_id=body.adult_id,
                child_ids=list(body.child_ids),
                statement_by=body.statement_by,
                statement_role=body.statement_role,
                statement_on=body.statement_on,
                statement_summary=body.statement_summary,
                authority_id=body.authority_id,
            ),
        )
    return Status(201, _answer(request, n.pk))


@router.get("/harbouring/notices/{notice_id}", response={200: NoticeOut, **ERRORS})
def notice(request: HttpRequest, notice_id: Id) -> NoticeOut:
    """The notice (the read is audited). 404 for anyone who may not see it."""
    user = acting_user(request)
    n = selectors.get_notice_for_user(user, notice_id, purpose="view harbouring notice (API)")
    return _notice(user, n)


@router.post("/harbouring/notices/{notice_id}/serve", response={200: NoticeOut, **ERRORS})
def serve(request: HttpRequest, notice_id: Id, body: NoticeServeIn) -> NoticeOut:
    """The police served the notice: when, where, and that a photograph of each child was
    shown and not left (``photo_shown`` must be true, R-HRB-04). Each child's Act is checked
    again on the day: a child who has turned 16 since and is not in care is a 400 naming
    ``served_at`` (R-HRB-02). Officers of the force (not call handlers); 409 unless the
    notice is prepared and not yet served."""
    n = harbouring.notice_serve(
        actor=acting_user(request),
        notice_id=notice_id,
        version=body.version,
        served_at=body.served_at,
        served_where=body.served_where,
        photo_shown=body.photo_shown,
    )
    return _answer(request, n.pk)


@router.post("/harbouring/notices/{notice_id}/breaches", response={201: NoticeOut, **ERRORS})
def breach(request: HttpRequest, notice_id: Id, body: NoticeBreachIn) -> Status[NoticeOut]:
    """A breach of a served notice: when, what happened, and the missing episode of a child
    named if there is one. Written on the timeline of the adult and of every child named
    (R-HRB-04). Whoever sees the notice; 409 unless it is served."""
    with named_as_sent(episode="episode_id"):
        b = harbouring.notice_breach(
            actor=acting_user(request),
            notice_id=notice_id,
            version=body.version,
            at=body.at,
            description=body.description,
            episode_id=body.episode_id,
        )
    return Status(201, _answer(request, b.notice_id))


@router.post("/harbouring/notices/{notice_id}/withdraw", response={200: NoticeOut, **ERRORS})
def withdraw(request: HttpRequest, notice_id: Id, body: NoticeWithdrawIn) -> NoticeOut:
    """Withdraw the notice, with the reason: whoever may prepare one for its force or
    authority; 409 once withdrawn."""
    n = harbouring.notice_withdraw(
        actor=acting_user(request), notice_id=notice_id, version=body.version, reason=body.reason
    )
    return _answer(request, n.pk)

"""API: children's services' own work. The pre-placement missing risk assessment (seed 001
Appendix A, R-PPA-01..04): every version, newest first, one version field by field, what
changed between two versions, the form itself (so that a client can build it), and saving a
new version; and the caseloads: a social worker's or IRO's children, most urgent first, and
a team manager's view of their team. The same selectors and services as the pages: the
child is opened through ``get_person_for_user`` (a child you may not see is 404 "No such
child"; one you see but may not act on is 403), and every read of the assessment is
audited.

Values of the assessment are a mapping of each field's ``key`` to a string (an ISO date,
or a choice's code: ``yes``/``no``, ``low``/``medium``/``high``, an ethnicity code...), or,
for fields 29, 30 and 32, a list of small mappings (``GET .../assessment/form`` lists the
keys, kinds, choices and columns). The fields Misper fills in from the child's record
(name, date of birth, the placement, the allocated workers...) are never sent."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import rules
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status

from misper.agencies.models import User
from misper.agencies.selectors import acting_user
from misper.api.people import OrganisationRef
from misper.api.schemas import ERRORS, Id, PersonRefOut
from misper.care import form, pdf, selectors, services
from misper.care.models import AssessmentVersion
from misper.core.audit import audit_record
from misper.core.errors import NotFound, PermissionDenied, ValidationFailed
from misper.core.validation import MAX_ID
from misper.people.selectors import get_person_for_user

router = Router(tags=["care"])

NO_SUCH_WORKER = "No such worker"
PDF_PURPOSE = "export pre-placement assessment as PDF (API)"


# --- Schemas -------------------------------------------------------------------------------


class UserRefOut(Schema):
    id: int
    name: str


class AssessmentVersionOut(Schema):
    """One saved version of the child's assessment (each save is a new version, kept)."""

    number: int = Field(description="1 for the first version, then 2, 3...")
    created_at: datetime
    created_by: str = Field(description="Who saved it")
    organisation: OrganisationRef = Field(description="Their organisation")
    completed_with: str = Field(description="Who at the care provider it was completed with")
    change_note: str = Field(description="What changed and why (from the second version on)")
    sent_to: list[str] = Field(description="The organisations told of this version (R-PPA-02)")
    placement_id: int | None = Field(description="The placement it was completed for")
    values: dict[str, Any] = Field(
        description="Every field's value by key, those filled in from the record included"
    )


class AssessmentLineOut(Schema):
    """One field as a reader sees it."""

    number: str = Field(description="The field's number on Appendix A")
    key: str
    label: str = Field(description="The question as printed")
    value: str = Field(description="The answer in words ('Not given' when blank)")
    detail_label: str = Field(description="The label of the explanation beside it, if any")
    detail: str = Field(description="The explanation given")
    rule: str = Field(description="The policy rule the field feeds, if any")


class AssessmentVersionDetailOut(AssessmentVersionOut):
    lines: list[AssessmentLineOut] = Field(description="Every field in form order, in words")


class AssessmentIn(Schema):
    values: dict[str, Any] = Field(
        description="The typed fields by key (GET .../assessment/form); a key the form does "
        "not have is refused, naming it"
    )
    completed_with: str = Field(
        ..., description="Who at the care provider it was completed with (R-PPA-01)"
    )
    change_note: str = Field(
        "",
        description="What has changed and why: required when the placement already has a "
        "version (R-PPA-04)",
    )
    based_on: int | None = Field(
        ...,
        ge=1,
        le=MAX_ID,
        description="The number of the latest version you read (null for the first): if "
        "another has been saved since, nothing is saved and the answer is 409",
    )


class ChangeOut(Schema):
    number: str = Field(description="The field's number on Appendix A")
    label: str
    before: str = Field(description="The earlier version's answer, in words")
    after: str = Field(description="This version's answer, in words")


class DiffFilters(Schema):
    from_: int | None = Field(
        None,
        alias="from",
        ge=0,
        le=MAX_ID,
        description="The version to compare with (default: the one before; 0: an empty form)",
    )


class ChoiceOut(Schema):
    code: str
    label: str


class ColumnOut(Schema):
    key: str
    label: str
    choices: list[ChoiceOut] = Field(description="The allowed codes; empty for free text")


class FormFieldOut(Schema):
    """One field of Appendix A, in form order."""

    number: str
    key: str
    label: str = Field(description="The question as printed")
    kind: str = Field(
        description="text | long_text | date | yes_no | yes_no_dk | rating | ethnicity | "
        "addresses | individuals | avoid | from_record (filled in by Misper, never sent)"
    )
    required: bool
    choices: list[ChoiceOut] = Field(description="For a choice: the codes to send")
    columns: list[ColumnOut] = Field(description="For a list (fields 29, 30, 32): each entry's")
    max_rows: int | None = Field(description="For a list: at most this many entries")
    detail_key: str | None = Field(description="The key of the explanation beside it, if any")
    detail_label: str | None
    detail_when: list[str] = Field(
        description="The answers that need the explanation ('*': always)"
    )
    hint: str
    rule: str = Field(description="The policy rule the field feeds, if any")


class CaseRowOut(Schema):
    """A child on a worker's list, with what needs doing first."""

    person: PersonRefOut
    roles: list[str] = Field(description="How the worker is allocated: Social worker, IRO")
    work: list[str] = Field(description="What needs doing, in words (most urgent kinds first)")
    urgent: int = Field(description="The higher, the higher on the list; 0: nothing urgent")
    assessment_due: datetime | None = Field(
        description="When the pre-placement assessment falls due (R-PPA-01), if not done"
    )
    assessment_overdue: bool


class WorkerLoadOut(Schema):
    worker: UserRefOut
    children: int
    urgent: int = Field(description="How many of their children need action")


class TeamOut(Schema):
    workers: list[WorkerLoadOut] = Field(description="The authority's social workers and IROs")
    unallocated: list[CaseRowOut] = Field(
        description="The authority's looked-after children with no social worker"
    )


# --- Conversions ---------------------------------------------------------------------------


def _version_fields(v: AssessmentVersion) -> dict[str, Any]:
    return {
        "number": v.number,
        "created_at": v.created_at,
        "created_by": v.created_by.full_name,
        "organisation": OrganisationRef(id=v.created_by_org.pk, name=v.created_by_org.name),
        "completed_with": v.completed_with,
        "change_note": v.change_note,
        "sent_to": list(v.sent_to),
        "placement_id": v.placement_id,
        "values": dict(v.values),
    }


def _detail(v: AssessmentVersion) -> AssessmentVersionDetailOut:
    return AssessmentVersionDetailOut(
        **_version_fields(v),
        lines=[
            AssessmentLineOut(
                number=x.number,
                key=x.key,
                label=x.label,
                value=x.value,
                detail_label=x.detail_label,
                detail=x.detail,
                rule=x.rule,
            )
            for x in v.lines()
        ],
    )


_CHOICES: dict[str, tuple[tuple[str, str], ...]] = {
    form.YES_NO: form.YES_NO_CHOICES,
    form.YES_NO_DK: form.YES_NO_DK_CHOICES,
    form.RATING: form.RATING_CHOICES,
    form.ETHNICITY: form.ETHNICITY_CHOICES,
}
_COLUMN_CHOICES = {"adult_or_child": form.ADULT_CHILD_CHOICES}


def _choices(pairs: tuple[tuple[str, str], ...]) -> list[ChoiceOut]:
    return [ChoiceOut(code=c, label=label) for c, label in pairs]


def _form_field(f: form.Field) -> FormFieldOut:
    return FormFieldOut(
        number=f.number,
        key=f.key,
        label=f.label,
        kind=f.kind,
        required=f.required,
        choices=_choices(_CHOICES.get(f.kind, ())),
        columns=[
            ColumnOut(key=k, label=label, choices=_choices(_COLUMN_CHOICES.get(k, ())))
            for k, label in form.LIST_COLUMNS.get(f.kind, ())
        ],
        max_rows=form.MAX_ROWS.get(f.kind),
        detail_key=f.detail or None,
        detail_label=f.detail_label or None,
        detail_when=list(f.detail_when),
        hint=f.hint,
        rule=f.rule,
    )


def _case_row(r: selectors.CaseRow) -> CaseRowOut:
    return CaseRowOut(
        person=PersonRefOut(id=r.person.pk, name=r.person.name),
        roles=list(r.roles),
        work=list(r.work),
        urgent=r.urgent,
        assessment_due=r.assessment_due,
        assessment_overdue=r.assessment_overdue,
    )


# --- The assessment ------------------------------------------------------------------------


@router.get("/people/{person_id}/assessment", response={200: list[AssessmentVersionOut], **ERRORS})
def assessment_versions(request: HttpRequest, person_id: Id) -> list[AssessmentVersionOut]:
    """Every version of the child's pre-placement assessment, newest first (an empty list
    when none has been saved): for the police, children's services and carers who see the
    child. The read is audited."""
    _person, versions = selectors.get_assessment_for_user(
        acting_user(request), person_id, purpose="read pre-placement assessment (API)"
    )
    return [AssessmentVersionOut(**_version_fields(v)) for v in versions]


@router.get("/people/{person_id}/assessment/form", response={200: list[FormFieldOut], **ERRORS})
def assessment_form(request: HttpRequest, person_id: Id) -> list[FormFieldOut]:
    """The assessment's fields in form order, with their kinds, choices and explanations,
    so that a client can build the form: for children's services who save the child's
    assessment (403 for others who see the child)."""
    get_person_for_user(
        acting_user(request),
        person_id,
        action="care.save_assessment",
        purpose="open the pre-placement assessment form (API)",
    )
    return [_form_field(f) for f in form.FIELDS]


@router.get(
    "/people/{person_id}/assessment/{number}",
    response={200: AssessmentVersionDetailOut, **ERRORS},
)
def assessment_version(
    request: HttpRequest, person_id: Id, number: Id
) -> AssessmentVersionDetailOut:
    """One version, field by field in words (``lines``) and as values. A version that does
    not exist is 404 "No such version of the assessment"."""
    _person, version, _before = selectors.get_version_for_user(
        acting_user(request), person_id, number, purpose="read pre-placement assessment (API)"
    )
    return _detail(version)


@router.get(
    "/people/{person_id}/assessment/{number}/diff", response={200: list[ChangeOut], **ERRORS}
)
def assessment_diff(
    request: HttpRequest, person_id: Id, number: Id, filters: Query[DiffFilters]
) -> list[ChangeOut]:
    """What changed, field by field in form order, from version ``from`` (default: the one
    before) to version ``number``; an explanation counts as part of its field. Version 1
    against nothing (``from=0``, its default) lists every field answered."""
    _person, versions = selectors.get_assessment_for_user(
        acting_user(request), person_id, purpose="compare pre-placement assessments (API)"
    )
    by_number = {v.number: v for v in versions}
    version = by_number.get(number)
    if version is None:
        raise NotFound(selectors.NO_SUCH_VERSION)
    earlier_number = number - 1 if filters.from_ is None else filters.from_
    earlier: dict[str, Any] = {}
    if earlier_number:
        found = by_number.get(earlier_number)
        if found is None:
            raise ValidationFailed(f"The assessment has no version {earlier_number}", field="from")
        earlier = found.values
    return [
        ChangeOut(number=c.number, label=c.label, before=c.before, after=c.after)
        for c in form.diff(earlier, version.values)
    ]


_PDF = {
    "responses": {
        200: {
            "description": "The version as an A4 PDF",
            "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
        }
    }
}


@router.get(
    "/people/{person_id}/assessment/{number}/pdf",
    response={200: None, **ERRORS},
    openapi_extra=_PDF,
)
def assessment_pdf(request: HttpRequest, person_id: Id, number: Id) -> HttpResponse:
    """One version as the A4 form the police and the home keep (R-PPA-02),
    ``application/pdf``, for those who may read the assessment; the read and the export
    are in the audit log."""
    user = acting_user(request)
    person, version, _before = selectors.get_version_for_user(
        user, person_id, number, purpose=PDF_PURPOSE
    )
    content = pdf.render(person, version)
    audit_record(
        user=user, action="export", subject_type="person", subject_id=person.pk, purpose=PDF_PURPOSE
    )
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = (
        f'attachment; filename="assessment-{person.pk}-v{version.number}.pdf"'
    )
    response["Cache-Control"] = "no-store"
    return response


@router.post("/people/{person_id}/assessment", response={201: AssessmentVersionDetailOut, **ERRORS})
def assessment_save(
    request: HttpRequest, person_id: Id, body: AssessmentIn
) -> Status[AssessmentVersionDetailOut]:
    """Save the assessment as a new version (children's services of the child's
    responsible authority, R-PPA-01): it meets the placement's assessment deadline and is
    sent to the police covering the placement and, out of area, to the host authority
    (R-PPA-02). A problem with a value is a 400 naming ``values.<key>``; a stale
    ``based_on`` is a 409 and nothing is saved."""
    version = services.assessment_save(
        actor=acting_user(request),
        person_id=person_id,
        values=body.values,
        completed_with=body.completed_with,
        based_on=body.based_on,
        change_note=body.change_note,
    )
    return Status(201, _detail(version))


# --- Caseloads -----------------------------------------------------------------------------


@router.get("/caseload", response={200: list[CaseRowOut], **ERRORS})
def caseload(request: HttpRequest) -> list[CaseRowOut]:
    """The children allocated to you (social workers, IROs, team managers), the most urgent
    first: missing now, an assessment overdue or due, a return interview waiting. 403 for
    anyone else."""
    rows = selectors.caseload_for_user(acting_user(request), timezone.now())
    return [_case_row(r) for r in rows]


@router.get("/team", response={200: TeamOut, **ERRORS})
def team(request: HttpRequest) -> TeamOut:
    """A team manager's view: each social worker and IRO of their authority with their
    number of children and how many need action, and the authority's looked-after children
    with no social worker. 403 for anyone else."""
    view = selectors.team_for_user(acting_user(request), timezone.now())
    return TeamOut(
        workers=[
            WorkerLoadOut(
                worker=UserRefOut(id=w.worker.pk, name=w.worker.full_name),
                children=w.children,
                urgent=w.urgent,
            )
            for w in view.workers
        ],
        unallocated=[_case_row(r) for r in view.unallocated],
    )


@router.get("/team/{user_id}/caseload", response={200: list[CaseRowOut], **ERRORS})
def worker_caseload(request: HttpRequest, user_id: Id) -> list[CaseRowOut]:
    """One worker's caseload: your own, or, for a team manager, a worker of their
    authority. Anyone else's is 404 "No such worker"; 403 for those who have no caseload."""
    user = acting_user(request)
    worker = User.objects.filter(pk=user_id).first()
    if worker is None:
        if not rules.has_perm("care.caseload", user):
            raise PermissionDenied("Caseloads are for social workers, IROs and team managers")
        raise NotFound(NO_SUCH_WORKER)
    rows = selectors.caseload_for_user(user, timezone.now(), worker=worker)
    return [_case_row(r) for r in rows]

"""Children's services pages: the pre-placement missing risk assessment (R-PPA-01..04) and
caseloads.

Views parse the form, call a selector or a service and render. Every child is opened
through the care selectors (``get_assessment_for_user``, ``get_version_for_user``), which
go through the people app's choke point: a child the user may not see, and an action their
role does not allow, are the same "Page not found", and every read is audited with its
purpose. The form's problems are put on the fields they name, with everything the user
typed; nothing is saved. Only numeric ids appear in these addresses (the comparison's two
version numbers included)."""

from __future__ import annotations

from typing import Any

import rules
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from misper.agencies.models import User
from misper.agencies.roles import Role
from misper.agencies.selectors import acting_user
from misper.care import form, pdf, selectors, services
from misper.care.forms import (
    BASED_ON,
    CHANGE_NOTE,
    CHANGE_NOTE_LABEL,
    COMPLETED_WITH,
    COMPLETED_WITH_LABEL,
    TOP,
    AssessmentForm,
)
from misper.care.models import AssessmentVersion
from misper.core.audit import audit_record
from misper.core.errors import ConcurrentEdit, DomainError, NotFound, PermissionDenied
from misper.people.models import Person, Placement
from misper.people.selectors import get_person_for_user

GET_POST = require_http_methods(["GET", "POST"])
NO_SUCH_CHILD = "No such child"
PDF_PURPOSE = "download pre-placement assessment PDF"


def _assessment(user: User, person_id: int, purpose: str) -> tuple[Person, list[AssessmentVersion]]:
    try:
        return selectors.get_assessment_for_user(user, person_id, purpose=purpose)
    except (NotFound, PermissionDenied) as exc:
        raise Http404(NO_SUCH_CHILD) from exc


def _version(
    user: User, person_id: int, number: int, purpose: str
) -> tuple[Person, AssessmentVersion, AssessmentVersion | None]:
    try:
        return selectors.get_version_for_user(user, person_id, number, purpose=purpose)
    except (NotFound, PermissionDenied) as exc:
        raise Http404(selectors.NO_SUCH_VERSION) from exc


def _current_placement(person: Person) -> Placement | None:
    # The placements come with the child from the choke point.
    return next((p for p in person.placements.all() if p.is_current), None)


def _pick(versions: list[AssessmentVersion], number: int | None) -> AssessmentVersion:
    found = next((v for v in versions if v.number == number), None)
    if found is None:
        raise Http404(selectors.NO_SUCH_VERSION)
    return found


def _shown(user: User, person: Person, versions: list[AssessmentVersion]) -> dict[str, Any]:
    """What the assessment pages show about the child and its versions."""
    return {
        "person": person,
        "versions": versions,
        "latest": versions[0] if versions else None,
        "may_save": rules.has_perm("care.save_assessment", user, person),
        "may_view_record": rules.has_perm("people.view", user, person),
    }


# --- Reading ----------------------------------------------------------------------------------


@login_required
@require_GET
def assessment(request: HttpRequest, person_id: int) -> HttpResponse:
    """The latest version, field by field, and every version."""
    user = acting_user(request)
    person, versions = _assessment(user, person_id, "read pre-placement assessment")
    context = _shown(user, person, versions)
    context["version"] = context["latest"]
    return render(request, "care/assessment.html", context)


@login_required
@require_GET
def version(request: HttpRequest, person_id: int, number: int) -> HttpResponse:
    """One version, and what changed from the one before."""
    user = acting_user(request)
    person, versions = _assessment(user, person_id, "read pre-placement assessment version")
    shown = _pick(versions, number)
    previous = next((v for v in versions if v.number == number - 1), None)
    context = _shown(user, person, versions)
    context.update(
        version=shown,
        previous=previous,
        changes=form.diff(previous.values, shown.values) if previous else None,
    )
    return render(request, "care/version.html", context)


def _number(value: str | None) -> int | None:
    value = (value or "").strip()
    return int(value) if value.isdigit() and len(value) <= 6 else None


@login_required
@require_GET
def compare(request: HttpRequest, person_id: int) -> HttpResponse:
    """Any two versions side by side: ``?from=<a>&to=<b>`` (version numbers only)."""
    user = acting_user(request)
    person, versions = _assessment(user, person_id, "compare pre-placement assessment versions")
    if not versions:
        raise Http404(selectors.NO_SUCH_VERSION)
    to_number = _number(request.GET.get("to"))
    from_number = _number(request.GET.get("from"))
    newer = _pick(versions, versions[0].number if "to" not in request.GET else to_number)
    if "from" in request.GET:
        older = _pick(versions, from_number)
    else:
        older = next((v for v in versions if v.number == newer.number - 1), newer)
    context = _shown(user, person, versions)
    context.update(
        older=older, newer=newer, changes=form.diff(older.values, newer.values), compare=True
    )
    return render(request, "care/compare.html", context)


@login_required
@require_GET
def print_version(request: HttpRequest, person_id: int, number: int) -> HttpResponse:
    """The version laid out as the paper form, for A4."""
    user = acting_user(request)
    person, shown, _ = _version(user, person_id, number, "print pre-placement assessment")
    return render(request, "care/print.html", {"person": person, "version": shown})


@login_required
@require_GET
def pdf_version(request: HttpRequest, person_id: int, number: int) -> HttpResponse:
    """The version as an A4 PDF, downloaded; the export is in the audit log."""
    user = acting_user(request)
    person, shown, _ = _version(user, person_id, number, PDF_PURPOSE)
    content = pdf.render(person, shown)
    audit_record(
        user=user, action="export", subject_type="person", subject_id=person.pk, purpose=PDF_PURPOSE
    )
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = (
        f'attachment; filename="assessment-{person.pk}-v{shown.number}.pdf"'
    )
    return response


# --- Saving a new version ----------------------------------------------------------------------


def _record(person: Person, placement: Placement | None) -> dict[str, Any]:
    """What Misper fills in from the child's record (fields 1-3, 5, 6, 12-16), as it would
    be saved now."""
    if placement is not None:
        # The service's own reading, so that what the form shows is what is saved.
        return services.from_record(person, placement)
    return {
        "name": person.name,
        "aliases": [a.name for a in person.aliases.all()],
        "date_of_birth": person.date_of_birth.isoformat() if person.date_of_birth else "",
        "completed_on": timezone.localdate().isoformat(),
        "photo_available": "Yes" if person.photo else "No",
    }


@login_required
@GET_POST
def new_version(request: HttpRequest, person_id: int) -> HttpResponse:
    """The form: every field of Appendix A, with the latest version's answers."""
    user = acting_user(request)
    try:
        person = get_person_for_user(
            user, person_id, action="care.save_assessment", purpose="open the assessment form"
        )
    except (NotFound, PermissionDenied) as exc:
        raise Http404(NO_SUCH_CHILD) from exc
    latest = selectors.latest_version(person)
    placement = _current_placement(person)
    if request.method == "POST":
        page = AssessmentForm.posted(request.POST)
        if page.is_valid(today=timezone.localdate()):
            try:
                saved = services.assessment_save(
                    actor=user,
                    person_id=person.pk,
                    values=page.values,
                    completed_with=page.completed_with,
                    based_on=page.based_on_number,
                    change_note=page.change_note,
                )
            except NotFound as exc:
                raise Http404(NO_SUCH_CHILD) from exc
            except ConcurrentEdit as exc:
                # Keep everything typed; start from the version saved meanwhile, so that
                # saving again is a deliberate choice made knowing it.
                latest = selectors.latest_version(person)
                page.based_on = str(latest.number) if latest else ""
                page.errors[TOP] = exc.message
            except DomainError as exc:
                page.add_error(exc)
            else:
                told = ", ".join(saved.sent_to)
                messages.success(
                    request,
                    f"Version {saved.number} of the assessment saved"
                    + (f" and sent to {told}" if told else ""),
                )
                return redirect("care:version", person_id=person.pk, number=saved.number)
    else:
        page = AssessmentForm.initial(
            latest.values if latest else None,
            completed_with=latest.completed_with if latest else "",
            based_on=latest.number if latest else None,
        )
    items = page.items(_record(person, placement))
    summary = page.summary(items)
    return render(
        request,
        "care/form.html",
        {
            "person": person,
            "latest": latest,
            "placement": placement,
            "page": page,
            "items": items,
            "summary": summary,
            "error_count": len(summary),
            "names": {
                "completed_with": COMPLETED_WITH,
                "change_note": CHANGE_NOTE,
                "based_on": BASED_ON,
            },
            "labels": {"completed_with": COMPLETED_WITH_LABEL, "change_note": CHANGE_NOTE_LABEL},
            "kinds": {
                "date": form.DATE,
                "text": form.TEXT,
                "long": form.LONG,
                "from_record": form.FROM_RECORD,
                "individuals": form.INDIVIDUALS,
            },
            "adult_child": form.ADULT_CHILD_CHOICES,
        },
        status=400 if summary else 200,
    )


# --- Caseloads -----------------------------------------------------------------------------------


@login_required
@require_GET
def caseload(request: HttpRequest) -> HttpResponse:
    """A social worker's or IRO's children, the most urgent first."""
    user = acting_user(request)
    try:
        rows = selectors.caseload_for_user(user, timezone.now())
    except (NotFound, PermissionDenied) as exc:
        raise Http404("No such page") from exc
    return render(request, "care/caseload.html", {"rows": rows, "worker": None})


def _team_manager(user: User) -> int:
    """The team manager's authority; "Page not found" for anyone else."""
    if not user.has_role(Role.TEAM_MANAGER) or user.organisation_id is None:
        raise Http404("No such page")
    return user.organisation_id


@login_required
@require_GET
def team(request: HttpRequest) -> HttpResponse:
    """A team manager's workers and the looked-after children with no social worker."""
    user = acting_user(request)
    _team_manager(user)
    try:
        view = selectors.team_for_user(user, timezone.now())
    except (NotFound, PermissionDenied) as exc:
        raise Http404("No such page") from exc
    return render(request, "care/team.html", {"team": view})


@login_required
@require_GET
def team_worker(request: HttpRequest, user_id: int) -> HttpResponse:
    """One worker's children, for their team manager."""
    user = acting_user(request)
    _team_manager(user)
    try:
        worker = selectors.team_worker_for_user(user, user_id)
        rows = selectors.caseload_for_user(user, timezone.now(), worker=worker)
    except (NotFound, PermissionDenied) as exc:
        raise Http404("No such worker") from exc
    return render(request, "care/caseload.html", {"rows": rows, "worker": worker})

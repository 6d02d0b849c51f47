"""The child's photograph: uploaded through a service, stored outside the web root, and
served only to someone who may see the child, with the read audited."""

from __future__ import annotations

from datetime import date

from django import forms as django_forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from misper.agencies.selectors import acting_user
from misper.core.errors import DomainError, NotFound, PermissionDenied
from misper.people import services
from misper.people.selectors import get_person_for_user


class PhotoForm(django_forms.Form):
    photo = django_forms.FileField(
        label="Photograph",
        help_text="A recent photograph, JPEG or PNG, smaller than 5 MB.",
        error_messages={"required": "Choose a photograph"},
    )
    taken_on = django_forms.DateField(
        label="Date the photograph was taken",
        help_text="For example, 27 3 2026",
        input_formats=["%Y-%m-%d", "%d/%m/%Y", "%d %m %Y"],
        error_messages={
            "required": "Enter the date the photograph was taken",
            "invalid": "Enter the date as day/month/year",
        },
    )


@login_required
@require_GET
def photo(request: HttpRequest, person_id: int) -> FileResponse:
    user = acting_user(request)
    try:
        person = get_person_for_user(user, person_id, purpose="view photograph")
    except NotFound as exc:
        raise Http404(exc.message) from exc
    if not person.photo:
        raise Http404("No photograph")
    response = FileResponse(person.photo.open("rb"))
    response["Cache-Control"] = "no-store"
    response["Content-Disposition"] = "inline"
    return response


@login_required
@require_http_methods(["GET", "POST"])
def photo_upload(request: HttpRequest, person_id: int) -> HttpResponse:
    user = acting_user(request)
    try:
        candidate = get_person_for_user(
            user, person_id, action="people.change", purpose="add photograph"
        )
    except (NotFound, PermissionDenied) as exc:
        raise Http404("No such child") from exc
    form = PhotoForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["photo"]
        taken_on: date = form.cleaned_data["taken_on"]
        try:
            services.person_photo_set(
                actor=user, person_id=person_id, content=upload.read(), taken_on=taken_on
            )
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, "Photograph added")
            return redirect("people:detail", person_id=person_id)
    return render(
        request,
        "people/photo_upload.html",
        {"form": form, "person": candidate, "error_count": len(form.errors)},
        status=400 if form.errors else 200,
    )

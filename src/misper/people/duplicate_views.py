"""The missing person coordinators' pages for possible duplicate records (issue 13, part
4; people/duplicates.py): the list, the two records side by side with the merge and "not
the same child", and a merge with its undo. Anyone else gets "Page not found", as for a
pair or a merge that does not exist. Only numeric ids appear in these addresses."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from misper.agencies.models import User
from misper.agencies.selectors import acting_user
from misper.core.errors import DomainError, NotFound, PermissionDenied
from misper.people import duplicates
from misper.people.models import DuplicatePair, DuplicateStatus, Merge

GET_POST = require_http_methods(["GET", "POST"])
REASON_HINT = "Say what shows these are, or are not, the same child. It is kept on both records."


class MergeForm(forms.Form):
    keep = forms.ChoiceField(
        label="Which record do you keep?",
        choices=[("first", "First record"), ("second", "Second record")],
        widget=forms.RadioSelect,
        help_text="Everything on the other record moves to the one you keep: cases, flags, "
        "placements and the rest. You can undo this.",
        error_messages={"required": "Choose the record to keep"},
    )
    reason = forms.CharField(
        label="Why are these the same child?",
        max_length=4000,
        widget=forms.Textarea,
        help_text=REASON_HINT,
        error_messages={"required": "Enter why these are the same child"},
    )
    first_version = forms.IntegerField(widget=forms.HiddenInput)
    second_version = forms.IntegerField(widget=forms.HiddenInput)


class NotSameForm(forms.Form):
    not_same_reason = forms.CharField(
        label="Why are these not the same child?",
        max_length=4000,
        widget=forms.Textarea,
        help_text=REASON_HINT,
        error_messages={"required": "Enter why these are not the same child"},
    )
    version = forms.IntegerField(widget=forms.HiddenInput)


class UndoForm(forms.Form):
    reason = forms.CharField(
        label="Why are you undoing this merge?",
        max_length=4000,
        widget=forms.Textarea,
        error_messages={"required": "Enter why you are undoing this merge"},
    )


def _coordinator(user: User) -> None:
    if not duplicates.may_handle_duplicates(user):
        raise Http404("No such page")


def _error(form: forms.Form, exc: DomainError) -> None:
    form.add_error(None, exc.message)


@login_required
@require_GET
def queue(request: HttpRequest) -> HttpResponse:
    """The possible duplicates waiting for a decision, the strongest first."""
    user = acting_user(request)
    _coordinator(user)
    pairs = duplicates.duplicate_queue(user)
    rows = [{"pair": p, "reasons": duplicates.pair_reasons(p)} for p in pairs]
    return render(request, "people/duplicates.html", {"rows": rows})


def _pair(user: User, pair_id: int, purpose: str) -> DuplicatePair:
    try:
        return duplicates.get_pair_for_user(user, pair_id, purpose=purpose)
    except (NotFound, PermissionDenied) as exc:
        raise Http404("No such possible duplicate") from exc


@login_required
@GET_POST
def compare(request: HttpRequest, pair_id: int) -> HttpResponse:
    """The two records side by side, the scorer's reasons, and the two decisions."""
    user = acting_user(request)
    _coordinator(user)
    pair = _pair(user, pair_id, "compare possible duplicate records")
    versions = {"first_version": pair.first.version, "second_version": pair.second.version}
    merge_form = MergeForm(initial=versions)
    not_same_form = NotSameForm(initial={"version": pair.version})
    status = 200
    if request.method == "POST" and request.POST.get("decision") == "not_same":
        not_same_form = NotSameForm(request.POST)
        if not_same_form.is_valid():
            try:
                duplicates.not_duplicates(
                    actor=user,
                    pair_id=pair.pk,
                    version=not_same_form.cleaned_data["version"],
                    reason=not_same_form.cleaned_data["not_same_reason"],
                )
            except NotFound as exc:
                raise Http404("No such possible duplicate") from exc
            except DomainError as exc:
                _error(not_same_form, exc)
            else:
                messages.success(request, "Recorded as not the same child")
                return redirect("people:duplicates")
        status = 400
    elif request.method == "POST":
        merge_form = MergeForm(request.POST)
        if merge_form.is_valid():
            d = merge_form.cleaned_data
            keep, away = (
                (pair.first, pair.second) if d["keep"] == "first" else (pair.second, pair.first)
            )
            version_of = {pair.first.pk: d["first_version"], pair.second.pk: d["second_version"]}
            try:
                merged = duplicates.merge(
                    actor=user,
                    keep_id=keep.pk,
                    merge_away_id=away.pk,
                    keep_version=version_of[keep.pk],
                    merge_away_version=version_of[away.pk],
                    reason=d["reason"],
                )
            except NotFound as exc:
                raise Http404("No such possible duplicate") from exc
            except DomainError as exc:
                _error(merge_form, exc)
            else:
                messages.success(request, "Records merged. You can undo this from this page.")
                return redirect("people:merge", merge_id=merged.pk)
        status = 400
    errors = len(merge_form.errors) + len(not_same_form.errors)
    return render(
        request,
        "people/duplicate_compare.html",
        {
            "pair": pair,
            "lines": duplicates.compare(pair),
            "reasons": duplicates.pair_reasons(pair),
            "counts": (
                duplicates.record_counts(pair.first),
                duplicates.record_counts(pair.second),
            ),
            "waiting": pair.status == DuplicateStatus.WAITING
            and pair.first.merged_into_id is None
            and pair.second.merged_into_id is None,
            "merge_form": merge_form,
            "not_same_form": not_same_form,
            "error_count": errors,
            "last_merge": pair.merges.order_by("-merged_at", "-pk").first(),
        },
        status=status,
    )


def _merge(user: User, merge_id: int) -> Merge:
    try:
        return duplicates.get_merge_for_user(user, merge_id, purpose="view a merge")
    except (NotFound, PermissionDenied) as exc:
        raise Http404("No such merge") from exc


@login_required
@GET_POST
def merge_detail(request: HttpRequest, merge_id: int) -> HttpResponse:
    """What a merge moved, and its undo."""
    user = acting_user(request)
    _coordinator(user)
    merge = _merge(user, merge_id)
    form = UndoForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            duplicates.undo_merge(actor=user, merge_id=merge.pk, reason=form.cleaned_data["reason"])
        except NotFound as exc:
            raise Http404("No such merge") from exc
        except DomainError as exc:
            _error(form, exc)
        else:
            messages.success(request, "Merge undone: the two records are separate again")
            return redirect("people:merge", merge_id=merge.pk)
    ctx: dict[str, Any] = {
        "merge": merge,
        "moved": duplicates.moved_summary(merge.moved),
        "form": form,
        "error_count": len(form.errors),
    }
    return render(
        request,
        "people/merge.html",
        ctx,
        status=400 if form.errors else 200,
    )

"""Read-only pages that show the policy profiles the engine applies: what each value is,
where it comes from, and which values are local choices rather than source rules."""

from __future__ import annotations

import rules
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from misper.agencies import selectors
from misper.agencies.models import Organisation
from misper.policy.profiles import list_profiles, load_profile


def _check(request: HttpRequest) -> None:
    if not rules.has_perm("agencies.view_policy", selectors.acting_user(request)):
        raise Http404("No such page")


def _display(value: object) -> str:
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value) or "none"
    return str(value)


@login_required
@require_GET
def policy_profiles(request: HttpRequest) -> HttpResponse:
    _check(request)
    in_use = {
        o.policy_profile: o.name
        for o in Organisation.objects.exclude(policy_profile="").order_by("name")
    }
    profiles = [load_profile(pid) for pid in list_profiles()]
    return render(request, "web/policy_profiles.html", {"profiles": profiles, "in_use": in_use})


@login_required
@require_GET
def policy_profile(request: HttpRequest, profile_id: str) -> HttpResponse:
    _check(request)
    if profile_id not in list_profiles():
        raise Http404("No such profile")
    profile = load_profile(profile_id)
    rows = [
        {
            "key": key,
            "value": _display(value),
            "local_choice": profile.local_choices.get(key),
        }
        for key, value in sorted(profile.values.items())
    ]
    return render(request, "web/policy_profile.html", {"profile": profile, "rows": rows})

"""The access matrix: every page route and every API operation, crossed with every persona
(anonymous; police of another force; call handler, sergeant and inspector of the owning
force; carers of another home and of the child's home; social workers of another authority
and of the child's; a return-interview worker; an analyst; a safeguarding board member; a
system administrator), for an ordinary and a restricted episode.

The rows are checked against the URL patterns and the OpenAPI document: a route without a
row fails (``test_every_route_has_a_row``). Each cell asserts one of:

- ``ok``: the door opens (the request may still be refused on its content, 400/409);
- ``deny``: "not found" (401 or the sign-in page for anonymous), nothing changed in any
  table or the audit log, and the same answer as for an object that does not exist;
- ``forbid``: seen, but the role may not do it: 403 through the API, "not found" on a page;
  nothing changed;
- ``reason``: a restricted case, for an officer who may open it: asked for a reason (403
  ``restricted`` through the API, the reason form on the case page), nothing changed.

Every cell runs in a savepoint that is rolled back, so cells do not affect each other.
The number of cells checked is printed at the end of the run (tests/access/conftest.py).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pytest
from django.db import transaction
from django.urls import URLPattern, URLResolver, get_resolver

from misper.core.audit import audit_verify
from misper.core.models import AuditChainHead
from tests.episodes.conftest import NOW
from tests.row_counts import row_counts

from .world import PERSONAS

ANON = "anonymous"
ALL_PERSONAS = (ANON, *PERSONAS)
MISSING_ID = 987654

# Who is who, for the rows.
OWNING = frozenset({"call_handler", "sergeant", "inspector"})  # the owning force's officers
POLICE = OWNING | {"other_force"}
PARTNERS = frozenset({"carer_right", "sw_right"})  # may see the child
CS = frozenset({"sw_right", "sw_other"})
CARERS = frozenset({"carer_right", "carer_other"})
SUPERVISORS = frozenset({"sergeant", "inspector", "other_force"})
SIGNED_IN = frozenset(PERSONAS)
POLICY_READERS = POLICE | {"analyst", "board", "admin"}
NOBODY: frozenset[str] = frozenset()
# Who counts return interviews (returns/coverage.py): a provider's manager, analysts, boards.
COUNTERS = frozenset({"rhi_manager", "analyst", "board"})
# The analysts' reports (insights/reports.py): analysts and boards (and team managers, no
# persona), each of their own figures.
REPORTERS = frozenset({"analyst", "board"})
# The bulk import of history: a force's coordinators and administrators.
IMPORTERS = frozenset({"admin"})
# A harbouring notice (interventions/selectors.py): the serving force's operational police
# and the authority's children's services read it; its officers (not call handlers) serve
# it and its supervisors withdraw it.
NOTICE_READERS = OWNING | {"sw_right"}
NOTICE_OFFICERS = frozenset({"sergeant", "inspector"})
# The network (issue 12, part 5): the operational police and children's services; the world's
# adult and place are linked to the child, so her social worker sees them and Harbour's does
# not (police see every adult and place).
NETWORK = POLICE | CS
NETWORK_SEERS = POLICE | {"sw_right"}


@dataclass(frozen=True)
class Row:
    key: str  # "page <name> <METHOD>" or "api <METHOD> <path>"
    method: str
    path: str  # placeholders: {episode} {person} {flag} {transfer} {message} {token}
    # {endpoint} {area} {org} {share} {profile}
    ok: frozenset[str]
    forbid: frozenset[str] = NOBODY
    body: Callable[[dict[str, Any]], dict[str, Any]] | None = None
    object: str | None = None  # the placeholder whose object may not exist
    episode_route: bool = False  # run for the restricted episode too
    reads_case: bool = False  # restricted: the case page asks for the reason
    public: bool = False  # anonymous gets it too
    multipart: bool = False  # an upload, not JSON

    def outcome(self, persona: str, restricted: bool) -> str:
        if restricted:
            if persona == "inspector" and (persona in self.ok or persona in self.forbid):
                return "reason"
            return "deny"
        if persona in self.ok or (self.public and persona == ANON):
            return "ok"
        if persona in self.forbid:
            return "forbid"
        return "deny"


def page(
    name: str,
    path: str,
    ok: frozenset[str],
    *,
    method: str = "GET",
    forbid: frozenset[str] = NOBODY,
    body: Any = None,
    object: str | None = None,
    **kw: Any,
) -> Row:
    return Row(f"page {name} {method}", method, path, ok, forbid, body, object, **kw)


def api(
    method: str,
    path: str,
    ok: frozenset[str],
    *,
    forbid: frozenset[str] = NOBODY,
    body: Any = None,
    object: str | None = None,
    **kw: Any,
) -> Row:
    key_path = re.sub(r"\{(\w+)\}", lambda m: "{" + _API_PARAM[m.group(1)] + "}", path)
    return Row(
        f"api {method} /api/v1{key_path}", method, "/api/v1" + path, ok, forbid, body, object, **kw
    )


_API_PARAM = {
    "episode": "episode_id",
    "person": "person_id",
    "flag": "flag_id",
    "transfer": "transfer_id",
    "message": "message_id",
    "area": "area_id",
    "org": "organisation_id",
    "share": "share_id",
    "referral": "referral_id",
    "request": "request_id",
    "disclosure": "disclosure_id",
    "recommendation": "recommendation_id",
    "flag_request": "request_id",
    "trigger": "trigger_id",
    "mase_trigger": "trigger_id",
    "meeting": "meeting_id",
    "action": "action_id",
    "carer_report": "report_id",
    "assessment": "number",
    "allocation": "allocation_id",
    "placement": "placement_id",
    "worker": "user_id",
    "notice": "notice_id",
    "adult": "adult_id",
    "associate": "associate_id",
    "location": "location_id",
    "report": "slug",
    "import_job": "job_id",
    "duplicate_pair": "pair_id",
    "merge": "merge_id",
}

# --- Bodies --------------------------------------------------------------------------------


def _iso(d: Any) -> str:
    return d.isoformat()


def report_body(w: dict[str, Any]) -> dict[str, Any]:
    from misper.episodes.codes import QUESTION_KEYS, SEARCHES

    return {
        "reported_by": "parent",
        "informant_name": "Dana Lomax",
        "missing_from": "home",
        "location_address": "4 Alder Road",
        "last_seen_at": _iso(NOW - timedelta(hours=2)),
        "last_seen_place": "bus station",
        "circumstances": "Did not come home from school.",
        "answers": {k: {"answer": "no", "detail": "caller says no"} for k in QUESTION_KEYS},
        "searches": {k: {"state": "done", "detail": ""} for k, _ in SEARCHES},
        "category": "missing",
        "risk": "medium",
        "rationale": "first assessment",
    }


def version(w: dict[str, Any], which: str = "episode") -> int:
    from misper.episodes.models import Episode

    return Episode.objects.get(pk=w[which].pk).version


def cse_version(w: dict[str, Any]) -> int:
    from misper.episodes.models import CseScreening

    return CseScreening.objects.get(pk=w["cse_screening"].pk).version


def trigger_version(w: dict[str, Any]) -> int:
    from misper.interventions.models import TriggerRecord

    return TriggerRecord.objects.get(pk=w["trigger"].pk).version


def mase_version(w: dict[str, Any]) -> int:
    from misper.interventions.models import MaseDiscussion

    return MaseDiscussion.objects.get(trigger=w["mase_trigger"]).version


def mase_body(w: dict[str, Any]) -> dict[str, Any]:
    from django.utils import timezone

    from misper.interventions.models import MASE_ITEMS

    return {
        "version": mase_version(w),
        "discussed_at": _iso(timezone.now() - timedelta(minutes=5)),
        "items": {key: {"addressed": "yes", "note": ""} for key in MASE_ITEMS},
        "outcomes": ["early_help"],
    }


def notice_version(w: dict[str, Any]) -> int:
    from misper.interventions.models import HarbouringNotice

    return HarbouringNotice.objects.get(pk=w["notice"].pk).version


def notice_body(w: dict[str, Any]) -> dict[str, Any]:
    return {
        "adult_id": w["adult"].pk,
        "child_ids": [w["child"].pk],
        "statement_by": "Jo Harris",
        "statement_role": "Team manager, Vale Council",
        "statement_on": _iso(date.today()),
        "statement_summary": "No contact whatsoever with Keira Lomax.",
        "authority_id": w["vale_council"].pk,
    }


def serve_body(w: dict[str, Any]) -> dict[str, Any]:
    from django.utils import timezone

    return {
        "version": notice_version(w),
        "served_at": _iso(timezone.now()),
        "served_where": "4 Mill Row",
        "photo_shown": True,
    }


def adult_version(w: dict[str, Any]) -> int:
    from misper.people.models import Adult

    return Adult.objects.get(pk=w["adult"].pk).version


def location_version(w: dict[str, Any]) -> int:
    from misper.people.models import Location

    return Location.objects.get(pk=w["location"].pk).version


def meeting_version(w: dict[str, Any]) -> int:
    from misper.interventions.models import Meeting

    return Meeting.objects.get(pk=w["meeting"].pk).version


def person_body(w: dict[str, Any]) -> dict[str, Any]:
    from misper.people.models import Person

    return {
        "version": Person.objects.get(pk=w["child"].pk).version,
        "given_name": "Keira",
        "family_name": "Lomax",
        "date_of_birth": "2011-06-14",
        "home_authority": w["vale_council"].pk,
    }


def import_job_version(w: dict[str, Any]) -> int:
    from misper.insights.models import ImportJob

    return ImportJob.objects.get(pk=w["import_job"].pk).version


def history_file() -> Any:
    """The import template (a file of one row that passes its check)."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from misper.insights.bulk_import import template_csv

    return SimpleUploadedFile("history.csv", template_csv().encode(), content_type="text/csv")


def photo_file() -> Any:
    from io import BytesIO

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    out = BytesIO()
    Image.new("RGB", (8, 8), "navy").save(out, "JPEG")
    return SimpleUploadedFile("photo.jpg", out.getvalue(), content_type="image/jpeg")


def assessment_body(w: dict[str, Any]) -> dict[str, Any]:
    from tests.care.factories import assessment_values

    return {
        "values": assessment_values(),
        "completed_with": "Birch Lodge manager",
        "change_note": "Reviewed after the last episode",
        "based_on": w["assessment"].number,
    }


def carer_report_body(w: dict[str, Any]) -> dict[str, Any]:
    from tests.care.factories import carer_values

    return {
        "kind": "missing",
        "last_seen_at": _iso(NOW - timedelta(hours=1)),
        "values": carer_values(),
        "completed_by": "Carer Right",
        "designation": "Residential worker",
    }


FOUND = {
    "found_where": "Larch Park",
    "found_by": "PC Okafor",
    "condition": "well",
    "safe_and_well": "done",
}

# --- The rows ---------------------------------------------------------------------------------

CASE_READERS = OWNING | {"other_force"} | PARTNERS
CASE_SEERS_NOT_WORKERS = frozenset({"other_force"}) | PARTNERS
CHILD_SEERS = POLICE | PARTNERS
CHILD_CHANGERS = POLICE | {"sw_right"}
# R-FLG-01/04: the world's flag was placed by Vale Council: its social worker ends it, and
# police at the profile's flag_end_min_role (inspector) or above; not a call handler or a
# sergeant.
FLAG_ENDERS = frozenset({"sw_right", "inspector", "other_force"})

PAGE_ROWS: list[Row] = [
    page("home", "/", SIGNED_IN),
    page("healthz", "/healthz", SIGNED_IN, public=True),
    page("accessibility", "/accessibility/", SIGNED_IN, public=True),
    page("privacy", "/privacy/", SIGNED_IN, public=True),
    page("account", "/account/", SIGNED_IN),
    page("api_tokens", "/account/api-tokens/", SIGNED_IN),
    page(
        "api_tokens",
        "/account/api-tokens/",
        SIGNED_IN,
        method="POST",
        body=lambda w: {"name": "x", "days": "30"},
    ),
    page(
        "api_token_revoke",
        "/account/api-tokens/{token}/revoke/",
        frozenset({"inspector", "admin"}),
        method="POST",
        object="token",
    ),
    page("organisation", "/organisation/", SIGNED_IN),
    page(
        "organisation_detail", "/organisations/{org}/", OWNING | {"analyst", "admin"}, object="org"
    ),
    page("audit_log", "/admin/audit/", frozenset({"admin"})),
    page("admin_users", "/admin/users/", frozenset({"admin"})),
    page("policy_profiles", "/policy/", POLICY_READERS),
    page("policy_profile", "/policy/{profile}/", POLICY_READERS),
    page("api-1.0.0:openapi-view", "/api/v1/docs", SIGNED_IN, public=True),
    page("api-1.0.0:openapi-json", "/api/v1/openapi.json", SIGNED_IN, public=True),
    # The child's record.
    page("people:search", "/people/search/", POLICE | CS),
    page(
        "people:search",
        "/people/search/",
        POLICE | CS,
        method="POST",
        body=lambda w: {"name": "Keira Lomax"},
    ),
    page("people:create", "/people/new/", POLICE | CS),
    page("people:create", "/people/new/", POLICE | CS, method="POST", body=lambda w: {}),
    page("people:my_children", "/people/mine/", CARERS | CS),
    page("people:detail", "/people/{person}/", CHILD_SEERS, object="person"),
    page(
        "people:edit",
        "/people/{person}/edit/",
        CHILD_CHANGERS,
        forbid=frozenset({"carer_right"}),
        object="person",
    ),
    page(
        "people:edit",
        "/people/{person}/edit/",
        CHILD_CHANGERS,
        forbid=frozenset({"carer_right"}),
        method="POST",
        body=lambda w: {},
        object="person",
    ),
    page(
        "people:alias_add",
        "/people/{person}/aliases/new/",
        CHILD_CHANGERS,
        forbid=frozenset({"carer_right"}),
        method="POST",
        body=lambda w: {"name": "Kiki"},
        object="person",
    ),
    page(
        "people:flag_raise",
        "/people/{person}/flags/new/",
        CHILD_CHANGERS,
        forbid=frozenset({"carer_right"}),
        method="POST",
        body=lambda w: {},
        object="person",
    ),
    # The page lets in whoever may flag the child and shows the policy's refusal with its
    # reasons on the form (400: R-FLG-01, R-FLG-04 for a call handler and a CSE flag).
    page(
        "people:flag_end",
        "/people/{person}/flags/{flag}/end/",
        CHILD_CHANGERS,
        forbid=frozenset({"carer_right"}),
        method="POST",
        body=lambda w: {"reason": "over"},
        object="flag",
    ),
    page(
        "people:share_add",
        "/people/{person}/shares/new/",
        frozenset({"sw_right"}),
        forbid=POLICE | {"carer_right"},
        method="POST",
        body=lambda w: {},
        object="person",
    ),
    page(
        "people:share_end",
        "/people/{person}/shares/{share}/end/",
        frozenset({"sw_right"}),
        forbid=POLICE | {"carer_right"},
        method="POST",
        body=lambda w: {"reason": "over"},
        object="share",
    ),
    page(
        "people:placement_add",
        "/people/{person}/placements/new/",
        frozenset({"sw_right"}),
        forbid=POLICE | {"carer_right"},
        method="POST",
        body=lambda w: {},
        object="person",
    ),
    # A placement's details for the DfE's return (R-DAT-04): the authority that made it.
    *[
        page(
            "people:placement_return",
            "/people/{person}/placements/{placement}/dfe/",
            frozenset({"sw_right"}),
            forbid=POLICE | {"carer_right"},
            method=m,
            body=(lambda w: {}) if m == "POST" else None,
            object="placement",
        )
        for m in ("GET", "POST")
    ],
    page(
        "people:associate_add",
        "/people/{person}/associates/new/",
        CHILD_CHANGERS,
        forbid=frozenset({"carer_right"}),
        method="POST",
        body=lambda w: {"name": "Jo"},
        object="person",
    ),
    page(
        "people:place_add",
        "/people/{person}/places/new/",
        CHILD_CHANGERS,
        forbid=frozenset({"carer_right"}),
        method="POST",
        body=lambda w: {"description": "the park"},
        object="person",
    ),
    page("people:photo", "/people/{person}/photo/", CHILD_SEERS, object="person"),
    page(
        "people:photo_upload",
        "/people/{person}/photo/new/",
        CHILD_CHANGERS,
        forbid=frozenset({"carer_right"}),
        object="person",
    ),
    # Allocated workers: made and ended by a team manager of the responsible authority (no
    # persona is one: tests/care/test_pages.py); "not found" for everyone else.
    *[
        page(
            name,
            path,
            NOBODY,
            forbid=CHILD_SEERS,
            method=m,
            body=body if m == "POST" else None,
            object=obj,
        )
        for name, path, obj, body in (
            (
                "people:allocation_add",
                "/people/{person}/allocations/new/",
                "person",
                lambda w: {"role": "social_worker", "user": w["sw_right"].pk},
            ),
            (
                "people:allocation_end",
                "/people/{person}/allocations/{allocation}/end/",
                "allocation",
                lambda w: {"reason": "Moved team"},
            ),
        )
        for m in ("GET", "POST")
    ],
    # The pre-placement assessment (pages): read by whoever sees the child (police,
    # children's services, the child's carers), printed and downloaded by them too; the form
    # is the responsible authority's (sw_right). Caseloads for social workers (and IROs);
    # the team pages for team managers (no persona is one).
    page("care:assessment", "/care/children/{person}/assessment/", CHILD_SEERS, object="person"),
    *[
        page(
            "care:new_version",
            "/care/children/{person}/assessment/new/",
            frozenset({"sw_right"}),
            forbid=POLICE | {"carer_right"},
            method=m,
            body=(lambda w: {}) if m == "POST" else None,
            object="person",
        )
        for m in ("GET", "POST")
    ],
    page(
        "care:compare",
        "/care/children/{person}/assessment/compare/?from={assessment}&to={assessment}",
        CHILD_SEERS,
        object="person",
    ),
    *[
        page(
            name,
            f"/care/children/{{person}}/assessment/{{assessment}}/{part}",
            CHILD_SEERS,
            object="assessment",
        )
        for name, part in (("care:version", ""), ("care:print", "print/"), ("care:pdf", "pdf/"))
    ],
    page("care:caseload", "/care/caseload/", CS),
    page("care:team", "/care/team/", NOBODY),
    page("care:team_worker", "/care/team/{worker}/", NOBODY, object="worker"),
    # Reports and cases.
    page("episodes:report_start", "/episodes/report/", POLICE),
    page("episodes:report", "/people/{person}/report/", POLICE, object="person"),
    page(
        "episodes:report",
        "/people/{person}/report/",
        POLICE,
        method="POST",
        body=lambda w: {"action": "check"},
        object="person",
    ),
    page("episodes:supervision", "/episodes/supervision/", SUPERVISORS),
    page("episodes:dmm", "/episodes/dmm/", POLICE),
    page("episodes:my_cases", "/episodes/mine/", POLICE),
    page("episodes:work", "/episodes/work/", POLICE),
    # The carer's own report (R-PPA-03) and the police taking it.
    page(
        "episodes:carer_report_new",
        "/people/{person}/carer-report/new/",
        frozenset({"carer_right"}),
        forbid=POLICE | {"sw_right"},
        object="person",
    ),
    page(
        "episodes:carer_report_new",
        "/people/{person}/carer-report/new/",
        frozenset({"carer_right"}),
        forbid=POLICE | {"sw_right"},
        method="POST",
        body=lambda w: {},
        object="person",
    ),
    page("episodes:carer_reports", "/episodes/carer-reports/", POLICE | CARERS | CS),
    page(
        "episodes:carer_report",
        "/episodes/carer-reports/{carer_report}/",
        OWNING | PARTNERS,
        object="carer_report",
    ),
    page(
        "episodes:carer_report_return",
        "/episodes/carer-reports/{carer_report}/return/",
        frozenset({"carer_right"}),
        forbid=OWNING | {"sw_right"},
        object="carer_report",
    ),
    page(
        "episodes:carer_report_return",
        "/episodes/carer-reports/{carer_report}/return/",
        frozenset({"carer_right"}),
        forbid=OWNING | {"sw_right"},
        method="POST",
        body=lambda w: {},
        object="carer_report",
    ),
    page(
        "episodes:report",
        "/people/{person}/report/?carer_report={carer_report}",
        OWNING,
        object="carer_report",
    ),
    page(
        "episodes:detail",
        "/episodes/{episode}/",
        CASE_READERS,
        object="episode",
        episode_route=True,
        reads_case=True,
    ),
    page(
        "episodes:detail",
        "/episodes/{episode}/",
        CASE_READERS,
        method="POST",
        body=lambda w: {"reason": ""},
        object="episode",
        episode_route=True,
        reads_case=True,
    ),
    page(
        "episodes:transfer_decide",
        "/episodes/transfers/{transfer}/decision/",
        NOBODY,
        object="transfer",
    ),
    page(
        "episodes:transfer_decide",
        "/episodes/transfers/{transfer}/decision/",
        NOBODY,
        method="POST",
        body=lambda w: {"accept": "yes"},
        object="transfer",
    ),
    *[
        page(
            f"episodes:{name}",
            f"/episodes/{{episode}}/{name}/",
            OWNING,
            forbid=CASE_SEERS_NOT_WORKERS,
            method=m,
            body=(lambda w: {}) if m == "POST" else None,
            object="episode",
            episode_route=True,
        )
        for name in (
            "category",
            "risk",
            "disagreement",
            "resolve",
            "restrict",
            "log",
            "transfer",
            "found",
            "close",
        )
        for m in ("GET", "POST")
    ],
    # The CSE screening (R-CSE-01): the owning force's officers (and its CSE coordinators).
    *[
        page(
            "episodes:cse_screening",
            "/episodes/{episode}/cse-screening/",
            OWNING,
            forbid=CASE_SEERS_NOT_WORKERS,
            method=m,
            body=(lambda w: {}) if m == "POST" else None,
            object="episode",
            episode_route=True,
        )
        for m in ("GET", "POST")
    ],
    # The inbox and the administrators' delivery pages.
    page("notifications:inbox", "/inbox/", SIGNED_IN),
    page("notifications:open", "/inbox/{message}/", frozenset({"sw_right"}), object="message"),
    page(
        "notifications:acknowledge",
        "/inbox/{message}/acknowledge/",
        frozenset({"sw_right"}),
        method="POST",
        object="message",
    ),
    page("notifications:deliveries", "/inbox/deliveries/", frozenset({"admin"})),
    page(
        "notifications:delivery",
        "/inbox/deliveries/{message}/",
        frozenset({"admin"}),
        object="message",
    ),
    page("notifications:webhooks", "/inbox/webhooks/", frozenset({"admin"})),
    page(
        "notifications:webhooks",
        "/inbox/webhooks/",
        frozenset({"admin"}),
        method="POST",
        body=lambda w: {},
    ),
    page("notifications:arrangements", "/inbox/sharing/", frozenset({"admin"})),
    page(
        "notifications:arrangements",
        "/inbox/sharing/",
        frozenset({"admin"}),
        method="POST",
        body=lambda w: {},
    ),
    page(
        "notifications:webhook_deactivate",
        "/inbox/webhooks/{endpoint}/deactivate/",
        frozenset({"admin"}),
        method="POST",
        object="endpoint",
    ),
    # Return home interviews (pages). Streetwise (rhi_worker, rhi_manager) holds the world's
    # referral; Vale Council (sw_right) is the responsible authority and reads it; nobody
    # else sees it. The referral is closed: an action page the state no longer offers sends
    # the interviewer back to the referral (302), a POST with nothing in it answers 400.
    page("returns:queue", "/returns/", SIGNED_IN),
    page(
        "returns:detail",
        "/returns/{referral}/",
        frozenset({"rhi_worker", "rhi_manager", "sw_right"}),
        object="referral",
    ),
    *[
        page(
            f"returns:{name}",
            f"/returns/{{referral}}/{name}/",
            ok,
            forbid=frozenset({"rhi_worker", "rhi_manager", "sw_right"}) - ok,
            method=m,
            body=(lambda w: {}) if m == "POST" else None,
            object="referral",
        )
        for name, ok in (
            ("allocate", frozenset({"rhi_manager"})),
            ("triage", frozenset({"rhi_worker", "rhi_manager"})),
            ("information", frozenset({"rhi_worker", "rhi_manager"})),
            ("letter", frozenset({"rhi_worker", "rhi_manager"})),
            ("offer", frozenset({"rhi_worker", "rhi_manager"})),
            ("accept", frozenset({"rhi_worker", "rhi_manager"})),
            ("outcome", frozenset({"rhi_worker", "rhi_manager"})),
            ("not_required", frozenset({"rhi_worker", "rhi_manager"})),
            ("not_required_decision", frozenset({"rhi_manager"})),
            ("interview", frozenset({"rhi_worker", "rhi_manager"})),
            ("disclosure", frozenset({"rhi_worker", "rhi_manager"})),
            ("recommendation", frozenset({"rhi_worker", "rhi_manager"})),
            ("session", frozenset({"rhi_worker", "rhi_manager"})),
            ("share", frozenset({"rhi_worker", "rhi_manager"})),
        )
        for m in ("GET", "POST")
    ],
    *[
        page(
            "returns:information_answer",
            "/returns/{referral}/information/{request}/answer/",
            frozenset({"rhi_worker", "rhi_manager"}),
            forbid=frozenset({"sw_right"}),
            method=m,
            body=(lambda w: {}) if m == "POST" else None,
            object="request",
        )
        for m in ("GET", "POST")
    ],
    *[
        page(
            f"returns:{name}_done",
            f"/returns/{{referral}}/{part}/{{{name}}}/done/",
            frozenset({"rhi_worker", "rhi_manager", "sw_right"}),
            method=m,
            body=(lambda w: {}) if m == "POST" else None,
            object=name,
        )
        for name, part in (("disclosure", "disclosures"), ("recommendation", "recommendations"))
        for m in ("GET", "POST")
    ],
    # Requests to flag a child: the force's coordinators' (no persona is one: their pages are
    # tested in tests/people/test_flag_requests_pages.py); everyone else, "not found".
    # Return interviews as a service: the figures (counts, no child) for the providers' and
    # authorities' managers, analysts and boards; the arrangements for administrators.
    page("returns:coverage", "/returns/coverage/", COUNTERS),
    # The DfE's SSDA903 return (R-DAT-04): a team manager of the authority's, whose return
    # it is (no persona is one: tests/insights/test_pages.py); "not found" for everyone else.
    page("insights:ssda903", "/insights/ssda903/", NOBODY, forbid=SIGNED_IN),
    # The analysts' reports: counts only; the download asks why and is audited.
    page("insights:reports", "/insights/reports/", REPORTERS),
    page("insights:report", "/insights/reports/{report}/", REPORTERS),
    page(
        "insights:report_download",
        "/insights/reports/{report}.csv",
        REPORTERS,
        method="POST",
        body=lambda w: {"purpose": "Quarterly report to the partnership"},
    ),
    # The bulk import of history (insights/bulk_import.py): a force's missing person
    # coordinators (no persona is one: tests/insights/test_bulk_import_pages.py) and its
    # administrators; "not found" for everyone else.
    page("insights:import", "/insights/import/", IMPORTERS),
    page(
        "insights:import",
        "/insights/import/",
        IMPORTERS,
        method="POST",
        body=lambda w: {"system": "Niche", "file": history_file()},
    ),
    page("insights:import_template", "/insights/import/template.csv", IMPORTERS),
    page("insights:import_job", "/insights/import/{import_job}/", IMPORTERS, object="import_job"),
    page(
        "insights:import_errors",
        "/insights/import/{import_job}/problems.csv",
        IMPORTERS,
        object="import_job",
    ),
    page(
        "insights:import_confirm",
        "/insights/import/{import_job}/import/",
        IMPORTERS,
        object="import_job",
    ),
    page(
        "insights:import_confirm",
        "/insights/import/{import_job}/import/",
        IMPORTERS,
        method="POST",
        body=lambda w: {"version": "1"},
        object="import_job",
    ),
    # The board pack: every report for a period as one PDF; the download asks why.
    page("insights:board_pack", "/insights/board-pack/", REPORTERS),
    page(
        "insights:board_pack",
        "/insights/board-pack/",
        REPORTERS,
        method="POST",
        body=lambda w: {"purpose": "Quarterly report to the partnership"},
    ),
    page(
        "insights:ssda903",
        "/insights/ssda903/",
        NOBODY,
        forbid=SIGNED_IN,
        method="POST",
        body=lambda w: {"year": "2027", "purpose": "Submission to the DfE"},
    ),
    page("returns:arrangements", "/returns/arrangements/", frozenset({"admin"})),
    page(
        "returns:arrangements",
        "/returns/arrangements/",
        frozenset({"admin"}),
        method="POST",
        body=lambda w: {"authority": w["vale_council"].pk, "out_of_area": "host"},
    ),
    page("people:flag_requests", "/people/flag-requests/", NOBODY),
    # Possible duplicate records and merges (issue 13, part 4): the missing person
    # coordinators' (no persona is one: tests/people/test_duplicates.py); "not found" for
    # everyone else, as for a pair or a merge that does not exist.
    page("people:duplicates", "/people/duplicates/", NOBODY),
    *[
        page(
            "people:duplicate",
            "/people/duplicates/{duplicate_pair}/",
            NOBODY,
            method=m,
            body=(lambda w: {"decision": "not_same", "not_same_reason": "Twins", "version": 1})
            if m == "POST"
            else None,
            object="duplicate_pair",
        )
        for m in ("GET", "POST")
    ],
    *[
        page(
            "people:merge",
            "/people/merges/{merge}/",
            NOBODY,
            method=m,
            body=(lambda w: {"reason": "Not the same child"}) if m == "POST" else None,
            object="merge",
        )
        for m in ("GET", "POST")
    ],
    *[
        page(
            "people:flag_request_decide",
            "/people/flag-requests/{flag_request}/",
            NOBODY,
            method=m,
            body=(lambda w: {"decision": "accept"}) if m == "POST" else None,
            object="flag_request",
        )
        for m in ("GET", "POST")
    ],
    # Repeat missing (pages). The world's trigger, raised by hand by Vale Police's coordinator
    # (no persona), is about a child of Vale Council: its social worker (sw_right) reads it,
    # convenes its meeting (held already: a page that changes the meeting's state sends her
    # back to the trigger, an action with nothing in it answers 400) and marks the council's
    # action done. Only coordinators allocate, close or raise one: "not found" for her as for
    # everyone. The desk is for children's services (and coordinators and superintendents).
    page("interventions:triggers", "/interventions/", CS),
    page(
        "interventions:detail",
        "/interventions/{trigger}/",
        frozenset({"sw_right"}),
        object="trigger",
    ),
    *[
        page(
            f"interventions:{name}",
            f"/interventions/{{trigger}}/{name}/",
            ok,
            forbid=frozenset({"sw_right"}) - ok,
            method=m,
            body=(lambda w: {}) if m == "POST" else None,
            object="trigger",
        )
        for name, ok in (
            ("allocate", NOBODY),
            ("close", NOBODY),
            ("arrange", frozenset({"sw_right"})),
            ("record", frozenset({"sw_right"})),
            ("defer", frozenset({"sw_right"})),
            ("action", frozenset({"sw_right"})),
        )
        for m in ("GET", "POST")
    ],
    *[
        page(
            "interventions:action_done",
            "/interventions/{trigger}/actions/{action}/done/",
            frozenset({"sw_right"}),
            method=m,
            body=(lambda w: {}) if m == "POST" else None,
            object="action",
        )
        for m in ("GET", "POST")
    ],
    *[
        page(
            "interventions:raise",
            "/interventions/raise/{person}/",
            NOBODY,
            forbid=CHILD_SEERS,
            method=m,
            body=(lambda w: {}) if m == "POST" else None,
            object="person",
        )
        for m in ("GET", "POST")
    ],
    # The child's MASE listing (R-TRG-07, R-CSE-02..05): its date and its discussion, for
    # the force's coordinators and the child's authority (sw_right, as for a meeting; an
    # empty form answers 400); nobody else sees it.
    *[
        page(
            f"interventions:{name}",
            f"/interventions/{{mase_trigger}}/{slug}",
            frozenset({"sw_right"}),
            method=m,
            body=(lambda w: {}) if m == "POST" else None,
            object="mase_trigger",
        )
        for name, slug in (("mase", "mase/"), ("mase_list", "mase/list/"))
        for m in ("GET", "POST")
    ],
    # Harbouring warning notices (R-HRB-01..07). The world's notice, prepared by Vale
    # Police's coordinator (no persona) on the adult the child's associate is, from Vale
    # Council's statement, is not yet served: Vale Police's operational officers and Vale
    # Council's children's services read it and record breaches (not yet: the breach page
    # sends them back to the notice); its officers serve it (not the call handler) and its
    # supervisors withdraw it (an empty form is a 400); "not found" for anyone else. A
    # supervisor of any force prepares one on an adult (the police see every adult). The
    # list is for the police and children's services.
    page("interventions:harbouring", "/interventions/harbouring/", POLICE | CS),
    *[
        page(
            "interventions:harbouring_new",
            "/interventions/harbouring/new/?adult={adult}",
            SUPERVISORS,
            method=m,
            body=(lambda w: {}) if m == "POST" else None,
            object="adult",
        )
        for m in ("GET", "POST")
    ],
    page(
        "interventions:harbouring_notice",
        "/interventions/harbouring/{notice}/",
        NOTICE_READERS,
        object="notice",
    ),
    *[
        page(
            f"interventions:harbouring_{name}",
            f"/interventions/harbouring/{{notice}}/{name}/",
            ok,
            forbid=NOTICE_READERS - ok,
            method=m,
            body=(lambda w: {}) if m == "POST" else None,
            object="notice",
        )
        for name, ok in (
            ("serve", NOTICE_OFFICERS),
            ("breach", NOTICE_READERS),
            ("withdraw", NOTICE_OFFICERS),
        )
        for m in ("GET", "POST")
    ],
    # The network (issue 12, part 5): for the operational police and children's services,
    # "not found" for anyone else; the child's network, the world's adult and place and the
    # child's associate for whoever sees the child (not Harbour's social worker). An empty
    # form answers 400.
    page("network:child", "/network/children/{person}/", NETWORK_SEERS, object="person"),
    page("network:adults", "/network/adults/", NETWORK),
    *[
        page(
            "network:adult_new",
            "/network/adults/new/",
            NETWORK,
            method=m,
            body=(lambda w: {}) if m == "POST" else None,
        )
        for m in ("GET", "POST")
    ],
    page("network:adult", "/network/adults/{adult}/", NETWORK_SEERS, object="adult"),
    page("network:place", "/network/places/{location}/", NETWORK_SEERS, object="location"),
    *[
        page(
            f"network:{name}",
            path,
            NETWORK_SEERS,
            method=m,
            body=(lambda w: {}) if m == "POST" else None,
            object=obj,
        )
        for name, path, obj in (
            ("adult_change", "/network/adults/{adult}/change/", "adult"),
            ("associate_link", "/network/associates/{associate}/link/", "associate"),
            ("place_refuge", "/network/places/{location}/refuge/", "location"),
        )
        for m in ("GET", "POST")
    ],
]

API_ROWS: list[Row] = [
    api("GET", "/me", SIGNED_IN),
    api("GET", "/audit", frozenset({"inspector", "other_force", "admin"})),
    api("GET", "/deliveries", SIGNED_IN),
    api("GET", "/organisations", SIGNED_IN),
    api("GET", "/organisations/{org}", OWNING | {"analyst", "admin"}, object="org"),
    # The child's record.
    api("POST", "/people/search", POLICE | CS, body=lambda w: {"name": "Keira Lomax"}),
    api(
        "POST",
        "/people",
        POLICE | CS,
        forbid=SIGNED_IN - POLICE - CS,
        body=lambda w: {"given_name": "Ana", "family_name": "Ruiz", "estimated_age": 14},
    ),
    api("GET", "/people/mine", CARERS | CS),
    api("GET", "/people/{person}", CHILD_SEERS, object="person"),
    api(
        "PUT",
        "/people/{person}",
        CHILD_CHANGERS,
        forbid=frozenset({"carer_right"}),
        body=person_body,
        object="person",
    ),
    api(
        "POST",
        "/people/{person}/aliases",
        CHILD_CHANGERS,
        forbid=frozenset({"carer_right"}),
        body=lambda w: {"name": "Kiki"},
        object="person",
    ),
    api(
        "POST",
        "/people/{person}/associates",
        CHILD_CHANGERS,
        forbid=frozenset({"carer_right"}),
        body=lambda w: {"name": "Jo"},
        object="person",
    ),
    api(
        "POST",
        "/people/{person}/places",
        CHILD_CHANGERS,
        forbid=frozenset({"carer_right"}),
        body=lambda w: {"description": "the park"},
        object="person",
    ),
    api(
        "POST",
        "/people/{person}/flags",
        CHILD_CHANGERS,
        forbid=frozenset({"carer_right"}),
        body=lambda w: {
            "kind": "cse",
            "evidence": "e",
            "review_on": _iso(date.today() + timedelta(days=30)),
        },
        object="person",
    ),
    api(
        "POST",
        "/flags/{flag}/end",
        FLAG_ENDERS,
        forbid=CHILD_CHANGERS - FLAG_ENDERS | {"carer_right"},
        body=lambda w: {"reason": "over"},
        object="flag",
    ),
    api(
        "PUT",
        "/people/{person}/placements/{placement}/dfe",
        frozenset({"sw_right"}),
        forbid=POLICE | {"carer_right"},
        body=lambda w: {"version": 1, "legal_status": "C2"},
        object="placement",
    ),
    api(
        "POST",
        "/people/{person}/placements",
        frozenset({"sw_right"}),
        forbid=POLICE | {"carer_right"},
        body=lambda w: {
            "placement_type": "foster_care",
            "address": "2 Oak St",
            "placing_authority": w["vale_council"].pk,
            "host_authority": w["vale_council"].pk,
            "started_on": _iso(date.today()),
        },
        object="person",
    ),
    api(
        "POST",
        "/people/{person}/shares",
        frozenset({"sw_right"}),
        forbid=POLICE | {"carer_right"},
        body=lambda w: {"organisation": w["northshire"].pk, "reason": "moving"},
        object="person",
    ),
    api(
        "POST",
        "/shares/{share}/end",
        frozenset({"sw_right"}),
        forbid=POLICE | {"carer_right"},
        body=lambda w: {"reason": "over"},
        object="share",
    ),
    api("GET", "/people/{person}/photo", CHILD_SEERS, object="person"),
    api(
        "POST",
        "/people/{person}/photo",
        CHILD_CHANGERS,
        forbid=frozenset({"carer_right"}),
        body=lambda w: {"photo": photo_file(), "taken_on": _iso(date.today())},
        object="person",
        multipart=True,
    ),
    # Reports.
    # Taking a report is for the police: anyone else is refused before the child is looked up.
    api(
        "POST",
        "/people/{person}/recommendation",
        POLICE,
        forbid=SIGNED_IN - POLICE,
        body=report_body,
        object="person",
    ),
    api(
        "POST",
        "/people/{person}/episodes",
        POLICE,
        forbid=SIGNED_IN - POLICE,
        body=report_body,
        object="person",
    ),
    api("GET", "/episodes/supervision", SUPERVISORS),
    api("GET", "/areas/{area}/dmm", OWNING, object="area"),
    # Cases.
    api(
        "GET",
        "/episodes/{episode}",
        CASE_READERS,
        object="episode",
        episode_route=True,
        reads_case=True,
    ),
    *[
        api(
            "GET",
            f"/episodes/{{episode}}/{part}",
            OWNING,
            forbid=CASE_SEERS_NOT_WORKERS,
            object="episode",
            episode_route=True,
        )
        for part in ("evaluation", "timeline")
    ],
    api("GET", "/episodes/{episode}/openings", CASE_READERS, object="episode", episode_route=True),
    api(
        "POST",
        "/episodes/{episode}/category",
        OWNING,
        forbid=CASE_SEERS_NOT_WORKERS,
        body=lambda w: {"version": version(w), "category": "missing", "rationale": "r"},
        object="episode",
        episode_route=True,
    ),
    api(
        "POST",
        "/episodes/{episode}/risk",
        OWNING,
        forbid=CASE_SEERS_NOT_WORKERS,
        body=lambda w: {"version": version(w), "risk": "high", "rationale": "r"},
        object="episode",
        episode_route=True,
    ),
    api(
        "POST",
        "/episodes/{episode}/disagreement",
        OWNING,
        forbid=CASE_SEERS_NOT_WORKERS,
        body=lambda w: {"version": version(w), "detail": "x"},
        object="episode",
        episode_route=True,
    ),
    api(
        "POST",
        "/episodes/{episode}/disagreement/resolve",
        OWNING,
        forbid=CASE_SEERS_NOT_WORKERS,
        body=lambda w: {"version": version(w), "category": "missing", "rationale": "r"},
        object="episode",
        episode_route=True,
    ),
    api(
        "POST",
        "/episodes/{episode}/restrict",
        OWNING,
        forbid=CASE_SEERS_NOT_WORKERS,
        body=lambda w: {"version": version(w), "reason": "r"},
        object="episode",
        episode_route=True,
    ),
    api(
        "POST",
        "/episodes/{episode}/entries",
        OWNING,
        forbid=CASE_SEERS_NOT_WORKERS,
        body=lambda w: {"kind": "note", "text": "t"},
        object="episode",
        episode_route=True,
    ),
    api(
        "POST",
        "/episodes/{episode}/transfers",
        OWNING,
        forbid=CASE_SEERS_NOT_WORKERS,
        body=lambda w: {"to_area": w["harbour_area"].pk, "reason": "r"},
        object="episode",
        episode_route=True,
    ),
    api(
        "POST",
        "/episodes/{episode}/found",
        OWNING,
        forbid=CASE_SEERS_NOT_WORKERS,
        body=lambda w: {"version": version(w), "found_at": _iso(NOW), **FOUND},
        object="episode",
        episode_route=True,
    ),
    api(
        "POST",
        "/episodes/{episode}/close",
        OWNING,
        forbid=CASE_SEERS_NOT_WORKERS,
        body=lambda w: {"version": version(w)},
        object="episode",
        episode_route=True,
    ),
    api(
        "GET",
        "/episodes/{episode}/cse-screening",
        OWNING,
        forbid=CASE_SEERS_NOT_WORKERS,
        object="episode",
        episode_route=True,
    ),
    api(
        "PUT",
        "/episodes/{episode}/cse-screening",
        OWNING,
        forbid=CASE_SEERS_NOT_WORKERS,
        body=lambda w: {
            "version": cse_version(w),
            "outcome": "no_concerns",
            "indicators": "CSE flag considered",
        },
        object="episode",
        episode_route=True,
    ),
    # Only the receiving area (South, no persona) decides; the owning force sees it.
    api(
        "POST",
        "/transfers/{transfer}/decision",
        NOBODY,
        forbid=OWNING,
        body=lambda w: {"accept": True, "reason": ""},
        object="transfer",
    ),
    # The inbox.
    api("GET", "/inbox", SIGNED_IN),
    api("POST", "/inbox/{message}/acknowledge", frozenset({"sw_right"}), object="message"),
    # Return home interviews. Streetwise (rhi_worker, rhi_manager) holds the interview of the
    # world's referral and acts on it; Vale Council (sw_right) is the responsible authority
    # and sees it; nobody else does. The referral is closed, so the interviewer's changes of
    # its state answer 409 (the door opened); additions after the interview are made.
    api("GET", "/returns/referrals", SIGNED_IN),
    api(
        "GET",
        "/returns/referrals/{referral}",
        frozenset({"rhi_worker", "rhi_manager", "sw_right"}),
        object="referral",
    ),
    *[
        api(
            "POST",
            f"/returns/referrals/{{referral}}/{part}",
            ok,
            forbid=frozenset({"rhi_worker", "rhi_manager", "sw_right"}) - ok,
            body=body,
            object="referral",
        )
        for part, ok, body in (
            (
                "allocate",
                frozenset({"rhi_manager"}),
                lambda w: {"version": w["referral"].version, "worker_id": w["rhi_worker"].pk},
            ),
            (
                "triage",
                frozenset({"rhi_worker", "rhi_manager"}),
                lambda w: {
                    "version": w["referral"].version,
                    "facts": {},
                    "rag": "red",
                    "rationale": "r",
                },
            ),
            (
                "information-requests",
                frozenset({"rhi_worker", "rhi_manager"}),
                lambda w: {
                    "version": w["referral"].version,
                    "agency_id": w["vale_council"].pk,
                    "asked": "Who does she see?",
                },
            ),
            (
                "letter",
                frozenset({"rhi_worker", "rhi_manager"}),
                lambda w: {
                    "version": w["referral"].version,
                    "to_carer_on": _iso(date.today()),
                    "to_child_on": _iso(date.today()),
                },
            ),
            (
                "offer",
                frozenset({"rhi_worker", "rhi_manager"}),
                lambda w: {"version": w["referral"].version, "how": "Phone call"},
            ),
            (
                "accept",
                frozenset({"rhi_worker", "rhi_manager"}),
                lambda w: {"version": w["referral"].version},
            ),
            (
                "outcome",
                frozenset({"rhi_worker", "rhi_manager"}),
                lambda w: {
                    "version": w["referral"].version,
                    "outcome": "unable_to_contact",
                    "reason": "No answer",
                },
            ),
            (
                "not-required",
                frozenset({"rhi_worker", "rhi_manager"}),
                lambda w: {"version": w["referral"].version, "reason": "r"},
            ),
            (
                "not-required/decision",
                frozenset({"rhi_manager"}),
                lambda w: {"version": w["referral"].version, "confirm": True, "reason": "r"},
            ),
            (
                "interview",
                frozenset({"rhi_worker", "rhi_manager"}),
                lambda w: {
                    "version": w["referral"].version,
                    "held_at": _iso(NOW),
                    "interviewer_name": "A Worker",
                    "independent": True,
                    "place": "A café",
                },
            ),
            (
                "disclosures",
                frozenset({"rhi_worker", "rhi_manager"}),
                lambda w: {
                    "summary": "s",
                    "step": "police",
                    "due": _iso(NOW + timedelta(days=1)),
                },
            ),
            (
                "recommendations",
                frozenset({"rhi_worker", "rhi_manager"}),
                lambda w: {
                    "text": "t",
                    "owner_id": w["vale_council"].pk,
                    "due_on": _iso(date.today() + timedelta(days=7)),
                },
            ),
            (
                "support-sessions",
                frozenset({"rhi_worker", "rhi_manager"}),
                lambda w: {"held_on": _iso(date.today()), "topics": "School"},
            ),
            (
                "shared-items",
                frozenset({"rhi_worker", "rhi_manager"}),
                lambda w: {"kind": "place", "text": "The park", "legal_basis": "cda_s115"},
            ),
        )
    ],
    api(
        "POST",
        "/returns/information-requests/{request}/answer",
        frozenset({"rhi_worker", "rhi_manager"}),
        forbid=frozenset({"sw_right"}),
        body=lambda w: {"version": w["referral"].version, "answer": "a"},
        object="request",
    ),
    # The responsible authority marks a disclosure's step or a recommendation done too.
    api(
        "POST",
        "/returns/disclosures/{disclosure}/done",
        frozenset({"rhi_worker", "rhi_manager", "sw_right"}),
        body=lambda w: {"note": "Reported to the police"},
        object="disclosure",
    ),
    api(
        "POST",
        "/returns/recommendations/{recommendation}/done",
        frozenset({"rhi_worker", "rhi_manager", "sw_right"}),
        body=lambda w: {"note": "Routine reviewed"},
        object="recommendation",
    ),
    # What return interviews shared with the police: whoever sees the child opens the list
    # (empty but for the police).
    api("GET", "/people/{person}/shared-items", CHILD_SEERS, object="person"),
    # Requests to flag: for the force's coordinators (no persona is one); everyone else's
    # list is empty and a request is "not found".
    api("GET", "/flag-requests", SIGNED_IN),
    # Possible duplicate records and merges: the missing person coordinators' (no persona
    # is one); the list is 403 for everyone else, a pair or a merge 404.
    api("GET", "/duplicates", NOBODY, forbid=SIGNED_IN),
    api(
        "POST",
        "/duplicates/{duplicate_pair}/merge",
        NOBODY,
        body=lambda w: {
            "keep_id": w["child"].pk,
            "keep_version": 1,
            "merge_away_version": 1,
            "reason": "Same child",
        },
        object="duplicate_pair",
    ),
    api(
        "POST",
        "/duplicates/{duplicate_pair}/not-duplicates",
        NOBODY,
        body=lambda w: {"version": 1, "reason": "Twins"},
        object="duplicate_pair",
    ),
    api("GET", "/merges/{merge}", NOBODY, object="merge"),
    api(
        "POST",
        "/merges/{merge}/undo",
        NOBODY,
        body=lambda w: {"reason": "Not the same child"},
        object="merge",
    ),
    api(
        "POST",
        "/flag-requests/{flag_request}/decision",
        NOBODY,
        body=lambda w: {"accept": True},
        object="flag_request",
    ),
    api("GET", "/returns/coverage", COUNTERS, forbid=SIGNED_IN - COUNTERS),
    # The DfE's SSDA903 return: a team manager of the authority's (no persona is one).
    api("GET", "/insights/ssda903", NOBODY, forbid=SIGNED_IN),
    api("GET", "/insights/ssda903/zip", NOBODY, forbid=SIGNED_IN),
    api("GET", "/insights/reports", REPORTERS, forbid=SIGNED_IN - REPORTERS),
    api("GET", "/insights/reports/{report}", REPORTERS, forbid=SIGNED_IN - REPORTERS),
    api(
        "POST",
        "/insights/board-pack",
        REPORTERS,
        forbid=SIGNED_IN - REPORTERS,
        body=lambda w: {"purpose": "Quarterly report to the partnership"},
    ),
    # The bulk import of history, as on its pages: a force's coordinators (no persona is
    # one) and administrators; everyone else is refused (403). The world's job is waiting
    # for its check, so importing it answers 409.
    api("GET", "/insights/imports", IMPORTERS, forbid=SIGNED_IN - IMPORTERS),
    api(
        "POST",
        "/insights/imports",
        IMPORTERS,
        forbid=SIGNED_IN - IMPORTERS,
        body=lambda w: {"system": "Niche", "file": history_file()},
        multipart=True,
    ),
    api("GET", "/insights/imports/template", IMPORTERS, forbid=SIGNED_IN - IMPORTERS),
    api(
        "GET",
        "/insights/imports/{import_job}",
        IMPORTERS,
        forbid=SIGNED_IN - IMPORTERS,
        object="import_job",
    ),
    api(
        "GET",
        "/insights/imports/{import_job}/problems",
        IMPORTERS,
        forbid=SIGNED_IN - IMPORTERS,
        object="import_job",
    ),
    api(
        "POST",
        "/insights/imports/{import_job}/import",
        IMPORTERS,
        forbid=SIGNED_IN - IMPORTERS,
        body=lambda w: {"version": import_job_version(w)},
        object="import_job",
    ),
    api("GET", "/returns/arrangements", frozenset({"admin"}), forbid=SIGNED_IN - {"admin"}),
    api(
        "POST",
        "/returns/arrangements",
        frozenset({"admin"}),
        forbid=SIGNED_IN - {"admin"},
        body=lambda w: {"authority_id": w["vale_council"].pk, "out_of_area": "host"},
    ),
    # Repeat missing. The world's trigger (raised by hand by Vale Police's coordinator, who
    # is no persona) is about a child of Vale Council: its social worker (sw_right) reads it
    # and convenes its meeting (held, so changing the meeting's state answers 409; an action
    # is agreed) and marks the council's action done; only the force's coordinators
    # allocate, close or raise one (403 for her, and for everyone raising one: the role is
    # asked before the child); nobody else sees it. The desk is for children's services
    # (and coordinators and superintendents): 403 for everyone else.
    api("GET", "/interventions/triggers", SIGNED_IN),
    api("GET", "/interventions/triggers/{trigger}", frozenset({"sw_right"}), object="trigger"),
    api(
        "POST",
        "/interventions/triggers/{trigger}/allocate",
        NOBODY,
        forbid=frozenset({"sw_right"}),
        body=lambda w: {"version": trigger_version(w), "user_id": w["sergeant"].pk},
        object="trigger",
    ),
    api(
        "POST",
        "/interventions/triggers/{trigger}/close",
        NOBODY,
        forbid=frozenset({"sw_right"}),
        body=lambda w: {"version": trigger_version(w), "outcome": "Placement stable"},
        object="trigger",
    ),
    api(
        "POST",
        "/interventions/raise",
        NOBODY,
        forbid=SIGNED_IN,
        body=lambda w: {"person_id": w["child"].pk, "level": 1, "rationale": "Very high risk"},
    ),
    api(
        "POST",
        "/interventions/meetings/{meeting}/arrange",
        frozenset({"sw_right"}),
        body=lambda w: {
            "version": meeting_version(w),
            "scheduled_for": _iso(NOW + timedelta(days=1)),
            "place": "Vale House",
        },
        object="meeting",
    ),
    api(
        "POST",
        "/interventions/meetings/{meeting}/record",
        frozenset({"sw_right"}),
        body=lambda w: {
            "version": meeting_version(w),
            "held_at": _iso(NOW),
            "attended": [w["meeting"].invitees.get(user=w["coordinator"]).pk],
            "discussion": "Push and pull factors",
            "plan": "Weekly visits",
        },
        object="meeting",
    ),
    api(
        "POST",
        "/interventions/meetings/{meeting}/defer",
        frozenset({"sw_right"}),
        body=lambda w: {
            "version": meeting_version(w),
            "status": "deferred",
            "reason": "Streetwise already works with her",
            "partner_id": w["rhi"].pk,
            "police_agreed_by_id": w["coordinator"].pk,
            "childrens_services_agreed_by_id": w["sw_right"].pk,
        },
        object="meeting",
    ),
    api(
        "POST",
        "/interventions/meetings/{meeting}/actions",
        frozenset({"sw_right"}),
        body=lambda w: {
            "text": "Visit weekly",
            "owner_id": w["vale_council"].pk,
            "due_on": _iso(date.today() + timedelta(days=7)),
        },
        object="meeting",
    ),
    api(
        "POST",
        "/interventions/actions/{action}/done",
        frozenset({"sw_right"}),
        body=lambda w: {"note": "Routine reviewed"},
        object="action",
    ),
    api("GET", "/interventions/desk", CS, forbid=SIGNED_IN - CS),
    # The child's MASE listing: read by whoever sees the trigger; dated and recorded by the
    # force's coordinators and the child's authority (sw_right). The checklist's words are
    # for anyone signed in.
    api(
        "GET",
        "/interventions/triggers/{mase_trigger}/mase",
        frozenset({"sw_right"}),
        object="mase_trigger",
    ),
    api(
        "POST",
        "/interventions/triggers/{mase_trigger}/mase/list",
        frozenset({"sw_right"}),
        body=lambda w: {
            "version": mase_version(w),
            "listed_for": _iso(date.today() + timedelta(days=7)),
        },
        object="mase_trigger",
    ),
    api(
        "POST",
        "/interventions/triggers/{mase_trigger}/mase",
        frozenset({"sw_right"}),
        body=mase_body,
        object="mase_trigger",
    ),
    api("GET", "/interventions/mase/checklist", SIGNED_IN),
    # Harbouring warning notices (R-HRB-01..07): as the pages. Preparing one is for a
    # coordinator, a police supervisor or a team manager (403 for anyone else, the role
    # asked first); the world's notice is not yet served, so a breach is a 409.
    api("GET", "/harbouring/notices", SIGNED_IN),
    api(
        "POST",
        "/harbouring/notices",
        SUPERVISORS,
        forbid=SIGNED_IN - SUPERVISORS,
        body=notice_body,
    ),
    api("GET", "/harbouring/notices/{notice}", NOTICE_READERS, object="notice"),
    api(
        "POST",
        "/harbouring/notices/{notice}/serve",
        NOTICE_OFFICERS,
        forbid=NOTICE_READERS - NOTICE_OFFICERS,
        body=serve_body,
        object="notice",
    ),
    api(
        "POST",
        "/harbouring/notices/{notice}/breaches",
        NOTICE_READERS,
        body=lambda w: {
            "version": notice_version(w),
            "at": _iso(NOW),
            "description": "Seen at the flat",
        },
        object="notice",
    ),
    api(
        "POST",
        "/harbouring/notices/{notice}/withdraw",
        NOTICE_OFFICERS,
        forbid=NOTICE_READERS - NOTICE_OFFICERS,
        body=lambda w: {"version": notice_version(w), "reason": "No longer needed"},
        object="notice",
    ),
    # The network (issue 12, part 5): as the pages; 403 for a role without the network,
    # asked before anything is looked up.
    api(
        "GET",
        "/network/children/{person}",
        NETWORK_SEERS,
        forbid=SIGNED_IN - NETWORK,
        object="person",
    ),
    api("GET", "/network/adults", NETWORK, forbid=SIGNED_IN - NETWORK),
    api(
        "POST",
        "/network/adults",
        NETWORK,
        forbid=SIGNED_IN - NETWORK,
        body=lambda w: {"name": "Ann Other"},
    ),
    api(
        "GET", "/network/adults/{adult}", NETWORK_SEERS, forbid=SIGNED_IN - NETWORK, object="adult"
    ),
    api(
        "PUT",
        "/network/adults/{adult}",
        NETWORK_SEERS,
        forbid=SIGNED_IN - NETWORK,
        body=lambda w: {
            "version": adult_version(w),
            "name": "Dean Hollis",
            "address": "6 Mill Row",
        },
        object="adult",
    ),
    api(
        "PUT",
        "/network/associates/{associate}/adult",
        NETWORK_SEERS,
        forbid=SIGNED_IN - NETWORK,
        body=lambda w: {"adult_id": None},
        object="associate",
    ),
    api(
        "GET",
        "/network/places/{location}",
        NETWORK_SEERS,
        forbid=SIGNED_IN - NETWORK,
        object="location",
    ),
    api(
        "PUT",
        "/network/places/{location}/kind",
        NETWORK_SEERS,
        forbid=SIGNED_IN - NETWORK,
        body=lambda w: {
            "version": location_version(w),
            "kind": "certified_refuge",
            "refuge_reference": "S51/1",
        },
        object="location",
    ),
    # Children's services and carers (issue 10). The pre-placement assessment: read by
    # whoever sees the child (police, children's services, the child's carers); saved by the
    # responsible authority (sw_right), whose form it is.
    api("GET", "/people/{person}/assessment", CHILD_SEERS, object="person"),
    api(
        "GET",
        "/people/{person}/assessment/form",
        frozenset({"sw_right"}),
        forbid=POLICE | {"carer_right"},
        object="person",
    ),
    api("GET", "/people/{person}/assessment/{assessment}", CHILD_SEERS, object="assessment"),
    api("GET", "/people/{person}/assessment/{assessment}/diff", CHILD_SEERS, object="assessment"),
    api("GET", "/people/{person}/assessment/{assessment}/pdf", CHILD_SEERS, object="assessment"),
    api(
        "POST",
        "/people/{person}/assessment",
        frozenset({"sw_right"}),
        forbid=POLICE | {"carer_right"},
        body=assessment_body,
        object="person",
    ),
    # Allocations: seen by whoever sees the child; made and ended by a team manager of the
    # responsible authority (no persona is one).
    api("GET", "/people/{person}/allocations", CHILD_SEERS, object="person"),
    api(
        "POST",
        "/people/{person}/allocations",
        NOBODY,
        forbid=CHILD_SEERS,
        body=lambda w: {"role": "social_worker", "user_id": w["sw_right"].pk},
        object="person",
    ),
    api(
        "POST",
        "/allocations/{allocation}/end",
        NOBODY,
        forbid=CHILD_SEERS,
        body=lambda w: {"reason": "Moved team"},
        object="allocation",
    ),
    # Caseloads: social workers' own (403 for those who have none); a worker's caseload is
    # their own or, for a team manager, their team's ("No such worker" for anyone else).
    api("GET", "/caseload", CS, forbid=SIGNED_IN - CS),
    api("GET", "/team", NOBODY, forbid=SIGNED_IN),
    api(
        "GET",
        "/team/{worker}/caseload",
        frozenset({"sw_right"}),
        forbid=SIGNED_IN - CS,
        object="worker",
    ),
    # Asking the police to flag the child (R-FLG-01): children's services; the police place
    # flags themselves.
    api(
        "POST",
        "/people/{person}/flag-requests",
        frozenset({"sw_right"}),
        forbid=POLICE | {"carer_right"},
        body=lambda w: {
            "kind": "cse",
            "evidence": "e",
            "review_on": _iso(date.today() + timedelta(days=30)),
        },
        object="person",
    ),
    api("GET", "/people/{person}/flag-requests", CHILD_SEERS, object="person"),
    # The carer's own report: for carers (403 for anyone else before the child is looked
    # up); the world's report is open, so the child's carer's new one is a 409.
    api(
        "POST",
        "/people/{person}/carer-reports",
        frozenset({"carer_right"}),
        forbid=SIGNED_IN - CARERS,
        body=carer_report_body,
        object="person",
    ),
    api(
        "GET",
        "/people/{person}/carer-reports/form",
        frozenset({"carer_right"}),
        forbid=SIGNED_IN - CARERS,
        object="person",
    ),
    api("GET", "/carer-reports", SIGNED_IN),
    api("GET", "/carer-reports/{carer_report}", OWNING | PARTNERS, object="carer_report"),
    api(
        "POST",
        "/carer-reports/{carer_report}/return",
        frozenset({"carer_right"}),
        forbid=SIGNED_IN - CARERS,
        body=lambda w: {"returned_at": _iso(NOW)},
        object="carer_report",
    ),
    # The directory of organisations one may name: every member of an organisation.
    api("GET", "/organisations/directory", SIGNED_IN),
]

ROWS = PAGE_ROWS + API_ROWS


# --- Routes that exist --------------------------------------------------------------------------

SKIPPED_PREFIXES = ("accounts/",)  # django-allauth's sign-in pages: tests/web/test_sign_in.py


def page_routes() -> set[str]:
    """Every page route (name and method) from the URL patterns, API and allauth aside."""

    def walk(patterns: Any, prefix: str = "", namespace: str = "") -> Any:
        for p in patterns:
            if isinstance(p, URLResolver):
                ns = p.namespace or namespace
                yield from walk(p.url_patterns, prefix + str(p.pattern), ns)
            elif isinstance(p, URLPattern):
                yield prefix + str(p.pattern), (f"{namespace}:{p.name}" if namespace else p.name)

    names = set()
    for path, name in walk(get_resolver().url_patterns):
        if path.startswith(SKIPPED_PREFIXES):
            continue
        if path.startswith("api/v1/"):
            # The API's operations are checked against the OpenAPI document; its two
            # documents are pages of their own.
            if name in ("api-1.0.0:openapi-view", "api-1.0.0:openapi-json"):
                names.add(name)
            continue
        names.add(name.removeprefix("web:"))
    return names


def api_operations() -> set[str]:
    from misper.api.urls import api as ninja_api

    spec = ninja_api.get_openapi_schema()
    return {f"api {m.upper()} {path}" for path, ops in spec["paths"].items() for m in ops}


def test_every_route_has_a_row():
    """A new page or endpoint fails here until the matrix says who may use it."""
    rows_pages = {r.key.split()[1] for r in PAGE_ROWS}
    rows_api = {r.key for r in API_ROWS}
    assert page_routes() - rows_pages == set(), "page routes without a row in the matrix"
    assert rows_pages - page_routes() == set(), "matrix rows for pages that do not exist"
    assert api_operations() - rows_api == set(), "API operations without a row in the matrix"
    assert rows_api - api_operations() == set(), "matrix rows for operations that do not exist"


# --- Running a cell -------------------------------------------------------------------------------


def state() -> tuple[dict[str, int], str]:
    """Rows in every table, and the head of the audit chain."""
    counts = row_counts()
    head = AuditChainHead.objects.filter(id=1).values_list("last_hash", flat=True).first()
    return counts, head or ""


def fill(path: str, w: dict[str, Any], *, restricted: bool, missing: str | None = None) -> str:
    ids = {
        "episode": (w["restricted"] if restricted else w["episode"]).pk,
        "person": w["child"].pk,
        "placement": w["child"].placements.order_by("pk").first().pk,
        "flag": w["flag"].pk,
        "transfer": w["transfer"].pk,
        "message": w["message"].pk,
        "token": w["token"].pk,
        "endpoint": w["endpoint"].pk,
        "area": w["north"].pk,
        "org": w["north"].pk,
        "share": w["share"].pk,
        "profile": "west-midlands-2015",
        "referral": w["referral"].pk,
        "request": w["info_request"].pk,
        "disclosure": w["disclosure"].pk,
        "recommendation": w["recommendation"].pk,
        "flag_request": w["flag_request"].pk,
        "trigger": w["trigger"].pk,
        "mase_trigger": w["mase_trigger"].pk,
        "meeting": w["meeting"].pk,
        "action": w["action"].pk,
        "carer_report": w["carer_report"].pk,
        "assessment": w["assessment"].number,
        "allocation": w["allocation"].pk,
        "worker": w["sw_right"].pk,
        "notice": w["notice"].pk,
        "adult": w["adult"].pk,
        "associate": w["associate"].pk,
        "location": w["location"].pk,
        "report": "durations",
        "import_job": w["import_job"].pk,
        "duplicate_pair": w["duplicate_pair"].pk,
        "merge": w["merge"].pk,
    }
    if missing is not None:
        ids[missing] = MISSING_ID
    return re.sub(r"\{(\w+)\}", lambda m: str(ids[m.group(1)]), path)


def send(client: Any, row: Row, path: str, w: dict[str, Any]) -> Any:
    body = row.body(w) if row.body else {}
    if row.key.startswith("api ") and not row.multipart:
        if row.method == "GET":
            return client.get(path)
        return client.generic(row.method, path, json.dumps(body), "application/json")
    if row.method == "GET":
        return client.get(path)
    return client.post(path, body)


_NONCE = re.compile(rb'(nonce|value)="[^"]*"')


def comparable(response: Any) -> tuple[int, bytes]:
    """What a person or a program can tell from a response: the status and the body (with
    the per-request nonce and CSRF token taken out)."""
    main = response.content
    m = re.search(rb"<main.*</main>", main, re.S)
    if m:
        main = m.group(0)
    return response.status_code, _NONCE.sub(b"", main)


def check(outcome: str, row: Row, response: Any, persona: str, case_page: str) -> None:
    status = response.status_code
    is_api = row.key.startswith("api ")
    where = f"{row.key} as {persona}: {status}"
    if outcome == "ok":
        assert status < 400 or status in (400, 409), where
        if status in (301, 302):
            assert "/accounts/login/" not in response["Location"], where
        return
    if outcome == "reason":
        if is_api:
            assert status == 403 and response.json()["code"] == "restricted", where
        elif row.reads_case:
            assert status in (200, 400) and b"This record is restricted" in response.content, where
        else:
            # An action page sends the officer to the case page, to state the reason first.
            assert status == 302 and response["Location"] == case_page, where
        assert b"Keira" not in response.content, where
        return
    if persona == ANON:
        if is_api:
            assert status == 401, where
        else:
            assert status == 302 and "/accounts/login/" in response["Location"], where
        return
    if outcome == "forbid" and is_api:
        assert status == 403 and response.json()["code"] == "permission_denied", where
        return
    assert status == 404, where


@pytest.mark.django_db
@pytest.mark.parametrize("row", ROWS, ids=[r.key for r in ROWS])
def test_matrix(row, matrix, record_property):
    w, clients = matrix
    cells = 0
    for restricted in (False, True) if row.episode_route else (False,):
        for persona in ALL_PERSONAS:
            outcome = row.outcome(persona, restricted)
            client = clients[persona]
            path = fill(row.path, w, restricted=restricted)
            # A flash message left by an earlier cell would show on this cell's page.
            client.cookies.pop("messages", None)
            sid = transaction.savepoint()
            try:
                before = state()
                response = send(client, row, path, w)
                check(outcome, row, response, persona, f"/episodes/{w['restricted'].pk}/")
                if outcome != "ok":
                    assert state() == before, f"{row.key} as {persona} changed something"
                    if outcome == "deny" and row.object is not None:
                        client.cookies.pop("messages", None)
                        absent = send(
                            client,
                            row,
                            fill(row.path, w, restricted=restricted, missing=row.object),
                            w,
                        )
                        assert comparable(absent) == comparable(response), (
                            f"{row.key} as {persona}: a denied answer differs from the "
                            "answer for an object that does not exist"
                        )
                if outcome == "ok" and row.key == "api GET /api/v1/episodes/{episode_id}":
                    assert "informant_phone" not in response.json() or persona in OWNING
            finally:
                transaction.savepoint_rollback(sid)
            cells += 1
    # The audit log is still one unbroken chain after every cell of the row.
    assert audit_verify().ok
    record_property("access_cells", cells)

"""API: the DfE's SSDA903 return (R-DAT-04), as on the DfE return page, for a team manager
of the local authority whose return it is: the return checked with the DfE's rules (and
Misper's own checks), and the return itself as a zip of the DfE's CSV files, only when
nothing was found. Anyone else is refused (403); another authority is 404 "No such local
authority". Both are in the audit log: the check as a read, the download as an export
with the purpose given."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status
from ninja.errors import HttpError

from misper.agencies.selectors import acting_user
from misper.api.people import OrganisationRef
from misper.api.schemas import ERRORS, ErrorOut
from misper.core.validation import MAX_ID
from misper.insights import ssda903
from misper.insights.ssda903 import Checked, CollectionYear

router = Router(tags=["insights"])

YEAR_HELP = (
    "The collection year, named by the year it ends: 2027 (or 2026-27) is 1 April 2026 to "
    "31 March 2027. Default: the current one"
)


class Ssda903Filters(Schema):
    year: str | None = Field(None, max_length=12, description=YEAR_HELP)
    authority: int | None = Field(
        None, ge=1, le=MAX_ID, description="Id of your own local authority (the default)"
    )


class Ssda903DownloadFilters(Ssda903Filters):
    purpose: str = Field(
        "", max_length=200, description="Why the return is downloaded: required, audited"
    )


class FindingOut(Schema):
    code: str = Field(description="The DfE's rule code (575), or Misper's check (MSP-LS)")
    message: str
    source: str = Field(description="DfE: the DfE's rules; Misper: Misper's own checks")
    table: str = Field(description="Header, Episodes or Missing")
    rows: list[int] = Field(description="The table's data rows (1 is the first after the header)")
    children: list[str] = Field(description="The CHILD of each row")
    fields: list[str] = Field(description="The columns the rule concerns")


class Ssda903Out(Schema):
    authority: OrganisationRef
    year: int = Field(description="The collection year, by the year it ends")
    start: date
    end: date
    children: int = Field(description="Rows of the Header table")
    episodes: int = Field(description="Rows of the Episodes table")
    missing: int = Field(description="Rows of the Missing table")
    accepted: bool = Field(description="Nothing found: the return may be downloaded")
    findings: list[FindingOut]
    validator: str = Field(description="The validator and its version")
    ruleset: str = Field(description="The DfE's rules of the year (lac2026_27)")
    rules_not_run: list[str] = Field(
        description="Rules that broke on the data (the validator's own faults; they find nothing)"
    )


class RefusedOut(ErrorOut):
    """The return was not downloaded: what its checks found."""

    findings: list[FindingOut]


_ZIP = {
    "responses": {
        200: {
            "description": "The return: header.csv, episodes.csv and missing.csv in a zip",
            "content": {"application/zip": {"schema": {"type": "string", "format": "binary"}}},
        }
    }
}


def _year(text: str | None) -> CollectionYear:
    if not text:
        return CollectionYear.containing(timezone.localdate())
    return CollectionYear.parse(text)


def _findings(checked: Checked) -> list[FindingOut]:
    return [FindingOut(**f.as_dict()) for f in checked.findings]


def _out(checked: Checked) -> Ssda903Out:
    ret, report = checked.ret, checked.report
    return Ssda903Out(
        authority=OrganisationRef(id=ret.authority.pk, name=ret.authority.name),
        year=ret.year.ends,
        start=ret.year.start,
        end=ret.year.end,
        children=len(ret.header),
        episodes=len(ret.episodes),
        missing=len(ret.missing),
        accepted=checked.accepted,
        findings=_findings(checked),
        validator=report.validator,
        ruleset=report.ruleset,
        rules_not_run=list(report.failed),
    )


_UNAVAILABLE: dict[int, Any] = {503: ErrorOut}


@router.get("/insights/ssda903", response={200: Ssda903Out, **ERRORS, **_UNAVAILABLE})
def ssda903_check(request: HttpRequest, filters: Query[Ssda903Filters]) -> Ssda903Out:
    """The return for the year, checked: how many children, episodes and periods missing
    or away it holds, and what the DfE's rules and Misper's own checks found, each with its
    rule code, table, rows and children."""
    try:
        checked = ssda903.ssda903_check(
            actor=acting_user(request), year=_year(filters.year), authority_id=filters.authority
        )
    except ssda903.ValidatorUnavailable as exc:
        raise HttpError(503, str(exc)) from exc
    return _out(checked)


@router.get(
    "/insights/ssda903/zip",
    response={200: None, **ERRORS, 409: RefusedOut, **_UNAVAILABLE},
    openapi_extra=_ZIP,
)
def ssda903_download(
    request: HttpRequest, filters: Query[Ssda903DownloadFilters]
) -> HttpResponse | Status[RefusedOut]:
    """The return as a zip of the DfE's CSV files, when its checks find nothing; otherwise
    409 ``refused`` with the findings, and nothing is downloaded."""
    try:
        checked = ssda903.ssda903_export(
            actor=acting_user(request),
            year=_year(filters.year),
            purpose=filters.purpose,
            authority_id=filters.authority,
        )
    except ssda903.ValidatorUnavailable as exc:
        raise HttpError(503, str(exc)) from exc
    if not checked.accepted:
        n = len(checked.findings)
        return Status(
            409,
            RefusedOut(
                code="refused",
                message=f"The return was not downloaded: its checks found {n} "
                f"{'problem' if n == 1 else 'problems'}",
                field=None,
                findings=_findings(checked),
            ),
        )
    response = HttpResponse(checked.ret.zip(), content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{checked.ret.file_stem}.zip"'
    response["Cache-Control"] = "no-store"
    return response

"""The SSDA903 return's tests: a small authority, and the DfE's validator when installed.

The validator runs in a virtual environment of its own (``make venv-903``, which ``make
test`` builds first). Outside CI a test that needs it skips when it is not there, saying
how to install it; with CI=true the skip is a failure (tests/conftest.py)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from misper.episodes.services import episode_found, episode_report
from misper.episodes.services.record import FoundInput
from misper.insights import ssda903
from misper.people.services import (
    PersonDetails,
    PlacementReturnDetails,
    person_create,
    placement_record,
)
from tests.episodes.conftest import make_region, report


@pytest.fixture
def validator() -> None:
    if not ssda903.validator_available():
        pytest.skip(
            f"the DfE's SSDA903 validator is not installed ({ssda903.validator_python()} not "
            "found): run `make venv-903`"
        )


def at(day: date, hour: int = 12) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


def missing(
    w: dict[str, Any],
    person: Any,
    last_seen: datetime,
    *,
    found: datetime | None = None,
    category: str = "missing",
) -> Any:
    """An episode reported an hour after the child was last seen, found at ``found``."""
    reported = last_seen + timedelta(hours=1)
    ep = episode_report(
        actor=w["inspector"],
        person_id=person.pk,
        report=report(
            reported_at=reported,
            last_seen_at=last_seen,
            last_contact_at=last_seen,
            missing_from="care",
        ),
        category=category,
        now=reported,
    )
    if found is not None:
        ep = episode_found(
            actor=w["investigating_officer"],
            episode_id=ep.pk,
            version=ep.version,
            found=FoundInput(
                found_at=found,
                found_where="A friend's flat",
                found_by="PC Lee",
                condition="Well",
                safe_and_well="done",
            ),
            now=found,
        )
    return ep


@pytest.fixture
def region(make_org, make_user) -> dict[str, Any]:
    """West Midlands 2015 (where a looked-after child may be absent), with Vale standing in
    for Worcestershire (ONS E10000034, so that Worcester postcodes are in its area), its
    team manager, and Ava, a looked-after girl with her UPN recorded."""
    w = make_region(make_org, make_user, "west-midlands-2015")
    vale = w["vale"]
    vale.ons_code = "E10000034"
    vale.save(update_fields=["ons_code"])
    w["team_manager"] = make_user("team_manager", organisation=vale)
    w["ava"] = person_create(
        actor=w["social_worker"],
        details=PersonDetails(
            given_name="Ava",
            family_name="Reid",
            date_of_birth=date(2012, 5, 1),
            sex="female",
            ethnicity="WBRI",
            upn="A123456789012",
            is_mother=False,
        ),
    )
    return w


def place(w: dict[str, Any], person: Any, started: date, **kw: Any) -> Any:
    """A placement by Vale's social worker; ``kw`` are the placement's and the return's."""
    dfe = {k: kw.pop(k) for k in list(kw) if k in PlacementReturnDetails.__dataclass_fields__}
    return placement_record(
        actor=w["social_worker"],
        person_id=person.pk,
        placement_type=kw.pop("placement_type", "children_home"),
        address=kw.pop("address", "1 Birch Lane, Worcester"),
        postcode=kw.pop("postcode", "WR1 1AA"),
        provider=kw.pop("provider", w["home"]),
        placing_authority=w["vale"],
        started_on=started,
        dfe=PlacementReturnDetails(**dfe),
        **kw,
    )

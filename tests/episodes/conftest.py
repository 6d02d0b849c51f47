from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from misper.episodes.codes import QUESTION_KEYS, SEARCHES
from misper.episodes.services import ReportInput
from misper.people.services import PersonDetails, person_create

# Reports are checked against the real clock (no future times), and flags count from the
# day they were raised, so the tests report "now".
NOW = datetime.now(UTC).replace(microsecond=0)


def answers(**overrides: str) -> dict[str, dict[str, str]]:
    """All twelve answered 'no' with a detail, except the overrides."""
    out = {k: {"answer": "no", "detail": f"caller says no ({k})"} for k in QUESTION_KEYS}
    for key, answer in overrides.items():
        out[key] = {"answer": answer, "detail": f"caller says {answer} ({key})"}
    return out


def searches() -> dict[str, dict[str, str]]:
    return {k: {"state": "done", "detail": ""} for k, _ in SEARCHES}


def raised_the_day_before(flag) -> None:  # type: ignore[no-untyped-def]
    """A flag raised the day before the call: the engine counts a flag from the day it was
    raised (``Flag.since``), and ``report()``'s call is made half an hour before ``NOW``,
    on the day before the one the flag is raised on when the suite runs just after
    midnight."""
    from misper.people.models import Flag

    Flag.objects.filter(pk=flag.pk).update(raised_at=NOW - timedelta(days=1))


def report(**overrides) -> ReportInput:
    base = {
        "reported_at": NOW - timedelta(minutes=30),
        "reported_by": "parent",
        "informant_name": "Dana Oakes",
        "informant_phone": "07700 900111",
        "missing_from": "home",
        "location_address": "12 Larch Road, Northfold",
        "location_postcode": "VL2 3AB",
        "last_seen_at": NOW - timedelta(hours=3),
        "last_seen_place": "Northfold bus station",
        "last_contact_at": NOW - timedelta(hours=2),
        "circumstances": "Left after an argument about phone use; not answering calls.",
        "answers": answers(),
        "searches": searches(),
    }
    base.update(overrides)
    return ReportInput(**base)


def make_region(make_org, make_user, profile: str):
    force = make_org("police_force", name="Force", code="force", policy_profile=profile)
    area = make_org("policing_area", name="North", code="north", parent=force)
    other_area = make_org("policing_area", name="South", code="south", parent=force)
    vale = make_org("local_authority", name="Vale", code="vale")
    home = make_org("childrens_home", name="Birch Lodge", code="birch", local_authority=vale)
    users = {
        role: make_user(role, organisation=area)
        for role in (
            "call_handler",
            "sergeant",
            "inspector",
            "chief_inspector",
            "superintendent",
            "investigating_officer",
        )
    }
    users["force_call_handler"] = make_user("call_handler", organisation=force)
    users["social_worker"] = make_user("social_worker", organisation=vale)
    child = person_create(
        actor=users["call_handler"],
        details=PersonDetails(
            given_name="Jayden",
            family_name="Oakes",
            date_of_birth=date(2011, 4, 2),
            home_authority=vale,
        ),
    )
    return {
        "force": force,
        "area": area,
        "other_area": other_area,
        "vale": vale,
        "home": home,
        "child": child,
        **users,
    }


@pytest.fixture
def wmp15(make_org, make_user):
    return make_region(make_org, make_user, "west-midlands-2015")


@pytest.fixture
def wmc14(make_org, make_user):
    return make_region(make_org, make_user, "west-mercia-2014")


@pytest.fixture
def nat17(make_org, make_user):
    return make_region(make_org, make_user, "national-continuum")

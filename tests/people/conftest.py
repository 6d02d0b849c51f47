from __future__ import annotations

from datetime import date

import pytest

from misper.people.services import PersonDetails, person_create


@pytest.fixture
def region(make_org, make_user):
    """A small region: a force with an area, two local authorities, a children's home in
    the first authority's area, and one user for each kind of access."""
    force = make_org("police_force", name="Force", code="force")
    vale = make_org("local_authority", name="Vale", code="vale")
    area = make_org("policing_area", name="Area", code="area", parent=force, local_authority=vale)
    harbour = make_org("local_authority", name="Harbour", code="harbour")
    home = make_org("childrens_home", name="Birch Lodge", code="birch", local_authority=vale)
    other_home = make_org("childrens_home", name="Elm House", code="elm", local_authority=vale)
    users = {
        "call_handler": make_user("call_handler", organisation=force),
        "officer": make_user("investigating_officer", organisation=area),
        "vale_sw": make_user("social_worker", organisation=vale),
        "harbour_sw": make_user("social_worker", organisation=harbour),
        "carer": make_user("carer", organisation=home),
        "other_carer": make_user("carer", organisation=other_home),
        "rhi": make_user("return_interview_worker", organisation=make_org("rhi_provider")),
        "admin": make_user("system_administrator", organisation=force),
    }
    return {
        "force": force,
        "area": area,
        "vale": vale,
        "harbour": harbour,
        "home": home,
        "other_home": other_home,
        **users,
    }


@pytest.fixture
def child(region):
    return person_create(
        actor=region["call_handler"],
        details=PersonDetails(
            given_name="Jayden",
            family_name="Oakes",
            date_of_birth=date(2011, 4, 2),
            sex="male",
            ethnicity="WBRI",
            phone="07700 900123",
            home_authority=region["vale"],
        ),
    )

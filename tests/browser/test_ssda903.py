"""The DfE return in the browser (R-DAT-04): a team manager opens it from the menu, sees
the year, checks a return with a broken missing period (refused: the DfE's rule 567, the
child named, nothing downloaded), opens the child's record from the problem and the
placement's details for the return, then, the record put right, downloads the zip.

Every page on the way is checked with axe (tests/browser/helpers.py)."""

from __future__ import annotations

from datetime import date

import pytest

from misper.episodes.models import FoundReport
from misper.insights import ssda903
from tests.browser.helpers import follow, path, sign_in_with_session, visit
from tests.episodes.conftest import make_region
from tests.insights.conftest import at, missing, place

pytestmark = pytest.mark.browser


def test_a_team_manager_checks_and_downloads_the_return(page, make_org, make_user):  # type: ignore[no-untyped-def]
    if not ssda903.validator_available():
        pytest.skip(
            f"the DfE's SSDA903 validator is not installed ({ssda903.validator_python()}): "
            "run `make venv-903`"
        )
    from misper.people.services import PersonDetails, person_create

    w = make_region(make_org, make_user, "west-midlands-2015")
    w["vale"].ons_code = "E10000034"
    w["vale"].save(update_fields=["ons_code"])
    manager = make_user("team_manager", organisation=w["vale"])
    ava = person_create(
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
    place(
        w,
        ava,
        date(2026, 5, 1),
        legal_status="C2",
        category_of_need="N1",
        provided_by="PR1",
        ofsted_urn="SC111111",
        home_postcode="WR5 1AA",
    )
    episode = missing(w, ava, at(date(2026, 6, 10)), found=at(date(2026, 6, 11)))
    found = FoundReport.objects.get(episode=episode)
    FoundReport.objects.filter(pk=found.pk).update(found_at=at(date(2026, 6, 1)))

    sign_in_with_session(page, manager)
    visit(page, "/")
    menu = page.get_by_role("navigation", name="Menu")
    follow(page, menu.get_by_role("link", name="DfE return", exact=True))
    assert path(page) == "/insights/ssda903/"
    page.get_by_label("Collection year").select_option("2027")
    follow(page, page.get_by_role("button", name="Show the year"))
    assert "1 April 2026 to 31 March 2027" in page.locator("main").inner_text()

    page.get_by_label("Why are you downloading the return?").fill("Submission to the DfE")
    follow(page, page.get_by_role("button", name="Check and download the return"), status=400)
    problem = page.get_by_test_id("problem").filter(has_text="DfE rule 567")
    assert "Ava Reid" in problem.inner_text()
    assert "The return was not downloaded" in page.locator(".govuk-error-summary").inner_text()

    # From the problem to the child's record, and the placement's details for the return.
    follow(page, problem.get_by_role("link", name="Ava Reid"))
    assert path(page) == f"/people/{ava.pk}/"
    follow(page, page.get_by_role("link", name="Change the details for the DfE's return"))
    assert page.get_by_label("Ofsted unique reference number (URN)").input_value() == "SC111111"
    page.get_by_label("Why the child left their previous placement").select_option("CHILD")
    follow(page, page.get_by_role("button", name="Save the details"), status=400)
    assert "There is no previous placement to leave" in page.locator("main").inner_text()
    page.get_by_label("Why the child left their previous placement").select_option("")
    follow(page, page.get_by_role("button", name="Save the details"))
    assert path(page) == f"/people/{ava.pk}/"

    FoundReport.objects.filter(pk=found.pk).update(found_at=at(date(2026, 6, 11)))
    visit(page, "/insights/ssda903/?year=2027")
    page.get_by_label("Why are you downloading the return?").fill("Submission to the DfE")
    with page.expect_download() as download:
        page.get_by_role("button", name="Check and download the return").click()
    assert download.value.suggested_filename == "ssda903-E10000034-2026-27.zip"

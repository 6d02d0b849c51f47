"""The carer's own report through the browser, every page checked with axe: the carer
opens the form from the child's record, tries an unauthorised absence that the
pre-placement assessment forbids (R-CLS-11: the refusal with its rule, and the offer to
report missing with everything typed kept), reports missing, sees the report and its
list and the return form; the call handler finds it on the police list and takes it, the
report form starting from what the carer said, with the assessment shown (R-HMI-03)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from misper.care.services import assessment_save
from misper.episodes.models import CarerReport
from tests.browser.helpers import follow, path, sign_in_with_session, visit
from tests.browser.test_episode_journey import fill_datetime
from tests.care.factories import assessment_values
from tests.episodes.test_carer_pages import carer_world

pytestmark = pytest.mark.browser


@pytest.fixture
def world(make_org, make_user):  # type: ignore[no-untyped-def]
    w = carer_world(make_org, make_user)
    assessment_save(
        actor=w["sw"],
        person_id=w["child"].pk,
        values=assessment_values(never_absent="yes", missing_category_reasons="Groomed online"),
        completed_with="Oak House manager",
        based_on=None,
    )
    return w


def test_a_carer_reports_and_the_police_take_it(page, world):  # type: ignore[no-untyped-def]
    child = world["child"]
    sign_in_with_session(page, world["carer"])
    visit(page, f"/people/{child.pk}/")
    follow(page, page.get_by_role("button", name="Report this child missing or absent"))
    assert path(page) == f"/people/{child.pk}/carer-report/new/"

    # Sent empty: the error summary names the fields.
    follow(page, page.get_by_role("button", name="Send the report"), status=400)
    assert "Choose what are you reporting?" in page.locator(".govuk-error-summary").inner_text()

    page.get_by_role("group", name="What are you reporting?").get_by_label(
        "Unauthorised absence"
    ).check()
    fill_datetime(page, "Last seen", timezone.now() - timedelta(minutes=45))
    page.get_by_label("E6 What they were last seen wearing").fill("Grey hoodie, black jeans")
    page.get_by_role("group", name="E8 Where are they likely to go?").get_by_label(
        "Yes", exact=True
    ).check()
    page.get_by_label("What do you know? (E8)").fill("Her friend's house on Mill Street")
    page.get_by_role(
        "group", name="Have you checked the young person's mobile number is correct?"
    ).get_by_label("Yes", exact=True).check()
    page.get_by_label("Designation").fill("Residential worker")
    follow(page, page.get_by_role("button", name="Send the report"), status=400)
    assert "R-CLS-11" in page.locator(".govuk-error-summary").inner_text()
    assert page.get_by_label("E6 What they were last seen wearing").input_value() == (
        "Grey hoodie, black jeans"
    )
    follow(page, page.get_by_role("button", name="Report the child missing instead"))
    report = CarerReport.objects.get()
    assert path(page) == f"/episodes/carer-reports/{report.pk}/"
    assert (
        "Sent to South Worcestershire police"
        in page.locator(".govuk-notification-banner").inner_text()
    )

    follow(page, page.get_by_role("button", name="Record the return"))
    visit(page, "/episodes/carer-reports/")
    assert "Mia Hartley" in page.get_by_test_id("carer-reports").inner_text()

    page.context.clear_cookies()
    sign_in_with_session(page, world["call_handler"])
    visit(page, "/episodes/carer-reports/")
    follow(page, page.get_by_role("link", name="Mia Hartley"))
    follow(page, page.get_by_role("button", name="Take this report"))
    assert path(page) == f"/people/{child.pk}/report/?carer_report={report.pk}"
    assert page.get_by_label("Informant's name").input_value() == "Test User 1, Residential worker"
    assert "R-CLS-11" in page.get_by_test_id("assessment").inner_text()
    assert "(R-PPA-03)" in page.get_by_test_id("from-carer-report").inner_text()


def test_flags_are_placed_or_asked_for_as_the_authority_may(page, world):  # type: ignore[no-untyped-def]
    from datetime import date

    from misper.people.models import FlagRequest
    from misper.people.services import flag_raise

    child = world["child"]
    sign_in_with_session(page, world["sw"])
    visit(page, f"/people/{child.pk}/")
    follow(page, page.get_by_role("link", name="Raise a flag or marker"))
    kinds = page.get_by_role("group", name="Flag or marker")
    assert "missing person coordinators" in kinds.inner_text()
    kinds.get_by_label("Missing, never absent").check()
    page.get_by_label("Evidence").fill("The assessment says missing, never absent")
    review = date.today() + timedelta(days=90)
    group = page.get_by_role("group", name="Review date")
    group.get_by_label("Day").fill(str(review.day))
    group.get_by_label("Month").fill(str(review.month))
    group.get_by_label("Year").fill(str(review.year))
    follow(page, page.get_by_role("button", name="Raise flag"))
    assert "(R-FLG-01)" in page.locator(".govuk-notification-banner").inner_text()
    assert FlagRequest.objects.filter(person=child, kind="never_absent").exists()

    flag = flag_raise(
        actor=world["call_handler"],
        person_id=child.pk,
        kind="cse",
        evidence="Intelligence: older adult contacts",
        review_on=date.today() + timedelta(days=60),
    )
    page.context.clear_cookies()
    sign_in_with_session(page, world["call_handler"])
    visit(page, f"/people/{child.pk}/")
    page.locator(f"#reason-{flag.pk}").fill("No longer a concern")
    end = page.locator(f'form[action="/people/{child.pk}/flags/{flag.pk}/end/"] button')
    follow(page, end, status=400)
    assert "R-FLG-04" in page.locator(".govuk-error-summary").inner_text()

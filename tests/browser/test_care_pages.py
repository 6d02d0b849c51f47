"""Children's services in the browser: the pre-placement assessment and caseloads.

1. Keira's social worker opens her caseload from the menu (the assessment is overdue),
   opens the assessment (none yet), completes the form (a missing answer is named first,
   nothing typed is lost), saves version 1, saves version 2 with what changed and why,
   reads the diff, compares versions and opens the print page.
2. The team manager sees the team, one worker's children, and the looked-after children
   with no social worker; allocates an IRO from the child's record and ends it.

Every page on the way is checked with axe (tests/browser/helpers.py)."""

from __future__ import annotations

import pytest

from tests.browser.helpers import follow, path, sign_in_with_session, visit
from tests.care.test_pages import care_world

pytestmark = pytest.mark.browser


def nav(page, name: str):  # type: ignore[no-untyped-def]
    return page.get_by_role("navigation", name="Menu").get_by_role("link", name=name, exact=True)


def radio(page, group: str, label: str) -> None:  # type: ignore[no-untyped-def]
    page.get_by_role("group", name=group, exact=True).get_by_label(label, exact=True).check()


def banner(page) -> str:  # type: ignore[no-untyped-def]
    return page.locator(".govuk-notification-banner--success").inner_text()


ANSWERS = {
    "11. Ethnicity (tick one)": "White British (WBRI)",
    "17. Please rate vulnerability of young person": "LOW",
    "18. Does the young person have a Statement of Educational Needs?": "No",
    "20. Should the young person be considered MISSING and never ABSENT?": "No",
    "22. Has the young person a history of going missing?": "Yes",
    "23. The likelihood of the young person going missing": "LOW",
    "24. Is it generally out of character?": "D/K",
    "26. The risk to the young person should they go missing": "LOW",
    "27. The risk to the young person of sexual exploitation": "LOW",
    "28. The risk to others should the young person go missing": "LOW",
}


def test_a_social_worker_completes_and_updates_the_assessment(page, make_org, make_user):  # type: ignore[no-untyped-def]
    from misper.care.models import AssessmentVersion
    from misper.people.services import allocation_set

    w = care_world(make_org, make_user)
    child = w["child"]
    allocation_set(actor=w["tm"], person_id=child.pk, role="social_worker", user_id=w["sw"].pk)
    sign_in_with_session(page, w["sw"])
    visit(page, "/")

    # The caseload, from the menu: the assessment is overdue.
    follow(page, nav(page, "My children"))
    assert path(page) == "/care/caseload/"
    row = page.get_by_test_id("case-row").filter(has_text="Keira Lomax")
    assert "Pre-placement assessment overdue" in row.inner_text()
    follow(page, row.get_by_role("link", name="Assessment of Keira Lomax"))
    assert path(page) == f"/care/children/{child.pk}/assessment/"
    assert "No assessment has been saved" in page.get_by_test_id("no-assessment").inner_text()

    # The form, with what Misper fills in from the record.
    follow(page, page.get_by_role("button", name="Complete the assessment"))
    assert path(page) == f"/care/children/{child.pk}/assessment/new/"
    assert "Birch Lodge, 1 Birch Lane" in page.get_by_test_id("assessment-form").inner_text()
    group = page.get_by_role("group", name="4. Date of admission", exact=True)
    group.get_by_label("Day").fill("1")
    group.get_by_label("Month").fill("3")
    group.get_by_label("Year").fill("2025")
    for question, answer in ANSWERS.items():
        radio(page, question, answer)
    page.get_by_label("Contact details of the home or carer").fill("Home manager 01905 000000")
    page.get_by_label("Name (person 1)").fill("Jay")
    page.get_by_label("Reason (person 1)").fill("Older adult supplying alcohol")
    page.get_by_label("Completed with (name and role at the care provider)").fill(
        "Sam Reid, registered manager"
    )
    # The care status is left out: named in the summary, linked to its box.
    follow(page, page.get_by_role("button", name="Save version"), status=400)
    summary = page.locator(".govuk-error-summary")
    assert "What is their care status? Please specify: answer this question" in (
        summary.inner_text()
    )
    assert page.get_by_label("Name (person 1)").input_value() == "Jay"
    assert not AssessmentVersion.objects.exists()
    summary.get_by_role("link", name="What is their care status?").click()
    page.get_by_label("7. What is their care status? Please specify").fill("s.31 care order")
    follow(page, page.get_by_role("button", name="Save version"))
    assert path(page) == f"/care/children/{child.pk}/assessment/1/"
    assert "Version 1 of the assessment saved" in banner(page)

    # A new version: the likelihood is now high, with why.
    follow(page, page.get_by_role("button", name="Save a new version"))
    assert page.get_by_label("7. What is their care status? Please specify").input_value() == (
        "s.31 care order"
    )
    radio(page, "23. The likelihood of the young person going missing", "HIGH")
    page.get_by_label("What has changed and why").fill("Missing twice this month")
    follow(page, page.get_by_role("button", name="Save version"))
    assert path(page) == f"/care/children/{child.pk}/assessment/2/"
    changes = page.get_by_test_id("changes").inner_text()
    assert "The likelihood of the young person going missing" in changes
    assert "LOW" in changes and "HIGH" in changes

    follow(page, page.get_by_role("link", name="Compare with another version"))
    assert "What changed from version 1 to version 2" in page.get_by_test_id("changes").inner_text()
    follow(page, page.get_by_role("link", name="Back to the assessment"))
    assert "Missing twice this month" in page.get_by_test_id("versions").inner_text()
    follow(page, page.get_by_role("button", name="Print version 2"))
    assert path(page) == f"/care/children/{child.pk}/assessment/2/print/"
    assert "West Mercia Missing Children Risk Assessment" in page.locator("h1").inner_text()

    # The section on the child's record.
    visit(page, f"/people/{child.pk}/")
    section = page.get_by_test_id("assessment-section").inner_text()
    assert "Missing, never absent (20)" in section and "High" in section


def test_a_team_manager_sees_the_team_and_allocates(page, make_org, make_user):  # type: ignore[no-untyped-def]
    w = care_world(make_org, make_user)
    child = w["child"]
    sign_in_with_session(page, w["tm"])
    visit(page, "/")
    follow(page, nav(page, "Team"))
    assert path(page) == "/care/team/"
    unallocated = page.get_by_test_id("unallocated-row").filter(has_text="Keira Lomax")
    follow(page, unallocated.get_by_role("link", name="Allocate a social worker to Keira Lomax"))
    assert path(page) == f"/people/{child.pk}/allocations/new/"
    radio(page, "Allocate as", "Social worker")
    page.get_by_label("Worker", exact=True).select_option(
        label=f"{w['sw'].full_name} (Social worker)"
    )
    follow(page, page.get_by_role("button", name="Allocate"))
    assert path(page) == f"/people/{child.pk}/"
    assert w["sw"].full_name in page.get_by_test_id("allocations").inner_text()

    visit(page, "/care/team/")
    assert page.get_by_test_id("unallocated-none").is_visible()
    follow(page, page.get_by_role("link", name=w["sw"].full_name))
    assert path(page) == f"/care/team/{w['sw'].pk}/"
    assert "Keira Lomax" in page.get_by_test_id("caseload").inner_text()

    visit(page, f"/people/{child.pk}/")
    follow(page, page.get_by_role("link", name=f"End {w['sw'].full_name}'s allocation"))
    page.get_by_label("Reason for ending the allocation").fill("Moved to another team")
    follow(page, page.get_by_role("button", name="End the allocation"))
    assert "is no longer allocated" in banner(page)


def test_an_iro_with_no_children_sees_an_empty_caseload(page, make_org, make_user):  # type: ignore[no-untyped-def]
    w = care_world(make_org, make_user)
    sign_in_with_session(page, w["iro"])
    visit(page, "/care/caseload/")
    assert "No children are allocated to you." in page.get_by_test_id("caseload-empty").inner_text()


def test_the_assessment_pages_work_without_javascript(page_without_js, make_org, make_user):  # type: ignore[no-untyped-def]
    from tests.care.test_pages import save

    page = page_without_js
    w = care_world(make_org, make_user)
    child = w["child"]
    save(w)
    sign_in_with_session(page, w["sw"])
    visit(page, f"/care/children/{child.pk}/assessment/")
    follow(page, page.get_by_role("button", name="Save a new version"))
    page.get_by_label("Name (person 2)").fill("Mo")
    page.get_by_label("Reason (person 2)").fill("Drives her to parties")
    page.get_by_label("What has changed and why").fill("A new name from the home")
    follow(page, page.get_by_role("button", name="Save version"))
    assert path(page) == f"/care/children/{child.pk}/assessment/2/"
    assert "Mo — Drives her to parties" in page.get_by_test_id("changes").inner_text()
    follow(page, page.get_by_role("link", name="Compare with another version"))

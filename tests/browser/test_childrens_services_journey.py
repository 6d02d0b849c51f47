"""Issue 10's journey through the browser, from an emergency placement out of area to the
child's return, by six people at their own desks, every page checked with axe:

1. Birmingham's social worker places Mia in an emergency at Hawthorn House, a children's
   home in Worcester (WR1 2HQ), without naming the host authority: the record shows the
   host authority and police force worked out from the postcode, and that the placement is
   out of area (R-OOA-01).
2. Her caseload says the pre-placement assessment is due 72 hours after the placement
   (R-PPA-01); at the deadline the worker tells her team manager that it is overdue.
3. She completes the assessment with the home's manager: field 20 "missing, never absent"
   is Yes, with the reasons (field 21); version 1 is saved.
4. West Mercia's missing person coordinator finds the assessment in the inbox (no child's
   name in the title) and reads field 20 = Yes; Worcestershire, the host authority, is told.
5. Mia goes missing: the home's carer is refused an unauthorised absence (R-CLS-11: field
   20 says never absent) and reports her missing with the per-episode form (R-PPA-03).
6. A West Mercia call handler takes the carer's report: the police report opens filled in
   from it with the assessment shown; "Absent" is refused (R-CLS-11), "Missing" is saved,
   and the carer's report says the police have taken it.
7. The carer records the return: the police are told, and the episode's timeline says so.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from misper.web.jinja import uk_datetime
from tests.browser.helpers import follow, path, sign_in_with_session, visit
from tests.browser.test_episode_journey import SEARCHES, fill_datetime, status_row
from tests.care.region import HOME_POSTCODE, border_region

pytestmark = pytest.mark.browser

ADDRESS = "Hawthorn House, 21 Hawthorn Road, Worcester"
NEVER_ABSENT = "20. Should the young person be considered MISSING and never ABSENT?"
NEVER_ABSENT_REASONS = "Groomed online by an older man; she has gone to meet him before"

# Appendix A's questions answered on the form (field 20 is answered on its own).
ANSWERS = {
    "11. Ethnicity (tick one)": "White British (WBRI)",
    "17. Please rate vulnerability of young person": "LOW",
    "18. Does the young person have a Statement of Educational Needs?": "No",
    "22. Has the young person a history of going missing?": "Yes",
    "23. The likelihood of the young person going missing": "LOW",
    "24. Is it generally out of character?": "D/K",
    "26. The risk to the young person should they go missing": "LOW",
    "27. The risk to the young person of sexual exploitation": "LOW",
    "28. The risk to others should the young person go missing": "LOW",
}


def nav(page, name: str):  # type: ignore[no-untyped-def]
    return page.get_by_role("navigation", name="Menu").get_by_role("link", name=name, exact=True)


def radio(scope, group: str, label: str) -> None:  # type: ignore[no-untyped-def]
    scope.get_by_role("group", name=group, exact=True).get_by_label(label, exact=True).check()


def banner(page) -> str:  # type: ignore[no-untyped-def]
    return page.locator(".govuk-notification-banner--success").inner_text()


def error_summary(page) -> str:  # type: ignore[no-untyped-def]
    return page.locator(".govuk-error-summary").inner_text()


def fill_date(page, legend: str, day) -> None:  # type: ignore[no-untyped-def]
    group = page.get_by_role("group", name=legend, exact=True)
    group.get_by_label("Day").fill(str(day.day))
    group.get_by_label("Month").fill(str(day.month))
    group.get_by_label("Year").fill(str(day.year))


def inbox_titles(page) -> list[str]:  # type: ignore[no-untyped-def]
    """The titles of the messages in the inbox table (the first link of each row)."""
    rows = page.get_by_test_id("inbox").locator("tbody tr").all()
    return [" ".join(r.locator("a").first.inner_text().split()) for r in rows]


def switch_to(page, user) -> None:  # type: ignore[no-untyped-def]
    """The next person at the desk: the browser forgets the last one and signs this one in."""
    page.context.clear_cookies()
    sign_in_with_session(page, user)


@pytest.fixture
def region(make_org, make_user):  # type: ignore[no-untyped-def]
    from misper.agencies.models import User

    r = border_region(make_org, make_user)
    names = {
        "bham_sw": "Amira Khan",
        "bham_tm": "Daniel Price",
        "wmc_coordinator": "Helen Morris",
        "wmc_area_call_handler": "Owen Davies",
        "worcs_sw": "Rachel Green",
        "carer": "Sam Reid",
    }
    for key, name in names.items():
        User.objects.filter(pk=r[key].pk).update(full_name=name)
        r[key].refresh_from_db()
    return r


def test_an_emergency_placement_out_of_area_from_assessment_to_return(page, region):  # type: ignore[no-untyped-def]
    import misper.care.tasks  # noqa: F401 - registers the ppa_due handler
    from misper.care.models import AssessmentVersion
    from misper.core.deadline_sweep import sweep_due_deadlines
    from misper.core.models import Deadline
    from misper.episodes.models import CarerReport, Episode
    from misper.notifications.models import Message
    from misper.people.models import Placement
    from misper.people.services import allocation_set

    r = region
    child = r["child"]
    name = "Mia Robinson"

    # 1. The social worker places Mia in an emergency through the record's placement page,
    # giving the home's postcode and leaving the host authority for Misper to work out.
    switch_to(page, r["bham_sw"])
    visit(page, f"/people/{child.pk}/")
    follow(page, page.get_by_role("link", name="Record a placement"))
    assert path(page) == f"/people/{child.pk}/placements/new/"
    radio(page, "Type of placement", "Children's home")
    page.get_by_label("Care provider").select_option(label="Hawthorn House")
    page.get_by_label("Address", exact=True).fill(ADDRESS)
    page.get_by_label("Postcode", exact=True).fill(HOME_POSTCODE.lower())
    page.get_by_label("Placing authority").select_option(label="Birmingham")
    host = page.get_by_label("Host authority")
    assert host.input_value() == ""  # not chosen
    fill_date(page, "Start date", timezone.localdate())
    page.get_by_label("Emergency placement").check()
    before = timezone.now()
    follow(page, page.get_by_role("button", name="Record placement"))
    after = timezone.now()
    assert path(page) == f"/people/{child.pk}/"
    assert "Placement recorded" in banner(page)
    placement = page.get_by_test_id("current-placement")
    assert "Out of area" in placement.inner_text()
    assert status_row(placement, "Type") == "Children's home (emergency)"
    assert status_row(placement, "Provider") == "Hawthorn House"
    assert status_row(placement, "Address") == f"{ADDRESS} {HOME_POSTCODE}"
    assert status_row(placement, "Placing authority") == "Birmingham"
    assert status_row(placement, "Host authority") == "Worcestershire"
    assert status_row(placement, "Police force of the address") == "West Mercia Police"
    saved = Placement.objects.get(person=child)
    assert (saved.host_authority, saved.host_force) == (r["worcs"], r["wmc"])
    assert saved.out_of_area and saved.emergency

    # 2. The assessment falls due 72 hours after the emergency placement (R-PPA-01): the
    # social worker's caseload says so, with the time.
    allocation_set(
        actor=r["bham_tm"], person_id=child.pk, role="social_worker", user_id=r["bham_sw"].pk
    )
    deadline = Deadline.objects.get(owner="care", kind="ppa_due")
    assert before + timedelta(hours=72) <= deadline.due <= after + timedelta(hours=72)
    visit(page, "/")
    follow(page, nav(page, "My children"))
    assert path(page) == "/care/caseload/"
    row = page.get_by_test_id("case-row").filter(has_text=name)
    row_text = row.inner_text()
    assert "Pre-placement assessment due" in row_text
    assert "overdue" not in row_text.lower()
    assert f"By {uk_datetime(deadline.due)}" in row_text

    # At the deadline, with no assessment, the worker escalates: the team manager is told.
    assert sweep_due_deadlines(deadline.due + timedelta(minutes=1), worker_id="journey") == 1
    deadline.refresh_from_db()
    assert deadline.status == "acted"
    switch_to(page, r["bham_tm"])
    visit(page, "/inbox/")
    titles = inbox_titles(page)
    assert "A pre-placement missing risk assessment is overdue" in titles, titles
    overdue_row = page.get_by_test_id("inbox").locator("tbody tr").filter(has_text="overdue")
    assert "R-PPA-01" in overdue_row.inner_text()

    # 3. The social worker completes the assessment with the home's manager, from the
    # caseload: field 20, missing and never absent, is Yes with the reasons (field 21).
    switch_to(page, r["bham_sw"])
    visit(page, "/care/caseload/")
    row = page.get_by_test_id("case-row").filter(has_text=name)
    follow(page, row.get_by_role("link", name=f"Assessment of {name}"))
    assert path(page) == f"/care/children/{child.pk}/assessment/"
    follow(page, page.get_by_role("button", name="Complete the assessment"))
    assert path(page) == f"/care/children/{child.pk}/assessment/new/"
    assert f"Hawthorn House, {ADDRESS}" in page.get_by_test_id("placement").inner_text()
    fill_date(page, "4. Date of admission", timezone.localdate())
    page.get_by_label("7. What is their care status? Please specify").fill("s.20 accommodated")
    for question, answer in ANSWERS.items():
        radio(page, question, answer)
    radio(page, NEVER_ABSENT, "Yes")
    page.get_by_label("Reasons for missing category (field 21)").fill(NEVER_ABSENT_REASONS)
    page.get_by_label("Contact details of the home or carer").fill("Hawthorn House 01905 000000")
    page.get_by_label("Completed with (name and role at the care provider)").fill(
        "Sam Reid, registered manager of Hawthorn House"
    )
    follow(page, page.get_by_role("button", name="Save version"))
    assert path(page) == f"/care/children/{child.pk}/assessment/1/"
    assert "Version 1 of the assessment saved" in banner(page)
    about = page.get_by_test_id("version-about")
    assert status_row(about, "Completed with") == "Sam Reid, registered manager of Hawthorn House"
    sent_to = status_row(about, "Sent to")
    assert "West Mercia Police" in sent_to and "Worcestershire" in sent_to
    field_20 = page.locator('tr[data-field="never_absent"]').inner_text()
    assert "Yes" in field_20 and NEVER_ABSENT_REASONS in field_20
    version = AssessmentVersion.objects.get(person=child)
    assert version.number == 1 and version.never_absent
    deadline.refresh_from_db()
    assert deadline.status == "acted"  # the worker acted on it first; nothing reopens

    # 4. West Mercia's missing person coordinator finds it in the inbox and reads field 20.
    switch_to(page, r["wmc_coordinator"])
    visit(page, "/")
    follow(page, page.get_by_role("link", name=re.compile(r"^Inbox")).first)
    assert path(page) == "/inbox/"
    titles = inbox_titles(page)
    assessment_titles = [t for t in titles if "Pre-placement missing risk assessment" in t]
    assert len(assessment_titles) == 1, titles
    assert "(version 1)" in assessment_titles[0]
    assert "A looked-after child has been placed in your area by Birmingham" in titles
    for title in titles:
        assert "Mia" not in title and "Robinson" not in title
    follow(
        page,
        page.get_by_test_id("inbox").get_by_role("link", name=assessment_titles[0], exact=True),
    )
    assert path(page).startswith("/inbox/")
    follow(page, page.get_by_role("link", name="Go to the record"))
    assert path(page) == f"/care/children/{child.pk}/assessment/1/"
    field_20 = page.locator('tr[data-field="never_absent"]').inner_text()
    assert "Yes" in field_20 and NEVER_ABSENT_REASONS in field_20
    assert "R-CLS-11" in field_20

    # Worcestershire, the host authority, is told of the placement and of the assessment.
    switch_to(page, r["worcs_sw"])
    visit(page, "/inbox/")
    titles = inbox_titles(page)
    assert "A looked-after child has been placed in your area by Birmingham" in titles, titles
    assert any("Pre-placement missing risk assessment (version 1)" in t for t in titles), titles
    assert not any("Mia" in t or "Robinson" in t for t in titles)

    # 5. Mia goes missing. The carer tries an unauthorised absence: refused, field 20.
    switch_to(page, r["carer"])
    visit(page, f"/people/{child.pk}/")
    follow(page, page.get_by_role("button", name="Report this child missing or absent"))
    assert path(page) == f"/people/{child.pk}/carer-report/new/"
    assert page.get_by_label("Completed by").input_value() == "Sam Reid"
    radio(page, "What are you reporting?", "Unauthorised absence")
    last_seen = timezone.now() - timedelta(minutes=50)
    fill_datetime(page, "Last seen", last_seen)
    page.get_by_label("E6 What they were last seen wearing").fill("Grey hoodie, black jeans")
    page.get_by_label("E7 What actions have been taken to locate them").fill(
        "Rang her phone twice; checked the park and the bus stop"
    )
    radio(page, "E8 Where are they likely to go?", "Yes")
    page.get_by_label("What do you know? (E8)").fill("The retail park to meet the man online")
    radio(page, "E9 Did they go with anyone else?", "No")
    radio(page, "E10 Is this out of character?", "No")
    radio(page, "E13 Is there a risk of self harm (suicide)?", "No")
    radio(page, "Have you checked the young person's mobile number is correct?", "Yes")
    page.get_by_label("Designation").fill("Residential worker")
    follow(page, page.get_by_role("button", name="Send the report"), status=400)
    assert "R-CLS-11" in error_summary(page)
    assert page.get_by_test_id("offer-missing").is_visible()
    assert not CarerReport.objects.exists()
    # What was typed is kept; she is reported missing with the same form.
    assert page.get_by_label("E6 What they were last seen wearing").input_value() == (
        "Grey hoodie, black jeans"
    )
    radio(page, "What are you reporting?", "Missing")
    follow(page, page.get_by_role("button", name="Send the report"))
    report = CarerReport.objects.get()
    assert (report.kind, report.status) == ("missing", "with_police")
    assert path(page) == f"/episodes/carer-reports/{report.pk}/"
    assert "Sent to Worcester LPA police (West Mercia Police)" in banner(page)
    summary = page.get_by_test_id("carer-report-summary")
    assert status_row(summary, "Police case") == "Not taken yet"
    said = page.get_by_test_id("carer-form").inner_text()
    assert "Grey hoodie, black jeans" in said
    assert "The retail park to meet the man online" in said

    # 6. A West Mercia call handler takes it from "Reports from carers".
    switch_to(page, r["wmc_area_call_handler"])
    visit(page, "/episodes/carer-reports/")
    waiting = page.get_by_test_id("carer-report-row").filter(has_text=name)
    assert "Hawthorn House" in waiting.inner_text()
    follow(page, waiting.get_by_role("link", name=re.compile(f"^{name}")))
    assert path(page) == f"/episodes/carer-reports/{report.pk}/"
    follow(page, page.get_by_role("button", name="Take this report"))
    assert path(page) == f"/people/{child.pk}/report/?carer_report={report.pk}"
    assert "(R-PPA-03)" in page.get_by_test_id("from-carer-report").inner_text()
    # Filled in from the carer's report.
    assert page.get_by_label("Informant's name").input_value() == "Sam Reid, Residential worker"
    assert (
        page.get_by_role("group", name="Where the child is missing from")
        .get_by_label("Care placement", exact=True)
        .is_checked()
    )
    assert page.get_by_label("Address the child is missing from").input_value() == ADDRESS
    assert page.get_by_label("Postcode", exact=True).input_value() == HOME_POSTCODE
    last_seen_group = page.get_by_role("group", name="Last seen", exact=True)
    assert last_seen_group.get_by_label("Time (24-hour)").input_value() == uk_datetime(
        last_seen, "%H:%M"
    )
    assert "Grey hoodie, black jeans" in page.get_by_label("Circumstances").input_value()
    whereabouts = page.get_by_test_id("question-whereabouts_known")
    assert whereabouts.get_by_label("Yes", exact=True).is_checked()
    assert (
        "The retail park to meet the man online"
        in page.get_by_label("What the caller said (question 2)", exact=True).input_value()
    )
    # The assessment, at the call: field 20 says missing, never absent.
    assessment = page.get_by_test_id("assessment").inner_text()
    assert "Missing, never absent" in assessment and "R-CLS-11" in assessment
    assert NEVER_ABSENT_REASONS in assessment
    assert "Pre-placement assessment (version 1" in assessment

    # What the carer could not say, the call handler asks.
    page.get_by_label("Where last seen", exact=True).fill("Hawthorn House front door")
    details = page.get_by_label("What was done, or why not")
    for i, search in enumerate(SEARCHES):
        radio(page, search, "Done")
        details.nth(i).fill(f"Done by the home's staff before ringing ({i + 1})")
    for n in range(1, 13):
        block = page.get_by_test_id(re.compile(r"^question-")).nth(n - 1)
        if not block.locator('input[type="radio"]:checked').count():
            block.get_by_label("Don't know", exact=True).check()
        said_box = page.get_by_label(f"What the caller said (question {n})", exact=True)
        if not said_box.input_value():
            said_box.fill(f"Asked the carer: not known ({n})")

    # "Absent" is refused by the policy: field 20 says never absent (R-CLS-11).
    radio(page, "Category", "Absent")
    page.get_by_label("Rationale").fill("Seems to have gone to the shops.")
    follow(page, page.get_by_role("button", name="Save the report"), status=400)
    assert "R-CLS-11" in error_summary(page), error_summary(page)
    assert not Episode.objects.exists()
    assert page.get_by_label("Where last seen", exact=True).input_value() == (
        "Hawthorn House front door"
    )

    # "Missing", with a risk level, is saved, and takes the carer's report.
    radio(page, "Category", "Missing")
    radio(page, "Initial risk (missing reports)", "High")
    page.get_by_label("Rationale").fill("Missing, never absent; meeting an older man met online.")
    follow(page, page.get_by_role("button", name="Save the report"))
    episode = Episode.objects.get()
    assert path(page) == f"/episodes/{episode.pk}/"
    assert (episode.category, episode.risk) == ("missing", "high")
    report.refresh_from_db()
    assert (report.status, report.episode_id) == ("taken", episode.pk)
    visit(page, f"/episodes/carer-reports/{report.pk}/")
    summary = page.get_by_test_id("carer-report-summary")
    assert status_row(summary, "Status") == "Taken by the police"
    assert status_row(summary, "Police case") == f"Episode {episode.pk}"
    assert "Take this report" not in page.locator("main").inner_text()

    # 7. Mia comes back: the carer records the return on the report's page.
    switch_to(page, r["carer"])
    visit(page, f"/episodes/carer-reports/{report.pk}/")
    assert status_row(page.get_by_test_id("carer-report-summary"), "Status") == (
        "Taken by the police"
    )
    follow(page, page.get_by_role("button", name="Record the return"))
    assert path(page) == f"/episodes/carer-reports/{report.pk}/return/"
    fill_datetime(page, "Returned", timezone.now() - timedelta(minutes=5))
    page.get_by_label("What you know about where they were").fill(
        "Walked back from the retail park; cold but unhurt"
    )
    follow(page, page.get_by_role("button", name="Record the return"))
    assert path(page) == f"/episodes/carer-reports/{report.pk}/"
    assert "Return recorded: the police have been told" in banner(page)
    assert (
        "Walked back from the retail park"
        in page.get_by_test_id("carer-report-return").inner_text()
    )

    # The police are told: the owning area's inbox, and the episode's timeline.
    told = Message.objects.filter(rule="R-PPA-03", title__startswith="The carer says")
    assert told.filter(recipient_org=r["worcester_lpa"]).exists()
    switch_to(page, r["wmc_area_call_handler"])
    visit(page, "/inbox/")
    titles = inbox_titles(page)
    assert "The carer says the child has returned: record the return" in titles, titles
    visit(page, f"/episodes/{episode.pk}/")
    timeline = page.get_by_test_id("timeline").inner_text()
    assert "Carer says the child has returned" in timeline
    assert "Sam Reid" in timeline

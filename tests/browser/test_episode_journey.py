"""One episode from the first call to closure, through the browser, by four people at their
own desks: the call handler finds the child, opens the record and takes the report with the
policy's recommendation; the investigating officer logs an enquiry; the duty inspector is
refused lowering the high risk (only a superintendent may, R-AUT-03); the superintendent
lowers it; the officer records the found report and the inspector closes the case. Every
page on the way is checked with axe; the case page's timeline and the audit log are
checked at the end. And a forbidden category through the page: a CSE-flagged child cannot
be reported as absent under West Midlands 2015, and nothing is saved.

Each person has a browser of their own (a separate context, as on four desks), so each
signs in once through the real pages (password, then the authenticator code): an
authenticator code may be used only once, and signing the same person in twice within one
30-second period would need the next code."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from django.utils import timezone

from misper.web.jinja import LONDON
from tests.browser.conftest import _finish, _new_page, _register
from tests.browser.helpers import follow, give_authenticator, path, sign_in_with_forms, visit

pytestmark = pytest.mark.browser

PASSWORD = "Correct-Horse-42"


@dataclass
class Officer:
    user: Any
    email: str
    secret: str


@pytest.fixture
def desks(request, browser, live_server):  # type: ignore[no-untyped-def]
    """``desks(n)``: n separate browsers (contexts), each watched and axe-checked exactly as
    the ``page`` fixture's. All are opened before anyone signs in (opening one empties the
    cache, which holds the used authenticator codes)."""
    opened: list[tuple[Any, Any]] = []

    def open_desks(n: int) -> list[Any]:
        pages = []
        for _ in range(n):
            context, page = _new_page(browser, live_server, javascript=True)
            _register(request, page)
            opened.append((context, page))
            pages.append(page)
        return pages

    yield open_desks
    for context, page in opened:
        _finish(context, page)


@pytest.fixture
def region(db):  # type: ignore[no-untyped-def]
    """A force under West Midlands 2015 (absent needs the duty inspector; only a
    superintendent lowers high), one local policing area, its four officers and a child."""
    from misper.agencies.services import organisation_create, user_create
    from misper.people.services import PersonDetails, person_create

    force = organisation_create(
        actor=None,
        kind="police_force",
        name="Vale and Harbour Police",
        code="vhp",
        policy_profile="west-midlands-2015",
    )
    area = organisation_create(
        actor=None,
        kind="policing_area",
        name="Northfold Local Policing Area",
        code="northfold",
        parent=force,
    )
    vale = organisation_create(
        actor=None, kind="local_authority", name="Vale County Council", code="vale"
    )
    people = {
        "call_handler": "Priya Shah",
        "investigating_officer": "Tom Hughes",
        "inspector": "Grace Okafor",
        "superintendent": "Martin Dale",
    }
    officers = {}
    for role, name in people.items():
        email = f"{role.replace('_', '.')}@example.test"
        user = user_create(
            actor=None,
            email=email,
            full_name=name,
            organisation=area,
            roles=[role],
            password=PASSWORD,
        )
        officers[role] = Officer(user=user, email=email, secret=give_authenticator(user))
    child = person_create(
        actor=officers["call_handler"].user,
        details=PersonDetails(
            given_name="Jayden",
            family_name="Oakes",
            date_of_birth=date(2011, 4, 2),
            home_authority=vale,
        ),
    )
    return {"force": force, "area": area, "child": child, **officers}


def sign_in(page, officer: Officer) -> None:  # type: ignore[no-untyped-def]
    sign_in_with_forms(page, officer.email, PASSWORD, officer.secret)
    assert path(page) == "/"
    assert officer.user.full_name in page.get_by_test_id("user-bar").inner_text()


def fill_datetime(page, legend: str, when: datetime) -> None:  # type: ignore[no-untyped-def]
    """A GOV.UK date input and a 24-hour time box, in UK local time."""
    local = when.astimezone(LONDON)
    group = page.get_by_role("group", name=legend, exact=True)
    group.get_by_label("Day").fill(str(local.day))
    group.get_by_label("Month").fill(str(local.month))
    group.get_by_label("Year").fill(str(local.year))
    group.get_by_label("Time (24-hour)").fill(local.strftime("%H:%M"))


# Each of the twelve questions (R-RPT-03) answered, with what the caller said.
ANSWERS = [
    ("Yes", "Never stayed out overnight before; last time was never."),
    ("No", "No contact since she left; phone goes to voicemail."),
    ("Don't know", "Mother does not know what he meant to do; she rang round."),
    ("No", "Does not know who he is with."),
    ("No", "Not a danger to himself or others as far as she knows."),
    ("No", "No medical needs and no medication."),
    ("No", "No history of self-harm."),
    ("Don't know", "Mother is not sure; older youths have been hanging around."),
    ("Don't know", "She does not know; school raised a concern last month."),
    ("No", "Not supported by children's services."),
    ("Yes", "New trainers and a second phone she did not buy."),
    ("Yes", "He said he was going to meet someone he met online."),
]

SEARCHES = [
    "Searched the bedroom, house, outbuildings and vehicles",
    "Contacted known friends and relatives",
    "Visited places the child is known to go",
]


def fill_report(page, *, circumstances: str) -> None:  # type: ignore[no-untyped-def]
    """Everything the call handler records: informant, where from, last seen, the three
    basic searches (R-RPT-08) and the twelve questions (R-RPT-03)."""
    now = timezone.now()
    page.get_by_label("Informant's name").fill("Dana Oakes")
    page.get_by_label("Informant's phone number").fill("07700 900111")
    page.get_by_label("Informant's relationship to the child").select_option(label="Parent")
    page.get_by_role("group", name="Where the child is missing from").get_by_label(
        "Home", exact=True
    ).check()
    page.get_by_label("Address the child is missing from").fill("12 Larch Road, Northfold")
    page.get_by_label("Postcode", exact=True).fill("VL2 3AB")
    fill_datetime(page, "Last seen", now - timedelta(hours=3))
    page.get_by_label("Where last seen", exact=True).fill("Northfold bus station")
    fill_datetime(page, "Last contact", now - timedelta(hours=2, minutes=30))
    page.get_by_label("Where or how last contact was made").fill("Text message to his mother")
    page.get_by_label("Circumstances").fill(circumstances)
    details = page.get_by_label("What was done, or why not")
    for i, search in enumerate(SEARCHES):
        page.get_by_role("group", name=search).get_by_label("Done", exact=True).check()
        details.nth(i).fill(f"Done by his mother before calling ({i + 1})")
    for n, (answer, said) in enumerate(ANSWERS, start=1):
        question = page.get_by_test_id(re.compile(r"^question-")).nth(n - 1)
        question.get_by_label(answer, exact=True).check()
        page.get_by_label(f"What the caller said (question {n})", exact=True).fill(said)
    page.get_by_label("Intelligence checks made").fill("PNC and local systems: nothing new.")


def status_row(scope, key: str) -> str:  # type: ignore[no-untyped-def]
    """The value of a summary list row, by its key (the first such row in scope)."""
    for row in scope.locator(".govuk-summary-list__row").all():
        if row.locator(".govuk-summary-list__key").inner_text().strip() == key:
            return " ".join(row.locator(".govuk-summary-list__value").inner_text().split())
    raise AssertionError(f"no summary list row {key!r}")


def nav(page, name: str):  # type: ignore[no-untyped-def]
    """A link of the service navigation."""
    return page.get_by_role("navigation", name="Menu").get_by_role("link", name=name)


def open_case_from_daily_meeting(page, episode_id: int) -> None:  # type: ignore[no-untyped-def]
    follow(page, nav(page, "Daily meeting"))
    follow(page, page.get_by_role("link", name=f"Episode {episode_id}", exact=True))
    assert path(page) == f"/episodes/{episode_id}/"


def test_one_episode_from_the_call_to_closure_by_four_people(desks, region):  # type: ignore[no-untyped-def]
    from misper.core.audit import audit_verify
    from misper.core.models import AuditEvent
    from misper.episodes.models import Episode

    child = region["child"]
    handler_desk, officer_desk, inspector_desk, super_desk = desks(4)

    # a. The call handler finds the child while on the call and takes the report.
    page = handler_desk
    sign_in(page, region["call_handler"])
    follow(page, nav(page, "Find a child"))
    page.get_by_label("Name or alias").fill("Jayden Oakes")
    follow(page, page.get_by_role("button", name="Search"))
    results = page.get_by_test_id("results")
    follow(page, results.get_by_role("link", name="Jayden Oakes"))
    assert path(page) == f"/people/{child.pk}/"
    assert "Never reported missing or absent" in page.locator("main").inner_text()
    follow(page, page.get_by_role("button", name="Report this child missing"))
    assert path(page) == f"/people/{child.pk}/report/"
    assert "Previous episodes: 0" in page.get_by_test_id("history-counts").inner_text()
    fill_report(page, circumstances="Left after an argument about phone use; not answering.")
    follow(page, page.get_by_role("button", name="Check the policy"))
    rec = page.get_by_test_id("recommendation")
    rec_text = rec.inner_text()
    assert re.search(r"R-[A-Z]+-\d+", rec_text), rec_text
    assert "missing" in status_row(rec, "Allowed categories").lower()
    assert Episode.objects.count() == 0  # checking the policy saves nothing
    # What was typed is still there after the check.
    assert page.get_by_label("Where last seen", exact=True).input_value() == "Northfold bus station"
    page.get_by_role("group", name="Category").get_by_label("Missing", exact=True).check()
    page.get_by_role("group", name="Initial risk (missing reports)").get_by_label(
        "High", exact=True
    ).check()
    page.get_by_label("Rationale").fill("Out of character, new phone and online contact: CSE risk.")
    follow(page, page.get_by_role("button", name="Save the report"))
    episode = Episode.objects.get()
    assert path(page) == f"/episodes/{episode.pk}/"
    assert (
        "Responsible: Northfold Local Policing Area"
        in page.get_by_test_id("responsible").inner_text()
    )
    assert status_row(page, "Risk") == "High"
    assert (episode.category, episode.risk) == ("missing", "high")

    # b. The investigating officer opens the case from the child's record and logs an enquiry.
    page = officer_desk
    sign_in(page, region["investigating_officer"])
    visit(page, f"/people/{child.pk}/")
    episodes = page.get_by_test_id("episodes")
    assert "Missing" in episodes.inner_text() and "High" in episodes.inner_text()
    follow(page, episodes.get_by_role("link", name=re.compile(rf"^Episode {episode.pk}\b")))
    assert path(page) == f"/episodes/{episode.pk}/"
    follow(page, page.get_by_role("link", name="Add to the investigation log"))
    page.get_by_role("group", name="What kind of entry").get_by_label("Enquiry", exact=True).check()
    page.get_by_label("What was done or decided").fill(
        "Spoke to the bus station staff; CCTV requested for 15:00 to 16:00."
    )
    follow(page, page.get_by_role("button", name="Add to the investigation log"))
    assert path(page) == f"/episodes/{episode.pk}/"
    assert "CCTV requested" in page.get_by_test_id("entries").inner_text()

    # c. The duty inspector sees the case on the daily meeting page and tries to lower the
    # risk from high to medium without marking it an initial grading error: refused.
    page = inspector_desk
    sign_in(page, region["inspector"])
    open_case_from_daily_meeting(page, episode.pk)
    follow(page, page.get_by_role("link", name="Grade or change the risk"))
    page.get_by_role("group", name="Risk", exact=True).get_by_label("Medium", exact=True).check()
    page.get_by_label("Rationale").fill("Seen on CCTV with a friend, I think.")
    checkbox = page.get_by_label(re.compile("corrects the initial investigating officer"))
    assert not checkbox.is_checked()
    follow(page, page.get_by_role("button", name="Grade or change the risk"), status=400)
    summary = page.locator(".govuk-error-summary")
    summary_text = summary.inner_text()
    assert "superintendent" in summary_text.lower() and "R-AUT-03" in summary_text, summary_text
    assert page.get_by_label("Rationale").input_value() == "Seen on CCTV with a friend, I think."
    follow(page, page.get_by_role("link", name="Back to the case"))
    assert status_row(page, "Risk") == "High"
    episode.refresh_from_db()
    assert episode.risk == "high"

    # d. The superintendent lowers it.
    page = super_desk
    sign_in(page, region["superintendent"])
    open_case_from_daily_meeting(page, episode.pk)
    follow(page, page.get_by_role("link", name="Grade or change the risk"))
    page.get_by_role("group", name="Risk", exact=True).get_by_label("Medium", exact=True).check()
    page.get_by_label("Rationale").fill("CCTV shows him with a school friend at 15:40.")
    follow(page, page.get_by_role("button", name="Grade or change the risk"))
    assert path(page) == f"/episodes/{episode.pk}/"
    assert status_row(page, "Risk") == "Medium"

    # e. The officer records the found report; the inspector closes the case.
    page = officer_desk
    visit(page, f"/episodes/{episode.pk}/")
    follow(page, page.get_by_role("link", name="Record the found report"))
    fill_datetime(page, "Found", timezone.now() - timedelta(minutes=20))
    page.get_by_label("Where found", exact=True).fill("Friend's house, 4 Ash Close")
    page.get_by_label("Postcode where found").fill("VL2 4CD")
    page.get_by_label("Found by", exact=True).fill("PC Lee")
    page.get_by_label("The child's condition").fill("Cold and tired, unhurt.")
    page.get_by_label("Disclosures").fill("None.")
    page.get_by_role("group", name="Safe and well check").get_by_label("Done", exact=True).check()
    follow(page, page.get_by_role("button", name="Record the found report"))
    assert path(page) == f"/episodes/{episode.pk}/"
    assert "PC Lee" in page.get_by_test_id("found").inner_text()

    page = inspector_desk
    visit(page, f"/episodes/{episode.pk}/")
    follow(page, page.get_by_role("link", name="Close the episode"))
    follow(page, page.get_by_role("button", name="Close the episode"))
    assert path(page) == f"/episodes/{episode.pk}/"
    assert status_row(page, "Status") == "Closed: Missing Person"

    # f. The timeline, newest first: every step, by whom.
    items = [
        " ".join(t.split()) for t in page.get_by_test_id("timeline").locator("li").all_inner_texts()
    ]
    expected = [
        ("Case closed", "Grace Okafor"),
        ("Found report recorded", "Tom Hughes"),
        # made by Misper in the found report's transaction (returns/referral.py)
        ("Return interview referral made", "Misper"),
        ("Risk lowered", "Martin Dale"),
        ("Investigation log entry", "Tom Hughes"),
        ("Report taken", "Priya Shah"),
    ]
    assert len(items) == len(expected), items
    for item, (verb, name) in zip(items, expected, strict=True):
        assert item.startswith(verb) and name in item, (item, verb, name)

    # The audit log: every one of the four opened the case, and the record openings are there.
    reads = AuditEvent.objects.filter(
        subject_type="episode", subject_id=str(episode.pk), action="read"
    )
    for role in ("call_handler", "investigating_officer", "inspector", "superintendent"):
        assert reads.filter(user=region[role].user).exists(), role
    person_reads = AuditEvent.objects.filter(
        subject_type="person", subject_id=str(child.pk), action="read"
    )
    assert person_reads.filter(user=region["call_handler"].user, purpose="view record").exists()
    assert person_reads.filter(user=region["call_handler"].user, purpose="take a report").exists()
    assert person_reads.filter(user=region["investigating_officer"].user).exists()
    assert audit_verify().ok


def test_a_cse_flagged_child_cannot_be_reported_absent(page, region):  # type: ignore[no-untyped-def]
    """R-CLS-03 / R-HMI-01 under West Midlands 2015: refused in the error summary, what was
    typed kept, nothing saved."""
    from misper.core.models import TimelineEvent
    from misper.episodes.models import Episode
    from misper.people.services import flag_raise

    child = region["child"]
    flag_raise(
        actor=region["investigating_officer"].user,
        person_id=child.pk,
        kind="cse",
        evidence="Intelligence report 4471",
        review_on=timezone.localdate() + timedelta(days=30),
    )
    sign_in(page, region["inspector"])
    visit(page, f"/people/{child.pk}/")
    follow(page, page.get_by_role("button", name="Report this child missing"))
    fill_report(page, circumstances="Typed by the inspector: went to the park with friends.")
    page.get_by_role("group", name="Category").get_by_label("Absent", exact=True).check()
    page.get_by_label("Rationale").fill("Seems fine.")
    follow(page, page.get_by_role("button", name="Save the report"), status=400)
    summary_text = page.locator(".govuk-error-summary").inner_text()
    assert "R-CLS-03" in summary_text or "R-HMI-01" in summary_text, summary_text
    assert "went to the park with friends" in page.get_by_label("Circumstances").input_value()
    assert not Episode.objects.exists()
    assert not TimelineEvent.objects.filter(subject_type="episode").exists()

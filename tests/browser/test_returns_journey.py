"""Return home interviews through the browser, each person at their own desk.

1. A child found by the police five hours ago: Vale Council's commissioned provider,
   Streetwise, has the referral. Its worker sees it in the queue with the policy's rating,
   opens it and reads the reasons, triages it red (confirming the policy, with a
   rationale), offers the interview, records it within 72 hours, records a disclosure, and
   shares with the police an older boyfriend and a place, and asks them to flag the child
   for CSE. The force's missing person coordinator then sees the associate and the place
   on the child's record, with the interview as their source, and accepts the request on
   the flag requests page: the flag is placed.
2. A worker proposes that no interview is needed: the referral stays open, waiting for the
   manager; the worker cannot confirm it; a manager confirms it and the referral closes.

Every page on the way is checked with axe (tests/browser/helpers.py)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import pytest
from django.utils import timezone

from misper.web.jinja import LONDON
from tests.browser.conftest import _finish, _new_page, _register
from tests.browser.helpers import follow, path, sign_in_with_session, visit

pytestmark = pytest.mark.browser


@pytest.fixture
def desks(request, browser, live_server):  # type: ignore[no-untyped-def]
    """``desks(n)``: n separate browsers, each watched and axe-checked as the ``page``
    fixture's. All are opened before anyone signs in (opening one empties the cache)."""
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
def found(db):  # type: ignore[no-untyped-def]
    """Vale Police, Vale Council with Streetwise as its return-interview provider, the
    people at their desks, and Keira, found by the police five hours ago."""
    from misper.agencies.services import organisation_create, user_create
    from misper.people.services import PersonDetails, person_create
    from misper.returns.models import Arrangement
    from tests.returns.journey import found_child

    def org(kind: str, name: str, code: str, **kw: Any) -> Any:
        return organisation_create(actor=None, kind=kind, name=name, code=code, **kw)

    force = org("police_force", "Vale Police", "vp", policy_profile="west-midlands-2015")
    area = org("policing_area", "North Vale", "nv", parent=force)
    vale = org("local_authority", "Vale Council", "vale")
    streetwise = org("rhi_provider", "Streetwise", "sw", local_authority=vale)
    Arrangement.objects.create(authority=vale, provider=streetwise)

    def user(role: str, name: str, organisation: Any) -> Any:
        email = f"{name.split()[0].lower()}@example.test"
        return user_create(
            actor=None,
            email=email,
            full_name=name,
            organisation=organisation,
            roles=[role],
            password="Correct-Horse-42",
        )

    people = {
        "police": user("call_handler", "Priya Shah", area),
        "worker": user("return_interview_worker", "Sam Reid", streetwise),
        "manager": user("return_interview_manager", "Alex Morgan", streetwise),
        "coordinator": user("missing_person_coordinator", "Dev Patel", force),
    }
    child = person_create(
        actor=people["police"],
        details=PersonDetails(
            given_name="Keira",
            family_name="Lomax",
            date_of_birth=date(2011, 6, 14),
            home_authority=vale,
        ),
    )
    found_at = timezone.now().replace(second=0, microsecond=0) - timedelta(hours=5)
    referral = found_child(police=people["police"], person=child, found_at=found_at)
    assert referral is not None
    return {"child": child, "referral": referral, **people}


def nav(page, name: str):  # type: ignore[no-untyped-def]
    return page.get_by_role("navigation", name="Menu").get_by_role("link", name=name)


def start(page, user) -> None:  # type: ignore[no-untyped-def]
    sign_in_with_session(page, user)
    visit(page, "/")
    assert user.full_name in page.get_by_test_id("user-bar").inner_text()


def row_value(scope, key: str) -> str:  # type: ignore[no-untyped-def]
    for row in scope.locator(".govuk-summary-list__row").all():
        if row.locator(".govuk-summary-list__key").inner_text().strip() == key:
            return " ".join(row.locator(".govuk-summary-list__value").inner_text().split())
    raise AssertionError(f"no summary list row {key!r}")


def banner(page) -> str:  # type: ignore[no-untyped-def]
    return page.locator(".govuk-notification-banner--success").inner_text()


def fill_datetime(page, legend: str, when: datetime) -> None:  # type: ignore[no-untyped-def]
    local = when.astimezone(LONDON)
    group = page.get_by_role("group", name=legend, exact=True)
    group.get_by_label("Day").fill(str(local.day))
    group.get_by_label("Month").fill(str(local.month))
    group.get_by_label("Year").fill(str(local.year))
    group.get_by_label("Time (24-hour)").fill(local.strftime("%H:%M"))


def radio(page, group: str, label: str) -> None:  # type: ignore[no-untyped-def]
    page.get_by_role("group", name=group, exact=True).get_by_label(label, exact=True).check()


TRIAGE = {
    "Does the referral hold the child's associates?": "Yes",
    "Does it hold the places visited?": "Yes",
    "Substance misuse?": "Not known",
    "Domestic violence?": "No",
    "Learning difficulty?": "No",
    "Troubled family?": "Not known",
    "CSE indicators?": "Yes",
}


def share(page, kind: str, fields: dict[str, str], basis: str) -> None:  # type: ignore[no-untyped-def]
    follow(page, page.get_by_role("link", name="Share with the police"))
    radio(page, "What are you sharing?", kind)
    for label, value in fields.items():
        if label == "Flag to ask for":
            page.get_by_label(label).select_option(label=value)
        else:
            page.get_by_label(label, exact=True).fill(value)
    radio(page, "Legal basis for sharing", basis)
    follow(page, page.get_by_role("button", name="Share with the police"))
    assert "Shared with the police" in banner(page)


def test_a_found_child_interviewed_within_72_hours_and_the_police_told(desks, found):  # type: ignore[no-untyped-def]
    from misper.people.models import Flag, FlagRequestStatus
    from misper.returns.models import Outcome, Referral

    referral = found["referral"]
    child = found["child"]
    worker_desk, police_desk = desks(2)

    # The worker finds the referral in the queue, with the policy's first rating.
    page = worker_desk
    start(page, found["worker"])
    follow(page, nav(page, "Return interviews"))
    assert path(page) == "/returns/"
    row = page.get_by_test_id("referral-row").filter(has_text="Keira Lomax")
    assert "Waiting for triage" in row.inner_text()
    assert "Not triaged" in row.inner_text() and "The policy rates it" in row.inner_text()
    assert "Amber" in row.inner_text()
    follow(page, row.get_by_role("link", name=f"Referral {referral.pk}"))
    assert path(page) == f"/returns/{referral.pk}/"
    reasons = page.get_by_test_id("reasons").inner_text()
    assert "R-RHI-10: amber: information lacking" in reasons, reasons
    assert "Streetwise" in page.get_by_test_id("routing").inner_text()

    # Triage: red, as the policy now rates it, with the rationale.
    follow(page, page.get_by_role("link", name="Triage", exact=True))
    assert "The policy rates this referral" in page.get_by_test_id("engine-rating").inner_text()
    for question, answer in TRIAGE.items():
        radio(page, question, answer)
    radio(page, "Your rating", "Red")
    page.get_by_label("Rationale").fill("Older boyfriend; signs of CSE at the home's last review.")
    follow(page, page.get_by_role("button", name="Save triage"))
    assert path(page) == f"/returns/{referral.pk}/"
    assert "Triage recorded" in banner(page)
    triage = page.get_by_test_id("triage")
    assert row_value(triage, "Rating") == "Red"
    assert "R-RHI-10: red: CSE indicators" in page.get_by_test_id("reasons").inner_text()
    assert "At risk, or thought at risk, of sexual exploitation" in (
        page.get_by_test_id("criteria").inner_text()
    )

    # The offer and the interview, three hours later.
    follow(page, page.get_by_role("link", name="Offer the interview"))
    page.get_by_label("How the interview was offered").fill("Phone call to her carer")
    follow(page, page.get_by_role("button", name="Record the offer"))
    assert row_value(page.get_by_test_id("referral"), "Where it stands") == "Interview offered"
    follow(page, page.get_by_role("link", name="Record the interview"))
    fill_datetime(page, "When the interview was held", timezone.now() - timedelta(hours=1))
    radio(page, "Is the interviewer independent of the child's care?", "Yes")
    page.get_by_label("Where the interview was held").fill("A café near the home")
    page.get_by_label("Push factors: what made the child leave").fill("Arguments at the home")
    page.get_by_label("Who the child was with").fill("Jay, about 19")
    radio(page, "Indicators of sexual exploitation?", "Yes")
    page.get_by_label("In the child's own words").fill("I just wanted to see him")
    follow(page, page.get_by_role("button", name="Record the interview"))
    assert "Interview recorded" in banner(page)
    summary = page.get_by_test_id("referral")
    assert row_value(summary, "Where it stands") == "Closed"
    assert row_value(summary, "Within 72 hours") == "Yes"
    assert "I just wanted to see him" in page.get_by_test_id("interview").inner_text()

    # A disclosure, with its step and deadline.
    follow(page, page.get_by_role("link", name="Record a disclosure"))
    page.get_by_label("What was disclosed").fill("Jay gives her alcohol")
    radio(page, "The step taken", "Reported to the police")
    fill_datetime(page, "When the step must be done by", timezone.now() + timedelta(days=1))
    follow(page, page.get_by_role("button", name="Record the disclosure"))
    assert "Jay gives her alcohol" in page.get_by_test_id("disclosures").inner_text()

    # What the police need: the older boyfriend, a place, and a request to flag.
    share(
        page,
        "Associate",
        {"What": "Jay", "Relationship to the child": "Older boyfriend", "Age": "19"},
        "Crime and Disorder Act 1998, section 115",
    )
    share(
        page,
        "Place",
        {"What": "Flat above the chip shop, Mill Street", "Postcode": "VL1 2AB"},
        "Crime and Disorder Act 1998, section 115",
    )
    share(
        page,
        "Request to flag",
        {"Flag to ask for": "Child sexual exploitation", "Detail": "Older boyfriend, alcohol"},
        "Children Act 2004, section 11 (safeguarding)",
    )
    shared = page.get_by_test_id("shared").inner_text()
    assert "Jay" in shared and "Flat above the chip shop" in shared
    referral = Referral.objects.get(pk=referral.pk)
    assert referral.outcome == Outcome.COMPLETED and referral.within_72_hours

    # The force's coordinator sees them on the child's record, and accepts the request.
    page = police_desk
    start(page, found["coordinator"])
    visit(page, f"/people/{child.pk}/")
    main = page.locator("main").inner_text()
    assert "Jay" in main and "Flat above the chip shop" in main
    assert "Return interview, Streetwise" in main  # the source of the associate and place
    assert "Shared by return interviews" in main
    follow(page, nav(page, "Flag requests"))
    assert path(page) == "/people/flag-requests/"
    requests = page.get_by_test_id("flag-requests")
    assert "Keira Lomax" in requests.inner_text() and "Streetwise" in requests.inner_text()
    follow(page, requests.get_by_role("link", name="Decide"))
    assert "Older boyfriend, alcohol" in page.get_by_test_id("flag-request").inner_text()
    radio(page, "Do you place the flag?", "Yes: place the flag")
    follow(page, page.get_by_role("button", name="Save decision"))
    assert path(page) == "/people/flag-requests/"
    assert "Flag placed: Child sexual exploitation" in banner(page)
    assert page.get_by_test_id("no-flag-requests").is_visible()
    flag = Flag.objects.get(person=child, kind="cse")
    assert flag.active and flag.requests.get().status == FlagRequestStatus.ACCEPTED
    visit(page, f"/people/{child.pk}/")
    assert "Child sexual exploitation" in page.get_by_test_id("active-flags").inner_text()


def test_not_required_needs_the_managers_confirmation(desks, found):  # type: ignore[no-untyped-def]
    from misper.returns.models import Outcome, Referral, State

    referral = found["referral"]
    worker_desk, manager_desk = desks(2)

    page = worker_desk
    start(page, found["worker"])
    visit(page, f"/returns/{referral.pk}/")
    follow(page, page.get_by_role("link", name="Propose that no interview is needed"))
    page.get_by_label("Why no interview is needed").fill(
        "Home within the hour; seen by her social worker the same evening."
    )
    follow(page, page.get_by_role("button", name="Propose"))
    assert "a manager will confirm or refuse it" in banner(page)
    status = row_value(page.get_by_test_id("referral"), "Where it stands")
    assert status == "Not required: waiting for the manager"
    assert page.get_by_test_id("not-required-proposed").is_visible()
    assert page.get_by_role("link", name="Confirm or refuse 'no interview needed'").count() == 0
    visit(page, f"/returns/{referral.pk}/not_required_decision/", status=404)
    assert Referral.objects.get(pk=referral.pk).state == State.NOT_REQUIRED_PROPOSED

    page = manager_desk
    start(page, found["manager"])
    follow(page, nav(page, "Return interviews"))
    row = page.get_by_test_id("referral-row").filter(has_text="Keira Lomax")
    assert "Not required: waiting for the manager" in row.inner_text()
    follow(page, row.get_by_role("link", name=f"Referral {referral.pk}"))
    follow(page, page.get_by_role("link", name="Confirm or refuse 'no interview needed'"))
    radio(
        page,
        "Do you confirm that no interview is needed?",
        "Yes: no interview is needed, close the referral",
    )
    page.get_by_label("Reason").fill("Agreed: she was seen the same evening.")
    follow(page, page.get_by_role("button", name="Save decision"))
    assert "Decision recorded" in banner(page)
    summary = page.get_by_test_id("referral")
    assert row_value(summary, "Where it stands") == "Closed"
    outcome = row_value(page.get_by_test_id("outcome"), "Outcome")
    assert outcome.startswith("Not required (confirmed by the manager)")
    referral = Referral.objects.get(pk=referral.pk)
    assert (referral.state, referral.outcome) == (State.CLOSED, Outcome.NOT_REQUIRED)

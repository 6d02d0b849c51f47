"""Repeat missing through the browser, each person at their own desk.

1. West Mercia (2014): Keira has been missing twice in the last month; her third missing
   report makes a level 1 trigger (R-TRG-10) with an intervention meeting due within seven
   days (R-TRG-09, C-07). The force's missing person coordinator finds it on the desk,
   opens it (what fired, the rules, the three episodes), arranges the meeting (the level's
   invitees are listed, and a parent added), records it held with the police there and an
   action for the child's council due tomorrow. When the worker's sweep runs after the due
   date the council is reminded, and the trigger page shows the action overdue.
2. West Midlands (2015): Jayden's third absent report in 90 days (R-TRG-03) makes a record
   with a non-crime reference on the coordinator's desk; the coordinator allocates it to
   the child abuse team's sergeant (R-TRG-05), who is told, opens it from the inbox and
   closes it with the outcome.
3. West Midlands (2015): Keira's third missing episode in three calendar months lists her
   for Vale Council's MASE meeting (R-TRG-07, R-CSE-02). Her social worker finds her on the
   desk's MASE list and sets the meeting's date; the force's CSE coordinator, told, records
   the discussion: a missing item of the checklist is named, then every item answered
   (R-CSE-04) and a diversion plan with its leads and timescales (R-CSE-05); the trigger
   closes.

Every page on the way is checked with axe (tests/browser/helpers.py)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import pytest
from django.utils import timezone

from misper.web.jinja import LONDON, uk_datetime
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


def _region(profile: str, force_name: str, force_code: str, people: dict[str, tuple[str, str]]):  # type: ignore[no-untyped-def]
    """A force with the profile, its policing area, Vale Council, the people at their desks
    (``key: (role, full name)``; police in the area, coordinators in the force, children's
    services in the council) and a child of Vale."""
    from misper.agencies.roles import CHILDRENS_SERVICES_ROLES
    from misper.agencies.services import organisation_create, user_create
    from misper.people.services import PersonDetails, person_create

    def org(kind: str, name: str, code: str, **kw: Any) -> Any:
        return organisation_create(actor=None, kind=kind, name=name, code=code, **kw)

    force = org("police_force", force_name, force_code, policy_profile=profile)
    area = org("policing_area", "North", f"{force_code}-north", parent=force)
    vale = org("local_authority", "Vale Council", "vale")
    r: dict[str, Any] = {"force": force, "area": area, "vale": vale}
    for key, (role, name) in people.items():
        if role in CHILDRENS_SERVICES_ROLES:
            organisation = vale
        elif role in ("missing_person_coordinator", "cse_coordinator"):
            organisation = force
        else:
            organisation = area
        r[key] = user_create(
            actor=None,
            email=f"{name.split()[0].lower()}@example.test",
            full_name=name,
            organisation=organisation,
            roles=[role],
            password="Correct-Horse-42",
        )
    r["child"] = person_create(
        actor=r["police"],
        details=PersonDetails(
            given_name="Keira",
            family_name="Lomax",
            date_of_birth=date(2011, 6, 14),
            home_authority=vale,
        ),
    )
    return r


@pytest.fixture
def mercia(db):  # type: ignore[no-untyped-def]
    """West Mercia Police, Vale Council, and Keira, missing twice in the last month (each
    time found within hours)."""
    from tests.returns.journey import found_child

    r = _region(
        "west-mercia-2014",
        "West Mercia Police",
        "wm",
        {
            "police": ("call_handler", "Priya Shah"),
            "coordinator": ("missing_person_coordinator", "Dev Patel"),
            "social_worker": ("social_worker", "Sam Reid"),
        },
    )
    now = timezone.now().replace(second=0, microsecond=0)
    for days in (30, 15):
        at = now - timedelta(days=days)
        found_child(
            police=r["police"], person=r["child"], found_at=at + timedelta(hours=3), reported_at=at
        )
    return r


@pytest.fixture
def midlands(db):  # type: ignore[no-untyped-def]
    """West Midlands Police, Vale Council, and Keira, absent twice in the last two months."""
    from tests.returns.conftest import found_absent

    r = _region(
        "west-midlands-2015",
        "West Midlands Police",
        "wmp",
        {
            "police": ("call_handler", "Priya Shah"),
            "inspector": ("inspector", "Ruth Okafor"),
            "sergeant": ("sergeant", "Tom Hughes"),
            "coordinator": ("missing_person_coordinator", "Dev Patel"),
        },
    )
    now = timezone.now().replace(second=0, microsecond=0)
    for days in (60, 30):
        found_absent(r, r["child"], now - timedelta(days=days))
    return r


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


def fill_date(page, legend: str, day: date) -> None:  # type: ignore[no-untyped-def]
    group = page.get_by_role("group", name=legend, exact=True)
    group.get_by_label("Day").fill(str(day.day))
    group.get_by_label("Month").fill(str(day.month))
    group.get_by_label("Year").fill(str(day.year))


def test_a_third_missing_episode_calls_a_meeting_whose_action_falls_overdue(desks, mercia):  # type: ignore[no-untyped-def]
    import misper.interventions.tasks  # noqa: F401 - registers the deadline handlers
    from misper.core.deadline_sweep import sweep_due_deadlines
    from misper.episodes.services import episode_report
    from misper.interventions.models import MeetingStatus, TriggerRecord
    from misper.notifications.models import Message
    from tests.episodes.conftest import answers, report

    (page,) = desks(1)
    child = mercia["child"]

    # The third missing report in 90 days, an hour ago.
    reported_at = timezone.now().replace(second=0, microsecond=0) - timedelta(hours=1)
    episode_report(
        actor=mercia["police"],
        person_id=child.pk,
        report=report(
            reported_at=reported_at,
            last_seen_at=reported_at - timedelta(hours=2),
            last_contact_at=None,
            answers=answers(out_of_character="yes"),
        ),
        category="missing",
        risk="medium",
        rationale="out of character; third time this month",
        now=reported_at,
    )
    trigger = TriggerRecord.objects.get()
    assert trigger.meeting.due == reported_at + timedelta(days=7)

    # The coordinator's desk: the new trigger, and its meeting due in seven days.
    start(page, mercia["coordinator"])
    follow(page, nav(page, "Repeat missing"))
    assert path(page) == "/interventions/"
    row = page.get_by_test_id("new-triggers").get_by_test_id("trigger-row")
    assert "Keira Lomax" in row.inner_text()
    assert "Level 1: Three missing episodes in 90 days" in row.inner_text()
    due = page.get_by_test_id("meetings-due").inner_text()
    assert uk_datetime(reported_at + timedelta(days=7)) in due and "Overdue" not in due

    # The trigger: what fired, why (each reason with its rule), the episodes counted.
    follow(page, row.get_by_role("link", name=f"Trigger {trigger.pk}"))
    assert path(page) == f"/interventions/{trigger.pk}/"
    summary = page.get_by_test_id("trigger")
    assert row_value(summary, "What fired") == "Three missing episodes in 90 days"
    assert row_value(summary, "Counted") == "3 missing episodes in 90 days"
    assert row_value(summary, "A child") == "Keira Lomax"
    assert "R-TRG-10: 3rd missing episode" in page.get_by_test_id("reasons").inner_text()
    assert page.get_by_test_id("episodes").get_by_role("link").count() == 3
    assert row_value(page.get_by_test_id("meeting"), "Where it stands") == "To arrange"

    # Arranging the meeting: the level's invitees, and the child's mother.
    follow(page, page.get_by_role("link", name="Arrange the meeting"))
    proposed = page.get_by_test_id("proposed-invitees").inner_text()
    assert "Missing person coordinator: Dev Patel, West Mercia Police" in proposed
    assert "Children's services (chair): Vale Council" in proposed
    fill_datetime(page, "When the meeting will be held", timezone.now() + timedelta(hours=2))
    page.get_by_label("Where", exact=True).fill("Vale House, meeting room 2")
    page.get_by_label("Chair", exact=True).fill("Sam Reid, social worker")
    page.get_by_label("Others to invite, one per line").fill("Mother")
    follow(page, page.get_by_role("button", name="Arrange the meeting"))
    assert path(page) == f"/interventions/{trigger.pk}/"
    assert "Meeting arranged" in banner(page)
    invitees = page.get_by_test_id("invitees").inner_text()
    assert "Dev Patel" in invitees and "Vale Council" in invitees and "Mother" in invitees
    assert row_value(page.get_by_test_id("trigger"), "Where it stands") == "In hand"

    # The meeting held, with the police there.
    follow(page, page.get_by_role("link", name="Record the meeting"))
    fill_datetime(page, "When the meeting was held", timezone.now() - timedelta(minutes=5))
    page.get_by_label("Dev Patel, West Mercia Police (Missing person coordinator)").check()
    page.get_by_label("Mother (Also invited)").check()
    page.get_by_label("What was discussed").fill("Push and pull factors: an older boyfriend")
    page.get_by_label("The plan").fill("Weekly visits by her social worker")
    page.get_by_label("Where the care plan reflects it").fill("Care plan review on Friday")
    follow(page, page.get_by_role("button", name="Record the meeting"))
    assert "Meeting recorded" in banner(page)
    meeting = page.get_by_test_id("meeting")
    assert row_value(meeting, "Where it stands") == "Held"
    assert row_value(meeting, "The plan") == "Weekly visits by her social worker"

    # An action for the child's council, due tomorrow.
    follow(page, page.get_by_role("link", name="Add an action"))
    page.get_by_label("The action").fill("Review the placement's evening routine")
    page.get_by_label("Organisation that owns it").select_option(label="Vale Council")
    tomorrow = timezone.localdate() + timedelta(days=1)
    fill_date(page, "Due date", tomorrow)
    follow(page, page.get_by_role("button", name="Add the action"))
    assert "Action added" in banner(page)
    action_row = page.get_by_test_id("meeting-action")
    assert "Vale Council" in action_row.inner_text() and "Overdue" not in action_row.inner_text()
    meeting_obj = TriggerRecord.objects.get().meeting
    assert meeting_obj.status == MeetingStatus.HELD

    # The worker's sweep, after the due date: the council is reminded.
    sweep_due_deadlines(timezone.now() + timedelta(days=3), "w")
    action = meeting_obj.actions.get()
    assert Message.objects.filter(
        event_key__startswith=f"trigger:{trigger.pk}:action-overdue",
        recipient_org=mercia["vale"],
    ).exists()
    visit(page, f"/interventions/{trigger.pk}/")
    action_row = page.get_by_test_id("meeting-action")
    assert "Overdue" in action_row.inner_text() and "Owner reminded" in action_row.inner_text()
    assert "Action overdue: owner reminded" in page.get_by_test_id("timeline").inner_text()
    assert action.done_at is None


def test_a_third_absent_report_gets_a_non_crime_reference_for_the_supervisor(desks, midlands):  # type: ignore[no-untyped-def]
    from misper.interventions.models import TriggerRecord, TriggerStatus
    from tests.returns.conftest import found_absent

    coordinator_desk, sergeant_desk = desks(2)

    # The third absent report in 90 days.
    found_absent(midlands, midlands["child"], timezone.now().replace(microsecond=0))
    trigger = TriggerRecord.objects.get(kind="wmp_repeat_absent_person")
    assert trigger.reference.startswith("NCR-WMP-")

    page = coordinator_desk
    start(page, midlands["coordinator"])
    follow(page, nav(page, "Repeat missing"))
    row = page.get_by_test_id("new-triggers").get_by_test_id("trigger-row")
    assert trigger.reference in row.inner_text()
    assert "Three absent reports in 90 days" in row.inner_text()
    follow(page, row.get_by_role("link", name=f"Trigger {trigger.pk}"))
    summary = page.get_by_test_id("trigger")
    assert row_value(summary, "Non-crime reference") == trigger.reference
    assert row_value(summary, "Allocated to") == "Not allocated"
    assert page.get_by_test_id("no-meeting").is_visible()
    follow(page, page.get_by_role("link", name="Allocate to an officer"))
    page.get_by_label("Officer").select_option(label="Tom Hughes")
    follow(page, page.get_by_role("button", name="Allocate"))
    assert "Allocated" in banner(page)
    summary = page.get_by_test_id("trigger")
    assert row_value(summary, "Allocated to") == "Tom Hughes"
    assert row_value(summary, "Where it stands") == "In hand"

    # The sergeant is told, opens it and closes it with the outcome.
    page = sergeant_desk
    start(page, midlands["sergeant"])
    visit(page, "/inbox/")
    follow(
        page,
        page.get_by_role(
            "link",
            name=f"Go to the record for: Repeat-missing trigger {trigger.pk} allocated to you",
        ),
    )
    assert path(page) == f"/interventions/{trigger.pk}/"
    assert page.get_by_role("link", name="Allocate to an officer").count() == 0
    follow(page, page.get_by_role("link", name="Close with an outcome"))
    page.get_by_label("Outcome").fill(
        "Reviewed with children's services: a safeguarding plan is in place; no police action"
    )
    follow(page, page.get_by_role("button", name="Close the trigger"))
    assert "Trigger closed" in banner(page)
    summary = page.get_by_test_id("trigger")
    assert row_value(summary, "Where it stands") == "Closed"
    assert "safeguarding plan is in place" in row_value(summary, "Outcome")
    assert page.get_by_role("link", name="Close with an outcome").count() == 0
    trigger = TriggerRecord.objects.get(pk=trigger.pk)
    assert trigger.status == TriggerStatus.CLOSED and trigger.closed_by == midlands["sergeant"]


@pytest.fixture
def midlands_missing(db):  # type: ignore[no-untyped-def]
    """West Midlands Police, Vale Council, and Keira, missing twice in the last two months
    (each time found within hours)."""
    from tests.returns.journey import found_child

    r = _region(
        "west-midlands-2015",
        "West Midlands Police",
        "wmp",
        {
            "police": ("call_handler", "Priya Shah"),
            "cse": ("cse_coordinator", "Nadia Khan"),
            "social_worker": ("social_worker", "Sam Reid"),
        },
    )
    now = timezone.now().replace(second=0, microsecond=0)
    for days in (50, 20):
        at = now - timedelta(days=days)
        found_child(
            police=r["police"], person=r["child"], found_at=at + timedelta(hours=3), reported_at=at
        )
    return r


def test_a_third_missing_episode_in_three_months_is_discussed_at_mase(desks, midlands_missing):  # type: ignore[no-untyped-def]
    from misper.interventions.models import MASE_ITEMS, TriggerRecord, TriggerStatus
    from tests.returns.journey import found_child

    r = midlands_missing
    sw_desk, cse_desk = desks(2)
    now = timezone.now().replace(second=0, microsecond=0)
    found_child(police=r["police"], person=r["child"], found_at=now - timedelta(hours=1))
    trigger = TriggerRecord.objects.get(kind="mase_3_in_3_months")

    # The social worker: the MASE list, then the meeting's date.
    page = sw_desk
    start(page, r["social_worker"])
    follow(page, nav(page, "Repeat missing"))
    listed = page.get_by_test_id("mase")
    assert "Vale Council: meeting date not set yet" in listed.inner_text()
    assert "Keira Lomax" in listed.inner_text()
    follow(page, listed.get_by_role("link", name=f"Trigger {trigger.pk}"))
    mase = page.get_by_test_id("mase")
    assert row_value(mase, "Where it stands") == "Listed"
    assert row_value(mase, "Listed for the meeting on") == "Date not set yet"
    follow(page, page.get_by_role("link", name="Set the MASE meeting date"))
    day = timezone.localdate() + timedelta(days=7)
    fill_date(page, "Date of the MASE meeting", day)
    follow(page, page.get_by_role("button", name="Save the date"))
    assert "MASE meeting date saved" in banner(page)
    when = day.strftime("%-d %B %Y")
    assert row_value(page.get_by_test_id("mase"), "Listed for the meeting on") == when
    visit(page, "/interventions/")
    assert f"Vale Council: meeting on {when}" in page.get_by_test_id("mase").inner_text()

    # The CSE coordinator, told, records the discussion.
    page = cse_desk
    start(page, r["cse"])
    visit(page, "/inbox/")
    follow(
        page,
        page.get_by_role(
            "link",
            name=f"Go to the record for: Listed for the MASE meeting on {when}: "
            f"trigger {trigger.pk}",
        ),
    )
    follow(page, page.get_by_role("link", name="Record the MASE discussion"))
    fill_datetime(page, "When the child was discussed", now - timedelta(minutes=30))
    items = list(MASE_ITEMS.values())
    for n, words in enumerate(items[:-1], start=1):
        group = page.get_by_role("group", name=f"{n}. {words}", exact=True)
        answer = "Not applicable" if "trafficking" in words else "Yes"
        group.get_by_label(answer, exact=True).check()
    page.get_by_label("Note on item 9: Information on suspected perpetrator(s) (optional)").fill(
        "An older male known as Jay"
    )
    page.get_by_label(
        "Co-ordinated multi-agency diversion plan, with clear lead officers and timescales"
    ).check()
    follow(page, page.get_by_role("button", name="Record the discussion"), status=400)
    errors = page.locator(".govuk-error-summary").inner_text()
    assert f"Say yes, no or not applicable for: {items[-1]} (R-CSE-04)" in errors
    assert "Name the lead officers of the diversion plan (R-CSE-05)" in errors
    group = page.get_by_role("group", name=f"{len(items)}. {items[-1]}", exact=True)
    group.get_by_label("No", exact=True).check()
    page.get_by_label("Lead officers of the diversion plan").fill("PC Okafor; Sam Reid")
    page.get_by_label("Timescales of the diversion plan").fill("Review in six weeks")
    follow(page, page.get_by_role("button", name="Record the discussion"))
    assert "MASE discussion recorded: the trigger is closed" in banner(page)
    assert row_value(page.get_by_test_id("mase"), "Where it stands") == "Discussed"
    checklist = page.get_by_test_id("mase-checklist").inner_text()
    assert "An older male known as Jay" in checklist and "Not applicable" in checklist
    assert "diversion plan" in page.get_by_test_id("mase-outcomes").inner_text()
    assert row_value(page.get_by_test_id("trigger"), "Where it stands") == "Closed"
    assert page.get_by_role("link", name="Record the MASE discussion").count() == 0
    assert TriggerRecord.objects.get(pk=trigger.pk).status == TriggerStatus.CLOSED

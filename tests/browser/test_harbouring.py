"""A harbouring warning notice through the browser (R-HRB-01..07), each person at their own
desk.

Dean Hollis is an associate of Maya (13, at home) and of Ellie (16, in care). The force's
missing person coordinator opens the list of notices, starts a notice on Dean's record
number, ticks both children, enters Vale Council's manager's statement and prepares it: the
notice cites section 2 of the Child Abduction Act 1984 for Maya and section 49 of the
Children Act 1989 for Ellie, never section 2 (R-HRB-02); the desk lists it as not yet
served. The sergeant serves it: without the photograph ticked it is refused, citing
R-HRB-04; with it, it is served. The child's social worker records a breach, which goes on
the timeline of both children and of the adult.

Every page on the way is checked with axe (tests/browser/helpers.py)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from django.utils import timezone

from misper.web.jinja import LONDON
from tests.browser.helpers import follow, path, sign_in_with_session, visit

pytestmark = pytest.mark.browser


def born(years: int) -> date:
    from misper.core.validation import shift_years

    return shift_years(timezone.localdate(), -years) - timedelta(days=30)


@pytest.fixture
def region(db):  # type: ignore[no-untyped-def]
    """West Mercia Police covering Vale Council; its coordinator and a sergeant; Vale's
    social worker; Maya (13) and Ellie (16, in care) whose associate is Dean Hollis."""
    from misper.agencies.services import organisation_create, user_create
    from misper.people.network import AdultDetails, adult_record, associate_link
    from misper.people.services import (
        PersonDetails,
        associate_add,
        person_create,
        placement_record,
    )

    def org(kind: str, name: str, code: str, **kw):  # type: ignore[no-untyped-def]
        return organisation_create(actor=None, kind=kind, name=name, code=code, **kw)

    def user(role: str, name: str, organisation):  # type: ignore[no-untyped-def]
        return user_create(
            actor=None,
            email=f"{name.split()[0].lower()}@example.test",
            full_name=name,
            organisation=organisation,
            roles=[role],
            password="Correct-Horse-42",
        )

    force = org("police_force", "West Mercia Police", "wm", policy_profile="west-mercia-2014")
    vale = org("local_authority", "Vale Council", "vale")
    area = org("policing_area", "North", "wm-north", parent=force, local_authority=vale)
    home = org("childrens_home", "Birch Lodge", "birch", local_authority=vale)
    r = {
        "vale": vale,
        "police": user("call_handler", "Priya Shah", area),
        "coordinator": user("missing_person_coordinator", "Dev Patel", force),
        "sergeant": user("sergeant", "Tom Hughes", area),
        "social_worker": user("social_worker", "Sam Reid", vale),
    }
    for key, given, years in (("maya", "Maya", 13), ("ellie", "Ellie", 16)):
        r[key] = person_create(
            actor=r["police"],
            details=PersonDetails(
                given_name=given,
                family_name="Lomax",
                date_of_birth=born(years),
                home_authority=vale,
            ),
        )
    placement_record(
        actor=r["social_worker"],
        person_id=r["ellie"].pk,
        placement_type="children_home",
        address="Birch Lodge, 1 Birch Lane",
        provider=home,
        placing_authority=vale,
        host_authority=vale,
        started_on=timezone.localdate() - timedelta(days=60),
    )
    r["adult"] = adult_record(
        actor=r["coordinator"],
        details=AdultDetails(name="Dean Hollis", address="4 Mill Row", postcode="VL2 4MR"),
    )
    for key in ("maya", "ellie"):
        associate = associate_add(
            actor=r["social_worker"], person_id=r[key].pk, name="Dean", relationship="friend"
        )
        associate_link(actor=r["coordinator"], associate_id=associate.pk, adult_id=r["adult"].pk)
    return r


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


def named(page) -> list[list[str]]:  # type: ignore[no-untyped-def]
    rows = page.get_by_test_id("named-child").all()
    return [[" ".join(c.split()) for c in r.locator("td").all_inner_texts()] for r in rows]


def test_a_notice_is_prepared_served_and_breached(page, region):  # type: ignore[no-untyped-def]
    from misper.core.timeline import timeline_for_subject
    from misper.interventions.models import HarbouringNotice, NoticeStatus

    r = region
    # The coordinator starts a notice on Dean's record and names both children.
    start(page, r["coordinator"])
    visit(page, "/interventions/harbouring/")
    assert page.get_by_test_id("no-notices-prepared").is_visible()
    page.get_by_label("Prepare a notice on an adult: their record number").fill(str(r["adult"].pk))
    follow(page, page.get_by_role("button", name="Continue"))
    assert path(page) == f"/interventions/harbouring/new/?adult={r['adult'].pk}"
    assert page.get_by_role("heading", name="Prepare a harbouring warning notice").is_visible()
    page.get_by_label(f"Maya Lomax, born {r['maya'].date_of_birth:%-d %B %Y}").check()
    page.get_by_label(f"Ellie Lomax, born {r['ellie'].date_of_birth:%-d %B %Y}").check()
    page.get_by_label("Local authority whose manager made the statement").select_option(
        label="Vale Council"
    )
    page.get_by_label("Name of the manager who made the statement").fill("Jo Harris")
    page.get_by_label("Their role").fill("Team manager, Vale Council children's services")
    fill_date(page, "Date of the statement", timezone.localdate() - timedelta(days=1))
    page.get_by_label("What the statement prohibits").fill(
        "Dean Hollis is not to have any contact whatsoever with Maya or Ellie Lomax."
    )
    follow(page, page.get_by_role("button", name="Prepare the notice"))
    notice = HarbouringNotice.objects.get()
    assert path(page) == f"/interventions/harbouring/{notice.pk}/"
    assert "Harbouring warning notice prepared" in banner(page)
    assert named(page) == [
        ["Ellie Lomax", "Section 49 of the Children Act 1989"],
        ["Maya Lomax", "Section 2 of the Child Abduction Act 1984"],
    ]
    summary = page.get_by_test_id("notice")
    assert row_value(summary, "Where it stands") == "Prepared, not yet served"
    assert row_value(summary, "Local authority") == "Vale Council"
    assert row_value(page.get_by_test_id("statement"), "Made by") == (
        "Jo Harris, Team manager, Vale Council children's services"
    )
    # The coordinator's desk lists it as not yet served.
    visit(page, "/interventions/")
    unserved = page.get_by_test_id("notices-unserved").inner_text()
    assert f"Notice {notice.pk}" in unserved and "Dean Hollis" in unserved

    # The sergeant serves it: first without the photograph ticked (refused, R-HRB-04).
    start(page, r["sergeant"])
    visit(page, "/interventions/harbouring/")
    follow(
        page,
        page.get_by_test_id("notices-prepared").get_by_role("link", name=f"Notice {notice.pk}"),
    )
    follow(page, page.get_by_role("link", name="Record that it was served"))
    served_at = timezone.now() + timedelta(minutes=2)
    fill_datetime(page, "When it was served", served_at)
    page.get_by_label("Where it was served").fill("4 Mill Row, at the door")
    follow(page, page.get_by_role("button", name="Record it as served"), status=400)
    error = page.locator(".govuk-error-summary").inner_text()
    assert "Show the adult a photograph of each child named" in error and "R-HRB-04" in error
    assert page.get_by_label("Where it was served").input_value() == "4 Mill Row, at the door"
    page.get_by_label("Photograph shown and not left with them").check()
    follow(page, page.get_by_role("button", name="Record it as served"))
    assert "recorded as served" in banner(page)
    summary = page.get_by_test_id("notice")
    assert row_value(summary, "Where it stands") == "Served"
    assert row_value(summary, "Served by") == "Tom Hughes"
    assert row_value(summary, "Photograph shown and not left with them") == "Yes"
    assert page.get_by_role("link", name="Record that it was served").count() == 0

    # The children's social worker records a breach.
    start(page, r["social_worker"])
    visit(page, f"/interventions/harbouring/{notice.pk}/")
    follow(page, page.get_by_role("link", name="Record a breach"))
    fill_datetime(page, "When the breach happened", served_at + timedelta(minutes=1))
    page.get_by_label("What happened").fill("Maya found at the flat at 23:00 by the home's staff")
    follow(page, page.get_by_role("button", name="Record the breach"))
    assert "Breach recorded" in banner(page)
    assert "Maya found at the flat" in page.get_by_test_id("breaches").inner_text()
    assert "Harbouring warning notice breached" in page.get_by_test_id("timeline").inner_text()
    assert HarbouringNotice.objects.get().status == NoticeStatus.SERVED
    for subject_type, pk in (
        ("person", r["maya"].pk),
        ("person", r["ellie"].pk),
        ("adult", r["adult"].pk),
    ):
        assert (
            timeline_for_subject(subject_type, pk)
            .filter(verb="harbouring_notice_breached")
            .exists()
        )
    # Ellie's record lists the notice, with the Act cited for her.
    visit(page, f"/people/{r['ellie'].pk}/")
    row = page.get_by_test_id("harbouring-notice-row").inner_text()
    assert f"Notice {notice.pk}" in row and "Section 49 of the Children Act 1989" in row

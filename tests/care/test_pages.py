"""The children's services pages through the test client: the pre-placement assessment
(read, the form, saving versions, the diff, comparing, print and PDF), caseloads, the team
view and allocating workers. Refusals are "Page not found" and change nothing; the form's
problems name the field and keep what was typed."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.test import Client
from django.urls import reverse

from misper.care.models import AssessmentVersion
from misper.care.services import assessment_save
from misper.core.models import AuditEvent
from misper.people.models import AllocatedWorker
from misper.people.services import (
    PersonDetails,
    allocation_set,
    person_create,
    placement_record,
)
from tests.care.factories import assessment_values

pytestmark = pytest.mark.django_db


def signed_in(user: Any) -> Client:
    if not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
        TOTP.activate(user, generate_totp_secret())
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def world(make_org, make_user):  # type: ignore[no-untyped-def]
    return care_world(make_org, make_user)


def care_world(make_org, make_user) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """Vale Police and Vale Council; Birch Lodge, a home in Vale; a social worker, an IRO
    and a team manager of Vale; a carer at Birch Lodge; a social worker of Harbour; and
    Keira, placed at Birch Lodge a month ago, with no worker allocated yet."""
    force = make_org("police_force", name="Vale Police", policy_profile="west-midlands-2015")
    vale = make_org("local_authority", name="Vale Council")
    make_org("policing_area", name="North Vale", parent=force, local_authority=vale)
    harbour = make_org("local_authority", name="Harbour Council")
    home = make_org("childrens_home", name="Birch Lodge", local_authority=vale)
    w: dict[str, Any] = {"force": force, "vale": vale, "harbour": harbour, "home": home}
    w["sw"] = make_user("social_worker", organisation=vale)
    w["iro"] = make_user("independent_reviewing_officer", organisation=vale)
    w["tm"] = make_user("team_manager", organisation=vale)
    w["carer"] = make_user("carer", organisation=home)
    w["other_sw"] = make_user("social_worker", organisation=harbour)
    w["police"] = make_user("call_handler", organisation=force)
    child = person_create(
        actor=w["sw"],
        details=PersonDetails(
            given_name="Keira",
            family_name="Lomax",
            date_of_birth=date(2011, 6, 14),
            home_authority=vale,
        ),
    )
    placement_record(
        actor=w["sw"],
        person_id=child.pk,
        placement_type="children_home",
        address="1 Birch Lane",
        provider=home,
        placing_authority=vale,
        host_authority=vale,
        started_on=date.today() - timedelta(days=30),
    )
    w["child"] = child
    return w


def post_data(
    values: dict[str, Any],
    *,
    completed_with: str = "Sam Reid, manager of Birch Lodge",
    change_note: str = "",
    based_on: int | None = None,
) -> dict[str, str]:
    """The assessment as the form posts it."""
    data: dict[str, str] = {}
    for key, value in values.items():
        if key == "admission_date" and value:
            day = date.fromisoformat(value)
            data |= {
                f"{key}_day": str(day.day),
                f"{key}_month": str(day.month),
                f"{key}_year": str(day.year),
            }
        elif isinstance(value, list):
            for i, row in enumerate(value):
                for column, text in row.items():
                    data[f"{key}-{i}-{column}"] = text
        else:
            data[key] = value
    data |= {
        "completed_with": completed_with,
        "change_note": change_note,
        "based_on": "" if based_on is None else str(based_on),
    }
    return data


def url(name: str, *args: Any) -> str:
    return reverse(f"care:{name}", args=args)


def save(w: dict[str, Any], **over: Any) -> AssessmentVersion:
    latest = AssessmentVersion.objects.filter(person=w["child"]).order_by("-number").first()
    return assessment_save(
        actor=w["sw"],
        person_id=w["child"].pk,
        values=assessment_values(**over),
        completed_with="Sam Reid, manager of Birch Lodge",
        based_on=latest.number if latest else None,
        change_note="Updated after a missing episode" if latest else "",
    )


# --- Reading -------------------------------------------------------------------------------


def test_no_assessment_yet_offers_to_complete_it_to_those_who_may(world):
    child = world["child"]
    body = signed_in(world["sw"]).get(url("assessment", child.pk)).content.decode()
    assert "No assessment has been saved for this child yet" in body
    assert url("new_version", child.pk) in body
    carer = signed_in(world["carer"]).get(url("assessment", child.pk))
    assert carer.status_code == 200
    assert url("new_version", child.pk) not in carer.content.decode()


def test_the_latest_version_field_by_field_with_every_version(world):
    child = world["child"]
    save(world)
    save(world, likelihood="high")
    response = signed_in(world["carer"]).get(url("assessment", child.pk))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Version 2: the answers" in body
    lines = re.findall(r'data-field="(\w+)"', body)
    assert lines[:4] == ["name", "aliases", "date_of_birth", "admission_date"]
    assert "The likelihood of the young person going missing" in body
    assert "White British (WBRI)" in body
    assert "Has self-harmed when distressed" in body  # an explanation
    assert "Sam Reid, manager of Birch Lodge" in body
    assert url("version", child.pk, 1) in body
    assert "Updated after a missing episode" in body
    # The carer reads it, prints it and downloads it; only children's services save it.
    assert url("print", child.pk, 2) in body and url("pdf", child.pk, 2) in body
    assert "Save a new version" not in body
    assert "Save a new version" in signed_in(world["sw"]).get(url("assessment", child.pk)).text


def test_someone_who_may_not_see_the_child_finds_nothing(world):
    child = world["child"]
    save(world)
    client = signed_in(world["other_sw"])
    reads = AuditEvent.objects.count()
    for address in (
        url("assessment", child.pk),
        url("new_version", child.pk),
        url("version", child.pk, 1),
        url("compare", child.pk) + "?from=1&to=1",
        url("print", child.pk, 1),
        url("pdf", child.pk, 1),
    ):
        assert client.get(address).status_code == 404, address
    assert (
        client.post(url("new_version", child.pk), post_data(assessment_values())).status_code == 404
    )
    assert AuditEvent.objects.count() == reads
    assert AssessmentVersion.objects.count() == 1


def test_a_carer_may_not_open_the_form(world):
    child = world["child"]
    client = signed_in(world["carer"])
    assert client.get(url("new_version", child.pk)).status_code == 404
    response = client.post(url("new_version", child.pk), post_data(assessment_values()))
    assert response.status_code == 404
    assert not AssessmentVersion.objects.exists()


# --- The form ------------------------------------------------------------------------------


def test_the_form_has_every_field_in_order_with_what_the_record_fills_in(world):
    from misper.care import form

    child = world["child"]
    allocation_set(
        actor=world["tm"], person_id=child.pk, role="social_worker", user_id=world["sw"].pk
    )
    response = signed_in(world["sw"]).get(url("new_version", child.pk))
    assert response.status_code == 200
    body = response.content.decode()
    order = re.findall(r'data-field="(\w+)"', body)
    assert order == [f.key for f in form.FIELDS]
    for f in form.TYPED:
        assert f"{f.number}. {f.label}" in body.replace("&#39;", "'"), f.key
    assert "White British (WBRI)" in body and "Other ethnic group (specify) (OOTH)" in body
    assert 'name="admission_date_day"' in body
    assert 'name="likelihood" type="radio" value="medium"' in body
    # Fields 29 and 30 have four rows, field 32 four empty ones to start with.
    assert 'name="addresses-3-occupier"' in body
    assert 'name="individuals-3-adult_or_child"' in body
    assert 'name="do_not_associate-3-reason"' in body
    assert 'name="do_not_associate-4-reason"' not in body
    # What Misper fills in from the record, read-only.
    assert "Keira Lomax" in body
    assert "Birch Lodge, 1 Birch Lane" in body
    assert world["sw"].full_name in body
    assert 'name="name"' not in body
    assert 'name="based_on" value=""' in body


def test_saving_the_form_makes_version_1_and_a_second_save_version_2_with_the_diff(world):
    child = world["child"]
    client = signed_in(world["sw"])
    response = client.post(url("new_version", child.pk), post_data(assessment_values()))
    assert response.status_code == 302
    assert response["Location"] == url("version", child.pk, 1)
    first = AssessmentVersion.objects.get(person=child)
    assert first.number == 1
    assert first.values["ethnicity"] == "WBRI"
    assert first.values["admission_date"] == "2025-03-01"
    assert first.values["do_not_associate"] == [
        {"name": "Jay", "reason": "Older adult supplying alcohol"}
    ]
    assert first.values["name"] == "Keira Lomax"
    page = client.get(response["Location"])
    assert "Version 1 of the assessment saved" in page.content.decode()

    # The form opens with version 1's answers, based on it.
    form_page = client.get(url("new_version", child.pk)).content.decode()
    assert 'name="based_on" value="1"' in form_page
    assert 'value="s.31 care order"' in form_page
    assert 'value="Older adult supplying alcohol"' in form_page
    assert 'name="do_not_associate-4-name"' in form_page  # one filled, four empty

    data = post_data(
        assessment_values(
            likelihood="high",
            do_not_associate=[
                {"name": "Jay", "reason": "Older adult supplying alcohol"},
                {"name": "Mo", "reason": "Drives her to parties"},
            ],
        ),
        change_note="Went missing twice this month",
        based_on=1,
    )
    response = client.post(url("new_version", child.pk), data)
    assert response.status_code == 302
    assert response["Location"] == url("version", child.pk, 2)
    body = client.get(response["Location"]).content.decode()
    assert "What changed from version 1" in body
    changes = body.split('data-testid="changes"')[1].split("</table>")[0]
    assert "23" in changes and "MED" in changes and "HIGH" in changes
    assert "Mo — Drives her to parties" in changes
    assert "Went missing twice this month" in body
    assert AssessmentVersion.objects.filter(person=child).count() == 2


def test_a_missing_answer_is_named_and_nothing_is_saved_or_lost(world):
    child = world["child"]
    client = signed_in(world["sw"])
    values = assessment_values(care_status="", risk_if_missing="high", risk_if_missing_reasons="")
    response = client.post(url("new_version", child.pk), post_data(values))
    assert response.status_code == 400
    body = response.content.decode()
    assert "There is a problem" in body
    summary = body.split("govuk-error-summary__list")[1].split("</ul>")[0]
    assert 'href="#care_status"' in summary
    assert "What is their care status? Please specify: answer this question" in summary
    assert 'href="#risk_if_missing_reasons"' in summary
    assert 'id="care_status-error"' in body
    # Everything typed is still there.
    assert ">Dr Shah, Riverside Surgery</textarea>" in body
    assert 'value="Older adult supplying alcohol"' in body
    assert 'id="admission_date" name="admission_date_day" type="text" value="1"' in body
    assert not AssessmentVersion.objects.exists()


def test_an_incomplete_date_and_a_missing_completed_with_are_named(world):
    child = world["child"]
    data = post_data(assessment_values(), completed_with="")
    data["admission_date_month"] = ""
    response = signed_in(world["sw"]).post(url("new_version", child.pk), data)
    assert response.status_code == 400
    body = response.content.decode()
    assert "Date of admission must include a month" in body
    assert 'href="#admission_date"' in body
    assert 'href="#completed_with"' in body
    assert not AssessmentVersion.objects.exists()


def test_a_version_saved_meanwhile_is_said_and_nothing_is_saved(world):
    child = world["child"]
    client = signed_in(world["sw"])
    client.get(url("new_version", child.pk))  # opened before anyone saved
    save(world)  # someone else saves version 1
    data = post_data(assessment_values(gp="Dr Okafor"), change_note="New GP")
    response = client.post(url("new_version", child.pk), data)
    assert response.status_code == 400
    body = response.content.decode()
    assert "Version 1 was saved since you opened the assessment" in body
    assert "Dr Okafor" in body and "New GP" in body
    assert 'name="based_on" value="1"' in body  # saving again is a deliberate choice
    assert AssessmentVersion.objects.filter(person=child).count() == 1
    # Saving again, knowing it, makes version 2.
    data["based_on"] = "1"
    assert client.post(url("new_version", child.pk), data).status_code == 302
    assert AssessmentVersion.objects.filter(person=child).count() == 2


def test_a_second_version_for_the_same_placement_needs_a_change_note(world):
    child = world["child"]
    save(world)
    data = post_data(assessment_values(), based_on=1)
    response = signed_in(world["sw"]).post(url("new_version", child.pk), data)
    assert response.status_code == 400
    body = response.content.decode()
    assert 'href="#change_note"' in body and "Say what has changed and why" in body
    assert AssessmentVersion.objects.filter(person=child).count() == 1


def test_a_child_with_no_placement_is_refused_on_the_placement(world):
    child = person_create(
        actor=world["sw"],
        details=PersonDetails(
            given_name="Ana", family_name="Ruiz", estimated_age=14, home_authority=world["vale"]
        ),
    )
    client = signed_in(world["sw"])
    form_page = client.get(url("new_version", child.pk)).content.decode()
    assert "No current placement is recorded" in form_page
    assert reverse("people:placement_add", args=[child.pk]) in form_page
    response = client.post(url("new_version", child.pk), post_data(assessment_values()))
    assert response.status_code == 400
    summary = response.content.decode().split("govuk-error-summary__list")[1].split("</ul>")[0]
    assert 'href="#placement"' in summary and "Record the child&#39;s placement first" in summary
    assert not AssessmentVersion.objects.exists()


# --- Versions, comparing, print and PDF ---------------------------------------------------------


def test_comparing_two_versions_takes_their_numbers_only(world):
    child = world["child"]
    save(world)
    save(world, cse_risk="high", cse_risk_reasons="Seen with older men")
    save(world, cse_risk="high", cse_risk_reasons="Seen with older men", mobile="07700 900999")
    client = signed_in(world["sw"])
    response = client.get(url("compare", child.pk), {"from": "1", "to": "3"})
    assert response.status_code == 200
    body = response.content.decode()
    assert "What changed from version 1 to version 3" in body
    assert "Seen with older men" in body and "07700 900999" in body
    assert client.get(url("compare", child.pk), {"from": "9", "to": "1"}).status_code == 404
    assert client.get(url("compare", child.pk), {"from": "x"}).status_code == 404
    assert client.get(url("version", child.pk, 4)).status_code == 404


def test_the_print_page_is_the_form_for_a4(world):
    child = world["child"]
    save(world)
    response = signed_in(world["carer"]).get(url("print", child.pk, 1))
    assert response.status_code == 200
    body = response.content.decode()
    assert "West Mercia Missing Children Risk Assessment" in body
    assert "care/print.css" in body
    rows = body.split('data-testid="print-lines"')[1]
    assert rows.index("Date of admission") < rows.index("The likelihood of the young person")


def test_the_pdf_is_an_a4_download_and_audited(world):
    child = world["child"]
    save(world, general_vulnerability="Bullied — called names “at school” ✓")
    response = signed_in(world["carer"]).get(url("pdf", child.pk, 1))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        f'attachment; filename="assessment-{child.pk}-v1.pdf"'
    )
    content = response.content
    assert content.startswith(b"%PDF")
    assert re.search(rb"/MediaBox \[0 0 595\.28 841\.89\]", content)
    export = AuditEvent.objects.get(action="export")
    assert export.subject_id == str(child.pk)
    assert export.purpose == "download pre-placement assessment PDF"
    assert export.user == world["carer"]


def test_the_pdf_module_makes_a4_from_any_text(world):
    from misper.care import pdf

    version = save(world, gp="Dr Ōbe — “Zoë’s” clinic…  ✓ 漢字")
    content = pdf.render(world["child"], version)
    assert content.startswith(b"%PDF")
    assert b"/MediaBox [0 0 595.28 841.89]" in content
    assert pdf.latin1("a — b “c” ✓") == 'a - b "c" ?'


# --- The section on the child's record --------------------------------------------------------


def test_the_record_shows_the_assessment_section(world):
    child = world["child"]
    client = signed_in(world["sw"])
    body = client.get(reverse("people:detail", args=[child.pk])).content.decode()
    section = body.split('data-testid="assessment-section"')[1]
    assert "No assessment yet" in section
    assert url("new_version", child.pk) in section
    save(world, never_absent="yes", missing_category_reasons="Always at risk when out")
    body = client.get(reverse("people:detail", args=[child.pk])).content.decode()
    section = body.split('data-testid="assessment-section"')[1].split("History")[0]
    assert "Missing, never absent (20)" in section and "R-CLS-11" in section
    assert "Jay: Older adult supplying alcohol" in section
    assert "Version 1" in section


# --- Caseloads and the team -----------------------------------------------------------------------


def test_my_children_lists_the_social_workers_children_most_urgent_first(world, make_user):
    child = world["child"]
    client = signed_in(world["sw"])
    empty = client.get(url("caseload"))
    assert empty.status_code == 200
    assert "No children are allocated to you." in empty.content.decode()
    allocation_set(
        actor=world["tm"], person_id=child.pk, role="social_worker", user_id=world["sw"].pk
    )
    body = client.get(url("caseload")).content.decode()
    row = body.split('data-testid="case-row"')[1].split("</tr>")[0]
    assert "Keira Lomax" in row and reverse("people:detail", args=[child.pk]) in row
    assert "Social worker" in row
    assert "Pre-placement assessment overdue" in row and "Overdue" in row
    save(world)
    row = client.get(url("caseload")).content.decode().split('data-testid="case-row"')[1]
    assert "Pre-placement assessment overdue" not in row.split("</tr>")[0]
    for who in ("carer", "police"):
        assert signed_in(world[who]).get(url("caseload")).status_code == 404


def test_the_team_page_counts_each_workers_children_and_lists_the_unallocated(world):
    child = world["child"]
    client = signed_in(world["tm"])
    body = client.get(url("team")).content.decode()
    unallocated = body.split('data-testid="unallocated"')[1].split("</table>")[0]
    assert "Keira Lomax" in unallocated
    assert reverse("people:allocation_add", args=[child.pk]) in unallocated
    allocation_set(
        actor=world["tm"], person_id=child.pk, role="social_worker", user_id=world["sw"].pk
    )
    body = client.get(url("team")).content.decode()
    assert "Every looked-after child of your authority has a social worker" in body
    rows = [r.split("</tr>")[0] for r in body.split('data-testid="worker-row"')[1:]]
    # The social worker and the IRO (the team manager is not a caseworker of the team).
    assert len(rows) == 2
    sw_row = next(r for r in rows if world["sw"].full_name in r)
    assert url("team_worker", world["sw"].pk) in sw_row
    cells = re.findall(r'govuk-table__cell--numeric">(.*?)</td>', sw_row)
    assert cells[0] == "1"  # one child
    assert ">1</strong>" in cells[1]  # needing action: the assessment is overdue
    iro_row = next(r for r in rows if world["iro"].full_name in r)
    assert re.findall(r'govuk-table__cell--numeric">(.*?)</td>', iro_row) == ["0", "0"]
    worker_page = client.get(url("team_worker", world["sw"].pk)).content.decode()
    assert world["sw"].full_name + "&#39;s children" in worker_page
    assert "Keira Lomax" in worker_page
    assert client.get(url("team_worker", world["other_sw"].pk)).status_code == 404
    for who in ("sw", "carer", "police"):
        assert signed_in(world[who]).get(url("team")).status_code == 404
        assert signed_in(world[who]).get(url("team_worker", world["sw"].pk)).status_code == 404


# --- Allocating workers ---------------------------------------------------------------------------


def test_a_team_manager_allocates_and_ends_an_allocation(world):
    child = world["child"]
    client = signed_in(world["tm"])
    record = client.get(reverse("people:detail", args=[child.pk])).content.decode()
    assert "No social worker or independent reviewing officer allocated" in record
    add = reverse("people:allocation_add", args=[child.pk])
    assert add in record
    form = client.get(add).content.decode()
    assert world["sw"].full_name in form and world["iro"].full_name in form
    assert world["other_sw"].full_name not in form
    # The role is named when it is missing; nothing is saved.
    response = client.post(add, {"user": world["sw"].pk})
    assert response.status_code == 400
    assert "Choose social worker or IRO" in response.content.decode()
    assert not AllocatedWorker.objects.exists()
    # A worker without the role is refused by the service, on the field.
    response = client.post(add, {"role": "independent_reviewing_officer", "user": world["sw"].pk})
    assert response.status_code == 400
    assert "Choose an independent reviewing officer of Vale Council" in response.content.decode()
    response = client.post(add, {"role": "social_worker", "user": world["sw"].pk})
    assert response.status_code == 302
    allocation = AllocatedWorker.objects.get(person=child, ended_on__isnull=True)
    assert allocation.user == world["sw"]
    record = client.get(response["Location"]).content.decode()
    assert f"{world['sw'].full_name} allocated as a social worker" in record
    table = record.split('data-testid="allocations"')[1].split("</table>")[0]
    assert world["sw"].full_name in table
    end = reverse("people:allocation_end", args=[child.pk, allocation.pk])
    assert end in table
    assert client.post(end, {"reason": ""}).status_code == 400
    response = client.post(end, {"reason": "Moved to another team"})
    assert response.status_code == 302
    allocation.refresh_from_db()
    assert allocation.ended_on is not None
    assert client.get(end).status_code == 404  # ended


def test_only_team_managers_of_the_childs_authority_allocate(world):
    child = world["child"]
    allocation = allocation_set(
        actor=world["tm"], person_id=child.pk, role="social_worker", user_id=world["sw"].pk
    )
    add = reverse("people:allocation_add", args=[child.pk])
    end = reverse("people:allocation_end", args=[child.pk, allocation.pk])
    for who in ("sw", "carer", "police", "other_sw"):
        client = signed_in(world[who])
        record = client.get(reverse("people:detail", args=[child.pk])).content.decode()
        assert add not in record and end not in record
        assert client.get(add).status_code == 404
        assert (
            client.post(add, {"role": "social_worker", "user": world["iro"].pk}).status_code == 404
        )
        assert client.post(end, {"reason": "x"}).status_code == 404
    assert AllocatedWorker.objects.get(pk=allocation.pk).ended_on is None
    assert AllocatedWorker.objects.count() == 1

"""Issue 8, the people half: access to a child is checked at one choke point
(``selectors.get_person_for_user``), and nobody opens a child to another organisation
except by the two acts meant for it: a placement recorded by the responsible authority,
and a share. Each finding is tested through the service, the API and the page.

- A children's services user could name another council as placing authority, or move the
  home authority, and so give that council (and its carers) the child.
- Ending a flag answered differently for a missing flag and a flag of a child the user may
  not see.
- Analysts (and administrators) could search for and open any child's record.
"""

from __future__ import annotations

import json
import re
from dataclasses import replace
from datetime import date, timedelta

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from misper.core.errors import NotFound, PermissionDenied, ValidationFailed
from misper.core.models import AuditEvent, TimelineEvent
from misper.people.models import Flag, Person, PersonShare, Placement
from misper.people.selectors import get_person_for_user, person_search
from misper.people.services import (
    PersonDetails,
    flag_end,
    flag_raise,
    person_create,
    person_share,
    person_share_end,
    person_update,
    placement_record,
)

pytestmark = pytest.mark.django_db

JSON = "application/json"
FUTURE = timezone.localdate() + timedelta(days=30)


def events(person, verb=None):
    qs = TimelineEvent.objects.filter(subject_type="person", subject_id=str(person.pk))
    return qs.filter(verb=verb) if verb else qs


def audits(person, action=None):
    qs = AuditEvent.objects.filter(subject_type="person", subject_id=str(person.pk))
    return qs.filter(action=action) if action else qs


def signed_in(user) -> Client:
    """A separate browser, so that two users can take turns within a test."""
    TOTP.activate(user, generate_totp_secret())
    client = Client()
    client.force_login(user)
    return client


def counts():
    """Everything a refused request must leave as it was."""
    return (
        Person.objects.count(),
        Placement.objects.count(),
        Flag.objects.count(),
        Flag.objects.filter(ended_at__isnull=True).count(),
        PersonShare.objects.count(),
        PersonShare.objects.filter(ended_at__isnull=True).count(),
        TimelineEvent.objects.count(),
        AuditEvent.objects.count(),
    )


def sees(user, person) -> bool:
    """Whether the user may open the child's record (without writing an audit row)."""
    from misper.people.selectors import people_for_user

    return people_for_user(user).filter(pk=person.pk).exists()


def details_of(person, **change) -> PersonDetails:
    values = {
        "given_name": person.given_name,
        "family_name": person.family_name,
        "date_of_birth": person.date_of_birth,
        "sex": person.sex,
        "ethnicity": person.ethnicity,
        "phone": person.phone,
        "home_authority": person.home_authority,
    }
    values.update(change)
    return PersonDetails(**values)


def place(region, child, **change):
    data = {
        "actor": region["vale_sw"],
        "person_id": child.pk,
        "placement_type": "children_home",
        "address": "1 Birch Lane",
        "provider": region["home"],
        "placing_authority": region["vale"],
        "host_authority": region["vale"],
        "started_on": date(2025, 1, 1),
    }
    data.update(change)
    return placement_record(**data)


@pytest.fixture
def analyst(region, make_user):
    return make_user("analyst", organisation=region["force"])


# --- The choke point ---------------------------------------------------------------------


def test_missing_and_unseen_children_are_the_same_not_found_and_leave_no_audit_row(region, child):
    before = counts()
    answers = []
    for person_id in (child.pk, child.pk + 1000):
        with pytest.raises(NotFound) as exc:
            get_person_for_user(
                region["harbour_sw"], person_id, action="people.change", purpose="test"
            )
        answers.append((type(exc.value), exc.value.message, exc.value.field))
    assert answers[0] == answers[1] == (NotFound, "No such child", None)
    assert counts() == before


def test_a_child_seen_but_not_to_be_changed_is_permission_denied_without_an_audit_row(
    region, child
):
    place(region, child)
    before = counts()
    with pytest.raises(PermissionDenied):
        get_person_for_user(region["carer"], child.pk, action="people.change", purpose="test")
    assert counts() == before
    person = get_person_for_user(region["carer"], child.pk, purpose="view record")
    assert person.pk == child.pk
    assert audits(child, "read").filter(user=region["carer"], purpose="view record").count() == 1


def test_a_services_change_audits_its_read_in_its_own_transaction(region, child):
    """The service's read is audited only when the change goes through: a refused change
    rolls its audit row back with everything else."""
    before = audits(child).count()
    with pytest.raises(ValidationFailed):
        flag_raise(
            actor=region["officer"], person_id=child.pk, kind="cse", evidence="", review_on=FUTURE
        )
    assert audits(child).count() == before
    flag_raise(
        actor=region["officer"], person_id=child.pk, kind="cse", evidence="e", review_on=FUTURE
    )
    assert audits(child).filter(user=region["officer"], purpose="raise flag").count() == 1


# --- Finding 1: placements name the user's own authority ----------------------------------


def test_service_refuses_a_placement_naming_another_placing_authority(region, child):
    before = counts()
    with pytest.raises(ValidationFailed) as exc:
        place(region, child, placing_authority=region["harbour"], provider=region["other_home"])
    assert exc.value.field == "placing_authority"
    assert counts() == before
    child.refresh_from_db()
    assert child.home_authority == region["vale"]
    assert not sees(region["harbour_sw"], child) and not sees(region["other_carer"], child)
    with pytest.raises(NotFound):
        get_person_for_user(region["harbour_sw"], child.pk, purpose="view record")


def test_only_the_responsible_authority_records_placements(region, child):
    """Harbour hosts the child (an out-of-area placement by Vale) and so sees her, but
    Vale stays responsible (R-OWN-08): Harbour may not place her, not even naming itself."""
    place(region, child, host_authority=region["harbour"])
    assert sees(region["harbour_sw"], child)
    before = counts()
    with pytest.raises(PermissionDenied):
        place(
            region,
            child,
            actor=region["harbour_sw"],
            placing_authority=region["harbour"],
            host_authority=region["harbour"],
            started_on=date(2025, 6, 1),
        )
    assert counts() == before
    child.refresh_from_db()
    assert child.home_authority == region["vale"]


def test_a_child_with_no_responsible_authority_is_placed_by_an_authority_that_sees_them(
    region, make_user
):
    """Police record a child without a home authority; a social worker allocated to the
    child records the placement and their authority becomes responsible."""
    from misper.people.models import AllocatedWorker

    person = person_create(
        actor=region["call_handler"],
        details=PersonDetails(given_name="Ana", family_name="Lee", date_of_birth=date(2012, 1, 1)),
    )
    assert person.home_authority is None
    AllocatedWorker.objects.create(person=person, user=region["harbour_sw"], role="social_worker")
    place(
        region,
        person,
        actor=region["harbour_sw"],
        placing_authority=region["harbour"],
        host_authority=region["vale"],
    )
    person.refresh_from_db()
    assert person.home_authority == region["harbour"]


def test_an_out_of_area_placement_opens_the_child_to_the_host_and_the_provider(region, child):
    """The host authority and the provider may be others: they must see the child
    (R-OOA-01, R-NTF-32). That is the consequence of recording such a placement."""
    assert not sees(region["harbour_sw"], child) and not sees(region["carer"], child)
    place(region, child, host_authority=region["harbour"])
    assert sees(region["harbour_sw"], child) and sees(region["carer"], child)
    assert events(child, "placement_recorded").get().changes["out_of_area"] is True


def test_api_refuses_a_placement_naming_another_placing_authority(region, child, mfa_client):
    before = counts()
    response = mfa_client(region["vale_sw"]).post(
        f"/api/v1/people/{child.pk}/placements",
        {
            "placement_type": "children_home",
            "address": "Elm House",
            "provider": region["other_home"].pk,
            "placing_authority": region["harbour"].pk,
            "host_authority": region["harbour"].pk,
            "started_on": "2025-01-01",
        },
        content_type=JSON,
    )
    assert response.status_code == 400
    assert response.json()["field"] == "placing_authority"
    assert counts() == before
    assert signed_in(region["harbour_sw"]).get(f"/api/v1/people/{child.pk}").status_code == 404


def test_page_refuses_a_placement_naming_another_placing_authority(region, child, mfa_client):
    url = reverse("people:placement_add", args=[child.pk])
    before = counts()
    response = mfa_client(region["vale_sw"]).post(
        url,
        {
            "placement_type": "children_home",
            "address": "Elm House",
            "provider": str(region["other_home"].pk),
            "placing_authority": str(region["harbour"].pk),
            "host_authority": str(region["harbour"].pk),
            "started_on_day": "1",
            "started_on_month": "1",
            "started_on_year": "2025",
        },
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert 'href="#id_placing_authority"' in body
    assert "The placing authority must be your own authority (Vale)" in body
    # The page's own read is audited (the user may open it); nothing else changed.
    assert counts()[:-1] == before[:-1]
    response = signed_in(region["harbour_sw"]).get(reverse("people:detail", args=[child.pk]))
    assert response.status_code == 404


# --- Finding 1: the home authority is not moved ---------------------------------------------


@pytest.mark.parametrize("who", ["vale_sw", "officer"])
def test_service_refuses_moving_the_home_authority(region, child, who):
    before = counts()
    for new in (region["harbour"], None):
        with pytest.raises(ValidationFailed) as exc:
            person_update(
                actor=region[who],
                person_id=child.pk,
                version=child.version,
                details=details_of(child, home_authority=new),
            )
        assert exc.value.field == "home_authority"
        assert "share the record" in exc.value.message
    assert counts() == before
    child.refresh_from_db()
    assert child.home_authority == region["vale"]
    assert not sees(region["harbour_sw"], child)


def test_police_record_an_empty_home_authority_so_that_its_childrens_services_are_told(region):
    blank = PersonDetails(given_name="Ana", family_name="Lee", date_of_birth=date(2012, 1, 1))
    person = person_create(actor=region["call_handler"], details=blank)
    assert not sees(region["harbour_sw"], person)
    person_update(
        actor=region["officer"],
        person_id=person.pk,
        version=person.version,
        details=details_of(person, home_authority=region["harbour"]),
    )
    person.refresh_from_db()
    assert person.home_authority == region["harbour"] and sees(region["harbour_sw"], person)
    assert events(person, "person_updated").get().changes["home_authority"] == {
        "from": None,
        "to": "Harbour",
    }


def test_childrens_services_may_not_name_another_home_authority(region, make_user):
    blank = PersonDetails(given_name="Ana", family_name="Lee", date_of_birth=date(2012, 1, 1))
    before = counts()
    with pytest.raises(ValidationFailed) as exc:
        person_create(
            actor=region["vale_sw"],
            details=replace(blank, home_authority=region["harbour"]),
        )
    assert exc.value.field == "home_authority"
    assert counts() == before
    # Police record a child without one; an allocated Harbour social worker may record
    # Harbour, never Vale.
    from misper.people.models import AllocatedWorker

    person = person_create(actor=region["call_handler"], details=blank)
    AllocatedWorker.objects.create(person=person, user=region["harbour_sw"], role="social_worker")
    with pytest.raises(ValidationFailed) as exc:
        person_update(
            actor=region["harbour_sw"],
            person_id=person.pk,
            version=person.version,
            details=details_of(person, home_authority=region["vale"]),
        )
    assert exc.value.field == "home_authority"
    person_update(
        actor=region["harbour_sw"],
        person_id=person.pk,
        version=person.version,
        details=details_of(person, home_authority=region["harbour"]),
    )
    person.refresh_from_db()
    assert person.home_authority == region["harbour"]


def test_api_refuses_moving_the_home_authority(region, child, mfa_client):
    before = counts()
    response = mfa_client(region["vale_sw"]).put(
        f"/api/v1/people/{child.pk}",
        {
            "given_name": "Jayden",
            "family_name": "Oakes",
            "date_of_birth": "2011-04-02",
            "sex": "male",
            "ethnicity": "WBRI",
            "phone": "07700 900123",
            "home_authority": region["harbour"].pk,
            "version": child.version,
        },
        content_type=JSON,
    )
    assert response.status_code == 400
    assert response.json()["field"] == "home_authority"
    assert counts() == before
    assert signed_in(region["harbour_sw"]).get(f"/api/v1/people/{child.pk}").status_code == 404


def test_page_refuses_moving_the_home_authority(region, child, mfa_client):
    response = mfa_client(region["vale_sw"]).post(
        reverse("people:edit", args=[child.pk]),
        {
            "given_name": "Jayden",
            "family_name": "Oakes",
            "date_of_birth_day": "2",
            "date_of_birth_month": "4",
            "date_of_birth_year": "2011",
            "sex": "male",
            "ethnicity": "WBRI",
            "phone": "07700 900123",
            "home_authority": str(region["harbour"].pk),
            "care_status": "at_home",
            "version": str(child.version),
        },
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert 'href="#id_home_authority"' in body and "Share this record" in body
    child.refresh_from_db()
    assert child.home_authority == region["vale"] and child.version == 1
    assert not events(child, "person_updated").exists()
    response = signed_in(region["harbour_sw"]).get(reverse("people:detail", args=[child.pk]))
    assert response.status_code == 404


# --- Sharing is a decision of its own --------------------------------------------------------


def test_sharing_gives_the_other_council_access_and_ending_it_takes_it_away(region, child):
    assert not sees(region["harbour_sw"], child)
    share = person_share(
        actor=region["vale_sw"],
        person_id=child.pk,
        organisation=region["harbour"],
        reason="Moving to her aunt in Harbour",
    )
    assert sees(region["harbour_sw"], child)
    assert get_person_for_user(region["harbour_sw"], child.pk, purpose="view record")
    shared = events(child, "record_shared").get()
    assert shared.changes == {"shared_with": "Harbour"}
    assert shared.rationale == "Moving to her aunt in Harbour"
    row = audits(child, "share").get()
    assert row.user == region["vale_sw"] and row.reason == "Moving to her aunt in Harbour"
    assert "Harbour" in row.purpose
    # Harbour sees the child, but the decision stays Vale's: Harbour may not place her,
    # share her further or end the share.
    with pytest.raises(PermissionDenied):
        person_share(
            actor=region["harbour_sw"],
            person_id=child.pk,
            organisation=region["other_home"],
            reason="x",
        )
    with pytest.raises(PermissionDenied):
        person_share_end(actor=region["harbour_sw"], share_id=share.pk, reason="x")
    with pytest.raises(PermissionDenied):
        place(
            region,
            child,
            actor=region["harbour_sw"],
            placing_authority=region["harbour"],
            host_authority=region["harbour"],
        )

    person_share_end(actor=region["vale_sw"], share_id=share.pk, reason="Stayed in Vale")
    assert not sees(region["harbour_sw"], child)
    with pytest.raises(NotFound):
        get_person_for_user(region["harbour_sw"], child.pk, purpose="view record")
    ended = events(child, "share_ended").get()
    assert ended.rationale == "Stayed in Vale"
    assert audits(child, "share_ended").get().user == region["vale_sw"]
    share.refresh_from_db()
    assert share.ended_by == region["vale_sw"] and share.ended_reason == "Stayed in Vale"


def test_sharing_with_a_care_provider_lets_its_carers_see_the_child(region, child):
    assert not sees(region["other_carer"], child)
    person_share(
        actor=region["vale_sw"],
        person_id=child.pk,
        organisation=region["other_home"],
        reason="Respite stays at Elm House",
    )
    assert sees(region["other_carer"], child)
    assert not sees(region["carer"], child)


@pytest.mark.parametrize(
    "who,error", [("harbour_sw", NotFound), ("officer", PermissionDenied), ("carer", NotFound)]
)
def test_only_the_home_authoritys_childrens_services_share(region, child, who, error):
    before = counts()
    with pytest.raises(error):
        person_share(
            actor=region[who], person_id=child.pk, organisation=region["harbour"], reason="x"
        )
    assert counts() == before


@pytest.mark.parametrize(
    "organisation,reason,field",
    [
        ("force", "x", "organisation"),
        ("vale", "x", "organisation"),
        (None, "x", "organisation"),
        ("harbour", " ", "reason"),
    ],
)
def test_share_errors_name_the_field_and_write_nothing(region, child, organisation, reason, field):
    before = counts()
    with pytest.raises(ValidationFailed) as exc:
        person_share(
            actor=region["vale_sw"],
            person_id=child.pk,
            organisation=region[organisation] if organisation else None,
            reason=reason,
        )
    assert exc.value.field == field
    assert counts() == before


def test_a_record_is_shared_once_with_an_organisation(region, child):
    person_share(
        actor=region["vale_sw"], person_id=child.pk, organisation=region["harbour"], reason="x"
    )
    before = counts()
    with pytest.raises(ValidationFailed) as exc:
        person_share(
            actor=region["vale_sw"], person_id=child.pk, organisation=region["harbour"], reason="y"
        )
    assert exc.value.field == "organisation"
    assert counts() == before


def test_api_share_and_end(region, child, mfa_client):
    vale = mfa_client(region["vale_sw"])
    response = vale.post(
        f"/api/v1/people/{child.pk}/shares",
        {"organisation": region["harbour"].pk, "reason": "Moving to Harbour"},
        content_type=JSON,
    )
    assert response.status_code == 201, response.json()
    share = response.json()
    assert share["organisation"] == {"id": region["harbour"].pk, "name": "Harbour"}
    assert share["active"] is True and share["reason"] == "Moving to Harbour"
    assert events(child, "record_shared").count() == 1 and audits(child, "share").count() == 1

    record = vale.get(f"/api/v1/people/{child.pk}").json()
    assert [s["id"] for s in record["shares"]] == [share["id"]]

    harbour = signed_in(region["harbour_sw"])
    assert harbour.get(f"/api/v1/people/{child.pk}").status_code == 200
    # Harbour may see, not end, the share.
    refused = harbour.post(f"/api/v1/shares/{share['id']}/end", {"reason": "x"}, JSON)
    assert refused.status_code == 403

    ended = vale.post(f"/api/v1/shares/{share['id']}/end", {"reason": "Stayed"}, JSON)
    assert ended.status_code == 200
    assert ended.json()["active"] is False and ended.json()["ended_reason"] == "Stayed"
    assert events(child, "share_ended").count() == 1
    assert audits(child, "share_ended").count() == 1
    assert harbour.get(f"/api/v1/people/{child.pk}").status_code == 404


def test_api_share_errors(region, child, mfa_client):
    before = counts()
    vale = mfa_client(region["vale_sw"])
    bad = vale.post(
        f"/api/v1/people/{child.pk}/shares",
        {"organisation": region["force"].pk, "reason": "x"},
        content_type=JSON,
    )
    assert bad.status_code == 400 and bad.json()["field"] == "organisation"
    unknown = vale.post(
        f"/api/v1/people/{child.pk}/shares",
        {"organisation": 999999, "reason": "x"},
        content_type=JSON,
    )
    assert unknown.status_code == 400 and unknown.json()["field"] == "organisation"
    stranger = signed_in(region["harbour_sw"]).post(
        f"/api/v1/people/{child.pk}/shares",
        {"organisation": region["harbour"].pk, "reason": "x"},
        content_type=JSON,
    )
    assert stranger.status_code == 404
    assert counts() == before


def test_api_share_end_is_the_same_for_a_missing_share_and_one_not_yours(region, child, mfa_client):
    share = person_share(
        actor=region["vale_sw"], person_id=child.pk, organisation=region["home"], reason="x"
    )
    client = mfa_client(region["other_carer"])
    before = counts()
    answers = []
    for share_id in (share.pk, share.pk + 1000):
        for reason in ("", "x"):
            response = client.post(f"/api/v1/shares/{share_id}/end", {"reason": reason}, JSON)
            answers.append((response.status_code, response.content))
    assert len(set(answers)) == 1
    assert answers[0][0] == 404 and b"No such share" in answers[0][1]
    assert counts() == before


def test_share_pages(region, child, mfa_client):
    vale = mfa_client(region["vale_sw"])
    detail = reverse("people:detail", args=[child.pk])
    page = vale.get(detail).content.decode()
    assert reverse("people:share_add", args=[child.pk]) in page
    assert "Not shared with any other organisation" in page

    form = vale.get(reverse("people:share_add", args=[child.pk]))
    assert form.status_code == 200
    body = form.content.decode()
    assert "Share this record" in body
    assert "Harbour (Local authority children" in body and "Birch Lodge (Children" in body
    assert "Force (Police force)" not in body

    missing = vale.post(reverse("people:share_add", args=[child.pk]), {"organisation": ""})
    assert missing.status_code == 400
    assert 'href="#id_organisation"' in missing.content.decode()
    assert not PersonShare.objects.exists()

    response = vale.post(
        reverse("people:share_add", args=[child.pk]),
        {"organisation": str(region["harbour"].pk), "reason": "Moving to Harbour"},
    )
    assert response.status_code == 302
    share = PersonShare.objects.get()
    harbour = signed_in(region["harbour_sw"])
    assert harbour.get(detail).status_code == 200
    # Only the home authority is offered sharing and ending.
    harbour_page = harbour.get(detail).content.decode()
    assert reverse("people:share_add", args=[child.pk]) not in harbour_page
    assert harbour.get(reverse("people:share_add", args=[child.pk])).status_code == 404
    end_url = reverse("people:share_end", args=[child.pk, share.pk])
    assert harbour.get(end_url).status_code == 404

    page = vale.get(detail).content.decode()
    shares = page[page.index('data-testid="shares"') :]
    assert "Harbour" in shares and "Moving to Harbour" in shares and end_url in shares

    assert vale.get(end_url).status_code == 200
    empty = vale.post(end_url, {"reason": ""})
    assert empty.status_code == 400 and 'href="#id_reason"' in empty.content.decode()
    assert vale.post(end_url, {"reason": "Stayed in Vale"}).status_code == 302
    share.refresh_from_db()
    assert not share.active
    assert harbour.get(detail).status_code == 404
    assert events(child, "record_shared").count() == 1
    assert events(child, "share_ended").count() == 1
    assert audits(child, "share").count() == 1 and audits(child, "share_ended").count() == 1


# --- Finding 2: ending a flag answers the same whether it exists or not ----------------------


def _unseen_flag(region, child):
    return flag_raise(
        actor=region["officer"], person_id=child.pk, kind="cse", evidence="e", review_on=FUTURE
    )


def test_service_flag_end_is_the_same_for_a_missing_flag_and_one_not_yours(region, child):
    flag = _unseen_flag(region, child)
    before = counts()
    answers = []
    for flag_id in (flag.pk, flag.pk + 1000):
        for reason in ("", "x" * 5000, "Reviewed"):
            with pytest.raises(NotFound) as exc:
                flag_end(actor=region["harbour_sw"], flag_id=flag_id, reason=reason)
            answers.append((type(exc.value), exc.value.message, exc.value.field))
    assert set(answers) == {(NotFound, "No such flag", None)}
    assert counts() == before


def test_api_flag_end_is_byte_identical_for_a_missing_flag_and_one_not_yours(
    region, child, mfa_client
):
    flag = _unseen_flag(region, child)
    client = mfa_client(region["harbour_sw"])
    before = counts()
    answers = {}
    for label, flag_id in (("not yours", flag.pk), ("missing", flag.pk + 1000)):
        for body in ({}, {"reason": ""}, {"reason": "x" * 5000}, {"reason": "Reviewed"}):
            response = client.post(f"/api/v1/flags/{flag_id}/end", body, content_type=JSON)
            answers[(label, str(body)[:40])] = (response.status_code, response.content)
    assert len(set(answers.values())) == 1, answers
    status, content = next(iter(answers.values()))
    assert status == 404
    assert json.loads(content) == {"code": "not_found", "message": "No such flag", "field": None}
    assert counts() == before
    flag.refresh_from_db()
    assert flag.active


def test_page_flag_end_is_the_same_for_a_missing_flag_and_one_not_yours(region, child, mfa_client):
    flag = _unseen_flag(region, child)
    client = mfa_client(region["harbour_sw"])
    before = counts()
    pages = set()
    for flag_id in (flag.pk, flag.pk + 1000):
        url = reverse("people:flag_end", args=[child.pk, flag_id])
        for data in (None, {"reason": ""}, {"reason": "x"}):
            response = client.post(url, data) if data is not None else client.get(url)
            assert response.status_code == 404
            body = response.content.decode()
            assert "Page not found" in body and "Jayden" not in body
            # The same page but for the per-request nonce and masked CSRF token.
            pages.add(re.sub(r'(nonce|value)="[^"]*"', "", body))
    assert len(pages) == 1
    assert counts() == before


# --- Finding 3: analysts and administrators do not open children's records -----------------


@pytest.mark.parametrize("who", ["analyst", "admin", "rhi"])
def test_analysts_and_others_neither_search_nor_open_a_record(region, child, analyst, who):
    user = analyst if who == "analyst" else region[who]
    before = counts()
    with pytest.raises(NotFound):
        get_person_for_user(user, child.pk, purpose="view record")
    with pytest.raises(NotFound):
        person_search(user, name="Jayden Oakes")
    assert counts() == before


def test_analyst_gets_404_through_the_api(region, child, analyst, mfa_client):
    client = mfa_client(analyst)
    response = client.get(f"/api/v1/people/{child.pk}")
    assert response.status_code == 404 and "Jayden" not in response.content.decode()
    response = client.post("/api/v1/people/search", {"name": "Jayden"}, content_type=JSON)
    assert response.status_code == 404
    assert not audits(child).filter(user=analyst).exists()


def test_analyst_gets_page_not_found(region, child, analyst, mfa_client):
    client = mfa_client(analyst)
    for url in (reverse("people:detail", args=[child.pk]), reverse("people:search")):
        response = client.get(url)
        assert response.status_code == 404 and "Jayden" not in response.content.decode()
    assert client.post(reverse("people:search"), {"name": "Jayden"}).status_code == 404
    assert not audits(child).filter(user=analyst).exists()


def test_an_analyst_who_is_also_an_officer_still_opens_records(region, child, make_user):
    both = make_user("analyst", "investigating_officer", organisation=region["area"])
    assert get_person_for_user(both, child.pk, purpose="view record").pk == child.pk

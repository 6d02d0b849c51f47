"""What the DfE's SSDA903 return needs that Misper did not hold (R-DAT-04; docs/insights.md):
the child's unique pupil number and whether she is a mother, and with each placement its
legal status, category of need, DfE placement type, provider, Ofsted number, the reason
for the move and the home postcode before care. Recorded on the child's and the placement
pages and through the API, checked by the services, refused naming the field."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from misper.core.errors import ValidationFailed
from misper.people.models import Person, Placement
from misper.people.services import PersonDetails, person_create, person_update
from tests.insights.conftest import place

pytestmark = pytest.mark.django_db


def details(**kw):
    base = {"given_name": "Ava", "family_name": "Reid", "date_of_birth": date(2012, 5, 1)}
    return PersonDetails(**{**base, **kw})


@pytest.mark.parametrize(
    ("kw", "field"),
    [
        ({"upn": "I123456789012"}, "upn"),  # never I, O or S first
        ({"upn": "A12345"}, "upn"),
        ({"upn": "UN6"}, "upn"),
        ({"sex": "male", "is_mother": False}, "is_mother"),
        ({"sex": "female", "is_mother": True}, "first_child_born_on"),
        (
            {"sex": "female", "is_mother": False, "first_child_born_on": date(2026, 1, 1)},
            "first_child_born_on",
        ),
        (
            {"sex": "female", "is_mother": True, "first_child_born_on": date(2011, 1, 1)},
            "first_child_born_on",
        ),
    ],
)
def test_the_childs_return_details_are_checked(region, kw, field):
    with pytest.raises(ValidationFailed) as exc:
        person_create(actor=region["social_worker"], details=details(**kw))
    assert exc.value.field == field


def test_the_childs_return_details_are_kept(region):
    ava = person_create(
        actor=region["social_worker"],
        details=details(
            sex="female",
            upn="a123 4567 89012",
            is_mother=True,
            first_child_born_on=date(2026, 2, 1),
        ),
    )
    assert (ava.upn, ava.is_mother, ava.first_child_born_on) == (
        "A123456789012",
        True,
        date(2026, 2, 1),
    )
    ava = person_update(
        actor=region["social_worker"],
        person_id=ava.pk,
        version=ava.version,
        details=details(sex="female", upn="UN2", home_authority=region["vale"]),
    )
    assert (ava.upn, ava.is_mother, ava.first_child_born_on) == ("UN2", None, None)


@pytest.mark.parametrize(
    ("kw", "field"),
    [
        ({"legal_status": "C9"}, "legal_status"),
        ({"category_of_need": "N9"}, "category_of_need"),
        ({"dfe_placement_type": "H5"}, "dfe_placement_type"),  # before 2025 to 2026
        ({"provided_by": "PR9"}, "provided_by"),
        ({"ofsted_urn": "ABC"}, "ofsted_urn"),
        ({"change_reason": "CHILD"}, "change_reason"),  # a first placement: no move
    ],
)
def test_a_placements_return_details_are_checked(region, kw, field):
    with pytest.raises(ValidationFailed) as exc:
        place(region, region["ava"], date(2026, 5, 1), **kw)
    assert exc.value.field == field
    assert not Placement.objects.filter(person=region["ava"]).exists()


def test_the_placement_page_records_them(region, mfa_client):
    ava = region["ava"]
    client = mfa_client(region["social_worker"])
    url = reverse("people:placement_add", args=[ava.pk])
    form = client.get(url).content.decode()
    for name in (
        "legal_status",
        "category_of_need",
        "dfe_placement_type",
        "provided_by",
        "ofsted_urn",
        "change_reason",
        "home_postcode",
    ):
        assert f'name="{name}"' in form
    response = client.post(
        url,
        {
            "placement_type": "foster_care",
            "address": "3 Elm Road, Worcester",
            "postcode": "WR2 4AA",
            "placing_authority": region["vale"].pk,
            "started_on_day": "1",
            "started_on_month": "5",
            "started_on_year": "2026",
            "legal_status": "C2",
            "category_of_need": "N1",
            "dfe_placement_type": "U6",
            "provided_by": "PR4",
            "ofsted_urn": "sc222222",
            "home_postcode": "wr5 1aa",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    p = Placement.objects.get(person=ava)
    assert (p.legal_status, p.category_of_need, p.dfe_placement_type, p.provided_by) == (
        "C2",
        "N1",
        "U6",
        "PR4",
    )
    assert (p.ofsted_urn, p.home_postcode, p.change_reason) == ("SC222222", "WR5 1AA", "")
    record = client.get(reverse("people:detail", args=[ava.pk])).content.decode()
    assert "Full care order (C2)" in record and "Ofsted SC222222" in record
    assert "A123456789012" in record


def test_the_api_records_and_shows_them(region, mfa_client):
    ava = region["ava"]
    client = mfa_client(region["social_worker"])
    response = client.post(
        f"/api/v1/people/{ava.pk}/placements",
        {
            "placement_type": "children_home",
            "address": "1 Birch Lane, Worcester",
            "postcode": "WR1 1AA",
            "placing_authority": region["vale"].pk,
            "started_on": "2026-05-01",
            "dfe": {"legal_status": "V2", "category_of_need": "N4", "provided_by": "PR1"},
        },
        content_type="application/json",
    )
    assert response.status_code == 201, response.json()
    assert response.json()["dfe"] == {
        "legal_status": "V2",
        "category_of_need": "N4",
        "dfe_placement_type": None,
        "provided_by": "PR1",
        "ofsted_urn": "",
        "change_reason": None,
        "home_postcode": "",
    }
    person = client.get(f"/api/v1/people/{ava.pk}").json()
    assert (person["upn"], person["is_mother"], person["first_child_born_on"]) == (
        "A123456789012",
        False,
        None,
    )
    bad = client.post(
        f"/api/v1/people/{ava.pk}/placements",
        {
            "placement_type": "children_home",
            "address": "x",
            "placing_authority": region["vale"].pk,
            "host_authority": region["vale"].pk,
            "started_on": "2026-06-01",
            "dfe": {"legal_status": "Z9"},
        },
        content_type="application/json",
    )
    assert bad.status_code == 422 and bad.json()["field"] == "dfe.legal_status"
    assert Person.objects.get(pk=ava.pk).placements.count() == 1


def test_an_earlier_placements_details_are_completed_on_its_page(region, mfa_client):
    """A placement recorded without them (before they were asked) is completed later, by the
    authority that made it; the reason for the move only where there was a move."""
    ava = region["ava"]
    first = place(region, ava, date(2026, 5, 1))
    second = place(region, ava, date(2026, 7, 1), postcode="WR2 4AA")
    client = mfa_client(region["social_worker"])
    record = client.get(reverse("people:detail", args=[ava.pk])).content.decode()
    url = reverse("people:placement_return", args=[ava.pk, first.pk])
    assert url in record and reverse("people:placement_return", args=[ava.pk, second.pk]) in record
    assert client.get(url).status_code == 200
    version = Person.objects.get(pk=ava.pk).version
    refused = client.post(url, {"version": version, "change_reason": "CHILD"})
    assert refused.status_code == 400
    assert "There is no previous placement to leave" in refused.content.decode()
    done = client.post(url, {"version": version, "legal_status": "C2", "category_of_need": "N1"})
    assert done.status_code == 302
    first.refresh_from_db()
    assert (first.legal_status, first.category_of_need) == ("C2", "N1")
    # A stale version is refused; the move's reason on the second placement is kept.
    stale = client.post(
        reverse("people:placement_return", args=[ava.pk, second.pk]),
        {"version": version, "change_reason": "CHILD"},
    )
    assert stale.status_code == 400 and "Someone else changed this record" in stale.content.decode()
    response = client.put(
        f"/api/v1/people/{ava.pk}/placements/{second.pk}/dfe",
        {"version": version + 1, "change_reason": "CHILD", "legal_status": "C2"},
        content_type="application/json",
    )
    assert response.status_code == 200, response.json()
    assert response.json()["dfe"]["change_reason"] == "CHILD"
    # Nobody else: the police see the child but do not record placements.
    police = mfa_client(region["inspector"])
    assert police.get(url).status_code == 404
    assert (
        police.put(
            f"/api/v1/people/{ava.pk}/placements/{second.pk}/dfe",
            {"version": version + 2},
            content_type="application/json",
        ).status_code
        == 403
    )
    client.force_login(region["social_worker"])  # the same test client, signed in again
    assert (
        client.put(
            f"/api/v1/people/{ava.pk}/placements/987654/dfe",
            {"version": version + 2},
            content_type="application/json",
        ).json()["message"]
        == "No such placement"
    )

"""The flag-request pages through Django's test client: a return interview asks the police to
flag the child; the force's missing person and CSE coordinators list the requests and accept
(the flag is placed, reviewed within 12 months) or decline them with a reason; anyone else,
and a coordinator of another force, gets "Page not found" and changes nothing."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.test import Client
from django.utils import timezone

from misper.core.validation import shift_years
from misper.people.models import Flag, FlagRequest, FlagRequestStatus
from misper.people.services import PersonDetails, person_create
from misper.returns import services
from misper.returns.models import Arrangement
from tests.returns.journey import found_child, interviewed

pytestmark = pytest.mark.django_db


def signed_in(user) -> Client:
    TOTP.activate(user, generate_totp_secret())
    client = Client()
    client.force_login(user)
    return client


def text(response) -> str:
    return response.content.decode()


@pytest.fixture
def asked(make_org, make_user):
    """A child interviewed by Streetwise, who asked Vale Police to flag her for CSE."""
    force = make_org("police_force", name="Vale Police", policy_profile="west-midlands-2015")
    area = make_org("policing_area", name="North", parent=force)
    other_force = make_org(
        "police_force", name="Harbour Police", policy_profile="west-midlands-2015"
    )
    vale = make_org("local_authority", name="Vale Council")
    streetwise = make_org("rhi_provider", name="Streetwise", local_authority=vale)
    Arrangement.objects.create(authority=vale, provider=streetwise)
    police = make_user("call_handler", organisation=area)
    worker = make_user("return_interview_worker", organisation=streetwise)
    child = person_create(
        actor=police,
        details=PersonDetails(
            given_name="Keira",
            family_name="Lomax",
            date_of_birth=date(2011, 6, 14),
            home_authority=vale,
        ),
    )
    found_at = timezone.now().replace(microsecond=0) - timedelta(hours=5)
    referral = found_child(police=police, person=child, found_at=found_at)
    assert referral is not None
    interviewed(worker, referral, held_at=found_at + timedelta(hours=2))
    request = services.item_share(
        actor=worker,
        referral_id=referral.pk,
        item=services.ItemInput(
            kind="flag_request",
            text="",
            flag_kind="cse",
            detail="Older boyfriend supplying alcohol",
            legal_basis="ca2004_s11",
        ),
    ).flag_request
    return {
        "child": child,
        "request": request,
        "coordinator": make_user("missing_person_coordinator", organisation=force),
        "cse_coordinator": make_user("cse_coordinator", organisation=area),
        "elsewhere": make_user("missing_person_coordinator", organisation=other_force),
        "police": police,
        "worker": worker,
        "sw": make_user("social_worker", organisation=vale),
    }


def test_a_coordinator_lists_the_forces_requests(asked):
    for who in ("coordinator", "cse_coordinator"):
        page = text(signed_in(asked[who]).get("/people/flag-requests/"))
        assert "Keira Lomax" in page
        assert "Child sexual exploitation" in page
        assert "Streetwise" in page
        assert f"/people/flag-requests/{asked['request'].pk}/" in page


def test_the_navigation_shows_flag_requests_to_coordinators_only(asked):
    assert 'href="/people/flag-requests/"' in text(signed_in(asked["coordinator"]).get("/"))
    assert 'href="/people/flag-requests/"' not in text(signed_in(asked["police"]).get("/"))


def test_a_coordinator_of_another_force_has_an_empty_list_and_no_request(asked):
    client = signed_in(asked["elsewhere"])
    page = text(client.get("/people/flag-requests/"))
    assert "Keira" not in page and "No requests are waiting" in page
    path = f"/people/flag-requests/{asked['request'].pk}/"
    assert client.get(path).status_code == 404
    assert client.post(path, {"decision": "accept"}).status_code == 404
    asked["request"].refresh_from_db()
    assert asked["request"].status == FlagRequestStatus.PENDING


@pytest.mark.parametrize("who", ["police", "worker", "sw"])
def test_anyone_else_gets_page_not_found(asked, who):
    client = signed_in(asked[who])
    path = f"/people/flag-requests/{asked['request'].pk}/"
    assert client.get("/people/flag-requests/").status_code == 404
    assert client.get(path).status_code == 404
    assert client.post(path, {"decision": "accept"}).status_code == 404
    assert not Flag.objects.filter(person=asked["child"]).exists()


def test_the_request_page_shows_what_was_asked_and_accepting_places_the_flag(asked):
    client = signed_in(asked["coordinator"])
    path = f"/people/flag-requests/{asked['request'].pk}/"
    page = text(client.get(path))
    assert f'href="/people/{asked["child"].pk}/"' in page
    assert "Older boyfriend supplying alcohol" in page
    assert "Return interview, Streetwise" in page
    review = shift_years(timezone.localdate(), 1)
    assert f'value="{review.year}"' in page  # the review date, 12 months on, filled in
    response = client.post(
        path,
        {
            "decision": "accept",
            "review_on_day": str(review.day),
            "review_on_month": str(review.month),
            "review_on_year": str(review.year),
        },
    )
    assert response.status_code == 302 and response["Location"] == "/people/flag-requests/"
    request = FlagRequest.objects.get(pk=asked["request"].pk)
    assert request.status == FlagRequestStatus.ACCEPTED
    assert request.flag is not None and request.flag.review_on == review
    assert request.flag.active and request.flag.kind == "cse"
    page = text(client.get(response["Location"]))
    assert "Flag placed" in page and "No requests are waiting" in page
    decided = text(client.get(path))  # decided: the decision is shown, and no form
    assert "Accepted: flag placed" in decided and 'name="decision"' not in decided
    again = client.post(path, {"decision": "accept"})
    assert again.status_code == 400 and "already been decided" in text(again)


def test_declining_needs_a_reason_named_on_its_field(asked):
    client = signed_in(asked["cse_coordinator"])
    path = f"/people/flag-requests/{asked['request'].pk}/"
    response = client.post(path, {"decision": "decline"})
    assert response.status_code == 400
    assert 'href="#id_reason"' in text(response)
    asked["request"].refresh_from_db()
    assert asked["request"].status == FlagRequestStatus.PENDING
    response = client.post(path, {"decision": "decline", "reason": "Already flagged by CSE team"})
    assert response.status_code == 302
    asked["request"].refresh_from_db()
    assert asked["request"].status == FlagRequestStatus.DECLINED
    assert not Flag.objects.filter(person=asked["child"]).exists()


def test_a_review_date_too_far_away_is_refused_on_its_field(asked):
    client = signed_in(asked["coordinator"])
    far = timezone.localdate() + timedelta(days=800)
    response = client.post(
        f"/people/flag-requests/{asked['request'].pk}/",
        {
            "decision": "accept",
            "review_on_day": str(far.day),
            "review_on_month": str(far.month),
            "review_on_year": str(far.year),
        },
    )
    assert response.status_code == 400
    assert 'href="#id_review_on"' in text(response)
    assert "within the next 12 months" in text(response)

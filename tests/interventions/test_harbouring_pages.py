"""The harbouring warning notice pages and API (R-HRB-01..07) through Django's test client:
a notice prepared by ticking the children linked to the adult and by record number, a
service's refusal shown on the field it names with what was typed kept and nothing saved;
the notice page citing each child's Act in words; served, breached and withdrawn on pages
of their own; "Page not found" for whoever may not see a notice or take a step; the
coordinator's desk and the child's record listing notices; the API's errors naming the
field sent."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from misper.core.models import AuditEvent
from misper.interventions.models import HarbouringNotice, NoticeBreach, NoticeStatus
from misper.people.models import Location
from misper.people.network import AdultDetails, adult_record, location_set_kind
from misper.people.services import place_add
from tests.interventions.notices import born, kid, notice_region, prepared, served
from tests.interventions.test_pages import day_parts, local_parts, signed_in, text
from tests.returns.test_api import Api, ok

pytestmark = pytest.mark.django_db


@pytest.fixture
def h(wmc, make_org, make_user) -> dict[str, Any]:
    return notice_region(wmc, make_org, make_user)


def new_url(r: dict[str, Any]) -> str:
    return f"/interventions/harbouring/new/?adult={r['adult'].pk}"


def named(html: str) -> list[tuple[str, ...]]:
    """The rows of the table of children named: the child and the Act cited, as read."""
    rows = re.findall(r'data-testid="named-child">(.*?)</tr>', html, re.S)
    cells = [re.findall(r"<td[^>]*>(.*?)</td>", row, re.S) for row in rows]
    return [tuple(re.sub(r"<[^>]+>", "", c).strip() for c in row) for row in cells]


def statement(**kw: Any) -> dict[str, str]:
    data = {
        "statement_by": "Jo Harris",
        "statement_role": "Team manager, Vale children's services",
        **day_parts("statement_on", timezone.localdate() - timedelta(days=1)),
        "statement_summary": "No contact whatsoever with the children named.",
    }
    data.update(kw)
    return data


def test_a_coordinator_prepares_a_notice_through_the_pages(h):
    """R-HRB-04, R-HRB-02: the children linked to the adult are offered; one ticked and one
    given by record number; each is named under their own Act, in words."""
    other = kid(h, "Noah", born(12))
    client = signed_in(h["coordinator"])
    page = client.get(new_url(h))
    assert page.status_code == 200
    body = text(page)
    assert "Prepare a harbouring warning notice" in body
    assert f"Maya Test, born {h['maya'].date_of_birth:%-d %B %Y} (record {h['maya'].pk})" in body
    assert "Ellie Test" in body and "Noah Test" not in body
    assert "Local authority whose manager made the statement" in body
    assert "civil injunction" in body and "(R-HRB-05)" in body  # the alternative, named
    response = client.post(
        new_url(h),
        {
            "children": [h["ellie"].pk],
            "other_children": str(other.pk),
            "authority": h["vale"].pk,
            **statement(),
        },
    )
    assert response.status_code == 302, text(response)
    n = HarbouringNotice.objects.get()
    assert response["Location"] == f"/interventions/harbouring/{n.pk}/"
    page = text(client.get(response["Location"]))
    assert "Harbouring warning notice prepared: it is not yet served" in page
    assert "Harbouring warning notice on Dean Hollis" in page
    assert named(page) == [
        ("Ellie Test", "Section 49 of the Children Act 1989"),
        ("Noah Test", "Section 2 of the Child Abduction Act 1984"),
    ]
    assert "Prepared, not yet served" in page
    assert "Record that it was served" in page and "Withdraw the notice" in page
    assert "Record a breach" not in page
    assert "Harbouring warning notice prepared" in page  # the history


def test_a_refusal_is_shown_on_the_field_keeping_what_was_typed(h):
    """R-HRB-02: Sam (17, at home) is refused by name on the children; a child whose record
    does not exist is "No such child" there; no child at all, R-HRB-04; nothing saved."""
    sam = kid(h, "Sam", born(17))
    client = signed_in(h["coordinator"])
    for children, words in (
        (
            {"children": [h["maya"].pk], "other_children": str(sam.pk)},
            "neither Act covers Sam Test",
        ),
        ({"other_children": "987654"}, "No such child"),
        ({}, "Name at least one child (R-HRB-04)"),
        ({"other_children": "12b"}, "record number as digits, separated by commas"),
    ):
        response = client.post(new_url(h), {**children, "authority": h["vale"].pk, **statement()})
        assert response.status_code == 400
        body = text(response)
        assert words in body
        assert "Jo Harris" in body  # what was typed is kept
    assert not HarbouringNotice.objects.exists()


def test_a_certified_refuge_is_refused_at_the_top(h):
    """R-HRB-07."""
    place_add(
        actor=h["social_worker"], person_id=h["maya"].pk, description="Haven", postcode="VL9 9RF"
    )
    place = Location.objects.get(postcode="VL9 9RF")
    location_set_kind(
        actor=h["coordinator"],
        location_id=place.pk,
        version=1,
        kind="certified_refuge",
        refuge_reference="S51/1",
    )
    refuge = adult_record(
        actor=h["coordinator"], details=AdultDetails(name="Ruth Lane", postcode="VL9 9RF")
    )
    client = signed_in(h["coordinator"])
    response = client.post(
        f"/interventions/harbouring/new/?adult={refuge.pk}",
        {"other_children": str(h["maya"].pk), "authority": h["vale"].pk, **statement()},
    )
    assert response.status_code == 400
    assert "certified refuge is never a harbourer (R-HRB-07)" in text(response)
    assert not HarbouringNotice.objects.exists()


def test_a_team_manager_names_no_authority(h):
    client = signed_in(h["team_manager"])
    page = text(client.get(new_url(h)))
    assert "Local authority whose manager made the statement" not in page
    response = client.post(new_url(h), {"children": [h["maya"].pk], **statement()})
    assert response.status_code == 302
    assert HarbouringNotice.objects.get().authority == h["vale"]


@pytest.mark.parametrize("who", ["call_handler", "social_worker", "carer", "analyst"])
def test_the_prepare_page_is_not_found_for_anyone_else(h, who):
    client = signed_in(h[who])
    reads = AuditEvent.objects.count()
    assert client.get(new_url(h)).status_code == 404
    assert client.post(new_url(h), statement()).status_code == 404
    assert AuditEvent.objects.count() == reads


def test_served_breached_and_withdrawn_through_the_pages(h):
    n = prepared(h, h["maya"], h["ellie"])
    sergeant = signed_in(h["sergeant"])
    serve = f"/interventions/harbouring/{n.pk}/serve/"
    page = text(sergeant.get(serve))
    assert "show them a photograph of each child named, and do not leave it with them" in page
    when = local_parts("served_at", timezone.now() - timedelta(minutes=20))
    # Without the photograph: refused on its field (R-HRB-04), nothing saved.
    response = sergeant.post(serve, {**when, "served_where": "4 Mill Row", "version": 1})
    assert response.status_code == 400
    assert "Show the adult a photograph of each child named" in text(response)
    assert HarbouringNotice.objects.get().status == NoticeStatus.PREPARED
    response = sergeant.post(
        serve, {**when, "served_where": "4 Mill Row", "photo_shown": "on", "version": 1}
    )
    assert response.status_code == 302
    page = text(sergeant.get(f"/interventions/harbouring/{n.pk}/"))
    assert "Harbouring warning notice recorded as served" in page
    assert "Served by" in page and h["sergeant"].full_name in page
    assert "Photograph shown and not left with them" in page
    assert "Record that it was served" not in page and "Record a breach" in page
    # Serving it again sends the sergeant back, saying why.
    again = sergeant.get(serve)
    assert again.status_code == 302

    # A breach, by the child's social worker, who is reminded of the police's powers.
    social_worker = signed_in(h["social_worker"])
    breach = f"/interventions/harbouring/{n.pk}/breach/"
    page = text(social_worker.get(breach))
    assert "a complaint from the child is not needed to arrest (R-HRB-06)" in page
    assert "secure evidence to prosecute at the earliest opportunity (R-HRB-03)" in page
    response = social_worker.post(
        breach,
        {
            **local_parts("at", timezone.now() - timedelta(minutes=5)),
            "description": "Maya found at the flat",
            "episode": "",
            "version": 2,
        },
    )
    assert response.status_code == 302, text(response)
    assert NoticeBreach.objects.get().recorded_by == h["social_worker"]
    page = text(social_worker.get(f"/interventions/harbouring/{n.pk}/"))
    assert "Maya found at the flat" in page
    assert "Harbouring warning notice breached" in page

    # A stale version: said at the top, what was typed kept, nothing saved.
    withdraw = f"/interventions/harbouring/{n.pk}/withdraw/"
    response = sergeant.post(withdraw, {"reason": "Maya moved away", "version": 2})
    assert response.status_code == 400
    body = text(response)
    assert "Someone else changed this notice" in body and "Maya moved away" in body
    assert 'name="version" value="3"' in body
    response = sergeant.post(withdraw, {"reason": "Maya moved away", "version": 3})
    assert response.status_code == 302
    assert HarbouringNotice.objects.get().status == NoticeStatus.WITHDRAWN


@pytest.mark.parametrize(
    ("who", "step"),
    [
        ("call_handler", "serve"),
        ("social_worker", "serve"),
        ("social_worker", "withdraw"),
        ("other_police", "breach"),
        ("other_authority", "breach"),
        ("other_police", ""),
        ("analyst", ""),
    ],
)
def test_a_step_the_user_may_not_take_is_not_found(h, who, step):
    n = prepared(h)
    client = signed_in(h[who])
    reads = AuditEvent.objects.count()
    path = f"/interventions/harbouring/{n.pk}/" + (f"{step}/" if step else "")
    assert client.get(path).status_code == 404
    assert AuditEvent.objects.count() == reads


def test_the_desk_and_the_childs_record_list_the_notices(h):
    n = prepared(h, h["maya"], h["ellie"])
    coordinator = signed_in(h["coordinator"])
    desk = text(coordinator.get("/interventions/"))
    assert "Harbouring notices not yet served" in desk
    assert f"Notice {n.pk}" in desk and "Maya Test, Ellie Test" in desk
    listing = text(coordinator.get("/interventions/harbouring/"))
    assert f"Notice {n.pk}" in listing
    record = text(signed_in(h["social_worker"]).get(f"/people/{h['ellie'].pk}/"))
    assert "Harbouring warning notices" in record
    assert f"Notice {n.pk}" in record and "Section 49 of the Children Act 1989" in record
    served(h, n)
    desk = text(coordinator.get("/interventions/"))
    assert f"Notice {n.pk}" not in desk


def test_the_api_prepares_serves_and_breaches_naming_the_fields(h):
    api = Api()
    body = {
        "adult_id": h["adult"].pk,
        "child_ids": [h["maya"].pk, h["ellie"].pk],
        "statement_by": "Jo Harris",
        "statement_role": "Team manager",
        "statement_on": (timezone.localdate() - timedelta(days=1)).isoformat(),
        "statement_summary": "No contact whatsoever.",
        "authority_id": h["vale"].pk,
    }
    # Errors name the field as sent.
    no_child = api.post(h["coordinator"], "/harbouring/notices", {**body, "child_ids": [987654]})
    assert no_child.status_code == 404
    assert no_child.json()["field"] == "child_ids"
    sam = kid(h, "Sam", born(17))
    refused = api.post(h["coordinator"], "/harbouring/notices", {**body, "child_ids": [sam.pk]})
    assert refused.status_code == 400
    assert (refused.json()["field"], refused.json()["rules"]) == ("child_ids", ["R-HRB-02"])
    no_authority = api.post(h["coordinator"], "/harbouring/notices", {**body, "authority_id": None})
    assert no_authority.json()["field"] == "authority_id"
    role = api.post(h["call_handler"], "/harbouring/notices", body)
    assert role.status_code == 403
    assert not HarbouringNotice.objects.exists()

    n = ok(api.post(h["coordinator"], "/harbouring/notices", body), 201)
    assert n["status"]["code"] == "prepared"
    assert [c["acts"] for c in n["children"]] == [
        [
            {
                "code": "child_abduction_act_1984_s2",
                "label": "section 2 of the Child Abduction Act 1984",
            }
        ],
        [{"code": "children_act_1989_s49", "label": "section 49 of the Children Act 1989"}],
    ]
    assert n["may"] == ["read", "serve", "breach", "withdraw"]
    assert [x["id"] for x in ok(api.get(h["social_worker"], "/harbouring/notices"))] == [n["id"]]
    assert ok(api.get(h["other_police"], "/harbouring/notices")) == []
    assert api.get(h["other_police"], f"/harbouring/notices/{n['id']}").status_code == 404

    serve = f"/harbouring/notices/{n['id']}/serve"
    at = (timezone.now() + timedelta(minutes=1)).isoformat()
    # The notice was prepared just now: served a minute later (within five minutes ahead).
    no_photo = api.post(
        h["sergeant"],
        serve,
        {"version": 1, "served_at": at, "served_where": "Flat", "photo_shown": False},
    )
    assert (no_photo.status_code, no_photo.json()["field"]) == (400, "photo_shown")
    stale = api.post(
        h["sergeant"],
        serve,
        {"version": 9, "served_at": at, "served_where": "Flat", "photo_shown": True},
    )
    assert stale.status_code == 409
    s = ok(
        api.post(
            h["sergeant"],
            serve,
            {"version": 1, "served_at": at, "served_where": "Flat", "photo_shown": True},
        )
    )
    assert (s["status"]["code"], s["served_by"]["id"], s["photo_shown"]) == (
        "served",
        h["sergeant"].pk,
        True,
    )

    breach = f"/harbouring/notices/{n['id']}/breaches"
    bad_episode = api.post(
        h["sergeant"],
        breach,
        {
            "version": 2,
            "at": (timezone.now() + timedelta(minutes=2)).isoformat(),
            "description": "x",
            "episode_id": 987654,
        },
    )
    assert (bad_episode.status_code, bad_episode.json()["field"]) == (404, "episode_id")
    b = ok(
        api.post(
            h["social_worker"],
            breach,
            {
                "version": 2,
                "at": (timezone.now() + timedelta(minutes=2)).isoformat(),
                "description": "At the flat",
            },
        ),
        201,
    )
    assert [x["description"] for x in b["breaches"]] == ["At the flat"]
    assert (
        api.post(
            h["social_worker"],
            f"/harbouring/notices/{n['id']}/withdraw",
            {"version": 3, "reason": "r"},
        ).status_code
        == 403
    )
    w = ok(
        api.post(
            h["team_manager"],
            f"/harbouring/notices/{n['id']}/withdraw",
            {"version": 3, "reason": "Moved"},
        )
    )
    assert w["status"]["code"] == "withdrawn"

"""The access findings of issue 8, each tried the way an attacker with a demo login tried
it, through the API and the pages. Every denied request must change nothing and answer
exactly as it would for a record that does not exist."""

from __future__ import annotations

from typing import Any

import pytest

from misper.core.models import AuditEvent
from misper.episodes.models import Episode, Transfer
from misper.episodes.services import episode_grade_risk, transfer_decide, transfer_propose
from misper.notifications.models import Message
from misper.notifications.selectors import inbox_for_user
from tests.row_counts import row_counts

from .world import build, client_for

pytestmark = pytest.mark.django_db
JSON = "application/json"
MISSING_ID = 987654


@pytest.fixture
def w():
    return build()


def counts() -> dict[str, int]:
    """Rows in every table: a denied request changes none of them."""
    return row_counts()


def post(client: Any, url: str, data: dict[str, Any]) -> Any:
    return client.post(url, data, content_type=JSON)


# --- 1. A restricted episode read through a write endpoint ------------------------------------


def test_a_restricted_case_cannot_be_found_through_a_write_by_guessing_its_version(w):
    """Finding 1: a call handler got 409 for a wrong version and 200 with the whole case
    for the right one. Now every version answers 404, as for a case that does not exist,
    and nothing is written, the audit log included."""
    c = client_for(w["call_handler"])
    hidden = w["restricted"].pk
    before = counts()
    absent = post(c, f"/api/v1/episodes/{MISSING_ID}/disagreement", {"version": 1, "detail": "x"})
    for version in range(1, 8):
        r = post(c, f"/api/v1/episodes/{hidden}/disagreement", {"version": version, "detail": "x"})
        assert (
            (r.status_code, r.json())
            == (absent.status_code, absent.json())
            == (
                404,
                {"code": "not_found", "message": "No such episode", "field": None},
            )
        )
    r = post(c, f"/api/v1/episodes/{hidden}/entries", {"kind": "note", "text": "x"})
    assert r.status_code == 404
    assert counts() == before
    assert "Keira" not in r.content.decode()


def test_the_officers_who_may_open_a_restricted_case_must_say_why_even_to_change_it(w):
    c = client_for(w["inspector"])
    hidden = w["restricted"]
    before = counts()
    r = post(c, f"/api/v1/episodes/{hidden.pk}/entries", {"kind": "note", "text": "seen"})
    assert r.status_code == 403 and r.json()["code"] == "restricted"
    assert "Keira" not in r.content.decode()
    assert counts() == before
    r = c.post(
        f"/api/v1/episodes/{hidden.pk}/entries",
        {"kind": "note", "text": "seen"},
        content_type=JSON,
        HTTP_X_MISPER_REASON="The child was seen at the station tonight",
    )
    assert r.status_code == 201
    opening = AuditEvent.objects.filter(
        user=w["inspector"], subject_id=str(hidden.pk), action="open_restricted"
    ).get()
    assert opening.reason == "The child was seen at the station tonight"


# --- 2. Another force ---------------------------------------------------------------------------


def test_another_force_sees_the_summary_and_opens_the_whole_case_only_by_saying_why(w):
    """Finding 2: police of any force read every other force's case in full."""
    c = client_for(w["other_force"])
    ep = w["episode"]
    body = c.get(f"/api/v1/episodes/{ep.pk}").json()
    assert body["view"] == "summary"
    for secret in ("informant_name", "informant_phone", "circumstances", "answers", "entries"):
        assert secret not in body
    assert body["force"]["name"] == "Vale Police" and body["contact"]["name"] == "North"
    assert not AuditEvent.objects.filter(action="break_glass").exists()

    body = c.get(
        f"/api/v1/episodes/{ep.pk}", HTTP_X_MISPER_REASON="Same child reported missing to us"
    ).json()
    assert body["view"] == "full" and body["informant_phone"] == "07700 900111"
    opening = AuditEvent.objects.get(action="break_glass")
    assert (opening.user_id, opening.reason) == (
        w["other_force"].pk,
        "Same child reported missing to us",
    )
    # The owning force's inspectors see who opened it and why.
    html = client_for(w["inspector"]).get(f"/episodes/{ep.pk}/").content.decode()
    assert "Same child reported missing to us" in html and "Harbour Central" in html
    # Reading, not acting: the case stays the owning force's.
    r = post(
        c,
        f"/api/v1/episodes/{ep.pk}/risk",
        {"version": ep.version, "risk": "high", "rationale": "x"},
    )
    assert r.status_code == 403
    assert Episode.objects.get(pk=ep.pk).risk == "medium"


def test_another_force_opens_the_whole_case_on_the_page_by_saying_why(w):
    c = client_for(w["other_force"])
    ep = w["episode"]
    html = c.get(f"/episodes/{ep.pk}/").content.decode()
    assert "Open the whole case" in html and "07700 900111" not in html
    r = c.post(f"/episodes/{ep.pk}/", {"reason": ""})
    assert r.status_code == 400 and not AuditEvent.objects.filter(action="break_glass").exists()
    html = c.post(f"/episodes/{ep.pk}/", {"reason": "Same child on our call"}).content.decode()
    assert "07700 900111" in html


# --- 3. The daily management meeting -------------------------------------------------------------


@pytest.mark.parametrize("persona", ["admin", "analyst", "sw_right", "other_force", "board"])
def test_the_daily_meeting_is_for_the_forces_officers_only(w, persona):
    """Finding 3: an administrator or an analyst got the area's open cases with names."""
    c = client_for(w[persona])
    before = counts()
    r = c.get(f"/api/v1/areas/{w['north'].pk}/dmm")
    absent = c.get(f"/api/v1/areas/{MISSING_ID}/dmm")
    assert (r.status_code, r.json()) == (absent.status_code, absent.json())
    assert r.status_code == 404 and "Keira" not in r.content.decode()
    assert counts() == before


def test_the_daily_meeting_lists_the_areas_cases_for_its_sergeant(w):
    rows = client_for(w["sergeant"]).get(f"/api/v1/areas/{w['north'].pk}/dmm").json()
    # The open case and the found one awaiting closure; never the restricted one.
    assert sorted(r["episode"]["id"] for r in rows) == sorted(
        [w["episode"].pk, w["referral"].episode_id]
    )


# --- 5. What a restricted case leaks -------------------------------------------------------------


def test_a_restricted_case_is_in_no_list_history_or_message(w):
    """Finding 5: "Risk changed on case 11" went to the council of a restricted case; the
    child's page and the report history listed it."""
    hidden = w["restricted"]
    council = w["sw_right"]
    # What the council was told before the restriction has been withdrawn from its inbox.
    # (Messages about the case: a trigger record may share its number.)
    about = {"subject_type": "episode", "subject_id": str(hidden.pk)}
    assert not inbox_for_user(council).filter(**about).exists()
    # A change now tells only the officers who may open it, and not what changed.
    episode_grade_risk(
        actor=w["fim"],
        episode_id=hidden.pk,
        version=Episode.objects.get(pk=hidden.pk).version,
        risk="high",
        rationale="Seen with the family's contacts at the airport",
    )
    told = Message.objects.filter(**about).exclude(status="withdrawn")
    assert told.exists()
    assert {m.title for m in told} == {"A restricted case needs attention"}
    assert all(m.recipient_user is not None for m in told)
    for persona in ("sw_right", "carer_right", "call_handler", "sergeant", "other_force"):
        assert not inbox_for_user(w[persona]).filter(**about).exists()
        page = client_for(w[persona]).get(f"/people/{w['child'].pk}/").content.decode()
        assert f"/episodes/{hidden.pk}/" not in page, persona
    # The report page's history of earlier reports counts only what the user may see.
    page = client_for(w["call_handler"]).get(f"/people/{w['child'].pk}/report/").content.decode()
    assert f"/episodes/{hidden.pk}/" not in page
    # The supervision list, the meeting and the work list leave it out too.
    for url in ("/episodes/supervision/", "/episodes/dmm/", "/episodes/work/"):
        assert f"/episodes/{hidden.pk}/" not in client_for(w["sergeant"]).get(url).content.decode()


def test_flag_end_answers_the_same_for_a_flag_you_may_not_see_and_one_that_does_not_exist(w):
    c = client_for(w["sw_other"])
    before = counts()
    seen = post(c, f"/api/v1/flags/{w['flag'].pk}/end", {"reason": "no longer a concern"})
    absent = post(c, f"/api/v1/flags/{MISSING_ID}/end", {"reason": "no longer a concern"})
    assert (seen.status_code, seen.json()) == (absent.status_code, absent.json())
    assert seen.status_code == 404
    empty = post(c, f"/api/v1/flags/{w['flag'].pk}/end", {"reason": ""})
    empty_absent = post(c, f"/api/v1/flags/{MISSING_ID}/end", {"reason": ""})
    assert (empty.status_code, empty.json()) == (empty_absent.status_code, empty_absent.json())
    assert counts() == before


@pytest.mark.parametrize("persona", ["sw_other", "carer_right", "other_force", "call_handler"])
def test_transfer_decision_answers_the_same_for_one_you_may_not_decide_and_one_that_does_not_exist(
    w, persona
):
    c = client_for(w[persona])
    before = counts()
    for accept, reason in ((True, ""), (False, ""), (False, "not ours")):
        body = {"accept": accept, "reason": reason}
        r = post(c, f"/api/v1/transfers/{w['transfer'].pk}/decision", body)
        absent = post(c, f"/api/v1/transfers/{MISSING_ID}/decision", body)
        if persona == "call_handler":
            # A call handler of the sending area sees the case (so the transfer), but only
            # the receiving area decides.
            assert r.status_code == 403
        else:
            assert (r.status_code, r.json()) == (absent.status_code, absent.json())
            assert r.status_code == 404
    page = c.get(f"/episodes/transfers/{w['transfer'].pk}/decision/")
    assert page.status_code == 404
    assert counts() == before
    assert Transfer.objects.get(pk=w["transfer"].pk).accepted is None


# --- Ownership: a transfer to another force hands the case over ------------------------------


def test_a_transfer_to_another_force_once_accepted_hands_the_case_over(w):
    ep = w["episode"]
    # The pending transfer to the south is declined first, then one to Harbour proposed.
    south = client_for(w["inspector"])  # the same force: south's officers are colleagues
    from misper.agencies.services import user_create

    south_inspector = user_create(
        actor=None,
        email="south@access.test",
        full_name="South Inspector",
        organisation=w["south"],
        roles=["inspector"],
    )
    transfer_decide(
        actor=south_inspector, transfer_id=w["transfer"].pk, accept=False, reason="not ours"
    )
    moved = transfer_propose(
        actor=w["inspector"],
        episode_id=ep.pk,
        to_area=w["harbour_area"],
        reason="The child now lives in Harbour",
    )
    r = post(
        client_for(w["other_force"]),
        f"/api/v1/transfers/{moved.pk}/decision",
        {"accept": True, "reason": ""},
    )
    assert r.status_code == 200 and r.json()["accepted"] is True
    ep.refresh_from_db()
    assert ep.owning_area == w["harbour_area"] and ep.force == w["harbour_police"]
    # The receiving force now acts on it; the old force sees the summary and may not act.
    harbour = client_for(w["other_force"])
    assert harbour.get(f"/api/v1/episodes/{ep.pk}").json()["view"] == "full"
    r = post(
        harbour,
        f"/api/v1/episodes/{ep.pk}/entries",
        {"kind": "note", "text": "Case received from Vale Police"},
    )
    assert r.status_code == 201
    assert south.get(f"/api/v1/episodes/{ep.pk}").json()["view"] == "summary"
    r = post(south, f"/api/v1/episodes/{ep.pk}/entries", {"kind": "note", "text": "x"})
    assert r.status_code == 403

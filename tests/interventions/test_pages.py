"""The repeat-missing pages through Django's test client: the desk shows a coordinator and
the child's social worker their part, anyone else "Page not found"; the trigger page says
what fired in words, with the rules and the episodes counted; each action page is offered
only to those who may act and when the state allows it; a service's error is shown on the
field it names with nothing saved, and an old version is refused keeping what was typed;
the meeting is arranged, recorded and given an action through the pages; a deferral needs
the partner agency (R-TRG-15); and the child's record links to the child's triggers, with
"Raise an intervention" for coordinators (R-TRG-14)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.test import Client
from django.utils import timezone

from misper.core.models import AuditEvent, TimelineEvent
from misper.interventions import services
from misper.interventions.models import Meeting, MeetingStatus, TriggerRecord, TriggerStatus
from misper.web.jinja import LONDON
from tests.episodes.conftest import NOW, make_region
from tests.returns.journey import found_child

pytestmark = pytest.mark.django_db


def signed_in(user) -> Client:
    TOTP.activate(user, generate_totp_secret())
    client = Client()
    client.force_login(user)
    return client


def text(response) -> str:
    return response.content.decode()


def local_parts(name, instant):
    local = instant.astimezone(LONDON)
    return {
        f"{name}_day": str(local.day),
        f"{name}_month": str(local.month),
        f"{name}_year": str(local.year),
        f"{name}_time": local.strftime("%H:%M"),
    }


def day_parts(name, day):
    return {
        f"{name}_day": str(day.day),
        f"{name}_month": str(day.month),
        f"{name}_year": str(day.year),
    }


def reads(t):
    return AuditEvent.objects.filter(subject_type="trigger", subject_id=str(t.pk))


def fresh(t) -> TriggerRecord:
    return TriggerRecord.objects.get(pk=t.pk)


def meeting_of(t) -> Meeting:
    return Meeting.objects.get(trigger_id=t.pk)


@pytest.fixture
def w(make_org, make_user):
    """West Mercia 2014: the child's third missing episode in 90 days (the last ten days
    ago) made a level 1 trigger with a meeting (now overdue)."""
    r = make_region(make_org, make_user, "west-mercia-2014")
    r["coordinator"] = make_user("missing_person_coordinator", organisation=r["force"])
    r["carer"] = make_user("carer", organisation=r["home"])
    r["analyst"] = make_user("analyst", organisation=r["force"])
    harbour = make_org("local_authority", name="Harbour", code="harbour")
    r["other_sw"] = make_user("social_worker", organisation=harbour)
    r["partner"] = make_org("health", name="CAMHS Vale", code="camhs")
    first = NOW - timedelta(days=40)
    for days in (0, 15, 30):
        at = first + timedelta(days=days)
        found_child(
            police=r["call_handler"],
            person=r["child"],
            found_at=at + timedelta(hours=3),
            reported_at=at,
        )
    r["trigger"] = TriggerRecord.objects.get()
    return r


def arrange(w, **over):
    m = meeting_of(w["trigger"])
    data = {
        **local_parts("scheduled_for", timezone.now() + timedelta(days=1)),
        "place": "Vale House",
        "chair": "Team manager, Vale",
        "others": "Mother\nSchool nurse",
        "version": m.version,
    }
    data.update(over)
    return data


# --- The desk -------------------------------------------------------------------------------------


def test_the_coordinators_desk_lists_the_new_trigger_and_its_meeting_due(w):
    t = w["trigger"]
    response = signed_in(w["coordinator"]).get("/interventions/")
    assert response.status_code == 200
    page = text(response)
    assert f"Trigger {t.pk}" in page and "Jayden Oakes" in page
    assert "Level 1: Three missing episodes in 90 days" in page
    assert "wm_individual_3_in_90" not in page  # words, never codes
    assert 'data-testid="meetings-due"' in page and "Overdue" in page
    assert 'href="/people/flag-requests/"' in page
    assert "Establishments near their threshold" in page


def test_the_childs_social_worker_sees_their_part_of_the_desk(w):
    page = text(signed_in(w["social_worker"]).get("/interventions/"))
    assert f"Trigger {w['trigger'].pk}" in page
    assert "flag-requests" not in page
    other = text(signed_in(w["other_sw"]).get("/interventions/"))
    assert "Jayden" not in other and "No new triggers" in other


@pytest.mark.parametrize("who", ["carer", "analyst", "call_handler"])
def test_the_desk_is_not_found_for_anyone_else(w, who):
    assert signed_in(w[who]).get("/interventions/").status_code == 404


def test_the_nav_offers_repeat_missing_to_coordinators_and_childrens_services(w):
    assert 'href="/interventions/"' in text(signed_in(w["social_worker"]).get("/"))
    assert 'href="/interventions/"' in text(signed_in(w["coordinator"]).get("/"))
    assert 'href="/interventions/"' not in text(signed_in(w["carer"]).get("/"))


# --- The trigger ----------------------------------------------------------------------------------


def test_the_trigger_page_says_what_fired_and_why_with_the_episodes_counted(w):
    t = w["trigger"]
    page = text(signed_in(w["coordinator"]).get(f"/interventions/{t.pk}/"))
    assert "Level 1: Three missing episodes in 90 days" in page
    assert "3 missing episodes in 90 days" in page
    assert "R-TRG-10" in page and "C-06" in page  # the reasons, each with its rule id
    assert f'href="/people/{w["child"].pk}/"' in page
    for episode_id in t.counted:
        assert f'href="/episodes/{episode_id}/"' in page
    assert "Missing person coordinator" in page  # who acts on it
    for slug in ("allocate", "arrange", "defer", "close"):
        assert f"/interventions/{t.pk}/{slug}/" in page
    for slug in ("record", "action"):
        assert f"/interventions/{t.pk}/{slug}/" not in page  # not offered yet
    assert "Overdue" in page


def test_the_social_worker_meets_but_does_not_allocate_or_close(w):
    t = w["trigger"]
    client = signed_in(w["social_worker"])
    page = text(client.get(f"/interventions/{t.pk}/"))
    assert f"/interventions/{t.pk}/arrange/" in page
    assert f"/interventions/{t.pk}/allocate/" not in page
    assert f"/interventions/{t.pk}/close/" not in page
    before = reads(t).count()
    for slug in ("allocate", "close"):
        assert client.get(f"/interventions/{t.pk}/{slug}/").status_code == 404
        assert client.post(f"/interventions/{t.pk}/{slug}/", {"outcome": "x"}).status_code == 404
    assert reads(t).count() == before
    assert fresh(t).status == TriggerStatus.NEW


def test_others_get_page_not_found_and_no_audit_row(w):
    t = w["trigger"]
    before = reads(t).count()
    for who in ("other_sw", "carer", "call_handler"):
        client = signed_in(w[who])
        for path in (f"/interventions/{t.pk}/", f"/interventions/{t.pk}/arrange/"):
            assert client.get(path).status_code == 404
    assert signed_in(w["coordinator"]).get("/interventions/987654/").status_code == 404
    assert reads(t).count() == before


def test_anonymous_is_sent_to_sign_in(w):
    response = Client().get(f"/interventions/{w['trigger'].pk}/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


# --- Errors on the fields they name ---------------------------------------------------------------


def test_arranging_in_the_past_is_refused_on_the_date_with_what_was_typed(w):
    t = w["trigger"]
    before = TimelineEvent.objects.count()
    response = signed_in(w["coordinator"]).post(
        f"/interventions/{t.pk}/arrange/",
        arrange(w, **local_parts("scheduled_for", timezone.now() - timedelta(days=2))),
    )
    assert response.status_code == 400
    page = text(response)
    assert "The meeting cannot be arranged in the past" in page
    assert 'href="#id_scheduled_for"' in page
    assert "School nurse" in page  # what was typed
    assert meeting_of(t).status == MeetingStatus.TO_ARRANGE
    assert TimelineEvent.objects.count() == before


def test_each_form_names_its_field(w):
    t = w["trigger"]
    client = signed_in(w["coordinator"])
    m = meeting_of(t)
    cases = [
        ("allocate", {"version": t.version}, "allocated_to", "Choose an officer of the force"),
        ("close", {"version": t.version, "outcome": ""}, "outcome", "Enter outcome"),
        ("arrange", arrange(w, place=""), "place", "Enter where"),
        (
            "defer",
            {"version": m.version, "status": "deferred", "reason": "CAMHS work"},
            "partner",
            "R-TRG-15",
        ),
    ]
    for slug, data, field, message in cases:
        response = client.post(f"/interventions/{t.pk}/{slug}/", data)
        page = text(response)
        assert response.status_code == 400, (slug, page)
        assert f'href="#id_{field}"' in page, slug
        assert message in page, slug
    response = client.post(f"/interventions/raise/{w['child'].pk}/", {"level": "1"})
    assert response.status_code == 400
    assert 'href="#id_rationale"' in text(response)


def test_an_old_version_is_refused_at_the_top_keeping_what_was_typed(w):
    t = w["trigger"]
    m = meeting_of(t)
    client = signed_in(w["coordinator"])
    response = client.post(f"/interventions/{t.pk}/arrange/", arrange(w, version=m.version + 5))
    assert response.status_code == 400
    page = text(response)
    assert "Someone else changed this after you opened it" in page
    assert "Vale House" in page and "School nurse" in page
    assert f'name="version" value="{m.version}"' in page
    assert meeting_of(t).status == MeetingStatus.TO_ARRANGE


def test_a_deferral_is_refused_without_the_partner_agency(w):
    """R-TRG-15: deferred or suspended only when the police and children's services agree
    and a partner agency is already working on the missing episodes."""
    t = w["trigger"]
    m = meeting_of(t)
    client = signed_in(w["social_worker"])
    page = text(client.get(f"/interventions/{t.pk}/defer/"))
    assert "R-TRG-15" in page and w["coordinator"].full_name in page
    data = {
        "version": m.version,
        "status": "deferred",
        "reason": "CAMHS are working with her weekly",
        "police_agreed_by": w["coordinator"].pk,
        "childrens_services_agreed_by": w["social_worker"].pk,
    }
    response = client.post(f"/interventions/{t.pk}/defer/", data)
    assert response.status_code == 400
    page = text(response)
    assert "Name the partner agency already working on it (R-TRG-15)" in page
    assert 'href="#id_partner"' in page
    assert meeting_of(t).status == MeetingStatus.TO_ARRANGE
    response = client.post(f"/interventions/{t.pk}/defer/", {**data, "partner": w["partner"].pk})
    assert response.status_code == 302
    m = meeting_of(t)
    assert (m.status, m.deferral_partner) == (MeetingStatus.DEFERRED, w["partner"])
    page = text(client.get(response["Location"]))
    assert "Meeting deferred" in page and "CAMHS Vale" in page
    assert f"/interventions/{t.pk}/arrange/" not in page


# --- The meeting through the pages ----------------------------------------------------------------


def test_arrange_record_and_agree_an_action(w):
    t = w["trigger"]
    client = signed_in(w["coordinator"])
    page = text(client.get(f"/interventions/{t.pk}/arrange/"))
    assert 'data-testid="proposed-invitees"' in page
    assert "Children&#39;s services (chair)" in page
    response = client.post(f"/interventions/{t.pk}/arrange/", arrange(w))
    assert response.status_code == 302, text(response)
    page = text(client.get(response["Location"]))
    assert "Meeting arranged" in page and "Vale House" in page and "School nurse" in page
    assert fresh(t).status == TriggerStatus.IN_HAND

    m = meeting_of(t)
    police = m.invitees.get(user=w["coordinator"])
    mother = m.invitees.get(name="Mother")
    record = text(client.get(f"/interventions/{t.pk}/record/"))
    assert "Mother (Also invited)" in record
    held = {
        **local_parts("held_at", timezone.now() - timedelta(minutes=10)),
        "discussion": "Push and pull factors",
        "plan": "Weekly visits",
        "care_plan": "Care plan review 3 December",
        "version": m.version,
    }
    response = client.post(f"/interventions/{t.pk}/record/", {**held, "attended": [mother.pk]})
    assert response.status_code == 400
    assert "R-TRG-09" in text(response) and 'href="#id_attended"' in text(response)
    response = client.post(
        f"/interventions/{t.pk}/record/", {**held, "attended": [police.pk, mother.pk]}
    )
    assert response.status_code == 302, text(response)
    m = meeting_of(t)
    assert m.status == MeetingStatus.HELD and m.invitees.get(pk=police.pk).attended

    tomorrow = timezone.localdate() + timedelta(days=1)
    response = client.post(
        f"/interventions/{t.pk}/action/",
        {"text": "Visit weekly", "owner": w["vale"].pk, **day_parts("due_on", tomorrow)},
    )
    assert response.status_code == 302, text(response)
    page = text(client.get(response["Location"]))
    assert "Action added" in page and "Visit weekly" in page
    action = m.actions.get()
    assert f"/interventions/{t.pk}/actions/{action.pk}/done/" in page

    # The council's social worker marks it done.
    sw = signed_in(w["social_worker"])
    response = sw.post(f"/interventions/{t.pk}/actions/{action.pk}/done/", {"note": "Visited"})
    assert response.status_code == 302
    action.refresh_from_db()
    assert action.done_at is not None and action.done_note == "Visited"


def test_the_allocated_officer_closes_the_trigger(w):
    t = w["trigger"]
    client = signed_in(w["coordinator"])
    response = client.post(
        f"/interventions/{t.pk}/allocate/", {"allocated_to": w["sergeant"].pk, "version": t.version}
    )
    assert response.status_code == 302, text(response)
    t = fresh(t)
    assert t.allocated_to == w["sergeant"]
    sergeant = signed_in(w["sergeant"])
    page = text(sergeant.get(f"/interventions/{t.pk}/"))
    assert f"/interventions/{t.pk}/close/" in page
    assert f"/interventions/{t.pk}/allocate/" not in page
    response = sergeant.post(
        f"/interventions/{t.pk}/close/",
        {"outcome": "Safeguarding plan agreed", "version": t.version},
    )
    assert response.status_code == 302
    t = fresh(t)
    assert t.status == TriggerStatus.CLOSED and t.closed_by == w["sergeant"]


# --- The child's record ---------------------------------------------------------------------------


def test_the_childs_record_links_the_triggers_and_lets_a_coordinator_raise_one(w):
    child = w["child"]
    t = w["trigger"]
    page = text(signed_in(w["social_worker"]).get(f"/people/{child.pk}/"))
    assert f'href="/interventions/{t.pk}/"' in page
    assert "Raise an intervention" not in page
    client = signed_in(w["coordinator"])
    page = text(client.get(f"/people/{child.pk}/"))
    assert f'href="/interventions/{t.pk}/"' in page
    assert f'href="/interventions/raise/{child.pk}/"' in page
    assert "Raise an intervention" in text(client.get(f"/interventions/raise/{child.pk}/"))
    response = client.post(
        f"/interventions/raise/{child.pk}/",
        {"level": "2", "rationale": "Seen with an adult of concern; very high risk"},
    )
    assert response.status_code == 302, text(response)
    raised = TriggerRecord.objects.get(kind="manual")
    assert response["Location"] == f"/interventions/{raised.pk}/"
    assert (raised.level, raised.rule, raised.raised_by) == (2, "R-TRG-14", w["coordinator"])
    page = text(client.get(response["Location"]))
    assert "Level 2: Raised by hand" in page and "very high risk" in page
    assert "Intervention raised by hand" in page  # the timeline, in words
    assert "R-TRG-14" in page


def test_only_a_coordinator_raises_one(w):
    child = w["child"]
    for who in ("social_worker", "call_handler", "sergeant"):
        client = signed_in(w[who])
        assert client.get(f"/interventions/raise/{child.pk}/").status_code == 404
        response = client.post(
            f"/interventions/raise/{child.pk}/", {"level": "1", "rationale": "r"}
        )
        assert response.status_code == 404
    assert not TriggerRecord.objects.filter(kind="manual").exists()
    assert services.MEETING_DAYS == 7

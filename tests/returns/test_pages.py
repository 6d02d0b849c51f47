"""The return-interview pages through Django's test client: the queue lists only what each
user may see; the referral page shows the interviewing organisation everything and the
responsible authority never what the child said; another provider gets "Page not found"
with no audit row; each action page is offered only when the referral's state allows it;
a service's error is shown on the field it names with nothing saved; an old version is
refused keeping what was typed; "not required" needs a second person, a manager; and what
the interview shares with the police lands on the child's record page, with its source."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.test import Client
from django.utils import timezone

from misper.core.models import AuditEvent, TimelineEvent
from misper.people.models import Associate, FlagRequest, Place
from misper.people.services import PersonDetails, person_create
from misper.returns import services
from misper.returns.models import Arrangement, Outcome, Referral, State
from misper.web.jinja import LONDON
from tests.returns.journey import RED, found_child, interviewed, triage

pytestmark = pytest.mark.django_db

WORDS = "I just wanted to see him"


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


def reads(referral):
    return AuditEvent.objects.filter(subject_type="rhi_referral", subject_id=str(referral.pk))


def fresh(referral) -> Referral:
    return Referral.objects.get(pk=referral.pk)


@pytest.fixture
def world(make_org, make_user):
    """A force, Vale Council with Streetwise as its provider, another provider, the child
    found five hours ago and the referral to Streetwise that followed."""
    force = make_org("police_force", name="Vale Police", policy_profile="west-midlands-2015")
    area = make_org("policing_area", name="North", parent=force)
    vale = make_org("local_authority", name="Vale Council")
    streetwise = make_org("rhi_provider", name="Streetwise", local_authority=vale)
    harbour = make_org("rhi_provider", name="Harbour Youth")
    Arrangement.objects.create(authority=vale, provider=streetwise)
    w = {
        "force": force,
        "vale": vale,
        "streetwise": streetwise,
        "police": make_user("call_handler", organisation=area),
        "worker": make_user("return_interview_worker", organisation=streetwise),
        "manager": make_user("return_interview_manager", organisation=streetwise),
        "manager2": make_user("return_interview_manager", organisation=streetwise),
        "sw": make_user("social_worker", organisation=vale),
        "other": make_user("return_interview_worker", organisation=harbour),
        "carer": make_user("carer", organisation=make_org("childrens_home", name="Elm")),
    }
    child = person_create(
        actor=w["police"],
        details=PersonDetails(
            given_name="Keira",
            family_name="Lomax",
            date_of_birth=date(2011, 6, 14),
            home_authority=vale,
        ),
    )
    found_at = timezone.now().replace(microsecond=0) - timedelta(hours=5)
    referral = found_child(police=w["police"], person=child, found_at=found_at)
    assert referral is not None
    w["child"] = child
    w["referral"] = referral
    return w


# --- The queue ------------------------------------------------------------------------------------


def test_queue_lists_the_referral_for_the_provider_and_the_authority(world):
    r = world["referral"]
    for who in ("worker", "sw"):
        page = text(signed_in(world[who]).get("/returns/"))
        assert f"Referral {r.pk}" in page
        assert "Keira Lomax" in page
        assert "Waiting for triage" in page
        assert "Streetwise" in page and "Vale Council" in page
        assert 'data-rag="' in page


def test_queue_is_empty_for_those_who_may_not_see_the_referral(world):
    for who in ("other", "carer", "police"):
        response = signed_in(world[who]).get("/returns/")
        assert response.status_code == 200
        assert "Keira" not in text(response)
        assert "No open referrals" in text(response)


def test_queue_filters_carry_no_personal_data_and_unknown_ones_show_open(world):
    client = signed_in(world["worker"])
    assert "Keira" not in text(client.get("/returns/?show=closed"))
    assert "Keira" not in text(client.get("/returns/?show=mine"))
    assert "Keira" in text(client.get("/returns/?show=everything"))


def test_queue_marks_an_overdue_referral(world):
    Referral.objects.filter(pk=world["referral"].pk).update(due=timezone.now() - timedelta(hours=1))
    assert "Overdue" in text(signed_in(world["worker"]).get("/returns/"))


# --- The referral ---------------------------------------------------------------------------------


def test_the_interviewer_sees_the_referral_with_its_actions_and_reasons(world):
    r = world["referral"]
    page = text(signed_in(world["worker"]).get(f"/returns/{r.pk}/"))
    assert "Keira Lomax" in page
    assert "govuk-inset-text" in page and "Interview held by" in page
    assert "R-RHI-10" in page  # the engine's reasons, each with its rule id
    assert f"/returns/{r.pk}/triage/" in page
    assert f"/returns/{r.pk}/interview/" in page
    assert f"/returns/{r.pk}/allocate/" not in page  # a manager's
    assert f"/returns/{r.pk}/accept/" not in page  # not offered yet
    assert "Return interview referral made" in page  # the timeline, in words
    assert 'href="/people/' not in page  # the provider does not open the child's record


def test_the_manager_may_allocate(world):
    r = world["referral"]
    client = signed_in(world["manager"])
    assert f"/returns/{r.pk}/allocate/" in text(client.get(f"/returns/{r.pk}/"))
    response = client.post(
        f"/returns/{r.pk}/allocate/", {"worker": world["worker"].pk, "version": r.version}
    )
    assert response.status_code == 302
    assert fresh(r).allocated_to == world["worker"]
    page = text(client.get(response["Location"]))
    assert "Worker allocated" in page and "govuk-notification-banner--success" in page
    assert "Keira" in text(signed_in(world["worker"]).get("/returns/?show=mine"))


def test_the_authority_reads_the_referral_and_opens_the_child_but_acts_on_nothing(world):
    r = world["referral"]
    client = signed_in(world["sw"])
    page = text(client.get(f"/returns/{r.pk}/"))
    assert "What the responsible authority sees" in page
    assert f'href="/people/{world["child"].pk}/"' in page
    assert 'data-testid="actions"' not in page
    assert client.get(f"/returns/{r.pk}/triage/").status_code == 404
    assert client.post(f"/returns/{r.pk}/triage/", {"rag": "red"}).status_code == 404
    assert fresh(r).version == r.version


def test_another_provider_gets_page_not_found_and_no_audit_row(world):
    r = world["referral"]
    client = signed_in(world["other"])
    before = reads(r).count()
    for path in (f"/returns/{r.pk}/", f"/returns/{r.pk}/triage/", f"/returns/{r.pk}/allocate/"):
        assert client.get(path).status_code == 404
    assert client.get("/returns/987654/").status_code == 404
    assert reads(r).count() == before


def test_anonymous_is_sent_to_sign_in(world):
    response = Client().get(f"/returns/{world['referral'].pk}/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_interview_is_the_interviewers_alone(world):
    r = world["referral"]
    held = fresh(r).found_at + timedelta(hours=2)
    interviewed(world["worker"], fresh(r), held_at=held)
    mine = text(signed_in(world["worker"]).get(f"/returns/{r.pk}/"))
    theirs = text(signed_in(world["sw"]).get(f"/returns/{r.pk}/"))
    assert WORDS in mine and "An older boyfriend" in mine
    assert "Interview completed" in mine and "Interview completed" in theirs
    assert "Within 72 hours" in theirs
    for secret in (WORDS, "An older boyfriend", "Arguments at the home", "A café near the home"):
        assert secret not in theirs


# --- Actions --------------------------------------------------------------------------------------


def facts_form(**over):
    data = {
        "associates_recorded": "yes",
        "places_recorded": "yes",
        "substance_misuse": "unknown",
        "domestic_violence": "unknown",
        "learning_difficulty": "unknown",
        "troubled_family": "unknown",
        "cse_indicators": "yes",
    }
    data.update(over)
    return data


def test_triage_shows_the_policys_rating_and_saves_the_workers(world):
    r = world["referral"]
    client = signed_in(world["worker"])
    page = text(client.get(f"/returns/{r.pk}/triage/"))
    assert 'data-testid="engine-rating"' in page
    assert "Does the referral hold the child&#39;s associates?" in page
    assert "CSE indicators?" in page
    response = client.post(
        f"/returns/{r.pk}/triage/", {**facts_form(), "rag": "red", "version": r.version}
    )
    assert response.status_code == 302, text(response)
    r = fresh(r)
    assert (r.rag, r.engine_rag, r.state) == ("red", "red", State.TRIAGED)
    assert r.triage_facts["cse_indicators"] is True and r.triage_facts["substance_misuse"] is None
    assert "Triage recorded" in text(client.get(response["Location"]))


def test_a_services_error_is_shown_on_the_field_it_names_and_nothing_is_saved(world):
    r = world["referral"]
    client = signed_in(world["worker"])
    before = TimelineEvent.objects.count()
    response = client.post(
        f"/returns/{r.pk}/triage/", {**facts_form(), "rag": "green", "version": r.version}
    )
    assert response.status_code == 400
    page = text(response)
    assert "There is a problem" in page
    assert 'href="#id_rationale"' in page
    assert "say why you rate it green" in page
    assert 'value="yes"' in page  # what was typed is kept
    assert fresh(r).version == r.version
    assert TimelineEvent.objects.count() == before


def test_a_forms_error_names_the_field(world):
    r = world["referral"]
    client = signed_in(world["worker"])
    triage(world["worker"], r, RED, "red")
    response = client.post(f"/returns/{r.pk}/offer/", {"version": fresh(r).version})
    assert response.status_code == 400
    assert 'href="#id_offered_how"' in text(response)
    assert "Enter how the interview was offered" in text(response)


def test_an_old_version_is_refused_keeping_what_was_typed(world):
    r = world["referral"]
    client = signed_in(world["worker"])
    triage(world["worker"], r, RED, "red")  # someone else saved after the page was opened
    response = client.post(
        f"/returns/{r.pk}/triage/",
        {**facts_form(), "rag": "green", "rationale": "Only a short absence", "version": r.version},
    )
    assert response.status_code == 400
    page = text(response)
    assert "Someone else changed this referral" in page
    assert "Only a short absence" in page
    assert f'name="version" value="{fresh(r).version}"' in page
    assert fresh(r).rag == "red"


def test_an_action_the_state_does_not_allow_goes_back_to_the_referral(world):
    r = world["referral"]
    client = signed_in(world["worker"])
    response = client.get(f"/returns/{r.pk}/accept/")
    assert response.status_code == 302 and response["Location"] == f"/returns/{r.pk}/"
    assert "waiting for triage" in text(client.get(response["Location"]))


def test_offer_accept_and_interview_through_the_pages(world):
    r = world["referral"]
    client = signed_in(world["worker"])
    triage(world["worker"], r, RED, "red")
    r = fresh(r)
    assert (
        client.post(
            f"/returns/{r.pk}/offer/", {"offered_how": "Phone call to carer", "version": r.version}
        ).status_code
        == 302
    )
    r = fresh(r)
    assert client.post(f"/returns/{r.pk}/accept/", {"version": r.version}).status_code == 302
    r = fresh(r)
    assert r.state == State.ACCEPTED
    held = timezone.now() - timedelta(hours=1)
    response = client.post(
        f"/returns/{r.pk}/interview/",
        {
            **local_parts("held_at", held),
            "interviewer_name": "Sam Reid",
            "independent": "yes",
            "place": "The library",
            "child_words": WORDS,
            "cse_indicators": "yes",
            "version": r.version,
        },
    )
    assert response.status_code == 302, text(response)
    r = fresh(r)
    assert r.outcome == Outcome.COMPLETED and r.within_72_hours is True
    assert r.interview.child_words == WORDS and r.interview.cse_indicators is True
    page = text(client.get(f"/returns/{r.pk}/"))
    assert "Interview recorded: the referral is closed" in page
    assert f"/returns/{r.pk}/share/" in page and f"/returns/{r.pk}/triage/" not in page


def test_a_known_interviewer_needs_the_rationale(world):
    r = world["referral"]
    response = signed_in(world["worker"]).post(
        f"/returns/{r.pk}/interview/",
        {
            **local_parts("held_at", timezone.now() - timedelta(hours=1)),
            "interviewer_name": "Sam Reid",
            "independent": "no",
            "place": "The library",
            "version": r.version,
        },
    )
    assert response.status_code == 400
    assert 'href="#id_known_person_rationale"' in text(response)
    assert fresh(r).is_open


def test_after_the_interview_disclosure_recommendation_session_and_sharing(world):
    r = world["referral"]
    interviewed(world["worker"], fresh(r), held_at=fresh(r).found_at + timedelta(hours=2))
    client = signed_in(world["worker"])
    due = timezone.now() + timedelta(days=1)
    assert (
        client.post(
            f"/returns/{r.pk}/disclosure/",
            {"summary": "Jay gives her alcohol", "step": "police", **local_parts("due", due)},
        ).status_code
        == 302
    )
    assert (
        client.post(
            f"/returns/{r.pk}/recommendation/",
            {
                "text": "Review the evening routine",
                "owner": world["vale"].pk,
                **day_parts("due_on", timezone.localdate() + timedelta(days=14)),
            },
        ).status_code
        == 302
    )
    assert (
        client.post(
            f"/returns/{r.pk}/session/",
            {"topics": "Staying safe", **day_parts("held_on", timezone.localdate())},
        ).status_code
        == 302
    )
    assert (
        client.post(
            f"/returns/{r.pk}/share/",
            {
                "kind": "associate",
                "text": "Jay",
                "relationship": "Older boyfriend",
                "age": "19",
                "legal_basis": "cda_s115",
            },
        ).status_code
        == 302
    )
    assert (
        client.post(
            f"/returns/{r.pk}/share/",
            {
                "kind": "flag_request",
                "flag_kind": "cse",
                "detail": "Older boyfriend supplying alcohol",
                "legal_basis": "ca2004_s11",
            },
        ).status_code
        == 302
    )
    associate = Associate.objects.get(person=world["child"], name="Jay")
    assert associate.source.startswith("Return interview, Streetwise")
    assert FlagRequest.objects.filter(person=world["child"], kind="cse").exists()
    page = text(client.get(f"/returns/{r.pk}/"))
    for seen in ("Jay gives her alcohol", "Review the evening routine", "Staying safe"):
        assert seen in page
    assert "Crime and Disorder Act 1998, section 115" in page
    authority = text(signed_in(world["sw"]).get(f"/returns/{r.pk}/"))
    assert "Review the evening routine" in authority and "Reported to the police" in authority
    for secret in ("Jay gives her alcohol", "Staying safe", "Older boyfriend supplying"):
        assert secret not in authority


def test_sharing_without_a_legal_basis_names_the_field(world):
    r = world["referral"]
    interviewed(world["worker"], fresh(r), held_at=fresh(r).found_at + timedelta(hours=2))
    response = signed_in(world["worker"]).post(
        f"/returns/{r.pk}/share/", {"kind": "place", "text": "The park"}
    )
    assert response.status_code == 400
    assert 'href="#id_legal_basis"' in text(response)
    assert not Place.objects.filter(person=world["child"]).exists()


def test_a_flag_request_needs_its_detail(world):
    r = world["referral"]
    interviewed(world["worker"], fresh(r), held_at=fresh(r).found_at + timedelta(hours=2))
    response = signed_in(world["worker"]).post(
        f"/returns/{r.pk}/share/",
        {"kind": "flag_request", "flag_kind": "cse", "legal_basis": "ca2004_s11"},
    )
    assert response.status_code == 400
    assert 'href="#id_detail"' in text(response)


def _with_follow_ups(world):
    r = world["referral"]
    interviewed(world["worker"], fresh(r), held_at=fresh(r).found_at + timedelta(hours=2))
    disclosure = services.disclosure_add(
        actor=world["worker"],
        referral_id=r.pk,
        summary="Jay gives her alcohol",
        step="police",
        due=timezone.now() + timedelta(days=1),
    )
    recommendation = services.recommendation_add(
        actor=world["worker"],
        referral_id=r.pk,
        text="Review the evening routine",
        owner_id=world["vale"].pk,
        due_on=timezone.localdate() + timedelta(days=14),
    )
    return r, disclosure, recommendation


def test_the_authority_marks_a_recommendation_done(world):
    r, _disclosure, rec = _with_follow_ups(world)
    client = signed_in(world["sw"])
    path = f"/returns/{r.pk}/recommendations/{rec.pk}/done/"
    assert path in text(client.get(f"/returns/{r.pk}/"))
    page = text(client.get(path))
    assert "Review the evening routine" in page
    response = client.post(path, {"note": "Routine reviewed with the home"})
    assert response.status_code == 302
    rec.refresh_from_db()
    assert rec.done_at is not None and rec.done_note == "Routine reviewed with the home"
    assert client.get(path).status_code == 302  # done: nothing more to do here


def test_the_interviewer_marks_a_disclosures_step_done(world):
    r, disclosure, _rec = _with_follow_ups(world)
    client = signed_in(world["worker"])
    path = f"/returns/{r.pk}/disclosures/{disclosure.pk}/done/"
    response = client.post(path, {})
    assert response.status_code == 400 and 'href="#id_note"' in text(response)
    assert client.post(path, {"note": "Reported to PC Shah"}).status_code == 302
    disclosure.refresh_from_db()
    assert disclosure.done_at is not None


def test_the_authority_marks_a_disclosures_step_done(world):
    r, disclosure, _rec = _with_follow_ups(world)
    client = signed_in(world["sw"])
    path = f"/returns/{r.pk}/disclosures/{disclosure.pk}/done/"
    page = text(client.get(path))
    assert "Reported to the police" in page and "Jay gives her alcohol" not in page
    assert client.post(path, {"note": "Strategy discussion held"}).status_code == 302
    disclosure.refresh_from_db()
    assert disclosure.done_at is not None and disclosure.done_note == "Strategy discussion held"


def test_an_item_of_another_referral_is_not_found(world):
    r, disclosure, rec = _with_follow_ups(world)
    sibling = person_create(
        actor=world["police"],
        details=PersonDetails(
            given_name="Mia", family_name="Lomax", estimated_age=12, home_authority=world["vale"]
        ),
    )
    other = found_child(
        police=world["police"], person=sibling, found_at=fresh(r).found_at + timedelta(hours=1)
    )
    assert other is not None
    client = signed_in(world["worker"])
    assert client.get(f"/returns/{r.pk}/disclosures/{disclosure.pk}/done/").status_code == 200
    for path in (
        f"/returns/{other.pk}/disclosures/{disclosure.pk}/done/",
        f"/returns/{other.pk}/recommendations/{rec.pk}/done/",
        f"/returns/{r.pk}/disclosures/987654/done/",
        f"/returns/{r.pk}/recommendations/987654/done/",
        f"/returns/{r.pk}/information/987654/answer/",
    ):
        assert client.get(path).status_code == 404, path
        assert client.post(path, {"note": "done"}).status_code == 404, path
    disclosure.refresh_from_db()
    rec.refresh_from_db()
    assert disclosure.done_at is None and rec.done_at is None


def test_amber_asks_an_agency_and_records_its_answer(world):
    r = world["referral"]
    client = signed_in(world["worker"])
    triage(world["worker"], r, {}, "amber")
    r = fresh(r)
    page = text(client.get(f"/returns/{r.pk}/information/"))
    assert "Vale Council" in page and ">Streetwise<" not in page  # not its own organisation
    response = client.post(
        f"/returns/{r.pk}/information/",
        {"agency": world["vale"].pk, "asked": "Who does she see?", "version": r.version},
    )
    assert response.status_code == 302
    request = fresh(r).information_requests.get()
    path = f"/returns/{r.pk}/information/{request.pk}/answer/"
    assert path in text(client.get(f"/returns/{r.pk}/"))
    response = client.post(path, {"answer": "An older boyfriend", "version": fresh(r).version})
    assert response.status_code == 302
    assert fresh(r).state == State.AWAITING_TRIAGE


# --- "Not required" needs a manager who did not propose it (R-RHI-06) -----------------------------


def test_not_required_is_proposed_then_confirmed_by_a_manager(world):
    r = world["referral"]
    worker = signed_in(world["worker"])
    response = worker.post(
        f"/returns/{r.pk}/not_required/",
        {"reason": "Home for an hour only; seen by the social worker", "version": r.version},
    )
    assert response.status_code == 302
    r = fresh(r)
    assert r.state == State.NOT_REQUIRED_PROPOSED and r.is_open
    page = text(worker.get(f"/returns/{r.pk}/"))
    assert "Not required: waiting for the manager" in page
    assert f"/returns/{r.pk}/not_required_decision/" not in page
    assert worker.get(f"/returns/{r.pk}/not_required_decision/").status_code == 404
    assert (
        worker.post(
            f"/returns/{r.pk}/not_required_decision/",
            {"confirm": "yes", "reason": "r", "version": r.version},
        ).status_code
        == 404
    )
    assert fresh(r).is_open
    manager = signed_in(world["manager"])
    assert f"/returns/{r.pk}/not_required_decision/" in text(manager.get(f"/returns/{r.pk}/"))
    response = manager.post(
        f"/returns/{r.pk}/not_required_decision/",
        {"confirm": "yes", "reason": "Agreed: seen the same day", "version": r.version},
    )
    assert response.status_code == 302, text(response)
    r = fresh(r)
    assert r.state == State.CLOSED and r.outcome == Outcome.NOT_REQUIRED
    assert "Not required (confirmed by the manager)" in text(manager.get(f"/returns/{r.pk}/"))


def test_the_manager_who_proposed_it_cannot_confirm_it(world):
    r = world["referral"]
    manager = signed_in(world["manager"])
    manager.post(f"/returns/{r.pk}/not_required/", {"reason": "r", "version": r.version})
    r = fresh(r)
    page = text(manager.get(f"/returns/{r.pk}/"))
    assert "another manager must decide" in page
    assert f"/returns/{r.pk}/not_required_decision/" not in page
    response = manager.get(f"/returns/{r.pk}/not_required_decision/")
    assert response.status_code == 302
    assert "another manager must confirm or refuse it" in text(manager.get(response["Location"]))
    other = signed_in(world["manager2"])
    response = other.post(
        f"/returns/{r.pk}/not_required_decision/",
        {"confirm": "no", "reason": "She should be seen", "version": r.version},
    )
    assert response.status_code == 302
    assert fresh(r).state == State.AWAITING_TRIAGE


def test_an_outcome_without_an_interview(world):
    r = world["referral"]
    client = signed_in(world["worker"])
    response = client.post(
        f"/returns/{r.pk}/outcome/", {"outcome": "declined_child", "version": r.version}
    )
    assert response.status_code == 400 and 'href="#id_offered_instead"' in text(response)
    response = client.post(
        f"/returns/{r.pk}/outcome/",
        {
            "outcome": "declined_child",
            "offered_instead": "A call from her key worker",
            "version": r.version,
        },
    )
    assert response.status_code == 302, text(response)
    assert fresh(r).outcome == Outcome.DECLINED_CHILD


def test_green_closes_with_the_letter(world):
    r = world["referral"]
    green = dict(RED, cse_indicators=False)
    triage(world["worker"], r, green, "green")
    r = fresh(r)
    client = signed_in(world["worker"])
    assert f"/returns/{r.pk}/letter/" in text(client.get(f"/returns/{r.pk}/"))
    today = timezone.localdate()
    response = client.post(
        f"/returns/{r.pk}/letter/",
        {
            **day_parts("to_carer_on", today),
            **day_parts("to_child_on", today),
            "version": r.version,
        },
    )
    assert response.status_code == 302, text(response)
    assert fresh(r).outcome == Outcome.LETTER_SENT


# --- The child's record ---------------------------------------------------------------------------


def test_the_police_see_what_was_shared_on_the_childs_record(world):
    r = world["referral"]
    interviewed(world["worker"], fresh(r), held_at=fresh(r).found_at + timedelta(hours=2))
    services.item_share(
        actor=world["worker"],
        referral_id=r.pk,
        item=services.ItemInput(
            kind="place",
            text="Flat above the chip shop",
            postcode="vl1 2ab",
            legal_basis="cda_s115",
        ),
    )
    services.item_share(
        actor=world["worker"],
        referral_id=r.pk,
        item=services.ItemInput(
            kind="vehicle", text="Blue hatchback, VL12 ABC", legal_basis="cda_s115"
        ),
    )
    police = text(signed_in(world["police"]).get(f"/people/{world['child'].pk}/"))
    assert "Shared by return interviews" in police
    assert "Blue hatchback, VL12 ABC" in police
    assert "Return interview, Streetwise" in police  # the place's source
    assert "Crime and Disorder Act 1998, section 115" in police
    social_worker = text(signed_in(world["sw"]).get(f"/people/{world['child'].pk}/"))
    assert "Shared by return interviews" not in social_worker

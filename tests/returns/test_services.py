"""The return-interview services, through the real engine and database (R-RHI-01..16):
who a found child's referral goes to, the triage, the offer and outcomes, the interview,
what it shares with the police, who may see and act on a referral, and what is refused."""

from __future__ import annotations

import tempfile
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from misper.core.errors import (
    ConcurrentEdit,
    NotFound,
    PermissionDenied,
    ValidationFailed,
    WrongState,
)
from misper.core.models import AuditEvent, Deadline, TimelineEvent
from misper.episodes.models import Episode
from misper.episodes.services import episode_found, episode_report, episode_restrict
from misper.episodes.services.record import FoundInput
from misper.people.models import Associate, Flag, FlagRequest, Place
from misper.people.selectors import flag_requests_for_user
from misper.people.services import (
    PersonDetails,
    flag_raise,
    flag_request_decide,
    person_create,
    placement_record,
)
from misper.policy.profiles import PROFILE_DIR
from misper.returns import services
from misper.returns.models import (
    Arrangement,
    Disclosure,
    InformationRequest,
    OutOfArea,
    Recommendation,
    Referral,
    SharedItem,
)
from misper.returns.referral import known_facts
from misper.returns.selectors import Do, View, get_referral_for_user, queue_for_user
from tests.episodes.conftest import NOW, answers, report
from tests.returns.conftest import add_returns, found_absent
from tests.returns.journey import RED, found_child, interviewed, triage

pytestmark = pytest.mark.django_db

# Every triage fact known, none a risk: green for a first missing episode (R-RHI-10).
GREEN = {
    "associates_recorded": True,
    "places_recorded": True,
    "substance_misuse": False,
    "domestic_violence": False,
    "learning_difficulty": False,
    "troubled_family": False,
    "cse_indicators": False,
}


# --- Helpers --------------------------------------------------------------------------------


def fresh(referral: Referral) -> Referral:
    return Referral.objects.get(pk=referral.pk)


def referred(rhi: dict[str, Any], hours_ago: float = 5, person: Any = None) -> Referral:
    """The region's child (or ``person``) reported missing and found ``hours_ago``."""
    referral = found_child(
        police=rhi["call_handler"],
        person=person or rhi["child"],
        found_at=NOW - timedelta(hours=hours_ago),
    )
    assert referral is not None
    return referral


def open_clock(referral: Referral) -> set[str]:
    return set(
        Deadline.objects.of(referral)
        .filter(owner="returns", status="open")
        .values_list("kind", flat=True)
    )


def clock(referral: Referral) -> dict[str, str]:
    return dict(Deadline.objects.of(referral).filter(owner="returns").values_list("kind", "status"))


def events(subject_type: str, subject_id: int, verb: str) -> Any:
    return TimelineEvent.objects.filter(
        subject_type=subject_type, subject_id=str(subject_id), verb=verb
    )


def written() -> tuple[int, ...]:
    """What a refused call must not have added to."""
    return (
        TimelineEvent.objects.count(),
        AuditEvent.objects.count(),
        Deadline.objects.count(),
        InformationRequest.objects.count(),
        Disclosure.objects.count(),
        Recommendation.objects.count(),
        SharedItem.objects.count(),
    )


def child(rhi: dict[str, Any], authority: Any = None, **details: Any) -> Any:
    return person_create(
        actor=rhi["call_handler"],
        details=PersonDetails(
            given_name=details.pop("given_name", "Mia"),
            family_name=details.pop("family_name", "Gill"),
            date_of_birth=date(2011, 1, 9),
            home_authority=authority,
            **details,
        ),
    )


def place(rhi: dict[str, Any], host: Any, provider: Any = None) -> None:
    """Vale places the region's child in ``host``'s area (out of area when not Vale)."""
    placement_record(
        actor=rhi["social_worker"],
        person_id=rhi["child"].pk,
        placement_type="children_home",
        address="1 Harbour Walk",
        provider=provider,
        placing_authority=rhi["vale"],
        host_authority=host,
        started_on=timezone.localdate() - timedelta(days=30),
    )


def offered(worker: Any, referral: Referral) -> Referral:
    referral = triage(worker, referral, RED, "red")
    return services.interview_offer(
        actor=worker, referral_id=referral.pk, version=referral.version, how="Visit"
    )


def interview(held_at: Any, **kw: Any) -> services.InterviewInput:
    base: dict[str, Any] = {
        "held_at": held_at,
        "interviewer_name": "Maya Brooks",
        "independent": True,
        "place": "The youth centre",
        "child_words": "I went to my cousin's",
    }
    base.update(kw)
    return services.InterviewInput(**base)


# --- Routing: who is responsible and who holds the interview (R-RHI-12, R-OOA-04) -------------


def test_a_child_at_home_goes_to_the_home_authoritys_commissioned_provider(rhi):
    """R-RHI-12: the home authority is responsible; its commissioned provider interviews."""
    referral = referred(rhi)
    assert referral.responsible_authority == rhi["vale"]
    assert referral.interviewer == rhi["streetwise"]
    assert referral.basis == "home" and not referral.in_care and referral.routing_note == ""
    assert referral.category == "missing"
    event = events("episode", referral.episode_id, "rhi_referred").get()
    assert event.changes["interviewer"] == "Streetwise"
    assert event.changes["responsible_authority"] == "Vale"
    assert {"R-RHI-01", "R-RHI-02", "R-RHI-12"} <= set(event.rules)


def test_an_authority_without_an_arrangement_holds_its_own_interviews(rhi):
    """R-RHI-12: no commissioned provider: the authority's own staff interview."""
    person = child(rhi, rhi["harbour"])
    referral = referred(rhi, person=person)
    assert referral.responsible_authority == rhi["harbour"]
    assert referral.interviewer == rhi["harbour"]
    assert referral.basis == "home"


def test_a_child_placed_in_area_goes_to_the_placing_authoritys_provider(rhi):
    """R-RHI-12: placed within the placing authority's own area."""
    place(rhi, rhi["vale"], provider=rhi["home"])
    referral = referred(rhi)
    assert referral.responsible_authority == rhi["vale"]
    assert referral.interviewer == rhi["streetwise"]
    assert referral.basis == "placing" and referral.in_care
    assert referral.routing_note == ""


def test_placed_out_of_area_with_a_host_arrangement_goes_to_the_hosts_provider(rhi):
    """R-RHI-12, R-OOA-04: the placing authority's arrangement gives its out-of-area
    children's interviews to the host authority, which commissions Harbour Youth."""
    Arrangement.objects.filter(authority=rhi["vale"]).update(out_of_area=OutOfArea.HOST)
    Arrangement.objects.create(authority=rhi["harbour"], provider=rhi["harbour_youth"])
    place(rhi, rhi["harbour"])
    referral = referred(rhi)
    assert referral.responsible_authority == rhi["harbour"]
    assert referral.interviewer == rhi["harbour_youth"]
    assert referral.basis == "host" and referral.in_care
    assert referral.routing_note == (
        "Placed out of area: the arrangement of Vale gives the interview to Harbour"
    )
    event = events("rhi_referral", referral.pk, "rhi_referred").get()
    assert event.rationale == referral.routing_note
    assert event.changes["routing_note"] == referral.routing_note
    # The placing authority keeps sight of its child's referral (R-OWN-08): the authority
    # view, in its social worker's queue; the host's social worker sees it too.
    assert referral.placing_authority == rhi["vale"]
    for sw in (rhi["social_worker"], rhi["other_authority"]):
        access = get_referral_for_user(sw, referral.pk, purpose="test")
        assert access.view == View.AUTHORITY
        assert referral in queue_for_user(sw)


def test_placed_out_of_area_with_a_provider_that_does_not_travel_goes_to_the_authority(rhi):
    """R-OOA-04, R-OOA-06 ("does not have the resource to conduct out of area return
    interviews"): the placing authority itself holds it, and the note says why."""
    assert not rhi["arrangement"].provider_takes_out_of_area
    place(rhi, rhi["harbour"])
    referral = referred(rhi)
    assert referral.responsible_authority == rhi["vale"]
    assert referral.interviewer == rhi["vale"]
    assert referral.basis == "placing" and referral.in_care
    assert referral.routing_note == (
        "Streetwise does not hold interviews for children placed out of area: referred to Vale"
    )


def test_placed_out_of_area_with_a_provider_that_travels_goes_to_the_provider(rhi):
    """R-OOA-04: the provider interviews the placing authority's children placed away."""
    Arrangement.objects.filter(authority=rhi["vale"]).update(provider_takes_out_of_area=True)
    place(rhi, rhi["harbour"])
    referral = referred(rhi)
    assert referral.responsible_authority == rhi["vale"]
    assert referral.interviewer == rhi["streetwise"]
    assert referral.basis == "placing" and referral.routing_note == ""


def test_no_authority_known_no_referral_and_the_episode_says_so(rhi):
    """R-RHI-12: with no authority for the child nobody can be referred; the episode's
    timeline records it."""
    person = child(rhi, None)
    referral = found_child(
        police=rhi["call_handler"], person=person, found_at=NOW - timedelta(hours=2)
    )
    assert referral is None
    episode = Episode.objects.get(person=person)
    assert episode.status == "found"
    assert not Referral.objects.exists()
    event = events("episode", episode.pk, "rhi_not_referred").get()
    assert event.rules == ["R-RHI-12"]


# --- Who is referred (R-RHI-13, R-RES-01) -----------------------------------------------------


def test_an_absent_child_is_not_referred_under_west_midlands_2015(rhi):
    """R-RHI-13: WMP15 does not offer interviews to absent children
    (rhi_offer_to_absent_or_nar = false)."""
    found_absent(rhi, rhi["child"], NOW - timedelta(hours=1))
    episode = Episode.objects.get(person=rhi["child"])
    assert episode.category == "absent" and episode.status == "found"
    assert not Referral.objects.exists()


def offering_absent_profile() -> str:
    """West Midlands 2015 with rhi_offer_to_absent_or_nar = true: the bundled profiles that
    say true (national-continuum, west-midlands-2018) have no absent category at all, so
    the force's profile is this copy, loaded by path (policy/profiles.py load_profile)."""
    text = (PROFILE_DIR / "west-midlands-2015.toml").read_text()
    line = "rhi_offer_to_absent_or_nar = false"
    assert line in text
    folder = Path(tempfile.mkdtemp(prefix="rhi", dir="/tmp"))
    path = folder / "offer.toml"
    path.write_text(text.replace(line, "rhi_offer_to_absent_or_nar = true"))
    assert len(str(path)) <= 64  # Organisation.policy_profile
    return str(path)


def test_an_absent_child_is_referred_where_the_profile_offers_it(make_org, make_user):
    """R-RHI-13: where the profile offers interviews to absent children, the found absent
    child is referred, and the referral names the rule."""
    from tests.episodes.conftest import make_region

    region = add_returns(
        make_region(make_org, make_user, offering_absent_profile()), make_org, make_user
    )
    episode = found_absent(region, region["child"], NOW - timedelta(hours=1))
    referral = Referral.objects.get(episode=episode)
    assert referral.category == "absent" and referral.interviewer == region["streetwise"]
    assert open_clock(referral) == {"rhi_reminder", "rhi_due"}
    event = events("rhi_referral", referral.pk, "rhi_referred").get()
    assert "R-RHI-13" in event.rules


def test_a_restricted_case_is_not_referred(rhi):
    """R-RES-01: a restricted case is referred to nobody; its owning officers act on it."""
    ep = episode_report(
        actor=rhi["call_handler"],
        person_id=rhi["child"].pk,
        report=report(
            reported_at=NOW - timedelta(hours=4),
            last_seen_at=NOW - timedelta(hours=5),
            last_contact_at=None,
            answers=answers(abuse_or_exploitation="yes"),
        ),
        category="missing",
        risk="medium",
        rationale="forced marriage concern",
        now=NOW - timedelta(hours=4),
    )
    ep = episode_restrict(
        actor=rhi["inspector"], episode_id=ep.pk, version=ep.version, reason="honour-based abuse"
    )
    ep = episode_found(
        actor=rhi["inspector"],
        episode_id=ep.pk,
        version=ep.version,
        found=FoundInput(
            found_at=NOW - timedelta(hours=1),
            found_where="A friend's house",
            found_by="PC Shah",
            condition="Well",
            safe_and_well="done",
        ),
        now=NOW,
    )
    assert ep.status == "found" and ep.restricted
    assert not Referral.objects.exists()
    assert not events("episode", ep.pk, "rhi_referred").exists()


# --- The triage (R-RHI-10) ------------------------------------------------------------------


def test_the_referral_carries_the_engines_first_rating_and_reasons(rhi):
    """R-RHI-10: a first missing episode with nothing on the record about associates,
    places or CSE is amber (information lacking), for a worker to confirm."""
    referral = referred(rhi)
    assert referral.state == "awaiting_triage" and referral.rag == ""
    assert referral.engine_rag == "amber"
    assert {
        "rule": "R-RHI-10",
        "text": "amber: information lacking on the child's associates, the places visited, "
        "CSE indicators",
    } in referral.engine_reasons
    assert referral.triage_facts == known_facts(rhi["child"])
    assert referral.criteria == []


def test_a_cse_flag_on_the_record_makes_the_first_rating_red(rhi):
    """R-RHI-10 (CSE indicators), R-RHI-04 criterion 6: the record's CSE flag is known to
    the triage."""
    flag_raise(
        actor=rhi["call_handler"],
        person_id=rhi["child"].pk,
        kind="cse",
        evidence="Strategy meeting",
        review_on=timezone.localdate() + timedelta(days=60),
    )
    referral = referred(rhi)
    assert referral.triage_facts["cse_indicators"] is True
    assert referral.engine_rag == "red"
    assert {"rule": "R-RHI-10", "text": "red: CSE indicators"} in referral.engine_reasons
    assert 6 in referral.criteria


def test_five_absences_behind_a_first_missing_episode_make_it_red(rhi):
    """R-RHI-10: "5 or more absent incidents ... catapults the young person into a red
    risk category" (and R-HMI-08: absences count). One missing episode, no flag: without
    the absences it would be amber."""
    for n in range(5):
        found_absent(rhi, rhi["child"], NOW - timedelta(days=20 - 2 * n))
    assert Episode.objects.filter(person=rhi["child"], category="absent").count() == 5
    assert not Referral.objects.exists()  # absent: not offered under WMP15 (R-RHI-13)
    referral = referred(rhi, hours_ago=3)
    assert referral.engine_rag == "red"
    assert {
        "rule": "R-RHI-10",
        "text": "red: 5 absent incidents (5 or more)",
    } in referral.engine_reasons


def test_four_absences_do_not_make_it_red(rhi):
    """R-RHI-10: the threshold is 5 (rag.absent_incidents_red)."""
    for n in range(4):
        found_absent(rhi, rhi["child"], NOW - timedelta(days=20 - 2 * n))
    assert referred(rhi, hours_ago=3).engine_rag == "amber"


def test_a_worker_changing_the_engines_rating_must_say_why(rhi):
    """R-RHI-10: the engine rates; a worker who rates differently gives the rationale."""
    referral = referred(rhi)
    before = written()
    with pytest.raises(ValidationFailed) as exc:
        triage(rhi["rhi_worker"], referral, GREEN, "red")
    assert exc.value.field == "rationale" and "R-RHI-10" in exc.value.rules
    assert "green" in exc.value.message
    assert written() == before
    assert fresh(referral).state == "awaiting_triage" and fresh(referral).version == 1

    done = triage(rhi["rhi_worker"], referral, GREEN, "red", "The school is worried about him")
    stored = fresh(done)
    assert stored.engine_rag == "green" and stored.rag == "red"
    assert stored.rag_rationale == "The school is worried about him"
    assert stored.state == "triaged" and stored.triaged_by == rhi["rhi_worker"]
    assert stored.triage_facts == GREEN and stored.version == 2
    event = events("rhi_referral", referral.pk, "rhi_triaged").get()
    assert event.changes["rag"] == "red" and event.changes["engine_rag"] == "green"
    assert event.rationale == "The school is worried about him"


def test_amber_waits_for_information_and_goes_back_to_triage_when_it_arrives(rhi):
    """R-RHI-10: amber asks a named agency; re-triage when the answer arrives."""
    referral = triage(rhi["rhi_worker"], referred(rhi), {}, "amber")
    assert referral.state == "awaiting_information" and referral.engine_rag == "amber"
    request = services.information_request(
        actor=rhi["rhi_worker"],
        referral_id=referral.pk,
        version=referral.version,
        agency_id=rhi["vale"].pk,
        asked="Who does he spend time with?",
    )
    assert fresh(referral).state == "awaiting_information"
    services.information_received(
        actor=rhi["rhi_worker"],
        request_id=request.pk,
        version=fresh(referral).version,
        answer="Friends from school; no adults known",
    )
    request.refresh_from_db()
    assert request.answer == "Friends from school; no adults known"
    assert request.answered_at is not None
    assert fresh(referral).state == "awaiting_triage"
    assert events("rhi_referral", referral.pk, "rhi_information_received").count() == 1
    with pytest.raises(WrongState):
        services.information_received(
            actor=rhi["rhi_worker"],
            request_id=request.pk,
            version=fresh(referral).version,
            answer="again",
        )


def test_green_is_answered_by_a_letter_which_closes_it_and_stops_the_clock(rhi):
    """R-RHI-10: green: "The parent/carer and young person each receive a letter and
    leaflet"; the referral closes and the 72-hour clock stops (R-RHI-01)."""
    referral = triage(rhi["rhi_worker"], referred(rhi), GREEN, "green")
    assert referral.state == "triaged" and referral.engine_rag == "green"
    assert open_clock(referral) == {"rhi_reminder", "rhi_due"}
    today = timezone.localdate()
    closed = services.letter_sent(
        actor=rhi["rhi_worker"],
        referral_id=referral.pk,
        version=referral.version,
        to_carer_on=today,
        to_child_on=today,
    )
    stored = fresh(closed)
    assert stored.state == "closed" and stored.outcome == "letter_sent"
    assert stored.letter_to_carer_on == today and stored.letter_to_child_on == today
    assert stored.outcome_by == rhi["rhi_worker"] and stored.within_72_hours is True
    assert clock(referral) == {"rhi_reminder": "met", "rhi_due": "met"}


def test_a_letter_needs_both_dates(rhi):
    """R-RHI-10: "The parent/carer and young person each receive a letter"."""
    referral = triage(rhi["rhi_worker"], referred(rhi), GREEN, "green")
    with pytest.raises(ValidationFailed) as exc:
        services.letter_sent(
            actor=rhi["rhi_worker"],
            referral_id=referral.pk,
            version=referral.version,
            to_carer_on=timezone.localdate(),
            to_child_on=None,
        )
    assert exc.value.field == "to_child_on"
    assert fresh(referral).state == "triaged"


def test_a_red_referral_is_not_answered_by_a_letter(rhi):
    """R-RHI-10: red "require a return interview"."""
    referral = triage(rhi["rhi_worker"], referred(rhi), RED, "red")
    with pytest.raises(WrongState) as exc:
        services.letter_sent(
            actor=rhi["rhi_worker"],
            referral_id=referral.pk,
            version=referral.version,
            to_carer_on=timezone.localdate(),
            to_child_on=timezone.localdate(),
        )
    assert "R-RHI-10" in exc.value.rules
    assert fresh(referral).state == "triaged" and open_clock(referral) == {
        "rhi_reminder",
        "rhi_due",
    }


# --- Outcomes without an interview (R-RHI-11, R-RHI-06) ----------------------------------------


def test_declined_needs_what_was_offered_instead(rhi):
    """R-RHI-11: refused by the young person; what was offered instead is recorded."""
    referral = offered(rhi["rhi_worker"], referred(rhi))
    with pytest.raises(ValidationFailed) as exc:
        services.outcome_record(
            actor=rhi["rhi_worker"],
            referral_id=referral.pk,
            version=referral.version,
            outcome="declined_child",
        )
    assert exc.value.field == "offered_instead"
    assert fresh(referral).state == "offered"
    closed = services.outcome_record(
        actor=rhi["rhi_worker"],
        referral_id=referral.pk,
        version=referral.version,
        outcome="declined_child",
        offered_instead="A leaflet and the helpline number",
    )
    stored = fresh(closed)
    assert stored.state == "closed" and stored.outcome == "declined_child"
    assert stored.offered_instead == "A leaflet and the helpline number"
    assert clock(referral) == {"rhi_reminder": "met", "rhi_due": "met"}


def test_not_required_cannot_be_recorded_as_an_outcome(rhi):
    """R-RHI-06: "not required" needs the case manager and the line manager."""
    referral = referred(rhi)
    with pytest.raises(ValidationFailed) as exc:
        services.outcome_record(
            actor=rhi["rhi_manager"],
            referral_id=referral.pk,
            version=referral.version,
            outcome="not_required",
            reason="Known to the team",
        )
    assert "R-RHI-06" in exc.value.rules and exc.value.field == "outcome"
    assert fresh(referral).state == "awaiting_triage"


def test_not_required_is_proposed_and_confirmed_by_another_manager(rhi):
    """R-RHI-06: proposed with the reason, the clock still running; the proposer cannot
    confirm it, nor can a worker without a manager's role; another manager confirms and
    only then does the clock stop."""
    referral = triage(rhi["rhi_worker"], referred(rhi), RED, "red")
    referral = services.not_required_propose(
        actor=rhi["rhi_manager"],
        referral_id=referral.pk,
        version=referral.version,
        reason="An allocated social worker visited him at home today",
    )
    assert referral.state == "not_required_proposed"
    assert referral.not_required_proposed_by == rhi["rhi_manager"]
    assert open_clock(referral) == {"rhi_reminder", "rhi_due"}

    with pytest.raises(PermissionDenied) as exc:
        services.not_required_decide(
            actor=rhi["rhi_manager"],
            referral_id=referral.pk,
            version=referral.version,
            confirm=True,
            reason="Agreed",
        )
    assert "R-RHI-06" in exc.value.rules
    with pytest.raises(PermissionDenied):
        services.not_required_decide(
            actor=rhi["rhi_worker"],
            referral_id=referral.pk,
            version=referral.version,
            confirm=True,
            reason="Agreed",
        )
    assert fresh(referral).state == "not_required_proposed"

    closed = services.not_required_decide(
        actor=rhi["rhi_manager_2"],
        referral_id=referral.pk,
        version=referral.version,
        confirm=True,
        reason="Agreed: the social worker's visit covers it",
    )
    stored = fresh(closed)
    assert stored.state == "closed" and stored.outcome == "not_required"
    assert stored.outcome_by == rhi["rhi_manager_2"]
    assert "An allocated social worker visited him" in stored.outcome_reason
    assert "the social worker's visit covers it" in stored.outcome_reason
    assert clock(referral) == {"rhi_reminder": "met", "rhi_due": "met"}
    event = events("rhi_referral", referral.pk, "rhi_outcome").get()
    assert event.changes["outcome"] == "not_required" and "R-RHI-06" in event.rules


@pytest.mark.parametrize(
    ("rag", "back_to"), [("red", "triaged"), ("amber", "awaiting_information")]
)
def test_a_manager_refusing_not_required_returns_it_to_its_triage(rhi, rag, back_to):
    """R-RHI-06: refused, the interview is still needed: the referral is where it was."""
    referral = triage(rhi["rhi_worker"], referred(rhi), RED if rag == "red" else {}, rag)
    referral = services.not_required_propose(
        actor=rhi["rhi_worker"],
        referral_id=referral.pk,
        version=referral.version,
        reason="He says he is fine",
    )
    refused = services.not_required_decide(
        actor=rhi["rhi_manager"],
        referral_id=referral.pk,
        version=referral.version,
        confirm=False,
        reason="He has been missing overnight: offer the interview",
    )
    stored = fresh(refused)
    assert stored.state == back_to and stored.outcome == ""
    assert stored.not_required_proposed_by is None and stored.outcome_reason == ""
    assert open_clock(referral) == {"rhi_reminder", "rhi_due"}
    assert events("rhi_referral", referral.pk, "rhi_not_required_refused").count() == 1


def test_missing_again_needs_a_newer_open_episode_and_stops_the_clock(rhi):
    """R-RHI-11 ("not possible (child missing again)"), R-RHI-01 (the clock stops and
    says why)."""
    referral = referred(rhi, hours_ago=10)
    with pytest.raises(ValidationFailed) as exc:
        services.outcome_record(
            actor=rhi["rhi_worker"],
            referral_id=referral.pk,
            version=referral.version,
            outcome="missing_again",
            reason="Not at home when we called",
        )
    assert exc.value.field == "outcome"
    assert fresh(referral).is_open
    again = episode_report(
        actor=rhi["call_handler"],
        person_id=rhi["child"].pk,
        report=report(
            reported_at=NOW - timedelta(hours=1),
            last_seen_at=NOW - timedelta(hours=2),
            last_contact_at=None,
        ),
        category="missing",
        risk="medium",
        rationale="missing again",
        now=NOW - timedelta(hours=1),
    )
    assert again.reported_at > referral.found_at
    closed = services.outcome_record(
        actor=rhi["rhi_worker"],
        referral_id=referral.pk,
        version=referral.version,
        outcome="missing_again",
        reason="Reported missing again before we could meet",
    )
    stored = fresh(closed)
    assert stored.state == "closed" and stored.outcome == "missing_again"
    rows = Deadline.objects.of(referral).filter(owner="returns")
    assert {(d.kind, d.status) for d in rows} == {("rhi_reminder", "met"), ("rhi_due", "met")}
    assert all("missing again" in d.closed_reason for d in rows)
    event = events("rhi_referral", referral.pk, "rhi_outcome").get()
    assert "R-RHI-01" in event.rules and event.changes["outcome"] == "missing_again"


# --- The interview (R-RHI-03, R-RHI-05) -------------------------------------------------------


def test_an_interviewer_who_knows_the_child_needs_the_rationale(rhi):
    """R-RHI-03: independence is desirable; a known person needs "clear rationale that a
    known person is in child/YP's best interest"."""
    referral = offered(rhi["rhi_worker"], referred(rhi))
    before = written()
    with pytest.raises(ValidationFailed) as exc:
        services.interview_record(
            actor=rhi["rhi_worker"],
            referral_id=referral.pk,
            version=referral.version,
            details=interview(NOW - timedelta(hours=1), independent=False),
        )
    assert exc.value.field == "known_person_rationale" and "R-RHI-03" in exc.value.rules
    assert written() == before and fresh(referral).is_open
    services.interview_record(
        actor=rhi["rhi_worker"],
        referral_id=referral.pk,
        version=referral.version,
        details=interview(
            NOW - timedelta(hours=1),
            independent=False,
            known_person_rationale="She will only talk to her key worker",
        ),
    )
    stored = fresh(referral)
    assert stored.outcome == "completed" and not stored.interview.independent
    assert stored.interview.known_person_rationale == "She will only talk to her key worker"


def test_an_interview_cannot_be_held_before_the_child_was_found(rhi):
    """R-RHI-05: the interview follows the return."""
    referral = offered(rhi["rhi_worker"], referred(rhi, hours_ago=5))
    with pytest.raises(ValidationFailed) as exc:
        services.interview_record(
            actor=rhi["rhi_worker"],
            referral_id=referral.pk,
            version=referral.version,
            details=interview(referral.found_at - timedelta(minutes=1)),
        )
    assert exc.value.field == "held_at"
    assert fresh(referral).state == "offered"


@pytest.mark.parametrize(
    ("found_hours_ago", "held_hours_ago", "hours", "within"),
    [
        (30, 2, 28.0, True),
        (100, 1, 99.0, False),
    ],
)
def test_the_interview_closes_the_referral_with_its_timeliness(
    rhi, found_hours_ago, held_hours_ago, hours, within
):
    """R-RHI-01: completed within 72 hours of being found, or not; the clock stops."""
    referral = referred(rhi, hours_ago=found_hours_ago)
    held_at = NOW - timedelta(hours=held_hours_ago)
    done = interviewed(rhi["rhi_worker"], referral, held_at=held_at)
    assert done.state == "closed" and done.outcome == "completed"
    assert done.ended_at == held_at
    assert done.hours_to_outcome == hours and done.within_72_hours is within
    assert clock(referral) == {"rhi_reminder": "met", "rhi_due": "met"}
    event = events("rhi_referral", referral.pk, "rhi_interview_recorded").get()
    assert event.changes["hours_to_outcome"] == hours
    assert event.changes["within_72_hours"] is within

    with pytest.raises(WrongState):
        services.interview_record(
            actor=rhi["rhi_worker"],
            referral_id=referral.pk,
            version=done.version,
            details=interview(NOW - timedelta(minutes=30)),
        )


# --- Disclosures (R-RHI-07) and recommendations (R-RHI-14) -----------------------------------


def test_a_disclosure_has_a_deadline_met_when_its_step_is_taken(rhi):
    """R-RHI-07: harm disclosed: report it to the police or the authority, by when."""
    referral = interviewed(rhi["rhi_worker"], referred(rhi, 30), held_at=NOW - timedelta(hours=2))
    due = timezone.now() + timedelta(hours=12)
    disclosure = services.disclosure_add(
        actor=rhi["rhi_worker"],
        referral_id=referral.pk,
        summary="An older man gives her alcohol",
        step="police",
        due=due,
    )
    row = Deadline.objects.of(disclosure).get()
    assert (row.owner, row.kind, row.status, row.due, row.rule) == (
        "returns",
        "disclosure_step",
        "open",
        due,
        "R-RHI-07",
    )
    services.disclosure_done(
        actor=rhi["rhi_worker"], disclosure_id=disclosure.pk, note="Phoned 101, ref 4411"
    )
    row.refresh_from_db()
    assert row.status == "met"
    disclosure.refresh_from_db()
    assert disclosure.done_at is not None and disclosure.done_note == "Phoned 101, ref 4411"
    with pytest.raises(WrongState):
        services.disclosure_done(actor=rhi["rhi_worker"], disclosure_id=disclosure.pk, note="again")


def test_a_recommendation_has_a_deadline_met_when_acted_on(rhi):
    """R-RHI-14: "respond to and act on recommendations following a RHI"."""
    referral = interviewed(rhi["rhi_worker"], referred(rhi, 30), held_at=NOW - timedelta(hours=2))
    due_on = timezone.localdate() + timedelta(days=14)
    rec = services.recommendation_add(
        actor=rhi["rhi_worker"],
        referral_id=referral.pk,
        text="Review the evening routine",
        owner_id=rhi["vale"].pk,
        due_on=due_on,
    )
    row = Deadline.objects.of(rec).get()
    assert (row.owner, row.kind, row.status, row.rule) == (
        "returns",
        "recommendation_due",
        "open",
        "R-RHI-14",
    )
    assert timezone.localtime(row.due).date() == due_on
    # The responsible authority follows it up.
    services.recommendation_done(
        actor=rhi["social_worker"], recommendation_id=rec.pk, note="Routine reviewed"
    )
    row.refresh_from_db()
    assert row.status == "met"
    with pytest.raises(WrongState):
        services.recommendation_done(
            actor=rhi["social_worker"], recommendation_id=rec.pk, note="again"
        )


def test_disclosures_come_after_the_interview(rhi):
    """R-RHI-07: disclosures are made "during the Return Interview"."""
    referral = offered(rhi["rhi_worker"], referred(rhi))
    with pytest.raises(WrongState):
        services.disclosure_add(
            actor=rhi["rhi_worker"],
            referral_id=referral.pk,
            summary="x",
            step="police",
            due=timezone.now() + timedelta(hours=1),
        )


# --- What the police learn (R-RHI-09) ---------------------------------------------------------


def test_shared_associates_and_places_land_on_the_childs_record_with_their_source(rhi):
    """R-RHI-09: "reported into the Police Intelligence Systems and recorded on the
    child/young person's record"."""
    referral = interviewed(rhi["rhi_worker"], referred(rhi, 30), held_at=NOW - timedelta(hours=2))
    person = rhi["child"]
    shared = services.item_share(
        actor=rhi["rhi_worker"],
        referral_id=referral.pk,
        item=services.ItemInput(
            kind="associate", text="Jay", relationship="boyfriend", age=19, legal_basis="cda_s115"
        ),
    )
    associate = Associate.objects.get(person=person)
    assert shared.associate == associate
    assert associate.name == "Jay" and associate.relationship == "boyfriend"
    assert associate.is_adult is True
    assert associate.source.startswith("Return interview, Streetwise, ")
    spot = services.item_share(
        actor=rhi["rhi_worker"],
        referral_id=referral.pk,
        item=services.ItemInput(
            kind="place",
            text="Flat above the chip shop",
            postcode="vl2 9zz",
            legal_basis="cda_s115",
        ),
    )
    landed = Place.objects.get(person=person)
    assert spot.place == landed and landed.postcode == "VL2 9ZZ"
    assert landed.source.startswith("Return interview, Streetwise, ")
    person_events = TimelineEvent.objects.filter(subject_type="person", subject_id=str(person.pk))
    added = person_events.filter(verb="associate_added").get()
    assert added.changes["source"] == associate.source and "R-RHI-09" in added.rules
    assert person_events.filter(verb="place_added").get().changes["place"] == (
        "Flat above the chip shop"
    )
    assert events("rhi_referral", referral.pk, "rhi_shared").count() == 2


def test_a_flag_request_waits_for_the_forces_coordinator_who_accepts_it(rhi):
    """R-RHI-09, R-FLG-02: the request lands on the force's coordinators' list; accepted,
    the force raises the flag with the request as its evidence."""
    referral = interviewed(rhi["rhi_worker"], referred(rhi, 30), held_at=NOW - timedelta(hours=2))
    shared = services.item_share(
        actor=rhi["rhi_worker"],
        referral_id=referral.pk,
        item=services.ItemInput(
            kind="flag_request",
            text="",
            flag_kind="cse",
            detail="Older boyfriend supplying alcohol",
            legal_basis="ca2004_s11",
        ),
    )
    request = FlagRequest.objects.get()
    assert shared.flag_request == request
    assert request.force == rhi["force"] and request.status == "pending"
    assert request.requested_by_org == rhi["streetwise"] and request.kind == "cse"
    assert list(flag_requests_for_user(rhi["coordinator"])) == [request]
    assert not flag_requests_for_user(rhi["inspector"]).exists()
    assert not Flag.objects.exists()

    # Nobody but the force's coordinators decides it.
    for outsider in (rhi["inspector"], rhi["rhi_worker"], rhi["social_worker"]):
        with pytest.raises(NotFound):
            flag_request_decide(actor=outsider, request_id=request.pk, accept=True)

    flag_request_decide(actor=rhi["coordinator"], request_id=request.pk, accept=True)
    request.refresh_from_db()
    flag = Flag.objects.get()
    assert request.status == "accepted" and request.flag == flag
    assert flag.person == rhi["child"] and flag.kind == "cse"
    assert flag.raised_by == rhi["coordinator"] and flag.raised_by_org == rhi["force"]
    assert "Older boyfriend supplying alcohol" in flag.evidence
    person_events = TimelineEvent.objects.filter(
        subject_type="person", subject_id=str(rhi["child"].pk)
    )
    assert person_events.filter(verb="flag_requested").count() == 1
    assert person_events.filter(verb="flag_request_accepted").count() == 1
    with pytest.raises(WrongState):
        flag_request_decide(
            actor=rhi["coordinator"], request_id=request.pk, accept=False, reason="changed my mind"
        )


def test_declining_a_flag_request_needs_a_reason(rhi):
    """R-FLG-02: declined with a reason; no flag is raised."""
    referral = interviewed(rhi["rhi_worker"], referred(rhi, 30), held_at=NOW - timedelta(hours=2))
    services.item_share(
        actor=rhi["rhi_worker"],
        referral_id=referral.pk,
        item=services.ItemInput(
            kind="flag_request",
            text="",
            flag_kind="cse",
            detail="Older boyfriend",
            legal_basis="ca2004_s11",
        ),
    )
    request = FlagRequest.objects.get()
    with pytest.raises(ValidationFailed) as exc:
        flag_request_decide(actor=rhi["coordinator"], request_id=request.pk, accept=False)
    assert exc.value.field == "reason"
    request.refresh_from_db()
    assert request.status == "pending"
    flag_request_decide(
        actor=rhi["coordinator"],
        request_id=request.pk,
        accept=False,
        reason="Already flagged by the CSE team",
    )
    request.refresh_from_db()
    assert request.status == "declined" and request.decision_reason == (
        "Already flagged by the CSE team"
    )
    assert not Flag.objects.exists()
    assert TimelineEvent.objects.filter(
        subject_type="person", subject_id=str(rhi["child"].pk), verb="flag_request_declined"
    ).exists()


# --- Who sees a referral and who acts on it (selectors) -------------------------------------


@pytest.mark.parametrize(
    "who",
    ["other_provider", "other_authority", "carer", "inspector", "call_handler", "coordinator"],
)
def test_outsiders_get_no_such_referral(rhi, who):
    """R-RHI-09: another provider, another authority, a carer and the police see nothing
    of the referral (the same answer as for one that does not exist)."""
    referral = referred(rhi)
    audits = AuditEvent.objects.count()
    with pytest.raises(NotFound) as exc:
        get_referral_for_user(rhi[who], referral.pk, purpose="view")
    with pytest.raises(NotFound) as missing:
        get_referral_for_user(rhi[who], referral.pk + 1000, purpose="view")
    assert exc.value.message == missing.value.message == "No such referral"
    assert AuditEvent.objects.count() == audits


def test_the_responsible_authority_sees_but_does_not_act(rhi):
    """R-RHI-12: the responsible authority follows the referral its provider holds; only
    the provider triages, offers and interviews."""
    referral = referred(rhi)
    access = get_referral_for_user(rhi["social_worker"], referral.pk, purpose="view")
    assert access.view == View.AUTHORITY and not access.interviewer
    with pytest.raises(PermissionDenied):
        get_referral_for_user(rhi["social_worker"], referral.pk, do=Do.WORK, purpose="triage")
    before = written()
    with pytest.raises(PermissionDenied):
        triage(rhi["social_worker"], referral, RED, "red")
    with pytest.raises(PermissionDenied):
        services.outcome_record(
            actor=rhi["social_worker"],
            referral_id=referral.pk,
            version=referral.version,
            outcome="unable_to_contact",
            reason="No answer",
        )
    assert written() == before
    assert fresh(referral).state == "awaiting_triage"


def test_the_interviewer_sees_and_a_worker_cannot_manage(rhi):
    """R-RHI-12: the interviewing organisation acts on the referral; allocating needs its
    manager, and only to one of its own workers."""
    referral = referred(rhi)
    assert get_referral_for_user(rhi["rhi_worker"], referral.pk, purpose="v").view == (
        View.INTERVIEWER
    )
    with pytest.raises(PermissionDenied):
        services.referral_allocate(
            actor=rhi["rhi_worker"],
            referral_id=referral.pk,
            version=referral.version,
            worker_id=rhi["rhi_worker"].pk,
        )
    allocated = services.referral_allocate(
        actor=rhi["rhi_manager"],
        referral_id=referral.pk,
        version=referral.version,
        worker_id=rhi["rhi_worker_2"].pk,
    )
    assert allocated.allocated_to == rhi["rhi_worker_2"]
    with pytest.raises(ValidationFailed) as exc:
        services.referral_allocate(
            actor=rhi["rhi_manager"],
            referral_id=referral.pk,
            version=allocated.version,
            worker_id=rhi["other_provider"].pk,
        )
    assert exc.value.field == "worker"


def test_every_successful_get_is_audited(rhi):
    """R-RES-04 (the young person's confidentiality), R-RHI-09: each opening of a referral
    is a read of the child's record, audited with its purpose."""
    referral = referred(rhi)
    rows = AuditEvent.objects.filter(subject_type="rhi_referral", subject_id=str(referral.pk))
    assert rows.count() == 0
    get_referral_for_user(rhi["rhi_worker"], referral.pk, purpose="open the referral")
    get_referral_for_user(rhi["social_worker"], referral.pk, purpose="follow up")
    assert list(rows.values_list("user", "action", "purpose")) == [
        (rhi["rhi_worker"].pk, "read", "open the referral"),
        (rhi["social_worker"].pk, "read", "follow up"),
    ]
    triage(rhi["rhi_worker"], referral, RED, "red")
    assert rows.count() == 3 and rows.last().purpose == "triage"


# --- Concurrency and validation ---------------------------------------------------------------


def test_a_stale_version_is_refused_and_writes_nothing(rhi):
    """R-RHI-11: two workers on one referral: the second, on what they saw before the
    first's change, is refused and nothing of theirs is written."""
    referral = triage(rhi["rhi_worker"], referred(rhi), RED, "red")
    before = written()
    with pytest.raises(ConcurrentEdit) as exc:
        services.interview_offer(
            actor=rhi["rhi_worker"], referral_id=referral.pk, version=1, how="Visit"
        )
    assert exc.value.field == "version"
    with pytest.raises(ConcurrentEdit):
        services.not_required_propose(
            actor=rhi["rhi_worker"], referral_id=referral.pk, version=1, reason="x"
        )
    assert written() == before
    stored = fresh(referral)
    assert stored.state == "triaged" and stored.version == referral.version == 2


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda w, r: triage(w, r, RED, "purple"), "rag"),
        (lambda w, r: triage(w, r, {**RED, "height": True}, "red"), "height"),
        (lambda w, r: triage(w, r, {**RED, "cse_indicators": "yes"}, "red"), "cse_indicators"),
        (
            lambda w, r: services.outcome_record(
                actor=w, referral_id=r.pk, version=r.version, outcome="abducted", reason="x"
            ),
            "outcome",
        ),
        (
            lambda w, r: services.outcome_record(
                actor=w, referral_id=r.pk, version=r.version, outcome="unable_to_contact"
            ),
            "reason",
        ),
        (
            lambda w, r: services.interview_offer(
                actor=w, referral_id=r.pk, version=r.version, how=""
            ),
            "offered_how",
        ),
    ],
)
def test_bad_input_is_refused_naming_the_field_and_nothing_is_written(rhi, call, field):
    """R-RHI-10 (the rating and the seven facts), R-RHI-11 (the outcomes): what is not
    one of them is refused, naming the field, before anything is written."""
    referral = referred(rhi)
    before = written()
    with pytest.raises(ValidationFailed) as exc:
        call(rhi["rhi_worker"], referral)
    assert exc.value.field == field
    assert written() == before
    stored = fresh(referral)
    assert stored.state == "awaiting_triage" and stored.version == 1 and stored.rag == ""

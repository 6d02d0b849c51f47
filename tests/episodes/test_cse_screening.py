"""The CSE screening of every missing episode (R-CSE-01, R-TRG-08): recorded by the owning
force's officers or its CSE coordinators, changed under its version with each change on the
timeline, refused for an absent episode and for children's services and carers with nothing
changed, and a concern routed down the local pathway (the CSE coordinator, the MASE meeting
of the child's responsible authority) with titles that name no child. The case page shows
"not recorded" until it is, then the outcome; the form names the field in error; the API
reads and writes it under the same rules."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from misper.core.errors import (
    ConcurrentEdit,
    NotFound,
    PermissionDenied,
    ValidationFailed,
    WrongState,
)
from misper.core.models import TimelineEvent
from misper.episodes.models import CseScreening, Episode
from misper.episodes.services import (
    episode_close,
    episode_cse_screening,
    episode_report,
    episode_restrict,
)
from misper.notifications.models import Message
from misper.people.services import flag_raise, placement_record

from .conftest import NOW, answers, report

pytestmark = pytest.mark.django_db
JSON = "application/json"
INDICATORS = "CSE flag active; question 9 yes; found with an older man"


@pytest.fixture
def missing(wmp15):
    return episode_report(
        actor=wmp15["investigating_officer"],
        person_id=wmp15["child"].pk,
        report=report(answers=answers(abuse_or_exploitation="yes")),
        category="missing",
        risk="high",
        rationale="first assessment",
        now=NOW,
    )


@pytest.fixture
def cse_coordinator(wmp15, make_user):
    return make_user("cse_coordinator", organisation=wmp15["force"])


def screen(actor, episode, version=0, outcome="no_concerns", **kw):
    return episode_cse_screening(
        actor=actor,
        episode_id=episode.pk,
        version=version,
        outcome=outcome,
        indicators=kw.pop("indicators", INDICATORS),
        **kw,
    )


def events(episode):
    return list(
        TimelineEvent.objects.filter(
            subject_type="episode", subject_id=str(episode.pk), verb__startswith="cse_"
        ).order_by("id")
    )


def state():
    return (
        CseScreening.objects.count(),
        Message.objects.count(),
        TimelineEvent.objects.filter(verb__startswith="cse_").count(),
    )


# --- The service ------------------------------------------------------------------------------


def test_recorded_with_who_when_and_what_was_considered(wmp15, missing):
    s = screen(wmp15["investigating_officer"], missing, notes="Debrief booked")
    assert (s.outcome, s.indicators, s.notes, s.version) == (
        "no_concerns",
        INDICATORS,
        "Debrief booked",
        1,
    )
    assert s.screened_by == wmp15["investigating_officer"]
    assert s.by_role == "investigating_officer" and s.organisation == wmp15["area"]
    assert s.screened_at == s.created_at
    [event] = events(missing)
    assert event.verb == "cse_screening_recorded"
    assert event.changes["outcome"] == {"from": "", "to": "no_concerns"}
    assert set(event.rules) >= {"R-CSE-01", "R-TRG-08"}
    assert event.rationale == "No CSE concerns"
    # No concern: nobody is told.
    assert not Message.objects.filter(rule="R-CSE-01").exists()
    # The episode's own version is not the screening's: open forms on the case stay valid.
    assert Episode.objects.get(pk=missing.pk).version == missing.version


def test_changed_under_its_version_each_change_on_the_timeline(wmp15, missing):
    first = screen(wmp15["investigating_officer"], missing)
    with pytest.raises(ConcurrentEdit) as stale:
        screen(wmp15["sergeant"], missing, version=0, outcome="concerns_already_known")
    assert stale.value.field == "version"
    changed = screen(
        wmp15["sergeant"], missing, version=first.version, outcome="concerns_already_known"
    )
    assert changed.pk == first.pk and changed.version == 2
    assert changed.screened_by == wmp15["sergeant"] and changed.created_at == first.created_at
    assert CseScreening.objects.count() == 1
    _recorded, change = events(missing)
    assert change.verb == "cse_screening_changed"
    assert change.changes == {"outcome": {"from": "no_concerns", "to": "concerns_already_known"}}
    # The same again changes nothing and records nothing.
    same = screen(wmp15["sergeant"], missing, version=2, outcome="concerns_already_known")
    assert same.version == 2 and len(events(missing)) == 2


def test_a_cse_coordinator_of_the_force_records_it(wmp15, missing, cse_coordinator):
    s = screen(cse_coordinator, missing, outcome="concerns_already_known")
    assert s.by_role == "cse_coordinator"


def test_refused_for_an_absent_episode_naming_the_rule(wmp15):
    absent = episode_report(
        actor=wmp15["call_handler"],
        person_id=wmp15["child"].pk,
        report=report(),
        category="absent",
        now=NOW,
    )
    with pytest.raises(WrongState) as refused:
        screen(wmp15["inspector"], absent)
    assert "R-CSE-01" in refused.value.message and "absent" in refused.value.message
    assert CseScreening.objects.count() == 0 and not events(absent)


def test_refused_for_a_social_worker_and_a_carer_with_nothing_changed(wmp15, missing, make_user):
    placement_record(
        actor=wmp15["social_worker"],
        person_id=wmp15["child"].pk,
        placement_type="children_home",
        address="1 Birch Lane",
        provider=wmp15["home"],
        placing_authority=wmp15["vale"],
        host_authority=wmp15["vale"],
        started_on=date.today() - timedelta(days=10),
    )
    carer = make_user("carer", organisation=wmp15["home"])
    before = state()
    with pytest.raises(PermissionDenied):
        screen(wmp15["social_worker"], missing)
    with pytest.raises(PermissionDenied):
        screen(carer, missing)
    stranger = make_user("carer")
    with pytest.raises(NotFound):
        screen(stranger, missing)
    assert state() == before


def test_refused_once_closed(wmp15, missing):
    from misper.episodes.services import episode_found
    from misper.episodes.services.record import FoundInput

    found = episode_found(
        actor=wmp15["inspector"],
        episode_id=missing.pk,
        version=missing.version,
        found=FoundInput(
            found_at=NOW, found_where="Park", found_by="PC", condition="well", safe_and_well="done"
        ),
    )
    # Found: still recorded (the debrief informs it).
    screen(wmp15["inspector"], missing)
    closed = episode_close(actor=wmp15["inspector"], episode_id=missing.pk, version=found.version)
    assert closed.status == "closed"
    with pytest.raises(WrongState):
        screen(wmp15["inspector"], missing, version=1, outcome="concerns_already_known")


@pytest.mark.parametrize(
    "change,field",
    [
        ({"outcome": ""}, "outcome"),
        ({"outcome": "maybe"}, "outcome"),
        ({"indicators": "  "}, "indicators"),
        ({"notes": "x" * 5000}, "notes"),
        ({"version": -1}, "version"),
    ],
)
def test_bad_input_names_the_field(wmp15, missing, change, field):
    kw = {"outcome": "no_concerns", "indicators": INDICATORS, "version": 0, **change}
    with pytest.raises(ValidationFailed) as bad:
        episode_cse_screening(actor=wmp15["inspector"], episode_id=missing.pk, **kw)
    assert bad.value.field == field
    assert CseScreening.objects.count() == 0


def test_a_concern_goes_to_the_cse_coordinators(wmp15, missing, cse_coordinator):
    screen(wmp15["inspector"], missing, outcome="concerns_cse_coordinator")
    [m] = Message.objects.filter(rule="R-CSE-01")
    assert m.recipient_user == cse_coordinator and m.link == f"/episodes/{missing.pk}/"
    assert m.title == f"CSE screening: case {missing.pk} referred to the CSE coordinator"
    assert "Jayden" not in m.title and "Oakes" not in m.title
    [recorded] = events(missing)
    assert recorded.changes["routed_to"] == ["the CSE coordinators of Force"]
    assert "R-CSE-10" in recorded.rules


def test_without_cse_coordinators_the_force_coordinators_are_told(wmp15, missing):
    screen(wmp15["inspector"], missing, outcome="concerns_cse_coordinator")
    [m] = Message.objects.filter(rule="R-CSE-01")
    assert m.recipient_org == wmp15["force"]


def test_mase_goes_to_the_responsible_authority_and_the_coordinators(
    wmp15, missing, cse_coordinator
):
    first = screen(wmp15["inspector"], missing, outcome="concerns_cse_coordinator")
    screen(wmp15["inspector"], missing, version=first.version, outcome="concerns_mase")
    mase = Message.objects.filter(rule="R-CSE-01", title__contains="MASE")
    assert {(m.recipient_org, m.recipient_user) for m in mase} == {
        (wmp15["vale"], None),
        (None, cse_coordinator),
    }
    assert all(
        m.title == f"CSE screening: case {missing.pk} referred to the MASE meeting" for m in mase
    )
    # Changing the notes alone tells nobody again.
    told = Message.objects.count()
    screen(wmp15["inspector"], missing, version=2, outcome="concerns_mase", notes="MASE on Monday")
    assert Message.objects.count() == told


def test_a_restricted_case_tells_only_who_may_open_it(wmp15, missing, cse_coordinator):
    restricted = episode_restrict(
        actor=wmp15["inspector"], episode_id=missing.pk, version=missing.version, reason="HBA"
    )
    assert restricted.restricted
    before = set(Message.objects.values_list("pk", flat=True))
    screen(wmp15["inspector"], missing, outcome="concerns_mase")
    new = Message.objects.exclude(pk__in=before)
    assert new.exists()
    assert all(m.recipient_user is not None for m in new)
    assert not new.filter(recipient_org=wmp15["vale"]).exists()
    assert not new.filter(recipient_user=cse_coordinator).exists()
    assert {m.title for m in new} == {"A restricted case needs attention"}


# --- The pages --------------------------------------------------------------------------------


def test_case_page_shows_not_recorded_then_the_outcome(wmp15, missing, mfa_client):
    c = mfa_client(wmp15["investigating_officer"])
    page = c.get(f"/episodes/{missing.pk}/").content.decode()
    assert "CSE screening not recorded (R-CSE-01)" in page
    assert "Record the CSE screening" in page
    form = c.get(f"/episodes/{missing.pk}/cse-screening/")
    assert form.status_code == 200
    html = form.content.decode()
    # What Misper knows, as a hint: question 9 of this report.
    assert "Question 9" in html and "caller says yes (abuse_or_exploitation)" in html
    response = c.post(
        f"/episodes/{missing.pk}/cse-screening/",
        {"version": "0", "outcome": "concerns_already_known", "indicators": INDICATORS},
    )
    assert response.status_code == 302
    page = c.get(f"/episodes/{missing.pk}/").content.decode()
    assert "CSE screening not recorded" not in page
    assert "Concerns already known: existing plan in place" in page
    assert INDICATORS in page and "Change the CSE screening" in page


def test_the_form_names_the_field_in_error_and_keeps_what_was_typed(wmp15, missing, mfa_client):
    c = mfa_client(wmp15["sergeant"])
    response = c.post(
        f"/episodes/{missing.pk}/cse-screening/",
        {"version": "0", "outcome": "", "indicators": "", "notes": "Spoke to the home"},
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "There is a problem" in html
    assert "Choose the outcome of the screening" in html
    assert "Enter what was considered" in html
    assert "Spoke to the home" in html
    assert CseScreening.objects.count() == 0


def test_a_stale_form_is_refused_on_the_version(wmp15, missing, mfa_client):
    screen(wmp15["inspector"], missing)
    c = mfa_client(wmp15["sergeant"])
    response = c.post(
        f"/episodes/{missing.pk}/cse-screening/",
        {"version": "0", "outcome": "concerns_mase", "indicators": INDICATORS},
    )
    assert response.status_code == 400
    assert "Someone else recorded or changed this screening" in response.content.decode()
    assert CseScreening.objects.get().outcome == "no_concerns"


def test_the_form_lists_the_flag_and_the_assessment(wmp15, missing, mfa_client):
    flag_raise(
        actor=wmp15["inspector"],
        person_id=wmp15["child"].pk,
        kind="cse",
        evidence="Seen getting into cars with older men",
        review_on=date.today() + timedelta(days=30),
    )
    html = (
        mfa_client(wmp15["inspector"])
        .get(f"/episodes/{missing.pk}/cse-screening/")
        .content.decode()
    )
    assert "Seen getting into cars with older men" in html


def test_the_social_worker_sees_the_outcome_not_the_police_notes(wmp15, missing, mfa_client):
    screen(wmp15["inspector"], missing, outcome="concerns_mase", notes="Intelligence: car VRM")
    c = mfa_client(wmp15["social_worker"])
    page = c.get(f"/episodes/{missing.pk}/").content.decode()
    assert "Concerns: referred to the MASE" in page
    assert "Intelligence: car VRM" not in page and INDICATORS not in page
    assert c.get(f"/episodes/{missing.pk}/cse-screening/").status_code == 404


def test_the_daily_management_meeting_flags_the_case(wmp15, missing, mfa_client):
    c = mfa_client(wmp15["inspector"])
    html = c.get(f"/episodes/dmm/?area={wmp15['area'].pk}").content.decode()
    assert "Missing children without a CSE screening: 1 (R-CSE-01)" in html
    screen(wmp15["inspector"], missing)
    html = c.get(f"/episodes/dmm/?area={wmp15['area'].pk}").content.decode()
    assert "without a CSE screening" not in html


# --- The API ----------------------------------------------------------------------------------


def test_api_reads_and_writes_it(wmp15, missing, mfa_client):
    c = mfa_client(wmp15["investigating_officer"])
    url = f"/api/v1/episodes/{missing.pk}/cse-screening"
    response = c.get(url)
    assert response.status_code == 404 and response.json()["message"] == "No CSE screening recorded"
    assert c.get(f"/api/v1/episodes/{missing.pk}").json()["cse_screening"] is None
    body = {"version": 0, "outcome": "concerns_cse_coordinator", "indicators": INDICATORS}
    response = c.put(url, body, content_type=JSON)
    assert response.status_code == 200
    data = response.json()
    assert (data["outcome"], data["version"], data["by_role"]) == (
        "concerns_cse_coordinator",
        1,
        "investigating_officer",
    )
    assert c.get(url).json()["outcome_label"] == "Concerns: referred to the CSE coordinator"
    case = c.get(f"/api/v1/episodes/{missing.pk}").json()
    assert case["cse_screening"]["indicators"] == INDICATORS
    # Stale: 409, nothing changed.
    response = c.put(url, {**body, "outcome": "no_concerns"}, content_type=JSON)
    assert response.status_code == 409 and response.json()["code"] == "concurrent_edit"
    # Bad input names the field.
    response = c.put(url, {**body, "version": 1, "outcome": "perhaps"}, content_type=JSON)
    assert response.status_code == 400 and response.json()["field"] == "outcome"
    assert CseScreening.objects.get().outcome == "concerns_cse_coordinator"


def test_api_partner_sees_the_outcome_in_the_case_and_may_not_write(wmp15, missing, mfa_client):
    screen(wmp15["inspector"], missing, outcome="concerns_mase", notes="Intelligence")
    c = mfa_client(wmp15["social_worker"])
    case = c.get(f"/api/v1/episodes/{missing.pk}").json()
    assert set(case["cse_screening"]) == {"outcome", "screened_at", "by_role", "organisation"}
    url = f"/api/v1/episodes/{missing.pk}/cse-screening"
    assert c.get(url).status_code == 403
    response = c.put(
        url, {"version": 1, "outcome": "no_concerns", "indicators": "x"}, content_type=JSON
    )
    assert response.status_code == 403
    assert CseScreening.objects.get().outcome == "concerns_mase"


def test_api_absent_episode_is_409_naming_the_rule(wmp15, mfa_client):
    absent = episode_report(
        actor=wmp15["call_handler"],
        person_id=wmp15["child"].pk,
        report=report(),
        category="absent",
        now=NOW,
    )
    response = mfa_client(wmp15["inspector"]).put(
        f"/api/v1/episodes/{absent.pk}/cse-screening",
        {"version": 0, "outcome": "no_concerns", "indicators": INDICATORS},
        content_type=JSON,
    )
    assert response.status_code == 409 and "R-CSE-01" in response.json()["message"]


def test_api_restricted_case_needs_the_reason(wmp15, missing, mfa_client):
    episode_restrict(
        actor=wmp15["inspector"], episode_id=missing.pk, version=missing.version, reason="HBA"
    )
    c = mfa_client(wmp15["chief_inspector"])
    url = f"/api/v1/episodes/{missing.pk}/cse-screening"
    body = {"version": 0, "outcome": "no_concerns", "indicators": INDICATORS}
    response = c.put(url, body, content_type=JSON)
    assert response.status_code == 403 and response.json()["code"] == "restricted"
    assert CseScreening.objects.count() == 0
    response = c.put(url, body, content_type=JSON, HTTP_X_MISPER_REASON="CSE screening")
    assert response.status_code == 200
    assert c.get(url).status_code == 200  # opened for the grant period

"""The MASE list and its discussion (R-TRG-07, R-CSE-02..05), under West Midlands 2015 (the
profile with the MASE trigger): the third missing episode in three calendar months lists
the child for the MASE meeting of their authority; a coordinator or the authority's
children's services sets the meeting's date and records the checklist item by item
(R-CSE-04, a missing item named) and one or more outcomes (R-CSE-05, validated); recording
closes the trigger unless the information is insufficient; another force's coordinator,
another authority and the force's readers without the role are refused with nothing
changed; the same through the pages and the API."""

from __future__ import annotations

from datetime import timedelta
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
from misper.core.models import AuditEvent, TimelineEvent
from misper.episodes.selectors import cse_screening_of
from misper.episodes.services import episode_cse_screening
from misper.interventions.mase import mase_list_for, mase_record
from misper.interventions.models import (
    MASE_ITEMS,
    MASE_OUTCOMES,
    MaseDiscussion,
    MaseStatus,
    Owner,
    TriggerRecord,
    TriggerStatus,
)
from misper.interventions.selectors import desk
from misper.notifications.models import Message
from tests.episodes.conftest import NOW
from tests.interventions.conftest import child, missing
from tests.interventions.test_pages import local_parts, signed_in, text
from tests.returns.test_api import Api, ok

pytestmark = pytest.mark.django_db


# --- Helpers --------------------------------------------------------------------------------


def listed(r: dict[str, Any], person: Any = None) -> TriggerRecord:
    """The third missing episode of the child (or ``person``) inside three calendar months:
    the MASE trigger record."""
    for d in (70, 35, 2):
        missing(r, NOW - timedelta(days=d), person=person)
    return TriggerRecord.objects.get(kind="mase_3_in_3_months", person=person or r["child"])


def checklist(**over: str) -> dict[str, dict[str, str]]:
    """Every item answered yes, except those given (``"-"``: left out)."""
    items = {key: {"addressed": "yes", "note": ""} for key in MASE_ITEMS}
    for key, value in over.items():
        if value == "-":
            del items[key]
        else:
            items[key] = {"addressed": value, "note": f"Note on {key}"}
    return items


def fresh(obj: Any) -> Any:
    return type(obj).objects.get(pk=obj.pk)


def discussion(t: TriggerRecord) -> MaseDiscussion:
    return MaseDiscussion.objects.get(trigger=t)


def snapshot() -> tuple[Any, ...]:
    return (
        list(MaseDiscussion.objects.values_list("version", "status", "listed_for")),
        list(TriggerRecord.objects.values_list("version", "status")),
        TimelineEvent.objects.count(),
        AuditEvent.objects.count(),
        Message.objects.count(),
    )


def record(r: dict[str, Any], t: TriggerRecord, actor: Any = None, **over: Any) -> MaseDiscussion:
    d = discussion(t)
    kwargs: dict[str, Any] = {
        "actor": actor or r["coordinator"],
        "discussion_id": d.pk,
        "version": d.version,
        "discussed_at": timezone.now() - timedelta(hours=1),
        "items": checklist(),
        "outcomes": ["early_help"],
    }
    kwargs.update(over)
    return mase_record(**kwargs)


@pytest.fixture
def other_force(make_org, make_user) -> dict[str, Any]:
    """Another force's missing person and CSE coordinators."""
    force = make_org(
        "police_force", name="Harbour Police", code="hbp", policy_profile="west-midlands-2015"
    )
    return {
        "coordinator": make_user("missing_person_coordinator", organisation=force),
        "cse": make_user("cse_coordinator", organisation=force),
    }


# --- Listing ---------------------------------------------------------------------------------


def test_the_third_missing_episode_in_three_calendar_months_lists_the_child(wmp):
    """R-TRG-07, R-CSE-02: the trigger record and the child's listing are made together,
    for the MASE meeting of the child's responsible authority; its date is still to set."""
    t = listed(wmp)
    assert t.owner == Owner.MASE and t.rule == "R-TRG-07"
    d = discussion(t)
    assert (d.status, d.authority, d.listed_for, d.items, d.outcomes) == (
        MaseStatus.LISTED,
        wmp["vale"],
        None,
        {},
        [],
    )
    event = TimelineEvent.objects.get(subject_type="trigger", subject_id=t.pk)
    assert "R-CSE-02" in event.rules and "R-TRG-07" in event.rules
    assert [x.pk for x in desk(wmp["coordinator"])["mase"]] == [t.pk]
    assert [x.pk for x in desk(wmp["social_worker"])["mase"]] == [t.pk]
    assert desk(wmp["other_authority"])["mase"] == []


def test_other_triggers_list_nobody(wmp):
    """Absent reports (R-TRG-03) are no MASE trigger: no listing."""
    from tests.interventions.conftest import absent

    for d in (80, 40, 3):
        absent(wmp, NOW - timedelta(days=d))
    assert TriggerRecord.objects.count() == 1
    assert not MaseDiscussion.objects.exists()


def test_a_coordinator_or_childrens_services_sets_the_meeting_date(wmp, make_user):
    """R-CSE-02/03: the date of the authority's MASE meeting, set by the force's coordinator
    (the trigger is then in hand), changed by the child's social worker; the authority and
    the coordinators are told each time."""
    t = listed(wmp)
    d = discussion(t)
    day = timezone.localdate() + timedelta(days=7)
    d = mase_list_for(
        actor=wmp["coordinator"], discussion_id=d.pk, version=d.version, listed_for=day
    )
    assert (d.listed_for, d.version) == (day, 2)
    assert fresh(t).status == TriggerStatus.IN_HAND
    told = set(
        Message.objects.filter(event_key=f"trigger:{t.pk}:mase-listed:2").values_list(
            "recipient_user_id", "recipient_org_id"
        )
    )
    assert told == {(wmp["coordinator"].pk, None), (None, wmp["vale"].pk)}
    title = Message.objects.filter(event_key=f"trigger:{t.pk}:mase-listed:2").first().title
    assert title == f"Listed for the MASE meeting on {day.strftime('%-d %B %Y')}: trigger {t.pk}"
    later = day + timedelta(days=28)
    d = mase_list_for(actor=wmp["social_worker"], discussion_id=d.pk, version=2, listed_for=later)
    assert d.listed_for == later
    events = TimelineEvent.objects.filter(subject_type="trigger", verb="mase_listed")
    assert [e.changes["listed_for"] for e in events.order_by("id")] == [
        day.isoformat(),
        later.isoformat(),
    ]
    assert "R-CSE-02" in events.first().rules


def test_the_meeting_date_is_checked(wmp):
    t = listed(wmp)
    d = discussion(t)
    before = snapshot()
    today = timezone.localdate()
    for day, message in (
        (None, "Enter the listed for"),
        (today - timedelta(days=1), "The MASE meeting cannot be in the past"),
        (today + timedelta(days=400), "List the child for a MASE meeting within the next year"),
    ):
        with pytest.raises(ValidationFailed) as exc:
            mase_list_for(
                actor=wmp["coordinator"], discussion_id=d.pk, version=d.version, listed_for=day
            )
        assert exc.value.field == "listed_for"
        assert exc.value.message == message
    with pytest.raises(ConcurrentEdit):
        mase_list_for(actor=wmp["coordinator"], discussion_id=d.pk, version=9, listed_for=today)
    assert snapshot() == before


# --- Who may ---------------------------------------------------------------------------------


def test_another_forces_coordinator_is_refused_and_nothing_changes(wmp, other_force):
    """Only the force's coordinators and the child's authority: another force's missing
    person or CSE coordinator gets "No such trigger", with nothing written (not even an
    audit row)."""
    t = listed(wmp)
    d = discussion(t)
    before = snapshot()
    for who in ("coordinator", "cse"):
        with pytest.raises(NotFound):
            mase_list_for(
                actor=other_force[who],
                discussion_id=d.pk,
                version=d.version,
                listed_for=timezone.localdate(),
            )
        with pytest.raises(NotFound):
            record(wmp, t, actor=other_force[who])
    assert snapshot() == before


def test_another_authority_and_the_forces_readers_are_refused(wmp, make_user):
    """Another authority's social worker and the force's inspector do not see it; its
    superintendent reads it but does not list or record (R-CSE-03: the coordinators and
    children's services)."""
    t = listed(wmp)
    d = discussion(t)
    superintendent = wmp["superintendent"]
    before = snapshot()
    for who in (wmp["other_authority"], wmp["inspector"], wmp["carer"]):
        with pytest.raises(NotFound):
            record(wmp, t, actor=who)
    with pytest.raises(PermissionDenied):
        record(wmp, t, actor=superintendent)
    with pytest.raises(PermissionDenied):
        mase_list_for(
            actor=superintendent,
            discussion_id=d.pk,
            version=d.version,
            listed_for=timezone.localdate(),
        )
    assert snapshot() == before


def test_a_cse_coordinator_of_the_force_records_it(wmp, make_user):
    """The profile names the CSE coordinator (R-TRG-07 roles)."""
    cse = make_user("cse_coordinator", organisation=wmp["force"])
    t = listed(wmp)
    assert record(wmp, t, actor=cse).status == MaseStatus.DISCUSSED


# --- The checklist and the outcomes ------------------------------------------------------------


@pytest.mark.parametrize("key", list(MASE_ITEMS))
def test_a_missing_item_of_the_checklist_is_named(wmp, key):
    """R-CSE-04: every item is recorded; the one left out is named (``items.<key>``)."""
    t = listed(wmp)
    before = snapshot()
    with pytest.raises(ValidationFailed) as exc:
        record(wmp, t, items=checklist(**{key: "-"}))
    assert exc.value.field == f"items.{key}"
    assert MASE_ITEMS[key] in exc.value.message and "R-CSE-04" in exc.value.message
    assert snapshot() == before


def test_the_checklist_is_checked(wmp):
    t = listed(wmp)
    before = snapshot()
    for items, field in (
        (checklist(isva_offered="maybe"), "items.isva_offered"),
        ({**checklist(), "horoscope": {"addressed": "yes"}}, "items"),
        ("all yes", "items"),
        (None, "items.statutory_route"),
        (
            {**checklist(), "perpetrators": {"addressed": "no", "note": "x" * 1001}},
            "items.perpetrators.note",
        ),
    ):
        with pytest.raises(ValidationFailed) as exc:
            record(wmp, t, items=items)
        assert exc.value.field == field, items
    assert snapshot() == before


@pytest.mark.parametrize(
    ("over", "field", "words"),
    [
        ({"outcomes": []}, "outcomes", "at least one outcome"),
        ({"outcomes": ["early_help", "prison"]}, "outcomes", "'prison' is not an outcome"),
        ({"outcomes": "early_help"}, "outcomes", "at least one outcome"),
        (
            {"outcomes": ["diversion_plan"], "plan_timescale": "Six weeks"},
            "plan_lead",
            "lead officers",
        ),
        (
            {"outcomes": ["diversion_plan"], "plan_lead": "PC Okafor"},
            "plan_timescale",
            "timescales",
        ),
        ({"outcomes": ["insufficient_information"]}, "outcome_notes", "interim action"),
        (
            {"discussed_at": timezone.now() + timedelta(days=1)},
            "discussed_at",
            "cannot be in the future",
        ),
        ({"discussed_at": None}, "discussed_at", "Enter"),
    ],
)
def test_the_outcomes_are_checked(wmp, over, field, words):
    """R-CSE-05: one or more outcomes of the rule; a diversion plan with its lead officers
    and timescales; insufficient information with the interim action."""
    t = listed(wmp)
    before = snapshot()
    with pytest.raises(ValidationFailed) as exc:
        record(wmp, t, **over)
    assert exc.value.field == field
    assert words in exc.value.message
    assert snapshot() == before


def test_recording_the_discussion_closes_the_trigger_with_its_outcomes(wmp):
    """R-CSE-04/05: the checklist item by item and the outcomes (in the rule's order) are
    kept; the trigger closes with them as its outcome; the trigger's and the child's
    timelines say so; the authority and the coordinators are told; the child leaves the
    MASE list, and the discussion cannot be recorded or re-listed again."""
    t = listed(wmp)
    items = checklist(isva_offered="no", nrm_referral="not_applicable")
    at = timezone.now() - timedelta(hours=2)
    d = record(
        wmp,
        t,
        actor=wmp["social_worker"],
        discussed_at=at,
        items=items,
        outcomes=["diversion_plan", "child_in_need_plan", "diversion_plan"],
        plan_lead="PC Okafor and the Vale CSE team",
        plan_timescale="Review in six weeks",
        outcome_notes="Mother to be offered parenting support",
    )
    d = fresh(d)
    assert d.status == MaseStatus.DISCUSSED and d.discussed_at == at
    assert d.recorded_by == wmp["social_worker"]
    assert d.items == items
    assert d.items["isva_offered"] == {"addressed": "no", "note": "Note on isva_offered"}
    assert d.outcomes == ["child_in_need_plan", "diversion_plan"]
    t = fresh(t)
    assert t.status == TriggerStatus.CLOSED and t.closed_by == wmp["social_worker"]
    assert MASE_OUTCOMES["child_in_need_plan"] in t.outcome
    assert "lead officers: PC Okafor and the Vale CSE team" in t.outcome
    assert "Mother to be offered parenting support" in t.outcome
    discussed = TimelineEvent.objects.get(subject_type="trigger", verb="mase_discussed")
    assert set(discussed.rules) == {"R-CSE-04", "R-CSE-05"}
    assert (discussed.changes["addressed"], discussed.changes["not_addressed"]) == (11, 1)
    assert discussed.changes["not_applicable"] == 1
    on_record = TimelineEvent.objects.get(
        subject_type="person", subject_id=wmp["child"].pk, verb="mase_discussed"
    )
    assert set(on_record.changes) == {"discussed_at", "trigger"} and on_record.rationale == ""
    assert TimelineEvent.objects.filter(subject_type="trigger", verb="trigger_closed").exists()
    told = set(
        Message.objects.filter(event_key=f"trigger:{t.pk}:mase-discussed").values_list(
            "recipient_user_id", "recipient_org_id"
        )
    )
    assert told == {(wmp["coordinator"].pk, None), (None, wmp["vale"].pk)}
    assert desk(wmp["coordinator"])["mase"] == []
    with pytest.raises(WrongState):
        record(wmp, t)
    with pytest.raises(WrongState):
        mase_list_for(
            actor=wmp["coordinator"],
            discussion_id=d.pk,
            version=d.version,
            listed_for=timezone.localdate(),
        )


def test_insufficient_information_keeps_the_trigger_in_hand(wmp):
    """R-CSE-05: "insufficient information at this stage, but concerns remain": the
    interim action is recorded and the trigger stays in hand for a coordinator to close."""
    t = listed(wmp)
    record(
        wmp,
        t,
        outcomes=["insufficient_information"],
        outcome_notes="Daily welfare checks; a CSE risk assessment within two weeks",
    )
    t = fresh(t)
    assert t.status == TriggerStatus.IN_HAND and t.outcome == ""
    assert discussion(t).status == MaseStatus.DISCUSSED
    assert desk(wmp["coordinator"])["mase"] == []
    assert [x.pk for x in desk(wmp["coordinator"])["in_hand"]] == [t.pk]


def test_a_closed_trigger_is_not_discussed(wmp):
    from misper.interventions.services import trigger_close

    t = listed(wmp)
    trigger_close(actor=wmp["coordinator"], trigger_id=t.pk, version=t.version, outcome="Moved")
    with pytest.raises(WrongState):
        record(wmp, t)


# --- The desk ---------------------------------------------------------------------------------


def test_the_desk_groups_the_mase_list_by_authority_and_meeting_date(wmp):
    """Children of two authorities: Harbour's without a date, Vale's two on one date."""
    first = listed(wmp)
    second = listed(wmp, person=child(wmp, "Mia"))
    third = listed(wmp, person=child(wmp, "Noor", authority=wmp["harbour"]))
    day = timezone.localdate() + timedelta(days=10)
    for t in (first, second):
        d = discussion(t)
        mase_list_for(
            actor=wmp["coordinator"], discussion_id=d.pk, version=d.version, listed_for=day
        )
    assert [t.pk for t in desk(wmp["coordinator"])["mase"]] == [third.pk, first.pk, second.pk]
    page = text(signed_in(wmp["coordinator"]).get("/interventions/"))
    page = page[page.index('<div data-testid="mase">') :]
    harbour = page.index("Harbour: meeting date not set yet")
    vale = page.index(f"Vale: meeting on {day.strftime('%-d %B %Y')}")
    assert harbour < page.index(f"Trigger {third.pk}<") < vale
    assert vale < page.index(f"Trigger {first.pk}<") < page.index(f"Trigger {second.pk}<")
    assert page.count('data-testid="mase-group"') == 2


# --- The pages --------------------------------------------------------------------------------


def form_data(d: MaseDiscussion, **over: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        **local_parts("discussed_at", timezone.now() - timedelta(hours=1)),
        "outcomes": ["early_help", "isva_support"],
        "outcome_notes": "",
        "plan_lead": "",
        "plan_timescale": "",
        "version": d.version,
    }
    for key in MASE_ITEMS:
        data[f"item_{key}"] = "yes"
        data[f"note_{key}"] = ""
    data.update(over)
    return {k: v for k, v in data.items() if v is not None}


def test_the_trigger_page_shows_the_mase_section_and_its_pages(wmp):
    t = listed(wmp)
    client = signed_in(wmp["social_worker"])
    page = text(client.get(f"/interventions/{t.pk}/"))
    assert "MASE discussion" in page and "Date not set yet" in page
    assert f"/interventions/{t.pk}/mase/list/" in page and f"/interventions/{t.pk}/mase/" in page
    form = text(client.get(f"/interventions/{t.pk}/mase/"))
    for words in (*MASE_ITEMS.values(), *MASE_OUTCOMES.values()):
        assert words.replace("'", "&#39;") in form
    assert form.count('value="not_applicable"') == len(MASE_ITEMS)
    # The superintendent reads the trigger but is offered neither page.
    boss = signed_in(wmp["superintendent"])
    assert "/mase/list/" not in text(boss.get(f"/interventions/{t.pk}/"))
    assert boss.get(f"/interventions/{t.pk}/mase/").status_code == 404


def test_setting_the_date_through_the_page(wmp):
    t = listed(wmp)
    d = discussion(t)
    client = signed_in(wmp["coordinator"])
    day = timezone.localdate() + timedelta(days=5)
    url = f"/interventions/{t.pk}/mase/list/"
    past = day - timedelta(days=30)
    response = client.post(
        url,
        {
            "listed_for_day": past.day,
            "listed_for_month": past.month,
            "listed_for_year": past.year,
            "version": d.version,
        },
    )
    assert response.status_code == 400
    assert "The MASE meeting cannot be in the past" in text(response)
    response = client.post(
        url,
        {
            "listed_for_day": day.day,
            "listed_for_month": day.month,
            "listed_for_year": day.year,
            "version": d.version,
        },
    )
    assert response.status_code == 302
    assert discussion(t).listed_for == day
    page = text(client.get(f"/interventions/{t.pk}/"))
    assert day.strftime("%-d %B %Y") in page and "Change the MASE meeting date" in page


def test_a_missing_item_is_shown_on_its_field_and_nothing_is_saved(wmp):
    t = listed(wmp)
    d = discussion(t)
    client = signed_in(wmp["coordinator"])
    before = snapshot()
    response = client.post(
        f"/interventions/{t.pk}/mase/",
        form_data(d, item_spoken_to_alone=None, item_marac_mappa=None, outcomes=["diversion_plan"]),
    )
    assert response.status_code == 400
    page = text(response)
    assert "There is a problem" in page
    assert 'href="#id_item_spoken_to_alone"' in page and 'href="#id_item_marac_mappa"' in page
    assert "Say yes, no or not applicable for: Child spoken to alone" in page
    assert "Name the lead officers of the diversion plan (R-CSE-05)" in page
    assert snapshot()[:3] == before[:3]
    assert discussion(t).status == MaseStatus.LISTED


def test_recording_through_the_page_closes_the_trigger(wmp):
    t = listed(wmp)
    d = discussion(t)
    client = signed_in(wmp["social_worker"])
    response = client.post(
        f"/interventions/{t.pk}/mase/",
        form_data(d, item_nrm_referral="not_applicable", note_perpetrators="Older male, 'Jay'"),
    )
    assert response.status_code == 302, text(response)
    assert fresh(t).status == TriggerStatus.CLOSED
    page = text(client.get(f"/interventions/{t.pk}/"))
    assert 'data-testid="mase-checklist"' in page
    assert "Older male, &#39;Jay&#39;" in page and "Not applicable" in page
    assert MASE_OUTCOMES["isva_support"] in page
    assert "Discussed at the MASE meeting" in page  # the history
    # Recorded: the form sends the user back to the trigger.
    again = client.get(f"/interventions/{t.pk}/mase/")
    assert again.status_code == 302 and again["Location"] == f"/interventions/{t.pk}/"


def test_an_old_version_is_refused_keeping_what_was_typed(wmp):
    t = listed(wmp)
    d = discussion(t)
    mase_list_for(
        actor=wmp["coordinator"],
        discussion_id=d.pk,
        version=d.version,
        listed_for=timezone.localdate(),
    )
    response = signed_in(wmp["coordinator"]).post(
        f"/interventions/{t.pk}/mase/", form_data(d, note_isva_offered="Offered twice")
    )
    assert response.status_code == 400
    page = text(response)
    assert "Someone else changed this" in page and "Offered twice" in page
    assert f'name="version" value="{d.version + 1}"' in page


def test_the_mase_pages_are_not_found_for_others_and_other_triggers(wmp, other_force):
    t = listed(wmp)
    before = snapshot()
    for who in (other_force["coordinator"], wmp["other_authority"], wmp["carer"]):
        client = signed_in(who)
        for path in (f"/interventions/{t.pk}/mase/", f"/interventions/{t.pk}/mase/list/"):
            assert client.get(path).status_code == 404
            assert client.post(path, {}).status_code == 404
    assert snapshot() == before
    # A trigger that lists nobody for MASE has no MASE pages (nothing audited).
    from tests.interventions.conftest import absent

    person = child(wmp, "Ava")
    for d in (80, 40, 3):
        absent(wmp, NOW - timedelta(days=d), person=person, address="3 Cedar Way")
    other = TriggerRecord.objects.get(person=person)
    reads = AuditEvent.objects.count()
    assert signed_in(wmp["coordinator"]).get(f"/interventions/{other.pk}/mase/").status_code == 404
    assert AuditEvent.objects.count() == reads


# --- The API ----------------------------------------------------------------------------------


def test_the_mase_discussion_through_the_api(wmp, other_force):
    api = Api()
    t = listed(wmp)
    sw, coordinator = wmp["social_worker"], wmp["coordinator"]
    base = f"/interventions/triggers/{t.pk}/mase"
    read = ok(api.get(sw, base))
    assert read["status"]["code"] == "listed" and read["listed_for"] is None
    assert read["authority"]["id"] == wmp["vale"].pk
    assert [i["key"] for i in read["items"]] == list(MASE_ITEMS)
    assert all(i["addressed"] is None for i in read["items"])
    trigger = ok(api.get(sw, f"/interventions/triggers/{t.pk}"))
    assert trigger["mase"]["id"] == read["id"]
    words = ok(api.get(sw, "/interventions/mase/checklist"))
    assert [i["key"] for i in words["outcomes"]] == list(MASE_OUTCOMES)
    assert [a["code"] for a in words["addressed"]] == ["yes", "no", "not_applicable"]
    # Another force's coordinator: the same 404 as for a record that does not exist.
    for path in (base, "/interventions/triggers/987654/mase"):
        response = api.get(other_force["coordinator"], path)
        assert response.status_code == 404 and response.json()["message"] == "No such trigger"
    day = (timezone.localdate() + timedelta(days=3)).isoformat()
    answer = ok(api.post(coordinator, f"{base}/list", {"version": 1, "listed_for": day}))
    assert answer["mase"]["listed_for"] == day and answer["status"]["code"] == "in_hand"
    stale = api.post(sw, f"{base}/list", {"version": 1, "listed_for": day})
    assert stale.status_code == 409 and stale.json()["code"] == "concurrent_edit"
    body: dict[str, Any] = {
        "version": 2,
        "discussed_at": (timezone.now() - timedelta(hours=1)).isoformat(),
        "items": checklist(perpetrators="-"),
        "outcomes": ["child_protection"],
    }
    refused = api.post(sw, base, body)
    assert refused.status_code == 400 and refused.json()["field"] == "items.perpetrators"
    body["items"] = checklist()
    refused = api.post(sw, base, {**body, "outcomes": []})
    assert refused.status_code == 400 and refused.json()["field"] == "outcomes"
    done = ok(api.post(sw, base, body))
    assert done["status"]["code"] == "closed"
    assert done["mase"]["status"]["code"] == "discussed"
    assert done["mase"]["outcomes"][0]["label"] == MASE_OUTCOMES["child_protection"]
    assert {i["addressed"]["code"] for i in done["mase"]["items"]} == {"yes"}
    again = api.post(sw, base, {**body, "version": done["mase"]["version"]})
    assert again.status_code == 409 and again.json()["code"] == "wrong_state"


def test_a_trigger_that_lists_nobody_has_no_mase_through_the_api(wmp):
    from tests.interventions.conftest import absent

    for d in (80, 40, 3):
        absent(wmp, NOW - timedelta(days=d))
    t = TriggerRecord.objects.get()
    response = Api().get(wmp["coordinator"], f"/interventions/triggers/{t.pk}/mase")
    assert response.status_code == 404
    assert response.json()["message"] == "This trigger lists no child for a MASE meeting"


# --- Referred by the CSE screening (R-CSE-01, R-CSE-03) ---------------------------------------


def screen(r: dict[str, Any], episode: Any, outcome: str) -> Any:

    current = cse_screening_of(fresh(episode))
    return episode_cse_screening(
        actor=r["inspector"],
        episode_id=episode.pk,
        version=current.version if current is not None else 0,
        outcome=outcome,
        indicators="Older boyfriend, new phone",
        now=NOW,
    )


def test_a_screening_that_refers_to_the_mase_lists_the_child_once(wmp):
    """R-CSE-03: the screening's "referred to the MASE meeting" lists the child for the
    MASE of their authority, as three episodes in three months would; saved again, not
    twice; on the child's timeline; the authority and the coordinators are told."""
    episode = missing(wmp, NOW - timedelta(hours=3))
    told = Message.objects.count()
    screen(wmp, episode, "concerns_mase")
    (t,) = TriggerRecord.objects.filter(kind="cse_screening_mase")
    assert (t.owner, t.rule, t.episode, t.person, t.status) == (
        Owner.MASE,
        "R-CSE-03",
        episode,
        wmp["child"],
        TriggerStatus.NEW,
    )
    assert (discussion(t).status, discussion(t).authority) == (MaseStatus.LISTED, wmp["vale"])
    assert Message.objects.count() > told
    assert TimelineEvent.objects.filter(
        subject_type="person", subject_id=str(wmp["child"].pk), verb="mase_referred_by_screening"
    ).exists()
    assert t in desk(wmp["coordinator"])["mase"]
    screen(wmp, episode, "concerns_mase")  # unchanged: nothing new
    assert TriggerRecord.objects.filter(kind="cse_screening_mase").count() == 1


def test_a_screening_changed_away_before_the_meeting_withdraws_the_listing_and_back(wmp):
    episode = missing(wmp, NOW - timedelta(hours=3))
    screen(wmp, episode, "concerns_mase")
    screen(wmp, episode, "no_concerns")
    t = TriggerRecord.objects.get(kind="cse_screening_mase")
    assert t.status == TriggerStatus.CLOSED
    assert "No CSE concerns" in t.outcome and str(episode.pk) in t.outcome
    assert t not in desk(wmp["coordinator"])["mase"]
    screen(wmp, episode, "concerns_mase")
    t = fresh(t)
    assert (t.status, t.outcome) == (TriggerStatus.NEW, "")
    assert TriggerRecord.objects.filter(kind="cse_screening_mase").count() == 1


def test_a_listing_already_discussed_stays_whatever_the_screening_says_later(wmp):
    episode = missing(wmp, NOW - timedelta(hours=3))
    screen(wmp, episode, "concerns_mase")
    t = TriggerRecord.objects.get(kind="cse_screening_mase")
    record(wmp, t)
    before = (fresh(t).status, fresh(t).outcome)
    screen(wmp, episode, "no_concerns")
    assert (fresh(t).status, fresh(t).outcome) == before


def test_other_outcomes_list_nobody(wmp):
    episode = missing(wmp, NOW - timedelta(hours=3))
    screen(wmp, episode, "concerns_cse_coordinator")
    assert not TriggerRecord.objects.filter(kind="cse_screening_mase").exists()

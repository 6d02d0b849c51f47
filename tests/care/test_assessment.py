"""Saving the pre-placement assessment (care.services.assessment_save, R-PPA-01..04):
every save a new version, kept; concurrency by the version the user started from; only
the responsible authority's children's services; the deadline met; the police of the
placement's area told."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from misper.care.models import AssessmentVersion
from misper.care.selectors import get_assessment_for_user, get_version_for_user, latest_version
from misper.care.services import assessment_save
from misper.core.errors import ConcurrentEdit, NotFound, PermissionDenied, ValidationFailed
from misper.core.models import Deadline, TimelineEvent
from misper.notifications.models import Message
from misper.people.services import allocation_set
from tests.care.factories import assessment_values
from tests.care.region import place

pytestmark = pytest.mark.django_db


def save(r, actor="bham_sw", based_on=None, **kw):
    args = {
        "values": assessment_values(),
        "completed_with": "Hawthorn House manager",
        "change_note": "",
    }
    args.update(kw)
    return assessment_save(
        actor=r[actor] if isinstance(actor, str) else actor,
        person_id=r["child"].pk,
        based_on=based_on,
        **args,
    )


@pytest.fixture
def placed(border):
    border["placement"] = place(border)
    return border


def test_version_1_then_2_each_kept_and_readable_r_ppa_04(placed):
    v1 = save(placed)
    v2 = save(
        placed,
        based_on=1,
        values=assessment_values(likelihood="high"),
        change_note="Went missing on Friday with an older man",
    )
    assert (v1.number, v2.number) == (1, 2)
    assert v2.values["likelihood"] == "high"
    _, versions = get_assessment_for_user(placed["bham_sw"], placed["child"].pk)
    assert [v.number for v in versions] == [2, 1]
    _, first, before = get_version_for_user(placed["bham_sw"], placed["child"].pk, 1)
    assert before is None
    assert first.values["likelihood"] == "medium"  # version 1 as it was saved
    assert first.change_note == ""
    _, second, before = get_version_for_user(placed["bham_sw"], placed["child"].pk, 2)
    assert before == first
    assert second.change_note == "Went missing on Friday with an older man"
    assert latest_version(placed["child"]) == v2
    with pytest.raises(NotFound):
        get_version_for_user(placed["bham_sw"], placed["child"].pk, 3)


def test_fields_from_the_record_are_filled_in_not_typed(placed):
    allocation_set(
        actor=placed["bham_tm"],
        person_id=placed["child"].pk,
        role="social_worker",
        user_id=placed["bham_sw"].pk,
    )
    v = save(placed)
    assert v.values["name"] == "Mia Robinson"
    assert v.values["placing_authority"] == "Birmingham"
    assert v.values["date_placed"] == placed["placement"].started_on.isoformat()
    assert v.values["placement_address"].startswith("Hawthorn House, ")
    assert v.values["placement_address"].endswith("WR1 2HQ")
    assert v.values["social_worker"] == placed["bham_sw"].full_name
    assert v.values["iro"] == "None allocated"
    assert v.placement == placed["placement"]
    assert v.created_by_org == placed["bham"]


def test_a_stale_based_on_writes_nothing(placed):
    save(placed)
    person_version = type(placed["child"]).objects.get(pk=placed["child"].pk).version
    with pytest.raises(ConcurrentEdit) as exc:
        save(placed, based_on=None)  # opened before version 1 was saved
    assert exc.value.field == "based_on"
    save(placed, based_on=1, change_note="Reviewed")
    with pytest.raises(ConcurrentEdit):
        save(placed, based_on=1, change_note="Another review from the old version")
    assert AssessmentVersion.objects.count() == 2
    assert type(placed["child"]).objects.get(pk=placed["child"].pk).version == person_version + 1
    assert TimelineEvent.objects.filter(verb="assessment_saved").count() == 2


def test_a_second_version_for_the_same_placement_needs_a_change_note(placed):
    save(placed)
    with pytest.raises(ValidationFailed) as exc:
        save(placed, based_on=1, change_note="  ")
    assert exc.value.field == "change_note"
    assert AssessmentVersion.objects.count() == 1


def test_the_first_version_for_a_new_placement_needs_no_change_note(placed):
    save(placed)
    place(placed, started_on=timezone.localdate())
    v2 = save(placed, based_on=1)
    assert v2.number == 2 and v2.change_note == ""


def test_without_a_current_placement_nothing_is_saved(border):
    with pytest.raises(ValidationFailed) as exc:
        save(border)
    assert exc.value.field == "placement"
    assert not AssessmentVersion.objects.exists()


def test_bad_values_are_refused_naming_the_field(placed):
    with pytest.raises(ValidationFailed) as exc:
        save(placed, values=assessment_values(cse_risk="high", cse_risk_reasons=""))
    assert exc.value.field == "values.cse_risk_reasons"
    with pytest.raises(ValidationFailed) as exc:
        save(placed, completed_with="")
    assert exc.value.field == "completed_with"
    assert not AssessmentVersion.objects.exists()


@pytest.mark.parametrize(
    ("who", "error"),
    [
        ("worcs_sw", PermissionDenied),  # the host authority sees the child, does not save
        ("worcs_tm", PermissionDenied),
        ("wmc_coordinator", PermissionDenied),  # the police read it, never write it
        ("carer", PermissionDenied),  # completed *with* the carer, saved by the authority
        ("other_carer", NotFound),  # not placed with them: the child is not there
    ],
)
def test_only_the_responsible_authoritys_childrens_services_save_r_ppa_01(placed, who, error):
    with pytest.raises(error):
        save(placed, actor=who)
    assert not AssessmentVersion.objects.exists()
    assert Deadline.objects.get(owner="care", kind="ppa_due").status == "open"
    assert not Message.objects.filter(rule="R-PPA-02").exists()


def test_another_authoritys_social_worker_does_not_find_the_child(placed, make_user):
    stranger = make_user("social_worker", organisation=placed["hereford"])
    with pytest.raises(NotFound):
        save(placed, actor=stranger)
    assert not AssessmentVersion.objects.exists()


@pytest.mark.parametrize("role", ["bham_tm", "bham_iro", "bham_sw2"])
def test_any_of_the_responsible_authoritys_childrens_services_may_save(placed, role):
    assert save(placed, actor=role).created_by == placed[role]


def test_saving_meets_the_assessment_deadline(placed):
    deadline = Deadline.objects.get(owner="care", kind="ppa_due")
    assert deadline.status == "open"
    save(placed)
    deadline.refresh_from_db()
    assert deadline.status == "met"
    assert "version 1" in deadline.closed_reason


def test_the_host_forces_coordinators_are_sent_each_version_without_personal_data_r_ppa_02(
    placed,
):
    v1 = save(placed)
    sent = Message.objects.filter(rule="R-PPA-02", event_key=f"assessment:{v1.pk}")
    keys = set(sent.values_list("recipient_key", flat=True))
    assert {f"user:{placed['wmc_coordinator'].pk}", f"user:{placed['wmc_cse'].pk}"} <= keys
    assert f"org:{placed['worcs'].pk}" in keys  # out of area: the host authority too
    assert f"user:{placed['wmp_coordinator'].pk}" not in keys
    for message in sent:
        assert "Mia" not in message.title and "Robinson" not in message.title
        assert message.link == f"/care/children/{placed['child'].pk}/assessment/1/"
    assert v1.sent_to == ["West Mercia Police", "Worcestershire"]
    assert AssessmentVersion.objects.get(pk=v1.pk).sent_to == v1.sent_to
    event = TimelineEvent.objects.get(verb="assessment_saved")
    assert event.changes["sent_to"] == v1.sent_to
    assert event.changes["version"] == 1


def test_the_iro_is_told_when_missing_episodes_are_anticipated_r_ntf_06(placed):
    allocation_set(
        actor=placed["bham_tm"],
        person_id=placed["child"].pk,
        role="independent_reviewing_officer",
        user_id=placed["bham_iro"].pk,
    )
    low = save(placed, values=assessment_values(likelihood="low"))
    assert "Independent reviewing officer" not in low.sent_to
    high = save(
        placed, based_on=1, values=assessment_values(likelihood="high"), change_note="Missing"
    )
    assert high.sent_to == [
        "Independent reviewing officer",
        "West Mercia Police",
        "Worcestershire",
    ]
    assert Message.objects.filter(
        event_key=f"assessment:{high.pk}", recipient_user=placed["bham_iro"]
    ).exists()


def test_a_version_changed_lists_the_changed_fields_on_the_timeline(placed):
    save(placed)
    save(
        placed,
        based_on=1,
        values=assessment_values(cse_risk="high", cse_risk_reasons="Seen with older men"),
        change_note="New intelligence",
    )
    latest = TimelineEvent.objects.filter(verb="assessment_saved").order_by("-id").first()
    assert latest.changes["changed"] == ["27"]
    assert latest.rationale == "New intelligence"


def test_the_placement_started_a_day_ago_has_its_deadline_two_days_ahead(placed):
    """The demo's journey: an emergency placement yesterday, its assessment due in 72
    hours from the start of that day, not yet overdue."""
    due = Deadline.objects.get(owner="care", kind="ppa_due").due
    assert timezone.now() + timedelta(hours=24) < due <= timezone.now() + timedelta(hours=48)

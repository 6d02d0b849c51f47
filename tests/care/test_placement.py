"""Recording a placement with a postcode (people.services.placement_record and the care
app's hook, care.services.placement_opened): the host authority and the host force come
from the postcode (R-OOA-01), an out-of-area placement tells them, and the pre-placement
assessment falls due (R-PPA-01)."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import pytest
from django.utils import timezone

from misper.core.errors import ValidationFailed
from misper.core.models import Deadline, TimelineEvent
from misper.notifications.models import Message
from misper.people.models import Placement
from misper.people.services import placement_record
from misper.policy.calendar import LONDON
from tests.care.region import place

pytestmark = pytest.mark.django_db


def ppa_deadline(placement: Placement) -> Deadline:
    return Deadline.objects.of(placement).get(owner="care", kind="ppa_due")


def record(r, **kw):
    args = {
        "actor": r["bham_sw"],
        "person_id": r["child"].pk,
        "placement_type": "children_home",
        "address": "Hawthorn House, 21 Hawthorn Road",
        "provider": r["home"],
        "placing_authority": r["bham"],
        "started_on": timezone.localdate() - timedelta(days=1),
    }
    args.update(kw)
    return placement_record(**args)


def test_the_postcode_gives_the_host_authority_and_the_host_force_r_ooa_01(border):
    placement = place(border, postcode="wr12hq")
    assert placement.postcode == "WR1 2HQ"
    assert placement.district == "E07000237"  # Worcester
    assert placement.host_authority == border["worcs"]
    assert placement.host_force == border["wmc"]
    assert placement.out_of_area
    border["child"].refresh_from_db()
    assert border["child"].home_authority == border["bham"]
    assert border["child"].care_status == "looked_after"


def test_naming_the_host_authority_the_postcode_gives_is_accepted(border):
    placement = record(border, postcode="WR1 2HQ", host_authority=border["worcs"])
    assert (placement.host_authority, placement.host_force) == (border["worcs"], border["wmc"])


def test_a_host_authority_that_contradicts_the_postcode_is_refused_naming_both(border):
    with pytest.raises(ValidationFailed) as exc:
        record(border, postcode="WR1 2HQ", host_authority=border["hereford"])
    assert exc.value.field == "host_authority"
    assert "Worcestershire" in exc.value.message and "Herefordshire" in exc.value.message
    assert not Placement.objects.exists()
    assert not Deadline.objects.filter(owner="care").exists()


def test_a_postcode_in_an_authority_not_set_up_is_refused(border):
    """Shropshire (SY) is in Misper's table but no organisation holds its code."""
    with pytest.raises(ValidationFailed) as exc:
        record(border, postcode="SY1 1QX")
    assert exc.value.field == "postcode"
    assert "Shropshire Council" in exc.value.message and "not set up" in exc.value.message
    assert not Placement.objects.exists()
    border["child"].refresh_from_db()
    assert border["child"].care_status != "looked_after"


@pytest.mark.parametrize(
    ("postcode", "words"), [("XX1 1XX", "not in the ONS"), ("WR1", "full UK postcode")]
)
def test_a_postcode_not_in_the_directory_or_malformed_is_refused(border, postcode, words):
    with pytest.raises(ValidationFailed) as exc:
        record(border, postcode=postcode)
    assert exc.value.field == "postcode"
    assert words in exc.value.message
    assert not Placement.objects.exists()


def test_a_district_outside_the_table_needs_the_host_authority_named(border):
    with pytest.raises(ValidationFailed) as exc:
        record(border, postcode="SW1A 1AA")
    assert exc.value.field == "host_authority"
    placement = record(border, postcode="SW1A 1AA", host_authority=border["worcs"])
    assert placement.district.startswith("E09")
    # its force: the one with a policing area in the named authority
    assert (placement.host_authority, placement.host_force) == (border["worcs"], border["wmc"])


def test_an_out_of_area_placement_tells_the_host_authority_and_the_host_forces_coordinators(
    border,
):
    placement = place(border)
    told = Message.objects.filter(rule="R-OOA-01", event_key=f"placement:{placement.pk}")
    assert set(told.values_list("recipient_key", flat=True)) == {
        f"org:{border['worcs'].pk}",
        f"user:{border['worcs_tm'].pk}",
        f"user:{border['wmc_coordinator'].pk}",
        f"user:{border['wmc_cse'].pk}",
    }
    # the placing authority's own force is not told of a placement outside its area
    assert not told.filter(recipient_user=border["wmp_coordinator"]).exists()
    for title in told.values_list("title", flat=True):
        assert "Mia" not in title and "Robinson" not in title
    event = TimelineEvent.objects.get(
        subject_type="person", subject_id=border["child"].pk, verb="placement_notified"
    )
    assert event.changes["told"] == ["West Mercia Police", "Worcestershire"]
    assert "R-OOA-01" in event.rules


def test_a_placement_in_the_childs_own_area_tells_nobody(border, make_org):
    bham_home = make_org("childrens_home", name="Rowan House", local_authority=border["bham"])
    placement = record(border, postcode="B1 1BB", provider=bham_home)
    assert (placement.host_authority, placement.host_force) == (border["bham"], border["wmp"])
    assert not placement.out_of_area
    assert not Message.objects.filter(rule="R-OOA-01").exists()
    assert not TimelineEvent.objects.filter(verb="placement_notified").exists()
    assert ppa_deadline(placement).status == "open"  # an assessment is due all the same


def test_the_assessment_is_due_72_hours_after_an_emergency_placement_r_ppa_01(border):
    yesterday = timezone.localdate() - timedelta(days=1)
    placement = place(border, emergency=True, started_on=yesterday)
    deadline = ppa_deadline(placement)
    began = datetime.combine(yesterday, time.min, tzinfo=LONDON)
    assert deadline.due == began + timedelta(hours=72)
    assert (deadline.status, deadline.rule) == ("open", "R-PPA-01")


def test_the_assessment_is_due_at_the_start_of_a_planned_placement_r_ppa_01(border):
    yesterday = timezone.localdate() - timedelta(days=1)
    placement = place(border, emergency=False, started_on=yesterday)
    assert ppa_deadline(placement).due == datetime.combine(yesterday, time.min, tzinfo=LONDON)


def test_an_emergency_placement_starting_today_is_due_72_hours_from_now(border):
    before = timezone.now()
    placement = place(border, emergency=True, started_on=timezone.localdate())
    after = timezone.now()
    due = ppa_deadline(placement).due
    assert before + timedelta(hours=72) <= due <= after + timedelta(hours=72)


def test_a_new_placement_ends_the_current_one_and_opens_its_own_deadline(border):
    first = place(border, started_on=timezone.localdate() - timedelta(days=5))
    second = place(border, started_on=timezone.localdate() - timedelta(days=1))
    first.refresh_from_db()
    assert first.ended_on == second.started_on
    assert ppa_deadline(second).status == "open"

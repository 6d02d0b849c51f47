"""Allocating a child's social worker and IRO (people.services.allocation_set,
allocation_end; perm ``people.allocate``): a team manager of the child's responsible
authority, a worker of that authority with the role, one current allocation per role; the
worker is told (R-OWN-08)."""

from __future__ import annotations

import pytest
from django.utils import timezone

from misper.core.errors import NotFound, PermissionDenied, ValidationFailed, WrongState
from misper.core.models import TimelineEvent
from misper.notifications.models import Message
from misper.people.models import AllocatedWorker
from misper.people.services import allocation_end, allocation_set
from tests.care.region import border_region, place

pytestmark = pytest.mark.django_db


@pytest.fixture
def r(make_org, make_user):
    region = border_region(make_org, make_user)
    place(region)  # the host authority (Worcestershire) sees the child too
    return region


def allocate(r, worker="bham_sw", by="bham_tm", role="social_worker"):
    return allocation_set(actor=r[by], person_id=r["child"].pk, role=role, user_id=r[worker].pk)


def current(r, role="social_worker"):
    return list(
        AllocatedWorker.objects.filter(
            person=r["child"], role=role, ended_on__isnull=True
        ).values_list("user", flat=True)
    )


def test_a_team_manager_allocates_a_social_worker_who_is_told(r):
    allocation = allocate(r)
    assert (allocation.user, allocation.role, allocation.allocated_by) == (
        r["bham_sw"],
        "social_worker",
        r["bham_tm"],
    )
    assert allocation.started_on == timezone.localdate() and allocation.ended_on is None
    told = Message.objects.get(event_key=f"allocation:{allocation.pk}")
    assert (told.rule, told.recipient_user) == ("R-OWN-08", r["bham_sw"])
    assert "Mia" not in told.title and "Robinson" not in told.title
    assert told.link == f"/people/{r['child'].pk}/"
    event = TimelineEvent.objects.get(verb="worker_allocated", subject_id=r["child"].pk)
    assert event.changes["worker"] == r["bham_sw"].full_name
    assert event.changes["previous"] == ""


def test_reallocating_ends_the_previous_allocation(r):
    first = allocate(r)
    second = allocate(r, worker="bham_sw2")
    first.refresh_from_db()
    assert first.ended_on == timezone.localdate()
    assert current(r) == [r["bham_sw2"].pk]
    assert Message.objects.filter(
        event_key=f"allocation:{second.pk}", recipient_user=r["bham_sw2"]
    ).exists()
    event = TimelineEvent.objects.filter(verb="worker_allocated").order_by("-id").first()
    assert event.changes["previous"] == r["bham_sw"].full_name


def test_a_social_worker_and_an_iro_are_allocated_side_by_side(r):
    allocate(r)
    allocate(r, worker="bham_iro", role="independent_reviewing_officer")
    assert current(r) == [r["bham_sw"].pk]
    assert current(r, "independent_reviewing_officer") == [r["bham_iro"].pk]


def test_allocating_the_same_worker_again_is_refused(r):
    allocate(r)
    with pytest.raises(ValidationFailed) as exc:
        allocate(r)
    assert exc.value.field == "user"
    assert AllocatedWorker.objects.count() == 1


@pytest.mark.parametrize(
    ("worker", "role"),
    [
        ("worcs_sw", "social_worker"),  # another authority's social worker
        ("bham_iro", "social_worker"),  # their own, without the role
        ("bham_sw", "independent_reviewing_officer"),
        ("carer", "social_worker"),
    ],
)
def test_only_a_worker_of_the_responsible_authority_with_the_role(r, worker, role):
    with pytest.raises(ValidationFailed) as exc:
        allocate(r, worker=worker, role=role)
    assert exc.value.field == "user"
    assert "Birmingham" in exc.value.message
    assert not AllocatedWorker.objects.exists()
    assert not Message.objects.filter(rule="R-OWN-08").exists()


def test_an_inactive_worker_is_refused(r):
    r["bham_sw2"].is_active = False
    r["bham_sw2"].save(update_fields=["is_active"])
    with pytest.raises(ValidationFailed):
        allocate(r, worker="bham_sw2")
    assert not AllocatedWorker.objects.exists()


def test_a_role_that_is_not_allocated_is_refused(r):
    with pytest.raises(ValidationFailed) as exc:
        allocate(r, role="team_manager", worker="bham_tm")
    assert exc.value.field == "role"


@pytest.mark.parametrize(
    "by",
    [
        "bham_sw",  # not a team manager
        "bham_iro",
        "worcs_tm",  # a team manager of the host authority, which sees the child
        "wmc_inspector",
    ],
)
def test_only_a_team_manager_of_the_responsible_authority_allocates(r, by):
    with pytest.raises(PermissionDenied):
        allocate(r, by=by)
    assert not AllocatedWorker.objects.exists()
    assert not TimelineEvent.objects.filter(verb="worker_allocated").exists()


def test_a_team_manager_who_does_not_see_the_child_does_not_find_it(r, make_user):
    stranger = make_user("team_manager", organisation=r["hereford"])
    with pytest.raises(NotFound):
        allocation_set(
            actor=stranger, person_id=r["child"].pk, role="social_worker", user_id=r["bham_sw"].pk
        )


def test_a_team_manager_ends_an_allocation_with_a_reason(r):
    allocation = allocate(r)
    with pytest.raises(ValidationFailed) as exc:
        allocation_end(actor=r["bham_tm"], allocation_id=allocation.pk, reason=" ")
    assert exc.value.field == "reason"
    ended = allocation_end(actor=r["bham_tm"], allocation_id=allocation.pk, reason="Moved team")
    assert ended.ended_on == timezone.localdate()
    assert current(r) == []
    event = TimelineEvent.objects.get(verb="allocation_ended")
    assert event.rationale == "Moved team"
    with pytest.raises(WrongState):
        allocation_end(actor=r["bham_tm"], allocation_id=allocation.pk, reason="Again")


@pytest.mark.parametrize("by", ["bham_sw", "worcs_tm"])
def test_ending_an_allocation_is_for_the_responsible_authoritys_team_managers(r, by):
    allocation = allocate(r)
    with pytest.raises(PermissionDenied):
        allocation_end(actor=r[by], allocation_id=allocation.pk, reason="Not mine to end")
    assert current(r) == [r["bham_sw"].pk]


def test_an_allocation_that_does_not_exist_or_is_not_visible_is_not_found(r, make_user):
    allocation = allocate(r)
    with pytest.raises(NotFound):
        allocation_end(actor=r["bham_tm"], allocation_id=allocation.pk + 1000, reason="x")
    stranger = make_user("team_manager", organisation=r["hereford"])
    with pytest.raises(NotFound) as exc:
        allocation_end(actor=stranger, allocation_id=allocation.pk, reason="x")
    assert exc.value.message == "No such allocation"
    assert current(r) == [r["bham_sw"].pk]

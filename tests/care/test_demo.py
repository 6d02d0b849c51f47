"""The demo region across the border (``misper demo``): two forces on two profiles, real
postcodes resolving to the demo's organisations, and Northbrook's child placed in an
emergency into a Vale children's home, its assessment due and not yet done."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import pytest
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from misper.agencies.models import Organisation, User
from misper.agencies.selectors import covering
from misper.care.models import AssessmentVersion
from misper.core.models import Deadline
from misper.notifications.models import Message, SharingArrangement
from misper.people.models import AllocatedWorker, Flag, Person
from misper.policy.calendar import LONDON

pytestmark = [pytest.mark.django_db, pytest.mark.demo, pytest.mark.xdist_group("care-demo")]


@pytest.fixture(scope="module")
def _demo_loaded(django_db_setup, django_db_blocker):  # type: ignore[no-untyped-def]
    """The demo, loaded once for the module's tests (about 4 s each time), in a transaction
    rolled back after the last of them: each test runs in a savepoint inside it and sees
    the demo as loaded, whatever the tests before it did."""
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("demo", "--quiet")
        yield
        transaction.set_rollback(True)


@pytest.fixture
def demo(_demo_loaded):  # type: ignore[no-untyped-def]
    return {o.code: o for o in Organisation.objects.all()}


def test_two_forces_each_on_its_own_profile(demo):
    assert demo["vale-police"].policy_profile == "west-mercia-2014"
    assert demo["northbrook-police"].policy_profile == "west-midlands-2018"
    area = demo["lpa-northbrook-central"]
    assert (area.parent, area.local_authority) == (demo["northbrook-police"], demo["northbrook-cc"])
    for code in ("lpa-northfold", "lpa-riverside", "lpa-eastmoor"):
        assert demo[code].local_authority is not None


@pytest.mark.parametrize(
    ("postcode", "authority", "force"),
    [
        ("WR1 2HQ", "vale-cc", "vale-police"),
        ("HR1 2EE", "harbour-cc", "vale-police"),
        ("SY1 1QX", "westshire-cc", "vale-police"),
        ("B1 1BB", "northbrook-cc", "northbrook-police"),
    ],
)
def test_real_postcodes_resolve_to_the_demo_organisations(demo, postcode, authority, force):
    found = covering(postcode)
    assert (found.authority, found.force) == (demo[authority], demo[force])


def test_northbroooks_child_is_placed_across_the_border_in_an_emergency(demo):
    child = Person.objects.get(given_name="Mia", family_name="Robinson")
    assert child.home_authority == demo["northbrook-cc"]
    placement = child.placements.get(ended_on=None)
    assert placement.provider == demo["hawthorn-house"]
    assert placement.postcode == "WR1 2HQ"
    assert (placement.host_authority, placement.host_force) == (
        demo["vale-cc"],
        demo["vale-police"],
    )
    assert placement.out_of_area and placement.emergency
    yesterday = timezone.localdate() - timedelta(days=1)
    assert placement.started_on == yesterday
    # its assessment: due 72 hours after the placement began, not done yet
    assert not AssessmentVersion.objects.filter(person=child).exists()
    deadline = Deadline.objects.of(placement).get(owner="care", kind="ppa_due")
    assert deadline.status == "open"
    assert deadline.due == datetime.combine(yesterday, time.min, tzinfo=LONDON) + timedelta(
        hours=72
    )
    workers = dict(
        AllocatedWorker.objects.filter(person=child, ended_on=None).values_list(
            "role", "user__email"
        )
    )
    assert workers == {
        "social_worker": "socialworker@northbrook-cc.demo",
        "independent_reviewing_officer": "iro@northbrook-cc.demo",
    }
    # the host authority and the host force's coordinators were told, by email too
    told = Message.objects.filter(rule="R-OOA-01", event_key=f"placement:{placement.pk}")
    coordinator = User.objects.get(email="coordinator@vale-police.demo")
    assert told.filter(recipient_user=coordinator, channel="email").exists()
    assert told.filter(recipient_org=demo["vale-cc"], channel="email").exists()


def test_the_cross_border_arrangements(demo):
    def between(a, b):
        return SharingArrangement.objects.get(from_org=demo[a], to_org=demo[b])

    first = between("northbrook-cc", "vale-police")
    assert (first.channels, first.flag_placement) == (["email"], "request")
    assert between("northbrook-cc", "vale-cc").channels == ["email"]
    vale = between("vale-cc", "vale-police")
    assert (vale.channels, vale.flag_placement) == (["email"], "direct")


def test_a_second_run_adds_nothing(demo):
    counts = (
        Person.objects.count(),
        SharingArrangement.objects.count(),
        AllocatedWorker.objects.count(),
        Deadline.objects.filter(owner="care").count(),
        Message.objects.count(),
    )
    call_command("demo", "--quiet")
    assert (
        Person.objects.count(),
        SharingArrangement.objects.count(),
        AllocatedWorker.objects.count(),
        Deadline.objects.filter(owner="care").count(),
        Message.objects.count(),
    ) == counts


def test_the_other_demo_children_keep_their_flags(demo):
    """Vale places flags with the police directly; Harbour's and Westshire's are asked of
    the police and placed by the coordinator (R-FLG-01, R-FLG-02)."""
    flags = set(
        Flag.objects.filter(ended_at=None).values_list(
            "person__given_name", "kind", "raised_by_org__code"
        )
    )
    assert flags == {
        ("Amira", "cse", "vale-cc"),
        ("Kyle", "criminal_exploitation", "vale-police"),
        ("Leah", "self_harm", "vale-police"),
        ("Leah", "mental_health", "vale-police"),
        ("Chloe", "cse", "vale-police"),
        ("Chloe", "substance_misuse", "vale-police"),
    }

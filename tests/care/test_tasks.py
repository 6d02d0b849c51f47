"""The worker and the pre-placement assessment (care/tasks.py, R-PPA-01): an assessment
not done when it falls due is put to the placing authority's team managers and the
allocated social worker, once; a done one, or an ended placement, is left alone."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

import misper.care.tasks  # noqa: F401 - registers the ppa_due handler
from misper.care.services import assessment_save
from misper.core.deadline_sweep import sweep_due_deadlines
from misper.core.models import Deadline, TimelineEvent
from misper.notifications.models import Message
from misper.people.services import allocation_set
from tests.care.factories import assessment_values
from tests.care.region import place

pytestmark = pytest.mark.django_db


@pytest.fixture
def overdue(border):
    """A planned placement that began two days ago: its assessment was due then."""
    border["placement"] = place(
        border, emergency=False, started_on=timezone.localdate() - timedelta(days=2)
    )
    border["deadline"] = Deadline.objects.get(owner="care", kind="ppa_due")
    assert border["deadline"].due < timezone.now()
    return border


def sweep() -> int:
    return sweep_due_deadlines(timezone.now(), worker_id="test")


def test_an_overdue_assessment_is_put_to_the_team_managers_and_the_social_worker_once(overdue):
    allocation_set(
        actor=overdue["bham_tm"],
        person_id=overdue["child"].pk,
        role="social_worker",
        user_id=overdue["bham_sw"].pk,
    )
    assert sweep() == 1
    assert sweep() == 0  # acted on: never again
    overdue["deadline"].refresh_from_db()
    assert overdue["deadline"].status == "acted"
    assert "team managers told" in overdue["deadline"].closed_reason
    told = Message.objects.filter(rule="R-PPA-01")
    assert set(told.values_list("recipient_key", flat=True)) == {
        f"user:{overdue['bham_tm'].pk}",
        f"user:{overdue['bham_sw'].pk}",
    }
    assert told.count() == 2  # inbox only, one each
    for message in told:
        assert "Mia" not in message.title and "Robinson" not in message.title
    assert (
        TimelineEvent.objects.filter(
            subject_type="person", subject_id=overdue["child"].pk, verb="assessment_overdue"
        ).count()
        == 1
    )


def test_an_assessment_done_before_the_sweep_means_nothing_is_sent(overdue):
    assessment_save(
        actor=overdue["bham_sw"],
        person_id=overdue["child"].pk,
        values=assessment_values(),
        completed_with="Manager",
        based_on=None,
    )
    # saving met the deadline: the sweep has nothing to act on
    overdue["deadline"].refresh_from_db()
    assert overdue["deadline"].status == "met"
    assert sweep() == 0
    assert not Message.objects.filter(rule="R-PPA-01").exists()
    assert not TimelineEvent.objects.filter(verb="assessment_overdue").exists()


def test_the_handler_does_nothing_when_a_version_exists_for_the_placement(overdue):
    """A version saved while the deadline stayed open (e.g. met by a later run): the
    handler checks for itself."""
    from misper.care.tasks import ppa_overdue

    assessment_save(
        actor=overdue["bham_sw"],
        person_id=overdue["child"].pk,
        values=assessment_values(),
        completed_with="Manager",
        based_on=None,
    )
    assert ppa_overdue(overdue["deadline"], timezone.now()) == "completed: nothing to do"
    assert not Message.objects.filter(rule="R-PPA-01").exists()


def test_an_ended_placement_is_left_alone(overdue):
    from misper.care.tasks import ppa_overdue

    place(overdue, started_on=timezone.localdate())  # a new placement ends the old one
    assert ppa_overdue(overdue["deadline"], timezone.now()) == "placement ended: nothing to do"
    assert not Message.objects.filter(rule="R-PPA-01").exists()


def test_without_a_team_manager_the_authority_itself_is_told(overdue):
    overdue["bham_tm"].is_active = False
    overdue["bham_tm"].save(update_fields=["is_active"])
    assert sweep() == 1
    assert list(
        Message.objects.filter(rule="R-PPA-01").values_list("recipient_key", flat=True)
    ) == [f"org:{overdue['bham'].pk}"]


def test_a_deadline_not_yet_due_is_not_acted_on(border):
    place(border, emergency=True)  # due 72 hours after yesterday began
    assert sweep() == 0
    assert Deadline.objects.get(owner="care").status == "open"

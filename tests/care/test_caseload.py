"""A social worker's and a team manager's lists (care.selectors.caseload_for_user,
team_for_user): the children allocated to the worker, what needs doing first; the team's
workers and the looked-after children with no social worker."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone

from misper.care.selectors import caseload_for_user, team_for_user
from misper.care.services import assessment_save
from misper.core.errors import NotFound, PermissionDenied
from misper.episodes.services import episode_report
from misper.people.services import PersonDetails, allocation_set, person_create
from tests.care.factories import assessment_values
from tests.care.region import place
from tests.episodes.conftest import report

pytestmark = pytest.mark.django_db


def child(r, family: str):
    return person_create(
        actor=r["bham_sw"],
        details=PersonDetails(
            given_name="Child", family_name=family, date_of_birth=date(2011, 1, 1)
        ),
    )


def allocate(r, person, worker="bham_sw", role="social_worker"):
    allocation_set(actor=r["bham_tm"], person_id=person.pk, role=role, user_id=r[worker].pk)


def missing_now(r, person):
    return episode_report(
        actor=r["wmc_officer"],
        person_id=person.pk,
        report=report(missing_from="care", establishment=r["home"]),
        category="missing",
        risk="medium",
        rationale="Initial grading",
    )


def assess(r, person):
    assessment_save(
        actor=r["bham_sw"],
        person_id=person.pk,
        values=assessment_values(),
        completed_with="Manager",
        based_on=None,
    )


@pytest.fixture
def caseload(border):
    """Five children of Birmingham's social worker, named so that the alphabet would put
    them in the opposite order to their urgency."""
    r = border
    long_ago = timezone.localdate() - timedelta(days=10)
    kids = {}
    # missing now, and the assessment overdue
    kids["both"] = child(r, "Young")
    place(r, person=kids["both"], emergency=False, started_on=long_ago)
    # missing now, assessment done
    kids["missing"] = child(r, "Walker")
    place(r, person=kids["missing"], emergency=False, started_on=long_ago)
    assess(r, kids["missing"])
    # the assessment overdue
    kids["overdue"] = child(r, "Turner")
    place(r, person=kids["overdue"], emergency=False, started_on=long_ago)
    # the assessment due (an emergency placement yesterday)
    kids["due"] = child(r, "Smith")
    place(r, person=kids["due"], emergency=True)
    # nothing to do
    kids["quiet"] = child(r, "Adams")
    place(r, person=kids["quiet"], emergency=False, started_on=long_ago)
    assess(r, kids["quiet"])
    for kid in kids.values():
        allocate(r, kid)
    missing_now(r, kids["both"])
    missing_now(r, kids["missing"])
    # a looked-after child of Birmingham with no social worker, and one at home
    kids["unallocated"] = child(r, "Baker")
    place(r, person=kids["unallocated"], emergency=False, started_on=long_ago)
    child(r, "Carter")
    r["kids"] = kids
    return r


def test_the_most_urgent_first_an_open_episode_and_an_overdue_assessment(caseload):
    kids = caseload["kids"]
    rows = caseload_for_user(caseload["bham_sw"], timezone.now())
    assert [r.person for r in rows] == [
        kids["both"],
        kids["missing"],
        kids["overdue"],
        kids["due"],
        kids["quiet"],
    ]
    first = rows[0]
    assert first.assessment_overdue
    assert "Pre-placement assessment overdue" in first.work
    assert "Missing now" in first.work
    assert first.roles == ["Social worker"]
    by_person = {r.person: r for r in rows}
    assert not by_person[kids["due"]].assessment_overdue
    assert by_person[kids["due"]].work == ["Pre-placement assessment due"]
    assert by_person[kids["quiet"]].work == [] and by_person[kids["quiet"]].urgent == 0


def test_a_worker_sees_only_their_own_children(caseload):
    assert caseload_for_user(caseload["bham_sw2"], timezone.now()) == []
    allocate(
        caseload, caseload["kids"]["quiet"], worker="bham_iro", role="independent_reviewing_officer"
    )
    rows = caseload_for_user(caseload["bham_iro"], timezone.now())
    assert [(r.person, r.roles) for r in rows] == [(caseload["kids"]["quiet"], ["IRO"])]


def test_a_team_manager_may_look_at_a_workers_list_of_their_own_authority_only(caseload):
    rows = caseload_for_user(caseload["bham_tm"], timezone.now(), worker=caseload["bham_sw"])
    assert len(rows) == 5
    with pytest.raises(NotFound):
        caseload_for_user(caseload["worcs_tm"], timezone.now(), worker=caseload["bham_sw"])
    with pytest.raises(NotFound):  # a worker is not a team manager
        caseload_for_user(caseload["bham_sw2"], timezone.now(), worker=caseload["bham_sw"])


@pytest.mark.parametrize("who", ["carer", "wmc_coordinator", "wmc_officer"])
def test_caseloads_are_for_childrens_services(caseload, who):
    with pytest.raises(PermissionDenied):
        caseload_for_user(caseload[who], timezone.now())


def test_the_team_view_lists_the_workers_and_the_unallocated_children(caseload):
    team = team_for_user(caseload["bham_tm"], timezone.now())
    loads = {w.worker: (w.children, w.urgent) for w in team.workers}
    assert loads == {
        caseload["bham_sw"]: (5, 4),  # the quiet child needs nothing
        caseload["bham_sw2"]: (0, 0),
        caseload["bham_iro"]: (0, 0),
    }
    assert [r.person for r in team.unallocated] == [caseload["kids"]["unallocated"]]
    assert team.unallocated[0].assessment_overdue
    # a child at home is not on it; nor is another authority's child
    other = team_for_user(caseload["worcs_tm"], timezone.now())
    assert other.unallocated == []
    assert [w.worker for w in other.workers] == [caseload["worcs_sw"]]


@pytest.mark.parametrize("who", ["bham_sw", "bham_iro", "carer"])
def test_the_team_view_is_for_team_managers(caseload, who):
    with pytest.raises(PermissionDenied):
        team_for_user(caseload[who], timezone.now())

"""The demo region's repeat missing (misper/interventions/demo.py): the West Mercia triggers
the demo's episodes fired, taken through the coordinators' and children's services' steps so
that the coordinator's desk shows every state; deterministic, idempotent, and without a new
child or an open case."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.utils import timezone

from misper.agencies.models import User
from misper.core.models import Deadline
from misper.episodes.models import Episode
from misper.episodes.services.common import ask
from misper.interventions.models import Meeting, MeetingAction, TriggerRecord
from misper.interventions.selectors import desk
from misper.people.models import Person

pytestmark = [pytest.mark.django_db, pytest.mark.demo]

COORDINATOR = "coordinator@vale-police.demo"


def summary() -> list[tuple[object, ...]]:
    """Each record: child, kind, level, status, its meeting's status."""
    return sorted(
        (t.person.given_name, t.kind, t.level, t.status, t.meeting.status)
        for t in TriggerRecord.objects.select_related("person", "meeting")
    )


def test_the_coordinators_desk_shows_every_state():
    """R-TRG-09..15, R-TRG-19: new level 1 records with meetings to arrange, a level 2
    meeting arranged, a meeting held with actions (one overdue, one done), a deferred
    meeting, a level 3, closed records; every record is a hit of the engine."""
    call_command("demo", "--quiet")
    helen = User.objects.get(email=COORDINATOR)
    d = desk(helen)
    rows = summary()
    # Every record is what the engine says of its episode (C-06).
    for t in TriggerRecord.objects.select_related("episode", "force"):
        assert t.episode is not None
        hits = {(h.kind, h.level) for h in ask(t.episode, None, timezone.now()).triggers}
        assert (t.kind, t.level) in hits
        assert (t.force.code, t.force.policy_profile) == ("vale-police", "west-mercia-2014")

    new_level_1 = [t for t in d["new"] if t.level == 1 and t.meeting.status == "to_arrange"]
    assert {t.person.given_name for t in new_level_1} >= {"Ravi", "Leah", "Amira"}
    (arranged,) = d["meetings_arranged"]
    assert (arranged.trigger.person.given_name, arranged.trigger.level) == ("Tyrese", 2)
    assert arranged.scheduled_for > timezone.now()
    assert arranged.invitees.filter(name="Yasmin Ahmed, foster carer").exists()
    assert ("Tyrese", "wm_individual_3_in_90", 1, "closed", "to_arrange") in rows

    (overdue,) = d["actions_overdue"]
    kyle = overdue.meeting
    assert kyle.trigger.person.given_name == "Kyle" and kyle.status == "held"
    actions = list(MeetingAction.objects.filter(meeting=kyle))
    assert len(actions) == 3
    assert sum(a.done_at is not None for a in actions) == 1
    assert sum(a.done_at is None and a.due_on >= timezone.localdate() for a in actions) == 1
    assert Deadline.objects.of(overdue).get().status == "open"  # the worker will remind
    held = kyle.invitees.filter(attended=True)
    assert held.filter(user=helen).exists() and held.filter(organisation__code="westshire-cc")

    (deferred,) = Meeting.objects.filter(status="deferred")
    assert deferred.trigger.person.given_name == "Chloe"
    assert deferred.deferral_partner.code == "harbour-youth"
    assert deferred.police_agreed_by == helen
    assert deferred.childrens_services_agreed_by.email == "socialworker@westshire-cc.demo"
    assert deferred.trigger.status == "in_hand"
    assert not Deadline.objects.of(deferred).filter(status="open").exists()

    assert ("Chloe", "wm_individual_year", 3, "new", "to_arrange") in rows
    assert {r[4] for r in rows} == {"to_arrange", "arranged", "held", "deferred"}
    assert {r[3] for r in rows} == {"new", "in_hand", "closed"}
    # No meeting of a live record is overdue when the demo is built.
    open_meetings = Deadline.objects.filter(
        owner="interventions", kind="intervention_meeting_due", status="open"
    )
    assert all(x.due > timezone.now() for x in open_meetings)
    # The demo's eight children and four open cases are as they were.
    assert Person.objects.count() == 9
    assert Episode.objects.exclude(status="closed").count() == 4


def test_the_demo_interventions_are_idempotent():
    """A second load neither repeats a step nor makes another record."""
    call_command("demo", "--quiet")
    before = summary()
    versions = sorted(TriggerRecord.objects.values_list("pk", "version"))
    actions = MeetingAction.objects.count()
    call_command("demo", "--quiet")
    assert summary() == before
    assert sorted(TriggerRecord.objects.values_list("pk", "version")) == versions
    assert MeetingAction.objects.count() == actions


def test_the_demo_has_a_served_harbouring_notice_with_a_breach():
    """R-HRB-04, R-HRB-02: Dean Marsh, the adult Amira's return interview named, is linked
    to her associate and served a notice naming her (16, in care: section 49 only), breached
    once; the breach is on her timeline and his. A second load adds nothing."""
    from misper.core.timeline import timeline_for_subject
    from misper.interventions.models import HarbouringNotice

    call_command("demo", "--quiet")
    notice = HarbouringNotice.objects.select_related("adult", "served_by").get()
    amira = Person.objects.get(given_name="Amira")
    assert notice.adult.associates.filter(person=amira).exists()
    assert (notice.status, notice.photo_shown) == ("served", True)
    assert notice.served_by.email == "sergeant@vale-police.demo"
    assert [(c.person_id, c.acts) for c in notice.children.all()] == [
        (amira.pk, ["children_act_1989_s49"])
    ]
    assert notice.breaches.count() == 1
    for subject_type, pk in (("person", amira.pk), ("adult", notice.adult_id)):
        assert (
            timeline_for_subject(subject_type, pk)
            .filter(verb="harbouring_notice_breached")
            .exists()
        )
    call_command("demo", "--quiet")
    assert HarbouringNotice.objects.count() == 1 and notice.breaches.count() == 1

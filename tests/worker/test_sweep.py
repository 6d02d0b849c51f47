"""The deadline sweep and the episode handlers, on whatever engine the run uses (SQLite by
default): each due deadline acted on once, at its instant, by the service that owns it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from misper.core.deadline_sweep import (
    HANDLERS,
    NO_ACTION,
    register_deadline_handler,
    sweep_due_deadlines,
)
from misper.core.models import Deadline, TimelineEvent
from misper.episodes.models import CategoryDecision, Episode
from misper.episodes.services import episode_report, episode_set_category
from misper.episodes.services.deadlines import SYSTEM_EMAIL
from misper.notifications.models import Message
from tests.episodes.conftest import NOW, answers, report

pytestmark = pytest.mark.django_db


def episode_type():  # type: ignore[no-untyped-def]
    """The content type of an episode, for deadlines made by hand."""
    from django.contrib.contenttypes.models import ContentType

    return ContentType.objects.get_for_model(Episode)


def open_deadlines(ep, kind=None):
    qs = Deadline.objects.of(ep).filter(status="open")
    return qs.filter(kind=kind) if kind else qs


def events(ep, verb):
    return TimelineEvent.objects.filter(subject_type="episode", subject_id=str(ep.pk), verb=verb)


@pytest.fixture
def absent(wmc14):
    """West Mercia: absent (confirmed by the inspector), last contact 2 h ago."""
    return episode_report(
        actor=wmc14["inspector"],
        person_id=wmc14["child"].pk,
        report=report(),
        category="absent",
        now=NOW,
    )


def test_absent_limit_converts_an_absent_child_to_missing(wmc14, absent):
    """R-CLS-09: 6 h after last contact an absent child not found becomes missing."""
    limit = open_deadlines(absent, "absent_limit").get()
    assert limit.due == absent.last_contact_at + timedelta(hours=6)
    assert sweep_due_deadlines(limit.due - timedelta(seconds=1), "w") == 0
    assert sweep_due_deadlines(limit.due, "w") == 1
    ep = Episode.objects.get(pk=absent.pk)
    assert ep.category == "missing" and ep.awaiting_supervisor
    assert "R-CLS-09" in ep.supervisor_reason and ep.version == absent.version + 1
    decision = CategoryDecision.objects.filter(episode=ep).latest("id")
    assert decision.category == "missing" and decision.by_role == "system"
    assert decision.by.email == SYSTEM_EMAIL and not decision.by.is_active
    assert not decision.by.has_usable_password() and not decision.by.role_codes
    event = events(ep, "escalated_to_missing").get()
    assert event.actor is None and event.actor_role == "system"
    assert event.rules == ["R-CLS-09", "C-09"]
    limit.refresh_from_db()
    assert event.changes["deadline"] == limit.pk  # the deadline the worker acted on
    assert limit.status == "acted" and limit.attempts == 1
    assert timedelta(0) <= limit.acted_at - limit.due < timedelta(seconds=5)
    # The engine's deadlines for a missing case replace the absent ones.
    assert not open_deadlines(ep, "absent_limit").exists()
    msgs = Message.objects.filter(event_key=f"deadline:{limit.pk}")
    assert {m.recipient_org_id for m in msgs} == {wmc14["area"].pk}
    assert {m.rule for m in msgs} == {"R-CLS-09"}
    assert all(str(ep.person.family_name) not in m.title for m in msgs)
    assert msgs[0].link == f"/episodes/{ep.pk}/"
    # Acted once: a second sweep does nothing.
    assert sweep_due_deadlines(limit.due + timedelta(hours=1), "w") == 0
    assert events(ep, "escalated_to_missing").count() == 1


def test_absent_limit_of_a_child_already_missing_does_nothing(wmc14, absent):
    limit = open_deadlines(absent, "absent_limit").get()
    episode_set_category(
        actor=wmc14["inspector"],
        episode_id=absent.pk,
        version=absent.version,
        category="missing",
        rationale="now worried",
        now=NOW,
    )
    limit.refresh_from_db()
    assert limit.status == "cancelled"  # the engine no longer wants it
    # Even if a stale row were still open, the handler would leave the episode alone.
    Deadline.objects.filter(pk=limit.pk).update(status="open")
    before = Episode.objects.get(pk=absent.pk).version
    assert sweep_due_deadlines(limit.due, "w") == 1
    limit.refresh_from_db()
    assert limit.status == "acted" and "nothing to do" in limit.closed_reason
    assert Episode.objects.get(pk=absent.pk).version == before
    assert not events(absent, "escalated_to_missing").exists()


def test_a_callback_reminds_the_owning_area_and_a_review_also_its_inspectors(wmp15):
    ep = episode_report(
        actor=wmp15["call_handler"],
        person_id=wmp15["child"].pk,
        report=report(),
        category="absent",
        now=NOW,
    )
    ep = episode_set_category(
        actor=wmp15["inspector"],
        episode_id=ep.pk,
        version=ep.version,
        category="absent",
        rationale="At a friend's; mother agrees",
        review_period_hours=4,
        callback_at=NOW + timedelta(hours=2),
        now=NOW,
    )
    callback = open_deadlines(ep, "callback").get()
    review = open_deadlines(ep, "absent_review").get()
    assert sweep_due_deadlines(callback.due, "w") == 1
    event = events(ep, "deadline_due").get()
    assert event.rules == [callback.rule] and event.actor_role == "system"
    msgs = Message.objects.filter(event_key=f"deadline:{callback.pk}")
    assert {(m.recipient_org_id, m.recipient_user_id) for m in msgs} == {(wmp15["area"].pk, None)}
    assert msgs[0].title == f"Call-back to the informant on case {ep.pk}"
    assert sweep_due_deadlines(review.due, "w") == 1
    msgs = Message.objects.filter(event_key=f"deadline:{review.pk}")
    assert {m.recipient_user_id for m in msgs} == {None, wmp15["inspector"].pk}
    assert {m.rule for m in msgs} == {review.rule}


def test_a_kind_without_a_handler_is_closed_with_a_timeline_event(wmp15):
    d = Deadline.objects.create(
        owner="episodes",
        content_type=episode_type(),
        object_id=999,
        kind="rhi_due",
        due=NOW,
        rule="R-RHI-01",
    )
    assert sweep_due_deadlines(NOW, "w") == 1
    d.refresh_from_db()
    assert d.status == "acted" and d.closed_reason == NO_ACTION
    event = TimelineEvent.objects.get(subject_id="999", verb="deadline_due")
    assert event.rules == ["R-RHI-01"] and event.changes["action"] == NO_ACTION


@pytest.fixture
def flaky():
    calls: list[int] = []

    def handler(deadline, now):
        calls.append(deadline.pk)
        if len(calls) == 1:
            raise RuntimeError("Jayden Oakes: something broke")  # personal data in the message
        TimelineEvent.objects.create(subject_type="test", subject_id=deadline.object_id, verb="x")
        return "done"

    register_deadline_handler("test", "flaky")(handler)
    yield calls
    HANDLERS.pop(("test", "flaky"))


def test_a_failing_handler_rolls_back_that_deadline_only_and_is_retried(flaky, caplog):
    bad = Deadline.objects.create(
        owner="test", content_type=episode_type(), object_id=1, kind="flaky", due=NOW
    )
    good = Deadline.objects.create(
        owner="test",
        content_type=episode_type(),
        object_id=2,
        kind="other",
        due=NOW + timedelta(seconds=1),
    )
    assert sweep_due_deadlines(NOW + timedelta(minutes=1), "w") == 1
    bad.refresh_from_db()
    good.refresh_from_db()
    assert good.status == "acted"
    assert bad.status == "open" and bad.attempts == 1 and bad.last_error == "RuntimeError"
    assert "Jayden" not in caplog.text and "RuntimeError" in caplog.text
    assert flaky == [bad.pk]  # not tried twice in one tick
    assert sweep_due_deadlines(NOW + timedelta(minutes=2), "w") == 1
    bad.refresh_from_db()
    assert bad.status == "acted" and bad.attempts == 2 and bad.last_error == "RuntimeError"
    assert timedelta(minutes=2) <= bad.acted_at - bad.due < timedelta(minutes=2, seconds=5)
    assert TimelineEvent.objects.filter(subject_type="test", verb="x").count() == 1


def test_a_failing_handler_backs_off_before_it_is_tried_again(flaky):
    from misper.core.deadline_sweep import retry_delay

    bad = Deadline.objects.create(
        owner="test", content_type=episode_type(), object_id=1, kind="flaky", due=NOW
    )
    assert sweep_due_deadlines(NOW, "w") == 0
    bad.refresh_from_db()
    assert bad.retry_after == NOW + retry_delay(1) == NOW + timedelta(seconds=5)
    assert sweep_due_deadlines(NOW + timedelta(seconds=4), "w") == 0
    assert flaky == [bad.pk]  # not tried during the backoff
    assert sweep_due_deadlines(NOW + timedelta(seconds=5), "w") == 1
    assert [retry_delay(n).total_seconds() for n in (1, 2, 3, 12, 20)] == [
        5,
        10,
        20,
        3600,
        3600,
    ]


@pytest.mark.parametrize(
    ("last_contact", "due"),
    [
        # Spring: clocks go forward at 01:00 UTC on 30 March 2025 (01:00 -> 02:00 BST).
        ("2025-03-30T00:30:00+00:00", "2025-03-30T06:30:00+00:00"),
        # Autumn: clocks go back at 01:00 UTC on 26 October 2025 (02:00 BST -> 01:00 GMT).
        ("2025-10-26T00:30:00+00:00", "2025-10-26T06:30:00+00:00"),
        ("2025-10-25T23:15:00+00:00", "2025-10-26T05:15:00+00:00"),
    ],
)
def test_deadlines_across_the_clock_changes_fall_due_at_the_right_instant(wmc14, last_contact, due):
    """C-01: six elapsed hours, whatever the wall clock does in between."""
    contact = datetime.fromisoformat(last_contact)
    ep = episode_report(
        actor=wmc14["inspector"],
        person_id=wmc14["child"].pk,
        report=report(
            reported_at=contact + timedelta(minutes=20),
            last_seen_at=contact - timedelta(minutes=10),
            last_contact_at=contact,
        ),
        category="absent",
        now=contact + timedelta(minutes=20),
    )
    limit = open_deadlines(ep, "absent_limit").get()
    assert limit.due == datetime.fromisoformat(due).astimezone(UTC)
    assert sweep_due_deadlines(limit.due - timedelta(seconds=1), "w") == 0
    assert Episode.objects.get(pk=ep.pk).category == "absent"
    assert sweep_due_deadlines(limit.due, "w") == 1
    assert Episode.objects.get(pk=ep.pk).category == "missing"


def test_a_deadline_acted_on_is_not_opened_again_by_a_later_sync(wmp15):
    """A later service re-syncs the episode's deadlines and the engine still wants the same
    risk review at the same instant: the sync sees it was acted on and opens no copy, so
    nobody is reminded twice."""
    from django.db import transaction

    from misper.episodes.services.common import ask, sync_deadlines

    ep = episode_report(
        actor=wmp15["investigating_officer"],
        person_id=wmp15["child"].pk,
        report=report(answers=answers(out_of_character="yes")),
        category="missing",
        risk="medium",
        rationale="first assessment",
        now=NOW,
    )
    review = open_deadlines(ep, "risk_review").get()
    assert sweep_due_deadlines(review.due, "w") == 1
    with transaction.atomic():
        sync_deadlines(Episode.objects.get(pk=ep.pk), ask(ep, None, review.due))
    assert not open_deadlines(ep, "risk_review").exists()
    assert sweep_due_deadlines(review.due + timedelta(seconds=1), "w") == 0
    assert events(ep, "deadline_due").count() == 1

"""The work list: what is due and overdue on the user's area's cases, with the time left."""

from __future__ import annotations

from datetime import timedelta

import pytest

from misper.core.models import Deadline
from misper.episodes.selectors import due_for_user
from misper.episodes.services import episode_report
from tests.episodes.conftest import NOW, answers, report

pytestmark = pytest.mark.django_db


@pytest.fixture
def missing(wmp15):
    return episode_report(
        actor=wmp15["investigating_officer"],
        person_id=wmp15["child"].pk,
        report=report(answers=answers(out_of_character="yes")),
        category="missing",
        risk="medium",
        rationale="first assessment",
        now=NOW,
    )


def test_due_for_user_lists_overdue_first_with_time_left(wmp15, missing):
    overdue = Deadline.objects.create(
        owner="episodes",
        subject=missing,
        kind="callback",
        due=NOW - timedelta(minutes=90),
        rule="R-REV-03",
    )
    rows = due_for_user(wmp15["sergeant"], now=NOW)
    assert rows and rows[0].deadline == overdue
    assert rows[0].overdue and rows[0].left == timedelta(minutes=-90)
    assert all(not r.overdue for r in rows[1:])
    assert [r.deadline.due for r in rows] == sorted(r.deadline.due for r in rows)
    # Another area's officer does not see them; force-level staff do.
    other = wmp15["other_area"]
    from misper.agencies.services import user_create

    south = user_create(
        actor=None, email="s@x.test", full_name="S", organisation=other, roles=["sergeant"]
    )
    assert due_for_user(south, now=NOW) == []
    assert due_for_user(wmp15["force_call_handler"], now=NOW)
    assert due_for_user(wmp15["social_worker"], now=NOW) == []


def test_work_page_shows_due_and_overdue(wmp15, missing, mfa_client):
    Deadline.objects.create(
        owner="episodes",
        subject=missing,
        kind="callback",
        due=NOW - timedelta(minutes=90),
        rule="R-REV-03",
    )
    html = mfa_client(wmp15["sergeant"]).get("/episodes/work/").content.decode()
    assert "Due and overdue" in html and f"/episodes/{missing.pk}/" in html
    assert "Overdue by" in html and "R-REV-03" in html and "Call-back to the informant" in html


def test_work_page_is_for_police_users(wmp15, mfa_client):
    assert mfa_client(wmp15["social_worker"]).get("/episodes/work/").status_code == 404

"""The reports' summary table (insights/facts.py, issue 14 part 4): each service that changes
what a report counts marks the child changed in its own transaction, and the refresh
re-derives exactly what a derivation from scratch gives, so a report over the summary
counts the same as one over the records."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.db import transaction

from misper.core.errors import ValidationFailed
from misper.core.models import ChangedSubject
from misper.episodes.services import episode_found, episode_report
from misper.episodes.services.decisions import episode_grade_risk
from misper.episodes.services.record import FoundInput
from misper.insights import facts, tasks
from misper.insights.models import EpisodeFact
from misper.insights.reports import MISSING_DATA, NO_FOUND_POSTCODE, report_for
from misper.people.services import PersonDetails, person_create, person_update, placement_record
from tests.episodes.conftest import report
from tests.insights.facts_check import assert_summary_current
from tests.insights.reports_data import force_with_areas, utc

pytestmark = pytest.mark.django_db

SEEN = utc(2025, 6, 2, 8)
YEAR = {"start": date(2025, 1, 1), "end": date(2025, 12, 31)}


@pytest.fixture
def w(make_org, make_user) -> dict[str, Any]:
    return force_with_areas(make_org, make_user)


def details(w: dict[str, Any], **kw: Any) -> PersonDetails:
    base: dict[str, Any] = {
        "given_name": "Mia",
        "family_name": "Hart",
        "date_of_birth": date(2011, 4, 2),
        "sex": "female",
        "ethnicity": "MWBC",
        "home_postcode": "B1 1AA",
        "home_authority": w["vale"],
    }
    return PersonDetails(**(base | kw))


def reported(w: dict[str, Any], person_id: int, seen: Any = SEEN, **kw: Any) -> Any:
    """A missing episode through the services, graded low, reported an hour after ``seen``."""
    at = seen + timedelta(hours=1)
    return episode_report(
        actor=w["inspector"],
        person_id=person_id,
        report=report(reported_at=at, last_seen_at=seen, last_contact_at=seen),
        category="missing",
        risk="low",
        rationale="Out of character but no risks known",
        now=at,
    )


def found(w: dict[str, Any], ep: Any, **kw: Any) -> Any:
    """``ep`` found nine hours after ``SEEN``, safe and well (``kw``: other answers)."""
    return episode_found(
        actor=w["investigating_officer"],
        episode_id=ep.pk,
        version=ep.version,
        found=FoundInput(
            found_at=SEEN + timedelta(hours=9),
            found_where="A friend's flat",
            found_by="PC Lee",
            condition="Well",
            **({"safe_and_well": "done"} | kw),
        ),
        now=SEEN + timedelta(hours=10),
    )


def fact_of(episode_id: int) -> dict[str, object]:
    return assert_summary_current()[episode_id]


def test_each_service_marks_the_child_and_the_refresh_derives_what_it_changed(w, make_org):
    person = person_create(actor=w["social_worker"], details=details(w))
    ep = reported(w, person.pk)
    fact = fact_of(ep.pk)
    assert fact["duration"] == MISSING_DATA and fact["distance"] == NO_FOUND_POSTCODE
    assert (fact["sex"], fact["ethnicity"], fact["age_band"]) == ("female", "MWBC", "12 to 14")
    assert fact["authority"] == w["vale"].pk and fact["raised"] is False

    ep = episode_grade_risk(
        actor=w["investigating_officer"],
        episode_id=ep.pk,
        version=ep.version,
        risk="high",
        rationale="Seen with older males",
        now=SEEN + timedelta(hours=2),
    )
    assert fact_of(ep.pk)["raised"] is True  # R-HMI-02: the first grading was raised

    # Found at B33 0LA: 5.5003 miles from B1 1AA, so 6 to 10 miles (C-10).
    found(w, ep, found_postcode="B33 0LA")
    fact = fact_of(ep.pk)
    assert (fact["duration"], fact["distance"]) == ("8 to 16 hours", "6 to 10 miles")
    assert fact["found_district"] == "B33"
    assert fact["found_report"] and fact["checked_safe"] and not fact["closed"]

    person.refresh_from_db()
    person_update(
        actor=w["social_worker"],
        person_id=person.pk,
        version=person.version,
        details=details(w, sex="male", ethnicity="WBRI", date_of_birth=date(2009, 1, 5)),
    )
    fact = fact_of(ep.pk)
    assert (fact["sex"], fact["ethnicity"], fact["age_band"]) == ("male", "WBRI", "15 to 17")

    # Placed before the child was last seen: the distance is from the placement (B1 1AA to
    # B33 0LA becomes B33 0LA to B33 0LA), in Birmingham, which hosts it.
    make_org("local_authority", name="Birmingham", code="bham", ons_code="E08000025")
    placement_record(
        actor=w["social_worker"],
        person_id=person.pk,
        placement_type="children_home",
        address="1 Birch Lane",
        postcode="B33 0LA",
        placing_authority=w["vale"],
        started_on=date(2025, 5, 1),
    )
    assert fact_of(ep.pk)["distance"] == "0 to 5 miles"

    # The reports count the summary: the distance report has the episode in its new band.
    r = report_for(w["analyst"], "distance", **YEAR)
    assert r.table("bands").value("0 to 5 miles", "count") == 1
    assert r.table("bands").value("6 to 10 miles", "count") == 0


class Undone(Exception):
    pass


def test_the_mark_is_in_the_writers_transaction_and_a_refusal_leaves_none(w):
    ep = reported(w, w["child"].pk)
    facts.refresh_all()
    with pytest.raises(ValidationFailed):
        found(w, ep, safe_and_well="maybe")
    assert not ChangedSubject.objects.exists()
    with pytest.raises(Undone), transaction.atomic():
        found(w, ep)
        assert ChangedSubject.objects.filter(subject_type="episode").exists()
        raise Undone  # the change rolls back, and its mark with it
    assert not ChangedSubject.objects.exists()
    assert fact_of(ep.pk)["found_report"] is False


def test_the_worker_sweep_takes_the_marks_in_batches_and_a_report_waits_for_none(w, settings):
    for n in range(3):
        reported(w, w["child"].pk, SEEN + timedelta(days=n))
    marks = ChangedSubject.objects.count()
    assert marks >= 3
    assert facts.refresh(batch=2) == 2  # the worker's tick takes a batch
    assert ChangedSubject.objects.count() == marks - 2
    assert tasks.facts_sweep() == min(marks - 2, tasks.SWEEP_BATCH)
    facts.refresh_all()
    assert tasks.facts_sweep() == 0
    assert EpisodeFact.objects.filter(person=w["child"]).count() == 3
    assert_summary_current()


def test_rebuild_derives_every_child_and_drops_rows_of_no_episode(w):
    ep = reported(w, w["child"].pk)
    facts.refresh_all()
    EpisodeFact.objects.filter(pk=ep.pk).update(duration="tampered", sex="tampered")
    assert facts.rebuild() == 1
    assert_summary_current()
    assert EpisodeFact.objects.get(pk=ep.pk).duration == MISSING_DATA

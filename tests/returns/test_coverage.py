"""Coverage and timeliness of return interviews (R-RHI-01/11, R-DAT-14/15, C-11)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from misper.core.errors import PermissionDenied, ValidationFailed
from misper.core.figures import percent_text as percent
from misper.insights.reports import report_for
from misper.people.services import PersonDetails, person_create
from misper.returns import services
from misper.returns.coverage import Row, coverage_table
from misper.returns.models import Arrangement
from tests.episodes.conftest import NOW, make_region
from tests.insights.facts_check import assert_summary_current
from tests.returns.journey import found_child, interviewed, triage


def test_percentages_are_one_decimal_half_up():
    """C-11: half up, never to even; a dash for nothing to divide."""
    assert percent(1, 2000) == "0.1%"  # 0.05 rounds up
    assert percent(1, 8) == "12.5%"
    assert percent(2, 3) == "66.7%"
    assert percent(1, 3) == "33.3%"
    assert percent(0, 0) == "–"


@pytest.mark.parametrize(
    ("hours", "median"),
    [
        ({}, None),
        ({30.0: 1, 80.0: 1}, 55.0),
        ({10.0: 2, 50.0: 1}, 10.0),
        ({10.0: 1, 20.0: 1, 30.0: 2}, 25.0),
        ({7.5: 3}, 7.5),
        ({1.0: 1, 2.0: 1, 3.0: 1, 100.0: 1, 200.0: 1}, 3.0),
    ],
)
def test_the_median_reads_each_value_as_often_as_it_was_counted(hours, median):
    """The median hours to interview, from how many interviews took each number of hours
    (a group of the insights summary counts many at once): the middle one, or the mean of
    the two middle ones."""
    row = Row("x")
    row.hours.update(hours)
    assert row.median_hours == median


@pytest.fixture
def region(make_org, make_user):
    r = make_region(make_org, make_user, "west-midlands-2015")
    r["provider"] = make_org("rhi_provider", name="Safe Return", code="safe")
    r["other_provider"] = make_org("rhi_provider", name="Harbour Youth", code="harbour")
    Arrangement.objects.create(authority=r["vale"], provider=r["provider"])
    r["worker"] = make_user("return_interview_worker", organisation=r["provider"])
    r["manager"] = make_user("return_interview_manager", organisation=r["provider"])
    r["other_manager"] = make_user("return_interview_manager", organisation=r["other_provider"])
    r["analyst"] = make_user("analyst", organisation=r["force"])
    return r


def child(r, given, sex):
    return person_create(
        actor=r["call_handler"],
        details=PersonDetails(
            given_name=given,
            family_name="Test",
            date_of_birth=date(2011, 1, 1),
            sex=sex,
            home_authority=r["vale"],
        ),
    )


@pytest.mark.django_db
def test_the_table_counts_each_way_an_interview_did_or_did_not_happen(region):
    r = region
    found = NOW - timedelta(days=6)
    on_time = found_child(
        police=r["call_handler"], person=child(r, "Amy", "female"), found_at=found
    )
    late = found_child(police=r["call_handler"], person=child(r, "Ben", "male"), found_at=found)
    declined = found_child(
        police=r["call_handler"], person=child(r, "Cat", "female"), found_at=found
    )
    waiting = found_child(police=r["call_handler"], person=child(r, "Dan", "male"), found_at=found)
    interviewed(r["worker"], on_time, held_at=found + timedelta(hours=30))
    interviewed(r["worker"], late, held_at=found + timedelta(hours=80))
    declined = triage(r["worker"], declined, {}, "red", "known CSE concern")
    services.outcome_record(
        actor=r["worker"],
        referral_id=declined.pk,
        version=declined.version,
        outcome="declined_child",
        offered_instead="A leaflet and a named worker to call",
    )
    assert waiting is not None

    today = NOW.date()
    table = coverage_table(r["manager"], start=today - timedelta(days=30), end=today)
    (row,) = table.rows
    assert row.label == "Safe Return"
    assert (row.referrals, row.completed, row.completed_in_72h, row.declined, row.open) == (
        4,
        2,
        1,
        1,
        1,
    )
    assert (row.red, row.not_triaged) == (3, 1)
    assert row.coverage == "50.0%" and row.timeliness == "50.0%"
    assert row.median_hours == 55.0  # 30 h and 80 h
    by_sex = coverage_table(r["analyst"], start=today - timedelta(days=30), end=today, group="sex")
    assert {x.label: x.referrals for x in by_sex.rows} == {"Female": 2, "Male": 2}
    assert by_sex.total.referrals == 4
    # The analyst's report counts the summary table (insights/facts.py): the same figures,
    # once each service's change was marked and derived.
    assert_summary_current()
    report = report_for(
        r["analyst"], "return-interviews", start=today - timedelta(days=30), end=today
    )
    provider = report.table("provider")
    assert provider.value("Safe Return", "referrals") == 4
    assert provider.value("Safe Return", "completed") == 2
    # Another provider's manager counts only their own organisation's referrals.
    assert (
        coverage_table(r["other_manager"], start=today - timedelta(days=30), end=today).rows == []
    )
    # A period before the children were found counts nothing.
    assert (
        coverage_table(
            r["manager"], start=today - timedelta(days=60), end=today - timedelta(days=31)
        ).rows
        == []
    )


@pytest.mark.django_db
def test_who_may_see_the_table_and_bad_periods_name_the_field(region):
    r = region
    today = NOW.date()
    with pytest.raises(PermissionDenied):
        coverage_table(r["worker"], start=today, end=today)
    with pytest.raises(PermissionDenied):
        coverage_table(r["call_handler"], start=today, end=today)
    with pytest.raises(ValidationFailed) as exc:
        coverage_table(r["manager"], start=today, end=today - timedelta(days=1))
    assert exc.value.field == "end"
    with pytest.raises(ValidationFailed) as exc:
        coverage_table(r["manager"], start=today, end=today, group="postcode")
    assert exc.value.field == "group"


@pytest.mark.django_db
def test_an_administrator_sets_who_holds_an_authoritys_interviews(region, make_user):
    """R-RHI-12, R-OOA-04: one arrangement per authority, each change on its timeline."""
    from misper.core.models import TimelineEvent
    from misper.returns.arrangements import arrangement_set

    r = region
    admin = make_user("system_administrator", organisation=r["force"])
    with pytest.raises(PermissionDenied):
        arrangement_set(
            actor=r["manager"],
            authority_id=r["vale"].pk,
            provider_id=None,
            out_of_area="host",
            provider_takes_out_of_area=False,
        )
    with pytest.raises(ValidationFailed) as exc:
        arrangement_set(
            actor=admin,
            authority_id=r["vale"].pk,
            provider_id=r["vale"].pk,  # an authority is not a provider
            out_of_area="host",
            provider_takes_out_of_area=False,
        )
    assert exc.value.field == "provider"
    a = arrangement_set(
        actor=admin,
        authority_id=r["vale"].pk,
        provider_id=r["other_provider"].pk,
        out_of_area="host",
        provider_takes_out_of_area=True,
    )
    assert (a.provider, a.out_of_area, a.provider_takes_out_of_area) == (
        r["other_provider"],
        "host",
        True,
    )
    assert Arrangement.objects.filter(authority=r["vale"]).count() == 1
    assert TimelineEvent.objects.filter(
        subject_type="organisation", subject_id=str(r["vale"].pk), verb="rhi_arrangement_set"
    ).exists()

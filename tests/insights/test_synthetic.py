"""The synthetic decade (misper.insights.synthetic, ``misper synthetic_decade``), written small:
the rows the reports read are there and consistent, it is skewed as described, and it never
writes into a database that holds children. On PostgreSQL the rows go through COPY with
ids chosen by the generator, so the test also checks that the sequences moved past them."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from misper.agencies.models import Organisation, OrganisationKind
from misper.agencies.services import user_create
from misper.episodes.codes import Category
from misper.episodes.models import CategoryDecision, Episode, FoundReport, RiskGrading
from misper.insights.reports import SPECS, report_for
from misper.insights.synthetic import NotEmpty, generate
from misper.people.models import Person, Placement
from misper.returns.models import Interview, Referral

pytestmark = pytest.mark.django_db

END = date(2026, 6, 30)


@pytest.fixture
def decade():
    return generate(children=60, episodes=300, end=END, seed=7)


def test_the_rows_the_reports_read_are_written_and_consistent(decade):
    assert Person.objects.count() == decade.children == 60
    assert Episode.objects.count() == decade.episodes == 300
    # Every child went missing at least once; the shares are skewed, not uniform.
    per_child = Counter(Episode.objects.values_list("person_id", flat=True))
    assert len(per_child) == 60
    assert max(per_child.values()) >= 15 > min(per_child.values())
    # Each episode has its category decided; each missing one a first risk grading.
    assert set(CategoryDecision.objects.values_list("episode_id", flat=True)) == set(
        Episode.objects.values_list("pk", flat=True)
    )
    missing = Episode.objects.filter(category=Category.MISSING)
    assert RiskGrading.objects.filter(initial=True).count() == missing.count()
    # A found missing child has a referral; a completed interview its interview record.
    assert Referral.objects.count() == missing.filter(found__isnull=False).count()
    assert Interview.objects.count() == Referral.objects.filter(outcome="completed").count()
    assert FoundReport.objects.count() == decade.found
    # Looked-after children go missing from their establishment (a third of the children).
    assert Placement.objects.count() == decade.placements > 0
    assert Episode.objects.filter(establishment__isnull=False).exists()
    # Last seen before the report (the database's own check) and inside the decade.
    first = Episode.objects.order_by("reported_at").first()
    assert first is not None and first.reported_at.date() >= END - timedelta(days=3653)
    assert Episode.objects.order_by("-last_seen_at").first().last_seen_at.date() <= END


def test_new_records_after_it_get_fresh_ids(decade):
    # On PostgreSQL the generator chose the ids: the sequences must have moved past them.
    top = Person.objects.order_by("-pk").first().pk
    authority = Organisation.objects.filter(kind=OrganisationKind.LOCAL_AUTHORITY).first()
    child = Person.objects.create(
        given_name="New",
        family_name="Child",
        date_of_birth=date(2012, 1, 1),
        home_authority=authority,
    )
    assert child.pk > top


def test_every_report_reads_it_and_the_totals_agree(decade):
    force = Organisation.objects.get(code="syn-wmp")
    analyst = user_create(
        actor=None, email="a@x.test", full_name="A", organisation=force, roles=["analyst"]
    )
    start, end = END - timedelta(days=3 * 365), END
    for slug in SPECS:
        report = report_for(analyst, slug, start=start, end=end)
        assert report.tables, slug
    durations = report_for(analyst, "durations", start=start, end=end)
    repeat = report_for(analyst, "repeat", start=start, end=end)
    missing = Episode.objects.filter(
        category=Category.MISSING,
        owning_area__parent=force,
        last_seen_at__date__gte=start,
        last_seen_at__date__lte=end,
    )
    assert durations.table("bands").total["count"] == missing.count()
    assert repeat.table("buckets").total["children"] == missing.values("person").distinct().count()


def test_it_never_writes_into_a_database_that_holds_children(decade):
    with pytest.raises(NotEmpty):
        generate(children=5, episodes=5, end=END)
    assert Person.objects.count() == 60
    with pytest.raises(CommandError, match="already holds children"):
        call_command("synthetic_decade", "--children", "5", "--episodes", "5", stdout=StringIO())


def test_the_command_reports_what_it_wrote():
    out = StringIO()
    call_command(
        "synthetic_decade",
        "--children",
        "10",
        "--episodes",
        "25",
        "--end",
        "2026-06-30",
        stdout=out,
    )
    assert "10 children" in out.getvalue() and "25 episodes" in out.getvalue()
    assert Episode.objects.count() == 25

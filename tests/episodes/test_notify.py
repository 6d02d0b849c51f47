"""Who is told what: children's services of the responsible authority on every report
the profile names, the host authority of an out-of-area placement, the IRO where the
profile says so, the return-interview provider when the child is found, the Missing
People charity under West Midlands; every message names its rule and carries no personal
data; channels beyond the inbox follow the sharing arrangement."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from misper.agencies.models import Organisation
from misper.episodes.services import episode_found, episode_grade_risk, episode_report
from misper.episodes.services.record import FoundInput
from misper.notifications.models import Message
from misper.notifications.services import arrangement_save
from misper.people.models import AllocatedWorker
from misper.people.services import placement_record
from misper.returns.models import Arrangement

from .conftest import NOW, answers, report

pytestmark = pytest.mark.django_db


def told(**filters):
    return {
        (m.recipient_org.code if m.recipient_org else m.recipient_user.email, m.rule, m.channel)
        for m in Message.objects.filter(**filters)
    }


def place_out_of_area(region, make_org):
    host = make_org("local_authority", name="Host LA", code="host")
    home = make_org("childrens_home", name="Far Home", code="far", local_authority=host)
    placement_record(
        actor=region["social_worker"],
        person_id=region["child"].pk,
        placement_type="children_home",
        address="Far Home",
        provider=home,
        placing_authority=region["vale"],
        host_authority=host,
        started_on=date(2026, 1, 1),
    )
    # The placement itself told the host authority (R-OOA-01, tests/care): these tests
    # are about what an episode tells.
    Message.objects.filter(subject_type="person").delete()
    return host, home


def test_missing_report_tells_the_responsible_authority_and_the_charity(wmp15, make_org):
    """R-NTF-23 (missing, WMP15) and the automatic Missing People referral (R-MED-02, the
    rule the policy engine gives that duty; R-NTF-25 restates it)."""
    make_org("charity", name="Missing People", code="missing-people")
    ep = episode_report(
        actor=wmp15["call_handler"],
        person_id=wmp15["child"].pk,
        report=report(answers=answers(out_of_character="yes")),
        category="missing",
        now=NOW,
    )
    assert told() == {("vale", "R-NTF-23", "inbox"), ("missing-people", "R-MED-02", "inbox")}
    for m in Message.objects.all():
        assert m.link == f"/episodes/{ep.pk}/"
        assert "Jayden" not in m.title and "Oakes" not in m.title


def test_absent_report_under_west_midlands_names_the_absent_rule(wmp15):
    episode_report(
        actor=wmp15["call_handler"],
        person_id=wmp15["child"].pk,
        report=report(),
        category="absent",
        now=NOW,
    )
    assert told() == {("vale", "R-NTF-22", "inbox")}


def test_looked_after_child_out_of_area_tells_host_and_iro(wmc14, make_org, make_user):
    """R-NTF-01 (West Mercia), R-NTF-32 (host authority), R-NTF-05 (IRO)."""
    place_out_of_area(wmc14, make_org)
    iro = make_user("independent_reviewing_officer", organisation=wmc14["vale"])
    AllocatedWorker.objects.create(
        person=wmc14["child"], user=iro, role="independent_reviewing_officer"
    )
    episode_report(
        actor=wmc14["call_handler"],
        person_id=wmc14["child"].pk,
        report=report(missing_from="care", answers=answers(out_of_character="yes")),
        category="missing",
        now=NOW,
    )
    assert told() == {
        ("vale", "R-NTF-01", "inbox"),
        ("host", "R-NTF-32", "inbox"),
        (iro.email, "R-NTF-05", "inbox"),
    }


def test_risk_change_and_found_are_told_with_their_rules(wmc14, make_org):
    provider = make_org(
        "rhi_provider", name="Safe Return", code="rhi", local_authority=wmc14["vale"]
    )
    # Vale commissions Safe Return: the referral made on found tells it (returns app).
    Arrangement.objects.create(authority=wmc14["vale"], provider=provider)
    ep = episode_report(
        actor=wmc14["call_handler"],
        person_id=wmc14["child"].pk,
        report=report(answers=answers(out_of_character="yes")),
        category="missing",
        risk="medium",
        rationale="r",
        now=NOW,
    )
    Message.objects.all().delete()
    ep = episode_grade_risk(
        actor=wmc14["inspector"],
        episode_id=ep.pk,
        version=ep.version,
        risk="high",
        rationale="new intelligence",
        now=NOW,
    )
    assert told() == {("vale", "R-NTF-33", "inbox")}
    Message.objects.all().delete()
    episode_found(
        actor=wmc14["investigating_officer"],
        episode_id=ep.pk,
        version=ep.version,
        found=FoundInput(
            found_at=NOW - timedelta(minutes=1),
            found_where="park",
            found_by="PC",
            condition="well",
            safe_and_well="done",
        ),
        now=NOW,
    )
    assert told() == {
        ("vale", "R-NTF-13", "inbox"),
        (provider.code, "R-NTF-30", "inbox"),  # the referral, to the provider
        ("vale", "R-RHI-12", "inbox"),  # and who holds it, to the responsible authority
    }


def test_sharing_arrangement_adds_email_and_is_recorded(wmc14, make_user):
    admin = make_user("system_administrator", organisation=wmc14["force"])
    arrangement_save(
        actor=admin,
        from_org=wmc14["force"],
        to_org=wmc14["vale"],
        channels=["email"],
        note="Vale's missing-children inbox",
    )
    episode_report(
        actor=wmc14["call_handler"],
        person_id=wmc14["child"].pk,
        report=report(answers=answers(out_of_character="yes")),
        category="missing",
        now=NOW,
    )
    assert told() == {("vale", "R-NTF-01", "inbox"), ("vale", "R-NTF-01", "email")}
    assert Message.objects.get(channel="email").status == "pending"


def test_only_administrators_keep_arrangements(wmc14):
    from misper.core.errors import NotFound

    with pytest.raises(NotFound):
        arrangement_save(
            actor=wmc14["inspector"],
            from_org=wmc14["force"],
            to_org=wmc14["vale"],
            channels=["email"],
        )


def test_a_repeated_event_tells_nobody_twice(wmc14):
    from misper.episodes.models import Episode
    from misper.episodes.notify import tell

    ep = episode_report(
        actor=wmc14["call_handler"],
        person_id=wmc14["child"].pk,
        report=report(answers=answers(out_of_character="yes")),
        category="missing",
        now=NOW,
    )
    before = Message.objects.count()
    from django.db import transaction

    with transaction.atomic():
        duties = Episode.objects.get(pk=ep.pk).recommendation["duty_rules"]
        assert (
            tell(Episode.objects.get(pk=ep.pk), "reported", event_id="report", duties=duties) == 0
        )
    assert Message.objects.count() == before
    assert Organisation.objects.filter(code="vale").exists()

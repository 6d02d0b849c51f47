"""The demo region: deterministic, idempotent, every role has a login that works."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command

from misper.agencies.demo import DEMO_PASSWORD
from misper.agencies.models import Organisation, OrganisationKind, User
from misper.agencies.roles import Role

pytestmark = [pytest.mark.django_db, pytest.mark.demo]


def test_demo_region_has_the_agencies_and_a_login_for_every_role(capsys):
    call_command("demo")
    out = capsys.readouterr().out
    kinds = list(Organisation.objects.values_list("kind", flat=True))
    assert kinds.count(OrganisationKind.POLICE_FORCE) == 2
    assert kinds.count(OrganisationKind.POLICING_AREA) == 4
    assert kinds.count(OrganisationKind.LOCAL_AUTHORITY) == 4
    assert kinds.count(OrganisationKind.RHI_PROVIDER) == 2
    assert kinds.count(OrganisationKind.CHILDRENS_HOME) == 5
    assert kinds.count(OrganisationKind.FOSTER_CARER) >= 2
    assert kinds.count(OrganisationKind.SEMI_INDEPENDENT) == 1
    held = {r for u in User.objects.all() for r in u.role_codes}
    assert held == set(Role.values)
    for user in User.objects.all():
        assert user.email in out
    assert DEMO_PASSWORD in out


def test_every_demo_login_works():
    call_command("demo", "--quiet")
    for user in User.objects.all():
        assert authenticate(email=user.email, password=DEMO_PASSWORD) == user, user.email


def test_demo_is_idempotent_and_deterministic():
    call_command("demo", "--quiet")
    first = sorted(Organisation.objects.values_list("code", "name", "kind"))
    users = sorted(User.objects.values_list("email", "organisation__code"))
    call_command("demo", "--quiet")
    assert sorted(Organisation.objects.values_list("code", "name", "kind")) == first
    assert sorted(User.objects.values_list("email", "organisation__code")) == users


def test_neighbouring_authority_places_into_the_region():
    call_command("demo", "--quiet")
    westshire = Organisation.objects.get(code="westshire-cc")
    # Westshire has no providers of its own in the region: its children are placed with
    # providers in Vale's and Harbour's areas (out-of-area placements, added with children).
    assert not westshire.providers_in_area.exists()
    assert User.objects.filter(organisation=westshire, role_assignments__role="social_worker")


def test_worker_runs_a_tick(transactional_db):
    """The worker closes stale connections between ticks, so it runs outside the test
    transaction, as it does in production."""
    from misper.worker import SWEEPS, Worker, register_sweep

    calls = []

    @register_sweep("test-sweep")
    def sweep() -> int:
        calls.append(1)
        return 0

    try:
        Worker(interval=0).run(once=True)
    finally:
        SWEEPS.pop("test-sweep")
    assert calls == [1]


def test_cli_sends_policy_commands_to_the_policy_engine(capsys):
    """`misper policy ...` runs the engine without Django; everything else is Django's."""
    from pathlib import Path

    import misper.cli

    scenario = sorted((Path(__file__).parents[1] / "policy" / "scenarios").glob("cls-*.json"))[0]
    assert misper.cli.main(["policy", "run", str(scenario), "--check"]) == 0
    assert capsys.readouterr().out.strip().endswith("1 passed, 0 failed")


def test_demo_children_and_episodes_give_every_role_work():
    from misper.core.models import Deadline
    from misper.episodes.models import Episode
    from misper.episodes.selectors import supervision_queue
    from misper.people.models import Person
    from misper.people.selectors import my_children

    call_command("demo", "--quiet")
    assert Person.objects.count() == 9
    assert Person.objects.filter(care_status="looked_after").count() == 6
    assert any(
        p.placements.filter(ended_on=None).first().out_of_area
        for p in Person.objects.filter(care_status="looked_after")
    )
    assert Episode.objects.filter(status="closed").count() >= 10
    assert Episode.objects.exclude(status="closed").count() == 4
    assert Deadline.objects.filter(status="open").exists()
    inspector = User.objects.get(email="inspector@vale-police.demo")
    assert supervision_queue(inspector)
    carer = User.objects.get(email="carer@birch-lodge.demo")
    assert [p.given_name for p in my_children(carer)] == ["Amira"]
    call_command("demo", "--quiet")  # a second run adds nothing
    assert Person.objects.count() == 9


def test_the_demo_sends_emails_whose_links_follow_the_address_served_on(settings):
    """The demo region had no sharing arrangement, so `make run` never sent an email; and
    links used port 8000 whatever PORT said. scripts/run.sh sets SITE_URL from the address
    it serves on; the links follow SITE_URL."""
    from django.core import mail

    from misper.notifications.models import Channel, Message
    from misper.notifications.services import deliver_due

    settings.SITE_URL = "http://127.0.0.1:9123"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    call_command("demo", "--quiet")
    emails = Message.objects.filter(channel=Channel.EMAIL)
    assert emails.exists()
    assert deliver_due(worker_id="test", limit=500) >= 1
    assert mail.outbox
    assert all("http://127.0.0.1:9123/" in m.body for m in mail.outbox)
    assert any("http://127.0.0.1:9123/episodes/" in m.body for m in mail.outbox)
    run = (Path(__file__).resolve().parents[2] / "scripts" / "run.sh").read_text()
    assert 'export SITE_URL="${SITE_URL:-http://$host:$port}"' in run

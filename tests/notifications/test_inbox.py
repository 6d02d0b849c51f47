"""The inbox page and API, and the administrators' delivery pages: who sees what.
Denied requests are checked for side effects: nothing read, acknowledged or recorded."""

from __future__ import annotations

import pytest
from django.db import transaction

from misper.agencies.services import api_token_create
from misper.core.models import TimelineEvent
from misper.notifications.models import Channel, Message
from misper.notifications.services import Recipient, deliver_due, notify

pytestmark = pytest.mark.django_db


def _say(*, event: str, rule: str = "R-NTF-01", **recipient):  # type: ignore[no-untyped-def]
    with transaction.atomic():
        [message, *_] = notify(
            rule=rule,
            event_key=event,
            subject_type="episode",
            subject_id=3,
            title=f"Something needs attention ({event})",
            link="/episodes/3/",
            recipients=[Recipient(**recipient)],
        )
    return message


@pytest.fixture
def world(make_org, make_user):  # type: ignore[no-untyped-def]
    vale, hill = make_org(name="Vale Council"), make_org(name="Hill Council")
    me = make_user(organisation=vale)
    colleague = make_user(organisation=vale)
    stranger = make_user(organisation=hill)
    return {
        "me": me,
        "colleague": colleague,
        "stranger": stranger,
        "mine": _say(event="e:1", user=me),
        "ours": _say(event="e:2", rule="R-NTF-02", organisation=vale),
        "theirs": _say(event="e:3", organisation=hill),
        "colleagues": _say(event="e:4", user=colleague),
    }


def _unchanged(message: Message) -> None:
    before = (message.read_at, message.acknowledged_at, message.acknowledged_by_id)
    message.refresh_from_db()
    assert (message.read_at, message.acknowledged_at, message.acknowledged_by_id) == before


def _bearer(user) -> dict[str, str]:  # type: ignore[no-untyped-def]
    # A token works only while its user meets the sign-in requirements (an authenticator app).
    from allauth.mfa.models import Authenticator
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    if not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
        TOTP.activate(user, generate_totp_secret())
    return {"HTTP_AUTHORIZATION": f"Bearer {api_token_create(actor=user, name='t').secret}"}


# --- pages ---------------------------------------------------------------------------------


def test_inbox_lists_my_and_my_organisations_messages_newest_first(world, mfa_client):  # type: ignore[no-untyped-def]
    page = mfa_client(world["me"]).get("/inbox/")
    assert page.status_code == 200
    html = page.content.decode()
    assert html.index("(e:2)") < html.index("(e:1)")  # newest first
    assert "(e:3)" not in html and "(e:4)" not in html
    assert "You have <strong>2</strong> unread messages" in html
    assert "Inbox (2)" in html  # the navigation
    assert "R-NTF-02" in html and "/episodes/3/" in html


def test_filters_by_state_and_rule(world, mfa_client):  # type: ignore[no-untyped-def]
    client = mfa_client(world["me"])
    html = client.get("/inbox/", {"rule": "R-NTF-02"}).content.decode()
    assert "(e:2)" in html and "(e:1)" not in html
    client.post(f"/inbox/{world['mine'].pk}/acknowledge/")
    html = client.get("/inbox/", {"show": "acknowledged"}).content.decode()
    assert "(e:1)" in html and "(e:2)" not in html
    html = client.get("/inbox/", {"show": "unread"}).content.decode()
    assert "(e:2)" in html and "(e:1)" not in html


def test_opening_marks_read_and_lowers_the_count(world, mfa_client):  # type: ignore[no-untyped-def]
    client = mfa_client(world["me"])
    page = client.get(f"/inbox/{world['mine'].pk}/")
    assert page.status_code == 200
    world["mine"].refresh_from_db()
    assert world["mine"].read_at is not None
    assert "Inbox (1)" in client.get("/inbox/").content.decode()


def test_acknowledging_is_a_timeline_event(world, mfa_client):  # type: ignore[no-untyped-def]
    # A colleague acknowledges a message to their organisation.
    ours = world["ours"]
    client = mfa_client(world["colleague"])
    response = client.post(f"/inbox/{ours.pk}/acknowledge/")
    assert response.status_code == 302
    ours.refresh_from_db()
    assert ours.acknowledged_by == world["colleague"]
    assert ours.acknowledged_at is not None and ours.read_at is not None
    [event] = TimelineEvent.objects.filter(subject_type="message", subject_id=str(ours.pk))
    assert (event.verb, event.actor, event.rules) == (
        "message_acknowledged",
        world["colleague"],
        ["R-NTF-02"],
    )
    # Twice changes nothing.
    client.post(f"/inbox/{ours.pk}/acknowledge/")
    assert TimelineEvent.objects.filter(subject_type="message").count() == 1


@pytest.mark.parametrize("who", ["stranger", "colleague"])
def test_someone_elses_message_is_not_found_and_nothing_changes(world, mfa_client, who):  # type: ignore[no-untyped-def]
    client = mfa_client(world[who])
    mine = world["mine"]
    assert client.get(f"/inbox/{mine.pk}/").status_code == 404
    assert client.post(f"/inbox/{mine.pk}/acknowledge/").status_code == 404
    _unchanged(mine)
    assert not TimelineEvent.objects.filter(subject_type="message").exists()


def test_anonymous_is_sent_to_sign_in_and_nothing_changes(world, client):  # type: ignore[no-untyped-def]
    for response in (
        client.get("/inbox/"),
        client.get(f"/inbox/{world['mine'].pk}/"),
        client.post(f"/inbox/{world['mine'].pk}/acknowledge/"),
    ):
        assert response.status_code == 302
        assert "/accounts/login/" in response["Location"]
    _unchanged(world["mine"])


# --- API -----------------------------------------------------------------------------------


def test_api_inbox_with_filters(world, client):  # type: ignore[no-untyped-def]
    auth = _bearer(world["me"])
    body = client.get("/api/v1/inbox", **auth).json()
    assert body["unread"] == 2 and body["count"] == 2
    assert [m["event"] for m in body["messages"]] == ["e:2", "e:1"]
    assert body["messages"][0]["to_organisation_id"] == world["ours"].recipient_org_id
    body = client.get("/api/v1/inbox?rule=R-NTF-01", **auth).json()
    assert [m["event"] for m in body["messages"]] == ["e:1"]
    assert client.get("/api/v1/inbox?show=nonsense", **auth).status_code == 422


def test_api_acknowledge_matrix(world, client):  # type: ignore[no-untyped-def]
    mine = world["mine"]
    url = f"/api/v1/inbox/{mine.pk}/acknowledge"
    assert client.post(url).status_code == 401
    _unchanged(mine)
    response = client.post(url, **_bearer(world["stranger"]))
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    _unchanged(mine)
    assert not TimelineEvent.objects.filter(subject_type="message").exists()

    response = client.post(url, **_bearer(world["me"]))
    assert response.status_code == 200
    assert response.json()["acknowledged_by"] == str(world["me"])
    assert TimelineEvent.objects.filter(
        subject_type="message", subject_id=str(mine.pk), verb="message_acknowledged"
    ).exists()
    assert client.get("/api/v1/inbox", **_bearer(world["stranger"])).json()["count"] == 1


# --- administrators ------------------------------------------------------------------------


def test_delivery_pages_are_for_system_administrators_only(world, mfa_client, make_user):  # type: ignore[no-untyped-def]
    email = _say(event="e:9", organisation=world["me"].organisation, channels=(Channel.EMAIL,))
    client = mfa_client(world["me"])
    for url in (
        "/inbox/deliveries/",
        f"/inbox/deliveries/{email.pk}/",
        "/inbox/webhooks/",
    ):
        assert client.get(url).status_code == 404
    assert (
        client.post("/inbox/webhooks/", {"organisation": 1, "url": "https://x.test/"}).status_code
        == 404
    )
    from misper.notifications.models import WebhookEndpoint

    assert not WebhookEndpoint.objects.exists()


def test_administrators_see_dead_messages_first_with_their_attempts(world, mfa_client, make_user):  # type: ignore[no-untyped-def]
    admin = make_user("system_administrator")
    org = world["me"].organisation
    org.notification_email = ""
    org.save()
    dead = _say(event="e:10", organisation=org, channels=(Channel.EMAIL,))
    deliver_due(worker_id="w1")
    dead = Message.objects.get(event_key="e:10", channel=Channel.EMAIL)
    pending = _say(event="e:11", user=world["me"], channels=(Channel.EMAIL,))
    pending = Message.objects.get(event_key="e:11", channel=Channel.EMAIL)

    client = mfa_client(admin)
    html = client.get("/inbox/deliveries/").content.decode()
    assert html.index(f"/inbox/deliveries/{dead.pk}/") < html.index(
        f"/inbox/deliveries/{pending.pk}/"
    )
    assert "the recipient organisation has no email address" in html
    detail = client.get(f"/inbox/deliveries/{dead.pk}/").content.decode()
    assert "Failed: the recipient organisation has no email address" in detail
    # And the administrator was told in their inbox.
    assert "Inbox (1)" in html
    assert Message.objects.filter(rule="SYS-NTF-DEAD", recipient_user=admin).count() == 1


def test_a_webhook_secret_is_shown_once(world, mfa_client, make_user):  # type: ignore[no-untyped-def]
    from misper.notifications.models import WebhookEndpoint

    admin = make_user("system_administrator")
    client = mfa_client(admin)
    org = world["me"].organisation
    response = client.post(
        "/inbox/webhooks/", {"organisation": org.pk, "url": "https://vale.example.test/hook"}
    )
    assert response.status_code == 200
    endpoint = WebhookEndpoint.objects.get()
    assert endpoint.secret in response.content.decode()
    listing = client.get("/inbox/webhooks/").content.decode()
    assert "https://vale.example.test/hook" in listing
    assert endpoint.secret not in listing
    assert client.post(f"/inbox/webhooks/{endpoint.pk}/deactivate/").status_code == 302
    endpoint.refresh_from_db()
    assert endpoint.active is False
    bad = client.post("/inbox/webhooks/", {"organisation": org.pk, "url": "not a url"})
    assert bad.status_code == 400
    assert WebhookEndpoint.objects.count() == 1


def test_arrangements_page_is_for_administrators_and_saves(mfa_client, make_user, make_org):
    from django.urls import reverse

    from misper.core.models import TimelineEvent
    from misper.notifications.models import SharingArrangement

    force = make_org("police_force", code="force-x")
    la = make_org("local_authority", code="la-x")
    url = reverse("notifications:arrangements")
    assert mfa_client(make_user("inspector", organisation=force)).get(url).status_code == 404
    admin = mfa_client(make_user("system_administrator", organisation=force))
    bad = admin.post(url, {"from_org": force.pk, "to_org": force.pk, "channels": ["email"]})
    assert bad.status_code == 400 and b"no arrangement with itself" in bad.content
    ok = admin.post(
        url, {"from_org": force.pk, "to_org": la.pk, "channels": ["email"], "active": "on"}
    )
    assert ok.status_code == 302
    arrangement = SharingArrangement.objects.get()
    assert (arrangement.channels, arrangement.active) == (["email"], True)
    assert TimelineEvent.objects.filter(verb="sharing_arrangement_created").exists()
    assert admin.get(url).status_code == 200

"""The child's photograph: checked by content, stored under a random name outside the
web root, served only to those who may see the child, and the read audited (R-REC-12)."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from misper.agencies.errors import ValidationFailed
from misper.agencies.models import AuditEvent, TimelineEvent
from misper.people.models import Person
from misper.people.services import person_photo_set

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64


def test_photo_is_stored_under_a_random_name_outside_static(region, child):
    person = person_photo_set(
        actor=region["officer"], person_id=child.pk, content=JPEG, taken_on=date.today()
    )
    name = person.photo.name
    assert name.startswith("photos/") and name.endswith(".jpg")
    assert child.family_name.lower() not in name.lower()
    path = Path(person.photo.path)
    assert path.read_bytes() == JPEG
    assert Path(settings.MEDIA_ROOT) in path.parents
    assert Path(settings.STATIC_ROOT) not in path.parents
    assert TimelineEvent.objects.filter(verb="photo_added", subject_id=str(child.pk)).exists()


@pytest.mark.parametrize(
    "content,field",
    [
        (b"", "photo"),
        (b"GIF89a" + b"\x00" * 10, "photo"),
        (b"\xff\xd8\xff" + b"\x00" * (6 * 1024 * 1024), "photo"),
    ],
)
def test_bad_photo_is_refused_and_nothing_changes(region, child, content, field):
    with pytest.raises(ValidationFailed) as exc:
        person_photo_set(
            actor=region["officer"], person_id=child.pk, content=content, taken_on=date.today()
        )
    assert exc.value.field == field
    assert not Person.objects.get(pk=child.pk).photo


def test_future_date_is_refused(region, child):
    with pytest.raises(ValidationFailed) as exc:
        person_photo_set(
            actor=region["officer"],
            person_id=child.pk,
            content=PNG,
            taken_on=date.today() + timedelta(days=1),
        )
    assert exc.value.field == "taken_on"


def test_photo_served_only_through_a_permission_check(region, child, mfa_client):
    person_photo_set(
        actor=region["officer"], person_id=child.pk, content=PNG, taken_on=date.today()
    )
    url = reverse("people:photo", args=[child.pk])
    ok = mfa_client(region["call_handler"]).get(url)
    assert ok.status_code == 200 and b"".join(ok.streaming_content) == PNG
    assert ok["Cache-Control"] == "no-store"
    audit = AuditEvent.objects.latest("id")
    assert (audit.subject_id, audit.purpose) == (str(child.pk), "view photograph")


def test_photo_is_not_found_for_someone_who_may_not_see_the_child(region, child, client):
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    person_photo_set(
        actor=region["officer"], person_id=child.pk, content=PNG, taken_on=date.today()
    )
    before = AuditEvent.objects.count()
    TOTP.activate(region["harbour_sw"], generate_totp_secret())
    client.force_login(region["harbour_sw"])
    assert client.get(reverse("people:photo", args=[child.pk])).status_code == 404
    assert AuditEvent.objects.count() == before


def test_upload_page(region, child, mfa_client):
    client = mfa_client(region["officer"])
    url = reverse("people:photo_upload", args=[child.pk])
    bad = client.post(
        url, {"photo": SimpleUploadedFile("x.gif", b"GIF89a"), "taken_on": "2026-01-02"}
    )
    assert bad.status_code == 400 and b"JPEG or PNG" in bad.content
    good = client.post(url, {"photo": SimpleUploadedFile("x.png", PNG), "taken_on": "2026-01-02"})
    assert good.status_code == 302
    page = client.get(reverse("people:detail", args=[child.pk])).content.decode()
    assert reverse("people:photo", args=[child.pk]) in page


def test_photo_through_the_api(region, child, client):
    from misper.agencies.services import api_token_create

    officer = api_token_create(actor=region["officer"], name="t").secret
    stranger = api_token_create(actor=region["harbour_sw"], name="t").secret
    url = f"/api/v1/people/{child.pk}/photo"
    bad = client.post(
        url,
        {"photo": SimpleUploadedFile("x.gif", b"GIF89a"), "taken_on": "2026-01-02"},
        HTTP_AUTHORIZATION=f"Bearer {officer}",
    )
    assert bad.status_code == 400 and bad.json()["field"] == "photo"
    ok = client.post(
        url,
        {"photo": SimpleUploadedFile("x.png", PNG), "taken_on": "2026-01-02"},
        HTTP_AUTHORIZATION=f"Bearer {officer}",
    )
    assert ok.status_code == 201
    got = client.get(url, HTTP_AUTHORIZATION=f"Bearer {officer}")
    assert got.status_code == 200 and b"".join(got.streaming_content) == PNG
    assert client.get(url, HTTP_AUTHORIZATION=f"Bearer {stranger}").status_code == 404


def test_record_offers_a_report_only_to_police_who_take_reports(region, child, mfa_client):
    url = reverse("people:detail", args=[child.pk])
    report_url = reverse("episodes:report", args=[child.pk])
    assert report_url in mfa_client(region["officer"]).get(url).content.decode()
    from django.test import Client

    other = Client()
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    TOTP.activate(region["vale_sw"], generate_totp_secret())
    other.force_login(region["vale_sw"])
    page = other.get(url)
    assert page.status_code == 200 and report_url not in page.content.decode()

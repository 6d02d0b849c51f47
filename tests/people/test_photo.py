"""The child's photograph: decoded in full and re-encoded as a JPEG without its metadata,
stored under a random name outside the web root readable by the service only, the old
file deleted when replaced, served only to those who may see the child, and the read
audited (R-REC-12)."""

from __future__ import annotations

import io
import os
import stat
import struct
import zlib
from datetime import date, timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import ExifTags, Image

from misper.core.errors import ValidationFailed
from misper.core.models import AuditEvent, TimelineEvent
from misper.people.models import Person
from misper.people.services import person_photo_set

pytestmark = pytest.mark.django_db


def image_bytes(fmt: str = "JPEG", size: tuple[int, int] = (24, 16), **save: object) -> bytes:
    """A small real image, as a camera or a phone would upload it."""
    mode = "RGBA" if fmt == "PNG" else "RGB"
    out = io.BytesIO()
    Image.new(mode, size, (200, 120, 40, 255)[: len(mode)]).save(out, fmt, **save)
    return out.getvalue()


def png_header_only(width: int, height: int) -> bytes:
    """A PNG that claims the given dimensions: a few bytes that would decode to a huge image
    (a "decompression bomb")."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    ihdr = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 64)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


PNG = image_bytes("PNG")
JPEG = image_bytes("JPEG")


def noisy(fmt: str) -> bytes:
    out = io.BytesIO()
    Image.frombytes("RGB", (64, 64), os.urandom(64 * 64 * 3)).save(out, fmt)
    return out.getvalue()


def stored(person: Person) -> Image.Image:
    image = Image.open(person.photo.path)
    image.load()
    return image


def _set(region, child, content: bytes) -> Person:  # type: ignore[no-untyped-def]
    return person_photo_set(
        actor=region["officer"], person_id=child.pk, content=content, taken_on=date.today()
    )


def test_photo_is_stored_under_a_random_name_outside_static(region, child):
    person = _set(region, child, JPEG)
    name = person.photo.name
    assert name.startswith("photos/") and name.endswith(".jpg")
    assert child.family_name.lower() not in name.lower()
    path = Path(person.photo.path)
    image = stored(person)
    assert (image.format, image.size) == ("JPEG", (24, 16))
    assert Path(settings.MEDIA_ROOT) in path.parents
    assert Path(settings.STATIC_ROOT) not in path.parents
    assert TimelineEvent.objects.filter(verb="photo_added", subject_id=str(child.pk)).exists()


@pytest.mark.parametrize("upload_permissions", [0o600, None, 0o644])
def test_stored_file_is_readable_by_the_service_only(region, child, settings, upload_permissions):
    settings.FILE_UPLOAD_PERMISSIONS = upload_permissions  # the service does not rely on it
    person = _set(region, child, JPEG)
    assert stat.S_IMODE(os.stat(person.photo.path).st_mode) == 0o600


def test_png_is_stored_as_jpeg(region, child):
    person = _set(region, child, PNG)
    assert person.photo.name.endswith(".jpg")
    image = stored(person)
    assert (image.format, image.mode, image.size) == ("JPEG", "RGB", (24, 16))


def test_location_and_other_metadata_are_removed(region, child):
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "PhoneCo"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (51.0, 30.0, 12.5)
    gps[ExifTags.GPS.GPSLongitudeRef] = "W"
    gps[ExifTags.GPS.GPSLongitude] = (0.0, 7.0, 39.0)
    upload = image_bytes("JPEG", exif=exif.tobytes(), comment=b"taken at 4 Elm Road")
    sent = Image.open(io.BytesIO(upload))
    assert sent.getexif().get_ifd(ExifTags.IFD.GPSInfo)  # the upload does carry a position

    person = _set(region, child, upload)
    image = stored(person)
    assert not image.getexif()
    assert "exif" not in image.info and "comment" not in image.info
    assert "icc_profile" not in image.info and "xmp" not in image.info
    raw = Path(person.photo.path).read_bytes()
    assert b"Exif" not in raw and b"Elm Road" not in raw and b"PhoneCo" not in raw


def test_exif_orientation_is_applied(region, child):
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6  # the camera was turned: rotate 90° to show it
    person = _set(region, child, image_bytes("JPEG", size=(30, 10), exif=exif.tobytes()))
    assert stored(person).size == (10, 30)


def test_anything_after_the_image_is_not_kept(region, child):
    person = _set(region, child, JPEG + b"<html><script>alert(1)</script></html>")
    assert b"<script>" not in Path(person.photo.path).read_bytes()


@pytest.mark.parametrize(
    "content,message",
    [
        (b"", "Choose a photograph"),
        (b"GIF89a" + b"\x00" * 10, "JPEG or PNG"),
        (image_bytes("GIF"), "JPEG or PNG"),
        (b"\xff\xd8\xff" + b"\x00" * (6 * 1024 * 1024), "smaller than 5 MB"),
        (b"\xff\xd8\xff\xe0<html><body><script>alert(1)</script></body></html>", "JPEG or PNG"),
        (b"\x89PNG\r\n\x1a\n<html></html>", "JPEG or PNG"),
        (noisy("JPEG")[:-2000], "JPEG or PNG"),
        (noisy("PNG")[:-2000], "JPEG or PNG"),
        (png_header_only(8000, 6000), "smaller than 40 megapixels"),
        (png_header_only(100_000, 100_000), "smaller than 40 megapixels"),
    ],
    ids=[
        "empty",
        "gif-bytes",
        "gif",
        "over-5mb",
        "jpeg-header-then-html",
        "png-header-then-html",
        "truncated-jpeg",
        "truncated-png",
        "48-megapixels",
        "decompression-bomb",
    ],
)
def test_bad_photo_is_refused_and_nothing_is_stored(region, child, content, message):
    photos = Path(settings.MEDIA_ROOT) / "photos"
    before = set(photos.iterdir()) if photos.exists() else set()
    with pytest.raises(ValidationFailed, match=message) as exc:
        _set(region, child, content)
    assert exc.value.field == "photo"
    assert not Person.objects.get(pk=child.pk).photo
    assert (set(photos.iterdir()) if photos.exists() else set()) == before
    assert not TimelineEvent.objects.filter(verb="photo_added").exists()


def test_replaced_photo_file_is_deleted(region, child, django_capture_on_commit_callbacks):
    first = _set(region, child, JPEG)
    old_path = Path(first.photo.path)
    with django_capture_on_commit_callbacks(execute=True):
        second = _set(region, child, PNG)
    assert not old_path.exists()
    assert Path(second.photo.path).exists() and second.photo.path != str(old_path)
    event = TimelineEvent.objects.filter(verb="photo_added").latest("id")
    assert event.changes["replaced"] is True


def test_failed_replacement_keeps_the_old_photo_and_leaves_no_new_file(
    region, child, monkeypatch, django_capture_on_commit_callbacks
):
    from misper.people import services

    first = _set(region, child, JPEG)
    old_path = Path(first.photo.path)
    photos = old_path.parent
    before = set(photos.iterdir())

    def broken(**kwargs):  # type: ignore[no-untyped-def]
        raise RuntimeError("the timeline could not be written")

    monkeypatch.setattr(services, "timeline_record", broken)
    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(RuntimeError):
            _set(region, child, PNG)
    assert old_path.exists()
    assert set(photos.iterdir()) == before
    assert Person.objects.get(pk=child.pk).photo.name == first.photo.name


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
    saved = Path(Person.objects.get(pk=child.pk).photo.path).read_bytes()
    assert ok.status_code == 200 and b"".join(ok.streaming_content) == saved
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
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    from misper.agencies.services import api_token_create

    for user in (region["officer"], region["harbour_sw"]):  # tokens need an authenticator
        TOTP.activate(user, generate_totp_secret())
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
    saved = Path(Person.objects.get(pk=child.pk).photo.path).read_bytes()
    assert got.status_code == 200 and b"".join(got.streaming_content) == saved
    assert saved.startswith(b"\xff\xd8\xff")  # the PNG was stored as a JPEG
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

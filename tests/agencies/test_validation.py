"""The checks every service applies to what a person typed (issue 8, "Every input
bounded"): text loses NUL bytes, control characters and bidirectional overrides but keeps
every script's letters and the marks those scripts need, is normalised to NFC, and stays on
one line unless it is free text (finding 7); dates and times are refused outside their
window with a reason and the field named (finding 6); the instants given to the policy
engine always have a four-digit year."""

from __future__ import annotations

import unicodedata
from datetime import UTC, date, datetime, timedelta

import pytest
from django.utils import timezone

from misper.core.errors import ValidationFailed
from misper.core.validation import (
    CHILD_RECORD_YEARS,
    clean_choice,
    clean_day,
    clean_free_text,
    clean_instant,
    clean_past_day,
    clean_text,
    shift_years,
)
from misper.episodes.policy_bridge import iso
from misper.people.codes import Sex

# --- Text (finding 7) ---------------------------------------------------------------------


def test_nul_bytes_and_control_characters_are_stripped():
    assert clean_text("Jay\x00den\x07 \x1bOakes\x7f\x85\x9f", "given_name") == "Jayden Oakes"


def test_tab_is_kept_and_line_ends_become_newlines_in_free_text():
    assert clean_free_text("one\r\ntwo\rthree\tfour", "notes") == "one\ntwo\nthree\tfour"


def test_right_to_left_override_and_other_bidi_controls_are_stripped():
    # "\u202e" would show "Jayden" as "nedyaJ"; isolates and embeddings go too.
    spoofed = "\u202aJay\u202b\u202c\u202dden\u202e \u2066Oa\u2067k\u2068es\u2069"
    assert clean_text(spoofed, "given_name") == "Jayden Oakes"


@pytest.mark.parametrize(
    "name",
    [
        "محمد",  # Arabic
        "عائشہ",  # Urdu
        "محمد علی",
        "می\u200cخواهم",  # zero-width non-joiner (Persian)
        "क्\u200dष",  # zero-width joiner (Devanagari)
        "\u200fمحمد\u200e (Mo)",  # RLM and LRM
        "\u061cمحمد",  # Arabic letter mark
        "Zoë Ångström",
        "Łukasz Żółć",
    ],
)
def test_names_in_any_script_are_kept_with_the_marks_they_need(name):
    assert clean_text(name, "given_name") == unicodedata.normalize("NFC", name).strip()


def test_text_is_normalised_to_nfc():
    decomposed = "Zoe\u0308"  # e + combining diaeresis
    cleaned = clean_text(decomposed, "given_name")
    assert cleaned == "Zoë" and len(cleaned) == 3


@pytest.mark.parametrize("value", ["Jay\nden", "12 Larch Road\r\nNorthfold", "a\rb"])
def test_a_newline_is_refused_in_a_single_line_field(value):
    with pytest.raises(ValidationFailed) as exc:
        clean_text(value, "location_address", max_len=300)
    assert exc.value.field == "location_address"
    assert "one line" in exc.value.message


def test_free_text_keeps_its_newlines():
    assert clean_free_text("Saw her at 14:00.\n\nNot since.", "circumstances") == (
        "Saw her at 14:00.\n\nNot since."
    )
    assert clean_text("a\nb", "rationale", multiline=True) == "a\nb"


def test_length_is_counted_after_cleaning_and_required_after_stripping():
    assert clean_text("\x00" * 500 + "ok", "given_name", max_len=10) == "ok"
    with pytest.raises(ValidationFailed) as exc:
        clean_text("\x00\u202e \x01", "given_name", required=True)
    assert exc.value.field == "given_name"


def test_lone_surrogates_which_cannot_be_stored_are_stripped():
    assert clean_text("Jay\ud800den", "given_name") == "Jayden"


def test_a_choice_outside_its_vocabulary_is_refused_naming_the_field():
    assert clean_choice("male", Sex, "sex") == "male"
    assert clean_choice("given", ("given", "refused"), "consent") == "given"
    with pytest.raises(ValidationFailed) as exc:
        clean_choice("zz", ("given", "refused", "not_obtainable"), "consent")
    assert exc.value.field == "consent"


# --- Dates and times (finding 6) -------------------------------------------------------------

NOW = datetime(2026, 3, 27, 14, 30, tzinfo=UTC)


def test_an_instant_inside_its_window_is_accepted():
    assert clean_instant(NOW, "last_seen_at", earliest=NOW, latest=NOW) == NOW
    assert clean_instant(None, "last_contact_at") is None


@pytest.mark.parametrize(
    "value,message",
    [
        (datetime(999, 1, 1, tzinfo=UTC), "Last seen must be within the last 12 months"),
        (NOW - timedelta(days=366), "Last seen must be within the last 12 months"),
        (datetime(9999, 12, 31, tzinfo=UTC), "Last seen cannot be in the future"),
        (NOW + timedelta(minutes=6), "Last seen cannot be in the future"),
    ],
)
def test_an_instant_outside_its_window_is_refused_with_the_reason(value, message):
    with pytest.raises(ValidationFailed) as exc:
        clean_instant(
            value,
            "last_seen_at",
            earliest=NOW - timedelta(days=365),
            latest=NOW + timedelta(minutes=5),
            too_early="Last seen must be within the last 12 months",
            too_late="Last seen cannot be in the future",
        )
    assert (exc.value.field, exc.value.message) == ("last_seen_at", message)


def test_an_instant_without_a_time_zone_or_missing_when_required_is_refused():
    with pytest.raises(ValidationFailed) as exc:
        clean_instant(datetime(2026, 3, 27, 14, 30), "found_at")
    assert exc.value.field == "found_at" and "time zone" in exc.value.message
    with pytest.raises(ValidationFailed) as exc:
        clean_instant(None, "found_at", required=True)
    assert exc.value.message == "Enter the found at"


def test_a_day_outside_its_window_is_refused():
    window = {"earliest": date(2026, 1, 1), "latest": date(2026, 12, 31)}
    assert clean_day(date(2026, 6, 1), "review_on", **window) == date(2026, 6, 1)
    for day in (date(1, 1, 1), date(9999, 12, 31)):
        with pytest.raises(ValidationFailed) as exc:
            clean_day(day, "review_on", **window)
        assert exc.value.field == "review_on"


def test_a_past_day_is_within_the_last_25_years_and_not_in_the_future():
    today = timezone.localdate()
    assert clean_past_day(today, "started_on") == today
    assert clean_past_day(shift_years(today, -CHILD_RECORD_YEARS), "started_on")
    with pytest.raises(ValidationFailed) as exc:
        clean_past_day(shift_years(today, -26), "started_on")
    assert exc.value.message == "Started on must be within the last 25 years"
    with pytest.raises(ValidationFailed) as exc:
        clean_past_day(today + timedelta(days=1), "started_on")
    assert exc.value.message == "Started on must be today or in the past"


def test_shifting_29_february_by_a_year_gives_28_february():
    assert shift_years(date(2024, 2, 29), 1) == date(2025, 2, 28)
    assert shift_years(date(2026, 3, 27), -25) == date(2001, 3, 27)


# --- What the policy engine reads (finding 6) -------------------------------------------------


@pytest.mark.parametrize(
    "instant,text",
    [
        (datetime(999, 1, 1, tzinfo=UTC), "0999-01-01T00:00:00Z"),
        (datetime(1, 1, 1, tzinfo=UTC), "0001-01-01T00:00:00Z"),
        (datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC), "9999-12-31T23:59:59.999999Z"),
        (datetime(2026, 3, 27, 15, 30, 12, 345, tzinfo=timezone.get_fixed_timezone(60)), None),
    ],
)
def test_instants_always_have_four_digit_years_and_keep_their_fraction(instant, text):
    """Four-digit years (finding 6), and the fraction of a second kept: a deadline is never
    cut down to the second below (issue 9)."""
    got = iso(instant)
    assert got is not None and got.endswith("Z")
    if text is not None:
        assert got == text
    else:
        assert got == "2026-03-27T14:30:12.000345Z"
    assert datetime.fromisoformat(got.replace("Z", "+00:00")) == instant
    assert iso(None) is None

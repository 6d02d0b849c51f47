"""Checks every service applies to what a person typed: one wording for every form and
endpoint, and the field named, so the page or the API can point at it.

Every input is bounded: text is cleaned (control characters and bidirectional overrides
removed, Unicode NFC, one line unless the field is free text) and limited in length;
dates and times must fall in a plausible window. The windows are the named constants
below; docs/people-and-episodes.md ("Input limits") lists where each applies."""

from __future__ import annotations

import unicodedata
from datetime import date, datetime, timedelta
from typing import Any

from django.utils import timezone

from misper.core.errors import ValidationFailed

# The largest id a record can have (a 32-bit serial). A larger number in an address or a
# request is refused as not found or invalid, never passed to the database.
MAX_ID = 2_147_483_647

# --- Windows for dates and times ------------------------------------------------------------

# How far ahead of the server's clock a time typed as "now" may be (a device clock a few
# minutes fast).
CLOCK_SKEW = timedelta(minutes=5)
# A child is last seen at most this long before the report is made.
LAST_SEEN_WITHIN = timedelta(days=365)
# A report may be recorded afterwards (back-recording) at most this long after it was made.
REPORT_RECORDED_WITHIN = timedelta(days=30)
# A call-back or a latest review time is agreed for at most this long ahead.
AGREED_AHEAD_WITHIN = timedelta(days=30)
# A tour of duty ends at most this long after the action recorded in it.
TOUR_OF_DUTY_MAX = timedelta(hours=24)
# Children's records: a date of birth, a placement's start, when an associate or a place
# was last seen, a photograph: at most this many years back.
CHILD_RECORD_YEARS = 25
# A flag's review date: at most this many years ahead (twelve months; local choice).
FLAG_REVIEW_YEARS = 1


def shift_years(day: date, years: int) -> date:
    """``day`` moved by whole years; 29 February becomes 28 February in a common year."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def _label(field: str) -> str:
    return field.rsplit(".", 1)[-1].replace("_", " ").capitalize()


# --- Text --------------------------------------------------------------------------------

# The longest free text (a rationale, circumstances, notes), as the forms allow.
MAX_FREE_TEXT = 4000

# Bidirectional embeddings, overrides and isolates (LRE, RLE, PDF, LRO, RLO; LRI, RLI, FSI,
# PDI): they reorder how the rest of a line displays ("\u202e" shows a name backwards).
# The marks that scripts need are kept: LRM, RLM (U+200E, U+200F), ALM (U+061C), and the
# zero-width joiner and non-joiner (U+200C, U+200D).
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def _kept(ch: str) -> bool:
    if ch in "\t\n":
        return True
    if ch in BIDI_CONTROLS:
        return False
    # Cc: C0 controls (NUL included), DEL and the C1 controls; Cs: lone surrogates, which
    # cannot be stored as UTF-8.
    return unicodedata.category(ch) not in ("Cc", "Cs")


def normalise_text(value: str) -> str:
    """``value`` with line ends as ``\\n``, without control characters (except tab and
    newline) or bidirectional embedding/override/isolate controls, in Unicode NFC."""
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    value = "".join(ch for ch in value if _kept(ch))
    return unicodedata.normalize("NFC", value)


def clean_text(
    value: str | None,
    field: str,
    *,
    required: bool = False,
    max_len: int = 200,
    multiline: bool = False,
) -> str:
    """Cleaned, trimmed text (see ``normalise_text``); refused when required and empty,
    longer than ``max_len``, or (unless ``multiline``, for free text) on more than one
    line."""
    value = normalise_text(value or "").strip()
    if required and not value:
        raise ValidationFailed(f"Enter the {field.replace('_', ' ')}", field=field)
    if not multiline and "\n" in value:
        raise ValidationFailed(
            f"{field.replace('_', ' ').capitalize()} must be on one line", field=field
        )
    if len(value) > max_len:
        raise ValidationFailed(
            f"{field.replace('_', ' ').capitalize()} must be {max_len} characters or fewer",
            field=field,
        )
    return value


def clean_free_text(
    value: str | None, field: str, *, required: bool = False, max_len: int = MAX_FREE_TEXT
) -> str:
    """Free text on as many lines as needed (a rationale, circumstances, notes...)."""
    return clean_text(value, field, required=required, max_len=max_len, multiline=True)


def clean_choice(value: str | None, choices: Any, field: str, *, blank: bool = False) -> str:
    """One of a TextChoices' values (or '' when ``blank``). ``choices`` may also be a plain
    sequence of values."""
    value = value or ""
    if blank and value == "":
        return ""
    values = getattr(choices, "values", choices)
    if not isinstance(value, str) or value not in values:
        raise ValidationFailed(f"{value!r} is not a known {field.replace('_', ' ')}", field=field)
    return value


# --- Dates and times -------------------------------------------------------------------------


def clean_instant(
    value: datetime | None,
    field: str,
    *,
    required: bool = False,
    earliest: datetime | None = None,
    latest: datetime | None = None,
    too_early: str | None = None,
    too_late: str | None = None,
) -> datetime | None:
    """An aware date and time within ``earliest``..``latest`` (each optional, inclusive).
    ``too_early`` and ``too_late`` are the messages, in the words of the person who typed
    it ("Last seen must be within the 12 months before the report")."""
    if value is None:
        if required:
            raise ValidationFailed(f"Enter the {_label(field).lower()}", field=field)
        return None
    if not isinstance(value, datetime):
        raise ValidationFailed(f"{_label(field)} must be a date and time", field=field)
    if timezone.is_naive(value):
        raise ValidationFailed("Give a time with its time zone", field=field)
    if earliest is not None and value < earliest:
        raise ValidationFailed(too_early or f"{_label(field)} is too far in the past", field=field)
    if latest is not None and value > latest:
        raise ValidationFailed(too_late or f"{_label(field)} is too far ahead", field=field)
    return value


def clean_day(
    value: date | None,
    field: str,
    *,
    required: bool = False,
    earliest: date | None = None,
    latest: date | None = None,
    too_early: str | None = None,
    too_late: str | None = None,
) -> date | None:
    """A calendar date within ``earliest``..``latest`` (each optional, inclusive), with the
    messages ``too_early`` and ``too_late``."""
    if value is None:
        if required:
            raise ValidationFailed(f"Enter the {_label(field).lower()}", field=field)
        return None
    if isinstance(value, datetime) or not isinstance(value, date):
        raise ValidationFailed(f"{_label(field)} must be a date", field=field)
    if earliest is not None and value < earliest:
        raise ValidationFailed(too_early or f"{_label(field)} is too far in the past", field=field)
    if latest is not None and value > latest:
        raise ValidationFailed(too_late or f"{_label(field)} is too far ahead", field=field)
    return value


def clean_past_day(
    value: date | None,
    field: str,
    *,
    required: bool = False,
    years: int = CHILD_RECORD_YEARS,
    label: str | None = None,
) -> date | None:
    """A date today or in the past, and at most ``years`` years back (UK local date)."""
    today = timezone.localdate()
    name = label or _label(field)
    return clean_day(
        value,
        field,
        required=required,
        earliest=shift_years(today, -years),
        latest=today,
        too_early=f"{name} must be within the last {years} years",
        too_late=f"{name} must be today or in the past",
    )

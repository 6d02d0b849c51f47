"""Checks every service applies to what a person typed: one wording for every form and
endpoint, and the field named, so the page or the API can point at it."""

from __future__ import annotations

from typing import Any

from misper.agencies.errors import ValidationFailed


def clean_text(value: str | None, field: str, *, required: bool = False, max_len: int = 200) -> str:
    """Trimmed text; refused when required and empty, or longer than ``max_len``."""
    value = (value or "").strip()
    if required and not value:
        raise ValidationFailed(f"Enter the {field.replace('_', ' ')}", field=field)
    if len(value) > max_len:
        raise ValidationFailed(
            f"{field.replace('_', ' ').capitalize()} must be {max_len} characters or fewer",
            field=field,
        )
    return value


def clean_choice(value: str | None, choices: Any, field: str, *, blank: bool = False) -> str:
    """One of a TextChoices' values (or '' when ``blank``)."""
    value = value or ""
    if blank and value == "":
        return ""
    if value not in choices.values:
        raise ValidationFailed(f"{value!r} is not a known {field.replace('_', ' ')}", field=field)
    return value

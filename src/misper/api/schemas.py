from __future__ import annotations

from ninja import Schema


class ErrorOut(Schema):
    """Every error: a stable code, a message for people, and the field it concerns."""

    code: str
    message: str
    field: str | None = None
    errors: list[dict[str, str | None]] = []

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Any

from ninja import Path, Schema
from pydantic import Field

from misper.core.errors import DomainError
from misper.core.validation import MAX_ID

# An id in an address or a body: one that cannot exist is a 422, not a database error.
Id = Annotated[int, Path(ge=1, le=MAX_ID)]
RefId = Annotated[int, Field(ge=1, le=MAX_ID)]


class ErrorOut(Schema):
    """Every error: a stable code, a message for people, and the field it concerns. A
    refusal by the policy also names the rules that refused (the deciding one first), the
    role that could do it and the missing fields; ``error`` repeats the message."""

    code: str
    message: str
    field: str | None = None
    error: str | None = None
    rules: list[str] | None = None
    required_role: str | None = None
    missing_fields: list[str] | None = None


class PersonRefOut(Schema):
    """A child named in a list or on another object: their id and name only (the record
    itself is ``GET /people/{person_id}``, for those who may see it)."""

    id: int
    name: str


class FieldError(Schema):
    field: str | None
    message: str


class ValidationErrorOut(ErrorOut):
    """A request that does not match the operation's schema (a missing or mistyped field):
    every problem, each naming its field."""

    errors: list[FieldError] = []


# Every operation may answer these: 400 a refusal naming the field and the reason, 401
# not signed in, 403 seen but not allowed (or a restricted case asking for a reason), 404
# not found (or not yours to see: the same answer), 409 someone else changed it first,
# 422 a request that does not match the schema.
ERRORS: dict[int, Any] = {
    400: ErrorOut,
    401: ErrorOut,
    403: ErrorOut,
    404: ErrorOut,
    409: ErrorOut,
    422: ValidationErrorOut,
}


@contextmanager
def named_as_sent(**fields: str) -> Iterator[None]:
    """The services name some fields as the models do (``user``, ``worker``); the bodies
    name them as they are sent (``user_id``): an error's field is renamed on its way out."""
    try:
        yield
    except DomainError as exc:
        if exc.field in fields:
            exc.field = fields[exc.field]
        raise

"""Typed domain errors raised by services. Interfaces turn them into a page message or a
JSON error naming the field and the reason."""

from __future__ import annotations


class DomainError(Exception):
    """A request that cannot be carried out, with the field it concerns (if any)."""

    code = "invalid"

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class ValidationFailed(DomainError):
    code = "validation_failed"


class PermissionDenied(DomainError):
    code = "permission_denied"


class NotFound(DomainError):
    code = "not_found"


class ConcurrentEdit(DomainError):
    """Someone else saved the record after this user loaded it."""

    code = "concurrent_edit"

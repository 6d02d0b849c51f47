"""Typed domain errors raised by services. Interfaces turn them into a page message or a
JSON error naming the field and the reason."""

from __future__ import annotations


class DomainError(Exception):
    """A request that cannot be carried out, with the field it concerns (if any). A
    refusal by the policy also names the rules that refused (``rules``, the deciding one
    first), the role that could do it (``required_role``) and what is missing
    (``missing_fields``), for a program to act on."""

    code = "invalid"

    def __init__(
        self,
        message: str,
        *,
        field: str | None = None,
        rules: tuple[str, ...] = (),
        required_role: str | None = None,
        missing_fields: tuple[str, ...] = (),
    ) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.rules = rules
        self.required_role = required_role
        self.missing_fields = missing_fields


class ValidationFailed(DomainError):
    code = "validation_failed"


class PermissionDenied(DomainError):
    code = "permission_denied"


class NotFound(DomainError):
    code = "not_found"


class ConcurrentEdit(DomainError):
    """Someone else saved the record after this user loaded it."""

    code = "concurrent_edit"


class WrongState(DomainError):
    """The record is not in a state that allows this (a closed case, say)."""

    code = "wrong_state"

"""The one path converter for ids in page addresses: digits of a record id that can exist
(up to 2,147,483,647). A longer number is no match, so "Page not found", never a database
error."""

from __future__ import annotations

from misper.core.validation import MAX_ID


class IdConverter:
    regex = "[0-9]{1,10}"

    def to_python(self, value: str) -> int:
        number = int(value)
        if not 1 <= number <= MAX_ID:
            raise ValueError("not a record id")
        return number

    def to_url(self, value: int) -> str:
        return str(value)

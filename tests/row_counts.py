"""Rows in every table, counted in one statement: what a refused or undone request must
leave unchanged (the access matrix and findings, the duplicates' merge and undo)."""

from __future__ import annotations

from functools import cache

from django.apps import apps
from django.db import connection


@cache
def _tables() -> tuple[str, ...]:
    return tuple(sorted({m._meta.db_table for m in apps.get_models()}))


def row_counts() -> dict[str, int]:
    """Rows in each model's table. One round trip (a scalar subquery per table), not one
    query per table: the access matrix asks twice per cell, and on PostgreSQL the query a
    table made it most of the suite's time."""
    tables = _tables()
    quote = connection.ops.quote_name
    sql = "SELECT " + ", ".join(f"(SELECT COUNT(*) FROM {quote(t)})" for t in tables)
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return dict(zip(tables, cursor.fetchone(), strict=True))

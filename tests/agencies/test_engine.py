"""The suite runs on the database engine it was asked for: `make test` runs the database
tests on SQLite, then again with MISPER_EXPECT_POSTGRES=1 on PostgreSQL."""

from __future__ import annotations

import os

import pytest
from django.db import connection

pytestmark = pytest.mark.django_db


def test_database_engine_is_the_one_asked_for():
    expected = "postgresql" if os.environ.get("MISPER_EXPECT_POSTGRES") == "1" else "sqlite"
    if os.environ.get("DATABASE_URL", "").startswith("postgres"):
        expected = "postgresql"
    assert connection.vendor == expected

"""The worker's tests share the episode fixtures (tests/episodes/conftest.py)."""

from __future__ import annotations

import pytest

import misper.episodes.tasks  # noqa: F401 - registers the episode deadline handlers
from tests.episodes.conftest import make_region


@pytest.fixture
def wmc14(make_org, make_user):
    return make_region(make_org, make_user, "west-mercia-2014")


@pytest.fixture
def wmp15(make_org, make_user):
    return make_region(make_org, make_user, "west-midlands-2015")

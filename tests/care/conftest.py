from __future__ import annotations

import pytest

from tests.care.region import border_region


@pytest.fixture
def border(make_org, make_user):
    """Birmingham's child, West Mercia (2014) hosting, West Midlands (2018) placing."""
    return border_region(make_org, make_user)

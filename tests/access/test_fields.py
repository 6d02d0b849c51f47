"""What each view sees of a case, field by field: the table in docs/access.md is the source.
The code (episodes/access.py), the API answer and the case page must all say the same."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from misper.episodes.access import CSE_SCREENING_FIELDS, FIELDS, FOUND_FIELDS, View
from misper.episodes.services import episode_found, episode_log
from misper.episodes.services.record import FoundInput
from tests.episodes.conftest import NOW

from .world import build, client_for

DOC = Path(__file__).resolve().parents[2] / "docs" / "access.md"
COLUMNS = (View.FULL, View.PARTNER, View.SUMMARY)


def doc_table() -> dict[str, frozenset[View]]:
    """The rows of "What each view sees of a case": field → the views marked yes."""
    text = DOC.read_text(encoding="utf-8")
    section = text.split("## What each view sees of a case", 1)[1]
    table: dict[str, frozenset[View]] = {}
    for line in section.splitlines():
        m = re.match(r"^\| `([a-z_.]+)` \|[^|]*\|(.*)\|\s*$", line)
        if not m:
            continue
        cells = [c.strip() for c in m.group(2).split("|")]
        assert len(cells) == 3 and set(cells) <= {"yes", "no"}, line
        table[m.group(1)] = frozenset(v for v, c in zip(COLUMNS, cells, strict=True) if c == "yes")
    return table


def code_table() -> dict[str, frozenset[View]]:
    return {
        **FIELDS,
        **{f"found.{k}": v for k, v in FOUND_FIELDS.items()},
        **{f"cse_screening.{k}": v for k, v in CSE_SCREENING_FIELDS.items()},
    }


def test_the_documented_table_is_the_code():
    assert doc_table() == code_table()


@pytest.fixture
def world(db):
    w = build()
    ep = w["episode"]
    episode_log(
        actor=w["inspector"],
        episode_id=ep.pk,
        kind="enquiry",
        text_="Spoke to the mother of her boyfriend",
    )
    ep.refresh_from_db()
    episode_found(
        actor=w["inspector"],
        episode_id=ep.pk,
        version=ep.version,
        found=FoundInput(
            found_at=NOW,
            found_where="Larch Park",
            found_by="PC Okafor",
            condition="cold but well",
            disclosures="Said an older man gave her a phone",
            safe_and_well="done",
        ),
    )
    return w


@pytest.mark.parametrize(
    "persona,view",
    [
        ("inspector", View.FULL),
        ("sw_right", View.PARTNER),
        ("carer_right", View.PARTNER),
        ("other_force", View.SUMMARY),
    ],
)
def test_the_api_answers_exactly_the_fields_of_the_view(world, persona, view):
    expected = doc_table()
    response = client_for(world[persona]).get(f"/api/v1/episodes/{world['episode'].pk}")
    assert response.status_code == 200
    body = response.json()
    assert body["view"] == view
    top = {k for k, views in expected.items() if "." not in k and view in views}
    assert set(body) == top
    found = {k.split(".", 1)[1] for k, views in expected.items() if k.startswith("found.")}
    assert set(body["found"]) == {k for k in found if view in expected[f"found.{k}"]}


SECRETS = {
    "informant_phone": "07700 900111",
    "intelligence_checks": "PNC: known associate of an adult of concern",
    "found.disclosures": "Said an older man gave her a phone",
    "entries": "Spoke to the mother of her boyfriend",
}


@pytest.mark.parametrize("persona", ["sw_right", "carer_right", "other_force"])
def test_the_case_page_shows_nothing_the_view_may_not_see(world, persona):
    expected = doc_table()
    view = {"sw_right": View.PARTNER, "carer_right": View.PARTNER}.get(persona, View.SUMMARY)
    html = client_for(world[persona]).get(f"/episodes/{world['episode'].pk}/").content.decode()
    for field, secret in SECRETS.items():
        assert view not in expected[field]
        assert secret not in html, field
    assert "Larch Park" in html  # found where: every view


def test_the_owning_force_sees_it_all_on_the_page(world):
    html = client_for(world["inspector"]).get(f"/episodes/{world['episode'].pk}/").content.decode()
    for secret in SECRETS.values():
        assert secret in html

"""Every scenario under tests/policy/scenarios passes `misper policy run --check`."""

from __future__ import annotations

from pathlib import Path

import pytest

from misper.policy.cli import run_file

SCENARIOS = sorted((Path(__file__).parent / "scenarios").glob("*.json"))


def test_there_are_enough_scenarios() -> None:
    own = [p for p in SCENARIOS if not p.name.startswith("trg-")]
    assert len(own) >= 45
    prefixes = {p.name.split("-")[0] for p in own}
    assert {"cls", "aut", "dl", "rhi", "act"} <= prefixes


@pytest.mark.parametrize("path", SCENARIOS, ids=[p.stem for p in SCENARIOS])
def test_scenario(path: Path) -> None:
    result, diffs, expect = run_file(path)
    assert expect is not None, f"{path.name} has no expect block"
    assert diffs == [], f"{path.name}: {diffs}\n{result}"


def test_scenarios_cover_every_profile_and_action_kind() -> None:
    import json

    profiles, kinds = set(), set()
    for path in SCENARIOS:
        data = json.loads(path.read_text())
        profiles.add(data["profile"])
        if data.get("action"):
            kinds.add(data["action"]["kind"])
    from misper.policy.profiles import list_profiles

    assert set(list_profiles()) <= profiles
    assert {
        "set_category",
        "grade_risk",
        "change_risk",
        "resolve_disagreement",
        "record_unauthorised_absence",
        "record_found",
        "triage_return_interview",
        "return_interview_outcome",
        "close",
        "record_placement",
        "log_activity",
    } <= kinds

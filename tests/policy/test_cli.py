"""The `misper policy` command: run, --check, coverage, profiles."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from contextlib import redirect_stdout
from pathlib import Path

from misper.policy.cli import main

SCENARIOS = Path(__file__).parent / "scenarios"


def _run(*argv: str) -> tuple[int, str]:
    buf = io.StringIO()
    with redirect_stdout(buf):
        code = main(list(argv))
    return code, buf.getvalue()


def test_run_check_last_line_and_exit() -> None:
    code, out = _run("run", str(SCENARIOS), "--check")
    last = out.strip().splitlines()[-1]
    n = len(list(SCENARIOS.glob("*.json")))
    assert last == f"{n} passed, 0 failed"
    assert code == 0


def test_failing_scenario_names_differing_keys(tmp_path: Path) -> None:
    src = json.loads((SCENARIOS / "cls-wmc14-home-absent-5h59.json").read_text())
    src["expect"] = {"category": "missing", "allowed_categories": ["missing"], "duties": []}
    (tmp_path / "bad.json").write_text(json.dumps(src))
    code, out = _run("run", str(tmp_path), "--check")
    assert code == 1
    assert "FAIL bad.json" in out and "category: expected 'missing'" in out
    assert "allowed_categories" in out
    assert out.strip().splitlines()[-1] == "0 passed, 1 failed"


def test_unreadable_scenario_fails(tmp_path: Path) -> None:
    (tmp_path / "x.json").write_text('{"profile": "west-mercia-2014", "now": "nope", "expect": {}}')
    code, out = _run("run", str(tmp_path), "--check")
    assert code == 1 and out.strip().endswith("0 passed, 1 failed")


def test_run_single_file_prints_json() -> None:
    code, out = _run("run", str(SCENARIOS / "cls-wmp18-nar-continuum.json"))
    assert code == 0
    result = json.loads(out.splitlines()[0])
    assert result["category"] == "missing" and result["minimum_risk"] == "no_apparent_risk"


def test_profiles_command() -> None:
    code, out = _run("profiles")
    assert code == 0 and "west-mercia-2014" in out


def test_python_dash_m() -> None:
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "misper.policy",
            "run",
            str(SCENARIOS / "cls-wmp18-nar-continuum.json"),
            "--check",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip().splitlines()[-1] == "1 passed, 0 failed"


def test_project_copy_of_the_scenario_contract_keeps_the_shared_text() -> None:
    """docs/policy-scenarios.md starts with the shared contract word for word; our
    additions come after it. (The steering repository's shared/ sits beside a clone in CI
    and on developers' machines.)"""
    import pytest

    root = Path(__file__).resolve().parents[2]
    shared = root.parent / "shared" / "docs" / "policy-scenarios.md"
    if not shared.exists():
        pytest.skip(f"the shared contract is not beside this checkout ({shared})")
    ours = (root / "docs" / "policy-scenarios.md").read_text(encoding="utf-8")
    assert ours.startswith(shared.read_text(encoding="utf-8").rstrip("\n"))


def test_checker_compares_refused_by_in_order_and_required_duties_as_a_set() -> None:
    """refused_by lists the refusing rules most specific first: the order is checked;
    required_duties (R-REC-09) is a set."""
    from misper.policy.evaluate import EXPECT_KEYS, compare

    assert {"refused_by", "required_duties"} <= EXPECT_KEYS
    result = {
        "refused_by": ["R-CLS-03", "R-HMI-01"],
        "required_duties": ["full_debrief", "create_case_record"],
    }
    assert compare({"refused_by": ["R-CLS-03", "R-HMI-01"]}, result) == []
    assert compare({"refused_by": ["R-HMI-01", "R-CLS-03"]}, result)
    assert compare({"refused_by": ["R-CLS-03"]}, result)
    assert compare({"required_duties": ["create_case_record", "full_debrief"]}, result) == []
    assert compare({"refused_by": []}, {"allowed": True}) == []

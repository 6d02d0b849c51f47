"""``misper policy ...``: run scenarios and report rule coverage (no Django, no database).

    misper policy run PATH [--check]     PATH: a scenario file or a folder of *.json
    misper policy coverage [--markdown]  which rule ids the engine implements
    misper policy profiles               the bundled profiles

``python -m misper.policy`` is the same command.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any, TextIO

from misper.policy.evaluate import compare, evaluate
from misper.policy.facts import ScenarioError
from misper.policy.profiles import list_profiles, load_profile
from misper.policy.types import ProfileErrors


def scenario_files(path: Path) -> list[Path]:
    if path.is_dir():
        return sorted(path.glob("*.json"))
    return [path]


def run_file(path: Path) -> tuple[dict[str, Any], list[str], dict[str, Any] | None]:
    """Evaluate one file: (output, differences from expect, expect or None)."""
    try:
        scenario = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        return {"file": str(path), "error": str(exc)}, [f"unreadable: {exc}"], None
    try:
        result = evaluate(scenario)
    except (ScenarioError, ProfileErrors, ValueError, KeyError, TypeError) as exc:
        result = {"name": scenario.get("name"), "error": str(exc)}
        expect = scenario.get("expect")
        return result, [f"error: {exc}"], expect if isinstance(expect, dict) else {}
    expect = scenario.get("expect")
    if not isinstance(expect, dict):
        return result, [], None
    return result, compare(expect, result), expect


def _run(path: Path, check: bool, out: TextIO) -> int:
    files = scenario_files(path)
    if not files:
        print(f"no scenario files in {path}", file=out)
        return 2
    passed = failed = 0
    for file in files:
        result, diffs, expect = run_file(file)
        result = {"file": file.name, **result}
        print(json.dumps(result, ensure_ascii=False, sort_keys=False), file=out)
        if check:
            if expect is None and "error" not in result:
                continue
            if diffs:
                failed += 1
                print(f"FAIL {file.name}", file=out)
                for d in diffs:
                    print(f"  {d}", file=out)
            else:
                passed += 1
        elif "error" in result:
            failed += 1
    if check:
        print(f"{passed} passed, {failed} failed", file=out)
    return 0 if failed == 0 else 1


def _profiles(out: TextIO) -> int:
    for ident in list_profiles():
        p = load_profile(ident)
        to = p.effective_to.isoformat() if p.effective_to else "in force"
        print(f"{p.id}\t{p.effective_from.isoformat()} .. {to}\t{p.title}", file=out)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="misper policy", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="evaluate scenario files")
    run.add_argument("path", type=Path)
    run.add_argument("--check", action="store_true", help="compare with each scenario's expect")
    cov = sub.add_parser("coverage", help="rule ids implemented, enforced elsewhere or not yet")
    cov.add_argument("--markdown", action="store_true")
    sub.add_parser("profiles", help="list the bundled profiles")
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    out = sys.stdout
    if args.command == "run":
        return _run(args.path, args.check, out)
    if args.command == "coverage":
        from misper.policy.coverage import render

        print(render(markdown=args.markdown), file=out, end="")
        return 0
    return _profiles(out)

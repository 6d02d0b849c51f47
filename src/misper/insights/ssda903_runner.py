"""Run the DfE's SSDA903 validation rules (``csc-validator-be-903``) over a set of CSV
files and print what they found, as JSON, on standard output.

This script is run by ``misper.insights.ssda903.validate`` in a subprocess of its own
virtual environment (``.venv-903``, made by ``make venv-903``): the validator needs
pandas < 2 and Python < 3.12, which Misper does not depend on. It must not import Misper,
and Misper must not import it.

    python ssda903_runner.py --year 2027 --authority E10000034 header.csv episodes.csv ...

``--year`` is the collection year as the DfE and the validator name it: the year in which
it ends (2027 is 1 April 2026 to 31 March 2027). ``--authority`` is the local authority's
ONS code (the validator compares the placements' local authority with it).

The answer: ``{"validator", "ruleset", "findings": [{"code", "message", "table", "rows",
"children", "fields"}], "skipped", "failed"}`` where ``rows`` are the 1-based data rows of
the table's CSV file (its header line not counted) and ``children`` the CHILD of each;
``skipped`` are the rules that had too few tables to run and ``failed`` the rules that
raised an error on this data (the validator's own faults: they find nothing). A problem
that stops the run is ``{"error": "..."}`` with exit status 2.
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import importlib
import io
import json
import logging
import sys
from importlib import metadata
from pathlib import Path
from typing import Any


def _deep_copy(data_store: dict[str, Any]) -> dict[str, Any]:
    return {
        k: copy.deepcopy(v) if k == "metadata" else v.copy(deep=True) for k, v in data_store.items()
    }


def _fail(message: str) -> int:
    print(json.dumps({"error": message}))
    return 2


def _run(year: str, ruleset: str, authority: str, paths: list[Path]) -> tuple[str, Any, Any]:
    """Run the rules; (error, the validator's run, the rules). Whatever the validator
    prints is kept off standard output, which is the answer's."""
    with contextlib.redirect_stdout(io.StringIO()):
        try:
            registry = importlib.import_module(f"lac_validator.rules.{ruleset}").registry
        except ModuleNotFoundError:
            return (
                f"The installed validator has no rules for the collection year ending "
                f"31 March {year} ({ruleset})",
                None,
                None,
            )
        from lac_validator import lac_validator
        from lac_validator.types import UploadError

        # Each rule is meant to get "a clean copy of the files", but the validator's copy is
        # shallow, and some rules write into it: rule 365 fills every open episode's end
        # date with the end of the year, after which rules 575 and 577 see every open
        # missing period as outliving its placement. A deep copy per rule keeps each rule
        # to the data as it was sent.
        lac_validator.copy_datastore = _deep_copy
        files = [
            {"name": p.name, "description": "This year", "file_content": p.read_bytes()}
            for p in paths
        ]
        try:
            v = lac_validator.LacValidator(
                metadata={"collectionYear": year, "localAuthority": authority},
                files=files,
                registry=registry,
                selected_rules=None,
            )
        except UploadError as exc:
            return str(exc), None, None
    return "", v, registry


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--year", required=True, help="collection year, e.g. 2027 for 2026/27")
    parser.add_argument("--authority", required=True, help="the local authority's ONS code")
    parser.add_argument("files", nargs="+", type=Path, help="the 903 tables as CSV files")
    args = parser.parse_args(argv)

    year = str(args.year)
    if not (year.isdigit() and len(year) == 4):
        return _fail(f"The collection year must be four digits, like 2027, not {year!r}")
    ruleset = f"lac{int(year) - 1}_{year[2:]}"

    # The validator logs every rule it runs at INFO, and a rule that breaks with a stack
    # trace: keep standard output for the answer and standard error quiet.
    logging.disable(logging.CRITICAL)
    error, v, registry = _run(year, ruleset, args.authority, args.files)
    if error:
        return _fail(error)

    findings: list[dict[str, Any]] = []
    for table, frame in v.ds_results.items():
        if table == "metadata":
            continue
        for column in frame.columns:
            if not str(column).startswith("ERR_"):
                continue
            code = str(column)[4:]
            hit = frame[frame[column] == True]  # noqa: E712 - a pandas mask
            if hit.empty:
                continue
            rule = registry.get(code)
            rows = [int(i) + 1 for i in hit.index]
            children = ["" if c != c else str(c) for c in hit["CHILD"]]  # NaN != NaN
            findings.append(
                {
                    "code": code,
                    "message": str(getattr(rule, "message", "") or "").strip(),
                    "table": table,
                    "rows": rows,
                    "children": children,
                    "fields": list(getattr(rule, "affected_fields", None) or []),
                }
            )
    findings.sort(key=lambda f: (f["table"], f["code"]))
    print(
        json.dumps(
            {
                "validator": f"csc-validator-be-903 {metadata.version('csc-validator-be-903')}",
                "ruleset": ruleset,
                "findings": findings,
                "skipped": sorted(set(v.skips)),
                "failed": sorted(set(v.fails)),
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

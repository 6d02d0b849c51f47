"""Rule coverage: for every id of policy-rules.md, where it is enforced.

An id is **implemented** when it is cited in the policy engine's Python source
(``misper/policy/*.py``, this file excluded) AND in a policy test
(``tests/policy/*.py`` or a scenario under ``tests/policy/scenarios/``). It is
**elsewhere** when it is cited in the code of another part of Misper (``src/misper/<app>``)
AND in that part's tests: the tool names the files. It is **reference** when the rule has no
behaviour of its own (a historic definition, a described practice): :data:`REFERENCE`.
Otherwise it is **not yet**, and :data:`PLANNED` says which part of Misper is to enforce
it. Nothing is counted as done because a table says so. The ids come from
``rule_ids.txt``, a copy of the catalogue's ids shipped in the package.

``misper policy coverage --markdown > docs/policy-coverage.md`` regenerates the committed
page; a test fails when it is stale.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

PACKAGE = Path(__file__).parent
RULE_ID = re.compile(r"\b(R-[A-Z]{3}-\d{2}|C-\d{2})\b")

# Rules with no behaviour of their own.
REFERENCE: dict[str, str] = {
    "R-DEF-03": "historic ACPO 2013 definition",
    "R-GRD-10": "historic ACPO 2013 response",
    "R-GRD-11": "WMP18 THRIVE+ / LOCATE practice",
    "R-CLS-22": "the failure mode that R-CLS-01..03/08 and R-HMI-01 control",
}

# Where rules that are not the policy engine's are to be enforced. Exact ids win over
# prefixes. Only a plan: the status comes from the code and its tests.
PLANNED: dict[str, str] = {
    # definitions and reference text with no behaviour of their own
    "R-DEF": "definitions: reflected in the profiles' categories and risk levels",
    "R-DEF-10": "insights app: SSDA903 categories (statutory definitions)",
    "R-DEF-11": "people app: a child is a person under 18",
    "R-DEF-12": "people app: parent / carer relationships",
    "R-DEF-13": "policy: age 16 decision point used by R-CLS-15; harbouring in interventions",
    "R-DEF-14": "people app: semi-independent placements and care status",
    "R-DEF-15": "insights app: persistent-missing report",
    "R-DEF-16": "insights app: count episodes, not notifications",
    # the report form and its recording
    "R-RPT": "episodes app: report form and incident log",
    "R-CLS-12": "episodes service: police classify officially",
    "R-CLS-21": "episodes service: category re-decided and audited on every change",
    "R-REV": "episodes service: review schedule and supervision",
    "R-AUT-08": "episodes service: publicity decision by a superintendent",
    "R-AUT-09": "interventions app: establishment escalation",
    "R-AUT-10": "interventions app: deferral needs both agencies",
    "R-AUT-12": "profiles: NAT17 local choices for who grades (local_choices)",
    "R-REC": "episodes app: timeline, audit and case record",
    "R-RES": "agencies app: restricted access and audit",
    "R-OWN": "episodes service: ownership and transfer",
    "R-MED": "episodes service: publicity decisions",
    "R-NTF": "notifications app: outbox and transports",
    "R-FND": "episodes service: found report",
    "R-RHI": "returns app: interviews, outcomes and sharing",
    "R-TRG": "interventions app: trigger follow-up and meetings",
    "R-PPA": "care app: pre-placement missing risk assessment",
    "R-FLG": "people app: flags and markers",
    "R-OOA": "people and care apps: out-of-area placements",
    "R-HRB": "interventions app: harbouring notices",
    "R-HRB-05": "interventions app: a civil injunction recorded beside warning notices (the "
    "notice pages name the alternative; Misper does not record injunctions yet)",
    "R-CSE": "interventions app: CSE screening, MASE and groups",
    "R-DAT": "insights app: reports and returns",
    "R-HMI": "controls across apps (see the control column of policy-rules §21)",
    "C": "conventions: stated in every profile's [conventions] table",
}


@dataclass(frozen=True)
class Entry:
    rule: str
    status: str  # "implemented" | "elsewhere" | "not yet"
    where: str


def rule_ids() -> list[str]:
    text = (PACKAGE / "rule_ids.txt").read_text(encoding="utf-8")
    return [line.strip() for line in text.splitlines() if line.strip() and line[0] != "#"]


def _cited(files: list[Path]) -> set[str]:
    found: set[str] = set()
    for path in files:
        found.update(RULE_ID.findall(path.read_text(encoding="utf-8")))
    return found


def source_files() -> list[Path]:
    return sorted(p for p in PACKAGE.glob("*.py") if p.name != "coverage.py")


def test_files(root: Path | None = None) -> list[Path]:
    tests = root or PACKAGE.parents[2] / "tests" / "policy"
    if not tests.is_dir():
        return []
    files = [p for p in tests.glob("test_*.py") if p.name != "test_coverage.py"]
    return sorted(files + list((tests / "scenarios").glob("*.json")))


def planned(rule: str) -> str | None:
    if rule in PLANNED:
        return PLANNED[rule]
    prefix = rule.rsplit("-", 1)[0]
    return PLANNED.get(prefix)


def _repo_root() -> Path:
    return PACKAGE.parents[2]


def app_source_files() -> list[Path]:
    """Misper's code outside the policy engine."""
    src = PACKAGE.parent
    return sorted(
        p for p in src.rglob("*.py") if PACKAGE not in p.parents and "migrations" not in p.parts
    )


def app_test_files(root: Path | None = None) -> list[Path]:
    tests = root.parent if root else _repo_root() / "tests"
    if not tests.is_dir():
        return []
    return sorted(p for p in tests.rglob("test_*.py") if "policy" not in p.parts)


def entries(tests_root: Path | None = None) -> list[Entry]:
    in_source = _cited(source_files())
    in_tests = _cited(test_files(tests_root))
    app_sources = app_source_files()
    in_app_tests = _cited(app_test_files(tests_root))
    cited_in_app: dict[str, list[str]] = {}
    for path in app_sources:
        for rule in set(RULE_ID.findall(path.read_text(encoding="utf-8"))):
            app = path.relative_to(PACKAGE.parent).parts[0].removesuffix(".py")
            if app not in cited_in_app.setdefault(rule, []):
                cited_in_app[rule].append(app)
    out = []
    for rule in rule_ids():
        if rule in in_source and rule in in_tests:
            files = sorted(
                p.stem for p in source_files() if rule in RULE_ID.findall(p.read_text("utf-8"))
            )
            out.append(Entry(rule, "implemented", "policy: " + ", ".join(files)))
        elif rule in cited_in_app and rule in in_app_tests:
            out.append(Entry(rule, "elsewhere", ", ".join(sorted(cited_in_app[rule]))))
        elif rule in REFERENCE:
            out.append(Entry(rule, "reference", REFERENCE[rule]))
        else:
            plan = planned(rule)
            note = "planned: " + plan if plan else ""
            if rule in in_source:
                note = "cited in policy, no test yet" + (f"; {note}" if note else "")
            out.append(Entry(rule, "not yet", note))
    return out


def render(markdown: bool = False, tests_root: Path | None = None) -> str:
    rows = entries(tests_root)
    counts = {
        s: sum(1 for e in rows if e.status == s)
        for s in ("implemented", "elsewhere", "reference", "not yet")
    }
    summary = (
        f"{len(rows)} ids: {counts['implemented']} implemented in the policy engine, "
        f"{counts['elsewhere']} enforced elsewhere, {counts['reference']} reference only, "
        f"{counts['not yet']} not yet"
    )
    if not markdown:
        lines = [f"{e.rule:10} {e.status:12} {e.where}".rstrip() for e in rows]
        return "\n".join([*lines, summary]) + "\n"
    out = [
        "# Policy rule coverage",
        "",
        "Generated by `misper policy coverage --markdown > docs/policy-coverage.md`; do not edit",
        "by hand (a test fails when this page is stale). *implemented*: cited in",
        "`src/misper/policy` and in a policy test or scenario; *elsewhere*: cited in the code",
        "of another part of Misper (named) and in its tests; *reference*: no behaviour of its",
        "own; *not yet*: not enforced yet (the part of Misper planned to enforce it is named).",
        "",
        summary + ".",
        "",
        "| rule | status | where |",
        "|---|---|---|",
    ]
    out += [f"| {e.rule} | {e.status} | {e.where} |" for e in rows]
    return "\n".join(out) + "\n"

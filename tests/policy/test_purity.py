"""misper.policy imports only the standard library and itself (ARCHITECTURE: pure core)."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import misper.policy

PACKAGE = Path(misper.policy.__file__).parent


def test_policy_imports_standard_library_only() -> None:
    allowed = set(sys.stdlib_module_names) | {"misper"}
    for path in PACKAGE.glob("*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            for name in names:
                top = name.split(".")[0]
                assert top in allowed, f"{path.name} imports {name}"
                if top == "misper":
                    assert name.startswith("misper.policy"), f"{path.name} imports {name}"


def test_policy_never_reads_the_clock() -> None:
    for path in PACKAGE.glob("*.py"):
        text = path.read_text()
        for needle in ("datetime.now(", "date.today(", "time.time(", "utcnow("):
            assert needle not in text, f"{path.name} reads the clock ({needle})"

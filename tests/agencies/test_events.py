"""Timeline verbs are declared (core/events.py): every verb the code writes has a label
for people, and nothing undeclared, or carrying an undeclared change, reaches the
timeline."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from django.db import transaction

from misper.core import events
from misper.core.timeline import timeline_record

SRC = Path(__file__).resolve().parents[2] / "src" / "misper"


def _verbs_written() -> set[str]:
    """Every ``verb=`` given to timeline_record in the code, as ``Enum.MEMBER`` names."""
    found: set[str] = set()
    for path in SRC.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.keyword) and node.arg == "verb":
                for sub in ast.walk(node.value):
                    if isinstance(sub, ast.Constant) and isinstance(sub.value, str):
                        found.add(f"literal:{sub.value}")
                    if isinstance(sub, ast.Attribute) and isinstance(sub.value, ast.Name):
                        found.add(f"{sub.value.id}.{sub.attr}")
    return found


def test_the_code_writes_only_declared_verbs_never_a_free_string():
    written = _verbs_written()
    assert not [w for w in written if w.startswith("literal:")]
    members = {f"{type(v).__name__}.{v.name}" for v in events.declared().values()}
    undeclared = {w for w in written if w.split(".")[0].endswith("Verb") and w not in members}
    assert not undeclared


def test_every_declared_verb_has_a_label_for_people():
    for value, verb in events.declared().items():
        assert verb.label and "_" not in verb.label, value
        assert events.label(value) == verb.label


@pytest.mark.django_db
def test_an_undeclared_verb_or_change_is_refused():
    with transaction.atomic(), pytest.raises(ValueError, match="unknown timeline verb"):
        timeline_record(actor=None, subject_type="x", subject_id=1, verb="made_up")  # type: ignore[arg-type]
    with transaction.atomic(), pytest.raises(ValueError, match="carries no"):
        timeline_record(
            actor=None,
            subject_type="x",
            subject_id=1,
            verb=events.CoreVerb.DEADLINE_DUE,
            changes={"name": "Jayden"},
        )

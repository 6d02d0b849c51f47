"""Repeat-missing triggers and meetings in plain words, as a coordinator or a social worker
says them: the pages (and the API's descriptions) use these, never the engine's codes."""

from __future__ import annotations

from typing import Any

from misper.interventions.models import (
    MASE_ITEMS,
    MASE_OUTCOMES,
    Addressed,
    MaseStatus,
    MeetingStatus,
    Owner,
    Scope,
    TriggerStatus,
)

# The policy engine's trigger kinds (policy-rules §14.5, Appendix D).
KINDS: dict[str, str] = {
    "wm_individual_3_in_90": "Three missing episodes in 90 days",
    "wm_individual_year": "Missing episodes in one year",
    "wm_establishment_over_20": ("More than 20 missing episodes from one establishment in a year"),
    "wmp_repeat_absent_person": "Three absent reports in 90 days",
    "wmp_repeat_absent_location": "Five absent reports from one place in 30 days",
    "mase_3_in_3_months": "Three missing episodes in three months (MASE)",
    "manual": "Raised by hand",
    "cse_screening_mase": "Referred to the MASE meeting by the CSE screening",
}


def kind(value: str) -> str:
    """'Three missing episodes in 90 days' for ``wm_individual_3_in_90``; a force's local
    trigger (``local_<name>``) in words made from its name."""
    if value in KINDS:
        return KINDS[value]
    if value.startswith("local_"):
        return "Local trigger: " + value.removeprefix("local_").replace("_", " ")
    return "Repeat-missing trigger"


def title(trigger: Any) -> str:
    """'Level 1: Three missing episodes in 90 days'."""
    level = f"Level {trigger.level}: " if trigger.level else ""
    return level + kind(trigger.kind)


def counted(trigger: Any) -> str:
    """'3 missing episodes in 90 days', or '' for one raised by hand."""
    if not trigger.count:
        return ""
    what = "absent reports" if "absent" in str(trigger.kind) else "missing episodes"
    if trigger.count == 1:
        what = what[:-1]
    return f"{trigger.count} {what} in {trigger.window}" if trigger.window else ""


def _label(choices: Any, value: Any) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return str(value or "")


def owner(value: str) -> str:
    return _label(Owner, value)


def status(value: str) -> str:
    return _label(TriggerStatus, value)


def scope(value: str) -> str:
    return _label(Scope, value)


def meeting_status(value: str) -> str:
    return _label(MeetingStatus, value)


def level(value: Any) -> str:
    return f"Level {value}" if value else "No level"


def mase_status(value: str) -> str:
    return _label(MaseStatus, value)


def mase_item(key: str) -> str:
    """An item of the MASE checklist in the rule's words (R-CSE-04)."""
    return MASE_ITEMS.get(key, key)


def mase_outcome(key: str) -> str:
    """An outcome of a MASE discussion in the rule's words (R-CSE-05)."""
    return MASE_OUTCOMES.get(key, key)


def addressed(value: str) -> str:
    return _label(Addressed, value) if value else "Not answered"

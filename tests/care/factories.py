"""Values for the pre-placement assessment and the carer's per-episode form, for tests."""

from __future__ import annotations

from datetime import date
from typing import Any


def assessment_values(**over: Any) -> dict[str, Any]:
    """A complete Appendix A (every required field answered), with ``over`` on top."""
    values: dict[str, Any] = {
        "admission_date": date(2025, 3, 1).isoformat(),
        "description": "Slim, 5ft 4in, long dark hair, usually wears a grey hoodie",
        "care_status": "s.31 care order",
        "mobile": "07700 900123",
        "gp": "Dr Shah, Riverside Surgery",
        "dentist": "Smile Dental",
        "ethnicity": "WBRI",
        "placement_contact": "Home manager: 01905 000000",
        "social_worker_contact": "01905 111111",
        "iro_contact": "01905 222222",
        "vulnerability": "medium",
        "statement_of_needs": "no",
        "never_absent": "no",
        "missing_history": "yes",
        "likelihood": "medium",
        "out_of_character": "no",
        "exposed_to_harm": "no",
        "risk_if_missing": "medium",
        "risk_if_missing_reasons": "Has self-harmed when distressed",
        "cse_risk": "low",
        "risk_to_others": "low",
        "addresses": [{"address": "12 Mill Street, Worcester", "occupier": "Mother"}],
        "individuals": [{"name": "Jay", "adult_or_child": "adult"}],
        "general_vulnerability": "Bullied at her last school",
        "do_not_associate": [{"name": "Jay", "reason": "Older adult supplying alcohol"}],
    }
    values.update(over)
    return values


def carer_values(**over: Any) -> dict[str, Any]:
    """A carer's per-episode form where every question is answered 'no' (no apparent
    risk), with ``over`` on top."""
    no = {"answer": "no", "detail": ""}
    values: dict[str, Any] = {
        "photo": {"answer": "yes", "detail": "On file"},
        "circumstances": "Left after tea saying she was going to the shop",
        "wearing": "Grey hoodie, black jeans",
        "actions": "Rang her phone, checked the park",
        "likely_to_go": {"answer": "yes", "detail": "Her friend's house on Mill Street"},
        "with_anyone": no,
        "out_of_character": no,
        "vulnerable": no,
        "offence": no,
        "self_harm": no,
        "weapons": no,
        "previous_harm": no,
        "victim": no,
        "health": no,
        "medication": no,
        "medication_effects": "",
        "prepared": no,
        "last_contact_plan": {"answer": "yes", "detail": "Going to the shop and back"},
        "money": {"answer": "yes", "detail": "About £10"},
        "family_issues": "",
    }
    values.update(over)
    return values

"""The words a duty inspector or a social worker uses for the policy engine's codes: each
duty, deadline, trigger, role and category on a page has a label, with its rule id beside
it on the page; a refusal states the rule that refused first, and only that."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from misper.episodes.codes import Category, MissingFrom, ReportedBy, Risk, Status
from misper.policy import Decision

DUTIES: dict[str, str] = {
    "inspector_review": "Duty inspector to review and decide absent or missing",
    "deploy_officer": "Deploy an officer",
    "officer_attends": "An officer attends",
    "refer_missing_people": "Refer to the Missing People charity",
    "cse_consideration": "CSE screening required",
    "notify_iro": "Tell the child's independent reviewing officer",
    "create_case_record": "Create the case record",
    "notify_childrens_services": "Tell children's services",
    "report_to_police_without_delay": "Report to the police without delay",
    "missing_person_form": "Complete the detailed missing person form",
    "seek_for_arrest": "Seek for arrest",
    "safe_and_well_check": "Safe and well check",
    "full_debrief": "Full debrief of the child",
}

DEADLINES: dict[str, str] = {
    "absent_limit": "Absent time limit: missing if not found",
    "absent_review": "Absent review by the duty inspector",
    "callback": "Call-back to the informant",
    "nar_review": "No-apparent-risk review",
    "risk_review": "Risk review",
    "rhi_due": "Return interview due",
    "intervention_meeting_due": "Intervention meeting due",
    "ppa_due": "Pre-placement missing risk assessment due",
    "unauthorised_absence_limit": "Unauthorised absence limit: report to the police",
    "tour_of_duty_update": "Case record update before the end of the tour",
    "photo_upload": "Photograph to be uploaded",
}

ROLES: dict[str, str] = {
    "call_handler": "call handler",
    "constable": "constable",
    "investigating_officer": "investigating officer",
    "sergeant": "sergeant",
    "inspector": "inspector",
    "force_incident_manager": "Force Incident Manager",
    "superintendent": "superintendent",
    "social_worker": "social worker",
    "line_manager": "line manager",
    "care_provider": "care provider",
    "return_interview_worker": "return interview worker",
}

FIELDS: dict[str, str] = {
    "review_period_hours": "review period",
    "callback_at": "call-back time",
    "latest_review_at": "latest review time",
    "found_at": "time the child was found",
    "safe_and_well_rationale": "reason the safe and well check was not done",
}

CATEGORIES = dict(Category.choices)
RISKS = dict(Risk.choices)

# The words for a case's codes, as the case page shows them (access.case_fields gives codes).
LABELS: dict[str, dict[str, str]] = {
    "category": CATEGORIES,
    "risk": RISKS,
    "status": dict(Status.choices),
    "missing_from": dict(MissingFrom.choices),
    "reported_by": dict(ReportedBy.choices),
    "safe_and_well": {"done": "Done", "not_done": "Not done"},
}


def duty(code: str) -> str:
    return DUTIES.get(code, code.replace("_", " ").capitalize())


def deadline(kind: str) -> str:
    return DEADLINES.get(kind, kind.replace("_", " ").capitalize())


def role(code: str) -> str:
    return ROLES.get(code, code.replace("_", " "))


def field(name: str) -> str:
    return FIELDS.get(name, name.replace("_", " "))


def trigger(hit: Mapping[str, Any]) -> str:
    """'3 missing episodes in 90 days: level 1 meeting ...' from a trigger hit."""
    level = f" (level {hit['level']})" if hit.get("level") else ""
    counted = "absent incidents" if "absent" in str(hit.get("kind")) else "missing episodes"
    return f"{hit['count']} {counted} in {hit['window']}{level}: {hit['action']}"


# The engine's reasons name questions and assessment fields by their codes
# ("questions the caller cannot answer: abuse_or_exploitation"); pages say them in words.
CODE_WORDS: dict[str, str] = {
    "out_of_character": "out of character (question 1)",
    "whereabouts_known": "whereabouts known (question 2)",
    "intentions_known": "intentions known (question 3)",
    "companions_known": "who they are with (question 4)",
    "danger_to_self_or_others": "danger to themselves or others (question 5)",
    "medical_needs": "medical needs (question 6)",
    "self_harm_or_suicide": "self-harm or suicide (question 7)",
    "harm_or_crime": "harm or crime (question 8)",
    "abuse_or_exploitation": "abuse or sexual exploitation (question 9)",
    "supported_by_services": "supported by services (question 10)",
    "concerning_behaviour": "concerning behaviour (question 11)",
    "other_concerns": "other concerns (question 12)",
    "risk_if_missing": "risk if missing (assessment field 26)",
    "cse_risk": "risk of sexual exploitation (assessment field 27)",
    "risk_to_others": "risk to others (assessment field 28)",
    "never_absent": "missing, never absent",
    "no_apparent_risk": "no apparent risk",
    "unauthorised_absence": "unauthorised absence",
}
_CODE = re.compile(r"\b(" + "|".join(sorted(CODE_WORDS, key=len, reverse=True)) + r")\b")
_LIKELIHOOD = re.compile(r"\blikelihood (low|medium|high)\b")


def plain(text: str) -> str:
    """An engine reason in words: its codes replaced by what they mean."""
    text = _LIKELIHOOD.sub(r"likelihood of going missing (assessment field 23) \1", text)
    return _CODE.sub(lambda m: CODE_WORDS[m.group(1)], text)


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:] if text else text


def refusal_message(decision: Decision) -> str:
    """The rule that refused, first and alone: "Only a superintendent may do this: only a
    superintendent (or above) lowers high risk (R-AUT-03)"."""
    reasons = decision.refusal_reasons
    first = reasons[0] if reasons else None
    why = (
        f"{plain(first.text)} ({first.rule})" if first is not None else "not allowed by the policy"
    )
    if decision.missing_fields:
        return f"Enter the {field(decision.missing_fields[0])}: {why}"
    if decision.required_role:
        return f"Only a {role(decision.required_role)} may do this: {why}"
    return _sentence(why)

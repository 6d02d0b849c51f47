"""The words of policy-rules.md Appendix D and policy-scenarios.md, in one place."""

from __future__ import annotations

CATEGORIES = ("missing", "absent", "unauthorised_absence", "absconder_only")
RISK_LEVELS = ("no_apparent_risk", "low", "medium", "high")
RISK_RANK = {level: i for i, level in enumerate(RISK_LEVELS)}
RESPONSES = ("early_response", "immediate_deployment")
DUTIES = (
    "inspector_review",
    "deploy_officer",
    "officer_attends",
    "refer_missing_people",
    "notify_childrens_services",
    "notify_iro",
    "report_to_police_without_delay",
    "missing_person_form",
    "seek_for_arrest",
    "cse_consideration",
    "create_case_record",
    "full_debrief",
    "safe_and_well_check",
)
DEADLINE_KINDS = (
    "absent_limit",
    "absent_review",
    "unauthorised_absence_limit",
    "callback",
    "nar_review",
    "risk_review",  # added by this engine: the review interval of a graded missing case
    "rhi_due",
    "ppa_due",
    "photo_upload",
    "tour_of_duty_update",
    "intervention_meeting_due",
)
ANSWER_KEYS = (
    "out_of_character",
    "whereabouts_known",
    "intentions_known",
    "companions_known",
    "danger_to_self_or_others",
    "medical_needs",
    "self_harm_or_suicide",
    "harm_or_crime",
    "abuse_or_exploitation",
    "supported_by_services",
    "concerning_behaviour",
    "other_concerns",
)
# A 'yes' to these is an apparent risk (R-RPT-03 polarity).
RISK_ANSWER_KEYS = (
    "out_of_character",
    "danger_to_self_or_others",
    "medical_needs",
    "self_harm_or_suicide",
    "harm_or_crime",
    "abuse_or_exploitation",
    "concerning_behaviour",
    "other_concerns",
)
# An 'unknown' to these blocks absent (R-CLS-01: Q1-Q9 and Q11).
UNKNOWN_BLOCKING_KEYS = (
    "out_of_character",
    "whereabouts_known",
    "intentions_known",
    "companions_known",
    "danger_to_self_or_others",
    "medical_needs",
    "self_harm_or_suicide",
    "harm_or_crime",
    "abuse_or_exploitation",
    "concerning_behaviour",
)
FLAG_KINDS = (
    "cse",
    "criminal_exploitation",
    "trafficking",
    "gang",
    "self_harm",
    "suicide",
    "mental_health",
    "substance_misuse",
    "radicalisation",
    "honour_based_abuse",
    "forced_marriage",
    "medical_need",
    # pseudo-flag: the pre-placement assessment's 'missing and never absent' (001 App A f.20)
    "never_absent",
)
MISSING_FROM = ("home", "care", "school", "activity")
CARER_REPORTERS = ("care_staff", "foster_carer")

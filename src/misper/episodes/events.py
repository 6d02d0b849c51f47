"""The episodes app's timeline verbs: what people read on a case's timeline."""

from misper.core.events import TimelineVerb, register


class EpisodeVerb(TimelineVerb):
    EPISODE_REPORTED = (
        "episode_reported",
        "Report taken",
        # on the episode: the category, whether confirmed, the risk and what was recommended;
        # on the child's record: which episode
        ("category", "confirmed", "risk", "recommended", "episode"),
    )
    CATEGORY_DECIDED = (
        "category_decided",
        "Category decided",
        ("category", "review_period_hours", "callback_at"),
    )
    RISK_GRADED = "risk_graded", "Risk graded", ("risk", "initial_grading_error")
    RISK_RAISED = "risk_raised", "Risk raised", ("risk", "initial_grading_error")
    RISK_LOWERED = "risk_lowered", "Risk lowered", ("risk", "initial_grading_error")
    DISAGREEMENT_RECORDED = "disagreement_recorded", "Informant disagrees: referred to the FIM"
    DISAGREEMENT_RESOLVED = (
        "disagreement_resolved",
        "Force Incident Manager decided the category",
        ("category",),
    )
    RECORD_RESTRICTED = "record_restricted", "Record restricted"
    INVESTIGATION_ENTRY = (
        "investigation_entry",
        "Investigation log entry",
        (
            "kind",
            "within_tour",
            "publicity",
            "family_consulted",
            "consent",
            "proportionality_rationale",
        ),
    )
    TRANSFER_PROPOSED = (
        "transfer_proposed",
        "Transfer proposed",
        ("from", "to", "bulk_of_enquiries"),
    )
    TRANSFER_ACCEPTED = "transfer_accepted", "Transfer accepted", ("owner",)
    TRANSFER_DECLINED = "transfer_declined", "Transfer declined", ("owner",)
    FOUND_RECORDED = (
        "found_recorded",
        "Found report recorded",
        ("found_at", "safe_and_well", "rhi_criteria"),
    )
    EPISODE_CLOSED = "episode_closed", "Case closed", ("closure_code",)
    ESCALATED_TO_MISSING = (
        "escalated_to_missing",
        "Absent time limit reached: now missing",
        ("category", "deadline"),
    )


register(EpisodeVerb)

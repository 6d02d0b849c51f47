"""The returns app's timeline verbs: a referral's own timeline, and what the child's
episode shows of it."""

from misper.core.events import TimelineVerb, register


class ReturnsVerb(TimelineVerb):
    REFERRED = (
        "rhi_referred",
        "Return interview referral made",
        ("interviewer", "responsible_authority", "basis", "due", "rag", "routing_note"),
    )
    NOT_REFERRED = (
        "rhi_not_referred",
        "No return interview referral: no responsible authority is known",
        (),
    )
    ALLOCATED = "rhi_allocated", "Worker allocated", ("allocated_to",)
    TRIAGED = "rhi_triaged", "Triaged", ("rag", "engine_rag", "facts")
    INFORMATION_REQUESTED = "rhi_information_requested", "Further information asked", ("agency",)
    INFORMATION_RECEIVED = "rhi_information_received", "Further information received", ("agency",)
    LETTER_SENT = (
        "rhi_letter_sent",
        "Letter and leaflet sent",
        ("letter_to_carer_on", "letter_to_child_on"),
    )
    OFFERED = "rhi_offered", "Interview offered", ("offered_how",)
    ACCEPTED = "rhi_accepted", "Interview accepted", ()
    NOT_REQUIRED_PROPOSED = "rhi_not_required_proposed", "Proposed: no interview needed", ()
    NOT_REQUIRED_REFUSED = (
        "rhi_not_required_refused",
        "Manager did not confirm: interview still needed",
        (),
    )
    OUTCOME = "rhi_outcome", "Outcome recorded", ("outcome", "hours_to_outcome", "within_72_hours")
    INTERVIEW_RECORDED = (
        "rhi_interview_recorded",
        "Interview recorded",
        ("held_at", "independent", "hours_to_outcome", "within_72_hours"),
    )
    DISCLOSURE_RECORDED = "rhi_disclosure", "Disclosure recorded", ("step", "due")
    DISCLOSURE_ACTED = "rhi_disclosure_acted", "Disclosure acted on", ("step",)
    RECOMMENDATION_RECORDED = (
        "rhi_recommendation",
        "Recommendation recorded",
        ("owner", "due_on"),
    )
    RECOMMENDATION_DONE = "rhi_recommendation_done", "Recommendation acted on", ("owner",)
    SUPPORT_SESSION = "rhi_support_session", "Support session recorded", ("held_on", "topics")
    SHARED = "rhi_shared", "Shared with the police", ("kind", "legal_basis")
    REMINDED = "rhi_reminded", "Reminder: interview due within 24 hours", ("due",)
    OVERDUE = "rhi_overdue", "72 hours passed without an interview: escalated", ("due",)
    DEADLINE_DUE = "rhi_deadline_due", "Deadline passed: escalated", ("kind", "due")
    ARRANGEMENT_SET = (
        "rhi_arrangement_set",
        "Return-interview arrangement set",
        ("provider", "out_of_area", "provider_takes_out_of_area"),
    )


register(ReturnsVerb)

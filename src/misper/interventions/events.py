"""The interventions app's timeline verbs."""

from misper.core.events import TimelineVerb, register


class InterventionsVerb(TimelineVerb):
    TRIGGERED = (
        "trigger_recorded",
        "Repeat-missing trigger",
        ("kind", "level", "count", "window", "owner", "trigger", "reference"),
    )
    RAISED = "trigger_raised", "Intervention raised by hand", ("level", "owner", "trigger")
    ALLOCATED = "trigger_allocated", "Trigger allocated", ("allocated_to",)
    CLOSED = "trigger_closed", "Trigger closed", ()
    MEETING_ARRANGED = (
        "meeting_arranged",
        "Intervention meeting arranged",
        ("scheduled_for", "place", "invited"),
    )
    MEETING_HELD = "meeting_held", "Intervention meeting held", ("held_at", "attended")
    MEETING_DEFERRED = (
        "meeting_deferred",
        "Intervention meeting deferred",
        ("status", "partner"),
    )
    ACTION_AGREED = "meeting_action", "Action agreed", ("owner", "due_on")
    ACTION_DONE = "meeting_action_done", "Action done", ("owner",)
    MEETING_OVERDUE = "meeting_overdue", "Intervention meeting overdue", ("due",)
    SUPERSEDED = (
        "trigger_superseded",
        "Trigger superseded: an episode recorded later but dated earlier changed the count",
        ("trigger", "episode"),
    )
    REINSTATED = (
        "trigger_reinstated",
        "Trigger given again by the policy: the count changed back",
        ("trigger", "episode"),
    )
    ACTION_OVERDUE = "meeting_action_overdue", "Action overdue: owner reminded", ("due_on",)
    MASE_LISTED = (
        "mase_listed",
        "Listed for the MASE meeting",
        ("listed_for", "authority"),
    )
    MASE_DISCUSSED = (
        "mase_discussed",
        "Discussed at the MASE meeting",
        ("discussed_at", "addressed", "not_addressed", "not_applicable", "outcomes", "trigger"),
    )
    CSE_REFERRED = (
        "mase_referred_by_screening",
        "Referred to the MASE meeting by the CSE screening",
        ("trigger", "episode", "authority"),
    )
    CSE_REFERRAL_WITHDRAWN = (
        "mase_referral_withdrawn",
        "No longer referred to the MASE meeting: the CSE screening changed",
        ("trigger", "episode", "outcome"),
    )
    NOTICE_PREPARED = (
        "harbouring_notice_prepared",
        "Harbouring warning notice prepared",
        ("notice", "adult", "acts", "statement_by"),
    )
    NOTICE_SERVED = (
        "harbouring_notice_served",
        "Harbouring warning notice served",
        ("notice", "adult", "served_at", "served_by"),
    )
    NOTICE_BREACHED = (
        "harbouring_notice_breached",
        "Harbouring warning notice breached",
        ("notice", "adult", "at"),
    )
    NOTICE_WITHDRAWN = (
        "harbouring_notice_withdrawn",
        "Harbouring warning notice withdrawn",
        ("notice", "adult"),
    )


register(InterventionsVerb)

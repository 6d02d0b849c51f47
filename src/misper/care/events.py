"""The care app's timeline verbs (on the child's record)."""

from misper.core.events import TimelineVerb, register


class CareVerb(TimelineVerb):
    ASSESSMENT_SAVED = (
        "assessment_saved",
        "Pre-placement risk assessment saved",
        ("version", "changed", "completed_with", "sent_to"),
    )
    ASSESSMENT_OVERDUE = (
        "assessment_overdue",
        "Pre-placement risk assessment overdue",
        ("placement", "due"),
    )
    PLACEMENT_NOTIFIED = (
        "placement_notified",
        "Host authority and police told of the placement",
        ("told", "out_of_area"),
    )


register(CareVerb)

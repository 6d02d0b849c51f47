"""The insights app's timeline verbs: the bulk import of history (bulk_import.py)."""

from misper.core.events import TimelineVerb, register


class InsightsVerb(TimelineVerb):
    HISTORY_IMPORTED = (
        "history_imported",
        "History imported",
        ("episodes", "system", "job"),
    )


register(InsightsVerb)

"""The insights app's timeline verbs: the bulk import of history (bulk_import.py)."""

from misper.core.events import TimelineVerb, register


class InsightsVerb(TimelineVerb):
    HISTORY_IMPORTED = (
        "history_imported",
        "History imported",
        ("episodes", "system", "job"),
    )
    # bulk_import.expire_files: a file not imported is deleted after its days.
    IMPORT_FILE_DELETED = (
        "import_file_deleted",
        "Import file deleted: not imported in time",
        ("job", "status", "days"),
    )


register(InsightsVerb)

"""The bulk import of history (issue 14, part 3; ``insights/bulk_import.py``): a job per
uploaded file, and the keys of the children imported, so that importing the same file again
matches the same records instead of duplicating them."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from misper.agencies.models import Organisation
from misper.people.models import Person


class ImportStatus(models.TextChoices):
    QUEUED = "queued", "Waiting to start"
    CHECKING = "checking", "Checking the file"
    CHECKED = "checked", "Checked: ready to import"
    REFUSED = "refused", "Refused: rows to correct"
    IMPORTING = "importing", "Importing"
    TRIGGERS = "triggers", "Counting the imported episodes in the triggers"
    DONE = "done", "Imported"
    FAILED = "failed", "Failed"


RUNNING = (
    ImportStatus.QUEUED,
    ImportStatus.CHECKING,
    ImportStatus.IMPORTING,
    ImportStatus.TRIGGERS,
)


class ImportJob(models.Model):
    """One uploaded file: checked first (the dry run), then imported all or nothing. The
    worker writes the progress here; the page reads it."""

    force = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    system = models.CharField(max_length=60, help_text="The system the history comes from.")
    file_name = models.CharField(max_length=200)
    content = models.BinaryField(help_text="The file as uploaded; emptied once imported.")
    status = models.CharField(
        max_length=12, choices=ImportStatus.choices, default=ImportStatus.QUEUED
    )
    import_requested = models.BooleanField(default=False)
    rows_total = models.PositiveIntegerField(default=0)
    rows_done = models.PositiveIntegerField(default=0)
    error_count = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list, help_text="[row, column, reason], the first 1,000.")
    summary = models.JSONField(default=dict, help_text="What the file would import / imported.")
    triggers_total = models.PositiveIntegerField(default=0)
    triggers_done = models.PositiveIntegerField(default=0)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)
    # Recovery of a job whose worker stopped (bulk_import.requeue_stalled, a worker sweep).
    heartbeat_at = models.DateTimeField(
        null=True, blank=True, help_text="The worker's last sign of life on the job."
    )
    attempt = models.PositiveIntegerField(
        default=0, help_text="Times the job was queued again after its worker stopped."
    )
    task_id = models.CharField(
        max_length=64, blank=True, help_text="The worker's task that runs the job now."
    )

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Import {self.pk} of {self.file_name}"

    @property
    def running(self) -> bool:
        return self.status in RUNNING

    @property
    def percent(self) -> int:
        if self.status == ImportStatus.TRIGGERS and self.triggers_total:
            return min(100, self.triggers_done * 100 // self.triggers_total)
        if self.status in (ImportStatus.DONE, ImportStatus.CHECKED, ImportStatus.REFUSED):
            return 100
        return min(100, self.rows_done * 100 // self.rows_total) if self.rows_total else 0


class ImportedKey(models.Model):
    """A child's id in the system their history came from, for their force: the import
    matches a row to the record by it (never by name), so a re-import adds nothing."""

    force = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    system = models.CharField(max_length=60)
    key = models.CharField(max_length=64)
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    job = models.ForeignKey(ImportJob, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["force", "system", "key"], name="imported_key_once_per_system"
            )
        ]

    def __str__(self) -> str:
        return f"{self.system}:{self.key}"

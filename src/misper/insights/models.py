"""The bulk import of history (issue 14, part 3; ``insights/bulk_import.py``): a job per
uploaded file, and the keys of the children imported, so that importing the same file again
matches the same records instead of duplicating them."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from misper.agencies.models import Organisation
from misper.episodes.models import Episode
from misper.people.models import Person
from misper.returns.models import Referral


class ImportStatus(models.TextChoices):
    QUEUED = "queued", "Waiting to start"
    CHECKING = "checking", "Checking the file"
    CHECKED = "checked", "Checked: ready to import"
    REFUSED = "refused", "Refused: rows to correct"
    IMPORTING = "importing", "Importing"
    TRIGGERS = "triggers", "Counting the imported episodes in the triggers"
    DONE = "done", "Imported"
    FAILED = "failed", "Failed"
    EXPIRED = "expired", "File deleted: not imported in time"


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
    content = models.BinaryField(
        help_text="The file as uploaded; emptied once imported, or when it expires."
    )
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


class EpisodeFact(models.Model):
    """The reports' summary of one episode (``insights/facts.py``): what the reports count,
    worked out once from the episode, its child, their placements, the found report and
    the gradings, so that a report groups one narrow indexed table in the database instead
    of joining the episodes' tables and counting in Python (issue 14, part 4; docs/insights.md
    "The summary table"). Derived data: re-derived for a child whenever anything of theirs
    changes (``core.ChangedSubject``), and rebuilt whole by ``misper insights_facts
    --rebuild``. Codes, not labels, where a label is only a translation of a code."""

    # Derived rows: a merge of two records (people/duplicates.py) leaves them to the refresh.
    DERIVED = True

    # No constraints in the database: checking one takes a share lock on the record's row
    # until the refresh commits, which made a deadline's handler find its episode busy.
    # Derived rows, re-derived from the records; Django still cascades a deletion.
    episode = models.OneToOneField(
        Episode, primary_key=True, on_delete=models.CASCADE, related_name="+", db_constraint=False
    )
    person = models.ForeignKey(
        Person, on_delete=models.CASCADE, related_name="+", db_constraint=False
    )
    owning_area = models.ForeignKey(
        Organisation, on_delete=models.DO_NOTHING, related_name="+", db_constraint=False
    )
    # The child's responsible authority (``Person.home_authority``): a team manager's scope.
    authority = models.ForeignKey(
        Organisation, null=True, on_delete=models.DO_NOTHING, related_name="+", db_constraint=False
    )
    last_seen_at = models.DateTimeField()
    category = models.CharField(max_length=24)
    risk = models.CharField(max_length=20, blank=True)
    missing_from = models.CharField(max_length=10)
    duration = models.CharField(max_length=40, help_text="C-10's band of the time missing.")
    age_band = models.CharField(max_length=16, help_text="C-12: the age when last seen.")
    sex = models.CharField(max_length=8)
    ethnicity = models.CharField(max_length=4)
    distance = models.CharField(
        max_length=48, help_text="C-10's band of the distance found, or why it is not known."
    )
    from_district = models.CharField(max_length=8, blank=True)
    found_district = models.CharField(max_length=8, blank=True)
    establishment = models.ForeignKey(
        Organisation, null=True, on_delete=models.DO_NOTHING, related_name="+", db_constraint=False
    )
    # The first grading's rank, and whether a later grading raised it (None: never graded).
    initial_role = models.CharField(max_length=32, blank=True)
    raised = models.BooleanField(null=True)
    # How it ended, as recorded now (R-DAT-02's outcomes): the found report, the case, and
    # the return interview as returns/coverage.py counts it (none of a restricted case).
    found_report = models.BooleanField(default=False)
    returned_home = models.BooleanField(default=False)
    checked_safe = models.BooleanField(default=False)
    came_to_harm = models.BooleanField(default=False)
    closed = models.BooleanField(default=False)
    ri_referred = models.BooleanField(default=False)
    ri_offered = models.BooleanField(default=False)
    ri_completed = models.BooleanField(default=False)

    class Meta:
        indexes = [
            models.Index(fields=["owning_area", "last_seen_at"], name="fact_area_seen"),
            models.Index(fields=["authority", "last_seen_at"], name="fact_authority_seen"),
            models.Index(fields=["authority", "owning_area"], name="fact_authority_area"),
        ]

    def __str__(self) -> str:
        return f"episode {self.episode_id}"


class ReferralFact(models.Model):
    """The return-interview reports' summary of one referral (``insights/facts.py``): who it
    belongs to (the owning area of its episode, the responsible and placing authorities,
    the organisation holding the interview), home or care, the child's sex, and the figures
    ``returns.coverage.Row`` counts (triage, offered, outcome, hours to it, within 72
    hours), so that a report groups them in the database. Derived as ``EpisodeFact`` is,
    with the same marks."""

    DERIVED = True

    referral = models.OneToOneField(
        Referral, primary_key=True, on_delete=models.CASCADE, related_name="+", db_constraint=False
    )
    person = models.ForeignKey(
        Person, on_delete=models.CASCADE, related_name="+", db_constraint=False
    )
    found_at = models.DateTimeField()
    owning_area = models.ForeignKey(
        Organisation, on_delete=models.DO_NOTHING, related_name="+", db_constraint=False
    )
    restricted = models.BooleanField(default=False)
    responsible_authority = models.ForeignKey(
        Organisation, on_delete=models.DO_NOTHING, related_name="+", db_constraint=False
    )
    placing_authority = models.ForeignKey(
        Organisation, null=True, on_delete=models.DO_NOTHING, related_name="+", db_constraint=False
    )
    interviewer = models.ForeignKey(
        Organisation, on_delete=models.DO_NOTHING, related_name="+", db_constraint=False
    )
    in_care = models.BooleanField(default=False)
    sex = models.CharField(max_length=8)
    rag = models.CharField(max_length=8, blank=True)
    state = models.CharField(max_length=24)
    outcome = models.CharField(max_length=24, blank=True)
    offered = models.BooleanField(default=False)
    within_72_hours = models.BooleanField(null=True)
    hours_to_outcome = models.FloatField(null=True)

    class Meta:
        indexes = [
            models.Index(fields=["owning_area", "found_at"], name="rfact_area_found"),
            models.Index(fields=["responsible_authority", "found_at"], name="rfact_resp_found"),
            models.Index(fields=["interviewer", "found_at"], name="rfact_interviewer_found"),
            models.Index(fields=["placing_authority", "found_at"], name="rfact_placing_found"),
        ]

    def __str__(self) -> str:
        return f"referral {self.referral_id}"

"""An episode: one report of a child missing (or absent), from the first call to
closure, in one record, so that nothing is lost between an incident log and a case
record (R-REC-05). Written only by episodes/services.py."""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.fields import GenericRelation
from django.db import models
from django.utils import timezone

from misper.agencies.models import Organisation
from misper.episodes.codes import Category, MissingFrom, ReportedBy, Risk, Status
from misper.people.models import Person


class Episode(models.Model):
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="episodes")
    force = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    owning_area = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="owned_episodes",
        help_text="The policing area responsible until a transfer is accepted (R-OWN-01..03).",
    )
    profile_id = models.CharField(max_length=64, help_text="Policy profile at the report.")
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.OPEN)

    # The report (what the call handler records).
    reported_at = models.DateTimeField()
    reported_by = models.CharField(max_length=16, choices=ReportedBy.choices)
    informant_name = models.CharField(max_length=200)
    informant_phone = models.CharField(max_length=32, blank=True)
    missing_from = models.CharField(max_length=10, choices=MissingFrom.choices)
    location_address = models.CharField(max_length=300)
    location_postcode = models.CharField(max_length=10, blank=True)
    location_key = models.CharField(
        max_length=120,
        db_index=True,
        help_text="Where the child went missing from, as one key for location triggers.",
    )
    establishment = models.ForeignKey(
        Organisation,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The care establishment the child went missing from, if any.",
    )
    last_seen_at = models.DateTimeField()
    last_seen_place = models.CharField(max_length=300)
    last_contact_at = models.DateTimeField(null=True, blank=True)
    last_contact_place = models.CharField(max_length=300, blank=True)
    circumstances = models.TextField()
    searches = models.JSONField(default=dict, help_text="R-RPT-08: key → {state, detail}")
    answers = models.JSONField(default=dict, help_text="R-RPT-03: key → {answer, detail}")
    intelligence_checks = models.TextField(blank=True)
    further_enquiries_required = models.BooleanField(default=False)
    other_factors_suspected = models.BooleanField(
        default=False,
        help_text="R-CLS-15: factors other than evading justice suspected (absconders).",
    )

    # The policy's recommendation at the report, kept as the engine gave it.
    recommendation = models.JSONField(default=dict)

    # The decisions as they stand (their history is in the decision tables and timeline).
    category = models.CharField(max_length=24, choices=Category.choices)
    absconder = models.BooleanField(default=False)
    risk = models.CharField(max_length=20, choices=Risk.choices, blank=True)
    categorised_at = models.DateTimeField(null=True, blank=True)
    categorised_by_role = models.CharField(max_length=32, blank=True)
    awaiting_supervisor = models.BooleanField(
        default=False,
        help_text="On the duty inspector's list: absent/no apparent risk awaiting review, "
        "or graded below the recommendation.",
    )
    supervisor_reason = models.CharField(max_length=300, blank=True)
    disagreement_open = models.BooleanField(default=False)
    latest_review_at = models.DateTimeField(null=True, blank=True)
    case_record_created = models.BooleanField(default=False)

    restricted = models.BooleanField(default=False)
    restricted_reason = models.CharField(max_length=300, blank=True)
    closure_code = models.CharField(max_length=64, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    version = models.PositiveIntegerField(default=1)

    # Every app's deadlines about this episode (core.Deadline): a SQL join for work lists.
    deadlines = GenericRelation("core.Deadline")

    class Meta:
        ordering = ["-reported_at"]
        indexes = [
            models.Index(fields=["person", "reported_at"]),
            models.Index(fields=["owning_area", "status"]),
            # The reports: a force's (its areas') episodes last seen in a period.
            models.Index(fields=["owning_area", "last_seen_at"]),
            models.Index(fields=["status", "awaiting_supervisor"]),
            # The few restricted cases, listed fast: the network leaves their links out.
            models.Index(
                fields=["id"], condition=models.Q(restricted=True), name="episode_restricted"
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(last_seen_at__lte=models.F("reported_at")),
                name="episode_last_seen_before_report",
            )
        ]

    def __str__(self) -> str:
        return f"Episode {self.pk}"

    # What the policy recommended at the report, read from its stored answer.
    @property
    def recommended_category(self) -> str:
        return str((self.recommendation or {}).get("category") or self.category)

    @property
    def recommended_category_label(self) -> str:
        return str(Category(self.recommended_category).label)

    @property
    def minimum_risk(self) -> str:
        return str((self.recommendation or {}).get("minimum_risk") or "")

    @property
    def minimum_response(self) -> str:
        return str((self.recommendation or {}).get("minimum_response") or "")


class RiskGrading(models.Model):
    """Each risk decision, in order: the first is the initial grading (R-AUT-04)."""

    episode = models.ForeignKey(Episode, on_delete=models.PROTECT, related_name="gradings")
    risk = models.CharField(max_length=20, choices=Risk.choices)
    at = models.DateTimeField(default=timezone.now)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    by_role = models.CharField(max_length=32, help_text="The policy engine's role name.")
    initial = models.BooleanField(default=False)
    initial_grading_error = models.BooleanField(default=False)
    rationale = models.TextField()
    rules = models.JSONField(default=list)
    answer = models.JSONField(
        default=dict, blank=True, help_text="The policy engine's answer at the time."
    )

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.risk} at {self.at}"


class CategoryDecision(models.Model):
    episode = models.ForeignKey(Episode, on_delete=models.PROTECT, related_name="decisions")
    category = models.CharField(max_length=24, choices=Category.choices)
    absconder = models.BooleanField(default=False)
    at = models.DateTimeField(default=timezone.now)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    by_role = models.CharField(max_length=32)
    rationale = models.TextField()
    review_period_hours = models.PositiveSmallIntegerField(null=True, blank=True)
    callback_at = models.DateTimeField(null=True, blank=True)
    disagreement = models.BooleanField(default=False)
    rules = models.JSONField(default=list)
    answer = models.JSONField(
        default=dict, blank=True, help_text="The policy engine's answer at the time."
    )

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.category} at {self.at}"


class EntryKind(models.TextChoices):
    ENQUIRY = "enquiry", "Enquiry"
    SEARCH = "search", "Search"
    INTELLIGENCE_CHECK = "intelligence_check", "Intelligence check"
    MEDIA_DECISION = "media_decision", "Media decision"
    MISSING_PEOPLE_REFERRAL = "missing_people_referral", "Referral to Missing People"
    PHOTO_OBTAINED = "photo_obtained", "Photograph obtained"
    CALLBACK = "callback", "Call-back to the informant"
    REVIEW = "review", "Supervisory review"
    NOTE = "note", "Note"


class InvestigationEntry(models.Model):
    """One thing done or decided on the case (R-REC-06), with whether it was recorded
    within the officer's tour of duty (R-REC-07/08)."""

    episode = models.ForeignKey(Episode, on_delete=models.PROTECT, related_name="entries")
    kind = models.CharField(max_length=32, choices=EntryKind.choices)
    text = models.TextField()
    details = models.JSONField(default=dict, blank=True)
    action_at = models.DateTimeField(help_text="When it was done.")
    recorded_at = models.DateTimeField(default=timezone.now)
    tour_end = models.DateTimeField(help_text="End of the recording officer's tour of duty.")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    by_role = models.CharField(max_length=32)

    class Meta:
        ordering = ["action_at", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} at {self.action_at}"

    @property
    def within_tour(self) -> bool:
        return self.recorded_at <= self.tour_end


class FoundReport(models.Model):
    """Found: when, where, by whom, the child's condition, and the safe and well check or
    the recorded decision not to do one (R-FND-01..08)."""

    episode = models.OneToOneField(Episode, on_delete=models.PROTECT, related_name="found")
    found_at = models.DateTimeField()
    returned_at = models.DateTimeField(null=True, blank=True)
    found_where = models.CharField(max_length=300)
    found_postcode = models.CharField(max_length=10, blank=True)
    found_by = models.CharField(max_length=200)
    condition = models.TextField()
    disclosures = models.TextField(blank=True)
    harmed = models.BooleanField(default=False)
    criminal_activity = models.BooleanField(default=False)
    risky_contacts = models.BooleanField(default=False)
    safe_and_well = models.CharField(
        max_length=8, choices=[("done", "Done"), ("not_done", "Not done")]
    )
    safe_and_well_rationale = models.TextField(blank=True)
    recorded_at = models.DateTimeField(default=timezone.now)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    def __str__(self) -> str:
        return f"Found at {self.found_at}"


class CseOutcome(models.TextChoices):
    NO_CONCERNS = "no_concerns", "No CSE concerns"
    CSE_COORDINATOR = "concerns_cse_coordinator", "Concerns: referred to the CSE coordinator"
    MASE = (
        "concerns_mase",
        "Concerns: referred to the MASE (multi-agency sexual exploitation) meeting",
    )
    ALREADY_KNOWN = "concerns_already_known", "Concerns already known: existing plan in place"


class CseScreening(models.Model):
    """The CSE screening of a missing episode (R-CSE-01, R-TRG-08): done, by whom, the
    outcome and the local pathway it routes to (the CSE coordinator, the MASE meeting).
    One per episode, changed in place with its ``version``; every change is on the case's
    timeline. Written only by episodes/services/cse.py."""

    episode = models.OneToOneField(Episode, on_delete=models.PROTECT, related_name="cse_screening")
    outcome = models.CharField(max_length=32, choices=CseOutcome.choices)
    indicators = models.TextField(
        help_text="What was considered: the CSE flag, field 27 of the pre-placement "
        "assessment, question 9 of the report, the return interview."
    )
    notes = models.TextField(blank=True)
    # Who recorded the outcome as it stands, and when (its history is the timeline).
    screened_at = models.DateTimeField()
    screened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    by_role = models.CharField(max_length=32)
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    created_at = models.DateTimeField(help_text="When the screening was first recorded.")
    version = models.PositiveIntegerField(default=1)

    def __str__(self) -> str:
        return f"CSE screening of episode {self.episode_id}"


class Transfer(models.Model):
    """Ownership passes only when the receiving area accepts (R-OWN-03..06)."""

    episode = models.ForeignKey(Episode, on_delete=models.PROTECT, related_name="transfers")
    from_area = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    to_area = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    reason = models.TextField()
    bulk_of_enquiries = models.BooleanField(default=False)
    proposed_at = models.DateTimeField(default=timezone.now)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    accepted = models.BooleanField(null=True)

    class Meta:
        ordering = ["-proposed_at"]

    def __str__(self) -> str:
        return f"Transfer to {self.to_area}"


class CarerReportKind(models.TextChoices):
    UNAUTHORISED_ABSENCE = "unauthorised_absence", "Unauthorised absence"
    MISSING = "missing", "Missing"


class CarerReportStatus(models.TextChoices):
    HELD = "held", "Unauthorised absence, held by the carer"
    WITH_POLICE = "with_police", "Reported to the police, waiting for the police to take it"
    TAKEN = "taken", "Taken by the police"
    RETURNED = "returned", "Returned before the police were told"


class CarerReport(models.Model):
    """A carer's report of a child placed with them (R-PPA-03, R-CLS-10/11): the
    per-episode part of Appendix A (``episodes.carer_form``). An unauthorised absence is
    held by the carer; the worker reports it to the police as missing at six hours
    (``unauthorised_absence_limit``); a missing report goes to the police at once. The
    police take it as a report (the report page opens with it), which attaches it to the
    episode. Written only by episodes/services/carer.py."""

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="carer_reports")
    placement = models.ForeignKey(
        "people.Placement", on_delete=models.PROTECT, related_name="carer_reports"
    )
    provider = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="+", help_text="The carer's own."
    )
    force = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    area = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The policing area of the placement's address, which takes the report.",
    )
    kind = models.CharField(max_length=24, choices=CarerReportKind.choices)
    status = models.CharField(max_length=12, choices=CarerReportStatus.choices)
    last_seen_at = models.DateTimeField()
    last_contact_at = models.DateTimeField(null=True, blank=True)
    reported_at = models.DateTimeField(help_text="When the carer recorded it.")
    reported_to_police_at = models.DateTimeField(null=True, blank=True)
    values = models.JSONField(default=dict, help_text="The per-episode form's answers.")
    mobile_checked = models.BooleanField(
        default=False, help_text="Field 8: the young person's mobile number checked correct."
    )
    completed_by = models.CharField(max_length=200)
    designation = models.CharField(max_length=200)
    decision = models.JSONField(
        default=dict, help_text="The engine's answer to the carer's unauthorised absence."
    )
    returned_at = models.DateTimeField(null=True, blank=True)
    return_details = models.TextField(blank=True)
    episode = models.OneToOneField(
        Episode,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="carer_report",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    version = models.PositiveIntegerField(default=1)
    deadlines = GenericRelation("core.Deadline")

    class Meta:
        ordering = ["-reported_at"]
        indexes = [models.Index(fields=["force", "status"])]
        constraints = [
            models.UniqueConstraint(
                fields=["person"],
                condition=models.Q(status__in=["held", "with_police"]),
                name="carer_report_one_open_per_child",
            ),
            models.CheckConstraint(
                condition=models.Q(last_seen_at__lte=models.F("reported_at")),
                name="carer_report_last_seen_before_report",
            ),
        ]

    def __str__(self) -> str:
        return f"Carer's report {self.pk}"

    @property
    def is_open(self) -> bool:
        return self.status in (CarerReportStatus.HELD, CarerReportStatus.WITH_POLICE)

"""Repeat missing (policy-rules §14, R-TRG-01..21): one record per trigger the policy
engine fires for a child, a place or an establishment, with the episodes it counted, who
acts on it and what they did; the intervention meeting a trigger calls for, its invitees,
what it decided and the actions with owners and due dates. Written only by
interventions/services.py and interventions/records.py; read through selectors.py."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from misper.agencies.models import Organisation


class Owner(models.TextChoices):
    """Who acts on a trigger (§14.5)."""

    COORDINATOR = "coordinator", "Missing person coordinator"
    MASE = "mase", "Multi-agency sexual exploitation meeting (MASE)"
    CHILDRENS_SERVICES = "childrens_services", "Children's services (organisational review)"
    SENIOR_MANAGEMENT = "senior_management", "Policing area senior management team"


class TriggerStatus(models.TextChoices):
    NEW = "new", "New"
    IN_HAND = "in_hand", "In hand"
    CLOSED = "closed", "Closed"
    # The engine no longer gives the hit: an episode recorded later but dated earlier
    # changed the count (records.reconsider_later). Kept, with the reason.
    SUPERSEDED = "superseded", "Superseded: the count changed"


ENDED = (TriggerStatus.CLOSED, TriggerStatus.SUPERSEDED)


class Scope(models.TextChoices):
    PERSON = "person", "A child"
    LOCATION = "location", "A place"
    ESTABLISHMENT = "establishment", "A care establishment"


class TriggerRecord(models.Model):
    """A trigger hit: exactly what the engine said for one episode (never twice for the
    same hit), or a trigger raised by hand with a rationale (R-TRG-14)."""

    kind = models.CharField(max_length=40)
    level = models.PositiveSmallIntegerField(null=True, blank=True)
    scope = models.CharField(max_length=16, choices=Scope.choices)
    subject_key = models.CharField(max_length=200, blank=True)
    rule = models.CharField(max_length=16)
    action = models.TextField()
    roles = models.JSONField(default=list, blank=True)
    count = models.PositiveIntegerField(default=0)
    window = models.CharField(max_length=40, blank=True)
    reasons = models.JSONField(default=list, blank=True)  # [{"rule", "text"}]
    counted = models.JSONField(default=list, blank=True)  # episode ids, oldest first
    episode = models.ForeignKey(
        "episodes.Episode",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="trigger_records",
        help_text="The episode that fired it; empty for one raised by hand.",
    )
    person = models.ForeignKey(
        "people.Person",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="trigger_records",
        help_text="The child, for a child's trigger (and the triggering child otherwise).",
    )
    establishment = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    force = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    authority = models.ForeignKey(
        Organisation,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The child's responsible authority, or the establishment's host authority.",
    )
    owner = models.CharField(max_length=20, choices=Owner.choices)
    status = models.CharField(max_length=10, choices=TriggerStatus.choices, default="new")
    reference = models.CharField(
        max_length=40, blank=True, help_text="West Midlands non-crime reference (R-TRG-05)."
    )
    allocated_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    outcome = models.TextField(blank=True)
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    rationale = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["episode", "kind", "scope", "subject_key"],
                condition=models.Q(episode__isnull=False, level__isnull=True),
                name="trigger_once_per_hit",
            ),
            models.UniqueConstraint(
                fields=["episode", "kind", "level", "scope", "subject_key"],
                condition=models.Q(episode__isnull=False, level__isnull=False),
                name="trigger_level_once_per_hit",
            ),
            # A non-crime reference is given once (R-TRG-05): ReferenceSequence numbers them.
            models.UniqueConstraint(
                fields=["reference"], condition=~models.Q(reference=""), name="reference_once"
            ),
        ]

    def __str__(self) -> str:
        return f"Trigger {self.pk}"

    @property
    def title(self) -> str:
        level = f"Level {self.level}: " if self.level else ""
        return f"{level}{self.count} in {self.window}" if self.count else f"{level}raised by hand"


class MeetingStatus(models.TextChoices):
    TO_ARRANGE = "to_arrange", "To arrange"
    ARRANGED = "arranged", "Arranged"
    HELD = "held", "Held"
    DEFERRED = "deferred", "Deferred"
    SUSPENDED = "suspended", "Suspended"


class Meeting(models.Model):
    """The intervention meeting a trigger calls for (R-TRG-09..15), due within the
    profile's time (seven days, C-07): convened by the police or children's services,
    chaired by children's services, always with the police."""

    trigger = models.OneToOneField(TriggerRecord, on_delete=models.PROTECT, related_name="meeting")
    due = models.DateTimeField()
    rule = models.CharField(max_length=16, blank=True)
    status = models.CharField(
        max_length=12, choices=MeetingStatus.choices, default=MeetingStatus.TO_ARRANGE
    )
    scheduled_for = models.DateTimeField(null=True, blank=True)
    place = models.CharField(max_length=300, blank=True)
    chair = models.CharField(max_length=200, blank=True)
    held_at = models.DateTimeField(null=True, blank=True)
    discussion = models.TextField(blank=True)
    plan = models.TextField(blank=True)
    care_plan = models.CharField(
        max_length=300, blank=True, help_text="Where the care plan reflects it (R-TRG-19)."
    )
    deferral_reason = models.TextField(blank=True)
    deferral_partner = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    police_agreed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    childrens_services_agreed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["due", "id"]

    def __str__(self) -> str:
        return f"Meeting for trigger {self.trigger_id}"


class Invitee(models.Model):
    """Who the meeting invites (the level's attendee list, R-TRG-10..12, R-RHI-15), and
    whether they came."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="invitees")
    role = models.CharField(max_length=100)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    organisation = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    name = models.CharField(max_length=200, blank=True)
    told_at = models.DateTimeField(null=True, blank=True)
    attended = models.BooleanField(null=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name or self.role


class MeetingAction(models.Model):
    """An action the meeting agreed, with an owner and a due date (a deadline)."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="actions")
    text = models.TextField()
    owner = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    owner_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    due_on = models.DateField()
    done_at = models.DateTimeField(null=True, blank=True)
    done_note = models.TextField(blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["due_on", "id"]

    def __str__(self) -> str:
        return f"Action for {self.owner}"


# --- The MASE discussion (R-TRG-07, R-CSE-02..05) ---------------------------------------------

# R-CSE-04: what the MASE meeting discusses for every child, each recorded as addressed.
# The keys are stored; the words are the rule's.
MASE_ITEMS: dict[str, str] = {
    "statutory_route": "Early help / child in need (s.17) / significant harm (s.47)",
    "assessment_of_need": (
        "Multi-agency assessment of need (CAF, CIN or single assessment) done or planned, "
        "with the plan type"
    ),
    "spoken_to_alone": "Child spoken to alone; views and desired outcomes recorded",
    "isva_offered": "Offered Independent Sexual Violence Advisor (ISVA) support",
    "family_engaged": "Family engaged: views, strengths, support needs",
    "risk_assessment_information": "Information shared to complete the CSE risk assessment",
    "needs_and_risk_analysed": "Needs and level of risk or harm analysed",
    "risk_to_others": "Risk to other children, including siblings",
    "perpetrators": "Information on suspected perpetrator(s)",
    "powers_to_disrupt": "All powers and options to protect and disrupt considered",
    "nrm_referral": "National Referral Mechanism referral where trafficking is suspected",
    "multi_agency_plan": "Multi-agency plan in place",
    "marac_mappa": "Co-ordination with MARAC and MAPPA",
}

# R-CSE-05: the meeting's outcomes, one or more.
MASE_OUTCOMES: dict[str, str] = {
    "early_help": "Early Help",
    "child_in_need_plan": "Child in Need Plan",
    "child_protection": "Invoke Child Protection procedures or review the Child Protection Plan",
    "care_plan_review": "Review and change the Care Plan",
    "isva_support": "Independent Sexual Violence Advisor (ISVA) support",
    "criminal_action": "Possibility of criminal action against an adult",
    "diversion_plan": (
        "Co-ordinated multi-agency diversion plan, with clear lead officers and timescales"
    ),
    "insufficient_information": (
        "Insufficient information at this stage, but concerns remain: interim action needs "
        "to be taken and further assessment is required"
    ),
}
DIVERSION_PLAN = "diversion_plan"
INSUFFICIENT_INFORMATION = "insufficient_information"


class Addressed(models.TextChoices):
    """Whether the meeting addressed an item of the checklist (R-CSE-04)."""

    YES = "yes", "Yes"
    NO = "no", "No"
    NOT_APPLICABLE = "not_applicable", "Not applicable"


class MaseStatus(models.TextChoices):
    LISTED = "listed", "Listed"
    DISCUSSED = "discussed", "Discussed"


class MaseDiscussion(models.Model):
    """A child listed for the MASE meeting of their responsible authority by the trigger of
    three missing episodes in three calendar months (R-TRG-07, R-CSE-02), created with the
    trigger record; the date of the meeting it is listed for; and, once discussed, the
    checklist of R-CSE-04 item by item and the outcomes of R-CSE-05."""

    trigger = models.OneToOneField(TriggerRecord, on_delete=models.PROTECT, related_name="mase")
    authority = models.ForeignKey(
        Organisation,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The child's responsible authority, whose MASE meeting it is (R-CSE-03).",
    )
    status = models.CharField(max_length=10, choices=MaseStatus.choices, default=MaseStatus.LISTED)
    listed_for = models.DateField(
        null=True, blank=True, help_text="The date of the MASE meeting it is listed for."
    )
    discussed_at = models.DateTimeField(null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # {item key: {"addressed": "yes" | "no" | "not_applicable", "note": text}} (R-CSE-04)
    items = models.JSONField(default=dict, blank=True)
    outcomes = models.JSONField(default=list, blank=True)  # MASE_OUTCOMES keys (R-CSE-05)
    outcome_notes = models.TextField(blank=True)
    plan_lead = models.CharField(
        max_length=300, blank=True, help_text="The diversion plan's lead officers (R-CSE-05)."
    )
    plan_timescale = models.CharField(
        max_length=300, blank=True, help_text="The diversion plan's timescales (R-CSE-05)."
    )
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["listed_for", "id"]

    def __str__(self) -> str:
        return f"MASE discussion for trigger {self.trigger_id}"


class NoticeStatus(models.TextChoices):
    PREPARED = "prepared", "Prepared, not yet served"
    SERVED = "served", "Served"
    WITHDRAWN = "withdrawn", "Withdrawn"


class HarbouringNotice(models.Model):
    """A harbouring warning notice (R-HRB-03, R-HRB-04): prepared from the local authority
    manager's formal witness statement prohibiting an adult from any contact with the named
    children, then served on the adult by the police, who show them the statement and a
    photograph of each child (which they may not keep). Written by
    interventions/harbouring.py only."""

    adult = models.ForeignKey(
        "people.Adult", on_delete=models.PROTECT, related_name="harbouring_notices"
    )
    force = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    authority = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The local authority whose manager made the statement.",
    )
    statement_by = models.CharField(max_length=200)
    statement_role = models.CharField(max_length=100)
    statement_on = models.DateField()
    statement_summary = models.TextField()
    status = models.CharField(
        max_length=12, choices=NoticeStatus.choices, default=NoticeStatus.PREPARED
    )
    prepared_at = models.DateTimeField()
    prepared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    served_at = models.DateTimeField(null=True, blank=True)
    served_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    served_where = models.CharField(max_length=300, blank=True)
    photo_shown = models.BooleanField(
        default=False, help_text="A photograph of each child shown and not left (R-HRB-04)."
    )
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawn_reason = models.TextField(blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-prepared_at", "-pk"]

    def __str__(self) -> str:
        return f"Harbouring notice {self.pk}"


class NoticeChild(models.Model):
    """A child a notice names, with the Acts it cites for them (policy/harbouring.py)."""

    notice = models.ForeignKey(HarbouringNotice, on_delete=models.CASCADE, related_name="children")
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+")
    acts = models.JSONField(default=list)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["notice", "person"], name="one_child_per_notice")
        ]

    def __str__(self) -> str:
        return f"{self.notice_id}: {self.person_id}"


class NoticeBreach(models.Model):
    """A breach of a served notice: a timeline event on every child it names (R-HRB-04)."""

    notice = models.ForeignKey(HarbouringNotice, on_delete=models.PROTECT, related_name="breaches")
    at = models.DateTimeField()
    description = models.TextField()
    episode = models.ForeignKey(
        "episodes.Episode", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField()
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"Breach of notice {self.notice_id}"


class ReferenceSequence(models.Model):
    """The last number given under a non-crime reference prefix ("NCR-WMP-2026-"), taken
    under a row lock so that two triggers recorded at the same moment never share a
    reference (R-TRG-05)."""

    prefix = models.CharField(max_length=40, unique=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.prefix}{self.last:05d}"

"""Return home interviews (R-RHI-01..16): the referral made when a child is found, its
triage, the offer and outcome, the interview record, what the interview shares with the
police, and the authorities' arrangements for who holds interviews. Written only by
returns/services.py; read through returns/selectors.py."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db import models
from django.utils import timezone

from misper.agencies.models import Organisation
from misper.people.codes import FlagKind


class OutOfArea(models.TextChoices):
    PLACING = "placing", "The placing authority interviews its children wherever they live"
    HOST = "host", "The host authority where the child lives interviews them"


class Arrangement(models.Model):
    """How one local authority's return interviews are done (R-RHI-12, R-OOA-04): its
    commissioned provider (none: its own staff), who interviews its children placed in
    another authority's area, and whether the provider travels to them (seed 004:
    "Streetwise does not have the resource to conduct out of area return interviews")."""

    authority = models.OneToOneField(
        Organisation, on_delete=models.PROTECT, related_name="rhi_arrangement"
    )
    provider = models.ForeignKey(
        Organisation,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="rhi_commissions",
        help_text="The commissioned return-interview provider; empty: the authority's staff.",
    )
    out_of_area = models.CharField(
        max_length=8, choices=OutOfArea.choices, default=OutOfArea.PLACING
    )
    provider_takes_out_of_area = models.BooleanField(
        default=False,
        help_text="The provider interviews the authority's children placed out of its area.",
    )

    def __str__(self) -> str:
        return f"Return interviews for {self.authority}"


class Basis(models.TextChoices):
    HOME = "home", "The child's home authority"
    PLACING = "placing", "The placing authority"
    HOST = "host", "The host authority (the child is placed out of area)"


class State(models.TextChoices):
    AWAITING_TRIAGE = "awaiting_triage", "Waiting for triage"
    AWAITING_INFORMATION = "awaiting_information", "Waiting for information"
    TRIAGED = "triaged", "Triaged"
    OFFERED = "offered", "Interview offered"
    ACCEPTED = "accepted", "Interview accepted"
    NOT_REQUIRED_PROPOSED = "not_required_proposed", "Not required: waiting for the manager"
    CLOSED = "closed", "Closed"


class Rag(models.TextChoices):
    RED = "red", "Red"
    AMBER = "amber", "Amber"
    GREEN = "green", "Green"


class Outcome(models.TextChoices):
    """R-RHI-11's states, and R-RHI-06's confirmed "not required"."""

    COMPLETED = "completed", "Interview completed"
    LETTER_SENT = "letter_sent", "Letter and leaflet sent (green)"
    DECLINED_CHILD = "declined_child", "Declined by the young person"
    DECLINED_PARENT = "declined_parent", "Declined by the parent or carer"
    UNABLE_TO_CONTACT = "unable_to_contact", "Unable to contact"
    MISSING_AGAIN = "missing_again", "Not possible: missing again"
    OUT_OF_AREA = "out_of_area", "Out of area: not held"
    NOT_REQUIRED = "not_required", "Not required (confirmed by the manager)"


# Outcomes a worker records directly (the others come from the interview, the letter, or
# the manager's confirmation).
DIRECT_OUTCOMES = (
    Outcome.DECLINED_CHILD,
    Outcome.DECLINED_PARENT,
    Outcome.UNABLE_TO_CONTACT,
    Outcome.MISSING_AGAIN,
    Outcome.OUT_OF_AREA,
)
OPEN_STATES = tuple(s for s in State if s != State.CLOSED)


def clock_stopped(
    outcome: str, outcome_at: datetime | None, interview_held_at: datetime | None
) -> datetime | None:
    """When a referral's 72-hour clock (R-RHI-01) stopped: the interview for a completed
    one, else the outcome (``Referral.ended_at``; the figures read it from bare columns)."""
    if outcome == Outcome.COMPLETED and interview_held_at is not None:
        return interview_held_at
    return outcome_at


def was_offered(offered_at: datetime | None, outcome: str) -> bool:
    """The figures' "offered": an offer recorded, or an interview completed (read from bare
    columns too: ``returns.coverage.Figures``, the insights summary)."""
    return offered_at is not None or outcome == Outcome.COMPLETED


def was_completed(state: str, outcome: str) -> bool:
    """The figures' "completed": closed with the interview held."""
    return state == State.CLOSED and outcome == Outcome.COMPLETED


class Referral(models.Model):
    """One found episode's return-interview referral: who is responsible (R-RHI-12), who
    holds the interview, the 72-hour clock (R-RHI-01) and where it stands."""

    episode = models.OneToOneField(
        "episodes.Episode", on_delete=models.PROTECT, related_name="rhi_referral"
    )
    person = models.ForeignKey(
        "people.Person", on_delete=models.PROTECT, related_name="rhi_referrals"
    )
    responsible_authority = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="+"
    )
    placing_authority = models.ForeignKey(
        Organisation,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The placing authority, when the host authority is responsible (R-OWN-08).",
    )
    basis = models.CharField(max_length=8, choices=Basis.choices)
    interviewer = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="rhi_referrals",
        help_text="The organisation that triages and holds the interview.",
    )
    routing_note = models.CharField(max_length=300, blank=True)
    category = models.CharField(max_length=24)
    in_care = models.BooleanField(default=False)
    found_at = models.DateTimeField()
    due = models.DateTimeField(help_text="R-RHI-01: 72 hours after found (C-08).")
    created_at = models.DateTimeField(default=timezone.now)

    state = models.CharField(max_length=24, choices=State.choices, default=State.AWAITING_TRIAGE)
    criteria = models.JSONField(default=list, blank=True)  # R-RHI-04 numbers met
    triage_facts = models.JSONField(default=dict, blank=True)
    engine_rag = models.CharField(max_length=8, choices=Rag.choices, blank=True)
    engine_reasons = models.JSONField(default=list, blank=True)  # [{"rule", "text"}]
    rag = models.CharField(max_length=8, choices=Rag.choices, blank=True)
    rag_rationale = models.TextField(blank=True)
    triaged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    triaged_at = models.DateTimeField(null=True, blank=True)
    allocated_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    letter_to_carer_on = models.DateField(null=True, blank=True)
    letter_to_child_on = models.DateField(null=True, blank=True)
    offered_at = models.DateTimeField(null=True, blank=True)
    offered_how = models.CharField(max_length=200, blank=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    not_required_proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    not_required_proposed_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=24, choices=Outcome.choices, blank=True)
    outcome_at = models.DateTimeField(null=True, blank=True)
    outcome_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    outcome_reason = models.TextField(blank=True)
    offered_instead = models.TextField(blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["due", "id"]
        indexes = [
            models.Index(fields=["interviewer", "state"]),
            # The figures: referrals whose child was found in a period.
            models.Index(fields=["found_at"]),
        ]

    def __str__(self) -> str:
        return f"Return interview referral {self.pk}"

    @property
    def is_open(self) -> bool:
        return self.state != State.CLOSED

    @property
    def ended_at(self) -> datetime | None:
        """When the clock stopped: the interview for a completed one, else the outcome."""
        held = self.interview.held_at if hasattr(self, "interview") else None
        return clock_stopped(self.outcome, self.outcome_at, held)

    @property
    def hours_to_outcome(self) -> float | None:
        """Elapsed hours from found to the interview or the outcome (C-01: elapsed time)."""
        end = self.ended_at
        return None if end is None else round((end - self.found_at).total_seconds() / 3600, 1)

    @property
    def within_72_hours(self) -> bool | None:
        end = self.ended_at
        return None if end is None else end <= self.due

    @property
    def offered(self) -> bool:
        return was_offered(self.offered_at, self.outcome)


class InformationRequest(models.Model):
    """Amber (R-RHI-10): further information asked of a named agency; re-triage follows
    when it arrives."""

    referral = models.ForeignKey(
        Referral, on_delete=models.CASCADE, related_name="information_requests"
    )
    agency = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    asked = models.TextField()
    asked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    asked_at = models.DateTimeField(default=timezone.now)
    answer = models.TextField(blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["asked_at", "id"]

    def __str__(self) -> str:
        return f"Information asked of {self.agency}"


class Interview(models.Model):
    """The return interview (R-RHI-05/07/08): who held it, independence (R-RHI-03), where,
    when, with whom present, what the child said."""

    referral = models.OneToOneField(Referral, on_delete=models.PROTECT, related_name="interview")
    held_at = models.DateTimeField()
    interviewer_name = models.CharField(max_length=200)
    independent = models.BooleanField()
    known_person_rationale = models.TextField(blank=True)
    place = models.CharField(max_length=300)
    present = models.CharField(max_length=300, blank=True)
    push_factors = models.TextField(blank=True)
    pull_factors = models.TextField(blank=True)
    where_went = models.TextField(blank=True)
    with_whom = models.TextField(blank=True)
    harm = models.TextField(blank=True)
    cse_indicators = models.BooleanField(null=True)
    cce_indicators = models.BooleanField(null=True)
    exploitation_notes = models.TextField(blank=True)
    substance_use = models.TextField(blank=True)
    child_words = models.TextField(blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"Return interview {self.referral_id}"


class Step(models.TextChoices):
    POLICE = "police", "Reported to the police"
    CHILDRENS_SERVICES = "childrens_services", "Reported to children's services"
    ASSESSMENT = "assessment", "Referred for assessment (early help, social work, s47)"


class Disclosure(models.Model):
    """Harm disclosed in the interview, the step taken and its deadline (R-RHI-07)."""

    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="disclosures")
    summary = models.TextField()
    step = models.CharField(max_length=24, choices=Step.choices)
    due = models.DateTimeField()
    done_at = models.DateTimeField(null=True, blank=True)
    done_note = models.TextField(blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["due", "id"]

    def __str__(self) -> str:
        return self.get_step_display()


class Recommendation(models.Model):
    """What the interview recommends, with an owner and a due date (R-RHI-14)."""

    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="recommendations")
    text = models.TextField()
    owner = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
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
        return f"Recommendation for {self.owner}"


class SupportSession(models.Model):
    """Follow-on support work after the interview: a separate service record (R-RHI-11)."""

    referral = models.ForeignKey(
        Referral, on_delete=models.CASCADE, related_name="support_sessions"
    )
    held_on = models.DateField()
    topics = models.CharField(max_length=300)
    notes = models.TextField(blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["held_on", "id"]

    def __str__(self) -> str:
        return f"Support session {self.held_on}"


class ItemKind(models.TextChoices):
    ASSOCIATE = "associate", "Associate"
    PLACE = "place", "Place"
    VEHICLE = "vehicle", "Vehicle"
    PHONE = "phone", "Phone number"
    EXPLOITATION = "exploitation", "Exploitation indicator"
    FLAG_REQUEST = "flag_request", "Request to flag"


class LegalBasis(models.TextChoices):
    CRIME_AND_DISORDER = "cda_s115", "Crime and Disorder Act 1998, section 115"
    CHILDREN_ACT_S11 = "ca2004_s11", "Children Act 2004, section 11 (safeguarding)"
    DPA_SAFEGUARDING = "dpa_safeguarding", "Data Protection Act 2018, safeguarding of children"
    CONSENT = "consent", "The young person's consent"


class SharedItem(models.Model):
    """One item of the interview the provider chose to share with the police (R-RHI-09),
    with its legal basis; it lands on the child's record as an associate, a place or a flag
    request (the record's row is linked), or as shared intelligence (vehicle, phone,
    exploitation indicator), shown on the child's record with who shared it and when."""

    referral = models.ForeignKey(Referral, on_delete=models.PROTECT, related_name="shared_items")
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=16, choices=ItemKind.choices)
    text = models.CharField(max_length=300)
    relationship = models.CharField(max_length=100, blank=True)
    age = models.PositiveSmallIntegerField(null=True, blank=True)
    postcode = models.CharField(max_length=10, blank=True)
    flag_kind = models.CharField(max_length=24, choices=FlagKind.choices, blank=True)
    detail = models.TextField(blank=True)
    legal_basis = models.CharField(max_length=20, choices=LegalBasis.choices)
    shared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    shared_by_org = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    shared_at = models.DateTimeField(default=timezone.now)
    associate = models.ForeignKey(
        "people.Associate", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    place = models.ForeignKey(
        "people.Place", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    flag_request = models.ForeignKey(
        "people.FlagRequest", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["shared_at", "id"]

    def __str__(self) -> str:
        return self.get_kind_display()

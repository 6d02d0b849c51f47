"""The child's record: identity, care status, placements, flags and markers, associates
and places. Written only by people/services.py; read through people/selectors.py."""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.db import models
from django.utils import timezone

from misper.agencies.models import Organisation
from misper.people.codes import (
    AliasKind,
    CareStatus,
    CategoryOfNeed,
    DfePlacementType,
    Ethnicity,
    FlagKind,
    LegalStatus,
    PlacementChangeReason,
    PlacementLegalStatus,
    PlacementProvider,
    PlacementType,
    Sex,
)
from misper.policy.calendar import age_on


def person_age_on(
    date_of_birth: date | None,
    estimated_age: int | None,
    estimated_age_on: date | None,
    day: date,
) -> int | None:
    """Completed years on a UK local date (policy-rules.md C-12), from the date of birth or
    else the estimate (``Person.age_on``; the reports call it on bare columns)."""
    if date_of_birth:
        return age_on(date_of_birth, day)
    if estimated_age is not None and estimated_age_on:
        return estimated_age + (day - estimated_age_on).days // 365
    return estimated_age


class Person(models.Model):
    """A child (or a care leaver) Misper holds a record about."""

    given_name = models.CharField(max_length=100)
    family_name = models.CharField(max_length=100)
    date_of_birth = models.DateField(null=True, blank=True)
    estimated_age = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="When the date of birth is not known."
    )
    estimated_age_on = models.DateField(null=True, blank=True)
    sex = models.CharField(max_length=8, choices=Sex.choices, default=Sex.UNKNOWN)
    ethnicity = models.CharField(max_length=4, choices=Ethnicity.choices, default=Ethnicity.NOBT)
    phone = models.CharField(max_length=32, blank=True)
    phone_digits = models.CharField(
        max_length=32, blank=True, db_index=True, help_text="The phone number's digits, for search."
    )
    la_child_id = models.CharField("local authority child id", max_length=32, blank=True)
    police_person_id = models.CharField(max_length=32, blank=True)

    home_address = models.CharField(max_length=300, blank=True)
    home_postcode = models.CharField(max_length=10, blank=True)
    home_authority = models.ForeignKey(
        Organisation,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="resident_children",
        help_text="The local authority responsible for the child (placing authority when "
        "looked after; authority of residence otherwise).",
    )

    care_status = models.CharField(
        max_length=16, choices=CareStatus.choices, default=CareStatus.AT_HOME
    )
    legal_status = models.CharField(max_length=24, choices=LegalStatus.choices, blank=True)
    subject_to_cj_order = models.BooleanField(
        "subject to a criminal justice order or requirement", default=False
    )
    subject_to_secure_order = models.BooleanField(default=False)
    liable_to_arrest = models.BooleanField(default=False)

    # For the DfE's SSDA903 return (R-DAT-04, misper/insights/ssda903.py): recorded by
    # children's services; blank until they are.
    upn = models.CharField(
        "unique pupil number",
        max_length=13,
        blank=True,
        help_text="The child's UPN, or the DfE's code for why it is not known (UN1 to UN5).",
    )
    is_mother = models.BooleanField(
        null=True, blank=True, help_text="Whether the young person is a mother; null: not recorded."
    )
    first_child_born_on = models.DateField(
        null=True, blank=True, help_text="For a mother: her first child's date of birth."
    )

    photo = models.FileField(upload_to="photos/", blank=True)
    photo_taken_on = models.DateField(null=True, blank=True)

    created_at = models.DateTimeField(default=timezone.now)
    created_by_org = models.ForeignKey(
        Organisation, null=True, on_delete=models.PROTECT, related_name="+"
    )
    version = models.PositiveIntegerField(
        default=1, help_text="Raised by every change; a save based on an older version is refused."
    )
    # A record merged into another (people/duplicates.py): kept, never deleted, so that
    # what names it (the audit log, the timeline) still resolves; hidden from search and
    # lists, its page pointing to the record kept. Cleared when the merge is undone.
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="merged_records"
    )
    # The scheme of the search keys written for this record (people/search.py KEY_SCHEME);
    # empty for a record written without them (a bulk load, a restore, COPY), which the
    # search indexes before it reads the keys, and the worker soon after.
    search_keys_version = models.PositiveSmallIntegerField(null=True, blank=True, editable=False)
    # Whether the worker has looked for possible duplicates of the record as it is now
    # (people/duplicates.py ``check_pending``); cleared by every change of what the search
    # reads (search.refresh_search_keys), so that a record changed is looked at again.
    duplicates_checked = models.BooleanField(default=False, editable=False)

    class Meta:
        ordering = ["family_name", "given_name"]
        indexes = [
            models.Index(fields=["date_of_birth"]),
            models.Index(fields=["phone"]),
            models.Index(fields=["la_child_id"]),
            models.Index(fields=["police_person_id"]),
            models.Index(
                fields=["id"],
                name="person_without_search_keys",
                condition=models.Q(search_keys_version__isnull=True),
            ),
            models.Index(
                fields=["id"],
                name="person_duplicates_unchecked",
                condition=models.Q(duplicates_checked=False, merged_into__isnull=True),
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(date_of_birth__isnull=False)
                | models.Q(estimated_age__isnull=False),
                name="person_has_dob_or_estimated_age",
            )
        ]

    def __str__(self) -> str:
        return f"{self.given_name} {self.family_name}"

    @property
    def name(self) -> str:
        return str(self)

    def age_on(self, day: date) -> int | None:
        """Completed years on a UK local date (policy-rules.md C-12)."""
        return person_age_on(self.date_of_birth, self.estimated_age, self.estimated_age_on, day)

    @property
    def looked_after(self) -> bool:
        return self.care_status == CareStatus.LOOKED_AFTER


class NameKey(models.Model):
    """Search keys for a person's name and each alias: normalised text and its phonetic
    code, so that a call handler finds 'Mohammed' when the caller says 'Muhammad'."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="name_keys")
    text = models.CharField(max_length=200)
    normalised = models.CharField(max_length=200, db_index=True)
    family_phonetic = models.CharField(max_length=32, db_index=True)
    given_phonetic = models.CharField(max_length=32, db_index=True)
    is_alias = models.BooleanField(default=False)

    def __str__(self) -> str:
        return self.text


class SearchKey(models.Model):
    """The call handler's search keys (issue 13), kept by people/services.py with every
    change of a child's name, aliases, date of birth, phone or postcode
    (``misper.people.search.refresh_search_keys``): each key a 64-bit hash of text such as
    "n:JTN|AKS" (the sounds of a given and a family name word, and the same with one
    letter of either left out, for typos), "wd:AKS|2011-04-02" (a name word with the date
    of birth), "d:2011-04-02", "p:700900123" (the phone's last nine digits),
    "pc:B12" (postcode district) or "w:oakes" (a name word, counted for how common it
    is). Candidates come from one indexed statement over this table
    (``misper.people.search``); the primary key (key, person) is the index it reads."""

    pk = models.CompositePrimaryKey("key", "person")
    key = models.BigIntegerField()
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="search_keys")

    def __str__(self) -> str:
        return f"{self.person_id}:{self.key}"


class Alias(models.Model):
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="aliases")
    name = models.CharField(max_length=200)
    kind = models.CharField(
        max_length=12, choices=AliasKind.choices, default=AliasKind.ALSO_KNOWN_AS
    )
    added_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Placement(models.Model):
    """Where a looked-after child lives: provider, address, placing and host authority."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="placements")
    placement_type = models.CharField(max_length=20, choices=PlacementType.choices)
    provider = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.PROTECT, related_name="placements"
    )
    address = models.CharField(max_length=300)
    postcode = models.CharField(max_length=10, blank=True)
    placing_authority = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="placements_made"
    )
    host_authority = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="placements_hosted"
    )
    host_force = models.ForeignKey(
        Organisation,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="placements_policed",
        help_text="The police force whose area holds the placement's address, from its "
        "postcode (R-OOA-01, R-NTF-07); none where Misper does not hold that force.",
    )
    district = models.CharField(
        max_length=9,
        blank=True,
        help_text="The ONS local authority district of the postcode (agencies/geography.py).",
    )
    started_on = models.DateField()
    ended_on = models.DateField(null=True, blank=True)
    emergency = models.BooleanField(default=False)

    # For the DfE's SSDA903 return (R-DAT-04, misper/insights/ssda903.py, docs/insights.md):
    # what the placing authority records with the placement. Blank where not recorded
    # (placements from before these were asked); the return says so, it never guesses.
    legal_status = models.CharField(max_length=2, choices=PlacementLegalStatus.choices, blank=True)
    category_of_need = models.CharField(max_length=2, choices=CategoryOfNeed.choices, blank=True)
    dfe_placement_type = models.CharField(
        "DfE placement type",
        max_length=3,
        choices=DfePlacementType.choices,
        blank=True,
        help_text="Blank: from the placement type where that says it (children's home K2, "
        "secure unit K1, semi-independent K3).",
    )
    provided_by = models.CharField(max_length=3, choices=PlacementProvider.choices, blank=True)
    ofsted_urn = models.CharField("Ofsted unique reference number", max_length=8, blank=True)
    change_reason = models.CharField(
        max_length=6,
        choices=PlacementChangeReason.choices,
        blank=True,
        help_text="Why the child left their previous placement for this one.",
    )
    home_postcode = models.CharField(
        max_length=10,
        blank=True,
        help_text="The postcode of the child's home before they were looked after; blank on "
        "a later placement of the same period of care: the earlier one's is used.",
    )

    class Meta:
        ordering = ["-started_on"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ended_on__isnull=True)
                | models.Q(ended_on__gte=models.F("started_on")),
                name="placement_ends_after_it_starts",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_placement_type_display()} from {self.started_on}"

    @property
    def is_current(self) -> bool:
        return self.ended_on is None

    @property
    def out_of_area(self) -> bool:
        """Placed by one authority into another's area (R-OOA-05)."""
        return self.placing_authority_id != self.host_authority_id


class Flag(models.Model):
    """A flag or marker raised by an agency (R-FLG-01..07): who, when, evidence, review."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="flags")
    kind = models.CharField(max_length=24, choices=FlagKind.choices)
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    raised_by_org = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    raised_at = models.DateTimeField(default=timezone.now)
    evidence = models.TextField()
    review_on = models.DateField()
    ended_at = models.DateTimeField(null=True, blank=True)
    ended_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-raised_at"]

    def __str__(self) -> str:
        return self.get_kind_display()

    @property
    def active(self) -> bool:
        return self.ended_at is None


class FlagRequestStatus(models.TextChoices):
    PENDING = "pending", "Waiting for the police"
    ACCEPTED = "accepted", "Accepted: flag placed"
    DECLINED = "declined", "Declined"


class FlagRequest(models.Model):
    """Another agency asks the police to place a flag (R-FLG-01/02, R-RHI-09): it waits on
    the force's missing person coordinators' list until one accepts it (the flag is raised
    with the request as its evidence) or declines it with a reason."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="flag_requests")
    kind = models.CharField(max_length=24, choices=FlagKind.choices)
    reason = models.TextField()
    source = models.CharField(max_length=200)
    force = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The police force asked to place the flag.",
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    requested_by_org = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(
        max_length=10, choices=FlagRequestStatus.choices, default=FlagRequestStatus.PENDING
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.TextField(blank=True)
    flag = models.ForeignKey(
        "Flag", null=True, blank=True, on_delete=models.PROTECT, related_name="requests"
    )

    class Meta:
        ordering = ["-requested_at", "-id"]

    def __str__(self) -> str:
        return f"Request: {self.get_kind_display()}"


class Associate(models.Model):
    """A person the child is known to be with or to go to (last known associates)."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="associates")
    name = models.CharField(max_length=200)
    relationship = models.CharField(max_length=100, blank=True)
    is_adult = models.BooleanField(null=True)
    notes = models.TextField(blank=True)
    last_seen_on = models.DateField(null=True, blank=True)
    # Where it came from when another agency shared it (a return interview, R-RHI-09):
    # "Return interview, Safe Return Project, 3 December 2026". Blank: entered here.
    source = models.CharField(max_length=200, blank=True)
    # The adult this associate is, once someone has said so (people/network.py): the link
    # that puts children who know the same adult side by side (issue 12, the network).
    adult = models.ForeignKey(
        "Adult", null=True, blank=True, on_delete=models.PROTECT, related_name="associates"
    )

    class Meta:
        ordering = ["-last_seen_on", "name"]

    def __str__(self) -> str:
        return self.name


class Place(models.Model):
    """A place the child is known to go to (last known places)."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="places")
    description = models.CharField(max_length=300)
    postcode = models.CharField(max_length=10, blank=True)
    last_seen_on = models.DateField(null=True, blank=True)
    source = models.CharField(max_length=200, blank=True)  # as Associate.source

    class Meta:
        ordering = ["-last_seen_on", "description"]

    def __str__(self) -> str:
        return self.description


class AllocatedWorker(models.Model):
    """A social worker or independent reviewing officer allocated to the child by a team
    manager of the child's responsible authority (services.allocation_set): one current
    allocation per role."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="allocations")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="allocations"
    )
    role = models.CharField(max_length=48)
    started_on = models.DateField(default=date.today)
    ended_on = models.DateField(null=True, blank=True)
    allocated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["person", "role"],
                condition=models.Q(ended_on__isnull=True),
                name="allocation_one_current_per_role",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} ({self.role})"


class PersonShare(models.Model):
    """The responsible authority's decision to let another organisation (a local
    authority's children's services or a care provider) see the child's record, as the
    responsible authority's own staff see it, until the share is ended. Written by
    services.person_share and services.person_share_end, each with a timeline event and an
    audit row."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="shares")
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="shared_people"
    )
    reason = models.TextField()
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    granted_at = models.DateTimeField(default=timezone.now)
    ended_at = models.DateTimeField(null=True, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    ended_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-granted_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "organisation"],
                condition=models.Q(ended_at__isnull=True),
                name="person_share_one_current_per_organisation",
            )
        ]

    def __str__(self) -> str:
        return f"{self.person} shared with {self.organisation}"

    @property
    def active(self) -> bool:
        return self.ended_at is None


class Adult(models.Model):
    """An adult linked to children who go missing: one record however many children name
    them, each child's associate row linked to it (people/network.py). A harbouring notice
    is served on an adult (interventions, R-HRB-04)."""

    name = models.CharField(max_length=200)
    normalised_name = models.CharField(max_length=200, db_index=True)
    date_of_birth = models.DateField(null=True, blank=True)
    description = models.TextField(blank=True)
    address = models.CharField(max_length=300, blank=True)
    postcode = models.CharField(max_length=10, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_by_org = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["name", "pk"]

    def __str__(self) -> str:
        return self.name


class LocationKind(models.TextChoices):
    ORDINARY = "ordinary", "Address or public place"
    # Children Act 1989 s51: a refuge so certified is never a harbourer (R-HRB-07).
    CERTIFIED_REFUGE = "certified_refuge", "Certified refuge (Children Act 1989, section 51)"


class Location(models.Model):
    """A place in the network, one per full postcode: where children go missing from,
    are found, are placed and are known to go. A postcode covers about fifteen addresses,
    so a link through a place says "the same street", not "the same house"."""

    postcode = models.CharField(max_length=10, unique=True)
    label = models.CharField(max_length=300, help_text="The first description recorded.")
    kind = models.CharField(max_length=20, choices=LocationKind.choices, default="ordinary")
    refuge_reference = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["postcode"]

    def __str__(self) -> str:
        return f"{self.label} ({self.postcode})"


class LinkSource(models.TextChoices):
    PLACE = "place", "Known place"
    MISSING_FROM = "missing_from", "Went missing from"
    FOUND = "found", "Found at"
    PLACEMENT = "placement", "Placed at"


class PlaceLink(models.Model):
    """A child linked to a place, by one record that names the place's postcode: a known
    place, an episode's missing-from address or found address, a placement. Written by
    people/network.py as the record is written, one row per record (updated when it
    changes). ``episode`` is set for the episode's own links, so that a restricted case's
    links are left out of the network (R-RES-01)."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="place_links")
    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="links")
    source = models.CharField(max_length=16, choices=LinkSource.choices)
    source_id = models.PositiveBigIntegerField()
    episode = models.ForeignKey(
        "episodes.Episode", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    on = models.DateField()
    # The moment, for an episode's links: last seen (missing from) or found. Two children
    # linked to the same place by the same source within two hours went missing, or were
    # found, together (interventions/network.py).
    at = models.DateTimeField(null=True, blank=True)
    description = models.CharField(max_length=300)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["source", "source_id"], name="one_link_per_record")
        ]
        indexes = [
            models.Index(fields=["location", "person"]),
            models.Index(fields=["person", "location"]),
            models.Index(fields=["location", "source", "at"]),
            models.Index(fields=["location", "-on"]),
        ]

    def __str__(self) -> str:
        return f"{self.get_source_display()}: {self.description}"


class DuplicateStatus(models.TextChoices):
    WAITING = "waiting", "Waiting for a decision"
    MERGED = "merged", "Merged"
    NOT_SAME = "not_same", "Not the same child"


class DuplicatePair(models.Model):
    """Two records that may be the same child, found by the search's scorer
    (people/duplicates.py, ``duplicate_sweep``) and waiting on the missing person
    coordinators' list until one merges them or says they are not the same child. Never
    merged automatically. ``first`` is the older record (the lower id)."""

    first = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    second = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(
        max_length=10, choices=DuplicateStatus.choices, default=DuplicateStatus.WAITING
    )
    # The scorer's comparison, field by field: [{"field", "level", "weight", "text"}].
    fields = models.JSONField(default=list)
    weight = models.FloatField(default=0.0, help_text="The match weight in bits.")
    found_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.TextField(blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-weight", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["first", "second"], name="duplicate_pair_once"),
            models.CheckConstraint(
                condition=models.Q(first__lt=models.F("second")), name="duplicate_pair_ordered"
            ),
        ]
        indexes = [models.Index(fields=["status", "-weight"])]

    def __str__(self) -> str:
        return f"Possible duplicate {self.first_id} and {self.second_id}"


class Merge(models.Model):
    """One record merged into another (people/duplicates.py, ``merge``): exactly which rows
    were moved from the merged record to the kept one (``moved``: for each relation,
    "app_label.Model.field", the primary keys moved), which were numbered again
    (``renumbered``) and which were made by the merge
    (``created``: the merged record's name as another name of the kept one), so that
    ``undo_merge`` moves exactly those back and removes exactly those."""

    pair = models.ForeignKey(DuplicatePair, on_delete=models.PROTECT, related_name="merges")
    kept = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="merges_kept")
    merged = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="merges_away")
    moved = models.JSONField(default=dict)
    created = models.JSONField(default=dict)
    # Rows numbered per child (a model with ``MERGE_RENUMBER``: the assessment's versions)
    # are numbered again over both records: for each, "app_label.Model.field" -> {pk: the
    # number it had}, so that the undo gives each its own number back.
    renumbered = models.JSONField(default=dict)
    reason = models.TextField()
    merged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    merged_at = models.DateTimeField(default=timezone.now)
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    undone_at = models.DateTimeField(null=True, blank=True)
    undo_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-merged_at", "-pk"]

    def __str__(self) -> str:
        return f"Merge of {self.merged_id} into {self.kept_id}"

    @property
    def undone(self) -> bool:
        return self.undone_at is not None

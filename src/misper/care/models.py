"""The pre-placement missing risk assessment (seed 001 Appendix A, R-PPA-01..04): every
save is a new version, kept; the latest is what the police and the policy engine read.
Written only by care/services.py."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone

from misper.agencies.models import Organisation
from misper.care import form
from misper.people.models import Person, Placement


class AssessmentVersion(models.Model):
    """One saved version of a child's assessment: the values of Appendix A's fields in
    form order (``care.form``), with what Misper filled in from the record as it stood."""

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="assessment_versions")
    number = models.PositiveIntegerField()
    values = models.JSONField(default=dict)
    placement = models.ForeignKey(
        Placement,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="assessment_versions",
        help_text="The placement it was completed for (fields 12 to 14).",
    )
    completed_with = models.CharField(
        max_length=200, help_text="Who at the care provider it was completed with (R-PPA-01)."
    )
    change_note = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_by_org = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    sent_to = models.JSONField(
        default=list, help_text="The organisations told of this version (R-PPA-02)."
    )

    # When two records of one child are merged (people/duplicates.py), the versions of
    # both are numbered again in the order they were saved, so that the latest saved is
    # the latest read; the undo gives each its number back.
    MERGE_RENUMBER = ("number", ("created_at", "pk"))

    class Meta:
        ordering = ["person", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["person", "number"], name="assessment_version_unique")
        ]

    def __str__(self) -> str:
        return f"Assessment version {self.number}"

    @property
    def engine_facts(self) -> dict[str, Any]:
        return form.for_engine(self.values)

    @property
    def never_absent(self) -> bool:
        return bool(self.values.get("never_absent") == "yes")

    def lines(self) -> list[form.Line]:
        return form.display(self.values)

"""Forms for the harbouring warning notice pages (R-HRB-01..07). They check the shape of
what was typed (required fields, lengths, real dates and times, known choices) with
messages that name the field; the services (interventions/harbouring.py) check the rest:
which Act covers each child, a certified refuge, the photograph shown (R-HRB-02, R-HRB-04,
R-HRB-07). Their errors are put back on the field of the same name; where a rule decides,
the field is optional here so that the service's message, with its rule, is the one shown.
The notice's version is a hidden field, declared last."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet

from misper.agencies.models import Organisation
from misper.core.validation import MAX_ID
from misper.episodes.forms import DateTimeField, text, version_field
from misper.interventions.harbouring import MAX_CHILDREN
from misper.people.forms import DateField
from misper.returns.forms import OrganisationField, area

_NUMBERS = re.compile(r"[\s,;]+")


class PrepareForm(forms.Form):
    """A notice prepared from the local authority manager's formal witness statement
    (R-HRB-04): the children it names (those linked to the adult, ticked; any other by
    record number), the statement, and for the police the authority whose manager made
    it."""

    children = forms.TypedMultipleChoiceField(
        label="Children linked to this adult",
        choices=[],
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Tick each child the notice names. Only children whose record you may see "
        "are listed",
        error_messages={"invalid_choice": "Choose the children from the list"},
    )
    other_children = text(
        "Other children, by record number",
        max_length=200,
        help_text="The number of each child's record, separated by commas, for example 1024, 1031",
    )
    authority = OrganisationField(
        label="Local authority whose manager made the statement",
        queryset=Organisation.objects.none(),
        required=False,
        empty_label="Choose the local authority",
        error_messages={"invalid_choice": "Choose the local authority from the list"},
    )
    statement_by = text(
        "Name of the manager who made the statement",
        max_length=200,
        required=True,
    )
    statement_role = text(
        "Their role",
        max_length=100,
        required=True,
        help_text="For example, team manager, Vale Council children's services",
    )
    statement_on = DateField(
        label="Date of the statement",
        required=True,
        help_text="Within the last year, for example 27 3 2026",
    )
    statement_summary = area(
        "What the statement prohibits",
        required=True,
        help_text="The adult is prohibited from any contact whatsoever with the children "
        "named, without exceptions (R-HRB-04). Summarise the statement and why it was made",
    )

    def __init__(
        self,
        *args: Any,
        linked: list[tuple[int, str]],
        authorities: QuerySet[Organisation] | None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["statement_by"].error_messages["required"] = (
            "Enter the name of the manager who made the statement"
        )
        field = self.fields["children"]
        assert isinstance(field, forms.TypedMultipleChoiceField)
        field.choices = linked
        if not linked:
            del self.fields["children"]
            self.fields["other_children"].label = "Children the notice names, by record number"
        if authorities is None:
            del self.fields["authority"]
        else:
            choice = self.fields["authority"]
            assert isinstance(choice, forms.ModelChoiceField)
            choice.queryset = authorities

    def clean_other_children(self) -> list[int]:
        raw = (self.cleaned_data.get("other_children") or "").strip()
        numbers = [p for p in _NUMBERS.split(raw) if p]
        if any(not p.isdigit() or not 1 <= int(p) <= MAX_ID for p in numbers):
            raise ValidationError(
                "Give each child's record number as digits, separated by commas",
                code="invalid",
            )
        if len(numbers) > MAX_CHILDREN:
            raise ValidationError(f"A notice names at most {MAX_CHILDREN} children")
        return [int(p) for p in numbers]

    def child_ids(self) -> list[int]:
        ticked = list(self.cleaned_data.get("children") or [])
        return list(dict.fromkeys([*ticked, *self.cleaned_data.get("other_children", [])]))

    def field_of(self, service_field: str | None) -> str | None:
        """The field a service's error names, on this form: the children are the ticked
        boxes if there are any, else the record numbers; the adult is the page itself."""
        if service_field == "children":
            return "children" if "children" in self.fields else "other_children"
        if service_field in self.fields and service_field != "version":
            return service_field
        return None


class ServeForm(forms.Form):
    served_at = DateTimeField(
        label="When it was served",
        required=True,
        help_text="UK time, for example 27 3 2026 and 14:30",
    )
    served_where = text(
        "Where it was served",
        required=True,
        help_text="For example, the adult's address or the police station",
    )
    # Not required here: the service refuses without it, citing R-HRB-04.
    photo_shown = forms.BooleanField(
        label="Photograph shown and not left with them",
        required=False,
        help_text="You showed the adult the manager's statement and a photograph of each "
        "child named, and did not let them keep the photograph (R-HRB-04)",
    )
    version = version_field()


class BreachForm(forms.Form):
    at = DateTimeField(
        label="When the breach happened",
        required=True,
        help_text="UK time, for example 27 3 2026 and 21:15",
    )
    description = area(
        "What happened",
        required=True,
        help_text="For example, the child was found at the adult's flat. The police may enter "
        "premises to recover a child under police protection, and a complaint from the child is "
        "not needed to arrest (R-HRB-06)",
    )
    episode = forms.TypedChoiceField(
        label="Missing episode (optional)",
        choices=[],
        coerce=int,
        empty_value=None,
        required=False,
        help_text="The episode in which it happened, if there is one",
        error_messages={"invalid_choice": "Choose the episode from the list"},
    )
    version = version_field()

    def __init__(self, *args: Any, episodes: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["episode"]
        assert isinstance(field, forms.TypedChoiceField)
        field.choices = [("", "No missing episode"), *episodes]


class WithdrawForm(forms.Form):
    reason = area("Why the notice is withdrawn", required=True)
    version = version_field()

"""Forms for the repeat-missing pages. They check the shape of what was typed (required
fields, lengths, known choices, real dates and times) with messages that name the field;
the services check the rest (the rules: an officer of the force, the police at the meeting,
both agencies agreeing to a deferral, R-TRG-05/09/15), and the views put the services'
errors back on the fields of the same name (interventions/services.py names them). Where a
rule decides whether a choice may be empty, the field is optional here so that the
service's message, with its rule, is the one shown.

The version of the trigger or meeting is a hidden field, declared last so that an error at
the top of a form links to its first visible field. Dates use the GOV.UK date input
(people.forms), dates with a time the date input and a 24-hour time (episodes.forms), in UK
local time."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet

from misper.agencies.models import Organisation, User
from misper.episodes.forms import DateTimeField, choice, text, version_field
from misper.interventions.mase import (
    MAX_NOTE,
    MAX_PLAN,
    NO_INTERIM_ACTION,
    NO_OUTCOME,
    NO_PLAN_LEAD,
    NO_PLAN_TIMESCALE,
    item_missing,
)
from misper.interventions.models import (
    DIVERSION_PLAN,
    INSUFFICIENT_INFORMATION,
    MASE_ITEMS,
    MASE_OUTCOMES,
    Addressed,
    MeetingStatus,
)
from misper.people.forms import DateField
from misper.returns.forms import OrganisationField, UserField, area

LEVELS = [
    ("none", "No level"),
    ("1", "Level 1: inter-agency meeting"),
    ("2", "Level 2: meeting with the children's services team manager"),
    ("3", "Level 3: meeting with the local police sergeant"),
    ("4", "Level 4: the policing area's senior management team"),
]


def _user_field(label: str, *, empty: str, required: bool = False) -> UserField:
    lower = label[0].lower() + label[1:]
    return UserField(
        label=label,
        queryset=User.objects.none(),
        required=required,
        empty_label=empty,
        error_messages={
            "required": f"Choose {lower}",
            "invalid_choice": f"Choose {lower} from the list",
        },
    )


def _organisation_field(label: str, *, empty: str, required: bool = False) -> OrganisationField:
    lower = label[0].lower() + label[1:]
    return OrganisationField(
        label=label,
        queryset=Organisation.objects.none(),
        required=required,
        empty_label=empty,
        error_messages={
            "required": f"Choose {lower}",
            "invalid_choice": f"Choose {lower} from the list",
        },
    )


def _set(form: forms.Form, name: str, queryset: QuerySet[Any]) -> None:
    field = form.fields[name]
    assert isinstance(field, forms.ModelChoiceField)
    field.queryset = queryset


def _people(users: QuerySet[User]) -> QuerySet[User]:
    return users.filter(is_active=True).distinct().order_by("full_name", "email")


# --- The trigger ----------------------------------------------------------------------------------


class AllocateForm(forms.Form):
    allocated_to = _user_field("Officer", empty="Choose an officer")
    version = version_field()

    def __init__(self, *args: Any, officers: QuerySet[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _set(self, "allocated_to", _people(officers))


class CloseForm(forms.Form):
    outcome = area(
        "Outcome",
        required=True,
        help_text="What was decided and done, and why no more is needed now",
    )
    version = version_field()


class RaiseForm(forms.Form):
    """An intervention launched or escalated by hand (R-TRG-14)."""

    level = choice("Level of intervention", LEVELS)
    rationale = area(
        "Why an intervention is needed now",
        required=True,
        help_text="For example, the risk of even one more missing episode is very high, or "
        "immediate action is needed for the child's well-being",
    )

    def level_value(self) -> int | None:
        value = self.cleaned_data.get("level")
        return int(value) if value and value.isdigit() else None


# --- The meeting ----------------------------------------------------------------------------------


class ArrangeForm(forms.Form):
    scheduled_for = DateTimeField(
        label="When the meeting will be held",
        required=True,
        help_text="UK time, within the next 90 days, for example 27 3 2026 and 14:30",
    )
    place = text("Where", required=True, help_text="For example, the children's home or an office")
    chair = text(
        "Chair",
        max_length=200,
        help_text="Children's services chair the meeting (R-TRG-09): their name and role",
    )
    others = area(
        "Others to invite, one per line",
        help_text="For example, a parent, the school or the health visitor. The people the "
        "level calls for are invited already",
    )
    version = version_field()

    def other_names(self) -> list[str]:
        return [line.strip() for line in self.cleaned_data["others"].splitlines() if line.strip()]


class RecordForm(forms.Form):
    held_at = DateTimeField(
        label="When the meeting was held",
        required=True,
        help_text="UK time, for example 27 3 2026 and 14:30",
    )
    attended = forms.TypedMultipleChoiceField(
        label="Who attended",
        choices=[],
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="The police must be there (R-TRG-09)",
        error_messages={"invalid_choice": "Choose who attended from the invitees"},
    )
    discussion = area("What was discussed", required=True)
    plan = area("The plan", required=True)
    care_plan = text(
        "Where the care plan reflects it",
        help_text="For example, 'Care plan reviewed on 3 December' (R-TRG-19)",
    )
    version = version_field()

    def __init__(self, *args: Any, invitees: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["attended"]
        assert isinstance(field, forms.TypedMultipleChoiceField)
        field.choices = invitees


class DeferForm(forms.Form):
    status = choice(
        "Defer or suspend?",
        [
            (MeetingStatus.DEFERRED.value, "Deferred: the meeting will be held later"),
            (MeetingStatus.SUSPENDED.value, "Suspended: no meeting while the work goes on"),
        ],
    )
    reason = area("Reason", required=True, help_text="The work already being done, and by whom")
    partner = _organisation_field(
        "Partner agency already working on it", empty="Choose the partner agency"
    )
    police_agreed_by = _user_field("Police officer who agrees", empty="Choose the officer")
    childrens_services_agreed_by = _user_field(
        "Children's services manager who agrees", empty="Choose the person"
    )
    version = version_field()

    def __init__(
        self,
        *args: Any,
        police: QuerySet[User],
        childrens_services: QuerySet[User],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        _set(self, "partner", Organisation.objects.order_by("name"))
        _set(self, "police_agreed_by", _people(police))
        _set(self, "childrens_services_agreed_by", _people(childrens_services))


class ActionForm(forms.Form):
    text = area("The action", required=True)
    owner = _organisation_field("Organisation that owns it", empty="Choose the organisation")
    owner_user = _user_field(
        "Person who owns it (optional)", empty="Nobody named: the organisation"
    )
    due_on = DateField(label="Due date", required=True, help_text="For example, 27 3 2026")

    def __init__(self, *args: Any, people: QuerySet[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _set(self, "owner", Organisation.objects.order_by("name"))
        _set(self, "owner_user", _people(people))


class DoneForm(forms.Form):
    note = area("What was done", required=True)


# --- The MASE discussion (R-CSE-02..05) ---------------------------------------------------------

ADDRESSED = [(a.value, a.label) for a in Addressed]


class MaseListForm(forms.Form):
    listed_for = DateField(
        label="Date of the MASE meeting",
        required=True,
        help_text="Today or later, for example 27 3 2026",
    )
    version = version_field()


class MaseRecordForm(forms.Form):
    """The discussion: when; every item of R-CSE-04's checklist as Yes, No or Not
    applicable (``item_<key>``) with a note (``note_<key>``); the outcomes of R-CSE-05; the
    diversion plan's lead officers and timescales; notes. Every problem is shown at once,
    in the services' words (mase.py), which check it all again."""

    discussed_at = DateTimeField(
        label="When the child was discussed",
        required=True,
        help_text="UK time, for example 27 3 2026 and 10:00",
    )
    outcomes = forms.MultipleChoiceField(
        label="Outcomes",
        choices=list(MASE_OUTCOMES.items()),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="One or more (R-CSE-05)",
        error_messages={"invalid_choice": "Choose the outcomes from the list (R-CSE-05)"},
    )
    plan_lead = text(
        "Lead officers of the diversion plan",
        max_length=MAX_PLAN,
        help_text="For a co-ordinated multi-agency diversion plan: who leads it",
    )
    plan_timescale = text(
        "Timescales of the diversion plan",
        max_length=MAX_PLAN,
        help_text="For example, 'Review in six weeks; plan ends in three months'",
    )
    outcome_notes = area(
        "Notes",
        help_text="With insufficient information: the interim action to take and the further "
        "assessment needed",
    )
    version = version_field()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for key, words in MASE_ITEMS.items():
            self.fields[f"item_{key}"] = forms.ChoiceField(
                label=words,
                choices=ADDRESSED,
                widget=forms.RadioSelect,
                error_messages={"required": item_missing(key), "invalid_choice": item_missing(key)},
            )
            self.fields[f"note_{key}"] = forms.CharField(
                label="Note",
                max_length=MAX_NOTE,
                required=False,
                error_messages={"max_length": f"The note must be {MAX_NOTE} characters or fewer"},
            )
        items = [name for key in MASE_ITEMS for name in (f"item_{key}", f"note_{key}")]
        self.order_fields(["discussed_at", *items])

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        chosen = data.get("outcomes") or []
        if "outcomes" in data and not chosen:
            self.add_error("outcomes", NO_OUTCOME)
        if DIVERSION_PLAN in chosen:
            if not (data.get("plan_lead") or "").strip():
                self.add_error("plan_lead", NO_PLAN_LEAD)
            if not (data.get("plan_timescale") or "").strip():
                self.add_error("plan_timescale", NO_PLAN_TIMESCALE)
        if INSUFFICIENT_INFORMATION in chosen and not (data.get("outcome_notes") or "").strip():
            self.add_error("outcome_notes", NO_INTERIM_ACTION)
        return data

    def items(self) -> dict[str, dict[str, str]]:
        """The checklist as the service takes it."""
        d = self.cleaned_data
        return {
            key: {"addressed": d.get(f"item_{key}") or "", "note": d.get(f"note_{key}") or ""}
            for key in MASE_ITEMS
        }

    def rows(self) -> list[tuple[int, forms.BoundField, forms.BoundField]]:
        """Each item of the checklist as the page shows it: its number, its radios, its
        note."""
        return [
            (n, self[f"item_{key}"], self[f"note_{key}"])
            for n, key in enumerate(MASE_ITEMS, start=1)
        ]

    def field_of(self, service_field: str | None) -> str | None:
        """The field of this form a service's error names: ``items.<key>`` is the item's
        radios, ``items.<key>.note`` its note; None for the top of the form."""
        name = service_field or ""
        if name.startswith("items."):
            key, _, rest = name.removeprefix("items.").partition(".")
            name = f"note_{key}" if rest == "note" else f"item_{key}"
        return name if name in self.fields and name != "version" else None

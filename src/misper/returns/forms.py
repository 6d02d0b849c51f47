"""Forms for the return-interview pages. They check the shape of what was typed (required
fields, lengths, known choices, real dates and times) with messages that name the field;
the services check the rest, and the views put the services' errors back on the fields of
the same name (returns/services.py names them).

The referral's version is a hidden field, declared last so that an error at the top of a
form links to its first visible field. Dates use the GOV.UK date input (people.forms), dates
with a time the date input and a 24-hour time (episodes.forms), in UK local time."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet

from misper.agencies.models import Organisation, User
from misper.episodes.forms import DateTimeField, choice, text, version_field
from misper.people.codes import FlagKind
from misper.people.forms import DateField
from misper.returns.models import DIRECT_OUTCOMES, ItemKind, LegalBasis, Rag, Step
from misper.returns.services import TRIAGE_FACTS, InterviewInput, ItemInput

MAX_TEXT = 4000

# R-RHI-10's seven triage questions, as a worker asks them.
FACT_QUESTIONS: dict[str, str] = {
    "associates_recorded": "Does the referral hold the child's associates?",
    "places_recorded": "Does it hold the places visited?",
    "substance_misuse": "Substance misuse?",
    "domestic_violence": "Domestic violence?",
    "learning_difficulty": "Learning difficulty?",
    "troubled_family": "Troubled family?",
    "cse_indicators": "CSE indicators?",
}
assert tuple(FACT_QUESTIONS) == TRIAGE_FACTS

YES_NO_UNKNOWN = [("yes", "Yes"), ("no", "No"), ("unknown", "Not known")]
_TRI = {"yes": True, "no": False}
INLINE = {"class": "inline"}  # shown as inline radios (returns/_macros.html)
_line = text  # a form with a field called "text" calls the helper by this name


def tri_state(value: bool | None) -> str:
    """True, False or None as the radios' value."""
    return "yes" if value is True else "no" if value is False else "unknown"


def tri_field(label: str, *, required: bool = True, **kw: Any) -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        label=label,
        choices=YES_NO_UNKNOWN,
        coerce=lambda v: _TRI.get(v),
        empty_value=None,
        required=required,
        widget=forms.RadioSelect(attrs=INLINE),
        error_messages={
            "required": f"Answer '{label}': yes, no or not known",
            "invalid_choice": f"Answer '{label}': yes, no or not known",
        },
        **kw,
    )


def area(label: str, *, required: bool = False, **kw: Any) -> forms.CharField:
    return text(label, max_length=MAX_TEXT, required=required, area=True, **kw)


class OrganisationField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.name)


def organisation_field(label: str, queryset: Any, *, empty: str) -> OrganisationField:
    lower = label[0].lower() + label[1:]
    return OrganisationField(
        label=label,
        queryset=queryset,
        empty_label=empty,
        error_messages={
            "required": f"Choose {lower}",
            "invalid_choice": f"Choose {lower} from the list",
        },
    )


class UserField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.full_name or obj.email)


# --- Allocation and triage ----------------------------------------------------------------------


class AllocateForm(forms.Form):
    worker = UserField(
        label="Worker",
        queryset=User.objects.none(),
        empty_label="Choose a worker",
        error_messages={
            "required": "Choose the worker",
            "invalid_choice": "Choose a worker of your organisation from the list",
        },
    )
    version = version_field()

    def __init__(self, *args: Any, workers: QuerySet[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["worker"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = workers.order_by("full_name", "email")


class TriageForm(forms.Form):
    """The seven facts (yes, no, not known), the rating and, where it differs from the
    policy's, why."""

    rag = choice("Your rating", Rag.choices)
    rationale = area(
        "Rationale",
        help_text="Needed when your rating differs from the policy's",
    )
    version = version_field()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        facts = {name: tri_field(question) for name, question in FACT_QUESTIONS.items()}
        # The questions first, then the rating.
        self.fields = {**facts, **self.fields}

    def facts(self) -> dict[str, bool | None]:
        return {name: self.cleaned_data[name] for name in FACT_QUESTIONS}


class InformationForm(forms.Form):
    agency = organisation_field(
        "Agency to ask", Organisation.objects.none(), empty="Choose the agency"
    )
    asked = area("What you need to know", required=True)
    version = version_field()

    def __init__(self, *args: Any, own_organisation_id: int | None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["agency"]
        assert isinstance(field, forms.ModelChoiceField)
        agencies = Organisation.objects.order_by("name")
        if own_organisation_id is not None:
            agencies = agencies.exclude(pk=own_organisation_id)
        field.queryset = agencies


class AnswerForm(forms.Form):
    answer = area("The agency's answer", required=True)
    version = version_field()


# --- The letter, the offer and the outcome --------------------------------------------------------


class LetterForm(forms.Form):
    to_carer_on = DateField(
        label="Letter and leaflet sent to the parent or carer",
        required=True,
        help_text="For example, 27 3 2026",
    )
    to_child_on = DateField(
        label="Letter and leaflet sent to the young person",
        required=True,
        help_text="For example, 27 3 2026",
    )
    version = version_field()


class OfferForm(forms.Form):
    offered_how = text(
        "How the interview was offered",
        max_length=200,
        required=True,
        help_text="For example, a phone call to the carer, a visit or a letter",
    )
    version = version_field()


class AcceptForm(forms.Form):
    version = version_field()


class OutcomeForm(forms.Form):
    outcome = choice("Outcome", [(o.value, o.label) for o in DIRECT_OUTCOMES])
    reason = area(
        "Reason",
        help_text="Needed for 'unable to contact', 'missing again' and 'out of area'",
    )
    offered_instead = area(
        "What was offered instead",
        help_text="Needed when the young person or the parent or carer declined",
    )
    version = version_field()


class NotRequiredForm(forms.Form):
    reason = area(
        "Why no interview is needed",
        required=True,
        help_text="A manager of your organisation confirms or refuses it",
    )
    version = version_field()


class NotRequiredDecisionForm(forms.Form):
    confirm = choice(
        "Do you confirm that no interview is needed?",
        [
            ("yes", "Yes: no interview is needed, close the referral"),
            ("no", "No: an interview is still needed"),
        ],
    )
    reason = area("Reason", required=True)
    version = version_field()


# --- The interview and what follows it ------------------------------------------------------------


class InterviewForm(forms.Form):
    held_at = DateTimeField(
        label="When the interview was held",
        required=True,
        help_text="UK time, for example 27 3 2026 and 14:30",
    )
    interviewer_name = text("Interviewer's name", max_length=200, required=True)
    independent = forms.TypedChoiceField(
        label="Is the interviewer independent of the child's care?",
        choices=[("yes", "Yes"), ("no", "No: they know the child")],
        coerce=lambda v: _TRI.get(v),
        empty_value=None,
        widget=forms.RadioSelect(attrs=INLINE),
        error_messages={
            "required": "Say whether the interviewer is independent of the child's care",
            "invalid_choice": "Say whether the interviewer is independent of the child's care",
        },
    )
    known_person_rationale = area(
        "Why an interviewer who knows the child is in their best interest",
        help_text="Needed when the interviewer is not independent",
    )
    place = text("Where the interview was held", required=True)
    present = text("Who else was there")
    push_factors = area("Push factors: what made the child leave")
    pull_factors = area("Pull factors: what drew the child away")
    where_went = area("Where the child went")
    with_whom = area("Who the child was with")
    harm = area("Harm while missing")
    cse_indicators = tri_field("Indicators of sexual exploitation?", required=False)
    cce_indicators = tri_field("Indicators of criminal exploitation?", required=False)
    exploitation_notes = area("Notes on exploitation")
    substance_use = area("Substance use")
    child_words = area("In the child's own words")
    version = version_field()

    def details(self) -> InterviewInput:
        d = self.cleaned_data
        return InterviewInput(
            held_at=d["held_at"],
            interviewer_name=d["interviewer_name"],
            independent=d["independent"],
            place=d["place"],
            known_person_rationale=d["known_person_rationale"],
            present=d["present"],
            push_factors=d["push_factors"],
            pull_factors=d["pull_factors"],
            where_went=d["where_went"],
            with_whom=d["with_whom"],
            harm=d["harm"],
            cse_indicators=d["cse_indicators"],
            cce_indicators=d["cce_indicators"],
            exploitation_notes=d["exploitation_notes"],
            substance_use=d["substance_use"],
            child_words=d["child_words"],
        )


class DisclosureForm(forms.Form):
    summary = area("What was disclosed", required=True)
    step = choice("The step taken", Step.choices)
    due = DateTimeField(
        label="When the step must be done by",
        required=True,
        help_text="UK time, within the next month, for example 27 3 2026 and 17:00",
    )


class RecommendationForm(forms.Form):
    text = area("Recommendation", required=True)
    owner = organisation_field(
        "Organisation that must act on it",
        Organisation.objects.none(),
        empty="Choose the organisation",
    )
    due_on = DateField(label="Due date", required=True, help_text="For example, 27 3 2026")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["owner"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = Organisation.objects.order_by("name")


class SessionForm(forms.Form):
    held_on = DateField(
        label="Date of the session", required=True, help_text="For example, 27 3 2026"
    )
    topics = text("Topics", required=True)
    notes = area("Notes")


class ShareForm(forms.Form):
    """One item of the interview shared with the police (R-RHI-09), with its legal basis."""

    kind = choice("What are you sharing?", ItemKind.choices)
    text = _line(
        "What",
        help_text="The person's name, the place, the vehicle or the phone number. For a "
        "request to flag, leave it blank",
    )
    relationship = _line("Relationship to the child", max_length=100, help_text="For a person")
    age = forms.IntegerField(
        label="Age",
        required=False,
        min_value=1,
        max_value=119,
        help_text="For a person, if known",
        widget=forms.TextInput(attrs={"inputmode": "numeric"}),
        error_messages={
            "invalid": "Age must be a whole number, like 19",
            "min_value": "Age must be between 1 and 119",
            "max_value": "Age must be between 1 and 119",
        },
    )
    postcode = _line("Postcode", max_length=10, help_text="For a place, if known")
    flag_kind = choice(
        "Flag to ask for",
        [("", "Not a request to flag"), *FlagKind.choices],
        required=False,
        radios=False,
    )
    detail = area("Detail", help_text="Needed for a request to flag: why the flag is needed")
    legal_basis = choice("Legal basis for sharing", LegalBasis.choices)

    def item(self) -> ItemInput:
        d = self.cleaned_data
        return ItemInput(
            kind=d["kind"],
            text=d["text"],
            legal_basis=d["legal_basis"],
            relationship=d["relationship"],
            age=d["age"],
            postcode=d["postcode"],
            flag_kind=d["flag_kind"],
            detail=d["detail"],
        )


class DoneForm(forms.Form):
    note = area("What was done", required=True)

"""Forms for the episode pages. They check the shape of what was typed (required fields,
lengths, known codes, real dates and times) with messages that name the field; the
services check the rest, and the views put the services' errors back on the same fields
(``form_field()`` turns a service's field name into the form's).

Times are typed in UK local time (a GOV.UK date input and a 24-hour time) and become
aware UTC datetimes here."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from misper.agencies.models import CARE_PROVIDER_KINDS, Organisation, OrganisationKind, User
from misper.episodes import carer_form
from misper.episodes.codes import (
    QUESTIONS,
    SEARCHES,
    Answer,
    Category,
    MissingFrom,
    ReportedBy,
    Risk,
    SearchState,
)
from misper.episodes.models import CarerReportKind, CseOutcome, EntryKind
from misper.episodes.services import ReportInput
from misper.episodes.services.record import CONSENT, FoundInput
from misper.policy.calendar import LONDON  # one statement of UK local time

MAX_TEXT = 4000


def form_field(service_field: str | None) -> str | None:
    """A service's field name (``answers.harm_or_crime.detail``) as the form's
    (``answers__harm_or_crime__detail``)."""
    return service_field.replace(".", "__") if service_field else None


def text(
    label: str, *, max_length: int = 300, required: bool = False, area: bool = False, **kw: Any
) -> forms.CharField:
    lower = label[0].lower() + label[1:]
    return forms.CharField(
        label=label,
        max_length=max_length,
        required=required,
        widget=forms.Textarea(attrs={"rows": 3}) if area else forms.TextInput,
        error_messages={
            "required": f"Enter {lower}",
            "max_length": f"{label} must be {max_length} characters or fewer",
        },
        **kw,
    )


def choice(
    label: str, choices: Any, *, required: bool = True, radios: bool = True, **kw: Any
) -> forms.ChoiceField:
    lower = label[0].lower() + label[1:]
    return forms.ChoiceField(
        label=label,
        choices=choices,
        required=required,
        widget=forms.RadioSelect if radios else forms.Select,
        error_messages={
            "required": f"Choose {lower}",
            "invalid_choice": f"{label}: choose one of the options",
        },
        **kw,
    )


def flag(label: str, **kw: Any) -> forms.BooleanField:
    return forms.BooleanField(label=label, required=False, **kw)


def version_field() -> forms.IntegerField:
    return forms.IntegerField(
        widget=forms.HiddenInput,
        min_value=1,
        error_messages={
            "required": "Reload the case and try again",
            "invalid": "Reload the case and try again",
        },
    )


# --- UK local date and time ---------------------------------------------------------------


class DateTimeWidget(forms.MultiWidget):
    """Day, month and year boxes and a 24-hour time (``<name>_day``, ``_month``, ``_year``,
    ``_time``), rendered by episodes/_macros.html with the GOV.UK date input."""

    def __init__(self) -> None:
        super().__init__(
            widgets={
                "day": forms.TextInput,
                "month": forms.TextInput,
                "year": forms.TextInput,
                "time": forms.TextInput,
            }
        )

    def decompress(self, value: Any) -> list[Any]:
        if isinstance(value, datetime):
            local = value.astimezone(LONDON)
            return [local.day, local.month, local.year, local.strftime("%H:%M")]
        return [None, None, None, None]


class DateTimeField(forms.MultiValueField):
    """A date and time in UK local time; clean() gives an aware UTC datetime."""

    widget = DateTimeWidget

    def __init__(self, *, label: str, required: bool = False, **kwargs: Any) -> None:
        parts = tuple(forms.CharField(required=False) for _ in range(4))
        super().__init__(
            fields=parts, require_all_fields=False, required=required, label=label, **kwargs
        )

    def compress(self, data_list: Any) -> Any:  # clean() does the work
        return data_list

    def clean(self, value: Any) -> datetime | None:
        if not isinstance(value, list | tuple):
            value = DateTimeWidget().decompress(value)
        day, month, year, time = (str(v).strip() if v is not None else "" for v in value)
        label = str(self.label)
        if not (day or month or year or time):
            if self.required:
                raise ValidationError(f"Enter the {label.lower()}", code="required")
            return None
        missing = [
            n for n, v in (("day", day), ("month", month), ("year", year), ("time", time)) if not v
        ]
        if missing:
            raise ValidationError(
                f"{label} must include a {' and '.join(missing)}", code="incomplete"
            )
        if not (day.isdigit() and month.isdigit() and year.isdigit()) or len(year) != 4:
            raise ValidationError(f"{label} must be a real date", code="invalid")
        try:
            hh, mm = (int(p) for p in time.replace(".", ":").split(":"))
            local = datetime(int(year), int(month), int(day), hh, mm, tzinfo=LONDON)
            # Years far off are the services' to refuse, with the window (for example "Last
            # seen must be within the 12 months before the report"); only a time that
            # cannot be a datetime at all is refused here.
            return local.astimezone(UTC)
        except (ValueError, OverflowError) as exc:
            raise ValidationError(
                f"{label} must be a real date and a time like 14:30", code="invalid"
            ) from exc


# --- The report -----------------------------------------------------------------------------


def care_providers() -> Any:
    return Organisation.objects.filter(kind__in=CARE_PROVIDER_KINDS).order_by("name")


def answer_field(key: str) -> str:
    return f"answers__{key}"


def detail_field(key: str) -> str:
    return f"answers__{key}__detail"


class ReportForm(forms.Form):
    """What the call handler records (R-RPT-01..09) and their decision. The same form is
    sent by both buttons: "Check the policy" (``action=check``) and "Save the report"."""

    area = forms.ModelChoiceField(
        label="Local policing area that owns the case",
        queryset=Organisation.objects.none(),
        required=False,
        error_messages={"invalid_choice": "Choose a local policing area of your force"},
    )
    informant_name = text("Informant's name", max_length=200, required=True)
    informant_phone = text("Informant's phone number", max_length=32)
    reported_by = choice("Informant's relationship to the child", ReportedBy.choices, radios=False)
    missing_from = choice("Where the child is missing from", MissingFrom.choices)
    establishment = forms.ModelChoiceField(
        label="Care establishment (if the child is missing from care)",
        queryset=Organisation.objects.none(),
        required=False,
        error_messages={"invalid_choice": "Choose a care establishment from the list"},
    )
    location_address = text("Address the child is missing from", required=True)
    location_postcode = text("Postcode", max_length=10)
    reported_at = DateTimeField(
        label="Time of the report", help_text="Leave blank for now. UK time, for example 14:30"
    )
    last_seen_at = DateTimeField(
        label="Last seen", required=True, help_text="UK time, for example 27 3 2026 and 14:30"
    )
    last_seen_place = text("Where last seen", required=True)
    last_contact_at = DateTimeField(label="Last contact", help_text="If different from last seen")
    last_contact_place = text("Where or how last contact was made")
    circumstances = text("Circumstances", max_length=MAX_TEXT, required=True, area=True)
    intelligence_checks = text("Intelligence checks made", max_length=MAX_TEXT, area=True)
    further_enquiries_required = flag("Further enquiries are required to assess the risk")
    other_factors_suspected = flag(
        "Other factors are suspected (for example exploitation or a crime)"
    )
    # The decision
    category = forms.ChoiceField(
        label="Category",
        choices=Category.choices,
        required=False,
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": "Choose a category from the list"},
    )
    risk = forms.ChoiceField(
        label="Initial risk (missing reports)",
        choices=[("", "Not graded yet"), *Risk.choices],
        required=False,
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": "Choose a risk level from the list"},
    )
    rationale = text("Rationale", max_length=MAX_TEXT, area=True)
    latest_review_at = DateTimeField(
        label="Latest review time", help_text="Needed for 'no apparent risk'"
    )
    # The carer's report this report takes (R-PPA-03): an id only.
    carer_report_id = forms.IntegerField(
        widget=forms.HiddenInput,
        required=False,
        min_value=1,
        error_messages={"invalid": "Open the carer's report again and take it from there"},
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        org = user.organisation
        force = org.force if org is not None else None
        self.force_level = org is not None and org.kind != OrganisationKind.POLICING_AREA
        area_field = self.fields["area"]
        assert isinstance(area_field, forms.ModelChoiceField)
        if self.force_level and force is not None:
            area_field.queryset = Organisation.objects.filter(
                kind=OrganisationKind.POLICING_AREA, parent=force
            ).order_by("name")
            area_field.required = True
            area_field.error_messages["required"] = "Choose the local policing area"
        else:
            del self.fields["area"]
        est = self.fields["establishment"]
        assert isinstance(est, forms.ModelChoiceField)
        est.queryset = care_providers()
        for key, _label in SEARCHES:
            self.fields[f"searches__{key}"] = choice(_label, SearchState.choices)
            self.fields[f"searches__{key}"].error_messages["required"] = (
                "Say whether this search was done (R-RPT-08)"
            )
            self.fields[f"searches__{key}__detail"] = text(
                "What was done, or why not", max_length=MAX_TEXT, area=True
            )
        for n, (key, question) in enumerate(QUESTIONS, start=1):
            f = choice(f"{n}. {question}", Answer.choices)
            f.error_messages["required"] = f"Answer question {n}: yes, no or don't know (R-RPT-03)"
            self.fields[answer_field(key)] = f
            d = text(
                f"What the caller said (question {n})",
                max_length=MAX_TEXT,
                required=True,
                area=True,
            )
            d.error_messages["required"] = (
                f"Say what the caller told you for question {n}: a simple yes or no does not "
                "suffice (R-RPT-04)"
            )
            self.fields[detail_field(key)] = d

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for key, _label in SEARCHES:
            state = data.get(f"searches__{key}")
            if state and state != SearchState.DONE and not data.get(f"searches__{key}__detail"):
                self.add_error(f"searches__{key}__detail", "Say why this search was not done")
        return data

    @property
    def question_rows(self) -> list[tuple[str, str, str]]:
        return [(key, answer_field(key), detail_field(key)) for key, _q in QUESTIONS]

    @property
    def search_rows(self) -> list[tuple[str, str]]:
        return [(f"searches__{key}", f"searches__{key}__detail") for key, _l in SEARCHES]

    def report(self, now: datetime) -> ReportInput:
        d = self.cleaned_data
        return ReportInput(
            reported_at=d.get("reported_at") or now,
            reported_by=d["reported_by"],
            informant_name=d["informant_name"],
            informant_phone=d["informant_phone"],
            missing_from=d["missing_from"],
            location_address=d["location_address"],
            location_postcode=d["location_postcode"],
            establishment=d.get("establishment"),
            last_seen_at=d["last_seen_at"],
            last_seen_place=d["last_seen_place"],
            last_contact_at=d.get("last_contact_at"),
            last_contact_place=d["last_contact_place"],
            circumstances=d["circumstances"],
            answers={
                key: {"answer": d[answer_field(key)], "detail": d[detail_field(key)]}
                for key, _q in QUESTIONS
            },
            searches={
                key: {
                    "state": d[f"searches__{key}"],
                    "detail": d[f"searches__{key}__detail"],
                }
                for key, _l in SEARCHES
            },
            intelligence_checks=d["intelligence_checks"],
            further_enquiries_required=d["further_enquiries_required"],
            other_factors_suspected=d["other_factors_suspected"],
            area=d.get("area"),
        )


# --- The carer's own report (R-PPA-03, R-CLS-10/11) ---------------------------------------------

YES_NO = (("yes", "Yes"), ("no", "No"))


def carer_field(key: str) -> str:
    return f"values__{key}"


def carer_detail(key: str) -> str:
    return f"values__{key}__detail"


class CarerReportForm(forms.Form):
    """The per-episode part of the West Mercia risk assessment (``episodes.carer_form``),
    every field with its number and label as printed, and what the carer is reporting.
    Unauthorised absence is offered only where the force's policy has it."""

    kind = choice(
        "What are you reporting?",
        CarerReportKind.choices,
        help_text="An unauthorised absence is reported to the police automatically after six "
        "hours (R-CLS-10). A child at risk is reported missing at once.",
    )
    last_seen_at = DateTimeField(
        label="Last seen", required=True, help_text="UK time, for example 27 3 2026 and 14:30"
    )
    last_contact_at = DateTimeField(
        label="Last contact",
        help_text="Optional: if you have heard from the young person since they were last seen",
    )
    mobile_checked = choice(
        "Have you checked the young person's mobile number is correct?",
        YES_NO,
        help_text="Field 8: check it at every episode (R-PPA-03)",
    )
    completed_by = text("Completed by", max_length=200, required=True)
    designation = text(
        "Designation", max_length=200, required=True, help_text="Your job, for example Team leader"
    )

    def __init__(
        self,
        *args: Any,
        unauthorised_absence: bool = True,
        mobile: str = "",
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        kind = self.fields["kind"]
        assert isinstance(kind, forms.ChoiceField)
        if not unauthorised_absence:
            kind.choices = [(CarerReportKind.MISSING, CarerReportKind.MISSING.label)]
            kind.help_text = (
                "The force's policy has no unauthorised absence: report the child missing "
                "(R-DEF-04)"
            )
        if mobile:
            self.fields[
                "mobile_checked"
            ].help_text = (
                f"Field 8: the assessment has {mobile}. Check it at every episode (R-PPA-03)"
            )
        for f in carer_form.FIELDS:
            label = f"{f.number} {f.label}"
            if f.kind == carer_form.TEXT:
                self.fields[carer_field(f.key)] = text(
                    label, max_length=carer_form.MAX_TEXT, area=True
                )
                continue
            self.fields[carer_field(f.key)] = choice(label, carer_form.ANSWERS, required=False)
            self.fields[carer_detail(f.key)] = text(
                f"What do you know? ({f.number})", max_length=carer_form.MAX_TEXT, area=True
            )
        self.order_fields(
            ["kind", "last_seen_at", "last_contact_at", *self.field_rows_flat, "mobile_checked"]
        )

    @property
    def field_rows_flat(self) -> list[str]:
        return [name for row in self.field_rows for name in row[1:] if name]

    @property
    def field_rows(self) -> list[tuple[str, str, str]]:
        """(kind, field, detail field or "") for every field of the per-episode form."""
        return [
            (
                f.kind,
                carer_field(f.key),
                carer_detail(f.key) if f.kind == carer_form.ANSWER else "",
            )
            for f in carer_form.FIELDS
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for f in carer_form.FIELDS:
            said_yes = f.kind == carer_form.ANSWER and data.get(carer_field(f.key)) == "yes"
            if said_yes and not data.get(carer_detail(f.key)):
                self.add_error(carer_detail(f.key), f"{f.number} {f.label}: say what you know")
        return data

    def values(self) -> dict[str, Any]:
        d = self.cleaned_data
        out: dict[str, Any] = {}
        for f in carer_form.FIELDS:
            if f.kind == carer_form.TEXT:
                out[f.key] = d.get(carer_field(f.key), "")
            else:
                out[f.key] = {
                    "answer": d.get(carer_field(f.key)) or "unknown",
                    "detail": d.get(carer_detail(f.key), ""),
                }
        return out


class CarerReturnForm(forms.Form):
    returned_at = DateTimeField(
        label="Returned", required=True, help_text="UK time, for example 27 3 2026 and 21:15"
    )
    details = text(
        "What you know about where they were",
        max_length=MAX_TEXT,
        area=True,
        help_text="Optional: where they had been, who with, and how they are",
    )


# --- Decisions and the case record -------------------------------------------------------------


class RestrictedReasonForm(forms.Form):
    reason = text("Why do you need to open this record?", max_length=500, required=True, area=True)


class CategoryForm(forms.Form):
    version = version_field()
    category = choice("Category", Category.choices)
    rationale = text("Rationale", max_length=MAX_TEXT, required=True, area=True)
    review_period_hours = forms.IntegerField(
        label="Review period (hours)",
        required=False,
        min_value=1,
        max_value=72,
        help_text="For absent: agreed with the informant (R-REV-02)",
        error_messages={
            "invalid": "Review period must be a whole number of hours",
            "min_value": "Review period must be between 1 and 72 hours",
            "max_value": "Review period must be between 1 and 72 hours",
        },
    )
    callback_at = DateTimeField(label="Call-back time", help_text="Agreed with the informant")


class RiskForm(forms.Form):
    version = version_field()
    risk = choice("Risk", Risk.choices)
    rationale = text("Rationale", max_length=MAX_TEXT, required=True, area=True)
    initial_grading_error = flag(
        "This corrects the initial investigating officer's mistaken grading (R-AUT-04)"
    )
    latest_review_at = DateTimeField(
        label="Latest review time", help_text="Needed for 'no apparent risk'"
    )


class DisagreementForm(forms.Form):
    version = version_field()
    detail = text(
        "What the informant disagrees with", max_length=MAX_TEXT, required=True, area=True
    )


class ResolveForm(forms.Form):
    version = version_field()
    category = choice("The Force Incident Manager's decision", Category.choices)
    rationale = text("Rationale", max_length=MAX_TEXT, required=True, area=True)


class RestrictForm(forms.Form):
    version = version_field()
    reason = text(
        "Why the record must be restricted",
        required=True,
        area=True,
        help_text="For example honour-based abuse or forced marriage",
    )


class EntryForm(forms.Form):
    kind = choice("What kind of entry", EntryKind.choices)
    text_ = text("What was done or decided", max_length=MAX_TEXT, required=True, area=True)
    action_at = DateTimeField(label="When it was done", help_text="Leave blank for now")
    tour_end = DateTimeField(
        label="End of your tour of duty", help_text="Leave blank for the usual tour length"
    )
    publicity = flag("Media decision: use publicity")
    family_consulted = flag("Media decision: the family was consulted")
    consent = forms.ChoiceField(
        label="Media decision: the family's consent",
        required=False,
        choices=[("", "Not applicable")] + [(c, c.replace("_", " ").capitalize()) for c in CONSENT],
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": "Choose the family's consent from the list"},
    )
    proportionality_rationale = text(
        "Media decision: why publicity is proportionate without consent",
        max_length=MAX_TEXT,
        area=True,
    )

    def details(self) -> dict[str, Any]:
        d = self.cleaned_data
        if d["kind"] != EntryKind.MEDIA_DECISION:
            return {}
        return {
            "publicity": d["publicity"],
            "family_consulted": d["family_consulted"],
            "consent": d["consent"] or None,
            "proportionality_rationale": d["proportionality_rationale"],
        }


class TransferForm(forms.Form):
    to_area = forms.ModelChoiceField(
        label="Area to transfer to",
        queryset=Organisation.objects.none(),
        error_messages={
            "required": "Choose the area to transfer to",
            "invalid_choice": "Choose a local policing area from the list",
        },
    )
    reason = text("Reason", max_length=MAX_TEXT, required=True, area=True)
    bulk_of_enquiries = flag("The bulk of the enquiries are in that area (R-OWN-04)")

    def __init__(self, *args: Any, exclude_area_id: int | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["to_area"]
        assert isinstance(field, forms.ModelChoiceField)
        areas = Organisation.objects.filter(kind=OrganisationKind.POLICING_AREA)
        if exclude_area_id is not None:
            areas = areas.exclude(pk=exclude_area_id)
        field.queryset = areas.order_by("name")


class TransferDecisionForm(forms.Form):
    accept = choice("Do you accept the case?", [("yes", "Accept"), ("no", "Decline")])
    reason = text("Reason (needed to decline)", max_length=MAX_TEXT, area=True)


class FoundForm(forms.Form):
    version = version_field()
    found_at = DateTimeField(label="Found", required=True)
    returned_at = DateTimeField(label="Returned", help_text="If later than found")
    found_where = text("Where found", required=True)
    found_postcode = text("Postcode where found", max_length=10)
    found_by = text("Found by", max_length=200, required=True)
    condition = text("The child's condition", max_length=MAX_TEXT, required=True, area=True)
    disclosures = text("Disclosures", max_length=MAX_TEXT, area=True)
    harmed = flag("The child was harmed")
    criminal_activity = flag("The child was involved in criminal activity")
    risky_contacts = flag("The child was with people who put them at risk")
    safe_and_well = choice(
        "Safe and well check", [("done", "Done"), ("not_done", "Not done (give the rationale)")]
    )
    safe_and_well_rationale = text(
        "Rationale for not doing the safe and well check", max_length=MAX_TEXT, area=True
    )

    def found(self) -> FoundInput:
        d = self.cleaned_data
        return FoundInput(
            found_at=d["found_at"],
            returned_at=d.get("returned_at"),
            found_where=d["found_where"],
            found_postcode=d["found_postcode"],
            found_by=d["found_by"],
            condition=d["condition"],
            disclosures=d["disclosures"],
            harmed=d["harmed"],
            criminal_activity=d["criminal_activity"],
            risky_contacts=d["risky_contacts"],
            safe_and_well=d["safe_and_well"],
            safe_and_well_rationale=d["safe_and_well_rationale"],
        )


class CloseForm(forms.Form):
    version = version_field()


class CseScreeningForm(forms.Form):
    """The missing child's CSE screening (R-CSE-01, R-TRG-08)."""

    version = forms.IntegerField(
        widget=forms.HiddenInput,
        min_value=0,
        error_messages={
            "required": "Reload the case and try again",
            "invalid": "Reload the case and try again",
        },
    )
    outcome = choice("Outcome of the screening", CseOutcome.choices)
    outcome.error_messages["required"] = "Choose the outcome of the screening"
    indicators = text(
        "What was considered",
        max_length=MAX_TEXT,
        required=True,
        area=True,
        help_text="The indicators you looked at and what they showed: the CSE flag, field 27 "
        "of the pre-placement assessment, question 9 of the report, the debrief and the "
        "return interview",
    )
    notes = text("Notes", max_length=MAX_TEXT, area=True)

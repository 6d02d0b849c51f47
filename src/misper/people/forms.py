"""Forms for the child's record pages. They check the shape of what was typed (required
fields, lengths, real dates) with messages that name the field; the services check the
rest and their errors are put back on the same fields by the views."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from misper.agencies.models import CARE_PROVIDER_KINDS, Organisation, OrganisationKind, User
from misper.agencies.roles import Role
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
from misper.people.matching import outward_code
from misper.people.services import PersonDetails, PlacementReturnDetails


def local_authorities() -> Any:
    return Organisation.objects.filter(kind=OrganisationKind.LOCAL_AUTHORITY).order_by("name")


def care_providers() -> Any:
    return Organisation.objects.filter(kind__in=CARE_PROVIDER_KINDS).order_by("name")


def share_recipients() -> Any:
    """Who a record may be shared with: local authorities and care providers."""
    return Organisation.objects.filter(
        kind__in=[OrganisationKind.LOCAL_AUTHORITY, *CARE_PROVIDER_KINDS]
    ).order_by("name")


def date_parts(value: Any) -> list[Any]:
    if isinstance(value, date):
        return [value.day, value.month, value.year]
    return [None, None, None]


class TelInput(forms.TextInput):
    input_type = "tel"


class DateWidget(forms.MultiWidget):
    """Three text boxes (day, month, year) named ``<field>_day``, ``<field>_month`` and
    ``<field>_year``; rendered with the GOV.UK date input by people/_macros.html."""

    def __init__(self) -> None:
        super().__init__(
            widgets={"day": forms.TextInput, "month": forms.TextInput, "year": forms.TextInput}
        )

    def decompress(self, value: Any) -> list[Any]:
        return date_parts(value)


class DateField(forms.MultiValueField):
    """A GOV.UK date input: errors say which part is missing or that the date is not real,
    naming the field (Design System, date input pattern)."""

    widget = DateWidget

    def __init__(self, *, label: str, required: bool = False, **kwargs: Any) -> None:
        parts = (
            forms.CharField(required=False),
            forms.CharField(required=False),
            forms.CharField(required=False),
        )
        super().__init__(
            fields=parts, require_all_fields=False, required=required, label=label, **kwargs
        )

    def clean(self, value: Any) -> date | None:
        if not isinstance(value, list | tuple):
            value = date_parts(value)
        day, month, year = (str(v).strip() if v is not None else "" for v in value)
        label = str(self.label)
        if not (day or month or year):
            if self.required:
                raise ValidationError(f"Enter the {label.lower()}", code="required")
            return None
        missing = [n for n, v in (("day", day), ("month", month), ("year", year)) if not v]
        if missing:
            raise ValidationError(
                f"{label} must include a {' and '.join(missing)}", code="incomplete"
            )
        if not (day.isdigit() and month.isdigit() and year.isdigit()):
            raise ValidationError(f"{label} must be a real date", code="invalid")
        if len(year) != 4:
            raise ValidationError(f"Year of {label.lower()} must include 4 numbers", code="year")
        try:
            return date(int(year), int(month), int(day))
        except ValueError:
            raise ValidationError(f"{label} must be a real date", code="invalid") from None

    def compress(self, data_list: Any) -> Any:  # clean() above does the work
        return data_list


_MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ),
        start=1,
    )
    for name in names
}


@dataclass(frozen=True)
class BirthPart:
    """Part of a date of birth: the year, or the month and year."""

    year: int
    month: int | None = None


class BirthDateField(DateField):
    """The search's date of birth: the whole date, or what a caller often knows, only the
    month and year ("born in March 2011") or only the year ("born in 2011"). Returns a
    date, a ``BirthPart`` or None. The month may be a number or its name ("3", "March",
    "Mar"), as the Design System's date input advises."""

    def clean(self, value: Any) -> date | BirthPart | None:  # type: ignore[override]
        if not isinstance(value, list | tuple):
            value = date_parts(value)
        day, month, year = (str(v).strip() if v is not None else "" for v in value)
        month = str(_MONTHS.get(month.lower(), month))
        label = str(self.label)
        if (day and month and year) or not (day or month or year):
            return super().clean([day, month, year])
        missing = [n for n, v in (("month", month), ("year", year)) if not v]
        if day or not year:
            raise ValidationError(
                f"{label} must include a {' and '.join(missing)}", code="incomplete"
            )
        if not (year.isdigit() and (month.isdigit() or not month)):
            raise ValidationError(f"{label} must be a real date", code="invalid")
        if len(year) != 4:
            raise ValidationError(f"Year of {label.lower()} must include 4 numbers", code="year")
        if month and not 1 <= int(month) <= 12:
            raise ValidationError(f"{label} must be a real date", code="invalid")
        return BirthPart(year=int(year), month=int(month) if month else None)


def _text(
    label: str, *, required: bool = False, max_length: int = 200, **kw: Any
) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=required,
        max_length=max_length,
        error_messages={
            "required": f"Enter the {label.lower()}",
            "max_length": f"{label} must be {max_length} characters or fewer",
        },
        **kw,
    )


def _choice(label: str, choices: Any, *, widget: Any = forms.Select, **kw: Any) -> Any:
    return forms.ChoiceField(
        label=label,
        choices=choices,
        widget=widget,
        error_messages={
            "required": f"Choose the {label.lower()}",
            "invalid_choice": f"Choose a {label.lower()} from the list",
        },
        **kw,
    )


def _authority(
    label: str, *, required: bool, empty_label: str, **kw: Any
) -> forms.ModelChoiceField:
    return forms.ModelChoiceField(
        label=label,
        queryset=local_authorities(),
        required=required,
        empty_label=empty_label,
        error_messages={
            "required": f"Choose the {label.lower()}",
            "invalid_choice": f"Choose a {label.lower()} from the list",
        },
        **kw,
    )


class SearchForm(forms.Form):
    """Find the child on the call. Sent by POST: names, dates of birth and phone numbers
    never go into a web address."""

    name = _text("Name or alias", max_length=200)
    date_of_birth = BirthDateField(
        label="Date of birth",
        help_text="For example, 27 3 2011. If the caller knows only the month and year, or "
        "only the year, leave the rest blank",
    )
    age = forms.IntegerField(
        label="Age",
        required=False,
        min_value=0,
        max_value=25,
        help_text="If the date of birth is not known",
        error_messages={
            "invalid": "Age must be a whole number, like 14",
            "min_value": "Age must be 0 or more",
            "max_value": "Age must be 25 or less",
        },
        widget=forms.TextInput(attrs={"inputmode": "numeric"}),
    )
    phone = _text("Phone number", max_length=32, widget=TelInput(attrs={"autocomplete": "off"}))
    postcode = _text(
        "Postcode",
        max_length=10,
        help_text="The child's home or placement postcode, or its first part, like B12",
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )

    def clean_postcode(self) -> str:
        value: str = self.cleaned_data.get("postcode", "")
        if value and not outward_code(value):
            raise ValidationError(
                "Enter a real postcode, like B12 9QD, or its first part, like B12",
                code="invalid",
            )
        return value

    def clean(self) -> dict[str, Any]:
        """``date_of_birth`` stays a whole date (or None); part of one goes to
        ``year_of_birth`` and ``month_of_birth``."""
        data = super().clean() or {}
        born = data.get("date_of_birth")
        data["year_of_birth"] = born.year if isinstance(born, BirthPart) else None
        data["month_of_birth"] = born.month if isinstance(born, BirthPart) else None
        if isinstance(born, BirthPart):
            data["date_of_birth"] = None
        if not self.errors and not (
            data.get("name")
            or born
            or data.get("age") is not None
            or data.get("phone")
            or data.get("postcode")
        ):
            self.add_error("name", "Enter a name, date of birth, age, phone number or postcode")
        return data


class PersonForm(forms.Form):
    """The child's details (PersonDetails)."""

    given_name = _text("Given name", required=True, max_length=100)
    family_name = _text("Family name", required=True, max_length=100)
    date_of_birth = DateField(label="Date of birth", help_text="For example, 27 3 2011")
    estimated_age = forms.IntegerField(
        label="Estimated age",
        required=False,
        min_value=0,
        max_value=25,
        help_text="Only if the date of birth is not known",
        error_messages={
            "invalid": "Estimated age must be a whole number, like 14",
            "min_value": "Estimated age must be between 0 and 25",
            "max_value": "Estimated age must be between 0 and 25",
        },
        widget=forms.TextInput(attrs={"inputmode": "numeric"}),
    )
    sex = _choice("Sex", Sex.choices, widget=forms.RadioSelect, initial=Sex.UNKNOWN)
    ethnicity = _choice("Ethnicity", Ethnicity.choices, initial=Ethnicity.NOBT)
    phone = _text("Phone number", max_length=32, widget=TelInput(attrs={"autocomplete": "off"}))
    la_child_id = _text("Local authority child id", max_length=32)
    police_person_id = _text("Police person id", max_length=32)
    home_address = _text("Home address", max_length=300)
    home_postcode = _text("Home postcode", max_length=10)
    home_authority = _authority(
        "Home local authority",
        required=False,
        empty_label="Not known",
        help_text="The authority responsible for the child. Once recorded it is not changed "
        "here: to let another authority see the child, its children's services share the "
        "record",
    )
    care_status = _choice(
        "Care status", CareStatus.choices, widget=forms.RadioSelect, initial=CareStatus.AT_HOME
    )
    legal_status = _choice(
        "Legal status",
        [("", "None"), *LegalStatus.choices],
        required=False,
        help_text="Required for a looked-after child",
    )
    subject_to_cj_order = forms.BooleanField(
        label="Subject to a criminal justice order or requirement", required=False
    )
    subject_to_secure_order = forms.BooleanField(label="Subject to a secure order", required=False)
    liable_to_arrest = forms.BooleanField(label="Liable to arrest", required=False)
    # For the DfE's SSDA903 return (R-DAT-04): children's services record them.
    upn = _text(
        "Unique pupil number (UPN)",
        max_length=13,
        help_text="13 characters, like A123456789012; or UN1 to UN5, the DfE's codes for why "
        "it is not known",
    )
    is_mother = forms.TypedChoiceField(
        label="Is she a mother?",
        choices=[("", "Not recorded"), ("yes", "Yes"), ("no", "No")],
        coerce=lambda v: {"yes": True, "no": False}.get(v),
        empty_value=None,
        required=False,
        widget=forms.RadioSelect,
        help_text="For a girl or young woman looked after",
        error_messages={"invalid_choice": "Choose yes, no or not recorded"},
    )
    first_child_born_on = DateField(
        label="Date of birth of her first child", help_text="Only if she is a mother"
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        mother = self.initial.get("is_mother")
        if isinstance(mother, bool):  # the record's value, as the radios name it
            self.initial["is_mother"] = "yes" if mother else "no"

    def details(self) -> PersonDetails:
        d = self.cleaned_data
        return PersonDetails(
            given_name=d["given_name"],
            family_name=d["family_name"],
            date_of_birth=d["date_of_birth"],
            estimated_age=d["estimated_age"],
            sex=d["sex"],
            ethnicity=d["ethnicity"],
            phone=d["phone"],
            la_child_id=d["la_child_id"],
            police_person_id=d["police_person_id"],
            home_address=d["home_address"],
            home_postcode=d["home_postcode"],
            home_authority=d["home_authority"],
            care_status=d["care_status"],
            legal_status=d["legal_status"],
            subject_to_cj_order=d["subject_to_cj_order"],
            subject_to_secure_order=d["subject_to_secure_order"],
            liable_to_arrest=d["liable_to_arrest"],
            upn=d["upn"],
            is_mother=d["is_mother"],
            first_child_born_on=d["first_child_born_on"],
        )


class PersonEditForm(PersonForm):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class AliasForm(forms.Form):
    name = _text("Alias", required=True, max_length=200)
    kind = _choice(
        "Kind of alias",
        AliasKind.choices,
        widget=forms.RadioSelect,
        initial=AliasKind.ALSO_KNOWN_AS,
    )


class FlagRaiseForm(forms.Form):
    kind = _choice("Flag or marker", FlagKind.choices, widget=forms.RadioSelect)
    evidence = _text(
        "Evidence",
        required=True,
        max_length=4000,
        widget=forms.Textarea,
        help_text="What is known and where it comes from",
    )
    review_on = DateField(label="Review date", required=True, help_text="For example, 1 9 2026")


class FlagEndForm(forms.Form):
    reason = _text(
        "Reason for ending the flag", required=True, max_length=4000, widget=forms.Textarea
    )


class PlacementReturnFields(forms.Form):
    """What the DfE's SSDA903 return needs of a placement (R-DAT-04; docs/insights.md)."""

    # For the DfE's SSDA903 return (R-DAT-04; docs/insights.md).
    legal_status = _choice(
        "Legal status",
        [("", "Not recorded"), *PlacementLegalStatus.choices],
        required=False,
        help_text="For the DfE's return: the legal status under which the child is placed",
    )
    category_of_need = _choice(
        "Category of need",
        [("", "Not recorded"), *CategoryOfNeed.choices],
        required=False,
        help_text="For the DfE's return: the main reason the child is looked after. On a later "
        "placement of the same period of care, leave it to keep the one recorded before",
    )
    dfe_placement_type = _choice(
        "DfE placement type",
        [("", "Work it out from the type of placement"), *DfePlacementType.choices],
        required=False,
        help_text="For the DfE's return. Misper works it out for a children's home (K2), a "
        "secure unit (K1) and semi-independent accommodation (K3); choose it for foster and "
        "other placements",
    )
    provided_by = _choice(
        "Who provides the placement",
        [("", "Not recorded"), *PlacementProvider.choices],
        required=False,
        help_text="For the DfE's return",
    )
    ofsted_urn = _text(
        "Ofsted unique reference number (URN)",
        max_length=8,
        help_text="For the DfE's return: of the children's home, fostering service or "
        "supported accommodation, like SC123456",
    )
    change_reason = _choice(
        "Why the child left their previous placement",
        [("", "Not recorded"), *PlacementChangeReason.choices],
        required=False,
        help_text="For the DfE's return. Leave it for the child's first placement",
    )
    home_postcode = _text(
        "Postcode of the child's home before they were looked after",
        max_length=10,
        help_text="For the DfE's return: asked when the child becomes looked after; on a later "
        "placement of the same period of care, leave it to keep the one recorded before",
    )

    @staticmethod
    def details_from(d: dict[str, Any]) -> PlacementReturnDetails:
        """What the DfE's return needs of the placement, from the cleaned data."""
        return PlacementReturnDetails(
            legal_status=d["legal_status"],
            category_of_need=d["category_of_need"],
            dfe_placement_type=d["dfe_placement_type"],
            provided_by=d["provided_by"],
            ofsted_urn=d["ofsted_urn"],
            change_reason=d["change_reason"],
            home_postcode=d["home_postcode"],
        )


# The placement's own fields first, then those for the DfE's return.
PLACEMENT_FIELDS = (
    "placement_type",
    "provider",
    "address",
    "postcode",
    "placing_authority",
    "host_authority",
    "started_on",
    "emergency",
)


class PlacementForm(PlacementReturnFields):
    field_order = list(PLACEMENT_FIELDS)

    placement_type = _choice("Type of placement", PlacementType.choices, widget=forms.RadioSelect)
    provider = forms.ModelChoiceField(
        label="Care provider",
        queryset=care_providers(),
        required=False,
        empty_label="Not listed",
        error_messages={"invalid_choice": "Choose a care provider from the list"},
    )
    address = _text("Address", required=True, max_length=300)
    postcode = _text("Postcode", max_length=10)
    placing_authority = _authority(
        "Placing authority",
        required=True,
        empty_label="Choose the placing authority",
        help_text="Your own authority: the authority that places the child records the placement",
    )
    host_authority = _authority(
        "Host authority",
        required=False,
        empty_label="Work it out from the postcode",
        help_text="The authority whose area the placement is in. Its children's services, and "
        "the care provider's carers, will see this child's record. Leave it for Misper to work "
        "out from the postcode; choose it only when there is no postcode",
    )
    started_on = DateField(label="Start date", required=True, help_text="For example, 27 3 2026")
    emergency = forms.BooleanField(label="Emergency placement", required=False)


class PlacementReturnForm(PlacementReturnFields):
    """The DfE's details of a placement already recorded."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class AssociateForm(forms.Form):
    name = _text("Name", required=True, max_length=200)
    relationship = _text("Relationship to the child", max_length=100)
    is_adult = forms.TypedChoiceField(
        label="Is this person an adult?",
        choices=[("yes", "Yes"), ("no", "No"), ("unknown", "Not known")],
        coerce=lambda v: {"yes": True, "no": False}.get(v),
        empty_value=None,
        required=False,
        initial="unknown",
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": "Choose yes, no or not known"},
    )
    notes = _text("Notes", max_length=4000, widget=forms.Textarea)
    last_seen_on = DateField(label="Last seen together", help_text="For example, 27 3 2026")


class PlaceForm(forms.Form):
    description = _text("Place", required=True, max_length=300)
    postcode = _text("Postcode", max_length=10)
    last_seen_on = DateField(label="Last seen there", help_text="For example, 27 3 2026")


class OrganisationChoiceField(forms.ModelChoiceField):
    """An organisation, shown with its kind ("Harbour (Local authority children's
    services)")."""

    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.name} ({obj.get_kind_display()})"


class ShareForm(forms.Form):
    organisation = OrganisationChoiceField(
        label="Organisation to share the record with",
        queryset=share_recipients(),
        empty_label="Choose a local authority or care provider",
        help_text="Its children's services or carers will see this child's record as your "
        "authority's staff do, until you end the share.",
        error_messages={
            "required": "Choose the organisation to share the record with",
            "invalid_choice": "Choose an organisation from the list",
        },
    )
    reason = _text(
        "Reason for sharing",
        required=True,
        max_length=4000,
        widget=forms.Textarea,
        help_text="For example, the child is moving to their area. This goes in the audit log.",
    )


class ShareEndForm(forms.Form):
    reason = _text(
        "Reason for ending the share", required=True, max_length=4000, widget=forms.Textarea
    )


class FlagRequestDecisionForm(forms.Form):
    """A coordinator's answer to a request to flag the child (R-FLG-02)."""

    decision = _choice(
        "Do you place the flag?",
        [("accept", "Yes: place the flag"), ("decline", "No: decline the request")],
        widget=forms.RadioSelect,
    )
    decision.error_messages["required"] = "Choose whether to place the flag or decline"
    review_on = DateField(
        label="Review date",
        help_text="When the flag must be reviewed: within the next 12 months. For example, "
        "1 9 2026",
    )
    reason = _text(
        "Reason",
        max_length=4000,
        widget=forms.Textarea,
        help_text="Needed to decline the request",
    )


class WorkerField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.full_name or obj.email} ({', '.join(obj.role_labels)})"


class AllocationForm(forms.Form):
    """A team manager allocates a social worker or an IRO of the child's responsible
    authority (services.allocation_set)."""

    role = _choice(
        "Allocate as",
        [(Role.SOCIAL_WORKER, "Social worker"), (Role.IRO, "Independent reviewing officer (IRO)")],
        widget=forms.RadioSelect,
    )
    role.error_messages["required"] = "Choose social worker or IRO"
    user = WorkerField(
        label="Worker",
        queryset=User.objects.none(),
        empty_label="Choose a worker",
        error_messages={
            "required": "Choose the worker",
            "invalid_choice": "Choose a worker of the child's authority from the list",
        },
    )

    def __init__(self, *args: Any, workers: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["user"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = workers


class AllocationEndForm(forms.Form):
    reason = _text(
        "Reason for ending the allocation", required=True, max_length=4000, widget=forms.Textarea
    )

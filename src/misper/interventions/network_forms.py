"""Forms for the network's pages (network_views.py): an adult's details, linking a child's
associate to an adult, and a place recorded as a certified refuge (R-HRB-07). They check
the shape of what was typed; the services in people/network.py check the rest, and the
views put the services' errors back on the fields of the same name."""

from __future__ import annotations

from typing import Any

from django import forms

from misper.episodes.forms import choice, text, version_field
from misper.people.forms import DateField
from misper.people.models import LocationKind
from misper.people.network import AdultDetails

NO_ADULT = "none"  # the link page's choice: "not linked to any adult"


class AdultForm(forms.Form):
    """An adult linked to children who go missing. ``associate`` (hidden) is the child's
    associate this adult is, when the form was opened from the link page."""

    name = text("Full name", max_length=200, required=True)
    date_of_birth = DateField(label="Date of birth", help_text="If known. For example, 27 3 1990")
    address = text("Address", max_length=300, help_text="If known: where they live")
    postcode = text("Postcode", max_length=10, help_text="The whole postcode, for example WR1 2HQ")
    description = text(
        "Description",
        max_length=5000,
        area=True,
        help_text="What they look like, what they are known for, vehicles: what helps "
        "someone recognise them",
    )
    associate = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)

    def details(self) -> AdultDetails:
        d = self.cleaned_data
        return AdultDetails(
            name=d["name"],
            date_of_birth=d.get("date_of_birth"),
            description=d.get("description") or "",
            address=d.get("address") or "",
            postcode=d.get("postcode") or "",
        )


class AdultChangeForm(AdultForm):
    version = version_field()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        del self.fields["associate"]


class LinkForm(forms.Form):
    """Which adult a child's associate is: an adult's id, or ``none``. The page draws the
    choices (the adults found for the name); the service decides whether the user may see
    the adult chosen."""

    adult = forms.CharField(
        label="Which adult is this associate?",
        max_length=12,
        error_messages={"required": "Choose the adult this associate is"},
    )

    def clean_adult(self) -> int | None:
        value = str(self.cleaned_data["adult"]).strip()
        if value == NO_ADULT:
            return None
        if not value.isdigit() or not 1 <= int(value) <= 2_147_483_647:
            raise forms.ValidationError("Choose the adult this associate is")
        return int(value)


class RefugeForm(forms.Form):
    """A place recorded as a refuge certified under section 51 of the Children Act 1989,
    or as an ordinary place again (R-HRB-07)."""

    kind = choice("What this place is", LocationKind.choices)
    refuge_reference = text(
        "Certificate reference",
        max_length=100,
        help_text="Needed for a certified refuge: the reference of its certificate under "
        "section 51 of the Children Act 1989",
    )
    version = version_field()

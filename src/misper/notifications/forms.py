"""Forms of the inbox and of the administrators' delivery pages."""

from __future__ import annotations

from collections.abc import Sequence
from typing import cast

from django import forms
from django.http import QueryDict

from misper.agencies.models import Organisation
from misper.notifications.models import FlagPlacement


class InboxFilterForm(forms.Form):
    show = forms.ChoiceField(
        label="Show",
        choices=[
            ("all", "All messages"),
            ("unread", "Unread"),
            ("unacknowledged", "Not acknowledged"),
            ("acknowledged", "Acknowledged"),
        ],
        required=False,
        widget=forms.Select,
    )
    rule = forms.ChoiceField(label="Rule", required=False, choices=[("", "Any rule")])

    def __init__(self, data: QueryDict | None = None, *, rules: Sequence[str] = ()) -> None:
        super().__init__(data)
        rule = cast(forms.ChoiceField, self.fields["rule"])
        rule.choices = [("", "Any rule"), *((r, r) for r in rules)]


class WebhookEndpointForm(forms.Form):
    organisation = forms.ModelChoiceField(
        label="Organisation", queryset=Organisation.objects.order_by("name"), empty_label=""
    )
    url = forms.CharField(
        label="Web address",
        max_length=500,
        help_text="Where Misper POSTs this organisation's messages, for example "
        "https://example.gov.uk/misper-webhook",
    )


class ArrangementForm(forms.Form):
    from_org = forms.ModelChoiceField(
        label="Organisation whose events are shared",
        queryset=Organisation.objects.order_by("name"),
        error_messages={"required": "Choose the organisation whose events are shared"},
    )
    to_org = forms.ModelChoiceField(
        label="Organisation that is told",
        queryset=Organisation.objects.order_by("name"),
        error_messages={"required": "Choose the organisation that is told"},
    )
    channels = forms.MultipleChoiceField(
        label="Channels besides the Misper inbox",
        choices=[("email", "Email"), ("webhook", "Webhook")],
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    flag_placement = forms.ChoiceField(
        label="How children's services flag children",
        choices=FlagPlacement.choices,
        required=False,
        initial=FlagPlacement.REQUEST,
        widget=forms.RadioSelect,
        help_text="From a local authority to a police force only (R-FLG-01). Without an "
        "arrangement, children's services ask the police to place flags.",
        error_messages={"invalid_choice": "Choose how children's services flag children"},
    )
    note = forms.CharField(label="Note (optional)", max_length=300, required=False)
    active = forms.BooleanField(label="Active", required=False, initial=True)

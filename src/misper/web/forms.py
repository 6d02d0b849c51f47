from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings


class ApiTokenForm(forms.Form):
    name = forms.CharField(
        label="Name of the token",
        max_length=100,
        help_text="Say what will use it, for example 'Force integration test'.",
        error_messages={
            "required": "Enter a name for the token",
            "max_length": "Token name must be 100 characters or fewer",
        },
    )
    days = forms.IntegerField(
        label="How long should it last?",
        min_value=1,
        max_value=365,
        help_text="Between 1 and 365 days",
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
        error_messages={
            "required": "Enter how many days the token should last",
            "invalid": "The number of days must be a whole number, like 30",
            "min_value": "The number of days must be between 1 and 365",
            "max_value": "The number of days must be between 1 and 365",
        },
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["days"].initial = settings.MISPER_API_TOKEN_DAYS

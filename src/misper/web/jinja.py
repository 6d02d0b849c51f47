"""The Jinja2 environment: GOV.UK Frontend macros, Django's url and static helpers, and
UK time formatting (stored in UTC, shown in Europe/London)."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.messages import get_messages
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone
from jinja2 import ChoiceLoader, Environment, PackageLoader, PrefixLoader

from misper.core.events import label as verb_label
from misper.episodes import words
from misper.policy.calendar import LONDON  # one statement of UK local time


def url(name: str, *args: Any, **kwargs: Any) -> str:
    return reverse(name, args=args or None, kwargs=kwargs or None)


def uk_datetime(value: datetime | None, fmt: str = "%-d %B %Y at %H:%M") -> str:
    """'3 March 2026 at 14:05' in UK local time; '' for None."""
    if value is None:
        return ""
    if timezone.is_naive(value):
        value = timezone.make_aware(value, ZoneInfo("UTC"))
    return value.astimezone(LONDON).strftime(fmt)


def uk_date(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return uk_datetime(value, "%-d %B %Y")
    return value.strftime("%-d %B %Y")


def environment(**options: Any) -> Environment:
    loader = options.pop("loader")
    options["loader"] = ChoiceLoader(
        [
            loader,
            PrefixLoader({"govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja")}),
        ]
    )
    options.setdefault("extensions", [])
    options["extensions"] = [*options["extensions"], "jinja2.ext.do"]
    env = Environment(**options)  # noqa: S701 - autoescape is set in settings
    env.globals.update(
        {
            "url": url,
            "static": static,
            "get_messages": get_messages,
            "settings": {
                "DEMO": settings.DEMO,
                "SERVICE_NAME": settings.MISPER_SERVICE_NAME,
                "PHASE": settings.MISPER_PHASE,
            },
        }
    )
    env.filters["uk_datetime"] = uk_datetime
    env.filters["uk_date"] = uk_date
    env.filters["verb_label"] = verb_label
    env.filters["duty_label"] = words.duty
    env.filters["plain"] = words.plain
    env.filters["deadline_label"] = words.deadline
    env.filters["trigger_label"] = words.trigger
    env.filters["category_label"] = lambda c: words.CATEGORIES.get(c or "", c or "")
    env.filters["risk_label"] = lambda r: words.RISKS.get(r or "", "Not graded")
    return env

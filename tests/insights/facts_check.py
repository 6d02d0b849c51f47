"""A check any test can make after the services write: the reports' summary tables
(insights/facts.py), once refreshed, are exactly what deriving every child from scratch
gives, so no service changed what the reports count without marking it."""

from __future__ import annotations

from django.forms.models import model_to_dict

from misper.core.models import ChangedSubject
from misper.insights import facts
from misper.insights.models import EpisodeFact, ReferralFact
from misper.people.models import Person


def rows(items: object) -> dict[int, dict[str, object]]:
    return {f.pk: model_to_dict(f) for f in items}  # type: ignore[attr-defined]


def assert_summary_current() -> dict[int, dict[str, object]]:
    """Refresh as a report does, then compare with a derivation of every child; returns
    the rows by episode."""
    facts.refresh_all()
    assert not ChangedSubject.objects.exists()
    people = list(Person.objects.values_list("pk", flat=True))
    stored = rows(EpisodeFact.objects.all())
    assert stored == rows(facts._facts(people))
    assert rows(ReferralFact.objects.all()) == rows(facts._referral_facts(people))
    return stored

"""Making a found child's return-interview referral, and taking it through the provider's
steps, the way people would (through the services). Shared by the returns tests and the
access matrix's world."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from misper.episodes.services import episode_found, episode_report
from misper.episodes.services.record import FoundInput
from misper.returns import services
from misper.returns.models import Referral
from tests.episodes.conftest import answers, report


def found_child(
    *,
    police: Any,
    person: Any,
    found_at: datetime,
    reported_at: datetime | None = None,
    category: str = "missing",
    **found: Any,
) -> Referral | None:
    """A report of the child as missing two hours before ``found_at``, graded medium, then
    found at ``found_at`` by ``police``; the referral the returns app made (None if none)."""
    reported_at = reported_at or found_at - timedelta(hours=2)
    ep = episode_report(
        actor=police,
        person_id=person.pk,
        report=report(
            reported_at=reported_at,
            last_seen_at=reported_at - timedelta(hours=1),
            last_contact_at=None,
            answers=answers(out_of_character="yes"),
        ),
        category=category,
        risk="medium" if category == "missing" else None,
        rationale="out of character",
        now=reported_at,
    )
    ep = episode_found(
        actor=police,
        episode_id=ep.pk,
        version=ep.version,
        found=FoundInput(
            found_at=found_at,
            found_where=found.pop("found_where", "Bus station"),
            found_by=found.pop("found_by", "PC Shah"),
            condition=found.pop("condition", "Cold, unhurt"),
            safe_and_well="done",
            **found,
        ),
        now=found_at + timedelta(minutes=10),
    )
    return Referral.objects.filter(episode=ep).first()


RED = {
    "associates_recorded": True,
    "places_recorded": True,
    "substance_misuse": None,
    "domestic_violence": None,
    "learning_difficulty": None,
    "troubled_family": None,
    "cse_indicators": True,
}


def triage(
    worker: Any, referral: Referral, facts: dict[str, Any], rag: str, why: str = ""
) -> Referral:
    return services.referral_triage(
        actor=worker,
        referral_id=referral.pk,
        version=referral.version,
        facts=facts,
        rag=rag,
        rationale=why,
    )


def interviewed(worker: Any, referral: Referral, *, held_at: datetime) -> Referral:
    """Triaged red, offered and interviewed at ``held_at`` by an independent worker."""
    referral = triage(worker, referral, RED, "red")
    referral = services.interview_offer(
        actor=worker, referral_id=referral.pk, version=referral.version, how="Phone call to carer"
    )
    services.interview_record(
        actor=worker,
        referral_id=referral.pk,
        version=referral.version,
        details=services.InterviewInput(
            held_at=held_at,
            interviewer_name=str(worker),
            independent=True,
            place="A café near the home",
            push_factors="Arguments at the home",
            pull_factors="An older boyfriend",
            with_whom="Jay, about 19",
            child_words="I just wanted to see him",
            cse_indicators=True,
        ),
    )
    return Referral.objects.get(pk=referral.pk)

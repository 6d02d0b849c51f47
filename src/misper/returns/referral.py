"""The referral made when a child is found (R-RHI-01/02/12/13): a handler of the episode's
typed event (episodes/events.py), in the found report's transaction.

The engine decides whether the child is offered an interview: its decision after the
found report carries the ``rhi_due`` deadline for every found missing child (C-16) and, where
the profile says so, for an absent one (R-RHI-13, ``rhi_offer_to_absent_or_nar``). The
referral takes that deadline over (the episodes app leaves ``rhi_due`` to this app), names
who is responsible and who holds the interview (routing.py), and carries the engine's first
triage from what the child's record already says (R-RHI-10), for a worker to confirm.
A restricted case is referred by nobody (R-RES-01): its owning officers act on it."""

from __future__ import annotations

from django.utils import timezone

from misper.core.timeline import timeline_record
from misper.episodes.events import Change, EpisodeChanged, on_change
from misper.notifications.services import Recipient
from misper.people.models import Person
from misper.returns import services
from misper.returns.events import ReturnsVerb
from misper.returns.models import Rag, Referral
from misper.returns.routing import route


def known_facts(person: Person) -> dict[str, bool | None]:
    """What the child's record already answers of the triage (R-RHI-10); the rest is not
    known until a worker asks."""
    flags = {f.kind for f in person.flags.all() if f.active}
    return {
        "associates_recorded": True if person.associates.exists() else None,
        "places_recorded": True if person.places.exists() else None,
        "substance_misuse": True if "substance_misuse" in flags else None,
        "domestic_violence": None,
        "learning_difficulty": None,
        "troubled_family": None,
        "cse_indicators": True if "cse" in flags else None,
    }


@on_change
def refer_when_found(event: EpisodeChanged) -> None:
    if event.change != Change.FOUND:
        return
    episode = event.episode
    due = next((d for d in event.decision.deadlines if d.kind == "rhi_due"), None)
    if due is None or episode.restricted or Referral.objects.filter(episode=episode).exists():
        return
    found = episode.found
    person = episode.person
    where = route(person, timezone.localtime(found.found_at).date())
    if where is None:
        timeline_record(
            actor=None,
            subject_type="episode",
            subject_id=episode.pk,
            verb=ReturnsVerb.NOT_REFERRED,
            rule_ids=["R-RHI-12"],
        )
        return
    referral = Referral.objects.create(
        episode=episode,
        person=person,
        responsible_authority=where.responsible,
        placing_authority=where.placing,
        basis=where.basis,
        interviewer=where.interviewer,
        routing_note=where.note,
        category=episode.category,
        in_care=where.in_care,
        found_at=found.found_at,
        due=due.due,
    )
    facts = known_facts(person)
    rag, reasons, criteria = services.engine_triage(referral, facts, None, event.at)
    referral.triage_facts = facts
    referral.engine_rag = rag
    referral.engine_reasons = reasons
    referral.criteria = criteria
    referral.save()
    services.sync_clock(referral)
    changes = {
        "interviewer": where.interviewer.name,
        "responsible_authority": where.responsible.name,
        "basis": where.basis.value,
        "due": due.due.isoformat(),
        "rag": rag,
        "routing_note": where.note,
    }
    rules = ["R-RHI-01", "R-RHI-02", "R-RHI-12"] + (
        ["R-RHI-13"] if episode.category != "missing" else []
    )
    for subject_type, subject_id in (("rhi_referral", referral.pk), ("episode", episode.pk)):
        timeline_record(
            actor=None,
            subject_type=subject_type,
            subject_id=subject_id,
            verb=ReturnsVerb.REFERRED,
            changes=changes,
            rationale=where.note,
            rule_ids=rules,
        )
    services.tell(
        referral,
        rule="R-NTF-30",
        key="referred",
        title=f"Return interview referral {referral.pk} ({Rag(rag).label if rag else 'to triage'})",
        to=[Recipient(organisation=where.interviewer)],
    )
    if where.responsible != where.interviewer:
        services.tell(
            referral,
            rule="R-RHI-12",
            key="referred",
            title=f"Return interview referral {referral.pk} made to {where.interviewer}",
            to=[Recipient(organisation=where.responsible)],
        )

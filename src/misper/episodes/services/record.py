"""The case record after the call: the investigation log (every action and decision, with
whether it was recorded within the tour of duty), transfer of ownership between areas,
the found report with the safe and well check, and closure with the right code."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction

from misper.agencies.models import Organisation, OrganisationKind, User
from misper.core.deadlines import deadline_meet
from misper.core.errors import ValidationFailed
from misper.core.timeline import timeline_record
from misper.core.validation import (
    CLOCK_SKEW,
    TOUR_OF_DUTY_MAX,
    clean_free_text,
    clean_instant,
)
from misper.episodes.events import Change, EpisodeVerb
from misper.episodes.lifecycle import Act, begin, guard
from misper.episodes.models import EntryKind, Episode, FoundReport, InvestigationEntry, Transfer
from misper.episodes.policy_bridge import iso
from misper.episodes.selectors import get_episode_for_user, get_transfer_for_user
from misper.episodes.services.common import (
    OWNER,
    SUBJECT,
    action,
    after_change,
    ask,
    bump,
    now_or,
    refusal,
    rule_ids,
    store,
    text,
)
from misper.episodes.services.report import policy_role
from misper.people.models import LinkSource
from misper.people.network import place_link_note
from misper.policy.calendar import local_date
from misper.policy.profiles import load_profile

CONSENT = ("given", "refused", "not_obtainable")
# What a media decision records (R-MED-01), and nothing else.
DETAIL_KEYS = ("publicity", "family_consulted", "consent", "proportionality_rationale")


def _details(details: dict | None) -> dict:
    """An entry's details, each checked: yes/no answers are booleans, the consent is one of
    CONSENT, the proportionality rationale is free text; an unknown key is refused."""
    given = dict(details or {})
    unknown = sorted(str(k) for k in set(given) - set(DETAIL_KEYS))
    if unknown:
        raise ValidationFailed(f"Unknown detail {unknown[0]!r}", field="details")
    out: dict = {}
    for key in ("publicity", "family_consulted"):
        if key in given:
            if given[key] is not None and not isinstance(given[key], bool):
                raise ValidationFailed("Answer yes or no", field=key)
            out[key] = given[key]
    if "consent" in given:
        consent = given["consent"] or None
        if consent is not None and consent not in CONSENT:
            raise ValidationFailed(
                "Choose the family's consent: given, refused or not obtainable", field="consent"
            )
        out["consent"] = consent
    if "proportionality_rationale" in given:
        out["proportionality_rationale"] = clean_free_text(
            given["proportionality_rationale"], "proportionality_rationale"
        )
    return out


def episode_log(
    *,
    actor: User,
    episode_id: int,
    kind: str,
    text_: str,
    action_at: datetime | None = None,
    tour_end: datetime | None = None,
    details: dict | None = None,
    now: datetime | None = None,
) -> InvestigationEntry:
    """Record an action or decision on the case (R-REC-06). ``tour_end`` is the end of the
    officer's tour of duty in which it was done (default: the profile's tour length after
    the action); the entry shows whether it was recorded by then (R-REC-07/08).

    A media decision records whether the family was consulted and consented, and without
    consent the Human Rights Act proportionality rationale; publicity without consulting
    the family is refused (R-MED-01)."""
    now = now_or(now)
    if kind not in EntryKind.values:
        raise ValidationFailed("Choose what kind of entry this is", field="kind")
    body = clean_free_text(text_, "text", required=True)
    action_at = action_at or now
    clean_instant(
        action_at,
        "action_at",
        latest=now + CLOCK_SKEW,
        too_late="An action cannot be recorded before it happens",
    )
    clean_instant(tour_end, "tour_end")
    details = _details(details)
    if kind == EntryKind.MEDIA_DECISION:
        if details.get("publicity") and not details.get("family_consulted"):
            raise ValidationFailed(
                "Consult the family before using publicity (R-MED-01)", field="family_consulted"
            )
        consent = details.get("consent")
        if details.get("publicity") and consent not in CONSENT:
            raise ValidationFailed("Record the family's consent", field="consent")
        if (
            details.get("publicity")
            and consent != "given"
            and not (details.get("proportionality_rationale") or "").strip()
        ):
            raise ValidationFailed(
                "Without the family's consent, record why publicity is proportionate and in "
                "the child's best interest (R-MED-01)",
                field="proportionality_rationale",
            )
    with transaction.atomic():
        episode = begin(actor, episode_id, Act.LOG, None)
        profile = load_profile(episode.profile_id)
        hours = int(profile.get("default_tour_hours") or 10)
        if action_at < episode.last_seen_at:
            raise ValidationFailed(
                "The action cannot be before the child was last seen", field="action_at"
            )
        tour_end = tour_end or action_at + timedelta(hours=hours)
        if tour_end < action_at:
            raise ValidationFailed("The tour ends before the action", field="tour_end")
        clean_instant(
            tour_end,
            "tour_end",
            latest=action_at + TOUR_OF_DUTY_MAX,
            too_late="The tour of duty must end within 24 hours of the action",
        )
        role = policy_role(actor)
        entry = InvestigationEntry.objects.create(
            episode=episode,
            kind=kind,
            text=body,
            details=details,
            action_at=action_at,
            recorded_at=now,
            tour_end=tour_end,
            by=actor,
            by_role=role,
        )
        bump(episode)
        episode.save(update_fields=["version"])
        if kind == EntryKind.CALLBACK:
            deadline_meet(
                owner=OWNER,
                subject=episode,
                kind="callback",
                reason=f"call-back logged (entry {entry.pk})",
            )
        timeline_record(
            actor=actor,
            role=role,
            subject_type=SUBJECT,
            subject_id=episode.pk,
            verb=EpisodeVerb.INVESTIGATION_ENTRY,
            changes={"kind": kind, "within_tour": entry.within_tour, **details},
            rationale=body,
            rule_ids=["R-REC-06", "R-REC-07"]
            + (["R-MED-01"] if kind == EntryKind.MEDIA_DECISION else []),
        )
    return entry


def transfer_propose(
    *,
    actor: User,
    episode_id: int,
    to_area: Organisation,
    reason: str,
    bulk_of_enquiries: bool = False,
    now: datetime | None = None,
) -> Transfer:
    """Propose passing the case to another area or force; the owner stays responsible
    until the receiver accepts (R-OWN-03..06)."""
    now = now_or(now)
    reason = clean_free_text(reason, "reason", required=True)
    if to_area.kind != OrganisationKind.POLICING_AREA:
        raise ValidationFailed("Choose a local policing area", field="to_area")
    with transaction.atomic():
        episode = begin(actor, episode_id, Act.PROPOSE_TRANSFER, None)
        if to_area.pk == episode.owning_area_id:
            raise ValidationFailed("The case is already owned by that area", field="to_area")
        if episode.transfers.filter(accepted__isnull=True).exists():
            raise ValidationFailed("A transfer is already waiting for an answer", field="to_area")
        transfer = Transfer.objects.create(
            episode=episode,
            from_area=episode.owning_area,
            to_area=to_area,
            reason=reason,
            bulk_of_enquiries=bulk_of_enquiries,
            proposed_at=now,
            proposed_by=actor,
        )
        timeline_record(
            actor=actor,
            role=policy_role(actor),
            subject_type=SUBJECT,
            subject_id=episode.pk,
            verb=EpisodeVerb.TRANSFER_PROPOSED,
            changes={
                "from": episode.owning_area.name,
                "to": to_area.name,
                "bulk_of_enquiries": bulk_of_enquiries,
            },
            rationale=reason,
            rule_ids=["R-OWN-03", "R-OWN-05"],
        )
    return transfer


def transfer_decide(
    *,
    actor: User,
    transfer_id: int,
    accept: bool,
    reason: str = "",
    now: datetime | None = None,
) -> Transfer:
    """The receiving area accepts or declines. An area with the bulk of the enquiries
    may not decline (R-OWN-04)."""
    now = now_or(now)
    with transaction.atomic():
        transfer = get_transfer_for_user(actor, transfer_id, decide=True, for_update=True)
        episode = get_episode_for_user(
            actor, transfer.episode_id, purpose="decide a transfer", for_update=True
        ).episode
        guard(episode, Act.DECIDE_TRANSFER)
        reason = clean_free_text(reason, "reason", required=not accept)
        if transfer.accepted is not None:
            raise ValidationFailed("This transfer has been decided", field="accept")
        if not accept and transfer.bulk_of_enquiries:
            raise ValidationFailed(
                "The area where the bulk of the enquiries are must accept (R-OWN-04)",
                field="accept",
            )
        transfer.accepted = accept
        transfer.decided_at = now
        transfer.decided_by = actor
        transfer.save(update_fields=["accepted", "decided_at", "decided_by"])
        old = episode.owning_area
        if accept:
            # Ownership, and with it who works on the case, passes to the receiving area
            # and its force (R-OWN-03): another force's acceptance hands the case over.
            episode.owning_area = transfer.to_area
            episode.force = transfer.to_area.force or episode.force
        bump(episode)
        episode.save(update_fields=["owning_area", "force", "version"])
        if accept:
            after_change(episode, now, change=Change.TRANSFERRED, change_id=transfer.pk)
        timeline_record(
            actor=actor,
            role=policy_role(actor),
            subject_type=SUBJECT,
            subject_id=episode.pk,
            verb=EpisodeVerb.TRANSFER_ACCEPTED if accept else EpisodeVerb.TRANSFER_DECLINED,
            changes={"owner": {"from": old.name, "to": episode.owning_area.name}},
            rationale=reason,
            rule_ids=["R-OWN-02", "R-OWN-03", "R-OWN-04"],
        )
    return transfer


@dataclass(frozen=True)
class FoundInput:
    found_at: datetime
    found_where: str
    found_by: str
    condition: str
    safe_and_well: str  # done | not_done
    returned_at: datetime | None = None
    found_postcode: str = ""
    disclosures: str = ""
    safe_and_well_rationale: str = ""
    harmed: bool = False
    criminal_activity: bool = False
    risky_contacts: bool = False


def episode_found(
    *, actor: User, episode_id: int, version: int, found: FoundInput, now: datetime | None = None
) -> Episode:
    """The found report and the safe and well check, or the recorded decision not to do
    one (R-FND-01..08). Opens the return-interview deadline (R-RHI-01, C-08, C-16)."""
    now = now_or(now)
    if found.safe_and_well not in ("done", "not_done"):
        raise ValidationFailed(
            "Say whether the safe and well check was done", field="safe_and_well"
        )
    clean_instant(
        found.found_at,
        "found_at",
        required=True,
        latest=now + CLOCK_SKEW,
        too_late="The found time cannot be in the future",
    )
    clean_instant(
        found.returned_at,
        "returned_at",
        latest=now + CLOCK_SKEW,
        too_late="The return time cannot be in the future",
    )
    if found.returned_at is not None and found.returned_at < found.found_at:
        raise ValidationFailed("The child cannot return before being found", field="returned_at")
    values = {
        "found_where": text(found.found_where, "found_where", required=True, max_len=300),
        "found_postcode": text(found.found_postcode, "found_postcode", max_len=10).upper(),
        "found_by": text(found.found_by, "found_by", required=True, max_len=200),
        "condition": clean_free_text(found.condition, "condition", required=True),
        "disclosures": clean_free_text(found.disclosures, "disclosures"),
        "safe_and_well_rationale": clean_free_text(
            found.safe_and_well_rationale, "safe_and_well_rationale"
        ),
    }
    with transaction.atomic():
        episode = begin(actor, episode_id, Act.RECORD_FOUND, version)
        if found.found_at < episode.last_seen_at:
            raise ValidationFailed(
                "The child cannot be found before they were last seen", field="found_at"
            )
        if hasattr(episode, "found"):
            raise ValidationFailed("This episode already has a found report", field="found_at")
        role = policy_role(actor)
        decision = ask(
            episode,
            action(
                "record_found",
                now,
                role,
                found_at=found.found_at,
                returned_at=found.returned_at,
                safe_and_well=found.safe_and_well,
                safe_and_well_rationale=values["safe_and_well_rationale"],
                with_persons=[],
                harmed=found.harmed,
                criminal_activity=found.criminal_activity,
                risky_contacts=found.risky_contacts,
            ),
            now,
        )
        if not decision.allowed:
            raise refusal(decision, "safe_and_well")
        found_report = FoundReport.objects.create(
            episode=episode,
            found_at=found.found_at,
            returned_at=found.returned_at,
            harmed=found.harmed,
            criminal_activity=found.criminal_activity,
            risky_contacts=found.risky_contacts,
            safe_and_well=found.safe_and_well,
            recorded_by=actor,
            recorded_at=now,
            **values,
        )
        place_link_note(
            person=episode.person,
            postcode=found_report.found_postcode,
            description=found_report.found_where,
            source=LinkSource.FOUND,
            source_id=found_report.pk,
            on=local_date(found_report.found_at),
            episode_id=episode.pk,
            at=found_report.found_at,
        )
        store(episode, decision)
        episode.awaiting_supervisor = False
        bump(episode)
        episode.save()
        episode = Episode.objects.select_related(
            "found", "person", "establishment", "owning_area", "owning_area__parent", "force"
        ).get(pk=episode.pk)
        after_change(episode, now, change=Change.FOUND, change_id="found", decision=decision)
        timeline_record(
            actor=actor,
            role=role,
            subject_type=SUBJECT,
            subject_id=episode.pk,
            verb=EpisodeVerb.FOUND_RECORDED,
            changes={
                "found_at": iso(found.found_at),
                "safe_and_well": found.safe_and_well,
                "rhi_criteria": list(decision.rhi_criteria or []),
            },
            rationale=values["safe_and_well_rationale"],
            rule_ids=rule_ids(decision),
        )
    return episode


def episode_close(
    *, actor: User, episode_id: int, version: int, now: datetime | None = None
) -> Episode:
    """Close the episode with the closure code its category requires: an absent log as
    'Missing – unauthorised absence', a missing case as 'Missing Person' (R-REC-04). The
    code is derived, never chosen."""
    now = now_or(now)
    with transaction.atomic():
        episode = begin(actor, episode_id, Act.CLOSE, version)
        profile = load_profile(episode.profile_id)
        code = str(profile.values.get(f"closure_codes.{episode.category}") or "")
        role = policy_role(actor)
        decision = ask(episode, action("close", now, role, closure_code=code), now)
        if not decision.allowed:
            raise refusal(decision, "version")
        store(episode, decision)
        episode.closed_at = now
        episode.awaiting_supervisor = False
        bump(episode)
        episode.save()
        after_change(episode, now, change=Change.CLOSED, change_id="closed", decision=decision)
        timeline_record(
            actor=actor,
            role=role,
            subject_type=SUBJECT,
            subject_id=episode.pk,
            verb=EpisodeVerb.EPISODE_CLOSED,
            changes={"closure_code": code},
            rule_ids=rule_ids(decision),
        )
    return episode

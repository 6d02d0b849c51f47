"""The CSE screening of a missing child (R-CSE-01, R-TRG-08): "All missing children will be
screened for CSE and local pathways will be in place to ensure that they receive the
appropriate single or multi-agency response."

One screening per missing episode, recorded and then changed in place under its own
``version`` (0 for the first record), each change on the case's timeline with the old and
new values. The outcome routes the case down the local pathway: to the force's CSE
coordinators (R-CSE-10), or to the MASE meeting of the child's responsible authority
(R-CSE-03) and the coordinators. The sources are SILENT on the screening tool and on a
deadline: Misper records no deadline, and shows a missing case without a screening as
"not recorded" on the case page and the case lists."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction

from misper.agencies.models import Organisation, User
from misper.agencies.roles import OPERATIONAL_POLICE_ROLES, Role
from misper.core.errors import ConcurrentEdit, ValidationFailed, WrongState
from misper.core.timeline import timeline_record
from misper.core.validation import clean_free_text
from misper.episodes.codes import Category
from misper.episodes.events import CseScreened, EpisodeVerb, emit_cse
from misper.episodes.lifecycle import Act, begin
from misper.episodes.models import CseOutcome, CseScreening, Episode
from misper.episodes.notify import tell_owner
from misper.episodes.services.common import SUBJECT, now_or
from misper.episodes.services.report import policy_role
from misper.notifications.services import Recipient, channels_for, coordinators_of, notify

RULES = ["R-CSE-01", "R-TRG-08"]
# The outcomes that go down a local pathway, and the words of the message's title (which
# names no child: the case number only).
ROUTED = {
    CseOutcome.CSE_COORDINATOR: "CSE screening: case {id} referred to the CSE coordinator",
    CseOutcome.MASE: "CSE screening: case {id} referred to the MASE meeting",
}


def screening_due(episode: Episode) -> bool:
    """A missing episode without a CSE screening (R-CSE-01). No deadline: SILENT."""
    return episode.category == Category.MISSING and not hasattr(episode, "cse_screening")


def _role(actor: User) -> str:
    """The role the screening was recorded in: the policy engine's word for it, or the
    police role the engine has no word for (a CSE coordinator)."""
    role = policy_role(actor)
    if role != "other":
        return role
    held = sorted(r for r in actor.role_codes if r in OPERATIONAL_POLICE_ROLES)
    return held[0] if held else role


def _cse_coordinators(force: Organisation) -> list[Recipient]:
    """The CSE coordinators of the force and its areas; where it has none, its missing
    person coordinators, or the force itself (notifications.coordinators_of)."""
    users = User.objects.filter(
        organisation__in=[force, *force.children.all()],
        is_active=True,
        role_assignments__role=Role.CSE_COORDINATOR,
    ).distinct()
    return [Recipient(user=u) for u in users] or coordinators_of(force)


def _route(episode: Episode, screening: CseScreening) -> list[str]:
    """Tell the local pathway an outcome routes to (inside the caller's transaction), and
    say who was told. A restricted case (R-RES-01) is told only to the owning force's
    officers who may open it, with a title that says nothing."""
    if screening.outcome not in ROUTED:
        return []
    event_key = f"episode:{episode.pk}:cse_screening:{screening.pk}:{screening.version}"
    if episode.restricted:
        tell_owner(episode, rule="R-RES-01", event_key=event_key, title="")
        return ["the officers who may open this restricted case"]
    force = episode.owning_area.force or episode.force
    recipients = _cse_coordinators(force)
    told = ["the CSE coordinators of " + force.name]
    home = episode.person.home_authority
    if screening.outcome == CseOutcome.MASE and home is not None:
        recipients.append(Recipient(organisation=home, channels=channels_for(force, home)))
        told.append(home.name + " (the MASE meeting)")
    notify(
        rule="R-CSE-01",
        event_key=event_key,
        subject_type=SUBJECT,
        subject_id=episode.pk,
        title=ROUTED[CseOutcome(screening.outcome)].format(id=episode.pk),
        link=f"/episodes/{episode.pk}/",
        recipients=recipients,
    )
    return told


def episode_cse_screening(
    *,
    actor: User,
    episode_id: int,
    version: int,
    outcome: str,
    indicators: str,
    notes: str = "",
    now: datetime | None = None,
) -> CseScreening:
    """Record, or change, the CSE screening of a missing episode (R-CSE-01, R-TRG-08).

    ``version`` is the screening's: 0 for the first record, then the version read. The
    owning force's officers who work on cases and its CSE coordinators record it, while the
    case is open or the child found (episodes/lifecycle.py); an episode that is not
    missing (absent, unauthorised absence, absconder only) has none. A concern routes the
    case: to the force's CSE coordinators, and for the MASE meeting also to the child's
    responsible authority, told again only when the outcome changes."""
    now = now_or(now)
    if not isinstance(version, int) or isinstance(version, bool) or version < 0:
        raise ValidationFailed("The version must be 0 or more", field="version")
    if not outcome:
        raise ValidationFailed("Choose the outcome of the CSE screening", field="outcome")
    if outcome not in CseOutcome.values:
        raise ValidationFailed(
            f"{outcome!r} is not an outcome of the CSE screening: choose one of "
            + ", ".join(CseOutcome.values),
            field="outcome",
        )
    indicators = clean_free_text(indicators, "indicators")
    if not indicators:
        raise ValidationFailed(
            "Say what was considered: the CSE flag, the assessment, the report's answers, "
            "the return interview",
            field="indicators",
        )
    notes = clean_free_text(notes, "notes")
    with transaction.atomic():
        episode = begin(actor, episode_id, Act.CSE_SCREENING, None, purpose="CSE screening")
        if episode.category != Category.MISSING:
            raise WrongState(
                "A CSE screening is for a missing child: this case is "
                f"{episode.get_category_display().lower()} (R-CSE-01, R-TRG-08)"
            )
        current = CseScreening.objects.select_for_update().filter(episode=episode).first()
        if version != (current.version if current is not None else 0):
            raise ConcurrentEdit(
                "Someone else recorded or changed this screening after you opened it. "
                "Nothing you entered has been saved yet: check the screening as it is "
                "now, then save again.",
                field="version",
            )
        before = (
            {"outcome": current.outcome, "indicators": current.indicators, "notes": current.notes}
            if current is not None
            else {}
        )
        after = {"outcome": outcome, "indicators": indicators, "notes": notes}
        if current is not None and before == after:
            return current  # nothing changed: nothing to record, nobody to tell
        role = _role(actor)
        if current is None:
            screening = CseScreening(episode=episode, created_at=now, version=1)
        else:
            screening = current
            screening.version += 1
        screening.outcome = outcome
        screening.indicators = indicators
        screening.notes = notes
        screening.screened_at = now
        screening.screened_by = actor
        screening.by_role = role
        screening.organisation = actor.organisation
        screening.save()
        routed: list[str] = []
        if current is None or before["outcome"] != outcome:
            routed = _route(episode, screening)
            emit_cse(
                CseScreened(
                    episode=episode,
                    screening=screening,
                    before=before.get("outcome", ""),
                    actor=actor,
                    at=now,
                )
            )
        changes = {
            key: {"from": before.get(key, ""), "to": value}
            for key, value in after.items()
            if before.get(key, "") != value
        }
        timeline_record(
            actor=actor,
            role=role,
            subject_type=SUBJECT,
            subject_id=episode.pk,
            verb=(
                EpisodeVerb.CSE_SCREENING_RECORDED
                if current is None
                else EpisodeVerb.CSE_SCREENING_CHANGED
            ),
            changes={**changes, **({"routed_to": routed} if routed else {})},
            rationale=CseOutcome(outcome).label,
            rule_ids=RULES + (["R-CSE-10"] if routed else []),
            at=now,
        )
    return screening

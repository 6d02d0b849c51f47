"""The MASE list and its discussion (R-TRG-07, R-CSE-02..05).

A child with three missing episodes in three calendar months is listed for the MASE meeting
of their responsible authority (R-TRG-07, R-CSE-02): the trigger record and its
``MaseDiscussion`` are made in the same transaction (``mase_open``, called by
records.record_hit). A coordinator of the force or the authority's children's services (as
for an intervention meeting: ``Do.MEET``) sets the date of the meeting it is listed for
(``mase_list_for``) and records the discussion (``mase_record``): every item of R-CSE-04's
checklist answered yes, no or not applicable, with a note; one or more outcomes of
R-CSE-05; a diversion plan with its lead officers and timescales; "insufficient
information" with the interim action. Recording it closes the trigger with the outcomes as
its outcome, unless the information was insufficient: then the trigger stays in hand for
the interim action and the further assessment, and a coordinator closes it later.

Each service is one transaction (the trigger, then the discussion, locked in that order),
checks the version the user saw, writes its timeline events, and tells the authority and
the force's coordinators (the trigger's number and a link, nothing personal)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from misper.agencies.models import User
from misper.core.errors import ValidationFailed, WrongState
from misper.core.timeline import timeline_record
from misper.core.validation import (
    CLOCK_SKEW,
    clean_day,
    clean_free_text,
    clean_instant,
    clean_text,
    normalise_text,
)
from misper.interventions.events import InterventionsVerb
from misper.interventions.models import (
    DIVERSION_PLAN,
    ENDED,
    INSUFFICIENT_INFORMATION,
    MASE_ITEMS,
    MASE_OUTCOMES,
    Addressed,
    MaseDiscussion,
    MaseStatus,
    TriggerRecord,
    TriggerStatus,
)
from misper.interventions.selectors import Do, get_mase_for_user
from misper.interventions.services import bump, check_version, coordinators, event, tell
from misper.notifications.services import Recipient
from misper.policy.calendar import LONDON

MAX_NOTE = 1000  # a note on one item of the checklist
MAX_PLAN = 300  # the diversion plan's lead officers, its timescales
LIST_AHEAD = timedelta(days=366)  # how far ahead a MASE meeting may be


def mase_open(t: TriggerRecord) -> MaseDiscussion:
    """The child is listed for the MASE meeting of the trigger's authority (R-CSE-02): in
    the transaction that records the trigger; the date is set later."""
    return MaseDiscussion.objects.create(trigger=t, authority=t.authority)


# --- Messages (the pages' forms say the same) ---------------------------------------------------


def item_missing(key: str) -> str:
    return f"Say yes, no or not applicable for: {MASE_ITEMS[key]} (R-CSE-04)"


NO_OUTCOME = "Choose at least one outcome of the discussion (R-CSE-05)"
NO_PLAN_LEAD = "Name the lead officers of the diversion plan (R-CSE-05)"
NO_PLAN_TIMESCALE = "Give the timescales of the diversion plan (R-CSE-05)"
NO_INTERIM_ACTION = (
    "Say what interim action will be taken and what further assessment is needed (R-CSE-05)"
)


# --- Checks ---------------------------------------------------------------------------------------


def clean_items(items: Any) -> dict[str, dict[str, str]]:
    """Every item of R-CSE-04 answered yes, no or not applicable, with an optional note, in
    the checklist's order; the first item not answered is named (``items.<key>``)."""
    if items is None:
        items = {}
    if not isinstance(items, Mapping):
        raise ValidationFailed("Answer the checklist item by item (R-CSE-04)", field="items")
    unknown = sorted(str(k) for k in items if k not in MASE_ITEMS)
    if unknown:
        raise ValidationFailed(
            f"{unknown[0]!r} is not an item of the MASE checklist (R-CSE-04)",
            field="items",
            rules=("R-CSE-04",),
        )
    out: dict[str, dict[str, str]] = {}
    for key, words in MASE_ITEMS.items():
        answer = items.get(key)
        addressed = answer.get("addressed") if isinstance(answer, Mapping) else None
        if addressed not in Addressed.values:
            raise ValidationFailed(item_missing(key), field=f"items.{key}", rules=("R-CSE-04",))
        raw = answer.get("note") if isinstance(answer, Mapping) else ""
        note = normalise_text(raw if isinstance(raw, str) else "").strip()
        if len(note) > MAX_NOTE:
            raise ValidationFailed(
                f"The note on {words[0].lower()}{words[1:]} must be {MAX_NOTE} characters or fewer",
                field=f"items.{key}.note",
            )
        out[key] = {"addressed": str(addressed), "note": note}
    return out


def clean_outcomes(outcomes: Any) -> list[str]:
    """One or more outcomes of R-CSE-05, each once, in the rule's order."""
    if outcomes is None:
        outcomes = []
    if isinstance(outcomes, str) or not isinstance(outcomes, Sequence):
        raise ValidationFailed(NO_OUTCOME, field="outcomes", rules=("R-CSE-05",))
    unknown = [str(o) for o in outcomes if o not in MASE_OUTCOMES]
    if unknown:
        raise ValidationFailed(
            f"{unknown[0]!r} is not an outcome of a MASE discussion (R-CSE-05)",
            field="outcomes",
            rules=("R-CSE-05",),
        )
    chosen = [key for key in MASE_OUTCOMES if key in outcomes]
    if not chosen:
        raise ValidationFailed(NO_OUTCOME, field="outcomes", rules=("R-CSE-05",))
    return chosen


def _day(at: datetime | date) -> str:
    day = at.astimezone(LONDON).date() if isinstance(at, datetime) else at
    return day.strftime("%-d %B %Y")


def outcome_summary(d: MaseDiscussion) -> str:
    """The discussion in one paragraph, as the trigger's outcome: when, the outcomes in the
    rule's words, the diversion plan's leads and timescales, the notes."""
    assert d.discussed_at is not None
    parts = [f"Discussed at the MASE meeting on {_day(d.discussed_at)} (R-CSE-04, R-CSE-05)."]
    said = []
    for key in d.outcomes:
        words = MASE_OUTCOMES.get(key, key)
        if key == DIVERSION_PLAN:
            words += f" (lead officers: {d.plan_lead}; timescales: {d.plan_timescale})"
        said.append(words)
    parts.append("Outcomes: " + "; ".join(said) + ".")
    if d.outcome_notes:
        parts.append("Notes: " + d.outcome_notes)
    return " ".join(parts)


def _tell(t: TriggerRecord, d: MaseDiscussion, *, rule: str, key: str, title: str) -> None:
    to = coordinators(t.force)
    if d.authority is not None:
        to = [*to, Recipient(organisation=d.authority)]
    tell(t, rule=rule, key=key, title=title, to=to)


def _open_for_change(d: MaseDiscussion) -> TriggerRecord:
    t = d.trigger
    if d.status != MaseStatus.LISTED:
        raise WrongState("The child has been discussed at the MASE meeting already", field="state")
    if t.status in ENDED:
        raise WrongState("The trigger is closed", field="state")
    return t


# --- The services -------------------------------------------------------------------------------


def mase_list_for(
    *,
    actor: User,
    discussion_id: int,
    version: int,
    listed_for: date | None,
    now: datetime | None = None,
) -> MaseDiscussion:
    """The date of the MASE meeting the child is listed for (today or later, within a
    year), set or changed until the child is discussed: by a coordinator of the force or
    the authority's children's services; the authority and the coordinators are told."""
    now = now or timezone.now()
    today = now.astimezone(LONDON).date()
    clean_day(
        listed_for,
        "listed_for",
        required=True,
        earliest=today,
        latest=today + LIST_AHEAD,
        too_early="The MASE meeting cannot be in the past",
        too_late="List the child for a MASE meeting within the next year",
    )
    assert listed_for is not None
    with transaction.atomic():
        d = get_mase_for_user(
            actor, discussion_id, do=Do.MEET, purpose="list for MASE", for_update=True
        )
        check_version(version, d.version)
        t = _open_for_change(d)
        d.listed_for = listed_for
        bump(d)
        if t.status == TriggerStatus.NEW:
            t.status = TriggerStatus.IN_HAND
            bump(t)
        authority = d.authority.name if d.authority is not None else ""
        event(
            actor,
            t,
            InterventionsVerb.MASE_LISTED,
            {"listed_for": listed_for.isoformat(), "authority": authority},
            rules=["R-TRG-07", "R-CSE-02", "R-CSE-03"],
        )
        _tell(
            t,
            d,
            rule="R-CSE-02",
            key=f"mase-listed:{d.version}",
            title=f"Listed for the MASE meeting on {_day(listed_for)}: trigger {t.pk}",
        )
    return d


def mase_record(
    *,
    actor: User,
    discussion_id: int,
    version: int,
    discussed_at: datetime | None,
    items: Any,
    outcomes: Any,
    outcome_notes: str = "",
    plan_lead: str = "",
    plan_timescale: str = "",
    now: datetime | None = None,
) -> MaseDiscussion:
    """The child was discussed at the MASE meeting: the checklist item by item (R-CSE-04),
    the outcomes (R-CSE-05, one or more; a diversion plan names its lead officers and
    timescales; insufficient information says the interim action). The trigger closes with
    the outcomes as its outcome, unless the information was insufficient (it stays in
    hand). The authority and the coordinators are told."""
    now = now or timezone.now()
    answered = clean_items(items)
    chosen = clean_outcomes(outcomes)
    outcome_notes = clean_free_text(outcome_notes, "outcome_notes")
    plan_lead = clean_text(plan_lead, "plan_lead", max_len=MAX_PLAN)
    plan_timescale = clean_text(plan_timescale, "plan_timescale", max_len=MAX_PLAN)
    if DIVERSION_PLAN in chosen:
        if not plan_lead:
            raise ValidationFailed(NO_PLAN_LEAD, field="plan_lead", rules=("R-CSE-05",))
        if not plan_timescale:
            raise ValidationFailed(NO_PLAN_TIMESCALE, field="plan_timescale", rules=("R-CSE-05",))
    if INSUFFICIENT_INFORMATION in chosen and not outcome_notes:
        raise ValidationFailed(NO_INTERIM_ACTION, field="outcome_notes", rules=("R-CSE-05",))
    with transaction.atomic():
        d = get_mase_for_user(
            actor, discussion_id, do=Do.MEET, purpose="record MASE discussion", for_update=True
        )
        check_version(version, d.version)
        t = _open_for_change(d)
        clean_instant(
            discussed_at,
            "discussed_at",
            required=True,
            earliest=t.created_at - timedelta(days=1),
            latest=now + CLOCK_SKEW,
            too_early="The discussion cannot be before the child was listed",
            too_late="The discussion cannot be in the future",
        )
        assert discussed_at is not None
        d.status = MaseStatus.DISCUSSED
        d.discussed_at = discussed_at
        d.recorded_by = actor
        d.items = answered
        d.outcomes = chosen
        d.outcome_notes = outcome_notes
        d.plan_lead = plan_lead
        d.plan_timescale = plan_timescale
        bump(d)
        summary = outcome_summary(d)
        said = [a["addressed"] for a in answered.values()]
        changes = {
            "discussed_at": discussed_at.isoformat(),
            "addressed": said.count(Addressed.YES),
            "not_addressed": said.count(Addressed.NO),
            "not_applicable": said.count(Addressed.NOT_APPLICABLE),
            "outcomes": chosen,
        }
        rules = ["R-CSE-04", "R-CSE-05"]
        event(actor, t, InterventionsVerb.MASE_DISCUSSED, changes, rationale=summary, rules=rules)
        if t.person_id is not None:
            # The child's record says that and when; the checklist and the outcomes stay on
            # the trigger, for those who may see it (everyone who sees the child sees this).
            timeline_record(
                actor=actor,
                subject_type="person",
                subject_id=t.person_id,
                verb=InterventionsVerb.MASE_DISCUSSED,
                changes={"discussed_at": discussed_at.isoformat(), "trigger": t.pk},
                rule_ids=rules,
            )
        if INSUFFICIENT_INFORMATION in chosen:
            # Concerns remain: the trigger stays in hand for the interim action and the
            # further assessment; a coordinator closes it when that is done.
            if t.status == TriggerStatus.NEW:
                t.status = TriggerStatus.IN_HAND
                bump(t)
        else:
            t.status = TriggerStatus.CLOSED
            t.outcome = summary
            t.closed_at = now
            t.closed_by = actor
            bump(t)
            event(actor, t, InterventionsVerb.CLOSED, rationale=summary, rules=["R-CSE-05"])
        _tell(
            t,
            d,
            rule="R-CSE-05",
            key="mase-discussed",
            title=f"MASE discussion recorded: trigger {t.pk}",
        )
    return d

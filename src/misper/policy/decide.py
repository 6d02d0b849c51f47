"""The engine's one typed entry: ``decide(profile, person, report, history, episode,
action, now=...) -> Decision``.

Frozen dataclasses in (``facts.Person``, ``facts.Report``, ``types.PastEpisode``,
``facts.Episode``, ``authority.Action``) and out (:class:`Decision`). The app asks it once
per report and per change and stores what it answers: the category, the risk and the
episode after the action (``Decision.episode``) are the engine's, so the lifecycle is
written once, here (``_apply``). The scenario runner parses JSON into the same types
(``evaluate.evaluate``) and prints ``Decision.as_dict()``, the contract's output.

Repeat-missing triggers (R-TRG-*) are evaluated for every description of an episode: a new
report, an episode with or without an action, in the episode's current category (so a
change of category to missing makes the episode count, C-05).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from misper.policy import authority as auth
from misper.policy import deadlines as dl
from misper.policy import rhi
from misper.policy.assess import Assessment, assess, duties, minimum_response
from misper.policy.calendar import age_on
from misper.policy.facts import Episode, Grading, Person, Report, ScenarioError, _Reader
from misper.policy.profiles import Profile
from misper.policy.roles import at_least
from misper.policy.triggers import evaluate_triggers
from misper.policy.types import Deadline, PastEpisode, Reason, TriggerHit

Action = auth.Action


@dataclass(frozen=True, slots=True)
class Decision:
    """What the engine says about a report or an episode, after the action if one was
    asked (and allowed). ``episode`` is the episode's state after it: what the app stores."""

    profile: str
    episode: Episode | None
    reasons: tuple[Reason, ...]
    # the action (None: no action was asked)
    allowed: bool | None = None
    required_role: str | None = None
    missing_fields: tuple[str, ...] = ()
    refused_by: tuple[str, ...] = ()
    required_duties: tuple[str, ...] = ()
    # the episode now (``described``: there is an episode or a report to describe)
    described: bool = False
    category: str | None = None
    absconder: bool = False
    risk: str | None = None
    # the assessment of a report (``assessed``)
    assessed: bool = False
    allowed_categories: tuple[str, ...] = ()
    allowed_risks: tuple[str, ...] = ()
    minimum_risk: str | None = None
    minimum_response: str | None = None
    duties: tuple[str, ...] = ()
    duty_rules: Mapping[str, str] = field(default_factory=dict)
    deadlines: tuple[Deadline, ...] = ()
    triggers: tuple[TriggerHit, ...] = ()
    rhi_criteria: tuple[int, ...] | None = None
    rag: str | None = None

    @property
    def refusal_reasons(self) -> tuple[Reason, ...]:
        """Only the reasons of the rules that refused, the most specific first."""
        if self.allowed is not False:
            return ()
        refusing = set(self.refused_by)
        first = tuple(r for r in self.reasons if r.rule in refusing)
        return first or self.reasons[:1]

    def as_dict(self, name: object = None) -> dict[str, Any]:
        """The scenario contract's output (docs/policy-scenarios.md, Appendix D)."""
        out: dict[str, Any] = {"name": name, "profile": self.profile}
        if self.allowed is not None:
            out["allowed"] = self.allowed
            if not self.allowed:
                out["required_role"] = self.required_role
                out["missing_fields"] = list(self.missing_fields)
                out["refused_by"] = list(self.refused_by)
                if self.required_duties:
                    out["required_duties"] = list(self.required_duties)
        if self.described:
            out["category"] = self.category
            out["absconder"] = self.absconder
            out["risk"] = self.risk
        if self.assessed:
            out["allowed_categories"] = list(self.allowed_categories)
            out["allowed_risks"] = list(self.allowed_risks)
            out["minimum_risk"] = self.minimum_risk
            out["minimum_response"] = self.minimum_response
        out["duties"] = list(self.duties)
        if self.assessed:
            out["duty_rules"] = dict(self.duty_rules)
        out["deadlines"] = [d.as_dict() for d in self.deadlines]
        out["triggers"] = [t.as_dict() for t in self.triggers]
        if self.rhi_criteria is not None:
            out["rhi_criteria"] = list(self.rhi_criteria)
        if self.rag is not None:
            out["rag"] = self.rag
        out["reasons"] = _dedupe(self.reasons)
        return out


# --- Applying an allowed action ------------------------------------------------------------


def _found_facts(action: Action) -> rhi.FoundFacts:
    r = _Reader()
    contacts = []
    for i, item in enumerate(r.items(action.get("with_persons"), "action.with_persons")):
        t = r.table(item, f"action.with_persons[{i}]")
        contacts.append(
            rhi.Contact(
                relationship=str(t.get("relationship")),
                date_of_birth=r.day(t.get("date_of_birth"), f"action.with_persons[{i}].dob"),
            )
        )
    found = rhi.FoundFacts(
        harmed=r.boolean(action.get("harmed"), "action.harmed"),
        criminal_activity=r.boolean(action.get("criminal_activity"), "action.criminal_activity"),
        risky_contacts=r.boolean(action.get("risky_contacts"), "action.risky_contacts"),
        with_persons=tuple(contacts),
    )
    r.done()
    return found


def _triage(action: Action) -> rhi.Triage:
    def opt(name: str) -> bool | None:
        value = action.get(name)
        return value if isinstance(value, bool) else None

    return rhi.Triage(
        associates_recorded=opt("associates_recorded"),
        places_recorded=opt("places_recorded"),
        substance_misuse=opt("substance_misuse"),
        domestic_violence=opt("domestic_violence"),
        learning_difficulty=opt("learning_difficulty"),
        troubled_family=opt("troubled_family"),
        cse_indicators=opt("cse_indicators"),
    )


@dataclass
class _State:
    """What an evaluation accumulates beyond the episode itself."""

    extra_deadlines: list[Deadline] = field(default_factory=list)
    found: rhi.FoundFacts | None = None
    triage: rhi.Triage | None = None


def _virtual_episode(a: Assessment, report: Report) -> Episode:
    return Episode(
        category=a.recommended_category,
        absconder=a.absconder,
        categorised_at=report.reported_at,
    )


def _apply(profile: Profile, ep: Episode, action: Action, state: _State) -> Episode:
    """The episode after an allowed action: the one statement of what each action changes."""
    at = action.at
    kind = action.kind
    changes: dict[str, Any] = {}
    if kind in ("set_category", "resolve_disagreement"):
        category = str(action.get("category"))
        if category != ep.category and category != "missing":
            changes["risk"] = None  # only a missing episode is graded (R-GRD-01)
        changes.update(category=category, categorised_at=at, categorised_by_role=action.by_role)
        # R-REV-07: only the duty FIM settles a disagreement; raising to missing meanwhile
        # (R-AUT-05) leaves it open.
        if at_least(action.by_role, profile.text("category_dispute_role")):
            changes["disagreement_open"] = False
        elif action.get("disagreement") is True:
            changes["disagreement_open"] = True
        changes["rationale"] = action.text("rationale")
        hours = action.get("review_period_hours")
        if isinstance(hours, int | float) and not isinstance(hours, bool):
            changes["review_at"] = at + timedelta(hours=float(hours))
        cb = action.instant("callback_at")
        if cb is not None:
            changes["callbacks_agreed"] = (*ep.callbacks_agreed, cb)
    elif kind in ("grade_risk", "change_risk"):
        new = str(action.get("risk") if kind == "grade_risk" else action.get("to"))
        changes["risk"] = new
        changes["risk_history"] = (
            *ep.risk_history,
            Grading(new, action.by_role, at, initial=not ep.risk_history),
        )
        review = action.instant("latest_review_at")
        if review is not None:
            changes["latest_review_at"] = review
    elif kind == "record_disagreement":
        changes["disagreement_open"] = True
    elif kind == "record_unauthorised_absence":
        changes.update(
            category="unauthorised_absence",
            risk=None,
            categorised_at=at,
            categorised_by_role=action.by_role,
        )
    elif kind == "record_found":
        changes.update(
            found_at=action.instant("found_at"), returned_at=action.instant("returned_at")
        )
        state.found = _found_facts(action)
    elif kind == "triage_return_interview":
        state.triage = _triage(action)
    elif kind == "return_interview_outcome":
        changes["rhi_outcome"] = action.text("outcome")
    elif kind == "close":
        changes.update(closed=True, closure_code=action.text("closure_code"))
    elif kind == "record_placement":
        placed = action.instant("placed_at")
        assert placed is not None
        state.extra_deadlines.append(dl.ppa_due(profile, placed, bool(action.get("emergency"))))
    elif kind == "log_activity":
        tour_end = action.instant("tour_end")
        changes["tour_end"] = tour_end or ep.tour_end
        if profile.flag("tour_of_duty"):
            which = (
                "photo_upload"
                if action.get("activity") == "photo_obtained"
                else ("tour_of_duty_update")
            )
            state.extra_deadlines.append(dl.tour_deadline(which, profile, at, tour_end))
    elif kind == "restrict_record":
        changes["restricted"] = True
    return replace(ep, **changes)


def _current_category(
    profile: Profile, report: Report | None, ep: Episode, now: datetime, reasons: list[Reason]
) -> str:
    """The episode's category at ``now``: absent and unauthorised absence expire (6 h)."""
    if ep.found_at is not None or ep.closed or report is None:
        return ep.category
    if ep.category == "absent":
        limit = dl.absent_limit(profile, report, ep.categorised_at)
        if limit is not None and now >= limit.due:
            reasons.append(Reason("R-CLS-09", "6 hours without contact: now missing"))
            return "missing"
    if ep.category == "unauthorised_absence":
        limit2 = dl.unauthorised_absence_limit(profile, report.clock_start)
        if limit2 is not None and now >= limit2.due:
            reasons.append(Reason("R-CLS-10", "6 hours unauthorised absent: now missing"))
            return "missing"
    return ep.category


def _triggers(
    profile: Profile,
    person: Person,
    report: Report,
    history: Sequence[PastEpisode],
    ep: Episode,
    category: str,
) -> list[TriggerHit]:
    if profile.triggers is None:
        return []
    new = PastEpisode(
        reported_at=report.reported_at,
        category=category,
        absconder=bool(ep.absconder),
        risk=ep.risk,
        found_at=ep.found_at,
        location=report.location,
        establishment=report.establishment,
        person=None,
    )
    child = age_on(person.date_of_birth, report.reported_at) < 18
    return evaluate_triggers(profile.triggers, new=new, history=history, subject_is_child=child)


def _dedupe(reasons: Sequence[Reason]) -> list[dict[str, str]]:
    seen: set[tuple[str, str]] = set()
    out = []
    for reason in reasons:
        key = (reason.rule, reason.text)
        if key not in seen:
            seen.add(key)
            out.append(reason.as_dict())
    return out


# --- The decision ----------------------------------------------------------------------------


def decide(
    profile: Profile,
    person: Person | None,
    report: Report | None,
    history: Sequence[PastEpisode],
    episode: Episode | None,
    action: Action | None,
    *,
    now: datetime,
) -> Decision:
    """What the policy says about a report (``episode`` None: a new report) or an episode,
    after ``action`` if one is given. Raises ScenarioError on facts it cannot read."""
    if report is not None and person is None:
        raise ScenarioError(["person: required with a report"])
    state = _State()
    reasons: list[Reason] = []
    verdict: auth.Verdict | None = None

    def assessment_for(ep: Episode | None, *, carer: bool = False) -> Assessment | None:
        """The assessment of the report; ``carer`` for the carer's own judgement before
        any report (WMC14 unauthorised absence), otherwise the police's (R-CLS-08)."""
        if person is None or report is None:
            return None
        found = ep is not None and ep.found_at is not None
        try:
            return assess(
                profile, person, report, history, now, found=found, reported_to_police=not carer
            )
        except ValueError as exc:
            raise ScenarioError([str(exc)]) from exc

    def carer_held(ep: Episode | None) -> bool:
        return ep is not None and ep.category == "unauthorised_absence"

    before = assessment_for(episode, carer=carer_held(episode))
    if episode is None and before is not None and report is not None:
        current = _virtual_episode(before, report)
    else:
        current = episode or Episode(category="missing")

    if action is not None:
        checked = before
        if action.kind == "record_unauthorised_absence" and not carer_held(episode):
            # R-CLS-10/11: the carer's judgement, before any report to the police
            checked = assessment_for(episode, carer=True)
        situation = auth.Situation(
            profile,
            person,
            checked,
            episode or (current if before is not None else None),
            new_report=episode is None,
        )
        verdict = auth.check(situation, action)
        # first: the reasons of the decision (of a refusal, only the refusing rules)
        reasons.extend(verdict.reasons)
        if verdict.allowed:
            try:
                current = _apply(profile, current, action, state)
            except ValueError as exc:
                raise ScenarioError([str(exc)]) from exc

    act: dict[str, Any] = {}
    if verdict is not None:
        act = {
            "allowed": verdict.allowed,
            "required_role": None if verdict.allowed else verdict.required_role,
            "missing_fields": () if verdict.allowed else tuple(verdict.missing_fields),
            "refused_by": () if verdict.allowed else tuple(verdict.refused_by),
            "required_duties": () if verdict.allowed else tuple(verdict.required_duties),
        }
    after = assessment_for(current, carer=carer_held(current)) if action is not None else before
    if after is None or report is None or person is None:
        # No report (e.g. record_placement): the episode's state and the action's outputs.
        no_report = list(state.extra_deadlines)
        if episode is not None:
            no_report = dl.episode_deadlines(profile, None, current, current.category) + no_report
        reasons.extend(Reason(d.rule, f"{d.kind}: {d.text}".rstrip(": ")) for d in no_report)
        return Decision(
            profile=profile.id,
            episode=current if episode is not None else None,
            reasons=tuple(reasons),
            described=episode is not None,
            category=current.category if episode is not None else None,
            absconder=bool(current.absconder),
            risk=current.risk,
            deadlines=tuple(no_report),
            **act,
        )

    category = _current_category(profile, report, current, now, reasons)
    absconder = current.absconder if current.absconder is not None else after.absconder
    if category == "absconder_only":
        absconder = True
    reasons.extend(after.reasons)
    if category == "missing":
        allowed_risks = tuple(after.allowed_risks(profile))
        minimum_risk = after.minimum_risk_for_missing
        reasons.extend(after.risk_reasons)
    else:
        allowed_risks, minimum_risk = (), None
    response, why = minimum_response(profile, after.facts, category, current.risk)
    reasons.extend(why)
    ep_for_duties = current if (episode is not None or action is not None) else None
    duty_list, why, duty_rules = duties(
        profile, after.facts, category, bool(absconder), ep_for_duties, report
    )
    reasons.extend(why)

    deadline_list = dl.episode_deadlines(profile, report, current, category)
    deadline_list += state.extra_deadlines
    # R-TRG-*: every report and every state of an episode, in its current category (C-05):
    # an episode block (what the app always sends) gets its triggers and their deadlines
    # like a new report; a change of category to missing makes the episode count. C-06
    # holds: the history is the episodes before this one, so the hits are the same at every
    # evaluation of the episode and a later episode inside a level fires nothing new.
    hits = _triggers(profile, person, report, history, current, category)
    deadline_list += dl.trigger_deadlines(hits)
    for hit in hits:
        reasons.append(Reason(hit.rule, f"trigger {hit.kind}: {hit.action}"))
        reasons.extend(hit.reasons)
    reasons.extend(Reason(d.rule, f"{d.kind}: {d.text}".rstrip(": ")) for d in deadline_list)

    rhi_criteria: tuple[int, ...] | None = None
    if current.found_at is not None and category == "missing":
        crit, why = rhi.criteria(
            person,
            history,
            state.found or rhi.FoundFacts(),
            current_category=category,
            cse_known=after.facts.cse_known,
            cse_indicators=bool(state.triage and state.triage.cse_indicators),
        )
        rhi_criteria = tuple(crit)
        reasons.extend(why)
        reasons.append(
            Reason("R-RHI-02", "every found missing child is offered a return interview (C-16)")
        )
    if (
        current.found_at is not None
        and category == "absent"
        and any(d.kind == "rhi_due" for d in deadline_list)
    ):
        reasons.append(
            Reason("R-RHI-13", "the profile offers return interviews to absent children")
        )
    rag: str | None = None
    if state.triage is not None:
        rag, why = rhi.rag(profile, history, state.triage, current_category=category)
        reasons.extend(why)
    return Decision(
        profile=profile.id,
        episode=current,
        reasons=tuple(reasons),
        described=True,
        category=category,
        absconder=bool(absconder),
        risk=current.risk,
        assessed=True,
        allowed_categories=tuple(after.allowed_categories),
        allowed_risks=allowed_risks,
        minimum_risk=minimum_risk,
        minimum_response=response,
        duties=tuple(duty_list),
        duty_rules=dict(duty_rules),
        deadlines=tuple(deadline_list),
        triggers=tuple(hits),
        rhi_criteria=rhi_criteria,
        rag=rag,
        **act,
    )

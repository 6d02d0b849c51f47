"""Evaluate a scenario (docs/policy-scenarios.md) into the output of Appendix D.

``evaluate(scenario)`` reads the profile, the child, the history, the report, the episode
and an optional action, and returns a JSON-ready dict: category, absconder, risk, allowed
categories and risks, minimum risk and response, duties, deadlines, triggers, return
interview criteria and triage, reasons; with an action also ``allowed`` and, when refused,
``required_role``, ``missing_fields``, ``required_duties`` and ``refused_by`` (the refusing
rules, whose reasons come first). An allowed action is applied and the episode is
described after it; a refused one leaves the episode unchanged.

Repeat-missing triggers (R-TRG-*) are evaluated for every description of an episode: a new
report, an episode block with or without an action, in the episode's current category
(so a change of category to missing makes the episode count, C-05).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from misper.policy import authority as auth
from misper.policy import deadlines as dl
from misper.policy import rhi
from misper.policy.assess import Assessment, assess, duties, minimum_response
from misper.policy.calendar import age_on
from misper.policy.facts import (
    Episode,
    Grading,
    Person,
    Report,
    ScenarioError,
    _Reader,
    parse_episode,
    parse_history,
    parse_person,
    parse_report,
)
from misper.policy.profiles import (
    Profile,
    load_profile,
    merge_overrides,
    parse_profile,
    read_profile_data,
)
from misper.policy.roles import ALL_ROLES, at_least
from misper.policy.triggers import evaluate_triggers
from misper.policy.types import Deadline, PastEpisode, Reason, TriggerHit


def profile_for(scenario: Mapping[str, Any]) -> Profile:
    """The scenario's profile, with its optional ``profile_overrides`` applied."""
    ident = scenario.get("profile")
    if not isinstance(ident, str):
        raise ScenarioError(["profile: required (a profile id or a path to a TOML file)"])
    overrides = scenario.get("profile_overrides")
    if not overrides:
        return load_profile(ident)
    if not isinstance(overrides, Mapping):
        raise ScenarioError(["profile_overrides: expected an object"])
    data, source = read_profile_data(ident)
    return parse_profile(merge_overrides(data, overrides), f"{source} + profile_overrides")


def parse_action(raw: Mapping[str, Any], r: _Reader) -> auth.Action | None:
    kind = raw.get("kind")
    if kind not in auth.ACTION_KINDS:
        r.problems.append(f"action.kind: {kind!r} is not one of {', '.join(auth.ACTION_KINDS)}")
        return None
    role = r.word(raw.get("by_role"), "action.by_role", sorted(ALL_ROLES))
    at = r.required_instant(raw.get("at"), "action.at")
    for name in (
        "callback_at",
        "latest_review_at",
        "found_at",
        "returned_at",
        "placed_at",
        "tour_end",
    ):
        r.instant(raw.get(name), f"action.{name}")
    fields = {k: v for k, v in raw.items() if k not in ("kind", "at", "by_role")}
    return auth.Action(kind=kind, at=at, by_role=role or "", fields=fields)


def _found_facts(action: auth.Action, r: _Reader) -> rhi.FoundFacts:
    contacts = []
    for i, item in enumerate(r.items(action.get("with_persons"), "action.with_persons")):
        t = r.table(item, f"action.with_persons[{i}]")
        contacts.append(
            rhi.Contact(
                relationship=str(t.get("relationship")),
                date_of_birth=r.day(t.get("date_of_birth"), f"action.with_persons[{i}].dob"),
            )
        )
    return rhi.FoundFacts(
        harmed=r.boolean(action.get("harmed"), "action.harmed"),
        criminal_activity=r.boolean(action.get("criminal_activity"), "action.criminal_activity"),
        risky_contacts=r.boolean(action.get("risky_contacts"), "action.risky_contacts"),
        with_persons=tuple(contacts),
    )


def _triage(action: auth.Action) -> rhi.Triage:
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


class _State:
    """What an evaluation accumulates beyond the episode itself."""

    def __init__(self) -> None:
        self.extra_deadlines: list[Deadline] = []
        self.found: rhi.FoundFacts | None = None
        self.triage: rhi.Triage | None = None
        self.reasons: list[Reason] = []


def _virtual_episode(a: Assessment, report: Report) -> Episode:
    return Episode(
        category=a.recommended_category,
        absconder=a.absconder,
        categorised_at=report.reported_at,
    )


def _apply(
    profile: Profile, ep: Episode, action: auth.Action, state: _State, r: _Reader
) -> Episode:
    """The episode after an allowed action."""
    ep = replace(
        ep,
        risk_history=list(ep.risk_history),
        callbacks_agreed=list(ep.callbacks_agreed),
    )
    at = action.at
    kind = action.kind
    if kind in ("set_category", "resolve_disagreement"):
        category = str(action.get("category"))
        if category != ep.category:
            ep.risk = None if category != "missing" else ep.risk
        ep.category = category
        ep.categorised_at = at
        ep.categorised_by_role = action.by_role
        # R-REV-07: only the duty FIM settles a disagreement; raising to missing meanwhile
        # (R-AUT-05) leaves it open.
        if at_least(action.by_role, profile.text("category_dispute_role")):
            ep.disagreement_open = False
        elif action.get("disagreement") is True:
            ep.disagreement_open = True
        ep.rationale = action.text("rationale")
        hours = action.get("review_period_hours")
        if isinstance(hours, int | float) and not isinstance(hours, bool):
            ep.review_at = at + timedelta(hours=float(hours))
        cb = action.instant("callback_at")
        if cb is not None:
            ep.callbacks_agreed.append(cb)
    elif kind in ("grade_risk", "change_risk"):
        new = str(action.get("risk") if kind == "grade_risk" else action.get("to"))
        ep.risk = new
        ep.risk_history.append(Grading(new, action.by_role, at, initial=not ep.risk_history))
        review = action.instant("latest_review_at")
        if review is not None:
            ep.latest_review_at = review
    elif kind == "record_unauthorised_absence":
        ep.category = "unauthorised_absence"
        ep.risk = None
        ep.categorised_at = at
        ep.categorised_by_role = action.by_role
    elif kind == "record_found":
        ep.found_at = action.instant("found_at")
        ep.returned_at = action.instant("returned_at")
        state.found = _found_facts(action, r)
    elif kind == "triage_return_interview":
        state.triage = _triage(action)
    elif kind == "return_interview_outcome":
        ep.rhi_outcome = action.text("outcome")
    elif kind == "close":
        ep.closed = True
        ep.closure_code = action.text("closure_code")
    elif kind == "record_placement":
        placed = action.instant("placed_at")
        assert placed is not None
        state.extra_deadlines.append(dl.ppa_due(profile, placed, bool(action.get("emergency"))))
    elif kind == "log_activity":
        tour_end = action.instant("tour_end")
        ep.tour_end = tour_end or ep.tour_end
        if profile.flag("tour_of_duty"):
            which = (
                "photo_upload"
                if action.get("activity") == "photo_obtained"
                else ("tour_of_duty_update")
            )
            state.extra_deadlines.append(dl.tour_deadline(which, profile, at, tour_end))
    elif kind == "restrict_record":
        ep.restricted = True
    return ep


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


def evaluate(scenario: Mapping[str, Any]) -> dict[str, Any]:
    """Evaluate one scenario; raise ScenarioError (or ProfileErrors) on unreadable input."""
    r = _Reader()
    profile = profile_for(scenario)
    now = r.required_instant(scenario.get("now"), "now")
    person = parse_person(scenario["person"], r) if scenario.get("person") else None
    report = parse_report(scenario["report"], r) if scenario.get("report") else None
    history = parse_history(scenario.get("history"), r)
    ep_raw = scenario.get("episode")
    episode = parse_episode(ep_raw, r) if isinstance(ep_raw, Mapping) else None
    action = parse_action(scenario["action"], r) if scenario.get("action") else None
    r.done()
    if report is not None and person is None:
        raise ScenarioError(["person: required with a report"])

    state = _State()
    out: dict[str, Any] = {"name": scenario.get("name"), "profile": profile.id}
    reasons: list[Reason] = []

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
        decision = auth.check(situation, action)
        out["allowed"] = decision.allowed
        if not decision.allowed:
            out["required_role"] = decision.required_role
            out["missing_fields"] = decision.missing_fields
            out["refused_by"] = decision.refused_by
            if decision.required_duties:
                out["required_duties"] = decision.required_duties
        # first: the reasons of the decision (of a refusal, only the refusing rules)
        reasons.extend(decision.reasons)
        if decision.allowed:
            current = _apply(profile, current, action, state, r)
            r.done()

    after = assessment_for(current, carer=carer_held(current)) if action is not None else before
    if after is None or report is None or person is None:
        # No report (e.g. record_placement): the episode's state and the action's outputs.
        no_report = list(state.extra_deadlines)
        if episode is not None:
            out["category"] = current.category
            out["absconder"] = bool(current.absconder)
            out["risk"] = current.risk
            no_report = dl.episode_deadlines(profile, None, current, current.category) + no_report
        reasons.extend(Reason(d.rule, f"{d.kind}: {d.text}".rstrip(": ")) for d in no_report)
        out["deadlines"] = [d.as_dict() for d in no_report]
        out["duties"] = []
        out["triggers"] = []
        out["reasons"] = _dedupe(reasons)
        return out

    category = _current_category(profile, report, current, now, reasons)
    absconder = current.absconder if current.absconder is not None else after.absconder
    if category == "absconder_only":
        absconder = True
    out["category"] = category
    out["absconder"] = bool(absconder)
    out["risk"] = current.risk
    out["allowed_categories"] = after.allowed_categories
    reasons.extend(after.reasons)
    if category == "missing":
        out["allowed_risks"] = after.allowed_risks(profile)
        out["minimum_risk"] = after.minimum_risk_for_missing
        reasons.extend(after.risk_reasons)
    else:
        out["allowed_risks"] = []
        out["minimum_risk"] = None
    response, why = minimum_response(profile, after.facts, category, current.risk)
    out["minimum_response"] = response
    reasons.extend(why)
    ep_for_duties = current if (episode is not None or action is not None) else None
    duty_list, why, duty_rules = duties(
        profile, after.facts, category, bool(absconder), ep_for_duties, report
    )
    out["duties"] = duty_list
    out["duty_rules"] = duty_rules
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
    out["deadlines"] = [d.as_dict() for d in deadline_list]
    reasons.extend(Reason(d.rule, f"{d.kind}: {d.text}".rstrip(": ")) for d in deadline_list)
    out["triggers"] = [hit.as_dict() for hit in hits]

    if current.found_at is not None and category == "missing":
        crit, why = rhi.criteria(
            person,
            history,
            state.found or rhi.FoundFacts(),
            current_category=category,
            cse_known=after.facts.cse_known,
            cse_indicators=bool(state.triage and state.triage.cse_indicators),
        )
        out["rhi_criteria"] = crit
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
    if state.triage is not None:
        colour, why = rhi.rag(profile, history, state.triage, current_category=category)
        out["rag"] = colour
        reasons.extend(why)
    out["reasons"] = _dedupe(reasons)
    return out


# ------------------------------------------------------------------------------ checking

_EQUAL = (
    "category",
    "absconder",
    "risk",
    "minimum_risk",
    "minimum_response",
    "allowed",
    "required_role",
    "rag",
)
_SETS = ("allowed_categories", "allowed_risks", "missing_fields", "rhi_criteria", "required_duties")
# equal as lists: the order means something (most specific refusing rule first)
_LISTS = ("refused_by",)
EXPECT_KEYS = frozenset(
    (
        *_EQUAL,
        *_SETS,
        *_LISTS,
        "duties",
        "duties_excluded",
        "deadlines",
        "deadlines_excluded",
        "triggers",
        "reasons",
    )
)


def _pair(t: Mapping[str, Any]) -> tuple[str, Any]:
    return (str(t.get("kind")), t.get("level"))


def _norm_due(value: object) -> str:
    if not isinstance(value, str):
        return repr(value)
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return parsed.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def compare(expect: Mapping[str, Any], result: Mapping[str, Any]) -> list[str]:
    """The differences between ``expect`` and ``result`` per the table in the format doc."""
    diffs: list[str] = []
    for key, want in expect.items():
        if key not in EXPECT_KEYS:
            diffs.append(f"{key}: not a checkable expect key")
            continue
        got = result.get(key)
        if key in _EQUAL:
            if got != want:
                diffs.append(f"{key}: expected {want!r}, got {got!r}")
        elif key in _SETS:
            if got is None or set(got) != set(want):
                diffs.append(f"{key}: expected {sorted(want)!r}, got {got!r}")
        elif key in _LISTS:
            if list(got or []) != list(want):
                diffs.append(f"{key}: expected {list(want)!r} (in this order), got {got!r}")
        elif key == "duties":
            missing = [d for d in want if d not in (got or [])]
            if missing:
                diffs.append(f"duties: missing {missing!r}; got {got!r}")
        elif key == "duties_excluded":
            present = [d for d in want if d in (result.get("duties") or [])]
            if present:
                diffs.append(f"duties_excluded: present {present!r}")
        elif key == "deadlines":
            have = {(d["kind"], d["due"]) for d in result.get("deadlines") or []}
            for d in want:
                if (d.get("kind"), _norm_due(d.get("due"))) not in have:
                    diffs.append(f"deadlines: {d!r} not in {sorted(have)!r}")
        elif key == "deadlines_excluded":
            kinds = {d["kind"] for d in result.get("deadlines") or []}
            present = [k for k in want if k in kinds]
            if present:
                diffs.append(f"deadlines_excluded: present {present!r}")
        elif key == "triggers":
            got_pairs = Counter(_pair(t) for t in result.get("triggers") or [])
            want_pairs = Counter(_pair(t) for t in want)
            if got_pairs != want_pairs:
                diffs.append(
                    f"triggers: expected {sorted(want_pairs)!r}, got {sorted(got_pairs)!r}"
                )
        elif key == "reasons":
            rules = {x["rule"] for x in result.get("reasons") or []}
            missing = [w for w in want if w not in rules]
            if missing:
                diffs.append(f"reasons: rule(s) {missing!r} not cited")
    return diffs

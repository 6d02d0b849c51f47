"""Evaluate a scenario (docs/policy-scenarios.md) into the output of Appendix D: the JSON
is parsed into the engine's types and handed to ``decide.decide``, the one typed entry.

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
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from misper.policy import authority as auth
from misper.policy.decide import decide
from misper.policy.facts import (
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
from misper.policy.roles import ALL_ROLES


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


def evaluate(scenario: Mapping[str, Any]) -> dict[str, Any]:
    """Evaluate one scenario: parse it into the engine's types, ``decide``, and answer the
    contract's output. Raises ScenarioError (or ProfileErrors) on unreadable input."""
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
    assert now is not None  # required_instant recorded the problem otherwise
    decision = decide(profile, person, report, history, episode, action, now=now)
    return decision.as_dict(scenario.get("name"))


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

"""Repeat-missing triggers (policy-rules.md §14, R-TRG-01..21; conventions C-02..C-07).

A trigger counts a child's own episodes (``person`` scope), every child's episodes from one
address (``location``) or from one care establishment (``establishment``) inside a window
that ends with a newly reported episode, and fires when the new episode is the one whose
count reaches the rule's threshold (C-06 level entry). Which episodes count, the windows,
thresholds, actions and roles differ between areas, so each policy profile states them in a
``[triggers]`` table. Everything here is pure: no Django, no clock.

The ``[triggers]`` table of a profile TOML (full description in docs/policy-triggers.md)::

    [triggers]
    note = "optional free text"            # optional

    [[triggers.rules]]
    kind = "wm_individual_year"            # Appendix D kind, or "local_<name>" for a local choice
    level = 2                              # required for leveled kinds, forbidden otherwise
    rule = "R-TRG-11"                      # the rule id cited in reasons
    scope = "person"                       # person | location | establishment
    counts = "missing"                     # missing | absent | missing_and_absent (C-05)
    window = { months = 12 }               # { days = N } (C-02) or { months = N } (C-03/C-04)
    threshold = 4                          # fires when the count in the window equals this
    upper = 6                              # optional upper bound of the level
    retrigger_within_level = false         # optional; true: fire at each count up to upper
    applies_to = "all"                     # optional; all | adults_only | children_only
    action = "PVP Missing Person Co-ordinator arranges a level 2 inter-agency meeting"
    roles = ["missing_person_coordinator", "social_worker", "team_manager"]
    meeting_deadline_hours = 168           # optional; intervention_meeting_due (C-07)
    meeting_deadline_rule = "R-TRG-09"     # optional; rule id of that deadline
    note = "optional free text, cited as a reason"

Counting (C-05): ``missing`` counts episodes whose category is ``missing`` (a missing and
absconder episode included); ``absent`` counts ``absent``; ``absconder_only`` and
``unauthorised_absence`` never count, and an episode closed as a duplicate never counts.
The new episode must itself count, otherwise nothing fires for it.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from itertools import pairwise
from typing import Any

from misper.policy.calendar import (
    local_date,
    local_midnight,
    months_window_start,
)
from misper.policy.types import Deadline, PastEpisode, ProfileError, Reason, TriggerHit

__all__ = [
    "APPLIES_TO",
    "COUNTS",
    "DEFAULT_TRIGGER_TABLES",
    "KNOWN_KINDS",
    "SCOPES",
    "TriggerConfig",
    "TriggerRule",
    "Window",
    "default_trigger_config",
    "evaluate_triggers",
    "parse_trigger_config",
    "recompute_all",
]

SCOPES = ("person", "location", "establishment")
COUNTS = ("missing", "absent", "missing_and_absent")
APPLIES_TO = ("all", "adults_only", "children_only")

#: Appendix D trigger kinds: the levels each may carry (empty = no level) and its scope.
KNOWN_KINDS: dict[str, tuple[frozenset[int], str]] = {
    "wm_individual_3_in_90": (frozenset({1}), "person"),
    "wm_individual_year": (frozenset({2, 3, 4}), "person"),
    "wm_establishment_over_20": (frozenset(), "establishment"),
    "wmp_repeat_absent_person": (frozenset(), "person"),
    "wmp_repeat_absent_location": (frozenset(), "location"),
    "mase_3_in_3_months": (frozenset(), "person"),
}

_COUNTED_CATEGORIES: dict[str, frozenset[str]] = {
    "missing": frozenset({"missing"}),
    "absent": frozenset({"absent"}),
    "missing_and_absent": frozenset({"missing", "absent"}),
}
_COUNTS_TEXT = {
    "missing": "missing episodes (missing-and-absconder included)",
    "absent": "absent reports",
    "missing_and_absent": "missing episodes and absent reports",
}
_COUNTS_ONE = {
    "missing": "missing episode",
    "absent": "absent report",
    "missing_and_absent": "missing or absent episode",
}
_SCOPE_TEXT = {
    "person": "of this child",
    "location": "from this location (all children)",
    "establishment": "from this establishment (all children)",
}

_RULE_ID = re.compile(r"^R-[A-Z]{3}-\d{2}$")
_LOCAL_KIND = re.compile(r"^local_[a-z0-9_]+$")
_ROLE = re.compile(r"^[a-z][a-z0-9_]*$")
MEETING_DEADLINE_KIND = "intervention_meeting_due"


# --------------------------------------------------------------------------- configuration


@dataclass(frozen=True, slots=True)
class Window:
    """A counting window ending with the new episode: ``days`` (C-02) or ``months`` (C-03,
    C-04; 12 months is "one year")."""

    unit: str  # "days" | "months"
    n: int

    def start(self, new_day: date) -> date:
        """The first UK local date inside the window that ends on ``new_day``."""
        if self.unit == "days":
            return new_day - timedelta(days=self.n - 1)
        return months_window_start(new_day, self.n)

    @property
    def text(self) -> str:
        if self.unit == "days":
            return f"{self.n} days"
        if self.n == 12:
            return "one year (12 calendar months)"
        return f"{self.n} calendar months" if self.n != 1 else "1 calendar month"

    @property
    def convention(self) -> str:
        if self.unit == "days":
            return "C-02"
        return "C-04" if self.n == 12 else "C-03"


@dataclass(frozen=True, slots=True)
class TriggerRule:
    """One trigger of a profile: what to count, where, over which window, and what follows."""

    kind: str
    rule: str
    scope: str
    counts: str
    window: Window
    threshold: int
    action: str
    roles: tuple[str, ...]
    level: int | None = None
    upper: int | None = None
    retrigger_within_level: bool = False
    applies_to: str = "all"
    meeting_deadline_hours: int | None = None
    meeting_deadline_rule: str = "R-TRG-09"
    note: str = ""

    def fires_at(self, count: int) -> bool:
        """C-06: fire when the count reaches the lower bound; with
        ``retrigger_within_level`` at every count up to ``upper`` (no upper: every count)."""
        if count == self.threshold:
            return True
        if not self.retrigger_within_level or count < self.threshold:
            return False
        return self.upper is None or count <= self.upper

    def applies(self, subject_is_child: bool) -> bool:
        if self.applies_to == "adults_only":
            return not subject_is_child
        if self.applies_to == "children_only":
            return subject_is_child
        return True


@dataclass(frozen=True, slots=True)
class TriggerConfig:
    """The triggers of one profile, in the order hits are reported."""

    rules: tuple[TriggerRule, ...] = ()
    note: str = ""


# ------------------------------------------------------------------------------ parsing

_RULE_KEYS = {
    "kind",
    "level",
    "rule",
    "scope",
    "counts",
    "window",
    "threshold",
    "upper",
    "retrigger_within_level",
    "applies_to",
    "action",
    "roles",
    "meeting_deadline_hours",
    "meeting_deadline_rule",
    "note",
}
_REQUIRED_RULE_KEYS = ("kind", "rule", "scope", "counts", "window", "threshold", "action", "roles")


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def parse_trigger_config(
    table: Mapping[str, object], key: str = "triggers"
) -> tuple[TriggerConfig, list[ProfileError]]:
    """Parse the value of a profile's ``[triggers]`` table.

    ``table`` is the table itself (``profile["triggers"]``); ``key`` is its dotted name, used
    to name errors (``triggers.rules[2].window``). Every error is reported, unknown keys
    included. The returned config holds the rules that parsed cleanly; a caller must refuse
    the profile when the error list is not empty.
    """
    errors: list[ProfileError] = []
    if not isinstance(table, Mapping):
        return TriggerConfig(), [ProfileError(key, "must be a table")]
    for k in table:
        if k not in ("rules", "note"):
            errors.append(ProfileError(f"{key}.{k}", "unknown key (expected rules, note)"))
    note = table.get("note", "")
    if not isinstance(note, str):
        errors.append(ProfileError(f"{key}.note", "must be a string"))
        note = ""
    raw_rules = table.get("rules", [])
    if not isinstance(raw_rules, list):
        errors.append(ProfileError(f"{key}.rules", "must be an array of tables"))
        raw_rules = []
    rules: list[TriggerRule] = []
    seen: dict[tuple[str, int | None], str] = {}
    for i, raw in enumerate(raw_rules):
        rkey = f"{key}.rules[{i}]"
        parsed = _parse_rule(raw, rkey, errors)
        if parsed is None:
            continue
        ident = (parsed.kind, parsed.level)
        if ident in seen:
            errors.append(
                ProfileError(
                    rkey, f"duplicate trigger {ident[0]} level {ident[1]} (see {seen[ident]})"
                )
            )
            continue
        seen[ident] = rkey
        rules.append(parsed)
    errors.extend(_check_level_ranges(rules, raw_rules, key))
    return TriggerConfig(rules=tuple(rules), note=note), errors


def _parse_rule(raw: object, rkey: str, errors: list[ProfileError]) -> TriggerRule | None:
    if not isinstance(raw, Mapping):
        errors.append(ProfileError(rkey, "must be a table"))
        return None
    before = len(errors)

    def err(k: str, message: str) -> None:
        errors.append(ProfileError(f"{rkey}.{k}", message))

    for k in raw:
        if k not in _RULE_KEYS:
            err(str(k), "unknown key")
    for k in _REQUIRED_RULE_KEYS:
        if k not in raw:
            err(k, "required")

    kind = raw.get("kind")
    allowed_levels: frozenset[int] | None = None
    kind_scope: str | None = None
    if "kind" in raw:
        if not isinstance(kind, str):
            err("kind", "must be a string")
        elif kind in KNOWN_KINDS:
            allowed_levels, kind_scope = KNOWN_KINDS[kind]
        elif not _LOCAL_KIND.match(kind):
            err(
                "kind",
                f"unknown kind {kind!r}: one of {', '.join(KNOWN_KINDS)}, "
                "or local_<name> for a local choice",
            )

    level = raw.get("level")
    if "level" in raw:
        if not _is_int(level) or level < 1:  # type: ignore[operator]
            err("level", "must be a positive integer")
        elif allowed_levels is not None and level not in allowed_levels:
            if allowed_levels:
                err("level", f"{kind} takes level {', '.join(map(str, sorted(allowed_levels)))}")
            else:
                err("level", f"{kind} has no level")
    elif allowed_levels:
        err("level", f"required for {kind}")

    rule_id = raw.get("rule")
    if "rule" in raw and (not isinstance(rule_id, str) or not _RULE_ID.match(rule_id)):
        err("rule", "must be a rule id such as R-TRG-10")

    scope = raw.get("scope")
    if "scope" in raw:
        if scope not in SCOPES:
            err("scope", f"must be one of {', '.join(SCOPES)}")
        elif kind_scope is not None and scope != kind_scope:
            err("scope", f"{kind} has scope {kind_scope}")

    counts = raw.get("counts")
    if "counts" in raw and counts not in COUNTS:
        err("counts", f"must be one of {', '.join(COUNTS)}")

    window: Window | None = None
    raw_window = raw.get("window")
    if "window" in raw:
        if not isinstance(raw_window, Mapping):
            err("window", "must be a table: { days = N } or { months = N }")
        else:
            extra = [k for k in raw_window if k not in ("days", "months")]
            for k in extra:
                err(f"window.{k}", "unknown key (expected days or months)")
            units = [k for k in ("days", "months") if k in raw_window]
            if len(units) != 1:
                if not extra:
                    err("window", "give exactly one of days or months")
            else:
                n = raw_window[units[0]]
                if not _is_int(n) or n < 1:
                    err(f"window.{units[0]}", "must be a positive integer")
                else:
                    window = Window(units[0], n)

    threshold = raw.get("threshold")
    if "threshold" in raw and (not _is_int(threshold) or threshold < 1):  # type: ignore[operator]
        err("threshold", "must be a positive integer")
    upper = raw.get("upper")
    if "upper" in raw:
        if not _is_int(upper):
            err("upper", "must be an integer")
        elif _is_int(threshold) and upper < threshold:  # type: ignore[operator]
            err("upper", "must not be below threshold")

    retrigger = raw.get("retrigger_within_level", False)
    if not isinstance(retrigger, bool):
        err("retrigger_within_level", "must be true or false")
    applies_to = raw.get("applies_to", "all")
    if applies_to not in APPLIES_TO:
        err("applies_to", f"must be one of {', '.join(APPLIES_TO)}")

    action = raw.get("action")
    if "action" in raw and (not isinstance(action, str) or not action.strip()):
        err("action", "must be a non-empty string")

    roles = raw.get("roles")
    if "roles" in raw:
        if not isinstance(roles, list) or not roles:
            err("roles", "must be a non-empty array of role names")
        else:
            for j, role in enumerate(roles):
                if not isinstance(role, str) or not _ROLE.match(role):
                    err(f"roles[{j}]", "must be a snake_case role name")

    hours = raw.get("meeting_deadline_hours")
    if "meeting_deadline_hours" in raw and (not _is_int(hours) or hours < 1):  # type: ignore[operator]
        err("meeting_deadline_hours", "must be a positive integer (hours)")
    deadline_rule = raw.get("meeting_deadline_rule", "R-TRG-09")
    if not isinstance(deadline_rule, str) or not _RULE_ID.match(deadline_rule):
        err("meeting_deadline_rule", "must be a rule id such as R-TRG-09")
    note = raw.get("note", "")
    if not isinstance(note, str):
        err("note", "must be a string")

    if len(errors) > before or window is None:
        return None
    assert isinstance(kind, str) and isinstance(rule_id, str) and isinstance(scope, str)
    assert isinstance(counts, str) and isinstance(threshold, int) and isinstance(action, str)
    assert isinstance(roles, list) and isinstance(retrigger, bool)
    assert isinstance(applies_to, str) and isinstance(deadline_rule, str)
    assert isinstance(note, str)
    return TriggerRule(
        kind=kind,
        rule=rule_id,
        scope=scope,
        counts=counts,
        window=window,
        threshold=threshold,
        action=action.strip(),
        roles=tuple(str(r) for r in roles),
        level=level if isinstance(level, int) else None,
        upper=upper if isinstance(upper, int) else None,
        retrigger_within_level=retrigger,
        applies_to=applies_to,
        meeting_deadline_hours=hours if isinstance(hours, int) else None,
        meeting_deadline_rule=deadline_rule,
        note=note,
    )


def _check_level_ranges(
    rules: Sequence[TriggerRule], raw_rules: Sequence[object], key: str
) -> list[ProfileError]:
    """Levels of one kind, scope and window must not overlap (a count is in one level)."""
    errors: list[ProfileError] = []
    by_kind: dict[tuple[str, str, Window], list[TriggerRule]] = {}
    for r in rules:
        if r.level is not None:
            by_kind.setdefault((r.kind, r.scope, r.window), []).append(r)
    for group in by_kind.values():
        group.sort(key=lambda r: r.threshold)
        for lower, higher in pairwise(group):
            if lower.upper is None or lower.upper >= higher.threshold:
                index = next(
                    (i for i, raw in enumerate(raw_rules) if _same_rule(raw, higher)), None
                )
                where = f"{key}.rules[{index}]" if index is not None else key
                errors.append(
                    ProfileError(
                        f"{where}.threshold",
                        f"level {higher.level} overlaps level {lower.level} of {higher.kind} "
                        "(give the lower level an upper bound below this threshold)",
                    )
                )
    return errors


def _same_rule(raw: object, rule: TriggerRule) -> bool:
    return (
        isinstance(raw, Mapping) and raw.get("kind") == rule.kind and raw.get("level") == rule.level
    )


# -------------------------------------------------------------------------- evaluation


def _scope_key(scope: str, episode: PastEpisode) -> str | None:
    if scope == "location":
        return episode.location
    if scope == "establishment":
        return episode.establishment
    return None


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _level_text(rule: TriggerRule) -> str:
    if rule.level is None:
        return ""
    if rule.upper is None:
        span = f"{rule.threshold} or more"
    elif rule.upper == rule.threshold:
        span = f"{rule.threshold}"
    else:
        span = f"{rule.threshold}-{rule.upper}"
    return f"level {rule.level} ({span} in {rule.window.text})"


def _build_hit(
    rule: TriggerRule,
    new: PastEpisode,
    subject: str | None,
    days: Sequence[date],
    new_day: date,
) -> TriggerHit:
    """The hit with its reasons; ``days`` are the counted episodes' local dates, ascending,
    the new one included. Shared by evaluate_triggers and recompute_all so both agree."""
    count = len(days)
    start = rule.window.start(new_day)
    where = _SCOPE_TEXT[rule.scope] + (f" ({subject})" if subject is not None else "")
    level = _level_text(rule)
    reasons = [
        Reason(
            rule.rule,
            f"{_ordinal(count)} {_COUNTS_ONE[rule.counts]} {where} within {rule.window.text}"
            + (f": {level}" if level else "")
            + f". {rule.action}",
        ),
        Reason(
            rule.window.convention,
            f"window of {rule.window.text}: UK local dates {start.isoformat()} to "
            f"{new_day.isoformat()}; counted episodes reported on "
            + ", ".join(d.isoformat() for d in days),
        ),
        Reason(
            "C-05",
            f"counts {_COUNTS_TEXT[rule.counts]}; absconder-only episodes, unauthorised "
            "absences and duplicates are not counted",
        ),
    ]
    if rule.retrigger_within_level:
        reasons.append(
            Reason("C-06", f"fires at every count from {rule.threshold} within the level")
        )
    else:
        reasons.append(
            Reason(
                "C-06",
                f"fires when the count first reaches {rule.threshold}; later episodes "
                "inside the same level do not fire again",
            )
        )
    if rule.note:
        reasons.append(Reason(rule.rule, rule.note))
    deadline = None
    if rule.meeting_deadline_hours is not None:
        due = new.reported_at.astimezone(UTC) + timedelta(hours=rule.meeting_deadline_hours)
        text = (
            f"intervention meeting due within {rule.meeting_deadline_hours} hours of the "
            f"triggering episode's report (by {due.strftime('%Y-%m-%dT%H:%M:%SZ')})"
        )
        deadline = Deadline(MEETING_DEADLINE_KIND, due, rule.meeting_deadline_rule, text)
        reasons.append(Reason(rule.meeting_deadline_rule, text))
        reasons.append(
            Reason(
                "C-07",
                f"meeting due = reported_at of the triggering episode + "
                f"{rule.meeting_deadline_hours} h elapsed",
            )
        )
    return TriggerHit(
        kind=rule.kind,
        level=rule.level,
        scope=rule.scope,
        subject=subject,
        count=count,
        window=rule.window.text,
        action=rule.action,
        roles=rule.roles,
        rule=rule.rule,
        reasons=tuple(reasons),
        deadline=deadline,
        counts=rule.counts,
        window_start=start,
    )


@dataclass(frozen=True, slots=True)
class _Group:
    """Rules that share scope, what counts and window share one count."""

    scope: str
    categories: frozenset[str]
    window: Window
    rules: tuple[tuple[int, TriggerRule], ...]  # (position in config, rule)
    min_threshold: int
    fire_counts: frozenset[int] | None  # exact counts that can fire; None when open-ended


@lru_cache(maxsize=64)
def _groups(config: TriggerConfig) -> tuple[_Group, ...]:
    buckets: dict[tuple[str, str, Window], list[tuple[int, TriggerRule]]] = {}
    for pos, r in enumerate(config.rules):
        buckets.setdefault((r.scope, r.counts, r.window), []).append((pos, r))
    groups = []
    for (scope, counts, window), members in buckets.items():
        fire: set[int] = set()
        open_ended = False
        for _, r in members:
            if r.retrigger_within_level and r.upper is None:
                open_ended = True
            elif r.retrigger_within_level and r.upper is not None:
                fire.update(range(r.threshold, r.upper + 1))
            else:
                fire.add(r.threshold)
        groups.append(
            _Group(
                scope=scope,
                categories=_COUNTED_CATEGORIES[counts],
                window=window,
                rules=tuple(members),
                min_threshold=min(r.threshold for _, r in members),
                fire_counts=None if open_ended else frozenset(fire),
            )
        )
    return tuple(groups)


def evaluate_triggers(
    config: TriggerConfig,
    *,
    new: PastEpisode,
    history: Sequence[PastEpisode],
    subject_is_child: bool = True,
) -> list[TriggerHit]:
    """The triggers that the newly reported episode ``new`` fires (R-TRG-*, C-02..C-07).

    ``history`` holds the subject's earlier episodes (``person`` None) and other children's
    (``person`` set), which count only for location and establishment scope. Entries
    reported after ``new`` are ignored. Hits come in the order of ``config.rules``.
    """
    if new.reported_at.tzinfo is None:
        raise ValueError("naive datetime: the policy engine only accepts aware instants")
    if new.duplicate:
        return []
    new_day = local_date(new.reported_at)
    new_at = new.reported_at
    found: list[tuple[int, TriggerHit]] = []
    for group in _groups(config):
        if new.category not in group.categories:
            continue
        applicable = [(p, r) for p, r in group.rules if r.applies(subject_is_child)]
        if not applicable:
            continue
        subject = _scope_key(group.scope, new)
        if group.scope != "person" and subject is None:
            continue
        start_at = local_midnight(group.window.start(new_day)).astimezone(UTC)
        cats = group.categories
        days = [new_day]
        scope = group.scope
        for ep in history:
            if ep.duplicate or ep.category not in cats:
                continue
            if scope == "person":
                if ep.person is not None:
                    continue
            elif scope == "location":
                if ep.location != subject:
                    continue
            elif ep.establishment != subject:
                continue
            at = ep.reported_at
            if at < start_at or at > new_at:
                continue
            days.append(local_date(at))
        count = len(days)
        if count < group.min_threshold:
            continue
        if group.fire_counts is not None and count not in group.fire_counts:
            continue
        days.sort()
        for pos, r in applicable:
            if r.fires_at(count):
                found.append((pos, _build_hit(r, new, subject, days, new_day)))
    found.sort(key=lambda item: item[0])
    return [hit for _, hit in found]


# --------------------------------------------------------------------- bulk recompute


@dataclass(slots=True)
class _DayCache:
    """UK local day ordinals by UTC hour: the UK offset only changes on whole UTC hours."""

    by_hour: dict[int, int] = field(default_factory=dict)
    months_start: dict[tuple[int, int], int] = field(default_factory=dict)

    def day(self, at: datetime) -> int:
        hour = int(at.timestamp() // 3600)
        got = self.by_hour.get(hour)
        if got is None:
            got = local_date(at).toordinal()
            self.by_hour[hour] = got
        return got

    def start(self, window: Window, day: int) -> int:
        if window.unit == "days":
            return day - (window.n - 1)
        cache_key = (window.n, day)
        got = self.months_start.get(cache_key)
        if got is None:
            got = months_window_start(date.fromordinal(day), window.n).toordinal()
            self.months_start[cache_key] = got
        return got


def recompute_all(
    config: TriggerConfig,
    episodes: Sequence[tuple[str, PastEpisode]],
    *,
    is_child: Callable[[str, PastEpisode], bool] | None = None,
) -> Iterator[tuple[int, TriggerHit]]:
    """Every trigger fired by every episode of a dataset, in reported order.

    ``episodes`` holds ``(person_id, episode)`` pairs; yields ``(index, hit)`` where
    ``index`` is the position in ``episodes``. The result for each episode equals
    ``evaluate_triggers(config, new=episode, history=<the episodes before it>)`` with the
    same person's earlier episodes as its own history, but the whole run is
    O(n log n): one sort, then per person / location / establishment a deque of the counted
    local dates inside the moving window. Episodes with equal ``reported_at`` are taken in
    their input order. ``is_child(person_id, episode)`` decides ``applies_to`` (default:
    every subject is a child).
    """
    groups = _groups(config)
    if not groups:
        return
    n = len(episodes)
    order = sorted(range(n), key=lambda i: episodes[i][1].reported_at)
    cache = _DayCache()
    queues: list[dict[str, deque[int]]] = [{} for _ in groups]
    any_restricted = any(r.applies_to != "all" for r in config.rules)
    plan = [
        (g, queues[gi], g.scope, g.categories, g.window, g.min_threshold, g.fire_counts)
        for gi, g in enumerate(groups)
    ]
    for idx in order:
        pid, ep = episodes[idx]
        if ep.duplicate:
            continue
        cat = ep.category
        day = -1
        hits: list[tuple[int, TriggerHit]] | None = None
        for g, queue_map, scope, cats, window, min_threshold, fire_counts in plan:
            if cat not in cats:
                continue
            if scope == "person":
                key: str | None = pid
            elif scope == "location":
                key = ep.location
            else:
                key = ep.establishment
            if key is None:
                continue
            if day < 0:
                day = cache.day(ep.reported_at)
            start = cache.start(window, day)
            q = queue_map.get(key)
            if q is None:
                q = deque()
                queue_map[key] = q
            while q and q[0] < start:
                q.popleft()
            q.append(day)
            count = len(q)
            if count < min_threshold or (fire_counts is not None and count not in fire_counts):
                continue
            child = True if not any_restricted or is_child is None else is_child(pid, ep)
            subject = None if scope == "person" else key
            days: list[date] | None = None
            for pos, r in g.rules:
                if r.fires_at(count) and r.applies(child):
                    if days is None:
                        days = [date.fromordinal(d) for d in q]
                    if hits is None:
                        hits = []
                    hits.append((pos, _build_hit(r, ep, subject, days, date.fromordinal(day))))
        if hits:
            hits.sort(key=lambda item: item[0])
            for _, hit in hits:
                yield idx, hit


# ------------------------------------------------------------------ default profiles

_WMC14_L_NOTE = (
    "Applies to every child (R-TRG-09 AMBIG: §14.3 'from care' vs §14.2 any individual; "
    "CFG wm_interventions_scope = all)"
)
_WMP_AGE_NOTE = (
    "Numeric repeat-absent triggers apply to all ages (Appendix B 1; CFG "
    "wmp_repeat_absent_triggers_apply_to = all); for a child the referral goes to Children's "
    "Services and the police Child Abuse team (or the CSE coordinator where there is CSE risk)"
)

#: The ``[triggers]`` table of each shipped profile, as Python data (the same tables as the
#: TOML in docs/policy-triggers.md). ``default_trigger_config(profile_id)`` parses one.
DEFAULT_TRIGGER_TABLES: dict[str, dict[str, Any]] = {
    "west-midlands-2015": {
        "note": (
            "R-TRG-02 (every absent child is referred to Children's Services) is a duty on "
            "each absent report, not a counted trigger"
        ),
        "rules": [
            {
                "kind": "wmp_repeat_absent_person",
                "rule": "R-TRG-03",
                "scope": "person",
                "counts": "absent",
                "window": {"days": 90},
                "threshold": 3,
                "applies_to": "all",
                "action": (
                    "Coordinator creates a non-crime reference with the absent incidents and "
                    "allocates it to the safeguarding or child abuse team supervisor "
                    "(R-TRG-05); referral to Children's Services for a child, Adult Social "
                    "Services for an adult"
                ),
                "roles": ["missing_person_coordinator"],
                "note": _WMP_AGE_NOTE,
            },
            {
                "kind": "wmp_repeat_absent_location",
                "rule": "R-TRG-04",
                "scope": "location",
                "counts": "absent",
                "window": {"days": 30},
                "threshold": 5,
                "applies_to": "all",
                "action": (
                    "Coordinator creates a non-crime reference with the absent incidents from "
                    "the location and allocates it to the safeguarding or child abuse team "
                    "supervisor (R-TRG-05)"
                ),
                "roles": ["missing_person_coordinator"],
                "note": _WMP_AGE_NOTE,
            },
            {
                "kind": "mase_3_in_3_months",
                "rule": "R-TRG-07",
                "scope": "person",
                "counts": "missing",
                "window": {"months": 3},
                "threshold": 3,
                "action": "Automatic discussion at the local MASE meeting (R-CSE-02)",
                "roles": ["cse_coordinator"],
                "note": "Absent reports do not count (CFG mase_counts_absent = false)",
            },
        ],
    },
    "west-midlands-2018": {
        "note": (
            "The absent category was removed in November 2018 (R-DEF-09): the repeat-absent "
            "triggers R-TRG-03/04 count absent reports and can no longer fire, and the "
            "sources name no replacement; the regional CSE framework's MASE trigger still "
            "applies and counts every missing episode, 'no apparent risk' included"
        ),
        "rules": [
            {
                "kind": "mase_3_in_3_months",
                "rule": "R-TRG-07",
                "scope": "person",
                "counts": "missing",
                "window": {"months": 3},
                "threshold": 3,
                "action": "Automatic discussion at the local MASE meeting (R-CSE-02)",
                "roles": ["cse_coordinator"],
                "note": "Missing episodes of every risk level count, no apparent risk included",
            },
        ],
    },
    "west-mercia-2014": {
        "note": (
            "Escalating interventions of the West Mercia protocol §14; meetings within a week "
            "of the trigger episode (R-TRG-09, C-07)"
        ),
        "rules": [
            {
                "kind": "wm_individual_3_in_90",
                "level": 1,
                "rule": "R-TRG-10",
                "scope": "person",
                "counts": "missing",
                "window": {"days": 90},
                "threshold": 3,
                "action": (
                    "PVP Missing Person Co-ordinator arranges a level 1 inter-agency meeting, "
                    "chaired by Children's Services with police present, to review placement, "
                    "patterns and push-pull factors"
                ),
                "roles": ["missing_person_coordinator", "social_worker"],
                "meeting_deadline_hours": 168,
                "note": _WMC14_L_NOTE,
            },
            {
                "kind": "wm_individual_year",
                "level": 2,
                "rule": "R-TRG-11",
                "scope": "person",
                "counts": "missing",
                "window": {"months": 12},
                "threshold": 4,
                "upper": 6,
                "action": (
                    "PVP Missing Person Co-ordinator arranges a level 2 inter-agency meeting "
                    "with the Children's Services team manager; high priority"
                ),
                "roles": ["missing_person_coordinator", "social_worker", "team_manager"],
                "meeting_deadline_hours": 168,
                "note": _WMC14_L_NOTE,
            },
            {
                "kind": "wm_individual_year",
                "level": 3,
                "rule": "R-TRG-12",
                "scope": "person",
                "counts": "missing",
                "window": {"months": 12},
                "threshold": 7,
                "upper": 9,
                "action": (
                    "PVP Missing Person Co-ordinator arranges a level 3 inter-agency meeting "
                    "with the local police sergeant and team manager; report to the Force "
                    "Missing Persons Strategic Lead"
                ),
                "roles": [
                    "missing_person_coordinator",
                    "social_worker",
                    "team_manager",
                    "sergeant",
                ],
                "meeting_deadline_hours": 168,
                "note": _WMC14_L_NOTE,
            },
            {
                "kind": "wm_individual_year",
                "level": 4,
                "rule": "R-TRG-13",
                "scope": "person",
                "counts": "missing",
                "window": {"months": 12},
                "threshold": 10,
                "action": (
                    "Senior Management Team of the policing area discusses the case and "
                    "considers asking the ACC (SO) to intervene"
                ),
                "roles": ["superintendent", "missing_person_coordinator"],
                "meeting_deadline_hours": 168,
                "note": _WMC14_L_NOTE,
            },
            {
                "kind": "wm_establishment_over_20",
                "rule": "R-TRG-16",
                "scope": "establishment",
                "counts": "missing",
                "window": {"months": 12},
                "threshold": 21,
                "action": (
                    "Children's Services organisational review of the establishment; the "
                    "local policing Superintendent, assisted by the PVP Missing Persons "
                    "Co-ordinator, arranges and chairs an inter-agency meeting"
                ),
                "roles": ["superintendent", "missing_person_coordinator", "team_manager"],
                "meeting_deadline_hours": 168,
                "meeting_deadline_rule": "R-TRG-16",
                "note": (
                    "The one-week meeting rule of §14.5 is adopted for the establishment "
                    "meeting too (R-TRG-16 note)"
                ),
            },
        ],
    },
    "national-continuum": {
        "note": (
            "The College of Policing definitions (003 Box A) set no repeat-missing trigger; "
            "a force may add a local choice (see docs/policy-triggers.md)"
        ),
        "rules": [],
    },
}


def default_trigger_config(profile_id: str) -> TriggerConfig:
    """The parsed default ``[triggers]`` table of a shipped profile."""
    config, errors = parse_trigger_config(DEFAULT_TRIGGER_TABLES[profile_id])
    if errors:  # pragma: no cover - guarded by the tests
        raise ValueError("; ".join(map(str, errors)))
    return config

"""Repeat-missing triggers: policy-rules.md §14 (R-TRG-03, -04, -07, -09..-13, -16) with the
conventions C-01 (UTC instants, UK local dates), C-02 (day windows), C-03 ("3 months"),
C-04 ("one year"), C-05 (what counts), C-06 (level entry) and C-07 (meeting deadline).
Each test names the rule ids it covers."""

from __future__ import annotations

import dataclasses
import json
import re
import tomllib
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from misper.policy.calendar import local_date, local_midnight
from misper.policy.triggers import (
    DEFAULT_TRIGGER_TABLES,
    KNOWN_KINDS,
    TriggerConfig,
    TriggerRule,
    Window,
    default_trigger_config,
    evaluate_triggers,
    parse_trigger_config,
    recompute_all,
)
from misper.policy.types import PastEpisode, TriggerHit

ROOT = Path(__file__).resolve().parents[2]
WMC14 = default_trigger_config("west-mercia-2014")
WMP15 = default_trigger_config("west-midlands-2015")
WMP18 = default_trigger_config("west-midlands-2018")
NAT17 = default_trigger_config("national-continuum")


def at(day: str, hhmm: str = "10:00") -> datetime:
    """An instant in UTC from 'YYYY-MM-DD' and 'HH:MM'."""
    return datetime.fromisoformat(f"{day}T{hhmm}:00+00:00")


def ep(day: str, category: str = "missing", hhmm: str = "10:00", **kw: Any) -> PastEpisode:
    return PastEpisode(reported_at=at(day, hhmm), category=category, **kw)


def kinds(hits: list[TriggerHit]) -> list[tuple[str, int | None]]:
    return sorted((h.kind, h.level) for h in hits)


def rules_cited(hit: TriggerHit) -> set[str]:
    return {r.rule for r in hit.reasons}


# ------------------------------------------------------------------ configuration


@pytest.mark.parametrize("profile", sorted(DEFAULT_TRIGGER_TABLES))
def test_default_tables_parse_without_errors(profile: str) -> None:
    config, errors = parse_trigger_config(DEFAULT_TRIGGER_TABLES[profile])
    assert errors == []
    assert len(config.rules) == len(DEFAULT_TRIGGER_TABLES[profile]["rules"])


def test_default_tables_cover_the_trigger_summary() -> None:
    # §14.5: R-TRG-03/04/07 (WMP15), R-TRG-07 (WMP18), R-TRG-10..13 and -16 (WMC14), NAT17 none.
    def ids(c: TriggerConfig) -> list[tuple[str, str, int | None]]:
        return [(r.rule, r.kind, r.level) for r in c.rules]

    assert ids(WMP15) == [
        ("R-TRG-03", "wmp_repeat_absent_person", None),
        ("R-TRG-04", "wmp_repeat_absent_location", None),
        ("R-TRG-07", "mase_3_in_3_months", None),
    ]
    assert ids(WMP18) == [("R-TRG-07", "mase_3_in_3_months", None)]
    assert ids(WMC14) == [
        ("R-TRG-10", "wm_individual_3_in_90", 1),
        ("R-TRG-11", "wm_individual_year", 2),
        ("R-TRG-12", "wm_individual_year", 3),
        ("R-TRG-13", "wm_individual_year", 4),
        ("R-TRG-16", "wm_establishment_over_20", None),
    ]
    assert NAT17.rules == ()
    # C-07: WMC14 meetings within 168 h; none for the WMP and MASE triggers
    assert all(r.meeting_deadline_hours == 168 for r in WMC14.rules)
    assert all(r.meeting_deadline_hours is None for r in WMP15.rules + WMP18.rules)


def _doc_toml_blocks() -> dict[str, dict[str, Any]]:
    text = (ROOT / "docs" / "policy-triggers.md").read_text(encoding="utf-8")
    blocks: dict[str, dict[str, Any]] = {}
    for block in re.findall(r"```toml\n(.*?)```", text, flags=re.S):
        m = re.search(r"^# profile: ([a-z0-9-]+)", block, flags=re.M)
        if m:
            blocks[m.group(1)] = tomllib.loads(block)
    return blocks


def test_doc_toml_equals_default_tables() -> None:
    blocks = _doc_toml_blocks()
    assert set(blocks) == set(DEFAULT_TRIGGER_TABLES)
    for profile, data in blocks.items():
        assert data["triggers"] == DEFAULT_TRIGGER_TABLES[profile], profile


def test_doc_optional_local_choice_parses() -> None:
    text = (ROOT / "docs" / "policy-triggers.md").read_text(encoding="utf-8")
    m = re.search(r"```toml\n(# optional local choice.*?)```", text, flags=re.S)
    assert m, "the optional local choice block is missing from docs/policy-triggers.md"
    config, errors = parse_trigger_config(tomllib.loads(m.group(1))["triggers"])
    assert errors == []
    assert config.rules[0].kind.startswith("local_")


def test_parse_reports_every_error_with_its_dotted_key() -> None:
    table = {
        "rules": [
            DEFAULT_TRIGGER_TABLES["west-mercia-2014"]["rules"][0],
            {"kind": "wm_individual_year", "level": 5, "rule": "TRG-11", "scope": "location",
             "counts": "everything", "window": {"days": 90, "months": 3}, "threshold": 0,
             "upper": -1, "action": "", "roles": ["Social Worker"], "colour": "red",
             "retrigger_within_level": "no", "applies_to": "teens",
             "meeting_deadline_hours": 0, "meeting_deadline_rule": "C-07"},
            {"kind": "nonsense"},
            "not a table",
        ],
        "extra": 1,
    }  # fmt: skip
    config, errors = parse_trigger_config(table)
    keys = {e.key for e in errors}
    assert {
        "triggers.extra",
        "triggers.rules[1].colour",
        "triggers.rules[1].level",
        "triggers.rules[1].rule",
        "triggers.rules[1].scope",
        "triggers.rules[1].counts",
        "triggers.rules[1].window",
        "triggers.rules[1].threshold",
        "triggers.rules[1].upper",
        "triggers.rules[1].action",
        "triggers.rules[1].roles[0]",
        "triggers.rules[1].retrigger_within_level",
        "triggers.rules[1].applies_to",
        "triggers.rules[1].meeting_deadline_hours",
        "triggers.rules[1].meeting_deadline_rule",
        "triggers.rules[2].kind",
        "triggers.rules[2].rule",
        "triggers.rules[2].window",
        "triggers.rules[2].roles",
        "triggers.rules[3]",
    } <= keys
    # the valid rule is kept; the caller refuses the profile because errors is not empty
    assert [r.rule for r in config.rules] == ["R-TRG-10"]


def test_parse_window_errors() -> None:
    base = dict(DEFAULT_TRIGGER_TABLES["west-mercia-2014"]["rules"][0])
    for window, key in [
        ({"weeks": 2}, "triggers.rules[0].window.weeks"),
        ({"days": 0}, "triggers.rules[0].window.days"),
        ({"months": True}, "triggers.rules[0].window.months"),
        ({}, "triggers.rules[0].window"),
        (90, "triggers.rules[0].window"),
    ]:
        _, errors = parse_trigger_config({"rules": [{**base, "window": window}]})
        assert key in {e.key for e in errors}, window


def test_parse_level_rules_of_known_kinds() -> None:
    rule = dict(DEFAULT_TRIGGER_TABLES["west-mercia-2014"]["rules"][1])
    no_level = {k: v for k, v in rule.items() if k != "level"}
    _, errors = parse_trigger_config({"rules": [no_level]})
    assert [e.key for e in errors] == ["triggers.rules[0].level"]
    mase = dict(DEFAULT_TRIGGER_TABLES["west-midlands-2015"]["rules"][2], level=1)
    _, errors = parse_trigger_config({"rules": [mase]})
    assert [e.key for e in errors] == ["triggers.rules[0].level"]
    assert set(KNOWN_KINDS) == {
        "wm_individual_3_in_90",
        "wm_individual_year",
        "wm_establishment_over_20",
        "wmp_repeat_absent_person",
        "wmp_repeat_absent_location",
        "mase_3_in_3_months",
    }


def test_parse_duplicate_and_overlapping_levels() -> None:
    rules = DEFAULT_TRIGGER_TABLES["west-mercia-2014"]["rules"]
    _, errors = parse_trigger_config({"rules": [rules[1], rules[1]]})
    assert [e.key for e in errors] == ["triggers.rules[1]"]
    open_l2 = {k: v for k, v in rules[1].items() if k != "upper"}
    _, errors = parse_trigger_config({"rules": [open_l2, rules[2]]})
    assert [e.key for e in errors] == ["triggers.rules[1].threshold"]


def test_parse_not_a_table_and_custom_key() -> None:
    _, errors = parse_trigger_config([], key="profile.triggers")  # type: ignore[arg-type]
    assert [str(e) for e in errors] == ["profile.triggers: must be a table"]
    _, errors = parse_trigger_config({"rules": {}}, key="x.triggers")
    assert [e.key for e in errors] == ["x.triggers.rules"]


def test_parse_local_kind_is_allowed() -> None:
    rule = {
        "kind": "local_oldham_monthly_list",
        "rule": "R-TRG-20",
        "scope": "person",
        "counts": "missing",
        "window": {"months": 12},
        "threshold": 4,
        "action": "Monthly missing-from-home meeting list",
        "roles": ["missing_person_coordinator"],
    }
    config, errors = parse_trigger_config({"rules": [rule]})
    assert errors == []
    assert config.rules[0].window == Window("months", 12)


# -------------------------------------------- West Mercia 2014: individual levels


def test_r_trg_10_level_1_on_day_90_c02() -> None:
    history = [ep("2025-01-01"), ep("2025-02-15")]
    hits = evaluate_triggers(WMC14, new=ep("2025-03-31"), history=history)
    assert kinds(hits) == [("wm_individual_3_in_90", 1)]
    hit = hits[0]
    assert hit.count == 3 and hit.scope == "person" and hit.subject is None
    assert hit.window == "90 days"
    assert {"R-TRG-10", "C-02", "C-05", "C-06", "R-TRG-09", "C-07"} <= rules_cited(hit)
    assert "2025-01-01, 2025-02-15, 2025-03-31" in " ".join(r.text for r in hit.reasons)
    assert hit.deadline is not None
    assert hit.deadline.kind == "intervention_meeting_due"
    assert hit.deadline.due == at("2025-04-07")  # C-07: + 168 h


def test_r_trg_10_not_on_day_91_c02() -> None:
    history = [ep("2025-01-01"), ep("2025-02-15")]
    assert evaluate_triggers(WMC14, new=ep("2025-04-01"), history=history) == []


def test_r_trg_10_local_dates_across_bst_c01_c02() -> None:
    # 23:30 UTC on 30 June = 00:30 BST on 1 July: 1 Jul -> 28 Sep is day 90.
    history = [ep("2025-06-30", hhmm="23:30"), ep("2025-08-01")]
    hits = evaluate_triggers(WMC14, new=ep("2025-09-28"), history=history)
    assert kinds(hits) == [("wm_individual_3_in_90", 1)]
    # 22:30 UTC on 30 June is still 30 June locally: day 91, outside
    history = [ep("2025-06-30", hhmm="22:30"), ep("2025-08-01")]
    assert evaluate_triggers(WMC14, new=ep("2025-09-28"), history=history) == []


def test_r_trg_10_winter_late_evening_stays_on_its_date_c01() -> None:
    # GMT: 23:30 UTC on 2 Nov is 2 Nov locally; new on 30 Jan = day 90.
    history = [ep("2025-11-02", hhmm="23:30"), ep("2025-12-01")]
    hits = evaluate_triggers(WMC14, new=ep("2026-01-30"), history=history)
    assert kinds(hits) == [("wm_individual_3_in_90", 1)]
    assert evaluate_triggers(WMC14, new=ep("2026-01-31"), history=history) == []


def test_r_trg_11_level_2_at_4th_in_one_year_c04() -> None:
    history = [ep("2024-06-11"), ep("2024-10-01"), ep("2025-02-01")]
    hits = evaluate_triggers(WMC14, new=ep("2025-06-10"), history=history)
    assert kinds(hits) == [("wm_individual_year", 2)]
    assert hits[0].window == "one year (12 calendar months)"
    assert {"R-TRG-11", "C-04", "C-06", "C-07"} <= rules_cited(hits[0])


def test_r_trg_11_one_year_edge_c04() -> None:
    # 10 Jun 2025 minus 12 months = 10 Jun 2024: an episode that day is outside.
    history = [ep("2024-06-10", hhmm="22:59"), ep("2024-10-01"), ep("2025-02-01")]
    assert evaluate_triggers(WMC14, new=ep("2025-06-10"), history=history) == []
    # 23:00 UTC on 10 Jun 2024 is 00:00 BST on 11 Jun: inside.
    history = [ep("2024-06-10", hhmm="23:00"), ep("2024-10-01"), ep("2025-02-01")]
    hits = evaluate_triggers(WMC14, new=ep("2025-06-10"), history=history)
    assert kinds(hits) == [("wm_individual_year", 2)]


def test_r_trg_10_and_11_fire_together() -> None:
    history = [ep("2025-01-05"), ep("2025-05-01"), ep("2025-06-01")]
    hits = evaluate_triggers(WMC14, new=ep("2025-07-01"), history=history)
    assert kinds(hits) == [("wm_individual_3_in_90", 1), ("wm_individual_year", 2)]
    assert [h.deadline.due for h in hits if h.deadline] == [at("2025-07-08")] * 2


@pytest.mark.parametrize(
    ("count", "expected"),
    [
        (3, []),
        (4, [("wm_individual_year", 2)]),
        (5, []),
        (6, []),
        (7, [("wm_individual_year", 3)]),
        (8, []),
        (9, []),
        (10, [("wm_individual_year", 4)]),
        (11, []),
        (12, []),
    ],
)
def test_r_trg_11_12_13_level_entry_without_retrigger_c06(
    count: int, expected: list[tuple[str, int]]
) -> None:
    # one every 33 days: all 12 inside one year; the level 1 trigger is left aside here
    first = date(2024, 7, 1)
    days = [first + timedelta(days=33 * i) for i in range(count)]
    episodes = [ep(d.isoformat()) for d in days]
    hits = evaluate_triggers(WMC14, new=episodes[-1], history=episodes[:-1])
    got = [k for k in kinds(hits) if k[0] != "wm_individual_3_in_90"]
    assert got == expected


def test_r_trg_13_level_4_at_10th() -> None:
    episodes = [ep((date(2025, 1, 1) + timedelta(days=30 * i)).isoformat()) for i in range(10)]
    hits = evaluate_triggers(WMC14, new=episodes[-1], history=episodes[:-1])
    assert ("wm_individual_year", 4) in kinds(hits)
    level4 = next(h for h in hits if h.level == 4)
    assert level4.count == 10 and "superintendent" in level4.roles
    assert {"R-TRG-13", "C-04", "C-06"} <= rules_cited(level4)


def test_c06_retrigger_within_level_when_configured() -> None:
    table = {"rules": [dict(r, retrigger_within_level=True) for r in
                       DEFAULT_TRIGGER_TABLES["west-mercia-2014"]["rules"][1:4]]}  # fmt: skip
    config, errors = parse_trigger_config(table)
    assert errors == []
    episodes = [ep((date(2025, 1, 1) + timedelta(days=30 * i)).isoformat()) for i in range(12)]
    levels = []
    for i in range(len(episodes)):
        hits = evaluate_triggers(config, new=episodes[i], history=episodes[:i])
        levels.append([h.level for h in hits])
    assert levels == [[], [], [], [2], [2], [2], [3], [3], [3], [4], [4], [4]]


def test_c06_level_reentered_after_the_window_slides() -> None:
    # 3 in 90 days fires; the 4th does not; once the window has slid so that the count is
    # back below 3, the episode that brings it to 3 again fires again (stateless count).
    e = [ep("2025-01-01"), ep("2025-01-10"), ep("2025-01-20"), ep("2025-01-25")]
    assert kinds(evaluate_triggers(WMC14, new=e[2], history=e[:2]))[0] == (
        "wm_individual_3_in_90",
        1,
    )
    assert "wm_individual_3_in_90" not in {
        h.kind for h in evaluate_triggers(WMC14, new=e[3], history=e[:3])
    }
    later = ep("2025-04-19")  # window 20 Jan .. 19 Apr: 20 Jan, 25 Jan and this = 3
    assert "wm_individual_3_in_90" in {
        h.kind for h in evaluate_triggers(WMC14, new=later, history=e)
    }


# -------------------------------------------------------------- C-05 what counts


def test_c05_absconder_only_and_unauthorised_absence_do_not_count() -> None:
    history = [ep("2025-01-01", "absconder_only"), ep("2025-01-02", "unauthorised_absence"),
               ep("2025-01-03")]  # fmt: skip
    assert evaluate_triggers(WMC14, new=ep("2025-01-04"), history=history) == []
    # nor does a new absconder-only episode fire anything, even as the 3rd report
    history = [ep("2025-01-01"), ep("2025-01-02")]
    assert evaluate_triggers(WMC14, new=ep("2025-01-04", "absconder_only"), history=history) == []


def test_c05_missing_and_absconder_counts() -> None:
    history = [ep("2025-01-01", absconder=True), ep("2025-01-02")]
    hits = evaluate_triggers(WMC14, new=ep("2025-01-04", absconder=True), history=history)
    assert kinds(hits) == [("wm_individual_3_in_90", 1)]


def test_c05_duplicates_never_count() -> None:
    history = [ep("2025-01-01"), ep("2025-01-02", duplicate=True), ep("2025-01-03")]
    hits = evaluate_triggers(WMC14, new=ep("2025-01-04"), history=history)
    assert [h.count for h in hits] == [3]  # 1, 3 and 4 January; the duplicate is not listed
    assert "2025-01-01, 2025-01-03, 2025-01-04" in " ".join(r.text for r in hits[0].reasons)
    history = [ep("2025-01-01"), ep("2025-01-02", duplicate=True)]
    assert evaluate_triggers(WMC14, new=ep("2025-01-04"), history=history) == []
    history = [ep("2025-01-01"), ep("2025-01-02")]
    assert evaluate_triggers(WMC14, new=ep("2025-01-04", duplicate=True), history=history) == []


def test_c05_wmc14_absent_reports_do_not_count() -> None:
    history = [ep("2025-01-01", "absent"), ep("2025-01-02", "absent")]
    assert evaluate_triggers(WMC14, new=ep("2025-01-04"), history=history) == []


def test_history_after_the_new_episode_is_ignored() -> None:
    history = [ep("2025-01-01"), ep("2025-03-01")]
    assert evaluate_triggers(WMC14, new=ep("2025-02-01"), history=history) == []


# ------------------------------------------------------- R-TRG-16 establishments


def _establishment_history(n: int, *, start: str = "2024-07-01") -> list[PastEpisode]:
    first = date.fromisoformat(start)
    return [
        ep((first + timedelta(days=15 * i)).isoformat(), person=f"child-{i % 7}",
           location="oak-house", establishment="oak-house")
        for i in range(n)
    ]  # fmt: skip


def test_r_trg_16_establishment_21st_fires_20th_does_not() -> None:
    new = ep("2025-06-20", location="oak-house", establishment="oak-house")
    hits = evaluate_triggers(WMC14, new=new, history=_establishment_history(19))
    assert hits == []  # the 20th
    hits = evaluate_triggers(WMC14, new=new, history=_establishment_history(20))
    assert kinds(hits) == [("wm_establishment_over_20", None)]
    hit = hits[0]
    assert hit.scope == "establishment" and hit.subject == "oak-house" and hit.count == 21
    assert {"R-TRG-16", "C-04", "C-05", "C-06", "C-07"} <= rules_cited(hit)
    assert hit.deadline is not None and hit.deadline.due == at("2025-06-27")
    assert hit.deadline.rule == "R-TRG-16"
    # the 22nd does not fire again (C-06)
    hist = [*_establishment_history(20), new]
    later = ep("2025-06-21", location="oak-house", establishment="oak-house")
    assert evaluate_triggers(WMC14, new=later, history=hist) == []


def test_r_trg_16_other_establishments_and_absconder_only_do_not_count() -> None:
    history = _establishment_history(20)
    history[0] = dataclasses.replace(history[0], establishment="elm-house")
    history[1] = dataclasses.replace(history[1], category="absconder_only")
    new = ep("2025-06-20", establishment="oak-house")
    assert evaluate_triggers(WMC14, new=new, history=history) == []


def test_person_scope_ignores_other_childrens_episodes() -> None:
    history = [ep("2025-01-01", person="child-b"), ep("2025-01-02", person="child-b")]
    assert evaluate_triggers(WMC14, new=ep("2025-01-03"), history=history) == []


# ---------------------------------------------------- West Midlands 2015 and 2018


def test_r_trg_03_person_third_absent_in_90_days() -> None:
    history = [ep("2025-01-01", "absent"), ep("2025-02-01", "absent")]
    hits = evaluate_triggers(WMP15, new=ep("2025-03-31", "absent"), history=history)
    assert kinds(hits) == [("wmp_repeat_absent_person", None)]
    assert hits[0].deadline is None  # SILENT: no deadline (R-TRG-05)
    assert {"R-TRG-03", "C-02", "C-05", "C-06"} <= rules_cited(hits[0])
    assert evaluate_triggers(WMP15, new=ep("2025-04-01", "absent"), history=history) == []


def test_r_trg_03_missing_reports_do_not_count_for_absent_trigger_c05() -> None:
    history = [ep("2025-01-01"), ep("2025-02-01", "absent")]
    assert evaluate_triggers(WMP15, new=ep("2025-03-01", "absent"), history=history) == []


def test_r_trg_04_location_fifth_absent_in_30_days() -> None:
    others = [ep(f"2025-03-{d:02d}", "absent", person=f"c{d}", location="12-high-st")
              for d in (1, 8, 15)]  # fmt: skip
    own = [ep("2025-03-20", "absent", location="12-high-st")]
    new = ep("2025-03-30", "absent", location="12-high-st")  # day 30 from 1 March
    hits = evaluate_triggers(WMP15, new=new, history=others + own)
    assert kinds(hits) == [("wmp_repeat_absent_location", None)]
    assert hits[0].subject == "12-high-st" and hits[0].count == 5
    assert {"R-TRG-04", "C-02"} <= rules_cited(hits[0])
    # day 31: the 1 March report falls out
    new = ep("2025-03-31", "absent", location="12-high-st")
    assert evaluate_triggers(WMP15, new=new, history=others + own) == []


def test_r_trg_04_no_location_no_location_trigger() -> None:
    others = [ep(f"2025-03-0{d}", "absent", person=f"c{d}") for d in range(1, 5)]
    assert evaluate_triggers(WMP15, new=ep("2025-03-05", "absent"), history=others) == []


def test_r_trg_03_04_person_and_location_together() -> None:
    own = [ep("2025-03-01", "absent", location="a"), ep("2025-03-05", "absent", location="a")]
    others = [ep("2025-03-06", "absent", person="x", location="a"),
              ep("2025-03-07", "absent", person="y", location="a")]  # fmt: skip
    hits = evaluate_triggers(WMP15, new=ep("2025-03-10", "absent", location="a"),
                             history=own + others)  # fmt: skip
    assert kinds(hits) == [("wmp_repeat_absent_location", None), ("wmp_repeat_absent_person", None)]


def test_r_trg_03_applies_to_literal_reading_adults_only() -> None:
    table = {"rules": [dict(DEFAULT_TRIGGER_TABLES["west-midlands-2015"]["rules"][0],
                            applies_to="adults_only")]}  # fmt: skip
    config, errors = parse_trigger_config(table)
    assert errors == []
    history = [ep("2025-01-01", "absent"), ep("2025-02-01", "absent")]
    new = ep("2025-03-01", "absent")
    assert evaluate_triggers(config, new=new, history=history, subject_is_child=True) == []
    hits = evaluate_triggers(config, new=new, history=history, subject_is_child=False)
    assert kinds(hits) == [("wmp_repeat_absent_person", None)]
    children = dataclasses.replace(config.rules[0], applies_to="children_only")
    only_children = TriggerConfig(rules=(children,))
    assert evaluate_triggers(only_children, new=new, history=history, subject_is_child=False) == []


def test_r_trg_07_mase_three_missing_in_three_months_c03() -> None:
    history = [ep("2025-03-01"), ep("2025-04-10")]
    hits = evaluate_triggers(WMP15, new=ep("2025-05-31"), history=history)
    assert kinds(hits) == [("mase_3_in_3_months", None)]
    assert hits[0].window == "3 calendar months"
    assert {"R-TRG-07", "C-03"} <= rules_cited(hits[0])
    assert hits[0].deadline is None
    # 31 May minus 3 months = 28 Feb: an episode on 28 Feb is outside (month-end clamping)
    history = [ep("2025-02-28"), ep("2025-04-10")]
    assert evaluate_triggers(WMP15, new=ep("2025-05-31"), history=history) == []


def test_r_trg_07_three_months_is_not_90_days_appendix_b18() -> None:
    # 1 Mar -> 31 May is day 92: outside 90 days but inside 3 months.
    history = [ep("2025-03-01"), ep("2025-04-10")]
    assert evaluate_triggers(WMP18, new=ep("2025-05-31"), history=history) != []
    assert evaluate_triggers(WMC14, new=ep("2025-05-31"), history=history) == []
    # 1 Feb -> 1 May is day 90 (inside 90 days) but 1 May minus 3 months = 1 Feb (outside).
    history = [ep("2025-02-01"), ep("2025-03-10")]
    assert evaluate_triggers(WMP18, new=ep("2025-05-01"), history=history) == []
    assert kinds(evaluate_triggers(WMC14, new=ep("2025-05-01"), history=history)) == [
        ("wm_individual_3_in_90", 1)
    ]


def test_r_trg_07_absent_reports_do_not_count_for_mase() -> None:
    history = [ep("2025-03-01", "absent"), ep("2025-04-10")]
    assert evaluate_triggers(WMP15, new=ep("2025-05-01"), history=history) == []


def test_wmp18_no_absent_triggers_and_national_has_none() -> None:
    history = [ep("2025-01-01", "absent"), ep("2025-01-02", "absent")]
    assert evaluate_triggers(WMP18, new=ep("2025-01-03", "absent"), history=history) == []
    history = [ep("2025-01-01"), ep("2025-01-02")]
    assert evaluate_triggers(NAT17, new=ep("2025-01-03"), history=history) == []


# --------------------------------------------------------------- C-07 deadline


def test_c07_meeting_due_is_168_hours_elapsed_across_the_clock_change() -> None:
    # BST ends 26 Oct 2025: 168 h after 10:00 UTC on 20 Oct is 10:00 UTC on 27 Oct
    # (11:00 BST -> 10:00 GMT local: elapsed time, C-01).
    history = [ep("2025-10-01"), ep("2025-10-10")]
    hits = evaluate_triggers(WMC14, new=ep("2025-10-20"), history=history)
    assert hits[0].deadline is not None
    assert hits[0].deadline.due == datetime(2025, 10, 27, 10, tzinfo=UTC)
    assert hits[0].deadline.as_dict() == {
        "kind": "intervention_meeting_due",
        "due": "2025-10-27T10:00:00Z",
        "rule": "R-TRG-09",
    }


def test_hit_as_dict_shape() -> None:
    history = [ep("2025-01-01"), ep("2025-01-02")]
    hit = evaluate_triggers(WMC14, new=ep("2025-01-03"), history=history)[0]
    d = hit.as_dict()
    assert d["kind"] == "wm_individual_3_in_90" and d["level"] == 1
    assert d["rule"] == "R-TRG-10" and d["count"] == 3 and d["scope"] == "person"


# --------------------------------------------------------------- properties

CATEGORIES = ["missing", "missing", "missing", "absent", "absent", "absconder_only",
              "unauthorised_absence"]  # fmt: skip
BASE = datetime(2024, 1, 1, tzinfo=UTC)

episode_st = st.builds(
    lambda minutes, cat, absconder, dup, person, loc, est: (
        person,
        PastEpisode(
            reported_at=BASE + timedelta(minutes=minutes),
            category=cat,
            absconder=absconder,
            duplicate=dup,
            location=loc,
            establishment=est,
        ),
    ),
    st.integers(min_value=0, max_value=60 * 24 * 500),
    st.sampled_from(CATEGORIES),
    st.booleans(),
    st.sampled_from([False] * 15 + [True]),
    st.sampled_from(["p1", "p2", "p3"]),
    st.sampled_from([None, "l1", "l2"]),
    st.sampled_from([None, "e1", "e2"]),
)


def _small_config(retrigger: bool) -> TriggerConfig:
    rules = [
        TriggerRule("wm_individual_3_in_90", "R-TRG-10", "person", "missing", Window("days", 30),
                    3, "a", ("missing_person_coordinator",), level=1, meeting_deadline_hours=168,
                    retrigger_within_level=retrigger),
        TriggerRule("wm_individual_year", "R-TRG-11", "person", "missing", Window("months", 4),
                    2, "b", ("social_worker",), level=2, upper=3,
                    retrigger_within_level=retrigger),
        TriggerRule("wm_individual_year", "R-TRG-12", "person", "missing", Window("months", 4),
                    4, "c", ("team_manager",), level=3, retrigger_within_level=retrigger),
        TriggerRule("wmp_repeat_absent_location", "R-TRG-04", "location", "absent",
                    Window("days", 20), 2, "d", ("missing_person_coordinator",)),
        TriggerRule("wm_establishment_over_20", "R-TRG-16", "establishment",
                    "missing_and_absent", Window("months", 1), 3, "e", ("superintendent",),
                    applies_to="children_only"),
        TriggerRule("wmp_repeat_absent_person", "R-TRG-03", "person", "absent",
                    Window("days", 45), 2, "f", ("missing_person_coordinator",),
                    applies_to="adults_only"),
    ]  # fmt: skip
    return TriggerConfig(rules=tuple(rules))


def _one_at_a_time(
    config: TriggerConfig,
    episodes: list[tuple[str, PastEpisode]],
    is_child: dict[str, bool],
) -> list[tuple[int, TriggerHit]]:
    order = sorted(range(len(episodes)), key=lambda i: episodes[i][1].reported_at)
    out: list[tuple[int, TriggerHit]] = []
    for k, idx in enumerate(order):
        pid, new = episodes[idx]
        history = []
        for j in order[:k]:
            other, e = episodes[j]
            history.append(dataclasses.replace(e, person=None if other == pid else other))
        for hit in evaluate_triggers(config, new=new, history=history,
                                     subject_is_child=is_child[pid]):  # fmt: skip
            out.append((idx, hit))
    return out


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(episode_st, max_size=40), st.booleans())
def test_recompute_all_equals_evaluating_one_episode_at_a_time(
    episodes: list[tuple[str, PastEpisode]], retrigger: bool
) -> None:
    config = _small_config(retrigger)
    is_child = {"p1": True, "p2": True, "p3": False}
    expected = _one_at_a_time(config, episodes, is_child)
    got = list(recompute_all(config, episodes, is_child=lambda pid, _e: is_child[pid]))
    assert got == expected


@settings(max_examples=60, deadline=None)
@given(st.lists(episode_st, max_size=60))
def test_recompute_all_equals_one_at_a_time_for_default_profiles(
    episodes: list[tuple[str, PastEpisode]],
) -> None:
    for config in (WMC14, WMP15, WMP18):
        children: defaultdict[str, bool] = defaultdict(lambda: True)
        assert list(recompute_all(config, episodes)) == _one_at_a_time(config, episodes, children)


def test_recompute_all_on_a_fixed_history() -> None:
    episodes = [("a", ep("2025-01-01")), ("b", ep("2025-01-01")), ("a", ep("2025-01-20")),
                ("a", ep("2025-02-01")), ("b", ep("2025-06-01"))]  # fmt: skip
    hits = list(recompute_all(WMC14, episodes))
    assert [(i, h.kind, h.level) for i, h in hits] == [(3, "wm_individual_3_in_90", 1)]
    assert list(recompute_all(NAT17, episodes)) == []


@settings(max_examples=150, deadline=None)
@given(
    st.lists(episode_st, max_size=25),
    episode_st,
    st.integers(min_value=1, max_value=3000),
    st.sampled_from(range(6)),
)
def test_adding_an_episode_outside_the_window_never_changes_the_result(
    history: list[tuple[str, PastEpisode]],
    new_pair: tuple[str, PastEpisode],
    gap_minutes: int,
    rule_index: int,
) -> None:
    config = TriggerConfig(rules=(_small_config(False).rules[rule_index],))
    rule = config.rules[0]
    new = dataclasses.replace(
        new_pair[1], reported_at=new_pair[1].reported_at + timedelta(days=400)
    )
    hist = [dataclasses.replace(e, person=None if p == "p1" else p) for p, e in history]
    before = evaluate_triggers(config, new=new, history=hist)
    new_day = local_date(new.reported_at)
    start = local_midnight(rule.window.start(new_day))
    outside = dataclasses.replace(
        new, reported_at=(start - timedelta(minutes=gap_minutes)).astimezone(UTC), duplicate=False
    )
    after_new = dataclasses.replace(new, reported_at=new.reported_at + timedelta(minutes=1))
    assert evaluate_triggers(config, new=new, history=[*hist, outside]) == before
    assert evaluate_triggers(config, new=new, history=[*hist, after_new]) == before


@settings(max_examples=150, deadline=None)
@given(
    st.dates(min_value=date(2001, 1, 1), max_value=date(2039, 1, 1)),
    st.sampled_from(
        [
            Window("days", 30),
            Window("days", 90),
            Window("months", 3),
            Window("months", 12),
            Window("days", 1),
        ]
    ),
)
def test_windows_are_exact_at_their_edges(new_day: date, window: Window) -> None:
    rule = TriggerRule("mase_3_in_3_months", "R-TRG-07", "person", "missing", window, 2, "x",
                       ("cse_coordinator",))  # fmt: skip
    config = TriggerConfig(rules=(rule,))
    new = PastEpisode(local_midnight(new_day) + timedelta(hours=23, minutes=59), "missing")
    first_inside = local_midnight(window.start(new_day))
    inside = PastEpisode(first_inside.astimezone(UTC), "missing")
    outside = PastEpisode((first_inside - timedelta(minutes=1)).astimezone(UTC), "missing")
    assert len(evaluate_triggers(config, new=new, history=[inside])) == 1
    assert evaluate_triggers(config, new=new, history=[outside]) == []


# ------------------------------------------------- scenario files (trg-*.json)

SCENARIOS = sorted((Path(__file__).parent / "scenarios").glob("trg-*.json"))


def _instant(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _history_entry(raw: dict[str, Any]) -> PastEpisode:
    return PastEpisode(
        reported_at=_instant(raw["reported_at"]),
        category=raw.get("category", "missing"),
        absconder=bool(raw.get("absconder", False)),
        risk=raw.get("risk"),
        found_at=_instant(raw["found_at"]) if raw.get("found_at") else None,
        location=raw.get("location"),
        establishment=raw.get("establishment"),
        person=raw.get("person"),
        duplicate=bool(raw.get("duplicate", False)),
    )


def run_trigger_scenario(scenario: dict[str, Any]) -> list[TriggerHit]:
    """A small stand-in for the scenario runner, for triggers only (docs/policy-triggers.md):
    the new episode's category is new_category, else expect.category, else
    episode.category, else missing."""
    from misper.policy.calendar import age_on

    expect = scenario.get("expect", {})
    episode = scenario.get("episode") or {}
    category = (
        scenario.get("new_category") or expect.get("category") or episode.get("category")
    ) or "missing"
    report = scenario["report"]
    reported_at = _instant(report["reported_at"])
    new = PastEpisode(
        reported_at=reported_at,
        category=category,
        absconder=bool(episode.get("absconder", False)),
        risk=episode.get("risk"),
        location=report.get("location"),
        establishment=report.get("establishment"),
    )
    dob = date.fromisoformat(scenario["person"]["date_of_birth"])
    config, errors = parse_trigger_config(DEFAULT_TRIGGER_TABLES[scenario["profile"]])
    assert errors == []
    return evaluate_triggers(
        config,
        new=new,
        history=[_history_entry(h) for h in scenario.get("history", [])],
        subject_is_child=age_on(dob, reported_at) < 18,
    )


def test_there_are_trigger_scenarios_for_every_profile_and_kind() -> None:
    assert len(SCENARIOS) >= 20
    data = [json.loads(p.read_text(encoding="utf-8")) for p in SCENARIOS]
    assert {d["profile"] for d in data} == set(DEFAULT_TRIGGER_TABLES)
    fired = {t["kind"] for d in data for t in d["expect"]["triggers"]}
    assert fired == set(KNOWN_KINDS)
    for d in data:
        assert {"name", "profile", "now", "person", "history", "report", "expect"} <= set(d)


@pytest.mark.parametrize("path", SCENARIOS, ids=[p.stem for p in SCENARIOS])
def test_trigger_scenario(path: Path) -> None:
    scenario = json.loads(path.read_text(encoding="utf-8"))
    expect = scenario["expect"]
    hits = run_trigger_scenario(scenario)

    def pair(t: dict[str, Any]) -> tuple[str, int | None]:
        return (t["kind"], t.get("level"))

    got = sorted(pair(h.as_dict()) for h in hits)
    assert got == sorted(pair(t) for t in expect["triggers"]), scenario["name"]
    deadlines = [h.deadline.as_dict() for h in hits if h.deadline is not None]
    for want in expect.get("deadlines", []):
        assert {"kind": want["kind"], "due": want["due"]} in [
            {"kind": d["kind"], "due": d["due"]} for d in deadlines
        ]
    for kind in expect.get("deadlines_excluded", []):
        assert kind not in {d["kind"] for d in deadlines}
    cited = {r.rule for h in hits for r in h.reasons}
    assert set(expect.get("reasons", [])) <= cited, scenario["name"]


REPORT_SCENARIOS = [
    p
    for p in SCENARIOS
    if not {"episode", "action"} & set(json.loads(p.read_text(encoding="utf-8")))
]


@pytest.mark.parametrize("path", REPORT_SCENARIOS, ids=[p.stem for p in REPORT_SCENARIOS])
def test_an_episode_block_gets_the_triggers_of_its_report(path: Path) -> None:
    """R-TRG-*, C-05, C-06: the evaluator finds the same triggers and meeting deadlines for
    a report and for the episode it became (the app always sends an episode block), and
    again after an action that leaves the category as it is: the history holds the episodes
    before this one, so a level fires once, for its triggering episode."""
    from misper.policy.evaluate import evaluate

    scenario = json.loads(path.read_text(encoding="utf-8"))
    first = evaluate(scenario)
    block = {"category": first["category"], "absconder": first["absconder"]}
    again = evaluate({**scenario, "episode": block})
    logged = evaluate(
        {
            **scenario,
            "episode": block,
            "action": {
                "kind": "log_activity",
                "at": scenario["report"]["reported_at"],
                "by_role": "constable",
                "activity": "enquiry",
            },
        }
    )

    def meetings(out: dict[str, Any]) -> list[Any]:
        return [d for d in out["deadlines"] if d["kind"] == "intervention_meeting_due"]

    assert again["triggers"] == first["triggers"] == logged["triggers"]
    assert meetings(again) == meetings(first) == meetings(logged)


def test_a_change_of_category_to_missing_makes_the_episode_count() -> None:
    """C-05 with R-AUT-05: an absent WMC14 episode is not counted; the same episode set to
    missing is the third missing episode in 90 days and fires level 1 (R-TRG-10)."""
    from misper.policy.evaluate import evaluate

    path = Path(__file__).parent / "scenarios" / "trg-wmc14-absent-episode-not-counted.json"
    scenario = json.loads(path.read_text(encoding="utf-8"))
    assert evaluate(scenario)["triggers"] == []
    raised = evaluate(
        {
            **scenario,
            "action": {
                "kind": "set_category",
                "at": "2025-06-10T14:50:00Z",
                "by_role": "call_handler",
                "category": "missing",
            },
        }
    )
    assert [(t["kind"], t.get("level")) for t in raised["triggers"]] == [
        ("wm_individual_3_in_90", 1)
    ]
    assert {"kind": "intervention_meeting_due", "due": "2025-06-17T14:00:00Z",
            "rule": "R-TRG-09"} in raised["deadlines"]  # fmt: skip

"""Authority (policy-rules §6, C-15, C-17) through the evaluation of small scenarios."""

from __future__ import annotations

from typing import Any

from misper.policy.evaluate import evaluate
from misper.policy.roles import at_least

NOW = "2025-06-10T15:00:00Z"
NO = {"out_of_character": "no", "whereabouts_known": "no", "harm_or_crime": "no"}


def _scenario(
    profile: str, action: dict[str, Any], episode: dict[str, Any] | None = None, **answers: str
) -> dict[str, Any]:
    return {
        "profile": profile,
        "now": NOW,
        "person": {"date_of_birth": "2011-03-15"},
        "history": [],
        "report": {
            "reported_at": "2025-06-10T14:00:00Z",
            "missing_from": "home",
            "answers": {**NO, **answers},
        },
        "episode": episode,
        "action": {"at": "2025-06-10T14:30:00Z", **action},
    }


def _high(first_by: str = "investigating_officer") -> dict[str, Any]:
    return {
        "category": "missing",
        "risk": "high",
        "risk_history": [
            {"risk": "high", "by_role": first_by, "at": "2025-06-10T14:10:00Z", "initial": True}
        ],
    }


def test_c_15_rank_order() -> None:
    assert at_least("superintendent", "inspector")
    assert at_least("force_incident_manager", "chief_inspector")
    assert not at_least("chief_inspector", "superintendent")
    assert not at_least("social_worker", "call_handler")


def test_r_aut_03_every_rank_below_superintendent_refused() -> None:
    for role in ("constable", "sergeant", "chief_inspector", "force_incident_manager"):
        out = evaluate(
            _scenario(
                "west-midlands-2015",
                {
                    "kind": "change_risk",
                    "by_role": role,
                    "from": "high",
                    "to": "medium",
                    "rationale": "r",
                },
                _high(),
                out_of_character="yes",
            )
        )
        assert out["allowed"] is False and out["required_role"] == "superintendent", role


def test_r_aut_04_exception_needs_initial_investigating_officer() -> None:
    action = {
        "kind": "change_risk",
        "by_role": "inspector",
        "from": "high",
        "to": "medium",
        "initial_grading_error": True,
        "rationale": "wrong",
    }
    ok = evaluate(_scenario("west-midlands-2015", action, _high(), out_of_character="yes"))
    assert ok["allowed"] is True and ok["risk"] == "medium"
    by_sergeant = evaluate(
        _scenario("west-midlands-2015", action, _high("sergeant"), out_of_character="yes")
    )
    assert by_sergeant["allowed"] is False


def test_r_aut_02_lowering_below_floor_refused_even_for_superintendent() -> None:
    # R-HMI-02: WMC14's floor is medium
    out = evaluate(
        _scenario(
            "west-mercia-2014",
            {
                "kind": "change_risk",
                "by_role": "chief_officer",
                "from": "high",
                "to": "low",
                "rationale": "r",
            },
            _high(),
            out_of_character="yes",
        )
    )
    assert out["allowed"] is False


def test_r_aut_01_raise_open_to_call_handler() -> None:
    ep = {"category": "missing", "risk": "medium", "risk_history": []}
    out = evaluate(
        _scenario(
            "west-midlands-2018",
            {"kind": "change_risk", "by_role": "call_handler", "from": "medium", "to": "high"},
            ep,
        )
    )
    assert out["allowed"] is True and out["risk"] == "high"


def test_refused_action_leaves_episode_unchanged() -> None:
    out = evaluate(
        _scenario(
            "west-midlands-2015",
            {
                "kind": "change_risk",
                "by_role": "inspector",
                "from": "high",
                "to": "low",
                "rationale": "r",
            },
            _high(first_by="sergeant"),
            out_of_character="yes",
        )
    )
    assert out["allowed"] is False and out["risk"] == "high"


def test_r_rev_02_missing_fields_use_action_names() -> None:
    out = evaluate(
        _scenario(
            "west-midlands-2015",
            {
                "kind": "set_category",
                "by_role": "inspector",
                "category": "absent",
                "rationale": "r",
            },
            {"category": "absent"},
        )
    )
    assert set(out["missing_fields"]) == {"review_period_hours", "callback_at"}


def test_r_rec_04_close_code_per_category_wmp18() -> None:
    ep = {
        "category": "missing",
        "risk": "low",
        "found_at": "2025-06-10T14:40:00Z",
        "case_record_created": True,  # R-REC-09: never closed without its case record
    }
    out = evaluate(
        _scenario(
            "west-midlands-2018",
            {"kind": "close", "by_role": "sergeant", "closure_code": "Missing Person"},
            ep,
        )
    )
    assert out["allowed"] is True


def _absent_with_disagreement() -> dict[str, Any]:
    return {"category": "absent", "categorised_by_role": "inspector", "disagreement_open": True}


def test_r_aut_05_any_police_role_raises_to_missing_during_a_disagreement() -> None:
    """R-AUT-05 (adopted safety direction, C-15): making the child missing is never blocked,
    not even while an informant disagreement waits for the FIM (R-REV-07)."""
    for role in ("call_handler", "constable", "sergeant", "inspector", "chief_inspector"):
        out = evaluate(
            _scenario(
                "west-midlands-2015",
                {"kind": "set_category", "by_role": role, "category": "missing"},
                _absent_with_disagreement(),
            )
        )
        assert out["allowed"] is True and out["category"] == "missing", role
        assert out["reasons"][0]["rule"] == "R-AUT-05"
    social = evaluate(
        _scenario(
            "west-midlands-2015",
            {"kind": "set_category", "by_role": "social_worker", "category": "missing"},
            _absent_with_disagreement(),
        )
    )
    assert social["allowed"] is False and social["refused_by"] == ["R-AUT-07"]


def test_r_rev_07_only_the_fim_sets_absent_during_a_disagreement() -> None:
    action = {
        "kind": "set_category",
        "category": "absent",
        "rationale": "no apparent risk",
        "review_period_hours": 2,
        "callback_at": "2025-06-10T16:00:00Z",
    }
    episode = {**_absent_with_disagreement(), "category": "missing"}
    inspector = evaluate(
        _scenario("west-midlands-2015", {**action, "by_role": "inspector"}, episode)
    )
    assert inspector["allowed"] is False
    assert inspector["required_role"] == "force_incident_manager"
    assert inspector["refused_by"] == ["R-REV-07"]
    fim = evaluate(
        _scenario("west-midlands-2015", {**action, "by_role": "force_incident_manager"}, episode)
    )
    assert fim["allowed"] is True and fim["category"] == "absent"


def test_r_rev_07_raising_to_missing_leaves_the_disagreement_for_the_fim() -> None:
    """A sergeant's missing does not settle the disagreement: an inspector still may not set
    absent afterwards; the FIM's decision closes it."""
    from datetime import UTC, datetime

    from misper.policy.authority import Action
    from misper.policy.decide import _apply, _State
    from misper.policy.facts import Episode
    from misper.policy.profiles import load_profile

    p = load_profile("west-midlands-2015")
    at = datetime(2025, 6, 10, 14, 30, tzinfo=UTC)
    ep = Episode(category="absent", disagreement_open=True)
    raised = _apply(
        p, ep, Action("set_category", at, "sergeant", {"category": "missing"}), _State()
    )
    assert raised.category == "missing" and raised.disagreement_open is True
    settled = _apply(
        p,
        raised,
        Action("resolve_disagreement", at, "force_incident_manager", {"category": "missing"}),
        _State(),
    )
    assert settled.disagreement_open is False


def test_refused_by_names_the_refusing_rules_and_their_reasons_come_first() -> None:
    """Every refusal in the scenarios: refused_by is not empty, the first reason is the
    first refusing rule's, and the refusing rules' reasons lead the list."""
    import json
    from pathlib import Path

    refused = 0
    for path in sorted((Path(__file__).parent / "scenarios").glob("*.json")):
        out = evaluate(json.loads(path.read_text()))
        if out.get("allowed") is not False:
            continue
        refused += 1
        by = out["refused_by"]
        assert by, path.name
        lead = list(dict.fromkeys(r["rule"] for r in out["reasons"][: len(by) + 4]))
        assert lead[: len(by)] == by, path.name
    assert refused >= 20


def test_r_aut_03_refusal_is_refused_by_r_aut_03_only() -> None:
    """An R-AUT-03 refusal does not name R-CLS-03 among its refusing rules, although the
    evaluation of the unchanged episode still cites it afterwards."""
    scenario = _scenario(
        "west-midlands-2015",
        {"kind": "change_risk", "by_role": "inspector", "from": "high", "to": "medium"},
        _high(),
        abuse_or_exploitation="yes",
    )
    out = evaluate(scenario)
    assert out["refused_by"] == ["R-AUT-03"] and out["reasons"][0]["rule"] == "R-AUT-03"
    assert "R-CLS-03" in {r["rule"] for r in out["reasons"]}


def test_r_hmi_02_refused_by_the_rule_that_raises_the_floor() -> None:
    """Grading below the floor: refused by the lift above the requested level (most specific
    first), then R-HMI-02; a lift that does not reach above it is not named."""
    scenario = _scenario(
        "west-midlands-2018",
        {"kind": "grade_risk", "by_role": "sergeant", "risk": "no_apparent_risk"},
        {"category": "missing"},
        harm_or_crime="unknown",
    )
    scenario["profile_overrides"] = {"cse_minimum_risk": "medium"}
    scenario["person"]["flags"] = [{"kind": "cse", "since": "2025-01-01"}]
    out = evaluate(scenario)
    assert out["refused_by"] == ["R-CLS-02", "R-CLS-03", "R-HMI-02"]
    low = evaluate({**scenario, "action": {**scenario["action"], "risk": "low"}})
    assert low["refused_by"] == ["R-CLS-03", "R-HMI-02"]


def test_r_rec_09_close_refused_without_case_record_even_when_found() -> None:
    """R-REC-09: a returned child's missing case needs its full debrief, case record and
    children's services told before it is closed; the refusal names the duties."""
    ep = {
        "category": "missing",
        "risk": "medium",
        "found_at": "2025-06-10T14:40:00Z",
        "case_record_created": False,
    }
    close = {"kind": "close", "by_role": "sergeant", "closure_code": "Missing Person"}
    out = evaluate(_scenario("west-midlands-2015", close, ep))
    assert out["allowed"] is False and out["refused_by"] == ["R-REC-09"]
    assert out["required_duties"] == [
        "full_debrief",
        "create_case_record",
        "notify_childrens_services",
    ]
    assert set(out["required_duties"]) <= set(out["duties"])
    assert out["missing_fields"] == [] and out["required_role"] is None
    wmc = evaluate(_scenario("west-mercia-2014", close, ep))
    assert wmc["refused_by"] == ["R-REC-09"]
    assert wmc["required_duties"] == ["create_case_record", "notify_childrens_services"]
    done = evaluate(_scenario("west-midlands-2015", close, {**ep, "case_record_created": True}))
    assert done["allowed"] is True and "required_duties" not in done


def test_r_rec_09_absent_log_needs_no_case_record() -> None:
    ep = {"category": "absent", "found_at": "2025-06-10T14:40:00Z", "case_record_created": False}
    close = {
        "kind": "close",
        "by_role": "sergeant",
        "closure_code": "Missing – Unauthorised absence",
    }
    assert evaluate(_scenario("west-midlands-2015", close, ep))["allowed"] is True


def test_r_cls_11_carer_records_ua_only_before_a_police_report() -> None:
    """R-DEF-04 / R-CLS-11: the carer's action works on a new report (before any police
    report); on an episode the police already hold as missing it is refused (R-CLS-08)."""
    scenario = _scenario(
        "west-mercia-2014",
        {"kind": "record_unauthorised_absence", "by_role": "care_provider", "rationale": "late"},
    )
    scenario["person"]["looked_after"] = True
    scenario["report"]["missing_from"] = "care"
    scenario["report"]["answers"] = dict.fromkeys(NO, "no")
    new = evaluate(scenario)
    assert new["allowed"] is True and new["category"] == "unauthorised_absence"
    held = evaluate({**scenario, "episode": {"category": "missing"}})
    assert held["allowed"] is False and held["refused_by"] == ["R-CLS-08", "R-DEF-04"]
    assert held["category"] == "missing"

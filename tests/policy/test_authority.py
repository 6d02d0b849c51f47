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
    ep = {"category": "missing", "risk": "low", "found_at": "2025-06-10T14:40:00Z"}
    out = evaluate(
        _scenario(
            "west-midlands-2018",
            {"kind": "close", "by_role": "sergeant", "closure_code": "Missing Person"},
            ep,
        )
    )
    assert out["allowed"] is True

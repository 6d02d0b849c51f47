"""Profiles as data: loading, validation with every error, local choices (Appendix A)."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from misper.policy.profiles import (
    PROFILE_DIR,
    SCHEMA,
    list_profiles,
    load_profile,
    parse_profile,
)
from misper.policy.triggers import default_trigger_config
from misper.policy.types import ProfileErrors

IDS = ["national-continuum", "west-mercia-2014", "west-midlands-2015", "west-midlands-2018"]


def _data(ident: str) -> dict[str, object]:
    with (PROFILE_DIR / f"{ident}.toml").open("rb") as fh:
        return tomllib.load(fh)


def test_list_profiles() -> None:
    assert list_profiles() == IDS


@pytest.mark.parametrize("ident", IDS)
def test_bundled_profiles_load(ident: str) -> None:
    p = load_profile(ident)
    assert p.id == ident
    assert "missing" in p.categories
    assert p.triggers == default_trigger_config(ident)  # the [triggers] table, R-TRG-*


@pytest.mark.parametrize("ident", IDS)
def test_every_schema_key_is_stated(ident: str) -> None:
    data = _data(ident)
    for key, spec in SCHEMA.items():
        if key == "effective_to" and ident in (
            "west-mercia-2014",
            "national-continuum",
            "west-midlands-2018",
        ):
            continue
        assert key in data, key


@pytest.mark.parametrize("ident", IDS)
def test_conventions_named_and_marked_local(ident: str) -> None:
    p = load_profile(ident)
    for key in (
        "c01_time",
        "c08_rhi_clock",
        "c09_absent_clock",
        "c12_age",
        "c13_older_partner",
        "c14_review_times",
        "c15_role_order",
        "c16_rhi_for_every_found_child",
        "c17_roles_in_refusals",
    ):
        assert p.is_local_choice(f"conventions.{key}")


def test_profile_values_per_appendix_a() -> None:
    """R-CLS-08, R-CLS-09, R-GRD-06, R-CLS-18, R-DEF-17, R-MED-02."""
    wmp15, wmp18 = load_profile("west-midlands-2015"), load_profile("west-midlands-2018")
    wmc, nat = load_profile("west-mercia-2014"), load_profile("national-continuum")
    assert wmp15.categories == ("missing", "absent")
    assert wmp18.categories == ("missing",) and nat.categories == ("missing",)
    assert wmc.risk_levels == ("medium", "high")  # R-GRD-06
    assert wmp15.flag("absent_allowed_for_looked_after") is True
    assert wmc.flag("absent_allowed_for_looked_after") is False  # R-CLS-08
    assert wmc.opt_int("absent_time_limit_hours") == 6  # R-CLS-09
    assert wmp15.opt_int("absent_time_limit_hours") is None  # R-CLS-06
    assert wmp15.text("missing_people_referral") == "every_missing"  # R-MED-02
    assert wmp15.is_local_choice("risk_review_interval.medium")


def test_loader_lists_every_error_with_dotted_keys() -> None:
    data = _data("west-mercia-2014")
    data["colour"] = "blue"  # unknown key
    data["notify_iro"] = "yes"  # wrong type
    data["risk_levels"] = ["medium", "severe"]  # out of vocabulary
    del data["rhi_deadline_hours"]  # missing required key
    data["safe_and_well"] = {"care": "always", "home": "consider", "school": "x"}
    data["local_choices"] = {"no_such_key": "because"}
    with pytest.raises(ProfileErrors) as info:
        parse_profile(data, "test")
    keys = {e.key for e in info.value.errors}
    assert {
        "colour",
        "notify_iro",
        "risk_levels[1]",
        "rhi_deadline_hours",
        "safe_and_well.care",
        "safe_and_well.school",
        "local_choices.no_such_key",
    } <= keys
    assert len(info.value.errors) >= 7  # every error, not just the first


def test_trigger_table_errors_are_merged() -> None:
    data = _data("west-mercia-2014")
    data["triggers"] = {"rules": [{"kind": "wm_individual_3_in_90"}], "bogus": 1}
    with pytest.raises(ProfileErrors) as info:
        parse_profile(data, "test")
    assert any(e.key.startswith("triggers") for e in info.value.errors)


def test_unknown_profile_id() -> None:
    with pytest.raises(ProfileErrors):
        load_profile("atlantis-1999")


def test_load_by_path(tmp_path: Path) -> None:
    src = (PROFILE_DIR / "national-continuum.toml").read_text()
    path = tmp_path / "mine.toml"
    path.write_text(src.replace('id = "national-continuum"', 'id = "mine"'))
    assert load_profile(path).id == "mine"


def test_effective_dates_ordered() -> None:
    wmp15, wmp18 = load_profile("west-midlands-2015"), load_profile("west-midlands-2018")
    assert wmp15.effective_to == wmp18.effective_from  # R-DEF-09

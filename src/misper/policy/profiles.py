"""Policy profiles: one area's rule set, as data (policy-rules.md §0.2 and Appendix A).

A profile is a TOML file in ``misper/policy/profiles/``. :func:`load_profile` reads it,
checks every key against the schema below and returns a frozen :class:`Profile`, or raises
:class:`~misper.policy.types.ProfileErrors` naming EVERY problem by its dotted key (unknown
key, wrong type, value outside the vocabulary, missing required key, local choice naming a
key that does not exist, errors of the ``[triggers]`` table).

Local choices: values the sources leave SILENT are listed in the ``[local_choices]`` table,
``"dotted.key" = "why this value"``. The loader checks each listed key exists; the scheme is
documented in docs/policy.md.
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from misper.policy.roles import ALL_ROLES, POLICE_RANK
from misper.policy.triggers import TriggerConfig, parse_trigger_config
from misper.policy.types import ProfileError, ProfileErrors
from misper.policy.vocab import CATEGORIES, FLAG_KINDS, RISK_LEVELS

PROFILE_DIR = Path(__file__).parent / "profiles"

NONE = "none"

# ---------------------------------------------------------------------------- schema

Checker = Callable[[object, str, list[ProfileError]], object]


def _str(value: object, key: str, errors: list[ProfileError]) -> object:
    if not isinstance(value, str) or not value:
        errors.append(ProfileError(key, f"expected a non-empty string, got {value!r}"))
    return value


def _bool(value: object, key: str, errors: list[ProfileError]) -> object:
    if not isinstance(value, bool):
        errors.append(ProfileError(key, f"expected true or false, got {value!r}"))
    return value


def _int(value: object, key: str, errors: list[ProfileError]) -> object:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        errors.append(ProfileError(key, f"expected a whole number >= 0, got {value!r}"))
    return value


def _date(value: object, key: str, errors: list[ProfileError]) -> object:
    if not isinstance(value, date):
        errors.append(ProfileError(key, f"expected a TOML date (YYYY-MM-DD), got {value!r}"))
    return value


def _enum(*words: str) -> Checker:
    def check(value: object, key: str, errors: list[ProfileError]) -> object:
        if not isinstance(value, str) or value not in words:
            errors.append(ProfileError(key, f"{value!r} is not one of {', '.join(words)}"))
        return value

    return check


def _int_or_none(value: object, key: str, errors: list[ProfileError]) -> object:
    if value == NONE:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        errors.append(ProfileError(key, f'expected a whole number >= 0 or "none", got {value!r}'))
    return value


def _list_of(*words: str, non_empty: bool = False) -> Checker:
    def check(value: object, key: str, errors: list[ProfileError]) -> object:
        if not isinstance(value, list):
            errors.append(ProfileError(key, f"expected a list, got {value!r}"))
            return value
        if non_empty and not value:
            errors.append(ProfileError(key, "expected at least one value"))
        for i, item in enumerate(value):
            if not isinstance(item, str) or (words and item not in words):
                errors.append(
                    ProfileError(f"{key}[{i}]", f"{item!r} is not one of {', '.join(words)}")
                )
        return tuple(value)

    return check


def _str_map(value: object, key: str, errors: list[ProfileError]) -> object:
    if not isinstance(value, dict):
        errors.append(ProfileError(key, f"expected a table of strings, got {value!r}"))
        return value
    for k, v in value.items():
        if not isinstance(v, str):
            errors.append(ProfileError(f"{key}.{k}", f"expected a string, got {v!r}"))
    return dict(value)


_ROLE = _enum(*sorted(POLICE_RANK))
_ANY_ROLE = _enum(*sorted(ALL_ROLES))
_RISK = _enum(*RISK_LEVELS)
_RISK_OR_NONE = _enum(*RISK_LEVELS, NONE)
_SEED_TAGS = ("000", "001", "002", "003", "004")

Schema = dict[str, "Checker | Schema"]

SCHEMA: Schema = {
    "id": _str,
    "title": _str,
    "effective_from": _date,
    "effective_to": _date,  # optional: omitted while the profile is in force
    "sources": _list_of(*_SEED_TAGS, non_empty=True),
    "categories": _list_of(*CATEGORIES, non_empty=True),
    "risk_levels": _list_of(*RISK_LEVELS, non_empty=True),
    "absent_allowed_for_looked_after": _bool,
    "absent_time_limit_hours": _int_or_none,
    "absent_clock_start": _enum("last_contact", "categorised", NONE),
    "unauthorised_absence_limit_hours": _int_or_none,
    "absent_confirm_min_role": _enum(*sorted(POLICE_RANK), NONE),
    "category_dispute_role": _ROLE,
    "unknown_answers_block_absent": _enum("any", NONE),
    "cse_forces_missing": _bool,
    "cse_minimum_risk": _RISK_OR_NONE,
    "cse_consideration": _enum("every_missing", "cse_known", NONE),
    "flags_preventing_nar": _list_of(*FLAG_KINDS),
    "flag_end_min_role": _enum(*sorted(POLICE_RANK), NONE),  # R-FLG-01/04, optional
    # R-TRG-20 (Oldham's practice, a candidate local option): the monthly list of children
    # missing at least ``min_episodes`` times in ``months`` calendar months, or "none".
    "monthly_missing_list": {"min_episodes": _int, "months": _int},
    "immediate_deployment_max_age": _int_or_none,
    "immediate_deployment_for_high": _bool,
    "minimum_response_missing": _enum("early_response", "immediate_deployment"),
    "minimum_response_absent": _enum("early_response", NONE),
    "officer_deployed": _bool,
    "officer_attends": _bool,
    "absconder_rules": _bool,
    "ppa_risks_force_missing": _bool,
    "risk_review_interval": {
        "high": _int_or_none,
        "medium": _int_or_none,
        "low": _int_or_none,
        "no_apparent_risk": _enum("agreed", NONE),
    },
    "raise_risk_min_role": _ROLE,
    "lower_medium_to_low_min_role": _ROLE,
    "lower_from_high_min_role": _ROLE,
    "initial_grading_exception_role": _enum(*sorted(POLICE_RANK), NONE),
    "closure_codes": {
        "missing": _str,
        "absent": _str,
        "absconder_only": _str,
        "unauthorised_absence": _str,
    },
    "tour_of_duty": _bool,
    "default_tour_hours": _int,
    "restrict_record_by": _ROLE,
    "missing_people_referral": _enum("every_missing", NONE),
    "notify_childrens_services": _list_of(*CATEGORIES),
    "notify_iro": _bool,
    "safe_and_well": {
        "care": _enum("mandatory", "consider", NONE),
        "home": _enum("mandatory", "consider", NONE),
    },
    "rhi_deadline_hours": _int,
    "rhi_independent": _enum("required", "desirable", NONE),
    "rhi_offer_to_absent_or_nar": _bool,
    "media_model": _enum("family_consultation", "joint_decision", NONE),
    "ppa_police_recipient": _str_map,
    "reports": _list_of(),
    "rhi_clock_start": _enum("found_at", "returned_at"),
    "rhi_offer_policy": _enum("all_missing", "criteria", "triage"),
    "rhi_not_required_confirmed_by": _ANY_ROLE,
    "rag_triage": _bool,
    "rag": {"two_episodes": _enum("amber", "green", "red"), "absent_incidents_red": _int},
    "ppa_due": {"planned_hours": _int, "emergency_hours": _int},
    "debrief_if_found_before_record": _bool,
    "never_absent_under_age": _int_or_none,
    "never_below_risk_under_age": {"age": _int_or_none, "risk": _RISK},
    "low_or_nar_requires_childrens_services_info": _bool,
    "conventions": {
        "c01_time": _enum("utc_elapsed"),
        "c08_rhi_clock": _enum("found_at"),
        "c09_absent_clock": _enum("last_contact"),
        "c12_age": _enum("completed_years_local_date"),
        "c13_older_partner": _enum("strictly_more_than_2_years"),
        "c14_review_times": _enum("agreed_instant"),
        "c15_role_order": _list_of(*sorted(POLICE_RANK), non_empty=True),
        "c16_rhi_for_every_found_child": _bool,
        "c17_roles_in_refusals": _enum("most_specific"),
    },
}
OPTIONAL = frozenset({"effective_to", "flag_end_min_role", "monthly_missing_list"})
# Tables parsed elsewhere or free-form.
SPECIAL = frozenset({"triggers", "local_choices"})


# ---------------------------------------------------------------------------- profile


@dataclass(frozen=True)
class Profile:
    """A validated profile. ``values`` holds every schema key, dotted, already parsed."""

    id: str
    title: str
    effective_from: date
    effective_to: date | None
    sources: tuple[str, ...]
    values: Mapping[str, Any]
    local_choices: Mapping[str, str]
    triggers: TriggerConfig | None = None
    path: str = ""
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False)

    # Small typed accessors; the engine reads values through these.
    def get(self, key: str) -> Any:
        return self.values[key]

    def flag(self, key: str) -> bool:
        return bool(self.values[key])

    def opt_int(self, key: str) -> int | None:
        v = self.values[key]
        return None if v is None else int(v)

    def text(self, key: str) -> str:
        return str(self.values[key])

    def words(self, key: str) -> tuple[str, ...]:
        return tuple(self.values[key])

    @property
    def categories(self) -> tuple[str, ...]:
        return self.words("categories")

    @property
    def risk_levels(self) -> tuple[str, ...]:
        return self.words("risk_levels")

    def is_local_choice(self, key: str) -> bool:
        return key in self.local_choices


def _walk(
    data: Mapping[str, object],
    schema: Schema,
    prefix: str,
    out: dict[str, object],
    errors: list[ProfileError],
) -> None:
    for name in data:
        dotted = f"{prefix}{name}"
        if name in schema or (not prefix and name in SPECIAL):
            continue
        errors.append(ProfileError(dotted, "unknown key"))
    for name, spec in schema.items():
        dotted = f"{prefix}{name}"
        if name not in data:
            if not (not prefix and name in OPTIONAL):
                errors.append(ProfileError(dotted, "missing required key"))
            continue
        value = data[name]
        if isinstance(spec, dict):
            if name == "monthly_missing_list" and value == NONE:
                continue  # R-TRG-20 not adopted: no list
            if name == "never_below_risk_under_age" and value == NONE:
                out[f"{dotted}.age"] = None
                out[f"{dotted}.risk"] = "high"
                continue
            if not isinstance(value, dict):
                errors.append(ProfileError(dotted, f"expected a table, got {value!r}"))
                continue
            _walk(value, spec, f"{dotted}.", out, errors)
        else:
            out[dotted] = spec(value, dotted, errors)


def _parse_triggers(table: object, errors: list[ProfileError]) -> TriggerConfig | None:
    if not isinstance(table, dict):
        errors.append(ProfileError("triggers", "expected a table"))
        return None
    config, trigger_errors = parse_trigger_config(table, "triggers")
    errors.extend(trigger_errors)
    return config


def _cross_checks(values: Mapping[str, object], errors: list[ProfileError]) -> None:
    """Checks that span keys (values already type-checked)."""
    cats = values.get("categories")
    risks = values.get("risk_levels")
    if isinstance(cats, tuple) and "missing" not in cats:
        errors.append(ProfileError("categories", "every profile needs 'missing'"))
    if isinstance(risks, tuple):
        for key in ("cse_minimum_risk",):
            v = values.get(key)
            if isinstance(v, str) and v != NONE and v not in risks:
                errors.append(ProfileError(key, f"{v!r} is not one of this profile's risk_levels"))
    order = values.get("conventions.c15_role_order")
    if isinstance(order, tuple):
        ranks = [POLICE_RANK.get(r, -1) for r in order]
        if ranks != sorted(ranks):
            errors.append(
                ProfileError("conventions.c15_role_order", "roles are not in C-15 rank order")
            )


def parse_profile(data: Mapping[str, object], source: str = "<profile>") -> Profile:
    """Validate a decoded TOML mapping; raise ProfileErrors with every error found."""
    errors: list[ProfileError] = []
    values: dict[str, object] = {}
    _walk(data, SCHEMA, "", values, errors)
    local = data.get("local_choices", {})
    local_choices: dict[str, str] = {}
    if not isinstance(local, dict):
        errors.append(ProfileError("local_choices", "expected a table of 'key = rationale'"))
    else:
        for key, why in local.items():
            dotted = f"local_choices.{key}"
            if not isinstance(why, str) or not why.strip():
                errors.append(ProfileError(dotted, "expected a non-empty rationale string"))
            if key not in values and key not in data and not key.startswith("triggers"):
                errors.append(ProfileError(dotted, f"names no key of this profile: {key!r}"))
            local_choices[key] = str(why)
    triggers = _parse_triggers(data["triggers"], errors) if "triggers" in data else None
    if "triggers" not in data:
        errors.append(ProfileError("triggers", "missing required key"))
    _cross_checks(values, errors)
    frm, to = values.get("effective_from"), values.get("effective_to")
    if isinstance(frm, date) and isinstance(to, date) and to <= frm:
        errors.append(ProfileError("effective_to", "must be after effective_from"))
    if errors:
        raise ProfileErrors(source, errors)
    return Profile(
        id=str(values["id"]),
        title=str(values["title"]),
        effective_from=values["effective_from"],  # type: ignore[arg-type]
        effective_to=values.get("effective_to"),  # type: ignore[arg-type]
        sources=tuple(str(s) for s in values["sources"]),  # type: ignore[attr-defined]
        values=values,
        local_choices=local_choices,
        triggers=triggers,
        path=source,
        raw=dict(data),
    )


def merge_overrides(base: Mapping[str, object], overrides: Mapping[str, object]) -> dict[str, Any]:
    """A deep merge: tables merge key by key, other values replace."""
    out: dict[str, Any] = dict(base)
    for key, value in overrides.items():
        old = out.get(key)
        if isinstance(old, dict) and isinstance(value, dict):
            out[key] = merge_overrides(old, value)
        else:
            out[key] = value
    return out


def read_profile_data(id_or_path: str | Path) -> tuple[dict[str, Any], str]:
    path = Path(id_or_path)
    if path.suffix != ".toml" and "/" not in str(id_or_path):
        path = PROFILE_DIR / f"{id_or_path}.toml"
    if not path.is_file():
        raise ProfileErrors(
            str(id_or_path),
            [ProfileError("id", f"no profile {id_or_path!r}; known: {', '.join(list_profiles())}")],
        )
    with path.open("rb") as fh:
        try:
            return tomllib.load(fh), str(path)
        except tomllib.TOMLDecodeError as exc:
            raise ProfileErrors(str(path), [ProfileError("<file>", str(exc))]) from exc


_CACHE: dict[str, Profile] = {}


def load_profile(id_or_path: str | Path) -> Profile:
    """Load a bundled profile by id (``west-mercia-2014``) or any TOML file by path."""
    cache_key = str(id_or_path)
    if cache_key in _CACHE:
        return _CACHE[cache_key]
    data, source = read_profile_data(id_or_path)
    profile = parse_profile(data, source)
    if Path(source).parent == PROFILE_DIR and Path(source).stem != profile.id:
        raise ProfileErrors(source, [ProfileError("id", "must equal the file name")])
    _CACHE[cache_key] = profile
    return profile


def list_profiles() -> list[str]:
    """Ids of the bundled profiles, sorted."""
    return sorted(p.stem for p in PROFILE_DIR.glob("*.toml"))

"""The pre-placement assessment's form (care/form.py, seed 001 Appendix A, R-PPA-01..04):
what is required, what needs an explanation, what the engine reads. Pure Python."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from misper.care import form
from tests.care.factories import assessment_values

TODAY = date(2026, 1, 15)


def problems(values: dict) -> dict[str, str]:
    with pytest.raises(form.FormProblems) as exc:
        form.clean(values, today=TODAY)
    return dict(exc.value.problems)


def test_a_complete_form_is_clean_and_keeps_its_values():
    out = form.clean(assessment_values(), today=TODAY)
    assert out["never_absent"] == "no"
    assert out["risk_if_missing"] == "medium"
    assert out["addresses"] == [{"address": "12 Mill Street, Worcester", "occupier": "Mother"}]
    # what Misper fills in from the record is never taken from the user
    assert not {f.key for f in form.FIELDS if f.kind == form.FROM_RECORD} & set(out)


@pytest.mark.parametrize(
    "key",
    [
        "admission_date",
        "care_status",
        "ethnicity",
        "vulnerability",
        "statement_of_needs",
        "never_absent",
        "missing_history",
        "likelihood",
        "out_of_character",
        "risk_if_missing",
        "cse_risk",
        "risk_to_others",
    ],
)
def test_every_required_question_must_be_answered(key):
    values = assessment_values()
    del values[key]
    found = problems(values)
    assert list(found) == [key]
    assert "answer this question" in found[key]
    assert form.BY_KEY[key].label in found[key]


def test_all_problems_are_reported_at_once_in_form_order():
    values = assessment_values()
    for key in ("risk_to_others", "care_status", "never_absent"):
        del values[key]
    assert list(problems(values)) == ["care_status", "never_absent", "risk_to_others"]


@pytest.mark.parametrize(
    ("rating", "detail"),
    [
        ("risk_if_missing", "risk_if_missing_reasons"),
        ("cse_risk", "cse_risk_reasons"),
        ("risk_to_others", "risk_to_others_reasons"),
    ],
)
@pytest.mark.parametrize("level", ["medium", "high"])
def test_a_medium_or_high_rating_needs_its_explanation(rating, detail, level):
    values = assessment_values(**{rating: level, detail: ""})
    found = problems(values)
    assert list(found) == [detail]
    assert "needed with this answer" in found[detail]


@pytest.mark.parametrize("rating", ["risk_if_missing", "cse_risk", "risk_to_others"])
def test_a_low_rating_needs_no_explanation(rating):
    out = form.clean(assessment_values(**{rating: "low", f"{rating}_reasons": ""}), today=TODAY)
    assert out[rating] == "low"


def test_missing_never_absent_needs_its_reasons_field_21():
    found = problems(assessment_values(never_absent="yes"))
    assert list(found) == ["missing_category_reasons"]
    out = form.clean(
        assessment_values(never_absent="yes", missing_category_reasons="Groomed online"),
        today=TODAY,
    )
    assert out["missing_category_reasons"] == "Groomed online"


def test_other_ethnicity_must_be_specified_and_the_placement_contact_is_always_needed():
    assert list(problems(assessment_values(ethnicity="WOTH"))) == ["ethnicity_specify"]
    assert list(problems(assessment_values(placement_contact=""))) == ["placement_contact"]


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("never_absent", "maybe"),
        ("likelihood", "LOW"),  # the printed label is not the stored value
        ("ethnicity", "XXXX"),
        ("out_of_character", "unknown"),  # the form's D/K is dont_know
        ("vulnerability", "extreme"),
    ],
)
def test_an_answer_that_is_not_one_of_the_choices_is_refused(key, value):
    found = problems(assessment_values(**{key: value}))
    assert list(found) == [key]
    assert "choose one of the answers given" in found[key]


def test_dates_must_be_real_and_not_in_the_future():
    tomorrow = (TODAY + timedelta(days=1)).isoformat()
    assert (
        "cannot be in the future"
        in problems(assessment_values(admission_date=tomorrow))["admission_date"]
    )
    assert (
        "enter a real date"
        in problems(assessment_values(admission_date="2026-02-30"))["admission_date"]
    )
    assert form.clean(assessment_values(admission_date=TODAY.isoformat()), today=TODAY)


def test_keys_the_form_does_not_have_are_refused():
    found = problems(assessment_values(shoe_size="5", name="Someone else"))
    # "name" is filled in from the record (field 1): it cannot be typed either
    assert set(found) == {"shoe_size", "name"}
    assert "is not a field of the assessment" in found["shoe_size"]


def test_repeating_fields_drop_empty_rows_and_hold_at_most_their_limit():
    out = form.clean(
        assessment_values(addresses=[{"address": "", "occupier": ""}, {"address": "1 Road"}]),
        today=TODAY,
    )
    assert out["addresses"] == [{"address": "1 Road", "occupier": ""}]
    five = [{"address": f"{n} Road"} for n in range(5)]
    assert "at most 4 entries" in problems(assessment_values(addresses=five))["addresses"]
    assert (
        "say adult, child or not known"
        in problems(assessment_values(individuals=[{"name": "Jay", "adult_or_child": "teen"}]))[
            "individuals"
        ]
    )
    assert "expected a list" in problems(assessment_values(addresses="1 Road"))["addresses"]


def test_text_is_limited_and_a_nul_character_refused():
    assert (
        "300 characters or fewer"
        in problems(assessment_values(care_status="x" * 301))["care_status"]
    )
    assert "cannot be stored" in problems(assessment_values(gp="Dr\x00Shah"))["gp"]


# --- diff: what changed between versions (R-PPA-04) -----------------------------------------


def test_diff_lists_only_the_changed_fields_in_form_order_in_words():
    old = form.clean(assessment_values(), today=TODAY)
    new = form.clean(
        assessment_values(
            risk_to_others="high",
            risk_to_others_reasons="Carries a knife",
            never_absent="yes",
            missing_category_reasons="Exploited when out",
        ),
        today=TODAY,
    )
    changes = form.diff(old, new)
    assert [c.number for c in changes] == ["20", "28"]
    never_absent, others = changes
    assert (never_absent.before, never_absent.after) == ("No", "Yes (Exploited when out)")
    assert others.label == form.BY_KEY["risk_to_others"].label
    assert (others.before, others.after) == ("LOW", "HIGH (Carries a knife)")


def test_diff_of_the_same_values_is_empty_and_from_nothing_lists_every_given_field():
    values = form.clean(assessment_values(), today=TODAY)
    assert form.diff(values, dict(values)) == []
    first = form.diff({}, values)
    assert [c.number for c in first] == sorted(
        {c.number for c in first}, key=[f.number for f in form.FIELDS].index
    )
    assert all(c.before.startswith("Not given") for c in first)


def test_an_explanation_alone_changing_counts_as_its_field_changing():
    old = form.clean(assessment_values(), today=TODAY)
    new = form.clean(assessment_values(risk_if_missing_reasons="Now also runs away"), today=TODAY)
    assert [c.number for c in form.diff(old, new)] == ["26"]


# --- for_engine: what the policy engine reads ----------------------------------------------


def test_for_engine_reads_field_20_and_the_ratings():
    values = form.clean(
        assessment_values(
            never_absent="yes",
            missing_category_reasons="x",
            cse_risk="high",
            cse_risk_reasons="y",
        ),
        today=TODAY,
    )
    assert form.for_engine(values) == {
        "never_absent": True,
        "likelihood": "medium",
        "risk_if_missing": "medium",
        "cse_risk": "high",
        "risk_to_others": "low",
    }


def test_for_engine_of_an_empty_form_says_nothing_is_known():
    assert form.for_engine({}) == {
        "never_absent": False,
        "likelihood": None,
        "risk_if_missing": None,
        "cse_risk": None,
        "risk_to_others": None,
    }

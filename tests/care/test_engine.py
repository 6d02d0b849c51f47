"""The pre-placement assessment at the call (episodes.policy_bridge.assessment_facts ->
policy/assess.py): its latest version is what the engine reads about the child.

- Field 20 "MISSING and never ABSENT" stops absent for the child (R-CLS-11), whatever
  else allows it: under West Midlands 2015 a looked-after child may otherwise be absent.
- Field 27 rated MED or HIGH is a known CSE risk (R-CLS-03), which forces missing where
  the profile says so (West Midlands 2015: ``cse_forces_missing``).
- Field 20 is also the ``never_absent`` marker: under West Midlands 2018
  (``flags_preventing_nar``) the child is never graded no apparent risk (R-FLG-05).
"""

from __future__ import annotations

import pytest

from misper.care.services import assessment_save
from misper.core.errors import ValidationFailed
from misper.episodes.models import Episode
from misper.episodes.services import episode_recommend, episode_report
from tests.care.factories import assessment_values
from tests.care.region import border_region, place
from tests.episodes.conftest import report

pytestmark = pytest.mark.django_db

# No risk anywhere: every answer no, every rating low (so only what a test changes counts).
CALM = {
    "likelihood": "low",
    "risk_if_missing": "low",
    "risk_if_missing_reasons": "",
    "cse_risk": "low",
    "risk_to_others": "low",
}


def region(make_org, make_user, profile):
    r = border_region(make_org, make_user, host_profile=profile)
    place(r)
    return r


def assess(r, **over):
    return assessment_save(
        actor=r["bham_sw"],
        person_id=r["child"].pk,
        values=assessment_values(**{**CALM, **over}),
        completed_with="Manager",
        based_on=None,
    )


def the_call(r):
    return report(missing_from="care", establishment=r["home"])


def recommend(r):
    return episode_recommend(actor=r["wmc_officer"], person_id=r["child"].pk, report=the_call(r))


def rules_of(reasons):
    return {reason.rule for reason in reasons}


@pytest.fixture
def wmp15(make_org, make_user):
    return region(make_org, make_user, "west-midlands-2015")


def test_a_looked_after_child_with_no_risk_may_be_absent_under_wmp15(wmp15):
    """The control: nothing but the assessment differs in the tests that follow."""
    assess(wmp15)
    decision = recommend(wmp15)
    assert "absent" in decision.allowed_categories
    assert "R-CLS-11" not in rules_of(decision.reasons)


def test_field_20_never_absent_refuses_absent_at_the_call_r_cls_11(wmp15):
    assess(wmp15, never_absent="yes", missing_category_reasons="Exploited when out")
    decision = recommend(wmp15)
    assert decision.allowed_categories == ("missing",)
    assert "R-CLS-11" in rules_of(decision.reasons)
    with pytest.raises(ValidationFailed) as exc:
        episode_report(
            actor=wmp15["wmc_officer"],
            person_id=wmp15["child"].pk,
            report=the_call(wmp15),
            category="absent",
            rationale="At a friend's",
        )
    assert "R-CLS-11" in exc.value.rules, (exc.value.rules, exc.value.message)
    assert exc.value.field == "category"
    assert not Episode.objects.exists()


def test_the_latest_version_counts_field_20_answered_no_again_allows_absent(wmp15):
    assess(wmp15, never_absent="yes", missing_category_reasons="Exploited when out")
    assessment_save(
        actor=wmp15["bham_sw"],
        person_id=wmp15["child"].pk,
        values=assessment_values(**CALM),
        completed_with="Manager",
        based_on=1,
        change_note="Review: the exploitation has stopped",
    )
    assert "absent" in recommend(wmp15).allowed_categories


@pytest.mark.parametrize("rating", ["medium", "high"])
def test_field_27_cse_risk_is_a_known_cse_risk_that_forces_missing_r_cls_03(wmp15, rating):
    assess(wmp15, cse_risk=rating, cse_risk_reasons="Seen with older men in cars")
    decision = recommend(wmp15)
    assert decision.allowed_categories == ("missing",)
    reasons = [r for r in decision.reasons if r.rule == "R-CLS-03"]
    assert reasons, decision.reasons
    assert f"the pre-placement assessment rates CSE risk {rating}" in reasons[0].text
    with pytest.raises(ValidationFailed) as exc:
        episode_report(
            actor=wmp15["wmc_officer"],
            person_id=wmp15["child"].pk,
            report=the_call(wmp15),
            category="absent",
            rationale="At a friend's",
        )
    assert "R-CLS-03" in exc.value.rules, (exc.value.rules, exc.value.message)
    assert not Episode.objects.exists()


def test_field_27_low_is_no_cse_risk(wmp15):
    assess(wmp15, cse_risk="low")
    assert "absent" in recommend(wmp15).allowed_categories


def test_the_report_may_still_be_missing_with_field_20(wmp15):
    assess(wmp15, never_absent="yes", missing_category_reasons="Exploited when out")
    ep = episode_report(
        actor=wmp15["wmc_officer"],
        person_id=wmp15["child"].pk,
        report=the_call(wmp15),
        category="missing",
        risk="medium",
        rationale="Initial grading",
    )
    assert (ep.category, ep.risk) == ("missing", "medium")


def test_field_20_is_the_never_absent_marker_that_prevents_nar_under_wmp18_r_flg_05(
    make_org, make_user
):
    r = region(make_org, make_user, "west-midlands-2018")
    assess(r)
    assert recommend(r).minimum_risk == "no_apparent_risk"  # the control
    assessment_save(
        actor=r["bham_sw"],
        person_id=r["child"].pk,
        values=assessment_values(
            **{**CALM, "never_absent": "yes", "missing_category_reasons": "Exploited"}
        ),
        completed_with="Manager",
        based_on=1,
        change_note="Now to be considered missing, never absent",
    )
    decision = recommend(r)
    assert decision.minimum_risk == "low"
    assert "R-FLG-05" in rules_of(decision.reasons)

"""Assessment: categories, absconder table, risk floor, duties (rule ids in test names)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from misper.policy.assess import assess, derive_facts, questions_may_wait
from misper.policy.facts import Flag, Person, PrePlacementAssessment, Report
from misper.policy.profiles import list_profiles, load_profile
from misper.policy.types import PastEpisode
from misper.policy.vocab import ANSWER_KEYS, FLAG_KINDS, RISK_RANK, UNKNOWN_BLOCKING_KEYS

AT = datetime(2025, 6, 10, 14, 0, tzinfo=UTC)
NO = dict.fromkeys(ANSWER_KEYS, "no")


def _report(**answers: str) -> Report:
    seen = AT - timedelta(minutes=30)
    return Report(reported_at=AT, last_seen_at=seen, answers={**NO, **answers})


def _person(**kw: object) -> Person:
    base: dict[str, object] = {"date_of_birth": date(2011, 3, 15)}
    base.update(kw)
    return Person(**base)  # type: ignore[arg-type]


def test_r_def_02_no_apparent_risk_allows_absent_wmp15() -> None:
    a = assess(load_profile("west-midlands-2015"), _person(), _report(), [], AT)
    assert a.allowed_categories == ["missing", "absent"]
    assert a.recommended_category == "absent"


def test_r_cls_01_unknown_blocks_absent() -> None:
    a = assess(
        load_profile("west-midlands-2015"), _person(), _report(harm_or_crime="unknown"), [], AT
    )
    assert a.allowed_categories == ["missing"]
    assert {"R-CLS-01", "R-CLS-02"} <= {r.rule for r in a.reasons}


def test_r_cls_01_q10_and_q12_unknown_do_not_block() -> None:
    a = assess(
        load_profile("west-midlands-2015"),
        _person(),
        _report(supported_by_services="unknown", other_concerns="unknown"),
        [],
        AT,
    )
    assert "absent" in a.allowed_categories


def test_r_cls_03_cse_from_pre_placement_assessment() -> None:
    ppa = PrePlacementAssessment(cse_risk="high")
    a = assess(
        load_profile("west-midlands-2015"), _person(pre_placement_assessment=ppa), _report(), [], AT
    )
    assert a.allowed_categories == ["missing"]


def test_r_cls_03_flag_not_yet_active_is_ignored() -> None:
    person = _person(flags=(Flag("cse", date(2025, 7, 1)),))
    a = assess(load_profile("west-midlands-2015"), person, _report(), [], AT)
    assert "absent" in a.allowed_categories


def test_r_cls_08_looked_after_never_absent_wmc14() -> None:
    a = assess(
        load_profile("west-mercia-2014"),
        _person(looked_after=True),
        Report(reported_at=AT, missing_from="care", answers=NO),
        [],
        AT,
    )
    assert "absent" not in a.allowed_categories
    assert "R-CLS-08" in {r.rule for r in a.reasons}


def test_r_cls_08_child_in_care_reported_to_police_is_missing_wmc14() -> None:
    """R-CLS-08 (001 §3.4.1, map-care): once the police take the report, a child in care is
    missing; the carer's unauthorised absence (R-DEF-04, R-CLS-11) exists only before it."""
    p = load_profile("west-mercia-2014")
    person = _person(looked_after=True, flags=(Flag("cse", date(2025, 2, 10)),))
    report = Report(reported_at=AT, missing_from="care", reported_by="care_staff", answers=NO)
    police = assess(p, person, report, [], AT)
    assert police.allowed_categories == ["missing"]
    assert police.recommended_category == "missing"
    assert police.minimum_risk_for_missing == "medium"
    assert police.blocked["unauthorised_absence"][0].rule == "R-CLS-08"
    carer = assess(p, person, report, [], AT, reported_to_police=False)
    assert carer.allowed_categories == ["missing", "unauthorised_absence"]
    assert carer.recommended_category == "unauthorised_absence"


def test_r_cls_08_missing_from_care_counts_as_in_care_wmc14() -> None:
    p = load_profile("west-mercia-2014")
    report = Report(reported_at=AT, missing_from="care", reported_by="foster_carer", answers=NO)
    assert assess(p, _person(), report, [], AT).allowed_categories == ["missing"]


def test_blocked_names_only_the_rules_that_block_each_category() -> None:
    """What an authority refusal cites (refused_by): the blockers of that category only."""
    person = _person(flags=(Flag("cse", date(2025, 2, 10)),))
    a = assess(load_profile("west-midlands-2015"), person, _report(), [], AT)
    assert [r.rule for r in a.blocked["absent"]] == ["R-CLS-03"]
    free = assess(load_profile("west-midlands-2015"), _person(), _report(), [], AT)
    assert "absent" not in free.blocked


def test_r_rpt_05_questions_may_wait_for_a_missing_two_year_old() -> None:
    """R-RPT-05 / R-CLS-04: 'a missing 2yr old child': deploy, the questions wait."""
    two = _person(date_of_birth=date(2023, 1, 9))
    report = Report(reported_at=AT, answers={})
    for profile_id in ("west-midlands-2015", "west-midlands-2018"):
        reason = questions_may_wait(load_profile(profile_id), two, report, AT)
        assert reason is not None and reason.rule == "R-RPT-05"
        assert "aged 2" in reason.text and "R-CLS-04" in reason.text


def test_r_rpt_05_questions_do_not_wait_for_a_fourteen_year_old() -> None:
    report = Report(reported_at=AT, answers={})
    assert questions_may_wait(load_profile("west-midlands-2015"), _person(), report, AT) is None


def test_r_rpt_05_no_evident_danger_age_in_the_profile_wmc14() -> None:
    """WMC14 sets no immediate_deployment_max_age (SILENT in 001): every question asked."""
    two = _person(date_of_birth=date(2023, 1, 9))
    report = Report(reported_at=AT, answers={})
    assert questions_may_wait(load_profile("west-mercia-2014"), two, report, AT) is None


def test_r_rpt_05_boundary_is_the_profiles_age_on_the_uk_local_date() -> None:
    """C-12: aged 5 (the WMP15 local choice) waits; the 6th birthday, on the UK local date,
    does not (23:30 UTC on 9 June is 00:30 BST on 10 June)."""
    p = load_profile("west-midlands-2015")
    at = datetime(2025, 6, 9, 23, 30, tzinfo=UTC)
    report = Report(reported_at=at, answers={})
    assert questions_may_wait(p, _person(date_of_birth=date(2019, 6, 11)), report, at) is not None
    assert questions_may_wait(p, _person(date_of_birth=date(2019, 6, 10)), report, at) is None


def test_r_rpt_05_unanswered_questions_count_as_unknown_only_when_they_may_wait() -> None:
    """R-CLS-02: where the questions wait, a question not asked is a lack of information
    (a risk), never a 'no'; otherwise an absent answer stays 'not asked'."""
    p = load_profile("west-midlands-2018")
    report = Report(reported_at=AT, answers={"out_of_character": "no"})
    two = derive_facts(p, _person(date_of_birth=date(2023, 1, 9)), report)
    assert two.questions_wait is not None
    assert two.unknowns == tuple(k for k in UNKNOWN_BLOCKING_KEYS if k != "out_of_character")
    assert len(two.unanswered) == 11
    a = assess(p, _person(date_of_birth=date(2023, 1, 9)), report, [], AT)
    assert a.minimum_risk_for_missing == "low"  # not NAR: lack of information
    assert {"R-RPT-05", "R-CLS-04", "R-CLS-02"} <= {r.rule for r in a.reasons}
    older = derive_facts(p, _person(), report)
    assert older.questions_wait is None and older.unknowns == ()


def test_r_rpt_05_answered_questions_cite_no_wait() -> None:
    a = assess(
        load_profile("west-midlands-2015"),
        _person(date_of_birth=date(2023, 1, 9)),
        _report(),
        [],
        AT,
    )
    assert "R-RPT-05" not in {r.rule for r in a.reasons}
    assert a.allowed_categories == ["missing"]


def test_r_cls_09_absent_limit_boundary() -> None:
    p = load_profile("west-mercia-2014")
    report = Report(reported_at=AT, last_contact_at=AT, answers=NO)
    before = assess(p, _person(), report, [], AT + timedelta(hours=6) - timedelta(minutes=1))
    at_six = assess(p, _person(), report, [], AT + timedelta(hours=6))
    assert "absent" in before.allowed_categories
    assert "absent" not in at_six.allowed_categories


def _absconder(age_dob: date, liable: bool, other: bool) -> tuple[str, bool]:
    p = load_profile("west-mercia-2014")
    person = _person(
        date_of_birth=age_dob,
        looked_after=True,
        subject_to_cj_order=True,
        liable_to_arrest=liable,
        other_factors_suspected=other,
    )
    a = assess(p, person, Report(reported_at=AT, missing_from="care", answers=NO), [], AT)
    return a.recommended_category, a.absconder


def test_r_cls_13_to_16_absconder_table() -> None:
    assert _absconder(date(2010, 1, 1), True, False) == ("missing", True)  # under 16: R-CLS-14
    assert _absconder(date(2009, 1, 1), False, False) == ("missing", True)  # not liable
    assert _absconder(date(2009, 1, 1), True, False) == ("absconder_only", True)  # R-CLS-15
    assert _absconder(date(2009, 1, 1), True, True) == ("missing", True)  # other factors


def test_r_cls_13_no_absconder_outside_wmc14() -> None:
    person = _person(subject_to_cj_order=True, liable_to_arrest=True)
    a = assess(load_profile("west-midlands-2015"), person, _report(), [], AT)
    assert a.absconder is False


def test_r_grd_06_wmc14_floor_is_medium() -> None:
    a = assess(load_profile("west-mercia-2014"), _person(), _report(out_of_character="yes"), [], AT)
    assert a.minimum_risk_for_missing == "medium"
    assert a.allowed_risks(load_profile("west-mercia-2014")) == ["medium", "high"]


def test_c_12_age_on_uk_local_date() -> None:
    # 23:30 UTC on 9 June is 00:30 BST on 10 June: the 16th birthday has begun.
    person = _person(date_of_birth=date(2009, 6, 10))
    report = Report(reported_at=datetime(2025, 6, 9, 23, 30, tzinfo=UTC), answers=NO)
    assert derive_facts(load_profile("west-mercia-2014"), person, report).age == 16


def test_r_rpt_10_history_never_lowers() -> None:
    p = load_profile("west-midlands-2018")
    history = [PastEpisode(AT - timedelta(days=d), "missing") for d in (10, 20, 30)]
    with_history = assess(p, _person(), _report(), history, AT)
    without = assess(p, _person(), _report(), [], AT)
    assert with_history.minimum_risk_for_missing == without.minimum_risk_for_missing
    assert with_history.allowed_categories == without.allowed_categories
    assert "R-RPT-10" in {r.rule for r in with_history.reasons}


# ------------------------------------------------------------------ properties (R-RPT-10,
# R-HMI-01, R-HMI-02): more risk information never lowers the floor nor opens 'absent'.

answers_st = st.fixed_dictionaries(
    {k: st.sampled_from(["yes", "no", "unknown"]) for k in ANSWER_KEYS}
)
flags_st = st.sets(st.sampled_from(FLAG_KINDS), max_size=4)
person_st = st.builds(
    dict,
    dob=st.dates(min_value=date(2007, 7, 1), max_value=date(2024, 1, 1)),
    looked_after=st.booleans(),
    cj=st.booleans(),
    liable=st.booleans(),
    other=st.booleans(),
)


def _case(
    profile_id: str, pdata: dict[str, object], flags: set[str], answers: dict[str, str]
) -> tuple[str, list[str]]:
    person = Person(
        date_of_birth=pdata["dob"],  # type: ignore[arg-type]
        looked_after=bool(pdata["looked_after"]),
        subject_to_cj_order=bool(pdata["cj"]),
        liable_to_arrest=bool(pdata["liable"]),
        other_factors_suspected=bool(pdata["other"]),
        flags=tuple(Flag(k) for k in sorted(flags)),
    )
    report = Report(
        reported_at=AT,
        last_contact_at=AT,
        answers=answers,
        missing_from="care" if pdata["looked_after"] else "home",
    )
    a = assess(load_profile(profile_id), person, report, [], AT + timedelta(hours=1))
    return a.minimum_risk_for_missing, a.allowed_categories


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from(list_profiles()), person_st, flags_st, answers_st, st.sampled_from(ANSWER_KEYS)
)
def test_property_yes_answer_never_lowers(
    profile_id: str, pdata: dict[str, object], flags: set[str], answers: dict[str, str], key: str
) -> None:
    """R-RPT-10 / R-HMI-02: turning an answer into 'yes' never lowers the floor."""
    floor, cats = _case(profile_id, pdata, flags, answers)
    floor2, cats2 = _case(profile_id, pdata, flags, {**answers, key: "yes"})
    assert RISK_RANK[floor2] >= RISK_RANK[floor]
    assert not ("absent" in cats2 and "absent" not in cats)
    assert not ("unauthorised_absence" in cats2 and "unauthorised_absence" not in cats)


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from(list_profiles()), person_st, flags_st, answers_st, st.sampled_from(FLAG_KINDS)
)
def test_property_adding_flag_never_lowers(
    profile_id: str, pdata: dict[str, object], flags: set[str], answers: dict[str, str], flag: str
) -> None:
    """R-FLG-03 / R-HMI-04: adding a flag never lowers the floor nor opens 'absent'."""
    floor, cats = _case(profile_id, pdata, flags, answers)
    floor2, cats2 = _case(profile_id, pdata, flags | {flag}, answers)
    assert RISK_RANK[floor2] >= RISK_RANK[floor]
    assert not ("absent" in cats2 and "absent" not in cats)


def test_each_duty_names_the_rule_that_creates_it() -> None:
    """duty_rules: R-NTF-22 for an absent report under WMP15, R-NTF-05 for the IRO and
    R-NTF-01 for children's services under West Mercia."""
    import json
    from pathlib import Path

    from misper.policy.evaluate import evaluate

    folder = Path(__file__).parent / "scenarios"
    wmp = evaluate(
        json.loads((folder / "cls-wmp15-no-apparent-risk-absent-allowed.json").read_text())
    )
    assert set(wmp["duty_rules"]) == set(wmp["duties"])
    assert wmp["duty_rules"]["notify_childrens_services"] == "R-NTF-22"
    wmc = evaluate(
        json.loads((folder / "cls-wmc14-looked-after-with-risk-missing.json").read_text())
    )
    assert wmc["duty_rules"]["notify_childrens_services"] == "R-NTF-01"
    assert wmc["duty_rules"]["notify_iro"] == "R-NTF-05"


@settings(max_examples=200, deadline=None)
@given(
    st.sampled_from(list_profiles()),
    st.dates(min_value=date(2019, 6, 11), max_value=date(2025, 6, 1)),
    answers_st,
    st.sampled_from(ANSWER_KEYS),
)
def test_property_question_not_asked_never_lowers_when_danger_is_evident(
    profile_id: str, dob: date, answers: dict[str, str], key: str
) -> None:
    """R-RPT-05 / R-CLS-02: for a child in evident danger a question left unasked counts as
    a lack of information: never a lower floor, never 'absent', than answering 'no'."""
    p = load_profile(profile_id)
    person = _person(date_of_birth=dob)
    answered = Report(reported_at=AT, last_contact_at=AT, answers={**answers, key: "no"})
    unasked = Report(
        reported_at=AT, last_contact_at=AT, answers={k: v for k, v in answers.items() if k != key}
    )
    a = assess(p, person, answered, [], AT + timedelta(hours=1))
    b = assess(p, person, unasked, [], AT + timedelta(hours=1))
    assert RISK_RANK[b.minimum_risk_for_missing] >= RISK_RANK[a.minimum_risk_for_missing]
    assert not ("absent" in b.allowed_categories and "absent" not in a.allowed_categories)

"""Return interviews: criteria R-RHI-04 (C-13) and RAG triage R-RHI-10."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

from misper.policy import rhi
from misper.policy.facts import Person
from misper.policy.profiles import load_profile
from misper.policy.types import PastEpisode

CHILD = Person(date_of_birth=date(2010, 5, 10))
P = load_profile("west-midlands-2015")


def _missing(n: int) -> list[PastEpisode]:
    return [PastEpisode(datetime(2025, 1, 1 + i, tzinfo=UTC), "missing") for i in range(n)]


def test_c_13_exactly_two_years_is_not_more() -> None:
    assert not rhi.more_than_two_years_older(date(2008, 5, 10), date(2010, 5, 10))
    assert rhi.more_than_two_years_older(date(2008, 5, 9), date(2010, 5, 10))


def test_c_13_leap_day_child() -> None:
    # a child born 29 Feb 2012: two years before is taken as 28 Feb 2010
    assert not rhi.more_than_two_years_older(date(2010, 2, 28), date(2012, 2, 29))
    assert rhi.more_than_two_years_older(date(2010, 2, 27), date(2012, 2, 29))


def test_r_rhi_04_criterion_7_partner_only() -> None:
    found = rhi.FoundFacts(with_persons=(rhi.Contact("friend", date(2000, 1, 1)),))
    met, _ = rhi.criteria(CHILD, [], found, current_category="missing")
    assert 7 not in met
    found = rhi.FoundFacts(with_persons=(rhi.Contact("partner", date(2000, 1, 1)),))
    met, _ = rhi.criteria(CHILD, [], found, current_category="missing")
    assert 7 in met


def test_r_rhi_04_criterion_1_counts_this_episode() -> None:
    met, _ = rhi.criteria(CHILD, [], rhi.FoundFacts(), current_category="missing")
    assert 1 not in met
    met, _ = rhi.criteria(CHILD, _missing(1), rhi.FoundFacts(), current_category="missing")
    assert 1 in met


def test_r_rhi_04_other_childrens_episodes_do_not_count() -> None:
    other = [PastEpisode(datetime(2025, 1, 1, tzinfo=UTC), "missing", person="child-b")]
    met, _ = rhi.criteria(CHILD, other, rhi.FoundFacts(), current_category="missing")
    assert 1 not in met


# The referral holds the associates and places visited; no risk factor is present.
KNOWN = rhi.Triage(True, True, False, False, False, False, False)


def test_r_rhi_10_green_amber_red_by_count() -> None:
    assert rhi.rag(P, [], KNOWN, current_category="missing")[0] == "green"
    assert rhi.rag(P, _missing(1), KNOWN, current_category="missing")[0] == "amber"
    assert rhi.rag(P, _missing(2), KNOWN, current_category="missing")[0] == "red"


def test_r_rhi_10_five_absences_red() -> None:
    absences = [PastEpisode(datetime(2025, 1, 1 + i, tzinfo=UTC), "absent") for i in range(5)]
    assert rhi.rag(P, absences, KNOWN, current_category="missing")[0] == "red"
    assert rhi.rag(P, absences[:4], KNOWN, current_category="missing")[0] == "green"


def test_r_rhi_10_lacking_information_amber() -> None:
    assert rhi.rag(P, [], rhi.Triage(), current_category="missing")[0] == "amber"


def test_r_rhi_10_recorded_means_known_not_of_concern() -> None:
    """associates_recorded / places_recorded say the referral holds that information
    (policy-scenarios.md): true is never a red factor, false means information lacking."""
    assert rhi.rag(P, [], KNOWN, current_category="missing")[0] == "green"
    for name in ("associates_recorded", "places_recorded"):
        colour, why = rhi.rag(P, [], replace(KNOWN, **{name: False}), current_category="missing")
        assert colour == "amber", name
        assert "information lacking" in why[0].text


def test_r_rhi_10_each_red_factor() -> None:
    for name in (
        "substance_misuse",
        "domestic_violence",
        "learning_difficulty",
        "troubled_family",
        "cse_indicators",
    ):
        triage = replace(KNOWN, **{name: True})
        assert rhi.rag(P, [], triage, current_category="missing")[0] == "red", name

"""Who flags a child, and who ends a flag (people.services.flag_place, flag_raise,
flag_end; policy/flags.py; R-FLG-01, R-FLG-04, R-FLG-05, R-FLG-06).

Birmingham's child is placed in Worcester (tests/care/region.py): the flag is placed with
the force of the placement's address, West Mercia (R-FLG-06), under the arrangement
between Birmingham and that force (R-FLG-01: direct, request, or none; no arrangement
means request)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from misper.core.errors import PermissionDenied, ValidationFailed
from misper.core.models import TimelineEvent
from misper.episodes.services import episode_recommend, episode_report
from misper.people.models import Flag, FlagRequest
from misper.people.services import flag_end, flag_place, flag_raise, police_force_for
from tests.care.region import arrangement, border_region, place
from tests.episodes.conftest import raised_the_day_before, report

pytestmark = pytest.mark.django_db

EVIDENCE = "Strategy meeting on Monday: seen getting into cars with older men"


@pytest.fixture
def placed(make_org, make_user):
    r = border_region(make_org, make_user)
    place(r)
    return r


def review_on():
    return timezone.localdate() + timedelta(days=90)


def ask(r, who, kind="cse"):
    return flag_place(
        actor=r[who], person_id=r["child"].pk, kind=kind, evidence=EVIDENCE, review_on=review_on()
    )


def raise_(r, who, kind="cse"):
    return flag_raise(
        actor=r[who], person_id=r["child"].pk, kind=kind, evidence=EVIDENCE, review_on=review_on()
    )


def test_the_flag_goes_to_the_force_of_the_placements_address_r_flg_06(placed):
    assert police_force_for(placed["child"]) == placed["wmc"]


def test_a_child_at_home_is_flagged_with_the_force_of_their_home_authority(make_org, make_user):
    r = border_region(make_org, make_user)
    assert police_force_for(r["child"]) == r["wmp"]
    outcome = ask(r, "bham_sw")
    assert outcome.request is not None and outcome.request.force == r["wmp"]


def test_police_place_the_flag(placed):
    outcome = ask(placed, "wmc_officer")
    assert outcome.request is None
    assert outcome.flag.raised_by_org == placed["worcester_lpa"]
    assert outcome.flag.kind == "cse"
    assert not FlagRequest.objects.exists()


def test_childrens_services_with_no_arrangement_ask_the_force_r_flg_01(placed):
    outcome = ask(placed, "bham_sw")
    assert outcome.flag is None
    request = outcome.request
    assert (request.force, request.kind, request.status) == (placed["wmc"], "cse", "pending")
    assert request.requested_by_org == placed["bham"]
    assert EVIDENCE in request.reason
    assert not Flag.objects.exists()
    assert TimelineEvent.objects.filter(
        verb="flag_requested", subject_id=placed["child"].pk
    ).exists()


def test_childrens_services_under_a_request_arrangement_ask_too(placed):
    arrangement(placed, "bham", "wmc", "request")
    assert ask(placed, "bham_sw").request is not None
    assert not Flag.objects.exists()


def test_childrens_services_under_a_direct_arrangement_place_the_flag(placed):
    arrangement(placed, "bham", "wmc", "direct")
    outcome = ask(placed, "bham_sw")
    assert outcome.request is None
    assert outcome.flag.raised_by_org == placed["bham"]
    assert not FlagRequest.objects.exists()


def test_an_arrangement_with_another_force_does_not_count(placed):
    arrangement(placed, "bham", "wmp", "direct")  # their own force, not the placement's
    assert ask(placed, "bham_sw").request is not None


def test_childrens_services_under_no_arrangement_are_refused_naming_r_flg_01(placed):
    arrangement(placed, "bham", "wmc", "none")
    with pytest.raises(ValidationFailed) as exc:
        ask(placed, "bham_sw")
    assert "R-FLG-01" in exc.value.message
    assert "West Mercia Police" in exc.value.message
    assert exc.value.field == "kind"
    assert not Flag.objects.exists() and not FlagRequest.objects.exists()


@pytest.mark.parametrize("mode", [None, "request", "none"])
def test_flag_raise_is_refused_to_childrens_services_without_a_direct_arrangement(placed, mode):
    if mode:
        arrangement(placed, "bham", "wmc", mode)
    with pytest.raises(PermissionDenied) as exc:
        raise_(placed, "bham_sw")
    assert "R-FLG-01" in exc.value.message
    assert not Flag.objects.exists() and not FlagRequest.objects.exists()


def test_flag_raise_by_childrens_services_with_a_direct_arrangement(placed):
    arrangement(placed, "bham", "wmc", "direct")
    assert raise_(placed, "bham_sw").raised_by_org == placed["bham"]


def test_a_carer_may_not_flag(placed):
    with pytest.raises(PermissionDenied):
        ask(placed, "carer")
    assert not Flag.objects.exists() and not FlagRequest.objects.exists()


# --- ending a flag ---------------------------------------------------------------------------


def end(r, who, flag):
    return flag_end(actor=r[who], flag_id=flag.pk, reason="Reviewed: no longer a concern")


def still_open(flag) -> bool:
    return Flag.objects.get(pk=flag.pk).ended_at is None


@pytest.fixture
def bham_flag(placed):
    arrangement(placed, "bham", "wmc", "direct")
    placed["flag"] = raise_(placed, "bham_sw", kind="self_harm")
    return placed


def test_the_organisation_that_placed_the_flag_may_end_it_r_flg_01(bham_flag):
    ended = end(bham_flag, "bham_sw2", bham_flag["flag"])  # a colleague, not the raiser
    assert ended.ended_at is not None
    event = TimelineEvent.objects.get(verb="flag_ended")
    assert event.rules == ["R-FLG-01"]


def test_another_organisations_social_worker_may_not_end_it(bham_flag):
    """Worcestershire, the host authority, sees the child but did not place the flag."""
    with pytest.raises(PermissionDenied) as exc:
        end(bham_flag, "worcs_sw", bham_flag["flag"])
    assert "R-FLG-01" in exc.value.message
    assert still_open(bham_flag["flag"])
    assert not TimelineEvent.objects.filter(verb="flag_ended").exists()


def test_a_police_inspector_may_end_another_organisations_flag(bham_flag):
    """West Mercia 2014's ``flag_end_min_role`` is inspector (a local choice)."""
    assert end(bham_flag, "wmc_inspector", bham_flag["flag"]).ended_at is not None


def test_an_officer_below_inspector_may_not_end_another_organisations_flag(bham_flag):
    with pytest.raises(PermissionDenied) as exc:
        end(bham_flag, "wmc_officer", bham_flag["flag"])
    assert "inspector" in exc.value.message
    assert still_open(bham_flag["flag"])


def test_a_call_handler_never_ends_a_cse_flag_even_of_their_own_force_r_flg_04(placed):
    flag = raise_(placed, "wmc_officer", kind="cse")
    with pytest.raises(PermissionDenied) as exc:
        end(placed, "wmc_call_handler", flag)
    assert "R-FLG-04" in exc.value.message
    assert still_open(flag)


def test_a_call_handler_may_end_another_kind_of_flag_of_their_own_force(placed):
    """Raised by an officer of the Worcester area; the call handler is at force level:
    one force, so the flag is their organisation's."""
    flag = raise_(placed, "wmc_officer", kind="self_harm")
    assert end(placed, "wmc_call_handler", flag).ended_at is not None


def test_a_call_handler_may_not_end_another_organisations_flag(bham_flag):
    with pytest.raises(PermissionDenied):
        end(bham_flag, "wmc_call_handler", bham_flag["flag"])
    assert still_open(bham_flag["flag"])


def test_an_ended_flag_cannot_be_ended_again(bham_flag):
    end(bham_flag, "bham_sw", bham_flag["flag"])
    with pytest.raises(ValidationFailed):
        end(bham_flag, "bham_sw", bham_flag["flag"])


# --- R-FLG-05: a "missing, never absent" flag and no apparent risk (West Midlands 2018) -----


@pytest.fixture
def wmp18(make_org, make_user):
    r = border_region(make_org, make_user, host_profile="west-midlands-2018")
    place(r)
    return r


def the_call(r):
    # every answer no; Q9 answered too, so that nothing but the flag is a risk
    return report(missing_from="care", establishment=r["home"])


def grade_nar(r):
    return episode_report(
        actor=r["wmc_officer"],
        person_id=r["child"].pk,
        report=the_call(r),
        category="missing",
        risk="no_apparent_risk",
        rationale="With her boyfriend, known to staff",
        latest_review_at=timezone.now() + timedelta(hours=6),  # R-REV-12
    )


def test_without_the_flag_no_apparent_risk_may_be_graded_under_wmp18(wmp18):
    """The control: the same call, no flag."""
    decision = episode_recommend(
        actor=wmp18["wmc_officer"], person_id=wmp18["child"].pk, report=the_call(wmp18)
    )
    assert decision.minimum_risk == "no_apparent_risk"
    assert grade_nar(wmp18).risk == "no_apparent_risk"


def test_a_never_absent_flag_means_never_no_apparent_risk_r_flg_05(wmp18):
    raised_the_day_before(raise_(wmp18, "wmc_officer", kind="never_absent"))
    decision = episode_recommend(
        actor=wmp18["wmc_officer"], person_id=wmp18["child"].pk, report=the_call(wmp18)
    )
    assert decision.minimum_risk == "low"
    assert "no_apparent_risk" not in decision.allowed_risks
    assert "R-FLG-05" in {r.rule for r in decision.reasons}
    with pytest.raises(ValidationFailed) as exc:
        grade_nar(wmp18)
    assert "R-FLG-05" in exc.value.rules, (exc.value.rules, exc.value.message)
    from misper.episodes.models import Episode

    assert not Episode.objects.exists()

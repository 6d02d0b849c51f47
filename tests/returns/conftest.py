"""The returns tests' region: the episode tests' force, area and child (Vale is the child's
home authority), with Streetwise, the return-interview provider Vale commissions, another
provider and another authority, and the people who work on a referral or must not see it."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest

from misper.episodes.services import episode_found, episode_report
from misper.episodes.services.record import FoundInput
from misper.returns.models import Arrangement
from tests.episodes.conftest import make_region, report


def add_returns(region: dict[str, Any], make_org: Any, make_user: Any) -> dict[str, Any]:
    vale = region["vale"]
    streetwise = make_org(
        "rhi_provider", name="Streetwise", code="streetwise", local_authority=vale
    )
    harbour = make_org("local_authority", name="Harbour", code="harbour")
    harbour_youth = make_org("rhi_provider", name="Harbour Youth", code="harbour-youth")
    people = {
        "rhi_worker": make_user("return_interview_worker", organisation=streetwise),
        "rhi_worker_2": make_user("return_interview_worker", organisation=streetwise),
        "rhi_manager": make_user("return_interview_manager", organisation=streetwise),
        "rhi_manager_2": make_user("return_interview_manager", organisation=streetwise),
        "other_provider": make_user("return_interview_worker", organisation=harbour_youth),
        "other_authority": make_user("social_worker", organisation=harbour),
        "carer": make_user("carer", organisation=region["home"]),
        "coordinator": make_user("missing_person_coordinator", organisation=region["force"]),
    }
    arrangement = Arrangement.objects.create(authority=vale, provider=streetwise)
    return {
        **region,
        **people,
        "streetwise": streetwise,
        "harbour": harbour,
        "harbour_youth": harbour_youth,
        "arrangement": arrangement,
    }


@pytest.fixture
def rhi(make_org, make_user):
    """West Midlands 2015 (the profile with the red/amber/green triage, R-RHI-10)."""
    return add_returns(make_region(make_org, make_user, "west-midlands-2015"), make_org, make_user)


def found_absent(region: dict[str, Any], person: Any, found_at: datetime) -> Any:
    """An absent report (every question answered no, the inspector deciding the category)
    two hours before ``found_at``, found at ``found_at``; the episode."""
    reported_at = found_at - timedelta(hours=2)
    ep = episode_report(
        actor=region["inspector"],
        person_id=person.pk,
        report=report(
            reported_at=reported_at,
            last_seen_at=reported_at - timedelta(hours=1),
            last_contact_at=reported_at - timedelta(minutes=30),
        ),
        category="absent",
        rationale="At a friend's; mother agrees",
        now=reported_at,
    )
    return episode_found(
        actor=region["inspector"],
        episode_id=ep.pk,
        version=ep.version,
        found=FoundInput(
            found_at=found_at,
            found_where="A friend's house",
            found_by="Mother",
            condition="Well",
            safe_and_well="done",
        ),
        now=found_at + timedelta(minutes=10),
    )

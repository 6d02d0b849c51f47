"""Harbouring warning notices in the tests: the region of tests/interventions/conftest.py
(West Mercia 2014) with the force covering Vale, another force's inspector, and an adult,
Dean Hollis, linked to Maya (13, at home) and Ellie (16, in care); notices prepared and
served through the services."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.utils import timezone

from misper.core.validation import shift_years
from misper.interventions.harbouring import NoticeInput, notice_prepare, notice_serve
from misper.interventions.models import HarbouringNotice
from misper.people.network import AdultDetails, adult_record, associate_link
from misper.people.services import (
    PersonDetails,
    associate_add,
    person_create,
    placement_record,
)

S2 = "child_abduction_act_1984_s2"
S49 = "children_act_1989_s49"


def born(years: int, *, days_ago: int = 30) -> date:
    """The date of birth of a child who turned ``years`` ``days_ago`` days ago."""
    return shift_years(timezone.localdate(), -years) - timedelta(days=days_ago)


def kid(r: dict[str, Any], given: str, dob: date, *, in_care: bool = False, authority=None):
    """A child of Vale (or ``authority``), placed at Birch Lodge by Vale when in care."""
    person = person_create(
        actor=r["call_handler"],
        details=PersonDetails(
            given_name=given,
            family_name="Test",
            date_of_birth=dob,
            home_authority=authority or r["vale"],
        ),
    )
    if in_care:
        placement_record(
            actor=r["social_worker"],
            person_id=person.pk,
            placement_type="children_home",
            address="Birch Lodge, 1 Home Lane",
            provider=r["home"],
            placing_authority=r["vale"],
            host_authority=r["vale"],
            started_on=timezone.localdate() - timedelta(days=60),
        )
    return person


def link(r: dict[str, Any], person, adult) -> None:
    """One of the child's associates is the adult."""
    associate = associate_add(
        actor=r["social_worker"], person_id=person.pk, name=adult.name, relationship="friend"
    )
    associate_link(actor=r["coordinator"], associate_id=associate.pk, adult_id=adult.pk)


def notice_region(wmc: dict[str, Any], make_org: Any, make_user: Any) -> dict[str, Any]:
    """West Mercia 2014: the force covers Vale (a policing area in Vale's area); another
    force's inspector; Dean Hollis, an adult linked to Maya (13, at home) and Ellie (16, in
    care)."""
    r = wmc
    make_org(
        "policing_area",
        name="Vale area",
        code="vale-area",
        parent=r["force"],
        local_authority=r["vale"],
    )
    other_force = make_org("police_force", name="Other Police", code="other-police")
    other_area = make_org("policing_area", name="Other area", code="other-area", parent=other_force)
    r["other_police"] = make_user("inspector", organisation=other_area)
    r["maya"] = kid(r, "Maya", born(13))
    r["ellie"] = kid(r, "Ellie", born(16), in_care=True)
    r["adult"] = adult_record(
        actor=r["coordinator"],
        details=AdultDetails(name="Dean Hollis", address="4 Mill Row", postcode="VL2 4MR"),
    )
    link(r, r["maya"], r["adult"])
    link(r, r["ellie"], r["adult"])
    return r


def given(r: dict[str, Any], *children, **kw: Any) -> NoticeInput:
    values: dict[str, Any] = {
        "adult_id": r["adult"].pk,
        "child_ids": [c.pk for c in children],
        "statement_by": "Jo Harris",
        "statement_role": "Team manager, Vale children's services",
        "statement_on": timezone.localdate() - timedelta(days=2),
        "statement_summary": "Dean Hollis is not to have any contact with the children named.",
        "authority_id": r["vale"].pk,
    }
    values.update(kw)
    return NoticeInput(**values)


def prepared(r: dict[str, Any], *children, **kw: Any) -> HarbouringNotice:
    """A notice on the adult naming the children (Maya by default), prepared by the
    coordinator an hour ago."""
    kw.setdefault("now", timezone.now() - timedelta(hours=1))
    return notice_prepare(
        actor=r["coordinator"], notice=given(r, *(children or (r["maya"],))), **kw
    )


def served(r: dict[str, Any], n: HarbouringNotice, **kw: Any) -> HarbouringNotice:
    values: dict[str, Any] = {
        "served_at": timezone.now() - timedelta(minutes=10),
        "served_where": "4 Mill Row",
        "photo_shown": True,
    }
    values.update(kw)
    return notice_serve(actor=r["sergeant"], notice_id=n.pk, version=n.version, **values)

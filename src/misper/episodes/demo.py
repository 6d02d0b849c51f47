"""Demo children and episodes for the fictional region (``misper demo``).

Deterministic: the same children, flags, placements and episodes every time, timed
relative to when the demo is built so that open cases are current. Built through the
services, so the demo data obeys the same rules (and leaves the same timeline and audit
trail) as real data."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db import transaction
from django.utils import timezone

from misper.agencies.models import Organisation, User
from misper.episodes.codes import QUESTION_KEYS, SEARCHES
from misper.episodes.services import (
    ReportInput,
    episode_close,
    episode_found,
    episode_grade_risk,
    episode_log,
    episode_report,
)
from misper.episodes.services.record import FoundInput
from misper.people.demo_dates import born
from misper.people.models import Person
from misper.people.services import (
    PersonDetails,
    PlacementReturnDetails,
    flag_place,
    flag_request_decide,
    person_create,
    placement_record,
)


@dataclass(frozen=True)
class Child:
    given: str
    family: str
    dob: date
    sex: str
    ethnicity: str
    home_la: str
    address: str
    postcode: str
    placement: tuple[str, str, str, str] | None = None  # type, provider code, placing, host
    flags: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()
    history: int = 0  # closed missing episodes in the past months
    open_state: str = ""  # "", "absent_proposed", "missing_high", "missing_medium", "found"
    extra: dict[str, str] = field(default_factory=dict)


CHILDREN: tuple[Child, ...] = (
    Child(
        "Jayden",
        "Oakes",
        date(2011, 4, 2),
        "male",
        "WBRI",
        "vale-cc",
        "12 Larch Road, Northfold",
        "VL2 3AB",
        history=1,
        open_state="absent_proposed",
    ),
    Child(
        "Amira",
        "Hassan",
        date(2010, 9, 14),
        "female",
        "AOTH",
        "vale-cc",
        "Birch Lodge, 4 Birch Lane, Northfold",
        "VL2 6FF",
        placement=("children_home", "birch-lodge", "vale-cc", "vale-cc"),
        flags=("cse",),
        history=4,
        open_state="missing_high",
    ),
    Child(
        "Kyle",
        "Brennan",
        date(2009, 2, 3),
        "male",
        "WIRI",
        "westshire-cc",
        "Elm House, 9 Elm Street, Eastmoor",
        "VL5 7GG",
        placement=("children_home", "elm-house", "westshire-cc", "vale-cc"),
        flags=("criminal_exploitation",),
        history=3,
        open_state="missing_medium",
    ),
    Child(
        "Sofia",
        "Nowak",
        date(2012, 6, 21),
        "female",
        "WOTH",
        "harbour-cc",
        "7 Quay Street, Riverside",
        "HB2 4QS",
        history=0,
        open_state="found",
    ),
    Child(
        "Tyrese",
        "Campbell",
        date(2010, 12, 1),
        "male",
        "BCRB",
        "vale-cc",
        "Ahmed household, 22 Rowan Close, Northfold",
        "VL2 2LL",
        placement=("foster_care", "foster-ahmed", "vale-cc", "vale-cc"),
        history=2,
    ),
    Child(
        "Leah",
        "Parry",
        date(2010, 6, 30),  # 16: under 18 at the end of any collection year the demo falls in
        "female",
        "WBRI",
        "harbour-cc",
        "Stepping Stones, 1 Mill Lane, Harbour",
        "HB1 5PP",
        placement=("semi_independent", "stepping-stones", "harbour-cc", "harbour-cc"),
        flags=("self_harm", "mental_health"),
        history=1,
    ),
    Child(
        "Ravi",
        "Sandhu",
        date(2011, 11, 5),
        "male",
        "AIND",
        "vale-cc",
        "3 Cedar Way, Eastmoor",
        "VL5 2CW",
    ),
    Child(
        "Chloe",
        "Dunn",
        date(2009, 7, 17),
        "female",
        "MWBC",
        "westshire-cc",
        "Willow Court, 2 Willow Walk, Riverside",
        "HB2 8HH",
        placement=("children_home", "willow-court", "westshire-cc", "harbour-cc"),
        flags=("cse", "substance_misuse"),
        history=5,
    ),
)


@dataclass(frozen=True)
class DemoReturn:
    """What the DfE's SSDA903 return (R-DAT-04, misper/insights/ssda903.py) needs of a
    looked-after child: their unique pupil number; the placement's postcode, a real one in
    the host authority's area (the region's made-up postcodes are not in the ONS directory,
    which the DfE's rules look postcodes up in); and what the placing authority records with
    the placement. Fictional UPNs and Ofsted numbers, real postcodes."""

    upn: str
    postcode: str
    placement: PlacementReturnDetails


def _dfe(**kw: str) -> PlacementReturnDetails:
    return PlacementReturnDetails(**kw)


RETURN_DETAILS: dict[str, DemoReturn] = {
    "Amira": DemoReturn(
        "A820200101011",
        "WR1 1AA",
        _dfe(
            legal_status="C2",
            category_of_need="N1",
            provided_by="PR1",
            ofsted_urn="SC482911",
            home_postcode="WR5 1AA",
        ),
    ),
    "Kyle": DemoReturn(
        "B855200101022",
        "WR5 1AB",
        # Accommodated under section 20 in a children's home: he turns 18 in the year
        # (DfE rule 359).
        _dfe(
            legal_status="V2",
            category_of_need="N5",
            provided_by="PR2",
            ofsted_urn="SC512873",
            home_postcode="SY1 1AA",
        ),
    ),
    "Tyrese": DemoReturn(
        "C820200101033",
        "WR2 4AA",
        _dfe(
            legal_status="C2",
            category_of_need="N4",
            dfe_placement_type="U6",
            provided_by="PR4",
            ofsted_urn="SC398214",
            home_postcode="WR4 0AB",
        ),
    ),
    "Leah": DemoReturn(
        "D884200101044",
        "HR2 0AA",
        _dfe(
            legal_status="V2",
            category_of_need="N4",
            provided_by="PR5",
            ofsted_urn="2654321",
            home_postcode="HR1 1AB",
        ),
    ),
    "Chloe": DemoReturn(
        "E855200101055",
        "HR1 1AA",
        _dfe(
            legal_status="V2",
            category_of_need="N1",
            provided_by="PR2",
            ofsted_urn="SC617204",
            home_postcode="SY3 0AA",
        ),
    ),
}


def _answers(risky: bool) -> dict[str, dict[str, str]]:
    out = {
        k: {"answer": "no", "detail": "Caller says not as far as they know."} for k in QUESTION_KEYS
    }
    if risky:
        out["out_of_character"] = {"answer": "yes", "detail": "Has never stayed out this late."}
        out["harm_or_crime"] = {"answer": "unknown", "detail": "Caller cannot say who she is with."}
    return out


def _report(
    child: Child, person: Person, at: datetime, orgs: dict[str, Organisation], risky: bool
) -> ReportInput:
    provider = orgs.get(child.placement[1]) if child.placement else None
    return ReportInput(
        reported_at=at,
        reported_by="care_staff" if provider else "parent",
        informant_name="Duty manager" if provider else f"Parent of {child.given}",
        informant_phone="07700 900000",
        missing_from="care" if provider else "home",
        location_address=child.address,
        location_postcode=child.postcode,
        establishment=provider,
        last_seen_at=at - timedelta(hours=3),
        last_seen_place="Town centre bus station",
        last_contact_at=at - timedelta(hours=2),
        circumstances="Did not come back at the agreed time; phone switched off.",
        answers=_answers(risky),
        searches={k: {"state": "done", "detail": ""} for k, _ in SEARCHES},
        area=orgs[_area_for(child.postcode)],
    )


def _area_for(postcode: str) -> str:
    if postcode.startswith("HB"):
        return "lpa-riverside"
    return "lpa-eastmoor" if postcode.startswith("VL5") else "lpa-northfold"


@transaction.atomic
def build_children_and_episodes() -> int:
    """Create the demo children and episodes once. Returns how many children were made."""
    if Person.objects.exists():
        return 0
    orgs = {o.code: o for o in Organisation.objects.all()}
    users = {u.email: u for u in User.objects.all()}
    call_handler = users["callhandler@vale-police.demo"]
    officer = users["officer@vale-police.demo"]
    inspector = users["inspector@vale-police.demo"]
    coordinator = users["coordinator@vale-police.demo"]
    social_workers = {
        "vale-cc": users["socialworker@vale-cc.demo"],
        "harbour-cc": users["socialworker@harbour-cc.demo"],
        "westshire-cc": users["socialworker@westshire-cc.demo"],
    }
    now = timezone.now().replace(second=0, microsecond=0)
    made = 0
    for i, child in enumerate(CHILDREN):
        sw = social_workers[child.home_la]
        dfe = RETURN_DETAILS.get(child.given)
        person = person_create(
            actor=sw,
            details=PersonDetails(
                given_name=child.given,
                family_name=child.family,
                date_of_birth=born(child.dob),
                sex=child.sex,
                ethnicity=child.ethnicity,
                home_address=child.address,
                home_postcode=child.postcode,
                home_authority=orgs[child.home_la],
                upn=dfe.upn if dfe else "",
                is_mother=False if dfe and child.sex == "female" else None,
            ),
        )
        made += 1
        if child.placement:
            kind, provider, placing, host = child.placement
            # The region's made-up postcodes are not in the ONS directory: the host
            # authority is named, and its force is the one policing it.
            placement_record(
                actor=sw,
                person_id=person.pk,
                placement_type=kind,
                address=child.address,
                postcode=dfe.postcode if dfe else "",
                provider=orgs[provider],
                placing_authority=orgs[placing],
                host_authority=orgs[host],
                started_on=(now - timedelta(days=200 + 10 * i)).date(),
                dfe=dfe.placement if dfe else None,
            )
        for kind in child.flags:
            review_on = (now + timedelta(days=90)).date()
            outcome = flag_place(
                actor=sw,
                person_id=person.pk,
                kind=kind,
                evidence="Assessed at the strategy meeting; see the care plan.",
                review_on=review_on,
            )
            if outcome.request is not None:
                # Only Vale places flags with the police directly; the other authorities
                # ask, and the force's coordinator places them (R-FLG-01, R-FLG-02).
                flag_request_decide(
                    actor=coordinator,
                    request_id=outcome.request.pk,
                    accept=True,
                    review_on=review_on,
                )
        # Closed history: one episode every few weeks, found the next morning.
        for n in range(child.history):
            at = now - timedelta(days=20 + 25 * (child.history - n))
            ep = episode_report(
                actor=call_handler,
                person_id=person.pk,
                report=_report(child, person, at, orgs, risky=True),
                category="missing",
                now=at,
            )
            ep = episode_grade_risk(
                actor=officer,
                episode_id=ep.pk,
                version=ep.version,
                risk="medium",
                rationale="Secondary assessment at the home",
                now=at + timedelta(hours=1),
            )
            ep = episode_found(
                actor=officer,
                episode_id=ep.pk,
                version=ep.version,
                found=FoundInput(
                    found_at=at + timedelta(hours=14),
                    found_where="A friend's address",
                    found_by="Patrol officer",
                    condition="Tired, no injuries",
                    safe_and_well="done",
                ),
                now=at + timedelta(hours=15),
            )
            episode_close(
                actor=inspector, episode_id=ep.pk, version=ep.version, now=at + timedelta(hours=16)
            )
        # Kyle's case has been open a day, so its risk review is overdue on the duty
        # inspector's list; the others were reported in the last few hours.
        at = now - timedelta(hours=26 if child.open_state == "missing_medium" else 1 + i)
        if child.open_state == "absent_proposed":
            episode_report(
                actor=call_handler,
                person_id=person.pk,
                report=_report(child, person, at, orgs, risky=False),
                category="absent",
                now=at,
            )
        elif child.open_state in ("missing_high", "missing_medium", "found"):
            ep = episode_report(
                actor=call_handler,
                person_id=person.pk,
                report=_report(child, person, at, orgs, risky=True),
                category="missing",
                now=at,
            )
            risk = "high" if child.open_state == "missing_high" else "medium"
            ep = episode_grade_risk(
                actor=officer,
                episode_id=ep.pk,
                version=ep.version,
                risk=risk,
                rationale="Initial assessment on attendance",
                now=at + timedelta(minutes=30),
            )
            episode_log(
                actor=officer,
                episode_id=ep.pk,
                kind="enquiry",
                text_="Spoke to staff and checked the usual addresses.",
                action_at=at + timedelta(minutes=40),
                now=at + timedelta(minutes=50),
            )
            if child.open_state == "found":
                episode_found(
                    actor=officer,
                    episode_id=ep.pk,
                    version=ep.version + 1,
                    found=FoundInput(
                        found_at=now - timedelta(minutes=5),
                        found_where="Riverside library",
                        found_by="PC Lee",
                        condition="Well",
                        safe_and_well="done",
                    ),
                    now=now,
                )
    return made

"""The world the access tests run in: two forces, two councils, two children's homes, a
return-interview providers (one commissioned by the child's council, with a referral taken
through to a shared interview), a safeguarding board, one user for each persona of the access
matrix, a looked-after child with an ordinary and a restricted episode, and one of each
object a route can name (flag, transfer, message, token, webhook endpoint).

Everything is made through the services, as people would make it."""

from __future__ import annotations

from datetime import date, timedelta
from io import BytesIO
from typing import Any

from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.test import Client
from PIL import Image

from misper.agencies.services import api_token_create, organisation_create, user_create
from misper.care.services import assessment_save
from misper.episodes.services import (
    carer_report_make,
    episode_cse_screening,
    episode_report,
    episode_restrict,
    transfer_propose,
)
from misper.insights.models import ImportJob
from misper.interventions import services as interventions
from misper.interventions.harbouring import NoticeInput, notice_prepare
from misper.interventions.models import TriggerRecord
from misper.notifications.models import Message
from misper.notifications.services import arrangement_save, webhook_endpoint_add
from misper.people.duplicates import duplicate_sweep, merge
from misper.people.models import DuplicatePair, Location, Person
from misper.people.network import AdultDetails, adult_record, associate_link
from misper.people.services import (
    PersonDetails,
    allocation_set,
    associate_add,
    flag_raise,
    person_create,
    person_photo_set,
    person_share,
    place_add,
    placement_record,
)
from misper.returns import services as returns
from misper.returns.models import Arrangement, Referral
from tests.care.factories import assessment_values, carer_values
from tests.episodes.conftest import NOW, answers, report
from tests.returns.journey import found_child, interviewed, triage

# Each persona of the matrix, with its role and organisation (keys of the orgs below).
PERSONAS: dict[str, tuple[str, str]] = {
    "other_force": ("inspector", "harbour_area"),
    "call_handler": ("call_handler", "north"),
    "sergeant": ("sergeant", "north"),
    "inspector": ("inspector", "north"),
    "carer_other": ("carer", "elm"),
    "carer_right": ("carer", "birch"),
    "sw_other": ("social_worker", "harbour_council"),
    "sw_right": ("social_worker", "vale_council"),
    "rhi_worker": ("return_interview_worker", "rhi"),
    "rhi_manager": ("return_interview_manager", "rhi"),
    "rhi_other": ("return_interview_worker", "harbour_rhi"),
    "analyst": ("analyst", "vale_police"),
    "board": ("safeguarding_board_member", "board"),
    "admin": ("system_administrator", "vale_police"),
}
PASSWORD = "Correct-Horse-42"


def _orgs() -> dict[str, Any]:
    o: dict[str, Any] = {}

    def org(key: str, kind: str, name: str, **kw: Any) -> None:
        o[key] = organisation_create(actor=None, kind=kind, name=name, code=key, **kw)

    org("vale_police", "police_force", "Vale Police", policy_profile="west-midlands-2015")
    org("vale_council", "local_authority", "Vale Council")
    org("harbour_council", "local_authority", "Harbour Council")
    org(
        "north",
        "policing_area",
        "North",
        parent=o["vale_police"],
        local_authority=o["vale_council"],
    )
    org("south", "policing_area", "South", parent=o["vale_police"])
    org("harbour_police", "police_force", "Harbour Police", policy_profile="west-midlands-2015")
    org("harbour_area", "policing_area", "Harbour Central", parent=o["harbour_police"])
    org("birch", "childrens_home", "Birch Lodge", local_authority=o["vale_council"])
    org("elm", "childrens_home", "Elm House", local_authority=o["vale_council"])
    org("rhi", "rhi_provider", "Streetwise", local_authority=o["vale_council"])
    org("harbour_rhi", "rhi_provider", "Harbour Youth", local_authority=o["harbour_council"])
    org("board", "safeguarding_board", "Vale Safeguarding Children Board")
    org("northshire", "local_authority", "Northshire Council")
    return o


def build() -> dict[str, Any]:
    w: dict[str, Any] = _orgs()
    for name, (role, org) in PERSONAS.items():
        w[name] = user_create(
            actor=None,
            email=f"{name}@access.test",
            full_name=name.replace("_", " ").title(),
            organisation=w[org],
            roles=[role],
            password=PASSWORD,
        )
    w["fim"] = user_create(
        actor=None,
        email="fim@access.test",
        full_name="Force Incident Manager",
        organisation=w["north"],
        roles=["chief_inspector"],
        password=PASSWORD,
    )
    child = person_create(
        actor=w["call_handler"],
        details=PersonDetails(
            given_name="Keira",
            family_name="Lomax",
            date_of_birth=date(2011, 6, 14),
            home_authority=w["vale_council"],
        ),
    )
    placement_record(
        actor=w["sw_right"],
        person_id=child.pk,
        placement_type="children_home",
        address="1 Birch Lane",
        provider=w["birch"],
        placing_authority=w["vale_council"],
        host_authority=w["vale_council"],
        started_on=date.today() - timedelta(days=30),
    )
    w["child"] = child
    image = BytesIO()
    Image.new("RGB", (16, 16), "teal").save(image, "JPEG")
    person_photo_set(
        actor=w["sw_right"], person_id=child.pk, content=image.getvalue(), taken_on=date.today()
    )
    # Vale Council places flags with Vale Police directly (R-FLG-01).
    arrangement_save(
        actor=w["admin"],
        from_org=w["vale_council"],
        to_org=w["vale_police"],
        channels=[],
        flag_placement="direct",
    )
    w["flag"] = flag_raise(
        actor=w["sw_right"],
        person_id=child.pk,
        kind="cse",
        evidence="Seen in a car with adults not known to the home",
        review_on=date.today() + timedelta(days=60),
    )
    # Shared with a council none of the personas belongs to, so nobody's view changes.
    w["share"] = person_share(
        actor=w["sw_right"],
        person_id=child.pk,
        organisation=w["northshire"],
        reason="The child may move to Northshire",
    )
    w["episode"] = episode_report(
        actor=w["call_handler"],
        person_id=child.pk,
        report=report(
            answers=answers(out_of_character="yes"),
            reported_by="care_staff",
            missing_from="care",
            informant_phone="07700 900111",
            intelligence_checks="PNC: known associate of an adult of concern",
        ),
        category="missing",
        risk="medium",
        rationale="out of character, CSE flag",
        now=NOW,
    )
    hidden = episode_report(
        actor=w["call_handler"],
        person_id=child.pk,
        report=report(
            reported_at=NOW - timedelta(days=3),
            last_seen_at=NOW - timedelta(days=3, hours=2),
            last_contact_at=None,
            answers=answers(abuse_or_exploitation="yes"),
        ),
        category="missing",
        risk="medium",
        rationale="forced marriage concern",
        now=NOW - timedelta(days=3),
    )
    w["restricted"] = episode_restrict(
        actor=w["fim"],
        episode_id=hidden.pk,
        version=hidden.version,
        reason="forced marriage concern: honour-based abuse procedure",
    )
    w["transfer"] = transfer_propose(
        actor=w["inspector"],
        episode_id=w["episode"].pk,
        to_area=w["south"],
        reason="The child's placement is in the south",
    )
    w["episode"].refresh_from_db()
    w["message"] = (
        Message.objects.filter(subject_type="episode", subject_id=str(w["episode"].pk))
        .order_by("id")
        .first()
    )
    # A found episode ten days ago, with its return-interview referral to Streetwise (Vale's
    # commissioned provider): triaged amber, information asked and received, triaged red,
    # offered, interviewed; a disclosure, a recommendation, and an associate and a flag
    # request shared with the police.
    Arrangement.objects.create(authority=w["vale_council"], provider=w["rhi"])
    found_at = NOW - timedelta(days=10)
    referral = found_child(police=w["call_handler"], person=child, found_at=found_at)
    assert referral is not None
    referral = triage(w["rhi_worker"], referral, {}, "amber")
    w["info_request"] = returns.information_request(
        actor=w["rhi_worker"],
        referral_id=referral.pk,
        version=referral.version,
        agency_id=w["vale_council"].pk,
        asked="Who does the child spend time with?",
    )
    returns.information_received(
        actor=w["rhi_worker"],
        request_id=w["info_request"].pk,
        version=referral.version + 1,
        answer="An older boyfriend, Jay",
    )
    referral = interviewed(
        w["rhi_worker"],
        Referral.objects.get(pk=referral.pk),
        held_at=found_at + timedelta(hours=30),
    )
    w["disclosure"] = returns.disclosure_add(
        actor=w["rhi_worker"],
        referral_id=referral.pk,
        summary="Jay gives her alcohol",
        step="police",
        due=NOW + timedelta(days=1),
    )
    w["recommendation"] = returns.recommendation_add(
        actor=w["rhi_worker"],
        referral_id=referral.pk,
        text="Review the placement's evening routine",
        owner_id=w["vale_council"].pk,
        due_on=date.today() + timedelta(days=14),
    )
    w["shared"] = returns.item_share(
        actor=w["rhi_worker"],
        referral_id=referral.pk,
        item=returns.ItemInput(
            kind="associate", text="Jay", relationship="boyfriend", age=19, legal_basis="cda_s115"
        ),
    )
    w["flag_request"] = returns.item_share(
        actor=w["rhi_worker"],
        referral_id=referral.pk,
        item=returns.ItemInput(
            kind="flag_request",
            text="",
            flag_kind="cse",
            detail="Older boyfriend supplying alcohol",
            legal_basis="ca2004_s11",
        ),
    ).flag_request
    w["referral"] = Referral.objects.get(pk=referral.pk)
    # A repeat-missing intervention raised by hand by the force's coordinator (not a persona:
    # the coordinators' own doors are tested in tests/interventions), its meeting held with
    # the police and an action for the child's council.
    w["coordinator"] = user_create(
        actor=None,
        email="coordinator@access.test",
        full_name="Missing Person Coordinator",
        organisation=w["vale_police"],
        roles=["missing_person_coordinator"],
        password=PASSWORD,
    )
    w["trigger"] = interventions.trigger_raise(
        actor=w["coordinator"],
        person_id=child.pk,
        level=1,
        rationale="A single episode with very high risk: an adult of concern (R-TRG-14)",
        now=NOW,
    )
    meeting = interventions.meeting_arrange(
        actor=w["coordinator"],
        meeting_id=w["trigger"].meeting.pk,
        version=w["trigger"].meeting.version,
        scheduled_for=NOW + timedelta(hours=1),
        place="Vale House",
        now=NOW,
    )
    police = meeting.invitees.get(user=w["coordinator"])
    w["meeting"] = interventions.meeting_record(
        actor=w["coordinator"],
        meeting_id=meeting.pk,
        version=meeting.version,
        held_at=NOW + timedelta(hours=1),
        attended=[police.pk],
        discussion="Push and pull factors",
        plan="Weekly visits",
        now=NOW + timedelta(hours=2),
    )
    w["action"] = interventions.action_add(
        actor=w["coordinator"],
        meeting_id=meeting.pk,
        text="Review the placement's evening routine",
        owner_id=w["vale_council"].pk,
        due_on=date.today() + timedelta(days=7),
    )
    # The child's three missing episodes in three calendar months (the ordinary, the
    # restricted and the returns journey's) made Vale Police's profile (West Midlands 2015)
    # list her for Vale Council's MASE meeting (R-TRG-07, R-CSE-02): the engine's record,
    # with its discussion, not yet dated.
    w["mase_trigger"] = TriggerRecord.objects.get(kind="mase_3_in_3_months", person=child)
    # Children's services: a team manager (not a persona) allocates the persona social
    # worker; the assessment has a version; the carer's report of another absence.
    w["team_manager"] = user_create(
        actor=None,
        email="team_manager@access.test",
        full_name="Team Manager",
        organisation=w["vale_council"],
        roles=["team_manager"],
        password=PASSWORD,
    )
    w["allocation"] = allocation_set(
        actor=w["team_manager"], person_id=child.pk, role="social_worker", user_id=w["sw_right"].pk
    )
    w["assessment"] = assessment_save(
        actor=w["sw_right"],
        person_id=child.pk,
        values=assessment_values(),
        completed_with="Birch Lodge manager",
        based_on=None,
    )
    w["carer_report"] = carer_report_make(
        actor=w["carer_right"],
        person_id=child.pk,
        kind="missing",
        last_seen_at=NOW - timedelta(hours=1),
        values=carer_values(),
        completed_by="Carer Right",
        designation="Residential worker",
        now=NOW,
    )
    # The ordinary episode's CSE screening (R-CSE-01): concerns already known, nobody told.
    w["cse_screening"] = episode_cse_screening(
        actor=w["inspector"],
        episode_id=w["episode"].pk,
        version=0,
        outcome="concerns_already_known",
        indicators="CSE flag active; question 9 answered",
        now=NOW,
    )
    # The network (issue 12, part 5): an adult the child's associate is, a place the child
    # is known to go to; and a harbouring notice on the adult naming the child (R-HRB-04),
    # prepared by the coordinator from Vale Council's statement, not yet served.
    associate = associate_add(
        actor=w["sw_right"], person_id=child.pk, name="Dean Hollis", relationship="boyfriend"
    )
    w["adult"] = adult_record(
        actor=w["coordinator"],
        details=AdultDetails(name="Dean Hollis", address="4 Mill Row", postcode="VL2 4MR"),
    )
    w["associate"] = associate_link(
        actor=w["coordinator"], associate_id=associate.pk, adult_id=w["adult"].pk
    )
    place_add(
        actor=w["sw_right"], person_id=child.pk, description="Mill Row flats", postcode="VL2 4MR"
    )
    w["location"] = Location.objects.get(postcode="VL2 4MR")
    w["notice"] = notice_prepare(
        actor=w["coordinator"],
        notice=NoticeInput(
            adult_id=w["adult"].pk,
            child_ids=[child.pk],
            statement_by="Jo Harris",
            statement_role="Team manager, Vale Council",
            statement_on=date.today(),
            statement_summary="Dean Hollis is not to have any contact with Keira Lomax.",
            authority_id=w["vale_council"].pk,
        ),
    )
    # Possible duplicate records (issue 13, part 4): a second record of the child ("Kiera"),
    # found by the sweep and waiting on the coordinators' list, and a third, copied, merged
    # into hers by the coordinator.
    twin, copy = (
        person_create(
            actor=w["call_handler"],
            details=PersonDetails(
                given_name=given,
                family_name="Lomax",
                date_of_birth=date(2011, 6, 14),
                home_authority=w["vale_council"],
            ),
        )
        for given in ("Kiera", "Keira")
    )
    duplicate_sweep(person_ids=[twin.pk])
    w["duplicate_pair"] = DuplicatePair.objects.get(first=child, second=twin)
    w["merge"] = merge(
        actor=w["coordinator"],
        keep_id=child.pk,
        merge_away_id=copy.pk,
        keep_version=Person.objects.get(pk=child.pk).version,
        merge_away_version=copy.version,
        reason="The same child: recorded twice on one call",
    )
    # An import of history into Vale Police (insights/bulk_import.py), waiting for its check.
    w["import_job"] = ImportJob.objects.create(
        force=w["vale_police"], created_by=w["admin"], system="Niche", file_name="history.csv"
    )
    w["token"] = api_token_create(actor=w["inspector"], name="script").token
    w["endpoint"] = webhook_endpoint_add(
        actor=w["admin"], organisation_id=w["vale_council"].pk, url="https://hooks.vale.test/misper"
    ).endpoint
    return w


def client_for(user: Any | None) -> Client:
    """A browser session for the user, signed in with an authenticator app set up (as
    everyone must have outside demo mode); anonymous for None."""
    client = Client()
    if user is not None:
        if not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
            TOTP.activate(user, generate_totp_secret())
        client.force_login(user)
    return client

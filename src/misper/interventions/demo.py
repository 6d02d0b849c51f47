"""Repeat missing in the demo region (``misper demo``): fictional, deterministic.

The demo force works to West Mercia 2014, so the children's episodes (built by the
episodes and returns demos) have already fired its escalating triggers (R-TRG-10..13):
each hit is a trigger record with its meeting. ``build_interventions`` (after the returns
demo) takes them through the coordinators' and children's services' steps, so that the
coordinator's desk (coordinator@vale-police.demo) shows every state:

- new level 1 and 2 records with their meetings to arrange (Amira, Kyle, Ravi, Leah) and
  Chloe's level 3 (its report went to the force's strategic lead, R-TRG-12);
- Tyrese's level 2 meeting arranged by Vale's social worker, his level 1 closed as covered
  by it;
- Kyle's first level 1 (six weeks ago) held with three actions: one done, one due, one
  overdue (the worker reminds its owner);
- Amira's and Chloe's earlier meetings held (two and three months ago), Chloe's first
  level 1 closed as covered by her level 2, and Amira's first closed by the coordinator;
- Chloe's level 1 of this week deferred: Harbour Youth Support already works with her, the
  coordinator and Westshire's social worker agree (R-TRG-15);
- a harbouring warning notice on Dean Marsh, the adult Amira's return interview named,
  served and breached once (R-HRB-04), citing for Amira (16, in care) section 49 of the
  Children Act 1989 only (R-HRB-02).

Everything goes through the services at times relative to the triggering reports; no
episode is added (the demo's children and open cases stay as they are). The region has
one force, on West Mercia 2014: West Midlands' non-crime references (R-TRG-05) and the
MASE listing (R-TRG-07) belong to other profiles and do not arise here.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from misper.agencies.models import Organisation, User
from misper.core.errors import DomainError
from misper.interventions import harbouring, services
from misper.interventions.models import (
    HarbouringNotice,
    Meeting,
    MeetingStatus,
    TriggerRecord,
    TriggerStatus,
)
from misper.people.models import Associate, Person
from misper.people.network import AdultDetails, adult_record, associate_link
from misper.people.services import associate_add

COORDINATOR = "coordinator@vale-police.demo"
VALE_SW = "socialworker@vale-cc.demo"
VALE_TM = "teammanager@vale-cc.demo"
WESTSHIRE_SW = "socialworker@westshire-cc.demo"
SERGEANT = "sergeant@vale-police.demo"
OFFICER = "officer@vale-police.demo"


class _Demo:
    def __init__(self, users: dict[str, User], orgs: dict[str, Organisation], now: datetime):
        self.users = users
        self.orgs = orgs
        self.now = now
        self.helen = users[COORDINATOR]

    def records(self, given: str, kind: str, level: int) -> list[TriggerRecord]:
        """The child's records of a kind and level, oldest first."""
        return list(
            TriggerRecord.objects.filter(person__given_name=given, kind=kind, level=level)
            .select_related("episode", "person")
            .order_by("episode__reported_at", "id")
        )

    @staticmethod
    def meeting(t: TriggerRecord) -> Meeting:
        return Meeting.objects.get(trigger=t)

    def arrange(
        self,
        t: TriggerRecord,
        *,
        by: User,
        at: datetime,
        scheduled_for: datetime,
        place: str,
        chair: str,
        others: tuple[str, ...] = (),
    ) -> Meeting:
        m = self.meeting(t)
        return services.meeting_arrange(
            actor=by,
            meeting_id=m.pk,
            version=m.version,
            scheduled_for=scheduled_for,
            place=place,
            chair=chair,
            others=list(others),
            now=at,
        )

    def hold(
        self,
        t: TriggerRecord,
        *,
        place: str,
        chair: str,
        discussion: str,
        plan: str,
        care_plan: str,
        after_days: int = 4,
    ) -> Meeting:
        """Arranged the day after the trigger and held ``after_days`` after it, with the
        coordinator and children's services there (R-TRG-09)."""
        reported = t.episode.reported_at if t.episode else t.created_at
        held_at = reported + timedelta(days=after_days)
        m = self.arrange(
            t,
            by=self.helen,
            at=reported + timedelta(days=1),
            scheduled_for=held_at,
            place=place,
            chair=chair,
        )
        came = [
            i.pk
            for i in m.invitees.select_related("organisation")
            if i.user_id == self.helen.pk
            or (i.organisation_id is not None and i.organisation_id == t.authority_id)
            or (i.user is not None and i.user.organisation_id == t.authority_id)
        ]
        return services.meeting_record(
            actor=self.helen,
            meeting_id=m.pk,
            version=m.version,
            held_at=held_at,
            attended=came,
            discussion=discussion,
            plan=plan,
            care_plan=care_plan,
            now=held_at + timedelta(hours=2),
        )

    def close(self, t: TriggerRecord, outcome: str, at: datetime) -> None:
        t.refresh_from_db()
        services.trigger_close(
            actor=self.helen, trigger_id=t.pk, version=t.version, outcome=outcome, now=at
        )


def _first(records: list[TriggerRecord]) -> TriggerRecord | None:
    return records[0] if records else None


def _kyle(demo: _Demo) -> None:
    """Kyle's first level 1 (six weeks ago): held with three actions, one done, one due,
    one overdue."""
    first = _first(demo.records("Kyle", "wm_individual_3_in_90", 1))
    if first is None:
        return
    m = demo.hold(
        first,
        place="Elm House, Eastmoor",
        chair="Westshire children's services (by video)",
        discussion="Three episodes since his placement at Elm House. Pull: older boys in "
        "Eastmoor who give him cash and a phone; push: no contact with his mother since the "
        "move.",
        plan="Criminal exploitation screening; weekly contact with his mother by video; the "
        "home's evening sign-out reviewed.",
        care_plan="Care plan review with Westshire on the next looked-after review",
    )
    held = m.held_at or demo.now
    elm, westshire = demo.orgs["elm-house"], demo.orgs["westshire-cc"]
    services.action_add(
        actor=demo.helen,
        meeting_id=m.pk,
        text="Review the home's evening sign-out and report back to the coordinator",
        owner_id=elm.pk,
        due_on=timezone.localdate(held) + timedelta(days=14),
        now=held + timedelta(hours=2),
    )
    services.action_add(
        actor=demo.helen,
        meeting_id=m.pk,
        text="Strategy discussion about criminal exploitation",
        owner_id=westshire.pk,
        owner_user_id=demo.users[WESTSHIRE_SW].pk,
        due_on=timezone.localdate(demo.now) + timedelta(days=10),
        now=held + timedelta(hours=2),
    )
    done = services.action_add(
        actor=demo.helen,
        meeting_id=m.pk,
        text="Add the older boys named at the meeting to Kyle's police record",
        owner_id=demo.orgs["vale-police"].pk,
        owner_user_id=demo.helen.pk,
        due_on=timezone.localdate(held) + timedelta(days=3),
        now=held + timedelta(hours=2),
    )
    services.action_done(
        actor=demo.helen, action_id=done.pk, note="Two associates added with the intelligence"
    )


def _amira(demo: _Demo) -> None:
    """Amira's first level 1 and her level 2 meetings, held; the first closed."""
    first = _first(demo.records("Amira", "wm_individual_3_in_90", 1))
    second = _first(demo.records("Amira", "wm_individual_year", 2))
    if first is not None:
        demo.hold(
            first,
            place="Birch Lodge",
            chair="Neil Barker, team manager",
            discussion="Episodes at weekends; seen in cars with adults not known to the home.",
            plan="CSE flag reviewed; the home to call at once when she is late back.",
            care_plan="Care plan updated at the looked-after review",
        )
        demo.close(
            first,
            "Plan in place; the level 2 meeting follows it",
            (first.episode.reported_at if first.episode else demo.now) + timedelta(days=20),
        )
    if second is not None:
        demo.hold(
            second,
            place="Vale County Council, Northfold office",
            chair="Neil Barker, team manager",
            discussion="A fourth episode this year (level 2): high priority. The return "
            "interviews name the same flat on Station Road.",
            plan="Disruption of the Station Road address with the CSE team; education "
            "welfare to support school attendance.",
            care_plan="Care plan reflects the disruption plan (R-TRG-19)",
            after_days=3,
        )


def _chloe(demo: _Demo) -> None:
    """Chloe's first level 2 held and level 1 closed as covered by it; this week's
    level 1 deferred: Harbour Youth Support already works with her (R-TRG-15)."""
    l1s = demo.records("Chloe", "wm_individual_3_in_90", 1)
    l2 = _first(demo.records("Chloe", "wm_individual_year", 2))
    if l2 is not None:
        demo.hold(
            l2,
            place="Willow Court, Riverside",
            chair="Westshire children's services (by video)",
            discussion="Placed out of area; episodes follow contact with her older sister's "
            "partner.",
            plan="Harbour Youth Support to see her twice a week; the home to keep a log of "
            "cars seen outside.",
            care_plan="Westshire's care plan names the support sessions",
            after_days=2,
        )
    if len(l1s) >= 1 and l2 is not None and l1s[0].status != TriggerStatus.CLOSED:
        demo.close(
            l1s[0],
            "Covered by the level 2 meeting held the same week",
            (l2.episode.reported_at if l2.episode else demo.now) + timedelta(days=3),
        )
    if len(l1s) >= 2:
        m = demo.meeting(l1s[-1])
        services.meeting_defer(
            actor=demo.users[WESTSHIRE_SW],
            meeting_id=m.pk,
            version=m.version,
            status=MeetingStatus.DEFERRED,
            reason="Harbour Youth Support already sees her twice a week under the level 2 "
            "plan; the level 3 meeting will cover this episode.",
            partner_id=demo.orgs["harbour-youth"].pk,
            police_agreed_by_id=demo.helen.pk,
            childrens_services_agreed_by_id=demo.users[WESTSHIRE_SW].pk,
        )


def _tyrese(demo: _Demo) -> None:
    """Tyrese's level 2 meeting arranged by Vale's social worker; his level 1 closed as
    covered by it."""
    l1 = _first(demo.records("Tyrese", "wm_individual_3_in_90", 1))
    l2 = _first(demo.records("Tyrese", "wm_individual_year", 2))
    if l2 is None:
        return
    local = timezone.localtime(demo.now) + timedelta(days=2)
    demo.arrange(
        l2,
        by=demo.users[VALE_SW],
        at=demo.now,
        scheduled_for=local.replace(hour=10, minute=0),
        place="Vale County Council, Northfold office, room 2",
        chair="Neil Barker, team manager",
        others=("Yasmin Ahmed, foster carer", "Vale Academy designated safeguarding lead"),
    )
    if l1 is not None:
        demo.close(l1, "Covered by the level 2 meeting arranged for this week", demo.now)


def _harbouring(demo: _Demo) -> None:
    """Dean, the adult Amira's return interview named ("lets them stay at his flat"),
    recorded once and linked to her associate (unless the network's demo has done it); a
    harbouring warning notice on him prepared two weeks ago by the coordinator from Vale's
    team manager's statement, served by the sergeant with her photograph shown and not
    left, and breached two days ago (R-HRB-04). Amira is 16 and in care: the notice cites
    section 49 of the Children Act 1989 for her, never section 2 (R-HRB-02)."""
    if HarbouringNotice.objects.exists():
        return
    amira = Person.objects.filter(given_name="Amira").first()
    if amira is None:
        return
    sergeant = demo.users.get(SERGEANT)
    officer = demo.users.get(OFFICER)
    if sergeant is None or officer is None:
        return
    associate = Associate.objects.filter(person=amira, name__istartswith="Dean").first()
    if associate is None:
        associate = associate_add(
            actor=demo.users[VALE_SW],
            person_id=amira.pk,
            name="Dean",
            relationship="friend",
            is_adult=True,
            notes="Buys the girls food and lets them stay at his flat",
        )
    adult = associate.adult
    if adult is None:
        adult = adult_record(
            actor=demo.helen,
            details=AdultDetails(
                name="Dean Marsh",
                description="About 24. Named in Amira's return interview: buys the girls "
                "food and lets them stay at his flat.",
                address="Flat above the takeaway, Station Road, Northfold",
                postcode="VL2 7TT",
            ),
        )
        associate_link(actor=demo.helen, associate_id=associate.pk, adult_id=adult.pk)
    # Amira's age is fixed by her date of birth: once no Act covers her the notice is
    # refused, and the demo goes without it rather than fail.
    try:
        prepared_at = demo.now - timedelta(days=14)
        notice = harbouring.notice_prepare(
            actor=demo.helen,
            notice=harbouring.NoticeInput(
                adult_id=adult.pk,
                child_ids=[amira.pk],
                statement_by="Neil Barker",
                statement_role="Team manager, Vale County Council children's services",
                statement_on=timezone.localdate(prepared_at) - timedelta(days=1),
                statement_summary="Dean Marsh is prohibited from having any contact whatsoever "
                "with Amira Hassan, without exceptions: she has been found at his flat on Station "
                "Road after three of her missing episodes.",
                authority_id=demo.orgs["vale-cc"].pk,
            ),
            now=prepared_at,
        )
        notice = harbouring.notice_serve(
            actor=sergeant,
            notice_id=notice.pk,
            version=notice.version,
            served_at=prepared_at + timedelta(days=2, hours=3),
            served_where="Flat above the takeaway, Station Road, Northfold",
            photo_shown=True,
        )
        harbouring.notice_breach(
            actor=officer,
            notice_id=notice.pk,
            version=notice.version,
            at=demo.now - timedelta(days=2, hours=1),
            description="Amira seen going into the flat on Station Road with Dean Marsh at 22:10; "
            "brought back to Birch Lodge by the night shift.",
        )
    except DomainError:
        return


@transaction.atomic
def build_interventions() -> int:
    """Take the demo's trigger records through the coordinators' steps, once. Returns how
    many records there are after it (0 when it has been done, or without the demo)."""
    if (
        TriggerRecord.objects.exclude(status=TriggerStatus.NEW).exists()
        or Meeting.objects.exclude(status=MeetingStatus.TO_ARRANGE).exists()
        or not TriggerRecord.objects.exists()
    ):
        return 0
    users = {u.email: u for u in User.objects.select_related("organisation")}
    orgs = {o.code: o for o in Organisation.objects.all()}
    if not all(e in users for e in (COORDINATOR, VALE_SW, VALE_TM, WESTSHIRE_SW)):
        return 0
    if not all(c in orgs for c in ("elm-house", "westshire-cc", "vale-police", "harbour-youth")):
        return 0
    demo = _Demo(users, orgs, timezone.now().replace(second=0, microsecond=0))
    _kyle(demo)
    _amira(demo)
    _chloe(demo)
    _tyrese(demo)
    _harbouring(demo)
    return TriggerRecord.objects.count()

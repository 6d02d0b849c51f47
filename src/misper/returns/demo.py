"""Return interviews in the demo region (``misper demo``): fictional, deterministic.

``build_arrangements`` (before the children and episodes, so that every found demo child is
referred to the right organisation, R-RHI-12): Vale commissions the Safe Return Project,
which does not travel to Vale's children placed out of area; Harbour commissions Harbour
Youth Support, and the host authority interviews Harbour's children placed elsewhere;
Westshire, with no provider in the region, leaves the interviews of the children it places
here to the host authority, so its children's referrals carry a routing note.

``build_return_interviews`` (after them) takes the demo's referrals through the providers'
steps so that their queues show a referral in every state and every outcome: the old
referrals of the children's past episodes are closed, each with an outcome, and a few
recent episodes of the children with no open case give the open states. Everything is done
through the services, at times relative to when the demo is built, and the police close
each new episode once the child is found (the demo's four open cases stay four).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from misper.agencies.models import Organisation, User
from misper.episodes.demo import CHILDREN, Child, _report
from misper.episodes.services import (
    episode_close,
    episode_found,
    episode_grade_risk,
    episode_report,
)
from misper.episodes.services.record import FoundInput
from misper.people.models import Person
from misper.returns import services
from misper.returns.models import (
    Arrangement,
    Interview,
    OutOfArea,
    Referral,
    State,
)

# authority code, provider code (None: its own staff), out of area, provider travels
ARRANGEMENTS: tuple[tuple[str, str | None, OutOfArea, bool], ...] = (
    ("vale-cc", "safe-return", OutOfArea.PLACING, False),
    ("harbour-cc", "harbour-youth", OutOfArea.HOST, False),
    ("westshire-cc", None, OutOfArea.HOST, False),
)

SAFE_RETURN_WORKER = "rhi@safe-return.demo"
SAFE_RETURN_MANAGER = "rhimanager@safe-return.demo"
HARBOUR_YOUTH_WORKER = "rhi@harbour-youth.demo"

# The triage facts (R-RHI-10): everything known and no risk factor (green for a first
# episode); and the red ones a worker records for a child known to be exploited.
CLEAR = {
    "associates_recorded": True,
    "places_recorded": True,
    "substance_misuse": False,
    "domestic_violence": False,
    "learning_difficulty": False,
    "troubled_family": False,
    "cse_indicators": False,
}
EXPLOITED = {**CLEAR, "cse_indicators": True}
LACKING: dict[str, bool | None] = {}


def build_arrangements() -> int:
    """Each demo authority's return-interview arrangement, if it has none. Idempotent."""
    orgs = {o.code: o for o in Organisation.objects.all()}
    made = 0
    for authority, provider, out_of_area, travels in ARRANGEMENTS:
        if authority not in orgs or (provider and provider not in orgs):
            continue
        _, created = Arrangement.objects.get_or_create(
            authority=orgs[authority],
            defaults={
                "provider": orgs[provider] if provider else None,
                "out_of_area": out_of_area,
                "provider_takes_out_of_area": travels,
            },
        )
        made += created
    return made


class _Demo:
    """The demo's people and clock, and the steps of a referral as its workers take them
    (each step reads the referral's current version, as a page would)."""

    def __init__(self, users: dict[str, User], orgs: dict[str, Organisation], now: datetime):
        self.users = users
        self.orgs = orgs
        self.now = now
        self.maya = users[SAFE_RETURN_WORKER]
        self.ben = users[SAFE_RETURN_MANAGER]
        self.leah = users[HARBOUR_YOUTH_WORKER]

    @staticmethod
    def version(referral: Referral) -> int:
        return Referral.objects.values_list("version", flat=True).get(pk=referral.pk)

    def worker(self, referral: Referral) -> User:
        return self.maya if referral.interviewer.code == "safe-return" else self.leah

    # --- Episodes -------------------------------------------------------------------------

    def episode(
        self,
        child: Child,
        person: Person,
        reported_at: datetime,
        found_at: datetime,
        before_found: Callable[[], None] | None = None,
    ) -> Referral:
        """A new missing episode of the child, reported and graded, then (after
        ``before_found``) found by the police; the referral the returns app made."""
        officer = self.users["officer@vale-police.demo"]
        ep = episode_report(
            actor=self.users["callhandler@vale-police.demo"],
            person_id=person.pk,
            report=_report(child, person, reported_at, self.orgs, risky=True),
            category="missing",
            now=reported_at,
        )
        ep = episode_grade_risk(
            actor=officer,
            episode_id=ep.pk,
            version=ep.version,
            risk="medium",
            rationale="Secondary assessment on attendance",
            now=reported_at + timedelta(minutes=30),
        )
        if before_found is not None:
            before_found()
        ep = episode_found(
            actor=officer,
            episode_id=ep.pk,
            version=ep.version,
            found=FoundInput(
                found_at=found_at,
                found_where="Town centre",
                found_by="Patrol officer",
                condition="Tired, no injuries",
                safe_and_well="done",
            ),
            now=found_at + timedelta(minutes=10),
        )
        return Referral.objects.select_related("interviewer").get(episode=ep)

    def close_episode(self, referral: Referral, at: datetime) -> None:
        ep = referral.episode
        ep.refresh_from_db()
        episode_close(
            actor=self.users["inspector@vale-police.demo"],
            episode_id=ep.pk,
            version=ep.version,
            now=at,
        )

    # --- The referral's steps -------------------------------------------------------------

    def allocate(self, referral: Referral, worker: User) -> None:
        services.referral_allocate(
            actor=self.ben,
            referral_id=referral.pk,
            version=self.version(referral),
            worker_id=worker.pk,
        )

    def triage(
        self,
        referral: Referral,
        facts: dict[str, Any],
        rag: str,
        at: datetime,
        why: str = "",
    ) -> None:
        services.referral_triage(
            actor=self.worker(referral),
            referral_id=referral.pk,
            version=self.version(referral),
            facts=facts,
            rag=rag,
            rationale=why,
            now=at,
        )

    def ask(self, referral: Referral, agency: str, asked: str) -> Any:
        return services.information_request(
            actor=self.worker(referral),
            referral_id=referral.pk,
            version=self.version(referral),
            agency_id=self.orgs[agency].pk,
            asked=asked,
        )

    def offer(self, referral: Referral, at: datetime, *, accepted_at: datetime | None = None):
        services.interview_offer(
            actor=self.worker(referral),
            referral_id=referral.pk,
            version=self.version(referral),
            how="Phone call to the carer, then a visit",
            now=at,
        )
        if accepted_at is not None:
            services.interview_accept(
                actor=self.worker(referral),
                referral_id=referral.pk,
                version=self.version(referral),
                now=accepted_at,
            )

    def interview(self, referral: Referral, facts: dict[str, Any], held_after_hours: int):
        """Triaged red, offered, accepted and interviewed ``held_after_hours`` after the
        child was found, by an independent worker."""
        found = referral.found_at
        self.triage(referral, facts, "red", found + timedelta(hours=2))
        self.offer(referral, found + timedelta(hours=3), accepted_at=found + timedelta(hours=4))
        held_at = found + timedelta(hours=held_after_hours)
        worker = self.worker(referral)
        services.interview_record(
            actor=worker,
            referral_id=referral.pk,
            version=self.version(referral),
            details=services.InterviewInput(
                held_at=held_at,
                interviewer_name=worker.full_name,
                independent=True,
                place="A café near the placement",
                present="Nobody else (the young person's choice)",
                push_factors="Arguments about coming-in times",
                pull_factors="Friends in the town centre; an older man who buys them food",
                where_went="The bus station and a flat near Station Road",
                with_whom="Two friends from school, and Dean (about 24)",
                harm="None disclosed about this episode",
                cse_indicators=facts.get("cse_indicators"),
                cce_indicators=False,
                child_words="I didn't want to go back after the argument.",
            ),
            now=held_at + timedelta(hours=2),
        )

    def outcome(
        self,
        referral: Referral,
        outcome: str,
        at: datetime,
        *,
        reason: str = "",
        offered_instead: str = "",
    ) -> None:
        services.outcome_record(
            actor=self.worker(referral),
            referral_id=referral.pk,
            version=self.version(referral),
            outcome=outcome,
            reason=reason,
            offered_instead=offered_instead,
            now=at,
        )

    def propose_not_required(self, referral: Referral, at: datetime, reason: str) -> None:
        services.not_required_propose(
            actor=self.maya,
            referral_id=referral.pk,
            version=self.version(referral),
            reason=reason,
            now=at,
        )


def _history(person: Person) -> list[Referral]:
    """The child's referrals so far (their past episodes'), oldest first."""
    return list(
        Referral.objects.filter(person=person).select_related("interviewer").order_by("found_at")
    )


def _close_history(demo: _Demo, people: dict[str, Person]) -> None:
    """The past episodes' referrals, each closed with an outcome (R-RHI-11, R-RHI-06)."""
    amira = _history(people["Amira"])
    kyle = _history(people["Kyle"])
    tyrese = _history(people["Tyrese"])
    chloe = _history(people["Chloe"])
    (jayden,) = _history(people["Jayden"])
    (leah,) = _history(people["Leah"])

    # Jayden's first episode, nothing of concern known: green, a letter and leaflet.
    demo.triage(jayden, CLEAR, "green", jayden.found_at + timedelta(hours=3))
    day = (timezone.localtime(jayden.found_at) + timedelta(days=1)).date()
    services.letter_sent(
        actor=demo.maya,
        referral_id=jayden.pk,
        version=demo.version(jayden),
        to_carer_on=day,
        to_child_on=day,
        now=jayden.found_at + timedelta(hours=30),
    )

    # Amira (CSE flag): interviewed in time, late, declined; the latest interview shares
    # an associate, a place and a flag request with the police (R-RHI-09).
    demo.interview(amira[0], EXPLOITED, held_after_hours=26)
    demo.interview(amira[1], EXPLOITED, held_after_hours=90)
    demo.triage(amira[2], EXPLOITED, "red", amira[2].found_at + timedelta(hours=2))
    demo.offer(amira[2], amira[2].found_at + timedelta(hours=3))
    demo.outcome(
        amira[2],
        "declined_child",
        amira[2].found_at + timedelta(hours=20),
        offered_instead="A leaflet, the helpline number and a drop-in session at the project",
    )
    demo.interview(amira[3], EXPLOITED, held_after_hours=30)
    _share(demo, amira[3])

    # Kyle, placed in Vale by Westshire (routed to Vale's provider, with the note):
    # declined by the carer, then not held while he stayed in Westshire, then interviewed.
    demo.triage(kyle[0], EXPLOITED, "red", kyle[0].found_at + timedelta(hours=2))
    demo.offer(kyle[0], kyle[0].found_at + timedelta(hours=3))
    demo.outcome(
        kyle[0],
        "declined_parent",
        kyle[0].found_at + timedelta(hours=8),
        offered_instead="A call from the worker once he is settled; a leaflet for the home",
    )
    demo.outcome(
        kyle[1],
        "out_of_area",
        kyle[1].found_at + timedelta(hours=5),
        reason="Went straight to his mother's in Westshire for a week: Westshire's team "
        "spoke to him there",
    )
    demo.interview(kyle[2], EXPLOITED, held_after_hours=40)

    # Tyrese: not required (proposed by the worker, confirmed by the manager, R-RHI-06),
    # then three attempts without reaching him.
    demo.triage(tyrese[0], LACKING, "amber", tyrese[0].found_at + timedelta(hours=2))
    demo.propose_not_required(
        tyrese[0],
        tyrese[0].found_at + timedelta(hours=4),
        "His social worker saw him and his foster carer the morning after: she will "
        "do the conversation, as he asked",
    )
    services.not_required_decide(
        actor=demo.ben,
        referral_id=tyrese[0].pk,
        version=demo.version(tyrese[0]),
        confirm=True,
        reason="Agreed: the social worker knows him well and will record it",
        now=tyrese[0].found_at + timedelta(hours=6),
    )
    demo.triage(tyrese[1], EXPLOITED, "red", tyrese[1].found_at + timedelta(hours=2))
    demo.outcome(
        tyrese[1],
        "unable_to_contact",
        tyrese[1].found_at + timedelta(hours=70),
        reason="Three calls and two visits to the foster home without reaching him",
    )

    # Leah: interviewed, late. Chloe (placed in Harbour by Westshire): a mix.
    demo.interview(leah, LACKING | {"substance_misuse": True}, held_after_hours=80)
    demo.interview(chloe[0], EXPLOITED, held_after_hours=20)
    demo.triage(chloe[1], EXPLOITED, "red", chloe[1].found_at + timedelta(hours=2))
    demo.offer(chloe[1], chloe[1].found_at + timedelta(hours=3))
    demo.outcome(
        chloe[1],
        "declined_child",
        chloe[1].found_at + timedelta(hours=30),
        offered_instead="Contact details for the project's worker and the helpline",
    )
    demo.triage(chloe[2], EXPLOITED, "red", chloe[2].found_at + timedelta(hours=2))
    demo.outcome(
        chloe[2],
        "unable_to_contact",
        chloe[2].found_at + timedelta(hours=71),
        reason="Not at the home for any of the three arranged visits",
    )
    demo.interview(chloe[3], EXPLOITED, held_after_hours=75)
    demo.interview(chloe[4], EXPLOITED, held_after_hours=48)


def _share(demo: _Demo, referral: Referral) -> None:
    """What Amira's last interview shares with the police (R-RHI-09), a disclosure's step
    (R-RHI-07) and a recommendation for Vale (R-RHI-14)."""
    for item in (
        services.ItemInput(
            kind="associate",
            text="Dean",
            relationship="friend",
            age=24,
            detail="Buys the girls food and lets them stay at his flat",
            legal_basis="cda_s115",
        ),
        services.ItemInput(
            kind="place",
            text="Flat above the takeaway, Station Road, Northfold",
            postcode="VL2 7TT",
            legal_basis="cda_s115",
        ),
        services.ItemInput(
            kind="flag_request",
            text="",
            flag_kind="criminal_exploitation",
            detail="Dean asked her to carry a package across town",
            legal_basis="ca2004_s11",
        ),
    ):
        services.item_share(actor=demo.maya, referral_id=referral.pk, item=item)
    services.disclosure_add(
        actor=demo.maya,
        referral_id=referral.pk,
        summary="Dean asked her to carry a package across town",
        step="police",
        due=demo.now + timedelta(days=1),
    )
    services.recommendation_add(
        actor=demo.maya,
        referral_id=referral.pk,
        text="Strategy discussion about criminal exploitation; review her evening plan",
        owner_id=demo.orgs["vale-cc"].pk,
        due_on=timezone.localdate() + timedelta(days=14),
    )


def _open_referrals(demo: _Demo, people: dict[str, Person], children: dict[str, Child]) -> None:
    """Recent episodes of the children with no open case, their referrals in each open
    state (the children with an open case, and Sofia, found minutes ago and waiting for
    triage, are left as the episodes demo made them)."""
    now = demo.now

    def episode(name: str, reported_hours_ago: int, found_hours_ago: int) -> Referral:
        return demo.episode(
            children[name],
            people[name],
            now - timedelta(hours=reported_hours_ago),
            now - timedelta(hours=found_hours_ago),
        )

    # Ravi's first episode: the policy rates it green once everything is known, but the
    # worker waits for the school (amber); the answer is in: waiting for triage again.
    ravi1 = episode("Ravi", 70, 64)
    demo.allocate(ravi1, demo.maya)
    demo.triage(
        ravi1,
        CLEAR,
        "amber",
        now - timedelta(hours=60),
        why="The school saw him with older boys last week: asking the school first",
    )
    request = demo.ask(ravi1, "vale-academy", "Who was he with, and is he attending?")
    services.information_received(
        actor=demo.maya,
        request_id=request.pk,
        version=demo.version(ravi1),
        answer="Attending; the older boys are his cousins",
    )
    demo.close_episode(ravi1, now - timedelta(hours=62))
    # His second: two episodes is amber (adopted), the worker rates it green with a reason.
    ravi2 = episode("Ravi", 32, 26)
    demo.triage(
        ravi2,
        CLEAR,
        "green",
        now - timedelta(hours=24),
        why="Both nights at his grandparents', who called it in; a letter is enough",
    )
    demo.close_episode(ravi2, now - timedelta(hours=25))
    # His third: the worker proposes no interview; the manager has not decided yet.
    ravi3 = episode("Ravi", 12, 8)
    demo.propose_not_required(
        ravi3,
        now - timedelta(hours=6),
        "Now open to the child protection team: his social worker sees him daily and "
        "will cover the episode",
    )
    demo.close_episode(ravi3, now - timedelta(hours=7))

    # Tyrese accepted an interview, then went missing again before it; found again, his
    # new referral waits for triage (red: more than two episodes).
    tyrese1 = episode("Tyrese", 60, 56)
    demo.allocate(tyrese1, demo.maya)
    demo.triage(tyrese1, LACKING, "red", now - timedelta(hours=54))
    demo.offer(tyrese1, now - timedelta(hours=50), accepted_at=now - timedelta(hours=48))
    demo.close_episode(tyrese1, now - timedelta(hours=55))
    tyrese2_reported = now - timedelta(hours=20)
    tyrese2 = demo.episode(
        children["Tyrese"],
        people["Tyrese"],
        tyrese2_reported,
        now - timedelta(hours=16),
        before_found=lambda: demo.outcome(
            tyrese1,
            "missing_again",
            tyrese2_reported + timedelta(hours=1),
            reason="Reported missing again the night before the interview",
        ),
    )
    demo.close_episode(tyrese2, now - timedelta(hours=15))

    # Leah: amber, waiting for the semi-independent provider; then found again, offered.
    leah1 = episode("Leah", 50, 46)
    demo.triage(leah1, LACKING, "amber", now - timedelta(hours=44))
    demo.ask(leah1, "stepping-stones", "Who has been visiting her, and when did she last stay out?")
    demo.close_episode(leah1, now - timedelta(hours=45))
    leah2 = episode("Leah", 14, 10)
    demo.triage(leah2, LACKING | {"substance_misuse": True}, "red", now - timedelta(hours=9))
    demo.offer(leah2, now - timedelta(hours=8))
    demo.close_episode(leah2, now - timedelta(hours=9))

    # Chloe (placed out of area, routed to Harbour Youth with the note): accepted, then
    # found again and triaged red.
    chloe1 = episode("Chloe", 66, 60)
    demo.triage(chloe1, EXPLOITED, "red", now - timedelta(hours=58))
    demo.offer(chloe1, now - timedelta(hours=56), accepted_at=now - timedelta(hours=52))
    demo.close_episode(chloe1, now - timedelta(hours=59))
    chloe2 = episode("Chloe", 24, 20)
    demo.triage(chloe2, EXPLOITED, "red", now - timedelta(hours=18))
    demo.close_episode(chloe2, now - timedelta(hours=19))


@transaction.atomic
def build_return_interviews() -> int:
    """Take the demo's referrals through the providers' steps, once. Returns how many
    referrals there are after it (0 when it has been done, or without the demo region)."""
    if Interview.objects.exists() or Referral.objects.exclude(state=State.AWAITING_TRIAGE).exists():
        return 0
    orgs = {o.code: o for o in Organisation.objects.all()}
    users = {u.email: u for u in User.objects.select_related("organisation")}
    children = {c.given: c for c in CHILDREN}
    people = {
        p.given_name: p
        for p in Person.objects.filter(given_name__in=children)
        if p.family_name == children[p.given_name].family
    }
    needed = (SAFE_RETURN_WORKER, SAFE_RETURN_MANAGER, HARBOUR_YOUTH_WORKER)
    if len(people) != len(children) or not all(e in users for e in needed):
        return 0
    held = Referral.objects.filter(person=people["Amira"], interviewer__code="safe-return")
    if not held.exists():
        return 0  # the episodes were made before the arrangements: referred elsewhere
    demo = _Demo(users, orgs, timezone.now().replace(second=0, microsecond=0))
    _close_history(demo, people)
    _open_referrals(demo, people, children)
    return Referral.objects.count()

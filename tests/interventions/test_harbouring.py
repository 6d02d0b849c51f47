"""Harbouring warning notices through the services (interventions/harbouring.py): prepared
from the local authority manager's statement by a coordinator (for the authority chosen) or
a team manager (for their own authority, the force covering its area), naming children each
under the Act that covers them (R-HRB-02), never on a certified refuge (R-HRB-07); served by
an officer with the photograph shown and not left (R-HRB-04), the Acts checked again on the
day; breached, with an event on the timeline of every child named and of the adult;
withdrawn. A refusal writes nothing; a stale version is refused; a notice is "No such
notice" to whoever may not see it."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from misper.core.errors import (
    ConcurrentEdit,
    NotFound,
    PermissionDenied,
    ValidationFailed,
    WrongState,
)
from misper.core.models import AuditEvent, TimelineEvent
from misper.core.timeline import timeline_for_subject
from misper.interventions.harbouring import (
    notice_breach,
    notice_prepare,
    notice_serve,
    notice_withdraw,
)
from misper.interventions.models import HarbouringNotice, NoticeBreach, NoticeChild, NoticeStatus
from misper.interventions.selectors import get_notice_for_user, notices_for_user, notices_naming
from misper.people.models import Location
from misper.people.network import AdultDetails, adult_record, location_set_kind
from misper.people.services import (
    PersonDetails,
    person_create,
    place_add,
)
from tests.interventions.conftest import missing
from tests.interventions.notices import (
    S2,
    S49,
    born,
    given,
    kid,
    notice_region,
    prepared,
    served,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def h(wmc, make_org, make_user) -> dict[str, Any]:
    return notice_region(wmc, make_org, make_user)


def state() -> tuple[int, ...]:
    """Everything a notice's step writes."""
    return (
        HarbouringNotice.objects.count(),
        NoticeChild.objects.count(),
        NoticeBreach.objects.count(),
        TimelineEvent.objects.count(),
        AuditEvent.objects.count(),
    )


def events(subject_type: str, subject_id: int, verb: str) -> list[TimelineEvent]:
    return list(timeline_for_subject(subject_type, subject_id).filter(verb=verb))


def fresh(n: HarbouringNotice) -> HarbouringNotice:
    return HarbouringNotice.objects.get(pk=n.pk)


# --- Prepared ---------------------------------------------------------------------------------


def test_a_coordinator_prepares_a_notice_citing_each_childs_act(h):
    """R-HRB-03, R-HRB-04, R-HRB-02: the coordinator prepares the warning notice from
    Vale's manager's statement; Maya (13) is named under section 2, Ellie (16, in care)
    under section 49 only; the event is on both children's timelines and the adult's."""
    n = notice_prepare(actor=h["coordinator"], notice=given(h, h["maya"], h["ellie"]))
    assert (n.status, n.force, n.authority, n.prepared_by) == (
        NoticeStatus.PREPARED,
        h["force"],
        h["vale"],
        h["coordinator"],
    )
    assert (n.statement_by, n.statement_on) == (
        "Jo Harris",
        timezone.localdate() - timedelta(days=2),
    )
    acts = {c.person_id: c.acts for c in n.children.all()}
    assert acts == {h["maya"].pk: [S2], h["ellie"].pk: [S49]}
    for subject_type, pk in (
        ("person", h["maya"].pk),
        ("person", h["ellie"].pk),
        ("adult", h["adult"].pk),
    ):
        (event,) = events(subject_type, pk, "harbouring_notice_prepared")
        assert event.changes["notice"] == str(n.pk)
        assert event.changes["adult"] == "Dean Hollis"
        assert "section 2 of the Child Abduction Act 1984" in event.changes["acts"]
        assert "section 49 of the Children Act 1989" in event.changes["acts"]
        assert set(event.rules) == {"R-HRB-04", "R-HRB-02"}
    assert notices_naming(h["coordinator"], h["ellie"].pk).get() == n


def test_a_team_manager_prepares_for_their_own_authority(h):
    """The local authority manager prepares it: the authority is theirs (whatever is
    sent), the force the one covering its area."""
    n = notice_prepare(
        actor=h["team_manager"], notice=given(h, h["maya"], authority_id=h["harbour"].pk)
    )
    assert (n.authority, n.force) == (h["vale"], h["force"])
    assert notices_for_user(h["team_manager"]).get() == n
    assert notices_for_user(h["sergeant"]).get() == n


def test_a_team_manager_whose_area_no_force_covers_is_told(h, make_user):
    harbour_manager = make_user("team_manager", organisation=h["harbour"])
    with pytest.raises(ValidationFailed) as exc:
        notice_prepare(actor=harbour_manager, notice=given(h, h["maya"]))
    assert exc.value.field == "authority"


def test_the_police_choose_the_authority_whose_manager_made_the_statement(h):
    before = state()
    with pytest.raises(ValidationFailed) as exc:
        notice_prepare(actor=h["coordinator"], notice=given(h, h["maya"], authority_id=None))
    assert exc.value.field == "authority"
    with pytest.raises(ValidationFailed) as exc:
        notice_prepare(
            actor=h["coordinator"], notice=given(h, h["maya"], authority_id=h["home"].pk)
        )
    assert exc.value.field == "authority"
    assert state() == before


@pytest.mark.parametrize(
    "role", ["call_handler", "social_worker", "carer", "analyst", "investigating_officer"]
)
def test_only_coordinators_supervisors_and_team_managers_prepare(h, role):
    before = state()
    with pytest.raises(PermissionDenied):
        notice_prepare(actor=h[role], notice=given(h, h["maya"]))
    assert state() == before


def test_a_notice_names_at_least_one_child(h):
    """R-HRB-04."""
    before = state()
    with pytest.raises(ValidationFailed) as exc:
        notice_prepare(actor=h["coordinator"], notice=given(h))
    assert exc.value.field == "children"
    assert "R-HRB-04" in exc.value.message
    assert state() == before


def test_a_child_the_preparer_may_not_see_is_no_such_child(h):
    """The team manager of Vale names a child of Harbour: "No such child", on the children,
    and nothing written (not even the reads of the adult and of Maya)."""
    harbour_child = kid(h, "Lena", born(12), authority=h["harbour"])
    before = state()
    with pytest.raises(NotFound) as exc:
        notice_prepare(actor=h["team_manager"], notice=given(h, h["maya"], harbour_child))
    assert (exc.value.message, exc.value.field) == ("No such child", "children")
    assert state() == before


def test_an_adult_the_preparer_may_not_see_is_no_such_adult(h, make_user):
    before = state()
    with pytest.raises(NotFound) as exc:
        notice_prepare(actor=h["coordinator"], notice=given(h, h["maya"], adult_id=987654))
    assert (exc.value.message, exc.value.field) == ("No such adult", "adult")
    assert state() == before


@pytest.mark.parametrize(
    ("statement_on", "words"),
    [
        (None, "Enter the statement on"),
        (timedelta(days=-1), "cannot be dated in the future"),
        (timedelta(days=400), "in the last year"),
    ],
)
def test_the_statements_date_is_checked_naming_the_field(h, statement_on, words):
    day = timezone.localdate() - statement_on if statement_on is not None else None
    before = state()
    with pytest.raises(ValidationFailed) as exc:
        notice_prepare(actor=h["coordinator"], notice=given(h, h["maya"], statement_on=day))
    assert exc.value.field == "statement_on"
    assert words in exc.value.message
    assert state() == before


@pytest.mark.parametrize("field", ["statement_by", "statement_role", "statement_summary"])
def test_the_statement_is_required(h, field):
    with pytest.raises(ValidationFailed) as exc:
        notice_prepare(actor=h["coordinator"], notice=given(h, h["maya"], **{field: "  "}))
    assert exc.value.field == field


def test_a_child_of_16_not_in_care_is_refused_by_name(h):
    """R-HRB-02: neither Act covers Sam (17, at home): the notice naming Maya and Sam is
    refused, naming Sam, and nothing is written."""
    sam = kid(h, "Sam", born(17))
    before = state()
    with pytest.raises(ValidationFailed) as exc:
        notice_prepare(actor=h["coordinator"], notice=given(h, h["maya"], sam))
    assert exc.value.field == "children"
    assert exc.value.rules == ("R-HRB-02",)
    assert "neither Act covers Sam Test: they are 17 and not in care" in exc.value.message
    assert "Maya" not in exc.value.message
    assert state() == before


def test_an_estimated_age_is_carried_forward(h):
    """A child whose age was estimated at 15 a year and a half ago is 16 now: not in care,
    neither Act covers them (R-HRB-02)."""
    estimated = person_create(
        actor=h["call_handler"],
        details=PersonDetails(given_name="Nico", family_name="Test", estimated_age=15),
    )
    type(estimated).objects.filter(pk=estimated.pk).update(
        estimated_age_on=timezone.localdate() - timedelta(days=550)
    )
    with pytest.raises(ValidationFailed) as exc:
        notice_prepare(actor=h["coordinator"], notice=given(h, estimated))
    assert "Nico Test: they are 16 and not in care" in exc.value.message


def test_an_adult_whose_address_is_a_certified_refuge_is_never_a_harbourer(h):
    """R-HRB-07: a place recorded as a refuge certified under section 51 of the Children Act
    1989; an adult whose postcode is there cannot be served a notice."""
    place_add(
        actor=h["social_worker"],
        person_id=h["maya"].pk,
        description="Safe Haven",
        postcode="VL9 9RF",
    )
    place = Location.objects.get(postcode="VL9 9RF")
    location_set_kind(
        actor=h["coordinator"],
        location_id=place.pk,
        version=place.version,
        kind="certified_refuge",
        refuge_reference="S51/2026/04",
    )
    refuge_worker = adult_record(
        actor=h["coordinator"],
        details=AdultDetails(name="Ruth Lane", address="Safe Haven", postcode="vl99rf"),
    )
    before = state()
    with pytest.raises(ValidationFailed) as exc:
        notice_prepare(
            actor=h["coordinator"], notice=given(h, h["maya"], adult_id=refuge_worker.pk)
        )
    assert exc.value.field == "adult"
    assert exc.value.rules == ("R-HRB-07",)
    assert "certified refuge is never a harbourer" in exc.value.message
    assert state() == before


# --- Served -----------------------------------------------------------------------------------


def test_an_officer_serves_it_with_the_photograph_shown(h):
    """R-HRB-04: when, where, by whom, the photograph shown and not left; the event on every
    child's timeline and the adult's."""
    n = prepared(h, h["maya"], h["ellie"])
    at = timezone.now() - timedelta(minutes=10)
    s = served(h, n, served_at=at)
    s = fresh(s)
    assert (s.status, s.served_at, s.served_by, s.served_where, s.photo_shown, s.version) == (
        NoticeStatus.SERVED,
        at,
        h["sergeant"],
        "4 Mill Row",
        True,
        2,
    )
    for subject_type, pk in (
        ("person", h["maya"].pk),
        ("person", h["ellie"].pk),
        ("adult", h["adult"].pk),
    ):
        (event,) = events(subject_type, pk, "harbouring_notice_served")
        assert event.changes["served_at"] == at.isoformat()
    with pytest.raises(WrongState):
        served(h, s)


def test_the_photograph_must_be_shown_and_not_left(h):
    n = prepared(h)
    before = state()
    with pytest.raises(ValidationFailed) as exc:
        served(h, n, photo_shown=False)
    assert exc.value.field == "photo_shown"
    assert "R-HRB-04" in exc.value.message
    assert state() == before
    assert fresh(n).status == NoticeStatus.PREPARED


@pytest.mark.parametrize(
    ("when", "words"),
    [
        (timedelta(days=-1), "served after it was prepared"),
        (timedelta(hours=2), "cannot be served in the future"),
    ],
)
def test_it_is_served_after_it_was_prepared_and_not_in_the_future(h, when, words):
    n = prepared(h)
    before = state()
    with pytest.raises(ValidationFailed) as exc:
        served(h, n, served_at=(n.prepared_at if when.days < 0 else timezone.now()) + when)
    assert exc.value.field == "served_at"
    assert words in exc.value.message
    assert state() == before


def test_where_it_was_served_is_required(h):
    n = prepared(h)
    with pytest.raises(ValidationFailed) as exc:
        served(h, n, served_where="")
    assert exc.value.field == "served_where"


@pytest.mark.parametrize("who", ["call_handler", "social_worker", "team_manager"])
def test_only_officers_of_the_force_serve_it(h, who):
    n = prepared(h)
    before = state()
    with pytest.raises(PermissionDenied):
        notice_serve(
            actor=h[who],
            notice_id=n.pk,
            version=n.version,
            served_at=timezone.now(),
            served_where="4 Mill Row",
            photo_shown=True,
        )
    assert state() == before


def test_a_child_who_turned_16_since_it_was_prepared_and_not_in_care_is_refused(h):
    """R-HRB-02: prepared ten days ago, when Lily was 15 (section 2); she turned 16 five
    days ago and is not in care: serving it now is refused, naming her."""
    lily = kid(h, "Lily", born(16, days_ago=5))
    ten_days_ago = timezone.now() - timedelta(days=10)
    n = notice_prepare(
        actor=h["coordinator"],
        notice=given(h, lily, statement_on=timezone.localdate() - timedelta(days=11)),
        now=ten_days_ago,
    )
    assert n.children.get().acts == [S2]
    before = state()
    with pytest.raises(ValidationFailed) as exc:
        served(h, n, served_at=timezone.now())
    assert exc.value.field == "served_at"
    assert "neither Act covers Lily Test: they are 16 and not in care" in exc.value.message
    assert state() == before
    assert fresh(n).status == NoticeStatus.PREPARED
    # Served on a day she was still 15, it is good.
    s = served(h, n, served_at=ten_days_ago + timedelta(days=2))
    assert s.status == NoticeStatus.SERVED and s.children.get().acts == [S2]


def test_a_child_in_care_who_turned_16_is_served_under_section_49_only(h):
    """R-HRB-02: prepared when Zoe (in care) was 15, under both Acts; served after her
    16th birthday, under section 49 only."""
    zoe = kid(h, "Zoe", born(16, days_ago=5), in_care=True)
    n = notice_prepare(
        actor=h["coordinator"],
        notice=given(h, zoe, statement_on=timezone.localdate() - timedelta(days=11)),
        now=timezone.now() - timedelta(days=10),
    )
    assert n.children.get().acts == [S2, S49]
    s = served(h, n)
    assert s.children.get().acts == [S49]


# --- Breached ---------------------------------------------------------------------------------


def test_only_a_served_notice_is_breached(h):
    n = prepared(h)
    before = state()
    with pytest.raises(WrongState):
        notice_breach(
            actor=h["sergeant"],
            notice_id=n.pk,
            version=n.version,
            at=timezone.now(),
            description="x",
        )
    assert state() == before


def test_a_breach_is_on_the_timeline_of_every_child_named_and_of_the_adult(h):
    """R-HRB-04: one breach, an event for Maya, for Ellie and for Dean Hollis, with what
    happened; recorded by the child's social worker as well as the police."""
    n = served(h, prepared(h, h["maya"], h["ellie"]))
    at = timezone.now() - timedelta(minutes=5)
    b = notice_breach(
        actor=h["social_worker"],
        notice_id=n.pk,
        version=n.version,
        at=at,
        description="Maya found at the adult's flat at 23:00",
    )
    assert (b.notice_id, b.at, b.recorded_by) == (n.pk, at, h["social_worker"])
    for subject_type, pk in (
        ("person", h["maya"].pk),
        ("person", h["ellie"].pk),
        ("adult", h["adult"].pk),
    ):
        (event,) = events(subject_type, pk, "harbouring_notice_breached")
        assert event.rationale == "Maya found at the adult's flat at 23:00"
        assert event.changes == {"notice": str(n.pk), "adult": "Dean Hollis", "at": at.isoformat()}
    assert fresh(n).version == 3
    # A second breach by the police, against Maya's missing episode.
    episode = missing(h, timezone.now() - timedelta(hours=3), person=h["maya"])
    b2 = notice_breach(
        actor=h["sergeant"],
        notice_id=n.pk,
        version=3,
        at=timezone.now() - timedelta(minutes=1),
        description="Seen leaving the flat with Maya",
        episode_id=episode.pk,
    )
    assert b2.episode == episode
    assert len(events("person", h["ellie"].pk, "harbouring_notice_breached")) == 2


def test_a_breach_happens_after_the_notice_was_served(h):
    n = served(h, prepared(h))
    with pytest.raises(ValidationFailed) as exc:
        notice_breach(
            actor=h["sergeant"],
            notice_id=n.pk,
            version=n.version,
            at=n.served_at - timedelta(minutes=1),
            description="x",
        )
    assert exc.value.field == "at"


def test_a_breachs_episode_is_of_a_child_named(h):
    n = served(h, prepared(h))
    other = missing(h, timezone.now() - timedelta(hours=3), person=h["ellie"])
    before = state()
    with pytest.raises(ValidationFailed) as exc:
        notice_breach(
            actor=h["sergeant"],
            notice_id=n.pk,
            version=n.version,
            at=timezone.now(),
            description="x",
            episode_id=other.pk,
        )
    assert exc.value.field == "episode"
    with pytest.raises(NotFound) as nf:
        notice_breach(
            actor=h["sergeant"],
            notice_id=n.pk,
            version=n.version,
            at=timezone.now(),
            description="x",
            episode_id=987654,
        )
    assert nf.value.field == "episode"
    assert state() == before


# --- Withdrawn --------------------------------------------------------------------------------


def test_the_authoritys_team_manager_withdraws_the_coordinators_notice(h):
    n = served(h, prepared(h))
    w = notice_withdraw(
        actor=h["team_manager"], notice_id=n.pk, version=n.version, reason="Maya moved away"
    )
    assert (w.status, w.withdrawn_reason) == (NoticeStatus.WITHDRAWN, "Maya moved away")
    assert w.withdrawn_at is not None
    (event,) = events("adult", h["adult"].pk, "harbouring_notice_withdrawn")
    assert event.rationale == "Maya moved away"
    with pytest.raises(WrongState):
        notice_withdraw(actor=h["team_manager"], notice_id=n.pk, version=w.version, reason="again")


@pytest.mark.parametrize("who", ["call_handler", "social_worker"])
def test_who_may_not_withdraw(h, who):
    n = prepared(h)
    before = state()
    with pytest.raises(PermissionDenied):
        notice_withdraw(actor=h[who], notice_id=n.pk, version=n.version, reason="r")
    assert state() == before


def test_a_reason_is_required_to_withdraw(h):
    n = prepared(h)
    with pytest.raises(ValidationFailed) as exc:
        notice_withdraw(actor=h["coordinator"], notice_id=n.pk, version=n.version, reason="")
    assert exc.value.field == "reason"


# --- Someone else's change, and who sees a notice -----------------------------------------------


def test_a_stale_version_is_refused_and_nothing_is_written(h):
    """The inspector opened the notice (version 1); the sergeant served it meanwhile: the
    inspector's withdrawal and serving are refused, and nothing of them is written."""
    n = prepared(h)
    served(h, n)
    before = state()
    with pytest.raises(ConcurrentEdit) as exc:
        notice_withdraw(actor=h["inspector"], notice_id=n.pk, version=1, reason="No longer needed")
    assert exc.value.field == "version"
    with pytest.raises(ConcurrentEdit):
        notice_serve(
            actor=h["inspector"],
            notice_id=n.pk,
            version=1,
            served_at=timezone.now(),
            served_where="Station",
            photo_shown=True,
        )
    with pytest.raises(ConcurrentEdit):
        notice_breach(
            actor=h["inspector"], notice_id=n.pk, version=1, at=timezone.now(), description="x"
        )
    assert state() == before
    now = fresh(n)
    assert (now.status, now.version, now.withdrawn_reason) == (NoticeStatus.SERVED, 2, "")


@pytest.mark.parametrize("who", ["other_police", "other_authority", "analyst", "carer"])
def test_a_notice_is_no_such_notice_to_whoever_may_not_see_it(h, who):
    """The police of another force, children's services of another authority, an analyst, a
    carer: the same answer as for a notice that does not exist, nothing audited."""
    n = prepared(h)
    user = h[who]
    before = state()
    assert not notices_for_user(user).exists()
    for notice_id in (n.pk, 987654):
        with pytest.raises(NotFound) as exc:
            get_notice_for_user(user, notice_id, purpose="test")
        assert exc.value.message == "No such notice"
    with pytest.raises(NotFound):
        notice_breach(actor=user, notice_id=n.pk, version=1, at=timezone.now(), description="x")
    assert state() == before


@pytest.mark.parametrize(
    "who", ["call_handler", "sergeant", "inspector", "coordinator", "social_worker", "team_manager"]
)
def test_the_forces_police_and_the_authoritys_childrens_services_see_it(h, who):
    n = prepared(h)
    assert get_notice_for_user(h[who], n.pk, purpose="test") == n
    assert AuditEvent.objects.filter(
        user=h[who], subject_type="harbouring_notice", subject_id=str(n.pk)
    ).exists()

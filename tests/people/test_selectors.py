"""Reading a child's record: who sees whom, audited reads, and the call handler's search."""

from __future__ import annotations

from datetime import date

import pytest

from misper.core.errors import NotFound
from misper.core.models import AuditEvent
from misper.people.selectors import get_person_for_user, my_children, person_search
from misper.people.services import PersonDetails, alias_add, person_create, placement_record

pytestmark = pytest.mark.django_db


def place_in_home(region, child, home="home", host="vale"):
    placement_record(
        actor=region["vale_sw"],
        person_id=child.pk,
        placement_type="children_home",
        address="Home",
        provider=region[home],
        placing_authority=region["vale"],
        host_authority=region[host],
        started_on=date(2025, 1, 1),
    )


@pytest.mark.parametrize(
    "who,sees",
    [
        ("call_handler", True),
        ("officer", True),
        ("vale_sw", True),
        ("harbour_sw", False),
        ("carer", True),
        ("other_carer", False),
        ("rhi", False),
        ("admin", False),
    ],
)
def test_who_may_open_a_placed_childs_record(region, child, who, sees):
    place_in_home(region, child)
    before = AuditEvent.objects.count()
    if sees:
        assert get_person_for_user(region[who], child.pk, purpose="test") == child
        audit = AuditEvent.objects.latest("id")
        assert (audit.user, audit.subject_type, audit.subject_id, audit.action) == (
            region[who],
            "person",
            str(child.pk),
            "read",
        )
        assert audit.purpose == "test"
    else:
        with pytest.raises(NotFound):
            get_person_for_user(region[who], child.pk, purpose="test")
        assert AuditEvent.objects.count() == before


def test_host_authority_sees_a_child_placed_into_its_area(region, child):
    place_in_home(region, child, host="harbour")
    assert get_person_for_user(region["harbour_sw"], child.pk, purpose="t") == child


def test_carer_lists_only_children_placed_with_them_now(region, child):
    place_in_home(region, child)
    assert list(my_children(region["carer"])) == [child]
    assert list(my_children(region["other_carer"])) == []
    with pytest.raises(NotFound):
        my_children(region["officer"])


@pytest.fixture
def many(region, child):
    mk = lambda g, f, dob, **kw: person_create(  # noqa: E731
        actor=region["call_handler"],
        details=PersonDetails(given_name=g, family_name=f, date_of_birth=dob, **kw),
    )
    return {
        "jayden": child,
        "muhammad": mk("Muhammad", "Khan", date(2009, 7, 1)),
        "zoe": mk("Zoë", "O'Brien", date(2012, 2, 2), phone="07700 900999"),
        "other": mk("Peter", "Smith", date(2008, 8, 8)),
    }


def names(matches):
    return [m.person.given_name for m in matches]


def test_search_finds_a_phonetic_spelling(region, many):
    result = person_search(region["call_handler"], name="Mohammed Khan")
    assert names(result)[0] == "Muhammad"


def test_search_finds_an_alias(region, many):
    alias_add(actor=region["officer"], person_id=many["jayden"].pk, name="JJ Stone")
    result = person_search(region["call_handler"], name="JJ Stone")
    assert names(result)[0] == "Jayden"
    assert any("alias" in r for r in result[0].reasons)


def test_search_by_date_of_birth_phone_and_accents(region, many):
    assert names(person_search(region["call_handler"], date_of_birth=date(2008, 8, 8))) == ["Peter"]
    assert names(person_search(region["call_handler"], phone="07700900999")) == ["Zoë"]
    assert names(person_search(region["call_handler"], name="zoe obrien"))[0] == "Zoë"


def test_search_ranks_name_and_date_of_birth_together(region, many):
    result = person_search(
        region["call_handler"], name="Jaden Oaks", date_of_birth=date(2011, 4, 2)
    )
    assert names(result)[0] == "Jayden"
    assert "date of birth" in result[0].reasons


def test_search_is_audited_without_the_query(region, many):
    person_search(region["call_handler"], name="Khan")
    row = AuditEvent.objects.latest("id")
    assert row.subject_type == "person_search" and "Khan" not in (row.purpose + row.reason)


def test_search_respects_what_the_user_may_see(region, many):
    assert person_search(region["harbour_sw"], name="Muhammad Khan") == []
    with pytest.raises(NotFound):
        person_search(region["carer"], name="Khan")


def test_empty_search_finds_nothing(region, many):
    assert person_search(region["call_handler"]) == []

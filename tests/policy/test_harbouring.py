"""Harbouring warning notices in the policy engine (policy/harbouring.py): which Act a notice
may cite for each child it names, and when it may not be made at all.

- R-HRB-02: section 2 of the Child Abduction Act 1984 covers a child under 16. The source's
  notice says a breach "would be dealt with by arrest under section 2" with no age limit
  (AMBIG); resolved: a child of 16 or 17 is named only under section 49 of the Children Act
  1989, and only when in care; one not in care cannot be named, and the refusal names them.
- R-HRB-04: a notice names at least one child.
- R-HRB-07: a refuge certified under section 51 of the Children Act 1989 is never a
  harbourer."""

from __future__ import annotations

import pytest

from misper.policy.harbouring import (
    ACT_WORDS,
    Act,
    NamedChild,
    acts_for,
    check_notice,
)

S2 = Act.CHILD_ABDUCTION_S2
S49 = Act.CHILDREN_ACT_S49


def child(name: str = "Keira Lomax", age: int | None = 14, *, in_care: bool = False) -> NamedChild:
    return NamedChild(name=name, age=age, looked_after=in_care)


@pytest.mark.parametrize(
    ("age", "in_care", "acts"),
    [
        (0, False, (S2,)),
        (12, False, (S2,)),
        (15, False, (S2,)),  # the last year section 2 covers (R-HRB-02)
        (15, True, (S2, S49)),  # under 16 and in care: both Acts
        (16, True, (S49,)),  # never section 2 at 16 (R-HRB-02, AMBIG resolved)
        (17, True, (S49,)),
        (16, False, ()),  # neither Act
        (17, False, ()),
        (18, True, ()),  # an adult: neither Act
        (None, True, (S49,)),  # age unknown, in care: section 49 only
        (None, False, ()),
    ],
)
def test_the_act_that_covers_each_child(age, in_care, acts):
    """R-HRB-02: section 2 under 16; section 49 for a child in care under 18."""
    assert acts_for(child(age=age, in_care=in_care)) == acts


def test_a_child_under_16_is_named_under_section_2():
    """R-HRB-02: 'Anyone who takes or detains a runaway under 16 ... may be prosecuted under
    Section 2 of the Child Abduction Act 1984'."""
    check = check_notice([child(age=13)], harbourer_at_certified_refuge=False)
    assert check.allowed
    assert check.acts == ((S2,),)
    (reason,) = check.reasons
    assert reason.rule == "R-HRB-02"
    assert reason.text == "Keira Lomax: section 2 of the Child Abduction Act 1984"


@pytest.mark.parametrize("age", [16, 17])
def test_a_child_of_16_or_17_in_care_is_named_under_section_49_only(age):
    """R-HRB-02 (AMBIG resolved): section 2 is never cited for a child of 16 or over; a
    child in care is covered by section 49 of the Children Act 1989."""
    check = check_notice([child(age=age, in_care=True)], harbourer_at_certified_refuge=False)
    assert check.allowed
    assert check.acts == ((S49,),)
    assert S2 not in check.acts[0]
    (reason,) = check.reasons
    assert reason.text == "Keira Lomax: section 49 of the Children Act 1989"
    assert "Child Abduction" not in reason.text


@pytest.mark.parametrize("age", [16, 17])
def test_a_child_of_16_or_17_not_in_care_is_refused_by_name(age):
    """R-HRB-02: neither Act covers a child of 16 or 17 who is not in care: the notice is
    refused, naming the child and why."""
    check = check_notice(
        [child("Jayden Oakes", age=12), child("Keira Lomax", age=age)],
        harbourer_at_certified_refuge=False,
    )
    assert not check.allowed
    assert check.acts == ((S2,), ())
    (reason,) = check.reasons
    assert reason.rule == "R-HRB-02"
    assert reason.text.startswith(f"neither Act covers Keira Lomax: they are {age} and not in care")
    assert "Jayden" not in reason.text


def test_a_child_whose_age_is_not_known_and_not_in_care_is_refused():
    """R-HRB-02: without an age, section 2 cannot be shown to apply; not in care, neither
    does section 49."""
    check = check_notice([child(age=None)], harbourer_at_certified_refuge=False)
    assert not check.allowed
    (reason,) = check.reasons
    assert reason.rule == "R-HRB-02"
    assert "their age is not known and they are not in care" in reason.text


def test_a_child_whose_age_is_not_known_in_care_is_named_under_section_49():
    check = check_notice([child(age=None, in_care=True)], harbourer_at_certified_refuge=False)
    assert check.allowed and check.acts == ((S49,),)


def test_an_adult_in_care_records_is_refused_as_an_adult():
    """A care leaver of 18 is no child: the refusal does not call them 'not in care'."""
    check = check_notice([child(age=18, in_care=True)], harbourer_at_certified_refuge=False)
    assert not check.allowed
    (reason,) = check.reasons
    assert "they are 18: an adult" in reason.text
    assert "not in care" not in reason.text


def test_a_certified_refuge_is_never_a_harbourer():
    """R-HRB-07: a refuge certified under section 51 of the Children Act 1989 is protected
    from prosecution for harbouring: a notice is refused even for a child under 16."""
    check = check_notice([child(age=13)], harbourer_at_certified_refuge=True)
    assert not check.allowed
    (reason,) = check.reasons
    assert reason.rule == "R-HRB-07"
    assert "section 51 of the Children Act 1989" in reason.text


def test_a_notice_names_at_least_one_child():
    """R-HRB-04: the notice prohibits contact with named children."""
    check = check_notice([], harbourer_at_certified_refuge=False)
    assert not check.allowed
    assert check.acts == ()
    assert [r.rule for r in check.reasons] == ["R-HRB-04"]


def test_every_refusal_is_given_at_once():
    check = check_notice(
        [child("Ana Ruiz", age=17), child("Kyle Dunn", age=None)],
        harbourer_at_certified_refuge=True,
    )
    assert not check.allowed
    rules = [r.rule for r in check.reasons]
    assert rules == ["R-HRB-07", "R-HRB-02", "R-HRB-02"]
    assert "Ana Ruiz" in check.reasons[1].text and "Kyle Dunn" in check.reasons[2].text


def test_each_child_is_cited_under_their_own_act():
    """R-HRB-02: one notice, two children, each under the Act that covers them."""
    check = check_notice(
        [child("Jayden Oakes", age=14), child("Keira Lomax", age=16, in_care=True)],
        harbourer_at_certified_refuge=False,
    )
    assert check.allowed
    assert check.acts == ((S2,), (S49,))
    assert [r.text for r in check.reasons] == [
        "Jayden Oakes: section 2 of the Child Abduction Act 1984",
        "Keira Lomax: section 49 of the Children Act 1989",
    ]


def test_every_act_has_its_words():
    assert set(ACT_WORDS) == set(Act)

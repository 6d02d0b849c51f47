"""Harbouring warning notices (R-HRB-01..07): which Act a notice may cite for each child it
names, and when a notice may not be prepared or served at all.

- Section 2 of the Child Abduction Act 1984 covers a child under 16 (R-HRB-02): "anyone who
  'takes or detains' a runaway under 16 without lawful authority".
- Section 49 of the Children Act 1989 covers a child in care (looked after) under 18.
- A child who is neither (16 or 17 and not in care) cannot be named: neither Act covers
  them. The source's notice says a breach "would be dealt with by arrest under section 2"
  without an age limit (R-HRB-02, AMBIG); Misper resolves it by citing, for each child, only
  the Act that covers them, so a notice never cites section 2 for a child of 16 or over.
- The age is taken on the day the notice is prepared and again on the day it is served: a
  child who has turned 16 in between is no longer covered by section 2.
- A refuge certified under section 51 of the Children Act 1989 is never a harbourer
  (R-HRB-07): a notice on an adult whose address is a certified refuge is refused.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from misper.policy.types import Reason

UNDER_16 = 16
ADULT = 18


class Act(StrEnum):
    CHILD_ABDUCTION_S2 = "child_abduction_act_1984_s2"
    CHILDREN_ACT_S49 = "children_act_1989_s49"


ACT_WORDS = {
    Act.CHILD_ABDUCTION_S2: "section 2 of the Child Abduction Act 1984",
    Act.CHILDREN_ACT_S49: "section 49 of the Children Act 1989",
}


@dataclass(frozen=True)
class NamedChild:
    name: str
    age: int | None  # completed years on the day; None when not known
    looked_after: bool


@dataclass(frozen=True)
class NoticeCheck:
    allowed: bool
    acts: tuple[tuple[Act, ...], ...]  # for each child, in order: the Acts that cover them
    reasons: tuple[Reason, ...]


def acts_for(child: NamedChild) -> tuple[Act, ...]:
    """The Acts a notice may cite for ``child``: section 2 under 16, section 49 in care."""
    acts: list[Act] = []
    if child.age is not None and child.age < UNDER_16:
        acts.append(Act.CHILD_ABDUCTION_S2)
    if child.looked_after and (child.age is None or child.age < ADULT):
        acts.append(Act.CHILDREN_ACT_S49)
    return tuple(acts)


def check_notice(children: list[NamedChild], *, harbourer_at_certified_refuge: bool) -> NoticeCheck:
    """May a warning notice naming ``children`` be prepared (or served) on this adult?"""
    refusals: list[Reason] = []
    found: list[tuple[Act, ...]] = []
    if not children:
        refusals.append(Reason("R-HRB-04", "a notice names at least one child"))
    if harbourer_at_certified_refuge:
        refusals.append(
            Reason(
                "R-HRB-07",
                "the adult's address is a refuge certified under section 51 of the Children "
                "Act 1989: a certified refuge is never a harbourer",
            )
        )
    for child in children:
        acts = acts_for(child)
        found.append(acts)
        if acts:
            continue
        if child.age is None:
            why = "their age is not known and they are not in care"
        elif child.age >= ADULT:
            why = f"they are {child.age}: an adult, whom neither Act protects"
        else:
            why = f"they are {child.age} and not in care"
        refusals.append(
            Reason(
                "R-HRB-02",
                f"neither Act covers {child.name}: {why} (section 2 of the Child Abduction "
                "Act 1984 is for a child under 16; section 49 of the Children Act 1989 for a "
                "child in care)",
            )
        )
    cited = [
        Reason(
            "R-HRB-02" if Act.CHILD_ABDUCTION_S2 in acts else "R-HRB-04",
            f"{child.name}: " + " and ".join(ACT_WORDS[a] for a in acts),
        )
        for child, acts in zip(children, found, strict=True)
        if acts
    ]
    if refusals:
        return NoticeCheck(False, tuple(found), tuple(refusals))
    return NoticeCheck(True, tuple(found), tuple(cited))

"""Who may end a flag or marker (R-FLG-01, R-FLG-04, R-FLG-06).

A flag belongs to the child (R-FLG-06) and to the organisation that placed it (R-FLG-01):
that organisation may end it, with a reason. Beyond it, the profile may name a police rank
(``flag_end_min_role``, a local choice) at or above which an officer may end any flag.
A call handler never ends a CSE flag: it is a known CSE risk that decides the category
(R-FLG-04, R-CLS-03), and taking it away is not a decision for the call.
"""

from __future__ import annotations

from dataclasses import dataclass

from misper.policy.profiles import Profile
from misper.policy.roles import POLICE_RANK
from misper.policy.types import Reason

NONE = "none"


@dataclass(frozen=True)
class FlagEndVerdict:
    allowed: bool
    reasons: tuple[Reason, ...]


def may_end_flag(
    profile: Profile | None, *, kind: str, by_role: str, own_organisation: bool
) -> FlagEndVerdict:
    """May someone in ``by_role`` (the engine's role names) end a flag of ``kind``?
    ``own_organisation``: they belong to the organisation (or force) that placed it."""
    if kind == "cse" and by_role == "call_handler":
        return FlagEndVerdict(
            False,
            (
                Reason(
                    "R-FLG-04",
                    "a call handler may not end a CSE flag: it is a known CSE risk (R-CLS-03)",
                ),
            ),
        )
    if own_organisation:
        return FlagEndVerdict(
            True, (Reason("R-FLG-01", "the organisation that placed the flag ends it"),)
        )
    minimum = profile.values.get("flag_end_min_role", NONE) if profile else NONE
    if minimum != NONE and POLICE_RANK.get(by_role, -1) >= POLICE_RANK[minimum]:
        return FlagEndVerdict(
            True,
            (Reason("R-FLG-01", f"a {minimum.replace('_', ' ')} or above may end any flag"),),
        )
    who = (
        f"the organisation that placed it, or a police {minimum.replace('_', ' ')} or above"
        if minimum != NONE
        else "the organisation that placed it"
    )
    return FlagEndVerdict(False, (Reason("R-FLG-01", f"only {who} may end this flag"),))

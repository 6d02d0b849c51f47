"""What other apps do, in the same transaction, when a child's placement is recorded,
without the people app importing them (the import layers put people below care).

An app registers, once, when it is ready (its ``AppConfig.ready``), a function
``fn(actor, placement)`` that runs inside ``services.placement_record``'s transaction after
the placement is written: the care app opens the pre-placement assessment's deadline and
tells the host authority and the host force (R-PPA-01, R-OOA-01, R-NTF-04/07/10). An
exception in it undoes the placement."""

from __future__ import annotations

from collections.abc import Callable

from misper.agencies.models import User
from misper.people.models import Placement

PlacementHook = Callable[[User, Placement], None]

_PLACEMENT_HOOKS: list[PlacementHook] = []


def on_placement(fn: PlacementHook) -> PlacementHook:
    """Run ``fn`` with every placement recorded (once, however often it is called)."""
    if fn not in _PLACEMENT_HOOKS:
        _PLACEMENT_HOOKS.append(fn)
    return fn


def placement_recorded(actor: User, placement: Placement) -> None:
    for fn in _PLACEMENT_HOOKS:
        fn(actor, placement)

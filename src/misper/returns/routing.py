"""Who is responsible for a found child's return interview, and who holds it (R-RHI-12,
R-OOA-04), from the child's placement and the authorities' arrangements
(returns.models.Arrangement). Pure reading: the referral service stores the answer."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from misper.agencies.models import Organisation
from misper.people.models import Person, Placement
from misper.returns.models import Arrangement, Basis, OutOfArea


@dataclass(frozen=True)
class Route:
    responsible: Organisation
    basis: Basis
    interviewer: Organisation
    note: str = ""
    in_care: bool = False
    # The authority that placed the child, when it is not the one responsible for the
    # interview (a host-authority interview): it keeps sight of its child's referral.
    placing: Organisation | None = None


def placement_on(person: Person, day: date) -> Placement | None:
    """The child's placement on ``day`` (the latest begun, not ended before it)."""
    return (
        person.placements.filter(started_on__lte=day)
        .exclude(ended_on__lt=day)
        .select_related("placing_authority", "host_authority", "provider")
        .order_by("-started_on", "-id")
        .first()
    )


def _arrangement(authority: Organisation) -> Arrangement | None:
    return Arrangement.objects.select_related("provider").filter(authority=authority).first()


def _held_by(authority: Organisation) -> Organisation:
    """The authority's commissioned provider, or the authority itself."""
    arrangement = _arrangement(authority)
    return arrangement.provider if arrangement and arrangement.provider else authority


def route(person: Person, day: date) -> Route | None:
    """Who is responsible for the child's interview on ``day`` and who holds it; None when
    no authority is known for the child."""
    placement = placement_on(person, day)
    if placement is None:
        if person.home_authority is None:
            return None
        home = person.home_authority
        return Route(home, Basis.HOME, _held_by(home))
    placing = placement.placing_authority
    host = placement.host_authority
    if not placement.out_of_area:
        return Route(placing, Basis.PLACING, _held_by(placing), in_care=True)
    arrangement = _arrangement(placing)
    if arrangement is not None and arrangement.out_of_area == OutOfArea.HOST:
        return Route(
            host,
            Basis.HOST,
            _held_by(host),
            note=f"Placed out of area: the arrangement of {placing} gives the interview to {host}",
            in_care=True,
            placing=placing,
        )
    provider = arrangement.provider if arrangement else None
    travels = arrangement is not None and arrangement.provider_takes_out_of_area
    if provider is not None and not travels:
        return Route(
            placing,
            Basis.PLACING,
            placing,
            note=(
                f"{provider} does not hold interviews for children placed out of area: "
                f"referred to {placing}"
            ),
            in_care=True,
        )
    return Route(placing, Basis.PLACING, provider or placing, in_care=True)

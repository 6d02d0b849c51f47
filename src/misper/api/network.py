"""API: the network around the children (issue 12, part 5). The same capabilities as the
network's pages, through the same reads (interventions/network.py) and writes
(people/network.py):

- a child's network: the children and adults within two links of the child, with the
  places that link them, as nodes and edges (``GET /network/children/{person_id}``);
- adults linked to children: found by name, recorded, read with the children linked to
  them and their latest episodes, changed (with the ``version`` read);
- a child's associate linked to an adult's record, or unlinked;
- a place (one per full postcode) with the children linked to it and their episodes from
  or found there, and recorded as a refuge certified under section 51 of the Children Act
  1989 (R-HRB-07).

The network is for the operational police and children's services: anyone else is 403
``permission_denied`` on every endpoint. A child, an adult, a place or an associate the
caller may not see is 404, the same as one that does not exist. What is returned is what
the caller may see: children they may not open are left out, and a restricted case's
episodes and links never appear (R-RES-01). Errors name the field as it is sent."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status

from misper.agencies.models import User
from misper.agencies.selectors import acting_user
from misper.api.returns import CodeLabelOut
from misper.api.schemas import ERRORS, Id, PersonRefOut, RefId
from misper.core.errors import PermissionDenied
from misper.core.validation import MAX_FREE_TEXT, MAX_ID
from misper.interventions import network
from misper.people.models import Adult, Associate, Location, LocationKind
from misper.people.network import (
    AdultDetails,
    adult_record,
    adult_update,
    associate_link,
    location_set_kind,
)
from misper.people.selectors import NOT_ALLOWED, may_see_network

router = Router(tags=["network"])

LIST_LIMIT = 100


def _caller(request: HttpRequest) -> User:
    """The caller, if the network is theirs (403 for anyone else, before any lookup)."""
    user = acting_user(request)
    if not may_see_network(user):
        raise PermissionDenied(NOT_ALLOWED)
    return user


def _version(what: str) -> Any:
    return Field(
        ...,
        ge=1,
        le=MAX_ID,
        description=f"The {what}'s version you read; a stale one is refused (409 concurrent_edit)",
    )


# --- Schemas -------------------------------------------------------------------------------


class NodeOut(Schema):
    key: str = Field(description="'child:<id>', 'adult:<id>' or 'place:<id>': what edges name")
    kind: str = Field(description="child | adult | place")
    id: int
    label: str = Field(description="A child's or an adult's name; a place's label and postcode")
    distance: int = Field(description="0: the child asked for; 1: linked to them; 2: two links")


class EdgeOut(Schema):
    a: str = Field(description="A node's key")
    b: str = Field(description="The other node's key")
    why: str = Field(
        description="In words: 'Associate: boyfriend', 'Went missing from', 'Found at', "
        "'Placed at', 'Known place', 'Went missing together', 'Found together'"
    )
    on: date | None = Field(description="The day of the record that makes the link, if any")


class NetworkOut(Schema):
    """A child's network: the child, then everyone and everywhere within two links."""

    centre: NodeOut
    nodes: list[NodeOut] = Field(description="Every node, the child first")
    edges: list[EdgeOut]
    truncated: bool = Field(
        description=f"True when the network is larger than {network.MAX_NODES} nodes and "
        "only the nearest are listed"
    )


class AdultOut(Schema):
    id: int
    name: str
    date_of_birth: date | None
    address: str
    postcode: str
    description: str
    recorded_by_organisation: str
    created_at: datetime
    version: int


class EpisodeRefOut(Schema):
    """An episode of a linked child (never a restricted case's)."""

    id: int
    how: str = Field(
        description="How it touches the place: 'Went missing from' or 'Found at'; empty on "
        "an adult's page (the child's latest episodes)"
    )
    last_seen_at: datetime
    reported_at: datetime
    category: CodeLabelOut
    found_at: datetime | None
    found_where: str


class LinkedChildOut(Schema):
    person: PersonRefOut
    why: list[str] = Field(description="How the child is linked, in words")
    episodes: list[EpisodeRefOut]


class AdultDetailOut(AdultOut):
    """An adult with the children linked to them that you may see, each with their latest
    episodes."""

    children: list[LinkedChildOut]


class AdultIn(Schema):
    name: str = Field(..., max_length=200)
    date_of_birth: date | None = None
    address: str = Field("", max_length=300)
    postcode: str = Field("", max_length=10, description="A whole UK postcode, or empty")
    description: str = Field("", max_length=MAX_FREE_TEXT)


class AdultCreateIn(AdultIn):
    associate_id: RefId | None = Field(
        None,
        description="A child's associate who is this adult: linked in the same request "
        "(both saved, or neither)",
    )


class AdultUpdateIn(AdultIn):
    version: int = _version("adult")


class AdultFilters(Schema):
    name: str = Field("", max_length=200, description="All or part of the name (every word)")


class AdultRefOut(Schema):
    id: int
    name: str


class AssociateOut(Schema):
    id: int
    person: PersonRefOut
    name: str
    relationship: str
    adult: AdultRefOut | None = Field(description="The adult's record this associate is")


class AssociateLinkIn(Schema):
    adult_id: RefId | None = Field(
        description="The adult this associate is; null: not linked to any adult"
    )


class PlaceDetailOut(Schema):
    """A place (one per full postcode: about fifteen addresses) with the children linked to
    it that you may see and their episodes from or found there."""

    id: int
    postcode: str
    label: str
    kind: CodeLabelOut = Field(description="ordinary | certified_refuge (R-HRB-07)")
    refuge_reference: str
    version: int
    children: list[LinkedChildOut]


class PlaceKindIn(Schema):
    version: int = _version("place")
    kind: str = Field(..., max_length=20, description="ordinary | certified_refuge")
    refuge_reference: str = Field(
        "",
        max_length=100,
        description="Required for certified_refuge: the certificate's reference (R-HRB-07)",
    )


# --- Conversions ---------------------------------------------------------------------------


def _node(n: network.Node) -> NodeOut:
    return NodeOut(key=n.key, kind=n.kind, id=n.id, label=n.label, distance=n.distance)


def _adult(a: Adult) -> dict[str, Any]:
    return {
        "id": a.pk,
        "name": a.name,
        "date_of_birth": a.date_of_birth,
        "address": a.address,
        "postcode": a.postcode,
        "description": a.description,
        "recorded_by_organisation": a.created_by_org.name,
        "created_at": a.created_at,
        "version": a.version,
    }


def _children(rows: list[network.LinkedChild]) -> list[LinkedChildOut]:
    out = []
    for c in rows:
        episodes = []
        for le in c.episodes:
            e = le.episode
            found = getattr(e, "found", None)
            episodes.append(
                EpisodeRefOut(
                    id=e.pk,
                    how=le.how,
                    last_seen_at=e.last_seen_at,
                    reported_at=e.reported_at,
                    category=CodeLabelOut(code=e.category, label=e.get_category_display()),
                    found_at=found.found_at if found else None,
                    found_where=found.found_where if found else "",
                )
            )
        out.append(
            LinkedChildOut(
                person=PersonRefOut(id=c.person.pk, name=c.person.name),
                why=list(c.why),
                episodes=episodes,
            )
        )
    return out


def _adult_detail(user: User, adult_id: int) -> AdultDetailOut:
    adult, children = network.adult_page(user, adult_id)
    return AdultDetailOut(**_adult(adult), children=_children(children))


def _place(user: User, location_id: int) -> PlaceDetailOut:
    location, children = network.location_page(user, location_id)
    return _place_out(location, children)


def _place_out(location: Location, children: list[network.LinkedChild]) -> PlaceDetailOut:
    return PlaceDetailOut(
        id=location.pk,
        postcode=location.postcode,
        label=location.label,
        kind=CodeLabelOut(code=location.kind, label=LocationKind(location.kind).label),
        refuge_reference=location.refuge_reference,
        version=location.version,
        children=_children(children),
    )


def _details(body: AdultIn) -> AdultDetails:
    return AdultDetails(
        name=body.name,
        date_of_birth=body.date_of_birth,
        description=body.description,
        address=body.address,
        postcode=body.postcode,
    )


# --- Endpoints -----------------------------------------------------------------------------


@router.get("/network/children/{person_id}", response={200: NetworkOut, **ERRORS})
def child_network(request: HttpRequest, person_id: Id) -> NetworkOut:
    """The children and adults within two links of the child, with the places that link
    them, as you may see them (the read of the child's record is audited). 404 for a child
    you may not see."""
    net = network.child_network(_caller(request), person_id)
    return NetworkOut(
        centre=_node(net.centre),
        nodes=[_node(n) for n in net.nodes],
        edges=[EdgeOut(a=e.a, b=e.b, why=e.why, on=e.on) for e in net.edges],
        truncated=net.truncated,
    )


@router.get("/network/adults", response={200: list[AdultOut], **ERRORS})
def adults(request: HttpRequest, filters: Query[AdultFilters]) -> list[AdultOut]:
    """The adults you may see whose name has every word given (those whose name reads the
    same first), or every one by name; at most 100."""
    found = network.adult_candidates(_caller(request), filters.name, limit=LIST_LIMIT)
    return [AdultOut(**_adult(a)) for a in found]


@router.post("/network/adults", response={201: AdultDetailOut, **ERRORS})
def adult_create(request: HttpRequest, body: AdultCreateIn) -> Status[AdultDetailOut]:
    """Record an adult linked to children who go missing; with ``associate_id``, the
    child's associate this adult is is linked in the same request (404 for an associate
    of a child you may not see, and nothing is saved)."""
    user = _caller(request)
    adult = adult_record(actor=user, details=_details(body), associate_id=body.associate_id)
    return Status(201, _adult_detail(user, adult.pk))


@router.get("/network/adults/{adult_id}", response={200: AdultDetailOut, **ERRORS})
def adult_detail(request: HttpRequest, adult_id: Id) -> AdultDetailOut:
    """The adult, with the children linked to them that you may see and their latest
    episodes (not a restricted case's); the read is audited."""
    return _adult_detail(_caller(request), adult_id)


@router.put("/network/adults/{adult_id}", response={200: AdultDetailOut, **ERRORS})
def adult_change(request: HttpRequest, adult_id: Id, body: AdultUpdateIn) -> AdultDetailOut:
    """Change the adult's details, with the ``version`` you read (409 if someone changed
    them first)."""
    user = _caller(request)
    adult_update(actor=user, adult_id=adult_id, version=body.version, details=_details(body))
    return _adult_detail(user, adult_id)


@router.put("/network/associates/{associate_id}/adult", response={200: AssociateOut, **ERRORS})
def associate_adult(request: HttpRequest, associate_id: Id, body: AssociateLinkIn) -> AssociateOut:
    """Say which adult a child's associate is (``adult_id``), or that it is none (null):
    written on the child's timeline and the adult's. 404 for an associate of a child you
    may not see; 400 naming ``adult_id`` for an adult you may not see."""
    user = _caller(request)
    associate_link(actor=user, associate_id=associate_id, adult_id=body.adult_id)
    a: Associate = Associate.objects.select_related("person", "adult").get(pk=associate_id)
    return AssociateOut(
        id=a.pk,
        person=PersonRefOut(id=a.person.pk, name=a.person.name),
        name=a.name,
        relationship=a.relationship,
        adult=AdultRefOut(id=a.adult.pk, name=a.adult.name) if a.adult else None,
    )


@router.get("/network/places/{location_id}", response={200: PlaceDetailOut, **ERRORS})
def place(request: HttpRequest, location_id: Id) -> PlaceDetailOut:
    """The place, whether it is a certified refuge, and the children linked to it that you
    may see with their episodes from or found there (not a restricted case's)."""
    return _place(_caller(request), location_id)


@router.put("/network/places/{location_id}/kind", response={200: PlaceDetailOut, **ERRORS})
def place_kind(request: HttpRequest, location_id: Id, body: PlaceKindIn) -> PlaceDetailOut:
    """Record the place as a refuge certified under section 51 of the Children Act 1989
    (``certified_refuge``, with ``refuge_reference``), or as an ordinary place again: such
    a refuge is never treated as a harbourer (R-HRB-07)."""
    user = _caller(request)
    location_set_kind(
        actor=user,
        location_id=location_id,
        version=body.version,
        kind=body.kind,
        refuge_reference=body.refuge_reference,
    )
    return _place(user, location_id)

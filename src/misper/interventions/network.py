"""Reading the network around the children (issue 12, part 5). Nothing here writes; the
links are written by people/network.py as the records that carry them are written.

Three kinds of node: children, adults (``people.Adult``) and places (``people.Location``,
one per full postcode). Three kinds of link:

- **a child and an adult**: one of the child's associates is that adult (from a report, a
  found report or an item a return interview shared, once someone linked it to the adult);
- **a child and a place**: a known place, a placement, the address the child went missing
  from or was found at, with that postcode;
- **two children who went missing together**: episodes of both from the same place (the
  same location key of the triggers, R-TRG-04) last seen within two hours of each other,
  or found at the same postcode within two hours of each other.

What a viewer gets is limited to what they may see: children through the people rules
(``people_for_user``), adults and places through theirs, and never a restricted case's
episode or its links (R-RES-01). A child's network is the children and adults within two
links of the child, with the places that make the links; it is capped (``MAX_NODES``) and
says so when it is.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Literal

from django.db.models import Q, QuerySet

from misper.agencies.models import User
from misper.core.errors import NotFound
from misper.episodes.models import Episode, FoundReport
from misper.people.matching import normalise
from misper.people.models import Adult, Associate, LinkSource, Location, Person, PlaceLink
from misper.people.network import postcode_key
from misper.people.selectors import (
    NO_SUCH_CHILD,
    adults_for_user,
    get_adult_for_user,
    get_location_for_user,
    get_person_for_user,
    locations_for_user,
    may_see_network,
    people_for_user,
)

TOGETHER = timedelta(hours=2)
MAX_NODES = 150
Kind = Literal["child", "adult", "place"]


@dataclass(frozen=True)
class Node:
    kind: Kind
    id: int
    label: str
    distance: int  # 0: the child the page is about; 1: linked to them; 2: two links away

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.id}"


@dataclass(frozen=True)
class Edge:
    a: str  # a node's key
    b: str
    why: str  # in words: "Associate: uncle", "Went missing from", "Went missing together"
    on: date | None = None


@dataclass
class Network:
    centre: Node
    nodes: list[Node] = field(default_factory=list)
    edges: list[Edge] = field(default_factory=list)
    truncated: bool = False

    def node(self, key: str) -> Node | None:
        return next((n for n in self.nodes if n.key == key), None)

    def links_of(self, key: str) -> list[tuple[Node, Edge]]:
        """Each link of a node, with the node at its other end."""
        out = []
        for e in self.edges:
            other = e.b if e.a == key else e.a if e.b == key else None
            found = self.node(other) if other else None
            if found is not None:
                out.append((found, e))
        return out


def _name(p: Person) -> str:
    return f"{p.given_name} {p.family_name}"


def _visible_links() -> Q:
    """A place link that is not a restricted case's (R-RES-01)."""
    return Q(episode__isnull=True) | Q(episode__restricted=False)


def _visible_children(user: User, ids: set[int]) -> dict[int, Person]:
    if not ids:
        return {}
    return {p.pk: p for p in people_for_user(user).filter(pk__in=ids)}


@dataclass(frozen=True)
class Together:
    """Two children's episodes that went missing (or were found) together."""

    person_id: int
    other_person_id: int
    episode_id: int
    other_episode_id: int
    on: date
    how: str


def went_missing_together(person_ids: set[int]) -> list[Together]:
    """The episodes of other children that went missing from the same place within two hours
    of an episode of ``person_ids``, or were found at the same postcode within two hours."""
    if not person_ids:
        return []
    mine = list(
        Episode.objects.filter(person_id__in=person_ids, restricted=False).values_list(
            "pk", "person_id", "location_key", "last_seen_at"
        )
    )
    out: list[Together] = []
    by_key: dict[str, list[tuple[int, int, datetime]]] = defaultdict(list)
    for pk, person_id, key, at in mine:
        by_key[key].append((pk, person_id, at))
    if by_key:
        window = Q()
        for key, rows in by_key.items():
            times = [at for _, _, at in rows]
            window |= Q(
                location_key=key,
                last_seen_at__gte=min(times) - TOGETHER,
                last_seen_at__lte=max(times) + TOGETHER,
            )
        others = Episode.objects.filter(window, restricted=False).exclude(person_id__in=person_ids)
        for pk, person_id, key, at in others.values_list(
            "pk", "person_id", "location_key", "last_seen_at"
        ):
            for mine_pk, mine_person, mine_at in by_key[key]:
                if abs(mine_at - at) <= TOGETHER:
                    out.append(
                        Together(mine_person, person_id, mine_pk, pk, mine_at.date(), "missing")
                    )
    found = list(
        FoundReport.objects.filter(
            episode__person_id__in=person_ids, episode__restricted=False
        ).values_list("episode_id", "episode__person_id", "found_postcode", "found_at")
    )
    by_postcode: dict[str, list[tuple[int, int, datetime]]] = defaultdict(list)
    for ep, person_id, postcode, at in found:
        key = postcode_key(postcode)
        if key:
            by_postcode[key].append((ep, person_id, at))
    if by_postcode:
        window = Q()
        for key, rows in by_postcode.items():
            times = [at for _, _, at in rows]
            window |= Q(
                location__postcode=key,
                source="found",
                episode__found__found_at__gte=min(times) - TOGETHER,
                episode__found__found_at__lte=max(times) + TOGETHER,
            )
        links = (
            PlaceLink.objects.filter(window, episode__restricted=False)
            .exclude(person_id__in=person_ids)
            .values_list(
                "episode_id", "person_id", "location__postcode", "episode__found__found_at"
            )
        )
        for ep, person_id, key, at in links:
            for mine_ep, mine_person, mine_at in by_postcode[key]:
                if abs(mine_at - at) <= TOGETHER:
                    out.append(
                        Together(mine_person, person_id, mine_ep, ep, mine_at.date(), "found")
                    )
    return out


class _Builder:
    def __init__(self, user: User, centre: Person) -> None:
        self.user = user
        self.net = Network(centre=Node("child", centre.pk, _name(centre), 0))
        self.net.nodes.append(self.net.centre)
        self.seen: set[str] = {self.net.centre.key}
        self.edge_keys: set[tuple[str, str, str]] = set()

    def add(self, node: Node) -> bool:
        if node.key in self.seen:
            return True
        if len(self.net.nodes) >= MAX_NODES:
            self.net.truncated = True
            return False
        self.seen.add(node.key)
        self.net.nodes.append(node)
        return True

    def link(self, a: str, b: str, why: str, on: date | None = None) -> None:
        if a not in self.seen or b not in self.seen:
            return
        k = (min(a, b), max(a, b), why)
        if k not in self.edge_keys:
            self.edge_keys.add(k)
            self.net.edges.append(Edge(a, b, why, on))


def _associate_why(a: Associate) -> str:
    return f"Associate: {a.relationship}" if a.relationship else "Associate"


def child_network(user: User, person_id: int) -> Network:
    """The children and adults within two links of a child, with the places that link them,
    as the user may see them. Opening it is a read of the child's record (audited)."""
    if not may_see_network(user):
        raise NotFound(NO_SUCH_CHILD)
    centre = get_person_for_user(user, person_id, purpose="view network")
    b = _Builder(user, centre)
    c = b.net.centre.key
    adults = adults_for_user(user)
    places = locations_for_user(user)

    # One link: the child's adults, places and the children they went missing with.
    assoc = list(Associate.objects.filter(person=centre, adult__in=adults).select_related("adult"))
    links = list(
        PlaceLink.objects.filter(_visible_links(), person=centre, location__in=places)
        .select_related("location")
        .order_by("-on")
    )
    together = went_missing_together({centre.pk})
    kids1 = _visible_children(user, {t.other_person_id for t in together})
    for a in assoc:
        assert a.adult is not None
        if b.add(Node("adult", a.adult.pk, a.adult.name, 1)):
            b.link(c, f"adult:{a.adult.pk}", _associate_why(a))
    for pl in links:
        if b.add(Node("place", pl.location.pk, str(pl.location), 1)):
            b.link(c, f"place:{pl.location.pk}", pl.get_source_display(), pl.on)
    for t in together:
        kid = kids1.get(t.other_person_id)
        if kid is not None and b.add(Node("child", kid.pk, _name(kid), 1)):
            b.link(c, f"child:{kid.pk}", _together_why(t), t.on)

    # Two links: the children of those adults and places, and the adults and children of
    # the children the child went missing with.
    adult_ids = [a.adult_id for a in assoc]
    place_ids = [pl.location_id for pl in links]
    via_adult = list(
        Associate.objects.filter(adult_id__in=adult_ids)
        .exclude(person=centre)
        .values_list("adult_id", "person_id", "relationship")
    )
    via_place = list(
        PlaceLink.objects.filter(_visible_links(), location_id__in=place_ids)
        .exclude(person=centre)
        .values_list("location_id", "person_id", "source", "on")
    )
    peers = set(kids1)
    together2 = went_missing_together(peers) if peers else []
    peer_assoc = list(
        Associate.objects.filter(person_id__in=peers, adult__in=adults)
        .exclude(adult_id__in=adult_ids)
        .select_related("adult")
    )
    kids2 = _visible_children(
        user,
        {pid for _, pid, _ in via_adult}
        | {pid for _, pid, _, _ in via_place}
        | {t.other_person_id for t in together2},
    )
    for adult_id, pid, relationship in via_adult:
        kid = kids2.get(pid)
        if kid is not None and b.add(Node("child", kid.pk, _name(kid), 2)):
            why = f"Associate: {relationship}" if relationship else "Associate"
            b.link(f"adult:{adult_id}", f"child:{kid.pk}", why)
    for location_id, pid, source, on in via_place:
        kid = kids2.get(pid)
        if kid is not None and b.add(Node("child", kid.pk, _name(kid), 2)):
            b.link(f"place:{location_id}", f"child:{kid.pk}", LinkSource(source).label, on)
    for t in together2:
        kid = kids2.get(t.other_person_id) or kids1.get(t.other_person_id)
        if kid is not None and kid.pk != centre.pk and b.add(Node("child", kid.pk, _name(kid), 2)):
            b.link(f"child:{t.person_id}", f"child:{kid.pk}", _together_why(t), t.on)
    for a in peer_assoc:
        assert a.adult is not None
        if b.add(Node("adult", a.adult.pk, a.adult.name, 2)):
            b.link(f"child:{a.person_id}", f"adult:{a.adult.pk}", _associate_why(a))
    return b.net


def _together_why(t: Together) -> str:
    return "Went missing together" if t.how == "missing" else "Found together"


# --- An adult's page and a place's page -------------------------------------------------------


@dataclass(frozen=True)
class LinkedEpisode:
    episode: Episode
    how: str  # "Went missing from", "Found at", or "" (an episode of the child)


@dataclass(frozen=True)
class LinkedChild:
    person: Person
    why: list[str]
    episodes: list[LinkedEpisode]


def _episodes_of(ids: list[int], *, limit: int = 10) -> dict[int, list[Episode]]:
    out: dict[int, list[Episode]] = defaultdict(list)
    qs = (
        Episode.objects.filter(person_id__in=ids, restricted=False)
        .select_related("found")
        .order_by("person_id", "-last_seen_at")
    )
    for e in qs:
        if len(out[e.person_id]) < limit:
            out[e.person_id].append(e)
    return out


def adult_children(user: User, adult: Adult) -> list[LinkedChild]:
    """The children linked to an adult that the user may see, each with their latest
    episodes (not a restricted case's)."""
    rows = list(adult.associates.values_list("person_id", "relationship"))
    kids = _visible_children(user, {pid for pid, _ in rows})
    why: dict[int, list[str]] = defaultdict(list)
    for pid, relationship in rows:
        if pid in kids:
            why[pid].append(f"Associate: {relationship}" if relationship else "Associate")
    episodes = _episodes_of(list(kids))
    return [
        LinkedChild(kids[pid], why[pid], [LinkedEpisode(e, "") for e in episodes[pid]])
        for pid in sorted(kids, key=lambda k: _name(kids[k]))
    ]


def location_children(user: User, location: Location) -> list[LinkedChild]:
    """The children linked to a place that the user may see, how, and the episodes that
    went missing from it or were found at it."""
    links = list(
        PlaceLink.objects.filter(_visible_links(), location=location).order_by("-on", "-pk")
    )
    kids = _visible_children(user, {pl.person_id for pl in links})
    why: dict[int, list[str]] = defaultdict(list)
    eps: dict[int, list[tuple[int, str]]] = defaultdict(list)
    for pl in links:
        if pl.person_id not in kids:
            continue
        words = pl.get_source_display()
        if pl.episode_id is not None:
            eps[pl.person_id].append((pl.episode_id, words))
        elif words not in why[pl.person_id]:
            why[pl.person_id].append(words)
    by_pk = {
        e.pk: e
        for e in Episode.objects.filter(
            pk__in=[ep for rows in eps.values() for ep, _ in rows]
        ).select_related("found")
    }
    out = []
    for pid in sorted(kids, key=lambda k: _name(kids[k])):
        linked = [LinkedEpisode(by_pk[ep], how) for ep, how in eps[pid] if ep in by_pk]
        reasons = why[pid] + sorted({le.how for le in linked} - set(why[pid]))
        out.append(LinkedChild(kids[pid], reasons, linked))
    return out


def adult_page(user: User, adult_id: int) -> tuple[Adult, list[LinkedChild]]:
    adult = get_adult_for_user(user, adult_id, purpose="view adult")
    return adult, adult_children(user, adult)


def location_page(user: User, location_id: int) -> tuple[Location, list[LinkedChild]]:
    location = get_location_for_user(user, location_id, purpose="view place")
    return location, location_children(user, location)


def adult_candidates(user: User, name: str) -> QuerySet[Adult]:
    """Adults the user may see whose name reads the same (to link an associate to)."""
    return adults_for_user(user).filter(normalised_name=normalise(name))[:20]

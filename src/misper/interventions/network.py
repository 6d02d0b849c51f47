"""Reading the network around the children (issue 12, part 5). Nothing here writes; the
links are written by people/network.py as the records that carry them are written.

Three kinds of node: children, adults (``people.Adult``) and places (``people.Location``,
one per full postcode). Three kinds of link:

- **a child and an adult**: one of the child's associates is that adult (from a report, a
  found report or an item a return interview shared, once someone linked it to the adult);
- **a child and a place**: a known place, a placement, the address the child went missing
  from or was found at, with that postcode;
- **two children who went missing together**: episodes of both from the same place (full
  postcode) last seen within two hours of each other, or found at the same place within
  two hours of each other ("found together").

What a viewer gets is limited to what they may see: children through the people rules
(``people_for_user``), adults and places through theirs, and never a restricted case's
episode or its links (R-RES-01). A child's network is the children and adults within two
links of the child, with the places that make the links, drawn to ``MAX_NODES`` in order of
strength: the adults first, then the children they went missing with, then the places;
two links away, the adults' children, the adults and companions of the ``PEERS`` children
they went missing with most often, then the latest ``PER_PLACE`` children of each of their
``PLACES`` most recent places (a town-centre postcode where hundreds are found says little
about one child). "Together" compares a child's ``MOMENTS`` most recent episode links. The
network says when it was cut short (``truncated``).
"""

from __future__ import annotations

from bisect import bisect_left
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Literal

from django.db.models import Exists, OuterRef, Q

from misper.agencies.models import User
from misper.core.errors import NotFound
from misper.episodes.models import Episode
from misper.people.matching import normalise
from misper.people.models import Adult, Associate, LinkSource, Location, Person, PlaceLink
from misper.people.selectors import (
    NO_SUCH_CHILD,
    adults_for_user,
    get_adult_for_user,
    get_location_for_user,
    get_person_for_user,
    may_see_network,
    people_for_user,
)
from misper.policy.calendar import local_date

TOGETHER = timedelta(hours=2)
MOMENTS = 200  # the most recent episode links (missing from, found) compared for "together"
MAX_NODES = 150
PEERS = 6  # the children gone missing with whose own links are followed (two links away)
PLACES = 12  # the child's most recent places whose other children are followed
PER_PLACE = 15  # the most recent links of a place reached at one link (a hot spot has hundreds)
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
    """A place link that is not a restricted case's (R-RES-01). Restricted cases are few:
    the database checks each link against their short list rather than joining every
    link to its episode."""
    return ~Q(episode_id__in=Episode.objects.filter(restricted=True).values("pk"))


def _visible_children(user: User, ids: set[int]) -> dict[int, Person]:
    if not ids:
        return {}
    return {p.pk: p for p in people_for_user(user).filter(pk__in=ids)}


def _visible_names(user: User, ordered: list[int], *, limit: int) -> dict[int, str]:
    """The names of the children among ``ordered`` (in order, without repeats) the user may
    see, reading at most ``limit`` of them: a network is drawn to MAX_NODES anyway."""
    wanted = list(dict.fromkeys(ordered))[:limit]
    if not wanted:
        return {}
    rows = (
        people_for_user(user).filter(pk__in=wanted).values_list("pk", "given_name", "family_name")
    )
    return {pk: f"{given} {family}" for pk, given, family in rows}


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
    """The episodes of other children that went missing from the same place (full postcode)
    within two hours of an episode of ``person_ids``, or were found at the same place within
    two hours. One query: a window per episode link, each an index range scan on (place,
    source, moment); restricted cases on neither side."""
    if not person_ids:
        return []
    mine = list(
        PlaceLink.objects.filter(
            person_id__in=person_ids,
            source__in=(LinkSource.MISSING_FROM, LinkSource.FOUND),
            at__isnull=False,
        )
        .filter(_visible_links())
        .order_by("-at")
        .values_list("location_id", "source", "at", "person_id", "episode_id")[:MOMENTS]
    )
    if not mine:
        return []
    groups: dict[tuple[int, str], list[tuple[datetime, int, int]]] = defaultdict(list)
    for location_id, source, at, person_id, episode_id in mine:
        if at is not None and episode_id is not None:
            groups[(location_id, source)].append((at, person_id, episode_id))
    for rows in groups.values():
        rows.sort()
    moments = [at for rows in groups.values() for at, _, _ in rows]
    if not moments:
        return []
    # The other children's links at the same places, by the same source, within two hours
    # of one of these children's: each probes the (place, source, moment) index.
    near = PlaceLink.objects.filter(
        person_id__in=person_ids,
        location_id=OuterRef("location_id"),
        source=OuterRef("source"),
        at__gte=OuterRef("at") - TOGETHER,
        at__lte=OuterRef("at") + TOGETHER,
    ).filter(_visible_links())
    others = (
        PlaceLink.objects.filter(
            location_id__in={loc for loc, _ in groups},
            source__in=(LinkSource.MISSING_FROM, LinkSource.FOUND),
            at__range=(min(moments) - TOGETHER, max(moments) + TOGETHER),
        )
        .filter(_visible_links())
        .exclude(person_id__in=person_ids)
        .filter(Exists(near))
        .values_list("location_id", "source", "at", "person_id", "episode_id")
    )
    out: list[Together] = []
    for location_id, source, at, person_id, episode_id in others:
        if at is None or episode_id is None:
            continue
        rows = groups[(location_id, source)]
        i = bisect_left(rows, (at - TOGETHER, -1, -1))
        while i < len(rows) and rows[i][0] <= at + TOGETHER:
            mine_at, mine_person, mine_episode = rows[i]
            how = "missing" if source == LinkSource.MISSING_FROM else "found"
            out.append(
                Together(mine_person, person_id, mine_episode, episode_id, local_date(mine_at), how)
            )
            i += 1
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
    centre = get_person_for_user(user, person_id, purpose="view network", prefetch=False)
    b = _Builder(user, centre)
    c = b.net.centre.key
    # Every adult and place is reached through a child the user may see (the centre, or a
    # child filtered by _visible_names), and the people rules let whoever sees a child see
    # the adults and places linked to them (adults_for_user, locations_for_user): no other
    # filter is needed, and none is paid for.

    # One link: the child's adults, the children they went missing with, their places.
    assoc = list(
        Associate.objects.filter(person=centre, adult__isnull=False).select_related("adult")
    )
    links = list(
        PlaceLink.objects.filter(_visible_links(), person=centre)
        .order_by("-on", "-pk")
        .values_list("location_id", "location__postcode", "location__label", "source", "on")
    )
    together = went_missing_together({centre.pk})
    kids1 = _visible_names(user, [t.other_person_id for t in together], limit=MAX_NODES)
    for a in assoc:
        assert a.adult is not None
        if b.add(Node("adult", a.adult.pk, a.adult.name, 1)):
            b.link(c, f"adult:{a.adult.pk}", _associate_why(a))
    for t in together:
        name = kids1.get(t.other_person_id)
        if name is not None and b.add(Node("child", t.other_person_id, name, 1)):
            b.link(c, f"child:{t.other_person_id}", _together_why(t), t.on)
    for location_id, postcode, label, source, on in links:
        if b.add(Node("place", location_id, f"{label} ({postcode})", 1)):
            b.link(c, f"place:{location_id}", LinkSource(source).label, on)

    # Two links: the children of those adults, the adults and children of the children the
    # child went missing with most often, and the children of the child's most recent
    # places (a child found at a busy place with a hundred others reaches the rest of the
    # town through it, not their own network: those are the last to be drawn).
    adult_ids = [a.adult_id for a in assoc]
    place_ids = list(dict.fromkeys(link[0] for link in links))
    if len(place_ids) > PLACES or len(kids1) > PEERS:
        b.net.truncated = True
    via_adult = list(
        Associate.objects.filter(adult_id__in=adult_ids)
        .exclude(person=centre)
        .order_by("adult_id", "pk")
        .values_list("adult_id", "person_id", "relationship")
    )
    often = Counter(t.other_person_id for t in together if t.other_person_id in kids1)
    closest = {pid for pid, _ in often.most_common(PEERS)}
    together2 = went_missing_together(closest) if closest else []
    peer_assoc = list(
        Associate.objects.filter(person_id__in=closest, adult__isnull=False)
        .exclude(adult_id__in=adult_ids)
        .select_related("adult")
    )
    # The most recent links of each place, one short index scan each (location, -on).
    via_place = [
        row
        for location_id in place_ids[:PLACES]
        for row in PlaceLink.objects.filter(_visible_links(), location_id=location_id)
        .exclude(person=centre)
        .order_by("-on")
        .values_list("location_id", "person_id", "source", "on")[:PER_PLACE]
    ]
    kids2 = _visible_names(
        user,
        [pid for _, pid, _ in via_adult]
        + [t.other_person_id for t in together2]
        + [pid for _, pid, _, _ in via_place],
        limit=3 * MAX_NODES,
    )
    kids2.update(kids1)
    for adult_id, pid, relationship in via_adult:
        name = kids2.get(pid)
        if name is not None and b.add(Node("child", pid, name, 2)):
            why = f"Associate: {relationship}" if relationship else "Associate"
            b.link(f"adult:{adult_id}", f"child:{pid}", why)
    for a in peer_assoc:
        assert a.adult is not None
        if b.add(Node("adult", a.adult.pk, a.adult.name, 2)):
            b.link(f"child:{a.person_id}", f"adult:{a.adult.pk}", _associate_why(a))
    for t in together2:
        name = kids2.get(t.other_person_id)
        other = t.other_person_id
        if name is not None and other != centre.pk and b.add(Node("child", other, name, 2)):
            b.link(f"child:{t.person_id}", f"child:{other}", _together_why(t), t.on)
    for location_id, pid, source, on in via_place:
        name = kids2.get(pid)
        if name is not None and b.add(Node("child", pid, name, 2)):
            b.link(f"place:{location_id}", f"child:{pid}", LinkSource(source).label, on)
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


def adult_candidates(user: User, name: str, *, limit: int = 20) -> list[Adult]:
    """Adults the user may see whose name has every word of ``name`` (to link an associate
    to, or to find on the adults' list), those whose name reads the same first; every adult
    the user may see, by name, when ``name`` is blank."""
    wanted = normalise(name)
    qs = adults_for_user(user)
    for word in wanted.split():
        qs = qs.filter(normalised_name__contains=word)
    qs = qs.select_related("created_by_org").order_by("name", "pk")
    same = list(qs.filter(normalised_name=wanted)[:limit]) if wanted else []
    return same + list(qs.exclude(pk__in=[a.pk for a in same])[: limit - len(same)])

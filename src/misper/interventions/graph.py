"""A child's network drawn as an SVG image, on the server (issue 12, part 5).

``network_svg(net)`` turns a ``network.Network`` into one ``<svg>`` element for the page,
with no script and no style attribute (the pages' content security policy allows
neither): the child at the centre, the people and places directly linked to them on a
first ring, those two links away on a second ring, each near the first node it is linked
through. A child is a circle, an adult a square and a place a diamond, so that colour is
never the only thing that tells them apart; a legend says so, and links between children
who went missing or were found together are dashed. The image is ``role="img"`` with a
title and a description that count what it shows; the table beside it on the page holds
the same content, in full, for whoever cannot see the picture or when the drawing is
capped (``MAX_DRAWN``).

The output is deterministic (nodes and links are sorted before they are placed) and every
text is escaped, so a name such as ``<script>`` is shown as written.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

from markupsafe import Markup, escape

from misper.interventions.network import Edge, Network, Node

MAX_DRAWN = 60  # nodes drawn, the child included; the table lists them all
LABEL_CHARS = 24

WIDTH = 1040
CX, CY = 520.0, 350.0
RING_1 = 160.0
RING_2 = 300.0
GAP = 0.32  # radians between neighbours on ring 2, when there is room
LEGEND_Y = 735.0
HEIGHT = 780

INK = "#0b0c0c"
LINE = "#505a5f"
COLOUR = {"child": "#1d70b8", "adult": "#d4351c", "place": "#00703c"}
KIND_ORDER = {"child": 0, "adult": 1, "place": 2}
TOGETHER = ("Went missing together", "Found together")


def _sort_key(n: Node) -> tuple[int, str, int]:
    return (KIND_ORDER[n.kind], n.label.casefold(), n.id)


def _e(text: object) -> str:
    return str(escape(str(text)))


def short_label(label: str, limit: int = LABEL_CHARS) -> str:
    """The label as drawn: cut at ``limit`` characters with an ellipsis."""
    label = " ".join(label.split())
    return label if len(label) <= limit else label[: limit - 1].rstrip() + "…"


def _count(n: int, one: str, many: str) -> str:
    if n == 0:
        return f"no {many}"
    return f"{n} {one if n == 1 else many}"


def _and(parts: list[str]) -> str:
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def summary(net: Network) -> str:
    """'Keira Lomax: 3 children, 1 adult and 2 places within two links'."""
    others = [n for n in net.nodes if n.key != net.centre.key]
    counts = [
        _count(sum(n.kind == "child" for n in others), "child", "children"),
        _count(sum(n.kind == "adult" for n in others), "adult", "adults"),
        _count(sum(n.kind == "place" for n in others), "place", "places"),
    ]
    return f"{net.centre.label}: {_and(counts)} within two links"


def _fmt(v: float) -> str:
    return f"{v:.1f}"


def _shape(kind: str, x: float, y: float, size: float, *, centre: bool = False) -> str:
    """A circle for a child, a square for an adult, a diamond for a place."""
    fill = COLOUR[kind]
    stroke = f'stroke="{INK}" stroke-width="{3 if centre else 1.5}"'
    if kind == "child":
        return f'<circle cx="{_fmt(x)}" cy="{_fmt(y)}" r="{_fmt(size)}" fill="{fill}" {stroke}/>'
    if kind == "adult":
        side = size * 1.7
        return (
            f'<rect x="{_fmt(x - side / 2)}" y="{_fmt(y - side / 2)}" width="{_fmt(side)}" '
            f'height="{_fmt(side)}" fill="{fill}" {stroke}/>'
        )
    d = size * 1.25
    points = " ".join(
        f"{_fmt(px)},{_fmt(py)}" for px, py in ((x, y - d), (x + d, y), (x, y + d), (x - d, y))
    )
    return f'<polygon points="{points}" fill="{fill}" {stroke}/>'


def _ring(count: int, radius: float, start: float = -math.pi / 2) -> list[tuple[float, float]]:
    step = 2 * math.pi / count if count else 0.0
    return [
        (CX + radius * math.cos(start + i * step), CY + radius * math.sin(start + i * step))
        for i in range(count)
    ]


def _angle_of(x: float, y: float) -> float:
    return math.atan2(y - CY, x - CX)


def _neighbours(edges: Iterable[Edge]) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for e in edges:
        out.setdefault(e.a, set()).add(e.b)
        out.setdefault(e.b, set()).add(e.a)
    return out


def _layout(
    centre: Node, ring1: list[Node], ring2: list[Node], edges: list[Edge]
) -> dict[str, tuple[float, float]]:
    """Where each drawn node goes: the child in the middle, ring 1 evenly from the top,
    ring 2 near the ring-1 node each is first linked through (the first in ring 1's order):
    each group spread around its node's angle, pushed on round the ring where groups would
    overlap, or evenly in that order when the ring is too full for that."""
    at: dict[str, tuple[float, float]] = {centre.key: (CX, CY)}
    for n, xy in zip(ring1, _ring(len(ring1), RING_1), strict=True):
        at[n.key] = xy
    if not ring2:
        return at
    index = {n.key: i for i, n in enumerate(ring1)}
    near = _neighbours(edges)

    def parent(n: Node) -> int:
        linked = [index[k] for k in near.get(n.key, ()) if k in index]
        return min(linked) if linked else len(ring1)

    def angle(p: int) -> float:
        return _angle_of(*at[ring1[p].key]) if p < len(ring1) else math.pi / 2

    ordered = sorted(ring2, key=lambda n: (parent(n), _sort_key(n)))
    gap = min(2 * math.pi / len(ordered), GAP)
    groups: dict[int, list[Node]] = {}
    for n in ordered:
        groups.setdefault(parent(n), []).append(n)
    wanted: list[tuple[float, Node]] = []
    for p, members in groups.items():
        for j, n in enumerate(members):
            wanted.append((angle(p) + (j - (len(members) - 1) / 2) * gap, n))
    wanted.sort(key=lambda w: (w[0], _sort_key(w[1])))
    placed = [wanted[0][0]]
    for a, _ in wanted[1:]:
        placed.append(max(a, placed[-1] + gap))
    if placed[-1] - placed[0] > 2 * math.pi - gap + 1e-9:
        # Too full to keep the groups apart: evenly round the ring, in the same order.
        placed = [wanted[0][0] + i * (2 * math.pi / len(wanted)) for i in range(len(wanted))]
    else:
        # Pushing moves groups on round the ring: turn it back by half the mean push.
        back = sum(p - a for p, (a, _) in zip(placed, wanted, strict=True)) / len(placed) / 2
        placed = [p - back for p in placed]
    for a, (_, n) in zip(placed, wanted, strict=True):
        at[n.key] = (CX + RING_2 * math.cos(a), CY + RING_2 * math.sin(a))
    return at


def _label_at(x: float, y: float, size: float, *, outward: bool) -> tuple[float, float, str]:
    """Where a node's label goes: below it, or for the outer ring away from the centre
    (beside it on the left and right, above it at the top), clear of the links."""
    if outward:
        dx, dy = x - CX, y - CY
        r = math.hypot(dx, dy) or 1.0
        if dx / r > 0.35:
            return x + size + 6, y + 5, "start"
        if dx / r < -0.35:
            return x - size - 6, y + 5, "end"
        if dy < 0:
            return x, y - size - 8, "middle"
    return x, y + size + 18, "middle"


def _legend() -> list[str]:
    y = LEGEND_Y
    out = [
        f'<g data-testid="legend"><rect x="20" y="{_fmt(y - 30)}" width="{WIDTH - 40}" height="60" '
        f'fill="#ffffff" stroke="#b1b4b6"/>'
    ]
    x = 50.0
    for kind, words in (("child", "Child"), ("adult", "Adult"), ("place", "Place")):
        out.append(_shape(kind, x, y, 9))
        out.append(f'<text x="{_fmt(x + 18)}" y="{_fmt(y + 5)}" fill="{INK}">{words}</text>')
        x += 110
    out.append(
        f'<line x1="{_fmt(x - 10)}" y1="{_fmt(y)}" x2="{_fmt(x + 30)}" y2="{_fmt(y)}" '
        f'stroke="{LINE}" stroke-width="2"/>'
    )
    out.append(f'<text x="{_fmt(x + 38)}" y="{_fmt(y + 5)}" fill="{INK}">Linked</text>')
    x += 110
    out.append(
        f'<line x1="{_fmt(x - 10)}" y1="{_fmt(y)}" x2="{_fmt(x + 30)}" y2="{_fmt(y)}" '
        f'stroke="{LINE}" stroke-width="2" stroke-dasharray="6 4"/>'
    )
    out.append(
        f'<text x="{_fmt(x + 38)}" y="{_fmt(y + 5)}" fill="{INK}">'
        "Went missing or found together</text>"
    )
    out.append("</g>")
    return out


def network_svg(net: Network, *, id_prefix: str = "network") -> Markup:
    """The network as an accessible SVG image (see the module's description)."""
    others = sorted((n for n in net.nodes if n.key != net.centre.key), key=_sort_key)
    ring1 = [n for n in others if n.distance <= 1]
    ring2 = [n for n in others if n.distance >= 2]
    room = MAX_DRAWN - 1
    ring1, ring2 = ring1[:room], ring2[: max(0, room - len(ring1))]
    drawn = {net.centre.key} | {n.key for n in ring1} | {n.key for n in ring2}
    edges = sorted(
        (e for e in net.edges if e.a in drawn and e.b in drawn),
        key=lambda e: (min(e.a, e.b), max(e.a, e.b), e.why),
    )
    at = _layout(net.centre, ring1, ring2, edges)

    desc = summary(net) + "."
    capped = len(drawn) < len(net.nodes)
    if capped:
        desc += f" The drawing shows {len(drawn)} of {len(net.nodes)}: the table lists all."
    if net.truncated:
        desc += " The network is larger than Misper lists: only the nearest are shown."
    title_id, desc_id = f"{id_prefix}-title", f"{id_prefix}-desc"
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'width="100%" role="img" aria-labelledby="{title_id} {desc_id}" '
        f'font-family="arial, sans-serif" font-size="14" class="misper-network" '
        f'data-testid="network-graph">',
        f'<title id="{title_id}">{_e(net.centre.label)}: network</title>',
        f'<desc id="{desc_id}">{_e(desc)}</desc>',
        f'<rect x="0" y="0" width="{WIDTH}" height="{HEIGHT}" fill="#ffffff"/>',
    ]
    if capped:
        out.append(
            f'<text x="20" y="28" fill="{INK}" data-testid="graph-capped">'
            f"Showing {len(drawn)} of {len(net.nodes)}: the table lists all</text>"
        )
    out.append('<g data-testid="links">')
    for e in edges:
        (x1, y1), (x2, y2) = at[e.a], at[e.b]
        dash = ' stroke-dasharray="6 4"' if e.why in TOGETHER else ""
        out.append(
            f'<line x1="{_fmt(x1)}" y1="{_fmt(y1)}" x2="{_fmt(x2)}" y2="{_fmt(y2)}" '
            f'stroke="{LINE}" stroke-width="1.5"{dash}><title>{_e(e.why)}</title></line>'
        )
    out.append("</g>")
    for n in [net.centre, *ring1, *ring2]:
        x, y = at[n.key]
        centre = n.key == net.centre.key
        size = 18.0 if centre else 12.0
        words = {"child": "Child", "adult": "Adult", "place": "Place"}[n.kind]
        out.append(f'<g data-kind="{n.kind}" data-distance="{n.distance}">')
        out.append(f"<title>{_e(words)}: {_e(n.label)}</title>")
        out.append(_shape(n.kind, x, y, size, centre=centre))
        weight = ' font-weight="bold"' if centre else ""
        lx, ly, anchor = _label_at(x, y, size, outward=n.distance >= 2)
        out.append(
            f'<text x="{_fmt(lx)}" y="{_fmt(ly)}" text-anchor="{anchor}" '
            f'fill="{INK}"{weight}>{_e(short_label(n.label))}</text>'
        )
        out.append("</g>")
    out.extend(_legend())
    out.append("</svg>")
    return Markup("\n".join(out))  # noqa: S704 - every text in it is escaped above

"""The network drawn as SVG (interventions/graph.py), without a database: valid XML, every
name escaped, one shape per kind (colour is never the only cue), a title and description
that count what is drawn, the same output for the same network however its nodes arrive,
and a cap on what is drawn that sends the reader to the table."""

from __future__ import annotations

import random
import xml.etree.ElementTree as ET
from datetime import date

from misper.interventions.graph import CX, CY, MAX_DRAWN, network_svg, short_label, summary
from misper.interventions.network import Edge, Network, Node

SVG = "{http://www.w3.org/2000/svg}"


def keira() -> Network:
    centre = Node("child", 1, "Keira Lomax", 0)
    nodes = [
        centre,
        Node("adult", 7, "Dean Hollis", 1),
        Node("place", 3, "Mill Row flats (VL2 4MR)", 1),
        Node("place", 4, "Birch Lodge (VL2 6FF)", 1),
        Node("child", 2, "Jayden Oakes", 1),
        Node("child", 5, "Amira Hassan", 2),
        Node("child", 6, "<script>alert(1)</script> & Co", 2),
    ]
    edges = [
        Edge("child:1", "adult:7", "Associate: boyfriend"),
        Edge("child:1", "place:3", "Known place", date(2026, 3, 1)),
        Edge("child:1", "place:4", "Placed at", date(2026, 1, 5)),
        Edge("child:1", "child:2", "Went missing together", date(2026, 3, 2)),
        Edge("adult:7", "child:5", "Associate"),
        Edge("place:3", "child:6", "Found at", date(2026, 2, 1)),
    ]
    return Network(centre=centre, nodes=nodes, edges=edges)


def parse(markup: str) -> ET.Element:
    return ET.fromstring(str(markup))


def groups(root: ET.Element) -> list[ET.Element]:
    return [g for g in root.iter(f"{SVG}g") if g.get("data-kind")]


def test_the_drawing_is_valid_svg_with_a_title_and_description_counting_it():
    root = parse(network_svg(keira()))
    assert root.tag == f"{SVG}svg"
    assert root.get("role") == "img"
    title = root.find(f"{SVG}title")
    desc = root.find(f"{SVG}desc")
    assert title is not None and desc is not None
    assert root.get("aria-labelledby") == f"{title.get('id')} {desc.get('id')}"
    assert title.text == "Keira Lomax: network"
    assert desc.text == "Keira Lomax: 3 children, 1 adult and 2 places within two links."


def test_summary_words_for_none_and_one():
    centre = Node("child", 1, "Keira Lomax", 0)
    alone = Network(centre=centre, nodes=[centre])
    assert summary(alone) == "Keira Lomax: no children, no adults and no places within two links"


def test_a_name_is_escaped_and_shown_as_written():
    markup = str(network_svg(keira()))
    assert "<script>" not in markup
    assert "&lt;script&gt;" in markup
    root = parse(markup)
    texts = ["".join(t.itertext()) for t in root.iter(f"{SVG}text")]
    # The label is cut at 24 characters; the full name is in the node's own title.
    assert short_label("<script>alert(1)</script> & Co") in texts
    titles = ["".join(t.itertext()) for t in root.iter(f"{SVG}title")]
    assert "Child: <script>alert(1)</script> & Co" in titles


def test_long_labels_are_cut_with_an_ellipsis():
    assert short_label("Flat above the takeaway, Station Road (VL2 7TT)") == (
        "Flat above the takeaway…"
    )
    assert short_label("Dean Hollis") == "Dean Hollis"


def test_each_kind_has_its_own_shape():
    root = parse(network_svg(keira()))
    shapes = {
        g.get("data-kind"): {child.tag.removeprefix(SVG) for child in g} - {"title", "text"}
        for g in groups(root)
    }
    assert shapes == {"child": {"circle"}, "adult": {"rect"}, "place": {"polygon"}}
    legend = next(g for g in root.iter(f"{SVG}g") if g.get("data-testid") == "legend")
    legend_text = " ".join("".join(t.itertext()) for t in legend.iter(f"{SVG}text"))
    assert "Child" in legend_text and "Adult" in legend_text and "Place" in legend_text
    assert {c.tag.removeprefix(SVG) for c in legend} >= {"circle", "rect", "polygon", "line"}


def test_together_links_are_dashed_and_ring_two_is_further_out():
    root = parse(network_svg(keira()))
    lines = [ln for ln in root.iter(f"{SVG}line") if ln.find(f"{SVG}title") is not None]
    dashed = {
        "".join(ln.find(f"{SVG}title").itertext()) for ln in lines if ln.get("stroke-dasharray")
    }  # type: ignore[union-attr]
    assert dashed == {"Went missing together"}

    def radius(g: ET.Element) -> float:
        shape = next(c for c in g if c.tag.removeprefix(SVG) in ("circle", "rect", "polygon"))
        if shape.tag == f"{SVG}circle":
            x, y = float(shape.get("cx") or 0), float(shape.get("cy") or 0)
        elif shape.tag == f"{SVG}rect":
            x = float(shape.get("x") or 0) + float(shape.get("width") or 0) / 2
            y = float(shape.get("y") or 0) + float(shape.get("height") or 0) / 2
        else:
            pts = [tuple(map(float, p.split(","))) for p in (shape.get("points") or "").split()]
            x, y = sum(p[0] for p in pts) / 4, sum(p[1] for p in pts) / 4
        return ((x - CX) ** 2 + (y - CY) ** 2) ** 0.5

    by_distance: dict[str, list[float]] = {}
    for g in groups(root):
        by_distance.setdefault(g.get("data-distance") or "", []).append(radius(g))
    assert max(by_distance["0"]) < 1
    assert max(by_distance["1"]) < min(by_distance["2"])


def test_the_output_does_not_depend_on_the_order_nodes_arrive_in():
    first = network_svg(keira())
    for seed in range(5):
        net = keira()
        random.Random(seed).shuffle(net.nodes)
        random.Random(seed + 100).shuffle(net.edges)
        assert network_svg(net) == first


def test_a_large_network_is_capped_and_sends_the_reader_to_the_table():
    centre = Node("child", 1, "Keira Lomax", 0)
    nodes = [centre] + [Node("child", 100 + i, f"Child {i:03}", 2) for i in range(80)]
    nodes.append(Node("adult", 9, "Dean Hollis", 1))
    edges = [Edge("child:1", "adult:9", "Associate")] + [
        Edge("adult:9", f"child:{100 + i}", "Associate") for i in range(80)
    ]
    root = parse(network_svg(Network(centre=centre, nodes=nodes, edges=edges, truncated=True)))
    drawn = groups(root)
    assert len(drawn) == MAX_DRAWN
    # The adult (one link away) is drawn before any child two links away.
    assert any(g.get("data-kind") == "adult" for g in drawn)
    desc = root.find(f"{SVG}desc")
    assert desc is not None and desc.text is not None
    assert "80 children, 1 adult and no places" in desc.text
    assert f"The drawing shows {MAX_DRAWN} of 82: the table lists all." in desc.text
    assert "larger than Misper lists" in desc.text
    note = next(t for t in root.iter(f"{SVG}text") if t.get("data-testid") == "graph-capped")
    assert note.text == f"Showing {MAX_DRAWN} of 82: the table lists all"
    # Only links between drawn nodes are drawn.
    assert len([ln for ln in root.iter(f"{SVG}line") if ln.find(f"{SVG}title") is not None]) == (
        MAX_DRAWN - 1
    )

"""Where the network's circles and arrows go, as plain data for the TikZ template.

Layers are columns, neurons are spread evenly in each column, inputs on the left, targets
on the right. Each drawing of the network in a report names what is highlighted (the path
being computed) and which weights were already updated; the template only draws.
"""
from __future__ import annotations

from dataclasses import dataclass

from ..core import ids
from ..core.model import Model

__all__ = ["Diagram", "layout", "EDGE_LABEL_LIMIT"]

#: Between two layers with more edges than this, only highlighted edges carry their name.
EDGE_LABEL_LIMIT = 9
COLUMN = 2.7   # cm between layers
ROW = 1.5      # cm between neurons


@dataclass(frozen=True)
class Diagram:
    nodes: tuple[dict, ...]
    edges: tuple[dict, ...]
    box: tuple[float, float, float, float]   # bounding box: x0, y0, x1, y1 (cm)


def layout(model: Model) -> Diagram:
    spec = model.spec
    columns = [spec.n_inputs] + [layer.units for layer in spec.layers]
    tallest = max(columns)

    def y(count: int, i: int) -> float:
        return round(((count - 1) / 2 - (i - 1)) * ROW, 3)

    nodes: list[dict] = []
    notation = model.notation
    for j in range(1, spec.n_inputs + 1):
        nodes.append({"id": f"x{j}", "x": 0.0, "y": y(spec.n_inputs, j), "kind": "input",
                      "label": notation.latex(ids.x(j))})
    L = len(spec.layers)
    for l, layer in enumerate(spec.layers, start=1):
        for i in range(1, layer.units + 1):
            nodes.append({"id": f"n{l}_{i}", "x": round(l * COLUMN, 3), "y": y(layer.units, i),
                          "kind": "output" if l == L else "hidden",
                          "label": notation.latex(ids.a(l, i))})
    for k in range(1, spec.layers[-1].units + 1):
        nodes.append({"id": f"t{k}", "x": round(L * COLUMN + 1.6, 3), "y": y(spec.layers[-1].units, k),
                      "kind": "target", "label": notation.latex(ids.y(k)), "source": f"n{L}_{k}"})
    edges: list[dict] = []
    for l, layer in enumerate(spec.layers, start=1):
        fan_in = len(layer.weights[0])
        labelled = layer.units * fan_in <= EDGE_LABEL_LIMIT
        for i in range(1, layer.units + 1):
            for j in range(1, fan_in + 1):
                edges.append({"id": ids.w(l, i, j), "src": f"x{j}" if l == 1 else f"n{l - 1}_{j}",
                              "dst": f"n{l}_{i}", "label": notation.latex(ids.w(l, i, j)),
                              "labelled": labelled})
    half = (tallest - 1) * ROW / 2 + 0.6
    return Diagram(tuple(nodes), tuple(edges), (-0.6, round(-half, 3), round(L * COLUMN + 2.2, 3), round(half, 3)))


def path_marks(factor_ids) -> tuple[set[str], set[str]]:
    """The weight edges and neurons a chain-rule path passes through."""
    edges: set[str] = set()
    nodes: set[str] = set()
    for fid in factor_ids:
        parts = ids.split_derivative(fid)
        if not parts:
            continue
        for qid in parts:
            base, _ = ids.split_example(qid)
            parsed = ids.parse(base)
            if parsed is None:
                continue
            kind, nums, _ = parsed
            if kind in ("z", "a"):
                nodes.add(f"n{nums[0]}_{nums[1]}")
            elif kind == "w":
                edges.add(base)
        num, den = (ids.split_example(q)[0] for q in parts)
        pn, pd = ids.parse(num), ids.parse(den)
        if pn and pd and pn[0] == "z" and pd[0] == "a":
            # dz{l}_i / da{l-1}_j runs along the edge of w{l}_i_j
            edges.add(ids.w(pn[1][0], pn[1][1], pd[1][1]))
    return edges, nodes


def styled(diagram: Diagram, highlight_edges=(), highlight_nodes=(), updated=()) -> dict:
    """The diagram with a style name for every node and edge, ready for the template."""
    he, hn, up = set(highlight_edges), set(highlight_nodes), set(updated)
    nodes = [{**n, "style": "hl" if n["id"] in hn else n["kind"]} for n in diagram.nodes]
    edges = []
    for e in diagram.edges:
        base = "upedge" if e["id"] in up else "edge"     # drawn once per change, in the box
        style = "hledge" if e["id"] in he else base      # what this drawing shows on top
        show = e["labelled"] or e["id"] in he
        edges.append({**e, "base": base, "style": style, "show_label": show})
    return {"nodes": nodes, "edges": edges, "box": diagram.box}

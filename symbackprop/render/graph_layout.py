"""Where graph mode's drawing puts everything: one layout for every way of drawing it.

    layout = graph_layout(g, "slides")     # or "article" (the handout's room)
    layout.place["q"], layout.routes[("x", "q", 0)], layout.positions[("x", "q", 0)]

Variables on the left, a column per depth, the gates where their inputs want them; each
edge straight or bent by an angle (TikZ's ``bend left`` > 0, ``bend right`` < 0); each edge's
value and gradient at a fraction of the way along it where they meet no other label; the
labels' size (pt), the decimals they show and the scale that fits the drawing to its room.
Lengths in cm, y upwards. The TikZ drawing (:mod:`.graph_context`) and the SVG one
(:mod:`.graph_svg`) both draw from it: one source for where things go.
"""
from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from decimal import Decimal

from ..core.exact import show
from ..core.graph import Graph

__all__ = ["GraphLayout", "graph_layout", "drawn_edges", "label_anchor", "curve", "text_ems", "DECIMALS", "PT_PER_CM",
           "RADIUS", "SIZES", "MIDDLE"]

DECIMALS = 5
COLUMN, ROW = 2.4, 1.3


@dataclass(frozen=True)
class GraphLayout:
    """Where everything goes (cm): ``place`` every node's centre, ``out`` the output arrow's
    end; ``routes`` every edge's bend (degrees, 0 straight) and ``positions`` where along it
    its labels sit, by (source, target, which of the target's inputs), the output's arrow as
    (output, "out", 0); the labels' ``size`` (pt) and its LaTeX name ``font``, the variables'
    (a size larger: their subscripts are read too), the ``scale``
    that fits the drawing to its room, the labels' ``digits``, the drawing's ``box``
    (x0, y0, x1, y1)."""

    place: dict[str, tuple[float, float]]
    routes: dict[tuple[str, str, int], int]
    positions: dict[tuple[str, str, int], float]
    size: float
    font: str
    var_size: float
    var_font: str
    scale: float
    digits: int
    box: tuple[float, float, float, float]
    out: tuple[float, float]


def graph_layout(g: Graph, style: str) -> GraphLayout:
    """The layout of ``g`` for a room of ``style`` (:data:`ROOM`)."""
    place, routes, size, font, scale, digits, positions = _fit(g, style)
    box = place["_box"]
    # the variables a size larger than the labels (their subscripts are read too)
    var_size, var_font = (SIZES + ((24.88, r"\Huge"),))[[name for _, name in SIZES].index(font) + 1]
    return GraphLayout({n.id: place[n.id] for n in g.nodes}, routes, positions, size, font, var_size, var_font,
                       scale, digits, box, (round(box[2] - 0.6, 3), place[g.output][1]))


def drawn_edges(g: Graph) -> list[tuple[str, str, int, Decimal | None]]:
    """(source, target, which of the target's inputs, the share of ∂f/∂source it carries
    back) for every edge, in the graph's order."""
    return [(i, n.id, k, down) for n in g.nodes
            for k, (i, down) in enumerate(zip(n.inputs, [e.downstream for e in g.into(n.id)]))]


def _ems(v: Decimal | None, digits: int) -> float:
    """A value's width in ems as the drawing shows it: ∄ where there is none, ∞ with its sign."""
    if v is None:
        return 1.0
    if v.is_infinite():
        return (0.78 if v < 0 else 0.0) + 1.0
    return text_ems(show(v, digits))


def _layout(g: Graph, gaps: dict[int, float] | None = None, out_gap: float = 2.0,
            row: float = ROW, order: list[str] | None = None, late: bool = False) -> dict[str, tuple[float, float]]:
    """A layered layout: a column per depth (variables on the left); the variables take rows
    in some order; every gate wants the mean height of its inputs and a column's gates keep
    that order, pushed at least a row apart (so that x − y and max(x, y), which want the same
    place, get a row each), then centred on what they wanted. A constant argument sits in the
    column before its gate. Then each variable moves to the middle of the gates it feeds, the
    variables keeping their order. Of the variables' orders (all of them, up to
    :data:`ORDERS_UPTO` variables; else the order the output reaches them and its neighbours
    by one swap), the one whose edges cross least (then bend least) wins, the order the
    output reaches them first on a tie: crossing edges put their values and gradients on
    each other. ``gaps``: the distance (cm) from column k − 1 to column k (else
    :data:`COLUMN`), ``out_gap`` from the output to the arrow's end, ``row`` between two
    rows. ``_box``: the drawing's
    extent (x0, y0, x1, y1); ``_order``: the variables' order chosen (``order``: use that one).
    ``late``: a variable used once, by a gate two columns on or more, sits beside that gate's
    other inputs as a constant does (see :func:`_depths`)."""
    first = _leaves(g)
    if order is not None:
        orders = [order]
    elif len(first) <= ORDERS_UPTO:
        orders = [list(o) for o in itertools.permutations(first)]
    else:
        orders = [first] + [first[:k] + [first[k + 1], first[k]] + first[k + 2:] for k in range(len(first) - 1)]
    best = None
    for order in orders:
        place = _place(g, order, gaps or {}, out_gap, row, late)
        cost = _tangle(g, place) if len(orders) > 1 else (0, 0)
        if best is None or cost < best[0]:
            best = (cost, place, order)
        if cost == (0, 0):
            break
    best[1]["_order"] = best[2]
    return best[1]


#: Up to this many variables every order of them is tried (5! = 120 layouts)
ORDERS_UPTO = 5

#: The largest graph (nodes) that is drawn: the reports' limit (``api.REPORT_LIMITS``) and the
#: notebook's (a larger one's layout would take minutes).
GRAPH_NODE_LIMIT = 40


def _depths(g: Graph, late: bool = False) -> dict[str, int]:
    """Every node's column: a variable's is 0, a gate's one more than its inputs' deepest; a
    constant sits in the column before its gate (not at the far left), and so does, when
    ``late``, a variable used once by a gate two columns on or more (the neuron's w2: the
    first column then stacks one variable fewer, and the drawing is a row lower)."""
    users: dict[str, list[str]] = {}
    for n in g.nodes:
        for i in n.inputs:
            users.setdefault(i, []).append(n.id)
    depth: dict[str, int] = {}
    for n in g.nodes:
        depth[n.id] = 0 if not n.inputs else 1 + max(depth[i] for i in n.inputs)
    for n in g.nodes:
        if (n.op == "const" or n.id in _late(g, depth, users, late)) and users.get(n.id):
            depth[n.id] = max(0, depth[users[n.id][0]] - 1)
    return depth


def _late(g: Graph, depth: dict[str, int], users: dict[str, list[str]], late: bool) -> set[str]:
    """The variables placed beside their gate (see :func:`_depths`)."""
    if not late:
        return set()
    return {n.id for n in g.nodes if n.op == "input" and len(users.get(n.id, ())) == 1
            and depth[users[n.id][0]] >= 2}


def _leaves(g: Graph) -> list[str]:
    """The variables in the order the output reaches them (then the others)."""
    by_id = {n.id: n for n in g.nodes}
    leaves: list[str] = []

    def reach(node_id: str) -> None:
        node = by_id[node_id]
        if node.op == "input" and node_id not in leaves:
            leaves.append(node_id)
        for i in node.inputs:
            reach(i)

    reach(g.output)
    return leaves + [n.id for n in g.nodes if n.op == "input" and n.id not in leaves]


def _tangle(g: Graph, place) -> tuple[int, int]:
    """(how many pairs of edges cross, how many edges bend) in a layout (edges that share a
    node meet there: not a crossing)."""
    place = dict(place)
    routes = _routes(g, place)
    lines = []
    for (src, dst, k), angle in routes.items():
        points = [place[src]] + (curve(place[src], place[dst], angle)[1::2] if angle else []) + [place[dst]]
        xs, ys = [x for x, _ in points], [y for _, y in points]
        lines.append(({src, dst}, points, (min(xs), min(ys), max(xs), max(ys))))
    crossings = 0
    for a in range(len(lines)):
        for b in range(a + 1, len(lines)):
            if lines[a][0] & lines[b][0] or not _boxes_meet(lines[a][2], lines[b][2]):
                continue
            crossings += any(_cross(p, q, r, s) for p, q in zip(lines[a][1], lines[a][1][1:])
                             for r, s in zip(lines[b][1], lines[b][1][1:]))
    return crossings, sum(angle != 0 for angle in routes.values())


def _boxes_meet(a, b) -> bool:
    return a[0] <= b[2] and b[0] <= a[2] and a[1] <= b[3] and b[1] <= a[3]


def _cross(p, q, r, s) -> bool:
    """Do the segments p-q and r-s cross?"""
    def side(a, b, c):
        return (b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0])
    d1, d2, d3, d4 = side(r, s, p), side(r, s, q), side(p, q, r), side(p, q, s)
    return d1 * d2 < 0 and d3 * d4 < 0


def _place(g: Graph, leaves: list[str], gaps: dict[int, float], out_gap: float,
           row_height: float = ROW, late: bool = False) -> dict[str, tuple[float, float]]:
    """The layout (see :func:`_layout`) with the variables in this order."""
    by_id = {n.id: n for n in g.nodes}
    users: dict[str, list[str]] = {}
    for n in g.nodes:
        for i in n.inputs:
            users.setdefault(i, []).append(n.id)
    depth = _depths(g, late)
    beside = {n.id for n in g.nodes if n.op == "const"} | _late(g, _depths(g), users, late)
    row: dict[str, float] = {}
    for k, leaf in enumerate(leaves):
        row[leaf] = float(k)
    order = {n.id: k for k, n in enumerate(g.nodes)}
    for column in range(max(depth.values(), default=0) + 1):
        here = [n.id for n in g.nodes if depth[n.id] == column and n.id not in beside]
        wanted = {k: row[k] for k in here if k in row}            # the variables have theirs
        for node_id in here:
            if node_id not in wanted:
                ys = [row[i] for i in by_id[node_id].inputs]
                wanted[node_id] = sum(ys) / len(ys)
        consts = [n.id for n in g.nodes if depth[n.id] == column and n.id in beside]
        for c in consts:
            # half a row below its gate's other inputs (all in this column or before)
            gate = by_id[users[c][0]] if users.get(c) else None
            ys = [wanted.get(i, row.get(i)) for i in (gate.inputs if gate else ()) if i != c]
            ys = [y for y in ys if y is not None]
            wanted[c] = (sum(ys) / len(ys) if ys else 0.0) + 0.6
        _spread(here + consts, wanted, order, row)
    # then each variable moves to the middle of the gates that use it, in its order (the
    # first column's constants stay where they are wanted)
    first = [n.id for n in g.nodes if depth[n.id] == 0]
    wanted = {v: sum(row[u] for u in users[v]) / len(users[v])
              if users.get(v) and by_id[v].op == "input" else row[v] for v in first}
    _spread(first, wanted, {v: k for k, v in enumerate(sorted(first, key=lambda v: row[v]))}, row,
            keep=True)
    top, bottom = min(row.values()), max(row.values())
    middle = (top + bottom) / 2
    # a variable that feeds three gates or more fans out: its edges get more room to part
    fan = COLUMN / 2 if any(len(users.get(v, ())) >= 3 for v in leaves) else 0.0
    columns = [0.0]
    for k in range(1, max(depth.values(), default=0) + 1):
        columns.append(columns[-1] + gaps.get(k, COLUMN))
    place = {nid: (round(columns[depth[nid]] + (fan if depth[nid] else 0.0), 3) + 0.0,
                   round((middle - y) * row_height, 3) + 0.0) for nid, y in row.items()}
    height = (bottom - top) * row_height
    out_x = place[g.output][0]
    place["_box"] = (-0.8, round(-height / 2 - 0.8, 3), round(out_x + out_gap + 0.6, 3), round(height / 2 + 0.8, 3))
    return place


def _spread(here: list[str], wanted: dict[str, float], order: dict[str, int], row: dict,
            keep: bool = False) -> None:
    """Rows for one column: in the order wanted (in ``order`` when ``keep``), at least one row
    apart, centred on the wish."""
    if not here:
        return
    ranked = sorted(here, key=lambda k: order[k] if keep else (wanted[k], order[k]))
    placed: list[float] = []
    for k in ranked:
        placed.append(wanted[k] if not placed else max(wanted[k], placed[-1] + 1.0))
    shift = sum(wanted[k] - y for k, y in zip(ranked, placed)) / len(ranked)
    for k, y in zip(ranked, placed):
        row[k] = y + shift


#: Room for the drawing (cm): a slide gives it a band of the frame's full width (its margins
#: too) under the text, of a fixed height, so that every frame of a deck draws it alike; the
#: handout its text width.
ROOM = {"slides": (12.0, 3.9), "article": (16.6, 12.0)}
#: The labels' sizes (pt) in the 11 pt classes and their LaTeX names, smallest first
SIZES = ((6, r"\tiny"), (8, r"\scriptsize"), (9, r"\footnotesize"), (10, r"\small"), (12, r"\large"),
         (14.4, r"\Large"), (17.28, r"\LARGE"), (20.74, r"\huge"))
#: The labels are read at this size (pt) once the drawing is scaled to its room, at least
#: (the lecturer's review: 7 pt at the back of a room), ideally (the body's \scriptsize)
READ, IDEAL = 7.0, 8.0
#: The largest size a label is set at when the drawing needs no scaling
UNSCALED = 9
#: Around an edge's label: the clearance (cm) at either end and the arrow's tip
_LABEL_ENDS, _ARROW = 0.15, 0.2


def _ends(size: float) -> float:
    """The clearance (cm) at a label's ends for labels of ``size`` pt: :data:`_LABEL_ENDS`, or a
    third of an em of a large font (a scaled drawing's labels kept off the circles)."""
    return max(_LABEL_ENDS, size / 3 / PT_PER_CM)
#: Where along its edge a label sits: the middle, or nearer the target on the edges that fan
#: out of their source (there they are furthest apart)
MIDDLE, FANNED = 0.5, 0.58
RADIUS = {"gop": 0.4, "gvar": 0.3}
PT_PER_CM = 28.4527
#: Rows stand this many labels' sizes apart at least (and :data:`ROW`), at most (while two
#: labels meet), and else (see :func:`_fit`)
ROWS_PER_LABEL, ROWS_UPTO, ROWS_ELSE = 2.4, 5.1, 3.6


def text_ems(text: str) -> float:
    """A label's width in ems of its font (Latin Modern's figures are half an em wide): enough
    to leave it room between two columns."""
    width, k = 0.0, 0
    while k < len(text):
        c = text[k]
        if c == "\\":                            # a command (\infty, \nexists): a symbol
            k += 1
            while k < len(text) and text[k].isalpha():
                k += 1
            width += 1.0
            continue
        width += 0.78 if c in "-+" else 0.28 if c in ".," else 0.0 if c in "{}^_ " else 0.5
        k += 1
    return width


def _pos(g: Graph, src: str, dst: str) -> float:
    """Where along the edge src → dst its labels sit unless they meet others there
    (:data:`MIDDLE` or :data:`FANNED`; :func:`_positions` moves them)."""
    return FANNED if dst != "out" and g.node(src).branches > len(g.node(dst).inputs) else MIDDLE


def _edge_labels(g: Graph, digits: int = DECIMALS) -> list[tuple[str, str, float]]:
    """(source, target, ems of the widest of its value and its gradient) for every edge, the
    output's arrow (target ``out``) last."""
    return [(src, dst, max(value, grad)) for src, dst, _, value, grad in _label_widths(g, digits)]


def _label_widths(g: Graph, digits: int = DECIMALS) -> list[tuple[str, str, int, float, float]]:
    """(source, target, which of the target's inputs, ems of the value, ems of the gradient)
    for every edge, the output's arrow (target ``out``) last."""
    out = [(i, dst, k, _ems(g.node(i).value, digits), _ems(down, digits)) for i, dst, k, down in drawn_edges(g)]
    out.append((g.output, "out", 0, _ems(g.value, digits), text_ems("1")))
    return out


def _room(g: Graph, src: str, dst: str, label: float, pos: float | None = None, size: float = 0) -> float:
    """How far apart (cm) the centres of src and dst must be for a label ``label`` cm wide,
    set at ``pos`` (else where :func:`_pos` puts it), to keep clear of both nodes and of the
    arrow's tip."""
    pos = _pos(g, src, dst) if pos is None else pos
    kinds = [RADIUS["gvar" if k == "out" or g.node(k).op in ("input", "const") else "gop"] for k in (src, dst)]
    half = label / 2 + _ends(size)
    return max(half / pos, (half + _ARROW) / (1 - pos)) + sum(kinds)


def _gaps(g: Graph, size: float, digits: int = DECIMALS, late: bool = False) -> tuple[dict[int, float], float]:
    """The distance (cm) from each column to the one before it, and from the output to the
    arrow's end: the widest label on the edges entering the column (set at ``size`` pt),
    centred on the edge with room at its ends and for the arrow, plus the nodes' radii; never
    less than :data:`COLUMN`."""
    depth = _depths(g, late)
    gaps: dict[int, float] = {}
    out_gap = 2.0
    for src, dst, ems in _edge_labels(g, digits):
        need = _room(g, src, dst, ems * size / PT_PER_CM, size=size)
        if dst == "out":
            out_gap = max(out_gap, math.ceil(need * 100) / 100)
        else:
            column = depth[dst]
            gaps[column] = max(gaps.get(column, COLUMN), math.ceil(need * 100) / 100)
    return gaps, out_gap


def _row(size: float) -> float:
    """The least distance (cm) between two rows for labels of ``size`` pt; :func:`_fit` makes
    it larger while two labels meet (see :func:`_positions`)."""
    return max(ROW, math.ceil(ROWS_PER_LABEL * size / PT_PER_CM * 100) / 100)


def _scale(box, style: str) -> float:
    """How much the drawing is scaled to fit its room."""
    width, height = ROOM[style]
    return min(1.0, width / (box[2] - box[0]), height / (box[3] - box[1]))


#: The places along an edge its labels may take, tried in this order (the first is :func:`_pos`)
PLACES = (0.5, 0.42, 0.58, 0.36, 0.64)
#: A label's height (the figures and the node's inner sep) in pt, for labels of 1 pt: a·size + b
_LABEL_HEIGHT = (0.8, 2.0)
#: Two labels closer than this (cm, unscaled) meet
_LABEL_GAP = 0.04


def _label_box(a, b, angle: float, pos: float, width: float, height: float, above: bool):
    """The corners of a label set ``above`` (else below) the edge a → b bent by ``angle`` at
    ``pos``, sloped along it, as TikZ sets it (cm)."""
    px, py, ux, uy = label_anchor(a, b, angle, pos)
    nx, ny = -uy, ux
    side = 1 if above else -1
    return [(px + ux * w + nx * h * side, py + uy * w + ny * h * side)
            for w, h in ((-width / 2, 0), (width / 2, 0), (width / 2, height), (-width / 2, height))]


def label_anchor(a, b, angle: float, pos: float) -> tuple[float, float, float, float]:
    """Where the labels of the edge a → b bent by ``angle`` sit at ``pos``: the point on the
    edge and the unit direction along it, pointing rightwards (a label is kept upright)."""
    if angle == 0:
        (ax, ay), (bx, by) = a, b
        px, py = ax + pos * (bx - ax), ay + pos * (by - ay)
        ux, uy = bx - ax, by - ay
    else:
        points = [a] + curve(a, b, angle) + [b]
        k = min(len(points) - 2, max(1, round(pos * 40)))
        (px, py) = points[k]
        ux, uy = points[k + 1][0] - points[k - 1][0], points[k + 1][1] - points[k - 1][1]
    length = math.hypot(ux, uy) or 1.0
    ux, uy = ux / length, uy / length
    if ux < 0:                               # TikZ keeps a sloped label upright
        ux, uy = -ux, -uy
    return px, py, ux, uy


def _bounds(p: list) -> tuple[float, float, float, float]:
    return min(x for x, _ in p), min(y for _, y in p), max(x for x, _ in p), max(y for _, y in p)


def _apart(a, b, gap: float = _LABEL_GAP) -> bool:
    """Are two bounding boxes at least ``gap`` apart?"""
    return a[2] + gap <= b[0] or b[2] + gap <= a[0] or a[3] + gap <= b[1] or b[3] + gap <= a[1]


def _meet(p: list, q: list, gap: float = _LABEL_GAP) -> bool:
    """Do two convex polygons come closer than ``gap`` (separating axes)?"""
    if _apart(_bounds(p), _bounds(q), gap):
        return False
    for poly in (p, q):
        for k in range(len(poly)):
            (x0, y0), (x1, y1) = poly[k], poly[(k + 1) % len(poly)]
            nx, ny = y0 - y1, x1 - x0
            length = math.hypot(nx, ny) or 1.0
            nx, ny = nx / length, ny / length
            sp, sq = [x * nx + y * ny for x, y in p], [x * nx + y * ny for x, y in q]
            if max(sp) + gap <= min(sq) or max(sq) + gap <= min(sp):
                return False
    return True


def _positions(g: Graph, place, routes, size: float, digits: int):
    """Where each edge's labels sit ({(source, target, k): pos}, the output's arrow as
    (output, "out", 0)) and whether they all keep clear of each other: every edge in turn
    takes the first of :data:`PLACES` where its value and gradient (as the result's frame
    shows them) meet no label placed before and keep clear of both nodes and the arrow."""
    out_end = (place["_box"][2] - 0.6, place[g.output][1])
    ends = {n.id: place[n.id] for n in g.nodes}
    ends["out"] = out_end
    radius = {n.id: RADIUS["gvar" if n.op in ("input", "const") else "gop"] for n in g.nodes}
    radius["out"] = RADIUS["gvar"]
    height = (_LABEL_HEIGHT[0] * size + _LABEL_HEIGHT[1]) / PT_PER_CM
    placed: list[tuple[list, tuple]] = []
    chosen: dict[tuple[str, str, int], float] = {}
    clear = True
    for src, dst, k, value, grad in _label_widths(g, digits):
        a, b = ends[src], ends[dst]
        angle = routes.get((src, dst, k), 0)
        visible = math.hypot(b[0] - a[0], b[1] - a[1]) - radius[src] - radius[dst]
        label = max(value, grad) * size / PT_PER_CM
        first = _pos(g, src, dst) if dst != "out" else MIDDLE
        best = None
        for pos in (first,) + tuple(p for p in PLACES if p != first):
            half = label / 2 + _ends(size)
            if pos * visible < half - 1e-9 or (1 - pos) * visible < half + _ARROW - 1e-9:
                continue
            boxes = [_label_box(a, b, angle, pos, w * size / PT_PER_CM + 2 / PT_PER_CM, height, above)
                     for w, above in ((value, True), (grad, False))]
            # the boxes' bounds first: most labels are far apart (the same count, much sooner)
            hits = sum(_meet(p, q) for p, pb in ((p, _bounds(p)) for p in boxes)
                       for q, qb in placed if not _apart(pb, qb))
            if best is None or hits < best[0]:
                best = (hits, pos, boxes)
            if hits == 0:
                break
        if best is None:                     # no room anywhere but where _gaps made it
            best = (0, first, [])
        clear = clear and best[0] == 0
        chosen[(src, dst, k)] = best[1]
        placed += [(p, _bounds(p)) for p in best[2]]
    return chosen, clear


#: The ways the drawing tries to be read at :data:`READ` pt, in this order: (the decimals of
#: its labels, the late variables beside their gate — see :func:`_depths`). The text under
#: the drawing keeps all the decimals.
TRIES = ((DECIMALS, False), (DECIMALS, True), (3, False), (3, True), (2, True))


def _names_inside(g: Graph, place, size: float) -> None:
    """The drawing's box grows to hold the gates' names above them (q over its circle): set at
    a large size they stood out of it, into the text above the drawing."""
    tops = [place[n.id][1] + RADIUS["gop"] + 1.4 * size / PT_PER_CM
            for n in g.nodes if n.inputs and n.id != g.output]
    x0, y0, x1, y1 = place["_box"]
    place["_box"] = (x0, y0, x1, round(max([y1] + tops), 3))


def _fit(g: Graph, style: str):
    """The layout, the edges' routes, the labels' size (pt and LaTeX), the scale, the labels'
    decimals and places along their edges: a wide graph is scaled down to fit its room, so its
    labels are set larger, and its columns spread to hold them; rows part while two labels
    meet. Each way of :data:`TRIES` in turn takes the smallest size read at :data:`IDEAL` pt
    once scaled (none larger than :data:`UNSCALED` pt if the drawing needs no scaling), and
    the first way that has one is used; else the way and size read largest (the first way on
    a tie), labels clear of each other first."""
    candidates = []
    users = {m.id: [n.id for n in g.nodes if m.id in n.inputs] for m in g.nodes}
    for rank, (digits, late) in enumerate(TRIES):
        if late and not _late(g, _depths(g), users, True):
            continue                        # the same layout as without
        best = None
        for size, name in SIZES:
            gaps, out_gap = _gaps(g, size, digits, late)
            label = size / PT_PER_CM
            place = _layout(g, gaps, out_gap, _row(size), late=late)
            order = place["_order"]
            # rows part until no two labels meet, up to :data:`ROWS_UPTO` labels apart; if they
            # still meet (bent edges in a crowded graph), the rows :data:`ROWS_ELSE` apart
            for parts in itertools.count():
                routes = _routes(g, place)
                positions, clear = _positions(g, place, routes, size, digits)
                row = round(max(ROW, (ROWS_PER_LABEL + 0.45 * (parts + 1)) * label), 3)
                if clear or row > ROWS_UPTO * label:
                    break
                place = _layout(g, gaps, out_gap, row, order, late)
            if not clear:
                place = _layout(g, gaps, out_gap, max(ROW, round(ROWS_ELSE * label, 3)), order, late)
                routes = _routes(g, place)
                positions, clear = _positions(g, place, routes, size, digits)
            _names_inside(g, place, size)
            scale = _scale(place["_box"], style)
            if scale >= 1 and size > UNSCALED:
                break
            fit = (place, routes, size, name, scale, digits, positions)
            if clear and size * scale >= IDEAL:
                return fit
            # a read beyond IDEAL gains nothing: then the earlier way and the smaller size
            key = (clear, min(round(size * scale, 2), IDEAL), -rank, -size)
            if best is None or key > best[0]:
                best = (key, fit)
        candidates.append(best)
    return max(candidates, key=lambda c: c[0])[1]


def _routes(g: Graph, place) -> dict[tuple[str, str, int], int]:
    """Every edge's bend (by source, target and which of the target's inputs it is); the
    drawing's box (``place["_box"]``) grows to hold the bent ones and their labels."""
    routes = {}
    centres = {n.id: place[n.id] for n in g.nodes}
    # what an edge and its labels must keep clear of: every gate with the name above it
    shapes = {n.id: [(*place[n.id], _CLEAR)] + ([(place[n.id][0], place[n.id][1] + 0.6, 0.45)]
                                                  if n.inputs and n.id != g.output else [])
              for n in g.nodes}
    for n in g.nodes:
        copies = {i: n.inputs.count(i) for i in n.inputs}
        seen: dict[str, int] = {}
        for k, i in enumerate(n.inputs):
            others = [shape for node_id, found in shapes.items() if node_id not in (i, n.id) for shape in found]
            routes[(i, n.id, k)], points = _route(centres[i], centres[n.id], others, seen.get(i, 0), copies[i])
            seen[i] = seen.get(i, 0) + 1
            x0, y0, x1, y1 = place["_box"]
            ys = [y for _, y in points]
            place["_box"] = (x0, round(min([y0] + [y - 0.45 for y in ys]), 3),
                             x1, round(max([y1] + [y + 0.45 for y in ys]), 3))
    return routes


#: TikZ's control distance for bend left/right at looseness 1: 0.3915 of the chord
_BEND = 0.3915
_CLEAR = 0.75               # a node's radius (4 mm) and the edge labels' height


def _clearance(points: list[tuple[float, float]], others: list[tuple[float, float, float]]) -> float:
    """How near a path comes to the nodes ``others`` (x, y, radius): the least distance from
    one of its points to a node's centre, in that node's radii (2.0 with no node). A node
    further from the points' bounding box than the nearest met so far cannot be nearer: it is
    not measured point by point (the same number, in a fraction of the time)."""
    if not others:
        return 2.0
    x0, x1 = min(x for x, _ in points), max(x for x, _ in points)
    y0, y1 = min(y for _, y in points), max(y for _, y in points)
    bounds = sorted((math.hypot(max(x0 - ox, 0.0, ox - x1), max(y0 - oy, 0.0, oy - y1)) / r, ox, oy, r)
                    for ox, oy, r in others)
    least = math.inf
    for bound, ox, oy, r in bounds:
        if bound > least + 1e-9:
            break
        least = min(least, min(math.hypot(x - ox, y - oy) for x, y in points) / r)
    return least


def _route(a: tuple[float, float], b: tuple[float, float], others: list[tuple[float, float, float]],
           copy: int, copies: int) -> tuple[int, list[tuple[float, float]]]:
    """How an edge goes from a to b: straight, unless it would pass through another node (an
    edge that skips columns) or it is one of several edges between the same two nodes (x·x):
    then the least bend, left (> 0) or right, that clears every node."""
    if copies > 1:
        angle = 20 * (1 if copy % 2 == 0 else -1) * (1 + copy // 2)
        return angle, curve(a, b, angle)
    best = None
    for angle in (0, 20, -20, 30, -30, 40, -40, 50, -50, 60, -60):
        points = curve(a, b, angle)
        room = _clearance(points, others)
        if room >= 1:
            return angle, points
        if best is None or room > best[0]:
            best = (room, angle, points)
    return best[1], best[2]          # nothing clears every node: the one that comes nearest


def curve(a, b, angle: float) -> list[tuple[float, float]]:
    """Points along TikZ's path from a to b bent by ``angle`` (left > 0), ends left out."""
    (ax, ay), (bx, by) = a, b
    dx, dy = bx - ax, by - ay
    length = math.hypot(dx, dy) or 1.0
    t = math.radians(angle)
    ux, uy = dx / length, dy / length
    # out of a turned left by the angle, into b from the mirror side (TikZ's bend left)
    c1 = (ax + _BEND * length * (ux * math.cos(t) - uy * math.sin(t)),
          ay + _BEND * length * (ux * math.sin(t) + uy * math.cos(t)))
    c2 = (bx - _BEND * length * (ux * math.cos(-t) - uy * math.sin(-t)),
          by - _BEND * length * (ux * math.sin(-t) + uy * math.cos(-t)))
    points = []
    for k in range(1, 40):
        s = k / 40
        points.append(((1 - s) ** 3 * ax + 3 * (1 - s) ** 2 * s * c1[0] + 3 * (1 - s) * s ** 2 * c2[0] + s ** 3 * bx,
                       (1 - s) ** 3 * ay + 3 * (1 - s) ** 2 * s * c1[1] + 3 * (1 - s) * s ** 2 * c2[1] + s ** 3 * by))
    return points

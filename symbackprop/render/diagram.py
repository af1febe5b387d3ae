"""Where the network's circles, arrows and labels go, as plain data for the TikZ template.

Layers are columns, neurons are spread evenly in each column, inputs on the left, targets
on the right, one bias node per layer (its name when the layer shares one bias, "1" when
every neuron has its own, named on its edge) in a row under the network. The drawing is
made to be shown at its natural size (labels in \\scriptsize): as wide as the slides allow.

Every edge label has one place, chosen here once for the whole report (:func:`layout`), so
that it never moves between frames: the name with its value right under it, ON the edge
(centred on its line, its white background stopping the line there), away from the edges'
crossings (labels of crossing edges near different ends), where it touches no other edge,
node or label: a label is always nearest its own edge. Between two layers the names (values) are drawn
only when they all find such a place; elsewhere only a highlighted weight is named.

Each drawing in a report says what it highlights (the path being computed), which
parameters were already updated (drawn in blue; the new value only on the update's own
frame) and whether the given values are shown (:func:`styled`). Values come from the derivation's ledger through
the ``value`` function the caller passes; here they are only formatted. The template only
draws.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Callable

from ..core import ids
from ..core.exact import show
from ..core.model import Model

__all__ = ["Diagram", "layout", "path_marks", "styled", "EDGE_LABEL_LIMIT", "label_size"]

#: Between two layers with more edges than this, only highlighted edges carry their name.
EDGE_LABEL_LIMIT = 9
WIDTH = 10.8        # cm: the slides' text width, which the drawing fills at its natural size
COLUMNS = (2.6, 4.2)  # cm between layers: as wide as WIDTH allows, within these
ROWS = (1.8, 1.4)   # cm between neurons: layers of at most two neurons, of more
NEURON_R = 0.4      # 8 mm circles (the template's minimum size)
BIAS_R = 0.35       # 7 mm
TARGET_GAP = 1.5    # cm from the output column to the targets
BIAS_DROP = 0.75    # cm from the lowest neuron down to the row of bias nodes
BIAS_SHIFTS = (0.8, 0.9, 1.0, 1.1, 1.2, 1.35, 1.5, 1.7, 1.9)   # cm left of its layer, nearest first
MARGIN = 0.03       # cm of white kept around a label

# Sizes of the labels' text (\scriptsize: 8 pt, its scripts 6 pt), in points, measured with
# pdflatex and rounded up; a label's box adds the template's inner sep (1 pt) on each side.
_PT = 0.03515       # cm
_CHAR, _SCRIPT, _WIDE = 4.4, 2.9, 6.8
_HEIGHT, _SUP, _SUB, _GAP = 5.6, 4.5, 2.6, 1.5
_SEP = 1.0


@dataclass(frozen=True)
class Diagram:
    nodes: tuple[dict, ...]
    edges: tuple[dict, ...]
    box: tuple[float, float, float, float]   # bounding box: x0, y0, x1, y1 (cm)
    decimals: int = 5
    shortcuts: tuple[dict, ...] = ()         # residual blocks: curved arrows skipping a layer


def _group(s: str, i: int) -> tuple[str, int]:
    """The braced group (or single character / command) at s[i], and the index after it."""
    if i >= len(s):
        return "", i
    if s[i] == "{":
        depth = 0
        for k in range(i, len(s)):
            depth += {"{": 1, "}": -1}.get(s[k], 0)
            if depth == 0:
                return s[i + 1:k], k + 1
        return s[i + 1:], len(s)
    if s[i] == "\\":
        m = re.match(r"\\([A-Za-z]+|.)", s[i:])
        return m.group(0), i + len(m.group(0))
    return s[i], i + 1


def _chars(s: str) -> tuple[float, bool, bool]:
    """Width (in base characters' points), and whether s has a superscript, a subscript."""
    width, sup, sub = 0.0, False, False
    scripts = {"^": 0.0, "_": 0.0}
    i = 0
    while i < len(s):
        c = s[i]
        if c in "^_":
            group, i = _group(s, i + 1)
            scripts[c] = max(scripts[c], _count(group) * _SCRIPT)
            sup, sub = sup or c == "^", sub or c == "_"
            continue
        width += scripts["^"] if scripts["^"] > scripts["_"] else scripts["_"]
        scripts = {"^": 0.0, "_": 0.0}
        if c == "\\":
            m = re.match(r"\\([A-Za-z]+|.)", s[i:])
            word = m.group(1)
            i += len(m.group(0))
            if word in ("mathrm", "hat", "mathit", "mathbf", "operatorname", "text"):
                group, i = _group(s, i)
                w, p, b = _chars(group)
                width, sup, sub = width + w, sup or p, sub or b
            elif word not in ("left", "right", ",", ";", " ", "!"):
                width += _CHAR          # \alpha, \_, ...
            continue
        if c not in "{} ":
            width += _WIDE if c in "wmWM" else _CHAR
        i += 1
    width += max(scripts.values())
    return width, sup, sub


def _count(s: str) -> int:
    return len(re.sub(r"\\(mathrm|text|hat|left|right|mathit)|[{}\\ ]", "", s))


def label_size(lines: tuple[str, ...]) -> tuple[float, float]:
    """Estimated width and height (cm) of a label of these math lines stacked at \\scriptsize."""
    widths, height = [], 0.0
    for line in lines:
        w, sup, sub = _chars(line)
        widths.append(w)
        height += _HEIGHT + (_SUP if sup else 0) + (_SUB if sub else 0)
    height += _GAP * (len(lines) - 1)
    return round((max(widths) + 2 * _SEP) * _PT, 3), round((height + 2 * _SEP) * _PT, 3)


def layout(model: Model, value: Callable[[str], Decimal] | None = None) -> Diagram:
    """Where everything goes. ``value(qid)`` (the ledger's) sizes the value labels; without it
    they are sized for the widest number at the spec's decimals."""
    spec = model.spec
    notation = model.notation
    L = len(spec.layers)
    columns = [spec.n_inputs] + [layer.units for layer in spec.layers]
    tallest = max(columns)

    row = ROWS[0] if tallest <= 2 else ROWS[1]
    target_w = max(label_size((notation.latex(ids.y(k)),))[0] for k in range(1, spec.layers[-1].units + 1))
    room = WIDTH - NEURON_R - 0.1 - TARGET_GAP - (max(target_w * 9 / 8, 0.6) / 2 + 0.1)
    column = round(min(max(room / L, COLUMNS[0]), COLUMNS[1]), 2)

    def y(count: int, i: int) -> float:
        return round(((count - 1) / 2 - (i - 1)) * row, 3)

    def widest(param: str) -> str:
        """The longest of the values a label of ``param`` may show (given, new)."""
        if value is None:
            return _widest_value(spec.decimals)
        texts = [show(value(param), spec.decimals)]
        try:
            texts.append(show(value(ids.new(param)), spec.decimals))
        except KeyError:
            pass
        return max(texts, key=lambda t: label_size((t,))[0])

    low = y(tallest, tallest)
    nodes: list[dict] = []
    for j in range(1, spec.n_inputs + 1):
        nodes.append({"id": f"x{j}", "x": 0.0, "y": y(spec.n_inputs, j), "kind": "input",
                      "label": notation.latex(ids.x(j)), "r": NEURON_R})
    # Dropout greys the neurons its mask drops (the first example's mask: the lesson's names
    # and drawings are the first example's); their outgoing edges are drawn faint and dashed.
    dropped = {f"n{l}_{i}" for l, layer in enumerate(spec.layers, start=1) if layer.dropout is not None
               for i, m in enumerate(layer.dropout.mask(1), start=1) if not m}
    for l, layer in enumerate(spec.layers, start=1):
        for i in range(1, layer.units + 1):
            nodes.append({"id": f"n{l}_{i}", "x": round(l * column, 3), "y": y(layer.units, i),
                          "kind": "output" if l == L else "dropped" if f"n{l}_{i}" in dropped else "hidden",
                          "label": notation.latex(ids.a(l, i)), "r": NEURON_R})
    for l, layer in enumerate(spec.layers, start=1):
        if layer.bias is None:
            continue
        shared = isinstance(layer.bias, Decimal)
        node = {"id": f"bias{l}", "x": round(l * column - _bias_shift(layer.units, low - BIAS_DROP, row), 3),
                "y": round(low - BIAS_DROP, 3), "kind": "bias", "r": BIAS_R,
                "label": notation.latex(ids.b(l)) if shared else "1",
                "param": ids.b(l) if shared else None}
        if shared:
            # its value is written left of it
            w, h = label_size((widest(ids.b(l)),))
            node["value_box"] = (round(node["x"] - BIAS_R - w, 3), round(node["y"] - h / 2, 3),
                                 round(node["x"] - BIAS_R, 3), round(node["y"] + h / 2, 3))
        nodes.append(node)
    for k in range(1, spec.layers[-1].units + 1):
        nodes.append({"id": f"t{k}", "x": round(L * column + TARGET_GAP, 3),
                      "y": y(spec.layers[-1].units, k), "kind": "target",
                      "label": notation.latex(ids.y(k)), "source": f"n{L}_{k}", "r": 0.3})
    edges: list[dict] = []
    for l, layer in enumerate(spec.layers, start=1):
        fan_in = len(layer.weights[0])
        labelled = layer.units * fan_in <= EDGE_LABEL_LIMIT
        for i in range(1, layer.units + 1):
            for j in range(1, fan_in + 1):
                p = ids.w(l, i, j)
                src = f"x{j}" if l == 1 else f"n{l - 1}_{j}"
                edges.append({"id": p, "param": p, "kind": "weight", "layer": l, "src": src, "dst": f"n{l}_{i}",
                              "label": notation.latex(p), "labelled": labelled, "widest": widest(p),
                              "dropped": src in dropped})
        if layer.bias is None:
            continue
        shared = isinstance(layer.bias, Decimal)
        for i in range(1, layer.units + 1):
            p = ids.b(l) if shared else ids.b(l, i)
            # a shared bias is named on its node; a neuron's own bias on its edge
            edges.append({"id": f"{ids.b(l)}-n{l}_{i}", "param": p, "kind": "bias", "layer": l,
                          "src": f"bias{l}", "dst": f"n{l}_{i}", "label": notation.latex(p),
                          "labelled": not shared and labelled, "widest": widest(p)})
    edges = _place_labels(nodes, edges)
    # A residual block's shortcut (deck 004's figure: the arrow x that skips the layer to the
    # sum): a curved arrow from the earlier layer's neuron to the block's neuron, above the
    # straight weight edge for the upper half of the layer, below it for the lower half.
    shortcuts: list[dict] = []
    where = {n["id"]: (n["x"], n["y"]) for n in nodes}
    sag_up = sag_down = 0.0
    for l, layer in enumerate(spec.layers, start=1):
        res = layer.residual
        if res is None:
            continue
        for i in range(1, layer.units + 1):
            sources = ([i] if res.weights is None else
                       [j for j, v in enumerate(res.weights[i - 1], start=1) if v != 0])
            for j in sources:
                src = f"x{j}" if res.source == 0 else f"n{res.source}_{j}"
                up = i <= (layer.units + 1) // 2
                (sx, sy), (dx, dy) = where[src], where[f"n{l}_{i}"]
                # a bend of 30°: TikZ's curve leaves 0.39·d from each end, so it strays 0.29·d·sin 30°
                sag = 0.29 * ((dx - sx) ** 2 + (dy - sy) ** 2) ** 0.5 * 0.5
                if up:
                    sag_up = max(sag_up, max(sy, dy) + sag)
                else:
                    sag_down = min(sag_down, min(sy, dy) - sag)
                shortcuts.append({"id": f"{ids.h(l, i)}-{src}", "src": src, "dst": f"n{l}_{i}",
                                  "bend": "left" if up else "right"})
    x0 = min(n["x"] - n["r"] for n in nodes)
    x1 = max(n["x"] + n["r"] for n in nodes)
    y0 = min(n["y"] - n["r"] for n in nodes)
    y1 = max(n["y"] + n["r"] for n in nodes)
    boxes = [n["value_box"] for n in nodes if "value_box" in n]
    boxes += [e["label_at"]["box"] for e in edges if e["labelled"]]
    for b in boxes:
        x0, y0, x1, y1 = min(x0, b[0]), min(y0, b[1]), max(x1, b[2]), max(y1, b[3])
    if shortcuts:
        y0, y1 = min(y0, sag_down), max(y1, sag_up)
    box = (round(x0 - 0.05, 2), round(y0 - 0.05, 2), round(x1 + 0.05, 2), round(y1 + 0.05, 2))
    return Diagram(tuple(nodes), tuple(edges), box, spec.decimals, tuple(shortcuts))


def _bias_shift(units: int, below: float, row: float) -> float:
    """How far left of its layer a bias node sits: as near as its edges allow (steep edges
    leave the space between the layers to the weights' labels) while each edge passes the
    layer's other neurons at a distance."""
    ys = [((units - 1) / 2 - i) * row for i in range(units)]
    for shift in BIAS_SHIFTS:
        clear = True
        for target in ys:
            dx, dy = shift, target - below
            length = (dx * dx + dy * dy) ** 0.5
            for other in ys:
                if other == target or other < below:
                    continue
                # distance from the neuron (0, other) to the edge (-shift, below) -> (0, target)
                vx, vy = shift, other - below
                t = max(0.0, min(1.0, (vx * dx + vy * dy) / (length * length)))
                gap = ((vx - t * dx) ** 2 + (vy - t * dy) ** 2) ** 0.5
                clear = clear and gap >= NEURON_R + 0.15
        if clear:
            return shift
    return BIAS_SHIFTS[-1]


def _widest_value(decimals: int) -> str:
    return "-0." + "0" * decimals


# ---------------------------------------------------------------------- label placement
def _segment_hits_box(p, q, box) -> bool:
    """Does the segment p-q meet the axis-aligned box (x0, y0, x1, y1)? (Liang-Barsky)"""
    (px, py), (qx, qy) = p, q
    x0, y0, x1, y1 = box
    dx, dy = qx - px, qy - py
    lo, hi = 0.0, 1.0
    for d, a, b in ((dx, px - x0, x1 - px), (dy, py - y0, y1 - py)):
        if d == 0:
            if a < 0 or b < 0:
                return False
            continue
        t1, t2 = -a / d, b / d
        if t1 > t2:
            t1, t2 = t2, t1
        lo, hi = max(lo, t1), min(hi, t2)
        if lo > hi:
            return False
    return True


def _circle_hits_box(c, r, box) -> bool:
    cx, cy = c
    x0, y0, x1, y1 = box
    nx, ny = min(max(cx, x0), x1), min(max(cy, y0), y1)
    return (nx - cx) ** 2 + (ny - cy) ** 2 < r * r


def _boxes_meet(a, b) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


#: Where along a sloped edge (0 = source, 1 = target) its label may sit, best first: near its
#: ends, where edges leaving (entering) a neuron have parted, never at a crossing in the middle.
_LABEL_AT = tuple(dict.fromkeys(round(t, 2) for d in range(0, 21, 2)
                                 for t in (0.3 + d / 100, 0.7 - d / 100, 0.3 - d / 100, 0.7 + d / 100)))
#: The places tried first on every sloped edge, one pair after another (the first pair whose
#: labels all fit wins): the labels of two crossing edges at the same place near their sources
#: sit one above the other, as far apart as the place is from the crossing.
_FIRST_AT = ((0.3, 0.7), (0.28, 0.72), (0.26, 0.74), (0.24, 0.76), (0.22, 0.78), (0.2, 0.8), (0.32, 0.68))
#: Along a straight edge: its middle first (the sloped edges leave and enter its ends).
_STRAIGHT_AT = tuple(dict.fromkeys(round(t, 2) for d in range(0, 41, 2) for t in (0.5 - d / 100, 0.5 + d / 100)))


def _parts(px: float, py: float, name: tuple[float, float],
           value: tuple[float, float] | None) -> tuple[tuple, tuple | None]:
    """The name's box and the value's box (or None), in cm, of a label at the point (px, py)
    of its edge: ON the edge, the name with its value right under it, the stack centred on
    the point (the label's white stops the line there), so that a label is always nearest
    its own edge, never beside it where it could be the neighbour's."""
    nw, nh = name
    if value is None:
        return (px - nw / 2, py - nh / 2, px + nw / 2, py + nh / 2), None
    vw, vh = value
    top = py + (nh + vh) / 2
    foot = top - nh
    return (px - nw / 2, foot, px + nw / 2, top), (px - vw / 2, foot - vh, px + vw / 2, foot)


def _sizes(e: dict, valued: bool) -> tuple[tuple[float, float], tuple[float, float] | None]:
    """Width and height (cm) of an edge's name, and of its value (when ``valued``: room for
    the widest it may show)."""
    return label_size((e["label"],)), label_size((e["widest"],)) if valued else None


def _union(*boxes) -> tuple[float, float, float, float]:
    boxes = [b for b in boxes if b]
    return (min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes), max(b[3] for b in boxes))


def _place_labels(nodes: list[dict], edges: list[dict]) -> list[dict]:
    """Give every edge one place for its label (``label_at``: ``{pos, anchor, box, parts}``,
    see :func:`_spots`): its name, and right under it its value (``name_xy``: the middle of
    the name's foot, in cm; ``value_xy``: the middle of the value's top, on that same line),
    on the edge itself (:func:`_parts`), so that name and value always read as their own
    edge's, never as a crossing or neighbouring edge's. Between two layers, the names with
    their values are drawn when every one of the stacks finds a clear place (``labelled``
    and ``valued``); else the names alone when they do (``labelled``); elsewhere only a
    highlighted edge shows its name, on top, where it would have gone."""
    def group(e):
        return e["layer"], e["kind"]          # the weights into a layer, its biases

    candidates = [e for e in edges if e["labelled"]]
    named = {group(e) for e in candidates}
    valued = set(named)
    while True:
        spots = _spots(nodes, edges, [e for e in candidates if group(e) in named],
                       [e for e in candidates if group(e) not in named], valued)
        crowded = {group(e) for e in candidates if group(e) in named and spots[e["id"]]["hits"]}
        if not crowded:
            break
        # a crowded layer drops its values first, then its names: the biases' first (the text
        # names them), which may leave room for the weights'
        unvalued = crowded - valued
        named -= {g for g in unvalued if g[1] == "bias"} or unvalued
        valued -= crowded
    out = []
    for e in edges:
        found = spots.get(e["id"])
        is_valued = e["labelled"] and group(e) in valued
        if found:
            name, value = found["parts"]
            x = round((name[0] + name[2]) / 2, 3)      # the value right under the name's middle
            place = {"label_at": {k: v for k, v in found.items() if k != "hits"},
                     "name_xy": (x, name[1]), "value_xy": (x, value[3]) if value and is_valued else None,
                     # name and value in white boxes of one width: no piece of the edge peeps
                     # out between them where the narrower one ends
                     "label_w": round(found["box"][2] - found["box"][0], 3) if value and is_valued else None}
        else:
            place = {"label_at": None, "name_xy": None, "value_xy": None, "label_w": None}
        out.append({**e, **place, "labelled": e["labelled"] and group(e) in named, "valued": is_valued})
    return _place_new_values(nodes, out)


def _place_new_values(nodes: list[dict], edges: list[dict]) -> list[dict]:
    """Where a sloped edge's NEW value goes on its update frame (``beside``: ``"east"`` or
    ``"west"`` of its name, on the name's baseline; ``new_box``: its box, in cm).

    Review r5 (es deck p26, p61, p73): the new value stacked under its name, both in white on
    the edge, hid most of the red edge being taught near its source, and between the crossing
    edges' stacked names it read as the other edge's. On a sloped edge the value now follows its
    name in one line, on the side where the line has already left the name's height: the
    edge shows on both sides of the name (the only box on it), and the value is read with its
    name. A side is taken where the value touches no line (its own included), node or other
    name; else none (the value under the name, as before). A straight edge keeps the stack:
    beside the name the value would lie on its own line."""
    where = {n["id"]: n for n in nodes}
    lines = [((where[e["src"]]["x"], where[e["src"]]["y"]), (where[e["dst"]]["x"], where[e["dst"]]["y"]))
             for e in edges]
    lines += [((where[n["source"]]["x"], where[n["source"]]["y"]), (n["x"], n["y"]))
              for n in nodes if n["kind"] == "target"]
    circles = [((n["x"], n["y"]), n["r"]) for n in nodes]
    names = {e["id"]: e["label_at"]["parts"][0] for e in edges if e["labelled"] and e["label_at"]}
    fixed = [n["value_box"] for n in nodes if "value_box" in n]
    out = []
    for e in edges:
        s, d = where[e["src"]], where[e["dst"]]
        beside, new_box, shift = None, None, 0
        own = ((s["x"], s["y"]), (d["x"], d["y"]))
        if e["valued"] and e["name_xy"] and abs(d["y"] - s["y"]) > 1e-9:
            name = names[e["id"]]
            vw, vh = label_size((e["widest"],))
            # the name's baseline: its box's foot, its inner sep and (a subscript) the script's depth
            base = name[1] + (_SEP + (_SUB if _chars(e["label"])[2] else 0)) * _PT
            foot, top = base - _SEP * _PT, base - _SEP * _PT + vh
            # on the name's baseline, else a little lower or higher (at most half a line)
            candidates = [(side, dy, tuple(round(v, 3) for v in box)) for dy in (0, -0.04, 0.04, -0.08, 0.08, -0.12, 0.12, -0.16, 0.16)
                          for side, box in (("east", (name[2], foot + dy, name[2] + vw, top + dy)),
                                            ("west", (name[0] - vw, foot + dy, name[0], top + dy)))]
            for side, dy, box in candidates:
                # its box holds 1 pt of white around the digits: a thin grey line may pass just
                # outside it; its own edge, red and very thick on the frame, keeps more room
                def grown(m):
                    return box[0] - m, box[1] - m, box[2] + m, box[3] + m
                wide = grown(0.01)
                if not (_segment_hits_box(*own, grown(MARGIN))
                        or any(_segment_hits_box(p, q, wide) for p, q in lines)
                        or any(_circle_hits_box(c, r, wide) for c, r in circles)
                        or any(_boxes_meet(wide, b) for k, b in names.items() if k != e["id"])
                        or any(_boxes_meet(wide, b) for b in fixed)):
                    beside, new_box, shift = side, box, dy
                    break
        out.append({**e, "beside": beside, "new_box": new_box, "new_shift": shift})
    return out


def _spots(nodes: list[dict], edges: list[dict], labelled: list[dict], extra: list[dict] = (),
           valued=frozenset()) -> dict:
    """{edge id: {pos, anchor, box, parts, hits}} for the ``labelled`` edges: the first
    position of :data:`_LABEL_AT` where the label, on its edge (its name, with its value under
    it when its layer is ``valued``; with :data:`MARGIN` of white), touches no other edge,
    node or label; failing that, where it touches the fewest. The steepest edges first
    (they have the fewest places), straight ones last. Then each ``extra`` edge's name (drawn only when highlighted, one or two at
    a time) where it touches least of those."""
    where = {n["id"]: n for n in nodes}
    segments = [((where[e["src"]]["x"], where[e["src"]]["y"]), (where[e["dst"]]["x"], where[e["dst"]]["y"]), e["id"])
                for e in edges]
    segments += [((where[n["source"]]["x"], where[n["source"]]["y"]), (n["x"], n["y"]), n["id"])
                 for n in nodes if n["kind"] == "target"]
    circles = [((n["x"], n["y"]), n["r"]) for n in nodes]
    fixed = [n["value_box"] for n in nodes if "value_box" in n]

    def steepness(e):
        s, d = where[e["src"]], where[e["dst"]]
        return abs(d["y"] - s["y"]) / max(abs(d["x"] - s["x"]), 1e-9)

    def attempt(order, placed, keep=True, first=()):
        placed = list(placed)
        spots: dict[str, dict] = {}
        total = 0
        sloped_at = tuple(dict.fromkeys(first + _LABEL_AT))
        for e in order:
            s, d = where[e["src"]], where[e["dst"]]
            dx, dy = d["x"] - s["x"], d["y"] - s["y"]
            name, value = _sizes(e, (e["layer"], e["kind"]) in valued and keep)
            best = None
            for rank, t in enumerate(_STRAIGHT_AT if abs(dy) < 1e-9 else sloped_at):
                parts = [tuple(round(v, 3) for v in b) if b else None
                         for b in _parts(s["x"] + t * dx, s["y"] + t * dy, name, value)]
                box = _union(*parts)
                wide = (box[0] - MARGIN, box[1] - MARGIN, box[2] + MARGIN, box[3] + MARGIN)
                # a label touching another edge could be read as that edge's; on a label it is
                # unreadable, on a node it hides it
                hits = sum(_segment_hits_box(p, q, wide) for p, q, sid in segments if sid != e["id"])
                hits += 5 * sum(_circle_hits_box(c, r, wide) for c, r in circles)
                hits += 10 * sum(_boxes_meet(wide, other) for other in placed)
                if best is None or (hits, rank) < best[0]:
                    best = ((hits, rank), {"pos": t, "anchor": "center", "box": box, "parts": tuple(parts)})
                if hits == 0:
                    break
            if keep:
                placed.append(best[1]["box"])
            spots[e["id"]] = {**best[1], "hits": best[0][0]}
            total += best[0][0]
        return total, spots, placed

    # the labels of two crossing edges both near their sources, one above the other: from
    # where they fit the best first, the place to try first on every sloped edge
    # where it does not fit, the straight edges first, then the steeper ones
    orders = (sorted(labelled, key=steepness, reverse=True), sorted(labelled, key=steepness))
    best = None
    for order in orders:
        for first in _FIRST_AT:
            found = attempt(order, fixed, first=first)
            if best is None or found[0] < best[0][0]:
                best = (found, first)
            if found[0] == 0:
                break
        if best[0][0] == 0:
            break
    (_, spots, placed), first = best
    if extra:
        spots.update(attempt(sorted(extra, key=steepness, reverse=True), placed, keep=False, first=first)[1])
    return spots


# ---------------------------------------------------------------------- what a frame shows
def path_marks(factor_ids) -> tuple[set[str], set[str]]:
    """The edges and neurons a chain-rule path passes through (a bias's edge to the neuron
    it feeds, and the bias node, when the path ends at a bias)."""
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
            if kind in ("z", "a", "r", "h"):       # r: after dropout (ã); h: a residual block's sum
                nodes.add(f"n{nums[0]}_{nums[1]}")
            elif kind == "w":
                edges.add(base)
        num, den = (ids.split_example(q)[0] for q in parts)
        pn, pd = ids.parse(num), ids.parse(den)
        if pn and pd and pn[0] == "h" and not (pd[0] == "a" and pd[1][0] == pn[1][0]):
            # dh{l}_i / d(x or an earlier layer's output)_j runs along the block's shortcut
            edges.add(f"{num}-" + (f"x{pd[1][0]}" if pd[0] == "x" else f"n{pd[1][0]}_{pd[1][1]}"))
        if pn and pd and pn[0] == "z" and pd[0] in ("a", "r", "h"):
            # dz{l}_i / da{l-1}_j runs along the edge of w{l}_i_j
            edges.add(ids.w(pn[1][0], pn[1][1], pd[1][1]))
        if pn and pd and pn[0] == "z" and pd[0] == "b":
            # dz{l}_i / db{l} runs along the bias's edge into neuron i
            layer, neuron = pn[1][0], pn[1][1]
            edges.add(f"{ids.b(layer)}-n{layer}_{neuron}")
            nodes.add(f"bias{layer}")
    return edges, nodes


def styled(diagram: Diagram, highlight_edges=(), highlight_nodes=(), updated=(), *,
           value: Callable[[str], Decimal] | None = None, given: bool = False,
           fresh=(), dropout=None) -> dict:
    """The diagram with a style and a label for every node and edge, ready for the template.

    ``highlight_edges`` holds edge ids or parameter ids (a shared bias highlights all its
    edges and its node); ``updated`` the parameters already updated (their edges drawn in
    blue); ``fresh`` those whose new value this frame shows, in blue (the update's own frame;
    none in an exercise, where the student computes it). ``value(qid)`` reads the ledger:
    with ``given`` every labelled parameter shows its value (the network's frame).

    An updated parameter shows no value on the later frames: the lecture computes every
    gradient of the iteration with the given weights, so its new value there would contradict
    the frame's formulas, and its old value would read as the new one on a blue edge.

    ``dropout`` holds the layers whose dropout step the lesson has shown (None: all): a
    neuron the mask drops is grey and dashed, its outgoing edges faint and dashed, only from
    its layer's dropout step on (review r5: before it the forward pass computes it like any
    other); a highlighted path through it is red and dashed (it carries the factor 0)."""
    he, hn, up, now = set(highlight_edges), set(highlight_nodes), set(updated), set(fresh)

    def number(qid: str) -> str:
        return show(value(qid), diagram.decimals)

    def shown(param: str) -> tuple[str | None, bool]:
        """(the value written under the name, whether it is a new one)."""
        if value is None:
            return None, False
        if param in now:
            return number(ids.new(param)), True
        if given and param not in up:
            return number(param), False
        return None, False

    def layer_of(node_id: str) -> int:
        return int(node_id[1:].split("_")[0])

    dropped = {n["id"] for n in diagram.nodes if n["kind"] == "dropped"
               and (dropout is None or layer_of(n["id"]) in dropout)}
    nodes = []
    for n in diagram.nodes:
        hot = n["id"] in hn or (n.get("param") is not None and n["param"] in he)
        kind = n["kind"] if n["kind"] != "dropped" or n["id"] in dropped else "hidden"
        hl = "hlbias" if n["kind"] == "bias" else "hldropped" if kind == "dropped" else "hl"
        node = {**n, "kind": kind, "style": hl if hot else kind, "value": None, "new": False}
        if n["kind"] == "bias" and n["param"]:
            node["value"], node["new"] = shown(n["param"])
        nodes.append(node)
    edges = []
    for e in diagram.edges:
        hot = e["id"] in he or e["param"] in he
        off = e["src"] in dropped
        base = ("upedge" if e["param"] in up else "dropedge" if off
                else "edge")    # drawn once per change, in the box
        val, is_new = shown(e["param"])
        # a highlighted weight is named even where names do not all fit (on top, where it
        # covers least); a bias is named on its edge only where they fit, else by the text
        show_label = e["labelled"] or (hot and e["kind"] == "weight")
        # values are written where they all fit (``valued``); elsewhere the text has them
        show_value = val if e["valued"] and show_label else None
        edges.append({**e, "base": base, "style": ("hldropedge" if off else "hledge") if hot else base,
                      # the box holds the names; a frame draws on top the edges it highlights,
                      # and every edge whose label shows a value
                      "base_label": e["labelled"],
                      "over": hot or show_value is not None,
                      "show_label": show_label, "value": show_value, "new": is_new})
    # a frame names (invisibly, for the edges' ends) only the nodes its own drawing uses
    ends = {e[k] for e in edges if e["over"] for k in ("src", "dst")}
    for n in nodes:
        n["needed"] = n["id"] in ends or bool(n["value"])
    shortcuts = [{**c, "style": "hlshortcut" if c["id"] in he else "shortcut", "over": c["id"] in he}
                 for c in diagram.shortcuts]
    ends |= {c[k] for c in shortcuts if c["over"] for k in ("src", "dst")}
    for n in nodes:
        n["needed"] = n["needed"] or n["id"] in ends
    return {"nodes": nodes, "edges": edges, "shortcuts": shortcuts, "box": diagram.box}

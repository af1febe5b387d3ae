"""Graph mode's drawing as SVG, with no TeX: what a notebook shows for a graph.

    svg = graph_svg(build_graph("(x+y)*z", {"x": -2, "y": 5, "z": -4}), "en")

The drawing of the slides and the handout, from the same layout (:func:`.graph_layout.graph_layout`,
the handout's room): the variables on the left, a circle per gate with its symbol and the
quantity's name above it (q), every edge's forward value above it in green and the share of
the gradient it carries back below it in red, the output's arrow with ∂f/∂f = 1, and the
legend under the drawing. Names and numbers are plain Unicode (w₀, −0.53, ∂f/∂x, ∞, ∄), every
text XML-escaped. Each node is a ``<g class="node" data-id="…">`` whose ``<title>`` (shown
on hover) says its value and its gradient; each edge a ``<g class="edge">`` with its
``value`` and ``grad`` texts. The same graph gives the same bytes: coordinates have two
decimals, nothing is numbered or timed.
"""
from __future__ import annotations

import math
import re
from decimal import Decimal
from html import escape

from ..core.exact import show
from ..core.graph import Graph
from ..core.notation import SUPERSCRIPTS, PlainNames
from ..core.ops import ACTIVATIONS
from .graph_layout import (DECIMALS, PT_PER_CM, RADIUS, curve, drawn_edges, graph_layout, label_anchor,
                           text_ems)
from .i18n import say

__all__ = ["graph_svg", "gate_text", "value_text"]

#: px per cm at scale 1: the CSS inch (96 px) a quarter larger, so that labels the handout
#: sets at 8 pt read like a notebook's text (13 px)
PX_PER_CM = 96 / 2.54 * 1.25
#: The TikZ drawing's colours: values green!45!black, gradients pathred, names newblue,
#: edges gray!80, gates filled gray!8
GREEN, RED, BLUE, EDGE, FILL, INK = "#007300", "#c81e1e", "#1450b4", "#999999", "#f5f5f5", "#000000"
FONT = "'Latin Modern Roman', 'CMU Serif', 'STIX Two Text', 'Times New Roman', 'Liberation Serif', serif"
#: The arrowhead (TikZ's Stealth, length 2 mm): its length and half width (cm), and how far
#: into it the line reaches
ARROW, ARROW_HALF, ARROW_INSET = 0.2, 0.08, 0.7
MARGIN = 8.0                 # px around the drawing
GATE_FIT = 0.6               # a gate's symbol is set at this much of the labels' size at least


def value_text(v: Decimal | None, digits: int = DECIMALS) -> str:
    """A value in plain Unicode: −0.534 with a true minus, ∞ with its sign, ∄ where there is none."""
    if v is None:
        return "∄"
    if v.is_infinite():
        return ("−" if v < 0 else "") + "∞"
    return show(v, digits).replace("-", "−")


def gate_text(op: str, const: Decimal | None) -> str:
    """A gate's symbol in plain Unicode, as the slides write it (× for a product, σ, x², …)."""
    c = value_text(const) if const is not None else ""
    negative = c.startswith("−")
    raw = show(const, DECIMALS) if const is not None else ""
    power = "x" + raw.translate(SUPERSCRIPTS) if re.fullmatch(r"-?\d+", raw) else f"x^{c}"
    return {
        "add": "+", "sub": "−", "mul": "×", "div": "÷", "neg": "×(−1)",
        "addc": c if negative else f"+{c}", "mulc": f"×({c})" if negative else f"×{c}",
        "inv": "1/x", "pow": power,
        "cpow": f"{c}ˣ", "powxy": "xʸ", "exp": "exp", "log": "log", "sqrt": "√x", "abs": "|x|",
        "max": "max", "min": "min", "const": c,
        **{name: act.text for name, act in ACTIVATIONS.items()},
    }[op]


def _n(v: float) -> str:
    """A coordinate with two decimals at most (no -0)."""
    text = f"{v:.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


class _Canvas:
    """Centimetres (y up) of the layout to SVG pixels (y down), at the layout's scale."""

    def __init__(self, box, scale: float):
        self.box, self.k = box, PX_PER_CM * scale

    def x(self, x: float) -> float:
        return (x - self.box[0]) * self.k + MARGIN

    def y(self, y: float) -> float:
        return (self.box[3] - y) * self.k + MARGIN

    def xy(self, p) -> str:
        return f"{_n(self.x(p[0]))},{_n(self.y(p[1]))}"

    def pt(self, size: float) -> float:
        """A font size in pt as px at this scale."""
        return size / PT_PER_CM * self.k


def _text(content: str, x: float, y: float, size: float, cls: str, fill: str = INK, rotate: float = 0.0,
          dy: float = 0.0, italic: bool = False) -> str:
    """One ``<text>``, centred on x, its baseline ``dy`` below y once turned by ``rotate``
    degrees; ``italic`` for a name (the slides set names in math italic)."""
    turn = f" rotate({_n(rotate)})" if abs(rotate) >= 0.005 else ""
    style = ' font-style="italic"' if italic else ""
    return (f'<text class="{cls}" transform="translate({_n(x)} {_n(y)}){turn}" y="{_n(dy)}" '
            f'font-size="{_n(size)}"{style} fill="{fill}" text-anchor="middle">{escape(content)}</text>')


def _trim(points: list, start: float, end: float) -> list:
    """The polyline without its parts inside the circles of radius ``start`` and ``end`` (cm)
    around its ends: an edge runs from border to border."""
    a, b = points[0], points[-1]
    inner = [p for p in points[1:-1] if math.dist(p, a) > start and math.dist(p, b) > end]
    first = inner[0] if inner else b
    last = inner[-1] if inner else a
    ua = math.dist(first, a) or 1.0
    ub = math.dist(last, b) or 1.0
    head = (a[0] + (first[0] - a[0]) * start / ua, a[1] + (first[1] - a[1]) * start / ua)
    tail = (b[0] + (last[0] - b[0]) * end / ub, b[1] + (last[1] - b[1]) * end / ub)
    return [head] + inner + [tail]


def _edge(c: _Canvas, points: list, start: float, end: float) -> str:
    """An edge's line and its Stealth arrowhead, ending on the border of its target."""
    points = _trim(points, start, end)
    (px, py), (tx, ty) = points[-2], points[-1]
    length = math.hypot(tx - px, ty - py) or 1.0
    ux, uy = (tx - px) / length, (ty - py) / length
    nx, ny = -uy, ux
    back = (tx - ux * ARROW, ty - uy * ARROW)
    inset = (tx - ux * ARROW * ARROW_INSET, ty - uy * ARROW * ARROW_INSET)
    line = points[:-1] + [inset]
    d = "M" + " L".join(c.xy(p) for p in line)
    head = [(tx, ty), (back[0] + nx * ARROW_HALF, back[1] + ny * ARROW_HALF), inset,
            (back[0] - nx * ARROW_HALF, back[1] - ny * ARROW_HALF)]
    width = _n(max(0.8, c.pt(0.4)))
    return (f'<path d="{d}" fill="none" stroke="{EDGE}" stroke-width="{width}"/>'
            f'<path d="M{" L".join(c.xy(p) for p in head)} Z" fill="{EDGE}"/>')


def _labels(c: _Canvas, a, b, angle: int, pos: float, value: str, grad: str, size: float) -> list[str]:
    """The value above the edge (green) and the gradient below it (red), sloped along it."""
    px, py, ux, uy = label_anchor(a, b, angle, pos)
    turn = -math.degrees(math.atan2(uy, ux))
    font, sep = c.pt(size), c.pt(1)
    x, y = c.x(px), c.y(py)
    return [_text(value, x, y, font, "value", GREEN, turn, -(sep + 0.22 * font)),
            _text(grad, x, y, font, "grad", RED, turn, sep + 0.72 * font)]


def graph_svg(g: Graph, language: str = "es") -> str:
    """The drawing of ``g`` as an SVG document (a string), its legend in ``language``."""
    lay = graph_layout(g, "article")
    names = PlainNames()
    c = _Canvas(lay.box, lay.scale)
    font, var_font = c.pt(lay.size), c.pt(lay.var_size)
    # a wide symbol (×(−1), exp) is set smaller to fit its gate's 8 mm circle, where the layout
    # keeps the labels clear of it (down to GATE_FIT of the labels' size; beyond, the circle grows)
    symbol = {n.id: gate_text(n.op, n.const) for n in g.nodes if n.op not in ("input", "const")}
    gate_font = {k: max(GATE_FIT * font, min(font, 1.7 * RADIUS["gop"] * c.k / max(text_ems(t), 0.5)))
                 for k, t in symbol.items()}
    radius = {n.id: RADIUS["gvar"] if n.id not in symbol else
              max(RADIUS["gop"], (math.hypot(text_ems(symbol[n.id]) * gate_font[n.id] / 2, 0.5 * gate_font[n.id])
                                  + 2 * c.pt(1)) / c.k)
              for n in g.nodes}
    radius["out"] = RADIUS["gvar"]
    ends = {**lay.place, "out": lay.out}
    parts: list[str] = []
    edges = [(i, dst, k, down, lay.routes[(i, dst, k)]) for i, dst, k, down in drawn_edges(g)]
    edges.append((g.output, "out", 0, Decimal(1), 0))
    for src, dst, k, down, angle in edges:
        a, b = ends[src], ends[dst]
        points = [a] + (curve(a, b, angle) if angle else []) + [b]
        value = value_text(g.node(src).value, lay.digits)
        parts.append(f'<g class="edge" data-src="{escape(src)}" data-dst="{escape(dst)}">'
                     + _edge(c, points, radius[src], radius[dst])
                     + "".join(_labels(c, a, b, angle, lay.positions[(src, dst, k)], value,
                                       value_text(down, lay.digits), lay.size)) + "</g>")
    for n in g.nodes:
        x, y = c.x(lay.place[n.id][0]), c.y(lay.place[n.id][1])
        name = names.unicode(n.id)
        hover = f"{name} = {value_text(n.value)}; ∂{names.unicode(g.output)}/∂{name} = {value_text(n.grad)}"
        inner = f"<title>{escape(hover)}</title>"
        if n.op in ("input", "const"):
            label = name if n.op == "input" else value_text(n.value)
            inner += _text(label, x, y, var_font, "label", dy=0.35 * var_font, italic=n.op == "input")
        else:
            r = radius[n.id] * c.k
            inner += (f'<circle cx="{_n(x)}" cy="{_n(y)}" r="{_n(r)}" fill="{FILL}" stroke="{INK}" '
                      f'stroke-width="0.8"/>' + _text(symbol[n.id], x, y, gate_font[n.id], "label", dy=0.35 * gate_font[n.id]))
            if n.id != g.output:        # the output's name is at the arrow's end
                inner += _text(name, x, y - r, font, "name", BLUE, dy=-(c.pt(1) + 0.22 * font), italic=True)
        parts.append(f'<g class="node" data-id="{escape(n.id)}">{inner}</g>')
    out_x, out_y = c.x(lay.out[0]), c.y(lay.out[1])
    parts.append('<g class="output">' + _text(names.unicode(g.output), out_x, out_y, var_font, "label",
                                              dy=0.35 * var_font, italic=True) + "</g>")
    # the legend centred under the drawing, as the handout has it: an arrow, its two words
    words = (say(language, "graph_legend_value"), say(language, "graph_legend_grad"))
    length = (max(len(w) for w in words) * 0.5 * font + 2 * font) / c.k
    y0 = lay.box[1] - 0.45 * font / c.k - 0.2
    middle = (lay.box[0] + lay.box[2]) / 2
    a, b = (middle - length / 2, y0), (middle + length / 2, y0)
    parts.append('<g class="legend">' + _edge(c, [a, b], 0, 0)
                 + "".join(_labels(c, a, b, 0, 0.5, words[0], words[1], lay.size)) + "</g>")
    width = (lay.box[2] - lay.box[0]) * c.k + 2 * MARGIN
    height = c.y(y0) + 1.4 * font + MARGIN
    title = f"{names.unicode(g.output)} = {g.expression}"
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{_n(width)}" height="{_n(height)}" '
            f'viewBox="0 0 {_n(width)} {_n(height)}" style="max-width:100%;height:auto" '
            f'font-family="{escape(FONT, quote=False)}" role="img">'
            f"<title>{escape(title)}</title>"
            f'<rect width="{_n(width)}" height="{_n(height)}" rx="4" fill="#ffffff"/>\n'
            + "\n".join(parts) + "\n</svg>\n")

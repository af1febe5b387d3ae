"""Graph mode's drawing as SVG (issue 16: a graph in a notebook shows its drawing with values
and gradients, no TeX needed): well-formed XML, a node element per node with its label, the
numbers of deck 000 by hand and of random expressions by finite differences, no two labels
on each other, the TikZ drawing's layout, the same bytes every time."""
from __future__ import annotations

import math
import random
import re
import xml.etree.ElementTree as ET
from decimal import Decimal

import pytest

import symbackprop as sb
from symbackprop.core.graph import build_graph
from symbackprop.render.graph_layout import graph_layout
from symbackprop.render.graph_svg import PX_PER_CM, graph_svg

NS = {"s": "http://www.w3.org/2000/svg"}
LECTURE = ("(x+y)*z", {"x": -2, "y": 5, "z": -4})
NEURON = ("1/(1+exp(-(w0*x0+w1*x1+w2)))", {"w0": 2, "x0": -1, "w1": -3, "x1": -2, "w2": -3})
TWICE = ("x*y + x", {"x": 3, "y": 2})


def drawn(expression, at, language="en"):
    return ET.fromstring(graph_svg(build_graph(expression, at), language))


def number(text: str) -> float:
    return float(text.replace("−", "-"))


def nodes(svg) -> dict[str, ET.Element]:
    return {g.get("data-id"): g for g in svg.iterfind("s:g[@class='node']", NS)}


def hover(node) -> tuple[float, float]:
    """(value, gradient) from a node's title: "q = 3; ∂f/∂q = −4"."""
    found = re.fullmatch(r".+ = (\S+); ∂\S+/∂.+ = (\S+)", node.find("s:title", NS).text)
    return number(found.group(1)), number(found.group(2))


def texts(element, cls: str) -> list[str]:
    return [t.text for t in element.iterfind(f".//s:text[@class='{cls}']", NS)]


def edges(svg) -> dict[tuple[str, str], list[tuple[str, str]]]:
    out: dict[tuple[str, str], list[tuple[str, str]]] = {}
    for g in svg.iterfind("s:g[@class='edge']", NS):
        out.setdefault((g.get("data-src"), g.get("data-dst")), []).append((texts(g, "value")[0], texts(g, "grad")[0]))
    return out


def test_deck_000_by_hand():
    """f = (x + y)·z at x = −2, y = 5, z = −4: q = 3, f = −12; ∂f/∂z = q = 3, ∂f/∂q = z = −4,
    ∂f/∂x = ∂f/∂y = −4 (the add gate distributes)."""
    svg = drawn(*LECTURE)
    found = nodes(svg)
    assert sorted(found) == ["f", "q", "x", "y", "z"]                 # one element per node
    assert [texts(found[k], "label") for k in ("x", "y", "z", "q", "f")] == [["x"], ["y"], ["z"], ["+"], ["×"]]
    assert texts(found["q"], "name") == ["q"] and texts(found["f"], "name") == []   # f: at the arrow's end
    assert {k: hover(v) for k, v in found.items()} == {"x": (-2, -4), "y": (5, -4), "z": (-4, 3), "q": (3, -4),
                                                       "f": (-12, 1)}
    assert edges(svg) == {("x", "q"): [("−2", "−4")], ("y", "q"): [("5", "−4")], ("q", "f"): [("3", "−4")],
                          ("z", "f"): [("−4", "3")], ("f", "out"): [("−12", "1")]}
    assert texts(svg.find("s:g[@class='output']", NS), "label") == ["f"]
    assert texts(svg.find("s:g[@class='legend']", NS), "value") == ["value (forward)"]
    assert texts(drawn(*LECTURE, "es").find("s:g[@class='legend']", NS), "grad") == ["gradiente (hacia atrás)"]


def test_a_variable_used_twice_sums_its_branches():
    """x·y + x at x = 3, y = 2: ∂f/∂x = y + 1 = 3, carried back as 2 (through q = x·y) and 1."""
    svg = drawn(*TWICE)
    assert hover(nodes(svg)["x"]) == (3, 3) and hover(nodes(svg)["y"]) == (2, 3)
    shares = edges(svg)
    assert shares[("x", "q")] == [("3", "2")] and shares[("x", "f")] == [("3", "1")]


def test_the_neuron_in_the_lectures_notation():
    """Deck 000's neuron: w₀, x₀ … as names, its gates 1/x, +1, exp, ×(−1); f = 0.73106 and
    ∂f/∂w₀ = −0.19661, ∂f/∂x₀ = 0.39322 (the deck's numbers)."""
    svg = drawn(*NEURON)
    found = nodes(svg)
    assert texts(found["w0"], "label") == ["w₀"] and texts(found["x1"], "label") == ["x₁"]
    assert sorted(t for k in found for t in texts(found[k], "label") if k not in NEURON[1]) == \
        sorted(["×", "×", "+", "+", "×(−1)", "exp", "+1", "1/x"])
    assert hover(found["w0"]) == (2, -0.19661) and hover(found["x0"]) == (-1, 0.39322)
    assert edges(svg)[("f", "out")] == [("0.73106", "1")]


def test_what_has_no_value_is_drawn_as_the_slides_say_it():
    """∂(x^y)/∂y needs ln x: at x = −2 it has no real value (∄), while ∂f/∂x = y·x^(y−1) = 12;
    √x′ at 0 is +∞."""
    svg = drawn("x^y", {"x": -2, "y": 3})
    assert edges(svg)[("y", "f")] == [("3", "∄")] and edges(svg)[("x", "f")] == [("−2", "12")]
    assert nodes(svg)["y"].find("s:title", NS).text == "y = 3; ∂f/∂y = ∄"
    assert edges(drawn("sqrt(x)", {"x": 0}))[("x", "f")] == [("0", "∞")]
    assert "∂f/∂y = ∄" in sb.show(sb.build_graph("x^y", {"x": -2, "y": 3})).html


def _random_expression(rng: random.Random, depth: int, top: bool = True):
    """(text, function of a dict) of a random expression over x, y, z (an operation at the top)."""
    if depth == 0 or (not top and rng.random() < 0.2):
        name = rng.choice("xyz")
        return name, lambda v, n=name: v[n]
    kind = rng.choice(["+", "-", "*", "sigmoid", "tanh", "exp"])
    a, fa = _random_expression(rng, depth - 1, False)
    if kind in ("sigmoid", "tanh", "exp"):
        inner = {"sigmoid": lambda t: 1 / (1 + math.exp(-t)), "tanh": math.tanh, "exp": math.exp}[kind]
        arg = f"{a}*0.5" if kind == "exp" else a
        return f"{kind}({arg})", (lambda v: inner(fa(v) * 0.5)) if kind == "exp" else (lambda v: inner(fa(v)))
    b, fb = _random_expression(rng, depth - 1, False)
    op = {"+": lambda p, q: p + q, "-": lambda p, q: p - q, "*": lambda p, q: p * q}[kind]
    return f"({a}{kind}{b})", lambda v: op(fa(v), fb(v))


@pytest.mark.parametrize("seed", range(6))
def test_random_expressions_against_finite_differences(seed):
    rng = random.Random(seed)
    text, f = _random_expression(rng, 3)
    names = sorted(set(re.findall(r"\b[xyz]\b", text)))
    at = {n: round(rng.uniform(-1.5, 1.5), 2) for n in names}
    svg = drawn(text, {n: Decimal(str(v)) for n, v in at.items()})
    found = nodes(svg)
    h = 1e-6
    for n in names:
        up, down = dict(at), dict(at)
        up[n] += h
        down[n] -= h
        value, grad = hover(found[n])
        assert value == at[n]
        assert grad == pytest.approx((f(up) - f(down)) / (2 * h), abs=2e-5), (text, n)
    # the output's value, on its arrow
    ((value, one),) = edges(svg)[(build_graph(text, at).output, "out")]
    assert number(value) == pytest.approx(f(at), abs=1e-5) and one == "1"


# ----------------------------------------------------------------------------- looks

def _box(text: ET.Element) -> list[tuple[float, float]]:
    """The corners of a text's box (px, y down), estimated from its font size: figures and
    letters half an em wide, wider signs 0.8, points 0.3; 0.75 em above the baseline, 0.25 below."""
    size = float(text.get("font-size"))
    width = sum(0.3 if c in ".," else 0.8 if c in "−+×÷" else 0.5 for c in text.text) * size
    found = re.fullmatch(r"translate\(([-\d.]+) ([-\d.]+)\)(?: rotate\(([-\d.]+)\))?", text.get("transform"))
    x, y = float(found.group(1)), float(found.group(2))
    turn = math.radians(float(found.group(3) or 0))
    base = float(text.get("y"))
    corners = [(-width / 2, base - 0.75 * size), (width / 2, base - 0.75 * size),
               (width / 2, base + 0.25 * size), (-width / 2, base + 0.25 * size)]
    return [(x + u * math.cos(turn) - v * math.sin(turn), y + u * math.sin(turn) + v * math.cos(turn))
            for u, v in corners]


def _overlap(p, q) -> bool:
    """Do two convex polygons overlap (separating axes; touching is not overlapping)?"""
    for poly in (p, q):
        for k in range(len(poly)):
            (x0, y0), (x1, y1) = poly[k], poly[(k + 1) % len(poly)]
            nx, ny = y0 - y1, x1 - x0
            sp, sq = [x * nx + y * ny for x, y in p], [x * nx + y * ny for x, y in q]
            if max(sp) <= min(sq) + 1e-9 or max(sq) <= min(sp) + 1e-9:
                return False
    return True


@pytest.mark.parametrize("expression, at", [
    LECTURE, NEURON, TWICE, ("sigmoid(w0*x0 + w1*x1 + w2)", NEURON[1]),
    ("x*y + x^2", {"x": 2, "y": 3}), ("x*x + x", {"x": 2}), ("x/y - w^3*z", {"x": 1, "y": 2, "w": 2, "z": -3})])
def test_no_two_labels_overlap(expression, at):
    svg = drawn(expression, at)
    boxes = [(t.text, _box(t)) for t in svg.iter("{http://www.w3.org/2000/svg}text")]
    assert len(boxes) > 8
    met = [(a, b) for k, (a, pa) in enumerate(boxes) for b, pb in boxes[k + 1:] if _overlap(pa, pb)]
    assert met == []
    # and every label inside the drawing
    width, height = float(svg.get("width")), float(svg.get("height"))
    assert all(0 <= x <= width and 0 <= y <= height for _, box in boxes for x, y in box)


def test_the_nodes_stand_where_the_tikz_drawing_puts_them():
    """One layout: the gates' circles are the handout's places (cm), scaled to px."""
    g = build_graph(*NEURON)
    lay = graph_layout(g, "article")
    k = PX_PER_CM * lay.scale
    circles = {n.get("data-id"): n.find("s:circle", NS) for n in nodes(drawn(*NEURON)).values()}
    gates = [n.id for n in g.nodes if n.inputs]
    (ax, ay), (bx, by) = lay.place[gates[0]], lay.place[gates[-1]]
    a, b = circles[gates[0]], circles[gates[-1]]
    assert float(b.get("cx")) - float(a.get("cx")) == pytest.approx((bx - ax) * k, abs=0.02)
    assert float(b.get("cy")) - float(a.get("cy")) == pytest.approx(-(by - ay) * k, abs=0.02)
    assert float(a.get("r")) == pytest.approx(0.4 * k, abs=0.01)        # TikZ's 8 mm gate


def test_the_same_bytes_every_time_and_text_escaped(monkeypatch):
    g = build_graph(*NEURON)
    assert graph_svg(g, "es") == graph_svg(build_graph(*NEURON), "es")
    import symbackprop.render.graph_svg as module
    monkeypatch.setattr(module, "say", lambda lang, key: "a < b & \"c\"")
    svg = graph_svg(g, "es")
    assert "a &lt; b &amp; &quot;c&quot;" in svg
    assert texts(ET.fromstring(svg).find("s:g[@class='legend']", NS), "value") == ['a < b & "c"']


def test_a_notebook_shows_the_drawing_first():
    """JupyterLab and VS Code both prefer text/html to text/markdown: the graph's HTML is the
    drawing, inline, then f and its gradients in plain Unicode (HTML is not typeset in VS Code)."""
    g = sb.build_graph(*LECTURE)
    page = g._repr_html_()
    assert page == sb.show(g).html and page.count("<svg ") == 1
    assert "f = −12; Gradientes: ∂f/∂x = −4, ∂f/∂y = −4, ∂f/∂z = 3" in page
    assert "Gradients: ∂f/∂x = −4" in sb.show(g, language="en").html
    assert "| $q$ | $q = x + y$ | $3$ | $-4$ |" in g._repr_markdown_()          # still there, for nbconvert


def test_a_graph_larger_than_the_reports_draw_shows_its_table():
    """Beyond the reports' 40 nodes the layout takes minutes: the notebook shows the Markdown table."""
    terms = "+".join(f"x{k % 5}*y{k % 3}" for k in range(20))
    g = sb.build_graph(terms, {**{f"x{k}": k + 1 for k in range(5)}, **{f"y{k}": k + 2 for k in range(3)}})
    assert len(g.nodes) == 47 and g._repr_html_() is None
    # x0 is in the terms k = 0, 5, 10, 15, times y0, y2, y1, y0: ∂f/∂x0 = 2 + 4 + 3 + 2 = 11
    assert r"\frac{\partial f}{\partial x_{0}} = 11" in g._repr_markdown_()

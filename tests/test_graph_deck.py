"""Graph mode as a lecturer uses it (issue 14): the deck's wording, names, legend, title and
file names, and the edge cases that used to be refused (a leading minus, a derivative without
a real value, an infinite derivative, a variable not in the expression). Every format says the
same: text, JSON, and the LaTeX of slides and handout in both languages."""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from decimal import Decimal

import pytest

from symbackprop.cli import main
from symbackprop.core.graph import build_graph, parse_at
from symbackprop.render.graph_context import graph_context
from symbackprop.render.graph_text import graph_document, graph_text
from symbackprop.render.i18n import say
from symbackprop.render.report import render_graph_tex

LECTURE = ("(x+y)*z", "x=-2,y=5,z=-4")


def graph(expression: str, at: str, **kw):
    return build_graph(expression, parse_at(at), **kw)


def every_tex(g):
    return {(style, lang): render_graph_tex(g, style, lang) for style in ("slides", "article") for lang in ("es", "en")}


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def require_tex():
    from symbackprop.render.latex import latex_available
    if latex_available() and shutil.which("pdftotext"):
        return
    if os.environ.get("CI") or os.environ.get("SYMBACKPROP_REQUIRE_TEX"):
        pytest.fail("TeX (latexmk, pdflatex) or pdftotext is missing: CI must install them (make tex)")
    pytest.skip("no TeX on this machine")


# ----------------------------------------------------------------------------- the deck

def test_backward_steps_are_upstream_times_local_not_plus_equals():
    g = graph(*LECTURE)
    text = graph_text(g, "en")
    assert "∂f/∂x = ∂f/∂q · ∂q/∂x = (-4) · 1 = -4" in text
    assert "∂f/∂q = z = -4" in text                    # at the output the local gradient is the gradient
    assert "chain rule: downstream gradient = upstream × local" in text
    assert "+=" not in text and "←" not in text
    for (style, lang), tex in every_tex(g).items():
        assert r"\mathrel{+}=" not in tex
        if style == "slides":            # the handout has the drawing, a table and the result
            chain = (r"\frac{\partial f}{\partial x} = \frac{\partial f}{\partial q} \cdot "
                     r"\frac{\partial q}{\partial x} = (-4) \cdot 1 = -4")
            assert chain in tex, (style, lang)
    assert "aguas arriba × local" in graph_text(g, "es")


def test_a_branch_share_is_named_a_branch_and_the_branches_are_summed():
    g = graph("x*x + x", "x=2")
    text = graph_text(g, "en")
    assert "∂q/∂x = x = 2;   ∂f/∂q · ∂q/∂x = 1 · 2 = 2   [a branch of x]" in text
    assert "∂f/∂x = 1   [a branch of x]" in text
    assert "∂f/∂x = 2 + 2 + 1 = 5" in text
    result = graph_context(g, "slides", "en")["steps"][-1]
    assert {"math": r"\frac{\partial f}{\partial x} = 2 + 2 + 1 = 5"} in result["blocks"]


def test_the_gates_carry_the_lectures_names_in_the_drawing():
    tex = render_graph_tex(graph(*LECTURE), "slides", "es")
    # q = x + y is the + gate; f is named at the arrow's end
    assert re.search(r"\\node\[gop, label=\{\[gname\]above:\$q\$\}\] \(q\) at [^{]*\{\$\+\$\}", tex)
    assert "above:$f$" not in tex
    for step in graph_context(graph(*LECTURE), "slides", "en")["steps"]:
        names = {n["id"]: n["name"] for n in step["diagram"]["nodes"]}
        assert names == {"x": "", "y": "", "z": "", "q": "q", "f": ""}


@pytest.mark.parametrize("lang, value, grad", [("es", "valor (hacia adelante)", "gradiente (hacia atrás)"),
                                               ("en", "value (forward)", "gradient (backward)")])
def test_every_drawing_has_a_legend(lang, value, grad):
    for style in ("slides", "article"):
        tex = render_graph_tex(graph(*LECTURE), style, lang)
        drawings = tex.count(r"\useasboundingbox")
        legend = rf"node[fwd] {{{value}}} node[bwd] {{{grad}}}"
        assert drawings >= 1 and tex.count(legend) == drawings, style


def test_every_legend_is_in_the_pdf(tmp_path):
    require_tex()
    code = main(["graph", *LECTURE[:1], "--at", LECTURE[1], "--format", "pdf", "-o", str(tmp_path / "d.pdf")])
    assert code == 0
    text = subprocess.run(["pdftotext", str(tmp_path / "d.pdf"), "-"], capture_output=True, text=True, check=True).stdout
    assert text.count("valor (hacia adelante)") == 4 and text.count("gradiente (hacia atrás)") == 4
    assert "f=(x+y)·z" in "".join(text.split())


@pytest.mark.parametrize("expression, at, title", [
    ("(x+y)*z", "x=-2,y=5,z=-4", r"f = (x + y) \cdot z"),
    ("z*(y+x)", "x=-2,y=5,z=-4", r"f = z \cdot (y + x)"),
    ("1/(1+exp(-(w0*x0+w1*x1+w2)))", "w0=2,x0=-1,w1=-3,x1=-2,w2=-3",
     r"f = \frac{1}{1 + e^{-(w_{0} \cdot x_{0} + w_{1} \cdot x_{1} + w_{2})}}"),
    ("z^2+1 - 3*x + x/2", "x=1,z=2", r"f = z^{2} + 1 - 3 \cdot x + \frac{x}{2}"),
    ("-x^2 + (-x)^2 - (x - y) - -y", "x=1,y=2", r"f = -x^{2} + (-x)^{2} - (x - y) - (-y)"),
    ("x*(y*z)^2 + exp(x)^2 + e*pi + (x/y)^2", "x=1,y=2,z=3",
     r"f = x \cdot (y \cdot z)^{2} + (e^{x})^{2} + e \cdot \pi + \left(\frac{x}{y}\right)^{2}"),
    ("sigmoid(x) + leaky_relu(x, 0.2) + max(x, 1e-3) + abs(-x) + sqrt(ln(x))", "x=2",
     (r"f = \sigma(x) + \operatorname{leaky\,relu}(x, 0.2) + \max(x, 1 \cdot 10^{-3})"
      r" + \left|-x\right| + \sqrt{\log(x)}")),
])
def test_the_title_keeps_the_order_it_was_typed_in(expression, at, title):
    g = graph(expression, at)
    for tex in every_tex(g).values():
        assert f"$\\displaystyle {title}$" in tex and tex.count(r"\displaystyle f =") == 1
    assert f"f = {expression}" in graph_text(g, "en")


def test_a_constant_stays_where_it_was_typed_in_the_nodes():
    text = graph_text(graph("z^2+1 + x*2 + 3*x", "x=1,z=2"), "en")
    assert "r = q + 1 = 4 + 1 = 5" in text and "s = x·2 = 1·2 = 2" in text and "u = 3·x = 3·1 = 3" in text


# ----------------------------------------------------------------------------- the files

def test_two_graphs_in_one_folder_get_two_files_named_after_them(tmp_path, capsys):
    for expression in ("(x+y)*z", "x+y*z", "(x+y)*z"):
        assert run(capsys, "graph", expression, "--at", LECTURE[1], "--format", "tex", "-o", str(tmp_path))[0] == 0
    names = sorted(p.name for p in tmp_path.iterdir())
    assert len(names) == 2 and all(n.startswith("graph-x-plus-y-times-z-") for n in names), names
    assert all(re.fullmatch(r"graph-x-plus-y-times-z-[0-9a-f]{6}-slides-es\.tex", n) for n in names)
    # the same expression, spaced otherwise, is the same graph and the same file
    run(capsys, "graph", "( x + y ) * z", "--at", LECTURE[1], "--format", "tex", "-o", str(tmp_path))
    assert len(list(tmp_path.iterdir())) == 2
    # a sigmoid drawn decomposed is another deck
    for mode in ("gate", "decomposed"):
        run(capsys, "graph", "sigmoid(x)", "--at", "x=1", "--format", "tex", "--sigmoid", mode, "-o", str(tmp_path))
    assert len(list(tmp_path.glob("graph-sigmoid-x-*"))) == 2


def test_o_names_the_file(tmp_path, capsys):
    code, _, err = run(capsys, "graph", *LECTURE[:1], "--at", LECTURE[1], "--format", "tex",
                       "-o", str(tmp_path / "lecture.v2.pdf"))
    assert code == 0 and sorted(p.name for p in tmp_path.iterdir()) == ["lecture.v2.tex"]
    code, _, _ = run(capsys, "graph", *LECTURE[:1], "--at", LECTURE[1], "--format", "json",
                     "-o", str(tmp_path / "g.json"))
    assert code == 0 and json.loads((tmp_path / "g.json").read_text())["value"] == -12
    code, _, _ = run(capsys, "graph", *LECTURE[:1], "--at", LECTURE[1], "-o", str(tmp_path / "sub"))
    assert code == 0 and [p.suffix for p in (tmp_path / "sub").iterdir()] == [".txt"]
    code, _, err = run(capsys, "graph", *LECTURE[:1], "--at", LECTURE[1], "--format", "json",
                       "-o", str(tmp_path / "g.pdf"))
    assert code == 2 and "-o: expected a folder or a file name ending in .json" in err and "\n" == err[-1]
    assert not (tmp_path / "g.pdf").exists()


# ----------------------------------------------------------------------------- edge cases

@pytest.mark.parametrize("argv", [
    ["graph", "-x^2", "--at", "x=3"],
    ["graph", "--at", "x=3", "-x^2"],
    ["graph", "--at", "x=3", "--", "-x^2"],
    ["graph", "-x^2", "--at=x=3", "--lang", "en"],
])
def test_an_expression_may_start_with_a_minus(capsys, argv):
    code, out, err = run(capsys, *argv)
    assert code == 0, err
    assert out.startswith("f = -x^2   (x = 3)") and "  ∂f/∂x = -6\n" in out


def test_a_leading_minus_number_and_the_short_options_still_work(capsys, tmp_path):
    code, _, _ = run(capsys, "graph", "-2*x", "--at", "x=3", "-o", str(tmp_path))
    assert code == 0 and len(list(tmp_path.iterdir())) == 1
    with pytest.raises(SystemExit) as done:
        main(["graph", "-h"])
    assert done.value.code == 0 and capsys.readouterr().out.startswith("usage: symbackprop graph")


def test_a_power_of_a_negative_base_gives_what_exists():
    g = graph("x^y", "x=-2,y=3")
    assert g.value == -8 and g.gradients == {"x": 12, "y": None}
    en, es = graph_text(g, "en"), graph_text(g, "es")
    assert "  ∂f/∂x = 12\n  ∂f/∂y: no real value\n" in en
    sentence = ("No real value for ∂f/∂y: the local derivative ∂f/∂y = f·log(x) needs log(x), "
                "and x = -2 has no real logarithm.")
    assert en.count(sentence) == 1
    assert "Sin valor real para ∂f/∂y: la derivada local ∂f/∂y = f·log(x) necesita log(x), y x = -2 " \
           "no tiene logaritmo real." in es
    doc = graph_document(g)
    assert doc["value"] == -8 and doc["gradients"] == {"x": 12, "y": None}
    assert doc["notes"] == [{"kind": "no_real", "node": "f", "op": "powxy", "text": sentence}]
    assert doc["missing"] == [{"node": "f", "input": "y", "kind": "no_real", "gradients": ["y"]}]
    for (style, lang), tex in every_tex(g).items():
        assert r"\frac{\partial f}{\partial x} = 12" in tex
        word = "no real value" if lang == "en" else "sin valor real"
        assert rf"\frac{{\partial f}}{{\partial y}}\text{{: {word}}}" in tex, (style, lang)
        assert (r"$\frac{\partial f}{\partial y}$" in tex and r"$\log{\left(x \right)}$" in tex
                and "$x = -2$" in tex), (style, lang)


def test_a_missing_derivative_leaves_only_the_gradients_through_it_without_a_value():
    g = graph("x^(2*y) + w*x", "x=-2,y=1.5,w=3")            # (−2)^3 = −8
    assert g.value == -14 and g.gradients["y"] is None
    assert g.gradients["x"] == 3 * 4 + 3 and g.gradients["w"] == -2          # q·x^(q−1) + w
    assert "No real value for ∂f/∂y:" in graph_text(g, "en")


def test_the_square_root_at_zero_has_a_value_and_an_infinite_derivative():
    g = graph("sqrt(x)", "x=0")
    assert g.value == 0 and g.gradients["x"] == Decimal("Infinity")
    text = graph_text(g, "en")
    assert "  f = sqrt(x) = sqrt(0) = 0\n" in text and "  ∂f/∂x = ∞\n" in text
    assert "No finite value for ∂f/∂x: the local derivative ∂f/∂x = 1/(2·f) is infinite at x = 0." in text
    assert "es infinita en x = 0." in graph_text(g, "es")
    doc = graph_document(g)
    assert doc["value"] == 0 and doc["gradients"] == {"x": None} and doc["notes"][0]["kind"] == "infinite"
    assert "Infinity" not in json.dumps(doc, default=str) and "NaN" not in json.dumps(doc, default=str)
    for tex in every_tex(g).values():
        assert r"\frac{\partial f}{\partial x} = \infty" in tex and "node[bwd] {$\\infty$}" in tex
    # with a sign where the upstream gradient has one, none where it is 0 (0 · ∞)
    assert graph("-sqrt(x)", "x=0").gradients["x"] == Decimal("-Infinity")
    zero = graph("y*sqrt(x)", "x=0,y=0")
    assert zero.gradients == {"y": 0, "x": None}
    assert "No finite value for ∂f/∂x" in graph_text(zero, "en")


def test_a_variable_not_in_the_expression_has_gradient_zero_and_is_named():
    g = graph("x*2", "x=1,w=5")
    assert g.gradients == {"x": 2, "w": 0}
    en = graph_text(g, "en")
    assert en.startswith("f = x*2   (x = 1, w = 5)")
    assert "  ∂f/∂x = 2\n  ∂f/∂w = 0\n" in en and "w does not appear in the expression: ∂f/∂w = 0." in en
    assert "w no aparece en la expresión: ∂f/∂w = 0." in graph_text(g, "es")
    doc = graph_document(g)
    assert doc["gradients"] == {"x": 2, "w": 0} and doc["unused"] == ["w"]
    assert doc["notes"] == [{"kind": "unused", "node": "w", "op": "input",
                             "text": "w does not appear in the expression: ∂f/∂w = 0."}]
    for (style, lang), tex in every_tex(g).items():
        assert r"\frac{\partial f}{\partial w} = 0" in tex and "$w = 5$" not in tex
        assert "w = 5" in tex
        assert (r"$w$ does not appear in the expression: $\frac{\partial f}{\partial w}$ = 0." in tex
                if lang == "en" else r"$w$ no aparece en la expresión" in tex)
        assert r"\node[gvar] (w)" not in tex                 # not drawn: it is not in the graph


# ----------------------------------------------------------------------------- the drawing

@pytest.mark.parametrize("expression, at", [
    ("max(x,y)*tanh(z)+relu(x-y)/sqrt(z^2+1)-abs(y)+ln(z^2)", "x=1.5,y=-0.5,z=0.3"),
    ("x*x + x", "x=2"),
    ("max(x, 0) + min(0, y) * x", "x=1,y=2"),
])
def test_no_two_nodes_share_a_place_and_no_edge_runs_through_a_node(expression, at):
    import math

    from symbackprop.render.graph_layout import _layout, _routes, curve
    g = graph(expression, at)
    place = _layout(g)
    spots = [place[n.id] for n in g.nodes]
    for a in range(len(spots)):
        for b in range(a + 1, len(spots)):
            same_column = spots[a][0] == spots[b][0]
            assert not same_column or abs(spots[a][1] - spots[b][1]) >= 1.0, (g.nodes[a].id, g.nodes[b].id)
    routes = _routes(g, place)
    for (src, dst, k), angle in routes.items():
        for x, y in curve(place[src], place[dst], angle):
            for n in g.nodes:
                if n.id not in (src, dst):
                    assert math.hypot(x - place[n.id][0], y - place[n.id][1]) >= 0.5, (src, dst, n.id)


def drawn_edges(g):
    """[(ends, points)] of every edge as the drawing routes it (sampled along TikZ's curve)."""
    from symbackprop.render.graph_layout import _layout, _routes, curve
    place = _layout(g)
    out = []
    for (src, dst, k), angle in _routes(g, place).items():
        out.append(({src, dst}, [place[src]] + curve(place[src], place[dst], angle) + [place[dst]]))
    return out


def crossings(g) -> list[tuple]:
    def side(a, b, c):
        return (b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0])

    def cross(p, q, r, s):
        return side(r, s, p) * side(r, s, q) < 0 and side(p, q, r) * side(p, q, s) < 0
    edges = drawn_edges(g)
    return [(sorted(a), sorted(b)) for k, (a, pa) in enumerate(edges) for b, pb in edges[k + 1:]
            if not a & b and any(cross(p, q, r, s) for p, q in zip(pa, pa[1:]) for r, s in zip(pb, pb[1:]))]


@pytest.mark.parametrize("expression, at", [
    ("(x+y)*z + sigmoid(x*w)", "x=-2,y=5,z=-4,w=1.5"),
    ("max(x, 0) + min(0, y) * x", "x=1,y=2"),
    ("x^(2*y) + w*x", "x=-2,y=1.5,w=3"),
    ("x*y + x^2", "x=3,y=-2"),
    ("x/y - w^3*z", "x=1,y=2,w=2,z=-3"),
    (*LECTURE,),
])
def test_a_variable_feeding_two_gates_crosses_no_edge(expression, at):
    """Issue 14 (review at 150 dpi): where a variable feeds two gates, or one a later column,
    the variables' order made edges cross (z's edge to r over y's to q in the first graph)
    and their values and gradients sat on each other. The variables' order is the one whose
    edges cross least: none in these graphs."""
    assert crossings(graph(expression, at)) == []


def test_the_order_that_crosses_least_wins():
    g = graph("max(x,y)*tanh(z)+relu(x-y)/sqrt(z^2+1)-abs(y)+ln(z^2)", "x=1.5,y=-0.5,z=0.3")
    assert len(crossings(g)) <= 2          # 5 with the order the output reaches the variables


def test_two_edges_between_the_same_nodes_bend_apart():
    tex = render_graph_tex(graph("x*x + x", "x=2"), "slides", "en")
    assert re.search(r"\(x\) to\[bend left=20\] node\[fwd[^]]*\] {\$2\$}.* \(q\);", tex)
    assert re.search(r"\(x\) to\[bend right=20\] node\[fwd[^]]*\] {\$2\$}.* \(q\);", tex)


def test_a_wide_graph_gets_larger_labels_to_stay_legible():
    small = graph_context(graph(*LECTURE), "slides", "en")["steps"][0]["diagram"]["font"]
    wide = graph_context(graph("1/(1+exp(-(w0*x0+w1*x1+w2)))", "w0=2,x0=-1,w1=-3,x1=-2,w2=-3"),
                         "slides", "en")["steps"][0]["diagram"]["font"]
    assert (small, wide) == (r"\footnotesize", r"\huge")


#: The review's three decks (issue 14): the lecture's, the neuron's and a mixed one
REVIEWED = [LECTURE, ("1/(1+exp(-(w0*x0+w1*x1+w2)))", "w0=2,x0=-1,w1=-3,x1=-2,w2=-3"),
            ("(x+y)*z + sigmoid(x*w)", "x=-2,y=5,z=-4,w=1.5")]


@pytest.mark.parametrize("expression, at", REVIEWED)
def test_the_labels_are_read_at_seven_points_once_the_drawing_is_scaled(expression, at):
    """The labels were \\tiny and the drawing then shrunk to fit: 4 pt on the lecture's deck,
    2.7 pt on the neuron's, then 6.1 pt there (r4: at least 7 pt at the back of a room). The
    context says the scale the slides draw it at (they use it as such) and the labels' size,
    chosen for it; the variables are set larger still. The neuron's labels reach it with
    three decimals and w2 beside the gate it feeds (the text keeps five)."""
    ctx = graph_context(graph(expression, at), "slides", "es")
    assert ctx["size"] * ctx["scale"] >= 7, (ctx["size"], ctx["scale"])
    box = ctx["box"]
    assert ctx["scale"] == round(min(1.0, 12.0 / (box[2] - box[0]), 3.9 / (box[3] - box[1])), 4)
    diagram = ctx["steps"][0]["diagram"]
    assert diagram["size"] == ctx["size"] and diagram["var_font"] != diagram["font"]
    tex = render_graph_tex(graph(expression, at), "slides", "es")
    assert tex.count(rf"\scalebox{{{ctx['scale']}}}{{") == len(ctx["steps"])
    assert "max height=0.42\\textheight" not in tex


@pytest.mark.parametrize("expression, at", REVIEWED)
def test_every_edge_is_long_enough_for_its_widest_label(expression, at):
    """The neuron's five-decimal numbers ran into the arrowhead and the next node: each column
    now stands as far from the one before as the widest value or gradient entering it needs,
    centred on its edge (or where a fanned edge puts it), clear of both nodes and the arrow."""
    import math

    from symbackprop.render.graph_context import GraphLatexPrinter
    from symbackprop.render.graph_layout import (_ARROW, _LABEL_ENDS, FANNED, MIDDLE, PLACES, PT_PER_CM, RADIUS,
                                                 _edge_labels, _pos)
    g = graph(expression, at)
    printer = GraphLatexPrinter(g, "slides", "es")
    place = dict(printer.place)
    place["out"] = (printer.drawing()["output"]["x"], place[g.output][1])
    radius = {n.id: RADIUS["gvar" if n.op in ("input", "const") else "gop"] for n in g.nodes}
    radius["out"] = RADIUS["gvar"]
    positions = {(src, dst): pos for (src, dst, _), pos in printer.positions.items()}
    for src, dst, ems in _edge_labels(g, printer.digits):
        label = ems * printer.size / PT_PER_CM
        (x0, y0), (x1, y1) = place[src], place[dst]
        visible = math.hypot(x1 - x0, y1 - y0) - radius[src] - radius[dst]
        pos = positions[(src, dst)]
        assert pos in PLACES and _pos(g, src, dst) in (MIDDLE, FANNED)
        assert pos * visible >= label / 2 + _LABEL_ENDS - 1e-9, (src, dst)
        assert (1 - pos) * visible >= label / 2 + _LABEL_ENDS + _ARROW - 1e-9, (src, dst)
    # the widest label the neuron's deck shows, −0.534, is at least 3 ems wide at its size
    if "w0" in expression:
        assert max(ems for _, _, ems in _edge_labels(g, printer.digits)) >= 3


def test_the_edge_numbers_print_at_seven_points_at_least_in_the_pdf(tmp_path):
    """pdftotext's glyph box of every number on the neuron deck's drawings (r4: 6.1 pt, at
    least 7 wanted), against the box of the frames' bold heading "Gradiente", set at 10 pt
    (\\small): the drawing's numbers have three decimals, the text's five."""
    require_tex()
    pdf = tmp_path / "neuron.pdf"
    assert main(["graph", REVIEWED[1][0], "--at", REVIEWED[1][1], "--format", "pdf", "-o", str(pdf)]) == 0
    out = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    words = [(float(y1) - float(y0), word) for y0, y1, word in
             re.findall(r'yMin="([\d.]+)" xMax="[\d.]+" yMax="([\d.]+)">([^<]+)</word>', out)]
    per_pt = [h for h, word in words if word == "Gradiente"][0] / 10
    heights = [h / per_pt for h, word in words if re.fullmatch(r"[−-]?\d+\.\d{3}", word)]
    assert len(heights) > 20 and min(heights) >= 7.0, min(heights)


def test_the_edge_cases_build_as_pdf(tmp_path):
    require_tex()
    for k, (expression, at) in enumerate([("x^y", "x=-2,y=3"), ("sqrt(x)", "x=0"), ("x*2", "x=1,w=5")]):
        for style in ("slides", "article"):
            for lang in ("es", "en"):
                target = tmp_path / f"{k}-{style}-{lang}.pdf"
                assert main(["graph", expression, "--at", at, "--format", "pdf", "--style", style,
                             "--lang", lang, "-o", str(target)]) == 0
                text = subprocess.run(["pdftotext", str(target), "-"], capture_output=True, text=True, check=True).stdout
                assert ("real" in text or "finit" in text or "expres" in text), (expression, style, lang)


@pytest.mark.parametrize("expression, at", [
    ("1/(1+exp(-(w0*x0+w1*x1+w2)))", "w0=2,x0=-1,w1=-3,x1=-2,w2=-3"),
    ("(x+y)*z", "x=-2,y=5,z=-4"),
    ("x/y - w^3*z", "x=1,y=2,w=2,z=-3"),
])
def test_each_edge_gets_its_own_share_in_every_format(expression, at):
    """Found by looking at the neuron's frames: the two inputs of a gate had each other's share
    (∂f/∂w1 = 0.19661 · (−2) = −0.58984 instead of −0.39322)."""
    from symbackprop.core.exact import show
    from symbackprop.render.graph_context import GraphLatexPrinter
    g = graph(expression, at)
    text = graph_text(g, "en")
    tex = render_graph_tex(g, "slides", "en")
    digits = GraphLatexPrinter(g, "slides", "en").digits            # the drawing's decimals
    last = tex[tex.rindex(r"\begin{frame}"):]
    names = {n.id: n for n in g.nodes}
    for v, grad in g.gradients.items():
        (edge,) = [e for e in g.edges if e.src == v]            # every variable here is used once
        if edge.dst == g.output:
            continue
        assert re.search(rf"∂f/∂{v} = ∂f/∂{edge.dst} · ∂{edge.dst}/∂{v} = .* = {re.escape(show(grad, 5))}\n", text), v
        value = show(names[v].value, digits)
        assert re.search(rf"\({v}\) -- node\[fwd(, pos=[\d.]+)?\] {{\${re.escape(value)}\$}} "
                         rf"node\[bwd(, pos=[\d.]+)?\] {{\${re.escape(show(grad, digits))}\$}} \({edge.dst}\);", last), v


def test_a_gradient_beyond_what_a_decimal_holds_is_refused_in_one_line():
    """Found by the nightly fuzzing: y/exp(y) at y = −999999.999 is finite (−1e434294) but its
    square's gradient is beyond 1e999999, and decimal's Overflow escaped as an internal error."""
    from symbackprop.errors import SymbackpropError
    expression = "(y/exp(y))*(y/exp(y))"
    with pytest.raises(SymbackpropError, match=r"larger than 1e999999 in size at this point") as info:
        build_graph(expression, {"y": Decimal("-999999.999")})
    assert "\n" not in str(info.value)


@pytest.mark.parametrize("expression, at", REVIEWED + [("x*y + x^2", "x=2,y=3"), ("x*x + x", "x=2"),
                                                 ("x/y - w^3*z", "x=1,y=2,w=2,z=-3")])
def test_no_two_labels_meet(expression, at):
    """The neuron's red −0.39322 (under w1 → r) sat on the green −2 (over x1 → r), and (r4) the
    mixed deck's labels around x, which feeds two gates, sat on each other: every value and
    gradient, sloped along its edge where the drawing sets it, keeps clear of every other."""
    from symbackprop.render.graph_context import GraphLatexPrinter
    from symbackprop.render.graph_layout import _LABEL_HEIGHT, PT_PER_CM, _label_box, _label_widths, _meet
    g = graph(expression, at)
    p = GraphLatexPrinter(g, "slides", "es")
    ends = dict(p.place)
    ends["out"] = (p.drawing()["output"]["x"], p.place[g.output][1])
    height = (_LABEL_HEIGHT[0] * p.size + _LABEL_HEIGHT[1]) / PT_PER_CM
    boxes = []
    for src, dst, k, value, grad in _label_widths(g, p.digits):
        angle = p.routes.get((src, dst, k), 0)
        for ems, above in ((value, True), (grad, False)):
            box = _label_box(ends[src], ends[dst], angle, p.positions[(src, dst, k)],
                             (ems * p.size + 2) / PT_PER_CM, height, above)
            boxes.append(((src, dst, k), box))
    met = [(a, b) for n, (a, pa) in enumerate(boxes) for b, pb in boxes[n + 1:] if a != b and _meet(pa, pb)]
    assert met == []


# ----------------------------------------------------------------------------- issue 14, r4 review

BRANCH = ("x*y + x^2", "x=2,y=3")


def _sides(math: str) -> list[str]:
    """The sides of a displayed a = b = c (the fractions hold no '=')."""
    return ["".join(side.split()).strip("()") for side in math.split(" = ")]


@pytest.mark.parametrize("expression, at", REVIEWED + [BRANCH, ("-x + x", "x=1")])
def test_no_step_prints_the_same_value_twice(expression, at):
    """r4: "u = −t = −1 = −1": a side printed as the one before it is left out (u = −t = −1),
    in the forward pass, the backward steps and the result, slides and handout."""
    g = graph(expression, at)
    for style in ("slides", "article"):
        for step in graph_context(g, style, "es")["steps"]:
            for block in step["blocks"]:
                if "math" in block:
                    sides = _sides(block["math"].split(r", \quad ")[-1])
                    assert all(a != b for a, b in zip(sides, sides[1:])), (style, block["math"])
    if "w0" in expression:
        for tex in every_tex(g).values():
            assert "u = - t = -1" in tex and "= - 1 = -1" not in tex


@pytest.mark.parametrize("lang, sentence", [
    ("es", "$x$ se usa en dos ramas; sus gradientes se suman"),
    ("en", "$x$ is used in two branches; their gradients add up")])
def test_the_branches_are_summed_in_a_sentence(lang, sentence):
    """r4: "ramas: los gradientes se suman: x" was no sentence. The result says which variable
    is used in how many branches; the handout adds the shares up where the last one arrives."""
    g = graph(*REVIEWED[2])
    slides, article = render_graph_tex(g, "slides", lang), render_graph_tex(g, "article", lang)
    assert f"{sentence}.\\par" in slides and "ramas: los gradientes se suman:" not in slides
    assert f"{sentence}:\\par" in article
    assert r"\frac{\partial f}{\partial x} = (-4) + 0.06776 = -3.93224" in article
    three = render_graph_tex(graph("x*x + x", "x=2"), "slides", lang)
    assert ("tres ramas" if lang == "es" else "three branches") in three


@pytest.mark.parametrize("lang", ["es", "en"])
def test_the_handout_derives_the_backward_pass_step_by_step(lang):
    """r4: the handout had a table and the result only. It now walks the backward pass as the
    slides do: every edge's downstream = upstream × local, the branches summed, then a table
    whose head is in the lecture's words."""
    article = render_graph_tex(graph(*LECTURE), "article", lang)
    chain = (r"\frac{\partial f}{\partial x} = \frac{\partial f}{\partial q} \cdot "
             r"\frac{\partial q}{\partial x} = (-4) \cdot 1 = -4")
    assert chain in article
    assert r"\frac{\partial f}{\partial z} = q = 3" in article
    words = ({"es": ["nodo", "operación", "valor (hacia adelante)", "gradiente local", "gradiente $\\partial f/\\partial\\cdot$"],
              "en": ["node", "operation", "value (forward)", "local gradient", "gradient $\\partial f/\\partial\\cdot$"]}[lang])
    assert " & ".join(words) + r" \\" in article
    assert "& op &" not in article and "& df" not in article
    walk, chain_rule = say(lang, "graph_walk").split("×")[0], say(lang, "graph_chain").split("×")[0]
    assert article.count(walk) == 1 and chain_rule not in article       # said once, not on every step
    branch = render_graph_tex(graph(*BRANCH), "article", lang)
    assert r"\frac{\partial f}{\partial x} = 3 + 4 = 7" in branch


def test_the_handouts_walkthrough_is_in_the_pdf(tmp_path):
    require_tex()
    pdf = tmp_path / "h.pdf"
    assert main(["graph", *BRANCH[:1], "--at", BRANCH[1], "--format", "pdf", "--style", "article",
                 "-o", str(pdf)]) == 0
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    flat = " ".join(text.split())
    assert "x se usa en dos ramas; sus gradientes se suman:" in flat
    assert "Propagación hacia atrás" in flat and "gradiente local" in flat and "valor (hacia adelante)" in flat

"""The network drawing of the reports (issue 14): the same size and place on every frame, labels
readable and clear of each other, bias nodes, values from the ledger, a fast build.

The layout is checked on its data (render.diagram), the slides on their LaTeX, and, with TeX,
on the PDF itself: where the drawing's labels are printed and at which size."""
from __future__ import annotations

import os
import re
import shutil
import subprocess
from itertools import combinations

import pytest

from symbackprop import load_spec
from symbackprop.api import solve_for_report
from symbackprop.core import ids
from symbackprop.core.exact import show
from symbackprop.render.context import report_context
from symbackprop.render.diagram import (ROWS, _segment_hits_box, label_size, layout, path_marks,
                                        styled)
from symbackprop.render.latex import build_pdf, latex_available
from symbackprop.render.report import render_tex

from conftest import LECTURE, ROOT

EXAMPLES = ("lecture_2_2_2", "lecture_2_2_2_numbered", "net_3_3_3_2", "xor_2_2_2", "vector_3_2")


@pytest.fixture(scope="module")
def lecture():
    return solve_for_report(load_spec(LECTURE))


def solved(name):
    return solve_for_report(load_spec(ROOT / "examples" / f"{name}.yaml"))


def value_of(solution):
    d = solution.derivations[0]
    return lambda qid: d.ledger[qid].value(False)


def frames(tex: str) -> list[str]:
    """The slides' steps, each its .tex (one frame, or the chunks, drawing and \\stepframes
    of a step with a drawing, which LaTeX sets on as many frames as its text needs)."""
    return re.split(r"\n(?=%% step \d+: )", tex)[1:]


def label_box(diagram, edge):
    """The label's box (the name, and its value under it) as the layout placed it (cm)."""
    return edge["label_at"]["box"]


def drawn_boxes(diagram):
    return [(e, label_box(diagram, e)) for e in diagram.edges if e["labelled"]]


# ----------------------------------------------------------------------------- the layout

@pytest.mark.parametrize("name", EXAMPLES)
def test_labels_cover_no_other_label_edge_or_node(name):
    solution = solved(name)
    diagram = layout(solution.model, value_of(solution))
    boxes = drawn_boxes(diagram)
    for (e1, a), (e2, b) in combinations(boxes, 2):
        assert not (a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]), (e1["id"], e2["id"])
    where = {n["id"]: n for n in diagram.nodes}
    for e, box in boxes:
        for other in diagram.edges:
            if other["id"] == e["id"]:
                continue
            p = (where[other["src"]]["x"], where[other["src"]]["y"])
            q = (where[other["dst"]]["x"], where[other["dst"]]["y"])
            assert not _segment_hits_box(p, q, box), (e["id"], "covers", other["id"])
        for n in diagram.nodes:
            nx = min(max(n["x"], box[0]), box[2])
            ny = min(max(n["y"], box[1]), box[3])
            assert (nx - n["x"]) ** 2 + (ny - n["y"]) ** 2 >= n["r"] ** 2, (e["id"], "covers", n["id"])


def test_the_lecture_network_is_labelled_in_full_and_crossing_labels_part(lecture):
    diagram = layout(lecture.model, value_of(lecture))
    weights = [e for e in diagram.edges if e["kind"] == "weight"]
    assert all(e["labelled"] and e["valued"] for e in weights)
    # one label per edge, the value under the name, centred on it; never at the crossing
    for e in weights:
        x0, y0, x1, y1 = e["label_at"]["box"]
        assert e["name_xy"][0] == round((x0 + x1) / 2, 3) and y0 < e["name_xy"][1] < y1
        assert e["label_at"]["pos"] <= 0.4 or e["label_at"]["pos"] >= 0.6
    for l in (1, 2):
        down, up = (next(e for e in weights if e["id"] == ids.w(l, i, j)) for i, j in ((2, 1), (1, 2)))
        crossing = ((l - 0.5) * (diagram.nodes[2]["x"] - diagram.nodes[0]["x"]), 0.0)
        for e in (down, up):
            x0, y0, x1, y1 = label_box(diagram, e)
            assert not (x0 <= crossing[0] <= x1 and y0 <= crossing[1] <= y1), e["id"]


def test_bias_nodes_feed_their_layer(lecture):
    diagram = layout(lecture.model, value_of(lecture))
    nodes = {n["id"]: n for n in diagram.nodes}
    for l in (1, 2):
        node = nodes[f"bias{l}"]
        assert node["kind"] == "bias" and node["param"] == f"b{l}" and node["label"] == f"b^{{[{l}]}}"
        feeds = [e for e in diagram.edges if e["src"] == f"bias{l}"]
        assert [e["dst"] for e in feeds] == [f"n{l}_1", f"n{l}_2"] and {e["param"] for e in feeds} == {f"b{l}"}
    xor = solved("xor_2_2_2")
    per_neuron = [e for e in layout(xor.model).edges if e["kind"] == "bias"]
    assert [e["param"] for e in per_neuron] == ["b1_1", "b1_2", "b2_1", "b2_2"]
    assert {n["label"] for n in layout(xor.model).nodes if n["kind"] == "bias"} == {"1"}


def test_a_path_through_a_bias_marks_its_edge_and_node():
    edges, nodes = path_marks(["dE1/da2_1", "da2_1/dz2_1", "dz2_1/db2"])
    assert "b2-n2_1" in edges and "bias2" in nodes and "n2_1" in nodes


# ----------------------------------------------------------------------------- what frames show

def steps_with_drawings(solution, style="slides", lang="es"):
    return [s for s in report_context(solution, style, lang)["steps"] if s["diagram"]]


def test_bias_is_highlighted_on_its_own_frames(lecture):
    steps = steps_with_drawings(lecture)
    about_b1 = [s for s in steps if s["heading"] and "b^{[1]}" in s["heading"] and s["kind"] == "question"]
    assert about_b1
    for step in about_b1:
        edges = {e["id"]: e for e in step["diagram"]["edges"]}
        nodes = {n["id"]: n for n in step["diagram"]["nodes"]}
        assert edges["b1-n1_1"]["style"] == edges["b1-n1_2"]["style"] == "hledge"
        assert nodes["bias1"]["style"] == "hlbias"
    tex = render_tex(lecture, "slides", "es")
    b1_frames = [f for f in frames(tex) if r"contribuye $b^{[1]}" in f]
    assert b1_frames and all(r"\node[hlbias]" in f and r"\draw[hledge] (bias1)" in f for f in b1_frames)


def test_values_come_from_the_ledger(lecture):
    value = value_of(lecture)
    steps = steps_with_drawings(lecture)
    network = steps[0]
    assert network["kind"] == "network"
    for e in network["diagram"]["edges"]:
        if e["kind"] == "weight":
            assert e["value"] == show(value(e["param"]), 5) and not e["new"] and e["over"]
    assert {n["id"]: n["value"] for n in network["diagram"]["nodes"] if n["kind"] == "bias"} == \
        {"bias1": "0.25", "bias2": "0.35"}
    update = next(s for s in steps if s["kind"] == "update")
    edge = next(e for e in update["diagram"]["edges"] if e["id"] == "w2_1_1")
    assert edge["style"] == "hledge" and edge["new"] and edge["value"] == show(value("new_w2_1_1"), 5) == "0.45188"
    tex = render_tex(lecture, "slides", "es")
    assert r"\node[wnew, anchor=north] at (elabel.south) {$0.45188$}" in tex
    assert r"\node[wvalue, anchor=north] at (elabel.south) {$0.1$}" in frames(tex)[1]


def test_an_updated_weight_shows_its_new_value_only_on_its_update(lecture):
    """Issue 14: the lecture computes every gradient of the iteration with the given weights,
    so after its update a weight is drawn blue with no value (neither the new one, which the
    later formulas contradict, nor the old one, which would read as the new one)."""
    steps = steps_with_drawings(lecture)
    tex_frames = [f for f in frames(render_tex(lecture, "slides", "es")) if r"\def\stepdrawing{" in f]
    assert len(tex_frames) == len(steps)
    updates = [k for k, s in enumerate(steps) if s["kind"] == "update"]
    assert len(updates) >= 2
    value = value_of(lecture)
    first = updates[0]
    for k, step in enumerate(steps):
        for e in step["diagram"]["edges"]:
            if e["param"] != "w2_1_1":
                continue
            if k == first:
                assert e["new"] and e["value"] == show(value("new_w2_1_1"), 5)
            elif k > first:
                assert e["base"] == "upedge" and e["value"] is None and not e["new"], k
        if k > first and step["kind"] != "update":
            assert not any(e["new"] or e["value"] for e in step["diagram"]["edges"]), k
            assert "wnew" not in tex_frames[k] and "newblue" not in tex_frames[k], k
    # nor does the box every later frame places hold a value
    tex = render_tex(lecture, "slides", "es")
    for base in re.findall(r"\\sbox\{\\netbase\}.*?\\end\{tikzpicture\}\}", tex, flags=re.S):
        assert "wnew" not in base and "wvalue" not in base and "bvalue" not in base


def test_an_exercise_does_not_show_new_values(lecture):
    for step in steps_with_drawings(lecture, "exercise"):
        assert not any(e["new"] for e in step["diagram"]["edges"])
    assert "0.45188" not in render_tex(lecture, "exercise", "es")


def test_styled_shows_given_values_only_when_asked(lecture):
    diagram = layout(lecture.model, value_of(lecture))
    plain = styled(diagram, value=value_of(lecture))
    assert not any(e["value"] for e in plain["edges"]) and not any(e["over"] for e in plain["edges"])


# ----------------------------------------------------------------------------- the slides' LaTeX

def test_every_frame_has_the_drawing_in_the_same_box(lecture):
    tex = render_tex(lecture, "slides", "es")
    drawn = [f for f in frames(tex) if r"\def\stepdrawing{" in f]
    assert len(drawn) == 88           # all but the title, the notation, the σ′ note and the end of the iteration
    bases = set(re.findall(r"\\sbox\{\\netbase\}\{\\begin\{tikzpicture\}\n\\useasboundingbox ([^;]*);", tex))
    boxes = {re.search(r"\\def\\stepdrawing\{%\n\\begin\{tikzpicture\}\n\\useasboundingbox ([^;]*);", f).group(1)
             for f in drawn}
    assert len(bases) == 1 and boxes == bases
    # no size of the frame's own: the text band takes what the drawing leaves
    assert "textheight}{" not in tex and "diagram_height" not in tex
    assert all(f.count(r"\stepframes{") == 1 and f.index(r"\def\stepdrawing{") < f.index(r"\stepframes{")
               for f in drawn)
    # every frame of a step, a continued one too, sets its text above the same drawing
    template = (ROOT / "templates" / "slides.tex.j2").read_text(encoding="utf-8")
    assert r"\steptext{#4}{\the\chunkbody}\netdrawing{\stepdrawing}" in template


def test_edge_labels_are_scriptsize_and_dark():
    common = (ROOT / "templates" / "_common.tex.j2").read_text(encoding="utf-8")
    style = re.search(r"wlabel/\.style=\{([^}]*)\}", common).group(1)
    assert r"font=\scriptsize" in style and "text=black" in style


def test_the_base_is_drawn_once_per_update(lecture):
    tex = render_tex(lecture, "slides", "es")
    updates = tex.count("%% step") and len(re.findall(r"%% step \d+: update", tex))
    assert tex.count(r"\sbox{\netbase}") == 1 + updates
    assert render_tex(lecture, "article", "es").count(r"\sbox{\netbase}") == 1


# ----------------------------------------------------------------------------- the PDF

def require_tex():
    if latex_available() and shutil.which("pdftotext"):
        return
    if os.environ.get("CI") or os.environ.get("SYMBACKPROP_REQUIRE_TEX"):
        pytest.fail("TeX (latexmk, pdflatex) or pdftotext is missing: CI must install them")
    pytest.skip("no TeX on this machine")


@pytest.fixture(scope="module")
def slides_pdf(lecture, tmp_path_factory):
    require_tex()
    pdf, log = build_pdf(render_tex(lecture, "slides", "es"), name="drawing")
    path = tmp_path_factory.mktemp("drawing") / "slides.pdf"
    path.write_bytes(pdf)
    words = subprocess.run(["pdftotext", "-bbox", str(path), "-"], capture_output=True, text=True,
                           check=True).stdout
    pages = []
    for page in words.split("<page ")[1:]:
        pages.append([(t, float(x0), float(y0), float(x1), float(y1)) for x0, y0, x1, y1, t in re.findall(
            r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>', page)])
    return pages, log


def input_labels(page):
    """The drawing's x1 and x2 labels: the two lowest 'x' words of the page at the left."""
    xs = sorted((w for w in page if w[0] == "x"), key=lambda w: w[2])
    return xs[-2:]


def test_the_drawing_has_one_place_and_size_on_every_frame(slides_pdf):
    pages, log = slides_pdf
    drawn = [n for n, page in enumerate(pages, start=1) if input_labels(page)]
    # every frame but the title, the notation, the σ′ note and the end of the iteration
    assert len(drawn) == len(pages) - 4 and {1, 2, len(pages)}.isdisjoint(drawn)
    places = {tuple(round(v, 2) for w in input_labels(pages[n - 1]) for v in w[1:3]) for n in drawn}
    assert len(places) == 1, places
    (x1, y1, x2, y2), = places
    # at its natural size: x1 and x2 are a row apart (1.8 cm = 51.0 pt) on every frame
    assert x1 == x2 and abs((y2 - y1) - ROWS[0] / 2.54 * 72) < 0.5
    assert "Overfull \\vbox" not in log


def test_edge_labels_print_at_scriptsize_at_least(slides_pdf):
    pages, _ = slides_pdf
    # an edge label's "w" (\scriptsize: 8 pt, its box 7.1 pt high); the lowest w of a frame
    # with a drawing is an edge label under the drawing's bottom row of neurons
    busy = [n for n, page in enumerate(pages, start=1) if input_labels(page)]
    for n in busy:
        ws = [w for w in pages[n - 1] if w[0] == "w"]
        lowest = max(ws, key=lambda w: w[2])
        assert lowest[4] - lowest[2] >= 7.0, (n, lowest)


def edge_name_labels(page):
    """{(layer, i, j): (x, y)} of the drawing's weight names: a 'w' word, its 'i,j' subscript
    right after it and its '[l]' superscript above the subscript (centres, in pt)."""
    top = input_labels(page)[0][2] - 40          # the drawing starts about a row above x1
    words = [w for w in page if w[2] > top]
    out = {}
    for w in words:
        if w[0] != "w":
            continue
        sub = [s for s in words if re.fullmatch(r"\d,\d", s[0]) and abs(s[1] - w[3]) < 1 and s[2] > w[2]]
        sup = [s for s in words if re.fullmatch(r"\[\d\]", s[0]) and sub and abs(s[1] - sub[0][1]) < 3
               and s[4] <= sub[0][2] + 1 and s[2] > w[2] - 8]
        if sub and sup:
            i, j = sub[0][0].split(",")
            out[(int(sup[0][0][1]), int(i), int(j))] = ((w[1] + sub[0][3]) / 2, (w[2] + w[4]) / 2)
    return out


def test_each_weight_value_is_nearest_its_own_name(slides_pdf, lecture):
    """Issue 14: where two edges cross, a value sat beside the other edge's name (frame 3 read
    'w[1]2,1 0.3'). On the network's frame the value nearest each name is its own."""
    pages, _ = slides_pdf
    page = pages[2]
    names = edge_name_labels(page)
    assert len(names) == 8, names
    top = input_labels(page)[0][2] - 40
    numbers = [w for w in page if w[2] > top and re.fullmatch(r"-?\d+\.\d+", w[0])]
    value = value_of(lecture)
    for (l, i, j), (x, y) in names.items():
        nearest = min(numbers, key=lambda n: ((n[1] + n[3]) / 2 - x) ** 2 + ((n[2] + n[4]) / 2 - y) ** 2)
        assert nearest[0] == show(value(ids.w(l, i, j)), 5), ((l, i, j), nearest[0])
        # right under its name
        assert nearest[2] > y and abs((nearest[1] + nearest[3]) / 2 - x) < 3, ((l, i, j), nearest)


def test_a_sentence_ending_with_a_colon_keeps_its_formula_in_its_column(lecture):
    """Issue 14: two columns put '…regla de la cadena:' at the foot of the left column and its
    formula at the top of the right one. The sentence and its equations are one box (which
    the columns cannot split), and the
    band is ragged right (no wide gaps, no broken words in a narrow column)."""
    tex = render_tex(lecture, "slides", "es")
    for frame in frames(tex):
        if r"\def\stepdrawing{" not in frame:
            continue
        for text in re.findall(r"\n([^\n\\][^\n]*:)\\par\n", frame):
            after = frame[frame.index(text):]
            if after.split("\n", 2)[1].startswith(r"\fiteq"):
                assert frame[:frame.index(text)].rstrip().endswith(r"\keepstart"), text
    assert r"\raggedright\hyphenpenalty=10000" in tex


def test_exercise_slides_do_not_show_the_new_value_they_ask_for(lecture):
    """Deck 003's exercise frames ask for nuevo_w with a "?": the drawing must not answer it."""
    tex = render_tex(lecture, "exercise-slides", "es")
    update = next(f for f in frames(tex) if r"\text{nuevo\_}w^{[2]}_{1,1} = \alt<2>" in f)
    assert "0.45188" not in update.replace(r"\alt<2>{0.45188}", "")
    assert "0.45188" in render_tex(lecture, "slides", "es")


def test_a_crowded_layer_still_names_the_highlighted_weight():
    """4-4-4-2 (benchmarks' deck): 16 edges between two layers leave no kept room for names;
    the highlighted edge is named at its middle (it crashed the template once)."""
    import random
    from symbackprop import spec_from_dict
    from symbackprop.api import solve_for_report
    rng = random.Random(4)
    sizes, layers = [4, 4, 4, 2], []
    for n_in, n_out in zip(sizes, sizes[1:]):
        layers.append({"units": n_out, "activation": "sigmoid", "bias": 0.1,
                       "weights": [[round(rng.uniform(-1, 1), 2) for _ in range(n_in)] for _ in range(n_out)]})
    spec = spec_from_dict({"inputs": [0.5, -0.3, 0.2, 0.9], "targets": [0.1, 0.9], "layers": layers,
                           "learning_rate": 0.5}, "4-4-4-2")
    tex = render_tex(solve_for_report(spec), "slides", "es", only=["w1_1_1"])
    assert r"\path (x1) -- node[wlabel, anchor=south] (elabel) {$w^{[1]}_{1,1}$} (n1_1);" in tex

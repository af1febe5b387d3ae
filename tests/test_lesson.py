"""The lesson plan: the lecture's steps as data (ids only), printed by the text and the LaTeX
printers from the same plan; one display name per id, notation and language."""
from __future__ import annotations

from dataclasses import fields, is_dataclass

import pytest

from symbackprop import lesson as L
from symbackprop import load_spec
from symbackprop.api import solve_for_report
from symbackprop.core.graph import build_graph, parse_at
from symbackprop.render.context import LatexLessonPrinter
from symbackprop.render.graph_context import GraphLatexPrinter, graph_context
from symbackprop.render.graph_text import GraphTextPrinter, graph_text
from symbackprop.render.names import display, paren
from symbackprop.render.text import TextLessonPrinter, walkthrough

from conftest import ROOT


@pytest.fixture(scope="module")
def lecture(lecture_spec):
    return solve_for_report(lecture_spec)


@pytest.fixture(scope="module")
def numbered():
    return solve_for_report(load_spec(ROOT / "examples" / "lecture_2_2_2_numbered.yaml"))


def names(plan) -> list[str]:
    return [type(s).__name__ for s in plan]


def test_the_plan_follows_decks_003_and_004(lecture):
    seq = names(L.lesson_plan(lecture))
    assert seq[:2] == ["Notation", "Network"]
    assert seq[2:6] == ["Forward"] * 4                  # one neuron at a time
    assert seq[6] == "Error"
    # w5 (w2_1_1): its question, three factors one by one (σ′ derived before its first use,
    # once in the whole plan), all together, the update
    assert seq[7:14] == ["Question", "Factor", "Rule", "Factor", "Factor", "Together", "Update"]
    assert seq.count("Rule") == 1 and L.Rule("sigmoid") in L.lesson_plan(lecture)
    # w6 (w2_1_2): the first two factors were already computed
    assert seq[14:20] == ["Question", "Reused", "Factor", "Factor", "Factor", "Together"]
    # w1 (w1_1_1): two five-factor chains (E1 and E2), then their sum, then the update
    plan = L.lesson_plan(lecture)
    start = next(n for n, s in enumerate(plan) if isinstance(s, L.Question) and s.param == "w1_1_1")
    end = next(n for n, s in enumerate(plan) if isinstance(s, L.Update) and s.param == "w1_1_1")
    block = plan[start:end + 1]
    assert names(block).count("Together") == 2
    assert names(block)[-2:] == ["SumOverOutputs", "Update"]
    assert block[-2].parts == ("dE1/dw1_1_1", "dE2/dw1_1_1")
    assert seq[-2:] == ["IterationTable", "Recap"]      # deck 004 closes with "Recuerda"


def test_the_plan_holds_ids_only(lecture):
    plan = L.lesson_plan(lecture)
    for step in plan:
        assert is_dataclass(step)
        for f in fields(step):
            value = getattr(step, f.name)
            flat = value if isinstance(value, tuple) else (value,)
            for v in flat:
                items = v if isinstance(v, tuple) else (v,)
                for x in items:
                    assert isinstance(x, (str, int, bool)), (step, f.name)
                    if isinstance(x, str):
                        assert "\\" not in x and "∂" not in x and " " not in x, (step, x)
    first = plan[7]
    assert first == L.Question("w2_1_1", "dE/dw2_1_1")
    assert plan[8] == L.Factor("w2_1_1", "dE1/dw2_1_1", "dE1/da2_1", 0, False)
    assert plan[13] == L.Update("w2_1_1", "dE/dw2_1_1", "new_w2_1_1")


def test_a_partial_with_several_paths_is_a_step_of_its_own(lecture):
    """The shared bias b[1] reaches each output by two paths: each path's product is named as
    a path, and each per-output sum ∂E_k/∂b[1] is its own step before the sum over outputs."""
    plan = L.lesson_plan(lecture)
    start = next(n for n, s in enumerate(plan) if isinstance(s, L.Question) and s.param == "b1")
    block = plan[start:]
    sums = [s for s in block if isinstance(s, L.PartialSum)]
    assert sums == [L.PartialSum("b1", "dE1/db1", ("dE1/db1#1", "dE1/db1#2")),
                    L.PartialSum("b1", "dE2/db1", ("dE2/db1#1", "dE2/db1#2"))]
    together = [s.path for s in block if isinstance(s, L.Together)]
    assert together == ["dE1/db1#1", "dE1/db1#2", "dE2/db1#1", "dE2/db1#2"]
    # the first per-output sum comes right after its second path's product
    order = names(block)
    assert block[order.index("PartialSum") - 1] == L.Together("b1", "dE1/db1#2")
    # no partial with one path gets a sum step
    assert not any(isinstance(s, L.PartialSum) and s.param != "b1" and len(s.paths) < 2 for s in plan)


def test_only_keeps_the_chosen_chains_and_the_whole_table(lecture):
    plan = L.lesson_plan(lecture, only=["w1_1_1"])
    assert [s.param for s in plan if isinstance(s, L.Question)] == ["w1_1_1"]
    assert len(plan[-2].params) == len(lecture.derivations[0].chains)


FRAME = {"Notation": "notation", "Network": "network", "Forward": "forward", "Error": "error",
         "Question": "question", "Reused": "reused", "Factor": "factor", "Together": "together",
         "PartialSum": "partial", "Rule": "rule", "SumOverOutputs": "sum", "Update": "update",
         "IterationTable": "iteration", "Recap": "recap"}


@pytest.mark.parametrize("style", ["slides", "exercise"])
def test_text_and_latex_print_the_same_plan_step_by_step(lecture, style):
    plan = L.lesson_plan(lecture)
    text = TextLessonPrinter(lecture, "en")
    latex = LatexLessonPrinter(lecture, style, "en")
    for step in plan:
        lines, frames = text.doprint(step), latex.doprint(step)
        kind = type(step).__name__
        # every frame is of the step's own kind: the LaTeX side adds no step and drops none
        assert [f["kind"] for f in frames] == [FRAME[kind]] * len(frames)
        if kind in ("Notation", "Network"):          # the terminal names quantities as it goes
            assert lines == [] and len(frames) == 1
        elif isinstance(step, L.Factor) and step.reused:   # the slides put it on the "reused" frame
            assert lines and "already computed" in lines[-1] and frames == []
        elif kind == "Reused":                       # the terminal marks each reused factor instead
            assert lines == [] and len(frames) == 1
        elif kind == "Update" and not lecture.derivations[0].chain(step.param).trainable:
            assert "not updated" in lines[-1] and frames == []     # a frozen bias: no frame
        else:
            assert lines and frames, step
    # printing the plan step by step is the whole walkthrough
    assert TextLessonPrinter(lecture, "en").print_walkthrough(plan) == walkthrough(lecture, "en")


def test_a_printer_refuses_a_step_it_does_not_know(lecture):
    class Strange:
        pass
    with pytest.raises(NotImplementedError, match="Strange"):
        TextLessonPrinter(lecture).doprint(Strange())


@pytest.mark.parametrize("qid,layered,numbered_name", [
    ("w2_1_1", r"w^{[2]}_{1,1}", r"w_{5}"),
    ("w1_2_2", r"w^{[1]}_{2,2}", r"w_{4}"),
    ("a2_1", r"a^{[2]}_{1}", r"\hat{y}_{1}"),
    ("z1_2", r"z^{[1]}_{2}", r"\text{sum}_{n_{2}}"),
    ("E", "E", r"E_{\text{total}}"),
    ("dE1/dw2_1_1", r"\frac{\partial E_{1}}{\partial w^{[2]}_{1,1}}", r"\frac{\partial E_{1}}{\partial w_{5}}"),
    ("dE/dz2_1", r"\delta^{[2]}_{1}", r"\delta_{\hat{y}_{1}}"),
])
def test_display_in_latex_for_both_notations(lecture, numbered, qid, layered, numbered_name):
    assert display(lecture.model.notation, qid, "latex", "es") == layered
    assert display(numbered.model.notation, qid, "latex", "en") == numbered_name


@pytest.mark.parametrize("qid,language,layered,numbered_name", [
    ("w2_1_1", "es", "w[2]_1,1", "w5"),
    ("dE2/da2_2", "en", "∂E2/∂a[2]_2", "∂E2/∂ŷ2"),
    ("dE/dz1_1", "en", "δ[1]_1", "δ_n1"),
    ("new_w2_1_1", "es", "nuevo_w[2]_1,1", "nuevo_w5"),
    ("new_w2_1_1", "en", "new_w[2]_1,1", "new_w5"),
])
def test_display_in_text_for_both_notations_and_languages(lecture, numbered, qid, language, layered,
                                                           numbered_name):
    assert display(lecture.model.notation, qid, "text", language) == layered
    assert display(numbered.model.notation, qid, "text", language) == numbered_name


def test_new_value_in_latex_in_both_languages(lecture, numbered):
    assert display(lecture.model.notation, "new_w2_1_1", "latex", "es") == r"\text{nuevo}\_w^{[2]}_{1,1}"
    assert display(numbered.model.notation, "new_w2_1_1", "latex", "en") == r"\text{new}\_w_{5}"


def test_paren_wraps_only_a_negative():
    assert paren("-0.01046") == "(-0.01046)"
    assert paren("0.03495") == "0.03495"
    assert paren("-0.5", "latex") == r"\left(-0.5\right)"


# ----------------------------------------------------------------------------- the defect
# "the slides name one path's product ∂E2/∂b[1] = −0.00555 on one frame and use
# ∂E2/∂b[1] = −0.01046 (the sum of two paths) on the next": one path of several is its own
# quantity, and is never named like the partial it adds up to.

def test_a_path_of_several_has_its_own_id(lecture):
    c = lecture.derivations[0].chain("b1")
    pids = [L.path_id(c, p) for p in c.paths]
    assert pids == ["dE1/db1#1", "dE1/db1#2", "dE2/db1#1", "dE2/db1#2"]
    assert [p.id for p in c.partials] == ["dE1/db1", "dE2/db1"]
    # a path alone from its error term is the partial itself
    w = lecture.derivations[0].chain("w1_1_1")
    assert [L.path_id(w, p) for p in w.paths] == ["dE1/dw1_1_1", "dE2/dw1_1_1"]


def test_the_text_never_names_one_path_like_the_partial(lecture):
    text = walkthrough(lecture, "en")
    assert "\n  ∂E2/∂b[1] = ∂E2/∂a[2]_2" not in text
    assert "  path 2 of ∂E2/∂b[1] = ∂E2/∂a[2]_2 · " in text
    assert "∂E/∂b[1] = ∂E1/∂b[1] + ∂E2/∂b[1] = 0.03495 + (-0.01046) = 0.02448" in text
    assert "camino 2 de ∂E2/∂b[1] = " in walkthrough(lecture, "es")


@pytest.mark.parametrize("style", ["slides", "article", "answers"])
def test_the_tex_never_names_one_path_like_the_partial(lecture, style):
    from symbackprop.render.report import render_tex
    tex = render_tex(lecture, style, "es")
    partial = r"\frac{\partial E_{2}}{\partial b^{[1]}}"
    value = r"\answer{-0.00555}" if style == "answers" else "-0.00555"
    assert f"{{{partial} = {value}}}" not in tex
    # the path's name at the text's size, not as a 6 pt subscript (review r4)
    assert rf"{partial}\;\text{{(camino 2)}} = {value}" in tex
    assert r"\Big|_" not in tex
    # the sum names the partials, which are the sums of their paths
    assert rf"\frac{{\partial E}}{{\partial b^{{[1]}}}} = \frac{{\partial E_{{1}}}}{{\partial b^{{[1]}}}} + {partial}" in tex


def test_every_together_frame_is_named_by_its_own_path(lecture):
    plan = L.lesson_plan(lecture)
    printer = LatexLessonPrinter(lecture, "slides", "en")
    notation = lecture.model.notation
    for step in plan:
        frames = printer.doprint(step)
        if not isinstance(step, L.Together):
            continue
        lhs = {b["math"].split(" = ")[0] for b in frames[0]["blocks"]}
        assert lhs == {display(notation, step.path, "latex", "en")}


def test_delta_form_paths_are_named_apart(lecture_spec):
    from symbackprop.api import solve
    solution = solve(lecture_spec, paths="none")
    c = solution.derivations[0].chain("b1")
    pids = [L.path_id(c, p) for p in c.paths]
    assert pids == ["dE/db1#1", "dE/db1#2"]
    plan = L.lesson_plan(solution)
    assert [s for s in plan if isinstance(s, L.SumOverOutputs) and s.param == "b1"][0].parts == tuple(pids)
    assert "path 1 of ∂E/∂b[1] = δ[1]_1 · ∂z[1]_1/∂b[1]" in walkthrough(solution, "en")


# ----------------------------------------------------------------------------- graph mode
# The computational graphs of decks 000/002 have their plan too, printed by the terminal
# walkthrough and by the slides from the same steps.

def graph(expression: str, at: str, **kw):
    return build_graph(expression, parse_at(at), **kw)


def test_the_graph_plan_of_the_lecture_example():
    g = graph("(x+y)*z", "x=-2,y=5,z=-4")
    assert L.graph_plan(g) == (
        L.GraphPoint(("x", "y", "z")),
        L.GraphForward("q"), L.GraphForward("f"),                 # forward: q, then f
        L.GraphSeed("f"),
        L.GraphBackward("f", ("q", "z"), "mul"),                  # backward: f, then q
        L.GraphBackward("q", ("x", "y"), "add"),
        L.GraphGradients(("x", "y", "z")),
    )
    assert g.gradients == {"x": -4, "y": -4, "z": 3}
    text = graph_text(g, "en")
    assert "  ∂f/∂x = -4\n  ∂f/∂y = -4\n  ∂f/∂z = 3\n" in text


def test_the_graph_plan_holds_ids_only():
    g = graph("max(x,y)*relu(z) + x*x", "x=1,y=1,z=0", decompose_sigmoid=True)
    for step in L.graph_plan(g):
        for f in fields(step):
            value = getattr(step, f.name)
            for x in value if isinstance(value, tuple) else (value,):
                assert x is None or isinstance(x, str), (step, f.name)
                assert x is None or ("\\" not in x and "∂" not in x and " " not in x), (step, x)


def test_the_point_keeps_the_order_it_was_given_in():
    g = graph("(x+y)*z", "z=-4,x=-2,y=5")
    plan = L.graph_plan(g)
    assert plan[0] == L.GraphPoint(("z", "x", "y"))
    assert plan[-1] == L.GraphGradients(("x", "y", "z"))      # the variables in order of appearance


def test_branches_add_up_where_the_last_share_arrives():
    g = graph("x*x + x", "x=2")                              # ∂f/∂x = 2x + 1 = 5
    plan = L.graph_plan(g)
    assert [type(s).__name__ for s in plan] == [
        "GraphPoint", "GraphForward", "GraphForward", "GraphSeed",
        "GraphBackward", "GraphBackward", "GraphBranches", "GraphGradients"]
    assert plan[5] == L.GraphBackward("q", ("x", "x"), "mul")   # x's first user, reached last
    assert plan[6] == L.GraphBranches("x")
    assert g.gradients == {"x": 5}
    assert GraphTextPrinter(g, "en").doprint(plan[6]) == [
        "    ∂f/∂x = 2 + 2 + 1 = 5   [branches: the gradients add up]"]
    result = graph_context(g, "slides", "en")["steps"][-1]
    assert result["kind"] == "result" and any("$x$" in b.get("text", "") for b in result["blocks"])


@pytest.mark.parametrize("expression, at, kind", [
    ("relu(x)*y", "x=0,y=3", "kink"),
    ("max(x,y)*z", "x=1,y=1,z=2", "tie"),
])
def test_a_non_differentiable_point_has_its_convention_step(expression, at, kind):
    g = graph(expression, at)
    plan = L.graph_plan(g)
    assert plan[-1] == L.GraphConvention("q", kind)
    assert isinstance(plan[-2], L.GraphGradients)
    lines = GraphTextPrinter(g, "en").doprint(plan[-1])
    assert lines[0] == "" and lines[1].startswith("  * ")
    result = graph_context(g, "slides", "en")["steps"][-1]
    assert result["blocks"][-1] == {"text": lines[1][4:]}


@pytest.mark.parametrize("expression, at, decompose", [
    ("(x+y)*z", "x=-2,y=5,z=-4", False),
    ("x*x + x", "x=2", False),
    ("sigmoid(w0*x0+w1*x1+w2)", "w0=2,x0=-1,w1=-3,x1=-2,w2=-3", True),
    ("max(x,y)*relu(z) + abs(z)", "x=1,y=1,z=0", False),
])
@pytest.mark.parametrize("style", ["slides", "article"])
def test_graph_text_and_latex_print_the_same_plan_step_by_step(expression, at, decompose, style):
    g = graph(expression, at, decompose_sigmoid=decompose)
    plan = L.graph_plan(g)
    text = GraphTextPrinter(g, "en")
    latex = GraphLatexPrinter(g, style, "en")
    frames: list = []
    for step in plan:
        kind = type(step).__name__
        lines = text.doprint(step)
        before = len(frames[-1]["blocks"]) if frames else 0
        new = latex.doprint(step)
        assert lines, step                                    # the terminal shows every step
        if kind in ("GraphPoint", "GraphBackward", "GraphGradients"):
            # a frame of the step's own kind, and nothing else
            want = {"GraphPoint": "forward", "GraphBackward": "backward", "GraphGradients": "result"}[kind]
            assert [f["kind"] for f in new] == [want]
            frames += new
        else:
            assert new == []
            grown = len(frames[-1]["blocks"]) - before
            if kind in ("GraphForward", "GraphConvention"):   # continues the frame before it
                assert grown == 1
            elif kind == "GraphBranches" and style == "article":
                assert grown == 2     # the handout sums them where the last share arrives
            else:                     # the seed is drawn from now on; the branches, in the result
                assert grown == 0
    assert all(f["diagram"]["output"]["grad"] == ("1" if f["kind"] != "forward" else "") for f in frames)
    # printing the plan step by step is the whole output
    assert GraphTextPrinter(g, "en").print_walkthrough(plan) == graph_text(g, "en")
    assert frames == graph_context(g, style, "en")["steps"]


def test_a_graph_printer_refuses_a_step_it_does_not_know():
    g = graph("x*y", "x=1,y=2")
    with pytest.raises(NotImplementedError, match="Question"):
        GraphTextPrinter(g).doprint(L.Question("w", "dE/dw"))
    with pytest.raises(NotImplementedError, match="Question"):
        GraphLatexPrinter(g, "slides", "en").doprint(L.Question("w", "dE/dw"))


def test_a_factor_that_uses_an_updated_weight_says_it_takes_the_old_value(lecture):
    """The hidden weights' chains use w[2] at its value before the update shown a few frames
    earlier (0.5, not 0.45188): the plan marks those factors, the text and the slides say
    "(valor anterior)", and the first such frame says why (review r4)."""
    from symbackprop.render.report import render_tex
    plan = L.lesson_plan(lecture)
    marked = [(s.factor, s.old_values) for s in plan if isinstance(s, L.Factor) and s.old_values]
    # every weight of the output layer is used, once per hidden chain that crosses it
    assert ("dz2_1/da1_1", ("w2_1_1",)) in marked and ("dz2_2/da1_2", ("w2_2_2",)) in marked
    first_update = next(n for n, s in enumerate(plan) if isinstance(s, L.Update))
    assert all(not getattr(s, "old_values", ()) for s in plan[:first_update])
    # the old value is the one printed: w[2]_1,1 = 0.5 after nuevo_w[2]_1,1 = 0.45188
    text = walkthrough(lecture, "es")
    assert "∂z[2]_1/∂a[1]_1 = w[2]_1,1 = 0.5   (valor anterior)" in text
    tex = render_tex(lecture, "slides", "es")
    assert r"w^{[2]}_{1,1} = 0.5\quad\text{(valor anterior)}" in tex
    assert tex.count("Usamos el valor anterior de") == 1
    assert "We use the old value of" in render_tex(lecture, "slides", "en")
    # in a reused frame's list (a narrow column) the short mark: the whole one broke its line (r5)
    reused = [f for f in tex.split("%% step ") if f.split("\n")[0].endswith(": reused") and "anterior" in f]
    assert reused and all(r"\text{(anterior)}" in f and "(valor anterior)" not in f for f in reused)

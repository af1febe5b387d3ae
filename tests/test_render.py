"""Reports: the .tex follows the lectures' order, is deterministic and safe; exercise and
answers line up; the LaTeX build reports errors clearly."""
from __future__ import annotations

import os
import re
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from conftest import LECTURE

from symbackprop import spec_from_dict
from symbackprop.api import solve_for_report
from symbackprop.errors import LatexBuildError
from symbackprop.render.latex import build_pdf, latex_available
from symbackprop.render.report import render_tex


def kinds(tex: str) -> list[str]:
    return re.findall(r"^%% step \d+: (\w+)$", tex, flags=re.M)


@pytest.fixture(scope="module")
def lecture(lecture_spec):
    return solve_for_report(lecture_spec)


@pytest.mark.parametrize("language, note", [("es", "Nota: la regla de la cadena para la exponencial"),
                                             ("en", "Note: the chain rule for the exponential")])
def test_the_sigmoid_rule_frame_notes_the_chain_rule_of_the_exponential(lecture, language, note):
    """Deck 003 writes 'Nota: D_x e^u = e^u D_x u' beside σ′: the step from
    d/dx (1 + e^(-x)) to -e^(-x) is said, not skipped."""
    tex = render_tex(lecture, "slides", language)
    frame = tex.split("%% step 10: rule")[1].split("%% step 11")[0]
    assert note in frame
    assert r"\frac{d}{d x} e^{u} = e^{u} \cdot \frac{d}{d x} u" in frame
    assert r"\frac{d}{d x} \left(1 + e^{- x}\right) = e^{- x} \cdot \frac{d}{d x} \left(- x\right) = - e^{- x}" in frame


def test_slides_follow_the_lecture_order(lecture):
    seq = kinds(render_tex(lecture, "slides", "es"))
    assert seq[:2] == ["notation", "network"]
    assert seq[2:6] == ["forward"] * 4                 # one frame per neuron: a1_1, a1_2, a2_1, a2_2
    assert seq[6] == "error"
    # w5 (w2_1_1): question, its three factors one by one — σ′ derived once (deck 003's note)
    # before the first — all together, the update (deck 004)
    assert seq[7:14] == ["question", "factor", "rule", "factor", "factor", "together", "update"]
    assert seq.count("rule") == 1
    # w6 (w2_1_2): the first two factors were already computed
    assert seq[14:19] == ["question", "reused", "factor", "together", "update"]
    # the first hidden weight: two five-factor chains, then their sum, then the update
    first_hidden = seq.index("question", seq.index("question", 7 + 6 * 4 + 1) + 1)
    block = seq[first_hidden:seq.index("update", first_hidden) + 1]
    assert block.count("together") == 2 and block[-2:] == ["sum", "update"]
    assert seq[-2:] == ["iteration", "recap"]           # deck 004 closes with "Recuerda"
    assert "Esto se repite hasta que la pérdida converge a un mínimo." in render_tex(lecture, "slides", "es")


GOLDEN = Path(__file__).resolve().parent / "golden" / "out" / "lecture_2_2_2"
STYLES = ("slides", "article", "exercise", "answers")


@pytest.mark.parametrize("hash_seed", ["0", "4242"])
def test_tex_is_the_golden_file_in_a_fresh_process(tmp_path, hash_seed):
    """Each process renders the four styles of the lecture with its own string hashing (set
    iteration order differs between the two seeds); both must give the frozen .tex byte for
    byte."""
    import symbackprop
    script = ("import sys\nfrom symbackprop.cli import main\n"
              "for style in sys.argv[3:]:\n"
              "    assert main(['solve', sys.argv[1], '--format', 'tex', '--style', style, '--lang', 'es',\n"
              "                 '-o', sys.argv[2] + '/' + style]) == 0\n")
    env = {**os.environ, "PYTHONHASHSEED": hash_seed,
           "PYTHONPATH": str(Path(symbackprop.__file__).resolve().parent.parent)}
    result = subprocess.run([sys.executable, "-c", script, str(LECTURE), str(tmp_path), *STYLES],
                            cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    for style in STYLES:
        name = f"lecture_2_2_2-{style}-es.tex"
        want = (GOLDEN / f"tex-{style}" / "files" / name).read_bytes()
        assert (tmp_path / style / name).read_bytes() == want, f"{style} differs from the golden file"


def test_numbers_and_names_in_the_slides(lecture):
    tex = render_tex(lecture, "slides", "es")
    assert r"\text{nuevo}\_w^{[2]}_{1,1} = \text{nuevo}\_w^{[2]}_{1,1}" not in tex
    assert r"\text{nuevo}\_w^{[2]}_{1,1} = 0.45188" in tex
    assert r"z^{[1]}_{1} = 0.1 \cdot 0.1 + 0.3 \cdot 0.5 + 0.25 = 0.41" in tex
    assert r"\boxed{\frac{\partial a^{[2]}_{1}}{\partial z^{[2]}_{1}}}" in tex
    assert r"\frac{d}{dx}\sigma\left(x\right) = \sigma\left(x\right) \cdot \left(1 - \sigma\left(x\right)\right)" in tex
    # derived once on its own frame (boxed, deck 003's note), just before its first use
    assert tex.count(r"\boxed{\frac{d}{dx}\sigma\left(x\right) = \sigma\left(x\right) \cdot") == 1
    assert tex.count(r"\frac{d}{dx}\sigma\left(x\right)") == 1
    assert r"\frac{1}{\left(1 + e^{- x}\right)^{2}} \cdot e^{- x} = \frac{e^{- x}}{\left(1 + e^{- x}\right)^{2}}" in tex
    # the forward pass writes σ out with its number (deck 003: 1/(1 + e^{−0.41}) = 0.60108)
    assert r"= \frac{1}{1 + e^{- 0.41}} = 0.60109" in tex
    # the error in general before its numbers
    assert r"E = \frac{1}{2} \sum_{k=1}^{K} \left(y_{k} - \hat{y}_{k}\right)^{2}" in tex
    # the update takes η·∂E/∂w away: 0.5 − 0.04812 (deck 003)
    assert r"\text{nuevo}\_w^{[2]}_{1,1} = 0.5 - 0.04812" in tex
    # a factor frame names the product it belongs to
    assert r"\frac{\partial E_{1}}{\partial w^{[2]}_{1,1}} = \boxed{" in tex
    # only E1 depends on an output weight: ∂E/∂w = ∂E1/∂w is said
    assert r"\frac{\partial E}{\partial w^{[2]}_{1,1}} = \frac{\partial E_{1}}{\partial w^{[2]}_{1,1}}}" in tex
    # the shared bias: each per-output sum of its two paths is a step of its own
    assert (r"\frac{\partial E_{1}}{\partial b^{[1]}} = 0.01600 + 0.01895}" in tex
            and r"\frac{\partial E_{2}}{\partial b^{[1]}} = \left(-0.00492\right) + \left(-0.00555\right)}" in tex)
    # a hidden weight: the route through E1 and the one through E2 are observed
    assert r"E_{1} \to a^{[2]}_{1} \to z^{[2]}_{1} \to a^{[1]}_{1} \to z^{[1]}_{1} \to w^{[1]}_{1,1}" in tex
    assert r"E_{2} \to a^{[2]}_{2} \to z^{[2]}_{2} \to a^{[1]}_{1} \to z^{[1]}_{1} \to w^{[1]}_{1,1}" in tex
    en = render_tex(lecture, "slides", "en")
    assert "Forward pass" in en and r"\text{new}\_w^{[2]}_{1,1} = 0.45188" in en


def test_exercise_has_blanks_and_the_key_has_the_answers(lecture):
    exercise = render_tex(lecture, "exercise", "es")
    answers = render_tex(lecture, "answers", "es")
    assert exercise.count(r"\blank") > 40
    assert "0.60109" not in exercise and "0.45188" not in exercise
    assert "0.1 \\cdot 0.1" in exercise                          # given values stay
    assert r"\answer{0.60109}" in answers and r"\answer{0.45188}" in answers
    # every blank of the sheet is an answer in the key, in the same places
    body = exercise[exercise.index("%% step"):]
    key = answers[answers.index("%% step"):]
    # \fitatwork gives its box twice: beside the added numbers, and in the sheet's line
    assert body.count(r"\blank") == key.count(r"\answer{") - key.count(r"\fitatwork{")
    assert kinds(exercise) == kinds(answers)


def test_numbered_notation_and_hand_rounding(lecture_spec):
    spec = replace(lecture_spec, notation="numbered", labels=(("w1_1_2", "w_3"), ("w1_2_1", "w_2")))
    tex = render_tex(solve_for_report(spec, rounding="hand"), "slides", "es")
    assert r"\text{sum}_{n_{1}} = w_{1}\,x_{1} + w_3\,x_{2} + B_{1}" in tex
    assert r"\text{nuevo}\_w_{5} = 0.5 - 0.6 \cdot 0.0802" in tex
    assert "Redondeo a mano" in tex


def test_user_text_is_escaped():
    spec = spec_from_dict({"title": r"50% & \input{/etc/passwd} \write18{rm} #1 $x$ ~",
                           "inputs": [1], "targets": [0], "layers": [{"units": 1, "weights": [[0.5]]}]})
    tex = render_tex(solve_for_report(spec), "article", "en")
    assert r"\input{/etc" not in tex and r"\write18" not in tex
    assert r"50\% \& \textbackslash{}input\{/etc/passwd\}" in tex


def test_deep_networks_switch_to_the_delta_form():
    layers = [{"units": 3, "weights": {"init": "uniform", "range": [-1, 1], "seed": 1, "decimals": 2}}
              for _ in range(4)]
    spec = spec_from_dict({"inputs": [0.1, 0.2, 0.3], "targets": [0.1, 0.2, 0.3], "layers": layers})
    tex = render_tex(solve_for_report(spec), "slides", "en")
    assert "delta" in tex and r"\delta^{[2]}_{1}" in tex


def test_build_errors_quote_the_latex_error():
    if not latex_available():
        pytest.skip("no TeX here (CI fails in test_pdf.py instead)")
    with pytest.raises(LatexBuildError) as info:
        build_pdf("\\documentclass{article}\\begin{document}\\undefinedmacro\\end{document}\n")
    assert "Undefined control sequence" in str(info.value)
    assert info.value.log_lines


def test_graph_slides_have_a_frame_per_backward_step():
    from symbackprop.core.graph import build_graph
    from symbackprop.render.report import render_graph_tex
    g = build_graph("(x+y)*z", {"x": -2, "y": 5, "z": -4})
    tex = render_graph_tex(g, "slides", "en")
    assert kinds(tex) == ["forward", "backward", "backward", "result"]     # f, then q
    # upstream × local (issue 14: not the programmer's ∂f/∂q += (−4)·1)
    assert (r"\frac{\partial f}{\partial x} = \frac{\partial f}{\partial q} \cdot \frac{\partial q}{\partial x}"
            r" = (-4) \cdot 1 = -4") in tex
    assert "node[fwd] {$3$} node[bwd] {$-4$} (f)" in tex                    # value above, gradient below
    article = render_graph_tex(g, "article", "es")
    assert r"\begin{tabular}" in article and "$-12$" in article


def test_unicode_in_titles_is_typeset_or_replaced():
    from symbackprop.render.latex import tex_escape
    assert tex_escape("y = σ(Wx + b)") == r"y = $\sigma$(Wx + b)"
    assert tex_escape("Año 中") == "Año ?"
    assert tex_escape("a\x07b") == "a?b"


@pytest.mark.parametrize("style", ["slides", "article", "answers"])
def test_no_value_is_written_twice_in_a_row(lecture, style):
    """Issue 14: frames 84 and 86 wrote ∂z[1]_1/∂b[1] = 1 = 1. A constant factor is its value."""
    tex = render_tex(lecture, style, "es")
    twice = re.findall(r"= (-?[0-9][0-9.]*) = \1(?![0-9.])", tex)
    assert twice == []
    assert r"\frac{\partial z^{[1]}_{1}}{\partial b^{[1]}} = 1" in tex


def test_a_fixed_bias_says_so_where_its_gradient_is_derived():
    """Review (issue 14): b[1]'s and b[2]'s walk-throughs took ~24 frames, and only the last
    frame said the biases are not updated. Their question frames say it (update_biases: false)."""
    from symbackprop import load_spec
    from symbackprop.api import solve_for_report
    from conftest import LECTURE
    tex = render_tex(solve_for_report(load_spec(LECTURE)), "slides", "es")
    questions = [s for s in tex.split("%% step ")[1:] if s.split("\n", 1)[0].endswith(": question")]
    noted = ["contribuye $b^{[" in s for s in questions if "los sesgos no se actualizan; su gradiente" in s]
    assert noted == [True, True] and len(questions) == 10


def test_a_constant_factor_is_not_bracketed_like_a_layer_superscript(lecture):
    """'· [1]' read like the superscript of layer 1 (review r5): ∂z/∂b = 1 is written bare in
    the product of formulas, the other factors keep their brackets."""
    tex = render_tex(lecture, "slides", "es")
    assert r"\left[1\right]" not in tex
    assert (r"\frac{\partial E_{1}}{\partial b^{[2]}} = \left[a^{[2]}_{1} - y_{1}\right] \cdot "
            r"\left[a^{[2]}_{1} \cdot \left(1 - a^{[2]}_{1}\right)\right] \cdot 1}") in tex


def test_minus_a_negative_step_is_also_written_as_a_plus(lecture):
    """The lecture writes 0.7 + 0.01056 where the formula gives 0.7 − (−0.01056) (review r5):
    the slides, the handout and the text add that line; the sheet, which hides the sign, does not."""
    from symbackprop.render.text import walkthrough
    for style in ("slides", "article"):
        tex = render_tex(lecture, style, "es")
        after = tex.split(r"\text{nuevo}\_w^{[2]}_{2,1} = 0.7 - \left(-0.01056\right)}")[1]
        assert after.split(r"\fiteq{", 1)[1].startswith(r"\text{nuevo}\_w^{[2]}_{2,1} = 0.7 + 0.01056}")
        assert "0.5 + " not in tex.split("nuevo")[1][:300]          # a positive step: no such line
    assert "0.7 + 0.01056" not in render_tex(lecture, "exercise", "es")
    assert "= 0.7 - (-0.01056) = 0.7 + 0.01056 = 0.71056" in walkthrough(lecture, "es")


def test_the_chain_rule_sentence_stays_on_the_frame_of_the_routes_it_refers_to():
    """Review r5: "A esto se le conoce como la regla de la cadena:" opened a "(cont.)" frame while
    "esto" (the routes) was on the frame before. The sentence's chunk joins the routes' chunk.
    Review r5 also found "(cont.)" frames holding only "Hay 2 caminos…; se suman:" and its sum:
    a parameter that reaches several error terms (b[2], every hidden weight, b[1]) opens, as deck
    004 does, with the sum over the terms, then the routes, then the chain rule with a sentence
    that stands alone (it may open the next frame)."""
    from symbackprop import load_spec
    from symbackprop.api import solve_for_report
    from symbackprop.render.report import render_tex
    from conftest import LECTURE
    for lang, observe, tied, alone, paths in (
            ("es", "Observemos:", "A esto se le conoce", "Por la regla de la cadena, cada camino", "; sus contribuciones se suman:"),
            ("en", "Observe:", "This is the chain rule", "By the chain rule, each route", "; their contributions add up:")):
        tex = render_tex(solve_for_report(load_spec(LECTURE)), "slides", lang)
        chunks = re.split(r"\\defchunk\{\d+\}", tex)
        with_it = [c for c in chunks if tied in c]
        # the four output weights: one error term each, deck 003's wording
        assert len(with_it) == 4
        assert all(c.index(observe) < c.index(tied) for c in with_it)
        assert not any(paths in c for c in with_it)
        # b[2], the four hidden weights and b[1]: the sum first, then the routes, then the rule
        starts = [m.start() for m in re.finditer(re.escape(paths), tex)]
        assert len(starts) == 6
        for s0 in starts:
            rest = tex[s0:]
            assert rest.index(observe) < rest.index(alone)
        assert sum(alone in c for c in chunks) == 6

def test_the_error_frame_says_which_output_is_yhat_in_a_sentence_of_its_own():
    """Review r5: in the exercise slides' narrow column "ŷ_k = a^{[2]}_k", set inside the general
    formula after a comma, broke as "ŷ_k" / "= a^{[2]}_k". It is a sentence of its own now."""
    from symbackprop import load_spec
    from symbackprop.api import solve_for_report
    from symbackprop.render.report import render_tex
    from conftest import LECTURE, ROOT
    NUMBERED = ROOT / "examples" / "lecture_2_2_2_numbered.yaml"
    for spec, lang, style, sentence in (
            (LECTURE, "es", "exercise-slides", r"donde $\hat{y}_{k} = a^{[2]}_{k}$."),
            (LECTURE, "en", "slides", r"where $\hat{y}_{k} = a^{[2]}_{k}$."),
            (NUMBERED, "es", "article", r"donde $y_{k} = \text{target}_{k}$.")):
        tex = render_tex(solve_for_report(load_spec(spec)), style, lang)
        assert tex.count(sentence) == 1, (spec, style)
        general = tex[tex.index(r"\sum_{k=1}"):]
        general = general[:general.index(sentence)]
        assert r"\qquad" not in general and "= a^{[2]}_{k}" not in general


def test_the_numbered_names_table_is_headed_in_words():
    """Review r5: the numbered deck's table of names was headed "z, a, a = g(z)", names the
    numbered notation does not use (sum_n1, out_n1); it is headed in the lecture's words."""
    from symbackprop import load_spec
    from symbackprop.api import solve_for_report
    from symbackprop.render.report import render_tex
    from conftest import ROOT
    solution = solve_for_report(load_spec(ROOT / "examples" / "lecture_2_2_2_numbered.yaml"))
    for lang, head in (("es", "Suma ponderada & Activación & Cómo se calcula"),
                       ("en", "Weighted sum & Activation & How it is computed")):
        tex = render_tex(solution, "slides", lang)
        assert head in tex and "a = g(z)" not in tex

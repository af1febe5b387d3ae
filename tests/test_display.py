"""Rich display in a notebook (issue 16): the strings Jupyter is handed, in the lecture's
notation and numbers, from the report's printers (never SymPy's default names)."""
import re

import pytest

from symbackprop import build_graph, check, load_spec, show, solve

LECTURE = "examples/lecture_2_2_2.yaml"
NUMBERED = "examples/lecture_2_2_2_numbered.yaml"
SYMPY_DEFAULT = re.compile(r"\b[azwb]_\{\d+ \d+\}|a2_1|w2_1_1|dE/d")     # a_{2 1}, raw ids


@pytest.fixture(scope="module")
def lecture():
    return solve(load_spec(LECTURE))


@pytest.fixture(scope="module")
def numbered():
    return solve(load_spec(NUMBERED))


def _equations(md: str) -> list[str]:
    return re.findall(r"\$\$\n(.*?)\n\$\$", md, re.S)


def test_solution_shows_E_and_the_table(lecture):
    md = lecture._repr_markdown_()
    assert "E = E_{1} + E_{2} = 0.23456 + 0.01453 = 0.24909" in md
    # deck 004's first update, and the hidden layer's, in the table of the iteration
    assert r"| $w^{[2]}_{1,1}$ | $0.5$ | $0.08020$ | $0.45188$ |" in md
    assert r"| $w^{[1]}_{1,1}$ | $0.1$ | $0.00111$ | $0.09934$ |" in md
    assert "Los sesgos no se actualizan" in md
    assert not SYMPY_DEFAULT.search(md)
    assert r"\[ E = E_{1} + E_{2} = 0.23456 + 0.01453 = 0.24909 \]" in lecture._repr_latex_()
    assert repr(lecture) == "<Solution of examples/lecture_2_2_2.yaml: 1 step, E = 0.24909, 10 parameters>"


def test_chain_is_the_lectures_frames(lecture, numbered):
    md = lecture.chain("w^{[2]}_{1,1}")._repr_markdown_()
    eqs = _equations(md)
    assert r"\frac{\partial E_{1}}{\partial a^{[2]}_{1}} = a^{[2]}_{1} - y_{1} = 0.73493 - 0.05 = 0.68493" in eqs
    assert any(e.endswith("= 0.60109") for e in eqs)
    assert r"\text{nuevo}\_w^{[2]}_{1,1} = 0.45188" in eqs
    assert "**¿Cuánto contribuye $w^{[2]}_{1,1} = 0.5$ en $E$?**" in md
    assert not SYMPY_DEFAULT.search(md)
    # only this parameter's frames: no forward pass, no other parameter's update
    assert "w^{[2]}_{1,2} = 0.55073" not in md and "Propagación hacia adelante" not in md
    # deck 004's names, in English when asked
    en = show(numbered.chain("w5"), language="en").markdown
    assert r"\text{new}\_w_{5} = 0.45188" in _equations(en)
    assert "where $\\eta$ is the learning rate." in en


def test_chain_of_a_later_step():
    spec = load_spec(LECTURE)
    from dataclasses import replace
    s = solve(replace(spec, steps=2))
    md = s.chain("w2_1_1", step=2)._repr_markdown_()
    assert "= 0.45188" in md          # step 2 starts where step 1 ended
    assert not SYMPY_DEFAULT.search(md)


def test_factor(lecture):
    d = lecture.derivations[0]
    f = d.factor("da1_1/dz1_1")
    md = f._repr_markdown_()
    assert (r"\frac{\partial a^{[1]}_{1}}{\partial z^{[1]}_{1}} = \sigma\left(z^{[1]}_{1}\right) \cdot "
            r"\left(1 - \sigma\left(z^{[1]}_{1}\right)\right) = a^{[1]}_{1} \cdot \left(1 - a^{[1]}_{1}\right) = "
            r"0.60109 \cdot \left(1 - 0.60109\right) = 0.23978") in _equations(md)
    assert "a_{1 1}" not in md and not SYMPY_DEFAULT.search(md)
    # the δ of the layered view, used by no path of a paths-form chain: its definition and value
    delta = d.deltas["z2_1"]
    assert "0.13343" in delta._repr_markdown_()


def test_graph_table():
    g = build_graph("(x+y)*z", {"x": -2, "y": 5, "z": -4})
    md = g._repr_markdown_()
    assert "| $q$ | $q = x + y$ | $3$ | $-4$ |" in md
    assert "| $f$ | $f = q \\cdot z$ | $-12$ | $1$ |" in md
    assert r"\frac{\partial f}{\partial z} = 3" in md
    assert "| node | operation |" in show(g, language="en").markdown


def test_check_report_in_colour(numbered):
    s = solve(load_spec(NUMBERED), rounding="hand")
    report = check(s, {"n1": "0.60109", "nuevo_w5": "0.45188", "dE/dw5": "-0.0802"})
    html = report._repr_html_()
    assert html.count("class='verdict-correct'") == 2 and html.count("class='verdict-wrong'") == 1
    assert "background:#f8d4d4" in html and "background:#d8f0d8" in html
    assert "<td style='padding:2px 8px'>nuevo_w5</td>" in html
    assert "error de signo" in html
    assert "| ✗ | ∂E_total/∂w5 | -0.0802 | 0.08020 | incorrecto |" in report._repr_markdown_()
    assert "<script" not in html


def test_show_refuses_other_objects():
    with pytest.raises(TypeError, match="show: expected a Solution"):
        show(42)

"""The two notations and labels, checked against the names the decks use."""
from dataclasses import replace

from symbackprop import solve, spec_from_dict
from symbackprop.render.printers import NetworkLatexPrinter
from symbackprop.render.text import walkthrough


def numbered(spec, labels=()):
    return replace(spec, notation="numbered", labels=tuple(labels))


def test_layered_names(lecture_spec):
    n = solve(lecture_spec).model.notation
    assert n.latex("w2_1_2") == "w^{[2]}_{1,2}"
    assert n.latex("a1_2") == "a^{[1]}_{2}"
    assert n.latex("z2_1@3") == "z^{[2](3)}_{1}"
    assert n.latex("b1") == "b^{[1]}"
    assert n.delta_latex("z2_1") == r"\delta^{[2]}_{1}"
    assert n.text("w2_1_2") == "w[2]_1,2"


def test_numbered_names_follow_deck_004(lecture_spec):
    n = solve(numbered(lecture_spec)).model.notation
    # Output weights w5..w8 row by row, as deck 004: sum_ŷ1 = n1·w5 + n2·w6 + B2.
    assert [n.latex(f"w2_{i}_{j}") for i in (1, 2) for j in (1, 2)] == ["w_{5}", "w_{6}", "w_{7}", "w_{8}"]
    assert n.latex("a1_1") == "n_{1}" and n.latex("z1_2") == r"\text{sum}_{n_{2}}"
    assert n.latex("a2_1") == r"\hat{y}_{1}" and n.latex("z2_1") == r"\text{sum}_{\hat{y}_{1}}"
    assert n.latex("b2") == "B_{2}" and n.latex("E") == r"E_{\text{total}}"
    assert n.text("z2_1") == "sum_ŷ1" and n.text("w2_1_1") == "w5" and n.text("E") == "E_total"


def test_default_numbering_is_deck_004s(lecture_spec):
    """Without labels, numbered notation numbers as deck 004's figure (issue 14): the first layer
    input by input — sum_n1 = x1·w1 + x2·w3 + B1 — the output layer neuron by neuron; the chains
    are derived, and the network listed, in the order of those numbers: w1, w2, w3, w4."""
    solution = solve(numbered(lecture_spec))
    n = solution.model.notation
    assert [n.text(w) for w in ("w1_1_1", "w1_2_1", "w1_1_2", "w1_2_2")] == ["w1", "w2", "w3", "w4"]
    # deck 004's values: w1..w8 = 0.1..0.8
    params = solution.model.parameters()
    by_name = {n.text(p): params[p] for p in params}
    assert [str(by_name[f"w{k}"]) for k in range(1, 9)] == [f"0.{k}" for k in range(1, 9)]
    order = [n.text(p) for p in solution.model.walk_order]
    assert order == ["w5", "w6", "w7", "w8", "B2", "w1", "w2", "w3", "w4", "B1"]
    text = walkthrough(solution)
    assert "sum_n1 = w1·x1 + w3·x2 + B1" in text
    assert "nuevo_w5 = w5 - η·∂E_total/∂w5 = 0.5 - 0.6·0.08020" in text
    assert text.index("contribuye w2 = 0.2") < text.index("contribuye w3 = 0.3")


def test_labels_name_other_conventions(lecture_spec):
    # Mazur's own figure numbers the first layer neuron by neuron: w2 = x2→h1.
    spec = numbered(lecture_spec, [("w1_1_2", "w_2"), ("w1_2_1", "w_3")])
    n = solve(spec).model.notation
    assert n.latex("w1_1_2") == "w_2" and n.text("w1_2_1") == "w3"


def test_printer_uses_the_notation(lecture_spec):
    solution = solve(numbered(lecture_spec))
    d = solution.derivations[0]
    p = NetworkLatexPrinter(solution.model.notation)
    assert p.doprint(d.factors["da2_1/dz2_1"].named) == r"\hat{y}_{1} \cdot \left(1 - \hat{y}_{1}\right)"
    assert p.doprint(d.factors["dE1/da2_1"].named) == r"\hat{y}_{1} - \text{target}_{1}"


def test_batch_ids_carry_the_example():
    spec = spec_from_dict({"inputs": [[0.1, 0.5], [0.2, 0.1]], "targets": [[0.05], [0.9]],
                           "layers": [{"units": 1, "weights": [[0.3, 0.4]], "bias": 0.1}]})
    d = solve(spec).derivations[0]
    assert {"z1_1@1", "z1_1@2", "E1@1", "E1@2"} <= set(d.values)
    c = d.chain("w1_1_1")
    assert [p.term for p in c.paths] == ["E1@1", "E1@2"]
    assert c.paths[1].factors == ("dE1@2/da1_1@2", "da1_1@2/dz1_1@2", "dz1_1@2/dw1_1_1")

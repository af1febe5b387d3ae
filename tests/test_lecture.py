"""The 2-2-2 example of decks 003/004, number by number.

Reference numbers are computed here independently with math.exp (the lecture's formulas),
or copied from the slides where the slides are right at the digits compared.
"""
import math
from decimal import Decimal

import pytest

from symbackprop import solve
from symbackprop.core.exact import exact, round_to


def sig(x):
    return 1 / (1 + math.exp(-x))


# The lecture's forward pass, by hand.
Z11 = 0.1 * 0.1 + 0.3 * 0.5 + 0.25
Z12 = 0.2 * 0.1 + 0.4 * 0.5 + 0.25
A11, A12 = sig(Z11), sig(Z12)
Z21 = 0.5 * A11 + 0.6 * A12 + 0.35
Z22 = 0.7 * A11 + 0.8 * A12 + 0.35
A21, A22 = sig(Z21), sig(Z22)
E1, E2 = 0.5 * (0.05 - A21) ** 2, 0.5 * (0.95 - A22) ** 2


@pytest.fixture(scope="module")
def derivation(lecture_spec):
    return solve(lecture_spec).derivations[0]


def r5(value: Decimal) -> str:
    return f"{round_to(value, 5):.5f}"


def test_forward_pass_matches_the_lecture(derivation):
    v = derivation.values
    assert v["z1_1"] == Decimal("0.41")          # exact, as on the slide
    assert v["z1_2"] == Decimal("0.47")
    assert float(v["a1_1"]) == pytest.approx(A11, abs=1e-15)
    assert str(v["a1_1"]).startswith("0.60108")
    assert str(v["a2_1"]).startswith("0.73492")
    assert float(v["z2_1"]) == pytest.approx(Z21, abs=1e-15)
    assert r5(v["z2_1"]) == "1.01977"             # deck 004: sum_ŷ1 = 1.01977
    assert float(v["a2_2"]) == pytest.approx(A22, abs=1e-15)


def test_error_matches_the_lecture(derivation):
    v = derivation.values
    assert r5(v["E1"]) == "0.23456"               # deck 004: E_1 = 0.23456
    assert float(v["E2"]) == pytest.approx(E2, abs=1e-15)
    assert str(v["E"]).startswith("0.24908")      # deck 004: E_total = 0.24908
    with exact():
        assert abs(v["E"] - v["E1"] - v["E2"]) < Decimal("1e-45")


@pytest.mark.parametrize("param, new", [
    ("w2_1_1", "0.45188"), ("w2_1_2", "0.55073"), ("w2_2_1", "0.71056"), ("w1_1_1", "0.09934"),
])
def test_updates_match_the_lecture(derivation, param, new):
    assert r5(derivation.updated[param]) == new


def test_update_of_w8_is_exact_not_the_slides_slip(derivation):
    # Deck 004 writes nuevo_w8 = 0.81081 from its own dE/dw8 = -0.01802, built on the slip
    # dE2/dŷ2 = -0.17044 (0.77955 - 0.95 is -0.17045). The exact value is 0.8108151607...,
    # the slide's digits truncated, and 0.81082 when rounded.
    new = derivation.updated["w2_2_2"]
    g = (A22 - 0.95) * A22 * (1 - A22) * A12
    assert float(new) == pytest.approx(0.8 - 0.6 * g, abs=1e-15)
    assert str(new).startswith("0.81081")
    assert r5(new) == "0.81082"


def test_output_weight_gradient_factors(derivation):
    chain = derivation.chain("w2_1_1")
    assert chain.form == "paths" and chain.path_count == 1
    (path,) = chain.paths
    assert path.factors == ("dE1/da2_1", "da2_1/dz2_1", "dz2_1/dw2_1_1")
    f = derivation.factors
    assert float(f["dE1/da2_1"].value) == pytest.approx(A21 - 0.05, abs=1e-15)       # 0.68492
    assert float(f["da2_1/dz2_1"].value) == pytest.approx(A21 * (1 - A21), abs=1e-15)  # 0.19480
    assert float(f["dz2_1/dw2_1_1"].value) == pytest.approx(A11, abs=1e-15)          # 0.60108
    expected = (A21 - 0.05) * A21 * (1 - A21) * A11
    assert float(chain.gradient) == pytest.approx(expected, abs=1e-15)
    assert r5(chain.gradient) == "0.08020"        # deck 004: 0.0802


def test_hidden_weight_has_two_five_factor_paths_that_sum(derivation):
    chain = derivation.chain("w1_1_1")
    assert [len(p.factors) for p in chain.paths] == [5, 5]
    assert [p.term for p in chain.paths] == ["E1", "E2"]
    e1 = (A21 - 0.05) * A21 * (1 - A21) * 0.5 * A11 * (1 - A11) * 0.1
    e2 = (A22 - 0.95) * A22 * (1 - A22) * 0.7 * A11 * (1 - A11) * 0.1
    p1, p2 = chain.partials
    assert p1.id == "dE1/dw1_1_1" and p2.id == "dE2/dw1_1_1"
    assert float(p1.value) == pytest.approx(e1, abs=1e-16)     # deck 004: 0.00159
    assert float(p2.value) == pytest.approx(e2, abs=1e-16)     # deck 004: -0.00049
    with exact():
        assert abs(chain.gradient - (p1.value + p2.value)) < Decimal("1e-45")


def test_reused_factors_are_marked_as_in_deck_004(derivation):
    # w6 (w2_1_2): "Los dos primeros componentes ya se calcularon previamente".
    assert derivation.chain("w2_1_2").paths[0].reused == (True, True, False)
    # w1 through E1: the first two factors come from the output weights.
    assert derivation.chain("w1_1_1").paths[0].reused[:2] == (True, True)
    assert derivation.chain("w2_1_1").paths[0].reused == (False, False, False)


def test_frozen_biases_keep_their_value(derivation):
    assert derivation.updated["b1"] == Decimal("0.25")
    assert derivation.gradients["b1"] != 0


def test_hand_rounding_reproduces_a_calculator(lecture_spec):
    d = solve(lecture_spec, rounding="hand").derivations[0]
    assert d.hand_values["a1_1"] == Decimal("0.60109")
    # 0.68493 · 0.19481 · 0.60109 = 0.080202... -> 0.08020, then 0.5 - 0.6·0.0802
    c = d.chain("w2_1_1")
    assert d.factors["dE1/da2_1"].hand == Decimal("0.68493")
    assert c.hand_gradient == Decimal("0.08020")
    assert c.hand_new == Decimal("0.45188")
    # The hidden weight: the per-output partials are rounded before they are added.
    c1 = d.chain("w1_1_1")
    assert [p.hand for p in c1.partials] == [Decimal("0.00160"), Decimal("-0.00049")]
    assert c1.hand_gradient == Decimal("0.00111")
    assert c1.hand_new == Decimal("0.09933")     # 0.1 - 0.6·0.00111 = 0.099334
    assert c1.new != c1.hand_new                  # both results are kept


def test_steps_repeat_gradient_descent(lecture_spec):
    from dataclasses import replace
    solution = solve(replace(lecture_spec, steps=3))
    errors = [d.E for d in solution.derivations]
    assert errors[0] > errors[1] > errors[2]
    # Step 2 starts from step 1's updated weights.
    assert solution.derivations[1].values["w2_1_1"] == solution.derivations[0].updated["w2_1_1"]


def test_json_document_lists_every_quantity(lecture_spec):
    from symbackprop.render.document import solution_document
    doc = solution_document(solve(lecture_spec, rounding="hand"))
    v = doc["values"]
    for qid in ("x1", "y2", "w1_2_1", "b2", "z2_2", "a1_2", "E1", "E",
                "dE/dz1_1", "dE/da1_1", "da1_1/dz1_1", "dE2/dw1_1_1", "dE/dw1_1_1", "new_w1_1_1"):
        assert qid in v, qid
    assert v["dE/dz2_1"] == doc["deltas"]["z2_1"]["value"]
    assert doc["hand"]["updated"]["w2_1_1"] == Decimal("0.45188")
    assert doc["chain_details"]["w2_1_2"]["reused"] == [[True, True, False]]


def test_the_walkthrough_writes_the_lectures_steps(lecture_spec):
    """The terminal walkthrough has the steps deck 003 writes (issue 14): σ written out with its
    number, the error in general first, ∂E/∂w = ∂E1/∂w said for an output weight, each
    per-output sum of the shared bias's paths, and the update's η·g taken away."""
    from symbackprop import solve
    from symbackprop.render.text import walkthrough
    text = walkthrough(solve(lecture_spec), "en")
    assert "a[1]_1 = σ(z[1]_1) = 1/(1 + exp(-z[1]_1)) = 1/(1 + exp(-0.41)) = 0.60109" in text
    assert "  E = 1/2·Σ_k (y_k - ŷ_k)^2\n  E1 = " in text
    assert "Only E1 depends on w[2]_1,1: ∂E/∂w[2]_1,1 = ∂E1/∂w[2]_1,1" in text
    assert ("  ∂E1/∂b[1] = path 1 of ∂E1/∂b[1] + path 2 of ∂E1/∂b[1]\n"
            "            = 0.01600 + 0.01895 = 0.03495") in text
    assert "            = (-0.00492) + (-0.00555) = -0.01046" in text
    assert "= 0.5 - 0.6·0.08020 = 0.5 - 0.04812 = 0.45188" in text
    assert text.count("d/dx σ(x) = σ(x)·(1 - σ(x))") == 1


def test_a_sum_of_rounded_values_says_so_where_they_do_not_add_up(lecture_spec):
    """Issue 14: the slides read −0.00492 + (−0.00555) = −0.01046 (right to the exact values,
    not to the shown ones: they add to −0.01047). Such a sum, and only such, carries a note."""
    from decimal import Decimal
    from symbackprop.render.printers import shown_result_differs
    assert shown_result_differs([Decimal("-0.004924"), Decimal("-0.005554")], Decimal("-0.010478"), 5)
    assert not shown_result_differs([Decimal("0.23456"), Decimal("0.01453")], Decimal("0.24909"), 5)
    # a product: 0.33333 · 3 = 0.99999, shown 1 exactly
    assert shown_result_differs([Decimal(1) / 3, Decimal(3)], Decimal(1), 5, product=True)
    from symbackprop.render.text import walkthrough
    lines = walkthrough(solve(lecture_spec), "es").splitlines()
    notes = [n for n, line in enumerate(lines) if "se muestran redondeados" in line]
    assert [lines[n - 1].strip() for n in notes] == [
        "= (-0.00492) + (-0.00555) = -0.01046",
        "∂E/∂b[1] = ∂E1/∂b[1] + ∂E2/∂b[1] = 0.03495 + (-0.01046) = 0.02448"]
    from symbackprop.api import solve_for_report
    from symbackprop.render.report import render_tex
    tex = render_tex(solve_for_report(lecture_spec), "slides", "es")
    # the two sums, and two updates: 0.6·(−0.01761) is −0.01057 by hand, the slide's −0.01056
    # (from −0.0176065…); 0.6·0.00111 is 0.00067 by hand, the slide's 0.00066 (0.0011…·0.6)
    noted = [step.split("\n", 1)[0] for step in tex.split("%% step ")[1:]
             if "Los valores se muestran redondeados" in step]
    assert [n.split(": ")[1] for n in noted] == ["update", "update", "partial", "sum"]
    updates = [step for step in tex.split("%% step ")[1:] if "Los valores se muestran redondeados" in step
               and ": update" in step.split("\n", 1)[0]]
    assert r"0.6 \cdot \left(-0.01761\right)" in updates[0] and r"0.7 - \left(-0.01056\right)" in updates[0]
    assert r"0.1 - 0.00066" in updates[1]

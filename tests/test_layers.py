"""The modular (deck 001) and vectorized (deck 000) view: an independent matrix computation
that must give the network mode's gradients, on the lecture example and random networks."""
from decimal import Decimal

import pytest

from symbackprop import solve
from symbackprop.core.exact import exact
from symbackprop.derive.layers import layer_view

from test_selfcheck import random_spec


def close(a: Decimal, b: Decimal) -> bool:
    with exact():
        return abs(a - b) <= Decimal("1e-40") * (1 + abs(b))


def test_lecture_modules(lecture_spec):
    view = layer_view(lecture_spec)
    kinds = [(m.kind, m.layer) for m in view.modules]
    assert kinds == [("linear", 1), ("activation", 1), ("linear", 2), ("activation", 2), ("loss", 2)]
    d = solve(lecture_spec).derivations[0]
    assert close(view.E, d.E)
    out = view.modules[2]
    # ∂E/∂W2 = δ2 a1ᵀ: row i, column j is δ2_i · a1_j
    with exact():
        for i in (1, 2):
            for j in (1, 2):
                assert close(out.grads["W"][i - 1][j - 1], d.deltas[f"z2_{i}"].value * d.values[f"a1_{j}"])
    # ∂E/∂a1 = W2ᵀ δ2, and the activation's Jacobian is diagonal: σ'(z) = a(1 - a)
    assert close(out.dx[0][0], d.adjoints["a1_1"])
    act = view.modules[1]
    with exact():
        assert act.jacobian[0][1] == 0 and close(act.jacobian[0][0], d.values["a1_1"] * (1 - d.values["a1_1"]))
    assert out.shape == (2, 2)
    # one step of gradient descent with η = 0.6; the lecture keeps its biases (update_biases: false)
    assert view.learning_rate == Decimal("0.6") and not view.update_biases
    assert "b" not in out.new and view.updated()["b2"] == Decimal("0.35")
    assert close(view.updated()["w2_1_1"], d.updated["w2_1_1"])


@pytest.mark.parametrize("seed", range(300, 330))
def test_modules_give_the_network_gradients(seed):
    spec = random_spec(seed, max_layers=3, max_units=3)
    view = layer_view(spec)
    d = solve(spec, paths="none").derivations[0]
    assert close(view.E, d.E)
    grads = view.gradients()
    assert set(grads) == set(d.gradients)
    for p, g in d.gradients.items():
        assert close(grads[p], g), (seed, p)
    # the update W - η ∂E/∂W of the last frames: the network mode's new values (fixed biases kept)
    updated = view.updated()
    assert set(updated) == set(d.updated)
    for p, v in d.updated.items():
        assert close(updated[p], v), (seed, p)


def test_layers_text_and_tex(lecture_spec):
    from symbackprop.render.layers_text import layers_text
    from symbackprop.render.report import render_layers_tex
    view = layer_view(lecture_spec)
    text = layers_text(view, "en", 5)
    # deck 001's order: dE/dW2, dE/dB2, then dE/dW1, dE/dB1
    assert text.index("∂E/∂W[2]") < text.index("∂E/∂b[2]") < text.index("∂E/∂W[1]") < text.index("∂E/∂b[1]")
    assert "[[0.08020, 0.08211], [-0.01761, -0.01803]]" in text      # the output weights' gradients
    assert "diag[0.19481, 0.17185]" in text                           # σ'(z) on the diagonal
    tex = render_layers_tex(view, "slides", "es", 5, "Red")
    assert r"\begin{pmatrix}0.08020 & 0.08211 \\ -0.01761 & -0.01803\end{pmatrix}" in tex
    assert r"W^{[2]} \in \mathbb{R}^{2\times2}" in tex


def test_vectorized_example_3_inputs_2_outputs():
    import math
    from conftest import ROOT
    from symbackprop import load_spec
    spec = load_spec(ROOT / "examples" / "vector_3_2.yaml")
    view = layer_view(spec)
    lin = view.modules[0]
    assert lin.shape == (2, 3) and lin.jacobian == lin.params["W"]           # ∂z/∂x = W
    z = [0.2 * 1 - 0.5 * -2 + 0.1 * 0.5, 1.5 * 1 + 1.3 * -2 + 2.1 * 0.5 + 0.3]
    a = [1 / (1 + math.exp(-v)) for v in z]
    delta = [(a[0] - 1) * a[0] * (1 - a[0]), (a[1] - 0) * a[1] * (1 - a[1])]
    x = [1.0, -2.0, 0.5]
    for i in range(2):
        for j in range(3):                                                   # ∂E/∂W = δ xᵀ
            assert float(lin.grads["W"][i][j]) == pytest.approx(delta[i] * x[j], abs=1e-15)
    wt_delta = [sum(float(lin.params["W"][i][j]) * delta[i] for i in range(2)) for j in range(3)]
    assert [float(v) for v in lin.dx[0]] == pytest.approx(wt_delta, abs=1e-15)  # ∂E/∂x = Wᵀ δ
    d = solve(spec).derivations[0]
    for p, g in view.gradients().items():
        assert close(g, d.gradients[p])

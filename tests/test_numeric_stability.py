"""Every loss of the numeric path stays finite where the exact derivation is finite.

Softmax + binary cross-entropy is the hard one: ŷ_top rounds to 1 in float64 at a logit gap
of 37, and log(1 − ŷ) became −inf. The in-memory Network and the exported module are compared
with ``solve`` (the exact derivation) and with an mpmath computation written here, the
textbook chain rule at 60 digits, with 1 − ŷ_k summed from the other outputs (no cancellation).
"""
from __future__ import annotations

import importlib.util
import warnings

import mpmath
import numpy as np
import pytest

from symbackprop import solve, spec_from_dict
from symbackprop.numeric.codegen import Network, export_source

from test_numeric import require_torch

GAPS = (40, 200, 800)
INPUTS = [[1.0, -0.5], [-1.0, 0.5]]
TARGETS = [[0, 1, 0], [0.25, 0.75, 0]]


def softmax_bce(gap, batch=False):
    """Logits (gap, 0, 1.5) for the first input, the top output wrong: E ≈ 2·gap."""
    return spec_from_dict({
        "inputs": INPUTS if batch else INPUTS[0], "targets": TARGETS if batch else TARGETS[0],
        "layers": [{"units": 3, "activation": "softmax", "weights": [[gap, 0], [0.25, 0.5], [1.0, 0.0]],
                    "bias": [0, 0, 0.5]}],
        "loss": "binary_cross_entropy", "reduction": "mean" if batch else "sum"}, "stability.yaml")


def batch_of(spec):
    return (np.array([[float(v) for v in row] for row in spec.inputs]),
            np.array([[float(v) for v in row] for row in spec.targets]))


def exported(tmp_path, spec, name, backend="numpy"):
    path = tmp_path / f"{name}.py"
    path.write_text(export_source(spec, backend=backend))
    module_spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(module_spec)
    module_spec.loader.exec_module(module)
    return module


def as_ids(grads):
    """{"w1_2_1": ∂E/∂w, "b1_2": ∂E/∂b, ...} from the arrays, as the derivation names them."""
    out = {}
    for key, g in grads.items():
        g = np.asarray(g)
        if key.startswith("W"):
            for (i, j), v in np.ndenumerate(g):
                out[f"w{key[1:]}_{i + 1}_{j + 1}"] = float(v)
        elif g.ndim == 0:
            out[f"b{key[1:]}"] = float(g)
        else:
            out.update({f"b{key[1:]}_{i + 1}": float(v) for i, v in enumerate(g)})
    return out


def mpmath_softmax_bce(spec):
    """E and every ∂E/∂param, by the textbook chain rule at 60 digits:
    E = −Σ_k [y_k ln ŷ_k + (1 − y_k) ln(1 − ŷ_k)],  ∂E/∂z_j = Σ_k ∂E/∂ŷ_k · ŷ_k(δ_kj − ŷ_j)."""
    layer = spec.layers[0]
    with mpmath.workdps(60):
        W = [[mpmath.mpf(str(w)) for w in row] for row in layer.weights]
        b = [mpmath.mpf(str(v)) for v in layer.bias]
        K = len(W)
        scale = mpmath.mpf(1) / len(spec.inputs) if spec.reduction == "mean" else mpmath.mpf(1)
        E = mpmath.mpf(0)
        grads = {}
        for xs, ys in zip(spec.inputs, spec.targets):
            x = [mpmath.mpf(str(v)) for v in xs]
            y = [mpmath.mpf(str(v)) for v in ys]
            z = [mpmath.fsum(W[k][i] * x[i] for i in range(len(x))) + b[k] for k in range(K)]
            total = mpmath.fsum(mpmath.exp(v) for v in z)
            p = [mpmath.exp(v) / total for v in z]
            # 1 − ŷ_k as the sum of the other outputs: never 1 minus a number next to 1
            q = [mpmath.fsum(mpmath.exp(z[j]) for j in range(K) if j != k) / total for k in range(K)]
            E += scale * -mpmath.fsum(y[k] * mpmath.log(p[k]) + (1 - y[k]) * mpmath.log(q[k]) for k in range(K))
            dE_dp = [-y[k] / p[k] + (1 - y[k]) / q[k] for k in range(K)]
            for j in range(K):
                delta = scale * mpmath.fsum(dE_dp[k] * p[k] * (q[j] if k == j else -p[j]) for k in range(K))
                for i in range(len(x)):
                    grads[f"w1_{j + 1}_{i + 1}"] = grads.get(f"w1_{j + 1}_{i + 1}", 0) + delta * x[i]
                grads[f"b1_{j + 1}"] = grads.get(f"b1_{j + 1}", 0) + delta
        return E, grads


def assert_equal(E, grads, want_E, want_grads, rel=1e-9):
    assert np.isfinite(E) and E == pytest.approx(float(want_E), rel=rel)
    got = as_ids(grads)
    assert set(got) == set(want_grads)
    for key, value in want_grads.items():
        assert np.isfinite(got[key]) and got[key] == pytest.approx(float(value), rel=rel), key


@pytest.mark.parametrize("batch", [False, True], ids=["one", "batch"])
@pytest.mark.parametrize("gap", GAPS)
def test_softmax_binary_cross_entropy_is_exact_at_large_logit_gaps(tmp_path, gap, batch):
    spec = softmax_bce(gap, batch)
    exact = solve(spec).derivations[0]
    E_mp, grads_mp = mpmath_softmax_bce(spec)
    with mpmath.workdps(60):      # the independent computation agrees with the derivation (30+ digits)
        assert abs(E_mp - mpmath.mpf(str(exact.values["E"]))) <= mpmath.mpf(10) ** -30 * abs(E_mp)
        for key, value in grads_mp.items():
            assert abs(value - mpmath.mpf(str(exact.gradients[key]))) <= mpmath.mpf(10) ** -30 * (abs(value) + 1), key
    X, Y = batch_of(spec)
    net = Network(spec)
    module = exported(tmp_path, spec, f"softmax_bce_{gap}_{int(batch)}")
    with warnings.catch_warnings():
        warnings.simplefilter("error")            # no overflow, no log(0), no 0·inf on the way
        for E, grads in (net.loss_and_gradients(net.initial_params(), X, Y),
                         module.loss_and_gradients(module.initial_params(), X, Y)):
            assert_equal(E, grads, exact.values["E"], exact.gradients)
            assert_equal(E, grads, E_mp, grads_mp)


def one_output_layer(activation, loss, gap):
    """One example whose output is confidently wrong by a logit gap: E is about the gap."""
    if activation == "sigmoid":
        return spec_from_dict({"inputs": [1.0, -0.5], "targets": [0, 1],
                               "layers": [{"units": 2, "activation": "sigmoid",
                                           "weights": [[gap, 0], [-gap, 0.5]], "bias": [0, 0.25]}],
                               "loss": loss}, "stability.yaml")
    return spec_from_dict({"inputs": [1.0, -0.5], "targets": [0, 0.75, 0.25],
                           "layers": [{"units": 3, "activation": "softmax",
                                       "weights": [[gap, 0], [0.25, 0.5], [1.0, 0.0]], "bias": [0, 0, 0.5]}],
                           "loss": loss}, "stability.yaml")


@pytest.mark.parametrize("gap", GAPS)
@pytest.mark.parametrize("activation,loss", [("sigmoid", "binary_cross_entropy"), ("sigmoid", "cross_entropy"),
                                             ("softmax", "cross_entropy"), ("softmax", "binary_cross_entropy")])
def test_every_cross_entropy_pair_stays_finite_and_exact(activation, loss, gap):
    spec = one_output_layer(activation, loss, gap)
    exact = solve(spec).derivations[0]
    net = Network(spec)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        E, grads = net.loss_and_gradients(net.initial_params(), *batch_of(spec))
    assert_equal(E, grads, exact.values["E"], exact.gradients)


@pytest.mark.parametrize("gap", GAPS)
def test_torch_backend_runs_the_stable_softmax_binary_cross_entropy(tmp_path, gap):
    require_torch()
    spec = softmax_bce(gap, batch=True)
    exact = solve(spec).derivations[0]
    module = exported(tmp_path, spec, f"torch_softmax_bce_{gap}", backend="torch")
    E, grads = module.loss_and_gradients(module.initial_params(), *batch_of(spec))
    assert_equal(E, {k: g.numpy() for k, g in grads.items()}, exact.values["E"], exact.gradients)


@pytest.mark.parametrize("logits", [[0.0, 0.0, -800.0], [3.0, 3.0, 3.0], [800.0, 800.0, 0.0], [0.0, 1.0, 2.0]])
def test_softmax_binary_cross_entropy_without_a_clear_top_output(logits):
    """Ties and no output above ¾: every log(1 − ŷ) the safe way, the same numbers as exact."""
    spec = spec_from_dict({"inputs": [1.0], "targets": [0.25, 0.75, 0],
                           "layers": [{"units": 3, "activation": "softmax", "weights": [[v] for v in logits]}],
                           "loss": "binary_cross_entropy"}, "stability.yaml")
    exact = solve(spec).derivations[0]
    net = Network(spec)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        E, grads = net.loss_and_gradients(net.initial_params(), *batch_of(spec))
    assert_equal(E, grads, exact.values["E"], exact.gradients)

"""Numbers at the edges: saturated sigmoids, softmax of large logits, log(0) in cross-entropy,
tiny learning rates, thousands of steps. Exact values are compared with mpmath at 1200
digits (an independent computation); numeric training runs with every NumPy warning an
error; a value that is genuinely out of reach is refused in words, never printed as NaN."""
from __future__ import annotations

import json
import warnings

import mpmath
import numpy as np
import pytest

from conftest import ROOT
from symbackprop.api import as_json, as_text
from symbackprop.cli import main
from symbackprop.derive.derivation import solve
from symbackprop.errors import SymbackpropError
from symbackprop.core.exact import exact
from symbackprop.numeric.codegen import Network
from symbackprop.spec.reading import load_spec, spec_from_dict
from symbackprop.numeric.train import Dataset, TrainConfig, dataset, train

# Every test that computes with mpmath sets its own precision (mpmath.workdps), never the
# global mp.dps: the other test modules then cannot change what these compare against.
DIGITS = 1200


def one_neuron(w, x, y, activation="sigmoid", loss="binary_cross_entropy", **extra):
    return spec_from_dict({"inputs": [x], "targets": y if isinstance(y, list) else [y],
                           "layers": [{"units": len(w), "activation": activation, "weights": w}],
                           "loss": loss, "learning_rate": 0.5, **extra}, "edge.yaml")


def close(decimal_value, mp_value, digits=25):
    return abs(mpmath.mpf(str(decimal_value)) - mp_value) <= abs(mp_value) * mpmath.mpf(10) ** -digits + \
        mpmath.mpf(10) ** -(digits + 20)


@pytest.mark.parametrize("z", [40, 200, 1000])
def test_saturated_sigmoid_with_cross_entropy_is_finite_and_exact(z):
    """σ(1000) is 1 to 434 digits, so ln(1 − ŷ) needs them: E = ln(1 + e^z) ≈ z, ∂E/∂w = σ(z)·x."""
    d = solve(one_neuron([[z]], 1, 0)).derivations[0]
    with mpmath.workdps(DIGITS):
        E = mpmath.log(1 + mpmath.exp(z))
        assert close(d.values["E"], E)
        assert close(d.gradients["w1_1_1"], 1 / (1 + mpmath.exp(-z)))
    document = as_json(solve(one_neuron([[z]], 1, 0)))
    assert "NaN" not in document and "Infinity" not in document
    assert "nan" not in as_text(solve(one_neuron([[z]], 1, 0)), "en").lower()


def test_beyond_reach_is_refused_in_words(capsys, tmp_path):
    with pytest.raises(SymbackpropError, match=r"E1 has no finite value: .*saturated activation"):
        solve(one_neuron([[3000]], 1, 0))
    spec = tmp_path / "saturated.yaml"
    spec.write_text("inputs: [1]\ntargets: [0]\nlayers: [{units: 1, activation: sigmoid, weights: [[3000]]}]\n"
                    "loss: binary_cross_entropy\n")
    assert main(["solve", str(spec), "--format", "json"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "saturated.yaml: E1 has no finite value" in err


def test_softmax_of_large_logits():
    """Logits 1000, 0, −1000 with the target on the last: E = −ln softmax₃ ≈ 2000."""
    spec = one_neuron([[1000], [0], [-1000]], 1, [0, 0, 1], activation="softmax", loss="cross_entropy")
    d = solve(spec).derivations[0]
    with mpmath.workdps(DIGITS):
        logits = [mpmath.mpf(1000), mpmath.mpf(0), mpmath.mpf(-1000)]
        log_sum = mpmath.log(sum(mpmath.exp(v) for v in logits))
        assert close(d.values["E"], log_sum - logits[2])
        p = [mpmath.exp(v - log_sum) for v in logits]
        # ∂E/∂w_k = (p_k − y_k)·x
        assert close(d.gradients["w1_1_1"], p[0]) and close(d.gradients["w1_3_1"], p[2] - 1)


def test_tiny_learning_rate_is_exact():
    spec = one_neuron([[0.5]], 1, 0.2, loss="half_sse", learning_rate=1e-12)
    d = solve(spec).derivations[0]
    chain = next(c for c in d.chains if c.param == "w1_1_1")
    with exact():                                   # 50 digits: 1e-12·g is not lost
        assert chain.new == chain.old - spec.learning_rate * chain.gradient
    assert chain.new != chain.old and str(chain.new).startswith("0.4999999999999007204889133612")


def test_thousands_of_steps_stay_finite_and_descend():
    spec = spec_from_dict({**_lecture(), "steps": 2000}, "lecture.yaml")
    solution = solve(spec)
    errors = [d.values["E"] for d in solution.derivations]
    assert all(e.is_finite() for e in errors) and errors[-1] < errors[0] / 10
    assert all(b <= a for a, b in zip(errors, errors[1:]))     # small steps: E never rises


def _lecture():
    import yaml
    return yaml.safe_load((ROOT / "examples" / "lecture_2_2_2.yaml").read_text())


def test_training_has_no_numpy_warnings_at_the_edges():
    spec = load_spec(ROOT / "examples" / "xor_2_2_2.yaml")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        slow = train(spec, dataset("xor", spec), TrainConfig(epochs=3000, batch_size=4, lr=1e-12))
        assert np.isfinite([h[1] for h in slow.history]).all()
        assert abs(slow.history[-1][1] - slow.history[0][1]) < 1e-6          # 1e-12 barely moves it
        # Inputs of 1e6 saturate every sigmoid: σ′ underflows to 0, no overflow, no NaN.
        big = Dataset("big", np.array([[1e6, -1e6], [-1e6, 1e6]]), np.array([[1.0, 0.0], [0.0, 1.0]]))
        saturated = train(spec, big, TrainConfig(epochs=50, batch_size=2, lr=0.5))
        assert np.isfinite([h[1] for h in saturated.history]).all()


def test_cross_entropy_of_a_certain_wrong_answer_in_the_numeric_path():
    """float64 σ(800) is exactly 1: the loss is computed as softplus, finite (800), no log(0)."""
    spec = one_neuron([[800]], 1, 0)
    net = Network(spec)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        E, grads = net.loss_and_gradients(net.initial_params(), np.array([[1.0]]), np.array([[0.0]]))
    assert E == pytest.approx(800.0) and np.isfinite(grads["W1"]).all()


def test_graph_mode_at_the_edges(capsys):
    assert main(["graph", "exp(x)*y", "--at", "x=700,y=2", "--format", "json"]) == 0
    document = json.loads(capsys.readouterr().out)
    with mpmath.workdps(DIGITS):
        assert float(document["value"]) == pytest.approx(2 * float(mpmath.exp(700)))
    assert main(["graph", "log(x-1)*y", "--at", "x=1,y=2"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no finite value" in err and "logarithm" in err


def test_hand_rounding_that_reaches_log_zero_says_why():
    """σ(20) = 0.999999998 is 1.00000 at five decimals: by hand, ln(1 − ŷ) is ln 0."""
    spec = one_neuron([[20]], 1, 0, decimals=5)
    assert solve(spec).derivations[0].values["E"] > 19                    # exact: ≈ 20
    with pytest.raises(SymbackpropError, match=r"E1 has no finite value: .*rounded to the spec's decimals, as by hand"):
        solve(spec, rounding="hand")

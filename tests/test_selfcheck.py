"""Every derivation checks itself: the chain-rule gradients equal sympy.diff of the fully
substituted E on small networks, and central finite differences of an independent mpmath
network on larger ones, over random architectures, activations, losses and settings."""
from __future__ import annotations

import random
from decimal import Decimal

import mpmath
import pytest
import sympy

from symbackprop import solve, spec_from_dict
from symbackprop.core.exact import exact
from symbackprop.core.model import build_model, parameter_values, symbol

import reference

HIDDEN = ["sigmoid", "tanh", "relu", "leaky_relu", "linear", "softplus", "elu", "swish"]
LOSS_OUTPUTS = {
    "half_sse": HIDDEN,
    "mse": HIDDEN,
    "binary_cross_entropy": ["sigmoid", "softmax"],
    "cross_entropy": ["softmax", "sigmoid"],
}


def random_spec(seed: int, max_layers: int = 3, max_units: int = 3, batch: bool | None = None):
    rng = random.Random(seed)
    loss = rng.choice(sorted(LOSS_OUTPUTS))
    n_layers = rng.randint(1, max_layers)
    units = [rng.randint(1, max_units) for _ in range(n_layers)]
    out_act = rng.choice(LOSS_OUTPUTS[loss])
    if out_act == "softmax":
        units[-1] = max(units[-1], 2)
    n_in = rng.randint(1, 3)
    examples = rng.randint(1, 2) if batch is None else (2 if batch else 1)

    def num():
        # Away from the kinks of relu & co. at 0: these are random nets, not edge cases.
        v = round(rng.uniform(0.1, 1.0), 2)
        return v if rng.random() < 0.6 else -v

    layers = []
    prev = n_in
    for l, u in enumerate(units):
        act = out_act if l == n_layers - 1 else rng.choice(HIDDEN)
        layer = {"units": u, "activation": act, "weights": [[num() for _ in range(prev)] for _ in range(u)]}
        mode = rng.choice(["shared", "per", "none"])
        if mode == "shared":
            layer["bias"] = num()
        elif mode == "per":
            layer["bias"] = [num() for _ in range(u)]
        if act == "leaky_relu":
            layer["slope"] = 0.05
        layers.append(layer)
        prev = u
    xs = [[num() for _ in range(n_in)] for _ in range(examples)]
    if loss in ("binary_cross_entropy", "cross_entropy"):
        ys = [[round(rng.uniform(0.05, 0.95), 2) for _ in range(units[-1])] for _ in range(examples)]
    else:
        ys = [[num() for _ in range(units[-1])] for _ in range(examples)]
    spec = {
        "inputs": xs if examples > 1 or rng.random() < 0.3 else xs[0],
        "targets": ys if examples > 1 or isinstance(xs, list) and not isinstance(xs[0], float) else ys[0],
        "layers": layers, "loss": loss,
        "reduction": rng.choice(["sum", "mean"]),
        "learning_rate": 0.5,
        "update_biases": rng.random() < 0.7,
    }
    spec["targets"] = ys if isinstance(spec["inputs"][0], list) else ys[0]
    r = rng.random()
    if r < 0.25:
        spec["regularization"] = {"l2": 0.1}
    elif r < 0.4:
        spec["regularization"] = {"l1": 0.2, "l2": 0.05, "include_biases": True}
    return spec_from_dict(spec, f"<random {seed}>")


def dec(x) -> Decimal:
    return Decimal(mpmath.nstr(x, 45, strip_zeros=False))


@pytest.mark.parametrize("seed", range(25))
def test_chain_rule_equals_sympy_diff(seed):
    spec = random_spec(seed, max_layers=2, max_units=2)
    model = build_model(spec)
    d = solve(spec, paths="all").derivations[0]
    # Our own functions (σ, relu, ...) written out in SymPy's, so sympy differentiates alone.
    E = (model.error_expression().rewrite(sympy.exp).rewrite(sympy.Max).rewrite(sympy.log)
         .rewrite(sympy.Piecewise))
    subs = {symbol(k): sympy.Rational(str(v)) for k, v in {**model.constants(),
                                                          **parameter_values(spec)}.items()}
    for p in model.params:
        want = sympy.N(sympy.diff(E, symbol(p)).xreplace(subs), 45)
        got = d.gradients[p]
        with exact():
            assert abs(got - Decimal(str(want))) <= Decimal("1e-35") * (1 + abs(got)), (seed, p)


@pytest.mark.parametrize("seed", range(100, 160))
def test_chain_rule_equals_finite_differences(seed):
    spec = random_spec(seed, max_layers=4, max_units=4)
    d = solve(spec).derivations[0]
    with mpmath.workdps(60):
        params = {k: mpmath.mpf(str(v)) for k, v in parameter_values(spec).items()}
        assert abs(dec(reference.error(spec, params)) - d.E) < Decimal("1e-40")
        for p in params:
            fd = dec(reference.finite_difference(spec, params, p))
            with exact():
                assert abs(d.gradients[p] - fd) <= Decimal("1e-25") * (1 + abs(fd)), (seed, p)


@pytest.mark.parametrize("seed", range(200, 215))
def test_paths_and_delta_forms_agree(seed):
    spec = random_spec(seed, max_layers=3, max_units=3)
    paths = solve(spec, paths="all").derivations[0]
    deltas = solve(spec, paths="none").derivations[0]
    for cp, cd in zip(paths.chains, deltas.chains):
        assert cp.form == "paths" and cd.form == "delta"
        with exact():
            path_sum = sum((p.value for p in cp.paths), Decimal(0))
            delta_sum = sum((p.value for p in cd.paths), Decimal(0))
            assert abs(path_sum - cp.gradient) < Decimal("1e-40")
            assert abs(delta_sum - cp.gradient) < Decimal("1e-40")
        assert len(cp.paths) == cp.path_count


def test_path_counts_multiply_with_depth():
    layers = [{"units": 3, "activation": "tanh", "weights": {"init": "xavier", "seed": 1}}
              for _ in range(4)]
    spec = spec_from_dict({"inputs": [0.1, 0.2, 0.3], "targets": [0.1, 0.2, 0.3],
                           "layers": layers})
    d = solve(spec).derivations[0]
    # A weight of layer 1 reaches E through 3 neurons in each of layers 2, 3 and 4: 27 paths.
    c = d.chain("w1_1_1")
    assert c.path_count == 27 and len(c.paths) == 27 and c.form == "paths"
    spec5 = spec_from_dict({"inputs": [0.1, 0.2, 0.3], "targets": [0.1, 0.2, 0.3],
                            "layers": layers + [dict(layers[0])]})
    c5 = solve(spec5).derivations[0].chain("w1_1_1")
    assert c5.path_count == 81 and c5.form == "delta" and len(c5.paths) == 1


def test_every_delta_is_the_sum_over_the_next_layer(lecture_spec):
    d = solve(lecture_spec).derivations[0]
    v, delta = d.values, d.deltas
    with exact():
        s = (Decimal("0.5") * delta["z2_1"].value + Decimal("0.7") * delta["z2_2"].value)
        want = s * v["a1_1"] * (1 - v["a1_1"])
        assert abs(delta["z1_1"].value - want) < Decimal("1e-45")

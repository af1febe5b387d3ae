"""Batch normalization (deck 004, "Capas de normalización"; issue 15): a layer's ``batch_norm:
{gamma, beta, epsilon}`` normalizes its weighted sums over the batch before the activation,
μ_B, σ²_B (biased, 1/m), x̂ = (z − μ_B)/√(σ²_B + ε), y = γ·x̂ + β, a = g(y). Every one is a node
of the model with its local derivatives, so the chain rule runs through μ_B and σ²_B along every
example of the batch; γ and β are parameters with their own chains and updates."""
from __future__ import annotations

import random
from decimal import Decimal

import pytest

from symbackprop import load_spec, solve, spec_from_dict
from symbackprop.cli import main
from symbackprop.core.exact import exact
from symbackprop.errors import SpecError
from symbackprop.render.text import walkthrough
from symbackprop.spec.reading import spec_to_dict

import reference
from conftest import ROOT
from test_numeric import require_torch

EXAMPLE = ROOT / "examples" / "batchnorm_2_2_2.yaml"


def lecture(batch_norm=None, on: int = 0, **changes) -> dict:
    """The lecture's 2-2-2 network over a batch of 3 with ``batch_norm`` on layers[on]."""
    layers = [{"units": 2, "activation": "sigmoid", "weights": [[0.1, 0.3], [0.2, 0.4]], "bias": 0.25},
              {"units": 2, "activation": "sigmoid", "weights": [[0.5, 0.6], [0.7, 0.8]], "bias": 0.35}]
    if batch_norm is not None:
        layers[on]["batch_norm"] = batch_norm
    data = {"inputs": [[0.1, 0.5], [0.3, 0.2], [0.6, 0.9]], "targets": [[0.05, 0.95], [0.9, 0.1], [0.5, 0.5]],
            "learning_rate": 0.6, "layers": layers}
    data.update(changes)
    return data


BN = {"gamma": [1.2, 0.8], "beta": [0.1, -0.1], "epsilon": 0.00001}


# ----------------------------------------------------------------------------- the spec

def test_the_example_normalizes_its_hidden_layer():
    spec = load_spec(EXAMPLE)
    bn = spec.layers[0].batch_norm
    assert bn.gamma == (Decimal("1.2"), Decimal("0.8")) and bn.beta == (Decimal("0.1"), Decimal("-0.1"))
    assert bn.epsilon == Decimal("0.00001") and spec.layers[1].batch_norm is None and spec.n_examples == 3


def test_epsilon_defaults_to_pytorchs_and_the_serializer_writes_it_back():
    spec = spec_from_dict(lecture({"gamma": [1, 1], "beta": [0, 0]}))
    assert spec.layers[0].batch_norm.epsilon == Decimal("0.00001")
    written = spec_to_dict(spec)
    assert written["layers"][0]["batch_norm"] == {"gamma": [1, 1], "beta": [0, 0], "epsilon": 1e-05}
    assert spec_from_dict(written) == spec


@pytest.mark.parametrize("data, where, what", [
    (lecture(BN, inputs=[0.1, 0.5], targets=[0.05, 0.95]), "layers[0].batch_norm",
     "needs a batch of at least 2 examples"),
    (lecture(BN, inputs=[[0.1, 0.5]], targets=[[0.05, 0.95]]), "layers[0].batch_norm", "found 1 example"),
    (lecture({"beta": [0, 0]}), "layers[0].batch_norm.gamma", "missing; expected 2 numbers"),
    (lecture({"gamma": [1, 1]}), "layers[0].batch_norm.beta", "missing"),
    (lecture({"gamma": [1], "beta": [0, 0]}), "layers[0].batch_norm.gamma", "expected a list of 2 numbers"),
    (lecture({"gamma": [1, 1], "beta": [0, 0], "epsilon": 0}), "layers[0].batch_norm.epsilon",
     "expected a positive number"),
    (lecture({"gamma": [1, 1], "beta": [0, 0], "momentum": 0.1}), "layers[0].batch_norm.momentum", "unknown key"),
    (lecture([1, 0]), "layers[0].batch_norm", "expected a mapping"),
    (lecture(BN, on=1), "layers[1].batch_norm", "hidden layers only"),
])
def test_spec_errors_name_the_place(data, where, what):
    with pytest.raises(SpecError) as err:
        spec_from_dict(data)
    message = str(err.value)
    assert f": {where}: " in message and what in message and "\n" not in message


def test_a_bad_batch_norm_exits_2_in_one_line(tmp_path, capsys):
    reference.assert_bad_spec_exits_2_in_one_line(main, EXAMPLE, "gamma: [1.2, 0.8]", "gamma: [1.2]",
                                                  "layers[0].batch_norm.gamma", tmp_path, capsys)


# ----------------------------------------------------------------------------- the example's numbers

def _by_hand():
    """The example's forward pass and three of its gradients, written out from deck 004's
    formulas with floats (an independent computation: no symbackprop code)."""
    import math
    X = [[0.1, 0.5], [0.3, 0.2], [0.6, 0.9]]
    T = [[0.05, 0.95], [0.9, 0.1], [0.5, 0.5]]
    W1, b1, W2, b2 = [[0.1, 0.3], [0.2, 0.4]], 0.25, [[0.5, 0.6], [0.7, 0.8]], 0.35
    gamma, beta, eps = [1.2, 0.8], [0.1, -0.1], 1e-5
    sig = lambda v: 1 / (1 + math.exp(-v))  # noqa: E731
    Z = [[sum(W1[i][j] * x[j] for j in range(2)) + b1 for i in range(2)] for x in X]
    mu = [sum(z[i] for z in Z) / 3 for i in range(2)]
    var = [sum((z[i] - mu[i]) ** 2 for z in Z) / 3 for i in range(2)]
    XH = [[(z[i] - mu[i]) / math.sqrt(var[i] + eps) for i in range(2)] for z in Z]
    Y = [[gamma[i] * xh[i] + beta[i] for i in range(2)] for xh in XH]
    A = [[sig(v) for v in y] for y in Y]
    O = [[sig(sum(W2[k][i] * a[i] for i in range(2)) + b2) for k in range(2)] for a in A]
    E = sum((t[k] - o[k]) ** 2 / 2 for t, o in zip(T, O) for k in range(2))
    # backward, the paper's formulas: dE/dy, dE/dγ, dE/dβ, dE/dx̂, dE/dσ², dE/dμ, dE/dz
    dO = [[(o[k] - t[k]) * o[k] * (1 - o[k]) for k in range(2)] for o, t in zip(O, T)]
    dA = [[sum(d[k] * W2[k][i] for k in range(2)) for i in range(2)] for d in dO]
    dY = [[da[i] * a[i] * (1 - a[i]) for i in range(2)] for da, a in zip(dA, A)]
    dgamma = [sum(dy[i] * xh[i] for dy, xh in zip(dY, XH)) for i in range(2)]
    dbeta = [sum(dy[i] for dy in dY) for i in range(2)]
    dXH = [[dy[i] * gamma[i] for i in range(2)] for dy in dY]
    dvar = [sum(dxh[i] * (z[i] - mu[i]) * -0.5 * (var[i] + eps) ** -1.5 for dxh, z in zip(dXH, Z)) for i in range(2)]
    dmu = [sum(-dxh[i] / math.sqrt(var[i] + eps) for dxh in dXH) for i in range(2)]
    dZ = [[dxh[i] / math.sqrt(var[i] + eps) + dvar[i] * 2 * (z[i] - mu[i]) / 3 + dmu[i] / 3 for i in range(2)]
          for dxh, z in zip(dXH, Z)]
    dw111 = sum(dz[0] * x[0] for dz, x in zip(dZ, X))
    return {"mu1_1": mu[0], "var1_2": var[1], "xhat1_1@1": XH[0][0], "bn1_2@3": Y[2][1], "E": E,
            "dE/dw1_1_1": dw111, "dE/dgamma1_1": dgamma[0], "dE/dbeta1_2": dbeta[1], "dE/dvar1_1": dvar[0],
            "dE/dmu1_2": dmu[1]}


def test_the_example_agrees_with_a_computation_by_hand():
    d = solve(load_spec(EXAMPLE)).derivations[0]
    for name, value in _by_hand().items():
        assert abs(float(d.value(name)) - value) <= 1e-12 * max(1, abs(value)), name
    # and the numbers the walkthrough shows
    assert str(d.values["mu1_1"])[:7] == "0.44333"


def test_the_bias_before_batch_norm_has_no_gradient():
    """The batch's mean takes any shift of z away: ∂E/∂b = 0 for the normalized layer."""
    d = solve(load_spec(EXAMPLE)).derivations[0]
    assert abs(d.gradients["b1"]) < Decimal("1e-40") and abs(d.gradients["b2"]) > Decimal("0.1")


def test_the_chain_runs_through_the_batch():
    d = solve(load_spec(EXAMPLE)).derivations[0]
    chain = d.chain("w1_1_1")
    # each of the 6 error terms reaches w1_1_1 along 1 + 3·3 routes: its own x̂, μ_B (3 examples),
    # σ²_B (3 examples) and σ²_B through μ_B (3 examples, each 0: ∂σ²_B/∂μ_B = 0)
    assert chain.form == "paths" and chain.path_count == 60
    assert d.factors["dvar1_1/dmu1_1"].value == 0
    via_mu = [p for p in chain.paths if "dxhat1_1@1/dmu1_1" in p.factors]
    assert len(via_mu) == 2 * 3          # from E1@1 and E2@1 down to each example's z
    with exact():
        assert abs(sum(p.value for p in chain.paths) - chain.gradient) < Decimal("1e-40")
    g = d.chain("gamma1_1")
    assert g.path_count == 6 and g.trainable
    with exact():
        assert g.new == Decimal("1.2") - Decimal("0.6") * g.gradient


# ----------------------------------------------------------------------------- against references

def _random_spec(seed: int):
    """2-3 layers, 2-4 examples; each hidden layer normalized with probability 0.7, with
    random γ, β and ε; a hidden layer has a dropout mask (after its activation) with
    probability 0.3."""
    rng = random.Random(seed)
    widths = [rng.randint(1, 3)] + [rng.randint(1, 3) for _ in range(rng.randint(1, 2))] + [rng.randint(1, 3)]
    examples = rng.randint(2, 4)
    layers = []
    for l, units in enumerate(widths[1:], start=1):
        layer = reference.random_layer(rng, widths[l - 1], units)
        if l < len(widths) - 1 and rng.random() < 0.3:
            layer["dropout"] = {"rate": 0.5, "mask": [[rng.randint(0, 1) for _ in range(units)]
                                                      for _ in range(examples)]}
        if l < len(widths) - 1 and (l == 1 or rng.random() < 0.7):
            layer["batch_norm"] = {"gamma": [round(rng.uniform(0.5, 1.5), 2) for _ in range(units)],
                                   "beta": [round(rng.uniform(-0.5, 0.5), 2) for _ in range(units)],
                                   "epsilon": rng.choice([0.00001, 0.001, 0.1])}
        layers.append(layer)
    return spec_from_dict(reference.random_spec_data(rng, widths, examples, layers))


SPECS = [load_spec(EXAMPLE)] + [_random_spec(seed) for seed in range(8)]


def _torch_gradients(torch, spec):
    """PyTorch float64: nn.Linear-like layers with nn.BatchNorm1d (training mode, affine, its
    biased batch variance) before the activation (and a fixed dropout mask after it);
    autograd's gradients, γ and β included."""
    acts = {"sigmoid": torch.sigmoid, "tanh": torch.tanh, "softplus": torch.nn.functional.softplus,
            "swish": torch.nn.functional.silu}

    def tensor(v, grad=False):
        return torch.tensor(v, dtype=torch.float64, requires_grad=grad)

    Ws = [tensor([[float(v) for v in row] for row in l.weights], True) for l in spec.layers]
    bs = [tensor([float(v) for v in l.bias], True) for l in spec.layers]
    norms = {}
    for l, layer in enumerate(spec.layers):
        if layer.batch_norm is not None:
            bn = torch.nn.BatchNorm1d(layer.units, eps=float(layer.batch_norm.epsilon), dtype=torch.float64)
            with torch.no_grad():
                bn.weight.copy_(tensor([float(v) for v in layer.batch_norm.gamma]))
                bn.bias.copy_(tensor([float(v) for v in layer.batch_norm.beta]))
            bn.train()
            norms[l] = bn
    A = tensor([[float(v) for v in row] for row in spec.inputs])
    for l, (W, b, layer) in enumerate(zip(Ws, bs, spec.layers)):
        Z = A @ W.T + b
        if l in norms:
            Z = norms[l](Z)
        A = acts[layer.activation](Z)
        if layer.dropout is not None:               # inverted dropout, the spec's masks
            A = A * tensor([[float(m) for m in row] for row in layer.dropout.masks]) / (1 - float(layer.dropout.rate))
    Y = tensor([[float(v) for v in row] for row in spec.targets])
    E = ((Y - A) ** 2 / 2).sum()
    E.backward()
    out = {}
    for l, (W, b) in enumerate(zip(Ws, bs), start=1):
        for i, row in enumerate(W.grad.tolist(), start=1):
            out.update({f"w{l}_{i}_{j}": g for j, g in enumerate(row, start=1)})
        out.update({f"b{l}_{i}": g for i, g in enumerate(b.grad.tolist(), start=1)})
        if l - 1 in norms:
            out.update({f"gamma{l}_{i}": g for i, g in enumerate(norms[l - 1].weight.grad.tolist(), start=1)})
            out.update({f"beta{l}_{i}": g for i, g in enumerate(norms[l - 1].bias.grad.tolist(), start=1)})
    return E.item(), out


#: The bound on the relative error against PyTorch. The largest seen on SPECS: 5.4e-12, on
#: w1_2_1 of SPECS[4] (∂E/∂w = 7.2e-6, a sum over the batch's paths through μ_B and σ²_B whose
#: terms are ~1e3 times larger: PyTorch's float64 cancels there; our value agrees with mpmath
#: at 40 digits); E and the other gradients are within 2e-12. A gradient below 1e-9 (a bias
#: before batch normalization, exactly 0) is compared absolutely.
LARGEST_RELATIVE_ERROR = 1e-11


def relative_errors(torch, spec) -> dict[str, float]:
    d = solve(spec).derivations[0]
    E, grads = _torch_gradients(torch, spec)
    assert set(grads) == set(d.gradients)
    errors = {"E": abs(float(d.E) - E) / abs(E)}
    for p, g in grads.items():
        ours = float(d.gradients[p])
        errors[p] = abs(ours - g) / abs(g) if abs(g) > 1e-9 else abs(ours - g)
    return errors


@pytest.mark.parametrize("n", range(1, len(SPECS)))
def test_gradients_equal_pytorchs_batch_norm(n):
    torch = require_torch()
    errors = relative_errors(torch, SPECS[n])
    assert max(errors.values()) <= LARGEST_RELATIVE_ERROR, max(errors.items(), key=lambda kv: kv[1])


def test_the_random_specs_normalize():
    assert all(s.layers[0].batch_norm is not None for s in SPECS)
    assert any(l.dropout is not None and l.batch_norm is not None for s in SPECS[1:] for l in s.layers)
    assert sum(l.batch_norm is not None for s in SPECS[1:] for l in s.layers) >= 9


@pytest.mark.parametrize("n", range(len(SPECS)))
def test_gradients_equal_finite_differences_at_40_digits(n):
    reference.assert_finite_differences_agree(SPECS[n], solve)


def test_delta_form_agrees_with_paths():
    reference.assert_delta_form_agrees(SPECS, solve)


# ----------------------------------------------------------------------------- solve's text and JSON

import json


def test_the_walkthrough_states_the_batch_statistics():
    text = walkthrough(solve(load_spec(EXAMPLE)), "en")
    forward = text.split("Computing the error")[0]
    assert ("Batch normalization of neuron 1 of layer 1 over the batch of 3 examples: mean μ_B, variance σ²_B "
            "(with 1/m, the batch's)") in forward
    assert "= (0.41 + 0.34 + 0.58)/3 = 0.44333" in forward
    assert "= ((0.41 - 0.44333)^2 + (0.34 - 0.44333)^2 + (0.58 - 0.44333)^2)/3 = 0.01016" in forward
    assert "y[1]_1(1) = γ[1]_1·x̂[1]_1(1) + β[1]_1" in forward and "= 1.2·(-0.33061) + 0.1 = -0.29673" in forward
    assert "a[1]_1(1) = σ(y[1]_1(1))" in forward
    w111 = text.split("How much does w[1]_1,1")[1].split("How much does")[0]
    assert "∂x̂[1]_1(1)/∂μB[1]_1 = -1/(sqrt(σ²B[1]_1 + ε)) = -9.91824" in w111
    assert "∂σ²B[1]_1/∂μB[1]_1 = 0" in w111
    gamma = text.split("How much does γ[1]_1 = 1.2")[1].split("How much does")[0]
    assert "∂y[1]_1(1)/∂γ[1]_1 = x̂[1]_1(1) = -0.33061" in gamma
    es = walkthrough(solve(load_spec(EXAMPLE)), "es")
    assert "Normalización por lotes de la neurona 1 de la capa 1 sobre el lote de 3 ejemplos" in es


def test_json_states_every_batch_norm_quantity(tmp_path):
    assert main(["solve", str(EXAMPLE), "--format", "json", "-o", str(tmp_path)]) == 0
    doc = json.loads((tmp_path / "batchnorm_2_2_2.json").read_text())
    assert doc["batch_norm"] == {"1": {"epsilon": 1e-05}}
    hand = _by_hand()
    values = doc["values"]
    for name in ("mu1_1", "var1_2", "xhat1_1@1", "bn1_2@3", "dE/dgamma1_1", "dE/dbeta1_2", "dE/dvar1_1", "dE/dmu1_2"):
        assert abs(values[name] - hand[name]) < 1e-12, name
    assert {"gamma1_1", "beta1_1", "gamma1_2", "beta1_2"} <= set(doc["parameters"])
    assert abs(values["new_gamma1_1"] - (1.2 - 0.6 * hand["dE/dgamma1_1"])) < 1e-12


# ----------------------------------------------------------------------------- check

def _check(tmp_path, capsys, answers: str) -> str:
    sheet = tmp_path / "answers.yaml"
    sheet.write_text(answers, encoding="utf-8")
    main(["check", str(EXAMPLE), str(sheet), "--lang", "en"])
    return capsys.readouterr().out


def test_check_reads_every_batch_norm_quantity_by_its_names(tmp_path, capsys):
    out = _check(tmp_path, capsys, '"μB[1]_1": 0.44333\n"σ²B[1]_1": 0.01016\n"x̂[1]_1(1)": -0.33061\n'
                                   '"y[1]_1(1)": -0.29673\n"∂E/∂γ[1]_1": -0.00461\n"nuevo_γ[1]_1": 1.20277\n'
                                   '"\\\\mu^{[1]}_{B,2}": 0.53\n"dE/dbeta1_2": 0.03818\n')
    assert "correct: 8 · rounding: 0 · carried forward: 0 · wrong: 0" in out


def test_check_diagnoses_the_population_variance(tmp_path, capsys):
    """σ²_B divided by m − 1 = 2 (the unbiased estimate) instead of the batch's m = 3: in σ²_B
    itself (0.01016·3/2 = 0.01523), or inside an x̂ whose σ²_B is not written (independently:
    (0.47 − 0.53)/√(Σ(z − μ)²/2 + ε) = −0.33747)."""
    out = _check(tmp_path, capsys, '"mu1_1": 0.44333\n"var1_1": 0.01523\n"xhat1_2@1": -0.33747\n')
    lines = {line.split()[1]: line for line in out.splitlines() if line.startswith("✗")}
    assert set(lines) == {"σ²B[1]_1", "x̂[1]_2(1)"}
    for line in lines.values():
        assert "the batch's variance divides by m, not by m - 1 = 2" in line


# ----------------------------------------------------------------------------- the slides, built

def test_the_example_deck_builds_and_shows_the_batch(tmp_path):
    """The example's slides (en), compiled: the forward frames state μ_B, σ²_B, x̂ and y with
    their numbers, the backward frames ∂E/∂σ²_B and ∂E/∂μ_B; no frame with the drawing shrinks
    its text below 8 pt."""
    import re
    import subprocess

    from symbackprop.api import solve_for_report
    from symbackprop.render.latex import build_pdf, overfull_boxes
    from symbackprop.render.report import render_tex
    from test_pdf import require_tex, text_sizes

    require_tex()
    tex = render_tex(solve_for_report(load_spec(EXAMPLE)), "slides", "en")
    pdf, log = build_pdf(tex, name="batchnorm-slides-en")
    path = tmp_path / "batchnorm.pdf"
    path.write_bytes(pdf)
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout
    assert "Batch normalization of neuron 1 of layer 1 over the batch of m = 3" in " ".join(text.split())
    for number in ("0.44333", "0.01016", "−0.33061", "−0.29673", "0.27227", "−0.32783"):
        assert number in text, number
    assert "Backward through batch normalization" in text
    assert not overfull_boxes(log), overfull_boxes(log)[:3]
    # the frames of the batch normalization steps (forward and backward), from the build's log
    starts = [(kind, int(frame)) for _, kind, frame in
              re.findall(r"symbackprop step (\d+) \((\w+)\) from frame (\d+)", log)]
    frames = {f for (kind, first), (_, after) in zip(starts, starts[1:] + [("", 10**6)])
              if kind == "batch_norm" for f in range(first, after)}
    sizes = {f: size for f, size in text_sizes(log).items() if f in frames}
    assert len(sizes) >= 12 and min(sizes.values()) >= 8.0, sorted(sizes.items(), key=lambda kv: kv[1])[:5]


# ----------------------------------------------------------------------------- export and train

import numpy as np

from symbackprop.numeric.train import Dataset, TrainConfig, train, trained_spec

from test_dropout import _arrays, _flat, _module
from test_numeric import require_jax


def _ids(grads) -> dict[str, float]:
    """The exported gradients as the derivation's ids, γ and β included."""
    out = _flat({k: v for k, v in grads.items() if not k.startswith(("gamma", "beta"))})
    for key, g in grads.items():
        for name in ("gamma", "beta"):
            if key.startswith(name):
                out.update({f"{name}{key[len(name):]}_{i}": v
                            for i, v in enumerate(np.asarray(g, dtype=np.float64).tolist(), 1)})
    return out


@pytest.mark.parametrize("backend", ["numpy", "torch", "jax"])
@pytest.mark.parametrize("n", [0, 1, 2, 4])
def test_the_exported_gradients_are_the_derivations(tmp_path, backend, n):
    if backend == "torch":
        require_torch()
    if backend == "jax":
        require_jax()
    spec = SPECS[n]
    module = _module(tmp_path, spec, backend)
    X, Y = _arrays(spec)
    masks = {l: [list(r) for r in layer.dropout.masks] for l, layer in enumerate(spec.layers, 1)
             if layer.dropout is not None}
    loss, grads = module.loss_and_gradients(module.initial_params(), X, Y,
                                            **({"masks": masks} if masks else {}))
    d = solve(spec).derivations[0]
    assert abs(float(loss) - float(d.E)) <= 1e-12 * float(d.E)
    ours = _ids(grads)
    assert set(ours) == set(d.gradients)
    for pid, g in d.gradients.items():     # a bias before batch normalization: 0, floats ~1e-17
        bound = LARGEST_RELATIVE_ERROR * abs(float(g)) if abs(g) > Decimal("1e-9") else 1e-14
        assert abs(ours[pid] - float(g)) <= bound, (pid, ours[pid], g)


def test_inference_uses_the_population_statistics_as_pytorch_in_eval_mode(tmp_path):
    """forward(params, X, training=False) normalizes with params['mean1'], params['var1'] (the
    running statistics), as nn.BatchNorm1d in eval mode; training=True with the batch's."""
    torch = require_torch()
    spec = load_spec(EXAMPLE)
    module = _module(tmp_path, spec)
    params = module.initial_params()
    params["mean1"], params["var1"] = np.array([0.4, 0.5]), np.array([0.02, 0.03])
    X, _ = _arrays(spec)
    t = lambda v: torch.tensor(v, dtype=torch.float64)  # noqa: E731
    bn = torch.nn.BatchNorm1d(2, eps=1e-5, dtype=torch.float64)
    with torch.no_grad():
        bn.weight.copy_(t([1.2, 0.8]))
        bn.bias.copy_(t([0.1, -0.1]))
        bn.running_mean.copy_(t([0.4, 0.5]))
        bn.running_var.copy_(t([0.02, 0.03]))
    for training in (False, True):
        bn.train(training)
        with torch.no_grad():
            hidden = torch.sigmoid(bn(t(X) @ t(params["W1"]).T + 0.25))
            expected = torch.sigmoid(hidden @ t(params["W2"]).T + 0.35).numpy()
        assert np.allclose(module.forward(params, X, training=training), expected, rtol=0, atol=1e-14)


def test_train_keeps_pytorchs_running_statistics():
    """One SGD step over the example's batch: the running mean becomes 0.9·0 + 0.1·μ_B and the
    running variance 0.9·1 + 0.1·σ²_B with 1/(m − 1), PyTorch's momentum convention, computed
    here by hand from z = W·x + b; γ and β are trained (update_biases: false freezes b only)."""
    spec = load_spec(EXAMPLE)
    X, Y = (np.array(a, dtype=np.float64) for a in _arrays(spec))
    result = train(spec, Dataset("batch", X, Y), TrainConfig(epochs=1, batch_size=3, seed=0))
    Z = X @ np.array([[0.1, 0.3], [0.2, 0.4]]).T + 0.25
    assert np.allclose(result.params["mean1"], 0.1 * Z.mean(axis=0), rtol=0, atol=1e-15)
    assert np.allclose(result.params["var1"], 0.9 + 0.1 * Z.var(axis=0, ddof=1), rtol=0, atol=1e-15)
    d = solve(spec).derivations[0]
    assert abs(result.params["gamma1"][0] - float(d.chain("gamma1_1").new)) < 1e-12
    assert result.params["b1"] == 0.25
    written = trained_spec(spec, result.params)["layers"][0]["batch_norm"]
    assert written["gamma"][0] == float(result.params["gamma1"][0])

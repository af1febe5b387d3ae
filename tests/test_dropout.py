"""Dropout (deck 004; issue 15): inverted dropout on a hidden layer, as PyTorch's nn.Dropout
does in training. A worked example states its mask (``{rate: 0.5, mask: [1, 0]}``) or draws
it from a seed; a kept neuron's output is scaled by 1/(1 − p), a dropped one's is 0, and the
chain rule carries the factor m/(1 − p) on every path through the neuron."""
from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest

from symbackprop import load_spec, spec_from_dict
from symbackprop.cli import main
from symbackprop.errors import SpecError
from symbackprop.spec.reading import spec_to_dict

from conftest import ROOT

DROPOUT = ROOT / "examples" / "lecture_2_2_2_dropout.yaml"


def lecture_like(dropout=None, **changes) -> dict:
    hidden = {"units": 2, "activation": "sigmoid", "weights": [[0.1, 0.3], [0.2, 0.4]], "bias": 0.25}
    if dropout is not None:
        hidden["dropout"] = dropout
    data = {"inputs": [0.1, 0.5], "targets": [0.05, 0.95], "learning_rate": 0.6, "update_biases": False,
            "layers": [hidden, {"units": 2, "activation": "sigmoid", "weights": [[0.5, 0.6], [0.7, 0.8]],
                                "bias": 0.35}]}
    data.update(changes)
    return data


# ----------------------------------------------------------------------------- the spec

def test_the_example_states_its_mask():
    drop = load_spec(DROPOUT).layers[0].dropout
    assert drop.rate == Decimal("0.5") and drop.masks == ((1, 0),) and drop.seed is None


def test_a_seed_draws_one_mask_per_example_reproducibly():
    data = lecture_like({"rate": 0.5, "seed": 3}, inputs=[[0.1, 0.5]] * 6, targets=[[0.05, 0.95]] * 6)
    first, again = spec_from_dict(data).layers[0].dropout, spec_from_dict(data).layers[0].dropout
    assert first == again and first.seed == 3 and len(first.masks) == 6
    assert all(m in (0, 1) for row in first.masks for m in row)
    assert len(set(first.masks)) > 1          # six examples, not one mask repeated
    other = spec_from_dict({**data, "layers": [{**data["layers"][0], "dropout": {"rate": 0.5, "seed": 4}},
                                               data["layers"][1]]}).layers[0].dropout
    assert other.masks != first.masks


def test_a_mask_per_example_in_a_batch():
    data = lecture_like({"rate": 0.25, "mask": [[1, 0], [0, 1]]}, inputs=[[0.1, 0.5], [0.3, 0.2]],
                        targets=[[0.05, 0.95], [0.5, 0.5]])
    drop = spec_from_dict(data).layers[0].dropout
    assert drop.masks == ((1, 0), (0, 1)) and drop.per_example
    same = spec_from_dict({**data, "layers": [{**data["layers"][0], "dropout": {"rate": 0.25, "mask": [1, 0]}},
                                              data["layers"][1]]}).layers[0].dropout
    assert same.masks == ((1, 0), (1, 0))     # one mask stated: the same for every example


@pytest.mark.parametrize("dropout", [{"rate": 0.5, "mask": [1, 0]}, {"rate": 0.5, "seed": 3},
                                     {"rate": 0.2, "mask": [[1, 0], [1, 1]]}])
def test_the_serializer_writes_dropout_back(dropout):
    batch = isinstance(dropout.get("mask", [0])[0], list)
    data = lecture_like(dropout, **({"inputs": [[0.1, 0.5], [0.2, 0.1]], "targets": [[0.05, 0.95]] * 2}
                                    if batch else {}))
    spec = spec_from_dict(data)
    written = spec_to_dict(spec)
    assert written["layers"][0]["dropout"] == dropout
    assert spec_from_dict(written) == spec


@pytest.mark.parametrize("dropout, where, what", [
    ({"rate": 0.5, "mask": [1, 2]}, "layers[0].dropout.mask[1]", "expected 0 (dropped) or 1 (kept), found the number 2"),
    ({"rate": 0.5, "mask": [1]}, "layers[0].dropout.mask", "expected 2 entries 0 or 1"),
    ({"rate": 0.5, "mask": [1, "a"]}, "layers[0].dropout.mask[1]", "found the string 'a'"),
    ({"rate": 0.5, "mask": [1, True]}, "layers[0].dropout.mask[1]", "found the boolean true"),
    ({"rate": 0.5, "mask": [[1, 0], [1, 0]]}, "layers[0].dropout.mask", "one mask row per example (1), found 2"),
    ({"rate": 1, "mask": [1, 0]}, "layers[0].dropout.rate", "0 <= p < 1"),
    ({"rate": -0.1, "mask": [1, 0]}, "layers[0].dropout.rate", "expected a number >= 0"),
    ({"mask": [1, 0]}, "layers[0].dropout.rate", "missing"),
    ({"rate": 0.5}, "layers[0].dropout", "either a mask"),
    ({"rate": 0.5, "mask": [1, 0], "seed": 1}, "layers[0].dropout", "found both"),
    ({"rate": 0, "mask": [1, 0]}, "layers[0].dropout.mask", "a rate of 0 drops no neuron"),
    ({"rate": 0.5, "seed": 1.5}, "layers[0].dropout.seed", "expected a whole number"),
    ({"rate": 0.5, "mask": [1, 0], "p": 1}, "layers[0].dropout.p", "unknown key 'p'"),
    ("half", "layers[0].dropout", "expected a mapping"),
])
def test_spec_errors_name_the_place(dropout, where, what):
    with pytest.raises(SpecError) as err:
        spec_from_dict(lecture_like(dropout))
    message = str(err.value)
    assert f": {where}: " in message and what in message and "\n" not in message


def test_no_dropout_on_the_output_layer():
    data = lecture_like()
    data["layers"][1]["dropout"] = {"rate": 0.5, "mask": [1, 0]}
    with pytest.raises(SpecError, match=r"layers\[1\]\.dropout: dropout applies to hidden layers only"):
        spec_from_dict(data)


def test_a_bad_mask_exits_2_in_one_line(tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text(DROPOUT.read_text().replace("mask: [1, 0]", "mask: [1, 0, 1]"))
    assert main(["solve", str(bad)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "layers[0].dropout.mask" in err and "found a list of 3" in err


# ----------------------------------------------------------------------------- the derivation

import random

import mpmath
import numpy as np

from symbackprop import solve
from symbackprop.core.exact import exact
from symbackprop.render.text import walkthrough

import reference
from test_numeric import require_torch


def test_the_mask_factor_is_on_every_path_and_dropped_paths_vanish():
    d = solve(load_spec(DROPOUT)).derivations[0]
    with exact():
        assert d.values["r1_1"] == 2 * d.values["a1_1"] and d.values["r1_2"] == 0
    assert d.factors["dr1_1/da1_1"].value == 2 and d.factors["dr1_2/da1_2"].value == 0
    for c in d.chains:
        if c.param.startswith("w1_"):
            for p in c.paths:
                through = [f for f in p.factors if f.startswith("dr1_")]
                assert len(through) == 1       # the mask factor sits on every path through layer 1
                if through[0] == "dr1_2/da1_2":
                    assert p.value == 0        # a dropped neuron's paths vanish
    assert d.chain("w1_2_1").gradient == 0 and d.chain("w1_2_2").gradient == 0
    assert d.chain("w2_1_2").gradient == 0     # its weight out of a dropped neuron: ã = 0
    assert d.chain("w1_1_1").gradient != 0


def test_the_lecture_states_the_mask_and_the_scale():
    text = walkthrough(solve(load_spec(DROPOUT)), "en")
    forward = text.split("Computing the error")[0]
    assert "Dropout in layer 1 (p = 0.5, mask m = (1, 0)): each kept neuron is scaled by 1/(1 - p) = 2" in forward
    assert "ã[1]_2 = a[1]_2·m2/(1 - p) = 0.61538·0/(1 - 0.5) = 0   (dropped)" in forward
    assert "∂ã[1]_2/∂a[1]_2 = 0" in text and "∂ã[1]_1/∂a[1]_1 = 2" in text
    es = walkthrough(solve(load_spec(DROPOUT)), "es")
    assert "Dropout en la capa 1 (p = 0.5, máscara m = (1, 0))" in es and "(apagada)" in es


def _random_spec(seed: int):
    rng = random.Random(seed)
    widths = [rng.randint(1, 3) for _ in range(rng.randint(2, 3))] + [rng.randint(1, 3)]
    examples = rng.randint(1, 3)
    acts = ["sigmoid", "tanh", "softplus", "swish"]
    layers, fan_in = [], widths[0]
    for l, units in enumerate(widths[1:]):
        layer = {"units": units, "activation": rng.choice(acts),
                 "weights": [[round(rng.uniform(-1, 1), 2) for _ in range(fan_in)] for _ in range(units)],
                 "bias": [round(rng.uniform(-0.5, 0.5), 2) for _ in range(units)]}
        if l < len(widths) - 2:
            rate = rng.choice([0.2, 0.25, 0.5, 0.75])
            layer["dropout"] = ({"rate": rate, "seed": rng.randint(0, 99)} if rng.random() < 0.5 else
                                {"rate": rate, "mask": [[rng.randint(0, 1) for _ in range(units)]
                                                        for _ in range(examples)]})
        layers.append(layer)
        fan_in = units
    return spec_from_dict({
        "inputs": [[round(rng.uniform(-1, 1), 2) for _ in range(widths[0])] for _ in range(examples)],
        "targets": [[round(rng.uniform(0.1, 0.9), 2) for _ in range(widths[-1])] for _ in range(examples)],
        "layers": layers, "loss": "half_sse", "learning_rate": 0.5})


SPECS = [load_spec(DROPOUT)] + [_random_spec(seed) for seed in range(6)]


def _torch_gradients(torch, spec):
    """PyTorch float64, written from the textbook: nn.Dropout's training rule with a fixed
    mask, the activation times mask/(1 − p), then the next layer; autograd's gradients."""
    acts = {"sigmoid": torch.sigmoid, "tanh": torch.tanh, "softplus": torch.nn.functional.softplus,
            "swish": torch.nn.functional.silu}
    X = torch.tensor([[float(v) for v in row] for row in spec.inputs], dtype=torch.float64)
    Y = torch.tensor([[float(v) for v in row] for row in spec.targets], dtype=torch.float64)
    Ws, bs = [], []
    A = X
    for layer in spec.layers:
        W = torch.tensor([[float(v) for v in row] for row in layer.weights], dtype=torch.float64, requires_grad=True)
        shared = isinstance(layer.bias, Decimal)
        b = torch.tensor(float(layer.bias) if shared else [float(v) for v in layer.bias], dtype=torch.float64,
                         requires_grad=True)
        Ws.append(W)
        bs.append((b, shared))
        A = acts[layer.activation](A @ W.T + b)
        if layer.dropout is not None:
            mask = torch.tensor([list(m) for m in layer.dropout.masks], dtype=torch.float64)
            A = A * mask / (1 - float(layer.dropout.rate))
    E = ((Y - A) ** 2 / 2).sum()
    E.backward()
    out = {}
    for l, (W, (b, shared)) in enumerate(zip(Ws, bs), start=1):
        for i, row in enumerate(W.grad.tolist(), start=1):
            for j, g in enumerate(row, start=1):
                out[f"w{l}_{i}_{j}"] = g
        if shared:
            out[f"b{l}"] = b.grad.item()
        else:
            out.update({f"b{l}_{i}": g for i, g in enumerate(b.grad.tolist(), start=1)})
    return E.item(), out


#: The bound on the relative error against PyTorch (the largest seen on SPECS: 1.2e-15).
LARGEST_RELATIVE_ERROR = 1e-14


@pytest.mark.parametrize("n", range(len(SPECS)))
def test_gradients_equal_pytorchs_with_a_fixed_mask(n):
    torch = require_torch()
    spec = SPECS[n]
    d = solve(spec).derivations[0]
    E, grads = _torch_gradients(torch, spec)
    assert abs(float(d.E) - E) <= LARGEST_RELATIVE_ERROR * max(abs(E), 1e-300)
    assert set(grads) == set(d.gradients)
    for pid, g in grads.items():
        ours = float(d.gradients[pid])
        assert abs(ours - g) <= LARGEST_RELATIVE_ERROR * max(abs(g), 1e-12), (pid, ours, g)


def test_the_mask_agrees_with_nn_dropout():
    """nn.Dropout in training mode zeroes some entries and scales the rest by 1/(1 − p): the
    rule the model's ã = a·m/(1 − p) follows (its mask read back from what it kept)."""
    torch = require_torch()
    torch.manual_seed(0)
    a = torch.rand(4, 6, dtype=torch.float64) + 0.1
    layer = torch.nn.Dropout(p=0.25)
    layer.train()
    out = layer(a)
    mask = (out != 0).to(torch.float64)
    assert torch.allclose(out, a * mask / (1 - 0.25), rtol=0, atol=1e-15)


@pytest.mark.parametrize("n", range(len(SPECS)))
def test_gradients_equal_finite_differences_at_40_digits(n):
    reference.assert_finite_differences_agree(SPECS[n], solve)


def test_delta_form_agrees_with_paths():
    reference.assert_delta_form_agrees(SPECS, solve)


# ----------------------------------------------------------------------------- everywhere else

import json

from symbackprop.api import solve_for_report
from symbackprop.render.diagram import layout, styled
from symbackprop.render.report import render_tex


def test_the_reports_state_the_mask_and_grey_the_dropped_neuron():
    spec = load_spec(DROPOUT)
    tex = render_tex(solve_for_report(spec), "slides", "en")
    step = tex.split("(dropout) from frame")[1].split("%% step")[0]
    assert r"m = \left(1, 0\right)" in step and r"\frac{1}{1 - 0.5} = 2" in step
    assert r"\tilde{a}^{[1]}_{2} = a^{[1]}_{2} \cdot \frac{m_{2}}{1 - p} = 0.61538 \cdot \frac{0}{1 - 0.5} = 0" in step
    assert r"\text{(dropped)}" in step and "they vanish" in step
    assert tex.index("(dropout) from frame") < tex.index("Computing the error")
    assert r"\node[dropped] (n1_2)" in tex and r"\node[hidden] (n1_1)" in tex
    assert r"\draw[dropedge] (n1_2) -- (n2_1)" in tex and r"\draw[edge] (n1_1) -- (n2_1)" in tex
    sheet = render_tex(solve_for_report(spec), "exercise", "es")
    assert r"\tilde{a}^{[1]}_{1} = a^{[1]}_{1} \cdot \frac{m_{1}}{1 - p} = \pblank" in sheet
    drawing = styled(layout(solve(spec).model))
    assert [n["kind"] for n in drawing["nodes"] if n["id"].startswith("n1_")] == ["hidden", "dropped"]


def test_json_states_the_dropout(tmp_path):
    assert main(["solve", str(DROPOUT), "--format", "json", "-o", str(tmp_path)]) == 0
    doc = json.loads((tmp_path / "lecture_2_2_2_dropout.json").read_text())
    assert doc["dropout"] == {"1": {"rate": 0.5, "scale": 2, "masks": [[1, 0]]}}
    assert doc["values"]["r1_2"] == 0 and doc["factors"]["dr1_2/da1_2"]["value"] == 0


def test_check_reads_the_dropped_outputs(tmp_path, capsys):
    answers = tmp_path / "answers.yaml"
    answers.write_text("ã[1]_1: 1.20218\nr1_2: 0\ndE/dw[1]_2,1: 0\ndE/dw[1]_1,1: 0.00214\n")
    main(["check", str(DROPOUT), str(answers), "--lang", "en", "--format", "json"])
    summary = json.loads(capsys.readouterr().out)["summary"]
    assert summary["correct"] == 4 and summary["wrong"] == 0
    wrong = tmp_path / "wrong.yaml"
    wrong.write_text("ã[1]_1: 0.60109\n")     # the activation, without the 1/(1 − p) scale
    main(["check", str(DROPOUT), str(wrong), "--lang", "en"])
    assert "✗" in capsys.readouterr().out


@pytest.mark.parametrize("argv", [["solve", "{spec}", "--view", "layers"]])
def test_parts_without_dropout_refuse_in_one_line(argv, tmp_path, capsys):
    args = [a.format(spec=DROPOUT, out=tmp_path / "out") for a in argv]
    assert main(args) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "layers[0].dropout" in err and "does not handle dropout yet" in err


def test_a_path_through_the_mask_highlights_its_edges():
    from symbackprop.render.diagram import path_marks
    edges, nodes = path_marks(("dE1/da2_1", "da2_1/dz2_1", "dz2_1/dr1_2", "dr1_2/da1_2", "da1_2/dz1_2", "dz1_2/dw1_2_1"))
    assert edges == {"w2_1_2", "w1_2_1"} and nodes == {"n2_1", "n1_2"}


# ----------------------------------------------------------------------------- export

import importlib.util

from symbackprop.numeric.codegen import Network, export_source
from symbackprop.numeric.train import Dataset, TrainConfig, step_masks, train

from test_numeric import require_jax


def _module(tmp_path, spec, backend="numpy", name="net"):
    """The exported module, imported (array code: a spec with dropout always gets it)."""
    path = tmp_path / f"{name}_{backend}.py"
    path.write_text(export_source(spec, name=path.stem, backend=backend, scalar=False))
    loader = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(loader)
    loader.loader.exec_module(module)
    return module


def _arrays(spec):
    return ([[float(v) for v in row] for row in spec.inputs], [[float(v) for v in row] for row in spec.targets])


def _flat(grads) -> dict[str, float]:
    """The exported {W1: …, b1: …} as the derivation's ids (w1_i_j, b1 or b1_i)."""
    out = {}
    for key, g in grads.items():
        g = np.asarray(g, dtype=np.float64)
        l = key[1:]
        if key[0] == "W":
            out.update({f"w{l}_{i}_{j}": v for i, row in enumerate(g.tolist(), 1) for j, v in enumerate(row, 1)})
        elif g.ndim == 0:
            out[f"b{l}"] = float(g)
        else:
            out.update({f"b{l}_{i}": v for i, v in enumerate(g.tolist(), 1)})
    return out


def _close(ours: dict, theirs: dict, rel=1e-12):
    assert set(ours) == set(theirs)
    for k, v in theirs.items():
        assert abs(ours[k] - float(v)) <= rel * max(abs(float(v)), 1e-12), (k, ours[k], v)


@pytest.mark.parametrize("n", range(len(SPECS)))
def test_exported_gradients_equal_the_derivations_exact_ones(n, tmp_path):
    spec = SPECS[n]
    d = solve(spec).derivations[0]
    module = _module(tmp_path, spec)
    E, grads = module.loss_and_gradients(module.initial_params(), *_arrays(spec))
    assert abs(E - float(d.E)) <= 1e-12 * abs(float(d.E))
    _close(_flat(grads), d.gradients)
    # the in-memory Network runs the same lines
    E2, grads2 = Network(spec).loss_and_gradients(module.initial_params(), *_arrays(spec))
    assert E2 == E and _flat(grads2) == _flat(grads)


@pytest.mark.parametrize("n", range(len(SPECS)))
def test_torch_export_equals_pytorch_autograd_with_the_same_mask(n, tmp_path):
    assert_torch_export_agrees(tmp_path, SPECS[n], _torch_gradients, 1e-13)


def assert_torch_export_agrees(tmp_path, spec, reference, rel: float) -> None:
    """The torch export's E and gradients against ``reference(torch, spec)`` (PyTorch autograd
    on a network written from the textbook), within ``rel``."""
    torch = require_torch()
    module = _module(tmp_path, spec, "torch")
    E, grads = module.loss_and_gradients(module.initial_params(), *_arrays(spec))
    E_ref, grads_ref = reference(torch, spec)
    assert abs(E - E_ref) <= rel * abs(E_ref)
    _close(_flat({k: v.numpy() for k, v in grads.items()}), grads_ref, rel=rel)


def test_jax_export_applies_the_mask(tmp_path):
    require_jax()
    spec = SPECS[0]
    d = solve(spec).derivations[0]
    module = _module(tmp_path, spec, "jax")
    E, grads = module.loss_and_gradients(module.initial_params(), *_arrays(spec))
    assert abs(float(E) - float(d.E)) <= 1e-12 * abs(float(d.E))
    _close(_flat(grads), d.gradients)
    E_eval, _ = module.loss_and_gradients(module.initial_params(), *_arrays(spec), training=False)
    plain = _module(tmp_path, _without_dropout(spec), "jax", "plain")
    assert abs(float(E_eval) - float(plain.loss_and_gradients(plain.initial_params(), *_arrays(spec))[0])) < 1e-15


def _without_dropout(spec):
    return replace(spec, layers=tuple(replace(layer, dropout=None) for layer in spec.layers))


@pytest.mark.parametrize("backend", ["numpy", "torch"])
@pytest.mark.parametrize("n", [0, 1, 2])
def test_eval_mode_is_the_network_without_dropout(n, backend, tmp_path):
    if backend == "torch":
        require_torch()
    spec = SPECS[n]
    module = _module(tmp_path, spec, backend)
    plain = _module(tmp_path, _without_dropout(spec), backend, "plain")
    P, (X, Y) = module.initial_params(), _arrays(spec)
    assert np.array_equal(np.asarray(module.forward(P, X, training=False)), np.asarray(plain.forward(P, X)))
    E, grads = module.loss_and_gradients(P, X, Y, training=False)
    E_plain, grads_plain = plain.loss_and_gradients(P, X, Y)
    assert E == E_plain and _flat(grads) == _flat(grads_plain)
    # in training (the default) the mask is applied: the output differs where a neuron is dropped
    assert not np.array_equal(np.asarray(module.forward(P, X)), np.asarray(plain.forward(P, X)))


def test_masks_given_to_the_exported_functions_are_the_derivation_of_that_mask(tmp_path):
    spec = load_spec(DROPOUT)
    other = spec_from_dict(lecture_like({"rate": 0.5, "mask": [0, 1]}))
    module = _module(tmp_path, spec)
    E, grads = module.loss_and_gradients(module.initial_params(), *_arrays(spec), masks={1: [[0, 1]]})
    d = solve(other).derivations[0]
    assert abs(E - float(d.E)) <= 1e-12 * float(d.E)
    _close(_flat(grads), d.gradients)


def test_the_exported_module_says_what_dropout_does(tmp_path):
    source = export_source(load_spec(DROPOUT))
    assert "def forward(params, X, training=True, masks=None):" in source
    assert "def loss_and_gradients(params, X, Y, training=True, masks=None):" in source
    assert "DROPOUT = {\n    1: (0.5, np.array([[1.0, 0.0]], dtype=np.float64)),\n}" in source
    assert "# ∂E/∂a[1] = ∂E/∂ã[1] · m/(1 − p)" in source and "training=False skips it" in source
    with pytest.raises(ValueError, match="no dropout"):
        export_source(load_spec(DROPOUT), scalar=True)
    # a spec without dropout keeps its functions as they were
    assert "training" not in export_source(_without_dropout(load_spec(DROPOUT)))


def test_export_cli_writes_the_module(tmp_path, capsys):
    assert main(["export", str(DROPOUT), "-o", str(tmp_path / "net.py")]) == 0
    assert "_dropout_factor(1, masks, training)" in (tmp_path / "net.py").read_text()


# ----------------------------------------------------------------------------- train

def test_training_with_a_seed_is_byte_identical(tmp_path, capsys):
    outputs = []
    for run in ("a", "b"):
        argv = ["train", str(DROPOUT), "--dataset", "xor", "--epochs", "30", "--batch-size", "2", "--seed", "7",
                "--lang", "en", "-o", str(tmp_path / run)]
        assert main(argv) == 0
        outputs.append(capsys.readouterr().out.replace(str(tmp_path / run), "OUT"))
    assert outputs[0] == outputs[1] and "measured without dropout, in eval mode" in outputs[0]
    for name in ("lecture_2_2_2_dropout-trained.yaml", "lecture_2_2_2_dropout-loss.png",
                 "lecture_2_2_2_dropout-gradients.png"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
    other = tmp_path / "c"
    assert main(["train", str(DROPOUT), "--dataset", "xor", "--epochs", "30", "--batch-size", "2", "--seed", "8",
                 "-o", str(other)]) == 0
    assert (other / "lecture_2_2_2_dropout-trained.yaml").read_bytes() != \
        (tmp_path / "a" / "lecture_2_2_2_dropout-trained.yaml").read_bytes()


def test_step_masks_are_fresh_per_step_and_example_and_keep_one_minus_p():
    spec = spec_from_dict(lecture_like({"rate": 0.25, "mask": [1, 0]}))
    first, again, second = step_masks(spec, 3, 1, 4000), step_masks(spec, 3, 1, 4000), step_masks(spec, 3, 2, 4000)
    assert set(first) == {1} and first[1].shape == (4000, 2)
    assert np.array_equal(first[1], again[1]) and not np.array_equal(first[1], second[1])
    assert len({tuple(r) for r in first[1][:16].tolist()}) > 1          # not one row repeated
    assert abs(first[1].mean() - 0.75) < 0.02                             # kept with probability 1 − p
    assert step_masks(_without_dropout(spec), 3, 1, 4) is None


def test_sgd_steps_equal_pytorchs_with_the_same_masks():
    """Three SGD steps on a mini-batch of two examples: PyTorch float64 with the masks of
    step_masks (nn.Dropout's training rule a·m/(1 − p)) and autograd, against train()."""
    torch = require_torch()
    spec = load_spec(DROPOUT)
    X = np.array([[0.1, 0.5], [0.7, -0.2]])
    Y = np.array([[0.05, 0.95], [0.9, 0.1]])
    # the same example twice: whatever order the batch is shuffled in, each row meets its mask
    data = Dataset("two", np.concatenate([X[:1], X[:1]]), np.concatenate([Y[:1], Y[:1]]))
    config = TrainConfig(epochs=3, batch_size=2, optimizer="sgd", lr=0.6, seed=11)
    result = train(spec, data, config)
    W = [torch.tensor([[float(v) for v in r] for r in layer.weights], dtype=torch.float64) for layer in spec.layers]
    b = [torch.tensor(float(layer.bias), dtype=torch.float64) for layer in spec.layers]
    x, y = torch.tensor(data.X), torch.tensor(data.Y)
    for t in range(1, 4):
        for p in W + b:
            p.requires_grad_(True)
        mask = torch.tensor(step_masks(spec, 11, t, 2)[1])
        a1 = torch.sigmoid(x @ W[0].T + b[0])
        r1 = a1 * mask / (1 - 0.5)              # nn.Dropout's rule (test_the_mask_agrees_with_nn_dropout)
        yhat = torch.sigmoid(r1 @ W[1].T + b[1])
        E = ((yhat - y) ** 2 / 2).sum()
        E.backward()
        with torch.no_grad():   # update_biases: false in the example
            W = [w - 0.6 * w.grad for w in W]
            b = [v.detach() for v in b]
    for l, w in enumerate(W, start=1):
        assert np.allclose(result.params[f"W{l}"], w.detach().numpy(), rtol=1e-13, atol=1e-15)
    # the reported loss (per example: the spec's reduction is a sum) is the eval-mode one
    # (no dropout) of the final parameters
    net = Network(spec)
    eval_loss = net.loss_and_gradients(result.params, data.X, data.Y, training=False)[0]
    assert result.history[-1][1] == eval_loss / 2
    assert eval_loss != net.loss_and_gradients(result.params, data.X, data.Y, masks=step_masks(spec, 11, 3, 2))[0]


# ----------------------------------------------------------------------------- check: the forgotten scale

import decimal
from decimal import Decimal as D

import yaml

from symbackprop.api import check_file


def _student(forgets: str, places: int = 5) -> dict[str, D]:
    """A student's hand calculation of the dropout example, written from the lecture without
    the engine (the YAML read by yaml.safe_load, Decimal at 40 digits, every value rounded half
    up to ``places`` as he writes it): ã = a·m/(1 − p), z = Σ w·ã + b, δ = (ŷ − y)·ŷ(1 − ŷ),
    ∂E/∂w[2] = δ·ã, ∂E/∂ã = Σ δ·w, ∂E/∂a = ∂E/∂ã·m/(1 − p), δ[1] = ∂E/∂a·a(1 − a), ∂E/∂w[1] = δ·x.
    ``forgets`` the 1/(1 − p): "both" (the classic slip, in both passes), "forward" (ã = a·m),
    "backward" (∂ã/∂a = m) or "" (no slip)."""
    decimal.getcontext().prec = 40
    raw = yaml.safe_load(DROPOUT.read_text())
    r = lambda v: v.quantize(D(1).scaleb(-places), rounding=decimal.ROUND_HALF_UP)  # noqa: E731
    sig = lambda z: r(1 / (1 + (-z).exp()))  # noqa: E731
    x = [D(str(v)) for v in raw["inputs"]]
    y = [D(str(v)) for v in raw["targets"]]
    h, o = raw["layers"]
    p, mask = D(str(h["dropout"]["rate"])), h["dropout"]["mask"]
    W1 = [[D(str(v)) for v in row] for row in h["weights"]]
    W2 = [[D(str(v)) for v in row] for row in o["weights"]]
    b1, b2 = D(str(h["bias"])), D(str(o["bias"]))
    out: dict[str, D] = {}
    a1 = [sig(r(sum(W1[i][j] * x[j] for j in range(2)) + b1)) for i in range(2)]
    scale = lambda i, slip: mask[i] * (1 if slip else 1 / (1 - p))  # noqa: E731
    rr = [r(a1[i] * scale(i, forgets in ("forward", "both"))) for i in range(2)]
    z2 = [r(sum(W2[k][i] * rr[i] for i in range(2)) + b2) for k in range(2)]
    a2 = [sig(z) for z in z2]
    d2 = [r(r(a2[k] - y[k]) * r(a2[k] * (1 - a2[k]))) for k in range(2)]
    dr = [r(sum(d2[k] * W2[k][i] for k in range(2))) for i in range(2)]
    da = [r(dr[i] * scale(i, forgets in ("backward", "both"))) for i in range(2)]
    d1 = [r(da[i] * r(a1[i] * (1 - a1[i]))) for i in range(2)]
    out["r1_1"], out["z2_1"], out["a2_1"] = rr[0], z2[0], a2[0]
    out["dE/dw2_1_1"], out["dE/dw2_2_1"] = r(d2[0] * rr[0]), r(d2[1] * rr[0])
    out["dE/dw1_1_1"], out["dE/dw1_1_2"] = r(d1[0] * x[0]), r(d1[0] * x[1])
    return out


def _judge(sheet: dict[str, D], keys, tmp_path):
    path = tmp_path / "sheet.yaml"
    path.write_text("".join(f"{k}: {sheet[k]}\n" for k in keys))
    return {i.quantity: i for i in check_file(load_spec(DROPOUT), path)[1].items}


def test_a_clean_student_is_right(tmp_path):
    sheet = _student("")
    items = _judge(sheet, sheet, tmp_path)
    assert {i.verdict for i in items.values()} <= {"correct", "rounding"}, items


def test_an_unscaled_a_tilde_is_diagnosed_and_carried_through(tmp_path):
    sheet = _student("forward")
    items = _judge(sheet, sheet, tmp_path)
    root = items["r1_1"]
    assert root.verdict == "wrong" and root.diagnosis.kind == "dropout_scale" and root.diagnosis.used_value == 2
    for q in ("z2_1", "a2_1", "dE/dw2_1_1", "dE/dw2_2_1", "dE/dw1_1_1", "dE/dw1_1_2"):
        assert items[q].verdict == "carried_forward" and items[q].roots == ("r1_1",), (q, items[q])


def test_the_scale_forgotten_in_both_passes(tmp_path):
    """The classic slip: ã = a·m written, and ∂ã/∂a = m used (not written) in the backward
    pass: what follows ã carries it; the first layer's gradients show it again, at ∂ã/∂a."""
    sheet = _student("both")
    items = _judge(sheet, sheet, tmp_path)
    assert items["r1_1"].diagnosis.kind == "dropout_scale"
    for q in ("z2_1", "a2_1", "dE/dw2_1_1", "dE/dw2_2_1"):
        assert items[q].verdict == "carried_forward" and items[q].roots == ("r1_1",), (q, items[q])
    for q in ("dE/dw1_1_1", "dE/dw1_1_2"):
        d = items[q].diagnosis
        assert items[q].verdict == "wrong" and d.kind == "dropout_scale" and d.at == "dr1_1/da1_1", (q, d)


def test_the_forgotten_scale_is_found_where_it_was_not_written(tmp_path):
    # only gradients written: the slip is at ã (and ∂ã/∂a), computed on the way
    sheet = _student("both")
    items = _judge(sheet, ["dE/dw2_1_1", "dE/dw1_1_1"], tmp_path)
    for q in ("dE/dw2_1_1", "dE/dw1_1_1"):
        d = items[q].diagnosis
        assert items[q].verdict == "wrong" and d.kind == "dropout_scale" and d.at == "r1_1", (q, d)
    # forward right, ∂ã/∂a taken as m in the backward pass
    sheet = _student("backward")
    items = _judge(sheet, ["r1_1", "dE/dw2_1_1", "dE/dw1_1_1"], tmp_path)
    assert items["r1_1"].verdict == "correct" and items["dE/dw2_1_1"].verdict in ("correct", "rounding")
    d = items["dE/dw1_1_1"].diagnosis
    assert d.kind == "dropout_scale" and d.at == "dr1_1/da1_1"


def test_the_diagnosis_reads_in_both_languages(tmp_path, capsys):
    answers = tmp_path / "answers.yaml"
    answers.write_text(f"ã[1]_1: {_student('forward')['r1_1']}\n")
    main(["check", str(DROPOUT), str(answers), "--lang", "en"])
    out = capsys.readouterr().out
    assert "dropout's scale 1/(1 - p) = 2 is missing" in out and "not a·m" in out
    main(["check", str(DROPOUT), str(answers), "--lang", "es"])
    assert "falta la escala 1/(1 - p) = 2 del dropout" in capsys.readouterr().out
    main(["check", str(DROPOUT), str(answers), "--lang", "en", "--format", "json"])
    doc = json.loads(capsys.readouterr().out)
    assert "dropout_scale" in json.dumps(doc)


# ----------------------------------------------------------------------------- variants

from symbackprop.core import ids
from symbackprop.exercises.variants import make_variants, problems


@pytest.mark.parametrize("dropout, batch", [({"rate": 0.5, "mask": [1, 0]}, False), ({"rate": 0.25, "seed": 3}, True),
                                            ({"rate": 0.5, "mask": [[0, 1], [1, 1]]}, True)])
def test_variants_keep_the_mask_and_the_rate(dropout, batch):
    data = lecture_like(dropout, **({"inputs": [[0.1, 0.5], [0.3, 0.2]], "targets": [[0.05, 0.95], [0.5, 0.5]]}
                                    if batch else {}))
    spec = spec_from_dict(data)
    variants = make_variants(spec, 4, seed=1)
    assert len(variants) == 4
    for v in variants:
        assert v.spec.layers[0].dropout == spec.layers[0].dropout          # rate, masks, seed, as stated
        assert v.spec.layers[0].weights != spec.layers[0].weights         # the numbers did change
        written = spec_to_dict(v.spec)["layers"][0]["dropout"]
        assert written == dropout                                         # the variant's file keeps it
        assert problems(v.spec) == []
        d = solve(v.spec).derivations[0]
        with exact():
            for n, mask in enumerate(spec.layers[0].dropout.masks, start=1):
                for i, m in enumerate(mask, start=1):
                    example = n if batch else None
                    expected = d.values[ids.a(1, i, example)] * m / (1 - spec.layers[0].dropout.rate)
                    assert abs(d.values[ids.r(1, i, example)] - expected) < Decimal("1e-40")

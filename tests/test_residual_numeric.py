"""Residual blocks in the numeric path (issue 15): the exported module (NumPy array and
straight-line code, torch, JAX) and `train` add the shortcut h = a + x (or a + W_s·x) and send
∂E/∂h back along it. Checked against the exact derivation (its own, independent model: the
shortcut as an edge of the graph) and against PyTorch float64 autograd on a residual
nn.Module written from the textbook (test_residual._torch_gradients)."""
from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
import yaml

from symbackprop import load_spec, solve, spec_from_dict
from symbackprop.cli import main
from symbackprop.core import ids
from symbackprop.numeric.codegen import Network, export_source, scalar_supported
from symbackprop.numeric.train import Dataset, TrainConfig, train

from test_dropout import _arrays, _close, _flat, _module, assert_torch_export_agrees
from test_numeric import require_jax, require_torch
from test_residual import LARGEST_RELATIVE_ERROR, RESIDUAL, SPECS, _torch_gradients


def _per_neuron(spec):
    """The spec with each shared bias written out per neuron (PyTorch's b is a vector)."""
    return replace(spec, layers=tuple(
        replace(l, bias=(l.bias,) * l.units) if l.shared_bias else l for l in spec.layers))


@pytest.mark.parametrize("n", range(len(SPECS)))
@pytest.mark.parametrize("scalar", [False, True])
def test_exported_gradients_equal_the_derivations_exact_ones(n, scalar, tmp_path):
    spec = SPECS[n]
    d = solve(spec).derivations[0]
    path = tmp_path / "net.py"
    path.write_text(export_source(spec, name="net", scalar=scalar))
    module = _module(tmp_path, spec) if not scalar else _import(path)
    E, grads = module.loss_and_gradients(module.initial_params(), *_arrays(spec))
    assert abs(E - float(d.E)) <= 1e-12 * abs(float(d.E))
    _close(_flat(grads), d.gradients)
    # the forward pass ends in the derivation's ŷ
    L, K = len(spec.layers), spec.layers[-1].units
    yhat = np.asarray(module.forward(module.initial_params(), _arrays(spec)[0]))
    for e in range(len(spec.inputs)):
        for k in range(1, K + 1):
            key = ids.a(L, k, e + 1 if spec.batch else None)
            exact = float(d.values[key])
            assert abs(yhat[e, k - 1] - exact) <= 1e-13 * abs(exact), key


def _import(path):
    import importlib.util
    loader = importlib.util.spec_from_file_location(path.stem + "_scalar", path)
    module = importlib.util.module_from_spec(loader)
    loader.loader.exec_module(module)
    return module


def test_small_residual_networks_get_straight_line_code():
    spec = load_spec(RESIDUAL)
    assert scalar_supported(spec)
    source = export_source(spec)
    assert "h2_1 = a1_1 + a2_1" in source and "d_a1_1 = d_z2_1 * (w2_1_1) + d_z2_2 * (w2_2_1) + d_h2_1 * (1)" in source


#: The bound on the torch export's relative error against PyTorch autograd on SPECS[1:]; the
#: largest measured, 1.2e-14, is PyTorch's own rounding (the export is within 6e-15 of the
#: exact derivation; test_residual.LARGEST_RELATIVE_ERROR says where PyTorch cancels).
TORCH_BOUND = 2e-14


@pytest.mark.parametrize("n", range(1, len(SPECS)))
def test_torch_export_equals_pytorch_autograd_on_a_residual_module(n, tmp_path):
    assert_torch_export_agrees(tmp_path, SPECS[n], _torch_gradients, TORCH_BOUND)


def test_numpy_export_of_the_example_equals_pytorch(tmp_path):
    torch = require_torch()
    spec = _per_neuron(load_spec(RESIDUAL))
    module = _module(tmp_path, spec)
    E, grads = module.loss_and_gradients(module.initial_params(), *_arrays(spec))
    E_ref, grads_ref = _torch_gradients(torch, spec)
    assert abs(E - E_ref) <= LARGEST_RELATIVE_ERROR * E_ref
    _close(_flat(grads), grads_ref, rel=LARGEST_RELATIVE_ERROR)


@pytest.mark.parametrize("n", [0, 3])
def test_jax_export_adds_the_shortcut(n, tmp_path):
    require_jax()
    spec = SPECS[n]
    d = solve(spec).derivations[0]
    module = _module(tmp_path, spec, "jax")
    E, grads = module.loss_and_gradients(module.initial_params(), *_arrays(spec))
    assert abs(float(E) - float(d.E)) <= 1e-12 * abs(float(d.E))
    _close(_flat(grads), d.gradients)


def test_the_projection_is_fixed_and_not_a_parameter():
    spec = next(s for s in SPECS if any(l.residual is not None and l.residual.weights is not None
                                        for l in s.layers))
    source = export_source(spec, scalar=False)
    assert "SHORTCUTS = {" in source and "not trained" in source and "@ SHORTCUTS[" in source
    assert set(Network(spec).initial_params()) == {f"{k}{l}" for l in range(1, len(spec.layers) + 1) for k in "Wb"}


def test_without_the_shortcut_the_numbers_differ(tmp_path):
    """The test above can fail: dropping the shortcut changes E and the gradients."""
    spec = load_spec(RESIDUAL)
    plain = replace(spec, layers=tuple(replace(l, residual=None) for l in spec.layers))
    P, (X, Y) = Network(spec).initial_params(), _arrays(spec)
    E, _ = Network(spec).loss_and_gradients(P, X, Y)
    E_plain, _ = Network(plain).loss_and_gradients(P, X, Y)
    assert abs(E - E_plain) > 1e-3


# ----------------------------------------------------------------------------- train

def test_sgd_steps_equal_pytorchs_residual_module():
    """Five full-batch SGD steps of train() against PyTorch float64 autograd on the same
    residual network; W_s stays as given."""
    torch = require_torch()
    spec = next(s for s in SPECS[1:] if any(l.residual is not None and l.residual.weights is not None
                                            for l in s.layers))
    X = np.array([[float(v) for v in r] for r in spec.inputs])
    Y = np.array([[float(v) for v in r] for r in spec.targets])
    result = train(spec, Dataset("spec", X, Y), TrainConfig(epochs=5, batch_size=len(X), lr=0.3, seed=1))
    current = spec
    for _ in range(5):
        _, grads = _torch_gradients(torch, current)
        layers = []
        for l, layer in enumerate(current.layers, start=1):
            weights = tuple(tuple(w - type(w)(repr(0.3 * grads[f"w{l}_{i}_{j}"])) for j, w in enumerate(row, 1))
                            for i, row in enumerate(layer.weights, 1))
            bias = tuple(b - type(b)(repr(0.3 * grads[f"b{l}_{i}"])) for i, b in enumerate(layer.bias, 1))
            layers.append(replace(layer, weights=weights, bias=bias))
        current = replace(current, layers=tuple(layers))
    for l, layer in enumerate(current.layers, start=1):
        ref = np.array([[float(v) for v in row] for row in layer.weights])
        assert np.allclose(result.params[f"W{l}"], ref, rtol=1e-12, atol=1e-14), l


def test_train_cli_writes_a_trained_spec_solve_derives(tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["train", str(RESIDUAL), "--dataset", "xor", "--epochs", "20", "--batch-size", "4",
                 "--lang", "en", "-o", str(out)]) == 0
    trained = out / "residual_2_2_2_2-trained.yaml"
    data = yaml.safe_load(trained.read_text())
    assert data["layers"][1]["residual"] == {"from": 1}
    spec = load_spec(trained)
    assert spec.layers[0].weights != load_spec(RESIDUAL).layers[0].weights
    assert solve(spec).derivations[0].values["h2_1"] > 0
    assert main(["export", str(RESIDUAL), "-o", str(tmp_path / "net.py"), "--backend", "torch"]) == 0
    assert "H(x) = F(x) + x" in (tmp_path / "net.py").read_text()


def test_a_deep_chain_of_blocks_from_the_inputs(tmp_path):
    """Blocks that start where another block ends (h from h), and one from the inputs."""
    layers = [{"units": 2, "activation": "tanh", "weights": [[0.3, -0.2], [0.1, 0.4]], "bias": [0.1, -0.1],
               "residual": {"from": 0}}]
    for l in range(2, 6):
        layers.append({"units": 2, "activation": "sigmoid", "weights": [[0.2 * l, -0.3], [0.5, 0.1 * l]],
                       "bias": [0.05, 0.02], "residual": {"from": l - 1}})
    layers.append({"units": 1, "activation": "sigmoid", "weights": [[0.7, -0.4]], "bias": [0.2]})
    spec = spec_from_dict({"inputs": [[0.5, -0.3], [0.2, 0.9]], "targets": [[0.3], [0.8]], "layers": layers})
    d = solve(spec).derivations[0]
    module = _module(tmp_path, spec)
    E, grads = module.loss_and_gradients(module.initial_params(), *_arrays(spec))
    assert abs(E - float(d.E)) <= 1e-12 * float(d.E)
    _close(_flat(grads), d.gradients)

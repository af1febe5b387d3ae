"""The numeric path against PyTorch autograd (float64), against the exact derivation, and
the exported module against the in-memory one. The in-memory Network runs the generated array
code, so PyTorch is the independent check of both forms the generator writes: the array code
(through Network) and the straight-line scalar code. PyTorch is a test-only dependency: without
it these tests skip on a laptop and fail in CI (CI or SYMBACKPROP_REQUIRE_TORCH set). JAX
(jax==0.10.2, CPU) is the same kind of test-only dependency for the exported JAX backend
(CI or SYMBACKPROP_REQUIRE_JAX set)."""
from __future__ import annotations

import importlib.util
import os

import numpy as np
import pytest

from symbackprop import solve, spec_from_dict
from symbackprop.numeric.codegen import Network, _scalar_possible, export_source

from test_selfcheck import random_spec


def require_torch():
    try:
        import torch  # noqa: F401
    except ImportError:
        if os.environ.get("CI") or os.environ.get("SYMBACKPROP_REQUIRE_TORCH"):
            pytest.fail("PyTorch (torch==2.13.0) is missing: CI must install it (make test does)")
        pytest.skip("no PyTorch on this machine")
    import torch
    return torch


def require_jax():
    try:
        import jax  # noqa: F401
    except ImportError:
        if os.environ.get("CI") or os.environ.get("SYMBACKPROP_REQUIRE_JAX"):
            pytest.fail("JAX (jax==0.10.2) is missing: CI must install it (make test does)")
        pytest.skip("no JAX on this machine")
    import jax
    return jax


def torch_loss_and_gradients(torch, spec, params, X, Y):
    F = torch.nn.functional
    P = {k: torch.tensor(v, dtype=torch.float64, requires_grad=True) for k, v in params.items()}
    A = torch.tensor(X, dtype=torch.float64)
    Yt = torch.tensor(Y, dtype=torch.float64)
    for l, layer in enumerate(spec.layers, start=1):
        Z = A @ P[f"W{l}"].T + (P[f"b{l}"] if f"b{l}" in P else 0)
        A = {"sigmoid": torch.sigmoid, "tanh": torch.tanh, "relu": torch.relu, "linear": lambda z: z,
             "softplus": F.softplus, "softmax": lambda z: torch.softmax(z, dim=1),
             "leaky_relu": lambda z: F.leaky_relu(z, float(layer.slope or 0)),
             "elu": F.elu, "swish": F.silu}[layer.activation](Z)
    K = spec.layers[-1].units
    if spec.loss == "half_sse":
        E = 0.5 * ((Yt - A) ** 2).sum()
    elif spec.loss == "mse":
        E = ((Yt - A) ** 2).sum() / K
    elif spec.loss == "binary_cross_entropy":
        E = F.binary_cross_entropy(A, Yt, reduction="sum")
    else:
        E = -(Yt * torch.log(A)).sum()
    if spec.reduction == "mean":
        E = E / X.shape[0]
    reg = spec.regularization
    for k, p in P.items():
        if k.startswith("W") or reg.include_biases:
            if reg.l2 is not None:
                E = E + float(reg.l2) / 2 * (p ** 2).sum()
            if reg.l1 is not None:
                E = E + float(reg.l1) / 2 * p.abs().sum()
    E.backward()
    return E.item(), {k: p.grad.numpy() for k, p in P.items()}


def batch(spec):
    return (np.array([[float(v) for v in row] for row in spec.inputs]),
            np.array([[float(v) for v in row] for row in spec.targets]))


def close(a, b) -> bool:
    """Relative error at most 1e-10 (1e-15 absolute for values that are 0 up to round-off)."""
    return bool(np.all(np.abs(a - b) <= 1e-10 * np.abs(b) + 1e-15))


# Every seed in array code; in straight-line scalar code the seeds it can express (no softmax,
# no fused loss), chosen here rather than skipped.
FORMS = [("array", s) for s in range(400, 460)] + [
    ("scalar", s) for s in range(400, 460) if _scalar_possible(random_spec(s, max_layers=3, max_units=4))]


@pytest.mark.parametrize("form,seed", FORMS)
def test_gradients_equal_pytorch_autograd(tmp_path, seed, form):
    torch = require_torch()
    spec = random_spec(seed, max_layers=3, max_units=4)
    if form == "array":
        net = Network(spec)
    else:
        net = _load(_write(tmp_path / f"scalar{seed}.py", export_source(spec, scalar=True)), f"scalar{seed}")
    params = net.initial_params()
    X, Y = batch(spec)
    E, grads = net.loss_and_gradients(params, X, Y)
    tE, tgrads = torch_loss_and_gradients(torch, spec, params, X, Y)
    assert abs(E - tE) <= 1e-10 * max(1.0, abs(tE))
    assert set(grads) == set(tgrads)
    for k in grads:
        assert grads[k].shape == params[k].shape
        assert close(grads[k], tgrads[k]), (seed, k, grads[k], tgrads[k])


def test_numeric_equals_the_exact_derivation(lecture_spec):
    net = Network(lecture_spec)
    E, grads = net.loss_and_gradients(net.initial_params(), *batch(lecture_spec))
    d = solve(lecture_spec).derivations[0]
    assert E == pytest.approx(float(d.E), abs=1e-15)
    assert grads["W2"][0, 0] == pytest.approx(float(d.gradients["w2_1_1"]), abs=1e-15)
    assert grads["W1"][1, 0] == pytest.approx(float(d.gradients["w1_2_1"]), abs=1e-15)
    assert float(grads["b1"]) == pytest.approx(float(d.gradients["b1"]), abs=1e-15)


@pytest.mark.parametrize("seed", range(500, 515))
def test_exported_module_equals_the_in_memory_one(tmp_path, seed):
    spec = random_spec(seed, max_layers=3, max_units=4)
    path = tmp_path / f"net{seed}.py"
    path.write_text(export_source(spec))
    module_spec = importlib.util.spec_from_file_location(f"net{seed}", path)
    module = importlib.util.module_from_spec(module_spec)
    module_spec.loader.exec_module(module)
    net = Network(spec)
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(7, len(spec.inputs[0])))
    Y = rng.uniform(0.05, 0.95, size=(7, spec.layers[-1].units))
    params = module.initial_params()
    for k, v in net.initial_params().items():
        assert np.array_equal(params[k], v) and params[k].shape == v.shape
    # the in-memory network runs the exported array code (all but initial_params)
    array_code = export_source(spec, scalar=False)
    assert net.source.split("def forward(")[1] == array_code.split("def forward(")[1]
    E1, g1 = module.loss_and_gradients(params, X, Y)
    E2, g2 = net.loss_and_gradients(params, X, Y)
    assert E1 == pytest.approx(E2, rel=1e-12)
    for k in g1:
        assert np.allclose(g1[k], g2[k], rtol=1e-12, atol=1e-15)
    assert np.allclose(module.forward(params, X), net.forward(params, X), rtol=1e-12)
    # the module imports nothing but NumPy (and the standard library's math)
    imports = [l for l in path.read_text().splitlines() if l.startswith(("import ", "from "))]
    assert set(imports) <= {"import numpy as np", "import math"} and "import numpy as np" in imports
    from symbackprop.numeric.codegen import scalar_supported
    # small networks become straight-line scalar code, larger ones array code
    assert ("def _sig(" in path.read_text()) == scalar_supported(spec)


def _load(path, name):
    module_spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(module_spec)
    module_spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("backend", ["torch", "jax"])
@pytest.mark.parametrize("seed", range(600, 606))
def test_torch_and_jax_backends_run_the_same_lines(tmp_path, backend, seed):
    if backend == "torch":
        require_torch()
    else:
        require_jax()
    spec = random_spec(seed, max_layers=3, max_units=4)
    ours = _load(_write(tmp_path / f"np{seed}.py", export_source(spec)), f"np{seed}")
    theirs = _load(_write(tmp_path / f"{backend}{seed}.py", export_source(spec, backend=backend)),
                   f"{backend}{seed}")
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(5, len(spec.inputs[0])))
    Y = rng.uniform(0.05, 0.95, size=(5, spec.layers[-1].units))
    E1, g1 = ours.loss_and_gradients(ours.initial_params(), X, Y)
    E2, g2 = theirs.loss_and_gradients(theirs.initial_params(), X, Y)
    assert float(E2) == pytest.approx(E1, rel=1e-12)
    for k in g1:
        assert np.allclose(np.asarray(g2[k]), g1[k], rtol=1e-10, atol=1e-14), k


def _write(path, text):
    path.write_text(text)
    return path


def test_the_in_memory_network_runs_no_text_of_the_spec(tmp_path):
    """Network compiles generated code; a title written to close the docstring and run code
    stays text (the same guard as the exported module's)."""
    marker = tmp_path / "ran"
    title = f'x"""\nopen({str(marker)!r}, "w").write("1")\n"""'
    spec = spec_from_dict({"title": title, "inputs": [0.1, 0.5], "targets": [0.05, 0.95],
                           "layers": [{"units": 2, "activation": "sigmoid", "weights": [[0.1, 0.3], [0.2, 0.4]]}]},
                          "<t>")
    net = Network(spec)
    assert not marker.exists()
    E, _ = net.loss_and_gradients(net.initial_params(), [[0.1, 0.5]], [[0.05, 0.95]])
    assert not marker.exists() and E > 0

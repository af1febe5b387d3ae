"""Vanishing gradients, shown (issue 15): `symbackprop gradients` measures ‖∂E/∂W[l]‖ of every
layer at initialization and after every epoch, for several networks, prints a table and draws
deck 004's figure. The norms are checked against the exact derivation (at initialization: the
examples' own inputs are XOR's four rows) and against PyTorch float64 autograd over training
(the same full-batch SGD steps written in PyTorch)."""
from __future__ import annotations

import math

import numpy as np
import pytest

from symbackprop import load_spec, solve
from symbackprop.api import gradients_figure, training_data, vanishing_gradients
from symbackprop.cli import main
from symbackprop.numeric.train import TrainConfig

from conftest import ROOT
from test_numeric import require_torch

PLAIN = ROOT / "examples" / "deep_sigmoid.yaml"
RESIDUAL = ROOT / "examples" / "deep_sigmoid_residual.yaml"
SPECS = (load_spec(PLAIN), load_spec(RESIDUAL))


@pytest.fixture(scope="module")
def runs():
    return vanishing_gradients(SPECS, "xor", TrainConfig(epochs=6, batch_size=4, lr=0.5), language="en")


def test_the_examples_are_deep_sigmoid_networks_twins_but_for_the_shortcuts():
    plain, residual = SPECS
    assert len(plain.layers) == 9 and {l.activation for l in plain.layers} == {"sigmoid"}
    assert [l.residual.source if l.residual else None for l in residual.layers] == [None, 1, 2, 3, 4, 5, 6, 7, None]
    assert [l.weights for l in plain.layers] == [l.weights for l in residual.layers]
    assert training_data(plain, "xor").X.tolist() == [[float(v) for v in r] for r in plain.inputs]


@pytest.mark.parametrize("n", [0, 1])
def test_the_norms_at_initialization_are_the_exact_derivations(runs, n):
    d = solve(SPECS[n]).derivations[0]
    for l in range(1, 10):
        exact = math.sqrt(sum(float(v) ** 2 for k, v in d.gradients.items() if k.startswith(f"w{l}_")))
        assert abs(runs.runs[n].norms[0][l - 1] - exact) <= 1e-12 * exact, l
    assert abs(runs.runs[n].losses[0] - float(d.E) / 4) <= 1e-13 * float(d.E)


def test_the_plain_networks_gradient_vanishes_and_the_shortcuts_keep_it(runs):
    """What the figure shows, as numbers: at initialization the first layer's gradient is
    below a ten-thousandth of the last's without shortcuts, within a factor 100 with them."""
    plain, residual = runs.runs
    assert plain.norms[0][0] / plain.norms[0][-1] < 1e-4
    assert all(a < b for a, b in zip(plain.norms[0], plain.norms[0][1:]))    # smaller toward the input
    assert residual.norms[0][0] / residual.norms[0][-1] > 1e-2
    assert residual.norms[0][0] > 1e4 * plain.norms[0][0]


def _torch_norms(torch, spec, epochs: int, lr: float):
    """Full-batch SGD on XOR written in PyTorch from the textbook (sigmoid layers, h = a + x
    where a block ends, binary cross-entropy summed over the batch, PyTorch's own); ‖∂E/∂W[l]‖ before each
    step and after the last, from autograd."""
    X = torch.tensor([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]], dtype=torch.float64)
    Y = torch.tensor([[0.0], [1.0], [1.0], [0.0]], dtype=torch.float64)
    W = [torch.tensor([[float(v) for v in r] for r in l.weights], dtype=torch.float64, requires_grad=True)
         for l in spec.layers]
    b = [torch.zeros(l.units, dtype=torch.float64, requires_grad=True) for l in spec.layers]
    out = []
    for step in range(epochs + 1):
        outputs, A = [X], X
        for l, layer in enumerate(spec.layers):
            Z = A @ W[l].T + b[l]
            A = torch.sigmoid(Z)
            if layer.residual is not None:
                A = A + outputs[layer.residual.source]
            outputs.append(A)
        # −Σ [y ln σ(z) + (1 − y) ln(1 − σ(z))], from the logits (finite where σ(z) rounds to 1)
        E = torch.nn.functional.binary_cross_entropy_with_logits(Z, Y, reduction="sum")
        for p in W + b:
            p.grad = None
        E.backward()
        out.append([float(torch.linalg.norm(w.grad)) for w in W])
        with torch.no_grad():
            for p in W + b:
                p -= lr * p.grad
    return out


@pytest.mark.parametrize("n", [0, 1])
def test_the_norms_over_training_equal_pytorchs(runs, n):
    torch = require_torch()
    ref = _torch_norms(torch, SPECS[n], 6, 0.5)
    run = runs.runs[n]
    assert run.epochs == tuple(range(7))
    for t, (ours, theirs) in enumerate(zip(run.norms, ref)):
        for l, (a, b) in enumerate(zip(ours, theirs), start=1):
            assert abs(a - b) <= 1e-9 * b, (t, l, a, b)
    # the norms change as the network trains (a figure of a constant would pass the above too)
    assert run.norms[-1] != run.norms[0]


def test_the_figure_is_deterministic_png_and_pdf(runs):
    png = gradients_figure(runs, "png")
    assert png.startswith(b"\x89PNG") and png == gradients_figure(runs, "png")
    pdf = gradients_figure(runs, "pdf")
    assert pdf.startswith(b"%PDF") and pdf == gradients_figure(runs, "pdf") and b"CreationDate" not in pdf
    assert gradients_figure(runs, "png", language="es") != png


def test_the_command_prints_the_table_and_writes_the_figure(tmp_path, capsys):
    argv = ["gradients", str(PLAIN), str(RESIDUAL), "--dataset", "xor", "--epochs", "3", "--batch-size", "4",
            "--lr", "0.5", "--lang", "en"]
    assert main(argv + ["-o", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "‖∂E/∂W[l]‖ per layer, at initialization and after 3 epochs (sgd, learning rate 0.5)" in out
    assert "(1) Deep sigmoid, 9 layers: E per example 0.710781" in out
    assert "(2) Deep sigmoid + residual blocks: E per example 1.74381" in out
    # layer 1's norm at the start: the exact derivation's, as printed (test above)
    row = next(line for line in out.splitlines() if line.split()[:1] == ["1"])
    assert row.split()[1] == "1.144e-06" and row.split()[3] == "4.600e-01"
    png = (tmp_path / "vanishing-gradients.png").read_bytes()
    assert main(argv + ["-o", str(tmp_path / "again.png")]) == 0
    assert (tmp_path / "again.png").read_bytes() == png
    assert main(argv + ["-o", str(tmp_path / "fig.pdf")]) == 0
    assert (tmp_path / "fig.pdf").read_bytes().startswith(b"%PDF")


@pytest.mark.parametrize("extra, message", [
    (["-o", "x.png", "--format", "pdf"], "x.png: the file's suffix says png, --format pdf"),
    (["--validation", "2"], "--validation: expected a share from 0 to 1"),
    (["-o", "figure.svg"], "-o: expected a folder or a file name ending in .png or .pdf, found 'figure.svg'"),
])
def test_bad_options_exit_2_in_one_line(extra, message, capsys):
    assert main(["gradients", str(PLAIN), "--dataset", "xor", "--epochs", "1"] + extra) == 2
    err = capsys.readouterr().err.strip()
    assert message in err and err.count("\n") == 0


def test_a_spec_the_dataset_does_not_fit_is_refused(capsys):
    assert main(["gradients", str(PLAIN), str(ROOT / "examples" / "net_3_3_3_2.yaml"), "--dataset", "xor"]) == 2
    err = capsys.readouterr().err.strip()
    assert "dataset xor has 2 inputs" in err and err.count("\n") == 0

"""Batch normalization in the generated array code (deck 004's algorithms 1 and 2).

The exported module carries these functions, copied from this file's source (as codegen does
with its other helpers): the forward pass normalizes a layer's weighted sums over the batch in
training (μ_B, the biased σ²_B, as ``nn.BatchNorm1d`` in training mode) and with the population
statistics ``params['mean{l}']``, ``params['var{l}']`` otherwise (``training=False``, inference,
algorithm 2's step 3); the backward pass sums the paths through x̂, μ_B and σ²_B. ``stats``
(a dict) receives each layer's batch mean and unbiased variance, from which ``train`` keeps
PyTorch's running averages: running = (1 − momentum)·running + momentum·batch, momentum 0.1,
the variance's with 1/(m − 1) (as PyTorch does), starting from mean 0 and variance 1.
"""
from __future__ import annotations

import inspect

import numpy as np

__all__ = ["MOMENTUM", "source", "statistics", "update_running"]

#: PyTorch's default momentum of the running statistics (nn.BatchNorm1d(momentum=0.1)).
MOMENTUM = 0.1

BATCH_NORM: dict[int, float] = {}      # layer: ε (the generated module defines its own)


def _batch_norm(Z, params, l, training, stats):
    """y = γ·x̂ + β of layer l's sums Z, with x̂ and 1/√(σ² + ε). Training: x̂ = (z − μ_B)/√(σ²_B + ε)
    over the batch (biased σ²_B; ``stats``, a dict, receives the batch's mean and unbiased
    variance); not training: the population's params['mean{l}'], params['var{l}']."""
    if training:
        n = Z.shape[0]
        mu = np.sum(Z, axis=0, keepdims=True) / n
        var = np.sum((Z - mu) ** 2, axis=0, keepdims=True) / n
        if stats is not None:
            stats[l] = (mu[0], var[0] * n / (n - 1))
    else:
        mu, var = params[f"mean{l}"], params[f"var{l}"]
    inv = 1.0 / np.sqrt(var + BATCH_NORM[l])
    XH = (Z - mu) * inv
    return params[f"gamma{l}"] * XH + params[f"beta{l}"], XH, inv


def _batch_norm_backward(dY, XH, inv, gamma, training):
    """(∂E/∂z, ∂E/∂γ, ∂E/∂β) from ∂E/∂y. Training: the paths through x̂, μ_B and σ²_B summed
    (Ioffe and Szegedy), δ = (1/m)·(1/√(σ²_B + ε))·(m·∂E/∂x̂ − Σ ∂E/∂x̂ − x̂·Σ ∂E/∂x̂·x̂); not
    training, the statistics are constants: δ = ∂E/∂x̂ / √(σ² + ε)."""
    dXH = dY * gamma
    if training:
        n = dY.shape[0]
        dZ = inv / n * (n * dXH - np.sum(dXH, axis=0, keepdims=True)
                        - XH * np.sum(dXH * XH, axis=0, keepdims=True))
    else:
        dZ = dXH * inv
    return dZ, np.sum(dY * XH, axis=0), np.sum(dY, axis=0)


def source(spec) -> list[str]:
    """The module's BATCH_NORM table (layer: ε) and its two helpers."""
    table = {l: float(layer.batch_norm.epsilon) for l, layer in enumerate(spec.layers, start=1)
             if layer.batch_norm is not None}
    return ["# Batch normalization (deck 004), layer: ε. training=True normalizes over the batch;",
            "# training=False uses the population statistics params['mean{l}'], params['var{l}'].",
            f"BATCH_NORM = {table!r}", "", "",
            inspect.getsource(_batch_norm), "", inspect.getsource(_batch_norm_backward), ""]


def statistics(spec) -> dict[str, np.ndarray]:
    """γ, β of every normalized layer, and its running statistics' start (mean 0, variance 1)."""
    out: dict[str, np.ndarray] = {}
    for l, layer in enumerate(spec.layers, start=1):
        bn = layer.batch_norm
        if bn is not None:
            out[f"gamma{l}"] = np.array([float(v) for v in bn.gamma], dtype=np.float64)
            out[f"beta{l}"] = np.array([float(v) for v in bn.beta], dtype=np.float64)
            out[f"mean{l}"] = np.zeros(layer.units, dtype=np.float64)
            out[f"var{l}"] = np.ones(layer.units, dtype=np.float64)
    return out


def update_running(params: dict, stats: dict, momentum: float = MOMENTUM) -> None:
    """Algorithm 2, step 3, as PyTorch keeps it: each running statistic moves a ``momentum``
    of the way to the batch's (the variance's unbiased)."""
    for l, (mu, var) in stats.items():
        for key, batch in ((f"mean{l}", mu), (f"var{l}", var)):
            params[key] = ((1 - momentum) * params[key] + momentum * batch).astype(params[key].dtype)

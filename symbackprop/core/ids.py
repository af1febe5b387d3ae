"""Canonical ids: the stable ASCII names of every quantity, used as keys everywhere.

Layers are numbered 1..L (the input layer 0 is not counted). Neurons, inputs and outputs
are numbered from 1. In a batch, per-example quantities carry ``@n`` (n from 1)::

    x1, y1                inputs and targets          (x1@2 in a batch)
    z1_2, a1_2            weighted sum, activation     (a{L}_k is the output yhat_k)
    r1_2                  the activation after dropout, a1_2·m/(1 − p) (a layer with dropout)
    h2_1                  a residual block's output, a2_1 + the shortcut's x (a layer with residual)
    mu1_2, var1_2         batch normalization's μ_B and σ²_B of neuron 2 of layer 1 (over the batch)
    xhat1_2@3, bn1_2@3    x̂ = (z − μ_B)/√(σ²_B + ε) and y = γ·x̂ + β of example 3 (a = g(y))
    eps1                  batch normalization's ε in layer 1 (a given constant)
    gamma1_2, beta1_2     batch normalization's γ and β of neuron 2 of layer 1 (parameters)
    w2_1_2                weight to neuron 1 of layer 2 from neuron 2 of layer 1
    b1 / b1_2             shared bias of layer 1 / bias of neuron 2 of layer 1
    E, E1, R              total error, error of output 1, regularization penalty
    dE/dw2_1_1            a derivative d{num}/d{den}
    new_w2_1_1            a parameter after the update
    dE2/db1#1             one of several paths of a partial (here path 1 of dE2/db1)

This module is pure string handling: no SymPy, no numbers.
"""
from __future__ import annotations

import re

__all__ = [
    "x", "y", "z", "a", "r", "h", "w", "b", "mu", "var", "xhat", "bn", "eps", "gamma", "beta", "error_term", "with_example", "split_example",
    "derivative", "split_derivative", "new", "path", "split_path", "parse", "ID_RE",
]


def with_example(base: str, example: int | None) -> str:
    return base if example is None else f"{base}@{example}"


def split_example(qid: str) -> tuple[str, int | None]:
    """``a2_1@3`` -> (``a2_1``, 3). Only a trailing ``@n`` is an example: ``dE1@1/dw3_2_1``
    (a derivative of one example's error term) is not a per-example quantity id."""
    base, sep, n = qid.rpartition("@")
    return (base, int(n)) if sep and n.isdigit() else (qid, None)


def x(j: int, example: int | None = None) -> str:
    return with_example(f"x{j}", example)


def y(k: int, example: int | None = None) -> str:
    return with_example(f"y{k}", example)


def z(layer: int, i: int, example: int | None = None) -> str:
    return with_example(f"z{layer}_{i}", example)


def a(layer: int, i: int, example: int | None = None) -> str:
    return with_example(f"a{layer}_{i}", example)


def r(layer: int, i: int, example: int | None = None) -> str:
    """ã: the output of neuron i of layer l after dropout (what the next layer uses)."""
    return with_example(f"r{layer}_{i}", example)


def h(layer: int, i: int, example: int | None = None) -> str:
    """H = F(x) + x: neuron i of layer l's activation plus the shortcut (what the next layer uses)."""
    return with_example(f"h{layer}_{i}", example)


def mu(layer: int, i: int) -> str:
    """μ_B: the mean of z over the batch (batch normalization)."""
    return f"mu{layer}_{i}"


def var(layer: int, i: int) -> str:
    """σ²_B: the biased variance of z over the batch (batch normalization)."""
    return f"var{layer}_{i}"


def xhat(layer: int, i: int, example: int | None = None) -> str:
    """x̂ = (z − μ_B)/√(σ²_B + ε): one example's normalized weighted sum."""
    return with_example(f"xhat{layer}_{i}", example)


def bn(layer: int, i: int, example: int | None = None) -> str:
    """y = γ·x̂ + β: batch normalization's output, what the activation takes."""
    return with_example(f"bn{layer}_{i}", example)


def eps(layer: int) -> str:
    """ε of a layer's batch normalization (a given constant, as an input is)."""
    return f"eps{layer}"


def gamma(layer: int, i: int) -> str:
    return f"gamma{layer}_{i}"


def beta(layer: int, i: int) -> str:
    return f"beta{layer}_{i}"


def w(layer: int, i: int, j: int) -> str:
    return f"w{layer}_{i}_{j}"


def b(layer: int, i: int | None = None) -> str:
    return f"b{layer}" if i is None else f"b{layer}_{i}"


def error_term(k: int, example: int | None = None) -> str:
    return with_example(f"E{k}", example)


def derivative(num: str, den: str) -> str:
    return f"d{num}/d{den}"


def split_derivative(did: str) -> tuple[str, str] | None:
    m = re.fullmatch(r"d([^/]+)/d([^/]+)", did)
    return (m.group(1), m.group(2)) if m else None


def path(partial: str, n: int) -> str:
    """Path ``n`` (from 1) of the several whose products add up to ``partial``."""
    return f"{partial}#{n}"


def split_path(pid: str) -> tuple[str, int] | None:
    partial, sep, n = pid.rpartition("#")
    return (partial, int(n)) if sep and n.isdigit() else None


def new(param: str) -> str:
    return f"new_{param}"


def step(param: str) -> str:
    """η·∂E/∂p, what gradient descent takes away from p (``0.5 − 0.04812``)."""
    return f"step_{param}"


ID_RE = re.compile(
    r"(?P<kind>xhat|gamma|beta|eps|mu|var|bn|x|y|z|a|r|h|w|b|E|R)"
    r"(?P<nums>(?:\d+(?:_\d+)*)?)"
    r"(?:@(?P<example>\d+))?"
)


def parse(qid: str) -> tuple[str, tuple[int, ...], int | None] | None:
    """Split a quantity id into (kind, numbers, example); None when it is not one."""
    m = ID_RE.fullmatch(qid)
    if not m:
        return None
    nums = tuple(int(p) for p in m.group("nums").split("_")) if m.group("nums") else ()
    example = int(m.group("example")) if m.group("example") else None
    return m.group("kind"), nums, example

"""The numeric path: the derivation's per-layer formulas as NumPy code that trains.

One generator, :func:`export_source`, writes the code; the in-memory :class:`Network` runs
that very code (compiled in memory into a fresh module), so each formula is written once.
The activation derivatives and loss derivatives are the ones of the table of operations
(:mod:`symbackprop.core.ops`), printed by a NumPy printer: the code a student exports is the
derivation on the slides, vectorized over a batch and over a layer (∂E/∂W = δᵀ A, ∂E/∂A = δ W).
Four pairs are fused where the textbook form is unstable, as every framework does:
sigmoid + binary cross-entropy (∂E/∂z = ŷ − y), sigmoid + cross-entropy (∂E/∂z = −y(1 − ŷ)),
softmax + cross-entropy (∂E/∂z = ŷ·Σy − y) and softmax + binary cross-entropy; their losses
use log-sigmoid / log-softmax (and log(1 − ŷ) from the logits), so that they stay finite
wherever the exact derivation is finite.

Dropout (a layer's ``dropout``): in training, each layer with dropout multiplies its outputs by
m/(1 − p) (inverted dropout, ã = a·m/(1 − p), as ``nn.Dropout`` in training) with the spec's
masks or the ``masks`` argument ({layer: rows of 0/1}), and the backward pass multiplies
∂E/∂ã by the same factor; ``training=False`` skips dropout (inference, as ``nn.Dropout`` in
eval mode). A spec without dropout gets the functions without these two arguments.

Residual blocks (a layer's ``residual``, deck 004's H(x) = F(x) + x): the layer passes on
h = a + x (or a + x·W_sᵀ with the projection of ``weights``), x the output of the earlier
layer ``from``; backward, ∂E/∂h flows into ∂E/∂a (∂h/∂a = 1) and, along the shortcut, is
added to ∂E/∂x (∂h/∂x = 1, or W_s). W_s is the spec's, fixed (the module's SHORTCUTS), not
a parameter: it is not trained, as the derivation takes it as given.

    net = Network(spec)                       # the generated array code, compiled in memory
    loss, grads = net.loss_and_gradients(net.initial_params(), X, Y)
    source = export_source(spec)              # the same as a standalone module (NumPy only)
"""
from __future__ import annotations

import inspect
import linecache
import types
import weakref
from dataclasses import dataclass, replace
from decimal import Decimal

import numpy as np
import sympy
from sympy.printing.numpy import NumPyPrinter

from ..core.ops import ACTIVATIONS as ACTIVATION_RULES, FUNCTIONS, LOSSES as LOSS_RULES, PENALTIES
from ..spec.reading import Regularization, Spec
from . import batch_norm as _bn

__all__ = ["Network", "export_source", "param_arrays", "scalar_supported", "BACKENDS"]


class _Printer(NumPyPrinter):
    """NumPy code with our functions written as the module's own helpers."""

    def __init__(self):
        super().__init__({"fully_qualified_modules": True, "allow_unknown_functions": False})

    def _print_Rational(self, expr):
        return repr(float(expr))

    def _print_Integer(self, expr):
        return str(int(expr))      # x**2 stays an integer power: NumPy squares it directly


_A, _Z, _Y = sympy.symbols("A Z Y", real=True)


def _code(expr) -> str:
    text = _Printer().doprint(expr)
    return text.replace("numpy.", "np.")


def _slope(layer) -> sympy.Expr:
    return sympy.Rational(str(layer.slope)) if layer.slope is not None else sympy.Integer(0)


def layer_code(layer) -> tuple[str, str, str]:
    """(forward code in Z, derivative code in A and Z, the textbook derivative) for a layer."""
    if layer.activation == "softmax":
        return "_softmax(Z)", "", "a_k(δ_kj − a_j)"
    rule = ACTIVATION_RULES[layer.activation]
    forward = _code(rule.forward(_Z, _slope(layer)))
    named = rule.named(_A, _Z, _slope(layer))
    derivative = _code(named) if not named.is_Number else "np.ones_like(Z)"
    return forward, derivative, sympy.sstr(rule.named(sympy.Symbol("a"), sympy.Symbol("z"), _slope(layer)))


@dataclass(frozen=True)
class _OutputCode:
    """The output layer's loss and the start of the backward pass, as code in Z, A and Y."""

    loss: str                  # the loss summed over the batch
    gradient: str              # ∂E/∂Z when fused, else ∂E/∂A
    comment: str
    fused: bool
    setup: tuple[str, ...] = ()   # lines before the loss: names that loss and gradient use


# softmax + binary cross-entropy. log ŷ_k is log-softmax; log(1 − ŷ_k) = log Σ_{j≠k} ŷ_j. At most
# one ŷ_m of a row is above ¾ (the "top" one; ¾ rather than ½ so that rounding cannot make two):
# only its 1 − ŷ_m can underflow, so it is taken from the other logits,
# log(1 − ŷ_m) = logsumexp_{j≠m} z_j − logsumexp_j z_j; for the others log(1 − ŷ_k) is safe
# (1 − ŷ_k ≥ ¼). The gradient, fused:
#   ∂E/∂z_j = ŷ_j − y_j − Σ_{k≠j} (ŷ_k − y_k)·ŷ_j/(1 − ŷ_k)
# where (ŷ_k − y_k)/(1 − ŷ_k) is at most 4 for every k but the top one, and the top one's term
# is (ŷ_m − y_m)·exp(log ŷ_j − log(1 − ŷ_m)) with ŷ_j/(1 − ŷ_m) ≤ 1: nothing overflows.
_SOFTMAX_BCE_SETUP = (
    "    LP = _log_softmax(Z)                                        # log ŷ",
    "    top = A > 0.75                                              # at most one ŷ_k per row",
    "    P = np.where(top, 0.5, A)",
    "    Zrest = np.where(top, float('-inf'), Z)                     # the other logits of a top one's row",
    "    M = np.max(Zrest, axis=1, keepdims=True)",
    "    rest = M + np.log(np.sum(np.exp(Zrest - M), axis=1, keepdims=True))",
    "    L1P = np.where(top, rest - (Z - LP), np.log(1.0 - P))       # log(1 − ŷ), finite",
    "    G = np.where(top, 0.0, (P - Y) / (1.0 - P))                 # (ŷ_k − y_k)/(1 − ŷ_k), k not top",
    "    S = np.sum(G, axis=1, keepdims=True)",
    "    T = np.sum(np.where(top, A - Y, 0.0), axis=1, keepdims=True)   # ŷ_m − y_m of the top one",
    "    L1P_top = np.sum(np.where(top, L1P, 0.0), axis=1, keepdims=True)",
    "    ratio = np.exp(np.where(top, float('-inf'), LP - L1P_top))  # ŷ_j/(1 − ŷ_m) ≤ 1, j not top",
)


def _output_code(spec: Spec) -> _OutputCode:
    """The loss and the output layer's gradient: fused where the textbook form is unstable,
    else the table of operations' term and derivative."""
    K = spec.layers[-1].units
    out = spec.layers[-1].activation
    if spec.loss == "binary_cross_entropy" and out == "sigmoid":
        return _OutputCode("np.sum(Y * np.logaddexp(0.0, -Z) + (1.0 - Y) * np.logaddexp(0.0, Z))",
                           "A - Y", "sigmoid + binary cross-entropy: ∂E/∂z = ŷ − y", True)
    if spec.loss == "cross_entropy" and out == "softmax":
        return _OutputCode("-np.sum(Y * _log_softmax(Z))", "A * np.sum(Y, axis=1, keepdims=True) - Y",
                           "softmax + cross-entropy: ∂E/∂z = ŷ·Σy − y", True)
    if spec.loss == "cross_entropy" and out == "sigmoid":
        return _OutputCode("np.sum(Y * np.logaddexp(0.0, -Z))", "Y * (A - 1.0)",
                           "sigmoid + cross-entropy: ∂E/∂z = −y(1 − ŷ)", True)
    if spec.loss == "binary_cross_entropy" and out == "softmax" and K > 1:
        return _OutputCode("-np.sum(Y * LP + (1.0 - Y) * L1P)", "A - Y - A * (S - G) - T * ratio",
                           "softmax + binary cross-entropy: ∂E/∂z_j = ŷ_j − y_j − Σ_{k≠j} (ŷ_k − y_k)·ŷ_j/(1 − ŷ_k)",
                           True, _SOFTMAX_BCE_SETUP)
    rule = LOSS_RULES[spec.loss]
    named = sympy.sstr(rule.named(sympy.Symbol('a'), sympy.Symbol('y'), K))
    return _OutputCode(f"np.sum({_code(rule.term(_A, _Y, K))})", _code(rule.named(_A, _Y, K)),
                       f"∂E_k/∂ŷ_k = {named}", False)


def _penalized(spec: Spec, l: int, has_bias: bool) -> list[str]:
    """The parameters of layer l that the regularization penalizes."""
    return [f"W{l}"] + ([f"b{l}"] if spec.regularization.include_biases and has_bias else [])


def _penalty_lines(spec: Spec, key: str) -> list[tuple[str, str]]:
    """(the line adding a penalty to E, the line adding its derivative to ∂E/∂key) for each
    penalty of the spec: the one place the generated code writes the penalties."""
    out = []
    w = f"params['{key}']"
    for name, penalty in PENALTIES.items():
        lam = getattr(spec.regularization, name)
        if lam is None:
            continue
        value = f"    E += {penalty.numpy_value.format(lam=repr(float(lam)), w=w)}"
        gradient = f"    grads['{key}'] = grads['{key}'] + {penalty.numpy_derivative.format(lam=repr(float(lam)), w=w)}"
        out.append((value + (f"   # {penalty.comment}" if penalty.comment else ""),
                    gradient + (f"   # {penalty.derivative_comment}" if penalty.derivative_comment else "")))
    return out


def param_arrays(spec: Spec) -> dict[str, np.ndarray]:
    """W1, b1, W2, b2...: W{l} is units × previous units; a shared bias is a 0-d array."""
    out: dict[str, np.ndarray] = {}
    for l, layer in enumerate(spec.layers, start=1):
        out[f"W{l}"] = np.array([[float(v) for v in row] for row in layer.weights], dtype=np.float64)
        if isinstance(layer.bias, Decimal):
            out[f"b{l}"] = np.array(float(layer.bias), dtype=np.float64)
        elif layer.bias is not None:
            out[f"b{l}"] = np.array([float(v) for v in layer.bias], dtype=np.float64)
    return out | _bn.statistics(spec)



# ----------------------------------------------------------------------------- the source

def _sigmoid(z):
    # σ(z) = 1/(1 + e^(−z)) = (1 + tanh(z/2))/2: the same value, without overflow for large |z|
    return 0.5 * (1.0 + np.tanh(0.5 * z))


def _log_softmax(z):
    z = z - np.max(z, axis=1, keepdims=True)
    return z - np.log(np.sum(np.exp(z), axis=1, keepdims=True))


def _softmax(z):
    return np.exp(_log_softmax(z))


# The exported module carries these very functions, copied from this file's source.
_HELPERS = "\n" + "\n\n".join(inspect.getsource(f) for f in (_sigmoid, _log_softmax, _softmax))


BACKENDS = ("numpy", "torch", "jax")

_TORCH_HEADER = '''import torch


class np:
    """The NumPy names this module uses, on PyTorch tensors (so the same lines run on a GPU)."""
    float64 = torch.float64
    float32 = torch.float32
    tanh, exp, expm1, log, abs, sign, sqrt = (torch.tanh, torch.exp, torch.expm1, torch.log, torch.abs,
                                             torch.sign, torch.sqrt)

    @staticmethod
    def asarray(x, dtype=None):
        return torch.as_tensor(x, dtype=dtype)

    @staticmethod
    def array(x, dtype=torch.float64):
        return torch.as_tensor(x, dtype=dtype)

    @staticmethod
    def sum(x, axis=None, keepdims=False):
        return x.sum() if axis is None else x.sum(dim=axis, keepdim=keepdims)

    @staticmethod
    def max(x, axis=None, keepdims=False):
        return x.max() if axis is None else x.max(dim=axis, keepdim=keepdims).values

    @staticmethod
    def maximum(x, y):
        return torch.clamp(x, min=y)

    @staticmethod
    def minimum(x, y):
        return torch.clamp(x, max=y)

    @staticmethod
    def logaddexp(x, y):
        x = torch.as_tensor(x, dtype=torch.as_tensor(y).dtype)
        return torch.logaddexp(x, torch.as_tensor(y, dtype=x.dtype))

    @staticmethod
    def heaviside(x, at_zero):
        return torch.heaviside(x, torch.tensor(at_zero, dtype=x.dtype))

    @staticmethod
    def where(c, a, b):
        return torch.where(c, a, b)

    @staticmethod
    def ones_like(x):
        return torch.ones_like(x)
'''

_JAX_HEADER = '''import jax
import jax.numpy as np

jax.config.update("jax_enable_x64", True)   # float64, as the derivation
'''


def _has_dropout(spec: Spec) -> bool:
    return any(layer.dropout is not None for layer in spec.layers)


def _dropout_factor(l, masks, training):
    """m/(1 − p) of layer l's dropout: 1/(1 − p) for a kept neuron, 0 for a dropped one; the
    masks are the spec's unless ``masks`` gives layer l's (rows of 0/1, one per example, or
    one row for every example). Not training (inference): 1, dropout is skipped."""
    if not training:
        return 1.0
    rate, mask = DROPOUT[l]
    if masks is not None and l in masks:
        mask = np.asarray(masks[l], dtype=np.float64)
    return mask / (1.0 - rate)


def _dropout_lines(spec: Spec) -> list[str]:
    """The module's DROPOUT table (layer: rate and the spec's masks) and its one helper."""
    lines = ["# Inverted dropout (deck 004), layer: (rate p, mask rows m: one per example of the spec,",
             "# or one row for every example). Training: ã = a·m/(1 − p); training=False skips it.",
             "DROPOUT = {"]
    for l, layer in enumerate(spec.layers, start=1):
        drop = layer.dropout
        if drop is None:
            continue
        rows = drop.masks if drop.per_example or drop.seed is not None else drop.masks[:1]
        mask = [[float(m) for m in row] for row in rows]
        lines.append(f"    {l}: ({float(drop.rate)!r}, np.array({mask!r}, dtype=np.float64)),")
    return lines + ["}", "", "", inspect.getsource(_dropout_factor), ""]


def _docstring_text(text: str) -> str:
    """User text made harmless inside a triple-quoted docstring: one line, no quote or
    backslash (which could end the string and start code), no control characters."""
    text = "".join(ch if ch.isprintable() else " " for ch in text)
    return " ".join(text.replace("\\", "/").replace('"', "'").split())[:200]


def export_source(spec: Spec, *, name: str = "network", backend: str = "numpy",
                  scalar: bool | None = None) -> str:
    """A standalone, readable Python module for the spec's network: NumPy only by default;
    ``backend="torch"`` or ``"jax"`` runs the same lines on PyTorch tensors or jax.numpy
    (``loss_and_gradients`` is then jitted).

    ``scalar`` chooses the form of ``loss_and_gradients``: straight-line scalar code, one
    example at a time (``True``; NumPy backend, elementwise activations and unfused losses
    only), or array code over the batch (``False``). By default small networks get scalar code
    (:func:`scalar_supported`), the faster of the two for them."""
    if backend not in BACKENDS:
        raise ValueError(f"backend must be one of {', '.join(BACKENDS)}")
    if scalar is None:
        scalar = backend == "numpy" and scalar_supported(spec)
    elif scalar and (backend != "numpy" or not _scalar_possible(spec)):
        raise ValueError("scalar code needs the numpy backend, elementwise activations, a loss "
                         "without fusion (half_sse or mse) and no dropout")
    return "\n".join(_module_lines(spec, name, backend, scalar, with_params=True))


def _module_lines(spec: Spec, name: str, backend: str, scalar: bool, *, with_params: bool) -> list[str]:
    """The module's lines; without ``initial_params`` when ``with_params`` is false (the
    in-memory Network takes its parameters as arrays: a large network's weights written as
    literals would take seconds to compile)."""
    L = len(spec.layers)
    dropout = _has_dropout(spec)
    normalized = any(layer.batch_norm is not None for layer in spec.layers)
    extra = (", training=True" if dropout or normalized else "") + (", masks=None" if dropout else "") \
        + (", stats=None" if normalized else "")
    params = param_arrays(spec)
    lines = [
        f'"""{_docstring_text(spec.title or name)}: forward pass, loss and gradients, generated by symbackprop.',
        "",
        "Each line of loss_and_gradients computes one chain-rule factor of the derivation, for a",
        "whole batch at once (X has shape (batch, inputs), Y has shape (batch, outputs)).",
        f"Loss: {spec.loss}, reduction: {spec.reduction}"
        + (f", regularization: l1={spec.regularization.l1}, l2={spec.regularization.l2}"
           if spec.regularization.active else "") + ".",
        '"""',
        {"numpy": "import math\n\nimport numpy as np" if scalar else "import numpy as np",
         "torch": _TORCH_HEADER, "jax": _JAX_HEADER}[backend],
        _HELPERS,
    ]
    if scalar:
        lines.append(_SCALAR_HELPERS)
    lines.append("")
    if with_params:
        lines += ["def initial_params():",
                  ('    """The parameters of the spec: W{l} (units × previous units), b{l}; with batch normalization'
                   "\n    gamma{l}, beta{l} and the population statistics mean{l}, var{l} (start: 0 and 1).\"\"\""
                   if normalized else '    """The parameters of the spec: W{l} (units × previous units), b{l}."""'),
                  "    return {"]
        for key, value in params.items():
            lines.append(f"        {key!r}: np.array({value.tolist()!r}, dtype=np.float64),")
        lines += ["    }", "", ""]
    if dropout:
        lines += _dropout_lines(spec)
    lines += _shortcut_lines(spec)
    if normalized:
        lines += _bn.source(spec)
    lines += [f"def forward(params, X{extra}):", '    """The output ŷ for a batch X.' + ("" if dropout or normalized else '"""')]
    if dropout:
        lines += ["    training=True applies dropout (the spec's masks, or masks={layer: rows of 0/1});",
                  "    training=False skips it: inference, as nn.Dropout in eval mode." + ('"""' if not normalized else "")]
    if normalized:
        lines += ["    training=True normalizes over the batch X (stats={} receives each layer's batch mean and",
                  "    unbiased variance); training=False uses params['mean{l}'], params['var{l}'] (inference)." + '"""']
    lines.append("    A = np.asarray(X, dtype=np.float64)")
    lines += _shortcut_forward(spec, 0, lambda s: f"H{s}")
    for l, layer in enumerate(spec.layers, start=1):
        forward, _, _ = layer_code(layer)
        bias = f" + params['b{l}']" if f"b{l}" in params else ""
        lines.append(f"    Z = A @ params['W{l}'].T{bias}                 # z[{l}] = W[{l}] a[{l - 1}] + b[{l}]")
        if layer.batch_norm is not None:
            lines.append(f"    Z, _, _ = _batch_norm(Z, params, {l}, training, stats)   # y[{l}] = γ·x̂ + β, batch normalization")
        lines.append(f"    A = {forward}                 # a[{l}] = g(z[{l}])")
        if layer.dropout is not None:
            lines.append(f"    A = A * _dropout_factor({l}, masks, training)   # ã[{l}] = a[{l}]·m/(1 − p), dropout")
        lines += _shortcut_forward(spec, l, lambda s: f"H{s}")
    lines += ["    return A", "", ""]
    if scalar:
        return lines + _scalar_body(spec)
    lines += [f"def loss_and_gradients(params, X, Y{extra}):",
              '    """(E, {name: ∂E/∂name}) with the same keys and shapes as params'
              + (' (but the population statistics).' if normalized else '.')
              + ('"""' if not (dropout or normalized) else ""),
              *(['    training and masks: as in forward (dropout\'s masks m, the factor m/(1 − p)).' + '"""']
                if dropout and not normalized else []),
              *(['    training, masks and stats: as in forward.' + '"""'] if normalized else []),
              "    X = np.asarray(X, dtype=np.float64)",
              "    Y = np.asarray(Y, dtype=np.float64)",
              "    N = X.shape[0]",
              f"    scale = {'1.0 / N' if spec.reduction == 'mean' else '1.0'}",
              "    cache = [X]",
              "    A = X"]
    for l, layer in enumerate(spec.layers, start=1):
        forward, _, _ = layer_code(layer)
        bias = f" + params['b{l}']" if f"b{l}" in params else ""
        lines.append(f"    Z{l} = A @ params['W{l}'].T{bias}")
        if layer.batch_norm is not None:      # the activation takes y = γ·x̂ + β
            lines.append(f"    Y{l}, XH{l}, INV{l} = _batch_norm(Z{l}, params, {l}, training, stats)")
        lines += [f"    Z = {'Y' if layer.batch_norm is not None else 'Z'}{l}",
                  f"    A = {forward}"]
        if layer.dropout is not None:
            lines += [f"    A{l} = A                                          # a[{l}], before dropout",
                      f"    D{l} = _dropout_factor({l}, masks, training)      # m/(1 − p): the factor ∂ã/∂a",
                      f"    A = A * D{l}                                      # ã[{l}] = a[{l}]·m/(1 − p)"]
        if layer.residual is not None:
            lines.append(f"    A{l} = A                                          # a[{l}], before the shortcut")
        lines += _shortcut_forward(spec, l, lambda s: f"cache[{s}]", keep=False)
        lines.append("    cache.append(A)")
    output = _output_code(spec)
    lines += [f"    Z = Z{L}", *output.setup, f"    E = scale * {output.loss}"]
    for l in range(1, L + 1):
        for key in _penalized(spec, l, f"b{l}" in params):
            lines += [loss for loss, _ in _penalty_lines(spec, key)]
    lines.append("    grads = {}")
    if output.fused:
        lines.append(f"    delta = scale * ({output.gradient})   # {output.comment}")
    else:
        lines.append(f"    dA = scale * ({output.gradient})   # {output.comment}")
        lines += _activation_backward(spec.layers[-1], L)
    for l in range(L, 0, -1):
        if spec.layers[l - 1].batch_norm is not None:
            lines.append(f"    delta, grads['gamma{l}'], grads['beta{l}'] = _batch_norm_backward("
                         f"delta, XH{l}, INV{l}, params['gamma{l}'], training)   # δ[{l}] through x̂, μ_B, σ²_B")
        lines.append(f"    A_prev = cache[{l - 1}]")
        source = "ã" if l > 1 and spec.layers[l - 2].dropout is not None else "a"
        lines.append(f"    grads['W{l}'] = delta.T @ A_prev                # ∂E/∂W[{l}] = δ[{l}]ᵀ {source}[{l - 1}], summed over the batch")
        if f"b{l}" in params:
            if params[f"b{l}"].ndim == 0:
                lines.append(f"    grads['b{l}'] = np.array(delta.sum())          # shared bias: every neuron's δ")
            else:
                lines.append(f"    grads['b{l}'] = delta.sum(axis=0)              # ∂E/∂b[{l}] = δ[{l}]")
        for key in _penalized(spec, l, f"b{l}" in params):
            lines += [gradient for _, gradient in _penalty_lines(spec, key)]
        if l > 1:
            layer = spec.layers[l - 2]
            lines += _shortcut_backward(spec, l - 1, f"    dA = delta @ params['W{l}']")
            if layer.dropout is not None:
                lines.append(f"    dA = dA * D{l - 1}                               # ∂E/∂a[{l - 1}] = ∂E/∂ã[{l - 1}] · m/(1 − p)")
                lines.append(f"    Z = {'Y' if layer.batch_norm is not None else 'Z'}{l - 1}")
                lines.append(f"    A = A{l - 1}")
            else:
                lines.append(f"    Z = {'Y' if layer.batch_norm is not None else 'Z'}{l - 1}")
                lines.append(f"    A = {f'A{l - 1}' if layer.residual is not None else f'cache[{l - 1}]'}")
            lines += _activation_backward(layer, l - 1)
    if backend == "jax":
        jit = ('jax.jit(loss_and_gradients, static_argnames=("training",))   # training: a Python flag'
               if dropout or normalized else "jax.jit(loss_and_gradients)")
        lines += ["    return E, grads", "", "", f"loss_and_gradients = {jit}", ""]
    else:
        lines += ["    return float(E), grads", ""]
    return lines


def _sources(spec: Spec) -> set[int]:
    """The layers (0: the inputs) a residual block's shortcut starts at."""
    return {layer.residual.source for layer in spec.layers if layer.residual is not None}


def _shortcut_lines(spec: Spec) -> list[str]:
    """The module's SHORTCUTS table: each projection W_s, fixed (the spec's, not trained)."""
    rows = {l: layer.residual.weights for l, layer in enumerate(spec.layers, start=1)
            if layer.residual is not None and layer.residual.weights is not None}
    if not rows:
        return []
    lines = ["# Residual blocks' projections W_s (units × the earlier layer's width), layer: W_s.",
             "# Given by the spec and fixed: not parameters, not trained (h = a + x·W_sᵀ).",
             "SHORTCUTS = {"]
    for l, weights in rows.items():
        lines.append(f"    {l}: np.array({[[float(v) for v in row] for row in weights]!r}, dtype=np.float64),")
    return lines + ["}", "", ""]


def _shortcut_forward(spec: Spec, l: int, output, keep: bool = True) -> list[str]:
    """After layer l's output A (l = 0: the inputs): keep it when a shortcut starts there
    (``keep``; the array code's cache keeps every output anyway), and end layer l's residual
    block, h = a + x. ``output(s)``: the name of layer s's output."""
    lines = []
    layer = spec.layers[l - 1] if l else None
    if layer is not None and layer.residual is not None:
        s = layer.residual.source
        x = output(s) if layer.residual.weights is None else f"{output(s)} @ SHORTCUTS[{l}].T"
        what = "x" if layer.residual.weights is None else "W_s·x"
        lines.append(f"    A = A + {x}          # h[{l}] = a[{l}] + {what}, x the output of layer {s}: H(x) = F(x) + x")
    if keep and l in _sources(spec):
        lines.append(f"    H{l} = A")
    return lines


def _shortcut_backward(spec: Spec, l: int, first: str) -> list[str]:
    """∂E/∂(layer l's output) = W[l+1]ᵀ δ[l+1] (``first``) plus, for each residual block whose
    shortcut starts at layer l, its ∂E/∂h (times W_s): the shortcut's path; and, when layer l
    ends a block, ∂E/∂h kept for the layer its shortcut starts at (∂h/∂a = 1: ∂E/∂a is ∂E/∂h)."""
    layer = spec.layers[l - 1]
    name = "h" if layer.residual is not None else "ã" if layer.dropout is not None else "a"
    lines = [f"{first}                      # ∂E/∂{name}[{l}] = W[{l + 1}]ᵀ δ[{l + 1}]"]
    for k, block in enumerate(spec.layers, start=1):
        if block.residual is not None and block.residual.source == l:
            dh = f"dH{k}" if block.residual.weights is None else f"dH{k} @ SHORTCUTS[{k}]"
            lines.append(f"    dA = dA + {dh}          # the shortcut's path from h[{k}]: ∂h[{k}]/∂x = "
                         + ("1" if block.residual.weights is None else "W_s"))
    if layer.residual is not None and layer.residual.source > 0:
        lines.append(f"    dH{l} = dA                                      # ∂E/∂h[{l}], for the shortcut")
    return lines


def _activation_backward(layer, l: int) -> list[str]:
    if layer.activation == "softmax":
        return ["    delta = A * (dA - np.sum(dA * A, axis=1, keepdims=True))   # softmax Jacobian: a_k(δ_kj − a_j)"]
    _, derivative, textbook = layer_code(layer)
    return [f"    delta = dA * ({derivative})   # δ[{l}] = ∂E/∂a[{l}] · g'(z[{l}]), g' = {textbook}"]


class Network:
    """The spec's network in memory: the array code of ``export_source(spec, scalar=False)``
    (NumPy backend) compiled into a fresh module, whose ``forward`` and ``loss_and_gradients``
    it calls: one generator, so the in-memory and the exported numbers come from the same lines.

    Array code even for small networks: training calls it on batches, where one NumPy call per
    layer beats a Python loop over the examples. The compiled source is ``self.source``
    (without ``initial_params``; the parameters come from :func:`param_arrays`)."""

    def __init__(self, spec: Spec):
        self.spec = spec
        # The source is generated from a validated spec (the title is made harmless by
        # _docstring_text): no user text is ever executed.
        self.source = "\n".join(_module_lines(spec, "network", "numpy", False, with_params=False))
        filename = f"<symbackprop network {id(self):x}>"
        module = types.ModuleType("symbackprop_network")
        module.__file__ = filename
        exec(compile(self.source, filename, "exec"), module.__dict__)
        # tracebacks through the generated code show its lines
        linecache.cache[filename] = (len(self.source), None, self.source.splitlines(True), filename)
        weakref.finalize(self, linecache.cache.pop, filename, None)
        self.module = module
        self.forward = module.forward
        self.loss_and_gradients = module.loss_and_gradients

    def initial_params(self) -> dict[str, np.ndarray]:
        return param_arrays(self.spec)


# ----------------------------------------------------------------------------- scalar code

#: Networks with at most this many parameters are exported as straight-line scalar code
#: (measured with benchmarks/bench_numeric.py: at 2-2-2 a NumPy call costs more than the
#: arithmetic it does; at 2-16-16-1 array code is faster).
SCALAR_LIMIT = 40

_SCALAR_HELPERS = '''
def _sig(z):
    # σ(z) = 1/(1 + e^(−z)), without overflow for large |z|
    if z >= 0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)


def _heaviside(z, at_zero):
    return 1.0 if z > 0 else (at_zero if z == 0 else 0.0)
'''


class _ScalarPrinter(_Printer):
    """Straight-line scalar code: the same numbers and powers, math and helpers for the functions."""


def _spelled(template: str):
    """A printer method writing one of our functions as the table of operations spells it."""
    def method(self, expr):
        return template.format(*[self._print(a) for a in expr.args])
    return method


# σ, relu, H…: array code and straight-line code as the table spells them (torch and JAX run
# the array spelling through their NumPy-shaped shims).
for _cls, _entry in FUNCTIONS.items():
    if _entry.numpy is not None:
        setattr(_Printer, f"_print_{_cls.__name__}", _spelled(_entry.numpy))
        setattr(_ScalarPrinter, f"_print_{_cls.__name__}", _spelled(_entry.scalar))


def _scalar_possible(spec: Spec) -> bool:
    """Straight-line code covers the losses that need no fusion, elementwise activations and
    no dropout."""
    fused = spec.loss in ("binary_cross_entropy", "cross_entropy")
    # dropout's masks are per example data: the array code takes them as an argument
    # batch normalization needs the whole batch
    return not fused and all(l.activation != "softmax" and l.dropout is None and l.batch_norm is None
                             for l in spec.layers)


def scalar_supported(spec: Spec) -> bool:
    """Whether the exported module is straight-line scalar code: possible, and small enough."""
    from ..core.model import parameter_values
    return _scalar_possible(spec) and len(parameter_values(spec)) <= SCALAR_LIMIT


def _scalar_body(spec: Spec) -> list[str]:
    """loss_and_gradients as straight-line scalar code: the derivation's nodes and edges."""
    from ..core.model import build_model
    one = replace(spec, inputs=spec.inputs[:1], targets=spec.targets[:1], batch=False, steps=1,
                  regularization=Regularization())
    model = build_model(one)
    p = _ScalarPrinter()

    def code(expr) -> str:
        return p.doprint(expr).replace("numpy.", "math.")

    params = list(model.params)
    lines = ["def loss_and_gradients(params, X, Y):",
             '    """(E, {name: ∂E/∂name}) with the same keys and shapes as params: one example',
             '    at a time, every quantity and every chain-rule factor of the derivation as a line."""']
    for l, layer in enumerate(spec.layers, start=1):
        lines.append(f"    W = params['W{l}'].tolist()")
        for i in range(layer.units):
            for j in range(len(layer.weights[0])):
                lines.append(f"    w{l}_{i + 1}_{j + 1} = W[{i}][{j}]")
        if isinstance(layer.bias, Decimal):
            lines.append(f"    b{l} = float(params['b{l}'])")
        elif layer.bias is not None:
            lines.append(f"    b = params['b{l}'].tolist()")
            lines += [f"    b{l}_{i + 1} = b[{i}]" for i in range(layer.units)]
    lines += [f"    g_{q} = 0.0" for q in params]
    lines += ["    X = np.asarray(X, dtype=np.float64)",
              f"    scale = {'1.0 / X.shape[0]' if spec.reduction == 'mean' else '1.0'}",
              "    E = 0.0",
              "    for xs, ys in zip(X.tolist(), np.asarray(Y, dtype=np.float64).tolist()):"]
    n_in, n_out = spec.n_inputs, spec.layers[-1].units
    lines.append(f"        {', '.join(f'x{j}' for j in range(1, n_in + 1))}{',' if n_in == 1 else ''} = xs")
    lines.append(f"        {', '.join(f'y{k}' for k in range(1, n_out + 1))}{',' if n_out == 1 else ''} = ys")
    for node in model.nodes.values():
        if node.kind in ("z", "a", "residual"):
            lines.append(f"        {node.id} = {code(node.definition)}")
    for t in model.terms:
        lines.append(f"        E += scale * ({code(model.nodes[t].definition)})")
    for node_id in reversed(model.nodes):
        users = model.edges_from.get(node_id)
        if not users:
            continue
        parts = []
        for e in users:
            up = "scale" if e.child in model.terms else f"d_{e.child}"
            parts.append(f"{up} * ({code(e.named)})")
        target = f"g_{node_id}" if node_id in params else f"d_{node_id}"
        op = "+=" if node_id in params else "="
        lines.append(f"        {target} {op} {' + '.join(parts)}   # ∂E/∂{node_id}")
    lines.append("    grads = {}")
    for l, layer in enumerate(spec.layers, start=1):
        rows = ", ".join("[" + ", ".join(f"g_w{l}_{i + 1}_{j + 1}" for j in range(len(layer.weights[0]))) + "]"
                         for i in range(layer.units))
        lines.append(f"    grads['W{l}'] = np.array([{rows}])")
        if isinstance(layer.bias, Decimal):
            lines.append(f"    grads['b{l}'] = np.array(g_b{l})")
        elif layer.bias is not None:
            lines.append(f"    grads['b{l}'] = np.array([{', '.join(f'g_b{l}_{i + 1}' for i in range(layer.units))}])")
        for key in _penalized(spec, l, layer.bias is not None):
            for loss, gradient in _penalty_lines(spec, key):
                lines += [loss, gradient]
    lines += ["    return float(E), grads", ""]
    return lines

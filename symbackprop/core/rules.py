"""The local-derivative table, in textbook form.

Each activation states its forward ``a = g(z)`` and its derivative written the way the
lectures write it: in terms of the neuron's own output where they do (σ′ = a(1 − a),
tanh′ = 1 − a²), in terms of z where they must (relu′ = H(z)). Each loss states its term
E_k for one output and dE_k/dŷ_k. Every rule is tested against ``sympy.diff``.

Conventions at non-differentiable points (documented, and the same as PyTorch):
relu′(0) = 0 (H(0) = 0), leaky_relu′(0) = slope, |w|′ at 0 = sign(0) = 0.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import sympy
from sympy import Expr, Heaviside, Integer, Rational, exp, log, sign, tanh

__all__ = [
    "sigmoid", "relu", "leaky_relu", "softplus", "step",
    "ActivationRule", "LossRule", "ACTIVATION_RULES", "LOSS_RULES",
    "softmax_forward", "softmax_derivative", "l2_penalty", "l1_penalty",
]


def step(z: Expr) -> Expr:
    """H(z) with the convention H(0) = 0."""
    return Heaviside(z, 0)


class sigmoid(sympy.Function):
    """σ(z) = 1 / (1 + e^(−z)), with σ′ = σ(1 − σ)."""

    def fdiff(self, argindex=1):
        s = sigmoid(self.args[0])
        return s * (1 - s)

    def _eval_rewrite_as_exp(self, z, **kwargs):
        return 1 / (1 + exp(-z))

    def _eval_is_real(self):
        return self.args[0].is_real


class relu(sympy.Function):
    """max(0, z), with relu′ = H(z), H(0) = 0."""

    def fdiff(self, argindex=1):
        return step(self.args[0])

    def _eval_rewrite_as_Max(self, z, **kwargs):
        return sympy.Max(0, z)


class leaky_relu(sympy.Function):
    """z for z > 0, slope·z otherwise; derivative H(z) + slope·(1 − H(z))."""

    nargs = 2

    def fdiff(self, argindex=1):
        z, slope = self.args
        if argindex != 1:
            return sympy.Min(z, 0)
        return step(z) + slope * (1 - step(z))

    def _eval_rewrite_as_Piecewise(self, z, slope, **kwargs):
        return sympy.Piecewise((z, z > 0), (slope * z, True))


class softplus(sympy.Function):
    """ln(1 + e^z), whose derivative is σ(z)."""

    def fdiff(self, argindex=1):
        return sigmoid(self.args[0])

    def _eval_rewrite_as_log(self, z, **kwargs):
        return log(1 + exp(z))


@dataclass(frozen=True)
class ActivationRule:
    """a = forward(z); named(a, z) is g′ written in the lecture's form."""

    name: str
    forward: Callable[[Expr, Expr], Expr]
    named: Callable[[Expr, Expr, Expr], Expr]

    def general(self, z: Expr, slope: Expr = Integer(0)) -> Expr:
        """g′(z) straight from differentiating the forward rule."""
        return sympy.diff(self.forward(z, slope), z)


ACTIVATION_RULES: dict[str, ActivationRule] = {
    rule.name: rule
    for rule in (
        ActivationRule("sigmoid", lambda z, s: sigmoid(z), lambda a, z, s: a * (1 - a)),
        ActivationRule("tanh", lambda z, s: tanh(z), lambda a, z, s: 1 - a**2),
        ActivationRule("relu", lambda z, s: relu(z), lambda a, z, s: step(z)),
        ActivationRule("leaky_relu", lambda z, s: leaky_relu(z, s),
                       lambda a, z, s: step(z) + s * (1 - step(z))),
        ActivationRule("linear", lambda z, s: z, lambda a, z, s: Integer(1)),
        ActivationRule("softplus", lambda z, s: softplus(z), lambda a, z, s: sigmoid(z)),
    )
}


def softmax_forward(zs: tuple[Expr, ...], k: int) -> Expr:
    """a_k = e^(z_k) / Σ_j e^(z_j)  (k counts from 0)."""
    return exp(zs[k]) / sympy.Add(*[exp(z) for z in zs])


def softmax_derivative(a_k: Expr, a_j: Expr, same: bool) -> Expr:
    """∂a_k/∂z_j = a_k(1 − a_k) when k = j, −a_k·a_j otherwise."""
    return a_k * (1 - a_k) if same else -a_k * a_j


def _mul(*args: Expr) -> Expr:
    return sympy.Mul(*args, evaluate=False)


def _pow(base: Expr, n: int) -> Expr:
    return sympy.Pow(base, n, evaluate=False)


def _sub(x: Expr, y: Expr) -> Expr:
    return sympy.Add(x, sympy.Mul(-1, y, evaluate=False), evaluate=False)


@dataclass(frozen=True)
class LossRule:
    """term(ŷ, y, K): the error of one output; named(ŷ, y, K): its derivative, textbook form;
    written(ŷ, y, K): the term unevaluated, in the order the lectures write it."""

    name: str
    term: Callable[[Expr, Expr, int], Expr]
    named: Callable[[Expr, Expr, int], Expr]
    written: Callable[[Expr, Expr, int], Expr]

    def general(self, a: Expr, y: Expr, outputs: int) -> Expr:
        return sympy.diff(self.term(a, y, outputs), a)


LOSS_RULES: dict[str, LossRule] = {
    rule.name: rule
    for rule in (
        # E = ½ Σ_k (y_k − ŷ_k)², deck 003/004; ∂E_k/∂ŷ_k = ŷ_k − y_k.
        LossRule("half_sse", lambda a, y, K: Rational(1, 2) * (y - a) ** 2,
                 lambda a, y, K: a - y,
                 lambda a, y, K: _mul(Rational(1, 2), _pow(_sub(y, a), 2))),
        # mean over the outputs: E = (1/K) Σ_k (y_k − ŷ_k)²
        LossRule("mse", lambda a, y, K: (y - a) ** 2 / K,
                 lambda a, y, K: 2 * (a - y) / K,
                 lambda a, y, K: _mul(Rational(1, K), _pow(_sub(y, a), 2))),
        LossRule("binary_cross_entropy",
                 lambda a, y, K: -(y * log(a) + (1 - y) * log(1 - a)),
                 lambda a, y, K: (a - y) / (a * (1 - a)),
                 lambda a, y, K: _mul(Integer(-1), sympy.Add(
                     _mul(y, log(a)), _mul(_sub(Integer(1), y), log(_sub(Integer(1), a))),
                     evaluate=False))),
        LossRule("cross_entropy", lambda a, y, K: -y * log(a), lambda a, y, K: -y / a,
                 lambda a, y, K: _mul(Integer(-1), _mul(y, log(a)))),
    )
}


def l2_penalty(lam: Expr, w: Expr) -> tuple[Expr, Expr]:
    """(λ/2)·w² and its derivative λ·w."""
    return lam / 2 * w**2, lam * w


def l1_penalty(lam: Expr, w: Expr) -> tuple[Expr, Expr]:
    """(λ/2)·|w| as deck 004 writes the L1 penalty, and its derivative (λ/2)·sign(w)."""
    return lam / 2 * sympy.Abs(w), lam / 2 * sign(w)

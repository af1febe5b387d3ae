"""Evaluate a SymPy expression exactly, with decimal arithmetic.

The derivation's formulas (defining equations, textbook derivatives) are SymPy
expressions; their values come from this small evaluator, so the number printed next to a
formula is the value of that very formula. Symbols are looked up by name in ``env``.
Only the operations the engine produces are known; anything else is an error, never a
guess.
"""
from __future__ import annotations

import decimal
from decimal import Decimal
from typing import Mapping

import sympy

from . import exact as _exact
from .rules import leaky_relu, relu, sigmoid, softplus

__all__ = ["evaluate", "UndefinedValue"]


class UndefinedValue(ArithmeticError):
    """The formula has no finite value here (log of 0, division by 0...)."""


def evaluate(expr: sympy.Basic, env: Mapping[str, Decimal]) -> Decimal:
    with _exact.exact():
        try:
            value = _ev(expr, env)
        except (ArithmeticError, ValueError) as exc:
            if isinstance(exc, UndefinedValue):
                raise
            raise UndefinedValue(_WORDS.get(type(exc), str(exc) or type(exc).__name__)) from None
    if not value.is_finite():
        raise UndefinedValue("it is infinite (beyond 1e999999)" if value.is_infinite() else "it is undefined")
    return value


_WORDS = {decimal.Overflow: "it is infinite (beyond 1e999999)",
          decimal.DivisionByZero: "division by zero",
          decimal.InvalidOperation: "it is undefined (0·∞, ∞ − ∞ or the like)"}


def _ev(e: sympy.Basic, env: Mapping[str, Decimal]) -> Decimal:
    if e.is_Symbol:
        return env[e.name]
    if e.is_Integer:
        return Decimal(int(e))
    if e.is_Rational:
        return Decimal(int(e.p)) / Decimal(int(e.q))
    if e.is_Add:
        total = Decimal(0)
        for arg in e.args:
            total += _ev(arg, env)
        return total
    if e.is_Mul:
        product = Decimal(1)
        for arg in e.args:
            product *= _ev(arg, env)
        return product
    if e.is_Pow:
        base, power = e.args
        b = _ev(base, env)
        if power.is_Integer:
            n = int(power)
            if n < 0 and b == 0:
                raise UndefinedValue("division by zero")
            return b**n
        if b < 0:
            raise UndefinedValue("a non-integer power of a negative number")
        if b == 0:
            if power.is_positive:
                return Decimal(0)
            raise UndefinedValue("division by zero")
        if power == sympy.Rational(1, 2):
            return b.sqrt()
        return (_ev(power, env) * b.ln()).exp()
    f = e.func
    if f is sigmoid:
        return _exact.sigmoid(_ev(e.args[0], env))
    if f is sympy.tanh:
        return _exact.tanh(_ev(e.args[0], env))
    if f is sympy.exp:
        return _ev(e.args[0], env).exp()
    if f is sympy.log:
        x = _ev(e.args[0], env)
        if x <= 0:
            raise UndefinedValue("logarithm of a number <= 0")
        return x.ln()
    if f is softplus:
        return _exact.softplus(_ev(e.args[0], env))
    if f is relu:
        x = _ev(e.args[0], env)
        return x if x > 0 else Decimal(0)
    if f is leaky_relu:
        x = _ev(e.args[0], env)
        return x if x > 0 else _ev(e.args[1], env) * x
    if f is sympy.Heaviside:
        x = _ev(e.args[0], env)
        if x == 0:
            return _ev(e.args[1], env) if len(e.args) > 1 else Decimal("0.5")
        return Decimal(1) if x > 0 else Decimal(0)
    if f is sympy.Abs:
        return abs(_ev(e.args[0], env))
    if f is sympy.sign:
        x = _ev(e.args[0], env)
        return Decimal((x > 0) - (x < 0))
    if f is sympy.Max:
        return max(_ev(a, env) for a in e.args)
    if f is sympy.Min:
        return min(_ev(a, env) for a in e.args)
    raise ValueError(f"cannot evaluate {type(e).__name__}")

"""Evaluate a SymPy expression exactly, with decimal arithmetic.

The derivation's formulas (defining equations, textbook derivatives) are SymPy
expressions; their values come from this small evaluator, so the number printed next to a
formula is the value of that very formula. Symbols are looked up by name in ``env``.
Functions are computed as the table of operations (:mod:`.ops`) says; anything not in it is
an error, never a guess.
"""
from __future__ import annotations

import decimal
from decimal import Decimal
from typing import Mapping

import sympy

from . import exact as _exact
from .ops import FUNCTIONS, Undefined

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
            return _integer_power(b, int(power))
        p = _ev(power, env)
        if p == p.to_integral_value():
            # an exponent that is a whole number once evaluated (a folded constant): exact
            return _integer_power(b, int(p))
        if b < 0:
            raise UndefinedValue("a non-integer power of a negative number")
        if b == 0:
            if p > 0:
                return Decimal(0)
            raise UndefinedValue("division by zero")
        if power == sympy.Rational(1, 2):
            return b.sqrt()
        return (p * b.ln()).exp()
    entry = FUNCTIONS.get(e.func)
    if entry is None:
        raise ValueError(f"cannot evaluate {type(e).__name__}")
    try:
        return entry.exact(*[_ev(a, env) for a in e.args])
    except Undefined as exc:
        raise UndefinedValue(str(exc)) from None


def _integer_power(b: Decimal, n: int) -> Decimal:
    if n < 0 and b == 0:
        raise UndefinedValue("division by zero")
    return b**n if n else Decimal(1)           # 0^0 = 1, as in Python and most calculators

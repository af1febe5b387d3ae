"""Exact arithmetic for values: decimal numbers at 50 significant digits.

Inputs typed as 0.1 stay exactly 0.1 (no binary rounding), exp and ln are correctly
rounded, and the same input gives the same digits on every machine. Rounding for display
or for the hand-calculator mode is explicit (:func:`round_to`), half away from zero as a
calculator does.

Use :func:`exact` (a context manager) around arithmetic on :class:`~decimal.Decimal`.
"""
from __future__ import annotations

import contextvars
import decimal
from contextlib import contextmanager
from decimal import Decimal
from typing import Iterator

__all__ = [
    "PRECISION", "HIGH_PRECISION", "CONTEXT", "exact", "precision", "to_decimal", "round_to", "fixed",
    "exp", "ln", "show",
]

PRECISION = 50

CONTEXT = decimal.Context(
    prec=PRECISION,
    rounding=decimal.ROUND_HALF_EVEN,
    Emax=999_999,
    Emin=-999_999,
    traps=[decimal.InvalidOperation, decimal.DivisionByZero, decimal.Overflow],
)


#: Digits used when a value is lost at PRECISION (a saturated sigmoid: 1 − σ(200) is 0 at
#: 50 digits, 1.4e−87 at 1000).
HIGH_PRECISION = 1000
_DIGITS: contextvars.ContextVar[int] = contextvars.ContextVar("symbackprop_digits", default=PRECISION)


@contextmanager
def exact() -> Iterator[decimal.Context]:
    with decimal.localcontext(CONTEXT) as ctx:
        ctx.prec = _DIGITS.get()
        yield ctx


@contextmanager
def precision(digits: int) -> Iterator[None]:
    """Compute with ``digits`` significant digits inside the block (instead of PRECISION)."""
    token = _DIGITS.set(digits)
    try:
        yield
    finally:
        _DIGITS.reset(token)


def to_decimal(value: int | float | str | Decimal) -> Decimal:
    """A number as typed: floats go through their shortest repr, so 0.1 is exactly 0.1."""
    if isinstance(value, bool):
        raise TypeError("a boolean is not a number")
    if isinstance(value, Decimal):
        return value
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(repr(value))
    return Decimal(value)


def round_to(value: Decimal, decimals: int) -> Decimal:
    """Round half away from zero to ``decimals`` places (what a calculator shows)."""
    with exact() as ctx:
        # Enough digits for the integer part of a large value too (quantize is exact).
        ctx.prec = max(ctx.prec, value.adjusted() + decimals + 2)
        return value.quantize(Decimal(1).scaleb(-decimals), rounding=decimal.ROUND_HALF_UP)


#: From this magnitude on, values are displayed in scientific notation (3.12498e+52).
LARGE = Decimal("1e15")


def _scientific(value: Decimal, decimals: int) -> str:
    return f"{value:.{max(decimals, 1)}e}"


def fixed(value: Decimal, decimals: int) -> str:
    """Display string with exactly ``decimals`` places; never '-0.00000'. Values of
    magnitude 1e15 and more in scientific notation."""
    if abs(value) >= LARGE:
        return _scientific(value, decimals)
    r = round_to(value, decimals)
    if r.is_zero():
        r = abs(r)
    return f"{r:.{decimals}f}"


def exp(x: Decimal) -> Decimal:
    with exact():
        return x.exp()


def ln(x: Decimal) -> Decimal:
    with exact():
        return x.ln()


def show(value: Decimal, decimals: int) -> str:
    """Display form: a value that is exact at fewer places is shown as it is (0.41, 0.6);
    any other is rounded to ``decimals`` places (0.60109)."""
    if abs(value) >= LARGE:
        return _scientific(value, decimals)
    r = round_to(value, decimals)
    if r == value:
        text = f"{value.normalize():f}"
        return "0" if text in ("-0", "0") else text
    return fixed(value, decimals)

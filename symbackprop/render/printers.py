"""Printers for derivation formulas: SymPy's LaTeX and string printers, taught our names.

Symbols are canonical ids; the printers show them through a :class:`Notation`
(``a2_1`` -> ``a^{[2]}_{1}`` or ``\\hat{y}_{1}``; ``dE/dz2_1`` -> ``\\delta^{[2]}_{1}``).
Our functions print as the lectures write them (σ, relu, H). Sub-parts are printed only
through ``self._print``, as SymPy's own printers do.
"""
from __future__ import annotations

from decimal import Decimal
from typing import Mapping

from sympy.printing.latex import LatexPrinter
from sympy.printing.str import StrPrinter

from ..core import ids
from ..core.exact import show
from ..core.notation import Notation

__all__ = ["NetworkLatexPrinter", "NetworkTextPrinter", "derivative_latex", "derivative_text"]


def _is_delta(name: str) -> str | None:
    parts = ids.split_derivative(name)
    if parts and parts[0] == "E" and parts[1].startswith("z"):
        return parts[1]
    return None


class _Numbers:
    """With ``values`` given, a printer writes each symbol's number instead of its name."""

    def _number(self, expr) -> str | None:
        if self.values is None or expr.name not in self.values:
            return None
        text = show(self.values[expr.name], self.decimals)
        return f"({text})" if text.startswith("-") else text

    def _argument(self, expr) -> str:
        """A function's argument: a lone negative number needs no parentheses of its own."""
        text = self._print(expr)
        if expr.is_Symbol and text.startswith("(") and text.endswith(")"):
            return text[1:-1]
        return text


class NetworkLatexPrinter(LatexPrinter, _Numbers):
    def __init__(self, notation: Notation, values: Mapping[str, Decimal] | None = None,
                 decimals: int = 5, **settings):
        super().__init__({"mul_symbol": "dot", "order": "none", **settings})
        self.notation = notation
        self.values = values
        self.decimals = decimals

    def _print_Symbol(self, expr, style="plain"):
        number = self._number(expr)
        if number is not None:
            return number
        zid = _is_delta(expr.name)
        if zid:
            return self.notation.delta_latex(zid)
        parts = ids.split_derivative(expr.name)
        if parts:
            return derivative_latex(self.notation, *parts)
        return self.notation.latex(expr.name)

    def _fn(self, name: str, expr) -> str:
        return name + r"\left(" + ", ".join(self._argument(a) for a in expr.args) + r"\right)"

    def _print_sigmoid(self, expr, exp=None):
        out = self._fn(r"\sigma", expr)
        return f"{out}^{{{exp}}}" if exp else out

    def _print_relu(self, expr, exp=None):
        return self._fn(r"\operatorname{relu}", expr)

    def _print_leaky_relu(self, expr, exp=None):
        return r"\operatorname{leaky\,relu}\left(" + self._argument(expr.args[0]) + r"\right)"

    def _print_softplus(self, expr, exp=None):
        return self._fn(r"\operatorname{softplus}", expr)

    def _print_Heaviside(self, expr, exp=None):
        out = r"H\left(" + self._argument(expr.args[0]) + r"\right)"
        return f"{out}^{{{exp}}}" if exp else out


class NetworkTextPrinter(StrPrinter, _Numbers):
    """Plain text for the terminal: σ(z[2]_1), a[2]_1·(1 - a[2]_1)."""

    def __init__(self, notation: Notation, values: Mapping[str, Decimal] | None = None,
                 decimals: int = 5, **settings):
        super().__init__({"order": "none", **settings})
        self.notation = notation
        self.values = values
        self.decimals = decimals

    def _print_Symbol(self, expr):
        number = self._number(expr)
        if number is not None:
            return number
        zid = _is_delta(expr.name)
        if zid:
            return self.notation.delta_text(zid)
        parts = ids.split_derivative(expr.name)
        if parts:
            return derivative_text(self.notation, *parts)
        return self.notation.text(expr.name)

    def _print_Mul(self, expr):
        return super()._print_Mul(expr).replace("*", "·")

    def _print_Pow(self, expr, rational=False):
        return super()._print_Pow(expr, rational).replace("**", "^")

    def _print_Function(self, expr):
        return expr.func.__name__ + "(" + ", ".join(self._argument(a) for a in expr.args) + ")"

    def _print_Max(self, expr):
        return "max(" + ", ".join(self._argument(a) for a in expr.args) + ")"

    def _print_Min(self, expr):
        return "min(" + ", ".join(self._argument(a) for a in expr.args) + ")"

    def _print_Abs(self, expr):
        return "|" + self._argument(expr.args[0]) + "|"

    def _print_sigmoid(self, expr):
        return "σ(" + self._argument(expr.args[0]) + ")"

    def _print_Heaviside(self, expr):
        return "H(" + self._argument(expr.args[0]) + ")"

    def _print_relu(self, expr):
        return "relu(" + self._argument(expr.args[0]) + ")"

    def _print_softplus(self, expr):
        return "softplus(" + self._argument(expr.args[0]) + ")"

    def _print_leaky_relu(self, expr):
        return "leaky_relu(" + self._argument(expr.args[0]) + ")"


def derivative_latex(notation: Notation, num: str, den: str) -> str:
    return r"\frac{\partial " + notation.latex(num) + r"}{\partial " + notation.latex(den) + "}"


def derivative_text(notation: Notation, num: str, den: str) -> str:
    return f"∂{notation.text(num)}/∂{notation.text(den)}"

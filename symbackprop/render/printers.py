"""Printers: formulas through SymPy's LaTeX and string printers taught our names, and the
base of the lesson printers (one ``_print_<Step>`` method per step of the lesson plan).

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
from ..core.ops import FUNCTIONS
from ..core.exact import show
from ..core.notation import Notation
from .names import display, paren

__all__ = ["NetworkLatexPrinter", "NetworkTextPrinter", "LessonPrinter", "derivative_latex",
           "derivative_text", "shown_result_differs"]


def shown_result_differs(values, result: Decimal, decimals: int, product: bool = False) -> bool:
    """Whether the values as shown (rounded to ``decimals``), added (or multiplied) and
    rounded, give another number than ``result`` as shown: the sum on a slide then reads
    −0.00492 + (−0.00555) = −0.01046, right to the exact values but not to the shown ones,
    and the slide says so. Values too large for fixed notation are left alone."""
    from ..core.exact import LARGE, round_to
    if any(v is None or abs(v) >= LARGE for v in (*values, result)):
        return False
    shown = [round_to(v, decimals) for v in values]
    total = shown[0]
    for v in shown[1:]:
        total = total * v if product else total + v
    return round_to(total, decimals) != round_to(result, decimals)


class LessonPrinter:
    """Prints the steps of a :func:`symbackprop.lesson.lesson_plan` by dispatching on their
    class, as SymPy's ``Printer`` does: ``doprint(step)`` calls ``_print_<StepClass>``. A
    subclass lays out every kind of step its own way (text lines, the templates' dicts); a
    step it does not show has a method that returns nothing, so that no step is forgotten."""

    def doprint(self, step):
        method = getattr(self, "_print_" + type(step).__name__, None)
        if method is None:
            raise NotImplementedError(f"{type(self).__name__} cannot print a {type(step).__name__} step")
        return method(step)

    def print_plan(self, plan) -> list:
        return [self.doprint(step) for step in plan]

    def adjoint_chain(self, qid: str):
        """∂E/∂q as the sum over the quantities that use q of ∂E/∂(user)·∂(user)/∂q (the
        branches sum), unevaluated, and the values of its names (the step's column)."""
        import sympy
        from ..core.model import symbol
        d, hand = self.d, self.d.rounding == "hand"
        adjoints = d.hand_adjoints if hand else d.adjoints
        node = ids.split_derivative(qid)[1]
        terms, values = [], {}
        for e in self.model.edges_from.get(node, ()):
            up = ids.derivative("E", e.child)
            f = d.factors[e.id]
            values[up], values[e.id] = adjoints[e.child], (f.hand if hand else f.value)
            terms.append(sympy.Mul(symbol(up), symbol(e.id), evaluate=False))
        return (terms[0] if len(terms) == 1 else sympy.Add(*terms, evaluate=False)), values

    def shortcut(self, factor) -> bool:
        """Whether a factor is a residual block's shortcut, ∂h/∂x (not ∂h/∂a, the path through F)."""
        nodes = self.model.nodes
        num, den = nodes.get(factor.num), nodes.get(factor.den)
        return (num is not None and num.kind == "residual" and den is not None
                and (den.kind != "a" or den.layer != num.layer))


class _Numbers:
    """With ``values`` given, a printer writes each symbol's number instead of its name."""

    def _number(self, expr) -> str | None:
        if self.values is None or expr.name not in self.values:
            return None
        return paren(show(self.values[expr.name], self.decimals))

    def _argument(self, expr) -> str:
        """A function's argument: a lone negative number needs no parentheses of its own."""
        text = self._print(expr)
        if expr.is_Symbol and text.startswith("(") and text.endswith(")"):
            return text[1:-1]
        return text


def _symbol_name(notation, name: str, form: str) -> str:
    # A symbol is a quantity or a derivative (a δ in the recursive definitions); graph mode's
    # variables may be called anything, "new_x" included, so only derivatives go through the
    # composite names.
    if ids.split_derivative(name):
        return display(notation, name, form)
    return notation.latex(name) if form == "latex" else notation.text(name)


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
        return _symbol_name(self.notation, expr.name, "latex")


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
        return _symbol_name(self.notation, expr.name, "text")

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


def _spelled(form: str):
    """A printer method for one of our functions, spelled as the table of operations says."""
    def method(self, expr, exp=None):
        entry = FUNCTIONS[expr.func]
        args = ", ".join(self._argument(a) for a in expr.args[:entry.arguments])
        if form == "text":
            return f"{entry.text}({args})"
        out = entry.latex + r"\left(" + args + r"\right)"
        return f"{out}^{{{exp}}}" if exp else out
    return method


# σ, relu, H…: every function the table spells for code is ours to spell in print too.
for _cls, _entry in FUNCTIONS.items():
    if _entry.numpy is not None:
        setattr(NetworkLatexPrinter, f"_print_{_cls.__name__}", _spelled("latex"))
        setattr(NetworkTextPrinter, f"_print_{_cls.__name__}", _spelled("text"))


def derivative_latex(notation: Notation, num: str, den: str) -> str:
    return display(notation, ids.derivative(num, den), "latex")


def derivative_text(notation: Notation, num: str, den: str) -> str:
    return display(notation, ids.derivative(num, den), "text")


def error_formula(spec, model, form: str) -> str:
    """The network's error written in general before its numbers, from the loss's entry in the
    table of operations (deck 003: E = ½ Σ_k (y_k − ŷ_k)²; a batch sums over the examples j
    too, divided by J with ``reduction: mean``; a penalty adds R)."""
    from sympy import Symbol
    from ..core.notation import IndexNames
    from ..core.ops import LOSSES
    batch = spec.batch
    a, y = Symbol("yhat_jk" if batch else "yhat_k"), Symbol("y_jk" if batch else "y_k")
    coef, term = LOSSES[spec.loss].split(a, y, len(spec.targets[0]))
    latex = form == "latex"
    printer = NetworkLatexPrinter(IndexNames()) if latex else NetworkTextPrinter(IndexNames())
    body = printer.doprint(term)
    if term.is_Add:
        body = rf"\left({body}\right)" if latex else f"({body})"
    mean = batch and spec.reduction == "mean"
    if latex:
        sums = ((r"\frac{1}{J} " if mean else "") + r"\sum_{j=1}^{J} " if batch else "") + r"\sum_{k=1}^{K} "
        lead = "-" if coef == -1 else "" if coef == 1 else printer.doprint(coef) + " "
    else:
        sums = (("1/J·" if mean else "") + "Σ_j " if batch else "") + "Σ_k "
        lead = "-" if coef == -1 else "" if coef == 1 else printer.doprint(coef) + "·"
    penalty = " + R" if "R" in model.terms else ""
    return f"{display(model.notation, 'E', form)} = {lead}{sums}{body}{penalty}"

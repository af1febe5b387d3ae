"""The pieces the layer view's frames are made of (:mod:`.layers_frames`): a formula written
twice, in LaTeX and in text (:class:`Piece`), and the small builders of names, products,
vectors, matrices and sentences, so that the text and the LaTeX of a frame cannot drift apart.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from string import Formatter

import sympy

from ..core.exact import show
from ..core.ops import (
    ACTIVATIONS,
    FUNCTIONS,
    LOSSES,
)
from ..derive.layers import Module
from .i18n import say
from .latex import tex_escape
from .names import paren
from .printers import NetworkLatexPrinter, NetworkTextPrinter




@dataclass(frozen=True)
class Piece:
    """One formula (or sentence) in both spellings: LaTeX and plain text. ``math``: the LaTeX
    is math mode (a formula), else text mode (words, a sentence)."""
    tex: str
    text: str
    math: bool = True


def _join(pieces, tex_sep: str, text_sep: str) -> Piece:
    pieces = list(pieces)
    return Piece(tex_sep.join(p.tex for p in pieces), text_sep.join(p.text for p in pieces))


def _eq(*pieces: Piece) -> Piece:
    return _join(pieces, " = ", " = ")


def _eq2(lhs: Piece, first: list[Piece], second: list[Piece]) -> Piece:
    """lhs = first… on one line and = second… under it (aligned at =): for wide numbers."""
    tex = (r"\begin{aligned}" + lhs.tex + " &= " + " = ".join(p.tex for p in first) + r" \\ &= "
           + " = ".join(p.tex for p in second) + r"\end{aligned}")
    return Piece(tex, _eq(lhs, *first, *second).text)


def _sum(terms: list[Piece]) -> Piece:
    """Terms added up: a term that starts with a minus is subtracted (a - b, not a + -b)."""
    tex, text = terms[0].tex, terms[0].text
    for t in terms[1:]:
        negative = t.text.startswith("-")
        tex += (" - " + t.tex[1:].lstrip()) if negative and t.tex.startswith("-") else " + " + t.tex
        text += (" - " + t.text[1:].lstrip()) if negative else " + " + t.text
    return Piece(tex, text)


def _fit(lhs: Piece, first: list[Piece], second: list[Piece], rows: int) -> Piece:
    """A wide equation whose result is a short column goes on two lines; a tall result (more
    than 3 rows) stays on one, where a second line would only add height."""
    return _eq2(lhs, first, second) if rows <= 3 else _eq(lhs, *first, *second)


def _then(*pieces: Piece) -> Piece:
    """Formulas side by side on one line."""
    return _join(pieces, r",\qquad ", ",   ")


def _mul(*pieces: Piece) -> Piece:
    """A matrix product: juxtaposed in LaTeX, a · in text."""
    return _join(pieces, r"\,", "·")


def _name(base: str, layer: int | None = None, sub: str | None = None, top: bool = False,
          example: int | None = None) -> Piece:
    """z^{[2]}, a^{[1]\\top}, δ^{[2]}_i; text z[2], a[1]ᵀ, δ[2]_i."""
    tex_base = {"δ": r"\delta", "ŷ": r"\hat{y}"}.get(base, base)
    sup = (f"[{layer}]" if layer is not None else "") + (f"({example})" if example is not None else "")
    sup_tex = sup + (r"\top" if top else "")
    tex = tex_base + (f"^{{{sup_tex}}}" if sup_tex else "") + (f"_{{{sub}}}" if sub else "")
    text = base + sup + (f"_{sub}" if sub else "") + ("ᵀ" if top else "")
    return Piece(tex, text)


def _input(layer: int, top: bool = False, example: int | None = None) -> Piece:
    """The input of layer ``layer``: x for the first, a^{[l-1]} for every other."""
    if layer == 1:
        return _name("x", top=top, example=example)
    return _name("a", layer - 1, top=top, example=example)


def _d(of: Piece, by: Piece, inline: bool = False) -> Piece:
    """∂of/∂by (as a fraction; ``inline``: with a slash, for a sentence)."""
    if inline:
        return Piece(rf"\partial {of.tex}/\partial {by.tex}", f"∂{of.text}/∂{by.text}")
    return Piece(rf"\frac{{\partial {of.tex}}}{{\partial {by.tex}}}", f"∂{of.text}/∂{by.text}")


_E = Piece("E", "E")
_ONES = Piece(r"\mathbf{1}", "𝟏")


def _dE(by: Piece, inline: bool = False) -> Piece:
    return _d(_E, by, inline)


def _num(value: Decimal, decimals: int) -> Piece:
    text = show(value, decimals)
    return Piece(text, text)


def _factor(value: Decimal, decimals: int) -> Piece:
    """A number as a factor: a negative one in parentheses."""
    text = show(value, decimals)
    return Piece(paren(text, "latex"), paren(text))


def _column(pieces: list[Piece]) -> Piece:
    return Piece(r"\begin{pmatrix}" + r" \\ ".join(p.tex for p in pieces) + r"\end{pmatrix}",
                 "[" + ", ".join(p.text for p in pieces) + "]")


def _col(values, decimals: int) -> Piece:
    return _column([_num(v, decimals) for v in values])


def _row(values, decimals: int) -> Piece:
    """A row vector: written across in LaTeX, a transposed column in text."""
    shown = [show(v, decimals) for v in values]
    return Piece(r"\begin{pmatrix}" + " & ".join(shown) + r"\end{pmatrix}", "[" + ", ".join(shown) + "]ᵀ")


def _mat(rows, decimals: int) -> Piece:
    tex = r" \\ ".join(" & ".join(show(v, decimals) for v in r) for r in rows)
    return Piece(r"\begin{pmatrix}" + tex + r"\end{pmatrix}",
                 "[" + ", ".join("[" + ", ".join(show(v, decimals) for v in r) + "]" for r in rows) + "]")


def _diag(jacobian) -> bool:
    n = len(jacobian)
    return all(jacobian[i][j] == 0 for i in range(n) for j in range(n) if i != j)


def _jacobian(jacobian, decimals: int) -> Piece:
    """The Jacobian as a matrix in LaTeX; a diagonal one as diag[...] in text, and in LaTeX too
    when it is wider than 3 (a square of zeros would hide the numbers)."""
    full = _mat(jacobian, decimals)
    if not _diag(jacobian):
        return full
    diagonal = [show(jacobian[i][i], decimals) for i in range(len(jacobian))]
    tex = full.tex if len(jacobian) <= 3 else r"\operatorname{diag}\left(" + ", ".join(diagonal) + r"\right)"
    return Piece(tex, "diag[" + ", ".join(diagonal) + "]")


def _whole(formula: Piece) -> Piece:
    """A formula that a sentence must not break across two lines (v = f(u), not v = / f(u))."""
    return Piece("{" + formula.tex + "}", formula.text)


def _words(text: str) -> Piece:
    """Words (a module's name) as a piece of a sentence."""
    return Piece(tex_escape(text), text, math=False)


# ----------------------------------------------------------------------------- formulas from the ops table

class _LatexFormula(NetworkLatexPrinter):
    """The network's LaTeX printer (σ, H, relu spelled as the ops table says) with our own
    names for the symbols of a rule: ``names`` maps a symbol to a Piece; ``values``, if given,
    puts numbers in their place."""

    def __init__(self, names: Mapping[str, Piece], values=None, decimals: int = 5):
        super().__init__(None, values, decimals)
        self.names = names

    def _print_Symbol(self, expr, style="plain"):
        number = self._number(expr)
        return number if number is not None else self.names[expr.name].tex

    def _print_Function(self, expr, exp=None):
        # tanh of a number: one pair of parentheses, as σ and relu have (SymPy's own printer
        # would wrap a negative number twice)
        entry = FUNCTIONS.get(expr.func)
        if entry is not None and entry.latex and len(expr.args) == 1 and self._number(expr.args[0]) is not None:
            out = entry.latex + r"\left(" + self._argument(expr.args[0]) + r"\right)"
            return f"{out}^{{{exp}}}" if exp else out
        return super()._print_Function(expr, exp)


class _TextFormula(NetworkTextPrinter):
    def __init__(self, names: Mapping[str, Piece], values=None, decimals: int = 5):
        super().__init__(None, values, decimals)
        self.names = names

    def _print_Symbol(self, expr):
        number = self._number(expr)
        return number if number is not None else self.names[expr.name].text

    def _print_Derivative(self, expr):
        # d/dz σ(z), d/dz (1 + exp(-z)): as the slides write it, not SymPy's Derivative(…, z)
        (var, _count), = expr.variable_count
        inner = self._print(expr.expr)
        return f"d/d{self._print(var)} " + (f"({inner})" if expr.expr.is_Add else inner)


def _formula(expr, names: Mapping[str, Piece], values: Mapping[str, Decimal] | None = None,
             decimals: int = 5) -> Piece:
    """A rule of the ops table printed with the given names (and numbers)."""
    return Piece(_LatexFormula(names, values, decimals).doprint(expr),
                 _TextFormula(names, values, decimals).doprint(expr))


_A, _Y, _Z, _P = sympy.symbols("a y z p")


def _slope_names(module: Module, decimals: int) -> dict[str, Piece]:
    return {"p": _num(module.slope, decimals) if module.slope is not None else Piece("0", "0")}


def _activation_rule(module: Module):
    return ACTIVATIONS[module.label]


# ----------------------------------------------------------------------------- sentences

def _say(language: str, key: str, **fields: Piece) -> Piece:
    """A sentence of the catalogue with formulas in it: the words escaped for LaTeX, each
    formula in $…$; in text, the formula's text."""
    template = say(language, key, **{k: "{" + k + "}" for k in fields})
    tex, text = [], []
    for literal, field, _spec, _conv in Formatter().parse(template):
        tex.append(tex_escape(literal))
        text.append(literal)
        if field is not None:
            piece = fields[field]
            tex.append(f"${piece.tex}$" if piece.math else piece.tex)
            text.append(piece.text)
    return Piece("".join(tex), "".join(text), math=False)


def _heading(module: Module, language: str) -> str:
    """The module's name in the language of the output: Lineal 1, Sigmoide 2, Pérdida."""
    if module.kind == "linear":
        return say(language, "layers_linear", l=module.layer)
    if module.kind == "loss":
        return say(language, "layers_loss_of", name=LOSSES[module.label].words[language])
    if module.label == "softmax":
        return say(language, "layers_softmax", l=module.layer)
    if module.label == "linear":
        return say(language, "layers_identity", l=module.layer)
    words = ACTIVATIONS[module.label].words[language]
    return f"{words[:1].upper()}{words[1:]} {module.layer}"

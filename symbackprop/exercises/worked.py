"""The worked solution of one asked step, in the lecture's form, as LaTeX lines for an LMS's
feedback (MathJax between ``\\(`` ``\\)``):

    lines = worked(derivation, "dE/dw2_1_1", "es")

- a value of the forward pass: its name = its formula = the formula with numbers = the value;
- a gradient: the chain rule (a product of local derivatives per path, the paths added), each
  local derivative with its formula and value, then the product of the numbers;
- an update: new = p − η·∂E/∂p with η as the spec writes it (0.6, not 3/5).

Names are written as MathJax renders them with Moodle's default configuration (no
``textmacros``): ``\\mathrm{nuevo}\\_w``, never ``\\text{nuevo\\_}`` (whose backslash MathJax
shows).
"""
from __future__ import annotations

from ..core import ids
from ..core.exact import show
from ..derive.derivation import Derivation
from ..render.i18n import say
from ..render.names import display
from ..render.printers import NetworkLatexPrinter

__all__ = ["mathjax_name", "worked"]


def mathjax_name(notation, q: str, language: str) -> str:
    """The LaTeX name of ``q`` in a form MathJax renders without extensions."""
    if q.startswith("new_"):
        return rf"\mathrm{{{say(language, 'tex_new')}}}\_" + mathjax_name(notation, q[4:], language)
    return display(notation, q, "latex", language)


def _equalities(parts: list[str]) -> str:
    """``a = b = c``, a part equal to the one before left out."""
    kept = [p for n, p in enumerate(parts) if n == 0 or p != parts[n - 1]]
    return " = ".join(kept)


def worked(d: Derivation, q: str, language: str) -> list[str]:
    """The lines (LaTeX, without delimiters) that work out ``q`` from the spec's numbers."""
    spec = d.model.spec
    notation = d.model.notation
    ledger = d.ledger
    places = spec.decimals
    values = ledger.values()
    name = mathjax_name(notation, q, language)
    quantity = ledger[q]
    if quantity.kind == "update":
        param = q[4:]
        grad = ids.derivative("E", param)
        return [_equalities([
            name,
            rf"{mathjax_name(notation, param, language)} - \eta\,{mathjax_name(notation, grad, language)}",
            rf"{show(values[param], places)} - {show(spec.learning_rate, places)} \cdot "
            rf"{_paren(show(values[grad], places))}",
            show(values[q], places)])]
    chain = next((c for c in d.chains if ids.derivative("E", c.param) == q), None)
    if chain is not None and chain.paths:
        return _chain_lines(d, chain, name, language)
    printer = NetworkLatexPrinter(notation)
    numbers = NetworkLatexPrinter(notation, values, places)
    formula = quantity.written if quantity.written is not None else ledger.recipes().get(q)
    parts = [name]
    if formula is not None and not formula.is_Symbol:
        parts += [printer.doprint(formula), numbers.doprint(formula)]
    return [_equalities(parts + [show(values[q], places)])]


def _paren(text: str) -> str:
    return f"({text})" if text.startswith("-") else text


def _chain_lines(d: Derivation, chain, name: str, language: str) -> list[str]:
    """The chain rule along every path, each local derivative worked out, the numbers."""
    notation = d.model.notation
    places = d.model.spec.decimals
    printer = NetworkLatexPrinter(notation)
    numbers = NetworkLatexPrinter(notation, d.ledger.values(), places)
    symbols, digits, seen, lines = [], [], [], []
    for path in chain.paths:
        factors = [d.factors[f] for f in path.factors]
        symbols.append(r"\,".join(mathjax_name(notation, ids.derivative(f.num, f.den), language)
                                  for f in factors))
        digits.append(r" \cdot ".join(_paren(show(f.value, places)) for f in factors))
        for f in factors:
            if f.id in seen:
                continue
            seen.append(f.id)
            shown = [printer.doprint(f.named)] + ([] if f.named.is_Symbol else [numbers.doprint(f.named)])
            lines.append(_equalities([mathjax_name(notation, ids.derivative(f.num, f.den), language),
                                      *shown, show(f.value, places)]))
    total = show(chain.gradient, places)
    return [f"{name} = " + " + ".join(symbols)] + lines + [
        f"{name} = " + " + ".join(digits) + f" = {total}"]

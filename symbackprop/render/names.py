"""How an id is shown to a person: one function for every renderer, and one for a negative.

    display(notation, "w2_1_1", "latex", "es")       # 'w^{[2]}_{1,1}'  (numbered: 'w_{5}')
    display(notation, "dE/dz2_1", "text", "en")      # 'δ[2]_1'
    display(notation, "new_w2_1_1", "text", "en")    # 'new_w[2]_1,1'
    paren("-0.5")                                    # '(-0.5)';  paren("-0.5", "latex") -> '\\left(-0.5\\right)'

The notation (layered, numbered, labels) names the plain quantities; this module adds the
composite ids every renderer meets: derivatives ∂num/∂den (a δ for ∂E/∂z), parameters after
the update, and one path of several (which must never read like the partial they add up to).
"""
from __future__ import annotations

from ..core import ids
from .i18n import say

__all__ = ["display", "paren", "FORMS"]

FORMS = ("text", "latex")


def display(notation, qid: str, form: str = "text", language: str = "en") -> str:
    """The name of ``qid`` in ``form`` ("text" or "latex") and ``language``."""
    latex = form == "latex"
    split = ids.split_path(qid)
    if split is not None:
        partial, n = split
        whole = display(notation, partial, form, language)
        if latex:      # the partial along one of its paths: ∂E1/∂b (camino 1), at the text's size
            return rf"{whole}\;\text{{({say(language, 'tex_path_of', n=n)})}}"
        return say(language, "path_of", n=n, name=whole)
    if qid.startswith("new_"):
        inner = display(notation, qid[4:], form, language)
        if latex:      # \_ outside \text: MathJax shows "\_" inside it (no textmacros in LMSs)
            return rf"\text{{{say(language, 'tex_new')}}}\_{inner}"
        return say(language, "new", name=inner)
    parts = ids.split_derivative(qid)
    if parts is not None:
        num, den = parts
        if num == "E" and ids.split_example(den)[0].startswith("z"):
            return notation.delta_latex(den) if latex else notation.delta_text(den)
        if latex:
            return r"\frac{\partial " + notation.latex(num) + r"}{\partial " + notation.latex(den) + "}"
        return f"∂{notation.text(num)}/∂{notation.text(den)}"
    return notation.latex(qid) if latex else notation.text(qid)


def paren(text: str, form: str = "text") -> str:
    """A number as a factor: a negative one in parentheses, so that ``0.6·(-0.02)`` reads right."""
    if not text.startswith("-"):
        return text
    return f"\\left({text}\\right)" if form == "latex" else f"({text})"

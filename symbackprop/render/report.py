"""Reports: a solution rendered through the LaTeX templates, as .tex or PDF.

    tex = render_tex(solution, "slides", "es")
    pdf_bytes = render_pdf(solution, "article", "en")

``slides`` follows the lectures frame by frame; ``article`` is the handout; ``exercise``
is the handout with a blank for every value the student computes; ``answers`` is its key.
"""
from __future__ import annotations

from .context import STYLES, report_context
from .graph_context import graph_context
from .latex import build_pdf, environment
from .layers_context import layers_context

__all__ = ["STYLES", "render_tex", "render_graph_tex", "render_layers_tex", "render_pdf", "TEMPLATES"]

TEMPLATES = {"slides": "slides.tex.j2", "article": "article.tex.j2",
             "exercise": "article.tex.j2", "answers": "article.tex.j2", "exercise-slides": "slides.tex.j2"}


def render_tex(solution, style: str, language: str | None = None, only=None) -> str:
    ctx = report_context(solution, style, language, only)
    return environment().get_template(TEMPLATES[style]).render(ctx=ctx)


def render_graph_tex(graph, style: str, language: str) -> str:
    """A computational graph as slides (a frame per backward step) or a handout."""
    if style not in ("slides", "article"):
        raise ValueError("graph reports are slides or article")
    ctx = graph_context(graph, style, language)
    return environment().get_template(f"graph_{style}.tex.j2").render(ctx=ctx)


def render_layers_tex(view, style: str, language: str, decimals: int, title: str,
                      head: dict[str, str] | None = None) -> str:
    """The layer-by-layer view as slides or a handout (``head``: the title page's fields)."""
    ctx = layers_context(view, "slides" if style == "slides" else "article", language, decimals, title, head)
    return environment().get_template("layers.tex.j2").render(ctx=ctx)


def render_feedback_tex(solution, report, language: str, who: str, mark: str | None = None) -> str:
    """A student's feedback sheet for ``symbackprop check --format pdf`` (with the mark line
    under the title when one is given)."""
    from .check_text import feedback_context
    return environment().get_template("feedback.tex.j2").render(
        ctx={**feedback_context(solution, report, language, who), "mark": mark})


def render_pdf(solution, style: str, language: str | None = None) -> bytes:
    pdf, _log = build_pdf(render_tex(solution, style, language), name=style)
    return pdf

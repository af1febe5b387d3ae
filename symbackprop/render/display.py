"""Rich display in Jupyter (JupyterLab, VS Code, nbconvert): the lecture as typeset mathematics.

    solution                     # E, then the table of parameters: old, ∂E/∂p, new
    solution.chain("w5")         # the lecture's frames for one parameter, as displayed equations
    d.factor("dn1/dsum_n1")      # one factor: recall its definition, therefore its value
    build_graph("(x+y)*z", {...})   # the computational graph drawn (SVG), then its values and gradients
    check(solution, {...})       # the verdict table, in colour
    api.train(spec, "xor", ...)  # a trained run: its summary and loss plot (PNG)
    api.vanishing_gradients([...])   # deck 004's vanishing-gradient figure and its table
    show(solution.chain("w5"), language="en")   # the same, in another language

Every string shown comes from the report's printers (:class:`~.context.LatexLessonPrinter`,
the check's words, graph mode's spelling): names in the spec's notation (a^{[2]}_{1}, w_{5},
ŷ_1), numbers at the spec's decimals, sentences from the catalogue. This module only lays
them out: Markdown with ``$$…$$`` equations (``_repr_markdown_``, what JupyterLab and VS Code
typeset), LaTeX (``_repr_latex_``, for nbconvert's PDF) and, for the check report, HTML with
colours (``_repr_html_``); a graph's HTML is its drawing, inline SVG (:mod:`.graph_svg`). A trained
run and a vanishing-gradient figure are pictures: HTML (the summary and the PNG inline, what
JupyterLab and VS Code show) and the PNG itself (``_repr_png_``, for nbconvert and other front
ends). No math here.

The data classes live below the renderers in the pipeline and do not import them: importing
this module (``import symbackprop`` does) gives them their ``_repr_*_`` methods.
"""
from __future__ import annotations

import html
import re
from dataclasses import replace
from typing import Any

from .. import lesson as L
from ..check.judge import CheckReport
from ..core.graph import Graph
from ..derive.derivation import Chain, Derivation, Factor, Solution
from .i18n import say

__all__ = ["Shown", "show", "markdown", "latex", "html_of", "install", "ROW_LIMIT"]

#: A table shows at most this many rows, then says how many more there are.
ROW_LIMIT = 40

#: The check's verdicts in colour (background, text), as a marker pen on a sheet.
COLOURS = {"correct": ("#d8f0d8", "#1a5e1a"), "rounding": ("#eef6d0", "#4d5e00"),
           "carried_forward": ("#fdf0c8", "#7a5600"), "wrong": ("#f8d4d4", "#8b1a1a")}


class Shown:
    """What a notebook displays: Markdown (with $$…$$ equations), LaTeX and, when given, HTML."""

    def __init__(self, markdown: str, latex: str | None = None, html: str | None = None, text: str = "",
                 png: bytes | None = None):
        self.markdown, self.latex, self.html, self.text, self.png = markdown, latex, html, text, png

    def _repr_png_(self) -> bytes | None:
        return self.png

    def _repr_markdown_(self) -> str:
        return self.markdown

    def _repr_latex_(self) -> str | None:
        return self.latex

    def _repr_html_(self) -> str | None:
        return self.html

    def __repr__(self) -> str:
        return self.text or self.markdown

    def __str__(self) -> str:
        return self.markdown


# ----------------------------------------------------------------------------- blocks → Markdown/LaTeX

_FOOTNOTE = re.compile(r"\{\\footnotesize\s+(.*)\}\s*$", re.S)


def _md_text(text: str) -> str:
    """A sentence of the report (LaTeX text mode, math in $…$) as Markdown."""
    found = _FOOTNOTE.match(text)
    if found:
        return f"<small>{_md_text(found.group(1))}</small>"
    if "\\begin{itemize}" in text:
        items = [i.strip() for i in text.split("\\item")[1:]]
        return "\n".join("- " + _md_text(i.replace("\\end{itemize}", "").strip()) for i in items)
    return text.replace("~", "\u00a0").replace("\\\\", "  \n")


def _blocks_markdown(blocks) -> list[str]:
    return [f"$$\n{b['math']}\n$$" if "math" in b else _md_text(b["text"]) for b in blocks]


def _table_markdown(head, rows) -> list[str]:
    shown = rows[:ROW_LIMIT]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(cell.replace("|", r"\vert ") for cell in row) + " |" for row in shown]
    return ["\n".join(lines)]


def _frames_markdown(frames, skip_titles=()) -> str:
    out: list[str] = []
    for f in frames:
        heading = f.get("heading") or (f["title"] if f["title"] not in skip_titles else None)
        if heading:
            out.append(f"**{heading}**")
        out += _blocks_markdown(f["blocks"])
        if f.get("table"):
            out += _table_markdown(f["table"]["head"], f["table"]["rows"])
    return "\n\n".join(out) + "\n"


def _frames_latex(frames, skip_titles=()) -> str:
    out: list[str] = []
    for f in frames:
        heading = f.get("heading") or (f["title"] if f["title"] not in skip_titles else None)
        if heading:
            out.append(rf"\textbf{{{heading}}}")
        out += [rf"\[ {b['math']} \]" if "math" in b else b["text"] for b in f["blocks"]]
        if f.get("table"):
            t = f["table"]
            out.append(r"\begin{tabular}{" + "l" * len(t["head"]) + "}\n" + " & ".join(t["head"]) + r" \\ \hline"
                       + "\n" + "\n".join(" & ".join(r) + r" \\" for r in t["rows"][:ROW_LIMIT]) + "\n\\end{tabular}")
    return "\n\n".join(out) + "\n"


# ----------------------------------------------------------------------------- the objects

def _one_step(solution: Solution, d: Derivation) -> Solution:
    """The solution as its printers see it, for step ``d`` (the report lays out a first step)."""
    return solution if solution.derivations[0] is d else replace(solution, derivations=(d,))


def _solution_of(d: Derivation) -> Solution:
    spec, model = d.model.spec, d.model
    return Solution(spec, model, (d,), {**model.parameters(), **d.updated})


def _printer(solution: Solution, language: str | None):
    from .context import LatexLessonPrinter

    class NotebookPrinter(LatexLessonPrinter):
        drawings = False          # the frames' words and equations, without the network's drawing

    return NotebookPrinter(solution, "slides", language or solution.spec.language)


def _summary_frames(solution: Solution, language: str | None) -> list[dict[str, Any]]:
    """The error (E, its terms and numbers) and, for every step, the table old → ∂E/∂p → new."""
    first = _printer(solution, language)
    frames = first.doprint(L.Error(tuple(solution.model.terms)))
    for d in solution.derivations:
        printer = first if d is solution.derivations[0] else _printer(_one_step(solution, d), language)
        tables = printer.doprint(L.IterationTable(d.step, tuple(c.param for c in d.chains)))
        if tables:
            rows = [row for t in tables for row in t["table"]["rows"]]
            frames.append({**tables[0], "table": {"head": tables[0]["table"]["head"], "rows": rows},
                           "heading": tables[0]["title"].split(" (")[0]})
    return frames


def _solution_shown(solution: Solution, language: str | None = None) -> Shown:
    lang = language or solution.spec.language
    title = solution.spec.title_in(lang) or "symbackprop"
    frames = _summary_frames(solution, language)
    md = f"### {title}\n\n" + _frames_markdown(frames)
    rows = sum(len(f["table"]["rows"]) for f in frames if f.get("table"))
    if rows > ROW_LIMIT:
        md += "\n" + say(lang, "display_more", n=rows - ROW_LIMIT) + "\n"
    return Shown(md, _frames_latex(frames), text=repr(solution))


def _chain_frames(solution: Solution, param: str, language: str | None) -> list[dict[str, Any]]:
    """The lecture's frames for one parameter: its question, the factors (and a rule's note
    the first time), the paths put together, the sum, the update."""
    printer = _printer(solution, language)
    frames: list[dict[str, Any]] = []
    mine = False
    for step in L.lesson_plan(solution, only=(param,)):
        if isinstance(step, L.Question):
            mine = step.param == param
        elif isinstance(step, (L.IterationTable, L.Recap)):
            mine = False
        if mine:
            frames += printer.doprint(step)
    return frames


def _chain_shown(c: Chain, language: str | None = None) -> Shown:
    d: Derivation = c._derivation
    solution = _solution_of(d)
    frames = _chain_frames(solution, c.param, language)
    words = {say(language or solution.spec.language, "tex_backward")}
    return Shown(_frames_markdown(frames, words), _frames_latex(frames, words), text=f"<Chain {c.id}>")


def _factor_frames(f: Factor, language: str | None) -> list[dict[str, Any]]:
    d: Derivation = f._derivation
    solution = _solution_of(d)
    printer = _printer(solution, language)
    for c in d.chains:
        for path in c.paths:
            if f.id in path.factors:
                step = L.Factor(c.param, L.path_id(c, path), f.id, path.factors.index(f.id), False)
                return printer.doprint(step)
    # a δ no chain of this derivation goes through: its definition and value
    name = printer.name(f.id)
    line = f"{name} = {printer.names.doprint(f.named)} = {printer.slot(f.value)}"
    return [{"title": "", "heading": None, "blocks": [{"math": line}], "table": None}]


def _factor_shown(f: Factor, language: str | None = None) -> Shown:
    frames = _factor_frames(f, language)
    words = {say(language or f._derivation.model.spec.language, "tex_backward")}
    return Shown(_frames_markdown(frames, words), _frames_latex(frames, words), text=f"<Factor {f.id}>")


def _derivation_shown(d: Derivation, language: str | None = None) -> Shown:
    return _solution_shown(_solution_of(d), language)


def _graph_shown(g: Graph, language: str | None = None) -> Shown:
    """The graph's nodes in forward order: the operation, the value forward, ∂f/∂node backward."""
    from .graph_context import expression_latex
    from .graph_text import shown
    from .printers import NetworkLatexPrinter
    from ..core.notation import PlainNames
    from ..core.expr import parse_expression
    lang = language or "es"
    printer = NetworkLatexPrinter(PlainNames())
    head = [say(lang, "display_node"), say(lang, "display_gate"), say(lang, "graph_legend_value"),
            say(lang, "graph_legend_grad")]
    rows = []
    for n in g.nodes:
        gate = f"${n.id} = {printer.doprint(n.definition)}$" if n.definition is not None else n.op
        grad = shown(n.grad, latex=True)
        rows.append([f"${n.id}$", gate, f"${shown(n.value, latex=True)}$",
                     f"${grad}$" if grad is not None else say(lang, "graph_no_value")])
    expression = expression_latex(parse_expression(g.expression, source="expression"))
    from sympy import Symbol
    name = {k: printer.doprint(Symbol(k)) for k in (*g.at, *g.gradients)}
    at = ",\\ ".join(f"{name[k]} = {shown(v, latex=True)}" for k, v in g.at.items())
    grads = ",\\ ".join(rf"\frac{{\partial f}}{{\partial {name[k]}}} = "
                        + (shown(v, latex=True) if v is not None else "?") for k, v in g.gradients.items())
    frame = {"title": "", "heading": None, "table": {"head": head, "rows": rows},
             "blocks": [{"math": f"f = {expression},\\qquad {at}"},
                        {"math": f"f = {shown(g.value, latex=True)}"},
                        {"text": f"{say(lang, 'graph_gradients')}:"}, {"math": grads}]}
    md = _frames_markdown([frame])
    if len(rows) > ROW_LIMIT:
        md += "\n" + say(lang, "display_more", n=len(rows) - ROW_LIMIT) + "\n"
    return Shown(md, _frames_latex([frame]), _graph_html(g, lang), text=f"<Graph {g.expression}>")


def _graph_html(g: Graph, lang: str) -> str | None:
    """The drawing (inline SVG: JupyterLab, VS Code and nbconvert's HTML show it alike, and
    prefer HTML to Markdown) and, under it, f and its gradients in plain Unicode: HTML is not
    typeset everywhere (VS Code does not). None (the Markdown table is shown) for a graph
    larger than the reports draw: its layout would take minutes."""
    from ..core.notation import PlainNames
    from .graph_layout import GRAPH_NODE_LIMIT
    from .graph_svg import graph_svg, value_text
    if len(g.nodes) > GRAPH_NODE_LIMIT:
        return None
    names = PlainNames()
    f = names.unicode(g.output)
    grads = ", ".join(f"∂{f}/∂{names.unicode(k)} = {value_text(v)}" for k, v in g.gradients.items())
    line = f"{f} = {value_text(g.value)}; {say(lang, 'graph_gradients')}: {grads}"
    return (f"<div class='symbackprop-graph'>{graph_svg(g, lang)}"
            f"<p style='font-family:serif'>{html.escape(line)}</p></div>\n")


def _check_shown(report: CheckReport, language: str | None = None) -> Shown:
    """The verdict table: symbol, quantity (in the spec's notation), given, expected, verdict,
    diagnosis; each row in its verdict's colour."""
    from .check_text import SYMBOLS, _Words
    solution: Solution = report._solution
    lang = language or solution.spec.language
    w = _Words(solution, lang)
    head = say(lang, "check_head").split("|")[:3] + [say(lang, "display_verdict"), ""]
    esc = html.escape
    cells = "".join(f"<th style='text-align:left;padding:2px 8px'>{esc(h)}</th>" for h in [""] + head)
    lines = [f"<p><b>{esc(say(lang, 'check_title', name=solution.spec.title_in(lang) or 'symbackprop'))}</b></p>",
             "<table style='border-collapse:collapse'>", f"<tr>{cells}</tr>"]
    md_rows = []
    for i in report.items:
        back, ink = COLOURS[i.verdict]
        row = [SYMBOLS[i.verdict], w.name(i.quantity), i.given_text, w.num(i.expected),
               say(lang, f"verdict_{i.verdict}"), w.diagnosis(i)]
        lines.append(f"<tr style='background:{back};color:{ink}' class='verdict-{i.verdict}'>"
                     + "".join(f"<td style='padding:2px 8px'>{esc(c)}</td>" for c in row) + "</tr>")
        md_rows.append(row)
    lines.append("</table>")
    summary = say(lang, "check_summary", **report.summary)
    lines.append(f"<p>{esc(summary)}</p>")
    md = "\n\n".join(_table_markdown([""] + head, md_rows) + [summary]) + "\n"
    from .check_text import check_text
    return Shown(md, None, "\n".join(lines) + "\n", text=check_text(solution, report, lang))


def _picture(png: bytes, alt: str) -> str:
    import base64
    data = base64.b64encode(png).decode("ascii")
    return f"<img src='data:image/png;base64,{data}' alt='{html.escape(alt, quote=True)}'/>"


def _trained_shown(result, language: str | None = None) -> Shown:
    """A trained run: the summary line of `symbackprop train` and the loss plot."""
    from .plots import loss_curve_png
    from .training_text import loss_labels, train_summary
    lang = language or result.spec.language
    summary = train_summary(result, lang)
    png = loss_curve_png(result.history, loss_labels(lang))
    return Shown(summary + "\n", None, f"<p>{html.escape(summary)}</p>\n{_picture(png, summary)}\n",
                 text=f"<TrainResult: {summary}>", png=png)


def _gradients_shown(runs, language: str | None = None) -> Shown:
    """Deck 004's vanishing-gradient figure, and the table `symbackprop gradients` prints."""
    from .plots import vanishing_gradients
    from .training_text import gradients_labels, gradients_text
    lang = language or runs.language
    table = gradients_text(runs.runs, lang)
    png = vanishing_gradients(runs.runs, gradients_labels(lang))
    return Shown(table, None, f"{_picture(png, say(lang, 'gradients_title'))}\n<pre>{html.escape(table)}</pre>\n",
                 text=table, png=png)


_SHOWN = {Solution: _solution_shown, Derivation: _derivation_shown, Chain: _chain_shown,
          Factor: _factor_shown, Graph: _graph_shown, CheckReport: _check_shown}


#: The numeric path's results, shown as pictures: class → its Shown maker. Filled by
#: :func:`install_pictures`, which ``api`` calls (render does not import the numeric path).
_PICTURES: dict = {}


def show(obj, language: str | None = None) -> Shown:
    """What a notebook displays for ``obj`` (a Solution, Derivation, Chain, Factor, Graph,
    CheckReport, a trained run or a vanishing-gradient figure), in ``language`` (default: the
    spec's; a graph's: Spanish)."""
    for cls, make in {**_SHOWN, **_PICTURES}.items():
        if isinstance(obj, cls):
            return make(obj, language)
    raise TypeError(f"show: expected a Solution, Derivation, Chain, Factor, Graph, CheckReport, TrainResult "
                    f"or GradientRuns, found {type(obj).__name__}")


def markdown(obj, language: str | None = None) -> str:
    return show(obj, language).markdown


def latex(obj, language: str | None = None) -> str | None:
    return show(obj, language).latex


def html_of(obj, language: str | None = None) -> str | None:
    return show(obj, language).html


def _method(kind: str):
    def method(self):
        return getattr(show(self), kind)
    method.__name__ = f"_repr_{kind}_"
    return method


def install() -> None:
    """Give the data classes their ``_repr_*_`` methods (idempotent; ``import symbackprop`` does it)."""
    for cls in _SHOWN:
        cls._repr_markdown_ = _method("markdown")
        cls._repr_latex_ = _method("latex")
    CheckReport._repr_html_ = _method("html")
    Graph._repr_html_ = _method("html")


def install_pictures(trained: type, gradients: type) -> None:
    """Give a trained run (``trained``: ``numeric.train.TrainResult``) and a vanishing-gradient
    figure (``gradients``: ``numeric.gradients.GradientRuns``) ``_repr_html_`` and
    ``_repr_png_``. ``api.train`` and ``api.vanishing_gradients`` call it: the numeric path,
    and NumPy, are not loaded before they are asked for."""
    _PICTURES.update({trained: _trained_shown, gradients: _gradients_shown})
    for cls in _PICTURES:
        cls._repr_html_ = _method("html")
        cls._repr_png_ = _method("png")


install()

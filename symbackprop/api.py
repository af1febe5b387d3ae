"""The few calls every front end makes: spec in, derivation out, rendered as asked.

    solution = solve(load_spec("net.yaml"), rounding="hand")
    print(as_text(solution)); text = as_json(solution)
    solution = solve_for_report(spec); tex = as_tex(solution, "slides", "es")
"""
from __future__ import annotations

from pathlib import Path

from .derive import Solution, solve
from .files import write_atomic
from .jsonio import dumps
from .render.document import solution_document
from .render.latex import build_pdf
from .render.report import render_graph_tex, render_layers_tex, render_tex
from .render.text import walkthrough
from .spec import Spec

__all__ = ["as_text", "as_json", "as_tex", "as_pdf", "write_report", "write_graph_report",
           "write_layers_report", "write_tex_and_pdf", "solve_for_report",
           "REPORT_PATH_LIMIT"]

#: In reports, a parameter with more paths than this is shown in delta form: every path of
#: a deep network, one frame per factor, would be hundreds of frames.
REPORT_PATH_LIMIT = 4


def solve_for_report(spec: Spec, *, rounding: str = "exact", paths: str = "auto") -> Solution:
    return solve(spec, rounding=rounding, paths=paths, path_limit=REPORT_PATH_LIMIT)


def as_text(solution: Solution, language: str | None = None) -> str:
    return walkthrough(solution, language)


def as_json(solution: Solution) -> str:
    return dumps(solution_document(solution))


def as_tex(solution: Solution, style: str, language: str | None = None) -> str:
    return render_tex(solution, style, language)


def as_pdf(tex: str, name: str = "document") -> bytes:
    """Compile LaTeX source to PDF bytes (LatexNotFound / LatexBuildError otherwise)."""
    return build_pdf(tex, name=name)[0]


def write_tex_and_pdf(base: Path, tex: str, *, pdf: bool) -> list[Path]:
    """Write ``base.tex`` (always, and first: it is there to inspect when LaTeX fails or is
    missing) and, when asked, ``base.pdf``."""
    written = [write_atomic(base.with_suffix(".tex"), tex)]
    if pdf:
        written.append(write_atomic(base.with_suffix(".pdf"), as_pdf(tex, base.name)))
    return written


def write_report(solution: Solution, style: str, language: str, directory: str | Path,
                 stem: str, *, pdf: bool) -> list[Path]:
    """The network's report: ``stem-style-lang.tex`` and its PDF."""
    return write_tex_and_pdf(Path(directory) / f"{stem}-{style}-{language}",
                             as_tex(solution, style, language), pdf=pdf)


def write_graph_report(graph, style: str, language: str, directory: str | Path, stem: str,
                       *, pdf: bool) -> list[Path]:
    """Graph mode's slides or handout."""
    return write_tex_and_pdf(Path(directory) / f"{stem}-{style}-{language}",
                             render_graph_tex(graph, style, language), pdf=pdf)


def write_layers_report(spec: Spec, view, style: str, language: str, directory: str | Path,
                        stem: str, *, pdf: bool) -> list[Path]:
    """The layer view's slides or handout."""
    style = "slides" if style == "slides" else "article"
    tex = render_layers_tex(view, style, language, spec.decimals, spec.title)
    return write_tex_and_pdf(Path(directory) / f"{stem}-layers-{style}-{language}", tex, pdf=pdf)


def _for_checking(spec: Spec):
    """The hand-rounded solution a checker compares with, and the index of its names."""
    from .answers import NameIndex
    from .render.document import flat_values
    solution = solve(spec, rounding="hand")
    d = solution.derivations[0]
    return solution, NameIndex(d, flat_values(d))


def check_file(spec: Spec, answers_path: str | Path, options=None):
    """(solution, report) for one student's answers file."""
    from .answers import load_answers
    from .check import Options, check
    solution, index = _for_checking(spec)
    return solution, check(solution, load_answers(answers_path, index), options or Options())


def check_class_file(spec: Spec, class_path: str | Path, options=None):
    """(solution, [(student, report)]) for a class CSV: a student column, a column per quantity."""
    from .answers import load_class
    from .check import Options, check
    solution, index = _for_checking(spec)
    return solution, [(who, check(solution, answers, options or Options()))
                      for who, answers in load_class(class_path, index)]


def safe_name(text: str) -> str:
    """A file name taken from user text that cannot leave its folder."""
    import re
    name = re.sub(r"[^A-Za-z0-9._-]+", "_", text).strip("._") or "student"
    return name[:80]


def class_chart_png(rows, title: str) -> bytes:
    """A bar chart of how many students got each step right."""
    import io
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(max(6, 0.45 * len(rows) + 2), 4), dpi=100)
    names = [r["name"] for r in rows]
    shares = [100 * r["right"] / r["answered"] if r["answered"] else 0 for r in rows]
    ax.bar(range(len(rows)), shares, color="#2a6fb0")
    ax.set_xticks(range(len(rows)), names, rotation=60, ha="right", fontsize=8)
    ax.set_ylim(0, 100)
    ax.set_ylabel("%")
    ax.set_title(title)
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", metadata={"Software": None})
    plt.close(fig)
    return buffer.getvalue()

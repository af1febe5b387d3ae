"""Report rendering times: the lecture example's .tex for every style, its slides PDF, and
a 4-4-4-2 network's deck (steps, pages, .tex and PDF times). A slides step with the drawing
takes as many frames as its text needs (LaTeX decides), so the pages are counted in the PDF.

    python benchmarks/bench_reports.py

Prints one table. .tex times are the best of 5 (solve included); PDF times one latexmk run
each (pdflatex twice, as latexmk decides), TeX Live from Debian's packages.
"""
from __future__ import annotations

import re
import subprocess
import tempfile
import time
from pathlib import Path

from symbackprop import load_spec, spec_from_dict
from symbackprop.api import solve_for_report
from symbackprop.render.latex import build_pdf
from symbackprop.render.report import STYLES, render_tex

ROOT = Path(__file__).resolve().parent.parent


def best(fn, repeat=5):
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t)
    return min(times), result


def pdf_pages(pdf: bytes) -> int:
    """The page count, as poppler's pdfinfo reads it."""
    with tempfile.NamedTemporaryFile(suffix=".pdf") as f:
        f.write(pdf)
        f.flush()
        info = subprocess.run(["pdfinfo", f.name], capture_output=True, text=True, check=True).stdout
    return int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))


def deep_spec():
    layers = [{"units": u, "activation": "sigmoid",
               "weights": {"init": "uniform", "range": [-1, 1], "seed": 5, "decimals": 2}, "bias": 0.1}
              for u in (4, 4, 2)]
    return spec_from_dict({"title": "4-4-4-2", "inputs": [0.5, -0.3, 0.2, 0.9], "targets": [0.1, 0.9],
                           "layers": layers, "learning_rate": 0.5}, "4-4-4-2")


def main() -> None:
    print(f"{'network':<12}{'style':<10}{'steps':>7}{'pages':>7}{'.tex s':>9}{'PDF s':>9}")
    print("-" * 54)
    cases = [("lecture", load_spec(ROOT / "examples" / "lecture_2_2_2.yaml")),
             ("4-4-4-2", deep_spec())]
    for name, spec in cases:
        styles = STYLES if name == "lecture" else ("slides", "article")
        total = 0.0
        for style in styles:
            seconds, tex = best(lambda: render_tex(solve_for_report(spec), style, "es"))
            total += seconds
            steps = tex.count("%% step ")
            pdf_time, pages = "—", "—"
            if style in ("slides", "article"):
                t = time.perf_counter()
                pdf, _log = build_pdf(tex, name=style)
                pdf_time = f"{time.perf_counter() - t:.1f}"
                pages = str(pdf_pages(pdf))
            print(f"{name:<12}{style:<10}{steps:>7}{pages:>7}{seconds:>9.3f}{pdf_time:>9}")
        print(f"{name:<12}{'all .tex':<10}{'':>14}{total:>9.3f}")


if __name__ == "__main__":
    main()

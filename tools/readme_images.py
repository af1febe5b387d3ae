"""Regenerate the README's pictures of the lecture slides (docs/*.png).

    python tools/readme_images.py

Builds the lecture example's Spanish slides and renders a few representative frames
(found by their kind in the .tex, not by page number) with pdftoppm, and a contact sheet of
every frame (tools/contact_sheet.py).
"""
from __future__ import annotations

import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tools"))

from symbackprop import load_spec  # noqa: E402
from symbackprop.api import solve_for_report  # noqa: E402
from symbackprop.render.latex import build_pdf  # noqa: E402
from symbackprop.render.report import render_tex  # noqa: E402

# (file name, kind of step, which occurrence of it)
WANTED = [("slide-forward.png", "forward", 1), ("slide-factor.png", "factor", 2),
          ("slide-hidden-question.png", "question", 6), ("slide-update.png", "update", 1)]


def main() -> None:
    solution = solve_for_report(load_spec(ROOT / "examples" / "lecture_2_2_2.yaml"))
    tex = render_tex(solution, "slides", "es")
    pdf, log = build_pdf(tex, name="slides")
    # where each step begins: the slides write it to the log (a step may take several frames)
    starts = [(kind, int(frame)) for kind, frame in
              re.findall(r"^symbackprop step \d+ \((\w+)\) from frame (\d+)$", log, flags=re.M)]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "slides.pdf"
        path.write_bytes(pdf)
        for name, kind, occurrence in WANTED:
            page = [frame for k, frame in starts if k == kind][occurrence - 1]
            out = ROOT / "docs" / name
            subprocess.run(["pdftoppm", "-png", "-r", "80", "-f", str(page), "-l", str(page),
                            "-singlefile", str(path), str(out.with_suffix(""))], check=True)
            print(f"{out.relative_to(ROOT)}: frame {page} ({kind})")
        # every frame, small: the contact sheet
        from contact_sheet import contact_sheet
        sheet = ROOT / "docs" / "lecture-slides-es-all.png"
        pages, _ = contact_sheet(path, sheet, columns=8, width=200)
        print(f"{sheet.relative_to(ROOT)}: {pages} frames")


if __name__ == "__main__":
    main()

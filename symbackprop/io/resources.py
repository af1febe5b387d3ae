"""Files shipped with the package (the lecture example; the templates are found by render.latex).

An installed symbackprop reads them from inside the package (``importlib.resources``); a
source checkout, where they live at the top of the repository, reads them from there.
"""
from __future__ import annotations

from importlib import resources
from pathlib import Path

__all__ = ["LECTURE_EXAMPLE", "read_lecture_example"]

_REPO = Path(__file__).resolve().parent.parent.parent
LECTURE_EXAMPLE = "lecture_2_2_2.yaml"


def read_lecture_example() -> str:
    packaged = resources.files("symbackprop").joinpath("data", LECTURE_EXAMPLE)
    if packaged.is_file():
        return packaged.read_text(encoding="utf-8")
    return (_REPO / "examples" / LECTURE_EXAMPLE).read_text(encoding="utf-8")

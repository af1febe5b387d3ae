"""Blackboard's question upload file: tab-separated text, one numerical question per row.

    text = blackboard_txt(questions(variants, steps, language))

Blackboard Learn's "Upload Questions" (tests, pools, surveys) reads one question a row, fields
separated by a TAB, no header and no blank line; a numerical question is
``NUM<TAB>question text<TAB>answer<TAB>tolerance``, the tolerance being the ± range around the
answer. The interval `check` accepts (``accepted``) is written as its midpoint and half width,
so Blackboard scores correct exactly the answers `check` calls right. The question text is HTML
(the variant's name, the question, the formulas between \\( \\)); a TAB or a line break inside
it would start a new field or row, so whitespace is folded to single spaces.
"""
from __future__ import annotations

import re
from typing import Any

from ..check.tolerance import symmetric
from .qti import accepted, plain

__all__ = ["blackboard_txt", "BLACKBOARD_ROWS"]

#: Blackboard recommends at most 500 rows a file (browser time-outs).
BLACKBOARD_ROWS = 500


def _field(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def blackboard_txt(items: list[dict[str, Any]]) -> str:
    rows = []
    for item in items:
        answer, tolerance = symmetric(*accepted(item))
        question = _field(f"<p><b>{item['name']}</b></p><p>{item['question']}</p>")
        rows.append("\t".join(["NUM", question, plain(answer), plain(tolerance)]))
    return "\n".join(rows) + "\n"

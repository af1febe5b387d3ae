"""How a document's steps sit on its pages: what the page must not turn inside, how large the
exercise sheet's answer boxes are, where its key sets its boxes so that key and sheet line up,
and the room left for the working. Plain data for the templates (``tie``, ``fit``, ``lead``,
``last``, ``room``); no mathematics.
"""
from __future__ import annotations

import re
from typing import Any, Iterable

from ..core.exact import LARGE, round_to

__all__ = ["WHOLE_STEPS", "page_ties", "answer_box", "fit_key_to_sheet", "key_working", "working_room"]

#: The steps that a document (handout, exercise sheet, key) keeps on one page whole, with their
#: heading and the room for the working: small by nature (an update, a factor with its formula,
#: putting a path together, a sum, a neuron of the forward pass, the error, a rule's derivation).
WHOLE_STEPS = frozenset({"forward", "error", "reused", "factor", "together", "partial", "sum", "update",
                         "rule"})


def page_ties(step: dict[str, Any]) -> None:
    """Marks (``tie``) each block of a document's step that the page must not turn before: every
    block of a whole step (WHOLE_STEPS); in a longer step (a question, the notation) an equation
    (it belongs to the sentence or the equation above it) and the block after a sentence that
    ends with ':'. The template also keeps a heading with its first block."""
    blocks = step["blocks"] = [dict(b) for b in step["blocks"]]
    for k, b in enumerate(blocks[1:], start=1):
        before = blocks[k - 1]
        b["tie"] = step["kind"] in WHOLE_STEPS or "math" in b or \
            ("text" in before and before["text"].rstrip().endswith(":"))


def answer_box(values: Iterable, decimals: int) -> dict[str, Any]:
    """Every answer box of the sheet and of its key has one size (a box's width gives no answer
    away): room for a sign, the integer part of the largest value, the point and the spec's
    decimals, at 5 mm a hand-written character (from 15 mm to 80 mm); 6 mm above the baseline
    and 2.5 mm below, as tall as a hand-written digit."""
    digits = 1
    for value in values:
        if value is not None:
            whole = abs(round_to(value, decimals)) if abs(value) < LARGE else LARGE
            digits = max(digits, min(6, len(str(int(whole)))))
    chars = 1 + digits + (1 + decimals if decimals else 0)
    return {"chars": chars, "width": f"{max(15, min(80, 5 * chars))}mm", "height": "6mm",
            "depth": "2.5mm", "line": "8mm"}


#: an equation ending in a box ("= \blank"), or in a box in parentheses ("0.7 - \pblank")
COMPUTED = re.compile(r"(\\p?blank|\\p?answer\{[^{}]*\})(\)?)\s*$")


def fit_key_to_sheet(steps: list[dict[str, Any]], sheet_steps: list[dict[str, Any]]) -> None:
    """The key shows numbers the sheet leaves out ("= σ(0.41) ="): each of its equations is
    given the sheet's (``fit``), to be laid out alike (see \\fitas), so that the pages line up.
    Where the key adds numbers before an equation's last box, that box is given apart
    (``lead``, ``last``): the key sets it where the sheet's is (see \\fitat)."""
    for step, twin in zip(steps, sheet_steps if len(sheet_steps) == len(steps) else ()):
        if len(step["blocks"]) == len(twin["blocks"]):
            for block, other in zip(step["blocks"], twin["blocks"]):
                if "math" in block and "math" in other and block["math"] != other["math"]:
                    block["fit"] = other["math"]
    for step in steps:
        computed = [b for b in step["blocks"] if COMPUTED.search(b.get("math", ""))]
        for block in step["blocks"]:
            found = COMPUTED.search(block.get("math", ""))
            if "fit" in block and found and \
                    re.sub(r"\\(p?)answer\{[^{}]*\}", r"\\\1blank", block["math"]) != block["fit"]:
                block["lead"], block["last"] = block["math"][:found.start()], found.group(1) + found.group(2)
                if block is computed[-1]:
                    block.update(key_working(block["fit"], block["lead"], block["last"]))


def key_working(sheet: str, lead: str, last: str) -> dict[str, str]:
    """For the key's last computed equation of a step: the sheet's equation with the answer in its
    box (``key``) and the numbers the key adds, as a line of working (``work``: "a(1 − a) =
    0.60109 · (1 − 0.60109)"). Where those numbers leave too little room beside the box (σ′ in
    the key was set at 7 pt, review r5), the template shows the two lines, the second one in the
    room the sheet leaves for the working, so that the pages still line up (see \\fitatwork)."""
    found = COMPUTED.search(sheet)
    sheet_lead = sheet[:found.start()] if found else ""
    if not sheet_lead.endswith("= ") or not lead.startswith(sheet_lead):
        return {}
    extra = lead[len(sheet_lead):].rstrip()
    if not extra.endswith("="):
        return {}
    before = sheet_lead[:-2].rsplit(" = ", 1)[-1]
    return {"key": sheet_lead + last, "work": f"{before} = {extra[:-1].rstrip()}"}


def working_room(step: dict[str, Any]) -> int:
    """Room below a step of the sheet for the working (and the same room in its key, so that
    the two line up): two lines for every value the step computes (an equation ending in a
    box), at most six; none for copied values."""
    if step["kind"] in ("reused", "iteration"):
        return 0
    return min(6, 2 * sum(1 for b in step["blocks"] if "math" in b and COMPUTED.search(b["math"])))

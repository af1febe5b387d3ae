"""The few calls every front end makes: spec in, derivation out, rendered as asked.

    solution = solve(load_spec("net.yaml"), rounding="hand")
    print(as_text(solution)); text = as_json(solution)
"""
from __future__ import annotations

from .derive import Solution
from .jsonio import dumps
from .render.document import solution_document
from .render.text import walkthrough

__all__ = ["as_text", "as_json"]


def as_text(solution: Solution, language: str | None = None) -> str:
    return walkthrough(solution, language)


def as_json(solution: Solution) -> str:
    return dumps(solution_document(solution))

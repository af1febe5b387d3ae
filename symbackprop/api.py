"""The few calls every front end makes: spec in, derivation out, rendered as asked.

    solution = solve_spec(load_spec("net.yaml"), rounding="hand")
    print(as_text(solution)); text = as_json(solution)
"""
from __future__ import annotations

from .derive import Solution, solve
from .jsonio import dumps
from .render.document import solution_document
from .render.text import walkthrough
from .spec import Spec

__all__ = ["solve_spec", "as_text", "as_json"]


def solve_spec(spec: Spec, *, rounding: str = "exact", paths: str = "auto") -> Solution:
    return solve(spec, rounding=rounding, paths=paths)


def as_text(solution: Solution, language: str | None = None) -> str:
    return walkthrough(solution, language)


def as_json(solution: Solution) -> str:
    return dumps(solution_document(solution))

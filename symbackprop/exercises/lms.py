"""Questions for learning platforms: Moodle XML, and plain JSON/CSV for the others.

One numerical question per chosen step of every variant, in a category per variant set,
with a tolerance derived from the spec's decimals (half a unit of the last place, widened by
the drift of a hand calculation) and the worked solution of that step as general feedback
(LaTeX between MathJax's \\( \\) delimiters). XML is built with ElementTree, so every text
is escaped.
"""
from __future__ import annotations

import xml.etree.ElementTree as ET
from decimal import Decimal
from typing import Any

from ..check.tolerance import step_interval
from ..core import ids
from ..derive.derivation import solve
from ..core.exact import exact, round_to, show
from ..io.jsonio import json_number
from ..render.i18n import say
from ..render.names import display
from ..render.printers import NetworkLatexPrinter
from ..spec.reading import Spec
from .variants import Variant

__all__ = ["default_steps", "questions", "moodle_xml", "questions_csv"]


def default_steps(spec: Spec) -> list[str]:
    """The first neuron of every layer, the error, and the first weight of the output and
    input layers: its gradient and its update."""
    L = len(spec.layers)
    steps = [ids.a(l, 1) for l in range(1, L + 1)] + ["E"]
    for l in sorted({L, 1}, reverse=True):
        steps += [ids.derivative("E", ids.w(l, 1, 1)), ids.new(ids.w(l, 1, 1))]
    return steps


def _name(spec: Spec, notation, q: str, language: str) -> str:
    return display(notation, q, "latex", language)


def questions(variants: list[Variant], steps: list[str] | None, language: str) -> list[dict[str, Any]]:
    out = []
    for v in variants:
        spec = v.spec
        solution = solve(spec, rounding="hand")
        d = solution.derivations[0]
        ledger = d.ledger
        exact_values, hand_values = ledger.values(), ledger.values(hand=True)
        recipes = ledger.recipes()
        notation = d.model.notation
        printer = NetworkLatexPrinter(notation)
        numbers = NetworkLatexPrinter(notation, exact_values, spec.decimals)
        given = _givens(spec, notation)
        for q in steps or default_steps(spec):
            if q not in exact_values:
                continue
            value = exact_values[q]
            with exact():
                tolerance = Decimal(5) * Decimal(10) ** (-spec.decimals - 1) + abs(hand_values[q] - value)
                tolerance = Decimal(f"{tolerance:.3g}")         # three significant digits are plenty
            low, high = step_interval(d, q, spec.decimals)      # what `check` accepts
            name = _name(spec, notation, q, language)
            formula = ledger[q].written if ledger[q].written is not None else recipes.get(q)
            solution_tex = name
            if formula is not None and not formula.is_Symbol:
                solution_tex += f" = {printer.doprint(formula)} = {numbers.doprint(formula)}"
            solution_tex += f" = {show(value, spec.decimals)}"
            out.append({
                "variant": v.number, "name": v.name, "quantity": q,
                "question": say(language, "lms_question", network=given, name=rf"\({name}\)",
                                decimals=spec.decimals),
                "answer": round_to(value, spec.decimals), "exact": value, "tolerance": tolerance,
                "low": low, "high": high,
                "solution": rf"\({solution_tex}\)",
            })
    return out


def _givens(spec: Spec, notation) -> str:
    from ..core.model import parameter_values
    parts = [f"{notation.latex(ids.x(j))} = {show(v, 5)}" for j, v in enumerate(spec.inputs[0], start=1)]
    parts += [f"{notation.latex(ids.y(k))} = {show(v, 5)}" for k, v in enumerate(spec.targets[0], start=1)]
    parts += [f"{notation.latex(p)} = {show(v, 5)}" for p, v in parameter_values(spec).items()]
    parts.append(rf"\eta = {show(spec.learning_rate, 5)}")
    return r"\(" + r",\ ".join(parts) + r"\)"


def _text(parent: ET.Element, tag: str, text: str, **attrs) -> ET.Element:
    element = ET.SubElement(parent, tag, attrs)
    ET.SubElement(element, "text").text = text
    return element


def moodle_xml(items: list[dict[str, Any]], title: str) -> str:
    """A Moodle XML quiz: a category per variant, a numerical question per step."""
    quiz = ET.Element("quiz")
    current = None
    for item in items:
        if item["name"] != current:
            current = item["name"]
            category = ET.SubElement(quiz, "question", {"type": "category"})
            _text(category, "category", f"$course$/symbackprop/{title}/{current}")
        question = ET.SubElement(quiz, "question", {"type": "numerical"})
        _text(question, "name", f"{item['name']}: {item['quantity']}")
        _text(question, "questiontext", f"<p>{item['question']}</p>", format="html")
        _text(question, "generalfeedback", f"<p>{item['solution']}</p>", format="html")
        ET.SubElement(question, "defaultgrade").text = "1.0000000"
        ET.SubElement(question, "penalty").text = "0.3333333"
        ET.SubElement(question, "hidden").text = "0"
        answer = ET.SubElement(question, "answer", {"fraction": "100", "format": "moodle_auto_format"})
        ET.SubElement(answer, "text").text = json_number(item["answer"])
        ET.SubElement(answer, "tolerance").text = json_number(item["tolerance"])
        _text(answer, "feedback", "", format="html")
    ET.indent(quiz)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(quiz, encoding="unicode") + "\n"


def questions_csv(items: list[dict[str, Any]]) -> str:
    import csv
    import io
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["variant", "name", "quantity", "answer", "tolerance", "question", "solution"])
    for item in items:
        writer.writerow([item["variant"], item["name"], item["quantity"], json_number(item["answer"]),
                         json_number(item["tolerance"]), item["question"], item["solution"]])
    return buffer.getvalue()

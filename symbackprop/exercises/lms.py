"""Questions for learning platforms: Moodle XML, and plain JSON/CSV for the others.

    items = questions(variants, steps, language)        # one dict per asked step of each variant
    moodle_xml(items, title)                             # one Cloze question per variant
    moodle_xml(items, title, layout="numerical")         # one numerical question per step

Cloze (the default): every variant is one Cloze (multianswer) question holding every asked
step as an embedded NUMERICAL sub-question, all variants in one category, so that one
"random question" slot of a quiz gives each student one whole network. Each step accepts the
interval ``check`` accepts (:mod:`symbackprop.check.tolerance`): the value rounded at the
asked decimals ± half a unit, and the whole interval as a second 100 % answer. The worked
solution (chain, factors, numbers; :mod:`.worked`) is the general feedback, LaTeX between
MathJax's ``\\(`` ``\\)``. Every question has an ``<idnumber>`` (the same on every export of
the same title and variant, so a re-import finds it) and tags naming its steps; a "/" in a
category name is written "//", as Moodle's category paths require. XML is built with
ElementTree, so every text is escaped.
"""
from __future__ import annotations

import hashlib
import xml.etree.ElementTree as ET
from decimal import Decimal
from typing import Any

from ..check.tolerance import step_interval, symmetric
from ..check.sheet import unit
from ..core import ids
from ..core.exact import exact, round_to, show
from ..derive.derivation import solve
from ..errors import SymbackpropError
from ..io.jsonio import json_number
from ..render.i18n import say
from ..spec.reading import Spec
from .variants import Variant
from .worked import mathjax_name, worked

__all__ = ["default_steps", "questions", "moodle_xml", "questions_csv", "LAYOUTS"]

#: How ``moodle_xml`` lays the steps out: one Cloze question per variant, or one numerical
#: question per step (a category per variant).
LAYOUTS = ("cloze", "numerical")


def default_steps(spec: Spec) -> list[str]:
    """The first neuron of every layer, the error, and the first weight of the output and
    input layers: its gradient and its update."""
    L = len(spec.layers)
    steps = [ids.a(l, 1) for l in range(1, L + 1)] + ["E"]
    for l in sorted({L, 1}, reverse=True):
        steps += [ids.derivative("E", ids.w(l, 1, 1)), ids.new(ids.w(l, 1, 1))]
    return steps


def questions(variants: list[Variant], steps: list[str] | None, language: str) -> list[dict[str, Any]]:
    """One dict per asked step of every variant: the question, the answer (the exact value
    rounded at the spec's decimals), the interval ``check`` accepts (``low``, ``high``) and
    the worked solution (``solution``: LaTeX lines)."""
    out = []
    for v in variants:
        spec = v.spec
        d = solve(spec).derivations[0]
        exact_values = d.ledger.values()
        notation = d.model.notation
        given = _givens(spec, notation)
        for q in steps or default_steps(spec):
            if q not in exact_values:
                continue
            value = exact_values[q]
            low, high = step_interval(d, q, spec.decimals)
            name = mathjax_name(notation, q, language)
            out.append({
                "variant": v.number, "name": v.name, "quantity": q, "name_tex": name,
                "given": given, "decimals": spec.decimals,
                "question": say(language, "lms_question", network=given, name=rf"\({name}\)",
                                decimals=spec.decimals),
                "answer": round_to(value, spec.decimals), "exact": value, "low": low, "high": high,
                "solution": [rf"\({line}\)" for line in worked(d, q, language)],
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


def _fixed(x: Decimal) -> str:
    """A number as Moodle's Cloze grammar reads it (digits, a point; no exponent)."""
    text = f"{x.normalize():f}"
    return "0" if text in ("0", "-0") else text


def moodle_answers(item: dict[str, Any]) -> list[tuple[Decimal, Decimal]]:
    """(answer, tolerance) pairs, each worth 100 %, whose union is the accepted interval: the
    rounded value ± half a unit first (what Moodle shows as the right answer), then the
    interval as its centre ± half its width (when it is wider)."""
    with exact():
        half = unit(item["decimals"]) / 2
        centre, width = symmetric(item["low"], item["high"])
        pairs = [(item["answer"], half)]
        if (item["low"], item["high"]) != (item["answer"] - half, item["answer"] + half):
            pairs.append((centre, width))
    return pairs


def cloze_answer(item: dict[str, Any]) -> str:
    """``{1:NUMERICAL:=0.60109:0.000005~=0.601085:0.00001}``: Moodle's embedded numerical
    sub-question (question/type/multianswer/questiontype.php)."""
    return "{1:NUMERICAL:" + "~".join(f"={_fixed(a)}:{_fixed(t)}" for a, t in moodle_answers(item)) + "}"


def category_path(*names: str) -> str:
    """A Moodle category path: the names joined by "/", a "/" inside a name written "//"."""
    return "/".join(["$course$", *(n.replace("/", "//") for n in names)])


def _idnumber(title: str, *parts: str) -> str:
    """Stable across exports of the same title and variant (Moodle keeps 100 characters)."""
    digest = hashlib.sha256(title.encode()).hexdigest()[:8]
    return "-".join(["symbackprop", digest, *parts])[:100]


def _tags(question: ET.Element, words: list[str]) -> None:
    tags = ET.SubElement(question, "tags")
    for word in words:
        _text(tags, "tag", word)


def _category(quiz: ET.Element, path: str) -> None:
    category = ET.SubElement(quiz, "question", {"type": "category"})
    _text(category, "category", path)


def _common(question: ET.Element, name: str, text: str, feedback: str, idnumber: str, tags: list[str]) -> None:
    _text(question, "name", name)
    _text(question, "questiontext", text, format="html")
    _text(question, "generalfeedback", feedback, format="html")
    ET.SubElement(question, "penalty").text = "0.3333333"
    ET.SubElement(question, "hidden").text = "0"
    ET.SubElement(question, "idnumber").text = idnumber
    _tags(question, tags)


def _solution_html(item: dict[str, Any]) -> str:
    return "".join(f"<p>{line}</p>" for line in item["solution"])


def moodle_xml(items: list[dict[str, Any]], title: str, layout: str = "cloze", language: str = "en") -> str:
    """A Moodle XML quiz: one Cloze question per variant in one category (``layout``
    "cloze"), or a category per variant with a numerical question per step ("numerical")."""
    if layout not in LAYOUTS:
        raise SymbackpropError(f"--moodle-layout: expected one of {', '.join(LAYOUTS)}, found {layout!r}")
    quiz = ET.Element("quiz")
    variants: dict[str, list[dict[str, Any]]] = {}
    for item in items:
        variants.setdefault(item["name"], []).append(item)
    if layout == "cloze":
        _category(quiz, category_path("symbackprop", title))
    for name, steps in variants.items():
        if layout == "cloze":
            question = ET.SubElement(quiz, "question", {"type": "cloze"})
            lines = [f"<p>{say(language, 'lms_cloze', network=steps[0]['given'], decimals=steps[0]['decimals'])}</p>"]
            lines += [rf"<p>\({s['name_tex']}\) = {cloze_answer(s)}</p>" for s in steps]
            feedback = "".join(_solution_html(s) for s in steps)
            _common(question, f"{title}: {name}", "".join(lines), feedback, _idnumber(title, name),
                    ["symbackprop", name] + [f"step:{s['quantity']}" for s in steps])
            continue
        _category(quiz, category_path("symbackprop", title, name))
        for s in steps:
            question = ET.SubElement(quiz, "question", {"type": "numerical"})
            _common(question, f"{name}: {s['quantity']}", f"<p>{s['question']}</p>", _solution_html(s),
                    _idnumber(title, name, s["quantity"]), ["symbackprop", name, f"step:{s['quantity']}"])
            ET.SubElement(question, "defaultgrade").text = "1.0000000"
            for value, tolerance in moodle_answers(s):
                answer = ET.SubElement(question, "answer", {"fraction": "100", "format": "moodle_auto_format"})
                ET.SubElement(answer, "text").text = _fixed(value)
                ET.SubElement(answer, "tolerance").text = _fixed(tolerance)
                _text(answer, "feedback", "", format="html")
    ET.indent(quiz)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(quiz, encoding="unicode") + "\n"


def questions_csv(items: list[dict[str, Any]]) -> str:
    import csv
    import io
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["variant", "name", "quantity", "answer", "low", "high", "question", "solution"])
    for item in items:
        writer.writerow([item["variant"], item["name"], item["quantity"], json_number(item["answer"]),
                         json_number(item["low"]), json_number(item["high"]), item["question"],
                         " ".join(item["solution"])])
    return buffer.getvalue()

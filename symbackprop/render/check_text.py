"""A check report as text (a table per answer with ✓ ≈ ↪ ✗) and as its JSON document.

Sentences come from the catalogue; quantities are shown in the spec's notation; every
diagnosis names the expected formula in symbols and numbers.
"""
from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from ..check.judge import CheckReport, Item
from ..derive.derivation import Solution
from ..core.exact import show
from .i18n import say
from .names import display
from .printers import NetworkTextPrinter

__all__ = ["check_text", "check_document", "feedback_context", "SYMBOLS", "CHECK_SCHEMA"]

SYMBOLS = {"correct": "✓", "rounding": "≈", "carried_forward": "↪", "wrong": "✗"}
CHECK_SCHEMA = "symbackprop.check/1"


class _Words:
    def __init__(self, solution: Solution, language: str):
        self.solution = solution
        self.lang = language
        self.notation = solution.model.notation
        self.printer = NetworkTextPrinter(self.notation)
        self.decimals = solution.spec.decimals
        self.exact = solution.derivations[0].values
        self.values = solution.derivations[0].ledger.values()
        from .printers import NetworkLatexPrinter
        self.latex_printer = NetworkLatexPrinter(self.notation)

    def name(self, q: str) -> str:
        return display(self.notation, q, "text", self.lang)

    def num(self, v: Decimal | None) -> str:
        return "" if v is None else show(v, self.decimals)

    def formula(self, q: str, form: str = "text") -> str:
        """``q = its formula = the numbers in it``, as the lecture writes it: a chain's
        factors in the order of the chain, sums in the order of their terms, η as the spec
        writes it (0.6, never 3/5)."""
        return " = ".join(self.formula_parts(q, form))

    def formula_parts(self, q: str, form: str = "text") -> list[str]:
        latex = form == "latex"
        name = (lambda x: display(self.notation, x, "latex", self.lang)) if latex else self.name
        num = self.num
        ledger = self.solution.derivations[0].ledger
        values = self.values
        times, minus = (r" \cdot ", " - ") if latex else (" · ", " − ")
        try:
            record = ledger[q]
        except KeyError:
            return [name(q)]
        parts = [name(q)]
        deps = record.depends_on
        if record.kind == "gradient" and record.op == "sum" and len(deps) == 1:
            try:                          # one partial: the gradient is its chain
                record = ledger[deps[0]]
                deps = record.depends_on
            except KeyError:
                pass
        if record.op == "product" or (record.op == "sum" and deps):
            join = times if record.op == "product" else " + "
            parts.append(join.join(name(d) for d in deps))
            if any(d in values for d in deps):
                parts.append(join.join(self._paren(num(values.get(d)), latex) for d in deps))
        elif record.op == "update":
            param, grad = deps
            eta = f"{self.solution.spec.learning_rate.normalize():f}"
            parts.append(f"{name(param)}{minus}{eta}{times}{name(grad)}")
            parts.append(f"{num(values.get(param))}{minus}{eta}{times}{self._paren(num(values.get(grad)), latex)}")
        else:
            node = self.solution.model.nodes.get(q)
            shown = node.written if node is not None and node.written is not None else record.formula
            if shown is not None and not shown.is_Symbol and not shown.is_Number:   # not "= 2 = 2"
                printer = self.latex_printer if latex else self.printer
                parts.append(printer.doprint(shown))
        parts.append(num(record.exact))
        return parts

    @staticmethod
    def _paren(text: str, latex: bool) -> str:
        return f"({text})" if text.startswith("-") else text

    def diagnosis(self, item: Item) -> str:
        if item.verdict == "carried_forward":
            return say(self.lang, "check_carried", roots=", ".join(self.name(r) for r in item.roots),
                       value=self.num(item.recomputed))
        d = item.diagnosis
        if d is None:
            return ""
        where = d.at or item.quantity
        parts = self.formula_parts(where)
        formula = " = ".join(parts[:-1])
        values = self.values
        text = say(self.lang, f"diag_{d.kind}", formula=formula,
                   value=self.num(values.get(where, item.expected)),
                   used=self.name(d.used) if d.used else "",
                   used_value=(str(d.used_value) if d.kind == "too_few_decimals"
                               else self.num(d.used_value if d.used_value is not None else values.get(d.used))),
                   instead=", ".join(self.name(x) for x in d.instead.split(", ")) if d.instead else "",
                   instead_value=self.num(values.get(d.instead)) if d.instead in values else "")
        if d.at:
            text = say(self.lang, "diag_at", at=self.name(d.at), text=text)
        return text


def check_text(solution: Solution, report: CheckReport, language: str, who: str = "") -> str:
    w = _Words(solution, language)
    head = say(language, "check_head").split("|")
    rows = [(SYMBOLS[i.verdict], w.name(i.quantity), i.given_text, w.num(i.expected), w.diagnosis(i))
            for i in report.items]
    width = [max([len(r[k]) for r in rows] + [len(head[k - 1]) if k else 1]) for k in range(4)]
    title = say(language, "check_title", name=who or solution.spec.title_in(language) or "symbackprop")
    lines = [title, "═" * len(title),
             f"   {head[0]:<{width[1]}}  {head[1]:>{width[2]}}  {head[2]:>{width[3]}}"]
    for sym, name, given, expected, note in rows:
        lines.append(f"{sym}  {name:<{width[1]}}  {given:>{width[2]}}  {expected:>{width[3]}}"
                     + (f"  {note}" if note else ""))
    lines += ["", say(language, "check_summary", **report.summary)]
    return "\n".join(lines) + "\n"


def check_document(solution: Solution, report: CheckReport, language: str) -> dict[str, Any]:
    w = _Words(solution, language)
    return {
        "schema": CHECK_SCHEMA,
        "items": [{
            "quantity": i.quantity, "name": i.name, "given": i.given, "given_text": i.given_text,
            "expected": i.expected, "verdict": i.verdict, "tolerance": i.tolerance,
            "diagnosis": ({"kind": i.diagnosis.kind, "used": i.diagnosis.used,
                           "instead": i.diagnosis.instead, "text": w.diagnosis(i)}
                          if i.diagnosis else
                          {"kind": "carried_forward", "roots": list(i.roots), "text": w.diagnosis(i)}
                          if i.verdict == "carried_forward" else None),
            "depends_on": list(i.depends_on),
            **({"recomputed": i.recomputed} if i.recomputed is not None else {}),
        } for i in report.items],
        "summary": {**report.summary, "passed": report.passed},
    }


_PLAIN_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")

_LATEX_SYMBOLS = {"correct": r"\checkmark", "rounding": r"\approx", "carried_forward": r"\hookrightarrow",
                  "wrong": r"\times"}


def _latex_sentence(language: str, key: str, math: dict[str, str], **text: str) -> str:
    """A catalogue sentence in LaTeX text mode: its words escaped, the ``math`` fields typeset
    as mathematics, the ``text`` fields escaped as words."""
    from .latex import tex_escape
    marks = {name: f"\x00{n}\x00" for n, name in enumerate(math)}
    sentence = tex_escape(say(language, key, **marks, **text))
    for name, mark in marks.items():
        sentence = sentence.replace(tex_escape(mark), f"${math[name]}$" if math[name] else "")
    return sentence


def feedback_context(solution: Solution, report: CheckReport, language: str, who: str) -> dict[str, Any]:
    """Plain data for the feedback sheet (templates/feedback.tex.j2): the table of answers,
    each wrong step with its diagnosis as mathematics and its derivation in the lecture's
    form, and the carried values one line each, pointing to their root."""
    w = _Words(solution, language)
    notation = solution.model.notation
    values = w.values

    def name(q: str) -> str:
        return display(notation, q, "latex", language)

    def number(v) -> str:
        return w.num(v)

    def diagnosis(i: Item) -> str:
        d = i.diagnosis
        if d is None:
            return ""
        where = d.at or i.quantity
        parts = w.formula_parts(where, "latex")
        math = {"formula": " = ".join(parts[:-1]), "value": number(values.get(where, i.expected)),
                "used": name(d.used) if d.used else "",
                "used_value": (str(d.used_value) if d.kind == "too_few_decimals"
                               else number(d.used_value if d.used_value is not None else values.get(d.used))),
                "instead": ", ".join(name(x) for x in d.instead.split(", ")) if d.instead else "",
                "instead_value": number(values.get(d.instead)) if d.instead in values else ""}
        text = _latex_sentence(language, f"diag_{d.kind}", math)
        if d.at:
            text = _latex_sentence(language, "diag_at", {"at": name(d.at)}, text="\x01").replace(
                "\textbackslash{}x01", text).replace("\x01", text)
        return text

    def short(i: Item) -> str:
        if i.verdict == "carried_forward":
            return "$\\hookrightarrow " + ", ".join(name(r) for r in i.roots) + "$"
        if i.verdict == "wrong" and i.diagnosis is not None:
            key = f"slip_{i.diagnosis.kind}"
            from .i18n import CATALOGUES
            from .latex import tex_escape
            return tex_escape(say(language, key) if key in CATALOGUES[language]
                              else i.diagnosis.kind.replace("_", " "))
        return ""

    def given(i: Item) -> str:
        """A written number in math (its minus a minus sign); anything else as text."""
        from .latex import tex_escape
        return f"${i.given_text}$" if _PLAIN_NUMBER.fullmatch(i.given_text) else tex_escape(i.given_text)

    rows = [{"symbol": _LATEX_SYMBOLS[i.verdict], "name": name(i.quantity), "given": given(i),
             "expected": w.num(i.expected), "note": short(i)} for i in report.items]
    wrong = []
    for i in report.items:
        if i.verdict != "wrong":
            continue
        steps = []
        if i.diagnosis is not None and i.diagnosis.at:
            steps.append(" = ".join(w.formula_parts(i.diagnosis.at, "latex")))
        steps.append(" = ".join(w.formula_parts(i.quantity, "latex")))
        wrong.append({"name": name(i.quantity), "given": given(i), "diagnosis": diagnosis(i),
                      "steps": steps})
    carried = [{"name": name(i.quantity), "given": given(i),
                "line": _latex_sentence(language, "check_carried",
                                        {"roots": ", ".join(name(r) for r in i.roots),
                                         "value": number(i.recomputed)})}
               for i in report.items if i.verdict == "carried_forward"]
    head = say(language, "check_head").split("|")[:3] + [""]
    return {"title": say(language, "check_title", name=who), "summary": say(language, "check_summary", **report.summary),
            "head": head, "rows": rows, "wrong": wrong, "carried": carried,
            "fix_title": say(language, "check_fixes"), "carried_title": say(language, "check_carried_title"),
            "language": language, "babel": "spanish" if language == "es" else "english"}

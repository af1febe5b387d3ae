"""A class checked and marked: the per-step summary (text, JSON, chart rows) and grades.csv.

    steps = class_steps(solution, columns, reports, language)
    text = class_text(steps, len(reports), marks, problems, language)
    document = class_document(steps, reports, marks, problems)
    csv_text = grades_csv(columns, reports, marks)

Per step (a quantity the class file asks for, in its order): how many answered it, how many
were right (correct or rounding), how many slipped there first (root slips: verdict
``wrong``) and how many only carried an earlier slip forward (``carried_forward``), counted
apart; and the most frequent diagnosis among the root slips only (a carried value has no
slip of its own to diagnose).
"""
from __future__ import annotations

import csv
import io
import math
from collections import Counter
from decimal import Decimal
from fractions import Fraction
from typing import Any

from ..check.marks import Mark, shown
from .i18n import say
from .names import display

__all__ = ["class_steps", "class_text", "class_document", "problems_document", "grades_csv", "CLASS_SCHEMA",
           "GRADES_HEAD"]

CLASS_SCHEMA = "symbackprop.class/1"
#: The first columns of grades.csv; one column per quantity follows, in class-file order.
GRADES_HEAD = ("student", "mark", "out_of", "percent")


def class_steps(solution, columns, reports, language: str) -> list[dict[str, Any]]:
    """One row per quantity in ``columns`` (an ordered iterable of canonical ids)."""
    notation = solution.model.notation
    by_student = [{i.quantity: i for i in report.items} for _, report in reports]
    rows = []
    for q in dict.fromkeys(columns):
        verdicts: Counter = Counter()
        slips: Counter = Counter()
        for items in by_student:
            item = items.get(q)
            if item is None:
                continue
            verdicts[item.verdict] += 1
            if item.verdict == "wrong":
                slips[item.diagnosis.kind if item.diagnosis is not None else None] += 1
        diagnosed = sorted(((k, n) for k, n in slips.items() if k is not None), key=lambda t: (-t[1], t[0]))
        answered = sum(verdicts.values())
        rows.append({
            "quantity": q,
            "name": display(notation, q, "text", language),
            "answered": answered,
            "blank": len(reports) - answered,
            "right": verdicts["correct"] + verdicts["rounding"],
            "correct": verdicts["correct"],
            "rounding": verdicts["rounding"],
            "carried": verdicts["carried_forward"],
            "root_slips": verdicts["wrong"],
            "diagnosis": diagnosed[0][0] if diagnosed else None,
            "diagnosis_count": diagnosed[0][1] if diagnosed else 0,
            "diagnoses": dict(diagnosed),
            "undiagnosed": slips[None],
        })
    return rows


def _slip(language: str, kind: str | None) -> str:
    if kind is None:
        return ""
    try:
        return say(language, f"slip_{kind}")
    except KeyError:            # a diagnosis newer than the catalogue: its name as the judge gives it
        return kind


def _mean(marks: list[Mark]) -> tuple[Decimal, Decimal, Decimal | None] | None:
    """The class's mean mark, mean out-of and the percent of the one in the other, at 2
    decimals (half up, computed exactly)."""
    if not marks:
        return None
    total = sum((Fraction(m.mark) for m in marks), Fraction(0)) / len(marks)
    out_of = sum((Fraction(m.out_of) for m in marks), Fraction(0)) / len(marks)
    return _cents(total), _cents(out_of), None if out_of == 0 else _cents(total * 100 / out_of)


def _cents(x: Fraction) -> Decimal:
    """x rounded half up to 2 decimals, exactly."""
    n = math.floor(x * 100 + Fraction(1, 2))
    return Decimal(n).scaleb(-2)


def class_text(steps: list[dict[str, Any]], students: int, marks: list[Mark], problems, language: str) -> str:
    head = say(language, "class_steps_head").split("|")
    table = [(r["name"], str(r["answered"]), str(r["right"]), str(r["carried"]), str(r["root_slips"]),
              f"{_slip(language, r['diagnosis'])} ({r['diagnosis_count']})" if r["diagnosis"] else "")
             for r in steps]
    width = [max([len(row[k]) for row in table] + [len(head[k])]) for k in range(6)]
    lines = [say(language, "class_summary", students=students)]
    mean = _mean(marks)
    if mean is not None:
        lines.append(say(language, "class_mean", mark=shown(mean[0]), out_of=shown(mean[1]),
                         percent=shown(mean[2]) if mean[2] is not None else "—"))
    lines.append("")
    lines.append("  ".join([f"{head[0]:<{width[0]}}"] + [f"{head[k]:>{width[k]}}" for k in range(1, 5)]
                           + [head[5]]).rstrip())
    for row in table:
        lines.append("  ".join([f"{row[0]:<{width[0]}}"] + [f"{row[k]:>{width[k]}}" for k in range(1, 5)]
                               + [row[5]]).rstrip())
    if problems:
        lines += ["", say(language, "class_not_graded")]
        lines += [f"  {_problem(p)['message']}" for p in problems]
    return "\n".join(lines) + "\n"


def _problem(p) -> dict[str, str]:
    """A reader's Problem(where, name, message) as plain data."""
    return {"where": str(getattr(p, "where", "")), "name": str(getattr(p, "name", "")),
            "message": str(getattr(p, "message", p))}


def problems_document(problems) -> list[dict[str, str]]:
    """The names a reader could not use, as JSON: [{where, name, message}]."""
    return [_problem(p) for p in problems]


def class_document(steps: list[dict[str, Any]], reports, marks: list[Mark], problems) -> dict[str, Any]:
    """summary.json: the steps, every student's mark, and what was not graded."""
    mean = _mean(marks)
    return {
        "schema": CLASS_SCHEMA,
        "students": len(reports),
        "out_of": marks[0].out_of if marks else Decimal(0),
        "mean_mark": mean[0] if mean else None,
        "mean_percent": mean[2] if mean else None,
        "steps": steps,
        "grades": [{"student": who, "mark": m.mark, "out_of": m.out_of, "percent": m.percent}
                   for (who, _), m in zip(reports, marks)],
        "problems": problems_document(problems),
    }


#: A cell a spreadsheet would read as a formula ("=HYPERLINK(...)", "+1+1", "@SUM(...)").
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(text: str) -> str:
    """User text (a student id, a column name) as a CSV cell a spreadsheet shows as text:
    one starting like a formula gets a leading apostrophe (a number such as -3 stays)."""
    if text.startswith(_FORMULA_START):
        try:
            Decimal(text)
            return text
        except ArithmeticError:
            return "'" + text
    return text


def grades_csv(columns: dict[str, str], reports, marks: list[Mark]) -> str:
    """grades.csv: ``student,mark,out_of,percent`` then one column per quantity (named as in
    the class file), each cell a verdict (correct, rounding, carried_forward, wrong) or blank;
    comma-separated, dot decimals, marks at 2 decimals, one row per student in class order."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([*GRADES_HEAD, *(_cell(name) for name in columns.values())])
    for (who, _), m in zip(reports, marks):
        verdicts = dict(m.cells)
        writer.writerow([_cell(who), shown(m.mark), shown(m.out_of), shown(m.percent),
                         *(verdicts.get(q, "blank") for q in columns)])
    return buffer.getvalue()

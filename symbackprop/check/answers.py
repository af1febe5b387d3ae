"""Reading a student's answers: files (YAML, JSON, CSV), quantity names, written values.

A quantity may be named by its canonical id (``a1_1``, ``dE/dw2_1_1``, ``new_w2_1_1``), by
its name in either notation or the spec's labels (``w5``, ``sum_n1``, ``n1``, ``output_n1``,
``ŷ1``, ``w[2]_1,1``), with ``nuevo_``/``new_`` (or ``_new``) for updates, or LaTeX-ish
(``w^{[2]}_{1,1}``, ``w_{1,1}^{[2]}``, ``\\frac{\\partial E}{\\partial w_5}``); where a name
reads two ways, the spec's labels, then its own notation, win (:class:`NameIndex`). A value
is a number (``0.0802`` or ``0,0802``) or a small expression as students write it
(``0.5 - 0.6*0.0802``, ``1/(1+e^-0.41)``), read with our own grammar. CSV files may be
separated by ``,`` or, as a spreadsheet in a decimal-comma locale saves them, by ``;``
(``a1_1;0,60108``). Every problem is an :class:`AnswerError` naming the file and the place;
an unknown or ambiguous name may instead be collected as a :class:`Problem` while the rest is
read (``load_answers(path, index, problems=[])``).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from ..derive.names import NameIndex  # the one resolver of names, shared with the API
from ..errors import AnswerError, SymbackpropError
from ..core.expr import MAX_LENGTH, ExpressionError, parse_expression
from ..io.textfiles import csv_rows, read_text
from ..io.yamlload import load_document

__all__ = ["Answer", "Problem", "NameIndex", "read_value", "load_answers", "answers_from", "load_class",
           "MAX_ANSWERS_BYTES"]

MAX_ANSWERS_BYTES = 5_000_000
#: A value written with more decimal places is judged as if written with this many.
MAX_PLACES = 60
_NUMBER = re.compile(r"[-+]?(?:\d+(?:[.,]\d*)?|[.,]\d+)(?:[eE][-+]?\d+)?")


@dataclass(frozen=True)
class Answer:
    name: str                 # as written
    quantity: str             # canonical id
    text: str                 # the value as written
    value: Decimal
    decimals: int | None      # places written (None: an expression, judged at the spec's decimals)
    where: str                # the place in the file


@dataclass(frozen=True)
class Problem:
    """A name on a sheet that names no quantity, or more than one: that answer (or, in a class
    file, that column) is left out and the rest is read."""
    where: str                # the place in the file: "line 3", "column 'w9'", a YAML/JSON key
    name: str                 # the name as written
    message: str              # one line: the file, the place, the name, the closest valid names


def read_value(text: str, source: str) -> tuple[Decimal, int | None]:
    """A written value and how many decimal places it shows."""
    raw = str(text).strip()
    if len(raw) > MAX_LENGTH:
        raise AnswerError(f"{source}: expected a value of at most {MAX_LENGTH} characters, "
                          f"found {len(raw):,}")
    if _NUMBER.fullmatch(raw):
        mantissa, _, exponent = raw.replace(",", ".").lower().partition("e")
        value = Decimal(raw.replace(",", "."))
        if value and not Decimal("1e-100") <= value.copy_abs() <= Decimal("1e100"):
            raise AnswerError(f"{source}: expected a value between 1e-100 and 1e100 in size, found {raw[:40]}")
        places = len(mantissa.split(".")[1]) if "." in mantissa else 0
        places -= int(exponent) if exponent else 0
        # Past the engine's 50 digits more written places say nothing more.
        return value, min(max(places, 0), MAX_PLACES)
    from ..core.graph import CONSTANTS
    from ..core.expr import evaluate_constant
    try:
        tree = parse_expression(raw, source=source, decimal_comma="," in raw and ";" not in raw
                                and "max" not in raw and "min" not in raw)
        return evaluate_constant(tree, CONSTANTS), None
    except ExpressionError as exc:
        raise AnswerError(str(exc)) from None
    except SymbackpropError as exc:
        raise AnswerError(f"{source}: {exc}") from None


def _read_text(path: Path) -> str:
    return read_text(path, AnswerError, MAX_ANSWERS_BYTES)




def _pairs(path: Path) -> list[tuple[str, object, str]]:
    """(name, value, place) in file order."""
    text = _read_text(path)
    suffix = path.suffix.lower()
    if suffix == ".csv":
        # quantity,value or, as a spreadsheet in a decimal-comma locale saves it, quantity;value
        rows = [(n, r) for n, r in enumerate(csv_rows(text, str(path), AnswerError, delimiter="auto"), start=1)
                if any(c.strip() for c in r)]
        if rows and [c.strip().lower() for c in rows[0][1][:2]] in (["quantity", "value"], ["cantidad", "valor"]):
            rows = rows[1:]
        out = []
        for n, row in rows:
            if len(row) < 2:
                raise AnswerError(f"{path}: line {n}: expected two columns, quantity and value; found {row!r}")
            out.append((row[0].strip(), row[1].strip(), f"line {n}"))
        return out
    data = load_document(text, str(path), suffix, AnswerError)
    if not isinstance(data, dict):
        raise AnswerError(f"{path}: expected a mapping from quantities to values")
    return [(str(k), v, str(k)) for k, v in data.items()]


def _resolved(index: NameIndex, name: str, path: Path, where: str, problems: list | None) -> str | None:
    """The quantity ``name`` names; when it names none or several, None and a :class:`Problem`
    in ``problems`` or, without a list, the AnswerError."""
    try:
        return index.resolve(name, str(path), where)
    except AnswerError as exc:
        if problems is None:
            raise
        problems.append(Problem(where, name, str(exc)))
        return None


def load_answers(path: str | Path, index: NameIndex, problems: list | None = None) -> list[Answer]:
    """One student's answers (YAML, JSON or CSV), in file order.

    A name that names no quantity, or several, is an :class:`AnswerError`; given a list
    ``problems``, it is a :class:`Problem` appended to it instead and the rest of the sheet is
    read. A value that cannot be read is always an AnswerError (with the file and the place).
    """
    path = Path(path)
    return _answers(_pairs(path), index, path, problems)


def answers_from(mapping, index: NameIndex, source: str = "answers",
                 problems: list | None = None) -> list[Answer]:
    """Answers given in Python, ``{"w5": 0.45188, "nuevo_w5": "0.5 - 0.6*0.0802"}``: read as
    a file's (the same names, values and errors; ``source`` names them in a message)."""
    from decimal import Decimal as _D
    pairs = []
    for name, raw in mapping.items():
        where = repr(name)
        if isinstance(raw, _D):
            raw = format(raw, "f")
        pairs.append((str(name), raw, where))
    return _answers(pairs, index, source, problems)


def _answers(pairs, index: NameIndex, path, problems: list | None) -> list[Answer]:
    out: list[Answer] = []
    seen: dict[str, str] = {}
    for name, raw, where in pairs:
        if isinstance(raw, bool) or raw is None or not isinstance(raw, (int, float, str)) or raw == "":
            raise AnswerError(f"{path}: {where}: expected a number or an expression, found {raw!r}")
        quantity = _resolved(index, name, path, where, problems)
        if quantity is None:
            continue
        if quantity in seen:
            raise AnswerError(f"{path}: {where}: {name!r} is {quantity}, already answered as {seen[quantity]!r}")
        seen[quantity] = name
        text = repr(raw) if isinstance(raw, float) else str(raw)
        value, places = read_value(text, f"{path}: {where}")
        out.append(Answer(name, quantity, text, value, places, where))
    return out


def load_class(path: str | Path, index: NameIndex,
               problems: list | None = None) -> list[tuple[str, list[Answer]]]:
    """A class CSV: a student column, then one column per quantity; (student, answers) rows.
    Fields are separated by ``,``, or by ``;`` when the header has one (a spreadsheet's CSV in
    a decimal-comma locale: ``0,60108``). A column whose name names no quantity, or several,
    is an :class:`AnswerError`; given a list ``problems``, it is a :class:`Problem` appended
    to it instead and every student's other columns are read."""
    path = Path(path)
    rows = csv_rows(_read_text(path), str(path), AnswerError, delimiter="auto")
    if not rows:
        raise AnswerError(f"{path}: the file is empty")
    header = [c.strip() for c in rows[0]]
    if len(header) < 2:
        raise AnswerError(f"{path}: line 1: expected a student column and one column per quantity")
    quantities = [_resolved(index, h, path, f"column {h!r}", problems) for h in header[1:]]
    students = []
    for n, row in enumerate(rows[1:], start=2):
        if not any(c.strip() for c in row):
            continue
        if len(row) != len(header):
            raise AnswerError(f"{path}: line {n}: expected {len(header)} columns, found {len(row)}")
        if not row[0].strip():
            raise AnswerError(f"{path}: line {n}: expected the student's name or id in the first column, "
                              "found nothing")
        answers = []
        for name, q, cell in zip(header[1:], quantities, row[1:]):
            if q is None or not cell.strip():
                continue
            value, places = read_value(cell, f"{path}: line {n}, column {name!r}")
            answers.append(Answer(name, q, cell.strip(), value, places, f"line {n}"))
        students.append((row[0].strip(), answers))
    return students

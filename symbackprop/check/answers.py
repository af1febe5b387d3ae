"""Reading a student's answers: files (YAML, JSON, CSV), quantity names, written values.

A quantity may be named by its canonical id (``a1_1``, ``dE/dw2_1_1``, ``new_w2_1_1``), by
its name in either notation (``w5``, ``sum_n1``, ``n1``, ``output_n1``, ``ŷ1``,
``w[2]_1,1``), with ``nuevo_``/``new_`` for updates, or LaTeX-ish (``w^{[2]}_{1,1}``,
``\\frac{\\partial E}{\\partial w_5}``). A value is a number (``0.0802`` or ``0,0802``) or a
small expression as students write it (``0.5 - 0.6*0.0802``, ``1/(1+e^-0.41)``), read with our
own grammar. Every problem is an :class:`AnswerError` naming the file and the place.
"""
from __future__ import annotations

import difflib
import json
import re
from dataclasses import dataclass, replace
from decimal import Decimal
from pathlib import Path
from typing import Iterable

from ..core import ids
from ..derive.derivation import Derivation
from ..errors import AnswerError, SymbackpropError
from ..core.expr import MAX_LENGTH, ExpressionError, parse_expression
from ..core.notation import Notation
from ..io.textfiles import csv_rows, read_text
from ..io.yamlload import load_yaml

__all__ = ["Answer", "NameIndex", "read_value", "load_answers", "load_class", "MAX_ANSWERS_BYTES"]

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


def _normal(name: str) -> str:
    s = name.strip()
    s = s.replace("∂", "d").replace(r"\partial", "d").replace("δ", "delta").replace(r"\delta", "delta")
    s = s.replace("ŷ", "yhat").replace(r"\hat{y}", "yhat").replace("hat{y}", "yhat")
    for _ in range(3):
        s = re.sub(r"\\[dt]?frac\s*\{([^{}]*(?:\{[^{}]*\}[^{}]*)*)\}\s*\{([^{}]*(?:\{[^{}]*\}[^{}]*)*)\}", r"\1/\2", s)
    s = re.sub(r"\\(?:mathrm|text|textrm|operatorname|mathit)", "", s)
    s = s.lower().replace("nuevo", "new").replace("total", "")
    return re.sub(r"[\s\\{}_^$*()]", "", s)


class NameIndex:
    """Every way of naming every quantity of a derivation, resolved to canonical ids."""

    def __init__(self, d: Derivation, quantities: Iterable[str]):
        self.ids = list(quantities)
        spec = d.model.spec
        notations = [Notation(spec), Notation(replace(spec, notation="layered", labels=())),
                     Notation(replace(spec, notation="numbered", labels=()))]
        self.exact: dict[str, str] = {q: q for q in self.ids}
        self.alias: dict[str, set[str]] = {}

        def names_of(qid: str) -> set[str]:
            out = {qid}
            for n in notations:
                out |= {n.text(qid), n.latex(qid)}
                if qid.startswith("z") or qid.startswith("a"):
                    pass
            parsed = ids.parse(ids.split_example(qid)[0])
            if parsed and parsed[0] == "a" and parsed[1][0] < len(spec.layers):
                out |= {"output_" + n.text(qid) for n in notations}
            if qid == "E":
                out |= {"E_total", "Etotal", "E_{total}"}
            if parsed and parsed[0] == "y":
                out |= {f"y_true{parsed[1][0]}", f"target{parsed[1][0]}"}
            return out

        for q in self.ids:
            names: set[str] = set()
            parts = ids.split_derivative(q)
            if q.startswith("new_"):
                base = q[4:]
                names = {prefix + n for n in names_of(base) for prefix in ("new_", "nuevo_", "new ", "nuevo ")}
            elif parts:
                num, den = parts
                names = {f"d{a}/d{b}" for a in names_of(num) for b in names_of(den)}
                if num == "E" and den.startswith("z"):
                    names |= {n.delta_text(den) for n in notations} | {n.delta_latex(den) for n in notations}
            else:
                names = names_of(q)
            for name in names:
                self.alias.setdefault(_normal(name), set()).add(q)

    def resolve(self, name: str, source: str, where: str) -> str:
        if name in self.exact:
            return name
        found = self.alias.get(_normal(name), set())
        if len(found) == 1:
            return next(iter(found))
        if len(found) > 1:
            raise AnswerError(f"{source}: {where}: the name {name!r} is ambiguous: it could be "
                              + ", ".join(sorted(found)))
        near = difflib.get_close_matches(name, self.ids, n=3, cutoff=0.5)
        hint = f"; closest valid names: {', '.join(near)}" if near else ""
        raise AnswerError(f"{source}: {where}: unknown quantity {name!r}{hint}")


def _read_text(path: Path) -> str:
    return read_text(path, AnswerError, MAX_ANSWERS_BYTES)


def _no_duplicates(pairs):
    out = {}
    for key, value in pairs:
        if key in out:
            raise AnswerError(f"duplicate key {key!r}")
        out[key] = value
    return out


def _pairs(path: Path) -> list[tuple[str, object, str]]:
    """(name, value, place) in file order."""
    text = _read_text(path)
    suffix = path.suffix.lower()
    if suffix == ".csv":
        rows = [r for r in csv_rows(text, str(path), AnswerError) if any(c.strip() for c in r)]
        if rows and [c.strip().lower() for c in rows[0][:2]] in (["quantity", "value"], ["cantidad", "valor"]):
            rows = rows[1:]
            start = 2
        else:
            start = 1
        out = []
        for n, row in enumerate(rows, start=start):
            if len(row) < 2:
                raise AnswerError(f"{path}: line {n}: expected two columns, quantity and value; found {row!r}")
            out.append((row[0].strip(), row[1].strip(), f"line {n}"))
        return out
    if suffix == ".json":
        try:
            data = json.loads(text, parse_float=str, parse_int=str,
                              parse_constant=lambda c: c, object_pairs_hook=_no_duplicates)
        except json.JSONDecodeError as exc:
            raise AnswerError(f"{path}: line {exc.lineno}: JSON syntax error: {exc.msg}") from None
        except AnswerError as exc:
            raise AnswerError(f"{path}: {exc}") from None
        except RecursionError:
            raise AnswerError(f"{path}: JSON nested too deeply") from None
    else:
        try:
            data = load_yaml(text, str(path), keep_text=True)
        except SymbackpropError as exc:
            raise AnswerError(str(exc)) from None
    if not isinstance(data, dict):
        raise AnswerError(f"{path}: expected a mapping from quantities to values")
    return [(str(k), v, str(k)) for k, v in data.items()]


def load_answers(path: str | Path, index: NameIndex) -> list[Answer]:
    path = Path(path)
    out: list[Answer] = []
    seen: dict[str, str] = {}
    for name, raw, where in _pairs(path):
        if isinstance(raw, bool) or raw is None or not isinstance(raw, (int, float, str)) or raw == "":
            raise AnswerError(f"{path}: {where}: expected a number or an expression, found {raw!r}")
        quantity = index.resolve(name, str(path), where)
        if quantity in seen:
            raise AnswerError(f"{path}: {where}: {name!r} is {quantity}, already answered as {seen[quantity]!r}")
        seen[quantity] = name
        text = repr(raw) if isinstance(raw, float) else str(raw)
        value, places = read_value(text, f"{path}: {where}")
        out.append(Answer(name, quantity, text, value, places, where))
    return out


def load_class(path: str | Path, index: NameIndex) -> list[tuple[str, list[Answer]]]:
    """A class CSV: a student column, then one column per quantity; (student, answers) rows."""
    path = Path(path)
    rows = csv_rows(_read_text(path), str(path), AnswerError)
    if not rows:
        raise AnswerError(f"{path}: the file is empty")
    header = [c.strip() for c in rows[0]]
    if len(header) < 2:
        raise AnswerError(f"{path}: line 1: expected a student column and one column per quantity")
    quantities = [index.resolve(h, str(path), f"column {h!r}") for h in header[1:]]
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
            if not cell.strip():
                continue
            value, places = read_value(cell, f"{path}: line {n}, column {name!r}")
            answers.append(Answer(name, q, cell.strip(), value, places, f"line {n}"))
        students.append((row[0].strip(), answers))
    return students

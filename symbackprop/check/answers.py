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

import difflib
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
from ..io.yamlload import load_document

__all__ = ["Answer", "Problem", "NameIndex", "read_value", "load_answers", "load_class",
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


def _normal(name: str) -> str:
    s = name.strip()
    s = s.replace("∂", "d").replace(r"\partial", "d").replace("δ", "delta").replace(r"\delta", "delta")
    s = s.replace("ŷ", "yhat").replace(r"\hat{y}", "yhat").replace("hat{y}", "yhat")
    for _ in range(3):
        s = _FRAC.sub(r"\1/\2", s)
    s = _COMMANDS.sub("", s)
    s = s.lower().replace("nuevo", "new").replace("total", "")
    s = _STRIP.sub("", s)
    # a subscript written before the layer's superscript: z_1^{[2]} is z^{[2]}_1
    return _SUB_FIRST.sub(r"\1\3\2", s)


_FRAC = re.compile(r"\\[dt]?frac\s*\{([^{}]*(?:\{[^{}]*\}[^{}]*)*)\}\s*\{([^{}]*(?:\{[^{}]*\}[^{}]*)*)\}")
_COMMANDS = re.compile(r"\\(?:mathrm|text|textrm|operatorname|mathit)")
_STRIP = re.compile(r"[\s\\{}_^$*()]")
_SUB_FIRST = re.compile(r"([a-z]+)(\d+(?:,\d+)*)(\[\d+\])")

#: How a name reads a quantity, best first: by a label of the spec; as a canonical id or in the
#: spec's own notation; in another notation (the other one, or the default numbering that the
#: spec's labels replace). A name of a derivative reads its two quantities, each in one of
#: these ways; its rank is 10·(the worse of the two) + (the sum of both), a plain name's the
#: same as if both were read alike: a reading all in the spec's own terms beats one that needs
#: another notation, and then a reading through a label beats one through the default numbering.
LABEL, OWN, OTHER = 0, 1, 2
_UNRANKED = 100


def _rank(*tiers: int) -> int:
    if len(tiers) == 1:
        tiers = tiers * 2
    return 10 * max(tiers) + sum(tiers)


class NameIndex:
    """Every way of naming every quantity of a derivation, resolved to canonical ids.

    A name is first looked up as a canonical id. Otherwise it may read as several quantities
    (``w2`` in deck 004's notation is ``w1_2_1`` by the spec's label, ``w1_1_2`` in the
    default numbering): the best reading wins (see :data:`LABEL`); two equally good readings
    leave the name ambiguous.
    """

    def __init__(self, d: Derivation, quantities: Iterable[str]):
        self.ids = list(quantities)
        spec = d.model.spec
        self._spec = spec
        self.own = Notation(spec)
        others = [Notation(replace(spec, notation=kind, labels=())) for kind in ("layered", "numbered")]
        labelled = set(self.own.labels)
        self.exact: dict[str, str] = {q: q for q in self.ids}
        #: normalized name -> {canonical id: the rank of that reading (lower is better)}
        self.alias: dict[str, dict[str, int]] = {}
        self._hints: list[tuple[str, str]] | None = None
        cache: dict[str, dict[str, int]] = {}

        def add(out: dict[str, int], key: str, rank: int) -> None:
            if key and out.get(key, _UNRANKED) > rank:
                out[key] = rank

        def names_of(qid: str) -> dict[str, int]:
            """Normalized names of a quantity (not a derivative or an update), each with the
            tier (LABEL, OWN, OTHER) of its reading."""
            found = cache.get(qid)
            if found is not None:
                return found
            out: dict[str, int] = {}
            add(out, _normal(qid), OWN)
            base = ids.split_example(qid)[0]
            parsed = ids.parse(base)
            own = LABEL if base in labelled else OWN
            for n, tier in [(self.own, own)] + [(o, OTHER) for o in others]:
                text = n.text(qid)
                add(out, _normal(text), tier)
                add(out, _normal(n.latex(qid)), tier)
                if parsed and parsed[0] == "a" and parsed[1][0] < len(spec.layers):
                    add(out, _normal("output_" + text), tier)
            if qid == "E":
                for name in ("E_total", "Etotal", "E_{total}"):
                    add(out, _normal(name), OWN)
            if parsed and parsed[0] == "y":
                for name in (f"y_true{parsed[1][0]}", f"target{parsed[1][0]}"):
                    add(out, _normal(name), OWN)
            cache[qid] = out
            return out

        for q in self.ids:
            names: dict[str, int] = {}
            parts = ids.split_derivative(q)
            if q.startswith("new_"):
                # new_w5, nuevo_w5, new w5, nuevo w5 (all normalized to neww5), w5_new, w5_nuevo
                for key, tier in names_of(q[4:]).items():
                    add(names, "new" + key, _rank(tier))
                    add(names, key + "new", _rank(tier))
            elif parts:
                num, den = parts
                den_names = names_of(den)
                for a, ta in names_of(num).items():
                    for b, tb in den_names.items():
                        add(names, f"d{a}/d{b}", _rank(ta, tb))
                if num == "E" and den.startswith("z"):      # δ of a weighted sum
                    for n, tier in [(self.own, OWN)] + [(o, OTHER) for o in others]:
                        add(names, _normal(n.delta_text(den)), _rank(tier))
                        add(names, _normal(n.delta_latex(den)), _rank(tier))
                    add(names, _normal("δ" + den[1:]), _rank(OWN))   # δ2_1, as the id z2_1 reads
            else:
                names = {key: _rank(tier) for key, tier in names_of(q).items()}
                parsed = ids.parse(q)
                if parsed and parsed[0] in ("w", "b"):   # deck 004: nuevo_w5 = actual_w5 - n·∂E/∂w5
                    for key, rank in list(names.items()):
                        add(names, "actual" + key, rank)
            for key, rank in names.items():
                readings = self.alias.setdefault(key, {})
                if readings.get(q, _UNRANKED) > rank:
                    readings[q] = rank

    def lookup(self, name: str) -> tuple[str | None, list[str]]:
        """(the canonical id, []) when ``name`` names one quantity; (None, the quantities it
        could be) when several; (None, []) when none."""
        if name in self.exact:
            return name, []
        readings = self.alias.get(_normal(name))
        if not readings:
            return None, []
        best = min(readings.values())
        found = sorted(q for q, tier in readings.items() if tier == best)
        return (found[0], []) if len(found) == 1 else (None, found)

    def closest(self, name: str, n: int = 3) -> list[str]:
        """Up to ``n`` valid names closest to ``name``: canonical ids and, for a spec in the
        numbered notation or with labels, the names the spec itself uses (w5, nuevo_w5)."""
        if self._hints is None:
            hints: dict[str, str] = {}
            for q in self.ids:
                hints.setdefault(_normal(q), q)
            for q in self.ids:
                own = self._own_name(q)
                if own and own != q and self.lookup(own)[0] == q:
                    hints.setdefault(_normal(own), own)
            self._hints = list(hints.items())
        keys = [k for k, _ in self._hints]
        shown = dict(self._hints)
        key = _normal(name)
        near = difflib.get_close_matches(key, keys, n=n, cutoff=0.5)
        if not near and len(keys) <= 5000:     # nothing close: the least far, to show the form
            near = difflib.get_close_matches(key, keys, n=n, cutoff=0.0)
        return [shown[k] for k in near]

    def _own_name(self, q: str) -> str | None:
        """The name of ``q`` in the spec's own notation (plain text), or None."""
        if self._spec.notation != "numbered" and not self._spec.labels:
            return None
        parts = ids.split_derivative(q)
        if q.startswith("new_"):
            base = self._own_name(q[4:]) or q[4:]
            return ("nuevo_" if self._spec.language == "es" else "new_") + base
        if parts:
            return f"d{self.own.text(parts[0])}/d{self.own.text(parts[1])}"
        return self.own.text(q)

    def resolve(self, name: str, source: str, where: str) -> str:
        """The canonical id ``name`` names; an unknown or ambiguous name is an AnswerError
        naming the file, the place, the name and the closest valid names."""
        quantity, could_be = self.lookup(name)
        if quantity is not None:
            return quantity
        if could_be:
            raise AnswerError(f"{source}: {where}: the name {name!r} is ambiguous: it could be "
                              + " or ".join(could_be) + f"; closest valid names: {', '.join(could_be)}")
        near = self.closest(name)
        hint = f"; closest valid names: {', '.join(near)}" if near else ""
        raise AnswerError(f"{source}: {where}: unknown quantity {name!r}{hint}")


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
    out: list[Answer] = []
    seen: dict[str, str] = {}
    for name, raw, where in _pairs(path):
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

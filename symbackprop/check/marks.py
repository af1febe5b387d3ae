"""Marks: points per quantity, and a student's mark out of the quantities asked for.

    rule = load_marks("marks.yaml", index, carried_credit=Decimal("0.5"))   # or MarksRule()
    m = mark(report, columns, rule, kinds)      # kinds: {quantity: its ledger kind}
    m.mark, m.out_of, m.percent, m.cells        # exact Decimals; shown(m.mark) == "7.50"

A quantity is worth ``rule.points(quantity, kind)``: its own entry in the marks file, else
its kind's (``z``, ``a``, ``error``, ``total``, ``adjoint``, ``factor``, ``delta``,
``partial``, ``gradient``, ``update``, ...: ``solution.derivations[0].ledger[q].kind``), else
the default (1). A ``correct`` or ``rounding`` answer earns its points, a ``carried_forward``
one ``carried_credit`` of them (default all), a ``wrong`` or blank one none. The mark is out
of the points of every quantity asked for: a class file's every column, answered or not (a
blank scores 0); for one sheet, the quantities written.

A marks file (YAML or JSON)::

    default: 1                      # a quantity neither listed nor of a listed kind
    kinds: {gradient: 2, update: 1}
    quantities: {nuevo_w5: 3, "dE/dw1": 2}     # any name an answers file accepts

or CSV, one entry a row (``;`` as the separator and decimal commas are read too)::

    type,name,points
    default,,1
    kind,gradient,2
    quantity,nuevo_w5,3

Every problem is one line naming the file, the place, what was expected and what was found.
Nothing read is evaluated: points are plain decimal numbers.
"""
from __future__ import annotations

import difflib
import math
import re
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Context, Decimal, Inexact, localcontext
from fractions import Fraction
from pathlib import Path
from typing import Mapping

from ..derive.ledger import WRITTEN
from ..errors import SymbackpropError
from ..io.textfiles import csv_rows, read_text
from ..io.yamlload import load_document

__all__ = ["MarksRule", "Mark", "MarksError", "KINDS", "CELLS", "load_marks", "mark", "read_points",
           "read_credit", "shown", "MARKS_LIMITS"]

#: The kinds a marks file may give points to: every kind a student writes down.
KINDS = WRITTEN
#: What a quantity's cell in grades.csv says: its verdict, or that it was left blank.
CELLS = ("correct", "rounding", "carried_forward", "wrong", "blank")
#: Documented limits of a marks file and of the points in it.
MARKS_LIMITS = {"bytes": 1_000_000, "entries": 100_000, "points": Decimal(1_000_000), "places": 6}

_FULL = ("correct", "rounding")
_NUMBER = re.compile(r"\+?(?:\d+(?:[.,]\d*)?|[.,]\d+)")
#: Mark arithmetic is exact: with points of at most 6 decimals and 10^6 in size, 60 digits
#: never round (Inexact would say so).
_EXACT = Context(prec=60, traps=[Inexact])
_CENT = Decimal("0.01")


class MarksError(SymbackpropError):
    """A marks file or a --carried-credit that cannot be used."""


@dataclass(frozen=True)
class MarksRule:
    """Points per quantity (canonical ids), per kind, and by default; the share of a
    quantity's points a carried-forward value earns."""
    default: Decimal = Decimal(1)
    kinds: Mapping[str, Decimal] = field(default_factory=dict)
    quantities: Mapping[str, Decimal] = field(default_factory=dict)
    carried_credit: Decimal = Decimal(1)

    def points(self, quantity: str, kind: str | None = None) -> Decimal:
        """A quantity's own entry wins over its kind's, which wins over the default."""
        if quantity in self.quantities:
            return self.quantities[quantity]
        if kind is not None and kind in self.kinds:
            return self.kinds[kind]
        return self.default

    def earned(self, verdict: str, points: Decimal) -> Decimal:
        with localcontext(_EXACT):
            if verdict in _FULL:
                return points
            if verdict == "carried_forward":
                return points * self.carried_credit
            return Decimal(0)


@dataclass(frozen=True)
class Mark:
    """One student's mark: exact Decimals; ``cells`` is (quantity, verdict or "blank") for
    every quantity asked for, in order."""
    mark: Decimal
    out_of: Decimal
    cells: tuple[tuple[str, str], ...]

    @property
    def percent(self) -> Decimal | None:
        """100 · mark / out_of, rounded half up to 2 decimals (None when out of 0)."""
        if self.out_of == 0:
            return None
        cents = Fraction(self.mark) * 100 * 100 / Fraction(self.out_of)
        return Decimal(math.floor(cents + Fraction(1, 2))).scaleb(-2)       # half up, exactly


def shown(value: Decimal | None) -> str:
    """A mark as written in grades.csv and the summaries: 2 decimals, half up, dot decimal."""
    if value is None:
        return ""
    return f"{value.quantize(_CENT, rounding=ROUND_HALF_UP):f}"


def mark(report, columns, rule: MarksRule | None = None,
         kinds: Mapping[str, str] | None = None) -> Mark:
    """The mark of ``report`` (a judge.CheckReport) out of the quantities ``columns`` (every
    quantity asked for; an answered quantity outside them counts neither way)."""
    rule = rule or MarksRule()
    kinds = kinds or {}
    verdicts = {i.quantity: i.verdict for i in report.items}
    total = Decimal(0)
    out_of = Decimal(0)
    cells = []
    with localcontext(_EXACT):
        for q in dict.fromkeys(columns):
            points = rule.points(q, kinds.get(q))
            verdict = verdicts.get(q, "blank")
            cells.append((q, verdict))
            out_of += points
            total += rule.earned(verdict, points)
    return Mark(total, out_of, tuple(cells))


# ----------------------------------------------------------------------------- reading

def read_points(text: str, source: str, where: str) -> Decimal:
    """Points as written: a plain number from 0 to 10^6 with at most 6 decimals (0,5 too)."""
    raw = str(text).strip()
    limit = MARKS_LIMITS["points"]
    places = MARKS_LIMITS["places"]
    value = _plain(raw)
    if value is None or value > limit or -value.normalize().as_tuple().exponent > places:
        raise MarksError(f"{source}: {where}: expected points, a number from 0 to {limit:,} with at most "
                         f"{places} decimals, found {raw[:40]!r}")
    return value


def read_credit(text: str, source: str = "--carried-credit") -> Decimal:
    """The share of the points a carried-forward value earns: from 0 to 1 (0.5, 0,5)."""
    raw = str(text).strip()
    value = _plain(raw)
    if value is None or value > 1 or -value.normalize().as_tuple().exponent > MARKS_LIMITS["places"]:
        raise MarksError(f"{source}: expected a share from 0 to 1 (such as 0.5) with at most "
                         f"{MARKS_LIMITS['places']} decimals, found {raw[:40]!r}")
    return value


def _plain(raw: str) -> Decimal | None:
    if len(raw) > 40 or not _NUMBER.fullmatch(raw):
        return None
    text = raw.lstrip("+").replace(",", ".")
    if text.endswith("."):
        text += "0"
    if text.startswith("."):
        text = "0" + text
    return Decimal(text)


def load_marks(path: str | Path, index, *, carried_credit: Decimal = Decimal(1)) -> MarksRule:
    """A marks file (YAML, JSON or CSV; see the module's docstring). Quantity names are resolved
    with ``index`` (the answers' :class:`~symbackprop.check.answers.NameIndex`)."""
    path = Path(path)
    source = str(path)
    text = read_text(path, MarksError, MARKS_LIMITS["bytes"])
    suffix = path.suffix.lower()
    if suffix == ".csv":
        entries = _csv_entries(text, source)
    else:
        entries = _mapping_entries(_document(text, source, suffix), source)
    if len(entries) > MARKS_LIMITS["entries"]:
        raise MarksError(f"{source}: expected at most {MARKS_LIMITS['entries']:,} entries, found {len(entries):,}")
    default = Decimal(1)
    kinds: dict[str, Decimal] = {}
    quantities: dict[str, Decimal] = {}
    named: dict[str, str] = {}
    seen_default = None
    for section, name, raw, where in entries:
        points = read_points(raw, source, where)
        if section == "default":
            if seen_default is not None:
                raise MarksError(f"{source}: {where}: expected one default, found a second one "
                                 f"(the first at {seen_default})")
            seen_default = where
            default = points
        elif section == "kind":
            if name not in KINDS:
                near = difflib.get_close_matches(name, KINDS, n=1, cutoff=0.6)
                hint = f" (did you mean {near[0]!r}?)" if near else ""
                raise MarksError(f"{source}: {where}: expected a kind, one of {', '.join(KINDS)}; "
                                 f"found {name[:40]!r}{hint}")
            if name in kinds:
                raise MarksError(f"{source}: {where}: the kind {name!r} is given points twice")
            kinds[name] = points
        else:
            if not name:
                raise MarksError(f"{source}: {where}: expected a quantity's name, found nothing")
            quantity = index.resolve(name, source, where)
            if quantity in quantities:
                raise MarksError(f"{source}: {where}: {name[:40]!r} is {quantity}, already given points as "
                                 f"{named[quantity][:40]!r}")
            quantities[quantity] = points
            named[quantity] = name
    return MarksRule(default, kinds, quantities, carried_credit)


def _document(text: str, source: str, suffix: str):
    return load_document(text, source, suffix, MarksError)


_SECTIONS = ("default", "kinds", "quantities")


def _what(value) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "nothing"
    return repr(str(value)[:40])


def _mapping_entries(data, source: str) -> list[tuple[str, str, str, str]]:
    """(section, name, points as written, place) from a YAML/JSON document."""
    if not isinstance(data, dict):
        raise MarksError(f"{source}: expected a mapping with the keys default, kinds and/or quantities; "
                         f"found {_what(data)}")
    out = []
    for key, value in data.items():
        key = str(key)
        if key not in _SECTIONS:
            raise MarksError(f"{source}: key {key[:40]!r}: expected default, kinds or quantities")
        if key == "default":
            if not isinstance(value, (str, int)) or isinstance(value, bool):
                raise MarksError(f"{source}: default: expected points, a number; found {_what(value)}")
            out.append(("default", "", str(value), "default"))
            continue
        if not isinstance(value, dict):
            what = "kinds to points" if key == "kinds" else "quantity names to points"
            raise MarksError(f"{source}: {key}: expected a mapping from {what}, found {_what(value)}")
        for name, points in value.items():
            where = f"{key}: {str(name)[:40]!r}"
            if not isinstance(points, (str, int)) or isinstance(points, bool):
                raise MarksError(f"{source}: {where}: expected points, a number; found {_what(points)}")
            out.append(("kind" if key == "kinds" else "quantity", str(name).strip(), str(points), where))
    return out


_TYPES = {"default": "default", "kind": "kind", "kinds": "kind", "quantity": "quantity",
          "quantities": "quantity", "defecto": "default", "clase": "kind", "cantidad": "quantity"}
_HEADERS = (["type", "name", "points"], ["tipo", "nombre", "puntos"])


def _csv_entries(text: str, source: str) -> list[tuple[str, str, str, str]]:
    """(section, name, points as written, place) from CSV rows ``type,name,points`` (or
    ``;``-separated, as a spreadsheet in a decimal-comma locale saves them)."""
    rows = [(n, [c.strip() for c in row])
            for n, row in enumerate(csv_rows(text, source, MarksError, delimiter="auto"), start=1)
            if any(c.strip() for c in row)]
    if rows and [c.lower() for c in rows[0][1]] in _HEADERS:
        rows = rows[1:]
    out = []
    for n, cells in rows:
        where = f"line {n}"
        if len(cells) != 3:
            raise MarksError(f"{source}: {where}: expected three columns, type (default, kind or quantity), "
                             f"name and points; found {len(cells)}")
        section = _TYPES.get(cells[0].lower())
        if section is None:
            raise MarksError(f"{source}: {where}: expected the type default, kind or quantity, "
                             f"found {cells[0][:40]!r}")
        out.append((section, cells[1], cells[2], where))
    return out

"""Every way of naming a quantity, resolved to canonical ids: the one resolver of names.

    index = NameIndex(d, flat_values(d)); index.resolve("nuevo_w5", "answers.yaml", "line 3")
    resolve(d, "w5", "chain('w5')")          # 'w2_1_1' on the numbered lecture (deck 004)
    parameter(d, "dE/dw5", "chain")          # 'w2_1_1': a chain is asked for by any of its names

A quantity may be named by its canonical id (``a1_1``, ``dE/dw2_1_1``, ``new_w2_1_1``), by
its name in either notation or the spec's labels (``w5``, ``sum_n1``, ``ŷ1``, ``w[2]_1,1``),
with ``nuevo_``/``new_`` for updates, or LaTeX-ish (``w^{[2]}_{1,1}``,
``\\frac{\\partial E}{\\partial w_5}``). The checker reads answers, class and marks files
and ``--only`` with :class:`NameIndex`; the API (``d.chain``, ``d.value``, ``check`` with a
dict) with :func:`resolve`, which builds the index once per derivation, and only when a name
is not a canonical id already (a 100-100-10 network has 10⁵ quantities). An unknown or
ambiguous name is one line: the file or spec, the place, the name, the closest valid names
(an :class:`~symbackprop.errors.UnknownQuantity`, also a KeyError, from the API).
"""
from __future__ import annotations

import difflib
import re
import weakref
from dataclasses import replace
from typing import Iterable

from ..core import ids
from ..core.notation import Notation
from ..errors import AnswerError, UnknownQuantity

__all__ = ["NameIndex", "index_of", "resolve", "parameter"]


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

    def __init__(self, d, quantities: Iterable[str]):     # d: a Derivation
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


_INDEXES: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


def index_of(d):
    """The :class:`NameIndex` of every quantity a student writes down in derivation ``d``."""
    index = _INDEXES.get(d)
    if index is None:
        index = _INDEXES[d] = NameIndex(d, d.ledger.values())     # flat_values(d): every quantity written down
    return index


def resolve(d, name: str, where: str) -> str:
    """The canonical id ``name`` names in ``d`` (a canonical id is itself)."""
    if not isinstance(name, str):
        raise UnknownQuantity(f"{d.model.spec.source}: {where}: expected a quantity's name "
                              f"(a string such as 'w5'), found {type(name).__name__} {name!r}")
    if name in d.ledger:
        return name
    try:
        return index_of(d).resolve(name, d.model.spec.source, where)
    except AnswerError as exc:
        raise UnknownQuantity(str(exc)) from None


def parameter(d, name: str, where: str) -> str:
    """The parameter ``name`` names: a parameter, its gradient ∂E/∂p or its update new_p."""
    q = resolve(d, name, where)
    chains = [c.param for c in d.chains]
    if q in chains:
        return q
    if q.startswith("new_") and q[4:] in chains:
        return q[4:]
    parts = ids.split_derivative(q)
    if parts and parts[0] == "E" and parts[1] in chains:
        return parts[1]
    params = ", ".join(index_of(d)._own_name(p) or p for p in list(chains)[:4])
    raise UnknownQuantity(f"{d.model.spec.source}: {where}: {name!r} is {q}, not a parameter; "
                          f"a chain is a parameter's, such as {params}")

"""The ledger: one record per quantity of a derivation step, the one place its formula and
its values live.

    q = d.ledger["dE1/dw1_1_1"]
    q.kind, q.formula, q.depends_on, q.exact, q.hand
    d.ledger.values()            # {id: exact value} of every quantity a student writes down
    d.ledger.values(hand=True)   # the same, as computed with hand rounding (when asked for)

Kinds, in the order a lecture meets them: ``input``, ``target``, ``weight``, ``bias``, ``gamma``
and ``beta`` (batch normalization's γ, β), ``z``, ``mean`` (μ_B), ``variance`` (σ²_B),
``normalized`` (x̂), ``scaled`` (y = γ·x̂ + β), ``a``, ``error`` (E_k), ``penalty`` (R), ``total`` (E), ``adjoint`` (∂E/∂a, ∂E/∂z), ``factor``
(a local derivative), ``delta`` (δ = ∂E/∂z as defined from the next layer), ``path`` (the
product of one path's factors), ``partial`` (∂E_k/∂p: the sum of the paths from one error
term), ``gradient`` (∂E/∂p), ``step`` (η·∂E/∂p, what the update takes away: the board's
``0.5 − 0.04812``) and ``update`` (the parameter after the step).

A path's id is its partial's id and its number among that partial's paths
(``dE2/db1#1``, ``dE2/db1#2``), so a single path's product is never named like their sum.
Formulas are SymPy expressions over symbols named by ids; a path, partial, gradient or update
keeps its formula as an operation over ids and builds the expression only when asked for (a
100-100-10 network has 111 000 paths). The hand value is a second column of the same record,
not a twin structure.
"""
from __future__ import annotations

from decimal import Decimal
from typing import Iterator, Mapping, NamedTuple

import sympy
from sympy import Expr

from ..core import ids
from ..core.memo import IdentityCache
from ..core.model import Model, symbol

__all__ = ["Quantity", "Ledger", "path_id", "WRITTEN"]

#: The kinds a student writes down, in a sheet and in the JSON document's ``values`` (a path's
#: product stands in its chain instead).
WRITTEN = ("input", "target", "weight", "bias", "gamma", "beta", "z", "mean", "variance", "normalized", "scaled",
           "a", "dropout", "residual", "error", "penalty", "total", "adjoint",
           "factor", "delta", "partial", "gradient", "update")


#: The id of the n-th path (from 1) of a partial sum or gradient: ``dE2/db1#1``.
path_id = ids.path


_PATH_IDS: IdentityCache[tuple[str, ...]] = IdentityCache(256)


def path_ids(c) -> tuple[str, ...]:
    """The id of each path's product of a chain (see :func:`_path_ids`), kept for the last
    chains asked about: a printer asks for every factor of every path."""
    return _PATH_IDS.get(c, _path_ids)


def _path_ids(c) -> tuple[str, ...]:
    """The id of each path's product of a chain, in the chain's order.

    A path alone from its error term *is* a quantity already — the partial ∂E_k/∂p, the
    penalty's factor ∂R/∂p, or the gradient when it is the chain's only path — and takes that
    id. One of several is a quantity of its own, ``<its partial>#<n>`` (n from 1 among its
    siblings), so that it is never named like their sum."""
    owners = [ids.derivative(p.term, c.param) for p in c.paths]
    totals: dict[str, int] = {}
    for o in owners:
        totals[o] = totals.get(o, 0) + 1
    out: list[str] = []
    counted: dict[str, int] = {}
    for o in owners:
        if totals[o] == 1 and (o != c.id or len(owners) == 1):
            out.append(o)
        else:
            n = counted[o] = counted.get(o, 0) + 1
            out.append(ids.path(o, n))
    return tuple(out)


class Quantity(NamedTuple):
    """One quantity: what it is, how it is computed from the others, its values (a named
    tuple: a large network has hundreds of thousands of them).

    ``op`` says how ``depends_on`` combine when there is no written ``definition``:
    ``"product"`` (a path), ``"sum"`` (a partial, a gradient from its partials or paths),
    ``"update"`` (p − η·∂E/∂p, with ``eta``)."""

    id: str
    kind: str
    depends_on: tuple[str, ...]
    exact: Decimal
    hand: Decimal | None = None
    definition: Expr | None = None
    op: str | None = None
    eta: Decimal | None = None
    written: Expr | None = None       # the definition unevaluated, as the lectures write it

    @property
    def formula(self) -> Expr | None:
        """The formula over the ids it depends on (None for a given value)."""
        if self.definition is not None:
            return self.definition
        if self.op == "product":
            return sympy.Mul(*[symbol(i) for i in self.depends_on])
        if self.op == "sum":
            return sympy.Add(*[symbol(i) for i in self.depends_on])
        if self.op == "update":
            param, gradient = self.depends_on
            return symbol(param) - sympy.Rational(str(self.eta)) * symbol(gradient)
        return None

    def value(self, hand: bool = False) -> Decimal | None:
        return self.hand if hand else self.exact


class Ledger(Mapping[str, Quantity]):
    """Every quantity of one step by id, in the order the lecture meets them.

    The records of the nodes, δ's and factors are kept; those of the chains — partial sums,
    gradients, updates and paths (a 100-100-10 network has 110 000 partials and 111 000 paths,
    whose values the chains hold already) — are made from the chains when asked for, and
    ``values()`` reads the chains directly."""

    def __init__(self, quantities: Mapping[str, Quantity], has_hand: bool, chains=(),
                 eta: Decimal | None = None):
        self._q = dict(quantities)
        self.has_hand = has_hand
        self._chains = {c.param: c for c in chains}
        self._eta = eta

    # -------------------------------------------------------------- records made from chains
    def _h(self, value):
        return value if self.has_hand else None

    def _owned_paths(self, c) -> Iterator[tuple[str, object]]:
        """(path id, path) of the paths of one chain that are quantities of their own (one of
        several from the same error term)."""
        for pid, p in zip(path_ids(c), c.paths):
            if "#" in pid:
                yield pid, p

    def _path(self, pid: str, p) -> Quantity:
        return Quantity(pid, "path", p.factors, p.value, self._h(p.hand), None, "product")

    def _partials(self, c) -> Iterator[Quantity]:
        pids = path_ids(c)
        for part in c.partials:
            if part.id in self._q:
                continue                  # ∂R/∂w: the penalty's one path is its own factor
            mine = [(pid, p) for pid, p in zip(pids, c.paths) if p.term == part.term]
            if len(mine) == 1 and mine[0][0] == part.id:     # a path alone is its partial
                deps, op = mine[0][1].factors, "product"
            else:
                deps, op = tuple(pid for pid, _ in mine), "sum"
            yield Quantity(part.id, "partial", deps, part.value, self._h(part.hand), None, op)

    def _gradient(self, c) -> Quantity:
        pids = path_ids(c)
        if c.partials:
            deps, op = tuple(p.id for p in c.partials), "sum"
        elif len(pids) == 1 and pids[0] == c.id:             # the chain's only path
            deps, op = c.paths[0].factors, "product"
        else:
            deps, op = pids, "sum"
        return Quantity(c.id, "gradient", deps, c.gradient, self._h(c.hand_gradient), None, op)

    def _update(self, c) -> Quantity:
        nid = ids.new(c.param)
        if c.trainable:
            return Quantity(nid, "update", (c.param, c.id), c.new, self._h(c.hand_new), None, "update",
                            self._eta)
        return Quantity(nid, "update", (c.param,), c.new, self._h(c.hand_new))

    def _step(self, c) -> Quantity:
        sid = ids.step(c.param)
        if c.trainable:
            return Quantity(sid, "step", (c.id,), c.step, self._h(c.hand_step),
                            sympy.Rational(str(self._eta)) * symbol(c.id))
        return Quantity(sid, "step", (), c.step, self._h(c.hand_step))

    def _chain_quantities(self) -> Iterator[Quantity]:
        """Partials, then gradients, then steps and updates: the order of a sheet."""
        chains = self._chains.values()
        for c in chains:
            yield from self._partials(c)
        for c in chains:
            yield self._gradient(c)
        for c in chains:
            yield self._step(c)
            yield self._update(c)

    def paths(self) -> Iterator[Quantity]:
        for c in self._chains.values():
            for pid, p in self._owned_paths(c):
                yield self._path(pid, p)

    # -------------------------------------------------------------- the mapping
    def __getitem__(self, qid: str) -> Quantity:
        q = self._q.get(qid)
        if q is not None:
            return q
        if qid.startswith("new_") and qid[4:] in self._chains:
            return self._update(self._chains[qid[4:]])
        if qid.startswith("step_") and qid[5:] in self._chains:
            return self._step(self._chains[qid[5:]])
        split = ids.split_path(qid)
        parts = ids.split_derivative(split[0] if split else qid)
        c = self._chains.get(parts[1]) if parts else None
        if c is not None:
            if split:
                for pid, p in self._owned_paths(c):
                    if pid == qid:
                        return self._path(pid, p)
            elif qid == c.id:
                return self._gradient(c)
            else:
                for part in self._partials(c):
                    if part.id == qid:
                        return part
        raise KeyError(qid)

    def __iter__(self) -> Iterator[str]:
        yield from self._q
        for q in self._chain_quantities():
            yield q.id
        for c in self._chains.values():
            for pid, _ in self._owned_paths(c):
                yield pid

    def __len__(self) -> int:
        return sum(1 for _ in self)

    def values(self, hand: bool = False) -> dict[str, Decimal]:  # type: ignore[override]
        """{id: value} of every quantity a student writes down (every kind but ``path``);
        with ``hand``, the hand-rounded values, or {} when hand rounding was not asked for."""
        if hand and not self.has_hand:
            return {}
        out = {q.id: (q.hand if hand else q.exact) for q in self._q.values()}
        chains = self._chains.values()
        for c in chains:
            for part in c.partials:
                if part.id not in out:
                    out[part.id] = part.hand if hand else part.value
        for c in chains:
            out[c.id] = c.hand_gradient if hand else c.gradient
        for c in chains:
            out[ids.new(c.param)] = c.hand_new if hand else c.new
        return out

    def of_kind(self, *kinds: str) -> tuple[Quantity, ...]:
        out = [q for q in self._q.values() if q.kind in kinds]
        out += [q for q in self._chain_quantities() if q.kind in kinds]
        if "path" in kinds:
            out += list(self.paths())
        return tuple(out)

    def recipes(self) -> dict[str, Expr]:
        """How every written quantity is computed from the others, a path's product written
        out inside its partial (a student multiplies the factors and adds the paths)."""
        out: dict[str, Expr] = {}
        for q in (*self._q.values(), *self._chain_quantities()):
            if q.formula is None or q.kind not in WRITTEN:
                continue
            if q.op == "sum" and any("#" in i for i in q.depends_on):
                out[q.id] = sympy.Add(*[self[i].formula if "#" in i else symbol(i) for i in q.depends_on])
            else:
                out[q.id] = q.formula
        return out


def build_ledger(model: Model, values: Mapping[str, Decimal], adjoints: Mapping[str, Decimal],
                 factors, deltas, chains, hand_values=None, hand_adjoints=None,
                 eta: Decimal | None = None) -> Ledger:
    """The ledger of one step from what the derivation computed (values, adjoints, factors,
    δ's, chains); nothing is computed again."""
    hand = hand_values is not None
    q: dict[str, Quantity] = {}

    def put(qid, kind, depends_on, exact, hand_value=None, definition=None, written=None):
        q[qid] = Quantity(qid, kind, tuple(depends_on), exact, hand_value if hand else None, definition,
                          None, None, written)

    def hv(mapping, key):
        return mapping[key] if hand and mapping is not None else None

    def deps_of(expr) -> tuple[str, ...]:
        return tuple(sorted(s.name for s in expr.free_symbols))

    for qid, value in values.items():
        node = model.nodes.get(qid)
        if qid == "E":
            put("E", "total", model.terms, value, hv(hand_values, "E"),
                definition=sympy.Add(*[symbol(t) for t in model.terms]))
        elif node is not None:
            definition = node.definition
            put(qid, node.kind, deps_of(definition) if definition is not None else (), value,
                hv(hand_values, qid), definition=definition, written=node.written)
    for node_id, node in model.nodes.items():
        if node.kind not in ("z", "mean", "variance", "normalized", "scaled", "a", "dropout", "residual") \
                or node_id not in adjoints:
            continue
        qid = ids.derivative("E", node_id)
        if node_id in deltas:
            # ∂E/∂z is δ, defined from the δ's of the next layer as on the board
            definition = deltas[node_id].named
            put(qid, "delta", deps_of(definition), adjoints[node_id], hv(hand_adjoints, node_id),
                definition=definition)
            continue
        # ∂E/∂a: the sum over the quantities that use a
        users = model.edges_from.get(node_id, ())
        parts = [(sympy.Integer(1) if e.child in model.terms else symbol(ids.derivative("E", e.child))) * e.named
                 for e in users]
        deps = dict.fromkeys(d for e in users for d in (
            ((ids.derivative("E", e.child),) if e.child not in model.terms else ())
            + tuple(sorted(s.name for s in e.named.free_symbols))))
        put(qid, "adjoint", deps, adjoints[node_id], hv(hand_adjoints, node_id),
            definition=sympy.Add(*parts))
    for fid, f in factors.items():
        if fid in q:
            continue
        kind = "delta" if f.is_delta else "factor"
        put(fid, kind, tuple(sorted(s.name for s in f.named.free_symbols)), f.value, f.hand,
            definition=f.named)
    return Ledger(q, hand, chains, eta)

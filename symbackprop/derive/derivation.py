"""The chain-rule derivation of every ∂E/∂p, as the lectures do it, exactly.

    solution = solve(spec, rounding="exact", paths="auto")
    d = solution.derivations[0]            # one Derivation per gradient-descent step
    chain = d.chain("w1_1_1")
    chain.paths[0].factors                 # ('dE1/da2_1', 'da2_1/dz2_1', ..., 'dz1_1/dw1_1_1')
    d.factors["da2_1/dz2_1"].named         # a2_1*(1 - a2_1)
    chain.gradient, chain.new              # exact Decimals

How it is computed: values flow forward through the defining equations; gradients flow
backward once, node by node (each node's ∂E/∂node is the sum over its users, the
"branches sum" of the lectures), so the cost grows with the number of edges, not of paths.
Paths are only enumerated when asked for (``paths="all"``) or while a parameter has at
most :data:`PATH_LIMIT` of them (``"auto"``); otherwise the chain is given in delta form,
∂E/∂w = δ · a, with each δ defined from the δ's of the next layer.

``rounding="hand"`` repeats the computation as a student with a calculator does: every
value written down is rounded to the spec's decimals before it is used again. Both the
exact and the hand values are kept.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Callable, Mapping, NamedTuple

import sympy
from sympy import Expr

from ..core import ids
from ..errors import SymbackpropError
from ..core.evaluate import UndefinedValue, evaluate
from ..core.exact import HIGH_PRECISION, precision, exact, round_to
from ..core.model import Edge, Model, build_model, parameter_values, symbol
from ..spec.reading import Spec
from .ledger import Ledger, build_ledger

__all__ = [
    "PATH_LIMIT", "Factor", "Path", "Partial", "Chain", "Derivation", "Solution",
    "derive", "solve", "delta_symbol", "flat_values",
]

#: ``paths="auto"`` enumerates a parameter's paths while there are at most this many.
PATH_LIMIT = 64

Rounder = Callable[[Decimal], Decimal]


def _identity(v: Decimal) -> Decimal:
    return v


@dataclass(frozen=True)
class Factor:
    """One local derivative d num / d den: general form, named form, value(s)."""

    id: str
    num: str
    den: str
    general: Expr
    named: Expr
    value: Decimal
    hand: Decimal | None = None

    @property
    def is_delta(self) -> bool:
        return self.num == "E"


class Path(NamedTuple):
    """One route from an error term down to a parameter: the product of its factors.
    (A named tuple, as Partial: a large network makes 10⁵ of each.)"""

    term: str
    factors: tuple[str, ...]
    reused: tuple[bool, ...]     # this factor was already computed earlier in the walkthrough
    value: Decimal
    hand: Decimal | None = None


class Partial(NamedTuple):
    """∂E_k/∂p: the sum of the paths that start at one error term (deck 004's ∂E1/∂w1)."""

    id: str
    term: str
    param: str
    value: Decimal
    hand: Decimal | None = None


@dataclass(frozen=True)
class Chain:
    param: str
    form: str                    # "paths" or "delta"
    path_count: int              # how many paths exist (even when not enumerated)
    paths: tuple[Path, ...]
    partials: tuple[Partial, ...]
    gradient: Decimal
    old: Decimal
    new: Decimal
    trainable: bool
    hand_gradient: Decimal | None = None
    hand_old: Decimal | None = None
    hand_new: Decimal | None = None
    step: Decimal = Decimal(0)          # η·∂E/∂p, what the update takes away (0 when frozen)
    hand_step: Decimal | None = None

    @property
    def id(self) -> str:
        return ids.derivative("E", self.param)


@dataclass(frozen=True, eq=False, repr=False)
class Derivation:
    model: Model
    step: int
    rounding: str                          # "exact" or "hand"
    values: Mapping[str, Decimal]          # every node, exact
    adjoints: Mapping[str, Decimal]        # ∂E/∂node for every node that reaches E
    factors: Mapping[str, Factor]          # in order of first use in the walkthrough
    deltas: Mapping[str, Factor]           # δ of every weighted sum, keyed by the z id
    chains: tuple[Chain, ...]              # in the lectures' order (output layer first)
    hand_values: Mapping[str, Decimal] | None = None
    hand_adjoints: Mapping[str, Decimal] | None = None
    ledger: Ledger | None = None           # every quantity once: kind, formula, exact and hand values

    def __post_init__(self) -> None:
        # A chain or factor shown on its own (in a notebook) is named and valued through the
        # derivation it belongs to: each knows it (not a field: equality and hashing ignore it).
        for part in (*self.chains, *self.factors.values(), *self.deltas.values()):
            object.__setattr__(part, "_derivation", self)

    def __repr__(self) -> str:
        return f"<Derivation step {self.step} of {self.model.spec.source}: E = {self.E:.5f}, {len(self.chains)} chains>"

    @property
    def E(self) -> Decimal:
        return self.values["E"]

    def chain(self, param: str) -> Chain:
        """The chain of a parameter named in any way ``check`` reads (``w2_1_1``, ``w5``,
        ``w^{[2]}_{1,1}``, ``dE/dw5``, ``nuevo_w5``); an unknown name is an UnknownQuantity
        (a KeyError) listing the closest names."""
        for c in self.chains:
            if c.param == param:
                return c
        from .names import parameter      # the one resolver of names (check's)
        wanted = parameter(self, param, f"chain({param!r})")
        for c in self.chains:
            if c.param == wanted:
                return c
        raise KeyError(param)

    def quantity(self, name: str):
        """The ledger's record of any quantity, named as ``check`` reads names."""
        from .names import resolve
        return self.ledger[resolve(self, name, f"quantity({name!r})")]

    def value(self, name: str, hand: bool = False) -> Decimal:
        """The exact value (or, with ``hand``, the hand-rounded one) of any quantity by name:
        ``d.value("nuevo_w5")``, ``d.value("dE/dw5")``, ``d.value("a^{[2]}_{1}")``."""
        from .names import resolve
        record = self.ledger[resolve(self, name, f"value({name!r})")]
        return record.value(hand) if hand else record.exact

    def factor(self, name: str) -> Factor:
        """A local derivative (or a δ) by name: ``d.factor("dn1/dsum_n1")``, ``d.factor("δ[2]_1")``."""
        from .names import resolve
        q = resolve(self, name, f"factor({name!r})")
        found = self.factors.get(q) or self.deltas.get(ids.split_derivative(q)[1] if
                                                       ids.split_derivative(q) else q)
        if found is None:
            from ..errors import UnknownQuantity
            raise UnknownQuantity(f"{self.model.spec.source}: factor({name!r}): {q} is not a factor "
                                  "of this derivation (a local derivative such as dE1/da2_1, or a δ)")
        return found

    @property
    def gradients(self) -> dict[str, Decimal]:
        return {c.param: c.gradient for c in self.chains}

    @property
    def updated(self) -> dict[str, Decimal]:
        return {c.param: c.new for c in self.chains}


@dataclass(frozen=True, eq=False, repr=False)
class Solution:
    spec: Spec
    model: Model
    derivations: tuple[Derivation, ...]    # one per step
    final: Mapping[str, Decimal]           # parameters after the last step (exact)
    final_hand: Mapping[str, Decimal] | None = None
    paths: str = "auto"                    # the path mode the derivations were made with
    path_limit: int = PATH_LIMIT

    @property
    def E(self) -> Decimal:
        """The error of the first step (the lecture's E_total)."""
        return self.derivations[0].E

    def chain(self, name: str, step: int = 1) -> Chain:
        """One parameter's chain in gradient-descent step ``step`` (from 1), by any name."""
        return self._step(step).chain(name)

    def value(self, name: str, step: int = 1, hand: bool = False) -> Decimal:
        """Any quantity's value in step ``step``, by any name (see :meth:`Derivation.value`)."""
        return self._step(step).value(name, hand)

    def __repr__(self) -> str:
        steps = len(self.derivations)
        return (f"<Solution of {self.spec.source}: {steps} step{'s' if steps != 1 else ''}, "
                f"E = {self.E:.5f}, {len(self.model.params)} parameters>")

    def _step(self, step: int) -> "Derivation":
        if not 1 <= step <= len(self.derivations):
            raise ValueError(f"step must be between 1 and {len(self.derivations)}, not {step!r}")
        return self.derivations[step - 1]


def delta_symbol(zid: str) -> sympy.Symbol:
    """The symbol standing for δ = ∂E/∂z in the recursive definitions."""
    return symbol(ids.derivative("E", zid))


# ----------------------------------------------------------------------------- numbers

@dataclass
class _Numbers:
    values: dict[str, Decimal]
    local: dict[str, Decimal]      # edge id -> value of the local derivative
    adjoint: dict[str, Decimal]


def _compute(model: Model, params: Mapping[str, Decimal], rnd: Rounder) -> _Numbers:
    """Values, local derivatives and adjoints. A value lost at the usual precision (ln of
    1 − σ(z) for a saturated sigmoid) is computed again at HIGH_PRECISION; one still
    undefined there is refused in words, naming the quantity."""
    try:
        return _compute_at(model, params, rnd)
    except UndefinedValue:
        pass
    with precision(HIGH_PRECISION):
        try:
            return _compute_at(model, params, rnd)
        except UndefinedValue as exc:
            where, why = exc.args if len(exc.args) == 2 else ("", str(exc))
            how = (f"even computed with {HIGH_PRECISION} digits (a saturated activation: use smaller "
                   "weights or inputs)" if rnd is _identity else "with every value rounded to the spec's "
                   "decimals, as by hand (use --rounding exact, or more decimals)")
            raise SymbackpropError(f"{model.spec.source}: {where} has no finite value: {why}, {how}") from None


def _compute_at(model: Model, params: Mapping[str, Decimal], rnd: Rounder) -> _Numbers:
    values: dict[str, Decimal] = {**model.constants(), **params}
    where = ""
    try:
        for node in model.nodes.values():
            if node.definition is not None:
                where = node.id
                values[node.id] = rnd(evaluate(node.definition, values))
        with exact():
            values["E"] = rnd(sum((values[t] for t in model.terms), Decimal(0)))
        local = {}
        for e in model.edges:
            where = f"∂{e.child}/∂{e.parent}"
            local[e.id] = rnd(evaluate(e.named, values))
    except UndefinedValue as exc:
        raise UndefinedValue(where, str(exc)) from None
    adjoint: dict[str, Decimal] = {t: Decimal(1) for t in model.terms}
    edges_from = model.edges_from
    with exact():
        for node_id in reversed(model.nodes):
            users = edges_from.get(node_id)
            if users:
                adjoint[node_id] = rnd(sum((adjoint[e.child] * local[e.id] for e in users),
                                           Decimal(0)))
    return _Numbers(values, local, adjoint)


def _path_counts(model: Model) -> dict[str, int]:
    counts = {t: 1 for t in model.terms}
    for node_id in reversed(model.nodes):
        users = model.edges_from.get(node_id)
        if users:
            counts[node_id] = sum(counts[e.child] for e in users)
    return counts


class _Routes:
    """Every route from a node up to an error term, found once per node and shared by the
    routes below it (a 100-100-10 network has 10⁵ paths over 10³ nodes).

    A route is (sort key, tie-break, term, factor ids listed from the top, product of the
    factor values, product of the hand values). The product is taken from the top down, as
    the walkthrough multiplies, so extending a route by one edge below is one multiplication
    and the digits are those of multiplying the whole path out. The lecture's order: by error
    term, then by the nodes from the top; routes through parallel edges (``x − x``) keep the
    order of a depth-first walk that takes a node's last edge first.
    """

    def __init__(self, model: Model, local: Mapping[str, Decimal],
                 hand_local: Mapping[str, Decimal] | None) -> None:
        self.model = model
        self.local = local
        self.hand_local = hand_local
        self.order = model.node_index
        one = Decimal(1)
        self.memo: dict[str, list[tuple]] = {
            t: [((i,), (), t, (), one, one)] for t, i in model.term_index.items()}

    def up(self, node: str) -> list[tuple]:
        """The routes from ``node``, sorted; call inside the exact() context."""
        routes = self.memo.get(node)
        if routes is not None:
            return routes
        local, hand_local, up = self.local, self.hand_local, self.up
        here = self.order[node]
        routes = []
        users = self.model.edges_from.get(node, ())
        for i, e in enumerate(users):
            f = local[e.id]
            eid = e.id
            tie = -i
            if hand_local is None:
                routes += [(key + (here,), (tie,) + tb, term, fids + (eid,), value * f, None)
                           for key, tb, term, fids, value, _ in up(e.child)]
            else:
                h = hand_local[eid]
                routes += [(key + (here,), (tie,) + tb, term, fids + (eid,), value * f, hand * h)
                           for key, tb, term, fids, value, hand in up(e.child)]
        if len(users) > 1:       # one edge: the routes above are in order already
            routes.sort(key=_route_order)
        self.memo[node] = routes
        return routes


class _AllTrue(dict):
    """n → (True,) * (n − 1): the reused flags of a route's factors above its last one."""

    def __missing__(self, n: int) -> tuple[bool, ...]:
        flags = self[n] = (True,) * (n - 1)
        return flags


def _route_order(route: tuple) -> tuple:
    return route[0], route[1]


# ----------------------------------------------------------------------------- deltas

def _delta_forms(model: Model, zid: str) -> tuple[Expr, Expr]:
    """δ(z) one level down, as written on the board: for each user u of z (its activation),
    (Σ over users v of u of δ(v)·∂v/∂u) · ∂u/∂z; an error term's δ is 1."""
    terms = set(model.terms)
    general: list[Expr] = []
    named: list[Expr] = []
    users = model.edges_from.get(zid, ())
    if any(model.nodes[e.child].kind in _BATCH_NORM_KINDS for e in users):
        # through batch normalization: z_i reaches E through its own x̂_i, μ_B and σ²_B (and
        # so through every example of the batch), δ = Σ_u ∂E/∂u · ∂u/∂z over those three
        # (Ioffe and Szegedy's backward pass); each ∂E/∂u is in the ledger
        for e1 in users:
            general.append(sympy.Mul(delta_symbol(e1.child), e1.general, evaluate=False))
            named.append(sympy.Mul(delta_symbol(e1.child), e1.named, evaluate=False))
        return _sum(general), _sum(named)
    for e1 in users:
        g_up: list[Expr] = []
        n_up: list[Expr] = []
        for e2 in model.edges_from.get(e1.child, ()):
            if e2.child in terms:
                g_up.append(e2.general)
                n_up.append(e2.named)
            elif model.nodes[e2.child].kind == "residual":
                # through h = a + x (a residual block: ∂h/∂a = 1, the shortcut ∂h/∂x = 1) to the
                # sums that use h, or on through a later block that starts at h
                for factors, tail in _through(model, e2.child):
                    g_up.append(sympy.Mul(*[f.general for f in factors], e2.general, tail, evaluate=False))
                    n_up.append(sympy.Mul(*[f.named for f in factors], e2.named, tail, evaluate=False))
            elif model.nodes[e2.child].kind == "dropout":
                # through ã = a·m/(1 − p) to the next layer's sums: δ(v)·w·m/(1 − p)
                for e3 in model.edges_from.get(e2.child, ()):
                    g_up.append(sympy.Mul(e3.general, e2.general, delta_symbol(e3.child), evaluate=False))
                    n_up.append(sympy.Mul(e3.named, e2.named, delta_symbol(e3.child), evaluate=False))
            else:
                g_up.append(sympy.Mul(e2.general, delta_symbol(e2.child), evaluate=False))
                n_up.append(sympy.Mul(e2.named, delta_symbol(e2.child), evaluate=False))
        general.append(sympy.Mul(_sum(g_up), *sympy.Mul.make_args(e1.general), evaluate=False))
        named.append(sympy.Mul(_sum(n_up), *sympy.Mul.make_args(e1.named), evaluate=False))
    return _sum(general), _sum(named)


#: The quantities of batch normalization between a weighted sum and its activation.
_BATCH_NORM_KINDS = frozenset({"mean", "variance", "normalized", "scaled"})


def _through(model: Model, node: str) -> list[tuple[tuple[Edge, ...], Expr]]:
    """From a residual block's output up to the next δ's: (the edges on the way, from the top
    down, and the δ they end at), one per route."""
    out: list[tuple[tuple[Edge, ...], Expr]] = []
    for e in model.edges_from.get(node, ()):
        if model.nodes[e.child].kind == "residual":
            out += [(factors + (e,), tail) for factors, tail in _through(model, e.child)]
        else:
            out.append(((e,), delta_symbol(e.child)))
    return out


def _sum(parts: list[Expr]) -> Expr:
    return parts[0] if len(parts) == 1 else sympy.Add(*parts, evaluate=False)


# ----------------------------------------------------------------------------- derivation

def derive(model: Model, params: Mapping[str, Decimal], *, step: int = 1,
           rounding: str = "exact", paths: str = "auto", path_limit: int = PATH_LIMIT,
           hand_params: Mapping[str, Decimal] | None = None) -> Derivation:
    """The derivation of every gradient at the given parameter values."""
    if rounding not in ("exact", "hand"):
        raise ValueError(f"rounding must be 'exact' or 'hand', not {rounding!r}")
    if paths not in ("auto", "all", "none"):
        raise ValueError(f"paths must be 'auto', 'all' or 'none', not {paths!r}")
    spec = model.spec
    num = _compute(model, params, _identity)
    hand: _Numbers | None = None
    if rounding == "hand":
        places = spec.decimals
        hand = _compute(model, hand_params or params, lambda v: round_to(v, places))
        rnd: Rounder = lambda v: round_to(v, places)  # noqa: E731

    counts = _path_counts(model)
    edges = {e.id: e for e in model.edges}
    factors: dict[str, Factor] = {}
    deltas: dict[str, Factor] = {}

    def edge_factor(eid: str) -> Factor:
        f = factors.get(eid)
        if f is None:
            e = edges[eid]
            f = factors[eid] = Factor(eid, e.child, e.parent, e.general, e.named,
                                      num.local[eid], hand.local[eid] if hand else None)
        return f

    def delta_factor(zid: str) -> Factor:
        f = deltas.get(zid)
        if f is None:
            f = deltas[zid] = _make_delta(model, zid, num, hand)
        factors.setdefault(f.id, f)
        return f

    seen: set[str] = set()
    walked: set[str] = set()      # nodes whose routes up have all been walked (factors seen)
    above_met = _AllTrue()
    chains: list[Chain] = []
    routes = _Routes(model, num.local, hand.local if hand else None)
    def chain(param: str) -> Chain:
        """One parameter's chain; called inside the exact() context."""
        count = counts.get(param, 0)
        enumerate_paths = paths == "all" or (paths == "auto" and count <= path_limit)
        built: list[Path] = []
        if enumerate_paths:
            users = model.edges_from.get(param, ())
            if all(e.child in walked for e in users):
                # Every factor above this parameter's own edges is met already (10⁵ paths
                # of a large network take this way): only the last factor is new.
                for _key, _tie, term, fids, value, hand_product in routes.up(param):
                    own = fids[-1]
                    if own not in factors:
                        edge_factor(own)
                    reused = above_met[len(fids)] + (own in seen,)
                    seen.add(own)
                    built.append(Path(term, fids, reused, value,
                                      rnd(hand_product) if hand else None))
            else:
                for _key, _tie, term, fids, value, hand_product in routes.up(param):
                    for fid in fids:      # factors are listed in the order first met
                        if fid not in factors:
                            edge_factor(fid)
                    reused = tuple([fid in seen for fid in fids])
                    seen.update(fids)
                    built.append(Path(term, fids, reused, value,
                                      rnd(hand_product) if hand else None))
                walked.update(e.child for e in users)
        else:
            for e in model.edges_from.get(param, ()):
                if e.child in model.terms:       # the penalty's own one-factor path
                    term, fids = e.child, (edge_factor(e.id).id,)
                else:
                    term, fids = "E", (delta_factor(e.child).id, edge_factor(e.id).id)
                reused = tuple(fid in seen for fid in fids)
                seen.update(fids)
                value = Decimal(1)
                for fid in fids:
                    value *= factors[fid].value
                hand_value = None
                if hand:
                    hv = Decimal(1)
                    for fid in fids:
                        hv *= factors[fid].hand
                    hand_value = rnd(hv)
                built.append(Path(term, fids, reused, value, hand_value))
        partials: list[Partial] = []
        if enumerate_paths:
            groups: dict[str, list[Path]] = {}
            for p in built:
                groups.setdefault(p.term, []).append(p)
            for term, group in groups.items():
                value = sum([p.value for p in group], Decimal(0))
                hand_value = rnd(sum([p.hand for p in group], Decimal(0))) if hand else None
                partials.append(Partial(ids.derivative(term, param), term, param, value, hand_value))

        gradient = num.adjoint.get(param, Decimal(0))
        trainable = model.trainable(param)
        step = eta * gradient if trainable else Decimal(0)
        new = params[param] - step
        hand_gradient = hand_old = hand_new = hand_step = None
        if hand:
            parts = partials if partials else built
            hand_gradient = rnd(sum((p.hand for p in parts), Decimal(0)))
            hand_old = (hand_params or params)[param]
            hand_step = rnd(eta * hand_gradient) if trainable else Decimal(0)
            hand_new = rnd(hand_old - eta * hand_gradient) if trainable else hand_old
        return Chain(param, "paths" if enumerate_paths else "delta", count, tuple(built),
                     tuple(partials), gradient, params[param], new, trainable,
                     hand_gradient, hand_old, hand_new, step, hand_step)

    eta = spec.learning_rate
    with exact():          # one context for every chain (a network has 10⁵ paths)
        for param in model.walk_order:
            chains.append(chain(param))

    # Every local derivative of batch normalization is a factor of the derivation, whatever the
    # chains enumerate: the backward pass through μ_B and σ²_B is shown with them.
    for e in model.edges:
        if (model.nodes[e.child].kind in _BATCH_NORM_KINDS or model.nodes[e.parent].kind in _BATCH_NORM_KINDS) \
                and e.id not in factors:
            edge_factor(e.id)
    # Every δ is part of the derivation (the vectorized view uses them all).
    for zid in model.delta_nodes:
        if zid in num.adjoint and zid not in deltas:
            deltas[zid] = _make_delta(model, zid, num, hand)
    ledger = build_ledger(model, num.values, num.adjoint, factors, deltas, chains,
                          hand.values if hand else None, hand.adjoint if hand else None, eta)
    return Derivation(model=model, step=step, rounding=rounding, values=num.values,
                      adjoints=num.adjoint, factors=factors, deltas=deltas, chains=tuple(chains),
                      hand_values=hand.values if hand else None,
                      hand_adjoints=hand.adjoint if hand else None, ledger=ledger)


def _make_delta(model: Model, zid: str, num: _Numbers, hand: _Numbers | None) -> Factor:
    general, named = _delta_forms(model, zid)
    return Factor(ids.derivative("E", zid), "E", zid, general, named, num.adjoint[zid],
                  hand.adjoint[zid] if hand else None)


def solve(spec: Spec, *, rounding: str = "exact", paths: str = "auto",
          path_limit: int = PATH_LIMIT) -> Solution:
    """Derive ``spec.steps`` steps of gradient descent (the lectures' iterations).

    ``paths="auto"`` enumerates the paths of a parameter while it has at most ``path_limit``.
    Specs beyond ``LIMITS["derivation"]`` are refused before any work."""
    spec.require_derivable()
    model = build_model(spec)
    params = parameter_values(spec)
    hand_params = dict(params) if rounding == "hand" else None
    derivations = []
    for step in range(1, spec.steps + 1):
        d = derive(model, params, step=step, rounding=rounding, paths=paths,
                   path_limit=path_limit, hand_params=hand_params)
        derivations.append(d)
        params = {**params, **d.updated}
        if hand_params is not None:
            hand_params = {**hand_params, **{c.param: c.hand_new for c in d.chains}}
    return Solution(spec, model, tuple(derivations), params, hand_params, paths, path_limit)


def flat_values(d: Derivation, hand: bool = False) -> dict[str, Decimal]:
    """Every quantity of one step a student writes down, by id (the ledger's values)."""
    return d.ledger.values(hand)

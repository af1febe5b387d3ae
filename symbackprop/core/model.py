"""The network as SymPy symbols and defining equations: a graph of named quantities.

:func:`build_model` turns a :class:`~symbackprop.spec.reading.Spec` into a :class:`Model`:

* one :class:`Node` per quantity (inputs, targets, parameters, z, a, the error terms E_k
  and the penalty R), in forward order, each with its defining equation;
* one :class:`Edge` per direct dependency that can carry a gradient, with the local
  derivative in its general form (differentiated from the defining equation) and in the
  lecture's named form (``a(1 − a)``), both SymPy expressions.

E is the sum of the terms. The model knows nothing of numbers' display or templates; the
derivation (:mod:`symbackprop.derive.derivation`) walks this graph.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from functools import cached_property
from typing import Mapping

import sympy
from sympy import Expr, Integer, Rational, Symbol

from . import ids
from .notation import Notation
from .ops import ACTIVATIONS, BATCH_NORM, DROPOUT, LOSSES, PENALTIES, softmax_derivative, softmax_forward
from ..spec.reading import Spec

__all__ = ["Node", "Edge", "Model", "build_model", "symbol", "rational"]

_SYMBOLS: dict[str, Symbol] = {}


def symbol(qid: str) -> Symbol:
    """The one real SymPy symbol named by a canonical id."""
    s = _SYMBOLS.get(qid)
    if s is None:
        s = _SYMBOLS[qid] = Symbol(qid, real=True)
    return s


def rational(value: Decimal) -> Rational:
    """An exact SymPy number from a decimal (0.01 -> 1/100), never a binary float."""
    sign, digits, exponent = value.as_tuple()
    n = int("".join(map(str, digits)) or "0") * (-1 if sign else 1)
    return Rational(n * 10**exponent) if exponent >= 0 else Rational(n, 10**-exponent)


@dataclass(frozen=True)
class Node:
    id: str
    kind: str                     # input, target, weight, bias, gamma, beta, z, mean (μ_B), variance (σ²_B),
                                  # normalized (x̂), scaled (y), a, dropout (ã), residual (h), error, penalty
    definition: Expr | None = None
    layer: int | None = None
    index: int | None = None      # neuron (z, a), output (error, target) or input number
    example: int | None = None
    terms: tuple[tuple[str, str], ...] = ()   # z: (weight id, source id) in written order
    bias: str | None = None                    # z: its bias id
    written: Expr | None = None                # the definition as the lectures write it


@dataclass(frozen=True)
class Edge:
    """``child`` depends directly on ``parent``; d child / d parent in two forms."""

    child: str
    parent: str
    general: Expr
    named: Expr

    @cached_property
    def id(self) -> str:                 # read for every path of every parameter: computed once
        return ids.derivative(self.child, self.parent)


@dataclass(frozen=True, eq=False)
class Model:
    spec: Spec
    nodes: Mapping[str, Node]          # forward (topological) order
    edges: tuple[Edge, ...]
    params: tuple[str, ...]            # forward order
    terms: tuple[str, ...]             # E = sum of these
    notation: Notation

    @cached_property
    def edges_into(self) -> dict[str, tuple[Edge, ...]]:
        """Edges by child: what each quantity depends on."""
        out: dict[str, list[Edge]] = {}
        for e in self.edges:
            out.setdefault(e.child, []).append(e)
        return {k: tuple(v) for k, v in out.items()}

    @cached_property
    def edges_from(self) -> dict[str, tuple[Edge, ...]]:
        """Edges by parent: which quantities use each one."""
        out: dict[str, list[Edge]] = {}
        for e in self.edges:
            out.setdefault(e.parent, []).append(e)
        return {k: tuple(v) for k, v in out.items()}

    @cached_property
    def node_index(self) -> dict[str, int]:
        """Position of every node in forward order (for deterministic sorting)."""
        return {nid: i for i, nid in enumerate(self.nodes)}

    @cached_property
    def term_index(self) -> dict[str, int]:
        return {t: i for i, t in enumerate(self.terms)}

    @cached_property
    def walk_order(self) -> tuple[str, ...]:
        """Parameters in the lectures' order: output layer first, weights row by row (in numbered
        notation, by their numbers), then biases."""
        by_layer: dict[int, list[str]] = {}
        for p in self.params:
            by_layer.setdefault(self.nodes[p].layer, []).append(p)
        order: list[str] = []
        numbered = self.spec.notation == "numbered"
        for l in sorted(by_layer, reverse=True):
            group = by_layer[l]
            weights = [p for p in group if self.nodes[p].kind == "weight"]
            if numbered:        # w1, w2, w3… in the order of their numbers (deck 004)
                weights.sort(key=lambda p: self.notation.weight_number(*ids.parse(p)[1]))
            order += weights
            order += [p for p in group if self.nodes[p].kind == "bias"]
            order += [p for p in group if self.nodes[p].kind in ("gamma", "beta")]
        return tuple(order)

    @property
    def delta_nodes(self) -> tuple[str, ...]:
        return tuple(n.id for n in self.nodes.values() if n.kind == "z")

    def constants(self) -> dict[str, Decimal]:
        """Inputs, targets and batch normalization's ε."""
        out = {ids.eps(l): layer.batch_norm.epsilon for l, layer in enumerate(self.spec.layers, start=1)
               if layer.batch_norm is not None}
        for n, (xs, ys) in enumerate(zip(self.spec.inputs, self.spec.targets), start=1):
            ex = n if self.spec.batch else None
            out.update({ids.x(j, ex): v for j, v in enumerate(xs, start=1)})
            out.update({ids.y(k, ex): v for k, v in enumerate(ys, start=1)})
        return out

    def parameters(self) -> dict[str, Decimal]:
        return parameter_values(self.spec)

    def trainable(self, param: str) -> bool:
        return self.spec.update_biases or self.nodes[param].kind != "bias"

    def error_expression(self) -> Expr:
        """E written out in the inputs, targets and parameters only (can be large)."""
        expanded: dict[Symbol, Expr] = {}
        for node in self.nodes.values():
            if node.definition is not None:
                expanded[symbol(node.id)] = node.definition.xreplace(expanded)
        return sympy.Add(*[expanded[symbol(t)] for t in self.terms])


def parameter_values(spec: Spec) -> dict[str, Decimal]:
    out: dict[str, Decimal] = {}
    for l, layer in enumerate(spec.layers, start=1):
        for i, row in enumerate(layer.weights, start=1):
            for j, v in enumerate(row, start=1):
                out[ids.w(l, i, j)] = v
        if isinstance(layer.bias, Decimal):
            out[ids.b(l)] = layer.bias
        elif layer.bias is not None:
            out.update({ids.b(l, i): v for i, v in enumerate(layer.bias, start=1)})
        if layer.batch_norm is not None:
            for i, (g, b) in enumerate(zip(layer.batch_norm.gamma, layer.batch_norm.beta), start=1):
                out[ids.gamma(l, i)] = g
                out[ids.beta(l, i)] = b
    return out


def build_model(spec: Spec) -> Model:
    nodes: dict[str, Node] = {}
    edges: list[Edge] = []
    params: list[str] = []
    examples = range(1, spec.n_examples + 1)

    def ex(n: int) -> int | None:
        return n if spec.batch else None

    for n in examples:
        for j in range(1, spec.n_inputs + 1):
            nodes[ids.x(j, ex(n))] = Node(ids.x(j, ex(n)), "input", index=j, example=ex(n))
        for k in range(1, spec.layers[-1].units + 1):
            nodes[ids.y(k, ex(n))] = Node(ids.y(k, ex(n)), "target", index=k, example=ex(n))
    for l, layer in enumerate(spec.layers, start=1):
        if layer.batch_norm is not None:
            nodes[ids.eps(l)] = Node(ids.eps(l), "epsilon", layer=l)

    for l, layer in enumerate(spec.layers, start=1):
        for i in range(1, layer.units + 1):
            for j in range(1, len(layer.weights[0]) + 1):
                pid = ids.w(l, i, j)
                nodes[pid] = Node(pid, "weight", layer=l, index=i)
                params.append(pid)
            if isinstance(layer.bias, tuple):
                pid = ids.b(l, i)
                nodes[pid] = Node(pid, "bias", layer=l, index=i)
                params.append(pid)
        if isinstance(layer.bias, Decimal):
            nodes[ids.b(l)] = Node(ids.b(l), "bias", layer=l)
            params.append(ids.b(l))
        if layer.batch_norm is not None:
            for i in range(1, layer.units + 1):
                for kind, pid in (("gamma", ids.gamma(l, i)), ("beta", ids.beta(l, i))):
                    nodes[pid] = Node(pid, kind, layer=l, index=i)
                    params.append(pid)

    # Forward: z = Σ_j w_ij · a_j + b, then a = g(z), neuron by neuron as the lectures do
    # (a softmax layer needs all of its z first). With batch normalization a layer needs the
    # weighted sums of the whole batch before its statistics: the batch goes layer by layer.
    def forward(l: int, layer, n: int, normalized: bool) -> None:
        if not normalized:
            for i in range(1, layer.units + 1):
                _weighted_sum(spec, l, i, ex(n), nodes, edges)
                if layer.activation != "softmax":
                    _activation(layer, l, i, ex(n), nodes, edges)
        else:
            for i in range(1, layer.units + 1):
                _normalize(layer, l, i, n, nodes, edges)
                _activation(layer, l, i, ex(n), nodes, edges, ids.bn(l, i, ex(n)))
        if layer.activation == "softmax":
            _softmax(layer, l, ex(n), nodes, edges)
        if layer.dropout is not None:
            _dropout(layer, l, ex(n), nodes, edges)
        if layer.residual is not None:
            _residual(spec, l, ex(n), nodes, edges)

    if any(layer.batch_norm is not None for layer in spec.layers):
        for l, layer in enumerate(spec.layers, start=1):
            if layer.batch_norm is None:
                for n in examples:
                    forward(l, layer, n, False)
                continue
            for n in examples:
                for i in range(1, layer.units + 1):
                    _weighted_sum(spec, l, i, ex(n), nodes, edges)
            for i in range(1, layer.units + 1):
                _batch_statistics(layer, l, i, spec.n_examples, nodes, edges)
            for n in examples:
                forward(l, layer, n, True)
    else:
        for n in examples:
            for l, layer in enumerate(spec.layers, start=1):
                forward(l, layer, n, False)

    # The error: one term per output (and per example), plus the penalty.
    loss = LOSSES[spec.loss]
    L = len(spec.layers)
    K = spec.layers[-1].units
    scale = Rational(1, spec.n_examples) if spec.reduction == "mean" else Integer(1)
    terms: list[str] = []
    for n in examples:
        for k in range(1, K + 1):
            tid = ids.error_term(k, ex(n))
            a_sym, y_sym = symbol(ids.a(L, k, ex(n))), symbol(ids.y(k, ex(n)))
            written = loss.written(a_sym, y_sym, K)
            if scale != 1:
                written = sympy.Mul(scale, written, evaluate=False)
            nodes[tid] = Node(tid, "error", scale * loss.term(a_sym, y_sym, K), L, k, ex(n),
                              written=written)
            edges.append(Edge(tid, ids.a(L, k, ex(n)),
                              scale * loss.general(a_sym, y_sym, K),
                              scale * loss.named(a_sym, y_sym, K)))
            terms.append(tid)

    reg = spec.regularization
    if reg.active:
        penalized = [p for p in params if nodes[p].kind == "weight"
                     or (reg.include_biases and nodes[p].kind == "bias")]
        parts: list[Expr] = []
        for p in penalized:
            value, general, named = Integer(0), Integer(0), Integer(0)
            for name, penalty in PENALTIES.items():
                lam = getattr(reg, name)
                if lam is not None:
                    value = value + penalty.value(rational(lam), symbol(p))
                    named = named + penalty.derivative(rational(lam), symbol(p))
            general = sympy.diff(value, symbol(p))
            parts.append(value)
            edges.append(Edge("R", p, general, named))
        nodes["R"] = Node("R", "penalty", sympy.Add(*parts))
        terms.append("R")

    return Model(spec=spec, nodes=nodes, edges=tuple(edges), params=tuple(params),
                 terms=tuple(terms), notation=Notation(spec))


def weighted_sum(terms: tuple[tuple[str, str], ...], bias: str | None) -> Expr:
    """Σ w·s + b as SymPy's canonical sum, built without SymPy's sorting.

    A sum of products of distinct symbols is ordered by the symbols' names (a product as its
    two names in order; a lone symbol before the products), which is the order SymPy's own
    ``Add(*[w*s ...])`` reaches by comparing every pair: the same expression, equal and with
    the same hash (tested), made in a tenth of the time — a 100-100-10 network has 11,000."""
    products = [sympy.Mul._from_args((symbol(w), symbol(s)) if w < s else (symbol(s), symbol(w)))
                for w, s in terms]
    products.sort(key=lambda m: (m.args[0].name, m.args[1].name))
    args = ([symbol(bias)] if bias else []) + products
    return args[0] if len(args) == 1 else sympy.Add._from_args(args)


def _weighted_sum(spec: Spec, l: int, i: int, example: int | None,
                  nodes: dict[str, Node], edges: list[Edge]) -> None:
    layer = spec.layers[l - 1]
    zid = ids.z(l, i, example)
    terms = tuple((ids.w(l, i, j), output_id(spec, l - 1, j, example))
                  for j in range(1, len(layer.weights[0]) + 1))
    bias = (ids.b(l) if isinstance(layer.bias, Decimal)
            else ids.b(l, i) if layer.bias is not None else None)
    definition = weighted_sum(terms, bias)
    # as the lectures write it, w·s in order and the bias last (what Add(..., evaluate=False)
    # makes, without its per-argument work)
    parts = [sympy.Mul._from_args((symbol(w), symbol(s))) for w, s in terms] + ([symbol(bias)] if bias else [])
    written = parts[0] if len(parts) == 1 else sympy.Add._from_args(parts)
    nodes[zid] = Node(zid, "z", definition, l, i, example, terms, bias, written=written)
    for wid, src in terms:
        edges.append(Edge(zid, wid, symbol(src), symbol(src)))
    if bias:
        edges.append(Edge(zid, bias, Integer(1), Integer(1)))
    if l > 1:
        for wid, src in terms:
            edges.append(Edge(zid, src, symbol(wid), symbol(wid)))




def _activation(layer, l: int, i: int, example: int | None,
                nodes: dict[str, Node], edges: list[Edge], source: str | None = None) -> None:
    """a = g(z), or a = g(y) after batch normalization (``source``: y's id)."""
    rule = ACTIVATIONS[layer.activation]
    slope = rational(layer.slope) if layer.slope is not None else Integer(0)
    zid, aid = source or ids.z(l, i, example), ids.a(l, i, example)
    zs = symbol(zid)
    nodes[aid] = Node(aid, "a", rule.forward(zs, slope), l, i, example)
    edges.append(Edge(aid, zid, rule.textbook(zs, slope), rule.named(symbol(aid), zs, slope)))


def _dropout(layer, l: int, example: int | None, nodes: dict[str, Node], edges: list[Edge]) -> None:
    """Inverted dropout after the layer's activations: ã = a·m/(1 − p), the next layer's input;
    ∂ã/∂a = m/(1 − p), an exact number (0 for a dropped neuron: its paths vanish)."""
    p = rational(layer.dropout.rate)
    for i, m in enumerate(layer.dropout.mask(example), start=1):
        aid, rid = ids.a(l, i, example), ids.r(l, i, example)
        scale = DROPOUT.scale(m, p)
        nodes[rid] = Node(rid, "dropout", DROPOUT.forward(symbol(aid), m, p), l, i, example,
                          written=sympy.Mul(symbol(aid), scale, evaluate=False))
        edges.append(Edge(rid, aid, DROPOUT.derivative(m, p), DROPOUT.derivative(m, p)))


def _batch_statistics(layer, l: int, i: int, m: int, nodes: dict[str, Node], edges: list[Edge]) -> None:
    """μ_B and σ²_B of neuron i over the batch of m examples (numbered 1..m: a batch norm
    spec always has a batch), with their edges to every example's z."""
    zids = tuple(ids.z(l, i, n) for n in range(1, m + 1))
    zs = tuple(symbol(z) for z in zids)
    mid, vid = ids.mu(l, i), ids.var(l, i)
    mu = symbol(mid)
    nodes[mid] = Node(mid, "mean", BATCH_NORM.mean(zs), l, i, written=BATCH_NORM.mean_written(zs))
    for z in zids:
        edges.append(Edge(mid, z, BATCH_NORM.d_mean_d_z(m), BATCH_NORM.d_mean_d_z(m)))
    nodes[vid] = Node(vid, "variance", BATCH_NORM.variance(zs, mu), l, i,
                      written=BATCH_NORM.variance_written(zs, mu))
    for z, zs_ in zip(zids, zs):
        d = BATCH_NORM.d_variance_d_z(zs_, mu, m)
        edges.append(Edge(vid, z, d, d))
    general, named = BATCH_NORM.d_variance_d_mean(zs, mu)
    edges.append(Edge(vid, mid, general, named))


def _normalize(layer, l: int, i: int, n: int, nodes: dict[str, Node], edges: list[Edge]) -> None:
    """x̂ and y of neuron i for example n: x̂ = (z − μ_B)/√(σ²_B + ε), y = γ·x̂ + β."""
    eps = symbol(ids.eps(l))
    zid, mid, vid = ids.z(l, i, n), ids.mu(l, i), ids.var(l, i)
    xid, yid, gid, bid = ids.xhat(l, i, n), ids.bn(l, i, n), ids.gamma(l, i), ids.beta(l, i)
    z, mu, var = symbol(zid), symbol(mid), symbol(vid)
    nodes[xid] = Node(xid, "normalized", BATCH_NORM.normalized(z, mu, var, eps), l, i, n,
                      written=BATCH_NORM.normalized_written(z, mu, var, eps))
    for parent, d in ((zid, BATCH_NORM.d_normalized_d_z(var, eps)),
                      (mid, BATCH_NORM.d_normalized_d_mean(var, eps)),
                      (vid, BATCH_NORM.d_normalized_d_variance(z, mu, var, eps))):
        edges.append(Edge(xid, parent, d, d))
    x, g, b = symbol(xid), symbol(gid), symbol(bid)
    nodes[yid] = Node(yid, "scaled", BATCH_NORM.scaled(x, g, b), l, i, n,
                      written=BATCH_NORM.scaled_written(x, g, b))
    edges += [Edge(yid, xid, g, g), Edge(yid, gid, x, x), Edge(yid, bid, Integer(1), Integer(1))]


def output_id(spec: Spec, l: int, i: int, example: int | None = None) -> str:
    """What layer l passes on from its neuron i (l = 0: the input x_i): h after a residual
    block, ã after dropout, else the activation a."""
    if l == 0:
        return ids.x(i, example)
    layer = spec.layers[l - 1]
    return (ids.h if layer.residual is not None else ids.r if layer.dropout is not None
            else ids.a)(l, i, example)


def _residual(spec: Spec, l: int, example: int | None, nodes: dict[str, Node], edges: list[Edge]) -> None:
    """A residual block's output after the layer's activations (deck 004): H = F(x) + x,
    h_i = a_i + x_i with x the output of the earlier layer ``from`` (a projection W_s: h_i =
    a_i + Σ_j s_ij·x_j), the next layer's input. ∂h/∂a = 1 and ∂h/∂x = 1 (or s_ij): the
    shortcut is one more path in the chain rule, ∂H/∂x = ∂F/∂x + 1. The inputs get no edge
    (no gradient is taken with respect to x)."""
    layer = spec.layers[l - 1]
    source = layer.residual.source
    for i in range(1, layer.units + 1):
        aid, hid = ids.a(l, i, example), ids.h(l, i, example)
        if layer.residual.weights is None:
            shortcut = ((Integer(1), output_id(spec, source, i, example)),)
        else:
            shortcut = tuple((rational(v), output_id(spec, source, j, example))
                             for j, v in enumerate(layer.residual.weights[i - 1], start=1))
        parts = [symbol(aid)] + [s * symbol(x) for s, x in shortcut]
        written = [symbol(aid)] + [symbol(x) if s == 1 else sympy.Mul(s, symbol(x), evaluate=False)
                                   for s, x in shortcut]
        nodes[hid] = Node(hid, "residual", sympy.Add(*parts), l, i, example,
                          written=sympy.Add(*written, evaluate=False))
        edges.append(Edge(hid, aid, Integer(1), Integer(1)))
        if source > 0:
            for s, x in shortcut:
                edges.append(Edge(hid, x, s, s))


def _softmax(layer, l: int, example: int | None, nodes: dict[str, Node], edges: list[Edge]) -> None:
    units = range(1, layer.units + 1)
    zs = tuple(symbol(ids.z(l, i, example)) for i in units)
    for k in units:
        aid = ids.a(l, k, example)
        definition = softmax_forward(zs, k - 1)
        nodes[aid] = Node(aid, "a", definition, l, k, example)
        for j in units:
            general = sympy.diff(definition, zs[j - 1])
            named = softmax_derivative(symbol(aid), symbol(ids.a(l, j, example)), j == k)
            edges.append(Edge(aid, ids.z(l, j, example), general, named))

"""A student simulator: hand-calculation sheets computed the way students compute them.

Everything here is computed independently of symbackprop's engine: the network is read from
the spec YAML with ``yaml.safe_load`` and the forward and backward pass are written out again
with :mod:`decimal` at 50 digits, as the lectures write them::

    z = Σ w·a + b          a = σ(z), tanh(z) or softmax         E_k = ½(ŷ_k − y_k)²  or  −y_k ln ŷ_k
    factors  ∂E_k/∂ŷ_k, ∂a/∂z, ∂z/∂w = a, ∂z/∂a = w, ∂z/∂b = 1
    partial  ∂E_k/∂p = Σ over the paths from E_k of the product of their factors
    δ = ∂E/∂z = ∂E/∂a · ∂a/∂z,   ∂E/∂a_l = Σ_k δ_{l+1,k} · w_{l+1,k,·}
    gradient ∂E/∂p = Σ_k ∂E_k/∂p   (or, through δ, δ·a)        update  p − η·∂E/∂p

Only the quantity ids are the engine's (they are checked against ``solve(spec)``'s ledger in
tests/test_students.py, together with the exact values, to 1e-40).

A simulated student works at ``d`` decimal places (2..6), rounding half up or truncating, and
computes every quantity in order from his own rounded earlier values, rounding every value he
computes, written or not (a path product too, when a partial has several paths). He writes a
subset of the quantities, each with exactly ``d`` decimals. A planted slip happens at one
quantity and is carried honestly through everything computed from it later.

The student's routes (fixed per sheet, and what a checker must be able to follow):

* ``grad``: ``paths`` — ∂E/∂p = Σ_k ∂E_k/∂p, each partial the sum of its rounded path
  products; ``delta`` — ∂E/∂w = δ·a, ∂E/∂b = δ (Σ_i δ_i for a shared bias).
* δ of an elementwise layer = ∂E/∂a · ∂a/∂z from the rounded adjoint and factor; a hidden
  adjoint ∂E/∂a = Σ_k δ_k·w_k (rounded) is always computed first.
* ``softmax`` (softmax output with cross-entropy): ``chain`` — δ_j = Σ_k ∂E/∂ŷ_k · ∂ŷ_k/∂z_j;
  ``shortcut`` — δ_j = ŷ_j − y_j.

    python tests/students.py            # the table of counts against the checker
"""
from __future__ import annotations

import decimal
import random
import sys
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal as D
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
HERE = Path(__file__).resolve().parent / "students"

NETWORKS: dict[str, Path] = {
    "lecture": ROOT / "examples" / "lecture_2_2_2.yaml",
    "numbered": ROOT / "examples" / "lecture_2_2_2_numbered.yaml",
    "deep": ROOT / "examples" / "net_3_3_3_2.yaml",
    "softmax": HERE / "tanh_softmax_2_2_3.yaml",
}

#: The slips a student makes, by the diagnosis the checker should give.
KINDS = ("sign", "missing_derivative", "sigma", "from_z", "half", "eta", "bias", "wrong_source",
         "one_path", "early", "decimal")

PROFILES = ("all", "lecture", "grads_updates", "forward_delta_grads", "factors_no_partials",
            "delta_route", "random")

PRECISION = 50


def _context() -> decimal.Context:
    ctx = decimal.Context(prec=PRECISION, rounding=decimal.ROUND_HALF_EVEN, Emax=999_999,
                          Emin=-999_999)
    ctx.traps[decimal.Inexact] = False
    return ctx


# ----------------------------------------------------------------------------- the network

@dataclass(frozen=True)
class Layer:
    units: int
    act: str                                   # sigmoid, tanh, softmax, linear, relu
    W: tuple[tuple[D, ...], ...]               # W[i][j]: to neuron i from neuron j (0-based here)
    bias: D | tuple[D, ...] | None             # shared, per neuron, or none

    @property
    def shared(self) -> bool:
        return isinstance(self.bias, D)


@dataclass(frozen=True)
class Net:
    name: str
    path: Path
    x: tuple[D, ...]
    y: tuple[D, ...]
    layers: tuple[Layer, ...]
    loss: str
    eta: D
    update_biases: bool


def _num(v) -> D:
    if isinstance(v, bool):
        raise TypeError(v)
    if isinstance(v, float):
        return D(repr(v))
    return D(v)


def _uniform(raw: dict, index: int, count: int) -> list[D]:
    """The spec's documented ``init: uniform`` (README): Python's Mersenne Twister seeded with
    seed·1000003 + layer index, lo + (hi − lo)·u, rounded half up to ``decimals``."""
    if raw.get("init") == "zeros":
        return [D(0)] * count
    if raw.get("init") != "uniform":
        raise ValueError(f"the simulator reads init: uniform or zeros, not {raw.get('init')!r}")
    lo, hi = (_num(v) for v in raw.get("range", [-1, 1]))
    generator = random.Random(raw["seed"] * 1_000_003 + index)
    out = []
    with decimal.localcontext(_context()):
        for _ in range(count):
            value = lo + (hi - lo) * D(repr(generator.random()))
            if "decimals" in raw:
                value = value.quantize(D(1).scaleb(-raw["decimals"]), rounding=decimal.ROUND_HALF_UP)
            out.append(value)
    return out


def read_net(name: str, path: Path | None = None) -> Net:
    path = Path(path or NETWORKS[name])
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    x = data["inputs"]
    y = data["targets"]
    if x and isinstance(x[0], list):
        raise ValueError("the simulator reads one example, not a batch")
    layers = []
    previous = len(x)
    for index, raw in enumerate(data["layers"]):
        units = raw["units"]
        w = raw["weights"]
        if isinstance(w, dict):
            flat = _uniform(w, index, units * previous)
            W = tuple(tuple(flat[i * previous:(i + 1) * previous]) for i in range(units))
        else:
            W = tuple(tuple(_num(v) for v in row) for row in w)
        b = raw.get("bias")
        bias = None if b is None else tuple(_num(v) for v in b) if isinstance(b, list) else _num(b)
        layers.append(Layer(units, raw.get("activation", "sigmoid"), W, bias))
        previous = units
    if data.get("regularization") or data.get("reduction", "sum") != "sum" or data.get("steps", 1) != 1:
        raise ValueError("the simulator does one step of a plain sum loss")
    return Net(name, path, tuple(_num(v) for v in x), tuple(_num(v) for v in y), tuple(layers),
               data.get("loss", "half_sse"), _num(data.get("learning_rate", 0.5)),
               bool(data.get("update_biases", True)))


# ----------------------------------------------------------------------------- ids

def X(j):
    return f"x{j}"


def Y(k):
    return f"y{k}"


def Z(l, i):
    return f"z{l}_{i}"


def A(l, i):
    return f"a{l}_{i}"


def SRC(l, j):
    """What feeds layer l + 1: an input (l = 0) or an activation."""
    return X(j) if l == 0 else A(l, j)


def W_(l, i, j):
    return f"w{l}_{i}_{j}"


def dv(num, den):
    return f"d{num}/d{den}"


def NEW(p):
    return "new_" + p


# ----------------------------------------------------------------------------- recipes

Get = Callable[[str], D]
Rnd = Callable[[D], D]


@dataclass(frozen=True)
class Recipe:
    """How a student computes one value from others: fn(v, rnd) with v(id) his value of a
    dependency and rnd his rounding of an intermediate result (the result is rounded too)."""
    deps: tuple[str, ...]
    fn: Callable[[Get, Rnd], D]


def substitute(base: Recipe, ingredient: str, alt: Recipe) -> Recipe:
    """``base`` with the value of one ingredient replaced (in every place it is used)."""
    def fn(v, r):
        replaced = alt.fn(v, r)
        return base.fn(lambda q: replaced if q == ingredient else v(q), r)
    return Recipe(tuple(dict.fromkeys(base.deps + alt.deps)), fn)


def _exp(x: D) -> D:
    return x.exp()


def sigmoid(z: D) -> D:
    return 1 / (1 + _exp(-z))


def tanh(z: D) -> D:
    if z < 0:
        return -tanh(-z)
    e = _exp(-2 * z)
    return (1 - e) / (1 + e)


ACT = {"sigmoid": sigmoid, "tanh": tanh, "linear": lambda z: z,
       "relu": lambda z: z if z > 0 else D(0)}
#: g′ as the lectures write it, from the activation's own output a (and z for relu).
ACT_PRIME = {"sigmoid": lambda a, z: a * (1 - a), "tanh": lambda a, z: 1 - a * a,
             "linear": lambda a, z: D(1), "relu": lambda a, z: D(1) if z > 0 else D(0)}
#: the slip "σ′ computed from z": the same rule applied to z.
FROM_Z = {"sigmoid": lambda z: z * (1 - z), "tanh": lambda z: 1 - z * z}


def loss_term(loss: str, a: D, y: D) -> D:
    if loss == "half_sse":
        return (a - y) ** 2 / 2
    if loss == "cross_entropy":
        return -y * a.ln()
    raise ValueError(f"the simulator knows half_sse and cross_entropy, not {loss}")


def loss_prime(loss: str, a: D, y: D) -> D:
    if loss == "half_sse":
        return a - y
    if loss == "cross_entropy":
        return -y / a
    raise ValueError(loss)


# ----------------------------------------------------------------------------- slips

@dataclass(frozen=True)
class Slip:
    kind: str           # the diagnosis the checker should give
    site: str           # the quantity it happens in
    detail: str         # what the student did, in words
    recipe: Recipe      # how the student computed the site instead
    plant: bool = True  # False: an alternative kept only to rule out ambiguous slips

    def __str__(self):
        return f"{self.kind} at {self.site} ({self.detail})"


def _negate(q):
    return Recipe((q,), lambda v, r, q=q: -v(q))


def _same(q):
    return Recipe((q,), lambda v, r, q=q: v(q))


_ONE = Recipe((), lambda v, r: D(1))


def _times(base: Recipe, factor: D) -> Recipe:
    # the value computed right (and rounded), then the decimal point moved
    return Recipe(base.deps, lambda v, r: factor * r(base.fn(v, r)))


# ----------------------------------------------------------------------------- the model

@dataclass
class Node:
    id: str
    kind: str       # the ledger's: z, a, error, total, factor, adjoint, delta, partial, gradient, update
    recipe: Recipe
    writable: bool = True
    slips: list[Slip] = field(default_factory=list)
    layer: int = 0


class Model:
    """The quantities of one step of a student's computation, each with its recipe and the
    slips that can happen in it, for the given routes."""

    def __init__(self, net: Net, grad: str = "paths", softmax: str = "chain"):
        self.net, self.grad, self.softmax = net, grad, softmax
        self.nodes: dict[str, Node] = {}
        self.given: dict[str, D] = {}
        self.sizes = [len(net.x)] + [layer.units for layer in net.layers]
        self.L = len(net.layers)
        self._givens()
        self._forward()
        self._factors()
        self._adjoints()
        self._partials()
        self._gradients()
        self._updates()

    # -- helpers
    def add(self, qid, kind, recipe, layer=0, writable=True):
        assert qid not in self.nodes and qid not in self.given, qid
        node = Node(qid, kind, recipe, writable, [], layer)
        self.nodes[qid] = node
        return node

    def act(self, l) -> str:
        return self.net.layers[l - 1].act

    def elementwise(self, l) -> bool:
        return self.act(l) != "softmax"

    def bias_id(self, l, i) -> str | None:
        layer = self.net.layers[l - 1]
        if layer.bias is None:
            return None
        return f"b{l}" if layer.shared else f"b{l}_{i}"

    def params(self):
        """(parameter id, its layer, the neurons whose z it feeds, the index j of the source
        it multiplies, None for a bias), in the ledger's order."""
        for l in range(1, self.L + 1):
            layer = self.net.layers[l - 1]
            for i in range(1, layer.units + 1):
                for j in range(1, self.sizes[l - 1] + 1):
                    yield W_(l, i, j), l, (i,), j
            if layer.bias is not None:
                if layer.shared:
                    yield f"b{l}", l, tuple(range(1, layer.units + 1)), None
                else:
                    for i in range(1, layer.units + 1):
                        yield f"b{l}_{i}", l, (i,), None

    def trainable(self, p) -> bool:
        return p.startswith("w") or self.net.update_biases

    def weight_alternatives(self, l, k, i):
        """Weights a student may take for w_l_k_i by mistake: the transposed one and the
        others of the same row (the wrong neuron)."""
        out = []
        if k != i and i <= self.sizes[l] and k <= self.sizes[l - 1]:
            out.append((W_(l, i, k), "transposed"))
        for i2 in range(1, self.sizes[l - 1] + 1):
            if i2 != i and W_(l, k, i2) not in [o[0] for o in out]:
                out.append((W_(l, k, i2), "same row"))
        return out

    def source_alternatives(self, l, j):
        return [SRC(l, j2) for j2 in range(1, self.sizes[l] + 1) if j2 != j]

    # -- the quantities
    def _givens(self):
        net = self.net
        for j, v in enumerate(net.x, 1):
            self.given[X(j)] = v
        for k, v in enumerate(net.y, 1):
            self.given[Y(k)] = v
        for l, layer in enumerate(net.layers, 1):
            for i, row in enumerate(layer.W, 1):
                for j, v in enumerate(row, 1):
                    self.given[W_(l, i, j)] = v
            if layer.shared:
                self.given[f"b{l}"] = layer.bias
            elif layer.bias is not None:
                for i, v in enumerate(layer.bias, 1):
                    self.given[f"b{l}_{i}"] = v

    def _forward(self):
        for l in range(1, self.L + 1):
            n_prev = self.sizes[l - 1]
            for i in range(1, self.sizes[l] + 1):
                terms = [(W_(l, i, j), SRC(l - 1, j)) for j in range(1, n_prev + 1)]
                b = self.bias_id(l, i)
                z = self.add(Z(l, i), "z", self._linear(terms, b), l)
                if b is not None and self.given[b] != 0:
                    z.slips.append(Slip("bias", z.id, f"{b} forgotten", self._linear(terms, None)))
                # a wrong weight or input in the sum: not planted (the lectures' slip is in a
                # factor), kept to rule out a bias slip that looks like one
                for j in range(1, n_prev + 1):
                    for w2, how in self.weight_alternatives(l, i, j):
                        z.slips.append(Slip("wrong_source", z.id, f"{w2} for {W_(l, i, j)}", substitute(
                            z.recipe, W_(l, i, j), _same(w2)), plant=False))
                    for s2 in self.source_alternatives(l - 1, j):
                        z.slips.append(Slip("wrong_source", z.id, f"{s2} for {SRC(l - 1, j)}", substitute(
                            z.recipe, SRC(l - 1, j), _same(s2)), plant=False))
            for i in range(1, self.sizes[l] + 1):
                if self.elementwise(l):
                    g = ACT[self.act(l)]
                    z_id = Z(l, i)
                    a = self.add(A(l, i), "a", Recipe((z_id,), lambda v, r, z=z_id, g=g: g(v(z))), l)
                    b = self.bias_id(l, i)
                    if b is not None and self.given[b] != 0:
                        terms = [(W_(l, i, j), SRC(l - 1, j)) for j in range(1, n_prev + 1)]
                        no_bias = self._linear(terms, None)
                        a.slips.append(Slip("bias", a.id, f"{b} forgotten in {Z(l, i)}", Recipe(
                            no_bias.deps, lambda v, r, nb=no_bias, g=g: g(r(nb.fn(v, r))))))
                else:
                    zs = tuple(Z(l, m) for m in range(1, self.sizes[l] + 1))
                    self.add(A(l, i), "a", Recipe(zs, lambda v, r, zs=zs, i=i: _softmax(v, zs, i)), l)
        L, net = self.L, self.net
        for k in range(1, self.sizes[L] + 1):
            e = self.add(f"E{k}", "error", Recipe((A(L, k), Y(k)), lambda v, r, k=k: loss_term(
                net.loss, v(A(L, k)), v(Y(k)))), L)
            if net.loss == "half_sse":
                e.slips.append(Slip("half", e.id, "½ missing", Recipe(
                    (A(L, k), Y(k)), lambda v, r, k=k: (v(A(L, k)) - v(Y(k))) ** 2)))
        terms = tuple(f"E{k}" for k in range(1, self.sizes[L] + 1))
        self.add("E", "total", Recipe(terms, lambda v, r, t=terms: sum((v(q) for q in t), D(0))), L)

    def _linear(self, terms, b) -> Recipe:
        deps = tuple(q for t in terms for q in t) + ((b,) if b else ())

        def fn(v, r):
            total = sum((v(w) * v(src) for w, src in terms), D(0))
            return total + v(b) if b else total
        return Recipe(deps, fn)

    def act_factor(self, l, i, j=None) -> str:
        return dv(A(l, i), Z(l, i if j is None else j))

    def _factors(self):
        L, net = self.L, self.net
        for k in range(1, self.sizes[L] + 1):
            f = self.add(dv(f"E{k}", A(L, k)), "factor", Recipe((A(L, k), Y(k)), lambda v, r, k=k: loss_prime(
                net.loss, v(A(L, k)), v(Y(k)))), L)
            f.slips.append(Slip("sign", f.id, "y − ŷ for ŷ − y", _negate_recipe(f.recipe)))
        for l in range(1, self.L + 1):
            n = self.sizes[l]
            if self.elementwise(l):
                for i in range(1, n + 1):
                    a, z, act = A(l, i), Z(l, i), self.act(l)
                    f = self.add(self.act_factor(l, i), "factor", Recipe(
                        (a, z), lambda v, r, a=a, z=z, act=act: ACT_PRIME[act](v(a), v(z))), l)
                    for kind, (alt, detail) in self.activation_slips(l, i):
                        if kind != "missing_derivative":      # a factor is not left out of itself
                            f.slips.append(Slip(kind, f.id, detail, alt))
            else:
                for i in range(1, n + 1):
                    for j in range(1, n + 1):
                        ai, aj = A(l, i), A(l, j)
                        if i == j:
                            rec = Recipe((ai,), lambda v, r, ai=ai: v(ai) * (1 - v(ai)))
                        else:
                            rec = Recipe((ai, aj), lambda v, r, ai=ai, aj=aj: -v(ai) * v(aj))
                        self.add(dv(ai, Z(l, j)), "factor", rec, l)
            for i in range(1, n + 1):
                for j in range(1, self.sizes[l - 1] + 1):
                    s = SRC(l - 1, j)
                    f = self.add(dv(Z(l, i), W_(l, i, j)), "factor", _same(s), l)
                    for s2 in self.source_alternatives(l - 1, j):
                        f.slips.append(Slip("wrong_source", f.id, f"{s2} for {s}", _same(s2)))
                b = self.bias_id(l, i)
                if b is not None:
                    self.add(dv(Z(l, i), b), "factor", _ONE, l)
            if l >= 2:
                for i in range(1, self.sizes[l - 1] + 1):
                    for k in range(1, n + 1):
                        w = W_(l, k, i)
                        f = self.add(dv(Z(l, k), A(l - 1, i)), "factor", _same(w), l)
                        for kind, alt, detail in self.weight_slips(l, k, i):
                            f.slips.append(Slip(kind, f.id, detail, alt))

    def activation_slips(self, l, i):
        """(kind, (value recipe, detail)) for the activation derivative ∂a_l_i/∂z_l_i."""
        a, z, act = A(l, i), Z(l, i), self.act(l)
        if act not in FROM_Z:
            return []
        return [("sigma", (_same(a), f"{a} for its derivative")),
                ("from_z", (Recipe((z,), lambda v, r, z=z, act=act: r(FROM_Z[act](v(z)))),
                            f"the derivative from {z}")),
                ("missing_derivative", (_ONE, f"∂{a}/∂{z} left out"))]

    def weight_slips(self, l, k, i):
        """(kind, value recipe, detail) for the weight w_l_k_i used as ∂z_l_k/∂a_(l−1)_i."""
        w = W_(l, k, i)
        out = [("wrong_source", _same(w2), f"{w2} ({how}) for {w}")
               for w2, how in self.weight_alternatives(l, k, i)]
        out.append(("early", _same(NEW(w)), f"{NEW(w)} for {w}"))
        return out

    def _adjoints(self):
        L, net = self.L, self.net
        for k in range(1, self.sizes[L] + 1):
            q = self.add(dv("E", A(L, k)), "adjoint", Recipe((A(L, k), Y(k)), lambda v, r, k=k: loss_prime(
                net.loss, v(A(L, k)), v(Y(k)))), L)
            q.slips.append(Slip("sign", q.id, "y − ŷ for ŷ − y", _negate_recipe(q.recipe)))
        for l in range(L, 0, -1):
            n = self.sizes[l]
            if l < L:
                for i in range(1, n + 1):
                    terms = [(dv("E", Z(l + 1, k)), W_(l + 1, k, i)) for k in range(1, self.sizes[l + 1] + 1)]
                    rec = _sum_of_products(terms)
                    q = self.add(dv("E", A(l, i)), "adjoint", rec, l)
                    for k in range(1, self.sizes[l + 1] + 1):
                        for kind, alt, detail in self.weight_slips(l + 1, k, i):
                            q.slips.append(Slip(kind, q.id, detail, substitute(rec, W_(l + 1, k, i), alt)))
                    if len(terms) > 1:
                        for t in terms:
                            q.slips.append(Slip("one_path", q.id, f"only the term of {t[0]}",
                                                _sum_of_products([t])))
            for i in range(1, n + 1):
                adj = dv("E", A(l, i))
                if self.elementwise(l):
                    fac = self.act_factor(l, i)
                    rec = Recipe((adj, fac), lambda v, r, adj=adj, fac=fac: v(adj) * v(fac))
                    q = self.add(dv("E", Z(l, i)), "delta", rec, l)
                    if l == L:
                        q.slips.append(Slip("sign", q.id, "(y − ŷ)·σ′", _negate_recipe(rec)))
                    else:       # δ = σ′·Σ_k δ_k·w_k in one go: the slips of the sum
                        for s in self.nodes[adj].slips:
                            q.slips.append(Slip(s.kind, q.id, f"in {adj}: {s.detail}",
                                                substitute(rec, adj, s.recipe)))
                    for kind, (alt, detail) in self.activation_slips(l, i):
                        q.slips.append(Slip(kind, q.id, detail, substitute(rec, fac, alt)))
                elif self.softmax == "shortcut" and net.loss == "cross_entropy":
                    a, y = A(l, i), Y(i)
                    rec = Recipe((a, y), lambda v, r, a=a, y=y: v(a) - v(y))
                    q = self.add(dv("E", Z(l, i)), "delta", rec, l)
                    q.slips.append(Slip("sign", q.id, "y − ŷ", _negate_recipe(rec)))
                else:
                    terms = [(dv("E", A(l, k)), dv(A(l, k), Z(l, i))) for k in range(1, n + 1)]
                    rec = _sum_of_products(terms)
                    q = self.add(dv("E", Z(l, i)), "delta", rec, l)
                    q.slips.append(Slip("sign", q.id, "y − ŷ for ŷ − y", _negate_recipe(rec)))

    def paths(self, p, l, feeds):
        """The paths from p up to each error term: {k: [[factor ids, from E_k down]]}."""
        out: dict[int, list[list[str]]] = {}

        def up(m, i, below):           # at z_m_i, with the factors below it
            if m == self.L:
                if self.elementwise(m):
                    ks = [i]
                else:
                    ks = range(1, self.sizes[m] + 1)
                for k in ks:
                    fac = [dv(f"E{k}", A(m, k)), dv(A(m, k), Z(m, i))] + below
                    out.setdefault(k, []).append(fac)
                return
            act = self.act_factor(m, i)
            for n in range(1, self.sizes[m + 1] + 1):
                up(m + 1, n, [dv(Z(m + 1, n), A(m, i)), act] + below)

        for i in feeds:
            up(l, i, [dv(Z(l, i), p)])
        return dict(sorted(out.items()))

    def _partials(self):
        for p, l, feeds, j in self.params():
            for k, paths in self.paths(p, l, feeds).items():
                rec = _paths_sum(paths)
                q = self.add(dv(f"E{k}", p), "partial", rec, l)
                first = paths[0][0]
                q.slips.append(Slip("sign", q.id, f"−{first} (y − ŷ)", substitute(rec, first, _negate(first))))
                used = list(dict.fromkeys(f for path in paths for f in path))
                for f in used:
                    num, den = f[1:].split("/d")
                    if num.startswith("a") and den.startswith("z") and num[1:] == den[1:]:
                        ll, ii = (int(t) for t in num[1:].split("_"))
                        for kind, (alt, detail) in self.activation_slips(ll, ii):
                            q.slips.append(Slip(kind, q.id, detail, substitute(rec, f, alt)))
                    elif num.startswith("z") and den.startswith("a"):
                        ll, kk = (int(t) for t in num[1:].split("_"))
                        ii = int(den.split("_")[1])
                        for kind, alt, detail in self.weight_slips(ll, kk, ii):
                            q.slips.append(Slip(kind, q.id, detail, substitute(rec, f, alt)))
                    elif num.startswith("z") and den.startswith("w"):
                        src = SRC(l - 1, j)
                        for s2 in self.source_alternatives(l - 1, j):
                            q.slips.append(Slip("wrong_source", q.id, f"{s2} for {src}",
                                                substitute(rec, f, _same(s2))))
                if len(paths) > 1:
                    for n, path in enumerate(paths, 1):
                        q.slips.append(Slip("one_path", q.id, f"only path {n} ({' · '.join(path)})",
                                            _paths_sum([path])))

    def _gradients(self):
        for p, l, feeds, j in self.params():
            partials = [dv(f"E{k}", p) for k in self.paths(p, l, feeds)]
            if self.grad == "paths":
                rec = Recipe(tuple(partials), lambda v, r, ps=tuple(partials): sum((v(q) for q in ps), D(0)))
                q = self.add(dv("E", p), "gradient", rec, l)
                if len(partials) > 1:
                    for part in partials:
                        q.slips.append(Slip("one_path", q.id, f"only {part}", _same(part)))
            elif j is not None:
                delta, src = dv("E", Z(l, feeds[0])), SRC(l - 1, j)
                rec = Recipe((delta, src), lambda v, r, d_=delta, s=src: v(d_) * v(s))
                q = self.add(dv("E", p), "gradient", rec, l)
                for s2 in self.source_alternatives(l - 1, j):
                    q.slips.append(Slip("wrong_source", q.id, f"{s2} for {src}", substitute(rec, src, _same(s2))))
            else:
                deltas = tuple(dv("E", Z(l, i)) for i in feeds)
                self.add(dv("E", p), "gradient", Recipe(deltas, lambda v, r, ds=deltas: sum((v(q) for q in ds), D(0))), l)

    def _updates(self):
        eta = self.net.eta
        for p, l, feeds, j in self.params():
            g = dv("E", p)
            if not self.trainable(p):
                self.add(NEW(p), "update", _same(p), l, writable=False)
                continue
            q = self.add(NEW(p), "update", Recipe((p, g), lambda v, r, p=p, g=g: v(p) - eta * v(g)), l)
            q.slips.append(Slip("sign", q.id, "+η·∂E/∂p", Recipe((p, g), lambda v, r, p=p, g=g: v(p) + eta * v(g))))
            q.slips.append(Slip("eta", q.id, "η missing", Recipe((p, g), lambda v, r, p=p, g=g: v(p) - v(g))))

    # -- slips of every quantity, with the decimal-point slips
    def slips_at(self, q) -> list[Slip]:
        node = self.nodes[q]
        if not node.writable or not node.recipe.deps:
            return []
        out = list(node.slips)
        out.append(Slip("decimal", q, "×10", _times(node.recipe, D(10))))
        for f, text in ((D(100), "×100"), (D("0.1"), "×0.1"), (D("0.01"), "×0.01")):
            out.append(Slip("decimal", q, text, _times(node.recipe, f), plant=False))
        return out

    def alternatives(self, q, values: Mapping[str, D], rnd: Rnd) -> list[tuple[Slip, D]]:
        """Every value a single slip gives at q (with the student's values of its inputs): the
        slips of q, and those of each quantity it is computed from, carried one step."""
        out = []
        for s in self.slips_at(q):
            try:
                out.append((s, self.value_of(s.recipe, values, rnd)))
            except ArithmeticError:
                pass
        recipe = self.nodes[q].recipe
        for t in recipe.deps:
            if t not in self.nodes:
                continue
            for s in self.slips_at(t):
                try:
                    changed = self.value_of(s.recipe, values, rnd)
                    out.append((s, self.value_of(recipe, {**values, t: changed}, rnd)))
                except ArithmeticError:
                    pass
        return out

    # -- evaluation
    def evaluate(self, rnd: Rnd, slip: Slip | None = None) -> dict[str, D]:
        """Every quantity as the student computes it: each from his own rounded earlier
        values, rounded; with ``slip``, the slipped site computed the slip's way."""
        values: dict[str, D] = {}

        def get(q):
            if q in self.given:
                return self.given[q]
            v = values.get(q)
            if v is None:
                recipe = slip.recipe if slip is not None and q == slip.site else self.nodes[q].recipe
                v = rnd(recipe.fn(get, rnd))
                if v == 0:
                    v = abs(v)
                values[q] = v
            return v

        with decimal.localcontext(_context()):
            for q in self.nodes:
                get(q)
        return {q: values[q] for q in self.nodes}

    def dependents(self, site: str, slip: Slip | None = None) -> set[str]:
        """The quantities computed (directly or not) from ``site``."""
        users: dict[str, set[str]] = {}
        for q, node in self.nodes.items():
            recipe = slip.recipe if slip is not None and q == slip.site else node.recipe
            for dep in recipe.deps:
                users.setdefault(dep, set()).add(q)
        out: set[str] = set()
        todo = [site]
        while todo:
            for u in users.get(todo.pop(), ()):
                if u not in out:
                    out.add(u)
                    todo.append(u)
        return out

    def value_of(self, recipe: Recipe, values: Mapping[str, D], rnd: Rnd) -> D:
        with decimal.localcontext(_context()):
            return rnd(recipe.fn(lambda q: self.given[q] if q in self.given else values[q], rnd))


def _negate_recipe(rec: Recipe) -> Recipe:
    return Recipe(rec.deps, lambda v, r: -rec.fn(v, r))


def _sum_of_products(terms) -> Recipe:
    deps = tuple(dict.fromkeys(q for t in terms for q in t))
    return Recipe(deps, lambda v, r: sum((v(a) * v(b) for a, b in terms), D(0)))


def _product(v, factors) -> D:
    out = D(1)
    for f in factors:
        out *= v(f)
    return out


def _paths_sum(paths) -> Recipe:
    """A partial: one path's product, or the sum of the rounded products of several."""
    deps = tuple(dict.fromkeys(f for path in paths for f in path))
    if len(paths) == 1:
        return Recipe(deps, lambda v, r: _product(v, paths[0]))
    return Recipe(deps, lambda v, r: sum((r(_product(v, path)) for path in paths), D(0)))


def _softmax(v, zs, i) -> D:
    exps = [_exp(v(z)) for z in zs]
    return exps[i - 1] / sum(exps, D(0))


# ----------------------------------------------------------------------------- students

def rounder(d: int | None, mode: str = "round") -> Rnd:
    if d is None:
        return lambda v: +v
    quantum = D(1).scaleb(-d)
    how = decimal.ROUND_HALF_UP if mode == "round" else decimal.ROUND_DOWN
    return lambda v: v.quantize(quantum, rounding=how)


_MODELS: dict[tuple, Model] = {}
_NETS: dict[str, Net] = {}
_VALUES: dict[tuple, dict[str, D]] = {}


def net(name: str) -> Net:
    if name not in _NETS:
        _NETS[name] = read_net(name)
    return _NETS[name]


def routes(name: str) -> list[tuple[str, str]]:
    n = net(name)
    soft = ("chain", "shortcut") if n.layers[-1].act == "softmax" and n.loss == "cross_entropy" else ("chain",)
    return [(g, s) for g in ("paths", "delta") for s in soft]


def model(name: str, grad: str = "paths", softmax: str = "chain") -> Model:
    key = (name, grad, softmax)
    if key not in _MODELS:
        _MODELS[key] = Model(net(name), grad, softmax)
    return _MODELS[key]


def values(name: str, grad: str, softmax: str, d: int | None, mode: str = "round") -> dict[str, D]:
    """A clean student's values (d None: exact)."""
    key = (name, grad, softmax, d, mode if d is not None else "exact")
    if key not in _VALUES:
        _VALUES[key] = model(name, grad, softmax).evaluate(rounder(d, mode))
    return _VALUES[key]


def exact(name: str) -> dict[str, D]:
    return values(name, "paths", "chain", None)


_DRIFT: dict[tuple[str, int], dict[str, D]] = {}


def drift(name: str, d: int) -> dict[str, D]:
    """How far a clean student at d places can be from the exact value, over both rounding
    modes and every route."""
    if (name, d) in _DRIFT:
        return _DRIFT[name, d]
    ex = exact(name)
    out = {q: D(0) for q in ex}
    for g, s in routes(name):
        for mode in ("round", "trunc"):
            for q, v in values(name, g, s, d, mode).items():
                out[q] = max(out[q], abs(v - ex[q]))
    _DRIFT[name, d] = out
    return out


def margin(name: str, d: int, q: str) -> D:
    """Values farther than this from the exact one are told apart from every clean student's."""
    return 2 * drift(name, d)[q] + 3 * D(1).scaleb(-d)


def text(v: D, d: int) -> str:
    """The value as the student writes it: exactly d decimals, trailing zeros kept."""
    with decimal.localcontext(_context()):
        v = v.quantize(D(1).scaleb(-d))
    if v == 0:
        v = abs(v)
    return format(v, "f")


GROUPS = {
    "forward": ("z", "a", "error", "total"),
    "all": ("z", "a", "error", "total", "factor", "adjoint", "delta", "partial", "gradient", "update"),
    "lecture": ("z", "a", "error", "total", "factor", "partial", "gradient", "update"),
    "grads_updates": ("gradient", "update"),
    "forward_delta_grads": ("z", "a", "error", "total", "delta", "gradient"),
    "factors_no_partials": ("z", "a", "error", "total", "factor", "gradient", "update"),
    "delta_route": ("a", "adjoint", "delta", "gradient", "update"),
}
ROUTE_OF = {"lecture": "paths", "factors_no_partials": "paths", "forward_delta_grads": "delta",
            "delta_route": "delta"}


@dataclass
class Sheet:
    network: str
    seed: int
    d: int
    mode: str
    grad: str
    softmax: str
    profile: str
    written: tuple[str, ...]
    values: dict[str, D]            # what the student computed (with the slip)
    clean: dict[str, D]             # the same student without the slip
    slip: Slip | None = None
    dependents: frozenset[str] = frozenset()
    texts: dict[str, str] = field(default_factory=dict)

    def describe(self) -> str:
        route = self.grad + ("/" + self.softmax if len(routes(self.network)) > 2 else "")
        return (f"network={self.network} seed={self.seed} d={self.d} mode={self.mode} route={route} "
                f"profile={self.profile} writes {len(self.written)}; slip: {self.slip or 'none'}")

    def far(self, q: str) -> bool:
        """Is the written value of q told apart from every clean student's?"""
        return abs(self.values[q] - exact(self.network)[q]) > margin(self.network, self.d, q)


def _student(name: str, rng: random.Random):
    d = rng.randint(2, 6)
    mode = rng.choice(("round", "trunc"))
    profile = rng.choice(PROFILES)
    grad = ROUTE_OF.get(profile) or rng.choice(("paths", "delta"))
    soft = rng.choice([s for g, s in routes(name) if g == grad])
    m = model(name, grad, soft)
    writable = [q for q, node in m.nodes.items() if node.writable]
    if profile == "random":
        p = rng.uniform(0.2, 0.8)
        written = [q for q in writable if rng.random() < p]
    else:
        kinds = GROUPS[profile]
        written = [q for q in writable if m.nodes[q].kind in kinds]
        if profile == "forward_delta_grads" and rng.random() < 0.5:
            written += [q for q in writable if m.nodes[q].kind == "update"]
    if not written:
        written = [rng.choice(writable)]
    return d, mode, profile, grad, soft, m, written


def make_sheet(name: str, kind: str | None, seed: int, tries: int = 30) -> Sheet | None:
    """A sheet of the network ``name``: a clean one (kind None) or one with a slip of that
    kind; None when this seed finds no slip of the kind that the checker could tell apart."""
    rng = random.Random(f"{name}:{kind}:{seed}")
    for _ in range(tries):
        d, mode, profile, grad, soft, m, written = _student(name, rng)
        clean = values(name, grad, soft, d, mode)
        if kind is None:
            return _finish(Sheet(name, seed, d, mode, grad, soft, profile, tuple(written), clean, clean))
        candidates: dict[str, list[Slip]] = {}
        for q, node in m.nodes.items():
            for s in m.slips_at(q):
                if s.kind == kind and s.plant:
                    candidates.setdefault(node.kind, []).append(s)
        if not candidates:
            return None
        # the kind of quantity first (a z, a factor, a partial...), then one slip of that kind in it
        slip = rng.choice(candidates[rng.choice(sorted(candidates))])
        sheet = _plant(name, seed, d, mode, grad, soft, profile, m, written, clean, slip)
        if sheet is not None:
            return sheet
    return None


def _plant(name, seed, d, mode, grad, soft, profile, m, written, clean, slip) -> Sheet | None:
    rnd = rounder(d, mode)
    site = slip.site
    written = list(dict.fromkeys(written + [site]))
    if slip.kind == "bias" and site.startswith("a"):
        written = [q for q in written if q != "z" + site[1:]]      # the slip shows first in a
    try:
        v = m.value_of(slip.recipe, clean, rnd)
    except ArithmeticError:
        return None
    ex = exact(name)[site]
    mg = margin(name, d, site)
    if abs(v - ex) <= mg or abs(v - clean[site]) <= 3 * D(1).scaleb(-d):
        return None                                   # indistinguishable from a right value
    for other, ov in m.alternatives(site, clean, rnd):
        if other.kind != slip.kind and abs(ov - v) <= mg:
            return None                               # another slip explains it as well
    try:
        slipped = m.evaluate(rnd, slip)
    except ArithmeticError:
        return None
    deps = m.dependents(site, slip)
    sheet = Sheet(name, seed, d, mode, grad, soft, profile, tuple(q for q in m.nodes if q in written),
                  slipped, clean, slip, frozenset(deps))
    return _finish(sheet)


def _finish(sheet: Sheet) -> Sheet:
    sheet.texts = {q: text(sheet.values[q], sheet.d) for q in sheet.written}
    return sheet


def sheets(name: str, kind: str | None, n: int, start: int = 0) -> list[Sheet]:
    """The first n sheets of the network and kind from seed ``start`` on (deterministic)."""
    out = []
    seed = start
    while len(out) < n and seed < start + 20 * n + 50:
        s = make_sheet(name, kind, seed)
        if s is not None:
            out.append(s)
        seed += 1
    return out


def kinds_for(name: str) -> list[str]:
    """The slip kinds a student can make in this network."""
    found = set()
    for g, s in routes(name):
        m = model(name, g, s)
        for q in m.nodes:
            found |= {x.kind for x in m.slips_at(q) if x.plant}
    return [k for k in KINDS if k in found]


# ----------------------------------------------------------------------------- judging

_SOLUTIONS: dict[str, tuple] = {}


def solution(name: str):
    if name not in _SOLUTIONS:
        from symbackprop import load_spec, solve
        _SOLUTIONS[name] = solve(load_spec(NETWORKS[name]), rounding="hand")
    return _SOLUTIONS[name]


def answers(sheet: Sheet):
    from symbackprop.check.answers import Answer, read_value
    out = []
    for q in sheet.written:
        value, places = read_value(sheet.texts[q], "sheet")
        out.append(Answer(q, q, sheet.texts[q], value, places, q))
    return out


def judge(sheet: Sheet, check=None, options=None):
    if check is None or options is None:
        from symbackprop.check.judge import Options
        from symbackprop.check.judge import check as real_check
        check = check or real_check
        options = options or Options(min_decimals=2)
    return check(solution(sheet.network), answers(sheet), options)


@dataclass
class Outcome:
    answers: int = 0
    false_alarms: list[str] = field(default_factory=list)   # right or carried values marked wrong
    misses: list[str] = field(default_factory=list)         # the slip not marked wrong
    diagnoses: list[str] = field(default_factory=list)      # marked wrong with another diagnosis
    carries: list[str] = field(default_factory=list)        # a carried value not followed to its root
    diagnosed_right: int = 0

    @property
    def ok(self) -> bool:
        return not (self.false_alarms or self.misses or self.diagnoses or self.carries)

    def lines(self) -> list[str]:
        return ([f"FALSE ALARM {x}" for x in self.false_alarms] + [f"MISSED {x}" for x in self.misses]
                + [f"DIAGNOSIS {x}" for x in self.diagnoses] + [f"CARRY {x}" for x in self.carries])


def _item_text(sheet: Sheet, item) -> str:
    diag = item.diagnosis
    d = "-" if diag is None else f"{diag.kind}" + (f" (used {diag.used})" if getattr(diag, "used", None) else "")
    ex = exact(sheet.network)[item.quantity]
    roots = f" roots={','.join(item.roots)}" if item.roots else ""
    return (f"{item.quantity}: given {item.given_text}, exact {ex:.{sheet.d + 3}f}, a clean student "
            f"{text(sheet.clean[item.quantity], sheet.d)}; verdict {item.verdict}{roots}, diagnosis {d}")


def grade(sheet: Sheet, report) -> Outcome:
    """What the checker got right and wrong on one sheet."""
    items = {i.quantity: i for i in report.items}
    out = Outcome(answers=len(items))
    fine = ("correct", "rounding")
    site = sheet.slip.site if sheet.slip else None
    for q in sheet.written:
        item = items.get(q)
        if item is None:
            out.false_alarms.append(f"{q}: not judged")
            continue
        if q == site:
            if item.verdict != "wrong":
                out.misses.append(_item_text(sheet, item))
            elif item.diagnosis is None or item.diagnosis.kind != sheet.slip.kind:
                out.diagnoses.append(_item_text(sheet, item) + f" — planted {sheet.slip}")
            else:
                out.diagnosed_right += 1
        elif q in sheet.dependents:
            if item.verdict == "wrong":
                out.false_alarms.append(_item_text(sheet, item) + f" — carried from {site}")
            elif item.verdict == "carried_forward" and site not in item.roots:
                out.carries.append(_item_text(sheet, item) + f" — carried from {site}")
            elif item.verdict in fine and sheet.far(q):
                out.carries.append(_item_text(sheet, item) + f" — far from right, carried from {site}")
        elif item.verdict not in fine:
            out.false_alarms.append(_item_text(sheet, item) + (" — independent of the slip" if site else ""))
    return out


def failures(sheets_: Iterable[Sheet], check=None, options=None, lines: int = 8) -> list[str]:
    """A readable account of every sheet the checker got wrong (``lines`` items each)."""
    out = []
    for s in sheets_:
        o = grade(s, judge(s, check, options))
        if not o.ok:
            found = o.lines()
            more = f"\n    ... and {len(found) - lines} more" if len(found) > lines else ""
            out.append(f"{s.describe()}\n    reproduce: students.make_sheet({s.network!r}, "
                       f"{s.slip.kind if s.slip else None!r}, {s.seed})\n    "
                       + "\n    ".join(found[:lines]) + more)
    return out


# ----------------------------------------------------------------------------- counts

#: (clean sheets, sheets per slip kind) of each network in the tests and the table: fewer of
#: the numbered lecture (the same numbers under other names) and of the 3-3-3-2 network (the
#: checker takes longest over its 130-answer sheets).
SHEETS = {"lecture": (30, 12), "numbered": (20, 6), "deep": (12, 5), "softmax": (24, 10)}


def run_counts(check=None, options=None, networks=None, clean: int | None = None,
               per_kind: int | None = None, out=sys.stdout, examples: int = 0) -> dict:
    """Print a table: per network and slip kind, sheets, answers, false alarms (right or
    carried values marked wrong), misses (the planted slip not marked wrong), diagnoses right,
    carries lost (a carried value far from right not followed to the slip); then per kind."""
    rows: dict[tuple[str, str], list[int]] = {}
    shown: list[str] = []
    for name in networks or NETWORKS:
        for kind in [None] + kinds_for(name):
            n = (clean or SHEETS[name][0]) if kind is None else (per_kind or SHEETS[name][1])
            row = rows.setdefault((name, kind or "clean"), [0] * 7)
            for s in sheets(name, kind, n):
                o = grade(s, judge(s, check, options))
                row[0] += 1
                row[1] += o.answers
                row[2] += len(o.false_alarms)
                row[3] += len(o.misses)
                row[4] += o.diagnosed_right
                row[5] += 0 if kind is None else 1
                row[6] += len(o.carries)
                if not o.ok and len(shown) < examples:
                    shown.extend(failures([s], check, options))
    head = f"{'network':<9} {'slip':<19} {'sheets':>6} {'answers':>7} {'false alarms':>12} " \
           f"{'misses':>6} {'diagnoses right':>15} {'carries lost':>12}"
    print(head, file=out)
    print("-" * len(head), file=out)

    def line(a, b, r):
        diag = "-" if b == "clean" else f"{r[4]}/{r[5]}"
        print(f"{a:<9} {b:<19} {r[0]:>6} {r[1]:>7} {r[2]:>12} {r[3]:>6} {diag:>15} {r[6]:>12}", file=out)

    for (name, kind), r in rows.items():
        line(name, kind, r)
    print("-" * len(head), file=out)
    per_kind_rows: dict[str, list[int]] = {}
    for (name, kind), r in rows.items():
        acc = per_kind_rows.setdefault(kind, [0] * 7)
        for i, x in enumerate(r):
            acc[i] += x
    for kind in ["clean", *KINDS]:
        if kind in per_kind_rows:
            line("all", kind, per_kind_rows[kind])
    total = [sum(r[i] for r in rows.values()) for i in range(7)]
    print("-" * len(head), file=out)
    line("all", "all", total)
    for s in shown:
        print("\n" + s, file=out)
    return {"rows": rows, "total": total}


if __name__ == "__main__":
    import argparse
    parser = argparse.ArgumentParser(description="The student simulator's counts against the checker.")
    parser.add_argument("--examples", type=int, default=0, help="print this many failing sheets")
    parser.add_argument("--clean", type=int, default=None, help="clean sheets per network")
    parser.add_argument("--per-kind", type=int, default=None, help="sheets per network and slip kind")
    parser.add_argument("--network", action="append", choices=list(NETWORKS))
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    run_counts(networks=args.network, clean=args.clean, per_kind=args.per_kind, examples=args.examples)

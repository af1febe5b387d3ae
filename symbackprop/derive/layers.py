"""The modular view of deck 001, and the vectorized view of the end of deck 000.

A sequential network is a list of modules — Linear (y = Wx + b), Activation (y = g(x),
elementwise or softmax) and Loss — each with a forward that stores what its backward uses,
and a backward that turns ∂E/∂y into ∂E/∂x = ∂E/∂y · ∂y/∂x and, for parameters,
∂E/∂p = ∂E/∂y · ∂y/∂p. In matrix form: ∂y/∂x = W, ∂a/∂z = diag(g′(z)) (a full Jacobian for
softmax), ∂E/∂W = δ xᵀ, ∂E/∂x = Wᵀ δ. At the end, deck 001's gradient descent: every
linear module's new W = W − η ∂E/∂W (and b, unless the spec keeps the biases fixed).

This is a second, independent computation of the same gradients (vectors and matrices in
exact decimals, no SymPy graph): the tests check it against the network mode.

    view = layer_view(spec)
    view.modules[-3].grads["W"]   # ∂E/∂W of the output layer (summed over the batch)
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

import sympy

from ..core.evaluate import evaluate
from ..core.exact import exact
from ..core.ops import ACTIVATIONS, LOSSES, PENALTIES, softmax_forward
from ..errors import SpecError
from ..spec.reading import Regularization, Spec

__all__ = ["Module", "LayerView", "layer_view", "WIDTH_LIMIT"]

#: The widest layer the layer view handles (its Jacobians have width² entries).
WIDTH_LIMIT = 64

Vector = tuple[Decimal, ...]
Matrix = tuple[tuple[Decimal, ...], ...]


@dataclass(frozen=True)
class Module:
    kind: str                          # linear, activation, loss
    layer: int                         # 1..L (the loss: L)
    label: str                         # Linear, sigmoid, half_sse...
    x: tuple[Vector, ...]              # input, per example
    y: tuple[Vector, ...]              # output, per example (the loss: (E,))
    dy: tuple[Vector, ...]             # ∂E/∂y per example (the loss: (1,))
    dx: tuple[Vector, ...]             # ∂E/∂x per example
    jacobian: Matrix                   # ∂y/∂x of the first example
    params: dict[str, Matrix] = field(default_factory=dict)   # W, b (as column when per neuron)
    grads: dict[str, Matrix] = field(default_factory=dict)    # ∂E/∂W, ∂E/∂b, summed over examples
    slope: Decimal | None = None       # an activation's parameter (leaky_relu's slope)
    new: dict[str, Matrix] = field(default_factory=dict)      # W, b after one step (b: if trained)

    @property
    def shape(self) -> tuple[int, int]:
        return len(self.y[0]), len(self.x[0])


@dataclass(frozen=True)
class LayerView:
    modules: tuple[Module, ...]        # forward order: Linear 1, act 1, ..., Linear L, act L, loss
    E: Decimal                         # the loss, penalty included
    targets: tuple[Vector, ...] = ()   # y, per example
    penalty: Decimal = Decimal(0)      # the penalty's part of E (0 without one)
    scale: Decimal = Decimal(1)        # 1/N with reduction: mean, else 1
    regularization: Regularization = field(default_factory=Regularization)
    inputs: tuple[Vector, ...] = ()    # x, per example
    learning_rate: Decimal = Decimal(0)   # η of the update W - η ∂E/∂W
    update_biases: bool = True         # False: the biases keep their values (the lectures' choice)

    @property
    def layers(self) -> int:
        return self.modules[-1].layer

    @property
    def examples(self) -> int:
        return len(self.modules[0].x)

    def gradients(self) -> dict[str, Decimal]:
        """The same gradients keyed by canonical ids (w2_1_1, b1, b1_2...)."""
        return self._by_id(lambda m: m.grads)

    def updated(self) -> dict[str, Decimal]:
        """The parameters after the step, keyed by canonical ids: a fixed bias keeps its value."""
        return self._by_id(lambda m: {"b": m.params["b"], **m.new} if "b" in m.params else m.new)

    def _by_id(self, table) -> dict[str, Decimal]:
        out: dict[str, Decimal] = {}
        for m in self.modules:
            if m.kind != "linear":
                continue
            values = table(m)
            for i, row in enumerate(values["W"], start=1):
                for j, v in enumerate(row, start=1):
                    out[f"w{m.layer}_{i}_{j}"] = v
            if "b" in values:
                b = values["b"]
                if len(b) == 1 and m.params["shared"]:
                    out[f"b{m.layer}"] = b[0][0]
                else:
                    out.update({f"b{m.layer}_{i}": r[0] for i, r in enumerate(b, start=1)})
        return out


def _matvec(W: Matrix, x: Vector) -> Vector:
    return tuple(sum((w * v for w, v in zip(row, x)), Decimal(0)) for row in W)


def _transpose(W: Matrix) -> Matrix:
    return tuple(zip(*W))


def layer_view(spec: Spec, params: dict[str, Decimal] | None = None) -> LayerView:
    """Forward through every module, then backward from the loss, example by example.

    Each activation's Jacobian is width × width, so layers wider than ``WIDTH_LIMIT`` are
    refused (as are specs beyond the exact derivation's limit)."""
    spec.require_derivable()
    spec.refuse("dropout", "the layer view")
    spec.refuse("residual", "the layer view")
    spec.refuse("batch_norm", "the layer view")
    widest = max([spec.n_inputs] + [l.units for l in spec.layers])
    if widest > WIDTH_LIMIT:
        raise SpecError(spec.source, "layers", f"the layer view writes every Jacobian (width × width) and "
                                               f"is made for layers of at most {WIDTH_LIMIT} units; this "
                                               f"network has a layer of {widest}")
    with exact():
        return _view(spec, params)


def _view(spec: Spec, params: dict[str, Decimal] | None) -> LayerView:
    L = len(spec.layers)
    N = spec.n_examples
    scale = Decimal(1) / N if spec.reduction == "mean" else Decimal(1)
    weights: list[Matrix] = []
    biases: list[Vector | None] = []
    for l, layer in enumerate(spec.layers, start=1):
        W = tuple(tuple((params or {}).get(f"w{l}_{i}_{j}", v) for j, v in enumerate(row, start=1))
                  for i, row in enumerate(layer.weights, start=1))
        weights.append(W)
        if layer.bias is None:
            biases.append(None)
        elif isinstance(layer.bias, Decimal):
            biases.append(((params or {}).get(f"b{l}", layer.bias),))
        else:
            biases.append(tuple((params or {}).get(f"b{l}_{i}", v) for i, v in enumerate(layer.bias, start=1)))

    # forward, storing what the backward uses
    xs = [tuple(row) for row in spec.inputs]
    records = []                       # (layer, x, z, a) per layer, per example
    for l, layer in enumerate(spec.layers, start=1):
        W, b = weights[l - 1], biases[l - 1]
        zs = []
        for x in xs:
            z = _matvec(W, x)
            if b is not None:
                z = tuple(v + (b[0] if len(b) == 1 else b[i]) for i, v in enumerate(z))
            zs.append(z)
        acts = [_activate(layer, z) for z in zs]
        records.append((xs, zs, acts))
        xs = acts
    K = spec.layers[-1].units
    loss = LOSSES[spec.loss]
    a_sym, y_sym = sympy.Symbol("a"), sympy.Symbol("y")
    term, dterm = loss.term(a_sym, y_sym, K), loss.named(a_sym, y_sym, K)
    E = Decimal(0)
    dys: list[Vector] = []
    for a, t in zip(xs, spec.targets):
        for ak, yk in zip(a, t):
            E += scale * evaluate(term, {"a": ak, "y": yk})
        dys.append(tuple(scale * evaluate(dterm, {"a": ak, "y": yk}) for ak, yk in zip(a, t)))
    penalty, penalty_grad = _penalty(spec, weights, biases)
    E += penalty

    modules: list[Module] = [Module("loss", L, spec.loss, tuple(xs), ((E,),) * N,
                                    ((Decimal(1),),) * N, tuple(dys), (dys[0],))]
    upstream = dys
    for l in range(L, 0, -1):
        layer = spec.layers[l - 1]
        xs_l, zs, acts = records[l - 1]
        # activation: ∂E/∂z = ∂E/∂a · ∂a/∂z
        jac = [_jacobian(layer, z, a) for z, a in zip(zs, acts)]
        dz = [tuple(sum((g * jac_k[k][j] for k, g in enumerate(up)), Decimal(0))
                    for j in range(len(z))) for up, z, jac_k in zip(upstream, zs, jac)]
        act_module = Module("activation", l, layer.activation, tuple(zs), tuple(acts), tuple(upstream),
                            tuple(dz), jac[0], slope=layer.slope)
        # linear: ∂E/∂W = δ xᵀ, ∂E/∂b = δ, ∂E/∂x = Wᵀ δ
        W, b = weights[l - 1], biases[l - 1]
        gW = [[Decimal(0)] * len(W[0]) for _ in W]
        for d, x in zip(dz, xs_l):
            for i, di in enumerate(d):
                for j, xj in enumerate(x):
                    gW[i][j] += di * xj
        for (i, j), g in penalty_grad.get(l, {}).items():
            gW[i][j] += g
        grads = {"W": tuple(tuple(r) for r in gW)}
        lin_params: dict = {"W": W, "shared": b is not None and len(b) == 1 and isinstance(layer.bias, Decimal)}
        if b is not None:
            if len(b) == 1 and isinstance(layer.bias, Decimal):
                gb = ((sum((v for d in dz for v in d), Decimal(0)),),)
            else:
                gb = tuple((sum((d[i] for d in dz), Decimal(0)),) for i in range(len(b)))
            extra = penalty_grad.get((l, "b"))
            if extra is not None:
                gb = tuple((g[0] + e,) for g, e in zip(gb, extra))
            grads["b"] = gb
            lin_params["b"] = tuple((v,) for v in b)
        dx = tuple(_matvec(_transpose(W), d) for d in dz)
        # gradient descent, one step: what the network mode's new_w/new_b are
        eta = spec.learning_rate
        new = {"W": tuple(tuple(w - eta * g for w, g in zip(rw, rg)) for rw, rg in zip(W, grads["W"]))}
        if b is not None and spec.update_biases:
            new["b"] = tuple((v[0] - eta * g[0],) for v, g in zip(lin_params["b"], grads["b"]))
        lin_module = Module("linear", l, "Linear", tuple(xs_l), tuple(zs), tuple(dz), dx, W,
                            lin_params, grads, new=new)
        modules += [act_module, lin_module]
        upstream = list(dx)
    return LayerView(tuple(reversed(modules)), E, tuple(tuple(t) for t in spec.targets), penalty, scale,
                     spec.regularization, tuple(tuple(x) for x in spec.inputs), spec.learning_rate,
                     spec.update_biases)


def _activate(layer, z: Vector) -> Vector:
    if layer.activation == "softmax":
        zs = sympy.symbols(f"z0:{len(z)}")
        env = {s.name: v for s, v in zip(zs, z)}
        return tuple(evaluate(softmax_forward(zs, k), env) for k in range(len(z)))
    rule = ACTIVATIONS[layer.activation]
    s = sympy.Symbol("z")
    slope = sympy.Rational(str(layer.slope)) if layer.slope is not None else 0
    f = rule.forward(s, slope)
    return tuple(evaluate(f, {"z": v}) for v in z)


def _jacobian(layer, z: Vector, a: Vector) -> Matrix:
    n = len(z)
    if layer.activation == "softmax":
        return tuple(tuple(a[k] * ((1 if k == j else 0) - a[j]) for j in range(n)) for k in range(n))
    rule = ACTIVATIONS[layer.activation]
    slope = sympy.Rational(str(layer.slope)) if layer.slope is not None else 0
    d = rule.named(sympy.Symbol("a"), sympy.Symbol("z"), slope)
    diag = [evaluate(d, {"a": av, "z": zv}) for av, zv in zip(a, z)]
    return tuple(tuple(diag[k] if k == j else Decimal(0) for j in range(n)) for k in range(n))


def _penalty(spec: Spec, weights, biases):
    reg = spec.regularization
    total = Decimal(0)
    grads: dict = {}
    if not reg.active:
        return total, grads

    lam_s, w_s = sympy.Symbol("lam"), sympy.Symbol("w")
    forms = [(getattr(reg, name), p.value(lam_s, w_s), p.derivative(lam_s, w_s))
             for name, p in PENALTIES.items() if getattr(reg, name) is not None]

    def add(v: Decimal) -> tuple[Decimal, Decimal]:
        value, grad = Decimal(0), Decimal(0)
        for lam, form, derivative in forms:
            value += evaluate(form, {"lam": lam, "w": v})
            grad += evaluate(derivative, {"lam": lam, "w": v})
        return value, grad

    for l, W in enumerate(weights, start=1):
        grads[l] = {}
        for i, row in enumerate(W):
            for j, v in enumerate(row):
                value, g = add(v)
                total += value
                grads[l][(i, j)] = g
        b = biases[l - 1]
        if reg.include_biases and b is not None:
            parts = [add(v) for v in b]
            total += sum((p[0] for p in parts), Decimal(0))
            grads[(l, "b")] = tuple(p[1] for p in parts)
    return total, grads

"""The layer-by-layer view (``solve --view layers``): its frames, shared by text and LaTeX, and its JSON.

First the module rule and the network with its data (the spec's input x and target y);
forward: every module's y = f(x) with its vectors; backward, from the loss: every module's
∂E/∂x = ∂E/∂y · ∂y/∂x with its Jacobian, and for the linear modules ∂E/∂W = δ aᵀ and ∂E/∂b,
in deck 001's order (dE/dW3, dE/dB3, ..., dE/dW1, dE/dB1); last, deck 001's gradient descent
W ← W − η ∂E/∂W for every linear module, with the spec's η and the new values.

Each layer is named by its own input: layer l reads a^{[l-1]}, and only layer 1 reads
x = a^{[0]}. A shared bias (one number b^{[l]} per layer, as in the lectures) is written
b^{[l]}·1, added to every neuron, and its gradient is the sum of the layer's δ's. The general
formulas of the loss and the activations come from the table of operations (core/ops), printed
through SymPy; the numbers come from :class:`~symbackprop.derive.layers.LayerView`.

Text (:mod:`.layers_text`) and LaTeX (:mod:`.layers_context`) are two spellings of the same
frames (:func:`frames`): every formula is a :class:`Piece` with both, so that the two cannot
drift apart. In a batch the vectors shown are those of the first example; parameter gradients
are summed over the examples.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import sympy

from ..core.ops import (
    ACTIVATIONS,
    DERIVED,
    LOSSES,
    PENALTIES,
    softmax_derivative,
    softmax_forward,
)
from ..derive.layers import LayerView, Module
from .i18n import say
from .layer_pieces import (
    Piece, _join, _eq, _eq2, _sum, _fit,
    _then, _mul, _name, _input, _d, _E,
    _ONES, _dE, _num, _factor, _column, _col,
    _row, _mat, _jacobian, _whole, _words,
    _formula, _slope_names, _activation_rule, _say,
    _heading, _A, _Y, _Z, _P,
)

__all__ = ["Frame", "Piece", "frames", "layers_data"]



# ----------------------------------------------------------------------------- frames

@dataclass(frozen=True)
class Frame:
    """One frame of the view: a module in one direction, or the overview (``module`` -1).
    ``items`` are ("math", Piece), ("note", Piece) or ("figure", _): where the frame's picture
    goes (drawn in LaTeX only; the text leaves it out)."""
    direction: str                     # overview, data, forward, backward, update
    module: int                        # index into view.modules
    heading: str
    items: tuple[tuple[str, Piece], ...]
    title: str = ""                    # the frame's own title, if not its direction's (a note)


def frames(view: LayerView, language: str, decimals: int) -> tuple[Frame, ...]:
    """The whole view, in the order it is taught: what a module does, the network with its
    data, forward through every module to the loss, backward from the loss to the first
    layer, and deck 001's gradient descent, one linear module at a time."""
    out = [Frame("overview", -1, say(language, "layers_modules"), tuple(_overview(view, language))),
           Frame("data", -1, say(language, "layers_network_data"), tuple(_data(view, language, decimals))),
           Frame("data", -1, say(language, "layers_parameters"), tuple(_parameters(view, language, decimals)),
                 say(language, "layers_parameters"))]
    for i, m in enumerate(view.modules):
        out.append(Frame("forward", i, _heading(m, language), tuple(_forward(view, m, language, decimals))))
    derived: set[str] = set()
    for i in range(len(view.modules) - 1, -1, -1):
        m = view.modules[i]
        prev = _heading(view.modules[i - 1], language) if i > 0 else None
        if m.kind == "activation" and m.label in DERIVED and m.label not in derived:
            # deck 003 derives σ′ = σ(1 − σ) before it uses it: once, before its first backward
            derived.add(m.label)
            out.append(Frame("backward", i, _heading(m, language), tuple(_derivation(m, language)),
                             say(language, "tex_rule_title", name=ACTIVATIONS[m.label].words[language])))
        for items in _backward(view, m, language, decimals, prev):
            out.append(Frame("backward", i, _heading(m, language), tuple(items)))
    linear = [i for i, m in enumerate(view.modules) if m.kind == "linear"]
    for i in linear:
        out.append(Frame("update", i, _heading(view.modules[i], language),
                         tuple(_update(view, view.modules[i], language, decimals, first=i == linear[0]))))
    return tuple(out)


def _overview(view: LayerView, language: str) -> list[tuple[str, Piece]]:
    """What the network computes, as the chain of modules drawn above it, then what every
    module does, forward and backward (deck 001's modular rule, drawn as a figure). The rule's
    module reads u and writes v: x and y are the network's input and target in this deck."""
    u, v, p = Piece("u", "u"), Piece("v", "v"), Piece("p", "p")
    yhat = _name("ŷ")
    return [("note", _say(language, "layers_network", yhat=yhat)),
            ("math", _eq(yhat, _network(view))),
            ("figure", Piece("", "", math=False)),
            ("note", _say(language, "layers_rule_forward", u=u, v=_whole(_eq(v, Piece("f(u)", "f(u)"))))),
            ("note", _say(language, "layers_rule_backward", dv=_dE(v, True), du=_dE(u, True),
                          dp=_dE(p, True), p=p)),
            ("math", _then(_eq(_dE(u), _mul(_dE(v), _d(v, u))), _eq(_dE(p), _mul(_dE(v), _d(v, p)))))]


def _network(view: LayerView) -> Piece:
    """The network as one formula, layer inside layer, as the modules compute it:
    σ(W^{[2]} σ(W^{[1]} x + b^{[1]} 𝟏) + b^{[2]} 𝟏) (a bias as the forward frames write it;
    a linear activation adds nothing)."""
    inner = _name("x")
    wrapped = True                           # the input is a single name: no parentheses after W
    for m in view.modules:
        if m.kind == "linear":
            l = m.layer
            arg = inner if wrapped else Piece(r"\left(" + inner.tex + r"\right)", f"({inner.text})")
            terms = [_mul(_name("W", l), arg)]
            if "b" in m.params:
                terms.append(_mul(_name("b", l), _ONES) if m.params["shared"] else _name("b", l))
            inner, wrapped = _join(terms, " + ", " + "), len(terms) == 1
        elif m.kind == "activation":
            if m.label == "linear":
                continue
            tex, text = ((r"\operatorname{softmax}", "softmax") if m.label == "softmax"
                         else (ACTIVATIONS[m.label].latex, ACTIVATIONS[m.label].text))
            inner = Piece(tex + r"\left(" + inner.tex + r"\right)", f"{text}({inner.text})")
            wrapped = True
    return inner


#: Examples shown one column each on the data frame; more are shown by their first.
DATA_COLUMNS = 4


def _data(view: LayerView, language: str, decimals: int) -> list[tuple[str, Piece]]:
    """The network's names (a^{[0]} = x, ŷ = a^{[L]}) and its data: the input x and the
    expected output y that the loss compares ŷ with (the spec's inputs and targets)."""
    x, y, yhat = _name("x"), _name("y"), _name("ŷ")
    N = view.examples
    n = Piece(str(N), str(N))
    items = [("figure", Piece("", "", math=False)),
             ("note", _say(language, "layers_names", input=Piece("a^{[l-1]}", "a[l-1]"), a0=_name("a", 0),
                           x=x, yhat=yhat, aL=_name("a", view.layers)))]
    if N == 1 or N > DATA_COLUMNS:
        key = "layers_data" if N == 1 else "layers_data_first"
        shown_x, shown_y = (x, y) if N == 1 else (_name("x", example=1), _name("y", example=1))
        items.append(("note", _say(language, key, x=shown_x, y=shown_y, yhat=yhat, n=n)))
        items.append(("math", _then(_eq(shown_x, _col(view.inputs[0], decimals)),
                                    _eq(shown_y, _col(view.targets[0], decimals)))))
    else:
        items.append(("note", _say(language, "layers_data_batch", x=x, y=y, yhat=yhat, n=n)))
        items.append(("math", _then(_eq(_examples("x", N), _mat(_transpose(view.inputs), decimals)),
                                    _eq(_examples("y", N), _mat(_transpose(view.targets), decimals)))))
    if N > 1:
        items.append(("note", _say(language, "layers_batch", n=n)))
    return items


#: The largest weight matrix the parameters frame writes out (rows and columns).
PARAMETER_SIZE = 4


def _parameters(view: LayerView, language: str, decimals: int) -> list[tuple[str, Piece]]:
    """Every layer's W^{[l]} and b^{[l]} as the spec gives them, and the learning rate η:
    what the lecture's "La red" list gives besides the data (review r5: the data frame gave
    only x and y). A layer wider than PARAMETER_SIZE is given by its shapes."""
    eta = Piece(r"\eta", "η")
    linear = [m for m in view.modules if m.kind == "linear"]
    small = all(max(m.shape) <= PARAMETER_SIZE for m in linear)
    items = [("note", _say(language, "layers_parameters_note" if small else "layers_parameters_large", eta=eta))]
    for m in linear:
        l = m.layer
        n_out, n_in = m.shape
        W = (_eq(_name("W", l), _mat(m.params["W"], decimals)) if small else
             Piece(rf"W^{{[{l}]}} \in \mathbb{{R}}^{{{n_out}\times{n_in}}}", f"W[{l}] ∈ ℝ^({n_out}×{n_in})"))
        if "b" not in m.params:
            items.append(("math", W))
            continue
        b = m.params["b"]
        if m.params["shared"]:
            bias = _eq(_name("b", l), _num(b[0][0], decimals))
        elif small:
            bias = _eq(_name("b", l), _col([r[0] for r in b], decimals))
        else:
            bias = Piece(rf"b^{{[{l}]}} \in \mathbb{{R}}^{{{n_out}}}", f"b[{l}] ∈ ℝ^{n_out}")
        items.append(("math", _then(W, bias)))
    items.append(("math", _eq(eta, _num(view.learning_rate, decimals))))
    return items


def _examples(base: str, count: int) -> Piece:
    """(x^{(1)} x^{(2)} …): the examples side by side, one column each."""
    names = [_name(base, example=n) for n in range(1, count + 1)]
    return Piece(r"\begin{pmatrix}" + " & ".join(p.tex for p in names) + r"\end{pmatrix}",
                 "[" + " ".join(p.text for p in names) + "]")


def _forward(view: LayerView, m: Module, language: str, decimals: int) -> list[tuple[str, Piece]]:
    l = m.layer
    if m.kind == "linear":
        W, z, b = _name("W", l), _name("z", l), _name("b", l)
        n_out, n_in = m.shape
        shape = Piece(rf"W^{{[{l}]}} \in \mathbb{{R}}^{{{n_out}\times{n_in}}}", f"W[{l}] ∈ ℝ^({n_out}×{n_in})")
        Wx = _mul(W, _input(l))
        numbers = _mul(_mat(m.params["W"], decimals), _col(m.x[0], decimals))
        items: list[tuple[str, Piece]] = []
        if "b" not in m.params:
            items.append(("math", _then(_eq(z, Wx), shape)))
        elif m.params["shared"]:
            b_value = m.params["b"][0][0]
            items.append(("math", _then(_eq(z, _join([Wx, _mul(b, _ONES)], " + ", " + ")), shape,
                                        Piece(rf"b^{{[{l}]}} \in \mathbb{{R}}", f"b[{l}] ∈ ℝ"))))
            items.append(("note", _say(language, "layers_shared_bias", b=b, ones=_ONES)))
            numbers = _join([numbers, _mul(_factor(b_value, decimals), _column([_num(Decimal(1), 0)] * n_out))],
                            " + ", " + ")
        else:
            items.append(("math", _then(_eq(z, _join([Wx, b], " + ", " + ")), shape,
                                        Piece(rf"b^{{[{l}]}} \in \mathbb{{R}}^{{{n_out}}}", f"b[{l}] ∈ ℝ^{n_out}"))))
            numbers = _join([numbers, _col([r[0] for r in m.params["b"]], decimals)], " + ", " + ")
        items.append(("math", _fit(z, [numbers], [_col(m.y[0], decimals)], n_out)))
        return items
    if m.kind == "activation":
        a, z = _name("a", l), _name("z", l)
        # the output layer's activation is the network's output: ŷ = a^{[L]}, as deck 003 writes it
        out = _eq(_name("ŷ"), a) if l == view.layers else a
        if m.label == "softmax":
            n = len(m.x[0])
            zs = sympy.symbols(f"z1:{n + 1}")
            names = {s.name: _name("z", l, sub=str(k)) for k, s in enumerate(zs, start=1)}
            return [("math", _eq(_name("a", l, sub="1"), _formula(softmax_forward(zs, 0), names))),
                    ("note", _say(language, "layers_softmax_forward", a=_name("a", l, sub="k"),
                                  z=_name("z", l, sub="j"))),
                    ("math", _eq(out, _col(m.y[0], decimals)))]
        rule = _activation_rule(m)
        forward = rule.forward(_Z, _P if rule.parameter else 0)
        names = {"z": z, **_slope_names(m, decimals)}
        if forward == _Z:                       # the identity: a = z, nothing to apply
            return [("math", _eq(out, z, _col(m.y[0], decimals)))]
        each = _column([_formula(forward, names, {"z": v}, decimals) for v in m.x[0]])
        return [("math", _eq(out, _formula(forward, names))),
                ("note", _say(language, "layers_elementwise", z=z)),
                ("math", _eq(out, each, _col(m.y[0], decimals)))]
    return _loss_forward(view, m, language, decimals)


def _loss_forward(view: LayerView, m: Module, language: str, decimals: int) -> list[tuple[str, Piece]]:
    loss = LOSSES[m.label]
    K = len(m.x[0])
    N = view.examples
    batch = N > 1
    yk = Piece("y_{k}" if not batch else "y^{(n)}_{k}", "y_k" if not batch else "y(n)_k")
    yhat = Piece(r"\hat{y}_{k}" if not batch else r"\hat{y}^{(n)}_{k}", "ŷ_k" if not batch else "ŷ(n)_k")
    term = _formula(loss.written(_A, _Y, K), {"a": yhat, "y": yk})
    sums = Piece(rf"\sum_{{k=1}}^{{{K}}} ", "Σ_k ")
    if batch:
        sums = _join([Piece(rf"\sum_{{n=1}}^{{{N}}}", "Σ_n"), sums], " ", " ")
        if view.scale != 1:
            sums = _join([Piece(rf"\frac{{1}}{{{N}}}", f"1/{N}·"), sums], " ", "")
    general = _join([sums, term], "", "")
    if view.regularization.active:
        general = _join([general, Piece("R", "R")], " + ", " + ")
    items = [("math", _then(_eq(_E, general), _eq(Piece(r"\hat{y}", "ŷ"), _name("a", view.layers))))]
    if view.regularization.active:
        items.append(("math", _penalty_formula(view, decimals)))
        key = "layers_penalty_biases" if view.regularization.include_biases else "layers_penalty"
        items.append(("note", _say(language, key, R=Piece("R", "R"))))
    if not batch and K <= 4:
        terms = [_formula(loss.written(_A, _Y, K), {}, {"a": a, "y": y}, decimals)
                 for a, y in zip(m.x[0], view.targets[0])]
        if view.regularization.active:
            terms.append(_num(view.penalty, decimals))
        # three terms or more do not fit on one line with the value
        items.append(("math", _eq2(_E, [_sum(terms)], [_num(view.E, decimals)]) if len(terms) > 2
                      else _eq(_E, _sum(terms), _num(view.E, decimals))))
    else:
        items.append(("math", _eq(_E, _num(view.E, decimals))))
    return items


def _lambda_names(view: LayerView) -> list[tuple[str, Decimal, Piece]]:
    reg = view.regularization
    active = [(name, getattr(reg, name)) for name in PENALTIES if getattr(reg, name) is not None]
    return [(name, lam, Piece(r"\lambda" + (f"_{{{name[1:]}}}" if len(active) > 1 else ""),
                              "λ" + (name[1:] if len(active) > 1 else ""))) for name, lam in active]


def _penalty_formula(view: LayerView, decimals: int) -> Piece:
    """R = Σ_w (λ/2)·w² (and/or L1), from the ops table, with λ and R's value."""
    lams = _lambda_names(view)
    parts = [_formula(PENALTIES[name].value(sympy.Symbol("lam"), sympy.Symbol("w")),
                      {"lam": sym, "w": Piece("w", "w")}) for name, _lam, sym in lams]
    over = Piece(r"\sum_{w}", "Σ_w ")
    R = _eq(Piece("R", "R"), _join([over, _join(parts, " + ", " + ") if len(parts) == 1 else
                                    Piece(r"\left(" + " + ".join(p.tex for p in parts) + r"\right)",
                                          "(" + " + ".join(p.text for p in parts) + ")")], " ", ""),
            _num(view.penalty, decimals))
    return _then(R, *[_eq(sym, _num(lam, decimals)) for _name_, lam, sym in lams])


def _backward(view: LayerView, m: Module, language: str, decimals: int,
              prev: str | None) -> list[list[tuple[str, Piece]]]:
    """A module's backward, as the items of one frame each: a linear module has two, its
    parameters' gradients and then what it hands back to the module before it."""
    if m.kind == "loss":
        return [_loss_backward(view, m, language, decimals)]
    if m.kind == "activation":
        return [_activation_backward(m, language, decimals)]
    return _linear_backward(view, m, language, decimals, prev)


def _loss_backward(view: LayerView, m: Module, language: str, decimals: int) -> list[tuple[str, Piece]]:
    loss = LOSSES[m.label]
    K = len(m.x[0])
    named = loss.named(_A, _Y, K)

    def derivative(names, values=None) -> Piece:
        # with reduction: mean, the 1/N in front of the table's ∂E_k/∂ŷ_k
        core = _formula(named, names, values, decimals)
        if view.scale == 1:
            return core
        if named.is_Add or core.text.startswith("-"):
            core = Piece(r"\left(" + core.tex + r"\right)", "(" + core.text + ")")
        return _join([Piece(rf"\frac{{1}}{{{view.examples}}}", f"1/{view.examples}"), core], r"\,", "·")

    yhat, yk = Piece(r"\hat{y}_{k}", "ŷ_k"), Piece("y_{k}", "y_k")
    items = [("math", _eq(_dE(yhat), derivative({"a": yhat, "y": yk})))]
    each = _column([derivative({}, {"a": a, "y": y}) for a, y in zip(m.x[0], view.targets[0])])
    items.append(("math", _eq(_dE(_name("a", view.layers)), _dE(Piece(r"\hat{y}", "ŷ")), each,
                              _col(m.dx[0], decimals))))
    return items


def _activation_backward(m: Module, language: str, decimals: int) -> list[tuple[str, Piece]]:
    l = m.layer
    a, z, delta = _name("a", l), _name("z", l), _name("δ", l)
    jac = _d(a, z)
    general = _eq(delta, _dE(z), _mul(Piece(r"\left(" + jac.tex + r"\right)^{\!\top}", f"({jac.text})ᵀ"),
                                      _dE(a)))
    items: list[tuple[str, Piece]] = [("math", general)]
    if m.label == "softmax":
        ak, aj = _name("a", l, sub="k"), _name("a", l, sub="j")
        same = _formula(softmax_derivative(_A, _A, True), {"a": ak})
        other = _formula(softmax_derivative(_A, _Y, False), {"a": ak, "y": aj})
        cases = Piece(r"\begin{cases}" + same.tex + r" & k = j \\ " + other.tex + r" & k \neq j\end{cases}",
                      f"{same.text} (k = j), {other.text} (k ≠ j)")
        items.append(("math", _eq(_d(ak, _name("z", l, sub="j")), cases)))
        items.append(("note", _say(language, "layers_softmax_backward")))
        items.append(("math", _eq(jac, _jacobian(m.jacobian, decimals))))
        items.append(("math", _fit(delta, [_mul(_mat(_transpose(m.jacobian), decimals), _col(m.dy[0], decimals))],
                                   [_col(m.dx[0], decimals)], len(m.dx[0]))))
        return items
    rule = _activation_rule(m)
    ai, zi = _name("a", l, sub="i"), _name("z", l, sub="i")
    names = {"a": ai, "z": zi, **_slope_names(m, decimals)}
    items.append(("math", _eq(_d(ai, zi), _formula(rule.named(_A, _Z, _P if rule.parameter else 0), names))))
    items.append(("note", _say(language, "layers_diagonal", a=ai, z=zi)))
    items.append(("math", _eq(jac, _jacobian(m.jacobian, decimals))))
    products = _column([_join([_factor(m.jacobian[i][i], decimals), _factor(g, decimals)], r" \cdot ", "·")
                        for i, g in enumerate(m.dy[0])])
    items.append(("math", _eq(delta, products, _col(m.dx[0], decimals))))
    return items


def _transpose(rows):
    return tuple(zip(*rows))


def _derivation(m: Module, language: str) -> list[tuple[str, Piece]]:
    """The activation's derivative derived step by step, as deck 003 derives σ′ (the rows of
    the ops table's derivation, in z), ending in the rule the backward frame uses."""
    x = sympy.Symbol("x", real=True)
    names = {"x": Piece("z", "z")}
    items: list[tuple[str, Piece]] = [("note", _say(language, "tex_rule_intro"))]
    items += [("math", _eq(*[_formula(e, names) for e in row])) for row in DERIVED[m.label](x)]
    g, rule = ACTIVATIONS[m.label].own_output_rule(x)
    d = sympy.Derivative(g, x, evaluate=False)
    items += [("note", _say(language, "tex_therefore")), ("math", _eq(_formula(d, names), _formula(rule, names)))]
    return items


def _linear_backward(view: LayerView, m: Module, language: str, decimals: int,
                     prev: str | None) -> list[list[tuple[str, Piece]]]:
    l = m.layer
    W, b, delta = _name("W", l), _name("b", l), _name("δ", l)
    batch = view.examples > 1
    penalty = view.regularization.active
    items: list[tuple[str, Piece]] = []
    # ∂E/∂W = δ aᵀ (summed over the examples; plus ∂R/∂W with a penalty)
    if batch:
        outer = _join([Piece(rf"\sum_{{n=1}}^{{{view.examples}}}", "Σ_n "),
                       _mul(_name("δ", l, example="n"), _input(l, top=True, example="n"))], " ", "")
    else:
        outer = _mul(delta, _input(l, top=True))
    rhs = [outer]
    if penalty:
        rhs = [_join([outer, _d(Piece("R", "R"), W)], " + ", " + ")]
    n_out, n_in = m.shape
    if not batch and not penalty and max(n_out, n_in) <= 3:
        # the outer product written out: δ and the input side by side (wider layers: their
        # vectors are on the frames before, the product alone fits)
        rhs.append(_mul(_col(m.dy[0], decimals), _row(m.x[0], decimals)))
        items.append(("math", _eq2(_dE(W), rhs, [_mat(m.grads["W"], decimals)])))
    else:
        items.append(("math", _eq(_dE(W), *rhs, _mat(m.grads["W"], decimals))))
    if penalty:
        lams = _lambda_names(view)
        w = Piece("w", "w")
        parts = [_formula(PENALTIES[name].derivative(sympy.Symbol("lam"), sympy.Symbol("w")),
                          {"lam": sym, "w": w}) for name, _lam, sym in lams]
        items.append(("math", _then(_eq(_d(Piece("R", "R"), w), _join(parts, " + ", " + ")),
                                    *[_eq(sym, _num(lam, decimals)) for _n, lam, sym in lams])))
    # ∂E/∂b
    if "b" in m.grads:
        plus_R = [_d(Piece("R", "R"), b)] if penalty and view.regularization.include_biases else []
        if m.params["shared"]:
            delta_i = _name("δ", l, sub="i") if not batch else _name("δ", l, sub="i", example="n")
            sums = Piece(r"\sum_{i}" if not batch else r"\sum_{n}\sum_{i}", "Σ_i " if not batch else "Σ_n Σ_i ")
            general = _join([_join([sums, delta_i], " ", ""), *plus_R], " + ", " + ")
            rhs = [general]
            if not batch and not plus_R:
                rhs.append(_join([_factor(v, decimals) for v in m.dy[0]], " + ", " + "))
            value = [_num(m.grads["b"][0][0], decimals)]
            items.append(("math", _eq2(_dE(b), rhs, value) if n_out > 3 else _eq(_dE(b), *rhs, *value)))
            items.append(("note", _say(language, "layers_shared_bias_grad", b=b)))
        else:
            general = (_join([Piece(r"\sum_{n}", "Σ_n "), _name("δ", l, example="n")], " ", "")
                       if batch else delta)
            general = _join([general, *plus_R], " + ", " + ")
            items.append(("math", _eq(_dE(b), general, _col([r[0] for r in m.grads["b"]], decimals))))
    # ∂E/∂(input) = Wᵀ δ: what this module hands back to the one before it
    back: list[tuple[str, Piece]] = [
        ("math", _fit(_dE(_input(l)), [_mul(_name("W", l, top=True), delta),
                                       _mul(_mat(_transpose(m.params["W"]), decimals), _col(m.dy[0], decimals))],
                      [_col(m.dx[0], decimals)], n_in))]
    if prev is not None:
        back.append(("note", _say(language, "layers_hand_back", grad=_dE(_input(l), True), module=_words(prev),
                                  out=_input(l))))
    else:
        back.append(("note", _say(language, "layers_input_grad", x=_input(l), grad=_dE(_input(l), True))))
    return [items, back]



def _update(view: LayerView, m: Module, language: str, decimals: int, first: bool) -> list[tuple[str, Piece]]:
    """Deck 001's gradient descent for one linear module: W ← W − η ∂E/∂W with η's value, then
    the numbers (old, η, gradient, new); the bias likewise, or kept when the spec fixes it.
    The ``first`` module's frame says what the step is."""
    l = m.layer
    eta = Piece(r"\eta", "η")
    lr = _num(view.learning_rate, decimals)
    items: list[tuple[str, Piece]] = [("note", _say(language, "layers_step", eta=eta))] if first else []
    rule = []
    for key, name in (("W", _name("W", l)), ("b", _name("b", l))):
        if key in m.new:
            rule.append(_gets(name, [_join([name, _mul(eta, _dE(name))], " - ", " - ")]))
    items.append(("math", _then(*rule, _eq(eta, lr))))
    W = _name("W", l)
    step = _join([_mat(m.params["W"], decimals), _mul(lr, _mat(m.grads["W"], decimals))], " - ", " - ")
    # columns (one input) fit on one line; wider matrices put the result under the step
    items.append(("math", _gets(W, [step], [_mat(m.new["W"], decimals)], wide=m.shape[1] > 1)))
    if "b" in m.params:
        b = _name("b", l)
        if "b" not in m.new:
            items.append(("note", _say(language, "layers_bias_kept", b=b)))
        elif m.params["shared"]:
            old, grad, new = m.params["b"][0][0], m.grads["b"][0][0], m.new["b"][0][0]
            times = _join([lr, _factor(grad, decimals)], r" \cdot ", "·")     # two numbers: a visible product
            items.append(("math", _gets(b, [_join([_num(old, decimals), times], " - ", " - ")],
                                        [_num(new, decimals)], wide=False)))
        else:
            step = _join([_col([r[0] for r in m.params["b"]], decimals),
                          _mul(lr, _col([r[0] for r in m.grads["b"]], decimals))], " - ", " - ")
            items.append(("math", _gets(b, [step], [_col([r[0] for r in m.new["b"]], decimals)], wide=False)))
    return items


def _gets(lhs: Piece, first: list[Piece], second: list[Piece] | None = None, wide: bool = True) -> Piece:
    """lhs ← first = second: an assignment; ``wide``: the result on a second line, under the
    first (aligned at the arrow and the =)."""
    if not second:
        return Piece(lhs.tex + r" \leftarrow " + " = ".join(p.tex for p in first),
                     lhs.text + " ← " + " = ".join(p.text for p in first))
    text = lhs.text + " ← " + " = ".join(p.text for p in first + second)
    if not wide:
        return Piece(lhs.tex + r" \leftarrow " + " = ".join(p.tex for p in first + second), text)
    tex = (r"\begin{aligned}" + lhs.tex + r" &\leftarrow " + " = ".join(p.tex for p in first) + r" \\ &= "
           + " = ".join(p.tex for p in second) + r"\end{aligned}")
    return Piece(tex, text)


# ----------------------------------------------------------------------------- JSON

def _module_data(m: Module) -> dict[str, Any]:
    l = m.layer
    if m.kind == "linear":
        names = ("x" if l == 1 else f"a{l - 1}", f"z{l}")
    elif m.kind == "activation":
        names = (f"z{l}", f"a{l}")
    else:
        names = (f"a{l}", "E")
    # the vectors under the names of the quantities they are (z1, a1, dE/da1...), as the deck
    # names them: a generic x/y would say y for a module's output, and y is the target
    u, v = names
    out: dict[str, Any] = {"module": m.kind, "layer": l, "rule": m.label, "input": u, "output": v,
                           u: [list(x) for x in m.x], v: [list(y) for y in m.y],
                           f"dE/d{v}": [list(d) for d in m.dy], f"dE/d{u}": [list(d) for d in m.dx]}
    if m.kind == "linear":
        out["W"] = [list(r) for r in m.params["W"]]
        out["dE/dW"] = [list(r) for r in m.grads["W"]]
        if "b" in m.params:
            shared = m.params["shared"]
            out["b"] = m.params["b"][0][0] if shared else [r[0] for r in m.params["b"]]
            out["dE/db"] = m.grads["b"][0][0] if shared else [r[0] for r in m.grads["b"]]
    elif m.kind == "activation":
        out["jacobian"] = [list(r) for r in m.jacobian]
    return out


def layers_data(view: LayerView) -> dict[str, Any]:
    """The view as JSON-ready data, exact: E, the gradients by canonical id, and every module
    in forward order with the names of its input and output (x = a0 for layer 1 only), its
    vectors per example under those names (input, output, dE/d<output>, dE/d<input>), its
    Jacobian (of the first example) and its parameters' gradients."""
    return {"E": view.E, "gradients": view.gradients(), "examples": view.examples,
            "modules": [_module_data(m) for m in view.modules]}

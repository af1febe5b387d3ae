"""The one table of operations: every activation, loss, penalty and function, once.

Each entry states what every later stage needs of it, so that a new operation is an entry
here (plus its tests) and nothing else:

* :data:`FUNCTIONS` — each SymPy function a formula can hold (σ, relu, H, exp, |x|…): how
  its value is computed exactly (decimals), how it is spelled in array code (NumPy, and so
  torch and JAX through their NumPy-shaped shims) and in straight-line scalar code, and how
  it is written in text and LaTeX.
* :data:`ACTIVATIONS` — forward a = g(z) and the local derivative in the lecture's textbook
  form, written with the neuron's own output where the lectures do (σ′ = a(1 − a),
  tanh′ = 1 − a²) and with z where they must (relu′ = H(z)); the general form is
  differentiated from the forward rule. The convention at a kink, the names (text, LaTeX,
  words in es/en), whether the graph grammar knows it, where it saturates.
* :data:`LOSSES` — the error of one output E_k, its derivative ∂E_k/∂ŷ_k in textbook form,
  the term as the lectures write it (unevaluated).
* :data:`PENALTIES` — L2 and L1 on one parameter: value and derivative.
* :data:`GATE_FUNCTIONS` — the functions the expression grammar of graph mode knows, with
  their arities.

Conventions at non-differentiable points (documented, and the same as PyTorch):
relu′(0) = 0 (H(0) = 0), leaky_relu′(0) = slope, |w|′ at 0 = sign(0) = 0. (ELU with α = 1 is
differentiable at 0: elu′(0) = 1 from both sides.)
Every rule is tested against ``sympy.diff`` and against finite differences.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Callable, Mapping

import sympy
from sympy import Expr, Heaviside, Integer, Rational, exp, log, sign, tanh

from . import exact as _x

__all__ = [
    "sigmoid", "relu", "leaky_relu", "softplus", "elu", "step",
    "Function", "Activation", "Loss", "Penalty",
    "FUNCTIONS", "ACTIVATIONS", "LOSSES", "PENALTIES", "GATE_FUNCTIONS", "kink",
    "ACTIVATION_NAMES", "LOSS_NAMES", "DERIVED", "DERIVATION_NOTES", "softmax_forward", "softmax_derivative", "function_of",
    "smooth_labels", "is_one_hot", "Dropout", "DROPOUT", "BatchNormalization", "BATCH_NORM",
]


# ----------------------------------------------------------------------------- SymPy functions

def step(z: Expr) -> Expr:
    """H(z) with the convention H(0) = 0."""
    return Heaviside(z, 0)


class sigmoid(sympy.Function):
    """σ(z) = 1 / (1 + e^(−z)), with σ′ = σ(1 − σ)."""

    def fdiff(self, argindex=1):
        s = sigmoid(self.args[0])
        return s * (1 - s)

    def _eval_rewrite_as_exp(self, z, **kwargs):
        return 1 / (1 + exp(-z))

    def _eval_is_real(self):
        return self.args[0].is_real


class relu(sympy.Function):
    """max(0, z), with relu′ = H(z), H(0) = 0."""

    def fdiff(self, argindex=1):
        return step(self.args[0])

    def _eval_rewrite_as_Max(self, z, **kwargs):
        return sympy.Max(0, z)


class leaky_relu(sympy.Function):
    """z for z > 0, slope·z otherwise; derivative H(z) + slope·(1 − H(z))."""

    nargs = 2

    def fdiff(self, argindex=1):
        z, slope = self.args
        if argindex != 1:
            return sympy.Min(z, 0)
        return step(z) + slope * (1 - step(z))

    def _eval_rewrite_as_Piecewise(self, z, slope, **kwargs):
        return sympy.Piecewise((z, z > 0), (slope * z, True))


class softplus(sympy.Function):
    """ln(1 + e^z), whose derivative is σ(z)."""

    def fdiff(self, argindex=1):
        return sigmoid(self.args[0])

    def _eval_rewrite_as_log(self, z, **kwargs):
        return log(1 + exp(z))


class elu(sympy.Function):
    """z for z > 0, e^z − 1 otherwise (α = 1); derivative H(z) + e^z·(1 − H(z))."""

    def fdiff(self, argindex=1):
        z = self.args[0]
        return step(z) + exp(z) * (1 - step(z))

    def _eval_rewrite_as_Piecewise(self, z, **kwargs):
        return sympy.Piecewise((z, z > 0), (exp(z) - 1, True))

    def _eval_rewrite_as_exp(self, z, **kwargs):
        return sympy.Piecewise((z, z > 0), (exp(z) - 1, True))


# ----------------------------------------------------------------------------- exact values

class Undefined(ArithmeticError):
    """No finite value here (log of 0…): the evaluator says it in words."""


def _log(x: Decimal) -> Decimal:
    if x <= 0:
        raise Undefined("logarithm of a number <= 0")
    return x.ln()


def _heaviside(x: Decimal, at_zero: Decimal = Decimal("0.5")) -> Decimal:
    if x == 0:
        return at_zero
    return Decimal(1) if x > 0 else Decimal(0)


def _elu(x: Decimal) -> Decimal:
    return x if x > 0 else x.exp() - 1


def _exact_sigmoid(x: Decimal) -> Decimal:
    # Written so that exp never receives a large positive argument.
    with _x.exact():
        if x >= 0:
            return 1 / (1 + (-x).exp())
        e = x.exp()
        return e / (1 + e)


def _exact_tanh(x: Decimal) -> Decimal:
    with _x.exact():
        if x >= 0:
            e = (-2 * x).exp()
            return (1 - e) / (1 + e)
        e = (2 * x).exp()
        return (e - 1) / (e + 1)


def _exact_softplus(x: Decimal) -> Decimal:
    with _x.exact():
        if x > 0:
            return x + (1 + (-x).exp()).ln()
        return (1 + x.exp()).ln()


@dataclass(frozen=True)
class Function:
    """One function a formula can hold, with every spelling of it.

    ``numpy`` and ``scalar`` are code templates in the arguments ``{0}``, ``{1}``; ``None``
    where SymPy's own NumPy printer spells it already (exp, log, tanh…)."""

    cls: type
    name: str                                  # the name in the grammar and in code
    text: str                                  # as the walkthrough writes it
    latex: str                                 # as the slides write it
    exact: Callable[..., Decimal]              # on decimals, inside exact()
    numpy: str | None = None                   # array code (torch/JAX run it through their shims)
    scalar: str | None = None                  # straight-line code on Python floats
    arguments: int = 1                         # how many of the arguments are printed


FUNCTIONS: Mapping[type, Function] = {f.cls: f for f in (
    Function(sigmoid, "sigmoid", "σ", r"\sigma", _exact_sigmoid, "_sigmoid({0})", "_sig({0})"),
    Function(relu, "relu", "relu", r"\operatorname{relu}", lambda x: x if x > 0 else Decimal(0),
             "np.maximum({0}, 0.0)", "max({0}, 0.0)"),
    Function(leaky_relu, "leaky_relu", "leaky_relu", r"\operatorname{leaky\,relu}",
             lambda x, s: x if x > 0 else s * x,
             "np.where({0} > 0, {0}, {1} * {0})", "({0} if {0} > 0 else {1} * {0})"),
    Function(softplus, "softplus", "softplus", r"\operatorname{softplus}", _exact_softplus,
             "np.logaddexp(0.0, {0})", "(max({0}, 0.0) + math.log1p(math.exp(-abs({0}))))"),
    Function(elu, "elu", "elu", r"\operatorname{elu}", _elu,
             "np.where({0} > 0, {0}, np.expm1(np.minimum({0}, 0.0)))",
             "({0} if {0} > 0 else math.expm1({0}))"),
    Function(Heaviside, "H", "H", "H", _heaviside, "np.heaviside({0}, {1})", "_heaviside({0}, {1})"),
    Function(sympy.tanh, "tanh", "tanh", r"\tanh", _exact_tanh),
    Function(sympy.exp, "exp", "exp", r"\exp", lambda x: x.exp()),
    Function(sympy.log, "log", "log", r"\log", _log),
    Function(sympy.Abs, "abs", "abs", "", abs),
    Function(sympy.sign, "sign", "sign", r"\operatorname{sign}", lambda x: Decimal((x > 0) - (x < 0))),
    Function(sympy.Max, "max", "max", r"\max", lambda *xs: max(xs)),
    Function(sympy.Min, "min", "min", r"\min", lambda *xs: min(xs)),
)}


def function_of(expr: Expr) -> Function | None:
    """The table's entry for the function at the top of ``expr``, if it is one of ours."""
    return FUNCTIONS.get(expr.func)


# ----------------------------------------------------------------------------- activations

# Unevaluated sums and products keep the order in which the lectures write a formula.
def _mul(*args: Expr) -> Expr:
    return sympy.Mul(*args, evaluate=False)


def _pow(base: Expr, n: int) -> Expr:
    return sympy.Pow(base, n, evaluate=False)


def _sub(x: Expr, y: Expr) -> Expr:
    return sympy.Add(x, sympy.Mul(-1, y, evaluate=False), evaluate=False)


def _add(*args: Expr) -> Expr:
    return sympy.Add(*args, evaluate=False)


@dataclass(frozen=True)
class Activation:
    """a = forward(z, p); named(a, z, p) is g′ written in the lecture's form. ``p`` is the
    activation's parameter (leaky_relu's slope), 0 where it has none."""

    name: str
    forward: Callable[[Expr, Expr], Expr]
    named: Callable[[Expr, Expr, Expr], Expr]
    text: str                                   # g as text: "σ"
    latex: str                                  # g in LaTeX: r"\sigma"
    words: Mapping[str, str]                    # {"es": "sigmoide", "en": "sigmoid"}
    kink: str | None = None                     # the convention at its non-differentiable point z = 0
    parameter: str | None = None                # the spec key of its parameter ("slope")
    default: Decimal | None = None              # the parameter's default
    saturates: tuple[Decimal, Decimal] | None = None   # outputs beyond these are saturated
    in_graphs: bool = True                      # the graph grammar knows it as a gate

    def general(self, z: Expr, p: Expr = Integer(0)) -> Expr:
        """g′(z) straight from differentiating the forward rule."""
        return sympy.diff(self.forward(z, p), z)

    def textbook(self, z: Expr, p: Expr = Integer(0)) -> Expr:
        """g′(z) in z, written as the lectures write it: the named rule with the activation in
        place of its output, unevaluated so that its order holds (σ(z)(1 − σ(z)), not SymPy's
        (1 − σ(z))σ(z)). Equal to :meth:`general` (tested)."""
        a = sympy.Dummy("a")
        named = self.named(a, z, p)
        if a not in named.free_symbols:
            return named
        with sympy.evaluate(False):
            return named.xreplace({a: self.forward(z, p)})

    def own_output_rule(self, x: Expr, p: Expr = Integer(0)) -> tuple[Expr, Expr] | None:
        """(g(x), g′(x) written with g(x) itself) where the lectures write the derivative with
        the activation's own output (σ′ = σ(1 − σ), tanh′ = 1 − tanh²); None otherwise."""
        a = sympy.Dummy("a")
        named = self.named(a, x, p)
        if a not in named.free_symbols:
            return None
        g = self.forward(x, p)
        with sympy.evaluate(False):          # keep the order the rule is written in
            return g, named.xreplace({a: g})


_SAT = Decimal("0.98")

ACTIVATIONS: Mapping[str, Activation] = {a.name: a for a in (
    Activation("sigmoid", lambda z, s: sigmoid(z), lambda a, z, s: _mul(a, 1 - a), "σ", r"\sigma",
               {"es": "sigmoide", "en": "sigmoid"}, saturates=(1 - _SAT, _SAT)),
    Activation("tanh", lambda z, s: tanh(z), lambda a, z, s: 1 - a**2, "tanh", r"\tanh",
               {"es": "tangente hiperbólica", "en": "hyperbolic tangent"}, saturates=(-_SAT, _SAT)),
    Activation("relu", lambda z, s: relu(z), lambda a, z, s: step(z), "relu", r"\operatorname{relu}",
               {"es": "ReLU", "en": "ReLU"}, kink="relu′(0) = H(0) = 0"),
    Activation("leaky_relu", lambda z, s: leaky_relu(z, s), lambda a, z, s: _add(step(z), _mul(s, 1 - step(z))),
               "leaky_relu", r"\operatorname{leaky\,relu}", {"es": "ReLU con fuga", "en": "leaky ReLU"},
               kink="leaky_relu′(0) = slope", parameter="slope", default=Decimal("0.01")),
    Activation("linear", lambda z, s: z, lambda a, z, s: Integer(1), "id", r"\operatorname{id}",
               {"es": "lineal", "en": "linear"}, in_graphs=False),
    Activation("softplus", lambda z, s: softplus(z), lambda a, z, s: sigmoid(z), "softplus",
               r"\operatorname{softplus}", {"es": "softplus", "en": "softplus"}),
    # ELU with α = 1: elu′ = 1 for z > 0, e^z = a + 1 otherwise.
    Activation("elu", lambda z, s: elu(z), lambda a, z, s: _add(step(z), _mul(a + 1, 1 - step(z))),
               "elu", r"\operatorname{elu}", {"es": "ELU", "en": "ELU"}),
    # swish (SiLU): a = z·σ(z), a′ = σ(z) + a(1 − σ(z)).
    Activation("swish", lambda z, s: z * sigmoid(z), lambda a, z, s: _add(sigmoid(z), _mul(a, 1 - sigmoid(z))),
               "swish", r"\operatorname{swish}", {"es": "swish (SiLU)", "en": "swish (SiLU)"}),
)}

# ----------------------------------------------------------------------------- derivations

def _sigmoid_derivation(x: Expr) -> tuple[tuple[Expr, ...], ...]:
    """Deck 003's "Derivada de la función sigmoide": σ = 1/(1 + e^(−x)), differentiated, and
    1 − σ written over the same denominator, give σ′ = σ(1 − σ)."""
    u = sympy.UnevaluatedExpr                  # a factor kept whole inside a product
    with sympy.evaluate(False):
        e = exp(-x)
        den = 1 + e
        inv = 1 / den
        return (
            (sigmoid(x), inv),
            (sympy.Derivative(sigmoid(x), x), _mul(-1, u(1 / den**2), sympy.Derivative(den, x)),
             _mul(u(1 / den**2), e), e / den**2),
            (1 - sigmoid(x), 1 - inv, e / den),
            (_mul(sigmoid(x), 1 - sigmoid(x)), _mul(u(inv), u(e / den)), e / den**2),
        )


def _tanh_derivation(x: Expr) -> tuple[tuple[Expr, ...], ...]:
    """tanh = (e^x − e^(−x))/(e^x + e^(−x)); the quotient rule gives tanh′ = 1 − tanh²."""
    with sympy.evaluate(False):
        p, m = exp(x), exp(-x)
        return (
            (tanh(x), (p - m) / (p + m)),
            (sympy.Derivative(tanh(x), x), ((p + m)**2 - (p - m)**2) / (p + m)**2,
             1 - (p - m)**2 / (p + m)**2, 1 - tanh(x)**2),
        )


#: Activations whose rule the lectures derive once, step by step: rows of equal expressions in
#: x (each row a chain a = b = c…); the last row's ends are the rule. Tested with SymPy.
DERIVED: Mapping[str, Callable[[Expr], tuple[tuple[Expr, ...], ...]]] = {
    "sigmoid": _sigmoid_derivation,
    "tanh": _tanh_derivation,
}


def _exp_chain_note(x: Expr) -> tuple[tuple[Expr, ...], ...]:
    """Deck 003's note beside σ′: D_x e^u = e^u D_x u, so that d/dx (1 + e^(−x)) = −e^(−x)."""
    u = sympy.Symbol("u")                      # a function of x (the tests put u(x) in its place)
    with sympy.evaluate(False):
        return (
            (sympy.Derivative(exp(u), x), _mul(exp(u), sympy.Derivative(u, x))),
            (sympy.Derivative(1 + exp(-x), x), _mul(exp(-x), sympy.Derivative(-x, x)), -exp(-x)),
        )


#: The rule a derivation above uses without saying (rows of equal expressions, as in DERIVED),
#: shown as a note under it. Tested with SymPy.
DERIVATION_NOTES: Mapping[str, Callable[[Expr], tuple[tuple[Expr, ...], ...]]] = {
    "sigmoid": _exp_chain_note,
}


#: Every activation a layer may have: the elementwise ones and softmax (a layer-wide one).
ACTIVATION_NAMES: tuple[str, ...] = (*ACTIVATIONS, "softmax")


def softmax_forward(zs: tuple[Expr, ...], k: int) -> Expr:
    """a_k = e^(z_k) / Σ_j e^(z_j)  (k counts from 0)."""
    return exp(zs[k]) / sympy.Add(*[exp(z) for z in zs])


def softmax_derivative(a_k: Expr, a_j: Expr, same: bool) -> Expr:
    """∂a_k/∂z_j = a_k(1 − a_k) when k = j, −a_k·a_j otherwise."""
    return a_k * (1 - a_k) if same else -a_k * a_j


# ----------------------------------------------------------------------------- losses

@dataclass(frozen=True)
class Loss:
    """term(ŷ, y, K): the error of one output; named(ŷ, y, K): its derivative, textbook form;
    written(ŷ, y, K): the term unevaluated, in the order the lectures write it."""

    name: str
    term: Callable[[Expr, Expr, int], Expr]
    named: Callable[[Expr, Expr, int], Expr]
    written: Callable[[Expr, Expr, int], Expr]
    words: Mapping[str, str] = field(default_factory=dict)

    def general(self, a: Expr, y: Expr, outputs: int) -> Expr:
        return sympy.diff(self.term(a, y, outputs), a)

    def split(self, a: Expr, y: Expr, outputs: int) -> tuple[Expr, Expr]:
        """(c, t) with E = c·Σ_k t(ŷ_k, y_k), as the lectures write the error before its
        numbers (deck 003: E = ½ Σ_k (y_k − ŷ_k)²): the written term's constant factor, and
        the rest of it, unevaluated."""
        w = self.written(a, y, outputs)
        if w.is_Mul and w.args[0].is_Number:
            rest = w.args[1:]
            return w.args[0], rest[0] if len(rest) == 1 else sympy.Mul(*rest, evaluate=False)
        return Integer(1), w


LOSSES: Mapping[str, Loss] = {rule.name: rule for rule in (
    # E = ½ Σ_k (y_k − ŷ_k)², deck 003/004; ∂E_k/∂ŷ_k = ŷ_k − y_k.
    Loss("half_sse", lambda a, y, K: Rational(1, 2) * (y - a) ** 2, lambda a, y, K: a - y,
         lambda a, y, K: _mul(Rational(1, 2), _pow(_sub(y, a), 2)),
         {"es": "½ suma de errores al cuadrado", "en": "half sum of squared errors"}),
    # mean over the outputs: E = (1/K) Σ_k (y_k − ŷ_k)²
    Loss("mse", lambda a, y, K: (y - a) ** 2 / K, lambda a, y, K: _sub(a, y) if K == 2 else _mul(Rational(2, K), _sub(a, y)),
         lambda a, y, K: _mul(Rational(1, K), _pow(_sub(y, a), 2)),
         {"es": "error cuadrático medio", "en": "mean squared error"}),
    Loss("binary_cross_entropy", lambda a, y, K: -(y * log(a) + (1 - y) * log(1 - a)),
         lambda a, y, K: (a - y) / (a * (1 - a)),
         lambda a, y, K: _mul(Integer(-1), sympy.Add(
             _mul(y, log(a)), _mul(_sub(Integer(1), y), log(_sub(Integer(1), a))), evaluate=False)),
         {"es": "entropía cruzada binaria", "en": "binary cross-entropy"}),
    Loss("cross_entropy", lambda a, y, K: -y * log(a), lambda a, y, K: -y / a,
         lambda a, y, K: _mul(Integer(-1), _mul(y, log(a))),
         {"es": "entropía cruzada", "en": "cross-entropy"}),
)}

LOSS_NAMES: tuple[str, ...] = tuple(LOSSES)


# ----------------------------------------------------------------------------- penalties

@dataclass(frozen=True)
class Penalty:
    """The penalty of one parameter w with strength λ: value and derivative (SymPy; exact
    values come from evaluating them), and the same in array code (``{lam}``, ``{w}``)."""

    name: str
    value: Callable[[Expr, Expr], Expr]
    derivative: Callable[[Expr, Expr], Expr]
    numpy_value: str                    # summed over an array {w}
    numpy_derivative: str               # elementwise
    comment: str = ""                   # the value as the code's comment says it
    derivative_comment: str = ""


PENALTIES: Mapping[str, Penalty] = {p.name: p for p in (
    # (λ/2)·w², derivative λ·w.
    Penalty("l2", lambda lam, w: lam / 2 * w**2, lambda lam, w: lam * w,
            "{lam} / 2 * np.sum({w} ** 2)", "{lam} * {w}", "(λ/2)·Σ w²", "λ·w"),
    # (λ/2)·|w|, as deck 004 writes the L1 penalty; derivative (λ/2)·sign(w).
    Penalty("l1", lambda lam, w: lam / 2 * sympy.Abs(w), lambda lam, w: lam / 2 * sign(w),
            "{lam} / 2 * np.sum(np.abs({w}))", "{lam} / 2 * np.sign({w})", "(λ/2)·Σ |w|"),
)}


# ----------------------------------------------------------------------------- the graph grammar

#: Functions of the expression grammar (graph mode and answers), with the numbers of
#: arguments each takes: the elementary ones and every activation a gate can be.
GATE_FUNCTIONS: Mapping[str, tuple[int, ...]] = {
    "exp": (1,), "log": (1,), "ln": (1,), "sqrt": (1,), "abs": (1,), "max": (2,), "min": (2,),
    **{a.name: ((1, 2) if a.parameter else (1,)) for a in ACTIVATIONS.values() if a.in_graphs},
}

def kink(op: str) -> str | None:
    """The convention taken at the non-differentiable point 0 of a gate, or None."""
    if op == "abs":
        return "|x|′(0) = sign(0) = 0"
    act = ACTIVATIONS.get(op)
    return act.kink if act is not None else None


#: The elementary functions of the grammar as SymPy callables (activations come from ACTIVATIONS).
ELEMENTARY: Mapping[str, Callable[..., Expr]] = {
    "exp": sympy.exp, "log": sympy.log, "sqrt": sympy.sqrt, "abs": sympy.Abs,
    "max": sympy.Max, "min": sympy.Min,
}


# ----------------------------------------------------------------------------- label smoothing

def is_one_hot(row) -> bool:
    """A target row of one class: a single 1, every other entry 0."""
    return sum(1 for t in row if t == 1) == 1 and all(t in (0, 1) for t in row)


def smooth_labels(row, epsilon):
    """Deck 004's label smoothing of a one-hot row of K classes: the 1 becomes 1 − ε, each 0
    becomes ε/(K − 1) (K = 5, ε = 0.01: [0, 0, 1, 0, 0] → [0.0025, 0.0025, 0.99, 0.0025,
    0.0025]). Exact for Decimal rows (at the working precision); also works on floats."""
    k = len(row)
    return tuple(1 - epsilon if t == 1 else epsilon / (k - 1) for t in row)


# ----------------------------------------------------------------------------- dropout

@dataclass(frozen=True)
class Dropout:
    """Inverted dropout, as PyTorch's ``nn.Dropout`` in training: a kept neuron's output is
    scaled by 1/(1 − p), a dropped one's is 0, so ã = a·m/(1 − p) with the mask entry m ∈ {0, 1}
    and the rate p. The local derivative ∂ã/∂a is that same factor m/(1 − p): the chain rule
    carries it on every path through the neuron, and a dropped neuron's paths vanish (0).

    ``scale`` takes exact SymPy numbers (m, p as Rationals); ``numpy`` is array code in the
    activations ``{a}``, the mask ``{m}`` and the rate ``{p}``."""

    name: str
    text: str                                   # ã as the walkthrough writes it
    latex: str                                  # \tilde{a} on the slides
    words: Mapping[str, str]
    numpy: str

    @staticmethod
    def scale(m: Expr, p: Expr) -> Expr:
        """m/(1 − p): 1/(1 − p) for a kept neuron, 0 for a dropped one."""
        return sympy.Integer(m) / (1 - p)

    def forward(self, a: Expr, m: Expr, p: Expr) -> Expr:
        return a * self.scale(m, p)

    def derivative(self, m: Expr, p: Expr) -> Expr:
        """∂ã/∂a = m/(1 − p) (a constant of the step: the mask is fixed)."""
        return self.scale(m, p)


DROPOUT = Dropout("dropout", "ã", r"\tilde{a}", {"es": "dropout (apagado aleatorio)", "en": "dropout"},
                  "{a} * {m} / (1.0 - {p})")


# ----------------------------------------------------------------------------- batch normalization

@dataclass(frozen=True)
class BatchNormalization:
    """Deck 004's batch normalization (algorithm 1), as PyTorch's ``nn.BatchNorm1d`` in
    training mode: over a batch of m weighted sums z of one neuron,

        μ_B = (1/m) Σ_i z_i,   σ²_B = (1/m) Σ_i (z_i − μ_B)²   (biased: 1/m, not 1/(m − 1)),
        x̂_i = (z_i − μ_B)/√(σ²_B + ε),   y_i = γ·x̂_i + β,

    and the activation takes y. Every quantity depends on the others through these equations
    alone, so the chain rule runs through μ_B and σ²_B along every example of the batch; the
    local derivatives are those of the defining equations (Ioffe and Szegedy's backward pass):

        ∂μ_B/∂z_i = 1/m,   ∂σ²_B/∂z_i = 2(z_i − μ_B)/m,
        ∂σ²_B/∂μ_B = −(2/m) Σ_i (z_i − μ_B) = 0 (the deviations from the mean add up to 0),
        ∂x̂_i/∂z_i = 1/√(σ²_B + ε),   ∂x̂_i/∂μ_B = −1/√(σ²_B + ε),
        ∂x̂_i/∂σ²_B = −(z_i − μ_B)/2 · (σ²_B + ε)^(−3/2),
        ∂y_i/∂x̂_i = γ,   ∂y_i/∂γ = x̂_i,   ∂y_i/∂β = 1.

    The methods take and give SymPy expressions (m an int, ε an exact Rational)."""

    name: str
    words: Mapping[str, str]

    @staticmethod
    def mean(zs: tuple[Expr, ...]) -> Expr:
        return Rational(1, len(zs)) * sympy.Add(*zs)

    @staticmethod
    def variance(zs: tuple[Expr, ...], mu: Expr) -> Expr:
        return Rational(1, len(zs)) * sympy.Add(*[(z - mu) ** 2 for z in zs])

    @staticmethod
    def normalized(z: Expr, mu: Expr, var: Expr, eps: Expr) -> Expr:
        return (z - mu) / sympy.sqrt(var + eps)

    @staticmethod
    def scaled(xhat: Expr, gamma: Expr, beta: Expr) -> Expr:
        return gamma * xhat + beta

    # written as the deck writes them (unevaluated, in its order)
    @staticmethod
    def mean_written(zs: tuple[Expr, ...]) -> Expr:
        return _mul(Rational(1, len(zs)), _add(*zs))

    @staticmethod
    def variance_written(zs: tuple[Expr, ...], mu: Expr) -> Expr:
        return _mul(Rational(1, len(zs)), _add(*[_pow(_sub(z, mu), 2) for z in zs]))

    @staticmethod
    def normalized_written(z: Expr, mu: Expr, var: Expr, eps: Expr) -> Expr:
        return _mul(_sub(z, mu), _pow(sympy.sqrt(_add(var, eps), evaluate=False), -1))

    @staticmethod
    def scaled_written(xhat: Expr, gamma: Expr, beta: Expr) -> Expr:
        return _add(_mul(gamma, xhat), beta)

    # local derivatives: (general, named); general is differentiated from the equations
    @staticmethod
    def d_mean_d_z(m: int) -> Expr:
        return Rational(1, m)

    @staticmethod
    def d_variance_d_z(z: Expr, mu: Expr, m: int) -> Expr:
        return _mul(Rational(2, m), _sub(z, mu))

    @staticmethod
    def d_variance_d_mean(zs: tuple[Expr, ...], mu: Expr) -> tuple[Expr, Expr]:
        """−(2/m) Σ (z_i − μ_B), which is 0: the named form says so (its value is exactly 0,
        not the rounding of a sum of deviations)."""
        return _mul(Rational(-2, len(zs)), _add(*[_sub(z, mu) for z in zs])), Integer(0)

    @staticmethod
    def d_normalized_d_z(var: Expr, eps: Expr) -> Expr:
        return _pow(sympy.sqrt(_add(var, eps), evaluate=False), -1)

    @staticmethod
    def d_normalized_d_mean(var: Expr, eps: Expr) -> Expr:
        return _mul(Integer(-1), _pow(sympy.sqrt(_add(var, eps), evaluate=False), -1))

    @staticmethod
    def d_normalized_d_variance(z: Expr, mu: Expr, var: Expr, eps: Expr) -> Expr:
        return _mul(Rational(-1, 2), _sub(z, mu), _pow(_add(var, eps), Rational(-3, 2)))


BATCH_NORM = BatchNormalization("batch_norm", {"es": "normalización por lotes", "en": "batch normalization"})

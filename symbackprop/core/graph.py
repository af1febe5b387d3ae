"""Computational graphs (decks 000/002): any scalar expression, node by node.

    g = build_graph("(x+y)*z", {"x": -2, "y": 5, "z": -4})
    g.value, g.gradients          # -12, {'x': -4, 'y': -4, 'z': 3}
    for n in g.nodes: n.id, n.op, n.inputs, n.value, n.local, n.grad, n.pattern

One node per operation, named as the lecture names them (q = x + y, f = q·z), in a
deterministic order: variables in order of appearance, then operations in the order they
are evaluated. Every gate states its forward and its local derivatives in one table
(:data:`GATES`); the backward pass is micrograd's loop: each node's gradient is the sum over
its users of local × upstream, so a quantity used twice gets the sum of its branches.

Conventions at non-differentiable points (reported in ``notes`` when they are met):
max/min with a tie route the gradient to the first argument; relu′(0) = 0; |x|′(0) = 0.

What exists is computed, what does not is said (``notes`` and ``missing``): a value with no
real or finite value is refused, but a local derivative that has none (∂(x^y)/∂y needs ln x,
so it has no real value at x = −2 although (−2)³ = −8 and ∂(x^y)/∂x = 12 do; √x′ is infinite
at 0) leaves the gradients that go through it without a value (``None``; an infinite one is
``Decimal("Infinity")`` with its sign) and every other gradient computed. A variable given a
value but absent from the expression has gradient 0 (``unused``).
"""
from __future__ import annotations

import decimal
from dataclasses import dataclass
from decimal import Decimal
from typing import Callable, Mapping

import sympy
from sympy import Expr, Heaviside, Symbol

from ..errors import SymbackpropError
from .evaluate import UndefinedValue, evaluate
from .exact import exact, to_decimal
from .exact import exp as exp_decimal
from .expr import Binary, Call, ExpressionError, Num, Unary, Var, parse_expression, variables
from .ops import ACTIVATIONS, ELEMENTARY, kink

__all__ = ["GraphNode", "Edge", "Graph", "Missing", "GATES", "build_graph", "graph_from_sympy", "parse_at"]

_NAMES = "qrstuvpghkmn"
#: Names that are constants unless a value is given for them.
CONSTANTS = {"e": exp_decimal(Decimal(1)), "pi": Decimal(str(sympy.pi.evalf(60)))}


@dataclass(frozen=True)
class Gate:
    """One operation: its forward and its local derivatives, written as the lectures write them."""

    op: str
    symbol: str                                    # how the node is labelled in a drawing
    forward: Callable[..., Expr]                   # (input symbols, const) -> expression
    local: Callable[..., tuple[Expr, ...]]         # (input symbols, output symbol, const) -> d/d input
    pattern: str | None = None                     # add distributes, mul swaps, max routes


def _c(const):
    return sympy.Rational(str(const)) if const is not None else None


GATES: dict[str, Gate] = {g.op: g for g in (
    Gate("add", "+", lambda a, c: sympy.Add(a[0], a[1], evaluate=False), lambda a, o, c: (sympy.Integer(1), sympy.Integer(1)), "add"),
    Gate("sub", "-", lambda a, c: sympy.Add(a[0], sympy.Mul(-1, a[1], evaluate=False), evaluate=False), lambda a, o, c: (sympy.Integer(1), sympy.Integer(-1)), "add"),
    Gate("mul", "*", lambda a, c: sympy.Mul(a[0], a[1], evaluate=False), lambda a, o, c: (a[1], a[0]), "mul"),
    Gate("div", "/", lambda a, c: a[0] / a[1], lambda a, o, c: (1 / a[1], -a[0] / a[1] ** 2)),
    Gate("neg", "-x", lambda a, c: -a[0], lambda a, o, c: (sympy.Integer(-1),)),
    Gate("addc", "+c", lambda a, c: a[0] + _c(c), lambda a, o, c: (sympy.Integer(1),), "add"),
    Gate("mulc", "*a", lambda a, c: _c(c) * a[0], lambda a, o, c: (_c(c),)),
    Gate("inv", "1/x", lambda a, c: 1 / a[0], lambda a, o, c: (-1 / a[0] ** 2,)),
    Gate("pow", "x^n", lambda a, c: a[0] ** _c(c), lambda a, o, c: (_c(c) * a[0] ** (_c(c) - 1),)),
    Gate("cpow", "c^x", lambda a, c: _c(c) ** a[0], lambda a, o, c: (o * sympy.log(_c(c), evaluate=False),)),
    Gate("powxy", "x^y", lambda a, c: a[0] ** a[1],
         lambda a, o, c: (sympy.Mul(a[1], sympy.Pow(a[0], sympy.Add(a[1], -1, evaluate=False), evaluate=False),
                                    evaluate=False), o * sympy.log(a[0]))),
    Gate("exp", "exp", lambda a, c: sympy.exp(a[0]), lambda a, o, c: (o,)),
    Gate("log", "log", lambda a, c: sympy.log(a[0]), lambda a, o, c: (1 / a[0],)),
    Gate("sqrt", "sqrt", lambda a, c: sympy.sqrt(a[0]), lambda a, o, c: (1 / (2 * o),)),
    Gate("abs", "abs", lambda a, c: sympy.Abs(a[0]), lambda a, o, c: (sympy.sign(a[0]),)),
    Gate("max", "max", lambda a, c: sympy.Max(a[0], a[1]),
         lambda a, o, c: (Heaviside(a[0] - a[1], 1), Heaviside(a[1] - a[0], 0)), "max"),
    Gate("min", "min", lambda a, c: sympy.Min(a[0], a[1]),
         lambda a, o, c: (Heaviside(a[1] - a[0], 1), Heaviside(a[0] - a[1], 0)), "max"),
)}


def _activation_gate(act) -> Gate:
    """An activation of the table as a gate: its forward and its textbook derivative, in terms
    of the gate's own output where the lectures write it so (σ′ = σ(1 − σ)). A gate's constant
    is the activation's parameter (leaky_relu's slope)."""
    def p(c):
        return _c(c) if c is not None else sympy.Integer(0)
    return Gate(act.name, act.text, lambda a, c: act.forward(a[0], p(c)),
                lambda a, o, c: (act.named(o, a[0], p(c)),))


GATES.update({name: _activation_gate(act) for name, act in ACTIVATIONS.items() if act.in_graphs})


@dataclass(frozen=True)
class Edge:
    """Input ``src`` of node ``dst``: the gradient flowing back along it."""

    src: str
    dst: str
    local: Decimal | None          # ∂dst/∂src (None: no real value; may be infinite)
    upstream: Decimal | None       # ∂f/∂dst
    downstream: Decimal | None     # upstream × local: this edge's share of ∂f/∂src


@dataclass(frozen=True)
class GraphNode:
    id: str
    op: str                              # "input", "const" or a gate
    inputs: tuple[str, ...]
    const: Decimal | None
    definition: Expr | None              # in the inputs' symbols
    local_forms: tuple[Expr, ...]        # ∂node/∂input, textbook form
    value: Decimal
    local: tuple[Decimal | None, ...]    # None where a local derivative has no real value
    grad: Decimal | None                 # ∂f/∂node (None: no real value; ±Infinity: infinite)
    pattern: str | None                  # the gate's pattern: add, mul, max
    branches: int                        # how many nodes use this one (> 1: gradients sum)


@dataclass(frozen=True)
class Missing:
    """A local derivative ∂node/∂input with no real value at this point, and why.

    ``kind`` "infinite": it is infinite where ``argument`` (the gate's input) = ``at``;
    "no_real": it needs log(``argument``) and ``argument`` = ``at`` <= 0; "undefined": any
    other reason (``reason``, in English). ``gradients``: the variables whose gradient goes
    through it and so has no (finite) value."""

    node: str
    index: int                           # which input of the node
    input: str
    kind: str
    form: Expr                           # the local derivative, textbook form
    argument: Expr                       # in the node's symbols
    at: Decimal
    gradients: tuple[str, ...]
    reason: str = ""


@dataclass(frozen=True)
class Graph:
    expression: str
    at: Mapping[str, Decimal]
    nodes: tuple[GraphNode, ...]
    edges: tuple[Edge, ...]              # in backward order
    output: str
    notes: tuple[tuple[str, str, str], ...]   # (kind, node, op): conventions used, derivatives
                                              # without a value ("infinite", "no_real",
                                              # "undefined"), variables not used ("unused")
    decomposed: bool
    unused: tuple[str, ...] = ()         # given in the point, absent from the expression
    missing: tuple[Missing, ...] = ()

    @property
    def value(self) -> Decimal:
        return self.node(self.output).value

    @property
    def gradients(self) -> dict[str, Decimal | None]:
        """∂f/∂v for every variable of the point: those of the expression in order of
        appearance, then those absent from it (0)."""
        grads = {n.id: n.grad for n in self.nodes if n.op == "input"}
        return {**grads, **{v: Decimal(0) for v in self.unused}}

    def into(self, node_id: str) -> tuple[Edge, ...]:
        """The edges into ``node_id``, in the order of its inputs (x·x: two)."""
        return tuple(e for e in self.edges if e.dst == node_id)

    def node(self, node_id: str) -> GraphNode:
        for n in self.nodes:
            if n.id == node_id:
                return n
        raise KeyError(node_id)


# ----------------------------------------------------------------------------- building

class _Builder:
    def __init__(self, text: str, at: Mapping[str, Decimal], decompose: bool):
        self.text = text
        self.at = at
        self.decompose = decompose
        self.ops: list[tuple[str, str, tuple[str, ...], Decimal | None]] = []  # id, op, inputs, const
        self.order: dict[str, str] = {}     # node -> "first"/"last": where its constant was typed
        self.names = iter([c for c in _NAMES if c not in at] +
                          [f"n{i}" for i in range(1, 10_000)])

    def new(self, op: str, inputs: tuple[str, ...], const: Decimal | None = None, order: str | None = None) -> str:
        node_id = next(self.names)
        self.ops.append((node_id, op, inputs, const))
        if order:
            self.order[node_id] = order
        return node_id

    def number(self, tree) -> Decimal | None:
        """The value of a constant subtree (folded), or None when it has variables."""
        if isinstance(tree, Num):
            return tree.value
        if isinstance(tree, Var) and tree.name not in self.at and tree.name in CONSTANTS:
            return CONSTANTS[tree.name]
        if isinstance(tree, Var):
            return None
        parts = [tree.arg] if isinstance(tree, Unary) else \
            [tree.left, tree.right] if isinstance(tree, Binary) else list(tree.args)
        values = [self.number(p) for p in parts]
        if any(v is None for v in values):
            return None
        symbols = [Symbol(f"_k{i}") for i in range(len(values))]
        expr = _sympy_of(tree, symbols)
        value = _eval(self.text, expr, {s.name: v for s, v in zip(symbols, values)})
        if value and not Decimal("1e-100") <= value.copy_abs() <= Decimal("1e100"):
            raise SymbackpropError(f"expression: a constant part evaluates to {value:.5e}; constants between "
                                   "1e-100 and 1e100 in size are supported")
        return value

    def visit(self, tree) -> str | Decimal:
        constant = self.number(tree)
        if constant is not None:
            return constant
        if isinstance(tree, Var):
            if tree.name not in self.at:
                raise SymbackpropError(f"expression: the variable {tree.name!r} has no value; "
                                       f"give it with --at {tree.name}=...")
            return tree.name
        if isinstance(tree, Unary):
            return self.new("neg", (self.visit(tree.arg),))
        if isinstance(tree, Call):
            args = tuple(self.visit(a) for a in tree.args)
            act = ACTIVATIONS.get(tree.name)
            if act is not None and act.parameter:
                # leaky_relu(x) or leaky_relu(x, 0.1): the parameter is the gate's constant
                parameter = args[1] if len(args) > 1 else act.default
                if not isinstance(parameter, Decimal):
                    raise SymbackpropError(f"expression: the {act.parameter} of {tree.name}(...) must be "
                                           f"a number, found an expression with variables")
                return self.new(tree.name, (self.lift(args[0]),), parameter)
            args = tuple(self.lift(a) for a in args)
            if tree.name == "sigmoid" and self.decompose:
                # σ(x) = 1/(1 + e^(−x)), as deck 000 draws it: *−1, exp, +1, 1/x
                return self.new("inv", (self.new("addc", (self.new("exp", (self.new(
                    "mulc", args, Decimal(-1)),)),), Decimal(1)),))
            return self.new(tree.name, args)
        left, right = self.visit(tree.left), self.visit(tree.right)
        op = tree.op
        lc, rc = isinstance(left, Decimal), isinstance(right, Decimal)
        # a constant stays where it was typed (z^2 + 1 is v + 1, 2*x is 2·x, x*2 is x·2)
        side = "first" if lc else "last"
        if op == "+":
            if lc or rc:
                return self.new("addc", (right if lc else left,), left if lc else right, side)
            return self.new("add", (left, right))
        if op == "-":
            if rc:
                return self.new("addc", (left,), right.copy_negate(), "last")
            if lc:
                return self.new("addc", (self.new("neg", (right,)),), left, "first")
            return self.new("sub", (left, right))
        if op == "*":
            if lc or rc:
                return self.new("mulc", (right if lc else left,), left if lc else right, side)
            return self.new("mul", (left, right))
        if op == "/":
            if rc:
                if right == 0:
                    raise SymbackpropError("expression: division by zero")
                with exact():
                    return self.new("mulc", (left,), 1 / right)
            if lc:
                inv = self.new("inv", (right,))
                return inv if left == 1 else self.new("mulc", (inv,), left)
            return self.new("div", (left, right))
        # power
        if rc:
            if abs(right) > 1000:
                raise SymbackpropError(f"expression: the exponent {right} is too large (at most 1000)")
            return self.new("pow", (left,), right)
        if lc:
            return self.new("cpow", (right,), left)
        return self.new("powxy", (left, right))

    def lift(self, value: str | Decimal) -> str:
        """A constant argument of a function becomes a constant leaf."""
        if isinstance(value, str):
            return value
        node_id = next(self.names)
        self.ops.append((node_id, "const", (), value))
        return node_id


def _sympy_of(tree, symbols):
    if isinstance(tree, Unary):
        return -symbols[0]
    if isinstance(tree, Binary):
        a, b = symbols
        return {"+": a + b, "-": a - b, "*": a * b, "/": a / b, "^": a ** b}[tree.op]
    name = tree.name
    if name in ELEMENTARY:
        return ELEMENTARY[name](*symbols)
    act = ACTIVATIONS[name]
    return act.forward(symbols[0], symbols[1] if len(symbols) > 1 else _c(act.default))


def _eval(text: str, expr: Expr, env) -> Decimal:
    try:
        return evaluate(expr, env)
    except UndefinedValue as exc:
        raise SymbackpropError(f"expression: {text!r} has no finite value here ({exc})") from None


def parse_at(text: str, source: str = "--at") -> dict[str, Decimal]:
    """``x=-2,y=5,z=-4`` (also with ';' or spaces) -> {'x': Decimal(-2), ...}."""
    from .expr import parse_number
    out: dict[str, Decimal] = {}
    for part in [p for p in text.replace(";", ",").replace(" ", ",").split(",") if p]:
        name, sep, value = part.partition("=")
        if not sep or not name.isidentifier():
            raise SymbackpropError(f"{source}: expected name=value pairs such as x=-2,y=5; found {part!r}")
        try:
            out[name] = parse_number(value)
        except ValueError:
            raise SymbackpropError(f"{source}: {name}: expected a number, found {value!r}") from None
        if out[name].copy_abs() > Decimal("1e12"):
            raise SymbackpropError(f"{source}: {name}: expected a number of magnitude at most 1e12")
    return out


def build_graph(expression: str, at: Mapping[str, object], *, decompose_sigmoid: bool = False) -> Graph:
    """The graph of ``expression`` at the point ``at`` (name -> number)."""
    tree = parse_expression(expression)
    point = {k: to_decimal(v) for k, v in at.items()}
    for name in variables(tree):
        if name not in point and name not in CONSTANTS:
            raise SymbackpropError(f"expression: the variable {name!r} has no value; "
                                   f"give it with --at {name}=...")
    builder = _Builder(expression, point, decompose_sigmoid)
    top = builder.visit(tree)
    if isinstance(top, Decimal):
        raise ExpressionError(expression, 0, "the expression has no variable to differentiate by")
    used = [v for v in variables(tree) if v in point]
    # the last operation is the output: f, as in the lectures (unless f is a variable)
    ops = builder.ops
    order = builder.order
    if ops and top == ops[-1][0] and "f" not in point:
        rename = {top: "f"}
        ops = [(rename.get(i, i), op, tuple(rename.get(x, x) for x in ins), c) for i, op, ins, c in ops]
        order = {rename.get(k, k): v for k, v in order.items()}
        top = "f"
    return _evaluate_graph(expression, point, used, ops, top, decompose_sigmoid, order)


def _definition(gate: Gate, syms: list[Symbol], const: Decimal | None, order: str | None) -> Expr:
    """The node's defining formula; a constant typed before or after its operand stays there."""
    if order and gate.op == "addc":
        pair = (_c(const), syms[0]) if order == "first" else (syms[0], _c(const))
        return sympy.Add(*pair, evaluate=False)
    if order and gate.op == "mulc":
        pair = (_c(const), syms[0]) if order == "first" else (syms[0], _c(const))
        return sympy.Mul(*pair, evaluate=False)
    return gate.forward(syms, const)


def _evaluate_graph(expression, point, used, ops, top, decomposed, order=None) -> Graph:
    order = order or {}
    values: dict[str, Decimal] = {v: point[v] for v in used}
    definitions: dict[str, Expr] = {}
    local_forms: dict[str, tuple[Expr, ...]] = {}
    local_values: dict[str, tuple[Decimal | None, ...]] = {}
    notes: list[tuple[str, str, str]] = []
    missing: list[tuple[str, int, str, str, Expr, Expr, Decimal, str]] = []
    for node_id, op, inputs, const in ops:
        if op == "const":
            values[node_id] = const
            continue
        gate = GATES[op]
        syms = [Symbol(i, real=True) for i in inputs]
        out = Symbol(node_id, real=True)
        definitions[node_id] = _definition(gate, syms, const, order.get(node_id))
        values[node_id] = _eval(expression, definitions[node_id], values)
        local_forms[node_id] = gate.local(syms, out, const)
        locals_here: list[Decimal | None] = []
        for index, form in enumerate(local_forms[node_id]):
            try:
                locals_here.append(evaluate(form, values))
            except UndefinedValue as exc:
                kind, argument, local = _why(op, index, form, syms, values, str(exc))
                at = evaluate(argument, values) if argument is not None else Decimal(0)
                missing.append((node_id, index, inputs[index], kind, form, argument, at, str(exc)))
                notes.append((kind, node_id, op))
                locals_here.append(local)
        local_values[node_id] = tuple(locals_here)
        notes += _conventions(op, [values[i] for i in inputs], node_id)
    users: dict[str, int] = {}
    for _, _, inputs, _ in ops:
        for i in inputs:
            users[i] = users.get(i, 0) + 1
    grads: dict[str, Decimal | None] = {top: Decimal(1)}
    edges: list[Edge] = []
    with exact():
        for node_id, op, inputs, _ in reversed(ops):
            if op == "const":
                continue
            upstream = grads.get(node_id, Decimal(0))
            for i, local in zip(inputs, local_values[node_id]):
                try:
                    down = _times(upstream, local)
                    grads[i] = _plus(grads.get(i, Decimal(0)), down)
                except decimal.Overflow:
                    # finite, but beyond what a decimal holds: not ∞, and not to be guessed
                    raise SymbackpropError(f"expression: {expression!r}: the gradient ∂f/∂{i} is larger "
                                           "than 1e999999 in size at this point") from None
                edges.append(Edge(i, node_id, local, upstream, down))
    nodes = [GraphNode(v, "input", (), None, None, (), values[v], (), grads.get(v, Decimal(0)),
                       None, users.get(v, 0)) for v in used]
    for node_id, op, inputs, const in ops:
        gate = GATES.get(op)
        nodes.append(GraphNode(node_id, op, inputs, const, definitions.get(node_id),
                               local_forms.get(node_id, ()), values[node_id],
                               local_values.get(node_id, ()), grads.get(node_id, Decimal(0)),
                               gate.pattern if gate else None, users.get(node_id, 0)))
    # which variables' gradients go through each derivative without a value
    feeds: dict[str, set[str]] = {v: {v} for v in used}
    for node_id, op, inputs, _ in ops:
        feeds[node_id] = set().union(*(feeds.get(i, set()) for i in inputs)) if inputs else set()
    missing_notes = tuple(
        Missing(node, index, input_, kind, form, argument, at, tuple(v for v in used if v in feeds[input_]), reason)
        for node, index, input_, kind, form, argument, at, reason in missing)
    unused = tuple(v for v in point if v not in used)
    notes = list(dict.fromkeys(notes)) + [("unused", v, "input") for v in unused]
    return Graph(expression, dict(point), tuple(nodes), tuple(edges), top, tuple(notes), decomposed,
                 unused, missing_notes)


_INFINITY = Decimal("Infinity")


def _why(op: str, index: int, form: Expr, syms: list[Symbol], values, reason: str):
    """(kind, argument, local value) for a local derivative that cannot be evaluated.

    A logarithm of a number <= 0 in it: "no_real", its argument. A division by zero: the
    derivative is infinite at the gate's input (√x at 0, x^c with 0 < c < 1 at 0, x^y with
    y > 0 at x = 0: all +∞ from the side where the gate is defined); any other: "undefined"."""
    for term in sorted(form.atoms(sympy.log), key=sympy.default_sort_key):
        try:
            inside = evaluate(term.args[0], values)
        except UndefinedValue:
            continue
        if inside <= 0:
            return "no_real", term.args[0], None
    argument = syms[index]
    if reason == "division by zero":
        positive = op in ("sqrt", "pow") or (op == "powxy" and index == 0 and values[syms[1].name] > 0)
        return "infinite", argument, _INFINITY if positive else None
    return "undefined", argument, None


def _times(upstream: Decimal | None, local: Decimal | None) -> Decimal | None:
    """upstream × local, where either may be infinite (0 · ∞ has no value) or have none."""
    if upstream is None or local is None:
        return None
    if upstream.is_infinite() or local.is_infinite():
        if upstream == 0 or local == 0:
            return None
        return _INFINITY if (upstream > 0) == (local > 0) else -_INFINITY
    return local * upstream


def _plus(a: Decimal | None, b: Decimal | None) -> Decimal | None:
    """The sum of two branches (∞ − ∞ has no value)."""
    if a is None or b is None:
        return None
    if a.is_infinite() and b.is_infinite() and a != b:
        return None
    return a + b


def _conventions(op: str, args: list[Decimal], node_id: str) -> list[tuple[str, str, str]]:
    """(kind, node, op) for each non-differentiable point met: the renderers say it in words."""
    if op in ("max", "min") and args[0] == args[1]:
        return [("tie", node_id, op)]
    if kink(op) and args[0] == 0:
        return [("kink", node_id, op)]
    return []


def graph_from_sympy(expr: Expr, at: Mapping[str, object], *, decompose_sigmoid: bool = False) -> Graph:
    """The same graph from a SymPy expression (printed, then read by our own grammar)."""
    text = sympy.sstr(expr).replace("**", "^")
    for name in ("Max", "Min", "Abs"):
        text = text.replace(f"{name}(", f"{name.lower()}(")
    return build_graph(text, at, decompose_sigmoid=decompose_sigmoid)

"""Our own grammar for the expressions people type: never eval, never sympify.

    expression := sum
    sum        := product (("+" | "-") product)*
    product    := unary (("*" | "/") unary)*
    unary      := ("-" | "+") unary | power
    power      := atom (("^" | "**") unary)?          (right-associative: 2^3^2 = 2^9)
    atom       := NUMBER | NAME | NAME "(" args ")" | "(" sum ")"
    NUMBER     := digits with "." or "," as the decimal separator, optional exponent (1e-3)

Functions: exp, log (natural; ln too), sqrt, abs, max, min and every activation of the table
of operations (sigmoid, tanh, relu, leaky_relu(x[, slope]), softplus, elu, swish). The parser
returns a small tree of tuples (:class:`Num`, :class:`Var`, :class:`Unary`, :class:`Binary`,
:class:`Call`); a syntax error is an :class:`ExpressionError` that shows the expression with a
caret under the place. Sizes are bounded before any work: at most ``MAX_LENGTH`` characters
and ``MAX_DEPTH`` levels of nesting.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from ..errors import SymbackpropError
from .ops import GATE_FUNCTIONS

__all__ = ["Num", "Var", "Unary", "Binary", "Call", "ExpressionError", "parse_expression",
           "FUNCTIONS", "MAX_LENGTH", "MAX_DEPTH", "variables", "parse_number", "evaluate_constant"]

MAX_LENGTH = 2000
MAX_DEPTH = 100
#: name -> the numbers of arguments it takes (from the table of operations)
FUNCTIONS = GATE_FUNCTIONS


class ExpressionError(SymbackpropError):
    """An expression that cannot be read: ``str()`` is one line; ``picture`` shows the
    expression with a caret under the place (the CLI adds it when a person is reading)."""

    def __init__(self, text: str, position: int, message: str, source: str = "expression"):
        self.text, self.position, self.message = text, position, message
        shown = text if len(text) <= 120 else text[:117] + "..."
        shown = "".join(ch if ch.isprintable() else "?" for ch in shown)
        caret = " " * min(position, len(shown)) + "^"
        self.picture = f"  {shown}\n  {caret}"
        super().__init__(f"{source}: {message} at position {position + 1} of {shown!r}")


@dataclass(frozen=True)
class Num:
    value: Decimal
    text: str


@dataclass(frozen=True)
class Var:
    name: str


@dataclass(frozen=True)
class Unary:
    op: str          # "-"
    arg: object


@dataclass(frozen=True)
class Binary:
    op: str          # + - * / ^
    left: object
    right: object


@dataclass(frozen=True)
class Call:
    name: str
    args: tuple


_TOKEN_TEMPLATE = r"""
    (?P<space>\s+)
  | (?P<number>(?:\d+(?:SEP\d*)?|SEP\d+)(?:[eE][-+]?\d+)?)
  | (?P<name>[A-Za-z_][A-Za-z_0-9]*)
  | (?P<op>\*\*|[-+*/^(),])
"""
_TOKEN = re.compile(_TOKEN_TEMPLATE.replace("SEP", "[.]"), re.X)
_TOKEN_COMMA = re.compile(_TOKEN_TEMPLATE.replace("SEP", "[.,]"), re.X)


def parse_number(text: str) -> Decimal:
    """A number as people write it: 0.5, 0,5, .5, 1e-3 (no thousands separators)."""
    try:
        value = Decimal(text.replace(",", "."))
    except InvalidOperation:
        raise ValueError(f"not a number: {text!r}") from None
    if not value.is_finite():
        raise ValueError(f"not a finite number: {text!r}")
    return value


class _Parser:
    def __init__(self, text: str, source: str, decimal_comma: bool):
        self.text = text
        self.source = source
        self.tokens: list[tuple[str, str, int]] = []
        token = _TOKEN_COMMA if decimal_comma else _TOKEN
        pos = 0
        while pos < len(text):
            m = token.match(text, pos)
            if not m:
                self.fail(pos, f"unexpected character {text[pos]!r}")
            if m.lastgroup != "space":
                self.tokens.append((m.lastgroup, m.group(), pos))
            pos = m.end()
        self.tokens.append(("end", "", len(text)))
        self.i = 0
        self.depth = 0

    def fail(self, pos: int, message: str):
        raise ExpressionError(self.text, pos, message, self.source)

    def peek(self) -> tuple[str, str, int]:
        return self.tokens[self.i]

    def take(self) -> tuple[str, str, int]:
        tok = self.tokens[self.i]
        self.i += 1
        return tok

    def expect(self, value: str) -> None:
        kind, got, pos = self.peek()
        if got != value or kind != "op":
            found = "the end" if kind == "end" else repr(got)
            self.fail(pos, f"expected {value!r}, found {found}")
        self.take()

    def nested(self):
        self.depth += 1
        if self.depth > MAX_DEPTH:
            self.fail(self.peek()[2], f"nested more than {MAX_DEPTH} levels")

    def parse(self):
        if not self.text.strip():
            self.fail(0, "empty expression")
        tree = self.sum()
        kind, value, pos = self.peek()
        if kind != "end":
            self.fail(pos, f"unexpected {value!r}")
        return tree

    def sum(self):
        left = self.product()
        while self.peek()[0] == "op" and self.peek()[1] in "+-":
            op = self.take()[1]
            left = Binary(op, left, self.product())
        return left

    def product(self):
        left = self.unary()
        while self.peek()[0] == "op" and self.peek()[1] in ("*", "/"):
            op = self.take()[1]
            left = Binary(op, left, self.unary())
        return left

    def unary(self):
        kind, value, _ = self.peek()
        if kind == "op" and value in "+-":
            self.take()
            self.nested()
            arg = self.unary()
            self.depth -= 1
            return Unary("-", arg) if value == "-" else arg
        return self.power()

    def power(self):
        base = self.atom()
        kind, value, _ = self.peek()
        if kind == "op" and value in ("^", "**"):
            self.take()
            self.nested()
            exponent = self.unary()
            self.depth -= 1
            return Binary("^", base, exponent)
        return base

    def atom(self):
        kind, value, pos = self.take()
        if kind == "number":
            try:
                return Num(parse_number(value), value)
            except ValueError:
                self.fail(pos, f"cannot read the number {value!r}")
        if kind == "name":
            if self.peek()[1] == "(" and self.peek()[0] == "op":
                if value not in FUNCTIONS:
                    known = ", ".join(sorted(FUNCTIONS))
                    self.fail(pos, f"unknown function {value!r} (known: {known})")
                self.take()
                self.nested()
                args = [self.sum()]
                while self.peek()[1] == "," and self.peek()[0] == "op":
                    self.take()
                    args.append(self.sum())
                self.expect(")")
                self.depth -= 1
                name = "log" if value == "ln" else value
                if len(args) not in FUNCTIONS[value]:
                    takes = " or ".join(map(str, FUNCTIONS[value]))
                    self.fail(pos, f"{value} takes {takes} argument(s), found {len(args)}")
                return Call(name, tuple(args))
            return Var(value)
        if kind == "op" and value == "(":
            self.nested()
            inner = self.sum()
            self.expect(")")
            self.depth -= 1
            return inner
        found = "the end" if kind == "end" else repr(value)
        self.fail(pos, f"expected a number, a name or '(', found {found}")


def parse_expression(text: str, *, source: str = "expression", decimal_comma: bool = False):
    """Parse ``text`` into a tree. ``decimal_comma`` reads 0,5 as 0.5 (then max/min need ';'...
    so it is only for single numbers and arithmetic without two-argument functions)."""
    if not isinstance(text, str):
        raise ExpressionError(str(text), 0, "expected text", source)
    if len(text) > MAX_LENGTH:
        raise ExpressionError(text[:100], 0, f"longer than {MAX_LENGTH} characters "
                                             f"({len(text)})", source)
    return _Parser(text, source, decimal_comma).parse()


def variables(tree) -> tuple[str, ...]:
    """The variable names of a tree in order of first appearance."""
    seen: dict[str, None] = {}

    def walk(t):
        if isinstance(t, Var):
            seen.setdefault(t.name)
        elif isinstance(t, Unary):
            walk(t.arg)
        elif isinstance(t, Binary):
            walk(t.left)
            walk(t.right)
        elif isinstance(t, Call):
            for a in t.args:
                walk(a)
    walk(tree)
    return tuple(seen)


def evaluate_constant(tree, constants=None) -> Decimal:
    """The exact value of a tree without variables (names must be known constants).

    Bounded: exponents above 1000 in size and results beyond 1e100 are refused, so
    ``9^9^9`` fails at once instead of computing."""
    from . import exact as _x
    constants = constants or {}

    def ev(t) -> Decimal:
        if isinstance(t, Num):
            return t.value
        if isinstance(t, Var):
            if t.name in constants:
                return constants[t.name]
            raise SymbackpropError(f"unknown name {t.name!r} in a value")
        if isinstance(t, Unary):
            return -ev(t.arg)
        if isinstance(t, Call):
            args = [ev(a) for a in t.args]
            x = args[0]
            if t.name == "exp":
                if x > 230:
                    raise SymbackpropError("exp(...) of a number above 230 is too large")
                return x.exp()
            if t.name == "log":
                if x <= 0:
                    raise SymbackpropError("log of a number <= 0")
                return x.ln()
            if t.name == "sqrt":
                if x < 0:
                    raise SymbackpropError("square root of a negative number")
                return x.sqrt()
            return _call(t.name, args)
        a, b = ev(t.left), ev(t.right)
        if t.op == "+":
            out = a + b
        elif t.op == "-":
            out = a - b
        elif t.op == "*":
            out = a * b
        elif t.op == "/":
            if b == 0:
                raise SymbackpropError("division by zero")
            out = a / b
        else:
            if abs(b) > 1000:
                raise SymbackpropError(f"the exponent {b} is too large (at most 1000)")
            if b == 0:
                out = Decimal(1)                 # 0^0 = 1, as in Python and most calculators
            elif b == b.to_integral_value():
                if a == 0 and b < 0:
                    raise SymbackpropError("division by zero")
                out = a ** int(b)
            else:
                if a <= 0:
                    raise SymbackpropError("a non-integer power of a number <= 0")
                out = (b * a.ln()).exp()
        if abs(out) > Decimal("1e100"):
            raise SymbackpropError("the value is too large (above 1e100)")
        return out

    with _x.exact():
        return ev(tree)


def _call(name: str, args: list[Decimal]) -> Decimal:
    """A function of the table of operations at exact values."""
    import sympy

    from .evaluate import UndefinedValue, evaluate
    from .ops import ACTIVATIONS, ELEMENTARY

    xs = [sympy.Symbol(f"_a{i}", real=True) for i in range(len(args))]
    if name in ELEMENTARY:
        expr = ELEMENTARY[name](*xs)
    else:
        act = ACTIVATIONS[name]
        expr = act.forward(xs[0], xs[1] if len(xs) > 1 else sympy.Rational(str(act.default or 0)))
    try:
        return evaluate(expr, {s.name: v for s, v in zip(xs, args)})
    except UndefinedValue as exc:
        raise SymbackpropError(f"{name}(...) has no finite value here ({exc})") from None

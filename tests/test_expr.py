"""Our expression grammar: precedence, numbers as people write them, clear refusals."""
from decimal import Decimal

import pytest

from symbackprop.core.expr import (MAX_DEPTH, MAX_LENGTH, Binary, Call, ExpressionError, Num, Unary, Var,
                              parse_expression, variables)


def test_precedence_and_associativity():
    assert parse_expression("(x+y)*z") == Binary("*", Binary("+", Var("x"), Var("y")), Var("z"))
    # power is right-associative and binds tighter than unary minus: -2^2 = -(2^2)
    assert parse_expression("2^3^2") == Binary("^", Num(Decimal(2), "2"),
                                               Binary("^", Num(Decimal(3), "3"), Num(Decimal(2), "2")))
    assert parse_expression("-2^2") == Unary("-", Binary("^", Num(Decimal(2), "2"), Num(Decimal(2), "2")))
    assert parse_expression("x**2") == parse_expression("x^2")
    assert parse_expression("a - b - c") == Binary("-", Binary("-", Var("a"), Var("b")), Var("c"))
    assert parse_expression("max(x, 1)") == Call("max", (Var("x"), Num(Decimal(1), "1")))
    assert parse_expression("ln(x)") == Call("log", (Var("x"),))


def test_numbers():
    assert parse_expression("1e-3") == Num(Decimal("0.001"), "1e-3")
    assert parse_expression(".5") == Num(Decimal("0.5"), ".5")
    assert parse_expression("0,0802", decimal_comma=True) == Num(Decimal("0.0802"), "0,0802")
    assert variables(parse_expression("w0*x0 + w1*x1 + w0")) == ("w0", "x0", "w1", "x1")


@pytest.mark.parametrize("text, position, words", [
    ("(x+y", 5, "expected ')'"),
    ("x + * y", 5, "expected a number"),
    ("foo(x)", 1, "unknown function 'foo'"),
    ("max(x)", 1, "max takes 2 argument(s)"),
    ("x.y", 2, "unexpected character '.'"),
    ("__import__('os').system('x')", 12, "unexpected character"),
    ("().__class__", 3, "unexpected character '.'"),
    ("lambda: 1", 7, "unexpected character ':'"),
    ("x y", 3, "unexpected 'y'"),
    ("", 1, "empty expression"),
])
def test_syntax_errors_point_at_the_place(text, position, words):
    with pytest.raises(ExpressionError) as info:
        parse_expression(text)
    message = str(info.value)
    assert words in message and f"position {position}" in message
    assert "\n" not in message                       # one line; the picture is apart
    shown, caret = info.value.picture.splitlines()
    assert shown == "  " + text and caret.index("^") - 2 == position - 1


def test_sizes_are_bounded_before_work():
    with pytest.raises(ExpressionError, match="longer than"):
        parse_expression("x+" * MAX_LENGTH + "x")
    with pytest.raises(ExpressionError, match="nested more than"):
        parse_expression("(" * (MAX_DEPTH + 5) + "x" + ")" * (MAX_DEPTH + 5))

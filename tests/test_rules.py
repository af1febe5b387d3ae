"""Every rule of the local-derivative table against sympy.diff, and the exact evaluator."""
from decimal import Decimal

import pytest
import sympy

from symbackprop.core.evaluate import UndefinedValue, evaluate
from symbackprop.core.ops import (ACTIVATIONS as ACTIVATION_RULES, LOSSES as LOSS_RULES, PENALTIES, leaky_relu,
                               elu, relu, sigmoid, softmax_derivative, softmax_forward, softplus)

z = sympy.Symbol("z", real=True)
a = sympy.Symbol("a", real=True)
y = sympy.Symbol("y", real=True)
SLOPE = sympy.Rational(1, 10)


@pytest.mark.parametrize("name", sorted(ACTIVATION_RULES))
def test_named_derivative_equals_sympy_diff(name):
    rule = ACTIVATION_RULES[name]
    forward = rule.forward(z, SLOPE)
    named = rule.named(a, z, SLOPE).subs(a, forward)
    # Compare as functions at many points on both sides of 0 (relu's H is piecewise).
    reference = sympy.diff(forward.rewrite(sympy.exp).rewrite(sympy.Piecewise), z)
    for point in ("-2.5", "-0.3", "0.7", "3.1"):
        got = sympy.N(named.rewrite(sympy.exp).subs(z, sympy.Rational(point)), 30)
        want = sympy.N(reference.subs(z, sympy.Rational(point)), 30)
        assert abs(got - want) < 1e-25, (name, point)


def test_textbook_forms():
    assert ACTIVATION_RULES["sigmoid"].named(a, z, 0) == a * (1 - a)
    assert ACTIVATION_RULES["tanh"].named(a, z, 0) == 1 - a**2
    assert ACTIVATION_RULES["sigmoid"].general(z) == sigmoid(z) * (1 - sigmoid(z))


def test_conventions_at_zero():
    env = {"z": Decimal(0)}
    assert evaluate(ACTIVATION_RULES["relu"].named(a, z, 0), env) == 0
    assert evaluate(ACTIVATION_RULES["leaky_relu"].named(a, z, SLOPE), env) == Decimal("0.1")


@pytest.mark.parametrize("name", sorted(LOSS_RULES))
def test_loss_derivative_equals_sympy_diff(name):
    rule = LOSS_RULES[name]
    assert sympy.simplify(rule.named(a, y, 3) - sympy.diff(rule.term(a, y, 3), a)) == 0
    assert sympy.simplify(rule.written(a, y, 3) - rule.term(a, y, 3)) == 0


def test_softmax_jacobian():
    zs = sympy.symbols("z1:4", real=True)
    for k in range(3):
        ak = softmax_forward(zs, k)
        for j in range(3):
            aj = softmax_forward(zs, j)
            diff = sympy.diff(ak, zs[j]) - softmax_derivative(ak, aj, j == k)
            assert sympy.simplify(diff) == 0


def test_penalties():
    lam, w = sympy.Rational(1, 5), sympy.Symbol("w", real=True)
    for penalty in PENALTIES.values():
        assert sympy.diff(penalty.value(lam, w), w) == penalty.derivative(lam, w)
    assert PENALTIES["l2"].value(lam, w) == w**2 / 10 and PENALTIES["l1"].value(lam, w) == sympy.Abs(w) / 10


@pytest.mark.parametrize("expr", [
    sigmoid(z), sympy.tanh(z), relu(z), leaky_relu(z, SLOPE), softplus(z), elu(z), z * sigmoid(z),
    sympy.exp(z) / 3,
    sympy.log(z**2 + 1), sympy.sqrt(z**2 + 2), sympy.Abs(z) * sympy.sign(z), z**-2,
])
@pytest.mark.parametrize("point", ["-1.7", "0.3", "2.25"])
def test_evaluator_matches_sympy_numbers(expr, point):
    got = evaluate(expr, {"z": Decimal(point)})
    plain = expr.rewrite(sympy.exp).rewrite(sympy.Max).rewrite(sympy.log).rewrite(sympy.Piecewise)
    want = sympy.N(plain.subs(z, sympy.Rational(point)), 45)
    assert abs(got - Decimal(str(want))) < Decimal("1e-40")


def test_evaluator_stays_finite_when_saturated():
    assert evaluate(sigmoid(z), {"z": Decimal(-5000)}) > 0
    assert evaluate(sigmoid(z), {"z": Decimal(100)}) < 1      # 1 - 3.7e-44 at 50 digits
    assert evaluate(sympy.tanh(z), {"z": Decimal(-5000)}) == -1


def test_evaluator_refuses_log_of_zero():
    with pytest.raises(UndefinedValue):
        evaluate(sympy.log(z), {"z": Decimal(0)})

"""Fuzzing expressions: graph mode's EXPR and --at, and values written as expressions in
answers files (the same grammar). Random characters, random well-formed trees with
extreme numbers, and payloads that would run if anything evaluated them."""
from __future__ import annotations

import json
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from fuzzing import COUNTS, LATEX_ATTACKS, PAYLOADS, fuzz, nothing_executed, refused_cleanly
from symbackprop.check.answers import read_value
from symbackprop.errors import SymbackpropError
from symbackprop.core.exact import exact
from symbackprop.core.graph import build_graph, parse_at
from symbackprop.io.jsonio import dumps
from symbackprop.render.graph_text import graph_document, graph_text
from symbackprop.render.report import render_graph_tex

EXPR_ALPHABET = st.sampled_from(
    list("xyzw0123456789.,+-*/^()eE _'\"[]{}<>=!;:@#$%&|~`\\") + list("πλ∂ŷ١½")
    + ["**", "exp", "log", "ln", "sqrt", "abs", "max", "min", "sigmoid", "tanh", "relu", "pi", "lambda",
       "__import__", "os", "system", "__class__", "().", "9**9**9", "1e999999", "1/0", "0^0", "(-1)^0.5"])

NUMBER = st.one_of(
    st.sampled_from(["0", "1", "2", "0.5", "1e12", "1e-12", "700", "745", "1000", "-3", "2.5", "1e6"]),
    st.decimals(min_value=-10 ** 6, max_value=10 ** 6, allow_nan=False, allow_infinity=False, places=3)
    .map(str),
)


def trees(depth: int = 4):
    leaf = st.one_of(st.sampled_from(["x", "y", "z"]), NUMBER.map(lambda s: f"({s})"))
    return st.recursive(
        leaf,
        lambda inner: st.one_of(
            st.tuples(inner, st.sampled_from(["+", "-", "*", "/", "^"]), inner).map(lambda t: f"({t[0]}{t[1]}{t[2]})"),
            st.tuples(st.sampled_from(["exp", "log", "sqrt", "abs", "sigmoid", "tanh", "relu", "-"]), inner)
            .map(lambda t: f"{t[0]}({t[1]})"),
            st.tuples(st.sampled_from(["max", "min"]), inner, inner).map(lambda t: f"{t[0]}({t[1]}, {t[2]})"),
        ),
        max_leaves=depth * 3,
    )


POINT = st.fixed_dictionaries({"x": NUMBER, "y": NUMBER, "z": NUMBER})


def graph_pipeline(expression: str, at: dict, *, tex: bool) -> None:
    try:
        g = build_graph(expression, at)
        document = dumps(graph_document(g))
        json.loads(document, parse_float=Decimal)
        assert "NaN" not in document and "Infinity" not in document
        graph_text(g, "en")
        if tex and len(g.nodes) <= 40:
            source = render_graph_tex(g, "slides", "es")
            assert not any(attack in source for attack in LATEX_ATTACKS)
    except Exception as exc:  # noqa: BLE001 - judged by refused_cleanly
        refused_cleanly(exc)
    nothing_executed()


@fuzz(0.35)
@given(pieces=st.lists(EXPR_ALPHABET, max_size=60), point=POINT)
def test_random_characters(pieces, point):
    COUNTS["expression"] += 1
    graph_pipeline("".join(pieces), {k: Decimal(v) for k, v in point.items()}, tex=False)


@fuzz(0.35)
@given(expression=trees(), point=POINT, tex=st.integers(0, 9))
def test_well_formed_extreme(expression, point, tex):
    COUNTS["expression"] += 1
    graph_pipeline(expression, {k: Decimal(v) for k, v in point.items()}, tex=tex == 0)


@fuzz(0.1)
@given(text=st.one_of(st.text(max_size=60),
                      st.lists(st.sampled_from(["x", "=", "-", "1", "2e5", ",", ";", " ", "y", "1e13", "nan",
                                                "inf", "é", "__import__"]), max_size=20).map("".join)))
def test_at_values(text):
    COUNTS["expression"] += 1
    try:
        point = parse_at(text)
    except Exception as exc:  # noqa: BLE001
        refused_cleanly(exc, "--at")
    else:
        assert all(v.is_finite() for v in point.values())


@fuzz(0.2)
@given(text=st.one_of(st.lists(EXPR_ALPHABET, max_size=40).map("".join), trees(3).map(lambda t: t.replace("x", "2")
                                                                                      .replace("y", "0.5").replace("z", "3"))))
def test_answer_values(text):
    """A student's value: a number (with . or ,) or an expression of numbers."""
    COUNTS["expression"] += 1
    try:
        value, places = read_value(text, "answers.yaml: w5")
    except Exception as exc:  # noqa: BLE001
        refused_cleanly(exc, "answers.yaml")
    else:
        assert value.is_finite() and (places is None or 0 <= places <= 1000)
    nothing_executed()


def test_payloads_are_refused_and_never_run():
    for payload in PAYLOADS:
        for run in (lambda p: build_graph(p, {"x": 1}), lambda p: read_value(p, "answers.yaml: w5"),
                    lambda p: parse_at(f"x={p}")):
            try:
                run(payload)
            except SymbackpropError as exc:
                refused_cleanly(exc)
            else:
                raise AssertionError(f"accepted {payload!r}")
            nothing_executed()


def test_huge_inputs_are_refused_before_any_work():
    for text in ("x" + "+x" * 500_000, "(" * 1_000_000 + "x" + ")" * 1_000_000, "9**9**9", "9^9^9^9",
                 "exp(exp(exp(exp(1000))))", "1" * 1_000_000, "10^1000000"):
        for run in (lambda t: build_graph(t, {"x": 1}), lambda t: read_value(t, "answers.yaml: w5")):
            try:
                run(text)
            except SymbackpropError as exc:
                refused_cleanly(exc)
            else:
                raise AssertionError(f"accepted {text[:40]!r}")


def test_finite_but_large_values_stay_exact():
    g = build_graph("exp(x) * y", {"x": 700, "y": 2})
    with exact():
        assert g.value == 2 * Decimal(700).exp()                 # 2.03e304: exact, not inf
        assert g.gradients["x"] == g.value and g.gradients["y"] == Decimal(700).exp()

"""The ledger: one record per quantity, its formula consistent with its value, the lecture's
numbers worked by hand, and a path's product never named like its partial sum."""
from __future__ import annotations

import math
from decimal import Decimal

import pytest

from symbackprop import load_spec, solve, spec_from_dict
from symbackprop.core.evaluate import evaluate
from symbackprop.core.exact import exact, round_to
from symbackprop.derive.ledger import WRITTEN, path_id

from conftest import LECTURE
from test_selfcheck import random_spec


def sig(x):
    return 1 / (1 + math.exp(-x))


@pytest.fixture(scope="module")
def lecture():
    return solve(load_spec(LECTURE)).derivations[0]


def test_the_lectures_numbers_by_hand(lecture):
    # deck 003/004, worked in floats here: x = (0.1, 0.5), w1..w4 = 0.1, 0.3, 0.2, 0.4, b1 = 0.25
    a11, a12 = sig(0.1 * 0.1 + 0.3 * 0.5 + 0.25), sig(0.2 * 0.1 + 0.4 * 0.5 + 0.25)
    a21, a22 = sig(0.5 * a11 + 0.6 * a12 + 0.35), sig(0.7 * a11 + 0.8 * a12 + 0.35)
    L = lecture.ledger
    assert abs(float(L["a1_1"].exact) - a11) < 1e-15 and abs(float(L["a2_2"].exact) - a22) < 1e-15
    # ∂E2/∂b1 has two paths, through z1_1 and through z1_2 (the shared bias of layer 1)
    common = (a22 - 0.95) * a22 * (1 - a22)
    path1 = common * 0.7 * a11 * (1 - a11)
    path2 = common * 0.8 * a12 * (1 - a12)
    assert L["dE2/db1"].kind == "partial" and L["dE2/db1"].depends_on == ("dE2/db1#1", "dE2/db1#2")
    assert abs(float(L["dE2/db1#1"].exact) - path1) < 1e-15
    assert abs(float(L["dE2/db1#2"].exact) - path2) < 1e-15
    assert abs(float(L["dE2/db1"].exact) - (path1 + path2)) < 1e-15
    # the update deck 004 prints: nuevo_w5 = 0.5 − 0.6 · 0.08020 = 0.45188
    assert round_to(L["new_w2_1_1"].exact, 5) == Decimal("0.45188")
    assert L["new_w2_1_1"].depends_on == ("w2_1_1", "dE/dw2_1_1")


def test_a_path_is_never_named_like_its_sum(lecture):
    paths = lecture.ledger.of_kind("path")
    assert paths and all("#" in q.id for q in paths)
    partials = {q.id for q in lecture.ledger.of_kind("partial", "gradient")}
    assert not partials & {q.id for q in paths}
    assert path_id("dE2/db1", 2) == "dE2/db1#2"
    # the written values (the JSON document's, a sheet's) hold no path
    assert not any("#" in k for k in lecture.ledger.values())


def test_every_kind_is_known(lecture):
    kinds = {q.kind for q in lecture.ledger.of_kind(*WRITTEN, "path", "step")}
    assert kinds == {"input", "target", "weight", "bias", "z", "a", "error", "total", "adjoint",
                     "factor", "delta", "path", "partial", "gradient", "step", "update"}
    assert len(lecture.ledger.of_kind(*WRITTEN, "path", "step")) == len(lecture.ledger)


def test_the_step_of_an_update_is_a_quantity(lecture):
    """η·∂E/∂w, the board's 0.5 − 0.04812 (deck 003): a record of its own, whose value the
    update takes away; in hand mode, η times the hand-rounded gradient, rounded."""
    q = lecture.ledger["step_w2_1_1"]
    assert q.kind == "step" and q.depends_on == ("dE/dw2_1_1",)
    g = lecture.ledger["dE/dw2_1_1"].exact
    with exact():
        assert q.exact == Decimal("0.6") * g
        assert lecture.ledger["w2_1_1"].exact - q.exact == lecture.ledger["new_w2_1_1"].exact
    assert round(q.exact, 5) == Decimal("0.04812")
    hand = solve(load_spec(LECTURE), rounding="hand").derivations[0]
    assert hand.ledger["step_w2_1_1"].hand == Decimal("0.04812")      # 0.6 · 0.08020
    assert hand.ledger["step_b1"].exact == 0            # a frozen bias takes no step
    assert "step_w2_1_1" not in lecture.ledger.values()  # not a value a sheet asks for


@pytest.mark.parametrize("seed", [1, 2, 3, 5, 8, 13, 21, 34])
def test_every_formula_gives_its_value(seed):
    """Each record's formula, evaluated at the exact values of what it depends on, is its own
    exact value: the ledger describes what the derivation computed."""
    spec = random_spec(seed)
    for paths in ("auto", "none"):
        d = solve(spec, paths=paths).derivations[0]
        values = {qid: d.ledger[qid].exact for qid in d.ledger}
        for q in d.ledger.of_kind(*WRITTEN):
            assert set(q.depends_on) <= set(d.ledger), (seed, q.id)
            if q.formula is None:
                continue
            with exact():
                got = evaluate(q.formula, values)
                assert abs(got - q.exact) <= Decimal("1e-40") * (1 + abs(q.exact)), (seed, paths, q.id)
        for q in d.ledger.of_kind("path"):
            with exact():
                assert abs(evaluate(q.formula, values) - q.exact) <= Decimal("1e-40") * (1 + abs(q.exact))


def test_hand_values_are_a_second_column(lecture):
    d = solve(load_spec(LECTURE), rounding="hand").derivations[0]
    q = d.ledger["dE/dw2_1_1"]
    assert q.hand == Decimal("0.08020") and q.exact != q.hand
    a11, a12 = sig(0.41), sig(0.2 * 0.1 + 0.4 * 0.5 + 0.25)
    a21 = sig(0.5 * a11 + 0.6 * a12 + 0.35)
    assert abs(float(q.exact) - (a21 - 0.05) * a21 * (1 - a21) * a11) < 1e-15
    assert d.ledger.values(hand=True)["new_w2_1_1"] == Decimal("0.45188")
    assert lecture.ledger.values(hand=True) == {}


def test_a_penalty_factor_stays_a_factor():
    spec = spec_from_dict({"inputs": [0.1, 0.5], "targets": [0.05, 0.95],
                           "layers": [{"units": 2, "activation": "sigmoid", "weights": [[0.1, 0.3], [0.2, 0.4]]}],
                           "regularization": {"l2": 0.1}}, "<t>")
    d = solve(spec).derivations[0]
    q = d.ledger["dR/dw1_1_1"]
    assert q.kind == "factor" and q.depends_on == ("w1_1_1",)
    assert q.exact == Decimal("0.01")                    # λ·w = 0.1 · 0.1
    assert "dR/dw1_1_1" in d.ledger["dE/dw1_1_1"].depends_on


def test_batches_and_steps_have_a_ledger_each():
    spec = random_spec(7, batch=True)
    sol = solve(spec)
    for d in sol.derivations:
        assert any("@" in q for q in d.ledger)
        assert all(d.ledger[q].exact == v for q, v in d.ledger.values().items())


def test_one_path_of_a_gradient_with_a_penalty_is_not_the_gradient():
    """In delta form with a penalty, ∂E/∂w = δ·a + ∂R/∂w: the δ·a path alone from E is one of
    two and gets its own id; ∂R/∂w is its own factor; the gradient is their sum."""
    from symbackprop.derive.ledger import path_ids
    spec = spec_from_dict({"inputs": [0.1, 0.5], "targets": [0.05, 0.95],
                           "layers": [{"units": 2, "activation": "sigmoid", "weights": [[0.1, 0.3], [0.2, 0.4]]},
                                      {"units": 2, "activation": "sigmoid", "weights": [[0.5, 0.6], [0.7, 0.8]]}],
                           "regularization": {"l2": 0.1}}, "<t>")
    d = solve(spec, paths="none").derivations[0]
    c = d.chain("w1_1_1")
    assert path_ids(c) == ("dE/dw1_1_1#1", "dR/dw1_1_1")
    g = d.ledger["dE/dw1_1_1"]
    assert g.op == "sum" and g.depends_on == ("dE/dw1_1_1#1", "dR/dw1_1_1")
    with exact():
        assert d.ledger["dE/dw1_1_1#1"].exact + d.ledger["dR/dw1_1_1"].exact == g.exact
    # enumerated, a path alone from its error term is its partial: no record of its own
    d = solve(spec).derivations[0]
    c = d.chain("w2_1_1")
    assert path_ids(c)[0] == "dE1/dw2_1_1" and d.ledger["dE1/dw2_1_1"].op == "product"

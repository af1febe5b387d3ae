"""Property tests of the checker against simulated students (tests/students.py).

Hundreds of hand-calculation sheets, generated with fixed seeds, computed the way students
compute them (every value from the student's own rounded earlier values, 2 to 6 decimals,
rounding or truncating, through factors and paths or through δ):

* a clean sheet: no value is marked wrong;
* one planted slip: the slipped value is wrong with the planted diagnosis, every later value
  computed from it is carried forward to it (never wrong), and nothing else is flagged.

The simulator computes on its own (Decimal, 50 digits); its exact values are checked against
the engine's ledger to 1e-40 and against the lecture's numbers by hand. A failure message
lists, per sheet, the seed, the student, the slip and the misjudged items; reproduce one with
``students.make_sheet(network, kind, seed)``. The table of counts: ``python tests/students.py``.
"""
from __future__ import annotations

import decimal
from decimal import Decimal

import pytest
import students as S

from symbackprop import load_spec
from symbackprop.derive.ledger import WRITTEN

GIVEN = ("input", "target", "weight", "bias")


def _assert_judged_right(sheets, what, shown=10):
    assert sheets, f"no {what} sheets generated"
    bad = S.failures(sheets)
    more = f"\n\n... and {len(bad) - shown} more sheets" if len(bad) > shown else ""
    assert not bad, f"{len(bad)} of {len(sheets)} {what} sheets misjudged:\n\n" + "\n\n".join(bad[:shown]) + more


# ----------------------------------------------------------------------------- the simulator

@pytest.mark.parametrize("name", list(S.NETWORKS))
def test_the_simulator_computes_what_the_engine_derives(name):
    """Same quantities, same kinds, the same exact values to 1e-40, on every route."""
    load_spec(S.NETWORKS[name])                     # the spec loads (tests/students/*.yaml too)
    ledger = S.solution(name).derivations[0].ledger
    expected = {q: ledger[q] for q in ledger if ledger[q].kind in WRITTEN and ledger[q].kind not in GIVEN}
    for grad, soft in S.routes(name):
        m = S.model(name, grad, soft)
        assert set(m.nodes) == set(expected), (grad, soft, set(m.nodes) ^ set(expected))
        assert {q: n.kind for q, n in m.nodes.items()} == {q: r.kind for q, r in expected.items()}
        ex = m.evaluate(S.rounder(None))
        off = {q: (ex[q], expected[q].exact) for q in ex if abs(ex[q] - expected[q].exact) > Decimal("1e-40")}
        assert not off, (grad, soft, off)
    for q, v in S.model(name).given.items():          # the simulator read the spec's numbers
        assert ledger[q].exact == v, q


def test_the_lecture_by_hand():
    ex = S.exact("lecture")
    assert str(ex["a1_1"]).startswith("0.60108")
    assert str(ex["z2_1"]).startswith("1.01977")
    assert str(ex["dE/dw2_1_1"]).startswith("0.0802")
    assert str(ex["new_w2_1_1"]).startswith("0.451878")             # 0.45188 at five decimals
    # deck 004's sheet, a student rounding half up at five decimals
    five = {q: S.text(v, 5) for q, v in S.values("lecture", "paths", "chain", 5, "round").items()}
    deck = {"z1_1": "0.41000", "a1_1": "0.60109", "a1_2": "0.61538", "z2_1": "1.01977",
            "a2_1": "0.73493", "a2_2": "0.77955", "E1": "0.23456", "E2": "0.01453", "E": "0.24909",
            "dE1/da2_1": "0.68493", "da2_1/dz2_1": "0.19481", "dz2_1/dw2_1_1": "0.60109",
            "dE/dw2_1_1": "0.08020", "new_w2_1_1": "0.45188", "dz2_1/da1_1": "0.50000",
            "da1_1/dz1_1": "0.23978", "dE1/dw1_1_1": "0.00160", "dE2/dw1_1_1": "-0.00049",
            "dE/dw1_1_1": "0.00111",
            # from his own 0.00111: 0.1 − 0.6·0.00111 = 0.099334 (exactly: 0.0993352 → 0.09934)
            "new_w1_1_1": "0.09933"}
    assert {q: five[q] for q in deck} == deck
    # truncating at five decimals the slide's 0.60108
    assert S.text(S.values("lecture", "paths", "chain", 5, "trunc")["a1_1"], 5) == "0.60108"
    # a planted sign slip in ∂E1/∂ŷ1 is carried into the partial by hand
    m = S.model("lecture")
    slip = next(s for s in m.slips_at("dE1/da2_1") if s.kind == "sign")
    slipped = m.evaluate(S.rounder(5), slip)
    assert S.text(slipped["dE1/da2_1"], 5) == "-0.68493"
    assert S.text(slipped["dE1/dw2_1_1"], 5) == "-0.08020"       # −0.68493·0.19481·0.60109
    assert {"dE1/dw2_1_1", "dE/dw2_1_1", "new_w2_1_1", "dE1/dw1_1_1"} <= m.dependents("dE1/da2_1", slip)
    assert "dE/dz2_1" not in m.dependents("dE1/da2_1", slip)      # δ is computed from ∂E/∂ŷ1


def test_the_softmax_network_by_hand():
    ex = S.exact("softmax")
    with decimal.localcontext() as ctx:
        ctx.prec = 50
        assert abs(sum(ex[f"a2_{k}"] for k in (1, 2, 3)) - 1) < Decimal("1e-45")
        # the chain Σ_k ∂E/∂ŷ_k·∂ŷ_k/∂z_j is ŷ_j − y_j for softmax with cross-entropy
        for k, y in zip((1, 2, 3), ("0.1", "0.7", "0.2")):
            assert abs(ex[f"dE/dz2_{k}"] - (ex[f"a2_{k}"] - Decimal(y))) < Decimal("1e-45")
        assert abs(ex["dE/db2"]) < Decimal("1e-45")              # Σ δ = Σ ŷ − Σ y = 0


@pytest.mark.parametrize("name", list(S.NETWORKS))
def test_the_sheets_are_what_they_claim(name):
    """Written with exactly d decimals; a slip changes its site, and only its site and what is
    computed from it, by more than any clean student's rounding; clean sheets are clean."""
    for kind in [None] + S.kinds_for(name):
        for s in S.sheets(name, kind, 4):
            assert s.written and all(len(s.texts[q].split(".")[1]) == s.d for q in s.written)
            if kind is None:
                assert s.values is s.clean and s.slip is None
                continue
            assert s.slip.kind == kind and s.slip.site in s.written and s.far(s.slip.site)
            changed = {q for q in s.values if s.values[q] != s.clean[q]}
            assert s.slip.site in changed and changed <= s.dependents | {s.slip.site}, (s.describe(), changed)


# ----------------------------------------------------------------------------- the checker

@pytest.mark.parametrize("name", list(S.NETWORKS))
def test_clean_sheets_have_nothing_wrong(name):
    _assert_judged_right(S.sheets(name, None, S.SHEETS[name][0]), f"clean {name}")


CASES = [(name, kind) for name in S.NETWORKS for kind in S.kinds_for(name)]


@pytest.mark.parametrize("name, kind", CASES, ids=[f"{n}-{k}" for n, k in CASES])
def test_one_slip_is_caught_diagnosed_and_carried(name, kind):
    _assert_judged_right(S.sheets(name, kind, S.SHEETS[name][1]), f"{name} {kind}")

"""Exercise variants: deterministic, distinct, readable; manifests that grade a student's
own variant; class rosters; resumable builds."""
from __future__ import annotations

import json
from decimal import Decimal

import pytest

from symbackprop import SymbackpropError, load_spec, solve
from symbackprop.core.exact import round_to
from symbackprop.spec.reading import spec_from_dict, spec_to_dict
from symbackprop.exercises.variants import make_variants, manifest_document, problems



@pytest.fixture(scope="module")
def thirty(lecture_spec):
    return make_variants(lecture_spec, 30, seed=1)


def test_variants_are_deterministic_and_distinct(lecture_spec, thirty):
    again = make_variants(lecture_spec, 30, seed=1)
    assert [spec_to_dict(v.spec) for v in again] == [spec_to_dict(v.spec) for v in thirty]
    keys = {json.dumps(spec_to_dict(v.spec), sort_keys=True) for v in thirty}
    assert len(keys) == 30
    other = make_variants(lecture_spec, 3, seed=2)
    assert spec_to_dict(other[0].spec) != spec_to_dict(thirty[0].spec)


def test_variants_have_nice_readable_numbers(thirty):
    for v in thirty:
        s = v.spec
        weights = [w for layer in s.layers for row in layer.weights for w in row]
        assert all(w == round_to(w, 1) and w != 0 and -1 <= w <= 1 for w in weights)
        assert all(Decimal("0.05") <= t <= Decimal("0.95") and t == round_to(t, 2) for t in s.targets[0])
        assert s.layers[0].shared_bias                       # the lecture's shape is kept
        assert problems(s) == []
        d = solve(s).derivations[0]
        for c in d.chains:
            if c.trainable:                                  # a question never has 0.00000 as answer
                assert round_to(c.gradient, 5) != 0
            a = d.values
            assert all(Decimal("0.02") <= a[q] <= Decimal("0.98") for q in ("a1_1", "a1_2", "a2_1", "a2_2"))


def test_manifest_holds_every_expected_value(lecture_spec, thirty):
    doc = manifest_document(lecture_spec, thirty[:3], seed=1, vary=("weights",), places=1)
    v = doc["variants"][2]
    assert v["number"] == 3 and v["name"] == "variant-03"
    d = solve(spec_from_dict(v["spec"])).derivations[0]
    assert v["expected"]["new_w2_1_1"] == d.updated["w2_1_1"]
    assert {"a1_1", "dE/dw1_1_1", "da2_1/dz2_1", "new_w1_1_1"} <= set(v["expected"])


def test_refusals(lecture_spec):
    with pytest.raises(SymbackpropError, match="--vary"):
        make_variants(lecture_spec, 2, seed=1, vary=("colours",))
    with pytest.raises(SymbackpropError, match="--range"):
        make_variants(lecture_spec, 2, seed=1, value_range=(Decimal(1), Decimal(-1)))
    with pytest.raises(SymbackpropError, match="no readable variant"):
        # with numbers from 5 to 6 every sigmoid saturates
        make_variants(lecture_spec, 2, seed=1, value_range=(Decimal(5), Decimal(6)))


def test_a_failing_variant_is_reported_not_raised(tmp_path, lecture_spec):
    from symbackprop.api import build_variant
    good = spec_to_dict(lecture_spec)
    bad = {**good, "layers": [{"units": 2, "weights": [[1, 2, 3]]}]}
    assert build_variant((1, "v1", bad, str(tmp_path / "v1"), False, "es"))[1] == "failed"
    number, status, error = build_variant((2, "v2", good, str(tmp_path / "v2"), False, "es"))
    assert status == "built" and error is None
    assert sorted(p.name for p in (tmp_path / "v2").iterdir()) == [
        ".hash", "v2-answers-es.tex", "v2-exercise-es.tex", "v2.yaml"]
    # the variant's own spec grades its answers too
    assert load_spec(tmp_path / "v2" / "v2.yaml").layers == lecture_spec.layers

"""Moodle XML and plain question exports: the structure Moodle's importer reads, and answers
and tolerances equal to the lecture network's numbers computed here, by hand."""
from __future__ import annotations

import xml.etree.ElementTree as ET
from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal

import mpmath
import pytest

from symbackprop.exercises.lms import default_steps, moodle_xml, questions, questions_csv
from symbackprop.exercises.variants import Variant, make_variants

from conftest import ROOT


def validate_moodle(text: str) -> list[ET.Element]:
    """The parts of Moodle's XML format the importer needs (qformat_xml): a <quiz> root; each
    <question> with a type; categories with <category><text>; numerical questions with
    <name><text>, <questiontext format><text>, and answers with a fraction, <text> holding a
    number and a non-negative <tolerance>."""
    assert text.startswith('<?xml version="1.0" encoding="UTF-8"?>')
    root = ET.fromstring(text.encode())
    assert root.tag == "quiz"
    numerical = []
    for q in root:
        assert q.tag == "question" and q.get("type") in ("category", "numerical")
        if q.get("type") == "category":
            assert q.find("category/text").text.startswith("$course$/")
            continue
        numerical.append(q)
        assert q.find("name/text").text
        assert q.find("questiontext").get("format") == "html" and q.find("questiontext/text").text
        assert q.find("generalfeedback/text").text.startswith("<p>\\(")
        answers = q.findall("answer")
        assert answers and all(a.get("fraction") == "100" for a in answers)
        for a in answers:
            float(a.find("text").text)
            assert float(a.find("tolerance").text) >= 0
    return numerical


@pytest.fixture(scope="module")
def variants(lecture_spec):
    return make_variants(lecture_spec, 3, seed=1)


def by_hand(spec, decimals=None) -> dict[str, mpmath.mpf]:
    """The default steps of a 2-2-2 sigmoid network with half-SSE loss, written out from the
    lecture (a1_1 = σ(w1_1_1·x1 + w1_1_2·x2 + b1), ...). With ``decimals``, as a student with a
    calculator does it: every value written down is rounded half up before it is used again
    (z, a, each error term, E, each local derivative, each path product, each partial sum,
    each gradient, each update); without, exactly (mpmath at the caller's precision)."""
    def r(v):
        if decimals is None:
            return v
        return mpmath.mpf(str(Decimal(mpmath.nstr(v, 40)).quantize(Decimal(1).scaleb(-decimals),
                                                                      rounding=ROUND_HALF_UP)))

    def num(v):
        return mpmath.mpf(str(v))

    def sigma(z):
        return 1 / (1 + mpmath.exp(-z))

    x = [num(v) for v in spec.inputs[0]]
    y = [num(v) for v in spec.targets[0]]
    (W1, b1), (W2, b2) = [([[num(w) for w in row] for row in l.weights], num(l.bias)) for l in spec.layers]
    eta = num(spec.learning_rate)
    z1 = [r(W1[i][0] * x[0] + W1[i][1] * x[1] + b1) for i in range(2)]
    a1 = [r(sigma(z)) for z in z1]
    z2 = [r(W2[k][0] * a1[0] + W2[k][1] * a1[1] + b2) for k in range(2)]
    a2 = [r(sigma(z)) for z in z2]
    E = r(sum(r((y[k] - a2[k]) ** 2 / 2) for k in range(2)))
    dE_da2 = [r(a2[k] - y[k]) for k in range(2)]                 # ∂E_k/∂a2_k = −(y_k − a2_k)
    da2_dz2 = [r(a2[k] * (1 - a2[k])) for k in range(2)]         # σ′ = σ(1 − σ)
    da1_dz1 = [r(a1[i] * (1 - a1[i])) for i in range(2)]
    # ∂E/∂w2_1_1: one path, E1 ← a2_1 ← z2_1 ← w2_1_1 (∂z2_1/∂w2_1_1 = a1_1)
    g2 = r(dE_da2[0] * da2_dz2[0] * a1[0])        # path = partial = gradient: rounded once
    # ∂E/∂w1_1_1: a path through each output, E_k ← a2_k ← z2_k ← a1_1 ← z1_1 ← w1_1_1
    partial = [r(dE_da2[k] * da2_dz2[k] * W2[k][0] * da1_dz1[0] * x[0]) for k in range(2)]
    g1 = r(partial[0] + partial[1])
    return {"a1_1": a1[0], "a2_1": a2[0], "E": E,
            "dE/dw2_1_1": g2, "new_w2_1_1": r(W2[0][0] - eta * g2),
            "dE/dw1_1_1": g1, "new_w1_1_1": r(W1[0][0] - eta * g1)}


def test_the_lecture_by_hand_is_the_lecture(lecture_spec):
    """The hand computation above against the lecture's numbers: a1_1 = σ(0.41) =
    0.60108787884836977..., E = 0.24909, and by hand ∂E/∂w2_1_1 = 0.68493 · 0.19481 · 0.60109
    = 0.08020."""
    with mpmath.workdps(50):
        exact, hand = by_hand(lecture_spec), by_hand(lecture_spec, 5)
        assert mpmath.nstr(exact["a1_1"], 17) == "0.60108787884836977"
        assert _decimal(exact["E"], 5) == Decimal("0.24909")
        assert hand["dE/dw2_1_1"] == mpmath.mpf("0.08020")
        assert _decimal(mpmath.mpf("0.68493") * mpmath.mpf("0.19481") * mpmath.mpf("0.60109"), 5) \
            == Decimal("0.08020")


def _decimal(v: mpmath.mpf, places: int) -> Decimal:
    return Decimal(mpmath.nstr(v, 45, strip_zeros=False)).quantize(Decimal(1).scaleb(-places),
                                                                     rounding=ROUND_HALF_UP)


def test_moodle_answers_and_tolerances_are_the_hand_computed_numbers(lecture_spec, variants):
    """Each answer is the exact value rounded half up to the spec's decimals; each tolerance is
    what lms.py documents: half a unit of the last decimal plus the drift of the hand
    calculation, |hand − exact|, kept to three significant digits."""
    steps = default_steps(lecture_spec)
    assert steps == ["a1_1", "a2_1", "E", "dE/dw2_1_1", "new_w2_1_1", "dE/dw1_1_1", "new_w1_1_1"]
    cases = [Variant(1, "lecture", lecture_spec)] + list(variants)
    numerical = validate_moodle(moodle_xml(questions(cases, None, "es"), "Red 2-2-2"))
    assert len(numerical) == len(cases) * len(steps)
    for i, case in enumerate(cases):
        places = case.spec.decimals
        with mpmath.workdps(50):
            exact, hand = by_hand(case.spec), by_hand(case.spec, places)
            for q, quantity in zip(numerical[i * len(steps):], steps):
                assert q.find("name/text").text == f"{case.name}: {quantity}"
                assert Decimal(q.find("answer/text").text) == _decimal(exact[quantity], places), quantity
                drift = abs(Decimal(mpmath.nstr(hand[quantity] - exact[quantity], 45)))
                half_unit = Decimal(5) * Decimal(10) ** (-places - 1)
                want = (half_unit + drift).quantize(
                    Decimal(1).scaleb((half_unit + drift).adjusted() - 2), rounding=ROUND_HALF_EVEN)
                assert Decimal(q.find("answer/tolerance").text) == want, (case.name, quantity)
    # the lecture's own tolerances: half a unit (0.000005) plus a drift of a few millionths
    lecture = [Decimal(q.find("answer/tolerance").text) for q in numerical[:len(steps)]]
    assert all(Decimal("0.000005") <= t < Decimal("0.00002") for t in lecture)
    assert any(t > Decimal("0.000005") for t in lecture)


def test_question_text_is_escaped_and_holds_the_variant(variants):
    items = questions(variants, ["new_w2_1_1"], "en")
    assert len(items) == 3
    text = moodle_xml(items, "a <b> & c")
    root = ET.fromstring(text.encode())
    assert root.find("question/category/text").text == "$course$/symbackprop/a <b> & c/variant-01"
    first = items[0]
    w = variants[0].spec.layers[1].weights[0][0]
    assert f"w^{{[2]}}_{{1,1}} = {w}" in first["question"]
    assert first["solution"].startswith(r"\(\text{new}\_w^{[2]}_{1,1} = w^{[2]}_{1,1} - ")


def test_csv_and_json_exports(variants):
    items = questions(variants, ["E"], "en")
    lines = questions_csv(items).splitlines()
    assert lines[0] == "variant,name,quantity,answer,tolerance,question,solution"
    assert lines[1].startswith("1,variant-01,E,")


def test_the_kept_example_file_is_a_real_export(lecture_spec):
    kept = (ROOT / "examples" / "moodle_lecture_variants.xml").read_text()
    validate_moodle(kept)
    items = questions(make_variants(lecture_spec, 3, seed=1), None, lecture_spec.language)
    assert moodle_xml(items, lecture_spec.title) == kept          # and it is reproducible

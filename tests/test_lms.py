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
from reference import hand_222


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
    """The lecture's default steps by hand, rounding half up (tests/reference.py)."""
    return hand_222(spec, decimals)


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

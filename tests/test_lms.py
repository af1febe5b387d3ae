"""Moodle XML and plain question exports: the structure Moodle's importer reads, and answers
equal to the keys."""
from __future__ import annotations

import xml.etree.ElementTree as ET
from decimal import Decimal

import pytest

from symbackprop import solve
from symbackprop.core.exact import round_to
from symbackprop.exercises.lms import default_steps, moodle_xml, questions, questions_csv
from symbackprop.exercises.variants import make_variants

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


def test_moodle_xml_is_valid_and_its_answers_are_the_keys(variants):
    items = questions(variants, None, "es")
    numerical = validate_moodle(moodle_xml(items, "Red 2-2-2"))
    assert len(numerical) == 3 * len(default_steps(variants[0].spec))
    for q, v in zip(numerical[:len(default_steps(variants[0].spec))], [variants[0]] * 99):
        quantity = q.find("name/text").text.split(": ")[1]
        d = solve(v.spec).derivations[0]
        from symbackprop.derive.derivation import flat_values
        assert Decimal(q.find("answer/text").text) == round_to(flat_values(d)[quantity], 5)
        assert Decimal(q.find("answer/tolerance").text) >= Decimal("0.000005")


def test_question_text_is_escaped_and_holds_the_variant(variants):
    items = questions(variants, ["new_w2_1_1"], "en")
    assert len(items) == 3
    text = moodle_xml(items, "a <b> & c")
    root = ET.fromstring(text.encode())
    assert root.find("question/category/text").text == "$course$/symbackprop/a <b> & c/variant-01"
    first = items[0]
    w = variants[0].spec.layers[1].weights[0][0]
    assert f"w^{{[2]}}_{{1,1}} = {w}" in first["question"]
    assert first["solution"].startswith(r"\(\text{new\_}w^{[2]}_{1,1} = w^{[2]}_{1,1} - ")


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

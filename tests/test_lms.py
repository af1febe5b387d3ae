"""Moodle XML and plain question exports, tested against Moodle's own grammar: the Cloze
(multianswer) sub-question syntax as question/type/multianswer/questiontype.php parses it
(its regular expressions, ported), the XML importer's fields (question/format/xml/format.php:
import_multianswer, import_numerical, import_category; category paths split as
qformat_default::split_category_path does), and the answers and intervals against the lecture
network's numbers computed here by hand."""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from decimal import ROUND_HALF_UP, Decimal

import mpmath
import pytest

from symbackprop.check.sheet import unit
from symbackprop.check.tolerance import hand_drift, verdict
from symbackprop.derive.derivation import solve
from symbackprop.exercises.lms import default_steps, moodle_xml, questions, questions_csv
from symbackprop.exercises.variants import Variant, make_variants

from conftest import ROOT, LECTURE
from reference import hand_222

# Moodle's multianswer grammar (question/type/multianswer/questiontype.php). PHP's lookbehind
# (?<!\\\\|&|&amp;) has alternatives of several widths, which Python's re refuses: written as
# three lookbehinds, the same condition.
FRACTION = r"=|%(-?[0-9]+)%"
ANSWER = r".+?(?<!\\)(?<!&)(?<!&amp;)(?=[~#}]|$)"
FEEDBACK = r".*?(?<!\\)(?=[~}]|$)"
ALTERNATIVE = f"({FRACTION})?({ANSWER})(#({FEEDBACK}))?"
NUMBER = r"-?(([0-9]+[.,]?[0-9]*|[.,][0-9]+)([eE][-+]?[0-9]+)?)"
NUMERICAL_ALTERNATIVE = f"^({NUMBER})(:{NUMBER})?$"
TYPES = (r"(NUMERICAL|NM)|(MULTICHOICE|MC)|(MULTICHOICE_V|MCV)|(MULTICHOICE_H|MCH)|"
         r"(SHORTANSWER|SA|MW)|(SHORTANSWER_C|SAC|MWC)")
ANSWER_REGEX = r"\{([0-9]*):(" + TYPES + r"):(" + ALTERNATIVE + "(~" + ALTERNATIVE + r")*)\}"


def cloze_subquestions(text: str) -> list[dict]:
    """The sub-questions Moodle extracts from a Cloze text (qtype_multianswer_extract_question):
    for each, its type and its answers as (fraction, answer, tolerance)."""
    out = []
    while (m := re.search(ANSWER_REGEX, text, re.S)) is not None:
        numerical = bool(m.group(3))
        answers, rest = [], m.group(9)
        while (alt := re.search("~?" + ALTERNATIVE, rest, re.S)) is not None and alt.group(0):
            fraction = 1 if alt.group(1) == "=" else (int(alt.group(2)) / 100 if alt.group(2) else 0)
            num = re.search(NUMERICAL_ALTERNATIVE, alt.group(3), re.S) if numerical else None
            assert num is not None, f"not a number Moodle reads: {alt.group(3)!r}"
            answers.append((fraction, Decimal(num.group(1)), Decimal(num.group(6) or 0)))
            rest = rest.split(alt.group(0), 1)[1]
        out.append({"numerical": numerical, "mark": m.group(1) or "1", "answers": answers})
        text = text.replace(m.group(0), f"{{#{len(out)}}}", 1)
    return out


def split_category_path(path: str) -> list[str]:
    """qformat_default::split_category_path: "/" separates, "//" is a "/" in a name."""
    return [p.replace("//", "/").strip() for p in re.split(r"(?<!/)/(?!/)", path)]


def moodle_accepts(answers, given: Decimal) -> bool:
    """qtype_numerical_answer::within_tolerance for an absolute ("nominal") tolerance, in
    floating point as PHP computes it (the tolerance widened by 1e-14 of the larger of the
    tolerance and the answer)."""
    g = float(given)
    for fraction, answer, tolerance in answers:
        a, t = float(answer), float(tolerance)
        t += 1e-14 * max(abs(t), abs(a), 1e-14)
        if fraction == 1 and a - t <= g <= a + t:
            return True
    return False


def read_moodle(text: str) -> tuple[list[ET.Element], list[ET.Element]]:
    """The categories and questions of a Moodle XML file, checked for what the importer reads:
    a <quiz> root; categories with <category><text>; Cloze questions with <name>,
    <questiontext format="html">, <generalfeedback>, <idnumber>, <tags>; numerical questions
    with answers holding a number and a non-negative tolerance."""
    assert text.startswith('<?xml version="1.0" encoding="UTF-8"?>')
    root = ET.fromstring(text.encode())
    assert root.tag == "quiz"
    categories, found = [], []
    for q in root:
        assert q.tag == "question" and q.get("type") in ("category", "cloze", "numerical")
        if q.get("type") == "category":
            assert q.find("category/text").text.startswith("$course$/")
            categories.append(q)
            continue
        found.append(q)
        assert q.find("name/text").text
        assert q.find("questiontext").get("format") == "html" and q.find("questiontext/text").text
        assert q.find("generalfeedback/text").text.startswith("<p>\\(")
        assert len(q.find("idnumber").text) <= 100
        assert q.findall("tags/tag/text")
        for a in q.findall("answer"):
            assert a.get("fraction") == "100"
            assert re.fullmatch(NUMBER, a.find("text").text)
            assert Decimal(a.find("tolerance").text) >= 0
    return categories, found


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




def _grid(answer: Decimal, places: int, reach: int = 4) -> list[Decimal]:
    return [answer + k * unit(places) for k in range(-reach, reach + 1)]


def test_thirty_variants_are_thirty_whole_cloze_questions_in_one_category(tmp_path):
    """`symbackprop variants examples/lecture_2_2_2.yaml --count 30 --seed 1`, as a lecturer
    runs it: one category, 30 Cloze questions, each holding the 7 asked steps of its own
    variant (its manifest's numbers); Moodle's tolerance (as Moodle compares, in floating
    point) accepts exactly the grid values `check` accepts, and the lecture's hand
    calculations, rounded or truncated at 5 decimals, on every sub-question."""
    from test_cli import run
    out = tmp_path / "v"
    result = run("variants", LECTURE, "--count", "30", "--seed", "1", "--format", "tex", "-o", out, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    categories, cloze = read_moodle((out / "moodle.xml").read_text())
    assert [split_category_path(c.find("category/text").text) for c in categories] == \
        [["$course$", "symbackprop", "Red 2-2-2"]]
    assert len(cloze) == 30 and {q.get("type") for q in cloze} == {"cloze"}
    assert len({q.find("idnumber").text for q in cloze}) == 30
    import json
    from symbackprop.spec.reading import spec_from_dict
    manifest = json.loads((out / "manifest.json").read_text())
    steps = ["a1_1", "a2_1", "E", "dE/dw2_1_1", "new_w2_1_1", "dE/dw1_1_1", "new_w1_1_1"]
    agree = 0
    for q, v in zip(cloze, manifest["variants"]):
        assert q.find("name/text").text == f"Red 2-2-2: {v['name']}"
        assert [t.text for t in q.findall("tags/tag/text")] == ["symbackprop", v["name"]] + [f"step:{s}" for s in steps]
        subs = cloze_subquestions(q.find("questiontext/text").text)
        assert len(subs) == 7 and all(s["numerical"] and s["mark"] == "1" for s in subs)
        spec = spec_from_dict(v["spec"], "manifest")
        d = solve(spec).derivations[0]
        with mpmath.workdps(50):
            students = [by_hand(spec, 5)] + [hand_222(spec, 5, "trunc")]
        for step, sub in zip(steps, subs):
            exact = Decimal(str(v["expected"][step]))
            first = sub["answers"][0]
            assert first[:2] == (1, exact.quantize(Decimal("0.00001"), rounding=ROUND_HALF_UP))
            drift = hand_drift(d, step, 5)
            for g in _grid(first[1], 5):
                assert moodle_accepts(sub["answers"], g) == (verdict(g, d.ledger.values()[step], 5, drift) is not None)
                agree += 1
            for student in students:
                assert moodle_accepts(sub["answers"], _decimal(student[step], 5)), (v["name"], step)
    assert agree == 30 * 7 * 9


def test_the_lectures_interval_worked_by_hand(lecture_spec):
    """a1_1 = σ(0.41) = 0.6010878788...: a hand calculation writes 0.60109 (rounding) or 0.60108
    (truncating), so the drift is 0.0000078788... and the reach one unit more, 0.0000178788...:
    0.60108, 0.60109, 0.60110 (0.0000121 away) are accepted, 0.60107 (exactly the reach away)
    and 0.60111 are not. Moodle gets 0.60109 ± 0.000005 and 0.60109 ± 0.000015."""
    items = questions([Variant(1, "lecture", lecture_spec)], ["a1_1", "new_w2_1_1"], "es")
    _, (question,) = read_moodle(moodle_xml(items, "Red 2-2-2", language="es"))
    a1, new = cloze_subquestions(question.find("questiontext/text").text)
    assert a1["answers"] == [(1, Decimal("0.60109"), Decimal("0.000005")), (1, Decimal("0.60109"), Decimal("0.000015"))]
    assert [moodle_accepts(a1["answers"], Decimal(g)) for g in ("0.60107", "0.60108", "0.60109", "0.60110", "0.60111")] \
        == [False, True, True, True, False]
    # the update, by hand: 0.5 − 0.6 · 0.08020 = 0.45188, with η as the spec writes it
    feedback = question.find("generalfeedback/text").text
    assert r"\(\mathrm{nuevo}\_w^{[2]}_{1,1} = w^{[2]}_{1,1} - \eta\,\frac{\partial E}{\partial w^{[2]}_{1,1}} = 0.5 - 0.6 \cdot 0.08020 = 0.45188\)" in feedback
    assert new["answers"][0] == (1, Decimal("0.45188"), Decimal("0.000005"))


def test_the_worked_gradient_is_the_lectures_chain(lecture_spec):
    """∂E/∂w2_1_1 as deck 003 writes it: ∂E1/∂a2_1 · ∂a2_1/∂z2_1 · ∂z2_1/∂w2_1_1, each factor
    worked out (a2_1 − y1 = 0.73493 − 0.05 = 0.68493, σ′ = 0.19481, a1_1 = 0.60109), then
    0.68493 · 0.19481 · 0.60109 = 0.08020."""
    (item,) = questions([Variant(1, "lecture", lecture_spec)], ["dE/dw2_1_1"], "es")
    lines = item["solution"]
    assert lines[0] == (r"\(\frac{\partial E}{\partial w^{[2]}_{1,1}} = \frac{\partial E_{1}}{\partial a^{[2]}_{1}}\,"
                        r"\frac{\partial a^{[2]}_{1}}{\partial z^{[2]}_{1}}\,\frac{\partial z^{[2]}_{1}}{\partial w^{[2]}_{1,1}}\)")
    assert r"= a^{[2]}_{1} - y_{1} = 0.73493 - 0.05 = 0.68493\)" in lines[1]
    assert lines[2].endswith(r"= 0.73493 \cdot \left(1 - 0.73493\right) = 0.19481\)")
    assert lines[3].endswith(r"= a^{[1]}_{1} = 0.60109\)")
    assert lines[4].endswith(r"= 0.68493 \cdot 0.19481 \cdot 0.60109 = 0.08020\)")


def test_the_numerical_layout_and_escaped_categories(variants):
    items = questions(variants, ["a1_1", "new_w2_1_1"], "en")
    categories, numerical = read_moodle(moodle_xml(items, "a/b <c> & d", layout="numerical"))
    assert [split_category_path(c.find("category/text").text) for c in categories] == \
        [["$course$", "symbackprop", "a/b <c> & d", f"variant-0{k}"] for k in (1, 2, 3)]
    assert [q.find("name/text").text for q in numerical[:2]] == ["variant-01: a1_1", "variant-01: new_w2_1_1"]
    assert len({q.find("idnumber").text for q in numerical}) == 6
    for q, item in zip(numerical, items):
        answers = [(1, Decimal(a.find("text").text), Decimal(a.find("tolerance").text)) for a in q.findall("answer")]
        assert answers[0][1] == item["answer"]
        for g in _grid(item["answer"], 5):
            assert moodle_accepts(answers, g) == (item["low"] <= g <= item["high"])
    text = "".join(q.find("questiontext/text").text + q.find("generalfeedback/text").text for q in numerical)
    assert r"\text{new\_}" not in text and r"\mathrm{new}\_w" in text
    assert "frac{3" not in text


def test_csv_and_json_exports(variants):
    items = questions(variants, ["E"], "en")
    lines = questions_csv(items).splitlines()
    assert lines[0] == "variant,name,quantity,answer,low,high,question,solution"
    assert lines[1].startswith("1,variant-01,E,")


def test_the_kept_example_file_is_a_real_export(lecture_spec):
    kept = (ROOT / "examples" / "moodle_lecture_variants.xml").read_text()
    _, cloze = read_moodle(kept)
    assert len(cloze) == 3 and all(len(cloze_subquestions(q.find("questiontext/text").text)) == 7 for q in cloze)
    items = questions(make_variants(lecture_spec, 3, seed=1), None, lecture_spec.language)
    assert moodle_xml(items, lecture_spec.title, language=lecture_spec.language) == kept   # and it is reproducible

"""The lecture decks' own printed numbers, checked as a student's sheet (issue 13).

tests/decks/deck003.yaml and deck004.yaml hold every number decks 003 and 004 print for the
2-2-2 example, under the names the decks use, as printed (with their truncations and slips).
Deck 003 has one slip, the sign of dE/dŷ1 = 0.73492 − 0.05 written −0.68492; everything else
either deck prints is right from its own rounded values.
"""
from __future__ import annotations

import pytest

from symbackprop import load_spec, solve
from symbackprop.check.answers import NameIndex, load_answers
from symbackprop.check.judge import Options, check

from conftest import ROOT

DECKS = ROOT / "tests" / "decks"


def judged(spec_name: str, deck: str):
    solution = solve(load_spec(ROOT / "examples" / spec_name))
    d = solution.derivations[0]
    answers = load_answers(DECKS / deck, NameIndex(d, d.ledger.values()))
    return answers, check(solution, answers, Options())


def test_deck_003_gets_exactly_one_cross_at_its_sign_slip():
    answers, report = judged("lecture_2_2_2.yaml", "deck003.yaml")
    assert len(answers) >= 20
    wrong = [(i.quantity, i.given_text, i.diagnosis.kind) for i in report.items if i.verdict == "wrong"]
    assert wrong == [("dE/da2_1", "-0.68492", "sign")]
    assert all(i.verdict in ("correct", "rounding") for i in report.items if i.verdict != "wrong")


def test_deck_004_gets_none():
    answers, report = judged("lecture_2_2_2_numbered.yaml", "deck004.yaml")
    assert len(answers) >= 30
    assert [i.quantity for i in report.items if i.verdict != "correct" and i.verdict != "rounding"] == []
    items = {i.name: i for i in report.items}
    # the truncated 0.00159 (exact 0.0015997) and 0.0011, its own 0.00159 − 0.00049 with the
    # trailing zero left off, are not wrong
    assert items["dE1/dw1"].given_text == "0.00159" and items["dE1/dw1"].verdict == "rounding"
    assert items["dE_total/dw1"].given_text == "0.0011" and items["dE_total/dw1"].verdict == "correct"


@pytest.mark.parametrize("minimum, verdict", [(5, "wrong"), (4, "correct"), (0, "correct")])
def test_min_decimals_on_a_value_that_is_not_its_own_rounding(minimum, verdict):
    solution = solve(load_spec(ROOT / "examples" / "lecture_2_2_2.yaml"))
    d = solution.derivations[0]
    index = NameIndex(d, d.ledger.values())
    from symbackprop.check.answers import Answer, read_value
    value, places = read_value("0.7349", "test")
    report = check(solution, [Answer("a2_1", "a2_1", "0.7349", value, places, "a2_1")],
                   Options(min_decimals=minimum))
    assert report.items[0].verdict == verdict
    assert index.resolve("a2_1", "t", "t") == "a2_1"

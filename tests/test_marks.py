"""Marks as a lecturer sets them: points per quantity or per kind (a quantity's own entry
winning), partial credit for a carried-forward value, a blank worth nothing but counted in
the total, exact arithmetic shown at 2 decimals, and marks files refused in one line."""
from __future__ import annotations

from decimal import Decimal
from types import SimpleNamespace

import pytest

from symbackprop import SymbackpropError, load_spec
from symbackprop.api import for_checking, kinds_of
from symbackprop.check.marks import Mark, MarksRule, load_marks, mark, read_credit, shown

from conftest import LECTURE

# Four steps of the lecture's sheet and their kinds in the ledger.
COLUMNS = ["z1_1", "a1_1", "dE/dw2_1_1", "new_w2_1_1"]


@pytest.fixture(scope="module")
def lecture():
    return for_checking(load_spec(LECTURE))


@pytest.fixture(scope="module")
def kinds(lecture):
    solution, _ = lecture
    return kinds_of(solution, COLUMNS + ["dE/dw1_1_1", "new_w1_1_1", "E"])


def report(**verdicts):
    """A judged sheet as mark() reads it: (quantity, verdict) items; keys use _ for /."""
    return SimpleNamespace(items=[SimpleNamespace(quantity=q, verdict=v) for q, v in verdicts.items()])


# z1_1 right, a1_1 rounded the wrong way, the gradient carried from an earlier slip, the
# update left blank.
SHEET = report(**{"z1_1": "correct", "a1_1": "rounding", "dE/dw2_1_1": "carried_forward"})


def test_the_ledger_kinds(kinds):
    assert kinds == {"z1_1": "z", "a1_1": "a", "dE/dw2_1_1": "gradient", "new_w2_1_1": "update",
                     "dE/dw1_1_1": "gradient", "new_w1_1_1": "update", "E": "total"}


def test_one_point_each_and_a_blank_scores_nothing(kinds):
    m = mark(SHEET, COLUMNS, MarksRule(), kinds)
    # 1 + 1 + 1 (full credit for carried) + 0 (blank) = 3 of 4
    assert (m.mark, m.out_of, m.percent) == (Decimal(3), Decimal(4), Decimal("75.00"))
    assert m.cells == (("z1_1", "correct"), ("a1_1", "rounding"), ("dE/dw2_1_1", "carried_forward"),
                       ("new_w2_1_1", "blank"))


def test_carried_credit_half(kinds):
    m = mark(SHEET, COLUMNS, MarksRule(carried_credit=Decimal("0.5")), kinds)
    # 1 + 1 + 0.5 + 0 = 2.5 of 4 = 62.5 %
    assert (m.mark, m.out_of, m.percent) == (Decimal("2.5"), Decimal(4), Decimal("62.50"))
    assert (shown(m.mark), shown(m.out_of), shown(m.percent)) == ("2.50", "4.00", "62.50")


def test_wrong_scores_nothing(kinds):
    m = mark(report(**{"z1_1": "wrong", "a1_1": "correct"}), ["z1_1", "a1_1"], MarksRule(), kinds)
    assert (m.mark, m.out_of, m.percent) == (Decimal(1), Decimal(2), Decimal("50.00"))


def test_points_per_kind_and_a_quantity_over_its_kind(lecture, kinds, tmp_path):
    _, index = lecture
    path = tmp_path / "marks.yaml"
    # output_n1 is a1_1 in the lectures' names: its own 4 points win over the kind a (0.25)
    path.write_text("kinds:\n  gradient: 2\n  update: 3\n  z: 0,5\n  a: 0.25\n"
                    "quantities:\n  output_n1: 4\n")
    rule = load_marks(path, index, carried_credit=Decimal("0.5"))
    assert [rule.points(q, kinds[q]) for q in COLUMNS] == [Decimal("0.5"), Decimal(4), Decimal(2), Decimal(3)]
    assert rule.points("dE/dw1_1_1", "gradient") == Decimal(2)     # the kind, for a gradient not listed
    assert rule.points("E", "total") == Decimal(1)                 # neither: the default
    m = mark(SHEET, COLUMNS, rule, kinds)
    # 0.5 (z1_1) + 4 (a1_1, rounding) + 2 × 0.5 (carried) + 0 (blank update of 3) = 5.5 of 9.5
    # = 57.894736... %
    assert (m.mark, m.out_of, m.percent) == (Decimal("5.5"), Decimal("9.5"), Decimal("57.89"))


def test_a_quantity_entry_wins_over_its_kind_in_every_name(lecture, kinds, tmp_path):
    _, index = lecture
    path = tmp_path / "marks.json"
    path.write_text('{"default": 0.5, "kinds": {"gradient": 2}, "quantities": {"dE/dw5": 5}}')
    rule = load_marks(path, index)
    assert rule.points("dE/dw2_1_1", "gradient") == Decimal(5)
    assert rule.points("dE/dw1_1_1", "gradient") == Decimal(2)
    assert rule.points("z1_1", "z") == Decimal("0.5")
    m = mark(report(**{"dE/dw2_1_1": "correct", "dE/dw1_1_1": "wrong", "z1_1": "correct"}),
             ["dE/dw2_1_1", "dE/dw1_1_1", "z1_1"], rule, kinds)
    assert (m.mark, m.out_of, m.percent) == (Decimal("5.5"), Decimal("7.5"), Decimal("73.33"))


@pytest.mark.parametrize("name, content", [
    ("m.yaml", "default: 1\nkinds: {gradient: 2, update: 3}\nquantities: {nuevo_w5: 4}\n"),
    ("m.json", '{"kinds": {"gradient": 2, "update": 3}, "quantities": {"nuevo_w5": 4}}'),
    ("m.csv", "type,name,points\ndefault,,1\nkind,gradient,2\nkind,update,3\nquantity,nuevo_w5,4\n"),
    ("n.csv", "kind,gradient,2\nkind,update,3\nquantity,nuevo_w5,4\n"),
    ("e.csv", "\ufefftipo;nombre;puntos\nclase;gradient;2\nclase;update;3,0\ncantidad;nuevo_w5;4\n"),
])
def test_every_format_gives_the_same_rule(lecture, tmp_path, name, content):
    _, index = lecture
    path = tmp_path / name
    path.write_bytes(content.encode("utf-8"))
    rule = load_marks(path, index)
    assert rule.default == 1 and rule.kinds == {"gradient": 2, "update": 3}
    assert rule.quantities == {"new_w2_1_1": 4}


def test_percent_is_rounded_half_up_from_the_exact_share():
    assert Mark(Decimal(1), Decimal(32), ()).percent == Decimal("3.13")    # 3.125 exactly
    assert Mark(Decimal(1), Decimal(3), ()).percent == Decimal("33.33")
    assert Mark(Decimal(2), Decimal(3), ()).percent == Decimal("66.67")
    assert Mark(Decimal(0), Decimal(0), ()).percent is None                 # nothing asked
    assert shown(Decimal("0.125")) == "0.13" and shown(None) == ""
    # exact sums: ten carried tenths are one whole, not 0.9999...
    rule = MarksRule(default=Decimal("0.1"))
    cols = [f"q{i}" for i in range(10)]
    m = mark(report(**{q: "correct" for q in cols}), cols, rule)
    assert m.mark == 1 and m.out_of == 1 and m.percent == 100


def test_carried_credit_is_read_as_a_share():
    assert read_credit("0.5") == Decimal("0.5") and read_credit("0,25") == Decimal("0.25")
    assert read_credit("1") == 1 and read_credit("0") == 0
    for bad in ("1.5", "-0.1", "half", "nan", "1e-1", "0.1234567", ""):
        with pytest.raises(SymbackpropError, match="expected a share from 0 to 1"):
            read_credit(bad)


@pytest.mark.parametrize("name, content, words", [
    ("a.yaml", "- 1\n- 2\n", "expected a mapping with the keys default, kinds and/or quantities; found a list"),
    ("b.yaml", "points: {z: 1}\n", "key 'points': expected default, kinds or quantities"),
    ("c.yaml", "kinds: {gradiant: 2}\n", "kinds: 'gradiant': expected a kind, one of input"),
    ("d.yaml", "kinds: {gradiant: 2}\n", "found 'gradiant' (did you mean 'gradient'?)"),
    ("e.yaml", "quantities: {w99: 2}\n", "quantities: 'w99': unknown quantity 'w99'"),
    ("f.yaml", "kinds: {z: -1}\n", "kinds: 'z': expected points, a number from 0 to 1,000,000"),
    ("g.yaml", "kinds: {z: two}\n", "found 'two'"),
    ("h.yaml", "kinds: {z: 0.1234567}\n", "with at most 6 decimals, found '0.1234567'"),
    ("i.yaml", "quantities: {w5: 1, w2_1_1: 2}\n", "'w2_1_1' is w2_1_1, already given points as 'w5'"),
    ("j.yaml", "kinds: [1, 2]\n", "kinds: expected a mapping from kinds to points, found a list"),
    ("k.yaml", "default: [1]\n", "default: expected points, a number; found a list"),
    ("l.yaml", "kinds: {z: 1e3}\n", "found '1e3'"),
    ("m.yaml", "", "found nothing"),
    ("n.yaml", "kinds: {z: [\n", "YAML syntax error"),
    ("o.json", '{"kinds": {"z": 1,}}', "JSON syntax error"),
    ("p.json", '{"kinds": {"z": 1}, "kinds": {"a": 1}}', "duplicate key 'kinds'"),
    ("q.json", '{"kinds": {"z": true}}', "kinds: 'z': expected points, a number; found 'True'"),
    ("r.csv", "type,name,points\nkind,z\n", "line 2: expected three columns"),
    ("s.csv", "thing,z,1\n", "line 1: expected the type default, kind or quantity, found 'thing'"),
    ("t.csv", "default,,1\ndefault,,2\n", "line 2: expected one default, found a second one (the first at line 1)"),
    ("u.csv", "kind,z,1\nkind,z,2\n", "line 2: the kind 'z' is given points twice"),
    ("v.csv", "quantity,,1\n", "line 1: expected a quantity's name, found nothing"),
    ("w.csv", "kind,z," + "1" * 10_001 + "\n", "expected fields of at most 10,000 characters"),
])
def test_bad_marks_files_are_one_line_naming_the_place(lecture, tmp_path, name, content, words):
    _, index = lecture
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    with pytest.raises(SymbackpropError) as info:
        load_marks(path, index)
    message = str(info.value)
    assert words in message, message
    assert "\n" not in message and message.startswith(str(path))


def test_a_missing_or_binary_marks_file(lecture, tmp_path):
    _, index = lecture
    with pytest.raises(SymbackpropError, match="file not found"):
        load_marks(tmp_path / "none.yaml", index)
    path = tmp_path / "marks.xlsx"
    path.write_bytes(b"PK\x03\x04\x00\x00binary")
    with pytest.raises(SymbackpropError, match="NUL bytes"):
        load_marks(path, index)

"""Names and files as the lectures and the spreadsheets write them: every number decks 003 and
004 print for the 2-2-2 example (tests/decks/*.yaml, names as each deck writes them) loads
against its spec, each name to the quantity it means; the spec's labels win over the default
numbering; an unknown or ambiguous name is reported (with the closest valid names) while the
rest of the sheet loads; a Spanish-locale spreadsheet's CSV (``;``, decimal commas, BOM, CRLF)
is read."""
from __future__ import annotations

import dataclasses
from decimal import Decimal

import pytest
import yaml

from symbackprop import AnswerError, load_spec, solve, spec_from_dict
from symbackprop.check.answers import NameIndex, Problem, load_answers, load_class
from symbackprop.derive.derivation import flat_values
from symbackprop.io.textfiles import csv_delimiter, csv_rows

from conftest import LECTURE, ROOT

NUMBERED = ROOT / "examples" / "lecture_2_2_2_numbered.yaml"
DECKS = ROOT / "tests" / "decks"


def index_of(spec):
    d = solve(spec, rounding="hand").derivations[0]
    return NameIndex(d, flat_values(d))


@pytest.fixture(scope="module")
def layered():
    return index_of(load_spec(LECTURE))


@pytest.fixture(scope="module")
def numbered():
    return index_of(load_spec(NUMBERED))


@pytest.fixture(scope="module")
def ledgers():
    return {spec: solve(load_spec(spec)).derivations[0].ledger for spec in (LECTURE, NUMBERED)}


# ----------------------------------------------------------------------------- the decks' sheets

# Name as the deck writes it -> the quantity it is (checked against the derivation's ledger).
DECK_003 = {
    "z_1^{[1]}": "z1_1", "a_2^{[1]}": "a1_2", "z_1^{[2]}": "z2_1", "a_2^{[2]}": "a2_2",
    "E_1": "E1", "E_2": "E2", "E": "E",
    r"\frac{dE}{d\hat{y}_1}": "dE/da2_1",
    r"\frac{d\hat{y}_1}{dz_1^{[2]}}": "da2_1/dz2_1",
    r"\frac{dz_1^{[2]}}{dw_{1,1}^{[2]}}": "dz2_1/dw2_1_1",
    r"\frac{dz_1^{[2]}}{dw_{1,2}^{[2]}}": "dz2_1/dw2_1_2",
    r"\frac{dE}{dw_{1,1}^{[2]}}": "dE/dw2_1_1",
    r"\frac{d\hat{y}_2}{dz_2^{[2]}}": "da2_2/dz2_2",
    r"\frac{dE}{dw_{2,1}^{[2]}}": "dE/dw2_2_1",
    "nuevo_w_{1,1}^{[2]}": "new_w2_1_1", "nuevo_w_{2,1}^{[2]}": "new_w2_2_1",
}
DECK_004 = {
    "sum_n1": "z1_1", "output_n1": "a1_1", "output_n2": "a1_2", "sum_ŷ1": "z2_1", "ŷ1": "a2_1",
    "E_1": "E1", "E_2": "E2", "E_total": "E",
    "dE_total/dŷ1": "dE/da2_1", "dŷ1/dsum_ŷ1": "da2_1/dz2_1", "dsum_ŷ1/dw5": "dz2_1/dw2_1_1",
    "dE_total/dw5": "dE/dw2_1_1", "nuevo_w5": "new_w2_1_1", "new_w6": "new_w2_1_2",
    "dsum_ŷ2/dw7": "dz2_2/dw2_2_1", "dE_total/dw8": "dE/dw2_2_2", "nuevo_w8": "new_w2_2_2",
    "dE1/dŷ1": "dE1/da2_1", "dsum_ŷ1/dn1": "dz2_1/da1_1", "dn1/dsum_n1": "da1_1/dz1_1",
    "dsum_n1/dw1": "dz1_1/dw1_1_1", "dE1/dw1": "dE1/dw1_1_1", "dE2/dŷ2": "dE2/da2_2",
    "dsum_ŷ2/dn1": "dz2_2/da1_1", "dE2/dw1": "dE2/dw1_1_1", "dE_total/dw1": "dE/dw1_1_1",
    "nuevo_w1": "new_w1_1_1",
}
# What each deck prints that is not within rounding of the exact value: deck 003's sign slip.
SLIPS = {"deck003.yaml": {"dE/da2_1"}, "deck004.yaml": set()}


@pytest.mark.parametrize("deck, spec, expected", [
    ("deck003.yaml", LECTURE, DECK_003),
    ("deck004.yaml", NUMBERED, DECK_004),
])
def test_a_deck_sheet_loads_whole_each_name_to_its_quantity(deck, spec, expected, layered, numbered, ledgers):
    index = layered if spec == LECTURE else numbered
    path = DECKS / deck
    written = yaml.safe_load(path.read_text(encoding="utf-8"))
    problems: list[Problem] = []
    answers = load_answers(path, index, problems)
    assert problems == []
    assert [a.name for a in answers] == list(written)            # every line, none left out
    assert all(isinstance(v, str) for v in written.values())     # the written decimals kept
    got = {a.name: a for a in answers}
    ledger = ledgers[spec]
    for name, quantity in expected.items():
        assert got[name].quantity == quantity, name
        assert quantity in ledger, quantity
    for a in answers:
        exact = ledger[a.quantity].exact
        assert a.text == written[a.name] and a.value == Decimal(written[a.name])
        if a.quantity in SLIPS[deck]:
            assert abs(a.value + exact) < Decimal("2e-5")             # the sign slipped
        else:   # the deck prints each value rounded or truncated, some from rounded inputs
            assert abs(a.value - exact) < Decimal("2e-5"), (a.name, a.value, exact)


def test_the_kinds_of_the_decks_quantities(ledgers):
    ledger = ledgers[NUMBERED]
    assert ledger["z1_1"].kind == "z" and ledger["a2_1"].kind == "a"
    assert ledger["E1"].kind == "error" and ledger["E"].kind == "total"
    assert ledger["new_w2_1_1"].kind == "update" and ledger["dE/dw1_1_1"].kind == "gradient"
    assert ledger["dE1/dw1_1_1"].kind == "partial" and ledger["da1_1/dz1_1"].kind == "factor"


def test_the_decks_numbers_as_printed():
    """A few values checked by eye against the decks' lines, slips and truncations kept."""
    d3 = yaml.safe_load((DECKS / "deck003.yaml").read_text(encoding="utf-8"))
    d4 = yaml.safe_load((DECKS / "deck004.yaml").read_text(encoding="utf-8"))
    assert d3[r"\frac{dE}{d\hat{y}_1}"] == "-0.68492"         # line 799, the sign slip
    assert d3[r"\frac{dE}{dw_{1,1}^{[2]}}"] == "0.0802"        # line 901
    assert d3["z_1^{[2]}"] == "1.019768"                       # line 684
    assert d4["dE1/dw1"] == "0.00159"                          # line 785, truncated
    assert d4["nuevo_w5"] == "0.45188" and d4["dE_total/dw1"] == "0.0011"
    for deck in ("deck003.yaml", "deck004.yaml"):
        lines = [l for l in (DECKS / deck).read_text(encoding="utf-8").splitlines()
                 if l.strip() and not l.startswith("#")]
        assert all("# line " in l for l in lines), deck


# ----------------------------------------------------------------------------- names

@pytest.mark.parametrize("name, quantity", [
    ("w1", "w1_1_1"), ("w2", "w1_2_1"), ("w3", "w1_1_2"), ("w4", "w1_2_2"), ("w5", "w2_1_1"),
    ("w6", "w2_1_2"), ("w7", "w2_2_1"), ("w8", "w2_2_2"),
    ("nuevo_w5", "new_w2_1_1"), ("w5_new", "new_w2_1_1"), ("nuevo_w2", "new_w1_2_1"),
    ("new_w3", "new_w1_1_2"), ("dE1/dw3", "dE1/dw1_1_2"), ("dE2/dw2", "dE2/dw1_2_1"),
    ("dE_total/dw1", "dE/dw1_1_1"), ("dE/dw1", "dE/dw1_1_1"), ("sum_n1", "z1_1"),
    ("output_n1", "a1_1"), ("ŷ1", "a2_1"), ("yhat1", "a2_1"), ("δ2_1", "dE/dz2_1"), ("δ_n1", "dE/dz1_1"),
    ("E_1", "E1"), ("E_total", "E"), ("dE1/dw1", "dE1/dw1_1_1"), ("dE2/dw1", "dE2/dw1_1_1"),
    ("dE_total/dŷ1", "dE/da2_1"), ("dŷ1/dsum_ŷ1", "da2_1/dz2_1"), ("actual_w5", "w2_1_1"),
    (r"\frac{\partial E_{total}}{\partial w_5}", "dE/dw2_1_1"),
    (r"\frac{\partial \text{sum}_{\hat{y}_2}}{\partial n_1}", "dz2_2/da1_1"),
    (r"nuevo\_w5", "new_w2_1_1"), (r"\text{nuevo\_w1}", "new_w1_1_1"), (r"\text{nuevo}\_w5", "new_w2_1_1"), (r"y_{true1}", "y1"),
    ("w^{[1]}_{1,2}", "w1_1_2"), ("w_{1,2}^{[1]}", "w1_1_2"),
])
def test_deck_004_names_against_its_spec(numbered, name, quantity):
    assert numbered.resolve(name, "f", name) == quantity


def test_labels_win_over_the_default_numbering(layered, numbered):
    # the default numbering is deck 004's: the first layer input by input (w2 = x1→n2)
    for index in (layered, numbered):
        assert index.lookup("w2") == ("w1_2_1", []) and index.lookup("w3") == ("w1_1_2", [])
        assert index.lookup("dE1/dw3") == ("dE1/dw1_1_2", [])
    # labels for another convention (Mazur's: neuron by neuron) win
    base = yaml.safe_load(NUMBERED.read_text())
    mazur = index_of(spec_from_dict({**base, "labels": {"w1_1_2": "w_2", "w1_2_1": "w_3"}}))
    assert mazur.lookup("w2") == ("w1_1_2", []) and mazur.lookup("w3") == ("w1_2_1", [])


def test_a_label_beats_the_default_name_of_another_quantity_and_equal_labels_are_ambiguous():
    base = yaml.safe_load(NUMBERED.read_text())
    index = index_of(spec_from_dict({**base, "labels": {"w1_1_1": "w_5"}}))
    assert index.lookup("w5") == ("w1_1_1", []) and index.lookup("dE/dw5") == ("dE/dw1_1_1", [])
    index = index_of(spec_from_dict({**base, "labels": {"w1_1_1": "w_9", "w1_1_2": "w_9"}}))
    assert index.lookup("w9") == (None, ["w1_1_1", "w1_1_2"])
    assert index.lookup("dE1/dw9") == (None, ["dE1/dw1_1_1", "dE1/dw1_1_2"])
    with pytest.raises(AnswerError, match=r"f\.yaml: w9: the name 'w9' is ambiguous.*"
                                          r"closest valid names: w1_1_1, w1_1_2"):
        index.resolve("w9", "f.yaml", "w9")


# ----------------------------------------------------------------------------- problems

def test_unknown_and_ambiguous_names_are_problems_and_the_rest_loads(tmp_path):
    base = yaml.safe_load(NUMBERED.read_text())
    index = index_of(spec_from_dict({**base, "labels": {"w1_1_1": "w_9", "w1_1_2": "w_9"}}))
    sheet = tmp_path / "ana.yaml"
    sheet.write_text("sum_n1: 0.41\nw99: 1\nnuevo_w5: '0.45188'\nw9: 0.1\ndE1/dw1: 0.00160\n",
                     encoding="utf-8")
    problems: list[Problem] = []
    answers = load_answers(sheet, index, problems)
    assert [(a.quantity, a.text) for a in answers] == [
        ("z1_1", "0.41"), ("new_w2_1_1", "0.45188"), ("dE1/dw1_1_1", "0.00160")]
    assert [(p.where, p.name) for p in problems] == [("w99", "w99"), ("w9", "w9")]
    unknown, ambiguous = problems
    assert str(sheet) in unknown.message and "'w99'" in unknown.message and "\n" not in unknown.message
    assert "unknown quantity" in unknown.message and "closest valid names: " in unknown.message
    assert "ambiguous" in ambiguous.message and "closest valid names: w1_1_1, w1_1_2" in ambiguous.message
    with pytest.raises(dataclasses.FrozenInstanceError):
        unknown.name = "w5"                                          # type: ignore[misc]
    # without a list, as before: the first bad name refuses the sheet
    with pytest.raises(AnswerError, match="unknown quantity 'w99'"):
        load_answers(sheet, index)


def test_a_csv_sheet_reports_the_line(numbered, tmp_path):
    sheet = tmp_path / "ana.csv"
    sheet.write_text("quantity,value\nsum_n1,0.41\nw9,0.5\nnuevo_w5,0.45188\n")
    problems: list[Problem] = []
    answers = load_answers(sheet, numbered, problems)
    assert [a.quantity for a in answers] == ["z1_1", "new_w2_1_1"]
    assert problems[0].where == "line 3" and problems[0].name == "w9"
    assert problems[0].message.startswith(f"{sheet}: line 3: unknown quantity 'w9'; closest valid names: w8")


def test_values_still_refuse_the_sheet(numbered, tmp_path):
    sheet = tmp_path / "ana.yaml"
    sheet.write_text("w99: 1\nsum_n1: '0.41 +'\n")
    problems: list[Problem] = []
    with pytest.raises(AnswerError, match=r"ana\.yaml: sum_n1: .*expected"):
        load_answers(sheet, numbered, problems)
    sheet.write_text("sum_n1: [1, 2]\n")
    with pytest.raises(AnswerError, match="expected a number or an expression"):
        load_answers(sheet, numbered, [])


def test_known_names_load_as_before(layered, tmp_path):
    sheet = tmp_path / "ana.yaml"
    sheet.write_text("a1_1: 0.60109\nw5: 0,5\n")
    problems: list[Problem] = []
    assert [a.quantity for a in load_answers(sheet, layered, problems)] == ["a1_1", "w2_1_1"]
    assert problems == []


# ----------------------------------------------------------------------------- spreadsheets' CSV

SPANISH_CLASS = ("\ufeffalumno;sum_n1;output_n1;w99;nuevo_w5;dE1/dw1\r\n"
                 "ana;0,41;0,60109;1,5;0,45188;0,00160\r\n"
                 "beto;0,16;\"0,6\";;0,4188;-0,00049\r\n"
                 "\r\n"
                 "carla;;0,60108;junk;;0,0016\r\n")


def test_a_spanish_class_csv_with_an_unknown_column(numbered, tmp_path):
    path = tmp_path / "clase.csv"
    path.write_bytes(SPANISH_CLASS.encode("utf-8"))
    problems: list[Problem] = []
    students = load_class(path, numbered, problems)
    assert [who for who, _ in students] == ["ana", "beto", "carla"]
    got = {who: {a.quantity: (a.value, a.decimals, a.text) for a in answers} for who, answers in students}
    assert got["ana"] == {"z1_1": (Decimal("0.41"), 2, "0,41"), "a1_1": (Decimal("0.60109"), 5, "0,60109"),
                          "new_w2_1_1": (Decimal("0.45188"), 5, "0,45188"),
                          "dE1/dw1_1_1": (Decimal("0.00160"), 5, "0,00160")}
    assert got["beto"] == {"z1_1": (Decimal("0.16"), 2, "0,16"), "a1_1": (Decimal("0.6"), 1, "0,6"),
                           "new_w2_1_1": (Decimal("0.4188"), 4, "0,4188"),
                           "dE1/dw1_1_1": (Decimal("-0.00049"), 5, "-0,00049")}
    assert got["carla"] == {"a1_1": (Decimal("0.60108"), 5, "0,60108"),
                            "dE1/dw1_1_1": (Decimal("0.0016"), 4, "0,0016")}
    assert len(problems) == 1 and problems[0].where == "column 'w99'" and problems[0].name == "w99"
    assert str(path) in problems[0].message and "closest valid names" in problems[0].message
    with pytest.raises(AnswerError, match="unknown quantity 'w99'"):
        load_class(path, numbered)


def test_class_csv_in_every_form_reads_alike(numbered, tmp_path):
    forms = {
        "comma.csv": "student,sum_n1,nuevo_w5\nana,0.41,0.45188\n".encode(),
        "comma-quoted.csv": "student,sum_n1,nuevo_w5\r\nana,\"0,41\",0.45188\r\n".encode("utf-8-sig"),
        "semicolon.csv": "student;sum_n1;nuevo_w5\nana;0,41;0,45188\n".encode("cp1252"),
        "semicolon-dots.csv": "student;sum_n1;nuevo_w5\r\nana;0.41;0.45188\r\n".encode("utf-16"),
    }
    for name, data in forms.items():
        path = tmp_path / name
        path.write_bytes(data)
        [(who, answers)] = load_class(path, numbered, [])
        assert who == "ana", name
        assert [(a.quantity, a.value) for a in answers] == [("z1_1", Decimal("0.41")),
                                                            ("new_w2_1_1", Decimal("0.45188"))], name


def test_a_spanish_sheet_csv(numbered, tmp_path):
    path = tmp_path / "ana.csv"
    path.write_bytes("\ufeffcantidad;valor\r\nsum_n1;0,41\r\nw99;1\r\n\r\ndE_total/dw1;0,0011\r\n".encode())
    problems: list[Problem] = []
    answers = load_answers(path, numbered, problems)
    assert [(a.quantity, a.value, a.decimals) for a in answers] == [
        ("z1_1", Decimal("0.41"), 2), ("dE/dw1_1_1", Decimal("0.0011"), 4)]
    assert [(p.where, p.name) for p in problems] == [("line 3", "w99")]
    path.write_bytes("nuevo_w5;0,45188\r\n".encode())                  # no header
    assert [(a.quantity, a.value) for a in load_answers(path, numbered)] == [("new_w2_1_1", Decimal("0.45188"))]


def test_the_separator_is_read_from_the_header():
    assert csv_delimiter("alumno;w5\nana;0,5\n") == ";"
    assert csv_delimiter("\r\n\r\nalumno;w5\r\n") == ";"
    assert csv_delimiter("student,w5\nana;x,0.5\n") == ","              # a ';' below the header
    assert csv_delimiter('student,"w;5"\nana,0.5\n') == ","             # a ';' inside quotes
    assert csv_delimiter("") == ","
    assert csv_rows("a;b\r\n\"0,5\";1,5\r\n", "f", delimiter="auto") == [["a", "b"], ["0,5", "1,5"]]
    assert csv_rows("a,b\n1,2\n", "f") == [["a", "b"], ["1", "2"]]     # the default stays ','

"""The lecture's names in the API (issue 16): every call that takes a quantity reads any name
``check`` reads, through check's one resolver, with check's one-line error."""
from decimal import Decimal

import pytest

from symbackprop import AnswerError, check, load_spec, solve
from symbackprop.check.answers import NameIndex
from symbackprop.derive.derivation import flat_values
from symbackprop.errors import UnknownQuantity

NUMBERED = "examples/lecture_2_2_2_numbered.yaml"
LAYERED = "examples/lecture_2_2_2.yaml"


@pytest.fixture(scope="module")
def numbered():
    return solve(load_spec(NUMBERED))


@pytest.fixture(scope="module")
def layered():
    return solve(load_spec(LAYERED))


@pytest.mark.parametrize("name", ["w5", "nuevo_w5", "dE/dw5", "w2_1_1", "w^{[2]}_{1,1}", "w[2]_1,1",
                                  "dE/dw2_1_1", "new_w2_1_1", r"\frac{\partial E}{\partial w_5}"])
def test_chain_by_any_name_of_w5(numbered, name):
    # deck 004 calls w^{[2]}_{1,1} w5: the chain used to raise KeyError('w5')
    c = numbered.derivations[0].chain(name)
    assert c.param == "w2_1_1"
    assert str(c.gradient).startswith("0.0802")


@pytest.mark.parametrize("name,expected", [
    ("w5", "0.5"), ("nuevo_w5", "0.45188"), ("dE/dw1_1_1", "0.00111"), ("w^{[1]}_{1,1}", "0.1"),
    ("w[2]_1,1", "0.5"), ("n1", "0.60109"), ("E_total", "0.24909"), ("δ[2]_1", "0.13343")])
def test_value_by_any_name(numbered, name, expected):
    v = numbered.value(name)
    assert round(v, 5) == Decimal(expected)
    assert numbered.derivations[0].quantity(name).exact == v


def test_layered_names(layered):
    d = layered.derivations[0]
    assert d.chain("w^{[1]}_{1,1}").param == "w1_1_1"
    assert round(d.value("a^{[2]}_{1}"), 5) == Decimal("0.73493")
    assert round(layered.value("nuevo_w[2]_1,1"), 5) == Decimal("0.45188")


def test_factor_by_name(numbered):
    d = numbered.derivations[0]
    f = d.factor("dn1/dsum_n1")
    assert f.id == "da1_1/dz1_1" and round(f.value, 5) == Decimal("0.23978")
    assert d.factor("δ[2]_1").id == "dE/dz2_1"
    with pytest.raises(UnknownQuantity, match="not a factor"):
        d.factor("w5")


def test_unknown_name_is_checks_one_line_error(numbered):
    d = numbered.derivations[0]
    with pytest.raises(UnknownQuantity) as info:
        d.chain("w9")
    message = str(info.value)
    assert message == (f"{NUMBERED}: chain('w9'): unknown quantity 'w9'; closest valid names: w8, w7, w6")
    assert "\n" not in message
    # the same closest names as the checker's own index gives for an answers file
    index = NameIndex(d, flat_values(d))
    with pytest.raises(AnswerError) as checked:
        index.resolve("w9", "answers.yaml", "w9")
    assert str(checked.value).split("closest valid names: ")[1] == message.split("closest valid names: ")[1]
    # still a KeyError, as a lookup by a missing canonical id always was; and an AnswerError
    assert isinstance(info.value, KeyError) and isinstance(info.value, AnswerError)
    with pytest.raises(UnknownQuantity, match="'n1' is a1_1, not a parameter.*such as w5, w6, w7, w8"):
        d.chain("n1")
    with pytest.raises(UnknownQuantity, match="expected a quantity's name"):
        d.value(5)


def test_canonical_ids_do_not_build_the_index(numbered):
    from symbackprop.derive import names
    s = solve(load_spec(NUMBERED))
    d = s.derivations[0]
    d.chain("w2_1_1"), d.value("dE/dw2_1_1")
    assert d not in names._INDEXES
    d.chain("w5")
    assert d in names._INDEXES


def test_check_with_a_dict_of_answers():
    s = solve(load_spec(NUMBERED), rounding="hand")
    report = check(s, {"w5": 0.5, "nuevo_w5": "0.45188", "dE/dw5": 0.0802, "n1": "0.60109",
                       "dE/dn1": Decimal("0.01")})
    verdicts = {i.name: (i.quantity, i.verdict) for i in report.items}
    assert verdicts["nuevo_w5"] == ("new_w2_1_1", "correct")
    assert verdicts["dE/dw5"] == ("dE/dw2_1_1", "correct")
    assert verdicts["n1"] == ("a1_1", "correct")
    assert verdicts["dE/dn1"][1] == "wrong"
    with pytest.raises(AnswerError, match=r"answers: 'w9': unknown quantity 'w9'; closest valid names: w8"):
        check(s, {"w9": 1})
    with pytest.raises(AnswerError, match="expected a number or an expression, found None"):
        check(s, {"w5": None})

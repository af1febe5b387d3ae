"""Dropout (deck 004; issue 15): inverted dropout on a hidden layer, as PyTorch's nn.Dropout
does in training. A worked example states its mask (``{rate: 0.5, mask: [1, 0]}``) or draws
it from a seed; a kept neuron's output is scaled by 1/(1 − p), a dropped one's is 0, and the
chain rule carries the factor m/(1 − p) on every path through the neuron."""
from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest

from symbackprop import load_spec, spec_from_dict
from symbackprop.cli import main
from symbackprop.errors import SpecError
from symbackprop.spec.reading import spec_to_dict

from conftest import ROOT

DROPOUT = ROOT / "examples" / "lecture_2_2_2_dropout.yaml"


def lecture_like(dropout=None, **changes) -> dict:
    hidden = {"units": 2, "activation": "sigmoid", "weights": [[0.1, 0.3], [0.2, 0.4]], "bias": 0.25}
    if dropout is not None:
        hidden["dropout"] = dropout
    data = {"inputs": [0.1, 0.5], "targets": [0.05, 0.95], "learning_rate": 0.6, "update_biases": False,
            "layers": [hidden, {"units": 2, "activation": "sigmoid", "weights": [[0.5, 0.6], [0.7, 0.8]],
                                "bias": 0.35}]}
    data.update(changes)
    return data


# ----------------------------------------------------------------------------- the spec

def test_the_example_states_its_mask():
    drop = load_spec(DROPOUT).layers[0].dropout
    assert drop.rate == Decimal("0.5") and drop.masks == ((1, 0),) and drop.seed is None


def test_a_seed_draws_one_mask_per_example_reproducibly():
    data = lecture_like({"rate": 0.5, "seed": 3}, inputs=[[0.1, 0.5]] * 6, targets=[[0.05, 0.95]] * 6)
    first, again = spec_from_dict(data).layers[0].dropout, spec_from_dict(data).layers[0].dropout
    assert first == again and first.seed == 3 and len(first.masks) == 6
    assert all(m in (0, 1) for row in first.masks for m in row)
    assert len(set(first.masks)) > 1          # six examples, not one mask repeated
    other = spec_from_dict({**data, "layers": [{**data["layers"][0], "dropout": {"rate": 0.5, "seed": 4}},
                                               data["layers"][1]]}).layers[0].dropout
    assert other.masks != first.masks


def test_a_mask_per_example_in_a_batch():
    data = lecture_like({"rate": 0.25, "mask": [[1, 0], [0, 1]]}, inputs=[[0.1, 0.5], [0.3, 0.2]],
                        targets=[[0.05, 0.95], [0.5, 0.5]])
    drop = spec_from_dict(data).layers[0].dropout
    assert drop.masks == ((1, 0), (0, 1)) and drop.per_example
    same = spec_from_dict({**data, "layers": [{**data["layers"][0], "dropout": {"rate": 0.25, "mask": [1, 0]}},
                                              data["layers"][1]]}).layers[0].dropout
    assert same.masks == ((1, 0), (1, 0))     # one mask stated: the same for every example


@pytest.mark.parametrize("dropout", [{"rate": 0.5, "mask": [1, 0]}, {"rate": 0.5, "seed": 3},
                                     {"rate": 0.2, "mask": [[1, 0], [1, 1]]}])
def test_the_serializer_writes_dropout_back(dropout):
    batch = isinstance(dropout.get("mask", [0])[0], list)
    data = lecture_like(dropout, **({"inputs": [[0.1, 0.5], [0.2, 0.1]], "targets": [[0.05, 0.95]] * 2}
                                    if batch else {}))
    spec = spec_from_dict(data)
    written = spec_to_dict(spec)
    assert written["layers"][0]["dropout"] == dropout
    assert spec_from_dict(written) == spec


@pytest.mark.parametrize("dropout, where, what", [
    ({"rate": 0.5, "mask": [1, 2]}, "layers[0].dropout.mask[1]", "expected 0 (dropped) or 1 (kept), found the number 2"),
    ({"rate": 0.5, "mask": [1]}, "layers[0].dropout.mask", "expected 2 entries 0 or 1"),
    ({"rate": 0.5, "mask": [1, "a"]}, "layers[0].dropout.mask[1]", "found the string 'a'"),
    ({"rate": 0.5, "mask": [1, True]}, "layers[0].dropout.mask[1]", "found the boolean true"),
    ({"rate": 0.5, "mask": [[1, 0], [1, 0]]}, "layers[0].dropout.mask", "one mask row per example (1), found 2"),
    ({"rate": 1, "mask": [1, 0]}, "layers[0].dropout.rate", "0 <= p < 1"),
    ({"rate": -0.1, "mask": [1, 0]}, "layers[0].dropout.rate", "expected a number >= 0"),
    ({"mask": [1, 0]}, "layers[0].dropout.rate", "missing"),
    ({"rate": 0.5}, "layers[0].dropout", "either a mask"),
    ({"rate": 0.5, "mask": [1, 0], "seed": 1}, "layers[0].dropout", "found both"),
    ({"rate": 0, "mask": [1, 0]}, "layers[0].dropout.mask", "a rate of 0 drops no neuron"),
    ({"rate": 0.5, "seed": 1.5}, "layers[0].dropout.seed", "expected a whole number"),
    ({"rate": 0.5, "mask": [1, 0], "p": 1}, "layers[0].dropout.p", "unknown key 'p'"),
    ("half", "layers[0].dropout", "expected a mapping"),
])
def test_spec_errors_name_the_place(dropout, where, what):
    with pytest.raises(SpecError) as err:
        spec_from_dict(lecture_like(dropout))
    message = str(err.value)
    assert f": {where}: " in message and what in message and "\n" not in message


def test_no_dropout_on_the_output_layer():
    data = lecture_like()
    data["layers"][1]["dropout"] = {"rate": 0.5, "mask": [1, 0]}
    with pytest.raises(SpecError, match=r"layers\[1\]\.dropout: dropout applies to hidden layers only"):
        spec_from_dict(data)


def test_a_bad_mask_exits_2_in_one_line(tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text(DROPOUT.read_text().replace("mask: [1, 0]", "mask: [1, 0, 1]"))
    assert main(["solve", str(bad)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "layers[0].dropout.mask" in err and "found a list of 3" in err

"""Spec loading: every refusal is one clear line naming the file and the place."""
from __future__ import annotations

import copy
from decimal import Decimal

import pytest

from symbackprop import SpecError, spec_from_dict, spec_from_text
from symbackprop.spec.reading import load_spec

BASE = {
    "inputs": [0.1, 0.5],
    "targets": [0.05, 0.95],
    "layers": [
        {"units": 2, "activation": "sigmoid", "weights": [[0.1, 0.3], [0.2, 0.4]], "bias": 0.25},
        {"units": 2, "activation": "sigmoid", "weights": [[0.5, 0.6], [0.7, 0.8]], "bias": 0.35},
    ],
    "learning_rate": 0.6,
}


def refused(change, source="net.yaml") -> str:
    data = copy.deepcopy(BASE)
    change(data)
    with pytest.raises(SpecError) as info:
        spec_from_dict(data, source)
    message = str(info.value)
    assert "\n" not in message and message.startswith(f"{source}: ")
    return message


def test_valid_spec_reads_numbers_exactly():
    spec = spec_from_dict(BASE)
    assert spec.layers[0].weights[0][0] == Decimal("0.1")
    assert spec.layers[0].bias == Decimal("0.25") and spec.layers[0].shared_bias
    assert spec.n_examples == 1 and not spec.batch


@pytest.mark.parametrize("change, place, words", [
    (lambda d: d["layers"][1]["weights"][0].append(0.9), "layers[1].weights[0]",
     "expected a list of 2 numbers"),
    (lambda d: d["layers"][0]["weights"].pop(), "layers[0].weights", "expected 2 rows"),
    (lambda d: d["layers"][0]["weights"][1].__setitem__(0, "0.2"), "layers[0].weights[1][0]",
     "expected a number, found the string '0.2'"),
    (lambda d: d["layers"][0].__setitem__("activation", "sigmoide"), "layers[0].activation",
     "did you mean 'sigmoid'"),
    (lambda d: d["layers"][0].__setitem__("activation", "step"), "layers[0].activation",
     "not differentiable"),
    (lambda d: d["layers"][0].__setitem__("units", 0), "layers[0].units", "from 1 to 4096"),
    (lambda d: d["layers"][0].__setitem__("colour", "red"), "layers[0].colour", "unknown key"),
    (lambda d: d.__setitem__("lerning_rate", 0.1), "lerning_rate", "did you mean 'learning_rate'"),
    (lambda d: d.pop("targets"), "targets", "missing"),
    (lambda d: d.__setitem__("targets", [0.05]), "targets", "expected a list of 2 numbers"),
    (lambda d: d["inputs"].__setitem__(0, float("nan")), "inputs[0]", "expected a finite number"),
    (lambda d: d["inputs"].__setitem__(0, True), "inputs[0]", "found the boolean true"),
    (lambda d: d.__setitem__("learning_rate", -1), "learning_rate", "positive"),
    (lambda d: d.__setitem__("loss", "crossentropy"), "loss", "did you mean 'cross_entropy'"),
    (lambda d: d["layers"][0].__setitem__("activation", "softmax"), "layers[0].activation",
     "only supported on the output layer"),
    (lambda d: d.__setitem__("labels", {"w9_1_1": "w_1"}), "labels.w9_1_1", "unknown quantity"),
    (lambda d: d.__setitem__("labels", {"w1_1_1": r"\input{x}"}), "labels.w1_1_1",
     "not allowed"),
    (lambda d: d.__setitem__("labels", {"w1_1_1": "w_{1"}), "labels.w1_1_1", "without its"),
    (lambda d: d["layers"][0].__setitem__("weights", {"init": "xavier"}), "layers[0].weights.seed",
     "needs a seed"),
    (lambda d: d.__setitem__("steps", 0), "steps", "from 1 to 10000"),
])
def test_refusals_name_the_place(change, place, words):
    message = refused(change)
    assert f": {place}: " in message
    assert words in message


def test_cross_entropy_needs_probabilities():
    def change(d):
        d["loss"] = "binary_cross_entropy"
        d["layers"][1]["activation"] = "tanh"
    assert "sigmoid or softmax" in refused(change)


def test_yaml_errors_give_the_line(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("inputs: [0.1, 0.5\ntargets: [1]\n")
    with pytest.raises(SpecError) as info:
        load_spec(bad)
    assert str(info.value).startswith(f"{bad}: line ")
    dup = tmp_path / "dup.yaml"
    dup.write_text("inputs: [1]\ninputs: [2]\n")
    with pytest.raises(SpecError, match="duplicate key 'inputs'"):
        load_spec(dup)
    with pytest.raises(SpecError, match="file not found"):
        load_spec(tmp_path / "missing.yaml")


def test_yaml_reads_exponents_as_numbers():
    text = ("inputs: [1e-1, 5E-1]\ntargets: [0.05, 0.95]\nlayers:\n"
            "  - {units: 2, weights: [[0.1, 0.3], [0.2, 0.4]]}\n")
    spec = spec_from_text(text, "e.yaml")
    assert spec.inputs[0] == (Decimal("0.1"), Decimal("0.5"))


def test_initializers_are_deterministic_and_shaped():
    layers = [{"units": 3, "weights": {"init": "xavier", "seed": 7},
               "bias": {"init": "uniform", "range": [-0.5, 0.5], "seed": 1}},
              {"units": 2, "weights": {"init": "uniform", "range": [-1, 1], "seed": 7, "decimals": 2},
               "bias": {"init": "zeros", "shared": True}}]
    data = {"inputs": [1, 2], "targets": [0, 1], "layers": layers}
    a, b = spec_from_dict(data), spec_from_dict(copy.deepcopy(data))
    assert a == b
    w1 = a.layers[0].weights
    assert len(w1) == 3 and all(len(r) == 2 for r in w1)
    limit = (6 / 5) ** 0.5
    assert all(abs(float(v)) <= limit for r in w1 for v in r)
    assert len(set(v for r in w1 for v in r)) == 6
    assert all(v == round(v, 2) for r in a.layers[1].weights for v in r)
    assert a.layers[1].bias == 0 and a.layers[1].shared_bias
    assert len(a.layers[0].bias) == 3
    other = copy.deepcopy(data)
    other["layers"][0]["weights"]["seed"] = 8
    assert spec_from_dict(other).layers[0].weights != w1


def test_batches():
    data = copy.deepcopy(BASE)
    data["inputs"] = [[0.1, 0.5], [0.3, 0.2]]
    data["targets"] = [[0.05, 0.95], [0.5, 0.5]]
    spec = spec_from_dict(data)
    assert spec.batch and spec.n_examples == 2
    data["targets"] = [0.05, 0.95]
    with pytest.raises(SpecError, match="targets"):
        spec_from_dict(data)


def test_a_title_per_language(tmp_path):
    """Issue 14: the English decks kept the Spanish title. A spec may give one per language."""
    from symbackprop.api import solve_for_report
    from symbackprop.render.report import render_tex
    from symbackprop.spec.reading import spec_to_dict
    data = copy.deepcopy(BASE)
    data["title"] = {"es": "Red 2-2-2", "en": "2-2-2 network"}
    spec = spec_from_dict(data)
    assert spec.title == "Red 2-2-2" and spec.title_in("en") == "2-2-2 network"
    assert spec_from_dict({**data, "language": "en"}).title == "2-2-2 network"
    assert spec_from_dict(spec_to_dict(spec)).titles == spec.titles          # the serializer keeps both
    solution = solve_for_report(spec)
    assert r"\title{2{-}2{-}2 network}" in render_tex(solution, "slides", "en")
    assert r"\title{Red 2{-}2{-}2}" in render_tex(solution, "slides", "es")
    one = spec_from_dict({**data, "title": "Only one"})
    assert one.title_in("en") == "Only one" and one.titles == ()
    for bad, place in [({"fr": "Réseau"}, "title.fr"), ({"en": 3}, "title.en"), ({}, "title")]:
        with pytest.raises(SpecError) as err:
            spec_from_dict({**data, "title": bad})
        assert place in str(err.value) and "\n" not in str(err.value)

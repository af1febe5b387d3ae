"""Training: the optimizers exactly as deck 004 writes them, real learning on XOR, early
stopping, NaN detection, data sources, and the outputs of `symbackprop train`."""
from __future__ import annotations


import numpy as np
import pytest
import yaml

from symbackprop import SymbackpropError, load_spec, spec_from_dict
from symbackprop.spec.reading import spec_to_dict
from symbackprop.numeric.train import (Dataset, TrainConfig, TrainingError, _step, dataset, load_csv, train,
                               trained_spec)

from conftest import ROOT

XOR = ROOT / "examples" / "xor_2_2_2.yaml"


def test_optimizer_steps_follow_the_formulas():
    g = np.array([0.5, -2.0])
    lr = 0.1
    assert np.allclose(_step(TrainConfig(optimizer="sgd"), {}, g, lr, 1), lr * g)
    s = {"m": np.zeros(2), "v": np.zeros(2)}
    assert np.allclose(_step(TrainConfig(optimizer="momentum"), s, g, lr, 1), lr * 0.1 * g)  # v = 0.9·0 + 0.1·g
    s = {"m": np.zeros(2), "v": np.zeros(2)}
    v = 0.1 * g * g
    assert np.allclose(_step(TrainConfig(optimizer="rmsprop"), s, g, lr, 1), lr * g / (np.sqrt(v) + 1e-8))
    s = {"m": np.zeros(2), "v": np.zeros(2)}
    m_hat = (0.1 * g) / (1 - 0.9)             # bias correction at t = 1 gives back g
    v_hat = (0.001 * g * g) / (1 - 0.999)
    assert np.allclose(_step(TrainConfig(optimizer="adam"), s, g, lr, 1), lr * m_hat / (np.sqrt(v_hat) + 1e-8))
    # second Adam step, by hand
    g2 = np.array([1.0, 1.0])
    m = 0.9 * 0.1 * g + 0.1 * g2
    v = 0.999 * 0.001 * g * g + 0.001 * g2 * g2
    want = lr * (m / (1 - 0.81)) / (np.sqrt(v / (1 - 0.999 ** 2)) + 1e-8)
    assert np.allclose(_step(TrainConfig(optimizer="adam"), s, g2, lr, 2), want)


def test_the_lecture_network_learns_xor():
    spec = load_spec(XOR)
    result = train(spec, dataset("xor", spec), TrainConfig(epochs=3000, batch_size=4, optimizer="adam", lr=0.05))
    first, last = result.history[0][1], result.history[-1][1]
    assert last < 0.01 < first
    from symbackprop.numeric.codegen import Network
    out = Network(spec).forward(result.params, np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float))
    assert list(np.argmax(out, axis=1)) == [0, 1, 1, 0]


def test_early_stopping_keeps_the_best_parameters():
    spec = load_spec(XOR)
    data = dataset("moons", spec, n=100)
    result = train(spec, data, TrainConfig(epochs=400, batch_size=10, optimizer="adam", lr=0.5,
                                           validation=0.3, early_stopping=5))
    assert result.stopped_early and len(result.history) < 400
    best = min(h[2] for h in result.history)
    assert result.history[result.best_epoch - 1][2] == best


def test_exploding_gradients_stop_with_a_message():
    spec = spec_from_dict({"inputs": [1.0], "targets": [1.0],
                           "layers": [{"units": 1, "activation": "linear", "weights": [[1.0]]},
                                      {"units": 1, "activation": "linear", "weights": [[1.0]]}]})
    data = Dataset("big", np.array([[1e3], [2e3]]), np.array([[1.0], [2.0]]))
    with pytest.raises(TrainingError, match="learning rate .* too high"):
        train(spec, data, TrainConfig(epochs=50, batch_size=2, lr=10.0))


def test_frozen_biases_stay_frozen(lecture_spec):
    result = train(lecture_spec, dataset("xor", lecture_spec), TrainConfig(epochs=5, batch_size=4))
    assert float(result.params["b1"]) == 0.25


def test_datasets_and_csv(tmp_path):
    spec = load_spec(XOR)
    for name in ("xor", "moons", "circles"):
        d = dataset(name, spec)
        assert d.X.shape[1] == 2 and d.Y.shape[1] == 2 and np.allclose(d.Y.sum(axis=1), 1)
    with pytest.raises(SymbackpropError, match="sine has 1 input"):
        dataset("sine", spec)
    path = tmp_path / "d.csv"
    path.write_text("x1,x2,y1,y2\n0,1,0,1\n1,1,1,0\n")
    d = load_csv(path, spec)
    assert d.X.tolist() == [[0, 1], [1, 1]] and d.Y.tolist() == [[0, 1], [1, 0]]
    path.write_text("x1,y1\n0,1\n")
    with pytest.raises(SymbackpropError, match="expected 2 input and 2 target"):
        load_csv(path, spec)


def test_trained_spec_round_trips():
    spec = load_spec(XOR)
    result = train(spec, dataset("xor", spec), TrainConfig(epochs=3, batch_size=4))
    again = spec_from_dict(trained_spec(spec, result.params))
    assert float(again.layers[0].weights[0][0]) == pytest.approx(float(result.params["W1"][0, 0]), abs=0)


@pytest.mark.parametrize("example", ["lecture_2_2_2_numbered.yaml", "xor_2_2_2.yaml"])
def test_trained_spec_keeps_everything_but_the_parameters(example):
    """Labels, steps, notation and the rest survive training; weights and biases are the
    trained floats exactly; the dict reads back to a spec that serializes to the same dict."""
    raw = yaml.safe_load((ROOT / "examples" / example).read_text())
    spec = spec_from_dict({**raw, "steps": 3}, example)
    result = train(spec, dataset("xor", spec), TrainConfig(epochs=5, batch_size=4, lr=0.5))
    data = trained_spec(spec, result.params)
    again = spec_from_dict(data, example)
    assert again.steps == 3 and again.labels == spec.labels == tuple(
        (k, v) for k, v in raw.get("labels", {}).items())
    assert data.get("labels") == raw.get("labels")
    for l, (layer, before) in enumerate(zip(again.layers, spec.layers), start=1):
        assert np.array_equal(np.array(layer.weights, dtype=float), result.params[f"W{l}"])
        assert not np.array_equal(np.array(layer.weights, dtype=float), np.array(before.weights, dtype=float))
        assert np.array_equal(np.array(layer.bias, dtype=float), result.params[f"b{l}"])
        assert (layer.units, layer.activation, layer.slope) == (before.units, before.activation, before.slope)
    untouched = ("title", "language", "notation", "decimals", "inputs", "targets", "loss",
                 "reduction", "regularization", "learning_rate", "update_biases", "batch")
    assert all(getattr(again, k) == getattr(spec, k) for k in untouched)
    assert spec_to_dict(again) == data

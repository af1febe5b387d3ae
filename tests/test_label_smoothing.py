"""Label smoothing (deck 004; issue 15): one-hot targets of K classes, each 1 becoming 1 − ε
and each 0 ε/(K − 1), stated as a step of the lecture and used everywhere the targets are."""
from __future__ import annotations

import json
from decimal import Decimal

import numpy as np
import pytest

from symbackprop import load_spec, solve, spec_from_dict
from symbackprop.api import solve_for_report
from symbackprop.cli import main
from symbackprop.core.ops import smooth_labels
from symbackprop.errors import SpecError
from symbackprop.numeric.train import dataset, load_csv
from symbackprop.render.report import render_tex
from symbackprop.render.text import walkthrough
from symbackprop.spec.reading import spec_to_dict

from conftest import LECTURE, ROOT
from test_numeric import require_torch

SMOOTHED = ROOT / "examples" / "lecture_2_2_2_smoothing.yaml"


def lecture_like(**changes) -> dict:
    data = {"inputs": [0.1, 0.5], "targets": [0, 1], "label_smoothing": 0.05, "learning_rate": 0.6,
            "layers": [{"units": 2, "activation": "sigmoid", "weights": [[0.1, 0.3], [0.2, 0.4]], "bias": 0.25},
                       {"units": 2, "activation": "sigmoid", "weights": [[0.5, 0.6], [0.7, 0.8]], "bias": 0.35}]}
    data.update(changes)
    return data


def test_deck_004s_example():
    """K = 5, ε = 0.01: [0, 0, 1, 0, 0] → [0.0025, 0.0025, 0.99, 0.0025, 0.0025] (deck 004)."""
    row = tuple(Decimal(t) for t in (0, 0, 1, 0, 0))
    assert smooth_labels(row, Decimal("0.01")) == tuple(Decimal(v) for v in
                                                        ("0.0025", "0.0025", "0.99", "0.0025", "0.0025"))
    spec = spec_from_dict({**lecture_like(), "targets": [0, 0, 1, 0, 0], "label_smoothing": 0.01,
                           "layers": [{"units": 5, "activation": "softmax", "weights": [[0.1, 0.2]] * 5}],
                           "loss": "cross_entropy"})
    assert spec.targets == ((Decimal("0.0025"), Decimal("0.0025"), Decimal("0.99"), Decimal("0.0025"),
                             Decimal("0.0025")),)
    assert spec.one_hot == ((0, 0, 1, 0, 0),)


def test_the_smoothed_lecture_is_the_lecture():
    """[0, 1] with K = 2 and ε = 0.05 smooths to the lecture's own targets [0.05, 0.95]: every
    quantity of the derivation equals the lecture's (worked out by hand in test_lecture)."""
    plain, smoothed = solve(load_spec(LECTURE)).derivations[0], solve(load_spec(SMOOTHED)).derivations[0]
    assert smoothed.values == plain.values and len(plain.values) > 20
    assert {c.param: c.gradient for c in smoothed.chains} == {c.param: c.gradient for c in plain.chains}
    assert round(smoothed.ledger["new_w2_1_1"].value(False), 5) == Decimal("0.45188")


def test_the_lecture_states_the_smoothing(tmp_path):
    spec = load_spec(SMOOTHED)
    text = walkthrough(solve(spec), "es")
    assert "Suavizado de etiquetas" in text.split("Propagación hacia adelante")[0]
    assert "ε = 0.05, K = 2 clases: cada 1 pasa a 1 − ε = 0.95, cada 0 a ε/(K − 1) = 0.05" in text
    assert "(0, 1) → (y1, y2) = (0.05, 0.95)" in text
    assert "(0, 1) → (y1, y2) = (0.05, 0.95)" in walkthrough(solve(spec), "en")
    tex = render_tex(solve_for_report(spec), "slides", "es")
    frame = tex.split("{Suavizado de etiquetas}")[1].split(r"\end{frame}")[0]
    assert r"1 - \varepsilon = 1 - 0.05 = 0.95" in frame and r"\frac{0.05}{1} = 0.05" in frame
    assert r"\left(0, 1\right) \;\to\; \left(y_{1}, y_{2}\right) = \left(0.05, 0.95\right)" in frame
    assert tex.index("{Suavizado de etiquetas}") < tex.index("Propagación hacia adelante")
    # the JSON says what was smoothed, and only a smoothed spec has the key
    assert main(["solve", str(SMOOTHED), "--format", "json", "-o", str(tmp_path)]) == 0
    doc = json.loads((tmp_path / "lecture_2_2_2_smoothing.json").read_text())
    assert doc["label_smoothing"] == {"epsilon": 0.05, "one_hot": [[0, 1]]}
    assert main(["solve", str(LECTURE), "--format", "json", "-o", str(tmp_path)]) == 0
    assert "label_smoothing" not in json.loads((tmp_path / "lecture_2_2_2.json").read_text())


def test_the_spec_writes_back_the_one_hot_labels():
    spec = spec_from_dict(lecture_like(targets=[[0, 1], [1, 0]], inputs=[[0.1, 0.5], [0.3, 0.2]]))
    data = spec_to_dict(spec)
    assert data["targets"] == [[0, 1], [1, 0]] and data["label_smoothing"] == 0.05
    again = spec_from_dict(data)
    assert again == spec and again.targets == ((Decimal("0.05"), Decimal("0.95")), (Decimal("0.95"), Decimal("0.05")))


@pytest.mark.parametrize("changes, message", [
    ({"targets": [0.05, 0.95]}, "targets: label_smoothing needs one-hot targets (a single 1, the rest 0), found [0.05, 0.95]"),
    ({"targets": [1, 1]}, "targets: label_smoothing needs one-hot targets"),
    ({"label_smoothing": 0.5}, "label_smoothing: expected a number below (K - 1)/K = 1/2 for K = 2 classes"),
    ({"label_smoothing": 0}, "label_smoothing: expected a positive number, found 0"),
    ({"label_smoothing": "0.1"}, "label_smoothing: expected a number, found"),
])
def test_bad_smoothing_is_one_clear_line(changes, message):
    with pytest.raises(SpecError) as err:
        spec_from_dict(lecture_like(**changes), "net.yaml")
    assert message in str(err.value) and "\n" not in str(err.value)


def test_one_output_cannot_be_smoothed():
    data = lecture_like(targets=[1])
    data["layers"][1] = {"units": 1, "activation": "sigmoid", "weights": [[0.5, 0.6]]}
    with pytest.raises(SpecError, match=r"label_smoothing: needs targets of 2 classes or more"):
        spec_from_dict(data, "net.yaml")


def test_the_command_line_refuses_with_exit_2(tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text(SMOOTHED.read_text().replace("targets: [0, 1]", "targets: [0.2, 0.8]"))
    assert main(["solve", str(bad)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"{bad}: targets: label_smoothing needs one-hot targets" in err


def test_training_data_is_smoothed_alike(tmp_path):
    spec = load_spec(SMOOTHED)
    csv = tmp_path / "data.csv"
    csv.write_text("x1,x2,y1,y2\n0.1,0.5,0,1\n0.3,0.2,1,0\n")
    assert load_csv(csv, spec).Y.tolist() == [[0.05, 0.95], [0.95, 0.05]]
    csv.write_text("x1,x2,y1,y2\n0.1,0.5,0,1\n0.3,0.2,0.4,0.6\n")
    with pytest.raises(Exception, match=r"data.csv: line 3: label_smoothing needs one-hot targets"):
        load_csv(csv, spec)
    xor = dataset("xor", spec)
    assert xor.Y.tolist() == [[0.95, 0.05], [0.05, 0.95], [0.05, 0.95], [0.95, 0.05]]


def test_variants_keep_one_hot_labels():
    from symbackprop.exercises.variants import make_variants
    spec = spec_from_dict(lecture_like(targets=[[0, 1], [1, 0], [0, 1]],
                                       inputs=[[0.1, 0.5], [0.3, 0.2], [0.6, 0.4]]))
    made = make_variants(spec, 4, seed=7, vary=("weights", "targets"))
    assert made and any(v.spec.one_hot != spec.one_hot for v in made)
    for v in made:
        assert all(sorted(row) == [0, 1] for row in v.spec.one_hot)
        assert v.spec.targets == tuple(smooth_labels(row, Decimal("0.05")) for row in v.spec.one_hot)


def test_gradients_equal_pytorchs_label_smoothing():
    """PyTorch's cross_entropy(label_smoothing=ε') spreads ε' over all K classes; deck 004's ε
    over the K − 1 others: the same targets for ε' = εK/(K − 1). Random softmax networks, float64."""
    torch = require_torch()
    rng = np.random.default_rng(15)
    worst = 0.0
    for trial in range(6):
        k, n_in, examples = int(rng.integers(2, 5)), int(rng.integers(1, 4)), int(rng.integers(1, 4))
        eps = float(rng.choice([0.01, 0.05, 0.1, 0.2]))
        hot = rng.integers(0, k, examples)
        W1 = np.round(rng.uniform(-1, 1, (3, n_in)), 2)
        W2 = np.round(rng.uniform(-1, 1, (k, 3)), 2)
        X = np.round(rng.uniform(-1, 1, (examples, n_in)), 2)
        spec = spec_from_dict({
            "inputs": X.tolist(), "targets": [[int(i == h) for i in range(k)] for h in hot],
            "label_smoothing": eps, "loss": "cross_entropy",
            "layers": [{"units": 3, "activation": "tanh", "weights": W1.tolist(), "bias": 0.1},
                       {"units": k, "activation": "softmax", "weights": W2.tolist()}]})
        d = solve(spec).derivations[0]
        P = [torch.tensor(W, dtype=torch.float64, requires_grad=True) for W in (W1, W2)]
        b = torch.tensor(0.1, dtype=torch.float64, requires_grad=True)
        logits = torch.tanh(torch.tensor(X) @ P[0].T + b) @ P[1].T
        E = torch.nn.functional.cross_entropy(logits, torch.tensor(hot), label_smoothing=eps * k / (k - 1),
                                              reduction="sum")
        E.backward()
        assert abs(float(d.values["E"]) - E.item()) <= 1e-12 * abs(E.item())
        for l, W in ((1, P[0]), (2, P[1])):
            for i in range(W.shape[0]):
                for j in range(W.shape[1]):
                    ours = float(d.chain(f"w{l}_{i + 1}_{j + 1}").gradient)
                    theirs = W.grad[i, j].item()
                    if abs(theirs) > 1e-12:
                        worst = max(worst, abs(ours - theirs) / abs(theirs))
                    assert abs(ours - theirs) <= 1e-10 * abs(theirs) + 1e-15
        assert abs(float(d.chain("b1").gradient) - b.grad.item()) <= 1e-10 * abs(b.grad.item()) + 1e-15
    print(f"largest relative error against PyTorch: {worst:.1e}")

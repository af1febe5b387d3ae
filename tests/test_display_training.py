"""Rich display of the numeric path's results (issue 16): a trained run shows the summary of
`symbackprop train` and its loss plot; a vanishing-gradient figure shows itself and its table.
HTML with the PNG inline (JupyterLab, VS Code) and the PNG itself (nbconvert)."""
from __future__ import annotations

import base64
import io

import numpy as np
import pytest

import symbackprop as sb
from symbackprop.numeric.train import TrainConfig

from conftest import ROOT

LECTURE = ROOT / "examples" / "lecture_2_2_2_numbered.yaml"


def _image(png: bytes) -> np.ndarray:
    import matplotlib.image
    return matplotlib.image.imread(io.BytesIO(png), format="png")


@pytest.fixture(scope="module")
def run():
    return sb.train(sb.load_spec(LECTURE), "spec", epochs=30, batch_size=1, optimizer="adam", lr=0.05)


def test_a_trained_run_shows_its_summary_and_loss_plot(run):
    last = run.history[-1][1]
    assert 0 < last < 0.24909                       # below the lecture's E at the start
    html = run._repr_html_()
    assert html.startswith(f"<p>30 épocas, pérdida final por ejemplo {last:.6g}; sin paro temprano</p>")
    png = run._repr_png_()
    assert png.startswith(b"\x89PNG") and _image(png).shape[:2] == (400, 600)
    inline = html.split("base64,")[1].split("'")[0]
    assert base64.b64decode(inline) == png
    assert repr(run) == f"<TrainResult: 30 epochs, adam, final loss per example {last:.6g}>"
    english = sb.show(run, language="en")
    assert english.html.startswith("<p>30 epochs, final loss per example") and english.png != png


def test_the_loss_plot_follows_the_history(run):
    """A run of other length gives another picture (the plot is not a fixed image)."""
    other = sb.train(sb.load_spec(LECTURE), "spec", epochs=5, batch_size=1, optimizer="sgd")
    assert other._repr_png_() != run._repr_png_()


def test_the_vanishing_gradient_figure_shows_itself_and_its_table():
    deep = [sb.load_spec(ROOT / "examples" / n) for n in ("deep_sigmoid.yaml", "deep_sigmoid_residual.yaml")]
    runs = sb.vanishing_gradients(deep, "xor", TrainConfig(epochs=2, batch_size=4, lr=0.5), language="en")
    html = runs._repr_html_()
    assert "(2) Deep sigmoid + residual blocks: E per example 1.74381" in html
    assert "1.144e-06" in html                     # layer 1 at initialization (= the exact derivation's)
    png = runs._repr_png_()
    assert png == sb.gradients_figure(runs, "png") and _image(png).shape[:2] == (740, 760)
    assert repr(runs) == "<GradientRuns: 'Deep sigmoid, 9 layers', 'Deep sigmoid + residual blocks'>"


def test_data_of_every_kind(tmp_path):
    spec = sb.load_spec(LECTURE)
    X, Y = [[0.1, 0.5]], [[0.05, 0.95]]
    a = sb.train(spec, (X, Y), epochs=1, batch_size=1)
    b = sb.train(spec, "spec", epochs=1, batch_size=1)
    (tmp_path / "one.csv").write_text("x1,x2,y1,y2\n0.1,0.5,0.05,0.95\n")
    c = sb.train(spec, tmp_path / "one.csv", epochs=1, batch_size=1)
    assert np.array_equal(a.params["W1"], b.params["W1"]) and np.array_equal(b.params["W1"], c.params["W1"])
    with pytest.raises(sb.SymbackpropError, match="data: expected a dataset name"):
        sb.train(spec, 3)
    with pytest.raises(TypeError, match="either config or keyword options"):
        sb.train(spec, "spec", TrainConfig(), epochs=2)

"""The notebooks of examples/ (issue 16), run from a clean kernel as a user runs them: a real
ipykernel through nbclient, every cell, no error; their outputs carry the lecture's numbers
in its notation. Without Jupyter these tests skip on a laptop, but fail in CI (CI=true or
SYMBACKPROP_REQUIRE_JUPYTER=1): `make test` installs the `test` extra, which has them."""
from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
NOTEBOOKS = ("lecture_2_2_2.ipynb", "checking.ipynb", "graphs.ipynb", "training.ipynb")


def require_jupyter():
    try:
        import ipykernel  # noqa: F401
        import nbclient  # noqa: F401
        import nbformat  # noqa: F401
        return
    except ImportError as exc:
        if os.environ.get("CI") or os.environ.get("SYMBACKPROP_REQUIRE_JUPYTER"):
            pytest.fail(f"Jupyter is missing ({exc}): CI must install the test extra (make install-test)")
        pytest.skip("no ipykernel/nbclient on this machine")


@pytest.fixture(scope="module")
def executed(tmp_path_factory):
    """Every notebook executed once, in a copy of examples/ (the notebooks read its YAML)."""
    require_jupyter()
    import nbformat
    from nbclient import NotebookClient
    import symbackprop
    # the kernel imports the symbackprop these tests import (installed, or a checkout on
    # PYTHONPATH, which may be relative to where pytest started, not to examples/)
    here = str(Path(symbackprop.__file__).resolve().parent.parent)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([here] + [p for p in
                                                                  os.environ.get("PYTHONPATH", "").split(os.pathsep) if p])}
    out = {}
    for name in NOTEBOOKS:
        nb = nbformat.read(EXAMPLES / name, as_version=4)
        NotebookClient(nb, timeout=600, kernel_name="python3",
                       resources={"metadata": {"path": str(EXAMPLES)}}).execute(env=env)
        out[name] = nb
    return out


def _outputs(nb) -> list[dict]:
    return [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]


def _all_text(nb, mime: str | None = None) -> str:
    parts = []
    for o in _outputs(nb):
        if o.output_type == "stream" and mime is None:
            parts.append(o.text)
        for key, value in o.get("data", {}).items():
            if mime is None or key == mime:
                parts.append(value)
    return "\n".join(parts)


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_committed_without_outputs(name):
    nb = json.loads((EXAMPLES / name).read_text(encoding="utf-8"))
    assert nb["nbformat"] == 4
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    assert code and all(c["outputs"] == [] and c["execution_count"] is None for c in code)


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_every_cell_runs_without_error(executed, name):
    nb = executed[name]
    errors = [f"{o.ename}: {o.evalue}" for o in _outputs(nb) if o.output_type == "error"]
    assert errors == []
    assert all(c.outputs for c in nb.cells if c.cell_type == "code"), "a cell showed nothing"


def test_the_lecture_notebook(executed):
    nb = executed["lecture_2_2_2.ipynb"]
    md = _all_text(nb, "text/markdown")
    for number in ("0.60109", "0.73493", "0.45188", "0.24909", "0.23978", "0.09934"):
        assert number in md, number
    assert "E = E_{1} + E_{2} = 0.23456 + 0.01453 = 0.24909" in md
    assert r"\frac{\partial E_{1}}{\partial a^{[2]}_{1}} = a^{[2]}_{1} - y_{1}" in md
    assert r"\text{nuevo}\_w^{[2]}_{1,1} = 0.45188" in md
    assert r"\text{new}\_w_{5} = 0.45188" in md                       # deck 004's names, in English
    assert "a_{2 1}" not in md and "a_{1 1}" not in md and "w2_1_1" not in md
    assert r"a^{[2]}_{1}" in _all_text(nb, "text/latex")
    streams = _all_text(nb)
    assert "a[1]_1 = 0.60109" in streams and "E = 0.24909" in streams


def test_the_checking_notebook(executed):
    nb = executed["checking.ipynb"]
    html = _all_text(nb, "text/html")
    assert html.count("class='verdict-wrong'") == 2 and html.count("class='verdict-correct'") == 4
    assert "background:#f8d4d4" in html and "error de signo" in html and "nuevo_w5" in html
    text = _all_text(nb)
    assert "unknown quantity 'w9'; closest valid names: w8, w7, w6" in text
    assert r"\text{nuevo}\_w_{5} = 0.45188" in _all_text(nb, "text/markdown")


def test_the_graphs_notebook(executed):
    nb = executed["graphs.ipynb"]
    md = _all_text(nb, "text/markdown")
    assert "| $q$ | $q = x + y$ | $3$ | $-4$ |" in md                      # deck 000's first example
    assert r"\frac{\partial f}{\partial x} = 3" in md                      # x·y + x: branches sum
    assert "f = 0.73106" in md and r"\frac{\partial f}{\partial w_{0}} = -0.19661" in md
    # the drawing: the graph's HTML (what JupyterLab and VS Code show) and sb.graph_svg's SVG
    import xml.etree.ElementTree as ET
    svg_ns = "{http://www.w3.org/2000/svg}"
    first = [o.data["text/html"] for o in _outputs(nb) if "text/html" in o.get("data", {})][0]
    assert first.count("<svg ") == 1 and "∂f/∂x = −4, ∂f/∂y = −4, ∂f/∂z = 3" in first
    (svg,) = [o.data["image/svg+xml"] for o in _outputs(nb) if "image/svg+xml" in o.get("data", {})]
    drawing = ET.fromstring(svg)
    titles = {g.get("data-id"): g.find(svg_ns + "title").text for g in drawing.iter(svg_ns + "g")
              if g.get("class") == "node"}
    assert titles == {"x": "x = −2; ∂f/∂x = −4", "y": "y = 5; ∂f/∂y = −4", "z": "z = −4; ∂f/∂z = 3",
                      "q": "q = 3; ∂f/∂q = −4", "f": "f = −12; ∂f/∂f = 1"}
    assert "value (forward)" in svg and "gradient (backward)" in svg


def test_the_training_notebook(executed):
    """One SGD step is the lecture's update (0.45188, the slides' nuevo_w5); the trained run and
    the vanishing-gradient figure display as pictures; the table's numbers are the exact
    derivation's (tests/test_gradients.py)."""
    nb = executed["training.ipynb"]
    streams = _all_text(nb)
    assert "E = 0.24909   nuevo_w5 = 0.45188" in streams
    assert "w5 after one SGD step: 0.45188\nnuevo_w5 on the slides: 0.45188" in streams
    for name in ("sgd", "momentum", "rmsprop", "adam"):
        assert f"{name:9} final loss per example 0.0" in streams, name
    adam = float(streams.split("adam      final loss per example ")[1].split()[0])
    sgd = float(streams.split("sgd       final loss per example ")[1].split()[0])
    assert adam < sgd < 0.24909          # every optimizer lowered E; Adam the most
    html = _all_text(nb, "text/html")
    assert "200 épocas, pérdida final por ejemplo" in html       # the spec's language: Spanish
    assert html.count("<img src='data:image/png;base64,") == 2
    assert "(1) Deep sigmoid, 9 layers: E per example 0.710781 → 0.693147" in html
    assert "1.144e-06" in html and "4.600e-01" in html           # layer 1 at initialization
    pngs = [o.data["image/png"] for o in _outputs(nb) if "image/png" in o.get("data", {})]
    assert len(pngs) == 2
    assert "layer 1 / layer 9 at initialization = 2.61e-06" in streams
    assert "layer 1 / layer 9 at initialization = 0.0264" in streams

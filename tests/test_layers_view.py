"""The layer view as the lecture shows it (issue 14): each layer named by its own input, the
shared bias as one number added to every neuron, ∂E/∂ŷ with its general formula from the ops
table, Spanish module names in Spanish, and frames that the content fills."""
from __future__ import annotations

import copy
import dataclasses
import re
import subprocess

import pytest
import yaml
from conftest import LECTURE, ROOT

from symbackprop import load_spec
from symbackprop.core import ops
from symbackprop.core.exact import exact
from symbackprop.derive.layers import layer_view
from symbackprop.render.layers_frames import layers_data
from symbackprop.render.layers_text import layers_text
from symbackprop.render.report import render_layers_tex
from symbackprop.spec.reading import spec_from_text

DEEP = ROOT / "examples" / "net_3_3_3_2.yaml"
GOLDEN_SPECS = ROOT / "tests" / "golden" / "specs"


@pytest.fixture(scope="module")
def lecture():
    spec = load_spec(LECTURE)
    view = layer_view(spec)
    return {"view": view, "es": layers_text(view, "es", 5), "en": layers_text(view, "en", 5),
            "tex_es": render_layers_tex(view, "slides", "es", 5, "Red"),
            "tex_en": render_layers_tex(view, "slides", "en", 5, "Net")}


def spec_text(**changes) -> str:
    data = yaml.safe_load(LECTURE.read_text())
    data.update(changes)
    return yaml.safe_dump(data)


# ----------------------------------------------------------------------------- the layer's own input

def test_layer_2_reads_a1_and_hands_back_dE_da1(lecture):
    text = lecture["en"]
    assert "z[2] = W[2]·a[1] + b[2]·𝟏" in text
    assert "∂E/∂W[2] = δ[2]·a[1]ᵀ" in text
    assert "∂E/∂a[1] = W[2]ᵀ·δ[2] = " in text
    assert "z[1] = W[1]·x + b[1]·𝟏" in text and "∂E/∂W[1] = δ[1]·xᵀ" in text   # x = a[0] only for layer 1
    assert "W[2]·x" not in text and "∂E/∂x = W[2]" not in text
    tex = lecture["tex_es"]
    assert r"z^{[2]} = W^{[2]}\,a^{[1]} + b^{[2]}\,\mathbf{1}" in tex
    assert r"\frac{\partial E}{\partial W^{[2]}} &= \delta^{[2]}\,a^{[1]\top}" in tex
    assert r"\frac{\partial E}{\partial a^{[1]}} &= W^{[2]\top}\,\delta^{[2]}" in tex
    assert r"W^{[2]} x" not in tex and r"\frac{\partial E}{\partial x} = W^{[2]" not in tex


def test_json_data_names_each_modules_input(lecture):
    modules = layers_data(lecture["view"])["modules"]
    names = [(m["module"], m["layer"], m["input"], m["output"]) for m in modules]
    assert names == [("linear", 1, "x", "z1"), ("activation", 1, "z1", "a1"), ("linear", 2, "a1", "z2"),
                     ("activation", 2, "z2", "a2"), ("loss", 2, "a2", "E")]
    assert modules[2]["a1"][0] == list(modules[1]["a1"][0])    # layer 2's input is a1, not x


def test_json_vectors_are_named_by_their_quantities(lecture):
    """Issue 14 (review r4): the JSON keyed every module's vectors by a generic x and y, so a
    sigmoid's output was "y" while y is the target. Each vector is now under the name of the
    quantity it is: the input, the output, dE/d<output> (what the module receives) and
    dE/d<input> (what it hands back)."""
    modules = layers_data(lecture["view"])["modules"]
    for m in modules:
        assert not {"x", "y", "dE/dy"} & set(m) or m["input"] == "x", m["module"]
        assert {m["input"], m["output"], f"dE/d{m['output']}", f"dE/d{m['input']}"} <= set(m)
    act2 = modules[3]
    assert [float(v) for v in act2["a2"][0]] == pytest.approx([0.73493, 0.77955], abs=5e-6)
    assert [float(v) for v in act2["dE/dz2"][0]] == pytest.approx([0.13343, -0.02929], abs=5e-6)
    assert modules[2]["dE/da1"] == modules[1]["dE/da1"]      # Linear 2 hands back what sigmoid 1 receives
    assert modules[0]["dE/dx"] and "y" not in modules[0]


# ----------------------------------------------------------------------------- the shared bias

def test_shared_bias_is_one_number_added_to_every_neuron(lecture):
    text = lecture["es"]
    assert "b[2] ∈ ℝ" in text and "0.35·[1, 1]" in text
    assert "b[2] es un solo número: se suma a cada neurona de la capa" in text
    assert "∂E/∂b[2] = Σ_i δ[2]_i = 0.13343 + (-0.02929) = 0.10414" in text
    assert "∂E/∂b[1] = Σ_i δ[1]_i = 0.01108 + 0.01340 = 0.02448" in text
    tex = lecture["tex_es"]
    assert r"+ 0.35\,\begin{pmatrix}1 \\ 1\end{pmatrix}" in tex
    assert r"\begin{pmatrix}0.35\end{pmatrix}" not in tex                    # no 1-vector added to a 2-vector
    assert r"\frac{\partial E}{\partial b^{[2]}} = \sum_{i} \delta^{[2]}_{i} = 0.13343 + \left(-0.02929\right) = 0.10414" in tex
    # the number is the sum of the layer's δ's
    lin2 = lecture["view"].modules[2]
    with exact():
        assert lin2.grads["b"][0][0] == sum(lin2.dy[0])


def test_a_bias_per_neuron_stays_a_vector():
    view = layer_view(load_spec(GOLDEN_SPECS / "random_00.yaml"))
    text = layers_text(view, "en", 5)
    assert "z[1] = W[1]·x + b[1],   W[1] ∈ ℝ^(3×2),   b[1] ∈ ℝ^3" in text
    assert "∂E/∂b[1] = δ[1] = [-0.07741, 0.18117, -0.51903]" in text
    assert "𝟏" not in text


# ----------------------------------------------------------------------------- the data and η

def frame_of(tex: str, title: str, heading: str | None = None) -> list[str]:
    """The frames of a slides .tex with this title (and subtitle)."""
    out = []
    for frame in tex.split(r"\begin{frame}[t]")[1:]:
        if rf"\frametitle{{{title}}}" in frame and (heading is None or rf"\framesubtitle{{{heading}}}" in frame):
            out.append(frame)
    return out


def section(text: str, title: str, until: str) -> str:
    return text[text.index(f"\n{title}\n"):text.index(f"\n{until}\n")]


def test_the_data_is_stated_before_the_forward(lecture):
    """Issue 14 (review): the deck used y (∂E/∂ŷ = ŷ − y) and never said what it was. The data
    frame, second after what a module does, gives the spec's input and target."""
    for lang, title, forward in (("es", "La red y sus datos", "Propagación hacia adelante"),
                                 ("en", "The network and its data", "Forward pass")):
        text = section(lecture[lang], title, forward)
        assert "x = [0.1, 0.5],   y = [0.05, 0.95]" in text
        tex = lecture[f"tex_{lang}"]
        frames = tex.split(r"\begin{frame}[t]")[1:]
        assert rf"\frametitle{{{title}}}" in frames[1]
        assert (r"x = \begin{pmatrix}0.1 \\ 0.5\end{pmatrix},\qquad y = \begin{pmatrix}0.05 \\ 0.95\end{pmatrix}"
                in frames[1])
    assert "la salida esperada y" in lecture["es"] and "the expected output y" in lecture["en"]


def test_eta_and_the_new_weights_in_the_update_frames(lecture):
    """Issue 14 (review): η was never stated. Deck 001's gradient descent closes the deck, a
    frame per linear module: the rule with η's value, then old − η·gradient = new (the network
    mode's new values: 0.45188, 0.71056...), and the fixed biases said to be kept."""
    for lang, title, kept in (("es", "Descenso de gradiente", "b[2] conserva su valor"),
                              ("en", "Gradient descent", "b[2] keeps its value")):
        text = lecture[lang][lecture[lang].index(f"\n{title}\n"):]
        assert "W[2] ← W[2] - η·∂E/∂W[2],   η = 0.6\n" in text
        assert ("W[2] ← [[0.5, 0.6], [0.7, 0.8]] - 0.6·[[0.08020, 0.08211], [-0.01761, -0.01803]] "
                "= [[0.45188, 0.55073], [0.71056, 0.81082]]\n") in text
        assert "W[1] ← W[1] - η·∂E/∂W[1],   η = 0.6\n" in text and "= [[0.09934, 0.29668], [0.19920, 0.39598]]" in text
        assert kept in text
        tex = lecture[f"tex_{lang}"]
        heading = {"es": "Lineal", "en": "Linear"}[lang]
        for l in (1, 2):
            frame, = frame_of(tex, title, f"{heading} {l}")
            assert (rf"W^{{[{l}]}} \leftarrow W^{{[{l}]}} - \eta\,\frac{{\partial E}}{{\partial W^{{[{l}]}}}},"
                    r"\qquad \eta = 0.6") in frame
        frame, = frame_of(tex, title, f"{heading} 2")
        assert (r"W^{[2]} &\leftarrow \begin{pmatrix}0.5 & 0.6 \\ 0.7 & 0.8\end{pmatrix} - 0.6\,"
                r"\begin{pmatrix}0.08020 & 0.08211 \\ -0.01761 & -0.01803\end{pmatrix} \\ &= "
                r"\begin{pmatrix}0.45188 & 0.55073 \\ 0.71056 & 0.81082\end{pmatrix}") in frame
        assert r"\frac{\partial E}{\partial b" not in frame           # a fixed bias has no update


def test_the_data_and_eta_come_from_the_spec():
    """Other targets, another η and trained biases: the numbers follow the spec (and the new
    values are the network mode's: solve's new_b2 = 0.29747)."""
    spec = spec_from_text(spec_text(targets=[0.01, 0.99], learning_rate=0.5, update_biases=True), "net.yaml")
    view = layer_view(spec)
    text = layers_text(view, "en", 5)
    assert "x = [0.1, 0.5],   y = [0.01, 0.99]" in text
    assert "W[2] ← W[2] - η·∂E/∂W[2],   b[2] ← b[2] - η·∂E/∂b[2],   η = 0.5\n" in text
    assert "b[2] ← 0.35 - 0.5·0.10506 = 0.29747\n" in text and "b[1] ← 0.25 - 0.5·0.02407 = 0.23797\n" in text
    assert "keeps its value" not in text
    tex = render_layers_tex(view, "slides", "es", 5, "Red")
    frame, = frame_of(tex, "Descenso de gradiente", "Lineal 2")
    assert r"b^{[2]} \leftarrow 0.35 - 0.5 \cdot 0.10506 = 0.29747" in frame and r"\eta = 0.5" in frame
    frame, = frame_of(tex, "La red y sus datos")
    assert r"y = \begin{pmatrix}0.01 \\ 0.99\end{pmatrix}" in frame


def test_the_rule_and_the_names_each_have_their_picture(lecture):
    """The module rule (v = f(u), ∂E/∂u from ∂E/∂v) is drawn as deck 001 draws a module, and the
    layer's names (a^{[l-1]}, z, δ, a^{[l]}) on the data frame that names them."""
    frames = lecture["tex_en"].split(r"\begin{frame}[t]")[1:]
    rule, data = frames[0], frames[1]
    assert r"{$f$}" in rule and r"{$\partial E/\partial u$}" in rule and r"{$\partial E/\partial v$}" in rule
    assert r"{$g^{[l]}$}" in data and r"{$\delta^{[l]}$}" in data
    assert r"{$g^{[l]}$}" not in rule


def test_the_article_draws_the_chain_once(lecture):
    """The handout draws the chain of modules at its start only (the data section redrew it)."""
    tex = render_layers_tex(lecture["view"], "article", "es", 5, "Red")
    assert tex.count("{Pérdida}") == 1
    assert r"\textbf{La red y sus datos}" in tex and r"\textbf{Descenso de gradiente: Lineal 2}" in tex


def test_a_batch_shows_every_example_one_per_column():
    view = layer_view(load_spec(GOLDEN_SPECS / "random_10.yaml"))        # 2 examples, η = 0.5
    text = layers_text(view, "en", 5)
    assert "The network learns from 2 examples, one per column" in text
    assert "[x(1) x(2)] = [[-0.63, 0.31], [-0.26, -0.72]],   [y(1) y(2)] = [[0.13, 0.45], [0.29, 0.13]]" in text
    assert "W[1] ← W[1] - η·∂E/∂W[1],   b[1] ← b[1] - η·∂E/∂b[1],   η = 0.5\n" in text
    frame, = frame_of(render_layers_tex(view, "slides", "en", 5, "T"), "The network and its data")
    assert (r"\begin{pmatrix}x^{(1)} & x^{(2)}\end{pmatrix} = \begin{pmatrix}-0.63 & 0.31 \\ -0.26 & -0.72\end{pmatrix}"
            in frame)


def test_many_examples_show_the_first():
    data = yaml.safe_load(LECTURE.read_text())
    data["inputs"] = [[0.1 * k, 0.5] for k in range(1, 7)]
    data["targets"] = [[0.05, 0.95]] * 5 + [[0.5, 0.25]]
    text = layers_text(layer_view(spec_from_text(yaml.safe_dump(data), "six.yaml")), "es", 5)
    assert "La red aprende de 6 ejemplos; el primero: la entrada x(1) y la salida esperada y(1)" in text
    assert "x(1) = [0.1, 0.5],   y(1) = [0.05, 0.95]" in text


# ----------------------------------------------------------------------------- ∂E/∂ŷ

def test_loss_frame_has_the_general_formula_then_the_numbers(lecture):
    text = lecture["en"]
    assert "∂E/∂ŷ_k = ŷ_k - y_k" in text
    assert "∂E/∂a[2] = ∂E/∂ŷ = [0.73493 - 0.05, 0.77955 - 0.95] = [0.68493, -0.17045]" in text
    assert "E = Σ_k (y_k - ŷ_k)^2/2,   ŷ = a[2]" in text
    assert "E = (0.05 - 0.73493)^2/2 + (0.95 - 0.77955)^2/2 = 0.24909" in text
    tex = lecture["tex_en"]
    assert r"\frac{\partial E}{\partial \hat{y}_{k}} = \hat{y}_{k} - y_{k}" in tex


@pytest.mark.parametrize("loss,formula", [("half_sse", "ŷ_k - y_k"), ("mse", "ŷ_k - y_k"),
                                          ("cross_entropy", "-y_k/ŷ_k"),
                                          ("binary_cross_entropy", "(ŷ_k - y_k)/(ŷ_k·(1 - ŷ_k))")])
def test_every_loss_writes_its_own_derivative(loss, formula):
    view = layer_view(spec_from_text(spec_text(loss=loss), "net.yaml"))
    assert f"∂E/∂ŷ_k = {formula}\n" in layers_text(view, "en", 5)


def test_the_derivative_is_read_from_the_ops_table(monkeypatch):
    """Change the table's ∂E_k/∂ŷ_k and the view writes the new one: the renderer types no math."""
    import sympy
    rule = ops.LOSSES["half_sse"]
    changed = dataclasses.replace(rule, named=lambda a, y, K: sympy.Mul(3, a - y, evaluate=False))
    monkeypatch.setitem(ops.LOSSES, "half_sse", changed)
    text = layers_text(layer_view(load_spec(LECTURE)), "en", 5)
    assert "∂E/∂ŷ_k = 3·(ŷ_k - y_k)" in text


def test_mean_over_examples_puts_one_over_n_in_front():
    view = layer_view(load_spec(GOLDEN_SPECS / "random_10.yaml"))        # cross-entropy, mean of 2
    text = layers_text(view, "en", 5)
    assert "∂E/∂ŷ_k = 1/2·(-y_k/ŷ_k)" in text
    assert "With 2 examples the vectors shown are those of example 1" in text


# ----------------------------------------------------------------------------- the language

def test_module_names_in_the_language_of_the_deck(lecture):
    for key in ("es", "tex_es"):
        out = lecture[key]
        assert "Lineal 1" in out and "Sigmoide 2" in out and "Pérdida" in out
        assert not re.search(r"\bLinear\b|\bsigmoid\b|\bLoss\b|half_sse", out, re.IGNORECASE), key
    for key in ("en", "tex_en"):
        out = lecture[key]
        assert "Linear 1" in out and "Sigmoid 2" in out and "Loss: half sum of squared errors" in out
        assert "Lineal" not in out and "Pérdida" not in out


def test_deep_network_names_tanh_in_spanish():
    view = layer_view(load_spec(DEEP))
    assert "  Tangente hiperbólica 1\n" in layers_text(view, "es", 4)
    assert "  Hyperbolic tangent 1\n" in layers_text(view, "en", 4)


# ----------------------------------------------------------------------------- the frames

def test_every_frame_draws_the_chain_with_its_module_highlighted(lecture):
    tex = lecture["tex_es"]
    frames = tex.split(r"\begin{frame}[t]")[1:]
    # the modules, the network and its data, its parameters, 5 forward, σ′ derived, 7 backward (Linear: 2 each), 2 updates
    assert len(frames) == 18
    for frame in frames[3:]:
        assert frame.count(r"\begin{tikzpicture}") == 1
        assert len(re.findall(r"\\node\[l(?:fwd|back)cur", frame)) == 1
    short = [f for f in frames if r"\framesubtitle{Sigmoide 1}" in f][0]
    assert r"\Large" in short                      # a short frame is set large


def ink(pdf) -> list[tuple[float, float]]:
    """Per page: how far down the content reaches (fraction of the height, the page number
    left out) and how much of the page its words cover."""
    xml = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True,
                         check=True).stdout
    out = []
    for w, h, body in re.findall(r'<page width="([\d.]+)" height="([\d.]+)">(.*?)</page>', xml, re.DOTALL):
        w, h = float(w), float(h)
        boxes = [tuple(map(float, b)) for b in
                 re.findall(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)"', body)]
        boxes = [b for b in boxes if b[1] < 0.9 * h]
        out.append((max(b[3] for b in boxes) / h, sum((b[2] - b[0]) * (b[3] - b[1]) for b in boxes) / (w * h)))
    return out


@pytest.mark.parametrize("example,lang", [("lecture_2_2_2", "es"), ("net_3_3_3_2", "en")])
def test_content_fills_the_frames(tmp_path, example, lang):
    """Issue 14: three quarters of each frame were empty (the content ended at a third of the
    height on short frames). Now every frame reaches past 60% of the height and its words
    cover over 7% of it (the old deck: 25-84 per thousand, most under 6%)."""
    from test_pdf import require_tex

    from symbackprop.render.latex import build_pdf
    require_tex()
    spec = load_spec(ROOT / "examples" / f"{example}.yaml")
    pdf, _log = build_pdf(render_layers_tex(layer_view(spec), "slides", lang, spec.decimals, "T"), name="layers")
    path = tmp_path / "layers.pdf"
    path.write_bytes(pdf)
    pages = ink(path)[1:]                          # the title page is a title page
    for n, (low, covered) in enumerate(pages, start=2):
        assert low > 0.6 and covered > 0.07, (n, low, covered)
    assert sum(c for _l, c in pages) / len(pages) > 0.1


def test_no_frame_overflows(tmp_path):
    """The 8-wide limit of the layer report: the biggest matrices still fit their frame."""
    from test_pdf import require_tex

    from symbackprop.render.latex import build_pdf, overfull_boxes
    require_tex()
    data = yaml.safe_load(LECTURE.read_text())
    data = copy.deepcopy(data)
    data["inputs"] = [0.1 * k for k in range(1, 9)]
    data["layers"] = [{"units": 8, "activation": "tanh", "weights": {"init": "uniform", "range": [-1, 1], "seed": 2,
                                                                      "decimals": 2}, "bias": 0.1},
                      {"units": 2, "activation": "sigmoid", "weights": {"init": "uniform", "range": [-1, 1],
                                                                         "seed": 3, "decimals": 2}, "bias": 0.2}]
    spec = spec_from_text(yaml.safe_dump(data), "wide.yaml")
    _pdf, log = build_pdf(render_layers_tex(layer_view(spec), "slides", "es", 5, "T"), name="wide")
    assert overfull_boxes(log) == []


# ----------------------------------------------------------------------------- one name per quantity (review r4)

def test_y_is_the_target_only(lecture):
    """Issue 14 (review r4): y was both the target (∂E/∂ŷ = ŷ − y) and a module's output: the
    rule frame's y = f(x), ∂E/∂y, and "Sigmoid 1 receives ∂E/∂a[1] as its ∂E/∂y". The generic
    module now reads u and writes v; every module's output is named by what it is (a^{[1]},
    ŷ = a^{[2]}); x is the network's input only."""
    for lang in ("es", "en"):
        text, tex = lecture[lang], lecture[f"tex_{lang}"]
        assert "∂E/∂y" not in text and "y = f(x)" not in text and "∂E/∂x = ∂E/∂y" not in text
        assert r"\partial y" not in tex and "y = f" not in tex and r"{$y$}" not in tex
        assert "v = f(u)" in text and "∂E/∂u = ∂E/∂v·∂v/∂u,   ∂E/∂p = ∂E/∂v·∂v/∂p" in text
        assert r"\frac{\partial E}{\partial u} = \frac{\partial E}{\partial v}\,\frac{\partial v}{\partial u}" in tex
        # the output layer's activation is ŷ, as deck 003 writes ŷ₁ = a₁^{[2]} = σ(z₁^{[2]})
        assert "ŷ = a[2] = σ(z[2])" in text and "ŷ = a[2] = [σ(1.01977), σ(1.26307)] = [0.73493, 0.77955]" in text
        assert r"\hat{y} = a^{[2]} = \sigma\left(z^{[2]}\right)" in tex
        assert "ŷ = a[1]" not in text                           # a hidden layer's output is not ŷ
    assert "El módulo anterior, Sigmoide 1, recibe ∂E/∂a[1]: el gradiente de su salida a[1]." in lecture["es"]
    assert "The previous module, Sigmoid 1, receives ∂E/∂a[1]: the gradient of its output a[1]." in lecture["en"]
    assert r"recibe $\partial E/\partial a^{[1]}$: el gradiente de su salida $a^{[1]}$." in lecture["tex_es"]


def test_the_deck_states_what_the_network_computes(lecture):
    """Issue 14 (review r4): the first frame says what the chain of modules computes, ŷ as one
    formula built from the modules (a shared bias as b·𝟏, as the forward frames write it)."""
    assert "The chain of modules computes the network's output ŷ:\n  ŷ = σ(W[2]·σ(W[1]·x + b[1]·𝟏) + b[2]·𝟏)\n" \
        in lecture["en"]
    assert "La cadena de módulos calcula la salida de la red, ŷ:" in lecture["es"]
    first = lecture["tex_es"].split(r"\begin{frame}[t]")[1]
    assert (r"\hat{y} = \sigma\left(W^{[2]}\,\sigma\left(W^{[1]}\,x + b^{[1]}\,\mathbf{1}\right) + b^{[2]}\,"
            r"\mathbf{1}\right)") in first


@pytest.mark.parametrize("change,formula", [
    ({"layers": [{"units": 2, "activation": "linear", "weights": [[0.1, 0.3], [0.2, 0.4]], "bias": 0.25},
                 {"units": 2, "activation": "tanh", "weights": [[0.5, 0.6], [0.7, 0.8]]}]},
     "ŷ = tanh(W[2]·(W[1]·x + b[1]·𝟏))"),                 # a linear layer: parentheses, no function
    ({"layers": [{"units": 2, "activation": "relu", "weights": [[0.1, 0.3], [0.2, 0.4]], "bias": [0.1, 0.2]},
                 {"units": 2, "activation": "softmax", "weights": [[0.5, 0.6], [0.7, 0.8]], "bias": 0.35}],
      "loss": "cross_entropy", "targets": [0, 1]},
     "ŷ = softmax(W[2]·relu(W[1]·x + b[1]) + b[2]·𝟏)"),   # a bias per neuron: b, not b·𝟏
])
def test_the_network_formula_follows_the_modules(change, formula):
    view = layer_view(spec_from_text(spec_text(**change), "net.yaml"))
    assert f"\n  {formula}\n" in layers_text(view, "en", 5)


def test_vector_example_title_is_words_and_its_formula_is_mathematics():
    """Issue 14 (review r4): examples/vector_3_2.yaml's title "y = σ(Wx + b)" was set upright
    on the title page (a title is plain text, never LaTeX). The title is words in each
    language; the formula is on the first frame, typeset as mathematics from the modules."""
    spec = load_spec(ROOT / "examples" / "vector_3_2.yaml")
    titles = dict(spec.titles)
    assert titles == {"es": "Una capa vectorizada: 3 entradas, 2 neuronas",
                      "en": "A vectorized layer: 3 inputs, 2 neurons"}
    for lang in ("es", "en"):
        tex = render_layers_tex(layer_view(spec), "slides", lang, spec.decimals, spec.title_in(lang))
        assert rf"\title{{{titles[lang]}}}" in tex
        first = tex.split(r"\begin{frame}[t]")[1]
        assert r"\fiteq" not in first and r"\layereq{\hat{y} = \sigma\left(W^{[1]}\,x + b^{[1]}\right)}" in first


def layer_sizes(log: str) -> list[tuple[int, float, float | None, float | None]]:
    """(frame, chain, text, math) in pt, as each frame of the layer deck reports them."""
    pt = lambda s: None if s == "none" else float(s[:-2])
    found = re.findall(r"symbackprop layers size: frame (\d+) chain ([\d.]+) ?pt\s+text (\S+)\s+math (\S+)\}?", log)
    return [(int(n), float(c), pt(t), pt(m)) for n, c, t, m in found]


@pytest.mark.parametrize("example,lang", [("lecture_2_2_2", "es"), ("lecture_2_2_2", "en"), ("vector_3_2", "es")])
def test_every_frame_shows_its_words_at_8pt_or_more(example, lang):
    """Issue 14 (review r4, a lecturer projecting the deck): each frame reports the size its
    chain of modules, its sentences and its smallest formula show at, after the scaling that
    fits the frame; none is under 8 pt."""
    from test_pdf import require_tex

    from symbackprop.render.latex import build_pdf
    require_tex()
    spec = load_spec(ROOT / "examples" / f"{example}.yaml")
    tex = render_layers_tex(layer_view(spec), "slides", lang, spec.decimals, spec.title_in(lang))
    _pdf, log = build_pdf(tex, name="sizes")
    sizes = layer_sizes(log)
    assert [n for n, *_ in sizes] == list(range(2, tex.count(r"\begin{frame}") + 1))
    for n, chain, text, math in sizes:
        assert chain >= 8 and (text is None or text >= 8) and math is not None and math >= 8, (n, chain, text, math)


def test_the_derivative_is_derived_before_its_first_use(lecture):
    """Issue 14 (review r4): the backward used ∂a_i/∂z_i = a_i(1 − a_i) without the step deck 003
    shows first, σ′ derived from σ = 1/(1 + e^{−z}). A note frame derives it once (rows from the
    ops table), right before the first sigmoid's backward, with that module's chain."""
    text = lecture["en"]
    start = text.index("Note: the derivative of the sigmoid function")
    assert text.count("Note: the derivative of the sigmoid function") == 1
    assert text.index("∂E/∂ŷ_k = ŷ_k - y_k") < start < text.index("δ[2] = ∂E/∂z[2]")
    assert "      σ(z) = 1/(1 + exp(-z))\n" in text[start:]
    assert "d/dz σ(z) = -1/((1 + exp(-z))^2)·d/dz (1 + exp(-z)) = " in text[start:]
    assert "      d/dz σ(z) = σ(z)·(1 - σ(z))\n" in text[start:]
    frame, = frame_of(lecture["tex_es"], "Nota: derivada de la función sigmoide", "Sigmoide 2")
    assert r"\sigma\left(z\right) = \frac{1}{1 + e^{- z}}" in frame and r"\node[lbackcur" in frame
    assert r"\frac{d}{d z} \sigma\left(z\right) = \sigma\left(z\right) \cdot \left(1 - \sigma\left(z\right)\right)" in frame


def test_tanh_is_derived_and_relu_is_not():
    deep = layers_text(layer_view(load_spec(DEEP)), "en", 4)
    assert deep.count("Note: the derivative of the hyperbolic tangent function") == 1
    assert "d/dz tanh(z) = 1 - tanh(z)^2" in deep
    relu = spec_text(layers=[{"units": 2, "activation": "relu", "weights": [[0.1, 0.3], [0.2, 0.4]], "bias": 0.25},
                             {"units": 2, "activation": "linear", "weights": [[0.5, 0.6], [0.7, 0.8]]}])
    assert "Note:" not in layers_text(layer_view(spec_from_text(relu, "net.yaml")), "en", 5)


def test_the_data_frames_give_every_starting_parameter_and_eta(lecture):
    """Review r5: the layer deck's data frame listed only x and y. The next frame gives W, b
    for every layer and η, with the spec's numbers (a wide layer by its shapes)."""
    from symbackprop import spec_from_dict
    text = lecture["es"]
    for line in ("W[1] = [[0.1, 0.3], [0.2, 0.4]],   b[1] = 0.25", "W[2] = [[0.5, 0.6], [0.7, 0.8]],   b[2] = 0.35",
                 "η = 0.6"):
        assert line in text
    assert text.index("η = 0.6") < text.index("Propagación hacia adelante")
    frame = frame_of(lecture["tex_es"], "Los parámetros iniciales")
    assert len(frame) == 1 and r"\eta = 0.6" in frame[0]
    wide = spec_from_dict({"inputs": [0.1] * 5, "targets": [0.5], "learning_rate": 0.1, "layers": [
        {"units": 1, "activation": "sigmoid", "weights": [[0.1] * 5], "bias": [0.2]}]}, "wide")
    text = layers_text(layer_view(wide), "en", 5)
    assert "W[1] ∈ ℝ^(1×5),   b[1] ∈ ℝ^1" in text.split("Forward pass")[0]

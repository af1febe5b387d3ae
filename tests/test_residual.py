"""Residual blocks (deck 004, "Conexiones residuales"; issue 15): a layer's ``residual: {from:
l}`` adds the output of the earlier layer l (0 = the inputs) to its activation, H(x) = F(x) +
x, what the next layer uses; a projection ``weights`` (W_s) when the widths differ. The
shortcut is one more edge of the model, with local derivative 1 (or W_s), so the chain rule
shows its path beside the paths through F: ∂H/∂x = ∂F/∂x + 1."""
from __future__ import annotations

import random
from decimal import Decimal

import mpmath
import pytest

from symbackprop import load_spec, solve, spec_from_dict
from symbackprop.cli import main
from symbackprop.core.exact import exact
from symbackprop.errors import SpecError
from symbackprop.render.text import walkthrough
from symbackprop.spec.reading import spec_to_dict

import reference
from conftest import ROOT
from test_numeric import require_torch

RESIDUAL = ROOT / "examples" / "residual_2_2_2_2.yaml"


def four_layers(residual=None, on: int = 1, **changes) -> dict:
    """The example's 2-2-2-2 network with ``residual`` on layers[on]."""
    layers = [{"units": 2, "activation": "sigmoid", "weights": [[0.1, 0.3], [0.2, 0.4]], "bias": 0.25},
              {"units": 2, "activation": "sigmoid", "weights": [[0.15, 0.25], [0.35, 0.45]], "bias": 0.3},
              {"units": 2, "activation": "sigmoid", "weights": [[0.5, 0.6], [0.7, 0.8]], "bias": 0.35}]
    if residual is not None:
        layers[on]["residual"] = residual
    data = {"inputs": [0.1, 0.5], "targets": [0.05, 0.95], "learning_rate": 0.6, "update_biases": False,
            "layers": layers}
    data.update(changes)
    return data


# ----------------------------------------------------------------------------- the spec

def test_the_example_has_a_shortcut_around_its_second_layer():
    spec = load_spec(RESIDUAL)
    assert [l.residual for l in spec.layers[::2]] == [None, None]
    assert spec.layers[1].residual.source == 1 and spec.layers[1].residual.weights is None


@pytest.mark.parametrize("residual", [{"from": 1}, {"from": 0}, {"from": 0, "weights": [[1, 0.5], [0.2, 1]]}])
def test_the_serializer_writes_the_shortcut_back(residual):
    spec = spec_from_dict(four_layers(residual))
    written = spec_to_dict(spec)
    assert written["layers"][1]["residual"] == residual
    assert spec_from_dict(written) == spec


@pytest.mark.parametrize("data, where, what", [
    (four_layers({"from": 2}), "layers[1].residual.from", "expected a whole number from 0 to 1, found 2"),
    (four_layers({"from": -1}), "layers[1].residual.from", "expected a whole number from 0 to 1"),
    (four_layers({"from": "x"}), "layers[1].residual.from", "found the string 'x'"),
    (four_layers({}), "layers[1].residual.from", "missing"),
    (four_layers({"from": 1, "to": 2}), "layers[1].residual.to", "unknown key 'to'"),
    (four_layers(1), "layers[1].residual", "expected a mapping"),
    (four_layers({"from": 1}, on=2), "layers[2].residual", "hidden layers only"),
    (four_layers({"from": 0, "weights": [[1, 2]]}), "layers[1].residual.weights", "expected 2 rows"),
    (four_layers({"from": 0, "weights": [[1, 2], [3]]}), "layers[1].residual.weights[1]", "expected a list of 2 numbers"),
])
def test_spec_errors_name_the_place(data, where, what):
    with pytest.raises(SpecError) as err:
        spec_from_dict(data)
    message = str(err.value)
    assert f": {where}: " in message and what in message and "\n" not in message


def test_different_widths_need_a_projection():
    data = four_layers({"from": 0}, inputs=[0.1, 0.5, 0.2])
    data["layers"][0]["weights"] = [[0.1, 0.3, 0.2], [0.2, 0.4, 0.1]]
    with pytest.raises(SpecError) as err:
        spec_from_dict(data)
    message = str(err.value)
    assert ": layers[1].residual.from: an identity shortcut needs the same width: the inputs have 3 units, " \
           "this layer 2" in message and "weights" in message and "\n" not in message
    data["layers"][1]["residual"] = {"from": 0, "weights": [[1, 0, 0], [0, 1, 0]]}
    assert spec_from_dict(data).layers[1].residual.weights[0] == (1, 0, 0)


def test_a_bad_shortcut_exits_2_in_one_line(tmp_path, capsys):
    reference.assert_bad_spec_exits_2_in_one_line(main, RESIDUAL, "residual: {from: 1}", "residual: {from: 3}",
                                                  "layers[1].residual.from", tmp_path, capsys)


# ----------------------------------------------------------------------------- the derivation

def test_the_shortcut_is_an_edge_with_local_derivative_1():
    d = solve(load_spec(RESIDUAL)).derivations[0]
    with exact():
        assert d.values["h2_1"] == d.values["a2_1"] + d.values["a1_1"]
    assert d.model.nodes["z3_1"].terms == (("w3_1_1", "h2_1"), ("w3_1_2", "h2_2"))
    chain = d.chain("w1_1_1")
    shortcut = [p for p in chain.paths if "dh2_1/da1_1" in p.factors]
    through_f = [p for p in chain.paths if "dh2_1/da1_1" not in p.factors]
    assert len(shortcut) == 2 and len(through_f) == 4 and chain.path_count == 6
    assert d.factors["dh2_1/da1_1"].value == 1 and d.factors["dh2_1/da2_1"].value == 1
    with exact():
        assert abs(sum(p.value for p in chain.paths) - chain.gradient) < Decimal("1e-40")
    # the shortcut's paths are the F-paths' products with ∂F/∂x replaced by 1: without them the
    # gradient is another number (the "forgot the shortcut" slip)
    assert sum(p.value for p in through_f) != chain.gradient


def test_the_lecture_states_h_and_the_shortcut_path():
    text = walkthrough(solve(load_spec(RESIDUAL)), "en")
    forward = text.split("Computing the error")[0]
    assert "Residual block in layer 2: H(x) = F(x) + x, with F(x) this layer's output and x the output of layer 1" in forward
    assert "h[2]_1 = a[2]_1 + a[1]_1 = 0.63274 + 0.60109 = 1.23383" in forward
    assert "∂H/∂x = ∂F/∂x + 1" in forward
    assert "z[3]_1 = w[3]_1,1·h[2]_1 + w[3]_1,2·h[2]_2 + b[3]" in forward
    w111 = text.split("How much does w[1]_1,1")[1].split("How much does")[0]
    assert "∂h[2]_1/∂a[1]_1 = 1   (the residual block's shortcut: local derivative 1)" in w111
    es = walkthrough(solve(load_spec(RESIDUAL)), "es")
    assert "Bloque residual en la capa 2: H(x) = F(x) + x" in es and "(el atajo del bloque residual: derivada local 1)" in es


def _random_spec(seed: int):
    """2-4 layers; each hidden layer after the first may end a block from any earlier layer
    (an identity when the widths agree, else a projection)."""
    rng = random.Random(seed)
    widths = [rng.randint(1, 3)] + [rng.randint(1, 3) for _ in range(rng.randint(2, 3))] + [rng.randint(1, 3)]
    examples = rng.randint(1, 3)
    layers = []
    for l, units in enumerate(widths[1:], start=1):
        layer = reference.random_layer(rng, widths[l - 1], units)
        if l < len(widths) - 1 and rng.random() < 0.8:
            source = rng.randint(0, l - 1)
            layer["residual"] = {"from": source}
            if widths[source] != units or rng.random() < 0.3:
                layer["residual"]["weights"] = [[round(rng.uniform(-1, 1), 2) for _ in range(widths[source])]
                                                for _ in range(units)]
        layers.append(layer)
    return spec_from_dict(reference.random_spec_data(rng, widths, examples, layers))


SPECS = [load_spec(RESIDUAL)] + [_random_spec(seed) for seed in range(8)]


def test_the_random_specs_have_shortcuts():
    blocks = [l.residual for s in SPECS[1:] for l in s.layers if l.residual is not None]
    assert len(blocks) >= 6
    assert any(b.weights is not None for b in blocks) and any(b.weights is None for b in blocks)
    assert any(b.source == 0 for b in blocks) and any(b.source > 0 for b in blocks)


def _torch_gradients(torch, spec):
    """PyTorch float64: a residual nn.Module written from the textbook (each layer's
    activation, plus the earlier layer's output — or W_s times it — where a block ends);
    autograd's gradients."""
    acts = {"sigmoid": torch.sigmoid, "tanh": torch.tanh, "softplus": torch.nn.functional.softplus,
            "swish": torch.nn.functional.silu}

    def tensor(v, grad=False):
        return torch.tensor(v, dtype=torch.float64, requires_grad=grad)

    class Net(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.W = torch.nn.ParameterList(
                [torch.nn.Parameter(tensor([[float(v) for v in row] for row in l.weights])) for l in spec.layers])
            self.b = torch.nn.ParameterList(
                [torch.nn.Parameter(tensor([float(v) for v in l.bias])) for l in spec.layers])

        def forward(self, X):
            outputs = [X]
            A = X
            for W, b, layer in zip(self.W, self.b, spec.layers):
                A = acts[layer.activation](A @ W.T + b)
                if layer.residual is not None:          # H(x) = F(x) + x
                    x = outputs[layer.residual.source]
                    if layer.residual.weights is not None:
                        x = x @ tensor([[float(v) for v in r] for r in layer.residual.weights]).T
                    A = A + x
                outputs.append(A)
            return A

    net = Net()
    X = tensor([[float(v) for v in row] for row in spec.inputs])
    Y = tensor([[float(v) for v in row] for row in spec.targets])
    E = ((Y - net(X)) ** 2 / 2).sum()
    E.backward()
    out = {}
    for l, (W, b) in enumerate(zip(net.W, net.b), start=1):
        for i, row in enumerate(W.grad.tolist(), start=1):
            out.update({f"w{l}_{i}_{j}": g for j, g in enumerate(row, start=1)})
        out.update({f"b{l}_{i}": g for i, g in enumerate(b.grad.tolist(), start=1)})
    return E.item(), out


#: The bound on the relative error against PyTorch. The largest seen on SPECS: 1.3e-14, on
#: w2_1_1 of SPECS[6] (∂E/∂w = −0.0155, a sum of paths through two blocks whose terms reach
#: ~1: PyTorch's float64 cancels there; our exact value agrees with mpmath at 40 digits); the
#: others are at most 1.3e-15.
LARGEST_RELATIVE_ERROR = 2e-14


def _relative_errors(torch, spec):
    d = solve(spec).derivations[0]
    E, grads = _torch_gradients(torch, spec)
    if spec.layers[0].bias is not None and isinstance(spec.layers[0].bias, Decimal):   # the example: shared biases
        return None
    assert set(grads) == set(d.gradients)
    errors = [abs(float(d.E) - E) / max(abs(E), 1e-300)]
    errors += [abs(float(d.gradients[p]) - g) / max(abs(g), 1e-12) for p, g in grads.items()]
    return max(errors)


@pytest.mark.parametrize("n", range(1, len(SPECS)))
def test_gradients_equal_pytorchs_residual_module(n):
    torch = require_torch()
    assert _relative_errors(torch, SPECS[n]) <= LARGEST_RELATIVE_ERROR


def test_the_example_equals_pytorch():
    """The example shares a bias per layer: PyTorch's b is one number broadcast to the layer."""
    torch = require_torch()
    spec = load_spec(RESIDUAL)
    per_neuron = spec_from_dict({**spec_to_dict(spec), "layers": [
        {**l, "bias": [l["bias"]] * l["units"]} for l in spec_to_dict(spec)["layers"]]})
    d, dn = solve(spec).derivations[0], solve(per_neuron).derivations[0]
    E, grads = _torch_gradients(torch, per_neuron)
    assert abs(float(d.E) - E) <= LARGEST_RELATIVE_ERROR * E
    for pid, g in grads.items():
        assert abs(float(dn.gradients[pid]) - g) <= LARGEST_RELATIVE_ERROR * max(abs(g), 1e-12), pid
        if pid.startswith("w"):
            assert d.gradients[pid] == dn.gradients[pid]
    for l in (1, 2, 3):   # a shared bias's gradient is the sum of the per-neuron ones
        assert abs(float(d.gradients[f"b{l}"]) - grads[f"b{l}_1"] - grads[f"b{l}_2"]) <= 1e-15


@pytest.mark.parametrize("n", range(len(SPECS)))
def test_gradients_equal_finite_differences_at_40_digits(n):
    reference.assert_finite_differences_agree(SPECS[n], solve)


def test_delta_form_agrees_with_paths():
    reference.assert_delta_form_agrees(SPECS, solve)


def test_the_layer_view_refuses_in_one_line(tmp_path, capsys):
    """The layer view does not add the shortcut yet: it refuses (exit 2) rather than give the
    numbers of another network."""
    assert main(["solve", str(RESIDUAL), "--view", "layers"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "layers[1].residual" in err and "does not handle residual blocks yet" in err


# ----------------------------------------------------------------------------- reports, JSON, drawing

import json

from symbackprop.api import solve_for_report
from symbackprop.render.diagram import layout, path_marks, styled
from symbackprop.render.report import render_tex


def test_the_reports_state_h_and_draw_the_shortcut():
    spec = load_spec(RESIDUAL)
    tex = render_tex(solve_for_report(spec), "slides", "en")
    step = tex.split("(residual) from frame")[1].split("%% step")[0]
    assert "Residual block in layer 2: $H(x) = F(x) + x$" in step
    assert r"h^{[2]}_{1} = a^{[2]}_{1} + a^{[1]}_{1} = 0.63274 + 0.60109 = 1.23383" in step
    assert r"$\partial H/\partial x = \partial F/\partial x + 1$" in step
    assert tex.index("(residual) from frame") < tex.index("Computing the error")
    # the curved arrows skipping layer 2, above for neuron 1, below for neuron 2
    assert r"\draw[shortcut] (n1_1) to[bend left=30] (n2_1);" in tex
    assert r"\draw[shortcut] (n1_2) to[bend right=30] (n2_2);" in tex
    # the delta form carries the shortcut's factor 1 beside the paths through F
    assert r"w^{[3]}_{1,1} \cdot 1 \cdot \delta^{[3]}_{1}" in tex
    sheet = render_tex(solve_for_report(spec), "exercise", "es")
    assert r"h^{[2]}_{1} = a^{[2]}_{1} + a^{[1]}_{1} = \pblank + \pblank = \blank" in sheet


def test_a_path_through_the_shortcut_highlights_it():
    edges, nodes = path_marks(("dE1/da3_1", "da3_1/dz3_1", "dz3_1/dh2_1", "dh2_1/da1_1", "da1_1/dz1_1",
                               "dz1_1/dw1_1_1"))
    assert edges == {"w3_1_1", "h2_1-n1_1", "w1_1_1"} and nodes == {"n3_1", "n2_1", "n1_1"}
    drawing = styled(layout(solve(load_spec(RESIDUAL)).model), edges, nodes)
    assert [(c["id"], c["style"]) for c in drawing["shortcuts"]] == [("h2_1-n1_1", "hlshortcut"),
                                                                    ("h2_2-n1_2", "shortcut")]


def test_json_states_the_shortcut(tmp_path):
    assert main(["solve", str(RESIDUAL), "--format", "json", "-o", str(tmp_path)]) == 0
    doc = json.loads((tmp_path / "residual_2_2_2_2.json").read_text())
    assert doc["residual"] == {"2": {"from": 1}}
    assert doc["factors"]["dh2_1/da1_1"]["value"] == 1 and abs(doc["values"]["h2_1"] - 1.23383) < 1e-5

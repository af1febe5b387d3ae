"""The table of operations is the one source: every activation of it works in every command,
checked against numbers computed here independently (mpmath, finite differences, values
worked by hand), so that a new entry is covered the moment it is added."""
from __future__ import annotations

import json
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import mpmath
import pytest
import sympy

import reference
from symbackprop import solve, spec_from_dict
from symbackprop.core.exact import exact, round_to
from symbackprop.core.graph import build_graph
from symbackprop.core.model import parameter_values
from symbackprop.core.ops import ACTIVATIONS, FUNCTIONS, GATE_FUNCTIONS, elu, sigmoid
from symbackprop.derive.layers import layer_view
from symbackprop.spec import ACTIVATIONS as SPEC_ACTIVATIONS

ROOT = Path(__file__).resolve().parent.parent

# An independent spelling of every activation and of its derivative, from the textbook.
MP = {
    "sigmoid": lambda z, s: 1 / (1 + mpmath.exp(-z)),
    "tanh": lambda z, s: mpmath.tanh(z),
    "relu": lambda z, s: z if z > 0 else mpmath.mpf(0),
    "leaky_relu": lambda z, s: z if z > 0 else s * z,
    "linear": lambda z, s: z,
    "softplus": lambda z, s: mpmath.log(1 + mpmath.exp(z)),
    "elu": lambda z, s: z if z > 0 else mpmath.exp(z) - 1,
    "swish": lambda z, s: z / (1 + mpmath.exp(-z)),
}


def spec_with(hidden: str, output: str = "sigmoid", slope=None) -> dict:
    layer = {"units": 3, "activation": hidden,
             "weights": [[0.4, -0.6], [-0.3, 0.8], [0.9, 0.2]], "bias": [0.1, -0.2, 0.05]}
    if slope is not None:
        layer["slope"] = slope
    return {"title": f"{hidden} net", "decimals": 5, "inputs": [[0.5, -0.3], [-0.7, 0.2]],
            "targets": [[0.2, 0.7], [0.9, 0.1]],
            "layers": [layer, {"units": 2, "activation": output,
                               "weights": [[0.5, -0.2, 0.3], [0.3, 0.9, -0.4]], "bias": 0.2}],
            "loss": "half_sse", "learning_rate": 0.5}


def test_the_spec_reads_its_names_from_the_table():
    assert SPEC_ACTIVATIONS == (*ACTIVATIONS, "softmax")
    for name in ("elu", "swish", "leaky_relu"):
        assert name in SPEC_ACTIVATIONS and name in GATE_FUNCTIONS


def test_every_activation_has_an_independent_reference():
    assert set(MP) == set(ACTIVATIONS)


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_derivative_of_every_activation_by_finite_differences(name):
    """The textbook form of g′, evaluated exactly, against central differences of mpmath's g."""
    act = ACTIVATIONS[name]
    a, z = sympy.Symbol("a", real=True), sympy.Symbol("z", real=True)
    slope = sympy.Rational(1, 10)
    from symbackprop.core.evaluate import evaluate
    with mpmath.workdps(60):
        for point in ("-2.3", "-0.4", "0.35", "1.9"):
            zv = Decimal(point)
            av = evaluate(act.forward(z, slope), {"z": zv})
            got = evaluate(act.named(a, z, slope), {"a": av, "z": zv})
            h = mpmath.mpf("1e-25")
            zm = mpmath.mpf(point)
            fd = (MP[name](zm + h, mpmath.mpf("0.1")) - MP[name](zm - h, mpmath.mpf("0.1"))) / (2 * h)
            assert abs(av - Decimal(str(MP[name](zm, mpmath.mpf("0.1"))))) < Decimal("1e-40")
            assert abs(got - Decimal(mpmath.nstr(fd, 50))) < Decimal("1e-20"), (name, point)


def test_textbook_forms_of_the_new_activations():
    a, z = sympy.Symbol("a"), sympy.Symbol("z")
    assert sympy.simplify(ACTIVATIONS["swish"].named(a, z, 0) - (sigmoid(z) + a * (1 - sigmoid(z)))) == 0
    assert sympy.sstr(ACTIVATIONS["swish"].named(a, z, 0), order="none").startswith("sigmoid(z)")     # σ(z) first, as written
    assert sympy.sstr(ACTIVATIONS["elu"].named(a, z, 0), order="none").startswith("Heaviside(z, 0)")
    assert sympy.sstr(ACTIVATIONS["leaky_relu"].named(a, z, sympy.Rational(1, 10)), order="none").startswith("Heaviside(z, 0)")
    # elu′ = e^z for z ≤ 0: in terms of its output, a + 1
    assert sympy.diff(elu(z), z).subs(z, -1) == sympy.exp(-1)


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_every_activation_in_a_network_by_finite_differences(name):
    spec = spec_from_dict(spec_with(name, slope=0.1 if ACTIVATIONS[name].parameter else None), "<t>")
    d = solve(spec).derivations[0]
    with mpmath.workdps(60):
        params = {k: mpmath.mpf(str(v)) for k, v in parameter_values(spec).items()}
        assert abs(Decimal(mpmath.nstr(reference.error(spec, params), 50)) - d.E) < Decimal("1e-40")
        for p in params:
            fd = Decimal(mpmath.nstr(reference.finite_difference(spec, params, p), 50))
            with exact():
                assert abs(d.gradients[p] - fd) <= Decimal("1e-25") * (1 + abs(fd)), (name, p)


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_the_layer_view_agrees_with_the_network_view(name):
    spec = spec_from_dict(spec_with(name), "<t>")
    d = solve(spec).derivations[0]
    view = layer_view(spec)
    assert view.E == d.E
    grads = view.gradients()
    assert set(grads) == set(d.gradients)
    with exact():
        for p, g in d.gradients.items():
            assert abs(grads[p] - g) < Decimal("1e-40"), (name, p)


@pytest.mark.parametrize("expression,point", [
    ("elu(x)*swish(y) + leaky_relu(x - y, 0.2)", {"x": "-0.5", "y": "1.2"}),
    ("swish(x*y) - elu(y - x)", {"x": "0.3", "y": "-0.8"}),
    ("leaky_relu(x) * softplus(y)", {"x": "-1.5", "y": "0.4"}),
])
def test_graph_gates_of_the_new_activations(expression, point):
    g = build_graph(expression, {k: Decimal(v) for k, v in point.items()})

    def f(x, y):
        e = lambda v: v if v > 0 else mpmath.exp(v) - 1                       # noqa: E731
        sw = lambda v: v / (1 + mpmath.exp(-v))                                # noqa: E731
        lr = lambda v, s=mpmath.mpf("0.01"): v if v > 0 else s * v             # noqa: E731
        sp = lambda v: mpmath.log(1 + mpmath.exp(v))                           # noqa: E731
        return {"elu(x)*swish(y) + leaky_relu(x - y, 0.2)": lambda: e(x) * sw(y) + lr(x - y, mpmath.mpf("0.2")),
                "swish(x*y) - elu(y - x)": lambda: sw(x * y) - e(y - x),
                "leaky_relu(x) * softplus(y)": lambda: lr(x) * sp(y)}[expression]()

    with mpmath.workdps(60):
        x, y = mpmath.mpf(point["x"]), mpmath.mpf(point["y"])
        h = mpmath.mpf("1e-25")
        assert abs(g.value - Decimal(mpmath.nstr(f(x, y), 50))) < Decimal("1e-40")
        dx = (f(x + h, y) - f(x - h, y)) / (2 * h)
        dy = (f(x, y + h) - f(x, y - h)) / (2 * h)
        assert abs(g.gradients["x"] - Decimal(mpmath.nstr(dx, 50))) < Decimal("1e-20")
        assert abs(g.gradients["y"] - Decimal(mpmath.nstr(dy, 50))) < Decimal("1e-20")


def test_a_gate_states_the_textbook_derivative():
    g = build_graph("swish(x)", {"x": Decimal("0.5")})
    node = g.node("f")
    x, f = sympy.Symbol("x", real=True), sympy.Symbol("f", real=True)
    # written with the gate's own output f, as σ′ = σ(1 − σ) is: σ(x) + f·(1 − σ(x))
    assert sympy.sstr(node.local_forms[0], order="none") == "sigmoid(x) + f*(1 - sigmoid(x))"
    # by hand: σ(0.5) = 0.6224593312, swish′(0.5) = σ + x·σ(1 − σ) = 0.6224593312 + 0.1175018561
    assert abs(node.local[0] - Decimal("0.7399611873")) < Decimal("1e-10")


def test_leaky_relu_in_a_graph_needs_a_number_for_its_slope():
    from symbackprop import SymbackpropError
    with pytest.raises(SymbackpropError, match="slope of leaky_relu"):
        build_graph("leaky_relu(x, y)", {"x": 1, "y": 2})
    # the default slope is PyTorch's 0.01
    assert build_graph("leaky_relu(x)", {"x": -2}).value == Decimal("-0.02")


def test_every_function_of_a_formula_is_in_the_table():
    """Each function the model writes has its exact, text and LaTeX spellings; ours also
    their array and scalar code."""
    for cls, entry in FUNCTIONS.items():
        assert entry.text and callable(entry.exact)
        if cls.__module__.startswith("symbackprop"):
            assert entry.numpy and entry.scalar and entry.latex


def _run(*args, cwd):
    return subprocess.run([sys.executable, "-m", "symbackprop", *args], cwd=cwd, capture_output=True,
                          text=True, timeout=300)


@pytest.mark.parametrize("name", ["elu", "swish", "leaky_relu"])
def test_the_new_activations_through_the_command(name, tmp_path):
    import yaml
    spec = spec_with(name)
    (tmp_path / "net.yaml").write_text(yaml.safe_dump(spec))
    for args in (["solve", "net.yaml"], ["solve", "net.yaml", "--format", "json", "-o", "."],
                 ["solve", "net.yaml", "--format", "tex", "--style", "slides", "-o", "."],
                 ["solve", "net.yaml", "--view", "layers", "--format", "json"],
                 ["solve", "net.yaml", "--rounding", "hand"]):
        result = _run(*args, cwd=tmp_path)
        assert result.returncode == 0, (args, result.stderr)
    doc = json.loads((tmp_path / "net.json").read_text())
    assert doc["steps"] == 1
    tex = (tmp_path / "net-slides-es.tex").read_text()
    assert r"\operatorname{" + {"elu": "elu", "swish": "swish", "leaky_relu": r"leaky\,relu"}[name] in tex \
        or r"\sigma" in tex
    result = _run("graph", f"{name}(x)*y", "--at", "x=-0.4,y=3", "--format", "json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    grad = json.loads(result.stdout)
    assert grad is not None


# ----------------------------------------------------------------------------- numeric path

def _module(source: str, name: str):
    import types
    module = types.ModuleType(name)
    exec(compile(source, f"<{name}>", "exec"), module.__dict__)     # our own generated code
    return module


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_every_activation_exported_equals_the_derivation(name):
    """The exported module (straight-line scalar code and array code) and the in-memory
    network give the exact derivation's E and gradients for every activation of the table."""
    import numpy as np
    from symbackprop.numeric.codegen import Network, export_source
    spec = spec_from_dict(spec_with(name, slope=0.1 if ACTIVATIONS[name].parameter else None), "<t>")
    d = solve(spec).derivations[0]
    X = np.array([[float(v) for v in row] for row in spec.inputs])
    Y = np.array([[float(v) for v in row] for row in spec.targets])
    runs = [Network(spec)]
    for scalar in (True, False):
        runs.append(_module(export_source(spec, scalar=scalar), f"m_{name}_{scalar}"))
    for run in runs:
        with np.errstate(all="raise"):
            E, grads = run.loss_and_gradients(run.initial_params(), X, Y)
        assert E == pytest.approx(float(d.E), rel=1e-12), name
        for l in (1, 2):
            got = np.asarray(grads[f"W{l}"])
            for i in range(got.shape[0]):
                for j in range(got.shape[1]):
                    assert got[i, j] == pytest.approx(float(d.gradients[f"w{l}_{i + 1}_{j + 1}"]),
                                                      rel=1e-10, abs=1e-14), (name, l, i, j)


@pytest.mark.parametrize("backend", ["torch", "jax"])
def test_the_new_activations_in_the_torch_and_jax_backends(backend):
    import numpy as np
    from symbackprop.numeric.codegen import export_source
    from test_numeric import require_jax, require_torch
    (require_torch if backend == "torch" else require_jax)()
    for name in ("elu", "swish", "leaky_relu"):
        spec = spec_from_dict(spec_with(name), "<t>")
        d = solve(spec).derivations[0]
        module = _module(export_source(spec, backend=backend), f"{backend}_{name}")
        X = np.array([[float(v) for v in row] for row in spec.inputs])
        Y = np.array([[float(v) for v in row] for row in spec.targets])
        E, grads = module.loss_and_gradients(module.initial_params(), X, Y)
        assert float(E) == pytest.approx(float(d.E), rel=1e-12)
        assert float(np.asarray(grads["W1"])[2, 1]) == pytest.approx(float(d.gradients["w1_3_2"]), rel=1e-10)


def test_every_array_spelling_runs_in_the_torch_shim():
    """The NumPy names the table's spellings use exist in the torch backend's shim."""
    import re
    from symbackprop.numeric.codegen import _TORCH_HEADER
    names = {m for f in FUNCTIONS.values() if f.numpy for m in re.findall(r"np\.(\w+)", f.numpy)}
    assert names and all(re.search(rf"\b{n}\b", _TORCH_HEADER) for n in names), names


@pytest.mark.parametrize("name", ["elu", "swish", "leaky_relu"])
def test_train_check_and_variants_with_the_new_activations(name, tmp_path):
    import yaml
    spec = spec_with(name)
    spec["inputs"], spec["targets"] = spec["inputs"][0], spec["targets"][0]
    (tmp_path / "net.yaml").write_text(yaml.safe_dump(spec))
    result = _run("train", "net.yaml", "--dataset", "xor", "--epochs", "5", "-o", "trained", cwd=tmp_path)
    # xor has two inputs and one target; our net has two outputs: the data are refused, in one line
    assert result.returncode in (0, 2) and "Traceback" not in result.stderr
    one = dict(spec, layers=[spec["layers"][0], {"units": 1, "activation": "sigmoid",
                                                  "weights": [[0.5, -0.2, 0.3]], "bias": 0.2}],
               targets=[0.7])
    (tmp_path / "one.yaml").write_text(yaml.safe_dump(one))
    result = _run("train", "one.yaml", "--dataset", "xor", "--epochs", "20", "-o", "trained", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    # a sheet: the activation's derivative right, an output slipped by a sign
    d = solve(spec_from_dict(spec, "<t>")).derivations[0]
    right = d.values["a1_2"]
    factor = d.factors["da1_2/dz1_2"].value
    (tmp_path / "answers.yaml").write_text(
        f'a1_2: {round_to(right, 5)}\n"da1_2/dz1_2": {round_to(factor, 5)}\n'
        f'E: {round_to(-d.E, 5)}\n')
    result = _run("check", "net.yaml", "answers.yaml", "--format", "json", cwd=tmp_path)
    report = json.loads(result.stdout)
    verdicts = {i["quantity"]: i["verdict"] for i in report["items"]}
    assert verdicts == {"a1_2": "correct", "da1_2/dz1_2": "correct", "E": "wrong"}, verdicts
    result = _run("variants", "net.yaml", "--count", "3", "--seed", "1", "--format", "tex",
                  "--jobs", "1", "-o", "v", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    manifest = json.loads((tmp_path / "v" / "manifest.json").read_text())
    assert len(manifest["variants"]) == 3
    for v in manifest["variants"]:
        assert v["spec"]["layers"][0]["activation"] == name


def test_a_kink_states_the_tables_convention():
    from symbackprop.render.graph_text import graph_text
    g = build_graph("relu(x)*y + leaky_relu(x, 0.2) + abs(x)", {"x": 0, "y": 2})
    assert g.gradients["x"] == Decimal("0.2")          # relu′(0)·2 + 0.2 + sign(0) = 0.2
    text = graph_text(g, "en")
    assert "relu′(0) = H(0) = 0" in text and "leaky_relu′(0) = slope" in text and "|x|′(0) = sign(0) = 0" in text


def test_the_rule_written_with_its_own_output_comes_from_the_table():
    """The note of a factor's frame: σ′ = σ(1 − σ) for the lecture; the same for every entry
    whose textbook derivative uses its own output, with a product in parentheses."""
    from symbackprop import as_tex
    tex = as_tex(solve(spec_from_dict(spec_with("swish"), "<t>")), "article", "en")
    assert r"\frac{d}{dx}\left(x \cdot \sigma\left(x\right)\right) = \sigma\left(x\right) + x \cdot" in tex
    assert "The derivative of the swish (SiLU) is written with its own output" in tex
    tex = as_tex(solve(spec_from_dict(spec_with("relu"), "<t>")), "article", "en")
    assert "The derivative of the ReLU" not in tex       # relu′ = H(z): no own-output rule


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_textbook_derivative_is_the_derivative_in_the_lectures_order(name):
    """g′ as the slides write it (unevaluated, the lecture's order) equals sympy.diff of the
    forward rule; σ′ reads σ(z)(1 − σ(z)), not SymPy's (1 − σ(z))σ(z) (issue 14)."""
    z, s = sympy.Symbol("z", real=True), sympy.Rational(1, 10)
    act = ACTIVATIONS[name]
    difference = act.textbook(z, s) - act.general(z, s)
    for point in ("-2.5", "-0.5", "0", "0.3", "1.7"):
        assert abs(difference.subs(z, sympy.Rational(point)).rewrite(sympy.exp).evalf(30)) < 1e-25
    if name == "sigmoid":
        from symbackprop.core.notation import PlainNames
        from symbackprop.render.printers import NetworkLatexPrinter
        latex = NetworkLatexPrinter(PlainNames()).doprint(act.textbook(z))
        assert latex == r"\sigma\left(z\right) \cdot \left(1 - \sigma\left(z\right)\right)"


@pytest.mark.parametrize("table, name", [("DERIVED", "sigmoid"), ("DERIVED", "tanh"),
                                         ("DERIVATION_NOTES", "sigmoid")])
def test_every_row_of_a_derivation_shown_in_the_deck_is_a_chain_of_equal_expressions(table, name):
    """The rule frame (deck 003's "Derivada de la función sigmoide") and its note
    (D_x e^u = e^u D_x u) print these rows as 'a = b = c': each equality is checked by SymPy,
    with σ written out and u taken as a function of x."""
    import sympy
    from symbackprop.core import ops
    x = sympy.Symbol("x", real=True)
    rows = getattr(ops, table)[name](x)
    u = sympy.Function("u")(x)

    def plain(e):
        e = e.subs(sympy.Symbol("u"), u).replace(ops.sigmoid, lambda arg: 1 / (1 + sympy.exp(-arg)))
        return e.doit()

    assert rows
    for row in rows:
        assert len(row) >= 2
        first = plain(row[0])
        for other in row[1:]:
            assert sympy.simplify((first - plain(other)).rewrite(sympy.exp)) == 0, (row[0], other)
    if table == "DERIVATION_NOTES":
        assert any(isinstance(e, sympy.Derivative) for e in rows[0])

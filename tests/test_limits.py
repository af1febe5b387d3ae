"""The documented limits (README, section Limits): each is enforced before the work, with one
line that says which limit and what to do instead; just under it the work is done."""
from __future__ import annotations

import re

import pytest

from conftest import LECTURE
from symbackprop.api import REPORT_LIMITS, as_tex, report_parameters, solve_for_report
from symbackprop.cli import main
from symbackprop.derive.derivation import solve
from symbackprop.errors import SymbackpropError
from symbackprop.derive.layers import WIDTH_LIMIT, layer_view
from symbackprop.spec.reading import LIMITS, load_spec, spec_from_dict
from symbackprop.io.yamlload import YAML_LIMITS, load_yaml


def mlp(sizes, examples=1, steps=1):
    layers = [{"units": u, "activation": "sigmoid", "weights": {"init": "xavier", "seed": n}}
              for n, u in enumerate(sizes[1:])]
    inputs = [[0.1] * sizes[0]] * examples if examples > 1 else [0.1] * sizes[0]
    targets = [[0.5] * sizes[-1]] * examples if examples > 1 else [0.5] * sizes[-1]
    return spec_from_dict({"inputs": inputs, "targets": targets, "layers": layers, "steps": steps}, "net.yaml")


def test_report_derives_at_most_60_parameters_and_only_chooses():
    big = solve_for_report(mlp([10, 10, 2]))                         # 120 weights
    with pytest.raises(SymbackpropError, match=r"net.yaml: a report derives each parameter .* at most 60 .* "
                                               r"would derive 120: choose some with --only"):
        as_tex(big, "slides", "en")
    chosen = report_parameters(big, "w2_1_1, w1_3_7", "net.yaml")
    assert set(chosen) == {"w2_1_1", "w1_3_7"}
    tex = as_tex(big, "slides", "en", chosen)
    # the slides' steps (a step with the drawing goes on as many frames as its text needs)
    frames = re.split(r"\n(?=%% step \d+: )", tex)[1:]
    questions = [f for f in frames if "How much does" in f]
    assert len(questions) == 2
    assert "w^{[2]}_{1,1}" in questions[0] and "w^{[1]}_{3,7}" in questions[1]
    # every parameter is still in the end-of-iteration table, 10 rows a frame: 12 frames
    assert "Iteration 1 finished (12/12)" in tex and "$w^{[1]}_{5,2}$ &" in tex
    assert len(frames) < 50
    with pytest.raises(SymbackpropError, match="unknown quantity 'w9_9_9'"):
        report_parameters(big, "w9_9_9", "net.yaml")


def test_report_limit_on_the_drawing():
    too_big = solve_for_report(mlp([20, 20, 2]))                     # 440 weights > 400
    assert len(too_big.model.params) > REPORT_LIMITS["parameters"]
    with pytest.raises(SymbackpropError, match="at most 400 parameters; this network has 440"):
        report_parameters(too_big, "w1_1_1", "net.yaml")


def test_the_exact_derivation_budget():
    with pytest.raises(SymbackpropError, match=r"net.yaml: layers: .* at most 250,000 .* 90,300 × 1 × 3 = 270,900"):
        solve(mlp([300, 300, 1], steps=3))
    assert LIMITS["derivation"] == 250_000
    solution = solve(mlp([300, 300, 1], steps=2))                     # 180,600: done
    assert len(solution.derivations) == 2


def test_layer_view_width():
    with pytest.raises(SymbackpropError, match=f"at most {WIDTH_LIMIT} units; this network has a layer of 65"):
        layer_view(mlp([2, 65, 1]))
    assert layer_view(mlp([2, 64, 1])).modules


def test_cli_refusals_are_one_line(tmp_path, capsys):
    spec = tmp_path / "wide.yaml"
    spec.write_text("inputs: [0.1, 0.2]\ntargets: [0.5]\nlayers:\n"
                    "  - {units: 9, activation: sigmoid, weights: {init: xavier, seed: 1}}\n"
                    "  - {units: 1, activation: sigmoid, weights: {init: xavier, seed: 2}}\n")
    cases = [(["solve", str(spec), "--view", "layers", "--format", "tex", "-o", str(tmp_path / "o")],
              "made for layers of at most 8 units"),
             (["graph", "+".join(f"x*{k}" for k in range(1, 30)), "--at", "x=1", "--format", "tex",
               "-o", str(tmp_path / "o")], "at most 40 nodes"),
             (["solve", str(LECTURE), "--only", "w5"], "--only: chooses the parameters of a tex or pdf report")]
    for args, words in cases:
        assert main(args) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and words in err, err
    assert not (tmp_path / "o").exists()
    assert main(["solve", str(spec), "--format", "tex", "--only", "w2_1_1", "-o", str(tmp_path / "ok")]) == 0
    assert (tmp_path / "ok" / "wide-slides-es.tex").exists()


def test_yaml_limits():
    assert load_yaml("a: " + "[" * 60 + "]" * 60, "f.yaml") is not None
    with pytest.raises(SymbackpropError, match="nested more than 64 levels"):
        load_yaml("a: " + "[" * 65 + "]" * 65, "f.yaml")
    with pytest.raises(SymbackpropError, match="at most 10,000,000 characters"):
        load_yaml("#" * (YAML_LIMITS["bytes"] + 1), "f.yaml")
    # aliases are fine while the expanded document stays small
    assert load_yaml("w: &w [0.1, 0.2]\nv: [*w, *w]", "f.yaml") == {"w": [0.1, 0.2], "v": [[0.1, 0.2], [0.1, 0.2]]}


def test_a_tiny_spec_asking_for_millions_of_weights_is_refused_before_drawing_them():
    with pytest.raises(SymbackpropError, match=r"the layers' sizes give 16,789,504 weights"):
        mlp([2, 4096, 4096, 1])


def test_lecture_is_far_within_every_limit():
    spec = load_spec(LECTURE)
    assert len(report_parameters(solve_for_report(spec))) == 10          # w1…w8, b1, b2

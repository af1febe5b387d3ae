"""The command as a user runs it: installed entry point, real files, exit codes."""
from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import LECTURE, ROOT
from conftest import command, env



def run(*args, cwd) -> subprocess.CompletedProcess:
    return subprocess.run([*command(), *map(str, args)], cwd=cwd, capture_output=True,
                          text=True, timeout=600, env=env())


def test_solve_json_has_the_lecture_numbers(tmp_path):
    result = run("solve", LECTURE, "--format", "json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    doc = json.loads(result.stdout)
    assert doc["schema"] == "symbackprop.derivation/1"
    v = doc["values"]
    assert v["z1_1"] == 0.41
    assert f"{v['a1_1']:.5f}" == "0.60109" and str(v["a1_1"]).startswith("0.60108")
    assert f"{doc['updated']['w2_1_1']:.5f}" == "0.45188"
    assert f"{v['new_w1_1_1']:.5f}" == "0.09934"
    assert doc["chains"]["w2_1_1"] == [["dE1/da2_1", "da2_1/dz2_1", "dz2_1/dw2_1_1"]]
    assert [len(p) for p in doc["chains"]["w1_1_1"]] == [5, 5]
    factor = doc["factors"]["da2_1/dz2_1"]
    assert factor["named"] == r"a^{[2]}_{1} \cdot \left(1 - a^{[2]}_{1}\right)"
    assert factor["latex"] == r"\frac{\partial a^{[2]}_{1}}{\partial z^{[2]}_{1}}"
    # each factor is stored once even though several chains use it
    used = [f for chains in doc["chains"].values() for path in chains for f in path]
    assert set(used) == set(doc["factors"])
    # full precision, not rounded to the spec's decimals
    assert len(repr(v["a2_1"]).split(".")[1]) > 10


def test_json_and_text_are_byte_identical_between_runs(tmp_path):
    for fmt in ("json", "text"):
        first = run("solve", LECTURE, "--format", fmt, "--rounding", "hand", cwd=tmp_path)
        second = run("solve", LECTURE, "--format", fmt, "--rounding", "hand", cwd=tmp_path)
        assert first.returncode == 0 and first.stdout == second.stdout


def test_text_walkthrough_in_both_languages(tmp_path):
    es = run("solve", LECTURE, cwd=tmp_path)
    assert es.returncode == 0
    assert "Propagación hacia adelante" in es.stdout
    assert "nuevo_w[2]_1,1 = w[2]_1,1 - η·∂E/∂w[2]_1,1 = 0.5 - 0.6·0.08020 = 0.5 - 0.04812 = 0.45188" in es.stdout
    assert "(ya calculado)" in es.stdout
    en = run("solve", LECTURE, "--lang", "en", cwd=tmp_path)
    assert "Forward pass" in en.stdout and "new_w[2]_1,1" in en.stdout


def test_demo_writes_json_slides_and_handouts(tmp_path):
    from symbackprop.render.latex import latex_available
    result = run("demo", cwd=tmp_path)
    written = tmp_path / "output" / "lecture_2_2_2.json"
    assert json.loads(written.read_text())["title"] == "Red 2-2-2"
    assert "0.45188" in result.stdout
    reports = {f"lecture_2_2_2-{style}-{lang}" for style in ("slides", "article") for lang in ("es", "en")}
    names = {p.name for p in (tmp_path / "output").iterdir()}
    assert {f"{r}.tex" for r in reports} <= names
    if latex_available():
        assert result.returncode == 0, result.stderr
        assert {f"{r}.pdf" for r in reports} <= names
        assert len(names) == 9                      # nothing else, no temporary files
    else:
        assert result.returncode == 2 and "apt-get install" in result.stderr


def test_missing_tex_writes_the_tex_and_says_how_to_install(tmp_path):
    env_no_tex = {**env(), "PATH": str(Path(sys.executable).parent)}
    result = subprocess.run([*command(), "solve", str(LECTURE), "--format", "pdf", "-o", "out"],
                            cwd=tmp_path, capture_output=True, text=True, timeout=120, env=env_no_tex)
    assert result.returncode == 2
    assert "texlive-latex-extra" in result.stderr and "Traceback" not in result.stderr
    assert (tmp_path / "out" / "lecture_2_2_2-slides-es.tex").is_file()
    assert not (tmp_path / "out" / "lecture_2_2_2-slides-es.pdf").exists()


def test_tex_format_writes_into_output(tmp_path):
    result = run("solve", LECTURE, "--format", "tex", "--style", "exercise", "--lang", "en", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    tex = (tmp_path / "output" / "lecture_2_2_2-exercise-en.tex").read_text()
    assert r"\blank" in tex and "Forward pass" in tex


def test_output_directory(tmp_path):
    result = run("solve", LECTURE, "--format", "json", "-o", tmp_path / "out", cwd=tmp_path)
    assert result.returncode == 0 and result.stdout == ""
    assert (tmp_path / "out" / "lecture_2_2_2.json").is_file()


@pytest.mark.parametrize("content, words", [
    ("inputs: [0.1, 0.5\n", "line 2"),
    ("inputs: [0.1]\ntargets: [1]\nlayers:\n  - {units: 1, activation: step, weights: [[1]]}\n",
     "layers[0].activation"),
    ("inputs: [0.1]\ntargets: [1]\nlayers:\n  - {units: 1, weights: [[1, 2]]}\n",
     "layers[0].weights[0]: expected a list of 1 numbers"),
    ("inputs: [.nan]\ntargets: [1]\nlayers:\n  - {units: 1, weights: [[1]]}\n",
     "inputs[0]: expected a finite number"),
    ("- just\n- a list\n", "expected a mapping"),
])
def test_bad_input_is_one_line_and_exit_2(tmp_path, content, words):
    spec = tmp_path / "bad.yaml"
    spec.write_text(content)
    result = run("solve", spec, cwd=tmp_path)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and words in lines[0] and str(spec) in lines[0]


def test_missing_file_and_bad_option(tmp_path):
    result = run("solve", tmp_path / "nope.yaml", cwd=tmp_path)
    assert result.returncode == 2 and "file not found" in result.stderr
    result = run("solve", LECTURE, "--format", "pdfx", cwd=tmp_path)
    assert result.returncode == 2


def test_python_dash_m(tmp_path):
    result = subprocess.run([sys.executable, "-m", "symbackprop", "--version"], cwd=tmp_path,
                            capture_output=True, text=True, timeout=60, env=env())
    assert result.returncode == 0 and "symbackprop" in result.stdout


def test_the_installed_package_carries_the_lecture_example(tmp_path):
    """`make test` runs against a regular (non-editable) install in .venv: the interpreter that
    runs the tests, started isolated (-I: no PYTHONPATH, no current folder on sys.path) from a
    folder outside the checkout, imports symbackprop from site-packages, and the package
    carries the lecture example and every template, equal to the repository's."""
    probe = (
        "import json, symbackprop\n"
        "from symbackprop.io.resources import read_lecture_example\n"
        "from symbackprop.render.latex import _template_dir\n"
        "t = _template_dir()\n"
        "print(json.dumps({'file': symbackprop.__file__, 'lecture': read_lecture_example(),\n"
        "    'template_dir': str(t),\n"
        "    'templates': {p.name: p.read_text(encoding='utf-8') for p in sorted(t.iterdir())}}))\n"
    )
    result = subprocess.run([sys.executable, "-I", "-c", probe], cwd=tmp_path, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    found = json.loads(result.stdout)
    package = Path(found["file"]).parent
    assert "site-packages" in package.parts, (
        f"symbackprop imported from {package}: the tests need a regular install (pip install .)")
    assert package != ROOT / "symbackprop"
    assert found["lecture"] == LECTURE.read_text()
    assert (package / "data" / "lecture_2_2_2.yaml").read_text() == LECTURE.read_text()
    assert Path(found["template_dir"]) == package / "templates"
    assert found["templates"] == {p.name: p.read_text(encoding="utf-8")
                                  for p in sorted((ROOT / "templates").iterdir())}


def test_graph_command(tmp_path):
    result = run("graph", "(x+y)*z", "--at", "x=-2,y=5,z=-4", "--format", "json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    doc = json.loads(result.stdout)
    assert doc["value"] == -12 and doc["gradients"] == {"x": -4, "y": -4, "z": 3}
    text = run("graph", "(x+y)*z", "--at", "x=-2,y=5,z=-4", "--lang", "en", cwd=tmp_path).stdout
    assert "q = x + y = (-2) + 5 = 3" in text and "mul: swaps" in text


@pytest.mark.parametrize("expression, at, words", [
    ("(x+y*z", "x=1,y=2,z=3", "expected ')'"),
    ("x + w", "x=1", "'w' has no value"),
    ("foo(x)", "x=1", "unknown function 'foo'"),
    ("x", "x=abc", "expected a number"),
])
def test_graph_refusals(tmp_path, expression, at, words):
    marker = tmp_path / "created"
    result = run("graph", expression, "--at", at, cwd=tmp_path)
    assert result.returncode == 2 and words in result.stderr and "Traceback" not in result.stderr
    assert not marker.exists()


def test_graph_never_runs_the_text(tmp_path):
    marker = tmp_path / "created"
    code = f"__import__('os').system('touch {marker}')"
    result = run("graph", code, "--at", "x=1", cwd=tmp_path)
    assert result.returncode == 2 and not marker.exists()


def test_layers_view(tmp_path):
    result = run("solve", LECTURE, "--view", "layers", "--format", "json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    doc = json.loads(result.stdout)
    network = json.loads(run("solve", LECTURE, "--format", "json", cwd=tmp_path).stdout)
    for p, g in network["gradients"].items():
        assert abs(doc["gradients"][p] - g) < 1e-15


def test_check_exit_codes_and_batch(tmp_path):
    right = tmp_path / "right.yaml"
    right.write_text("a1_1: 0.60109\nw5: 0.5\nnuevo_w5: 0.45188\n")
    wrong = tmp_path / "wrong.yaml"
    wrong.write_text("a1_1: 0.60109\ndE/dw5: -0.0802\n")
    numbered = ROOT / "examples" / "lecture_2_2_2_numbered.yaml"
    assert run("check", numbered, right, cwd=tmp_path).returncode == 0
    result = run("check", numbered, wrong, "--format", "json", cwd=tmp_path)
    assert result.returncode == 1
    assert json.loads(result.stdout)["items"][1]["diagnosis"]["kind"] == "sign"
    bad = tmp_path / "bad.yaml"
    bad.write_text("a1_1: [\n")
    result = run("check", numbered, bad, cwd=tmp_path)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    group = tmp_path / "group.csv"
    group.write_text("student,a1_1,dE/dw5\nana,0.60109,0.0802\n../evil,0.60109,-0.0802\n")
    result = run("check", numbered, group, "--batch", "-o", tmp_path / "out", cwd=tmp_path)
    assert result.returncode == 1
    files = sorted(p.name for p in (tmp_path / "out" / "group").iterdir())
    assert files == ["ana.txt", "evil.txt", "grades.csv", "summary.json", "summary.png", "summary.txt"]
    summary = json.loads((tmp_path / "out" / "group" / "summary.json").read_text())
    assert summary["students"] == 2 and summary["steps"][1]["right"] == 1
    assert (tmp_path / "out" / "group" / "summary.png").read_bytes().startswith(b"\x89PNG")


def test_export_writes_a_numpy_only_module(tmp_path):
    result = run("export", LECTURE, "-o", tmp_path / "lecture_net.py", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    script = ("import numpy as np, lecture_net as m\n"
              "E, g = m.loss_and_gradients(m.initial_params(), np.array([[0.1, 0.5]]), np.array([[0.05, 0.95]]))\n"
              "print(round(E, 5), round(float(g['W2'][0, 0]), 5))\n")
    out = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, capture_output=True, text=True,
                         env={k: v for k, v in os.environ.items() if k != "PYTHONPATH"})
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["0.24909", "0.0802"]
    assert run("export", LECTURE, "-o", tmp_path / "x.txt", cwd=tmp_path).returncode == 2


def test_train_command(tmp_path):
    xor = ROOT / "examples" / "xor_2_2_2.yaml"
    result = run("train", xor, "--dataset", "xor", "--epochs", "300", "--batch-size", "4",
                 "--optimizer", "adam", "--lr", "0.05", "--lang", "en", "-o", tmp_path / "out", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "300 epochs" in result.stdout
    # not a terminal: one line of the bar at every tenth of the epochs
    lines = result.stderr.splitlines()
    assert [line.split(": ")[0] for line in lines[10:]] == ["Written"] * 3
    bars = [re.fullmatch(r"\[(#*)(\.*)\] (\d+)/300 E = (\S+)", line) for line in lines[:10]]
    assert all(bars) and [int(m[3]) for m in bars] == list(range(30, 301, 30))
    assert [len(m[1]) for m in bars] == list(range(3, 31, 3)) and all(len(m[1] + m[2]) == 30 for m in bars)
    names = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert names == ["xor_2_2_2-gradients.png", "xor_2_2_2-loss.png", "xor_2_2_2-trained.yaml"]
    solved = run("solve", tmp_path / "out" / "xor_2_2_2-trained.yaml", "--format", "json", cwd=tmp_path)
    assert solved.returncode == 0
    bad = run("train", xor, "--dataset", "sine", cwd=tmp_path)
    assert bad.returncode == 2 and "sine has 1 input" in bad.stderr


def test_the_progress_bar_redraws_in_place_on_a_terminal(monkeypatch):
    from symbackprop.cli import _bar

    class Terminal(io.StringIO):
        def isatty(self):
            return True

    screen = Terminal()
    monkeypatch.setattr(sys, "stderr", screen)
    for done in range(1, 5):
        _bar(done, 4, "x" * (200 if done == 1 else 3))
    frames = screen.getvalue().split("\r")[1:]
    assert [len(f) for f in frames] == [100, 100, 100, 101] and frames[-1].endswith("\n")
    assert frames[1] == ("[" + "#" * 15 + "." * 15 + "] 2/4 xxx").ljust(100)   # clears the longer line


def test_variants_command_grades_a_students_own_variant(tmp_path):
    out = tmp_path / "v"
    result = run("variants", LECTURE, "--count", "8", "--seed", "1", "--format", "tex", "-o", out, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in (out / "variant-07").iterdir()) == [
        ".hash", "variant-07-answers-es.tex", "variant-07-exercise-es.tex", "variant-07.yaml"]
    manifest = json.loads((out / "manifest.json").read_text())
    expected = manifest["variants"][6]["expected"]
    answers = tmp_path / "ana.yaml"
    answers.write_text(f"a2_1: {expected['a2_1']:.5f}\nnew_w2_1_1: {expected['new_w2_1_1']:.5f}\n")
    mine = run("check", LECTURE, answers, "--variant", "7", "--manifest", out / "manifest.json", cwd=tmp_path)
    assert mine.returncode == 0, mine.stdout
    other = run("check", LECTURE, answers, "--variant", "6", "--manifest", out / "manifest.json", cwd=tmp_path)
    assert other.returncode == 1
    # a second run finds everything built and skips it
    again = run("variants", LECTURE, "--count", "8", "--seed", "1", "--format", "tex", "-o", out, cwd=tmp_path)
    assert "0 construidas, 8 ya estaban, 0 fallaron" in again.stdout
    assert (out / "manifest.csv").read_text().startswith("variant,name,quantity,value\n1,variant-01,x1,")


def test_variants_from_a_roster(tmp_path):
    roster = tmp_path / "class.csv"
    roster.write_text("student\nana\n../bob\n")
    result = run("variants", LECTURE, "--roster", roster, "--format", "tex", "-o", tmp_path / "v", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in (tmp_path / "v").iterdir()) == [
        "ana", "blackboard.txt", "bob", "manifest.csv", "manifest.json", "moodle.xml", "qti.zip", "questions.csv",
        "questions.json"]


def test_every_option_says_what_it_does():
    """Issue 14: many options had no description or default in --help."""
    import argparse
    from symbackprop.cli import _parser
    parser = _parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    silent = [f"{name} {action.option_strings[0]}" for name, p in sub.choices.items() for action in p._actions
              if action.option_strings and not action.help and not isinstance(action, argparse._HelpAction)]
    assert silent == []
    text = sub.choices["train"].format_help()
    assert "(default: 100)" in " ".join(text.split())          # --epochs shows its default
    assert "examples:" in parser.format_help()
    assert "deck 00" not in "".join(p.format_help() for p in sub.choices.values())   # means nothing to an outsider

"""User text never reaches TeX as TeX.

Every place a user's or a student's text can appear in a .tex file (the spec's title, the
answers file's name and the values written in it, a roster's names, graph mode's variable
names) is filled with hostile LaTeX; the .tex files are then compared with those made from
harmless text: the hostile ones may hold no control sequence beyond the escapes that print
characters (\\textbackslash, \\{, \\%...). One report is compiled for real: the title prints
literally and \\write18 runs nothing. LaTeX runs with -no-shell-escape and -halt-on-error in a
temporary folder with a time limit (checked on the command it is given)."""
from __future__ import annotations

import copy
import re
import subprocess
import xml.etree.ElementTree as ET

import pytest
import yaml

from conftest import LECTURE
from fuzzing import LATEX_ATTACKS, MARKER, nothing_executed
from test_pdf import require_tex
from symbackprop.api import as_tex, solve_for_report
from symbackprop.check.judge import Options
from symbackprop.api import check_file
from symbackprop.core.graph import build_graph
from symbackprop.derive.layers import layer_view
from symbackprop.exercises.lms import moodle_xml, questions
from symbackprop.render import latex
from symbackprop.render.report import render_feedback_tex, render_graph_tex, render_layers_tex
from symbackprop.spec.reading import spec_from_text
from symbackprop.exercises.variants import make_variants

#: What escaping may add: commands that print one character each.
ESCAPES = {r"\textbackslash", r"\textasciitilde", r"\textasciicircum", r"\{", r"\}", r"\%", r"\#", r"\&",
           r"\_", r"\$", r"\^", r"\~"}
DANGEROUS = (r"\input", r"\include", r"\write", r"\openout", r"\openin", r"\catcode", r"\immediate",
             r"\csname", r"\newwrite", r"\read", r"\ShellEscape", r"\directlua", r"\special", "^^5c")
BASE = yaml.safe_load(LECTURE.read_text())


def commands(tex: str) -> set[str]:
    return set(re.findall(r"\\(?:[A-Za-z@]+|.)", tex))


def reports_titled(title: str) -> dict[str, str]:
    data = copy.deepcopy(BASE)
    data["title"] = title
    spec = spec_from_text(yaml.safe_dump(data), "hostile.yaml")
    solution = solve_for_report(spec)
    out = {style: as_tex(solution, style, "en") for style in ("slides", "article", "exercise", "answers")}
    out["layers"] = render_layers_tex(layer_view(spec), "slides", "en", spec.decimals, spec.title)
    return out


def assert_no_new_commands(benign: str, hostile: str, attack: str) -> None:
    added = commands(hostile) - commands(benign)
    assert added <= ESCAPES, f"{attack!r} added {added - ESCAPES}"
    for word in DANGEROUS:
        assert hostile.count(word) == benign.count(word), (attack, word)


@pytest.mark.parametrize("attack", LATEX_ATTACKS)
def test_titles(attack):
    benign = reports_titled("A harmless title")
    hostile = reports_titled(attack)
    for kind in benign:
        assert_no_new_commands(benign[kind], hostile[kind], attack)


@pytest.mark.parametrize("attack", LATEX_ATTACKS)
def test_feedback_sheet_names_and_values(attack, tmp_path):
    """The feedback sheet shows the answers file's name and what the student wrote."""
    spec = spec_from_text(LECTURE.read_text(), "lecture.yaml")
    answers = tmp_path / "answers.yaml"
    answers.write_text("z1_1: 0.4\na1_1: 0,60109\nE: 0.2491\n")
    solution, report = check_file(spec, answers, Options())
    benign = render_feedback_tex(solution, report, "en", "ana.yaml")
    hostile = render_feedback_tex(solution, report, "en", attack)
    assert_no_new_commands(benign, hostile, attack)


def test_roster_names_and_moodle_titles():
    spec = spec_from_text(LECTURE.read_text(), "lecture.yaml")
    hostile_names = ["x_" + str(n) for n in range(3)]      # roster names are already safe_name()d
    variants = make_variants(spec, 3, 1, names=hostile_names)
    for attack in LATEX_ATTACKS:
        document = ET.fromstring(moodle_xml(questions(variants, None, "en"), attack))
        assert attack in "".join(document.itertext())      # the title, as text: escaped by XML


def test_graph_variable_names_cannot_carry_commands():
    g = build_graph("input*x + catcode*write", {"x": 1, "input": 2, "catcode": 3, "write": 4})
    tex = render_graph_tex(g, "slides", "en")
    baseline = render_graph_tex(build_graph("a*x + b*c", {"x": 1, "a": 2, "b": 3, "c": 4}), "slides", "en")
    for word in DANGEROUS:
        assert tex.count(word) == baseline.count(word)


def test_latex_runs_without_shell_escape_in_a_temporary_folder_with_a_limit(monkeypatch):
    seen = {}

    class Recorder:
        def __init__(self, cmd, cwd, env, start_new_session, **kwargs):
            seen.update(cmd=cmd, cwd=cwd, env=env, session=start_new_session)
            self.pid = -1

        def wait(self, timeout=None):
            seen["timeout"] = timeout
            raise subprocess.TimeoutExpired("latexmk", timeout)

    monkeypatch.setattr(latex, "latex_available", lambda: True)
    monkeypatch.setattr(latex.subprocess, "Popen", Recorder)
    monkeypatch.setattr(latex, "_kill_group", lambda process: seen.setdefault("killed", True))
    with pytest.raises(latex.LatexBuildError, match="did not finish within 7 s"):
        latex.build_pdf(r"\documentclass{article}\begin{document}x\end{document}", name="../../evil", timeout=7)
    assert "-no-shell-escape" in seen["cmd"] and "-halt-on-error" in seen["cmd"]
    assert "-interaction=nonstopmode" in seen["cmd"] and seen["cmd"][-1] == "report.tex"
    assert "symbackprop-" in seen["cwd"] and seen["env"]["openout_any"] == "p"
    assert seen["timeout"] == 7 and seen["session"] and seen["killed"]


def test_hostile_title_compiles_and_prints_literally(tmp_path):
    require_tex()
    title = r"\input{/etc/passwd} \immediate\write18{touch " + str(MARKER) + r"} \catcode`\^=7 $x$ & % # ~"
    tex = reports_titled(title)["article"]
    pdf, log = latex.build_pdf(tex, name="hostile")
    (tmp_path / "hostile.pdf").write_bytes(pdf)
    text = subprocess.run(["pdftotext", "-layout", str(tmp_path / "hostile.pdf"), "-"], capture_output=True,
                          text=True, check=True).stdout
    flat = " ".join(text.split())
    assert r"\input{/etc/passwd}" in flat and r"\immediate\write18{touch" in flat
    assert "root:x:0:0" not in text                        # /etc/passwd was not read
    assert "runsystem" not in log
    nothing_executed()

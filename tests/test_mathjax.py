"""Every question and feedback the LMS exports hold renders in a real MathJax: the
`mathjax-full` npm package (3.2.2, pinned by tools/mathjax/package-lock.json) under Node, with
the TeX input as Moodle and Canvas load it and nothing more: the "base" and "ams" packages
(what MathJax 2.7 and 3 both have; no textmacros, so `\\_` inside `\\text{}` is shown as typed;
no noundefined, so an unknown macro is an error here). tools/mathjax/check.js reports any
<merror> and any backslash left in what a student would read.

`make install-test` installs MathJax (npm ci); without Node or MathJax these tests skip on a
laptop and fail in CI (CI or SYMBACKPROP_REQUIRE_MATHJAX set)."""
from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import xml.etree.ElementTree as ET
import zipfile

import pytest

from symbackprop import load_spec
from symbackprop.errors import SymbackpropError
from symbackprop.exercises.blackboard import blackboard_txt
from symbackprop.exercises.lms import LAYOUTS, moodle_xml, questions
from symbackprop.exercises.qti import qti_zip
from symbackprop.exercises.variants import make_variants

from conftest import LECTURE, ROOT

TOOL = ROOT / "tools" / "mathjax"


def render(fragments: list[tuple[str, str]]) -> dict:
    """MathJax's verdict on (id, html) pairs: {"formulas": N, "problems": [...]}."""
    node = shutil.which("node")
    missing = None if node else "Node.js (node) is not installed"
    if not missing and not (TOOL / "node_modules" / "mathjax-full").is_dir():
        missing = f"MathJax is not installed in {TOOL}: run `make install-test` (npm ci there)"
    if missing:
        if os.environ.get("CI") or os.environ.get("SYMBACKPROP_REQUIRE_MATHJAX"):
            pytest.fail(missing)
        pytest.skip(missing)
    data = json.dumps([{"id": i, "html": h} for i, h in fragments])
    done = subprocess.run([node, str(TOOL / "check.js")], input=data, capture_output=True, text=True,
                          cwd=TOOL, timeout=600)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def exported_texts(items, title: str) -> list[tuple[str, str]]:
    """Every HTML text of the three exports, read back from the files as an LMS reads them."""
    out = []
    for layout in LAYOUTS:
        for q in ET.fromstring(moodle_xml(items, title, layout).encode()).iter("question"):
            for part in ("questiontext", "generalfeedback"):
                text = q.findtext(f"{part}/text")
                if text:
                    out.append((f"moodle {layout} {q.findtext('name/text')} {part}", text))
    package = zipfile.ZipFile(io.BytesIO(qti_zip(items, title)))
    for name in package.namelist():
        if name != "imsmanifest.xml":
            for k, m in enumerate(ET.fromstring(package.read(name)).iter("{http://www.imsglobal.org/xsd/ims_qtiasiv1p2}mattext")):
                out.append((f"qti {name} #{k}", m.text))
    for k, row in enumerate(blackboard_txt(items).splitlines()):
        out.append((f"blackboard row {k + 1}", row.split("\t")[1]))
    return out


def test_the_checker_finds_what_a_student_would_see_broken():
    """The check itself: the old `\\text{nuevo\\_}`, an unknown macro, an unpaired delimiter
    and a bad brace are caught; the lecture's notation is not."""
    result = render([("new", r"<p>\(\text{nuevo\_}w^{[2]}_{1,1}\)</p>"), ("macro", r"\(\foo x\)"),
                     ("open", r"<p>x \(y</p>"), ("brace", r"\(\frac{1}{2\)"),
                     ("good", r"<p>\(\text{nuevo}\_w^{[2]}_{1,1} = \sigma\left(z\right) \cdot \frac{\partial E}"
                              r"{\partial w_{5}}\;\text{(camino 1)}\)</p>")])
    found = {p["id"] for p in result["problems"]}
    assert found == {"new", "macro", "open", "brace"}, result
    # the unpaired \( and the one whose brace is left open are no formula to MathJax (it pairs
    # delimiters outside braces only): their backslashes are shown as typed
    assert result["formulas"] == 3


def test_every_exported_question_renders(lecture_spec):
    """The 30 variants of the lecture (seed 1, as `symbackprop variants --count 30 --seed 1`),
    in Spanish and English, and 3 variants of every other example network."""
    fragments = []
    items = questions(make_variants(lecture_spec, 30, seed=1), None, "es")
    fragments += exported_texts(items, lecture_spec.title)
    fragments += exported_texts(questions(make_variants(lecture_spec, 3, seed=1), None, "en"), "2-2-2")
    unreadable = []
    for spec_file in sorted((ROOT / "examples").glob("*.yaml")):
        if spec_file == LECTURE:
            continue
        spec = load_spec(spec_file)
        try:
            drawn = make_variants(spec, 3, seed=2)
        except SymbackpropError:
            unreadable.append(spec_file.stem)
            continue
        fragments += exported_texts(questions(drawn, None, spec.language), spec_file.stem)
    # deep_sigmoid's gradients vanish (its point): no variant shows every asked value at 5
    # decimals, and `variants` says so in one line; it is no exercise sheet
    assert unreadable == ["deep_sigmoid"]
    result = render(fragments)
    assert result["problems"] == []
    assert len(items) == 30 * 7
    assert result["formulas"] > 30 * 7 * 3 * 2          # every text has at least one formula

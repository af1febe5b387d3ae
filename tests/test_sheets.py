"""Issue 14, the exercise sheet and its key: answer boxes made for the spec's decimals, room
for the working, the key laid out like the sheet, equations that stay writable."""
from __future__ import annotations

import re
import subprocess
from collections import defaultdict
from html import unescape

import pytest
import yaml

from symbackprop import spec_from_dict
from symbackprop.api import solve_for_report
from symbackprop.render.latex import build_pdf
from symbackprop.render.report import render_tex

from conftest import LECTURE, ROOT
from test_pdf import require_tex

NUMBERED = ROOT / "examples" / "lecture_2_2_2_numbered.yaml"


def lecture_data() -> dict:
    return yaml.safe_load(LECTURE.read_text(encoding="utf-8"))


def tex(data: dict, style: str, language: str = "es") -> str:
    return render_tex(solve_for_report(spec_from_dict(data)), style, language)


def blank_width(text: str) -> str:
    found = re.findall(r"\\setlength\{\\blankwidth\}\{([\d.]+mm)\}", text)
    assert len(found) == 1, "the sheet sets the width of its answer boxes once"
    return found[0]


# ----------------------------------------------------------------------------- the boxes

@pytest.mark.parametrize("decimals, width", [(0, "15mm"), (1, "20mm"), (2, "25mm"), (5, "40mm"), (8, "55mm")])
def test_the_boxes_are_made_for_the_spec_decimals(decimals, width):
    """Room for a sign, the integer part, the point and the decimals at 5 mm a character: the
    lecture's values (0.68493) get 40 mm, not the 5 mm box that could hold one digit."""
    data = {**lecture_data(), "decimals": decimals}
    for style in ("exercise", "answers"):
        text = tex(data, style)
        assert blank_width(text) == width
        # every box of the sheet and of the key is that box (nothing drawn at its own size)
        assert r"\fbox{\blankstrut\hspace*{\blankwidth}}" in text
        assert r"\makebox[\blankwidth]{$\mathbf{#1}$}" in text
        assert r"\,?\," not in text                          # the old "?" box of 1.6ex


def test_a_larger_integer_part_widens_every_box_alike():
    """z = 12.34… needs two integer digits: every box gets 5 mm more (one size for all, so that
    a box's width gives no answer away)."""
    data = lecture_data()
    data["inputs"] = [10, 20]          # z[1] = 0.1·10 + 0.3·20 + 0.25 = 7.25; z[2] ≈ 1.5; E ≈ …
    data["layers"][0]["weights"] = [[0.5, 0.3], [0.2, 0.4]]       # z[1]_1 = 11.25: two digits
    text = tex(data, "exercise")
    assert blank_width(text) == "45mm"


def test_slides_and_handout_have_no_boxes():
    text = tex(lecture_data(), "slides") + tex(lecture_data(), "article")
    assert r"\blankwidth" not in text and r"\workroom" not in text and r"\blank" not in text


def workrooms(text: str) -> list[str]:
    return re.findall(r"\\workroom\{(\d+)\}", text.split(r"\begin{document}")[1])


def test_room_for_the_working_below_each_computing_step_and_the_same_in_the_key():
    sheet, key = tex(lecture_data(), "exercise"), tex(lecture_data(), "answers")
    rooms = workrooms(sheet)
    assert rooms == workrooms(key), "the key leaves the same room, so that sheet and key line up"
    # after every step (the page turns there rather than after a heading), with room when the
    # step computes: the four neurons of the forward pass compute z and a, two lines each
    assert len(rooms) == sheet.count("%% step ")
    working = [n for n in rooms if n != "0"]
    assert working[:4] == ["4", "4", "4", "4"]
    assert all(2 <= int(n) <= 6 for n in working) and len(working) > 20
    # ruled lines in the sheet, blank room in the key
    preamble_sheet, preamble_key = (t.split(r"\begin{document}")[0] for t in (sheet, key))
    assert r"\foreach \k in {1,...,#1} \draw[gray" in preamble_sheet
    assert r"\foreach" not in preamble_key and r"\newcommand{\workroom}" in preamble_key
    # the intro says how many decimals the boxes want, and where to work
    assert "5 decimales" in sheet and "líneas" in sheet
    assert "5 decimal places" in tex(lecture_data(), "exercise", "en")


# ----------------------------------------------------------------------------- the PDFs

def pdf_words(pdf: bytes, tmp_path, name: str):
    """Per page: [(y of the line's top, its text)] of every line of text (a sentence or a
    heading, not an equation); and every word as (text, width, page)."""
    path = tmp_path / f"{name}.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(["pdftotext", "-bbox-layout", str(path), "-"], capture_output=True, text=True,
                         check=True).stdout
    pages, words = [], []
    for number, page in enumerate(out.split("<page ")[1:], start=1):
        lines = []
        for m in re.finditer(r'<line xMin="[\d.]+" yMin="([\d.]+)"[^>]*>(.*?)</line>', page, re.S):
            text = unescape(" ".join(re.findall(r">([^<]*)</word>", m.group(2))))
            if text[:1].isalpha() and len(text) > 8 and "=" not in text:      # sentences, headings
                lines.append((float(m.group(1)), text))
        pages.append(lines)
        for w in re.finditer(r'<word xMin="([\d.]+)" yMin="[\d.]+" xMax="([\d.]+)" yMax="[\d.]+">([^<]*)</word>', page):
            words.append((unescape(w.group(3)), float(w.group(2)) - float(w.group(1)), number))
    return pages, words


#: A probe for the test only: every box of the sheet, same size, with a tiny word inside whose
#: printed width tells how much its equation was scaled.
PROBE = (r"\renewcommand{\blank}{\mathord{{\setlength{\fboxsep}{0pt}\fbox{\blankstrut"
         r"\makebox[\blankwidth]{\tiny PROBE}}}}}")


@pytest.fixture(scope="module")
def numbered_pdfs(tmp_path_factory):
    """The numbered lecture's sheet and key (its hidden weights are 5-factor chains, whose
    'put it together' line holds five boxes), and the sheet again with the probe."""
    require_tex()
    from symbackprop import load_spec
    solution = solve_for_report(load_spec(NUMBERED))
    tmp = tmp_path_factory.mktemp("sheets")
    built = {}
    for style in ("exercise", "answers"):
        built[style] = pdf_words(build_pdf(render_tex(solution, style, "es"), name=style)[0], tmp, style)
    sheet = render_tex(solution, "exercise", "es")
    body = sheet.split(r"\begin{document}")[1]
    probed = sheet.replace(r"\begin{document}", r"\begin{document}" + PROBE, 1)
    built["probe"] = pdf_words(build_pdf(probed, name="probe")[0], tmp, "probe")[1], body.count(r"\blank")
    return built


def test_the_key_lines_up_with_the_sheet(numbered_pdfs):
    """Same pages, and on every page the same sentences and headings at the same height (the
    key's equations show the numbers too, so a few points of difference are allowed)."""
    sheet, key = numbered_pdfs["exercise"][0], numbered_pdfs["answers"][0]
    assert len(sheet) == len(key)
    compared = 0
    for number, (a, b) in enumerate(zip(sheet, key), start=1):
        heights = defaultdict(list)
        for y, text in b:
            heights[text].append(y)
        seen: dict[str, int] = defaultdict(int)
        for y, text in a:
            if number == 1 and y < next(y2 for y2, t in a if t.startswith("Los nombres")):
                continue                # the heads differ: the key's title and intro say it is the key
            k = seen[text]
            seen[text] += 1
            assert k < len(heights[text]), f"page {number}: {text!r} is not on the key's page"
            assert abs(heights[text][k] - y) < 4, f"page {number}: {text!r} moved {heights[text][k] - y:.1f}pt"
            compared += 1
    assert compared > 150


def test_no_box_is_shrunk_below_writable(numbered_pdfs):
    """An equation of five 40 mm boxes is wider than the line: it is broken after a · or an =,
    not scaled down to 80% (boxes of 33 mm); no box is drawn at less than 87% of its size."""
    words, count = numbered_pdfs["probe"]
    probes = [width for text, width, _ in words if text == "PROBE"]
    assert len(probes) == count > 100                      # every box of the sheet is there
    assert min(probes) >= 0.865 * max(probes), f"a box is scaled to {min(probes) / max(probes):.0%}"

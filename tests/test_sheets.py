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


def test_a_box_after_a_minus_or_a_times_is_in_parentheses_so_a_negative_answer_reads_right():
    """The key used to read "0.7 - -0.01056" (review r4): the sheet cannot know the sign, so
    every box that is a factor, a term or a subtrahend has its parentheses on the sheet and in the
    key alike: "0.7 - (-0.01056)"."""
    data = lecture_data()
    sheet, key = tex(data, "exercise"), tex(data, "answers")
    assert r"0.7 - \panswer{-0.01056}" in key
    assert r"0.7 - \pblank" in sheet
    # (review r5) the parentheses are as tall as the box and a thin space from it, not a
    # plain "(" that touches the box and is shorter than it; the same width in sheet and key
    for text in (sheet, key):
        assert r"\newcommand{\pblank}{\mathord{\delimitershortfall=-1pt\left(\mkern2mu\blank\mkern4mu\right)}}" in text
        assert r"\newcommand{\panswer}[1]{\mathord{\delimitershortfall=-1pt\left(\mkern2mu\answer{#1}\mkern4mu\right)}}" in text
        assert r"(\blank)" not in text and r"(\answer{" not in text
    frames = tex(data, "exercise-slides")
    assert r"{\pblank}" in frames and r"(\blank)" not in frames
    for text, box in ((sheet, r"\blank"), (key, r"\answer{")):
        body = text.split(r"\begin{document}")[1]
        assert not re.search(r"(\\cdot|[-+])\s*" + re.escape(box), body), "a bare box after an operator"
    assert not re.search(r"[-+]\s*-\d", key)
    # the slides print the numbers: a negative one in parentheses, a positive one bare
    slides = tex(data, "slides")
    assert r"0.7 - \left(-0.01056\right)" in slides and "0.5 - 0.04812" in slides


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

#: A word that the probes and markers below add to a document (never the document's own text).
TAG = re.compile(r"^(PROBE|MK\d+x\d+s?)$")


def pdf_words(pdf: bytes, tmp_path, name: str):
    """Per page: [(y of the line's top, its text)] of every line of text (a sentence or a
    heading, not an equation), the tags left out; and every word as (text, width, page,
    x of its centre, y of its top, its height: the font's size)."""
    path = tmp_path / f"{name}.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(["pdftotext", "-bbox-layout", str(path), "-"], capture_output=True, text=True,
                         check=True).stdout
    pages, words = [], []
    word = re.compile(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>')
    for number, page in enumerate(out.split("<page ")[1:], start=1):
        lines = []
        for m in re.finditer(r'<line xMin="[\d.]+" yMin="([\d.]+)"[^>]*>(.*?)</line>', page, re.S):
            text = unescape(" ".join(w for w in re.findall(r">([^<]*)</word>", m.group(2))
                                     if not TAG.match(unescape(w))))
            if text[:1].isalpha() and len(text) > 8 and "=" not in text:      # sentences, headings
                lines.append((float(m.group(1)), text))
        pages.append(lines)
        for w in word.finditer(page):
            x0, y0, x1, y1 = (float(w.group(k)) for k in range(1, 5))
            words.append((unescape(w.group(5)), x1 - x0, number, (x0 + x1) / 2, y0, y1 - y0))
    return pages, words


#: Probes for the tests only: every box of the sheet (\blank) and of the key (\answer), same
#: size, with a tiny word inside whose place tells where the box is and whose printed width
#: tells how much its equation was scaled.
PROBE = (r"\renewcommand{\blank}{\mathord{{\setlength{\fboxsep}{0pt}\fbox{\blankstrut"
         r"\makebox[\blankwidth]{\tiny PROBE}}}}}")
KEY_PROBE = PROBE.replace(r"\blank}{", r"\answer}[1]{", 1)


def arguments(text: str, start: int) -> list[int]:
    """The positions just after the opening brace of each argument {…}{…} from ``start``."""
    found, depth = [], 0
    for k in range(start, len(text)):
        if text[k] == "{":
            if depth == 0:
                found.append(k + 1)
            depth += 1
        elif text[k] == "}":
            depth -= 1
            if depth == 0 and text[k + 1:k + 2] != "{":
                return found
    raise AssertionError("unbalanced braces")


def mark(tex: str) -> tuple[str, list[dict]]:
    """The document with a tiny word in the margin (zero width, smaller than the line: nothing
    moves) at each heading and each block of each step: MK<step>x<n>, n = 0 for the heading,
    1… for the blocks, MK<step>x0s for a section's title. Returns it and, per step, its kind,
    its marks in order and which of its blocks are sentences ending in ':' or equations."""
    head, body = tex.split(r"\begin{document}", 1)
    chunks = re.split(r"(?m)^%% step (\d+): (\w+)\n", body)
    out, steps = [chunks[0]], []
    for number, kind, chunk in zip(chunks[1::3], chunks[2::3], chunks[3::3]):
        lines, blocks, heading = chunk.split("\n"), [], None
        for i, line in enumerate(lines):
            tag = f"MK{number}x{len(blocks) + 1}"
            margin = rf"\llap{{\tiny {tag}\hspace{{1em}}}}"
            if line.startswith((r"\par\medskip\textbf{", r"\subsection*{")):
                heading = f"MK{number}x0"
                j = line.index("{") + 1
                lines[i] = line[:j] + rf"\llap{{\tiny {heading}\hspace{{1em}}}}" + line[j:]
            elif line.startswith((r"\fiteq{", r"\fitas{", r"\fitat{", r"\fitatwork{")):
                for j in reversed(arguments(line, 0)):
                    line = line[:j] + margin + line[j:]
                lines[i] = line
                blocks.append((tag, "math"))
            elif line.endswith(r"\par") and not line.startswith(("\\", "{")):
                lines[i] = r"\leavevmode" + margin + line
                blocks.append((tag, "colon" if line[:-4].rstrip().endswith(":") else "text"))
            elif line.startswith(r"\section{"):        # the next step's section: its title's end
                lines[i] = line[:-1] + rf"\rlap{{\tiny\hspace{{1em}} MK{int(number) + 1}x0s}}" + "}"
        out.append(f"%% step {number}: {kind}\n" + "\n".join(lines))
        steps.append({"kind": kind, "heading": heading, "blocks": blocks})
    return head + r"\begin{document}" + "".join(out), steps


def pages_of(words) -> dict[str, int]:
    return {text: page for text, _, page, *_ in words if text.startswith("MK")}


@pytest.fixture(scope="module")
def numbered_pdfs(tmp_path_factory):
    """The numbered lecture's sheet and key (its hidden weights are 5-factor chains, whose
    'put it together' line holds five boxes), both with their boxes probed and their steps
    marked; and the layered lecture's handout, marked."""
    require_tex()
    from symbackprop import load_spec
    solution = solve_for_report(load_spec(NUMBERED))
    tmp = tmp_path_factory.mktemp("sheets")
    built = {}
    for style, probe in (("exercise", PROBE), ("answers", KEY_PROBE)):
        text, steps = mark(render_tex(solution, style, "es"))
        probed = text.replace(r"\begin{document}", r"\begin{document}" + probe, 1)
        built[style] = pdf_words(build_pdf(probed, name=style)[0], tmp, style) + (steps,)
    built["count"] = render_tex(solution, "exercise", "es").split(r"\begin{document}")[1].count("blank")  # \blank and \pblank
    text, steps = mark(render_tex(solve_for_report(load_spec(LECTURE)), "article", "es"))
    built["article"] = pdf_words(build_pdf(text, name="article")[0], tmp, "article") + (steps,)
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


def test_the_key_boxes_sit_on_the_sheet_boxes(numbered_pdfs):
    """Box for box: a student lays the key beside the sheet and finds each value where the
    sheet's box is, on the same page, at the same height and the same x. (Comparing only the
    sentences missed the equations where the key adds numbers, "= 1/(1 + e^-0.41) =": centred
    wider, their last box sat 1–2 cm to the right of the sheet's.)"""
    def boxes(words):
        by_page = defaultdict(list)
        for text, _, page, x, y, _ in words:
            if text == "PROBE":
                by_page[page].append((round(y), x))
        return {page: sorted(found) for page, found in by_page.items()}
    sheet, key = boxes(numbered_pdfs["exercise"][1]), boxes(numbered_pdfs["answers"][1])
    assert sheet.keys() == key.keys()
    assert sum(map(len, sheet.values())) == numbered_pdfs["count"] > 100
    for page in sheet:
        assert len(sheet[page]) == len(key[page]), f"page {page}: not the same boxes"
        for (ys, xs), (yk, xk) in zip(sheet[page], key[page]):
            assert abs(yk - ys) <= 2 and abs(xk - xs) < 2, \
                f"page {page}: the sheet's box at ({xs:.0f}, {ys}) is at ({xk:.0f}, {yk}) in the key"


#: The small steps a page must not split: the update ("nuevo w = w − η·g = …"), a factor with its
#: formula, a path put together, a sum over paths, a neuron of the forward pass, the error.
SMALL = ("update", "factor", "together", "partial", "sum", "forward", "error")


@pytest.mark.parametrize("document", ["exercise", "answers", "article"])
def test_the_page_never_turns_inside_a_small_step(numbered_pdfs, document):
    """No page ends with a heading (a section's, a step's): its first block is on its page; a
    small step (SMALL) is on one page whole; a sentence ending in ':' and the equations after it
    are on one page; and an equation is on the page of the block above it."""
    _, words, steps = numbered_pdfs[document]
    page = pages_of(words)
    small = 0
    for step in steps:
        tags = [tag for tag, _ in step["blocks"]]
        assert all(tag in page for tag in tags), f"{document}: a mark went missing"
        if not tags:
            continue
        first = page[tags[0]]
        for heading in (step["heading"], tags[0].split("x")[0] + "x0s"):
            if heading in page:
                assert page[heading] == first, f"{document}: the heading {heading} ends page {page[heading]}"
        if step["kind"] in SMALL:
            small += 1
            assert {page[tag] for tag in tags} == {first}, \
                f"{document}: a {step['kind']} step is split across pages {sorted({page[t] for t in tags})}"
        for (before, kind), (tag, what) in zip(step["blocks"], step["blocks"][1:]):
            if kind == "colon" or what == "math":
                assert page[before] == page[tag], f"{document}: the page turns between {before} and {tag}"
    assert small > 40


def test_no_box_is_shrunk_below_writable(numbered_pdfs):
    """An equation of five 40 mm boxes is wider than the line: it is broken after a · or an =,
    not scaled down to 80% (boxes of 33 mm); no box is drawn at less than 87% of its size, in
    the sheet or in the key."""
    for document in ("exercise", "answers"):
        probes = [width for text, width, *_ in numbered_pdfs[document][1] if text == "PROBE"]
        assert len(probes) == numbered_pdfs["count"] > 100                   # every box is there
        assert min(probes) >= 0.865 * max(probes), f"{document}: a box is scaled to {min(probes) / max(probes):.0%}"


def test_the_key_shows_its_numbers_at_the_size_of_the_rest(numbered_pdfs):
    """Review r5: the key's σ′ line ("= σ(sum)·(1 − σ(sum)) = out·(1 − out) = 0.59327·(1 −
    0.59327) = [box]") squeezed the numbers it adds into the room left of the sheet's box, down
    to 7 pt. Now the line is the sheet's with its answer, and the numbers go on the first line
    of the room for the working: every number is printed at 85 % of its largest size or more."""
    # pdftotext's box of a word is as tall as its font is large (the answers in the boxes are
    # probes, not printed: the numbers found are the ones the key adds; a negative one is the
    # exponent of 1/(1 + e^{−z}), script-sized by design)
    found = [(height, text, page) for text, _, page, _, _, height in numbered_pdfs["answers"][1]
             if re.search(r"\d\.\d{5}", text) and not text.startswith("−")]
    assert len(found) > 10
    body = max(found)[0]
    small = sorted({(text, page, f"{height / body:.0%}") for height, text, page in found if height < 0.85 * body})
    assert not small, f"numbers printed small in the key: {small}"

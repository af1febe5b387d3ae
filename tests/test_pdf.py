"""PDFs compiled for real: every style in both languages, for the lecture example and for a
3-3-3-2 network in the numbered notation. Without TeX these tests skip on a laptop, but
fail in CI (CI=true or SYMBACKPROP_REQUIRE_TEX=1): a missing TeX is then an error."""
from __future__ import annotations

import os
import re
import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor

import pytest

from symbackprop import load_spec
from symbackprop.api import solve_for_report
from symbackprop.render.latex import build_pdf, latex_available, overfull_boxes
from symbackprop.render.report import STYLES, render_tex

from conftest import LECTURE, ROOT

DEEP = ROOT / "examples" / "net_3_3_3_2.yaml"
CASES = [(spec, style, lang) for spec in ("lecture", "deep") for style in STYLES for lang in ("es", "en")
         if not (spec == "deep" and style == "exercise-slides")]


def require_tex():
    if latex_available() and shutil.which("pdftotext"):
        return
    if os.environ.get("CI") or os.environ.get("SYMBACKPROP_REQUIRE_TEX"):
        pytest.fail("TeX (latexmk, pdflatex) or pdftotext is missing: CI must install them "
                    "(make tex)")
    pytest.skip("no TeX on this machine")


@pytest.fixture(scope="session")
def built(tmp_path_factory):
    require_tex()
    solutions = {"lecture": solve_for_report(load_spec(LECTURE)),
                 "deep": solve_for_report(load_spec(DEEP))}
    out = tmp_path_factory.mktemp("pdf")

    def make(case):
        spec, style, lang = case
        tex = render_tex(solutions[spec], style, lang)
        pdf, log = build_pdf(tex, name=f"{spec}-{style}-{lang}")
        path = out / f"{spec}-{style}-{lang}.pdf"
        path.write_bytes(pdf)
        text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True,
                              text=True, check=True).stdout
        return case, {"tex": tex, "log": log, "text": text, "path": path}

    with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        return dict(pool.map(make, CASES))


@pytest.mark.parametrize("case", CASES, ids=["-".join(c) for c in CASES])
def test_every_style_compiles(built, case):
    result = built[case]
    assert result["path"].read_bytes().startswith(b"%PDF")
    spec, style, lang = case
    if style == "slides":
        assert not overfull_boxes(result["log"]), overfull_boxes(result["log"])[:3]


def test_lecture_numbers_are_in_the_slides(built):
    text = built[("lecture", "slides", "es")]["text"]
    for number in ("0.41", "0.60109", "1.01977", "0.73493", "0.23456", "0.24909", "0.68493",
                   "0.19481", "0.08020", "0.45188", "0.55073", "0.71056", "0.81082", "0.09934"):
        assert number in text, number
    assert "Propagación hacia adelante" in text and "Pongamos todo junto" in text
    assert "Iteración 1 finalizada" in text
    assert "Forward pass" in built[("lecture", "slides", "en")]["text"]


def test_exercise_hides_what_the_key_shows(built):
    exercise = built[("lecture", "exercise", "en")]["text"]
    answers = built[("lecture", "answers", "en")]["text"]
    assert "0.45188" not in exercise and "0.45188" in answers
    assert "?" in exercise


def page_frames(path) -> list[int]:
    """Each page's frame number, read from its foot ("12 / 103"): overlays of one frame share it."""
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout
    return [int(re.findall(r"(\d+) / \d+", page)[-1]) for page in text.split("\f") if page.strip()]


def text_sizes(log: str) -> dict[int, float]:
    """The size (pt) each frame with a drawing shows its text at, as the slides report it."""
    return {int(n): float(size) for n, size in re.findall(r"symbackprop text size: frame (\d+) ([\d.]+)pt", log)}


def test_exercise_slides_ask_then_answer(built):
    """Deck 003's exercise frames: a frame shows "?" where the student computes, and its next
    slide shows the values (one Beamer frame, two overlays)."""
    result = built[("lecture", "exercise-slides", "es")]
    numbers = page_frames(result["path"])
    asking = len(numbers) - len(set(numbers))
    assert asking > 60 and sorted(set(numbers)) == list(range(1, max(numbers) + 1))
    assert all(numbers.count(n) <= 2 for n in numbers)
    text = lambda n: subprocess.run(["pdftotext", "-f", str(n), "-l", str(n), str(result["path"]), "-"],
                                    capture_output=True, text=True, check=True).stdout
    pages = len(numbers)
    first = next(n for n in range(1, pages + 1) if "Calculamos" in text(n))
    assert "?" in text(first) and "0.41" not in text(first) and "0.60109" not in text(first)
    assert "= 0.41" in text(first + 1) and "0.60109" in text(first + 1)
    assert numbers[first - 1] == numbers[first]


@pytest.mark.parametrize("case", [("lecture", "slides", "es"), ("lecture", "slides", "en"),
                                  ("lecture", "exercise-slides", "es"), ("deep", "slides", "es")])
def test_no_frame_shrinks_its_text_below_8pt(built, case):
    """Issue 14: frames with four routes and two ten-factor chains (b[1]'s question) or five
    reused factors were shrunk to 55-65 % to fit above the drawing. A step whose text does not
    fit at 8 pt goes on as many frames as it needs; an equation too wide breaks after its '='."""
    result = built[case]
    sizes = text_sizes(result["log"])
    numbers = page_frames(result["path"])
    plain = result["tex"].count(r"\begin{frame}") - 1       # the title, the notation, the σ′ note…
    # every frame with the drawing reports its size, none is below 8 pt
    assert len(sizes) == max(numbers) - plain and min(sizes.values()) >= 8.0, \
        sorted(sizes.items(), key=lambda kv: kv[1])[:5]


def test_a_full_step_continues_on_the_next_frame(built):
    """b[1]'s question (deck 004's four routes, then the chain rule with two paths a term):
    the routes on one frame, the chain rule on the next, its heading repeated, "(cont.)"."""
    result = built[("lecture", "slides", "es")]
    pages = result["text"].split("\f")
    asks = [n for n, page in enumerate(pages) if "contribuye b" in page and "[1]" in page.split("contribuye b")[1][:20]]
    assert len(asks) >= 2 and asks == list(range(asks[0], asks[0] + len(asks)))
    first, second = pages[asks[0]], pages[asks[1]]
    assert "Observemos" in first and "regla de la cadena" not in first and "(cont.)" not in first
    assert "(cont.)" in second and "regla de la cadena" in second
    assert "Observemos" not in "".join(pages[n] for n in asks[1:])
    # a "Pongamos todo junto" that goes on two frames shares its four lines two and two (no
    # lone result on the second; with today's drawing each fits one frame)
    together = [page for page in pages if "Pongamos todo junto" in page and "(cont.)" in page]
    assert all("·" in page.split("Pongamos todo junto", 1)[1] for page in together)
    # each of them is a frame with the drawing, its text sized to the band above it
    sizes = text_sizes(result["log"])
    assert all(page_frames(result["path"])[n] in sizes for n in asks)


def test_numbered_deep_network_pdf(built):
    text = built[("deep", "slides", "es")]["text"]
    assert "sum" in text and "total" in text
    assert "Iteración 1 finalizada" in text


def test_frame_counts_match_the_tex(built):
    """The slides' frames: one per step without a drawing (and the title), one or more per step
    with one (as many as its text needs), each numbered once in its foot."""
    for spec in ("lecture", "deep"):
        result = built[(spec, "slides", "en")]
        numbers = page_frames(result["path"])
        assert numbers == list(range(1, len(numbers) + 1))
        plain = result["tex"].count(r"\begin{frame}") - 1          # \packframes' own
        drawn = len(re.findall(r"\\stepframes\{", result["tex"]))
        assert len(numbers) >= plain + drawn
        assert len(numbers) - plain == len(text_sizes(result["log"]))


def test_graph_pdfs(tmp_path):
    require_tex()
    from symbackprop.core.graph import build_graph
    from symbackprop.render.report import render_graph_tex
    g = build_graph("sigmoid(w0*x0 + w1*x1 + w2)", {"w0": 2, "x0": -1, "w1": -3, "x1": -2, "w2": -3},
                    decompose_sigmoid=True)
    for style in ("slides", "article"):
        pdf, log = build_pdf(render_graph_tex(g, style, "es"), name=style)
        path = tmp_path / f"{style}.pdf"
        path.write_bytes(pdf)
        text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True).stdout
        assert "0.73106" in text and "0.39322" in text and "-0.19661" in text.replace("−", "-")


def test_feedback_sheet_pdf(tmp_path):
    require_tex()
    from symbackprop.api import check_file
    from symbackprop.render.report import render_feedback_tex
    answers = tmp_path / "ana.yaml"
    answers.write_text("z1_1: 0.16\na1_1: 0.60109\nda2_1/dz2_1: 0.73493\n")
    solution, report = check_file(load_spec(LECTURE), answers)
    tex = render_feedback_tex(solution, report, "en", "ana")
    pdf, _ = build_pdf(tex, name="feedback")
    path = tmp_path / "feedback.pdf"
    path.write_bytes(pdf)
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True).stdout
    assert "bias" in text and "forgotten" in text and "0.19481" in text
    assert "How the steps that went wrong are computed" in text


def test_feedback_sheet_derives_each_wrong_step_and_lists_carried_ones(tmp_path):
    """Issue 13's feedback sheet: titled with the student's name, the diagnosis as
    mathematics, the wrong step's chain in the lecture's order with its numbers, each carried
    value on one line pointing to its root; one page for this typical sheet."""
    require_tex()
    from symbackprop.api import check_file
    from symbackprop.render.report import render_feedback_tex
    answers = tmp_path / "sheet.yaml"
    # The deck-003 sign slip on ∂E1/∂ŷ1, carried honestly into the gradient and the update
    # (−0.68493 · 0.19481 · 0.60109 = −0.08020; 0.5 + 0.6 · 0.08020 = 0.54812).
    answers.write_text("a1_1: '0.60109'\na2_1: '0.73493'\ndE1/da2_1: '-0.68493'\n"
                       "da2_1/dz2_1: '0.19481'\ndE/dw2_1_1: '-0.08020'\nnew_w2_1_1: '0.54812'\n"
                       "dE/dw2_1_2: '0.16422'\n")
    solution, report = check_file(load_spec(LECTURE), answers)
    verdicts = {i.quantity: i.verdict for i in report.items}
    assert verdicts["dE1/da2_1"] == "wrong" and verdicts["dE/dw2_1_1"] == "carried_forward"
    tex = render_feedback_tex(solution, report, "es", "Ana Pérez")
    assert r"\frac{\partial E_{1}}{\partial a^{[2]}_{1}} = a^{[2]}_{1} - y_{1}" in tex     # as math
    pdf, _ = build_pdf(tex, name="feedback")
    path = tmp_path / "feedback.pdf"
    path.write_bytes(pdf)
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True).stdout
    assert "Revisión de Ana Pérez" in text
    assert "error de signo" in text
    # 0.16422 = 2 · 0.08211: no slip explains it; its chain is derived with its numbers
    flat = " ".join(text.replace("−", "-").split())
    assert "0.68493 · 0.19481 · 0.61538 = 0.08211" in flat
    assert flat.count("arrastra el error de") == 2             # the gradient and the update
    pages = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True).stdout
    assert re.search(r"^Pages:\s+1$", pages, re.M), pages


def test_contact_sheet_tiles_every_page(built, tmp_path):
    """tools/contact_sheet.py (the README's picture of the deck): one thumbnail per page."""
    import importlib.util
    from PIL import Image
    spec = importlib.util.spec_from_file_location("contact_sheet", ROOT / "tools" / "contact_sheet.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    pdf = built[("lecture", "article", "en")]["path"]
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True).stdout
    pages = int(next(l.split()[-1] for l in info.splitlines() if l.startswith("Pages:")))
    out = tmp_path / "sheet.png"
    assert module.contact_sheet(pdf, out, columns=4, width=100) == (pages, 4)
    with Image.open(out) as im:
        assert im.width == 4 * 106 + 6
        rows = -(-pages // 4)
        assert rows * 140 < im.height < rows * 200       # A4 thumbnails 100 px wide: 141 px tall

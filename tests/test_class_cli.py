"""A lecturer grading a class, end to end through the installed command: 30 students' sheets
of the lectures' 2-2-2 network, saved by a spreadsheet in a Spanish locale (``;`` between
fields, decimal commas, a BOM), with slips planted, a blank cell and a column that names no
quantity. Checked: grades.csv (marks recomputed here from its verdicts and the marks rule),
the class summary (root slips and carried values apart, the most frequent root slip),
the chart, and with --format pdf one feedback PDF per student."""
from __future__ import annotations

import csv
import io
import json
import math
import os
import shutil
import subprocess
import sys
import time
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pytest

from conftest import LECTURE
from conftest import command, env



def run(*args, cwd, timeout=600) -> subprocess.CompletedProcess:
    return subprocess.run([*command(), *map(str, args)], cwd=cwd, capture_output=True,
                          text=True, timeout=timeout, env=env())


def require_tex():
    """As tests/test_pdf.py: skipped on a laptop without TeX, a failure in CI."""
    from symbackprop.render.latex import latex_available
    if latex_available():
        return
    if os.environ.get("CI") or os.environ.get("SYMBACKPROP_REQUIRE_TEX"):
        pytest.fail("TeX (latexmk, pdflatex) is missing: CI must install it (make tex)")
    pytest.skip("no TeX on this machine")


def sig(x: float) -> float:
    return 1 / (1 + math.exp(-x))


# The class file's columns, as the lecturer named them (canonical ids, the lectures' names),
# with one that names no quantity ("w9": the network has eight weights).
RIGHT = {"z1_1": "0.41", "a1_1": "0.60109", "a1_2": "0.61538", "z2_1": "1.01977", "a2_1": "0.73493",
         "a2_2": "0.77955", "E1": "0.23456", "E2": "0.01453", "E": "0.24909", "dE1/da2_1": "0.68493",
         "da2_1/dz2_1": "0.19481", "dz2_1/dw2_1_1": "0.60109", "dE/dw2_1_1": "0.08020",
         "nuevo_w5": "0.45188", "dz2_1/da1_1": "0.50000", "da1_1/dz1_1": "0.23978",
         "dE1/dw1_1_1": "0.00160", "dE2/dw1_1_1": "-0.00049", "dE/dw1_1_1": "0.00111",
         "new_w1_1_1": "0.09934"}
COLUMNS = list(RIGHT)
UNKNOWN = "w9"
HEADER = ["alumno", *COLUMNS[:5], UNKNOWN, *COLUMNS[5:]]
#: What grades.csv calls the columns (as the class file does) and their canonical ids.
IDS = {name: ("new_w2_1_1" if name == "nuevo_w5" else name) for name in COLUMNS}

# The slips, each computed here by hand from the lecture's numbers.
A11_NO_BIAS = sig(0.16)                                  # b1 forgotten in z1_1
Z21_NO_BIAS = 0.5 * A11_NO_BIAS + 0.6 * 0.61538 + 0.35
A21_NO_BIAS = sig(Z21_NO_BIAS)
BIAS = {"z1_1": "0.16", "a1_1": f"{A11_NO_BIAS:.5f}", "z2_1": f"{Z21_NO_BIAS:.5f}",
        "a2_1": f"{A21_NO_BIAS:.5f}", "E1": f"{(0.05 - A21_NO_BIAS) ** 2 / 2:.5f}"}
ONE_PATH = {"dE/dw1_1_1": "0.00160", "new_w1_1_1": f"{0.1 - 0.6 * 0.00160:.5f}"}   # E1's path only
ETA = {"new_w1_1_1": f"{0.1 - 0.00111:.5f}"}             # η left out of the update
SIGN = {"nuevo_w5": f"{0.5 + 0.6 * 0.0802:.5f}"}         # + η instead of − η
TRUNCATED = {"a1_1": "0.60108"}                          # the slide's own truncation
BLANK = {"E2": ""}

PLANTED = {3: BIAS, 11: BIAS, 19: BIAS, 27: BIAS, 5: ONE_PATH, 14: ONE_PATH, 23: ONE_PATH,
           8: ETA, 17: ETA, 12: SIGN, 25: SIGN, 20: TRUNCATED, 9: BLANK}
STUDENTS = 30


def student(n: int) -> str:
    return f"Núñez, Ana {n:02d}" if n % 7 == 0 else f"Alumno {n:02d}"


def class_csv() -> bytes:
    """The class as a spreadsheet in a Spanish locale saves it: BOM, ';', decimal commas."""
    lines = [";".join(HEADER)]
    for n in range(1, STUDENTS + 1):
        values = {**RIGHT, **PLANTED.get(n, {})}
        cells = [student(n)] + [values[c] if c != UNKNOWN else "0,3" for c in HEADER[1:] if c != "alumno"]
        lines.append(";".join(c.replace(".", ",") for c in cells))
    return ("\ufeff" + "\r\n".join(lines) + "\r\n").encode("utf-8")


def expected_verdicts(n: int) -> dict[str, str]:
    """The verdict of every column for student n, as the slips planted say."""
    out = {c: "correct" for c in COLUMNS}
    planted = PLANTED.get(n, {})
    if planted is BIAS:
        out.update({"z1_1": "wrong", "a1_1": "carried_forward", "z2_1": "carried_forward",
                    "a2_1": "carried_forward", "E1": "carried_forward"})
    elif planted is ONE_PATH:
        out.update({"dE/dw1_1_1": "wrong", "new_w1_1_1": "carried_forward"})
    elif planted is ETA:
        out["new_w1_1_1"] = "wrong"
    elif planted is SIGN:
        out["nuevo_w5"] = "wrong"
    elif planted is TRUNCATED:
        out["a1_1"] = "rounding"
    elif planted is BLANK:
        out["E2"] = "blank"
    return out


def marks_by_hand(cells: dict[str, str], points, credit: Fraction) -> tuple[Fraction, Fraction]:
    """The marks rule, recomputed: correct and rounding earn a column's points, carried_forward
    ``credit`` of them, wrong and blank nothing; out of every column's points."""
    got = Fraction(0)
    total = Fraction(0)
    for name, verdict in cells.items():
        p = points(name)
        total += p
        got += {"correct": p, "rounding": p, "carried_forward": p * credit}.get(verdict, Fraction(0))
    return got, total


def two_places(x: Fraction) -> str:
    return f"{Decimal(math.floor(x * 100 + Fraction(1, 2))).scaleb(-2):f}"


def read_grades(path: Path) -> list[dict[str, str]]:
    text = path.read_text(encoding="utf-8")
    assert "\r" not in text and not text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["student", "mark", "out_of", "percent", *COLUMNS]     # w9 is not a quantity
    return [dict(zip(rows[0], r)) for r in rows[1:]]


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    folder = tmp_path_factory.mktemp("class")
    (folder / "clase.csv").write_bytes(class_csv())
    return folder


@pytest.fixture(scope="module")
def graded(folder):
    result = run("check", LECTURE, "clase.csv", "--batch", "-o", "out", cwd=folder)
    return result, folder / "out" / "clase"


def test_grades_csv(graded):
    result, out = graded
    assert result.returncode == 1, result.stderr          # not every sheet is right
    assert "Traceback" not in result.stderr
    warnings = [l for l in result.stderr.splitlines() if "warning" in l]
    assert len(warnings) == 1 and "column 'w9'" in warnings[0] and "unknown quantity" in warnings[0]
    rows = read_grades(out / "grades.csv")
    assert [r["student"] for r in rows] == [student(n) for n in range(1, STUDENTS + 1)]
    for n, row in enumerate(rows, start=1):
        cells = {c: row[c] for c in COLUMNS}
        assert cells == expected_verdicts(n), (n, {c: v for c, v in cells.items() if v != "correct"})
        mark, out_of = marks_by_hand(cells, lambda c: Fraction(1), Fraction(1))
        assert (row["mark"], row["out_of"]) == (two_places(mark), two_places(out_of))
        assert row["percent"] == two_places(mark * 100 / out_of)
    assert rows[2]["mark"] == "19.00" and rows[8]["mark"] == "19.00"     # a root slip; a blank
    assert rows[0]["mark"] == "20.00" and rows[0]["percent"] == "100.00"
    assert rows[4]["mark"] == "19.00" and rows[7]["percent"] == "95.00"


def test_summary_counts_root_slips_and_carried_values_apart(graded):
    _, out = graded
    summary = json.loads((out / "summary.json").read_text())
    assert summary["students"] == STUDENTS and summary["out_of"] == 20
    steps = {s["quantity"]: s for s in summary["steps"]}
    assert [s["quantity"] for s in summary["steps"]] == [IDS[c] for c in COLUMNS]
    z11, a11, grad, new = steps["z1_1"], steps["a1_1"], steps["dE/dw1_1_1"], steps["new_w1_1_1"]
    assert (z11["right"], z11["root_slips"], z11["carried"], z11["diagnosis"], z11["diagnosis_count"]) == \
        (26, 4, 0, "bias", 4)
    assert (a11["right"], a11["rounding"], a11["root_slips"], a11["carried"], a11["diagnosis"]) == \
        (26, 1, 0, 4, None)
    assert (grad["root_slips"], grad["carried"], grad["diagnosis"]) == (3, 0, "one_path")
    # 3 carried values and 2 slips of their own: the slip is named, not hidden by the carried
    assert (new["right"], new["root_slips"], new["carried"], new["diagnosis"], new["diagnosis_count"]) == \
        (25, 2, 3, "eta", 2)
    assert (steps["new_w2_1_1"]["root_slips"], steps["new_w2_1_1"]["diagnosis"]) == (2, "sign")
    assert (steps["E2"]["answered"], steps["E2"]["blank"], steps["E2"]["right"]) == (29, 1, 29)
    assert [p["name"] for p in summary["problems"]] == [UNKNOWN]
    assert len(summary["grades"]) == STUDENTS
    text = (out / "summary.txt").read_text()
    assert "errores raíz" in text and "falta η (2)" in text and "sesgo olvidado (4)" in text
    assert "w9" in text


def test_feedback_files_and_chart(graded):
    _, out = graded
    files = sorted(p.name for p in out.iterdir())
    assert len([f for f in files if f.endswith(".txt") and f != "summary.txt"]) == STUDENTS
    assert "Nunez_Ana_07.txt" in files or "Núñez_Ana_07.txt" in files
    png = (out / "summary.png").read_bytes()
    assert png.startswith(b"\x89PNG")
    width, height = int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")
    assert width >= 1200 and height >= 700            # 150 dpi: 20 steps stay readable


def test_the_same_class_gives_the_same_bytes(graded, folder):
    _, out = graded
    again = run("check", LECTURE, "clase.csv", "--batch", "-o", "again", cwd=folder)
    assert again.returncode == 1
    for name in ("grades.csv", "summary.json", "summary.txt", "summary.png"):
        assert (folder / "again" / "clase" / name).read_bytes() == (out / name).read_bytes(), name


def test_marks_file_and_carried_credit(folder):
    # a spreadsheet's marks file in the same locale: 2 per gradient, 3 for nuevo_w5 (over its
    # kind), 1,5 per update, the rest 1; a carried value earns half
    (folder / "puntos.csv").write_bytes("\ufefftipo;nombre;puntos\r\nclase;gradient;2\r\nclase;update;1,5\r\n"
                                        "cantidad;nuevo_w5;3\r\n".encode())
    result = run("check", LECTURE, "clase.csv", "--batch", "-o", "marked", "--marks", "puntos.csv",
                 "--carried-credit", "0,5", "--lang", "en", cwd=folder)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    rows = read_grades(folder / "marked" / "clase" / "grades.csv")
    kinds = {"dE/dw2_1_1": "gradient", "dE/dw1_1_1": "gradient", "new_w1_1_1": "update"}

    def points(c: str) -> Fraction:
        if c == "nuevo_w5":
            return Fraction(3)
        return {"gradient": Fraction(2), "update": Fraction(3, 2)}.get(kinds.get(c), Fraction(1))

    for n, row in enumerate(rows, start=1):
        cells = {c: row[c] for c in COLUMNS}
        mark, out_of = marks_by_hand(cells, points, Fraction(1, 2))
        assert (row["mark"], row["out_of"], row["percent"]) == \
            (two_places(mark), two_places(out_of), two_places(mark * 100 / out_of)), n
    # 16 ones + 2 + 2 + 3 + 1.5 = 24.5; a one-path student: the gradient (2) lost, the update
    # carried (0.75 of 1.5) -> 21.75
    assert rows[0]["out_of"] == "24.50" and rows[4]["mark"] == "21.75"
    # the slip itself and four carried values at half a point each: 24.5 - 1 - 4 × 0.5 = 21.5,
    # 87.755...%
    assert rows[2]["mark"] == "21.50" and rows[2]["percent"] == "87.76"
    assert "Mean mark" in result.stdout and "root slips" in result.stdout


@pytest.mark.parametrize("args, words", [
    (["--marks", "nada.yaml"], "nada.yaml: file not found"),
    (["--marks", "malo.yaml"], "malo.yaml: kinds: 'gradiant': expected a kind"),
    (["--carried-credit", "2"], "--carried-credit: expected a share from 0 to 1"),
    (["--min-decimals", "-1"], "--min-decimals: expected a whole number from 0 to 50"),
])
def test_bad_grading_options_are_one_line(folder, args, words):
    (folder / "malo.yaml").write_text("kinds:\n  gradiant: 2\n")
    result = run("check", LECTURE, "clase.csv", "--batch", "-o", "bad", *args, cwd=folder)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and words in lines[0] and "Traceback" not in result.stderr
    assert not (folder / "bad").exists()


def test_min_decimals_reaches_the_judge(folder):
    """--min-decimals 2 accepts a value written to 2 places that the spec's 5 would refuse."""
    (folder / "ana.yaml").write_text("a1_1: 0.60\n")
    strict = run("check", LECTURE, "ana.yaml", "--format", "json", cwd=folder)
    loose = run("check", LECTURE, "ana.yaml", "--format", "json", "--min-decimals", "2", cwd=folder)
    assert json.loads(loose.stdout)["items"][0]["verdict"] == "correct", loose.stderr
    assert loose.returncode == 0
    assert json.loads(strict.stdout)["items"][0]["verdict"] == "wrong" and strict.returncode == 1


def test_one_sheet_with_an_unknown_name_and_a_mark(folder):
    (folder / "bea.yaml").write_text("z1_1: 0.41\nw99: 1\nnuevo_w5: 0.54812\n")
    result = run("check", LECTURE, "bea.yaml", "--lang", "en", "--carried-credit", "1", cwd=folder)
    assert result.returncode == 1
    assert "warning" in result.stderr and "w99" in result.stderr and "Traceback" not in result.stderr
    assert "Mark: 1.00 out of 2.00 (50.00%)" in result.stdout      # of the quantities written


def test_a_pdf_per_student(folder):
    require_tex()
    start = time.monotonic()
    result = run("check", LECTURE, "clase.csv", "--batch", "--format", "pdf", "-o", "pdfs", cwd=folder,
                 timeout=1800)
    seconds = time.monotonic() - start
    assert result.returncode == 1, result.stderr
    out = folder / "pdfs" / "clase"
    pdfs = sorted(out.glob("*.pdf"))
    assert len(pdfs) == STUDENTS, [p.name for p in pdfs]
    assert all(p.read_bytes().startswith(b"%PDF") for p in pdfs)
    assert len(list(out.glob("*.tex"))) == STUDENTS and not list(out.glob("Alumno*.txt"))
    assert (out / "grades.csv").exists() and (out / "summary.png").exists()
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", str(out / "Alumno_03.pdf"), "-"], capture_output=True,
                              text=True).stdout
        assert "Alumno 03" in text and "0.41" in text and "Nota:" in text     # the mark, titled by name
    print(f"\n30 feedback PDFs in {seconds:.1f} s")


def test_pdf_batch_without_tex_says_so_and_keeps_the_rest(folder, tmp_path):
    """No TeX: every student's .tex, grades.csv and the summary are written, then the same
    one-line error as for one sheet, exit code 2."""
    bare = tmp_path / "bin"
    bare.mkdir()
    os.symlink(sys.executable, bare / "python")
    environment = {**env(), "PATH": str(bare)}
    result = subprocess.run([*command(), "check", str(LECTURE), "clase.csv", "--batch", "--format", "pdf",
                             "-o", str(tmp_path / "out")], cwd=folder, capture_output=True, text=True,
                            timeout=600, env=environment)
    assert result.returncode == 2, result.stderr
    assert result.stderr.strip().splitlines()[-1].startswith("symbackprop: error: no LaTeX found")
    out = tmp_path / "out" / "clase"
    assert len(list(out.glob("*.tex"))) == STUDENTS and not list(out.glob("*.pdf"))
    assert (out / "grades.csv").exists() and (out / "summary.json").exists()

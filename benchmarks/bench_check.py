"""Grading a class: 1000 students' sheets of the lecture example, as the CLI does it.

    python benchmarks/bench_check.py [--students N]

Writes a class CSV (20 answers per student, one slip planted in every third sheet) into a
temporary folder, then times `symbackprop check --batch` as a whole process and prints one
table.
"""
from __future__ import annotations

import argparse
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RIGHT = {"z1_1": "0.41", "a1_1": "0.60109", "a1_2": "0.61538", "z2_1": "1.01977", "a2_1": "0.73493",
         "a2_2": "0.77955", "E1": "0.23456", "E2": "0.01453", "E": "0.24909", "dE1/da2_1": "0.68493",
         "da2_1/dz2_1": "0.19481", "dz2_1/dw2_1_1": "0.60109", "dE/dw2_1_1": "0.08020",
         "new_w2_1_1": "0.45188", "dz2_1/da1_1": "0.5", "da1_1/dz1_1": "0.23978",
         "dE1/dw1_1_1": "0.00160", "dE2/dw1_1_1": "-0.00049", "dE/dw1_1_1": "0.00111",
         "new_w1_1_1": "0.09934"}
SLIPS = [("dE1/da2_1", "-0.68493"), ("da2_1/dz2_1", "0.73493"), ("z1_1", "0.16"),
         ("dE/dw1_1_1", "0.00160"), ("new_w2_1_1", "0.4198")]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--students", type=int, default=1000)
    n = parser.parse_args().students
    rng = random.Random(0)
    with tempfile.TemporaryDirectory() as tmp:
        csv_path = Path(tmp) / "class.csv"
        lines = ["student," + ",".join(RIGHT)]
        for s in range(n):
            row = dict(RIGHT)
            if s % 3 == 0:
                q, v = rng.choice(SLIPS)
                row[q] = v
            lines.append(f"s{s:04d}," + ",".join(row.values()))
        csv_path.write_text("\n".join(lines) + "\n")
        cmd = [sys.executable, "-m", "symbackprop", "check", str(ROOT / "examples" / "lecture_2_2_2.yaml"),
               str(csv_path), "--batch", "-o", str(Path(tmp) / "out")]
        t = time.perf_counter()
        result = subprocess.run(cmd, capture_output=True, text=True)
        seconds = time.perf_counter() - t
        files = len(list((Path(tmp) / "out" / "class").iterdir()))
    print(f"{'students':>9}{'answers':>9}{'seconds':>9}{'ms/student':>12}{'files':>7}  exit")
    print(f"{n:>9}{n * len(RIGHT):>9}{seconds:>9.2f}{1000 * seconds / n:>12.2f}{files:>7}  {result.returncode}")


if __name__ == "__main__":
    main()

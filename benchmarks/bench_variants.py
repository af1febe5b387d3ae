"""Building variants: N sheet + key pairs of the lecture example, as .tex only and as PDF,
with one worker and with one per core (the speed-up from parallelism). Whole processes.

    python benchmarks/bench_variants.py [--count 100] [--pdf-count 100]
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run(count: int, fmt: str, jobs: int) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        cmd = [sys.executable, "-m", "symbackprop", "variants", str(ROOT / "examples" / "lecture_2_2_2.yaml"),
               "--count", str(count), "--seed", "1", "--format", fmt, "--jobs", str(jobs), "-o", tmp]
        start = time.perf_counter()
        subprocess.run(cmd, check=True, capture_output=True)
        return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=100)
    parser.add_argument("--pdf-count", type=int, default=100)
    args = parser.parse_args()
    cores = os.cpu_count() or 1
    print(f"{'format':<7}{'variants':>9}{'1 worker s':>12}{f'{cores} workers s':>14}{'speed-up':>10}")
    for fmt, count in (("tex", args.count), ("pdf", args.pdf_count)):
        one = run(count, fmt, 1)
        many = run(count, fmt, cores)
        print(f"{fmt:<7}{count:>9}{one:>12.1f}{many:>14.1f}{one / many:>9.2f}x")
        sys.stdout.flush()


if __name__ == "__main__":
    main()

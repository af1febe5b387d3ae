"""The JSON output of a large network: `symbackprop solve SPEC --format json -o DIR` for a
100-100-10 sigmoid network (11,110 parameters, a document of about 45 MB), as a whole
process and stage by stage.

    python benchmarks/bench_json.py [--repeat 3]

Prints one table: the whole process (median of --repeat runs, process start included; its
CPU time too, which other work on the machine disturbs less than the wall clock), and
inside one process the stages solve, document (the plain-data tree) and writer (jsonio.dumps,
median of --repeat), with the size and SHA-256 of what was written, so that a faster writer
can be checked to write the same bytes. The subprocess imports the same symbackprop as this
script (PYTHONPATH set to it).
"""
from __future__ import annotations

import argparse
import hashlib
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

import symbackprop
from symbackprop import load_spec
from symbackprop.derive.derivation import solve
from symbackprop.io.jsonio import dumps
from symbackprop.render.document import solution_document

SIZES = (100, 100, 10)


def spec_data(sizes=SIZES) -> dict:
    """Sigmoid layers with xavier weights and uniform biases (fixed seeds), one example."""
    layers = [{"units": u, "activation": "sigmoid", "weights": {"init": "xavier", "seed": l},
               "bias": {"init": "uniform", "range": [-0.1, 0.1], "seed": l}}
              for l, u in enumerate(sizes[1:])]
    return {"title": "bench " + "-".join(map(str, sizes)),
            "inputs": [round(0.01 * (j % 10), 2) for j in range(sizes[0])],
            "targets": [0.5] * sizes[-1], "layers": layers}


def timed(fn):
    t = time.perf_counter()
    result = fn()
    return time.perf_counter() - t, result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    env = {**os.environ, "PYTHONPATH": str(Path(symbackprop.__file__).resolve().parent.parent)}
    with tempfile.TemporaryDirectory(prefix="bench-json-") as tmp:
        spec_path = Path(tmp) / "net_100_100_10.yaml"
        spec_path.write_text(yaml.safe_dump(spec_data(), sort_keys=False))
        out = Path(tmp) / "out"
        cmd = [sys.executable, "-m", "symbackprop", "solve", str(spec_path), "--format", "json",
               "-o", str(out)]
        whole, cpu = [], []
        for _ in range(args.repeat):
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            seconds, _ = timed(lambda: subprocess.run(cmd, check=True, capture_output=True, env=env,
                                                      cwd=tmp))
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            whole.append(seconds)
            cpu.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
        written = (out / "net_100_100_10.json").read_bytes()

        spec = load_spec(spec_path)
        t_solve, solution = timed(lambda: solve(spec))
        t_doc, document = timed(lambda: solution_document(solution))
        writer = []
        for _ in range(args.repeat):
            seconds, text = timed(lambda: dumps(document))
            writer.append(seconds)
    assert text.encode() == written, "the writer alone and the command wrote different bytes"

    print(f"# symbackprop JSON benchmark — {'-'.join(map(str, SIZES))} network, Python "
          f"{platform.python_version()}, {os.cpu_count()} cores, symbackprop from "
          f"{Path(symbackprop.__file__).parent}")
    rows = [
        (f"whole process (median of {args.repeat})", statistics.median(whole)),
        ("  its CPU time, user + system (median)", statistics.median(cpu)),
        ("  in one process: solve", t_solve),
        ("  in one process: document", t_doc),
        (f"  in one process: writer (median of {args.repeat})", statistics.median(writer)),
    ]
    width = max(len(r[0]) for r in rows)
    print(f"{'stage':<{width}}  {'seconds':>8}")
    print("-" * (width + 10))
    for name, seconds in rows:
        print(f"{name:<{width}}  {seconds:>8.2f}")
    print(f"\nwhole-process runs: {', '.join(f'{s:.2f}' for s in whole)} s; load average "
          f"{os.getloadavg()[0]:.2f} (other work on the machine lengthens the wall-clock times)")
    print(f"output: {len(written):,} bytes, sha256 {hashlib.sha256(written).hexdigest()[:16]}…")


if __name__ == "__main__":
    main()

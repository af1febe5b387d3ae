"""Derivation time against network size: symbackprop's chain-rule engine beside the naive
approach (sympy.diff of the nested E for every weight, then substitution).

    python benchmarks/bench_derive.py [--quick]

Prints one table. Each network: sigmoid layers, xavier weights, one example, half_sse.
Times are the best of a few runs (single runs for the big ones); the naive approach is
stopped after a minute per network and extrapolated from the weights it finished.
"""
from __future__ import annotations

import argparse
import os
import platform
import sys
import time

import sympy

from symbackprop import spec_from_dict, solve
from symbackprop.core.model import build_model, parameter_values, symbol

NAIVE_BUDGET = 60.0


def mlp(sizes):
    layers = [{"units": u, "activation": "sigmoid", "weights": {"init": "xavier", "seed": l},
               "bias": {"init": "uniform", "range": [-0.1, 0.1], "seed": l}}
              for l, u in enumerate(sizes[1:])]
    return spec_from_dict({"inputs": [round(0.01 * (j % 10), 2) for j in range(sizes[0])],
                           "targets": [0.5] * sizes[-1], "layers": layers}, "bench")


def best(fn, repeat):
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def naive(spec, budget):
    """sympy.diff of the whole nested E for each parameter; (seconds, done, total)."""
    start = time.perf_counter()
    model = build_model(spec)
    E = model.error_expression()
    subs = {symbol(k): sympy.Rational(str(v)) for k, v in
            {**model.constants(), **parameter_values(spec)}.items()}
    done = 0
    for p in model.params:
        sympy.N(sympy.diff(E, symbol(p)).xreplace(subs), 30)
        done += 1
        if time.perf_counter() - start > budget:
            break
    return time.perf_counter() - start, done, len(model.params)


def lecture_end_to_end(repeat: int = 5) -> float:
    """The whole command on the lecture example, as a user runs it (process start included)."""
    import subprocess
    from pathlib import Path
    spec = Path(__file__).resolve().parent.parent / "examples" / "lecture_2_2_2.yaml"
    cmd = [sys.executable, "-m", "symbackprop", "solve", str(spec), "--format", "json"]
    return best(lambda: subprocess.run(cmd, check=True, capture_output=True), repeat)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="small networks only, no naive runs")
    args = parser.parse_args()
    sizes = [(2, 2, 2), (4, 4, 4, 2), (10, 10, 2), (20, 20, 5), (50, 50, 10), (100, 50, 10),
             (100, 100, 10)]
    if args.quick:
        sizes = sizes[:4]
    print(f"# symbackprop derivation benchmark — Python {platform.python_version()}, "
          f"{os.cpu_count()} cores, sympy {sympy.__version__}")
    header = (f"{'network':<14}{'params':>8}{'paths=auto s':>14}{'paths=none s':>14}"
              f"{'µs/param (none)':>17}{'naive sympy.diff s':>22}")
    print(header)
    print("-" * len(header))
    naive_gave_up = args.quick
    for s in sizes:
        spec = mlp(s)
        n = len(build_model(spec).params)
        repeat = 5 if n < 1000 else 1
        t_auto = best(lambda: solve(spec, paths="auto"), repeat)
        t_none = best(lambda: solve(spec, paths="none"), repeat)
        if naive_gave_up:
            naive_text = "—"
        else:
            seconds, done, total = naive(spec, NAIVE_BUDGET)
            if done == total:
                naive_text = f"{seconds:.3f}"
            else:
                naive_text = f"> {NAIVE_BUDGET:.0f} (~{seconds / done * total:.0f} est.)"
                naive_gave_up = True
        name = "-".join(map(str, s))
        print(f"{name:<14}{n:>8}{t_auto:>14.3f}{t_none:>14.3f}{t_none / n * 1e6:>17.1f}{naive_text:>22}")
        sys.stdout.flush()
    print(f"\nlecture example, whole `symbackprop solve --format json` process: "
          f"{lecture_end_to_end():.3f} s (best of 5)")


if __name__ == "__main__":
    main()

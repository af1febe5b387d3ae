"""Derivation time with batch normalization: a 20-20-20-5 sigmoid network whose two hidden
layers are normalized over a batch of 8 examples, beside the same network without batch
normalization (issue 15's figure).

    python benchmarks/bench_batch_norm.py [--quick]

Prints one table: the model's size (nodes, edges), the time to build the model and the time
of solve() with paths="auto" (the chains through the batch in delta form: each weight of a
normalized layer has 8·(1 + 3·8) routes per output term) and with paths="none". Best of a
few runs.
"""
from __future__ import annotations

import argparse
import os
import platform
import random
import sys

from symbackprop import solve, spec_from_dict
from symbackprop.core.model import build_model

from bench_derive import best          # the best of a few runs (this folder is on the path)


def network(sizes=(20, 20, 20, 5), examples=8, batch_norm=True):
    rng = random.Random(0)
    layers = []
    for l, units in enumerate(sizes[1:]):
        layer = {"units": units, "activation": "sigmoid", "weights": {"init": "xavier", "seed": l},
                 "bias": {"init": "uniform", "range": [-0.1, 0.1], "seed": l}}
        if batch_norm and l < len(sizes) - 2:
            layer["batch_norm"] = {"gamma": [round(rng.uniform(0.8, 1.2), 2) for _ in range(units)],
                                   "beta": [round(rng.uniform(-0.1, 0.1), 2) for _ in range(units)]}
        layers.append(layer)
    return spec_from_dict({
        "inputs": [[round(rng.uniform(-1, 1), 2) for _ in range(sizes[0])] for _ in range(examples)],
        "targets": [[round(rng.uniform(0.1, 0.9), 2) for _ in range(sizes[-1])] for _ in range(examples)],
        "layers": layers}, "bench")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one run each")
    args = parser.parse_args()
    repeat = 1 if args.quick else 3
    print(f"Python {platform.python_version()}, {platform.machine()}, {os.cpu_count()} CPUs")
    print(f"{'network':<34} {'nodes':>7} {'edges':>7} {'model s':>8} {'solve auto s':>13} {'solve none s':>13}")
    for label, bn in (("20-20-20-5, batch 8, batch norm", True), ("20-20-20-5, batch 8, plain", False)):
        spec = network(batch_norm=bn)
        model = build_model(spec)
        t_model = best(lambda: build_model(spec), repeat)
        t_auto = best(lambda: solve(spec), repeat)
        t_none = best(lambda: solve(spec, paths="none"), repeat)
        print(f"{label:<34} {len(model.nodes):>7} {len(model.edges):>7} {t_model:>8.2f} {t_auto:>13.2f} {t_none:>13.2f}")
    sys.stdout.flush()


if __name__ == "__main__":
    main()

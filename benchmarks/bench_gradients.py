"""The vanishing-gradient figure: `symbackprop gradients` on the two deep sigmoid examples
(9 layers, XOR), as a lecturer runs it — the whole process (start-up, training, the norms after
every epoch, the figure) — and, inside one process, where the time goes: training alone
(`train`), training with the norms measured (`vanishing_gradients`), and drawing the figure.
Best of --repeat runs (this machine is shared).

    python benchmarks/bench_gradients.py [--epochs 300] [--repeat 3]
"""
from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SPECS = [ROOT / "examples" / "deep_sigmoid.yaml", ROOT / "examples" / "deep_sigmoid_residual.yaml"]


def best(repeat: int, work) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return min(times)


def command(epochs: int, fmt: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([sys.executable, "-m", "symbackprop", "gradients", *map(str, SPECS), "--dataset", "xor",
                        "--epochs", str(epochs), "--batch-size", "4", "--lr", "0.5", "--lang", "en",
                        "-o", str(Path(tmp) / f"figure.{fmt}")], check=True, capture_output=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", type=int, default=300)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    from symbackprop import load_spec
    from symbackprop.api import gradients_figure, train, vanishing_gradients
    from symbackprop.numeric.train import TrainConfig
    specs = [load_spec(p) for p in SPECS]
    config = TrainConfig(epochs=args.epochs, batch_size=4, lr=0.5)
    runs = vanishing_gradients(specs, "xor", config, language="en")
    rows = [
        ("symbackprop gradients … -o figure.png (process)", best(args.repeat, lambda: command(args.epochs, "png"))),
        ("symbackprop gradients … -o figure.pdf (process)", best(args.repeat, lambda: command(args.epochs, "pdf"))),
        ("train both specs (no norms)", best(args.repeat, lambda: [train(s, "xor", config) for s in specs])),
        ("vanishing_gradients: train + norms every epoch", best(args.repeat, lambda: vanishing_gradients(
            specs, "xor", config, language="en"))),
        ("gradients_figure, png", best(args.repeat, lambda: gradients_figure(runs, "png"))),
        ("gradients_figure, pdf", best(args.repeat, lambda: gradients_figure(runs, "pdf"))),
    ]
    print(f"two 9-layer sigmoid networks, XOR, {args.epochs} epochs of full-batch SGD, best of {args.repeat}")
    print(f"| {'what':<50} | {'seconds':>8} |")
    print(f"|{'-' * 52}|{'-' * 10}|")
    for what, seconds in rows:
        print(f"| {what:<50} | {seconds:>8.2f} |")


if __name__ == "__main__":
    main()

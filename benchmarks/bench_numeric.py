"""Training-step time (forward, backward, SGD update), float64, one table from one run:
symbackprop's exported NumPy code and its in-memory Network (the same generator's array code,
compiled in memory) beside PyTorch eager (CPU, 2 threads), JAX jit where installed, and a
hand-written vectorized NumPy backprop; and the GFLOP/s reached against a
plain NumPy matmul of the same shapes.

    python benchmarks/bench_numeric.py
"""
from __future__ import annotations

import importlib.util
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from symbackprop import spec_from_dict
from symbackprop.numeric.codegen import Network, export_source

CASES = [((2, 2, 2), 1, "sigmoid", "half_sse"), ((2, 16, 16, 1), 64, "sigmoid", "half_sse"),
         ((784, 128, 10), 128, "tanh", "cross_entropy"), ((784, 512, 512, 10), 256, "tanh", "cross_entropy")]


def make_spec(sizes, hidden, loss):
    layers = []
    for l, units in enumerate(sizes[1:]):
        last = l == len(sizes) - 2
        act = ("softmax" if loss == "cross_entropy" else "sigmoid") if last else hidden
        layers.append({"units": units, "activation": act, "weights": {"init": "xavier", "seed": l},
                       "bias": {"init": "uniform", "range": [-0.1, 0.1], "seed": l}})
    return spec_from_dict({"inputs": [0.0] * sizes[0], "targets": [0.0] * sizes[-1], "layers": layers,
                           "loss": loss, "reduction": "mean"}, "bench")


def timeit(fn, budget=1.0):
    fn()
    runs, start = 0, time.perf_counter()
    while True:
        fn()
        runs += 1
        elapsed = time.perf_counter() - start
        if elapsed > budget and runs >= 5:
            return elapsed / runs


def data(sizes, batch, loss, rng):
    X = rng.normal(size=(batch, sizes[0]))
    if loss == "cross_entropy":
        Y = np.eye(sizes[-1])[rng.integers(0, sizes[-1], batch)]
    else:
        Y = rng.uniform(0, 1, (batch, sizes[-1]))
    return X, Y


def exported(spec, backend="numpy"):
    tmp = Path(tempfile.mkdtemp()) / f"bench_net_{backend}.py"
    tmp.write_text(export_source(spec, backend=backend))
    module_spec = importlib.util.spec_from_file_location(f"bench_net_{backend}", tmp)
    module = importlib.util.module_from_spec(module_spec)
    module_spec.loader.exec_module(module)
    return module


def hand_numpy_step(params, X, Y, hidden, loss, L, lr=0.01):
    """A textbook vectorized backprop, written by hand for these two architectures."""
    acts, A = [X], X
    for l in range(1, L + 1):
        Z = A @ params[f"W{l}"].T + params[f"b{l}"]
        if l < L:
            A = np.tanh(Z) if hidden == "tanh" else 1 / (1 + np.exp(-Z))
        elif loss == "cross_entropy":
            Z = Z - Z.max(axis=1, keepdims=True)
            A = np.exp(Z) / np.exp(Z).sum(axis=1, keepdims=True)
        else:
            A = 1 / (1 + np.exp(-Z))
        acts.append(A)
    N = X.shape[0]
    delta = (A - Y) / N if loss == "cross_entropy" else (A - Y) * A * (1 - A) / N
    for l in range(L, 0, -1):
        gW, gb = delta.T @ acts[l - 1], delta.sum(axis=0)
        if l > 1:
            prev = acts[l - 1]
            dA = delta @ params[f"W{l}"]
            delta = dA * (1 - prev ** 2) if hidden == "tanh" else dA * prev * (1 - prev)
        params[f"W{l}"] -= lr * gW
        params[f"b{l}"] -= lr * gb


def main() -> None:
    rng = np.random.default_rng(0)
    try:
        import torch
        torch.set_num_threads(2)
    except ImportError:
        torch = None
    try:
        import jax  # noqa: F401
        has_jax = True
    except ImportError:
        has_jax = False
    print(f"# float64, batch as shown; times per training step (µs); numpy {np.__version__}"
          + (f", torch {torch.__version__}" if torch else ", torch not installed")
          + (f", jax {__import__('jax').__version__}" if has_jax else ", jax not installed"))
    header = (f"{'network':<16}{'batch':>6}{'symbackprop':>13}{'in memory':>11}{'hand NumPy':>12}{'torch eager':>13}"
              f"{'jax jit':>10}{'vs torch':>9}{'GFLOP/s':>9}{'matmul GFLOP/s':>16}")
    print(header)
    print("-" * len(header))
    for sizes, batch, hidden, loss in CASES:
        spec = make_spec(sizes, hidden, loss)
        module = exported(spec)
        X, Y = data(sizes, batch, loss, rng)
        params = module.initial_params()

        def ours():
            _, grads = module.loss_and_gradients(params, X, Y)
            for k, g in grads.items():
                params[k] -= 0.01 * g

        t_ours = timeit(ours)
        net = Network(spec)
        net_params = net.initial_params()

        def in_memory():
            _, grads = net.loss_and_gradients(net_params, X, Y)
            for k, g in grads.items():
                net_params[k] -= 0.01 * g

        t_net = timeit(in_memory)
        hand_params = {k: v.copy() for k, v in module.initial_params().items()}
        t_hand = timeit(lambda: hand_numpy_step(hand_params, X, Y, hidden, loss, len(sizes) - 1))
        t_torch = None
        if torch is not None:
            P = {k: torch.tensor(v, requires_grad=True) for k, v in module.initial_params().items()}
            Xt, Yt = torch.tensor(X), torch.tensor(Y)
            L = len(sizes) - 1

            def torch_step():
                A = Xt
                for l in range(1, L + 1):
                    Z = A @ P[f"W{l}"].T + P[f"b{l}"]
                    if l < L:
                        A = torch.tanh(Z) if hidden == "tanh" else torch.sigmoid(Z)
                if loss == "cross_entropy":
                    E = -(Yt * torch.log_softmax(Z, dim=1)).sum() / X.shape[0]
                else:
                    E = 0.5 * ((Yt - torch.sigmoid(Z)) ** 2).sum() / X.shape[0]
                E.backward()
                with torch.no_grad():
                    for p in P.values():
                        p -= 0.01 * p.grad
                        p.grad = None

            t_torch = timeit(torch_step)
        t_jax = None
        if has_jax:
            import jax
            jmod = exported(spec, "jax")
            lag = jmod.loss_and_gradients
            step = jax.jit(lambda p, X, Y: {k: p[k] - 0.01 * g for k, g in lag(p, X, Y)[1].items()})
            state = {"p": jmod.initial_params()}
            Xj, Yj = jax.numpy.asarray(X), jax.numpy.asarray(Y)

            def jax_step():
                state["p"] = step(state["p"], Xj, Yj)
                jax.block_until_ready(state["p"])

            t_jax = timeit(jax_step)
        flops = 6 * batch * sum(a * b for a, b in zip(sizes[:-1], sizes[1:]))
        # the same three products per layer as a training step: forward, ∂E/∂W, ∂E/∂x
        mats = [(rng.normal(size=(batch, a)), rng.normal(size=(b, a)), rng.normal(size=(batch, b)))
                for a, b in zip(sizes[:-1], sizes[1:])]
        t_mat = timeit(lambda: [(x @ w.T, d.T @ x, d @ w) for x, w, d in mats])
        name = "-".join(map(str, sizes))
        torch_text = f"{t_torch * 1e6:>13.1f}" if t_torch else f"{'—':>13}"
        ratio = f"{t_torch / t_ours:>8.2f}x" if t_torch else f"{'—':>9}"
        jax_text = f"{t_jax * 1e6:>10.1f}" if t_jax else f"{'—':>10}"
        print(f"{name:<16}{batch:>6}{t_ours * 1e6:>13.1f}{t_net * 1e6:>11.1f}{t_hand * 1e6:>12.1f}{torch_text}{jax_text}{ratio}"
              f"{flops / t_ours / 1e9:>9.2f}{flops / t_mat / 1e9:>16.2f}")
        sys.stdout.flush()


if __name__ == "__main__":
    main()

"""Training plots as PNG bytes: the loss curves, and the gradient norm of every layer
(deck 004's vanishing and exploding gradients, made visible)."""
from __future__ import annotations

import io

__all__ = ["loss_curve_png", "grad_norms_png", "class_chart_png"]


def _figure():
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    return plt


def _png(fig, plt) -> bytes:
    buffer = io.BytesIO()
    fig.tight_layout()
    fig.savefig(buffer, format="png", metadata={"Software": None})
    plt.close(fig)
    return buffer.getvalue()


def loss_curve_png(history, labels: tuple[str, str, str]) -> bytes:
    plt = _figure()
    fig, ax = plt.subplots(figsize=(6, 4), dpi=100)
    epochs = [h[0] for h in history]
    ax.plot(epochs, [h[1] for h in history], label=labels[1])
    if any(h[2] is not None for h in history):
        ax.plot(epochs, [h[2] for h in history], label=labels[2])
    ax.set_xlabel(labels[0])
    ax.set_ylabel(labels[3] if len(labels) > 3 else "E")
    ax.set_yscale("log")
    ax.legend()
    return _png(fig, plt)


def grad_norms_png(norms: dict[int, list[float]], labels: tuple[str, str]) -> bytes:
    plt = _figure()
    fig, ax = plt.subplots(figsize=(6, 4), dpi=100)
    for layer in sorted(norms):
        ax.plot(range(1, len(norms[layer]) + 1), norms[layer], label=f"W[{layer}]")
    ax.set_xlabel(labels[0])
    ax.set_ylabel(labels[1])
    ax.set_yscale("log")
    ax.legend()
    return _png(fig, plt)


def class_chart_png(rows, title: str) -> bytes:
    """A bar chart of how many students got each step right. The title is user text: shown
    as written, never read as mathtext ($...$)."""
    plt = _figure()
    fig, ax = plt.subplots(figsize=(max(6, 0.45 * len(rows) + 2), 4), dpi=100)
    names = [r["name"] for r in rows]
    shares = [100 * r["right"] / r["answered"] if r["answered"] else 0 for r in rows]
    ax.bar(range(len(rows)), shares, color="#2a6fb0")
    ax.set_xticks(range(len(rows)), names, rotation=60, ha="right", fontsize=8)
    ax.set_ylim(0, 100)
    ax.set_ylabel("%")
    ax.set_title(title, parse_math=False)
    return _png(fig, plt)

"""Training plots as PNG bytes: the loss curves, and the gradient norm of every layer
(deck 004's vanishing and exploding gradients, made visible)."""
from __future__ import annotations

import io

__all__ = ["loss_curve_png", "grad_norms_png", "class_chart_png", "vanishing_gradients"]


def _figure():
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    return plt


#: No date, no producer: the same figure gives the same bytes (PNG and PDF).
_METADATA = {"png": {"Software": None}, "pdf": {"Creator": None, "Producer": None, "CreationDate": None}}


def _png(fig, plt, tight: bool = True, fmt: str = "png") -> bytes:
    buffer = io.BytesIO()
    if tight:
        fig.tight_layout()
    fig.savefig(buffer, format=fmt, metadata=_METADATA[fmt])
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


def class_chart_png(rows, title: str, labels: tuple[str, str, str, str] | None = None) -> bytes:
    """Per step, a stacked bar of the students who got it right, who carried an earlier slip
    forward and who slipped there first (the root slips), each part with its count; the rest
    left it blank. ``rows`` are render.class_report.class_steps rows (``name``, ``right``,
    ``carried``, ``root_slips``, ``answered``, ``blank``); ``labels``: right, carried, root
    slip, the y axis. Drawn at 150 dpi. The title and the names are user text: shown as
    written, never read as mathtext ($...$)."""
    plt = _figure()
    labels = labels or ("right", "carried forward", "root slip", "students")
    width = min(40.0, max(7.0, 0.45 * len(rows) + 2.5))
    fig, ax = plt.subplots(figsize=(width, 5.2), dpi=150, layout="constrained")
    x = list(range(len(rows)))
    students = max([r["answered"] + r.get("blank", 0) for r in rows] + [1])
    bottom = [0] * len(rows)
    for key, label, color in (("right", labels[0], "#3a8f4b"), ("carried", labels[1], "#f0a030"),
                              ("root_slips", labels[2], "#c8372d")):
        heights = [r[key] for r in rows]
        bars = ax.bar(x, heights, bottom=bottom, color=color, label=label, width=0.72)
        # the count inside its part, where the part is tall enough to hold it
        ax.bar_label(bars, labels=[str(h) if h and h >= 0.06 * students else "" for h in heights],
                     label_type="center", color="white", fontsize=8, fontweight="bold")
        bottom = [b + h for b, h in zip(bottom, heights)]
    ax.set_xticks(x, [r["name"] for r in rows], rotation=50, ha="right", rotation_mode="anchor",
                  fontsize=9, parse_math=False)
    ax.set_xlim(-0.6, len(rows) - 0.4)
    ax.set_ylim(0, students)
    ax.yaxis.get_major_locator().set_params(integer=True)
    ax.set_ylabel(labels[3], parse_math=False)
    ax.grid(axis="y", color="#dddddd", linewidth=0.6)
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.set_title(title, parse_math=False, fontsize=11)
    legend = fig.legend(loc="outside upper center", ncol=3, frameon=False, fontsize=9)
    for text in legend.get_texts():
        text.set_parse_math(False)
    return _png(fig, plt, tight=False)


def vanishing_gradients(runs, labels: dict[str, str], fmt: str = "png") -> bytes:
    """Deck 004's vanishing-gradient figure, PNG or PDF bytes. Above: ‖∂E/∂W[l]‖ against the
    layer l at initialization, one line per network; below, a panel per network: each
    layer's norm over the epochs (darker: nearer the input), on one shared log scale, so
    the networks compare. ``runs``: :class:`~symbackprop.numeric.gradients.GradientRun` (any
    number: plain, residual, batch-normalized…); ``labels``: title, init, layer, norm, epoch.
    The networks' names are user text, shown as written (never read as mathtext)."""
    plt = _figure()
    n = len(runs)
    import textwrap
    # fixed margins, not a layout engine: constrained layout measured every log-scale tick
    # label several times over and took most of the figure's time
    width = max(7.6, 3.8 * n)
    fig = plt.figure(figsize=(width, 7.4), dpi=100)
    grid = fig.add_gridspec(2, n, height_ratios=(1, 1.15), left=0.9 / width, right=1 - 0.2 / width,
                            top=0.9, bottom=0.07, hspace=0.32, wspace=0.12)
    top = fig.add_subplot(grid[0, :])
    for run in runs:
        layers = range(1, run.layers + 1)
        top.plot(layers, run.norms[0], marker="o", label=run.name)
    top.set_yscale("log")
    top.set_xlabel(labels["layer"])
    top.set_ylabel(labels["norm"])
    top.set_title(labels["init"], fontsize=11)
    top.xaxis.get_major_locator().set_params(integer=True)
    legend = top.legend(fontsize=9)
    for text in legend.get_texts():
        text.set_parse_math(False)
    top.grid(color="#dddddd", linewidth=0.6)
    colours = plt.get_cmap("viridis")
    axes = []
    for i, run in enumerate(runs):
        ax = fig.add_subplot(grid[1, i], sharey=axes[0] if axes else None)
        axes.append(ax)
        for l in range(1, run.layers + 1):
            shade = colours(0.9 * (l - 1) / max(1, run.layers - 1))
            ax.plot(run.epochs, [norms[l - 1] for norms in run.norms], color=shade, linewidth=1.2,
                    label=f"W[{l}]")
        ax.set_yscale("log")
        ax.set_xlabel(labels["epoch"])
        if i == 0:
            ax.set_ylabel(labels["norm"])
        ax.set_title("\n".join(textwrap.wrap(run.name, 40)), fontsize=10, parse_math=False)
        ax.grid(color="#dddddd", linewidth=0.6)
    handles, names = axes[-1].get_legend_handles_labels()
    axes[-1].legend(handles, names, fontsize=7, ncol=2 if len(names) > 5 else 1)
    fig.suptitle(labels["title"], fontsize=12, y=0.975)
    return _png(fig, plt, tight=False, fmt=fmt)

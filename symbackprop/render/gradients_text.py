"""The vanishing-gradient measurements as text (``symbackprop gradients`` prints it) and as
the figure's labels: the runs of :mod:`symbackprop.numeric.gradients`, the words of the
catalogue."""
from __future__ import annotations

from .i18n import say

__all__ = ["gradients_text", "gradients_labels"]


def gradients_labels(language: str) -> dict[str, str]:
    """The figure's words (``render.plots.vanishing_gradients``)."""
    return {"title": say(language, "gradients_title"), "init": say(language, "gradients_init"),
            "layer": say(language, "gradients_layer"), "norm": say(language, "gradients_norm"),
            "epoch": say(language, "train_epoch")}


def gradients_text(runs, language: str) -> str:
    """A heading, a line per network (its loss from start to end, and how much smaller the
    first layer's gradient is than the last's at initialization), then a table: per layer,
    each network's norm at initialization and at the end."""
    config = runs[0].result.config
    lines = [say(language, "gradients_head", epochs=runs[0].epochs[-1], optimizer=config.optimizer,
                 lr=config.lr if config.lr is not None else float(runs[0].result.spec.learning_rate))]
    for n, run in enumerate(runs, start=1):
        first, last = run.norms[0][0], run.norms[0][-1]
        ratio = f"{first / last:.3g}" if last else "—"
        lines.append("  " + say(language, "gradients_run", n=n, name=run.name, start=f"{run.losses[0]:.6g}",
                                end=f"{run.losses[-1]:.6g}", L=run.layers, ratio=ratio))
    head = [say(language, "gradients_layer_col")] + [
        f"({n}) {say(language, col)}" for n in range(1, len(runs) + 1)
        for col in ("gradients_init_col", "gradients_end_col")]
    rows = []
    for l in range(1, max(run.layers for run in runs) + 1):
        row = [str(l)]
        for run in runs:
            row += ([f"{run.norms[0][l - 1]:.3e}", f"{run.norms[-1][l - 1]:.3e}"] if l <= run.layers else ["", ""])
        rows.append(row)
    widths = [max(len(r[i]) for r in [head] + rows) for i in range(len(head))]
    for row in [head] + rows:
        lines.append("  ".join(c.rjust(w) for c, w in zip(row, widths)).rstrip())
    return "\n".join(lines) + "\n"

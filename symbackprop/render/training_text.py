"""Training in words: a trained run's summary and its plots' labels (``symbackprop train``, a
notebook's display), and the vanishing-gradient measurements as text and as the figure's
labels (``symbackprop gradients``), from the words of the catalogue."""
from __future__ import annotations

from .i18n import say

__all__ = ["gradients_text", "gradients_labels", "train_summary", "loss_labels", "grad_norm_labels"]


def train_summary(result, language: str) -> str:
    """The epochs run, the final loss per example (training, validation), early stopping; with
    dropout, that the losses are measured in eval mode."""
    last = result.history[-1]
    validation = f", {say(language, 'train_validation')} {last[2]:.6g}" if last[2] is not None else ""
    stopped = (say(language, "train_stopped", epoch=last[0], best=result.best_epoch)
               if result.stopped_early else say(language, "train_done"))
    eval_mode = (f" ({say(language, 'train_eval_mode')})"
                 if any(layer.dropout is not None for layer in result.spec.layers) else "")
    return say(language, "train_summary", epochs=last[0], loss=f"{last[1]:.6g}{eval_mode}", validation=validation,
               stopped=stopped)


def loss_labels(language: str) -> tuple[str, str, str, str]:
    """The loss plot's words (``render.plots.loss_curve_png``)."""
    return (say(language, "train_epoch"), say(language, "train_train"), say(language, "train_validation"),
            say(language, "train_per_example"))


def grad_norm_labels(language: str) -> tuple[str, str]:
    return say(language, "train_epoch"), say(language, "train_grad_norm")


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

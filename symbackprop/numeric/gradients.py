"""Vanishing gradients, measured (deck 004): the norm of ∂E/∂W[l] of every layer at
initialization and after every epoch of training, for several networks side by side (a deep
sigmoid network, the same with residual blocks, …).

    runs = [gradient_run(spec, data, TrainConfig(epochs=200, optimizer="sgd", lr=0.5))
            for spec in (plain, residual)]
    runs[0].norms[0]        # (‖∂E/∂W[1]‖, …, ‖∂E/∂W[L]‖) at initialization

Each norm is the Frobenius norm of the gradient over the whole training set (every row that
training uses, in one batch, with the spec's loss, reduction and penalties): one number per
layer and epoch that does not depend on how the epoch's mini-batches fell, unlike the largest
mini-batch norm `train` plots. With dropout it is measured in eval mode (no dropout). Any spec
the generated code handles can be a run: a new kind of layer (batch normalization) needs
nothing here.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..spec.reading import Spec
from .codegen import Network
from .train import Dataset, TrainConfig, TrainResult, _with_penalties, train

__all__ = ["GradientRun", "GradientRuns", "gradient_run", "layer_norms"]


@dataclass(frozen=True, repr=False)
class GradientRun:
    """One network's gradient norms: ``norms[t][l - 1]`` is ‖∂E/∂W[l]‖ after ``epochs[t]``
    epochs (0: at initialization); ``losses[t]`` E per example there (the spec's reduction)."""

    name: str
    epochs: tuple[int, ...]
    norms: tuple[tuple[float, ...], ...]
    losses: tuple[float, ...]
    result: TrainResult

    @property
    def layers(self) -> int:
        return len(self.norms[0])

    def __repr__(self) -> str:
        return (f"<GradientRun {self.name!r}: {self.layers} layers, epochs 0-{self.epochs[-1]}, "
                f"‖∂E/∂W[1]‖ = {self.norms[0][0]:.3g} at initialization>")


@dataclass(frozen=True, repr=False)
class GradientRuns:
    """The networks measured together (``api.vanishing_gradients``): a notebook shows their
    figure (``render.display``); ``language`` labels it."""

    runs: tuple[GradientRun, ...]
    language: str

    def __repr__(self) -> str:
        return f"<GradientRuns: {', '.join(repr(r.name) for r in self.runs)}>"


def layer_norms(net: Network, params: dict[str, np.ndarray], X, Y) -> tuple[float, tuple[float, ...]]:
    """(E, (‖∂E/∂W[1]‖, …, ‖∂E/∂W[L]‖)) over the batch X, Y: Frobenius norms, in float64."""
    params = {k: np.asarray(v, dtype=np.float64) for k, v in params.items()}
    if any(layer.dropout is not None for layer in net.spec.layers):
        E, grads = net.loss_and_gradients(params, X, Y, training=False)
    else:
        E, grads = net.loss_and_gradients(params, X, Y)
    return float(E), tuple(float(np.linalg.norm(grads[f"W{l}"])) for l in range(1, len(net.spec.layers) + 1))


def gradient_run(spec: Spec, data: Dataset, config: TrainConfig, name: str | None = None,
                 progress=None) -> GradientRun:
    """Train ``spec`` as :func:`~.train.train` does and measure the gradient norms of every
    layer before the first epoch and after each."""
    net = Network(_with_penalties(spec, config))
    X, Y = np.asarray(data.X, dtype=np.float64), np.asarray(data.Y, dtype=np.float64)
    epochs: list[int] = []
    norms: list[tuple[float, ...]] = []
    losses: list[float] = []

    def observe(epoch: int, params: dict[str, np.ndarray], rows) -> None:
        E, per_layer = layer_norms(net, params, X[rows], Y[rows])
        epochs.append(epoch)
        norms.append(per_layer)
        losses.append(E / (len(rows) if spec.reduction == "sum" else 1))

    result = train(spec, data, config, progress=progress, observe=observe)
    return GradientRun(name or spec.title_in(spec.language) or "network", tuple(epochs), tuple(norms),
                       tuple(losses), result)

"""Training the network for real: mini-batches, the optimizers of deck 004, early stopping.

    data = dataset("xor", spec)                       # or load_csv(path, spec)
    result = train(spec, data, TrainConfig(epochs=2000, optimizer="adam", lr=0.05))
    result.params, result.history, result.grad_norms

Optimizers, as deck 004 writes them (g is the gradient, t counts the steps from 1):
  sgd       θ ← θ − α·g
  momentum  v ← β·v + (1 − β)·g;           θ ← θ − α·v
  rmsprop   v ← β·v + (1 − β)·g²;          θ ← θ − α·g / (√v + ε)
  adam      m ← β₁m + (1 − β₁)g;  v ← β₂v + (1 − β₂)g²;  m̂ = m/(1 − β₁ᵗ);  v̂ = v/(1 − β₂ᵗ);
            θ ← θ − α·m̂ / (√v̂ + ε)
A NaN or an infinity stops training with the step, the layer and the likely cause.

Dropout (a layer's ``dropout``): every step draws fresh masks, one row per example of the
mini-batch, each entry kept with probability 1 − p (:func:`step_masks`, from the run's seed and
the step: the same seed gives the same run); the spec's own mask is the worked example's and is
not used here. The losses in the history are measured in eval mode (``training=False``: no
dropout), as a validation loss is.

Batch normalization (a layer's ``batch_norm``): each step normalizes over its mini-batch (a
mini-batch of one example is skipped) and moves the running statistics as PyTorch does,
running = 0.9·running + 0.1·batch (momentum 0.1; the variance's unbiased, 1/(m − 1)), from
mean 0 and variance 1 (deck 004's algorithm 2, step 3); the reported losses use them (eval mode).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from decimal import Decimal
from pathlib import Path
from typing import Callable

import numpy as np

from ..core.ops import is_one_hot, smooth_labels
from ..errors import SymbackpropError
from .batch_norm import update_running
from .codegen import Network
from ..spec.reading import Regularization, Spec, spec_to_dict
from ..io.textfiles import csv_rows, read_text

__all__ = ["TrainConfig", "Dataset", "TrainResult", "TrainingError", "train", "dataset", "load_csv",
           "step_masks", "DATASETS", "OPTIMIZERS"]

OPTIMIZERS = ("sgd", "momentum", "rmsprop", "adam")
DATASETS = ("xor", "moons", "circles", "sine", "spec")


class TrainingError(SymbackpropError):
    """Training cannot go on (a NaN or an infinity appeared)."""


@dataclass(frozen=True)
class TrainConfig:
    epochs: int = 100
    batch_size: int = 32
    optimizer: str = "sgd"
    lr: float | None = None            # default: the spec's learning rate
    l1: float | None = None
    l2: float | None = None
    early_stopping: int | None = None  # patience in epochs, on the validation loss
    validation: float = 0.0            # share of the data held out
    seed: int = 0
    dtype: str = "float64"
    beta: float = 0.9                  # momentum and RMSProp
    beta1: float = 0.9
    beta2: float = 0.999
    eps: float = 1e-8


@dataclass(frozen=True)
class Dataset:
    name: str
    X: np.ndarray
    Y: np.ndarray


@dataclass(repr=False)
class TrainResult:
    """A trained run; a notebook shows its loss plot (``render.display``)."""
    params: dict[str, np.ndarray]
    history: list[tuple[int, float, float | None]] = field(default_factory=list)   # epoch, E per example: train, validation
    grad_norms: dict[int, list[float]] = field(default_factory=dict)                # layer -> per epoch
    stopped_early: bool = False
    best_epoch: int = 0
    spec: Spec | None = None           # the spec trained (its language labels the plots)
    config: TrainConfig | None = None

    def __repr__(self) -> str:
        last = self.history[-1] if self.history else (0, float("nan"), None)
        optimizer = self.config.optimizer if self.config else "?"
        return f"<TrainResult: {last[0]} epochs, {optimizer}, final loss per example {last[1]:.6g}>"


# ----------------------------------------------------------------------------- data

def _targets(labels: np.ndarray, outputs: int, name: str) -> np.ndarray:
    if outputs == 1:
        return labels.reshape(-1, 1).astype(np.float64)
    if outputs == 2:
        return np.stack([1.0 - labels, labels], axis=1).astype(np.float64)
    raise SymbackpropError(f"dataset {name}: its labels fit a network with 1 or 2 outputs, "
                           f"the spec's has {outputs}")


def dataset(name: str, spec: Spec, *, n: int = 200, seed: int = 0) -> Dataset:
    """Small datasets generated in code (no downloads); ``spec``: the spec's own examples
    (its inputs and targets: one SGD step over them is the worked example's update)."""
    rng = np.random.default_rng(seed)
    inputs = spec.n_inputs
    outputs = spec.layers[-1].units
    if name == "spec":
        X = np.array([[float(v) for v in row] for row in spec.inputs], dtype=np.float64)
        Y = np.array([[float(v) for v in row] for row in spec.targets], dtype=np.float64)
        return Dataset(name, X, Y)   # already smoothed, when the spec smooths its labels
    if name == "sine":
        if inputs != 1 or outputs != 1:
            raise SymbackpropError(f"dataset sine has 1 input and 1 target; the spec's network has "
                                   f"{inputs} input(s) and {outputs} output(s)")
        x = np.linspace(-math.pi, math.pi, n).reshape(-1, 1)
        return Dataset(name, x, np.sin(x))
    if inputs != 2:
        raise SymbackpropError(f"dataset {name} has 2 inputs; the spec's network takes {inputs}")
    if name == "xor":
        X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
        labels = np.array([0.0, 1.0, 1.0, 0.0])
    elif name == "moons":
        half = n // 2
        t = rng.uniform(0, math.pi, half)
        upper = np.stack([np.cos(t), np.sin(t)], axis=1)
        lower = np.stack([1 - np.cos(t), 0.5 - np.sin(t)], axis=1)
        X = np.concatenate([upper, lower]) + rng.normal(0, 0.1, (2 * half, 2))
        labels = np.concatenate([np.zeros(half), np.ones(half)])
    elif name == "circles":
        half = n // 2
        t = rng.uniform(0, 2 * math.pi, 2 * half)
        radius = np.concatenate([np.full(half, 1.0), np.full(half, 0.5)])
        X = np.stack([radius * np.cos(t), radius * np.sin(t)], axis=1) + rng.normal(0, 0.05, (2 * half, 2))
        labels = np.concatenate([np.zeros(half), np.ones(half)])
    else:
        raise SymbackpropError(f"unknown dataset {name!r}: expected one of {', '.join(DATASETS)}")
    return Dataset(name, X, _smoothed(_targets(labels, outputs, name), spec, name))


def _smoothed(Y: np.ndarray, spec: Spec, where: str, first_line: int | None = None) -> np.ndarray:
    """The targets smoothed as the spec's ``label_smoothing`` asks (deck 004: each 1 becomes
    1 − ε, each 0 ε/(K − 1), by :func:`smooth_labels`); each row must be one-hot."""
    if spec.label_smoothing is None:
        return Y
    eps = float(spec.label_smoothing)
    out = []
    for n, row in enumerate(Y):
        if not is_one_hot(tuple(row)):
            place = f"{where}: line {first_line + n}" if first_line is not None else f"dataset {where}"
            raise SymbackpropError(f"{place}: label_smoothing needs one-hot targets (a single 1, the rest 0), "
                                   f"found {list(row)}")
        out.append(smooth_labels(tuple(row), eps))
    return np.array(out, dtype=np.float64)


#: The largest training CSV read (a documented limit).
TRAIN_CSV_BYTES = 50_000_000


def load_csv(path: str | Path, spec: Spec) -> Dataset:
    """A CSV with a header: columns named y…, t… or target… are targets, the others inputs."""
    path = Path(path)
    rows = [r for r in csv_rows(read_text(path, limit=TRAIN_CSV_BYTES), str(path)) if any(c.strip() for c in r)]
    if len(rows) < 2:
        raise SymbackpropError(f"{path}: expected a header and at least one row")
    header = [h.strip().lower() for h in rows[0]]
    is_target = [h.startswith(("y", "t")) for h in header]
    n_in, n_out = is_target.count(False), is_target.count(True)
    if n_in != spec.n_inputs or n_out != spec.layers[-1].units:
        raise SymbackpropError(f"{path}: line 1: expected {spec.n_inputs} input and "
                               f"{spec.layers[-1].units} target column(s) (targets named y…, t…), "
                               f"found {n_in} and {n_out}")
    X, Y = [], []
    for n, row in enumerate(rows[1:], start=2):
        if len(row) != len(header):
            raise SymbackpropError(f"{path}: line {n}: expected {len(header)} columns, found {len(row)}")
        try:
            values = [float(c.replace(",", ".")) for c in row]
        except ValueError:
            raise SymbackpropError(f"{path}: line {n}: expected numbers, found {row!r}") from None
        if not all(math.isfinite(v) for v in values):
            raise SymbackpropError(f"{path}: line {n}: expected finite numbers")
        X.append([v for v, t in zip(values, is_target) if not t])
        Y.append([v for v, t in zip(values, is_target) if t])
    return Dataset(path.stem, np.array(X), _smoothed(np.array(Y), spec, str(path), first_line=2))


# ----------------------------------------------------------------------------- training

def _with_penalties(spec: Spec, config: TrainConfig) -> Spec:
    if config.l1 is None and config.l2 is None:
        return spec
    reg = spec.regularization
    return replace(spec, regularization=Regularization(
        l1=Decimal(repr(config.l1)) if config.l1 is not None else reg.l1,
        l2=Decimal(repr(config.l2)) if config.l2 is not None else reg.l2,
        include_biases=reg.include_biases))


def step_masks(spec: Spec, seed: int, step: int, n: int, dtype=np.float64) -> dict[int, np.ndarray] | None:
    """The dropout masks of one training step (numbered from 1) for a mini-batch of ``n``
    examples: {layer: an (n, units) array of 0/1, each entry 1 with probability 1 − p}, drawn
    from (seed, step, layer), so a run is reproducible and each step, example and layer gets
    its own; None when the spec has no dropout."""
    masks = {}
    for l, layer in enumerate(spec.layers, start=1):
        if layer.dropout is not None:
            rng = np.random.default_rng([seed, step, l])
            masks[l] = (rng.random((n, layer.units)) >= float(layer.dropout.rate)).astype(dtype)
    return masks or None


def train(spec: Spec, data: Dataset, config: TrainConfig,
          progress: Callable[[int, int, float], None] | None = None,
          observe: Callable[[int, dict[str, np.ndarray], np.ndarray], None] | None = None) -> TrainResult:
    """Train ``spec`` on ``data``. ``progress(epoch, epochs, loss)`` after each epoch;
    ``observe(epoch, params, train_idx)`` before the first (epoch 0: the initial parameters)
    and after each, with the rows of ``data`` trained on (the vanishing-gradient figure
    measures the gradient there, :mod:`.gradients`); it must not keep or change ``params``."""
    # Overflow is not warned about: a non-finite loss or gradient stops training with a message.
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        return _train(spec, data, config, progress, observe)


def _train(spec: Spec, data: Dataset, config: TrainConfig, progress, observe) -> TrainResult:
    if config.optimizer not in OPTIMIZERS:
        raise SymbackpropError(f"unknown optimizer {config.optimizer!r}: expected one of {', '.join(OPTIMIZERS)}")
    spec = _with_penalties(spec, config)
    net = Network(spec)
    dropout = any(layer.dropout is not None for layer in spec.layers)
    normalized = any(layer.batch_norm is not None for layer in spec.layers)
    # the losses reported are measured in eval mode: without dropout, with batch normalization's
    # running statistics
    evaluate = ((lambda P, X_, Y_: net.loss_and_gradients(P, X_, Y_, training=False)) if dropout or normalized
                else net.loss_and_gradients)
    dtype = np.float32 if config.dtype == "float32" else np.float64
    params = {k: v.astype(dtype) for k, v in net.initial_params().items()}
    if not spec.update_biases:
        frozen = {k for k in params if k.startswith("b") and not k.startswith("beta")}
    else:
        frozen = set()
    rng = np.random.default_rng(config.seed)
    order = rng.permutation(len(data.X))
    n_val = int(round(config.validation * len(order)))
    val_idx, train_idx = order[:n_val], order[n_val:]
    X, Y = data.X.astype(dtype), data.Y.astype(dtype)
    lr = config.lr if config.lr is not None else float(spec.learning_rate)
    state: dict[str, dict[str, np.ndarray]] = {k: {"m": np.zeros_like(v), "v": np.zeros_like(v)} for k, v in params.items()}
    result = TrainResult(params=params, spec=spec, config=config)
    best = (math.inf, params, 0)
    waited = 0
    t = 0
    if observe:
        observe(0, params, train_idx)
    for epoch in range(1, config.epochs + 1):
        shuffled = rng.permutation(train_idx)
        norms: dict[int, float] = {}
        for start in range(0, len(shuffled), config.batch_size):
            idx = shuffled[start:start + config.batch_size]
            if normalized and len(idx) < 2:
                continue        # batch statistics need 2 examples (nn.BatchNorm1d refuses 1 too)
            t += 1
            extra = {"masks": step_masks(spec, config.seed, t, len(idx), dtype)} if dropout else {}
            stats: dict = {}
            if normalized:
                extra["stats"] = stats
            loss, grads = net.loss_and_gradients(params, X[idx], Y[idx], **extra)
            update_running(params, stats)
            _check_finite(loss, grads, t, lr)
            for k, g in grads.items():
                if k in frozen:
                    continue
                params[k] = (params[k] - _step(config, state[k], g, lr, t)).astype(dtype)
            for k, g in grads.items():
                if k.startswith("W"):
                    layer = int(k[1:])
                    norms[layer] = max(norms.get(layer, 0.0), float(np.linalg.norm(g)))
        # the history is per example, so training and validation sets of any size compare
        train_loss = evaluate(params, X[train_idx], Y[train_idx])[0] / _count(spec, train_idx)
        val_loss = evaluate(params, X[val_idx], Y[val_idx])[0] / _count(spec, val_idx) if n_val else None
        if not math.isfinite(train_loss):
            raise TrainingError(f"epoch {epoch}: the loss is {train_loss}; the learning rate ({lr}) is "
                                "probably too high (exploding gradients)")
        result.history.append((epoch, float(train_loss), None if val_loss is None else float(val_loss)))
        for layer, norm in norms.items():
            result.grad_norms.setdefault(layer, []).append(norm)
        if progress:
            progress(epoch, config.epochs, float(train_loss))
        if observe:
            observe(epoch, params, train_idx)
        watched = val_loss if val_loss is not None else train_loss
        if watched < best[0]:
            best = (watched, {k: v.copy() for k, v in params.items()}, epoch)
            waited = 0
        else:
            waited += 1
            if config.early_stopping and waited >= config.early_stopping:
                result.stopped_early = True
                break
    result.params = best[1] if result.stopped_early else params
    result.best_epoch = best[2]
    return result


def _count(spec: Spec, idx) -> int:
    return len(idx) if spec.reduction == "sum" else 1


def _step(config: TrainConfig, s: dict[str, np.ndarray], g: np.ndarray, lr: float, t: int) -> np.ndarray:
    if config.optimizer == "sgd":
        return lr * g
    if config.optimizer == "momentum":
        s["m"] = config.beta * s["m"] + (1 - config.beta) * g
        return lr * s["m"]
    if config.optimizer == "rmsprop":
        s["v"] = config.beta * s["v"] + (1 - config.beta) * g * g
        return lr * g / (np.sqrt(s["v"]) + config.eps)
    s["m"] = config.beta1 * s["m"] + (1 - config.beta1) * g
    s["v"] = config.beta2 * s["v"] + (1 - config.beta2) * g * g
    m_hat = s["m"] / (1 - config.beta1 ** t)
    v_hat = s["v"] / (1 - config.beta2 ** t)
    return lr * m_hat / (np.sqrt(v_hat) + config.eps)


def _check_finite(loss: float, grads: dict[str, np.ndarray], step: int, lr: float) -> None:
    if math.isfinite(loss) and all(np.all(np.isfinite(g)) for g in grads.values()):
        return
    bad = next((k for k, g in grads.items() if not np.all(np.isfinite(g))), None)
    where = f"the gradient of {bad} (layer {bad[1:]})" if bad else "the loss"
    raise TrainingError(f"step {step}: {where} is not finite (NaN or infinity); the learning rate "
                        f"({lr}) is probably too high: exploding gradients")


def trained_spec(spec: Spec, params: dict[str, np.ndarray]) -> dict:
    """The spec as a plain dict (the one serializer, ``spec_to_dict``) with the trained
    parameters in place of the initial ones, so `solve` can derive it; everything else
    (labels, steps, notation, ...) is kept. Each float is written as its shortest repr."""
    def number(v) -> Decimal:
        return Decimal(repr(float(v)))

    layers = []
    for l, layer in enumerate(spec.layers, start=1):
        weights = tuple(tuple(number(v) for v in row) for row in params[f"W{l}"])
        bias = layer.bias
        b = params.get(f"b{l}")
        if b is not None:
            bias = number(b) if b.ndim == 0 else tuple(number(v) for v in b)
        bn = layer.batch_norm
        if bn is not None:
            bn = replace(bn, gamma=tuple(number(v) for v in params[f"gamma{l}"]),
                         beta=tuple(number(v) for v in params[f"beta{l}"]))
        layers.append(replace(layer, weights=weights, bias=bias, batch_norm=bn))
    return spec_to_dict(replace(spec, layers=tuple(layers)))

"""Network specs: frozen, typed dataclasses, loaded from YAML or a dict, fully validated.

A spec describes one network, its data, its loss and its training settings (the keys are
documented in the README). Every problem is a :class:`SpecError` of one line naming the
file, the place (``layers[1].weights[0]``), what was expected and what was found. Numbers
become exact :class:`~decimal.Decimal` values (0.1 stays 0.1).

    spec = load_spec("examples/lecture_2_2_2.yaml")
    spec = spec_from_dict({...}, source="<api>")
"""
from __future__ import annotations

import difflib
import math
import random
import re
from dataclasses import dataclass, replace
from datetime import date as _date, datetime as _datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from ..core import ids
from ..errors import SpecError
from ..core.exact import exact, round_to, to_decimal
from ..core.ops import ACTIVATION_NAMES, LOSS_NAMES, ACTIVATIONS as _RULES, is_one_hot, smooth_labels
from ..io.yamlload import load_yaml

__all__ = [
    "Spec", "Layer", "Dropout", "Residual", "BatchNorm", "Regularization", "load_spec", "spec_from_dict", "spec_from_text",
    "ACTIVATIONS", "LOSSES", "LIMITS", "spec_to_dict", "TITLE_PAGE_KEYS", "with_title_page",
]

# The names come from the table of operations: a new activation or loss is an entry there.
ACTIVATIONS = ACTIVATION_NAMES
LOSSES = LOSS_NAMES
REFUSED_ACTIVATIONS = {
    "step": "the step function is not differentiable: its derivative is 0 everywhere except "
            "at 0, where it does not exist, so no error can flow back through it "
            "(use sigmoid, its smooth version)",
    "heaviside": "the step function is not differentiable (use sigmoid, its smooth version)",
}

#: Documented limits; larger specs are refused before any work is done.
LIMITS = {
    "layers": 64,
    "units": 4096,
    "examples": 10_000,
    "steps": 10_000,
    "decimals": 12,
    "parameters": 2_000_000,
    "magnitude": Decimal("1e12"),
    "label_length": 80,
    # The exact derivation (solve, check, the layer view): parameters × examples × steps.
    "derivation": 250_000,
}

#: The title page's optional fields (shown on the slides' title page and the sheets' head):
#: each a string, or one per language ({es: "Redes neuronales", en: "Neural networks"}).
TITLE_PAGE_KEYS = ("author", "course", "institution", "date")
TOP_KEYS = ("title", *TITLE_PAGE_KEYS, "language", "notation", "decimals", "inputs", "targets", "layers",
            "loss", "reduction", "regularization", "learning_rate", "labels",
            "update_biases", "steps", "label_smoothing")
LAYER_KEYS = ("units", "activation", "slope", "weights", "bias", "dropout", "residual", "batch_norm")
DROPOUT_KEYS = ("rate", "mask", "seed")
RESIDUAL_KEYS = ("from", "weights")
BATCH_NORM_KEYS = ("gamma", "beta", "epsilon")
INIT_KEYS = ("init", "seed", "range", "decimals", "shared")
WEIGHT_INITS = ("xavier", "he", "uniform", "zeros")
BIAS_INITS = ("zeros", "uniform")


@dataclass(frozen=True)
class Dropout:
    """Inverted dropout on a layer's outputs (deck 004; PyTorch's ``nn.Dropout`` in training):
    the rate p (0 <= p < 1) and one mask row per example (entries 0/1, one per unit). A worked
    example states its mask; ``seed`` draws it instead (each entry kept with probability
    1 − p, reproducibly). ``per_example``: the spec wrote one mask row per example."""

    rate: Decimal
    masks: tuple[tuple[int, ...], ...]
    seed: int | None = None
    per_example: bool = False

    @property
    def scale(self) -> Decimal:
        """1/(1 − p), the factor of a kept neuron (exact at the working precision)."""
        with exact():
            return 1 / (1 - self.rate)

    def mask(self, example: int | None) -> tuple[int, ...]:
        """The mask of one example (numbered from 1; None when the spec has one example)."""
        return self.masks[(example or 1) - 1]


def dropout_masks(rate: Decimal, seed: int, units: int, examples: int, index: int) -> tuple[tuple[int, ...], ...]:
    """Masks drawn from ``seed``: each entry 1 with probability 1 − rate, one row per example.
    Python's Mersenne Twister is reproducible across versions; the layer index is mixed in as
    for the initializers, so one seed gives different masks in different layers."""
    generator = random.Random(seed * 1_000_003 + index)
    p = float(rate)
    return tuple(tuple(int(generator.random() >= p) for _ in range(units)) for _ in range(examples))


@dataclass(frozen=True)
class Residual:
    """A shortcut (deck 004's residual block, H(x) = F(x) + x): the layer's output is its
    activation plus the output of the earlier layer ``source`` (0 = the inputs x, 1 = the
    first hidden layer, …), h = a + x: the sum comes after the layer's activation, so that
    ∂H/∂x = ∂F/∂x + 1 exactly as the deck writes it. ``weights``: a projection W_s (units ×
    the earlier layer's width, the deck's "bloque convolucional"), h = a + W_s·x, when the
    widths differ; None for the identity."""

    source: int
    weights: tuple[tuple[Decimal, ...], ...] | None = None


@dataclass(frozen=True)
class BatchNorm:
    """Batch normalization of the layer's weighted sums before its activation (deck 004's
    algorithm 1; PyTorch's ``nn.BatchNorm1d`` in training mode, affine): over the batch,
    μ_B = (1/m) Σ z, σ²_B = (1/m) Σ (z − μ_B)² (the biased variance), x̂ = (z − μ_B)/√(σ²_B + ε),
    y = γ ⊙ x̂ + β, and a = g(y). γ and β (one per unit) are trainable parameters."""

    gamma: tuple[Decimal, ...]
    beta: tuple[Decimal, ...]
    epsilon: Decimal = Decimal("0.00001")


@dataclass(frozen=True)
class Layer:
    units: int
    activation: str
    weights: tuple[tuple[Decimal, ...], ...]   # weights[i][j]: to neuron i from neuron j
    bias: Decimal | tuple[Decimal, ...] | None  # shared, per neuron, or none
    slope: Decimal | None = None                # leaky_relu's slope for z < 0
    dropout: Dropout | None = None              # inverted dropout on the layer's outputs
    residual: Residual | None = None            # a shortcut from an earlier layer's output
    batch_norm: BatchNorm | None = None         # batch normalization of z before the activation

    @property
    def shared_bias(self) -> bool:
        return isinstance(self.bias, Decimal)


@dataclass(frozen=True)
class Regularization:
    l1: Decimal | None = None
    l2: Decimal | None = None
    include_biases: bool = False

    @property
    def active(self) -> bool:
        return self.l1 is not None or self.l2 is not None


@dataclass(frozen=True)
class Spec:
    title: str                                 # in the spec's language
    language: str
    notation: str
    decimals: int
    inputs: tuple[tuple[Decimal, ...], ...]    # one row per example
    targets: tuple[tuple[Decimal, ...], ...]
    layers: tuple[Layer, ...]
    loss: str
    reduction: str
    regularization: Regularization
    learning_rate: Decimal
    labels: tuple[tuple[str, str], ...]        # (canonical id, LaTeX label), in spec order
    update_biases: bool
    steps: int
    batch: bool                                # inputs were given as a list of examples
    source: str = "<spec>"
    titles: tuple[tuple[str, str], ...] = ()   # (language, title) when given per language
    # The title page's fields, each ((language, text), ...); language "" for one text in
    # every language; () when the spec leaves the field out.
    author: tuple[tuple[str, str], ...] = ()
    course: tuple[tuple[str, str], ...] = ()
    institution: tuple[tuple[str, str], ...] = ()
    date: tuple[tuple[str, str], ...] = ()
    # Label smoothing (deck 004): ε, and the one-hot rows the spec gave; ``targets`` then holds
    # the smoothed rows, which every part uses (the loss, the checker, the export, training).
    label_smoothing: Decimal | None = None
    one_hot: tuple[tuple[Decimal, ...], ...] = ()

    def title_in(self, language: str) -> str:
        """The title in ``language`` when the spec gives one, else its only title."""
        return dict(self.titles).get(language, self.title)

    def title_page_in(self, language: str) -> dict[str, str]:
        """{key: text} of the title page's fields the spec gives (author, course, institution,
        date, in that order), each in ``language`` when given per language, else in the spec's
        language, else the first given."""
        out = {}
        for key in TITLE_PAGE_KEYS:
            texts = dict(getattr(self, key))
            if texts:
                out[key] = texts.get(language, texts.get("", texts.get(self.language,
                                                                         next(iter(texts.values())))))
        return out

    @property
    def n_inputs(self) -> int:
        return len(self.inputs[0])

    @property
    def n_examples(self) -> int:
        return len(self.inputs)

    @property
    def n_parameters(self) -> int:
        return sum(l.units * len(l.weights[0]) + (0 if l.bias is None else
                   (1 if isinstance(l.bias, Decimal) else l.units))
                   + (2 * l.units if l.batch_norm is not None else 0) for l in self.layers)

    def require_derivable(self) -> None:
        """Refuse, before any work, a spec too large for the exact derivation."""
        size = self.n_parameters * self.n_examples * self.steps
        if size > LIMITS["derivation"]:
            raise SpecError(self.source, "layers", (
                f"the exact derivation is made for at most {LIMITS['derivation']:,} parameters × examples "
                f"× steps; this spec has {self.n_parameters:,} × {self.n_examples:,} × {self.steps:,} = "
                f"{size:,} (for numeric gradients of large networks use symbackprop export or train)"))

    #: a layer option that some parts do not handle yet: its words and the parts that do
    _NOT_YET = {"dropout": ("dropout", "solve's network view and check do"),
                "residual": ("residual blocks", "solve's network view, export and train do"),
                "batch_norm": ("batch normalization", "solve's network view, check, export and train do")}

    def refuse(self, option: str, what: str) -> None:
        """Refuse, in one line naming the layer, a part that does not handle the layer option
        ``option`` ("dropout", "residual", "batch_norm") yet, rather than give numbers without it."""
        words, who = self._NOT_YET[option]
        for index, layer in enumerate(self.layers):
            if getattr(layer, option) is not None:
                raise SpecError(self.source, f"layers[{index}].{option}",
                                f"{what} does not handle {words} yet ({who})")

    def with_parameters(self, layers: tuple[Layer, ...]) -> "Spec":
        """The same spec with other parameter values (used after an update step)."""
        return replace(self, layers=layers)


# ----------------------------------------------------------------------------- loading

def load_spec(path: str | Path) -> Spec:
    from ..io.textfiles import read_text
    from ..io.yamlload import YAML_LIMITS

    def refuse(message: str):         # read_text says "PATH: what"; a SpecError keeps PATH apart
        return SpecError(str(path), "", message[len(str(Path(path))) + 2:])
    return spec_from_text(read_text(path, refuse, YAML_LIMITS["bytes"]), str(path))


def spec_from_text(text: str, source: str = "<text>") -> Spec:
    data = load_yaml(text, source)
    return spec_from_dict(data, source)


def spec_from_dict(data: Any, source: str = "<dict>") -> Spec:
    return _Reader(source).spec(data)


def with_title_page(spec: Spec, source: str | None = None, **fields: str | None) -> Spec:
    """The spec with title-page fields (author, course, institution, date) replaced: a text
    for every language, "" to leave the field out, None to keep the spec's. A wrong value is
    refused as in a spec, naming ``source`` (default: the spec's) and the field."""
    reader = _Reader(source or spec.source)
    changes = {}
    for key, value in fields.items():
        if key not in TITLE_PAGE_KEYS:
            raise TypeError(f"with_title_page: unknown field {key!r}; expected one of {', '.join(TITLE_PAGE_KEYS)}")
        if value is not None:
            changes[key] = () if value == "" else reader.title_page_field(value, key)
    return replace(spec, **changes) if changes else spec


# ----------------------------------------------------------------------------- reading

def _describe(value: Any) -> str:
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if value is None:
        return "nothing (null)"
    if isinstance(value, str):
        shown = value if len(value) <= 30 else value[:27] + "..."
        return f"the string {shown!r}"
    if isinstance(value, (int, float)):
        return f"the number {value!r}"
    if isinstance(value, list):
        return f"a list of {len(value)}"
    if isinstance(value, dict):
        return "a mapping"
    return f"a {type(value).__name__}"


def _closest(word: str, options) -> str:
    near = difflib.get_close_matches(str(word), list(options), n=1)
    return f" (did you mean {near[0]!r}?)" if near else ""


class _Reader:
    """Reads one spec, keeping the file name for every error."""

    def __init__(self, source: str):
        self.source = source

    def fail(self, where: str, message: str):
        raise SpecError(self.source, where, message)

    # --- scalars
    def number(self, value: Any, where: str, *, positive: bool = False,
               nonnegative: bool = False) -> Decimal:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            self.fail(where, f"expected a number, found {_describe(value)}")
        if isinstance(value, float) and not math.isfinite(value):
            self.fail(where, f"expected a finite number, found {value!r}")
        d = to_decimal(value)
        if abs(d) > LIMITS["magnitude"]:
            self.fail(where, f"expected a number of magnitude at most 1e12, found {value!r}")
        if positive and d <= 0:
            self.fail(where, f"expected a positive number, found {value!r}")
        if nonnegative and d < 0:
            self.fail(where, f"expected a number >= 0, found {value!r}")
        return d

    def integer(self, value: Any, where: str, lo: int, hi: int) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            self.fail(where, f"expected a whole number from {lo} to {hi}, found {_describe(value)}")
        if not lo <= value <= hi:
            self.fail(where, f"expected a whole number from {lo} to {hi}, found {value}")
        return value

    def boolean(self, value: Any, where: str) -> bool:
        if not isinstance(value, bool):
            self.fail(where, f"expected true or false, found {_describe(value)}")
        return value

    def title(self, raw: Any, language: str) -> tuple[str, tuple[tuple[str, str], ...]]:
        """A title, or one per language ({es: "Red 2-2-2", en: "2-2-2 network"}): (the title
        in the spec's language, the titles by language)."""
        def text(value: Any, where: str) -> str:
            if not isinstance(value, str):
                self.fail(where, f"expected a string, found {_describe(value)}")
            if len(value) > 200:
                self.fail(where, f"expected at most 200 characters, found {len(value)}")
            return value
        if not isinstance(raw, dict):
            return text(raw, "title"), ()
        if not raw:
            self.fail("title", "expected a title, or one per language (es, en), found an empty mapping")
        titles = []
        for key, value in raw.items():
            if key not in ("es", "en"):
                self.fail(f"title.{key}", f"expected a language, es or en, found {str(key)[:40]!r}")
            titles.append((key, text(value, f"title.{key}")))
        found = dict(titles)
        return found.get(language, titles[0][1]), tuple(titles)

    def title_page_field(self, raw: Any, key: str) -> tuple[tuple[str, str], ...]:
        """One title-page field: a string (one text in every language, stored under "") or
        one per language; ``date`` also takes a YAML date (2025-03-10), kept as written."""
        def text(value: Any, where: str) -> str:
            if key == "date" and isinstance(value, _date) and not isinstance(value, _datetime):
                return value.isoformat()
            if not isinstance(value, str):
                expected = "a string" if "." in where else \
                    "a string or one per language ({es: ..., en: ...})"
                hint = f' (quote it: {where.rpartition(".")[2]}: "{value}")' \
                    if isinstance(value, (int, float, _date)) and not isinstance(value, bool) else ""
                self.fail(where, f"expected {expected}, found {_describe(value)}{hint}")
            if len(value) > 200:
                self.fail(where, f"expected at most 200 characters, found {len(value)}")
            return value
        if not isinstance(raw, dict):
            return (("", text(raw, key)),)
        if not raw:
            self.fail(key, "expected a string, or one per language (es, en), found an empty mapping")
        out = []
        for language, value in raw.items():
            if language not in ("es", "en"):
                self.fail(f"{key}.{language}", f"expected a language, es or en, found {str(language)[:40]!r}")
            out.append((language, text(value, f"{key}.{language}")))
        return tuple(out)

    def choice(self, value: Any, where: str, options) -> str:
        if not isinstance(value, str) or value not in options:
            self.fail(where, f"expected one of {', '.join(options)}, found {_describe(value)}"
                      + (_closest(value, options) if isinstance(value, str) else ""))
        return value

    def mapping(self, value: Any, where: str, keys, what: str) -> dict:
        if not isinstance(value, dict):
            self.fail(where, f"expected a mapping ({what}), found {_describe(value)}")
        for key in value:
            if key not in keys:
                place = f"{where}.{key}" if where else str(key)
                self.fail(place, f"unknown key {key!r}{_closest(key, keys)}; "
                                 f"expected one of {', '.join(keys)}")
        return value

    def vector(self, value: Any, where: str, length: int | None, what: str) -> tuple[Decimal, ...]:
        if not isinstance(value, list):
            self.fail(where, f"expected a list of numbers ({what}), found {_describe(value)}")
        if length is not None and len(value) != length:
            self.fail(where, f"expected a list of {length} numbers ({what}), "
                             f"found a list of {len(value)}")
        if not value:
            self.fail(where, f"expected a non-empty list of numbers ({what}), found an empty list")
        return tuple(self.number(v, f"{where}[{i}]") for i, v in enumerate(value))

    # --- the spec
    def spec(self, data: Any) -> Spec:
        if data is None:
            self.fail("", "the spec is empty; expected a mapping with inputs, targets and layers")
        d = self.mapping(data, "", TOP_KEYS, "the network spec")
        for key in ("inputs", "targets", "layers"):
            if key not in d:
                self.fail(key, f"missing; every spec needs {key}")

        language = self.choice(d.get("language", "es"), "language", ("es", "en"))
        title, titles = self.title(d.get("title", ""), language)
        title_page = {key: self.title_page_field(d[key], key) for key in TITLE_PAGE_KEYS if key in d}
        notation = self.choice(d.get("notation", "layered"), "notation", ("layered", "numbered"))
        decimals = self.integer(d.get("decimals", 5), "decimals", 0, LIMITS["decimals"])

        inputs, batch = self.examples(d["inputs"], "inputs", None)
        n_in = len(inputs[0])
        if n_in > LIMITS["units"]:
            self.fail("inputs[0]", f"expected at most {LIMITS['units']} inputs, found {n_in}")

        layers_raw = d["layers"]
        if not isinstance(layers_raw, list) or not layers_raw:
            self.fail("layers", f"expected a non-empty list of layers, found {_describe(layers_raw)}")
        if len(layers_raw) > LIMITS["layers"]:
            self.fail("layers", f"expected at most {LIMITS['layers']} layers, found {len(layers_raw)}")
        layers = []
        self.count_before_reading(layers_raw, n_in)
        previous = n_in
        widths = [n_in]                 # the width of every earlier layer's output (0: the inputs)
        self.layers_read = layers
        for index, raw in enumerate(layers_raw):
            layer = self.layer(raw, f"layers[{index}]", index, previous, index == len(layers_raw) - 1,
                               len(inputs), tuple(widths))
            layers.append(layer)
            previous = layer.units
            widths.append(layer.units)
        n_params = sum(l.units * len(l.weights[0]) + (0 if l.bias is None else
                       (1 if isinstance(l.bias, Decimal) else l.units)) for l in layers)
        if n_params > LIMITS["parameters"]:
            self.fail("layers", f"expected at most {LIMITS['parameters']} parameters, found {n_params}")

        n_out = layers[-1].units
        targets, t_batch = self.examples(d["targets"], "targets", n_out)
        if len(targets) != len(inputs) or t_batch != batch:
            self.fail("targets", f"expected targets for {len(inputs)} example(s) shaped like inputs, "
                                 f"found {len(targets)}" + ("" if t_batch == batch else
                                 " (one of inputs/targets is a list of lists, the other is not)"))

        smoothing, one_hot = None, ()
        if "label_smoothing" in d:
            smoothing = self.label_smoothing(d["label_smoothing"], targets)
            one_hot = targets
            with exact():
                targets = tuple(smooth_labels(row, smoothing) for row in targets)
        loss = self.choice(d.get("loss", "half_sse"), "loss", LOSSES)
        self.check_loss(loss, layers[-1].activation, targets)
        reduction = self.choice(d.get("reduction", "sum"), "reduction", ("sum", "mean"))
        regularization = self.regularization(d.get("regularization"))
        learning_rate = self.number(d.get("learning_rate", 0.5), "learning_rate", positive=True)
        update_biases = self.boolean(d.get("update_biases", True), "update_biases")
        steps = self.integer(d.get("steps", 1), "steps", 1, LIMITS["steps"])
        labels = self.labels(d.get("labels", {}), layers, n_in)

        return Spec(title=title, titles=titles, language=language, notation=notation, decimals=decimals,
                    inputs=inputs, targets=targets, layers=tuple(layers), loss=loss,
                    reduction=reduction, regularization=regularization,
                    learning_rate=learning_rate, labels=labels, update_biases=update_biases,
                    steps=steps, batch=batch, source=self.source, label_smoothing=smoothing,
                    one_hot=one_hot, **title_page)

    def label_smoothing(self, value: Any, targets) -> Decimal:
        """ε of deck 004's label smoothing: the targets must be one-hot rows of K ≥ 2 classes,
        and 0 < ε < (K − 1)/K (beyond, a 0 would become larger than the 1)."""
        k = len(targets[0])
        if k < 2:
            self.fail("label_smoothing", f"needs targets of 2 classes or more (one-hot), found {k} output")
        eps = self.number(value, "label_smoothing", positive=True)
        if eps * k >= k - 1:
            self.fail("label_smoothing", f"expected a number below (K - 1)/K = {k - 1}/{k} for K = {k} "
                                         f"classes (else a 0 would outgrow the 1), found {value}")
        for n, row in enumerate(targets):
            if not is_one_hot(row):
                place = f"targets[{n}]" if len(targets) > 1 else "targets"
                self.fail(place, "label_smoothing needs one-hot targets (a single 1, the rest 0), found "
                                 f"[{', '.join(str(t) for t in row)}]")
        return eps

    def count_before_reading(self, layers_raw: list, n_in: int) -> None:
        """Refuse too many parameters from the layers' sizes alone, before an initializer
        draws millions of numbers (a five-line spec can ask for 16 million weights)."""
        total, previous = 0, n_in
        for raw in layers_raw:
            units = raw.get("units") if isinstance(raw, dict) else None
            if isinstance(units, bool) or not isinstance(units, int) or not 1 <= units <= LIMITS["units"]:
                return                         # the layer's own reading says what is wrong
            total += units * previous             # weights alone: never more than the real count
            previous = units
        if total > LIMITS["parameters"]:
            self.fail("layers", f"expected at most {LIMITS['parameters']:,} parameters, the layers' sizes "
                                f"give {total:,} weights")

    def examples(self, value: Any, where: str, width: int | None):
        """A flat list is one example; a list of lists is a batch."""
        if isinstance(value, list) and value and all(isinstance(v, list) for v in value):
            if len(value) > LIMITS["examples"]:
                self.fail(where, f"expected at most {LIMITS['examples']} examples, found {len(value)}")
            width = width if width is not None else len(value[0])
            what = "one value per input" if where == "inputs" else "one value per output neuron"
            rows = tuple(self.vector(v, f"{where}[{i}]", width, what) for i, v in enumerate(value))
            return rows, True
        what = "one value per input" if where == "inputs" else "one value per output neuron"
        if isinstance(value, list) and any(isinstance(v, list) for v in value):
            self.fail(where, "expected a list of numbers or a list of lists of numbers, found a mix")
        return (self.vector(value, where, width, what),), False

    def layer(self, raw: Any, where: str, index: int, n_prev: int, is_last: bool,
              examples: int = 1, widths: tuple[int, ...] = ()) -> Layer:
        d = self.mapping(raw, where, LAYER_KEYS, "a layer with units, activation, weights, bias")
        if "units" not in d:
            self.fail(f"{where}.units", "missing; every layer needs its number of units")
        units = self.integer(d["units"], f"{where}.units", 1, LIMITS["units"])
        act_raw = d.get("activation", "sigmoid")
        if isinstance(act_raw, str) and act_raw.lower() in REFUSED_ACTIVATIONS:
            self.fail(f"{where}.activation", f"{act_raw!r} is refused: "
                                             f"{REFUSED_ACTIVATIONS[act_raw.lower()]}")
        activation = self.choice(act_raw, f"{where}.activation", ACTIVATIONS)
        if activation == "softmax" and not is_last:
            self.fail(f"{where}.activation", "softmax is only supported on the output layer")
        slope = None
        rule = _RULES.get(activation)
        if "slope" in d:
            if rule is None or rule.parameter != "slope":
                takes = [name for name, r in _RULES.items() if r.parameter == "slope"]
                self.fail(f"{where}.slope", f"a slope only applies to {', '.join(takes)}, "
                                            f"found activation {activation!r}")
            slope = self.number(d["slope"], f"{where}.slope", nonnegative=True)
        elif rule is not None and rule.parameter == "slope":
            slope = rule.default
        if "weights" not in d:
            self.fail(f"{where}.weights", f"missing; expected {units} rows of {n_prev} numbers "
                                          "or an initializer such as {init: xavier, seed: 0}")
        weights = self.weights(d["weights"], f"{where}.weights", index, units, n_prev)
        bias = self.bias(d.get("bias"), f"{where}.bias", index, units)
        dropout = None
        if "dropout" in d:
            if is_last:
                self.fail(f"{where}.dropout", "dropout applies to hidden layers only (the output layer's "
                                              "activations are the prediction ŷ)")
            dropout = self.dropout(d["dropout"], f"{where}.dropout", index, units, examples)
        residual = None
        if "residual" in d:
            if is_last:
                self.fail(f"{where}.residual", "a shortcut applies to hidden layers only (the output layer's "
                                               "activations are the prediction ŷ)")
            if dropout is not None:
                self.fail(f"{where}.residual", "a layer with dropout cannot also end a residual block "
                                               "(put the shortcut on another layer)")
            residual = self.residual(d["residual"], f"{where}.residual", index, units, widths)
        batch_norm = None
        if "batch_norm" in d:
            if is_last:
                self.fail(f"{where}.batch_norm", "batch normalization applies to hidden layers only "
                                                 "(the output layer's weighted sums give ŷ directly)")
            batch_norm = self.batch_norm(d["batch_norm"], f"{where}.batch_norm", units, examples)
        return Layer(units=units, activation=activation, weights=weights, bias=bias, slope=slope,
                     dropout=dropout, residual=residual, batch_norm=batch_norm)

    def batch_norm(self, raw: Any, where: str, units: int, examples: int) -> BatchNorm:
        """{gamma: [...], beta: [...], epsilon: 1e-5}: γ and β one per unit, ε > 0 (default
        1e-5, PyTorch's); the statistics are the batch's, so it needs two examples or more."""
        d = self.mapping(raw, where, BATCH_NORM_KEYS, "batch normalization such as "
                                                      "{gamma: [1, 1], beta: [0, 0], epsilon: 1e-5}")
        if examples < 2:
            self.fail(where, "batch normalization needs a batch of at least 2 examples (inputs and "
                             f"targets as lists of lists), found {examples} example")
        params = []
        for key, default in (("gamma", "1"), ("beta", "0")):
            if key not in d:
                self.fail(f"{where}.{key}", f"missing; expected {units} numbers (one per unit, "
                                            f"{key} = {default} leaves the normalized value unscaled)")
            params.append(self.vector(d[key], f"{where}.{key}", units, "one value per unit of the layer"))
        epsilon = Decimal("0.00001")
        if "epsilon" in d:
            epsilon = self.number(d["epsilon"], f"{where}.epsilon", positive=True)
        return BatchNorm(params[0], params[1], epsilon)

    def residual(self, raw: Any, where: str, index: int, units: int, widths: tuple[int, ...]) -> Residual:
        """{from: l} (an identity shortcut from layer l's output: 0 = the inputs) or
        {from: l, weights: [[...]]} (a projection W_s when the widths differ)."""
        d = self.mapping(raw, where, RESIDUAL_KEYS, "a shortcut such as {from: 1} "
                                                    "or {from: 0, weights: [[...]]}")
        if "from" not in d:
            self.fail(f"{where}.from", f"missing; expected the earlier layer the shortcut starts at "
                                       f"(0 = the inputs, up to {index})")
        source = self.integer(d["from"], f"{where}.from", 0, index)
        if source > 0 and self.layers_read[source - 1].dropout is not None:
            self.fail(f"{where}.from", f"a shortcut cannot start at layer {source}, which has dropout "
                                       "(not derived yet); start it at a layer without dropout")
        width = widths[source]
        if "weights" not in d:
            if width != units:
                what = "the inputs have" if source == 0 else f"layer {source} has"
                self.fail(f"{where}.from", f"an identity shortcut needs the same width: {what} {width} "
                                           f"units, this layer {units}; give a projection "
                                           f"{{from: {source}, weights: [[...]]}} ({units} rows of {width})")
            return Residual(source)
        raw_w = d["weights"]
        if not isinstance(raw_w, list) or len(raw_w) != units:
            found = _describe(raw_w) if not isinstance(raw_w, list) else f"a list of {len(raw_w)} rows"
            self.fail(f"{where}.weights", f"expected {units} rows (one per neuron of this layer) of {width} "
                                          f"numbers (one per unit of layer {source}), found {found}")
        return Residual(source, tuple(self.vector(row, f"{where}.weights[{i}]", width,
                                                  f"one weight per unit of layer {source}")
                                      for i, row in enumerate(raw_w)))

    def dropout(self, raw: Any, where: str, index: int, units: int, examples: int) -> Dropout:
        """{rate, mask} (a mask of 0/1 per unit, or one such row per example) or {rate, seed}."""
        d = self.mapping(raw, where, DROPOUT_KEYS, "dropout such as {rate: 0.5, mask: [1, 0]} "
                                                   "or {rate: 0.5, seed: 3}")
        if "rate" not in d:
            self.fail(f"{where}.rate", "missing; expected the dropout rate p, 0 <= p < 1")
        rate = self.number(d["rate"], f"{where}.rate", nonnegative=True)
        if rate >= 1:
            self.fail(f"{where}.rate", f"expected a rate p with 0 <= p < 1 (p = 1 drops every neuron), "
                                       f"found {d['rate']!r}")
        if ("mask" in d) == ("seed" in d):
            self.fail(where, "expected either a mask (the worked example's, such as [1, 0]) or a seed "
                             "(the mask drawn from it), found " + ("both" if "mask" in d else "neither"))
        if "seed" in d:
            seed = self.integer(d["seed"], f"{where}.seed", 0, 2**63 - 1)
            return Dropout(rate, dropout_masks(rate, seed, units, examples, index), seed=seed)
        raw_mask = d["mask"]
        per_example = isinstance(raw_mask, list) and bool(raw_mask) and all(isinstance(r, list) for r in raw_mask)
        rows_raw = raw_mask if per_example else [raw_mask]
        if per_example and len(rows_raw) != examples:
            self.fail(f"{where}.mask", f"expected one mask row per example ({examples}), found {len(rows_raw)}")
        masks = []
        for n, row in enumerate(rows_raw):
            place = f"{where}.mask[{n}]" if per_example else f"{where}.mask"
            if not isinstance(row, list):
                self.fail(place, f"expected a list of {units} entries 0 or 1 (one per unit), found {_describe(row)}")
            if len(row) != units:
                self.fail(place, f"expected {units} entries 0 or 1 (one per unit of the layer), "
                                 f"found a list of {len(row)}")
            for i, m in enumerate(row):
                if isinstance(m, bool) or not isinstance(m, (int, float)) or m not in (0, 1):
                    self.fail(f"{place}[{i}]", f"expected 0 (dropped) or 1 (kept), found {_describe(m)}")
            if rate == 0 and 0 in row:
                self.fail(place, "a rate of 0 drops no neuron, so the mask must be all 1s; "
                                 f"found {[int(m) for m in row]}")
            masks.append(tuple(int(m) for m in row))
        if not per_example:
            masks = masks * examples
        return Dropout(rate, tuple(masks), per_example=per_example)

    def weights(self, raw: Any, where: str, index: int, units: int, n_prev: int):
        if isinstance(raw, dict):
            values = self.initialize(raw, where, index, units * n_prev, n_prev, units, WEIGHT_INITS)
            return tuple(tuple(values[i * n_prev:(i + 1) * n_prev]) for i in range(units))
        prev_name = "input" if index == 0 else f"neuron of layers[{index - 1}]"
        if not isinstance(raw, list) or len(raw) != units:
            found = _describe(raw) if not isinstance(raw, list) else f"a list of {len(raw)} rows"
            self.fail(where, f"expected {units} rows (one per neuron of this layer) of {n_prev} "
                             f"numbers (one per {prev_name}), found {found}")
        return tuple(self.vector(row, f"{where}[{i}]", n_prev, f"one weight per {prev_name}")
                     for i, row in enumerate(raw))

    def bias(self, raw: Any, where: str, index: int, units: int):
        if raw is None:
            return None
        if isinstance(raw, dict):
            shared = raw.get("shared", False)
            self.boolean(shared, f"{where}.shared")
            values = self.initialize(raw, where, index, 1 if shared else units, 1, units, BIAS_INITS)
            return values[0] if shared else tuple(values)
        if isinstance(raw, list):
            return self.vector(raw, where, units, "one bias per neuron")
        return self.number(raw, where)

    def initialize(self, raw: dict, where: str, index: int, count: int, fan_in: int,
                   fan_out: int, allowed) -> list[Decimal]:
        d = self.mapping(raw, where, INIT_KEYS, "an initializer such as {init: xavier, seed: 0}")
        if "init" not in d:
            self.fail(f"{where}.init", f"missing; expected one of {', '.join(allowed)}")
        kind = self.choice(d["init"], f"{where}.init", allowed)
        if kind == "zeros":
            return [Decimal(0)] * count
        if "seed" not in d:
            self.fail(f"{where}.seed", "missing; an initializer needs a seed so its values are reproducible")
        seed = self.integer(d["seed"], f"{where}.seed", 0, 2**63 - 1)
        places = self.integer(d["decimals"], f"{where}.decimals", 0, 12) if "decimals" in d else None
        if kind == "uniform":
            rng = d.get("range", [-1, 1])
            if not isinstance(rng, list) or len(rng) != 2:
                self.fail(f"{where}.range", f"expected [low, high], found {_describe(rng)}")
            lo, hi = (self.number(v, f"{where}.range[{i}]") for i, v in enumerate(rng))
            if lo >= hi:
                self.fail(f"{where}.range", f"expected low < high, found [{lo}, {hi}]")
        else:
            if "range" in d:
                self.fail(f"{where}.range", f"a range only applies to init: uniform, found init: {kind}")
            fan = fan_in + fan_out if kind == "xavier" else fan_in
            limit = to_decimal(math.sqrt(6.0 / fan))
            lo, hi = -limit, limit
        # Python's Mersenne Twister is documented as reproducible across versions; the layer
        # index is mixed in so that one seed gives different values in different layers.
        generator = random.Random(seed * 1_000_003 + index)
        out = []
        with exact():
            for _ in range(count):
                value = lo + (hi - lo) * to_decimal(generator.random())
                out.append(round_to(value, places) if places is not None else value)
        return out

    def check_loss(self, loss: str, output_activation: str, targets) -> None:
        if loss in ("binary_cross_entropy", "cross_entropy"):
            if output_activation not in ("sigmoid", "softmax"):
                self.fail("loss", f"{loss} needs outputs between 0 and 1: expected the output layer's "
                                  f"activation to be sigmoid or softmax, found {output_activation}")
            for n, row in enumerate(targets):
                for k, t in enumerate(row):
                    if not 0 <= t <= 1:
                        place = f"targets[{n}][{k}]" if len(targets) > 1 else f"targets[{k}]"
                        self.fail(place, f"{loss} needs targets between 0 and 1, found {t}")

    def regularization(self, raw: Any) -> Regularization:
        if raw is None:
            return Regularization()
        d = self.mapping(raw, "regularization", ("l1", "l2", "include_biases"),
                         "for example {l2: 0.01}")
        l1 = self.number(d["l1"], "regularization.l1", nonnegative=True) if "l1" in d else None
        l2 = self.number(d["l2"], "regularization.l2", nonnegative=True) if "l2" in d else None
        include = self.boolean(d.get("include_biases", False), "regularization.include_biases")
        return Regularization(l1=l1, l2=l2, include_biases=include)

    def labels(self, raw: Any, layers: list[Layer], n_in: int) -> tuple[tuple[str, str], ...]:
        if raw is None:
            return ()
        if not isinstance(raw, dict):
            self.fail("labels", f"expected a mapping from quantity ids to names, found {_describe(raw)}")
        valid = _label_ids(layers, n_in)
        out = []
        for key, label in raw.items():
            where = f"labels.{key}"
            if not isinstance(key, str) or key not in valid:
                self.fail(where, f"unknown quantity {key!r}{_closest(key, sorted(valid))}; "
                                 "expected a canonical id such as w1_1_1, a2_1, b1, E1")
            if not isinstance(label, str) or not label.strip():
                self.fail(where, f"expected a LaTeX math name such as 'w_5', found {_describe(label)}")
            problem = latex_label_problem(label)
            if problem:
                self.fail(where, f"expected a LaTeX math name such as 'w_5' or '\\hat{{y}}_1', {problem}")
            out.append((key, label))
        return tuple(out)


def _label_ids(layers: list[Layer], n_in: int) -> set[str]:
    valid = {"E", "R"}
    valid |= {ids.x(j) for j in range(1, n_in + 1)}
    valid |= {ids.y(k) for k in range(1, layers[-1].units + 1)}
    valid |= {ids.error_term(k) for k in range(1, layers[-1].units + 1)}
    for l, layer in enumerate(layers, start=1):
        for i in range(1, layer.units + 1):
            valid |= {ids.z(l, i), ids.a(l, i)}
            valid |= {ids.w(l, i, j) for j in range(1, len(layer.weights[0]) + 1)}
            if isinstance(layer.bias, tuple):
                valid.add(ids.b(l, i))
        if isinstance(layer.bias, Decimal):
            valid.add(ids.b(l))
    return valid


# Labels reach LaTeX math mode: only a small, harmless vocabulary is accepted.
_LABEL_COMMANDS = {
    "hat", "bar", "tilde", "vec", "dot", "mathrm", "mathit", "mathbf", "text", "textrm",
    "operatorname", "prime", "cdot", "ldots", "_",
    "alpha", "beta", "gamma", "delta", "epsilon", "varepsilon", "zeta", "eta", "theta",
    "iota", "kappa", "lambda", "mu", "nu", "xi", "pi", "rho", "sigma", "tau", "upsilon",
    "phi", "varphi", "chi", "psi", "omega", "Gamma", "Delta", "Theta", "Lambda", "Xi", "Pi",
    "Sigma", "Phi", "Psi", "Omega",
}
_LABEL_CHARS = re.compile(r"[A-Za-z0-9_^{}()\[\],.'+\-\\ ]*")


def latex_label_problem(label: str) -> str | None:
    """Why ``label`` is not an acceptable LaTeX math name, or None when it is."""
    if len(label) > LIMITS["label_length"]:
        return f"found {len(label)} characters (at most {LIMITS['label_length']})"
    if not _LABEL_CHARS.fullmatch(label):
        bad = next(c for c in label if not _LABEL_CHARS.fullmatch(c))
        return f"found the character {bad!r}"
    for command in re.findall(r"\\([A-Za-z]+|.)", label):
        if command not in _LABEL_COMMANDS:
            return f"found the command \\{command}, which is not allowed in a name"
    depth = 0
    for c in label:
        depth += {"{": 1, "}": -1}.get(c, 0)
        if depth < 0:
            return "found a '}' without its '{'"
    if depth:
        return "found a '{' without its '}'"
    if re.search(r"[_^]\s*$", label) or re.search(r"[_^]{2}", label.replace("\\_", "")):
        return "found a dangling _ or ^"
    return None


def spec_to_dict(spec: Spec) -> dict[str, Any]:
    """The spec as plain data that :func:`spec_from_dict` reads back to an equal spec
    (numbers as floats whose shortest repr is the decimal they came from)."""
    def num(v: Decimal) -> float | int:
        return int(v) if v == v.to_integral_value() and abs(v) < 2**53 and "." not in str(v) else float(v)

    layers = []
    for layer in spec.layers:
        entry: dict[str, Any] = {"units": layer.units, "activation": layer.activation,
                                 "weights": [[num(v) for v in row] for row in layer.weights]}
        if layer.slope is not None:
            entry["slope"] = num(layer.slope)
        if layer.dropout is not None:
            drop = layer.dropout
            entry["dropout"] = {"rate": num(drop.rate)} | (
                {"seed": drop.seed} if drop.seed is not None else
                {"mask": [list(r) for r in drop.masks] if drop.per_example else list(drop.masks[0])})
        if layer.residual is not None:
            entry["residual"] = {"from": layer.residual.source} | (
                {} if layer.residual.weights is None else
                {"weights": [[num(v) for v in row] for row in layer.residual.weights]})
        if layer.batch_norm is not None:
            bn = layer.batch_norm
            entry["batch_norm"] = {"gamma": [num(v) for v in bn.gamma], "beta": [num(v) for v in bn.beta],
                                   "epsilon": num(bn.epsilon)}
        if isinstance(layer.bias, Decimal):
            entry["bias"] = num(layer.bias)
        elif layer.bias is not None:
            entry["bias"] = [num(v) for v in layer.bias]
        layers.append(entry)
    rows = lambda m: [[num(v) for v in r] for r in m] if spec.batch else [num(v) for v in m[0]]  # noqa: E731
    out: dict[str, Any] = {"title": dict(spec.titles) if spec.titles else spec.title}
    for key in TITLE_PAGE_KEYS:
        texts = getattr(spec, key)
        if texts:
            out[key] = texts[0][1] if texts[0][0] == "" else dict(texts)
    out |= {"language": spec.language, "notation": spec.notation,
            "decimals": spec.decimals, "inputs": rows(spec.inputs),
            "targets": rows(spec.targets), "layers": layers, "loss": spec.loss,
            "reduction": spec.reduction, "learning_rate": num(spec.learning_rate),
            "update_biases": spec.update_biases, "steps": spec.steps}
    reg = spec.regularization
    if reg.active:
        out["regularization"] = {k: num(v) for k, v in (("l1", reg.l1), ("l2", reg.l2)) if v is not None}
        if reg.include_biases:
            out["regularization"]["include_biases"] = True
    if spec.labels:
        out["labels"] = dict(spec.labels)
    if spec.label_smoothing is not None:
        # the one-hot rows and ε, which smooth to ``targets`` again on reading
        out["targets"] = rows(spec.one_hot)
        out["label_smoothing"] = num(spec.label_smoothing)
    return out

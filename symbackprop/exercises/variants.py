"""Exercise variants: the spec's network with other "nice" numbers, one per student.

    variants = make_variants(spec, count=30, seed=1)
    manifest = manifest_document(spec, variants, seed=1)

Numbers are drawn from Python's ``random.Random`` seeded with a string made of the seed and
the variant number (reproducible across Python versions), rounded to one or two decimals as
on the slides. A draw is kept only when the variant is readable and worth computing: every
gradient asked for shows a non-zero digit at the spec's decimals, no sigmoid or tanh is
saturated, no weighted sum is huge, and no two variants are alike.
"""
from __future__ import annotations

import hashlib
import json
import random
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

from ..derive.derivation import flat_values, solve
from ..errors import SymbackpropError
from ..core.exact import exact, round_to
from ..core.ops import ACTIVATIONS, smooth_labels
from ..spec.reading import Layer, Spec, spec_from_dict, spec_to_dict

__all__ = ["Variant", "VARY", "make_variants", "manifest_document", "variant_hash", "spec_of_variant"]

VARY = ("weights", "biases", "inputs", "targets", "learning_rate")
ATTEMPTS = 500
LARGEST_Z = Decimal(6)


@dataclass(frozen=True)
class Variant:
    number: int               # 1..N
    name: str                 # "variant-07" or the student's id
    spec: Spec


def _draw(rng: random.Random, lo: Decimal, hi: Decimal, places: int, nonzero: bool = True) -> Decimal:
    for _ in range(100):
        value = round_to(lo + (hi - lo) * Decimal(repr(rng.random())), places)
        if lo <= value <= hi and (value != 0 or not nonzero):
            return value
    raise SymbackpropError(f"cannot draw a non-zero number in [{lo}, {hi}] at {places} decimals")


def _candidate(spec: Spec, rng: random.Random, vary: tuple[str, ...], places: int,
               lo: Decimal, hi: Decimal) -> Spec:
    layers = []
    for layer in spec.layers:
        weights = layer.weights
        if "weights" in vary:
            weights = tuple(tuple(_draw(rng, lo, hi, places) for _ in row) for row in layer.weights)
        bias = layer.bias
        if "biases" in vary and bias is not None:
            bias = (_draw(rng, lo, hi, places) if isinstance(bias, Decimal)
                    else tuple(_draw(rng, lo, hi, places) for _ in bias))
        layers.append(Layer(layer.units, layer.activation, weights, bias, layer.slope, layer.dropout,
                            layer.residual, layer.batch_norm))
    inputs = spec.inputs
    if "inputs" in vary:
        inputs = tuple(tuple(_draw(rng, lo, hi, places) for _ in row) for row in spec.inputs)
    targets, one_hot = spec.targets, spec.one_hot
    if "targets" in vary and spec.label_smoothing is not None:
        # one-hot labels stay one-hot: a class drawn for each example, then smoothed alike
        k = len(spec.targets[0])
        one_hot = tuple(tuple(Decimal(int(i == hot)) for i in range(k))
                        for hot in (rng.randrange(k) for _ in spec.targets))
        with exact():
            targets = tuple(smooth_labels(row, spec.label_smoothing) for row in one_hot)
    elif "targets" in vary:
        probabilities = spec.layers[-1].activation in ("sigmoid", "softmax") or \
            spec.loss in ("binary_cross_entropy", "cross_entropy")
        t_lo, t_hi = (Decimal("0.05"), Decimal("0.95")) if probabilities else (lo, hi)
        targets = tuple(tuple(_draw(rng, t_lo, t_hi, max(places, 2)) for _ in row) for row in spec.targets)
    rate = spec.learning_rate
    if "learning_rate" in vary:
        rate = Decimal(rng.randint(1, 9)) / 10
    return replace(spec, layers=tuple(layers), inputs=inputs, targets=targets, one_hot=one_hot,
                   learning_rate=rate)


def problems(spec: Spec) -> list[str]:
    """Why a variant would make a poor exercise (empty when it is a good one)."""
    d = solve(spec).derivations[0]
    out = []
    for node in d.model.nodes.values():
        v = d.values[node.id]
        if node.kind == "z" and abs(v) > LARGEST_Z:
            out.append(f"{node.id} = {v:.3f} is too large to read")
        if node.kind == "a":
            rule = ACTIVATIONS.get(spec.layers[node.layer - 1].activation)
            if rule is None:                      # softmax: its outputs share the layer
                continue
            if rule.saturates and not (rule.saturates[0] <= v <= rule.saturates[1]):
                out.append(f"{node.id} is saturated")
            if rule.kink and d.values[f"z{node.id[1:]}"] == 0:
                out.append(f"{node.id} sits on the kink at 0")
    # A gradient exactly 0 is the dropout mask's doing when a neuron is dropped (its weights'
    # paths vanish, as the lecture shows): kept, not a poor draw.
    dropped = any(0 in row for layer in spec.layers if layer.dropout is not None for row in layer.dropout.masks)
    for c in d.chains:
        if dropped and c.gradient == 0:
            continue
        if c.trainable and round_to(c.gradient, spec.decimals) == 0:
            out.append(f"dE/d{c.param} shows as 0 at {spec.decimals} decimals")
    return out


def _key(spec: Spec) -> str:
    return json.dumps(spec_to_dict(spec), sort_keys=True)


def make_variants(spec: Spec, count: int, seed: int, *, vary: tuple[str, ...] = VARY[:4],
                  places: int = 1, value_range: tuple[Decimal, Decimal] = (Decimal(-1), Decimal(1)),
                  names: list[str] | None = None) -> list[Variant]:
    if count < 1:
        raise SymbackpropError(f"--count: expected at least 1, found {count}")
    for v in vary:
        if v not in VARY:
            raise SymbackpropError(f"--vary: unknown {v!r}; expected some of {', '.join(VARY)}")
    lo, hi = value_range
    if lo >= hi:
        raise SymbackpropError(f"--range: expected low < high, found {lo}:{hi}")
    names = names or [f"variant-{k:0{max(2, len(str(count)))}d}" for k in range(1, count + 1)]
    seen: set[str] = {_key(spec)}
    out: list[Variant] = []
    for k in range(1, count + 1):
        rng = random.Random(f"symbackprop:{seed}:{k}")
        for _ in range(ATTEMPTS):
            candidate = _candidate(spec, rng, vary, places, lo, hi)
            key = _key(candidate)
            if key in seen or problems(candidate):
                continue
            seen.add(key)
            out.append(Variant(k, names[k - 1], candidate))
            break
        else:
            raise SymbackpropError(f"variant {k}: no readable variant found in {ATTEMPTS} draws; "
                                   "widen --range, use more --round decimals or vary more")
    return out


#: The files `symbackprop variants` writes beside the variants' folders.
OUTPUT_FILES = ("manifest.json", "manifest.csv", "moodle.xml", "questions.json", "questions.csv", "qti.zip",
                "blackboard.txt")


def read_roster(path) -> list[str]:
    """Student ids from the first column of a CSV (a header "student"/"id" is skipped), made
    safe as folder names; duplicates are refused."""
    from ..io.files import distinct_names
    from ..io.textfiles import csv_rows, read_text
    rows = [r for r in csv_rows(read_text(path), str(path)) if r and r[0].strip()]
    if rows and rows[0][0].strip().lower() in ("student", "id", "estudiante", "alumno"):
        rows = rows[1:]
    if not rows:
        raise SymbackpropError(f"{path}: no student ids found")
    return distinct_names([r[0].strip() for r in rows], str(path), reserved=OUTPUT_FILES)


def variant_hash(variant: Variant, extra: str = "") -> str:
    """Identifies a variant's outputs: the same hash means the same files (for resuming)."""
    from .._version import __version__
    text = f"{__version__}|{extra}|{_key(variant.spec)}"
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def manifest_document(spec: Spec, variants: list[Variant], *, seed: int, vary, places: int) -> dict[str, Any]:
    return {
        "schema": "symbackprop.variants/1",
        "source": spec.source,
        "seed": seed,
        "vary": list(vary),
        "round": places,
        "variants": [{
            "number": v.number, "name": v.name, "hash": variant_hash(v),
            "spec": spec_to_dict(v.spec),
            "expected": flat_values(solve(v.spec).derivations[0]),
        } for v in variants],
    }


def manifest_csv(document: dict[str, Any]) -> str:
    from ..io.jsonio import json_number
    lines = ["variant,name,quantity,value"]
    for v in document["variants"]:
        for q, value in v["expected"].items():
            lines.append(f"{v['number']},{v['name']},{q},{json_number(value)}")
    return "\n".join(lines) + "\n"


def spec_of_variant(manifest_path, which: str, source: str | None = None) -> Spec:
    """The spec of variant ``which`` (its number or name) in a manifest file."""
    from pathlib import Path
    path = Path(manifest_path)
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SymbackpropError(f"{path}: file not found") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise SymbackpropError(f"{path}: not a manifest ({exc})") from None
    if not isinstance(document, dict) or document.get("schema") != "symbackprop.variants/1":
        raise SymbackpropError(f"{path}: expected a symbackprop variants manifest")
    for v in document.get("variants", []):
        if str(v.get("number")) == str(which) or v.get("name") == which:
            return spec_from_dict(v["spec"], f"{path}: variant {which}")
    raise SymbackpropError(f"{path}: no variant {which!r} (there are {len(document.get('variants', []))})")


__all__ += ["manifest_csv", "problems", "read_roster", "OUTPUT_FILES"]

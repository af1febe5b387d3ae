"""Fuzzing the spec reader and everything a spec reaches (derivation, text, JSON, LaTeX,
export): valid specs mutated at every key, random YAML text, random bytes.

A spec that is accepted must go through the whole pipeline without an exception other
than a one-line refusal, and nothing it contains may run (the exported module is
imported: a payload in its title must not execute)."""
from __future__ import annotations

import copy
import importlib.util
import json
import math
import sys
import warnings
from decimal import Decimal

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from fuzzing import (COUNTS, LATEX_ATTACKS, NASTY_TEXT, NASTY_VALUES, PAYLOADS, fuzz,
                     nothing_executed, refused_cleanly)
from conftest import ROOT
from test_selfcheck import random_spec
from symbackprop.api import as_json, as_tex, as_text, report_parameters, solve_for_report
from symbackprop.derive.derivation import solve
from symbackprop.errors import SymbackpropError
from symbackprop.numeric.codegen import export_source
from symbackprop.spec.reading import load_spec, spec_from_text, spec_to_dict

SOURCE = "fuzz.yaml"
EXAMPLES = ["lecture_2_2_2.yaml", "lecture_2_2_2_numbered.yaml", "net_3_3_3_2.yaml",
            "vector_3_2.yaml", "xor_2_2_2.yaml"]
BASES = ([yaml.safe_load((ROOT / "examples" / name).read_text()) for name in EXAMPLES]
         + [spec_to_dict(random_spec(seed)) for seed in range(12)])


def _slots(tree, path=()):
    """Every place in a spec tree a value can be replaced: (container, key) pairs."""
    if isinstance(tree, dict):
        for k, v in tree.items():
            yield tree, k
            yield from _slots(v, path + (k,))
    elif isinstance(tree, list):
        for i, v in enumerate(tree):
            yield tree, i
            yield from _slots(v, path + (i,))


@st.composite
def mutated_specs(draw):
    spec = copy.deepcopy(draw(st.sampled_from(BASES)))
    for _ in range(draw(st.integers(1, 3))):
        slots = list(_slots(spec))
        if not slots:
            break
        container, key = draw(st.sampled_from(slots))
        action = draw(st.sampled_from(["replace", "replace", "replace", "delete", "add", "grow", "scale"]))
        if action == "replace":
            container[key] = draw(NASTY_VALUES)
        elif action == "delete":
            del container[key]
        elif action == "add" and isinstance(container, dict):
            container[draw(NASTY_TEXT)] = draw(NASTY_VALUES)
        elif action == "grow" and isinstance(container, list):
            container.append(copy.deepcopy(container[key]))
        elif action == "scale" and isinstance(container[key], (int, float)) and not isinstance(container[key], bool):
            try:
                container[key] = container[key] * draw(st.sampled_from([0, -1, 1e6, 1e11, 1e-9, 1e300]))
            except OverflowError:                  # an int of 400 digits times a float
                container[key] = float("inf")
    return spec


def through_the_pipeline(text: str, *, tex: bool, export: bool, tmp_path=None) -> None:
    """Read, derive, write: either all of it works or one clean refusal."""
    try:
        spec = spec_from_text(text, SOURCE)
    except Exception as exc:  # noqa: BLE001 - judged by refused_cleanly
        refused_cleanly(exc, SOURCE)
        return
    COUNTS["spec (accepted)"] += 1
    try:
        solution = solve(spec)
        text_json = as_json(solution)
        json.loads(text_json, parse_float=Decimal)       # valid JSON, exact numbers
        assert "NaN" not in text_json and "Infinity" not in text_json
        as_text(solution)
        if tex:
            report = solve_for_report(spec)
            tex_source = as_tex(report, "slides", "en", report_parameters(report, None, SOURCE))
            for attack in LATEX_ATTACKS:
                assert attack not in tex_source
        if export and tmp_path is not None:
            module = tmp_path / "fuzz_export.py"
            module.write_text(export_source(spec, name="fuzz_export"))
            loaded = importlib.util.spec_from_file_location("fuzz_export", module)
            mod = importlib.util.module_from_spec(loaded)
            loaded.loader.exec_module(mod)
            X = [[float(v) for v in row] for row in spec.inputs]
            Y = [[float(v) for v in row] for row in spec.targets]
            with warnings.catch_warnings():
                warnings.simplefilter("error")          # no overflow or invalid-value warning
                E, _grads = mod.loss_and_gradients(mod.initial_params(), X, Y)
            assert not math.isnan(E)
    except SymbackpropError as exc:
        refused_cleanly(exc)
    nothing_executed()


@fuzz(0.3)
@given(spec=mutated_specs(), tex=st.integers(0, 5), export=st.integers(0, 5))
def test_mutated_specs(spec, tex, export, tmp_path):
    COUNTS["spec"] += 1
    text = yaml.safe_dump(spec, allow_unicode=True, sort_keys=False)
    through_the_pipeline(text, tex=tex == 0, export=export == 0, tmp_path=tmp_path)


EXTREME = st.one_of(
    st.sampled_from([0, 1, -1, 1e12, -1e12, 1e-12, 745, -745, 710, 40, -40, 1e6, 0.5, 1e-300]),
    st.floats(min_value=-1e12, max_value=1e12, allow_nan=False, allow_infinity=False),
)
ACTIVATIONS = ["sigmoid", "tanh", "relu", "leaky_relu", "linear", "softplus"]
OUTPUTS = {"half_sse": ACTIVATIONS, "mse": ACTIVATIONS,
           "binary_cross_entropy": ["sigmoid"], "cross_entropy": ["softmax"]}


@st.composite
def extreme_specs(draw):
    """Valid shapes, extreme numbers: saturated sigmoids, softmax of huge logits, targets at
    0 and 1 (log 0), tiny and huge learning rates, several steps."""
    n_in = draw(st.integers(1, 3))
    units = draw(st.lists(st.integers(1, 3), min_size=1, max_size=3))
    loss = draw(st.sampled_from(sorted(OUTPUTS)))
    if loss == "cross_entropy":
        units[-1] = max(2, units[-1])
    layers, previous = [], n_in
    for i, u in enumerate(units):
        last = i == len(units) - 1
        layer = {"units": u, "activation": draw(st.sampled_from(OUTPUTS[loss] if last else ACTIVATIONS)),
                 "weights": [[draw(EXTREME) for _ in range(previous)] for _ in range(u)]}
        if draw(st.booleans()):
            layer["bias"] = draw(EXTREME)
        if layer["activation"] == "leaky_relu":
            layer["slope"] = draw(st.sampled_from([0.01, 0.5, 1e-12]))
        layers.append(layer)
        previous = u
    if loss in ("binary_cross_entropy", "cross_entropy"):
        target = st.sampled_from([0, 1, 0.5, 1e-12])
    else:
        target = EXTREME
    spec = {"inputs": [draw(EXTREME) for _ in range(n_in)],
            "targets": [draw(target) for _ in range(units[-1])],
            "layers": layers, "loss": loss,
            "learning_rate": draw(st.sampled_from([1e-12, 0.5, 1e6, 1e12])),
            "steps": draw(st.integers(1, 3)),
            "decimals": draw(st.integers(0, 12))}
    if draw(st.booleans()):
        spec["regularization"] = {"l2": draw(st.sampled_from([1e-12, 0.01, 1e6]))}
    return spec


@fuzz(0.3)
@given(spec=extreme_specs(), tex=st.integers(0, 3), export=st.integers(0, 3))
def test_extreme_numbers(spec, tex, export, tmp_path):
    COUNTS["spec"] += 1
    text = yaml.safe_dump(spec, sort_keys=False)
    through_the_pipeline(text, tex=tex == 0, export=export == 0, tmp_path=tmp_path)


YAML_ALPHABET = st.sampled_from(list("abcdefglnrstuwxyz0123456789.-+e:,[]{}&*!|>'\"#%@` \n\t\\")
                                + ["layers", "units", "weights", "inputs", "targets", "bias",
                                   "activation", "sigmoid", "loss", "&a ", "*a", "!!python/object:os.system",
                                   "<<: ", "- ", ": ", "\n  ", "\n- ", "1e400", ".nan", "~"])


@fuzz(0.2)
@given(pieces=st.lists(YAML_ALPHABET, max_size=120), prefix=st.sampled_from(BASES))
def test_random_yaml_text(pieces, prefix):
    COUNTS["spec"] += 1
    # Half the time the noise follows a valid spec, so it lands deep inside the structure.
    text = yaml.safe_dump(prefix, sort_keys=False) + "".join(pieces) if len(pieces) % 2 else "".join(pieces)
    through_the_pipeline(text, tex=False, export=False)


@fuzz(0.2)
@given(data=st.binary(max_size=400), encoding=st.sampled_from(["raw", "utf-16", "latin-1", "utf-8-sig"]))
def test_random_bytes_as_spec_file(data, encoding, tmp_path):
    COUNTS["spec"] += 1
    path = tmp_path / SOURCE
    if encoding == "raw":
        path.write_bytes(data)
    else:
        path.write_bytes(data.decode("latin-1").encode(encoding))
    try:
        spec = load_spec(path)
    except Exception as exc:  # noqa: BLE001 - judged by refused_cleanly
        refused_cleanly(exc, str(path))
    else:
        solve(spec)
    nothing_executed()


@pytest.mark.parametrize("payload", PAYLOADS)
def test_payload_titles_do_not_run_in_the_exported_module(payload, tmp_path):
    """The title lands in the exported module's docstring: quotes cannot close it."""
    base = copy.deepcopy(BASES[0])
    for title in (payload, f'"""\n{payload}\n"""', f"\\\n{payload}", f"x'''\"\"\"\\'{payload}#"):
        base["title"] = title
        spec = spec_from_text(yaml.safe_dump(base), SOURCE)
        module = tmp_path / "payload_export.py"
        module.write_text(export_source(spec, name="payload_export"))
        loaded = importlib.util.spec_from_file_location("payload_export", module)
        loaded.loader.exec_module(importlib.util.module_from_spec(loaded))
        sys.modules.pop("payload_export", None)
        nothing_executed()

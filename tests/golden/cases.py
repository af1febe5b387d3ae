"""The golden cases: every example and a dozen fixed random specs, through the real command.

Each case is a command line of ``symbackprop``; its standard output and every file it writes
are kept under ``tests/golden/out/CASE/``. ``test_golden.py`` runs the same commands and asks
for the same bytes. To refreeze after a change that is meant (a fix named in the commit):

    python tests/golden/cases.py --update

The random specs and the answer sheets are inputs, written once (``--make-inputs``) and kept
as files, so that the cases do not depend on the code that drew them.
"""
from __future__ import annotations

import contextlib
import io
import os
import random
import shutil
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
SPECS = HERE / "specs"
OUT = HERE / "out"

EXAMPLES = ("batchnorm_2_2_2", "lecture_2_2_2", "lecture_2_2_2_dropout", "lecture_2_2_2_numbered", "lecture_2_2_2_smoothing", "net_3_3_3_2", "residual_2_2_2_2", "vector_3_2",
            "xor_2_2_2")
RANDOM = tuple(f"random_{i:02d}" for i in range(12))
STYLES = ("slides", "article", "exercise", "answers", "exercise-slides")
GRAPHS = (
    ("add_mul", "(x+y)*z", "x=-2,y=5,z=-4", ()),
    ("neuron", "1/(1+exp(-(w0*x0+w1*x1+w2)))", "w0=2,x0=-1,w1=-3,x1=-2,w2=-3", ()),
    ("neuron_sigma", "sigmoid(w0*x0+w1*x1+w2)", "w0=2,x0=-1,w1=-3,x1=-2,w2=-3", ("--sigmoid", "decomposed")),
    ("branches", "x*x+x", "x=2", ()),
    ("mixed", "max(x,y)*tanh(z)+relu(x-y)/sqrt(z^2+1)-abs(y)+ln(z^2)", "x=1.5,y=-0.5,z=0.3", ()),
)


def spec_path(name: str) -> Path:
    return ROOT / "examples" / f"{name}.yaml" if name in EXAMPLES else SPECS / f"{name}.yaml"


def cases() -> list[tuple[str, list[str]]]:
    """(case name, argv with {out} standing for the case's output folder)."""
    out: list[tuple[str, list[str]]] = []
    for name in EXAMPLES + RANDOM:
        spec = str(spec_path(name))
        out.append((f"{name}/text-es", ["solve", spec, "--lang", "es"]))
        out.append((f"{name}/text-en", ["solve", spec, "--lang", "en"]))
        out.append((f"{name}/text-hand", ["solve", spec, "--rounding", "hand"]))
        out.append((f"{name}/json", ["solve", spec, "--format", "json"]))
        out.append((f"{name}/json-hand", ["solve", spec, "--format", "json", "--rounding", "hand"]))
        out.append((f"{name}/json-delta", ["solve", spec, "--format", "json", "--paths", "none"]))
        for style in STYLES:
            out.append((f"{name}/tex-{style}", ["solve", spec, "--format", "tex", "--style", style,
                                                "--lang", "es", "-o", "{out}"]))
        out.append((f"{name}/tex-slides-en-hand", ["solve", spec, "--format", "tex", "--style", "slides",
                                                   "--lang", "en", "--rounding", "hand", "-o", "{out}"]))
        out.append((f"{name}/layers-text", ["solve", spec, "--view", "layers"]))
        out.append((f"{name}/layers-json", ["solve", spec, "--view", "layers", "--format", "json"]))
        out.append((f"{name}/layers-tex", ["solve", spec, "--view", "layers", "--format", "tex", "-o", "{out}"]))
        for backend in ("numpy", "torch", "jax"):
            out.append((f"{name}/export-{backend}", ["export", spec, "--backend", backend,
                                                     "-o", "{out}/module.py"]))
        answers = SPECS / f"{name}.answers.yaml"
        if answers.exists():
            out.append((f"{name}/check-text", ["check", spec, str(answers), "--lang", "en"]))
            out.append((f"{name}/check-json", ["check", spec, str(answers), "--format", "json"]))
    for name, expression, at, extra in GRAPHS:
        for fmt in ("text", "json"):
            out.append((f"graph_{name}/{fmt}", ["graph", expression, "--at", at, "--format", fmt, *extra]))
        out.append((f"graph_{name}/tex", ["graph", expression, "--at", at, "--format", "tex", "-o", "{out}", *extra]))
    return out


def run(argv: list[str], folder: Path) -> dict[str, bytes]:
    """Run one command in this process; its stdout, stderr (paths made relative), exit code
    and written files, by name."""
    from symbackprop.cli import main

    folder.mkdir(parents=True, exist_ok=True)
    argv = [a.replace("{out}", str(folder)) for a in argv]
    stdout, stderr = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
        try:
            code = main(argv)
        except SystemExit as exc:
            code = exc.code
    result = {"stdout": stdout.getvalue().encode(),
              "stderr": stderr.getvalue().replace(str(folder), "{out}").replace(str(ROOT), "{root}").encode(),
              "exit": f"{code}\n".encode()}
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            result["files/" + path.relative_to(folder).as_posix()] = path.read_bytes()
    return result


def stored(case: str) -> dict[str, bytes]:
    folder = OUT / case
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


# ------------------------------------------------------------------------- inputs, once

HIDDEN = ["sigmoid", "tanh", "relu", "leaky_relu", "linear", "softplus"]
LOSS_OUTPUTS = {"half_sse": HIDDEN, "mse": HIDDEN,
                "binary_cross_entropy": ["sigmoid", "softmax"], "cross_entropy": ["softmax", "sigmoid"]}


def _random_spec(seed: int) -> dict:
    rng = random.Random(f"golden:{seed}")
    loss = rng.choice(sorted(LOSS_OUTPUTS))
    units = [rng.randint(1, 3) for _ in range(rng.randint(1, 3))]
    out_act = rng.choice(LOSS_OUTPUTS[loss])
    if out_act == "softmax":
        units[-1] = max(units[-1], 2)
    n_in = rng.randint(1, 3)
    examples = rng.randint(1, 2)

    def num():
        v = round(rng.uniform(0.1, 1.0), 2)
        return v if rng.random() < 0.6 else -v

    layers, prev = [], n_in
    for l, u in enumerate(units):
        act = out_act if l == len(units) - 1 else rng.choice(HIDDEN)
        layer = {"units": u, "activation": act, "weights": [[num() for _ in range(prev)] for _ in range(u)]}
        mode = rng.choice(["shared", "per", "none"])
        if mode == "shared":
            layer["bias"] = num()
        elif mode == "per":
            layer["bias"] = [num() for _ in range(u)]
        if act == "leaky_relu":
            layer["slope"] = 0.05
        layers.append(layer)
        prev = u
    xs = [[num() for _ in range(n_in)] for _ in range(examples)]
    if loss in ("binary_cross_entropy", "cross_entropy"):
        ys = [[round(rng.uniform(0.05, 0.95), 2) for _ in range(units[-1])] for _ in range(examples)]
    else:
        ys = [[num() for _ in range(units[-1])] for _ in range(examples)]
    spec = {"title": f"Golden {seed}", "notation": rng.choice(["layered", "numbered"]),
            "decimals": rng.choice([4, 5]),
            "inputs": xs if examples > 1 else xs[0], "targets": ys if examples > 1 else ys[0],
            "layers": layers, "loss": loss, "reduction": rng.choice(["sum", "mean"]),
            "learning_rate": 0.5, "update_biases": rng.random() < 0.7}
    r = rng.random()
    if r < 0.25:
        spec["regularization"] = {"l2": 0.1}
    elif r < 0.4:
        spec["regularization"] = {"l1": 0.2, "l2": 0.05, "include_biases": True}
    if rng.random() < 0.3:
        spec["steps"] = 2
    return spec


def _answers(name: str, rng: random.Random) -> str | None:
    """A student's sheet: most values rounded right, one truncated, one slipped (a sign or a
    decimal), the slip carried into what is computed from it."""
    from symbackprop.derive.derivation import flat_values, solve
    from symbackprop.core.exact import fixed
    from symbackprop.spec.reading import load_spec

    spec = load_spec(spec_path(name))
    d = solve(spec).derivations[0]
    values = flat_values(d)
    keys = [k for k in values if "@" not in k]
    if not keys:
        return None
    chosen = sorted(rng.sample(keys, min(len(keys), 14)), key=keys.index)
    lines = []
    for i, key in enumerate(chosen):
        v = values[key]
        text = fixed(v, spec.decimals)
        if i == 3:                                     # truncated
            text = fixed(v, spec.decimals + 3)[:-3]
        elif i == 6:                                   # a sign slip
            text = fixed(-v, spec.decimals)
        elif i == 9:                                   # a decimal slip
            text = fixed(v * 10, spec.decimals)
        lines.append(f'"{key}": {text}')
    return "\n".join(lines) + "\n"


def make_inputs() -> None:
    import yaml

    SPECS.mkdir(parents=True, exist_ok=True)
    for i, name in enumerate(RANDOM):
        text = "# A fixed random spec for the golden files (drawn once; an input, not regenerated).\n"
        text += yaml.safe_dump(_random_spec(i), sort_keys=False, default_flow_style=None, width=100)
        (SPECS / f"{name}.yaml").write_text(text)
    for name in EXAMPLES + RANDOM:
        sheet = _answers(name, random.Random(f"answers:{name}"))
        if sheet:
            (SPECS / f"{name}.answers.yaml").write_text(sheet)


def update() -> None:
    import tempfile

    if OUT.exists():
        shutil.rmtree(OUT)
    with tempfile.TemporaryDirectory() as tmp:
        for case, argv in cases():
            result = run(argv, Path(tmp) / case)
            target = OUT / case
            for key, data in result.items():
                (target / key).parent.mkdir(parents=True, exist_ok=True)
                (target / key).write_bytes(data)


if __name__ == "__main__":
    # Freeze what this checkout computes, not an installed copy of the package.
    sys.path.insert(0, str(ROOT))
    os.chdir(ROOT)
    if "--make-inputs" in sys.argv:
        make_inputs()
    if "--update" in sys.argv:
        update()

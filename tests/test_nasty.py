"""The hand-written corpus of nasty inputs (tests/nasty/), each run through the real command
as a user would, in a process bounded in memory (2 GB of address space) and time (60 s
of CPU, 90 s of wall clock).

For every case: the expected exit code; on a refusal (2) exactly one line on stderr that
names the file, no traceback, and nothing written; no payload executed (the corpus'
payloads would create a file named MARKER in the working folder). Huge inputs (11 MB
files, 100,000 levels of nesting, a value of a million digits) are generated here rather
than kept as files; a command-line argument cannot exceed 128 KB, so the expressions given
on the command line stop at 120,000 characters (the 10^6-character ones are fuzzed in
process, tests/test_fuzz_expressions.py)."""
from __future__ import annotations

import os
import resource
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from conftest import LECTURE, ROOT
from test_cli import command, env

NASTY = ROOT / "tests" / "nasty"
MEMORY = 2 * 1024 ** 3

SPECS = {  # file -> exit code of `solve FILE --format json`
    "alias_bomb.yaml": 2, "recursive_alias.yaml": 2, "python_tag.yaml": 2, "python_name.yaml": 2,
    "duplicate_keys.yaml": 2, "ragged_weights.yaml": 2, "zero_units.yaml": 2, "empty_layers.yaml": 2,
    "nan_weight.yaml": 2, "inf_input.yaml": 2, "huge_number.yaml": 2, "wrong_types.yaml": 2,
    "string_number.yaml": 2, "latex_label.yaml": 2, "latex_label_command.yaml": 2, "unknown_key.yaml": 2,
    "too_many_parameters.yaml": 2, "derivation_budget.yaml": 2, "empty.yaml": 2, "binary.yaml": 2,
    "latin1_step.yaml": 2, "utf16.yaml": 0, "latex_title.yaml": 0,
    "deep_nesting.yaml": 2, "long_title.yaml": 2, "huge_file.yaml": 2,
}
ANSWERS = {  # file -> exit code of `check LECTURE FILE` (1: judged, some answers wrong)
    "bom_comma_decimals.csv": 0, "missing_column.csv": 2, "unknown_quantity.yaml": 1, "payload.yaml": 2,
    "huge_value.yaml": 2, "power_tower.yaml": 2, "division_by_zero.yaml": 2, "nested.json": 2,
    "duplicate_keys.json": 2, "spreadsheet.csv": 2, "utf16.csv": 0, "same_quantity_twice.yaml": 2,
    "alias_bomb.yaml": 2, "cp1252_ok.yaml": 0, "cp1252_junk.yaml": 2, "long_value.yaml": 2,
}
EXPRESSIONS = {  # expression -> exit code of `graph EXPR --at x=1,y=2`
    "(x+y": 2, "x+y)": 2, "__import__('os').system('touch MARKER')": 2, "().__class__": 2,
    "lambda: x": 2, "x.__class__": 2, "9**9**9": 2, "x^9^9^9": 2, "1/0*x": 2, "x/(y-2)": 2,
    "log(x-1)": 2, "exp(exp(exp(exp(x+10))))": 2, "x" + "+x" * 60_000: 2,
    "(" * 60_000 + "x" + ")" * 60_000: 2, "exp(x*700)*y": 0, "max(x, x)*y": 0, "": 2, "x y": 2,
    "`touch MARKER`": 2, "$(touch MARKER)": 2, "x; import os": 2,
}
AT = {"x=1;y=2": 0, "x=1e13,y=1": 2, "x=nan,y=1": 2, "x=inf,y=1": 2, "x=__import__('os'),y=1": 2,
      "x=1,,y=2": 0, "x=0x10,y=1": 2, "x==1,y=1": 2, "x=1e999999999,y=1": 2}
ROSTERS = {"hostile.csv": 0, "reserved.csv": 2, "case_clash.csv": 2, "empty.csv": 2}
XOR = str(ROOT / "examples" / "xor_2_2_2.yaml")
OPTIONS = {  # command-line values: each refused in one line naming the option
    "--lr nan": (["train", XOR, "--dataset", "xor", "--lr", "nan"], "--lr"),
    "--lr -1": (["train", XOR, "--dataset", "xor", "--lr", "-1"], "--lr"),
    "--l2 inf": (["train", XOR, "--dataset", "xor", "--l2", "inf"], "--l2"),
    "--epochs 1e11": (["train", XOR, "--dataset", "xor", "--epochs", "100000000000"], "--epochs"),
    "--validation nan": (["train", XOR, "--dataset", "xor", "--validation", "nan"], "--validation"),
    "--count 1e9": (["variants", str(LECTURE), "--count", "1000000000"], "--count"),
    "--jobs -3": (["variants", str(LECTURE), "--count", "2", "--jobs", "-3"], "--jobs"),
    "--round 100": (["variants", str(LECTURE), "--count", "2", "--round", "100"], "--round"),
    "--range 5:1": (["variants", str(LECTURE), "--count", "2", "--range", "5:1"], "--range"),
    "--rtol nan": (["check", str(LECTURE), str(NASTY / "answers" / "cp1252_ok.yaml"), "--rtol", "nan"], "--rtol"),
    "--decimals 100000": (["check", str(LECTURE), str(NASTY / "answers" / "cp1252_ok.yaml"), "--decimals",
                           "100000"], "--decimals"),
    "export to .sh": (["export", str(LECTURE), "-o", "evil.sh"], "evil.sh"),
    "--only in json": (["solve", str(LECTURE), "--only", "w5"], "--only"),
}


def _generated(folder: Path) -> None:
    """The corpus' huge members, written fresh for each run."""
    (folder / "deep_nesting.yaml").write_text("inputs: " + "[" * 100_000 + "]" * 100_000 + "\n")
    (folder / "long_title.yaml").write_text(
        f"title: '{'ñ' * 200_000}'\ninputs: [0.1]\ntargets: [0.5]\n"
        "layers: [{units: 1, activation: sigmoid, weights: [[0.1]]}]\n")
    with open(folder / "huge_file.yaml", "w") as fh:
        fh.write("title: x\n" + "#" * 11_000_000 + "\n")
    (folder / "long_value.yaml").write_text("z1_1: " + "1" * 1_000_000 + "\n")


def _limits() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY, MEMORY))
    resource.setrlimit(resource.RLIMIT_CPU, (60, 60))


def _run(args, cwd: Path):
    cwd.mkdir(parents=True, exist_ok=True)
    before = set(os.listdir(cwd))
    try:
        result = subprocess.run([*command(), *args], cwd=cwd, capture_output=True, text=True,
                                timeout=90, env={**env(), "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"},
                                preexec_fn=_limits)
    except subprocess.TimeoutExpired:
        return None, "", "timed out after 90 s", set()
    created = set(os.listdir(cwd)) - before
    return result.returncode, result.stdout, result.stderr, created


def _cases(tmp: Path):
    data = tmp / "data"
    data.mkdir()
    _generated(data)
    for name, code in SPECS.items():
        path = NASTY / "specs" / name if (NASTY / "specs" / name).exists() else data / name
        yield f"spec {name}", code, ["solve", str(path), "--format", "json", "-o", "out"], path.name
    for name, code in ANSWERS.items():
        path = NASTY / "answers" / name if (NASTY / "answers" / name).exists() else data / name
        yield f"answers {name}", code, ["check", str(LECTURE), str(path), "-o", "out"], path.name
    for n, (text, code) in enumerate(EXPRESSIONS.items()):
        yield f"expression {n}: {text[:30]!r}", code, ["graph", text, "--at", "x=1,y=2"], "expression"
    for n, (text, code) in enumerate(AT.items()):
        yield f"--at {text[:30]!r}", code, ["graph", "x*y", "--at", text], "--at"
    for name, (args, mention) in OPTIONS.items():
        yield f"option {name}", 2, args, mention
    for name, code in ROSTERS.items():
        yield (f"roster {name}", code, ["variants", str(LECTURE), "--roster", str(NASTY / "rosters" / name),
                                        "--format", "tex", "--jobs", "1", "-o", "out"], name)


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("nasty")
    cases = list(_cases(tmp))
    with ThreadPoolExecutor(max_workers=4) as pool:
        outcomes = pool.map(lambda c: _run(c[2], tmp / f"case{cases.index(c)}"), cases)
        return {c[0]: (c, o, tmp / f"case{cases.index(c)}") for c, o in zip(cases, outcomes)}


def _names():
    names = [f"spec {n}" for n in SPECS] + [f"answers {n}" for n in ANSWERS]
    names += [f"expression {n}: {t[:30]!r}" for n, t in enumerate(EXPRESSIONS)]
    names += [f"--at {t[:30]!r}" for t in AT] + [f"option {n}" for n in OPTIONS] + [f"roster {n}" for n in ROSTERS]
    return names


@pytest.mark.parametrize("name", _names())
def test_nasty_input(name, results):
    (label, expected, args, mention), (code, stdout, stderr, created), cwd = results[name]
    assert code is not None, f"{label}: {stderr}"
    assert "Traceback" not in stderr, stderr
    assert not (cwd / "MARKER").exists(), "a payload ran"
    assert code == expected, f"{label}: exit {code}, stderr: {stderr[:300]}"
    if code == 2:
        lines = stderr.splitlines()
        assert len(lines) == 1 and lines[0].startswith("symbackprop: error: "), stderr
        assert mention in lines[0], (mention, lines[0])
        assert not created, f"a refused run wrote {created}"
    elif name.startswith("roster"):
        folders = sorted(p.name for p in (cwd / "out").iterdir() if p.is_dir())
        assert all(not f.startswith(".") for f in folders) and len(folders) == 5
        assert not any(p.name in ("evil", "passwd") for p in cwd.parent.iterdir())

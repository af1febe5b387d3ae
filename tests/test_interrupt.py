"""Runs killed half-way: Ctrl-C (SIGINT) and SIGKILL sent to the real command.

Every output goes through write-to-a-temporary-file-then-rename, PDFs are built in a
temporary folder before anything is written, so an interrupted run leaves each output
either as it was before or complete, and no partial file. A batch killed half-way is
resumed by running it again."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path

import yaml

from conftest import LECTURE
from test_cli import command, env
from test_pdf import require_tex


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def _default_sigint() -> None:
    # A suite started in the background of a shell without job control inherits SIGINT
    # ignored, and so would the command: Ctrl-C must reach it as it reaches a user's.
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _start(args, cwd: Path, tmpdir: Path) -> subprocess.Popen:
    return subprocess.Popen([*command(), *map(str, args)], cwd=cwd, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env={**env(), "TMPDIR": str(tmpdir)},
                            preexec_fn=_default_sigint)


def _wait_for(predicate, limit: float = 60.0) -> None:
    end = time.monotonic() + limit
    while not predicate():
        assert time.monotonic() < end, "the run never reached the point to interrupt"
        time.sleep(0.05)


def _latex_running(tmpdir: Path) -> bool:
    return any(p.name.startswith("symbackprop-") and (p / "report.tex").exists() for p in tmpdir.iterdir())


def test_ctrl_c_while_latex_works_leaves_the_previous_report(tmp_path):
    require_tex()
    tmpdir = tmp_path / "tmp"
    tmpdir.mkdir()
    spec = tmp_path / "lecture.yaml"
    spec.write_text(LECTURE.read_text())
    first = subprocess.run([*command(), "solve", str(spec), "--format", "pdf", "--style", "slides", "-o", "out"],
                           cwd=tmp_path, capture_output=True, text=True, env=env(), timeout=300)
    assert first.returncode == 0, first.stderr
    before = _snapshot(tmp_path / "out")
    assert set(before) == {"lecture-slides-es.tex", "lecture-slides-es.pdf"}

    data = yaml.safe_load(spec.read_text())
    data["title"] = "A new title"                      # the new report would differ
    spec.write_text(yaml.safe_dump(data))
    run = _start(["solve", spec, "--format", "pdf", "--style", "slides", "-o", "out"], tmp_path, tmpdir)
    _wait_for(lambda: _latex_running(tmpdir))
    time.sleep(0.5)
    run.send_signal(signal.SIGINT)
    _out, err = run.communicate(timeout=60)
    assert run.returncode == 130 and err.strip().splitlines()[-1] == "symbackprop: interrupted", err
    assert _snapshot(tmp_path / "out") == before                    # both files as they were
    assert list(tmpdir.iterdir()) == []                             # LaTeX's folder removed, LaTeX stopped


def test_sigkill_and_ctrl_c_in_a_batch_then_resume(tmp_path):
    """variants: 30 sheets and keys in two worker processes; killed, interrupted, resumed."""
    tmpdir = tmp_path / "tmp"
    tmpdir.mkdir()
    args = ["variants", LECTURE, "--count", "30", "--format", "tex", "--jobs", "2", "-o", "out"]
    out = tmp_path / "out"

    def some_built(n):
        return lambda: out.exists() and len(list(out.glob("*/.hash"))) >= n

    for how in (signal.SIGKILL, signal.SIGINT):
        run = _start(args, tmp_path, tmpdir)
        _wait_for(some_built(3 if how == signal.SIGKILL else 8))
        run.send_signal(how)
        _o, err = run.communicate(timeout=60)
        assert run.returncode == (-9 if how == signal.SIGKILL else 130), err
        if how == signal.SIGINT:
            assert "Traceback" not in err and err.strip().splitlines()[-1] == "symbackprop: interrupted", err
        _assert_complete(out)
    done_before = len(list(out.glob("*/.hash")))
    assert 0 < done_before < 30

    final = subprocess.run([*command(), *map(str, args)], cwd=tmp_path, capture_output=True, text=True,
                           env=env(), timeout=300)
    assert final.returncode == 0, final.stderr
    # The lecture spec is in Spanish: "30 variantes: N construidas, M ya estaban, 0 fallaron".
    assert f"{30 - done_before} construidas, {done_before} ya estaban, 0 fallaron" in final.stdout, final.stdout
    _assert_complete(out)
    assert len(list(out.glob("*/*-exercise-*.tex"))) == 30 and len(list(out.glob("*/*-answers-*.tex"))) == 30
    manifest = json.loads((out / "manifest.json").read_text())
    assert len(manifest["variants"]) == 30


def _assert_complete(out: Path) -> None:
    """Every file is whole; no temporary file is left beside them, except (after a SIGKILL,
    which no program can catch) a hidden .NAME.*.tmp that is never an output's name."""
    for path in out.rglob("*"):
        if not path.is_file():
            continue
        if path.name.endswith(".tmp"):
            assert path.name.startswith("."), path
            continue
        if path.suffix == ".tex":
            assert path.read_text().rstrip().endswith(r"\end{document}"), path
        elif path.suffix == ".json":
            json.loads(path.read_text())
        elif path.suffix == ".yaml":
            yaml.safe_load(path.read_text())
    assert not [p for p in out.rglob("*.tmp") if not p.name.startswith(".")]


def test_ctrl_c_leaves_no_temporary_file(tmp_path):
    """After Ctrl-C (unlike SIGKILL) not even a hidden temporary file remains."""
    tmpdir = tmp_path / "tmp"
    tmpdir.mkdir()
    run = _start(["variants", LECTURE, "--count", "30", "--format", "tex", "--jobs", "2", "-o", "out"],
                 tmp_path, tmpdir)
    _wait_for(lambda: (tmp_path / "out").exists() and len(list((tmp_path / "out").glob("*/.hash"))) >= 4)
    run.send_signal(signal.SIGINT)
    run.communicate(timeout=60)
    assert run.returncode == 130
    assert list((tmp_path / "out").rglob("*.tmp")) == []
    _assert_complete(tmp_path / "out")
    assert os.listdir(tmpdir) == []

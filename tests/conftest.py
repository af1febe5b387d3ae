"""Shared helpers for the tests: the lecture spec and an independent reference network."""
from __future__ import annotations

import os
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from symbackprop import load_spec

ROOT = Path(__file__).resolve().parent.parent
LECTURE = ROOT / "examples" / "lecture_2_2_2.yaml"


@pytest.fixture(scope="session")
def lecture_spec():
    return load_spec(LECTURE)


def d(text: str) -> Decimal:
    return Decimal(text)


# ----------------------------------------------------------------------------- the command

def command() -> list[str]:
    """The symbackprop command beside this Python (installed), else ``python -m symbackprop``."""
    script = Path(sys.executable).parent / "symbackprop"
    if script.exists():
        return [str(script)]
    return [sys.executable, "-m", "symbackprop"]


def env() -> dict[str, str]:
    """The subprocess imports the very package these tests import (installed or source)."""
    import symbackprop
    return {**os.environ, "PYTHONPATH": str(Path(symbackprop.__file__).parent.parent)}


# ----------------------------------------------------------------------------- fuzzing

def pytest_addoption(parser):
    parser.addoption("--fuzz", choices=("normal", "nightly"), default="normal",
                     help="nightly: 10,000 generated cases per fuzzed entry point (normal: 300)")


def pytest_configure(config):
    import fuzzing
    fuzzing.MODE["nightly"] = config.getoption("--fuzz") == "nightly"
    if not hasattr(config, "workerinput"):      # once, in the controlling process
        fuzzing.MARKER.unlink(missing_ok=True)


def pytest_sessionfinish(session):
    """Under pytest-xdist a worker hands its fuzzing counts to the controlling process."""
    import fuzzing
    if hasattr(session.config, "workeroutput"):
        session.config.workeroutput["fuzzing_counts"] = dict(fuzzing.COUNTS)


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node, error):
    import fuzzing
    fuzzing.COUNTS.update(getattr(node, "workeroutput", {}).get("fuzzing_counts", {}))


def pytest_terminal_summary(terminalreporter):
    import fuzzing
    if fuzzing.COUNTS:
        counts = ", ".join(f"{k} {v:,}" for k, v in sorted(fuzzing.COUNTS.items()))
        terminalreporter.write_line(f"fuzzing cases run: {counts}")

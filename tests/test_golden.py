"""Golden files: today's outputs of every example and of twelve fixed random specs (text,
JSON, the .tex of the four report styles, the layer view, exports for the three backends,
check reports, graphs), frozen byte for byte before the code is moved.

A difference is either a fix named in the commit that refreezes (``python
tests/golden/cases.py --update``) or a bug.
"""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent / "golden"))
import cases  # noqa: E402

CASES = cases.cases()


def test_every_case_is_frozen():
    frozen = {p.parent.relative_to(cases.OUT).as_posix() for p in cases.OUT.rglob("exit")}
    assert frozen == {name for name, _ in CASES}


@pytest.mark.parametrize("name,argv", CASES, ids=[name for name, _ in CASES])
def test_output_is_byte_identical(name, argv, tmp_path):
    got = cases.run(argv, tmp_path / "out")
    want = cases.stored(name)
    assert sorted(got) == sorted(want)
    for key in want:
        assert got[key] == want[key], f"{name}: {key} differs"

"""Writing outputs: atomic, and with the user's umask (not the 0o600 of a temporary file)."""
from __future__ import annotations

import os
import stat

import pytest

from conftest import LECTURE
from symbackprop.cli import main
from symbackprop.io.files import write_atomic


@pytest.fixture
def umask():
    """Set the process umask for one test and restore it afterwards."""
    old = os.umask(0o022)
    yield os.umask
    os.umask(old)


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.mark.parametrize("mask, want", [(0o022, 0o644), (0o027, 0o640), (0o077, 0o600), (0o002, 0o664)])
def test_written_files_have_the_users_umask(tmp_path, umask, mask, want):
    umask(mask)
    path = write_atomic(tmp_path / "sub" / "out.txt", "text")
    assert path.read_text() == "text" and mode(path) == want
    write_atomic(path, b"again")                      # replacing a file: the same rule
    assert path.read_bytes() == b"again" and mode(path) == want
    assert sorted(p.name for p in path.parent.iterdir()) == ["out.txt"]      # no temporary left


def test_the_command_writes_0644_under_umask_022(tmp_path, umask, capsys):
    umask(0o022)
    assert main(["solve", str(LECTURE), "--format", "json", "-o", str(tmp_path)]) == 0
    written = list(tmp_path.iterdir())
    assert [p.name for p in written] == ["lecture_2_2_2.json"] and mode(written[0]) == 0o644

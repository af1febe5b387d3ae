"""Fuzzing the names that become paths: rosters (`variants --roster`) and the student
column of a class file (`check --batch`). Whatever a line holds, the name it becomes stays
inside the output folder, is not hidden, is not a device name, and never equals another
student's name or one of symbackprop's own output files."""
from __future__ import annotations

import csv
import io
import os
import tempfile
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from conftest import LECTURE
from fuzzing import COUNTS, NASTY_TEXT, fuzz, nothing_executed, refused_cleanly
from symbackprop.cli import main
from symbackprop.io.files import safe_name
from symbackprop.exercises.variants import OUTPUT_FILES, read_roster

HOSTILE = st.one_of(
    NASTY_TEXT,
    st.sampled_from(["..", ".", "../x", "../../etc/cron.d/x", "/etc/passwd", "/", "~", "~root", "C:\\x", "\\\\server\\s",
                     "a/../../b", ".hidden", "..\\..\\x", "CON", "nul.txt", "com1", "manifest.json", "Moodle.XML",
                     "summary", "x" * 300, "ana\x00b", "ana\nb", "ana\rb", "王伟", "李娜", "Zoë", "Zoe\u0308",
                     "student", "id", "-rf", "--output=/etc", "$(touch x)", "a:b", "a*b", 'a"b', "a<b>c", "a|b"]),
)


def assert_safe(name: str, folder: Path) -> None:
    assert name and len(name) <= 80
    assert not name.startswith((".", "-")) and name not in (".", "..")
    assert "/" not in name and "\\" not in name and "\x00" not in name
    assert all(ch.isprintable() for ch in name)
    assert name.split(".")[0].lower() not in {"con", "prn", "aux", "nul", "com1", "lpt1"}
    target = (folder / name).resolve()
    assert target.parent == folder.resolve(), (name, target)


@fuzz(0.6)
@given(rows=st.lists(st.lists(HOSTILE, min_size=1, max_size=3), max_size=15),
       header=st.booleans(), encoding=st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "cp1252"]))
def test_rosters(rows, header, encoding, tmp_path):
    COUNTS["roster"] += 1
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    if header:
        writer.writerow(["student"])
    writer.writerows(rows)
    path = tmp_path / "roster.csv"
    path.write_bytes(buffer.getvalue().encode(encoding, errors="replace"))
    try:
        names = read_roster(path)
    except Exception as exc:  # noqa: BLE001 - judged by refused_cleanly
        refused_cleanly(exc, str(path))
        return
    assert len({n.lower() for n in names}) == len(names)
    assert not {n.lower() for n in names} & {f.lower() for f in OUTPUT_FILES}
    for name in names:
        assert_safe(name, tmp_path)
    nothing_executed()


@fuzz(0.2)
@given(text=st.one_of(st.text(max_size=100), HOSTILE))
def test_safe_name(text, tmp_path):
    COUNTS["roster"] += 1
    assert_safe(safe_name(text), tmp_path)


@fuzz(0.2)
@given(students=st.lists(HOSTILE, min_size=1, max_size=5))
def test_batch_check_writes_only_inside_its_folder(students, tmp_path, capsys):
    """The whole `check --batch` command: one file per student, in the folder, or a refusal."""
    COUNTS["roster"] += 1
    tmp_path = Path(tempfile.mkdtemp(dir=tmp_path))       # a fresh folder per case
    classes = tmp_path / "class.csv"
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["student", "z1_1", "E"])
    for s in students:
        writer.writerow([s, "0.41", "0.2"])
    classes.write_text(buffer.getvalue(), encoding="utf-8", errors="replace")
    out = tmp_path / "out"
    before = set(_all_files(tmp_path))
    code = main(["check", str(LECTURE), str(classes), "--batch", "-o", str(out)])
    err = capsys.readouterr().err
    created = set(_all_files(tmp_path)) - before
    assert all(out.resolve() in p.resolve().parents for p in created), created
    if code == 2:
        assert err.count("\n") == 1 and err.startswith("symbackprop: error: "), err
        assert not created
    else:
        assert code in (0, 1)
        written = {p.name for p in created}
        assert {"grades.csv", "summary.txt", "summary.json", "summary.png"} <= written
        assert len(written) == 4 + len(students)          # a file per student: nobody overwritten
    nothing_executed()


def _all_files(root: Path):
    for folder, _dirs, files in os.walk(root):
        for f in files:
            yield Path(folder) / f

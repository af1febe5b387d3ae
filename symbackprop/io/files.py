"""Writing outputs safely: to a temporary file in the same folder, then renamed.

A run that fails or is interrupted leaves either the previous file or the new one, never
half of one. The file gets the mode any new file of the user gets (0o666 less the umask:
0o644 under umask 022), not the 0o600 of a temporary file.
"""
from __future__ import annotations

import os
import re
import tempfile
import unicodedata
from pathlib import Path

from ..errors import SymbackpropError

__all__ = ["write_atomic", "safe_name", "distinct_names"]

#: Names Windows refuses for files, whatever the extension.
_DEVICES = {"con", "prn", "aux", "nul"} | {f"{d}{n}" for d in ("com", "lpt") for n in range(10)}


def safe_name(text: str, default: str = "student") -> str:
    """A file or folder name made from user text (a student id, a roster line) that stays in
    its folder: letters and digits of any script, '.', '-' and '_' only, no leading dot (so
    not '.', '..' or a hidden file), not a Windows device name, at most 80 characters."""
    name = unicodedata.normalize("NFC", str(text))
    name = re.sub(r"[^\w.-]+", "_", name).strip("._-")[:80].strip("._-") or default
    if name.split(".")[0].lower() in _DEVICES:
        name = "_" + name
    return name


def distinct_names(texts, source: str, reserved=()) -> list[str]:
    """``safe_name`` of each text, refusing two that become the same name (or a reserved one,
    such as the summary files beside them): one student's outputs never overwrite another's."""
    taken = {r.lower(): None for r in reserved}
    out = []
    for n, text in enumerate(texts, start=1):
        name = safe_name(text)
        key = name.lower()                      # case-insensitive file systems (macOS, Windows)
        if key in taken:
            other = taken[key]
            clash = (f"the same file name {name!r} as entry {other}" if other is not None
                     else f"the file name {name!r}, which symbackprop uses for its own output")
            raise SymbackpropError(f"{source}: entry {n} ({str(text)[:40]!r}) gives {clash}; "
                                   "make the ids distinct")
        taken[key] = n
        out.append(name)
    return out


def _umask() -> int:
    # The only portable way to read the umask is to set it and set it back at once.
    mask = os.umask(0o077)
    os.umask(mask)
    return mask


def write_atomic(path: str | Path, data: str | bytes) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.chmod(tmp, 0o666 & ~_umask())          # mkstemp makes it 0o600
        with os.fdopen(fd, "wb") as fh:
            fh.write(data.encode("utf-8") if isinstance(data, str) else data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    return path

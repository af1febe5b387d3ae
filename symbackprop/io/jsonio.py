"""Deterministic JSON with exact numbers.

Decimals are written as JSON number literals with 30 significant digits (the standard
library would go through binary floats). Keys keep their insertion order, which the
builders make deterministic; the same input gives byte-identical output.
"""
from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from ..core.exact import json_number

__all__ = ["dumps"]


def dumps(obj: Any, indent: int = 2) -> str:
    out: list[str] = []
    _write(obj, out, indent, 0)
    return "".join(out) + "\n"


def _write(obj: Any, out: list[str], indent: int, level: int) -> None:
    if isinstance(obj, Decimal):
        out.append(json_number(obj))
    elif isinstance(obj, bool) or obj is None or isinstance(obj, (int, str)):
        out.append(json.dumps(obj, ensure_ascii=False))
    elif isinstance(obj, float):
        out.append(json_number(Decimal(repr(obj))))
    elif isinstance(obj, dict):
        if not obj:
            out.append("{}")
            return
        pad = "\n" + " " * (indent * (level + 1))
        out.append("{")
        for n, (key, value) in enumerate(obj.items()):
            out.append(("," if n else "") + pad + json.dumps(str(key), ensure_ascii=False) + ": ")
            _write(value, out, indent, level + 1)
        out.append("\n" + " " * (indent * level) + "}")
    elif isinstance(obj, (list, tuple)):
        if not obj:
            out.append("[]")
            return
        if all(isinstance(v, (str, int, Decimal)) and not isinstance(v, bool) for v in obj):
            out.append("[")
            for n, value in enumerate(obj):
                out.append(", " if n else "")
                _write(value, out, indent, level + 1)
            out.append("]")
            return
        pad = "\n" + " " * (indent * (level + 1))
        out.append("[")
        for n, value in enumerate(obj):
            out.append(("," if n else "") + pad)
            _write(value, out, indent, level + 1)
        out.append("\n" + " " * (indent * level) + "]")
    else:
        raise TypeError(f"cannot write {type(obj).__name__} as JSON")

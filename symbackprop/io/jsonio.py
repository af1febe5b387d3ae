"""Deterministic JSON with exact numbers.

Decimals are written as JSON number literals with 30 significant digits (the standard
library would go through binary floats). Keys keep their insertion order, which the
builders make deterministic; the same input gives byte-identical output.

The layout: objects and lists one item a line, indented by ``indent``; a list whose items
are all strings, integers or Decimals on one line (``[1, "a", 0.5]``). A derivation of a
large network is a few million items (45 MB for 100-100-10), so the writer is one pass with
no per-item encoder object: strings through the standard library's C escaper, each distinct
Decimal formatted once (a value recurs as a factor, a path value, a partial, ...).
"""
from __future__ import annotations

import decimal
from decimal import Decimal
from json.encoder import encode_basestring
from typing import Any, Callable

__all__ = ["dumps", "json_number", "no_duplicate_keys", "SIGNIFICANT_OUT"]

_INLINE = (str, int, Decimal)        # a list of only these is written on one line (not bool)

#: Digits kept when a value leaves the engine as a full-precision number.
SIGNIFICANT_OUT = 30

_OUT = decimal.Context(prec=SIGNIFICANT_OUT, rounding=decimal.ROUND_HALF_EVEN,
                       Emax=999_999, Emin=-999_999)


def no_duplicate_keys(error: type[Exception]) -> Callable[[list], dict]:
    """A ``json.loads`` object hook that refuses a key given twice with ``error``."""
    def hook(pairs: list) -> dict:
        out = {}
        for key, value in pairs:
            if key in out:
                raise error(f"duplicate key {key[:40]!r}")
            out[key] = value
        return out
    return hook


def json_number(value: Decimal) -> str:
    """A JSON number literal carrying the value's first 30 significant digits."""
    if not value.is_finite():
        raise ValueError(f"not a finite number: {value}")
    v = value.normalize(_OUT)       # rounded to 30 digits, trailing zeros stripped
    if v.is_zero():
        return "0"
    sign, digits, exponent = v.as_tuple()
    # Plain notation where it stays short, scientific otherwise; both are valid JSON.
    if -12 <= exponent <= 0 or (exponent > 0 and len(digits) + exponent <= 30):
        text = f"{v:f}"
    else:
        text = f"{v:E}"
    return text



class _Numbers(dict):
    """Decimal → its JSON literal, formatted on first use."""

    def __missing__(self, value: Decimal) -> str:
        text = self[value] = json_number(value)
        return text


def _boolean(value: bool) -> str:
    return "true" if value else "false"


def _null(value: None) -> str:
    return "null"


def _float(value: float) -> str:
    return json_number(Decimal(repr(value)))


def dumps(obj: Any, indent: int = 2) -> str:
    out: list[str] = []
    emit = out.append
    numbers = _Numbers()
    # Exact types, one dict look-up each; subclasses (an IntEnum, a str subclass) in scalar().
    encoders: dict[type, Callable[[Any], str]] = {
        str: encode_basestring, Decimal: numbers.__getitem__, int: int.__repr__, bool: _boolean,
        type(None): _null, float: _float}
    encoder = encoders.get
    pads: list[str] = []
    flags: dict[tuple, str] = {}

    def pad(level: int) -> str:
        while len(pads) <= level:
            pads.append("\n" + " " * (indent * len(pads)))
        return pads[level]

    def scalar(value: Any) -> str | None:
        """The literal of a string, number, boolean or null; None for a container."""
        encode = encoder(type(value))
        if encode is not None:
            return encode(value)
        if isinstance(value, Decimal):
            return numbers[value]
        if isinstance(value, bool):
            return _boolean(value)
        if isinstance(value, int):
            return int.__repr__(value)
        if isinstance(value, str):
            return encode_basestring(value)
        if isinstance(value, float):
            return _float(value)
        return None

    def write(value: Any, level: int) -> None:
        # Containers first: no container is also a string or a number.
        if isinstance(value, dict):
            write_dict(value, level)
        elif isinstance(value, (list, tuple)):
            write_list(value, level)
        else:
            text = scalar(value)
            if text is None:
                raise TypeError(f"cannot write {type(value).__name__} as JSON")
            emit(text)

    def literals(values, types: set) -> list[str] | None:
        """The literals of values that are all of exact scalar types (the common case: a
        dict of Decimals, a list of booleans), in one pass; None otherwise."""
        if len(types) == 1:
            encode = encoder(next(iter(types)))
            return None if encode is None else list(map(encode, values))
        if types <= _SCALAR_TYPES:
            return [encoders[type(v)](v) for v in values]
        return None

    def write_dict(value: dict, level: int) -> None:
        if not value:
            emit("{}")
            return
        inner = pad(level + 1)
        texts = literals(value.values(), set(map(type, value.values())))
        if texts is not None:
            emit("{" + inner + ("," + inner).join(
                [encode_basestring(str(k)) + ": " + t for k, t in zip(value, texts)]) + pad(level) + "}")
            return
        head = "{" + inner
        rest = "," + inner
        for key, item in value.items():
            encode = encoder(type(item))
            if encode is not None:
                emit(head + encode_basestring(str(key)) + ": " + encode(item))
            else:
                emit(head + encode_basestring(str(key)) + ": ")
                container(type(item), write)(item, level + 1)
            head = rest
        emit(pad(level) + "}")

    def write_list(value: list | tuple, level: int) -> None:
        if not value:
            emit("[]")
            return
        types = set(map(type, value))
        if types == _BOOL:              # a chain's "reused" flags: few patterns, many lists
            key = (level, tuple(value))
            text = flags.get(key)
            if text is None:
                inner = pad(level + 1)
                text = flags[key] = ("[" + inner + ("," + inner).join(map(_boolean, value))
                                     + pad(level) + "]")
            emit(text)
            return
        if types <= _INLINE_TYPES or (not types <= _KNOWN_TYPES and all(
                isinstance(v, _INLINE) and not isinstance(v, bool) for v in value)):
            texts = literals(value, types)
            emit("[" + ", ".join(texts if texts is not None else [scalar(v) for v in value]) + "]")
            return
        inner = pad(level + 1)
        texts = literals(value, types)
        if texts is not None:
            emit("[" + inner + ("," + inner).join(texts) + pad(level) + "]")
            return
        head = "[" + inner
        rest = "," + inner
        for item in value:
            encode = encoder(type(item))
            if encode is not None:
                emit(head + encode(item))
            elif type(item) in _SEQUENCES and item and type(item[0]) is str:
                # A list of ids (a chain's path): one line, if all of it is strings.
                try:
                    emit(head + "[" + ", ".join(map(encode_basestring, item)) + "]")
                except TypeError:
                    emit(head)
                    write_list(item, level + 1)
            else:
                emit(head)
                container(type(item), write)(item, level + 1)
            head = rest
        emit(pad(level) + "]")

    container = {list: write_list, tuple: write_list, dict: write_dict}.get
    write(obj, 0)
    return "".join(out) + "\n"


_INLINE_TYPES = {str, int, Decimal}
_BOOL = {bool}
_SEQUENCES = (list, tuple)
_SCALAR_TYPES = {str, int, Decimal, bool, type(None), float}
_KNOWN_TYPES = _SCALAR_TYPES | {dict, list, tuple}     # no subclasses: the exact rule applies

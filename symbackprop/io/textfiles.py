"""Reading the text files users hand us (answers, class lists, rosters, training data).

One place decides what a readable text file is: at most a documented size, UTF-8 (with or
without a BOM), UTF-16 with a BOM (what spreadsheet programs save as "Unicode text"), or
Windows-1252; no NUL bytes. CSV rows come through :func:`csv_rows`, which turns every CSV
problem (NUL, a field beyond the size limit, a broken quote) into a one-line refusal.
:func:`csv_delimiter` tells a CSV saved by a spreadsheet in a locale with decimal commas
(Spanish: ``alumno;a1_1`` / ``ana;0,60108``, ``;`` between fields) from an ordinary one.
"""
from __future__ import annotations

import codecs
import csv
import io
from pathlib import Path

from ..errors import SymbackpropError

__all__ = ["read_text", "csv_rows", "csv_delimiter", "TEXT_LIMITS"]

#: Documented limits of the files read here.
TEXT_LIMITS = {"bytes": 5_000_000, "field": 10_000, "rows": 100_000}


def read_text(path: str | Path, error=SymbackpropError, limit: int = TEXT_LIMITS["bytes"]) -> str:
    """The file's text, or ``error`` (one line, naming the file)."""
    path = Path(path)
    try:
        with open(path, "rb") as fh:
            data = fh.read(limit + 1)
    except FileNotFoundError:
        raise error(f"{path}: file not found") from None
    except IsADirectoryError:
        raise error(f"{path}: expected a file, found a folder") from None
    except OSError as exc:
        raise error(f"{path}: cannot read the file ({exc.strerror})") from None
    if len(data) > limit:
        raise error(f"{path}: expected a file of at most {limit:,} bytes, found a larger one")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError:
            raise error(f"{path}: the file starts as UTF-16 but is not valid UTF-16") from None
    else:
        for encoding in ("utf-8-sig", "cp1252"):
            try:
                text = data.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
        else:
            raise error(f"{path}: expected a text file (UTF-8, UTF-16 or Windows-1252), found undecodable bytes")
    if "\x00" in text:
        raise error(f"{path}: expected a text file, found NUL bytes (is it a binary file, such as a spreadsheet?)")
    return text


def csv_delimiter(text: str) -> str:
    """The field separator of a CSV text, read from its header (its first line that is not
    blank): ``;`` when that line has a ``;`` outside quotes (what a spreadsheet writes where
    the decimal separator is a comma, so values may be written ``0,60108``), ``,`` otherwise."""
    header = text.lstrip().split("\n", 1)[0].split("\r", 1)[0]
    if ";" not in header:
        return ","
    outside_quotes = header.split('"')[0::2]
    return ";" if any(";" in part for part in outside_quotes) else ","


def csv_rows(text: str, source: str, error=SymbackpropError, delimiter: str = ",") -> list[list[str]]:
    """Every row of a CSV text, fields separated by ``delimiter`` (``","``, ``";"``, or
    ``"auto"``: as :func:`csv_delimiter` finds); a field over ``TEXT_LIMITS["field"]``
    characters, more than ``TEXT_LIMITS["rows"]`` rows or a malformed line is ``error``."""
    if delimiter == "auto":
        delimiter = csv_delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows: list[list[str]] = []
    try:
        for row in reader:
            rows.append(row)
            if len(rows) > TEXT_LIMITS["rows"]:
                raise error(f"{source}: expected at most {TEXT_LIMITS['rows']:,} rows")
            if any(len(cell) > TEXT_LIMITS["field"] for cell in row):
                raise error(f"{source}: line {reader.line_num}: expected fields of at most "
                            f"{TEXT_LIMITS['field']:,} characters")
    except csv.Error as exc:
        raise error(f"{source}: line {reader.line_num}: CSV error: {exc}") from None
    return rows

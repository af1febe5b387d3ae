"""The one exception tree of symbackprop.

Every error a user can cause is a :class:`SymbackpropError`; the CLI prints its one-line
message and exits with code 2, never a traceback::

    SymbackpropError            anything symbackprop refuses, with a one-line message
    ├── SpecError               a network spec that cannot be used (file, place, expected, found)
    ├── AnswerError             a student's answers file or value that cannot be read
    │   └── UnknownQuantity     a name in an API call that names no quantity (also a KeyError)
    └── RenderError             a report that cannot be produced
        ├── LatexNotFound       no TeX installation (the .tex is still written)
        └── LatexBuildError     LaTeX stopped with an error (carries the log lines)
"""
from __future__ import annotations

__all__ = [
    "SymbackpropError",
    "SpecError",
    "AnswerError",
    "UnknownQuantity",
    "RenderError",
    "LatexNotFound",
    "LatexBuildError",
]


class SymbackpropError(Exception):
    """Base class: ``str(error)`` is one line meant for a person. Messages quote user text
    (keys, names, values); any line break or control character in it is shown escaped
    (as \\n), so the message stays one line and cannot forge a second one."""

    def __str__(self) -> str:
        return _one_line(super().__str__())


def _one_line(text: str) -> str:
    if text.isprintable():
        return text
    return "".join(ch if ch.isprintable() else ascii(ch)[1:-1] for ch in text)


class SpecError(SymbackpropError):
    """A spec is malformed. ``source`` names the file, ``where`` the place in it."""

    def __init__(self, source: str, where: str, message: str):
        self.source = source
        self.where = where
        self.message = message
        place = f"{source}: {where}: " if where else f"{source}: "
        super().__init__(place + message)


class AnswerError(SymbackpropError):
    """An answers file or an answer value cannot be read."""


class UnknownQuantity(AnswerError, KeyError):
    """A name given to the API (``d.chain("w9")``, ``d.value(...)``) that names no quantity, or
    several: the same one line as ``check`` gives, with the closest valid names. It is a
    KeyError too, as a lookup by a canonical id that is not there always was."""

    def __str__(self) -> str:      # KeyError's own would quote the message
        return _one_line(str(self.args[0]) if self.args else "")


class RenderError(SymbackpropError):
    """A report cannot be rendered."""


class LatexNotFound(RenderError):
    """No LaTeX installation was found."""


class LatexBuildError(RenderError):
    """LaTeX failed; ``log_lines`` holds the error lines of its log."""

    def __init__(self, message: str, log_lines: tuple[str, ...] = ()):
        self.log_lines = tuple(log_lines)
        super().__init__(message)

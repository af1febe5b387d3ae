"""Shared pieces of the fuzzing suite (tests/test_fuzz_*.py).

Every entry point that reads what a user or a student wrote is fed generated input. The
only acceptable outcomes are a result or a :class:`SymbackpropError` whose message is one
line; anything else (another exception, a hang, a file appearing) fails the test.

How many cases: ``CASES`` per entry point, split over that entry point's tests; a few
hundred in a normal run (derandomized, so a run is reproducible), ten thousand with
``pytest --fuzz=nightly`` (random, a new search each night). ``COUNTS`` records the cases
actually run; the terminal summary prints them.
"""
from __future__ import annotations

import collections
import os
from pathlib import Path

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from symbackprop.errors import SymbackpropError

#: Generated cases per entry point: normal run and nightly run.
NORMAL_CASES = 300
NIGHTLY_CASES = 10_000
MODE = {"nightly": False}
COUNTS: collections.Counter = collections.Counter()

#: Where a payload that ran would leave its mark (the payloads below touch this file).
MARKER = Path(os.environ.get("TMPDIR", "/tmp")) / "symbackprop-fuzz-executed"


def cases(share: float) -> int:
    return max(1, round((NIGHTLY_CASES if MODE["nightly"] else NORMAL_CASES) * share))


def fuzz(share: float):
    """Hypothesis settings for a test that runs ``share`` of its entry point's cases."""
    return settings(
        max_examples=cases(share), deadline=None, database=None, derandomize=not MODE["nightly"],
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much,
                               HealthCheck.data_too_large, HealthCheck.function_scoped_fixture])


def refused_cleanly(exc: BaseException, source: str | None = None) -> None:
    """The one acceptable failure: our error, one line, naming the file when there is one."""
    assert isinstance(exc, SymbackpropError), f"{type(exc).__name__}: {exc}"
    text = str(exc)
    assert text and "\n" not in text and "\r" not in text, repr(text)
    assert "Traceback" not in text
    if source is not None:
        assert text.startswith(source), text


def nothing_executed() -> None:
    assert not MARKER.exists(), f"a payload ran: {MARKER} was created"


# Payloads: each would create MARKER if any of our readers evaluated it.
TOUCH = f"touch {MARKER}"
PAYLOADS = (
    f"__import__('os').system('{TOUCH}')",
    f"__import__(\"os\").system(\"{TOUCH}\")",
    f"().__class__.__base__.__subclasses__()[0]('{TOUCH}')",
    f"(lambda: __import__('os').system('{TOUCH}'))()",
    f"eval(\"__import__('os').system('{TOUCH}')\")",
    f"exec('import os; os.system(\"{TOUCH}\")')",
    f"open('{MARKER}', 'w')",
    "x.__class__",
    "import os",
    f"$(touch {MARKER})",
    f"`touch {MARKER}`",
    f"; touch {MARKER}",
)

#: LaTeX that must never reach a .tex file as LaTeX.
LATEX_ATTACKS = (
    r"\input{/etc/passwd}",
    r"\include{/etc/passwd}",
    r"\immediate\write18{" + TOUCH + "}",
    r"\write18{" + TOUCH + "}",
    r"\openout1=" + str(MARKER) + r" \write1{x}\closeout1",
    r"\catcode`\^=7",
    r"\def\x{\x}\x",
    r"\csname input\endcsname{/etc/passwd}",
    r"\newwrite\f\immediate\openout\f=evil.tex",
    r"^^5cinput{/etc/passwd}",
    r"\usepackage{shellesc}\ShellEscape{" + TOUCH + "}",
    r"$\input{x}$ & % # _ { } ~ ^ \\ \end{document}",
)

NASTY_TEXT = st.one_of(
    st.text(max_size=40),
    st.sampled_from(PAYLOADS + LATEX_ATTACKS + (
        "", " ", "\x00", "\u202e", "ñandú ∂E/∂w ŷ ₁", "🙂" * 10, "a" * 5000, "1e999999", "-0",
        "NaN", ".inf", "0x1F", "1_000", "١٢٣", "½", "∞", "null", "~", "true", "yes", "on",
        "../../etc/passwd", "/etc/passwd", "C:\\Windows\\x", "con", "summary",
    )),
)

NASTY_NUMBERS = st.one_of(
    st.integers(min_value=-(10 ** 30), max_value=10 ** 30),
    st.sampled_from([0, 1, -1, 2, 10 ** 12, 10 ** 13, -(10 ** 400), 10 ** 400, 2 ** 63, 2 ** 64 - 1]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([1e308, -1e308, 5e-324, -0.0, 1e-300, 1e12, 1.0000000000001e12, 0.1, 700.0, -745.0]),
)

NASTY_VALUES = st.recursive(
    st.one_of(st.none(), st.booleans(), NASTY_NUMBERS, NASTY_TEXT),
    lambda inner: st.one_of(st.lists(inner, max_size=5),
                            st.dictionaries(st.text(max_size=8), inner, max_size=3)),
    max_leaves=12,
)

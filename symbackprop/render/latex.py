"""LaTeX documents: the Jinja2 environment for our templates and the PDF build.

Templates use LaTeX-friendly delimiters (``\\BLOCK{...}``, ``\\VAR{...}``, ``\\#{...}``),
``StrictUndefined`` and an ``e`` filter that escapes text for LaTeX. They are found inside
the installed package, or in the repository's top-level ``templates/`` from a checkout.

PDFs are built with latexmk (pdflatex) in a temporary folder, never with shell escape,
with ``-halt-on-error`` and a time limit. A LaTeX error raises :class:`LatexBuildError`
quoting the error lines of the log; no TeX raises :class:`LatexNotFound` saying how to
install it. Either way the caller keeps the .tex.
"""
from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import tempfile
from functools import lru_cache
from importlib import resources
from pathlib import Path

import jinja2
from pylatex.utils import escape_latex

from ..errors import LatexBuildError, LatexNotFound

__all__ = ["environment", "build_pdf", "tex_escape", "latex_available", "INSTALL_HINT",
           "overfull_boxes"]

INSTALL_HINT = ("install TeX to get PDFs (Debian/Ubuntu: apt-get install texlive-latex-recommended "
                "texlive-latex-extra texlive-lang-spanish latexmk)")
_REPO_TEMPLATES = Path(__file__).resolve().parent.parent.parent / "templates"


# Characters outside what LaTeX's utf8 input reads by itself, written as math instead.
_UNICODE_MATH = {
    "α": r"\alpha", "β": r"\beta", "γ": r"\gamma", "δ": r"\delta", "ε": r"\varepsilon",
    "η": r"\eta", "θ": r"\theta", "λ": r"\lambda", "μ": r"\mu", "π": r"\pi", "σ": r"\sigma",
    "τ": r"\tau", "φ": r"\varphi", "ω": r"\omega", "Δ": r"\Delta", "Σ": r"\Sigma",
    "∂": r"\partial", "·": r"\cdot", "×": r"\times", "−": "-", "→": r"\to", "←": r"\leftarrow",
    "≈": r"\approx", "′": "'", "↪": r"\hookrightarrow", "✓": r"\checkmark", "✗": r"\times", "≤": r"\leq", "≥": r"\geq", "∑": r"\sum", "ŷ": r"\hat{y}",
}


def tex_escape(text: str) -> str:
    """Text from a user, safe in LaTeX text mode: every special character escaped, common
    Greek and math symbols written as math, anything else LaTeX cannot typeset shown as '?'."""
    out = []
    for ch in escape_latex(str(text)):
        if ch in _UNICODE_MATH:
            out.append(f"${_UNICODE_MATH[ch]}$")
        elif ord(ch) > 0x17F or (ord(ch) < 32 and ch not in "\n\t"):
            out.append("?")
        else:
            out.append(ch)
    return "".join(out)


def _template_dir() -> Path:
    packaged = resources.files("symbackprop").joinpath("templates")
    if packaged.is_dir():
        return Path(str(packaged))
    return _REPO_TEMPLATES


@lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(_template_dir())),
        block_start_string=r"\BLOCK{", block_end_string="}",
        variable_start_string=r"\VAR{", variable_end_string="}",
        comment_start_string=r"\#{", comment_end_string="}",
        trim_blocks=True, lstrip_blocks=True, autoescape=False,
        undefined=jinja2.StrictUndefined, keep_trailing_newline=True,
    )
    env.filters["e"] = tex_escape
    return env


def latex_available() -> bool:
    return shutil.which("latexmk") is not None and shutil.which("pdflatex") is not None


_ERROR_LINE = re.compile(r"^(?:!|.*:\d+: )")


def _error_lines(log: str) -> tuple[str, ...]:
    lines = log.splitlines()
    out: list[str] = []
    for n, line in enumerate(lines):
        if _ERROR_LINE.match(line) and "Warning" not in line:
            out.append(line.strip())
            # the context line LaTeX prints after the error ("l.42 ...")
            for follow in lines[n + 1:n + 4]:
                if follow.startswith("l."):
                    out.append(follow.strip())
                    break
    return tuple(dict.fromkeys(out))[:6]


def overfull_boxes(log: str, limit_pt: float = 10.0) -> list[str]:
    """The 'Overfull \\hbox (Xpt too wide)' lines of a log with X above ``limit_pt``."""
    found = []
    for m in re.finditer(r"Overfull \\hbox \(([\d.]+)pt too wide\)[^\n]*", log):
        if float(m.group(1)) > limit_pt:
            found.append(m.group(0))
    return found


def _kill_group(process: subprocess.Popen) -> None:
    """latexmk and the pdflatex it started, all of them."""
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    process.wait()


def latex_command(job: str) -> list[str]:
    """latexmk as symbackprop runs it: no shell escape (\\write18 cannot run programs), stop at
    the first error, never wait for input."""
    return ["latexmk", "-pdf", "-no-shell-escape", "-interaction=nonstopmode",
            "-halt-on-error", "-file-line-error", "-silent", f"{job}.tex"]


def build_pdf(tex: str, *, name: str = "document", timeout: float = 300.0) -> tuple[bytes, str]:
    """Compile LaTeX source in a fresh temporary folder (removed afterwards, whatever happens);
    return (PDF bytes, log text). ``name`` only labels messages: the job inside the folder is
    always ``report``, so no file name a user chose ever reaches TeX. TeX may read and write
    only inside that folder (openin_any/openout_any = paranoid); the whole process group is
    killed after ``timeout`` seconds or on Ctrl-C."""
    if not latex_available():
        raise LatexNotFound(f"no LaTeX found: {INSTALL_HINT}")
    job = "report"
    with tempfile.TemporaryDirectory(prefix="symbackprop-") as tmp:
        src = Path(tmp) / f"{job}.tex"
        src.write_text(tex, encoding="utf-8")
        env = {**os.environ, "openout_any": "p", "openin_any": "p", "shell_escape": "f"}
        process = subprocess.Popen(latex_command(job), cwd=tmp, stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL, env=env,
                                   start_new_session=True)
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            _kill_group(process)
            raise LatexBuildError(f"{name}: LaTeX did not finish within {timeout:.0f} s") from None
        except BaseException:
            _kill_group(process)
            raise
        log_path = Path(tmp) / f"{job}.log"
        log = log_path.read_text(encoding="utf-8", errors="replace") if log_path.exists() else ""
        pdf = Path(tmp) / f"{job}.pdf"
        errors = _error_lines(log)
        if errors or not pdf.exists():
            detail = " | ".join(errors) if errors else "no PDF was produced"
            raise LatexBuildError(f"LaTeX failed: {detail}", errors)
        return pdf.read_bytes(), log

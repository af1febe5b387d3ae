"""The ``symbackprop`` command: argument parsing and printing, nothing else.

    symbackprop solve SPEC [--format text|json] [--rounding exact|hand] [--paths auto|all|none] [-o DIR]
    symbackprop demo [-o DIR]

Every refusal is one line on stderr and exit code 2.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from . import __version__
from .api import as_json, as_text
from .derive import solve
from .errors import SymbackpropError
from .files import write_atomic
from .i18n import say
from .resources import LECTURE_EXAMPLE, read_lecture_example
from .spec import load_spec, spec_from_text

__all__ = ["main"]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="symbackprop",
        description="Exact, readable, checkable derivations of backpropagation.")
    parser.add_argument("--version", action="version", version=f"symbackprop {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    solve = sub.add_parser("solve", help="derive every gradient of a network spec")
    solve.add_argument("spec", help="the network spec (YAML)")
    solve.add_argument("--format", choices=("text", "json"), default="text")
    _common(solve)

    demo = sub.add_parser("demo", help="the lectures' 2-2-2 example")
    _common(demo, default_dir="output")
    return parser


def _common(p: argparse.ArgumentParser, default_dir: str | None = None) -> None:
    p.add_argument("--rounding", choices=("exact", "hand"), default="exact",
                   help="hand: round every intermediate value to the spec's decimals, as on a calculator")
    p.add_argument("--paths", choices=("auto", "all", "none"), default="auto",
                   help="enumerate the chain-rule paths (auto: while a parameter has at most 64)")
    p.add_argument("--lang", choices=("es", "en"), default=None, help="language of the text")
    p.add_argument("-o", "--output", metavar="DIR", default=default_dir,
                   help="write the results into DIR" + (f" (default: {default_dir})" if default_dir else ""))


def _write(directory: str, name: str, text: str, language: str) -> None:
    path = write_atomic(Path(directory) / name, text)
    print(say(language, "written", path=path), file=sys.stderr)


def _run(args: argparse.Namespace) -> int:
    if args.command == "demo":
        spec = spec_from_text(read_lecture_example(), LECTURE_EXAMPLE)
        stem = Path(LECTURE_EXAMPLE).stem
        fmt = "text"
    else:
        spec = load_spec(args.spec)
        stem = Path(args.spec).stem
        fmt = args.format
    language = args.lang or spec.language
    solution = solve(spec, rounding=args.rounding, paths=args.paths)
    if args.command == "demo":
        sys.stdout.write(as_text(solution, language))
        _write(args.output, f"{stem}.json", as_json(solution), language)
        return 0
    text = as_json(solution) if fmt == "json" else as_text(solution, language)
    if args.output:
        _write(args.output, f"{stem}.{'json' if fmt == 'json' else 'txt'}", text, language)
    else:
        sys.stdout.write(text)
    return 0


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return _run(args)
    except SymbackpropError as exc:
        print(f"symbackprop: error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"symbackprop: error: {exc.filename or ''}: {exc.strerror}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("symbackprop: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

"""The ``symbackprop`` command: argument parsing and printing, nothing else.

    symbackprop solve SPEC [--format text|json|tex|pdf] [--style slides|article|exercise|answers]
                           [--rounding exact|hand] [--paths auto|all|none] [--lang es|en] [-o DIR]
                           [--author NAME] [--course TEXT] [--institution TEXT] [--date TEXT]
    symbackprop graph "EXPR" --at x=-2,y=5,z=-4 [--format text|json|tex|pdf] [--style slides|article]
                     [--sigmoid gate|decomposed] [--lang es|en] [-o DIR|FILE]
    symbackprop check SPEC ANSWERS [--format text|json|pdf] [--batch] [--rtol R] [--atol A] [--decimals D]
                     [--min-decimals N] [--marks FILE] [--carried-credit SHARE]
    symbackprop export SPEC -o FILE.py
    symbackprop train SPEC (--data FILE.csv | --dataset xor|moons|circles|sine) [--epochs N] ...
    symbackprop gradients SPEC [SPEC ...] (--data FILE.csv | --dataset ...) [train's options] [-o DIR|FILE]
    symbackprop variants SPEC (--count N | --roster FILE.csv) [--seed S] [--vary ...] [--jobs J]
    symbackprop demo [-o DIR] [--author NAME] [--course TEXT] [--institution TEXT] [--date TEXT]

Every refusal is one line on stderr and exit code 2.
"""
from __future__ import annotations

import argparse
import gc
import math
import os
import sys
from pathlib import Path

from ._version import __version__
from .api import (build_variant, gradients_figure, training_data, vanishing_gradients, worker_start, as_json, as_text, grade_class_file, grade_file, graph_stem,
                  report_parameters, solve_for_report, with_title_page, write_graph_report, write_layers_report,
                  write_report, write_tex_and_pdf)
from .render.report import STYLES, render_feedback_tex
from .check.judge import Options
from .render.check_text import check_document, check_text
from .render.class_report import class_document, class_steps, class_text, grades_csv, problems_document
from .check.marks import shown
from .derive.layers import layer_view
from .numeric.codegen import export_source
from .render.plots import class_chart_png, grad_norms_png, loss_curve_png
from .core.expr import parse_number
from .spec.reading import TITLE_PAGE_KEYS, load_spec, spec_from_text, spec_to_dict
from .exercises.blackboard import blackboard_txt
from .exercises.lms import LAYOUTS, moodle_xml, questions, questions_csv
from .exercises.qti import qti_zip
from .exercises.variants import make_variants, read_roster, manifest_csv, manifest_document, spec_of_variant
from .numeric.train import DATASETS, OPTIMIZERS, TrainConfig, train, trained_spec
from .render.training_text import grad_norm_labels, gradients_text, loss_labels, train_summary
from .render.layers_frames import layers_data
from .render.layers_text import layers_text
from .derive.derivation import solve
from .errors import LatexNotFound, SymbackpropError
from .io.files import distinct_names, write_atomic
from .core.graph import build_graph, parse_at
from .io.jsonio import dumps
from .render.graph_text import graph_document, graph_text
from .render.i18n import say
from .io.resources import LECTURE_EXAMPLE, read_lecture_example

__all__ = ["main"]


class _Help(argparse.HelpFormatter):
    """Option help with its default, where it has one worth saying."""

    def _get_help_string(self, action: argparse.Action) -> str:
        text = action.help or ""
        if (action.option_strings and action.default not in (None, False, argparse.SUPPRESS)
                and "default" not in text and not isinstance(action, argparse._VersionAction)):
            text += " (default: %(default)s)"
        return text


class _Parser(argparse.ArgumentParser):
    """argparse, with a usage mistake said in one line (and where to read more)."""

    def error(self, message: str):
        self.exit(2, f"symbackprop: error: {message} (see {self.prog} --help)\n")


class _SubParser(_Parser):
    #: True for `graph`, whose expression may start with a minus ("-x^2"): there a word with
    #: one leading '-' that is not exactly one of its short options (-h, -o) is the expression
    #: (so -o takes its value as the next word: -o DIR, not -oDIR).
    dash_positionals = False

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("formatter_class", _Help)
        super().__init__(*args, **kwargs)

    def _parse_optional(self, arg_string):
        if (self.dash_positionals and arg_string[:1] == "-" and arg_string[:2] != "--"
                and arg_string not in self._option_string_actions):
            return None
        return super()._parse_optional(arg_string)


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="symbackprop",
        description="Exact, readable, checkable derivations of backpropagation.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="""examples:
  symbackprop demo                                   the lectures' 2-2-2 example, every output
  symbackprop solve net.yaml --format pdf --lang en  slides of a network of yours
  symbackprop graph "(x+y)*z" --at x=-2,y=5,z=-4     a computational graph
  symbackprop check net.yaml ana.yaml                a student's sheet, ✓ ≈ ↪ ✗ with diagnoses
  symbackprop check net.yaml class.csv --batch       a class: grades.csv, summary, a report each
  symbackprop export net.yaml -o net.py              the gradients as a NumPy module
  symbackprop gradients deep.yaml deep_res.yaml --dataset xor   vanishing gradients, plotted

symbackprop COMMAND --help tells each command's options.""")
    parser.add_argument("--version", action="version", version=f"symbackprop {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND", parser_class=_SubParser)

    solve_p = sub.add_parser("solve", help="derive every gradient of a network spec")
    solve_p.add_argument("spec", help="the network spec (YAML)")
    solve_p.add_argument("--format", choices=("text", "json", "tex", "pdf"), default="text",
                         help="a walkthrough (text), the derivation document (json), LaTeX (tex) or LaTeX and its PDF (pdf)")
    solve_p.add_argument("--view", choices=("network", "layers"), default="network",
                         help="network: neuron by neuron; layers: the modular view, each layer a forward and a backward function with its Jacobians")
    solve_p.add_argument("--style", choices=STYLES, default="slides",
                         help="for tex/pdf: slides, article (handout), exercise (blanks), answers (its key)")
    solve_p.add_argument("--only", metavar="w1_1_1,w5,...", default=None,
                         help="for tex/pdf: derive only these parameters step by step (the forward pass, "
                              "the error and the end-of-iteration table stay whole)")
    _title_page(solve_p)
    _common(solve_p)

    graph_p = sub.add_parser("graph", help="the computational graph of a scalar expression")
    graph_p.dash_positionals = True
    graph_p.add_argument("expression", help='for example "(x+y)*z" or "-x^2"')
    graph_p.add_argument("--at", required=True, metavar="x=-2,y=5,...",
                         help="the value of every variable (one not in the expression has gradient 0)")
    graph_p.add_argument("--format", choices=("text", "json", "tex", "pdf"), default="text",
                         help="the forward and backward steps (text), a document (json), LaTeX (tex) or PDF")
    graph_p.add_argument("--style", choices=("slides", "article"), default="slides",
                         help="Beamer slides or an article handout (tex, pdf)")
    graph_p.add_argument("--sigmoid", choices=("gate", "decomposed"), default="gate",
                         help="sigmoid as one gate, or as the nodes *-1, exp, +1, 1/x")
    graph_p.add_argument("--lang", choices=("es", "en"), default="es", help="language of the output")
    graph_p.add_argument("-o", "--output", metavar="DIR|FILE", default=None,
                         help="a folder for the files written, named after the expression "
                              "(graph-x-plus-y-times-z-1a2b3c-slides-es.pdf), or a file: NAME.pdf or "
                              "NAME.tex (tex/pdf), NAME.json, NAME.txt (default: the folder output for "
                              "tex/pdf; text and json print when not given)")

    check_p = sub.add_parser("check", help="check a student's hand calculation (or a class with --batch)")
    check_p.add_argument("spec", help="the network spec (YAML)")
    check_p.add_argument("answers", help="YAML, JSON or CSV: quantity -> value (--batch: a class CSV)")
    check_p.add_argument("--format", choices=("text", "json", "pdf"), default="text",
                         help="a table (text), a document (json) or a feedback sheet (pdf)")
    check_p.add_argument("--batch", action="store_true",
                         help="ANSWERS is a class CSV: a student column, one column per quantity; writes a "
                              "feedback file per student (--format), grades.csv, summary.txt/.json/.png")
    check_p.add_argument("--rtol", type=_decimal, default=None, help="relative tolerance (overrides)")
    check_p.add_argument("--atol", type=_decimal, default=None, help="absolute tolerance (overrides)")
    check_p.add_argument("--decimals", type=_whole(0, 50), default=None, help="judge every answer at these decimals")
    check_p.add_argument("--min-decimals", type=_whole(0, 50), default=None, metavar="N",
                         help="an answer must show at least N decimal places "
                              "(default: the spec's decimals; 0: no minimum)")
    check_p.add_argument("--marks", metavar="FILE", default=None,
                         help="points per quantity or per kind (YAML, JSON or CSV; default: 1 a quantity); "
                              "a quantity's entry wins over its kind's")
    check_p.add_argument("--carried-credit", type=_credit, default=None, metavar="SHARE",
                         help="share of a quantity's points earned by a value carried forward from an "
                              "earlier slip, from 0 to 1 (default: 1, full points)")
    check_p.add_argument("--variant", metavar="K", default=None,
                         help="grade against variant K (number or name) of --manifest")
    check_p.add_argument("--manifest", metavar="FILE.json", default=None,
                         help="the manifest.json written by symbackprop variants (with --variant)")
    check_p.add_argument("--lang", choices=("es", "en"), default=None,
                         help="language of the output (default: the spec's)")
    check_p.add_argument("-o", "--output", metavar="DIR", default=None,
                         help="folder for the files written (default: output)")

    export_p = sub.add_parser("export", help="write a standalone NumPy module: forward, loss and gradients")
    export_p.add_argument("spec", help="the network spec (YAML)")
    export_p.add_argument("-o", "--output", metavar="FILE.py", required=True, help="the module to write")
    export_p.add_argument("--backend", choices=("numpy", "torch", "jax"), default="numpy",
                          help="numpy (default, needs nothing else); torch or jax run the same lines there")

    train_p = sub.add_parser("train", help="train the network with the exported formulas")
    train_p.add_argument("spec", help="the network spec (YAML)")
    _training(train_p)
    train_p.add_argument("-o", "--output", metavar="DIR", default="output", help="folder for the files written")

    grad_p = sub.add_parser("gradients", help="vanishing gradients: ‖∂E/∂W‖ per layer, at initialization "
                                              "and over training, for one or more networks")
    grad_p.add_argument("spec", nargs="+", help="the network specs (YAML), one panel each")
    _training(grad_p)
    grad_p.add_argument("--format", choices=("png", "pdf"), default=None,
                        help="the figure's format (default: from -o's suffix, else png)")
    grad_p.add_argument("-o", "--output", metavar="DIR|FILE", default="output",
                        help="folder for vanishing-gradients.png, or the figure's file (.png, .pdf)")

    var_p = sub.add_parser("variants", help="one exercise variant per student: sheets, keys, manifest")
    var_p.add_argument("spec", help="the network spec (YAML)")
    who = var_p.add_mutually_exclusive_group(required=True)
    who.add_argument("--count", type=_whole(1, 10_000), help="how many variants")
    who.add_argument("--roster", metavar="FILE.csv", help="a CSV of student ids (first column): one variant each")
    var_p.add_argument("--seed", type=_whole(0, 2 ** 32 - 1), default=0,
                       help="seed of the variants' values (the same seed gives the same variants)")
    var_p.add_argument("--vary", default="weights,biases,inputs,targets",
                       help="comma-separated: weights, biases, inputs, targets, learning_rate")
    var_p.add_argument("--round", type=_whole(0, 6), default=1, dest="places", help="decimals of the drawn numbers")
    var_p.add_argument("--range", default="-1:1", dest="value_range", help="low:high of the drawn numbers")
    var_p.add_argument("--format", choices=("tex", "pdf"), default="pdf", help="LaTeX only, or LaTeX and PDF")
    var_p.add_argument("--jobs", type=_whole(1, 256), default=None, help="worker processes (default: one per core)")
    var_p.add_argument("--questions", default=None,
                       help="quantities asked in moodle.xml, qti.zip, blackboard.txt and questions.* (default: a1_1, ..., E, the first weights)")
    var_p.add_argument("--moodle-layout", choices=LAYOUTS, default="cloze",
                       help="moodle.xml: one Cloze question per variant, all in one category (default; one "
                            "random-question slot gives each student a whole network), or one numerical "
                            "question per step in a category per variant")
    var_p.add_argument("--lang", choices=("es", "en"), default=None,
                       help="language of the output (default: the spec's)")
    var_p.add_argument("-o", "--output", metavar="DIR", default="output/variants", help="folder for the files written")

    demo = sub.add_parser("demo", help="the lectures' 2-2-2 example: walkthrough, JSON, slides and handouts")
    _title_page(demo, prefix="")
    _common(demo, default_dir="output")
    return parser


def _training(p: argparse.ArgumentParser) -> None:
    """The options of training (train, gradients)."""
    source = p.add_mutually_exclusive_group(required=True)
    source.add_argument("--data", metavar="FILE.csv", help="inputs and targets (targets named y..., t...)")
    source.add_argument("--dataset", choices=DATASETS, help="a built-in dataset instead of --data")
    p.add_argument("--epochs", type=_whole(1, 1_000_000), default=100, help="passes over the data")
    p.add_argument("--batch-size", type=_whole(1, 10_000_000), default=32, help="examples per gradient step")
    p.add_argument("--optimizer", choices=OPTIMIZERS, default="sgd",
                   help="the update rule (SGD, momentum, RMSProp, Adam)")
    p.add_argument("--lr", type=_finite(zero=False), default=None, help="default: the spec's learning_rate")
    p.add_argument("--l1", type=_finite(zero=True), default=None,
                   help="L1 penalty coefficient (default: the spec's regularization)")
    p.add_argument("--l2", type=_finite(zero=True), default=None,
                   help="L2 penalty coefficient (default: the spec's regularization)")
    p.add_argument("--early-stopping", type=_whole(1, 1_000_000), default=None, metavar="PATIENCE",
                   help="stop after PATIENCE epochs without a better loss (the validation loss with --validation) and keep the best parameters (default: never)")
    p.add_argument("--validation", type=float, default=0.0, help="share held out, e.g. 0.2")
    p.add_argument("--seed", type=_whole(0, 2 ** 32 - 1), default=0, help="seed of the dataset and of the shuffling")
    p.add_argument("--dtype", choices=("float64", "float32"), default="float64",
                   help="floating-point type of the arrays")
    p.add_argument("--lang", choices=("es", "en"), default=None, help="language of the output (default: the spec's)")


def _config(args: argparse.Namespace) -> TrainConfig:
    if not 0 <= args.validation < 1:
        raise SymbackpropError(f"--validation: expected a share from 0 to 1, found {args.validation}")
    return TrainConfig(epochs=args.epochs, batch_size=args.batch_size, optimizer=args.optimizer,
                       lr=args.lr, l1=args.l1, l2=args.l2, early_stopping=args.early_stopping,
                       validation=args.validation, seed=args.seed, dtype=args.dtype)


def _common(p: argparse.ArgumentParser, default_dir: str | None = None) -> None:
    p.add_argument("--rounding", choices=("exact", "hand"), default="exact",
                   help="hand: round every intermediate value to the spec's decimals, as on a calculator")
    p.add_argument("--paths", choices=("auto", "all", "none"), default="auto",
                   help="enumerate the chain-rule paths (auto: while a parameter has few enough)")
    p.add_argument("--lang", choices=("es", "en"), default=None, help="language of the output")
    p.add_argument("-o", "--output", metavar="DIR", default=default_dir,
                   help="write the results into DIR" + (f" (default: {default_dir})" if default_dir else
                                                        " (tex/pdf default: output)"))


def _title_page(p: argparse.ArgumentParser, prefix: str = "for tex/pdf: ") -> None:
    """--author, --course, --institution, --date: the spec's keys of the same names, overridden."""
    for key, example in (("author", "NAME"), ("course", "TEXT"), ("institution", "TEXT"), ("date", "TEXT")):
        p.add_argument(f"--{key}", metavar=example, type=_title_text, default=None,
                       help=f"{prefix}the {key} on the title page, in every language (default: the "
                            f"spec's {key}, if any; \"\" leaves it out)" + ("; never today's date by itself"
                                                                           if key == "date" else ""))


def _title_text(text: str) -> str:
    """An argparse type: a title-page text, at most 200 characters (as in a spec)."""
    if len(text) > 200:
        raise argparse.ArgumentTypeError(f"expected at most 200 characters, found {len(text)}")
    return text


def _with_title_page(args: argparse.Namespace, spec):
    return with_title_page(spec, **{key: getattr(args, key) for key in TITLE_PAGE_KEYS})


def _said(language: str, paths) -> None:
    for path in paths:
        print(say(language, "written", path=path), file=sys.stderr)


def _demo(args: argparse.Namespace) -> int:
    spec = _with_title_page(args, spec_from_text(read_lecture_example(), LECTURE_EXAMPLE))
    stem = Path(LECTURE_EXAMPLE).stem
    language = args.lang or spec.language
    solution = solve(spec, rounding=args.rounding, paths=args.paths)
    sys.stdout.write(as_text(solution, language))
    _said(language, [write_atomic(Path(args.output) / f"{stem}.json", as_json(solution))])
    report = solve_for_report(spec, rounding=args.rounding, paths=args.paths)
    missing = None
    for lang in ("es", "en"):
        for style in ("slides", "article"):
            try:
                _said(language, write_report(report, style, lang, args.output, stem, pdf=missing is None))
            except LatexNotFound as exc:
                missing = exc
                _said(language, write_report(report, style, lang, args.output, stem, pdf=False))
    if missing:
        raise missing
    return 0


def _solve(args: argparse.Namespace) -> int:
    spec = _with_title_page(args, load_spec(args.spec))
    stem = Path(args.spec).stem
    language = args.lang or spec.language
    if args.view == "layers":
        return _layers(args, spec, stem, language)
    if args.format in ("tex", "pdf"):
        solution = solve_for_report(spec, rounding=args.rounding, paths=args.paths)
        only = report_parameters(solution, args.only, args.spec)
        _said(language, write_report(solution, args.style, language, args.output or "output", stem,
                                     pdf=args.format == "pdf", only=only))
        return 0
    if args.only is not None:
        raise SymbackpropError("--only: chooses the parameters of a tex or pdf report; "
                               "text and json always hold every parameter")
    solution = solve(spec, rounding=args.rounding, paths=args.paths)
    text = as_json(solution) if args.format == "json" else as_text(solution, language)
    if args.output:
        suffix = "json" if args.format == "json" else "txt"
        _said(language, [write_atomic(Path(args.output) / f"{stem}.{suffix}", text)])
    else:
        sys.stdout.write(text)
    return 0


def _layers(args: argparse.Namespace, spec, stem: str, language: str) -> int:
    view = layer_view(spec)
    if args.format in ("tex", "pdf"):
        _said(language, write_layers_report(spec, view, args.style, language, args.output or "output",
                                            stem, pdf=args.format == "pdf"))
        return 0
    text = layers_text(view, language, spec.decimals)
    if args.format == "json":
        text = dumps(layers_data(view))
    if args.output:
        _said(language, [write_atomic(Path(args.output) / f"{stem}-layers.{'json' if args.format == 'json' else 'txt'}", text)])
    else:
        sys.stdout.write(text)
    return 0


def _whole(lo: int, hi: int):
    """An argparse type: a whole number from lo to hi."""
    def read(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            value = None
        if value is None or not lo <= value <= hi:
            raise argparse.ArgumentTypeError(f"expected a whole number from {lo:,} to {hi:,}, found {text!r}")
        return value
    return read


def _finite(*, zero: bool):
    """An argparse type: a finite number > 0 (a learning rate), or >= 0 with ``zero`` (a penalty)."""
    def read(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            value = float("nan")
        if not (math.isfinite(value) and (value >= 0 if zero else value > 0)):
            raise argparse.ArgumentTypeError(f"expected a finite number {'>=' if zero else '>'} 0, found {text!r}")
        return value
    return read


def _decimal(text: str):
    from .core.expr import parse_number
    try:
        value = parse_number(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, found {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected a number >= 0, found {text!r}")
    return value


def _credit(text: str):
    """An argparse type: --carried-credit, a share from 0 to 1."""
    from .check.marks import read_credit
    try:
        return read_credit(text)
    except SymbackpropError as exc:
        raise argparse.ArgumentTypeError(str(exc).removeprefix("--carried-credit: ")) from None


def _warn(problems) -> None:
    """A name the answers reader could not use, said on stderr; the rest was graded."""
    for p in problems:
        print(f"symbackprop: warning: {getattr(p, 'message', p)}", file=sys.stderr)


def _check(args: argparse.Namespace) -> int:
    spec = load_spec(args.spec)
    if (args.variant is None) != (args.manifest is None):
        raise SymbackpropError("--variant and --manifest go together")
    if args.variant is not None:
        spec = spec_of_variant(args.manifest, args.variant)
    language = args.lang or spec.language
    options = Options(rtol=args.rtol, atol=args.atol, decimals=args.decimals, min_decimals=args.min_decimals)
    if args.batch:
        return _check_class(args, spec, language, options)
    grades = grade_file(spec, args.answers, options, marks_path=args.marks, carried_credit=args.carried_credit)
    _warn(grades.problems)
    solution, (_, report), marked = grades.solution, grades.reports[0], grades.marks[0]
    # The mark is shown when marks are asked for (--marks, --carried-credit); a sheet's check
    # alone reads as it always did.
    asked = args.marks is not None or args.carried_credit is not None
    if args.format == "pdf":
        tex = render_feedback_tex(solution, report, language, Path(args.answers).name,
                                  mark=_mark_line(language, marked) if asked else None)
        base = Path(args.output or "output") / f"{Path(args.answers).stem}-feedback"
        _said(language, write_tex_and_pdf(base, tex, pdf=True))
        if asked:
            print(_mark_line(language, marked), file=sys.stderr)
        return 0 if report.passed and not grades.problems else 1
    if args.format == "json":
        document = check_document(solution, report, language)
        if asked:
            document["mark"] = {"mark": marked.mark, "out_of": marked.out_of, "percent": marked.percent}
        if grades.problems:
            document["problems"] = problems_document(grades.problems)
        text = dumps(document)
    else:
        text = check_text(solution, report, language, Path(args.answers).name)
        if asked:
            text += _mark_line(language, marked) + "\n"
    if args.output:
        _said(language, [write_atomic(Path(args.output) / f"{Path(args.answers).stem}-check."
                                      f"{'json' if args.format == 'json' else 'txt'}", text)])
    else:
        sys.stdout.write(text)
    # an answer that could not be read under its name was not credited: never "all right"
    return 0 if report.passed and not grades.problems else 1


def _mark_line(language: str, m) -> str:
    return say(language, "check_mark", mark=shown(m.mark), out_of=shown(m.out_of),
               percent=shown(m.percent) if m.percent is not None else "—")


#: Files ``check --batch`` writes beside the students' own: no student may be named so.
CLASS_FILES = ("summary", "grades")


def _check_class(args: argparse.Namespace, spec, language: str, options: Options) -> int:
    """``check --batch``: a feedback file per student (text, JSON or PDF), grades.csv, and the
    class summary as text, JSON and a chart. Without TeX the PDFs' .tex files and everything
    else are written, then the missing TeX is the error (exit code 2), as for one sheet."""
    grades = grade_class_file(spec, args.answers, options, marks_path=args.marks,
                              carried_credit=args.carried_credit)
    _warn(grades.problems)
    solution, reports = grades.solution, grades.reports
    out = Path(args.output or "output") / Path(args.answers).stem
    names = distinct_names([who for who, _ in reports], args.answers, reserved=CLASS_FILES)
    steps = class_steps(solution, grades.columns, reports, language)
    summary = class_text(steps, len(reports), grades.marks, grades.problems, language)
    labels = tuple(say(language, k) for k in ("chart_right", "chart_carried", "chart_root", "chart_students"))
    # The grades and the summary first: they stand whatever becomes of the feedback files.
    written = [write_atomic(out / "grades.csv", grades_csv(grades.columns, reports, grades.marks)),
               write_atomic(out / "summary.txt", summary),
               write_atomic(out / "summary.json",
                            dumps(class_document(steps, reports, grades.marks, grades.problems))),
               write_atomic(out / "summary.png", class_chart_png(steps, spec.title_in(language), labels))]
    missing = None
    if args.format == "pdf":
        missing = _feedback_pdfs(solution, reports, names, out, language,
                                 [_mark_line(language, m) for m in grades.marks])
    else:
        for name, (who, report), marked in zip(names, reports, grades.marks):
            if args.format == "json":
                document = check_document(solution, report, language)
                document["mark"] = {"mark": marked.mark, "out_of": marked.out_of, "percent": marked.percent}
                text = dumps(document)
            else:
                text = check_text(solution, report, language, who) + _mark_line(language, marked) + "\n"
            written.append(write_atomic(out / f"{name}.{'json' if args.format == 'json' else 'txt'}", text))
    sys.stdout.write(summary)
    print(say(language, "written", path=out), file=sys.stderr)
    if missing is not None:
        raise missing
    return 0 if all(r.passed for _, r in reports) and not grades.problems else 1


def _feedback_pdfs(solution, reports, names, out: Path, language: str,
                   marks: list[str]) -> LatexNotFound | None:
    """Every student's feedback sheet, NAME.tex and NAME.pdf, compiled a few at a time (each
    LaTeX run is a process of its own, one per core). Without TeX, every NAME.tex is written
    and the LatexNotFound returned, to raise once everything else is written."""
    from concurrent.futures import ThreadPoolExecutor
    from .render.latex import latex_available
    jobs = [(out / name, render_feedback_tex(solution, report, language, who, mark=mark))
            for name, (who, report), mark in zip(names, reports, marks)]
    if not latex_available():
        missing = None
        for base, tex in jobs:
            try:
                write_tex_and_pdf(base, tex, pdf=missing is None)
            except LatexNotFound as exc:       # the .tex is written; the others' too, below
                missing = exc
        return missing
    pool = ThreadPoolExecutor(max_workers=max(1, min(len(jobs), os.cpu_count() or 1)))
    try:
        for done, paths in enumerate(pool.map(lambda job: write_tex_and_pdf(*job, pdf=True), jobs), start=1):
            _bar(done, len(jobs), paths[-1].name)
    except BaseException:
        # Ctrl-C or a sheet LaTeX refused: the sheets being built finish (each written whole),
        # the others are not started.
        pool.shutdown(wait=True, cancel_futures=True)
        raise
    pool.shutdown()
    return None


_GRAPH_FILES = {"text": (".txt",), "json": (".json",), "tex": (".tex", ".pdf"), "pdf": (".pdf", ".tex")}


def _graph(args: argparse.Namespace) -> int:
    g = build_graph(args.expression, parse_at(args.at), decompose_sigmoid=args.sigmoid == "decomposed")
    # -o names a file when it ends in a suffix of the format, a folder otherwise
    target = Path(args.output) if args.output else None
    named = target is not None and target.suffix.lower() in _GRAPH_FILES[args.format]
    if target is not None and not named and target.suffix.lower() in (".txt", ".json", ".tex", ".pdf"):
        wanted = " or ".join(_GRAPH_FILES[args.format])
        raise SymbackpropError(f"-o: expected a folder or a file name ending in {wanted} for --format "
                               f"{args.format}, found {args.output!r}")
    if args.format in ("tex", "pdf"):
        _said(args.lang, write_graph_report(g, args.style, args.lang, target or "output",
                                            pdf=args.format == "pdf", filename=target if named else None))
        return 0
    text = dumps(graph_document(g)) if args.format == "json" else graph_text(g, args.lang)
    if target is not None:
        path = target if named else target / f"{graph_stem(g)}{_GRAPH_FILES[args.format][0]}"
        _said(args.lang, [write_atomic(path, text)])
    else:
        sys.stdout.write(text)
    return 0


def _export(args: argparse.Namespace) -> int:
    spec = load_spec(args.spec)
    target = Path(args.output)
    if target.suffix != ".py":
        raise SymbackpropError(f"{args.output}: expected a file name ending in .py")
    _said(spec.language, [write_atomic(target, export_source(spec, name=target.stem, backend=args.backend))])
    return 0


def _train(args: argparse.Namespace) -> int:
    spec = load_spec(args.spec)
    language = args.lang or spec.language
    config = _config(args)
    data = training_data(spec, Path(args.data) if args.data else args.dataset, seed=args.seed)
    result = train(spec, data, config,
                   progress=lambda epoch, total, loss: _bar(epoch, total, f"E = {loss:.6g}"))
    stem = Path(args.spec).stem
    out = Path(args.output)
    print(train_summary(result, language))
    import yaml
    written = [
        write_atomic(out / f"{stem}-trained.yaml",
                     yaml.safe_dump(trained_spec(spec, result.params), sort_keys=False, allow_unicode=True)),
        write_atomic(out / f"{stem}-loss.png", loss_curve_png(result.history, loss_labels(language))),
        write_atomic(out / f"{stem}-gradients.png", grad_norms_png(result.grad_norms, grad_norm_labels(language))),
    ]
    _said(language, written)
    return 0


def _gradients(args: argparse.Namespace) -> int:
    specs = [load_spec(path) for path in args.spec]
    language = args.lang or specs[0].language
    config = _config(args)
    target = Path(args.output)
    fmt = args.format or (target.suffix[1:] if target.suffix in (".png", ".pdf") else "png")
    if target.suffix.lower() in (".txt", ".json", ".tex", ".svg", ".jpg", ".jpeg", ".csv", ".yaml", ".py"):
        raise SymbackpropError(f"-o: expected a folder or a file name ending in .png or .pdf, found {args.output!r}")
    if target.suffix not in (".png", ".pdf"):
        target = target / f"vanishing-gradients.{fmt}"
    elif target.suffix != f".{fmt}":
        raise SymbackpropError(f"{args.output}: the file's suffix says {target.suffix[1:]}, --format {fmt}")
    total = len(specs) * config.epochs
    runs = vanishing_gradients(specs, Path(args.data) if args.data else args.dataset, config, language=language, progress=lambda n, e, loss:
                               _bar(n * config.epochs + e, total, f"E = {loss:.6g}"))
    print(gradients_text(runs.runs, language), end="")
    _said(language, [write_atomic(target, gradients_figure(runs, fmt))])
    return 0


def _variants(args: argparse.Namespace) -> int:
    import os
    from concurrent.futures import ProcessPoolExecutor
    spec = load_spec(args.spec)
    language = args.lang or spec.language
    names = read_roster(args.roster) if args.roster else None
    count = len(names) if names else args.count
    try:
        lo, hi = (parse_number(x) for x in args.value_range.split(":"))
    except ValueError:
        raise SymbackpropError(f"--range: expected low:high such as -1:1, found {args.value_range!r}") from None
    vary = tuple(v.strip() for v in args.vary.split(",") if v.strip())
    variants = make_variants(spec, count, args.seed, vary=vary, places=args.places,
                             value_range=(lo, hi), names=names)
    out = Path(args.output)
    document = manifest_document(spec, variants, seed=args.seed, vary=vary, places=args.places)
    steps = [q.strip() for q in args.questions.split(",")] if args.questions else None
    items = questions(variants, steps, language)
    if not items:
        raise SymbackpropError(f"--questions: none of {args.questions!r} is a quantity of this network")
    written = [write_atomic(out / "manifest.json", dumps(document)),
               write_atomic(out / "manifest.csv", manifest_csv(document)),
               write_atomic(out / "moodle.xml", moodle_xml(items, spec.title or Path(args.spec).stem,
                                                           args.moodle_layout, language)),
               write_atomic(out / "questions.json", dumps({"schema": "symbackprop.questions/1",
                                                           "questions": items})),
               write_atomic(out / "questions.csv", questions_csv(items)),
               write_atomic(out / "qti.zip", qti_zip(items, spec.title or Path(args.spec).stem)),
               write_atomic(out / "blackboard.txt", blackboard_txt(items))]
    jobs = [(v.number, v.name, spec_to_dict(v.spec), str(out / v.name), args.format == "pdf", language)
            for v in variants]
    results: dict[int, tuple[str, str | None]] = {}
    workers = max(1, args.jobs or os.cpu_count() or 1)
    pool = ProcessPoolExecutor(max_workers=workers, initializer=worker_start)
    try:
        for done, (number, status, error) in enumerate(pool.map(build_variant, jobs), start=1):
            results[number] = (status, error)
            _bar(done, len(jobs), f"{status}: {variants[number - 1].name}")
    except BaseException:
        # Ctrl-C: the sheets being built finish (each written whole), the others are not started.
        pool.shutdown(wait=True, cancel_futures=True)
        raise
    pool.shutdown()
    failed = [(n, e) for n, (s, e) in results.items() if s == "failed"]
    for n, error in failed:
        print(f"symbackprop: variant {n} failed: {error}", file=sys.stderr)
    built = sum(1 for s, _ in results.values() if s == "built")
    skipped = sum(1 for s, _ in results.values() if s == "skipped")
    print(say(language, "variants_done", count=len(variants), built=built, skipped=skipped,
              failed=len(failed), path=out))
    _said(language, written)
    return 1 if failed else 0


def _bar(done: int, total: int, text: str) -> None:
    """The one progress bar (training epochs, variant sheets), on stderr: redrawn in place on
    a terminal; otherwise (a log, a pipe) one line at every tenth of the way and at the end."""
    width = 30
    filled = int(width * done / total)
    line = f"[{'#' * filled}{'.' * (width - filled)}] {done}/{total} {text}"
    if sys.stderr.isatty():
        sys.stderr.write("\r" + line[:100].ljust(100) + ("\n" if done == total else ""))
    elif done == total or done % max(1, total // 10) == 0:
        sys.stderr.write(line + "\n")
    sys.stderr.flush()


COMMANDS = {"variants": _variants, "demo": _demo, "solve": _solve, "graph": _graph, "check": _check, "export": _export,
            "train": _train, "gradients": _gradients}


#: The cyclic garbage collector's thresholds while a command runs. A command builds up to
#: millions of small objects that live until it ends (a 100-100-10 derivation, its JSON
#: document) and form no cycles worth freeing early; with Python's default (700, 10, 10) the
#: collector walks them over and over, a third of the time of `solve --format json` on such a
#: network. The defaults are restored afterwards (for a caller of main(), such as the tests).
GC_THRESHOLDS = (100_000, 50, 100)


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    thresholds = gc.get_threshold()
    gc.set_threshold(*GC_THRESHOLDS)
    try:
        return _run(args)
    finally:
        gc.set_threshold(*thresholds)


def _run(args: argparse.Namespace) -> int:
    try:
        return COMMANDS[args.command](args)
    except SymbackpropError as exc:
        print(f"symbackprop: error: {exc}", file=sys.stderr)
        if getattr(exc, "picture", None) and sys.stderr.isatty():
            print(exc.picture, file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"symbackprop: error: {exc.filename or ''}: {exc.strerror}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("symbackprop: interrupted", file=sys.stderr)
        return 130
    except RecursionError:
        print("symbackprop: error: the input is nested too deeply to process", file=sys.stderr)
        return 2
    except MemoryError:
        print("symbackprop: error: out of memory (see the limits in the README)", file=sys.stderr)
        return 2
    except Exception as exc:  # noqa: BLE001 - a bug in symbackprop, not in the input
        if os.environ.get("SYMBACKPROP_DEBUG"):
            raise
        print(f"symbackprop: internal error ({type(exc).__name__}: {exc}); this is a bug: please "
              "report it with the input (SYMBACKPROP_DEBUG=1 shows where)", file=sys.stderr)
        return 70


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

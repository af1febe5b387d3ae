"""The few calls every front end makes: spec in, derivation out, rendered as asked.

    solution = solve(load_spec("net.yaml"), rounding="hand")
    print(as_text(solution)); text = as_json(solution)
    solution = solve_for_report(spec); tex = as_tex(solution, "slides", "es")
    run = train(spec, "xor", epochs=500, optimizer="adam", lr=0.05)   # a notebook shows its loss plot
    runs = vanishing_gradients([plain, residual], "xor", epochs=200)  # … and the figure of deck 004
    spec = with_title_page(spec, author="symbackprop", date="")   # the title page's fields, overridden
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .derive.derivation import Solution, solve
from .errors import RenderError, SymbackpropError
from .io.files import safe_name, write_atomic  # noqa: F401 - safe_name is part of the API
from .io.jsonio import dumps
from .render.document import solution_document
from .render.graph_layout import GRAPH_NODE_LIMIT
from .render.latex import build_pdf
from .render.report import render_graph_tex, render_layers_tex, render_tex
from .render.text import walkthrough
from .exercises.variants import Variant, variant_hash
from .spec.reading import Spec, spec_from_dict, with_title_page  # noqa: F401 - with_title_page is part of the API

__all__ = ["as_text", "as_json", "as_tex", "as_pdf", "write_report", "write_graph_report", "graph_stem",
           "write_layers_report", "write_tex_and_pdf", "solve_for_report",
           "REPORT_PATH_LIMIT", "REPORT_LIMITS", "report_parameters", "build_variant", "worker_start",
           "for_checking", "check_file", "check_class_file", "grade_file", "grade_class_file", "Grades",
           "kinds_of", "with_title_page", "training_data", "train", "vanishing_gradients",
           "gradients_figure"]

#: In reports, a parameter with more paths than this is shown in delta form: every path of
#: a deep network, one frame per factor, would be hundreds of frames.
REPORT_PATH_LIMIT = 4


def solve_for_report(spec: Spec, *, rounding: str = "exact", paths: str = "auto") -> Solution:
    return solve(spec, rounding=rounding, paths=paths, path_limit=REPORT_PATH_LIMIT)


def as_text(solution: Solution, language: str | None = None) -> str:
    return walkthrough(solution, language)


def as_json(solution: Solution) -> str:
    return dumps(solution_document(solution))


#: Documented limits of the LaTeX/PDF reports: a report derives each parameter over several
#: frames (about seven), so it covers at most ``derived`` parameters (choose them with
#: ``only``), and draws the whole network, so the network has at most ``parameters``.
REPORT_LIMITS = {"derived": 60, "parameters": 400, "graph_nodes": GRAPH_NODE_LIMIT, "layer_width": 8}


def report_parameters(solution: Solution, only: str | None = None, source: str | None = None) -> tuple[str, ...]:
    """The parameters a report derives: all of them, or those named in ``only`` (comma-separated,
    in any notation: w2_1_1, w5, b1). Refused, in one line, above :data:`REPORT_LIMITS`."""
    from .check.answers import NameIndex
    source = source or solution.spec.source
    params = tuple(solution.model.params)
    if len(params) > REPORT_LIMITS["parameters"]:
        raise SymbackpropError(
            f"{source}: a report draws the whole network and is made for at most "
            f"{REPORT_LIMITS['parameters']} parameters; this network has {len(params)} "
            "(use --format text or json, or --view layers)")
    if only is None:
        chosen = params
    else:
        index = NameIndex(solution.derivations[0], params)
        wanted = {index.resolve(name.strip(), "--only", f"parameter {i}")
                  for i, name in enumerate(only.split(","), start=1) if name.strip()}
        if not wanted:
            raise SymbackpropError("--only: expected parameter names such as w1_1_1,w2_1_1, found none")
        chosen = tuple(p for p in params if p in wanted)
    if len(chosen) > REPORT_LIMITS["derived"]:
        raise SymbackpropError(
            f"{source}: a report derives each parameter over several frames and is made for at most "
            f"{REPORT_LIMITS['derived']} of them; this one would derive {len(chosen)}: choose some with "
            f"--only (for example --only {','.join(params[:2])}), or use --format text or json")
    return chosen


def as_tex(solution: Solution, style: str, language: str | None = None, only=None) -> str:
    """The report's LaTeX; ``only`` as chosen by :func:`report_parameters` (default: all,
    within the limits)."""
    if only is None:
        only = report_parameters(solution)
    return render_tex(solution, style, language, only)


def as_pdf(tex: str, name: str = "document") -> bytes:
    """Compile LaTeX source to PDF bytes (LatexNotFound / LatexBuildError otherwise)."""
    return build_pdf(tex, name=name)[0]


def write_tex_and_pdf(base: Path, tex: str, *, pdf: bool) -> list[Path]:
    """Write ``base.tex`` and, when asked, ``base.pdf``. The PDF is built first, in a temporary
    folder: a run interrupted while LaTeX works leaves the previous .tex and .pdf as they were.
    When LaTeX fails or is missing, the .tex is still written, to inspect, and the error raised."""
    if not pdf:
        return [write_atomic(base.with_suffix(".tex"), tex)]
    try:
        data = as_pdf(tex, base.name)
    except RenderError:
        write_atomic(base.with_suffix(".tex"), tex)
        raise
    return [write_atomic(base.with_suffix(".tex"), tex), write_atomic(base.with_suffix(".pdf"), data)]


def write_report(solution: Solution, style: str, language: str, directory: str | Path,
                 stem: str, *, pdf: bool, only=None) -> list[Path]:
    """The network's report: ``stem-style-lang.tex`` and its PDF."""
    return write_tex_and_pdf(Path(directory) / f"{stem}-{style}-{language}",
                             as_tex(solution, style, language, only), pdf=pdf)


_SLUG_WORDS = {"+": "plus", "-": "minus", "*": "times", "/": "over", "^": "pow", "**": "pow"}


def graph_stem(graph) -> str:
    """The file name graph mode's files get from the expression: ``graph-`` and its words
    (``(x+y)*z`` -> ``graph-x-plus-y-times-z-…``, at most 40 characters of them), then six hex
    digits of the expression's SHA-256 (spaces left out), so that two expressions never share
    a file (``(x+y)*z`` and ``x+y*z`` have the same words). The same expression always gets
    the same name; a decomposed sigmoid is another graph and gets another one."""
    import hashlib
    import re
    text = "".join(graph.expression.split())
    words: list[str] = []
    for token in re.findall(r"[A-Za-z_][A-Za-z_0-9]*|(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?|\*\*|[-+*/^]", text):
        word = _SLUG_WORDS.get(token, token.replace(".", "_").replace("+", ""))
        if len("-".join(words + [word])) > 40:
            break
        words.append(word)
    key = text + ("|sigmoid=decomposed" if graph.decomposed else "")
    digest = hashlib.sha256(key.encode("utf-8")).hexdigest()[:6]
    return "-".join(["graph", *words, digest])


def write_graph_report(graph, style: str, language: str, directory: str | Path, stem: str | None = None,
                       *, pdf: bool, filename: str | Path | None = None) -> list[Path]:
    """Graph mode's slides or handout (a frame per node: at most ``graph_nodes`` of them):
    ``directory/STEM-style-lang.tex`` (STEM: :func:`graph_stem` unless given) and its PDF, or,
    with ``filename`` (``slides/add.pdf`` or ``.tex``), that file and its .tex/.pdf twin."""
    if len(graph.nodes) > REPORT_LIMITS["graph_nodes"]:
        raise SymbackpropError(
            f"expression: a graph report draws a frame per node and is made for at most "
            f"{REPORT_LIMITS['graph_nodes']} nodes; this expression has {len(graph.nodes)} "
            "(use --format text or json)")
    if filename is not None:
        base = Path(filename)
    else:
        base = Path(directory) / f"{stem or graph_stem(graph)}-{style}-{language}"
    return write_tex_and_pdf(base, render_graph_tex(graph, style, language), pdf=pdf)


def write_layers_report(spec: Spec, view, style: str, language: str, directory: str | Path,
                        stem: str, *, pdf: bool) -> list[Path]:
    """The layer view's slides or handout (matrices on a page: layers of at most ``layer_width``)."""
    widest = max([spec.n_inputs] + [l.units for l in spec.layers])
    if widest > REPORT_LIMITS["layer_width"]:
        raise SymbackpropError(
            f"{spec.source}: the layer view's report prints every matrix and is made for layers of at most "
            f"{REPORT_LIMITS['layer_width']} units; this network has a layer of {widest} "
            "(use --format text or json)")
    style = "slides" if style == "slides" else "article"
    tex = render_layers_tex(view, style, language, spec.decimals, spec.title_in(language),
                            spec.title_page_in(language))
    return write_tex_and_pdf(Path(directory) / f"{stem}-layers-{style}-{language}", tex, pdf=pdf)


def for_checking(spec: Spec):
    """The hand-rounded solution a checker compares with, and the index of its names (the
    :class:`~symbackprop.check.answers.NameIndex` that answers and marks files are read with)."""
    from .check.answers import NameIndex
    from .derive.derivation import flat_values
    solution = solve(spec, rounding="hand")
    d = solution.derivations[0]
    return solution, NameIndex(d, flat_values(d))


_for_checking = for_checking


class _ColumnNames:
    """The NameIndex as a class file's reader uses it, noting every column name it resolves
    (in the order read): the quantities the class file asks for, answered or left blank."""

    def __init__(self, index):
        self._index = index
        self.resolved: list[tuple[str, str]] = []

    def resolve(self, name: str, source: str, where: str) -> str:
        quantity = self._index.resolve(name, source, where)
        self.resolved.append((name, quantity))
        return quantity

    def __getattr__(self, attr):
        return getattr(self._index, attr)


def _class_columns(recorded: list[tuple[str, str]], students) -> dict[str, str]:
    """{quantity: its name in the class file}, in class-file order: every column resolved,
    and (should the reader resolve names some other way) every quantity answered."""
    columns: dict[str, str] = {}
    for name, quantity in recorded:
        columns.setdefault(quantity, name)
    for _, answers in students:
        for a in answers:
            columns.setdefault(a.quantity, a.name)
    return columns


def check_file(spec: Spec, answers_path: str | Path, options=None, *, problems: list | None = None):
    """(solution, report) for one student's answers file. With ``problems`` (a list), an
    unknown or ambiguous name is added to it (a ``Problem(where, name, message)``) and the
    other answers are checked; without it, such a name is refused (AnswerError)."""
    from .check.answers import load_answers
    from .check.judge import Options, check
    solution, index = for_checking(spec)
    return solution, check(solution, load_answers(answers_path, index, problems=problems), options or Options())


def check_class_file(spec: Spec, class_path: str | Path, options=None, *, problems: list | None = None,
                     columns: list | None = None):
    """(solution, [(student, report)]) for a class CSV: a student column, a column per quantity.
    ``problems`` as in :func:`check_file`; ``columns``, a list, receives the quantities the
    class file asks for (canonical ids, in its order, answered or not)."""
    from .check.judge import Options
    solution, index = for_checking(spec)
    grades = _check_class(solution, index, class_path, options or Options(), problems)
    if columns is not None:
        columns.extend(grades[1])
    return solution, grades[0]


def _check_class(solution, index, class_path, options, problems):
    from .check.answers import load_class
    from .check.judge import check
    names = _ColumnNames(index)
    students = load_class(class_path, names, problems=problems)
    columns = _class_columns(names.resolved, students)
    return [(who, check(solution, answers, options)) for who, answers in students], columns


@dataclass(frozen=True)
class Grades:
    """A class (or one sheet) checked and marked: what ``check --batch`` writes.

    ``columns`` maps every quantity asked for (canonical id) to its name in the class file, in
    its order; ``reports`` and ``marks`` follow the students' order; ``problems`` are the
    names the reader could not use (``Problem(where, name, message)``), the rest graded."""
    solution: Solution
    columns: dict
    reports: list
    marks: list
    problems: list
    rule: object


def kinds_of(solution: Solution, quantities) -> dict[str, str]:
    """{quantity: its ledger kind} (z, a, error, total, adjoint, factor, delta, partial,
    gradient, update, ...), the kinds a marks file gives points to."""
    ledger = solution.derivations[0].ledger
    out = {}
    for q in quantities:
        try:
            out[q] = ledger[q].kind
        except KeyError:
            pass
    return out


def _rule(index, marks_path, carried_credit):
    from decimal import Decimal
    from .check.marks import MarksRule, load_marks
    credit = Decimal(1) if carried_credit is None else Decimal(carried_credit)
    if marks_path is None:
        return MarksRule(carried_credit=credit)
    return load_marks(marks_path, index, carried_credit=credit)


def grade_class_file(spec: Spec, class_path: str | Path, options=None, *, marks_path=None,
                     carried_credit=None) -> Grades:
    """Check a class CSV and mark every student out of every column (a blank scores 0), with
    the points of ``marks_path`` (YAML, JSON or CSV; default 1 a quantity) and
    ``carried_credit`` (the share a carried-forward value earns; default 1). Unknown or
    ambiguous columns are listed in ``problems`` and the rest graded."""
    from .check.judge import Options
    from .check.marks import mark
    solution, index = for_checking(spec)
    rule = _rule(index, marks_path, carried_credit)
    problems: list = []
    reports, columns = _check_class(solution, index, class_path, options or Options(), problems)
    kinds = kinds_of(solution, columns)
    marks = [mark(report, columns, rule, kinds) for _, report in reports]
    return Grades(solution, columns, reports, marks, problems, rule)


def grade_file(spec: Spec, answers_path: str | Path, options=None, *, marks_path=None,
               carried_credit=None) -> Grades:
    """One student's sheet checked and marked out of the quantities written."""
    from .check.answers import load_answers
    from .check.judge import Options, check
    from .check.marks import mark
    solution, index = for_checking(spec)
    rule = _rule(index, marks_path, carried_credit)
    problems: list = []
    answers = load_answers(answers_path, index, problems=problems)
    report = check(solution, answers, options or Options())
    columns = {i.quantity: i.name for i in report.items}
    return Grades(solution, columns, [(Path(answers_path).name, report)],
                  [mark(report, columns, rule, kinds_of(solution, columns))], problems, rule)


# ----------------------------------------------------------------------------- training

def training_data(spec: Spec, data, *, seed: int = 0):
    """A :class:`~symbackprop.numeric.train.Dataset` for ``spec``: ``data`` is the name of a
    built-in one (xor, moons, circles, sine), a CSV file's path, a Dataset, or a pair (X, Y)
    of arrays (rows are examples)."""
    from .numeric.train import DATASETS, Dataset, dataset, load_csv
    import numpy as np
    if isinstance(data, Dataset):
        return data
    if isinstance(data, tuple) and len(data) == 2:
        return Dataset("data", np.asarray(data[0], dtype=np.float64), np.asarray(data[1], dtype=np.float64))
    if isinstance(data, str) and data in DATASETS:
        return dataset(data, spec, seed=seed)
    if isinstance(data, (str, Path)):
        return load_csv(data, spec)
    raise SymbackpropError(f"data: expected a dataset name ({', '.join(DATASETS)}), a CSV file, a Dataset "
                           f"or (X, Y), found {type(data).__name__}")


def _config(config, options: dict):
    from .numeric.train import TrainConfig
    if config is not None and options:
        raise TypeError("give either config or keyword options, not both")
    return config if config is not None else TrainConfig(**options)


def _pictures() -> None:
    """A trained run and a vanishing-gradient figure display themselves in a notebook."""
    from .numeric.gradients import GradientRuns
    from .numeric.train import TrainResult
    from .render.display import install_pictures
    install_pictures(TrainResult, GradientRuns)


def train(spec: Spec, data="xor", config=None, *, progress=None, **options):
    """Train ``spec`` on ``data`` (see :func:`training_data`) with a
    :class:`~symbackprop.numeric.train.TrainConfig` or its fields as keywords (``epochs``,
    ``optimizer``, ``lr``, ``batch_size``, ``seed``…). A notebook shows the result as its
    loss plot; ``result.history``, ``result.params`` hold the numbers."""
    from .numeric.train import train as run
    config = _config(config, options)
    _pictures()
    return run(spec, training_data(spec, data, seed=config.seed), config, progress)


def vanishing_gradients(specs, data="xor", config=None, *, language: str | None = None, progress=None,
                        **options):
    """Deck 004's vanishing gradients: each spec trained as :func:`train` does, ‖∂E/∂W[l]‖
    of every layer measured at initialization and after every epoch
    (:class:`~symbackprop.numeric.gradients.GradientRuns`: ``.runs``, ``.figure("png")``; a
    notebook shows the figure). Any list of specs: plain, residual, batch-normalized…
    ``progress(n, epoch, loss)`` for the n-th spec (from 0)."""
    from .numeric.gradients import GradientRuns, gradient_run
    config = _config(config, options)
    _pictures()
    specs = list(specs)
    if not specs:
        raise SymbackpropError("vanishing_gradients: expected at least one spec")
    datasets = [training_data(spec, data, seed=config.seed) for spec in specs]   # every refusal first
    runs = []
    for n, (spec, rows) in enumerate(zip(specs, datasets)):
        step = (lambda epoch, total, loss, n=n: progress(n, epoch, loss)) if progress else None
        name = spec.title_in(language or spec.language) or Path(spec.source).stem
        runs.append(gradient_run(spec, rows, config, name=name, progress=step))
    return GradientRuns(tuple(runs), language or specs[0].language)


def gradients_figure(runs, fmt: str = "png", language: str | None = None) -> bytes:
    """The vanishing-gradient figure of :func:`vanishing_gradients`'s runs, PNG or PDF bytes
    (the same runs give the same bytes)."""
    from .render.training_text import gradients_labels
    from .render.plots import vanishing_gradients as draw
    return draw(runs.runs, gradients_labels(language or runs.language), fmt)


# ----------------------------------------------------------------------------- variants in a pool

def worker_start() -> None:
    """Set-up of a worker process: Ctrl-C is the main process's to handle (it lets the sheets
    being built finish, then stops), and on Linux a worker dies with the main process, so a
    killed run leaves no orphans behind."""
    import signal
    import sys
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if sys.platform.startswith("linux"):
        import ctypes
        try:
            ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)   # PR_SET_PDEATHSIG
        except (OSError, AttributeError):
            pass


def build_variant(job: tuple) -> tuple[int, str, str | None]:
    """Write one variant's exercise sheet and key (.tex, and .pdf when asked) into its folder.
    Runs in a worker process; returns (number, "built" | "skipped" | "failed", error)."""
    number, name, spec_data, directory, pdf, language = job
    try:
        spec = spec_from_dict(spec_data, f"variant {number}")
        folder = Path(directory)
        digest = variant_hash(Variant(number, name, spec), f"pdf={pdf}|{language}")
        stamp = folder / ".hash"
        wanted = [folder / f"{name}-{style}-{language}.{ext}" for style in ("exercise", "answers")
                  for ext in (("tex", "pdf") if pdf else ("tex",))]
        if stamp.exists() and stamp.read_text() == digest and all(p.exists() for p in wanted):
            return number, "skipped", None
        solution = solve_for_report(spec)
        import yaml
        write_atomic(folder / f"{name}.yaml", yaml.safe_dump(spec_data, sort_keys=False, allow_unicode=True))
        for style in ("exercise", "answers"):
            write_report(solution, style, language, folder, name, pdf=pdf)
        write_atomic(stamp, digest)
        return number, "built", None
    except SymbackpropError as exc:
        return number, "failed", str(exc)
    except Exception as exc:  # noqa: BLE001 - one broken variant must not stop the others
        return number, "failed", f"{type(exc).__name__}: {exc}"

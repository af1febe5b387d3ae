"""symbackprop: exact, readable, checkable derivations of backpropagation.

    from symbackprop import load_spec, solve
    solution = solve(load_spec("examples/lecture_2_2_2.yaml"))
    d = solution.derivations[0]
    d.ledger["dE/dw1_1_1"].exact, d.chain("w1_1_1").paths, d.updated["w2_1_1"]

The packages read as the pipeline, each importing only from those before it:

    spec/       the network spec: types, reading and validation, one serializer
    core/       ids, exact numbers, the table of operations (ops), the model, the expression
                grammar, computational graphs, exact evaluation
    derive/     the derivation and its ledger (one record per quantity); the layer view
    lesson      the lecture's sequence of steps, ids only
    render/     text, JSON, LaTeX/PDF: printers of the lesson plan, templates, plots
    check/      students' answers judged against the ledger
    numeric/    one code generator: the exported module, the in-memory Network, training
    exercises/  variants per student, LMS export
    io/         files (atomic, with the user's umask), text files, YAML, JSON, resources
    api, cli    orchestration; the command line
"""
from ._version import __version__
from .api import (as_json, as_pdf, as_tex, as_text, gradients_figure, solve_for_report, train, vanishing_gradients,
                  write_report)
from .check import Options, check, load_answers
from .core.graph import build_graph
from .core.model import Edge, Model, Node, build_model
from .core.ops import ACTIVATIONS, LOSSES, PENALTIES
from .derive.derivation import PATH_LIMIT, Chain, Derivation, Factor, Partial, Path, Solution, derive, solve
from .derive.layers import layer_view
from .derive.ledger import Ledger, Quantity
from .errors import (AnswerError, LatexBuildError, LatexNotFound, RenderError, SpecError,
                     SymbackpropError)
from .lesson import lesson_plan
from .render.display import show
from .render.graph_svg import graph_svg
from .spec.reading import Layer, Regularization, Spec, load_spec, spec_from_dict, spec_from_text, spec_to_dict


__all__ = [
    "__version__",
    # the spec
    "load_spec", "spec_from_dict", "spec_from_text", "spec_to_dict", "Spec", "Layer", "Regularization",
    # the mathematics
    "ACTIVATIONS", "LOSSES", "PENALTIES", "build_model", "Model", "Node", "Edge", "build_graph",
    # the derivation
    "solve", "derive", "Solution", "Derivation", "Chain", "Path", "Partial", "Factor", "PATH_LIMIT",
    "Ledger", "Quantity", "layer_view", "lesson_plan",
    # outputs
    "as_text", "as_json", "as_tex", "as_pdf", "write_report", "solve_for_report", "show",
    "graph_svg",
    # checking, numbers
    "check", "load_answers", "Options", "Network", "export_source", "train", "vanishing_gradients",
    "gradients_figure",
    # errors
    "SymbackpropError", "SpecError", "AnswerError", "RenderError", "LatexNotFound",
    "LatexBuildError",
]


def __getattr__(name: str):
    # The numeric path (NumPy) is loaded when it is first asked for, not by every command.
    if name in ("Network", "export_source"):
        from . import numeric
        return getattr(numeric, name)
    raise AttributeError(f"module 'symbackprop' has no attribute {name!r}")

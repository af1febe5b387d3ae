"""symbackprop: exact, readable, checkable derivations of backpropagation.

    from symbackprop import load_spec, solve
    solution = solve(load_spec("examples/lecture_2_2_2.yaml"))
    d = solution.derivations[0]
    d.values["a2_1"], d.chain("w1_1_1").paths, d.updated["w2_1_1"]

Flow: spec -> model -> derivation -> text | JSON | LaTeX/PDF reports | checking of students'
answers | NumPy export and training.
"""
from .api import as_json, as_pdf, as_tex, as_text, solve_for_report, write_report
from .derive.derivation import PATH_LIMIT, Chain, Derivation, Factor, Partial, Path, Solution, derive, solve
from .errors import (AnswerError, LatexBuildError, LatexNotFound, RenderError, SpecError,
                     SymbackpropError)
from .core.model import Edge, Model, Node, build_model
from .spec.reading import Layer, Regularization, Spec, load_spec, spec_from_dict, spec_from_text

__version__ = "0.1.0"

__all__ = [
    "__version__",
    "load_spec", "spec_from_dict", "spec_from_text", "Spec", "Layer", "Regularization",
    "build_model", "Model", "Node", "Edge",
    "solve", "derive", "Solution", "Derivation", "Chain", "Path", "Partial",
    "Factor", "PATH_LIMIT",
    "as_text", "as_json", "as_tex", "as_pdf", "write_report", "solve_for_report",
    "SymbackpropError", "SpecError", "AnswerError", "RenderError", "LatexNotFound",
    "LatexBuildError",
]

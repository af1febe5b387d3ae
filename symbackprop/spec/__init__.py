"""The network spec: frozen, typed dataclasses, read from YAML or dicts and validated, and the
one serializer back to a dict (:func:`spec_to_dict`). Knows nothing of SymPy or LaTeX."""
from .reading import (ACTIVATIONS, LIMITS, LOSSES, Layer, Regularization, Spec, load_spec,
                      spec_from_dict, spec_from_text, spec_to_dict)

__all__ = ["Spec", "Layer", "Regularization", "load_spec", "spec_from_dict", "spec_from_text",
           "spec_to_dict", "ACTIVATIONS", "LOSSES", "LIMITS"]

"""The derivation: every ∂E/∂p through the chain rule with exact values (:mod:`.derivation`),
and the modular layer-by-layer view with Jacobians (:mod:`.layers`)."""
from .derivation import (PATH_LIMIT, Chain, Derivation, Factor, Partial, Path, Solution, derive,
                         flat_values, solve)

__all__ = ["PATH_LIMIT", "Chain", "Derivation", "Factor", "Partial", "Path", "Solution", "derive",
           "flat_values", "solve"]

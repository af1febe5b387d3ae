"""The numeric path: the derivation's formulas as NumPy code (:mod:`.codegen`: the exported
module and the in-memory :class:`Network`), and training (:mod:`.train`)."""
from .codegen import BACKENDS, Network, export_source
from .train import TrainConfig, train

__all__ = ["BACKENDS", "Network", "export_source", "TrainConfig", "train"]

"""Every sentence shown to a person, in one catalogue per language (es, en).

``say(language, key, **fields)`` formats a sentence. A key missing from a catalogue is a
programming error caught by the tests (both catalogues must have the same keys).
"""
from __future__ import annotations

__all__ = ["CATALOGUES", "say"]

CATALOGUES: dict[str, dict[str, str]] = {
    "es": {
        "forward": "Propagación hacia adelante",
        "error": "Cálculo del error",
        "backward": "Propagación hacia atrás",
        "deltas": "Deltas (δ = ∂E/∂z) de cada neurona",
        "question": "¿Cuánto contribuye {param} = {value} en {error}?",
        "chain_rule": "Regla de la cadena (caminos de E a este parámetro: {count}):",
        "paths_many": "Forma delta, ∂E/∂p = Σ δ · ∂z/∂p (caminos de E a este parámetro: {count}):",
        "reused": "ya calculado",
        "together": "Pongamos todo junto:",
        "sum_paths": "Sumamos las contribuciones:",
        "update": "Actualización ({eta} = {lr}):",
        "frozen": "{param} no se actualiza (update_biases: false)",
        "new": "nuevo_{name}",
        "iteration_done": "Iteración {step} finalizada: pesos anteriores → nuevos",
        "iteration": "Iteración {step}",
        "exact_note": "exacto",
        "hand_note": "redondeo a mano ({decimals} decimales en cada paso)",
        "example": "Ejemplo {n}",
        "penalty": "Penalización",
        "written": "Escrito: {path}",
    },
    "en": {
        "forward": "Forward pass",
        "error": "Computing the error",
        "backward": "Backward pass",
        "deltas": "Deltas (δ = ∂E/∂z) of every neuron",
        "question": "How much does {param} = {value} contribute to {error}?",
        "chain_rule": "Chain rule (paths from E to this parameter: {count}):",
        "paths_many": "Delta form, ∂E/∂p = Σ δ · ∂z/∂p (paths from E to this parameter: {count}):",
        "reused": "already computed",
        "together": "Putting it all together:",
        "sum_paths": "Adding up the contributions:",
        "update": "Update ({eta} = {lr}):",
        "frozen": "{param} is not updated (update_biases: false)",
        "new": "new_{name}",
        "iteration_done": "Iteration {step} finished: old → new parameters",
        "iteration": "Iteration {step}",
        "exact_note": "exact",
        "hand_note": "hand rounding ({decimals} decimals at every step)",
        "example": "Example {n}",
        "penalty": "Penalty",
        "written": "Written: {path}",
    },
}


def say(language: str, key: str, **fields) -> str:
    return CATALOGUES[language][key].format(**fields)

"""The JSON document of a solution (schema ``symbackprop.derivation/1``, see the README).

Plain data only: ids, LaTeX strings from the printer, exact Decimals (written at full
precision by :mod:`symbackprop.io.jsonio`). Every key is inserted in a fixed order, so the
same spec gives byte-identical JSON.
"""
from __future__ import annotations

from typing import Any

from ..core import ids
from ..derive.derivation import Solution
from .printers import NetworkLatexPrinter, derivative_latex

__all__ = ["SCHEMA", "solution_document"]

SCHEMA = "symbackprop.derivation/1"


def solution_document(solution: Solution) -> dict[str, Any]:
    spec, model = solution.spec, solution.model
    d = solution.derivations[0]
    printer = NetworkLatexPrinter(model.notation)
    notation = model.notation
    hand = d.rounding == "hand"

    quantities = {
        node_id: {"kind": node.kind, "latex": notation.latex(node_id), "text": notation.text(node_id)}
        for node_id, node in model.nodes.items()
    }
    quantities["E"] = {"kind": "total", "latex": notation.latex("E"), "text": notation.text("E")}

    printed: dict[Any, str] = {}     # a network's 10⁴ factors have 10³ distinct forms

    def latex_of(expr) -> str:
        text = printed.get(expr)
        if text is None:
            text = printed[expr] = printer.doprint(expr)
        return text

    def factor_entry(f) -> dict[str, Any]:
        latex = (r"\frac{\partial E}{\partial " + notation.latex(f.den) + "}" if f.is_delta
                 else derivative_latex(notation, f.num, f.den))
        entry: dict[str, Any] = {"latex": latex, "general": latex_of(f.general),
                                 "named": latex_of(f.named), "value": f.value}
        if f.is_delta:
            entry["symbol"] = notation.delta_latex(f.den)
        return entry

    doc: dict[str, Any] = {
        "schema": SCHEMA,
        "title": spec.title,
        "language": spec.language,
        "notation": spec.notation,
        "decimals": spec.decimals,
        "loss": spec.loss,
        "reduction": spec.reduction,
        "learning_rate": spec.learning_rate,
        **({"label_smoothing": {"epsilon": spec.label_smoothing, "one_hot": [list(r) for r in spec.one_hot]}}
           if spec.label_smoothing is not None else {}),
        # inverted dropout per layer (numbered from 1): rate p, scale 1/(1 − p), a mask row per example
        **({"dropout": {str(l): {"rate": layer.dropout.rate, "scale": layer.dropout.scale,
                                 "masks": [list(m) for m in layer.dropout.masks],
                                 **({"seed": layer.dropout.seed} if layer.dropout.seed is not None else {})}
                        for l, layer in enumerate(spec.layers, start=1) if layer.dropout is not None}}
           if any(layer.dropout is not None for layer in spec.layers) else {}),
        # residual blocks per layer (numbered from 1): the layer the shortcut starts at (0 = the
        # inputs) and the projection W_s, if any; each h = a + x is in ``values``
        **({"residual": {str(l): {"from": layer.residual.source,
                                  **({"weights": [list(r) for r in layer.residual.weights]}
                                     if layer.residual.weights is not None else {})}
                         for l, layer in enumerate(spec.layers, start=1) if layer.residual is not None}}
           if any(layer.residual is not None for layer in spec.layers) else {}),
        # batch normalization per layer (numbered from 1): ε; γ and β are parameters, and μ_B,
        # σ²_B, each x̂ and y are in ``values``
        **({"batch_norm": {str(l): {"epsilon": layer.batch_norm.epsilon}
                           for l, layer in enumerate(spec.layers, start=1) if layer.batch_norm is not None}}
           if any(layer.batch_norm is not None for layer in spec.layers) else {}),
        "rounding": d.rounding,
        "paths": solution.paths,
        "path_limit": solution.path_limit,
        "steps": len(solution.derivations),
        "parameters": list(model.walk_order),
        "frozen": [p for p in model.walk_order if not model.trainable(p)],
        "quantities": quantities,
        "values": d.ledger.values(),
        "gradients": {c.param: c.gradient for c in d.chains},
        "updated": {c.param: c.new for c in d.chains},
        "factors": {fid: factor_entry(f) for fid, f in d.factors.items()},
        "chains": {c.param: [list(p.factors) for p in c.paths] for c in d.chains},
        "chain_details": {
            c.param: {
                "form": c.form,
                "path_count": c.path_count,
                "terms": [p.term for p in c.paths],
                "reused": [list(p.reused) for p in c.paths],
                "path_values": [p.value for p in c.paths],
                "partials": {p.id: p.value for p in c.partials},
            }
            for c in d.chains
        },
        "deltas": {zid: factor_entry(f) for zid, f in d.deltas.items()},
    }
    if hand:
        hand_values = d.ledger.values(hand=True)
        doc["hand"] = {
            "values": hand_values,
            "gradients": {c.param: hand_values[c.id] for c in d.chains},
            "updated": {c.param: hand_values[ids.new(c.param)] for c in d.chains},
        }
    doc["iterations"] = [
        {"step": it.step, "E": it.E,
         "gradients": {c.param: c.gradient for c in it.chains},
         "updated": {c.param: c.new for c in it.chains},
         **({"hand": {"E": it.ledger["E"].hand,
                      "updated": {c.param: it.ledger[ids.new(c.param)].hand for c in it.chains}}}
            if hand else {})}
        for it in solution.derivations
    ]
    return doc

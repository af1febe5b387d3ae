"""Graph mode as text and as its JSON document.

The text follows deck 000: the forward pass node by node, then the backward pass from the
output, each node with its local gradients and downstream = local × upstream, the gate
patterns named, and the gradients of the variables.
"""
from __future__ import annotations

from decimal import Decimal
from typing import Any

from ..core.exact import show
from ..core.ops import kink
from ..core.graph import GATES, Graph
from .i18n import say
from ..core.notation import PlainNames
from .names import paren
from .printers import NetworkLatexPrinter, NetworkTextPrinter

__all__ = ["graph_text", "graph_document", "GRAPH_SCHEMA"]

GRAPH_SCHEMA = "symbackprop.graph/1"
DECIMALS = 5


def _num(v: Decimal) -> str:
    return paren(show(v, DECIMALS))


def graph_text(g: Graph, language: str = "es") -> str:
    names = PlainNames()
    p = NetworkTextPrinter(names)
    pv = NetworkTextPrinter(names, {n.id: n.value for n in g.nodes}, DECIMALS)
    at = ", ".join(f"{k} = {show(v, DECIMALS)}" for k, v in g.at.items() if k in g.gradients)
    lines = [f"f = {g.expression}   ({at})", "", say(language, "forward"), "─" * 26]
    for n in g.nodes:
        if n.definition is not None:
            value = show(n.value, DECIMALS)
            numbers = pv.doprint(n.definition)
            lines.append(f"  {n.id} = {p.doprint(n.definition)} = "
                         + (f"{numbers} = " if numbers.strip("()") != value else "") + value)
    lines += ["", say(language, "backward"), "─" * 26, f"  ∂f/∂{g.output} = 1"]
    by_id = {n.id: n for n in g.nodes}
    for n in reversed(g.nodes):
        if n.definition is None:
            continue
        pattern = say(language, f"gate_{n.pattern}") if n.pattern else ""
        lines.append(f"  {n.id} = {p.doprint(n.definition)}" + (f"   [{pattern}]" if pattern else ""))
        for i, form, local in zip(n.inputs, n.local_forms, n.local):
            down = local * n.grad
            formula = "" if form.is_Number else f"{p.doprint(form)} = "
            lines.append(f"    ∂{n.id}/∂{i} = {formula}{show(local, DECIMALS)};   "
                         f"∂f/∂{i} ← {_num(local)} · {_num(n.grad)} = {show(down, DECIMALS)}")
        for i in dict.fromkeys(n.inputs):
            src = by_id[i]
            if src.branches > 1 and n.id == _last_user(g, i):
                parts = " + ".join(_num(e.downstream) for e in reversed(g.edges) if e.src == i)
                lines.append(f"    ∂f/∂{i} = {parts} = {show(src.grad, DECIMALS)}"
                             f"   [{say(language, 'gate_branch')}]")
    lines += ["", say(language, "graph_gradients")]
    lines += [f"  ∂f/∂{k} = {show(v, DECIMALS)}" for k, v in g.gradients.items()]
    if g.notes:
        lines += [""] + [f"  * {convention(language, note)}" for note in g.notes]
    return "\n".join(lines) + "\n"


def convention(language: str, note: tuple[str, str, str]) -> str:
    kind, node, op = note
    return say(language, f"note_{kind}", node=node, op=op, rule=kink(op) or "")


def _last_user(g: Graph, node_id: str) -> str | None:
    """The user of ``node_id`` processed last in the backward pass (where its sum is complete)."""
    last = None
    for n in reversed(g.nodes):
        if node_id in n.inputs:
            last = n.id
    return last


def graph_document(g: Graph) -> dict[str, Any]:
    printer = NetworkLatexPrinter(PlainNames())
    return {
        "schema": GRAPH_SCHEMA,
        "expression": g.expression,
        "at": dict(g.at),
        "decomposed_sigmoid": g.decomposed,
        "output": g.output,
        "value": g.value,
        "gradients": g.gradients,
        "nodes": [{
            "id": n.id, "op": n.op, "inputs": list(n.inputs), "value": n.value,
            "local": list(n.local), "grad": n.grad, "pattern": n.pattern,
            "branches": n.branches,
            **({"const": n.const} if n.const is not None else {}),
            **({"latex": printer.doprint(n.definition),
                "local_latex": [printer.doprint(f) for f in n.local_forms],
                "gate": GATES[n.op].symbol} if n.definition is not None else {}),
        } for n in g.nodes],
        "edges": [{"from": e.src, "to": e.dst, "local": e.local, "upstream": e.upstream,
                   "downstream": e.downstream} for e in g.edges],
        "notes": [{"kind": k, "node": n, "op": o, "text": convention("en", (k, n, o))}
                  for k, n, o in g.notes],
    }

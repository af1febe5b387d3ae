"""Graph mode as text and as its JSON document.

The text follows deck 000: the forward pass node by node, then the backward pass from the
output, each node with its local gradients and downstream = local × upstream, the gate
patterns named, and the gradients of the variables. :class:`GraphTextPrinter` prints
:func:`symbackprop.lesson.graph_plan` with one ``_print_<Step>`` method per step.
"""
from __future__ import annotations

from decimal import Decimal
from typing import Any

from .. import lesson as L
from ..core.exact import show
from ..core.ops import kink
from ..core.graph import GATES, Graph
from .i18n import say
from ..core.notation import PlainNames
from .names import paren
from .printers import LessonPrinter, NetworkLatexPrinter, NetworkTextPrinter

__all__ = ["graph_text", "graph_document", "GRAPH_SCHEMA", "GraphTextPrinter"]

GRAPH_SCHEMA = "symbackprop.graph/1"
DECIMALS = 5
RULE = "─" * 26


def _num(v: Decimal) -> str:
    return paren(show(v, DECIMALS))


class GraphTextPrinter(LessonPrinter):
    """Each step of the graph plan becomes a list of lines."""

    def __init__(self, g: Graph, language: str = "es"):
        self.g = g
        self.lang = language
        names = PlainNames()
        self.printer = NetworkTextPrinter(names)
        self.numbers = NetworkTextPrinter(names, {n.id: n.value for n in g.nodes}, DECIMALS)
        self._conventions = 0

    def _print_GraphPoint(self, step: L.GraphPoint) -> list[str]:
        at = ", ".join(f"{k} = {show(self.g.at[k], DECIMALS)}" for k in step.variables)
        return [f"f = {self.g.expression}   ({at})", "", say(self.lang, "forward"), RULE]

    def _print_GraphForward(self, step: L.GraphForward) -> list[str]:
        n = self.g.node(step.node)
        value = show(n.value, DECIMALS)
        numbers = self.numbers.doprint(n.definition)
        # the numbers are left out when they are the value already (a lone variable's copy)
        return [f"  {n.id} = {self.printer.doprint(n.definition)} = "
                + (f"{numbers} = " if numbers.strip("()") != value else "") + value]

    def _print_GraphSeed(self, step: L.GraphSeed) -> list[str]:
        return ["", say(self.lang, "backward"), RULE, f"  ∂f/∂{step.output} = 1"]

    def _print_GraphBackward(self, step: L.GraphBackward) -> list[str]:
        n = self.g.node(step.node)
        pattern = say(self.lang, f"gate_{step.pattern}") if step.pattern else ""
        lines = [f"  {n.id} = {self.printer.doprint(n.definition)}" + (f"   [{pattern}]" if pattern else "")]
        for i, form, local in zip(step.inputs, n.local_forms, n.local):
            down = local * n.grad
            formula = "" if form.is_Number else f"{self.printer.doprint(form)} = "
            lines.append(f"    ∂{n.id}/∂{i} = {formula}{show(local, DECIMALS)};   "
                         f"∂f/∂{i} ← {_num(local)} · {_num(n.grad)} = {show(down, DECIMALS)}")
        return lines

    def _print_GraphBranches(self, step: L.GraphBranches) -> list[str]:
        parts = " + ".join(_num(e.downstream) for e in reversed(self.g.edges) if e.src == step.node)
        return [f"    ∂f/∂{step.node} = {parts} = {show(self.g.node(step.node).grad, DECIMALS)}"
                f"   [{say(self.lang, 'gate_branch')}]"]

    def _print_GraphGradients(self, step: L.GraphGradients) -> list[str]:
        grads = self.g.gradients
        return ["", say(self.lang, "graph_gradients")] + \
            [f"  ∂f/∂{k} = {show(grads[k], DECIMALS)}" for k in step.variables]

    def _print_GraphConvention(self, step: L.GraphConvention) -> list[str]:
        # the conventions are footnotes to the result, set apart from it by one blank line
        self._conventions += 1
        note = f"  * {convention(self.lang, (step.kind, step.node, self.g.node(step.node).op))}"
        return ["", note] if self._conventions == 1 else [note]

    def print_walkthrough(self, plan) -> str:
        return "\n".join(line for lines in self.print_plan(plan) for line in lines) + "\n"


def graph_text(g: Graph, language: str = "es") -> str:
    """The whole walkthrough of ``g`` as one string."""
    return GraphTextPrinter(g, language).print_walkthrough(L.graph_plan(g))


def convention(language: str, note: tuple[str, str, str]) -> str:
    kind, node, op = note
    return say(language, f"note_{kind}", node=node, op=op, rule=kink(op) or "")


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

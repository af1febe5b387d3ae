"""Graph mode as text and as its JSON document.

The text follows deck 000: the forward pass node by node, then the backward pass from the
output, each node with its local gradients and, by the chain rule, downstream gradient =
upstream gradient × local gradient (∂f/∂x = ∂f/∂q · ∂q/∂x), the gate patterns named, the
branches of a quantity used more than once summed, and the gradients of the variables. A
derivative with no real (or finite) value and a variable absent from the expression are said
in one sentence each, under the result. :class:`GraphTextPrinter` prints
:func:`symbackprop.lesson.graph_plan` with one ``_print_<Step>`` method per step;
:func:`graph_note` words the notes for the text and for LaTeX alike.
"""
from __future__ import annotations

from decimal import Decimal
from typing import Any

import sympy

from .. import lesson as L
from ..core.exact import show
from ..core.ops import kink
from ..core.graph import GATES, Graph
from .i18n import say
from ..core.notation import PlainNames
from .names import paren
from .printers import LessonPrinter, NetworkLatexPrinter, NetworkTextPrinter

__all__ = ["graph_text", "graph_document", "graph_note", "shown", "GRAPH_SCHEMA", "GraphTextPrinter"]

GRAPH_SCHEMA = "symbackprop.graph/1"
DECIMALS = 5
RULE = "─" * 26


def shown(v: Decimal | None, latex: bool = False) -> str | None:
    """A value for display: ∞ with its sign for an infinite one, None for none."""
    if v is None:
        return None
    if v.is_infinite():
        return ("-" if v < 0 else "") + (r"\infty" if latex else "∞")
    return show(v, DECIMALS)


def _num(v: Decimal | None) -> str:
    return paren(shown(v))


class GraphTextPrinter(LessonPrinter):
    """Each step of the graph plan becomes a list of lines."""

    def __init__(self, g: Graph, language: str = "es"):
        self.g = g
        self.lang = language
        names = PlainNames()
        self.printer = NetworkTextPrinter(names)
        self.numbers = NetworkTextPrinter(names, {n.id: n.value for n in g.nodes}, DECIMALS)
        self._notes = 0

    def equals(self, parts: list[str], value: Decimal | None) -> str:
        """a = b = value, or a = b: no real value."""
        text = shown(value)
        if text is None:
            return " = ".join(parts) + ": " + say(self.lang, "graph_no_value")
        return " = ".join(parts + [text])

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
        return ["", say(self.lang, "backward"), RULE, f"  ({say(self.lang, 'graph_chain')})",
                f"  ∂f/∂{step.output} = 1"]

    def _print_GraphBackward(self, step: L.GraphBackward) -> list[str]:
        n = self.g.node(step.node)
        pattern = say(self.lang, f"gate_{step.pattern}") if step.pattern else ""
        lines = [f"  {n.id} = {self.printer.doprint(n.definition)}" + (f"   [{pattern}]" if pattern else "")]
        shares = [e.downstream for e in self.g.into(n.id)]
        for i, form, local, down in zip(step.inputs, n.local_forms, n.local, shares):
            formula = [] if form.is_Number else [self.printer.doprint(form)]
            local_line = self.equals([f"∂{n.id}/∂{i}"] + formula, local)
            branched = self.g.node(i).branches > 1
            branch = f"   [{say(self.lang, 'graph_branch_of', name=i)}]" if branched else ""
            if n.id == self.g.output:
                # ∂f/∂q = z: at the output (upstream ∂f/∂f = 1) the local gradient is the gradient
                lines.append(f"    {local_line}{branch}")
                continue
            chain = [f"∂f/∂{n.id} · ∂{n.id}/∂{i}"]
            if shown(n.grad) is not None and shown(local) is not None:
                chain.append(f"{_num(n.grad)} · {_num(local)}")
            chain = self.equals(([] if branched else [f"∂f/∂{i}"]) + chain, down)
            lines.append(f"    {local_line};   {chain}{branch}")
        return lines

    def _print_GraphBranches(self, step: L.GraphBranches) -> list[str]:
        parts = " + ".join(_num(e.downstream) if e.downstream is not None else "∄"
                           for e in reversed(self.g.edges) if e.src == step.node)
        total = self.equals([f"∂f/∂{step.node}", parts], self.g.node(step.node).grad)
        return [f"    {total}   [{say(self.lang, 'gate_branch')}]"]

    def _print_GraphGradients(self, step: L.GraphGradients) -> list[str]:
        grads = self.g.gradients
        return ["", say(self.lang, "graph_gradients")] + \
            [f"  {self.equals([f'∂f/∂{k}'], grads[k])}" for k in step.variables]

    def _print_GraphConvention(self, step: L.GraphConvention) -> list[str]:
        # the notes are footnotes to the result, set apart from it by one blank line
        self._notes += 1
        lines = [f"  * {text}" for text in graph_note(self.lang, self.g, step.node, step.kind)]
        return [""] + lines if self._notes == 1 else lines

    def print_walkthrough(self, plan) -> str:
        return "\n".join(line for lines in self.print_plan(plan) for line in lines) + "\n"


def graph_text(g: Graph, language: str = "es") -> str:
    """The whole walkthrough of ``g`` as one string."""
    return GraphTextPrinter(g, language).print_walkthrough(L.graph_plan(g))


def convention(language: str, note: tuple[str, str, str]) -> str:
    """A convention at a non-differentiable point (a tie of max/min, a kink at 0)."""
    kind, node, op = note
    return say(language, f"note_{kind}", node=node, op=op, rule=kink(op) or "")


class _Spelling:
    """How a note writes its formulas: plain text, or LaTeX math inside a sentence."""

    def __init__(self, latex: bool):
        self.latex = latex
        self.names = PlainNames()
        self.printer = NetworkLatexPrinter(self.names) if latex else NetworkTextPrinter(self.names)

    def math(self, text: str) -> str:
        return f"${text}$" if self.latex else text

    def d(self, top: str, bottom: str) -> str:
        if self.latex:
            return rf"\frac{{\partial {self.names.latex(top)}}}{{\partial {self.names.latex(bottom)}}}"
        return f"∂{top}/∂{bottom}"

    def name(self, node: str) -> str:
        return self.names.latex(node) if self.latex else node


def graph_note(language: str, g: Graph, node: str, kind: str, *, latex: bool = False) -> list[str]:
    """The sentences of one note of ``g`` (a GraphConvention step): a convention, a local
    derivative without a real or finite value (which gradients it leaves without one, and
    why), or a variable absent from the expression."""
    s = _Spelling(latex)
    if kind in ("tie", "kink"):
        return [convention(language, (kind, node, g.node(node).op))]
    if kind == "unused":
        return [say(language, "note_unused", var=s.math(s.name(node)), grad=s.math(s.d("f", node)))]
    out = []
    for m in g.missing:
        if (m.node, m.kind) != (node, kind):
            continue
        grads = ", ".join(s.math(s.d("f", v)) for v in (m.gradients or (m.input,)))
        local = s.math(f"{s.d(m.node, m.input)} = {s.printer.doprint(m.form)}")
        arg = s.math(f"{s.printer.doprint(m.argument)} = {show(m.at, DECIMALS)}")
        log = s.math(s.printer.doprint(sympy.log(m.argument, evaluate=False)))
        out.append(say(language, f"note_{kind}", grads=grads, local=local, arg=arg, log=log))
    return out


def _json(v: Decimal | None) -> Decimal | None:
    """JSON has no infinity: an infinite or missing value is null (the notes say which)."""
    return v if v is not None and v.is_finite() else None


def graph_document(g: Graph) -> dict[str, Any]:
    printer = NetworkLatexPrinter(PlainNames())
    return {
        "schema": GRAPH_SCHEMA,
        "expression": g.expression,
        "at": dict(g.at),
        "decomposed_sigmoid": g.decomposed,
        "output": g.output,
        "value": g.value,
        "gradients": {k: _json(v) for k, v in g.gradients.items()},
        "unused": list(g.unused),
        "nodes": [{
            "id": n.id, "op": n.op, "inputs": list(n.inputs), "value": n.value,
            "local": [_json(v) for v in n.local], "grad": _json(n.grad), "pattern": n.pattern,
            "branches": n.branches,
            **({"const": n.const} if n.const is not None else {}),
            **({"latex": printer.doprint(n.definition),
                "local_latex": [printer.doprint(f) for f in n.local_forms],
                "gate": GATES[n.op].symbol} if n.definition is not None else {}),
        } for n in g.nodes],
        "edges": [{"from": e.src, "to": e.dst, "local": _json(e.local), "upstream": _json(e.upstream),
                   "downstream": _json(e.downstream)} for e in g.edges],
        "notes": [{"kind": k, "node": n, "op": o, "text": " ".join(graph_note("en", g, n, k))}
                  for k, n, o in g.notes],
        "missing": [{"node": m.node, "input": m.input, "kind": m.kind,
                     "gradients": list(m.gradients)} for m in g.missing],
    }

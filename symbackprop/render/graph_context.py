"""Graph mode as plain data for the LaTeX templates (slides and handout).

The drawing follows the lectures and CS231n: variables on the left, one circle per gate
with its symbol, the forward value above every edge and, once the backward pass has reached
it, the gradient below it in red. Slides get a frame for the forward pass, one per backward
step (the node being processed highlighted, its local gradients and local × upstream), and
the result; the handout gets the drawing and a table. :class:`GraphLatexPrinter` prints
:func:`symbackprop.lesson.graph_plan` into those frames, one ``_print_<Step>`` method per step.
"""
from __future__ import annotations

from decimal import Decimal
from typing import Any

from .. import lesson as L
from ..core.exact import show
from ..core.ops import ACTIVATIONS
from ..core.graph import Graph
from .i18n import say
from ..core.notation import PlainNames
from .graph_text import convention
from .names import paren
from .printers import LessonPrinter, NetworkLatexPrinter

__all__ = ["graph_context", "GraphLatexPrinter"]

DECIMALS = 5
FORWARD_LINES = 8           # more would not fit on the forward pass's slide
COLUMN, ROW = 2.4, 1.3


def _gate_latex(op: str, const: Decimal | None) -> str:
    c = show(const, DECIMALS) if const is not None else ""
    return {
        "add": "+", "sub": "-", "mul": r"\times", "div": r"\div", "neg": r"\times(-1)",
        "addc": f"+{c}" if not c.startswith("-") else c, "mulc": rf"\times {c}" if not c.startswith("-") else rf"\times({c})",
        "inv": "1/x", "pow": f"x^{{{c}}}", "cpow": f"{c}^x", "powxy": "x^y", "exp": r"\exp",
        "log": r"\log", "sqrt": r"\sqrt{x}", "abs": "|x|", "max": r"\max", "min": r"\min", "const": c,
        **{name: act.latex for name, act in ACTIVATIONS.items()},
    }[op]


def _layout(g: Graph) -> dict[str, tuple[float, float]]:
    """A tidy tree layout: columns by depth; leaves take rows in the order the output reaches
    them; every gate sits at the mean height of its inputs."""
    depth: dict[str, int] = {}
    for n in g.nodes:
        depth[n.id] = 0 if not n.inputs else 1 + max(depth[i] for i in n.inputs)
    by_id = {n.id: n for n in g.nodes}
    row: dict[str, float] = {}
    slots = [0]

    def visit(node_id: str) -> float:
        if node_id in row:
            return row[node_id]
        node = by_id[node_id]
        if not node.inputs:
            row[node_id] = float(slots[0])
            slots[0] += 1
        else:
            ys = [visit(i) for i in node.inputs]
            row[node_id] = sum(ys) / len(ys)
        return row[node_id]

    visit(g.output)
    for n in g.nodes:           # anything the output does not reach (cannot happen, but be total)
        visit(n.id)
    middle = (slots[0] - 1) / 2
    place = {nid: (round(depth[nid] * COLUMN, 3), round((middle - y) * ROW, 3)) for nid, y in row.items()}
    place["_height"] = (0.0, max(slots[0], 1) * ROW)
    return place


class GraphLatexPrinter(LessonPrinter):
    """Each step of the graph plan becomes a list of frames (plain dicts for the templates).
    A step that continues the frame opened before it (one more node of the forward pass, a
    convention under the result) adds its blocks there and returns no frame. The printer
    remembers the edges the backward pass has reached, whether it has started (the output's
    gradient 1 is drawn from then on) and the branches met, which the result lists."""

    def __init__(self, g: Graph, style: str, language: str):
        self.g = g
        self.style = style
        self.lang = language
        self.names = PlainNames()
        self.printer = NetworkLatexPrinter(self.names)
        self.numbers = NetworkLatexPrinter(self.names, {n.id: n.value for n in g.nodes}, DECIMALS)
        self.place = _layout(g)
        self.frame: dict[str, Any] | None = None
        self.done: set[tuple[str, str]] = set()
        self.seeded = False
        self.branches: set[str] = set()

    # ------------------------------------------------------------------ helpers
    def t(self, key: str, **fields) -> str:
        return say(self.lang, key, **fields)

    def name(self, node_id: str) -> str:
        return self.names.latex(node_id)

    def drawing(self, current: str | None = None) -> dict:
        g, names, place = self.g, self.names, self.place
        out_x, out_y = place[g.output]
        nodes = []
        for n in g.nodes:
            x, y = place[n.id]
            if n.op in ("input", "const"):
                label = names.latex(n.id) if n.op == "input" else show(n.value, DECIMALS)
                nodes.append({"id": n.id, "x": x, "y": y, "kind": "gvar", "label": label})
            else:
                nodes.append({"id": n.id, "x": x, "y": y, "kind": "gcur" if n.id == current else "gop",
                              "label": _gate_latex(n.op, n.const)})
        edges = []
        for n in g.nodes:
            for i in n.inputs:
                down = next((e.downstream for e in g.edges if e.src == i and e.dst == n.id), None)
                grad = show(down, DECIMALS) if (i, n.id) in self.done and down is not None else ""
                edges.append({"src": i, "dst": n.id, "value": show(g.node(i).value, DECIMALS),
                              "grad": grad, "hot": n.id == current})
        return {"nodes": nodes, "edges": edges,
                "output": {"x": out_x + 1.6, "y": out_y, "label": names.latex(g.output),
                           "value": show(g.value, DECIMALS), "grad": "1" if self.seeded else ""},
                "out_src": g.output}

    def open(self, frame: dict[str, Any]) -> list[dict[str, Any]]:
        self.frame = frame
        return [frame]

    # ------------------------------------------------------------------ steps
    def _print_GraphPoint(self, step: L.GraphPoint) -> list[dict[str, Any]]:
        at = ", ".join(f"{self.name(k)} = {show(self.g.at[k], DECIMALS)}" for k in step.variables)
        return self.open({"kind": "forward", "title": self.t("tex_forward"), "table": None,
                          "blocks": [{"text": f"${at}$"}], "diagram": self.drawing()})

    def _print_GraphForward(self, step: L.GraphForward) -> list[dict[str, Any]]:
        n = self.g.node(step.node)
        blocks = self.frame["blocks"]
        if len(blocks) <= FORWARD_LINES:        # the first block is the point
            blocks.append({"math": f"{self.name(n.id)} = {self.printer.doprint(n.definition)} = "
                                   f"{self.numbers.doprint(n.definition)} = {show(n.value, DECIMALS)}"})
        return []

    def _print_GraphSeed(self, step: L.GraphSeed) -> list[dict[str, Any]]:
        self.seeded = True          # shown as the output's gradient in every drawing from now on
        return []

    def _print_GraphBackward(self, step: L.GraphBackward) -> list[dict[str, Any]]:
        n = self.g.node(step.node)
        blocks = [{"math": f"{self.name(n.id)} = {self.printer.doprint(n.definition)}"}]
        if step.pattern:
            blocks.append({"text": self.t(f"gate_{step.pattern}")})
        upstream = show(n.grad, DECIMALS)
        for i, form, local in zip(step.inputs, n.local_forms, n.local):
            down = local * n.grad
            lhs = rf"\frac{{\partial {self.name(n.id)}}}{{\partial {self.name(i)}}}"
            formula = "" if form.is_Number else f"{self.printer.doprint(form)} = "
            blocks.append({"math": f"{lhs} = {formula}{show(local, DECIMALS)}, \\quad "
                                   rf"\frac{{\partial f}}{{\partial {self.name(i)}}} \mathrel{{+}}= "
                                   f"{paren(show(local, DECIMALS))} \\cdot {paren(upstream)} = {show(down, DECIMALS)}"})
            self.done.add((i, n.id))
        return self.open({"kind": "backward", "title": self.t("tex_backward"), "table": None,
                          "heading": rf"$\frac{{\partial f}}{{\partial {self.name(n.id)}}} = {upstream}$",
                          "blocks": blocks, "diagram": self.drawing(n.id)})

    def _print_GraphBranches(self, step: L.GraphBranches) -> list[dict[str, Any]]:
        self.branches.add(step.node)        # the result lists them, in the graph's order
        return []

    def _print_GraphGradients(self, step: L.GraphGradients) -> list[dict[str, Any]]:
        grads = self.g.gradients
        blocks = [{"math": rf"\frac{{\partial f}}{{\partial {self.name(k)}}} = {show(grads[k], DECIMALS)}"}
                  for k in step.variables]
        branches = [n.id for n in self.g.nodes if n.id in self.branches]
        if branches:
            blocks.append({"text": self.t("gate_branch") + ": " + ", ".join(f"${self.name(b)}$" for b in branches)})
        return self.open({"kind": "result", "title": self.t("graph_gradients"), "blocks": blocks,
                          "table": None, "diagram": self.drawing()})

    def _print_GraphConvention(self, step: L.GraphConvention) -> list[dict[str, Any]]:
        note = (step.kind, step.node, self.g.node(step.node).op)
        self.frame["blocks"].append({"text": convention(self.lang, note)})
        return []

    # ------------------------------------------------------------------ the whole
    def print_context(self, plan) -> dict[str, Any]:
        g, place = self.g, self.place
        steps = [frame for frames in self.print_plan(plan) for frame in frames]
        out_x = place[g.output][0]
        table = [[f"${self.name(n.id)}$", f"${_gate_latex(n.op, n.const)}$" if n.definition is not None else "",
                  f"${show(n.value, DECIMALS)}$",
                  ", ".join(f"${show(v, DECIMALS)}$" for v in n.local), f"${show(n.grad, DECIMALS)}$"]
                 for n in g.nodes]
        return {
            "title": f"$f = {self.printer.doprint(_definition_tree(g))}$",
            "subtitle": self.t("tex_subtitle"), "language": self.lang,
            "babel": "spanish" if self.lang == "es" else "english", "style": self.style,
            "steps": steps, "order": [n.id for n in g.nodes],
            "table_step": {"blocks": [], "table": {"head": ["", "op", self.t("tex_value"), "local", "df"],
                                                   "rows": table}},
            "box": (-0.8, round(-place["_height"][1] / 2 - 0.4, 3), round(out_x + 2.4, 3),
                    round(place["_height"][1] / 2 + 0.4, 3)),
        }


def graph_context(g: Graph, style: str, language: str) -> dict[str, Any]:
    return GraphLatexPrinter(g, style, language).print_context(L.graph_plan(g))


def _definition_tree(g: Graph):
    """f written out in the variables (the nodes' definitions substituted back)."""
    import sympy
    expanded: dict = {}
    for n in g.nodes:
        sym = sympy.Symbol(n.id, real=True)
        if n.definition is None:
            expanded[sym] = sympy.Symbol(n.id, real=True) if n.op == "input" else sympy.Rational(str(n.value))
        else:
            expanded[sym] = n.definition.xreplace(expanded)
    return expanded[sympy.Symbol(g.output, real=True)]

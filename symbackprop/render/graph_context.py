"""Graph mode as plain data for the LaTeX templates (slides and handout).

The drawing follows the lectures and CS231n: variables on the left, one circle per gate
with its symbol and, beside it, the name the lecture gives the quantity (q = x + y), the
forward value above every edge in green and, once the backward pass has reached it, the
gradient below it in red (a legend under the drawing says so). Slides get a frame for the
forward pass, one per backward step (the node being processed highlighted, its local
gradients and, by the chain rule, upstream × local: ∂f/∂x = ∂f/∂q · ∂q/∂x), and the result;
the handout gets the drawing and a table. The title is the expression as typed, printed from
its parse tree (never SymPy's reordering). :class:`GraphLatexPrinter` prints
:func:`symbackprop.lesson.graph_plan` into those frames, one ``_print_<Step>`` method per step.
Where the drawing puts things is :func:`.graph_layout.graph_layout`'s (the SVG drawing's too);
this module spells it in TikZ.
"""
from __future__ import annotations

from decimal import Decimal
from typing import Any

from .. import lesson as L
from ..core.exact import show
from ..core.expr import Call, Num, Unary, Var, parse_expression
from ..core.ops import ACTIVATIONS
from ..core.graph import CONSTANTS, Graph
from .i18n import say
from ..core.notation import PlainNames
from .graph_layout import DECIMALS, MIDDLE, drawn_edges, graph_layout
from .graph_text import graph_note, shown
from .names import paren
from .printers import LessonPrinter, NetworkLatexPrinter

__all__ = ["graph_context", "GraphLatexPrinter", "expression_latex"]

FORWARD_LINES = 8           # more would not fit on the forward pass's slide


def _gate_latex(op: str, const: Decimal | None) -> str:
    c = show(const, DECIMALS) if const is not None else ""
    return {
        "add": "+", "sub": "-", "mul": r"\times", "div": r"\div", "neg": r"\times(-1)",
        "addc": f"+{c}" if not c.startswith("-") else c, "mulc": rf"\times {c}" if not c.startswith("-") else rf"\times({c})",
        "inv": "1/x", "pow": f"x^{{{c}}}", "cpow": f"{c}^x", "powxy": "x^y", "exp": r"\exp",
        "log": r"\log", "sqrt": r"\sqrt{x}", "abs": "|x|", "max": r"\max", "min": r"\min", "const": c,
        **{name: act.latex for name, act in ACTIVATIONS.items()},
    }[op]


def unrepeated(parts: list[str]) -> list[str]:
    """The sides of a = b = c without a side printed as the one before it (issue 14:
    u = −t = −1 = −1 is u = −t = −1), parentheses around a lone number aside."""
    out: list[str] = []
    for part in parts:
        if out and _bare(part) == _bare(out[-1]):
            out[-1] = part              # the later form: the value as every other line shows it
        else:
            out.append(part)
    return out


def _bare(text: str) -> str:
    """How a side reads: its spaces and the parentheses around a lone number left out."""
    text = "".join(text.split())
    while text.startswith("(") and text.endswith(")") and "(" not in text[1:-1]:
        text = text[1:-1]
    return text


def _tikz_path(angle: int) -> str:
    """An edge's path in TikZ: straight, or bent left (angle > 0) or right."""
    return "--" if angle == 0 else f"to[bend {'left' if angle > 0 else 'right'}={abs(angle)}]"


def _value(v: Decimal | None, digits: int = DECIMALS) -> str:
    """A value in LaTeX: ∞ with its sign, ∄ where there is none (the notes say why)."""
    text = shown(v, latex=True)
    if text is not None and v.is_finite():
        text = show(v, digits)
    return r"\nexists" if text is None else text



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
        self.layout = graph_layout(g, style)
        lay = self.layout
        self.place, self.routes, self.size, self.font = lay.place, lay.routes, lay.size, lay.font
        self.scale, self.digits, self.positions = lay.scale, lay.digits, lay.positions
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
                nodes.append({"id": n.id, "x": x, "y": y, "kind": "gvar", "label": label, "name": ""})
            else:
                # the quantity's name beside its gate (q = x + y); the output's is at the arrow's end
                nodes.append({"id": n.id, "x": x, "y": y, "kind": "gcur" if n.id == current else "gop",
                              "label": _gate_latex(n.op, n.const),
                              "name": names.latex(n.id) if n.id != g.output else ""})
        edges = []
        for i, dst, copy, down in drawn_edges(g):
            grad = _value(down, self.digits) if (i, dst) in self.done else ""
            # labels where they meet no other (_positions), else the style's middle
            at = self.positions[(i, dst, copy)]
            pos = "" if at == MIDDLE else f"pos={at}"
            edges.append({"src": i, "dst": dst, "value": _value(g.node(i).value, self.digits),
                          "grad": grad, "hot": dst == current, "path": _tikz_path(self.routes[(i, dst, copy)]),
                          "pos": pos})
        return {"nodes": nodes, "edges": edges, "font": self.font, "var_font": self.layout.var_font,
                "size": self.size, "scale": self.scale,
                "output": {"x": self.layout.out[0], "y": out_y, "label": names.latex(g.output),
                           "value": _value(g.value, self.digits), "grad": "1" if self.seeded else ""},
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
        if len(blocks) <= FORWARD_LINES or self.style == "article":        # the first block is the point
            blocks.append({"math": self.equals([self.name(n.id), self.printer.doprint(n.definition),
                                                self.numbers.doprint(n.definition)], n.value)})
        return []

    def _print_GraphSeed(self, step: L.GraphSeed) -> list[dict[str, Any]]:
        self.seeded = True          # shown as the output's gradient in every drawing from now on
        return []

    def equals(self, parts: list[str], value: Decimal | None) -> str:
        """a = b = value, or a = b: no real value (in math)."""
        text = shown(value, latex=True)
        if text is None:
            return " = ".join(unrepeated(parts)) + r"\text{: " + self.t("graph_no_value") + "}"
        return " = ".join(unrepeated(parts + [text]))

    def d(self, top: str, bottom: str) -> str:
        return rf"\frac{{\partial {self.name(top)}}}{{\partial {self.name(bottom)}}}"

    def _print_GraphBackward(self, step: L.GraphBackward) -> list[dict[str, Any]]:
        n = self.g.node(step.node)
        blocks = [{"math": f"{self.name(n.id)} = {self.printer.doprint(n.definition)}"}]
        if step.pattern:
            blocks.append({"text": self.t(f"gate_{step.pattern}")})
        shares = [e.downstream for e in self.g.into(n.id)]
        for i, form, local, down in zip(step.inputs, n.local_forms, n.local, shares):
            formula = [] if form.is_Number else [self.printer.doprint(form)]
            line = self.equals([self.d(n.id, i)] + formula, local)
            branched = self.g.node(i).branches > 1
            branch = (r" \quad \text{(" + self.t("graph_branch_of", name=f"${self.name(i)}$") + ")}"
                      if branched else "")
            if n.id != self.g.output:
                # downstream = upstream × local: ∂f/∂x = ∂f/∂q · ∂q/∂x = (−4) · 1
                chain = [rf"{self.d('f', n.id)} \cdot {self.d(n.id, i)}"]
                if shown(n.grad) is not None and shown(local) is not None:
                    chain.append(rf"{paren(_value(n.grad))} \cdot {paren(_value(local))}")
                line += r", \quad " + self.equals(([] if branched else [self.d("f", i)]) + chain, down)
            blocks.append({"math": line + branch})
            self.done.add((i, n.id))
        heading = (self.t("graph_upstream")[:1].upper() + self.t("graph_upstream")[1:]
                   + f": ${self.equals([self.d('f', n.id)], n.grad)}$")
        if n.id != self.g.output and self.style == "slides":        # the handout says it once
            blocks.append({"text": r"{\footnotesize\color{gray}" + self.t("graph_chain") + "}"})
        return self.open({"kind": "backward", "title": self.t("tex_backward"), "table": None,
                          "heading": heading, "blocks": blocks, "diagram": self.drawing(n.id)})

    def _print_GraphBranches(self, step: L.GraphBranches) -> list[dict[str, Any]]:
        self.branches.add(step.node)        # the result adds them up, in the graph's order
        if self.style == "article":         # the handout adds them up where the last one arrives
            shares = [e.downstream for e in reversed(self.g.edges) if e.src == step.node]
            total = self.equals([self.d("f", step.node), " + ".join(paren(_value(v)) for v in shares)],
                                self.g.node(step.node).grad)
            self.frame["blocks"] += [{"text": self.branch_sentence(step.node) + ":"}, {"math": total}]
        return []

    def branch_sentence(self, node_id: str) -> str:
        """x is used in two branches; their gradients add up (no full stop)."""
        count = sum(e.src == node_id for e in self.g.edges)
        words = self.t("graph_counts").split()
        return self.t("graph_branch_sum", name=f"${self.name(node_id)}$",
                      count=words[count - 2] if count - 2 < len(words) else str(count))

    def _print_GraphGradients(self, step: L.GraphGradients) -> list[dict[str, Any]]:
        grads = self.g.gradients
        blocks = []
        for k in step.variables:
            parts = [self.d("f", k)]
            if k in self.branches:          # the branches' shares, summed
                parts.append(" + ".join(paren(_value(e.downstream)) for e in reversed(self.g.edges) if e.src == k))
            blocks.append({"math": self.equals(parts, grads[k])})
        for b in [n.id for n in self.g.nodes if n.id in self.branches and n.op == "input"]:
            blocks.append({"text": self.branch_sentence(b) + "."})
        return self.open({"kind": "result", "title": self.t("graph_gradients"), "blocks": blocks,
                          "table": None, "diagram": self.drawing()})

    def _print_GraphConvention(self, step: L.GraphConvention) -> list[dict[str, Any]]:
        text = " ".join(graph_note(self.lang, self.g, step.node, step.kind, latex=True))
        self.frame["blocks"].append({"text": text})
        return []

    # ------------------------------------------------------------------ the whole
    def print_context(self, plan) -> dict[str, Any]:
        g, place = self.g, self.place
        steps = [frame for frames in self.print_plan(plan) for frame in frames]
        table = [[f"${self.name(n.id)}$", f"${_gate_latex(n.op, n.const)}$" if n.definition is not None else "",
                  f"${show(n.value, DECIMALS)}$",
                  ", ".join(f"${_value(v)}$" for v in n.local), f"${_value(n.grad)}$"]
                 for n in g.nodes]
        return {
            "title": rf"$\displaystyle f = {expression_latex(parse_expression(g.expression), g.at)}$",
            "expression": g.expression,
            "legend": {"value": self.t("graph_legend_value"), "grad": self.t("graph_legend_grad")},
            "subtitle": self.t("tex_subtitle"), "language": self.lang,
            "babel": "spanish" if self.lang == "es" else "english", "style": self.style,
            "steps": steps, "order": [n.id for n in g.nodes],
            # the handout's table, its head in the lecture's words (LaTeX: the template does not escape it)
            "table": {"head": [self.t("graph_head_node"), self.t("graph_head_op"), self.t("graph_legend_value"),
                               self.t("graph_head_local"), self.t("graph_head_grad") + r" $\partial f/\partial\cdot$"],
                      "rows": table},
            "walk": self.t("graph_walk"), "forward_title": self.t("tex_forward"),
            "backward_title": self.t("tex_backward"),
            "box": self.layout.box, "scale": round(self.scale, 4), "size": self.size,
        }


def graph_context(g: Graph, style: str, language: str) -> dict[str, Any]:
    return GraphLatexPrinter(g, style, language).print_context(L.graph_plan(g))


def expression_latex(tree, at=()) -> str:
    """The expression as typed, in LaTeX, from its parse tree: the operands in the order they
    were written, parentheses only where the reading needs them (SymPy would print z·(x + y)
    for (x+y)*z). ``at``: the names given values (``e`` and ``pi`` are constants otherwise)."""
    names = PlainNames()

    def wrap(text: str) -> str:
        # \left( \right) only around a fraction: elsewhere they would space \max (x) apart
        return rf"\left({text}\right)" if r"\frac" in text else f"({text})"

    def p(t) -> tuple[str, int]:
        """(LaTeX, precedence): 1 sum, 2 product, 3 sign, 4 power, 5 atom."""
        if isinstance(t, Num):
            mantissa, e, exponent = t.text.lower().partition("e")
            return (rf"{mantissa} \cdot 10^{{{int(exponent)}}}", 2) if e else (t.text, 5)
        if isinstance(t, Var):
            if t.name not in at and t.name in CONSTANTS:
                return (r"\pi" if t.name == "pi" else "e"), 5
            return names.latex(t.name), 5
        if isinstance(t, Unary):
            text, prec = p(t.arg)
            return "-" + (wrap(text) if prec <= 1 or isinstance(t.arg, Unary) else text), 3
        if isinstance(t, Call):
            args = [p(a)[0] for a in t.args]
            if t.name == "exp":
                return f"e^{{{args[0]}}}", 4
            if t.name == "sqrt":
                return rf"\sqrt{{{args[0]}}}", 5
            if t.name == "abs":
                return rf"\left|{args[0]}\right|", 5
            head = {"log": r"\log", "max": r"\max", "min": r"\min"}.get(t.name) or ACTIVATIONS[t.name].latex
            return head + wrap(", ".join(args)), 5
        (left, lp), (right, rp) = p(t.left), p(t.right)
        if t.op == "^":
            return f"{left if lp == 5 else wrap(left)}^{{{right}}}", 4
        if t.op == "/":
            return rf"\frac{{{left}}}{{{right}}}", 2
        if t.op == "*":
            return rf"{wrap(left) if lp < 2 else left} \cdot {wrap(right) if rp < 4 and rp != 2 else right}", 2
        right = wrap(right) if rp == 3 or (t.op == "-" and rp == 1) else right
        return f"{left} {t.op} {right}", 1

    return p(tree)[0]

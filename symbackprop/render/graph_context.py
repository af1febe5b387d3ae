"""Graph mode as plain data for the LaTeX templates (slides and handout).

The drawing follows the lectures and CS231n: variables on the left, one circle per gate
with its symbol, the forward value above every edge and, once the backward pass has reached
it, the gradient below it in red. Slides get a frame for the forward pass, one per backward
step (the node being processed highlighted, its local gradients and local × upstream), and
the result; the handout gets the drawing and a table.
"""
from __future__ import annotations

from decimal import Decimal
from typing import Any

from ..core.exact import show
from ..core.ops import ACTIVATIONS
from ..core.graph import Graph
from .i18n import say
from ..core.notation import PlainNames
from .graph_text import convention
from .names import paren
from .printers import NetworkLatexPrinter

__all__ = ["graph_context"]

DECIMALS = 5
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


def graph_context(g: Graph, style: str, language: str) -> dict[str, Any]:
    names = PlainNames()
    printer = NetworkLatexPrinter(names)
    numbers = NetworkLatexPrinter(names, {n.id: n.value for n in g.nodes}, DECIMALS)
    place = _layout(g)
    order = [n.id for n in g.nodes]
    out_x, out_y = place[g.output]

    def drawing(done: set[tuple[str, str]], current: str | None, output_grad: bool) -> dict:
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
                grad = show(down, DECIMALS) if (i, n.id) in done and down is not None else ""
                edges.append({"src": i, "dst": n.id, "value": show(g.node(i).value, DECIMALS),
                              "grad": grad, "hot": n.id == current})
        return {"nodes": nodes, "edges": edges,
                "output": {"x": out_x + 1.6, "y": out_y, "label": names.latex(g.output),
                           "value": show(g.value, DECIMALS), "grad": "1" if output_grad else ""},
                "out_src": g.output}

    def t(key: str, **fields) -> str:
        return say(language, key, **fields)

    steps: list[dict[str, Any]] = []
    at = ", ".join(f"{names.latex(k)} = {show(v, DECIMALS)}" for k, v in g.at.items() if k in g.gradients)
    forward_lines = [f"{names.latex(n.id)} = {printer.doprint(n.definition)} = "
                     f"{numbers.doprint(n.definition)} = {show(n.value, DECIMALS)}"
                     for n in g.nodes if n.definition is not None]
    steps.append({"kind": "forward", "title": t("tex_forward"), "table": None,
                  "blocks": [{"text": f"${at}$"}] + [{"math": x} for x in forward_lines[:8]],
                  "diagram": drawing(set(), None, False)})
    done: set[tuple[str, str]] = set()
    for n in reversed(g.nodes):
        if n.definition is None:
            continue
        blocks = [{"math": f"{names.latex(n.id)} = {printer.doprint(n.definition)}"}]
        if n.pattern:
            blocks.append({"text": t(f"gate_{n.pattern}")})
        upstream = show(n.grad, DECIMALS)
        for i, form, local in zip(n.inputs, n.local_forms, n.local):
            down = local * n.grad
            lhs = rf"\frac{{\partial {names.latex(n.id)}}}{{\partial {names.latex(i)}}}"
            formula = "" if form.is_Number else f"{printer.doprint(form)} = "
            blocks.append({"math": f"{lhs} = {formula}{show(local, DECIMALS)}, \\quad "
                                   rf"\frac{{\partial f}}{{\partial {names.latex(i)}}} \mathrel{{+}}= "
                                   f"{paren(show(local, DECIMALS))} \\cdot {paren(upstream)} = {show(down, DECIMALS)}"})
            done.add((i, n.id))
        title = t("tex_backward")
        steps.append({"kind": "backward", "title": title, "table": None,
                      "heading": rf"$\frac{{\partial f}}{{\partial {names.latex(n.id)}}} = {upstream}$",
                      "blocks": blocks, "diagram": drawing(set(done), n.id, True)})
    result = [{"math": rf"\frac{{\partial f}}{{\partial {names.latex(k)}}} = {show(v, DECIMALS)}"}
              for k, v in g.gradients.items()]
    branches = [n for n in g.nodes if n.branches > 1]
    if branches:
        result.append({"text": t("gate_branch") + ": " + ", ".join(f"${names.latex(n.id)}$" for n in branches)})
    result += [{"text": convention(language, note)} for note in g.notes]
    steps.append({"kind": "result", "title": t("graph_gradients"), "blocks": result, "table": None,
                  "diagram": drawing(set(done), None, True)})
    table = [[f"${names.latex(n.id)}$", f"${_gate_latex(n.op, n.const)}$" if n.definition is not None else "",
              f"${show(n.value, DECIMALS)}$",
              ", ".join(f"${show(v, DECIMALS)}$" for v in n.local), f"${show(n.grad, DECIMALS)}$"]
             for n in g.nodes]
    return {
        "title": f"$f = {printer.doprint(_definition_tree(g))}$",
        "subtitle": t("tex_subtitle"), "language": language,
        "babel": "spanish" if language == "es" else "english", "style": style,
        "steps": steps, "order": order,
        "table_step": {"blocks": [], "table": {"head": ["", "op", t("tex_value"), "local", "df"],
                                               "rows": table}},
        "box": (-0.8, round(-place["_height"][1] / 2 - 0.4, 3), round(out_x + 2.4, 3),
                round(place["_height"][1] / 2 + 0.4, 3)),
    }


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

"""The terminal walkthrough: the lecture's steps as plain text.

Forward pass neuron by neuron, the error, then every parameter in the lectures' order
with its chain, each factor's formula and value, the sum over paths and the update; the
end-of-iteration table. Sentences come from :mod:`symbackprop.render.i18n`; numbers are rounded
here, for display only.
"""
from __future__ import annotations

from decimal import Decimal

from ..derive.derivation import Chain, Derivation, Solution
from ..core.exact import show
from .i18n import say
from .printers import NetworkTextPrinter, derivative_text

__all__ = ["walkthrough"]


class _Text:
    def __init__(self, solution: Solution, language: str | None = None):
        self.solution = solution
        self.spec = solution.spec
        self.model = solution.model
        self.lang = language or self.spec.language
        self.notation = self.model.notation
        self.printer = NetworkTextPrinter(self.notation)
        self.lines: list[str] = []

    # helpers
    def num(self, value: Decimal | None) -> str:
        return "?" if value is None else show(value, self.spec.decimals)

    def name(self, qid: str) -> str:
        return self.notation.text(qid)

    def numbers(self, d: Derivation) -> NetworkTextPrinter:
        """A printer that writes the numbers of this step in place of the names."""
        values = d.hand_values if d.rounding == "hand" else d.values
        return NetworkTextPrinter(self.notation, values, self.spec.decimals)

    def out(self, line: str = "") -> None:
        self.lines.append(line)

    def heading(self, title: str) -> None:
        self.out()
        self.out(title)
        self.out("─" * len(title))

    def value(self, d: Derivation, qid: str) -> Decimal:
        return d.hand_values[qid] if d.rounding == "hand" else d.values[qid]

    def factor_value(self, d: Derivation, fid: str) -> Decimal:
        f = d.factors[fid]
        return f.hand if d.rounding == "hand" else f.value

    # sections
    def forward(self, d: Derivation) -> None:
        self.heading(say(self.lang, "forward"))
        model = self.model
        current_example = None
        for node in model.nodes.values():
            if node.kind not in ("z", "a"):
                continue
            if node.example != current_example and node.example is not None:
                current_example = node.example
                self.out(f"  [{say(self.lang, 'example', n=node.example)}]")
            if node.kind == "z":
                # the weighted sum as the lectures write it: w·x + … + b, then with its numbers
                self.out(f"  {self.name(node.id)} = {self.printer.doprint(node.written)}")
                self.out(f"  {' ' * len(self.name(node.id))} = {self.numbers(d).doprint(node.written)}"
                         f" = {self.num(self.value(d, node.id))}")
            else:
                formula = self.printer.doprint(node.definition)
                numbers = self.numbers(d).doprint(node.definition)
                self.out(f"  {self.name(node.id)} = {formula} = {numbers} = {self.num(self.value(d, node.id))}")

    def error(self, d: Derivation) -> None:
        self.heading(say(self.lang, "error"))
        for t in self.model.terms:
            node = self.model.nodes[t]
            written = node.written if node.written is not None else node.definition
            formula = self.printer.doprint(written)
            if t == "R" and len(written.args) > 4:
                parts = [self.printer.doprint(a) for a in written.args]
                formula = f"{parts[0]} + {parts[1]} + … + {parts[-1]}"
            numbers = "" if t == "R" else f" = {self.numbers(d).doprint(written)}"
            label = f"{say(self.lang, 'penalty')}: R" if t == "R" else self.name(t)
            self.out(f"  {label} = {formula}{numbers} = {self.num(self.value(d, t))}")
        terms = " + ".join(self.name(t) for t in self.model.terms)
        values = " + ".join(self.paren(self.value(d, t)) for t in self.model.terms)
        line = f"  {self.name('E')} = {terms}"
        if len(self.model.terms) > 1:
            line += f" = {values}"
        self.out(f"{line} = {self.num(self.value(d, 'E'))}")
        if d.rounding == "hand":
            self.out(f"  ({say(self.lang, 'exact_note')}: {self.num(d.values['E'])})")

    def deltas(self, d: Derivation) -> None:
        if all(c.form == "paths" for c in d.chains):
            return
        self.heading(say(self.lang, "deltas"))
        nodes = self.model.nodes
        order = sorted(d.deltas, key=lambda z: (-nodes[z].layer, nodes[z].example or 0, nodes[z].index))
        for zid in order:
            f = d.deltas[zid]
            value = f.hand if d.rounding == "hand" else f.value
            self.out(f"  {self.notation.delta_text(zid)} = {self.printer.doprint(f.named)} = {self.num(value)}")

    def chain(self, d: Derivation, c: Chain) -> None:
        hand = d.rounding == "hand"
        p = c.param
        self.out()
        self.out(say(self.lang, "question", param=self.name(p), value=self.num(c.hand_old if hand else c.old),
                     error=self.name("E")))
        grad_name = derivative_text(self.notation, "E", p)
        if c.form == "delta":
            self.out("  " + say(self.lang, "paths_many", count=c.path_count))
        else:
            self.out("  " + say(self.lang, "chain_rule", count=c.path_count))
        reused_word = say(self.lang, "reused")
        for number, path in enumerate(c.paths, start=1):
            if c.form == "paths":
                lhs = derivative_text(self.notation, path.term, p)
            else:
                lhs = grad_name if len(c.paths) == 1 else f"[{number}]"
            names = " · ".join(self.factor_name(d, fid) for fid in path.factors)
            if len(path.factors) > 1:
                self.out(f"  {lhs} = {names}")
            for fid, reused in zip(path.factors, path.reused):
                f = d.factors[fid]
                note = f"   ({reused_word})" if reused else ""
                formula = "" if f.named.is_Number else f" = {self.printer.doprint(f.named)}"
                indent = "      " if len(path.factors) > 1 else "  "
                self.out(f"{indent}{self.factor_name(d, fid)}{formula}"
                         f" = {self.num(self.factor_value(d, fid))}{note}")
            if len(path.factors) > 1:
                product = " · ".join(self.paren(self.factor_value(d, fid)) for fid in path.factors)
                self.out(f"    = {product} = {self.num(path.hand if hand else path.value)}")
        if len(c.partials) > 1 or (c.form == "delta" and len(c.paths) > 1):
            parts = c.partials if c.partials else c.paths
            names = " + ".join(derivative_text(self.notation, p.term, c.param)
                               for p in c.partials)
            values = " + ".join(self.paren(p.hand if hand else p.value) for p in parts)
            self.out("  " + say(self.lang, "sum_paths"))
            self.out(f"  {grad_name} = {names + ' = ' if names else ''}{values} = "
                     f"{self.num(c.hand_gradient if hand else c.gradient)}")
        else:
            self.out(f"  {grad_name} = {self.num(c.hand_gradient if hand else c.gradient)}")
        if hand:
            self.out(f"  ({say(self.lang, 'exact_note')}: {grad_name} = {self.num(c.gradient)})")
        new_name = say(self.lang, "new", name=self.name(p))
        if not c.trainable:
            self.out("  " + say(self.lang, "frozen", param=self.name(p)))
            return
        old = c.hand_old if hand else c.old
        grad = c.hand_gradient if hand else c.gradient
        new = c.hand_new if hand else c.new
        lr = self.num(self.spec.learning_rate)
        self.out(f"  {new_name} = {self.name(p)} - η·{grad_name} = {self.num(old)} - {lr}·"
                 f"{self.paren(grad)} = {self.num(new)}")
        if hand:
            self.out(f"  ({say(self.lang, 'exact_note')}: {new_name} = {self.num(c.new)})")

    def paren(self, value: Decimal) -> str:
        text = self.num(value)
        return f"({text})" if text.startswith("-") else text

    def factor_name(self, d: Derivation, fid: str) -> str:
        f = d.factors[fid]
        if f.is_delta:
            return self.notation.delta_text(f.den)
        return derivative_text(self.notation, f.num, f.den)

    def summary(self, d: Derivation) -> None:
        hand = d.rounding == "hand"
        self.heading(say(self.lang, "iteration_done", step=d.step))
        width = max(len(self.name(c.param)) for c in d.chains)
        for c in d.chains:
            old, new = (c.hand_old, c.hand_new) if hand else (c.old, c.new)
            self.out(f"  {self.name(c.param):<{width}}  {self.num(old):>12} → {self.num(new)}")

    def render(self) -> str:
        spec = self.spec
        first = self.solution.derivations[0]
        title = spec.title or "symbackprop"
        self.out(title)
        self.out("═" * len(title))
        if first.rounding == "hand":
            self.out(say(self.lang, "hand_note", decimals=spec.decimals))
        self.forward(first)
        self.error(first)
        self.heading(say(self.lang, "backward"))
        self.deltas(first)
        for c in first.chains:
            self.chain(first, c)
        self.summary(first)
        for d in self.solution.derivations[1:]:
            self.heading(say(self.lang, "iteration", step=d.step))
            self.out(f"  {self.name('E')} = {self.num(self.value(d, 'E'))}")
            self.summary(d)
        return "\n".join(self.lines) + "\n"


def walkthrough(solution: Solution, language: str | None = None) -> str:
    """The whole walkthrough as one string."""
    return _Text(solution, language).render()

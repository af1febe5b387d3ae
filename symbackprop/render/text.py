"""The terminal walkthrough: the lesson plan printed as plain text.

Forward pass neuron by neuron, the error, then every parameter in the lectures' order
with its chain, each factor's formula and value, the sum over paths and the update; the
end-of-iteration table. :class:`TextLessonPrinter` has one ``_print_<Step>`` method per
step of :func:`symbackprop.lesson.lesson_plan`; sentences come from
:mod:`symbackprop.render.i18n`, names from :func:`symbackprop.render.names.display`;
numbers are rounded here, for display only.
"""
from __future__ import annotations

from decimal import Decimal

from .. import lesson as L
from ..core import ids
from ..derive.derivation import Chain, Derivation, Solution
from ..core.exact import show
from .i18n import say
from .names import display, paren
from ..core.model import symbol
from ..core.ops import ACTIVATIONS, DERIVED
from .printers import LessonPrinter, NetworkTextPrinter, error_formula, shown_result_differs

__all__ = ["walkthrough", "TextLessonPrinter"]


class TextLessonPrinter(LessonPrinter):
    """Each step becomes a list of lines. The printer remembers the section it is in (a
    heading is written when the section changes) and the example of a batch."""

    def __init__(self, solution: Solution, language: str | None = None):
        self.solution = solution
        self.spec = solution.spec
        self.model = solution.model
        self.lang = language or self.spec.language
        self.notation = self.model.notation
        self.printer = NetworkTextPrinter(self.notation)
        self.d: Derivation = solution.derivations[0]
        self.hand = self.d.rounding == "hand"
        self._section: str | None = None
        self._example: int | None = None
        from ..core.notation import PlainNames
        self._plain = PlainNames()

    # ------------------------------------------------------------------ helpers
    def num(self, value: Decimal | None) -> str:
        return "?" if value is None else show(value, self.spec.decimals)

    def paren(self, value: Decimal) -> str:
        return paren(self.num(value))

    def rounded_note(self, values, result: Decimal, product: bool = False) -> list[str]:
        """A line under a sum or product whose shown values do not give its shown result."""
        if not shown_result_differs(values, result, self.spec.decimals, product):
            return []
        return ["  " + say(self.lang, "rounded_note")]

    def name(self, qid: str) -> str:
        return display(self.notation, qid, "text", self.lang)

    def numbers(self, d: Derivation) -> NetworkTextPrinter:
        """A printer that writes the numbers of this step in place of the names."""
        values = d.hand_values if d.rounding == "hand" else d.values
        return NetworkTextPrinter(self.notation, values, self.spec.decimals)

    def value(self, d: Derivation, qid: str) -> Decimal:
        """Any quantity's value from the step's ledger: its hand column in hand mode."""
        return d.ledger[qid].value(d.rounding == "hand")

    def factor_value(self, fid: str) -> Decimal:
        return self.value(self.d, fid)

    def heading(self, title: str) -> list[str]:
        return ["", title, "─" * len(title)]

    def section(self, key: str) -> list[str]:
        if self._section == key:
            return []
        self._section = key
        return self.heading(say(self.lang, key))

    def chain(self, param: str) -> Chain:
        return self.d.chain(param)


    # ------------------------------------------------------------------ steps
    def _print_Notation(self, step: L.Notation) -> list[str]:
        return []          # the terminal names quantities as it goes

    def _print_Network(self, step: L.Network) -> list[str]:
        return []

    def _print_LabelSmoothing(self, step: L.LabelSmoothing) -> list[str]:
        spec = self.spec
        k = len(spec.targets[0])
        values = [self.value(self.d, y) for y in step.targets]
        hot, cold = self.value(self.d, step.hot), self.value(self.d, step.cold)
        out = self.section("smoothing")
        out.append("  " + say(self.lang, "smoothing_rule", eps=self.num(spec.label_smoothing), K=k,
                              hot=self.num(hot), cold=self.num(cold)))
        for n, row in enumerate(spec.one_hot):
            given = ", ".join(self.num(t) for t in row)
            names = ", ".join(self.name(y) for y in step.targets[n * k:(n + 1) * k])
            smoothed = ", ".join(self.num(v) for v in values[n * k:(n + 1) * k])
            out.append(f"  ({given}) → ({names}) = ({smoothed})")
        return out

    def _print_Forward(self, step: L.Forward) -> list[str]:
        d = self.d
        out = self.section("forward")
        for node in [self.model.nodes[z] for z in step.sums] + [self.model.nodes[step.a]]:
            if node.example != self._example and node.example is not None:
                self._example = node.example
                out.append(f"  [{say(self.lang, 'example', n=node.example)}]")
            if node.kind == "z":
                out += self._sum_lines(node)
        a = self.model.nodes[step.a]
        formula = self.printer.doprint(a.definition)
        activation = self.spec.layers[a.layer - 1].activation
        if activation in DERIVED:       # written out: σ(z) = 1/(1 + exp(-z)), then with the number
            closed = DERIVED[activation](symbol(step.z))[0][1]
            formula += f" = {self.printer.doprint(closed)}"
            numbers = self.numbers(d).doprint(closed)
        else:
            numbers = self.numbers(d).doprint(a.definition)
        out.append(f"  {self.name(a.id)} = {formula} = {numbers} = {self.num(self.value(d, a.id))}")
        return out

    def _sum_lines(self, node) -> list[str]:
        """A weighted sum as the lectures write it: w·x + … + b, then with its numbers."""
        d = self.d
        return [f"  {self.name(node.id)} = {self.printer.doprint(node.written)}",
                f"  {' ' * len(self.name(node.id))} = {self.numbers(d).doprint(node.written)}"
                f" = {self.num(self.value(d, node.id))}"]

    def _print_BatchNorm(self, step: L.BatchNorm) -> list[str]:
        d, lang = self.d, self.lang
        bn = self.spec.layers[step.layer - 1].batch_norm
        out = self.section("forward")
        out.append("  " + say(lang, "batch_norm_head", l=step.layer, i=step.neuron, m=len(step.sums),
                              eps=self.num(bn.epsilon)))
        for z in step.sums:
            out += self._sum_lines(self.model.nodes[z])
        for q in (step.mean, step.variance, *step.normalized, *step.scaled):
            written = self.model.nodes[q].written
            out.append(f"  {self.name(q)} = {self.printer.doprint(written)}")
            out.append(f"  {' ' * len(self.name(q))} = {self.numbers(d).doprint(written)} = "
                       f"{self.num(self.value(d, q))}")
        out.append("  " + say(lang, "batch_norm_chain"))
        return out

    def _print_BatchNormBackward(self, step: L.BatchNormBackward) -> list[str]:
        d, lang = self.d, self.lang
        out = self.section("backward")
        out.append("  " + say(lang, "batch_norm_backward", l=step.layer, i=step.neuron))
        for q in step.adjoints:
            formula, values = self.adjoint_chain(q)
            numbers = NetworkTextPrinter(self.notation, values, self.spec.decimals)
            out.append(f"  {self.name(q)} = {self.printer.doprint(formula)}")
            out.append(f"  {' ' * len(self.name(q))} = {numbers.doprint(formula)} = {self.num(self.value(d, q))}")
        return out

    def _print_Dropout(self, step: L.Dropout) -> list[str]:
        d, lang = self.d, self.lang
        drop = self.spec.layers[step.layer - 1].dropout
        mask = drop.mask(step.example)
        p = self.num(drop.rate)
        out = self.section("forward")
        out.append("  " + say(lang, "dropout_head", l=step.layer, p=p, mask=", ".join(map(str, mask)),
                              scale=self.num(drop.scale)))
        for i, (a, r, m) in enumerate(zip(step.outputs, step.dropped, mask), start=1):
            line = (f"  {self.name(r)} = {self.name(a)}·m{i}/(1 - p) = {self.num(self.value(d, a))}·{m}/(1 - {p})"
                    f" = {self.num(self.value(d, r))}")
            out.append(line + ("" if m else f"   ({say(lang, 'dropout_dropped')})"))
        out.append("  " + say(lang, "dropout_chain", scale=self.num(drop.scale)))
        return out

    def _print_Residual(self, step: L.Residual) -> list[str]:
        d, lang = self.d, self.lang
        res = self.spec.layers[step.layer - 1].residual
        source = (say(lang, "residual_source_layer", n=res.source) if res.source
                  else say(lang, "residual_source_inputs"))
        out = self.section("forward")
        out.append("  " + say(lang, "residual_head", l=step.layer, source=source))
        for a, h in zip(step.outputs, step.sums):
            written = self.model.nodes[h].written
            out.append(f"  {self.name(h)} = {self.printer.doprint(written)} = "
                       f"{self.numbers(d).doprint(written)} = {self.num(self.value(d, h))}")
        out.append("  " + say(lang, "residual_chain", local="W_s" if res.weights is not None else "1"))
        return out

    def _print_Error(self, step: L.Error) -> list[str]:
        d = self.d
        out = self.section("error")
        out.append(f"  {error_formula(self.spec, self.model, 'text')}")
        for t in step.terms:
            node = self.model.nodes[t]
            written = node.written if node.written is not None else node.definition
            formula = self.printer.doprint(written)
            if t == "R" and len(written.args) > 4:
                parts = [self.printer.doprint(a) for a in written.args]
                formula = f"{parts[0]} + {parts[1]} + … + {parts[-1]}"
            numbers = "" if t == "R" else f" = {self.numbers(d).doprint(written)}"
            label = f"{say(self.lang, 'penalty')}: R" if t == "R" else self.name(t)
            out.append(f"  {label} = {formula}{numbers} = {self.num(self.value(d, t))}")
        terms = " + ".join(self.name(t) for t in step.terms)
        values = " + ".join(self.paren(self.value(d, t)) for t in step.terms)
        line = f"  {self.name(step.total)} = {terms}"
        if len(step.terms) > 1:
            line += f" = {values}"
        out.append(f"{line} = {self.num(self.value(d, step.total))}")
        if self.hand:
            out.append(f"  ({say(self.lang, 'exact_note')}: {self.num(d.values[step.total])})")
        return out

    def _print_Deltas(self, step: L.Deltas) -> list[str]:
        out = self.section("backward") + self.heading(say(self.lang, "deltas"))
        for zid in step.zs:
            f = self.d.deltas[zid]
            value = self.value(self.d, f.id)
            out.append(f"  {self.notation.delta_text(zid)} = {self.printer.doprint(f.named)} = {self.num(value)}")
        return out

    def _print_Question(self, step: L.Question) -> list[str]:
        c = self.chain(step.param)
        out = self.section("backward") + [""]
        out.append(say(self.lang, "question", param=self.name(c.param),
                       value=self.num(self.value(self.d, c.param)), error=self.name("E")))
        key = "paths_many" if c.form == "delta" else "chain_rule"
        out.append("  " + say(self.lang, key, count=c.path_count))
        terms = dict.fromkeys(p.term for p in c.paths)
        if c.form == "paths" and len(terms) == 1 and next(iter(terms)) != "E":
            (term,) = terms
            out.append("  " + say(self.lang, "only_term", term=self.name(term), param=self.name(c.param),
                                  name=self.name(c.id), partial=self.name(ids.derivative(term, c.param))))
        return out

    def _print_Reused(self, step: L.Reused) -> list[str]:
        return []          # the reused factors are marked on their own lines

    def _print_Factor(self, step: L.Factor) -> list[str]:
        c = self.chain(step.param)
        _, path = L.find_path(c, step.path)
        out = []
        long = len(path.factors) > 1
        if long and step.position == 0:
            names = " · ".join(self.name(fid) for fid in path.factors)
            out.append(f"  {self.name(step.path)} = {names}")   # one of several paths is named as such
        f = self.d.factors[step.factor]
        notes = ([say(self.lang, "reused")] if step.reused else []) + \
            ([say(self.lang, "old_value")] if step.old_values else [])
        note = f"   ({'; '.join(notes)})" if notes else ""
        if self.shortcut(f):
            note += f"   ({say(self.lang, 'residual_shortcut', local=self.num(f.value))})"
        formula = "" if f.named.is_Number else f" = {self.printer.doprint(f.named)}"
        indent = "      " if long else "  "
        out.append(f"{indent}{self.name(step.factor)}{formula} = {self.num(self.factor_value(step.factor))}{note}")
        return out

    def _print_Together(self, step: L.Together) -> list[str]:
        c = self.chain(step.param)
        _, path = L.find_path(c, step.path)
        product = " · ".join(self.paren(self.factor_value(fid)) for fid in path.factors)
        total = self.value(self.d, step.path)
        return [f"    = {product} = {self.num(total)}"] + \
            self.rounded_note([self.factor_value(fid) for fid in path.factors], total, product=True)

    def _print_PartialSum(self, step: L.PartialSum) -> list[str]:
        names = " + ".join(self.name(q) for q in step.paths)
        values = " + ".join(self.paren(self.value(self.d, q)) for q in step.paths)
        total = self.value(self.d, step.partial)
        return [f"  {self.name(step.partial)} = {names}",
                f"  {' ' * len(self.name(step.partial))} = {values} = {self.num(total)}"] + \
            self.rounded_note([self.value(self.d, q) for q in step.paths], total)

    def _print_Rule(self, step: L.Rule) -> list[str]:
        import sympy
        x = sympy.Symbol("x", real=True)
        g, rule = ACTIVATIONS[step.activation].own_output_rule(x)
        plain = NetworkTextPrinter(self._plain)
        text = f"d/dx {plain.doprint(g)} = {plain.doprint(rule)}"
        return ["      (" + say(self.lang, "rule", name=ACTIVATIONS[step.activation].words[self.lang], rule=text) + ")"]

    def _print_SumOverOutputs(self, step: L.SumOverOutputs) -> list[str]:
        c = self.chain(step.param)
        names = " + ".join(self.name(p.id) for p in c.partials)
        values = " + ".join(self.paren(self.value(self.d, pid)) for pid in step.parts)
        grad = self.value(self.d, c.id)
        return ["  " + say(self.lang, "sum_paths"),
                f"  {self.name(c.id)} = {names + ' = ' if names else ''}{values} = {self.num(grad)}"] + \
            self.rounded_note([self.value(self.d, pid) for pid in step.parts], grad)

    def _print_Update(self, step: L.Update) -> list[str]:
        c = self.chain(step.param)
        hand = self.hand
        grad_name = self.name(step.gradient)
        out = []
        if not step.summed:          # no sum over outputs came before: the gradient is the one path
            out.append(f"  {grad_name} = {self.num(self.value(self.d, c.id))}")
        if hand:
            out.append(f"  ({say(self.lang, 'exact_note')}: {grad_name} = {self.num(c.gradient)})")
        if not c.trainable:
            out.append("  " + say(self.lang, "frozen", param=self.name(c.param)))
            return out
        new_name = self.name(step.new)
        old, grad, new = (self.value(self.d, q) for q in (c.param, c.id, step.new))
        taken = self.value(self.d, ids.step(c.param))
        lr = self.num(self.spec.learning_rate)
        plus = f" = {self.num(old)} + {self.num(-taken)}" if taken < 0 else ""     # 0.7 - (-0.01) = 0.7 + 0.01
        out.append(f"  {new_name} = {self.name(c.param)} - η·{grad_name} = {self.num(old)} - {lr}·"
                   f"{self.paren(grad)} = {self.num(old)} - {self.paren(taken)}{plus} = {self.num(new)}")
        if hand:
            out.append(f"  ({say(self.lang, 'exact_note')}: {new_name} = {self.num(c.new)})")
        return out

    def _print_IterationTable(self, step: L.IterationTable) -> list[str]:
        d = self.solution.derivations[step.step - 1]
        out = []
        if step.step > 1:
            out += self.heading(say(self.lang, "iteration", step=d.step))
            out.append(f"  {self.name('E')} = {self.num(self.value(d, 'E'))}")
        out += self.heading(say(self.lang, "iteration_done", step=d.step))
        by_param = {c.param: c for c in d.chains}
        chains = [by_param[p] for p in step.params]
        width = max(len(self.name(c.param)) for c in chains)
        for c in chains:
            old, new = self.value(d, c.param), self.value(d, ids.new(c.param))
            out.append(f"  {self.name(c.param):<{width}}  {self.num(old):>12} → {self.num(new)}")
        return out

    def _print_Recap(self, step: L.Recap) -> list[str]:
        return self.heading(say(self.lang, "recap")) + [f"  - {say(self.lang, f'recap_{n}')}" for n in range(1, 5)]

    # ------------------------------------------------------------------ the whole
    def print_walkthrough(self, plan) -> str:
        title = self.spec.title_in(self.lang) or "symbackprop"
        lines = [title, "═" * len(title)]
        if self.hand:
            lines.append(say(self.lang, "hand_note", decimals=self.spec.decimals))
        for step_lines in self.print_plan(plan):
            lines += step_lines
        return "\n".join(lines) + "\n"


def walkthrough(solution: Solution, language: str | None = None) -> str:
    """The whole walkthrough as one string."""
    return TextLessonPrinter(solution, language).print_walkthrough(L.lesson_plan(solution))

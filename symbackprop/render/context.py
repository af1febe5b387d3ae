"""From a lesson plan to the plain data the LaTeX templates lay out.

:func:`report_context` prints :func:`symbackprop.lesson.lesson_plan` through
:class:`LatexLessonPrinter` (one ``_print_<Step>`` method per kind of step) into dicts,
lists and ready LaTeX strings: notation, network, forward pass neuron by neuron, error,
then for every parameter its question, one step per factor, the product, the sum over
paths, the update, and the end of the iteration. Templates only place them: slides put one
step per frame, the article puts them in sections.

Numbers are formatted here. In the ``exercise`` style every value the student computes
becomes ``\\blank``; in ``answers`` it becomes ``\\answer{value}``; given values (inputs,
weights, targets, η) stay as they are.
"""
from __future__ import annotations

from decimal import Decimal
from typing import Any

import sympy

from .. import lesson as L
from ..core import ids
from ..derive.derivation import Chain, Derivation, Factor, Path, Solution
from ..core.exact import show
from ..core.notation import PlainNames
from ..core.model import output_id, symbol
from ..core.ops import ACTIVATIONS, DERIVATION_NOTES, DERIVED, LOSSES
from .i18n import CATALOGUES, ordinal, say
from .diagram import Diagram, layout, path_marks, styled
from .names import display, paren
from .page_layout import answer_box, fit_key_to_sheet, page_ties, working_room
from .printers import LessonPrinter, NetworkLatexPrinter, error_formula, shown_result_differs

__all__ = ["report_context", "STYLES", "LatexLessonPrinter"]

STYLES = ("slides", "article", "exercise", "answers", "exercise-slides")
#: Rows of the end-of-iteration table per step (one frame holds about this many).
ITERATION_ROWS = 10


def T(text: str) -> dict[str, str]:
    return {"text": text}


def M(latex: str) -> dict[str, str]:
    return {"math": latex}


def I(latex: str) -> dict[str, Any]:
    """An equation of a list: on the slides a chunk of its own (a frame too full goes on)."""
    return {"math": latex, "item": True}


class LatexLessonPrinter(LessonPrinter):
    """Each step becomes a list of the templates' step dicts (one per frame; none for a step
    the slides do not show). The printer remembers what the drawings need: the parameters
    updated so far (drawn in blue), and whether the forward and backward sections began."""

    drawings = True

    def __init__(self, solution: Solution, style: str, language: str):
        self.solution = solution
        self.spec = solution.spec
        self.model = solution.model
        self.d: Derivation = solution.derivations[0]
        self.style = style
        self.lang = language
        self.notation = self.model.notation
        self.hand = self.d.rounding == "hand"
        self.values = self.d.hand_values if self.hand else self.d.values
        self.names = NetworkLatexPrinter(self.notation)
        self.numbers = NetworkLatexPrinter(self.notation, self.values, self.spec.decimals)
        # a notebook's display (render/display.py) shows no drawing: it skips the layout
        self.diagram = layout(self.model, self.value) if self.drawings else Diagram((), (), (0, 0, 0, 0))
        self.updated: list[str] = []
        self.sections: set[str] = set()
        self.shown_rules: set[str] = set()
        self.old_value_said = False
        self._base: tuple | None = None
        self.dropout_shown: set[int] = set()     # the layers whose dropout step was shown

    # ------------------------------------------------------------------ helpers
    def t(self, key: str, **fields) -> str:
        return say(self.lang, key, **fields)

    def given(self, value: Decimal) -> str:
        return show(value, self.spec.decimals)

    def slot(self, value: Decimal) -> str:
        """A value the student computes: shown, blank, or the key's answer."""
        text = show(value, self.spec.decimals)
        if self.style == "exercise":
            return r"\blank"
        if self.style == "exercise-slides":       # "?" first, the value on the frame's next slide
            return rf"\alt<2>{{{text}}}{{\blank}}"
        if self.style == "answers":
            return rf"\answer{{{text}}}"
        return text

    def paren(self, text: str) -> str:
        return paren(text, "latex")

    def factor_slot(self, value: Decimal) -> str:
        """A computed value as a factor or a subtrahend. A negative one gets parentheses; so does
        every blank (and its key's answer, which lines up with it), whose sign the student does
        not know yet: ``0.7 - (\\blank)`` is then filled ``0.7 - (-0.01056)``, never ``0.7 - -0.01056``.
        The box's parentheses (\\pblank, \\panswer: _common.tex.j2) are as tall as the box, a thin
        space from it, alike in the sheet and the key."""
        text = show(value, self.spec.decimals)
        if self.style == "exercise":
            return r"\pblank"
        if self.style == "exercise-slides":
            return rf"\alt<2>{{{self.paren(text)}}}{{\pblank}}"
        if self.style == "answers":
            return rf"\panswer{{{text}}}"
        return self.paren(text)

    def rounded_note(self, values, result: Decimal, product: bool = False) -> list[dict[str, str]]:
        """The note under a sum or product whose shown values do not give its shown result
        (none in the exercise sheet, whose values are the student's, nor in its key, which
        lines up with the sheet line by line)."""
        if self.style in ("exercise", "answers") or \
                not shown_result_differs(values, result, self.spec.decimals, product):
            return []
        return [T(r"{\footnotesize " + self.t("tex_rounded_note") + "}")]

    def name(self, qid: str) -> str:
        return display(self.notation, qid, "latex", self.lang)

    def section(self, key: str) -> str | None:
        """The section's title at its first step, None after."""
        if key in self.sections:
            return None
        self.sections.add(key)
        return self.t(key)

    def m(self, latex: str) -> str:
        return f"${latex}$"

    def factor_symbol(self, f: Factor) -> str:
        return self.name(f.id)

    def fvalue(self, f: Factor) -> Decimal:
        return self.value(f.id)

    def value(self, qid: str) -> Decimal:
        """Any quantity's value from the ledger: its hand column in hand mode."""
        return self.d.ledger[qid].value(self.hand)

    def with_numbers(self, expr: sympy.Expr) -> str | None:
        """The expression with numbers in place of names; None in the exercise (the student does it)."""
        if self.style in ("exercise", "exercise-slides") or expr.is_Number or expr.is_Symbol:
            return None
        return self.numbers.doprint(expr)

    def step(self, kind: str, title: str, *, heading: str | None = None, lines=(), notes=(), blocks=None,
             section: str | None = None, marks: tuple[set, set] | None = None, table=None,
             diagram: bool = True) -> dict[str, Any]:
        """One step of the lecture. ``blocks`` is the ordered content, each a dict with
        ``text`` (a sentence, math in $...$) or ``math`` (a displayed equation); by default
        the notes come first, then the lines."""
        he, hn = marks if marks else (set(), set())
        if kind == "update" and self.updated:
            he = set(he) | {self.updated[-1]}     # the parameter just updated, a bias too
        # the network's frame shows the given values; an update its new value (not in an
        # exercise); later frames show no value of an updated parameter (styled)
        fresh = {self.updated[-1]} if kind == "update" and self.updated and self.style not in ("exercise", "exercise-slides") else ()
        drawn = styled(self.diagram, he, hn, self.updated, value=self.value, given=kind == "network",
                       fresh=fresh, dropout=self.dropout_shown) if diagram and self.drawings else None
        # The template redraws the network's base (updated weights in blue, dropped neurons in
        # grey) only when it changed.
        base = (tuple(self.updated), tuple(sorted(self.dropout_shown)))
        rebase = drawn is not None and base != self._base
        if rebase:
            self._base = base
        if blocks is None:
            blocks = [T(n) for n in notes] + [M(x) for x in lines]
        chunks = None
        if drawn is not None and self.style in ("slides", "exercise-slides"):
            # The slides' text comes in chunks, which its band never splits across its two
            # columns and a frame too full never splits across two frames: a sentence that
            # ends with ':' and the equations right after it (up to the first of a list's
            # ``item`` equations, each a chunk of its own), or one block.
            chunks = []
            k = 0
            while k < len(blocks):
                end = k + 1
                if "text" in blocks[k] and blocks[k]["text"].rstrip().endswith(":"):
                    while end < len(blocks) and "math" in blocks[end] and \
                            not (blocks[end].get("item") and end > k + 1):
                        end += 1
                chunk = [{key: v for key, v in b.items() if key not in ("item", "tie")} for b in blocks[k:end]]
                # a sentence that refers to the one before it ("A esto se le conoce…") stays
                # on its frame: its chunk joins the previous one
                if blocks[k].get("tie") and chunks:
                    chunks[-1] += chunk
                else:
                    chunks.append(chunk)
                k = end
        blocks = [{key: v for key, v in b.items() if key not in ("item", "tie")} for b in blocks]
        # How much room the text takes decides its size on a frame without a drawing (one with a
        # drawing fits its text beside the drawing's fixed band in LaTeX: slides.tex.j2).
        load = sum(1.6 if "math" in b else 0.8 for b in blocks) + (len(table["rows"]) * 0.6 if table else 0) \
            + (1.0 if heading else 0)
        return {
            "kind": kind, "title": title, "heading": heading, "section": section, "blocks": blocks,
            "table": table, "chunks": chunks,
            "continued": f"{title} {self.t('tex_continued')}",
            "size": r"\small" if load <= 7 else r"\footnotesize",
            "diagram": drawn, "rebase": rebase,
        }

    # ------------------------------------------------------------------ sections
    # ------------------------------------------------------------------ steps
    def _print_Notation(self, step: L.Notation) -> list[dict[str, Any]]:
        spec = self.spec
        if step.layered_legend:
            units = ",\\quad ".join([f"n^{{[0]}} = {spec.n_inputs}"] +
                                    [f"n^{{[{l}]}} = {layer.units}"
                                     for l, layer in enumerate(spec.layers, start=1)])
            notes = [
                self.m(f"L = {len(spec.layers)}") + ": " + self.t("tex_layers"),
                self.m("n^{[l]}") + ": " + self.t("tex_units"),
                self.m(r"a^{[l]} = g^{[l]}\left(z^{[l]}\right),\ z^{[l]}_{i} = \sum_{j} w^{[l]}_{i,j}\, a^{[l-1]}_{j} + b^{[l]}")
                + ": " + self.t("tex_activation"),
                self.m(r"w^{[l]}_{i,j}") + ": " + self.t("tex_weight"),
                self.m(r"b^{[l]}") + ": " + self.t("tex_bias"),
            ]
            return [self.step("notation", self.t("tex_notation"), lines=[units], notes=notes, diagram=False)]
        rows = []
        for z, a in step.neurons:
            # the definition is the first example's; the table names the neuron without it
            node = self.model.nodes[ids.with_example(a, self._ex())]
            rows.append([self.m(self.name(z)), self.m(self.name(a)),
                         self.m(self.names.doprint(node.definition.xreplace(
                             {sympy.Symbol(ids.with_example(z, self._ex()), real=True): sympy.Symbol(z, real=True)})))])
        return [self.step("notation", self.t("tex_names"), table={"head": [self.t(k) for k in ("tex_head_sum", "tex_head_activation", "tex_head_definition")],
                                                         "rows": rows},
                  notes=[self.m(f"L = {len(spec.layers)}") + ": " + self.t("tex_layers")], diagram=False)]

    def _ex(self) -> int | None:
        return 1 if self.spec.batch else None

    def _print_Network(self, step: L.Network) -> list[dict[str, Any]]:
        spec = self.spec
        xs = ", ".join(f"{self.name(x)} = {self.given(v)}" for x, v in zip(step.inputs, spec.inputs[0]))
        ys = ", ".join(f"{self.name(y)} = {self.given(v)}" for y, v in zip(step.targets, spec.targets[0]))
        note = self.t("tex_data", inputs=self.m(xs), targets=self.m(ys),
                      eta=self.m(rf"\eta = {self.given(spec.learning_rate)}"))
        params = self.model.parameters()
        by_layer: dict[int, list[str]] = {}
        for p in step.params:
            by_layer.setdefault(self.model.nodes[p].layer, []).append(f"{self.name(p)} = {self.given(params[p])}")
        # one line per layer (a wide layer over several lines, four values each)
        lines = []
        for l, values in by_layer.items():
            for i in range(0, len(values), 5):
                lead = rf"\text{{{self.t('tex_layer', l=l)}}}\quad " if i == 0 else r"\quad "
                lines.append(lead + ",\\ ".join(values[i:i + 5]))
        notes = [note] + ([self.t("tex_hand", decimals=spec.decimals)] if self.hand else [])
        if len(step.params) > 24:
            lines = []
        return [self.step("network", self.t("tex_network"), lines=lines, notes=notes)]

    def _print_LabelSmoothing(self, step: L.LabelSmoothing) -> list[dict[str, Any]]:
        spec = self.spec
        k = len(spec.targets[0])
        values = [self.value(y) for y in step.targets]
        hot, cold = self.value(step.hot), self.value(step.cold)
        eps = self.given(spec.label_smoothing)
        rule = (r"y_{k} = \begin{cases} 1 - \varepsilon & \text{" + self.t("tex_if") + r" } t_{k} = 1 \\ "
                r"\dfrac{\varepsilon}{K - 1} & \text{" + self.t("tex_if") + r" } t_{k} = 0 \end{cases}")
        numbers = (rf"1 - \varepsilon = 1 - {eps} = {self.given(hot)},\qquad "
                   rf"\frac{{\varepsilon}}{{K - 1}} = \frac{{{eps}}}{{{k - 1}}} = {self.given(cold)}")
        blocks = [T(self.t("tex_smoothing_intro", K=k, eps=self.m(rf"\varepsilon = {eps}"))), M(rule), M(numbers),
                  T(self.t("tex_smoothing_then"))]
        for n, row in enumerate(spec.one_hot):
            ys = step.targets[n * k:(n + 1) * k]
            blocks.append(M(r"\left(" + ", ".join(self.given(t) for t in row) + r"\right) \;\to\; \left("
                            + ", ".join(self.name(y) for y in ys) + r"\right) = \left("
                            + ", ".join(self.given(v) for v in values[n * k:(n + 1) * k]) + r"\right)"))
        return [self.step("smoothing", self.t("tex_smoothing"), blocks=blocks, diagram=False)]

    def _print_Forward(self, step: L.Forward) -> list[dict[str, Any]]:
        section = self.section("tex_forward")
        node = self.model.nodes[step.a]
        z = self.model.nodes[step.z]
        lines = self._sum_lines(z) if z.kind == "z" else []
        a_line = f"{self.name(node.id)} = {self.names.doprint(node.definition)}"
        activation = self.spec.layers[node.layer - 1].activation
        closed = DERIVED[activation](symbol(z.id))[0][1] if activation in DERIVED else None
        if closed is not None:
            # the activation written out, then with the number: σ(0.41) = 1/(1 + e^{−0.41})
            a_line += f" = {self.names.doprint(closed)}"
        numbers = self.with_numbers(closed if closed is not None else node.definition)
        if numbers:
            a_line += f" = {numbers}"
        lines.append(a_line + f" = {self.slot(self.values[node.id])}")
        blocks = ([T(self.t("tex_weighted_sum")), M(lines[0]), M(lines[1])] if z.kind == "z" else []) + [
                  T(self.t("tex_apply")), M(lines[-1])]
        return [self.step("forward", self.t("tex_forward"),
                          heading=self.t("tex_compute", name=self.m(self.name(node.id))),
                          blocks=blocks, section=section,
                          marks=(set(), {f"n{node.layer}_{node.index}"}))]

    def _sum_lines(self, z) -> list[str]:
        """A weighted sum with its names, then with its numbers."""
        symbolic = " + ".join(f"{self.name(w)}\\,{self.name(s)}" for w, s in z.terms)
        numeric = " + ".join(f"{self.given(self.values[w])} \\cdot {self.slot_or_given(s, factor=True)}"
                             for w, s in z.terms)
        if z.bias:
            symbolic += f" + {self.name(z.bias)}"
            numeric += f" + {self.paren(self.given(self.values[z.bias]))}"
        return [f"{self.name(z.id)} = {symbolic}",
                f"{self.name(z.id)} = {numeric} = {self.slot(self.values[z.id])}"]

    def _print_BatchNorm(self, step: L.BatchNorm) -> list[dict[str, Any]]:
        """Two frames per neuron: the batch's sums and statistics, then each example's x̂ and y."""
        bn = self.spec.layers[step.layer - 1].batch_norm
        marks = (set(), {f"n{step.layer}_{step.neuron}"})

        def lines(q: str) -> list[dict[str, Any]]:
            written = self.model.nodes[q].written
            line = f"{self.name(q)} = {self.names.doprint(written)}"
            numbers = self.with_numbers(written)
            if numbers:
                line += f" = {numbers}"
            return [I(line + f" = {self.slot(self.values[q])}")]

        blocks = [T(self.t("tex_batch_norm_intro", l=step.layer, i=step.neuron, m=len(step.sums),
                           rule=self.m(r"\mu_B = \frac{1}{m}\sum_{i=1}^{m} z^{(i)},\quad "
                                       r"\sigma_B^2 = \frac{1}{m}\sum_{i=1}^{m} (z^{(i)} - \mu_B)^2")))]
        blocks += [I(line) for z in step.sums for line in self._sum_lines(self.model.nodes[z])[1:]]
        blocks += lines(step.mean) + lines(step.variance)
        first = self.step("batch_norm", self.t("tex_batch_norm"), blocks=blocks,
                          section=self.section("tex_forward"), marks=marks)
        blocks = [T(self.t("tex_batch_norm_scale", rule=self.m(
            r"\hat{x}^{(i)} = \frac{z^{(i)} - \mu_B}{\sqrt{\sigma_B^2 + \epsilon}},\quad "
            r"y^{(i)} = \gamma \odot \hat{x}^{(i)} + \beta"), eps=self.m(rf"\epsilon = {self.given(bn.epsilon)}")))]
        for q in (*step.normalized, *step.scaled):
            blocks += lines(q)
        blocks.append(T(self.t("tex_batch_norm_chain", rule=self.m(
            r"\partial\mu_B/\partial z^{(i)} = 1/m,\ \partial\sigma_B^2/\partial z^{(i)} = 2(z^{(i)} - \mu_B)/m,\ "
            r"\partial\sigma_B^2/\partial\mu_B = 0"))))
        return [first, self.step("batch_norm", self.t("tex_batch_norm"), blocks=blocks, section=None, marks=marks)]

    def normalized(self, qid: str) -> bool:
        node = self.model.nodes.get(qid)
        return node is not None and node.layer is not None and self.spec.layers[node.layer - 1].batch_norm is not None

    def adjoint_numbers(self) -> NetworkLatexPrinter:
        """A printer of numbers that knows the adjoints ∂E/∂node too (made when first asked)."""
        if getattr(self, "_adjoint_numbers", None) is None:
            adjoints = self.d.hand_adjoints if self.hand else self.d.adjoints
            self._adjoint_numbers = NetworkLatexPrinter(self.notation, {
                **self.values, **{ids.derivative("E", n): v for n, v in adjoints.items()}}, self.spec.decimals)
        return self._adjoint_numbers

    def _print_BatchNormBackward(self, step: L.BatchNormBackward) -> list[dict[str, Any]]:
        """Three frames: ∂E/∂y of each example, ∂E/∂x̂ of each; then ∂E/∂σ²_B and ∂E/∂μ_B."""
        m = self.spec.n_examples
        frames = []
        for part, key in ((step.adjoints[:m], "tex_batch_norm_back_examples"),
                          (step.adjoints[m:2 * m], "tex_batch_norm_back_examples"),
                          (step.adjoints[2 * m:], "tex_batch_norm_back_batch")):
            blocks = [T(self.t(key, l=step.layer, i=step.neuron))]
            for q in part:
                formula, values = self.adjoint_chain(q)
                line = f"{self.name(q)} = {self.names.doprint(formula)}"
                if self.with_numbers(formula):
                    line += f" = {NetworkLatexPrinter(self.notation, values, self.spec.decimals).doprint(formula)}"
                blocks.append(I(line + f" = {self.slot(self.value(q))}"))
            frames.append(self.step("batch_norm", self.t("tex_backward"), heading=self.t("tex_batch_norm_back"),
                                    blocks=blocks, section=self.section("tex_backward"),
                                    marks=(set(), {f"n{step.layer}_{step.neuron}"})))
        return frames

    def _print_Dropout(self, step: L.Dropout) -> list[dict[str, Any]]:
        drop = self.spec.layers[step.layer - 1].dropout
        mask = drop.mask(step.example)
        p, scale = self.given(drop.rate), self.given(drop.scale)
        rule = (r"\tilde{a} = a \cdot \frac{m}{1 - p},\qquad "
                rf"\frac{{1}}{{1 - p}} = \frac{{1}}{{1 - {p}}} = {scale}")
        blocks = [T(self.t("tex_dropout_intro", l=step.layer, p=self.m(f"p = {p}"),
                           mask=self.m(r"m = \left(" + ", ".join(map(str, mask)) + r"\right)"))), M(rule)]
        for i, (a, r, m) in enumerate(zip(step.outputs, step.dropped, mask), start=1):
            line = (rf"{self.name(r)} = {self.name(a)} \cdot \frac{{m_{{{i}}}}}{{1 - p}} = "
                    rf"{self.factor_slot(self.values[a])} \cdot \frac{{{m}}}{{1 - {p}}} = {self.slot(self.values[r])}")
            if not m:
                line += r"\quad\text{(" + self.t("dropout_dropped") + ")}"
            blocks.append(M(line))
        blocks.append(T(self.t("tex_dropout_chain", rule=self.m(r"\partial\tilde{a}/\partial a = m/(1 - p)"),
                               scale=self.m(scale))))
        # the kept neurons in red; the dropped ones grey (the drawing greys them from here on)
        self.dropout_shown.add(step.layer)
        marks = {f"n{step.layer}_{i}" for i, m in enumerate(mask, start=1) if m}
        return [self.step("dropout", self.t("tex_dropout"), blocks=blocks, section=self.section("tex_forward"),
                          marks=(set(), marks))]

    def _print_Residual(self, step: L.Residual) -> list[dict[str, Any]]:
        res = self.spec.layers[step.layer - 1].residual
        source = (self.t("residual_source_layer", n=res.source) if res.source
                  else self.t("residual_source_inputs"))
        blocks = [T(self.t("tex_residual_intro", l=step.layer, source=source,
                           rule=self.m("H(x) = F(x) + x")))]
        for a, h in zip(step.outputs, step.sums):
            node = self.model.nodes[h]
            # h = a + x (or a + s·x + …): the names, then the numbers, then the sum
            shortcut = [(v, x) for (v, x) in self._shortcut_terms(node)]
            names = " + ".join([self.name(a)] + [self.name(x) if v == 1 else rf"{self.given(v)}\,{self.name(x)}"
                                                 for v, x in shortcut])
            numbers = " + ".join([self.factor_slot(self.values[a])] +
                                 [self.slot_or_given(x, factor=True) if v == 1 else
                                  rf"{self.given(v)} \cdot {self.slot_or_given(x, factor=True)}" for v, x in shortcut])
            blocks.append(M(rf"{self.name(h)} = {names} = {numbers} = {self.slot(self.values[h])}"))
        local = "W_s" if res.weights is not None else "1"
        blocks.append(T(self.t("tex_residual_chain", local=self.m(local),
                               rule=self.m(rf"\partial h/\partial a = 1,\ \partial h/\partial x = {local}"),
                               total=self.m(rf"\partial H/\partial x = \partial F/\partial x + {local}"))))
        marks = {f"n{step.layer}_{i}" for i in range(1, len(step.sums) + 1)}
        return [self.step("residual", self.t("tex_residual"), blocks=blocks, section=self.section("tex_forward"),
                          marks=(set(), marks))]

    def _shortcut_terms(self, node) -> list[tuple[Decimal, str]]:
        """A residual output's shortcut as (weight, source id): (1, x_i), or a projection's row."""
        res = self.spec.layers[node.layer - 1].residual
        if res.weights is None:
            return [(Decimal(1), output_id(self.spec, res.source, node.index, node.example))]
        return [(v, output_id(self.spec, res.source, j, node.example))
                for j, v in enumerate(res.weights[node.index - 1], start=1)]

    def slot_or_given(self, qid: str, factor: bool = False) -> str:
        kind = self.model.nodes[qid].kind
        value = self.values[qid]
        if kind in ("input", "target"):
            return self.paren(self.given(value)) if factor else self.given(value)
        return self.factor_slot(value) if factor else self.slot(value)

    def _print_Error(self, step: L.Error) -> list[dict[str, Any]]:
        lines = []
        for t in step.terms:
            node = self.model.nodes[t]
            written = node.written if node.written is not None else node.definition
            line = f"{self.name(t)} = {self.names.doprint(written)}"
            if t == "R" and len(written.args) > 4:
                parts = [self.names.doprint(a) for a in written.args]
                line = f"R = {parts[0]} + {parts[1]} + \\cdots + {parts[-1]}"
            numbers = self.with_numbers(written) if t != "R" else None
            if numbers:
                line += f" = {numbers}"
            lines.append(line + f" = {self.slot(self.values[t])}")
        terms = step.terms
        total = " + ".join(self.name(t) for t in terms)
        if len(terms) > 6:
            total = " + ".join(self.name(t) for t in terms[:2]) + r" + \cdots + " + self.name(terms[-1])
        numbers = ""
        if 1 < len(terms) <= 6:
            numbers = " = " + " + ".join(self.factor_slot(self.values[t]) for t in terms)
        lines.append(f"{self.name(step.total)} = {total}{numbers} = {self.slot(self.values[step.total])}")
        spec = self.spec
        sizes = (self.t("tex_sizes_jk", J=spec.n_examples, K=len(spec.targets[0])) if spec.batch
                 else self.t("tex_sizes_k", K=len(spec.targets[0])))
        where = self.output_is_yhat()
        blocks = [T(self.t("tex_error_general", loss=LOSSES[spec.loss].words[self.lang], sizes=sizes)),
                  M(error_formula(spec, self.model, "latex"))]
        if where:
            # a sentence of its own: inside the formula a narrow column broke "ŷ_k | = a_k" (r5)
            blocks.append(T(self.t("tex_where", what=self.m(where))))
        blocks += [T(self.t("tex_error_numbers"))] + [M(x) for x in lines]
        return [self.step("error", self.t("tex_error"), blocks=blocks, section=self.t("tex_error"),
                  marks=(set(), {n["id"] for n in self.diagram.nodes if n["kind"] == "output"}))]

    def output_is_yhat(self) -> str:
        """Where the network names the output or the target otherwise than the general formula
        (layered: a^{[L]}_k; numbered: target_k), the formula says which is which."""
        L_ = len(self.spec.layers)
        labels = self.spec_labels()
        if self.notation.kind == "layered" and ids.a(L_, 1) not in labels:
            return rf"\hat{{y}}_{{k}} = a^{{[{L_}]}}_{{k}}"
        if self.notation.kind == "numbered" and ids.y(1) not in labels:
            return r"y_{k} = \text{target}_{k}"      # deck 004's name of the target
        return ""

    def spec_labels(self) -> set[str]:
        return {k for k, _ in self.spec.labels}

    def _print_Deltas(self, step: L.Deltas) -> list[dict[str, Any]]:
        return []          # each δ is defined where a chain first uses it

    # ------------------------------------------------------------------ backward
    def chain_lhs(self, term: str, param: str) -> str:
        return self.name(ids.derivative(term, param))


    def product(self, factors: tuple[str, ...], boxed: int | None = None) -> str:
        parts = []
        for n, fid in enumerate(factors):
            symbol = self.factor_symbol(self.d.factors[fid])
            parts.append(rf"\boxed{{{symbol}}}" if n == boxed else symbol)
        return r" \cdot ".join(parts)

    def _print_Question(self, step: L.Question) -> list[dict[str, Any]]:
        c = self.d.chain(step.param)
        section = self.section("tex_backward")
        p = c.param
        value = self.value(c.param)
        title = self.t("tex_question", param=self.m(f"{self.name(p)} = {self.given(value)}"),
                       error=self.m(self.name("E")))
        by_term: dict[str, list[Path]] = {}
        for path in c.paths:
            by_term.setdefault(path.term, []).append(path)
        blocks: list[dict[str, str]] = []
        separate = c.form == "paths" and len(by_term) > 1
        if separate:
            # deck 004 first says that ∂E1/∂w and ∂E2/∂w are found separately and then added,
            # then walks the routes: the frame opens with the sum, and no thin frame is left
            # holding it alone after the chain rule
            blocks += self.paths_sum(c, by_term)
        if c.form == "paths" and c.paths and any(len(ps[0].factors) > 1 for ps in by_term.values()):
            first = c.paths[0]
            if len(by_term) == 1 and len(first.factors) <= 3:
                blocks.append(T(self.t("tex_observe")))
                for fid in first.factors:
                    f = self.d.factors[fid]
                    blocks.append({**T(self.t("tex_affects", child=self.m(self.name(f.num)),
                                              parent=self.m(self.name(f.den)))), "tie": True})
            else:
                # every route to the parameter (deck 004: through E1 and through E2), at most 4
                blocks.append(T(self.t("tex_observe")))
                for path in c.paths[:4]:
                    route = [path.term] + [self.d.factors[fid].den for fid in path.factors]
                    blocks.append(M(r" \to ".join(self.name(q) for q in route)))
                if len(c.paths) > 4:
                    blocks.append(M(r"\vdots"))
        lines: list[str] = []
        if c.form == "paths":
            for term, paths in list(by_term.items())[:6]:
                # a line too long for the slide breaks between its paths, not inside a product
                lines.append(f"{self.chain_lhs(term, p)} = " +
                             r" + \allowbreak ".join(self.product(path.factors) for path in paths))
            if lines:
                # "This is the chain rule" refers to the routes above it: the two stay on one
                # frame; with more than two routes (b[1]: four, and two long chains) they cannot
                # share one at 8 pt, and the chain rule opens its frame with a sentence of its own
                if len(c.paths) <= 2 and not separate:
                    blocks.append({**T(self.t("tex_chain_rule")), "tie": True})
                else:
                    blocks.append(T(self.t("tex_chain_rule_alone")))
                blocks += [M(x) for x in lines]
            if c.path_count > 1 and not separate:
                blocks.append(T(self.t("tex_paths", count=c.path_count,
                                       error=self.m(self.name("E")), param=self.m(self.name(p)))))
            (term,) = by_term if len(by_term) == 1 else (None,)
            if term is not None and term != "E":
                # only one error term depends on the parameter: ∂E/∂w is its ∂E_k/∂w
                blocks.append(T(self.t("tex_only_term", term=self.m(self.name(term)), param=self.m(self.name(p)))))
                blocks.append(M(f"{self.chain_lhs('E', p)} = {self.chain_lhs(term, p)}"))
        else:
            blocks.append(T(self.t("tex_delta", count=c.path_count)))
            blocks.append(M(f"{self.chain_lhs('E', p)} = " + " + ".join(
                self.product(path.factors) for path in c.paths[:6])))
        if not c.trainable:
            # a fixed bias (update_biases: false): derived as in the lectures, never used
            blocks.insert(0, T(r"{\footnotesize " + self.t("tex_frozen_question") + "}"))
        marks = self.chain_marks(c)
        return [self.step("question", self.t("tex_backward"), heading=title, blocks=blocks,
                          section=section, marks=marks)]

    def paths_sum(self, c: Chain, by_term: dict[str, list[Path]]) -> list[dict[str, str]]:
        """The sentence and the sum over the error terms that depend on a parameter."""
        p = c.param
        return [T(self.t("tex_paths_sum", count=c.path_count, error=self.m(self.name("E")),
                         param=self.m(self.name(p)))),
                M(f"{self.chain_lhs('E', p)} = " + " + ".join(self.chain_lhs(t, p) for t in by_term))]

    def chain_marks(self, c: Chain) -> tuple[set, set]:
        edges: set[str] = set()
        nodes: set[str] = set()
        for path in c.paths:
            fids = path.factors
            if c.form == "delta":
                fids = fids[1:]
            e, n = path_marks(fids)
            edges |= e
            nodes |= n
        if c.form == "delta" and self.model.nodes[c.param].kind == "weight":
            edges.add(c.param)
        return edges, nodes

    def _print_Reused(self, step: L.Reused) -> list[dict[str, Any]]:
        _, path = L.find_path(self.d.chain(step.param), step.path)
        blocks = [T(self.t("tex_reused")), M(self.product(path.factors, None))]
        for fid in step.factors:
            f = self.d.factors[fid]
            # a constant factor (∂z/∂b = 1) is its value: written once, not "= 1 = 1"
            named = "" if f.named.is_Number else f"{self.names.doprint(f.named)} = "
            # each factor an item of a list, which a full frame may continue on the next
            # the short mark: the factor frame said the whole "(valor anterior)" and why, and in
            # this list's narrow column the whole one broke the line (review r5)
            old = self.old_value_mark(f, step.old_values, short=True)
            blocks.append({**M(f"{self.factor_symbol(f)} = {named}{self.slot(self.fvalue(f))}{old}"), "item": True})
        return [self.step("reused", self.t("tex_backward"), blocks=blocks, marks=path_marks(path.factors))]

    def old_value_mark(self, f: Factor, old_values: tuple[str, ...], short: bool = False) -> str:
        """"(valor anterior)" after a factor that uses a parameter updated on an earlier frame
        ("(anterior)" in a list of reused factors)."""
        if not set(old_values) & {s.name for s in f.named.free_symbols}:
            return ""
        return rf"\quad\text{{({self.t('old_value_short' if short else 'old_value')})}}"

    def _print_Factor(self, step: L.Factor) -> list[dict[str, Any]]:
        if step.reused:
            return []          # shown on the path's "reused" frame
        _, path = L.find_path(self.d.chain(step.param), step.path)
        n, f, marks = step.position, self.d.factors[step.factor], path_marks(path.factors)
        heading = self.t("tex_component", nth=ordinal(self.lang, n + 1)) if len(path.factors) > 1 else None
        lines = [f"{self.name(step.path)} = {self.product(path.factors, n)}"] if len(path.factors) > 1 else []
        notes = [self.t("tex_recall")]
        recall: list[str] = []
        child = self.model.nodes.get(f.num)
        if f.is_delta:
            recall.append(f"{self.factor_symbol(f)} = {self.names.doprint(f.named)}")
        elif child is not None and child.kind == "a":
            recall.append(f"{self.name(child.id)} = {self.names.doprint(child.definition)}")
            activation = self.spec.layers[child.layer - 1].activation
            layer = self.spec.layers[child.layer - 1]
            rule = ACTIVATIONS[activation].own_output_rule(
                sympy.Symbol("x"), sympy.Rational(str(layer.slope or 0))) if activation in ACTIVATIONS else None
            if rule is not None and activation not in self.shown_rules and activation not in DERIVED:
                # the first time: the rule written with the activation's own output (tanh′ =
                # 1 − tanh²), unless a note frame just derived it (σ′ = σ(1 − σ))
                self.shown_rules.add(activation)
                notes.append(self.t("tex_own_output_note", name=ACTIVATIONS[activation].words[self.lang]))
                plain = NetworkLatexPrinter(PlainNames())
                g = plain.doprint(rule[0])
                g = g if rule[0].is_Function else rf"\left({g}\right)"     # d/dx (x·σ(x))
                recall.append(rf"\frac{{d}}{{dx}}{g} = {plain.doprint(rule[1])}")
        elif child is not None and child.kind in ("error", "penalty", "z", "residual"):
            written = child.written if child.written is not None else child.definition
            if child.kind == "penalty" and len(written.args) > 4:
                recall.append(f"R = \\cdots + {self.names.doprint(sympy.Add.make_args(written)[0])} + \\cdots")
            else:
                recall.append(f"{self.name(child.id)} = {self.names.doprint(written)}")
        if self.shortcut(f):
            notes.append(self.t("tex_residual_shortcut", local=self.m(self.given(f.value)),
                                rule=self.m("h = a + x")))
        symbol = self.factor_symbol(f)
        general, named = self.names.doprint(f.general), self.names.doprint(f.named)
        result = f"{symbol} = " + (f"{general} = " if general != named and not f.is_delta else "") + named
        numbers = self.with_numbers(f.named)
        if numbers and f.is_delta and self.normalized(f.den):
            # δ through batch normalization: ∂E/∂x̂, ∂E/∂μ_B, ∂E/∂σ²_B have numbers (their frames)
            numbers = self.adjoint_numbers().doprint(f.named)
        if numbers and numbers != named:
            result += f" = {numbers}"
        if not f.named.is_Number:
            result += f" = {self.slot(self.fvalue(f))}"
        result += self.old_value_mark(f, step.old_values)
        blocks = [M(x) for x in lines] + [T(n) for n in notes] + [M(x) for x in recall] + \
            [T(self.t("tex_therefore")), M(result)]
        if step.old_values and not self.old_value_said:
            # the first time: why the weight updated a few frames ago keeps its old value here
            self.old_value_said = True
            names = ", ".join(self.m(self.name(p)) for p in step.old_values)
            blocks.append(T(self.t("tex_old_value_note", names=names)))
        return [self.step("factor", self.t("tex_backward"), heading=heading, blocks=blocks, marks=marks)]

    def _print_Together(self, step: L.Together) -> list[dict[str, Any]]:
        c = self.d.chain(step.param)
        _, path = L.find_path(c, step.path)
        lhs = self.name(step.path)     # one of several paths has its own name, not the partial's
        factors = [self.d.factors[fid] for fid in path.factors]
        # each factor's formula in brackets; a constant one (∂z/∂b = 1) bare: "[1]" would read
        # like a layer's superscript
        named = r" \cdot ".join(self.names.doprint(f.named) if f.named.is_Number else
                                 f"\\left[{self.names.doprint(f.named)}\\right]" for f in factors)
        values = r" \cdot ".join(self.factor_slot(self.fvalue(f)) for f in factors)
        lines = [f"{lhs} = {self.product(path.factors)}", f"{lhs} = {named}",
                 f"{lhs} = {values}", f"{lhs} = {self.slot(self.value(step.path))}"]
        note = self.rounded_note([self.fvalue(f) for f in factors], self.value(step.path), product=True)
        return [self.step("together", self.t("tex_backward"), heading=self.t("tex_together"),
                          blocks=[M(x) for x in lines] + note, marks=path_marks(path.factors))]

    def _print_PartialSum(self, step: L.PartialSum) -> list[dict[str, Any]]:
        c = self.d.chain(step.param)
        term = ids.split_derivative(step.partial)[0]
        lhs = self.name(step.partial)
        lines = [f"{lhs} = " + " + ".join(self.name(q) for q in step.paths),
                 f"{lhs} = " + " + ".join(self.factor_slot(self.value(q)) for q in step.paths),
                 f"{lhs} = {self.slot(self.value(step.partial))}"]
        marks: tuple[set, set] = (set(), set())
        for q in step.paths:
            _, path = L.find_path(c, q)
            e, n = path_marks(path.factors)
            marks[0].update(e)
            marks[1].update(n)
        note = self.rounded_note([self.value(q) for q in step.paths], self.value(step.partial))
        return [self.step("partial", self.t("tex_backward"),
                          heading=self.t("tex_partial_sum", term=self.m(self.name(term))),
                          blocks=[M(x) for x in lines] + note, marks=marks)]

    def _print_Rule(self, step: L.Rule) -> list[dict[str, Any]]:
        x = sympy.Symbol("x", real=True)
        plain = NetworkLatexPrinter(PlainNames())
        act = ACTIVATIONS[step.activation]
        blocks = [T(self.t("tex_rule_intro"))]
        blocks += [M(" = ".join(plain.doprint(e) for e in row)) for row in DERIVED[step.activation](x)]
        if step.activation in DERIVATION_NOTES:       # deck 003: "Nota: D_x e^u = e^u D_x u"
            blocks += [T(self.t("tex_rule_note"))] + \
                [M(" = ".join(plain.doprint(e) for e in row)) for row in DERIVATION_NOTES[step.activation](x)]
        g, rule = act.own_output_rule(x)
        blocks += [T(self.t("tex_therefore")),
                   M(rf"\boxed{{\frac{{d}}{{dx}}{plain.doprint(g)} = {plain.doprint(rule)}}}")]
        return [self.step("rule", self.t("tex_rule_title", name=act.words[self.lang]), blocks=blocks,
                          diagram=False)]

    def _print_SumOverOutputs(self, step: L.SumOverOutputs) -> list[dict[str, Any]]:
        c = self.d.chain(step.param)
        p = c.param
        names = " + ".join(self.name(x.id) for x in c.partials) if c.partials else ""
        values = " + ".join(self.factor_slot(self.value(x)) for x in step.parts)
        grad = self.value(c.id)
        lines = ([f"{self.chain_lhs('E', p)} = {names}"] if names else []) + \
            [f"{self.chain_lhs('E', p)} = {values}", f"{self.chain_lhs('E', p)} = {self.slot(grad)}"]
        note = self.rounded_note([self.value(x) for x in step.parts], grad)
        return [self.step("sum", self.t("tex_backward"), heading=self.t("tex_sum"),
                          blocks=[M(x) for x in lines] + note, marks=self.chain_marks(c))]

    def _print_Update(self, step: L.Update) -> list[dict[str, Any]]:
        c = self.d.chain(step.param)
        p = c.param
        if not c.trainable:
            return []
        new_name = self.name(step.new)
        old = self.value(c.param)
        grad = self.value(c.id)
        new = self.value(ids.new(c.param))
        taken = self.value(ids.step(c.param))
        lines = [f"{new_name} = {self.name(p)} - \\eta \\cdot {self.chain_lhs('E', p)}",
                 f"{new_name} = {self.given(old)} - {self.given(self.spec.learning_rate)} \\cdot "
                 f"{self.factor_slot(grad)}",
                 f"{new_name} = {self.given(old)} - {self.factor_slot(taken)}",
                 f"{new_name} = {self.slot(new)}"]
        if taken < 0 and self.style in ("slides", "article"):
            # minus a negative step, as the lecture writes it: 0.7 − (−0.01056) = 0.7 + 0.01056
            lines.insert(3, f"{new_name} = {self.given(old)} + {self.given(-taken)}")
        self.updated.append(p)
        # η·g and w − η·g, from the values as shown
        note = self.rounded_note([self.spec.learning_rate, grad], taken, product=True) or \
            self.rounded_note([old, -taken], new)
        return [self.step("update", self.t("tex_backward"), heading=self.t("tex_update", param=self.m(self.name(p))),
                          blocks=[M(lines[0]), T(self.t("tex_where_eta"))] + [M(x) for x in lines[1:]] + note,
                          marks=({p} if p.startswith("w") else set(), set()))]

    def _print_IterationTable(self, step: L.IterationTable) -> list[dict[str, Any]]:
        if step.step != self.d.step:
            return []          # the report lays out the first step; later ones are the text's
        by_param = {c.param: c for c in self.d.chains}
        rows = []
        for c in (by_param[p] for p in step.params):
            old = self.value(c.param)
            grad = self.value(c.id)
            new = self.value(ids.new(c.param))
            rows.append([self.m(self.name(c.param)), self.m(self.given(old)),
                         self.m(self.slot(grad)), self.m(self.slot(new))])
        notes = [self.t("tex_replace")]
        if not self.spec.update_biases:
            notes.append(self.t("tex_frozen"))
        head = [self.t("tex_parameter"), self.t("tex_old"), self.t("tex_gradient"), self.t("tex_new")]
        chunks = [rows[i:i + ITERATION_ROWS] for i in range(0, len(rows), ITERATION_ROWS)]
        out = []
        for n, chunk in enumerate(chunks, start=1):
            title = self.t("tex_iteration", step=self.d.step)
            if len(chunks) > 1:
                title += f" ({n}/{len(chunks)})"
            out.append(self.step("iteration", title, notes=notes if n == 1 else [],
                                 table={"head": head, "rows": chunk},
                                 section=self.t("tex_summary") if n == 1 else None, diagram=False))
        return out

    def _print_Recap(self, step: L.Recap) -> list[dict[str, Any]]:
        points = "".join(rf"\item {self.t(f'recap_{n}')}" + "\n" for n in range(1, 5))
        return [self.step("recap", self.t("recap"), blocks=[T("\\begin{itemize}\n" + points + "\\end{itemize}")],
                          diagram=False)]

    # ------------------------------------------------------------------ the whole
    def print_context(self, plan) -> dict[str, Any]:
        from ..spec.reading import TITLE_PAGE_KEYS
        steps = [frame for frames in self.print_plan(plan) for frame in frames]
        words = {k[4:]: v for k, v in CATALOGUES[self.lang].items() if k.startswith("tex_")}
        sheet = self.style in ("exercise", "answers")
        blank = answer_box(self.d.ledger.values(hand=self.hand).values(), self.spec.decimals) if sheet else None
        if self.style == "answers":
            sheet_steps = [f for fs in LatexLessonPrinter(self.solution, "exercise", self.lang).print_plan(plan)
                           for f in fs]
            fit_key_to_sheet(steps, sheet_steps)
        if self.style in ("article", "exercise", "answers"):
            for step in steps:
                page_ties(step)
        for step in steps:
            step["room"] = working_room(step) if sheet else None
        # The title page's fields, each on one line; a field left out shows nothing.
        given = {key: " ".join(text.split()) for key, text in self.spec.title_page_in(self.lang).items()}
        return {
            "title": self.spec.title_in(self.lang) or "symbackprop",
            "subtitle": self.t("tex_subtitle"),
            "head": {key: given.get(key, "") for key in TITLE_PAGE_KEYS},
            "blank": blank,
            "language": self.lang,
            "babel": "spanish" if self.lang == "es" else "english",
            "style": self.style,
            "hand": self.hand,
            "words": words,
            "intro": self.t("tex_sheet" if self.style == "exercise" else "tex_sheet_key", places=self.t(
                "tex_places_none" if not self.spec.decimals else "tex_places_one" if self.spec.decimals == 1
                else "tex_places", decimals=self.spec.decimals)) if sheet else
            self.t("tex_exercise_slides", blank=r"$\blank$") if self.style == "exercise-slides" else "",
            "steps": steps,
            "diagram": {"nodes": self.diagram.nodes, "edges": self.diagram.edges,
                        "box": self.diagram.box},
        }


def report_context(solution: Solution, style: str, language: str | None = None,
                   only=None) -> dict[str, Any]:
    """``only``: the parameters whose chain rule is derived step by step (default: all)."""
    if style not in STYLES:
        raise ValueError(f"style must be one of {', '.join(STYLES)}")
    printer = LatexLessonPrinter(solution, style, language or solution.spec.language)
    return printer.print_context(L.lesson_plan(solution, only))

"""Judging a student's hand calculation against the derivation.

    report = check(solution, answers, options)
    for item in report.items: item.quantity, item.verdict, item.diagnosis

Every answer is judged twice.

1. Against the exact value, with the tolerance of what was written (0.0802 is judged at four
   decimals) plus the drift of a hand calculation done at that precision, rounding or
   truncating every value (computed from the spec, as a careful student would): the interval
   of :mod:`.tolerance`, the one the LMS exports give Moodle and QTI.
2. Recomputed from the student's own values (follow-through): each quantity the student
   wrote stands as written, whatever its verdict; each one not written is computed from the
   student's values the way the student's sheet shows he computed it (through his δ's, his
   factors or his partial sums, whichever he wrote), exactly, rounded or truncated at his
   usual precision. An answer right from the student's own values is ``correct`` when the
   values it comes from are right, ``carried_forward`` when one was wrong (pointing to the
   wrong answers it comes from); a carried value is never called a slip.

A value right by neither is ``wrong`` and diagnosed where the numbers support one slip,
looked for at the answer itself and at each quantity the student computed on the way without
writing it: a sign (ŷ − y, + η), σ′ missing from a chain, σ used for σ′, σ′ from z, ½ missing
in E, η missing, a forgotten bias, a factor from the wrong weight or neuron, one path of a
sum, an updated weight used too early, a decimal-point slip, dropout's 1/(1 − p) forgotten
(ã = a·m for ã = a·m/(1 − p), or ∂ã/∂a = m in a chain). An answer written with fewer
decimals than asked for (``Options.min_decimals``, by default the spec's ``decimals``) is
``wrong``, "too few decimals", unless it is the exact value with trailing zeros left off.

Verdicts: ``correct``, ``rounding``, ``carried_forward``, ``wrong``. The checker returns data;
sentences are the renderers' (``render/check_text.py``).
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Iterator, Mapping

import sympy
from sympy import Expr

from ..core import ids
from ..core.evaluate import evaluate
from ..core.exact import exact, round_to
from ..core.model import symbol
from ..derive.derivation import Derivation, Solution
from .answers import Answer
from .sheet import FORWARD as _FORWARD, MODES as _MODES, Sheet, deps as _deps, truncate as _truncate
from .sheet import unit as _unit, value_of as _value, ways_of as _ways
from .tolerance import hand_drift, verdict

__all__ = ["Options", "Diagnosis", "Item", "CheckReport", "check", "recipes", "VERDICTS", "DIAGNOSES"]

VERDICTS = ("correct", "rounding", "carried_forward", "wrong")

#: Every diagnosis, in the order they are preferred when two explain a value equally well.
DIAGNOSES = ("too_few_decimals", "sign", "eta", "missing_derivative", "sigma", "from_z", "half",
             "dropout_scale", "population_variance", "bias", "one_path", "early", "wrong_source", "decimal")



@dataclass(frozen=True)
class Options:
    rtol: Decimal | None = None
    atol: Decimal | None = None
    decimals: int | None = None
    #: An answer must show at least this many decimal places (trailing zeros may be left
    #: off: 0.0802 stands for 0.08020); None: the spec's ``decimals``; 0: no minimum.
    min_decimals: int | None = None


@dataclass(frozen=True)
class Diagnosis:
    kind: str                       # one of DIAGNOSES
    used: str | None = None         # the quantity used instead, or the one the slip is in
    used_value: Decimal | None = None
    instead: str | None = None      # the quantity that belonged there
    at: str | None = None           # the quantity computed on the way where the slip is


@dataclass(frozen=True)
class Item:
    quantity: str
    name: str
    given_text: str
    given: Decimal
    expected: Decimal
    verdict: str
    tolerance: Decimal
    depends_on: tuple[str, ...] = ()
    recomputed: Decimal | None = None
    roots: tuple[str, ...] = ()     # for carried_forward: the wrong answers it comes from
    diagnosis: Diagnosis | None = None
    formula: Expr | None = None     # how the quantity is computed, in symbols


@dataclass(frozen=True)
class CheckReport:
    items: tuple[Item, ...]
    summary: dict[str, int] = field(default_factory=dict)

    @property
    def passed(self) -> bool:
        return all(i.verdict in ("correct", "rounding") for i in self.items)


def recipes(d: Derivation) -> dict[str, Expr]:
    """How every quantity is computed from the others (the formulas the student uses): the
    ledger's formulas."""
    return d.ledger.recipes()


# ----------------------------------------------------------------------------- the judge

class _Judge:
    def __init__(self, solution: Solution, answers: list[Answer], options: Options):
        self.d = solution.derivations[0]
        self.spec = solution.spec
        self.w = _ways(self.d)
        self.exact = self.w.exact
        self.answers = {a.quantity: a for a in answers}
        self.options = options
        written = Counter(a.decimals for a in answers if a.decimals is not None)
        self.places = written.most_common(1)[0][0] if written else self.spec.decimals
        given = {q: a.value for q, a in self.answers.items()}
        self.sheet = Sheet(self.w, given, self.places)
        self.sheets = [self.sheet] + [Sheet(self.w, given, self.places, prefer=n) for n in (1, 2, 3)]
        self._between: dict[tuple[str, str], set[str]] = {}
        self.min_decimals = (options.min_decimals if options.min_decimals is not None
                             else self.spec.decimals)

    # ------------------------------------------------------------------ tolerances
    def places_of(self, a: Answer) -> int:
        o = self.options
        if o.decimals is not None:
            return o.decimals
        return a.decimals if a.decimals is not None else self.spec.decimals

    def tolerance(self, a: Answer, expected: Decimal) -> Decimal:
        """Half a unit of the last place written (or the tolerance asked for)."""
        o = self.options
        if o.atol is not None or o.rtol is not None:
            return max(o.atol or Decimal(0), (o.rtol or Decimal(0)) * abs(expected))
        with exact():
            return _unit(self.places_of(a)) / 2

    def drift(self, q: str, places: int) -> Decimal:
        """How far a careful hand calculation at ``places`` decimals lands from the exact
        value, rounding or truncating every step (:func:`.tolerance.hand_drift`)."""
        return hand_drift(self.d, q, places)

    # ------------------------------------------------------------------ the run
    def run(self) -> CheckReport:
        items: dict[str, Item] = {}
        for q in sorted(self.answers, key=lambda x: self.w.position.get(x, -1)):
            items[q] = self.judge(self.answers[q], items)
        ordered = tuple(items[a.quantity] for a in self.answers.values())
        summary = {v: sum(1 for i in ordered if i.verdict == v) for v in VERDICTS}
        return CheckReport(ordered, summary)

    def judge(self, a: Answer, earlier: dict[str, Item]) -> Item:
        q, g = a.quantity, a.value
        v = self.exact[q]
        tol = self.tolerance(a, v)
        places = self.places_of(a)
        ways = self.w.ways.get(q, ())
        recipe = ways[0] if ways else None
        deps = _deps(recipe) if recipe is not None else ()
        custom = self.options.atol is not None or self.options.rtol is not None

        def item(verdict, recomputed=None, roots=(), diagnosis=None) -> Item:
            # A value right to the places written, but fewer places than asked for (unless it
            # is the exact value with trailing zeros left off: 0.0802 for 0.08020).
            if (verdict != "wrong" and not custom and a.decimals is not None
                    and a.decimals < self.min_decimals and not self.zeros_left_off(q, g)):
                verdict, diagnosis = "wrong", Diagnosis("too_few_decimals", used_value=Decimal(self.min_decimals))
            return Item(q, a.name, a.text, g, v, verdict, tol, deps, recomputed, roots, diagnosis, recipe)

        # 1. Against the exact value: the interval the LMS exports use too (tolerance.py).
        if custom:
            with exact():
                if abs(g - v) <= tol:
                    return item("correct")
        else:
            alone = verdict(g, v, places, self.drift(q, places))
            if alone is not None:
                return item(alone)

        # 2. From the student's own values.
        if ways:
            match = self.follow(q, g, tol, places)
            if match is not None:
                recomputed, way, sheet = match
                roots = self.roots(q, way, earlier, sheet)
                if roots:
                    return item("carried_forward", recomputed, roots)
                return item("correct", recomputed)
        return item("wrong", diagnosis=self.diagnose(q, g, tol, places))

    def zeros_left_off(self, q: str, g: Decimal) -> bool:
        """``g`` is the exact value at the places asked for, or the student's own value
        (computed from what he wrote) rounded or truncated there, with its trailing zeros
        left off: 0.0802 for 0.08020, deck 004's 0.0011 for its 0.00159 − 0.00049."""
        m = self.min_decimals
        if round_to(self.exact[q], m) == g:
            return True
        ways = self.w.ways.get(q, ())
        own = [x for way in ways for x in (_value(way, self.sheet.env(mode)) for mode in _MODES)
               if x is not None]
        return any(round_to(x, m) == g or _truncate(x, m) == g for x in own)

    def near(self, g: Decimal, values: list[Decimal], tol: Decimal, places: int) -> bool:
        """``g`` is one of ``values`` (exact, rounded or truncated ways of computing it) as a
        student writes it at ``places``: rounded (within half a unit of the last place of
        their range) or truncated."""
        if not values:
            return False
        with exact():
            lo, hi = min(values), max(values)
            if lo - tol <= g <= hi + tol:
                return True
            return any(_truncate(x, places) == g for x in values)

    def written_slack(self, q: str, way: Expr) -> Decimal:
        """How much ``q`` moves when each value the student wrote and ``q`` is computed from
        moves by half a unit of its last place (he may have kept more digits than he wrote)."""
        base_env = self.sheet.env("exact")
        base = _value(way, base_env)
        if base is None:
            return Decimal(0)
        total = Decimal(0)
        for x in self.written_ancestors(way):
            a = self.answers[x]
            if a.value == self.exact[x]:
                continue                  # written exactly (a weight, 0.41): no more digits
            step = self.tolerance(a, self.exact[x])
            with exact():
                shifted = self.sheet.compute("exact", {x: a.value + step}, only=self.between_of(x, q, way),
                                             base=base_env)
            moved = _value(way, shifted)
            if moved is not None:
                with exact():
                    total += abs(moved - base)
        return total

    def written_ancestors(self, way: Expr) -> list[str]:
        out: list[str] = []
        seen: set[str] = set()
        stack = list(_deps(way))
        while stack:
            x = stack.pop()
            if x in seen:
                continue
            seen.add(x)
            if x in self.answers:
                out.append(x)
            elif x in self.w.deps:
                stack.extend(self.w.deps[x][self.sheet.choice_index(x)])
        return sorted(out)

    def between_of(self, x: str, q: str, way: Expr) -> set[str]:
        """The unwritten quantities ``way`` (of ``q``) reaches that depend on ``x``."""
        out: set[str] = set()
        stack, seen = list(_deps(way)), set()
        while stack:
            y = stack.pop()
            if y in seen or y in self.answers or y not in self.w.deps:
                continue
            seen.add(y)
            if self._reaches(y, x):
                out.add(y)
            stack.extend(self.w.deps[y][self.sheet.choice_index(y)])
        return out

    def follow(self, q: str, g: Decimal, tol: Decimal, places: int) -> tuple[Decimal, int, Sheet] | None:
        """The student's value recomputed from his own values by each way (and each reading
        of how he computed what he did not write); the closest that gives what he wrote."""
        best: tuple[Decimal, Decimal, int, Sheet] | None = None
        for n, way in enumerate(self.w.ways[q]):
            reach = tol + self.written_slack(q, way)
            for sheet in self.sheets:
                values = [x for x in (_value(way, sheet.env(m)) for m in _MODES) if x is not None]
                if self.near(g, values, reach, places):
                    with exact():
                        gap = min(abs(g - x) for x in values)
                    if best is None or gap < best[0]:
                        best = (gap, values[0], n, sheet)
        return None if best is None else best[1:]

    def roots(self, q: str, way: int, earlier: dict[str, Item], sheet: Sheet) -> tuple[str, ...]:
        """The wrong answers among those a value comes from (through values not written)."""
        out: dict[str, None] = {}
        seen: set[str] = set()
        stack = list(self.w.deps[q][way])
        while stack:
            x = stack.pop()
            if x in seen:
                continue
            seen.add(x)
            if x in earlier:
                i = earlier[x]
                if i.verdict == "wrong":
                    out[x] = None
                elif i.verdict == "carried_forward":
                    out.update(dict.fromkeys(i.roots))
                continue
            if x in self.answers or x not in self.w.deps:
                continue
            stack.extend(self.w.deps[x][sheet.choice_index(x)])
        return tuple(sorted(out, key=lambda r: self.w.position.get(r, 0)))

    # ------------------------------------------------------------------ diagnoses
    def diagnose(self, q: str, g: Decimal, tol: Decimal, places: int) -> Diagnosis | None:
        """The one slip that best explains ``g``: at ``q`` itself or at a quantity the student
        computed on the way to it without writing it down (in each reading of how he computed
        what he did not write)."""
        found: list[tuple[Decimal, int, int, Diagnosis]] = []
        try:
            for sheet in self.sheets:
                self.sheet, self._between = sheet, {}
                found += self._slips_found(q, g, tol, places)
        finally:
            self.sheet, self._between = self.sheets[0], {}
        if found:
            return min(found, key=lambda t: (t[2] > 0, t[1], t[0], t[2]))[3]
        return None

    def _slips_found(self, q: str, g: Decimal, tol: Decimal, places: int) -> list:
        found: list[tuple[Decimal, int, int, Diagnosis]] = []
        ways = self.w.ways.get(q)
        reach = tol + (self.written_slack(q, ways[self.sheet.choice_index(q)]) if ways else 0)
        on_the_way = self.on_the_way(q)
        # An activation's derivative written right but left out of (or mistaken in) every
        # chain that uses it on the way to q.
        used = [f for f in dict.fromkeys(d for y in on_the_way for d in self.w.deps.get(y, ((),))[
            self.sheet.choice_index(y)] if y in self.w.deps) if f in self.answers and self._is_prime(f)]
        for depth, x in enumerate(on_the_way + used):
            written_use = x in used
            for diagnosis, slipped in self.slips(x, q):
                if written_use and diagnosis.kind not in ("missing_derivative", "sigma", "from_z"):
                    continue
                # the student's own ways (exact, rounded, truncated) span a range; the others
                # (every digit of right values, another value taken exactly) count one by one
                mine = [y for y in (self.through(q, x, v, m) for m, v in slipped[:3]) if y is not None]
                others = [y for y in (self.through(q, x, v, m) for m, v in slipped[3:]) if y is not None]
                values = mine + others
                if values and (self.near(g, mine, reach, places)
                               or any(self.near(g, [y], reach, places) for y in others)):
                    with exact():
                        gap = min(abs(g - y) for y in values)
                    if x != q and not written_use:
                        diagnosis = Diagnosis(diagnosis.kind, diagnosis.used, diagnosis.used_value,
                                              diagnosis.instead, at=x)
                    found.append((gap, DIAGNOSES.index(diagnosis.kind), depth, diagnosis))
        found += self._scale_forgotten(q, g, reach, places)
        return found

    def _scale_forgotten(self, q: str, g: Decimal, reach: Decimal, places: int) -> list:
        """Dropout's 1/(1 − p) forgotten throughout a layer: every ã not written taken as a·m
        and every ∂ã/∂a not written as m (the one slip a student makes in both passes)."""
        found = []
        way = self.w.ways[q][self.sheet.choice_index(q)] if q in self.w.ways else None
        if way is None:
            return found
        by_layer: dict[int, list] = {}
        for node in self.d.model.nodes.values():
            if node.kind == "dropout":
                by_layer.setdefault(node.layer, []).append(node)
        for l, nodes in sorted(by_layer.items()):
            drop = self.spec.layers[l - 1].dropout
            values = []
            first = None
            for mode in _MODES:
                env = self.sheet.env(mode)
                override = {}
                for node in nodes:
                    m = drop.mask(node.example)[node.index - 1]
                    a_id = ids.a(node.layer, node.index, node.example)
                    factor = ids.derivative(node.id, a_id)
                    if node.id not in self.answers and node.id in env:
                        with exact():
                            override[node.id] = self.sheet._round(env[a_id] * m, mode)
                    if factor not in self.answers and factor in self.w.exact:
                        override[factor] = Decimal(m)
                    first = first or next((x for x in (node.id, factor) if x in override and m), None)
                if not override:
                    break
                with exact():
                    value = _value(way, self.sheet.compute(mode, override))
                if value is not None:
                    values.append(value)
            if values and first is not None and self.near(g, values, reach, places):
                with exact():
                    gap = min(abs(g - v) for v in values)
                found.append((gap, DIAGNOSES.index("dropout_scale"), 1,
                              Diagnosis("dropout_scale", used=first, used_value=drop.scale, at=first)))
        return found

    def on_the_way(self, q: str) -> list[str]:
        """``q`` and the quantities it is computed from that the student did not write."""
        out = [q]
        seen = {q}
        stack = list(self.w.deps.get(q, ((),))[self.sheet.choice_index(q)]) if q in self.w.deps else []
        while stack:
            x = stack.pop()
            if x in seen or x in self.answers or x not in self.w.deps:
                continue
            seen.add(x)
            out.append(x)
            stack.extend(self.w.deps[x][self.sheet.choice_index(x)])
        return out

    def through(self, q: str, x: str, value: Decimal | None, mode: str) -> Decimal | None:
        """``q`` in ``mode`` when ``x`` takes ``value`` and what comes after it is computed
        again from it."""
        if value is None:
            return None
        if x == q:
            return value
        # "true": from the exact values (a student who kept every digit of right values)
        base = self.exact if mode == "true" else self.sheet.env(mode)
        value = self.sheet._round(value, mode) if mode in ("round", "trunc") else value
        after = self.downstream(x, q)
        env = self.sheet.compute("exact" if mode == "true" else mode, {x: value}, only=after, base=base)
        way = self.w.ways[q][self.sheet.choice_index(q)]
        return _value(way, env)

    def downstream(self, x: str, q: str) -> set[str]:
        """The unwritten quantities between ``x`` and ``q``."""
        key = (x, q)
        hit = self._between.get(key)
        if hit is None:
            hit = self._between[key] = self._downstream(x, q)
        return hit

    def _downstream(self, x: str, q: str) -> set[str]:
        out: set[str] = set()
        for y in self.on_the_way(q)[1:]:
            if y != x and self._reaches(y, x):
                out.add(y)
        return out

    def _reaches(self, y: str, x: str) -> bool:
        stack, seen = [y], set()
        while stack:
            z = stack.pop()
            if z == x:
                return True
            if z in seen or z not in self.w.deps:
                continue
            seen.add(z)
            stack.extend(self.w.deps[z][self.sheet.choice_index(z)])
        return False

    def slips(self, x: str, q: str) -> Iterator[tuple[Diagnosis, list[tuple[str, Decimal | None]]]]:
        """The slips a student can make computing ``x`` (on the way to ``q``), each with the
        values it gives in each rounding mode (from the student's values)."""
        w, model = self.w, self.d.model
        kind = w.kind.get(x)
        envs = {m: self.sheet.env(m) for m in _MODES}

        mode_now = ["exact"]

        def rnd(value: Decimal) -> Decimal:
            """A value the student computes on the way, rounded as he rounds."""
            return self.sheet._round(value, mode_now[0]) if mode_now[0] in ("round", "trunc") else value

        def each(fn, *extra) -> list[tuple[str, Decimal | None]]:
            """The slip's value in each rounding mode (and with each ``extra`` override of
            the student's values, in exact mode)."""
            out = []
            for m, env in [*envs.items(), ("true", self.exact),
                           *(("exact", {**envs["exact"], **o}) for o in extra)]:
                mode_now[0] = m
                try:
                    with exact():
                        out.append((m, fn(env)))
                except (TypeError, KeyError, ArithmeticError):
                    out.append((m, None))
            return out

        way = w.ways[x][self.sheet.choice_index(x)] if x in w.ways else None

        def own(env):
            return _value(way, env) if way is not None else env[x]

        parts = ids.split_derivative(x)
        # A sign: (y − ŷ) for (ŷ − y), or anything written with the wrong sign.
        yield Diagnosis("sign"), each(lambda env: -own(env))
        if kind == "update":
            param, grad = x[4:], ids.derivative("E", x[4:])
            eta = self.spec.learning_rate
            if grad in w.exact:
                yield Diagnosis("sign"), each(lambda env: env[param] + eta * env[grad])
                yield Diagnosis("eta"), each(lambda env: env[param] - env[grad])
        # The activation's derivative: dropped, σ for σ′, σ′ from z.
        if kind == "factor" and parts and model.nodes.get(parts[0]) is not None \
                and model.nodes[parts[0]].kind == "a" and parts[1].startswith("z"):
            a_id, z_id = parts
            yield Diagnosis("missing_derivative", used=x), each(lambda env: Decimal(1))
            yield Diagnosis("sigma", used=a_id), each(lambda env: env[a_id])
            yield (Diagnosis("from_z", used=z_id),
                   each(lambda env: evaluate(way.xreplace({symbol(a_id): symbol(z_id)}), env)))
        if kind == "delta" and parts:
            z_id = parts[1]
            a_edge = next((e for e in model.edges_from.get(z_id, ()) if model.nodes[e.child].kind == "a"), None)
            if a_edge is not None:
                a_id, fid = a_edge.child, a_edge.id

                def prime(env):
                    return evaluate(a_edge.named, env)

                def without(env):
                    p = prime(env)
                    return own(env) / p if p else None
                yield Diagnosis("missing_derivative", used=fid), each(without)
                yield Diagnosis("sigma", used=a_id), each(lambda env: without(env) * env[a_id])
                yield (Diagnosis("from_z", used=z_id),
                       each(lambda env: without(env) * rnd(evaluate(
                           a_edge.named.xreplace({symbol(a_id): symbol(z_id)}), env))))
        # A chain (a path, a partial, δ = ∂E/∂a·∂a/∂z) with its activation's derivative, written
        # right on its own, left out, or taken as σ or from z.
        if way is not None and kind not in _FORWARD:
            for s in sorted(way.free_symbols, key=lambda t: t.name):
                sp = ids.split_derivative(s.name)
                if not (sp and s.name in w.ways and model.nodes.get(sp[0]) is not None
                        and model.nodes[sp[0]].kind == "a" and sp[1].startswith("z")):
                    continue
                a_id, z_id = sp
                inner = w.ways[s.name][0]
                yield (Diagnosis("missing_derivative", used=s.name),
                       each(lambda env, s=s: evaluate(way, {**env, s.name: Decimal(1)})))
                yield (Diagnosis("sigma", used=a_id),
                       each(lambda env, s=s, a_id=a_id: evaluate(way, {**env, s.name: env[a_id]})))
                yield (Diagnosis("from_z", used=z_id),
                       each(lambda env, s=s, a_id=a_id, z_id=z_id, inner=inner: evaluate(way, {
                           **env, s.name: rnd(evaluate(inner.xreplace({symbol(a_id): symbol(z_id)}), env))})))
        # Dropout's scale forgotten: ã = a·m instead of a·m/(1 − p) (inverted dropout), or the
        # factor ∂ã/∂a taken as m instead of m/(1 − p). Only a kept neuron shows it (m = 1).
        dropout = self._dropout_of(x if kind == "dropout" else (parts[0] if kind == "factor" and parts else None))
        if dropout is not None:
            node, drop = dropout
            m = drop.mask(node.example)[node.index - 1]
            if m:
                scale = drop.scale
                if kind == "dropout":
                    yield (Diagnosis("dropout_scale", used=x, used_value=scale),
                           each(lambda env: own(env) / scale))
                elif parts[1] == ids.a(node.layer, node.index, node.example):
                    yield Diagnosis("dropout_scale", used=x, used_value=scale), each(lambda env: Decimal(m))
        # Batch normalization with the population's (unbiased) variance, 1/(m − 1), instead of
        # the batch's 1/m: in σ²_B itself, or in an x̂ whose σ²_B the student did not write.
        node = model.nodes.get(x)
        if node is not None and node.kind in ("variance", "normalized"):
            m = self.spec.n_examples
            unbiased = Decimal(m) / Decimal(m - 1)
            vid = ids.var(node.layer, node.index)
            if node.kind == "variance":
                yield (Diagnosis("population_variance", used=x, used_value=Decimal(m - 1)),
                       each(lambda env: own(env) * unbiased))
            elif vid not in self.answers and way is not None:
                yield (Diagnosis("population_variance", used=vid, used_value=Decimal(m - 1)),
                       each(lambda env: evaluate(way, {**env, vid: env[vid] * unbiased})))
        # ½ missing in E_k.
        if kind == "error" and way is not None and way.as_coeff_Mul()[0] == sympy.Rational(1, 2):
            yield Diagnosis("half", used=x), each(lambda env: 2 * own(env))
        # A weighted sum without its bias.
        node = model.nodes.get(x)
        if kind == "z" and node is not None and node.bias:
            yield Diagnosis("bias", used=node.bias), each(lambda env: own(env) - env[node.bias])
        # One path of a sum.
        if kind == "gradient":
            chain = next((c for c in self.d.chains if c.id == x), None)
            if chain is not None and len(chain.partials) > 1:
                for p in chain.partials:
                    others = ", ".join(o.id for o in chain.partials if o.id != p.id)
                    yield (Diagnosis("one_path", used=p.id, used_value=self.sheet.env("exact").get(p.id),
                                     instead=others),
                           each(lambda env, pid=p.id: env[pid]))
        # One term of a sum over paths or outputs (∂E/∂a = Σ δ·w, δ = σ′·Σ δ·w): the others left out.
        if way is not None and kind not in _FORWARD and kind != "gradient":
            for total in sorted(way.find(sympy.Add), key=sympy.default_sort_key):
                if len(total.args) < 2:
                    continue
                for term in total.args:
                    mine = self._named_in(term)
                    others = [n for t in total.args if t is not term for n in self._named_in(t)[:1]]
                    yield (Diagnosis("one_path", used=mine[0] if mine else None, instead=", ".join(others)),
                           each(lambda env, t=term, T=total: evaluate(way.xreplace({T: t}), env)))
        # A value from the wrong place: another weight, another neuron, a weight updated early.
        if way is not None:
            for s in sorted(way.free_symbols, key=lambda t: t.name):
                # a factor that is one weight or one activation (∂z/∂a = w, ∂z/∂w = a) stands
                # for it: the student may have put the wrong one in, whatever he wrote for it
                inner = w.ways.get(s.name, [None])[0]
                name = inner.name if inner is not None and inner.is_Symbol else s.name
                for diagnosis, other in self.alternatives(name):
                    if other == q or self._reaches(other, q):
                        continue          # nothing computed from the answer explains it
                    # the other value as the student has it, and exact (he may have more digits)
                    yield diagnosis, each(lambda env, s=s, other=other: evaluate(way, {**env, s.name: env[other]}),
                                          {other: self.exact[other]})
        # A decimal-point slip.
        for factor in (Decimal(10), Decimal(100), Decimal("0.1"), Decimal("0.01")):
            # the point moved in the number as computed, or as written down first
            yield Diagnosis("decimal"), each(lambda env, f=factor: own(env) * f)
            yield Diagnosis("decimal"), each(lambda env, f=factor: round_to(own(env), self.places) * f)
            yield Diagnosis("decimal"), each(lambda env, f=factor: _truncate(own(env), self.places) * f)

    def _dropout_of(self, q: str | None):
        """(the node, the layer's Dropout) when ``q`` is an output after dropout (ã)."""
        node = self.d.model.nodes.get(q) if q else None
        if node is None or node.kind != "dropout":
            return None
        return node, self.spec.layers[node.layer - 1].dropout

    def _is_prime(self, f: str) -> bool:
        """Is ``f`` an activation's derivative ∂a/∂z?"""
        sp = ids.split_derivative(f)
        node = self.d.model.nodes.get(sp[0]) if sp else None
        return node is not None and node.kind == "a" and sp[1].startswith("z")

    def _named_in(self, term: Expr) -> list[str]:
        """The quantities in a term, backward ones (δ's, partials) first."""
        names = sorted((t.name for t in term.free_symbols), key=lambda n: (self.w.kind.get(n) in _FORWARD, n))
        return names

    def alternatives(self, name: str) -> Iterator[tuple[Diagnosis, str]]:
        """Quantities a student could put in place of ``name`` by mistake: a weight updated
        too early, the transposed weight or another of the layer, another neuron's activation."""
        env = self.exact
        base, example = ids.split_example(name)
        parsed = ids.parse(base)
        if parsed is None:
            return
        kind, nums, _ = parsed
        if kind == "w" and len(nums) == 3:
            new = ids.new(name)
            if new in env and env[new] != env[name]:
                yield Diagnosis("early", used=new, used_value=env[new], instead=name), new
            layer, i, j = nums
            transposed = ids.w(layer, j, i)
            others = [transposed] if transposed != name and transposed in env else []
            others += sorted(o for o in env if o not in others and o != name
                             and (po := ids.parse(o)) is not None and po[0] == "w" and po[1][:1] == (layer,))
            for other in others:
                if env[other] != env[name]:
                    yield Diagnosis("wrong_source", used=other, used_value=env[other], instead=name), other
        elif kind in ("a", "x"):
            for other in sorted(env):
                ob, oe = ids.split_example(other)
                po = ids.parse(ob)
                if po and po[0] == kind and other != name and oe == example and \
                        (kind == "x" or po[1][:1] == nums[:1]) and env[other] != env[name]:
                    yield Diagnosis("wrong_source", used=other, used_value=env[other], instead=name), other


def check(solution: Solution, answers, options: Options = Options()) -> CheckReport:
    """Judge ``answers``: a list of :class:`Answer` (from :func:`load_answers`) or a dict
    ``{name: value}`` with any name ``check`` reads (``{"w5": 0.45188, "dE/dw5": "0.0802"}``),
    its values numbers or the small expressions students write."""
    if isinstance(answers, Mapping):
        from .answers import answers_from
        from ..derive.names import index_of
        answers = answers_from(answers, index_of(solution.derivations[0]))
    report = _Judge(solution, answers, options).run()
    object.__setattr__(report, "_solution", solution)     # a report shown alone names its quantities
    return report

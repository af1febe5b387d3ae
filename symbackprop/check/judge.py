"""Judging a student's hand calculation against the derivation.

    report = check(solution, answers, options)
    for item in report.items: item.quantity, item.verdict, item.diagnosis

Each answer is compared with the exact value at the precision it was written with (0.0802 is
judged at four decimals), allowing for the intermediate roundings of a hand calculation.
Each quantity is also recomputed from the student's own earlier answers (follow-through): a
value wrong only because an earlier one was wrong is ``carried_forward``, and points to its
root. A wrong value is diagnosed where the numbers support one slip: a sign, σ for σ′, σ′ from
z, a forgotten bias, a factor from the wrong neuron or weight, one path of a sum, an updated
weight used too early, the learning rate missing, a decimal-point slip.

Verdicts: ``correct``, ``rounding``, ``carried_forward``, ``wrong``. The checker returns data;
sentences are the renderers' (``render/check_text.py``).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Mapping

from sympy import Expr

from ..core import ids
from .answers import Answer
from ..derive.derivation import Derivation, Solution, flat_values
from ..core.evaluate import UndefinedValue, evaluate
from ..core.exact import exact, round_to
from ..core.model import symbol

__all__ = ["Options", "Diagnosis", "Item", "CheckReport", "check", "recipes"]

VERDICTS = ("correct", "rounding", "carried_forward", "wrong")


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
    kind: str                       # sign, sigma, from_z, bias, wrong_source, one_path, early, eta, decimal
    used: str | None = None         # the quantity used instead (wrong_source, early, one_path)
    used_value: Decimal | None = None
    instead: str | None = None      # the quantity that belonged there


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


def _deps(expr: Expr) -> tuple[str, ...]:
    return tuple(sorted(s.name for s in expr.free_symbols))


def _value(expr: Expr, env: Mapping[str, Decimal]) -> Decimal | None:
    try:
        return evaluate(expr, env)
    except (UndefinedValue, KeyError):
        return None


class _Judge:
    def __init__(self, solution: Solution, answers: list[Answer], options: Options):
        self.d = solution.derivations[0]
        self.spec = solution.spec
        self.exact = flat_values(self.d)
        self.hand = flat_values(self.d, hand=True) if self.d.rounding == "hand" else {}
        self.recipes = recipes(self.d)
        self.answers = {a.quantity: a for a in answers}
        self.options = options
        self.student = {**self.exact, **{q: a.value for q, a in self.answers.items()}}

    def tolerance(self, a: Answer, expected: Decimal) -> Decimal:
        o = self.options
        if o.atol is not None or o.rtol is not None:
            return max(o.atol or Decimal(0), (o.rtol or Decimal(0)) * abs(expected))
        places = o.decimals if o.decimals is not None else (
            a.decimals if a.decimals is not None else self.spec.decimals)
        with exact():
            return Decimal(5) * Decimal(10) ** (-places - 1)

    def slack(self, q: str) -> Decimal:
        """How far a correct hand calculation (rounding every step) can drift from exact."""
        if q not in self.hand:
            return Decimal(0)
        with exact():
            return abs(self.hand[q] - self.exact[q])

    def order(self) -> list[str]:
        """Answered quantities, each after the answered quantities it depends on."""
        done: list[str] = []
        seen: set[str] = set()

        def visit(q: str, depth: int = 0) -> None:
            if q in seen or depth > 200:
                return
            seen.add(q)
            for dep in _deps(self.recipes[q]) if q in self.recipes else ():
                if dep in self.answers:
                    visit(dep, depth + 1)
            done.append(q)

        for q in self.answers:
            visit(q)
        return done

    def run(self) -> CheckReport:
        items: dict[str, Item] = {}
        for q in self.order():
            items[q] = self.judge(self.answers[q], items)
        ordered = tuple(items[a.quantity] for a in self.answers.values())
        summary = {v: sum(1 for i in ordered if i.verdict == v) for v in VERDICTS}
        return CheckReport(ordered, summary)

    def judge(self, a: Answer, earlier: dict[str, Item]) -> Item:
        q = a.quantity
        v = self.exact[q]
        tol = self.tolerance(a, v)
        slack = self.slack(q)
        recipe = self.recipes.get(q)
        deps = _deps(recipe) if recipe is not None else ()
        places = self.options.decimals if self.options.decimals is not None else a.decimals
        with exact():
            err = abs(a.value - v)
            unit = tol * 2
            if err <= tol + slack or (places is not None and q in self.hand
                                      and round_to(self.hand[q], places) == a.value):
                verdict = "correct"
            elif err < unit + slack or (places is not None and _truncate(v, places) == a.value):
                # the right value, rounded the wrong way or truncated: within one unit of the
                # last written place
                verdict = "rounding"
            else:
                verdict = "wrong"
        recomputed = None
        roots: tuple[str, ...] = ()
        if verdict == "wrong" and recipe is not None:
            wrong_deps = [dep for dep in deps if dep in earlier and earlier[dep].verdict in ("wrong", "carried_forward")]
            if wrong_deps:
                env = {**self.student}
                env.pop(q, None)
                env[q] = v
                recomputed = _value(recipe, env)
                if recomputed is not None:
                    with exact():
                        if abs(a.value - recomputed) <= unit + slack + tol:
                            verdict = "carried_forward"
                            roots = tuple(dict.fromkeys(
                                r for dep in wrong_deps
                                for r in (earlier[dep].roots if earlier[dep].verdict == "carried_forward" else (dep,))))
        diagnosis = self.diagnose(q, a.value, v, tol + slack, recipe) if verdict == "wrong" else None
        return Item(q, a.name, a.text, a.value, v, verdict, tol, deps, recomputed, roots, diagnosis, recipe)

    # ------------------------------------------------------------------ diagnoses
    def diagnose(self, q: str, g: Decimal, v: Decimal, tol: Decimal, recipe: Expr | None) -> Diagnosis | None:
        def near(x: Decimal | None) -> bool:
            if x is None:
                return False
            with exact():
                return abs(g - x) <= tol * 2

        env = self.exact
        model = self.d.model
        parts = ids.split_derivative(q)
        # an update with +η or without η
        if q.startswith("new_"):
            p = q[4:]
            grad = env[ids.derivative("E", p)]
            with exact():
                if near(env[p] + self.spec.learning_rate * grad):
                    return Diagnosis("sign")
                if near(env[p] - grad):
                    return Diagnosis("eta")
            for alt, value in self._gradient_slips(ids.derivative("E", p)):
                with exact():
                    if near(env[p] - self.spec.learning_rate * value):
                        return alt
        with exact():
            if near(-v) and v != 0:
                return Diagnosis("sign")
        # activation derivative: σ instead of σ′, or σ′ computed from z
        if parts and q in self.d.factors and model.nodes.get(parts[0], None) is not None \
                and model.nodes[parts[0]].kind == "a" and parts[1].startswith("z"):
            a_val, z_val = env[parts[0]], env[parts[1]]
            if near(a_val):
                return Diagnosis("sigma", used=parts[0], used_value=a_val)
            f = self.d.factors[q]
            from_z = _value(f.named.xreplace({symbol(parts[0]): symbol(parts[1])}), env)
            if from_z is not None and from_z != v and near(from_z):
                return Diagnosis("from_z", used=parts[1], used_value=z_val)
        # a weighted sum without its bias (or an activation of it)
        node = model.nodes.get(q)
        if node is not None and node.kind in ("z", "a"):
            znode = model.nodes[ids.z(node.layer, node.index, node.example)]
            if znode.bias:
                with exact():
                    no_bias = env[znode.id] - env[znode.bias]
                if node.kind == "z" and near(no_bias):
                    return Diagnosis("bias", used=znode.bias)
                if node.kind == "a" and near(_value(node.definition, {**env, znode.id: no_bias})):
                    return Diagnosis("bias", used=znode.bias)
        # one path of a sum
        chain = next((c for c in self.d.chains if c.id == q), None)
        if chain is not None and len(chain.partials) > 1:
            for p in chain.partials:
                if near(p.value):
                    others = [x.id for x in chain.partials if x.id != p.id]
                    return Diagnosis("one_path", used=p.id, used_value=p.value, instead=", ".join(others))
        if recipe is not None:
            # of all single slips that explain the value, the one that explains it best
            found = [(abs(g - value), n, alt) for n, (alt, value) in enumerate(self._slips_in(recipe))
                     if near(value)]
            if found:
                return min(found, key=lambda t: (t[0], t[1]))[2]
        with exact():
            for factor in (Decimal(100), Decimal(10), Decimal("0.1"), Decimal("0.01")):
                if v != 0 and near(v * factor):
                    return Diagnosis("decimal")
        return None

    def _alternatives(self, name: str) -> list[tuple[Diagnosis, Decimal]]:
        """Values a student could put in place of ``name`` by mistake."""
        env = self.exact
        out: list[tuple[Diagnosis, Decimal]] = []
        parsed = ids.parse(ids.split_example(name)[0])
        if parsed is None:
            return out
        kind, nums, _ = parsed
        if kind == "w":
            new = ids.new(name)
            if new in env and env[new] != env[name]:
                out.append((Diagnosis("early", used=new, used_value=env[new], instead=name), env[new]))
            for other in env:
                po = ids.parse(other)
                if po and po[0] == "w" and other != name and po[1][0] == nums[0]:
                    out.append((Diagnosis("wrong_source", used=other, used_value=env[other], instead=name),
                                env[other]))
        elif kind in ("a", "x"):
            base, example = ids.split_example(name)
            for other in env:
                ob, oe = ids.split_example(other)
                po = ids.parse(ob)
                if po and po[0] == kind and other != name and oe == example and \
                        (kind == "x" or po[1][0] == nums[0]):
                    out.append((Diagnosis("wrong_source", used=other, used_value=env[other], instead=name),
                                env[other]))
        return out

    def _slips_in(self, recipe: Expr):
        """The recipe evaluated with one of its ingredients replaced by a likely mistake,
        looking one level into factors and partials (a path product keeps its factors)."""
        env = self.exact
        for s in sorted(recipe.free_symbols, key=lambda x: x.name):
            for diag, value in self._alternatives(s.name):
                result = _value(recipe, {**env, s.name: value})
                if result is not None:
                    yield diag, result
            inner = self.recipes.get(s.name)
            if inner is not None and (s.name in self.d.factors or ids.split_derivative(s.name)):
                for t in sorted(inner.free_symbols, key=lambda x: x.name):
                    for diag, value in self._alternatives(t.name):
                        changed = _value(inner, {**env, t.name: value})
                        if changed is not None:
                            result = _value(recipe, {**env, s.name: changed})
                            if result is not None:
                                yield diag, result

    def _gradient_slips(self, gid: str):
        recipe = self.recipes.get(gid)
        if recipe is None:
            return
        yield from self._slips_in(recipe)
        chain = next((c for c in self.d.chains if c.id == gid), None)
        if chain is not None and len(chain.partials) > 1:
            for p in chain.partials:
                yield Diagnosis("one_path", used=p.id, used_value=p.value), p.value


def _truncate(value: Decimal, places: int) -> Decimal:
    import decimal
    with exact() as ctx:
        ctx.prec = max(ctx.prec, value.adjusted() + places + 2)    # quantize is exact
        return value.quantize(Decimal(1).scaleb(-places), rounding=decimal.ROUND_DOWN)


def check(solution: Solution, answers: list[Answer], options: Options = Options()) -> CheckReport:
    return _Judge(solution, answers, options).run()

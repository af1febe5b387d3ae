"""A student's sheet as the checker reads it: every way of computing each quantity of a
derivation (the ledger's, and the board's others: a gradient through δ, δ through ∂E/∂a),
and a sheet's values — those written, and those not written computed from them the way the
sheet shows, exactly, rounded or truncated at the student's precision."""
from __future__ import annotations

import decimal
from decimal import Decimal
from typing import Iterator, Mapping

import sympy
from sympy import Expr

from ..core import ids
from ..core.evaluate import UndefinedValue, evaluate
from ..core.exact import exact, round_to
from ..core.memo import IdentityCache
from ..core.model import symbol
from ..derive.derivation import Derivation

__all__ = ["FORWARD", "MODES", "Sheet", "deps", "value_of", "truncate", "unit", "ways_of"]

#: Forward quantities: every way of computing a backward quantity goes through them, so they
#: say nothing of which way a student took.
FORWARD = frozenset({"input", "target", "weight", "bias", "z", "a", "dropout", "residual", "error", "penalty", "total"})

MODES = ("exact", "round", "trunc")


def deps(expr: Expr) -> tuple[str, ...]:
    return tuple(sorted(s.name for s in expr.free_symbols))


def value_of(expr: Expr, env: Mapping[str, Decimal]) -> Decimal | None:
    try:
        return evaluate(expr, env)
    except (UndefinedValue, KeyError):
        return None


def truncate(value: Decimal, places: int) -> Decimal:
    with exact() as ctx:
        ctx.prec = max(ctx.prec, value.adjusted() + places + 2)    # quantize is exact
        return value.quantize(Decimal(1).scaleb(-places), rounding=decimal.ROUND_DOWN)


def unit(places: int) -> Decimal:
    return Decimal(1).scaleb(-places)


# ----------------------------------------------------------------------------- the ways

class _Ways:
    """What the checker knows of a derivation, whatever the sheet: every way of computing each
    quantity (the ledger's recipe first, then the board's other ways: a gradient through δ, a
    δ through ∂E/∂a), a dependency order, and the hand calculations of a careful student at
    each precision. Made once per derivation (a class is many sheets)."""

    def __init__(self, d: Derivation):
        self.d = d
        self.ledger = d.ledger
        self.exact: dict[str, Decimal] = d.ledger.values()
        # A path's product is a step of its own (a student rounds it before adding the paths).
        paths = {p.id: p for p in d.ledger.paths()}
        self.exact.update({pid: p.exact for pid, p in paths.items()})
        self.kind = {q: d.ledger[q].kind for q in self.exact}
        self.ways: dict[str, list[Expr]] = {}
        for q in self.exact:
            formula = paths[q].formula if q in paths else d.ledger[q].formula
            if formula is not None:
                self.ways[q] = [formula]
        model = d.model
        for node_id, users in model.edges_from.items():
            node = model.nodes.get(node_id)
            if node is None:
                continue
            target = ids.derivative("E", node_id)
            if target not in self.exact:
                continue
            parts = []
            for e in users:
                if e.child in model.terms:
                    parts.append(e.named)
                    continue
                up = ids.derivative("E", e.child)
                if up not in self.exact:
                    parts = None
                    break
                if node.kind in ("weight", "bias", "a", "dropout", "residual", "input"):
                    parts.append(symbol(up) * e.named)          # δ(z)·∂z/∂w, δ(z)·w
                else:                                           # z: ∂E/∂a · ∂a/∂z (a factor)
                    parts.append(symbol(up) * (symbol(e.id) if e.id in self.exact else e.named))
            if parts:
                way = sympy.Add(*parts)
                if all(way != w for w in self.ways.get(target, ())):
                    self.ways.setdefault(target, []).append(way)
        self.deps: dict[str, tuple[tuple[str, ...], ...]] = {
            q: tuple(deps(w) for w in ws) for q, ws in self.ways.items()}
        self.order = self._order()
        self.position = {q: n for n, q in enumerate(self.order)}
        self.spec = d.model.spec
        self._hand: dict[tuple[str, int], dict[str, Decimal]] = {}

    def _order(self) -> list[str]:
        done: list[str] = []
        state: dict[str, int] = {}
        for start in self.exact:
            if start in state:
                continue
            stack: list[tuple[str, Iterator[str]]] = [(start, iter(self._all_deps(start)))]
            state[start] = 1
            while stack:
                q, it = stack[-1]
                nxt = next((x for x in it if x in self.exact and x not in state), None)
                if nxt is None:
                    stack.pop()
                    state[q] = 2
                    done.append(q)
                else:
                    state[nxt] = 1
                    stack.append((nxt, iter(self._all_deps(nxt))))
        return done

    def _all_deps(self, q: str) -> list[str]:
        return [x for ds in self.deps.get(q, ()) for x in ds]

    def hand(self, mode: str, places: int, prefer: int = 0) -> dict[str, Decimal]:
        """Every value as a careful student computes it from the spec at ``places`` decimals,
        rounding or truncating each one, by the ledger's ways or by the others."""
        key = (mode, places, prefer)
        env = self._hand.get(key)
        if env is None:
            env = self._hand[key] = Sheet(self, {}, places, prefer).env(mode)
        return env


# ----------------------------------------------------------------------------- one sheet

class Sheet:
    """One student's values: those written, and those computed from them the way the sheet
    shows (in each rounding mode at the student's usual precision)."""

    def __init__(self, ways: _Ways, given: Mapping[str, Decimal], places: int, prefer: int = 0):
        self.ways = ways
        self.given = dict(given)
        self.places = places
        # Which way a quantity not written was computed: the one reaching most of what the
        # student wrote, the ledger's (0) or the last (1) on a tie; always the last (2) or
        # always the ledger's (3).
        self.prefer = prefer
        self.choice: dict[str, int] = {}
        for q in ways.order:              # in order: a choice reads the choices below it
            self.choice[q] = self._choose(q)  # (a written one's too: the way it was slipped in)
        self._envs: dict[str, dict[str, Decimal]] = {}

    def _written_reach(self, deps: tuple[str, ...], seen: set[str]) -> int:
        """How many written backward quantities a way reaches through unwritten ones."""
        count = 0
        for x in deps:
            if x in seen:
                continue
            seen.add(x)
            if self.ways.kind.get(x) in FORWARD:
                continue
            if x in self.given:
                count += 1
            elif x in self.ways.deps:
                n = self.choice_index(x)
                count += self._written_reach(self.ways.deps[x][n], seen)
        return count

    def choice_index(self, q: str) -> int:
        return self.choice.get(q, 0)

    def _choose(self, q: str) -> int:
        options = self.ways.deps.get(q, ())
        if len(options) < 2:
            return 0
        if self.prefer == 2:                  # always the board's other way
            return len(options) - 1
        if self.prefer == 3:                  # always the ledger's
            return 0
        scores = [self._written_reach(deps, set()) for deps in options]
        best = max(scores)
        if self.prefer:
            return len(scores) - 1 - scores[::-1].index(best)
        return scores.index(best)

    def env(self, mode: str) -> dict[str, Decimal]:
        env = self._envs.get(mode)
        if env is None:
            env = self._envs[mode] = self.compute(mode, {})
        return env

    def compute(self, mode: str, override: Mapping[str, Decimal], only: set[str] | None = None,
                base: Mapping[str, Decimal] | None = None) -> dict[str, Decimal]:
        """The sheet's values in ``mode``; ``override`` replaces a value (a slip), and the
        values after it are computed again (``only`` those, when given, from ``base``)."""
        w = self.ways
        env: dict[str, Decimal] = dict(base) if base is not None else {}
        for q in w.order:
            if only is not None and q not in only and q not in override:
                continue
            if q in override:
                env[q] = override[q]
            elif q in self.given:
                env[q] = self.given[q]
            elif q not in w.ways:
                env[q] = w.exact[q]
            else:
                value = value_of(w.ways[q][self.choice_index(q)], env)
                if value is None:
                    value = w.exact[q]
                env[q] = self._round(value, mode)
        return env

    def _round(self, value: Decimal, mode: str) -> Decimal:
        if mode == "round":
            return round_to(value, self.places)
        if mode == "trunc":
            return truncate(value, self.places)
        return value


_WAYS: IdentityCache[_Ways] = IdentityCache(16)


def ways_of(d: Derivation) -> _Ways:
    """What the checker knows of a derivation, made once for all the sheets of a class."""
    return _WAYS.get(d, _Ways)

"""The one judgement of a number written at ``d`` decimals, shared by ``check`` and the LMS
exports (Moodle, QTI, Blackboard), so that a student gets the same verdict from both.

    low, high = step_interval(derivation, "dE/dw2_1_1", 5)     # what an LMS range holds
    answer, tolerance = symmetric(low, high)                     # Moodle's answer ± tolerance
    verdict(given, value, 5, hand_drift(derivation, q, 5))       # "correct" | "rounding" | None

For the exact value ``v`` of a quantity asked at ``d`` decimals (``u = 10**-d``) and the drift
``δ`` of a careful hand calculation at ``d`` decimals (:func:`hand_drift`: the farthest any
student lands from ``v`` rounding or truncating every value he computes), a value ``g``
written at ``d`` decimals is

- ``correct``  when ``|g − v| ≤ u/2 + δ`` (rounded, with a hand calculation's drift),
- ``rounding`` when it is ``v`` truncated (and not ``v`` rounded), or ``|g − v| < u + δ``
  (one unit off in the last place, with the drift),
- not accepted otherwise (``check`` then looks for follow-through and slips).

The accepted values at ``d`` decimals are the grid points ``k·u`` with ``|k·u − v| < u + δ``
(truncation is among them: ``|trunc(v) − v| < u``). :func:`accepted_interval` is the closed
interval from half a unit below the lowest to half a unit above the highest: it holds exactly
those grid points and no other value written at ``d`` decimals, and its ends sit halfway
between grid points, so an LMS comparing in binary floating point (Moodle adds ~1e-14) can
neither let in nor shut out a value written at ``d`` decimals by a rounding error.

What an LMS cannot express, ``check`` still does: an answer with fewer decimals than asked is
``wrong`` there ("too few decimals"), an answer with more is judged at the decimals written,
and a value wrong by itself but right from the student's own earlier values is
``carried_forward``. A student who writes the asked decimals gets the same verdict.
"""
from __future__ import annotations

from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal

from ..core.exact import exact, round_to
from ..derive.derivation import Derivation
from .sheet import truncate, unit, ways_of

__all__ = ["accepted_interval", "hand_drift", "step_interval", "symmetric", "verdict"]


def accepted_interval(value: Decimal, decimals: int, drift: Decimal = Decimal(0)) -> tuple[Decimal, Decimal]:
    """The closed interval ``(low, high)`` of values ``check`` accepts (``correct`` or
    ``rounding``) for the exact ``value`` asked at ``decimals`` places, a hand calculation
    drifting up to ``drift``: the accepted grid points, widened by half a unit each side."""
    with exact():
        u = unit(decimals)
        reach = u + abs(drift)
        # the grid points strictly inside (value − reach, value + reach)
        low_k = ((value - reach) / u).to_integral_value(rounding=ROUND_FLOOR) + 1
        high_k = ((value + reach) / u).to_integral_value(rounding=ROUND_CEILING) - 1
        half = u / 2
        return low_k * u - half, high_k * u + half


def symmetric(low: Decimal, high: Decimal) -> tuple[Decimal, Decimal]:
    """The interval as an answer ± absolute tolerance (Moodle's numerical questions)."""
    with exact():
        return (low + high) / 2, (high - low) / 2


def hand_drift(d: Derivation, quantity: str, decimals: int) -> Decimal:
    """How far a careful hand calculation at ``decimals`` places lands from the exact value
    of ``quantity``: rounding or truncating every value, by the ledger's ways or the board's
    others (a gradient through δ)."""
    w = ways_of(d)
    v = w.exact[quantity]
    with exact():
        return max(abs(w.hand(mode, decimals, prefer).get(quantity, v) - v)
                   for mode in ("round", "trunc") for prefer in (0, 1))


def step_interval(d: Derivation, quantity: str, decimals: int) -> tuple[Decimal, Decimal]:
    """:func:`accepted_interval` of one quantity of a derivation asked at ``decimals``."""
    return accepted_interval(ways_of(d).exact[quantity], decimals, hand_drift(d, quantity, decimals))


def verdict(given: Decimal, value: Decimal, decimals: int, drift: Decimal = Decimal(0)) -> str | None:
    """``check``'s verdict on ``given`` against the exact ``value`` alone: ``"correct"``,
    ``"rounding"``, or None when the interval does not hold it."""
    with exact():
        if given != round_to(value, decimals) and given == truncate(value, decimals):
            return "rounding"             # the exact value, truncated
        if abs(given - value) <= unit(decimals) / 2 + abs(drift):
            return "correct"
        low, high = accepted_interval(value, decimals, drift)
        if low <= given <= high:
            return "rounding"             # one unit off in the last place
    return None

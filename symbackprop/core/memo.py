"""A small cache of values computed from an object, keyed by the object's identity.

For objects that are large to hash or compare (a chain of 10⁴ paths, a derivation) and are
asked about again and again while they live: the cache keeps the object itself beside its
value, so an id reused after the object is gone never returns a stale value, and it forgets
everything when it is full.
"""
from __future__ import annotations

from typing import Callable, Generic, TypeVar

__all__ = ["IdentityCache"]

V = TypeVar("V")


class IdentityCache(Generic[V]):
    def __init__(self, limit: int):
        self.limit = limit
        self._store: dict[int, tuple[object, V]] = {}

    def get(self, obj: object, make: Callable[[object], V]) -> V:
        hit = self._store.get(id(obj))
        if hit is not None and hit[0] is obj:
            return hit[1]
        value = make(obj)
        if len(self._store) >= self.limit:
            self._store.clear()
        self._store[id(obj)] = (obj, value)
        return value

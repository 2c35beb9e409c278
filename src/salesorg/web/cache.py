"""A small in-process result cache for page data (per scope, as-of date and parameters).

Reading the point-in-time state of a million opportunities takes a second or more; a weekly
review is read by many people for the same (scope, date). While ``salesorg serve`` runs it
holds the DuckDB file open for writing, so every write goes through this process, and the app
clears the cache after each one (:meth:`ResultCache.clear`); a TTL bounds staleness anyway.
Concurrent requests for the same missing key compute it once (the others wait for it), and
at most ``max_computing`` different keys are computed at the same time.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

__all__ = ["ResultCache"]

T = TypeVar("T")


class ResultCache:
    """LRU cache with a time-to-live and one computation per key at a time."""

    def __init__(self, *, max_items: int = 512, ttl_s: float = 3600.0, max_computing: int = 2):
        self.max_items = max_items
        #: at most this many computations at once: heavy reviews on a big store each take
        #: gigabytes, so fifty cold requests must queue rather than run together
        self._computing = threading.Semaphore(max_computing)
        self.ttl_s = ttl_s
        self._data: OrderedDict[Hashable, tuple[float, Any]] = OrderedDict()
        self._lock = threading.Lock()
        self._key_locks: dict[Hashable, threading.Lock] = {}
        self.hits = 0
        self.misses = 0

    def _lookup(self, key: Hashable, now: float) -> tuple[bool, Any]:
        with self._lock:
            item = self._data.get(key)
            if item is not None and now - item[0] < self.ttl_s:
                self._data.move_to_end(key)
                return True, item[1]
            return False, None

    def get_or_compute(self, key: Hashable, compute: Callable[[], T]) -> T:
        found, value = self._lookup(key, time.monotonic())
        if found:
            self.hits += 1
            return value
        with self._lock:
            key_lock = self._key_locks.setdefault(key, threading.Lock())
        with key_lock:
            found, value = self._lookup(key, time.monotonic())
            if found:
                self.hits += 1
                return value
            self.misses += 1
            with self._computing:
                value = compute()
            with self._lock:
                self._data[key] = (time.monotonic(), value)
                self._data.move_to_end(key)
                while len(self._data) > self.max_items:
                    self._data.popitem(last=False)
                self._key_locks.pop(key, None)
            return value

    def peek(self, key: Hashable) -> Any:
        """The live value under ``key``, or ``None`` (no computing, no waiting)."""
        found, value = self._lookup(key, time.monotonic())
        if found:
            self.hits += 1
        return value if found else None

    def put(self, key: Hashable, value: Any) -> None:
        """Store ``value`` under ``key`` (replacing any)."""
        with self._lock:
            self._data[key] = (time.monotonic(), value)
            self._data.move_to_end(key)
            while len(self._data) > self.max_items:
                self._data.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._data.clear()

    def __len__(self) -> int:
        return len(self._data)

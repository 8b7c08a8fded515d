"""A bounded least-recently-used map kept per store object, safe across threads.

What one server process keeps for the pages it serves (answers, recent reads) belongs to
one store: two stores never share entries, even at one location (":memory:"), and a store
that goes away takes its entries with it.
"""

from __future__ import annotations

import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

from storyline.store import Store

V = TypeVar("V")


class StoreLRU(Generic[V]):
    """At most ``size`` entries per store; the least recently used go first."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._stores: weakref.WeakKeyDictionary[Store, OrderedDict[Hashable, V]] = weakref.WeakKeyDictionary()
        self._lock = threading.Lock()

    def get(self, store: Store, key: Hashable, good: Callable[[V], bool] = lambda _value: True) -> V | None:
        """The entry of ``key`` when there is one and ``good`` holds for it (it becomes the most
        recently used), else None."""
        with self._lock:
            entries = self._stores.get(store)
            value = entries.get(key) if entries is not None else None
            if value is None or not good(value):
                return None
            assert entries is not None
            entries.move_to_end(key)
            return value

    def put(self, store: Store, key: Hashable, value: V, unless: Callable[[V], bool] | None = None) -> bool:
        """Keep ``value`` for ``key``, unless ``unless`` holds for the entry already there (checked
        and written under one lock: of two threads at once, one writes); whether it was kept."""
        with self._lock:
            entries = self._stores.setdefault(store, OrderedDict())
            here = entries.get(key)
            if here is not None and unless is not None and unless(here):
                return False
            entries[key] = value
            entries.move_to_end(key)
            while len(entries) > self.size:
                entries.popitem(last=False)
            return True

    def pop(self, store: Store, key: Hashable) -> None:
        with self._lock:
            entries = self._stores.get(store)
            if entries is not None:
                entries.pop(key, None)

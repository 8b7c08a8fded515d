"""The per-store LRU map behind the pages kept for visitors and the reads written once a window."""

from __future__ import annotations

import gc

from storyline.store import Store
from storyline.web.store_lru import StoreLRU


def test_entries_are_kept_per_store_bounded_and_least_recently_used_first() -> None:
    one, two = Store(":memory:"), Store(":memory:")
    lru: StoreLRU[int] = StoreLRU(size=2)
    assert lru.put(one, "a", 1) and lru.put(one, "b", 2)
    assert lru.get(two, "a") is None  # two stores never share entries, even at one location
    assert lru.get(one, "a") == 1  # "a" is now the most recently used
    lru.put(one, "c", 3)
    assert (lru.get(one, "a"), lru.get(one, "b"), lru.get(one, "c")) == (1, None, 3)
    assert lru.get(one, "a", good=lambda value: value > 1) is None
    assert not lru.put(one, "a", 9, unless=lambda here: here == 1)
    assert lru.get(one, "a") == 1
    lru.pop(one, "a")
    assert lru.get(one, "a") is None


def test_a_store_that_goes_away_takes_its_entries_with_it() -> None:
    store = Store(":memory:")
    lru: StoreLRU[int] = StoreLRU(size=4)
    lru.put(store, "a", 1)
    del store
    gc.collect()
    assert len(lru._stores) == 0

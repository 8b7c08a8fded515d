"""What story, storyline, person and article pages read, kept while no story or storyline is written.

A story or storyline page reads the whole document (a big storyline holds hundreds of
articles and timeline entries) and the headlines of its articles; what it shows only
changes when the stories are written, which stamps them (``Store.stories_version``, two
index lookups).  An answer is reused while that stamp stands, and for at most
``MAX_AGE`` seconds (an article's headline can change without its story being written),
the rule the front page already follows.  A person's page gathers the stories that name
them and an article's page its story and highlighted body: they follow the same rule (an
article enriched again shows within ``MAX_AGE``).  Per process: each server worker keeps
its own.
"""

from __future__ import annotations

import threading
import time
import weakref
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from storyline.store import Store

MAX_AGE = 5.0  # seconds an answer is reused while the stories stay the same
SIZE = 512  # answers kept per process (the least recently used go first)

T = TypeVar("T")


class PageCache:
    def __init__(self, size: int = SIZE, max_age: float = MAX_AGE) -> None:
        self.size, self.max_age = size, max_age
        # per store object: two stores never share answers, even at one location (":memory:")
        self._stores: weakref.WeakKeyDictionary[Store, OrderedDict[Hashable, tuple[tuple[Any, ...], float, Any]]] = \
            weakref.WeakKeyDictionary()
        self._lock = threading.Lock()

    def get(self, store: Store, key: Hashable, compute: Callable[[], T]) -> T:
        """``compute()``, or its answer from an earlier call with the same ``key`` while still good.

        Answers are shared between requests: callers must not change them in place.
        """
        version = store.stories_version()  # read first: a write while computing makes the next call compute again
        with self._lock:
            entries = self._stores.setdefault(store, OrderedDict())
            hit = entries.get(key)
            if hit is not None and hit[0] == version and time.monotonic() - hit[1] < self.max_age:
                entries.move_to_end(key)
                return hit[2]  # type: ignore[no-any-return]
        value = compute()
        with self._lock:
            entries[key] = (version, time.monotonic(), value)
            entries.move_to_end(key)
            while len(entries) > self.size:
                entries.popitem(last=False)
        return value

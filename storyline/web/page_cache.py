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

import time
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from storyline.store import Store
from storyline.web.store_lru import StoreLRU

MAX_AGE = 5.0  # seconds an answer is reused while the stories stay the same
SIZE = 512  # answers kept per process (the least recently used go first)

T = TypeVar("T")


class PageCache:
    def __init__(self, size: int = SIZE, max_age: float = MAX_AGE) -> None:
        self.max_age = max_age
        self._answers: StoreLRU[tuple[Any, float, Any]] = StoreLRU(size)  # key -> (version, when, answer)

    def get(self, store: Store, key: Hashable, compute: Callable[[], T]) -> T:
        """``compute()``, or its answer from an earlier call with the same ``key`` while still good.

        Answers are shared between requests: callers must not change them in place.
        """
        version = store.stories_version()  # read first: a write while computing makes the next call compute again
        hit = self._answers.get(store, key, lambda entry: entry[0] == version
                                and time.monotonic() - entry[1] < self.max_age)
        if hit is not None:
            return hit[2]  # type: ignore[no-any-return]
        value = compute()
        self._answers.put(store, key, (version, time.monotonic(), value))
        return value

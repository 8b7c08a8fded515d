"""Reads of stories and articles recorded once per reader and page in a short window, not once per request.

Opening a story or article page records a read (what "For you" counts as opened, and its
unread counts), a write and a new reader stamp (:func:`storyline.store.reader.stamp_reader`,
which makes the reader's kept pages anew).  A reader reloading a page, or a client opening
it many times a second, would write each time: the first opening of ``(user, kind, id)``
records it at once, and openings within ``WINDOW`` seconds after it are not written again.
So a read's ``last_read`` may lag by up to ``WINDOW`` seconds, and ``times`` counts
openings that far apart.  Per process (each server worker writes at most once per window),
per store object; a write that fails is not remembered, so the next opening tries again.
"""

from __future__ import annotations

import threading
import time
import weakref
from collections import OrderedDict

from storyline.store import Store

WINDOW = 30.0  # seconds in which reopening the same page by the same reader is not written again
SIZE = 100_000  # (user, kind, id) remembered per store, the oldest going first


class RecentReads:
    def __init__(self, window: float = WINDOW, size: int = SIZE) -> None:
        self.window, self.size = window, size
        self._stores: weakref.WeakKeyDictionary[Store, OrderedDict[tuple[str, str, str], float]] = \
            weakref.WeakKeyDictionary()
        self._lock = threading.Lock()

    def record(self, store: Store, user_id: str, kind: str, target_id: str) -> bool:
        """Record that ``user_id`` opened ``kind`` ``target_id``, unless this process did within the
        window; whether it was written."""
        key = (user_id, kind, target_id)
        if not self._claim(store, key):
            return False
        try:
            store.record_read(user_id, kind, target_id)
        except BaseException:
            self._forget(store, key)  # not written: the next opening writes it
            raise
        return True

    def _claim(self, store: Store, key: tuple[str, str, str]) -> bool:
        """Take ``key`` for writing now (before the write, so that requests at the same moment
        do not write it too); False when it was written within the window."""
        moment = time.monotonic()
        with self._lock:
            recent = self._stores.setdefault(store, OrderedDict())
            at = recent.get(key)
            if at is not None and moment - at < self.window:
                return False
            recent[key] = moment
            recent.move_to_end(key)
            while len(recent) > self.size:
                recent.popitem(last=False)
        return True

    def _forget(self, store: Store, key: tuple[str, str, str]) -> None:
        with self._lock:
            self._stores.get(store, OrderedDict()).pop(key, None)

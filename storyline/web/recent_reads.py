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

import time

from storyline.store import Store
from storyline.web.store_lru import StoreLRU

WINDOW = 30.0  # seconds in which reopening the same page by the same reader is not written again
SIZE = 100_000  # (user, kind, id) remembered per store, the oldest going first


class RecentReads:
    def __init__(self, window: float = WINDOW, size: int = SIZE) -> None:
        self.window = window
        self._written: StoreLRU[float] = StoreLRU(size)  # (user, kind, id) -> when written

    def record(self, store: Store, user_id: str, kind: str, target_id: str) -> bool:
        """Record that ``user_id`` opened ``kind`` ``target_id``, unless this process did within the
        window; whether it was written."""
        key = (user_id, kind, target_id)
        # taken before the write, so that requests at the same moment do not write it too
        moment = time.monotonic()
        if not self._written.put(store, key, moment, unless=lambda at: moment - at < self.window):
            return False
        try:
            store.record_read(user_id, kind, target_id)
        except BaseException:
            self._written.pop(store, key)  # not written: the next opening writes it
            raise
        return True

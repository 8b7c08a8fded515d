"""Sign-in throttling: at most N failed sign-ins per account, and per address, in a sliding window.

One :class:`Throttle` serves the web sign-in form and the Google Reader API's
ClientLogin.  Past the limit a sign-in is refused before the password is
checked, with the seconds until the oldest failure leaves the window (for a
``Retry-After`` header).  A successful sign-in clears its account's failures,
not its address's.  Given a store, the failures are kept there, so every process
serving it (``storyline serve --workers N``) counts them together and a restart
keeps them; without one they live in this process.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from storyline.store import Store

MAX_KEYS = 100_000  # beyond this, the keys with the oldest failures are forgotten first


class Throttle:
    def __init__(self, failures: int, window: float, clock: Callable[[], float] | None = None,
                 store: Store | None = None) -> None:
        self.failures = failures
        self.window = window
        self.store = store
        # in the store, times are shared between processes: wall-clock seconds
        self._clock = clock or (time.time if store is not None else time.monotonic)
        self._log: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    @staticmethod
    def keys(account: str, address: str) -> tuple[str, str]:
        return "account:" + account.strip().casefold(), "address:" + address

    def retry_after(self, account: str, address: str) -> int:
        """0 when a sign-in may be tried now; else the seconds to wait."""
        now = self._clock()
        keys = list(self.keys(account, address))
        if self.store is not None:
            recent = list(self.store.recent_sign_in_failures(keys, now - self.window).values())
        else:
            with self._lock:
                recent = [list(log) for key in keys if (log := self._recent(key, now)) is not None]
        wait = max((times[-self.failures] + self.window - now for times in recent if len(times) >= self.failures),
                   default=0.0)
        return max(1, math.ceil(wait)) if wait > 0 else 0

    def failed(self, account: str, address: str) -> None:
        now = self._clock()
        if self.store is not None:
            self.store.record_sign_in_failure(list(self.keys(account, address)), now, now - self.window)
            return
        with self._lock:
            if len(self._log) >= MAX_KEYS:
                for key in sorted(self._log, key=lambda k: self._log[k][-1] if self._log[k] else 0)[:MAX_KEYS // 10]:
                    del self._log[key]
            for key in self.keys(account, address):
                log = self._log.setdefault(key, deque())
                log.append(now)
                while len(log) > self.failures:
                    log.popleft()

    def succeeded(self, account: str) -> None:
        if self.store is not None:
            self.store.clear_sign_in_failures(self.keys(account, "")[0])
            return
        with self._lock:
            self._log.pop(self.keys(account, "")[0], None)

    def _recent(self, key: str, now: float) -> deque[float] | None:
        log = self._log.get(key)
        if log is None:
            return None
        while log and log[0] <= now - self.window:
            log.popleft()
        if not log:
            del self._log[key]
            return None
        return log

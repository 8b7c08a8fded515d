"""Manners for automated fetching: robots.txt, requests per host, crawl delay.

:class:`Politeness` is a :class:`~storyline.ingest.fetch.Gate`: a fetcher made
with it asks before every request (every redirect hop).

* **robots.txt** of each origin (scheme, host, port) is fetched once through
  the same guarded client (so private addresses stay refused unless allowed)
  and kept for a day (RFC 9309).  Its rules for storyline's User-Agent decide
  (``urllib.robotparser``; the product token is the User-Agent up to its
  first "/").  A 4xx answer means no rules; a 5xx answer or no answer means
  nothing is fetched from that origin, and it is asked again after 5 minutes.
* **Per host** at most ``per_host`` requests are in flight at once, robots.txt
  included, across every thread sharing the gate.
* **Crawl-delay** for our User-Agent spaces requests to the host (capped at 30 s).

Setting the ``stop`` event makes every waiting request raise :class:`Cancelled`.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from urllib.robotparser import RobotFileParser

import httpx

from storyline.ingest.fetch import Fetcher, FetchError
from storyline.ingest.options import IngestOptions

ROBOTS_TTL = 24 * 3600.0
ROBOTS_RETRY = 300.0
MAX_CRAWL_DELAY = 30.0
_POLL = 0.2  # how often a waiting request looks at the stop event


class Cancelled(Exception):
    """The fetching was stopped (the server is shutting down): abandon the work."""


@dataclass(frozen=True, slots=True)
class RobotRules:
    """What one origin's robots.txt says; ``denial`` is set when nothing may be fetched."""

    parser: RobotFileParser | None = None
    denial: str | None = None

    def allows(self, agent: str, url: str) -> bool:
        if self.denial is not None:
            return False
        return self.parser is None or self.parser.can_fetch(agent, url)

    def crawl_delay(self, agent: str) -> float:
        if self.parser is None:
            return 0.0
        delay = self.parser.crawl_delay(agent)
        return min(float(delay), MAX_CRAWL_DELAY) if delay else 0.0


def parse_robots(content: bytes) -> RobotRules:
    parser = RobotFileParser()
    parser.parse(content.decode("utf-8", errors="replace").splitlines())
    return RobotRules(parser)


def _origin(url: str) -> tuple[str, str]:
    """``(origin, host)`` of an http(s) URL: ``("https://example.org:8443", "example.org")``."""
    parsed = httpx.URL(url)
    return f"{parsed.scheme}://{parsed.netloc.decode('ascii')}", parsed.host.lower()


class Politeness:
    """robots.txt, a per-host limit and crawl delays, shared by every thread using it."""

    def __init__(
        self,
        options: IngestOptions,
        *,
        per_host: int = 1,
        stop: threading.Event | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if per_host < 1:
            raise ValueError(f"at least one request per host is needed, not {per_host}")
        self.agent = options.user_agent
        self.per_host = per_host
        self.stop = stop or threading.Event()
        self._clock = clock
        self._fetcher = Fetcher(options)  # for robots.txt itself, outside the gate
        self._lock = threading.Lock()
        self._rules: dict[str, tuple[RobotRules, float]] = {}
        self._origin_locks: dict[str, threading.Lock] = {}
        self._slots: dict[str, threading.BoundedSemaphore] = {}
        self._next_start: dict[str, float] = {}

    def close(self) -> None:
        self._fetcher.close()

    @contextmanager
    def request(self, url: str) -> Iterator[None]:
        """Wait for a turn at the URL's host, or raise FetchError if robots.txt forbids it."""
        origin, host = _origin(url)
        rules = self.rules(origin, host)
        if not rules.allows(self.agent, url):
            raise FetchError(rules.denial or f"disallowed by {origin}/robots.txt for {self.agent.split('/')[0]}")
        with self._slot(host):
            self._space(host, rules.crawl_delay(self.agent))
            yield

    def rules(self, origin: str, host: str) -> RobotRules:
        """The origin's robots.txt rules, fetched once per :data:`ROBOTS_TTL` (one thread fetches)."""
        with self._lock:
            lock = self._origin_locks.setdefault(origin, threading.Lock())
        with lock:
            cached = self._rules.get(origin)
            if cached is not None and cached[1] > self._clock():
                return cached[0]
            rules, ttl = self._fetch_rules(origin, host)
            self._rules[origin] = (rules, self._clock() + ttl)
            return rules

    def _fetch_rules(self, origin: str, host: str) -> tuple[RobotRules, float]:
        where = f"{origin}/robots.txt"
        try:
            with self._slot(host):
                result = self._fetcher.fetch(where)
        except FetchError as exc:
            if exc.status is not None and 400 <= exc.status < 500:
                return RobotRules(), ROBOTS_TTL  # no robots.txt: no rules
            if exc.status is not None:
                return RobotRules(denial=f"{where} answered HTTP {exc.status}; nothing is fetched from"
                                         " this site until it answers"), ROBOTS_RETRY
            return RobotRules(denial=f"{exc.reason} (while reading {where})"), ROBOTS_RETRY
        return parse_robots(result.content), ROBOTS_TTL

    @contextmanager
    def _slot(self, host: str) -> Iterator[None]:
        with self._lock:
            slot = self._slots.setdefault(host, threading.BoundedSemaphore(self.per_host))
        while not slot.acquire(timeout=_POLL):
            if self.stop.is_set():
                raise Cancelled("stopping")
        try:
            if self.stop.is_set():
                raise Cancelled("stopping")
            yield
        finally:
            slot.release()

    def _space(self, host: str, delay: float) -> None:
        """Wait until ``delay`` seconds after the previous request to ``host`` started."""
        with self._lock:
            start = max(self._clock(), self._next_start.get(host, 0.0))
            self._next_start[host] = start + delay
        wait = start - self._clock()
        if wait > 0 and self.stop.wait(wait):
            raise Cancelled("stopping")

"""Whole reading pages kept for visitors who are not signed in, as a news site's front cache would.

A story, storyline, article, person or front page looks the same to every visitor who
is not signed in, but for the form token (CSRF) bound to the visitor's cookie.  Under
load, most of a page's cost is the framework around it and the template, not the
store (what the page reads is kept already: :mod:`storyline.web.page_cache`).  This
middleware keeps the whole answer, with the form token replaced by a placeholder of
the same length, and hands it to the next visitor with that visitor's own token, by
the rule the page data follows: while the stories' write stamp
(``Store.stories_version``) stands, for at most ``MAX_AGE`` seconds.

Only ``GET`` answers of the reading pages with status 200 are kept, and only for
requests that are certainly anonymous (:meth:`Auth.visitor`: no session, local-reader
cookie or bearer token, and not the trusted loopback reader); signed-in readers always
get a page made for them (their unread counts, follows, reads recorded).  Search is not
kept: its cost is the query, and every query is another page.

One request at a time makes a page (per process): visitors arriving meanwhile get the
page it replaces, if at most ``STALE_AGE`` seconds old, or wait for the new one, so a
page that goes out of date under load is made once, not once per waiting visitor.  At most
``SIZE`` pages and ``BUDGET`` bytes are kept per process, the least recently read going first.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections import OrderedDict
from collections.abc import Hashable
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from storyline.web.auth import SEED_COOKIE, Viewer
from storyline.web.site import IMAGES_COOKIE, Site

MAX_AGE = 5.0  # seconds an answer is reused while the stories stay the same (the page data's rule)
STALE_AGE = 60.0  # while a page is being made anew, others get the last one if at most this old
SIZE = 2048  # answers kept per process (the least recently used go first) ...
BUDGET = 64 * 1024 * 1024  # ... and bytes of their bodies, at most
PREFIXES = ("/stories/", "/storylines/", "/entities/", "/articles/")
EXACT = frozenset({"/", "/index.json", "/sources", "/sources.json"})
PLACEHOLDER = b"\x00" * 64  # the form token's place: no page holds a NUL, a token is 64 hex digits


def keeps(path: str) -> bool:
    """Whether the page at ``path`` is one a visitor's answer may be kept for."""
    return path in EXACT or (path.startswith(PREFIXES) and not path.endswith(("/feed.atom", "/feed.json")))


@dataclass(slots=True)
class _Kept:
    version: Any  # the stories' write stamp when the page was made
    at: float  # time.monotonic() then
    status: int
    headers: list[tuple[bytes, bytes]]
    body: bytes  # with the form token's place held by PLACEHOLDER


class VisitorPages:
    """ASGI middleware: reading pages answered from memory for anonymous visitors (see the module)."""

    def __init__(self, app: ASGIApp, site: Site, *, size: int = SIZE, budget: int = BUDGET,
                 max_age: float = MAX_AGE) -> None:
        self.app, self.site, self.size, self.budget, self.max_age = app, site, size, budget, max_age
        self._kept: OrderedDict[Hashable, _Kept] = OrderedDict()
        self.largest = budget // 8  # bytes of the largest page kept
        self._bytes = 0  # the kept pages' bodies
        self._lock = threading.Lock()
        # pages being made now, by key: the event loop making it and what its waiters wait for
        self._making: dict[Hashable, tuple[asyncio.AbstractEventLoop, asyncio.Event]] = {}
        self.hits = self.misses = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "GET" or not keeps(scope["path"]):
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        visitor = self.site.auth.visitor(request)
        if visitor is None:
            await self.app(scope, receive, send)
            return
        key = (scope["path"], scope.get("query_string", b""), request.cookies.get(IMAGES_COOKIE),
               request.url.scheme, request.headers.get("host") if self.site.host_checked else None)
        version = self.site.store.stories_version()  # two index lookups; read before the page is made
        token = visitor.csrf.encode("ascii")
        cookie = self._seed_cookie(request, visitor)
        kept = self._fresh(key, version)
        making = self._making.get(key)
        if kept is None and making is not None:
            loop, done = making
            kept = self._stale(key)  # another request is making it anew: the last one meanwhile
            if kept is None and loop is asyncio.get_running_loop():
                await done.wait()  # the first visitors of a page wait for the one making it
                kept = self._fresh(key, version)
        if kept is not None:
            self.hits += 1
            headers = list(kept.headers) + ([(b"set-cookie", cookie)] if cookie else [])
            await send({"type": "http.response.start", "status": kept.status, "headers": headers})
            await send({"type": "http.response.body", "body": kept.body.replace(PLACEHOLDER, token)})
            return
        self.misses += 1
        if visitor.new_seed:  # the page is made for the seed this visitor is given, so its token is known
            scope = dict(scope)
            scope["headers"] = [*scope["headers"], (b"cookie", f"{SEED_COOKIE}={visitor.new_seed}".encode())]
        mine = making is None
        if mine:
            self._making[key] = (asyncio.get_running_loop(), asyncio.Event())
        try:
            await self._answer_and_keep(scope, receive, send, key, version, token, cookie)
        finally:
            if mine:
                self._making.pop(key)[1].set()

    def _fresh(self, key: Hashable, version: Any) -> _Kept | None:
        """The kept answer for ``key`` if still good; an outdated one is left as the stale answer."""
        with self._lock:
            kept = self._kept.get(key)
            if kept is None:
                return None
            if kept.version == version and time.monotonic() - kept.at < self.max_age:
                self._kept.move_to_end(key)
                return kept
        return None

    def _stale(self, key: Hashable) -> _Kept | None:
        """The outdated answer for ``key``, if made within ``STALE_AGE`` seconds."""
        with self._lock:
            kept = self._kept.get(key)
        return kept if kept is not None and time.monotonic() - kept.at < STALE_AGE else None

    async def _answer_and_keep(self, scope: Scope, receive: Receive, send: Send, key: Hashable, version: Any,
                               token: bytes, cookie: bytes | None) -> None:
        start: dict[str, Any] = {}
        parts: list[bytes] = []
        keep = True

        async def capture(message: Message) -> None:
            nonlocal keep
            if message["type"] == "http.response.start":
                start.update(message)
                headers = list(message.get("headers", []))
                if message["status"] != 200 or any(name.lower() == b"set-cookie" for name, _ in headers):
                    keep = False  # an error, a redirect or a cookie of the page's own: this visitor's only
                if cookie:
                    message = {**message, "headers": [*headers, (b"set-cookie", cookie)]}
            elif message["type"] == "http.response.body" and keep:
                parts.append(message.get("body", b""))
                if not message.get("more_body", False):
                    body = b"".join(parts)
                    if PLACEHOLDER not in body:
                        self._keep(key, _Kept(version, time.monotonic(), start["status"],
                                              list(start.get("headers", [])), body.replace(token, PLACEHOLDER)))
            await send(message)

        await self.app(scope, receive, capture)

    def _keep(self, key: Hashable, kept: _Kept) -> None:
        if len(kept.body) > self.largest:
            return  # one huge page would push out many
        with self._lock:
            old = self._kept.pop(key, None)
            self._bytes += len(kept.body) - (len(old.body) if old is not None else 0)
            self._kept[key] = kept
            while len(self._kept) > self.size or self._bytes > self.budget:
                _, dropped = self._kept.popitem(last=False)
                self._bytes -= len(dropped.body)

    def _seed_cookie(self, request: Request, visitor: Viewer) -> bytes | None:
        """The ``Set-Cookie`` value that gives a new visitor its seed, as :meth:`Auth.remember_seed` sets it."""
        if not visitor.new_seed:
            return None
        scratch = Response()
        self.site.auth.remember_seed(visitor, request, scratch)
        return next(value for name, value in scratch.raw_headers if name == b"set-cookie")

"""Whole reading pages kept in memory, as a news site's front cache would: for visitors who are
not signed in, and for each signed-in reader their own.

A story, storyline, article, person or front page looks the same to every visitor who
is not signed in, but for the form token (CSRF) bound to the visitor's cookie.  Under
load, most of a page's cost is the framework around it and the template, not the
store (what the page reads is kept already: :mod:`storyline.web.page_cache`).  This
middleware keeps the whole answer, with the form token replaced by a placeholder of
the same length, and hands it to the next visitor with that visitor's own token, by
the rule the page data follows: while the stories' write stamp
(``Store.stories_version``) stands, for at most ``MAX_AGE`` seconds.

A signed-in reader (a session, or the local reader's cookie) sees their own page: their
follows, their name, their reads on "For you".  Their answers are kept under a key of
their own (the user id and how they signed in, then what a visitor's key holds), and are
good while the stories' stamp stands *and* the reader's own stamp does (``Store.reader_stamp``:
every write of what their pages show changes it, in the database, so a follow made
through another server process is seen here too), for at most ``MAX_AGE`` seconds; each
session still gets its own form token.  A reader never gets a page made for anyone else,
and never one older than their own last write: while their page is made anew, they get
the last one only if it was made under their current stamp.  Their pages are the
visitors' but the Sources page (feeds change there without a stamp, and it is where an
administrator manages them), and "For you" as well.  A kept page is answered without the
route: the read that opening a story or article records was recorded when the page was
made for this reader, at most ``MAX_AGE`` seconds before (``STALE_AGE`` while it is made
anew), or within :data:`storyline.web.recent_reads.WINDOW` before that.

Only ``GET`` answers of the reading pages with status 200 and no cookie of their own are
kept; a bearer token, a session that is not (or no longer) valid, or a page the rules above
leave out get a page made for them.  Search is not kept: its cost is the query, and every
query is another page.

One request at a time makes a page (per process): others arriving meanwhile get the page
it replaces, if at most ``STALE_AGE`` seconds old, or wait for the new one, so a page that
goes out of date under load is made once, not once per waiting request.  At most ``SIZE``
pages and ``BUDGET`` bytes are kept per process, the least recently read going first.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections import OrderedDict
from collections.abc import Hashable
from dataclasses import dataclass, field
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
READER_EXACT = frozenset({"/", "/index.json", "/for-you", "/for-you.json"})
READERS = frozenset({"session", "local"})  # how a reader whose pages are kept is signed in (Viewer.via)
PLACEHOLDER = b"\x00" * 64  # the form token's place: no page holds a NUL, a token is 64 hex digits


def _reading_page(path: str) -> bool:
    return path.startswith(PREFIXES) and not path.endswith(("/feed.atom", "/feed.json"))


def keeps(path: str) -> bool:
    """Whether the page at ``path`` is one a visitor's answer may be kept for."""
    return path in EXACT or _reading_page(path)


def keeps_for_reader(path: str) -> bool:
    """Whether the page at ``path`` is one a signed-in reader's own answer may be kept for."""
    return path in READER_EXACT or _reading_page(path)


@dataclass(slots=True)
class _Kept:
    version: Any  # the stories' write stamp when the page was made
    own: Any  # the reader's stamp then (None for a visitor's page)
    at: float  # time.monotonic() then
    status: int
    headers: list[tuple[bytes, bytes]]
    body: bytes  # with the form token's place held by PLACEHOLDER


@dataclass(slots=True)
class _Making:
    """A page being made now: the event loop making it, the stamps it is made under, and its waiters' event."""

    loop: asyncio.AbstractEventLoop
    version: Any
    own: Any
    done: asyncio.Event = field(default_factory=asyncio.Event)


class VisitorPages:
    """ASGI middleware: reading pages answered from memory for visitors and, each their own, for
    signed-in readers (see the module)."""

    def __init__(self, app: ASGIApp, site: Site, *, size: int = SIZE, budget: int = BUDGET,
                 max_age: float = MAX_AGE) -> None:
        self.app, self.site, self.size, self.budget, self.max_age = app, site, size, budget, max_age
        self._kept: OrderedDict[Hashable, _Kept] = OrderedDict()
        self.largest = budget // 8  # bytes of the largest page kept
        self._bytes = 0  # the kept pages' bodies
        self._lock = threading.Lock()
        self._making: dict[Hashable, _Making] = {}  # pages being made now, by key
        self.hits = self.misses = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] != "http" or scope["method"] != "GET" or not (keeps(path) or keeps_for_reader(path)):
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        asker = self._asker(request, path)
        if asker is None:
            await self.app(scope, receive, send)
            return
        viewer, reader = asker
        key = (reader, path, scope.get("query_string", b""), request.cookies.get(IMAGES_COOKIE),
               request.url.scheme, request.headers.get("host") if self.site.host_checked else None)
        # the stamps are read before the page is made: a write meanwhile makes the next request make it again
        if reader is None:
            version, own = self.site.store.stories_version(), None  # two index lookups
        else:
            version, own = self.site.store.reader_pages_version(reader[1])  # and a primary-key lookup
        token = viewer.csrf.encode("ascii")
        cookie = self._seed_cookie(request, viewer)
        kept, making = await self._kept_or_turn(key, version, own)
        if kept is not None:
            self.hits += 1
            headers = list(kept.headers) + ([(b"set-cookie", cookie)] if cookie else [])
            await send({"type": "http.response.start", "status": kept.status, "headers": headers})
            await send({"type": "http.response.body", "body": kept.body.replace(PLACEHOLDER, token)})
            return
        self.misses += 1
        if viewer.new_seed:  # the page is made for the seed this browser is given, so its token is known
            scope = dict(scope)
            scope["headers"] = [*scope["headers"], (b"cookie", f"{SEED_COOKIE}={viewer.new_seed}".encode())]
        try:
            await self._answer_and_keep(scope, receive, send, key, version, own, token, cookie)
        finally:
            if making is not None:
                if self._making.get(key) is making:
                    del self._making[key]
                making.done.set()

    def _asker(self, request: Request, path: str) -> tuple[Viewer, tuple[str, str] | None] | None:
        """Who asks, when their page may be kept: a visitor (and None), or a signed-in reader (and
        how they signed in with their user id); None when the page is to be made for them."""
        visitor = self.site.auth.visitor(request)  # without the store
        if visitor is not None:
            return (visitor, None) if keeps(path) else None
        if not keeps_for_reader(path):
            return None
        viewer = self.site.auth.viewer(request)  # a session is looked up in the store
        if viewer.via not in READERS or viewer.user_id is None or not viewer.csrf:
            return None
        return viewer, (str(viewer.via), viewer.user_id)

    async def _kept_or_turn(self, key: Hashable, version: Any, own: Any) -> tuple[_Kept | None, _Making | None]:
        """The answer to give from memory; else None and, when this request is to make the page
        that others wait for, its :class:`_Making` (registered under ``key``)."""
        loop = asyncio.get_running_loop()
        waited = False
        while True:
            kept = self._fresh(key, version, own)
            if kept is not None:
                return kept, None
            making = self._making.get(key)
            if making is not None:
                kept = self._stale(key, own)  # another request is making it anew: the last one meanwhile
                if kept is not None:
                    return kept, None
                if making.loop is not loop or waited:
                    return None, None  # made in another thread, or not kept by the one waited for: make it
                if (making.version, making.own) == (version, own):
                    await making.done.wait()  # the first requests of a page wait for the one making it
                    waited = True
                    continue
            # nobody makes it, or makes it under other stamps (read before a write, or after one this request
            # did not see): this request makes it, for those to come with its stamps
            mine = _Making(loop, version, own)
            self._making[key] = mine
            return None, mine

    def _fresh(self, key: Hashable, version: Any, own: Any) -> _Kept | None:
        """The kept answer for ``key`` if still good; an outdated one is left as the stale answer."""
        with self._lock:
            kept = self._kept.get(key)
            if kept is None:
                return None
            if kept.version == version and kept.own == own and time.monotonic() - kept.at < self.max_age:
                self._kept.move_to_end(key)
                return kept
        return None

    def _stale(self, key: Hashable, own: Any) -> _Kept | None:
        """The outdated answer for ``key``, if made within ``STALE_AGE`` seconds under the reader's
        current stamp ``own`` (a visitor's pages have none): the stories in it may be older, the
        reader's own state may not."""
        with self._lock:
            kept = self._kept.get(key)
        if kept is None or kept.own != own or time.monotonic() - kept.at >= STALE_AGE:
            return None
        return kept

    async def _answer_and_keep(self, scope: Scope, receive: Receive, send: Send, key: Hashable, version: Any,
                               own: Any, token: bytes, cookie: bytes | None) -> None:
        start: dict[str, Any] = {}
        parts: list[bytes] = []
        keep = True

        async def capture(message: Message) -> None:
            nonlocal keep
            if message["type"] == "http.response.start":
                start.update(message)
                headers = list(message.get("headers", []))
                if message["status"] != 200 or any(name.lower() == b"set-cookie" for name, _ in headers):
                    keep = False  # an error, a redirect or a cookie of the page's own: this request's only
                if cookie:
                    message = {**message, "headers": [*headers, (b"set-cookie", cookie)]}
            elif message["type"] == "http.response.body" and keep:
                parts.append(message.get("body", b""))
                if not message.get("more_body", False):
                    body = b"".join(parts)
                    if PLACEHOLDER not in body:
                        self._keep(key, _Kept(version, own, time.monotonic(), start["status"],
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

"""Reading pages are kept whole for anonymous visitors, each with its own form token; readers get their own."""

from __future__ import annotations

import asyncio
import re
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
from starlette.testclient import TestClient
from test_page_cache import _story

from storyline.article import Article
from storyline.dedup import content_hash
from storyline.store import Store
from storyline.web import create_app
from storyline.web.visitor_pages import VisitorPages, keeps

TOKEN = re.compile(r'name="csrf" value="([0-9a-f]{64})"')


def _fill(store: Store) -> None:
    body = "The harbour council voted on the new bridge after a long night of debate."
    with store.transaction("save") as conn:
        store.save_article(conn, Article(id="a1", source="test:a1", body=body, content_hash=content_hash(body),
                                         title="Bridge vote"))
    _story(store, "Bridge vote")


def _cache(app: object) -> VisitorPages:
    layer = getattr(app, "middleware_stack", None)
    while layer is not None and not isinstance(layer, VisitorPages):
        layer = getattr(layer, "app", None)
    assert isinstance(layer, VisitorPages), "the app has no VisitorPages layer"
    return layer


def test_which_pages_are_kept() -> None:
    assert keeps("/") and keeps("/stories/s1") and keeps("/storylines/l1.json") and keeps("/articles/a1")
    assert not keeps("/search") and not keeps("/for-you") and not keeps("/api/stories")
    assert not keeps("/stories/s1/feed.atom") and not keeps("/login")


def test_visitors_share_a_kept_page_with_their_own_token(store: Store) -> None:
    _fill(store)
    app = create_app(store.location)
    with TestClient(app, base_url="http://127.0.0.1:8000") as first, \
            TestClient(app, base_url="http://127.0.0.1:8000") as second:
        one = first.get("/stories/s1")
        cache = _cache(app)
        misses = cache.misses
        two = second.get("/stories/s1")
        assert one.status_code == two.status_code == 200
        assert cache.misses == misses and cache.hits >= 1  # the second visitor's page came from memory
        token_one, token_two = TOKEN.search(one.text), TOKEN.search(two.text)
        assert token_one and token_two and token_one.group(1) != token_two.group(1)
        assert TOKEN.sub("", one.text) == TOKEN.sub("", two.text)
        assert first.cookies.get("sl_seed") and second.cookies.get("sl_seed") != first.cookies.get("sl_seed")
        # each visitor's token is the one its own cookie answers to: the form it was given works
        turned = second.post("/prefs/images", data={"csrf": token_two.group(1), "on": "0", "next": "/"},
                             follow_redirects=False)
        assert turned.status_code == 303 and second.cookies.get("storyline_images") == "off"
        refused = second.post("/prefs/images", data={"csrf": token_one.group(1), "on": "1", "next": "/"},
                              follow_redirects=False)
        assert refused.status_code == 403
        # a browser that turned images off is a page of its own
        assert "Show images" in second.get("/stories/s1").text and "Hide images" in first.get("/stories/s1").text


def test_a_kept_page_follows_a_story_write(store: Store) -> None:
    _fill(store)
    with TestClient(create_app(store.location), base_url="http://127.0.0.1:8000") as client:
        assert "Bridge vote" in client.get("/stories/s1").text
        time.sleep(1.1)  # write stamps count seconds
        _story(store, "Bridge vote delayed")
        assert "Bridge vote delayed" in client.get("/stories/s1").text
        assert "Line of Bridge vote delayed" in client.get("/storylines/l1").text


def test_the_local_reader_never_gets_a_visitors_page(store: Store) -> None:
    _fill(store)
    app = create_app(store.location)  # no local key: the loopback browser is the local reader
    with TestClient(app, base_url="http://127.0.0.1:8000", client=("10.0.0.7", 4000)) as visitor, \
            TestClient(app, base_url="http://127.0.0.1:8000", client=("127.0.0.1", 5000)) as reader:
        for _ in range(2):
            assert 'action="/follow"' not in visitor.get("/stories/s1").text  # kept for visitors
        for _ in range(3):
            assert 'action="/follow"' in reader.get("/stories/s1").text  # the reader's own page: they may follow
        assert 'action="/follow"' not in visitor.get("/stories/s1").text  # and the visitors' stays theirs


def test_visitors_arriving_together_wait_for_one_page(store: Store) -> None:
    _fill(store)
    app = create_app(store.location)

    async def crowd() -> list[httpx.Response]:
        transport = httpx.ASGITransport(app=app, client=("10.0.0.7", 4000))
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1:8000") as client:
            return await asyncio.gather(*(client.get("/storylines/l1") for _ in range(20)))

    with TestClient(app, base_url="http://127.0.0.1:8000"), ThreadPoolExecutor(1) as thread:
        # a loop of its own, in a thread of its own (the browser tests keep one running in this thread)
        answers = thread.submit(asyncio.run, crowd()).result()
    cache = _cache(app)
    assert {a.status_code for a in answers} == {200}
    assert cache.misses == 1 and cache.hits == 19  # made once for twenty visitors
    assert len({TOKEN.search(a.text).group(1) for a in answers}) == 20  # type: ignore[union-attr]


def test_kept_pages_stay_within_their_byte_budget(store: Store) -> None:
    _fill(store)
    app = create_app(store.location)
    with TestClient(app, base_url="http://127.0.0.1:8000") as client:
        client.get("/stories/s1")
        cache = _cache(app)
        page = len(client.get("/stories/s1").content)
        cache.budget, cache.largest = int(page * 2.5), page * 2  # room for two pages of this size
        for path in ("/storylines/l1", "/articles/a1", "/", "/stories/s1"):
            assert client.get(path).status_code == 200
        assert 0 < cache._bytes <= cache.budget and 1 <= len(cache._kept) <= 3
        cache.largest = 10  # a page larger than that is not kept at all
        before = dict(cache._kept)
        client.get("/sources")
        assert cache._kept == before
        assert cache._bytes == sum(len(k.body) for k in cache._kept.values())

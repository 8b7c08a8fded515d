"""Background refresh over real local servers: schedules, limits, robots.txt, the serve lifespan.

Time is a fake clock the tests move, so a day of polling runs in a moment; only the
per-host and crawl-delay tests wait (a second at most), and the server test polls a
feed every second.
"""

from __future__ import annotations

import hashlib
import random
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from starlette.testclient import TestClient
from test_ingest_http import Handler, Reply, Route, Server, serve

from storyline.ingest import IngestOptions, read_inputs
from storyline.ingest.robots import Politeness
from storyline.pipeline import Pipeline
from storyline.poller import Poller, RefreshConfig
from storyline.refresh import feed_health, polite_fetcher, poll, refresh_feeds
from storyline.scheduler import SchedulePolicy, utcnow
from storyline.store import Store
from storyline.web import create_app

LOCAL = IngestOptions(timeout=5, allow_private=frozenset({"127.0.0.1", "localhost"}))
POLICY = SchedulePolicy(first_interval=3600, min_interval=300, max_interval=86400, max_errors=4)
RSS = {"Content-Type": "application/rss+xml; charset=utf-8"}
HTML = {"Content-Type": "text/html; charset=utf-8"}
WORDS = ("minister", "harbour", "council", "budget", "river", "strike", "court", "vote", "bridge",
         "school", "rail", "election", "hospital", "farmers", "museum", "tariff", "storm", "festival",
         "police", "airport", "union", "treaty", "reactor", "mayor", "summit")


class FakeClock:
    def __init__(self) -> None:
        self.now = datetime(2025, 8, 18, 12, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def to(self, stamp: str) -> None:
        self.now = datetime.fromisoformat(stamp)

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


def article_text(seed: str) -> str:
    """A distinct article of about a hundred words (so entries are neither teasers nor duplicates)."""
    rng = random.Random(seed)
    sentences = [" ".join(rng.choice(WORDS) for _ in range(12)).capitalize() + "." for _ in range(9)]
    return f"Report {seed}. " + " ".join(sentences)


def full_item(guid: str) -> str:
    return (f"<item><title>Entry {guid}</title><link>https://news.example/{guid}</link><guid>{guid}</guid>"
            f"<pubDate>Mon, 18 Aug 2025 08:00:00 GMT</pubDate>"
            f"<description><![CDATA[<p>{article_text(guid)}</p>]]></description></item>")


def teaser_item(link: str, guid: str) -> str:
    return (f"<item><title>Teaser {guid}</title><link>{link}</link><guid>{guid}</guid>"
            f"<description><![CDATA[<p>{article_text(guid)[:400]} […]</p>]]></description></item>")


def rss(items: str, title: str = "The Example Times", extra: str = "") -> bytes:
    return (f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>{title}</title>'
            f"<link>https://news.example/</link><description>d</description>{extra}{items}</channel></rss>").encode()


class LiveFeed:
    """A feed the test adds entries to; answers conditional GETs with its ETag."""

    def __init__(self, *guids: str) -> None:
        self.guids = list(guids)

    def __call__(self, handler: Handler) -> Reply:
        body = rss("".join(full_item(g) for g in self.guids))
        etag = '"' + hashlib.sha1(body).hexdigest()[:16] + '"'
        if handler.headers.get("If-None-Match") == etag:
            return Reply(304, b"", {"ETag": etag})
        return Reply(200, body, {**RSS, "ETag": etag})


def plain_pipeline(store: Store, options: IngestOptions) -> Pipeline:
    return Pipeline(store, options)


def config(clock: Callable[[], datetime], **overrides: Any) -> RefreshConfig:
    settings: dict[str, Any] = {"options": LOCAL, "policy": POLICY, "tick": 0.05, "clock": clock,
                                "pipeline_factory": plain_pipeline}
    return RefreshConfig(**(settings | overrides))


@pytest.fixture
def poller_for(store: Store) -> Iterator[Callable[..., Poller]]:
    made: list[Poller] = []

    def make(clock: Callable[[], datetime], **overrides: Any) -> Poller:
        poller = Poller(store, config(clock, **overrides))
        made.append(poller)
        return poller

    yield make
    for poller in made:
        poller.stop(timeout=5)


def hits(server: Server, path: str) -> list[dict[str, str]]:
    return [headers for hit_path, headers in server.hits if hit_path == path]


def feed(store: Store, url: str) -> dict[str, Any]:
    found = store.get_feed(url)
    assert found is not None
    return found


def seconds_between(earlier: str, later: str) -> float:
    return (datetime.fromisoformat(later) - datetime.fromisoformat(earlier)).total_seconds()


# -- the schedule ------------------------------------------------------------


def test_busy_feeds_are_polled_more_often_than_quiet_ones(store: Store, poller_for: Callable[..., Poller]) -> None:
    busy, quiet = LiveFeed("b0"), LiveFeed("q0")
    clock = FakeClock()
    with serve({"/busy": busy, "/quiet": quiet}) as server:
        store.add_feed(server.base + "/busy")
        store.add_feed(server.base + "/quiet")
        poller = poller_for(clock)
        assert poller.run_once() == 2  # new feeds are due at once
        intervals = []
        for round_ in range(1, 5):
            busy.guids.append(f"b{round_}")
            clock.to(feed(store, server.base + "/busy")["next_due"])
            poller.run_once()
            intervals.append(feed(store, server.base + "/busy")["interval_seconds"])
        assert intervals == [1800, 900, 450, 300]  # halved by every poll that brought news, down to the minimum
        quiet_row = feed(store, server.base + "/quiet")
        # polled at the start and once more when it fell due (an hour later); then it waits 1.5 h
        assert len(hits(server, "/quiet")) == 2 and len(hits(server, "/busy")) == 5
        assert quiet_row["interval_seconds"] == 5400 and quiet_row["last_status"] == "not modified"
        assert seconds_between(quiet_row["last_fetched"], quiet_row["next_due"]) == 5400
        # conditional GET: the second poll sent the ETag of the first answer
        assert quiet_row["etag"] and hits(server, "/quiet")[1]["If-None-Match"] == quiet_row["etag"]
        assert feed(store, server.base + "/busy")["article_count"] == 5
        assert quiet_row["article_count"] == 1


def test_errors_back_off_then_stop_the_feed_until_it_is_resumed(
        store: Store, poller_for: Callable[..., Poller]) -> None:
    state = {"broken": True}

    def flaky(handler: Handler) -> Reply:
        return Reply(500, b"oops") if state["broken"] else Reply(200, rss(full_item("back")), RSS)

    clock = FakeClock()
    with serve({"/flaky": flaky}) as server:
        url = server.base + "/flaky"
        store.add_feed(url)
        poller = poller_for(clock)
        waits = []
        for _ in range(3):
            poller.run_once()
            row = feed(store, url)
            waits.append(seconds_between(row["last_fetched"], row["next_due"]))
            clock.to(row["next_due"])
        assert waits == [300, 600, 1200]  # 5 min, then doubled after each consecutive error
        poller.run_once()  # the fourth consecutive error
        row = feed_health(feed(store, url), POLICY)
        assert row["stopped"] and row["stopped_at"] == row["last_fetched"] and row["next_due"] is None
        assert row["error_count"] == 4 and row["last_error"] == "HTTP 500 Internal Server Error"
        clock.advance(30 * 86400)
        assert poller.run_once() == 0 and len(hits(server, "/flaky")) == 4  # stopped: never polled again
        state["broken"] = False
        assert store.resume_feed(url)
        assert poller.run_once() == 1
        row = feed_health(feed(store, url), POLICY)
        assert not row["stopped"] and row["error_count"] == 0 and row["last_error"] is None
        assert row["article_count"] == 1 and row["last_status"] == "200"


def test_retry_after_and_gone(store: Store, poller_for: Callable[..., Poller]) -> None:
    clock = FakeClock()
    routes: dict[str, Route] = {"/busy": Reply(503, b"later", {"Retry-After": "7200"}), "/gone": Reply(410, b"")}
    with serve(routes) as server:
        store.add_feed(server.base + "/busy")
        store.add_feed(server.base + "/gone")
        poller_for(clock).run_once()
        busy, gone = feed(store, server.base + "/busy"), feed(store, server.base + "/gone")
        assert seconds_between(busy["last_fetched"], busy["next_due"]) == 7200 and not busy["stopped_at"]
        assert gone["stopped_at"] and gone["error_count"] == 1 and gone["last_error"] == "HTTP 410 Gone"


def test_one_bad_feed_never_stops_the_others(
        store: Store, poller_for: Callable[..., Poller], monkeypatch: pytest.MonkeyPatch) -> None:
    import storyline.poller

    real_poll = storyline.poller.poll

    def exploding(feed_row: dict[str, Any], *args: Any, **kwargs: Any) -> Any:
        if feed_row["url"].endswith("/explodes"):
            raise RuntimeError("boom")
        return real_poll(feed_row, *args, **kwargs)

    monkeypatch.setattr(storyline.poller, "poll", exploding)
    clock = FakeClock()
    routes: dict[str, Route] = {"/good": LiveFeed("g1"), "/explodes": LiveFeed("x1"),
                                "/page": Reply(200, b"<html><body>not a feed</body></html>", HTML)}
    with serve(routes) as server:
        for path in ("/explodes", "/page", "/missing", "/good"):
            store.add_feed(server.base + path)
        store.add_feed("http://127.0.0.1:1/unreachable")
        assert poller_for(clock).run_once() == 5
        assert feed(store, server.base + "/good")["article_count"] == 1
        exploded = feed(store, server.base + "/explodes")
        assert exploded["last_error"] == "unexpected error: RuntimeError: boom" and exploded["next_due"]
        assert feed(store, server.base + "/missing")["last_error"] == "HTTP 404 Not Found"
        assert feed(store, "http://127.0.0.1:1/unreachable")["last_error"].startswith("unreachable")
        assert feed(store, server.base + "/page")["last_error"] == "not a feed"


# -- limits ------------------------------------------------------------------


class Concurrency:
    """Counts requests being handled at once, here and (with ``also``) in a shared total."""

    def __init__(self, also: Concurrency | None = None) -> None:
        self.lock = threading.Lock()
        self.current = self.most = 0
        self.also = also

    def enter(self) -> None:
        with self.lock:
            self.current += 1
            self.most = max(self.most, self.current)
        if self.also:
            self.also.enter()

    def leave(self) -> None:
        with self.lock:
            self.current -= 1
        if self.also:
            self.also.leave()

    def route(self, reply: Reply, delay: float = 0.25) -> Route:
        def handle(handler: Handler) -> Reply:
            self.enter()
            try:
                time.sleep(delay)
            finally:
                self.leave()
            return reply
        return handle


def _counted_site(counter: Concurrency, feeds: int, prefix: str) -> dict[str, Route]:
    routes = {f"/{prefix}{i}": counter.route(Reply(200, rss(full_item(f"{prefix}{i}")), RSS)) for i in range(feeds)}
    routes["/robots.txt"] = counter.route(Reply(404, b""), delay=0.05)
    return routes


@pytest.mark.parametrize("per_host", [1, 2])
def test_per_host_limit_holds_while_hosts_are_polled_in_parallel(
        store: Store, poller_for: Callable[..., Poller], per_host: int) -> None:
    total = Concurrency()
    one, two = Concurrency(total), Concurrency(total)
    with serve(_counted_site(one, 4, "a")) as first, serve(_counted_site(two, 4, "b")) as second:
        other_host = second.base.replace("127.0.0.1", "localhost")
        for i in range(4):
            store.add_feed(f"{first.base}/a{i}")
            store.add_feed(f"{other_host}/b{i}")
        assert poller_for(FakeClock(), workers=4, per_host=per_host).run_once() == 8
    assert one.most == two.most == per_host  # never more at one host, and the limit is used
    assert total.most == 2 * per_host  # the two hosts are polled at the same time
    assert store.count_articles() == 8


def test_every_request_to_a_host_waits_its_turn() -> None:
    """The limit is per request, not only per feed: entry pages and parallel callers share it."""
    counter = Concurrency()
    page = Reply(200, f"<html><body><p>{article_text('p')}</p></body></html>".encode(), HTML)
    with serve({"/page": counter.route(page, 0.1), "/robots.txt": counter.route(Reply(404, b""), 0.05)}) as server:
        politeness = Politeness(LOCAL, per_host=2)
        results: list[int] = []
        with polite_fetcher(LOCAL, politeness) as fetcher:
            threads = [threading.Thread(target=lambda: results.append(fetcher.fetch(server.base + "/page").status))
                       for _ in range(6)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
        politeness.close()
    assert results == [200] * 6 and counter.most == 2
    assert len(hits(server, "/robots.txt")) == 1  # read once, by one of the threads, then cached


# -- robots.txt ----------------------------------------------------------------

ROBOTS = b"""User-agent: *
Disallow: /

User-agent: storyline
Disallow: /private/
Allow: /
"""


def test_robots_txt_decides_what_refresh_fetches(store: Store) -> None:
    page = f"<html><body><p>{article_text('public')}</p></body></html>".encode()
    with serve({"/robots.txt": Reply(200, ROBOTS, {"Content-Type": "text/plain"}),
                "/public/page": Reply(200, page, HTML),
                "/private/page": Reply(200, page, HTML),
                "/private/feed.xml": Reply(200, rss(full_item("secret")), RSS)}) as server:
        items = teaser_item(server.base + "/public/page", "t-pub") + teaser_item(server.base + "/private/page", "t-priv")
        server.routes["/feed.xml"] = Reply(200, rss(items), RSS)
        store.add_feed(server.base + "/feed.xml")
        store.add_feed(server.base + "/private/feed.xml")
        outcomes = list(refresh_feeds(store, LOCAL, pipeline=Pipeline(store, LOCAL)))
        # the one-poll view of the same feed: the disallowed entry page is that entry's error
        politeness = Politeness(LOCAL)
        with polite_fetcher(LOCAL, politeness) as fetcher:
            result = poll({"url": server.base + "/feed.xml"}, LOCAL, fetcher)
        politeness.close()
    assert [hit[0] for hit in server.hits] == ["/robots.txt", "/feed.xml", "/public/page", "/robots.txt",
                                               "/feed.xml", "/public/page"]
    assert all(headers["User-Agent"] == LOCAL.user_agent and headers["User-Agent"].startswith("storyline/")
               for _, headers in server.hits)
    assert sorted((o.status, o.reason or "") for o in outcomes) == [
        ("new", ""), ("new", f"summary only: disallowed by {server.base}/robots.txt for storyline"),
        ("skipped", f"disallowed by {server.base}/robots.txt for storyline")]
    public, private = result.documents
    assert "summary_only" not in public.given and public.url == server.base + "/public/page"
    assert private.kind == "body"  # kept with the feed's summary, marked summary-only, with why
    assert private.given["summary_only"] == f"disallowed by {server.base}/robots.txt for storyline"
    disallowed = feed(store, server.base + "/private/feed.xml")
    assert disallowed["last_error"] == f"disallowed by {server.base}/robots.txt for storyline"
    assert disallowed["error_count"] == 1 and disallowed["next_due"]
    assert feed(store, server.base + "/feed.xml")["last_error"] is None


def test_robots_for_everyone_applies_to_storyline_too(store: Store) -> None:
    with serve({"/robots.txt": Reply(200, b"User-agent: otherbot\nAllow: /\n\nUser-agent: *\nDisallow: /feeds/\n"),
                "/feeds/main.xml": LiveFeed("n1"), "/main.xml": LiveFeed("n2")}) as server:
        store.add_feed(server.base + "/feeds/main.xml")
        store.add_feed(server.base + "/main.xml")
        list(refresh_feeds(store, LOCAL, pipeline=Pipeline(store, LOCAL)))
    assert feed(store, server.base + "/feeds/main.xml")["last_error"].startswith("disallowed by")
    assert feed(store, server.base + "/main.xml")["article_count"] == 1
    assert [hit[0] for hit in server.hits] == ["/robots.txt", "/main.xml"]


def test_robots_answers_decide_for_the_whole_site(store: Store) -> None:
    with serve({"/robots.txt": Reply(503, b"down"), "/feed": LiveFeed("r1")}) as failing:
        store.add_feed(failing.base + "/feed")
        list(refresh_feeds(store, LOCAL, pipeline=Pipeline(store, LOCAL)))
    assert feed(store, failing.base + "/feed")["last_error"] == (
        f"{failing.base}/robots.txt answered HTTP 503; nothing is fetched from this site until it answers")
    assert [hit[0] for hit in failing.hits] == ["/robots.txt"]
    with serve({"/robots.txt": Reply(404, b"none"), "/feed": LiveFeed("r2")}) as absent:
        store.add_feed(absent.base + "/feed")
        list(refresh_feeds(store, LOCAL, pipeline=Pipeline(store, LOCAL)))
    assert feed(store, absent.base + "/feed")["article_count"] == 1


def test_robots_txt_goes_through_the_address_guard(store: Store) -> None:
    with serve({"/robots.txt": Reply(200, b""), "/feed": LiveFeed("p1")}) as server:
        store.add_feed(server.base + "/feed")
        list(refresh_feeds(store, IngestOptions(timeout=5), pipeline=Pipeline(store, LOCAL)))
        assert server.hits == []
    error = feed(store, server.base + "/feed")["last_error"]
    assert error.startswith("refused: 127.0.0.1 resolves to a private") and error.endswith("/robots.txt)")


def test_crawl_delay_spaces_requests_to_a_host(store: Store) -> None:
    times: dict[str, float] = {}

    def timed(path: str, reply: Reply) -> Route:
        def handle(handler: Handler) -> Reply:
            times[path] = time.monotonic()
            return reply
        return handle

    page = f"<html><body><p>{article_text('delay')}</p></body></html>".encode()
    with serve({"/robots.txt": Reply(200, b"User-agent: storyline\nCrawl-delay: 1\n")}) as server:
        server.routes["/feed"] = timed("/feed", Reply(200, rss(teaser_item(server.base + "/page", "d1")), RSS))
        server.routes["/page"] = timed("/page", Reply(200, page, HTML))
        store.add_feed(server.base + "/feed")
        list(refresh_feeds(store, LOCAL, pipeline=Pipeline(store, LOCAL)))
    assert times["/page"] - times["/feed"] >= 0.95


def test_one_shot_ingest_of_a_named_url_does_not_consult_robots() -> None:
    """`storyline ingest URL` fetches what a person named, as a browser would (see README)."""
    page = f"<html><body><p>{article_text('named')}</p></body></html>".encode()
    with serve({"/robots.txt": Reply(200, b"User-agent: *\nDisallow: /\n"), "/page": Reply(200, page, HTML)}) as server:
        [document] = list(read_inputs([server.base + "/page"], LOCAL))
    assert document.source == server.base + "/page" and [hit[0] for hit in server.hits] == ["/page"]


# -- the server --------------------------------------------------------------


def _wait_for(condition: Callable[[], Any], seconds: float = 10.0) -> Any:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"still waiting after {seconds} s")


def test_serve_refreshes_feeds_in_the_background_and_updates_stories(store: Store) -> None:
    live = LiveFeed("s1")
    fast = SchedulePolicy(first_interval=1, min_interval=1, max_interval=2, max_errors=3)
    with serve({"/feed": live}) as server:
        url = server.base + "/feed"
        store.add_feed(url, "Local news")
        app = create_app(store.location, refresh=config(utcnow, policy=fast))
        site = app.state.site
        assert site.poller is None
        with TestClient(app, base_url="http://127.0.0.1:8000") as client:
            poller = site.poller
            assert poller is not None

            def article_with(guid: str) -> str | None:
                return next((a.id for a in store.iter_articles() if a.url == f"https://news.example/{guid}"), None)

            first = _wait_for(lambda: article_with("s1"))
            live.guids.append("s2")
            second = _wait_for(lambda: article_with("s2"))
            assert _wait_for(lambda: store.story_of_article(first) and store.story_of_article(second))
            twin = client.get("/sources.json").json()["feeds"][0]
            assert twin["url"] == url and twin["article_count"] == 2 and not twin["stopped"]
            assert twin["last_fetched"] and twin["next_due"] and twin["interval_seconds"] in (1, 2)
        assert site.poller is None
        assert poller._thread is not None and not poller._thread.is_alive()  # stopped with the server
        polled = len(server.hits)
        time.sleep(0.3)
        assert len(server.hits) == polled
    assert all(headers["User-Agent"] == LOCAL.user_agent for _, headers in server.hits)
    assert [path for path, _ in server.hits][:2] == ["/robots.txt", "/feed"]

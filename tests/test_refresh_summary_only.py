"""Every entry of a feed is kept: summary-only when its page cannot be had, its page fetched
again later and stored over the summary, never a summary over a full article."""

from __future__ import annotations

from pathlib import Path

from test_ingest_http import Reply, Route, serve
from test_refresh_poller import LOCAL, RSS, FakeClock, article_text, config, feed

from storyline.article import Failure, RawDocument
from storyline.ingest import IngestOptions, read_inputs
from storyline.pipeline import Outcome, Pipeline
from storyline.poller import Poller
from storyline.refresh import FIRST_RETRY, KEPT_FULL, MAX_RETRIES, refresh_feeds
from storyline.store import Store

HTML = {"Content-Type": "text/html; charset=utf-8"}
SUMMARY = "The harbour board will vote on the pier tonight, after a long debate."


def feed_xml(items: str, encoding: str = "utf-8", declared: str = "utf-8") -> bytes:
    return (f'<?xml version="1.0" encoding="{declared}"?><rss version="2.0"><channel><title>Harbour News</title>'
            f"<link>https://harbour.example/</link><description>d</description>{items}</channel></rss>"
            ).encode(encoding)


def item(guid: str, link: str | None, description: str | None = SUMMARY, title: str = "Pier vote tonight") -> str:
    parts = [f"<title>{title}</title>", f"<guid isPermaLink=\"false\">{guid}</guid>"]
    if link:
        parts.append(f"<link>{link}</link>")
    if description is not None:
        parts.append(f"<description>{description}</description>")
    return "<item>" + "".join(parts) + "</item>"


def page(seed: str) -> bytes:
    paragraphs = "".join(f"<p>{article_text(seed + str(i))}</p>" for i in range(4))
    return (f"<html><head><title>Pier vote</title></head><body><article><h1>Pier vote</h1>{paragraphs}"
            "</article></body></html>").encode()


def refresh(store: Store, clock: FakeClock) -> list[Outcome]:
    return list(refresh_feeds(store, LOCAL, pipeline=Pipeline(store, LOCAL), clock=clock))


def only(outcomes: list[Outcome]) -> Outcome:
    assert len(outcomes) == 1, outcomes
    return outcomes[0]


def test_entry_whose_page_is_missing_is_kept_then_completed_when_the_page_appears(store: Store) -> None:
    clock = FakeClock()
    routes: dict[str, Route] = {}
    with serve(routes) as server:
        routes["/feed"] = Reply(200, feed_xml(item("pier-1", server.base + "/pier")), RSS)
        store.add_feed(server.base + "/feed")
        first = only(refresh(store, clock))  # /pier answers 404
        assert first.status == "new" and first.article_id is not None
        stored = store.get_article(first.article_id, enrichment=False)
        assert stored is not None and stored.body == SUMMARY and stored.title == "Pier vote tonight"
        mark = store.summary_only(first.article_id)
        assert mark is not None and mark.reason == "HTTP 404 Not Found" and mark.page_url == server.base + "/pier"
        assert first.reason == "summary only: HTTP 404 Not Found"
        assert store.summary_only_count(server.base + "/feed") == 1
        assert [row["summary_only"] for row in store.list_feeds()] == [1]

        routes["/feed"] = Reply(200, feed_xml(""), RSS)  # the entry has left the feed
        routes["/pier"] = Reply(200, page("pier"), HTML)
        assert refresh(store, clock) == []  # not due yet: nothing fetched again
        assert [hit[0] for hit in server.hits].count("/pier") == 1
        clock.advance(FIRST_RETRY + 1)
        retried = only(refresh(store, clock))
    assert retried.status == "updated" and retried.article_id == first.article_id
    full = store.get_article(first.article_id, enrichment=False)
    assert full is not None and article_text("pier0")[:60] in full.body and full.title == "Pier vote tonight"
    assert store.summary_only(first.article_id) is None
    assert feed(store, server.base + "/feed")["last_error"] is None


def test_the_next_poll_stores_the_page_once_it_answers(store: Store) -> None:
    clock = FakeClock()
    routes: dict[str, Route] = {}
    with serve(routes) as server:
        routes["/feed"] = Reply(200, feed_xml(item("pier-5", server.base + "/pier")), RSS)
        first = only(refresh_once(store, server.base + "/feed", clock))
        assert first.status == "new" and first.article_id is not None
        assert store.summary_only(first.article_id) is not None
        routes["/pier"] = Reply(200, page("later"), HTML)
        second = only(refresh(store, clock))
    assert second.status == "updated" and second.article_id == first.article_id
    assert store.summary_only(first.article_id) is None


def refresh_once(store: Store, url: str, clock: FakeClock) -> list[Outcome]:
    store.add_feed(url)
    return refresh(store, clock)


def test_the_background_poller_retries_summary_only_pages_too(store: Store) -> None:
    clock = FakeClock()
    routes: dict[str, Route] = {}
    poller = Poller(store, config(clock, stories=False))
    try:
        with serve(routes) as server:
            routes["/feed"] = Reply(200, feed_xml(item("pier-6", server.base + "/pier")), RSS)
            store.add_feed(server.base + "/feed")
            assert poller.run_once() == 1
            (row,) = [store.summary_only(a) for a in _article_ids(store)]
            assert row is not None and row.reason == "HTTP 404 Not Found"
            routes["/feed"] = Reply(200, feed_xml(""), RSS)
            routes["/pier"] = Reply(200, page("poller"), HTML)
            clock.advance(FIRST_RETRY + 1)  # the feed and the retry are both due
            assert poller.run_once() == 1
        assert store.summary_only(row.article_id) is None
        full = store.get_article(row.article_id, enrichment=False)
        assert full is not None and article_text("poller0")[:60] in full.body
    finally:
        poller.stop(timeout=5)


def _article_ids(store: Store) -> list[str]:
    from sqlalchemy import text

    with store.transaction("list article ids") as conn:
        return [row[0] for row in conn.execute(text("SELECT id FROM articles")).fetchall()]


def test_a_summary_is_never_stored_over_the_full_article(store: Store) -> None:
    clock = FakeClock()
    routes: dict[str, Route] = {}
    with serve(routes) as server:
        routes["/feed"] = Reply(200, feed_xml(item("pier-2", server.base + "/pier")), RSS)
        routes["/pier"] = Reply(200, page("full"), HTML)
        store.add_feed(server.base + "/feed")
        first = only(refresh(store, clock))
        assert first.status == "new" and first.article_id is not None
        body = store.get_article(first.article_id, enrichment=False).body  # type: ignore[union-attr]
        del routes["/pier"]  # the page is gone now
        again = only(refresh(store, clock))
    assert again.status == "unchanged" and again.reason == KEPT_FULL
    assert store.get_article(first.article_id, enrichment=False).body == body  # type: ignore[union-attr]
    assert store.summary_only(first.article_id) is None


def test_retries_back_off_then_give_up(store: Store) -> None:
    clock = FakeClock()
    with serve({}) as server:
        server.routes["/feed"] = Reply(200, feed_xml(item("pier-3", server.base + "/never")), RSS)
        store.add_feed(server.base + "/feed")
        first = only(refresh(store, clock))
        assert first.article_id is not None
        server.routes["/feed"] = Reply(200, feed_xml(""), RSS)  # only the retries fetch the page now
        waits = []
        for _ in range(MAX_RETRIES + 2):
            mark = store.summary_only(first.article_id)
            assert mark is not None
            if mark.next_try is None:
                break
            clock.to(mark.next_try)
            waits.append(mark.next_try)
            refresh(store, clock)
        final = store.summary_only(first.article_id)
    assert final is not None and final.attempts == MAX_RETRIES and final.next_try is None
    assert final.reason == "HTTP 404 Not Found"
    assert len(waits) == MAX_RETRIES
    assert [hit[0] for hit in server.hits].count("/never") == MAX_RETRIES + 1
    assert store.get_article(first.article_id, enrichment=False).body == SUMMARY  # type: ignore[union-attr]


def test_a_page_without_article_text_keeps_the_entry_summary(store: Store) -> None:
    clock = FakeClock()
    with serve({}) as server:
        server.routes["/feed"] = Reply(200, feed_xml(item("pier-4", server.base + "/empty")), RSS)
        server.routes["/empty"] = Reply(200, b"<html><body><nav><a href='/'>Home</a></nav></body></html>", HTML)
        store.add_feed(server.base + "/feed")
        outcome = only(refresh(store, clock))
    assert outcome.status == "new" and outcome.article_id is not None
    assert store.get_article(outcome.article_id, enrichment=False).body == SUMMARY  # type: ignore[union-attr]
    mark = store.summary_only(outcome.article_id)
    assert mark is not None and mark.reason == "the page has no article text"


# -- feed files ---------------------------------------------------------------

UNREACHABLE = "http://127.0.0.1:9/"  # the discard port: nothing listens, and it is refused anyway


def read(path: Path) -> list[RawDocument | Failure]:
    return list(read_inputs([str(path)], IngestOptions(timeout=2)))


def test_plain_text_description_is_an_article(tmp_path: Path, store: Store) -> None:
    long_text = " ".join(article_text("plain").split()[:140])
    path = tmp_path / "plain.xml"
    path.write_bytes(feed_xml(item("plain-1", UNREACHABLE + "a", long_text, "A plain one")
                              + item("plain-2", UNREACHABLE + "b", "Short plain text &amp; an entity.", "Short")))
    outcomes = list(Pipeline(store, IngestOptions(timeout=2)).run([str(path)]))
    assert [o.status for o in outcomes] == ["new", "new"], [o.reason for o in outcomes]
    bodies = [store.get_article(o.article_id, enrichment=False).body for o in outcomes]  # type: ignore[arg-type, union-attr]
    assert bodies == [long_text, "Short plain text & an entity."]


def test_entry_without_content_or_reachable_page_is_kept(tmp_path: Path) -> None:
    path = tmp_path / "bare.xml"
    path.write_bytes(feed_xml(item("bare-1", UNREACHABLE + "x", None, "Only a title")
                              + item("bare-2", None, None, "No link either")))
    first, second = read(path)
    assert isinstance(first, RawDocument) and first.text == "Only a title" and "summary_only" in first.given
    assert isinstance(second, RawDocument) and second.given["summary_only"] == "the entry has no link"


def test_entry_with_nothing_at_all_is_skipped_with_the_reason(tmp_path: Path) -> None:
    path = tmp_path / "nothing.xml"
    path.write_bytes(feed_xml('<item><guid isPermaLink="false">n-1</guid></item>'))
    (failure,) = read(path)
    assert isinstance(failure, Failure)
    assert failure.reason == "entry has no title, summary or content (and its page could not be fetched: the entry has no link)"


def test_empty_feed_says_so(tmp_path: Path) -> None:
    path = tmp_path / "empty.xml"
    path.write_bytes(feed_xml(""))
    assert read(path) == [Failure(str(path.absolute()), "the feed has no entries")]


def test_utf16_without_bom_and_unknown_encoding_feed_files(tmp_path: Path) -> None:
    for name, data in (("utf16.xml", feed_xml(item("u-1", None), "utf-16-le", "utf-16")),
                       ("klingon.xml", feed_xml(item("k-1", None), "utf-8", "x-klingon"))):
        path = tmp_path / name
        path.write_bytes(data)
        (doc,) = read(path)
        assert isinstance(doc, RawDocument), doc
        assert doc.text == SUMMARY and doc.given["title"] == "Pier vote tonight"


def test_cdf_channel_items_are_entries_and_an_itemless_channel_says_so(tmp_path: Path) -> None:
    with_item = tmp_path / "cdf.xml"
    with_item.write_bytes(b"<CHANNEL><TITLE>Harbour</TITLE><ITEM><TITLE>Pier vote tonight</TITLE>"
                          b"<ABSTRACT>The board votes tonight.</ABSTRACT></ITEM></CHANNEL>")
    (doc,) = read(with_item)
    assert isinstance(doc, RawDocument) and doc.text == "The board votes tonight."
    bare = tmp_path / "bare-cdf.xml"
    bare.write_bytes(b"<CHANNEL><TITLE>Harbour</TITLE></CHANNEL>")
    assert read(bare) == [Failure(str(bare.absolute()), "the feed has no entries")]

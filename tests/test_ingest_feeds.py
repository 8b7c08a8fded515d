"""Feeds over a real local server: conditional GET, teasers, hostile XML, formats, discovery."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from test_ingest_http import HTML, LOCAL, Handler, Reply, Route, serve

from storyline.article import Failure, RawDocument
from storyline.ingest import IngestOptions, discover_feeds, is_truncated, poll_feed, read_inputs

BODY = " ".join(["Sir Keir Starmer hailed real progress on Ukraine after the talks in Washington."] * 12)
RSS_TYPE = {"Content-Type": "application/rss+xml; charset=utf-8"}
ETAG = '"feed-v1"'
LAST_MODIFIED = "Mon, 18 Aug 2025 21:00:00 GMT"


def rss(items: str, title: str = "The Example Times") -> bytes:
    return f"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"
     xmlns:dc="http://purl.org/dc/elements/1.1/">
<channel><title>{title}</title><link>https://news.example/</link><description>d</description>
{items}
</channel></rss>""".encode()


FULL_ITEM = f"""<item><title>Leaders gather at the White House</title>
<link>https://news.example/leaders</link><guid isPermaLink="false">leaders-1</guid>
<dc:creator>Tom Watling</dc:creator>
<pubDate>Mon, 18 Aug 2025 20:15:00 +0000</pubDate>
<description>Short summary.</description>
<content:encoded><![CDATA[<p>{BODY}</p>]]></content:encoded></item>"""


def teaser_item(link: str, guid: str) -> str:
    return f"""<item><title>Teaser {guid}</title><link>{link}</link><guid>{guid}</guid>
<pubDate>Tue, 19 Aug 2025 08:00:00 GMT</pubDate>
<description><![CDATA[<p>Zelensky arrived in Washington on Monday for talks […]</p>]]></description></item>"""


def conditional(body: bytes) -> Route:
    def reply(handler: Handler) -> Reply:
        if handler.headers.get("If-None-Match") == ETAG or handler.headers.get("If-Modified-Since") == LAST_MODIFIED:
            return Reply(304)
        return Reply(200, body, {**RSS_TYPE, "ETag": ETAG, "Last-Modified": LAST_MODIFIED})
    return reply


def test_poll_with_conditional_get() -> None:
    with serve({"/feed": conditional(rss(FULL_ITEM))}) as server:
        url = server.base + "/feed"
        first = poll_feed(url, LOCAL)
        assert (first.status, first.etag, first.last_modified) == (200, ETAG, LAST_MODIFIED)
        assert (first.title, first.site_url, first.failures) == ("The Example Times", "https://news.example/", [])
        [doc] = first.documents
        assert doc.kind == "html" and BODY in (doc.html or "")
        assert doc.source == doc.url == "https://news.example/leaders" and doc.collection == url
        assert doc.given == {
            "title": "Leaders gather at the White House", "authors": ["Tom Watling"], "published": "2025-08-18",
            "url": "https://news.example/leaders", "id": "leaders-1", "publisher": "The Example Times",
        }
        by_etag = poll_feed(url, LOCAL, etag=first.etag)
        by_date = poll_feed(url, LOCAL, last_modified=first.last_modified)
        for again in (by_etag, by_date):
            assert again.status == 304 and again.documents == [] and again.failures == []
        # the validators sent are handed back, so they can be stored for the next poll
        assert (by_etag.etag, by_date.last_modified) == (ETAG, LAST_MODIFIED)
        sent = [hit[1] for hit in server.hits]
        assert sent[1]["If-None-Match"] == ETAG and sent[2]["If-Modified-Since"] == LAST_MODIFIED
        server.routes["/moved"] = Reply(301, b"", {"Location": "/feed"})
        moved = poll_feed(server.base + "/moved", LOCAL)
        assert moved.final_url == url and len(moved.documents) == 1
        assert moved.documents[0].collection == server.base + "/moved"


def test_truncated_entry_fetches_the_full_page_or_falls_back() -> None:
    page = f"<html><head><link rel='canonical' href='/story/full'></head><body><p>{BODY}</p></body></html>"
    with serve({"/page": Reply(200, page.encode(), HTML)}) as server:
        items = (teaser_item(server.base + "/page", "t-1") + teaser_item(server.base + "/gone", "t-2")
                 + teaser_item("http://169.254.169.254/latest/meta-data/", "t-3")
                 + "<item><title>Nothing</title><guid isPermaLink=\"false\">t-4</guid></item>")
        server.routes["/feed"] = Reply(200, rss(items), RSS_TYPE)
        poll = poll_feed(server.base + "/feed", LOCAL)
    full, fallback, private, nothing = poll.documents
    assert private.kind == "body" and private.given["summary_only"].startswith("refused:")
    assert poll.failures == []  # every entry is kept, even one with only a title
    assert nothing.text == "Nothing" and nothing.given["summary_only"] == "the entry has no link"
    assert full.html == page and full.url == server.base + "/story/full"
    assert full.given["title"] == "Teaser t-1" and "summary_only" not in full.given
    assert full.given["published"] == "2025-08-19"
    assert fallback.kind == "body" and fallback.url == server.base + "/gone"
    assert fallback.text == "Zelensky arrived in Washington on Monday for talks […]"
    assert fallback.given["summary_only"] == "HTTP 404 Not Found"
    assert [hit[0] for hit in server.hits] == ["/feed", "/page", "/gone"]


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE rss [<!ENTITY lol "lol"><!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">]>
<rss version="2.0"><channel><title>&lol2;</title><item><title>x</title><link>https://a.example/</link></item></channel></rss>"""
XXE = b"""<?xml version="1.0"?>
<!DOCTYPE rss [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<rss version="2.0"><channel><title>t</title><item><title>&xxe;</title><description>&xxe;</description>
<link>https://a.example/</link></item></channel></rss>"""


def test_hostile_feeds_fail_clearly_while_a_good_one_still_yields() -> None:
    routes: dict[str, Route] = {
        "/laughs": Reply(200, BILLION_LAUGHS, RSS_TYPE),
        "/xxe": Reply(200, XXE, RSS_TYPE),
        "/good": Reply(200, rss(FULL_ITEM), RSS_TYPE),
    }
    with serve(routes) as server:
        urls = [server.base + path for path in ("/laughs", "/xxe", "/good")]
        items = list(read_inputs(urls, LOCAL))
    laughs, xxe, good = items
    assert isinstance(laughs, Failure) and laughs.source == urls[0]
    assert laughs.reason.startswith("refused hostile XML") and "billion laughs" in laughs.reason
    assert isinstance(xxe, Failure) and xxe.source == urls[1]
    assert xxe.reason.startswith("refused hostile XML") and "XXE" in xxe.reason
    assert isinstance(good, RawDocument) and good.given["id"] == "leaders-1"


def test_atom_and_json_feeds() -> None:
    atom = f"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Atom News</title>
<link rel="alternate" href="https://atom.example/"/><id>urn:x</id><updated>2025-12-08T10:00:00Z</updated>
<entry><title>Atom entry</title><link href="https://atom.example/e1"/><id>urn:e1</id>
<updated>2025-12-08T10:00:00Z</updated><author><name>Millie Cooke</name></author>
<content type="html">&lt;p&gt;{BODY}&lt;/p&gt;</content></entry></feed>""".encode()
    jsonfeed = json.dumps({
        "version": "https://jsonfeed.org/version/1.1", "title": "JSON News", "home_page_url": "https://json.example/",
        "items": [{"id": "j1", "url": "https://json.example/j1", "title": "JSON entry",
                   "date_published": "2025-12-12T07:30:00+01:00", "authors": [{"name": "Ann Author"}],
                   "content_text": BODY}],
    }).encode()
    routes: dict[str, Route] = {
        "/atom": Reply(200, atom, {"Content-Type": "application/atom+xml"}),
        "/json": Reply(200, jsonfeed, {"Content-Type": "application/feed+json"}),
    }
    with serve(routes) as server:
        atom_poll = poll_feed(server.base + "/atom", LOCAL)
        json_poll = poll_feed(server.base + "/json", LOCAL)
    [a] = atom_poll.documents
    assert (atom_poll.title, atom_poll.site_url) == ("Atom News", "https://atom.example/")
    assert a.given == {"title": "Atom entry", "authors": ["Millie Cooke"], "published": "2025-12-08",
                       "url": "https://atom.example/e1", "id": "urn:e1", "publisher": "Atom News"}
    assert BODY in (a.html or "")
    [j] = json_poll.documents
    assert (json_poll.title, json_poll.site_url) == ("JSON News", "https://json.example/")
    assert j.given == {"title": "JSON entry", "authors": ["Ann Author"], "published": "2025-12-12",
                       "url": "https://json.example/j1", "id": "j1", "publisher": "JSON News"}
    assert j.kind == "html" and BODY in (j.html or "")


def test_page_url_is_an_article_and_feed_url_yields_entries() -> None:
    page = ("<html><head><link rel='alternate' type='application/rss+xml' href='/feed'>"
            "<link rel='alternate' type='application/atom+xml' href='https://other.example/atom.xml'>"
            f"</head><body><p>{BODY}</p></body></html>")
    with serve({"/story": Reply(200, page.encode(), HTML), "/feed": Reply(200, rss(FULL_ITEM), RSS_TYPE),
                "/plain": Reply(200, b"Just words.", {"Content-Type": "text/plain"})}) as server:
        assert discover_feeds(page, server.base + "/story") == [server.base + "/feed", "https://other.example/atom.xml"]
        items = list(read_inputs([server.base + "/story", server.base + "/feed", server.base + "/plain"], LOCAL))
        not_feed = poll_feed(server.base + "/story", LOCAL)
    story, entry, plain = items
    assert isinstance(story, RawDocument) and (story.kind, story.source, story.html) == ("html", server.base + "/story", page)
    assert isinstance(entry, RawDocument) and entry.source == "https://news.example/leaders"
    assert isinstance(plain, RawDocument) and (plain.kind, plain.text) == ("text", "Just words.")
    assert not_feed.documents == []
    assert not_feed.failures[0].reason == f"not a feed; the page advertises {server.base}/feed, https://other.example/atom.xml"


def test_unreachable_feed_is_one_failure() -> None:
    poll = poll_feed("http://127.0.0.1:9/feed", IngestOptions(timeout=2))
    assert poll.status == 0 and poll.documents == []
    assert poll.failures[0].reason.startswith("refused")


def test_local_feed_file(tmp_path: Path) -> None:
    path = tmp_path / "saved.rss"
    path.write_bytes(rss(FULL_ITEM))
    [doc] = read_inputs([str(path)], IngestOptions())
    assert isinstance(doc, RawDocument) and doc.collection == str(path.absolute())
    assert doc.given["publisher"] == "The Example Times"


@pytest.mark.parametrize(
    ("fragment", "truncated"),
    [
        (None, True),
        ("<p>Short summary.</p>", True),
        (f"<p>{BODY}</p>", False),
        (f"<p>{BODY} And then…</p>", True),
        (f"<p>{BODY} [...]</p>", True),
        (f"<p>{BODY}</p><p><a href='/x'>Read more</a></p>", True),
        (f"<p>{BODY}</p><p>Continue reading <a href='/x'>Leaders meet</a></p>", True),
    ],
)
def test_is_truncated(fragment: str | None, truncated: bool) -> None:
    assert is_truncated(fragment) is truncated

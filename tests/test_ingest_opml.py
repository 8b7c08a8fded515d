"""OPML: nested outlines in, flat list out, hostile XML refused, feeds polled from a file."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_ingest_feeds import FULL_ITEM, RSS_TYPE, rss
from test_ingest_http import LOCAL, Reply, serve

from storyline.article import RawDocument
from storyline.ingest import OPMLError, OutlineFeed, read_inputs, read_opml, write_opml

NESTED = """<?xml version="1.0" encoding="UTF-8"?>
<opml version="1.0"><head><title>Subscriptions</title></head><body>
  <outline text="News">
    <outline text="UK">
      <outline type="rss" text="The Example Times" xmlUrl="https://news.example/feed" htmlUrl="https://news.example/"/>
    </outline>
    <outline type="rss" title="Wire &amp; Co" text="ignored" xmlUrl="https://wire.example/rss"/>
  </outline>
  <outline text="A folder with no feeds"/>
  <outline type="rss" text="Dup" xmlUrl="https://news.example/feed"/>
  <outline type="rss" text="Café Journal" xmlURL="https://cafe.example/atom.xml"/>
</body></opml>"""


def test_read_nested_outlines() -> None:
    assert read_opml(NESTED) == [
        OutlineFeed("https://news.example/feed", "The Example Times", "https://news.example/", "News/UK"),
        OutlineFeed("https://wire.example/rss", "Wire & Co", None, "News"),
        OutlineFeed("https://cafe.example/atom.xml", "Café Journal", None),
    ]


def test_round_trip() -> None:
    feeds = read_opml(NESTED)
    written = write_opml(feeds)
    assert written.startswith('<?xml version="1.0" encoding="UTF-8"?>')
    assert read_opml(written) == feeds
    assert read_opml(write_opml([])) == []


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('<?xml version="1.0"?><!DOCTYPE opml [<!ENTITY a "aaaa">]><opml><body>&a;</body></opml>', "hostile XML"),
        ('<?xml version="1.0"?><!DOCTYPE opml [<!ENTITY x SYSTEM "file:///etc/passwd">]><opml>&x;</opml>', "hostile XML"),
        ("<opml><body><outline", "not valid OPML"),
        ("<rss><channel/></rss>", "root element is <rss>"),
    ],
)
def test_bad_opml_is_refused(text: str, message: str) -> None:
    with pytest.raises(OPMLError, match=message):
        read_opml(text)


def test_opml_file_polls_its_feeds(tmp_path: Path) -> None:
    with serve({"/feed": Reply(200, rss(FULL_ITEM), RSS_TYPE)}) as server:
        path = tmp_path / "subs.opml"
        path.write_text(write_opml([OutlineFeed(server.base + "/feed", "Local"),
                                    OutlineFeed(server.base + "/missing", "Gone")]), encoding="utf-8")
        items = list(read_inputs([str(path)], LOCAL))
    doc, failure = items
    assert isinstance(doc, RawDocument) and doc.collection == server.base + "/feed"
    assert failure.source == server.base + "/missing" and getattr(failure, "reason", "") == "HTTP 404 Not Found"

"""``storyline refresh``: one feed's failure is recorded on it and the other feeds are polled;
feeds in encodings the XML parsers cannot take (an unknown declared label, UTF-16 or
UTF-32 without a BOM) are read."""

from __future__ import annotations

from typing import Any

import pytest
from test_ingest_http import Reply, Route, serve
from test_refresh_poller import LOCAL, POLICY, RSS, FakeClock, LiveFeed, article_text, feed

from storyline.ingest.decode import binary_kind, decode, unmarked_utf
from storyline.ingest.feedparse import HostileFeed, is_feed, parse
from storyline.pipeline import Pipeline
from storyline.refresh import refresh_feeds
from storyline.scheduler import SchedulePolicy
from storyline.store import Store


def _feed_in(encoding: str, declared: str | None, guid: str = "ete") -> bytes:
    declaration = f'<?xml version="1.0" encoding="{declared}"?>' if declared else '<?xml version="1.0"?>'
    body = (f'{declaration}<rss version="2.0"><channel><title>Le Café du Port</title>'
            f"<link>https://port.example/</link><description>d</description>"
            f"<item><title>Été au café</title><link>https://port.example/{guid}</link><guid>{guid}</guid>"
            f"<description><![CDATA[<p>{article_text(guid)}</p>]]></description></item></channel></rss>")
    return body.encode(encoding)


@pytest.mark.parametrize(("encoding", "declared"), [
    ("utf-8", "x-klingon"), ("utf-8", "utf-99"), ("utf-16-le", None), ("utf-16-be", "utf-16"),
    ("utf-32-le", None), ("utf-32-be", None),
])
def test_feeds_the_xml_parsers_cannot_take_are_read(encoding: str, declared: str | None) -> None:
    data = _feed_in(encoding, declared)
    assert binary_kind(data) is None
    assert is_feed(data)
    parsed = parse(data, "https://port.example/feed", "application/rss+xml")
    assert parsed.title == "Le Café du Port"
    assert [entry.title for entry in parsed.entries] == ["Été au café"]


def test_an_unknown_charset_from_the_server_falls_back_to_detection() -> None:
    for encoding in ("utf-8", "latin-1"):
        data = _feed_in(encoding, None)
        parsed = parse(data, "https://port.example/feed", "application/rss+xml; charset=x-bogus")
        assert parsed.title == "Le Café du Port" and [e.title for e in parsed.entries] == ["Été au café"]


def test_text_in_utf16_without_bom_is_text_not_binary() -> None:
    text = "Le conseil a voté mardi. Les pêcheurs étaient présents.\n"
    for encoding in ("utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be"):
        data = text.encode(encoding)
        assert unmarked_utf(data) == encoding and binary_kind(data) is None
        assert decode(data) == text
    assert binary_kind(b"\x00\x01\x02\x03" * 64) is not None  # real binary stays binary
    assert unmarked_utf(text.encode("utf-8")) is None


def test_an_unknown_encoding_stops_neither_its_feed_nor_the_others(store: Store) -> None:
    clock = FakeClock()
    routes: dict[str, Route] = {"/klingon": Reply(200, _feed_in("utf-8", "x-klingon"), RSS),
                                "/utf16": Reply(200, _feed_in("utf-16-le", None, "u16"), RSS),
                                "/good": LiveFeed("g1")}
    with serve(routes) as server:
        for path in routes:
            store.add_feed(server.base + path)
        outcomes = list(refresh_feeds(store, LOCAL, pipeline=Pipeline(store, LOCAL), clock=clock))
    assert [o.status for o in outcomes] == ["new", "new", "new"], [o.reason for o in outcomes]
    for path in routes:
        row = feed(store, server.base + path)
        assert row["last_error"] is None and row["article_count"] == 1


def test_a_feed_that_fails_unexpectedly_is_recorded_and_the_others_refresh(
        store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    import storyline.refresh

    real_poll = storyline.refresh.poll

    def exploding(feed_row: dict[str, Any], *args: Any, **kwargs: Any) -> Any:
        if feed_row["url"].endswith("/explodes"):
            raise LookupError("unknown encoding: x-klingon")
        return real_poll(feed_row, *args, **kwargs)

    monkeypatch.setattr(storyline.refresh, "poll", exploding)
    monkeypatch.setattr(SchedulePolicy, "from_settings", classmethod(lambda cls: POLICY))
    clock = FakeClock()
    with serve({"/explodes": LiveFeed("x1"), "/good": LiveFeed("g1"), "/also": LiveFeed("a1")}) as server:
        for path in ("/good", "/explodes", "/also"):
            store.add_feed(server.base + path)
        outcomes = list(refresh_feeds(store, LOCAL, pipeline=Pipeline(store, LOCAL), clock=clock))
    by_source = {o.source: o for o in outcomes}
    failed = by_source[server.base + "/explodes"]
    assert failed.status == "skipped"
    assert failed.reason == "feed not refreshed: unexpected error: LookupError: unknown encoding: x-klingon"
    exploded = feed(store, server.base + "/explodes")
    assert exploded["last_error"] == "unexpected error: LookupError: unknown encoding: x-klingon"
    assert exploded["error_count"] == 1 and exploded["next_due"]
    for path in ("/good", "/also"):
        assert feed(store, server.base + path)["article_count"] == 1


@pytest.mark.parametrize(("encoding", "declared"), [("utf-16-le", "utf-16"), ("utf-32-be", None), ("utf-8", "x-klingon")])
def test_hostile_xml_is_refused_in_any_encoding(encoding: str, declared: str | None) -> None:
    declaration = f'<?xml version="1.0" encoding="{declared}"?>' if declared else '<?xml version="1.0"?>'
    for doctype in ('<!DOCTYPE rss [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;">]>',
                    '<!DOCTYPE rss [<!ENTITY x SYSTEM "file:///etc/passwd">]>'):
        data = (f'{declaration}{doctype}<rss version="2.0"><channel><title>t</title>'
                "<item><title>&b;</title><description>&x;</description></item></channel></rss>").encode(encoding)
        with pytest.raises(HostileFeed):
            parse(data, "https://port.example/feed", "application/rss+xml")

"""Feeds: poll one with conditional GET and turn its entries into documents.

An entry with its full article in the feed becomes an HTML document as it is.
An entry that is only a teaser (short, or ending in "…", "[...]", "Read more")
is replaced by the page at its link, fetched through the safe fetcher; when that
fails the teaser is kept and ``given["note"]`` says why.
"""

from __future__ import annotations

import html as htmllib
import re
from dataclasses import dataclass, field
from typing import Any

from storyline.article import Failure, RawDocument
from storyline.ingest.decode import charset_from_content_type
from storyline.ingest.feedparse import FeedData, FeedEntry, FeedError, is_feed, parse
from storyline.ingest.fetch import Fetcher, FetchError, FetchResult
from storyline.ingest.options import IngestOptions
from storyline.ingest.pagelinks import discover_feeds
from storyline.ingest.rawdoc import document_from_bytes

# An entry whose text is shorter than this is taken for a teaser.
MIN_FULL_TEXT = 600
_TAG = re.compile(r"<[^>]*>")
_MORE = re.compile(
    r"(?:…|\.\.\.|\[\s*(?:…|\.\.\.)\s*\]|\bread more\b|\bcontinue reading\b|\bread the full\b|"
    r"\bkeep reading\b|\bfull story\b)[^\w]*$",
    re.I,
)
_CONTINUE = re.compile(r"\bcontinue reading\b", re.I)


@dataclass(slots=True)
class FeedPoll:
    status: int  # HTTP status; 304 when not modified, 0 when nothing was received
    final_url: str | None = None  # where the feed was found after redirects
    title: str | None = None
    site_url: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    documents: list[RawDocument] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)  # of the feed's response, lower-case names
    ttl: int | None = None  # RSS <ttl>, minutes


def plain_text(fragment: str) -> str:
    return " ".join(htmllib.unescape(_TAG.sub(" ", fragment)).split())


def is_truncated(fragment: str | None) -> bool:
    """True when an entry's HTML is a teaser rather than the whole article."""
    if not fragment:
        return True
    text = plain_text(fragment)
    if len(text) < MIN_FULL_TEXT:
        return True
    tail = text[-200:]
    return bool(_MORE.search(tail) or _CONTINUE.search(tail))


def _given(entry: FeedEntry, feed: FeedData) -> dict[str, Any]:
    given: dict[str, Any] = {
        "title": entry.title,
        "authors": entry.authors or None,
        "published": entry.published,
        "url": entry.link,
        "id": entry.id,
        "publisher": feed.title,
        "image": entry.image,
    }
    return {k: v for k, v in given.items() if v}


def _full_page(link: str, source: str, given: dict[str, Any], feed_url: str, fetcher: Fetcher) -> RawDocument | str:
    """The document at ``link``, or the reason it could not be had."""
    try:
        result = fetcher.fetch(link)
    except FetchError as exc:
        return exc.reason
    if is_feed(result.content, result.content_type):
        return "the entry link is a feed, not a page"
    doc = document_from_bytes(
        result.content,
        source,
        declared_charset=charset_from_content_type(result.content_type),
        url=result.final_url,
        given=given,
        collection=feed_url,
    )
    return doc.reason if isinstance(doc, Failure) else doc


def entry_document(
    entry: FeedEntry, feed: FeedData, feed_url: str, index: int, fetcher: Fetcher
) -> RawDocument | Failure:
    """One feed entry as a document; see the module docstring for truncated entries."""
    source = entry.link or f"{feed_url}#{entry.id or index}"
    given = _given(entry, feed)
    if entry.content and not is_truncated(entry.content):
        return RawDocument(
            source=source, kind="html", html=entry.content, url=entry.link, given=given, collection=feed_url
        )
    if entry.link:
        page = _full_page(entry.link, source, given, feed_url, fetcher)
        if isinstance(page, RawDocument):
            return page
        reason = page
    else:
        reason = "the entry has no link"
    teaser = entry.content or entry.summary
    if not teaser or not plain_text(teaser):
        return Failure(source, f"entry has no content and the full page could not be fetched: {reason}")
    given["note"] = f"feed entry is truncated and the full page could not be fetched ({reason}); this is the feed's summary"
    return RawDocument(source=source, kind="html", html=teaser, url=entry.link, given=given, collection=feed_url)


def feed_documents(
    content: bytes,
    feed_url: str,
    fetcher: Fetcher,
    content_type: str | None = None,
    status: int = 200,
    base_url: str | None = None,
) -> FeedPoll:
    """Parse feed ``content`` and turn every entry into a document or a failure.

    ``feed_url`` names the feed (the documents' collection); relative links
    resolve against ``base_url``, by default the same URL.
    """
    poll = FeedPoll(status=status, final_url=base_url or feed_url)
    try:
        feed = parse(content, base_url or feed_url, content_type)
    except FeedError as exc:
        poll.failures.append(Failure(feed_url, str(exc)))
        return poll
    poll.title, poll.site_url, poll.ttl = feed.title, feed.site_url, feed.ttl
    for index, entry in enumerate(feed.entries):
        item = entry_document(entry, feed, feed_url, index, fetcher)
        if isinstance(item, Failure):
            poll.failures.append(item)
        else:
            poll.documents.append(item)
    return poll


def feed_from_result(result: FetchResult, fetcher: Fetcher) -> FeedPoll:
    """The entries of a fetched feed, with the validators for the next conditional GET."""
    if result.not_modified:
        poll = FeedPoll(status=result.status)
    elif not is_feed(result.content, result.content_type):
        found = discover_feeds(result.content.decode("utf-8", "replace"), result.final_url)
        hint = f"; the page advertises {', '.join(found)}" if found else ""
        poll = FeedPoll(status=result.status, failures=[Failure(result.url, f"not a feed{hint}")])
    else:
        poll = feed_documents(
            result.content, result.url, fetcher, result.content_type, result.status, result.final_url
        )
    poll.final_url = result.final_url
    poll.headers = result.headers
    poll.etag = result.headers.get("etag")
    poll.last_modified = result.headers.get("last-modified")
    return poll


def poll_feed(
    url: str,
    options: IngestOptions,
    etag: str | None = None,
    last_modified: str | None = None,
    fetcher: Fetcher | None = None,
) -> FeedPoll:
    """Fetch a feed (conditionally, given the last ETag / Last-Modified) and read its entries.

    Never raises for a bad feed: a fetch or parse problem is one failure in the result.
    """
    own = fetcher is None
    client = fetcher if fetcher is not None else Fetcher(options)
    try:
        try:
            result = client.fetch(url, etag, last_modified)
        except FetchError as exc:
            return FeedPoll(status=exc.status or 0, etag=etag, last_modified=last_modified,
                            failures=[Failure(url, exc.reason)], headers=exc.headers)
        poll = feed_from_result(result, client)
        if result.not_modified:
            poll.etag = poll.etag or etag
            poll.last_modified = poll.last_modified or last_modified
        return poll
    finally:
        if own:
            client.close()


__all__ = [
    "FeedPoll", "discover_feeds", "entry_document", "feed_documents", "feed_from_result", "is_truncated", "poll_feed",
]

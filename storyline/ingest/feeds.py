"""Feeds: poll one with conditional GET and turn its entries into documents.

An entry with its full article in the feed becomes an HTML document as it is.
An entry that is only a teaser (short, or ending in "…", "[...]", "Read more"),
or has no content at all, is replaced by the page at its link, fetched through
the safe fetcher.  When there is no page to be had, the entry is kept all the
same, as a reader keeps every entry of a subscribed feed: its title and summary
become the article (plain text), marked summary-only (``given["summary_only"]``
says why), and the refresher tries the page again later.  Only an entry with no
title, summary or content is skipped.

Each document that may still fail to clean (a page or HTML content with no
article text in it) has a plain-text fallback from the entry in
:attr:`FeedPoll.fallbacks`, which the refresher stores instead.
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
    empty: bool = False  # the feed was read and has no entries
    # source of a document -> the entry as plain text, stored if that document cannot be cleaned
    fallbacks: dict[str, RawDocument] = field(default_factory=dict)
    retries: list[PageRetry] = field(default_factory=list)  # summary-only entries' pages fetched again


@dataclass(slots=True)
class PageRetry:
    """The page of a summary-only entry, fetched again: the document, or why there is none."""

    article_id: str
    attempts: int  # failed retries before this one
    document: RawDocument | None = None
    reason: str | None = None


_BLOCK = re.compile(r"<\s*/?\s*(?:p|div|br|li|ul|ol|h[1-6]|blockquote|pre|tr|table|section|article)\b[^>]*>", re.I)
_DROPPED = re.compile(r"<\s*(script|style)\b.*?<\s*/\s*\1\s*>", re.I | re.S)
SUMMARY_ONLY = "summary_only"  # the key of given that marks a summary-only document, with the reason


def plain_text(fragment: str) -> str:
    return " ".join(htmllib.unescape(_TAG.sub(" ", fragment)).split())


def plain_paragraphs(fragment: str) -> str:
    """The text of an HTML fragment, one paragraph per block element, tags and scripts removed."""
    blocks = _BLOCK.sub("\n\n", _DROPPED.sub(" ", fragment))
    paragraphs = (" ".join(htmllib.unescape(_TAG.sub(" ", part)).split()) for part in re.split(r"\n\s*\n", blocks))
    return "\n\n".join(part for part in paragraphs if part)


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


def _source(entry: FeedEntry, feed_url: str, index: int) -> str:
    return entry.link or f"{feed_url}#{entry.id or index}"


def entry_text(entry: FeedEntry) -> str:
    """The entry as plain text: its content or summary, else its title."""
    return plain_paragraphs(entry.content or entry.summary or "") or " ".join((entry.title or "").split())


def summary_document(
    entry: FeedEntry, feed: FeedData, feed_url: str, index: int, reason: str | None
) -> RawDocument | Failure:
    """The entry as plain text; with a ``reason`` (why its page is missing), marked summary-only."""
    source = _source(entry, feed_url, index)
    text = entry_text(entry)
    if not text:
        why = f" (and its page could not be fetched: {reason})" if reason else ""
        return Failure(source, f"entry has no title, summary or content{why}")
    given = _given(entry, feed)
    if reason is not None:
        given[SUMMARY_ONLY] = reason
    return RawDocument(source=source, kind="body", text=text, url=entry.link, given=given, collection=feed_url)


def entry_document(
    entry: FeedEntry, feed: FeedData, feed_url: str, index: int, fetcher: Fetcher
) -> RawDocument | Failure:
    """One feed entry as a document; see the module docstring for truncated entries."""
    source = _source(entry, feed_url, index)
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
    return summary_document(entry, feed, feed_url, index, reason)


def page_document(page: FetchResult, retry_of: dict[str, Any], source: str, feed_url: str) -> RawDocument | str:
    """The fetched page of a summary-only entry as a document with the entry's metadata, or why not.

    The document keeps the entry's link as its URL (not the page's canonical one), so it
    is stored over the summary, as the same article.
    """
    if is_feed(page.content, page.content_type):
        return "the entry link is a feed, not a page"
    doc = document_from_bytes(
        page.content, source, declared_charset=charset_from_content_type(page.content_type),
        url=page.url, given=retry_of, collection=feed_url,
    )
    if isinstance(doc, Failure):
        return doc.reason
    doc.url = page.url
    return doc


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
    except Exception as exc:  # the XML or feed parser failing on odd input: this feed only
        poll.failures.append(Failure(feed_url, f"unreadable feed: {type(exc).__name__}: {exc}"))
        return poll
    poll.title, poll.site_url, poll.ttl = feed.title, feed.site_url, feed.ttl
    poll.empty = not feed.entries
    for index, entry in enumerate(feed.entries):
        item: RawDocument | Failure
        try:
            if entry.unreadable is not None:
                item = Failure(_source(entry, feed_url, index), f"unreadable entry: {entry.unreadable}")
            else:
                item = entry_document(entry, feed, feed_url, index, fetcher)
        except Exception as exc:  # a library failing on one odd entry: that entry only
            item = Failure(_source(entry, feed_url, index),
                           f"unexpected error while reading the entry: {type(exc).__name__}: {exc}")
        if isinstance(item, Failure):
            poll.failures.append(item)
            continue
        poll.documents.append(item)
        if item.kind == "html":
            # a page (or HTML content) may hold no article text: the entry's own text is kept then
            fetched = item.html != entry.content
            fallback = summary_document(entry, feed, feed_url, index,
                                        "the page has no article text" if fetched else None)
            if isinstance(fallback, RawDocument):
                poll.fallbacks[item.source] = fallback
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
    "SUMMARY_ONLY", "FeedPoll", "PageRetry", "discover_feeds", "entry_document", "feed_documents", "feed_from_result",
    "is_truncated", "page_document", "poll_feed", "summary_document",
]

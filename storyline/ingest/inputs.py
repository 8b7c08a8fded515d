"""``read_inputs``: any mix of files, folders, globs, URLs, JSONL, WARC and OPML.

Each input turns into documents and failures, in order; a bad item is a
:class:`Failure` and the rest goes on.  Sources name where each document came
from: the absolute path of a file, ``path#L<n>`` for a JSONL line,
``path#<record id>`` for a WARC record, the URL for a page or feed entry.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from pathlib import Path

from storyline.article import Failure, RawDocument
from storyline.ingest.decode import charset_from_content_type, decode
from storyline.ingest.feedparse import is_feed
from storyline.ingest.feeds import FeedPoll, feed_documents, feed_from_result, poll_feed
from storyline.ingest.fetch import Fetcher, FetchError
from storyline.ingest.files import (
    JSONL_SUFFIXES,
    OPML_SUFFIXES,
    TEXT_SUFFIXES,
    WARC_SUFFIXES,
    expand,
    irregular,
    is_glob,
    read_bytes,
    read_document,
    suffix_of,
    walk,
)
from storyline.ingest.jsonl import read_jsonl
from storyline.ingest.opml import OPMLError, read_opml
from storyline.ingest.options import IngestOptions
from storyline.ingest.rawdoc import document_from_bytes
from storyline.ingest.warc import read_warc

Item = RawDocument | Failure
_SCHEME = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.-]*)://")


class _Network:
    """One HTTP client for a whole run, made only when something needs it."""

    def __init__(self, options: IngestOptions) -> None:
        self.options = options
        self._fetcher: Fetcher | None = None

    def get(self) -> Fetcher:
        if self._fetcher is None:
            self._fetcher = Fetcher(self.options)
        return self._fetcher

    def close(self) -> None:
        if self._fetcher is not None:
            self._fetcher.close()
            self._fetcher = None


def read_inputs(inputs: Iterable[str], options: IngestOptions) -> Iterator[Item]:
    """Documents and failures from every input, in order; never raises for a bad item."""
    network = _Network(options)
    try:
        for item in inputs:
            yield from _guarded(item, _read_input(item, options, network))
    finally:
        network.close()


def _guarded(source: str, items: Iterator[Item]) -> Iterator[Item]:
    """``items``, ending in a failure for ``source`` if reading it breaks unexpectedly."""
    try:
        yield from items
    except Exception as exc:  # a reader bug or a library failing on odd input: fail this item only
        yield Failure(source, f"unexpected error while reading: {type(exc).__name__}: {exc}")


def _read_input(item: str, options: IngestOptions, network: _Network) -> Iterator[Item]:
    scheme = _SCHEME.match(item)
    if scheme:
        if scheme.group(1).lower() in ("http", "https"):
            yield from _read_url(item, network.get())
        else:
            yield Failure(item, f"unsupported URL scheme {scheme.group(1)!r}: only http and https")
        return
    path = Path(item).expanduser()
    if path.is_dir():
        folder = path.absolute()
        for file in walk(folder):
            yield from _guarded(str(file), _read_path(file, options, network, str(folder)))
    elif path.is_file():
        yield from _read_path(path.absolute(), options, network, None)
    elif path.exists():
        yield Failure(str(path.absolute()), "not a regular file or folder")
    elif is_glob(item):
        matches = expand(item)
        if not matches:
            yield Failure(item, "no files match this pattern")
        for file in matches:
            yield from _guarded(str(file.absolute()), _read_path(file.absolute(), options, network, item))
    else:
        yield Failure(item, "no such file or folder")


def _read_path(path: Path, options: IngestOptions, network: _Network, collection: str | None) -> Iterator[Item]:
    why = irregular(path)
    if why is not None:
        yield Failure(str(path), why)
        return
    suffix = suffix_of(path)
    if suffix in JSONL_SUFFIXES:
        yield from read_jsonl(path, options)
        return
    if suffix in WARC_SUFFIXES:
        yield from read_warc(path, options)
        return
    data = read_bytes(path, options)
    if isinstance(data, Failure):
        yield data
        return
    if suffix in OPML_SUFFIXES:
        yield from _read_opml(path, data, options, network)
    elif suffix not in TEXT_SUFFIXES and is_feed(data):
        yield from _entries(feed_documents(data, str(path), network.get()), str(path))
    else:
        yield read_document(path, data, collection)


def _read_opml(path: Path, data: bytes, options: IngestOptions, network: _Network) -> Iterator[Item]:
    try:
        feeds = read_opml(decode(data))
    except OPMLError as exc:
        yield Failure(str(path), str(exc))
        return
    if not feeds:
        yield Failure(str(path), "the OPML file lists no feeds")
    for feed in feeds:
        yield from _entries(poll_feed(feed.url, options, fetcher=network.get()), feed.url)


def _entries(poll: FeedPoll, source: str) -> Iterator[Item]:
    """A feed's documents and failures; a feed without entries says so."""
    yield from poll.documents
    yield from poll.failures
    if poll.empty:
        yield Failure(source, "the feed has no entries")


def _read_url(url: str, fetcher: Fetcher) -> Iterator[Item]:
    """A page is one article; a feed yields its entries."""
    try:
        result = fetcher.fetch(url)
    except FetchError as exc:
        yield Failure(url, exc.reason)
        return
    if is_feed(result.content, result.content_type):
        yield from _entries(feed_from_result(result, fetcher), url)
        return
    media = (result.content_type or "").split(";")[0].strip().lower()
    kind = "text" if media == "text/plain" else "html" if media in ("text/html", "application/xhtml+xml") else None
    yield document_from_bytes(
        result.content,
        url,
        declared_charset=charset_from_content_type(result.content_type),
        url=result.final_url,
        kind=kind,
    )

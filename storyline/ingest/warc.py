"""Web archives (.warc, .warc.gz): one HTML document per archived page.

``response`` records with an HTML (or plain-text) payload and ``resource``
records become documents with ``url`` = WARC-Target-URI.  The WARC-Date is the
crawl date, never the publication date: it goes into ``given["fetched"]``.  An
archive that breaks part way yields what was read before the break and one
:class:`Failure` for the rest.

A truncated record is never a document: half a page would be stored as the
article, or replace the complete copy read earlier.  It is a :class:`Failure`
saying why, when the archive marks it (``WARC-Truncated``), when the record
ends before its ``Content-Length`` (the file was cut off), when the page is
shorter than its HTTP ``Content-Length``, when a chunked or compressed payload
ends before its last chunk or the end of its compressed stream, and when the
archive's last gzip member ends early (warcio then yields nothing for it).
An archive without a single page in it (not a web archive at all, or one of
images) is a :class:`Failure` too, never nothing.
"""

from __future__ import annotations

import gzip
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from warcio.archiveiterator import ArchiveIterator
from warcio.bufferedreaders import ChunkedDataReader
from warcio.recordloader import ArcWarcRecord

from storyline.article import Failure, RawDocument
from storyline.ingest.decode import charset_from_content_type
from storyline.ingest.options import IngestOptions
from storyline.ingest.rawdoc import document_from_bytes, too_large
from storyline.numbers import whole_number

TRUNCATED = "truncated record, not stored"
_HTML_TYPES = ("text/html", "application/xhtml+xml")


def _kind(content_type: str) -> str | None:
    media = content_type.split(";")[0].strip().lower()
    if media in _HTML_TYPES:
        return "html"
    if media == "text/plain":
        return "text"
    return None


class _CheckedIterator(ArchiveIterator):  # type: ignore[misc]
    """warcio's iterator, remembering whether the file ended inside a gzip member."""

    ended_early = False

    def close(self) -> None:
        reader = self.reader
        decompressor = getattr(reader, "decompressor", None) if reader is not None else None
        if decompressor is not None and not getattr(decompressor, "eof", True):
            self.ended_early = True
        super().close()


_CHUNK_START = re.compile(rb"^[0-9a-fA-F]+[ \t]*(?:;[^\r\n]*)?\r\n")
_CHUNK_END = re.compile(rb"(?:^|\r\n)0+[ \t]*(?:;[^\r\n]*)?\r\n(?:[^\r\n]+\r\n)*\r\n$")


class _Ends:
    """A record's raw stream, remembering its first and last bytes (to check the chunked framing)."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.head = b""
        self.tail = b""

    def _seen(self, data: bytes) -> bytes:
        if len(self.head) < 64:
            self.head += data[:64 - len(self.head)]
        self.tail = (self.tail + data)[-256:]
        return data

    def read(self, length: int | None = None) -> bytes:
        return self._seen(self.inner.read(length))

    def readline(self, length: int | None = None) -> bytes:
        return self._seen(self.inner.readline(length))

    def close(self) -> None:
        self.inner.close()


def _drain(stream: Any) -> None:
    while stream.read(65536):
        pass


def truncation(record: ArcWarcRecord, content: Any, data: bytes) -> str | None:
    """Why a record whose whole payload ``data`` was read from ``content`` is incomplete, or None."""
    marked = record.rec_headers.get_header("WARC-Truncated")
    if marked:
        return f"the archive marks the record truncated (WARC-Truncated: {marked})"
    _drain(content)
    ends = record.raw_stream
    _drain(ends)
    raw = ends.inner if isinstance(ends, _Ends) else ends
    short = getattr(raw, "limit", 0)
    if short:
        return f"the record ends {short} bytes before its Content-Length of {record.length} (the archive was cut off)"
    if (
        isinstance(content, ChunkedDataReader)
        and isinstance(ends, _Ends)
        and _CHUNK_START.match(ends.head)
        and not _CHUNK_END.search(ends.tail)
    ):
        return "the page's chunked payload ends before its last chunk"
    decompressor = getattr(content, "decompressor", None)
    if decompressor is not None and not getattr(decompressor, "eof", True):
        return "the page's compressed payload ends before the end of its compressed stream"
    http = record.http_headers
    if http is not None and content is ends:
        declared = whole_number((http.get_header("Content-Length") or "").strip())
        if declared is not None and len(data) < declared:
            return f"the page has {len(data)} of the {declared} bytes its HTTP Content-Length declares"
    return None


def _record(record: ArcWarcRecord, path: Path, options: IngestOptions) -> RawDocument | Failure | None:
    headers = record.rec_headers
    if record.rec_type == "response":
        if record.http_headers is None:
            return None
        status = record.http_headers.get_statuscode()
        if not status or not str(status).startswith("2"):
            return None
        content_type = record.http_headers.get_header("Content-Type") or ""
    elif record.rec_type == "resource":
        content_type = headers.get_header("Content-Type") or ""
    else:
        return None
    kind = _kind(content_type)
    if kind is None:
        return None
    target = headers.get_header("WARC-Target-URI")
    record_id = headers.get_header("WARC-Record-ID")
    source = f"{path}#{record_id or target}"
    record.raw_stream = _Ends(record.raw_stream)
    content = record.content_stream()
    data = content.read(options.max_bytes + 1)
    if len(data) > options.max_bytes:
        size = whole_number(headers.get_header("Content-Length")) or len(data)
        return Failure(source, too_large(size, options.max_bytes))
    cut = truncation(record, content, data)
    if cut is not None:
        return Failure(source, f"{TRUNCATED}: {cut}")
    given: dict[str, str] = {}
    fetched = headers.get_header("WARC-Date")
    if fetched:
        given["fetched"] = fetched
    return document_from_bytes(
        data,
        source,
        declared_charset=charset_from_content_type(content_type),
        url=target,
        kind=kind,
        given=given,
        collection=str(path),
    )


def _first_line(exc: Exception) -> str:
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    return lines[0] if lines else type(exc).__name__


def read_warc(path: Path, options: IngestOptions) -> Iterator[RawDocument | Failure]:
    """The pages of one archive, in archive order.

    An archive gzipped as a whole rather than record by record (which warcio
    refuses) is read again through a gzip stream, skipping the records already read.
    """
    records = 0  # records consumed, articles or not
    documents = 0
    last_truncated = False  # the last record read was reported truncated
    whole_gzip = False
    while True:
        try:
            with gzip.open(path, "rb") if whole_gzip else path.open("rb") as handle:
                iterator = _CheckedIterator(handle)
                for index, record in enumerate(iterator):
                    if index < records:
                        continue
                    item = _record(record, path, options)
                    records += 1
                    if item is not None:
                        documents += 1
                        last_truncated = isinstance(item, Failure) and item.reason.startswith(TRUNCATED)
                        yield item
            if records == 0 and path.stat().st_size == 0:
                yield Failure(str(path), "empty")
            elif iterator.ended_early and not last_truncated:
                yield Failure(
                    str(path),
                    f"archive ends inside a gzip member after {documents} documents: its last record is "
                    "truncated, not stored",
                )
            elif documents == 0:
                yield Failure(str(path), f"no HTML or text page in the archive ({records} records read): "
                                         "not a web archive, or one without pages")
            return
        except Exception as exc:  # warcio raises many kinds on corrupt input
            if not whole_gzip and "non-chunked gzip" in str(exc):
                whole_gzip = True
                continue
            yield Failure(
                str(path),
                f"archive is truncated or corrupt after {documents} documents; rest skipped: {_first_line(exc)}",
            )
            return

"""Web archives (.warc, .warc.gz): one HTML document per archived page.

``response`` records with an HTML (or plain-text) payload and ``resource``
records become documents with ``url`` = WARC-Target-URI.  The WARC-Date is the
crawl date, never the publication date: it goes into ``given["fetched"]``.  An
archive that breaks part way yields what was read before the break and one
:class:`Failure` for the rest.
"""

from __future__ import annotations

import gzip
from collections.abc import Iterator
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator
from warcio.recordloader import ArcWarcRecord

from storyline.article import Failure, RawDocument
from storyline.ingest.decode import charset_from_content_type
from storyline.ingest.options import IngestOptions
from storyline.ingest.rawdoc import document_from_bytes, too_large

_HTML_TYPES = ("text/html", "application/xhtml+xml")


def _kind(content_type: str) -> str | None:
    media = content_type.split(";")[0].strip().lower()
    if media in _HTML_TYPES:
        return "html"
    if media == "text/plain":
        return "text"
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
    data = record.content_stream().read(options.max_bytes + 1)
    if len(data) > options.max_bytes:
        declared = headers.get_header("Content-Length")
        size = int(declared) if declared and declared.isdigit() else len(data)
        return Failure(source, too_large(size, options.max_bytes))
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
    whole_gzip = False
    while True:
        try:
            with gzip.open(path, "rb") if whole_gzip else path.open("rb") as handle:
                for index, record in enumerate(ArchiveIterator(handle)):
                    if index < records:
                        continue
                    item = _record(record, path, options)
                    records += 1
                    if item is not None:
                        documents += 1
                        yield item
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

"""Truncated WARC records are skipped with the reason, never stored over a complete copy.

Every archive is built here with warcio: complete, then cut or marked in each of
the ways an archive can hold less than the page (the WARC-Truncated header, a
file cut off inside a record, a page shorter than its HTTP Content-Length, a
chunked or gzip-encoded payload that stops early, a .warc.gz cut inside its last
gzip member).
"""

from __future__ import annotations

import gzip
from io import BytesIO
from pathlib import Path

import pytest
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from storyline.article import Failure, RawDocument
from storyline.ingest import IngestOptions, read_inputs
from storyline.pipeline import Pipeline
from storyline.store import Store

URL = "https://news.example/harbour"
PARAGRAPHS = [
    "The harbour board met on Tuesday evening to decide the future of the old ferry pier.",
    "Members heard from fishermen, shop owners and the lifeboat crew, who all use the pier daily.",
    "After three hours the board voted to repair the pier rather than pull it down, at a cost of two million.",
    "Work is due to start in the spring and should take about eight months, the chair said.",
    "The ferry will run from the north quay while the repairs are made, with a bus link to the town.",
]
PAGE = (
    "<html><head><title>Harbour pier to be repaired</title></head><body><article><h1>Harbour pier to be repaired</h1>"
    + "".join(f"<p>{p}</p>" for p in PARAGRAPHS * 3)
    + "</article></body></html>"
).encode()


def write(
    path: Path,
    payload: bytes,
    *,
    gzipped: bool = False,
    http: list[tuple[str, str]] | None = None,
    warc: dict[str, str] | None = None,
    extra_page: bool = False,
) -> None:
    with path.open("wb") as handle:
        writer = WARCWriter(handle, gzip=gzipped)
        if extra_page:
            other = b"<html><body><p>Another page, complete.</p></body></html>"
            headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html")], protocol="HTTP/1.1")
            writer.write_record(writer.create_warc_record(
                "https://news.example/other", "response", payload=BytesIO(other), length=len(other),
                http_headers=headers))
        headers = StatusAndHeaders(
            "200 OK", [("Content-Type", "text/html; charset=utf-8"), *(http or [])], protocol="HTTP/1.1")
        writer.write_record(writer.create_warc_record(
            URL, "response", payload=BytesIO(payload), length=len(payload), http_headers=headers,
            warc_headers_dict=warc or {}))


def read(path: Path) -> list[RawDocument | Failure]:
    return list(read_inputs([str(path)], IngestOptions()))


def only_failure(items: list[RawDocument | Failure]) -> str:
    failures = [item.reason for item in items if isinstance(item, Failure)]
    assert len(failures) == 1, items
    assert not any(isinstance(item, RawDocument) and item.url == URL for item in items)
    return failures[0]


def test_complete_record_is_a_document(tmp_path: Path) -> None:
    for gzipped in (False, True):
        path = tmp_path / f"whole{gzipped}.warc{'.gz' if gzipped else ''}"
        write(path, PAGE, gzipped=gzipped, http=[("Content-Length", str(len(PAGE)))])
        (doc,) = read(path)
        assert isinstance(doc, RawDocument) and doc.html == PAGE.decode()
    chunked = tmp_path / "chunked.warc"
    write(chunked, b"%x\r\n" % 500 + PAGE[:500] + b"\r\n%x\r\n" % (len(PAGE) - 500) + PAGE[500:] + b"\r\n0\r\n\r\n",
          http=[("Transfer-Encoding", "chunked")])
    encoded = tmp_path / "encoded.warc"
    write(encoded, gzip.compress(PAGE), http=[("Content-Encoding", "gzip")])
    for path in (chunked, encoded):
        (doc,) = read(path)
        assert isinstance(doc, RawDocument) and doc.html == PAGE.decode(), path


def test_marked_truncated(tmp_path: Path) -> None:
    path = tmp_path / "marked.warc"
    write(path, PAGE[:700], warc={"WARC-Truncated": "length"})
    assert "WARC-Truncated: length" in only_failure(read(path))


def test_file_cut_inside_the_record(tmp_path: Path) -> None:
    path = tmp_path / "cut.warc"
    write(path, PAGE)
    path.write_bytes(path.read_bytes()[:-600])
    reason = only_failure(read(path))
    assert reason.startswith("truncated record, not stored: the record ends") and "Content-Length" in reason


def test_page_shorter_than_its_http_content_length(tmp_path: Path) -> None:
    path = tmp_path / "short.warc"
    write(path, PAGE[:900], http=[("Content-Length", str(len(PAGE)))])
    assert f"900 of the {len(PAGE)} bytes" in only_failure(read(path))


def test_chunked_payload_without_its_last_chunk(tmp_path: Path) -> None:
    path = tmp_path / "chunked.warc"
    chunked = b"%x\r\n" % 500 + PAGE[:500] + b"\r\n"  # no "0\r\n\r\n" end
    write(path, chunked, http=[("Transfer-Encoding", "chunked")])
    assert "last chunk" in only_failure(read(path))


def test_gzip_encoded_payload_cut_short(tmp_path: Path) -> None:
    path = tmp_path / "encoded.warc"
    write(path, gzip.compress(PAGE)[:-40], http=[("Content-Encoding", "gzip")])
    assert "compressed payload" in only_failure(read(path))


def test_warc_gz_cut_inside_its_last_member(tmp_path: Path) -> None:
    path = tmp_path / "cut.warc.gz"
    write(path, PAGE, gzipped=True, extra_page=True)
    data = path.read_bytes()
    for cut in (20, 120):
        path.write_bytes(data[:-cut])
        items = read(path)
        assert [item.url for item in items if isinstance(item, RawDocument)] == ["https://news.example/other"]
        reason = only_failure(items)
        assert "truncated" in reason, reason


@pytest.mark.parametrize("how", ["marked", "cut"])
def test_truncated_copy_never_replaces_the_complete_one(tmp_path: Path, store: Store, how: str) -> None:
    whole, partial = tmp_path / "whole.warc", tmp_path / "partial.warc"
    write(whole, PAGE)
    if how == "marked":
        write(partial, PAGE[:800], warc={"WARC-Truncated": "time"})
    else:
        write(partial, PAGE)
        partial.write_bytes(partial.read_bytes()[:-700])
    pipeline = Pipeline(store, IngestOptions())
    (first,) = list(pipeline.run([str(whole)]))
    assert first.status == "new" and first.article_id is not None
    stored = store.get_article(first.article_id, enrichment=False)
    assert stored is not None and "two million" in stored.body
    (second,) = list(pipeline.run([str(partial)]))
    assert second.status == "skipped" and second.reason is not None and "truncated" in second.reason
    again = store.get_article(first.article_id, enrichment=False)
    assert again is not None and again.body == stored.body

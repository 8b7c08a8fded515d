"""Web archives written with warcio: pages in, crawl date kept apart, corrupt tails survived."""

from __future__ import annotations

import gzip
from io import BytesIO
from pathlib import Path

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from storyline.article import Failure, RawDocument
from storyline.ingest import IngestOptions, read_inputs

PAGES = [
    ("https://news.example/one", "<html><head><title>One</title></head><body><p>First story.</p></body></html>"),
    ("https://news.example/two", "<html><head><title>Two</title></head><body><p>Café society.</p></body></html>"),
    ("https://news.example/three", "<html><body><p>Third story.</p></body></html>"),
]


def write_warc(path: Path, gzipped: bool = True) -> list[str]:
    """Pages as response records, plus records that are not articles; returns the page record ids."""
    ids: list[str] = []
    with path.open("wb") as handle:
        writer = WARCWriter(handle, gzip=gzipped)
        writer.write_record(writer.create_warcinfo_record(path.name, {"software": "tests"}))
        for index, (url, page) in enumerate(PAGES):
            headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8")], protocol="HTTP/1.1")
            record = writer.create_warc_record(
                url, "response", payload=BytesIO(page.encode()), length=len(page.encode()), http_headers=headers,
                warc_headers_dict={"WARC-Date": f"2026-01-0{index + 1}T10:00:00Z"},
            )
            ids.append(record.rec_headers.get_header("WARC-Record-ID"))
            writer.write_record(record)
            image = StatusAndHeaders("200 OK", [("Content-Type", "image/png")], protocol="HTTP/1.1")
            writer.write_record(writer.create_warc_record(
                url + ".png", "response", payload=BytesIO(b"\x89PNG\r\n\x1a\n"), length=8, http_headers=image))
            request = b"GET / HTTP/1.1\r\n\r\n"
            writer.write_record(writer.create_warc_record(url, "request", payload=BytesIO(request), length=len(request)))
    return ids


def test_pages_become_html_documents(tmp_path: Path) -> None:
    for name, gzipped in (("crawl.warc.gz", True), ("crawl.warc", False)):
        path = tmp_path / name
        ids = write_warc(path, gzipped)
        items = list(read_inputs([str(path)], IngestOptions()))
        assert all(isinstance(item, RawDocument) for item in items)
        docs = [item for item in items if isinstance(item, RawDocument)]
        assert [d.source for d in docs] == [f"{path.absolute()}#{rid}" for rid in ids]
        assert [d.url for d in docs] == [url for url, _ in PAGES]
        assert [d.html for d in docs] == [page for _, page in PAGES]
        assert {d.kind for d in docs} == {"html"}
        assert docs[1].given == {"fetched": "2026-01-02T10:00:00Z"}
        assert all("published" not in d.given for d in docs)


def test_corrupt_tail_keeps_what_was_read(tmp_path: Path) -> None:
    whole = tmp_path / "whole.warc.gz"
    write_warc(whole)
    data = whole.read_bytes()
    # Cut inside the last gzip member, then append garbage.
    cut = tmp_path / "cut.warc.gz"
    cut.write_bytes(data[: len(data) - 200] + b"\x00garbage")
    items = list(read_inputs([str(cut)], IngestOptions()))
    docs = [item for item in items if isinstance(item, RawDocument)]
    assert [d.url for d in docs] == [url for url, _ in PAGES]
    assert isinstance(items[-1], Failure)
    assert items[-1].source == str(cut.absolute())
    assert items[-1].reason.startswith("archive is truncated or corrupt after 3 documents")


def test_corrupt_middle_keeps_the_first_pages(tmp_path: Path) -> None:
    whole = tmp_path / "whole.warc"
    write_warc(whole, gzipped=False)
    data = whole.read_bytes()
    second = data.index(b"WARC-Target-URI: https://news.example/two")
    start = data.rindex(b"WARC/1", 0, second)
    broken = tmp_path / "broken.warc"
    broken.write_bytes(data[:start] + b"NOT A WARC RECORD\r\n\r\n" + data[start:])
    items = list(read_inputs([str(broken)], IngestOptions()))
    assert [d.url for d in items if isinstance(d, RawDocument)] == [PAGES[0][0]]
    assert isinstance(items[-1], Failure) and "corrupt after 1 documents" in items[-1].reason


def test_archive_gzipped_as_a_whole_is_read(tmp_path: Path) -> None:
    plain = tmp_path / "plain.warc"
    write_warc(plain, gzipped=False)
    whole = tmp_path / "whole.warc.gz"
    whole.write_bytes(gzip.compress(plain.read_bytes()))
    items = list(read_inputs([str(whole)], IngestOptions()))
    assert [d.url for d in items if isinstance(d, RawDocument)] == [url for url, _ in PAGES]
    assert not [item for item in items if isinstance(item, Failure)]


def test_oversize_record_fails_alone(tmp_path: Path) -> None:
    path = tmp_path / "crawl.warc.gz"
    write_warc(path)
    items = list(read_inputs([str(path)], IngestOptions(max_bytes=len(PAGES[2][1]))))
    reasons = [item.reason if isinstance(item, Failure) else "doc" for item in items]
    assert reasons[2] == "doc"
    assert reasons[0].startswith("too large:") and reasons[0].endswith(f"limit is {len(PAGES[2][1])} bytes")

"""JSON Lines: one article per line, with trusted metadata.

Each line is an object with ``text`` or ``html`` and any of ``id``, ``url``,
``title``, ``authors``, ``published``, ``publisher``, ``via``.  Those fields go
into :attr:`RawDocument.given` as they are; ``text`` is a clean body and is used
without cleaning (kind ``"body"``).  A bad line is a :class:`Failure` for that
line alone; a file without a single line is one too.

A file in UTF-16 or UTF-32 (what some Windows tools write) is split into lines
in its own encoding, found from its start as :func:`storyline.ingest.decode.decode`
finds it: split as bytes, its line feeds would fall inside characters.  A gzip file
(``articles.jsonl.gz``) is read line by line as it is decompressed; a damaged one keeps the
lines before the damage and fails with its reason.
"""

from __future__ import annotations

import codecs
import gzip
import io
import json
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import IO, Any, cast

from storyline.article import Failure, RawDocument
from storyline.ingest.decode import decode, unmarked_utf
from storyline.ingest.files import GZIP_ERRORS, compressed
from storyline.ingest.options import IngestOptions
from storyline.ingest.rawdoc import too_large

GIVEN_FIELDS = ("id", "url", "title", "authors", "published", "publisher", "via", "image")


def _given(record: dict[str, Any]) -> dict[str, Any]:
    given: dict[str, Any] = {}
    for name in GIVEN_FIELDS:
        value = record.get(name)
        if value is None or value == "" or value == []:
            continue
        if name == "authors":
            if isinstance(value, str):
                value = [value]
            if not isinstance(value, list) or not all(isinstance(a, str) for a in value):
                raise ValueError("'authors' must be a string or a list of strings")
        elif name == "id" and isinstance(value, int | float | Decimal):
            value = str(value)
        elif not isinstance(value, str):
            raise ValueError(f"{name!r} must be a string")
        given[name] = value
    return given


def _integer(digits: str) -> int | Decimal:
    """A JSON integer: one too long for ``int()`` to read from text (over 4,300 digits, a
    ValueError that cost the whole line, in a field no one reads) is a Decimal."""
    return int(digits) if len(digits) <= 4000 else Decimal(digits)


def parse_line(line: str, source: str, collection: str | None = None) -> RawDocument | Failure:
    """One JSONL line to a document."""
    try:
        record = json.loads(line, parse_int=_integer)
    except json.JSONDecodeError as exc:
        return Failure(source, f"bad JSON: {exc.msg} at column {exc.colno}")
    except RecursionError:
        return Failure(source, "bad JSON line: nested too deeply")
    if not isinstance(record, dict):
        return Failure(source, "bad JSON line: expected an object")
    text, html = record.get("text"), record.get("html")
    if text is None and html is None:
        return Failure(source, "no 'text' or 'html' field")
    body = text if text is not None else html
    if not isinstance(body, str):
        return Failure(source, f"{'text' if text is not None else 'html'!r} must be a string")
    if not body.strip():
        return Failure(source, "empty")
    try:
        given = _given(record)
    except ValueError as exc:
        return Failure(source, f"bad field: {exc}")
    url = given.get("url")
    if text is not None:
        return RawDocument(source=source, kind="body", text=text, url=url, given=given, collection=collection)
    return RawDocument(source=source, kind="html", html=html, url=url, given=given, collection=collection)


_WIDE_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"),
)


def wide_encoding(head: bytes) -> str | None:
    """The UTF-16 or UTF-32 codec a file starting with ``head`` is written in, or None."""
    for bom, name in _WIDE_BOMS:
        if head.startswith(bom):
            return name
    return unmarked_utf(head)


class _Transcoded:
    """A wide-encoded binary file read line by line as UTF-8 (``readline`` counts characters)."""

    def __init__(self, handle: IO[bytes], encoding: str) -> None:
        self.text = io.TextIOWrapper(handle, encoding=encoding, errors="replace", newline="")

    def readline(self, size: int = -1) -> bytes:
        return self.text.readline(size).encode("utf-8")


def read_jsonl(path: Path, options: IngestOptions) -> Iterator[RawDocument | Failure]:
    """Every line of a JSONL file; sources are ``<path>#L<line number>``."""
    collection = str(path)
    try:
        # closed below, by the with block that reads it
        handle = cast(IO[bytes], gzip.open(path, "rb")) if compressed(path) else path.open("rb")  # noqa: SIM115
        wide = wide_encoding(handle.read(1024))
        handle.seek(0)
    except GZIP_ERRORS as exc:  # before OSError: BadGzipFile is one
        yield Failure(collection, f"damaged gzip file: {exc}")
        return
    except OSError as exc:
        yield Failure(collection, f"cannot read: {exc.strerror or exc}")
        return
    with handle:
        lines = _Transcoded(handle, wide) if wide else handle
        try:
            yield from _read_lines(lines, path, collection, options)
        except GZIP_ERRORS as exc:  # the lines before the damage are read
            yield Failure(collection, f"damaged gzip file: {exc or type(exc).__name__}")


def _read_lines(handle: IO[bytes] | _Transcoded, path: Path, collection: str,
                options: IngestOptions) -> Iterator[RawDocument | Failure]:
    number = 0
    seen = False
    while True:
        raw = handle.readline(options.max_bytes + 1)
        if not raw:
            break
        number += 1
        source = f"{path}#L{number}"
        if len(raw) > options.max_bytes and not raw.endswith(b"\n"):
            size = len(raw)
            while raw and not raw.endswith(b"\n"):  # skip the rest of the long line
                raw = handle.readline(1 << 20)
                size += len(raw)
            yield Failure(source, too_large(size, options.max_bytes))
            seen = True
            continue
        line = decode(raw).strip()
        if not line:
            continue
        seen = True
        try:
            yield parse_line(line, source, collection)
        except Exception as exc:  # one odd line fails alone, never the lines after it
            yield Failure(source, f"unexpected error while reading: {type(exc).__name__}: {exc}")
    if not seen:
        yield Failure(collection, "empty: the file has no lines")

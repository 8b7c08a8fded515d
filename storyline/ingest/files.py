"""Local paths: folders walked in order, globs expanded, one file read safely.

A file compressed with gzip (``articles.jsonl.gz``, ``page.html.gz``, ``dump.txt.gz``) is read
as the file inside it, by the name without ``.gz``; its content is decompressed as a stream,
never past the size limit (a small file that would unpack to gigabytes is refused at the
limit).  ``.warc.gz`` archives are read by the WARC reader, record by record.
"""

from __future__ import annotations

import glob
import gzip
import io
import os
import zlib
from collections.abc import Iterator
from pathlib import Path

from storyline.article import Failure, RawDocument
from storyline.ingest.options import IngestOptions
from storyline.ingest.rawdoc import document_from_bytes, too_large

TEXT_SUFFIXES = (".txt", ".text")
HTML_SUFFIXES = (".html", ".htm", ".xhtml", ".shtml")
JSONL_SUFFIXES = (".jsonl", ".ndjson")
WARC_SUFFIXES = (".warc", ".warc.gz")
OPML_SUFFIXES = (".opml",)
_GLOB_CHARS = frozenset("*?[")


def is_glob(pattern: str) -> bool:
    return any(c in _GLOB_CHARS for c in pattern)


def walk(folder: Path) -> Iterator[Path]:
    """Every file under ``folder`` in path order, skipping hidden files and folders.

    Symbolic links to folders are not followed (no loops); links to files are read.
    What is neither a folder nor a regular file (a broken link, a pipe, a socket, a
    device) is listed too, so that reading it fails with a reason instead of vanishing.
    """
    try:
        with os.scandir(folder) as scan:
            entries = sorted(scan, key=lambda entry: entry.name)
    except OSError:
        return
    for entry in entries:
        if entry.name.startswith("."):
            continue
        if entry.is_dir(follow_symlinks=False):
            yield from walk(Path(entry.path))
        elif not entry.is_dir():
            yield Path(entry.path)


def expand(pattern: str) -> list[Path]:
    """Files a glob pattern names (``**`` recurses), sorted; folders it names are walked."""
    found: list[Path] = []
    for match in sorted(glob.glob(os.path.expanduser(pattern), recursive=True)):
        path = Path(match)
        if path.is_dir():
            found.extend(walk(path))
        elif path.is_file():
            found.append(path)
    return found


def suffix_of(path: Path) -> str:
    """The suffix that says how to read ``path``: of the file inside for ``NAME.gz``."""
    name = path.name.lower()
    if name.endswith(".warc.gz"):
        return ".warc.gz"
    if compressed(path):
        return Path(name[:-3]).suffix
    return path.suffix.lower()


def compressed(path: Path) -> bool:
    """Whether ``path`` is a gzip file to read as the file inside it (not a ``.warc.gz``)."""
    name = path.name.lower()
    return name.endswith(".gz") and not name.endswith(".warc.gz")


# what a damaged or truncated gzip stream raises while it is read
GZIP_ERRORS = (gzip.BadGzipFile, EOFError, zlib.error)


def irregular(path: Path) -> str | None:
    """Why ``path`` is not a regular file that can be read (never opened: a pipe would block), or None."""
    try:
        if path.is_file():
            return None
        if path.is_symlink() and not path.exists():
            return "a broken symbolic link"
    except OSError as exc:
        return f"cannot read: {exc.strerror or exc}"
    return "not a regular file (a pipe, socket or device)"


def read_bytes(path: Path, options: IngestOptions) -> bytes | Failure:
    """The content of ``path``, refused before reading when it is bigger than the limit."""
    source = str(path)
    try:
        size = path.stat().st_size
        if size > options.max_bytes:
            return Failure(source, too_large(size, options.max_bytes))
        with path.open("rb") as handle:
            data = handle.read(options.max_bytes + 1)
    except OSError as exc:
        return Failure(source, f"cannot read: {exc.strerror or exc}")
    if len(data) > options.max_bytes:  # grew while being read
        return Failure(source, too_large(len(data), options.max_bytes))
    if compressed(path):
        return _gunzip(data, source, options.max_bytes)
    return data


def _gunzip(data: bytes, source: str, limit: int) -> bytes | Failure:
    """The content of a gzip file, read no further than ``limit`` bytes."""
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(data)) as stream:
            content = stream.read(limit + 1)
    except GZIP_ERRORS as exc:
        return Failure(source, f"damaged gzip file: {exc}")
    if len(content) > limit:
        return Failure(source, f"too large once decompressed: over {limit} bytes, limit is {limit} bytes")
    return content


def read_document(
    path: Path, data: bytes, collection: str | None = None
) -> RawDocument | Failure:
    """A single-document file: text, HTML, or whatever its content turns out to be."""
    suffix = suffix_of(path)
    kind = "text" if suffix in TEXT_SUFFIXES else "html" if suffix in HTML_SUFFIXES else None
    return document_from_bytes(data, str(path), kind=kind, collection=collection)

"""Archives as units of work: which files a run reads, and one archive's items from a position.

An engine that spreads reading over processes needs the inputs as a list of files it
can hand out, each read the way :func:`storyline.ingest.read_inputs` reads it: the
same readers, the same sources, the same failures, in the same order.  Inputs are
resolved as ``read_inputs`` resolves them (a folder is walked, a glob expanded); a
missing input or a glob that matches nothing is a :class:`Failure` in its place.
Anything that is not a WARC or JSONL archive is refused with :class:`NotAnArchive`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import islice
from pathlib import Path

from storyline.article import Failure, RawDocument
from storyline.ingest.files import JSONL_SUFFIXES, WARC_SUFFIXES, expand, irregular, is_glob, suffix_of, walk
from storyline.ingest.jsonl import read_jsonl
from storyline.ingest.options import IngestOptions
from storyline.ingest.warc import read_warc

ARCHIVE_SUFFIXES = WARC_SUFFIXES + JSONL_SUFFIXES
_SCHEME = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.-]*)://")


class NotAnArchive(ValueError):
    """An input the archive engines cannot read; the message names it and says what to do."""


@dataclass(frozen=True, slots=True)
class Archive:
    """One archive file, identified by where it is and what it looked like when planned."""

    path: str  # absolute
    size: int
    modified: int  # st_mtime_ns


Unit = Archive | Failure


def plan(inputs: Iterable[str]) -> list[Unit]:
    """The archives named by ``inputs`` in reading order, with failures in their places."""
    units: list[Unit] = []
    for item in inputs:
        units.extend(_resolve(item))
    return units


def _resolve(item: str) -> list[Unit]:
    if _SCHEME.match(item):
        raise NotAnArchive(f"{item}: a URL, not an archive file")
    path = Path(item).expanduser()
    if path.is_dir():
        return [_archive(file) for file in walk(path.absolute())]
    if path.is_file():
        return [_archive(path.absolute())]
    if path.exists():
        return [Failure(str(path.absolute()), "not a regular file or folder")]
    if is_glob(item):
        matches = expand(item)
        if not matches:
            return [Failure(item, "no files match this pattern")]
        return [_archive(file.absolute()) for file in matches]
    return [Failure(item, "no such file or folder")]


def _archive(path: Path) -> Unit:
    why = irregular(path)
    if why is not None:
        return Failure(str(path), why)
    if suffix_of(path) not in ARCHIVE_SUFFIXES:
        raise NotAnArchive(f"{path}: not a WARC or JSONL archive ({', '.join(ARCHIVE_SUFFIXES)})")
    stat = path.stat()
    return Archive(str(path), stat.st_size, stat.st_mtime_ns)


def read_archive(path: str, options: IngestOptions, start: int = 0) -> Iterator[RawDocument | Failure]:
    """The items of one archive from item number ``start`` on (the ones before are read, not yielded)."""
    file = Path(path)
    reader = read_warc if suffix_of(file) in WARC_SUFFIXES else read_jsonl
    yield from islice(_guarded(path, reader(file, options)), start, None)


def _guarded(source: str, items: Iterator[RawDocument | Failure]) -> Iterator[RawDocument | Failure]:
    """As :func:`storyline.ingest.read_inputs` guards each file: a reader bug fails this file only."""
    try:
        yield from items
    except Exception as exc:
        yield Failure(source, f"unexpected error while reading: {type(exc).__name__}: {exc}")

"""How many items an ingest will yield, when that can be known cheaply beforehand.

A progress bar can show a total and the time left only if it knows how many items
are coming.  Files and folders of documents count one each, a JSON Lines file one
per non-empty line; feeds, web pages and WARC archives cannot be counted without
reading them, so any of those makes the count unknown (None).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from storyline.ingest.feedparse import is_feed
from storyline.ingest.files import (
    JSONL_SUFFIXES,
    OPML_SUFFIXES,
    TEXT_SUFFIXES,
    WARC_SUFFIXES,
    expand,
    irregular,
    is_glob,
    suffix_of,
    walk,
)

MAX_COUNTED = 50_000  # files looked at before giving up on a count


def count_items(inputs: Iterable[str]) -> int | None:
    """The number of items ``inputs`` will yield, or None when it cannot be told beforehand."""
    total = 0
    looked = 0
    for item in inputs:
        if "://" in item:
            return None
        path = Path(item).expanduser()
        if path.is_dir():
            files = list(walk(path))
        elif path.is_file():
            files = [path]
        elif is_glob(item):
            files = list(expand(item))
        else:
            total += 1  # reported as one skipped item
            continue
        for file in files:
            looked += 1
            if looked > MAX_COUNTED:
                return None
            counted = _count_file(file)
            if counted is None:
                return None
            total += counted
    return total


def _count_file(path: Path) -> int | None:
    suffix = suffix_of(path)
    if irregular(path) is not None:
        return 1  # reported as one skipped item, never opened
    try:
        if suffix in JSONL_SUFFIXES:
            with path.open("rb") as handle:
                return max(1, sum(1 for line in handle if line.strip()))  # an empty file: one skipped item
        if suffix in WARC_SUFFIXES or suffix in OPML_SUFFIXES:
            return None
        if suffix in TEXT_SUFFIXES:
            return 1
        with path.open("rb") as handle:
            return None if is_feed(handle.read(4096)) else 1  # a feed yields its entries
    except OSError:
        return 1  # reported as one skipped item

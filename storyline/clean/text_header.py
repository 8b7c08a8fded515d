"""Metadata in the header lines of a text dump: publisher, authors, headline.

An aggregator header reads "<publisher>\\n<publisher>\\n<authors>\\n\\n<headline>"; other
dumps start with a headline or a "By ..." line.  Lines are recognised by shape: a name
line repeated, a list of personal names, a short line without a full stop before the body.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from itertools import pairwise

from storyline.clean.patterns import NAME_PARTICLES
from storyline.clean.publishers import canonical_outlet, normalise_publisher, outlets_in
from storyline.clean.text_lines import word_count

_BY = re.compile(r"^by\s+", re.IGNORECASE)
_NAME_SPLIT = re.compile(r"\s*,\s*and\s+|\s*,\s*|\s+and\s+|\s*&\s*")
_NAME_TOKEN = re.compile(r"^(?:[A-Z][\w’'.-]*|Mc[A-Z][\w’'-]*)$")
_NOT_FIRST_NAME = frozenset(
    {"The", "A", "An", "This", "That", "Our", "Your", "More", "Top", "Read", "Sign", "Start"}
)
_TITLE_MAX_WORDS = 30
_PUBLISHER_MAX_WORDS = 6
HEADER_MAX_LINES = 20


def _person(name: str) -> bool:
    tokens = name.split()
    if not 2 <= len(tokens) <= 4 or tokens[0] in _NOT_FIRST_NAME:
        return False
    if not _NAME_TOKEN.match(tokens[0]) or not _NAME_TOKEN.match(tokens[-1]):
        return False
    return all(_NAME_TOKEN.match(t) or t in NAME_PARTICLES for t in tokens)


def authors_in(line: str) -> list[str]:
    """["Tom Watling", "Archie Mitchell"] for "Tom Watling and Archie Mitchell"; [] if not a byline."""
    names = [part.strip() for part in _NAME_SPLIT.split(_BY.sub("", line.strip())) if part.strip()]
    if not names or len(names) > 6 or not all(_person(name) for name in names):
        return []
    return names


def has_by(line: str) -> bool:
    return bool(_BY.match(line))


_SUBJECT_NAME = re.compile(
    r"\b((?:The )?[A-Z][\w’'&-]+(?: [A-Z][\w’'&-]+){0,3})(?= (?:is|has|was|relies|needs|depends|remains)\b)"
)


def publisher_in_appeal(text: str) -> str | None:
    """The outlet an appeal speaks for: a listed outlet it names, else a name it repeats as subject."""
    listed = outlets_in(text)
    if listed:
        return listed[0]
    counts = Counter(m.group(1) for m in _SUBJECT_NAME.finditer(text))
    for name, count in counts.most_common():
        if count >= 2 and word_count(name) <= 4:
            return normalise_publisher(name)
    return None


@dataclass(slots=True)
class Header:
    publisher: str | None = None
    authors: list[str] = field(default_factory=list)
    title: str | None = None
    used: set[int] = field(default_factory=set)  # line indices that held metadata


def read_header(
    lines: list[str],
    zone: list[int],
    chrome: set[int],
    removed: set[int],
    blank_after: list[bool],
) -> Header:
    """Metadata from the header ``zone`` (line indices before the body, in order).

    ``chrome`` lines matched a call-to-action pattern and hold no metadata; ``removed``
    lines were taken out as boilerplate (learned lines may still name the publisher or
    the authors, but never hold the headline).
    """
    header = Header()
    candidates = [i for i in zone[:HEADER_MAX_LINES] if i not in chrome]
    for a, b in pairwise(candidates):
        if b == a + 1 and lines[a] == lines[b] and word_count(lines[a]) <= _PUBLISHER_MAX_WORDS:
            header.publisher = normalise_publisher(lines[a])
            header.used |= {a, b}
            break
    if header.publisher is None:
        for i in candidates:
            outlet = canonical_outlet(lines[i])
            if outlet:
                header.publisher = outlet
                header.used.add(i)
                break
    for i in candidates:
        if i in header.used:
            continue
        names = authors_in(lines[i])
        near_publisher = any(abs(i - j) == 1 for j in header.used)
        if names and (has_by(lines[i]) or near_publisher):
            header.authors = names
            header.used.add(i)
            break
    structured = bool(header.used)
    kept = [i for i in candidates if i not in header.used and i not in removed]
    for i in reversed(kept):
        line = lines[i]
        words = word_count(line)
        if not 3 <= words <= _TITLE_MAX_WORDS or line.endswith(".") or authors_in(line):
            break
        first_kept = i == kept[0]
        if structured or (first_kept and blank_after[i]):
            header.title = line
            header.used.add(i)
        break
    return header

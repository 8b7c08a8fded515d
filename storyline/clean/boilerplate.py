"""Boilerplate learned from what repeats across articles of one source.

A source (a publisher, else a folder or feed) wraps its articles in the same appeal,
header and footer.  :class:`BoilerplateModel` counts word 5-gram shingles of the leading
and trailing regions of each document, per source, over *distinct* documents: a shingle
seen in two or more of them, and in at least ``min_share`` of them, is boilerplate there.  Words rather than lines make the
evidence survive layout changes (one appeal as one line in one dump and as six lines in
another).  Four guards keep article text out of it:

* only the edge regions are counted and queried, so a quotation repeated in the middle
  of two articles is never boilerplate;
* the share keeps out what only a few articles of the source have in common, such as
  the lead of one story that several of them carry;
* a near-duplicate document (the same article again, directly and via an aggregator)
  is not independent evidence and is not counted;
* the cleaner removes learned text only in a run that starts at an edge of the document.

Memory is bounded: shingles are hashed to stable 48-bit integers, each source keeps at most
``max_shingles`` counts (single sightings are pruned first) and ``max_sketches``
near-duplicate sketches.  The state is plain JSON.
"""

from __future__ import annotations

import math
import re
import zlib
from dataclasses import dataclass, field
from typing import Any

from storyline.clean.text_lines import prepare

STATE_VERSION = 2
_WORD = re.compile(r"\w+")
_BETWEEN_WORDS = " \n.,;:!?\"'“”‘’()-–—"


_FNV_PRIME = 0x100000001B3
_FNV_OFFSET = 0xCBF29CE484222325
_MASK64 = (1 << 64) - 1


def _shingle_hashes(words: list[str], size: int) -> list[int]:
    """A stable 48-bit hash of each run of ``size`` words (FNV-1a over CRC-32 word hashes)."""
    if not words:
        return []
    codes = [zlib.crc32(word.encode("utf-8")) for word in words]
    hashes = []
    for i in range(max(1, len(codes) - size + 1)):
        h = _FNV_OFFSET
        for code in codes[i : i + size]:
            h = ((h ^ code) * _FNV_PRIME) & _MASK64
        hashes.append(h >> 16)
    return hashes


@dataclass(slots=True)
class Tokens:
    """The words of a prepared text with their character spans."""

    words: list[str]
    spans: list[tuple[int, int]]

    @classmethod
    def of(cls, text: str) -> Tokens:
        matches = list(_WORD.finditer(text.casefold()))
        return cls([m.group(0) for m in matches], [m.span() for m in matches])


@dataclass(slots=True)
class _Source:
    documents: int = 0
    counts: dict[int, int] = field(default_factory=dict)
    sketches: list[list[int]] = field(default_factory=list)  # ordered samples per document


class BoilerplateModel:
    """Per-source counts of edge shingles over distinct documents."""

    def __init__(
        self,
        *,
        shingle_size: int = 5,
        edge_words: int = 500,
        min_documents: int = 2,
        min_share: float = 0.2,
        max_shingles: int = 60_000,
        max_sketches: int = 64,
        sample_modulus: int = 6,
        sketch_size: int = 240,
    ) -> None:
        self.shingle_size = shingle_size
        self.edge_words = edge_words
        self.min_documents = min_documents
        self.min_share = min_share
        self.max_shingles = max_shingles
        self.max_sketches = max_sketches
        self.sample_modulus = sample_modulus
        self.sketch_size = sketch_size
        self._sources: dict[str, _Source] = {}

    # --- learning ----------------------------------------------------------------------------

    def _hashes(self, tokens: Tokens) -> list[int]:
        return _shingle_hashes(tokens.words, self.shingle_size)

    def _edge(self, index: int, count: int) -> bool:
        """Shingle ``index`` of ``count`` lies in the leading or trailing region."""
        return index < self.edge_words or index >= count - self.edge_words

    def _sketch(self, hashes: list[int]) -> list[int]:
        sample = [h for h in hashes if h % self.sample_modulus == 0]
        if len(sample) > self.sketch_size:
            half = self.sketch_size // 2
            sample = sample[:half] + sample[-half:]
        return sample

    def observe(self, key: str, text: str) -> None:
        """Add one raw document as evidence for source ``key``."""
        hashes = self._hashes(Tokens.of(prepare(text).text))
        if not hashes:
            return
        source = self._sources.setdefault(key, _Source())
        sketch = self._sketch(hashes)
        if any(_near_duplicate(sketch, other) for other in source.sketches):
            return
        source.sketches.append(sketch)
        del source.sketches[: -self.max_sketches]
        source.documents += 1
        edge = {h for i, h in enumerate(hashes) if self._edge(i, len(hashes))}
        for h in edge:
            source.counts[h] = source.counts.get(h, 0) + 1
        self._prune(source)

    def _prune(self, source: _Source) -> None:
        floor = 1
        while len(source.counts) > self.max_shingles:
            source.counts = {h: c for h, c in source.counts.items() if c > floor}
            floor += 1

    # --- queries -----------------------------------------------------------------------------

    def documents(self, key: str) -> int:
        """How many distinct documents of ``key`` have been counted."""
        source = self._sources.get(key)
        return source.documents if source else 0

    def keys(self) -> list[str]:
        return sorted(self._sources)

    def covered(self, key: str, text: str) -> list[tuple[int, int, int]]:
        """Spans of ``text`` (a :attr:`Prepared.text`) covered by learned shingles.

        Each span is ``(start, end, support)``: the characters of a run of covered words
        and how many documents of the source carry them.  Only the leading and trailing
        regions can be covered.  Spans are sorted and do not overlap.
        """
        source = self._sources.get(key)
        if source is None or source.documents < self.min_documents:
            return []
        needed = max(self.min_documents, math.ceil(self.min_share * source.documents - 1e-9))
        tokens = Tokens.of(text)
        hashes = self._hashes(tokens)
        n = min(self.shingle_size, len(tokens.words))
        support = [0] * len(tokens.words)
        for i, h in enumerate(hashes):
            count = source.counts.get(h, 0)
            if count >= needed and self._edge(i, len(hashes)):
                for j in range(i, i + n):
                    support[j] = max(support[j], count)
        spans: list[tuple[int, int, int]] = []
        for count, (start, end) in zip(support, tokens.spans, strict=True):
            if not count:
                continue
            if spans and spans[-1][2] == count and not text[spans[-1][1] : start].strip(_BETWEEN_WORDS):
                spans[-1] = (spans[-1][0], end, count)
            else:
                spans.append((start, end, count))
        return spans

    # --- persistence -------------------------------------------------------------------------

    def to_state(self) -> dict[str, Any]:
        """A JSON-serialisable snapshot; :meth:`from_state` restores it."""
        return {
            "version": STATE_VERSION,
            "settings": {
                "shingle_size": self.shingle_size,
                "edge_words": self.edge_words,
                "min_documents": self.min_documents,
                "min_share": self.min_share,
                "max_shingles": self.max_shingles,
                "max_sketches": self.max_sketches,
                "sample_modulus": self.sample_modulus,
                "sketch_size": self.sketch_size,
            },
            "sources": {
                key: {
                    "documents": source.documents,
                    "shingles": list(source.counts),
                    "counts": list(source.counts.values()),
                    "sketches": source.sketches,
                }
                for key, source in self._sources.items()
            },
        }

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> BoilerplateModel:
        if state.get("version") != STATE_VERSION:
            return cls()  # an older layout: start learning afresh rather than misread it
        settings = dict(state.get("settings", {}))
        share = float(settings.pop("min_share", 0.2))
        model = cls(min_share=share, **{name: int(value) for name, value in settings.items()})
        for key, data in state.get("sources", {}).items():
            model._sources[key] = _Source(
                documents=int(data["documents"]),
                counts={int(h): int(c) for h, c in zip(data["shingles"], data["counts"], strict=True)},
                sketches=[[int(h) for h in sketch] for sketch in data["sketches"]],
            )
        return model


# --- near duplicates ---------------------------------------------------------------------------

_MIN_SAMPLES = 4


def _edge_run(order: list[int], shared: set[int]) -> int:
    """How many shared samples open ``order`` in one run (one unshared sample may interrupt it)."""
    count = 0
    missed = False
    for h in order:
        if h in shared:
            count += 1
        elif missed:
            break
        else:
            missed = True
    return count


def _near_duplicate(a: list[int], b: list[int]) -> bool:
    """The same article twice, told apart from two articles that share only boilerplate.

    Shared boilerplate opens or closes *both* documents; the same article shares its body,
    which fills most of the smaller document, or sits away from the edges they share.
    """
    if len(a) < _MIN_SAMPLES or len(b) < _MIN_SAMPLES:
        return a == b and bool(a)
    shared = set(a) & set(b)
    if not shared:
        return False
    containment = len(shared) / min(len(a), len(b))
    if containment >= 0.8:
        return True
    if containment < 0.3:
        return False
    lead = min(_edge_run(a, shared), _edge_run(b, shared))
    trail = min(_edge_run(a[::-1], shared), _edge_run(b[::-1], shared))
    if not lead and not trail:
        return True
    return len(shared) - lead - trail >= 0.5 * len(shared)
